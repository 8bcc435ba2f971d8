package mysql

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	gomysql "github.com/go-mysql-org/go-mysql/mysql"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/captureopts"
	"github.com/sluicecdc/sluice/connectors/change"
)

// snapshotRun is a snapshot in progress: its transaction is open on st.q.
type snapshotRun struct {
	state      cpState
	stateJSON  json.RawMessage
	at         binlogPos // this run's snapshot coordinate
	gtids      string    // the GTID set at it, for the schema history
	startTable int
	startAfter []string // resume after this key; nil = from the table's start
	startCount int64    // rows of the start table already read
	fresh      bool     // a new snapshot: its first row is marked "first"
	ts         time.Time
	// tableTS is source.ts_ms of the rows of the table being read: the
	// server's CURRENT_TIMESTAMP (whole seconds) when its reading began, as
	// Debezium reads it per table.
	tableTS time.Time
	// schemaSkip is the number of the snapshot's schema-change records
	// already in Kafka (a restart among them); schema whether they are
	// still to be written.
	schemaSkip int64
	schema     bool
	// catchUp is set when a resumed snapshot first reads the binlog from
	// its origin to this run's coordinate (resume.go); origin then holds
	// the first change of each row not read yet.
	catchUp *catchUp
	origin  *pendingRows
	// workers are the further connections of a parallel snapshot
	// (snapshot.max.threads), each in a transaction at the coordinate at.
	workers []*client.Conn
	// par is set when the snapshot reads in parallel: where its ranges
	// stand (a fresh one's is empty).
	par *capture.ParState
}

// currentPosition reads the server's current binlog coordinate and the GTIDs
// executed before it.
func currentPosition(q *client.Conn, info *serverInfo) (restartPoint, error) {
	r, err := q.Execute("SHOW MASTER STATUS")
	if err != nil {
		var myErr *gomysql.MyError
		if errors.As(err, &myErr) && myErr.Code == gomysql.ER_PARSE_ERROR {
			r, err = q.Execute("SHOW BINARY LOG STATUS") // MySQL 8.4
		}
		if err != nil {
			return restartPoint{}, &ConnError{Op: "read the binlog position (SHOW MASTER STATUS)", Err: err}
		}
	}
	if len(r.Values) == 0 {
		return restartPoint{}, &PrerequisiteError{Problems: []error{errors.New("SHOW MASTER STATUS returned nothing: the binary log is off; start the server with log_bin")}}
	}
	var at restartPoint
	at.File, _ = r.GetString(0, 0)
	pos, _ := r.GetUint(0, 1)
	at.Pos = uint32(pos)
	if !info.MariaDB && info.GTIDs && len(r.Fields) >= 5 {
		g, _ := r.GetString(0, 4)
		at.GTIDs = strings.ReplaceAll(strings.TrimSpace(g), "\n", "")
	}
	if info.MariaDB {
		g, err := gtidAt(q, at.binlogPos)
		if err != nil {
			return restartPoint{}, err
		}
		at.GTIDs = g
	}
	return at, nil
}

// gtidAt returns the MariaDB GTID position of a binlog coordinate.
func gtidAt(q *client.Conn, p binlogPos) (string, error) {
	r, err := q.Execute("SELECT BINLOG_GTID_POS(" + quoteString(p.File) + ", " + strconv.FormatUint(uint64(p.Pos), 10) + ")")
	if err != nil {
		return "", &ConnError{Op: "read the GTID position of " + p.String(), Err: err}
	}
	s, _ := r.GetString(0, 0)
	return s, nil
}

// beginSnapshot opens the consistent-snapshot transaction on st.q, reads
// the binlog coordinate it is consistent with, and decides where reading
// starts. cp is a snapshot checkpoint to resume (nil: a fresh snapshot).
func (st *Stream) beginSnapshot(ctx context.Context, cp *change.Position, state *cpState, ids []change.TableID) (err error) {
	q := st.q
	exec := func(op, sql string) (*gomysql.Result, error) {
		r, err := q.Execute(sql)
		if err != nil {
			return nil, &ConnError{Op: op, Err: err}
		}
		return r, nil
	}
	if _, err := exec("set isolation level", "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ"); err != nil {
		return err
	}
	lock := st.cfg.snapshotLocks()
	var workers []*client.Conn
	if n := st.cfg.Capture.Threads; n > 1 {
		if workers, err = openWorkers(ctx, st.cfg, n-1); err != nil {
			return err
		}
		defer func() {
			if err != nil {
				closeAll(workers)
			}
		}()
	}
	if lock {
		if _, err := exec("lock tables for the snapshot position (FLUSH TABLES WITH READ LOCK)", "FLUSH TABLES WITH READ LOCK"); err != nil {
			return err
		}
	}
	var at restartPoint
	if !st.info.MariaDB && lock {
		// MySQL: read the position while writes are blocked.
		if at, err = currentPosition(q, &st.info); err != nil {
			_, _ = q.Execute("UNLOCK TABLES")
			return err
		}
	}
	if _, err := exec("start the snapshot transaction", "START TRANSACTION WITH CONSISTENT SNAPSHOT"); err != nil {
		_, _ = q.Execute("UNLOCK TABLES")
		return err
	}
	if st.info.MariaDB {
		// The exact coordinate of this transaction's snapshot, lock or not.
		if at.binlogPos, err = snapshotCoordinate(q); err != nil {
			return err
		}
	}
	if workers != nil {
		// The workers' transactions join this one (parallel.go).
		var ok bool
		if at.binlogPos, ok, err = joinSnapshot(q, workers, at.binlogPos, st.info.MariaDB, lock); err != nil {
			_, _ = q.Execute("UNLOCK TABLES")
			return err
		}
		if !ok {
			st.log.Info("snapshot.max.threads: the snapshot connections did not start at one binlog coordinate (snapshot.locking.mode=none and writes in between, or MySQL without the lock); reading on one connection", "threads", len(workers)+1)
			closeAll(workers)
			workers = nil
		}
	}
	if st.info.MariaDB {
		if at.File != "" {
			if at.GTIDs, err = gtidAt(q, at.binlogPos); err != nil {
				return err
			}
		}
	} else if !lock {
		if at, err = currentPosition(q, &st.info); err != nil {
			return err
		}
		st.log.Warn("snapshot.locking.mode=none on MySQL: the binlog position read beside the snapshot may be later than the snapshot; changes committed in between can be missed")
	}
	if lock && st.cfg.SnapshotLocking != LockingExtended { // extended: unlocked when the snapshot ends
		if _, err := exec("unlock tables", "UNLOCK TABLES"); err != nil {
			return err
		}
	}
	if at.File == "" && st.cfg.Capture.Policy.Stream {
		return &PrerequisiteError{Problems: []error{errors.New("the server reports no binlog position for the snapshot: enable the binary log (log_bin)")}}
	}
	r, err := exec("read the snapshot time", "SELECT UNIX_TIMESTAMP(NOW(3))")
	if err != nil {
		return err
	}
	tsText, _ := r.GetString(0, 0)
	tsf, _ := strconv.ParseFloat(tsText, 64)
	run := &snapshotRun{at: at.binlogPos, gtids: at.GTIDs, ts: time.UnixMilli(int64(tsf * 1000)).UTC(), workers: workers}

	if cp == nil {
		names := make([]string, 0, len(ids))
		for _, id := range ids {
			if st.cfg.Capture.Snapshots(id.String()) {
				names = append(names, id.String())
			}
		}
		run.state = cpState{Restart: at, Tables: names, Regions: []region{{Table: 0, Mark: regionMark{At: at.binlogPos}}}}
		run.fresh, run.schema = true, true
		st.log.Info("snapshot started", "at", at.String(), "tables", len(names))
	} else {
		if state == nil {
			return &DecodeError{Table: "checkpoint", Err: errors.New("snapshot checkpoint without state")}
		}
		run.state = *state
		if cp.Snapshot && cp.Table == "" {
			// A restart among the snapshot's schema-change records: no row
			// was written yet. Write the rest of them, then every table,
			// as a snapshot that starts at the new coordinate.
			run.fresh, run.schema, run.schemaSkip = true, true, cp.Index
			run.state.Restart = at
			run.state.Regions = []region{{Table: 0, Mark: regionMark{At: at.binlogPos}}}
			if workers != nil {
				run.par = &capture.ParState{}
			}
			st.snap = run
			st.log.Info("resuming snapshot at its schema records", "records_written", cp.Index, "at", at.String())
			return nil
		}
		ti := slices.Index(run.state.Tables, cp.Table)
		if ti < 0 {
			return &DecodeError{Table: "checkpoint", Err: fmt.Errorf("snapshot table %q is not in the checkpoint's table list", cp.Table)}
		}
		run.startTable = ti
		var key []string
		if len(cp.Key) > 0 && string(cp.Key) != "null" {
			if err := json.Unmarshal(cp.Key, &key); err != nil {
				return &DecodeError{Table: "checkpoint", Err: fmt.Errorf("snapshot key: %w", err)}
			}
		}
		if key == nil {
			st.log.Warn("resuming the snapshot inside a table without a usable key: reading it again from its start; its rows may repeat", "table", cp.Table)
		} else {
			run.startCount = cp.Index
		}
		run.startAfter = key
		switch {
		case run.state.Par != nil:
			// A parallel snapshot: every range resumes after its cursor,
			// the checkpoint row's after the row (parallel.go).
			par := run.state.Par.ResumeAt(key, cp.Index)
			run.par, run.state.Par = &par, nil
		case workers != nil:
			// A sequential one goes on in parallel: its table in progress
			// as one range.
			run.par = &capture.ParState{Next: ti + 1, Cur: -1, Ranges: []capture.ParRange{
				{Table: ti, Last: true, After: key, Rows: run.startCount}}}
		}
		switch {
		case len(run.state.Regions) > 1:
			// A checkpoint of an earlier version, whose stream drops the
			// changes a later region's rows hold: go on that way.
			run.state.Regions = append(slices.Clone(run.state.Regions), region{Table: ti, After: key, Mark: regionMark{At: at.binlogPos}})
			st.log.Info("resuming snapshot in a new region", "table", cp.Table, "rows_read", run.startCount, "at", at.String())
		case st.cfg.Capture.Policy.Stream && at.File != "":
			// The binlog from the origin to this snapshot's coordinate
			// is read first (resume.go).
			run.catchUp = &catchUp{origin: run.state.Restart, tables: run.state.Tables, cursor: region{Table: ti, After: key}, stop: at.binlogPos}
			if run.par != nil {
				run.catchUp.unreadIn = parUnread(*run.par)
			}
			st.log.Info("resuming snapshot", "table", cp.Table, "rows_read", run.startCount, "origin", run.state.Restart.String(), "at", at.String())
		default:
			st.log.Info("resuming snapshot", "table", cp.Table, "rows_read", run.startCount, "at", at.String())
		}
	}
	if run.par == nil && run.fresh && workers != nil {
		run.par = &capture.ParState{}
	}
	st.snap = run
	return nil
}

// runSnapshot reads the snapshot's tables from where beginSnapshot decided,
// sends their rows as "r" events, ends the transaction and returns the
// state streaming starts with.
func (st *Stream) runSnapshot(ctx context.Context) (*cpState, error) {
	run := st.snap
	defer closeAll(run.workers)
	if run.catchUp != nil {
		var err error
		if run.origin, err = st.collectOrigin(ctx, run.catchUp); err != nil {
			return nil, err
		}
	}
	// The schema-change records come first; reading them also reads the
	// tables' models.
	var ddls []snapDDL
	if run.schema && st.cfg.writesSchemaRecords() {
		var err error
		if ddls, err = st.snapshotDDL(ctx, st.q); err != nil {
			return nil, err
		}
	}
	// Describe every table first so the state carries their versions.
	tabs := make([]*tableInfo, len(run.state.Tables))
	for ti := run.startTable; ti < len(run.state.Tables); ti++ {
		db, name, _ := strings.Cut(run.state.Tables[ti], ".")
		model, err := st.model(ctx, st.q, db, name)
		if err != nil {
			return nil, err
		}
		t, err := describeTable(ctx, st.q, change.TableID{Namespace: db, Name: name}, 0, st.cfg.Types, model)
		if err != nil {
			return nil, err
		}
		if t != nil {
			tabs[ti] = st.adopt(t)
		}
	}
	run.state.Schemas = st.schemasSnapshot()
	var err error
	if run.stateJSON, err = json.Marshal(run.state); err != nil {
		return nil, err
	}
	if err := st.emitSnapshotDDL(ctx, run, ddls, run.schemaSkip, false); err != nil {
		return nil, err
	}
	e := &capture.Emitter{SnapshotIdx: srcSnapshotIdx, Fresh: run.fresh, SendAll: func(ctx context.Context, its []capture.Item) error { return st.pipe.SendAll(ctx, its) }}
	if run.par != nil {
		if err := st.runParallel(ctx, run, e, tabs); err != nil {
			return nil, err
		}
	} else {
		b := capture.Backfill{Log: st.log, Tables: len(run.state.Tables), Start: run.startTable, StartAfter: run.startAfter,
			StartCount: run.startCount, ChunkSize: st.cfg.SnapshotFetchSize, Emitter: e}
		if err := b.Run(ctx, &snapScan{st: st, run: run, tabs: tabs}); err != nil {
			return nil, err
		}
	}
	if _, err := st.q.Execute("COMMIT"); err != nil {
		return nil, &ConnError{Op: "end snapshot transaction", Err: err}
	}
	if st.cfg.SnapshotLocking == LockingExtended {
		if _, err := st.q.Execute("UNLOCK TABLES"); err != nil {
			return nil, &ConnError{Op: "unlock tables after the snapshot (snapshot.locking.mode=extended)", Err: err}
		}
		st.log.Info("global read lock released (snapshot.locking.mode=extended)")
	}
	st.log.Info("snapshot done")
	return &run.state, nil
}

// snapScan reads the tables of a snapshot for capture.Backfill.
type snapScan struct {
	st   *Stream
	run  *snapshotRun
	tabs []*tableInfo // by index in the snapshot's table list; nil: gone
	t    *tableInfo   // the table being read
	sel  tableSelect
}

func (s *snapScan) Table(ti int) (string, int, bool) {
	s.t = s.tabs[ti]
	if s.t == nil {
		s.st.log.Warn("table to snapshot no longer exists; skipped", "table", s.run.state.Tables[ti])
		return "", 0, false
	}
	return s.t.name(), len(s.t.Key), true
}

func (s *snapScan) Begin(context.Context, int) (bool, error) {
	run := s.run
	run.tableTS = run.ts
	if r, err := s.st.q.Execute("SELECT UNIX_TIMESTAMP()"); err == nil && len(r.Values) > 0 {
		if secs, err := r.GetInt(0, 0); err == nil {
			run.tableTS = time.Unix(secs, 0).UTC()
		}
	}
	sel, err := s.st.tableSelect(s.t)
	if err != nil {
		return false, err
	}
	s.sel = sel
	return sel.chunked, nil
}

func (s *snapScan) Chunk(ctx context.Context, ti int, e *capture.Emitter, after []string, count *int64) (int, []string, error) {
	return s.st.readChunk(ctx, s.run, e, s.t, s.sel, ti, after, count)
}

// End gives the rows after the last one read that were at the origin (a
// table read whole was read at C: resume.go).
func (s *snapScan) End(ctx context.Context, ti int, e *capture.Emitter, chunked bool, count *int64) error {
	if rest, _ := s.run.origin.upTo(ti, nil, s.t.keyKinds()); chunked && len(rest) > 0 {
		if _, err := s.st.pushOrigin(ctx, s.run, e, s.t, ti, rest, count); err != nil {
			return err
		}
	}
	return nil
}

// readEvent returns the "r" event of row, a row of t (named name, its
// t.name() read once a chunk) read at run's coordinate with key keyJSON, as
// of the table's time ts; boxes holds the boxed source values of the
// goroutine that reads it. Pos.Index and Pos.State are the caller's.
func (st *Stream) readEvent(run *snapshotRun, t *tableInfo, name string, ts time.Time, src *snapBlocks, row change.Row, keyJSON json.RawMessage) *change.Event {
	si := srcInfo{ts: ts, snapshot: "true", db: t.ID.Namespace, table: t.ID.Name, file: run.at.File, pos: run.at.Pos}
	keyRow := t.keyRow(nil, row) // before finish maps the row's values
	// The loop releases the event (change/pool.go).
	return change.Pooled(change.Event{
		Op:           change.OpRead,
		Table:        t.Schema,
		KeyRow:       keyRow,
		After:        t.finish(row),
		Source:       src.get(st.cfg, si),
		SourceSchema: st.src,
		Commit:       run.ts,
		Pos: change.Position{
			Snapshot: true,
			Table:    name,
			Key:      keyJSON,
		},
	})
}

// chunkError is the error of reading a snapshot chunk of t: the context's
// when it ended, a decode or failed-event error as it is, else a ConnError.
func chunkError(ctx context.Context, t *tableInfo, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var de *DecodeError
	var fe *captureopts.FailedEventError
	if errors.As(err, &de) || errors.As(err, &fe) {
		return err
	}
	return &ConnError{Op: "read snapshot chunk of " + t.name(), Err: err}
}

var numericLiteralRE = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)

// keyLiteral renders a key value's text form as an SQL literal for key
// column m.
func keyLiteral(m *ColumnMeta, s string) string {
	typ := m.Type
	switch {
	case mariaDBBinaryType(m, parseColumnType(m.ColumnType)) != "":
		// UUID, INET4, INET6: the bytes BINARY col gives, not the text's.
		if b, ok := capture.BinaryOfText(s); ok {
			return "X'" + hex.EncodeToString(b) + "'"
		}
		return quoteString(s)
	case kindOf(typ) == capture.Numeric && numericLiteralRE.MatchString(s):
		return s
	case stringType(typ):
		return "X'" + hex.EncodeToString([]byte(s)) + "'"
	}
	return quoteString(s)
}

// chunkQuery returns the query for the next chunk of t after key (nil: from
// the start), ordered by the key with string columns in byte order. A
// keyless table is read whole.
func chunkQuery(t *tableInfo, after []string, limit int) string {
	return rangeChunkQuery(t, after, nil, limit)
}

// rangeChunkQuery is chunkQuery within a key range of a parallel snapshot:
// keys at most hi (nil: no bound).
func rangeChunkQuery(t *tableInfo, after, hi []string, limit int) string {
	cols := make([]string, len(t.Meta))
	for i, c := range t.Meta {
		cols[i] = quoteIdent(c.Name)
	}
	sql := "SELECT " + strings.Join(cols, ", ") + " FROM " + t.quoted()
	if len(t.Key) == 0 {
		return sql
	}
	keys := make([]string, len(t.Key))
	for i, k := range t.Key {
		keys[i] = quoteIdent(t.Meta[k].Name)
		if stringType(t.Meta[k].Type) {
			keys[i] = "BINARY " + keys[i]
		}
	}
	if after != nil {
		lits := make([]string, len(t.Key))
		for i, k := range t.Key {
			lits[i] = keyLiteral(&t.Meta[k], after[i])
		}
		if len(keys) == 1 {
			sql += " WHERE " + keys[0] + " > " + lits[0]
		} else {
			sql += " WHERE (" + strings.Join(keys, ", ") + ") > (" + strings.Join(lits, ", ") + ")"
		}
	}
	if hi != nil {
		if after != nil {
			sql += " AND "
		} else {
			sql += " WHERE "
		}
		sql += keyBound(t, "<=", hi)
	}
	return sql + " ORDER BY " + strings.Join(keys, ", ") + " LIMIT " + strconv.Itoa(limit)
}

// readChunk reads one chunk of t and queues its rows. count is the number of
// rows read from t so far. It returns the rows read and the last key.
func (st *Stream) readChunk(ctx context.Context, run *snapshotRun, e *capture.Emitter, t *tableInfo, sel tableSelect, ti int, after []string, count *int64) (int, []string, error) {
	sql := sel.query(t, after, st.cfg.SnapshotFetchSize)
	name := t.name() // each row's Pos.Table
	n := 0
	pushed := false
	var keys capture.ChunkKeys
	var res gomysql.Result
	var texts [][]byte // each row's column texts, reused from row to row
	err := st.q.ExecuteSelectStreaming(sql, &res, func(vals []gomysql.FieldValue) error {
		if len(vals) != len(t.Conv) {
			return &DecodeError{Table: t.name(), Err: fmt.Errorf("snapshot row has %d columns, schema %d", len(vals), len(t.Conv))}
		}
		row := make(change.Row, len(vals))
		size := eventHeap + valueHeap*len(vals) // as rowSize
		if len(texts) != len(vals) {
			texts = make([][]byte, len(vals))
		}
		var derr error
		for i := range vals {
			b, null := FieldText(vals[i])
			texts[i] = b
			if null {
				continue
			}
			size += len(b)
			x, err := t.Conv[i].FromText(b)
			if err != nil && derr == nil {
				derr = &DecodeError{Table: t.name(), Column: t.Meta[i].Name, Err: err}
			}
			row[i] = x
		}
		var keyJSON json.RawMessage
		var key []string // made only for a resume's check below
		if sel.chunked {
			keyJSON, key = keys.Row(texts, t.Key, run.origin != nil)
		}
		n++
		if run.origin != nil && sel.chunked {
			// The rows that changed since the snapshot's origin are
			// given as they were then, in key order (resume.go).
			before, same := run.origin.upTo(ti, key, t.keyKinds())
			if same != nil {
				before = append(slices.Clip(before), same)
			}
			if len(before) > 0 {
				k, err := st.pushOrigin(ctx, run, e, t, ti, before, count)
				if err != nil {
					return err
				}
				pushed = pushed || k > 0
			}
			if same != nil {
				return nil
			}
		}
		if derr != nil {
			// event.processing.failure.handling.mode: fail, or skip the row.
			return st.cfg.Capture.Failure(st.log, derr, snapshotWhere(t, keyJSON))
		}
		*count++
		pushed = true
		ev := st.readEvent(run, t, name, run.tableTS, &st.snapSrc, row, keyJSON)
		ev.Pos.Index, ev.Pos.State = *count, run.stateJSON
		return e.Push(ctx, capture.SnapRow{Ev: ev, Table: ti, FirstInTable: *count == 1, Size: size})
	}, nil)
	if err != nil {
		return 0, nil, chunkError(ctx, t, err)
	}
	if pushed {
		if err := e.EndChunk(ctx); err != nil {
			return 0, nil, err
		}
	}
	last, err := keys.Last()
	if err != nil {
		return 0, nil, &DecodeError{Table: t.name(), Err: err}
	}
	return n, last, nil
}
