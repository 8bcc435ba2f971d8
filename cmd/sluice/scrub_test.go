package main

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestScrubWriter: a secret is hidden from log lines of both formats, also
// where the handler escaped it (quotes, backslash, newline); without the
// writer it shows (so the check can fail).
func TestScrubWriter(t *testing.T) {
	secrets := []string{"plain-s3cret", `q"uo\te`, "multi\nline-key"}
	for _, format := range []string{"text", "json"} {
		for _, scrub := range []bool{true, false} {
			var buf bytes.Buffer
			var w = newScrubWriter(&buf, secrets)
			if !scrub {
				w = &buf
			}
			var h slog.Handler = slog.NewTextHandler(w, nil)
			if format == "json" {
				h = slog.NewJSONHandler(w, nil)
			}
			log := slog.New(h)
			for _, s := range secrets {
				log.Error("login failed for "+s, "err", errors.New("password "+s+" refused"), "raw", s)
			}
			out := buf.String()
			for _, s := range secrets {
				shown := false
				for _, form := range []string{s, strings.ReplaceAll(s, "\n", `\n`), strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`)} {
					shown = shown || strings.Contains(out, form)
				}
				if shown == scrub {
					t.Errorf("%s, scrub %v: %q shown = %v:\n%s", format, scrub, s, shown, out)
				}
			}
			if scrub && strings.Count(out, "[hidden]") < 9 {
				t.Errorf("%s: want every secret replaced by [hidden]:\n%s", format, out)
			}
		}
	}
	if w := newScrubWriter(os.Stderr, nil); w != os.Stderr {
		t.Errorf("no secrets: want the writer itself")
	}
}

// TestDaemonSecrets: the worker file's secrets (a resolved placeholder
// included) and the REST Basic passwords and tokens are the daemon's secrets.
func TestDaemonSecrets(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	secretFile := write("kafka.properties", "sasl.password=from-a-file-1\n")
	creds := write("creds.properties", "admin: rest-basic-pw-2\n")
	jaas := write("jaas.conf", "KafkaConnect {\n org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required file=\""+creds+"\";\n};\n")
	tokens := write("tokens", "rest-token-3\n")
	worker := write("worker.properties", strings.Join([]string{
		"bootstrap.servers=127.0.0.1:9094",
		"security.protocol=SASL_SSL",
		"sasl.mechanism=SCRAM-SHA-512",
		`sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="${file:` + secretFile + `:sasl.password}";`,
		"ssl.truststore.password=trust-pw-4",
		"config.providers=file",
		"config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider",
	}, "\n"))
	c, err := parseServe([]string{"--worker-config", worker, "--rest-basic-auth-file", jaas, "--rest-tokens-file", tokens}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(c.daemonSecrets(), ",")
	if got != "from-a-file-1,rest-basic-pw-2,rest-token-3,trust-pw-4" {
		t.Errorf("daemonSecrets() = %s", got)
	}
}
