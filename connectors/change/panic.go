package change

import (
	"fmt"
	"runtime/debug"
)

// PanicError is a panic in a connector's code turned into an error, so that
// a bug fails that connector, with the stack in its status trace, instead
// of taking the daemon and every other connector down. It is terminal: it
// has no Retryable method.
type PanicError struct {
	Value any    // what was passed to panic
	Stack []byte // the panicking goroutine's stack
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("internal error, a bug in sluice (please report it with this trace): panic: %v\n%s", e.Value, e.Stack)
}

// Guard calls f and returns its error, or a *PanicError when f panics.
func Guard(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	return f()
}
