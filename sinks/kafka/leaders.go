package kafka

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// leaderWait bounds how long records wait for the leaders of the topics
// Prepare created.
const leaderWait = 30 * time.Second

// leaderPoll is how often the partitions still without a ready leader are
// asked about.
const leaderPoll = 50 * time.Millisecond

// leaderWaiter follows the topics Prepare created until every partition's
// leader answers a ListOffsets request, i.e. has the partition's log: a
// broker that has just created thousands of partitions names their leader
// in its metadata before the leader can take records, and records sent
// meanwhile fail with NOT_LEADER_FOR_PARTITION and are retried (2,000 new
// topics cost 20 s of retries within one transaction, measured on the test
// broker). It runs beside the snapshot: a record waits only for its own
// topic (Write), so the first tables' rows go out while the broker still
// makes the later tables' logs (some 8 ms a partition on the test broker:
// 1,000 tables waited 8 s before their first row when Prepare waited for
// all). After leaderWait it gives up quietly: the records' own retries take
// over.
type leaderWaiter struct {
	mu      sync.Mutex
	pending map[string]bool
	changed chan struct{} // closed, and replaced, when pending shrinks
	cancel  context.CancelFunc
	done    chan struct{}
}

// awaitLeaders starts following topics (adding to the topics still
// followed, if any).
func (s *Sink) awaitLeaders(topics []string) {
	if len(topics) == 0 {
		return
	}
	pending := map[string]bool{}
	if old := s.leaders; old != nil {
		old.mu.Lock()
		for t := range old.pending {
			pending[t] = true
		}
		old.mu.Unlock()
		old.stop()
	}
	for _, t := range topics {
		pending[t] = true
	}
	ctx, cancel := context.WithTimeout(context.Background(), leaderWait)
	w := &leaderWaiter{pending: pending, changed: make(chan struct{}), cancel: cancel, done: make(chan struct{})}
	s.leaders = w
	// A client of its own: the producer's would keep the metadata of every
	// topic asked about in its cache (a fifth of what a table cost in
	// memory with 2,000 tables).
	// Few and short retries: the client retries a partition whose leader
	// is not ready, and a poll would then return only once all are.
	opts := append([]kgo.Opt{kgo.SeedBrokers(s.cfg.Brokers...), kgo.MetadataMinAge(100 * time.Millisecond)}, s.cfg.Options...)
	opts = append(opts, kgo.RequestRetries(1), kgo.RetryTimeout(250*time.Millisecond))
	go w.run(ctx, opts, s)
}

func (w *leaderWaiter) run(ctx context.Context, opts []kgo.Opt, s *Sink) {
	defer close(w.done)
	defer w.cancel()
	start := time.Now()
	defer func() {
		w.mu.Lock()
		left := len(w.pending)
		clear(w.pending) // records no longer wait
		close(w.changed)
		w.changed = make(chan struct{})
		w.mu.Unlock()
		if left > 0 {
			s.log.Debug("topics created but not all ready; their records retry", "topics", left, "after", time.Since(start).Round(time.Millisecond))
		} else {
			s.log.Debug("created topics ready", "after", time.Since(start).Round(time.Millisecond))
		}
	}()
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	for ctx.Err() == nil {
		w.mu.Lock()
		pending := make([]string, 0, len(w.pending))
		for t := range w.pending {
			pending = append(pending, t)
		}
		w.mu.Unlock()
		if len(pending) == 0 {
			return
		}
		slices.Sort(pending)
		if ends, err := adm.ListEndOffsets(ctx, pending...); err == nil {
			var ready []string
			for _, t := range pending {
				ps, ok := ends[t]
				if !ok || len(ps) == 0 {
					continue
				}
				ok = true
				for _, o := range ps {
					ok = ok && o.Err == nil
				}
				if ok {
					ready = append(ready, t)
				}
			}
			if len(ready) > 0 {
				w.mu.Lock()
				for _, t := range ready {
					delete(w.pending, t)
				}
				close(w.changed)
				w.changed = make(chan struct{})
				w.mu.Unlock()
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(leaderPoll):
		}
	}
}

// wait returns once topic's leaders are ready (or no longer followed), or
// ctx is done.
func (w *leaderWaiter) wait(ctx context.Context, topic string) error {
	for {
		w.mu.Lock()
		pending, ch := w.pending[topic], w.changed
		w.mu.Unlock()
		if !pending {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// stop ends the following and waits for it; a nil waiter is stopped.
func (w *leaderWaiter) stop() {
	if w == nil {
		return
	}
	w.cancel()
	<-w.done
}
