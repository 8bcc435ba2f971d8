package connerr

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// The kinds of failure; an *Error wraps one (errors.Is).
var (
	// ErrNotFound: no connector (or plugin) of that name.
	ErrNotFound = errors.New("not found")
	// ErrExists: a connector of that name is already registered.
	ErrExists = errors.New("already exists")
	// ErrNotReady: the worker cannot do it now or at all (it is shutting
	// down, it has no Kafka to write to); retrying later may succeed.
	ErrNotReady = errors.New("not ready")
	// ErrBadRequest: the request cannot be applied as it is (an unknown
	// initial state, offsets of a connector that is not stopped, an
	// offset that does not parse); the message says what to change.
	ErrBadRequest = errors.New("bad request")
)

// Error is a failure of one kind with the message the user is shown.
type Error struct {
	Kind    error // ErrNotFound, ErrExists, ErrNotReady or ErrBadRequest
	Message string
}

// Error returns the message.
func (e *Error) Error() string { return e.Message }

// Unwrap returns the kind.
func (e *Error) Unwrap() error { return e.Kind }

// New returns an *Error of kind with a formatted message.
func New(kind error, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// InvalidConfigError is a connector config that fails validation, with
// every problem found, keyed by config key ("" for problems of no single
// key), as validate reports them.
type InvalidConfigError struct {
	Problems map[string][]string
}

// InvalidConfig returns the *InvalidConfigError of problems, or nil if
// there are none.
func InvalidConfig(problems map[string][]string) error {
	for _, ps := range problems {
		if len(ps) > 0 {
			return &InvalidConfigError{Problems: problems}
		}
	}
	return nil
}

// Error returns Kafka Connect's message, the problems listed key by key in
// key order:
//
//	Connector configuration is invalid and contains the following 1 error(s):
//	The 'topic.prefix' value is invalid: A value is required
//	You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`
func (e *InvalidConfigError) Error() string {
	var msgs []string
	for _, k := range slices.Sorted(maps.Keys(e.Problems)) {
		msgs = append(msgs, e.Problems[k]...)
	}
	return fmt.Sprintf("Connector configuration is invalid and contains the following %d error(s):\n%s\n"+
		"You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`",
		len(msgs), strings.Join(msgs, "\n"))
}
