package runtime

import (
	"errors"

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
