package sinks

import (
	"context"

	"github.com/sluicecdc/sluice/connectors/change"
)

// Record is one message for a sink. A nil Value is a tombstone.
type Record struct {
	Topic   string
	Key     []byte
	Value   []byte
	Headers []change.Header
}

// Sink writes batches of records together with the connector's checkpoint.
type Sink interface {
	// Commit writes recs and checkpoint atomically: after it returns nil
	// both are durable, and if it returns an error neither is visible to a
	// read_committed reader. It may be retried with the same arguments.
	Commit(ctx context.Context, recs []Record, checkpoint []byte) error

	// Close aborts any open transaction and releases the sink's clients.
	Close(ctx context.Context) error
}
