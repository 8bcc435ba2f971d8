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

	"github.com/sluicecdc/sluice/connectors/change"
)

// A snapshot interrupted by a crash goes on in three steps, so that every
// change is emitted exactly once, no row is read after a change to it was
// emitted, and no row read goes back in time:
//
//  1. A temporary replication slot created with EXPORT_SNAPSHOT on a second
//     replication connection gives a consistent point C and a snapshot
//     exactly consistent with it: it sees every transaction whose commit
//     record is before C and none other. The rest of the snapshot is read
//     under that snapshot, imported into a REPEATABLE READ transaction of
//     its own connection. The temporary slot goes with its connection,
//     which is closed once the snapshot is imported.
//  2. The connector's slot streams from the snapshot's start P (the slot
//     stays there until the snapshot is done) up to C. What the checkpoint
//     says was emitted is skipped, the rest is emitted, every change
//     included: nothing is dropped. Each row not read yet that a change
//     touches (emitted now or skipped as emitted before) is noted.
//  3. At C (a transaction committing at or after C, or a keepalive past
//     C), the stream waits while the rest of the tables is read, leaving
//     out the noted rows; then it goes on from C. A row read was not
//     changed between P and C, so its read shows the state at P, as in an
//     uninterrupted snapshot; a noted row's changes since P are all in the
//     stream, and the last of them holds its state at C, so a read would
//     only repeat it. Changes after C are not in the rows read.
//
// Checkpoints say where each part is: streamed positions of step 2 carry
// the scan cursor (snapState.Scan), the rows of step 3 carry C
// (snapState.Stream: every transaction committing before it is emitted).
// A crash in either step resumes the same way from there: catching up
// from P to a new C', skipping what was emitted, then reading on. The slot
// is not confirmed past P until the stream passes C, so each resumption
// can note the rows changed since P again; the notes live in memory only.
//
// The limits: a row of a table without a key is read again whole; a row
// whose first change after P is an UPDATE that leaves a TOASTed column
// unchanged never shows that column's value (the event carries Debezium's
// placeholder, and the row is not read); a row that existed at P and was
// deleted before C shows only its delete.

// scanCursor is where snapshot reading goes on: table Table (an index into
// the snapshot's table list), after key After (from the table's start when
// nil), with Rows rows of that table already read.
type scanCursor struct {
	Table int      `json:"table"`
	After []string `json:"after,omitempty"`
	Rows  int64    `json:"rows,omitempty"`
}

// covers reports whether the row (table, key) is at or after the cursor,
// i.e. not read yet.
func (c *scanCursor) covers(table int, key []string, kinds []keyKind) bool {
	r := region{Table: c.Table, After: c.After}
	return r.covers(table, key, kinds)
}

// catchUp is what a resumed snapshot asks of the stream: emit everything
// after skip (nil: from the slot's position) up to until, with positions
// whose State is pending, then read the rest of the snapshot.
type catchUp struct {
	skip    *change.Position
	until   uint64
	pending *snapState
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
// above): it imports a snapshot exactly consistent with a new consistent
// point C on a connection of its own, and plans the catch-up to C.
func (st *Stream) beginResume(ctx context.Context, plan *openPlan) (err error) {
	cp := plan.cp
	var state snapState
	if err := json.Unmarshal(cp.State, &state); err != nil {
		return &DecodeError{Table: "checkpoint", Err: fmt.Errorf("snapshot state: %w", err)}
	}
	cu := &catchUp{}
	var cur scanCursor
	switch {
	case cp.Snapshot:
		if cur, err = st.snapshotCursor(cp, &state); err != nil {
			return err
		}
		if state.Stream > 0 {
			// Everything committing before Stream was emitted.
			cu.skip = &change.Position{Tx: state.Stream - 1, Last: true}
		}
	case state.Scan != nil:
		cur = *state.Scan
		cu.skip = cp
		if cur.Table < 0 || cur.Table > len(state.Tables) {
			return &DecodeError{Table: "checkpoint", Err: fmt.Errorf("snapshot cursor table %d is outside the table list", cur.Table)}
		}
	default:
		return &DecodeError{Table: "checkpoint", Err: fmt.Errorf("a streamed checkpoint without a snapshot to resume")}
	}

	q, err := connectQuery(ctx, st.cfg)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			q.Close(context.Background())
		}
	}()
	until, ts, txid, err := st.importConsistentSnapshot(ctx, q)
	if err != nil {
		return err
	}
	run := &snapshotRun{q: q, ts: ts, txid: txid, catchUp: cu,
		startTable: cur.Table, startAfter: cur.After, startCount: cur.Rows}
	run.state = state
	run.state.Scan = nil
	run.state.Stream = until
	run.state.Resume, run.state.Moved = nil, false
	run.state.Schemas = st.versions
	if run.stateJSON, err = json.Marshal(run.state); err != nil {
		return err
	}
	pending := state
	pending.Scan = &cur
	pending.Stream = 0
	pending.Resume, pending.Moved = nil, false
	cu.pending, cu.until = &pending, until
	table := ""
	if cur.Table < len(state.Tables) {
		table = state.Tables[cur.Table]
	}
	st.log.Info("resuming snapshot: streaming up to the new snapshot's point, then reading on",
		"table", table, "rows_read", cur.Rows, "until_lsn", pglogrepl.LSN(until).String())
	st.snap = run
	return nil
}

// importConsistentSnapshot creates a temporary slot exporting its snapshot
// on a replication connection of its own, imports that snapshot into a new
// REPEATABLE READ transaction on q, and closes the replication connection
// (which drops the slot). It returns the slot's consistent point: the
// snapshot sees exactly the transactions whose commit record is before it.
func (st *Stream) importConsistentSnapshot(ctx context.Context, q *pgx.Conn) (uint64, time.Time, int64, error) {
	repl, err := connectReplication(ctx, st.cfg)
	if err != nil {
		return 0, time.Time{}, 0, err
	}
	defer repl.Close(context.Background())
	name := resumeSlotName(st.cfg.SlotName, time.Now())
	res, err := pglogrepl.CreateReplicationSlot(ctx, repl, name, "pgoutput",
		pglogrepl.CreateReplicationSlotOptions{Temporary: true, Mode: pglogrepl.LogicalReplication, SnapshotAction: "EXPORT_SNAPSHOT"})
	if err != nil {
		return 0, time.Time{}, 0, classifyReplError(st.cfg, "create temporary replication slot "+name+" to resume the snapshot", err)
	}
	point, err := pglogrepl.ParseLSN(res.ConsistentPoint)
	if err != nil {
		return 0, time.Time{}, 0, &DecodeError{Table: "CREATE_REPLICATION_SLOT", Err: err}
	}
	if _, err := q.Exec(ctx, "BEGIN ISOLATION LEVEL REPEATABLE READ"); err != nil {
		return 0, time.Time{}, 0, &ConnError{Op: "begin snapshot transaction", Err: err}
	}
	if _, err := q.Exec(ctx, "SET TRANSACTION SNAPSHOT '"+strings.ReplaceAll(res.SnapshotName, "'", "''")+"'"); err != nil {
		return 0, time.Time{}, 0, &ConnError{Op: "import the temporary slot's snapshot", Err: err}
	}
	var ts time.Time
	var txid int64
	if err := q.QueryRow(ctx, `SELECT current_timestamp, txid_current()`).Scan(&ts, &txid); err != nil {
		return 0, time.Time{}, 0, &ConnError{Op: "read snapshot", Err: err}
	}
	return uint64(point), ts, txid, nil
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

// resumeScan reads the rest of an interrupted snapshot once the stream has
// reached the point its snapshot is consistent with.
func (st *Stream) resumeScan(ctx context.Context) error {
	st.log.Info("stream reached the resumed snapshot's point; reading the rest of the snapshot")
	_, err := st.runSnapshot(ctx)
	st.snap.q.Close(context.Background())
	return err
}

// pingUntil asks the server for a keepalive every resumePing until ctx
// ends, so that a resumed snapshot learns that the stream passed its point
// while no transaction commits.
func (st *Stream) pingUntil(ctx context.Context) {
	t := time.NewTicker(resumePing)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		select {
		case st.hbPing <- struct{}{}:
		default:
		}
	}
}

// resumePing is how often pingUntil asks for a keepalive.
const resumePing = 200 * time.Millisecond

// touchKey is the touched-set key of a row of table index table.
func touchKey(table int, key []string) string {
	return strconv.Itoa(table) + "\x00" + strings.Join(key, "\x00")
}

// touch records that the row (table, key) is not to be read.
func (r *snapshotRun) touch(table int, key []string) {
	if r.touched == nil {
		r.touched = map[string]struct{}{}
	}
	r.touched[touchKey(table, key)] = struct{}{}
}

// isTouched reports whether the row (table, key) is not to be read.
func (r *snapshotRun) isTouched(table int, key []string) bool {
	_, ok := r.touched[touchKey(table, key)]
	return ok
}
