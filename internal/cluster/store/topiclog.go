package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// topicLog is what both stores share: a compacted topic read from its
// start by one goroutine (read_committed) that hands every record to apply
// in offset order, and a producer whose writes the caller can wait to see
// applied. It is Connect's KafkaBasedLog, cut down.
type topicLog struct {
	topic string
	log   *slog.Logger
	prod  *kgo.Client // also the admin client
	cons  *kgo.Client
	adm   *kadm.Client
	ro    bool

	// apply is called on the reader goroutine, in offset order within a
	// partition. replay is true for records below the end offsets seen at
	// open (the initial read).
	apply func(r *kgo.Record, replay bool)

	mu       sync.Mutex
	next     map[int32]int64 // next offset to apply, per partition
	advanced chan struct{}   // closed (and replaced) whenever next moves
	closed   bool

	cancel context.CancelFunc
	done   chan struct{}
}

// logSpec says which topic to open and how to create or check it.
type logSpec struct {
	opts        []kgo.Opt
	topic       string
	purpose     string // "connector configurations", for messages
	setting     string // the worker setting that names the topic
	partitions  int32  // when created
	onlyOne     bool   // refuse an existing topic with more than one partition
	replication int16
	readOnly    bool
	logger      *slog.Logger
}

// openLog creates or checks the topic, starts the reader and returns once
// everything up to the end offsets at open is applied.
func openLog(ctx context.Context, s logSpec, apply func(*kgo.Record, bool)) (*topicLog, error) {
	prodOpts := append(slices.Clone(s.opts),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		// Connect's producers use the default partitioner: murmur2 of the
		// key modulo the partition count. Only the status topic has more
		// than one partition; a key must always land in one partition so
		// compaction keeps its latest record.
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)),
		kgo.ProducerLinger(0),
	)
	prod, err := kgo.NewClient(prodOpts...)
	if err != nil {
		return nil, fmt.Errorf("%w: client for %s: %w", ErrConfig, s.topic, err)
	}
	adm := kadm.NewClient(prod)
	parts, err := ensureTopic(ctx, adm, s)
	if err != nil {
		prod.Close()
		return nil, err
	}
	ends, err := endOffsetsRetry(ctx, adm, s.topic, parts)
	if err != nil {
		prod.Close()
		return nil, err
	}
	start := make(map[int32]kgo.Offset, parts)
	for p := range parts {
		start[p] = kgo.NewOffset().AtStart()
	}
	consOpts := append(slices.Clone(s.opts),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{s.topic: start}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		// Keep transaction markers so the position moves past them: a
		// topic written transactionally (Connect with exactly-once source
		// support) ends in a marker, and ReadToEnd waits for the end offset.
		kgo.KeepControlRecords(),
	)
	cons, err := kgo.NewClient(consOpts...)
	if err != nil {
		prod.Close()
		return nil, fmt.Errorf("%w: consumer for %s: %w", ErrConfig, s.topic, err)
	}
	rctx, cancel := context.WithCancel(context.Background())
	l := &topicLog{
		topic: s.topic, log: s.logger, prod: prod, cons: cons, adm: adm, ro: s.readOnly,
		apply: apply, next: make(map[int32]int64, parts), advanced: make(chan struct{}),
		cancel: cancel, done: make(chan struct{}),
	}
	for p := range parts {
		l.next[p] = 0
	}
	go l.run(rctx, ends)
	if err := l.waitEnds(ctx, ends); err != nil {
		l.close()
		return nil, fmt.Errorf("read %s to its end: %w", s.topic, err)
	}
	return l, nil
}

// ensureTopic creates the topic when missing (unless read-only) and checks
// an existing one as Connect does; it returns the partition count.
func ensureTopic(ctx context.Context, adm *kadm.Client, s logSpec) (int32, error) {
	if !s.readOnly {
		compact := "compact"
		_, err := adm.CreateTopic(ctx, s.partitions, s.replication, map[string]*string{"cleanup.policy": &compact}, s.topic)
		switch {
		case err == nil:
			s.logger.Info("created topic", "topic", s.topic, "partitions", s.partitions, "replication_factor", s.replication)
			return s.partitions, nil
		case errors.Is(err, kerr.TopicAlreadyExists):
		case errors.Is(err, kerr.TopicAuthorizationFailed), errors.Is(err, kerr.ClusterAuthorizationFailed):
			// Connect too goes on to use a topic it may not create.
			s.logger.Info("not allowed to create the topic; using it if it exists", "topic", s.topic, "err", err)
		default:
			return 0, fmt.Errorf("create topic %q for %s: %w", s.topic, s.purpose, err)
		}
	}
	details, err := adm.ListTopics(ctx, s.topic)
	if err != nil {
		return 0, fmt.Errorf("describe topic %q: %w", s.topic, err)
	}
	d, ok := details[s.topic]
	if !ok || errors.Is(d.Err, kerr.UnknownTopicOrPartition) {
		return 0, fmt.Errorf("%w: topic %q for %s does not exist (opened read-only, so it is not created)", ErrTopicLayout, s.topic, s.purpose)
	}
	if d.Err != nil {
		return 0, fmt.Errorf("describe topic %q: %w", s.topic, d.Err)
	}
	n := int32(len(d.Partitions))
	if s.onlyOne && n > 1 {
		return 0, fmt.Errorf("%w: topic %q named by %s must have a single partition so that %s are totally ordered, but it has %d; "+
			"create a new topic with one partition and cleanup.policy=compact and set %s to it", ErrTopicLayout, s.topic, s.setting, s.purpose, n, s.setting)
	}
	rcs, err := adm.DescribeTopicConfigs(ctx, s.topic)
	if err == nil {
		var rc kadm.ResourceConfig
		rc, err = rcs.On(s.topic, nil)
		if err == nil {
			policy := ""
			for _, c := range rc.Configs {
				if c.Key == "cleanup.policy" {
					policy = c.MaybeValue()
				}
			}
			if policy != "compact" {
				return 0, fmt.Errorf("%w: topic %q named by %s must have cleanup.policy=compact to keep %s, but has cleanup.policy=%s; "+
					"change it (kafka-configs --alter --entity-type topics --entity-name %s --add-config cleanup.policy=compact) or set %s to a compacted topic",
					ErrTopicLayout, s.topic, s.setting, s.purpose, policy, s.topic, s.setting)
			}
		}
	}
	if err != nil {
		// Connect too goes on when it may not describe the topic's configs.
		s.logger.Warn("cannot verify the cleanup policy of the topic", "topic", s.topic, "err", err)
	}
	return n, nil
}

// endOffsets are the read_committed end offsets (last stable offsets).
func endOffsets(ctx context.Context, adm *kadm.Client, topic string) (map[int32]int64, error) {
	lo, err := adm.ListCommittedOffsets(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("list end offsets of %q: %w", topic, err)
	}
	ends := map[int32]int64{}
	for p, o := range lo[topic] {
		if o.Err != nil {
			return nil, fmt.Errorf("list end offset of %q partition %d: %w", topic, p, o.Err)
		}
		ends[p] = o.Offset
	}
	return ends, nil
}

// endOffsetsRetry waits for a topic just created to have a leader for
// every partition before it lists the end offsets.
func endOffsetsRetry(ctx context.Context, adm *kadm.Client, topic string, parts int32) (map[int32]int64, error) {
	for {
		ends, err := endOffsets(ctx, adm, topic)
		if err == nil && int32(len(ends)) >= parts {
			return ends, nil
		}
		if err != nil && !kerr.IsRetriable(err) && !errors.Is(err, kerr.UnknownTopicOrPartition) {
			return nil, err
		}
		select {
		case <-ctx.Done():
			if err == nil {
				err = fmt.Errorf("%d of %d partitions of %q have a leader", len(ends), parts, topic)
			}
			return nil, fmt.Errorf("list end offsets of %q: %w (%w)", topic, ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (l *topicLog) run(ctx context.Context, initial map[int32]int64) {
	defer close(l.done)
	for {
		fs := l.cons.PollFetches(ctx)
		if ctx.Err() != nil || fs.IsClientClosed() {
			return
		}
		fs.EachError(func(t string, p int32, err error) {
			l.log.Warn("fetch", "topic", t, "partition", p, "err", err)
		})
		fs.EachPartition(func(fp kgo.FetchTopicPartition) {
			if len(fp.Records) == 0 {
				return
			}
			for _, r := range fp.Records {
				if !r.Attrs.IsControl() {
					l.apply(r, r.Offset < initial[r.Partition])
				}
			}
			// The position is the last record's offset + 1. That reaches
			// the end offset: the record just below it is always returned
			// (the log cleaner never cleans the active segment, which holds
			// the last record; aborted data is dropped but its marker is
			// kept, as KeepControlRecords asks).
			last := fp.Records[len(fp.Records)-1].Offset + 1
			l.mu.Lock()
			if last > l.next[fp.Partition] {
				l.next[fp.Partition] = last
				close(l.advanced)
				l.advanced = make(chan struct{})
			}
			l.mu.Unlock()
		})
	}
}

// waitEnds blocks until every partition's next offset reaches ends.
func (l *topicLog) waitEnds(ctx context.Context, ends map[int32]int64) error {
	for {
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			return ErrClosed
		}
		behind := false
		for p, e := range ends {
			if l.next[p] < e {
				behind = true
				break
			}
		}
		ch := l.advanced
		l.mu.Unlock()
		if !behind {
			return nil
		}
		select {
		case <-ch:
		case <-l.done:
			return ErrClosed
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// readToEnd waits until every record up to the current end is applied.
func (l *topicLog) readToEnd(ctx context.Context) error {
	ends, err := endOffsets(ctx, l.adm, l.topic)
	if err != nil {
		return err
	}
	return l.waitEnds(ctx, ends)
}

// kv is one record to write; a nil value is a tombstone.
type kv struct {
	key   string
	value []byte
}

// produce writes the records in order and waits until the reader has
// applied all of them (read-your-writes).
func (l *topicLog) produce(ctx context.Context, recs ...kv) error {
	if l.ro {
		return ErrReadOnly
	}
	l.mu.Lock()
	closed := l.closed
	l.mu.Unlock()
	if closed {
		return ErrClosed
	}
	rs := make([]*kgo.Record, len(recs))
	for i, r := range recs {
		rs[i] = &kgo.Record{Topic: l.topic, Key: []byte(r.key), Value: r.value}
	}
	res := l.prod.ProduceSync(ctx, rs...)
	if err := res.FirstErr(); err != nil {
		keys := make([]string, len(recs))
		for i, r := range recs {
			keys[i] = r.key
		}
		return fmt.Errorf("write %s to %s: %w", strings.Join(keys, ", "), l.topic, err)
	}
	want := map[int32]int64{}
	for _, r := range res {
		want[r.Record.Partition] = max(want[r.Record.Partition], r.Record.Offset+1)
	}
	if err := l.waitEnds(ctx, want); err != nil {
		return fmt.Errorf("read back what was written to %s: %w", l.topic, err)
	}
	return nil
}

func (l *topicLog) close() {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.closed = true
	l.mu.Unlock()
	l.cancel()
	<-l.done
	l.cons.Close()
	l.prod.Close()
}
