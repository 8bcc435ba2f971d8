package console

import (
	"embed"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

//go:embed static
var static embed.FS

// Prefix is the path the console is served under.
const Prefix = "/ui"

// Default and largest number of records the topic view returns.
const (
	DefaultRecords = 20
	MaxRecords     = 100
)

// Connectors is what the console reads of the registered connectors; the
// runtime's Supervisor implements it.
type Connectors interface {
	// Names lists the registered connectors.
	Names() []string
	// RedactedConfig returns a connector's config with its secret values
	// replaced by a placeholder.
	RedactedConfig(name string) (map[string]string, error)
	// Topics returns the topics a connector writes to.
	Topics(name string) ([]string, error)
}

// Options configures the console handler.
type Options struct {
	// Connectors are the daemon's registered connectors. Required.
	Connectors Connectors
	// Metrics is the daemon's Prometheus registry, read for each
	// connector's lag and counters. Nil leaves them out.
	Metrics prometheus.Gatherer
	// Records reads a topic's latest records. Nil answers the topic view
	// with 404.
	Records RecordReader
	// Logger receives an Error record per failed request. Nil discards.
	Logger *slog.Logger
}

// handler serves the console.
type handler struct {
	o     Options
	log   *slog.Logger
	mux   *http.ServeMux
	files http.Handler
}

// New returns the console's handler for paths under Prefix.
func New(o Options) http.Handler {
	h := &handler{o: o, log: o.Logger, mux: http.NewServeMux()}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.files = http.FileServerFS(static)
	h.mux.HandleFunc("GET "+Prefix, func(w http.ResponseWriter, r *http.Request) {
		u := Prefix + "/"
		if r.URL.RawQuery != "" {
			u += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, u, http.StatusMovedPermanently)
	})
	h.mux.HandleFunc("GET "+Prefix+"/api/overview", h.overview)
	h.mux.HandleFunc("GET "+Prefix+"/api/topics/{topic}/records", h.records)
	h.mux.HandleFunc("GET "+Prefix+"/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "HTTP 404 Not Found")
	})
	h.mux.HandleFunc("GET "+Prefix+"/", h.static)
	return h
}

// Mount returns a handler that serves Prefix and the paths under it with ui
// and every other path with api (the REST API).
func Mount(api, ui http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; p == Prefix || strings.HasPrefix(p, Prefix+"/") {
			ui.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The page loads nothing from elsewhere and runs no inline script.
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
	h.mux.ServeHTTP(w, r)
}

// static serves /ui/{file} from the embedded static/{file}.
func (h *handler) static(w http.ResponseWriter, r *http.Request) {
	r2 := new(http.Request)
	*r2 = *r
	u := *r.URL
	u.Path = "/static/" + strings.TrimPrefix(r.URL.Path, Prefix+"/")
	u.RawPath = ""
	r2.URL = &u
	w.Header().Set("Cache-Control", "no-cache")
	h.files.ServeHTTP(w, r2)
}

// ConnectorOverview is one connector in GET /ui/api/overview.
type ConnectorOverview struct {
	Name string `json:"name"`
	// Config is the connector's config with secret values hidden.
	Config map[string]string `json:"config"`
	// Topics are the topics the connector has written to.
	Topics  []string `json:"topics"`
	Metrics Metrics  `json:"metrics"`
}

// Overview is the body of GET /ui/api/overview.
type Overview struct {
	// TimeMillis is when the metrics were read (Unix milliseconds), so the
	// page computes rates from the daemon's clock.
	TimeMillis int64               `json:"time_ms"`
	Connectors []ConnectorOverview `json:"connectors"`
}

func (h *handler) overview(w http.ResponseWriter, r *http.Request) {
	out := Overview{TimeMillis: time.Now().UnixMilli(), Connectors: []ConnectorOverview{}}
	metrics, err := gatherMetrics(h.o.Metrics)
	if err != nil {
		// A collector that failed still leaves the others' values.
		h.log.Warn("console: read metrics", "err", err)
	}
	names := slices.Clone(h.o.Connectors.Names())
	slices.Sort(names)
	for _, name := range names {
		cfg, err := h.o.Connectors.RedactedConfig(name)
		if err != nil {
			// Deleted since Names: leave it out.
			continue
		}
		topics, _ := h.o.Connectors.Topics(name)
		if topics == nil {
			topics = []string{}
		}
		slices.Sort(topics)
		out.Connectors = append(out.Connectors, ConnectorOverview{Name: name, Config: cfg, Topics: topics, Metrics: metrics[name]})
	}
	writeJSON(w, http.StatusOK, out)
}

// TopicRecords is the body of GET /ui/api/topics/{topic}/records.
type TopicRecords struct {
	Topic string `json:"topic"`
	// Connector is the registered connector that writes to the topic.
	Connector string   `json:"connector"`
	Records   []Record `json:"records"`
}

func (h *handler) records(w http.ResponseWriter, r *http.Request) {
	topic := r.PathValue("topic")
	limit := DefaultRecords
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxRecords {
			writeError(w, http.StatusBadRequest, "limit must be a number from 1 to "+strconv.Itoa(MaxRecords))
			return
		}
		limit = n
	}
	owner := h.owner(topic)
	if owner == "" {
		writeError(w, http.StatusNotFound, "Topic "+topic+" is not a topic of a registered connector")
		return
	}
	if h.o.Records == nil {
		writeError(w, http.StatusNotFound, "This daemon has no topic reader")
		return
	}
	recs, err := h.o.Records.Latest(r.Context(), topic, limit)
	if err != nil {
		h.log.Error("console: read topic", "topic", topic, "err", err)
		status := http.StatusInternalServerError
		if errors.Is(err, ErrUnknownTopic) {
			status = http.StatusNotFound
		}
		writeError(w, status, "read topic "+topic+": "+err.Error())
		return
	}
	if recs == nil {
		recs = []Record{}
	}
	writeJSON(w, http.StatusOK, TopicRecords{Topic: topic, Connector: owner, Records: recs})
}

// owner returns the registered connector that writes to topic, or "".
func (h *handler) owner(topic string) string {
	names := slices.Clone(h.o.Connectors.Names())
	slices.Sort(names)
	for _, name := range names {
		topics, err := h.o.Connectors.Topics(name)
		if err == nil && slices.Contains(topics, topic) {
			return name
		}
	}
	return ""
}

// errorBody is the REST API's error body, which the console's endpoints
// answer too.
type errorBody struct {
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{ErrorCode: status, Message: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(errorBody{ErrorCode: status, Message: "encode response: " + err.Error()})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
