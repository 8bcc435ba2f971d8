package runtime

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

	"github.com/sluicecdc/sluice/connectors/rest"
)

// The request building and answer checks below are those of
// connectors/rest's FuzzHandler (a test file, so not importable).

var fuzzMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodHead, http.MethodOptions}

var fuzzContentTypes = []string{"", "application/json", "text/plain", "application/json; charset=utf-8"}

// fuzzRequest builds the request a fuzz input stands for, or nil when the
// input is not one net/http's server would hand to a handler.
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
	if strings.ContainsAny(target, " \t") || !strings.HasPrefix(target, "/") {
		return nil
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return nil
	}
	req := (&http.Request{
		Method: method, URL: u, RequestURI: target, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)),
		Host: "sluice.test", RemoteAddr: "192.0.2.1:1234",
	}).WithContext(context.Background())
	if ct := fuzzContentTypes[int(ctIdx)%len(fuzzContentTypes)]; ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	return req
}

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

// FuzzSupervisorHandler drives the REST handler over the real supervisor
// (a test plugin, a temp data dir, the in-memory sink, no Kafka) holding a
// running connector c1 and a stopped one c2, with fuzzed methods, paths,
// query strings, Content-Types and bodies. No request may panic or be
// answered with a 5xx other than 503 (not ready: this worker has no Kafka
// for signals); nothing here can fail the way the documented 500s do (no
// store, sink or registry error). Every JSON error body is Kafka Connect's,
// error_code equal to the status and a non-empty message.
func FuzzSupervisorHandler(f *testing.F) {
	type seed struct{ method, path, query, body string }
	for i, s := range []seed{
		{"GET", "/connectors", "expand=status&expand=info", ""},
		{"POST", "/connectors", "", `{"name":"c3","config":{"connector.class":"test","topic.prefix":"p3"}}`},
		{"POST", "/connectors", "", `{"name":"c3","config":{"connector.class":"test","topic.prefix":"p3"},"initial_state":"PAUSED"}`},
		{"POST", "/connectors", "", `{"name":"c3","config":{"connector.class":"test"}}`},
		{"POST", "/connectors", "", `{"name":"c1","config":{"connector.class":"test","topic.prefix":"x"}}`},
		{"POST", "/connectors", "", `{"name":"c3","config":{"connector.class":"test","topic.prefix":"x","bogus":"1","transforms":"a","transforms.a.type":"org.apache.kafka.connect.transforms.InsertField$Value"}}`},
		{"PUT", "/connectors/c1/config", "", `{"connector.class":"test","topic.prefix":"q"}`},
		{"PUT", "/connectors/c9/config", "", `{"connector.class":"test","topic.prefix":"q","key.converter":"org.apache.kafka.connect.json.JsonConverter"}`},
		{"GET", "/connectors/c1/status", "", ""},
		{"GET", "/connectors/c1/tasks", "", ""},
		{"GET", "/connectors/c1/tasks/0/status", "", ""},
		{"POST", "/connectors/c1/tasks/0/restart", "", ""},
		{"POST", "/connectors/c1/restart", "includeTasks=true&onlyFailed=false", ""},
		{"PUT", "/connectors/c1/pause", "", ""},
		{"PUT", "/connectors/c2/resume", "", ""},
		{"PUT", "/connectors/c1/stop", "", ""},
		{"DELETE", "/connectors/c1", "", ""},
		{"GET", "/connectors/c2/offsets", "", ""},
		{"DELETE", "/connectors/c2/offsets", "", ""},
		{"PATCH", "/connectors/c2/offsets", "", `{"offsets":[{"partition":{"server":"p2"},"offset":{"lsn":1}}]}`},
		{"PATCH", "/connectors/c2/offsets", "", `{"offsets":[{"partition":{"server":"p2"},"offset":null}]}`},
		{"PATCH", "/connectors/c1/offsets", "", `{"offsets":[]}`},
		{"GET", "/connectors/c1/topics", "", ""},
		{"PUT", "/connectors/c1/topics/reset", "", ""},
		{"GET", "/connectors/c1/unused-keys", "", ""},
		{"POST", "/connectors/c1/signals", "", `{"id":"1","type":"execute-snapshot","data":{"data-collections":["public.a"]}}`},
		{"GET", "/connector-plugins", "connectorsOnly=false", ""},
		{"GET", "/connector-plugins/test/config", "", ""},
		{"PUT", "/connector-plugins/TestConnector/config/validate", "", `{"connector.class":"test","topic.prefix":""}`},
		{"PUT", "/connector-plugins/test/config/validate", "", `{"connector.class":"io.example.TestConnector","tombstones.on.delete":"maybe"}`},
		{"GET", "/", "", ""},
	} {
		f.Add(s.method, uint8(0), uint8(i%2), s.path, s.query, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, method string, methodIdx, ctIdx uint8, path, query string, body []byte) {
		req := fuzzRequest(method, methodIdx, ctIdx, path, query, body)
		if req == nil {
			return
		}
		sink := &memSink{}
		s := newTestSupervisor(t, t.TempDir(), &scriptedSource{events: positions(3), failAt: -1}, sink)
		ctx := context.Background()
		if _, err := s.Create(ctx, "c1", map[string]string{"connector.class": "test", "topic.prefix": "p1"}, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Create(ctx, "c2", map[string]string{"connector.class": "test", "topic.prefix": "p2"}, "STOPPED"); err != nil {
			t.Fatal(err)
		}
		h := rest.NewHandler(s, rest.Options{Version: "0.1.0", WorkerID: "127.0.0.1:8083"})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)

		code := rec.Code
		if code < 100 || code > 599 || http.StatusText(code) == "" {
			t.Fatalf("%s %s: status %d is not a valid HTTP status", req.Method, req.URL, code)
		}
		// 503 is connerr.ErrNotReady's documented answer: here, a signal
		// with no Kafka to write it to.
		if code >= 500 && code != http.StatusServiceUnavailable {
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
		if e.ErrorCode == nil || e.Message == nil || *e.ErrorCode != code || *e.Message == "" {
			t.Fatalf("%s %s: status %d, error body %s", req.Method, req.URL, code, rec.Body.Bytes())
		}
	})
}
