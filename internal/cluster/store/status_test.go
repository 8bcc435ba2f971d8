package store

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestStatusRecordsAsConnectWritesThem(t *testing.T) { testStatusRecords(t, fakeBroker(t)) }
func TestStatusPutSafe(t *testing.T)                    { testStatusPutSafe(t, fakeBroker(t)) }
func TestStatusUnassignedRule(t *testing.T)             { testStatusUnassigned(t, fakeBroker(t)) }
func TestStatusDeleteConnector(t *testing.T)            { testStatusDelete(t, fakeBroker(t)) }

func openStatus(t *testing.T, opts []kgo.Opt, topic string) *StatusTopic {
	t.Helper()
	s, err := OpenStatusTopic(ctxT(t, 30*time.Second), StatusTopicOptions{Opts: opts, Topic: topic, ReplicationFactor: -1, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("OpenStatusTopic(%s): %v", topic, err)
	}
	t.Cleanup(s.Close)
	return s
}

func wantStatus(t *testing.T, what string, got Status, ok bool, want Status) {
	t.Helper()
	if !ok || got != want {
		t.Fatalf("%s = %+v (found %v), want %+v", what, got, ok, want)
	}
}

// testStatusRecords: values byte for byte as Connect writes them, five
// partitions on create (status.storage.partitions), every key of one
// connector in the partition Connect's partitioner picks, and a reopened
// store reads the same.
func testStatusRecords(t *testing.T, opts []kgo.Opt) {
	topic := uniqueTopic("sluice-store-status")
	s := openStatus(t, opts, topic)
	ctx := ctxT(t, 30*time.Second)
	run := Status{State: StateRunning, WorkerID: "10.0.0.1:8083", Generation: 3, Version: "3.6.1"}
	failed := Status{State: StateFailed, Trace: "org.x.Boom: \"quoted\"\n\tat y", WorkerID: "10.0.0.1:8083", Generation: 4}
	if err := s.PutConnector(ctx, "orders", run); err != nil {
		t.Fatal(err)
	}
	if err := s.PutTask(ctx, "orders", 0, failed); err != nil {
		t.Fatal(err)
	}
	if err := s.PutTopic(ctx, "orders", "pg.public.orders"); err != nil {
		t.Fatal(err)
	}
	if err := s.PutConnector(ctx, "orders", Status{State: "BUSY"}); !errors.Is(err, ErrConfig) {
		t.Fatalf("PutConnector with state BUSY: %v, want ErrConfig", err)
	}
	// Read-your-writes, no wait.
	st, ok := s.Connector("orders")
	wantStatus(t, "Connector(orders)", st, ok, run)
	st, ok = s.Task("orders", 0)
	wantStatus(t, "Task(orders, 0)", st, ok, failed)
	if got := s.Topics("orders"); !slices.Equal(got, []string{"pg.public.orders"}) {
		t.Fatalf("Topics(orders) = %v", got)
	}

	recs := readRaw(t, opts, topic)
	byKey := map[string]rawRecord{}
	for _, r := range recs {
		byKey[r.Key] = r
	}
	check := func(key, want string) {
		t.Helper()
		r, ok := byKey[key]
		if !ok || r.Value == nil || *r.Value != want {
			t.Fatalf("%s: got %v, want %s", key, r, want)
		}
	}
	check("status-connector-orders", `{"state":"RUNNING","trace":null,"worker_id":"10.0.0.1:8083","generation":3,"version":"3.6.1"}`)
	check("status-task-orders-0", `{"state":"FAILED","trace":"org.x.Boom: \"quoted\"\n\tat y","worker_id":"10.0.0.1:8083","generation":4,"version":null}`)
	tr := byKey["status-topic-pg.public.orders:connector-orders"]
	if tr.Value == nil || !strings.HasPrefix(*tr.Value, `{"topic":{"name":"pg.public.orders","connector":"orders","task":0,"discoverTimestamp":`) {
		t.Fatalf("topic status record: %v", tr)
	}
	// Java's murmur2 partitioner, as Connect's producer uses.
	for _, r := range recs {
		if want := javaPartition([]byte(r.Key), DefaultStatusPartitions); r.Partition != want {
			t.Fatalf("%s in partition %d, Kafka's default partitioner puts it in %d", r.Key, r.Partition, want)
		}
	}

	cl, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	d, err := kadm.NewClient(cl).ListTopics(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(d[topic].Partitions); n != DefaultStatusPartitions {
		t.Fatalf("status topic created with %d partitions, want %d", n, DefaultStatusPartitions)
	}

	r := openStatus(t, opts, topic)
	st, ok = r.Task("orders", 0)
	wantStatus(t, "reopened Task(orders, 0)", st, ok, failed)
	if got := r.Topics("orders"); !slices.Equal(got, []string{"pg.public.orders"}) {
		t.Fatalf("reopened Topics(orders) = %v", got)
	}
}

// testStatusPutSafe: Connect's putSafe writes over no record, over the
// same worker's, or over one of the same or an older generation; it skips
// a record of a later generation from another worker.
func testStatusPutSafe(t *testing.T, opts []kgo.Opt) {
	topic := uniqueTopic("sluice-store-safe")
	s := openStatus(t, opts, topic)
	ctx := ctxT(t, 30*time.Second)
	steps := []struct {
		st    Status
		wrote bool
		after Status
	}{
		{Status{State: StateRunning, WorkerID: "w1", Generation: 3}, true, Status{State: StateRunning, WorkerID: "w1", Generation: 3}},       // no record yet
		{Status{State: StateRunning, WorkerID: "w2", Generation: 2}, false, Status{State: StateRunning, WorkerID: "w1", Generation: 3}},      // a zombie of generation 2
		{Status{State: StateFailed, WorkerID: "w1", Generation: 1}, true, Status{State: StateFailed, WorkerID: "w1", Generation: 1}},         // same worker
		{Status{State: StateUnassigned, WorkerID: "w2", Generation: 1}, true, Status{State: StateUnassigned, WorkerID: "w2", Generation: 1}}, // same generation
		{Status{State: StateRunning, WorkerID: "w3", Generation: 5}, true, Status{State: StateRunning, WorkerID: "w3", Generation: 5}},       // newer generation
		{Status{State: StatePaused, WorkerID: "w1", Generation: 4}, false, Status{State: StateRunning, WorkerID: "w3", Generation: 5}},       // older generation
	}
	for i, step := range steps {
		wrote, err := s.PutConnectorSafe(ctx, "c", step.st)
		if err != nil {
			t.Fatal(err)
		}
		wroteT, err := s.PutTaskSafe(ctx, "c", 0, step.st)
		if err != nil {
			t.Fatal(err)
		}
		if wrote != step.wrote || wroteT != step.wrote {
			t.Fatalf("step %d %+v: connector wrote %v, task wrote %v, want %v", i, step.st, wrote, wroteT, step.wrote)
		}
		st, ok := s.Connector("c")
		wantStatus(t, "Connector(c)", st, ok, step.after)
		st, ok = s.Task("c", 0)
		wantStatus(t, "Task(c, 0)", st, ok, step.after)
	}
	// Unconditional writes always land.
	old := Status{State: StatePaused, WorkerID: "w1", Generation: 1}
	if err := s.PutConnector(ctx, "c", old); err != nil {
		t.Fatal(err)
	}
	st, ok := s.Connector("c")
	wantStatus(t, "Connector(c) after PutConnector", st, ok, old)
}

// testStatusUnassigned: a task's UNASSIGNED record of the same or an
// older generation does not hide a RUNNING one; a newer one does; the
// rule is Connect's reader rule for tasks only.
func testStatusUnassigned(t *testing.T, opts []kgo.Opt) {
	topic := uniqueTopic("sluice-store-unassigned")
	s := openStatus(t, opts, topic)
	ctx := ctxT(t, 30*time.Second)
	running := Status{State: StateRunning, WorkerID: "w2", Generation: 7}
	put := func(st Status) {
		t.Helper()
		if err := s.PutTask(ctx, "c", 0, st); err != nil {
			t.Fatal(err)
		}
		if err := s.PutConnector(ctx, "c", st); err != nil {
			t.Fatal(err)
		}
	}
	put(running)
	put(Status{State: StateUnassigned, WorkerID: "w1", Generation: 7})
	st, ok := s.Task("c", 0)
	wantStatus(t, "Task after UNASSIGNED of the same generation", st, ok, running)
	put(Status{State: StateUnassigned, WorkerID: "w1", Generation: 6})
	st, ok = s.Task("c", 0)
	wantStatus(t, "Task after UNASSIGNED of an older generation", st, ok, running)
	st, ok = s.Connector("c")
	wantStatus(t, "Connector after UNASSIGNED of an older generation (no rule for connectors)", st, ok, Status{State: StateUnassigned, WorkerID: "w1", Generation: 6})

	// A reader that starts from the topic applies the same rule.
	r := openStatus(t, opts, topic)
	st, ok = r.Task("c", 0)
	wantStatus(t, "reopened Task", st, ok, running)

	newer := Status{State: StateUnassigned, WorkerID: "w1", Generation: 8}
	put(newer)
	st, ok = s.Task("c", 0)
	wantStatus(t, "Task after UNASSIGNED of a newer generation", st, ok, newer)
	// Not RUNNING before: UNASSIGNED of an older generation applies.
	put(Status{State: StatePaused, WorkerID: "w2", Generation: 9})
	older := Status{State: StateUnassigned, WorkerID: "w1", Generation: 2}
	put(older)
	st, ok = s.Task("c", 0)
	wantStatus(t, "Task: UNASSIGNED over PAUSED", st, ok, older)
}

// testStatusDelete: deleting a connector writes tombstones for its task
// statuses and then its own, as Connect's herder does; a connector
// tombstone written by another worker drops the task statuses too.
func testStatusDelete(t *testing.T, opts []kgo.Opt) {
	topic := uniqueTopic("sluice-store-del")
	s := openStatus(t, opts, topic)
	ctx := ctxT(t, 30*time.Second)
	st := Status{State: StateRunning, WorkerID: "w1", Generation: 1}
	for _, name := range []string{"a", "b"} {
		if err := s.PutConnector(ctx, name, st); err != nil {
			t.Fatal(err)
		}
		for task := range 2 {
			if err := s.PutTask(ctx, name, task, st); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.PutTopic(ctx, "a", "t1"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteConnector(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Connector("a"); ok {
		t.Fatal("connector a still has a status after DeleteConnector")
	}
	for task := range 2 {
		if _, ok := s.Task("a", task); ok {
			t.Fatalf("task a-%d still has a status after DeleteConnector", task)
		}
	}
	if _, ok := s.Task("b", 1); !ok {
		t.Fatal("DeleteConnector(a) removed b's task status")
	}
	if got := s.Topics("a"); !slices.Equal(got, []string{"t1"}) {
		t.Fatalf("Topics(a) after delete = %v, want [t1] (Connect keeps topic statuses)", got)
	}
	var tombs []string
	for _, r := range readRaw(t, opts, topic) {
		if r.Value == nil {
			tombs = append(tombs, r.Key)
		}
	}
	slices.Sort(tombs)
	if want := []string{"status-connector-a", "status-task-a-0", "status-task-a-1"}; !slices.Equal(tombs, want) {
		t.Fatalf("tombstones %v, want %v", tombs, want)
	}

	// Another writer's connector tombstone alone: tasks go too (Connect).
	produceRaw(t, opts, topic, kv{"status-connector-b", nil})
	if err := s.ReadToEnd(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Task("b", 1); ok {
		t.Fatal("task b-1 kept its status after b's connector tombstone")
	}
}

// javaPartition is Kafka's Java default partitioner for a keyed record:
// toPositive(murmur2(key)) % partitions (Utils.murmur2, written out here
// from the Java source so the test does not trust franz-go's copy).
func javaPartition(key []byte, partitions int32) int32 {
	const seed, m, r = uint32(0x9747b28c), uint32(0x5bd1e995), 24
	n := len(key)
	h := seed ^ uint32(n)
	for i := 0; i+4 <= n; i += 4 {
		k := uint32(key[i]) | uint32(key[i+1])<<8 | uint32(key[i+2])<<16 | uint32(key[i+3])<<24
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
	}
	tail := n &^ 3
	switch n % 4 {
	case 3:
		h ^= uint32(key[tail+2]) << 16
		fallthrough
	case 2:
		h ^= uint32(key[tail+1]) << 8
		fallthrough
	case 1:
		h ^= uint32(key[tail])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return int32(h&0x7fffffff) % partitions
}
