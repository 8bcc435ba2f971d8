package schema

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
)

// recordFixtures are the change events of the package's tests, by name:
// every event of TestGolden, a schema-change message on the prefix topic
// and on a sub-topic, a heartbeat, a source transaction with its BEGIN and
// END records, keys taken from the event, defaults and nulls, the Avro
// value kinds, and an event with its own headers.
func recordFixtures() map[string][]*change.Event {
	f := map[string][]*change.Event{}
	for _, c := range goldenCases() {
		f[c.name] = c.events
	}
	sub := testMessage()
	sub.Message.Topic = "transaction"
	f["message"] = []*change.Event{testMessage(), sub}
	f["heartbeat"] = []*change.Event{change.NewHeartbeat(change.HeartbeatTopic("", change.DefaultHeartbeatPrefix, "dbserver1"),
		"dbserver1", time.UnixMilli(1714558530123), change.Position{})}
	f["transaction"] = txEvents()

	kfe := customers()
	kfe.KeyFields = []change.Field{kfe.Columns[0]}
	kfe.Columns = kfe.Columns[1:]
	kfe.Key, kfe.KeyFromEvent = nil, true
	del := event(kfe, change.OpDelete, anne()[1:], nil)
	del.KeyRow = change.Row{int32(7)}
	f["key_from_event"] = []*change.Event{del, event(kfe, change.OpTruncate, nil, nil)}

	f["defaults"] = []*change.Event{event(defaultsTable(), change.OpCreate, nil,
		change.Row{int32(1), nil, "x", []any{int32(1), nil}, change.StructValue{nil, nil}, nil})}
	f["kinds"] = []*change.Event{event(kinds(), change.OpRead, nil, change.Row{
		int64(7), int8(-3), int16(300), float32(1.5), 2.25, nil, []byte{0, 1, 0xff},
		int32(19844), int32(19845), []any{"a", nil},
		change.StructValue{int32(5), []byte{0x04, 0xcb, 0x2f}}, nil, change.StructValue{nil},
	})}
	own := event(customers(), change.OpUpdate, anne(), anne())
	own.Headers = []change.Header{{Key: "__debezium.oldkey", Value: []byte(`{"id":0}`)}}
	f["own_headers"] = []*change.Event{own}
	return f
}

// sameMessages reports how got differs from want, or "".
func sameMessages(got, want []Message) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d messages, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		switch {
		case g.Topic != w.Topic:
			return fmt.Sprintf("message %d: topic %q, want %q", i, g.Topic, w.Topic)
		case !bytes.Equal(g.Key, w.Key) || (g.Key == nil) != (w.Key == nil):
			return fmt.Sprintf("message %d: key\n got %q\nwant %q", i, g.Key, w.Key)
		case !bytes.Equal(g.Value, w.Value) || (g.Value == nil) != (w.Value == nil):
			return fmt.Sprintf("message %d: value\n got %q\nwant %q", i, g.Value, w.Value)
		case len(g.Headers) != len(w.Headers):
			return fmt.Sprintf("message %d: headers %v, want %v", i, g.Headers, w.Headers)
		case g.Partitioned || !g.Timestamp.IsZero():
			return fmt.Sprintf("message %d: partition %d (%v), timestamp %v, want none", i, g.Partition, g.Partitioned, g.Timestamp)
		}
		for k := range w.Headers {
			if g.Headers[k].Key != w.Headers[k].Key || !bytes.Equal(g.Headers[k].Value, w.Headers[k].Value) {
				return fmt.Sprintf("message %d: header %d %q=%q, want %q=%q", i, k, g.Headers[k].Key, g.Headers[k].Value, w.Headers[k].Key, w.Headers[k].Value)
			}
		}
	}
	return ""
}

// viaRecords encodes ev the way the transforms path does: Records, then
// EncodeRecord of each.
func viaRecords(ev *change.Event, records func([]change.Record, *change.Event) ([]change.Record, error),
	encode func([]Message, *change.Record) ([]Message, error)) ([]Message, error) {
	recs, err := records(nil, ev)
	if err != nil {
		return nil, err
	}
	var out []Message
	for i := range recs {
		if out, err = encode(out, &recs[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// TestRecordsEncodeRecordIsEncode checks that the transforms path with an
// empty chain writes what Encode writes, byte for byte, for every fixture
// event under JSON options with and without schemas, keeping nulls,
// without tombstones, with context headers and with name adjustment.
func TestRecordsEncodeRecordIsEncode(t *testing.T) {
	base := opts()
	base.Headers = ContextHeaders("dbserver1", "0", "postgresql", "run-1")
	variants := map[string]func(*JSONOptions){
		"plain":      func(*JSONOptions) {},
		"schemas":    func(o *JSONOptions) { o.KeySchemas, o.ValueSchemas = true, true },
		"key_schema": func(o *JSONOptions) { o.KeySchemas = true },
		"keep_nulls": func(o *JSONOptions) {
			o.KeySchemas, o.ValueSchemas, o.KeyKeepNulls, o.ValueKeepNulls = true, true, true, true
		},
		"no_tombstones": func(o *JSONOptions) { o.Tombstones = false },
		"no_headers":    func(o *JSONOptions) { o.Headers = nil },
		"avro_names":    func(o *JSONOptions) { o.ValueSchemas, o.SchemaNameAdjustment = true, NameAdjustAvroUnicode },
	}
	for vname, v := range variants {
		for fname, evs := range recordFixtures() {
			t.Run(vname+"/"+fname, func(t *testing.T) {
				o := base
				v(&o)
				enc, rec := NewJSON(o), NewJSON(o)
				for i, ev := range evs {
					want, werr := enc.Encode(nil, ev)
					got, gerr := viaRecords(ev, rec.Records, rec.EncodeRecord)
					if (werr != nil) != (gerr != nil) {
						t.Fatalf("event %d: Encode error %v, Records/EncodeRecord error %v", i, werr, gerr)
					}
					if d := sameMessages(got, want); d != "" {
						t.Errorf("event %d: %s", i, d)
					}
				}
			})
		}
	}
}

// TestAvroRecordsEncodeRecordIsEncode is TestRecordsEncodeRecordIsEncode
// for the Avro encoder against the fake registry: Avro on both sides, a
// JSON key with an Avro value, and keeping nulls. The schemas registered
// through EncodeRecord are the ones Encode registers, so the ids match.
func TestAvroRecordsEncodeRecordIsEncode(t *testing.T) {
	fake := fakeRegistry(t)
	reg := newTestRegistry(t, fake.URL(), time.Second)
	variants := map[string]func(*AvroOptions){
		"avro":       func(*AvroOptions) {},
		"json_key":   func(o *AvroOptions) { o.KeyRegistry, o.KeySchemas = nil, true },
		"keep_nulls": func(o *AvroOptions) { o.KeyKeepNulls, o.ValueKeepNulls = true, true },
		"headers":    func(o *AvroOptions) { o.Headers = ContextHeaders("dbserver1", "0", "postgresql", "run-1") },
	}
	for vname, v := range variants {
		for fname, evs := range recordFixtures() {
			t.Run(vname+"/"+fname, func(t *testing.T) {
				o := avroOpts(reg, reg)
				v(&o)
				enc, err := NewAvro(o)
				if err != nil {
					t.Fatal(err)
				}
				rec, _ := NewAvro(o)
				for i, ev := range evs {
					want, werr := enc.Encode(nil, ev)
					got, gerr := viaRecords(ev, rec.Records, rec.EncodeRecord)
					if (werr != nil) != (gerr != nil) {
						t.Fatalf("event %d: Encode error %v, Records/EncodeRecord error %v", i, werr, gerr)
					}
					if d := sameMessages(got, want); d != "" {
						t.Errorf("event %d: %s", i, d)
					}
				}
			})
		}
	}
}
