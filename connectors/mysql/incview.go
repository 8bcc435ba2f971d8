package mysql

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	gomysql "github.com/go-mysql-org/go-mysql/mysql"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
)

// binlogCursor is a binlog coordinate as a capture.Cursor.
type binlogCursor binlogPos

// Order is the coordinate's Position.Tx order.
func (c binlogCursor) Order() uint64 { return orderOf(binlogPos(c)) }

// incView is one chunk read of an incremental snapshot on MariaDB: a
// START TRANSACTION WITH CONSISTENT SNAPSHOT transaction on its own
// connection, whose binlog_snapshot_file/position is exactly the
// coordinate it is consistent with (an Exact watermark).
type incView struct {
	q   *client.Conn
	cfg *Config
	log *slog.Logger
	src *change.Field
	at  binlogPos
	ts  time.Time
	// describe gives the table as the stream knows it (describeTable on q
	// when the view is used alone).
	describe func(ctx context.Context, id change.TableID) (*tableInfo, error)
	// blocking, when set, makes the rows a blocking snapshot's
	// (blocking.go): source.snapshot "true", which the snapshot markers
	// then refine, and, as Debezium's, the gtid and server_id of the
	// stream's last transaction.
	blocking *srcInfo
}

// openIncView opens a view on q, which it owns from then on (Close closes
// it). describe may be nil.
func openIncView(ctx context.Context, q *client.Conn, cfg *Config, log *slog.Logger,
	describe func(ctx context.Context, id change.TableID) (*tableInfo, error)) (_ *incView, err error) {
	defer func() {
		if err != nil {
			q.Close()
		}
	}()
	for _, s := range []string{"SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ", "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"} {
		if _, err := q.Execute(s); err != nil {
			return nil, &ConnError{Op: "open an incremental snapshot read (" + s + ")", Err: err}
		}
	}
	at, err := snapshotCoordinate(q)
	if err != nil {
		return nil, err
	}
	if at.File == "" {
		return nil, &PrerequisiteError{Problems: []error{errors.New("the server reports no binlog_snapshot_file for a consistent snapshot: incremental snapshots need MariaDB with the binary log on (log_bin)")}}
	}
	r, err := q.Execute("SELECT UNIX_TIMESTAMP(NOW(3))")
	if err != nil {
		return nil, &ConnError{Op: "read the incremental snapshot's time", Err: err}
	}
	tsText, _ := r.GetString(0, 0)
	tsf, _ := strconv.ParseFloat(tsText, 64)
	v := &incView{q: q, cfg: cfg, log: log, src: SourceSchema(cfg), at: at, ts: time.UnixMilli(int64(tsf * 1000)).UTC(), describe: describe}
	if v.describe == nil {
		v.describe = func(ctx context.Context, id change.TableID) (*tableInfo, error) {
			model, err := readModel(q, id.Namespace, id.Name)
			if err != nil {
				return nil, err
			}
			return describeTable(ctx, q, id, 0, cfg.Types, model)
		}
	}
	return v, nil
}

// snapshotCoordinate reads MariaDB's binlog_snapshot_file and
// binlog_snapshot_position: the coordinate the transaction's consistent
// snapshot holds everything before. File is "" on a server without them.
func snapshotCoordinate(q *client.Conn) (binlogPos, error) {
	r, err := q.Execute("SHOW STATUS LIKE 'binlog_snapshot_%'")
	if err != nil {
		return binlogPos{}, &ConnError{Op: "read binlog_snapshot_file/position", Err: err}
	}
	var at binlogPos
	for i := range r.Values {
		k, _ := r.GetString(i, 0)
		v, _ := r.GetString(i, 1)
		switch strings.ToLower(k) {
		case "binlog_snapshot_file":
			at.File = v
		case "binlog_snapshot_position":
			n, _ := strconv.ParseUint(v, 10, 32)
			at.Pos = uint32(n)
		}
	}
	return at, nil
}

// At is the view's snapshot coordinate, an Exact watermark.
func (v *incView) At() capture.Watermark {
	return capture.Watermark{Point: binlogCursor(v.at), Exact: true}
}

// Table describes id for chunking by its primary key, or by surrogate.
func (v *incView) Table(ctx context.Context, id change.TableID, surrogate string) (*capture.Table, error) {
	t, err := v.describe(ctx, id)
	if err != nil || t == nil {
		return nil, err
	}
	cols := make([]string, len(t.Meta))
	for i, m := range t.Meta {
		cols[i] = m.Name
	}
	k, names, err := capture.ChunkKey(cols, t.Key, surrogate, strings.EqualFold)
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

// keyBound is the SQL condition "key op k" on t's chunk key, compared as
// chunkQuery orders it (string columns as BINARY).
func keyBound(t *tableInfo, op string, k []string) string {
	cols := make([]string, len(t.Key))
	lits := make([]string, len(t.Key))
	for i, c := range t.Key {
		cols[i] = quoteIdent(t.Meta[c].Name)
		if stringType(t.Meta[c].Type) {
			cols[i] = "BINARY " + cols[i]
		}
		lits[i] = keyLiteral(&t.Meta[c], k[i])
	}
	return "(" + strings.Join(cols, ", ") + ") " + op + " (" + strings.Join(lits, ", ") + ")"
}

// filtered is the SELECT of t's rows at most upTo that satisfy cond, as an
// override the snapshot's chunk query reads through.
func filtered(t *tableInfo, cond string, upTo []string) string {
	var where []string
	if cond != "" {
		where = append(where, "("+cond+")")
	}
	if upTo != nil {
		where = append(where, keyBound(t, "<=", upTo))
	}
	sql := "SELECT * FROM " + t.quoted()
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	return sql
}

// Scan reads one chunk with the initial snapshot's chunk query
// (tableSelect.query) over the table filtered by cond and upTo.
func (v *incView) Scan(ctx context.Context, ct *capture.Table, cond string, after, upTo []string, limit int,
	row func(ev *change.Event, key []string, size int) error) (int, error) {
	t := ct.Schema.(*tableInfo)
	has, err := v.columnsNow(t)
	if err != nil {
		return 0, err
	}
	sel := tableSelect{override: filtered(t, cond, upTo), has: has, chunked: true}
	sql := sel.query(t, after, limit)
	n := 0
	var res gomysql.Result
	err = v.q.ExecuteSelectStreaming(sql, &res, func(vals []gomysql.FieldValue) error {
		r, texts, size, derr := snapshotRow(t, vals)
		if texts == nil {
			return derr
		}
		key := make([]string, len(t.Key))
		for i, k := range t.Key {
			key[i] = string(texts[k])
		}
		n++
		if derr != nil {
			// event.processing.failure.handling.mode: fail, or skip the row.
			if err := v.cfg.Capture.Failure(v.log, derr, "incremental snapshot of "+t.name()+" key "+strings.Join(key, ",")); err != nil {
				return err
			}
			return row(nil, key, 0)
		}
		si := srcInfo{ts: v.ts, snapshot: "incremental", db: t.ID.Namespace, table: t.ID.Name, file: v.at.File, pos: v.at.Pos}
		if v.blocking != nil {
			si.snapshot, si.gtid, si.serverID = "true", v.blocking.gtid, v.blocking.serverID
		}
		ev := &change.Event{
			Op:           change.OpRead,
			Table:        t.Schema,
			KeyRow:       t.keyRow(nil, r), // before finish maps the row's values
			After:        t.finish(r),
			Source:       si.block(v.cfg),
			SourceSchema: v.src,
			Commit:       v.ts,
		}
		return row(ev, key, size)
	}, nil)
	if err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		var de *DecodeError
		if errors.As(err, &de) {
			return 0, err
		}
		if defChanged(err) {
			return 0, capture.ErrSchemaPending
		}
		return 0, &ConnError{Op: "read an incremental snapshot chunk of " + t.name(), Err: err}
	}
	return n, nil
}

// snapshotRow decodes a row of a snapshot query of t: its values, their
// text forms, its size as rowSize estimates it, and the first value that
// does not decode (texts is nil when the row does not fit t at all). It is
// readChunk's decoding, for the chunk readers to share.
func snapshotRow(t *tableInfo, vals []gomysql.FieldValue) (r change.Row, texts [][]byte, size int, derr error) {
	if len(vals) != len(t.Conv) {
		return nil, nil, 0, &DecodeError{Table: t.name(), Err: fmt.Errorf("snapshot row has %d columns, schema %d", len(vals), len(t.Conv))}
	}
	r = make(change.Row, len(vals))
	size = eventHeap + valueHeap*len(vals) // as rowSize
	texts = make([][]byte, len(vals))
	for i := range vals {
		b, null := FieldText(vals[i])
		if null {
			continue
		}
		texts[i] = b
		size += len(b)
		x, err := t.Conv[i].FromText(b)
		if err != nil && derr == nil {
			derr = &DecodeError{Table: t.name(), Column: t.Meta[i].Name, Err: err}
		}
		r[i] = x
	}
	return r, texts, size, derr
}

// MaxKey reads the greatest chunk key of t's rows satisfying cond.
func (v *incView) MaxKey(ctx context.Context, ct *capture.Table, cond string) ([]string, error) {
	t := ct.Schema.(*tableInfo)
	cols, order := keyColumns(t)
	for i := range order {
		order[i] += " DESC"
	}
	sql := "SELECT " + strings.Join(cols, ", ") + " FROM " + t.quoted()
	if cond != "" {
		sql += " WHERE (" + cond + ")"
	}
	sql += " ORDER BY " + strings.Join(order, ", ") + " LIMIT 1"
	var key []string
	var res gomysql.Result
	err := v.q.ExecuteSelectStreaming(sql, &res, func(vals []gomysql.FieldValue) error {
		key = make([]string, len(vals))
		for i := range vals {
			b, _ := FieldText(vals[i])
			key[i] = string(b)
		}
		return nil
	}, nil)
	if err != nil {
		return nil, &ConnError{Op: "read the maximum key of " + t.name(), Err: err}
	}
	return key, nil
}

// Close ends the view's transaction and its connection.
func (v *incView) Close() error {
	_, err := v.q.Execute("COMMIT")
	v.q.Close()
	if err != nil {
		return &ConnError{Op: "end an incremental snapshot read", Err: err}
	}
	return nil
}

// columnsNow marks which of t's columns, as the stream knows them, the
// server's table still has (capture.ColumnsNow; incremental.snapshot.
// allow.schema.changes): with the key on, a difference is
// capture.ErrSchemaPending. A table changed since the view's snapshot
// began (ER_TABLE_DEF_CHANGED) is too, whatever the key.
func (v *incView) columnsNow(t *tableInfo) ([]bool, error) {
	r, err := v.q.Execute("SELECT * FROM " + t.quoted() + " LIMIT 0")
	if err != nil {
		if defChanged(err) {
			return nil, capture.ErrSchemaPending
		}
		return nil, &ConnError{Op: "read the columns of " + t.name(), Err: err}
	}
	known := make([]string, len(t.Meta))
	for i, m := range t.Meta {
		known[i] = m.Name
	}
	now := make([]string, len(r.Fields))
	for i, f := range r.Fields {
		now[i] = string(f.Name)
	}
	has, same := capture.ColumnsNow(known, now, strings.EqualFold)
	if !same && v.cfg.Inc.AllowSchemaChanges {
		return nil, capture.ErrSchemaPending
	}
	return has, nil
}

// defChanged reports whether err is MariaDB's "Table definition has
// changed, please retry transaction" (ER_TABLE_DEF_CHANGED): the table was
// altered after the consistent snapshot began.
func defChanged(err error) bool {
	var my *gomysql.MyError
	return errors.As(err, &my) && my.Code == gomysql.ER_TABLE_DEF_CHANGED
}
