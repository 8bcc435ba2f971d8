//go:build integration

package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

type restError struct {
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
}

func wantError(t *testing.T, what string, code int, body []byte, wantCode int, wantIn ...string) {
	t.Helper()
	if code != wantCode {
		t.Errorf("%s: status %d, want %d; body %s", what, code, wantCode, body)
		return
	}
	var e restError
	if err := json.Unmarshal(body, &e); err != nil {
		t.Errorf("%s: body %q is not an error object: %v", what, body, err)
		return
	}
	if e.ErrorCode != wantCode {
		t.Errorf("%s: error_code %d, want %d", what, e.ErrorCode, wantCode)
	}
	for _, w := range wantIn {
		if !strings.Contains(e.Message, w) {
			t.Errorf("%s: message %q does not contain %q", what, e.Message, w)
		}
	}
}

// TestRESTBadInput sends each kind of bad request to a real daemon and checks
// the Kafka Connect status and a message that names the problem.
func TestRESTBadInput(t *testing.T) {
	prefix := uniq("rest")
	dropSlot(t, prefix)
	pg := pgConn(t)
	mustExec(t, pg, "CREATE TABLE public."+prefix+" (id int PRIMARY KEY)")
	t.Cleanup(func() { mustExec(t, pgConn(t), "DROP TABLE public."+prefix) })
	d := startDaemon(t, t.TempDir())
	good := pgConfig(t, prefix, prefix, "public."+prefix)

	code, body := d.do(t, "POST", "/connectors", `{"name": "x", "config": {`)
	wantError(t, "malformed JSON", code, body, 400, "JSON")

	bad := copyMap(good)
	bad["databse.hostname"] = "typo"
	code, body = d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": bad})
	wantError(t, "unknown key", code, body, 400, "databse.hostname")

	bad = copyMap(good)
	delete(bad, "topic.prefix")
	delete(bad, "database.user")
	code, body = d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": bad})
	wantError(t, "missing keys", code, body, 400, "topic.prefix", "database.user", "2 error(s)")

	bad = copyMap(good)
	bad["connector.class"] = "io.debezium.connector.oracle.OracleConnector"
	code, body = d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": bad})
	wantError(t, "unknown class", code, body, 400, "OracleConnector", "io.debezium.connector.postgresql.PostgresConnector")

	bad = copyMap(good)
	delete(bad, "connector.class")
	code, body = d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": bad})
	wantError(t, "no class", code, body, 400, "contains no connector type")
	if strings.Contains(string(body), "database.password=postgres") {
		t.Errorf("password leaked in error: %s", body)
	}

	bad = copyMap(good)
	bad["snapshot.mode"] = "sometimes"
	code, body = d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": bad})
	wantError(t, "bad enum value", code, body, 400, "snapshot.mode")

	code, body = d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": good})
	if code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	if strings.Contains(string(body), `"database.password":"postgres"`) {
		t.Errorf("password in create response: %s", body)
	}
	code, body = d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": good})
	wantError(t, "duplicate", code, body, 409, "Connector "+prefix+" already exists")

	code, body = d.do(t, "PUT", "/connectors/other/config", map[string]string{"name": "nope", "connector.class": "postgres"})
	wantError(t, "name mismatch", code, body, 400, "doesn't match connector name in the URL")

	code, body = d.do(t, "GET", "/connectors/nope", nil)
	wantError(t, "unknown connector", code, body, 404, "Connector nope not found")
	code, body = d.do(t, "GET", "/connectors/nope/status", nil)
	wantError(t, "unknown status", code, body, 404, "No status found for connector nope")
	code, body = d.do(t, "PUT", "/connectors/nope/pause", nil)
	wantError(t, "pause unknown", code, body, 404, "Unknown connector nope")
	code, body = d.do(t, "POST", "/connectors/nope/restart", nil)
	wantError(t, "restart unknown", code, body, 404, "Unknown connector: nope")

	d.waitTaskState(t, prefix, "RUNNING", 30*time.Second)
	for _, path := range []string{"/connectors/" + prefix, "/connectors/" + prefix + "/config", "/connectors?expand=info&expand=status"} {
		_, body := d.do(t, "GET", path, nil)
		if strings.Contains(string(body), `"postgres"`) && strings.Contains(string(body), "database.password") &&
			!strings.Contains(string(body), `"database.password":"[hidden]"`) {
			t.Errorf("GET %s shows the password: %s", path, body)
		}
	}

	// After a change is committed, GET offsets shows its position with
	// Debezium's keys under the partition {"server": topic.prefix}.
	c := newConsumer(t, prefix+".public."+prefix)
	mustExec(t, pg, "INSERT INTO public."+prefix+" VALUES (1)")
	c.waitCount(t, 1, 30*time.Second)
	code, body = d.do(t, "GET", "/connectors/"+prefix+"/offsets", nil)
	var offs struct {
		Offsets []struct {
			Partition map[string]any `json:"partition"`
			Offset    map[string]any `json:"offset"`
		} `json:"offsets"`
	}
	if err := json.Unmarshal(body, &offs); code != 200 || err != nil || len(offs.Offsets) != 1 {
		t.Fatalf("GET offsets: %d %s (%v)", code, body, err)
	}
	if offs.Offsets[0].Partition["server"] != prefix || offs.Offsets[0].Offset["lsn"] == nil {
		t.Errorf("offsets %s lack the server partition or the lsn", body)
	}

	// Pause, resume, restart keep the connector and answer as Kafka Connect.
	if code, body := d.do(t, "PUT", "/connectors/"+prefix+"/pause", nil); code != 202 {
		t.Errorf("pause: %d %s", code, body)
	}
	d.waitTaskState(t, prefix, "PAUSED", 30*time.Second)
	if code, body := d.do(t, "PUT", "/connectors/"+prefix+"/resume", nil); code != 202 {
		t.Errorf("resume: %d %s", code, body)
	}
	d.waitTaskState(t, prefix, "RUNNING", 30*time.Second)
	if code, body := d.do(t, "POST", "/connectors/"+prefix+"/restart", nil); code != 204 {
		t.Errorf("restart: %d %s", code, body)
	}
	d.waitTaskState(t, prefix, "RUNNING", 30*time.Second)

	// The daemon came through all of it and never logged the password.
	if code, _ := d.do(t, "GET", "/healthz", nil); code != 200 {
		t.Errorf("healthz after bad input: %d", code)
	}
	if code, body := d.do(t, "DELETE", "/connectors/"+prefix, nil); code != 204 {
		t.Errorf("delete: %d %s", code, body)
	}
	if strings.Contains(d.logs.String(), "password=postgres") || strings.Contains(d.logs.String(), `"database.password":"postgres"`) ||
		strings.Contains(d.logs.String(), "postgres:postgres@") {
		t.Errorf("the password appears in sluice's logs")
	}
}

// TestPrerequisiteFailuresFailTheConnector registers connectors whose
// database is not ready and checks each is FAILED with the fix in its trace,
// while the daemon keeps serving.
func TestPrerequisiteFailuresFailTheConnector(t *testing.T) {
	prefix := uniq("pre")
	pg := pgConn(t)
	mustExec(t, pg, "CREATE TABLE public."+prefix+"_nokey (a int)")
	mustExec(t, pg, "CREATE ROLE "+prefix+"_norepl LOGIN PASSWORD 'pw'")
	mustExec(t, pg, "GRANT SELECT ON ALL TABLES IN SCHEMA public TO "+prefix+"_norepl")
	t.Cleanup(func() {
		c := pgConn(t)
		mustExec(t, c, "DROP TABLE public."+prefix+"_nokey")
		mustExec(t, c, "DROP OWNED BY "+prefix+"_norepl")
		mustExec(t, c, "DROP ROLE "+prefix+"_norepl")
	})
	d := startDaemon(t, t.TempDir())

	cases := []struct {
		name  string
		edit  func(map[string]string)
		trace []string
	}{
		{"nokey", func(c map[string]string) { c["table.include.list"] = "public." + prefix + "_nokey" },
			[]string{prefix + "_nokey", "REPLICA IDENTITY FULL"}},
		{"missing", func(c map[string]string) { c["table.include.list"] = "public." + prefix + "_missing" },
			[]string{prefix + "_missing"}},
		{"norepl", func(c map[string]string) {
			c["table.include.list"] = "public." + prefix + "_nokey"
			c["database.user"] = prefix + "_norepl"
			c["database.password"] = "pw"
		}, []string{"REPLICATION"}},
	}
	for _, tc := range cases {
		name := prefix + "_" + tc.name
		dropSlot(t, name)
		cfg := pgConfig(t, name, name, "")
		tc.edit(cfg)
		if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": name, "config": cfg}); code != 201 {
			t.Fatalf("%s: create: %d %s", tc.name, code, body)
		}
		s := d.waitTaskState(t, name, "FAILED", 30*time.Second)
		_, trace := s.taskState()
		for _, w := range tc.trace {
			if !strings.Contains(trace, w) {
				t.Errorf("%s: trace %q does not mention %q", tc.name, trace, w)
			}
		}
	}
	if code, _ := d.do(t, "GET", "/healthz", nil); code != 200 {
		t.Errorf("daemon not healthy after failed connectors")
	}
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
