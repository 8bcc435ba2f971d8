package runtime

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/rest"
	"github.com/sluicecdc/sluice/sinks"
)

func testPlugin(src Source) Plugin {
	return Plugin{
		Class:   "io.example.TestConnector",
		Aliases: []string{"test"},
		Version: "1",
		Keys:    []string{"topic.prefix", "database.password", "tombstones.on.delete"},
		Build: func(name string, cfg map[string]string, _ *slog.Logger) (Source, error) {
			var errs []error
			if cfg["topic.prefix"] == "" {
				errs = append(errs, errors.New("topic.prefix is required: set it to the prefix of the topic names"))
			}
			return src, errors.Join(errs...)
		},
	}
}

func newTestSupervisor(t *testing.T, dir string, src Source, sink *memSink) *Supervisor {
	t.Helper()
	s := NewSupervisor(SupervisorOptions{
		DataDir:  dir,
		WorkerID: "127.0.0.1:8083",
		Plugins:  []Plugin{testPlugin(src)},
		NewSink: func(context.Context, string, SinkSpec) (sinks.Sink, error) {
			return sink, nil
		},
		Offsets: sink,
	})
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	return s
}

// statusCode is the HTTP status the REST API answers err with.
func statusCode(err error) int {
	if err == nil {
		return 0
	}
	return rest.StatusOf(err)
}

func waitState(t *testing.T, s *Supervisor, name, want string) rest.ConnectorStatus {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, err := s.Status(name)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Tasks) > 0 && st.Tasks[0].State.State == want || len(st.Tasks) == 0 && st.Connector.State == want {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("status of %s = %+v, want %s", name, st, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSupervisorCreateValidatesAndPersists(t *testing.T) {
	dir := t.TempDir()
	src := &scriptedSource{events: positions(3), failAt: -1}
	sink := &memSink{}
	s := newTestSupervisor(t, dir, src, sink)
	ctx := context.Background()

	_, err := s.Create(ctx, "c1", map[string]string{"connector.class": "test", "bogus.key": "1"}, "")
	if statusCode(err) != 400 {
		t.Fatalf("invalid config: %v (status %d), want 400", err, statusCode(err))
	}
	for _, want := range []string{"contains the following 2 error(s)", `unknown configuration key "bogus.key"`, "topic.prefix is required"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
	_, err = s.Create(ctx, "c1", map[string]string{"connector.class": "io.nope.Connector"}, "")
	if statusCode(err) != 400 || !strings.Contains(err.Error(), "io.example.TestConnector") {
		t.Fatalf("unknown class: %v; want 400 naming the known classes", err)
	}
	_, err = s.Create(ctx, "c1", map[string]string{"topic.prefix": "p"}, "")
	if statusCode(err) != 400 || !strings.Contains(err.Error(), "contains no connector type") {
		t.Fatalf("no class: %v", err)
	}

	cfg := map[string]string{"connector.class": "test", "topic.prefix": "p", "database.password": "s3cret"}
	info, err := s.Create(ctx, "c1", cfg, "")
	if err != nil {
		t.Fatal(err)
	}
	if info.Config["database.password"] != "s3cret" || info.Config["name"] != "c1" {
		t.Fatalf("info config = %v", info.Config)
	}
	if _, err := s.Create(ctx, "c1", cfg, ""); statusCode(err) != 409 || err.Error() != "Connector c1 already exists" {
		t.Fatalf("duplicate: %v", err)
	}
	waitState(t, s, "c1", StateRunning)

	// PUT back what GET returned (the config as stored): nothing changes.
	got, _ := s.Config("c1")
	if _, created, err := s.PutConfig(ctx, "c1", got); err != nil || created {
		t.Fatalf("put config: created=%v err=%v", created, err)
	}
	if err := s.Pause(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	waitState(t, s, "c1", StatePaused)
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	// A new supervisor on the same data directory finds c1, paused, with
	// its password.
	s2 := newTestSupervisor(t, dir, src, sink)
	if names := s2.Names(); len(names) != 1 || names[0] != "c1" {
		t.Fatalf("names after restart = %v", names)
	}
	waitState(t, s2, "c1", StatePaused)
	stored, _ := s2.Config("c1")
	pw := stored["database.password"]
	if pw != "s3cret" {
		t.Fatalf("password after PUT of the stored config and restart = %q", pw)
	}
	if err := s2.Resume(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	waitState(t, s2, "c1", StateRunning)
	if err := s2.Delete(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Info("c1"); statusCode(err) != 404 || err.Error() != "Connector c1 not found" {
		t.Fatalf("info after delete: %v", err)
	}
}

func TestSupervisorNotFoundMessages(t *testing.T) {
	s := newTestSupervisor(t, t.TempDir(), &scriptedSource{failAt: -1}, &memSink{})
	ctx := context.Background()
	cases := []struct {
		err  error
		want string
	}{
		{func() error { _, err := s.Info("x"); return err }(), "Connector x not found"},
		{func() error { _, err := s.Config("x"); return err }(), "Connector x not found"},
		{s.Delete(ctx, "x"), "Connector x not found"},
		{func() error { _, err := s.Status("x"); return err }(), "No status found for connector x"},
		{s.Pause(ctx, "x"), "Unknown connector x"},
		{s.Resume(ctx, "x"), "Unknown connector x"},
		{s.Stop(ctx, "x"), "Unknown connector x"},
		{s.Restart(ctx, "x"), "Unknown connector: x"},
		{func() error {
			_, err := s.PatchConfig(ctx, "x", func(c map[string]string) (map[string]string, error) { return c, nil })
			return err
		}(), "Connector x not found"},
	}
	for _, c := range cases {
		if statusCode(c.err) != 404 || c.err.Error() != c.want {
			t.Errorf("got %v (%d), want 404 %q", c.err, statusCode(c.err), c.want)
		}
	}
}

// PatchConfig applies its patch to a copy of the stored config, checks the
// result as PutConfig does, and makes its read and write one step: patches
// racing each other all land, and a refused one changes nothing.
func TestSupervisorPatchConfig(t *testing.T) {
	dir := t.TempDir()
	s := newTestSupervisor(t, dir, &scriptedSource{events: positions(3), failAt: -1}, &memSink{})
	ctx := context.Background()
	if _, err := s.Create(ctx, "c1", map[string]string{"connector.class": "test", "topic.prefix": "p", "database.password": "pw"}, ""); err != nil {
		t.Fatal(err)
	}
	waitState(t, s, "c1", StateRunning)

	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			_, err := s.PatchConfig(ctx, "c1", func(c map[string]string) (map[string]string, error) {
				c["topic.prefix"] += "x"
				return c, nil
			})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]string{"connector.class": "test", "name": "c1", "topic.prefix": "p" + strings.Repeat("x", n), "database.password": "pw"}
	if got, _ := s.Config("c1"); !maps.Equal(got, want) {
		t.Fatalf("config after %d racing patches = %v, want %v", n, got, want)
	}

	_, err := s.PatchConfig(ctx, "c1", func(c map[string]string) (map[string]string, error) {
		delete(c, "topic.prefix")
		c["bogus.key"] = "1"
		return c, nil
	})
	if statusCode(err) != 400 || !strings.Contains(err.Error(), "topic.prefix is required") {
		t.Fatalf("invalid patch: %v (status %d), want 400 naming topic.prefix", err, statusCode(err))
	}
	if got, _ := s.Config("c1"); !maps.Equal(got, want) {
		t.Fatalf("config after a refused patch = %v, want %v", got, want)
	}
	waitState(t, s, "c1", StateRunning)
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	s2 := newTestSupervisor(t, dir, &scriptedSource{failAt: -1}, &memSink{})
	if got, _ := s2.Config("c1"); !maps.Equal(got, want) {
		t.Fatalf("patched config after restart = %v, want %v", got, want)
	}
}

func TestSupervisorFailedTaskHasTrace(t *testing.T) {
	src := &scriptedSource{events: positions(3), failAt: 1}
	s := newTestSupervisor(t, t.TempDir(), src, &memSink{})
	if _, err := s.Create(context.Background(), "c1", map[string]string{"connector.class": "test", "topic.prefix": "p"}, ""); err != nil {
		t.Fatal(err)
	}
	st := waitState(t, s, "c1", StateFailed)
	if !strings.Contains(st.Tasks[0].Trace, "scripted failure") {
		t.Fatalf("trace = %q", st.Tasks[0].Trace)
	}
}

// panicSource panics when opened, as a bug in a source would.
type panicSource struct{ scriptedSource }

func (*panicSource) Open(context.Context, *change.Position) (Stream, error) {
	var m map[string]int
	m["boom"]++ // assignment to a nil map
	return nil, nil
}

// TestSupervisorPanicFailsOnlyThatConnector: a panic in a connector's run
// fails that connector with the panic in its trace; the supervisor and its
// other connectors go on.
func TestSupervisorPanicFailsOnlyThatConnector(t *testing.T) {
	s := newTestSupervisor(t, t.TempDir(), &panicSource{}, &memSink{})
	if _, err := s.Create(context.Background(), "c1", map[string]string{"connector.class": "test", "topic.prefix": "p"}, ""); err != nil {
		t.Fatal(err)
	}
	st := waitState(t, s, "c1", StateFailed)
	if !strings.Contains(st.Tasks[0].Trace, "nil map") || !strings.Contains(st.Tasks[0].Trace, "internal error") {
		t.Fatalf("trace = %q, want the panic", st.Tasks[0].Trace)
	}
	if _, err := s.Create(context.Background(), "c2", map[string]string{"connector.class": "test", "topic.prefix": "q"}, ""); err != nil {
		t.Fatalf("the supervisor no longer takes connectors: %v", err)
	}
	waitState(t, s, "c2", StateFailed)
}

// TestUnusedKeysAreAcceptedWithTheirReason: a plugin's Unused keys (and the
// keys under an Unused prefix) register; a key that only resembles one is
// still refused.
func TestUnusedKeysAreAcceptedWithTheirReason(t *testing.T) {
	p := testPlugin(&scriptedSource{})
	p.Unused = map[string]string{"history.topic": "no history here", "history.producer.": "no history producer"}
	cfg := map[string]string{"connector.class": "test", "topic.prefix": "p", "history.topic": "h", "history.producer.acks": "all"}
	if _, _, probs := parseConfig([]Plugin{p}, "c1", cfg, slog.New(slog.DiscardHandler)); len(probs) != 0 {
		t.Fatalf("unused keys refused: %v", probs)
	}
	got := p.UnusedKeys(cfg)
	want := [][2]string{{"history.producer.acks", "no history producer"}, {"history.topic", "no history here"}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("UnusedKeys = %v, want %v", got, want)
	}
	cfg["history.topik"] = "typo"
	if _, _, probs := parseConfig([]Plugin{p}, "c1", cfg, slog.New(slog.DiscardHandler)); len(probs) != 1 {
		t.Errorf("a key that only resembles an unused one: problems %v, want one", probs)
	}
}
