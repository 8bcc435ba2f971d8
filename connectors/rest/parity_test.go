package rest

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Tests of the endpoints Kafka Connect 4.3 has beyond the connector CRUD:
// active topics, loggers, health, plugin config definitions, versions in
// status. Expected bodies and messages are Kafka Connect 4.3.0's (read from
// its connect-runtime classes).

func TestActiveTopics(t *testing.T) {
	runCases(t, []restCase{
		{name: "topics", method: "GET", path: "/connectors/pg1/topics", status: 200,
			want: `{"pg1":{"topics":["app.public.a","app.public.b"]}}`},
		{name: "no topics yet", method: "GET", path: "/connectors/my1/topics", status: 200,
			want: `{"my1":{"topics":[]}}`},
		// Kafka Connect answers an unknown connector with no topics, not 404.
		{name: "unknown connector", method: "GET", path: "/connectors/nope/topics", status: 200,
			want: `{"nope":{"topics":[]}}`},
		{name: "escaped name", method: "GET", path: "/connectors/a%2Fb/topics", status: 200,
			setup: func(m *fakeManager) { m.topics["a/b"] = []string{"t"} },
			want:  `{"a/b":{"topics":["t"]}}`},
		{name: "manager error", method: "GET", path: "/connectors/pg1/topics", status: 500,
			setup: func(m *fakeManager) { m.fail["Topics"] = errors.New("disk on fire") },
			want:  errBody(500, "disk on fire")},
		{name: "reset", method: "PUT", path: "/connectors/pg1/topics/reset", status: 202, want: "",
			check: func(t *testing.T, m *fakeManager) {
				wantCalls("ResetTopics pg1")(t, m)
				if len(m.topics["pg1"]) != 0 {
					t.Errorf("topics after reset = %v", m.topics["pg1"])
				}
			}},
		{name: "reset unknown connector", method: "PUT", path: "/connectors/nope/topics/reset", status: 202, want: "",
			check: wantCalls("ResetTopics nope")},
		{name: "reset failure", method: "PUT", path: "/connectors/pg1/topics/reset", status: 500,
			setup: func(m *fakeManager) { m.fail["ResetTopics"] = errors.New("cannot save") },
			want:  errBody(500, "cannot save")},
		{name: "reset with GET", method: "GET", path: "/connectors/pg1/topics/reset", status: 405, want: errMethod,
			header: map[string]string{"Allow": "PUT"}},
		{name: "topics with POST", method: "POST", path: "/connectors/pg1/topics", status: 405, want: errMethod},
	})
}

func TestStatusVersions(t *testing.T) {
	withVersions := func(m *fakeManager) {
		m.statusOverride = map[string]ConnectorStatus{"pg1": {Name: "pg1", Type: "source",
			Connector: State{State: "RUNNING", Version: "3.6.1.Final"},
			Tasks:     []TaskState{{ID: 0, State: State{State: "FAILED", Version: "3.6.1.Final", Trace: "boom"}}}}}
	}
	// Kafka Connect writes version after worker_id and before trace.
	const status = `{"name":"pg1","connector":{"state":"RUNNING","worker_id":"10.0.0.5:8083","version":"3.6.1.Final"},` +
		`"tasks":[{"id":0,"state":"FAILED","worker_id":"10.0.0.5:8083","version":"3.6.1.Final","trace":"boom"}],"type":"source"}`
	runCases(t, []restCase{
		{name: "status", method: "GET", path: "/connectors/pg1/status", status: 200, setup: withVersions, want: status},
		{name: "task status", method: "GET", path: "/connectors/pg1/tasks/0/status", status: 200, setup: withVersions,
			want: `{"id":0,"state":"FAILED","worker_id":"10.0.0.5:8083","version":"3.6.1.Final","trace":"boom"}`},
		{name: "expand status", method: "GET", path: "/connectors?expand=status", status: 200,
			setup: func(m *fakeManager) { withVersions(m); delete(m.connectors, "my1") },
			want:  `{"pg1":{"status":` + status + `}}`},
	})
}

func TestPluginConfig(t *testing.T) {
	const defs = `[{"name":"database.hostname","type":"STRING","required":false,"default_value":null,"importance":"HIGH",` +
		`"documentation":"Host.","group":"CONNECTION","order_in_group":1,"width":"MEDIUM","display_name":"Hostname","dependents":[]},` +
		`{"name":"database.port","type":"INT","required":false,"default_value":"5432","importance":"HIGH","documentation":"Port.",` +
		`"group":"CONNECTION","order_in_group":2,"width":"SHORT","display_name":"Port","dependents":["database.hostname"]},` +
		`{"name":"name","type":"STRING","required":true,"default_value":null,"importance":"HIGH","documentation":"","group":"Common",` +
		`"order_in_group":1,"width":"MEDIUM","display_name":"Connector name","dependents":[]},` +
		`{"name":"tasks.max","type":"INT","required":false,"default_value":"1","importance":"HIGH","documentation":"","group":"Common",` +
		`"order_in_group":4,"width":"SHORT","display_name":"Tasks max","dependents":[]}]`
	runCases(t, []restCase{
		{name: "class", method: "GET", path: "/connector-plugins/io.debezium.connector.postgresql.PostgresConnector/config", status: 200, want: defs},
		{name: "simple name alias", method: "GET", path: "/connector-plugins/PostgresConnector/config", status: 200, want: defs},
		{name: "short alias", method: "GET", path: "/connector-plugins/Postgres/config", status: 200, want: defs},
		{name: "trailing slash", method: "GET", path: "/connector-plugins/Postgres/config/", status: 200, want: defs},
		{name: "unknown plugin", method: "GET", path: "/connector-plugins/io.debezium.connector.oracle.OracleConnector/config", status: 404,
			want: errBody(404, "Unknown plugin io.debezium.connector.oracle.OracleConnector.")},
		{name: "PUT", method: "PUT", path: "/connector-plugins/Postgres/config", status: 405, want: errMethod},
	})
}

func TestCreateAnswersNoTasks(t *testing.T) {
	// The fake Manager reports task 0 in its create answer, as the
	// supervisor does; Kafka Connect's answer has no tasks yet.
	runCases(t, []restCase{
		{name: "POST", method: "POST", path: "/connectors", status: 201, header: map[string]string{"Location": "/connectors/n1"},
			body: `{"name":"n1","config":{"connector.class":"postgres"}}`,
			want: `{"name":"n1","config":{"connector.class":"postgres","name":"n1"},"tasks":[],"type":"source"}`},
		{name: "PUT creating", method: "PUT", path: "/connectors/n1/config", status: 201, header: map[string]string{"Location": "/connectors/n1"},
			body: `{"connector.class":"postgres"}`,
			want: `{"name":"n1","config":{"connector.class":"postgres","name":"n1"},"tasks":[],"type":"source"}`},
		{name: "PUT updating keeps tasks", method: "PUT", path: "/connectors/pg1/config", status: 200, header: noLocation,
			body: `{"connector.class":"postgres"}`,
			want: `{"name":"pg1","config":{"connector.class":"postgres","name":"pg1"},"tasks":[{"connector":"pg1","task":0}],"type":"source"}`},
	})
}

func TestHealth(t *testing.T) {
	health := func(h Health) func(*Options) {
		return func(o *Options) { o.Health = func() Health { return h } }
	}
	const healthy = `{"status":"healthy","message":"Worker has completed startup and is ready to handle requests."}`
	runCases(t, []restCase{
		{name: "no health func", method: "GET", path: "/health", status: 200, want: healthy},
		{name: "healthy", method: "GET", path: "/health", status: 200, opts: health(Health{State: Healthy, Detail: "ignored"}), want: healthy},
		{name: "starting", method: "GET", path: "/health", status: 503, opts: health(Health{State: Starting}),
			want: `{"status":"starting","message":"Worker is still starting up."}`},
		{name: "starting with detail", method: "GET", path: "/health", status: 503,
			opts: health(Health{State: Starting, Detail: "Waiting for the Kafka cluster: dial tcp: refused"}),
			want: `{"status":"starting","message":"Worker is still starting up. Waiting for the Kafka cluster: dial tcp: refused"}`},
		{name: "unhealthy", method: "GET", path: "/health", status: 500, opts: health(Health{State: Unhealthy, Detail: "stuck"}),
			want: `{"status":"unhealthy","message":"Worker was unable to handle this request and may be unable to handle other requests. stuck"}`},
		{name: "healthz stays", method: "GET", path: "/healthz", status: 200, opts: health(Health{State: Starting}), want: `{"status":"ok"}`},
	})
}

// fakeLoggers is an in-memory Loggers with Kafka Connect's semantics.
type fakeLoggers struct {
	mu     sync.Mutex
	levels map[string]string
	sets   []string // "namespace=LEVEL"
}

func newFakeLoggers() *fakeLoggers {
	return &fakeLoggers{levels: map[string]string{"root": "INFO", "sluice.connectors.postgres": "INFO", "connector.pg1": "WARN"}}
}

func (f *fakeLoggers) Levels() map[string]LoggerLevel {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]LoggerLevel{}
	for n, l := range f.levels {
		out[n] = LoggerLevel{Level: l}
	}
	return out
}

func (f *fakeLoggers) Level(name string) (LoggerLevel, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	l, ok := f.levels[name]
	if !ok {
		return LoggerLevel{}, false
	}
	ms := int64(1700000000123)
	return LoggerLevel{Level: l, LastModified: &ms}, true
}

func (f *fakeLoggers) SetLevel(namespace, level string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sets = append(f.sets, namespace+"="+level)
	if _, ok := f.levels[namespace]; !ok {
		f.levels[namespace] = ""
	}
	var changed []string
	for n, l := range f.levels {
		if namespace == "root" || n == namespace || strings.HasPrefix(n, namespace+".") {
			if l != level {
				changed = append(changed, n)
			}
			f.levels[n] = level
		}
	}
	slices.Sort(changed)
	return changed
}

func TestLoggers(t *testing.T) {
	var fl *fakeLoggers
	withLoggers := func(o *Options) { fl = newFakeLoggers(); o.Loggers = fl }
	wantSets := func(want ...string) func(*testing.T, *fakeManager) {
		return func(t *testing.T, _ *fakeManager) {
			t.Helper()
			if !slices.Equal(fl.sets, want) {
				t.Errorf("SetLevel calls = %q, want %q", fl.sets, want)
			}
		}
	}
	runCases(t, []restCase{
		{name: "list", method: "GET", path: "/admin/loggers", status: 200, opts: withLoggers,
			want: `{"connector.pg1":{"level":"WARN","last_modified":null},"root":{"level":"INFO","last_modified":null},` +
				`"sluice.connectors.postgres":{"level":"INFO","last_modified":null}}`},
		{name: "list trailing slash", method: "GET", path: "/admin/loggers/", status: 200, opts: withLoggers,
			want: `{"connector.pg1":{"level":"WARN","last_modified":null},"root":{"level":"INFO","last_modified":null},` +
				`"sluice.connectors.postgres":{"level":"INFO","last_modified":null}}`},
		{name: "one", method: "GET", path: "/admin/loggers/connector.pg1", status: 200, opts: withLoggers,
			want: `{"level":"WARN","last_modified":1700000000123}`},
		{name: "unknown", method: "GET", path: "/admin/loggers/org.apache.kafka", status: 404, opts: withLoggers,
			want: errBody(404, "Logger org.apache.kafka not found.")},
		{name: "set", method: "PUT", path: "/admin/loggers/sluice", body: `{"level":"DEBUG"}`, status: 200, opts: withLoggers,
			want: `["sluice","sluice.connectors.postgres"]`, check: wantSets("sluice=DEBUG")},
		{name: "set lower case", method: "PUT", path: "/admin/loggers/connector.pg1", body: `{"level":" debug "}`, status: 200, opts: withLoggers,
			want: `["connector.pg1"]`, check: wantSets("connector.pg1=DEBUG")},
		{name: "set unchanged", method: "PUT", path: "/admin/loggers/connector.pg1", body: `{"level":"WARN"}`, status: 200, opts: withLoggers,
			want: `[]`, check: wantSets("connector.pg1=WARN")},
		{name: "set root", method: "PUT", path: "/admin/loggers/root", body: `{"level":"ERROR"}`, status: 200, opts: withLoggers,
			want: `["connector.pg1","root","sluice.connectors.postgres"]`},
		{name: "worker scope", method: "PUT", path: "/admin/loggers/root?scope=worker", body: `{"level":"ERROR"}`, status: 200, opts: withLoggers,
			want: `["connector.pg1","root","sluice.connectors.postgres"]`},
		{name: "unknown scope is worker scope", method: "PUT", path: "/admin/loggers/root?scope=galaxy", body: `{"level":"ERROR"}`, status: 200,
			opts: withLoggers, want: `["connector.pg1","root","sluice.connectors.postgres"]`},
		{name: "cluster scope", method: "PUT", path: "/admin/loggers/root?scope=Cluster", body: `{"level":"ERROR"}`, status: 204, opts: withLoggers,
			want: "", check: wantSets("root=ERROR")},
		{name: "no level", method: "PUT", path: "/admin/loggers/root", body: `{"lvl":"DEBUG"}`, status: 400, opts: withLoggers,
			want: errBody(400, "Desired 'level' parameter was not specified in request."), check: wantSets()},
		{name: "null level", method: "PUT", path: "/admin/loggers/root", body: `{"level":null}`, status: 400, opts: withLoggers,
			want: errBody(400, "Desired 'level' parameter was not specified in request."), check: wantSets()},
		{name: "level not a string", method: "PUT", path: "/admin/loggers/root", body: `{"level":7}`, status: 400, opts: withLoggers,
			want: errBody(400, `The 'level' parameter must be a string, such as "DEBUG".`), check: wantSets()},
		// Kafka Connect throws its NotFoundException for a level log4j does not know.
		{name: "invalid level", method: "PUT", path: "/admin/loggers/root", body: `{"level":"LOUD"}`, status: 404, opts: withLoggers,
			want: errBody(404, "invalid log level 'LOUD'. Use one of OFF, FATAL, ERROR, WARN, INFO, DEBUG, TRACE, ALL."), check: wantSets()},
		{name: "malformed body", method: "PUT", path: "/admin/loggers/root", body: `{"level":`, status: 400, opts: withLoggers,
			want: errBody(400, "Malformed JSON in request body at line 1, column 10: the body ends before the JSON value is complete")},
		{name: "empty body", method: "PUT", path: "/admin/loggers/root", status: 400, opts: withLoggers,
			want: errBody(400, `Request body is empty: send {"level":"DEBUG"}`)},
		{name: "no loggers", method: "GET", path: "/admin/loggers", status: 404, want: errNotFound},
		{name: "POST", method: "POST", path: "/admin/loggers/root", body: `{"level":"DEBUG"}`, status: 405, opts: withLoggers, want: errMethod},
	})
}

func TestLoggersLevelNames(t *testing.T) {
	// Every log4j level name is accepted, in any case.
	for _, lvl := range logLevels {
		fl := newFakeLoggers()
		o := testOptions()
		o.Loggers = fl
		h := NewHandler(newFakeManager(), o)
		rec := do(t, h, call{method: "PUT", path: "/admin/loggers/x", body: `{"level":"` + strings.ToLower(lvl) + `"}`})
		if rec.Code != http.StatusOK {
			t.Errorf("level %s: status %d %s", lvl, rec.Code, rec.Body)
		}
		if got := fl.levels["x"]; got != lvl {
			t.Errorf("level %s: set %q", lvl, got)
		}
	}
	if want := []string{"OFF", "FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE", "ALL"}; !slices.Equal(logLevels, want) {
		t.Errorf("level names = %v, want log4j's %v", logLevels, want)
	}
}

func TestContentType(t *testing.T) {
	ct := func(v string) http.Header { return http.Header{"Content-Type": {v}} }
	errMedia := errBody(415, msgUnsupportedMediaType)
	const create = `{"name":"n1","config":{"connector.class":"postgres"}}`
	runCases(t, []restCase{
		{name: "text/plain create", method: "POST", path: "/connectors", body: create, reqHdr: ct("text/plain"), status: 415, want: errMedia,
			check: wantCalls()},
		{name: "form create (curl -d without -H)", method: "POST", path: "/connectors", body: create,
			reqHdr: ct("application/x-www-form-urlencoded"), status: 415, want: errMedia},
		{name: "text/plain GET", method: "GET", path: "/connectors/pg1", reqHdr: ct("text/plain"), status: 415, want: errMedia},
		{name: "text/plain pause, no body", method: "PUT", path: "/connectors/pg1/pause", reqHdr: ct("text/plain"), status: 415, want: errMedia,
			check: wantCalls()},
		{name: "text/plain validate", method: "PUT", path: "/connector-plugins/Postgres/config/validate", body: "x", reqHdr: ct("text/plain"),
			status: 415, want: errMedia},
		{name: "text/plain logger", method: "PUT", path: "/admin/loggers/root", body: `{"level":"INFO"}`, reqHdr: ct("text/plain"),
			opts: func(o *Options) { o.Loggers = newFakeLoggers() }, status: 415, want: errMedia},
		{name: "json with charset", method: "POST", path: "/connectors", body: create, reqHdr: ct("application/json; charset=utf-8"),
			status: 201, want: `{"name":"n1","config":{"connector.class":"postgres","name":"n1"},"tasks":[],"type":"source"}`},
		{name: "no content type", method: "PUT", path: "/connectors/pg1/pause", status: 202, want: "", check: wantCalls("Pause pg1")},
		// Unknown paths and wrong methods answer first, as JAX-RS does.
		{name: "unknown path", method: "POST", path: "/nope", reqHdr: ct("text/plain"), status: 404, want: errNotFound},
		{name: "wrong method", method: "POST", path: "/connectors/pg1/config", reqHdr: ct("text/plain"), status: 405, want: errMethod},
		{name: "text/plain patch", method: "PATCH", path: "/connectors/pg1/config", body: `{}`, reqHdr: ct("text/plain"), status: 415, want: errMedia,
			check: wantCalls()},
		// The root, health and probe endpoints take any content type.
		{name: "health", method: "GET", path: "/health", reqHdr: ct("text/plain"), status: 200,
			want: `{"status":"healthy","message":"Worker has completed startup and is ready to handle requests."}`},
	})
}

func TestAlterOffsets(t *testing.T) {
	stopped := func(m *fakeManager) { m.connectors["pg1"].state = "STOPPED" }
	const altered = `{"message":"The Connect framework-managed offsets for this connector have been altered successfully. ` +
		`However, if this connector manages offsets externally, they will need to be manually altered in the system that the connector uses."}`
	runCases(t, []restCase{
		{name: "reset a partition", method: "PATCH", path: "/connectors/pg1/offsets", setup: stopped, status: 200, want: altered,
			body: `{"offsets":[{"partition":{"server":"app"},"offset":null}]}`,
			check: func(t *testing.T, m *fakeManager) {
				wantCalls("AlterOffsets pg1")(t, m)
				if len(m.altered) != 1 || m.altered[0].Partition["server"] != "app" || m.altered[0].Offset != nil {
					t.Errorf("altered = %+v", m.altered)
				}
			}},
		{name: "an offset", method: "PATCH", path: "/connectors/pg1/offsets", setup: stopped, status: 200, want: altered,
			body: `{"offsets":[{"partition":{"server":"app"},"offset":{"lsn":42}}]}`,
			check: func(t *testing.T, m *fakeManager) {
				if len(m.altered) != 1 || fmt.Sprint(m.altered[0].Offset["lsn"]) != "42" {
					t.Errorf("altered = %+v", m.altered)
				}
			}},
		{name: "empty list", method: "PATCH", path: "/connectors/pg1/offsets", setup: stopped, status: 400, body: `{"offsets":[]}`,
			want: errBody(400, "Partitions / offsets need to be provided for an alter offsets request"), check: wantCalls()},
		{name: "no list", method: "PATCH", path: "/connectors/pg1/offsets", setup: stopped, status: 400, body: `{}`,
			want: errBody(400, "Partitions / offsets need to be provided for an alter offsets request"), check: wantCalls()},
		{name: "running", method: "PATCH", path: "/connectors/pg1/offsets", status: 400,
			body: `{"offsets":[{"partition":{"server":"app"},"offset":null}]}`,
			want: errBody(400, "Connectors must be in the STOPPED state before their offsets can be modified. "+
				"This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/pg1/stop' endpoint")},
		{name: "unknown", method: "PATCH", path: "/connectors/nope/offsets", status: 404,
			body: `{"offsets":[{"partition":{"server":"app"},"offset":null}]}`, want: errBody(404, "Connector nope not found")},
		{name: "no partition", method: "PATCH", path: "/connectors/pg1/offsets", setup: stopped, status: 400,
			body: `{"offsets":[{"partition":{"server":"app"},"offset":null},{"offset":null}]}`,
			want: errBody(400, `Source partitions may not be null: entry 1 of "offsets" has no "partition"; `+
				`give each entry the connector's partition, as in {"partition":{"server":"<topic.prefix>"},"offset":null}`),
			check: wantCalls()},
		{name: "malformed", method: "PATCH", path: "/connectors/pg1/offsets", status: 400, body: `{"offsets":`,
			want: errBody(400, "Malformed JSON in request body at line 1, column 12: the body ends before the JSON value is complete")},
	})
}
