package mysql

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/go-mysql-org/go-mysql/client"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
)

// Knobs are test hooks and tuning limits. The zero value means defaults.
type Knobs struct {
	// QueueEvents and QueueBytes bound the events queued ahead of Next
	// (defaults 2048 events, 8 MiB of estimated heap); the batch Next is
	// working through can hold as many again.
	QueueEvents int
	QueueBytes  int
	// ReconnectDelay is the first wait before reconnecting a dropped binlog
	// connection (default 500ms, doubling up to 30s); MaxReconnects bounds
	// consecutive failed reconnects before the stream fails with a
	// retryable error (default 3, about 3.5 s: the stream reconnects by
	// itself through a blip, and a longer outage reaches the runtime, whose
	// retries show in the connector's status).
	ReconnectDelay time.Duration
	MaxReconnects  int
	// EventCache is the number of binlog events go-mysql reads ahead
	// (default 128: a decoded rows event of 8 KiB of rows holds about
	// 22 KiB of heap).
	EventCache int
	// OnDumpConnection, when set, is called with the connection id of each
	// binlog dump connection the stream opens (tests kill it).
	OnDumpConnection func(id uint32)
	// Signals is sluice's own Kafka, where the signal channel reads unless
	// signal.kafka.bootstrap.servers says otherwise.
	Signals capture.KafkaClient
}

// Source is a MySQL or MariaDB server captured through its binlog.
type Source struct {
	cfg   Config
	log   *slog.Logger
	knobs Knobs
}

// NewSource returns a Source for cfg. log may be nil.
func NewSource(cfg Config, log *slog.Logger) *Source {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Source{cfg: cfg, log: log}
}

// WithKnobs returns a copy of s using k.
func (s *Source) WithKnobs(k Knobs) *Source {
	c := *s
	c.knobs = k
	return &c
}

// connect opens a query connection with the session settings the snapshot's
// text values depend on (UTC for TIMESTAMP, utf8mb4).
func connect(ctx context.Context, cfg *Config) (*client.Conn, error) {
	c, err := dial(ctx, cfg) // database.ssl.mode: tls.go
	if err != nil {
		return nil, classifyConnectError(cfg, fmt.Sprintf("connect to %s as %q", cfg.Addr(), cfg.User), err)
	}
	if _, err := c.Execute("SET NAMES utf8mb4, SESSION time_zone = '+00:00'"); err != nil {
		c.Close()
		return nil, &ConnError{Op: "set session time zone", Err: err}
	}
	return c, nil
}

// openPlan is what Open decided the producer must do.
type openPlan struct {
	snapshot bool // read the tables first
	eof      bool // nothing to do: Next returns io.EOF
	// stream is where streaming starts and cp the streaming checkpoint to
	// skip up to (nil on a fresh start); state the checkpoint's state.
	start restartPoint
	cp    *change.Position
	state *cpState
	// schemaOnly: write the schema-change records of a snapshot without
	// data (snapshot.mode=no_data) from record schemaSkip+1 on, then
	// stream from start.
	schemaOnly bool
	schemaSkip int64
}

// Open checks the prerequisites and returns a stream of the events after cp
// (a fresh start when cp is nil).
func (s *Source) Open(ctx context.Context, cp *change.Position) (_ *Stream, err error) {
	if cp != nil {
		// The stream may read the checkpoint while it runs; a copy keeps
		// it from the caller's later writes.
		c := *cp
		cp = &c
	}
	cfg := s.cfg
	q, err := connect(ctx, &cfg)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			q.Close()
		}
	}()
	ids, err := listTables(q, &cfg)
	if err != nil {
		return nil, err
	}

	var state *cpState
	if cp != nil && len(cp.State) > 0 {
		state = &cpState{}
		if err := json.Unmarshal(cp.State, state); err != nil {
			return nil, &DecodeError{Table: "checkpoint", Err: fmt.Errorf("state: %w", err)}
		}
	}
	pol := cfg.Capture.Policy
	for _, w := range cfg.Capture.Warnings {
		s.log.Warn(w)
	}
	snapOnly := !pol.Stream
	plan, afresh, err := decidePlan(pol, cp, state, false)
	if err != nil {
		return nil, err
	}
	if afresh == capture.AfreshAlways {
		// snapshot.mode=always: a new snapshot at every start (one in
		// progress is resumed instead). state still gives the schema
		// versions to number on from.
		s.log.Info("snapshot.mode=" + pol.Mode + ": taking a new snapshot at this start")
		cp = nil
	}
	lock := plan.snapshot && cfg.snapshotLocks()
	info, warnings, err := checkPrerequisites(q, &cfg, ids, !snapOnly, lock)
	if err != nil {
		return nil, err
	}
	for _, w := range warnings {
		s.log.Warn(w)
	}
	if cfg.MariaDB != info.MariaDB {
		s.log.Warn("connector class and server differ; the binlog is read in the server's flavour", "server", info.Version, "connector", cfg.Flavor())
	}

	if plan.cp != nil {
		if lost := checkBinlogAvailable(q, plan.start); lost != nil {
			if plan, _, err = decidePlan(pol, cp, state, true); err != nil {
				return nil, lost
			}
			s.log.Warn("the checkpoint's binlog is gone; snapshot.mode="+pol.Mode+": starting afresh", "snapshot", pol.Initial, "err", lost)
			cp, state = nil, nil
		}
	}

	st := newStream(&cfg, s.log, s.knobs, info)
	st.sigFrom = capture.SignalFrom(cp)
	if state != nil {
		for k, v := range state.Schemas {
			st.versions[k] = v
		}
		if plan.cp != nil && !plan.cp.Snapshot && !plan.snapshot && len(state.Schemas) > 0 {
			st.added = addedTables(ids, state.Schemas) // incremental.go
		}
	}
	st.markCaptured(ids)
	st.q = q
	if err := st.openHistory(ctx, plan.cp); err != nil {
		return nil, err
	}
	if plan.snapshot {
		if cp == nil {
			state = nil // a new snapshot (always): only the versions were wanted
		}
		if err := st.beginSnapshot(ctx, cp, state, ids); err != nil {
			return nil, err
		}
		plan.start = st.snap.state.Restart
	} else if !plan.eof && plan.cp == nil && !plan.schemaOnly {
		// Stream only, from the current end of the binlog, after the schema
		// records of a snapshot without data.
		at, err := currentPosition(q, &info)
		if err != nil {
			return nil, err
		}
		plan.start = at
		plan.schemaOnly = pol.Schema && cfg.writesSchemaRecords()
		s.log.Info("streaming from the current binlog position", "at", at.String())
	}
	st.start(plan)
	return st, nil
}

// checkBinlogAvailable returns a *BinlogLostError when the file of at is no
// longer on the server.
func checkBinlogAvailable(q *client.Conn, at restartPoint) error {
	files, err := binlogFiles(q)
	if err != nil || at.File == "" {
		return nil // the dump itself will tell
	}
	if !slices.Contains(files, at.File) {
		return &BinlogLostError{Where: at.String(), Reason: "the server no longer has binlog file " + at.File + " (purged)"}
	}
	return nil
}

// item is one entry of the queue between the producer and Next (its End
// is always nil: a binlog needs no acknowledgement).
type item = capture.Item

// Stream is an open capture: Next yields events.
type Stream struct {
	// sigFrom is the signal topic's offset the checkpoint says to read next.
	sigFrom int64

	cfg   *Config
	log   *slog.Logger
	knobs Knobs
	info  serverInfo
	src   *change.Field

	// used by the producer goroutine only once it runs
	snapSrc snapBlocks // snapshot rows' source blocks (sourceinfo.go)

	q      *client.Conn
	tables map[string]*tableInfo // current schema per "db.table"
	// described is the tables' schemas known when the producer starts
	// (those a snapshot read; a streaming start learns them from the
	// binlog), for DescribeTables.
	described []*change.TableSchema
	versions  map[string]schemaVer // version bookkeeping per "db.table"
	// models are the tables as Debezium's DDL parser sees them (models.go);
	// dbCharsets the databases' default character sets read so far.
	models     map[string]*ddlTable
	dbCharsets map[string]string
	// loadModel and loadCharset read a table's model and a database's
	// character set from the server (serverModels; unit tests replace
	// them).
	loadModel   func(ctx context.Context, db, table string) (*ddlTable, error)
	loadCharset func(ctx context.Context, db string) string
	warned      map[string]bool
	snap        *snapshotRun

	versionsGen int // counts the changes of versions after Open
	// added are the captured tables a streaming checkpoint did not know,
	// to snapshot incrementally (incremental.go).
	added []string

	// pipe runs the producer and hands its items to Next.
	pipe *capture.Pipe
}

func newStream(cfg *Config, log *slog.Logger, k Knobs, info serverInfo) *Stream {
	if k.QueueEvents <= 0 {
		k.QueueEvents = 2048
	}
	if k.QueueBytes <= 0 {
		k.QueueBytes = 8 << 20
	}
	if k.ReconnectDelay <= 0 {
		k.ReconnectDelay = 500 * time.Millisecond
	}
	if k.EventCache <= 0 {
		k.EventCache = 128
	}
	if k.MaxReconnects <= 0 {
		k.MaxReconnects = 3
	}
	loadModel, loadCharset := serverModels(cfg)
	return &Stream{
		loadModel:   loadModel,
		loadCharset: loadCharset,
		cfg:         cfg,
		log:         log,
		knobs:       k,
		info:        info,
		src:         SourceSchema(cfg),
		tables:      map[string]*tableInfo{},
		versions:    map[string]schemaVer{},
		models:      map[string]*ddlTable{},
		dbCharsets:  map[string]string{},
		warned:      map[string]bool{},
		pipe:        capture.NewPipe(k.QueueEvents, k.QueueBytes, &ConnError{Op: "read stream", Err: errors.New("stream closed")}, nil),
	}
}

// adopt gives a freshly built table its schema version: the known one when
// its columns are unchanged (returning the current tableInfo, so events keep
// pointing to one TableSchema), else the next one.
func (st *Stream) adopt(t *tableInfo) *tableInfo {
	name := t.name()
	if cur := st.tables[name]; cur != nil && cur.FP == t.FP {
		return cur
	}
	v := st.versions[name]
	switch {
	case v.V == 0:
		t.Schema.Version = 1
	case v.FP == t.FP:
		t.Schema.Version = v.V
	default:
		t.Schema.Version = v.V + 1
		st.log.Info("table schema changed", "table", name, "version", t.Schema.Version)
	}
	st.versions[name] = schemaVer{V: t.Schema.Version, FP: t.FP, Decl: v.Decl}
	st.versionsGen++
	st.tables[name] = t
	warnKeyless(st.log, t, st.warned)
	return t
}

// schemasSnapshot copies the version bookkeeping for a checkpoint state.
func (st *Stream) schemasSnapshot() map[string]schemaVer {
	if len(st.versions) == 0 {
		return nil
	}
	m := make(map[string]schemaVer, len(st.versions))
	for k, v := range st.versions {
		m[k] = v
	}
	return m
}

// start runs the producer goroutine.
func (st *Stream) start(plan *openPlan) {
	for _, name := range slices.Sorted(maps.Keys(st.tables)) {
		st.described = append(st.described, st.tables[name].Schema)
	}
	st.pipe.Start(func(ctx context.Context) error { return st.produce(ctx, plan) }, st.closeQuery)
}

// closeQuery closes the query connection the snapshot used. Streaming does
// not need it: a table's definition is read over a connection of its own
// when a DDL asks for it (serverModels), and heartbeat action queries and
// incremental and blocking snapshots open their own, so an idle connector
// holds only its binlog connection (docs/scale.md).
func (st *Stream) closeQuery() {
	if st.q != nil {
		st.q.Close()
		st.q = nil
	}
}

func (st *Stream) produce(ctx context.Context, plan *openPlan) error {
	if plan.eof {
		return io.EOF
	}
	var state *cpState
	if plan.snapshot {
		if err := st.cfg.Capture.Wait(ctx, st.log); err != nil {
			return err
		}
		var err error
		state, err = st.runSnapshot(ctx)
		if err != nil {
			return err
		}
		if !st.cfg.Capture.Policy.Stream {
			return io.EOF
		}
	} else {
		state = plan.state
	}
	if plan.schemaOnly && st.cfg.writesSchemaRecords() {
		var err error
		if state, err = st.schemaOnlySnapshot(ctx, plan.start, plan.schemaSkip); err != nil {
			return err
		}
	}
	st.closeQuery()
	return st.replicate(ctx, plan.start, plan.cp, state)
}

// send queues it for Next, waiting for room (by count and by bytes).
func (st *Stream) send(ctx context.Context, it item) error { return st.pipe.Send(ctx, it) }

// Next returns the next event. Cancelling ctx loses nothing.
func (st *Stream) Next(ctx context.Context) (*change.Event, error) { return st.pipe.Next(ctx) }

// Ack records that every event up to and including pos is durable. The
// binlog needs no acknowledgement (the server keeps it by its own expiry
// settings), so Ack only checks the stream is open.
func (st *Stream) Ack(pos change.Position) error { return nil }

// Close ends the stream and closes its connections.
func (st *Stream) Close() error {
	st.pipe.Close()
	return nil
}

// Pending returns how many events (or a pending error) are ready for Next
// without waiting; the runtime commits a batch when nothing more is ready.
func (st *Stream) Pending() int { return st.pipe.Pending() }

// QueueStats returns the queue's bounds and the bytes in it (Debezium's
// queue metrics).
func (st *Stream) QueueStats() capture.QueueStats { return st.pipe.QueueStats() }

// DescribeTables returns the schemas of the tables known at the stream's
// start and the source block's schema, for the connector's AsyncAPI
// document (runtime.TableDescriber).
func (st *Stream) DescribeTables() ([]*change.TableSchema, *change.Field) {
	return slices.Clone(st.described), st.src
}
