package postgres

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// Sentinel errors. Match them with errors.Is; the typed errors below wrap them.
var (
	// ErrPrerequisites: the database is not set up for capture. Terminal:
	// retrying cannot help until someone applies the fixes in the message.
	ErrPrerequisites = errors.New("postgres prerequisites not met")
	// ErrSlotLost: the replication slot the checkpoint depends on was dropped,
	// invalidated, or the WAL it needs was removed. Terminal: changes were
	// lost, a new snapshot is needed.
	ErrSlotLost = errors.New("replication slot lost")
	// ErrConnection: the connection to Postgres failed or was lost. Retryable.
	ErrConnection = errors.New("postgres connection lost")
	// ErrDecode: a message or value from Postgres could not be decoded. Terminal.
	ErrDecode = errors.New("postgres decode failed")
	// ErrAuth: Postgres refused the connector's login (a wrong password, an
	// unknown role, no pg_hba.conf entry). Terminal: the same settings
	// cannot succeed on a retry.
	ErrAuth = errors.New("postgres refused the login")
)

// PrerequisiteError lists every problem found by the prerequisite checks,
// each with its fix. It is terminal.
type PrerequisiteError struct {
	Problems []error
}

func (e *PrerequisiteError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%d problem", ErrPrerequisites, len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteByte('s')
	}
	b.WriteString("):")
	for _, p := range e.Problems {
		b.WriteString("\n  - ")
		b.WriteString(p.Error())
	}
	return b.String()
}

// Unwrap returns ErrPrerequisites and the individual problems.
func (e *PrerequisiteError) Unwrap() []error { return append([]error{ErrPrerequisites}, e.Problems...) }

// Retryable reports false: the database must be fixed first.
func (e *PrerequisiteError) Retryable() bool { return false }

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

// ConnError is a failed or lost connection. It is retryable: reopening the
// source from the last checkpoint loses nothing.
type ConnError struct {
	Op  string
	Err error
}

func (e *ConnError) Error() string { return fmt.Sprintf("postgres: %s: %v", e.Op, e.Err) }

// Unwrap returns ErrConnection and the underlying error.
func (e *ConnError) Unwrap() []error { return []error{ErrConnection, e.Err} }

// Retryable reports true.
func (e *ConnError) Retryable() bool { return true }

// AuthError is a login Postgres refused. It is terminal: retrying with the
// same user and password cannot succeed, so the connector fails at once
// with the fix.
type AuthError struct {
	Op  string // what was being done: "connect to host:5432 database "db" as "user""
	Fix string // what to change
	Err error  // the server's error
}

func (e *AuthError) Error() string { return fmt.Sprintf("postgres: %s: %v: %s", e.Op, e.Err, e.Fix) }

// Unwrap returns ErrAuth and the server's error.
func (e *AuthError) Unwrap() []error { return []error{ErrAuth, e.Err} }

// Retryable reports false.
func (e *AuthError) Retryable() bool { return false }

// DecodeError is a value or protocol message that could not be decoded. It
// is terminal.
type DecodeError struct {
	Table  string
	Column string
	Err    error
}

func (e *DecodeError) Error() string {
	if e.Column != "" {
		return fmt.Sprintf("postgres: decode %s column %q: %v", e.Table, e.Column, e.Err)
	}
	return fmt.Sprintf("postgres: decode %s: %v", e.Table, e.Err)
}

// Unwrap returns ErrDecode and the underlying error.
func (e *DecodeError) Unwrap() []error { return []error{ErrDecode, e.Err} }

// Retryable reports false.
func (e *DecodeError) Retryable() bool { return false }

// IsRetryable reports whether err is worth retrying by reopening the source:
// true for lost connections and servers out of reach, false for refused
// logins and configuration, prerequisite, decode and lost-slot errors. It is
// the runtime's rule (runtime.IsRetryable): an error says so through a
// Retryable() bool method, and one that says nothing is terminal.
func IsRetryable(err error) bool {
	var r interface{ Retryable() bool }
	return errors.As(err, &r) && r.Retryable()
}

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
		return &ConnError{Op: op, Err: err}
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
