package mysql

import (
	"log/slog"
	"sync"
	"testing"
)

// testWriter writes to the test's log until the test ends, and drops what
// comes after: a goroutine the test started may still log then, and
// t.Log after the end panics ("Log in goroutine after Test... has
// completed"), which fails the whole package without naming a test.
type testWriter struct {
	t    *testing.T
	mu   *sync.Mutex
	done *bool
}

func (w testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !*w.done {
		w.t.Log(string(p))
	}
	return len(p), nil
}

// testLogger logs to the test's output at info level, until the test ends.
func testLogger(t *testing.T) *slog.Logger {
	w := testWriter{t: t, mu: &sync.Mutex{}, done: new(bool)}
	t.Cleanup(func() {
		w.mu.Lock()
		*w.done = true
		w.mu.Unlock()
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}
