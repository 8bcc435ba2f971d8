package transforms

import (
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
)

// TestDebeziumTransformsOddRecords runs the Debezium transforms, with
// every option that reads the record, over records no Debezium connector
// writes but a chain can hand them (an envelope name over another shape, a
// value of the wrong type, a struct shorter than its schema): each gives a
// record or an error, never a panic, and an envelope-named record whose
// value is not a struct is an error naming Connect's class.
func TestDebeziumTransformsOddRecords(t *testing.T) {
	env := &change.Field{Type: change.Struct, Logical: "x.Envelope", Fields: []change.Field{{Name: "op", Type: change.String}}}
	short := *fxEvent("u", fxRow1, fxRow1b, nil)
	short.Value = change.StructValue{fxRow1} // fewer members than the schema
	shortRow := *fxEvent("c", nil, change.StructValue{int32(1)}, nil)
	odd := []*change.Record{
		{Topic: "t", ValueSchema: env, Value: change.StructValue{"c"}},              // no before/after
		{Topic: "t", ValueSchema: env, Value: map[string]any{"op": "c"}},            // not a struct
		{Topic: "t", ValueSchema: &fxEnvelope, Value: "text"},                       // not a struct
		{Topic: "t", ValueSchema: &fxEnvelope, Value: change.StructValue{nil, "x"}}, // after not a struct
		&short, &shortRow,
		{Topic: "t", Value: []any{1}, Headers: []change.RecordHeader{{Key: "changed", Raw: []byte("x")}}},
	}
	configs := []struct {
		class string
		opts  map[string]string
	}{
		{UnwrapClass, map[string]string{"add.fields": "op,table,id,nosuch.x", "add.headers": "op,db", "route.by.field": "name",
			"drop.fields.header.name": "changed", "delete.tombstone.handling.mode": "rewrite"}},
		{UnwrapClass, map[string]string{"add.fields": "source", "add.headers": "transaction"}},
		{ChangedClass, map[string]string{"header.changed.name": "changed", "header.unchanged.name": "u"}},
		{HeaderToValueClass, map[string]string{"headers": "changed", "fields": "a.b.c", "operation": "move"}},
	}
	for _, c := range configs {
		tr, err := configureTransform(c.class, c.opts)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range odd {
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Errorf("%s %v, record %d: panic %v", c.class, c.opts, i, p)
					}
				}()
				_, _ = tr.Apply(r)
			}()
		}
	}
	tr, _ := configureTransform(UnwrapClass, nil)
	if _, err := tr.Apply(odd[2]); err == nil || err.Error() != "Only Struct objects supported for [field extraction], found: java.lang.String" {
		t.Errorf("an envelope of a string: %v", err)
	}
}
