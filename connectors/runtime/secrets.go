package runtime

import (
	"slices"
	"strings"
)

// secrets are the values that must never appear in a log line, a status
// trace or an error message: what config provider placeholders resolved to,
// and the secret keys' values (passwords) stored in a config.
type secrets []string

// minSecretLen is the shortest stored password value that is scrubbed from
// messages; a shorter one would blank out unrelated words. Resolved
// placeholder values are scrubbed whatever their length.
const minSecretLen = 3

// secretsOf collects the secrets of a stored config: resolved (what its
// placeholders resolved to) and the values of its secret keys that are not
// placeholders.
func secretsOf(plugins []Plugin, stored map[string]string, resolved []string) secrets {
	var out secrets
	for _, v := range resolved {
		if v != "" {
			out = append(out, v)
		}
	}
	p := findPlugin(plugins, stored["connector.class"])
	shown := map[string]bool{} // values of keys that are no secret
	for k, v := range stored {
		if !isSecret(p, k) {
			shown[v] = true
		}
	}
	for k, v := range stored {
		// A password equal to a value shown anyway (database.user=postgres,
		// database.password=postgres) is not hidden: hiding it would blank
		// the user name and class names out of every message.
		if isSecret(p, k) && len(v) >= minSecretLen && !strings.Contains(v, "${") && !shown[v] {
			out = append(out, v)
		}
	}
	// Longest first, so a secret that contains another is replaced whole.
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return slices.Compact(out)
}

// scrub replaces every secret in s with "[hidden]".
func (sec secrets) scrub(s string) string {
	for _, v := range sec {
		s = strings.ReplaceAll(s, v, hidden)
	}
	return s
}

// scrubErr returns err, or an error with err's message scrubbed that still
// unwraps to err (so IsRetryable and errors.As keep working) when err's
// message holds a secret.
func (sec secrets) scrubErr(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if clean := sec.scrub(msg); clean != msg {
		return &scrubbedError{msg: clean, err: err}
	}
	return err
}

func (sec secrets) scrubProblems(p problems) {
	for k, es := range p {
		for i := range es {
			es[i] = sec.scrub(es[i])
		}
		p[k] = es
	}
}

// scrubbedError shows a message with its secrets hidden.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }
