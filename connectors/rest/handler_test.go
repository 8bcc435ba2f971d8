package rest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sluicecdc/sluice/connectors/connerr"
)

const (
	worker = "10.0.0.5:8083"

	infoPG1 = `{"name":"pg1","config":{"connector.class":"io.debezium.connector.postgresql.PostgresConnector",` +
		`"database.hostname":"db","database.password":"s3cret","name":"pg1","topic.prefix":"app"},` +
		`"tasks":[{"connector":"pg1","task":0}],"type":"source"}`
	infoMY1 = `{"name":"my1","config":{"connector.class":"io.debezium.connector.mysql.MySqlConnector",` +
		`"name":"my1","topic.prefix":"m"},"tasks":[{"connector":"my1","task":0}],"type":"source"}`
	configPG1 = `{"connector.class":"io.debezium.connector.postgresql.PostgresConnector",` +
		`"database.hostname":"db","database.password":"s3cret","name":"pg1","topic.prefix":"app"}`
	statusPG1 = `{"name":"pg1","connector":{"state":"RUNNING","worker_id":"10.0.0.5:8083"},` +
		`"tasks":[{"id":0,"state":"RUNNING","worker_id":"10.0.0.5:8083"}],"type":"source"}`
	statusMY1 = `{"name":"my1","connector":{"state":"RUNNING","worker_id":"10.0.0.5:8083"},` +
		`"tasks":[{"id":0,"state":"FAILED","worker_id":"10.0.0.5:8083","trace":"boom"}],"type":"source"}`

	errNotFound = `{"error_code":404,"message":"HTTP 404 Not Found"}`
	errMethod   = `{"error_code":405,"message":"HTTP 405 Method Not Allowed"}`
)

func errBody(code int, msg string) string {
	return fmt.Sprintf(`{"error_code":%d,"message":%q}`, code, msg)
}

// testOptions are the options every table test uses.
func testOptions() Options {
	return Options{Version: "0.1.0", Commit: "abc123", WorkerID: worker}
}

type call struct {
	method, path, body string
	header             http.Header
}

func do(t *testing.T, h http.Handler, c call) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req := httptest.NewRequest(c.method, c.path, body)
	for k, v := range c.header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

type restCase struct {
	name   string
	method string
	path   string
	body   string
	setup  func(*fakeManager)
	opts   func(*Options) // changes testOptions()
	reqHdr http.Header    // request headers

	status int
	want   string            // exact body
	header map[string]string // exact header values; "" means absent
	check  func(*testing.T, *fakeManager)
}

func runCases(t *testing.T, cases []restCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := newFakeManager()
			if tc.setup != nil {
				tc.setup(m)
			}
			o := testOptions()
			if tc.opts != nil {
				tc.opts(&o)
			}
			h := NewHandler(m, o)
			rec := do(t, h, call{method: tc.method, path: tc.path, body: tc.body, header: tc.reqHdr})
			if rec.Code != tc.status {
				t.Errorf("status = %d, want %d (body %s)", rec.Code, tc.status, rec.Body)
			}
			if got := rec.Body.String(); got != tc.want {
				t.Errorf("body =\n%s\nwant\n%s", got, tc.want)
			}
			wantCT := "application/json"
			if tc.want == "" {
				wantCT = ""
			}
			if got := rec.Header().Get("Content-Type"); got != wantCT {
				t.Errorf("Content-Type = %q, want %q", got, wantCT)
			}
			for k, v := range tc.header {
				if got := rec.Header().Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if tc.check != nil {
				tc.check(t, m)
			}
		})
	}
}

// noLocation asserts a response has no Location header.
var noLocation = map[string]string{"Location": ""}

func wantCalls(want ...string) func(*testing.T, *fakeManager) {
	return func(t *testing.T, m *fakeManager) {
		t.Helper()
		if !slices.Equal(m.calls, want) {
			t.Errorf("Manager calls = %q, want %q", m.calls, want)
		}
		if m.ctxSeen != len(m.calls) {
			t.Errorf("%d of %d mutating calls got a context", m.ctxSeen, len(m.calls))
		}
	}
}

func TestRootAndPlugins(t *testing.T) {
	// Sinks, then sources, by class; the other plugins only with
	// connectorsOnly=false, after them, without a version when they have none.
	plugins := `[{"class":"io.example.Sink","type":"sink","version":"2"},` +
		`{"class":"io.debezium.connector.mysql.MySqlConnector","type":"source","version":"0.1.0"},` +
		`{"class":"io.debezium.connector.postgresql.PostgresConnector","type":"source","version":"0.1.0"}]`
	all := strings.TrimSuffix(plugins, "]") + `,{"class":"io.example.AvroConverter","type":"converter"},` +
		`{"class":"org.apache.kafka.connect.json.JsonConverter","type":"converter","version":"4.3.0"}]`
	runCases(t, []restCase{
		{name: "root", method: "GET", path: "/", status: 200,
			want: `{"version":"4.3.0","commit":"a9ce3221537b8653","kafka_cluster_id":"Ab12cluster","sluice_version":"0.1.0","sluice_commit":"abc123"}`},
		{name: "plugins", method: "GET", path: "/connector-plugins", status: 200, want: plugins},
		{name: "plugins connectorsOnly=false", method: "GET", path: "/connector-plugins?connectorsOnly=false", status: 200, want: all},
		{name: "plugins connectorsOnly=true", method: "GET", path: "/connector-plugins?connectorsOnly=true", status: 200, want: plugins},
		{name: "plugins trailing slash", method: "GET", path: "/connector-plugins/", status: 200, want: plugins},
	})
}

func TestListConnectors(t *testing.T) {
	runCases(t, []restCase{
		{name: "names", method: "GET", path: "/connectors", status: 200, want: `["my1","pg1"]`},
		{name: "trailing slash", method: "GET", path: "/connectors/", status: 200, want: `["my1","pg1"]`},
		{name: "empty", method: "GET", path: "/connectors", status: 200, want: `[]`,
			setup: func(m *fakeManager) { clear(m.connectors) }},
		{name: "expand status", method: "GET", path: "/connectors?expand=status", status: 200,
			want: `{"my1":{"status":` + statusMY1 + `},"pg1":{"status":` + statusPG1 + `}}`},
		{name: "expand info", method: "GET", path: "/connectors?expand=info", status: 200,
			want: `{"my1":{"info":` + infoMY1 + `},"pg1":{"info":` + infoPG1 + `}}`},
		{name: "expand status and info", method: "GET", path: "/connectors?expand=status&expand=info", status: 200,
			want: `{"my1":{"info":` + infoMY1 + `,"status":` + statusMY1 + `},"pg1":{"info":` + infoPG1 + `,"status":` + statusPG1 + `}}`},
		{name: "expand unknown ignored", method: "GET", path: "/connectors?expand=bogus", status: 200,
			want: `{"my1":{},"pg1":{}}`},
		{name: "expand empty", method: "GET", path: "/connectors?expand=status", status: 200, want: `{}`,
			setup: func(m *fakeManager) { clear(m.connectors) }},
		{name: "expand skips connector gone meanwhile", method: "GET", path: "/connectors?expand=status", status: 200, want: `{}`,
			setup: func(m *fakeManager) { m.fail["Status"] = notFound("No status found for connector x") }},
		{name: "expand other error", method: "GET", path: "/connectors?expand=info", status: 500,
			want:  errBody(500, "config store unavailable"),
			setup: func(m *fakeManager) { m.fail["Info"] = errors.New("config store unavailable") }},
	})
}

func TestCreate(t *testing.T) {
	const newInfo = `{"name":"new1","config":{"connector.class":"postgres","database.password":"pw",` +
		`"database.port":"5432","name":"new1","snapshot.enabled":"true","topic.prefix":"app"},"tasks":[],"type":"source"}`
	const newBody = `{"name":"new1","config":{"connector.class":"postgres","database.port":5432,` +
		`"snapshot.enabled":true,"database.password":"pw","topic.prefix":"app"}}`
	storedConfig := func(t *testing.T, m *fakeManager) {
		t.Helper()
		got := m.connectors["new1"].config
		want := map[string]string{"connector.class": "postgres", "database.port": "5432", "snapshot.enabled": "true",
			"database.password": "pw", "topic.prefix": "app", "name": "new1"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("stored config = %v, want %v", got, want)
		}
	}
	created := map[string]string{"Location": "/connectors/new1"}
	runCases(t, []restCase{
		{name: "created", method: "POST", path: "/connectors", body: newBody, status: 201, want: newInfo, header: created,
			check: func(t *testing.T, m *fakeManager) {
				storedConfig(t, m)
				wantCalls("Create new1")(t, m)
				if m.createdState != "" {
					t.Errorf("initial state = %q, want empty", m.createdState)
				}
			}},
		{name: "trailing slash (Debezium tutorial)", method: "POST", path: "/connectors/", body: newBody, status: 201, want: newInfo, header: created},
		{name: "name trimmed", method: "POST", path: "/connectors",
			body:   `{"name":"  new1 ","config":{"connector.class":"postgres","database.port":5432,"snapshot.enabled":true,"database.password":"pw","topic.prefix":"app"}}`,
			status: 201, want: newInfo, header: created},
		{name: "config name equal to request name", method: "POST", path: "/connectors",
			body:   `{"name":"new1","config":{"name":"new1","connector.class":"postgres","database.port":"5432","snapshot.enabled":"true","database.password":"pw","topic.prefix":"app"}}`,
			status: 201, want: newInfo, header: created},
		{name: "initial state lower case", method: "POST", path: "/connectors",
			body:   `{"name":"new1","config":{"connector.class":"postgres","topic.prefix":"app"},"initial_state":"paused"}`,
			status: 201, header: created,
			want: `{"name":"new1","config":{"connector.class":"postgres","name":"new1","topic.prefix":"app"},"tasks":[],"type":"source"}`,
			check: func(t *testing.T, m *fakeManager) {
				if m.createdState != "PAUSED" {
					t.Errorf("initial state = %q, want PAUSED", m.createdState)
				}
			}},
		{name: "initial state STOPPED", method: "POST", path: "/connectors",
			body:   `{"name":"new1","config":{"connector.class":"postgres","topic.prefix":"app"},"initial_state":"STOPPED"}`,
			status: 201, header: created,
			want: `{"name":"new1","config":{"connector.class":"postgres","name":"new1","topic.prefix":"app"},"tasks":[],"type":"source"}`,
			check: func(t *testing.T, m *fakeManager) {
				if m.createdState != "STOPPED" {
					t.Errorf("initial state = %q, want STOPPED", m.createdState)
				}
			}},
		{name: "name with slash is escaped in Location", method: "POST", path: "/connectors",
			body:   `{"name":"a/b","config":{"connector.class":"postgres"}}`,
			status: 201, header: map[string]string{"Location": "/connectors/a%2Fb"},
			want: `{"name":"a/b","config":{"connector.class":"postgres","name":"a/b"},"tasks":[],"type":"source"}`},
		{name: "already exists", method: "POST", path: "/connectors",
			body:   `{"name":"pg1","config":{"connector.class":"postgres"}}`,
			status: 409, want: errBody(409, "Connector pg1 already exists"), header: noLocation},
		{name: "invalid config from Manager", method: "POST", path: "/connectors",
			body: `{"name":"new1","config":{"connector.class":"postgres"}}`,
			setup: func(m *fakeManager) {
				m.problems = map[string][]string{
					"topic.prefix": {"The 'topic.prefix' value is invalid: A value is required"},
					"":             {"Error while validating connector config: Postgres server wal_level property must be 'logical' but is: 'replica'"},
				}
			},
			status: 400, header: noLocation,
			want: errBody(400, "Connector configuration is invalid and contains the following 2 error(s):\n"+
				"Error while validating connector config: Postgres server wal_level property must be 'logical' but is: 'replica'\n"+
				"The 'topic.prefix' value is invalid: A value is required\n"+
				"You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`")},
		{name: "Manager 500", method: "POST", path: "/connectors",
			body:   `{"name":"new1","config":{"connector.class":"postgres"}}`,
			setup:  func(m *fakeManager) { m.fail["Create"] = errors.New("write config topic: broker down") },
			status: 500, want: errBody(500, "write config topic: broker down")},
		{name: "Manager wrapped status error", method: "POST", path: "/connectors",
			body: `{"name":"new1","config":{"connector.class":"postgres"}}`,
			setup: func(m *fakeManager) {
				m.fail["Create"] = fmt.Errorf("create new1: %w", codedError{409})
			},
			status: 409, want: errBody(409, "create new1: coded 409")},
		{name: "Manager status code out of range is 500", method: "POST", path: "/connectors",
			body:   `{"name":"new1","config":{"connector.class":"postgres"}}`,
			setup:  func(m *fakeManager) { m.fail["Create"] = codedError{200} },
			status: 500, want: errBody(500, "coded 200")},

		// Bad input decided by the REST layer; the Manager is never called.
		{name: "name mismatch", method: "POST", path: "/connectors",
			body:   `{"name":"new1","config":{"name":"other","connector.class":"postgres"}}`,
			status: 400, want: errBody(400, "Connector name configuration (other) doesn't match connector name in the URL (new1)"),
			check: wantCalls()},
		{name: "control character in name", method: "POST", path: "/connectors",
			body:   `{"name":"new\n1","config":{"connector.class":"postgres"}}`,
			status: 400, want: errBody(400, `Connector name "new\n1" may not contain control characters: use a name without tabs, newlines or other control characters`),
			check: wantCalls()},
		{name: "no connector.class", method: "POST", path: "/connectors",
			body:   `{"name":"new1","config":{"topic.prefix":"x","database.password":"pw"}}`,
			status: 400, want: errBody(400, "Connector config {database.password=[hidden], name=new1, topic.prefix=x} contains no connector type: set connector.class to the connector to run, for example io.debezium.connector.postgresql.PostgresConnector"),
			check: wantCalls()},
		{name: "empty connector.class", method: "POST", path: "/connectors",
			body:   `{"name":"new1","config":{"connector.class":" "}}`,
			status: 400, want: errBody(400, "Connector config {connector.class= , name=new1} contains no connector type: set connector.class to the connector to run, for example io.debezium.connector.postgresql.PostgresConnector")},
		{name: "missing name", method: "POST", path: "/connectors",
			body:   `{"config":{"connector.class":"postgres"}}`,
			status: 400, want: errBody(400, `Connector name is missing: add a non-empty "name" field to the request body, as in {"name":"pg1","config":{...}}`),
			check: wantCalls()},
		{name: "blank name", method: "POST", path: "/connectors",
			body:   `{"name":"  ","config":{"connector.class":"postgres"}}`,
			status: 400, want: errBody(400, `Connector name is missing: add a non-empty "name" field to the request body, as in {"name":"pg1","config":{...}}`)},
		{name: "name not a string", method: "POST", path: "/connectors",
			body:   `{"name":5,"config":{}}`,
			status: 400, want: errBody(400, `Invalid request body: field "name" must be a string, not a JSON number`)},
		{name: "missing config", method: "POST", path: "/connectors",
			body:   `{"name":"new1"}`,
			status: 400, want: errBody(400, `Connector config is missing: add a "config" object to the request body, as in {"name":"new1","config":{"connector.class":"postgres",...}}`)},
		{name: "config not an object", method: "POST", path: "/connectors",
			body:   `{"name":"new1","config":"x"}`,
			status: 400, want: errBody(400, `Invalid request body: field "config" must be a JSON object, not a JSON string`)},
		{name: "bad initial state", method: "POST", path: "/connectors",
			body:   `{"name":"new1","config":{"connector.class":"postgres"},"initial_state":"RUNNINGX"}`,
			status: 400, want: errBody(400, `Invalid initial_state "RUNNINGX": use RUNNING, PAUSED or STOPPED`)},
		{name: "unknown field", method: "POST", path: "/connectors",
			body:   `{"name":"new1","config":{"connector.class":"postgres"},"tasks":[]}`,
			status: 400, want: errBody(400, `Invalid request body: unknown field "tasks"; the allowed fields are "name", "config" and "initial_state"`)},
		{name: "nested config values", method: "POST", path: "/connectors",
			body:   `{"name":"new1","config":{"connector.class":"postgres","table.include.list":["a","b"],"x":{"y":"z"},"n":null}}`,
			status: 400,
			want: errBody(400, `Connector config values must be strings (numbers and booleans are converted to strings), but "n" is null, "table.include.list" is an array, "x" is an object: `+
				`write each value as a string (a list as one comma-separated string) and leave out unset keys`),
			check: wantCalls()},
		{name: "empty body", method: "POST", path: "/connectors", body: "",
			status: 400, want: errBody(400, `Request body is empty: send {"name":"<connector>","config":{...}}`)},
		{name: "white space body", method: "POST", path: "/connectors", body: " \n ",
			status: 400, want: errBody(400, `Request body is empty: send {"name":"<connector>","config":{...}}`)},
		{name: "null body", method: "POST", path: "/connectors", body: "null",
			status: 400, want: errBody(400, `Invalid request body: expected {"name":"<connector>","config":{...}}, got null`)},
		{name: "array body", method: "POST", path: "/connectors", body: "[]",
			status: 400, want: errBody(400, `Invalid request body: expected a JSON object, got a JSON array`)},
		{name: "malformed JSON", method: "POST", path: "/connectors", body: `{"name":"x",}`,
			status: 400, want: errBody(400, `Malformed JSON in request body at line 1, column 13: invalid character '}' looking for beginning of object key string`)},
		{name: "malformed JSON second line", method: "POST", path: "/connectors", body: "{\"name\":\"x\",\n  \"config\": {'a':1}}",
			status: 400, want: errBody(400, `Malformed JSON in request body at line 2, column 14: invalid character '\'' looking for beginning of object key string`)},
		{name: "truncated JSON", method: "POST", path: "/connectors", body: `{"name":"x"`,
			status: 400, want: errBody(400, `Malformed JSON in request body at line 1, column 12: the body ends before the JSON value is complete`)},
		{name: "trailing data", method: "POST", path: "/connectors", body: `{"name":"x","config":{}} {}`,
			status: 400, want: errBody(400, `Malformed JSON in request body at line 1, column 26: unexpected data after the JSON value`)},
		{name: "body too large", method: "POST", path: "/connectors",
			body:   `{"name":"x","config":{"a":"` + strings.Repeat("x", MaxBodyBytes) + `"}}`,
			status: 413, want: errBody(413, "Request body is larger than the limit of 1048576 bytes (1 MiB): send a smaller body"),
			check: wantCalls()},
	})
}

func TestConnectorRead(t *testing.T) {
	runCases(t, []restCase{
		{name: "info", method: "GET", path: "/connectors/pg1", status: 200, want: infoPG1},
		{name: "info trailing slash", method: "GET", path: "/connectors/pg1/", status: 200, want: infoPG1},
		{name: "info unknown", method: "GET", path: "/connectors/nope", status: 404, want: errBody(404, "Connector nope not found")},
		{name: "info escaped slash in name", method: "GET", path: "/connectors/a%2Fb", status: 200,
			setup: func(m *fakeManager) { m.connectors["a/b"] = &fakeConnector{config: map[string]string{"name": "a/b"}} },
			want:  `{"name":"a/b","config":{"name":"a/b"},"tasks":[],"type":"source"}`},
		{name: "config", method: "GET", path: "/connectors/pg1/config", status: 200, want: configPG1},
		{name: "config unknown", method: "GET", path: "/connectors/nope/config", status: 404, want: errBody(404, "Connector nope not found")},
		{name: "status", method: "GET", path: "/connectors/pg1/status", status: 200, want: statusPG1},
		{name: "status with trace", method: "GET", path: "/connectors/my1/status", status: 200, want: statusMY1},
		{name: "status unknown", method: "GET", path: "/connectors/nope/status", status: 404,
			want: errBody(404, "No status found for connector nope")},
		{name: "status stopped has no tasks", method: "GET", path: "/connectors/pg1/status", status: 200,
			setup: func(m *fakeManager) { m.connectors["pg1"].state = "STOPPED"; m.connectors["pg1"].taskState = "" },
			want:  `{"name":"pg1","connector":{"state":"STOPPED","worker_id":"10.0.0.5:8083"},"tasks":[],"type":"source"}`},
		{name: "status keeps worker ids, sorts tasks", method: "GET", path: "/connectors/pg1/status", status: 200,
			setup: func(m *fakeManager) {
				m.statusOverride = map[string]ConnectorStatus{"pg1": {Name: "pg1", Type: "source",
					Connector: State{State: "RUNNING", WorkerID: "w1:8083"},
					Tasks: []TaskState{
						{ID: 2, State: State{State: "RUNNING", WorkerID: "w2:8083"}},
						{ID: 0, State: State{State: "UNASSIGNED"}},
					}}}
			},
			want: `{"name":"pg1","connector":{"state":"RUNNING","worker_id":"w1:8083"},"tasks":[` +
				`{"id":0,"state":"UNASSIGNED","worker_id":"10.0.0.5:8083"},{"id":2,"state":"RUNNING","worker_id":"w2:8083"}],"type":"source"}`},
		{name: "task status of second task", method: "GET", path: "/connectors/pg1/tasks/2/status", status: 200,
			setup: func(m *fakeManager) {
				m.statusOverride = map[string]ConnectorStatus{"pg1": {Name: "pg1", Connector: State{State: "RUNNING"},
					Tasks: []TaskState{{ID: 0, State: State{State: "RUNNING"}}, {ID: 2, State: State{State: "PAUSED", WorkerID: "w2:8083"}}}}}
			},
			want: `{"id":2,"state":"PAUSED","worker_id":"w2:8083"}`},
		{name: "tasks", method: "GET", path: "/connectors/pg1/tasks", status: 200,
			want: `[{"id":{"connector":"pg1","task":0},"config":{"connector.class":"io.debezium.connector.postgresql.PostgresConnector",` +
				`"database.hostname":"db","database.password":"s3cret","name":"pg1",` +
				`"task.class":"io.debezium.connector.postgresql.PostgresConnectorTask","topic.prefix":"app"}}]`},
		{name: "tasks none", method: "GET", path: "/connectors/pg1/tasks", status: 200, want: `[]`,
			setup: func(m *fakeManager) { m.connectors["pg1"].taskState = "" }},
		{name: "tasks unknown", method: "GET", path: "/connectors/nope/tasks", status: 404, want: errBody(404, "Connector nope not found")},
		{name: "task status", method: "GET", path: "/connectors/pg1/tasks/0/status", status: 200,
			want: `{"id":0,"state":"RUNNING","worker_id":"10.0.0.5:8083"}`},
		{name: "task status failed", method: "GET", path: "/connectors/my1/tasks/0/status", status: 200,
			want: `{"id":0,"state":"FAILED","worker_id":"10.0.0.5:8083","trace":"boom"}`},
		{name: "task status unknown task", method: "GET", path: "/connectors/pg1/tasks/1/status", status: 404,
			want: errBody(404, "No status found for task pg1-1")},
		{name: "task status unknown connector", method: "GET", path: "/connectors/nope/tasks/0/status", status: 404,
			want: errBody(404, "No status found for task nope-0")},
		{name: "task status id not a number", method: "GET", path: "/connectors/pg1/tasks/x/status", status: 404, want: errNotFound},
		{name: "task status Manager 500", method: "GET", path: "/connectors/pg1/tasks/0/status", status: 500,
			setup: func(m *fakeManager) { m.fail["Status"] = errors.New("status store down") },
			want:  errBody(500, "status store down")},
	})
}

func TestConnectorConfigPut(t *testing.T) {
	const body = `{"connector.class":"postgres","topic.prefix":"app2","database.port":5433}`
	runCases(t, []restCase{
		{name: "update", method: "PUT", path: "/connectors/pg1/config", body: body, status: 200, header: noLocation,
			want: `{"name":"pg1","config":{"connector.class":"postgres","database.port":"5433","name":"pg1","topic.prefix":"app2"},` +
				`"tasks":[{"connector":"pg1","task":0}],"type":"source"}`,
			check: wantCalls("PutConfig pg1")},
		{name: "create", method: "PUT", path: "/connectors/new2/config", body: body, status: 201,
			header: map[string]string{"Location": "/connectors/new2"},
			want:   `{"name":"new2","config":{"connector.class":"postgres","database.port":"5433","name":"new2","topic.prefix":"app2"},"tasks":[],"type":"source"}`},
		{name: "matching name", method: "PUT", path: "/connectors/new2/config", status: 201,
			body: `{"name":"new2","connector.class":"postgres"}`,
			want: `{"name":"new2","config":{"connector.class":"postgres","name":"new2"},"tasks":[],"type":"source"}`},
		{name: "name mismatch", method: "PUT", path: "/connectors/pg1/config", status: 400,
			body: `{"name":"other","connector.class":"postgres"}`,
			want: errBody(400, "Connector name configuration (other) doesn't match connector name in the URL (pg1)"), check: wantCalls()},
		{name: "control character in name", method: "PUT", path: "/connectors/a%09b/config", status: 400,
			body: `{"connector.class":"postgres"}`,
			want: errBody(400, `Connector name "a\tb" may not contain control characters: use a name without tabs, newlines or other control characters`), check: wantCalls()},
		{name: "no connector.class", method: "PUT", path: "/connectors/pg1/config", status: 400,
			body: `{"topic.prefix":"app","database.password":"pw"}`,
			want: errBody(400, "Connector config {database.password=[hidden], name=pg1, topic.prefix=app} contains no connector type: set connector.class to the connector to run, for example io.debezium.connector.postgresql.PostgresConnector"), check: wantCalls()},
		{name: "create-request shape", method: "PUT", path: "/connectors/pg1/config", status: 400,
			body: `{"name":"pg1","config":{"connector.class":"postgres"}}`,
			want: errBody(400, `Connector config values must be strings (numbers and booleans are converted to strings), but "config" is an object: `+
				`write each value as a string (a list as one comma-separated string) and leave out unset keys; `+
				`this endpoint takes the flat config map itself, not {"name":...,"config":{...}}`)},
		{name: "invalid config from Manager", method: "PUT", path: "/connectors/pg1/config", status: 400, body: body,
			setup: func(m *fakeManager) {
				m.problems = map[string][]string{"topic.prefix": {"The 'topic.prefix' value is invalid: A value is required"}}
			},
			want: errBody(400, "Connector configuration is invalid and contains the following 1 error(s):\n"+
				"The 'topic.prefix' value is invalid: A value is required\n"+
				"You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`")},
		{name: "empty body", method: "PUT", path: "/connectors/pg1/config", status: 400,
			want: errBody(400, `Request body is empty: send the connector config as a JSON object, for example {"connector.class":"postgres","topic.prefix":"app"}`)},
		{name: "null body", method: "PUT", path: "/connectors/pg1/config", status: 400, body: `null`,
			want: errBody(400, `Invalid request body: expected the connector config as a JSON object, got null`)},
		{name: "array body", method: "PUT", path: "/connectors/pg1/config", status: 400, body: `["a"]`,
			want: errBody(400, `Invalid request body: expected a JSON object, got a JSON array`)},
		{name: "string body", method: "PUT", path: "/connectors/pg1/config", status: 400, body: `"x"`,
			want: errBody(400, `Invalid request body: expected a JSON object, got a JSON string`)},
		{name: "malformed", method: "PUT", path: "/connectors/pg1/config", status: 400, body: `{"a" "b"}`,
			want: errBody(400, `Malformed JSON in request body at line 1, column 6: invalid character '"' after object key`)},
		{name: "wrong method", method: "POST", path: "/connectors/pg1/config", status: 405, body: `{}`,
			want: errMethod, header: map[string]string{"Allow": "GET, HEAD, PATCH, PUT"}},
	})
}

func TestConnectorConfigPatch(t *testing.T) {
	configIs := func(name string, want map[string]string) func(*testing.T, *fakeManager) {
		return func(t *testing.T, m *fakeManager) {
			t.Helper()
			if got := m.connectors[name].config; !maps.Equal(got, want) {
				t.Errorf("%s config = %v, want %v", name, got, want)
			}
		}
	}
	stored := map[string]string{
		"connector.class": "io.debezium.connector.postgresql.PostgresConnector", "database.hostname": "db",
		"database.password": "s3cret", "name": "pg1", "topic.prefix": "app",
	}
	patched := maps.Clone(stored)
	patched["topic.prefix"] = "app2"
	patched["snapshot.mode"] = "never"
	patched["database.port"] = "5433"
	patched["slot.drop.on.stop"] = "true"
	delete(patched, "database.hostname")
	unchanged := configIs("pg1", stored)
	const storedInfo = `{"name":"pg1","config":{"connector.class":"io.debezium.connector.postgresql.PostgresConnector","database.hostname":"db","database.password":"s3cret","name":"pg1","topic.prefix":"app"},"tasks":[{"connector":"pg1","task":0}],"type":"source"}`
	both := func(fs ...func(*testing.T, *fakeManager)) func(*testing.T, *fakeManager) {
		return func(t *testing.T, m *fakeManager) {
			t.Helper()
			for _, f := range fs {
				f(t, m)
			}
		}
	}
	runCases(t, []restCase{
		{name: "set, convert and remove keys", method: "PATCH", path: "/connectors/pg1/config", status: 200, header: noLocation,
			body: `{"topic.prefix":"app2","snapshot.mode":"never","database.port":5433,"slot.drop.on.stop":true,"database.hostname":null,"not.there":null}`,
			want: `{"name":"pg1","config":{"connector.class":"io.debezium.connector.postgresql.PostgresConnector","database.password":"s3cret",` +
				`"database.port":"5433","name":"pg1","slot.drop.on.stop":"true","snapshot.mode":"never","topic.prefix":"app2"},` +
				`"tasks":[{"connector":"pg1","task":0}],"type":"source"}`,
			check: both(wantCalls("PatchConfig pg1"), configIs("pg1", patched))},
		{name: "empty patch", method: "PATCH", path: "/connectors/pg1/config", status: 200, body: `{}`,
			want: storedInfo, check: both(wantCalls("PatchConfig pg1"), unchanged)},
		{name: "its own name", method: "PATCH", path: "/connectors/pg1/config", status: 200, body: `{"name":"pg1"}`,
			want: storedInfo, check: unchanged},
		{name: "unknown connector", method: "PATCH", path: "/connectors/nope/config", status: 404, body: `{"a":"b"}`,
			want: errBody(404, "Connector nope not found"), check: func(t *testing.T, m *fakeManager) {
				if _, ok := m.connectors["nope"]; ok {
					t.Error("PATCH created the connector")
				}
			}},
		{name: "rename", method: "PATCH", path: "/connectors/pg1/config", status: 400, body: `{"name":"other"}`,
			want:  errBody(400, `Connector name configuration (other) doesn't match connector name in the URL (pg1): a connector cannot be renamed; leave "name" out of the patch, or create a new connector`),
			check: unchanged},
		{name: "remove the name", method: "PATCH", path: "/connectors/pg1/config", status: 400, body: `{"name":null}`,
			want:  errBody(400, `Connector name configuration cannot be removed: leave "name" out of the patch (it is always the connector name in the URL, pg1)`),
			check: unchanged},
		{name: "remove connector.class", method: "PATCH", path: "/connectors/pg1/config", status: 400, body: `{"connector.class":null}`,
			want: errBody(400, "Connector config {database.hostname=db, database.password=[hidden], name=pg1, topic.prefix=app} contains no connector type: "+
				"set connector.class to the connector to run, for example io.debezium.connector.postgresql.PostgresConnector"),
			check: unchanged},
		{name: "invalid result", method: "PATCH", path: "/connectors/pg1/config", status: 400, body: `{"topic.prefix":""}`,
			setup: func(m *fakeManager) {
				m.problems = map[string][]string{"topic.prefix": {"The 'topic.prefix' value is invalid: A value is required"}}
			},
			want: errBody(400, "Connector configuration is invalid and contains the following 1 error(s):\n"+
				"The 'topic.prefix' value is invalid: A value is required\n"+
				"You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`"),
			check: unchanged},
		{name: "object value", method: "PATCH", path: "/connectors/pg1/config", status: 400, body: `{"a":{"b":1},"c":[1],"d":"x"}`,
			want: errBody(400, `Connector config values must be strings (numbers and booleans are converted to strings) or null to remove the key, `+
				`but "a" is an object, "c" is an array: write each value as a string (a list as one comma-separated string)`),
			check: both(wantCalls(), unchanged)},
		{name: "null body", method: "PATCH", path: "/connectors/pg1/config", status: 400, body: `null`,
			want: errBody(400, `Invalid request body: expected the keys to change as a JSON object (a null removing its key), got null`)},
		{name: "empty body", method: "PATCH", path: "/connectors/pg1/config", status: 400,
			want: errBody(400, `Request body is empty: send the keys to change as a JSON object, a null removing its key, for example {"snapshot.mode":"never","table.exclude.list":null}`)},
		{name: "array body", method: "PATCH", path: "/connectors/pg1/config", status: 400, body: `[]`,
			want: errBody(400, `Invalid request body: expected a JSON object, got a JSON array`)},
		{name: "Manager 500", method: "PATCH", path: "/connectors/pg1/config", status: 500, body: `{}`,
			setup: func(m *fakeManager) { m.fail["PatchConfig"] = errors.New("config store down") },
			want:  errBody(500, "config store down")},
	})
}

func TestConnectorActions(t *testing.T) {
	const restartingPG1 = `{"name":"pg1","connector":{"state":"RESTARTING","worker_id":"10.0.0.5:8083"},` +
		`"tasks":[{"id":0,"state":"RESTARTING","worker_id":"10.0.0.5:8083"}],"type":"source"}`
	const restartingPG1ConnectorOnly = `{"name":"pg1","connector":{"state":"RESTARTING","worker_id":"10.0.0.5:8083"},` +
		`"tasks":[{"id":0,"state":"RUNNING","worker_id":"10.0.0.5:8083"}],"type":"source"}`
	const restartingMY1Task = `{"name":"my1","connector":{"state":"RUNNING","worker_id":"10.0.0.5:8083"},` +
		`"tasks":[{"id":0,"state":"RESTARTING","worker_id":"10.0.0.5:8083","trace":"boom"}],"type":"source"}`
	stateIs := func(name, state string) func(*testing.T, *fakeManager) {
		return func(t *testing.T, m *fakeManager) {
			t.Helper()
			if got := m.connectors[name].state; got != state {
				t.Errorf("%s state = %s, want %s", name, got, state)
			}
		}
	}
	runCases(t, []restCase{
		{name: "pause", method: "PUT", path: "/connectors/pg1/pause", status: 202, want: "", check: stateIs("pg1", "PAUSED")},
		{name: "pause unknown", method: "PUT", path: "/connectors/nope/pause", status: 404, want: errBody(404, "Unknown connector nope")},
		{name: "resume", method: "PUT", path: "/connectors/pg1/resume", status: 202, want: "", check: wantCalls("Resume pg1")},
		{name: "resume unknown", method: "PUT", path: "/connectors/nope/resume", status: 404, want: errBody(404, "Unknown connector nope")},
		{name: "stop", method: "PUT", path: "/connectors/pg1/stop", status: 204, want: "", check: stateIs("pg1", "STOPPED")},
		{name: "stop unknown", method: "PUT", path: "/connectors/nope/stop", status: 404, want: errBody(404, "Unknown connector nope")},
		{name: "pause wrong method", method: "POST", path: "/connectors/pg1/pause", status: 405, want: errMethod,
			header: map[string]string{"Allow": "PUT"}},

		{name: "restart", method: "POST", path: "/connectors/pg1/restart", status: 204, want: "", check: wantCalls("Restart pg1")},
		{name: "restart both false", method: "POST", path: "/connectors/pg1/restart?includeTasks=false&onlyFailed=false",
			status: 204, want: "", check: wantCalls("Restart pg1")},
		{name: "restart unknown", method: "POST", path: "/connectors/nope/restart", status: 404, want: errBody(404, "Unknown connector: nope")},
		{name: "restart includeTasks", method: "POST", path: "/connectors/pg1/restart?includeTasks=true",
			status: 202, want: restartingPG1, check: wantCalls("Restart pg1")},
		{name: "restart includeTasks TRUE", method: "POST", path: "/connectors/pg1/restart?includeTasks=TRUE",
			status: 202, want: restartingPG1, check: wantCalls("Restart pg1")},
		{name: "restart onlyFailed, nothing failed", method: "POST", path: "/connectors/pg1/restart?onlyFailed=true",
			status: 202, want: statusPG1, check: wantCalls()},
		{name: "restart onlyFailed, task failed but not included", method: "POST", path: "/connectors/my1/restart?onlyFailed=true",
			status: 202, want: statusMY1, check: wantCalls()},
		{name: "restart onlyFailed includeTasks", method: "POST", path: "/connectors/my1/restart?onlyFailed=true&includeTasks=true",
			status: 202, want: restartingMY1Task, check: wantCalls("Restart my1")},
		{name: "restart onlyFailed, connector failed", method: "POST", path: "/connectors/pg1/restart?onlyFailed=true",
			setup:  func(m *fakeManager) { m.connectors["pg1"].state = "FAILED" },
			status: 202, want: restartingPG1ConnectorOnly, check: wantCalls("Restart pg1")},
		// Not a boolean: 400 naming the parameter (Kafka Connect reads it as
		// false and restarts the connector alone); nothing restarts.
		{name: "restart includeTasks not a boolean", method: "POST", path: "/connectors/pg1/restart?includeTasks=notabool",
			status: 400, want: errBody(400, `Invalid value "notabool" for query parameter includeTasks: use includeTasks=true or includeTasks=false`),
			check: wantCalls()},
		{name: "restart onlyFailed not a boolean", method: "POST", path: "/connectors/pg1/restart?onlyFailed=yes",
			status: 400, want: errBody(400, `Invalid value "yes" for query parameter onlyFailed: use onlyFailed=true or onlyFailed=false`),
			check: wantCalls()},
		{name: "restart includeTasks unknown", method: "POST", path: "/connectors/nope/restart?includeTasks=true",
			status: 404, want: errBody(404, "Unknown connector: nope"), check: wantCalls()},
		{name: "restart includeTasks Manager error", method: "POST", path: "/connectors/pg1/restart?includeTasks=true",
			setup:  func(m *fakeManager) { m.fail["Restart"] = errors.New("supervisor stopped") },
			status: 500, want: errBody(500, "supervisor stopped")},

		{name: "restart task", method: "POST", path: "/connectors/pg1/tasks/0/restart", status: 204, want: "", check: wantCalls("Restart pg1")},
		{name: "restart unknown task", method: "POST", path: "/connectors/pg1/tasks/3/restart", status: 404,
			want: errBody(404, "Unknown task: pg1-3"), check: wantCalls()},
		{name: "restart task unknown connector", method: "POST", path: "/connectors/nope/tasks/0/restart", status: 404,
			want: errBody(404, "Unknown connector: nope")},
		{name: "restart task id not a number", method: "POST", path: "/connectors/pg1/tasks/zero/restart", status: 404, want: errNotFound},

		{name: "delete", method: "DELETE", path: "/connectors/pg1", status: 204, want: "",
			check: func(t *testing.T, m *fakeManager) {
				if _, ok := m.connectors["pg1"]; ok {
					t.Error("pg1 still registered")
				}
			}},
		{name: "delete unknown", method: "DELETE", path: "/connectors/nope", status: 404, want: errBody(404, "Connector nope not found")},
	})
}

func TestValidate(t *testing.T) {
	const pgClass = "io.debezium.connector.postgresql.PostgresConnector"
	problems := func(m *fakeManager) {
		m.problems = map[string][]string{
			"database.hostname": {"The 'database.hostname' value is invalid: A value is required"},
			"":                  {"Unable to connect: connection refused"},
		}
	}
	val := func(name, value, errs string) string {
		return fmt.Sprintf(`{"name":%q,"value":%s,"recommended_values":[],"errors":%s,"visible":true}`, name, value, errs)
	}
	// The fake's definitions (see fakeManager.PluginConfig): Kafka Connect's
	// own keys (group Common) come first and show their values; the
	// plugin's show null values, as Debezium's validation leaves them.
	defName := `{"name":"name","type":"STRING","required":true,"default_value":null,"importance":"HIGH","documentation":"",` +
		`"group":"Common","order_in_group":1,"width":"MEDIUM","display_name":"Connector name","dependents":[]}`
	defTasks := `{"name":"tasks.max","type":"INT","required":false,"default_value":"1","importance":"HIGH","documentation":"",` +
		`"group":"Common","order_in_group":4,"width":"SHORT","display_name":"Tasks max","dependents":[]}`
	defHost := `{"name":"database.hostname","type":"STRING","required":false,"default_value":null,"importance":"HIGH",` +
		`"documentation":"Host.","group":"CONNECTION","order_in_group":1,"width":"MEDIUM","display_name":"Hostname","dependents":[]}`
	defPort := `{"name":"database.port","type":"INT","required":false,"default_value":"5432","importance":"HIGH","documentation":"Port.",` +
		`"group":"CONNECTION","order_in_group":2,"width":"SHORT","display_name":"Port","dependents":["database.hostname"]}`
	nameRequired := `["Missing required configuration \"name\" which has no default value."]`
	withErrors := `{"name":"` + pgClass + `","error_count":3,"groups":["Common","CONNECTION"],"configs":[` +
		`{"definition":` + defName + `,"value":` + val("name", `null`, nameRequired) + `},` +
		`{"definition":` + defTasks + `,"value":` + val("tasks.max", `"1"`, `[]`) + `},` +
		`{"definition":` + defHost + `,"value":` + val("database.hostname", `null`, `["The 'database.hostname' value is invalid: A value is required"]`) + `},` +
		`{"definition":` + defPort + `,"value":` + val("database.port", `null`, `[]`) + `},` +
		`{"definition":null,"value":` + val("connector.class", `"`+pgClass+`"`, `["Unable to connect: connection refused"]`) + `}]}`
	body := `{"connector.class":"` + pgClass + `","database.password":"pw","database.port":5432}`
	runCases(t, []restCase{
		{name: "with errors", method: "PUT", path: "/connector-plugins/PostgresConnector/config/validate", body: body,
			setup: problems, status: 200, want: withErrors,
			check: func(t *testing.T, m *fakeManager) {
				if m.validatedClass != pgClass {
					t.Errorf("Validate class = %q, want %q", m.validatedClass, pgClass)
				}
				if m.validatedConfig["database.password"] != "pw" || m.validatedConfig["database.port"] != "5432" {
					t.Errorf("Validate config = %v", m.validatedConfig)
				}
			}},
		{name: "full class as plugin", method: "PUT", path: "/connector-plugins/" + pgClass + "/config/validate", body: body,
			setup: problems, status: 200, want: withErrors},
		{name: "plugin without Connector suffix", method: "PUT", path: "/connector-plugins/Postgres/config/validate", body: body,
			setup: problems, status: 200, want: withErrors},
		{name: "no errors", method: "PUT", path: "/connector-plugins/Postgres/config/validate",
			body: `{"connector.class":"Postgres","name":"n","tasks.max":"2","database.hostname":"h"}`, status: 200,
			want: `{"name":"Postgres","error_count":0,"groups":["Common","CONNECTION"],"configs":[` +
				`{"definition":` + defName + `,"value":` + val("name", `"n"`, `[]`) + `},` +
				`{"definition":` + defTasks + `,"value":` + val("tasks.max", `"2"`, `[]`) + `},` +
				`{"definition":` + defHost + `,"value":` + val("database.hostname", `null`, `[]`) + `},` +
				`{"definition":` + defPort + `,"value":` + val("database.port", `null`, `[]`) + `}]}`},
		{name: "unknown plugin: no definitions", method: "PUT", path: "/connector-plugins/postgres/config/validate",
			body: `{"connector.class":"postgres","name":"n","database.password":"pw"}`, status: 200,
			setup: func(m *fakeManager) {
				m.problems = map[string][]string{"": {"no such class"}, "database.password": {"bad password"}}
			},
			want: `{"name":"postgres","error_count":2,"groups":[],"configs":[` +
				`{"definition":null,"value":` + val("connector.class", `"postgres"`, `["no such class"]`) + `},` +
				`{"definition":null,"value":` + val("database.password", `"[hidden]"`, `["bad password"]`) + `}]}`},
		{name: "type mismatch", method: "PUT", path: "/connector-plugins/MySqlConnector/config/validate", body: body, status: 400,
			want: errBody(400, "Included connector type "+pgClass+" does not match request type MySqlConnector")},
		{name: "no connector.class", method: "PUT", path: "/connector-plugins/PostgresConnector/config/validate",
			body: `{"topic.prefix":"a"}`, status: 400,
			want: errBody(400, "Connector config {topic.prefix=a} contains no connector type: set connector.class to the connector to run, for example io.debezium.connector.postgresql.PostgresConnector")},
		{name: "malformed", method: "PUT", path: "/connector-plugins/PostgresConnector/config/validate",
			body: `{`, status: 400,
			want: errBody(400, "Malformed JSON in request body at line 1, column 2: the body ends before the JSON value is complete")},
		{name: "Manager error", method: "PUT", path: "/connector-plugins/PostgresConnector/config/validate", body: body,
			setup: func(m *fakeManager) { m.fail["Validate"] = Errorf(400, "unknown connector class") }, status: 400,
			want: errBody(400, "unknown connector class")},
		{name: "wrong method", method: "GET", path: "/connector-plugins/PostgresConnector/config/validate", status: 405,
			want: errMethod, header: map[string]string{"Allow": "PUT"}},
	})
}

func TestRouting(t *testing.T) {
	runCases(t, []restCase{
		{name: "unknown path", method: "GET", path: "/nope", status: 404, want: errNotFound},
		{name: "unknown sub path", method: "GET", path: "/connectors/pg1/bogus", status: 404, want: errNotFound},
		{name: "offsets POST not served", method: "POST", path: "/connectors/pg1/offsets", status: 405, want: errMethod,
			header: map[string]string{"Allow": "DELETE, GET, HEAD, PATCH"}},
		{name: "wrong method on list", method: "DELETE", path: "/connectors", status: 405, want: errMethod,
			header: map[string]string{"Allow": "GET, HEAD, POST"}},
		{name: "wrong method on connector", method: "POST", path: "/connectors/pg1", status: 405, want: errMethod,
			header: map[string]string{"Allow": "DELETE, GET, HEAD"}},
		{name: "wrong method on root", method: "POST", path: "/", status: 405, want: errMethod},
		{name: "healthz", method: "GET", path: "/healthz", status: 200, want: `{"status":"ok"}`},
		{name: "readyz without Ready", method: "GET", path: "/readyz", status: 200, want: `{"status":"ok"}`},
		{name: "metrics without handler", method: "GET", path: "/metrics", status: 404, want: errNotFound},
	})
}

func TestReadyAndMetrics(t *testing.T) {
	var readyErr error
	var mu sync.Mutex
	o := testOptions()
	o.Ready = func() error { mu.Lock(); defer mu.Unlock(); return readyErr }
	o.Metrics = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		_, _ = io.WriteString(w, "sluice_up 1\n")
	})
	h := NewHandler(newFakeManager(), o)

	rec := do(t, h, call{method: "GET", path: "/readyz"})
	if rec.Code != 200 || rec.Body.String() != `{"status":"ok"}` {
		t.Errorf("ready: %d %s", rec.Code, rec.Body)
	}
	mu.Lock()
	readyErr = errors.New("kafka unreachable at 127.0.0.1:59092: start Kafka or fix bootstrap.servers")
	mu.Unlock()
	rec = do(t, h, call{method: "GET", path: "/readyz"})
	if want := errBody(503, "kafka unreachable at 127.0.0.1:59092: start Kafka or fix bootstrap.servers"); rec.Code != 503 || rec.Body.String() != want {
		t.Errorf("not ready: %d %s, want 503 %s", rec.Code, rec.Body, want)
	}
	rec = do(t, h, call{method: "GET", path: "/metrics"})
	if rec.Code != 200 || rec.Body.String() != "sluice_up 1\n" || rec.Header().Get("Content-Type") != "text/plain; version=0.0.4" {
		t.Errorf("metrics: %d %q %q", rec.Code, rec.Body, rec.Header().Get("Content-Type"))
	}
}

// TestLogging checks every request is logged at Debug with method, path,
// status and duration, and that no request body (with its password) is
// ever logged, not even for a request that fails.
func TestLogging(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	o := testOptions()
	o.Logger = slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m := newFakeManager()
	h := NewHandler(m, o)

	const secret = "hunter2-very-secret"
	bodies := []call{
		{method: "POST", path: "/connectors", body: `{"name":"n","config":{"connector.class":"postgres","database.password":"` + secret + `"}}`},
		{method: "POST", path: "/connectors", body: `{"name":"n2","config":{"database.password":"` + secret + `"}}`},
		{method: "PUT", path: "/connectors/n/config", body: `{"name":"x","database.password":"` + secret + `"}`},
		{method: "PUT", path: "/connectors/n/config", body: `{"database.password":"` + secret + `",}`},
		{method: "PUT", path: "/connector-plugins/postgres/config/validate", body: `{"connector.class":"postgres","database.password":"` + secret + `"}`},
	}
	for _, c := range bodies {
		rec := do(t, h, c)
		// A created or updated connector's info is its config as stored, as
		// Kafka Connect answers it; errors and validate never echo it.
		if rec.Code/100 == 2 && !strings.Contains(c.path, "validate") {
			continue
		}
		if strings.Contains(rec.Body.String(), secret) {
			t.Errorf("%s %s: response echoes the password: %s", c.method, c.path, rec.Body)
		}
	}
	m.fail["Info"] = errors.New("boom")
	do(t, h, call{method: "GET", path: "/connectors/n"})

	mu.Lock()
	logs := buf.String()
	mu.Unlock()
	if strings.Contains(logs, secret) {
		t.Errorf("logs contain the password:\n%s", logs)
	}
	for _, want := range []string{
		`level=DEBUG msg="rest request" method=POST path=/connectors status=201 duration=`,
		`level=DEBUG msg="rest request" method=POST path=/connectors status=400 duration=`,
		`level=DEBUG msg="rest request" method=PUT path=/connector-plugins/postgres/config/validate status=200 duration=`,
		`level=ERROR msg="rest request failed" method=GET path=/connectors/n status=500 error=boom`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
	if n := strings.Count(logs, `msg="rest request" `); n != len(bodies)+1 {
		t.Errorf("%d request records, want %d:\n%s", n, len(bodies)+1, logs)
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestServerConcurrent drives a real server from many goroutines, so -race
// sees the handler under concurrent use.
func TestServerConcurrent(t *testing.T) {
	m := newFakeManager()
	srv := httptest.NewServer(NewHandler(m, testOptions()))
	defer srv.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 16 {
		wg.Go(func() {
			name := fmt.Sprintf("c%d", i)
			body := fmt.Sprintf(`{"name":%q,"config":{"connector.class":"postgres"}}`, name)
			steps := []struct {
				method, path, body string
				want               int
			}{
				{"POST", "/connectors", body, 201},
				{"GET", "/connectors?expand=status&expand=info", "", 200},
				{"PUT", "/connectors/" + name + "/pause", "", 202},
				{"POST", "/connectors/" + name + "/restart?includeTasks=true", "", 202},
				{"GET", "/connectors/" + name + "/tasks/0/status", "", 200},
				{"DELETE", "/connectors/" + name, "", 204},
				{"GET", "/connectors/" + name, "", 404},
			}
			for _, s := range steps {
				req, err := http.NewRequestWithContext(context.Background(), s.method, srv.URL+s.path, strings.NewReader(s.body))
				if err != nil {
					errs <- err
					return
				}
				resp, err := srv.Client().Do(req)
				if err != nil {
					errs <- err
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != s.want {
					errs <- fmt.Errorf("%s %s: %d %s, want %d", s.method, s.path, resp.StatusCode, b, s.want)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestInvalidConfigError(t *testing.T) {
	if err := InvalidConfigError(nil); err != nil {
		t.Errorf("no problems: %v", err)
	}
	if err := InvalidConfigError(map[string][]string{"a": nil}); err != nil {
		t.Errorf("empty problems: %v", err)
	}
	err := InvalidConfigError(map[string][]string{"b": {"B1", "B2"}, "a": {"A"}})
	want := "Connector configuration is invalid and contains the following 3 error(s):\nA\nB1\nB2\n" +
		"You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`"
	if err.StatusCode() != 400 || err.Error() != want {
		t.Errorf("got %d %q", err.StatusCode(), err.Error())
	}
}

// TestUnusedKeys: GET /connectors/{name}/unused-keys lists the keys with
// their reasons; an unknown connector is 404 as Kafka Connect words it.
func TestUnusedKeys(t *testing.T) {
	h := NewHandler(newFakeManager(), Options{})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/connectors/pg1/unused-keys", nil))
	if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != `[{"key":"database.server.name","reason":"use topic.prefix"}]` {
		t.Errorf("got %d %s", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/connectors/nope/unused-keys", nil))
	if rec.Code != 404 || !strings.Contains(rec.Body.String(), "Connector nope not found") {
		t.Errorf("unknown connector: got %d %s", rec.Code, rec.Body)
	}
}

// TestDomainErrorsMapToStatuses: the Manager's connerr errors, wrapped or
// not, are answered with the status of their kind and their own text; an
// error of no kind is a 500.
func TestDomainErrorsMapToStatuses(t *testing.T) {
	cases := []struct {
		err    error
		status int
	}{
		{connerr.New(connerr.ErrNotFound, "Connector pg1 not found"), 404},
		{connerr.New(connerr.ErrExists, "Connector pg1 already exists"), 409},
		{connerr.New(connerr.ErrBadRequest, "initial_state \"X\" is not valid"), 400},
		{connerr.New(connerr.ErrNotReady, "sluice is shutting down"), 503},
		{fmt.Errorf("restart: %w", connerr.New(connerr.ErrNotFound, "Unknown connector: pg1")), 404},
		{connerr.InvalidConfig(map[string][]string{"topic.prefix": {"topic.prefix is required"}}), 400},
		{errors.New("disk full"), 500},
	}
	for _, c := range cases {
		m := newFakeManager()
		m.fail["Restart"] = c.err
		rec := do(t, NewHandler(m, testOptions()), call{method: "POST", path: "/connectors/pg1/restart"})
		if rec.Code != c.status || strings.TrimSpace(rec.Body.String()) != errBody(c.status, c.err.Error()) {
			t.Errorf("%v: got %d %s, want %d %s", c.err, rec.Code, rec.Body, c.status, errBody(c.status, c.err.Error()))
		}
	}
}
