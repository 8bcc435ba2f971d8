//go:build integration

package compat

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Blocking snapshots side by side on Postgres: the same connector config
// with a signal table and snapshot.mode=no_data on Debezium and on sluice,
// the same table of rows, a change both stream, then an execute-snapshot
// signal of type blocking to each through its own signal table, then a
// change after it. Every record of the data table is compared (the change
// before, the snapshot's op r records with their source.snapshot markers,
// the change after), then the offsets of both after the last change.

// TestBlockingSnapshotPostgresSideBySide compares Debezium's Postgres
// connector's blocking snapshot with sluice's.
func TestBlockingSnapshotPostgresSideBySide(t *testing.T) {
	db := uniq("blk_pg")
	pg := pgDatabase(t, db)
	exec := func(sqls ...string) { t.Helper(); pgExec(t, pg, sqls...) }
	exec("CREATE TABLE t (id int PRIMARY KEY, v text)",
		fmt.Sprintf("INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, %d) g", incRows))
	for _, tb := range []string{"sig_dbz", "sig_slc"} {
		exec("CREATE TABLE " + tb + " (id varchar(42) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))")
	}
	dp, sp := uniq("blkdbz"), uniq("blkslc")
	name := uniq("blk_pg")
	cfg := map[string]string{
		"connector.class":                "io.debezium.connector.postgresql.PostgresConnector",
		"database.hostname":              "127.0.0.1",
		"database.port":                  pgPort(t),
		"database.user":                  "postgres",
		"database.password":              "postgres",
		"database.dbname":                db,
		"plugin.name":                    "pgoutput",
		"publication.autocreate.mode":    "filtered",
		"table.include.list":             "public.t",
		"snapshot.mode":                  "no_data",
		"snapshot.fetch.size":            incChunk,
		"key.converter":                  "org.apache.kafka.connect.json.JsonConverter",
		"value.converter":                "org.apache.kafka.connect.json.JsonConverter",
		"key.converter.schemas.enable":   "true",
		"value.converter.schemas.enable": "true",
	}
	dbz := needConnect(t)
	slc := startOffsetsDaemon(t)
	rd, rs := readPrefix(t, dp), readPrefix(t, sp)
	createBoth(t, dbz, slc.restClient, name, cfg,
		map[string]string{"topic.prefix": dp, "signal.data.collection": "public.sig_dbz", "slot.name": dp, "publication.name": dp},
		map[string]string{"topic.prefix": sp, "signal.data.collection": "public.sig_slc", "slot.name": sp, "publication.name": sp}, nil)
	ps := []pair{{name: name, dbz: rd, slc: rs, schemas: true}}
	waitFor(t, "both connectors to stream", 120*time.Second, func() bool {
		ds, _ := dbz.state(name)
		ss, _ := slc.state(name)
		var n int
		err := pg.QueryRow(context.Background(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1", dp).Scan(&n)
		return ds == "RUNNING" && ss == "RUNNING" && err == nil && n == 1 && strings.Contains(slc.logs.String(), "streaming started")
	})
	const topic = ".public.t"
	exec(fmt.Sprintf("INSERT INTO t VALUES (%d, 'streamed')", incRows+1))
	waitCounts(t, ps, map[string]int{topic: 1}, 120*time.Second, dbz, slc.restClient)
	for _, tb := range []string{"sig_dbz", "sig_slc"} {
		exec("INSERT INTO " + tb + ` (id, type, data) VALUES ('blk-t', 'execute-snapshot', '{"data-collections": ["public\\.t"], "type": "blocking"}')`)
	}
	waitCounts(t, ps, map[string]int{topic: 1 + incRows + 1}, 60*time.Second, dbz, slc.restClient)
	exec("UPDATE t SET v = 'after' WHERE id = 1")
	waitCounts(t, ps, map[string]int{topic: 1 + incRows + 1 + 1}, 60*time.Second, dbz, slc.restClient)
	settle(ps, 2*time.Second, 10*time.Second)

	only := func(r *topicReader) side {
		var out []rec
		for _, x := range r.all() {
			if x.Topic == r.prefix+topic {
				out = append(out, x)
			}
		}
		return side{r.prefix, out}
	}
	ds, ss := only(rd), only(rs)
	if *diffsDir != "" {
		writeRecords(t, filepath.Join(*diffsDir, "blocking-pg-debezium.txt"), rd)
		writeRecords(t, filepath.Join(*diffsDir, "blocking-pg-sluice.txt"), rs)
	}
	markers := map[string]int{}
	for _, x := range ss.Recs {
		for _, m := range []string{"first", "true", "last"} {
			if strings.Contains(string(x.Value), `"snapshot":"`+m+`"`) {
				markers[m]++
			}
		}
	}
	if markers["first"] != 1 || markers["last"] != 1 || markers["true"] != incRows+1-2 {
		t.Errorf("sluice's snapshot markers %v, want first and last once and true on the %d others", markers, incRows+1-2)
	}
	var diffs []difference
	for _, d := range compareSides(ds, ss, true) {
		diffs = append(diffs, d)
		t.Errorf("%s", d)
	}
	t.Logf("%d Debezium records compared with %d sluice records: %d differences", len(ds.Recs), len(ss.Recs), len(diffs))
	do, so := stoppedOffset(t, dbz, name), stoppedOffset(t, slc.restClient, name)
	// Known, as in the incremental comparison: lsn_commit differs, since
	// Debezium's stream also holds its own signal table's transactions.
	if d, s := fmt.Sprint(do["lsn_commit"]), fmt.Sprint(so["lsn_commit"]); d != s {
		t.Logf("offset key lsn_commit: Debezium %s, sluice %s; known difference", d, s)
		delete(do, "lsn_commit")
		delete(so, "lsn_commit")
	}
	sameOffsets(t, do, so)
}
