package rest

import (
	"log/slog"
	"net/http"
	"slices"
	"strings"
)

// HealthState is the state GET /health reports.
type HealthState int

// The worker states of Kafka Connect's GET /health.
const (
	// Healthy: 200 "healthy".
	Healthy HealthState = iota
	// Starting: 503 "starting", until the worker has finished starting.
	Starting
	// Unhealthy: 500 "unhealthy", the worker cannot handle requests.
	Unhealthy
)

// Health is what Options.Health reports: the state, and a detail that is
// appended to the message of a starting or unhealthy worker.
type Health struct {
	State  HealthState
	Detail string
}

// workerStatus is Kafka Connect's WorkerStatus body.
type workerStatus struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

// health is GET /health, as Kafka Connect 3.7+ answers it.
func (h *handler) health(w http.ResponseWriter, r *http.Request) error {
	var hs Health
	if h.o.Health != nil {
		hs = h.o.Health()
	}
	withDetail := func(msg string) string {
		if hs.Detail != "" {
			return msg + " " + hs.Detail
		}
		return msg
	}
	switch hs.State {
	case Starting:
		writeJSON(w, http.StatusServiceUnavailable, workerStatus{"starting", withDetail("Worker is still starting up.")})
	case Unhealthy:
		writeJSON(w, http.StatusInternalServerError, workerStatus{"unhealthy",
			withDetail("Worker was unable to handle this request and may be unable to handle other requests.")})
	default:
		writeJSON(w, http.StatusOK, workerStatus{"healthy", "Worker has completed startup and is ready to handle requests."})
	}
	return nil
}

// Loggers are the daemon's named loggers with their live levels, as GET and
// PUT /admin/loggers show and change them. Level names are Kafka Connect's
// (log4j's): OFF, FATAL, ERROR, WARN, INFO, DEBUG, TRACE, ALL.
type Loggers interface {
	// Levels returns every logger with its level, by name; "root" is the
	// root logger. Loggers whose level is OFF are left out, as Kafka
	// Connect leaves them out.
	Levels() map[string]LoggerLevel
	// Level returns one logger's level; "root" names the root logger. ok is
	// false when there is no such logger.
	Level(name string) (level LoggerLevel, ok bool)
	// SetLevel sets level (one of the names above, upper case) on the
	// logger namespace and on every logger under it, creating the
	// namespace's logger if there is none, and returns the names of the
	// loggers whose level changed, sorted. "root" sets every logger.
	SetLevel(namespace, level string) []string
}

// LoggerLevel is Kafka Connect's LoggerLevel body. LastModified is when the
// REST API last changed the level (Unix milliseconds), nil if never.
type LoggerLevel struct {
	Level        string `json:"level"`
	LastModified *int64 `json:"last_modified"`
}

// logLevels are the level names PUT /admin/loggers accepts (log4j's).
var logLevels = []string{"OFF", "FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE", "ALL"}

// loggersOrNotFound returns Options.Loggers or a 404 when there are none.
func (h *handler) loggersOrNotFound() (Loggers, error) {
	if h.o.Loggers == nil {
		return nil, Errorf(http.StatusNotFound, msgNotFound)
	}
	return h.o.Loggers, nil
}

// loggers is GET /admin/loggers: {"<logger>":{"level":…,"last_modified":…}}.
func (h *handler) loggers(w http.ResponseWriter, r *http.Request) error {
	l, err := h.loggersOrNotFound()
	if err != nil {
		return err
	}
	levels := l.Levels()
	if levels == nil {
		levels = map[string]LoggerLevel{}
	}
	writeJSON(w, http.StatusOK, levels)
	return nil
}

// logger is GET /admin/loggers/{logger}; an unknown logger is 404 "Logger X
// not found.".
func (h *handler) logger(w http.ResponseWriter, r *http.Request) error {
	l, err := h.loggersOrNotFound()
	if err != nil {
		return err
	}
	name := r.PathValue("logger")
	level, ok := l.Level(name)
	if !ok {
		return Errorf(http.StatusNotFound, "Logger %s not found.", name)
	}
	writeJSON(w, http.StatusOK, level)
	return nil
}

// setLoggerLevel is PUT /admin/loggers/{logger} with {"level":"DEBUG"}. As
// in Kafka Connect: no level is 400, a level that is not a log4j level is
// 404 "invalid log level 'X'." and the levels to use (Kafka Connect throws its NotFoundException
// there); ?scope=cluster answers 204 with no body (sluice is a cluster of
// one, so the level changes here), any other scope is worker scope: 200 and
// the sorted names of the loggers whose level changed.
func (h *handler) setLoggerLevel(w http.ResponseWriter, r *http.Request) error {
	l, err := h.loggersOrNotFound()
	if err != nil {
		return err
	}
	body, err := readBody(w, r, `send {"level":"DEBUG"}`)
	if err != nil {
		return err
	}
	var req map[string]any
	if err := decodeJSON(body, &req, false, ""); err != nil {
		return err
	}
	raw, ok := req["level"]
	if !ok || raw == nil {
		return Errorf(http.StatusBadRequest, "Desired 'level' parameter was not specified in request.")
	}
	given, isString := raw.(string)
	if !isString {
		return Errorf(http.StatusBadRequest, "The 'level' parameter must be a string, such as \"DEBUG\".")
	}
	level := strings.ToUpper(strings.TrimSpace(given))
	if !slices.Contains(logLevels, level) {
		return Errorf(http.StatusNotFound, "invalid log level '%s'. Use one of %s.", given, strings.Join(logLevels, ", "))
	}
	namespace := r.PathValue("logger")
	changed := l.SetLevel(namespace, level)
	h.log.LogAttrs(r.Context(), slog.LevelInfo, "logger level set",
		slog.String("logger", namespace), slog.String("level", level), slog.Any("changed", changed))
	if strings.EqualFold(r.URL.Query().Get("scope"), "cluster") {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	if changed == nil {
		changed = []string{}
	}
	writeJSON(w, http.StatusOK, changed)
	return nil
}
