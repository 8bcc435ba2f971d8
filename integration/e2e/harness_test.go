//go:build integration

package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kgo"
)

var (
	pgDSN   = envOr("SLUICE_PG_DSN", "postgres://postgres:postgres@127.0.0.1:55432/sluice_test")
	brokers = strings.Split(envOr("SLUICE_KAFKA", "127.0.0.1:59092"), ",")
	binPath string
)

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sluice-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "sluice")
	build := exec.Command("go", "build", "-o", binPath, "github.com/sluicecdc/sluice/cmd/sluice")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build sluice:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// uniq returns a lowercase identifier unique to this run, for slots,
// publications, schemas and topic prefixes.
func uniq(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + "_" + hex.EncodeToString(b)
}

// daemon is a running `sluice serve` process.
type daemon struct {
	t       *testing.T
	cmd     *exec.Cmd
	URL     string
	DataDir string
	logs    *syncBuffer
	done    chan struct{}
	exitErr error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startDaemon starts sluice with dataDir and waits until it answers.
func startDaemon(t *testing.T, dataDir string, extraEnv ...string) *daemon {
	t.Helper()
	port := freePort(t)
	d := &daemon{t: t, URL: fmt.Sprintf("http://127.0.0.1:%d", port), DataDir: dataDir, logs: &syncBuffer{}, done: make(chan struct{})}
	// SLUICE_E2E_SERVE_ARGS adds flags to every daemon (e.g.
	// -cpuprofile FILE); the daemon then stops with SIGTERM, so that a
	// profile is written.
	extraArgs := strings.Fields(os.Getenv("SLUICE_E2E_SERVE_ARGS"))
	d.cmd = exec.Command(binPath, append([]string{"serve"}, extraArgs...)...)
	d.cmd.Env = append(os.Environ(),
		fmt.Sprintf("SLUICE_LISTEN=127.0.0.1:%d", port),
		"SLUICE_DATA_DIR="+dataDir,
		"SLUICE_KAFKA_BROKERS="+strings.Join(brokers, ","),
		"SLUICE_LOG_LEVEL=debug",
	)
	d.cmd.Env = append(d.cmd.Env, extraEnv...)
	d.cmd.Stdout, d.cmd.Stderr = d.logs, d.logs
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.exitErr = d.cmd.Wait(); close(d.done) }()
	t.Cleanup(func() {
		if len(extraArgs) > 0 {
			_ = d.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-d.done:
			case <-time.After(30 * time.Second):
			}
		}
		d.kill()
		if dir := os.Getenv("SLUICE_E2E_LOG_DIR"); dir != "" {
			f := filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "_")+fmt.Sprintf("-%d.log", port))
			if err := os.WriteFile(f, []byte(d.logs.String()), 0o644); err != nil {
				t.Logf("keep sluice logs: %v", err)
			}
		}
		if t.Failed() || os.Getenv("SLUICE_E2E_LOGS") != "" {
			t.Logf("sluice logs (%s):\n%s", d.URL, tail(d.logs.String(), 60))
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(d.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return d
			}
		}
		select {
		case <-d.done:
			t.Fatalf("sluice exited at start: %v\n%s", d.exitErr, d.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("sluice did not answer /healthz in 20s\n%s", d.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// tailWithout is tail of the lines of s that do not contain skip (the
// DEBUG lines of a daemon's log, which bury what it did).
func tailWithout(s, skip string, n int) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.Contains(l, skip) {
			keep = append(keep, l)
		}
	}
	return tail(strings.Join(keep, "\n"), n)
}

// kill sends SIGKILL and waits for the process to go.
func (d *daemon) kill() {
	select {
	case <-d.done:
		return
	default:
	}
	_ = d.cmd.Process.Signal(syscall.SIGKILL)
	<-d.done
}

// term sends SIGTERM and waits for a clean exit.
func (d *daemon) term(t *testing.T) {
	t.Helper()
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(60 * time.Second):
		t.Fatalf("sluice did not stop within 60s of SIGTERM")
	}
	if d.exitErr != nil {
		t.Fatalf("sluice exited with %v after SIGTERM\n%s", d.exitErr, tail(d.logs.String(), 40))
	}
}

// do sends a REST request and returns the status and body.
func (d *daemon) do(t *testing.T, method, path string, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, d.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

type status struct {
	Name      string `json:"name"`
	Connector struct {
		State string `json:"state"`
		Trace string `json:"trace"`
	} `json:"connector"`
	Tasks []struct {
		ID       int    `json:"id"`
		State    string `json:"state"`
		Trace    string `json:"trace"`
		WorkerID string `json:"worker_id"`
	} `json:"tasks"`
	Warnings []string `json:"warnings"`
}

func (d *daemon) status(t *testing.T, name string) status {
	t.Helper()
	code, body := d.do(t, "GET", "/connectors/"+name+"/status", nil)
	if code != 200 {
		t.Fatalf("status of %s: %d %s", name, code, body)
	}
	var s status
	if err := json.Unmarshal(body, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s status) taskState() (string, string) {
	if len(s.Tasks) == 0 {
		return s.Connector.State, s.Connector.Trace
	}
	return s.Tasks[0].State, s.Tasks[0].Trace
}

// waitTaskState waits until the connector's task is in state want.
func (d *daemon) waitTaskState(t *testing.T, name, want string, timeout time.Duration) status {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := d.status(t, name)
		if st, _ := s.taskState(); st == want {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("connector %s: task state %+v, want %s\n%s", name, s, want, tail(d.logs.String(), 40))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// exampleConfig loads a connector config from deploy/examples, so the
// examples the README shows stay valid.
func exampleConfig(t *testing.T, file string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "deploy", "examples", file))
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Name   string            `json:"name"`
		Config map[string]string `json:"config"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return c.Config
}

// pgConfig returns the example Postgres connector config pointed at the
// test server with names unique to the test.
func pgConfig(t *testing.T, prefix, slot, tables string) map[string]string {
	t.Helper()
	c := exampleConfig(t, "postgres.json")
	c["topic.prefix"] = prefix
	c["slot.name"] = slot
	c["publication.name"] = slot + "_pub"
	c["publication.autocreate.mode"] = "filtered"
	c["table.include.list"] = tables
	c["database.dbname"] = "sluice_test"
	return c
}

func pgConn(t *testing.T) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, pgDSN)
	if err != nil {
		t.Fatalf("connect to PostgreSQL at %s (is integration/env up?): %v", pgDSN, err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func mustExec(t *testing.T, c *pgx.Conn, sql string, args ...any) {
	t.Helper()
	if _, err := c.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// dropSlot removes a test's replication slot and publication when the test
// ends. A slot still held by a daemon (whose cleanup may run later) has its
// walsender terminated first, so no slot outlives its test.
func dropSlot(t *testing.T, slot string) {
	t.Helper()
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), pgDSN)
		if err != nil {
			t.Logf("drop slot %s: %v", slot, err)
			return
		}
		defer c.Close(context.Background())
		for i := 0; i < 50; i++ {
			_, _ = c.Exec(context.Background(), "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL", slot)
			_, err = c.Exec(context.Background(), "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1", slot)
			if err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			t.Logf("drop slot %s: %v", slot, err)
		}
		_, _ = c.Exec(context.Background(), "DROP PUBLICATION IF EXISTS "+pgx.Identifier{slot + "_pub"}.Sanitize())
	})
}

// record is a consumed Kafka record.
type record struct {
	Topic   string
	Key     []byte
	Value   []byte
	Headers map[string]string
	Offset  int64
}

// consumer reads topics with read_committed in the background.
type consumer struct {
	// onRecord, when set before records arrive, sees each record as it is
	// consumed (on the consumer's goroutine).
	onRecord func(record)
	cl       *kgo.Client
	mu       sync.Mutex
	recs     []record
	stop     context.CancelFunc
	done     chan struct{}
}

func newConsumer(t *testing.T, topics ...string) *consumer {
	return newConsumerWith(t, nil, topics...)
}

func newConsumerWith(t *testing.T, onRecord func(record), topics ...string) *consumer {
	t.Helper()
	return newConsumerOpts(t, []kgo.Opt{kgo.SeedBrokers(brokers...)}, onRecord, topics...)
}

// newConsumerOpts is newConsumerWith on a client made with opts (seed
// brokers, security) instead of the plain test broker.
func newConsumerOpts(t *testing.T, opts []kgo.Opt, onRecord func(record), topics ...string) *consumer {
	t.Helper()
	cl, err := kgo.NewClient(append(append([]kgo.Opt(nil), opts...),
		kgo.ConsumeTopics(topics...),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.AllowAutoTopicCreation(),
	)...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &consumer{onRecord: onRecord, cl: cl, stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		for ctx.Err() == nil {
			fs := cl.PollFetches(ctx)
			fs.EachRecord(func(r *kgo.Record) {
				h := map[string]string{}
				for _, x := range r.Headers {
					h[x.Key] = string(x.Value)
				}
				rec := record{Topic: r.Topic, Key: r.Key, Value: r.Value, Headers: h, Offset: r.Offset}
				if c.onRecord != nil {
					c.onRecord(rec)
				}
				c.mu.Lock()
				c.recs = append(c.recs, rec)
				c.mu.Unlock()
			})
		}
	}()
	t.Cleanup(c.close)
	return c
}

func (c *consumer) close() {
	c.stop()
	<-c.done
	c.cl.Close()
}

func (c *consumer) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.recs)
}

func (c *consumer) snapshot() []record {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]record(nil), c.recs...)
}

// waitCount waits until at least n records arrived and returns them.
func (c *consumer) waitCount(t *testing.T, n int, timeout time.Duration) []record {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if c.count() >= n {
			return c.snapshot()
		}
		if time.Now().After(deadline) {
			t.Fatalf("consumer saw %d records in %s, want at least %d", c.count(), timeout, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// settle waits until no new record arrived for quiet, and returns all.
func (c *consumer) settle(quiet time.Duration) []record {
	last, since := c.count(), time.Now()
	for time.Since(since) < quiet {
		time.Sleep(50 * time.Millisecond)
		if n := c.count(); n != last {
			last, since = n, time.Now()
		}
	}
	return c.snapshot()
}
