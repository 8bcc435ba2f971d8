//go:build integration

package mysql

import (
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
)

// TestIntegrationMariaDBJSONKeepsItsSchema checks a MariaDB JSON column as
// Debezium maps it: one that existed at the snapshot is read from SHOW
// CREATE TABLE as LONGTEXT, a plain string, and keeps that schema when
// streaming starts (no new version); one added by an ALTER of the binlog is
// io.debezium.data.Json.
func TestIntegrationMariaDBJSONKeepsItsSchema(t *testing.T) {
	e := newMyEnv(t, "json")
	e.exec("CREATE TABLE t (id INT PRIMARY KEY, doc JSON)", `INSERT INTO t VALUES (1, '{"a": 1}')`)
	st := e.open(e.config(nil), nil, Knobs{})
	snap := next(t, st, 1)
	e.exec(`INSERT INTO t VALUES (2, '{"b": [2]}')`)
	streamed := next(t, st, 1)
	s, r := snap[0].Table, streamed[0].Table
	if got := s.Columns[1].Logical; got != "" || s.Columns[1].Type != change.String {
		t.Fatalf("snapshot schema of doc: %v %q, want a plain string", s.Columns[1].Type, got)
	}
	if r.Version != s.Version || r.Columns[1].Logical != s.Columns[1].Logical {
		t.Errorf("streaming changed the schema: version %d -> %d, doc %q -> %q", s.Version, r.Version, s.Columns[1].Logical, r.Columns[1].Logical)
	}
	if streamed[0].After[1] != `{"b": [2]}` {
		t.Errorf("streamed doc = %#v", streamed[0].After[1])
	}
	e.exec("ALTER TABLE t ADD doc2 JSON, ADD flag BOOLEAN, ADD f FLOAT(7,3)", `INSERT INTO t VALUES (3, '[]', '{"c": 3}', TRUE, 1234.567)`)
	evs := next(t, st, 2) // the ALTER's schema-change record, the row
	if evs[0].Message == nil {
		t.Fatalf("no schema-change record for the ALTER: %+v", evs[0])
	}
	ev := evs[1]
	cols := ev.Table.Columns
	if cols[1].Logical != "" || cols[2].Logical != "io.debezium.data.Json" || cols[3].Type != change.Boolean || cols[4].Type != change.Float64 {
		t.Errorf("columns after the ALTER: %+v", cols)
	}
	if ev.After[2] != `{"c": 3}` || ev.After[3] != true || ev.After[4] != 1234.5670166015625 {
		t.Errorf("row after the ALTER: %#v", ev.After)
	}
}
