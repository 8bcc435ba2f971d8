package sinks

import (
	"context"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
)

// Record is one message for a sink. A nil Value is a tombstone. Its fields
// match schema.Message, so a Message converts to one.
type Record struct {
	Topic   string
	Key     []byte
	Value   []byte
	Headers []change.Header
	// Partition is the partition the record goes to when Partitioned is
	// set (a transform chose it, as Kafka Connect's record partition);
	// otherwise the sink's partitioner picks one from the key.
	Partition   int32
	Partitioned bool
	// Timestamp is the record's timestamp; zero lets the sink stamp it
	// when it sends it.
	Timestamp time.Time
	// Made, when set, is when the encoder made the record: a sink stamps
	// a record without Timestamp with it rather than read the clock (two
	// clock reads a record, one for ts_ms and one here, were 5 % of a
	// snapshot's CPU).
	Made time.Time
}

// Preparer is a Sink that can get ready for topics before their first
// record: the runtime names the topics a snapshot will write when it
// starts, so that they are created together rather than one by one as
// their first rows arrive.
type Preparer interface {
	Prepare(ctx context.Context, topics []string) error
}

// Sink writes batches of records together with the connector's checkpoint.
// A batch is the records given to Write since the last Commit; the sink may
// start sending them before Commit (so a batch's records travel while more
// are read), but none is visible to a read_committed reader before Commit
// returns nil, and all of them are after.
type Sink interface {
	// Write adds recs to the open batch, opening one if needed. The sink
	// may keep references to recs' byte slices until Commit or Abort
	// returns.
	Write(ctx context.Context, recs []Record) error

	// Commit writes checkpoint and commits the open batch with it
	// atomically: after it returns nil both are durable, and if it returns
	// an error neither is visible to a read_committed reader (the batch is
	// aborted).
	Commit(ctx context.Context, checkpoint []byte) error

	// Close aborts any open batch and releases the sink's clients.
	Close(ctx context.Context) error
}
