package main

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
)

// forwardedHeader marks a request one worker forwarded to another, so a
// request makes at most one hop (Kafka Connect's forward=false).
const forwardedHeader = "X-Sluice-Forwarded"

// Kafka Connect's answers when a write cannot reach the leader
// (HerderRequestHandler).
const (
	msgNoLeader    = "Cannot complete request momentarily due to no known leader URL, likely because a rebalance was underway."
	msgConflicting = "Cannot complete request because of a conflicting operation (e.g. worker rebalance)"
)

// leaderView says where the group's leader is: its REST URL, whether this
// worker is the leader, and whether a leader is known at all.
type leaderView func() (url string, self, known bool)

// forwarder sends the connector writes (POST, PUT, PATCH and DELETE under
// /connectors) a follower receives to the group's leader and relays the
// answer, as Kafka Connect's workers do; reads and everything else are
// answered here. Writes are made by the leader alone, one at a time, in
// the order it takes them.
type forwarder struct {
	next   http.Handler
	leader leaderView
	// owner says which worker runs a connector (its REST URL) and whether
	// it is this one; ok is false when no worker does. A connector's
	// AsyncAPI document is made by the worker that runs it: the others
	// forward GET /connectors/{name}/asyncapi there.
	owner  func(name string) (url string, self, ok bool)
	client *http.Transport
	log    *slog.Logger
}

// asyncapiPath returns the connector name of a GET
// /connectors/{name}/asyncapi request.
func asyncapiPath(r *http.Request) (string, bool) {
	if r.Method != http.MethodGet {
		return "", false
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/connectors/")
	if !ok {
		return "", false
	}
	name, ok := strings.CutSuffix(rest, "/asyncapi")
	return name, ok && name != "" && !strings.Contains(name, "/")
}

func isWrite(r *http.Request) bool {
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		return false
	}
	return r.URL.Path == "/connectors" || strings.HasPrefix(r.URL.Path, "/connectors/")
}

func (f *forwarder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if name, ok := asyncapiPath(r); ok && f.owner != nil && r.Header.Get(forwardedHeader) == "" {
		if to, self, ok := f.owner(name); ok && !self && to != "" {
			f.proxy(w, r, to)
			return
		}
	}
	if !isWrite(r) {
		f.next.ServeHTTP(w, r)
		return
	}
	leader, self, known := f.leader()
	switch {
	case self:
		f.next.ServeHTTP(w, r)
		return
	case r.Header.Get(forwardedHeader) != "":
		// Forwarded here by a worker that thought this one led: the
		// group has moved on; the client retries.
		writeConflict(w, msgConflicting)
		return
	case !known || leader == "":
		writeConflict(w, msgNoLeader)
		return
	}
	f.proxy(w, r, leader)
}

// proxy relays r to the worker at URL to and its answer back.
func (f *forwarder) proxy(w http.ResponseWriter, r *http.Request, to string) {
	target, err := url.Parse(to)
	if err != nil {
		writeConflict(w, msgNoLeader)
		return
	}
	p := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = target.Host
			pr.Out.Header.Set(forwardedHeader, "1")
		},
		Transport: f.client,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			f.log.Warn("forward a request to another worker", "worker", to, "method", r.Method, "path", r.URL.Path, "err", err)
			writeConflict(w, msgConflicting)
		},
	}
	p.ServeHTTP(w, r)
}

func writeConflict(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusConflict)
	_ = json.NewEncoder(w).Encode(map[string]any{"error_code": http.StatusConflict, "message": msg})
}
