package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/txmeta"
)

// replicate starts pgoutput replication on the slot (from its
// confirmed_flush_lsn) and turns the stream into events until ctx ends or
// the connection fails. cp is a streaming checkpoint to skip up to; state
// holds the snapshot regions whose rows already contain some changes.
func (st *Stream) replicate(ctx context.Context, cp *change.Position, state *snapState) error {
	pub := strings.ReplaceAll(pgx.Identifier{st.cfg.PublicationName}.Sanitize(), "'", "''")
	args := []string{"proto_version '1'", "publication_names '" + pub + "'"}
	if wantsMessages(st.repl.ParameterStatus("server_version")) {
		args = append(args, "messages 'true'") // logical decoding messages (message.go)
	}
	err := pglogrepl.StartReplication(ctx, st.repl, st.cfg.SlotName, 0, pglogrepl.StartReplicationOptions{
		Mode:       pglogrepl.LogicalReplication,
		PluginArgs: args,
	})
	if err != nil {
		return classifyReplError(st.cfg, "start replication on slot "+st.cfg.SlotName, err)
	}
	st.log.Info("streaming started", "slot", st.cfg.SlotName, "publication", st.cfg.PublicationName)

	dec := newDecoder(st, cp, state)
	dec.resume, dec.hold = st.resume, st.moved
	dec.ctx = ctx
	closeSignals, err := dec.openSignals(ctx)
	if err != nil {
		return err
	}
	defer closeSignals()
	var rows rowParser
	send := func(it item) error { return st.send(ctx, it) }
	reply := make(chan struct{}, 1)
	sctx, scancel := context.WithCancel(ctx)
	defer func() {
		// Stop the status loop before the producer closes the connection.
		scancel()
		st.stWG.Wait()
	}()
	st.startStatusLoop(sctx, st.repl, reply)
	if err := dec.blkStep(send); err != nil { // a blocking snapshot the checkpoint is in
		return err
	}

	// ReceiveMessage with a cancellable context arms and disarms a context
	// watcher for every message, which cost about a tenth of the CPU of a
	// drain. It gets no context instead, and cancellation closes the socket
	// under it, which ends the read.
	stopClose := context.AfterFunc(ctx, func() { _ = st.repl.Conn().Close() })
	defer stopClose()
	for {
		msg, err := st.repl.ReceiveMessage(context.Background())
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return classifyReplError(st.cfg, "read replication stream", err)
		}
		switch m := msg.(type) {
		case *pgproto3.CopyData:
			if len(m.Data) == 0 {
				continue
			}
			switch m.Data[0] {
			case pglogrepl.PrimaryKeepaliveMessageByteID:
				ka, err := pglogrepl.ParsePrimaryKeepaliveMessage(m.Data[1:])
				if err != nil {
					return &DecodeError{Table: "keepalive", Err: err}
				}
				st.keepalives.Add(1)
				if ka.ReplyRequested {
					select {
					case reply <- struct{}{}:
					default:
					}
				}
				st.sawWALEnd(uint64(ka.ServerWALEnd))
				if err := dec.keepalive(uint64(ka.ServerWALEnd), send); err != nil {
					return err
				}
			case pglogrepl.XLogDataByteID:
				xld, err := pglogrepl.ParseXLogData(m.Data[1:])
				if err != nil {
					return &DecodeError{Table: "XLogData", Err: err}
				}
				st.sawWALEnd(uint64(xld.ServerWALEnd))
				lm, err := rows.parse(xld.WALData)
				if err != nil {
					return &DecodeError{Table: "pgoutput message", Err: err}
				}
				if err := dec.handle(ctx, uint64(xld.WALStart), lm, send); err != nil {
					return err
				}
			}
		case *pgproto3.ErrorResponse:
			return classifyReplError(st.cfg, "read replication stream", pgconn.ErrorResponseToPgError(m))
		case *pgproto3.CopyDone:
			return &ConnError{Op: "read replication stream", Err: errors.New("server ended the replication stream")}
		}
	}
}

// classifyReplError turns a replication error into a typed one: a missing
// or invalidated slot, or removed WAL, is a lost slot (terminal); a slot used
// by another connection and network failures are retryable.
func classifyReplError(cfg *Config, op string, err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		msg := strings.ToLower(pgErr.Message)
		switch {
		case pgErr.Code == "58P01" || strings.Contains(msg, "has already been removed"):
			return &SlotLostError{Slot: cfg.SlotName, Reason: "the WAL it needs was removed", Err: err}
		case pgErr.Code == "42704" && strings.Contains(msg, "publication"):
			return &SlotLostError{Slot: cfg.SlotName, Reason: fmt.Sprintf("pgoutput cannot decode its changes: publication %q did not exist when they were written "+
				"(the slot is older than the publication; create the publication before the slot)", cfg.PublicationName), Err: err}
		case pgErr.Code == "42704" && strings.Contains(msg, "replication slot"):
			return &SlotLostError{Slot: cfg.SlotName, Reason: "it does not exist any more", Err: err}
		case pgErr.Code == "55000" && (strings.Contains(msg, "invalidated") || strings.Contains(msg, "can no longer")):
			return &SlotLostError{Slot: cfg.SlotName, Reason: "Postgres invalidated it", Err: err}
		case pgErr.Code == "55006":
			return &ConnError{Op: op + fmt.Sprintf(" (slot %q is in use by another connection: is a second instance of this connector running?)", cfg.SlotName), Err: err}
		case pgErr.Code == "42501":
			return &PrerequisiteError{Problems: []error{fmt.Errorf("%s: %w: grant the role REPLICATION (ALTER ROLE ... WITH REPLICATION)", op, err)}}
		case strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57P") || strings.HasPrefix(pgErr.Code, "53"):
			return &ConnError{Op: op, Err: err}
		}
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	return &ConnError{Op: op, Err: err}
}

// decoder turns pgoutput messages into events. It runs on the producer
// goroutine; it buffers one event so that it can mark the last event of each
// transaction when COMMIT arrives.
type decoder struct {
	st   *Stream
	cfg  *Config
	rels map[uint32]*tableInfo // nil value: relation not captured
	// q is the query connection while a RELATION message is handled
	// (catalogConn), nil otherwise.
	q *pgx.Conn

	cp *change.Position // streaming checkpoint still ahead of the stream; nil once passed
	// resume is where a Debezium offset left a transaction (see
	// resumeAt); resumeTx is true inside that transaction.
	resume   *resumeAt
	resumeTx bool
	// hold keeps the slot where a checkpoint set from an offset put it
	// until the first event (Stream.moved): no end without events is sent.
	hold bool

	// snapshot regions, while some streamed transactions may be in them
	state     *snapState
	stateJSON json.RawMessage // the positions' State: the regions and the schema versions
	stateGen  int             // st.versionsGen when stateJSON was made
	snapIdx   map[string]int
	// inRegion tells the region filter whether a region holds the
	// transaction in progress (made once: the filter runs per event).
	inRegion func(regionMark) bool

	inTx       bool
	skipAll    bool
	xid        uint32
	commitLSN  uint64
	commitTime time.Time
	index      int64
	emitted    bool
	buf        item // the last event, held until the next shows it is not its transaction's last
	lastCommit uint64
	lastKA     uint64
	consumed   uint64 // the end of the WAL read so far, between transactions (heartbeat.go)
	src        txSource
	origin     origin // the transaction's replication origin, if any

	// Transaction metadata (provide.transaction.metadata); tx is nil when
	// it is off. lsn is the WAL position of the message being handled and
	// beginLSN that of the transaction's BEGIN: Debezium's ids are
	// <xid>:<lsn of the message>.
	tx       *txmeta.Monitor
	lsn      uint64
	beginLSN uint64

	// catalog reads a captured relation from the catalog (nil when it is
	// gone); unit tests without a server replace it.
	catalog func(ctx context.Context, id uint32) (*tableInfo, error)

	sigs decoderSignals // signals (signals.go)
	// blkRows is set while a blocking snapshot's rows are sent: the
	// positions' base State then leaves its state out (blocking.go).
	blkRows bool
	// ctx is replicate's, for the incremental snapshot's reads
	// (incremental.go), which run between transactions.
	ctx context.Context
}

func newDecoder(st *Stream, cp *change.Position, state *snapState) *decoder {
	d := &decoder{st: st, cfg: st.cfg, rels: map[uint32]*tableInfo{}, cp: cp}
	d.catalog = d.catalogTable
	d.inRegion = func(m regionMark) bool { return m.holds(d.xid) }
	if d.cfg.TxMetadata {
		d.tx = txmeta.New(d.cfg.TxTopic)
	}
	if state != nil && state.needsFilter() {
		d.state = state
		d.snapIdx = map[string]int{}
		for i, n := range state.Tables {
			d.snapIdx[n] = i
		}
	}
	d.makeState()
	return d
}

// makeState encodes the State of the positions to come: the snapshot
// regions while they filter, and the schema versions.
func (d *decoder) makeState() {
	d.stateGen = d.st.versionsGen
	if d.state == nil && len(d.st.versions) == 0 && d.sigs.s.Next() == 0 && !d.st.inc.State().Running() && !d.st.blk.Running() {
		d.stateJSON = nil
		return
	}
	d.stateJSON = d.incState(d.baseState()) // incremental.go
}

func (d *decoder) dropRegions() {
	if d.state != nil {
		d.st.log.Info("stream passed the snapshot regions; no more changes are filtered", "lsn", pglogrepl.LSN(d.commitLSN).String())
	}
	d.state, d.snapIdx = nil, nil
	d.makeState()
}

// keepalive records, between transactions, that the server has sent
// everything before walEnd: once everything before is acknowledged, the slot
// may be confirmed up to walEnd.
func (d *decoder) keepalive(walEnd uint64, send func(item) error) error {
	if d.inTx || d.hold {
		return nil
	}
	d.read(walEnd)
	if err := d.incAt(walEnd, send); err != nil {
		return err
	}
	if walEnd > d.lastKA {
		d.lastKA = walEnd
		if err := send(item{End: &txEnd{End: walEnd}}); err != nil {
			return err
		}
	}
	return d.between(send)
}

// handle processes one pgoutput message starting at WAL position lsn.
func (d *decoder) handle(ctx context.Context, lsn uint64, msg pglogrepl.Message, send func(item) error) error {
	d.lsn = lsn
	switch m := msg.(type) {
	case *pglogrepl.RelationMessage:
		return d.relation(ctx, m)
	case *pglogrepl.OriginMessage:
		// Sent after BEGIN when the transaction was replayed from a
		// replication origin; Debezium reports it in source.origin and
		// source.origin_lsn.
		d.origin = origin{name: m.Name, lsn: int64(m.CommitLSN)}
		return nil
	case *pglogrepl.TypeMessage:
		d.st.cat.Invalidate(m.DataType) // a custom type changed: reload it when next used
		return nil
	case *pglogrepl.BeginMessage:
		d.inTx = true
		d.xid = m.Xid
		d.commitLSN = uint64(m.FinalLSN)
		d.commitTime = m.CommitTime
		d.index = 0
		d.emitted = false
		d.origin = origin{}
		d.beginLSN = lsn
		d.sigs.s.Begin()
		if d.tx != nil {
			d.tx.Reset()
		}
		if d.state != nil && d.commitLSN >= d.state.WAL {
			d.dropRegions()
		}
		d.skipAll = d.cp != nil && (d.commitLSN < d.cp.Tx || d.commitLSN == d.cp.Tx && d.cp.Last)
		d.resumeTx = d.resume != nil && !d.skipAll && d.resume.matches(d.xid)
		return d.incAt(d.commitLSN, send) // a window closes before the transaction's events
	case *pglogrepl.CommitMessage:
		d.signalCommit()
		end := &txEnd{Commit: d.commitLSN, End: uint64(m.TransactionEndLSN), Events: d.emitted}
		if d.buf.Ev != nil {
			// The last event carries its transaction's end, so that an Ack of
			// it can confirm the transaction without another Next.
			d.buf.Ev.Pos.Last = true
			d.buf.End = end
			if d.tx != nil && d.tx.Total() > 0 {
				d.buf.Ev.TxEnd = d.tx.End(d.txID(lsn), d.commitTime)
			}
			if err := send(d.buf); err != nil {
				return err
			}
			d.buf = item{}
		} else if d.tx != nil && !d.skipAll && d.tx.Total() == 0 {
			// A transaction without captured events: Debezium writes its
			// BEGIN and END all the same (event_count 0).
			end.Events = true
			if err := send(item{Ev: d.emptyTx(lsn), End: end, Size: 256}); err != nil {
				return err
			}
		} else if d.hold {
			// Not confirmed to the slot before the first event (hold).
		} else if err := send(item{End: end}); err != nil {
			return err
		}
		if d.cp != nil && d.commitLSN >= d.cp.Tx {
			d.cp = nil
		}
		if d.resumeTx {
			d.resume, d.resumeTx = nil, false
		}
		// Debezium's sequence starts with the LSN of the last COMMIT message
		// it read, which is the end of the commit record.
		d.lastCommit = uint64(m.TransactionEndLSN)
		d.inTx = false
		d.read(uint64(m.TransactionEndLSN))
		if err := d.incAt(d.consumed, send); err != nil {
			return err
		}
		return d.between(send)
	case *pglogrepl.InsertMessage:
		d.signalInsert(m)
		if d.skipAll {
			return nil
		}
		t, err := d.rel(m.RelationID)
		if t == nil || err != nil {
			return err
		}
		if d.st.inc.WindowOpen() || d.st.blk.Waiting() {
			d.incRow(t, m.Tuple, nil)
		}
		after, err := decodeTuple(t, m.Tuple, nil)
		if err != nil {
			return d.failed(err, lsn)
		}
		return d.emit(d.event(change.OpCreate, t, nil, after, lsn), t, d.filterKey(t, m.Tuple), tupleSize(m.Tuple), send)
	case *pglogrepl.UpdateMessage:
		if d.skipAll {
			return nil
		}
		t, err := d.rel(m.RelationID)
		if t == nil || err != nil {
			return err
		}
		if d.st.inc.WindowOpen() || d.st.blk.Waiting() {
			d.incOldRow(t, m.OldTupleType, m.OldTuple)
			d.incRow(t, m.NewTuple, m.OldTuple)
		}
		return d.failed(d.update(t, m, lsn, send), lsn)
	case *pglogrepl.DeleteMessage:
		if d.skipAll {
			return nil
		}
		t, err := d.rel(m.RelationID)
		if t == nil || err != nil {
			return err
		}
		if d.st.inc.WindowOpen() || d.st.blk.Waiting() {
			d.incOldRow(t, m.OldTupleType, m.OldTuple)
		}
		before, err := beforeImage(t, m.OldTupleType, m.OldTuple)
		if err != nil {
			return d.failed(err, lsn)
		}
		return d.emit(d.event(change.OpDelete, t, before, nil, lsn), t, d.filterKey(t, m.OldTuple), tupleSize(m.OldTuple), send)
	case *pglogrepl.TruncateMessage:
		if d.skipAll {
			return nil
		}
		for _, id := range m.RelationIDs {
			t, err := d.rel(id)
			if err != nil {
				return err
			}
			if t == nil {
				continue
			}
			if d.st.inc.WindowOpen() {
				d.incWhole(t)
			}
			if err := d.emit(d.event(change.OpTruncate, t, nil, nil, lsn), t, nil, 256, send); err != nil {
				return err
			}
		}
		return nil
	case *pglogrepl.LogicalDecodingMessage:
		return d.message(lsn, m, send)
	}
	// Other messages carry nothing to emit.
	return nil
}

// filterKey is the key emit needs for the snapshot-region filter: nil, and
// not computed, once the stream has passed the regions.
func (d *decoder) filterKey(t *tableInfo, tup *pglogrepl.TupleData) []string {
	if d.state == nil {
		return nil
	}
	return tupleKey(t, tup, nil)
}

// rel returns the captured table of a relation id, or nil when the table is
// not captured.
func (d *decoder) rel(id uint32) (*tableInfo, error) {
	t, ok := d.rels[id]
	if !ok {
		return nil, &DecodeError{Table: fmt.Sprintf("relation %d", id), Err: errors.New("change before its RELATION message")}
	}
	return t, nil
}

func (d *decoder) update(t *tableInfo, m *pglogrepl.UpdateMessage, lsn uint64, send func(item) error) error {
	var old *pglogrepl.TupleData
	if m.OldTupleType == pglogrepl.UpdateMessageTupleTypeOld {
		old = m.OldTuple
	}
	after, err := decodeTuple(t, m.NewTuple, old)
	if err != nil {
		return err
	}
	newKey := tupleKey(t, m.NewTuple, m.OldTuple)
	size := tupleSize(m.NewTuple) + tupleSize(m.OldTuple)
	if m.OldTuple != nil && len(t.recKey) > 0 {
		oldKey := tupleKey(t, m.OldTuple, nil)
		changed := !equalStrings(oldKey, newKey)
		if !slices.Equal(t.recKey, t.Key) { // message.key.columns
			changed = !equalStrings(tupleCols(t.recKey, m.OldTuple, nil), tupleCols(t.recKey, m.NewTuple, m.OldTuple))
		}
		if changed {
			// A key change: a delete of the old key and a create of the new
			// one, as Debezium emits it (REFERENCE §2).
			before, err := beforeImage(t, m.OldTupleType, m.OldTuple)
			if err != nil {
				return err
			}
			newKeyJSON, oldKeyJSON := keyJSON(t, after), keyJSON(t, before) // before event maps the rows' values
			del := d.event(change.OpDelete, t, before, nil, lsn)
			cre := d.event(change.OpCreate, t, nil, after, lsn)
			del.Headers = []change.Header{{Key: "__debezium.newkey", Value: newKeyJSON}}
			cre.Headers = []change.Header{{Key: "__debezium.oldkey", Value: oldKeyJSON}}
			if err := d.emit(del, t, oldKey, size, send); err != nil {
				return err
			}
			return d.emit(cre, t, newKey, size, send)
		}
	}
	var before change.Row
	if m.OldTupleType == pglogrepl.UpdateMessageTupleTypeOld {
		if before, err = decodeTuple(t, m.OldTuple, nil); err != nil {
			return err
		}
	}
	return d.emit(d.event(change.OpUpdate, t, before, after, lsn), t, newKey, size, send)
}

func (d *decoder) event(op change.Op, t *tableInfo, before, after change.Row, lsn uint64) *change.Event {
	keyRow := t.keyRow(before, after) // before finish maps the rows' values
	return &change.Event{
		Op:           op,
		Table:        t.Schema,
		KeyRow:       keyRow,
		Before:       t.finish(before),
		After:        t.finish(after),
		Source:       d.src.block(d.cfg, t.ID, d.commitTime, int64(d.xid), d.lastCommit, lsn, d.origin),
		SourceSchema: &sourceField,
		Commit:       d.commitTime,
	}
}

// emit applies skipped.operations, the snapshot-region filter and the
// checkpoint, numbers the event, and queues it behind the buffered one.
func (d *decoder) emit(ev *change.Event, t *tableInfo, key []string, size int, send func(item) error) error {
	if d.cfg.Skipped[byte(ev.Op)] {
		return nil
	}
	if d.state != nil && t != nil {
		if idx, ok := d.snapIdx[t.name()]; ok && capture.SkipStreamed(d.state.Regions, idx, key, t.keyKinds(), d.inRegion) {
			return nil
		}
	}
	i := d.index
	d.index++
	// Transaction metadata counts the events a checkpoint skips too: a
	// restart replays the transaction from its BEGIN (see package txmeta).
	var total, order int64
	if d.tx != nil && d.inTx {
		if t == nil {
			total, order = d.tx.CountAlone(txCollection(t))
		} else {
			total, order = d.tx.Count(txCollection(t))
		}
	}
	if d.cp != nil && d.commitLSN == d.cp.Tx && i <= d.cp.Index {
		return nil
	}
	if d.resumeTx && d.lsn <= d.resume.LSN {
		return nil // Debezium emitted it before the connector moved to sluice
	}
	if d.stateGen != d.st.versionsGen {
		d.makeState()
	}
	op := byte(ev.Op)
	if ev.Message != nil {
		op = 'm'
	}
	d.hold = false
	ev.Pos = change.Position{Tx: d.commitLSN, Index: i, State: d.stateJSON,
		XID: d.xid, LSN: d.lsn, PrevEnd: d.lastCommit, Micros: d.commitTime.UnixMicro(), Op: op}
	if total > 0 {
		d.txBlock(ev, total, order)
	}
	d.emitted = true
	if d.buf.Ev != nil {
		if err := send(d.buf); err != nil {
			return err
		}
	}
	d.buf = item{Ev: ev, Size: size}
	return nil
}

// relation records a RELATION message: the table it describes and, when
// its columns differ from the known schema, a new schema version.
func (d *decoder) relation(ctx context.Context, m *pglogrepl.RelationMessage) error {
	defer d.putConn()
	d.signalRelation(m)
	name := m.Namespace + "." + m.RelationName
	t := d.st.tables[name]
	fresh := t == nil // read from the catalog just now
	if t == nil {
		if !d.cfg.Captures(m.Namespace, m.RelationName) {
			d.rels[m.RelationID] = nil
			return nil
		}
		q, err := d.catalogConn(ctx)
		if err != nil {
			return err
		}
		ts, err := discoverTables(ctx, q, d.cfg, []uint32{m.RelationID})
		if err != nil {
			return err
		}
		if len(ts) == 0 {
			d.rels[m.RelationID] = nil
			return nil
		}
		t = ts[0]
		if err := buildSchema(ctx, d.st.cat, q, t, 1, d.cfg.Types, d.st.log, d.st.warned); err != nil {
			return err
		}
		d.st.adopt(t, nil, false)
		d.st.tables[name] = t
		d.st.log.Info("capturing a new table", "table", name)
	}
	changed := t.OID != m.RelationID || !sameColumns(t.Cols, m.Columns)
	var cat *tableInfo
	if !changed && !fresh {
		// The columns are the same, but a RELATION message also follows an
		// ALTER that changed a default, a NOT NULL or the key: Debezium
		// rebuilds the table's schema from the catalog on every RELATION
		// message, so compare with what the catalog says now.
		var err error
		if cat, err = d.catalog(ctx, m.RelationID); err != nil {
			return err
		}
		changed = cat != nil && !sameCatalog(t, cat)
	}
	if !changed && t.registryDiffers && t.plan != nil {
		changed = true // Debezium's schema from the RELATION message names int4, not serial
	}
	if changed {
		nt, err := d.refresh(ctx, t, m, cat)
		if err != nil {
			return err
		}
		d.st.adopt(nt, t, false)
		d.st.log.Info("table schema changed", "table", name, "version", nt.Schema.Version)
		d.incReread(nt.ID)
		t = nt
		d.st.tables[name] = t
	} else {
		d.st.confirm(t)
	}
	t.Identity = m.ReplicaIdentity
	d.rels[m.RelationID] = t
	return nil
}

func sameColumns(cols []colInfo, rc []*pglogrepl.RelationMessageColumn) bool {
	if len(cols) != len(rc) {
		return false
	}
	for i, c := range rc {
		if cols[i].Name != c.Name || cols[i].TypeOID != c.DataType || cols[i].Typmod != c.TypeModifier {
			return false
		}
	}
	return true
}

// catalogTable reads the captured table with relation id from the catalog,
// or returns nil when the catalog no longer has it.
func (d *decoder) catalogTable(ctx context.Context, id uint32) (*tableInfo, error) {
	q, err := d.catalogConn(ctx)
	if err != nil {
		return nil, err
	}
	ts, err := discoverTables(ctx, q, d.cfg, []uint32{id})
	if err != nil || len(ts) != 1 {
		return nil, err
	}
	return ts[0], nil
}

// sameCatalog reports whether the catalog's facts about t's columns (NOT
// NULL, default expression) and its key are those t was built from. Columns
// the catalog has and t has not (added after the WAL being decoded) are left
// for the RELATION message that brings them.
func sameCatalog(t, cat *tableInfo) bool {
	byName := make(map[string]*colInfo, len(cat.Cols))
	for i := range cat.Cols {
		byName[cat.Cols[i].Name] = &cat.Cols[i]
	}
	for _, c := range t.Cols {
		k := byName[c.Name]
		if k == nil {
			continue
		}
		if c.NotNull != k.NotNull || c.HasDefault != k.HasDefault || c.Default != k.Default {
			return false
		}
	}
	return t.HasPK == cat.HasPK && slices.Equal(t.Key, keyIndexes(t.Cols, cat))
}

// keyIndexes returns the indexes into cols of cat's key columns, or nil when
// one of them is not in cols.
func keyIndexes(cols []colInfo, cat *tableInfo) []int {
	var key []int
	for _, k := range cat.Key {
		found := false
		for i := range cols {
			if cols[i].Name == cat.Cols[k].Name {
				key = append(key, i)
				found = true
				break
			}
		}
		if !found {
			return nil
		}
	}
	return key
}

// refresh builds the next schema version of t from a RELATION message, with
// nullability, defaults, collation and key taken from the catalog (cat, or
// read now when cat is nil).
func (d *decoder) refresh(ctx context.Context, t *tableInfo, m *pglogrepl.RelationMessage, cat *tableInfo) (*tableInfo, error) {
	d.st.cat.Invalidate() // enums and domains may have changed with the table
	byName := map[string]colInfo{}
	var keyNames []string
	nt := &tableInfo{ID: t.ID, OID: m.RelationID, Identity: m.ReplicaIdentity, CanSelect: t.CanSelect, relation: true}
	if cat == nil {
		var err error
		if cat, err = d.catalog(ctx, m.RelationID); err != nil {
			return nil, err
		}
	}
	if cat != nil {
		for _, c := range cat.Cols {
			byName[c.Name] = c
		}
		for _, k := range cat.Key {
			keyNames = append(keyNames, cat.Cols[k].Name)
		}
		nt.HasPK = cat.HasPK
	}
	for _, c := range m.Columns {
		ci, ok := byName[c.Name]
		if !ok || ci.TypeOID != c.DataType {
			ci = colInfo{Name: c.Name, BaseOID: c.DataType, TypeName: fmt.Sprintf("oid %d", c.DataType)}
		}
		ci.TypeOID, ci.Typmod = c.DataType, c.TypeModifier
		nt.Cols = append(nt.Cols, ci)
	}
	for _, k := range keyNames {
		for i := range nt.Cols {
			if nt.Cols[i].Name == k {
				nt.Key = append(nt.Key, i)
			}
		}
	}
	if len(nt.Key) != len(keyNames) {
		nt.Key = nil
	}
	q, err := d.catalogConn(ctx)
	if err != nil {
		return nil, err
	}
	if err := buildSchema(ctx, d.st.cat, q, nt, t.Schema.Version, d.cfg.Types, d.st.log, d.st.warned); err != nil {
		return nil, err
	}
	return nt, nil
}

// catalogConn returns the query connection for the RELATION message being
// handled, opening it when it was closed (queryconn.go).
func (d *decoder) catalogConn(ctx context.Context) (*pgx.Conn, error) {
	if d.q == nil {
		q, err := d.st.query.get(ctx)
		if err != nil {
			return nil, err
		}
		d.q = q
	}
	return d.q, nil
}

// putConn hands back the query connection catalogConn took, if any.
func (d *decoder) putConn() {
	if d.q != nil {
		d.q = nil
		d.st.query.put()
	}
}

// decodeTuple converts a tuple to a row. An unchanged TOASTed value ('u')
// takes the old tuple's value when there is one, else the column's
// unavailable.value.placeholder representation (REFERENCE §5).
func decodeTuple(t *tableInfo, tup, old *pglogrepl.TupleData) (change.Row, error) {
	if tup == nil {
		return nil, nil
	}
	if len(tup.Columns) != len(t.Conv) {
		return nil, &DecodeError{Table: t.name(), Err: fmt.Errorf("tuple has %d columns, schema %d", len(tup.Columns), len(t.Conv))}
	}
	row := make(change.Row, len(tup.Columns))
	for i, c := range tup.Columns {
		switch c.DataType {
		case pglogrepl.TupleDataTypeNull:
		case pglogrepl.TupleDataTypeToast:
			if old != nil && i < len(old.Columns) && old.Columns[i].DataType == pglogrepl.TupleDataTypeText {
				v, err := t.Conv[i].Decode(old.Columns[i].Data)
				if err != nil {
					return nil, &DecodeError{Table: t.name(), Column: t.Cols[i].Name, Err: err}
				}
				row[i] = v
			} else {
				row[i] = t.Conv[i].Unavailable
			}
		case pglogrepl.TupleDataTypeText:
			v, err := t.Conv[i].Decode(c.Data)
			if err != nil {
				return nil, &DecodeError{Table: t.name(), Column: t.Cols[i].Name, Err: err}
			}
			row[i] = v
		default:
			return nil, &DecodeError{Table: t.name(), Column: t.Cols[i].Name, Err: fmt.Errorf("unexpected tuple data kind %q", c.DataType)}
		}
	}
	return row, nil
}

// beforeImage is the before image of a delete (or of the delete half of a
// key change): the full old row under REPLICA IDENTITY FULL ('O'), else the
// key columns with every other NOT NULL column at its default, else its
// type's fallback, and the nullable ones null, as Debezium does.
func beforeImage(t *tableInfo, kind uint8, old *pglogrepl.TupleData) (change.Row, error) {
	if old == nil {
		return nil, nil
	}
	row, err := decodeTuple(t, old, nil)
	if err != nil || kind == pglogrepl.DeleteMessageTupleTypeOld {
		return row, err
	}
	for i := range row {
		if row[i] == nil && t.Cols[i].NotNull && !t.Conv[i].Drop && t.plan.Kept(i) {
			// row is in Cols order; the schema leaves dropped and excluded columns out.
			if d := t.Schema.Columns[schemaIndex(t.keep, i)].Default; d != nil {
				row[i] = d
			} else {
				row[i] = t.Conv[i].Fallback
			}
		}
	}
	return row, nil
}

// tupleKey returns the key columns' text forms from tup (old supplies
// unchanged TOASTed key values), or nil for a keyless table.
func tupleKey(t *tableInfo, tup, old *pglogrepl.TupleData) []string {
	return tupleCols(t.Key, tup, old)
}

// tupleCols returns the text forms of columns cols of tup (old supplies
// unchanged TOASTed values), or nil when there are none.
func tupleCols(cols []int, tup, old *pglogrepl.TupleData) []string {
	if len(cols) == 0 || tup == nil {
		return nil
	}
	k := make([]string, len(cols))
	for i, c := range cols {
		if c >= len(tup.Columns) {
			return nil
		}
		col := tup.Columns[c]
		if col.DataType == pglogrepl.TupleDataTypeToast && old != nil && c < len(old.Columns) {
			col = old.Columns[c]
		}
		k[i] = string(col.Data)
	}
	return k
}

func tupleSize(tup *pglogrepl.TupleData) int {
	if tup == nil {
		return 0
	}
	n := 256
	for _, c := range tup.Columns {
		n += 24 + len(c.Data)
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
		n, _ := json.Marshal(t.Cols[c].Name)
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

// txCollection is Debezium's data collection of an event of table t (nil
// for a logical decoding message): "schema.table", or for a message the
// identifier of Debezium's LogicalDecodingMessageId (Debezium names each
// message's collection after a Java object identity instead, which cannot be
// reproduced; like Debezium's, each message is a collection of its own).
func txCollection(t *tableInfo) string {
	if t == nil {
		return "LOGICAL_DECODING_MESSAGE"
	}
	return t.ID.Namespace + "." + t.ID.Name
}

// txID is Debezium's transaction id of the message at lsn: <xid>:<lsn>.
func (d *decoder) txID(lsn uint64) string {
	b := make([]byte, 0, 32)
	b = strconv.AppendUint(b, uint64(d.xid), 10)
	b = append(b, ':')
	b = strconv.AppendUint(b, lsn, 10)
	return string(b)
}

// emptyTx returns the event of a transaction that ends at the COMMIT
// message at lsn without a captured event: its BEGIN record, with its END
// record after it, alone in the transaction (Index 0, Last).
func (d *decoder) emptyTx(lsn uint64) *change.Event {
	if d.stateGen != d.st.versionsGen {
		d.makeState()
	}
	return &change.Event{
		Message: d.tx.Begin(d.txID(d.beginLSN), d.commitTime),
		TxEnd:   d.tx.End(d.txID(lsn), d.commitTime),
		Commit:  d.commitTime,
		Pos:     change.Position{Tx: d.commitLSN, Index: 0, Last: true, State: d.stateJSON},
	}
}

// txBlock gives ev, the event of the transaction in progress with the
// orders Count gave, its transaction block, and the transaction's BEGIN
// record when it is the first event.
func (d *decoder) txBlock(ev *change.Event, total, order int64) {
	blk := txmeta.Block(d.txID(d.lsn), total, order)
	if ev.Message != nil {
		// A logical decoding message's value has the block at "transaction".
		ev.Message.Value[messageTxAt] = change.StructValue{blk.ID, blk.TotalOrder, blk.DataCollectionOrder}
	} else {
		ev.Tx = blk
	}
	if total == 1 {
		ev.TxBegin = d.tx.Begin(d.txID(d.beginLSN), d.commitTime)
	}
}
