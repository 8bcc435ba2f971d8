package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestForwarder: writes on a follower go to the leader (with the hop
// mark), reads stay here, and without a leader or after a hop the answer
// is Kafka Connect's 409.
func TestForwarder(t *testing.T) {
	var leaderGot []string
	leader := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		leaderGot = append(leaderGot, r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get(forwardedHeader)+" "+string(b))
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"name":"c1"}`)
	}))
	defer leader.Close()
	local := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "local") })
	view := struct {
		url         string
		self, known bool
	}{leader.URL, false, true}
	f := &forwarder{next: local, leader: func() (string, bool, bool) { return view.url, view.self, view.known },
		client: http.DefaultTransport.(*http.Transport).Clone(), log: slog.New(slog.DiscardHandler)}
	do := func(method, path, body string, hdr ...string) (int, string) {
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		if len(hdr) == 2 {
			r.Header.Set(hdr[0], hdr[1])
		}
		w := httptest.NewRecorder()
		f.ServeHTTP(w, r)
		return w.Code, w.Body.String()
	}

	if code, body := do("POST", "/connectors?x=1", `{"name":"c1"}`); code != 201 || body != `{"name":"c1"}` {
		t.Errorf("forwarded create: %d %s", code, body)
	}
	if len(leaderGot) != 1 || leaderGot[0] != `POST /connectors?x=1 1 {"name":"c1"}` {
		t.Errorf("the leader got %q", leaderGot)
	}
	for _, r := range [][2]string{{"GET", "/connectors"}, {"GET", "/connectors/c1/status"}, {"PUT", "/connector-plugins/x/config/validate"}, {"PUT", "/admin/loggers/root"}} {
		if code, body := do(r[0], r[1], "{}"); code != 200 || body != "local" {
			t.Errorf("%s %s was not answered here: %d %s", r[0], r[1], code, body)
		}
	}
	if code, body := do("DELETE", "/connectors/c1", "", forwardedHeader, "1"); code != 409 || !strings.Contains(body, "conflicting operation") {
		t.Errorf("a second hop: %d %s", code, body)
	}
	view.known = false
	if code, body := do("PUT", "/connectors/c1/pause", ""); code != 409 || !strings.Contains(body, "no known leader URL") {
		t.Errorf("no leader: %d %s", code, body)
	}
	view.self, view.known = true, true
	if code, body := do("PUT", "/connectors/c1/pause", ""); code != 200 || body != "local" {
		t.Errorf("the leader answers its own writes: %d %s", code, body)
	}
	view.self, view.url = false, "http://127.0.0.1:1" // nothing listens
	if code, body := do("POST", "/connectors", "{}"); code != 409 || !strings.Contains(body, "conflicting operation") {
		t.Errorf("leader out of reach: %d %s", code, body)
	}
}
