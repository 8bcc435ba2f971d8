//go:build integration

package e2e

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestPostgresSchemaVersionAcrossRestarts restarts the daemon between
// column changes and checks that the sluice.schema.version header keeps
// increasing (it used to restart at 1 with every run), that the Value
// schema carries no version (Debezium's), and that each run has its own
// run id header.
func TestPostgresSchemaVersionAcrossRestarts(t *testing.T) {
	prefix := uniq("pgver")
	table := "public." + prefix
	topic := prefix + "." + table
	dropSlot(t, prefix)
	pg := pgConn(t)
	mustExec(t, pg, "CREATE TABLE "+table+" (id int PRIMARY KEY, v text)")
	t.Cleanup(func() { mustExec(t, pgConn(t), "DROP TABLE "+table) })
	mustExec(t, pg, "INSERT INTO "+table+" VALUES (1, 'a')") // snapshot, version 1

	dir := t.TempDir()
	d := startDaemon(t, dir)
	cfg := pgConfig(t, prefix, prefix, table)
	cfg["value.converter.schemas.enable"] = "true"
	if code, b := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create: %d %s", code, b)
	}
	d.waitTaskState(t, prefix, "RUNNING", 30*time.Second)
	c := newConsumer(t, topic)
	c.waitCount(t, 1, 60*time.Second)
	mustExec(t, pg, "ALTER TABLE "+table+" ADD COLUMN w text")
	mustExec(t, pg, "INSERT INTO "+table+" VALUES (2, 'b', 'x')") // version 2
	c.waitCount(t, 2, 60*time.Second)
	d.term(t)

	// Same columns after a restart: still version 2.
	d = startDaemon(t, dir)
	d.waitTaskState(t, prefix, "RUNNING", 30*time.Second)
	mustExec(t, pg, "INSERT INTO "+table+" VALUES (3, 'c', 'y')")
	c.waitCount(t, 3, 60*time.Second)
	d.term(t)

	// A column dropped while the daemon is down: version 3 on the next run,
	// after the last change made with the old columns keeps version 2.
	mustExec(t, pg, "INSERT INTO "+table+" VALUES (4, 'd', 'z')")
	mustExec(t, pg, "ALTER TABLE "+table+" DROP COLUMN w")
	mustExec(t, pg, "INSERT INTO "+table+" VALUES (5, 'e')")
	d = startDaemon(t, dir)
	c.waitCount(t, 5, 60*time.Second)
	recs := c.settle(2 * time.Second)

	want := map[int]string{1: "1", 2: "2", 3: "2", 4: "2", 5: "3"}
	runs := map[string]bool{}
	last := 0
	for _, r := range recs {
		if r.Value == nil {
			continue
		}
		var msg struct {
			Schema  json.RawMessage `json:"schema"`
			Payload struct {
				After map[string]any `json:"after"`
			} `json:"payload"`
		}
		if err := json.Unmarshal(r.Value, &msg); err != nil {
			t.Fatalf("%v: %s", err, r.Value)
		}
		id := int(msg.Payload.After["id"].(float64))
		v := r.Headers["sluice.schema.version"]
		if v != want[id] {
			t.Errorf("row %d: sluice.schema.version=%q, want %s", id, v, want[id])
		}
		n, _ := strconv.Atoi(v)
		if n < last {
			t.Errorf("row %d: version %d after %d: it went back", id, n, last)
		}
		last = n
		if strings.Contains(string(msg.Schema), `.Value","version"`) {
			t.Errorf("row %d: the Value schema carries a version: %s", id, msg.Schema)
		}
		if id == 5 && strings.Contains(string(msg.Schema), `"field":"w"`) {
			t.Errorf("row 5: the dropped column is in the schema")
		}
		checkContextHeaders(t, r)
		runs[r.Headers["__debezium.context.runId"]] = true
	}
	if len(recs) < 5 {
		t.Fatalf("%d records, want 5", len(recs))
	}
	if len(runs) != 3 {
		t.Errorf("%d run ids over three runs: %v", len(runs), runs)
	}
}
