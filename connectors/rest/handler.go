package rest

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"
)

// Options configures the handler NewHandler returns.
type Options struct {
	// Version and Commit are sluice's, as GET / reports them.
	Version, Commit string
	// WorkerID fills the worker_id of connector and task states the Manager
	// leaves empty; Kafka Connect uses the worker's advertised host:port.
	WorkerID string
	// Logger receives one Debug record per request (method, path, status,
	// duration) and an Error record per 500. Nil discards. Request bodies
	// are never logged: they hold passwords.
	Logger *slog.Logger
	// Ready reports whether the daemon can serve (GET /readyz). Nil means
	// always ready.
	Ready func() error
	// Metrics serves GET /metrics. Nil answers 404.
	Metrics http.Handler
	// Health reports the worker's health for GET /health. Nil means
	// healthy.
	Health func() Health
	// Loggers serves GET and PUT /admin/loggers. Nil answers 404.
	Loggers Loggers
	// AsyncAPI serves GET /connectors/{name}/asyncapi and GET /asyncapi,
	// and YAML writes their format=yaml answers. Nil answers 404.
	AsyncAPI AsyncAPIFunc
	YAML     func(doc any) ([]byte, error)
}

// handler serves the REST API over a Manager.
type handler struct {
	m   Manager
	o   Options
	log *slog.Logger
	mux *http.ServeMux
}

// NewHandler returns the Kafka Connect-compatible REST API over m.
func NewHandler(m Manager, o Options) http.Handler {
	h := &handler{m: m, o: o, log: o.Logger, mux: http.NewServeMux()}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	routes := []struct {
		pattern string
		fn      func(http.ResponseWriter, *http.Request) error
	}{
		{"GET /{$}", h.serverInfo},
		{"GET /health", h.health},
		{"GET /admin/loggers", h.loggers},
		{"GET /admin/loggers/{logger}", h.logger},
		{"PUT /admin/loggers/{logger}", h.setLoggerLevel},
		{"GET /connector-plugins", h.plugins},
		{"GET /connector-plugins/{plugin}/config", h.pluginConfig},
		{"PUT /connector-plugins/{plugin}/config/validate", h.validate},
		{"GET /connectors", h.list},
		{"POST /connectors", h.create},
		{"GET /connectors/{name}", h.info},
		{"DELETE /connectors/{name}", h.delete},
		{"GET /connectors/{name}/config", h.config},
		{"PUT /connectors/{name}/config", h.putConfig},
		{"PATCH /connectors/{name}/config", h.patchConfig},
		{"GET /connectors/{name}/status", h.status},
		{"GET /connectors/{name}/tasks", h.tasks},
		{"GET /connectors/{name}/topics", h.topics},
		{"GET /connectors/{name}/asyncapi", h.asyncapi},
		{"GET /asyncapi", h.asyncapiAll},
		{"GET /connectors/{name}/unused-keys", h.unusedKeys},
		{"PUT /connectors/{name}/topics/reset", h.resetTopics},
		{"GET /connectors/{name}/tasks/{task}/status", h.taskStatus},
		{"POST /connectors/{name}/tasks/{task}/restart", h.restartTask},
		{"PUT /connectors/{name}/pause", h.pause},
		{"PUT /connectors/{name}/resume", h.resume},
		{"PUT /connectors/{name}/stop", h.stop},
		{"POST /connectors/{name}/restart", h.restart},
		{"GET /connectors/{name}/offsets", h.offsets},
		{"DELETE /connectors/{name}/offsets", h.resetOffsets},
		{"PATCH /connectors/{name}/offsets", h.alterOffsets},
		{"POST /connectors/{name}/signals", h.signal},
		{"GET /healthz", h.healthz},
		{"GET /readyz", h.readyz},
		{"GET /metrics", h.metrics},
	}
	for _, rt := range routes {
		h.mux.Handle(rt.pattern, h.endpoint(rt.fn))
	}
	return h
}

// ServeHTTP routes the request and logs it.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w}
	path := r.URL.Path
	h.route(rec, trimTrailingSlash(r))
	h.log.LogAttrs(r.Context(), slog.LevelDebug, "rest request",
		slog.String("method", r.Method),
		slog.String("path", path),
		slog.Int("status", rec.code()),
		slog.Duration("duration", time.Since(start)))
}

// route serves a matched request through the mux and answers unmatched ones
// with Kafka Connect's JSON 404 and 405 bodies (the mux's own are plain text).
func (h *handler) route(w http.ResponseWriter, r *http.Request) {
	if _, pattern := h.mux.Handler(r); pattern != "" {
		h.mux.ServeHTTP(w, r)
		return
	}
	// No pattern: the mux would answer 404, or 405 with an Allow header
	// when another method matches. Ask it which, then answer in JSON.
	probe := &headerProbe{header: http.Header{}}
	fallback, _ := h.mux.Handler(r)
	fallback.ServeHTTP(probe, r)
	if probe.status == http.StatusMethodNotAllowed {
		if allow := probe.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		writeError(w, http.StatusMethodNotAllowed, msgMethodNotAllowed)
		return
	}
	writeError(w, http.StatusNotFound, msgNotFound)
}

// trimTrailingSlash drops one trailing slash from the path (not from "/"),
// so /connectors/ works as in Kafka Connect; Debezium's tutorial posts there.
func trimTrailingSlash(r *http.Request) *http.Request {
	p := r.URL.Path
	if len(p) < 2 || !strings.HasSuffix(p, "/") {
		return r
	}
	r2 := new(http.Request)
	*r2 = *r
	u := *r.URL
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = strings.TrimSuffix(u.RawPath, "/")
	r2.URL = &u
	return r2
}

// endpoint adapts a handler function that returns an error: an error with a
// status is answered with it, any other with 500 (and logged).
func (h *handler) endpoint(fn func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !acceptsContentType(r) {
			writeError(w, http.StatusUnsupportedMediaType, msgUnsupportedMediaType)
			return
		}
		err := fn(w, r)
		if err == nil {
			return
		}
		status := StatusOf(err)
		if status >= 500 {
			h.log.LogAttrs(r.Context(), slog.LevelError, "rest request failed",
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", status),
				slog.String("error", err.Error()))
		}
		writeError(w, status, err.Error())
	})
}

// acceptsContentType reports whether the request's Content-Type suits its
// endpoint. Kafka Connect's connector, plugin and logger resources consume
// JSON only: a request to them that names another media type (text/plain,
// or the form type curl -d sends without -H) is 415, whatever its method;
// one without a Content-Type is accepted.
func acceptsContentType(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return true
	}
	p := r.URL.Path
	if !strings.HasPrefix(p, "/connectors") && !strings.HasPrefix(p, "/connector-plugins") && !strings.HasPrefix(p, "/admin/loggers") {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || mt == "*/*" || mt == "application/*")
}

// writeJSON answers status with v as compact JSON (no HTML escaping, no
// trailing newline, as Jackson writes it).
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only unencodable values (a bug) get here.
		status = http.StatusInternalServerError
		buf.Reset()
		_ = json.NewEncoder(&buf).Encode(errorBody{ErrorCode: status, Message: "encode response: " + err.Error()})
	}
	body := bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeError answers Kafka Connect's error body.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{ErrorCode: status, Message: msg})
}

// statusRecorder remembers the status written through it.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusRecorder) code() int {
	if s.status == 0 {
		return http.StatusOK
	}
	return s.status
}

// headerProbe captures what the mux's fallback handler would answer.
type headerProbe struct {
	header http.Header
	status int
}

func (p *headerProbe) Header() http.Header { return p.header }
func (p *headerProbe) Write(b []byte) (int, error) {
	if p.status == 0 {
		p.status = http.StatusOK
	}
	return len(b), nil
}
func (p *headerProbe) WriteHeader(code int) {
	if p.status == 0 {
		p.status = code
	}
}
