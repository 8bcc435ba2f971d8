package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
)

// Knobs are test hooks and tuning limits. The zero value means defaults.
type Knobs struct {
	// QueueEvents and QueueBytes bound the events queued ahead of Next
	// (defaults 2048 events, 16 MiB); the batch Next is working through
	// can hold as many again.
	QueueEvents int
	QueueBytes  int
	// Signals is sluice's own Kafka, where the signal channel reads unless
	// signal.kafka.bootstrap.servers says otherwise.
	Signals capture.KafkaClient
	// IncChunk is the incremental snapshot's chunk size (0: the default,
	// capture.DefaultChunkSize).
	IncChunk int
	// QueryIdle is how long the query connection stays open unused while
	// streaming (0: queryIdle).
	QueryIdle time.Duration
}

// Source is a Postgres database captured through a pgoutput replication slot.
type Source struct {
	cfg   Config
	log   *slog.Logger
	knobs Knobs
}

// NewSource returns a Source for cfg. log may be nil; the caller gives it
// the connector's attributes.
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

// sessionParams are set on both connections so that the text form of every
// value is the same in the snapshot and in the stream, and is the form the
// decoders parse (SessionParams).
var sessionParams = func() map[string]string {
	p := map[string]string{
		"IntervalStyle":   "postgres",
		"TimeZone":        "UTC",
		"bytea_output":    "hex",
		"client_encoding": "UTF8",
	}
	for k, v := range SessionParams() {
		p[k] = v
	}
	return p
}()

// connectTimeout bounds the opening of a connection (a host that drops the
// packets would otherwise hold the connector for the kernel's TCP timeout,
// about two minutes) so that the failure and its retry show in the status.
const connectTimeout = 30 * time.Second

func connectQuery(ctx context.Context, cfg *Config) (*pgx.Conn, error) {
	pc, err := pgx.ParseConfig(cfg.DSN())
	if err != nil {
		return nil, parseDSNError(cfg, err)
	}
	if err := cfg.applyClientCert(&pc.Config); err != nil {
		return nil, err
	}
	for k, v := range sessionParams {
		pc.RuntimeParams[k] = v
	}
	if pc.ConnectTimeout == 0 {
		pc.ConnectTimeout = connectTimeout
	}
	c, err := pgx.ConnectConfig(ctx, pc)
	if err != nil {
		return nil, classifyConnectError(cfg, fmt.Sprintf("connect to %s:%d database %q as %q", cfg.Host, cfg.Port, cfg.DBName, cfg.User), err)
	}
	return c, nil
}

// replReadWait is how long a read of the replication connection waits after
// one that found little data, and replReadSmall what counts as little.
const (
	replReadWait  = 500 * time.Microsecond
	replReadSmall = 32 << 10
)

// patientReader lets data gather in the socket between small reads. A
// walsender streaming live changes sends each message as it is decoded, and
// a reader that reads as soon as anything arrives makes one system call per
// message (a quarter of sluice's CPU at 10k rows/s, measured); waiting
// replReadWait after a small read bounds that to 1/replReadWait reads a
// second, at a cost of at most replReadWait of latency. A read that filled
// much of the buffer (a backlog) is followed at once by the next.
type patientReader struct {
	r     io.Reader
	wait  time.Duration
	small bool
}

func (p *patientReader) Read(b []byte) (int, error) {
	if p.small {
		time.Sleep(p.wait)
	}
	n, err := p.r.Read(b)
	p.small = n < replReadSmall && n < len(b)
	return n, err
}

func connectReplication(ctx context.Context, cfg *Config) (*pgconn.PgConn, error) {
	pc, err := pgconn.ParseConfig(cfg.DSN())
	if err != nil {
		return nil, parseDSNError(cfg, err)
	}
	if err := cfg.applyClientCert(pc); err != nil {
		return nil, err
	}
	for k, v := range sessionParams {
		pc.RuntimeParams[k] = v
	}
	pc.RuntimeParams["replication"] = "database"
	// Read the replication stream in large chunks rather than pgproto3's
	// 8 KiB while there is a backlog (readbuf.go).
	pc.BuildFrontend = func(r io.Reader, w io.Writer) *pgproto3.Frontend {
		return pgproto3.NewFrontend(newElasticReader(&patientReader{r: r, wait: replReadWait}), w)
	}
	if pc.ConnectTimeout == 0 {
		pc.ConnectTimeout = connectTimeout
	}
	c, err := pgconn.ConnectConfig(ctx, pc)
	if err != nil {
		return nil, classifyConnectError(cfg, fmt.Sprintf("open replication connection to %s:%d database %q as %q", cfg.Host, cfg.Port, cfg.DBName, cfg.User), err)
	}
	return c, nil
}

// Open checks the prerequisites, prepares the publication and the slot, and
// returns a stream of the events after cp (a fresh start when cp is nil).
func (s *Source) Open(ctx context.Context, cp *change.Position) (_ *Stream, err error) {
	if cp != nil {
		// The stream reads the checkpoint while it runs; a copy keeps it
		// from the caller's later writes.
		c := *cp
		cp = &c
	}
	cfg := s.cfg
	q, err := connectQuery(ctx, &cfg)
	if err != nil {
		return nil, err
	}
	var repl *pgconn.PgConn
	defer func() {
		if err != nil {
			if repl != nil {
				repl.Close(context.Background())
			}
			q.Close(context.Background())
		}
	}()

	tables, err := discoverTables(ctx, q, &cfg, nil)
	if err != nil {
		return nil, err
	}
	slot, err := readSlot(ctx, q, cfg.SlotName)
	if err != nil {
		return nil, err
	}
	for _, w := range cfg.Capture.Warnings {
		s.log.Warn(w)
	}
	if cfg.SlotDropOnStop {
		s.log.Warn("slot.drop.on.stop=true: the replication slot is dropped whenever the connector stops, and the changes made until it starts again are lost; not for production", "slot", cfg.SlotName)
	}
	snapOnly := !cfg.Capture.Policy.Stream
	if err := checkPrerequisites(ctx, q, &cfg, tables, slot, !snapOnly); err != nil {
		return nil, err
	}
	if snapOnly {
		slot = slotInfo{}
	}

	st := newStream(&cfg, s.log, s.knobs)
	st.sigFrom = capture.SignalFrom(cp)
	if err := st.openIncremental(cp); err != nil {
		return nil, err
	}
	if err := st.openBlocking(cp); err != nil { // blocking.go
		return nil, err
	}
	st.cat = NewTypeCatalog()
	if cp != nil && len(cp.State) > 0 {
		// The schema versions the last run reached, so that this run
		// numbers on from them.
		var ss snapState
		if err := json.Unmarshal(cp.State, &ss); err != nil {
			return nil, &DecodeError{Table: "checkpoint", Err: fmt.Errorf("state: %w", err)}
		}
		for k, v := range ss.Schemas {
			st.versions[k] = v
		}
		if !cp.Snapshot && len(ss.Schemas) > 0 {
			st.queueAdded(tables, ss.Schemas) // incremental.go
		}
		if !cp.Snapshot {
			st.resume = ss.Resume
			st.moved = ss.Moved
			if ss.Moved {
				if err := movedSlot(&cfg, slot, cp); err != nil {
					return nil, err
				}
				s.log.Info("resuming at a position set from an offset", "slot", cfg.SlotName,
					"slot_confirmed_lsn", slot.ConfirmedFlush, "after_lsn", cp.Tx)
			}
		}
	}
	for _, t := range tables {
		if err := buildSchema(ctx, st.cat, q, t, 1, cfg.Types, s.log, st.warned); err != nil {
			return nil, err
		}
		st.adopt(t, nil, cp != nil)
		st.tables[t.name()] = t
	}
	st.captured = make([]string, len(tables))
	for i, t := range tables {
		st.captured[i] = t.name()
	}

	if !snapOnly {
		if err := ensurePublication(ctx, q, &cfg, tables, s.log); err != nil {
			return nil, err
		}
	}

	// The snapshot mode, the checkpoint and the slot decide what this
	// start does (snapmodes.go).
	plan, afresh, err := decidePlan(&cfg, cp, slot)
	if err != nil {
		return nil, err
	}
	if slot, err = s.startAfresh(ctx, q, &cfg, afresh, slot); err != nil {
		return nil, err
	}

	if !snapOnly {
		repl, err = connectReplication(ctx, &cfg)
		if err != nil {
			return nil, err
		}
		st.repl = repl
		if !slot.Exists {
			action := "NOEXPORT_SNAPSHOT"
			if plan.snapshot {
				action = "EXPORT_SNAPSHOT"
			}
			res, err := pglogrepl.CreateReplicationSlot(ctx, repl, cfg.SlotName, "pgoutput",
				pglogrepl.CreateReplicationSlotOptions{Mode: pglogrepl.LogicalReplication, SnapshotAction: action})
			if err != nil {
				return nil, classifyReplError(&cfg, "create replication slot", err)
			}
			lsn, err := pglogrepl.ParseLSN(res.ConsistentPoint)
			if err != nil {
				return nil, &DecodeError{Table: "CREATE_REPLICATION_SLOT", Err: err}
			}
			plan.exported = res.SnapshotName
			plan.startLSN = uint64(lsn)
			s.log.Info("replication slot created", "slot", cfg.SlotName, "lsn", res.ConsistentPoint)
		} else {
			plan.startLSN = slot.ConfirmedFlush
		}
		st.acks.SetConfirmed(plan.startLSN)
	}

	st.q = q
	if plan.snapshot {
		if err := st.beginSnapshot(ctx, plan); err != nil {
			return nil, err
		}
	}
	st.start(plan)
	return st, nil
}

// usableSlot checks that an existing slot can still give changes. needed is
// true when the checkpoint depends on it.
func usableSlot(cfg *Config, slot slotInfo, needed bool) error {
	if !slot.Exists {
		if needed {
			return &SlotLostError{Slot: cfg.SlotName, Reason: "it does not exist any more"}
		}
		return nil
	}
	if slot.WALStatus == "lost" {
		return &SlotLostError{Slot: cfg.SlotName, Reason: "Postgres invalidated it (wal_status=lost, max_slot_wal_keep_size exceeded)"}
	}
	return nil
}

// openPlan is what Open decided the producer must do.
type openPlan struct {
	cp       *change.Position
	snapshot bool   // read the tables first
	eof      bool   // nothing to do: Next returns io.EOF
	exported string // snapshot exported by the new slot, "" if none
	startLSN uint64 // slot's consistent point or confirmed_flush_lsn
	state    *snapState
}

// item is one entry of the queue between the producer and Next; its End
// (a transaction end or a keepalive: a commit LSN and the LSN to confirm)
// is bookkeeping for Ack.
type item = capture.Item

// txEnd records where a source transaction (or, with Events false, an
// empty stretch of WAL reported by a keepalive) ends: Commit is its commit
// LSN (the events' Pos.Tx), End the LSN to confirm once it is acknowledged.
type txEnd = capture.TxEnd

// Stream is an open capture: Next yields events, Ack releases WAL.
type Stream struct {
	cfg   *Config
	log   *slog.Logger
	knobs Knobs

	// connections and catalog: used by the producer goroutine only once it
	// runs. q serves the snapshot and is closed when streaming begins;
	// query serves streaming (queryconn.go).
	q      *pgx.Conn
	query  queryConn
	repl   *pgconn.PgConn
	cat    *TypeCatalog
	tables map[string]*tableInfo // by "schema.table"
	// captured is the tables the stream captures at its start, for
	// CapturedTables; set before its goroutine starts, then read only.
	captured []string
	warned   map[string]bool

	snapSrc snapSource // snapshot rows' source blocks (sourceinfo.go)

	// versions is each table's schema version and column fingerprint, as
	// the positions' State carries them; versionsGen counts its changes.
	versions    map[string]schemaVer
	versionsGen int
	snap        *snapshotRun // set by beginSnapshot
	// resume is where a checkpoint taken from a Debezium offset left a
	// transaction (nil for sluice's own checkpoints).
	resume *resumeAt
	// moved is true when the checkpoint was set from an offset: until the
	// stream yields an event, the slot is not moved past the checkpoint
	// (so that movedSlot's check holds on a restart).
	moved bool

	// pipe runs the producer and hands its items to Next; acks keeps the
	// transaction ends Next passed and the flush position the status loop
	// reports.
	pipe   *capture.Pipe
	acks   *capture.Acker
	stopSt chan struct{} // closed by Close: the status loop sends a last update and ends
	// keepalives counts the server's keepalive messages read; the last
	// status update waits for one sent after it (lastUpdate).
	keepalives atomic.Uint64
	stWG       sync.WaitGroup
	mu         sync.Mutex
	closed     bool // under mu

	// hb's due flag is set by the heartbeat loop and cleared by the decoder
	// when it emits the heartbeat; hbPing asks the status loop for a status
	// update that requests the server's reply (heartbeat.go).
	hb     *capture.HeartbeatClock
	hbPing chan struct{}
	// sigFrom is the signal topic's offset the checkpoint says to read next.
	sigFrom int64
	// inc runs the incremental snapshots (incremental.go); incOpen is true
	// while a chunk waits for the stream, so that the status loop asks for
	// keepalives.
	inc     *capture.Incremental
	blk     *capture.Blocking // blocking snapshots (blocking.go)
	incOpen atomic.Bool
	// walEnd is the server's WAL end as it last reported it (keepalives
	// and data messages carry it): SourceLagBytes.
	walEnd atomic.Uint64
	// incWake tells the status loop that a window opened (setIncOpen): it
	// ticks every incReplyInterval only while one is open, not on every
	// idle connector all the time.
	incWake chan struct{}
	// openView opens the engine's views (nil: incView); tests replace it.
	openView func(ctx context.Context) (capture.View, error)
}

func newStream(cfg *Config, log *slog.Logger, k Knobs) *Stream {
	if k.QueueEvents <= 0 {
		k.QueueEvents = 2048
	}
	if k.QueueBytes <= 0 {
		k.QueueBytes = 16 << 20
	}
	acks := &capture.Acker{}
	return &Stream{
		query:    queryConn{cfg: cfg, after: k.QueryIdle},
		cfg:      cfg,
		log:      log,
		knobs:    k,
		tables:   map[string]*tableInfo{},
		warned:   map[string]bool{},
		versions: map[string]schemaVer{},
		pipe:     capture.NewPipe(k.QueueEvents, k.QueueBytes, &ConnError{Op: "read stream", Err: errors.New("stream closed")}, acks),
		acks:     acks,
		stopSt:   make(chan struct{}),
		hb:       capture.NewHeartbeatClock(cfg.Heartbeat.Interval),
		hbPing:   make(chan struct{}, 1),
		incWake:  make(chan struct{}, 1),
		inc:      capture.NewIncremental(capture.IncState{}, 0, log),
		blk:      capture.NewBlocking(capture.BlockState{}, 0, 4, log),
	}
}

// start runs the producer goroutine.
func (st *Stream) start(plan *openPlan) {
	st.pipe.Start(func(ctx context.Context) error { return st.produce(ctx, plan) }, st.release)
}

// release closes the producer's connections as it ends.
func (st *Stream) release() {
	if st.repl != nil {
		st.repl.Close(context.Background())
	}
	st.closeSnapshotConn()
	st.query.close()
}

// closeSnapshotConn closes the connections the snapshot used.
func (st *Stream) closeSnapshotConn() {
	if st.q != nil {
		st.q.Close(context.Background())
	}
	if st.snap != nil && st.snap.q != nil && st.snap.q != st.q {
		st.snap.q.Close(context.Background())
	}
	st.q = nil
	if st.snap != nil {
		st.snap.q = nil
	}
}

func (st *Stream) produce(ctx context.Context, plan *openPlan) error {
	if plan.eof {
		return io.EOF
	}
	state := plan.state
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
	}
	var cp *change.Position
	if plan.cp != nil && !plan.cp.Snapshot {
		cp = plan.cp
	}
	st.closeSnapshotConn() // streaming opens one when it needs it (queryconn.go)
	return st.replicate(ctx, cp, state)
}

// send queues it for Next, waiting for room (by count and by bytes).
func (st *Stream) send(ctx context.Context, it item) error { return st.pipe.Send(ctx, it) }

// Next returns the next event. Cancelling ctx loses nothing.
func (st *Stream) Next(ctx context.Context) (*change.Event, error) { return st.pipe.Next(ctx) }

// Ack records that every event up to and including pos is durable. The
// slot is then confirmed up to the end of the last transaction whose every
// event is acknowledged. Snapshot positions do not move the slot.
func (st *Stream) Ack(pos change.Position) error { return st.pipe.Ack(pos) }

// AckedLSN returns the LSN the stream confirms to the slot (for tests and
// metrics).
func (st *Stream) AckedLSN() uint64 { return st.acks.Confirmed() }

// Close ends the stream: it sends a last status update with the
// acknowledged position, stops the goroutines and closes the connections.
func (st *Stream) Close() error {
	st.mu.Lock()
	if st.closed {
		st.mu.Unlock()
		return nil
	}
	st.closed = true
	st.mu.Unlock()
	close(st.stopSt)
	st.stWG.Wait()
	st.pipe.Close()
	if st.cfg.SlotDropOnStop && st.repl != nil {
		return st.dropSlot()
	}
	return nil
}

// lastUpdate sends the last status update when it confirms more than
// the last one sent, asks the server for a reply and waits (up to a
// second) for a keepalive read after it: the server answers only once it
// has applied the update, and Close then closes the socket under the
// reader, which the server may see as a reset that discards input it has
// not read yet (CI saw the slot stay behind the last ack after a Close).
func (st *Stream) lastUpdate(update func(force, replyRequested bool) bool, sent uint64) {
	if lsn := st.acks.Confirmed(); lsn == 0 || lsn == sent {
		return
	}
	before := st.keepalives.Load()
	if !update(true, true) {
		return
	}
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if st.keepalives.Load() > before {
			return
		}
	}
}

// startStatusLoop runs statusLoop unless the stream is closing.
func (st *Stream) startStatusLoop(ctx context.Context, conn *pgconn.PgConn, reply <-chan struct{}) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed {
		return
	}
	st.stWG.Add(1)
	go func() {
		defer st.stWG.Done()
		st.statusLoop(ctx, conn, reply)
	}()
	if st.cfg.Heartbeat.Interval > 0 {
		st.stWG.Add(1)
		go func() {
			defer st.stWG.Done()
			hctx, cancel := context.WithCancel(ctx)
			defer cancel()
			go func() {
				select {
				case <-st.stopSt:
					cancel()
				case <-hctx.Done():
				}
			}()
			st.heartbeatLoop(hctx)
		}()
	}
}

// setIncOpen records whether a chunk waits for the stream, and wakes the
// status loop's keepalive ticker when one starts to.
func (st *Stream) setIncOpen(open bool) {
	st.incOpen.Store(open)
	if open {
		select {
		case st.incWake <- struct{}{}:
		default:
		}
	}
}

// statusLoop reports the acknowledged position to the server every
// status.update.interval.ms and whenever the server asks for a reply, and
// asks for the server's reply when a heartbeat is due (heartbeat.go). It is
// the only writer on the replication connection once streaming started.
func (st *Stream) statusLoop(ctx context.Context, conn *pgconn.PgConn, reply <-chan struct{}) {
	t := time.NewTicker(st.cfg.StatusInterval)
	defer t.Stop()
	// The keepalive ticker runs only while a chunk waits (incOpen). A
	// chunk may already wait when this loop starts (a reconnect), its wake
	// taken by the loop before.
	var inc *time.Ticker
	var incC <-chan time.Time
	if st.incOpen.Load() {
		inc = time.NewTicker(incReplyInterval)
		incC = inc.C
	}
	defer func() {
		if inc != nil {
			inc.Stop()
		}
	}()
	var sent uint64
	update := func(force, replyRequested bool) bool {
		lsn := st.acks.Confirmed()
		if lsn == 0 || (!force && lsn == sent) {
			return true
		}
		err := pglogrepl.SendStandbyStatusUpdate(ctx, conn, pglogrepl.StandbyStatusUpdate{
			WALWritePosition: pglogrepl.LSN(lsn),
			WALFlushPosition: pglogrepl.LSN(lsn),
			WALApplyPosition: pglogrepl.LSN(lsn),
			ReplyRequested:   replyRequested,
		})
		if err != nil {
			if ctx.Err() == nil {
				st.log.Warn("standby status update failed", "err", err)
			}
			return false
		}
		sent = lsn
		st.log.Debug("standby status update", "lsn", pglogrepl.LSN(lsn).String())
		return true
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-st.stopSt:
			st.lastUpdate(update, sent)
			return
		case <-t.C:
			if !update(true, false) {
				return
			}
		case <-reply:
			if !update(true, false) {
				return
			}
		case <-st.incWake:
			if inc == nil {
				inc = time.NewTicker(incReplyInterval)
				incC = inc.C
			}
		case <-incC:
			// An incremental snapshot's chunk waits for the stream to pass
			// its watermark: the server's reply is a keepalive that does so
			// on an idle database (incremental.go).
			if !st.incOpen.Load() {
				inc.Stop()
				inc, incC = nil, nil
				continue
			}
			if !update(true, true) {
				return
			}
		case <-st.hbPing:
			// A heartbeat is due: the server's reply is a keepalive that
			// lets the decoder emit it (heartbeat.go).
			if !update(true, true) {
				return
			}
		}
	}
}

// Pending returns how many events (or a pending error) are ready for Next
// without waiting; the runtime commits a batch when nothing more is ready.
func (st *Stream) Pending() int { return st.pipe.Pending() }

// QueueStats returns the queue's bounds and the bytes in it (Debezium's
// queue metrics).
func (st *Stream) QueueStats() capture.QueueStats { return st.pipe.QueueStats() }

// SourceLagBytes is how far the position sluice has confirmed to the
// server (what Kafka has committed) is behind the server's WAL end as the
// server last reported it: the WAL the connector still has to read and
// commit. ok is false until the server has reported its end. The slot may
// hold more (its restart_lsn can be older than the confirmed position while
// a transaction is open).
func (st *Stream) SourceLagBytes() (lag int64, ok bool) {
	end, confirmed := st.walEnd.Load(), st.acks.Confirmed()
	if end == 0 {
		return 0, false
	}
	if end <= confirmed {
		return 0, true
	}
	return int64(end - confirmed), true
}

// sawWALEnd records the server's WAL end from a message.
func (st *Stream) sawWALEnd(end uint64) {
	if end > st.walEnd.Load() {
		st.walEnd.Store(end)
	}
}
