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
	client *http.Transport
	log    *slog.Logger
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
	target, err := url.Parse(leader)
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
			f.log.Warn("forward a request to the leader", "leader", leader, "method", r.Method, "path", r.URL.Path, "err", err)
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
