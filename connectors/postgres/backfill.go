package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
)

// snapState is the snapshot bookkeeping carried in positions' State: the
// tables to read (in order), the slot's start, and the regions read so far.
type snapState struct {
	Tables  []string `json:"tables,omitempty"`
	LSN     uint64   `json:"lsn,omitempty"`     // slot consistent point / confirmed_flush_lsn at the snapshot
	Regions []region `json:"regions,omitempty"` // in reading order
	// WAL is the WAL insert position read right after the last region's
	// snapshot was taken: no transaction committing at or after it is
	// visible in any region.
	WAL uint64 `json:"wal,omitempty"`
	// Schemas holds each captured table's schema version and the
	// fingerprint of its columns, so that a restart numbers versions where
	// the last run left off. Streamed positions carry it too, after the
	// regions are dropped.
	Schemas schemaMap `json:"schemas,omitempty"`
	// Resume is set only in a checkpoint made from a Debezium offset
	// (offsets.go): where Debezium left the transaction it was in.
	Resume *resumeAt `json:"dbz_resume,omitempty"`
	// Moved is set in a checkpoint made from an offset: Open checks that
	// the slot still holds what follows it.
	Moved bool `json:"moved,omitempty"`
	// Sig is the signal topic's next offset to read (capture.SignalOffset).
	Sig int64 `json:"sig,omitempty"`
	// Par is a parallel snapshot's progress (capture.Parallel; parallel.go).
	Par *capture.ParState `json:"par,omitempty"`
}

// needsFilter reports whether streamed changes must be checked against the
// regions (only regions neither exported nor exact filter).
func (s *snapState) needsFilter() bool {
	for _, r := range s.Regions {
		if !r.Mark.Exported && !r.Mark.Exact {
			return true
		}
	}
	return false
}

// snapshotRun is a snapshot in progress: its transaction is open on q.
type snapshotRun struct {
	q *pgx.Conn // st.q, or a connection of its own when resuming
	// touched holds the rows (table index and key) a resumed snapshot must
	// not read: the stream emits their changes (resume.go).
	touched    *capture.Pending[struct{}]
	state      snapState
	stateJSON  json.RawMessage
	startTable int
	startAfter []string         // resume after this key; nil = from the table's start
	startCount int64            // rows of the start table already read
	par        capture.ParState // where a parallel snapshot starts (parallel.go)
	fresh      bool             // a new snapshot: its first row is marked "first"
	ts         time.Time
	txid       int64
}

// beginSnapshot opens the snapshot transaction on st.q and decides where
// reading starts. It runs in Open, while the replication connection is idle,
// so that an exported snapshot is still valid.
func (st *Stream) beginSnapshot(ctx context.Context, plan *openPlan) error {
	if plan.cp != nil && st.cfg.Capture.Policy.Stream {
		return st.beginResume(ctx, plan)
	}
	q := st.q
	if _, err := q.Exec(ctx, "BEGIN ISOLATION LEVEL REPEATABLE READ"); err != nil {
		return &ConnError{Op: "begin snapshot transaction", Err: err}
	}
	if plan.exported != "" {
		if _, err := q.Exec(ctx, "SET TRANSACTION SNAPSHOT '"+strings.ReplaceAll(plan.exported, "'", "''")+"'"); err != nil {
			return &ConnError{Op: "import the slot's snapshot", Err: err}
		}
	}
	var snapText, walText string
	var ts time.Time
	var txid int64
	// The transaction's snapshot is taken by this first statement; the WAL
	// insert position read after it is beyond every commit it sees.
	err := q.QueryRow(ctx, `SELECT pg_current_snapshot()::text, pg_current_wal_insert_lsn()::text, current_timestamp, txid_current()`).
		Scan(&snapText, &walText, &ts, &txid)
	if err != nil {
		return &ConnError{Op: "read snapshot", Err: err}
	}
	snap, err := parsePgSnapshot(snapText)
	if err != nil {
		return &DecodeError{Table: "pg_current_snapshot()", Err: err}
	}
	wal, err := parseLSN(walText)
	if err != nil {
		return &DecodeError{Table: "pg_current_wal_insert_lsn()", Err: err}
	}
	run := &snapshotRun{q: q, ts: ts, txid: txid, par: capture.ParState{Cur: -1}}
	snapOnly := !st.cfg.Capture.Policy.Stream
	cp := plan.cp

	if cp == nil {
		names := make([]string, 0, len(st.tables))
		for n, t := range st.tables {
			if t.CanSelect && st.cfg.Capture.Snapshots(n) {
				names = append(names, n)
			}
		}
		run.state = snapState{Tables: snapshotOrder(names, st.cfg.TableInclude), LSN: plan.startLSN}
		run.fresh = true
		switch {
		case snapOnly:
			run.state.LSN = wal
		case plan.exported != "":
			run.state.Regions = []region{{Table: 0, Mark: regionMark{Exported: true}}}
			run.state.WAL = wal
		default:
			// The slot already existed: its confirmed position is not this
			// snapshot's, so the stream is filtered by it.
			run.state.Regions = []region{{Table: 0, Mark: regionMark{Snap: snap}}}
			run.state.WAL = wal
		}
	} else {
		if err := json.Unmarshal(cp.State, &run.state); err != nil {
			return &DecodeError{Table: "checkpoint", Err: fmt.Errorf("snapshot state: %w", err)}
		}
		cur, err := st.snapshotCursor(cp, &run.state)
		if err != nil {
			return err
		}
		run.startTable, run.startAfter, run.startCount = cur.Table, cur.After, cur.Rows
		if st.parallel(run) {
			if run.par, err = parResume(&run.state, cp, cur); err != nil {
				return err
			}
		}
		st.log.Info("resuming snapshot", "table", cp.Table, "rows_read", run.startCount, "snapshot", snapText)
	}
	run.state.Schemas = st.versions
	run.stateJSON, err = json.Marshal(run.state)
	if err != nil {
		return err
	}
	st.snap = run
	return nil
}

// snapshotOrder orders the tables to snapshot ("schema.table") as Debezium
// does (RelationalSnapshotChangeEventSource): for each table.include.list
// entry in turn, the tables it matches that no earlier entry matched, in
// name order; without a table.include.list, every table in name order.
// Tables no entry matches (there are none when the list is set, since it
// decides what is captured) come last, in name order.
func snapshotOrder(names []string, include []*regexp.Regexp) []string {
	sorted := slices.Clone(names)
	slices.Sort(sorted)
	if len(include) == 0 {
		return sorted
	}
	out := make([]string, 0, len(sorted))
	seen := make(map[string]bool, len(sorted))
	for _, re := range include {
		for _, n := range sorted {
			if !seen[n] && re.MatchString(n) {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	for _, n := range sorted {
		if !seen[n] {
			out = append(out, n)
		}
	}
	return out
}

// runSnapshot reads the snapshot's tables from where beginSnapshot decided,
// sends their rows as "r" events, commits the transaction and returns the
// state streaming needs.
func (st *Stream) runSnapshot(ctx context.Context) (*snapState, error) {
	run := st.snap
	if st.parallel(run) {
		return st.runParallel(ctx)
	}
	e := &capture.Emitter{SnapshotIdx: 4, Fresh: run.fresh, SendAll: func(ctx context.Context, its []capture.Item) error { return st.pipe.SendAll(ctx, its) }}
	b := capture.Backfill{Log: st.log, Tables: len(run.state.Tables), Start: run.startTable, StartAfter: run.startAfter,
		StartCount: run.startCount, ChunkSize: st.cfg.SnapshotFetchSize, Emitter: e}
	if err := b.Run(ctx, &snapScan{st: st, run: run}); err != nil {
		return nil, err
	}
	if _, err := run.q.Exec(ctx, "COMMIT"); err != nil {
		return nil, &ConnError{Op: "end snapshot transaction", Err: err}
	}
	if run.q != st.q {
		run.q.Close(ctx) // a resumed snapshot's own connection
	}
	st.log.Info("snapshot done")
	return &run.state, nil
}

// snapScan reads the tables of a snapshot for capture.Backfill.
type snapScan struct {
	st  *Stream
	run *snapshotRun
	t   *tableInfo // the table being read
	sel tableSelect
}

func (s *snapScan) Table(ti int) (string, int, bool) {
	name := s.run.state.Tables[ti]
	s.t = s.st.tables[name]
	if s.t == nil {
		s.st.log.Warn("table to snapshot no longer exists or is no longer captured; skipped", "table", name)
		return name, 0, false
	}
	return name, len(s.t.Key), true
}

func (s *snapScan) Begin(ctx context.Context, _ int) (bool, error) {
	sel, err := s.st.tableSelect(ctx, s.run.q, s.t)
	if err != nil {
		return false, err
	}
	s.sel = sel
	return sel.chunked, nil
}

func (s *snapScan) Chunk(ctx context.Context, ti int, e *capture.Emitter, after []string, count *int64) (int, []string, error) {
	return s.st.readChunk(ctx, s.run, e, s.t, s.sel, ti, after, count)
}

func (s *snapScan) End(context.Context, int, *capture.Emitter, bool, *int64) error { return nil }

// chunkQuery returns the query for the next chunk of t after key (nil: from
// the start), ordered by the key with text columns in byte order. A keyless
// table is read whole, unordered.
func chunkQuery(t *tableInfo, after []string, limit int) (string, [][]byte, []uint32) {
	return rangeQuery(t, after, nil, limit)
}

// rangeQuery is chunkQuery for the keys after after and at most upTo (nil:
// no bound), a range of a parallel snapshot.
func rangeQuery(t *tableInfo, after, upTo []string, limit int) (string, [][]byte, []uint32) {
	cols := make([]string, len(t.Cols))
	for i, c := range t.Cols {
		cols[i] = pgx.Identifier{c.Name}.Sanitize()
	}
	sql := "SELECT " + strings.Join(cols, ", ") + " FROM " + t.quoted()
	if len(t.Key) == 0 {
		return sql, nil, nil
	}
	keys := keyCols(t)
	var params [][]byte
	var oids []uint32
	var where []string
	bound := func(key []string, op string) {
		ph := make([]string, len(t.Key))
		for i, k := range t.Key {
			ph[i] = "$" + strconv.Itoa(len(params)+1)
			params = append(params, []byte(key[i]))
			oids = append(oids, t.Cols[k].TypeOID)
		}
		where = append(where, "("+strings.Join(keys, ", ")+") "+op+" ("+strings.Join(ph, ", ")+")")
	}
	if after != nil {
		bound(after, ">")
	}
	if upTo != nil {
		bound(upTo, "<=")
	}
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	sql += " ORDER BY " + strings.Join(keys, ", ") + " LIMIT " + strconv.Itoa(limit)
	return sql, params, oids
}

// readChunk reads one chunk of t and queues its rows. count is the number of
// rows read from t so far. It returns the rows read and the last key.
func (st *Stream) readChunk(ctx context.Context, run *snapshotRun, e *capture.Emitter, t *tableInfo, sel tableSelect, ti int, after []string, count *int64) (int, []string, error) {
	sql, params, oids := sel.query(t, after, st.cfg.SnapshotFetchSize)
	pushed := false
	n, last, err := st.scanChunk(ctx, run.q, run, &st.snapSrc, t, sel.chunked, false, ti, sql, params, oids, func(ev *change.Event, _ []string, size int) error {
		*count++
		pushed = true
		ev.Pos.Index = *count
		ev.Pos.State = run.stateJSON
		return e.Push(ctx, capture.SnapRow{Ev: ev, Table: ti, FirstInTable: *count == 1, Size: size})
	})
	if err != nil {
		return 0, nil, err
	}
	if pushed {
		if err := e.EndChunk(ctx); err != nil {
			return 0, nil, err
		}
	}
	return n, last, nil
}

// scanChunk runs the chunk query sql on q and decodes its rows (t's, index
// ti in the snapshot's list; chunked: keyed by t.Key), calling row for each
// row to send with its event (Pos.Snapshot, Table and Key set). It leaves
// out the rows a resumed snapshot must not read and the rows
// event.processing.failure.handling.mode skips. It returns the rows read
// and the last key. row is given each row's key when withKey is set (nil
// otherwise: making it for every row cost a snapshot two allocations a row).
func (st *Stream) scanChunk(ctx context.Context, q *pgx.Conn, run *snapshotRun, src *snapSource, t *tableInfo, chunked, withKey bool, ti int,
	sql string, params [][]byte, oids []uint32, row func(ev *change.Event, key []string, size int) error) (int, []string, error) {
	rr := q.PgConn().ExecParams(ctx, sql, params, oids, nil, nil)
	name := t.name() // each row's Pos.Table
	n := 0
	var keys capture.ChunkKeys
	for rr.NextRow() {
		vals := rr.Values()
		if len(vals) != len(t.Conv) {
			rr.Close()
			return 0, nil, &DecodeError{Table: t.name(), Err: fmt.Errorf("snapshot row has %d columns, schema %d", len(vals), len(t.Conv))}
		}
		r := make(change.Row, len(vals))
		size := 256
		var derr error
		for i, v := range vals {
			if v == nil {
				continue
			}
			size += 24 + len(v)
			x, err := t.Conv[i].SnapshotDecode(v)
			if err != nil {
				derr = &DecodeError{Table: t.name(), Column: t.Cols[i].Name, Err: err}
				break
			}
			r[i] = x
		}
		var keyJSON json.RawMessage
		var key []string // the row's key when needed: withKey, or a resume's check below
		if chunked {
			keyJSON, key = keys.Row(vals, t.Key, withKey || run.touched != nil)
		}
		n++
		if run.touched != nil && chunked && run.touched.Has(ti, key) {
			continue // its changes are streamed (resume.go)
		}
		keyRow := t.keyRow(nil, r) // before finish maps the row's values
		if derr != nil {
			// event.processing.failure.handling.mode: fail, or skip the row.
			if err := st.cfg.Capture.Failure(st.log, derr, snapshotWhere(t, keyJSON)); err != nil {
				rr.Close()
				return 0, nil, err
			}
			continue
		}
		ev := change.Pooled(change.Event{ // the loop releases it (change/pool.go)
			Op:           change.OpRead,
			Table:        t.Schema,
			KeyRow:       keyRow,
			After:        t.finish(r),
			Source:       src.get(st.cfg, t.ID, run.ts, run.txid, run.state.LSN),
			SourceSchema: &sourceField,
			Commit:       run.ts,
			Pos: change.Position{
				Snapshot: true,
				Table:    name,
				Key:      keyJSON,
			},
		})
		if err := row(ev, key, size); err != nil {
			rr.Close()
			return 0, nil, err
		}
	}
	if _, err := rr.Close(); err != nil {
		if ctx.Err() != nil {
			return 0, nil, ctx.Err()
		}
		return 0, nil, &ConnError{Op: "read snapshot chunk of " + t.name(), Err: err}
	}
	last, err := keys.Last()
	if err != nil {
		return 0, nil, &DecodeError{Table: t.name(), Err: err}
	}
	return n, last, nil
}

// parseLSN parses Postgres's "X/Y" LSN text.
func parseLSN(s string) (uint64, error) {
	hi, lo, ok := strings.Cut(s, "/")
	if !ok {
		return 0, fmt.Errorf("malformed LSN %q", s)
	}
	h, err := strconv.ParseUint(hi, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("malformed LSN %q", s)
	}
	l, err := strconv.ParseUint(lo, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("malformed LSN %q", s)
	}
	return h<<32 | l, nil
}
