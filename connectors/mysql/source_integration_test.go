//go:build integration

package mysql

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/client"

	"github.com/sluicecdc/sluice/connectors/change"
)

// dsnParts reads SLUICE_MYSQL_DSN (user:pass@tcp(host:port)/db).
func dsnParts(t *testing.T) (user, pass, host, port string) {
	dsn := os.Getenv("SLUICE_MYSQL_DSN")
	if dsn == "" {
		dsn = "root:root@tcp(127.0.0.1:53306)/sluice_test"
	}
	m := regexp.MustCompile(`^([^:@]*)(?::([^@]*))?@tcp\(([^:)]+):(\d+)\)`).FindStringSubmatch(dsn)
	if m == nil {
		t.Fatalf("SLUICE_MYSQL_DSN %q is not user:pass@tcp(host:port)/db", dsn)
	}
	return m[1], m[2], m[3], m[4]
}

// myEnv is one test's private database.
type myEnv struct {
	t     *testing.T
	admin *client.Conn
	db    string
	id    uint32
}

func newMyEnv(t *testing.T, name string) *myEnv {
	t.Helper()
	user, pass, host, port := dsnParts(t)
	admin, err := client.Connect(host+":"+port, user, pass, "")
	if err != nil {
		t.Skipf("no MariaDB at %s:%s (run integration/env/up mariadb): %v", host, port, err)
	}
	e := &myEnv{t: t, admin: admin, db: fmt.Sprintf("mysrc_%s_%d", name, time.Now().UnixNano()%1e9), id: 6000 + rand.Uint32N(100000)}
	e.exec("CREATE DATABASE " + e.db)
	e.exec("USE " + e.db)
	t.Cleanup(func() {
		if _, err := admin.Execute("DROP DATABASE IF EXISTS " + e.db); err != nil {
			t.Errorf("cleanup: %v", err)
		}
		admin.Close()
	})
	return e
}

func (e *myEnv) exec(sqls ...string) {
	e.t.Helper()
	for _, s := range sqls {
		if _, err := e.admin.Execute(s); err != nil {
			e.t.Fatalf("%s: %v", s, err)
		}
	}
}

func (e *myEnv) config(extra map[string]string) Config {
	e.t.Helper()
	user, pass, host, port := dsnParts(e.t)
	m := map[string]string{
		"connector.class":       MariaDBClass,
		"database.hostname":     host,
		"database.port":         port,
		"database.user":         user,
		"database.password":     pass,
		"database.server.id":    strconv.FormatUint(uint64(e.id), 10),
		"topic.prefix":          "itest",
		"database.include.list": e.db,
		// The server is shared: other tests' DDL stays out of the stream.
		"schema.history.internal.store.only.captured.databases.ddl": "true",
	}
	for k, v := range extra {
		m[k] = v
	}
	c, err := ParseConfig("itest", m)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *myEnv) open(cfg Config, cp *change.Position, k Knobs) *Stream {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := NewSource(cfg, testLogger(e.t)).WithKnobs(k).Open(ctx, cp)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { st.Close() })
	return st
}

func next(t *testing.T, st *Stream, n int) []*change.Event {
	t.Helper()
	out := make([]*change.Event, 0, n)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for len(out) < n {
		ev, err := st.Next(ctx)
		if err != nil {
			t.Fatalf("after %d of %d events: %v", len(out), n, err)
		}
		if ev.Message != nil && ev.Pos.Snapshot {
			continue // the snapshot's schema-change records (TestIntegrationSnapshotSchemaRecords)
		}
		out = append(out, ev)
	}
	return out
}

func quiet(t *testing.T, st *Stream, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	ev, err := st.Next(ctx)
	for err == nil && ev.Message != nil && ev.Pos.Snapshot {
		ev, err = st.Next(ctx) // the snapshot's schema-change records
	}
	if err == nil {
		t.Fatalf("unexpected event %s %v at %+v", ev.Op, ev.After, ev.Pos)
	}
}

func idOf(ev *change.Event) int64 {
	row := ev.After
	if row == nil {
		row = ev.Before
	}
	return toInt64(row[0])
}

func TestIntegrationSnapshotThenStream(t *testing.T) {
	e := newMyEnv(t, "snap")
	e.exec("CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(20), amount DECIMAL(10,2))",
		"INSERT INTO t VALUES (1, 'a', 1.50), (2, 'b', NULL), (3, 'c', 3.00)")
	st := e.open(e.config(nil), nil, Knobs{})
	snap := next(t, st, 3)
	for i, ev := range snap {
		if ev.Op != change.OpRead || idOf(ev) != int64(i+1) || !ev.Pos.Snapshot || ev.Table.ID != (change.TableID{Namespace: e.db, Name: "t"}) {
			t.Errorf("snapshot row %d: %s %v %+v", i, ev.Op, ev.After, ev.Pos)
		}
	}
	if snap[0].Source[4] != "first" || snap[2].Source[4] != "last" || snap[1].Source[1] != "mariadb" {
		t.Errorf("snapshot markers %v / %v", snap[0].Source, snap[2].Source)
	}
	e.exec("INSERT INTO t VALUES (4, 'd', 4.00)", "UPDATE t SET name = 'B' WHERE id = 2", "DELETE FROM t WHERE id = 3")
	evs := next(t, st, 3)
	if evs[0].Op != change.OpCreate || idOf(evs[0]) != 4 {
		t.Errorf("insert: %s %v", evs[0].Op, evs[0].After)
	}
	if evs[1].Op != change.OpUpdate || evs[1].Before[1] != "b" || evs[1].After[1] != "B" {
		t.Errorf("update: %s %v -> %v", evs[1].Op, evs[1].Before, evs[1].After)
	}
	if evs[2].Op != change.OpDelete || evs[2].After != nil || evs[2].Before[1] != "c" {
		t.Errorf("delete: %s %v", evs[2].Op, evs[2].Before)
	}
	for _, ev := range evs {
		src := ev.Source
		if src[4] != nil || src[11] == nil || !strings.Contains(src[12].(string), ".") || src[13].(int64) <= 0 || !ev.Pos.Last {
			t.Errorf("source/pos of streamed %s: %v %+v", ev.Op, src, ev.Pos)
		}
	}
	if !(evs[0].Pos.Tx < evs[1].Pos.Tx && evs[1].Pos.Tx < evs[2].Pos.Tx) {
		t.Errorf("transactions not ordered: %+v %+v %+v", evs[0].Pos, evs[1].Pos, evs[2].Pos)
	}
	quiet(t, st, 500*time.Millisecond)
}

func TestIntegrationPrerequisites(t *testing.T) {
	e := newMyEnv(t, "prereq")
	cfg := e.config(map[string]string{"table.include.list": e.db + ".missing"})
	_, err := NewSource(cfg, nil).Open(context.Background(), nil)
	var pe *PrerequisiteError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("missing table: %v", err)
	}
	// The server's own server id.
	r, err2 := e.admin.Execute("SELECT @@server_id")
	if err2 != nil {
		t.Fatal(err2)
	}
	own, _ := r.GetUint(0, 0)
	cfg = e.config(map[string]string{"database.server.id": strconv.FormatUint(own, 10)})
	_, err = NewSource(cfg, nil).Open(context.Background(), nil)
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "server's own server_id") {
		t.Fatalf("own server id: %v", err)
	}
}

func TestIntegrationResumeInsideLargeTransaction(t *testing.T) {
	e := newMyEnv(t, "bigtx")
	e.exec("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(40))")
	cfg := e.config(map[string]string{"snapshot.mode": "no_data"})
	st := e.open(cfg, nil, Knobs{})
	e.exec("INSERT INTO t SELECT seq, CONCAT('row ', seq) FROM seq_1_to_10000")
	first := next(t, st, 4000)
	cp := first[3999].Pos
	if cp.Index != 3999 || cp.Last || idOf(first[3999]) != 4000 {
		t.Fatalf("checkpoint %+v id %d", cp, idOf(first[3999]))
	}
	st.Close()

	st = e.open(cfg, &cp, Knobs{})
	rest := next(t, st, 6000)
	for i, ev := range rest {
		if idOf(ev) != int64(4001+i) {
			t.Fatalf("row %d after resume has id %d", i, idOf(ev))
		}
	}
	if !rest[5999].Pos.Last {
		t.Errorf("last row not marked: %+v", rest[5999].Pos)
	}
	quiet(t, st, 500*time.Millisecond)
}

func TestIntegrationSnapshotResume(t *testing.T) {
	e := newMyEnv(t, "snapres")
	e.exec("CREATE TABLE t (id INT PRIMARY KEY, v INT)",
		"INSERT INTO t SELECT seq, 0 FROM seq_1_to_100",
		"CREATE TABLE u (k VARCHAR(10) PRIMARY KEY, v INT)",
		"INSERT INTO u VALUES ('B', 0), ('a', 0), ('c', 0)")
	cfg := e.config(map[string]string{"snapshot.fetch.size": "10"})
	st := e.open(cfg, nil, Knobs{QueueEvents: 8})
	// Tables are read in name order: t, then u.
	first := next(t, st, 35)
	cp := first[34].Pos
	st.Close()
	if !cp.Snapshot || idOf(first[34]) != 35 {
		t.Fatalf("checkpoint %+v", cp)
	}
	// Changes while the connector is down: to a row already read, rows not
	// read yet, and the other table.
	e.exec("UPDATE t SET v = 1 WHERE id = 5",
		"UPDATE t SET v = 1 WHERE id = 50",
		"DELETE FROM t WHERE id = 60",
		"INSERT INTO t VALUES (101, 1)",
		"UPDATE u SET v = 1 WHERE k = 'a'")

	st = e.open(cfg, &cp, Knobs{})
	seen := map[int64]int{}
	for _, ev := range first {
		seen[idOf(ev)]++
	}
	// The rest read as it was at the snapshot's origin (resume.go): 36..100
	// (65 rows, 50 and 60 as they were before their changes, 101 not yet
	// inserted), then u (3 rows, 'a' before its change), then the stream
	// from the origin: every change once, in commit order.
	evs := next(t, st, 65+3+5)
	for _, ev := range evs[:65] {
		if ev.Op != change.OpRead {
			t.Fatalf("expected snapshot rows first, got %s %v", ev.Op, ev.After)
		}
		seen[idOf(ev)]++
		if v := toInt64(ev.After[1]); v != 0 {
			t.Errorf("row %d read with v %d, want its value at the origin, 0", idOf(ev), v)
		}
	}
	for id := int64(1); id <= 101; id++ {
		want := 1
		if id == 101 {
			want = 0
		}
		if seen[id] != want {
			t.Errorf("row %d read %d times, want %d", id, seen[id], want)
		}
	}
	for _, ev := range evs[65:68] {
		if ev.Op != change.OpRead || ev.Table.ID.Name != "u" || toInt64(ev.After[1]) != 0 {
			t.Errorf("u snapshot: %s %v", ev.Op, ev.After)
		}
	}
	want := []struct {
		op    change.Op
		table string
		id    int64
	}{{change.OpUpdate, "t", 5}, {change.OpUpdate, "t", 50}, {change.OpDelete, "t", 60}, {change.OpCreate, "t", 101}, {change.OpUpdate, "u", 0}}
	for i, w := range want {
		ev := evs[68+i]
		if ev.Op != w.op || ev.Table.ID.Name != w.table || w.table == "t" && idOf(ev) != w.id {
			t.Errorf("stream event %d after the snapshot: %s %s %v %v, want %s %s %d", i, ev.Op, ev.Table.ID.Name, ev.Before, ev.After, w.op, w.table, w.id)
		}
	}
	quiet(t, st, 500*time.Millisecond)
	e.exec("UPDATE t SET v = 2 WHERE id = 50")
	if ev := next(t, st, 1)[0]; ev.Op != change.OpUpdate || idOf(ev) != 50 {
		t.Fatalf("change after the resume: %s %v", ev.Op, ev.After)
	}
}

func TestIntegrationAlterAddColumn(t *testing.T) {
	e := newMyEnv(t, "alter")
	e.exec("CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(10))")
	st := e.open(e.config(map[string]string{"snapshot.mode": "no_data", "include.schema.changes": "false"}), nil, Knobs{})
	e.exec("INSERT INTO t VALUES (1, 'x')", "ALTER TABLE t ADD COLUMN b INT", "INSERT INTO t VALUES (2, 'y', 7)")
	evs := next(t, st, 2)
	if len(evs[0].After) != 2 || evs[0].Table.Version != 1 {
		t.Errorf("before the ALTER: v%d %v", evs[0].Table.Version, evs[0].After)
	}
	if len(evs[1].After) != 3 || evs[1].Table.Version != 2 || evs[1].Table.Columns[2].Name != "b" || toInt64(evs[1].After[2]) != 7 {
		t.Errorf("after the ALTER: v%d %v", evs[1].Table.Version, evs[1].After)
	}
	if evs[0].Table == evs[1].Table {
		t.Error("the old schema was changed in place")
	}
	// The version survives a restart from the checkpoint.
	st.Close()
	cp := evs[1].Pos
	st = e.open(e.config(map[string]string{"snapshot.mode": "no_data", "include.schema.changes": "false"}), &cp, Knobs{})
	e.exec("INSERT INTO t VALUES (3, 'z', 8)")
	ev := next(t, st, 1)[0]
	if idOf(ev) != 3 || ev.Table.Version != 2 {
		t.Errorf("after restart: id %d v%d", idOf(ev), ev.Table.Version)
	}
}

func TestIntegrationPurgedBinlog(t *testing.T) {
	e := newMyEnv(t, "purge")
	e.exec("CREATE TABLE t (id INT PRIMARY KEY)")
	cfg := e.config(map[string]string{"snapshot.mode": "no_data"})
	st := e.open(cfg, nil, Knobs{})
	e.exec("INSERT INTO t VALUES (1)")
	cp := next(t, st, 1)[0].Pos
	st.Close()
	e.exec("FLUSH BINARY LOGS")
	r, err := e.admin.Execute("SHOW MASTER STATUS")
	if err != nil {
		t.Fatal(err)
	}
	cur, _ := r.GetString(0, 0)
	var st0 cpState
	if err := json.Unmarshal(cp.State, &st0); err != nil {
		t.Fatal(err)
	}
	// A file a dump thread still reads is not purged: wait for ours to end.
	for i := 0; ; i++ {
		e.exec("PURGE BINARY LOGS TO '" + cur + "'")
		r, err := e.admin.Execute("SHOW BINARY LOGS")
		if err != nil {
			t.Fatal(err)
		}
		gone := true
		for j := range r.Values {
			if f, _ := r.GetString(j, 0); f == st0.Restart.File {
				gone = false
			}
		}
		if gone {
			break
		}
		if i == 50 {
			t.Fatalf("binlog %s was not purged", st0.Restart.File)
		}
		time.Sleep(200 * time.Millisecond)
	}
	_, err = NewSource(cfg, nil).Open(context.Background(), &cp)
	var lost *BinlogLostError
	if !errors.As(err, &lost) || !strings.Contains(err.Error(), "a new snapshot is needed") || !strings.Contains(err.Error(), "purged") {
		t.Fatalf("resume after purge: %v", err)
	}
	// when_needed takes a new snapshot instead.
	st = e.open(e.config(map[string]string{"snapshot.mode": "when_needed"}), &cp, Knobs{})
	if ev := next(t, st, 1)[0]; ev.Op != change.OpRead || idOf(ev) != 1 {
		t.Fatalf("when_needed: %s %v", ev.Op, ev.After)
	}
}

func TestIntegrationReconnectAfterKill(t *testing.T) {
	e := newMyEnv(t, "kill")
	e.exec("CREATE TABLE t (id INT PRIMARY KEY, pad VARCHAR(200))")
	var dumpID atomic.Uint32
	var dumps atomic.Int32
	k := Knobs{QueueEvents: 16, QueueBytes: 64 << 10, EventCache: 2, ReconnectDelay: 50 * time.Millisecond,
		OnDumpConnection: func(id uint32) { dumpID.Store(id); dumps.Add(1) }}
	st := e.open(e.config(map[string]string{"snapshot.mode": "no_data"}), nil, k)
	const n = 20000
	e.exec("INSERT INTO t SELECT seq, REPEAT('x', 200) FROM seq_1_to_20000")
	got := next(t, st, 1000)
	// Kill the dump connection while the transaction is being read.
	e.exec(fmt.Sprintf("KILL %d", dumpID.Load()))
	got = append(got, next(t, st, n-1000)...)
	e.exec("INSERT INTO t VALUES (20001, 'after')")
	got = append(got, next(t, st, 1)...)
	for i, ev := range got {
		if idOf(ev) != int64(i+1) {
			t.Fatalf("event %d has id %d", i, idOf(ev))
		}
	}
	if dumps.Load() < 2 {
		t.Errorf("the stream did not reconnect (%d dump connections)", dumps.Load())
	}
	quiet(t, st, 500*time.Millisecond)
}

func TestIntegrationInitialOnly(t *testing.T) {
	e := newMyEnv(t, "only")
	e.exec("CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (1), (2)")
	st := e.open(e.config(map[string]string{"snapshot.mode": "initial_only"}), nil, Knobs{})
	next(t, st, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := st.Next(ctx); !errors.Is(err, io.EOF) {
		t.Fatalf("after initial_only: %v", err)
	}
}

// TestIntegrationSnapshotResumeTwice interrupts a snapshot, and its resumed
// scan again, with changes while the connector is down each time, among them
// a row inserted and deleted: every row is read once as it was at the
// snapshot's origin, and every change is streamed once, in commit order.
func TestIntegrationSnapshotResumeTwice(t *testing.T) {
	e := newMyEnv(t, "snapres2")
	e.exec("CREATE TABLE t (id INT PRIMARY KEY, v INT)",
		"INSERT INTO t SELECT seq, 0 FROM seq_1_to_100")
	cfg := e.config(map[string]string{"snapshot.fetch.size": "10"})
	st := e.open(cfg, nil, Knobs{QueueEvents: 8})
	cp := next(t, st, 35)[34].Pos
	st.Close()
	e.exec("UPDATE t SET v = 1 WHERE id = 50",
		"INSERT INTO t VALUES (102, 1)",
		"DELETE FROM t WHERE id = 102",
		"UPDATE t SET v = 1 WHERE id = 5")

	st = e.open(cfg, &cp, Knobs{QueueEvents: 8})
	evs := next(t, st, 20) // 36..55
	st.Close()
	cp = evs[19].Pos
	if !cp.Snapshot || idOf(evs[19]) != 55 {
		t.Fatalf("checkpoint in the resumed scan: %+v", cp)
	}
	e.exec("UPDATE t SET v = 2 WHERE id = 80",
		"UPDATE t SET v = 2 WHERE id = 40",
		"UPDATE t SET v = 2 WHERE id = 50")

	st = e.open(cfg, &cp, Knobs{})
	rest := next(t, st, 45+7)
	evs = append(evs, rest...)
	for i, ev := range evs[:65] {
		if ev.Op != change.OpRead || idOf(ev) != int64(36+i) || toInt64(ev.After[1]) != 0 {
			t.Fatalf("snapshot row %d: %s %v, want the read of %d with v 0", i, ev.Op, ev.After, 36+i)
		}
	}
	want := []struct {
		op change.Op
		id int64
		v  int64
	}{{change.OpUpdate, 50, 1}, {change.OpCreate, 102, 1}, {change.OpDelete, 102, 1}, {change.OpUpdate, 5, 1},
		{change.OpUpdate, 80, 2}, {change.OpUpdate, 40, 2}, {change.OpUpdate, 50, 2}}
	for i, w := range want {
		ev := evs[65+i]
		row := ev.After
		if row == nil {
			row = ev.Before
		}
		if ev.Op != w.op || idOf(ev) != w.id || toInt64(row[1]) != w.v {
			t.Errorf("stream event %d: %s %v %v, want %s of %d with v %d", i, ev.Op, ev.Before, ev.After, w.op, w.id, w.v)
		}
	}
	quiet(t, st, 500*time.Millisecond)
}
