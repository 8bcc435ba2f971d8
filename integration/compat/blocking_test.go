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

// Blocking snapshots side by side: the same connector config with a signal
// table and snapshot.mode=no_data on Debezium and on sluice, the same table
// of rows, a change both stream, then an execute-snapshot signal of type
// blocking to each through its own signal table, then a change after it.
// Every record of the data table is compared (the change before, the
// snapshot's op r records with their source.snapshot markers, the change
// after), then the offsets of both after the last change.

// runBlocking drives one side-by-side comparison (see runIncremental for
// the parameters). known holds the paths of the snapshot rows' known
// differences.
func runBlocking(t *testing.T, name string, cfg map[string]string, dbzSide, slcSide incSide, topic string,
	exec func(...string), q func(string) string, dbzReady func() bool, sqlBackslash bool, known map[string]bool) {
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
	waitFor(t, "both connectors to stream", 120*time.Second, func() bool {
		ds, _ := dbz.state(name)
		ss, _ := slc.state(name)
		return ds == "RUNNING" && ss == "RUNNING" && dbzReady() && strings.Contains(slc.logs.String(), "started")
	})
	exec(fmt.Sprintf("INSERT INTO t VALUES (%d, 'streamed')", incRows+1))
	waitCounts(t, ps, map[string]int{topic: 1}, 120*time.Second, dbz, slc.restClient)
	signal := `{"data-collections": ["` + strings.ReplaceAll(q("t"), `.`, `\\.`) + `"], "type": "blocking"}`
	if sqlBackslash {
		signal = strings.ReplaceAll(signal, `\\`, `\\\\`) // MariaDB's string literals take \\ for one backslash
	}
	for _, tb := range []string{dbzSide.signal, slcSide.signal} {
		exec("INSERT INTO " + tb + " (id, type, data) VALUES ('blk-t', 'execute-snapshot', '" + signal + "')")
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
		writeRecords(t, filepath.Join(*diffsDir, "blocking-"+name+"-debezium.txt"), rd)
		writeRecords(t, filepath.Join(*diffsDir, "blocking-"+name+"-sluice.txt"), rs)
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
		if known[d.Path] && strings.Contains(d.Where, "#snapshot") {
			t.Logf("known difference: %s", d)
			continue
		}
		diffs = append(diffs, d)
		t.Errorf("%s", d)
	}
	t.Logf("%d Debezium records compared with %d sluice records: %d differences", len(ds.Recs), len(ss.Recs), len(diffs))
	do, so := stoppedOffset(t, dbz, name), stoppedOffset(t, slc.restClient, name)
	// Known, as in the incremental comparison: Postgres's lsn_commit
	// differs, since Debezium's stream also holds its own signal table's
	// transactions.
	if d, s := fmt.Sprint(do["lsn_commit"]), fmt.Sprint(so["lsn_commit"]); d != s {
		t.Logf("offset key lsn_commit: Debezium %s, sluice %s; known difference", d, s)
		delete(do, "lsn_commit")
		delete(so, "lsn_commit")
	}
	sameOffsets(t, do, so)
}

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
	runBlocking(t, uniq("blk_pg"), cfg,
		incSide{dp, "sig_dbz", map[string]string{"slot.name": dp, "publication.name": dp}},
		incSide{sp, "sig_slc", map[string]string{"slot.name": sp, "publication.name": sp}},
		".public.t", exec, func(tb string) string { return "public." + tb },
		func() bool {
			var n int
			err := pg.QueryRow(context.Background(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1", dp).Scan(&n)
			return err == nil && n == 1
		}, false, nil)
}

// TestBlockingSnapshotMariaDBSideBySide is the MariaDB counterpart.
func TestBlockingSnapshotMariaDBSideBySide(t *testing.T) {
	db := uniq("blk_my")
	my := myDatabase(t, db)
	exec := func(sqls ...string) { t.Helper(); myExec(t, my, sqls...) }
	exec("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))")
	for i := 1; i <= incRows; i++ {
		exec(fmt.Sprintf("INSERT INTO t VALUES (%d, 'v%d')", i, i))
	}
	for _, tb := range []string{"sig_dbz", "sig_slc"} {
		exec("CREATE TABLE " + tb + " (id VARCHAR(42) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048))")
	}
	dp, sp := uniq("blkdbz"), uniq("blkslc")
	cfg := map[string]string{
		"connector.class":                "io.debezium.connector.mariadb.MariaDbConnector",
		"database.hostname":              myAddr[:strings.LastIndex(myAddr, ":")],
		"database.port":                  myAddr[strings.LastIndex(myAddr, ":")+1:],
		"database.user":                  "sluice",
		"database.password":              "sluice",
		"database.include.list":          db,
		"table.include.list":             db + `\.t,` + db + `\.sig_dbz,` + db + `\.sig_slc`,
		"snapshot.mode":                  "no_data",
		"snapshot.fetch.size":            incChunk,
		"key.converter":                  "org.apache.kafka.connect.json.JsonConverter",
		"value.converter":                "org.apache.kafka.connect.json.JsonConverter",
		"key.converter.schemas.enable":   "true",
		"value.converter.schemas.enable": "true",
		"schema.history.internal.kafka.bootstrap.servers": strings.Join(brokers, ","),
		"schema.history.internal.kafka.topic":             "hist_" + dp,
		"include.schema.changes":                          "false",
	}
	hist := readHistories(t, "hist_"+dp)
	var seen time.Time
	runBlocking(t, uniq("blk_my"), cfg,
		incSide{dp, "sig_dbz", map[string]string{"database.server.id": serverID()}},
		incSide{sp, "sig_slc", map[string]string{"database.server.id": serverID()}},
		"."+db+".t", exec, func(tb string) string { return db + "." + tb },
		func() bool {
			if len(hist.records("hist_"+dp)) == 0 {
				return false
			}
			if seen.IsZero() {
				seen = time.Now()
			}
			return time.Since(seen) > 3*time.Second
		}, true, nil)
}
