//go:build integration

package e2e

import (
	"encoding/json"
	"slices"
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
	wantError(t, "unknown key", code, body, 400, "databse.hostname", `did you mean "database.hostname"`)

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
	// The created connector's info is its config as stored, as Kafka
	// Connect 4.3.0 answers it.
	if !strings.Contains(string(body), `"database.password":"postgres"`) {
		t.Errorf("create response does not show the config as stored: %s", body)
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
		// The config as stored, as Kafka Connect 4.3.0 returns it (secrets
		// belong in config providers).
		_, body := d.do(t, "GET", path, nil)
		if !strings.Contains(string(body), `"database.password":"postgres"`) {
			t.Errorf("GET %s does not show the config as stored: %s", path, body)
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

// TestRESTConnectParity runs a real daemon against the real Kafka and
// PostgreSQL and checks the Kafka Connect 4.3 endpoints beyond connector
// CRUD: GET / and /health, plugin config definitions, versions in status,
// task.class, the active topics of a connector (recorded, reset, kept across
// a restart, gone with the connector) and /admin/loggers changing what the
// daemon logs while it runs.
func TestRESTConnectParity(t *testing.T) {
	prefix := uniq("par")
	table := "public." + prefix
	topic := prefix + "." + table
	dropSlot(t, prefix)
	pg := pgConn(t)
	mustExec(t, pg, "CREATE TABLE "+table+" (id int PRIMARY KEY)")
	t.Cleanup(func() { mustExec(t, pgConn(t), "DROP TABLE "+table) })
	dataDir := t.TempDir()
	d := startDaemon(t, dataDir, "SLUICE_LOG_LEVEL=info")

	getJSON := func(path string, wantCode int, v any) []byte {
		t.Helper()
		code, body := d.do(t, "GET", path, nil)
		if code != wantCode {
			t.Fatalf("GET %s: %d %s, want %d", path, code, body, wantCode)
		}
		if v != nil {
			if err := json.Unmarshal(body, v); err != nil {
				t.Fatalf("GET %s: %v in %s", path, err, body)
			}
		}
		return body
	}

	// GET /: the Kafka Connect version whose API sluice serves, and sluice's own.
	var root map[string]string
	getJSON("/", 200, &root)
	if root["version"] != "4.3.0" || root["commit"] == "" || root["kafka_cluster_id"] == "" || root["sluice_version"] == "" {
		t.Errorf("GET / = %v", root)
	}
	var health map[string]string
	getJSON("/health", 200, &health)
	if health["status"] != "healthy" || health["message"] != "Worker has completed startup and is ready to handle requests." {
		t.Errorf("GET /health = %v", health)
	}

	// Plugin config definitions, by class and by alias.
	type keyInfo struct {
		Name         string   `json:"name"`
		Type         string   `json:"type"`
		Required     bool     `json:"required"`
		DefaultValue *string  `json:"default_value"`
		Group        *string  `json:"group"`
		OrderInGroup int      `json:"order_in_group"`
		Dependents   []string `json:"dependents"`
	}
	for _, plugin := range []string{"io.debezium.connector.postgresql.PostgresConnector", "PostgresConnector", "Postgres"} {
		var defs []keyInfo
		getJSON("/connector-plugins/"+plugin+"/config", 200, &defs)
		byName := map[string]keyInfo{}
		for _, k := range defs {
			byName[k.Name] = k
		}
		// Group and order as Kafka Connect 4.3.0 lists Debezium 3.6.1's.
		if k := byName["database.hostname"]; k.Type != "STRING" || k.Group == nil || *k.Group != "Postgres" || k.OrderInGroup != 2 {
			t.Errorf("%s: database.hostname = %+v", plugin, k)
		}
		if k := byName["database.password"]; k.Type != "PASSWORD" {
			t.Errorf("%s: database.password = %+v", plugin, k)
		}
		if k := byName["slot.name"]; k.DefaultValue == nil || *k.DefaultValue != "debezium" {
			t.Errorf("%s: slot.name = %+v", plugin, k)
		}
		if k := byName["schema.include.list"]; k.Group == nil || *k.Group != "Events" || !slices.Equal(k.Dependents, []string{"table.include.list"}) {
			t.Errorf("%s: schema.include.list = %+v", plugin, k)
		}
		if k := byName["name"]; !k.Required || k.Group == nil || *k.Group != "Common" || k.OrderInGroup != 1 {
			t.Errorf("%s: name = %+v", plugin, k)
		}
		if len(defs) < 30 {
			t.Errorf("%s: only %d definitions", plugin, len(defs))
		}
	}
	code, body := d.do(t, "GET", "/connector-plugins/io.debezium.connector.oracle.OracleConnector/config", nil)
	wantError(t, "unknown plugin config", code, body, 404, "Unknown plugin io.debezium.connector.oracle.OracleConnector.")

	// Validate puts each problem on its key, as Kafka Connect does, and
	// describes every key with the same definitions.
	bad := pgConfig(t, prefix, prefix, table)
	bad["database.port"] = "x"
	delete(bad, "topic.prefix")
	code, body = d.do(t, "PUT", "/connector-plugins/Postgres/config/validate", bad)
	var v struct {
		ErrorCount int      `json:"error_count"`
		Groups     []string `json:"groups"`
		Configs    []struct {
			Definition *keyInfo `json:"definition"`
			Value      struct {
				Name   string   `json:"name"`
				Errors []string `json:"errors"`
			} `json:"value"`
		} `json:"configs"`
	}
	if err := json.Unmarshal(body, &v); code != 200 || err != nil {
		t.Fatalf("validate: %d %s (%v)", code, body, err)
	}
	errsOn := map[string][]string{}
	for _, c := range v.Configs {
		if c.Definition == nil || c.Definition.Name != c.Value.Name {
			t.Errorf("validate: %s has definition %+v", c.Value.Name, c.Definition)
		}
		if len(c.Value.Errors) > 0 {
			errsOn[c.Value.Name] = c.Value.Errors
		}
	}
	if len(errsOn) != 3 || len(errsOn["database.port"]) != 1 || len(errsOn["topic.prefix"]) != 1 || len(errsOn["name"]) != 1 ||
		v.ErrorCount != 3 || len(v.Groups) == 0 || v.Groups[0] != "Common" {
		t.Errorf("validate: errors %q, count %d, groups %q", errsOn, v.ErrorCount, v.Groups)
	}

	// Create answers with no tasks yet, as Kafka Connect does.
	cfg := pgConfig(t, prefix, prefix, table)
	cfg["status.update.interval.ms"] = "200"
	code, body = d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg})
	if code != 201 || !strings.Contains(string(body), `"tasks":[]`) {
		t.Fatalf("create: %d %s", code, body)
	}
	d.waitTaskState(t, prefix, "RUNNING", 30*time.Second)

	// Status versions are the plugin's version from GET /connector-plugins.
	var plugins []struct{ Class, Version string }
	getJSON("/connector-plugins", 200, &plugins)
	var pluginVersion string
	for _, p := range plugins {
		if p.Class == "io.debezium.connector.postgresql.PostgresConnector" {
			pluginVersion = p.Version
		}
	}
	var st struct {
		Connector struct{ Version string }   `json:"connector"`
		Tasks     []struct{ Version string } `json:"tasks"`
	}
	getJSON("/connectors/"+prefix+"/status", 200, &st)
	if pluginVersion == "" || st.Connector.Version != pluginVersion || len(st.Tasks) != 1 || st.Tasks[0].Version != pluginVersion {
		t.Errorf("status versions %+v, plugin version %q", st, pluginVersion)
	}
	var tasks []struct {
		Config map[string]string `json:"config"`
	}
	getJSON("/connectors/"+prefix+"/tasks", 200, &tasks)
	if len(tasks) != 1 || tasks[0].Config["task.class"] != "io.debezium.connector.postgresql.PostgresConnectorTask" {
		t.Errorf("tasks = %+v", tasks)
	}

	// Loggers: at INFO no debug line of this connector appears; once its
	// logger is DEBUG, the Postgres source's standby status updates (every
	// 200 ms here) do.
	debugLine := "level=DEBUG msg=\"standby status update\" connector=" + prefix
	time.Sleep(time.Second)
	if strings.Contains(d.logs.String(), debugLine) {
		t.Fatalf("debug lines at INFO:\n%s", tail(d.logs.String(), 20))
	}
	code, body = d.do(t, "PUT", "/admin/loggers/connector."+prefix, map[string]string{"level": "DEBUG"})
	if code != 200 || string(body) != `["connector.`+prefix+`"]` {
		t.Fatalf("PUT logger: %d %s", code, body)
	}
	waitLog(t, d, debugLine, 10*time.Second)
	var lvl struct {
		Level        string `json:"level"`
		LastModified *int64 `json:"last_modified"`
	}
	getJSON("/admin/loggers/connector."+prefix, 200, &lvl)
	if lvl.Level != "DEBUG" || lvl.LastModified == nil || time.Since(time.UnixMilli(*lvl.LastModified)) > time.Minute {
		t.Errorf("logger after PUT = %+v", lvl)
	}
	var all map[string]struct{ Level string }
	getJSON("/admin/loggers", 200, &all)
	if all["root"].Level != "INFO" || all["sluice.connectors.postgres"].Level != "INFO" || all["connector."+prefix].Level != "DEBUG" {
		t.Errorf("GET /admin/loggers = %+v", all)
	}
	// Back to INFO the lines stop; Debezium's logger name, as a Connect
	// user's runbook sets it, brings them back through its alias.
	if code, body := d.do(t, "PUT", "/admin/loggers/connector."+prefix, map[string]string{"level": "INFO"}); code != 200 {
		t.Fatalf("PUT logger INFO: %d %s", code, body)
	}
	time.Sleep(500 * time.Millisecond)
	quiet := len(d.logs.String())
	time.Sleep(time.Second)
	if strings.Contains(d.logs.String()[quiet:], debugLine) {
		t.Fatalf("debug lines after the logger went back to INFO")
	}
	code, body = d.do(t, "PUT", "/admin/loggers/io.debezium.connector.postgresql", map[string]string{"level": "DEBUG"})
	if code != 200 || string(body) != `["io.debezium.connector.postgresql","sluice.connectors.postgres"]` {
		t.Fatalf("PUT io.debezium.connector.postgresql: %d %s", code, body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(d.logs.String()[quiet:], debugLine) {
		if time.Now().After(deadline) {
			t.Fatalf("no debug line after PUT io.debezium.connector.postgresql DEBUG:\n%s", tail(d.logs.String(), 20))
		}
		time.Sleep(100 * time.Millisecond)
	}
	code, body = d.do(t, "PUT", "/admin/loggers/root", map[string]string{"level": "LOUD"})
	wantError(t, "invalid level", code, body, 404, "invalid log level 'LOUD'.")
	code, body = d.do(t, "GET", "/admin/loggers/org.nope", nil)
	wantError(t, "unknown logger", code, body, 404, "Logger org.nope not found.")

	// Active topics: the table's topic once a change is committed to it.
	c := newConsumer(t, topic)
	mustExec(t, pg, "INSERT INTO "+table+" VALUES (1)")
	c.waitCount(t, 1, 30*time.Second)
	waitTopics(t, d, prefix, []string{topic})
	if code, body := d.do(t, "PUT", "/connectors/"+prefix+"/topics/reset", nil); code != 202 || len(body) != 0 {
		t.Fatalf("reset topics: %d %q", code, body)
	}
	waitTopics(t, d, prefix, []string{})
	mustExec(t, pg, "INSERT INTO "+table+" VALUES (2)")
	c.waitCount(t, 2, 30*time.Second)
	waitTopics(t, d, prefix, []string{topic})

	// They survive a restart of the daemon.
	d.term(t)
	d = startDaemon(t, dataDir, "SLUICE_LOG_LEVEL=info")
	waitTopics(t, d, prefix, []string{topic})

	// Deleting the connector deletes them; an unknown connector has none.
	if code, body := d.do(t, "DELETE", "/connectors/"+prefix, nil); code != 204 {
		t.Fatalf("delete: %d %s", code, body)
	}
	waitTopics(t, d, prefix, []string{})
}

// waitTopics waits until GET /connectors/{name}/topics lists want.
func waitTopics(t *testing.T, d *daemon, name string, want []string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, body := d.do(t, "GET", "/connectors/"+name+"/topics", nil)
		var got map[string]struct {
			Topics []string `json:"topics"`
		}
		if code == 200 && json.Unmarshal(body, &got) == nil && got[name].Topics != nil && slices.Equal(got[name].Topics, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET topics of %s: %d %s, want %q", name, code, body, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitTopicsOneOf waits until GET /connectors/{name}/topics lists one of
// the wanted lists.
func waitTopicsOneOf(t *testing.T, d *daemon, name string, wants ...[]string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, body := d.do(t, "GET", "/connectors/"+name+"/topics", nil)
		var got map[string]struct {
			Topics []string `json:"topics"`
		}
		if code == 200 && json.Unmarshal(body, &got) == nil &&
			slices.ContainsFunc(wants, func(w []string) bool { return slices.Equal(got[name].Topics, w) }) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET topics of %s: %d %s, want one of %q", name, code, body, wants)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitLog waits until the daemon's log holds s.
func waitLog(t *testing.T, d *daemon, s string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !strings.Contains(d.logs.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the log within %s:\n%s", s, timeout, tail(d.logs.String(), 30))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestRESTActiveTopicsMariaDB checks the active topics of a MariaDB
// connector, which writes to two kinds of topic: a table's topic and, for
// DDL, the schema change topic named by topic.prefix.
func TestRESTActiveTopicsMariaDB(t *testing.T) {
	prefix := uniq("mtop")
	db := prefix
	myDatabase(t, db)
	c := myConn(t)
	myExec(t, c, "CREATE TABLE "+db+".a (id INT PRIMARY KEY)", "CREATE TABLE "+db+".b (id INT PRIMARY KEY)")
	d := startDaemon(t, t.TempDir())
	cfg := myConfig(t, prefix, db)
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	d.waitTaskState(t, prefix, "RUNNING", 60*time.Second)
	ta, tb := prefix+"."+db+".a", prefix+"."+db+".b"
	cons := newConsumer(t, ta, tb)
	myExec(t, c, "INSERT INTO "+db+".a VALUES (1)")
	cons.waitCount(t, 1, 30*time.Second)
	// The snapshot may have written the tables' DDL to the schema change
	// topic (Debezium does); b's topic is not there yet.
	waitTopicsOneOf(t, d, prefix, []string{ta}, []string{prefix, ta})
	// DDL goes to the schema change topic; a second table's change to its own.
	myExec(t, c, "ALTER TABLE "+db+".b ADD COLUMN v INT", "INSERT INTO "+db+".b VALUES (1, 1)")
	cons.waitCount(t, 2, 30*time.Second)
	waitTopics(t, d, prefix, []string{prefix, ta, tb})
	if code, _ := d.do(t, "PUT", "/connectors/"+prefix+"/topics/reset", nil); code != 202 {
		t.Fatalf("reset: %d", code)
	}
	waitTopics(t, d, prefix, []string{})
	myExec(t, c, "INSERT INTO "+db+".b VALUES (2, 2)")
	cons.waitCount(t, 3, 30*time.Second)
	waitTopics(t, d, prefix, []string{tb})
	if code, body := d.do(t, "DELETE", "/connectors/"+prefix, nil); code != 204 {
		t.Fatalf("delete: %d %s", code, body)
	}
}
