package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
)

// lsnCursor is a WAL position as a capture.Cursor.
type lsnCursor uint64

// Order is the LSN itself, as Position.Tx holds commit LSNs.
func (c lsnCursor) Order() uint64 { return uint64(c) }

// incView is one chunk read of an incremental snapshot on Postgres: a
// REPEATABLE READ READ ONLY transaction on its own connection. Its
// watermark is a Visibility one: pg_current_snapshot() decides which
// transactions it sees, and the WAL insert position read after the
// snapshot was taken (L) is beyond every commit it sees, so a streamed
// transaction committing at or after L comes after the read.
type incView struct {
	q    *pgx.Conn
	cfg  *Config
	log  *slog.Logger
	snap pgSnapshot
	wal  uint64
	// point is the watermark: wal, or the start of its WAL page when wal
	// is right after the page's header (watermarkPoint).
	point uint64
	ts    time.Time
	// describe gives the table as the stream knows it (the catalog read
	// on q when the view is used alone).
	describe func(ctx context.Context, id change.TableID) (*tableInfo, error)
	// blocking makes the rows a blocking snapshot's (blocking.go): their
	// source block is the initial snapshot's, with the view's lsn and, as
	// Debezium's, the txId of the stream's last transaction and the end of
	// its commit in sequence.
	blocking   bool
	blockTx    int64
	blockAfter uint64
}

// openIncView opens a view on q, which it owns from then on (Close closes
// it). describe may be nil.
func openIncView(ctx context.Context, q *pgx.Conn, cfg *Config, log *slog.Logger,
	describe func(ctx context.Context, id change.TableID) (*tableInfo, error)) (_ *incView, err error) {
	defer func() {
		if err != nil {
			q.Close(context.Background())
		}
	}()
	if _, err := q.Exec(ctx, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); err != nil {
		return nil, &ConnError{Op: "begin an incremental snapshot read", Err: err}
	}
	// The first statement takes the transaction's snapshot; the WAL insert
	// position read after it is beyond every commit it sees.
	var snapText, walText string
	var ts time.Time
	var block uint64
	if err := q.QueryRow(ctx, `SELECT pg_current_snapshot()::text, pg_current_wal_insert_lsn()::text, current_timestamp,
		current_setting('wal_block_size')::bigint`).Scan(&snapText, &walText, &ts, &block); err != nil {
		return nil, &ConnError{Op: "read the incremental snapshot's watermark", Err: err}
	}
	v := &incView{q: q, cfg: cfg, log: log, ts: ts, describe: describe}
	if v.snap, err = parsePgSnapshot(snapText); err != nil {
		return nil, &DecodeError{Table: "pg_current_snapshot()", Err: err}
	}
	if v.wal, err = parseLSN(walText); err != nil {
		return nil, &DecodeError{Table: "pg_current_wal_insert_lsn()", Err: err}
	}
	v.point = watermarkPoint(v.wal, block)
	if v.describe == nil {
		v.describe = v.readTable
	}
	return v, nil
}

// readTable reads a table's catalog facts and schema on the view's
// connection (nil when it does not exist or is not captured).
func (v *incView) readTable(ctx context.Context, id change.TableID) (*tableInfo, error) {
	var oid *uint32
	if err := v.q.QueryRow(ctx, "SELECT to_regclass($1)::oid", pgx.Identifier{id.Namespace, id.Name}.Sanitize()).Scan(&oid); err != nil {
		return nil, &ConnError{Op: "look up table " + id.String(), Err: err}
	}
	if oid == nil {
		return nil, nil
	}
	ts, err := discoverTables(ctx, v.q, v.cfg, []uint32{*oid})
	if err != nil || len(ts) == 0 {
		return nil, err
	}
	if err := buildSchema(ctx, NewTypeCatalog(), v.q, ts[0], 1, v.cfg.Types, v.log, map[string]bool{}); err != nil {
		return nil, err
	}
	return ts[0], nil
}

// watermarkPoint is the watermark of a view whose WAL insert position is
// wal, on WAL pages of block bytes. When the last record written ends at a
// page's end, the insert position is after the next page's header (24
// bytes; 40 at a segment's start), while a walsender that has read that
// record reports its end, the page's start: an idle database would never
// send a keepalive at or past wal. No record starts inside a header (nor
// within 40 bytes of a page's start, as a record takes at least 24 bytes
// after the 24-byte header), so the page's start bounds the same commits.
func watermarkPoint(wal, block uint64) uint64 {
	if block == 0 {
		return wal
	}
	if off := wal % block; off == 24 || off == 40 {
		return wal - off
	}
	return wal
}

// At is the view's Visibility watermark: Point is L, and Visible asks the
// view's snapshot about a streamed transaction's xid (32 bits from
// pgoutput, or already widened).
func (v *incView) At() capture.Watermark {
	snap := v.snap
	return capture.Watermark{Point: lsnCursor(v.point), Visible: func(tx capture.TxRef) bool {
		return snap.visible(widenXid(uint32(tx.XID), snap.Xmax))
	}}
}

// Table describes id for chunking by its primary key (or replica identity
// index), or by surrogate.
func (v *incView) Table(ctx context.Context, id change.TableID, surrogate string) (*capture.Table, error) {
	t, err := v.describe(ctx, id)
	if err != nil || t == nil {
		return nil, err
	}
	cols := make([]string, len(t.Cols))
	for i, c := range t.Cols {
		cols[i] = c.Name
	}
	k, names, err := capture.ChunkKey(cols, t.Key, surrogate, func(a, b string) bool { return a == b })
	if err != nil {
		return nil, &DecodeError{Table: t.name(), Err: refusedTable{err}}
	}
	if surrogate != "" {
		c := *t // the stream's tableInfo stays as it is
		c.Key = k
		t = &c
	}
	return &capture.Table{ID: id, Key: names, Schema: t}, nil
}

// keyCols are t's chunk key columns as chunkQuery orders them (text in
// byte order).
func keyCols(t *tableInfo) []string {
	keys := make([]string, len(t.Key))
	for i, k := range t.Key {
		keys[i] = pgx.Identifier{t.Cols[k].Name}.Sanitize()
		if t.Cols[k].Collatable {
			keys[i] += ` COLLATE "C"`
		}
	}
	return keys
}

// Scan reads one chunk with the initial snapshot's chunk query
// (tableSelect.query) over the table filtered by cond and upTo; upTo's
// parameters follow the chunk query's.
func (v *incView) Scan(ctx context.Context, ct *capture.Table, cond string, after, upTo []string, limit int,
	row func(ev *change.Event, key []string, size int) error) (int, error) {
	t := ct.Schema.(*tableInfo)
	var where []string
	if cond != "" {
		where = append(where, "("+cond+")")
	}
	var upParams [][]byte
	var upOIDs []uint32
	if upTo != nil {
		first := 1
		if after != nil {
			first += len(t.Key)
		}
		ph := make([]string, len(t.Key))
		for i, k := range t.Key {
			ph[i] = "$" + strconv.Itoa(first+i)
			upParams = append(upParams, []byte(upTo[i]))
			upOIDs = append(upOIDs, t.Cols[k].TypeOID)
		}
		where = append(where, "("+strings.Join(keyCols(t), ", ")+") <= ("+strings.Join(ph, ", ")+")")
	}
	inner := "SELECT * FROM " + t.quoted()
	if len(where) > 0 {
		inner += " WHERE " + strings.Join(where, " AND ")
	}
	has, err := v.columnsNow(ctx, t)
	if err != nil {
		return 0, err
	}
	sel := tableSelect{override: inner, has: has, chunked: true}
	sql, params, oids := sel.query(t, after, limit)
	params, oids = append(params, upParams...), append(oids, upOIDs...)

	rr := v.q.PgConn().ExecParams(ctx, sql, params, oids, nil, nil)
	n := 0
	for rr.NextRow() {
		vals := rr.Values()
		r, size, derr := snapshotRow(t, vals)
		if r == nil {
			rr.Close()
			return 0, derr
		}
		key := make([]string, len(t.Key))
		for i, k := range t.Key {
			key[i] = string(vals[k])
		}
		n++
		if derr != nil {
			// event.processing.failure.handling.mode: fail, or skip the row.
			if err := v.cfg.Capture.Failure(v.log, derr, "incremental snapshot of "+t.name()+" key "+strings.Join(key, ",")); err != nil {
				rr.Close()
				return 0, err
			}
			if err := row(nil, key, 0); err != nil {
				rr.Close()
				return 0, err
			}
			continue
		}
		ev := &change.Event{
			Op:           change.OpRead,
			Table:        t.Schema,
			KeyRow:       t.keyRow(nil, r), // before finish maps the row's values
			After:        t.finish(r),
			Source:       v.source(t.ID),
			SourceSchema: &sourceField,
			Commit:       v.ts,
		}
		if err := row(ev, key, size); err != nil {
			rr.Close()
			return 0, err
		}
	}
	if _, err := rr.Close(); err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return 0, &ConnError{Op: "read an incremental snapshot chunk of " + t.name(), Err: err}
	}
	return n, nil
}

// snapshotRow decodes a row of a snapshot query of t (text format): its
// values, its size estimate, and the first value that does not decode (r
// is nil when the row does not fit t at all). It is readChunk's decoding,
// for the chunk readers to share.
func snapshotRow(t *tableInfo, vals [][]byte) (r change.Row, size int, derr error) {
	if len(vals) != len(t.Conv) {
		return nil, 0, &DecodeError{Table: t.name(), Err: fmt.Errorf("snapshot row has %d columns, schema %d", len(vals), len(t.Conv))}
	}
	r = make(change.Row, len(vals))
	size = 256
	for i, v := range vals {
		if v == nil {
			continue
		}
		size += 24 + len(v)
		x, err := t.Conv[i].SnapshotDecode(v)
		if err != nil {
			return r, size, &DecodeError{Table: t.name(), Column: t.Cols[i].Name, Err: err}
		}
		r[i] = x
	}
	return r, size, nil
}

// MaxKey reads the greatest chunk key of t's rows satisfying cond, in the
// text form Scan gives keys. Rows whose key is NULL (a surrogate key's) are
// in no chunk, as in Debezium's chunk queries.
func (v *incView) MaxKey(ctx context.Context, ct *capture.Table, cond string) ([]string, error) {
	t := ct.Schema.(*tableInfo)
	cols := make([]string, len(t.Key))
	for i, k := range t.Key {
		cols[i] = pgx.Identifier{t.Cols[k].Name}.Sanitize()
	}
	order := keyCols(t)
	for i := range order {
		order[i] += " DESC"
	}
	// A NULL key (a surrogate key's) sorts first in DESC order; the chunks'
	// key bounds never hold it.
	where := make([]string, len(cols))
	for i, c := range cols {
		where[i] = c + " IS NOT NULL"
	}
	if cond != "" {
		where = append(where, "("+cond+")")
	}
	sql := "SELECT " + strings.Join(cols, ", ") + " FROM " + t.quoted() + " WHERE " + strings.Join(where, " AND ")
	sql += " ORDER BY " + strings.Join(order, ", ") + " LIMIT 1"
	rr := v.q.PgConn().ExecParams(ctx, sql, nil, nil, nil, nil)
	var key []string
	for rr.NextRow() {
		vals := rr.Values()
		key = make([]string, len(vals))
		for i, val := range vals {
			key[i] = string(val)
		}
	}
	if _, err := rr.Close(); err != nil {
		return nil, &ConnError{Op: "read the maximum key of " + t.name(), Err: err}
	}
	return key, nil
}

// Close ends the view's transaction and its connection.
func (v *incView) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := v.q.Exec(ctx, "COMMIT")
	v.q.Close(ctx)
	if err != nil {
		return &ConnError{Op: "end an incremental snapshot read", Err: err}
	}
	return nil
}

// source is the source block of a row the view reads.
func (v *incView) source(id change.TableID) change.StructValue {
	if v.blocking {
		return sourceBlock(v.cfg, id, v.ts, "true", v.blockTx, v.blockAfter, v.wal)
	}
	return incSource(v.cfg, id, v.ts, v.wal)
}

// incSource is the source block of an incremental snapshot row: as
// Debezium's, its lsn and txId are null (Debezium's sequence keeps the
// stream's last commit and position; sluice's holds the chunk's WAL
// position).
func incSource(cfg *Config, id change.TableID, ts time.Time, wal uint64) change.StructValue {
	b := sourceBlock(cfg, id, ts, "incremental", 0, 0, wal)
	b[12] = nil // lsn
	return b
}

// columnsNow marks which of t's columns, as the stream knows them (its
// last RELATION message), the table still has in the view
// (capture.ColumnsNow): with incremental.snapshot.allow.schema.changes
// on, a difference is capture.ErrSchemaPending, which lasts until the
// stream's next change of the table brings the new RELATION message.
func (v *incView) columnsNow(ctx context.Context, t *tableInfo) ([]bool, error) {
	rr := v.q.PgConn().ExecParams(ctx, "SELECT * FROM "+t.quoted()+" LIMIT 0", nil, nil, nil, nil)
	fds := rr.FieldDescriptions()
	now := make([]string, len(fds))
	for i, f := range fds {
		now[i] = f.Name
	}
	if _, err := rr.Close(); err != nil {
		return nil, &ConnError{Op: "read the columns of " + t.name(), Err: err}
	}
	known := make([]string, len(t.Cols))
	for i, c := range t.Cols {
		known[i] = c.Name
	}
	has, same := capture.ColumnsNow(known, now, func(a, b string) bool { return a == b })
	if !same && v.cfg.Inc.AllowSchemaChanges {
		return nil, capture.ErrSchemaPending
	}
	return has, nil
}
