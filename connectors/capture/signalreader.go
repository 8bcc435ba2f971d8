package capture

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"
)

// SignalReader reads the signal topics of every connector of a daemon that
// reach the daemon's own Kafka, through one client: a consumer of its own
// per connector cost three connections per broker (bootstrap, metadata and
// fetch), a fetch loop and its buffers, for topics that are nearly always
// empty (docs/scale.md). Each connector's partition 0 is added to the
// client when its stream opens and removed when it closes; records are
// handed to the connector's queue by topic. A topic already read for
// another connector (two connectors with the same signal topic) gets a
// client of its own (OpenKafkaChannel).
type SignalReader struct {
	own KafkaClient

	// assign serializes adding and removing partitions, which franz-go may
	// make wait for the fetches in flight: it is never held with mu, which
	// deliver takes between polls.
	assign sync.Mutex
	mu     sync.Mutex
	cl     *kgo.Client // made on first use
	subs   map[string]*signalSub
	done   chan struct{}
}

// signalSub is one connector's subscription: the signals read for it and
// not taken yet, in order.
type signalSub struct {
	r    *SignalReader
	cfg  SignalConfig
	from int64
	log  *slog.Logger
	wake func()

	queue  []KafkaSignal // under r.mu
	paused bool          // under r.mu: the queue is full, the partition not fetched
}

// NewSignalReader returns a reader on own, which makes its client when the
// first connector subscribes.
func NewSignalReader(own KafkaClient) *SignalReader {
	return &SignalReader{own: own, subs: map[string]*signalSub{}}
}

// subscribe starts reading cfg.Topic's partition 0 at offset from for one
// connector; ok is false when another connector reads that topic already.
func (r *SignalReader) subscribe(cfg SignalConfig, from int64, log *slog.Logger, wake func()) (_ *signalSub, ok bool, _ error) {
	r.assign.Lock()
	defer r.assign.Unlock()
	r.mu.Lock()
	if r.subs[cfg.Topic] != nil {
		r.mu.Unlock()
		return nil, false, nil
	}
	if r.cl == nil {
		cl, err := kgo.NewClient(append([]kgo.Opt{
			kgo.SeedBrokers(r.own.Brokers...),
			kgo.FetchIsolationLevel(kgo.ReadCommitted()),
			// No partitions yet: a direct consumer that subscribe and
			// unsubscribe add partitions to and remove them from.
			kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{}),
		}, r.own.Opts...)...)
		if err != nil {
			r.mu.Unlock()
			return nil, false, fmt.Errorf("signal channel: %w", err)
		}
		r.cl, r.done = cl, make(chan struct{})
		go r.read(cl)
	}
	s := &signalSub{r: r, cfg: cfg, from: from, log: log, wake: wake}
	r.subs[cfg.Topic] = s
	cl := r.cl
	r.mu.Unlock()
	cl.AddConsumePartitions(map[string]map[int32]kgo.Offset{cfg.Topic: {0: kgo.NewOffset().At(from)}})
	return s, true, nil
}

// unsubscribe stops reading s's topic.
func (r *SignalReader) unsubscribe(s *signalSub) {
	r.assign.Lock()
	defer r.assign.Unlock()
	r.mu.Lock()
	if r.subs[s.cfg.Topic] != s {
		r.mu.Unlock()
		return
	}
	delete(r.subs, s.cfg.Topic)
	paused, cl := s.paused, r.cl
	r.mu.Unlock()
	cl.RemoveConsumePartitions(map[string][]int32{s.cfg.Topic: {0}})
	if paused {
		cl.ResumeFetchPartitions(map[string][]int32{s.cfg.Topic: {0}})
	}
}

// read polls the client until it is closed, handing each record to its
// topic's subscriber.
func (r *SignalReader) read(cl *kgo.Client) {
	defer close(r.done)
	for {
		fs := cl.PollFetches(context.Background())
		if fs.IsClientClosed() {
			return
		}
		fs.EachError(func(t string, p int32, err error) {
			r.mu.Lock()
			s := r.subs[t]
			r.mu.Unlock()
			if s != nil {
				s.log.Warn("reading the signal topic failed; retrying", "topic", t, "partition", p, "err", err)
			}
		})
		fs.EachRecord(r.deliver)
	}
}

// deliver queues r's signal for its topic's subscriber. A record below the
// subscriber's start offset (fetched for an earlier subscription of the
// topic) is dropped. A full queue pauses the partition until the connector
// takes from it.
func (r *SignalReader) deliver(rec *kgo.Record) {
	r.mu.Lock()
	s := r.subs[rec.Topic]
	if s == nil || rec.Offset < s.from {
		r.mu.Unlock()
		return
	}
	sig, ok := signalOf(rec, s.cfg, s.log)
	if ok {
		s.queue = append(s.queue, sig)
		if len(s.queue) >= signalQueue && !s.paused {
			s.paused = true
			r.cl.PauseFetchPartitions(map[string][]int32{rec.Topic: {0}})
		}
	}
	r.mu.Unlock()
	if ok && s.wake != nil {
		s.wake()
	}
}

// poll returns the next signal queued for s, without waiting.
func (s *signalSub) poll() (KafkaSignal, bool) {
	r := s.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(s.queue) == 0 {
		return KafkaSignal{}, false
	}
	sig := s.queue[0]
	s.queue[0] = KafkaSignal{}
	s.queue = s.queue[1:]
	if s.paused && len(s.queue) < signalQueue/2 {
		s.paused = false
		r.cl.ResumeFetchPartitions(map[string][]int32{s.cfg.Topic: {0}})
	}
	return sig, true
}

// Close closes the client and waits for its reader.
func (r *SignalReader) Close() {
	r.mu.Lock()
	cl, done := r.cl, r.done
	r.mu.Unlock()
	if cl != nil {
		cl.Close()
		<-done
	}
}
