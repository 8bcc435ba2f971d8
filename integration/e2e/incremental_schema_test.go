//go:build integration

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Column changes during an incremental snapshot
// (incremental.snapshot.allow.schema.changes, docs/configuration.md
// "Incremental snapshots" → "Column changes"): a table is read in chunks of
// 4 rows while an ALTER TABLE adds a column and another drops one. Every
// row is read once, and no record, read or change, has other columns than
// the stream's schema version at its place in the topic: the column sets
// follow one another in the order of the ALTERs, each with one
// sluice.schema.version.

// schemaRows is the table's row count; schemaEpochs its column sets, in
// the order the test's ALTERs make them.
const schemaRows = 1000

var schemaEpochs = [][]string{{"extra", "id", "v"}, {"c2", "extra", "id", "v"}, {"c2", "id", "v"}}

// checkSchemaEpochs checks records of the test's table: each value's
// after has the columns of one of epochs, the epochs (and the
// sluice.schema.version headers, one per epoch) never go back in topic
// order, and the ids 1..rows are read (op r) exactly once.
func checkSchemaEpochs(recs []record, epochs [][]string, rows int) (problems []string, seen []int) {
	report := func(format string, a ...any) {
		if len(problems) < 20 {
			problems = append(problems, fmt.Sprintf(format, a...))
		}
	}
	epoch, version := 0, 0
	versions := map[int]int{} // epoch -> header version
	readCount := map[int64]int{}
	for i, r := range recs {
		if r.Value == nil {
			continue
		}
		var v struct {
			Op    string         `json:"op"`
			After map[string]any `json:"after"`
		}
		if err := json.Unmarshal(r.Value, &v); err != nil {
			report("record %d: %v", i, err)
			continue
		}
		if v.After == nil {
			continue
		}
		cols := slices.Sorted(maps.Keys(v.After))
		e := slices.IndexFunc(epochs, func(ep []string) bool { return slices.Equal(ep, cols) })
		switch {
		case e < 0:
			report("record %d (%s): columns %v are no schema of the table", i, v.Op, cols)
			continue
		case e < epoch:
			report("record %d (%s of id %v): columns %v after records with %v", i, v.Op, v.After["id"], cols, epochs[epoch])
		}
		epoch = max(epoch, e)
		if len(seen) == 0 || seen[len(seen)-1] != e {
			seen = append(seen, e)
		}
		hv, err := strconv.Atoi(r.Headers["sluice.schema.version"])
		switch {
		case err != nil:
			report("record %d: sluice.schema.version %q", i, r.Headers["sluice.schema.version"])
		case versions[e] == 0 && hv <= version:
			report("record %d: columns %v under version %d, after version %d", i, cols, hv, version)
		case versions[e] != 0 && versions[e] != hv:
			report("record %d: columns %v under version %d and %d", i, cols, versions[e], hv)
		}
		versions[e], version = hv, max(version, hv)
		if v.Op == "r" {
			id, _ := v.After["id"].(float64)
			readCount[int64(id)]++
		}
	}
	for id := int64(1); id <= int64(rows); id++ {
		if n := readCount[id]; n != 1 {
			report("id %d read %d times, want once", id, n)
		}
	}
	return problems, seen
}

// TestSchemaEpochCheckerCatchesFaults: checkSchemaEpochs accepts records
// whose column sets follow the epochs and reports each kind of fault.
func TestSchemaEpochCheckerCatchesFaults(t *testing.T) {
	mk := func(op string, id, version int, cols ...string) record {
		after := map[string]any{}
		for _, c := range cols {
			after[c] = 1
		}
		after["id"] = id
		b, _ := json.Marshal(map[string]any{"op": op, "after": after})
		return record{Value: b, Headers: map[string]string{"sluice.schema.version": strconv.Itoa(version)}}
	}
	epochs := [][]string{{"a", "id"}, {"a", "b", "id"}, {"b", "id"}}
	good := func() []record {
		return []record{mk("c", 1, 1, "a"), mk("c", 2, 1, "a"), mk("r", 1, 1, "a"), mk("u", 2, 2, "a", "b"), mk("r", 2, 2, "a", "b"), mk("u", 1, 3, "b")}
	}
	if p, seen := checkSchemaEpochs(good(), epochs, 2); len(p) != 0 || !slices.Equal(seen, []int{0, 1, 2}) {
		t.Fatalf("clean records: %v, epochs %v", p, seen)
	}
	for name, f := range map[string]func([]record) []record{
		"old columns after new": func(r []record) []record { return append(r, mk("r", 3, 1, "a")) },
		"unknown columns":       func(r []record) []record { r[4] = mk("r", 2, 2, "a", "c"); return r },
		"two versions":          func(r []record) []record { r[1] = mk("c", 2, 5, "a"); return r },
		"version back":          func(r []record) []record { r[5] = mk("u", 1, 1, "b"); return r },
		"read twice":            func(r []record) []record { return append(r, mk("r", 2, 3, "b")) },
		"read missing":          func(r []record) []record { return slices.Delete(r, 2, 3) },
	} {
		if p, _ := checkSchemaEpochs(f(good()), epochs, 2); len(p) == 0 {
			t.Errorf("%s: not detected", name)
		}
	}
}

// schemaRun drives one run: after each share of the reads, exec runs the
// next ALTER and updates rows 1..3 so that the stream has row changes of
// the new schema; then it waits for all reads and checks the records.
func schemaRun(t *testing.T, c *consumer, exec func(sql string), name, table string, d func() *daemon) {
	t.Helper()
	readsNow := func() int {
		n := 0
		for _, r := range c.snapshot() {
			if r.Value != nil && strings.Contains(string(r.Value), `"op":"r"`) {
				n++
			}
		}
		return n
	}
	waitReads := func(n int) {
		for deadline := time.Now().Add(3 * time.Minute); readsNow() < n; time.Sleep(20 * time.Millisecond) {
			if logs := d().logs.String(); time.Now().After(deadline) || strings.Contains(logs, "refused; the table is skipped") {
				t.Fatalf("%d reads, waiting for %d\n%s", readsNow(), n, tail(logs, 30))
			}
		}
	}
	waitReads(schemaRows / 5)
	exec("ALTER TABLE " + table + " ADD COLUMN c2 INT DEFAULT 7")
	exec("UPDATE " + table + " SET v = 'added' WHERE id <= 3")
	waitReads(readsNow() + schemaRows/5)
	exec("ALTER TABLE " + table + " DROP COLUMN extra")
	exec("UPDATE " + table + " SET v = 'dropped' WHERE id <= 3")
	waitReads(schemaRows)
	problems, seen := checkSchemaEpochs(c.settle(2*time.Second), schemaEpochs, schemaRows)
	for _, p := range problems {
		t.Error(p)
	}
	if !slices.Equal(seen, []int{0, 1, 2}) {
		t.Errorf("column sets in the topic: %v, want each of the three in turn", seen)
	}
	if st, trace := d().status(t, name).taskState(); st != "RUNNING" {
		t.Errorf("task %s: %s", st, trace)
	}
	if logs := d().logs.String(); strings.Contains(logs, "refused; the table is skipped") {
		t.Errorf("the table was skipped:\n%s", tail(logs, 20))
	}
	logs := d().logs.String()
	t.Logf("%d records, column sets %v; chunks read again: %d, reads that waited for the stream: %d", c.count(), seen,
		strings.Count(logs, "the chunk is read again"), strings.Count(logs, "waiting for the stream to read the table's column change"))
}

// TestMariaDBIncrementalSchemaChanges runs schemaRun on MariaDB with
// incremental.snapshot.allow.schema.changes false and true.
func TestMariaDBIncrementalSchemaChanges(t *testing.T) {
	for _, allow := range []string{"false", "true"} {
		t.Run("allow="+allow, func(t *testing.T) {
			e := newIncEnv(t, "incschema", "(id INT PRIMARY KEY, v VARCHAR(20), extra INT)", "",
				map[string]string{"incremental.snapshot.chunk.size": "4", "incremental.snapshot.allow.schema.changes": allow})
			e.exec(fmt.Sprintf("INSERT INTO %s SELECT seq, 'x', seq FROM seq_1_to_%d", e.table, schemaRows))
			e.data.waitCount(t, schemaRows, time.Minute)
			e.signal("exec-1", "execute-snapshot", fmt.Sprintf(`{"data-collections":["%s"]}`, e.table))
			schemaRun(t, e.data, func(s string) { e.exec(s) }, e.prefix, e.table, func() *daemon { return e.d })
			e.d.term(t)
		})
	}
}

// TestPostgresIncrementalSchemaChanges runs schemaRun on Postgres with
// incremental.snapshot.allow.schema.changes false and true.
func TestPostgresIncrementalSchemaChanges(t *testing.T) {
	for _, allow := range []string{"false", "true"} {
		t.Run("allow="+allow, func(t *testing.T) {
			prefix := uniq("incschema")
			slot, table := prefix, prefix+".items"
			dropSlot(t, slot)
			pg := pgConn(t)
			mustExec(t, pg, "CREATE SCHEMA "+prefix)
			t.Cleanup(func() { mustExec(t, pgConn(t), "DROP SCHEMA "+prefix+" CASCADE") })
			mustExec(t, pg, "CREATE TABLE "+table+" (id int PRIMARY KEY, v varchar(20), extra int)")
			mustExec(t, pg, "CREATE TABLE "+prefix+".debezium_signal (id varchar(42) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))")
			topic := prefix + "." + table
			deleteTopicsAfter(t, topic)
			c := newConsumer(t, topic)
			cfg := pgConfig(t, prefix, slot, table)
			cfg["snapshot.mode"] = "no_data"
			cfg["signal.data.collection"] = prefix + ".debezium_signal"
			cfg["incremental.snapshot.chunk.size"] = "4"
			cfg["incremental.snapshot.allow.schema.changes"] = allow
			cfg["status.update.interval.ms"] = "500"
			d := startDaemon(t, t.TempDir())
			if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
				t.Fatalf("create connector: %d %s", code, body)
			}
			d.waitTaskState(t, prefix, "RUNNING", 30*time.Second)
			hbWaitSlot(t, pgConn(t), slot)
			mustExec(t, pg, fmt.Sprintf("INSERT INTO %s SELECT g, 'x', g FROM generate_series(1, %d) g", table, schemaRows))
			c.waitCount(t, schemaRows, time.Minute)
			mustExec(t, pg, "INSERT INTO "+prefix+".debezium_signal (id, type, data) VALUES ('exec-1', 'execute-snapshot', $1)",
				fmt.Sprintf(`{"data-collections": ["%s"]}`, table))
			schemaRun(t, c, func(s string) {
				if _, err := pg.Exec(context.Background(), s); err != nil {
					t.Fatalf("%s: %v", s, err)
				}
			}, prefix, table, func() *daemon { return d })
			d.term(t)
		})
	}
}
