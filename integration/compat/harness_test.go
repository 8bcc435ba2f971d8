//go:build integration

package compat

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The servers of integration/env; connect is the Kafka Connect worker with
// real Debezium (integration/env/up connect).
var (
	pgDSN      = envOr("SLUICE_PG_DSN", "postgres://postgres:postgres@127.0.0.1:55432/sluice_test")
	brokers    = strings.Split(envOr("SLUICE_KAFKA", "127.0.0.1:59092"), ",")
	connectURL = envOr("SLUICE_CONNECT_URL", "http://127.0.0.1:58083")
	myAddr     = envOr("SLUICE_MYSQL_ADDR", "127.0.0.1:53306")
	binPath    string

	diffsDir  = flag.String("diffs-dir", "", "write each test's differences and both sides' records to files in this directory")
	sluiceBin = flag.String("sluice-bin", "", "run this sluice binary instead of building one from this tree (to compare another branch's build)")
)

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func TestMain(m *testing.M) {
	flag.Parse()
	if *sluiceBin != "" {
		binPath = *sluiceBin
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "sluice-compat-bin")
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

// uniq returns a lowercase identifier unique to this run.
func uniq(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + "_" + hex.EncodeToString(b)
}

// restClient talks to a Kafka Connect-compatible REST API: the real worker or
// sluice.
type restClient struct {
	what string // "debezium" or "sluice", for messages
	url  string
}

func (c restClient) do(method, path string, body any) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.url+path, r)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	hc := http.Client{Timeout: 100 * time.Second}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

// create registers a connector and fails the test unless it was created.
func (c restClient) create(t *testing.T, name string, cfg map[string]string) {
	t.Helper()
	code, body, err := c.do("POST", "/connectors", map[string]any{"name": name, "config": cfg})
	if err != nil || code != 201 {
		t.Fatalf("%s: create connector %s: %d %s %v", c.what, name, code, body, err)
	}
}

// remove deletes a connector (when the test ends).
func (c restClient) remove(t *testing.T, name string) {
	code, body, err := c.do("DELETE", "/connectors/"+name, nil)
	if err != nil || code/100 != 2 && code != 404 {
		t.Logf("%s: delete connector %s: %d %s %v", c.what, name, code, body, err)
	}
}

// state returns the connector's task state and trace ("" when unknown).
func (c restClient) state(name string) (string, string) {
	code, body, err := c.do("GET", "/connectors/"+name+"/status", nil)
	if err != nil || code != 200 {
		return "", fmt.Sprintf("%d %s %v", code, body, err)
	}
	var s struct {
		Connector struct{ State, Trace string }
		Tasks     []struct{ State, Trace string }
	}
	_ = json.Unmarshal(body, &s)
	if len(s.Tasks) == 0 {
		return s.Connector.State, s.Connector.Trace
	}
	return s.Tasks[0].State, s.Tasks[0].Trace
}

// needConnect fails the test when the Kafka Connect worker does not answer
// with Debezium's connectors: the comparison means nothing without it.
func needConnect(t *testing.T) restClient {
	t.Helper()
	c := restClient{what: "debezium", url: connectURL}
	code, body, err := c.do("GET", "/connector-plugins", nil)
	if err != nil || code != 200 || !bytes.Contains(body, []byte("io.debezium.connector.postgresql.PostgresConnector")) {
		t.Fatalf("no Kafka Connect worker with Debezium at %s (%d %s %v): start it with integration/env/up connect", connectURL, code, body, err)
	}
	return c
}

// daemon is a running `sluice serve`.
type daemon struct {
	restClient
	cmd     *exec.Cmd
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

// startDaemon starts sluice serve; env adds environment settings
// (SLUICE_OFFSETS_TOPIC=…).
func startDaemon(t *testing.T, env ...string) *daemon {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	d := &daemon{restClient: restClient{what: "sluice", url: fmt.Sprintf("http://127.0.0.1:%d", port)}, logs: &syncBuffer{}, done: make(chan struct{})}
	d.cmd = exec.Command(binPath, "serve")
	d.cmd.Env = append(os.Environ(),
		fmt.Sprintf("SLUICE_LISTEN=127.0.0.1:%d", port),
		"SLUICE_DATA_DIR="+t.TempDir(),
		"SLUICE_KAFKA_BROKERS="+strings.Join(brokers, ","),
	)
	d.cmd.Env = append(d.cmd.Env, env...)
	d.cmd.Stdout, d.cmd.Stderr = d.logs, d.logs
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.exitErr = d.cmd.Wait(); close(d.done) }()
	t.Cleanup(func() {
		_ = d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.done:
		case <-time.After(30 * time.Second):
			_ = d.cmd.Process.Kill()
			<-d.done
		}
		if t.Failed() {
			t.Logf("sluice logs (last lines):\n%s", tail(d.logs.String(), 30))
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		if code, _, err := d.do("GET", "/healthz", nil); err == nil && code == 200 {
			return d
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

// collector reads every topic of one topic prefix (the prefix itself, the
// schema-change topic, and `<prefix>.*`) with read_committed.
type topicReader struct {
	prefix string
	re     *regexp.Regexp // the topics it reads: prefix and prefix.*
	logMu  sync.Mutex
	log    []string // the client's log (info and up) and fetch errors, the last 300 lines
	cl     *kgo.Client
	mu     sync.Mutex
	recs   []rec
	stop   context.CancelFunc
	done   chan struct{}
}

// readPrefix reads, read_committed and from the start, every topic named
// prefix or prefix.<anything>. It finds them itself, listing the topics
// every 250 ms and adding the new ones to a direct consumer. Readers have
// missed topics created while they ran, for minutes, on a loaded machine,
// though their records were on Kafka: twice as regex consumers
// (kgo.ConsumeRegex), and once as this one, under franz-go v1.22.2 (the
// module is at v1.22.3 since); its client log and fetch errors are kept
// (logTail) for the next time.
func readPrefix(t *testing.T, prefix string) *topicReader {
	t.Helper()
	r := &topicReader{prefix: prefix, re: regexp.MustCompile("^" + regexp.QuoteMeta(prefix) + `(\..+)?$`), done: make(chan struct{})}
	lw := logWriter{r}
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(brokers...),
		// The bare prefix (the schema change topic of some connectors)
		// makes the client a consumer from the start; the topics found
		// are added to it.
		kgo.ConsumeTopics(prefix),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.MetadataMinAge(250*time.Millisecond),
		kgo.MetadataMaxAge(time.Second),
		kgo.WithLogger(kgo.BasicLogger(lw, kgo.LogLevelInfo, nil)),
	)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cl, r.stop = cl, cancel
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		r.discover(ctx)
	}()
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			fs := cl.PollFetches(ctx)
			fs.EachError(func(topic string, p int32, err error) {
				if ctx.Err() == nil {
					r.logf("fetch error: %s[%d]: %v", topic, p, err)
				}
			})
			fs.EachRecord(func(k *kgo.Record) {
				x := rec{Topic: k.Topic, Partition: k.Partition, Offset: k.Offset, Key: k.Key, Value: k.Value, Timestamp: k.Timestamp}
				for _, h := range k.Headers {
					x.Headers = append(x.Headers, header{h.Key, h.Value})
				}
				r.mu.Lock()
				r.recs = append(r.recs, x)
				r.mu.Unlock()
			})
		}
	}()
	go func() {
		wg.Wait()
		close(r.done)
	}()
	t.Cleanup(func() {
		r.stop()
		<-r.done
		r.deleteTopics(t)
		r.cl.Close()
	})
	return r
}

// logWriter writes the lines of a reader's client log to its log.
type logWriter struct{ r *topicReader }

func (w logWriter) Write(p []byte) (int, error) {
	w.r.logf("%s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func (r *topicReader) logf(format string, args ...any) {
	r.logMu.Lock()
	defer r.logMu.Unlock()
	r.log = append(r.log, time.Now().Format("15:04:05.000 ")+fmt.Sprintf(format, args...))
	if len(r.log) > 300 {
		r.log = r.log[len(r.log)-300:]
	}
}

// logTail is the last n lines of the reader's log.
func (r *topicReader) logTail(n int) string {
	r.logMu.Lock()
	defer r.logMu.Unlock()
	l := r.log
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}

// discover adds the prefix's topics to the reader's consumer as they
// appear, until ctx ends.
func (r *topicReader) discover(ctx context.Context) {
	adm := kadm.NewClient(r.cl)
	known := map[string]bool{r.prefix: true}
	for {
		lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		topics, err := adm.ListTopics(lctx)
		cancel()
		if err == nil {
			var add []string
			for _, n := range topics.Names() {
				if !known[n] && r.re.MatchString(n) {
					known[n] = true
					add = append(add, n)
				}
			}
			if len(add) > 0 {
				r.logf("adding topics %v", add)
				r.cl.AddConsumeTopics(add...)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// endOffsets says, for the suffixes' topics, whether each exists and its
// end offset (a diagnosis when a reader has fewer records than wanted:
// were they not written, or not read?).
func (r *topicReader) endOffsets(suffixes []string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var names []string
	for _, s := range suffixes {
		names = append(names, r.prefix+s)
	}
	ends, err := kadm.NewClient(r.cl).ListEndOffsets(ctx, names...)
	if err != nil {
		return fmt.Sprintf("end offsets of %v: %v", names, err)
	}
	var out []string
	for _, n := range names {
		var sum int64
		var errs []string
		found := false
		ends.Each(func(o kadm.ListedOffset) {
			if o.Topic != n {
				return
			}
			found = true
			if o.Err != nil {
				errs = append(errs, o.Err.Error())
			}
			sum += o.Offset
		})
		switch {
		case !found:
			out = append(out, n+": no such topic")
		case len(errs) > 0:
			out = append(out, fmt.Sprintf("%s: %v", n, errs))
		default:
			out = append(out, fmt.Sprintf("%s: end offset %d", n, sum))
		}
	}
	return strings.Join(out, ", ")
}

func (r *topicReader) all() []rec {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]rec(nil), r.recs...)
}

// count counts the records whose topic is prefix+suffix.
func (r *topicReader) count(suffix string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, x := range r.recs {
		if x.Topic == r.prefix+suffix {
			n++
		}
	}
	return n
}

// deleteTopics removes the prefix's topics from the shared Kafka.
func (r *topicReader) deleteTopics(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	adm := kadm.NewClient(r.cl)
	topics, err := adm.ListTopics(ctx)
	if err != nil {
		t.Logf("list topics: %v", err)
		return
	}
	var del []string
	for _, n := range topics.Names() {
		// hist_<prefix>: Debezium's MariaDB schema history (mariadb_test.go).
		if r.re.MatchString(n) || n == "hist_"+r.prefix {
			del = append(del, n)
		}
	}
	if len(del) > 0 {
		if _, err := adm.DeleteTopics(ctx, del...); err != nil {
			t.Logf("delete topics %v: %v", del, err)
		}
	}
}

// pair is the same connector on both sides.
type pair struct {
	name     string
	dbz, slc *topicReader
	schemas  bool
}

// waitCounts waits until both sides of every pair have at least want[suffix]
// records on each topic prefix+suffix. It stops early when a connector has
// FAILED, and on a timeout or failure it reports what is missing with the
// connectors' states and goes on, so what did arrive is still compared.
func waitCounts(t *testing.T, ps []pair, want map[string]int, timeout time.Duration, dbz, slc restClient) {
	t.Helper()
	failed := map[string]bool{} // connector@side that FAILED: no use waiting for it
	short := func(p pair, side string, r *topicReader) bool {
		for suffix, n := range want {
			if r.count(suffix) < n && !failed[p.name+"@"+side] {
				return true
			}
		}
		return false
	}
	deadline := time.Now().Add(timeout)
	for i := 0; ; i++ {
		done := true
		for _, p := range ps {
			if short(p, "debezium", p.dbz) || short(p, "sluice", p.slc) {
				done = false
			}
		}
		if done || time.Now().After(deadline) {
			break
		}
		if i%10 == 0 {
			for _, p := range ps {
				for _, c := range []restClient{dbz, slc} {
					if st, _ := c.state(p.name); st == "FAILED" {
						failed[p.name+"@"+c.what] = true
					}
				}
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, p := range ps {
		var missing []string
		for suffix, n := range want {
			if d, s := p.dbz.count(suffix), p.slc.count(suffix); d < n || s < n {
				missing = append(missing, fmt.Sprintf("%s: %d Debezium and %d sluice records, want %d each (on Kafka: %s; %s)",
					suffix, d, s, n, p.dbz.endOffsets([]string{suffix}), p.slc.endOffsets([]string{suffix})))
			}
		}
		if len(missing) == 0 {
			continue
		}
		sort.Strings(missing)
		ds, dt := dbz.state(p.name)
		ss, st := slc.state(p.name)
		t.Errorf("%s: %s (Debezium task %s %s; sluice task %s %s)\nDebezium side's reader:\n%s\nsluice side's reader:\n%s",
			p.name, strings.Join(missing, "; "), ds, clip(dt, 2000), ss, clip(st, 2000), p.dbz.logTail(40), p.slc.logTail(40))
	}
}

// settle waits until no side got a record for quiet (at most limit).
func settle(ps []pair, quiet, limit time.Duration) {
	total := func() int {
		n := 0
		for _, p := range ps {
			n += len(p.dbz.all()) + len(p.slc.all())
		}
		return n
	}
	last, since, start := total(), time.Now(), time.Now()
	for time.Since(since) < quiet && time.Since(start) < limit {
		time.Sleep(100 * time.Millisecond)
		if n := total(); n != last {
			last, since = n, time.Now()
		}
	}
}

// report compares each pair and fails the test with every difference; with
// -diffs-dir it also writes them, a summary, and both sides' records to files
// named after file.
func report(t *testing.T, file string, ps []pair) {
	t.Helper()
	var all strings.Builder
	total := 0
	for _, p := range ps {
		diffs := compareSides(side{p.dbz.prefix, p.dbz.all()}, side{p.slc.prefix, p.slc.all()}, p.schemas)
		total += len(diffs)
		mode := "JSON without schemas"
		if p.schemas {
			mode = "JSON with schemas"
		}
		fmt.Fprintf(&all, "=== %s (%s): %d Debezium records, %d sluice records, %d differences\n",
			p.name, mode, len(p.dbz.all()), len(p.slc.all()), len(diffs))
		if len(diffs) > 0 {
			fmt.Fprintf(&all, "--- summary (count, topic and path, one example)\n")
			for _, s := range summarize(diffs) {
				fmt.Fprintln(&all, s)
			}
			fmt.Fprintf(&all, "--- every difference\n")
			for _, d := range diffs {
				fmt.Fprintln(&all, d)
			}
		}
		if *diffsDir != "" {
			writeRecords(t, filepath.Join(*diffsDir, file+"-"+p.name+"-debezium.txt"), p.dbz)
			writeRecords(t, filepath.Join(*diffsDir, file+"-"+p.name+"-sluice.txt"), p.slc)
		}
	}
	if *diffsDir != "" {
		if err := os.MkdirAll(*diffsDir, 0o755); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(*diffsDir, "diffs-"+file+".txt")
		if err := os.WriteFile(path, []byte(all.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("differences written to %s", path)
	}
	if total > 0 {
		t.Errorf("sluice's records differ from Debezium's in %d places:\n%s", total, all.String())
	} else {
		t.Logf("%s", all.String())
	}
}

// writeRecords writes one side's records, topic by topic in offset order.
func writeRecords(t *testing.T, path string, r *topicReader) {
	t.Helper()
	recs := r.all()
	sort.SliceStable(recs, func(i, j int) bool {
		if recs[i].Topic != recs[j].Topic {
			return recs[i].Topic < recs[j].Topic
		}
		return recs[i].Offset < recs[j].Offset
	})
	var b strings.Builder
	for _, x := range recs {
		fmt.Fprintf(&b, "%s@%d key=%s\n  value=%s\n", x.Topic, x.Offset, nullText(x.Key, ""), nullText(x.Value, ""))
		for _, h := range x.Headers {
			fmt.Fprintf(&b, "  header %s=%s\n", h.Key, h.Value)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// createBoth registers the connector on the Kafka Connect worker and on sluice
// with the same config except topic.prefix (and slot, publication or server
// id, which two readers of one database cannot share). A key sluice refuses
// is a difference in itself: it is reported, and sluice is given the config
// without the keys in debeziumOnly so the records can still be compared.
func createBoth(t *testing.T, dbz, slc restClient, name string, cfg map[string]string, dbzOwn, slcOwn map[string]string, debeziumOnly []string) {
	t.Helper()
	dc := map[string]string{}
	sc := map[string]string{}
	for k, v := range cfg {
		dc[k], sc[k] = v, v
	}
	for k, v := range dbzOwn {
		dc[k] = v
	}
	for k, v := range slcOwn {
		sc[k] = v
	}
	dbz.create(t, name, dc)
	t.Cleanup(func() { dbz.remove(t, name) })
	code, body, err := slc.do("POST", "/connectors", map[string]any{"name": name, "config": sc})
	if err == nil && code == 400 && len(debeziumOnly) > 0 {
		t.Errorf("sluice refuses the config Debezium runs (%s): %s; retrying without %v", name, body, debeziumOnly)
		for _, k := range debeziumOnly {
			delete(sc, k)
		}
		code, body, err = slc.do("POST", "/connectors", map[string]any{"name": name, "config": sc})
	}
	if err != nil || code != 201 {
		t.Fatalf("sluice: create connector %s: %d %s %v", name, code, body, err)
	}
	t.Cleanup(func() { slc.remove(t, name) })
}
