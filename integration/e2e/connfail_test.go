//go:build integration

package e2e

import (
	"fmt"
	"io"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// What an operator sees when a connector cannot reach its database: the task
// FAILED with the reason in its trace, retried by itself when the failure is
// one a retry can cure (and RUNNING again once it is), not retried when it is
// a refused login.

// TestPGWrongPasswordFailsAtOnce registers a Postgres connector with a wrong
// password: its task is FAILED with a trace naming the authentication
// failure and the keys to fix, and it is not retried.
func TestPGWrongPasswordFailsAtOnce(t *testing.T) {
	prefix := uniq("pgauth")
	d := startDaemon(t, t.TempDir())
	cfg := pgConfig(t, prefix, prefix, "public."+prefix)
	const password = "not-the-password-5e1f"
	cfg["database.password"] = password
	if code, b := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create: %d %s", code, b)
	}
	st := d.waitTaskState(t, prefix, "FAILED", 30*time.Second)
	_, tr := st.taskState()
	for _, want := range []string{"org.apache.kafka.connect.errors.ConnectException", "password authentication failed", "SQLSTATE 28P01", "check database.user", "database.password"} {
		if !strings.Contains(tr, want) {
			t.Errorf("trace %q lacks %q", tr, want)
		}
	}
	if strings.Contains(tr, password) {
		t.Errorf("trace shows the password: %q", tr)
	}
	if st.Connector.State != "RUNNING" {
		t.Errorf("connector state %s, want RUNNING (the task carries the failure, as in Kafka Connect)", st.Connector.State)
	}
	// Not retried: in 3 s (three retries at the first delays) nothing more
	// is tried, the state holds, and the retry counter stays at 0.
	time.Sleep(3 * time.Second)
	if st, tr2 := d.status(t, prefix).taskState(); st != "FAILED" || tr2 != tr {
		t.Errorf("after 3 s the task is %s %q, want FAILED with the same trace", st, tr2)
	}
	if n := strings.Count(d.logs.String(), "connector failed; retrying"); n != 0 {
		t.Errorf("the daemon retried a refused login %d times", n)
	}
	if n := retries(t, d, prefix); n != 0 {
		t.Errorf("sluice_task_retries_total = %v, want 0", n)
	}
}

// TestMariaDBWrongPasswordFailsAtOnce is the same for a MariaDB connector.
func TestMariaDBWrongPasswordFailsAtOnce(t *testing.T) {
	prefix := uniq("myauth")
	db := prefix
	myDatabase(t, db)
	d := startDaemon(t, t.TempDir())
	cfg := myConfig(t, prefix, db)
	cfg["database.password"] = "not-the-password-5e1f"
	if code, b := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create: %d %s", code, b)
	}
	st := d.waitTaskState(t, prefix, "FAILED", 30*time.Second)
	_, tr := st.taskState()
	for _, want := range []string{"org.apache.kafka.connect.errors.ConnectException", "Access denied for user", "1045", "check database.user", "database.password"} {
		if !strings.Contains(tr, want) {
			t.Errorf("trace %q lacks %q", tr, want)
		}
	}
	if strings.Contains(tr, "not-the-password-5e1f") {
		t.Errorf("trace shows the password: %q", tr)
	}
	time.Sleep(3 * time.Second)
	if st, tr2 := d.status(t, prefix).taskState(); st != "FAILED" || tr2 != tr {
		t.Errorf("after 3 s the task is %s %q, want FAILED with the same trace", st, tr2)
	}
	if n := strings.Count(d.logs.String(), "connector failed; retrying"); n != 0 {
		t.Errorf("the daemon retried a refused login %d times", n)
	}
	if n := retries(t, d, prefix); n != 0 {
		t.Errorf("sluice_task_retries_total = %v, want 0", n)
	}
}

// TestPGUnreachableRetriesAndRecovers points a Postgres connector at a
// loopback proxy that closes every connection: the task is FAILED with the
// connection failure in its trace while it retries, and RUNNING by itself
// once the proxy forwards to Postgres, with the rows written meanwhile
// delivered exactly once. Then the same outage strikes a running connector.
func TestPGUnreachableRetriesAndRecovers(t *testing.T) {
	prefix := uniq("pgdown")
	dropSlot(t, prefix)
	pg := pgConn(t)
	table := "public." + prefix
	mustExec(t, pg, "CREATE TABLE "+table+" (id int PRIMARY KEY)")
	t.Cleanup(func() { mustExec(t, pgConn(t), "DROP TABLE "+table) })
	mustExec(t, pg, "INSERT INTO "+table+" VALUES (1)")

	u, err := url.Parse(pgDSN)
	if err != nil {
		t.Fatal(err)
	}
	px := newProxy(t, u.Host)
	d := startDaemon(t, t.TempDir())
	cfg := pgConfig(t, prefix, prefix, table)
	host, port, _ := net.SplitHostPort(px.addr())
	cfg["database.hostname"], cfg["database.port"] = host, port
	cfg["retriable.restart.connector.wait.ms"] = "1000"
	c := newConsumer(t, prefix+"."+table)

	// Registered while the database cannot be reached.
	if code, b := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create: %d %s", code, b)
	}
	st := d.waitTaskState(t, prefix, "FAILED", 30*time.Second)
	checkRetryingTrace(t, st)
	mustExec(t, pg, "INSERT INTO "+table+" VALUES (2)")
	// A few more retries, 1 s apart; a loaded machine can stretch them, so
	// wait for the second one rather than a fixed time.
	deadline := time.Now().Add(20 * time.Second)
	n := retries(t, d, prefix)
	for n < 2 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		n = retries(t, d, prefix)
	}
	if n < 2 {
		t.Errorf("sluice_task_retries_total = %v after 20 s of refusals, want at least 2", n)
	}
	st = d.status(t, prefix)
	checkRetryingTrace(t, st)

	px.setForward(true)
	st = d.waitTaskState(t, prefix, "RUNNING", 30*time.Second)
	if _, tr := st.taskState(); tr != "" {
		t.Errorf("RUNNING task keeps a trace: %q", tr)
	}
	c.waitCount(t, 2, 60*time.Second)
	mustExec(t, pg, "INSERT INTO "+table+" VALUES (3)")
	c.waitCount(t, 3, 60*time.Second) // streamed: the checkpoint is a WAL position

	// Lost while streaming: every connection through the proxy is cut and
	// new ones are refused.
	px.setForward(false)
	st = d.waitTaskState(t, prefix, "FAILED", 30*time.Second)
	checkRetryingTrace(t, st)
	mustExec(t, pg, "INSERT INTO "+table+" VALUES (4)")
	time.Sleep(2 * time.Second)
	if s, _ := d.status(t, prefix).taskState(); s != "FAILED" {
		t.Errorf("task %s while Postgres cannot be reached, want FAILED", s)
	}
	px.setForward(true)
	d.waitTaskState(t, prefix, "RUNNING", 30*time.Second)
	c.waitCount(t, 4, 60*time.Second)

	recs := c.settle(3 * time.Second)
	seen := map[string]int{}
	for _, r := range recs {
		seen[string(r.Key)]++
	}
	if len(recs) != 4 || len(seen) != 4 {
		t.Errorf("%d records for %d keys (%v), want 4 of each", len(recs), len(seen), seen)
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("key %s arrived %d times", k, n)
		}
	}
}

// checkRetryingTrace checks a status shows a task waiting to retry a lost
// connection to Postgres.
func checkRetryingTrace(t *testing.T, st status) {
	t.Helper()
	s, tr := st.taskState()
	if s != "FAILED" {
		t.Errorf("task %s, want FAILED", s)
	}
	for _, want := range []string{"org.apache.kafka.connect.errors.RetriableException", "postgres", "sluice retries by itself", "errors.max.retries=-1", "returns to RUNNING"} {
		if !strings.Contains(tr, want) {
			t.Errorf("trace %q lacks %q", tr, want)
		}
	}
	if st.Connector.State != "RUNNING" {
		t.Errorf("connector state %s, want RUNNING", st.Connector.State)
	}
}

// retries returns sluice_task_retries_total for a connector from /metrics
// (0 when the series does not exist).
func retries(t *testing.T, d *daemon, connector string) float64 {
	t.Helper()
	code, b := d.do(t, "GET", "/metrics", nil)
	if code != 200 {
		t.Fatalf("/metrics: %d", code)
	}
	re := regexp.MustCompile(`(?m)^sluice_task_retries_total\{connector="` + regexp.QuoteMeta(connector) + `"\} (\S+)$`)
	m := re.FindSubmatch(b)
	if m == nil {
		return 0
	}
	n, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// proxy is a loopback TCP proxy that either forwards to a target or closes
// every connection at once. Turning forwarding off also cuts the connections
// it carries, as a database going away does.
type proxy struct {
	ln     net.Listener
	target string

	mu      sync.Mutex
	forward bool
	conns   map[net.Conn]bool
}

func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.setForward(false) })
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) setForward(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.forward = on
	if !on {
		for c := range p.conns {
			c.Close()
		}
		clear(p.conns)
	}
}

func (p *proxy) serve() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		fwd := p.forward
		p.mu.Unlock()
		if !fwd {
			in.Close()
			continue
		}
		out, err := net.DialTimeout("tcp", p.target, 5*time.Second)
		if err != nil {
			in.Close()
			continue
		}
		p.mu.Lock()
		if !p.forward {
			p.mu.Unlock()
			in.Close()
			out.Close()
			continue
		}
		p.conns[in], p.conns[out] = true, true
		p.mu.Unlock()
		pipe := func(dst, src net.Conn) {
			_, _ = io.Copy(dst, src)
			dst.Close()
			src.Close()
			p.mu.Lock()
			delete(p.conns, dst)
			delete(p.conns, src)
			p.mu.Unlock()
		}
		go pipe(out, in)
		go pipe(in, out)
	}
}

// TestMariaDBUnreachableRetriesAndRecovers cuts a streaming MariaDB connector
// off its server through a loopback proxy: after the stream's few quick
// reconnects the task is FAILED with the reason while it retries, and
// RUNNING by itself once the proxy forwards again, with the row written
// meanwhile delivered exactly once.
func TestMariaDBUnreachableRetriesAndRecovers(t *testing.T) {
	prefix := uniq("mydown")
	db := prefix
	myDatabase(t, db)
	my := myConn(t)
	myExec(t, my, "CREATE TABLE "+db+".t (id int PRIMARY KEY)", "INSERT INTO "+db+".t VALUES (1)")
	px := newProxy(t, myAddr)
	px.setForward(true)
	d := startDaemon(t, t.TempDir())
	cfg := myConfig(t, prefix, db)
	host, port, _ := net.SplitHostPort(px.addr())
	cfg["database.hostname"], cfg["database.port"] = host, port
	cfg["retriable.restart.connector.wait.ms"] = "1000"
	c := newConsumer(t, prefix+"."+db+".t")
	if code, b := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create: %d %s", code, b)
	}
	d.waitTaskState(t, prefix, "RUNNING", 30*time.Second)
	myExec(t, my, "INSERT INTO "+db+".t VALUES (2)")
	c.waitCount(t, 2, 60*time.Second)

	px.setForward(false)
	st := d.waitTaskState(t, prefix, "FAILED", 30*time.Second)
	s, tr := st.taskState()
	for _, want := range []string{"org.apache.kafka.connect.errors.RetriableException", "mysql", "sluice retries by itself", "returns to RUNNING"} {
		if !strings.Contains(tr, want) {
			t.Errorf("%s trace %q lacks %q", s, tr, want)
		}
	}
	myExec(t, my, "INSERT INTO "+db+".t VALUES (3)")
	time.Sleep(2 * time.Second)
	if s, _ := d.status(t, prefix).taskState(); s != "FAILED" {
		t.Errorf("task %s while MariaDB cannot be reached, want FAILED", s)
	}
	px.setForward(true)
	d.waitTaskState(t, prefix, "RUNNING", 30*time.Second)
	c.waitCount(t, 3, 60*time.Second)
	recs := c.settle(3 * time.Second)
	seen := map[string]int{}
	for _, r := range recs {
		seen[string(r.Key)]++
	}
	if len(recs) != 3 || len(seen) != 3 {
		t.Errorf("%d records for %d keys (%v), want 3 of each", len(recs), len(seen), seen)
	}
	if n := retries(t, d, prefix); n < 1 {
		t.Errorf("sluice_task_retries_total = %v, want at least 1", n)
	}
}

// TestKafkaUnreachableShowsInStatus starts the daemon with a Kafka address
// nothing listens on: the connector's task is FAILED with the reason (Kafka
// cannot be reached) in its trace while it retries, not RUNNING.
func TestKafkaUnreachableShowsInStatus(t *testing.T) {
	prefix := uniq("kdown")
	d := startDaemon(t, t.TempDir(), fmt.Sprintf("SLUICE_KAFKA_BROKERS=127.0.0.1:%d", freePort(t)))
	cfg := pgConfig(t, prefix, prefix, "public."+prefix)
	if code, b := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create: %d %s", code, b)
	}
	st := d.waitTaskState(t, prefix, "FAILED", 90*time.Second)
	_, tr := st.taskState()
	for _, want := range []string{"org.apache.kafka.connect.errors.RetriableException", "kafka sink", "connection refused", "sluice retries by itself"} {
		if !strings.Contains(tr, want) {
			t.Errorf("trace %q lacks %q", tr, want)
		}
	}
	if st.Connector.State != "RUNNING" {
		t.Errorf("connector state %s, want RUNNING", st.Connector.State)
	}
}
