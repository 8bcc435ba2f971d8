package transforms_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/transforms"
	"github.com/sluicecdc/sluice/schema"
)

// The records real Kafka Connect 4.3.0 wrote with Debezium 3.6.1 for
// TestUnwrapSideBySide's Postgres table s.items (id int PRIMARY KEY, name
// text NOT NULL, qty int DEFAULT 7, note text; REPLICA IDENTITY FULL) under
// the chain ExtractChangedRecordState, ExtractNewRecordState (rewrite,
// add.fields=op,table,lsn,source.ts_ms, add.headers=db,op,
// drop.fields.header.name=unchanged), HeaderToValue (move changed into
// changed_columns), JsonConverter with schemas; and, with
// ExtractNewRecordState's defaults, a delete. Topic prefix "p", lsn 99 and
// source ts_ms 5 stand for the log's.

const dbzItemsFields = `{"type":"int32","optional":false,"field":"id"},{"type":"string","optional":false,"field":"name"},` +
	`{"type":"int32","optional":true,"default":7,"field":"qty"}`

const dbzAddedFields = `{"type":"string","optional":true,"field":"__deleted"},{"type":"string","optional":true,"field":"__op"},` +
	`{"type":"string","optional":true,"field":"__table"},{"type":"int64","optional":true,"field":"__lsn"},` +
	`{"type":"int64","optional":true,"field":"__source_ts_ms"},` +
	`{"type":"array","items":{"type":"string","optional":true},"optional":true,"name":"changed","field":"changed_columns"}`

func dbzFlatValue(fields, payload string) string {
	return `{"schema":{"type":"struct","fields":[` + fields + `],"optional":false,"name":"p.s.items.Value"},"payload":` + payload + `}`
}

var dbzItemsTable = &change.TableSchema{ID: change.TableID{Namespace: "s", Name: "items"}, Version: 1, Key: []int{0},
	Columns: []change.Field{
		{Name: "id", Type: change.Int32},
		{Name: "name", Type: change.String},
		{Name: "qty", Type: change.Int32, Optional: true, Default: int32(7)},
		{Name: "note", Type: change.String, Optional: true},
	}}

var dbzItemsSource = &change.Field{Type: change.Struct, Logical: "io.debezium.connector.postgresql.Source", Version: 1,
	Fields: []change.Field{
		{Name: "version", Type: change.String}, {Name: "connector", Type: change.String}, {Name: "name", Type: change.String},
		{Name: "ts_ms", Type: change.Int64}, {Name: "db", Type: change.String}, {Name: "schema", Type: change.String},
		{Name: "table", Type: change.String}, {Name: "lsn", Type: change.Int64, Optional: true},
	}}

func dbzItemsEvent(op change.Op, before, after change.Row) *change.Event {
	return &change.Event{Op: op, Table: dbzItemsTable, Before: before, After: after, SourceSchema: dbzItemsSource,
		Source: change.StructValue{"3.6.1.Final", "postgresql", "p", int64(5), "shop", "s", "items", int64(99)},
		Commit: time.UnixMilli(5)}
}

func TestDebeziumChainEncodesAsConnect(t *testing.T) {
	chain := map[string]string{
		"transforms":                                       "changes,unwrap,h2v",
		"transforms.changes.type":                          "io.debezium.transforms.ExtractChangedRecordState",
		"transforms.changes.header.changed.name":           "changed",
		"transforms.changes.header.unchanged.name":         "unchanged",
		"transforms.unwrap.type":                           "io.debezium.transforms.ExtractNewRecordState",
		"transforms.unwrap.delete.tombstone.handling.mode": "rewrite",
		"transforms.unwrap.add.fields":                     "op,table,lsn,source.ts_ms",
		"transforms.unwrap.add.headers":                    "db,op",
		"transforms.unwrap.drop.fields.header.name":        "unchanged",
		"transforms.h2v.type":                              "io.debezium.transforms.HeaderToValue",
		"transforms.h2v.headers":                           "changed",
		"transforms.h2v.fields":                            "changed_columns",
		"transforms.h2v.operation":                         "move",
	}
	type msg struct {
		value   string // "" for none (the record is dropped)
		headers map[string]string
	}
	row1 := change.Row{int32(1), "one", int32(1), "n1"}
	row2 := change.Row{int32(2), "two", nil, nil}
	for _, c := range []struct {
		name  string
		chain map[string]string
		ev    *change.Event
		want  []msg
	}{
		{"snapshot row of nulls", chain, dbzItemsEvent(change.OpRead, nil, row2), []msg{{
			dbzFlatValue(dbzItemsFields+`,{"type":"string","optional":true,"field":"note"},`+dbzAddedFields,
				`{"id":2,"name":"two","qty":7,"note":null,"__deleted":"false","__op":"r","__table":"items","__lsn":99,"__source_ts_ms":5,"changed_columns":[]}`),
			map[string]string{"unchanged": "[]", "__db": "shop", "__op": "r"}}}},
		{"update: the unchanged optional column goes", chain, dbzItemsEvent(change.OpUpdate, row1, change.Row{int32(1), "one", int32(10), "n1"}), []msg{{
			dbzFlatValue(dbzItemsFields+","+dbzAddedFields,
				`{"id":1,"name":"one","qty":10,"__deleted":"false","__op":"u","__table":"items","__lsn":99,"__source_ts_ms":5,"changed_columns":["qty"]}`),
			map[string]string{"unchanged": `["id","name","note"]`, "__db": "shop", "__op": "u"}}}},
		{"delete, rewritten; its tombstone dropped", chain, dbzItemsEvent(change.OpDelete, row1, nil), []msg{{
			dbzFlatValue(dbzItemsFields+`,{"type":"string","optional":true,"field":"note"},`+dbzAddedFields,
				`{"id":1,"name":"one","qty":1,"note":"n1","__deleted":"true","__op":"d","__table":"items","__lsn":99,"__source_ts_ms":5,"changed_columns":[]}`),
			map[string]string{"unchanged": "[]", "__db": "shop", "__op": "d"}}}},
		{"delete, default mode", map[string]string{"transforms": "u", "transforms.u.type": "io.debezium.transforms.ExtractNewRecordState"},
			dbzItemsEvent(change.OpDelete, row1, nil), []msg{{
				`{"schema":{"type":"struct","fields":[` + dbzItemsFields + `,{"type":"string","optional":true,"field":"note"}],"optional":true,"name":"p.s.items.Value"},"payload":null}`,
				map[string]string{}}}},
		{"truncate", chain, dbzItemsEvent(change.OpTruncate, nil, nil), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			ch, err := transforms.Parse(c.chain)
			if err != nil {
				t.Fatal(err)
			}
			enc := schema.NewJSON(schema.JSONOptions{TopicPrefix: "p", KeySchemas: true, ValueSchemas: true, Tombstones: true,
				Now: func() time.Time { return time.UnixMilli(6) }})
			recs, err := enc.Records(nil, c.ev)
			if err != nil {
				t.Fatal(err)
			}
			var got []schema.Message
			for i := range recs {
				r, err := ch.Apply(&recs[i])
				if err != nil {
					t.Fatal(err)
				}
				if r == nil {
					continue
				}
				if got, err = enc.EncodeRecord(got, r); err != nil {
					t.Fatal(err)
				}
			}
			if len(got) != len(c.want) {
				t.Fatalf("%d records, want %d: %v", len(got), len(c.want), got)
			}
			for i, w := range c.want {
				if !dbzSameJSON(got[i].Value, w.value) {
					t.Errorf("value\n got %s\nwant %s", got[i].Value, w.value)
				}
				hs := map[string]string{}
				for _, h := range got[i].Headers {
					if !strings.HasPrefix(h.Key, "sluice.") {
						hs[h.Key] = string(h.Value)
					}
				}
				if !reflect.DeepEqual(hs, w.headers) {
					t.Errorf("headers %v, want %v", hs, w.headers)
				}
			}
		})
	}
}

// dbzSameJSON compares JSON texts as values (member order aside: the
// encoder's own tests check it).
func dbzSameJSON(a []byte, b string) bool {
	var x, y any
	da, db := json.NewDecoder(bytes.NewReader(a)), json.NewDecoder(strings.NewReader(b))
	da.UseNumber()
	db.UseNumber()
	if da.Decode(&x) != nil || db.Decode(&y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
