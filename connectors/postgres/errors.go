package postgres

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sluicecdc/sluice/connectors/capture"
)

// Sentinel errors. Match them with errors.Is; the typed errors below wrap them.
// The kinds both sources share are capture's: postgres.ErrConnection is
// capture.ErrConnection.
var (
	// ErrPrerequisites: the database is not set up for capture. Terminal:
	// retrying cannot help until someone applies the fixes in the message.
	ErrPrerequisites = capture.ErrPrerequisites
	// ErrSlotLost: the replication slot the checkpoint depends on was dropped,
	// invalidated, or the WAL it needs was removed. Terminal: changes were
	// lost, a new snapshot is needed.
	ErrSlotLost = errors.New("replication slot lost")
	// ErrConnection: the connection to Postgres failed or was lost. Retryable.
	ErrConnection = capture.ErrConnection
	// ErrDecode: a message or value from Postgres could not be decoded. Terminal.
	ErrDecode = capture.ErrDecode
	// ErrAuth: Postgres refused the connector's login (a wrong password, an
	// unknown role, no pg_hba.conf entry). Terminal: the same settings
	// cannot succeed on a retry.
	ErrAuth = capture.ErrAuth
)

// pgSource names Postgres in the texts of capture's typed errors.
type pgSource struct{}

// Name returns "postgres".
func (pgSource) Name() string { return "postgres" }

// The typed errors both sources share (capture's), named here as before.
type (
	// PrerequisiteError lists every problem found by the prerequisite
	// checks, each with its fix. It is terminal.
	PrerequisiteError = capture.PrerequisiteError[pgSource]
	// ConnError is a failed or lost connection. It is retryable.
	ConnError = capture.ConnError[pgSource]
	// AuthError is a login Postgres refused. It is terminal.
	AuthError = capture.AuthError[pgSource]
	// DecodeError is a value or protocol message that could not be
	// decoded. It is terminal.
	DecodeError = capture.DecodeError[pgSource]
)

// SlotLostError reports that the replication slot can no longer give the
// changes the connector needs. It is terminal.
type SlotLostError struct {
	Slot   string
	Reason string
	Err    error // the underlying server error, if any
}

func (e *SlotLostError) Error() string {
	s := fmt.Sprintf("replication slot %q was lost (%s): the changes since the last checkpoint can no longer be read; "+
		"a new snapshot is needed: delete the connector's offsets (DELETE /connectors/<name>/offsets) and restart it with snapshot.mode=initial, "+
		"or set snapshot.mode=when_needed to take a new snapshot by itself whenever this happens", e.Slot, e.Reason)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns ErrSlotLost and the underlying error.
func (e *SlotLostError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrSlotLost}
	}
	return []error{ErrSlotLost, e.Err}
}

// Retryable reports false.
func (e *SlotLostError) Retryable() bool { return false }

// IsRetryable reports whether err is worth retrying by reopening the source:
// true for lost connections and servers out of reach, false for refused
// logins and configuration, prerequisite, decode and lost-slot errors
// (capture.IsRetryable, the runtime's rule).
func IsRetryable(err error) bool { return capture.IsRetryable(err) }

// classifyConnectError types an error from opening a connection: a refused
// login is an *AuthError, a missing database or privilege a
// *PrerequisiteError (all terminal, each naming the fix); anything else (a
// server out of reach, one starting up or shutting down, too many
// connections) is a retryable *ConnError.
func classifyConnectError(cfg *Config, op string, err error) error {
	if tlsErr := classifyTLSError(cfg, op, err); tlsErr != nil {
		return tlsErr
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return &ConnError{Op: op + capture.UnreachableHint(err), Err: err}
	}
	msg := strings.ToLower(pgErr.Message)
	switch {
	case pgErr.Code == "28P01":
		return &AuthError{Op: op, Err: err, Fix: fmt.Sprintf("check database.user (%q) and database.password; the role must exist and may log in with that password", cfg.User)}
	case strings.HasPrefix(pgErr.Code, "28") && strings.Contains(msg, "pg_hba.conf"):
		return &AuthError{Op: op, Err: err, Fix: fmt.Sprintf("allow role %q to connect to database %q from sluice's address in pg_hba.conf (a host line with this database, user and address; logical replication matches the database name, not the replication keyword), then SELECT pg_reload_conf()", cfg.User, cfg.DBName)}
	case strings.HasPrefix(pgErr.Code, "28"):
		return &AuthError{Op: op, Err: err, Fix: fmt.Sprintf("check database.user (%q) and database.password, and that the role exists and has LOGIN", cfg.User)}
	case pgErr.Code == "3D000":
		return &PrerequisiteError{Problems: []error{fmt.Errorf("%s: %w: database %q does not exist: check database.dbname or create the database", op, err, cfg.DBName)}}
	case pgErr.Code == "42501":
		return &PrerequisiteError{Problems: []error{fmt.Errorf("%s: %w: grant the role REPLICATION (ALTER ROLE %s WITH REPLICATION, as a superuser) and CONNECT on database %q", op, err, cfg.User, cfg.DBName)}}
	}
	return &ConnError{Op: op, Err: err}
}
