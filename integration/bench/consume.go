package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// counter is a read_committed consumer of one topic that counts the change
// records of ids [0, want), checks that no key repeats and, for live rows,
// records commit-to-arrival latency from the row's stamp_ns.
type counter struct {
	want    int
	base    int64 // ids are counted from here: id base+i is row i; lower ids are skipped
	cl      *kgo.Client
	done    chan struct{} // closed when every id has arrived once
	stopped chan struct{} // closed when the poll loop has returned
	warm    chan struct{} // closed when the warm-up row (id == want) arrived

	mu        sync.Mutex
	seen      []bool
	distinct  int
	records   int
	bytes     int64 // keys, values and headers of the counted records
	dups      int
	warmed    int // warm-up records (id == want)
	earlier   int // records of ids below base
	bad       int // records whose key or stamp could not be read
	badSample string
	last      time.Time // arrival of the want-th distinct id
	latencies []time.Duration
	err       error
}

// createTopic creates topic with one partition (replication factor 1, the
// test broker's), so every tool writes to the same kind of topic and the
// consumer need not wait for it to appear.
func createTopic(ctx context.Context, brokers []string, topic string) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		return err
	}
	defer cl.Close()
	_, err = kadm.NewClient(cl).CreateTopic(ctx, 1, -1, nil, topic)
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return fmt.Errorf("create topic %s: %w", topic, err)
	}
	return nil
}

// deleteTopics removes the benchmark's topics.
func deleteTopics(ctx context.Context, brokers []string, topics ...string) error {
	if len(topics) == 0 {
		return nil
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		return err
	}
	defer cl.Close()
	resp, err := kadm.NewClient(cl).DeleteTopics(ctx, topics...)
	if err != nil {
		return err
	}
	var errs []error
	for _, r := range resp {
		if r.Err != nil && !errors.Is(r.Err, kerr.UnknownTopicOrPartition) {
			errs = append(errs, fmt.Errorf("delete topic %s: %w", r.Topic, r.Err))
		}
	}
	return errors.Join(errs...)
}

// startCounter starts consuming topic from its beginning. Ids in [0, want)
// are expected once each; id want is an optional warm-up row. Rows with a
// stamp_ns > 0 have their latency recorded.
func startCounter(ctx context.Context, brokers []string, topic string, want int) (*counter, error) {
	return startCounterOpts(ctx, brokers, 0, want, kgo.ConsumeTopics(topic))
}

// startCounterOpts is startCounter with the topics given as client options
// (e.g. a regex), counting ids [base, base+want).
func startCounterOpts(ctx context.Context, brokers []string, base int64, want int, topics ...kgo.Opt) (*counter, error) {
	cl, err := kgo.NewClient(append([]kgo.Opt{
		kgo.SeedBrokers(brokers...),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxBytes(64 << 20),
		kgo.FetchMaxPartitionBytes(32 << 20),
		kgo.FetchMaxWait(200 * time.Millisecond),
		kgo.MetadataMinAge(250 * time.Millisecond),
	}, topics...)...)
	if err != nil {
		return nil, err
	}
	c := &counter{want: want, base: base, cl: cl, done: make(chan struct{}), stopped: make(chan struct{}), warm: make(chan struct{}), seen: make([]bool, want)}
	go c.loop(ctx)
	return c, nil
}

func (c *counter) loop(ctx context.Context) {
	defer close(c.stopped)
	for {
		fetches := c.cl.PollFetches(ctx)
		now := time.Now()
		if ctx.Err() != nil || fetches.IsClientClosed() {
			return
		}
		var ferr error
		fetches.EachError(func(t string, p int32, err error) {
			if !errors.Is(err, context.Canceled) && !errors.Is(err, kerr.UnknownTopicOrPartition) {
				ferr = fmt.Errorf("fetch %s/%d: %w", t, p, err)
			}
		})
		c.mu.Lock()
		if ferr != nil && c.err == nil {
			c.err = ferr
		}
		fetches.EachRecord(func(r *kgo.Record) { c.add(r, now) })
		c.mu.Unlock()
	}
}

// add counts one record; c.mu is held.
func (c *counter) add(r *kgo.Record, now time.Time) {
	id, ok := jsonInt(r.Key, `"id":`)
	if ok && id < c.base {
		c.earlier++ // an earlier phase's row (the scale scenario's snapshot)
		return
	}
	id -= c.base
	c.records++
	if ok && id == int64(c.want) {
		if c.warmed == 0 {
			close(c.warm)
		}
		c.warmed++
		return
	}
	if !ok || id < 0 || id >= int64(c.want) {
		c.bad++
		if c.badSample == "" {
			c.badSample = fmt.Sprintf("key %q", r.Key)
		}
		return
	}
	// Both tools must write Debezium's envelope as JSON without schemas.
	if !bytes.HasPrefix(r.Value, []byte(`{"before":`)) {
		c.bad++
		if c.badSample == "" {
			v := r.Value
			if len(v) > 120 {
				v = v[:120]
			}
			c.badSample = fmt.Sprintf("value %q", v)
		}
		return
	}
	if c.seen[id] {
		c.dups++
		return
	}
	c.seen[id] = true
	c.distinct++
	c.bytes += int64(len(r.Key) + len(r.Value))
	for _, h := range r.Headers {
		c.bytes += int64(len(h.Key) + len(h.Value))
	}
	if stamp, ok := jsonInt(r.Value, `"stamp_ns":`); ok && stamp > 0 {
		c.latencies = append(c.latencies, now.Sub(time.Unix(0, stamp)))
	}
	if c.distinct == c.want {
		c.last = now
		close(c.done)
	}
}

// progress says what has arrived so far.
func (c *counter) progress() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return fmt.Sprintf("%d of %d rows arrived (%d records, %d repeated keys, %d unreadable)%s",
		c.distinct, c.want, c.records, c.dups, c.bad, c.fetchErr())
}

func (c *counter) fetchErr() string {
	if c.err != nil {
		return "; " + c.err.Error()
	}
	return ""
}

// finish keeps reading for settle (to catch records past the last id), stops
// the consumer and checks that exactly want records arrived, one per id.
func (c *counter) finish(settle time.Duration) (records int, err error) {
	time.Sleep(settle)
	c.cl.Close()
	<-c.stopped
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.records, c.verify()
}

// verify checks that exactly want records arrived, one per id, each in
// Debezium's JSON envelope (plus at most one warm-up row); c.mu is held.
func (c *counter) verify() error {
	if c.distinct != c.want || c.records-c.warmed != c.want || c.warmed > 1 || c.dups != 0 || c.bad != 0 {
		msg := fmt.Sprintf("%d records for %d rows: %d distinct ids, %d repeated keys, %d unreadable",
			c.records, c.want, c.distinct, c.dups, c.bad)
		if c.badSample != "" {
			msg += " (first unreadable: " + c.badSample + ")"
		}
		return errors.New(msg)
	}
	return nil
}

// jsonInt finds field (e.g. `"id":`) in a flat JSON text and parses the
// integer after it.
func jsonInt(b []byte, field string) (int64, bool) {
	i := bytes.Index(b, []byte(field))
	if i < 0 {
		return 0, false
	}
	b = b[i+len(field):]
	j := 0
	for j < len(b) && (b[j] == '-' || (b[j] >= '0' && b[j] <= '9')) {
		j++
	}
	n, err := strconv.ParseInt(string(b[:j]), 10, 64)
	return n, err == nil
}
