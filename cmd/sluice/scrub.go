package main

import (
	"encoding/json"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/sluicecdc/sluice/internal/restsec"
)

// daemonSecrets returns the secret values of the daemon's own configuration:
// the worker file's (workerconfig.Config.Secrets: resolved placeholders,
// passwords, SASL secrets) and the REST credentials (the Basic passwords
// and bearer tokens). They go to the connectors' scrubber and the log
// writer, so no trace, validate answer or log line shows one.
func (c serveConfig) daemonSecrets() []string {
	var out []string
	if c.worker != nil {
		out = append(out, c.worker.Secrets()...)
	}
	if c.rest.BasicAuthFile != "" {
		// An unreadable file stops serve later with its own message.
		users, _ := restsec.LoadBasicAuth(c.rest.BasicAuthFile)
		for _, p := range users {
			out = append(out, p)
		}
	}
	if c.rest.TokensFile != "" {
		toks, _ := restsec.LoadTokens(c.rest.TokensFile)
		out = append(out, toks...)
	}
	out = slices.DeleteFunc(out, func(s string) bool { return s == "" })
	slices.Sort(out)
	return slices.Compact(out)
}

// scrubWriter replaces every secret in what is written through it with
// "[hidden]": the daemon's log output. A log handler writes one record a
// call, so a secret is never split between two writes. Each secret is also
// replaced in the escaped forms the text (Go quoting) and JSON handlers
// give a value with quotes, backslashes or newlines.
type scrubWriter struct {
	mu sync.Mutex
	w  io.Writer
	r  *strings.Replacer
}

// newScrubWriter returns w itself when there is no secret.
func newScrubWriter(w io.Writer, secrets []string) io.Writer {
	var forms []string
	for _, s := range secrets {
		q := strconv.Quote(s)
		j, _ := json.Marshal(s)
		forms = append(forms, s, q[1:len(q)-1], string(j[1:len(j)-1]))
	}
	slices.SortFunc(forms, func(a, b string) int { return len(b) - len(a) }) // longest first
	forms = slices.Compact(forms)
	if len(forms) == 0 {
		return w
	}
	var pairs []string
	for _, f := range forms {
		pairs = append(pairs, f, "[hidden]")
	}
	return &scrubWriter{w: w, r: strings.NewReplacer(pairs...)}
}

func (s *scrubWriter) Write(p []byte) (int, error) {
	clean := s.r.Replace(string(p))
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := io.WriteString(s.w, clean); err != nil {
		return 0, err
	}
	return len(p), nil
}
