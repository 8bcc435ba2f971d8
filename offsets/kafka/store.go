package kafka

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Store reads checkpoints from a compacted topic.
type Store struct {
	brokers []string
	topic   string
	opts    []kgo.Opt
}

// New returns a Store that reads topic through brokers; opts are added to
// the client's options (security, tests).
func New(brokers []string, topic string, opts ...kgo.Opt) *Store {
	return &Store{brokers: brokers, topic: topic, opts: opts}
}

// Load returns the value of the last committed record keyed connector, or
// nil when there is none (or the last one is a tombstone). It reads every
// partition from its start up to its last stable offset.
func (s *Store) Load(ctx context.Context, connector string) ([]byte, error) {
	return s.scan(ctx, func(key []byte) bool { return string(key) == connector })
}

// LoadAll returns the last committed checkpoint of every connector.
func (s *Store) LoadAll(ctx context.Context) (map[string][]byte, error) {
	out := map[string][]byte{}
	_, err := s.scanFn(ctx, func(r *kgo.Record) {
		if r.Value == nil {
			delete(out, string(r.Key))
		} else {
			out[string(r.Key)] = r.Value
		}
	})
	return out, err
}

func (s *Store) scan(ctx context.Context, match func([]byte) bool) ([]byte, error) {
	var last []byte
	_, err := s.scanFn(ctx, func(r *kgo.Record) {
		if match(r.Key) {
			last = r.Value
		}
	})
	if err != nil {
		return nil, err
	}
	return bytes.Clone(last), nil
}

func (s *Store) scanFn(ctx context.Context, each func(*kgo.Record)) (int, error) {
	adm, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(s.brokers...)}, s.opts...)...)
	if err != nil {
		return 0, fmt.Errorf("offsets: new client: %w", err)
	}
	defer adm.Close()
	ends, err := stableEnds(ctx, kadm.NewClient(adm), s.topic)
	if err != nil {
		return 0, err
	}
	want := map[int32]int64{}
	var lerr error
	ends.Each(func(o kadm.ListedOffset) {
		if o.Err != nil {
			if !errors.Is(o.Err, kerr.UnknownTopicOrPartition) {
				lerr = o.Err
			}
			return
		}
		if o.Offset > 0 {
			want[o.Partition] = o.Offset
		}
	})
	if lerr != nil {
		return 0, fmt.Errorf("offsets: list end offsets of %q: %w", s.topic, lerr)
	}
	if len(want) == 0 {
		return 0, nil
	}
	parts := map[int32]kgo.Offset{}
	for p := range want {
		parts[p] = kgo.NewOffset().AtStart()
	}
	cl, err := kgo.NewClient(append([]kgo.Opt{
		kgo.SeedBrokers(s.brokers...),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		// Control records (transaction markers) are kept so the last
		// offset below the stable end is always seen: a transactional
		// partition ends with a marker.
		kgo.KeepControlRecords(),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{s.topic: parts}),
	}, s.opts...)...)
	if err != nil {
		return 0, fmt.Errorf("offsets: new consumer: %w", err)
	}
	defer cl.Close()
	n := 0
	for len(want) > 0 {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return n, err
		}
		var ferr error
		fs.EachError(func(_ string, _ int32, err error) { ferr = err })
		if ferr != nil {
			return n, fmt.Errorf("offsets: read %q: %w", s.topic, ferr)
		}
		fs.EachRecord(func(r *kgo.Record) {
			end, ok := want[r.Partition]
			if !ok || r.Offset >= end {
				return
			}
			if !r.Attrs.IsControl() {
				n++
				each(r)
			}
			if r.Offset+1 >= end {
				delete(want, r.Partition)
			}
		})
	}
	return n, nil
}

// stableWait is how often stableEnds looks again at a partition held back
// by an open transaction.
const stableWait = 100 * time.Millisecond

// stableEnds returns the end offsets of topic's partitions once every
// transaction open on them when it was called has ended. The topic is shared
// by every connector, and a read_committed reader stops at the first offset
// of an open transaction (the last stable offset): another connector's
// transaction left open (its daemon killed between its checkpoint and its
// commit, until the transaction times out) would hide every checkpoint
// committed after it, and a connector that loaded an older checkpoint would
// emit again what it had committed. Waiting lasts at most the other
// producer's transaction timeout (a minute for sluice's).
func stableEnds(ctx context.Context, adm *kadm.Client, topic string) (kadm.ListedOffsets, error) {
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("offsets: list end offsets of %q: %w", topic, err)
	}
	for {
		stable, err := adm.ListCommittedOffsets(ctx, topic)
		if err != nil {
			return nil, fmt.Errorf("offsets: list stable offsets of %q: %w", topic, err)
		}
		behind := false
		ends.Each(func(o kadm.ListedOffset) {
			if so, ok := stable.Lookup(o.Topic, o.Partition); o.Err == nil && ok && so.Err == nil && so.Offset < o.Offset {
				behind = true
			}
		})
		if !behind {
			return ends, nil
		}
		t := time.NewTimer(stableWait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("offsets: wait for the transactions open on %q to end: %w", topic, ctx.Err())
		case <-t.C:
		}
	}
}

// LoadKey returns the value of the last committed record whose key match
// accepts, or nil when there is none (or the last one is a tombstone). It
// reads another writer's offsets the way Load reads sluice's: Kafka
// Connect's offsets topic, for a migration from Debezium.
func (s *Store) LoadKey(ctx context.Context, match func(key []byte) bool) ([]byte, error) {
	return s.scan(ctx, match)
}

// Save writes value as connector's checkpoint, outside any transaction
// (the connector is not running, so no transaction of its own is open).
func (s *Store) Save(ctx context.Context, connector string, value []byte) error {
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(s.brokers...)}, s.opts...)...)
	if err != nil {
		return fmt.Errorf("offsets: new client: %w", err)
	}
	defer cl.Close()
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: s.topic, Key: []byte(connector), Value: value}).FirstErr(); err != nil {
		return fmt.Errorf("offsets: save the checkpoint of %q on %q: %w", connector, s.topic, err)
	}
	return nil
}

// Reset writes a tombstone for connector's checkpoint. When the offsets
// topic does not exist yet, no connector has a checkpoint and there is
// nothing to reset.
func (s *Store) Reset(ctx context.Context, connector string) error {
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(s.brokers...)}, s.opts...)...)
	if err != nil {
		return fmt.Errorf("offsets: new client: %w", err)
	}
	defer cl.Close()
	tds, err := kadm.NewClient(cl).ListTopics(ctx, s.topic)
	if err != nil {
		return fmt.Errorf("offsets: look up %q: %w", s.topic, err)
	}
	if td, ok := tds[s.topic]; !ok || errors.Is(td.Err, kerr.UnknownTopicOrPartition) {
		return nil
	} else if td.Err != nil {
		return fmt.Errorf("offsets: look up %q: %w", s.topic, td.Err)
	}
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: s.topic, Key: []byte(connector)}).FirstErr(); err != nil {
		return fmt.Errorf("offsets: reset %q on %q: %w", connector, s.topic, err)
	}
	return nil
}
