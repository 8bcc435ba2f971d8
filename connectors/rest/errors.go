package rest

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/sluicecdc/sluice/connectors/connerr"
)

// Error is an error of the REST layer itself (a malformed body, an unknown
// path) with the HTTP status it is answered with. What a Manager returns
// carries no status: its connerr kinds are mapped to one by StatusOf.
type Error struct {
	Status  int
	Message string
}

// Error returns the message.
func (e *Error) Error() string { return e.Message }

// StatusCode returns the HTTP status.
func (e *Error) StatusCode() int { return e.Status }

// Errorf returns an *Error with the given status and a formatted message.
func Errorf(status int, format string, args ...any) *Error {
	return &Error{Status: status, Message: fmt.Sprintf(format, args...)}
}

// InvalidConfigError returns the 400 error Kafka Connect answers when a
// create or a config update fails validation, with the problems as
// Manager.Validate reports them (keyed by config key, "" for problems of no
// single key), worded as connerr.InvalidConfigError words them. It returns
// nil if there are no problems.
func InvalidConfigError(problems map[string][]string) *Error {
	err := connerr.InvalidConfig(problems)
	if err == nil {
		return nil
	}
	return &Error{Status: http.StatusBadRequest, Message: err.Error()}
}

// statusCoder is implemented by errors that carry their HTTP status.
type statusCoder interface {
	StatusCode() int
}

// StatusOf returns the HTTP status an error is answered with: a connerr
// kind's (not found 404, exists 409, an invalid config or a bad request
// 400, not ready 503), an error's own StatusCode if it has a valid one,
// else 500. The message is the error's text.
func StatusOf(err error) int {
	var ic *connerr.InvalidConfigError
	switch {
	case errors.As(err, &ic):
		return http.StatusBadRequest
	case errors.Is(err, connerr.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, connerr.ErrExists):
		return http.StatusConflict
	case errors.Is(err, connerr.ErrBadRequest):
		return http.StatusBadRequest
	case errors.Is(err, connerr.ErrNotReady):
		return http.StatusServiceUnavailable
	}
	var sc statusCoder
	if errors.As(err, &sc) {
		if s := sc.StatusCode(); s >= 400 && s <= 599 {
			return s
		}
	}
	return http.StatusInternalServerError
}

// errorBody is Kafka Connect's error entity.
type errorBody struct {
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
}

// Messages the REST layer itself decides. Kafka Connect's JAX-RS layer
// answers unmatched paths and methods with these texts.
const (
	msgNotFound         = "HTTP 404 Not Found"
	msgMethodNotAllowed = "HTTP 405 Method Not Allowed"
	// msgUnsupportedMediaType answers a request whose Content-Type is not
	// JSON (JAX-RS's @Consumes check): JAX-RS's text, then the fix.
	msgUnsupportedMediaType = "HTTP 415 Unsupported Media Type: send the body as JSON, with the header Content-Type: application/json"
)
