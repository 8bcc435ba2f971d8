package store

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The tests below take the broker's client options so that the
// integration tests run them against the real broker too.

func TestConfigRecordsAsConnectWritesThem(t *testing.T) { testConfigRecords(t, fakeBroker(t)) }
func TestConfigStateRules(t *testing.T)                 { testConfigStateRules(t, fakeBroker(t)) }
func TestConfigReadYourWritesAndChanges(t *testing.T)   { testConfigReadYourWrites(t, fakeBroker(t)) }
func TestConfigTopicLayout(t *testing.T)                { testConfigTopicLayout(t, fakeBroker(t)) }

func openConfig(t *testing.T, opts []kgo.Opt, topic string, on func(Change)) *ConfigTopic {
	t.Helper()
	c, err := OpenConfigTopic(ctxT(t, 30*time.Second), ConfigTopicOptions{Opts: opts, Topic: topic, ReplicationFactor: -1, OnChange: on, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("OpenConfigTopic(%s): %v", topic, err)
	}
	t.Cleanup(c.Close)
	return c
}

// testConfigRecords: what lands in the topic is, byte for byte, what
// Connect's KafkaConfigBackingStore writes for the same operations.
func testConfigRecords(t *testing.T, opts []kgo.Opt) {
	topic := uniqueTopic("sluice-store-cfg")
	c := openConfig(t, opts, topic, nil)
	ctx := ctxT(t, 30*time.Second)
	cfg := map[string]string{"connector.class": "postgres", "slot.name": "s1"}
	defer func() {
		if c.WrittenByConnect() {
			t.Error("a topic sluice wrote is taken for a Kafka Connect cluster's")
		}
	}()
	if err := c.PutConnector(ctx, "orders", cfg); err != nil {
		t.Fatal(err)
	}
	for _, st := range []string{TargetPaused, TargetStopped, TargetRunning} {
		if err := c.PutTarget(ctx, "orders", st); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Restart(ctx, "orders"); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, "orders"); err != nil {
		t.Fatal(err)
	}
	props := `{"properties":{"connector.class":"postgres","slot.name":"s1"}}`
	want := []string{
		"connector-orders => " + props,
		"task-orders-0 => " + props,
		`commit-orders => {"tasks":1}`,
		`target-state-orders => {"state":"PAUSED","state.v2":"PAUSED"}`,
		`target-state-orders => {"state":"PAUSED","state.v2":"STOPPED"}`,
		`target-state-orders => {"state":"STARTED","state.v2":"STARTED"}`,
		`restart-connector-orders => {"include-tasks":true,"only-failed":false}`,
		"connector-orders => null",
		"target-state-orders => null",
	}
	var got []string
	for _, r := range readRaw(t, opts, topic) {
		got = append(got, r.String())
	}
	if !slices.Equal(got, want) {
		t.Fatalf("config topic holds\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	if err := c.PutTarget(ctx, "orders", "STARTED"); !errors.Is(err, ErrConfig) {
		t.Fatalf("PutTarget(STARTED) = %v, want ErrConfig (sluice's names are RUNNING|PAUSED|STOPPED)", err)
	}
}

// testConfigStateRules: Connect's rules for what a reader makes of the
// records, including records sluice never writes.
func testConfigStateRules(t *testing.T, opts []kgo.Opt) {
	topic := uniqueTopic("sluice-store-rules")
	ch := &changes{}
	c := openConfig(t, opts, topic, ch.add)
	ctx := ctxT(t, 30*time.Second)
	check := func(step string, want map[string]Connector) {
		t.Helper()
		if err := c.ReadToEnd(ctx); err != nil {
			t.Fatal(err)
		}
		got := c.Connectors()
		if !maps.EqualFunc(got, want, func(a, b Connector) bool { return a.Target == b.Target && maps.Equal(a.Config, b.Config) }) {
			t.Fatalf("%s: Connectors() = %v, want %v", step, got, want)
		}
	}
	cfgA := map[string]string{"a": "1"}
	cfgB := map[string]string{"b": "2"}

	// A config without a target-state record is RUNNING.
	if err := c.PutConnector(ctx, "a", cfgA); err != nil {
		t.Fatal(err)
	}
	check("config only", map[string]Connector{"a": {cfgA, TargetRunning}})

	// A target state for a connector without a config is kept but not
	// listed; the config that comes later starts in that state (Connect's
	// create with an initial state writes the target first).
	if err := c.PutTarget(ctx, "b", TargetPaused); err != nil {
		t.Fatal(err)
	}
	check("target without config", map[string]Connector{"a": {cfgA, TargetRunning}})
	if err := c.PutConnector(ctx, "b", cfgB); err != nil {
		t.Fatal(err)
	}
	check("config after target", map[string]Connector{"a": {cfgA, TargetRunning}, "b": {cfgB, TargetPaused}})

	// Records sluice does not use, malformed records, and records of
	// older workers (target state without state.v2).
	produceRaw(t, opts, topic,
		kv{"session-key", []byte(`{"key":"c2VjcmV0","algorithm":"HmacSHA256","creation-timestamp":1}`)},
		kv{"tasks-fencing-a", []byte(`{"task-count":1}`)},
		kv{"restart-tasks-a", []byte(`{}`)},
		kv{"logger-cluster-org.apache", []byte(`{"level":"DEBUG"}`)},
		kv{"something-else", []byte(`not json`)},
		kv{"connector-a", []byte(`{"properties":`)},          // truncated: ignored
		kv{"connector-c", []byte(`{"config":{"x":"y"}}`)},    // no properties: ignored
		kv{"target-state-a", []byte(`{"state":"WHATEVER"}`)}, // unknown state: ignored
		kv{"target-state-a", []byte(`{"state":"PAUSED"}`)},   // pre-KIP-875 worker
	)
	check("unused and malformed records", map[string]Connector{"a": {cfgA, TargetPaused}, "b": {cfgB, TargetPaused}})
	produceRaw(t, opts, topic, kv{"target-state-a", []byte(`{"state":"PAUSED","state.v2":"STOPPED"}`)})
	check("state.v2 wins", map[string]Connector{"a": {cfgA, TargetStopped}, "b": {cfgB, TargetPaused}})

	// A target-state tombstone while the config stays: back to STARTED.
	produceRaw(t, opts, topic, kv{"target-state-a", nil})
	check("target tombstone", map[string]Connector{"a": {cfgA, TargetRunning}, "b": {cfgB, TargetPaused}})

	// Delete drops the connector and its target state: created again, it
	// is RUNNING, not PAUSED.
	if err := c.Delete(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	check("deleted", map[string]Connector{"a": {cfgA, TargetRunning}})
	if err := c.PutConnector(ctx, "b", cfgB); err != nil {
		t.Fatal(err)
	}
	check("re-created", map[string]Connector{"a": {cfgA, TargetRunning}, "b": {cfgB, TargetRunning}})

	// A connector tombstone alone (a compacted-away target) also deletes.
	produceRaw(t, opts, topic, kv{"connector-a", nil})
	check("connector tombstone", map[string]Connector{"b": {cfgB, TargetRunning}})

	want := []string{
		"Config a RUNNING",
		"Config b PAUSED",
		"Target a PAUSED",
		"Target a STOPPED",
		"Deleted b ",
		"Config b RUNNING",
		"Deleted a ",
	}
	if got := summary(ch.list()); !slices.Equal(got, want) {
		t.Fatalf("OnChange saw\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// testConfigReadYourWrites: a write is visible to its writer when the call
// returns, to another instance after ReadToEnd, and to a reopened one; the
// two instances see the same changes in the same order; a restart request
// is delivered live but not replayed by a reopened instance.
func testConfigReadYourWrites(t *testing.T, opts []kgo.Opt) {
	topic := uniqueTopic("sluice-store-ryw")
	chA, chB := &changes{}, &changes{}
	a := openConfig(t, opts, topic, chA.add)
	b := openConfig(t, opts, topic, chB.add)
	ctx := ctxT(t, 60*time.Second)
	for i := range 20 {
		w, name := a, "x"
		if i%2 == 1 {
			w, name = b, "y"
		}
		cfg := map[string]string{"n": string(rune('a' + i))}
		if err := w.PutConnector(ctx, name, cfg); err != nil {
			t.Fatal(err)
		}
		// No wait: the writer's own view has it when Put returns.
		if got := w.Connectors()[name].Config; !maps.Equal(got, cfg) {
			t.Fatalf("write %d: writer sees %s=%v right after PutConnector, want %v", i, name, got, cfg)
		}
	}
	if err := a.Restart(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	if err := b.PutTarget(ctx, "y", TargetPaused); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*ConfigTopic{a, b} {
		if err := s.ReadToEnd(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if ga, gb := a.Connectors(), b.Connectors(); !maps.EqualFunc(ga, gb, func(x, y Connector) bool { return x.Target == y.Target && maps.Equal(x.Config, y.Config) }) {
		t.Fatalf("instances disagree: %v vs %v", ga, gb)
	}
	sa, sb := summary(chA.list()), summary(chB.list())
	if !slices.Equal(sa, sb) {
		t.Fatalf("instances saw different changes:\n%v\n%v", sa, sb)
	}
	if n := len(sa); n != 22 || sa[20] != "Restart x " || sa[21] != "Target y PAUSED" {
		t.Fatalf("changes = %v, want 20 configs, Restart x, Target y PAUSED", sa)
	}
	offs := chA.list()
	for i := 1; i < len(offs); i++ {
		if offs[i].Offset <= offs[i-1].Offset {
			t.Fatalf("changes out of log order: offset %d after %d", offs[i].Offset, offs[i-1].Offset)
		}
	}

	chC := &changes{}
	c := openConfig(t, opts, topic, chC.add)
	if gc := c.Connectors(); len(gc) != 2 || c.Connectors()["y"].Target != TargetPaused || c.Connectors()["x"].Config["n"] != "s" {
		t.Fatalf("reopened instance reads %v", gc)
	}
	for _, s := range summary(chC.list()) {
		if strings.HasPrefix(s, "Restart") {
			t.Fatalf("reopened instance replayed %q from the initial read", s)
		}
	}
	t.Logf("two writers, 22 records: both readers saw the same %d changes in log order; reopened: %v", len(sa), summary(chC.list()))
}

// testConfigTopicLayout: the topic is created compacted with one
// partition; an existing topic with more partitions, or not compacted, is
// refused with a message that names the fix.
func testConfigTopicLayout(t *testing.T, opts []kgo.Opt) {
	ctx := ctxT(t, 30*time.Second)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)

	created := uniqueTopic("sluice-store-layout")
	openConfig(t, opts, created, nil)
	d, err := adm.ListTopics(ctx, created)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(d[created].Partitions); n != 1 {
		t.Fatalf("created %s with %d partitions, want 1", created, n)
	}
	rc, err := adm.DescribeTopicConfigs(ctx, created)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := rc.On(created, nil)
	for _, c := range r.Configs {
		if c.Key == "cleanup.policy" && c.MaybeValue() != "compact" {
			t.Fatalf("created %s with cleanup.policy=%s", created, c.MaybeValue())
		}
	}

	compact, del := "compact", "delete"
	multi := uniqueTopic("sluice-store-multi")
	if _, err := adm.CreateTopic(ctx, 3, -1, map[string]*string{"cleanup.policy": &compact}, multi); err != nil {
		t.Fatal(err)
	}
	_, err = OpenConfigTopic(ctx, ConfigTopicOptions{Opts: opts, Topic: multi})
	if !errors.Is(err, ErrTopicLayout) || !strings.Contains(err.Error(), "single partition") || !strings.Contains(err.Error(), "config.storage.topic") {
		t.Fatalf("open on a 3-partition topic: %v, want ErrTopicLayout naming config.storage.topic and a single partition", err)
	}
	t.Logf("3 partitions: %v", err)

	notCompact := uniqueTopic("sluice-store-delete")
	if _, err := adm.CreateTopic(ctx, 1, -1, map[string]*string{"cleanup.policy": &del}, notCompact); err != nil {
		t.Fatal(err)
	}
	_, err = OpenConfigTopic(ctx, ConfigTopicOptions{Opts: opts, Topic: notCompact})
	if !errors.Is(err, ErrTopicLayout) || !strings.Contains(err.Error(), "cleanup.policy=compact") {
		t.Fatalf("open on a cleanup.policy=delete topic: %v, want ErrTopicLayout naming cleanup.policy=compact", err)
	}
	t.Logf("not compacted: %v", err)

	_, err = OpenConfigTopic(ctx, ConfigTopicOptions{Opts: opts, Topic: uniqueTopic("sluice-store-missing"), ReadOnly: true})
	if !errors.Is(err, ErrTopicLayout) {
		t.Fatalf("read-only open of a missing topic: %v, want ErrTopicLayout", err)
	}
	ro, err := OpenConfigTopic(ctx, ConfigTopicOptions{Opts: opts, Topic: created, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if err := ro.PutConnector(ctx, "x", nil); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("PutConnector on a read-only store: %v, want ErrReadOnly", err)
	}
	rw, err := OpenConfigTopic(ctx, ConfigTopicOptions{Opts: opts, Topic: created})
	if err != nil {
		t.Fatal(err)
	}
	rw.Close()
	rw.Close() // twice is fine
	if err := rw.Delete(ctx, "x"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Delete after Close: %v, want ErrClosed", err)
	}
}
