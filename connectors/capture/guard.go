package capture

import (
	"context"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
)

// A Guard watches what a connector holds on its database server whether or
// not its task runs (a Postgres replication slot keeps the server's WAL
// until the slot moves), judges it against the connector's limits, and can
// release it. The runtime checks it every Every() for as long as the
// connector is registered: running, paused, stopped or failed.
type Guard interface {
	// Every is how often the runtime checks.
	Every() time.Duration
	// Check reads the hold's state on the server and judges it.
	Check(ctx context.Context) (GuardReport, error)
	// Release drops the hold so that the server can free what it keeps
	// for it. The runtime calls it only with the connector's task stopped.
	Release(ctx context.Context) error
}

// A PositionGuard is a Guard that judges the connector's committed
// position: the runtime gives it the checkpoint when it starts and each
// position committed after.
type PositionGuard interface {
	Guard
	Committed(pos change.Position)
}

// GuardReport is one Check: the hold's state, for the metrics, and the
// judgement, for the status and the log.
type GuardReport struct {
	// Slot names the hold; Exists is false when the server has none.
	Slot   string
	Exists bool
	// Active: a process (the connector's task, or another) is reading it.
	Active bool
	// Retained is how many bytes of its log the server keeps for the
	// hold; -1 when unknown.
	Retained int64
	// Safe is how many more bytes the server may write before it may
	// invalidate the hold; -1 when it never does.
	Safe int64
	// Status is the server's word for the hold's state (Postgres's
	// wal_status: reserved, extended, unreserved, lost).
	Status string
	// Behind is how many bytes of the source's log follow the connector's
	// committed position (the MySQL binlog); -1 when unknown or not
	// reported.
	Behind int64
	// Warn and Max are the connector's limits on Retained (0: none), for
	// the metrics.
	Warn, Max int64
	// Warnings say what is wrong and what to do, one sentence each.
	Warnings []string
	// Over is set when Retained is above Max: why the connector is
	// stopped, and the fix. Release says the connector's config asks for
	// the hold to be released then, and Released is what the status says
	// once it is.
	Over     string
	Release  bool
	Released string
}
