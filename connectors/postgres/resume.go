package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
)

// A snapshot interrupted by a crash is resumed so that every change is
// emitted exactly once, every read comes before the stream starts (as in an
// uninterrupted snapshot), and every read shows the state at the slot's
// start P, where the stream begins:
//
//  1. A temporary replication slot created with EXPORT_SNAPSHOT on a second
//     replication connection gives a consistent point C and a snapshot
//     exactly consistent with it: it sees every transaction whose commit
//     record is before C and none other. It is imported into a REPEATABLE
//     READ transaction of a connection of its own; the temporary slot goes
//     with its connection, closed once the snapshot is imported.
//  2. The connector's slot, still at P (nothing is confirmed before the
//     snapshot is done), is peeked (pg_logical_slot_peek_binary_changes,
//     which does not move it) up to C: the rows not read yet that a
//     transaction committing before C changed are noted, in memory.
//  3. The rest of the tables is read under the imported snapshot, leaving
//     out the noted rows. A row read had no change between P and C, so it
//     shows the state at P; its changes, all after C, are streamed after
//     it. A noted row is not read: the stream, which starts at P once the
//     snapshot is done, gives every change made to it since P, the last of
//     which holds its state.
//
// The rows read are a region marked Exact: the stream filters no change to
// them. A crash while reading resumes the same way from the checkpoint's
// key, with a new C. The checkpoints are those of any snapshot: the table
// and the last key read.
//
// The limits: a table without a key (or whose key changed) is read again
// from its start; a row that existed at P and that a transaction before C
// updated or deleted is never read: its events are its changes (an UPDATE
// that leaves a TOASTed column unchanged carries Debezium's placeholder for
// it). The peek decodes the WAL from P to C once more, and the notes take
// memory in proportion to the rows changed.

// scanCursor is where snapshot reading goes on: table Table (an index into
// the snapshot's table list), after key After (from the table's start when
// nil), with Rows rows of that table already read.
type scanCursor struct {
	Table int
	After []string
	Rows  int64
}

// covers reports whether the row (table, key) is at or after the cursor,
// i.e. not read yet.
func (c *scanCursor) covers(table int, key []string, kinds capture.KeyOrder) bool {
	r := region{Table: c.Table, After: c.After}
	return r.Covers(table, key, kinds)
}

// snapshotCursor returns where the snapshot checkpoint cp leaves reading.
func (st *Stream) snapshotCursor(cp *change.Position, state *snapState) (scanCursor, error) {
	ti := slices.Index(state.Tables, cp.Table)
	if ti < 0 {
		return scanCursor{}, &DecodeError{Table: "checkpoint", Err: fmt.Errorf("snapshot table %q is not in the checkpoint's table list", cp.Table)}
	}
	var key []string
	if len(cp.Key) > 0 && string(cp.Key) != "null" {
		if err := json.Unmarshal(cp.Key, &key); err != nil {
			return scanCursor{}, &DecodeError{Table: "checkpoint", Err: fmt.Errorf("snapshot key: %w", err)}
		}
	}
	t := st.tables[cp.Table]
	if key == nil || t == nil || len(t.Key) != len(key) {
		// Keyless table (or its key changed): read it again from its start.
		st.log.Warn("resuming the snapshot inside a table without a usable key: reading it again from its start; its rows may repeat", "table", cp.Table)
		return scanCursor{Table: ti}, nil
	}
	return scanCursor{Table: ti, After: key, Rows: cp.Index}, nil
}

// beginResume prepares the resumption of an interrupted snapshot (see
// above): the snapshot transaction consistent with a new point C on a
// connection of its own, and the rows changed since the slot's start.
func (st *Stream) beginResume(ctx context.Context, plan *openPlan) (err error) {
	cp := plan.cp
	run := &snapshotRun{}
	if err := json.Unmarshal(cp.State, &run.state); err != nil {
		return &DecodeError{Table: "checkpoint", Err: fmt.Errorf("snapshot state: %w", err)}
	}
	cur, err := st.snapshotCursor(cp, &run.state)
	if err != nil {
		return err
	}
	run.startTable, run.startAfter, run.startCount = cur.Table, cur.After, cur.Rows

	if run.q, err = connectQuery(ctx, st.cfg); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			run.q.Close(context.Background())
		}
	}()
	until, err := st.importConsistentSnapshot(ctx, run)
	if err != nil {
		return err
	}
	unread := []region{{Table: cur.Table, After: cur.After, Mark: regionMark{Exact: true}}}
	if st.parallel(run) {
		if run.par, err = parResume(&run.state, cp, cur); err != nil {
			return err
		}
		unread = parRegions(run.par, len(run.state.Tables))
	}
	covers := func(table int, key []string, order capture.KeyOrder) bool {
		return capture.Find(unread, table, key, order) != nil
	}
	if run.touched, err = st.changedBefore(ctx, until, covers, run.state.Tables); err != nil {
		return err
	}
	run.state.Regions = append(run.state.Regions, unread...)
	run.state.Schemas = st.versions
	if run.stateJSON, err = json.Marshal(run.state); err != nil {
		return err
	}
	st.log.Info("resuming snapshot", "table", cp.Table, "rows_read", cur.Rows,
		"snapshot_lsn", pglogrepl.LSN(until).String(), "rows_changed_since_start", run.touched.Count())
	st.snap = run
	return nil
}

// importConsistentSnapshot creates a temporary slot exporting its snapshot
// on a replication connection of its own, imports that snapshot into a new
// REPEATABLE READ transaction on run.q, and closes the replication
// connection (which drops the slot). It returns the slot's consistent
// point: the snapshot sees exactly the transactions whose commit record is
// before it.
func (st *Stream) importConsistentSnapshot(ctx context.Context, run *snapshotRun) (uint64, error) {
	repl, err := connectReplication(ctx, st.cfg)
	if err != nil {
		return 0, err
	}
	defer repl.Close(context.Background())
	name := resumeSlotName(st.cfg.SlotName, time.Now())
	res, err := pglogrepl.CreateReplicationSlot(ctx, repl, name, "pgoutput",
		pglogrepl.CreateReplicationSlotOptions{Temporary: true, Mode: pglogrepl.LogicalReplication, SnapshotAction: "EXPORT_SNAPSHOT"})
	if err != nil {
		return 0, classifyReplError(st.cfg, "create temporary replication slot "+name+" to resume the snapshot", err)
	}
	point, err := pglogrepl.ParseLSN(res.ConsistentPoint)
	if err != nil {
		return 0, &DecodeError{Table: "CREATE_REPLICATION_SLOT", Err: err}
	}
	q := run.q
	if _, err := q.Exec(ctx, "BEGIN ISOLATION LEVEL REPEATABLE READ"); err != nil {
		return 0, &ConnError{Op: "begin snapshot transaction", Err: err}
	}
	if _, err := q.Exec(ctx, "SET TRANSACTION SNAPSHOT '"+strings.ReplaceAll(res.SnapshotName, "'", "''")+"'"); err != nil {
		return 0, &ConnError{Op: "import the temporary slot's snapshot", Err: err}
	}
	if err := q.QueryRow(ctx, `SELECT current_timestamp, txid_current()`).Scan(&run.ts, &run.txid); err != nil {
		return 0, &ConnError{Op: "read snapshot", Err: err}
	}
	return uint64(point), nil
}

// resumeSlotName names the temporary slot of a resumption: the connector's
// slot name, shortened to fit, and a suffix from now.
func resumeSlotName(slot string, now time.Time) string {
	suffix := "_resume_" + strconv.FormatInt(now.UnixNano()%1e12, 36)
	if max := 63 - len(suffix); len(slot) > max {
		slot = slot[:max]
	}
	return slot + suffix
}

// changedBefore peeks at the connector's slot up to until (transactions
// committing before it) and returns the rows not read yet (covers) that
// those transactions inserted, updated or deleted.
func (st *Stream) changedBefore(ctx context.Context, until uint64, covers func(table int, key []string, order capture.KeyOrder) bool, tables []string) (*capture.Pending[struct{}], error) {
	pub := pgx.Identifier{st.cfg.PublicationName}.Sanitize()
	rows, err := st.q.Query(ctx, `SELECT data FROM pg_logical_slot_peek_binary_changes($1, $2::pg_lsn, NULL, 'proto_version', '1', 'publication_names', $3)`,
		st.cfg.SlotName, pglogrepl.LSN(until).String(), pub)
	if err != nil {
		return nil, classifyReplError(st.cfg, "peek at replication slot "+st.cfg.SlotName, err)
	}
	defer rows.Close()
	index := make(map[string]int, len(tables))
	for i, n := range tables {
		index[n] = i
	}
	type rel struct {
		table int
		key   []int // the key columns' places in the relation's tuples
		kinds capture.KeyOrder
	}
	rels := map[uint32]*rel{}
	touched := capture.NewPending[struct{}]()
	touch := func(r *rel, tup, old *pglogrepl.TupleData) {
		if r == nil || tup == nil {
			return
		}
		if key := tupleCols(r.key, tup, old); key != nil && covers(r.table, key, r.kinds) {
			touched.Record(r.table, key, struct{}{})
		}
	}
	var parser rowParser
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, &ConnError{Op: "peek at replication slot " + st.cfg.SlotName, Err: err}
		}
		msg, err := parser.parse(data)
		if err != nil {
			return nil, &DecodeError{Table: "pgoutput message", Err: err}
		}
		switch m := msg.(type) {
		case *pglogrepl.RelationMessage:
			name := m.Namespace + "." + m.RelationName
			ti, ok := index[name]
			t := st.tables[name]
			if !ok || t == nil || len(t.Key) == 0 {
				rels[m.RelationID] = nil
				continue
			}
			r := &rel{table: ti, kinds: t.keyKinds()}
			for _, k := range t.Key {
				i := slices.IndexFunc(m.Columns, func(c *pglogrepl.RelationMessageColumn) bool { return c.Name == t.Cols[k].Name })
				if i < 0 {
					r = nil
					st.log.Warn("resuming the snapshot: a key column is missing from the table's earlier columns; its rows changed since the snapshot's start may repeat", "table", name)
					break
				}
				r.key = append(r.key, i)
			}
			rels[m.RelationID] = r
		case *pglogrepl.InsertMessage:
			touch(rels[m.RelationID], m.Tuple, nil)
		case *pglogrepl.UpdateMessage:
			touch(rels[m.RelationID], m.NewTuple, m.OldTuple)
			touch(rels[m.RelationID], m.OldTuple, nil)
		case *pglogrepl.DeleteMessage:
			touch(rels[m.RelationID], m.OldTuple, nil)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, classifyReplError(st.cfg, "peek at replication slot "+st.cfg.SlotName, err)
	}
	return touched, nil
}
