package capture

import (
	"errors"
	"fmt"
	"testing"
)

type srcA struct{}

func (srcA) Name() string { return "a" }

type srcB struct{}

func (srcB) Name() string { return "b" }

func TestErrorTaxonomy(t *testing.T) {
	cause := errors.New("boom")
	cases := []struct {
		name      string
		err       error
		text      string
		kind      error
		retryable bool
	}{
		{"conn", &ConnError[srcA]{Op: "connect", Err: cause}, "a: connect: boom", ErrConnection, true},
		{"auth", &AuthError[srcA]{Op: "login", Fix: "fix it", Err: cause}, "a: login: boom: fix it", ErrAuth, false},
		{"decode", &DecodeError[srcA]{Table: "t", Err: cause}, "a: decode t: boom", ErrDecode, false},
		{"decode column", &DecodeError[srcA]{Table: "t", Column: "c", Err: cause}, `a: decode t column "c": boom`, ErrDecode, false},
		{"one problem", &PrerequisiteError[srcA]{Problems: []error{cause}}, "a prerequisites not met (1 problem):\n  - boom", ErrPrerequisites, false},
		{"two problems", &PrerequisiteError[srcB]{Problems: []error{cause, errors.New("bang")}}, "b prerequisites not met (2 problems):\n  - boom\n  - bang", ErrPrerequisites, false},
		{"wrapped conn", fmt.Errorf("open: %w", &ConnError[srcB]{Op: "read", Err: cause}), "open: b: read: boom", ErrConnection, true},
	}
	for _, c := range cases {
		if got := c.err.Error(); got != c.text {
			t.Errorf("%s: text %q, want %q", c.name, got, c.text)
		}
		if !errors.Is(c.err, c.kind) {
			t.Errorf("%s: not %v", c.name, c.kind)
		}
		if !errors.Is(c.err, cause) {
			t.Errorf("%s: does not wrap its cause", c.name)
		}
		if got := IsRetryable(c.err); got != c.retryable {
			t.Errorf("%s: IsRetryable %v, want %v", c.name, got, c.retryable)
		}
	}
	if IsRetryable(cause) {
		t.Error("an error that says nothing is retryable")
	}
}

// One source's typed errors must not match the other's in errors.As.
func TestErrorTypesPerSource(t *testing.T) {
	err := fmt.Errorf("x: %w", &ConnError[srcA]{Op: "read", Err: errors.New("eof")})
	var b *ConnError[srcB]
	if errors.As(err, &b) {
		t.Error("srcA's ConnError matched srcB's")
	}
	var a *ConnError[srcA]
	if !errors.As(err, &a) || a.Op != "read" {
		t.Errorf("srcA's ConnError not found: %v", a)
	}
}
