package runtime

import (
	"errors"
	"fmt"
	"net/http"
	"syscall"

	"github.com/sluicecdc/sluice/connectors/connerr"
)

// The supervisor's errors are connerr errors: it says what went wrong
// (not found, exists, an invalid config, not ready, a bad request) and
// connectors/rest decides the HTTP status. The messages are Kafka Connect's.

// errEmptyName refuses a connector without a name.
var errEmptyName = connerr.New(connerr.ErrBadRequest, "connector name is empty: give the connector a name")

// errShuttingDown answers a command that reaches a connector once the
// supervisor is shutting down, and a create then.
var errShuttingDown = connerr.New(connerr.ErrNotReady, "sluice is shutting down")

// errDeleted is what a command gets when the connector was deleted before
// the command reached it; the caller answers its own not-found message.
var errDeleted = errors.New("connector deleted")

// notFound is an unknown connector, in the words of the endpoint asked
// (Kafka Connect's differ: "Connector %s not found", "Unknown connector
// %s", …).
func notFound(format, name string) error { return connerr.New(connerr.ErrNotFound, format, name) }

// invalidConfigError lists every problem of a connector config; nil if
// there are none.
func invalidConfigError(probs problems) error { return connerr.InvalidConfig(probs) }

// errNotStopped refuses to change the offsets of a connector that is not
// STOPPED.
func errNotStopped(name string) error {
	return connerr.New(connerr.ErrBadRequest, "Connectors must be in the STOPPED state before their offsets can be modified. "+
		"This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/%s/stop' endpoint", name)
}

// storageError is a failed write to the data directory, answered 507
// (Insufficient Storage) when the disk is full, else 500.
type storageError struct {
	err error
}

func (e storageError) Error() string { return e.err.Error() }
func (e storageError) Unwrap() error { return e.err }

// StatusCode is the REST answer's status.
func (e storageError) StatusCode() int {
	if errors.Is(e.err, syscall.ENOSPC) || errors.Is(e.err, syscall.EDQUOT) {
		return http.StatusInsufficientStorage
	}
	return http.StatusInternalServerError
}

// saveError wraps a failed save of connectors.json in dir with what to do.
func saveError(dir string, err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return storageError{fmt.Errorf("save connectors: the data directory %s is full (%w): free space there and send the request again; nothing was changed", dir, err)}
	}
	return storageError{fmt.Errorf("save connectors to the data directory %s: %w; nothing was changed", dir, err)}
}
