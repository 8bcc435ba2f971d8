package runtime

import (
	"context"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/sinks"
)

// TableLister is a Stream that names the tables it captures (in
// "namespace.table" form) when it opens. It is optional: the runtime then
// creates the topics of the tables its snapshot reads (SnapshotPlanner),
// and the others at their first record.
type TableLister interface {
	CapturedTables() []string
}

// tableTopicer is an Encoder that knows the topic of a table's change
// events (schema.JSON and schema.Avro).
type tableTopicer interface {
	Topic(id change.TableID) string
}

// topicerOf returns the topic namer behind enc, seeing through the
// wrappers that leave topics as they are (raw records, field names, the
// AsyncAPI catalog's describer; a wrapper it does not know makes every
// snapshot create its topics one at a time again); nil
// when enc's topics are not known before its events are (a transforms
// chain may route, filter or add records).
func topicerOf(enc Encoder) tableTopicer {
	for {
		switch e := enc.(type) {
		case rawRecords:
			enc = e.Encoder
		case *fieldNamer:
			enc = e.Encoder
		case *describer:
			// The AsyncAPI catalog's: it notes schemas, topics stay.
			enc = e.enc
		case tableTopicer:
			return e
		default:
			return nil
		}
	}
}

// prepareTopics hands the sink the data topics of the tables the stream
// captures (or, when it does not say, of those its snapshot is about to
// read), so that it creates the missing ones together: a snapshot of 1,000
// small tables otherwise made its 1,000 topics one round trip at a time,
// each as its table's first row came, and a connector without a snapshot
// made each as the table's first change came. Tables appearing later, and
// the topics of a connector with transforms, are still created at their
// first record.
func prepareTopics(ctx context.Context, sink sinks.Sink, enc Encoder, stream Stream) error {
	p, ok := sink.(sinks.Preparer)
	if !ok {
		return nil
	}
	namer := topicerOf(enc)
	if namer == nil {
		return nil
	}
	var tables []string
	if l, ok := stream.(TableLister); ok {
		tables = l.CapturedTables()
	} else if p, ok := stream.(SnapshotPlanner); ok {
		tables = p.SnapshotTables()
	}
	if len(tables) < 2 {
		return nil // nothing to gain
	}
	topics := make([]string, 0, len(tables))
	for _, name := range tables {
		id, err := capture.ParseTableID(name)
		if err != nil {
			return nil // not a name this knows how to read: leave it to the records
		}
		topics = append(topics, namer.Topic(id))
	}
	return p.Prepare(ctx, topics)
}
