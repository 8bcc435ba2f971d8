//go:build integration

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestMySQLHistoryReplayAfterAlter checks the schema history
// (schema.history.internal.kafka.topic) against MariaDB and Kafka: sluice is
// killed at a checkpoint before an ALTER TABLE ... ADD COLUMN; while it is
// down rows are written before the ALTER, after it, and after a second
// ALTER; nothing is deleted; on restart (killed once more at a random
// moment and restarted) a read_committed consumer must see every row
// exactly once, rows before the ALTER without the new column and rows after
// it with it, each ALTER's schema-change record exactly once with the
// table as it was at that point of the binlog (not as information_schema
// shows it today), and a history topic whose records have the fields of
// the records real Debezium 3.5.0 writes.
//
// With include.schema.changes=false the history is written all the same
// (and there are no schema-change records).
func TestMySQLHistoryReplayAfterAlter(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	for _, schemaChanges := range []bool{true, false} {
		t.Run(fmt.Sprintf("include.schema.changes=%v", schemaChanges), func(t *testing.T) { historyReplayAfterAlter(t, schemaChanges) })
	}
}

func historyReplayAfterAlter(t *testing.T, schemaChanges bool) {
	prefix := uniq("history")
	db := prefix
	histTopic := prefix + ".schemahistory"
	myDatabase(t, db)
	my := myConn(t)
	myExec(t, my, "USE "+db,
		"CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL)",
		"INSERT INTO t VALUES (1,'s1'),(2,'s2'),(3,'s3')")
	deleteTopicsAfter(t, histTopic, prefix, prefix+"."+db+".t")

	dataDir := t.TempDir()
	d := startDaemon(t, dataDir)
	cfg := myConfig(t, prefix, db)
	cfg["schema.history.internal.kafka.bootstrap.servers"] = strings.Join(brokers, ",")
	cfg["schema.history.internal.kafka.topic"] = histTopic
	cfg["include.schema.changes"] = fmt.Sprint(schemaChanges)
	cfg["sluice.batch.max.events"] = "1"
	if os.Getenv("SLUICE_E2E_NO_HISTORY") != "" {
		// To see the test fail without the history (it must).
		delete(cfg, "schema.history.internal.kafka.bootstrap.servers")
		delete(cfg, "schema.history.internal.kafka.topic")
	}
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create connector: %d %s", code, body)
	}
	d.waitTaskState(t, prefix, "RUNNING", 60*time.Second)
	dataTopic := prefix + "." + db + ".t"
	c := newConsumer(t, dataTopic, prefix, histTopic)
	rows := func() map[int][]map[string]any {
		out := map[int][]map[string]any{}
		for _, r := range c.snapshot() {
			if r.Topic != dataTopic || r.Value == nil {
				continue
			}
			var v struct {
				Op    string         `json:"op"`
				After map[string]any `json:"after"`
			}
			if err := json.Unmarshal(r.Value, &v); err != nil || v.After == nil {
				continue
			}
			id := int(v.After["id"].(float64))
			v.After["_op"] = v.Op
			out[id] = append(out[id], v.After)
		}
		return out
	}
	waitRows := func(what string, n int) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for len(rows()) < n {
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d rows seen, want %d\n%s", what, len(rows()), n, tail(d.logs.String(), 40))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitRows("snapshot", 3)
	myExec(t, my, "INSERT INTO t VALUES (4,'b4')", "INSERT INTO t VALUES (5,'b5')", "INSERT INTO t VALUES (6,'b6')")
	waitRows("rows streamed before the kill", 6)
	// The checkpoint is at or past row 6 (the consumer reads only committed
	// records, which carry their checkpoint) and before the ALTER.
	d.kill()

	for id := 10; id < 15; id++ {
		myExec(t, my, fmt.Sprintf("INSERT INTO t VALUES (%d,'before')", id))
	}
	myExec(t, my, "ALTER TABLE t ADD COLUMN extra VARCHAR(10) DEFAULT 'e' AFTER name")
	for id := 20; id < 25; id++ {
		myExec(t, my, fmt.Sprintf("INSERT INTO t VALUES (%d,'after','x%d')", id, id))
	}
	myExec(t, my, "ALTER TABLE t ADD COLUMN late INT")
	for id := 30; id < 33; id++ {
		myExec(t, my, fmt.Sprintf("INSERT INTO t VALUES (%d,'late','y',%d)", id, id))
	}

	// The replay commits one event per Kafka transaction (see the config),
	// so the second kill lands inside it: after a random number of the
	// replayed rows, before or after the ALTERs.
	d = startDaemon(t, dataDir)
	target := 7 + rand.IntN(10)
	waitRows("part of the replay", target)
	d.kill()
	t.Logf("second kill after %d of 19 rows had arrived (waited for %d)", len(rows()), target)
	d = startDaemon(t, dataDir)
	waitRows("all rows after the restarts", 19)
	// The rows may all have arrived before the second kill: the last
	// daemon's task then still has to start (fencing the killed one's
	// transaction took over 3 s once) before its log can show the history
	// read back.
	d.waitTaskState(t, prefix, "RUNNING", 90*time.Second)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) &&
		!strings.Contains(d.logs.String(), "table definitions recovered from the schema history"); {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // let duplicates, if any, arrive
	c.settle(time.Second)

	// Rows: each exactly once, decoded with the columns of their time.
	cols := map[string][]string{
		"before": {"id", "name"},
		"after":  {"id", "name", "extra"},
		"late":   {"id", "name", "extra", "late"},
	}
	for id, evs := range rows() {
		if len(evs) != 1 {
			t.Errorf("row %d: %d events, want exactly one: %v", id, len(evs), evs)
			continue
		}
		ev := evs[0]
		want := cols["before"]
		switch {
		case id >= 30:
			want = cols["late"]
		case id >= 20:
			want = cols["after"]
		}
		var got []string
		for k := range ev {
			if k != "_op" {
				got = append(got, k)
			}
		}
		sort.Strings(got)
		w := slices.Clone(want)
		sort.Strings(w)
		if !reflect.DeepEqual(got, w) {
			t.Errorf("row %d: columns %v, want %v", id, got, w)
		}
		if id >= 20 && id < 25 && ev["extra"] != fmt.Sprintf("x%d", id) {
			t.Errorf("row %d: extra = %v, want x%d", id, ev["extra"], id)
		}
		if op := ev["_op"]; id <= 3 && op != "r" || id > 3 && op != "c" {
			t.Errorf("row %d: op %v", id, op)
		}
	}

	// Schema changes: each ALTER once, with the table of its time.
	type tableChange struct {
		Type  string `json:"type"`
		Table *struct {
			Columns []struct {
				Name string `json:"name"`
			} `json:"columns"`
		} `json:"table"`
	}
	columnsOf := func(tcs []tableChange) []string {
		var out []string
		if len(tcs) == 1 && tcs[0].Table != nil {
			for _, c := range tcs[0].Table.Columns {
				out = append(out, c.Name)
			}
		}
		return out
	}
	alters := map[string][][]string{}
	var history []map[string]any
	for _, r := range c.snapshot() {
		switch r.Topic {
		case prefix:
			var v struct {
				DDL          string        `json:"ddl"`
				TableChanges []tableChange `json:"tableChanges"`
			}
			if json.Unmarshal(r.Value, &v) == nil && strings.HasPrefix(v.DDL, "ALTER") {
				alters[v.DDL] = append(alters[v.DDL], columnsOf(v.TableChanges))
			}
		case histTopic:
			var m map[string]any
			if err := json.Unmarshal(r.Value, &m); err != nil {
				t.Errorf("history record at offset %d is not JSON: %v: %s", r.Offset, err, r.Value)
				continue
			}
			history = append(history, m)
		}
	}
	wantAlters := map[string][][]string{
		"ALTER TABLE t ADD COLUMN extra VARCHAR(10) DEFAULT 'e' AFTER name": {cols["after"]},
		"ALTER TABLE t ADD COLUMN late INT":                                 {cols["late"]},
	}
	if !schemaChanges {
		wantAlters = map[string][][]string{}
	}
	if !reflect.DeepEqual(alters, wantAlters) {
		t.Errorf("schema-change records of the ALTERs (columns of their tableChanges):\n got  %v\n want %v", alters, wantAlters)
	}

	// The history: the snapshot's records and each ALTER, once each, in
	// order, each with the fields of Debezium's records.
	if os.Getenv("SLUICE_E2E_NO_HISTORY") != "" {
		return
	}
	var ddls []string
	for _, h := range history {
		ddls = append(ddls, h["ddl"].(string))
	}
	wantPrefix := []string{"SET character_set_server=", "DROP TABLE IF EXISTS `" + db + "`.`t`", "DROP DATABASE IF EXISTS `" + db + "`",
		"CREATE DATABASE `" + db + "`", "USE `" + db + "`", "CREATE TABLE `t`",
		"ALTER TABLE t ADD COLUMN extra", "ALTER TABLE t ADD COLUMN late"}
	if len(ddls) != len(wantPrefix) {
		t.Errorf("history has %d records, want %d: %q", len(ddls), len(wantPrefix), ddls)
	} else {
		for i, p := range wantPrefix {
			if !strings.HasPrefix(ddls[i], p) {
				t.Errorf("history record %d: %q, want it to begin %q", i, ddls[i], p)
			}
		}
	}
	dbz := debeziumHistoryRecords(t)
	for i, h := range history {
		want := dbz[min(i, len(dbz)-1)]
		if i >= 6 {
			want = dbz[6] // Debezium's ALTER record
		}
		gk, wk := shapeOf(h, ""), shapeOf(want, "")
		// Positions differ by kind (and sluice adds sluice.index); the
		// columns by type: both are checked below.
		for _, k := range []string{".position", ".tableChanges[].table.columns[]"} {
			delete(gk, k)
			delete(wk, k)
		}
		checkHistoryColumns(t, i, h)
		if !reflect.DeepEqual(gk, wk) {
			t.Errorf("history record %d (%q) has other fields than Debezium's:\n got  %v\n want %v", i, ddls[i], gk, wk)
		}
		if h["source"].(map[string]any)["server"] != prefix {
			t.Errorf("history record %d: source %v", i, h["source"])
		}
	}
	if len(history) == 8 {
		if got := columnsOfHistory(history[6]); !reflect.DeepEqual(got, cols["after"]) {
			t.Errorf("history ALTER extra: columns %v, want %v", got, cols["after"])
		}
		pos := history[7]["position"].(map[string]any)
		for _, k := range []string{"file", "pos", "gtids", "server_id", "ts_sec"} {
			if _, ok := pos[k]; !ok {
				t.Errorf("history ALTER late: position lacks %q: %v", k, pos)
			}
		}
	}
	if st, trace := d.status(t, prefix).taskState(); st != "RUNNING" {
		t.Errorf("connector task %s at the end: %s", st, trace)
	}
	if !strings.Contains(d.logs.String(), "table definitions recovered from the schema history") {
		t.Errorf("the restart did not recover the table definitions from the history")
	}
	t.Logf("rows %d, ALTER records %v, history records %d", len(rows()), alters, len(history))
}

// debeziumHistoryRecords are the history records real Debezium 3.5.0
// wrote for a MariaDB table (connectors/mysql/testdata).
func debeziumHistoryRecords(t *testing.T) []map[string]any {
	t.Helper()
	b, err := os.ReadFile("../../connectors/mysql/testdata/debezium_history_mariadb_3.5.0.json")
	if err != nil {
		t.Fatal(err)
	}
	var recs []map[string]any
	if err := json.Unmarshal(b, &recs); err != nil {
		t.Fatal(err)
	}
	return recs
}

// shapeOf lists the keys of every object of a JSON document by path.
func shapeOf(v any, path string) map[string]string {
	out := map[string]string{}
	var walk func(v any, path string)
	walk = func(v any, path string) {
		switch x := v.(type) {
		case map[string]any:
			var ks []string
			for k, e := range x {
				ks = append(ks, k)
				walk(e, path+"."+k)
			}
			sort.Strings(ks)
			out[path] = strings.Join(ks, ",")
		case []any:
			for _, e := range x {
				walk(e, path+"[]")
			}
		}
	}
	walk(v, path)
	return out
}

func columnsOfHistory(h map[string]any) []string {
	var out []string
	tcs, _ := h["tableChanges"].([]any)
	for _, tc := range tcs {
		tbl, _ := tc.(map[string]any)["table"].(map[string]any)
		cols, _ := tbl["columns"].([]any)
		for _, c := range cols {
			out = append(out, c.(map[string]any)["name"].(string))
		}
	}
	return out
}

// deleteTopicsAfter deletes the test's topics when it ends.
func deleteTopicsAfter(t *testing.T, topics ...string) {
	t.Cleanup(func() {
		cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
		if err != nil {
			return
		}
		defer cl.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = kadm.NewClient(cl).DeleteTopics(ctx, topics...)
	})
}

// checkHistoryColumns checks that each column of a history record has the
// keys Debezium writes for every column and no key Debezium does not know.
func checkHistoryColumns(t *testing.T, i int, h map[string]any) {
	t.Helper()
	always := []string{"name", "jdbcType", "typeName", "typeExpression", "charsetName", "position", "optional",
		"autoIncremented", "generated", "comment", "hasDefaultValue", "enumValues"}
	optional := []string{"nativeType", "length", "scale", "defaultValueExpression"}
	tcs, _ := h["tableChanges"].([]any)
	for _, tc := range tcs {
		tbl, _ := tc.(map[string]any)["table"].(map[string]any)
		cols, _ := tbl["columns"].([]any)
		for _, c := range cols {
			col := c.(map[string]any)
			for _, k := range always {
				if _, ok := col[k]; !ok {
					t.Errorf("history record %d: column %v lacks %q", i, col["name"], k)
				}
			}
			for k := range col {
				if !slices.Contains(always, k) && !slices.Contains(optional, k) {
					t.Errorf("history record %d: column %v has %q, which Debezium does not write", i, col["name"], k)
				}
			}
		}
	}
}
