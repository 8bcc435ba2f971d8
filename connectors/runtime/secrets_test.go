package runtime

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/internal/configprovider"
	"github.com/sluicecdc/sluice/sinks"
)

// loginSource refuses the login, naming the password it was given (as a
// careless driver might), so the test sees whether sluice scrubs it.
type loginSource struct {
	password string
	opened   func(password string)
}

func (l loginSource) Open(context.Context, *change.Position) (Stream, error) {
	l.opened(l.password)
	return nil, errors.New("login refused for password " + l.password)
}

// TestProvidersResolvedAtStartAndScrubbed: a task starts with its
// placeholders resolved, GET config shows them unresolved, the resolved
// secret appears in no trace or log line, a placeholder that does not
// resolve fails the task naming the placeholder, and a PUT of the identical
// config restarts nothing.
func TestProvidersResolvedAtStartAndScrubbed(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "db.properties")
	const secret = "pr0vided-s3cret"
	if err := os.WriteFile(file, []byte("password="+secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := configprovider.Standard("file")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var builds []string
	p := testPlugin(nil)
	p.Build = func(name string, cfg map[string]string, _ *slog.Logger) (Source, error) {
		return loginSource{password: cfg["database.password"], opened: func(pw string) {
			mu.Lock()
			builds = append(builds, pw)
			mu.Unlock()
		}}, nil
	}
	var logs strings.Builder
	var logMu sync.Mutex
	s := NewSupervisor(SupervisorOptions{
		DataDir:   t.TempDir(),
		WorkerID:  "127.0.0.1:8083",
		Plugins:   []Plugin{p},
		NewSink:   func(context.Context, string, SinkSpec) (sinks.Sink, error) { return &memSink{}, nil },
		Offsets:   &memSink{},
		Providers: res,
		Log:       slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logs}, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	ctx := context.Background()
	ph := "${file:" + file + ":password}"
	cfg := map[string]string{"connector.class": "test", "topic.prefix": "p", "database.password": ph}
	if _, err := s.Create(ctx, "c1", cfg, ""); err != nil {
		t.Fatal(err)
	}
	st := waitState(t, s, "c1", StateFailed)
	for i := 0; i < 100 && st.Tasks[0].Trace == ""; i++ {
		time.Sleep(20 * time.Millisecond)
		st = waitState(t, s, "c1", StateFailed)
	}
	mu.Lock()
	if len(builds) != 1 || builds[0] != secret {
		t.Fatalf("the source was built with passwords %q, want one start with the resolved one", builds)
	}
	mu.Unlock()
	tr := st.Tasks[0].Trace
	if strings.Contains(tr, secret) || !strings.Contains(tr, "login refused for password [hidden]") {
		t.Errorf("trace = %q: want the password scrubbed to [hidden]", tr)
	}
	got, _ := s.Config("c1")
	if got["database.password"] != ph {
		t.Errorf("GET config password = %q, want the placeholder %q", got["database.password"], ph)
	}
	info, _ := s.Info("c1")
	tasks, _ := s.Tasks("c1")
	if info.Config["database.password"] != ph || tasks[0].Config["database.password"] != ph {
		t.Errorf("info/tasks show %q / %q, want the placeholder", info.Config["database.password"], tasks[0].Config["database.password"])
	}

	// PUT of the identical config: no restart.
	if _, created, err := s.PutConfig(ctx, "c1", got); err != nil || created {
		t.Fatalf("put identical: created=%v err=%v", created, err)
	}
	mu.Lock()
	n := len(builds)
	mu.Unlock()
	if n != 1 {
		t.Errorf("a PUT of the identical config restarted the connector (%d starts)", n)
	}
	// A changed config restarts it.
	changed := map[string]string{"connector.class": "test", "topic.prefix": "p2", "database.password": ph}
	if _, _, err := s.PutConfig(ctx, "c1", changed); err != nil {
		t.Fatal(err)
	}
	waitState(t, s, "c1", StateFailed)
	for i := 0; i < 100; i++ {
		mu.Lock()
		n = len(builds)
		mu.Unlock()
		if n == 2 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n != 2 {
		t.Errorf("a changed config did not restart the connector (%d starts)", n)
	}

	// A missing key: FAILED, the placeholder named, the source never built.
	missing := "${file:" + file + ":nokey}"
	if _, err := s.Create(ctx, "c2", map[string]string{"connector.class": "test", "topic.prefix": "p", "database.password": missing}, ""); err != nil {
		t.Fatalf("create with an unresolvable placeholder: %v (it should fail at task start)", err)
	}
	st = waitState(t, s, "c2", StateFailed)
	if tr := st.Tasks[0].Trace; !strings.Contains(tr, "database.password") || !strings.Contains(tr, missing) || !strings.Contains(tr, `no key "nokey"`) {
		t.Errorf("trace = %q: want the key, the placeholder and the reason", tr)
	}
	probs, err := s.Validate("test", map[string]string{"connector.class": "test", "name": "c3", "topic.prefix": "p", "database.password": missing})
	if err != nil || len(probs["database.password"]) != 1 || !strings.Contains(probs["database.password"][0], missing) {
		t.Errorf("validate = %v, %v: want the placeholder's problem on database.password", probs, err)
	}
	logMu.Lock()
	l := logs.String()
	logMu.Unlock()
	if strings.Contains(l, secret) {
		t.Errorf("the log holds the resolved secret:\n%s", l)
	}
	if !strings.Contains(l, "[hidden]") {
		t.Errorf("the log does not show the failure with the secret hidden:\n%s", l)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *strings.Builder
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func TestSecretsScrub(t *testing.T) {
	sec := secretsOf([]Plugin{testPlugin(nil)}, map[string]string{
		"connector.class": "test", "database.password": "stored-pw", "topic.prefix": "pw",
		"value.converter.basic.auth.user.info": "${file:/x:y}",
	}, []string{"resolved-value", ""})
	got := sec.scrub("a stored-pw b resolved-value c pw ${file:/x:y}")
	if got != "a [hidden] b [hidden] c pw ${file:/x:y}" {
		t.Errorf("scrub = %q", got)
	}
	// A password equal to a value shown under another key is not hidden.
	same := secretsOf([]Plugin{testPlugin(nil)}, map[string]string{
		"connector.class": "test", "database.password": "postgres", "topic.prefix": "postgres"}, nil)
	if got := same.scrub("io.debezium.connector.postgresql"); got != "io.debezium.connector.postgresql" {
		t.Errorf("scrub of a password shown as another key's value = %q", got)
	}
	base := Retryable(errors.New("x stored-pw"))
	err := sec.scrubErr(base)
	if err.Error() != "x [hidden]" || !IsRetryable(err) {
		t.Errorf("scrubErr = %q retryable=%v", err, IsRetryable(err))
	}
}

// TestWorkerSecretsScrubbed: a secret of the daemon's own (the worker file's
// SASL password, say) that a task's error quotes is hidden in the trace and
// the log, as a connector's own secrets are; a short one (under
// minSecretLen) is hidden too, being given as resolved.
func TestWorkerSecretsScrubbed(t *testing.T) {
	const saslPassword = "w0rker-sasl-pw"
	for _, tc := range []struct {
		name    string
		secrets []string
		hidden  bool
	}{
		{"given", []string{saslPassword}, true},
		{"not given", nil, false}, // the check below can fail
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := testPlugin(nil)
			p.Build = func(string, map[string]string, *slog.Logger) (Source, error) {
				return loginSource{password: saslPassword, opened: func(string) {}}, nil
			}
			var logs strings.Builder
			var logMu sync.Mutex
			s := NewSupervisor(SupervisorOptions{
				DataDir:  t.TempDir(),
				WorkerID: "127.0.0.1:8083",
				Plugins:  []Plugin{p},
				NewSink:  func(context.Context, string, SinkSpec) (sinks.Sink, error) { return &memSink{}, nil },
				Offsets:  &memSink{},
				Secrets:  tc.secrets,
				Log:      slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logs}, &slog.HandlerOptions{Level: slog.LevelDebug})),
			})
			if err := s.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
			if _, err := s.Create(context.Background(), "c1", map[string]string{"connector.class": "test", "topic.prefix": "p"}, ""); err != nil {
				t.Fatal(err)
			}
			var tr string
			for i := 0; i < 200 && tr == ""; i++ {
				tr = waitState(t, s, "c1", StateFailed).Tasks[0].Trace
				time.Sleep(10 * time.Millisecond)
			}
			logMu.Lock()
			out := tr + logs.String()
			logMu.Unlock()
			if got := !strings.Contains(out, saslPassword); got != tc.hidden {
				t.Errorf("password hidden = %v, want %v; trace and log:\n%s", got, tc.hidden, out)
			}
			if tc.hidden && !strings.Contains(tr, "login refused for password [hidden]") {
				t.Errorf("trace = %q, want the password replaced by [hidden]", tr)
			}
		})
	}
}
