//go:build integration

package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The command-line client (sluice connectors|status|tail) run as the built
// binary against a real daemon, Postgres and Kafka: what a script sees,
// output and exit code.

// cliResult is one run of the sluice binary.
type cliResult struct {
	code           int
	stdout, stderr string
}

// runSluice runs the sluice binary with args and returns its exit code and
// outputs. The environment carries no SLUICE_URL, so --url is what counts.
func runSluice(t *testing.T, args ...string) cliResult {
	t.Helper()
	cmd := exec.Command(binPath, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = append(os.Environ(), "SLUICE_URL=", "SLUICE_USER=", "SLUICE_TOKEN=")
	err := cmd.Run()
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("run sluice %v: %v", args, err)
		}
		code = ee.ExitCode()
	}
	return cliResult{code, out.String(), errb.String()}
}

// want fails the test unless the run exited with code and its stdout holds
// every string of in.
func (r cliResult) want(t *testing.T, what string, code int, in ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("%s: exit %d, want %d\nstdout: %s\nstderr: %s", what, r.code, code, r.stdout, r.stderr)
	}
	for _, s := range in {
		if !strings.Contains(r.stdout, s) {
			t.Fatalf("%s: stdout lacks %q\nstdout: %s\nstderr: %s", what, s, r.stdout, r.stderr)
		}
	}
}

// writeConnectorFile writes Kafka Connect's {"name", "config"} file.
func writeConnectorFile(t *testing.T, name string, cfg map[string]string) string {
	t.Helper()
	b, err := json.MarshalIndent(map[string]any{"name": name, "config": cfg}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), name+".json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// waitCLIState runs 'sluice connectors status NAME -o json' until the task
// is in state want.
func waitCLIState(t *testing.T, url, name, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := runSluice(t, "connectors", "status", name, "--url", url, "-o", "json")
		var s status
		if r.code == 0 && json.Unmarshal([]byte(r.stdout), &s) == nil {
			if st, _ := s.taskState(); st == want {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("connector %s: the CLI never showed the task %s; last: exit %d %s %s", name, want, r.code, r.stdout, r.stderr)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestCLIConnectorLifecycle drives a Postgres connector through its life
// with the CLI only: create from a file, list, get, tail the snapshot,
// status (with metrics), pause, resume, restart, offsets, validate, delete.
func TestCLIConnectorLifecycle(t *testing.T) {
	name := uniq("cli")
	table := "public." + name
	topic := name + "." + table
	conn := pgConn(t)
	mustExec(t, conn, "CREATE TABLE "+table+" (id int PRIMARY KEY, label text)")
	t.Cleanup(func() { mustExec(t, pgConn(t), "DROP TABLE IF EXISTS "+table) })
	mustExec(t, conn, "INSERT INTO "+table+" VALUES (1, 'one'), (2, 'two'), (3, 'three')")
	dropSlot(t, name)
	deleteTopicsAfter(t, topic)
	d := startDaemon(t, t.TempDir())
	url := d.URL
	file := writeConnectorFile(t, name, pgConfig(t, name, name, table))

	runSluice(t, "connectors", "create", "-f", file, "--url", url).want(t, "create", 0, "Created connector "+name)
	r := runSluice(t, "connectors", "create", "-f", file, "--url", url)
	r.want(t, "create again", 1)
	if !strings.Contains(r.stderr, "already exists") {
		t.Errorf("create again: stderr %q lacks the API's message", r.stderr)
	}
	runSluice(t, "connectors", "list", "--url", url).want(t, "list", 0, "NAME", name)
	runSluice(t, "connectors", "get", name, "--url", url).want(t, "get", 0, "Name:   "+name, "slot.name", "= "+name)

	// tail reads the snapshot as a read_committed consumer: one JSON object
	// per line with the Debezium envelope as the value.
	r = runSluice(t, "tail", topic, "--from-beginning", "--format", "json", "--max", "3", "--idle", "60s", "--kafka-brokers", strings.Join(brokers, ","))
	r.want(t, "tail", 0)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 3 {
		t.Fatalf("tail printed %d lines, want 3:\n%s", len(lines), r.stdout)
	}
	for i, l := range lines {
		var rec struct {
			Topic string `json:"topic"`
			Key   struct {
				ID int `json:"id"`
			} `json:"key"`
			Value struct {
				Op    string `json:"op"`
				After struct {
					ID    int    `json:"id"`
					Label string `json:"label"`
				} `json:"after"`
			} `json:"value"`
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("tail line %d is not JSON: %v\n%s", i, err, l)
		}
		want := []string{"one", "two", "three"}[i]
		if rec.Topic != topic || rec.Key.ID != i+1 || rec.Value.Op != "r" || rec.Value.After.ID != i+1 || rec.Value.After.Label != want {
			t.Errorf("tail line %d: %+v, want the snapshot read of row %d", i, rec, i+1)
		}
	}
	// consume, the older name, still takes -max style flags and prints
	// key<TAB>value from the beginning.
	r = runSluice(t, "consume", "-kafka-brokers", strings.Join(brokers, ","), "-max", "3", "-idle", "60s", topic)
	r.want(t, "consume", 0, "{\"id\":1}\t{", "\"label\":\"three\"")
	if n := strings.Count(r.stdout, "\n"); n != 3 {
		t.Errorf("consume printed %d lines, want 3:\n%s", n, r.stdout)
	}

	waitCLIState(t, url, name, "RUNNING")
	runSluice(t, "connectors", "status", name, "--url", url).want(t, "connectors status", 0, "Connector "+name+": RUNNING", "Task 0: RUNNING", "snapshot: completed, 1/1 tables done, 3 rows")
	// Every connector with its metrics: the 3 snapshot records are counted.
	r = runSluice(t, "status", "--url", url, "--interval", "200ms", "-o", "json")
	r.want(t, "status -o json", 0)
	var rows []struct {
		Name     string `json:"name"`
		State    string `json:"state"`
		Snapshot *struct {
			State string `json:"state"`
		} `json:"snapshot"`
		Metrics *struct {
			RecordsTotal     *float64 `json:"records_total"`
			RecordsPerSecond *float64 `json:"records_per_second"`
		} `json:"metrics"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("status -o json: %v\n%s", err, r.stdout)
	}
	if len(rows) != 1 || rows[0].Name != name || rows[0].State != "RUNNING" || rows[0].Snapshot == nil || rows[0].Snapshot.State != "completed" {
		t.Fatalf("status rows: %s", r.stdout)
	}
	if m := rows[0].Metrics; m == nil || m.RecordsTotal == nil || *m.RecordsTotal < 3 || m.RecordsPerSecond == nil {
		t.Errorf("status metrics: %s, want records_total >= 3 and a rate", r.stdout)
	}
	runSluice(t, "status", "--url", url, "--interval", "0").want(t, "status", 0, "NAME", name, "RUNNING", "completed")

	runSluice(t, "connectors", "pause", name, "--url", url).want(t, "pause", 0, "Paused connector "+name)
	waitCLIState(t, url, name, "PAUSED")
	runSluice(t, "status", "--url", url, "--interval", "0").want(t, "status paused", 0, "PAUSED")
	runSluice(t, "connectors", "resume", name, "--url", url).want(t, "resume", 0, "Resumed connector "+name)
	waitCLIState(t, url, name, "RUNNING")
	runSluice(t, "connectors", "restart", name, "--include-tasks", "--url", url).want(t, "restart", 0, "Restarted connector "+name)
	waitCLIState(t, url, name, "RUNNING")
	// A change after the restart still flows.
	mustExec(t, conn, "INSERT INTO "+table+" VALUES (4, 'four')")
	r = runSluice(t, "tail", topic, "--from-beginning", "--max", "4", "--idle", "60s", "--format", "pretty", "--kafka-brokers", strings.Join(brokers, ","))
	r.want(t, "tail after restart", 0, `"label": "four"`, `"op": "c"`)

	r = runSluice(t, "connectors", "offsets", name, "--url", url)
	r.want(t, "offsets", 0, `"offsets"`, `"lsn"`)

	// validate: an unknown key is an error of that key (exit 1), a correct
	// config is valid (exit 0).
	bad := pgConfig(t, name, name, table)
	bad["snapshot.modee"] = "never"
	r = runSluice(t, "connectors", "validate", "-f", writeConnectorFile(t, name+"_bad", bad), "--url", url)
	r.want(t, "validate bad", 1, "snapshot.modee: ", "did you mean")
	if !strings.Contains(r.stderr, "error(s)") {
		t.Errorf("validate bad: stderr %q", r.stderr)
	}
	runSluice(t, "connectors", "validate", "-f", file, "--url", url).want(t, "validate good", 0, "valid")

	// update with a bare config map: the config is replaced.
	cfg := pgConfig(t, name, name, table)
	cfg["heartbeat.interval.ms"] = "60000"
	bare, _ := json.Marshal(cfg)
	barePath := filepath.Join(t.TempDir(), "bare.json")
	if err := os.WriteFile(barePath, bare, 0o600); err != nil {
		t.Fatal(err)
	}
	runSluice(t, "connectors", "update", name, "-f", barePath, "--url", url).want(t, "update", 0, "Updated connector "+name)
	runSluice(t, "connectors", "get", name, "--url", url).want(t, "get after update", 0, "heartbeat.interval.ms")

	// offsets --reset wants a STOPPED connector: the API's 400 first, then
	// stop and reset.
	r = runSluice(t, "connectors", "offsets", name, "--reset", "--url", url)
	r.want(t, "reset while running", 1)
	if !strings.Contains(r.stderr, "400") {
		t.Errorf("reset while running: stderr %q", r.stderr)
	}
	runSluice(t, "connectors", "stop", name, "--url", url).want(t, "stop", 0, "Stopped connector "+name)
	waitCLIState(t, url, name, "STOPPED")
	runSluice(t, "connectors", "offsets", name, "--reset", "--url", url).want(t, "reset", 0, "reset")
	r = runSluice(t, "connectors", "offsets", name, "--url", url, "-o", "json")
	r.want(t, "offsets after reset", 0)
	var offs struct {
		Offsets []any `json:"offsets"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &offs); err != nil || len(offs.Offsets) != 0 {
		t.Errorf("offsets after reset: %v %s", err, r.stdout)
	}

	runSluice(t, "connectors", "delete", name, "--url", url).want(t, "delete", 0, "Deleted connector "+name)
	r = runSluice(t, "connectors", "get", name, "--url", url)
	r.want(t, "get deleted", 1)
	if !strings.Contains(r.stderr, "not found") || !strings.Contains(r.stderr, "404") {
		t.Errorf("get deleted: stderr %q, want the API's 404 message", r.stderr)
	}
	r = runSluice(t, "connectors", "list", "--url", url)
	r.want(t, "list after delete", 0)
	if strings.Contains(r.stdout, name) {
		t.Errorf("list after delete still shows %s:\n%s", name, r.stdout)
	}
}

// TestCLIFailedAndUnreachable: a FAILED task makes status exit 4 with the
// reason; a URL nothing answers on exits 3; a bad flag exits 2.
func TestCLIFailedAndUnreachable(t *testing.T) {
	name := uniq("clifail")
	dropSlot(t, name)
	d := startDaemon(t, t.TempDir())
	cfg := pgConfig(t, name, name, "public."+name)
	cfg["database.password"] = "not-the-password-cli"
	runSluice(t, "connectors", "create", "-f", writeConnectorFile(t, name, cfg), "--url", d.URL).want(t, "create", 0)
	d.waitTaskState(t, name, "FAILED", 30*time.Second)

	r := runSluice(t, "status", "--url", d.URL, "--interval", "0")
	r.want(t, "status", 4, name, "FAILED", "password authentication failed")
	if !strings.Contains(r.stderr, "FAILED: "+name) {
		t.Errorf("status: stderr %q does not name the failed connector", r.stderr)
	}
	r = runSluice(t, "connectors", "status", name, "--url", d.URL)
	r.want(t, "connectors status", 4, "Task 0: FAILED", "password authentication failed")
	if strings.Contains(r.stdout, "not-the-password-cli") {
		t.Errorf("status shows the password:\n%s", r.stdout)
	}

	dead := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	for _, args := range [][]string{{"connectors", "list"}, {"status"}, {"connectors", "pause", name}} {
		r = runSluice(t, append(args, "--url", dead)...)
		r.want(t, strings.Join(args, " ")+" unreachable", 3)
		if !strings.Contains(r.stderr, "cannot reach the sluice daemon at "+dead) {
			t.Errorf("%v: stderr %q", args, r.stderr)
		}
	}
	// tail with no Kafka to answer (connection refused): exit 3.
	r = runSluice(t, "tail", "--kafka-brokers", fmt.Sprintf("127.0.0.1:%d", freePort(t)), "some.topic")
	r.want(t, "tail unreachable", 3)
	if !strings.Contains(r.stderr, "Kafka at 127.0.0.1:") {
		t.Errorf("tail unreachable: stderr %q", r.stderr)
	}
	runSluice(t, "connectors", "list", "--url", d.URL, "--bogus").want(t, "bad flag", 2)
	runSluice(t, "connectors", "pause", "--url", d.URL).want(t, "missing name", 2)
}

// TestCLIAuthAndAvro: against a daemon that wants credentials, the CLI
// without them gets the API's 401 message (exit 1), and --user, --token and
// SLUICE_TOKEN get through; tail --schema-registry decodes the Avro records
// of a connector with Confluent's AvroConverter.
func TestCLIAuthAndAvro(t *testing.T) {
	needRegistry(t)
	dir := t.TempDir()
	creds := filepath.Join(dir, "credentials.properties")
	if err := os.WriteFile(creds, []byte("admin: adm1n-pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tokens := filepath.Join(dir, "tokens")
	if err := os.WriteFile(tokens, []byte("cli-token-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, filepath.Join(dir, "data"),
		"SLUICE_REST_BASIC_AUTH_FILE="+creds,
		"SLUICE_REST_TOKENS_FILE="+tokens,
		"SLUICE_REST_OPEN_PATHS=/healthz",
	)
	r := runSluice(t, "connectors", "list", "--url", d.URL)
	r.want(t, "no credentials", 1)
	if !strings.Contains(r.stderr, "User cannot access the resource") || !strings.Contains(r.stderr, "401") {
		t.Errorf("no credentials: stderr %q", r.stderr)
	}
	runSluice(t, "connectors", "list", "--url", d.URL, "--user", "admin:wrong").want(t, "wrong password", 1)
	runSluice(t, "connectors", "list", "--url", d.URL, "--user", "admin:adm1n-pw").want(t, "--user", 0, "NAME")
	runSluice(t, "connectors", "list", "--url", d.URL, "--token", "cli-token-1").want(t, "--token", 0, "NAME")
	cmd := exec.Command(binPath, "status", "--url", d.URL, "--interval", "0")
	cmd.Env = append(os.Environ(), "SLUICE_TOKEN=cli-token-1")
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "No connectors.") {
		t.Errorf("SLUICE_TOKEN: %v %s", err, out)
	}

	name := uniq("cliavro")
	table := "public." + name
	topic := name + "." + table
	conn := pgConn(t)
	mustExec(t, conn, "CREATE TABLE "+table+" (id int PRIMARY KEY, label text)")
	t.Cleanup(func() { mustExec(t, pgConn(t), "DROP TABLE IF EXISTS "+table) })
	mustExec(t, conn, "INSERT INTO "+table+" VALUES (1, 'avro-one'), (2, NULL)")
	dropSlot(t, name)
	deleteTopicsAfter(t, topic)
	deleteSubjectsAtEnd(t, topic)
	cfg := pgConfig(t, name, name, table)
	avroConverters(cfg)
	runSluice(t, "connectors", "create", "-f", writeConnectorFile(t, name, cfg), "--url", d.URL, "--token", "cli-token-1").want(t, "create avro", 0)

	kafka := strings.Join(brokers, ",")
	r = runSluice(t, "tail", topic, "--from-beginning", "--max", "2", "--idle", "60s", "--kafka-brokers", kafka, "--schema-registry", registryURL)
	r.want(t, "tail --schema-registry", 0)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("tail printed %d lines, want 2:\n%s", len(lines), r.stdout)
	}
	var rec struct {
		Key   map[string]any `json:"key"`
		Value struct {
			Op    string         `json:"op"`
			After map[string]any `json:"after"`
		} `json:"value"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatalf("tail line 0: %v\n%s", err, lines[0])
	}
	if rec.Key["id"] != float64(1) || rec.Value.Op != "r" || rec.Value.After == nil {
		t.Fatalf("tail line 0 is not the decoded snapshot read of row 1: %s", lines[0])
	}
	// Avro JSON writes a union's value bare: the nullable label is the
	// string itself.
	if rec.Value.After["label"] != "avro-one" {
		t.Errorf("after.label %v, want avro-one: %s", rec.Value.After["label"], lines[0])
	}
	// Without the registry the same records are wire-format bytes, not JSON.
	r = runSluice(t, "tail", topic, "--from-beginning", "--max", "1", "--idle", "60s", "--kafka-brokers", kafka)
	r.want(t, "tail raw", 0)
	if strings.Contains(r.stdout, "avro-one\"}") || !strings.Contains(r.stdout, `"value":"\u0000`) {
		t.Errorf("tail without --schema-registry: %s", r.stdout)
	}
}
