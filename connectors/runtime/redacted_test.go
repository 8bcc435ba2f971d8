package runtime

import (
	"context"
	"testing"

	"github.com/sluicecdc/sluice/sinks"
)

// TestRedactedConfigHidesSecrets: the console's view of a config hides every
// *.password and the plugin's own secret keys, and leaves the stored config
// as it was.
func TestRedactedConfigHidesSecrets(t *testing.T) {
	src := &scriptedSource{events: positions(1), failAt: -1}
	sink := &memSink{}
	p := testPlugin(src)
	p.Secrets = []string{"topic.prefix"} // any key the plugin names
	s := NewSupervisor(SupervisorOptions{
		DataDir: t.TempDir(),
		Plugins: []Plugin{p},
		NewSink: func(context.Context, string, SinkSpec) (sinks.Sink, error) { return sink, nil },
		Offsets: sink,
	})
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	cfg := map[string]string{"connector.class": "test", "topic.prefix": "p", "database.password": "s3cret"}
	if _, err := s.Create(context.Background(), "c1", cfg, "PAUSED"); err != nil {
		t.Fatal(err)
	}
	got, err := s.RedactedConfig("c1")
	if err != nil {
		t.Fatal(err)
	}
	if got["database.password"] != hidden || got["topic.prefix"] != hidden || got["connector.class"] != "test" || got["name"] != "c1" {
		t.Fatalf("redacted config = %v", got)
	}
	if stored, _ := s.Config("c1"); stored["database.password"] != "s3cret" {
		t.Fatalf("stored config changed: %v", stored)
	}
	if _, err := s.RedactedConfig("nope"); statusCode(err) != 404 {
		t.Fatalf("unknown connector: %v, want 404", err)
	}
}
