package mysql

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"
	"unsafe"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"
	shopspring "github.com/shopspring/decimal"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/txmeta"
)

// replicate streams the binlog from start, turning row events into change
// events, until ctx ends or a terminal error. cp is a streaming checkpoint
// to skip up to; state holds the snapshot regions whose rows already contain
// some changes.
//
// A dropped connection is reopened here, at the start of the transaction in
// progress (or after the last complete one), skipping the events already
// queued: go-mysql's own retry is off, as it resumes from the last complete
// GTID set and would deliver a partial transaction twice.
func (st *Stream) replicate(ctx context.Context, start restartPoint, cp *change.Position, state *cpState) error {
	d, err := newDecoder(st, start, cp, state)
	if err != nil {
		return err
	}
	defer d.closeHeartbeatConn()
	closeSignals, err := d.openSignals(ctx)
	if err != nil {
		return err
	}
	defer closeSignals()
	failures := 0
	delay := st.knobs.ReconnectDelay
	for {
		rp := d.resumePoint()
		err := d.runOnce(ctx, rp)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var ce *ConnError
		if !errors.As(err, &ce) {
			return err
		}
		if d.progressed {
			failures, delay = 0, st.knobs.ReconnectDelay
		}
		failures++
		if failures > st.knobs.MaxReconnects {
			return err
		}
		d.prepareReconnect()
		st.log.Warn("binlog connection lost; reconnecting", "err", err, "at", d.resumePoint().String(), "attempt", failures)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay = min(delay*2, 30*time.Second)
	}
}

// runOnce opens one binlog dump at rp and decodes it until an error.
func (d *decoder) runOnce(ctx context.Context, rp restartPoint) error {
	st := d.st
	cfg := replication.BinlogSyncerConfig{
		ServerID:         st.cfg.ServerID,
		Flavor:           st.info.flavor(),
		Host:             st.cfg.Host,
		Port:             uint16(st.cfg.Port),
		User:             st.cfg.User,
		Password:         st.cfg.Password,
		Charset:          "utf8mb4",
		HeartbeatPeriod:  st.cfg.HeartbeatPeriod,
		ReadTimeout:      2*st.cfg.HeartbeatPeriod + 10*time.Second,
		DisableRetrySync: true,
		Logger:           goMySQLLogger{st.log},
		EventCacheCount:  st.knobs.EventCache,
	}
	ConfigureSyncer(&cfg)
	// database.ssl.mode (tls.go); nil when the server offers none under
	// preferred. The store files are read for each dump.
	tc, err := st.cfg.connTLS()
	if err != nil {
		return err
	}
	cfg.TLSConfig = tc
	if st.cfg.IncludeQuery && st.info.MariaDB {
		// include.query: MariaDB sends ANNOTATE_ROWS events only when asked.
		cfg.DumpCommandFlag |= replication.BINLOG_SEND_ANNOTATE_ROWS_EVENT
	}
	cfg.RowsEventDecodeFunc = deferRowsDecode // rows of the common types: see rowimage.go
	syncer := replication.NewBinlogSyncer(cfg)
	defer syncer.Close()
	d.progressed = false
	d.file = rp.File

	var streamer *replication.BinlogStreamer
	if rp.GTIDs != "" && st.info.GTIDs {
		set, perr := parseGTIDSet(st.info.flavor(), rp.GTIDs)
		if perr != nil {
			return &DecodeError{Table: "checkpoint", Err: perr}
		}
		streamer, err = syncer.StartSyncGTID(set.dumpStart())
	} else {
		streamer, err = syncer.StartSync(gomysql.Position{Name: rp.File, Pos: rp.Pos})
	}
	if err != nil {
		return classifyBinlogError(st.cfg, rp, "start the binlog dump", err)
	}
	st.log.Info("binlog streaming started", "at", rp.String())
	if st.knobs.OnDumpConnection != nil {
		st.knobs.OnDumpConnection(syncer.LastConnectionID())
	}
	d.hb.Start(d.sigs.waitCtx(ctx))
	defer d.hb.Stop()
	if d.blkRunning() {
		d.sigs.wakeUp() // resume the blocking snapshot of the checkpoint
	}
	for {
		ev, err := streamer.GetEvent(d.hb.Wait())
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if d.woke(ctx) { // a signal arrived on the signal topic (signals.go), or an incremental snapshot has chunks to read
				if err := d.between(ctx); err != nil {
					return err
				}
				continue
			}
			if d.hb.Fired() && errors.Is(err, context.DeadlineExceeded) {
				// A heartbeat is due; the event that may be waiting
				// stays in the streamer for the next GetEvent.
				d.hb.Reset()
				if err := d.heartbeatTick(ctx); err != nil {
					return err
				}
				continue
			}
			return classifyBinlogError(st.cfg, rp, "read the binlog", err)
		}
		if err := d.handle(ctx, ev); err != nil {
			return err
		}
		if _, rotate := ev.Event.(*replication.RotateEvent); !rotate && d.reachedStop(binlogPos{File: d.file, Pos: ev.Header.LogPos}) {
			return errBarrier
		}
	}
}

// classifyBinlogError turns a binlog dump error into a typed one.
func classifyBinlogError(cfg *Config, rp restartPoint, op string, err error) error {
	var my *gomysql.MyError
	if errors.As(err, &my) {
		msg := strings.ToLower(my.Message)
		switch {
		case my.Code == gomysql.ER_MASTER_FATAL_ERROR_READING_BINLOG && strings.Contains(msg, "same server"):
			return &ConnError{Op: op + fmt.Sprintf(" (another replica uses server id %d: choose another database.server.id, or is a second instance of this connector running?)", cfg.ServerID), Err: err}
		case my.Code == gomysql.ER_MASTER_FATAL_ERROR_READING_BINLOG:
			return &BinlogLostError{Where: rp.String(), Reason: "the server cannot send it: " + my.Message, Err: err}
		case my.Code == gomysql.ER_ACCESS_DENIED_ERROR || my.Code == gomysql.ER_ACCESS_DENIED_NO_PASSWORD_ERROR || my.Code == gomysql.ER_HOST_NOT_PRIVILEGED:
			return classifyConnectError(cfg, op, err)
		case my.Code == gomysql.ER_SPECIFIC_ACCESS_DENIED_ERROR || my.Code == gomysql.ER_DBACCESS_DENIED_ERROR:
			return &PrerequisiteError{Problems: []error{fmt.Errorf("%s: %v: grant the user REPLICATION SLAVE and REPLICATION CLIENT ON *.*", op, err)}}
		}
	}
	return &ConnError{Op: op, Err: err}
}

// goMySQLLogger sends go-mysql's logging to slog at debug level: the stream
// reports the errors that matter itself.
type goMySQLLogger struct {
	l interface{ Debug(string, ...any) }
}

func (g goMySQLLogger) out(args ...any) {
	g.l.Debug(strings.TrimSpace(fmt.Sprint(args...)), "component", "go-mysql")
}
func (g goMySQLLogger) outf(format string, args ...any) {
	g.l.Debug(fmt.Sprintf(format, args...), "component", "go-mysql")
}
func (g goMySQLLogger) Fatal(args ...any)            { g.out(args...) }
func (g goMySQLLogger) Fatalf(f string, args ...any) { g.outf(f, args...) }
func (g goMySQLLogger) Fatalln(args ...any)          { g.out(args...) }
func (g goMySQLLogger) Panic(args ...any)            { g.out(args...) }
func (g goMySQLLogger) Panicf(f string, args ...any) { g.outf(f, args...) }
func (g goMySQLLogger) Panicln(args ...any)          { g.out(args...) }
func (g goMySQLLogger) Print(args ...any)            { g.out(args...) }
func (g goMySQLLogger) Printf(f string, args ...any) { g.outf(f, args...) }
func (g goMySQLLogger) Println(args ...any)          { g.out(args...) }
func (g goMySQLLogger) Debug(args ...any)            { g.out(args...) }
func (g goMySQLLogger) Debugf(f string, args ...any) { g.outf(f, args...) }
func (g goMySQLLogger) Debugln(args ...any)          { g.out(args...) }
func (g goMySQLLogger) Error(args ...any)            { g.out(args...) }
func (g goMySQLLogger) Errorf(f string, args ...any) { g.outf(f, args...) }
func (g goMySQLLogger) Errorln(args ...any)          { g.out(args...) }
func (g goMySQLLogger) Info(args ...any)             { g.out(args...) }
func (g goMySQLLogger) Infof(f string, args ...any)  { g.outf(f, args...) }
func (g goMySQLLogger) Infoln(args ...any)           { g.out(args...) }
func (g goMySQLLogger) Warn(args ...any)             { g.out(args...) }
func (g goMySQLLogger) Warnf(f string, args ...any)  { g.outf(f, args...) }
func (g goMySQLLogger) Warnln(args ...any)           { g.out(args...) }

// decoder turns binlog events into change events. It runs on the producer
// goroutine and buffers one event so that it can mark the last event of
// each transaction at its commit.
type decoder struct {
	st   *Stream
	cfg  *Config
	send func(context.Context, item) error

	file  string             // current binlog file
	gtids *gtidSet           // GTIDs executed before the current transaction; nil when the server has none
	after restartPoint       // after the last complete transaction
	tmap  map[uint64]*tmInfo // TABLE_MAP table id -> table (nil table: not captured)

	cp *change.Position // checkpoint still ahead of the stream; nil once passed

	// tableDef reads a table's definition for a schema-change event
	// (readTableDef; unit tests replace it).
	tableDef func(ctx context.Context, db, table string) (change.StructValue, error)

	// pend is set when the decoder only reads the binlog from a resumed
	// snapshot's origin to its new coordinate, to learn the first change of
	// each row not read yet (resume.go); it then emits nothing.
	pend *pendingRows

	// snapshot regions, while some streamed transactions may be in them
	regions    []region
	regionsEnd uint64
	snapTables []string
	snapIdx    map[string]int
	// inRegion tells the region filter whether a region holds the
	// transaction in progress (made once: the filter runs per event).
	inRegion func(regionMark) bool

	// the transaction in progress
	inTx      bool
	explicit  bool // started by BEGIN (or a MariaDB GTID without the standalone flag): ends at XID/COMMIT
	skipAll   bool
	txStart   restartPoint
	txOrder   uint64
	gtid      string
	mariaGTID gomysql.MariadbGTID // gtid as MariaDB's GTID event gave it (zero otherwise)
	thread    int64
	commitTS  time.Time // MySQL original_commit_timestamp, zero if none
	index     int64
	// evIdx is the index of the binlog event in hand among its
	// transaction's (0: the first); rowIdx, evServer and evTime the row in
	// it, its server_id and its time, for the events' Debezium offset detail.
	evIdx    int64
	rowIdx   int
	evServer uint32
	evTime   time.Time
	// resume is where a Debezium offset left a transaction (offsets.go);
	// resumeTx is true inside that transaction.
	resume    *binlogResume
	resumeTx  bool
	stateJSON json.RawMessage // the state of this transaction's events, built on first use
	txid      string          // the TxID of this transaction's events, built on first use

	// Transaction metadata (provide.transaction.metadata); tx is nil when
	// it is off. evTS is the header time of the binlog event being handled
	// and beginTS that of the event that began the transaction.
	tx      *txmeta.Monitor
	evTS    uint32
	beginTS uint32

	schemasJSON []byte // the JSON of the stream's schema versions at schemasGen
	schemasGen  int

	buf        item            // the event held back (ev nil: none)
	sent       change.Position // position of the last event queued
	hasSent    bool
	progressed bool // something was queued since the last (re)connect

	// rowsQuery is the statement of the rows events that follow (ANNOTATE_ROWS,
	// ROWS_QUERY; include.query); ignoreRows leaves out the rows of a
	// transaction whose GTID source is filtered out (gtid.source.*).
	rowsQuery  string
	ignoreRows bool
	// hb says when a heartbeat is due; action runs heartbeat.action.query
	// (heartbeat.go).
	hb     *capture.HeartbeatClock
	action *capture.HeartbeatAction

	// What row events are built from: the boxed source values they share,
	// the source block of the rows event in progress, and chunks that
	// events, rows and source blocks are carved from (one allocation for
	// many rows instead of several per row).
	boxes    srcBoxes
	srcTmpl  [srcFields]any
	evChunk  []change.Event
	valChunk []any

	// The fast path's row images (rowimage.go): the boxes of their values,
	// and the images of the rows event in progress.
	arena boxArena
	imgs  []fastImage

	sigs decoderSignals // signals (signals.go)
	// inc runs incremental snapshots (incremental.go); nil: none can run.
	inc *capture.Incremental
	// blk runs blocking snapshots (blocking.go); nil: none can run.
	blk *capture.Blocking
}

// tmInfo is a TABLE_MAP's table (nil when not captured) and the event it
// was built from.
type tmInfo struct {
	t  *tableInfo
	ev *replication.TableMapEvent

	// The fast path's plan for rows of t mapped by planEv (nil: none).
	plan   *rowPlan
	planEv *replication.TableMapEvent
}

func newDecoder(st *Stream, start restartPoint, cp *change.Position, state *cpState) (*decoder, error) {
	d := &decoder{st: st, cfg: st.cfg, send: st.send, tmap: map[uint64]*tmInfo{}, cp: cp, after: start, file: start.File}
	d.tableDef = d.readTableDef
	d.newHeartbeat()
	d.inRegion = func(m regionMark) bool { return m.holds(d.txOrder) }
	if st.cfg.TxMetadata {
		d.tx = txmeta.New(st.cfg.TxTopic)
	}
	if st.info.GTIDs {
		g, err := parseGTIDSet(st.info.flavor(), start.GTIDs)
		if err != nil {
			return nil, &DecodeError{Table: "checkpoint", Err: err}
		}
		d.gtids = g
	}
	if state != nil && state.Resume != nil {
		r := *state.Resume
		r.order = orderOf(state.Restart.binlogPos)
		d.resume = &r
	}
	if state != nil && len(state.Regions) > 0 {
		d.regions = state.Regions
		d.regionsEnd = regionsEnd(state.Regions)
		d.snapTables = state.Tables
		d.snapIdx = map[string]int{}
		for i, n := range state.Tables {
			d.snapIdx[n] = i
		}
	}
	return d, nil
}

// resumePoint is where a new binlog dump must start: the start of the
// transaction in progress, else after the last complete one.
func (d *decoder) resumePoint() restartPoint {
	if d.inTx {
		return d.txStart
	}
	return d.after
}

// prepareReconnect drops the unsent event and makes the events already
// queued the checkpoint to skip up to.
func (d *decoder) prepareReconnect() {
	rp := d.resumePoint()
	d.buf = item{}
	if d.hasSent {
		p := d.sent
		d.cp = &p
	}
	d.inTx = false
	d.after = rp
	d.file = rp.File
}

func (d *decoder) dropRegions() {
	d.st.log.Info("stream passed the snapshot regions; no more changes are filtered", "tx", d.txStart.String())
	d.regions, d.snapTables, d.snapIdx = nil, nil, nil
	d.regionsEnd = 0
}

// handle processes one binlog event.
func (d *decoder) handle(ctx context.Context, ev *replication.BinlogEvent) error {
	h := ev.Header
	d.evTS = h.Timestamp
	var start uint32
	if h.LogPos >= h.EventSize {
		start = h.LogPos - h.EventSize
	}
	d.evIdx++
	d.rowIdx, d.evServer, d.evTime = 0, h.ServerID, time.Unix(int64(h.Timestamp), 0)
	if !d.inTx && d.blkWaiting() && beginsTx(ev) {
		// A blocking snapshot's view waits for the stream (blocking.go).
		if err := d.blkReach(ctx, binlogPos{File: d.file, Pos: start}); err != nil {
			return err
		}
	}
	if !d.inTx && d.incWaiting() && beginsTx(ev) {
		// A chunk waits for the stream (incremental.go): it is sent before
		// the first transaction at or after its watermark.
		if err := d.incReach(ctx, binlogPos{File: d.file, Pos: start}); err != nil {
			return err
		}
	}
	switch e := ev.Event.(type) {
	case *replication.RotateEvent:
		d.file = string(e.NextLogName)
	case *replication.GTIDEvent:
		d.beginTx(start, mysqlGTID(e.SID, e.GNO))
		if e.OriginalCommitTimestamp != 0 {
			d.commitTS = e.OriginalCommitTime()
		}
		d.ignoreRows = d.cfg.ignoresGTID(d.gtid) // gtid.source.includes/excludes (binlogkeys.go)
	case *replication.MariadbGTIDEvent:
		g := mariadbGTIDOf(ev, e) // not e.GTID: see binlogkeys.go
		d.beginTx(start, mariadbGTID(g))
		d.mariaGTID = g
		d.explicit = !e.IsStandalone()
		d.ignoreRows = d.cfg.ignoresGTID(d.gtid)
	case *replication.MariadbAnnotateRowsEvent:
		d.rowsQuery = string(e.Query) // include.query
	case *replication.RowsQueryEvent:
		d.rowsQuery = string(e.Query)
	case *replication.QueryEvent:
		return d.query(ctx, h, start, e)
	case *replication.XIDEvent:
		return d.commit(ctx, h)
	case *replication.TableMapEvent:
		return d.tableMap(ctx, e)
	case *replication.RowsEvent:
		if !d.inTx {
			d.beginTx(start, "")
			d.explicit = true
		}
		return d.rows(ctx, h, start, e)
	}
	return nil
}

// beginTx starts a transaction whose first event is at start.
func (d *decoder) beginTx(start uint32, gtid string) {
	d.inTx = true
	d.explicit = false
	d.gtid = gtid
	d.mariaGTID = gomysql.MariadbGTID{}
	// d.thread is kept: as Debezium's source info, source.thread is the
	// thread of the last BEGIN (none yet on MariaDB, whose transactions
	// start with a GTID event).
	d.commitTS = time.Time{}
	d.rowsQuery, d.ignoreRows = "", false
	d.index = 0
	d.evIdx = 0
	d.stateJSON = nil
	d.txid = ""
	d.beginTS = d.evTS
	d.sigs.s.Begin()
	if d.tx != nil {
		d.tx.Reset()
	}
	d.txStart = restartPoint{binlogPos: binlogPos{File: d.file, Pos: start}, GTIDs: d.gtids.String()}
	d.txOrder = orderOf(d.txStart.binlogPos)
	if d.regions != nil && d.txOrder >= d.regionsEnd {
		d.dropRegions()
	}
	d.skipAll = d.cp != nil && (d.txOrder < d.cp.Tx || d.txOrder == d.cp.Tx && d.cp.Last)
	d.resumeTx = d.resume != nil && !d.skipAll && d.txOrder == d.resume.order
}

// commit ends the transaction in progress at the event with header h.
func (d *decoder) commit(ctx context.Context, h *replication.EventHeader) error {
	if !d.inTx {
		return nil
	}
	if err := d.signalCommit(); err != nil {
		return err
	}
	if d.buf.Ev != nil {
		// The last event carries Last, so that a checkpoint at it resumes
		// after the transaction.
		d.buf.Ev.Pos.Last = true
		if d.tx != nil && d.tx.Total() > 0 {
			d.buf.Ev.TxEnd = d.tx.End(d.txMetaID(), d.txTime(h.Timestamp))
		}
		if err := d.queue(ctx, &d.buf); err != nil {
			return err
		}
		d.buf = item{}
	} else if d.tx != nil && d.explicit && !d.skipAll && d.tx.Total() == 0 {
		// A transaction without captured events: Debezium writes its BEGIN
		// and END all the same (event_count 0), for every transaction of
		// the binlog; not for a DDL statement, which is no transaction.
		if err := d.emptyTx(ctx, h); err != nil {
			return err
		}
	}
	if d.gtid != "" && d.gtids != nil {
		var err error
		if d.mariaGTID != (gomysql.MariadbGTID{}) {
			err = d.gtids.addMariadb(d.mariaGTID)
		} else {
			err = d.gtids.add(d.gtid)
		}
		if err != nil {
			return &DecodeError{Table: "GTID", Err: err}
		}
	}
	d.after = restartPoint{binlogPos: binlogPos{File: d.file, Pos: h.LogPos}, GTIDs: d.gtids.String()}
	if d.cp != nil && d.txOrder >= d.cp.Tx {
		d.cp = nil
	}
	if d.resume != nil && d.txOrder >= d.resume.order {
		d.resume, d.resumeTx = nil, false
	}
	d.inTx = false
	return d.between(ctx)
}

func (d *decoder) queue(ctx context.Context, it *item) error {
	if err := d.send(ctx, *it); err != nil {
		return err
	}
	d.sent, d.hasSent = it.Ev.Pos, true
	d.progressed = true
	return nil
}

// query handles a QUERY event: BEGIN, COMMIT, or a statement (DDL).
func (d *decoder) query(ctx context.Context, h *replication.EventHeader, start uint32, e *replication.QueryEvent) error {
	q := strings.TrimSpace(string(e.Query))
	switch strings.ToUpper(q) {
	case "BEGIN", "START TRANSACTION":
		if !d.inTx {
			d.beginTx(start, "")
		}
		d.explicit = true
		d.thread = int64(e.SlaveProxyID)
		return nil
	case "COMMIT", "ROLLBACK":
		return d.commit(ctx, h)
	}
	if !d.inTx {
		d.beginTx(start, "")
	}
	if d.pend != nil {
		// Reading ahead (resume.go): the stream that follows applies the
		// statement.
		if !d.explicit {
			return d.commit(ctx, h)
		}
		return nil
	}
	if err := d.modelDDL(ctx, string(e.Schema), q); err != nil {
		return err
	}
	if err := d.ddl(ctx, h, start, string(e.Schema), q); err != nil {
		return err
	}
	if err := d.schemaChange(ctx, h, start, string(e.Schema), q); err != nil {
		return err
	}
	if !d.explicit {
		return d.commit(ctx, h)
	}
	return nil
}

// ddl reacts to a statement: it forgets dropped and renamed tables and emits
// truncates. Column changes need nothing here: the next TABLE_MAP of the
// table carries its new columns and gives it a new schema version.
func (d *decoder) ddl(ctx context.Context, h *replication.EventHeader, start uint32, db, q string) error {
	s := parseDDL(q, db)
	if s.Kind == ddlNone {
		if isDDL(q) {
			d.st.log.Info("DDL statement not recognized; the table's columns will come from the binlog's row metadata", "query", truncate(q, 200))
		}
		return nil
	}
	captured := false
	for _, n := range s.Tables {
		dbn, tn, _ := strings.Cut(n, ".")
		if d.cfg.Captures(dbn, tn) {
			captured = true
		}
	}
	if !captured {
		return nil
	}
	d.st.log.Info("DDL", "kind", string(s.Kind), "tables", s.Tables, "query", truncate(q, 200))
	switch s.Kind {
	case ddlDrop:
		for _, n := range s.Tables {
			d.forget(n)
		}
	case ddlRename:
		for i := 0; i < len(s.Tables); i += 2 {
			d.forget(s.Tables[i])
		}
	case ddlTruncate:
		t := d.st.tables[s.Tables[0]]
		if t == nil || d.skipAll {
			return nil
		}
		si := d.src(h, t, start, 0)
		ev := &change.Event{Op: change.OpTruncate, Table: t.Schema, Source: si.block(d.cfg), SourceSchema: d.st.src, Commit: si.ts}
		return d.emit(ctx, ev, t, nil, 256)
	}
	return nil
}

// forget drops what the stream knows of table name ("db.table"); its
// version bookkeeping stays, so a table created again under the name
// continues its numbering.
func (d *decoder) forget(name string) {
	delete(d.st.tables, name)
	for id, tm := range d.tmap {
		if tm != nil && tm.t != nil && tm.t.name() == name {
			delete(d.tmap, id)
		}
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// tableMap records a TABLE_MAP event: the table it maps and, when its
// columns differ from the known schema, a new schema version.
func (d *decoder) tableMap(ctx context.Context, e *replication.TableMapEvent) error {
	if tm := d.tmap[e.TableID]; tm != nil && tm.ev != nil && sameTableMap(tm.ev, e) && (tm.t == nil || d.st.tables[tm.t.name()] == tm.t) {
		return nil // as the last TABLE_MAP of this table id
	}
	db, name := string(e.Schema), string(e.Table)
	if !d.cfg.Captures(db, name) {
		d.tmap[e.TableID] = &tmInfo{ev: e}
		return nil
	}
	id := change.TableID{Namespace: db, Name: name}
	var t *tableInfo
	model, err := d.st.model(ctx, nil, db, name)
	if err != nil {
		return err
	}
	meta, err := MetaFromTableMap(e, d.st.info.MariaDB)
	if err == nil {
		declaredTypes(meta, model)
		t, err = buildTable(id, meta, keyOf(meta, model), 0, d.cfg.Types)
		if errors.Is(err, ErrUnsupportedType) {
			return err
		}
		if err != nil {
			return &DecodeError{Table: id.String(), Err: err}
		}
	} else {
		// No full row metadata: the columns come from information_schema,
		// right as long as the table was not altered since this event.
		if !d.st.warned["meta:"+id.String()] {
			d.st.warned["meta:"+id.String()] = true
			d.st.log.Warn("TABLE_MAP without column names; reading the columns from information_schema", "table", id.String(), "err", err)
		}
		cur := d.st.tables[id.String()]
		if cur != nil && len(cur.Meta) == int(e.ColumnCount) {
			t = cur
		} else {
			q, cerr := connect(ctx, d.cfg)
			if cerr != nil {
				return cerr
			}
			t, err = describeTable(ctx, q, id, 0, d.cfg.Types, model)
			q.Close()
			if err != nil {
				return err
			}
			if t == nil || len(t.Meta) != int(e.ColumnCount) {
				return &DecodeError{Table: id.String(), Err: fmt.Errorf("the binlog has %d columns and information_schema another count; set binlog_row_metadata=FULL", e.ColumnCount)}
			}
		}
	}
	before := d.st.tables[id.String()]
	t = d.st.adopt(t)
	if t != before {
		d.stateJSON = nil // the versions changed: later events carry the new state
	}
	d.tmap[e.TableID] = &tmInfo{t: t, ev: e}
	return nil
}

// sameTableMap reports whether two TABLE_MAP events map the same table
// with the same columns.
func sameTableMap(a, b *replication.TableMapEvent) bool {
	return a.TableID == b.TableID && bytes.Equal(a.Schema, b.Schema) && bytes.Equal(a.Table, b.Table) &&
		a.ColumnCount == b.ColumnCount && bytes.Equal(a.ColumnType, b.ColumnType) && slices.Equal(a.ColumnMeta, b.ColumnMeta) &&
		bytes.Equal(a.NullBitmap, b.NullBitmap) && bytes.Equal(a.SignednessBitmap, b.SignednessBitmap) &&
		slices.Equal(a.DefaultCharset, b.DefaultCharset) && slices.Equal(a.ColumnCharset, b.ColumnCharset) &&
		slices.EqualFunc(a.SetStrValue, b.SetStrValue, equalByteSlices) &&
		slices.EqualFunc(a.EnumStrValue, b.EnumStrValue, equalByteSlices) &&
		equalByteSlices(a.ColumnName, b.ColumnName) && slices.Equal(a.GeometryType, b.GeometryType) &&
		slices.Equal(a.PrimaryKey, b.PrimaryKey) && slices.Equal(a.PrimaryKeyPrefix, b.PrimaryKeyPrefix) &&
		slices.Equal(a.EnumSetDefaultCharset, b.EnumSetDefaultCharset) && slices.Equal(a.EnumSetColumnCharset, b.EnumSetColumnCharset)
}

func equalByteSlices(a, b [][]byte) bool { return slices.EqualFunc(a, b, bytes.Equal) }

// src is the source block of an event of the transaction in progress.
func (d *decoder) src(h *replication.EventHeader, t *tableInfo, pos uint32, row int) srcInfo {
	ts := d.commitTS
	if ts.IsZero() {
		ts = time.Unix(int64(h.Timestamp), 0).UTC()
	}
	return srcInfo{ts: ts, db: t.ID.Namespace, table: t.ID.Name, serverID: h.ServerID,
		gtid: d.gtid, file: d.file, pos: pos, row: int32(row), thread: d.thread}
}

// rows turns a rows event into change events.
func (d *decoder) rows(ctx context.Context, h *replication.EventHeader, start uint32, e *replication.RowsEvent) error {
	if d.skipAll || d.ignoreRows {
		return nil
	}
	if err := d.signalRows(h, e); err != nil {
		return err
	}
	tm := d.tmap[e.TableID]
	if tm == nil {
		return &DecodeError{Table: fmt.Sprintf("table id %d", e.TableID), Err: errors.New("rows event before its TABLE_MAP")}
	}
	t := tm.t
	if t == nil {
		return nil
	}
	var op change.Op
	switch h.EventType {
	case replication.WRITE_ROWS_EVENTv0, replication.WRITE_ROWS_EVENTv1, replication.WRITE_ROWS_EVENTv2, replication.MARIADB_WRITE_ROWS_COMPRESSED_EVENT_V1:
		op = change.OpCreate
	case replication.UPDATE_ROWS_EVENTv0, replication.UPDATE_ROWS_EVENTv1, replication.UPDATE_ROWS_EVENTv2, replication.MARIADB_UPDATE_ROWS_COMPRESSED_EVENT_V1, replication.PARTIAL_UPDATE_ROWS_EVENT:
		op = change.OpUpdate
	case replication.DELETE_ROWS_EVENTv0, replication.DELETE_ROWS_EVENTv1, replication.DELETE_ROWS_EVENTv2, replication.MARIADB_DELETE_ROWS_COMPRESSED_EVENT_V1:
		op = change.OpDelete
	default:
		return nil
	}
	// The row images: the fast path's (rowimage.go), or go-mysql's values
	// converted here.
	var imgs rowImages
	if dr := deferredOf(e); dr != nil {
		if p, ok := d.fastRows(h.EventType, e, tm, dr); ok {
			imgs = rowImages{fast: d.imgs, plan: p, data: dr.data}
			defer clear(d.imgs) // hold no rows past the event
		} else if err := decodeDeferred(h, e, dr); err != nil {
			return err
		}
	}
	if imgs.plan == nil {
		for i, sk := range e.SkippedColumns {
			if len(sk) > 0 {
				// The whole rows event is skipped or fails
				// (event.processing.failure.handling.mode).
				return d.failed(&DecodeError{Table: t.name(), Err: fmt.Errorf("row %d lacks columns %v: the binlog is not a full row image; set binlog_row_image=FULL", i, sk)}, start, -1)
			}
		}
		imgs.raw = e.Rows
	}
	step := 1
	if op == change.OpUpdate {
		step = 2
	}
	// go-mysql's values of the key columns are needed only to filter by
	// snapshot regions, to read ahead for a resumed snapshot, and to see
	// key changes.
	wantKey := d.regions != nil || d.pend != nil || op == change.OpUpdate && len(t.recKey) > 0
	// The source blocks of the event's rows differ only in the row number.
	si := d.src(h, t, start, 0)
	if d.cfg.IncludeQuery {
		si.query = d.rowsQuery
	}
	tmpl := si.fill(d.srcTmpl[:], d.cfg, &d.boxes)
	d.evServer, d.evTime = h.ServerID, si.ts
	for i := 0; i+step <= imgs.len(); i += step {
		rowIdx := i / step
		d.rowIdx = rowIdx
		switch op {
		case change.OpCreate:
			after, keyVals, size, err := d.image(&imgs, t, i, wantKey)
			if err != nil {
				if err = d.failed(err, start, rowIdx); err != nil {
					return err
				}
				continue
			}
			ev := d.rowEvent(op, t, nil, after, tmpl, rowIdx, si.ts)
			if err := d.emit(ctx, ev, t, keyVals, size); err != nil {
				return err
			}
		case change.OpDelete:
			before, keyVals, size, err := d.image(&imgs, t, i, wantKey)
			if err != nil {
				if err = d.failed(err, start, rowIdx); err != nil {
					return err
				}
				continue
			}
			ev := d.rowEvent(op, t, before, nil, tmpl, rowIdx, si.ts)
			if err := d.emit(ctx, ev, t, keyVals, size); err != nil {
				return err
			}
		case change.OpUpdate:
			var after change.Row
			var afterKey []any
			var afterSize int
			before, beforeKey, beforeSize, err := d.image(&imgs, t, i, wantKey)
			if err == nil {
				after, afterKey, afterSize, err = d.image(&imgs, t, i+1, wantKey)
			}
			if err != nil {
				if err = d.failed(err, start, rowIdx); err != nil {
					return err
				}
				continue
			}
			size := beforeSize + afterSize
			if keyChanged(t, before, after, beforeKey, afterKey) {
				// A key change: a delete of the old key and a create of the
				// new one, as Debezium emits it.
				newKeyJSON, oldKeyJSON := keyJSON(t, after), keyJSON(t, before) // before rowEvent maps the rows' values
				del := d.rowEvent(change.OpDelete, t, before, nil, tmpl, rowIdx, si.ts)
				cre := d.rowEvent(change.OpCreate, t, nil, after, tmpl, rowIdx, si.ts)
				del.Headers = []change.Header{{Key: "__debezium.newkey", Value: newKeyJSON}}
				cre.Headers = []change.Header{{Key: "__debezium.oldkey", Value: oldKeyJSON}}
				if err := d.emit(ctx, del, t, beforeKey, size); err != nil {
					return err
				}
				if err := d.emit(ctx, cre, t, afterKey, size); err != nil {
					return err
				}
				continue
			}
			ev := d.rowEvent(op, t, before, after, tmpl, rowIdx, si.ts)
			if err := d.emit(ctx, ev, t, afterKey, size); err != nil {
				return err
			}
		}
	}
	return nil
}

// rowImages are the row images of a rows event: go-mysql's values (raw),
// or the fast path's images (fast) of the rows data decoded by plan.
type rowImages struct {
	raw  [][]any
	fast []fastImage
	plan *rowPlan
	data []byte
}

func (r *rowImages) len() int {
	if r.plan != nil {
		return len(r.fast)
	}
	return len(r.raw)
}

// image returns image i as a change.Row, go-mysql's values of at least its
// key columns when wantKey is set (for rowKey; the slow path always gives
// them), and its rowSize.
func (d *decoder) image(r *rowImages, t *tableInfo, i int, wantKey bool) (change.Row, []any, int, error) {
	if r.plan == nil {
		row, err := d.convert(t, r.raw[i])
		if err != nil {
			return nil, nil, 0, err
		}
		return row, r.raw[i], rowSize(r.raw[i]), nil
	}
	im := &r.fast[i]
	var keyVals []any
	if wantKey {
		keyVals = rawImage(r.plan, r.data, im.off, false)
	}
	return im.row, keyVals, im.size, nil
}

// rowEvent returns the event of one row of a rows event, whose source block
// is tmpl with the row's number.
func (d *decoder) rowEvent(op change.Op, t *tableInfo, before, after change.Row, tmpl change.StructValue, row int, ts time.Time) *change.Event {
	src := change.StructValue(d.values(srcFields))
	copy(src, tmpl)
	src[srcRowIdx] = d.boxes.row(int32(row))
	ev := d.newEvent()
	keyRow := t.keyRow(before, after) // before finish maps the rows' values
	*ev = change.Event{
		Op:           op,
		Table:        t.Schema,
		KeyRow:       keyRow,
		Before:       t.finish(before),
		After:        t.finish(after),
		Source:       src,
		SourceSchema: d.st.src,
		Commit:       ts,
	}
	return ev
}

// Events, rows and source blocks are carved from chunks of about 8 KiB (a
// size class of the allocator). A chunk stays live while any event carved
// from it does: events leave the queue in order, so that is at most one
// chunk's worth more than the queue holds.
const (
	evChunkLen  = 8192 / int(unsafe.Sizeof(change.Event{}))
	valChunkLen = 8192 / int(unsafe.Sizeof(any(nil)))
)

// newEvent returns a zero event.
func (d *decoder) newEvent() *change.Event {
	if len(d.evChunk) == 0 {
		d.evChunk = make([]change.Event, evChunkLen)
	}
	ev := &d.evChunk[0]
	d.evChunk = d.evChunk[1:]
	return ev
}

// values returns n nil values, for a row or a source block.
func (d *decoder) values(n int) []any {
	if n > len(d.valChunk) {
		if n > valChunkLen/4 {
			return make([]any, n)
		}
		d.valChunk = make([]any, valChunkLen)
	}
	v := d.valChunk[:n:n]
	d.valChunk = d.valChunk[n:]
	return v
}

// convert maps one binlog row image to a change.Row.
func (d *decoder) convert(t *tableInfo, vals []any) (change.Row, error) {
	if len(vals) != len(t.Conv) {
		return nil, &DecodeError{Table: t.name(), Err: fmt.Errorf("row has %d columns, schema %d", len(vals), len(t.Conv))}
	}
	row := change.Row(d.values(len(vals)))
	for i, v := range vals {
		if v == nil {
			continue
		}
		x, err := t.Conv[i].FromBinlog(v)
		if err != nil {
			return nil, &DecodeError{Table: t.name(), Column: t.Meta[i].Name, Err: err}
		}
		row[i] = x
	}
	return row, nil
}

// emit applies skipped.operations, the snapshot-region filter and the
// checkpoint, numbers the event, and queues it behind the buffered one.
// keyVals is the binlog row image whose key identifies the event (nil for a
// truncate); its key is read only while snapshot regions filter, or by a
// resumed snapshot's read-ahead, which only records the event (resume.go).
func (d *decoder) emit(ctx context.Context, ev *change.Event, t *tableInfo, keyVals []any, size int) error {
	if d.pend != nil {
		if t != nil && ev.Message == nil && ev.Op != change.OpTruncate {
			d.pend.record(t, keyVals, ev)
		}
		return nil
	}
	if d.cfg.Skipped[byte(ev.Op)] {
		return nil
	}
	if d.regions != nil && t != nil {
		if idx, ok := d.snapIdx[t.name()]; ok && capture.SkipStreamed(d.regions, idx, rowKey(t, keyVals), t.keyKinds(), d.inRegion) {
			return nil
		}
	}
	i := d.index
	d.index++
	// Transaction metadata counts the events a checkpoint skips too: a
	// restart replays the transaction from its start (see package txmeta).
	// A schema change (a Message, or with include.schema.changes=false
	// only its history record: no table) is not counted.
	var total, order int64
	if d.tx != nil && ev.Message == nil && t != nil {
		total, order = d.tx.Count(t.ID.Namespace + "." + t.ID.Name)
	}
	if d.cp != nil && d.txOrder == d.cp.Tx && i <= d.cp.Index {
		return nil
	}
	if d.resumeTx && d.resume.emitted(d.evIdx, d.rowIdx, ev.Message != nil || ev.Op == change.OpTruncate) {
		return nil // Debezium emitted it before the connector moved to sluice
	}
	if err := d.posState(); err != nil {
		return err
	}
	op := byte(ev.Op)
	if ev.Message != nil {
		op = 'm' // a schema-change record
	}
	ev.Pos = change.Position{Tx: d.txOrder, TxID: d.txid, Index: i, State: d.stateJSON,
		BinlogEvent: int32(d.evIdx), BinlogRow: int32(d.rowIdx), ServerID: d.evServer, Micros: d.evTime.UnixMicro(), Op: op}
	if total > 0 {
		id := d.txMetaID()
		ev.Tx = txmeta.Block(id, total, order)
		if total == 1 {
			ev.TxBegin = d.tx.Begin(id, d.txTime(d.beginTS))
		}
	}
	if d.buf.Ev != nil {
		if err := d.queue(ctx, &d.buf); err != nil {
			return err
		}
	}
	d.buf = item{Ev: ev, Size: size}
	return nil
}

// state returns the JSON of the cpState of the transaction in progress.
// Without snapshot regions it is written directly, byte for byte as
// json.Marshal writes it, around the schema versions' JSON, which is kept
// while the versions do not change.
func (d *decoder) state() ([]byte, error) {
	if d.regions != nil {
		b, err := json.Marshal(cpState{Restart: d.txStart, Schemas: d.st.schemasSnapshot(), Tables: d.snapTables, Regions: d.regions, Sig: d.sigs.s.Next()})
		if err != nil {
			return nil, err
		}
		return d.withState(b), nil
	}
	if d.schemasJSON == nil || d.schemasGen != d.st.versionsGen {
		d.schemasJSON = []byte{}
		if m := d.st.schemasSnapshot(); m != nil {
			b, err := json.Marshal(m)
			if err != nil {
				return nil, err
			}
			d.schemasJSON = b
		}
		d.schemasGen = d.st.versionsGen
	}
	r := d.txStart
	b := make([]byte, 0, 64+len(r.File)+len(r.GTIDs)+len(d.schemasJSON))
	b = append(b, `{"restart":{"file":`...)
	b = appendJSONString(b, r.File)
	b = append(b, `,"pos":`...)
	b = strconv.AppendUint(b, uint64(r.Pos), 10)
	if r.GTIDs != "" {
		b = append(b, `,"gtids":`...)
		b = appendJSONString(b, r.GTIDs)
	}
	b = append(b, '}')
	if len(d.schemasJSON) > 0 {
		b = append(b, `,"schemas":`...)
		b = append(b, d.schemasJSON...)
	}
	if n := d.sigs.s.Next(); n > 0 {
		b = append(b, `,"sig":`...)
		b = strconv.AppendInt(b, n, 10)
	}
	return d.withState(append(b, '}')), nil
}

// appendJSONString appends s as json.Marshal writes it.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // escapes: the rare case
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// rowKey returns the key columns' text forms of a binlog row (the forms the
// snapshot's text protocol gives), or nil for a keyless table.
func rowKey(t *tableInfo, vals []any) []string {
	if len(t.Key) == 0 {
		return nil
	}
	k := make([]string, len(t.Key))
	for i, c := range t.Key {
		if c >= len(vals) {
			return nil
		}
		k[i] = keyText(&t.Meta[c], vals[c])
	}
	return k
}

// keyText renders a binlog value as the text protocol shows it.
func keyText(m *ColumnMeta, v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case int8:
		if m.Unsigned {
			return strconv.FormatUint(uint64(uint8(x)), 10)
		}
		return strconv.FormatInt(int64(x), 10)
	case int16:
		if m.Unsigned {
			return strconv.FormatUint(uint64(uint16(x)), 10)
		}
		return strconv.FormatInt(int64(x), 10)
	case int32:
		if m.Unsigned {
			if m.Type == gomysql.MYSQL_TYPE_INT24 {
				return strconv.FormatUint(uint64(uint32(x)&0xFFFFFF), 10)
			}
			return strconv.FormatUint(uint64(uint32(x)), 10)
		}
		return strconv.FormatInt(int64(x), 10)
	case int64:
		switch {
		case m.Type == gomysql.MYSQL_TYPE_ENUM && x >= 1 && int(x) <= len(m.EnumValues):
			return m.EnumValues[x-1]
		case m.Type == gomysql.MYSQL_TYPE_SET:
			var parts []string
			for i, s := range m.SetValues {
				if x&(1<<i) != 0 {
					parts = append(parts, s)
				}
			}
			return strings.Join(parts, ",")
		case m.Unsigned:
			return strconv.FormatUint(uint64(x), 10)
		}
		return strconv.FormatInt(x, 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case int:
		return strconv.Itoa(x)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case string:
		if t, ok := binaryStringKeyText(m, v); ok {
			return t
		}
		return x
	case []byte:
		if t, ok := binaryStringKeyText(m, v); ok {
			return t
		}
		return string(x)
	case *big.Int:
		return x.String()
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// The heap a queued row event holds, as the queue's byte budget counts it:
// the event and its source block, then per value its slot in the row and
// its box. BenchmarkQueuedMemory measures the real figure.
const (
	eventHeap = 728
	valueHeap = 32
)

// rowSize estimates the heap a queued event of the binlog row image vals
// holds: eventHeap, valueHeap per value, and the bytes of strings (which
// point into the binlog event's packet) and byte slices (counted twice: the
// packet, and the string or copy their conversion makes).
func rowSize(vals []any) int {
	n := eventHeap
	for _, v := range vals {
		switch x := v.(type) {
		case string:
			n += valueHeap + len(x)
		case []byte:
			n += valueHeap + 2*len(x)
		case shopspring.Decimal:
			n += valueHeap + 96 // its big.Int, and the converted bytes
		default:
			n += valueHeap
		}
	}
	return n
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// keyJSON is the JSON object of row's key columns, for the key-change headers.
func keyJSON(t *tableInfo, row change.Row) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, c := range t.recKey {
		if i > 0 {
			b.WriteByte(',')
		}
		n, _ := json.Marshal(t.Meta[c].Name)
		b.Write(n)
		b.WriteByte(':')
		var v any
		if row != nil && c < len(row) {
			v = row[c]
		}
		j, err := json.Marshal(v)
		if err != nil {
			j = []byte("null")
		}
		b.Write(j)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// posState builds, on first use in a transaction, the State and TxID of its
// events' positions.
func (d *decoder) posState() error {
	if d.stateJSON == nil {
		b, err := d.state()
		if err != nil {
			return err
		}
		d.stateJSON = b
	}
	if d.txid == "" {
		d.txid = d.gtid
		if d.txid == "" {
			d.txid = d.txStart.binlogPos.String()
		}
	}
	return nil
}

// emptyTx queues the event of the transaction ending at the event with
// header h without a captured event: its BEGIN record, with its END record
// after it, alone in the transaction (Index 0, Last).
func (d *decoder) emptyTx(ctx context.Context, h *replication.EventHeader) error {
	if err := d.posState(); err != nil {
		return err
	}
	id := d.txMetaID()
	it := item{Ev: &change.Event{
		Message: d.tx.Begin(id, d.txTime(d.beginTS)),
		TxEnd:   d.tx.End(id, d.txTime(h.Timestamp)),
		Commit:  d.txTime(h.Timestamp),
		Pos:     change.Position{Tx: d.txOrder, TxID: d.txid, Index: 0, Last: true, State: d.stateJSON},
	}, Size: 256}
	return d.queue(ctx, &it)
}

// txMetaID is Debezium's id of the transaction in progress: its GTID, else
// file=<binlog>,pos=<start of its first event>.
func (d *decoder) txMetaID() string {
	if d.gtid != "" {
		return d.gtid
	}
	return "file=" + d.txStart.File + ",pos=" + strconv.FormatUint(uint64(d.txStart.Pos), 10)
}

// txTime is the time of a transaction-metadata record written at a binlog
// event with header time ts: as Debezium's, MySQL's original commit
// timestamp when the transaction has one, else the header's whole second.
func (d *decoder) txTime(ts uint32) time.Time {
	if !d.commitTS.IsZero() {
		return d.commitTS
	}
	return time.Unix(int64(ts), 0)
}
