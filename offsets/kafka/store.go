package kafka

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
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

	mu      sync.Mutex
	queue   []*loadReq // Loads waiting for the next scan
	running bool       // a scan loop runs
}

// New returns a Store that reads topic through brokers; opts are added to
// the client's options (security, tests).
func New(brokers []string, topic string, opts ...kgo.Opt) *Store {
	return &Store{brokers: brokers, topic: topic, opts: opts}
}

// Load returns the value of the last committed record keyed connector, or
// nil when there is none (or the last one is a tombstone).
//
// The topic is shared by every connector (and every daemon on the
// cluster), so another writer's transaction may be open on it: a daemon
// killed between a checkpoint and its commit leaves it open until it times
// out (a minute for sluice's producers). A read_committed reader stops at
// its first offset, and waiting for it to end held a starting connector
// UNASSIGNED that long. So Load reads every partition to its end as a
// read_uncommitted reader with the transaction markers, and takes a
// transactional record of connector's as committed once its producer's
// commit marker follows it; other writers' open transactions do not
// matter. A connector's own transactions are all ended before it loads
// its checkpoint (its sink's producer was initialised under the
// connector's transactional id, which aborts a previous instance's). Only
// when one of them is still open (Load called without that, or a zombie
// instance) does Load wait, for that transaction only to end.
//
// Reading the topic costs as much for one connector as for many, so the
// Loads of connectors starting together share one reading (loadbatch.go).
func (s *Store) Load(ctx context.Context, connector string) ([]byte, error) {
	for {
		found, err := s.scanShared(ctx, connector)
		if err != nil || !found.open {
			return found.last, err
		}
		t := time.NewTimer(stableWait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("offsets: wait for the transaction of %q open on %q to end: %w", connector, s.topic, ctx.Err())
		case <-t.C:
		}
	}
}

// scanned is what scanMarkers found for one key: the value of its last
// committed record, and whether a transaction holding one of its records
// has no marker yet.
type scanned struct {
	last []byte
	open bool
}

// scanMarkers returns, for each of keys, the value of the last committed
// record keyed so, reading up to the end of every partition and deciding
// from the transaction markers what was committed.
func (s *Store) scanMarkers(ctx context.Context, keys map[string]bool) (map[string]scanned, error) {
	type keyed struct {
		key   string
		value []byte
	}
	// pending holds, per producer id, the records of its transaction not
	// yet ended, in order.
	pending := map[int64][]keyed{}
	out := make(map[string]scanned, len(keys))
	_, err := s.read(ctx, false, func(r *kgo.Record) {
		switch {
		case r.Attrs.IsControl():
			vs, ok := pending[r.ProducerID]
			if !ok {
				return
			}
			if isCommitMarker(r) {
				for _, v := range vs {
					out[v.key] = scanned{last: v.value}
				}
			}
			delete(pending, r.ProducerID)
		case !keys[string(r.Key)]:
		case r.Attrs.IsTransactional():
			pending[r.ProducerID] = append(pending[r.ProducerID], keyed{string(r.Key), r.Value})
		default:
			out[string(r.Key)] = scanned{last: r.Value} // written outside a transaction (Save, Reset)
		}
	})
	if err != nil {
		return nil, err
	}
	for _, vs := range pending {
		for _, v := range vs {
			f := out[v.key]
			f.open = true
			out[v.key] = f
		}
	}
	for k, f := range out {
		f.last = bytes.Clone(f.last)
		out[k] = f
	}
	return out, nil
}

// isCommitMarker reports whether control record r is a transaction's
// commit marker: its key is a version (int16) and a type (int16, 0 abort,
// 1 commit).
func isCommitMarker(r *kgo.Record) bool {
	return len(r.Key) >= 4 && binary.BigEndian.Uint16(r.Key[2:4]) == 1
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
	n := 0
	_, err := s.read(ctx, true, func(r *kgo.Record) {
		if !r.Attrs.IsControl() {
			n++
			each(r)
		}
	})
	return n, err
}

// read gives each record of the topic, control records (transaction
// markers) included, from the start of every partition to its end: its
// last stable offset once the transactions open on it when read was called
// have ended when committed is true (as a read_committed reader), else its
// high watermark (as a read_uncommitted reader).
func (s *Store) read(ctx context.Context, committed bool, each func(*kgo.Record)) (int, error) {
	adm, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(s.brokers...)}, s.opts...)...)
	if err != nil {
		return 0, fmt.Errorf("offsets: new client: %w", err)
	}
	defer adm.Close()
	var ends kadm.ListedOffsets
	if committed {
		ends, err = stableEnds(ctx, kadm.NewClient(adm), s.topic)
	} else if ends, err = kadm.NewClient(adm).ListEndOffsets(ctx, s.topic); err != nil {
		err = fmt.Errorf("offsets: list end offsets of %q: %w", s.topic, err)
	}
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
	isolation := kgo.ReadUncommitted()
	if committed {
		isolation = kgo.ReadCommitted()
	}
	cl, err := kgo.NewClient(append([]kgo.Opt{
		kgo.SeedBrokers(s.brokers...),
		kgo.FetchIsolationLevel(isolation),
		// Control records (transaction markers) are kept so the last
		// offset below the end is always seen: a transactional
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
			n++
			each(r)
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
