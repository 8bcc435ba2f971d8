//go:build integration

package e2e

import (
	"context"
	"fmt"
	"maps"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Ports the daemon's connections are counted by.
const (
	pgPort    = 55432
	myPort    = 53306
	kafkaPort = 59092
)

// manyConnectors is how many connectors TestScaleManyConnectorsOneDaemon runs;
// SLUICE_SCALE_CONNECTORS changes it (0, 10, 50 for a measurement).
func manyConnectors(t *testing.T) int {
	if v := os.Getenv("SLUICE_SCALE_CONNECTORS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("SLUICE_SCALE_CONNECTORS=%q: %v", v, err)
		}
		return n
	}
	return 100
}

// pgRoom returns how many Postgres connectors the test server has room for
// beside the other tests running on it: free replication slots and
// connections, less a margin.
func pgRoom(t *testing.T) int {
	pg := pgConn(t)
	var slots, used, conns, active int
	ctx := context.Background()
	for q, v := range map[string]*int{
		"SELECT current_setting('max_replication_slots')::int": &slots,
		"SELECT count(*) FROM pg_replication_slots":            &used,
		"SELECT current_setting('max_connections')::int":       &conns,
		"SELECT count(*) FROM pg_stat_activity":                &active,
	} {
		if err := pg.QueryRow(ctx, q).Scan(v); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	// Each connector holds a slot and, while it snapshots, two connections.
	return max(0, min(slots-used-6, (conns-active-40)/2))
}

// manyTable is one captured table of TestScaleManyConnectorsOneDaemon.
type manyTable struct {
	connector string
	topic     string
	table     string // schema.table (Postgres) or database.table (MariaDB)
	pg        bool
}

// TestScaleManyConnectorsOneDaemon runs 100 connectors in one daemon (Postgres
// ones as far as the server has replication slots for them, MariaDB ones
// for the rest), each with a table of its own and its own transactional.id,
// all RUNNING. It writes to every table and checks with a read_committed
// consumer that each table's snapshot and changes arrived exactly once and
// in order. It measures what an idle connector costs the daemon, against
// the daemon with no connector: at most one Postgres connection (the
// replication stream: the query connection is closed once the snapshot
// ended), at most three Kafka connections (its transactional producer's) and
// at most 1.5 MiB RSS (docs/scale.md).
func TestScaleManyConnectorsOneDaemon(t *testing.T) {
	n := manyConnectors(t)
	nPG := min(n, pgRoom(t))
	t.Logf("%d connectors: %d Postgres, %d MariaDB", n, nPG, n-nPG)

	run := uniq("many")
	var tables []manyTable
	if nPG > 0 {
		pg := pgConn(t)
		mustExec(t, pg, "CREATE SCHEMA "+run)
		t.Cleanup(func() { mustExec(t, pgConn(t), "DROP SCHEMA "+run+" CASCADE") })
		var ddl []string
		for i := range nPG {
			name := fmt.Sprintf("%s_p%d", run, i)
			tbl := fmt.Sprintf("%s.t%d", run, i)
			ddl = append(ddl, "CREATE TABLE "+tbl+" (id bigint PRIMARY KEY, seq int NOT NULL, pad text)",
				"INSERT INTO "+tbl+" VALUES (1, 0, 's'), (2, 0, 's'), (3, 0, 's')")
			dropSlot(t, name)
			tables = append(tables, manyTable{connector: name, topic: name + "." + tbl, table: tbl, pg: true})
		}
		mustExec(t, pg, strings.Join(ddl, "; ")) // one round trip (simple protocol)
	}
	if n > nPG {
		// A database per connector, as a connector per service's database
		// would be: a connector keeps the definition of every table of the
		// databases it captures.
		my := myConn(t)
		for i := range n - nPG {
			name := fmt.Sprintf("%s_m%d", run, i)
			myDatabase(t, name)
			tbl := name + ".t"
			myExec(t, my, "CREATE TABLE "+tbl+" (id BIGINT PRIMARY KEY, seq INT NOT NULL, pad VARCHAR(10))",
				"INSERT INTO "+tbl+" VALUES (1, 0, 's'), (2, 0, 's'), (3, 0, 's')")
			tables = append(tables, manyTable{connector: name, topic: name + "." + tbl, table: tbl})
		}
	}
	var topics []string
	for _, tb := range tables {
		topics = append(topics, tb.topic)
	}
	deleteTopicsAfter(t, topics...)

	d := startDaemon(t, t.TempDir(), "SLUICE_LOG_LEVEL=info")
	pid := d.cmd.Process.Pid
	t.Cleanup(func() {
		if t.Failed() || os.Getenv("SLUICE_E2E_LOGS") != "" {
			keepLogs(t, d)
		}
	})
	time.Sleep(2 * time.Second)
	rss0, socks0 := measure(t, pid)
	t.Logf("no connector: RSS %.1f MiB, connections %v", mib(rss0), socks0)

	c := newConsumer(t, topics...)
	start := time.Now()
	for _, tb := range tables {
		var cfg map[string]string
		if tb.pg {
			cfg = pgConfig(t, tb.connector, tb.connector, tb.table)
			cfg["snapshot.fetch.size"] = "100"
		} else {
			cfg = myConfig(t, tb.connector, tb.connector)
		}
		createConnector(t, d, tb.connector, cfg)
	}
	waitAll(t, d, tables, "RUNNING", 60*time.Second)
	c.waitCount(t, 3*n, 60*time.Second)
	t.Logf("%d connectors RUNNING, snapshots delivered, after %s", n, time.Since(start).Round(time.Millisecond))

	writeMany(t, tables)
	// Per table: the update, the insert, the delete and its tombstone, the
	// second update.
	recs := c.waitCount(t, 3*n+5*n, 60*time.Second)
	t.Logf("changes delivered after %s", time.Since(start).Round(time.Millisecond))
	settle := 7 * time.Second // beyond the Postgres query connection's idle time (5 s)
	if v := os.Getenv("SLUICE_SCALE_SETTLE"); v != "" {
		settle, _ = time.ParseDuration(v)
	}
	time.Sleep(settle)
	rss1, socks1 := measure(t, pid)
	recs = c.settle(time.Second)
	checkMany(t, tables, recs)

	if n == 0 {
		return
	}
	per := func(port int) float64 { return float64(socks1[port]-socks0[port]) / float64(n) }
	perRSS := mib(rss1-rss0) / float64(n)
	t.Logf("%d connectors idle: RSS %.1f MiB (%.2f MiB per connector), connections %v: per connector %.2f Postgres, %.2f MariaDB, %.2f Kafka",
		n, mib(rss1), perRSS, socks1, per(pgPort)*float64(n)/float64(max(nPG, 1)), per(myPort)*float64(n)/float64(max(n-nPG, 1)), per(kafkaPort))
	if nPG > 0 && socks1[pgPort]-socks0[pgPort] > nPG {
		t.Errorf("%d Postgres connections for %d Postgres connectors, want at most one each (the replication stream)", socks1[pgPort]-socks0[pgPort], nPG)
	}
	if n > nPG && socks1[myPort]-socks0[myPort] > n-nPG {
		t.Errorf("%d MariaDB connections for %d MariaDB connectors, want at most one each (the binlog stream)", socks1[myPort]-socks0[myPort], n-nPG)
	}
	// The transactional producer's two connections to the broker
	// (produce, and the others) and its bootstrap one, which franz-go
	// uses for every other metadata request; each closes once unused
	// for 20 s (docs/scale.md). The daemon's shared clients may add a few.
	if k := socks1[kafkaPort] - socks0[kafkaPort]; k > 3*n+3 {
		t.Errorf("%d Kafka connections for %d connectors, want at most three each (the transactional producer's) and three shared", k, n)
	}
	if perRSS > 1.5 {
		t.Errorf("RSS grew %.1f MiB for %d connectors: %.2f MiB each, want at most 1.5", mib(rss1-rss0), n, perRSS)
	}
}

// measure returns process pid's RSS and its connections by remote port.
func measure(t *testing.T, pid int) (int64, map[int]int) {
	t.Helper()
	rss, err := procRSS(pid)
	if err != nil {
		t.Fatal(err)
	}
	socks, err := procSockets(pid)
	if err != nil {
		t.Fatal(err)
	}
	return rss, socks
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// waitAll waits until every connector's task is in state want.
func waitAll(t *testing.T, d *daemon, tables []manyTable, want string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for _, tb := range tables {
		for {
			s := d.status(t, tb.connector)
			st, trace := s.taskState()
			if st == want {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("connector %s: task %s (%s), want %s", tb.connector, st, trace, want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// writeMany makes the same changes to every table, each table's in two
// transactions: update 1 (seq 1) and insert 4; delete 2 and update 1 (seq 2).
func writeMany(t *testing.T, tables []manyTable) {
	t.Helper()
	var pgs, mys []manyTable
	for _, tb := range tables {
		if tb.pg {
			pgs = append(pgs, tb)
		} else {
			mys = append(mys, tb)
		}
	}
	var wg sync.WaitGroup
	if len(pgs) > 0 {
		pg := pgConn(t)
		wg.Go(func() {
			ctx := context.Background()
			for _, tb := range pgs {
				for _, tx := range [][]string{
					{"UPDATE " + tb.table + " SET seq = 1 WHERE id = 1", "INSERT INTO " + tb.table + " VALUES (4, 0, 'w')"},
					{"DELETE FROM " + tb.table + " WHERE id = 2", "UPDATE " + tb.table + " SET seq = 2 WHERE id = 1"},
				} {
					if err := pgx.BeginFunc(ctx, pg, func(x pgx.Tx) error {
						for _, q := range tx {
							if _, err := x.Exec(ctx, q); err != nil {
								return fmt.Errorf("%s: %w", q, err)
							}
						}
						return nil
					}); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	if len(mys) > 0 {
		my := myConn(t)
		wg.Go(func() {
			for _, tb := range mys {
				for _, tx := range [][]string{
					{"UPDATE " + tb.table + " SET seq = 1 WHERE id = 1", "INSERT INTO " + tb.table + " VALUES (4, 0, 'w')"},
					{"DELETE FROM " + tb.table + " WHERE id = 2", "UPDATE " + tb.table + " SET seq = 2 WHERE id = 1"},
				} {
					for _, q := range append(append([]string{"BEGIN"}, tx...), "COMMIT") {
						if _, err := my.Execute(q); err != nil {
							t.Errorf("%s: %v", q, err)
							return
						}
					}
				}
			}
		})
	}
	wg.Wait()
}

// checkMany checks that each table's topic holds exactly, per key and in
// order, the snapshot reads and the changes writeMany made.
func checkMany(t *testing.T, tables []manyTable, recs []record) {
	t.Helper()
	byTopic := map[string][]record{}
	for _, r := range recs {
		byTopic[r.Topic] = append(byTopic[r.Topic], r)
	}
	want := map[int64]string{1: "r0 u1 u2", 2: "r0 d0 x0", 3: "r0", 4: "c0"}
	bad := 0
	for _, tb := range tables {
		byKey, _, problems := eventsByKey(byTopic[tb.topic])
		got := map[int64]string{}
		for id, evs := range byKey {
			var s []string
			for _, e := range evs {
				s = append(s, fmt.Sprintf("%c%d", e.op, e.seq))
			}
			got[id] = strings.Join(s, " ")
		}
		if len(problems) > 0 || !maps.Equal(got, want) {
			bad++
			if bad <= 5 {
				t.Errorf("%s: events %v (problems %v), want %v", tb.topic, got, problems, want)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d tables differ", bad, len(tables))
	}
}

// keepLogs writes the daemon's whole log to a file named in the test log.
func keepLogs(t *testing.T, d *daemon) {
	f, err := os.CreateTemp("", "sluice-many-*.log")
	if err != nil {
		t.Log(err)
		return
	}
	defer f.Close()
	_, _ = f.WriteString(d.logs.String())
	t.Logf("daemon logs: %s", f.Name())
}
