package runtime

import (
	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/schema"
)

// rawRecords is an Encoder that also writes each event's Raw records (the
// MySQL source's schema history) as they are, after the event's own
// record, so that they go in the event's batch: the same Kafka transaction
// as the event and the checkpoint past it. An event with Raw records but
// neither a table nor a Message writes only them, and one with none of the
// three writes nothing: it only moves the checkpoint (a signal's position,
// capture/signals.go).
type rawRecords struct{ Encoder }

// withRaw wraps enc in rawRecords once.
func withRaw(enc Encoder) Encoder {
	if _, ok := enc.(rawRecords); ok || enc == nil {
		return enc
	}
	return rawRecords{enc}
}

func (r rawRecords) Encode(dst []schema.Message, ev *change.Event) ([]schema.Message, error) {
	if ev == nil || len(ev.Raw) == 0 && (ev.Table != nil || ev.Message != nil) {
		return r.Encoder.Encode(dst, ev)
	}
	if ev.Table != nil || ev.Message != nil {
		var err error
		if dst, err = r.Encoder.Encode(dst, ev); err != nil {
			return dst, err
		}
	}
	for _, x := range ev.Raw {
		dst = append(dst, schema.Message{Topic: x.Topic, Key: x.Key, Value: x.Value})
	}
	return dst, nil
}

// Recycle passes the loop's recycling on to the wrapped encoder.
func (r rawRecords) Recycle() {
	if rc, ok := r.Encoder.(recycler); ok {
		rc.Recycle()
	}
}
