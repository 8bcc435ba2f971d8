package kafka

import "errors"

// terminal is an error the runtime must not retry.
type terminal struct{ error }

// Retryable reports false: restarting would fence the other instance in turn.
func (terminal) Retryable() bool { return false }

func (t terminal) Unwrap() error { return t.error }

// ErrFenced means another instance of the same connector started a producer
// with the same transactional.id: this instance must stop. It is terminal.
var ErrFenced error = terminal{errors.New("fenced: another sluice instance is running this connector (same transactional.id); stop one of them")}
