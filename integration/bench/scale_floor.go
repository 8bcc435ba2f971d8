package main

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/sinks"
	"github.com/sluicecdc/sluice/sinks/kafka"
)

// floorTxnRecords is how many records the floor writes per transaction: a
// sluice batch's most (the runtime's default max.batch.size).
const floorTxnRecords = 10000

// scaleFloor measures the Kafka floor of a snapshot of n tables: the
// records sluice wrote to the topics of prefix name, read back, written
// again to n fresh topics (name + "_floor." + table) by a sink set up as
// sluice's (kafka.New: the same producer settings; its topics created
// together by Prepare, as sluice's are), table after table, floorTxnRecords
// to a transaction, each with a checkpoint record. Timed as the snapshot
// is: from Prepare until a read_committed consumer subscribed by regex (the
// snapshot's counter, running meanwhile as it does for sluice) has every
// record. No database, no decoding: only what the broker, the producer and
// the consumer cost for that many new topics with those bytes. The broker
// pays per new partition (its logs, its first index entries), so this is
// the least a snapshot of n tables can take here.
func (b *bench) scaleFloor(ctx context.Context, name string, n, rows int) (time.Duration, error) {
	recs, err := b.readTopics(ctx, "^"+regexp.QuoteMeta(name)+`\.`, rows)
	if err != nil {
		return 0, fmt.Errorf("floor: read sluice's records: %w", err)
	}
	var topics []string
	for i := range recs {
		recs[i].Topic = name + "_floor." + strings.TrimPrefix(recs[i].Topic, name+".")
		if i == 0 || recs[i].Topic != recs[i-1].Topic {
			topics = append(topics, recs[i].Topic)
		}
	}
	if len(topics) != n {
		return 0, fmt.Errorf("floor: sluice's records are on %d topics, want %d", len(topics), n)
	}
	s, err := kafka.New(ctx, kafka.Config{Brokers: b.o.brokers, TransactionalID: "sluice-" + name + "_floor",
		OffsetsTopic: b.offsetsTopic(), CheckpointKey: name + "_floor", Partitions: -1, ReplicationFactor: -1})
	if err != nil {
		return 0, fmt.Errorf("floor: %w", err)
	}
	defer s.Close(context.WithoutCancel(ctx))
	c, err := b.regexCounter(ctx, "^"+regexp.QuoteMeta(name+"_floor")+`\.`, 0, rows)
	if err != nil {
		return 0, fmt.Errorf("floor: %w", err)
	}
	defer c.cl.Close()
	checkpoint := []byte(`{"floor":true}`)
	start := time.Now()
	if err := s.Prepare(ctx, topics); err != nil {
		return 0, fmt.Errorf("floor: create topics: %w", err)
	}
	for i := 0; i < len(recs); i += floorTxnRecords {
		if err := s.Write(ctx, recs[i:min(i+floorTxnRecords, len(recs))]); err != nil {
			return 0, fmt.Errorf("floor: write: %w", err)
		}
		if err := s.Commit(ctx, checkpoint); err != nil {
			return 0, fmt.Errorf("floor: commit: %w", err)
		}
	}
	if err := b.waitDelivered(ctx, c, func() error { return nil }, b.timeoutFor(rows)+time.Duration(n)*time.Second); err != nil {
		return 0, fmt.Errorf("floor: %w", err)
	}
	took := c.last.Sub(start)
	if _, err := c.finish(time.Second); err != nil {
		return 0, fmt.Errorf("floor: %w", err)
	}
	return took, nil
}

// readTopics reads the snapshot's records (ids below want: the streaming
// phase's changes come after them) from the topics matching pattern,
// grouped by topic (in name order), each topic's in offset order.
func (b *bench) readTopics(ctx context.Context, pattern string, want int) ([]sinks.Record, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.o.brokers...), kgo.ConsumeRegex(), kgo.ConsumeTopics(pattern),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	var recs []sinks.Record
	for len(recs) < want {
		f := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("%d of %d records read: %w", len(recs), want, err)
		}
		for _, fe := range f.Errors() {
			return nil, fmt.Errorf("%s: %w", fe.Topic, fe.Err)
		}
		f.EachRecord(func(r *kgo.Record) {
			if id, ok := jsonInt(r.Key, `"id":`); !ok || id >= int64(want) {
				return
			}
			rec := sinks.Record{Topic: r.Topic, Key: r.Key, Value: r.Value}
			for _, h := range r.Headers {
				rec.Headers = append(rec.Headers, change.Header{Key: h.Key, Value: h.Value})
			}
			recs = append(recs, rec)
		})
	}
	slices.SortStableFunc(recs, func(x, y sinks.Record) int { return strings.Compare(x.Topic, y.Topic) })
	return recs, nil
}
