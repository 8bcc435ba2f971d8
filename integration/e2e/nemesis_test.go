//go:build integration

package e2e

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/sluicecdc/sluice/integration/tlsmariadb"
	"github.com/sluicecdc/sluice/integration/tlspg"
)

// The nemesis: a write workload on a private Postgres and a private MariaDB,
// a sluice connector on each, and a schedule of faults chosen by a seed
// (sluice killed or paused, the databases restarted fast or as after a
// crash, the Kafka broker killed, the network between sluice and each
// server cut, black-holed, slowed or throttled by an in-process proxy).
// When the faults stop, every connector must be RUNNING again without a
// human, and a read_committed consumer must see every change exactly once
// and in order, and the databases' final rows.
//
// NEMESIS_SEED picks the first seed (default: from the clock; the seed is
// printed, so a failure replays), NEMESIS_SEEDS how many seeds run one
// after the other (default 1), NEMESIS_DURATION how long each schedule
// runs (default 30s: the short run inside make test; make nemesis runs
// longer ones).

const nemPrepop = 200

// nemDB is one database of the workload: a writer's connection and what
// it committed.
type nemDB struct {
	name  string // "postgres" or "mariadb"
	table string
	topic string
	h     *history
	// mu is held by the writer through each transaction and by the
	// nemesis while it restarts the server, so no transaction's outcome is
	// ever in doubt.
	mu        sync.Mutex
	tx        func(stmts []string) error
	reconnect func() error
	broken    bool
}

// nemWriter runs transactions on db until stop: inserts, updates, deletes
// and key changes in 1-10 change transactions, now and then a 300-row one.
func nemWriter(t *testing.T, db *nemDB, seed uint64, stop <-chan struct{}) {
	rng := rand.New(rand.NewPCG(seed, 7))
	nextID := int64(crashNewIDBase)
	live := []int64{}
	for id := int64(1); id <= nemPrepop; id++ {
		live = append(live, id)
	}
	type op struct {
		kind   byte // c u d k (key change)
		id, to int64
		seq    int
	}
	for n := 0; ; n++ {
		select {
		case <-stop:
			return
		default:
		}
		db.mu.Lock()
		if db.broken {
			if err := db.reconnect(); err != nil {
				db.mu.Unlock()
				t.Errorf("%s writer: reconnect: %v", db.name, err)
				return
			}
			db.broken = false
		}
		var ops []op
		touched := map[int64]bool{}
		db.h.mu.Lock()
		size := 1 + rng.IntN(10)
		if n%150 == 149 {
			size = 300
		}
		for len(ops) < size {
			r := rng.IntN(20)
			if size == 300 {
				r = 0
			}
			switch {
			case r < 8 || len(live) < 50: // insert
				nextID++
				ops = append(ops, op{kind: 'c', id: nextID})
				live = append(live, nextID)
				touched[nextID] = true
			case r < 17: // update
				id := live[rng.IntN(len(live))]
				if touched[id] {
					continue
				}
				touched[id] = true
				ops = append(ops, op{kind: 'u', id: id, seq: db.h.seqs[id] + 1})
			case r < 19: // delete
				j := rng.IntN(len(live))
				id := live[j]
				if touched[id] {
					continue
				}
				touched[id] = true
				live = append(live[:j], live[j+1:]...)
				ops = append(ops, op{kind: 'd', id: id})
			default: // key change: the row moves to a new id
				j := rng.IntN(len(live))
				id := live[j]
				if touched[id] {
					continue
				}
				nextID++
				touched[id], touched[nextID] = true, true
				live[j] = nextID
				ops = append(ops, op{kind: 'k', id: id, to: nextID})
			}
		}
		db.h.mu.Unlock()
		if n%400 == 399 {
			// A schema change inside the load, in a transaction of its own
			// (MariaDB commits around DDL): the column is nullable, so the
			// writer's statements stay valid.
			if err := db.tx([]string{fmt.Sprintf("ALTER TABLE %s ADD COLUMN c%d INT", db.table, n)}); err != nil {
				db.mu.Unlock()
				t.Errorf("%s writer: %v", db.name, err)
				return
			}
		}
		stmts := make([]string, 0, len(ops))
		for _, o := range ops {
			switch o.kind {
			case 'c':
				stmts = append(stmts, fmt.Sprintf("INSERT INTO %s (id, seq, pad) VALUES (%d, 0, 'w')", db.table, o.id))
			case 'u':
				stmts = append(stmts, fmt.Sprintf("UPDATE %s SET seq = %d WHERE id = %d", db.table, o.seq, o.id))
			case 'd':
				stmts = append(stmts, fmt.Sprintf("DELETE FROM %s WHERE id = %d", db.table, o.id))
			case 'k':
				stmts = append(stmts, fmt.Sprintf("UPDATE %s SET id = %d, seq = 0 WHERE id = %d", db.table, o.to, o.id))
			}
		}
		if err := db.tx(stmts); err != nil {
			db.mu.Unlock()
			t.Errorf("%s writer: %v", db.name, err)
			return
		}
		db.h.mu.Lock()
		for _, o := range ops {
			db.h.ops++
			switch o.kind {
			case 'c':
				db.h.seqs[o.id] = 0
			case 'u':
				db.h.seqs[o.id] = o.seq
			case 'd':
				db.h.deleted[o.id] = true
			case 'k':
				db.h.deleted[o.id] = true
				db.h.seqs[o.to] = 0
			}
		}
		db.h.mu.Unlock()
		db.mu.Unlock()
		time.Sleep(time.Duration(10+rng.IntN(30)) * time.Millisecond)
	}
}

// nemProxy is an in-process toxiproxy between sluice and one server.
type nemProxy struct {
	name string
	p    *toxiproxy.Proxy
}

func newNemProxy(t *testing.T, srv *toxiproxy.ApiServer, name, upstream string) *nemProxy {
	t.Helper()
	p := toxiproxy.NewProxy(srv, name, "127.0.0.1:0", upstream)
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	return &nemProxy{name: name, p: p}
}

func (n *nemProxy) port() int {
	_, p, _ := strings.Cut(n.p.Listen, ":")
	port, _ := strconv.Atoi(p)
	return port
}

// toxic adds a toxic on both directions for d, then removes it.
func (n *nemProxy) toxic(t *testing.T, kind string, attrs string, d time.Duration) {
	t.Helper()
	for _, stream := range []string{"upstream", "downstream"} {
		js := fmt.Sprintf(`{"name":%q,"type":%q,"stream":%q,"toxicity":1,"attributes":%s}`, kind+"_"+stream, kind, stream, attrs)
		if _, err := n.p.Toxics.AddToxicJson(strings.NewReader(js)); err != nil {
			t.Fatalf("%s: add toxic %s: %v", n.name, js, err)
		}
	}
	time.Sleep(d)
	for _, stream := range []string{"upstream", "downstream"} {
		if err := n.p.Toxics.RemoveToxic(context.Background(), kind+"_"+stream); err != nil {
			t.Fatalf("%s: remove toxic %s: %v", n.name, kind, err)
		}
	}
}

// cut closes the proxy's listener and connections for d (connections are
// refused meanwhile), then listens again on the same address.
func (n *nemProxy) cut(t *testing.T, d time.Duration) {
	t.Helper()
	n.p.Stop()
	time.Sleep(d)
	for i := 0; ; i++ {
		err := n.p.Start()
		if err == nil {
			return
		}
		if i == 50 {
			t.Fatalf("%s: listen again on %s: %v", n.name, n.p.Listen, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func envDuration(t *testing.T, key string, def time.Duration) time.Duration {
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		t.Fatalf("%s=%q: %v", key, v, err)
	}
	return d
}

func TestNemesis(t *testing.T) {
	if testing.Short() {
		t.Skip("the nemesis restarts servers")
	}
	seed := uint64(time.Now().UnixNano() % 1_000_000)
	if v := os.Getenv("NEMESIS_SEED"); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("NEMESIS_SEED=%q: %v", v, err)
		}
		seed = s
	}
	seeds := 1
	if v := os.Getenv("NEMESIS_SEEDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("NEMESIS_SEEDS=%q: give a number above 0", v)
		}
		seeds = n
	}
	dur := envDuration(t, "NEMESIS_DURATION", 30*time.Second)
	passed := 0
	for i := 0; i < seeds; i++ {
		s := seed + uint64(i)
		ok := t.Run(fmt.Sprintf("seed=%d", s), func(t *testing.T) { runNemesis(t, s, dur) })
		if !ok {
			t.Logf("seed %d failed; replay it with NEMESIS_SEED=%d NEMESIS_DURATION=%v", s, s, dur)
			break
		}
		passed++
	}
	t.Logf("nemesis: %d of %d seeds passed, from seed %d, %v each", passed, seeds, seed, dur)
}

func runNemesis(t *testing.T, seed uint64, dur time.Duration) {
	t.Logf("nemesis seed %d, schedule %v", seed, dur)
	rng := rand.New(rand.NewPCG(seed, 1))
	ctx := context.Background()
	pgSrv := tlspg.Start(t)
	mySrv := tlsmariadb.Start(t)
	tox := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	pgProxy := newNemProxy(t, tox, "postgres", fmt.Sprintf("127.0.0.1:%d", pgSrv.Port))
	myProxy := newNemProxy(t, tox, "mariadb", fmt.Sprintf("127.0.0.1:%d", mySrv.Port))
	kafkaProxy := newNemProxy(t, tox, "kafka", brokers[0])
	prefix := uniq("nem")

	// Postgres: the table, its writer's connection.
	pgConnect := func() (*pgx.Conn, error) { return pgSrv.Admin(ctx, tlspg.DBName) }
	pgc, err := pgConnect()
	if err != nil {
		t.Fatal(err)
	}
	pgTable := "public." + prefix
	for _, q := range []string{
		"CREATE TABLE " + pgTable + " (id bigint PRIMARY KEY, seq int NOT NULL, pad text)",
		fmt.Sprintf("INSERT INTO %s SELECT g, 0, 'x' FROM generate_series(1, %d) g", pgTable, nemPrepop),
	} {
		if _, err := pgc.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	pgDB := &nemDB{name: "postgres", table: pgTable, topic: prefix + "_pg." + pgTable, h: newHistoryOf(nemPrepop, false)}
	pgDB.tx = func(stmts []string) error {
		tx, err := pgc.Begin(ctx)
		if err != nil {
			return err
		}
		for _, s := range stmts {
			if _, err := tx.Exec(ctx, s); err != nil {
				_ = tx.Rollback(ctx)
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		return tx.Commit(ctx)
	}
	pgDB.reconnect = func() error {
		c, err := pgConnect()
		if err == nil {
			pgc = c
		}
		return err
	}

	// MariaDB.
	myc, err := mySrv.Admin()
	if err != nil {
		t.Fatal(err)
	}
	myDBName := prefix
	myTable := myDBName + ".items"
	for _, q := range []string{
		"CREATE DATABASE " + myDBName,
		"USE " + myDBName, // seq_1_to_N is the current database's
		"CREATE TABLE " + myTable + " (id BIGINT PRIMARY KEY, seq INT NOT NULL, pad VARCHAR(100))",
		fmt.Sprintf("INSERT INTO %s SELECT seq, 0, 'x' FROM seq_1_to_%d", myTable, nemPrepop),
	} {
		if _, err := myc.Execute(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	myDB := &nemDB{name: "mariadb", table: myTable, topic: prefix + "_my." + myTable, h: newHistoryOf(nemPrepop, false)}
	myDB.tx = func(stmts []string) error {
		if err := myc.Begin(); err != nil {
			return err
		}
		for _, s := range stmts {
			if _, err := myc.Execute(s); err != nil {
				_ = myc.Rollback()
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		return myc.Commit()
	}
	myDB.reconnect = func() error {
		c, err := mySrv.Admin()
		if err == nil {
			myc = c
		}
		return err
	}
	dbs := []*nemDB{pgDB, myDB}
	deleteTopicsAfter(t, pgDB.topic, myDB.topic)
	c := newConsumer(t, pgDB.topic, myDB.topic)

	// sluice, its Kafka traffic through the proxy; as root, its data
	// directory on a small filesystem of its own, which a fault fills.
	dataDir := t.TempDir()
	smallFS := mountSmallFS(t, dataDir)
	daemonEnv := []string{"SLUICE_TEST_KAFKA_DIAL_VIA=" + kafkaProxy.p.Listen, "SLUICE_LOG_LEVEL=info"}
	d := startDaemon(t, dataDir, daemonEnv...)
	pgCfg := exampleConfig(t, "postgres.json")
	for k, v := range pgSrv.Config(map[string]string{
		"topic.prefix":                prefix + "_pg",
		"database.port":               strconv.Itoa(pgProxy.port()),
		"slot.name":                   prefix,
		"publication.name":            prefix + "_pub",
		"publication.autocreate.mode": "filtered",
		"table.include.list":          pgTable,
	}) {
		pgCfg[k] = v
	}
	myCfg := map[string]string{
		"connector.class":         "io.debezium.connector.mariadb.MariaDbConnector",
		"database.hostname":       "localhost",
		"database.port":           strconv.Itoa(myProxy.port()),
		"database.user":           tlsmariadb.TLSUser,
		"database.password":       tlsmariadb.Password,
		"database.ssl.mode":       "verify_identity",
		"database.ssl.truststore": mySrv.CA,
		"database.server.id":      strconv.Itoa(5000 + int(seed%1000)),
		"topic.prefix":            prefix + "_my",
		"database.include.list":   myDBName,
		"snapshot.locking.mode":   "minimal",
		"schema.history.internal.store.only.captured.databases.ddl": "true",
	}
	names := map[string]map[string]string{prefix + "_pg": pgCfg, prefix + "_my": myCfg}
	for name, cfg := range names {
		if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": name, "config": cfg}); code != 201 {
			t.Fatalf("create %s: %d %s", name, code, body)
		}
	}
	for name := range names {
		d.waitTaskState(t, name, "RUNNING", 60*time.Second)
	}
	c.waitCount(t, 2*nemPrepop, 90*time.Second)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i, db := range dbs {
		wg.Add(1)
		go func() { defer wg.Done(); nemWriter(t, db, seed*10+uint64(i), stop) }()
	}
	stopWriters := sync.OnceFunc(func() { close(stop); wg.Wait() })
	defer stopWriters()

	// The schedule.
	type fault struct {
		name string
		run  func(d time.Duration)
	}
	restartDB := func(db *nemDB, restart func()) {
		db.mu.Lock()
		defer db.mu.Unlock()
		restart()
		db.broken = true
	}
	proxies := []*nemProxy{pgProxy, myProxy, kafkaProxy}
	faults := []fault{
		{"SIGKILL sluice and start it again", func(time.Duration) {
			d.kill()
			d = startDaemon(t, dataDir, daemonEnv...)
		}},
		{"SIGSTOP sluice, SIGCONT after", func(p time.Duration) {
			_ = d.cmd.Process.Signal(syscall.SIGSTOP)
			time.Sleep(p)
			_ = d.cmd.Process.Signal(syscall.SIGCONT)
		}},
		{"restart Postgres (fast)", func(time.Duration) { restartDB(pgDB, func() { pgSrv.Restart(t, false) }) }},
		{"restart Postgres (immediate, as a crash)", func(time.Duration) { restartDB(pgDB, func() { pgSrv.Restart(t, true) }) }},
		{"restart MariaDB (clean)", func(time.Duration) { restartDB(myDB, func() { mySrv.Restart(t, false) }) }},
		{"SIGKILL MariaDB and start it again", func(time.Duration) { restartDB(myDB, func() { mySrv.Restart(t, true) }) }},
		{"SIGKILL the Kafka broker and start it again", func(p time.Duration) {
			t.Cleanup(func() { envCmd(t, "up", "kafka") })
			killKafka(t)
			time.Sleep(p)
			envCmd(t, "up", "kafka")
		}},
	}
	for _, px := range proxies {
		faults = append(faults,
			fault{"cut the network to " + px.name, func(p time.Duration) { px.cut(t, p) }},
			fault{"black-hole the network to " + px.name + " (half-open connections, closed after)", func(p time.Duration) {
				px.toxic(t, "timeout", fmt.Sprintf(`{"timeout":%d}`, p.Milliseconds()), p)
			}},
			fault{"300 ms latency to " + px.name, func(p time.Duration) { px.toxic(t, "latency", `{"latency":300,"jitter":100}`, p) }},
			fault{"64 KiB/s bandwidth to " + px.name, func(p time.Duration) { px.toxic(t, "bandwidth", `{"rate":64}`, p) }},
		)
	}
	if smallFS {
		faults = append(faults, fault{"fill sluice's data directory's filesystem, then free it", func(p time.Duration) {
			fillDataDir(t, d, dataDir, names, p)
		}})
	}
	// sluice's own faults are 2 kinds of 19: give them (and the database
	// crashes) more weight, so a 30 s schedule often has one.
	faults = append(faults, faults[0], faults[1], faults[0], faults[1], faults[3], faults[5])
	start := time.Now()
	for i := 0; time.Since(start) < dur; i++ {
		f := faults[rng.IntN(len(faults))]
		p := time.Duration(1000+rng.IntN(7000)) * time.Millisecond
		at := time.Since(start).Round(100 * time.Millisecond)
		f.run(p)
		t.Logf("fault %d at %v: %s (%v); records so far %d", i, at, f.name, p, c.count())
		time.Sleep(time.Duration(500+rng.IntN(2500)) * time.Millisecond)
	}

	// The faults have stopped: every connector recovers by itself.
	healed := time.Now()
	for name := range names {
		d.waitTaskState(t, name, "RUNNING", 3*time.Minute)
	}
	t.Logf("every connector RUNNING %v after the last fault", time.Since(healed).Round(100*time.Millisecond))
	time.Sleep(2 * time.Second)
	stopWriters()

	// Exactly once and in order, per key; the databases' rows are what the
	// writers committed.
	checkTables(t, c, []*distTable{
		{name: "postgres", topic: pgDB.topic, h: pgDB.h},
		{name: "mariadb", topic: myDB.topic, h: myDB.h},
	})
	checkSchemaVersions(t, c.snapshot(), pgDB.topic, myDB.topic)
	if err := pgDB.reconnect(); err != nil {
		t.Fatal(err)
	}
	if err := myDB.reconnect(); err != nil {
		t.Fatal(err)
	}
	checkRows(t, "postgres", pgDB.h, func() (map[int64]int, error) {
		rows, err := pgc.Query(ctx, "SELECT id, seq FROM "+pgTable)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		out := map[int64]int{}
		for rows.Next() {
			var id int64
			var seq int
			if err := rows.Scan(&id, &seq); err != nil {
				return nil, err
			}
			out[id] = seq
		}
		return out, rows.Err()
	})
	checkRows(t, "mariadb", myDB.h, func() (map[int64]int, error) {
		r, err := myc.Execute("SELECT id, seq FROM " + myTable)
		if err != nil {
			return nil, err
		}
		out := map[int64]int{}
		for i := 0; i < r.RowNumber(); i++ {
			id, _ := r.GetInt(i, 0)
			seq, _ := r.GetInt(i, 1)
			out[id] = int(seq)
		}
		return out, nil
	})
}

// checkRows compares a table's rows with what the writer committed.
func checkRows(t *testing.T, name string, h *history, read func() (map[int64]int, error)) {
	t.Helper()
	rows, err := read()
	if err != nil {
		t.Fatalf("%s: read the rows: %v", name, err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	want := map[int64]int{}
	for id, seq := range h.seqs {
		if !h.deleted[id] {
			want[id] = seq
		}
	}
	bad := 0
	for id, seq := range want {
		if got, ok := rows[id]; !ok || got != seq {
			if bad < 10 {
				t.Errorf("%s: row %d: in the database %v (present %v), committed seq %d", name, id, got, ok, seq)
			}
			bad++
		}
	}
	if len(rows) != len(want) {
		t.Errorf("%s: %d rows in the database, the writer left %d", name, len(rows), len(want))
	}
}

// killKafka kills the env's broker with SIGKILL.
func killKafka(t *testing.T) {
	t.Helper()
	dir := os.Getenv("SLUICE_ENV_DIR")
	if dir == "" {
		dir = "/var/tmp/sluice-env"
	}
	b, err := os.ReadFile(dir + "/kafka/kafka.pid")
	if err != nil {
		t.Fatalf("the Kafka broker's pid: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("the Kafka broker's pid %q: %v", b, err)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("SIGKILL the Kafka broker (pid %d): %v", pid, err)
	}
	for i := 0; i < 100 && syscall.Kill(pid, 0) == nil; i++ {
		time.Sleep(100 * time.Millisecond)
	}
}

// mountSmallFS mounts an 8 MiB tmpfs on dir when the test runs as root (CI
// does), so that a fault can fill it, and says whether it did.
func mountSmallFS(t *testing.T, dir string) bool {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Logf("not root: the data directory stays on its disk and the disk-full fault is left out")
		return false
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Logf("mount a tmpfs on the data directory: %v %s; the disk-full fault is left out", err, out)
		return false
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Logf("umount %s: %v %s", dir, err, out)
		}
	})
	return true
}

// fillDataDir fills the data directory's filesystem for p. Meanwhile a
// request that must save the connectors (a pause) is refused with 507 and
// the reason, and changes nothing; once there is room, the same request
// works (and is undone).
func fillDataDir(t *testing.T, d *daemon, dir string, names map[string]map[string]string, p time.Duration) {
	t.Helper()
	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Errorf("create %s: %v", filler, err)
		return
	}
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Errorf("fill %s: %v", dir, err)
			}
			break
		}
	}
	f.Close()
	var name string
	for n := range names {
		name = n
		break
	}
	code, body := d.do(t, "PUT", "/connectors/"+name+"/pause", nil)
	if code != 507 || !strings.Contains(string(body), "is full") {
		t.Errorf("pause %s with the data directory full: %d %s, want 507 saying it is full", name, code, body)
	}
	if code == 202 {
		d.do(t, "PUT", "/connectors/"+name+"/resume", nil)
	}
	time.Sleep(p)
	if err := os.Remove(filler); err != nil {
		t.Errorf("free %s: %v", dir, err)
	}
	if code, body := d.do(t, "PUT", "/connectors/"+name+"/pause", nil); code != 202 {
		t.Errorf("pause %s with room again: %d %s", name, code, body)
	}
	if code, body := d.do(t, "PUT", "/connectors/"+name+"/resume", nil); code != 202 {
		t.Errorf("resume %s: %d %s", name, code, body)
	}
}

// checkSchemaVersions checks that the sluice.schema.version header of each
// topic's records never goes down, and logs the last version of each.
func checkSchemaVersions(t *testing.T, recs []record, topics ...string) {
	t.Helper()
	for _, topic := range topics {
		var rs []record
		for _, r := range recs {
			if r.Topic == topic && r.Value != nil {
				rs = append(rs, r)
			}
		}
		slices.SortFunc(rs, func(a, b record) int { return cmp.Compare(a.Offset, b.Offset) })
		last := 0
		for _, r := range rs {
			v, err := strconv.Atoi(r.Headers["sluice.schema.version"])
			if err != nil {
				t.Errorf("%s offset %d: sluice.schema.version %q", topic, r.Offset, r.Headers["sluice.schema.version"])
				return
			}
			if v < last {
				t.Errorf("%s offset %d: schema version %d after %d", topic, r.Offset, v, last)
				return
			}
			last = v
		}
		t.Logf("%s: schema versions never went down over %d records; the last is %d", topic, len(rs), last)
	}
}
