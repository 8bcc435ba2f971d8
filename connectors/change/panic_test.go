package change

import (
	"errors"
	"strings"
	"testing"
)

func TestGuardTurnsAPanicIntoAnError(t *testing.T) {
	want := errors.New("plain")
	if err := Guard(func() error { return want }); err != want {
		t.Fatalf("Guard changed a plain error: %v", err)
	}
	err := Guard(func() error {
		var s []int
		_ = s[3]
		return nil
	})
	var pe *PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("Guard returned %v, want a *PanicError", err)
	}
	if !strings.Contains(err.Error(), "index out of range") || !strings.Contains(err.Error(), "panic_test.go") {
		t.Errorf("the error does not name the panic and where it happened:\n%s", err)
	}
}
