package console

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"time"
	"unicode/utf8"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// RecordReader reads the latest committed records of a topic.
type RecordReader interface {
	// Latest returns at most limit of the newest committed records of
	// topic, newest first.
	Latest(ctx context.Context, topic string, limit int) ([]Record, error)
}

// Record is a Kafka record as the topic view shows it. Key and Value are
// the bytes as text when they are valid UTF-8 (KeyEncoding "text"), else
// base64 ("base64"); a null key or value is null (encoding "null").
type Record struct {
	Partition     int32             `json:"partition"`
	Offset        int64             `json:"offset"`
	TimestampMs   int64             `json:"timestamp_ms"`
	Key           *string           `json:"key"`
	KeyEncoding   string            `json:"key_encoding"`
	Value         *string           `json:"value"`
	ValueEncoding string            `json:"value_encoding"`
	Headers       map[string]string `json:"headers,omitempty"`
}

// NewRecord returns r as the topic view shows it.
func NewRecord(r *kgo.Record) Record {
	out := Record{Partition: r.Partition, Offset: r.Offset, TimestampMs: r.Timestamp.UnixMilli()}
	out.Key, out.KeyEncoding = encode(r.Key)
	out.Value, out.ValueEncoding = encode(r.Value)
	for _, h := range r.Headers {
		if out.Headers == nil {
			out.Headers = map[string]string{}
		}
		v, _ := encode(h.Value)
		if v != nil {
			out.Headers[h.Key] = *v
		} else {
			out.Headers[h.Key] = ""
		}
	}
	return out
}

func encode(b []byte) (*string, string) {
	if b == nil {
		return nil, "null"
	}
	if utf8.Valid(b) {
		s := string(b)
		return &s, "text"
	}
	s := base64.StdEncoding.EncodeToString(b)
	return &s, "base64"
}

// KafkaReader reads records as a read_committed consumer sees them: per
// partition from the last stable offset minus twice the limit, since every
// transaction's commit marker takes an offset too (a source transaction of
// one row is a record and a marker), then returns the newest limit records
// over all partitions. When aborted transactions in that range leave fewer
// than limit records, it reads again from further back (at most 128 times
// the limit).
type KafkaReader struct {
	// Brokers and Opts (the worker's consumer security options) make the
	// client each read uses.
	Brokers []string
	Opts    []kgo.Opt
	// Admin lists the topic's offsets. Required.
	Admin *kadm.Client
	// Wait bounds one read; 0 means 5s.
	Wait time.Duration
}

// Latest implements RecordReader.
func (k *KafkaReader) Latest(ctx context.Context, topic string, limit int) ([]Record, error) {
	wait := k.Wait
	if wait <= 0 {
		wait = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	starts, err := k.Admin.ListStartOffsets(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("list start offsets: %w", err)
	}
	ends, err := k.Admin.ListCommittedOffsets(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("list committed offsets: %w", err)
	}
	if err := ends.Error(); err != nil {
		if errors.Is(err, kerr.UnknownTopicOrPartition) {
			return nil, ErrUnknownTopic
		}
		return nil, fmt.Errorf("list committed offsets: %w", err)
	}
	start, end := map[int32]int64{}, map[int32]int64{}
	for p, e := range ends[topic] {
		if s, ok := starts.Lookup(topic, p); ok && s.Err == nil {
			start[p] = s.Offset
		}
		if e.Offset > start[p] {
			end[p] = e.Offset
		}
	}
	// Twice the limit holds limit records of one-row transactions; a
	// range with aborted transactions in it is read again, further back.
	var recs []*kgo.Record
	for window := 2 * int64(limit); ; window *= 8 {
		from := map[int32]kgo.Offset{}
		whole := true
		for p, e := range end {
			f := max(start[p], e-window)
			whole = whole && f == start[p]
			from[p] = kgo.NewOffset().At(f)
		}
		if len(from) == 0 {
			break
		}
		if recs, err = k.read(ctx, topic, from, end); err != nil {
			return nil, err
		}
		if len(recs) >= limit || whole || window >= 128*int64(limit) || ctx.Err() != nil {
			break
		}
	}
	// Newest first: by timestamp, then offset.
	sort.SliceStable(recs, func(i, j int) bool {
		if !recs[i].Timestamp.Equal(recs[j].Timestamp) {
			return recs[i].Timestamp.After(recs[j].Timestamp)
		}
		if recs[i].Partition != recs[j].Partition {
			return recs[i].Partition < recs[j].Partition
		}
		return recs[i].Offset > recs[j].Offset
	})
	if len(recs) > limit {
		recs = recs[:limit]
	}
	out := make([]Record, len(recs))
	for i, r := range recs {
		out[i] = NewRecord(r)
	}
	return out, nil
}

// read returns the committed records of topic from from up to end, per
// partition.
func (k *KafkaReader) read(ctx context.Context, topic string, from map[int32]kgo.Offset, end map[int32]int64) ([]*kgo.Record, error) {
	opts := append([]kgo.Opt{
		kgo.SeedBrokers(k.Brokers...),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: from}),
		kgo.FetchMaxWait(200 * time.Millisecond),
	}, k.Opts...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("kafka client: %w", err)
	}
	defer cl.Close()
	var recs []*kgo.Record
	// A partition is read when a record at its last stable offset minus
	// one or two (the last transaction's commit marker) came; a poll that
	// brings nothing for a while ends the read too (an aborted tail).
	done := map[int32]bool{}
	for len(done) < len(end) {
		pctx, pcancel := context.WithTimeout(ctx, time.Second)
		fs := cl.PollFetches(pctx)
		pcancel()
		if ctx.Err() != nil {
			break
		}
		if errs := fs.Errors(); len(errs) > 0 {
			if errors.Is(errs[0].Err, context.DeadlineExceeded) || errors.Is(errs[0].Err, context.Canceled) {
				break
			}
			return nil, fmt.Errorf("fetch %s partition %d: %w", errs[0].Topic, errs[0].Partition, errs[0].Err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			if e, ok := end[r.Partition]; ok && r.Offset < e {
				recs = append(recs, r)
				if r.Offset+2 >= e {
					done[r.Partition] = true
				}
			}
		})
	}
	return recs, nil
}
