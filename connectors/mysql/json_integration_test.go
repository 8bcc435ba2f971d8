//go:build integration

package mysql

import (
	"testing"
)

// TestIntegrationMariaDBJSONKeepsItsSchema checks that a MariaDB JSON
// column (LONGTEXT with json_valid in the binlog) keeps the schema the
// snapshot gave it when streaming starts: no new schema version, still
// io.debezium.data.Json.
func TestIntegrationMariaDBJSONKeepsItsSchema(t *testing.T) {
	e := newMyEnv(t, "json")
	e.exec("CREATE TABLE t (id INT PRIMARY KEY, doc JSON)", `INSERT INTO t VALUES (1, '{"a": 1}')`)
	st := e.open(e.config(nil), nil, Knobs{})
	snap := next(t, st, 1)
	e.exec(`INSERT INTO t VALUES (2, '{"b": [2]}')`)
	streamed := next(t, st, 1)
	s, r := snap[0].Table, streamed[0].Table
	if got := s.Columns[1].Logical; got != "io.debezium.data.Json" {
		t.Fatalf("snapshot schema of doc: %q, want io.debezium.data.Json", got)
	}
	if r.Version != s.Version || r.Columns[1].Logical != s.Columns[1].Logical {
		t.Errorf("streaming changed the schema: version %d -> %d, doc %q -> %q", s.Version, r.Version, s.Columns[1].Logical, r.Columns[1].Logical)
	}
	if streamed[0].After[1] != `{"b": [2]}` {
		t.Errorf("streamed doc = %#v", streamed[0].After[1])
	}
}
