// Package capture is the capture core shared by the database sources
// (connectors/postgres, connectors/mysql): what both do the same way lives
// here once, and each source keeps only what belongs to its database
// (docs/capture-core.md). For now it holds the error taxonomy, the key
// orders and snapshot regions, the snapshot emitter and table loop, the rows
// a resumed snapshot's read-ahead found, the stream pipe and heartbeat clock,
// the open-plan decision, the signals (Debezium's signal channels and
// actions) and the incremental snapshot engine.
package capture

import (
	"errors"
	"fmt"
	"net"
	"strings"
)

// Sentinel errors: the kinds both sources classify their errors into. Match
// them with errors.Is; the typed errors below wrap them. A source re-exports
// them under its own name (postgres.ErrConnection is ErrConnection).
var (
	// ErrPrerequisites: the database is not set up for capture. Terminal:
	// retrying cannot help until someone applies the fixes in the message.
	ErrPrerequisites = errors.New("prerequisites not met")
	// ErrConnection: the connection to the database failed or was lost.
	// Retryable.
	ErrConnection = errors.New("connection lost")
	// ErrDecode: a message, event or value from the database could not be
	// decoded. Terminal.
	ErrDecode = errors.New("decode failed")
	// ErrAuth: the database refused the connector's login (a wrong password,
	// an unknown role or user, a host not allowed). Terminal: the same
	// settings cannot succeed on a retry.
	ErrAuth = errors.New("the database refused the login")
)

// Source names the database an error comes from. Its Name ("postgres",
// "mysql") starts the error texts, so each source's messages read as they
// always have. A source implements it on an empty struct and instantiates
// the error types with it (type ConnError = capture.ConnError[pgSource]),
// which also keeps one source's typed errors apart from the other's for
// errors.As.
type Source interface {
	Name() string
}

// PrerequisiteError lists every problem found by the prerequisite checks,
// each with its fix. It is terminal.
type PrerequisiteError[S Source] struct {
	Problems []error
}

func (e *PrerequisiteError[S]) Error() string {
	var s S
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s (%d problem", s.Name(), ErrPrerequisites, len(e.Problems))
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
func (e *PrerequisiteError[S]) Unwrap() []error {
	return append([]error{ErrPrerequisites}, e.Problems...)
}

// Retryable reports false: the database must be fixed first.
func (e *PrerequisiteError[S]) Retryable() bool { return false }

// ConnError is a failed or lost connection. It is retryable: reopening the
// source from the last checkpoint loses nothing.
type ConnError[S Source] struct {
	Op  string
	Err error
}

func (e *ConnError[S]) Error() string {
	var s S
	return fmt.Sprintf("%s: %s: %v", s.Name(), e.Op, e.Err)
}

// Unwrap returns ErrConnection and the underlying error.
func (e *ConnError[S]) Unwrap() []error { return []error{ErrConnection, e.Err} }

// Retryable reports true.
func (e *ConnError[S]) Retryable() bool { return true }

// AuthError is a login the database refused. It is terminal: retrying with
// the same user and password cannot succeed, so the connector fails at once
// with the fix.
type AuthError[S Source] struct {
	Op  string // what was being done: "connect to host:5432 database "db" as "user""
	Fix string // what to change
	Err error  // the server's error
}

func (e *AuthError[S]) Error() string {
	var s S
	return fmt.Sprintf("%s: %s: %v: %s", s.Name(), e.Op, e.Err, e.Fix)
}

// Unwrap returns ErrAuth and the server's error.
func (e *AuthError[S]) Unwrap() []error { return []error{ErrAuth, e.Err} }

// Retryable reports false.
func (e *AuthError[S]) Retryable() bool { return false }

// DecodeError is a value, event or protocol message that could not be
// decoded. It is terminal.
type DecodeError[S Source] struct {
	Table  string
	Column string
	Err    error
}

func (e *DecodeError[S]) Error() string {
	var s S
	if e.Column != "" {
		return fmt.Sprintf("%s: decode %s column %q: %v", s.Name(), e.Table, e.Column, e.Err)
	}
	return fmt.Sprintf("%s: decode %s: %v", s.Name(), e.Table, e.Err)
}

// Unwrap returns ErrDecode and the underlying error.
func (e *DecodeError[S]) Unwrap() []error { return []error{ErrDecode, e.Err} }

// Retryable reports false.
func (e *DecodeError[S]) Retryable() bool { return false }

// IsRetryable reports whether err is worth retrying by reopening the source:
// true for lost connections and servers out of reach, false for refused
// logins and configuration, prerequisite, decode and lost-position errors.
// It is the runtime's rule (runtime.IsRetryable): an error says so through a
// Retryable() bool method, and one that says nothing is terminal.
func IsRetryable(err error) bool {
	var r interface{ Retryable() bool }
	return errors.As(err, &r) && r.Retryable()
}

// UnreachableHint returns the fix to append to the operation of a
// *ConnError when err says the database server could not be reached at all
// (a refused or timed-out dial, a host name that does not resolve), and ""
// otherwise. The error stays retryable: a server that is down comes back.
func UnreachableHint(err error) string {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return " (the host name does not resolve: check database.hostname)"
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return " (no database server answers there: check database.hostname and database.port, and that the server is up and accepts connections from sluice's host)"
	}
	return ""
}
