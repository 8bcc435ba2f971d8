package mysql

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	gomysql "github.com/go-mysql-org/go-mysql/mysql"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
)

// runParallel reads the snapshot's tables with capture.Parallel on the
// stream's connection and the run's workers.
func (st *Stream) runParallel(ctx context.Context, run *snapshotRun, e *capture.Emitter, tabs []*tableInfo) error {
	e.Interleaved = true
	if run.origin != nil {
		run.origin.rows.Sort(func(ti int) capture.KeyOrder {
			if ti < len(tabs) && tabs[ti] != nil {
				return tabs[ti].keyKinds()
			}
			return nil
		})
	}
	threads := len(run.workers) + 1
	st.log.Info("snapshot reads in parallel", "threads", threads, "at", run.at.String())
	p := capture.Parallel{Log: st.log, Tables: len(run.state.Tables), Threads: threads, ChunkSize: st.cfg.SnapshotFetchSize,
		Parts: st.cfg.Capture.Parts, State: *run.par, Emitter: e,
		StateJSON: func(par *capture.ParState) (json.RawMessage, error) {
			s := run.state
			s.Par = par
			return json.Marshal(s)
		}}
	return p.Run(ctx, newParScan(st, run, tabs))
}

// parUnread says which rows a resumed parallel snapshot has not read
// (catchUp.unreadIn): those of the tables not begun, and those after the
// cursor of their range in the tables begun and not done.
func parUnread(par capture.ParState) func(ti int, key []string, order capture.KeyOrder) bool {
	return func(ti int, key []string, order capture.KeyOrder) bool {
		if ti >= par.Next {
			return true
		}
		var in *capture.ParRange // the range of ti with the least Hi at or above key
		for i := range par.Ranges {
			r := &par.Ranges[i]
			if r.Table != ti || (r.Hi != nil && order.Compare(key, r.Hi) > 0) {
				continue
			}
			if in == nil || r.Hi != nil && (in.Hi == nil || order.Compare(r.Hi, in.Hi) < 0) {
				in = r
			}
		}
		if in == nil {
			return false // the table is done
		}
		return !in.Done && (in.After == nil || order.Compare(key, in.After) > 0)
	}
}

// parScan reads the tables of a parallel snapshot (capture.Parallel) on
// the stream's connection and the run's workers, all in transactions at
// the run's coordinate (parallel.go).
type parScan struct {
	st   *Stream
	run  *snapshotRun
	tabs []*tableInfo // by index in the snapshot's table list; nil: gone
	prep []parTable   // by the same index
}

// parTable is how a table is read, settled once by the first worker that
// plans or reads it.
type parTable struct {
	gone sync.Once // logs that the table is gone, once
	once sync.Once
	sel  tableSelect
	ts   time.Time // source.ts_ms of its rows: when its reading began
	err  error
}

func newParScan(st *Stream, run *snapshotRun, tabs []*tableInfo) *parScan {
	return &parScan{st: st, run: run, tabs: tabs, prep: make([]parTable, len(tabs))}
}

func (s *parScan) Table(ti int) (string, int, bool) {
	t := s.tabs[ti]
	if t == nil {
		s.prep[ti].gone.Do(func() {
			s.st.log.Warn("table to snapshot no longer exists; skipped", "table", s.run.state.Tables[ti])
		})
		return "", 0, false
	}
	return t.name(), len(t.Key), true
}

// Worker returns worker w: the stream's own connection for w 0, else the
// run's connection w-1. The snapshot closes them when it ends.
func (s *parScan) Worker(_ context.Context, w int) (capture.ParWorker, error) {
	q := s.st.q
	if w > 0 {
		if w > len(s.run.workers) {
			return nil, fmt.Errorf("parallel snapshot worker %d has no connection (%d opened)", w, len(s.run.workers)+1)
		}
		q = s.run.workers[w-1]
	}
	return &parWorker{s: s, q: q}, nil
}

// table settles how table ti is read, on q.
func (s *parScan) table(q *client.Conn, ti int) (*parTable, error) {
	p := &s.prep[ti]
	p.once.Do(func() {
		p.ts = s.run.ts
		if r, err := q.Execute("SELECT UNIX_TIMESTAMP()"); err == nil && len(r.Values) > 0 {
			if secs, err := r.GetInt(0, 0); err == nil {
				p.ts = time.Unix(secs, 0).UTC()
			}
		}
		p.sel, p.err = s.st.tableSelectOn(q, s.tabs[ti])
	})
	return p, p.err
}

// parWorker reads on one connection of a parallel snapshot.
type parWorker struct {
	s   *parScan
	q   *client.Conn
	src snapBlocks // this worker's snapshot source blocks
}

// Plan settles how table ti is read and, for a large table read by its
// key (no override SELECT), cuts it into parts ranges at keys the
// snapshot holds.
func (w *parWorker) Plan(_ context.Context, ti, parts int, minRows int64) (bool, [][]string, error) {
	p, err := w.s.table(w.q, ti)
	if err != nil {
		return false, nil, err
	}
	t := w.s.tabs[ti]
	if !p.sel.chunked || p.sel.override != "" || parts < 2 {
		return p.sel.chunked, nil, nil
	}
	rows, err := estimateRows(w.q, t.ID.Namespace, t.ID.Name)
	if err != nil || rows < minRows {
		return true, nil, err
	}
	bounds, err := splitBounds(w.q, t, parts, rows)
	return true, bounds, err
}

// Chunk reads the rows of table ti after after and at most upTo, as
// readChunk does. In a resumed snapshot the rows that changed since its
// origin are given as they were then (resume.go), and at the range's end
// (fewer rows than limit) those after its last row.
func (w *parWorker) Chunk(ctx context.Context, ti int, after, upTo []string, limit int,
	row func(ev *change.Event, key []string, size int) error) (int, []string, error) {
	s := w.s
	st, run, t := s.st, s.run, s.tabs[ti]
	p, err := s.table(w.q, ti)
	if err != nil {
		return 0, nil, err
	}
	sql := p.sel.query(t, after, limit)
	if upTo != nil {
		sql = rangeChunkQuery(t, after, upTo, limit)
	}
	kinds := t.keyKinds()
	name := t.name() // each row's Pos.Table
	origin := func(rows []*originRow) error {
		for _, r := range rows {
			if r.before == nil {
				continue // inserted after the origin
			}
			if err := row(st.originEvent(run, t, p.ts, r), r.key, eventHeap+valueHeap*len(r.before)); err != nil {
				return err
			}
		}
		return nil
	}
	n := 0
	last := after
	var res gomysql.Result
	err = w.q.ExecuteSelectStreaming(sql, &res, func(vals []gomysql.FieldValue) error {
		r, texts, size, derr := snapshotRow(t, vals)
		if texts == nil {
			return derr
		}
		var key []string
		var keyJSON json.RawMessage
		if p.sel.chunked {
			key = make([]string, len(t.Key))
			for i, k := range t.Key {
				key[i] = string(texts[k])
			}
			keyJSON, _ = json.Marshal(key)
		}
		n++
		if run.origin != nil && p.sel.chunked {
			before, same := run.origin.between(ti, last, key, kinds)
			last = key
			if same != nil {
				before = append(before, same)
			}
			if err := origin(before); err != nil {
				return err
			}
			if same != nil {
				return nil
			}
		}
		last = key
		if derr != nil {
			// event.processing.failure.handling.mode: fail, or skip the row.
			return st.cfg.Capture.Failure(st.log, derr, snapshotWhere(t, keyJSON))
		}
		return row(st.readEvent(run, t, name, p.ts, &w.src, r, keyJSON), key, size)
	}, nil)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return 0, nil, err // the snapshot's context, from the queue
		}
		return 0, nil, chunkError(ctx, t, err)
	}
	if run.origin != nil && p.sel.chunked && n < limit {
		// The range's end: the rows after its last that were at the origin.
		rest, same := run.origin.between(ti, last, upTo, kinds)
		if same != nil {
			rest = append(rest, same)
		}
		if err := origin(rest); err != nil {
			return 0, nil, err
		}
	}
	return n, last, nil
}

// Close leaves the connection to the snapshot, which ends its transaction.
func (w *parWorker) Close() error { return nil }

// estimateRows reads information_schema.TABLES.TABLE_ROWS of db.name on q:
// InnoDB's estimate, -1 when there is none.
func estimateRows(q *client.Conn, db, name string) (int64, error) {
	r, err := q.Execute("SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = " +
		quoteString(db) + " AND TABLE_NAME = " + quoteString(name))
	if err != nil {
		return -1, &ConnError{Op: "estimate rows of " + db + "." + name, Err: err}
	}
	if r.RowNumber() == 0 {
		return -1, nil
	}
	if null, _ := r.IsNull(0, 0); null {
		return -1, nil
	}
	return r.GetInt(0, 0)
}
