package connerr

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorIsItsKind(t *testing.T) {
	err := fmt.Errorf("context: %w", New(ErrNotFound, "Connector %s not found", "c1"))
	if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrExists) {
		t.Fatalf("errors.Is: %v", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Message != "Connector c1 not found" {
		t.Fatalf("errors.As: %+v", e)
	}
}

func TestInvalidConfig(t *testing.T) {
	if err := InvalidConfig(nil); err != nil {
		t.Errorf("no problems: %v", err)
	}
	if err := InvalidConfig(map[string][]string{"a": nil}); err != nil {
		t.Errorf("a key without problems: %v", err)
	}
	err := InvalidConfig(map[string][]string{"b": {"B1", "B2"}, "a": {"A"}})
	want := "Connector configuration is invalid and contains the following 3 error(s):\nA\nB1\nB2\n" +
		"You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`"
	if err == nil || err.Error() != want {
		t.Fatalf("got %q, want %q", err, want)
	}
	var ic *InvalidConfigError
	if !errors.As(err, &ic) || len(ic.Problems) != 2 {
		t.Fatalf("errors.As: %+v", ic)
	}
}
