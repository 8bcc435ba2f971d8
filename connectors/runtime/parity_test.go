package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicecdc/sluice/connectors/configdef"
	"github.com/sluicecdc/sluice/connectors/rest"
	"github.com/sluicecdc/sluice/connectors/transforms"
	"github.com/sluicecdc/sluice/sinks"
)

// fakeRecorder is a TopicRecorder that keeps what it was told.
type fakeRecorder struct {
	gen   atomic.Uint64
	mu    sync.Mutex
	calls [][]string
}

func (f *fakeRecorder) Generation() uint64 { return f.gen.Load() }
func (f *fakeRecorder) Record(topics []string) {
	f.mu.Lock()
	f.calls = append(f.calls, topics)
	f.mu.Unlock()
}

func (f *fakeRecorder) recorded() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func TestTopicTrackerReportsEachTopicOnceAfterCommit(t *testing.T) {
	rec := &fakeRecorder{}
	tt := topicTracker{rec: rec}
	tt.batchStart()
	for _, topic := range []string{"a", "a", "b", "a", "b", "c"} {
		tt.wrote(topic)
	}
	if got := rec.recorded(); len(got) != 0 {
		t.Fatalf("recorded before the commit: %v", got)
	}
	tt.committed()
	tt.batchStart()
	tt.wrote("a")
	tt.wrote("c")
	tt.committed() // nothing new: no call
	tt.batchStart()
	tt.wrote("d")
	tt.committed()
	// After a reset every topic is reported again, once.
	rec.gen.Add(1)
	tt.batchStart()
	tt.wrote("a")
	tt.wrote("a")
	tt.committed()
	want := [][]string{{"a", "b", "c"}, {"d"}, {"a"}}
	if got := rec.recorded(); !slices.EqualFunc(got, want, slices.Equal[[]string]) {
		t.Fatalf("recorded %v, want %v", got, want)
	}
	// A tracker without a recorder does nothing (and does not panic).
	var none topicTracker
	none.batchStart()
	none.wrote("a")
	none.committed()
}

func TestTaskRecordsTopicsOnlyOnceCommitted(t *testing.T) {
	// The first commit fails: its topic must not be reported.
	src := &scriptedSource{events: positions(5), failAt: -1, endEOF: true}
	sink := &memSink{failCommit: 1}
	rec := &fakeRecorder{}
	task := newTask(src, sink, Batching{MaxEvents: 2, Linger: time.Hour})
	task.Topics = rec
	if err := runFor(t, task, 5*time.Second); err == nil {
		t.Fatal("run with a failing commit returned nil")
	}
	if got := rec.recorded(); len(got) != 0 {
		t.Fatalf("topics recorded for an uncommitted batch: %v", got)
	}
	// The next run commits: the topic is reported once, not per batch.
	sink.failCommit = 0
	if err := runFor(t, task, 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if len(sink.batches) < 2 {
		t.Fatalf("%d batches committed, want several", len(sink.batches))
	}
	if got, want := rec.recorded(), [][]string{{"p.public.t"}}; !slices.EqualFunc(got, want, slices.Equal[[]string]) {
		t.Fatalf("recorded %v, want %v", got, want)
	}
}

func TestSupervisorActiveTopics(t *testing.T) {
	dir := t.TempDir()
	src := &scriptedSource{events: positions(5), failAt: -1, endEOF: true}
	sink := &memSink{}
	s := newTestSupervisor(t, dir, src, sink)
	ctx := context.Background()
	if got, err := s.Topics("c1"); err != nil || len(got) != 0 || got == nil {
		t.Fatalf("topics of an unknown connector = %#v, %v; want [] and no error", got, err)
	}
	if err := s.ResetTopics(ctx, "c1"); err != nil {
		t.Fatalf("reset of an unknown connector: %v", err)
	}
	if _, err := s.Create(ctx, "c1", map[string]string{"connector.class": "test", "topic.prefix": "p"}, ""); err != nil {
		t.Fatal(err)
	}
	waitTopics(t, s, "c1", []string{"p.public.t"})

	// The topics survive a restart of the daemon.
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	s2 := newTestSupervisor(t, dir, &scriptedSource{failAt: -1}, sink)
	if got, _ := s2.Topics("c1"); !slices.Equal(got, []string{"p.public.t"}) {
		t.Fatalf("topics after restart = %v", got)
	}
	if err := s2.ResetTopics(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s2.Topics("c1"); len(got) != 0 {
		t.Fatalf("topics after reset = %v", got)
	}
	// The reset is saved too.
	if err := s2.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	s3 := newTestSupervisor(t, dir, &scriptedSource{failAt: -1}, sink)
	if got, _ := s3.Topics("c1"); len(got) != 0 {
		t.Fatalf("topics after reset and restart = %v", got)
	}
	// Deleting the connector deletes its topics; a new one of the same
	// name starts with none.
	m3, _ := s3.get("c1", "%s")
	m3.mu.Lock()
	m3.addTopic("old")
	m3.mu.Unlock()
	if err := s3.Delete(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s3.Create(ctx, "c1", map[string]string{"connector.class": "test", "topic.prefix": "p"}, "STOPPED"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s3.Topics("c1"); len(got) != 0 {
		t.Fatalf("topics of a re-created connector = %v", got)
	}
}

func waitTopics(t *testing.T, s *Supervisor, name string, want []string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := s.Topics(name)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Equal(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("topics of %s = %v, want %v", name, got, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSupervisorTasksAndVersions(t *testing.T) {
	p := testPlugin(&scriptedSource{events: positions(1), failAt: -1})
	p.TaskClass = "io.example.TestConnectorTask"
	s := NewSupervisor(SupervisorOptions{DataDir: t.TempDir(), WorkerID: "w:8083", Plugins: []Plugin{p},
		NewSink: func(context.Context, string, SinkSpec) (sinks.Sink, error) { return &memSink{}, nil },
		Offsets: &memSink{}})
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	ctx := context.Background()
	cfg := map[string]string{"connector.class": "test", "topic.prefix": "p", "database.password": "pw"}
	if _, err := s.Create(ctx, "c1", cfg, ""); err != nil {
		t.Fatal(err)
	}
	tasks, err := s.Tasks("c1")
	if err != nil {
		t.Fatal(err)
	}
	want := []rest.TaskInfo{{ID: rest.TaskID{Connector: "c1", Task: 0}, Config: map[string]string{
		"connector.class": "test", "topic.prefix": "p", "database.password": "pw", "name": "c1",
		"task.class": "io.example.TestConnectorTask"}}}
	if len(tasks) != 1 || tasks[0].ID != want[0].ID || !maps.Equal(tasks[0].Config, want[0].Config) {
		t.Fatalf("tasks = %+v, want %+v", tasks, want)
	}
	if _, err := s.Tasks("nope"); statusCode(err) != 404 || err.Error() != "Connector nope not found" {
		t.Fatalf("tasks of unknown: %v", err)
	}
	st := waitState(t, s, "c1", StateRunning)
	if st.Connector.Version != "1" || st.Tasks[0].Version != "1" {
		t.Fatalf("status versions = %q, %q; want the plugin's 1", st.Connector.Version, st.Tasks[0].Version)
	}
	// A stopped connector has no tasks, as in Kafka Connect.
	if err := s.Stop(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	if tasks, _ := s.Tasks("c1"); len(tasks) != 0 {
		t.Fatalf("tasks of a stopped connector = %+v", tasks)
	}
	if info, _ := s.Info("c1"); len(info.Tasks) != 0 {
		t.Fatalf("info tasks of a stopped connector = %+v", info.Tasks)
	}
	if st, _ := s.Status("c1"); st.Connector.Version != "1" || st.Connector.State != StateStopped {
		t.Fatalf("stopped status = %+v", st)
	}
}

func TestPluginMatchesConnectAliases(t *testing.T) {
	p := Plugin{Class: "io.debezium.connector.postgresql.PostgresConnector", Aliases: []string{"postgres"}}
	for _, c := range []string{"io.debezium.connector.postgresql.PostgresConnector", "postgres", "PostgresConnector", "Postgres"} {
		if !p.matches(c) {
			t.Errorf("%q does not match", c)
		}
	}
	for _, c := range []string{"", "postgresql.PostgresConnector", "Connector", "PostgresConnectorTask", "MySqlConnector", "postgresconnector"} {
		if p.matches(c) {
			t.Errorf("%q matches", c)
		}
	}
	// A class named just "Connector" has no short alias.
	q := Plugin{Class: "io.example.Connector"}
	if !q.matches("Connector") || q.matches("") {
		t.Error("io.example.Connector: want Connector to match and \"\" not")
	}
}

func TestPluginConfigDefinitions(t *testing.T) {
	p := testPlugin(&scriptedSource{failAt: -1})
	p.Defs = configdef.Grouped("CONNECTOR",
		configdef.Key{Name: "topic.prefix", Type: configdef.String, Importance: configdef.High, Width: configdef.WidthMedium,
			Display: "Topic prefix", Doc: "The prefix.", Dependents: []string{"x"}},
		configdef.Key{Name: "tasks.max", Type: configdef.Int, Default: configdef.Def("7"), Importance: configdef.Low, Display: "Own"},
	)
	s := NewSupervisor(SupervisorOptions{DataDir: t.TempDir(), Plugins: []Plugin{p}})
	for _, name := range []string{"io.example.TestConnector", "test", "TestConnector", "Test"} {
		defs, err := s.PluginConfig(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var names []string
		byName := map[string]rest.ConfigKeyInfo{}
		for _, d := range defs {
			names = append(names, d.Name)
			byName[d.Name] = d
		}
		// The plugin's own keys first, then the runtime's, then keys the
		// plugin honours without a definition.
		if len(names) < 4 || names[0] != "topic.prefix" || names[1] != "tasks.max" || names[2] != "name" {
			t.Fatalf("%s: keys in order %v", name, names)
		}
		if names[len(names)-2] != "database.password" || names[len(names)-1] != "tombstones.on.delete" {
			t.Fatalf("%s: undefined plugin keys not last: %v", name, names)
		}
		if slices.Contains(names, "extended.headers.enabled") != slices.Contains(RuntimeKeys, "extended.headers.enabled") {
			t.Errorf("%s: a definition of a key no connector takes is listed: %v", name, names)
		}
		if n := len(names); n != len(slices.Compact(slices.Sorted(slices.Values(names)))) {
			t.Fatalf("%s: a key is listed twice: %v", name, names)
		}
		if d := byName["tasks.max"]; d.DisplayName != "Own" || *d.DefaultValue != "7" {
			t.Errorf("the plugin's definition of tasks.max lost to the runtime's: %+v", d)
		}
		if d := byName["topic.prefix"]; *d.Group != "CONNECTOR" || d.OrderInGroup != 1 || d.Required || d.DefaultValue != nil ||
			!slices.Equal(d.Dependents, []string{"x"}) {
			t.Errorf("topic.prefix = %+v", d)
		}
		if d := byName["name"]; !d.Required || d.DefaultValue != nil || *d.Group != "Common" {
			t.Errorf("name = %+v", d)
		}
		if d := byName["database.password"]; d.Type != "PASSWORD" || d.Group != nil || d.OrderInGroup != -1 || d.Dependents == nil {
			t.Errorf("database.password = %+v", d)
		}
		if d := byName["value.converter.basic.auth.user.info"]; d.Type != "PASSWORD" {
			t.Errorf("registry credentials are not a PASSWORD: %+v", d)
		}
	}
	if _, err := s.PluginConfig("io.nope.Connector"); statusCode(err) != 404 || err.Error() != "Unknown plugin io.nope.Connector." {
		t.Fatalf("unknown plugin: %v", err)
	}
}

func TestRuntimeDefsCoverRuntimeKeys(t *testing.T) {
	var defined []string
	for _, k := range runtimeDefs {
		defined = append(defined, k.Name)
		if k.Type == "" || k.Importance == "" || k.Width == "" || k.Display == "" || k.Doc == "" || k.Group == "" || k.Order < 1 {
			t.Errorf("definition of %s is incomplete: %+v", k.Name, k)
		}
	}
	// Keys defined before RuntimeKeys takes them (other work adds them).
	pending := []string{"errors.retry.timeout", "errors.retry.delay.max.ms", "retriable.restart.connector.wait.ms",
		"errors.max.retries", "extended.headers.enabled"}
	for _, k := range RuntimeKeys {
		if strings.Contains(k, "<") || strings.HasSuffix(k, ".") {
			continue // a family of keys: no one definition
		}
		if !slices.Contains(defined, k) {
			t.Errorf("RuntimeKeys has %s, which has no definition", k)
		}
	}
	for _, k := range defined {
		if !slices.Contains(RuntimeKeys, k) && !slices.Contains(pending, k) {
			t.Errorf("definition of %s, which is not in RuntimeKeys", k)
		}
	}
	if n := len(slices.Compact(slices.Sorted(slices.Values(defined)))); n != len(defined) {
		t.Errorf("a runtime key is defined twice: %v", defined)
	}
}

func TestValidateProblemsOnTheirKeys(t *testing.T) {
	p := testPlugin(nil)
	p.Keys = append(p.Keys, "database.port")
	p.Build = func(string, map[string]string, *slog.Logger) (Source, error) {
		return nil, fmt.Errorf("invalid configuration: %w", errors.Join(
			errors.New("database.port: \"x\" is not a whole number between 1 and 65535"),
			errors.New("not.a.key: this one has no key of the config"),
			errors.New("cannot reach the database"),
		))
	}
	s := NewSupervisor(SupervisorOptions{DataDir: t.TempDir(), Plugins: []Plugin{p}})
	probs, err := s.Validate("test", map[string]string{"connector.class": "test", "database.port": "x"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"database.port": {`database.port: "x" is not a whole number between 1 and 65535`},
		"":              {"not.a.key: this one has no key of the config", "cannot reach the database"},
	}
	if len(probs) != len(want) || !slices.Equal(probs["database.port"], want["database.port"]) || !slices.Equal(probs[""], want[""]) {
		t.Fatalf("problems = %q, want %q", probs, want)
	}
}

func TestSupervisorAlterOffsets(t *testing.T) {
	src := &scriptedSource{events: positions(3), failAt: -1, endEOF: true}
	sink := &memSink{}
	s := newTestSupervisor(t, t.TempDir(), src, sink)
	ctx := context.Background()
	if _, err := s.Create(ctx, "c1", map[string]string{"connector.class": "test", "topic.prefix": "p"}, ""); err != nil {
		t.Fatal(err)
	}
	// Wait for the checkpoint of the three events.
	deadline := time.Now().Add(5 * time.Second)
	for {
		if raw, _ := sink.Load(ctx, "c1"); raw != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no checkpoint")
		}
		time.Sleep(10 * time.Millisecond)
	}
	own := []rest.PartitionOffset{{Partition: map[string]any{"server": "p"}, Offset: nil}}
	if err := s.AlterOffsets(ctx, "c1", own); statusCode(err) != 400 || !strings.Contains(err.Error(), "STOPPED") {
		t.Fatalf("alter a running connector: %v", err)
	}
	if err := s.AlterOffsets(ctx, "nope", own); statusCode(err) != 404 || err.Error() != "Connector nope not found" {
		t.Fatalf("alter an unknown connector: %v", err)
	}
	if err := s.Stop(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	// Another partition, or a malformed one, is not the connector's: a
	// request with none of the connector's is 400 naming its partition, and
	// changes nothing.
	other := []rest.PartitionOffset{
		{Partition: map[string]any{"server": "q"}, Offset: nil},
		{Partition: map[string]any{"server": map[string]any{"x": 1}}, Offset: nil},
		{Partition: map[string]any{"server": "p", "db": "x"}, Offset: map[string]any{"lsn": 1}},
	}
	if err := s.AlterOffsets(ctx, "c1", other); statusCode(err) != 400 || !strings.Contains(err.Error(), `its one source partition is {"server":"p"}`) {
		t.Fatalf("alter other partitions: %v", err)
	}
	// Mixed with the connector's own, they are ignored and its own applies
	// (here: refused below, as an lsn offset cannot be applied).
	if raw, _ := sink.Load(ctx, "c1"); raw == nil {
		t.Fatal("the checkpoint is gone after altering other partitions")
	}
	// An offset for the connector's partition cannot be applied: 400 with
	// the way to start afresh.
	set := []rest.PartitionOffset{{Partition: map[string]any{"server": "p"}, Offset: map[string]any{"lsn": 42}}}
	if err := s.AlterOffsets(ctx, "c1", set); statusCode(err) != 400 || !strings.Contains(err.Error(), `"offset":null`) {
		t.Fatalf("set an offset: %v", err)
	}
	if raw, _ := sink.Load(ctx, "c1"); raw == nil {
		t.Fatal("a refused alteration changed the checkpoint")
	}
	// null resets it.
	if err := s.AlterOffsets(ctx, "c1", own); err != nil {
		t.Fatal(err)
	}
	if raw, _ := sink.Load(ctx, "c1"); raw != nil {
		t.Fatalf("checkpoint after reset = %s", raw)
	}
}

func TestPluginsListConnectorsAndConverters(t *testing.T) {
	s := NewSupervisor(SupervisorOptions{DataDir: t.TempDir(), Plugins: []Plugin{testPlugin(nil)}})
	got := s.Plugins()
	want := []rest.PluginInfo{{Class: "io.example.TestConnector", Type: "source", Version: "1"}}
	for _, p := range transforms.Plugins() {
		want = append(want, rest.PluginInfo{Class: p.Class, Type: p.Kind, Version: p.Version})
	}
	want = append(want,
		rest.PluginInfo{Class: "org.apache.kafka.connect.json.JsonConverter", Type: "converter", Version: "4.3.0"},
		rest.PluginInfo{Class: "io.confluent.connect.avro.AvroConverter", Type: "converter"},
		rest.PluginInfo{Class: "io.apicurio.registry.utils.converter.AvroConverter", Type: "converter"},
		rest.PluginInfo{Class: "org.apache.kafka.connect.storage.SimpleHeaderConverter", Type: "header_converter", Version: "4.3.0"},
	)
	if !slices.Equal(got, want) {
		t.Fatalf("plugins = %+v, want %+v", got, want)
	}
}
