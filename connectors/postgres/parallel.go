package postgres

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
)

// A parallel snapshot (snapshot.max.threads > 1, capture.Parallel) reads on
// the snapshot transaction's connection and on snapshot.max.threads-1 more,
// each a REPEATABLE READ transaction that imports the snapshot transaction's
// snapshot (pg_export_snapshot() in it, then SET TRANSACTION SNAPSHOT): the
// slot's exported snapshot on a fresh start, the temporary slot's on a
// resumed one (resume.go), so every worker reads exactly what the
// sequential snapshot would. A table is split into ranges when it may hold
// capture.Parallel.SplitMinRows rows; the bounds are quantiles of a sample
// of its pages (splitBounds).

// parallel reports whether the snapshot runs on capture.Parallel: with
// snapshot.max.threads > 1, or to resume a checkpoint a parallel snapshot
// made.
func (st *Stream) parallel(run *snapshotRun) bool {
	return st.cfg.Capture.Threads > 1 || run.state.Par != nil
}

// parResume returns where a parallel snapshot resumed from checkpoint cp
// starts: its ParState after cp's row, or a sequential checkpoint's cursor
// as the one range of its table.
func parResume(state *snapState, cp *change.Position, cur scanCursor) (capture.ParState, error) {
	if state.Par == nil {
		return capture.ParState{Next: cur.Table + 1, Cur: -1, Ranges: []capture.ParRange{
			{Table: cur.Table, Last: true, After: cur.After, Rows: cur.Rows}}}, nil
	}
	var key []string
	if len(cp.Key) > 0 && string(cp.Key) != "null" {
		if err := json.Unmarshal(cp.Key, &key); err != nil {
			return capture.ParState{}, &DecodeError{Table: "checkpoint", Err: err}
		}
	}
	return state.Par.ResumeAt(key, cp.Index), nil
}

// parRegions returns the regions a resumed parallel snapshot reads under
// its new snapshot: each range not done, after its cursor, and the tables
// not begun.
func parRegions(par capture.ParState, tables int) []region {
	var out []region
	for _, r := range par.Ranges {
		if !r.Done {
			out = append(out, region{Table: r.Table, After: r.After, Only: true, Hi: r.Hi, Mark: regionMark{Exact: true}})
		}
	}
	if par.Next < tables {
		out = append(out, region{Table: par.Next, Mark: regionMark{Exact: true}})
	}
	return out
}

// runParallel is runSnapshot on capture.Parallel.
func (st *Stream) runParallel(ctx context.Context) (*snapState, error) {
	run := st.snap
	var share string
	if err := run.q.QueryRow(ctx, "SELECT pg_export_snapshot()").Scan(&share); err != nil {
		return nil, &ConnError{Op: "export the snapshot to the parallel snapshot's connections", Err: err}
	}
	e := &capture.Emitter{SnapshotIdx: 4, Fresh: run.fresh, Interleaved: true, SendAll: func(ctx context.Context, its []capture.Item) error { return st.pipe.SendAll(ctx, its) }}
	base := run.state
	p := capture.Parallel{Log: st.log, Tables: len(run.state.Tables), Threads: max(1, st.cfg.Capture.Threads), Parts: st.cfg.Capture.Parts,
		ChunkSize: st.cfg.SnapshotFetchSize, State: run.par, Emitter: e,
		StateJSON: func(par *capture.ParState) (json.RawMessage, error) {
			s := base
			s.Par = par
			return json.Marshal(s)
		}}
	st.log.Info("parallel snapshot", "threads", p.Threads, "ranges_per_large_table", p.Parts)
	if err := p.Run(ctx, &pgPar{st: st, run: run, share: share, sels: map[int]tableSelect{}}); err != nil {
		return nil, err
	}
	if _, err := run.q.Exec(ctx, "COMMIT"); err != nil {
		return nil, &ConnError{Op: "end snapshot transaction", Err: err}
	}
	if run.q != st.q {
		run.q.Close(ctx)
	}
	st.log.Info("snapshot done")
	run.state.Par = nil
	return &run.state, nil
}

// pgPar is a snapshot's side of capture.Parallel.
type pgPar struct {
	st    *Stream
	run   *snapshotRun
	share string // the exported snapshot the workers import

	mu     sync.Mutex
	sels   map[int]tableSelect // by table index, once planned
	warned map[int]bool
}

func (p *pgPar) Table(ti int) (string, int, bool) {
	name := p.run.state.Tables[ti]
	t := p.st.tables[name]
	if t == nil {
		p.mu.Lock()
		defer p.mu.Unlock()
		if !p.warned[ti] {
			if p.warned == nil {
				p.warned = map[int]bool{}
			}
			p.warned[ti] = true
			p.st.log.Warn("table to snapshot no longer exists or is no longer captured; skipped", "table", name)
		}
		return name, 0, false
	}
	return name, len(t.Key), true
}

// Worker opens worker w: the snapshot transaction's own connection for the
// first, a new one importing its snapshot for the others.
func (p *pgPar) Worker(ctx context.Context, w int) (capture.ParWorker, error) {
	if w == 0 {
		return &pgWorker{p: p, q: p.run.q}, nil
	}
	q, err := connectQuery(ctx, p.st.cfg)
	if err != nil {
		return nil, err
	}
	if _, err := q.Exec(ctx, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); err != nil {
		q.Close(context.Background())
		return nil, &ConnError{Op: "begin a parallel snapshot transaction", Err: err}
	}
	if _, err := q.Exec(ctx, "SET TRANSACTION SNAPSHOT '"+strings.ReplaceAll(p.share, "'", "''")+"'"); err != nil {
		q.Close(context.Background())
		return nil, &ConnError{Op: "import the snapshot into a parallel snapshot connection", Err: err}
	}
	return &pgWorker{p: p, q: q, own: true}, nil
}

// sel returns how table ti is read, deciding it once (tableSelect) on q.
func (p *pgPar) sel(ctx context.Context, q *pgx.Conn, ti int, t *tableInfo) (tableSelect, error) {
	p.mu.Lock()
	sel, ok := p.sels[ti]
	p.mu.Unlock()
	if ok {
		return sel, nil
	}
	sel, err := p.st.tableSelect(ctx, q, t)
	if err != nil {
		return sel, err
	}
	p.mu.Lock()
	p.sels[ti] = sel
	p.mu.Unlock()
	return sel, nil
}

// pgWorker reads on one connection of a parallel snapshot.
type pgWorker struct {
	p   *pgPar
	q   *pgx.Conn
	own bool       // q is the worker's own (closed with it)
	src snapSource // the rows' source blocks, per worker
}

func (w *pgWorker) table(ti int) *tableInfo { return w.p.st.tables[w.p.run.state.Tables[ti]] }

func (w *pgWorker) Plan(ctx context.Context, ti, parts int, minRows int64) (bool, [][]string, error) {
	t := w.table(ti)
	sel, err := w.p.sel(ctx, w.q, ti, t)
	if err != nil || !sel.chunked || sel.override != "" || parts < 2 {
		// An override SELECT is read as one range, as Debezium reads it.
		return sel.chunked, nil, err
	}
	bounds, err := splitBounds(ctx, w.q, t, parts, minRows)
	return true, bounds, err
}

func (w *pgWorker) Chunk(ctx context.Context, ti int, after, upTo []string, limit int,
	row func(ev *change.Event, key []string, size int) error) (int, []string, error) {
	t := w.table(ti)
	sel, err := w.p.sel(ctx, w.q, ti, t)
	if err != nil {
		return 0, nil, err
	}
	var sql string
	var params [][]byte
	var oids []uint32
	if upTo != nil {
		sql, params, oids = rangeQuery(t, after, upTo, limit)
	} else {
		sql, params, oids = sel.query(t, after, limit)
	}
	return w.p.st.scanChunk(ctx, w.q, w.p.run, &w.src, t, sel.chunked, true, ti, sql, params, oids, row)
}

func (w *pgWorker) Close() error {
	if !w.own {
		return nil // the snapshot transaction is committed by runParallel
	}
	_, err := w.q.Exec(context.Background(), "COMMIT")
	w.q.Close(context.Background())
	return err
}

// Sampling for splitBounds.
const (
	// minTupleBytes is the least a heap row takes of a page: a tuple
	// header (24 bytes, aligned) and its line pointer (4). A table of fewer
	// than minRows × minTupleBytes bytes cannot hold minRows rows.
	minTupleBytes = 28
	// samplePagesPerPart is how many pages TABLESAMPLE SYSTEM reads per
	// range to place the bounds.
	samplePagesPerPart = 64
)

// splitBounds returns up to parts-1 keys that split t into ranges of about
// equal rows, nil when t holds fewer than minRows rows. They are the
// greatest keys of the first parts-1 of parts tiles (ntile) of a sample of
// t's pages (TABLESAMPLE SYSTEM), read in the snapshot and ordered as the
// chunk query orders keys, so that they ascend in the scan's order. A
// sample needs no statistics: a table loaded just before the snapshot has
// none (pg_stats is filled by ANALYZE), and its quantiles are as good.
func splitBounds(ctx context.Context, q *pgx.Conn, t *tableInfo, parts int, minRows int64) ([][]string, error) {
	var size, block int64
	err := q.QueryRow(ctx, `SELECT pg_relation_size($1::regclass), current_setting('block_size')::bigint`, t.quoted()).Scan(&size, &block)
	if err != nil {
		return nil, &ConnError{Op: "read the size of " + t.name(), Err: err}
	}
	if size/minTupleBytes < minRows {
		return nil, nil
	}
	pct := 100.0
	if pages := size / block; pages > 0 {
		pct = min(100, 100*float64(samplePagesPerPart*parts)/float64(pages))
	}
	cols := make([]string, len(t.Key))
	for i, k := range t.Key {
		cols[i] = pgx.Identifier{t.Cols[k].Name}.Sanitize()
	}
	order := keyCols(t)
	desc := make([]string, len(order))
	for i, o := range order {
		desc[i] = o + " DESC"
	}
	list := strings.Join(cols, ", ")
	sql := "SELECT DISTINCT ON (sluice_tile) sluice_n, " + list + " FROM (SELECT " + list +
		", ntile(" + strconv.Itoa(parts) + ") OVER (ORDER BY " + strings.Join(order, ", ") + ") AS sluice_tile, count(*) OVER () AS sluice_n FROM " +
		t.quoted() + " TABLESAMPLE SYSTEM (" + strconv.FormatFloat(pct, 'f', 6, 64) + ")) AS sluice_sample ORDER BY sluice_tile, " + strings.Join(desc, ", ")
	rr := q.PgConn().ExecParams(ctx, sql, nil, nil, nil, nil)
	var bounds [][]string
	var sampled int64
	for rr.NextRow() {
		vals := rr.Values()
		sampled, _ = strconv.ParseInt(string(vals[0]), 10, 64)
		key := make([]string, len(t.Key))
		for i, v := range vals[1:] {
			key[i] = string(v)
		}
		bounds = append(bounds, key)
	}
	if _, err := rr.Close(); err != nil {
		return nil, &ConnError{Op: "sample " + t.name() + " to split its snapshot", Err: err}
	}
	if float64(sampled)*100/pct < float64(minRows) || len(bounds) < 2 {
		return nil, nil
	}
	return bounds[:len(bounds)-1], nil
}
