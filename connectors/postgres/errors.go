package postgres

import (
	"errors"
	"fmt"
	"strings"
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
		"a new snapshot is needed: delete the connector's offsets (DELETE /connectors/<name>/offsets) and restart it with snapshot.mode=initial", e.Slot, e.Reason)
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
// true for lost connections, false for configuration, prerequisite, decode
// and lost-slot errors. Errors that say nothing are treated as retryable.
func IsRetryable(err error) bool {
	var r interface{ Retryable() bool }
	if errors.As(err, &r) {
		return r.Retryable()
	}
	return true
}
