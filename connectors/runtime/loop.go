package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/offsets"
	"github.com/sluicecdc/sluice/schema"
	"github.com/sluicecdc/sluice/sinks"
)

// Encoder turns events into records.
type Encoder interface {
	Encode(dst []schema.Message, ev *change.Event) ([]schema.Message, error)
}

// recycler is an Encoder that reuses the memory of its records once told
// that none of them is used any more.
type recycler interface{ Recycle() }

// Batching bounds a batch, which is one Kafka transaction.
type Batching struct {
	MaxEvents int           // events per batch
	MaxBytes  int           // encoded key+value bytes per batch
	Linger    time.Duration // how long a batch may wait for more events
}

// DefaultBatching is used for zero fields of a connector's Batching.
var DefaultBatching = Batching{MaxEvents: 10000, MaxBytes: 8 << 20, Linger: 20 * time.Millisecond}

func (b Batching) withDefaults() Batching {
	if b.MaxEvents <= 0 {
		b.MaxEvents = DefaultBatching.MaxEvents
	}
	if b.MaxBytes <= 0 {
		b.MaxBytes = DefaultBatching.MaxBytes
	}
	if b.Linger <= 0 {
		b.Linger = DefaultBatching.Linger
	}
	return b
}

// Checkpoint is the value of a connector's record on the offsets topic.
type Checkpoint struct {
	Version  int             `json:"v"`
	Position change.Position `json:"position"`
	// Time is when the batch was committed, for operators.
	Time time.Time `json:"time"`
}

// EncodeCheckpoint returns the offsets-topic value for pos.
func EncodeCheckpoint(pos change.Position, now time.Time) ([]byte, error) {
	return json.Marshal(Checkpoint{Version: 1, Position: pos, Time: now.UTC()})
}

// DecodeCheckpoint parses an offsets-topic value.
func DecodeCheckpoint(b []byte) (*change.Position, error) {
	var c Checkpoint
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("decode checkpoint: %w", err)
	}
	if c.Version != 1 {
		return nil, fmt.Errorf("decode checkpoint: unknown version %d", c.Version)
	}
	return &c.Position, nil
}

// Task is one run of a connector: sink, checkpoint, source, loop.
type Task struct {
	Name     string
	Source   Source
	Encoder  Encoder
	NewSink  func(ctx context.Context) (sinks.Sink, error)
	Offsets  offsets.Store
	Batching Batching
	Log      *slog.Logger
	Metrics  *Metrics
	// OnRunning is called once the source is open and streaming.
	OnRunning func()
	// OnCommit, when set, is called after each committed batch.
	OnCommit func()
	// Committed, when set, is given the last position of each committed
	// batch.
	Committed func(change.Position)
	// Topics, when set, learns the topics the task commits records to.
	Topics TopicRecorder
	// Knobs are test hooks; nil in production.
	Knobs *Knobs
	// Migrate, when set, gives the first checkpoint of a connector that
	// has none (a migration from Debezium, migrate.go).
	Migrate func(ctx context.Context) (*change.Position, error)
	// Tolerance says what an event that fails to encode does (Kafka
	// Connect's errors.tolerance, errors.log.*).
	Tolerance Tolerance
	// Progress, when set, learns the snapshot rows of committed batches.
	Progress *Progress
}

// Tolerance is Kafka Connect's error handling for the records a converter
// fails on, applied to the events sluice fails to encode: with None (the
// default, errors.tolerance=none) the task fails; with All
// (errors.tolerance=all) the event is skipped, counted as processed (its
// position is committed, so it is not read again) and logged at WARN with
// its table, position and error, and with LogMessages
// (errors.log.include.messages=true) its row values too.
type Tolerance struct {
	All         bool
	LogMessages bool
}

// Knobs are hooks for tests.
type Knobs struct {
	// AfterCommit is called after each committed batch, before the ack.
	AfterCommit func(pos change.Position)
}

// Run runs the task until ctx is done (returning nil) or it fails. On
// cancellation it commits the batch in hand before returning, so a clean
// shutdown leaves nothing half done; whatever is not committed is replayed
// by the source on the next run.
func (t *Task) Run(ctx context.Context) (err error) {
	log := t.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b := t.Batching.withDefaults()
	t.Encoder = withRaw(t.Encoder) // events' Raw records (raw.go)

	sink, err := t.NewSink(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := sink.Close(context.WithoutCancel(ctx)); cerr != nil && err == nil {
			log.Warn("close sink", "err", cerr)
		}
	}()

	raw, err := t.Offsets.Load(ctx, t.Name)
	if err != nil {
		return Retryable(fmt.Errorf("load checkpoint: %w", err))
	}
	var cp *change.Position
	if raw != nil {
		if cp, err = DecodeCheckpoint(raw); err != nil {
			return err
		}
		log.Info("resuming from checkpoint", "checkpoint", string(raw))
	} else if t.Migrate != nil {
		if cp, err = t.Migrate(ctx); err != nil {
			return err
		}
		// Kept at once, so the offsets show it and a restart before the
		// first commit does not read Kafka Connect's topic again.
		b, err := EncodeCheckpoint(*cp, time.Now())
		if err != nil {
			return err
		}
		if err := t.Offsets.Save(ctx, t.Name, b); err != nil {
			return Retryable(fmt.Errorf("save the checkpoint taken from Debezium's offset: %w", err))
		}
		log.Info("no checkpoint: starting from Debezium's last offset on Kafka Connect's offsets topic", "checkpoint", string(b))
	} else {
		log.Info("no checkpoint: starting afresh")
	}

	stream, err := t.Source.Open(ctx, cp)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := stream.Close(); cerr != nil {
			log.Debug("close stream", "err", cerr)
		}
	}()
	t.Metrics.observeConnected(t.Name, true, stream)
	defer t.Metrics.observeConnected(t.Name, false, nil)
	t.Progress.begin(ctx, cp, stream, t.Source)
	defer t.Progress.end()
	if err := prepareTopics(ctx, sink, t.Encoder, stream); err != nil {
		return sinkError(err)
	}
	primeCatalog(t.Encoder, stream)
	if t.OnRunning != nil {
		t.OnRunning()
	}

	pending, _ := stream.(interface{ Pending() int })
	topics := topicTracker{rec: t.Topics}
	var (
		ahead    readAhead // events taken during the last commit (readahead.go)
		msgs     []schema.Message
		recs     []sinks.Record
		nEvents  int
		nRecords int
		nBytes   int
		last     change.Position
		snap     snapBatch  // the batch's snapshot rows (progress.go)
		stats    batchStats // the batch's counts for the metrics (streammetrics.go)
		// linger is done when the open batch has waited Linger since its
		// first event; one per batch, not one per event.
		linger deadline
		// opened is when the open batch took its first event; lastCommit
		// is how long the last commit took.
		opened     time.Time
		lastCommit = b.Linger
	)
	defer linger.stop()
	// flush commits the open batch; with readOn, the stream is read while
	// the commit is under way.
	flush := func(ctx context.Context, readOn bool) error {
		linger.stop()
		if nEvents == 0 {
			return nil
		}
		start := time.Now()
		cpb, err := EncodeCheckpoint(last, start)
		if err != nil {
			return err
		}
		if readOn {
			err = ahead.during(ctx, stream, min(b.MaxEvents, readAheadEvents), func() error { return sink.Commit(ctx, cpb) })
		} else {
			err = sink.Commit(ctx, cpb)
		}
		if err != nil {
			return sinkError(err)
		}
		// The sink holds none of the batch's records any more.
		if r, ok := t.Encoder.(recycler); ok {
			r.Recycle()
		}
		lastCommit = time.Since(start)
		topics.committed()
		t.Progress.committed(ctx, &snap, last)
		t.Metrics.observeCommit(t.Name, nEvents, nRecords, lastCommit)
		queued := -1
		if pending != nil {
			queued = ahead.pending() + pending.Pending()
		}
		t.Metrics.observeBatch(t.Name, &stats, queued, time.Now())
		t.Metrics.observeQueue(t.Name, stream)
		stats.reset()
		if t.Knobs != nil && t.Knobs.AfterCommit != nil {
			t.Knobs.AfterCommit(last)
		}
		if err := stream.Ack(last); err != nil {
			return fmt.Errorf("acknowledge to source: %w", err)
		}
		if t.OnCommit != nil {
			t.OnCommit()
		}
		if t.Committed != nil {
			t.Committed(last)
		}
		nEvents, nRecords, nBytes = 0, 0, 0
		return nil
	}
	// shutdown commits what is in hand with a bounded, uncancelled context.
	shutdown := func() error {
		dctx, dcancel := sinks.Detach(ctx)
		defer dcancel()
		sctx, cancel := context.WithTimeout(dctx, 30*time.Second)
		defer cancel()
		return flush(sctx, false)
	}

	for {
		// A batch commits as soon as it ends a source transaction and the
		// source has nothing more ready (so latency is one commit, not a
		// linger, when events trickle in, while batches grow by themselves
		// when they pour in), when it is full, or when it has waited
		// Linger. A steady live stream is never without a next event ready
		// (at 1000 transactions a second one is always on its way), so a
		// batch of up to groupCommitEvents also commits at a transaction's
		// end once it has waited as long as the last commit took: the
		// events that came during a commit go in the next one, and at 10k
		// rows/s p50 latency fell from 17-21 ms (linger-bound) to 7 ms. A
		// backlog passes groupCommitEvents before that and keeps its large
		// batches. Snapshot rows end their batch only when it is full or
		// has waited Linger: the end of a chunk (Last) is no source
		// transaction's end, and nothing is ready there only while the
		// source queries the next chunk, so a 10240-row chunk had made one
		// full and one small transaction (a 1M-row snapshot committed some
		// 200 times instead of 100).
		if nEvents > 0 && last.Last && !last.Snapshot && (pending != nil && ahead.pending()+pending.Pending() == 0 || nEvents <= groupCommitEvents && time.Since(opened) >= lastCommit) {
			if err := flush(ctx, true); err != nil {
				return err
			}
		}
		nctx := ctx
		if nEvents > 0 {
			nctx = linger.ctx
		}
		ev, err := ahead.next(nctx, stream)
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return shutdown()
		case errors.Is(err, context.DeadlineExceeded) && nEvents > 0:
			if err := flush(ctx, true); err != nil {
				return err
			}
			continue
		case errors.Is(err, io.EOF):
			if err := flush(ctx, false); err != nil {
				return err
			}
			t.Progress.complete()
			log.Info("source has nothing more to stream; idle")
			<-ctx.Done()
			return nil
		default:
			if ferr := shutdown(); ferr != nil {
				log.Warn("commit before failing", "err", ferr)
			}
			return err
		}

		if nEvents == 0 {
			linger.start(ctx, b.Linger)
			opened = time.Now()
			topics.batchStart()
		}
		if ev.Pos.Snapshot {
			snap.saw(ev)
		}
		msgs, err = t.Encoder.Encode(msgs[:0], ev)
		if err != nil {
			if !t.Tolerance.All {
				what := "message"
				if ev.Message == nil && ev.Table != nil {
					what = fmt.Sprintf("%s event on %s", ev.Op, ev.Table.ID)
				}
				return fmt.Errorf("%s at position %s: %w (errors.tolerance=all would skip it)", what, ev.Pos, err)
			}
			table := ""
			if ev.Table != nil {
				table = ev.Table.ID.Namespace + "." + ev.Table.ID.Name
			}
			attrs := []any{"table", table, "op", fmt.Sprint(ev.Op), "position", ev.Pos.String(), "err", err}
			if t.Tolerance.LogMessages {
				attrs = append(attrs, "before", fmt.Sprintf("%v", ev.Before), "after", fmt.Sprintf("%v", ev.After))
			}
			log.Warn("event skipped: it failed to encode and errors.tolerance=all", attrs...)
			t.Metrics.observeSkipped(t.Name)
			nEvents++
			last = ev.Pos
			ev.Release()
			continue
		}
		recs = recs[:0]
		for i := range msgs {
			recs = append(recs, sinks.Record(msgs[i]))
			nBytes += len(msgs[i].Key) + len(msgs[i].Value)
			topics.wrote(msgs[i].Topic)
			stats.wrote(msgs[i].Topic)
		}
		stats.saw(ev)
		if err := sink.Write(ctx, recs); err != nil {
			return sinkError(err)
		}
		nEvents++
		nRecords += len(recs)
		last = ev.Pos
		// The records are the sink's and last a copy: nothing refers to
		// the event any more (change/pool.go).
		ev.Release()
		if nEvents >= b.MaxEvents || nBytes >= b.MaxBytes {
			if err := flush(ctx, true); err != nil {
				return err
			}
		}
	}
}

// groupCommitEvents is the largest batch that commits at a transaction's
// end only for having waited as long as the last commit took (see Run).
const groupCommitEvents = 1000

// deadline is a context that ends after a duration, kept across calls.
type deadline struct {
	ctx    context.Context
	cancel context.CancelFunc
}

func (d *deadline) start(parent context.Context, after time.Duration) {
	d.stop()
	d.ctx, d.cancel = context.WithTimeout(parent, after)
}

func (d *deadline) stop() {
	if d.cancel != nil {
		d.cancel()
		d.cancel = nil
	}
}

// sinkError classifies a sink failure: one that says whether it is
// retryable keeps its word; any other (a broker unreachable, a request timed
// out) is retried by restarting the task from its checkpoint, which is always
// safe since nothing uncommitted was acknowledged.
func sinkError(err error) error {
	var r interface{ Retryable() bool }
	if errors.As(err, &r) {
		return err
	}
	return Retryable(err)
}

// retryable marks an error as worth retrying by restarting the task.
type retryable struct{ err error }

func (r retryable) Error() string   { return r.err.Error() }
func (r retryable) Unwrap() error   { return r.err }
func (r retryable) Retryable() bool { return true }

// Retryable marks err as transient: the supervisor restarts the task after a
// backoff instead of failing the connector.
func Retryable(err error) error { return retryable{err} }

// IsRetryable reports whether err (or an error it wraps) says it is
// transient through a Retryable() bool method.
func IsRetryable(err error) bool {
	var r interface{ Retryable() bool }
	return errors.As(err, &r) && r.Retryable()
}
