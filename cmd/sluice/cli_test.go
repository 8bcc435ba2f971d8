package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/avro"
	"github.com/twmb/franz-go/pkg/kgo"
)

// cliRun runs the client with args and returns the exit code and outputs.
func cliRun(t *testing.T, terminal bool, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	clock := time.Unix(1000, 0)
	code := runCLI(args, cliEnv{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, terminal: terminal,
		now: func() time.Time { return clock }, sleep: func(d time.Duration) { clock = clock.Add(d) }})
	return code, out.String(), errb.String()
}

// request is what the fake daemon received.
type request struct {
	Method, Path, Query, Auth string
	Body                      string
}

// fakeDaemon answers the REST paths in routes ("METHOD /path" to status and
// body) and records the requests.
type fakeDaemon struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []request
}

func newFakeDaemon(t *testing.T, routes map[string]func() (int, string)) *fakeDaemon {
	t.Helper()
	f := &fakeDaemon{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, request{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Get("Authorization"), string(b)})
		f.mu.Unlock()
		h, ok := routes[r.Method+" "+r.URL.EscapedPath()]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"error_code":404,"message":"Unknown path %s"}`, r.URL.Path)
			return
		}
		code, body := h()
		w.WriteHeader(code)
		io.WriteString(w, body)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeDaemon) requests() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reqs)
}

func answer(code int, body string) func() (int, string) {
	return func() (int, string) { return code, body }
}

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCLIExitCodes: each class of failure ends with its documented code.
func TestCLIExitCodes(t *testing.T) {
	d := newFakeDaemon(t, map[string]func() (int, string){
		"GET /connectors/pg1":        answer(200, `{"name":"pg1","config":{"connector.class":"postgres"},"tasks":[{"connector":"pg1","task":0}],"type":"source"}`),
		"GET /connectors/gone":       answer(404, `{"error_code":404,"message":"Connector gone not found"}`),
		"PUT /connectors/pg1/pause":  answer(500, `oops, not json`),
		"GET /connectors/ok/status":  answer(200, `{"name":"ok","connector":{"state":"RUNNING","worker_id":"w:8083"},"tasks":[{"id":0,"state":"RUNNING","worker_id":"w:8083"}],"type":"source"}`),
		"GET /connectors/bad/status": answer(200, `{"name":"bad","connector":{"state":"RUNNING","worker_id":"w:8083"},"tasks":[{"id":0,"state":"FAILED","worker_id":"w:8083","trace":"boom: password authentication failed\nat x"}],"type":"source"}`),
	})
	// A port nothing listens on.
	l := httptest.NewServer(http.NotFoundHandler())
	deadURL := l.URL
	l.Close()

	for _, c := range []struct {
		args     []string
		code     int
		inStdout string
		inStderr string
	}{
		{[]string{"connectors", "get", "pg1", "--url", d.URL}, exitOK, "connector.class = postgres", ""},
		{[]string{"connectors", "get", "gone", "--url", d.URL}, exitAPI, "", "Connector gone not found (HTTP 404)"},
		{[]string{"connectors", "pause", "pg1", "--url", d.URL}, exitAPI, "", "oops, not json (HTTP 500)"},
		{[]string{"connectors", "status", "ok", "--url", d.URL}, exitOK, "Task 0: RUNNING", ""},
		{[]string{"connectors", "status", "bad", "--url", d.URL}, exitFailed, "password authentication failed", "task 0 is FAILED"},
		{[]string{"connectors", "list", "--url", deadURL}, exitUnreachable, "", "cannot reach the sluice daemon"},
		{[]string{"status", "--url", deadURL}, exitUnreachable, "", "cannot reach"},
		{[]string{"connectors", "get", "--url", d.URL}, exitUsage, "", "wants one connector name"},
		{[]string{"connectors", "get", "a", "b", "--url", d.URL}, exitUsage, "", "wants one connector name"},
		{[]string{"connectors", "frobnicate", "--url", d.URL}, exitUsage, "", "Run 'sluice connectors --help'"},
		{[]string{"nosuchcommand"}, exitUsage, "", "unknown command"},
		{[]string{"connectors", "list", "--no-such-flag"}, exitUsage, "", "unknown flag"},
		{[]string{"connectors", "list", "--url", "localhost:8083"}, exitUsage, "", "--url"},
		{[]string{"connectors", "list", "--url", d.URL, "-o", "yaml"}, exitUsage, "", "use text or json"},
		{[]string{"connectors", "list", "--url", d.URL, "--user", "nocolon"}, exitUsage, "", "name:password"},
		{[]string{"connectors", "create", "--url", d.URL}, exitUsage, "", `"file" not set`},
		{[]string{"connectors", "create", "-f", "/nonexistent/x.json", "--url", d.URL}, exitUsage, "", "no such file"},
		{[]string{"tail"}, exitUsage, "", "at least one topic"},
		{[]string{"connectors", "--help"}, exitOK, "Exit codes:", ""},
	} {
		code, out, errs := cliRun(t, false, c.args...)
		if code != c.code {
			t.Errorf("%v: exit %d, want %d\nstdout: %s\nstderr: %s", c.args, code, c.code, out, errs)
		}
		if !strings.Contains(out, c.inStdout) {
			t.Errorf("%v: stdout %q lacks %q", c.args, out, c.inStdout)
		}
		if !strings.Contains(errs, c.inStderr) {
			t.Errorf("%v: stderr %q lacks %q", c.args, errs, c.inStderr)
		}
	}
}

// TestRunDispatch: run sends serve to its own flag parsing, answers
// version, and shows the help (exit 2) without arguments.
func TestRunDispatch(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(nil, &out, &errb); code != exitUsage || !strings.Contains(errb.String(), "sluice connectors") && !strings.Contains(errb.String(), "connectors") {
		t.Errorf("no args: exit %d, stderr %q", code, errb.String())
	}
	out.Reset()
	if code := run([]string{"version"}, &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "sluice "+Version) {
		t.Errorf("version: exit %d, %q", code, out.String())
	}
	errb.Reset()
	// serve's standard-library flags: -h is help (exit 0) and lists -listen.
	if code := run([]string{"serve", "-h"}, &out, &errb); code != 0 || !strings.Contains(errb.String(), "-listen") {
		t.Errorf("serve -h: exit %d, stderr %q", code, errb.String())
	}
	errb.Reset()
	if code := run([]string{"serve", "--log-format", "xml"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "log format") {
		t.Errorf("serve --log-format xml: exit %d, stderr %q", code, errb.String())
	}
}

// TestCLIAuth: --user sends HTTP Basic, --token (and SLUICE_TOKEN) Bearer.
func TestCLIAuth(t *testing.T) {
	d := newFakeDaemon(t, map[string]func() (int, string){
		"GET /connectors": answer(200, `{}`),
	})
	if code, _, e := cliRun(t, false, "connectors", "list", "--url", d.URL, "--user", "admin:s3cr:et"); code != 0 {
		t.Fatalf("exit %d: %s", code, e)
	}
	if code, _, e := cliRun(t, false, "connectors", "list", "--url", d.URL, "--token", "tok123"); code != 0 {
		t.Fatalf("exit %d: %s", code, e)
	}
	t.Setenv("SLUICE_TOKEN", "fromenv")
	t.Setenv("SLUICE_URL", d.URL)
	if code, _, e := cliRun(t, false, "connectors", "list"); code != 0 {
		t.Fatalf("exit %d: %s", code, e)
	}
	reqs := d.requests()
	want := []string{"Basic YWRtaW46czNjcjpldA==", "Bearer tok123", "Bearer fromenv"}
	if len(reqs) != 3 {
		t.Fatalf("requests %+v", reqs)
	}
	for i, w := range want {
		if reqs[i].Auth != w {
			t.Errorf("request %d: Authorization %q, want %q", i, reqs[i].Auth, w)
		}
	}
}

// TestCLICreateUpdateFiles: create and update take Kafka Connect's file
// shape or a bare config map and send the API's bodies.
func TestCLICreateUpdateFiles(t *testing.T) {
	d := newFakeDaemon(t, map[string]func() (int, string){
		"POST /connectors":              answer(201, `{"name":"pg1","config":{},"tasks":[],"type":"source"}`),
		"PUT /connectors/pg1/config":    answer(200, `{"name":"pg1","config":{},"tasks":[],"type":"source"}`),
		"PUT /connectors/new/config":    answer(201, `{"name":"new","config":{},"tasks":[],"type":"source"}`),
		"PATCH /connectors/pg1/config":  answer(200, `{"name":"pg1","config":{},"tasks":[],"type":"source"}`),
		"PATCH /connectors/nope/config": answer(404, `{"error_code":404,"message":"Connector nope not found"}`),
	})
	keys := writeTemp(t, "keys.json", `{"snapshot.mode":"never","database.port":5433,"table.exclude.list":null}`)
	whole := writeTemp(t, "whole.json", `{"name":"pg1","config":{"connector.class":"postgres","database.port":5432,"tombstones.on.delete":false}}`)
	bare := writeTemp(t, "bare.json", `{"connector.class":"postgres","topic.prefix":"app"}`)
	for _, c := range []struct {
		args []string
		code int
		out  string
		body string // the request body, as JSON, "" for no request
	}{
		{[]string{"create", "-f", whole}, 0, "Created connector pg1", `{"name":"pg1","config":{"connector.class":"postgres","database.port":"5432","tombstones.on.delete":"false"}}`},
		{[]string{"create", "-f", bare, "--name", "pg1"}, 0, "Created connector pg1", `{"name":"pg1","config":{"connector.class":"postgres","topic.prefix":"app"}}`},
		{[]string{"create", "-f", whole, "--initial-state", "paused"}, 0, "Created", `{"name":"pg1","initial_state":"PAUSED","config":{"connector.class":"postgres","database.port":"5432","tombstones.on.delete":"false"}}`},
		{[]string{"create", "-f", bare}, exitUsage, "", ""},
		{[]string{"update", "pg1", "-f", whole}, 0, "Updated connector pg1", `{"connector.class":"postgres","database.port":"5432","tombstones.on.delete":"false"}`},
		{[]string{"update", "pg1", "-f", bare}, 0, "Updated connector pg1", `{"connector.class":"postgres","topic.prefix":"app"}`},
		{[]string{"update", "new", "-f", bare}, 0, "Created connector new", `{"connector.class":"postgres","topic.prefix":"app"}`},
		{[]string{"update", "other", "-f", whole}, exitUsage, "", ""},
		{[]string{"patch", "pg1", "--set", "snapshot.mode=never", "--set", "a=b=c", "--unset", "table.exclude.list"}, 0, "Patched connector pg1",
			`{"snapshot.mode":"never","a":"b=c","table.exclude.list":null}`},
		{[]string{"patch", "pg1", "-f", keys, "--set", "snapshot.mode=initial"}, 0, "Patched connector pg1",
			`{"snapshot.mode":"initial","database.port":"5433","table.exclude.list":null}`},
		{[]string{"patch", "nope", "--set", "a=b"}, exitAPI, "", `{"a":"b"}`},
		{[]string{"patch", "pg1"}, exitUsage, "", ""},
		{[]string{"patch", "pg1", "--set", "novalue"}, exitUsage, "", ""},
		{[]string{"patch", "pg1", "--set", "a=1", "--unset", "a"}, exitUsage, "", ""},
		{[]string{"patch", "pg1", "-f", whole + ".missing"}, exitUsage, "", ""},
	} {
		before := len(d.requests())
		code, out, errs := cliRun(t, false, append([]string{"connectors", "--url", d.URL}, c.args...)...)
		if code != c.code || !strings.Contains(out, c.out) {
			t.Errorf("%v: exit %d (want %d), stdout %q (want %q), stderr %q", c.args, code, c.code, out, c.out, errs)
		}
		reqs := d.requests()[before:]
		if c.body == "" {
			if len(reqs) != 0 {
				t.Errorf("%v: sent %+v, want nothing", c.args, reqs)
			}
			continue
		}
		if len(reqs) != 1 || !sameJSONText(reqs[0].Body, c.body) {
			t.Errorf("%v: sent %+v, want body %s", c.args, reqs, c.body)
		}
	}
}

func sameJSONText(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

// TestCLIValidate: validate prints each key's errors and exits 1 when there
// are any, 0 when there are none.
func TestCLIValidate(t *testing.T) {
	bad := `{"name":"io.debezium.connector.postgresql.PostgresConnector","error_count":2,"groups":[],"configs":[
	 {"definition":null,"value":{"name":"name","value":"x","recommended_values":[],"errors":[],"visible":true}},
	 {"definition":null,"value":{"name":"topic.prefix","value":null,"recommended_values":[],"errors":["A value is required"],"visible":true}},
	 {"definition":null,"value":{"name":"snapshot.mod","value":null,"recommended_values":[],"errors":["Unknown key; did you mean snapshot.mode?"],"visible":true}}]}`
	good := `{"name":"postgres","error_count":0,"groups":[],"configs":[]}`
	d := newFakeDaemon(t, map[string]func() (int, string){
		"PUT /connector-plugins/io.debezium.connector.postgresql.PostgresConnector/config/validate": answer(200, bad),
		"PUT /connector-plugins/postgres/config/validate":                                           answer(200, good),
	})
	f := writeTemp(t, "c.json", `{"name":"x","config":{"connector.class":"io.debezium.connector.postgresql.PostgresConnector","snapshot.mod":"never"}}`)
	code, out, errs := cliRun(t, false, "connectors", "validate", "-f", f, "--url", d.URL)
	if code != exitAPI {
		t.Errorf("exit %d, want 1; stderr %q", code, errs)
	}
	for _, want := range []string{"2 error(s)", "topic.prefix: A value is required", "snapshot.mod: Unknown key; did you mean snapshot.mode?"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout %q lacks %q", out, want)
		}
	}
	reqs := d.requests()
	if len(reqs) != 1 || !sameJSONText(reqs[0].Body, `{"name":"x","connector.class":"io.debezium.connector.postgresql.PostgresConnector","snapshot.mod":"never"}`) {
		t.Errorf("sent %+v", reqs)
	}
	f2 := writeTemp(t, "ok.json", `{"connector.class":"postgres","name":"y"}`)
	if code, out, errs := cliRun(t, false, "connectors", "validate", "-f", f2, "--url", d.URL); code != 0 || !strings.Contains(out, "valid") {
		t.Errorf("valid config: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	f3 := writeTemp(t, "noclass.json", `{"name":"y"}`)
	if code, _, errs := cliRun(t, false, "connectors", "validate", "-f", f3, "--url", d.URL); code != exitUsage || !strings.Contains(errs, "connector.class") {
		t.Errorf("no class: exit %d, stderr %q", code, errs)
	}
}

// TestCLIRestartOffsets: restart's flags become Kafka Connect's query
// parameters; offsets --reset and --set send DELETE and PATCH.
func TestCLIRestartOffsets(t *testing.T) {
	d := newFakeDaemon(t, map[string]func() (int, string){
		"POST /connectors/a%2Fb/restart":   answer(204, ``),
		"GET /connectors/a%2Fb/offsets":    answer(200, `{"offsets":[{"partition":{"server":"app"},"offset":{"lsn":123}}]}`),
		"DELETE /connectors/a%2Fb/offsets": answer(200, `{"message":"The offsets for this connector have been reset successfully"}`),
		"PATCH /connectors/a%2Fb/offsets":  answer(200, `{"message":"The offsets for this connector have been altered successfully"}`),
	})
	if code, out, e := cliRun(t, false, "connectors", "restart", "a/b", "--include-tasks", "--only-failed", "--url", d.URL); code != 0 || !strings.Contains(out, "Restarted connector a/b") {
		t.Fatalf("restart: exit %d %q %q", code, out, e)
	}
	if code, out, e := cliRun(t, false, "connectors", "offsets", "a/b", "--url", d.URL); code != 0 || !strings.Contains(out, `"lsn": 123`) {
		t.Fatalf("offsets: exit %d %q %q", code, out, e)
	}
	if code, out, e := cliRun(t, false, "connectors", "offsets", "a/b", "--reset", "--url", d.URL); code != 0 || !strings.Contains(out, "reset successfully") {
		t.Fatalf("offsets --reset: exit %d %q %q", code, out, e)
	}
	set := writeTemp(t, "o.json", `{"offsets":[{"partition":{"server":"app"},"offset":{"lsn":1}}]}`)
	if code, out, e := cliRun(t, false, "connectors", "offsets", "a/b", "--set", set, "--url", d.URL); code != 0 || !strings.Contains(out, "altered successfully") {
		t.Fatalf("offsets --set: exit %d %q %q", code, out, e)
	}
	reqs := d.requests()
	if reqs[0].Query != "includeTasks=true&onlyFailed=true" {
		t.Errorf("restart query %q", reqs[0].Query)
	}
	if reqs[3].Method != "PATCH" || !sameJSONText(reqs[3].Body, `{"offsets":[{"partition":{"server":"app"},"offset":{"lsn":1}}]}`) {
		t.Errorf("PATCH %+v", reqs[3])
	}
}

const statusAll = `{
 "pg1":{"status":{"name":"pg1","connector":{"state":"RUNNING","worker_id":"w"},"tasks":[{"id":0,"state":"RUNNING","worker_id":"w",
   "snapshot":{"state":"running","duration_seconds":4.2,"total_tables":3,"remaining_tables":2,"rows_scanned":21000,"rows_estimated":55000,
   "tables":[{"table":"public.orders","state":"done","rows_scanned":20000,"rows_estimated":20000}]}}],"type":"source",
   "warnings":["slot lag 2 GiB above sluice.slot.lag.warn.bytes"]}},
 "my1":{"status":{"name":"my1","connector":{"state":"RUNNING","worker_id":"w"},"tasks":[{"id":0,"state":"FAILED","worker_id":"w","trace":"access denied:\n\tfor user x\n\tat com.example.Foo(Foo.java:1)"}],"type":"source"}}}`

// metricsAt returns the metrics text with the records counter at n.
func metricsAt(n int) string {
	return fmt.Sprintf(`# HELP sluice_records_total Records committed.
# TYPE sluice_records_total counter
sluice_records_total{connector="pg1"} %d
# HELP sluice_streaming_milliseconds_behind_source x
# TYPE sluice_streaming_milliseconds_behind_source gauge
sluice_streaming_milliseconds_behind_source{connector="pg1"} 1500
# HELP sluice_source_lag_bytes x
# TYPE sluice_source_lag_bytes gauge
sluice_source_lag_bytes{connector="pg1"} 2048
# HELP sluice_slot_retained_wal_bytes x
# TYPE sluice_slot_retained_wal_bytes gauge
sluice_slot_retained_wal_bytes{connector="pg1",slot="s1"} 3145728
# HELP go_goroutines x
# TYPE go_goroutines gauge
go_goroutines 12
`, n)
}

// TestCLIStatusAll: sluice status joins the status bodies and the metrics:
// throughput from two scrapes, lag, a progress bar on a terminal and a text
// line otherwise, and exit 4 for the FAILED task.
func TestCLIStatusAll(t *testing.T) {
	var mu sync.Mutex
	scrapes := 0
	d := newFakeDaemon(t, map[string]func() (int, string){
		"GET /connectors": answer(200, statusAll),
		"GET /metrics": func() (int, string) {
			mu.Lock()
			defer mu.Unlock()
			scrapes++
			return 200, metricsAt(1000 * scrapes)
		},
	})
	code, out, errs := cliRun(t, false, "status", "--url", d.URL, "--interval", "2s", "-o", "json")
	if code != exitFailed || !strings.Contains(errs, "FAILED: my1") {
		t.Fatalf("exit %d, stderr %q, want 4 and my1 named", code, errs)
	}
	var rows []connectorRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	if len(rows) != 2 || rows[1].Name != "pg1" || rows[1].Metrics == nil {
		t.Fatalf("rows %s", out)
	}
	m := rows[1].Metrics
	// 1000 records between two scrapes 2 s apart.
	if m.RecordsPerSecond == nil || *m.RecordsPerSecond != 500 || *m.RecordsTotal != 2000 {
		t.Errorf("metrics %+v", m)
	}
	if *m.MsBehindSource != 1500 || *m.SourceLagBytes != 2048 || *m.SlotRetainedWALBytes != 3145728 {
		t.Errorf("metrics %+v", m)
	}
	if rows[1].Snapshot == nil || rows[1].Snapshot.RowsScanned != 21000 || len(rows[1].Warnings) != 1 {
		t.Errorf("pg1 row %+v", rows[1])
	}
	if rows[0].Metrics != nil {
		t.Errorf("my1 has no series but got metrics %+v", rows[0].Metrics)
	}

	// Text, not a terminal: a line per snapshot, the failure and the warning.
	code, out, _ = cliRun(t, false, "status", "--url", d.URL, "--interval", "0")
	if code != exitFailed {
		t.Errorf("text: exit %d", code)
	}
	for _, want := range []string{"NAME", "pg1", "1.5s", "2.0 KiB", "3.0 MiB", "pg1 snapshot: running, 1/3 tables done, 21000 rows of about 55000 (38%)",
		"my1 task 0 FAILED: access denied", "pg1 warning: slot lag 2 GiB"} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "access denied:\n    for user x\n") || strings.Contains(out, "com.example") {
		t.Errorf("text output does not show the trace's reason without its stack frames:\n%s", out)
	}
	// A terminal: a progress bar.
	_, out, _ = cliRun(t, true, "status", "--url", d.URL, "--interval", "0")
	if !strings.Contains(out, "pg1 snapshot") || !strings.Contains(out, "38%") || !strings.Contains(out, "[") || !strings.Contains(out, "21000/55000") {
		t.Errorf("terminal output has no progress bar:\n%s", out)
	}
}

// TestCLIStatusNoMetrics: a daemon without /metrics still gets a status.
func TestCLIStatusNoMetrics(t *testing.T) {
	d := newFakeDaemon(t, map[string]func() (int, string){
		"GET /connectors": answer(200, `{"a":{"status":{"name":"a","connector":{"state":"PAUSED","worker_id":"w"},"tasks":[{"id":0,"state":"PAUSED","worker_id":"w"}],"type":"source"}}}`),
	})
	code, out, errs := cliRun(t, false, "status", "--url", d.URL)
	if code != 0 || !strings.Contains(out, "PAUSED") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestThroughput(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	t0 := time.Unix(100, 0)
	prev := &scrape{at: t0, by: map[string]*connectorMetrics{"a": {RecordsTotal: f(100)}, "b": {RecordsTotal: f(500)}}}
	cur := &scrape{at: t0.Add(2 * time.Second), by: map[string]*connectorMetrics{"a": {RecordsTotal: f(300)}, "b": {RecordsTotal: f(10)}, "c": {RecordsTotal: f(5)}}}
	throughput(prev, cur)
	if r := cur.by["a"].RecordsPerSecond; r == nil || *r != 100 {
		t.Errorf("a: %v, want 100/s", r)
	}
	if r := cur.by["b"].RecordsPerSecond; r != nil {
		t.Errorf("b (counter reset): %v, want none", *r)
	}
	if r := cur.by["c"].RecordsPerSecond; r != nil {
		t.Errorf("c (new): %v, want none", *r)
	}
}

func TestLongFlags(t *testing.T) {
	got := longFlags([]string{"-max", "5", "-idle=3s", "--topic", "-h", "t1", "--", "-x"})
	want := []string{"--max", "5", "--idle=3s", "--topic", "-h", "t1", "--", "-x"}
	if !slices.Equal(got, want) {
		t.Errorf("%q, want %q", got, want)
	}
}

// TestPrintRecord: the text, json and pretty formats, with Avro decoded
// through a registry.
func TestPrintRecord(t *testing.T) {
	schemaText := `{"type":"record","name":"Value","fields":[{"name":"id","type":"int"},{"name":"name","type":["null","string"]}]}`
	s, err := avro.Parse(schemaText)
	if err != nil {
		t.Fatal(err)
	}
	datum, err := s.Encode(map[string]any{"id": 7, "name": "ann"})
	if err != nil {
		t.Fatal(err)
	}
	wire := append([]byte{0, 0, 0, 0, 42}, datum...)
	var hits int
	reg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		if r.URL.Path != "/schemas/ids/42" {
			w.WriteHeader(404)
			io.WriteString(w, `{"error_code":40403,"message":"Schema not found"}`)
			return
		}
		b, _ := json.Marshal(map[string]string{"schema": schemaText})
		w.Write(b)
	}))
	defer reg.Close()
	ts := time.UnixMilli(1700000000123)
	rec := func(key, val []byte) *kgo.Record {
		return &kgo.Record{Topic: "app.public.t", Partition: 1, Offset: 9, Timestamp: ts, Key: key, Value: val,
			Headers: []kgo.RecordHeader{{Key: "sluice.schema.version", Value: []byte("1")}}}
	}
	dec := newAvroDecoder(reg.URL)
	for _, c := range []struct {
		format string
		dec    *avroDecoder
		r      *kgo.Record
		want   string
	}{
		{"text", nil, rec([]byte(`{"id":1}`), []byte(`{"op":"r"}`)), "{\"id\":1}\t{\"op\":\"r\"}\n"},
		{"text", nil, rec([]byte(`{"id":1}`), nil), "{\"id\":1}\tnull\n"},
		{"json", nil, rec([]byte(`{"id":1}`), []byte(`{"op":"r"}`)),
			`{"topic":"app.public.t","partition":1,"offset":9,"timestamp":1700000000123,"headers":{"sluice.schema.version":"1"},"key":{"id":1},"value":{"op":"r"}}` + "\n"},
		{"json", nil, rec([]byte("plain key"), nil),
			`{"topic":"app.public.t","partition":1,"offset":9,"timestamp":1700000000123,"headers":{"sluice.schema.version":"1"},"key":"plain key","value":null}` + "\n"},
		{"json", dec, rec([]byte(`k`), wire),
			`{"topic":"app.public.t","partition":1,"offset":9,"timestamp":1700000000123,"headers":{"sluice.schema.version":"1"},"key":"k","value":{"id":7,"name":"ann"}}` + "\n"},
		{"pretty", nil, rec(nil, []byte(`{"op":"d"}`)), "{\n  \"topic\": \"app.public.t\",\n  \"partition\": 1,\n  \"offset\": 9,\n  \"timestamp\": 1700000000123,\n  \"headers\": {\n    \"sluice.schema.version\": \"1\"\n  },\n  \"key\": null,\n  \"value\": {\n    \"op\": \"d\"\n  }\n}\n"},
	} {
		var b bytes.Buffer
		if err := printRecord(&b, &tailOpts{format: c.format}, c.dec, c.r); err != nil {
			t.Errorf("%s: %v", c.format, err)
			continue
		}
		if b.String() != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.format, b.String(), c.want)
		}
	}
	if hits != 1 {
		t.Errorf("registry asked %d times, want once", hits)
	}
	// An unknown schema id is an API error (exit 1) naming the record.
	unknown := append([]byte{0, 0, 0, 0, 43}, datum...)
	err = printRecord(io.Discard, &tailOpts{format: "json"}, dec, rec(nil, unknown))
	if err == nil || exitCode(err) != exitAPI || !strings.Contains(err.Error(), "app.public.t/1@9") || !strings.Contains(err.Error(), "Schema not found") {
		t.Errorf("unknown schema: %v (exit %d)", err, exitCode(err))
	}
}

// TestCLIHTTPS: a daemon on HTTPS with a certificate no system CA signed is
// refused (exit 3), and reached with --cacert or --insecure.
func TestCLIHTTPS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{}`)
	}))
	defer srv.Close()
	ca := writeTemp(t, "ca.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})))
	if code, _, errs := cliRun(t, false, "connectors", "list", "--url", srv.URL); code != exitUnreachable || !strings.Contains(errs, "certificate") {
		t.Errorf("unknown CA: exit %d, stderr %q", code, errs)
	}
	if code, _, errs := cliRun(t, false, "connectors", "list", "--url", srv.URL, "--cacert", ca); code != 0 {
		t.Errorf("--cacert: exit %d, stderr %q", code, errs)
	}
	if code, _, errs := cliRun(t, false, "connectors", "list", "--url", srv.URL, "--insecure"); code != 0 {
		t.Errorf("--insecure: exit %d, stderr %q", code, errs)
	}
	notPEM := writeTemp(t, "x.pem", "nothing")
	if code, _, errs := cliRun(t, false, "connectors", "list", "--url", srv.URL, "--cacert", notPEM); code != exitUsage {
		t.Errorf("--cacert without PEM: exit %d, stderr %q", code, errs)
	}
}

// TestCLIStatusWatch: --watch redraws every --interval with the rate of
// the last interval, until its context ends.
func TestCLIStatusWatch(t *testing.T) {
	var mu sync.Mutex
	scrapes := 0
	d := newFakeDaemon(t, map[string]func() (int, string){
		"GET /connectors": answer(200, `{"pg1":{"status":{"name":"pg1","connector":{"state":"RUNNING","worker_id":"w"},"tasks":[{"id":0,"state":"RUNNING","worker_id":"w"}],"type":"source"}}}`),
		"GET /metrics": func() (int, string) {
			mu.Lock()
			defer mu.Unlock()
			scrapes++
			return 200, metricsAt(100 * scrapes)
		},
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sleeps := 0
	clock := time.Unix(1000, 0)
	var out, errb bytes.Buffer
	root := newRootCmd(cliEnv{stdout: &out, stderr: &errb, now: func() time.Time { return clock }, sleep: func(d time.Duration) {
		clock = clock.Add(d)
		sleeps++
		if sleeps == 3 {
			cancel()
		}
	}})
	root.SetArgs([]string{"status", "--watch", "--interval", "1s", "--url", d.URL})
	if err := root.ExecuteContext(ctx); err != nil {
		t.Fatalf("%v: %s", err, errb.String())
	}
	// Interrupted in the third interval: two tables drawn, from three
	// scrapes (one before the first interval, one after each complete one).
	if n := strings.Count(out.String(), "NAME"); n != 2 {
		t.Errorf("%d tables drawn, want 2:\n%s", n, out.String())
	}
	if scrapes != 3 {
		t.Errorf("%d scrapes, want 3", scrapes)
	}
	// Each table shows the last interval's 100 records in 1 s.
	if n := strings.Count(out.String(), " 100.0 "); n != 2 {
		t.Errorf("output:\n%s", out.String())
	}
	// -o json: a stream of arrays a decoder reads one by one.
	out.Reset()
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	sleeps = 0
	root = newRootCmd(cliEnv{stdout: &out, stderr: &errb, now: func() time.Time { return clock }, sleep: func(d time.Duration) {
		clock = clock.Add(d)
		sleeps++
		if sleeps == 3 {
			cancel()
		}
	}})
	root.SetArgs([]string{"status", "--watch", "-o", "json", "--url", d.URL})
	if err := root.ExecuteContext(ctx); err != nil {
		t.Fatalf("%v: %s", err, errb.String())
	}
	dec := json.NewDecoder(&out)
	for i := 0; i < 2; i++ {
		var rows []connectorRow
		if err := dec.Decode(&rows); err != nil || len(rows) != 1 || rows[0].Metrics == nil || *rows[0].Metrics.RecordsPerSecond != 100 {
			t.Fatalf("array %d: %v %+v", i, err, rows)
		}
	}
	if dec.More() {
		t.Errorf("more than two arrays")
	}
	if code, _, errs := cliRun(t, false, "status", "--watch", "--interval", "0", "--url", d.URL); code != exitUsage {
		t.Errorf("--watch --interval 0: exit %d, %s", code, errs)
	}
}
