//go:build integration

package e2e

import (
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"syscall"

	"github.com/go-mysql-org/go-mysql/client"
	"github.com/jackc/pgx/v5"
)

// A distributed group in the tests: session 6 s (the broker's minimum),
// heartbeat 1 s.
const (
	distSession   = 6 * time.Second
	distHeartbeat = time.Second
)

// distGroup is the settings that make daemons workers of one group.
type distGroup struct {
	id, configTopic, statusTopic string
}

func newDistGroup(t *testing.T) distGroup {
	g := distGroup{id: uniq("grp")}
	g.configTopic, g.statusTopic = g.id+"-configs", g.id+"-status"
	deleteTopicsAfter(t, g.configTopic, g.statusTopic)
	return g
}

func (g distGroup) env() []string {
	return []string{
		"SLUICE_GROUP_ID=" + g.id,
		"SLUICE_CONFIG_TOPIC=" + g.configTopic,
		"SLUICE_STATUS_TOPIC=" + g.statusTopic,
		fmt.Sprintf("SLUICE_SESSION_TIMEOUT_MS=%d", distSession.Milliseconds()),
		fmt.Sprintf("SLUICE_HEARTBEAT_INTERVAL_MS=%d", distHeartbeat.Milliseconds()),
		"SLUICE_LOG_LEVEL=info",
	}
}

// startWorker starts a worker of g with a data directory of its own.
func (g distGroup) startWorker(t *testing.T) *daemon {
	t.Helper()
	return startDaemon(t, t.TempDir(), g.env()...)
}

// placement is where a connector's task runs, by a worker's view.
type placement struct {
	state, worker string
}

// view reads every connector's task state and worker from d.
func (d *daemon) view(t *testing.T) (map[string]placement, error) {
	t.Helper()
	code, body := d.do(t, "GET", "/connectors?expand=status", nil)
	if code != 200 {
		return nil, fmt.Errorf("GET /connectors?expand=status: %d %s", code, body)
	}
	var all map[string]struct {
		Status status `json:"status"`
	}
	if err := json.Unmarshal(body, &all); err != nil {
		return nil, err
	}
	out := map[string]placement{}
	for name, s := range all {
		p := placement{state: "NO TASK"}
		if len(s.Status.Tasks) == 1 {
			p = placement{state: s.Status.Tasks[0].State, worker: s.Status.Tasks[0].WorkerID}
		}
		out[name] = p
	}
	return out, nil
}

// waitPlaced waits until d shows every connector of names RUNNING on one of
// workers (host:port, from daemon URLs), and returns the placement.
func waitPlaced(t *testing.T, d *daemon, names []string, workers []*daemon, timeout time.Duration) map[string]placement {
	t.Helper()
	ok := map[string]bool{}
	for _, w := range workers {
		ok[strings.TrimPrefix(w.URL, "http://")] = true
	}
	deadline := time.Now().Add(timeout)
	for {
		v, err := d.view(t)
		bad := ""
		if err != nil {
			bad = err.Error()
		} else {
			for _, n := range names {
				p, found := v[n]
				if !found || p.state != "RUNNING" || !ok[p.worker] {
					bad = fmt.Sprintf("%s: %+v", n, p)
					break
				}
			}
		}
		if bad == "" {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v, not every connector is RUNNING on a live worker (%s); view of %s: %v", timeout, bad, d.URL, v)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// perWorker counts the connectors on each worker.
func perWorker(v map[string]placement) map[string]int {
	out := map[string]int{}
	for _, p := range v {
		out[p.worker]++
	}
	return out
}

// distTable is one connector's table, its writer and its history.
type distTable struct {
	name, topic string
	mysql       bool
	h           *history
	pg          *pgx.Conn
	my          *client.Conn
}

// TestDistributedCrashWorkers: three workers of one group share 12
// connectors (8 Postgres, 4 MariaDB) under a write load; one worker is
// killed with SIGKILL, started again, another is killed, one stops cleanly
// and a fourth joins. After each step every connector is RUNNING on a live
// worker, and at the end a read_committed consumer sees every change of
// every table exactly once and in order.
func TestDistributedCrashWorkers(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	const prepop = 300
	g := newDistGroup(t)
	w := []*daemon{g.startWorker(t), g.startWorker(t), g.startWorker(t)}
	tables, cfgs := distSetup(t, 12, prepop)
	var topics []string
	for _, dt := range tables {
		topics = append(topics, dt.topic)
	}
	c := newConsumer(t, topics...)
	names := slices.Sorted(maps.Keys(cfgs))

	// Created through one worker; a follower forwards to the leader.
	start := time.Now()
	createAll(t, w[1], cfgs)
	v := waitPlaced(t, w[2], names, w, 90*time.Second)
	t.Logf("12 connectors RUNNING after %v, per worker %v", time.Since(start).Round(time.Millisecond), perWorker(v))
	for _, d := range w[:2] {
		if got := waitPlaced(t, d, names, w, 10*time.Second); !maps.Equal(got, v) {
			t.Errorf("%s sees %v, %s sees %v", d.URL, got, w[2].URL, v)
		}
	}
	// Every snapshot is in before the writers start (the strict checker).
	c.waitCount(t, 12*prepop, 90*time.Second)
	stopWriters := startWriters(t, tables)
	defer stopWriters()

	step := func(what string, live []*daemon, watcher *daemon, f func()) {
		t.Helper()
		time.Sleep(2 * time.Second) // under load
		before := c.count()
		at := time.Now()
		f()
		v := waitPlaced(t, watcher, names, live, distSession+30*time.Second)
		t.Logf("%s: every connector RUNNING on a live worker after %v (records %d -> %d), per worker %v",
			what, time.Since(at).Round(time.Millisecond), before, c.count(), perWorker(v))
	}
	step("SIGKILL of worker 0", w[1:], w[1], func() { w[0].kill() })
	w[0] = g.startWorker(t)
	step("worker 0 started again", w, w[0], func() {})
	step("SIGKILL of worker 1", []*daemon{w[0], w[2]}, w[2], func() { w[1].kill() })
	step("clean stop (SIGTERM) of worker 2", []*daemon{w[0]}, w[0], func() { w[2].term(t) })
	at := time.Now()
	w = append(w, g.startWorker(t), g.startWorker(t))
	live := []*daemon{w[0], w[3], w[4]}
	for deadline := time.Now().Add(distSession + 30*time.Second); ; time.Sleep(100 * time.Millisecond) {
		v = waitPlaced(t, w[4], names, live, 30*time.Second)
		counts := perWorker(v)
		balanced := len(counts) == 3
		for _, n := range counts {
			balanced = balanced && n == 4
		}
		if balanced {
			t.Logf("workers 3 and 4 joined: balanced after %v, per worker %v", time.Since(at).Round(time.Millisecond), counts)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("12 connectors over 3 live workers are not 4 each: %v", counts)
		}
	}

	time.Sleep(2 * time.Second)
	stopWriters()
	checkTables(t, c, tables)
}

// distSetup creates n connectors' tables (every third one MariaDB, the
// others Postgres) with prepop rows each and returns them with their
// configs, their topics deleted after the test.
func distSetup(t *testing.T, n int, prepop int64) ([]*distTable, map[string]map[string]string) {
	t.Helper()
	var tables []*distTable
	cfgs := map[string]map[string]string{}
	for i := 0; i < n; i++ {
		prefix := uniq(fmt.Sprintf("dist%d", i))
		dt := &distTable{name: prefix}
		if i%3 == 2 {
			dt.mysql = true
			db := prefix
			myDatabase(t, db)
			dt.my = myConn(t)
			myExec(t, dt.my, "USE "+db,
				"CREATE TABLE items (id BIGINT PRIMARY KEY, seq INT NOT NULL, pad VARCHAR(100))",
				fmt.Sprintf("INSERT INTO items SELECT seq, 0, 'x' FROM seq_1_to_%d", prepop))
			dt.topic = prefix + "." + db + ".items"
			cfgs[prefix] = myConfig(t, prefix, db)
		} else {
			dropSlot(t, prefix)
			dt.pg = pgConn(t)
			mustExec(t, dt.pg, "CREATE SCHEMA "+prefix)
			t.Cleanup(func() { mustExec(t, pgConn(t), "DROP SCHEMA "+prefix+" CASCADE") })
			mustExec(t, dt.pg, "CREATE TABLE "+prefix+".items (id bigint PRIMARY KEY, seq int NOT NULL, pad text)")
			mustExec(t, dt.pg, fmt.Sprintf("INSERT INTO %s.items SELECT g, 0, 'x' FROM generate_series(1, %d) g", prefix, prepop))
			dt.topic = prefix + "." + prefix + ".items"
			cfgs[prefix] = pgConfig(t, prefix, prefix, prefix+".items")
			t.Cleanup(func() { dropSlot(t, prefix) })
		}
		dt.h = newHistoryOf(prepop, false)
		// Many writers at the crash tests' pace would take both cores.
		dt.h.pace = 40 * time.Millisecond
		tables = append(tables, dt)
	}
	var topics []string
	for _, dt := range tables {
		topics = append(topics, dt.topic)
	}
	deleteTopicsAfter(t, topics...)
	return tables, cfgs
}

// createAll creates the connectors through d, retrying while the group
// has no leader (409, as Kafka Connect answers).
func createAll(t *testing.T, d *daemon, cfgs map[string]map[string]string) {
	t.Helper()
	for _, n := range slices.Sorted(maps.Keys(cfgs)) {
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			code, body := d.do(t, "POST", "/connectors", map[string]any{"name": n, "config": cfgs[n]})
			if code == 201 {
				break
			}
			if code != 409 || time.Now().After(deadline) {
				t.Fatalf("create %s through %s: %d %s", n, d.URL, code, body)
			}
		}
	}
}

// startWriters starts a writer per table; the func returned stops them
// and waits (once).
func startWriters(t *testing.T, tables []*distTable) func() {
	stop := make(chan struct{})
	var paused atomic.Bool
	var wg sync.WaitGroup
	for _, dt := range tables {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if dt.mysql {
				mysqlWriter(t, dt.my, dt.name+".items", dt.h, stop, &paused)
			} else {
				writer(t, dt.pg, dt.name+".items", dt.h, stop, &paused)
			}
		}()
	}
	return sync.OnceFunc(func() { close(stop); wg.Wait() })
}

// checkTables waits until c has every change of every table exactly once
// and in order (or 2 minutes pass) and reports what is not.
func checkTables(t *testing.T, c *consumer, tables []*distTable) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	var problems []string
	total, ops := 0, 0
	for {
		recs := c.settle(2 * time.Second)
		split := map[string][]record{}
		for _, r := range recs {
			split[r.Topic] = append(split[r.Topic], r)
		}
		problems, total, ops = nil, len(recs), 0
		for _, dt := range tables {
			p, _ := checkExactlyOnceStrict(split[dt.topic], dt.h)
			for _, s := range p {
				problems = append(problems, dt.name+": "+s)
			}
			dt.h.mu.Lock()
			ops += dt.h.ops
			dt.h.mu.Unlock()
		}
		if len(problems) == 0 || time.Now().After(deadline) {
			break
		}
	}
	t.Logf("writers committed %d changes on %d tables; %d records read", ops, len(tables), total)
	for i, p := range problems {
		if i == 30 {
			t.Errorf("... %d more", len(problems)-30)
			break
		}
		t.Error(p)
	}
}

// TestDistributedCrashZombieFenced pauses a worker (SIGSTOP) past the
// session timeout: the other takes its connectors (the MariaDB ones at
// once; the Postgres ones once the paused worker's replication connection
// is gone), and when the paused worker resumes it writes nothing: its
// producers are fenced, it drops its connectors and rejoins. Every change
// arrives exactly once.
func TestDistributedCrashZombieFenced(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	tables, cfgs := distSetup(t, 6, 200)
	var topics []string
	for _, dt := range tables {
		topics = append(topics, dt.topic)
	}
	c := newConsumer(t, topics...)
	names := slices.Sorted(maps.Keys(cfgs))
	g := newDistGroup(t)
	a, b := g.startWorker(t), g.startWorker(t)
	createAll(t, b, cfgs)
	v := waitPlaced(t, b, names, []*daemon{a, b}, 90*time.Second)
	t.Logf("6 connectors RUNNING, per worker %v", perWorker(v))
	c.waitCount(t, 6*200, 90*time.Second)
	stopWriters := startWriters(t, tables)
	defer stopWriters()
	time.Sleep(2 * time.Second)

	aID := strings.TrimPrefix(a.URL, "http://")
	var onA []string
	for n, p := range v {
		if p.worker == aID {
			onA = append(onA, n)
		}
	}
	if len(onA) == 0 {
		t.Fatalf("worker a runs nothing: %v", v)
	}
	at := time.Now()
	if err := a.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	pause := distSession + 8*time.Second
	// While a sleeps, its MariaDB connectors move to b (a Postgres slot
	// stays held by a's open replication connection).
	deadline := at.Add(pause)
	moved := map[string]bool{}
	for time.Now().Before(deadline) {
		if v, err := b.view(t); err == nil {
			for _, n := range onA {
				if v[n].state == "RUNNING" && v[n].worker != aID {
					if !moved[n] {
						t.Logf("%s RUNNING on b %v after a's SIGSTOP", n, time.Since(at).Round(time.Millisecond))
					}
					moved[n] = true
				}
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := a.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	t.Logf("SIGCONT after %v; %d of a's %d connectors had moved", time.Since(at).Round(time.Millisecond), len(moved), len(onA))
	for _, n := range onA {
		if strings.Contains(n, "dist2") || strings.Contains(n, "dist5") {
			if !moved[n] {
				t.Errorf("MariaDB connector %s did not move to b while a was paused", n)
			}
		}
	}
	// a notices it fell out of the group, drops everything and rejoins;
	// the group is balanced again.
	at = time.Now()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		v = waitPlaced(t, b, names, []*daemon{a, b}, 60*time.Second)
		counts := perWorker(v)
		if len(counts) == 2 && counts[aID] == 3 {
			t.Logf("balanced again %v after SIGCONT: %v", time.Since(at).Round(time.Millisecond), counts)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not balanced 60 s after SIGCONT: %v", counts)
		}
	}
	logs := a.logs.String()
	if !strings.Contains(logs, "lost") && !strings.Contains(logs, "fenced") {
		t.Errorf("the resumed worker's log says nothing of losing its connectors:\n%s", tail(logs, 40))
	}
	time.Sleep(2 * time.Second)
	stopWriters()
	checkTables(t, c, tables)
}

// cutProxy forwards TCP connections to target until it is cut: then it
// forwards nothing more on the connections it has (their data waits in
// the proxy, as packets a partition drops) and holds new ones without
// connecting them. heal closes every connection it has, so the clients
// reconnect, and forwards again.
type cutProxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	cut   bool
	gate  chan struct{} // closed while not cut
	conns []net.Conn
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target, gate: make(chan struct{})}
	close(p.gate)
	t.Cleanup(func() { ln.Close(); p.heal() })
	go p.serve()
	return p
}

func (p *cutProxy) addr() string { return p.ln.Addr().String() }

func (p *cutProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.conns = append(p.conns, c)
		gate := p.gate
		p.mu.Unlock()
		go func() {
			<-gate // a connection made while cut waits for the heal (which closes it)
			u, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				return
			}
			p.mu.Lock()
			p.conns = append(p.conns, u)
			p.mu.Unlock()
			go p.pipe(u, c)
			p.pipe(c, u)
		}()
	}
}

// pipe copies src to dst, waiting at each chunk while the proxy is cut.
func (p *cutProxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			gate := p.gate
			p.mu.Unlock()
			<-gate
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *cutProxy) setCut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.cut {
		p.cut, p.gate = true, make(chan struct{})
	}
}

func (p *cutProxy) heal() {
	p.mu.Lock()
	conns := p.conns
	p.conns = nil
	if p.cut {
		p.cut = false
		close(p.gate)
	}
	p.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// TestDistributedCrashNetworkCut cuts one of two workers off from Kafka
// (a proxy between it and the broker stops forwarding) for longer than the
// session timeout: its connectors move to the other worker, and when the
// network comes back it rejoins without writing anything twice.
func TestDistributedCrashNetworkCut(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	tables, cfgs := distSetup(t, 6, 200)
	var topics []string
	for _, dt := range tables {
		topics = append(topics, dt.topic)
	}
	c := newConsumer(t, topics...)
	names := slices.Sorted(maps.Keys(cfgs))
	g := newDistGroup(t)
	proxy := newCutProxy(t, brokers[0])
	a := startDaemon(t, t.TempDir(), append(g.env(), "SLUICE_TEST_KAFKA_DIAL_VIA="+proxy.addr())...)
	b := g.startWorker(t)
	createAll(t, b, cfgs)
	v := waitPlaced(t, b, names, []*daemon{a, b}, 90*time.Second)
	t.Logf("6 connectors RUNNING, per worker %v", perWorker(v))
	c.waitCount(t, 6*200, 90*time.Second)
	stopWriters := startWriters(t, tables)
	defer stopWriters()
	time.Sleep(2 * time.Second)

	at := time.Now()
	proxy.setCut()
	v = waitPlaced(t, b, names, []*daemon{b}, distSession+30*time.Second)
	t.Logf("cut: every connector RUNNING on b after %v: %v", time.Since(at).Round(time.Millisecond), perWorker(v))
	if !strings.Contains(a.logs.String(), "lost group membership") {
		t.Errorf("the cut-off worker's log does not say it lost its membership:\n%s", tail(a.logs.String(), 30))
	}
	if rest := distSession + 4*time.Second - time.Since(at); rest > 0 {
		time.Sleep(rest)
	}
	proxy.heal()
	at = time.Now()
	aID := strings.TrimPrefix(a.URL, "http://")
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		v = waitPlaced(t, b, names, []*daemon{a, b}, 60*time.Second)
		counts := perWorker(v)
		if counts[aID] == 3 {
			t.Logf("healed: balanced again after %v: %v", time.Since(at).Round(time.Millisecond), counts)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not balanced 60 s after the heal: %v\n%s", counts, tail(a.logs.String(), 40))
		}
	}
	time.Sleep(2 * time.Second)
	stopWriters()
	checkTables(t, c, tables)
}

// TestDistributedCrashRollingRestart restarts each of three workers in
// turn (SIGTERM, then a new process) under a write load: every connector
// keeps running somewhere and every change arrives exactly once.
func TestDistributedCrashRollingRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	tables, cfgs := distSetup(t, 6, 200)
	var topics []string
	for _, dt := range tables {
		topics = append(topics, dt.topic)
	}
	c := newConsumer(t, topics...)
	names := slices.Sorted(maps.Keys(cfgs))
	g := newDistGroup(t)
	w := []*daemon{g.startWorker(t), g.startWorker(t), g.startWorker(t)}
	createAll(t, w[0], cfgs)
	waitPlaced(t, w[0], names, w, 90*time.Second)
	c.waitCount(t, 6*200, 90*time.Second)
	stopWriters := startWriters(t, tables)
	defer stopWriters()
	for i := range w {
		time.Sleep(2 * time.Second)
		at := time.Now()
		w[i].term(t)
		others := slices.Delete(slices.Clone(w), i, i+1)
		waitPlaced(t, others[0], names, others, 30*time.Second)
		took := time.Since(at)
		w[i] = g.startWorker(t)
		v := waitPlaced(t, w[i], names, w, 30*time.Second)
		t.Logf("worker %d restarted: its connectors ran elsewhere after %v; per worker now %v", i, took.Round(time.Millisecond), perWorker(v))
	}
	time.Sleep(2 * time.Second)
	stopWriters()
	checkTables(t, c, tables)
}

// TestDistributedREST: any worker answers the whole group's view, and a
// write sent to any worker (the follower forwards it to the leader) is
// seen by all.
func TestDistributedREST(t *testing.T) {
	tables, cfgs := distSetup(t, 2, 10)
	g := newDistGroup(t)
	w := []*daemon{g.startWorker(t), g.startWorker(t)}
	names := slices.Sorted(maps.Keys(cfgs))
	createAll(t, w[0], map[string]map[string]string{names[0]: cfgs[names[0]]})
	createAll(t, w[1], map[string]map[string]string{names[1]: cfgs[names[1]]})
	if code, body := w[1].do(t, "POST", "/connectors", map[string]any{"name": names[0], "config": cfgs[names[0]]}); code != 409 || !strings.Contains(string(body), "already exists") {
		t.Errorf("second create of %s through worker 1: %d %s, want 409 already exists", names[0], code, body)
	}
	v := waitPlaced(t, w[0], names, w, 60*time.Second)
	if got := waitPlaced(t, w[1], names, w, 10*time.Second); !maps.Equal(got, v) {
		t.Errorf("worker 1 sees %v, worker 0 sees %v", got, v)
	}
	for _, d := range w {
		code, body := d.do(t, "GET", "/connectors", nil)
		var list []string
		_ = json.Unmarshal(body, &list)
		slices.Sort(list)
		if code != 200 || !slices.Equal(list, names) {
			t.Errorf("GET /connectors on %s: %d %s, want %v", d.URL, code, body, names)
		}
	}
	// The write of each step goes to one worker, and both show its effect.
	for i, d := range w {
		name := names[i]
		cfg := maps.Clone(cfgs[name])
		cfg["sluice.batch.max.events"] = "777"
		if code, body := d.do(t, "PUT", "/connectors/"+name+"/config", cfg); code != 200 {
			t.Fatalf("PUT config of %s through %s: %d %s", name, d.URL, code, body)
		}
		// Like Connect's, a worker's view follows the config topic: a
		// worker other than the leader sees the write once it has read it.
		seen := func(write string, want map[string]string) {
			t.Helper()
			for _, r := range w {
				for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
					code, body := r.do(t, "GET", "/connectors/"+name+"/config", nil)
					var got map[string]string
					if code == 200 && json.Unmarshal(body, &got) == nil && maps.Equal(got, want) {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("config of %s on %s 10s after the %s through %s: %d %s, want %v", name, r.URL, write, d.URL, code, body, want)
					}
				}
			}
		}
		cfg["name"] = name
		seen("PUT", cfg)
		// PATCH (Connect 3.8+) merges into the stored config, a null
		// removing its key; the follower forwards it too.
		if code, body := d.do(t, "PATCH", "/connectors/"+name+"/config", map[string]any{"sluice.batch.max.events": "778", "sluice.no.such.key": nil}); code != 200 ||
			!strings.Contains(string(body), `"sluice.batch.max.events":"778"`) {
			t.Fatalf("PATCH config of %s through %s: %d %s, want 200 with the patched config", name, d.URL, code, body)
		}
		cfg["sluice.batch.max.events"] = "778"
		seen("PATCH", cfg)
		if code, body := d.do(t, "PUT", "/connectors/"+name+"/pause", nil); code != 202 {
			t.Fatalf("pause %s through %s: %d %s", name, d.URL, code, body)
		}
		for _, r := range w {
			r.waitTaskState(t, name, "PAUSED", 30*time.Second)
		}
		if code, body := d.do(t, "PUT", "/connectors/"+name+"/resume", nil); code != 202 {
			t.Fatalf("resume %s through %s: %d %s", name, d.URL, code, body)
		}
		for _, r := range w {
			r.waitTaskState(t, name, "RUNNING", 30*time.Second)
		}
		if code, body := d.do(t, "POST", "/connectors/"+name+"/restart", nil); code != 204 && code != 200 && code != 202 {
			t.Errorf("restart %s through %s: %d %s", name, d.URL, code, body)
		}
	}
	// Active topics: written by the owner, read on any worker.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		mustExec(t, tables[0].pg, "UPDATE "+tables[0].name+".items SET seq = seq + 1 WHERE id = 1")
		_, b0 := w[0].do(t, "GET", "/connectors/"+names[0]+"/topics", nil)
		_, b1 := w[1].do(t, "GET", "/connectors/"+names[0]+"/topics", nil)
		if strings.Contains(string(b0), tables[0].topic) && string(b0) == string(b1) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("active topics of %s: worker 0 %s, worker 1 %s; want %s on both", names[0], b0, b1, tables[0].topic)
		}
	}
	// A connector's AsyncAPI document is its owner's, asked through any
	// worker.
	for i, name := range names {
		_, b0 := w[0].do(t, "GET", "/connectors/"+name+"/asyncapi", nil)
		_, b1 := w[1].do(t, "GET", "/connectors/"+name+"/asyncapi", nil)
		if !strings.Contains(string(b0), `"address":"`+tables[i].topic+`"`) || !jsonEqual(t, b0, b1) {
			t.Errorf("AsyncAPI document of %s: worker 0 %.300s, worker 1 %.300s; want both with channel %s", name, b0, b1, tables[i].topic)
		}
	}
	// A delete through either worker removes the connector everywhere.
	for i, d := range w {
		if code, body := d.do(t, "DELETE", "/connectors/"+names[i], nil); code != 204 {
			t.Fatalf("delete %s through %s: %d %s", names[i], d.URL, code, body)
		}
	}
	for _, r := range w {
		for _, n := range names {
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
				code, _ := r.do(t, "GET", "/connectors/"+n, nil)
				if code == 404 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s still shows %s after its delete (%d)", r.URL, n, code)
				}
			}
		}
	}
}
