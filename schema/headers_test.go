package schema

import (
	"regexp"
	"testing"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
)

// TestContextHeaders checks that the context headers reach every record, data
// and tombstone and message, after the event's own headers and before the
// schema version, with the string values Connect's SimpleHeaderConverter
// writes.
func TestContextHeaders(t *testing.T) {
	ctx := ContextHeaders("dbserver1", "0", "postgresql", "0190d9f0-0000-7000-8000-000000000000")
	o := opts()
	o.Tombstones = true
	o.Headers = ctx
	j := NewJSON(o)
	del := event(customers(), change.OpDelete, anne(), nil)
	del.Headers = []change.Header{{Key: "__debezium.newkey", Value: []byte(`{"id":2}`)}}
	msgs, err := j.Encode(nil, del)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err = j.Encode(msgs, event(customers(), change.OpCreate, nil, anne()))
	if err != nil {
		t.Fatal(err)
	}
	key := &change.Field{Type: change.Struct, Fields: []change.Field{{Name: "databaseName", Type: change.String}}}
	msgs, err = j.Encode(msgs, &change.Event{Message: &change.Message{Topic: "", KeySchema: key, ValueSchema: key,
		Key: change.StructValue{"db"}, Value: change.StructValue{"db"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 4 {
		t.Fatalf("%d messages, want delete, tombstone, create, message", len(msgs))
	}
	want := func(i int, keys ...string) {
		t.Helper()
		h := msgs[i].Headers
		if len(h) != len(keys) {
			t.Fatalf("message %d headers %q, want keys %q", i, h, keys)
		}
		for k := range keys {
			if h[k].Key != keys[k] {
				t.Errorf("message %d header %d = %q, want %q", i, k, h[k].Key, keys[k])
			}
		}
	}
	ctxKeys := []string{HeaderConnectorLogicalName, HeaderTaskID, HeaderConnectorName, HeaderRunID}
	want(0, append(append([]string{"__debezium.newkey"}, ctxKeys...), VersionHeader)...)
	want(1, append(append([]string{"__debezium.newkey"}, ctxKeys...), VersionHeader)...)
	want(2, append(ctxKeys, VersionHeader)...)
	want(3, ctxKeys...)
	for i, v := range []string{"dbserver1", "0", "postgresql", "0190d9f0-0000-7000-8000-000000000000"} {
		if got := string(msgs[2].Headers[i].Value); got != v {
			t.Errorf("header %s = %q, want %q", ctxKeys[i], got, v)
		}
	}
	// Appending to one record's headers must not touch another's.
	_ = append(msgs[2].Headers, change.Header{Key: "x"})
	_ = append(msgs[3].Headers, change.Header{Key: "y"})
	if msgs3, _ := j.Encode(nil, event(customers(), change.OpCreate, nil, anne())); msgs3[0].Headers[len(msgs3[0].Headers)-1].Key != VersionHeader {
		t.Error("an append to a record's headers changed the shared ones")
	}

	// Without context headers a record carries only the version.
	plain, err := NewJSON(opts()).Encode(nil, event(customers(), change.OpCreate, nil, anne()))
	if err != nil {
		t.Fatal(err)
	}
	if h := plain[0].Headers; len(h) != 1 || h[0].Key != VersionHeader {
		t.Errorf("headers without context headers: %q", h)
	}
}

func TestNewRunID(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	t0 := time.UnixMilli(1764633600000)
	a, b := NewRunID(t0), NewRunID(t0.Add(time.Millisecond))
	if !re.MatchString(a) || !re.MatchString(b) {
		t.Fatalf("run ids %q, %q are not version 7 UUIDs", a, b)
	}
	if a[:13] != "019adc5b-e000" { // 1764633600000 ms = 0x019adc5be000, the first 48 bits
		t.Errorf("run id %q does not start with the time", a)
	}
	if !(a < b) {
		t.Errorf("later run id %q does not sort after %q", b, a)
	}
	if NewRunID(t0) == a {
		t.Error("two run ids of the same millisecond are equal")
	}
}

// TestAvroContextHeaders checks the Avro encoder carries the context headers
// as the JSON one does, on records and tombstones.
func TestAvroContextHeaders(t *testing.T) {
	fake := fakeRegistry(t)
	reg := newTestRegistry(t, fake.URL(), time.Second)
	o := avroOpts(reg, reg)
	o.Tombstones = true
	o.Headers = ContextHeaders("dbserver1", "0", "mariadb", "r")
	a, err := NewAvro(o)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := a.Encode(nil, event(customers(), change.OpDelete, anne(), nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 {
		t.Fatalf("%d messages", len(msgs))
	}
	for i, m := range msgs {
		if h := m.Headers; len(h) != 5 || h[2].Key != HeaderConnectorName || string(h[2].Value) != "mariadb" || h[4].Key != VersionHeader {
			t.Errorf("message %d headers %q", i, h)
		}
	}
}
