package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// fuzzMethods are the methods a fuzzed request uses, picked by a fuzzed
// index; an arbitrary token is tried too (see fuzzRequest).
var fuzzMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodHead, http.MethodOptions}

// fuzzContentTypes are the Content-Types a fuzzed request sends, picked by
// a fuzzed index; "" sends none.
var fuzzContentTypes = []string{"", "application/json", "text/plain", "application/x-www-form-urlencoded", "application/json; charset=utf-8", "*/*"}

// fuzzRequest builds the request a fuzz input stands for, or nil when the
// input is not one net/http's server would hand to a handler (a method that
// is not a token, a request target ParseRequestURI refuses).
func fuzzRequest(method string, methodIdx, ctIdx uint8, path, query string, body []byte) *http.Request {
	if method == "" {
		method = fuzzMethods[int(methodIdx)%len(fuzzMethods)]
	} else if !isToken(method) {
		return nil
	}
	target := path
	if query != "" {
		target += "?" + query
	}
	// The server splits the request line at spaces, so a target has none.
	if strings.ContainsAny(target, " \t") || !strings.HasPrefix(target, "/") {
		return nil
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return nil
	}
	req := (&http.Request{
		Method:        method,
		URL:           u,
		RequestURI:    target,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Host:          "sluice.test",
		RemoteAddr:    "192.0.2.1:1234",
	}).WithContext(context.Background())
	if ct := fuzzContentTypes[int(ctIdx)%len(fuzzContentTypes)]; ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	return req
}

// isToken reports whether s is an HTTP token (RFC 9110 §5.6.2), which a
// request method must be.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// checkAnswer fails t unless rec is an answer the REST API may give: a
// valid status below 500 (the fake Manager fails no call, so none of the
// documented 500 paths applies; GET /readyz may answer 503 with its own
// body), and every JSON error body is Kafka Connect's, with error_code
// equal to the status and a non-empty message.
func checkAnswer(t *testing.T, req *http.Request, rec *httptest.ResponseRecorder) {
	t.Helper()
	code := rec.Code
	if code < 100 || code > 599 || http.StatusText(code) == "" {
		t.Fatalf("%s %s: status %d is not a valid HTTP status", req.Method, req.URL, code)
	}
	if code >= 500 {
		t.Fatalf("%s %s: status %d, body %s", req.Method, req.URL, code, rec.Body.Bytes())
	}
	if code < 400 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		return
	}
	var e struct {
		ErrorCode *int    `json:"error_code"`
		Message   *string `json:"message"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
		t.Fatalf("%s %s: status %d, error body is not JSON: %v: %q", req.Method, req.URL, code, err, rec.Body.Bytes())
	}
	if e.ErrorCode == nil || e.Message == nil {
		t.Fatalf("%s %s: status %d, error body lacks error_code or message: %s", req.Method, req.URL, code, rec.Body.Bytes())
	}
	if *e.ErrorCode != code || *e.Message == "" {
		t.Fatalf("%s %s: status %d, error body %s", req.Method, req.URL, code, rec.Body.Bytes())
	}
}

// FuzzHandler drives the real handler over the in-memory fakeManager with
// fuzzed methods, paths, query strings, Content-Types and bodies. Neither
// panics nor 5xx answers are allowed, and every error body must be Kafka
// Connect's.
func FuzzHandler(f *testing.F) {
	type seed struct {
		method string
		path   string
		query  string
		body   string
	}
	seeds := []seed{
		{"GET", "/", "", ""},
		{"GET", "/connectors", "expand=status&expand=info", ""},
		{"GET", "/connectors", "expand=bogus", ""},
		{"POST", "/connectors", "", `{"name":"new","config":{"connector.class":"io.debezium.connector.postgresql.PostgresConnector","topic.prefix":"x"}}`},
		{"POST", "/connectors/", "", `{"name":"new","config":{"connector.class":"PostgresConnector","a":1,"b":true,"c":null,"d":{}},"initial_state":"STOPPED"}`},
		{"POST", "/connectors", "", `{"name":" ","config":{}}`},
		{"POST", "/connectors", "", `{"name":"x","config":{"name":"y","connector.class":"c"}}`},
		{"POST", "/connectors", "", `{"name":"x",`},
		{"POST", "/connectors", "", `[1,2]`},
		{"GET", "/connectors/pg1", "", ""},
		{"GET", "/connectors/pg1/config", "", ""},
		{"PUT", "/connectors/pg1/config", "", `{"connector.class":"io.debezium.connector.postgresql.PostgresConnector","name":"pg1"}`},
		{"PUT", "/connectors/nope/config", "", `{"connector.class":"x"}`},
		{"PATCH", "/connectors/pg1/config", "", `{"topic.prefix":"app2","database.hostname":null,"name":null}`},
		{"PATCH", "/connectors/nope/config", "", `{"connector.class":null}`},
		{"GET", "/connectors/pg1/status", "", ""},
		{"GET", "/connectors/my1/tasks", "", ""},
		{"GET", "/connectors/my1/tasks/0/status", "", ""},
		{"GET", "/connectors/my1/tasks/99999999999999999999/status", "", ""},
		{"POST", "/connectors/my1/tasks/-1/restart", "", ""},
		{"POST", "/connectors/pg1/restart", "includeTasks=true&onlyFailed=true", ""},
		{"POST", "/connectors/pg1/restart", "includeTasks=maybe", ""},
		{"PUT", "/connectors/pg1/pause", "", ""},
		{"PUT", "/connectors/pg1/resume", "", ""},
		{"PUT", "/connectors/pg1/stop", "", ""},
		{"DELETE", "/connectors/pg1", "", ""},
		{"GET", "/connectors/pg1/offsets", "", ""},
		{"DELETE", "/connectors/pg1/offsets", "", ""},
		{"PATCH", "/connectors/pg1/offsets", "", `{"offsets":[{"partition":{"server":"app"},"offset":{"lsn":1}}]}`},
		{"PATCH", "/connectors/pg1/offsets", "", `{"offsets":[{"partition":null,"offset":null}]}`},
		{"GET", "/connectors/pg1/topics", "", ""},
		{"PUT", "/connectors/pg1/topics/reset", "", ""},
		{"GET", "/connectors/pg1/unused-keys", "", ""},
		{"POST", "/connectors/pg1/signals", "", `{"id":"1","type":"execute-snapshot","data":{"data-collections":["public.a"]}}`},
		{"POST", "/connectors/pg1/signals", "", `{"type":""}`},
		{"GET", "/connector-plugins", "connectorsOnly=false", ""},
		{"GET", "/connector-plugins/Postgres/config", "", ""},
		{"PUT", "/connector-plugins/PostgresConnector/config/validate", "", `{"connector.class":"io.debezium.connector.postgresql.PostgresConnector"}`},
		{"PUT", "/connector-plugins/Mysql/config/validate", "", `{"connector.class":"Postgres"}`},
		{"GET", "/admin/loggers", "", ""},
		{"GET", "/admin/loggers/root", "", ""},
		{"PUT", "/admin/loggers/sluice.connectors", "scope=cluster", `{"level":"DEBUG"}`},
		{"PUT", "/admin/loggers/root", "", `{"level":"LOUD"}`},
		{"GET", "/health", "", ""},
		{"GET", "/healthz", "", ""},
		{"GET", "/readyz", "", ""},
		{"GET", "/metrics", "", ""},
		{"BREW", "/connectors/%2F..%2F/config", "a=%zz", ""},
		{"GET", "//connectors/./pg1/../my1", "", ""},
	}
	for i, s := range seeds {
		f.Add(s.method, uint8(0), uint8(i%2), s.path, s.query, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, method string, methodIdx, ctIdx uint8, path, query string, body []byte) {
		req := fuzzRequest(method, methodIdx, ctIdx, path, query, body)
		if req == nil {
			return
		}
		o := testOptions()
		o.Loggers = newFakeLoggers()
		h := NewHandler(newFakeManager(), o)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		checkAnswer(t, req, rec)
	})
}
