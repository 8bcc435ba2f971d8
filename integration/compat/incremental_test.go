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

// Incremental snapshots side by side: the same connector config with a
// signal table and snapshot.mode=no_data on Debezium and on sluice, the same
// table of rows, then an execute-snapshot signal to each (each side has its
// own signal table, the harness's way of keeping two readers of one database
// apart). Every record of the data table is compared (the stream's first
// change, the snapshot's op r records with source.snapshot=incremental, the
// change after them), then the offsets of both after the same last change.
//
// Known, documented differences (not compared):
//   - Debezium writes watermark rows (snapshot-window-open/close, the
//     insert_insert strategy) into its signal table; sluice writes nothing to
//     the database. Only the data table's topic is compared.
//   - The offsets are compared after the snapshot completed, not while it is
//     paused: with a table of a few rows Debezium's pause-snapshot cannot be
//     made to land between two chunks reliably.

// incRows is the size of the snapshotted table: several chunks of
// incChunk rows.
const (
	incRows  = 10
	incChunk = "4"
)

// incSide is what differs between the two sides of one incremental test.
type incSide struct {
	prefix, signal string
	own            map[string]string
}

// runIncremental drives one side-by-side comparison: create both connectors,
// wait until both stream (the change first), signal each side through its
// own signal table, wait for the snapshot's rows and the change after, then
// compare the data topic's records and the stopped connectors' offsets.
// exec runs SQL on the database; q names a table in the signal's
// data-collections syntax.
// known holds the paths of the snapshot rows' known differences.
// dbzReady reports whether Debezium has fixed the position it streams from
// (a task is RUNNING before that).
func runIncremental(t *testing.T, name string, cfg map[string]string, dbzSide, slcSide incSide, topic string, exec func(...string), q func(string) string, dbzReady func() bool, sqlBackslash bool, known map[string]bool) {
	t.Helper()
	dbz := needConnect(t)
	slc := startOffsetsDaemon(t)
	rd, rs := readPrefix(t, dbzSide.prefix), readPrefix(t, slcSide.prefix)
	dc, sc := map[string]string{"topic.prefix": dbzSide.prefix, "signal.data.collection": q(dbzSide.signal)},
		map[string]string{"topic.prefix": slcSide.prefix, "signal.data.collection": q(slcSide.signal)}
	for k, v := range dbzSide.own {
		dc[k] = v
	}
	for k, v := range slcSide.own {
		sc[k] = v
	}
	createBoth(t, dbz, slc.restClient, name, cfg, dc, sc, nil)
	ps := []pair{{name: name, dbz: rd, slc: rs, schemas: true}}
	waitFor(t, "both connectors to run", 120*time.Second, func() bool {
		ds, _ := dbz.state(name)
		ss, _ := slc.state(name)
		return ds == "RUNNING" && ss == "RUNNING"
	})
	waitFor(t, "both connectors to fix their stream's start", 120*time.Second, func() bool {
		return dbzReady() && strings.Contains(slc.logs.String(), "streaming started")
	})
	// A change both stream, so both read the log before the signals.
	exec(fmt.Sprintf("INSERT INTO t VALUES (%d, 'streamed')", incRows+1))
	waitCounts(t, ps, map[string]int{topic: 1}, 120*time.Second, dbz, slc.restClient)
	signal := `{"data-collections": ["` + strings.ReplaceAll(q("t"), `.`, `\\.`) + `"], "type": "incremental"}`
	if sqlBackslash {
		// MariaDB's string literals take \\ for one backslash.
		signal = strings.ReplaceAll(signal, `\\`, `\\\\`)
	}
	for _, tb := range []string{dbzSide.signal, slcSide.signal} {
		exec("INSERT INTO " + tb + " (id, type, data) VALUES ('exec-t', 'execute-snapshot', '" + signal + "')")
	}
	waitCounts(t, ps, map[string]int{topic: 1 + incRows + 1}, 60*time.Second, dbz, slc.restClient)
	// The same last change on both, after their snapshots ended.
	exec("UPDATE t SET v = 'after' WHERE id = 1")
	waitCounts(t, ps, map[string]int{topic: 1 + incRows + 1 + 1}, 60*time.Second, dbz, slc.restClient)
	settle(ps, 2*time.Second, 10*time.Second)

	// Only the data table's topic: see the known differences above.
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
		writeRecords(t, filepath.Join(*diffsDir, "incremental-"+name+"-debezium.txt"), rd)
		writeRecords(t, filepath.Join(*diffsDir, "incremental-"+name+"-sluice.txt"), rs)
	}
	snaps := 0
	for _, x := range ss.Recs {
		if strings.Contains(string(x.Value), `"snapshot":"incremental"`) {
			snaps++
		}
	}
	if snaps != incRows+1 {
		t.Errorf("sluice wrote %d records with source.snapshot=incremental, want %d", snaps, incRows+1)
	}
	var diffs []difference
	for _, d := range compareSides(ds, ss, true) {
		if known[d.Path] && strings.Contains(d.Where, "#snapshot") {
			t.Logf("known difference: %s", d)
			continue
		}
		diffs = append(diffs, d)
		t.Errorf("%s", d)
	}
	t.Logf("%d Debezium records compared with %d sluice records: %d differences", len(ds.Recs), len(ss.Recs), len(diffs))
	do, so := stoppedOffset(t, dbz, name), stoppedOffset(t, slc.restClient, name)
	// Known: Postgres's lsn_commit differs. Debezium's stream holds its own
	// watermark transactions (its signal table is in its publication) and
	// was seen at the change's own commit or its last watermark's; sluice's
	// is the last commit before the change (here its signal's).
	if d, s := fmt.Sprint(do["lsn_commit"]), fmt.Sprint(so["lsn_commit"]); d != s {
		t.Logf("offset key lsn_commit: Debezium %s, sluice %s; known difference", d, s)
		delete(do, "lsn_commit")
		delete(so, "lsn_commit")
	}
	sameOffsets(t, do, so)
}

// TestIncrementalSnapshotPostgresSideBySide compares Debezium's Postgres
// connector's incremental snapshot with sluice's.
func TestIncrementalSnapshotPostgresSideBySide(t *testing.T) {
	db := uniq("inc_pg")
	pg := pgDatabase(t, db)
	exec := func(sqls ...string) { t.Helper(); pgExec(t, pg, sqls...) }
	exec("CREATE TABLE t (id int PRIMARY KEY, v text)",
		fmt.Sprintf("INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, %d) g", incRows))
	for _, tb := range []string{"sig_dbz", "sig_slc"} {
		exec("CREATE TABLE " + tb + " (id varchar(42) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))")
	}
	dp, sp := uniq("incdbz"), uniq("incslc")
	cfg := map[string]string{
		"connector.class":                 "io.debezium.connector.postgresql.PostgresConnector",
		"database.hostname":               "127.0.0.1",
		"database.port":                   pgPort(t),
		"database.user":                   "postgres",
		"database.password":               "postgres",
		"database.dbname":                 db,
		"plugin.name":                     "pgoutput",
		"publication.autocreate.mode":     "filtered",
		"table.include.list":              "public.t",
		"snapshot.mode":                   "no_data",
		"incremental.snapshot.chunk.size": incChunk,
		"key.converter":                   "org.apache.kafka.connect.json.JsonConverter",
		"value.converter":                 "org.apache.kafka.connect.json.JsonConverter",
		"key.converter.schemas.enable":    "true",
		"value.converter.schemas.enable":  "true",
	}
	runIncremental(t, uniq("inc_pg"), cfg,
		incSide{dp, "sig_dbz", map[string]string{"slot.name": dp, "publication.name": dp}},
		incSide{sp, "sig_slc", map[string]string{"slot.name": sp, "publication.name": sp}},
		".public.t", exec, func(tb string) string { return "public." + tb },
		func() bool {
			// Debezium streams every change after its slot's creation.
			var n int
			err := pg.QueryRow(context.Background(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1", dp).Scan(&n)
			return err == nil && n == 1
		}, false, nil)
}

// TestIncrementalSnapshotMariaDBSideBySide is the MariaDB counterpart. Known
// difference: Debezium's snapshot rows carry the GTID (and server_id) of the
// stream's transaction the chunk was read in (its signal's or watermark's);
// sluice's have gtid null and server_id 0, with the file and pos of the
// chunk's consistent snapshot (binlog_snapshot_file/position).
func TestIncrementalSnapshotMariaDBSideBySide(t *testing.T) {
	db := uniq("inc_my")
	my := myDatabase(t, db)
	exec := func(sqls ...string) { t.Helper(); myExec(t, my, sqls...) }
	exec("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))")
	for i := 1; i <= incRows; i++ {
		exec(fmt.Sprintf("INSERT INTO t VALUES (%d, 'v%d')", i, i))
	}
	for _, tb := range []string{"sig_dbz", "sig_slc"} {
		exec("CREATE TABLE " + tb + " (id VARCHAR(42) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048))")
	}
	// Debezium writes its watermarks into its signal table: its user needs
	// INSERT there (sluice's needs none).
	exec("GRANT INSERT ON " + db + ".sig_dbz TO 'sluice'@'%'")
	t.Cleanup(func() { _, _ = my.Execute("REVOKE INSERT ON " + db + ".sig_dbz FROM 'sluice'@'%'") })
	dp, sp := uniq("incdbz"), uniq("incslc")
	cfg := map[string]string{
		"connector.class":                                 "io.debezium.connector.mariadb.MariaDbConnector",
		"database.hostname":                               myAddr[:strings.LastIndex(myAddr, ":")],
		"database.port":                                   myAddr[strings.LastIndex(myAddr, ":")+1:],
		"database.user":                                   "sluice",
		"database.password":                               "sluice",
		"database.include.list":                           db,
		"table.include.list":                              db + `\.t,` + db + `\.sig_dbz,` + db + `\.sig_slc`,
		"snapshot.mode":                                   "no_data",
		"incremental.snapshot.chunk.size":                 incChunk,
		"key.converter":                                   "org.apache.kafka.connect.json.JsonConverter",
		"value.converter":                                 "org.apache.kafka.connect.json.JsonConverter",
		"key.converter.schemas.enable":                    "true",
		"value.converter.schemas.enable":                  "true",
		"schema.history.internal.kafka.bootstrap.servers": strings.Join(brokers, ","),
		"schema.history.internal.kafka.topic":             "hist_" + dp,
		"include.schema.changes":                          "false",
	}
	hist := readHistories(t, "hist_"+dp)
	var seen time.Time
	runIncremental(t, uniq("inc_my"), cfg,
		incSide{dp, "sig_dbz", map[string]string{"database.server.id": serverID()}},
		incSide{sp, "sig_slc", map[string]string{"database.server.id": serverID()}},
		"."+db+".t", exec, func(tb string) string { return db + "." + tb },
		// Debezium reads its binlog position before it records the
		// schema snapshot in its history topic; its binlog client
		// connects a moment later.
		func() bool {
			if len(hist.records("hist_"+dp)) == 0 {
				return false
			}
			if seen.IsZero() {
				seen = time.Now()
			}
			return time.Since(seen) > 3*time.Second
		}, true, map[string]bool{"value.payload.source.gtid (nullness; value ignored)": true})
}
