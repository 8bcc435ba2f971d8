package rest

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// Error is an error with the HTTP status the REST API answers it with. A
// Manager may return one (or any error with a StatusCode() int method, possibly
// wrapped) for a problem the user caused; the handler answers
// {"error_code":Status,"message":Error()}.
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
// single key). Problems are listed key by key in key order:
//
//	Connector configuration is invalid and contains the following 1 error(s):
//	The 'topic.prefix' value is invalid: A value is required
//	You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`
//
// It returns nil if there are no problems.
func InvalidConfigError(problems map[string][]string) *Error {
	var msgs []string
	for _, k := range slices.Sorted(maps.Keys(problems)) {
		msgs = append(msgs, problems[k]...)
	}
	if len(msgs) == 0 {
		return nil
	}
	return &Error{
		Status: http.StatusBadRequest,
		Message: fmt.Sprintf("Connector configuration is invalid and contains the following %d error(s):\n%s\n"+
			"You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`",
			len(msgs), strings.Join(msgs, "\n")),
	}
}

// statusCoder is implemented by errors that carry their HTTP status.
type statusCoder interface {
	StatusCode() int
}

// statusOf returns the HTTP status an error is answered with: its own if it
// has a valid one, else 500.
func statusOf(err error) int {
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
	// JSON (JAX-RS's @Consumes check).
	msgUnsupportedMediaType = "HTTP 415 Unsupported Media Type"
)
