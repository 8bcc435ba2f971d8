package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/sinks"
)

// Config configures a Sink.
type Config struct {
	// Brokers are the seed brokers.
	Brokers []string
	// TransactionalID is the producer's transactional.id; sluice uses
	// "sluice-<connector>".
	TransactionalID string
	// OffsetsTopic is the compacted topic the checkpoint record goes to.
	OffsetsTopic string
	// CheckpointKey is the checkpoint record's key (the connector name).
	CheckpointKey string
	// Partitions and ReplicationFactor are used for topics the sink creates;
	// -1 uses the broker's defaults.
	Partitions        int32
	ReplicationFactor int16
	// TopicSpec, when set, says how each topic the sink creates is made
	// (Kafka Connect's topic.creation.*), instead of Partitions and
	// ReplicationFactor.
	TopicSpec func(topic string) TopicSpec
	// TransactionTimeout is the producer's transaction.timeout.ms.
	TransactionTimeout time.Duration
	// Options are appended to the client's options (security, tests).
	Options []kgo.Opt
	// Admin, when set, makes the sink's topics (CreateTopics goes on a
	// connection of its own) through a client the daemon shares, instead
	// of the producer's (docs/scale.md).
	Admin  *kadm.Client
	Logger *slog.Logger
}

func (c *Config) validate() error {
	var errs []error
	if len(c.Brokers) == 0 {
		errs = append(errs, errors.New("kafka sink: no bootstrap servers; set --kafka-brokers or SLUICE_KAFKA_BROKERS"))
	}
	if c.TransactionalID == "" {
		errs = append(errs, errors.New("kafka sink: empty transactional.id"))
	}
	if c.OffsetsTopic == "" || c.CheckpointKey == "" {
		errs = append(errs, errors.New("kafka sink: offsets topic and checkpoint key are required"))
	}
	return errors.Join(errs...)
}

// TopicSpec is how one topic is created.
type TopicSpec struct {
	// Partitions and ReplicationFactor are -1 for the broker's defaults.
	Partitions        int32
	ReplicationFactor int16
	Configs           map[string]*string
}

// batchMaxBytes is the producer's batch limit, which is also the largest
// record it sends (see New).
const batchMaxBytes = 256 << 10

// recordSlab is how many records Write allocates at once.
const recordSlab = 128

// Sink is a transactional Kafka sink. It is used by one goroutine at a time.
type Sink struct {
	cfg    Config
	cl     *kgo.Client
	adm    *kadm.Client
	log    *slog.Logger
	topics map[string]bool // topics known to exist
	// leaders, once Prepare has created topics, holds back records to
	// those whose leader is not ready yet (leaders.go).
	leaders *leaderWaiter

	// Records come from slabs of recordSlab (one allocation instead of one
	// per record). The client holds a transaction's records until it has
	// committed, after which their slabs are reused (see recycle).
	slab  []kgo.Record   // the slab in use; slab[off:] is free
	off   int            //
	used  [][]kgo.Record // full slabs of the open transaction
	spare [][]kgo.Record // slabs whose records are all released

	// hdrFrom and hdrTo are the last headers converted: most records of a
	// table carry the same header slice.
	hdrFrom []change.Header
	hdrTo   []kgo.RecordHeader

	inTxn      bool
	txnRecs    int       // records written in the open transaction
	opened     time.Time // when the open transaction took its first record
	mu         sync.Mutex
	produceErr error // first failed produce of the open transaction
	// promised is s.promise, made once: a method value passed to Produce
	// is allocated at each call (a million times in a 1M-row snapshot).
	promised func(*kgo.Record, error)
}

// New connects, makes sure the offsets topic exists and initialises the
// transactional producer. Initialising bumps the producer epoch, which fences
// any older instance of the connector and completes (aborts, unless it was
// already committing) its open transaction, so a checkpoint read after New
// returns is final.
func New(ctx context.Context, cfg Config) (*Sink, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.TransactionTimeout == 0 {
		cfg.TransactionTimeout = time.Minute
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(cfg.Brokers...),
		kgo.TransactionalID(cfg.TransactionalID),
		kgo.TransactionTimeout(cfg.TransactionTimeout),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		// A produce request is built in one buffer the size of its
		// uncompressed batch; with 1 MiB batches those buffers (and the
		// compressor's) put a drain's peak RSS at 61 MiB instead of 51,
		// for the same throughput.
		kgo.ProducerBatchMaxBytes(batchMaxBytes),
		kgo.MaxBufferedBytes(256 << 20),
		// Flush at commit sends what lingers at once; until then a batch
		// not yet full waits, so that a transaction over many partitions
		// (a snapshot of many small tables) adds them to the transaction
		// in a few AddPartitionsToTxn round trips instead of one each
		// (1,000 for 1,000 tables with a 10 ms linger, 25 with this).
		kgo.ProducerLinger(time.Second),
		// Kafka may answer CONCURRENT_TRANSACTIONS when a transaction
		// begins right after the last one ended; retry soon.
		kgo.ConcurrentTransactionsBackoff(time.Millisecond),
		kgo.RetryBackoffFn(retryBackoff),
		// A topic the sink has just created may not have its leader
		// yet: its produce fails with NOT_LEADER_FOR_PARTITION, and
		// franz-go's metadata refresh after 8 quick retries waits the
		// minimum age (5 s by default) between tries. Java's producer
		// retries after retry.backoff.ms (100 ms); this keeps a snapshot
		// of many new tables from stalling for seconds.
		kgo.MetadataMinAge(250 * time.Millisecond),
		kgo.MaxVersions(ClassicTransactions()),
		// Records that name a partition go to it; the others are
		// partitioned by key as Kafka Connect's producer does (see
		// partitioner.go).
		kgo.RecordPartitioner(partitioner{}),
		// No kgo.RecordDeliveryTimeout: franz-go measures it from each
		// batch's first record timestamp, and a record may carry its own,
		// older timestamp (a transform's, e.g. the outbox event's time),
		// which would fail at once. Commit bounds the wait instead (see
		// deliveryTimeout).
	}
	opts = append(opts, cfg.Options...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("kafka sink: new client: %w", err)
	}
	adm := cfg.Admin
	if adm == nil {
		adm = kadm.NewClient(cl)
	}
	s := &Sink{cfg: cfg, cl: cl, adm: adm, log: log, topics: map[string]bool{}}
	s.promised = s.promise
	if err := EnsureOffsetsTopic(ctx, s.adm, cfg.OffsetsTopic, cfg.ReplicationFactor); err != nil {
		cl.Close()
		return nil, classify(fmt.Errorf("kafka sink: %w", err))
	}
	s.topics[cfg.OffsetsTopic] = true
	if _, _, err := cl.ProducerID(ctx); err != nil {
		cl.Close()
		if isFenced(err) {
			return nil, ErrFenced
		}
		return nil, classify(fmt.Errorf("kafka sink: initialise transactional producer %q: %w", cfg.TransactionalID, err))
	}
	return s, nil
}

// retryBackoff is how long the client waits before its tries-th retry of a
// request: a few quick tries first, then franz-go's own backoff (250 ms
// doubling to 5 s, jittered). A transaction that adds a partition right
// after a commit over many partitions gets CONCURRENT_TRANSACTIONS until the
// commit's markers are written (a few milliseconds); franz-go retries that
// partition after this backoff, and its 250 ms first wait cost a snapshot of
// 1,000 small tables a quarter of a second per commit.
func retryBackoff(tries int) time.Duration {
	const quick = 6 // 2, 4, … 64 ms
	if tries <= quick {
		return time.Millisecond << max(tries, 1)
	}
	d := min(250*time.Millisecond<<min(tries-quick-1, 5), 5*time.Second)
	return d - d/5 + time.Duration(rand.Int64N(int64(d/5)*2+1)) // ±20 %
}

// ClassicTransactions caps the three requests whose newer versions switch
// the producer to KIP-890 part 2 transactions (Kafka 4's transaction.version
// 2). Under those, the first produce of a transaction that starts right after
// a commit waits on the broker's add.partitions.to.txn.retry.backoff.ms (20 ms
// by default) while the previous commit's markers are written, so every
// commit costs at least 20 ms; measured here, a 10-record transaction took
// 25 ms under part 2 and 6 ms with the classic AddPartitionsToTxn, which the
// client retries after ConcurrentTransactionsBackoff. Fencing is unchanged:
// InitProducerID still bumps the epoch, and the broker still verifies that a
// partition was added before it accepts a transactional produce (KIP-890
// part 1).
func ClassicTransactions() *kversion.Versions {
	v := kversion.Stable()
	v.SetMaxKeyVersion(int16(kmsg.Produce), 11)
	v.SetMaxKeyVersion(int16(kmsg.EndTxn), 4)
	v.SetMaxKeyVersion(int16(kmsg.TxnOffsetCommit), 4)
	return v
}

// EnsureOffsetsTopic creates the compacted offsets topic when it is absent
// (one partition; rf -1 takes the broker's default replication factor).
func EnsureOffsetsTopic(ctx context.Context, adm *kadm.Client, topic string, rf int16) error {
	cfgs := map[string]*string{"cleanup.policy": kadm.StringPtr("compact")}
	if _, err := adm.CreateTopic(ctx, 1, rf, cfgs, topic); err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return fmt.Errorf("create offsets topic %q: %w", topic, err)
	}
	return nil
}

// CheckOffsetsTopic reports a problem with an existing offsets topic that
// would lose checkpoints: a cleanup.policy without compaction (delete lets
// retention remove a connector's only checkpoint). It returns nil when the
// topic is compacted.
func CheckOffsetsTopic(ctx context.Context, adm *kadm.Client, topic string) error {
	rcs, err := adm.DescribeTopicConfigs(ctx, topic)
	if err != nil {
		return fmt.Errorf("describe offsets topic %q: %w", topic, err)
	}
	rc, err := rcs.On(topic, nil)
	if err != nil {
		return fmt.Errorf("describe offsets topic %q: %w", topic, err)
	}
	if rc.Err != nil {
		return fmt.Errorf("describe offsets topic %q: %w", topic, rc.Err)
	}
	for _, c := range rc.Configs {
		if c.Key == "cleanup.policy" && !strings.Contains(c.MaybeValue(), "compact") {
			return fmt.Errorf("offsets topic %q has cleanup.policy=%s: set it to compact "+
				"(kafka-configs --alter --entity-type topics --entity-name %s --add-config cleanup.policy=compact), "+
				"or retention may delete a connector's only checkpoint", topic, c.MaybeValue(), topic)
		}
	}
	return nil
}

// ensureTopics creates the topics of recs that the sink has not seen yet.
func (s *Sink) ensureTopics(ctx context.Context, recs []sinks.Record) error {
	var missing []string
	for i := range recs {
		t := recs[i].Topic
		if !s.topics[t] && !slices.Contains(missing, t) {
			missing = append(missing, t)
		}
	}
	return s.create(ctx, missing)
}

// Prepare creates those of topics the sink has not seen yet (sinks.Preparer):
// a snapshot of a thousand small tables names its thousand topics at its
// start, which are then made in one CreateTopics request per topic spec
// instead of one round trip each as its tables' first rows arrive (some
// 40 ms each, measured on the test broker).
func (s *Sink) Prepare(ctx context.Context, topics []string) error {
	var missing []string
	for _, t := range topics {
		if !s.topics[t] {
			missing = append(missing, t)
		}
	}
	slices.Sort(missing)
	missing = slices.Compact(missing)
	if err := s.create(ctx, missing); err != nil {
		return err
	}
	s.awaitLeaders(missing)
	return nil
}

// create creates topics (none seen yet), in one request per spec.
func (s *Sink) create(ctx context.Context, topics []string) error {
	if len(topics) == 0 {
		return nil
	}
	for _, t := range topics {
		s.topics[t] = true // marked now; undone below on failure
	}
	var err error
	if s.cfg.TopicSpec == nil {
		err = s.createTopics(ctx, TopicSpec{Partitions: s.cfg.Partitions, ReplicationFactor: s.cfg.ReplicationFactor}, topics)
	} else {
		for _, g := range groupBySpec(topics, s.cfg.TopicSpec) {
			if err = s.createTopics(ctx, g.spec, g.topics); err != nil {
				break
			}
		}
	}
	if err != nil {
		for _, t := range topics {
			delete(s.topics, t)
		}
		return classify(fmt.Errorf("kafka sink: %w", err))
	}
	return nil
}

// specGroup is topics created alike.
type specGroup struct {
	spec   TopicSpec
	topics []string
}

// groupBySpec groups topics by their spec (spec(topic)), in the order each
// spec is first met.
func groupBySpec(topics []string, spec func(string) TopicSpec) []specGroup {
	var groups []specGroup
	for _, t := range topics {
		sp := spec(t)
		i := slices.IndexFunc(groups, func(g specGroup) bool { return sameSpec(g.spec, sp) })
		if i < 0 {
			groups = append(groups, specGroup{spec: sp})
			i = len(groups) - 1
		}
		groups[i].topics = append(groups[i].topics, t)
	}
	return groups
}

// sameSpec reports whether a and b create topics alike.
func sameSpec(a, b TopicSpec) bool {
	if a.Partitions != b.Partitions || a.ReplicationFactor != b.ReplicationFactor || len(a.Configs) != len(b.Configs) {
		return false
	}
	for k, v := range a.Configs {
		w, ok := b.Configs[k]
		if !ok || (v == nil) != (w == nil) || v != nil && *v != *w {
			return false
		}
	}
	return true
}

// createTopics creates topics as spec says; a topic that exists is left as
// it is.
func (s *Sink) createTopics(ctx context.Context, spec TopicSpec, topics []string) error {
	per := topicsPerRequest(spec.Partitions)
	for len(topics) > 0 {
		n := min(per, len(topics))
		resp, err := s.adm.CreateTopics(ctx, spec.Partitions, spec.ReplicationFactor, spec.Configs, topics[:n]...)
		if err != nil {
			return err
		}
		for _, r := range resp {
			if r.Err != nil && !errors.Is(r.Err, kerr.TopicAlreadyExists) {
				return fmt.Errorf("create topic %q: %w", r.Topic, r.Err)
			}
			if r.Err == nil {
				s.log.Info("created topic", "topic", r.Topic, "partitions", spec.Partitions, "replication_factor", spec.ReplicationFactor, "configs", len(spec.Configs))
			}
		}
		topics = topics[n:]
	}
	return nil
}

// topicsPerRequest is how many topics of partitions partitions each (-1: the
// broker's default, taken as 1) one CreateTopics request makes. A KRaft
// controller refuses a request that would write more than 10,000 metadata
// records (POLICY_VIOLATION, "excessively large batch"): a topic writes one,
// plus one per partition. Half of that leaves room for a larger default.
func topicsPerRequest(partitions int32) int {
	return max(1, 5000/(1+max(1, int(partitions))))
}

// Write produces recs inside the open transaction, beginning one if none is
// open. The records are sent while the caller reads more; Commit waits for
// them.
func (s *Sink) Write(ctx context.Context, recs []sinks.Record) error {
	if err := s.ensureTopics(ctx, recs); err != nil {
		return err
	}
	if !s.inTxn {
		if err := s.cl.BeginTransaction(); err != nil {
			return s.fail(ctx, fmt.Errorf("kafka sink: begin transaction: %w", err))
		}
		s.inTxn, s.opened = true, time.Now()
	}
	last := ""
	// Records without a timestamp of their own get the time the encoder
	// made them, else the time of this Write, read once: franz-go would
	// read the clock for each (4 % of a snapshot's CPU), and Kafka's
	// timestamps are milliseconds.
	var now time.Time
	for i := range recs {
		r := &recs[i]
		ts := r.Timestamp
		if ts.IsZero() {
			ts = r.Made
		}
		if ts.IsZero() {
			if now.IsZero() {
				now = time.Now()
			}
			ts = now
		}
		if s.leaders != nil && r.Topic != last {
			last = r.Topic
			if err := s.leaders.wait(ctx, r.Topic); err != nil {
				return err
			}
		}
		kr := s.record()
		*kr = kgo.Record{Topic: r.Topic, Key: r.Key, Value: r.Value, Headers: s.headers(r.Headers),
			Partition: -1, Timestamp: ts}
		if r.Partitioned {
			kr.Partition = r.Partition
		}
		s.cl.Produce(ctx, kr, s.promised)
	}
	s.txnRecs += len(recs)
	return nil
}

// record returns a record to produce in the open transaction.
func (s *Sink) record() *kgo.Record {
	if s.off == len(s.slab) {
		if s.slab != nil {
			s.used = append(s.used, s.slab)
		}
		if k := len(s.spare); k > 0 {
			s.slab, s.spare = s.spare[k-1], s.spare[:k-1]
		} else {
			s.slab = make([]kgo.Record, recordSlab)
		}
		s.off = 0
	}
	s.off++
	return &s.slab[s.off-1]
}

// recycle reuses the slabs of a committed transaction, whose records the
// client has all released. Their records are cleared, so that the encoded
// keys and values they point to are not kept alive, and as many spare
// slabs are kept as the transaction filled (at most maxSpareSlabs): an
// idle connector holds neither its last transaction's records nor a
// snapshot's slabs (docs/scale.md).
func (s *Sink) recycle() {
	filled := len(s.used)
	for _, sl := range s.used {
		clear(sl)
		s.spare = append(s.spare, sl)
	}
	if keep := min(filled, maxSpareSlabs); len(s.spare) > keep {
		clear(s.spare[keep:])
		s.spare = s.spare[:keep]
	}
	clear(s.used)
	s.used = s.used[:0]
	clear(s.slab[:s.off])
	s.off = 0
}

// forget drops the slabs of a failed transaction: the client may not have
// released their records.
func (s *Sink) forget() {
	clear(s.used)
	s.used = s.used[:0]
	s.slab, s.off = nil, 0
}

// maxSpareSlabs bounds the records kept for reuse (10000, a default batch).
const maxSpareSlabs = 80

// headers converts hs to the client's headers, reusing the last conversion
// when hs is the same slice.
func (s *Sink) headers(hs []change.Header) []kgo.RecordHeader {
	if len(hs) == 0 {
		return nil
	}
	if len(hs) == len(s.hdrFrom) && &hs[0] == &s.hdrFrom[0] {
		return s.hdrTo
	}
	to := make([]kgo.RecordHeader, len(hs))
	for j, h := range hs {
		to[j] = kgo.RecordHeader{Key: h.Key, Value: h.Value}
	}
	s.hdrFrom, s.hdrTo = hs, to
	return to
}

// promise records the first failed produce of the open transaction.
func (s *Sink) promise(_ *kgo.Record, err error) {
	if err != nil {
		s.mu.Lock()
		if s.produceErr == nil {
			s.produceErr = err
		}
		s.mu.Unlock()
	}
}

// Commit produces the checkpoint record and commits the open transaction.
func (s *Sink) Commit(ctx context.Context, checkpoint []byte) error {
	if !s.inTxn {
		if err := s.cl.BeginTransaction(); err != nil {
			return s.fail(ctx, fmt.Errorf("kafka sink: begin transaction: %w", err))
		}
		s.inTxn, s.opened = true, time.Now()
	}
	if n := len(checkpoint) + len(s.cfg.CheckpointKey); n > batchMaxBytes-1024 {
		// The client would refuse it (MESSAGE_TOO_LARGE) at every retry.
		return s.fail(ctx, terminal{fmt.Errorf("kafka sink: the connector's checkpoint is %d bytes, more than the %d a record may have: "+
			"the source's state in it grows with the number of tables captured (their schema versions); split the tables over several connectors", n, batchMaxBytes-1024)})
	}
	s.cl.Produce(ctx, &kgo.Record{Topic: s.cfg.OffsetsTopic, Key: []byte(s.cfg.CheckpointKey), Value: checkpoint}, s.promise)
	// Records not delivered within half the transaction timeout of the
	// transaction's first one fail the commit, so a broker that went away
	// makes Commit fail (the runtime retries and the connector's status
	// says why) before the broker would abort the transaction itself;
	// the client's default is to wait without end.
	limit := s.cfg.TransactionTimeout / 2
	fctx, cancel := context.WithDeadline(ctx, s.opened.Add(limit))
	defer cancel()
	flushAt := time.Now()
	if err := s.cl.Flush(fctx); err != nil {
		if ctx.Err() == nil {
			err = fmt.Errorf("records not delivered within %s (half the transaction timeout): %w", limit, err)
		}
		return s.fail(ctx, fmt.Errorf("kafka sink: flush: %w", err))
	}
	s.mu.Lock()
	perr := s.produceErr
	s.mu.Unlock()
	if perr != nil {
		return s.fail(ctx, fmt.Errorf("kafka sink: produce: %w", perr))
	}
	// The commit must not be cut short by the caller's cancellation: its
	// outcome would be unknown.
	dctx, dcancel := sinks.Detach(ctx)
	defer dcancel()
	ectx, cancel := context.WithTimeout(dctx, 30*time.Second)
	defer cancel()
	s.inTxn = false
	endAt := time.Now()
	if err := s.cl.EndTransaction(ectx, kgo.TryCommit); err != nil {
		return s.fail(ctx, fmt.Errorf("kafka sink: commit transaction: %w", err))
	}
	if s.log.Enabled(ctx, slog.LevelDebug) {
		s.log.Debug("transaction committed", "records", s.txnRecs, "open", flushAt.Sub(s.opened).Round(time.Millisecond),
			"flush", endAt.Sub(flushAt).Round(time.Millisecond), "end", time.Since(endAt).Round(time.Millisecond))
	}
	s.txnRecs = 0
	s.recycle()
	return nil
}

// fail aborts the open transaction and returns err, or ErrFenced when the
// producer was fenced.
func (s *Sink) fail(ctx context.Context, err error) error {
	s.inTxn, s.txnRecs = false, 0
	s.forget()
	s.mu.Lock()
	s.produceErr = nil
	s.mu.Unlock()
	dctx, dcancel := sinks.Detach(ctx)
	defer dcancel()
	actx, cancel := context.WithTimeout(dctx, 10*time.Second)
	defer cancel()
	if aerr := s.cl.AbortBufferedRecords(actx); aerr != nil {
		s.log.Warn("abort buffered records", "err", aerr)
	}
	if aerr := s.cl.EndTransaction(actx, kgo.TryAbort); aerr != nil && !isFenced(aerr) {
		s.log.Warn("abort transaction", "err", aerr)
	}
	if isFenced(err) {
		return fmt.Errorf("%w: %w", ErrFenced, err)
	}
	return classify(err)
}

func isFenced(err error) bool {
	return errors.Is(err, kerr.ProducerFenced) || errors.Is(err, kerr.InvalidProducerEpoch)
}

// ClusterID returns the Kafka cluster id.
func (s *Sink) ClusterID(ctx context.Context) (string, error) {
	m, err := s.adm.BrokerMetadata(ctx)
	if err != nil {
		return "", err
	}
	return m.Cluster, nil
}

// Close aborts any open transaction and closes the client.
func (s *Sink) Close(ctx context.Context) error {
	s.leaders.stop()
	dctx, dcancel := sinks.Detach(ctx)
	defer dcancel()
	actx, cancel := context.WithTimeout(dctx, 10*time.Second)
	defer cancel()
	_ = s.cl.AbortBufferedRecords(actx)
	err := s.cl.EndTransaction(actx, kgo.TryAbort)
	s.cl.Close()
	if isFenced(err) {
		return nil
	}
	return err
}
