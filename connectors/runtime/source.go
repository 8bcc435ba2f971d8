package runtime

import (
	"context"

	"github.com/sluicecdc/sluice/connectors/change"
)

// Source is a database a connector captures. The runtime opens it once per
// run of the connector, and again after a retryable error: an error of Open
// or Next that a retry can cure (a server out of reach, a lost connection)
// says so with a Retryable() bool method returning true; any other error
// fails the connector for good (see IsRetryable).
type Source interface {
	// Open checks the database's prerequisites, prepares what the capture
	// needs (a replication slot, a publication) and returns a stream of the
	// events that follow cp. A nil cp starts the connector afresh, with a
	// snapshot when its configuration asks for one. Open fails with an error
	// that names the fix when a prerequisite is not met.
	Open(ctx context.Context, cp *change.Position) (Stream, error)
}

// Stream yields a source's events in source order.
type Stream interface {
	// Next returns the next event. It blocks until one is available or ctx
	// is done. Cancelling ctx loses nothing: a later call returns the event
	// that was not returned. io.EOF means the source has nothing more to
	// give (for example after an initial_only snapshot). The event is owned
	// by the caller.
	Next(ctx context.Context) (*change.Event, error)

	// Ack tells the source that every event up to and including pos is in
	// Kafka, committed. The source may then release what it kept for them
	// (the Postgres slot moves to the end of the last complete transaction).
	Ack(pos change.Position) error

	// Close ends the stream and releases its connections.
	Close() error
}
