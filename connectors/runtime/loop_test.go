package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/schema"
	"github.com/sluicecdc/sluice/sinks"
)

var testTable = &change.TableSchema{
	ID:      change.TableID{Namespace: "public", Name: "t"},
	Version: 1,
	Columns: []change.Field{{Name: "id", Type: change.Int32}},
	Key:     []int{0},
}

var testSourceSchema = &change.Field{Type: change.Struct, Fields: []change.Field{{Name: "name", Type: change.String}}}

// scriptedSource yields a fixed list of events after the checkpoint it is
// opened with, and records acks.
type scriptedSource struct {
	events []change.Position
	delay  time.Duration // between events
	endEOF bool          // io.EOF after the last event instead of blocking

	mu     sync.Mutex
	opened []*change.Position
	acks   []change.Position
	failAt int // index whose Next fails; -1 for none
	// pooled makes the events with change.Pooled and keeps them in handed.
	pooled bool
	handed []*change.Event
}

func (s *scriptedSource) Open(_ context.Context, cp *change.Position) (Stream, error) {
	s.mu.Lock()
	s.opened = append(s.opened, cp)
	s.mu.Unlock()
	start := 0
	if cp != nil {
		for i, p := range s.events {
			if samePos(p, *cp) {
				start = i + 1
			}
		}
	}
	return &scriptedStream{src: s, next: start}, nil
}

type scriptedStream struct {
	src  *scriptedSource
	next int
}

func (st *scriptedStream) Next(ctx context.Context) (*change.Event, error) {
	if st.next == st.src.failAt {
		return nil, errors.New("scripted failure")
	}
	if st.next >= len(st.src.events) {
		if st.src.endEOF {
			return nil, io.EOF
		}
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if st.src.delay > 0 {
		select {
		case <-time.After(st.src.delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	pos := st.src.events[st.next]
	st.next++
	ev := change.Event{
		Op: change.OpCreate, Table: testTable, After: change.Row{int32(st.next)},
		Source: change.StructValue{"x"}, SourceSchema: testSourceSchema, Pos: pos,
	}
	if st.src.pooled {
		p := change.Pooled(ev)
		st.src.mu.Lock()
		st.src.handed = append(st.src.handed, p)
		st.src.mu.Unlock()
		return p, nil
	}
	return &ev, nil
}

func (st *scriptedStream) Ack(pos change.Position) error {
	st.src.mu.Lock()
	st.src.acks = append(st.src.acks, pos)
	st.src.mu.Unlock()
	return nil
}

func (st *scriptedStream) Close() error { return nil }

// memSink keeps committed batches and checkpoints in memory; it is also the
// offsets store.
type memSink struct {
	mu          sync.Mutex
	open        []sinks.Record // written since the last commit
	batches     [][]sinks.Record
	checkpoints [][]byte
	failCommit  int // fail the n-th commit (1-based); 0 never
	commits     int
	// acksAtCommit records how many acks the source had seen when each
	// commit happened, to prove no ack precedes its commit.
	src          *scriptedSource
	acksAtCommit []int
}

func (m *memSink) Write(_ context.Context, recs []sinks.Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	// A sink may keep recs' bytes only until Commit returns (the encoder
	// reuses them after), so the batches kept for the test are copies.
	for _, r := range recs {
		r.Key, r.Value = bytes.Clone(r.Key), bytes.Clone(r.Value)
		m.open = append(m.open, r)
	}
	return nil
}

func (m *memSink) Commit(_ context.Context, cp []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.commits++
	recs := m.open
	m.open = nil
	if m.commits == m.failCommit {
		return errors.New("commit refused")
	}
	m.batches = append(m.batches, recs)
	m.checkpoints = append(m.checkpoints, cp)
	if m.src != nil {
		m.src.mu.Lock()
		m.acksAtCommit = append(m.acksAtCommit, len(m.src.acks))
		m.src.mu.Unlock()
	}
	return nil
}

func (m *memSink) Close(context.Context) error { return nil }

func (m *memSink) Load(context.Context, string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.checkpoints) == 0 {
		return nil, nil
	}
	// A nil checkpoint is a reset.
	return m.checkpoints[len(m.checkpoints)-1], nil
}

func positions(n int) []change.Position {
	var ps []change.Position
	for i := 0; i < n; i++ {
		ps = append(ps, change.Position{Tx: uint64(100 + i/10), Index: int64(i % 10), Last: i%10 == 9})
	}
	return ps
}

func newTask(src Source, sink *memSink, b Batching) *Task {
	return &Task{
		Name:     "t1",
		Source:   src,
		Encoder:  schema.NewJSON(schema.JSONOptions{TopicPrefix: "p", Tombstones: true}),
		NewSink:  func(context.Context) (sinks.Sink, error) { return sink, nil },
		Offsets:  sink,
		Batching: b,
	}
}

func runFor(t *testing.T, task *Task, d time.Duration) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return task.Run(ctx)
}

func TestBatchesBoundedByEventsAndAckedAfterCommit(t *testing.T) {
	src := &scriptedSource{events: positions(25), failAt: -1, endEOF: true}
	sink := &memSink{src: src}
	if err := runFor(t, newTask(src, sink, Batching{MaxEvents: 10, Linger: time.Hour}), 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if got := len(sink.batches); got != 3 {
		t.Fatalf("batches = %d, want 3 (10, 10, then 5 at EOF)", got)
	}
	for i, want := range []int{10, 10, 5} {
		if len(sink.batches[i]) != want {
			t.Errorf("batch %d has %d records, want %d", i, len(sink.batches[i]), want)
		}
		// Commit i happened when exactly i acks had been given: the ack
		// of a batch never precedes its commit.
		if sink.acksAtCommit[i] != i {
			t.Errorf("at commit %d the source had %d acks, want %d", i, sink.acksAtCommit[i], i)
		}
	}
	if len(src.acks) != 3 || !samePos(src.acks[2], src.events[24]) {
		t.Fatalf("acks = %+v, want 3 ending at %+v", src.acks, src.events[24])
	}
	cp, err := DecodeCheckpoint(sink.checkpoints[1])
	if err != nil {
		t.Fatal(err)
	}
	if !samePos(*cp, src.events[19]) {
		t.Errorf("second checkpoint = %+v, want %+v", *cp, src.events[19])
	}
}

// TestLoopReleasesPooledEvents: the loop gives every pooled event back once
// its records are in the sink, and what it keeps of one (the checkpoint's
// position) is a copy that outlives it.
func TestLoopReleasesPooledEvents(t *testing.T) {
	src := &scriptedSource{events: positions(25), failAt: -1, endEOF: true, pooled: true}
	sink := &memSink{src: src}
	if err := runFor(t, newTask(src, sink, Batching{MaxEvents: 10, Linger: time.Hour}), 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if len(src.handed) != 25 {
		t.Fatalf("the stream handed out %d events, want 25", len(src.handed))
	}
	for i, ev := range src.handed {
		if ev.Table != nil || ev.After != nil || ev.Pos.Tx != 0 {
			t.Errorf("event %d was not released: %+v", i, *ev)
		}
	}
	if n := len(sink.batches); n != 3 || len(sink.batches[2]) != 5 {
		t.Fatalf("batches = %d, want 3 (10, 10, 5)", n)
	}
	cp, err := DecodeCheckpoint(sink.checkpoints[2])
	if err != nil {
		t.Fatal(err)
	}
	if !samePos(*cp, src.events[24]) {
		t.Errorf("last checkpoint = %+v, want %+v", *cp, src.events[24])
	}
}

func TestLingerFlushesPartialBatch(t *testing.T) {
	src := &scriptedSource{events: positions(3), failAt: -1}
	sink := &memSink{src: src}
	task := newTask(src, sink, Batching{MaxEvents: 1000, Linger: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- task.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		sink.mu.Lock()
		n := len(sink.batches)
		sink.mu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(sink.batches) != 1 || len(sink.batches[0]) != 3 {
		t.Fatalf("want one batch of 3 records flushed by linger, got %d batches", len(sink.batches))
	}
}

func TestFailedCommitIsNotAckedAndResumesFromCheckpoint(t *testing.T) {
	src := &scriptedSource{events: positions(30), failAt: -1, endEOF: true}
	sink := &memSink{src: src, failCommit: 2}
	err := runFor(t, newTask(src, sink, Batching{MaxEvents: 10, Linger: time.Hour}), 2*time.Second)
	if err == nil || err.Error() != "commit refused" {
		t.Fatalf("Run = %v, want the commit error", err)
	}
	if len(src.acks) != 1 || !samePos(src.acks[0], src.events[9]) {
		t.Fatalf("acks after failed commit = %+v, want only the first batch's", src.acks)
	}
	// The next run resumes after the first batch and delivers the rest once.
	if err := runFor(t, newTask(src, sink, Batching{MaxEvents: 10, Linger: time.Hour}), 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if got := src.opened[1]; got == nil || !samePos(*got, src.events[9]) {
		t.Fatalf("second run opened at %+v, want %+v", got, src.events[9])
	}
	seen := map[string]int{}
	for _, b := range sink.batches {
		for _, r := range b {
			seen[string(r.Key)]++
		}
	}
	if len(seen) != 30 {
		t.Fatalf("distinct keys = %d, want 30", len(seen))
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("key %s delivered %d times", k, n)
		}
	}
}

func TestCancelCommitsBatchInHand(t *testing.T) {
	src := &scriptedSource{events: positions(5), failAt: -1}
	sink := &memSink{src: src}
	task := newTask(src, sink, Batching{MaxEvents: 1000, Linger: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- task.Run(ctx) }()
	time.Sleep(100 * time.Millisecond)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(sink.batches) != 1 || len(sink.batches[0]) != 5 {
		t.Fatalf("batches = %d, want the 5 events in hand committed on shutdown", len(sink.batches))
	}
	if len(src.acks) != 1 {
		t.Fatalf("acks = %d, want 1", len(src.acks))
	}
}

func TestSourceErrorFailsTaskAfterCommittingWhatCameBefore(t *testing.T) {
	src := &scriptedSource{events: positions(7), failAt: 4}
	sink := &memSink{src: src}
	err := runFor(t, newTask(src, sink, Batching{MaxEvents: 1000, Linger: time.Hour}), 2*time.Second)
	if err == nil || err.Error() != "scripted failure" {
		t.Fatalf("Run = %v", err)
	}
	if len(sink.batches) != 1 || len(sink.batches[0]) != 4 {
		t.Fatalf("want the 4 events before the failure committed, got %v", sink.batches)
	}
}

func TestCheckpointRoundTrip(t *testing.T) {
	p := change.Position{Snapshot: true, Table: "public.t", Key: []byte(`[5]`), Index: 7, State: []byte(`{"a":1}`)}
	b, err := EncodeCheckpoint(p, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeCheckpoint(b)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(*got) != fmt.Sprint(p) {
		t.Fatalf("round trip: %+v != %+v", *got, p)
	}
	if _, err := DecodeCheckpoint([]byte(`{"v":9}`)); err == nil {
		t.Fatal("unknown version accepted")
	}
}

func samePos(a, b change.Position) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

func (m *memSink) Reset(context.Context, string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.checkpoints = append(m.checkpoints, nil)
	return nil
}

func TestSinkErrorsAreRetryableUnlessTheySayOtherwise(t *testing.T) {
	if !IsRetryable(sinkError(errors.New("broker unreachable"))) {
		t.Error("a plain sink error should be retryable")
	}
	fenced := fmt.Errorf("wrapped: %w", terminalErr{})
	if IsRetryable(sinkError(fenced)) {
		t.Error("an error that says it is not retryable became retryable")
	}
}

type terminalErr struct{}

func (terminalErr) Error() string   { return "terminal" }
func (terminalErr) Retryable() bool { return false }

// holdingSink holds the records it is given as they are, as the Kafka sink
// does until Commit returns, and checks at each commit that none of their
// bytes changed while it held them: the encoder reuses the memory of a
// batch's records only after the batch is committed.
type holdingSink struct {
	*memSink
	t          *testing.T
	held, orig []sinks.Record
	changed    int
}

func (h *holdingSink) Write(ctx context.Context, recs []sinks.Record) error {
	for _, r := range recs {
		h.held = append(h.held, r)
		h.orig = append(h.orig, sinks.Record{Key: bytes.Clone(r.Key), Value: bytes.Clone(r.Value)})
	}
	return h.memSink.Write(ctx, recs)
}

func (h *holdingSink) Commit(ctx context.Context, cp []byte) error {
	for i, r := range h.held {
		if !bytes.Equal(r.Key, h.orig[i].Key) || !bytes.Equal(r.Value, h.orig[i].Value) {
			h.changed++
		}
	}
	h.held, h.orig = h.held[:0], h.orig[:0]
	return h.memSink.Commit(ctx, cp)
}

func TestRecordsUnchangedUntilTheirBatchCommits(t *testing.T) {
	const n = 5000 // batches of 1000 records span several of the encoder's chunks
	src := &scriptedSource{events: positions(n), failAt: -1, endEOF: true}
	sink := &holdingSink{memSink: &memSink{src: src}, t: t}
	task := &Task{
		Name: "t1", Source: src, Offsets: sink.memSink,
		Encoder:  schema.NewJSON(schema.JSONOptions{TopicPrefix: "p"}),
		NewSink:  func(context.Context) (sinks.Sink, error) { return sink, nil },
		Batching: Batching{MaxEvents: 1000, Linger: time.Hour},
	}
	if err := runFor(t, task, 3*time.Second); err != nil {
		t.Fatal(err)
	}
	if sink.changed > 0 {
		t.Fatalf("%d records changed before their batch committed", sink.changed)
	}
	// The copies the memSink kept are the records as written: all there,
	// once each, each with its own id.
	seen := map[string]bool{}
	for _, b := range sink.batches {
		for _, r := range b {
			if seen[string(r.Key)] {
				t.Fatalf("key %s twice", r.Key)
			}
			seen[string(r.Key)] = true
			if want := fmt.Sprintf(`"after":{"id":%s}`, bytes.TrimSuffix(bytes.TrimPrefix(r.Key, []byte(`{"id":`)), []byte("}"))); !bytes.Contains(r.Value, []byte(want)) {
				t.Fatalf("value %s does not hold %s", r.Value, want)
			}
		}
	}
	if len(seen) != n || len(sink.batches) < n/1000 {
		t.Fatalf("%d distinct keys in %d batches, want %d in at least %d", len(seen), len(sink.batches), n, n/1000)
	}
}

// A stream that never runs dry (as a live one at 1000 transactions a
// second, where the next transaction is always on its way) still commits
// at transaction ends, as soon as a batch has waited as long as the last
// commit took, rather than a whole linger.
func TestSteadyStreamCommitsAtTransactionEndsWithoutLinger(t *testing.T) {
	src := &scriptedSource{events: positions(400), delay: time.Millisecond, failAt: -1, endEOF: true}
	sink := &memSink{src: src}
	task := newTask(src, sink, Batching{MaxEvents: 10000, Linger: 200 * time.Millisecond})
	if err := runFor(t, task, 3*time.Second); err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, b := range sink.batches {
		seen += len(b)
	}
	if seen != 400 {
		t.Fatalf("%d records committed, want 400", seen)
	}
	// Lingering alone would give two or three batches of up to 200.
	if len(sink.batches) < 10 {
		t.Fatalf("%d batches, want at least 10: batches waited for the linger", len(sink.batches))
	}
	// The first batch ends at the linger (no commit has been timed yet);
	// the rest at transaction ends.
	for i, raw := range sink.checkpoints[1:] {
		cp, err := DecodeCheckpoint(raw)
		if err != nil {
			t.Fatal(err)
		}
		if !cp.Last {
			t.Errorf("batch %d ends inside a transaction: %+v", i+1, *cp)
		}
	}
}

// failingEncoder fails on the events whose index is in bad.
type failingEncoder struct {
	Encoder
	bad map[int64]bool
}

func (f failingEncoder) Encode(dst []schema.Message, ev *change.Event) ([]schema.Message, error) {
	if f.bad[ev.Pos.Index] && ev.Pos.Tx == 100 {
		return dst, errors.New("cannot encode this value")
	}
	return f.Encoder.Encode(dst, ev)
}

// TestErrorTolerance: with errors.tolerance=none an event that fails to
// encode fails the task and nothing after it is committed; with all it is
// skipped, logged, and the stream goes on past it (its position committed
// and acked, so it is not read again).
func TestErrorTolerance(t *testing.T) {
	for _, all := range []bool{false, true} {
		src := &scriptedSource{events: positions(10), failAt: -1, endEOF: true}
		sink := &memSink{src: src}
		task := newTask(src, sink, Batching{MaxEvents: 100, Linger: time.Hour})
		task.Encoder = failingEncoder{task.Encoder, map[int64]bool{4: true}}
		var logs bytes.Buffer
		task.Log = slog.New(slog.NewTextHandler(&logs, nil))
		task.Tolerance = Tolerance{All: all, LogMessages: true}
		err := runFor(t, task, 2*time.Second)
		var n int
		for _, b := range sink.batches {
			n += len(b)
		}
		if !all {
			if err == nil || !strings.Contains(err.Error(), "cannot encode this value") {
				t.Fatalf("none: err = %v, want the encode error", err)
			}
			if len(src.acks) != 0 && samePos(src.acks[len(src.acks)-1], src.events[9]) {
				t.Errorf("none: acked past the bad event: %+v", src.acks)
			}
			continue
		}
		if err != nil {
			t.Fatalf("all: %v", err)
		}
		if n != 9 {
			t.Errorf("all: %d records committed, want 9 (10 events, one skipped)", n)
		}
		if len(src.acks) == 0 || !samePos(src.acks[len(src.acks)-1], src.events[9]) {
			t.Errorf("all: acks %+v, want them to reach the last event", src.acks)
		}
		if !strings.Contains(logs.String(), "event skipped") || !strings.Contains(logs.String(), "cannot encode this value") || !strings.Contains(logs.String(), "after=") {
			t.Errorf("all: log %q, want the skipped event with its error and values", logs.String())
		}
	}
}

// idleSource is a scriptedSource whose stream says nothing is ever ready
// (Pending 0), as a source between two snapshot chunks or two transactions.
type idleSource struct{ *scriptedSource }

func (s idleSource) Open(ctx context.Context, cp *change.Position) (Stream, error) {
	st, err := s.scriptedSource.Open(ctx, cp)
	return idleStream{st.(*scriptedStream)}, err
}

type idleStream struct{ *scriptedStream }

func (idleStream) Pending() int { return 0 }

// TestSnapshotChunkEndsDoNotEndBatches: a stream's batch ends where a
// source transaction ends and nothing more is ready, but snapshot rows end
// their batch only when it is full, though each chunk's last row is marked
// Last.
func TestSnapshotChunkEndsDoNotEndBatches(t *testing.T) {
	for _, snapshot := range []bool{false, true} {
		ps := positions(30) // Last every 10th: chunks of 10
		for i := range ps {
			ps[i].Snapshot = snapshot
			ps[i].Last = i%10 == 6 // chunk ends that are not batch ends
		}
		src := &scriptedSource{events: ps, failAt: -1, endEOF: true}
		sink := &memSink{src: src}
		if err := runFor(t, newTask(idleSource{src}, sink, Batching{MaxEvents: 10, Linger: time.Hour}), 2*time.Second); err != nil {
			t.Fatal(err)
		}
		var sizes []int
		for _, b := range sink.batches {
			sizes = append(sizes, len(b))
		}
		want := []int{7, 10, 10, 3} // at each Last, then full
		if snapshot {
			want = []int{10, 10, 10}
		}
		if !slices.Equal(sizes, want) {
			t.Errorf("snapshot %v: batches of %v, want %v", snapshot, sizes, want)
		}
	}
}
