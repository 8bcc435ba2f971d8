package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/rest"
)

// Save makes memSink an offsets.Store that PATCH .../offsets can write.
func (m *memSink) Save(_ context.Context, _ string, value []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.checkpoints = append(m.checkpoints, value)
	return nil
}

func TestConnectOffsetKey(t *testing.T) {
	for _, c := range []struct {
		key  string
		want bool
	}{
		{`["pg1",{"server":"app"}]`, true},
		{`[ "pg1" , { "server" : "app" } ]`, true},
		{`["pg2",{"server":"app"}]`, false},
		{`["pg1",{"server":"app2"}]`, false},
		{`["pg1",{"server":"app","other":1}]`, false},
		{`["pg1"]`, false},
		{`pg1`, false},
		{`{"server":"app"}`, false},
	} {
		if got := connectOffsetKey([]byte(c.key), "pg1", "app"); got != c.want {
			t.Errorf("connectOffsetKey(%s) = %v, want %v", c.key, got, c.want)
		}
	}
}

// offsetPlugin is testPlugin with Debezium-shaped offsets: {"tx": N} is the
// position after transaction N.
func offsetPlugin(src Source) Plugin {
	p := testPlugin(src)
	p.Offsets = func(pos change.Position) map[string]any { return map[string]any{"tx": pos.Tx, "last": pos.Last} }
	p.FromOffset = func(off map[string]any, prev *change.Position) (change.Position, error) {
		var n float64
		switch v := off["tx"].(type) {
		case float64:
			n = v
		case json.Number: // as Kafka Connect's offsets topic is read
			n, _ = v.Float64()
		default:
			return change.Position{}, errors.New(`the offset needs "tx"`)
		}
		return change.Position{Tx: uint64(n), Last: true}, nil
	}
	return p
}

func newOffsetSupervisor(t *testing.T, src Source, sink *memSink, read ConnectOffsetsReader) *Supervisor {
	t.Helper()
	// newTestSupervisor's, with the plugin and the reader of this file (set
	// before any connector exists).
	s := newTestSupervisor(t, t.TempDir(), src, sink)
	s.opts.Plugins = []Plugin{offsetPlugin(src)}
	s.opts.ConnectOffsets = read
	return s
}

func TestAlterOffsets(t *testing.T) {
	ctx := context.Background()
	src := &scriptedSource{events: positions(30), failAt: -1}
	sink := &memSink{}
	s := newOffsetSupervisor(t, src, sink, nil)
	cfg := map[string]string{"connector.class": "test", "topic.prefix": "app"}
	if _, err := s.Create(ctx, "c1", cfg, "STOPPED"); err != nil {
		t.Fatal(err)
	}
	part := map[string]any{"server": "app"}
	alter := func(off map[string]any) error {
		return s.AlterOffsets(ctx, "c1", []rest.PartitionOffset{{Partition: part, Offset: off}})
	}

	if err := alter(map[string]any{"tx": float64(101)}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Offsets(ctx, "c1")
	if err != nil || len(got.Offsets) != 1 || got.Offsets[0].Offset["tx"] != uint64(101) || got.Offsets[0].Partition["server"] != "app" {
		t.Fatalf("offsets after PATCH: %+v %v", got, err)
	}
	if err := alter(map[string]any{"lsn": float64(1)}); statusCode(err) != 400 || !strings.Contains(err.Error(), `needs "tx"`) {
		t.Errorf("bad offset: %v", err)
	}
	// Another partition is not the connector's: alone, it is a 400 that
	// names the connector's partition, and changes nothing.
	if err := s.AlterOffsets(ctx, "c1", []rest.PartitionOffset{{Partition: map[string]any{"server": "other"}, Offset: map[string]any{"tx": float64(5)}}}); statusCode(err) != 400 || !strings.Contains(err.Error(), `{"server":"app"}`) {
		t.Errorf("alter another partition: %v", err)
	}
	// Beside the connector's own, it is ignored.
	if err := s.AlterOffsets(ctx, "c1", []rest.PartitionOffset{
		{Partition: map[string]any{"server": "other"}, Offset: map[string]any{"tx": float64(5)}},
		{Partition: part, Offset: map[string]any{"tx": float64(101)}}}); err != nil {
		t.Error(err)
	}
	if got, err := s.Offsets(ctx, "c1"); err != nil || len(got.Offsets) != 1 || got.Offsets[0].Offset["tx"] != uint64(101) {
		t.Errorf("offsets after PATCH with another partition beside: %+v %v", got, err)
	}

	// Resumed, the source is opened at the altered position and streams
	// from after it.
	if err := s.Resume(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	waitState(t, s, "c1", StateRunning)
	deadline := time.Now().Add(5 * time.Second)
	for {
		src.mu.Lock()
		opened := append([]*change.Position(nil), src.opened...)
		src.mu.Unlock()
		if len(opened) > 0 {
			if opened[0] == nil || opened[0].Tx != 101 || !opened[0].Last {
				t.Fatalf("opened at %+v, want after transaction 101", opened[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("source not opened")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := alter(map[string]any{"tx": float64(100)}); statusCode(err) != 400 || !strings.Contains(err.Error(), "STOPPED state") {
		t.Errorf("PATCH of a running connector: %v", err)
	}

	if err := s.Stop(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	if err := alter(nil); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Offsets(ctx, "c1"); err != nil || len(got.Offsets) != 0 {
		t.Errorf("offsets after a null offset: %+v %v", got, err)
	}
}

func TestMigrateReadsConnectOffsets(t *testing.T) {
	ctx := context.Background()
	// No events: the only checkpoint is the one the migration keeps.
	src := &scriptedSource{failAt: -1}
	sink := &memSink{}
	var mu sync.Mutex
	var topics []string
	records := map[string]string{
		`["c1",{"server":"other"}]`: `{"tx":1}`,
		`["c0",{"server":"app"}]`:   `{"tx":2}`,
		`["c1",{"server":"app"}]`:   `{"tx":102}`,
	}
	read := func(_ context.Context, topic string, match func([]byte) bool) ([]byte, error) {
		mu.Lock()
		topics = append(topics, topic)
		mu.Unlock()
		var last []byte
		for k, v := range records {
			if match([]byte(k)) {
				if last != nil {
					return nil, errors.New("two keys matched")
				}
				last = []byte(v)
			}
		}
		return last, nil
	}
	s := newOffsetSupervisor(t, src, sink, read)
	if _, err := s.Create(ctx, "c1", map[string]string{"connector.class": "test", "topic.prefix": "app", MigrateTopicKey: "connect-offsets"}, ""); err != nil {
		t.Fatal(err)
	}
	waitState(t, s, "c1", StateRunning)
	src.mu.Lock()
	opened := src.opened[0]
	src.mu.Unlock()
	mu.Lock()
	read1 := append([]string(nil), topics...)
	mu.Unlock()
	if opened == nil || opened.Tx != 102 || len(read1) != 1 || read1[0] != "connect-offsets" {
		t.Fatalf("opened at %+v after reading %v, want after transaction 102 of connect-offsets", opened, read1)
	}
	// The migrated checkpoint is kept at once: GET shows it, and a restart
	// does not read Kafka Connect's topic again.
	if raw, _ := sink.Load(ctx, "c1"); raw == nil {
		t.Error("no checkpoint kept after the migration")
	} else if p, err := DecodeCheckpoint(raw); err != nil || p.Tx < 102 {
		t.Errorf("checkpoint %s (%v)", raw, err)
	}
	if err := s.Restart(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	waitState(t, s, "c1", StateRunning)
	mu.Lock()
	n := len(topics)
	mu.Unlock()
	if n != 1 {
		t.Errorf("Kafka Connect's topic read %d times, want once", n)
	}

	// No offset for the connector: FAILED with the reason, not a fresh
	// start. (A supervisor of its own: memSink keeps one checkpoint for
	// all connectors.)
	s = newOffsetSupervisor(t, &scriptedSource{events: positions(30), failAt: -1}, &memSink{}, read)
	if _, err := s.Create(ctx, "c2", map[string]string{"connector.class": "test", "topic.prefix": "app", MigrateTopicKey: "connect-offsets"}, ""); err != nil {
		t.Fatal(err)
	}
	st := waitState(t, s, "c2", StateFailed)
	if tr := st.Tasks[0].State.Trace; !strings.Contains(tr, `has no offset for connector "c2"`) {
		t.Errorf("trace %q", tr)
	}
	// Under another name on Kafka Connect.
	src = &scriptedSource{events: positions(30), failAt: -1}
	s = newOffsetSupervisor(t, src, &memSink{}, read)
	if _, err := s.Create(ctx, "c3", map[string]string{"connector.class": "test", "topic.prefix": "app", MigrateTopicKey: "connect-offsets", MigrateNameKey: "c0"}, ""); err != nil {
		t.Fatal(err)
	}
	waitState(t, s, "c3", StateRunning)
	src.mu.Lock()
	opened = src.opened[0]
	src.mu.Unlock()
	if opened == nil || opened.Tx != 2 {
		t.Errorf("c3 opened at %+v, want after transaction 2 (c0's offset)", opened)
	}

	// The key needs a topic and a plugin that can read an offset.
	if _, err := s.Create(ctx, "c4", map[string]string{"connector.class": "test", "topic.prefix": "app", MigrateTopicKey: " "}, ""); statusCode(err) != 400 || !strings.Contains(err.Error(), "offset.storage.topic") {
		t.Errorf("empty topic: %v", err)
	}
	if _, err := s.Create(ctx, "c5", map[string]string{"connector.class": "test", "topic.prefix": "app", MigrateNameKey: "x"}, ""); statusCode(err) != 400 {
		t.Errorf("name without topic: %v", err)
	}
}
