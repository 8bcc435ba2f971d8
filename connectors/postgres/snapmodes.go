package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/captureopts"
	"github.com/sluicecdc/sluice/connectors/change"
)

// parseCapture reads the keys captureopts owns and slot.drop.on.stop.
func parseCapture(c *Config, m map[string]string, get func(key, def string) string, errs *[]error) {
	o, perrs := captureopts.Parse(m, c.SnapshotMode, captureopts.Postgres)
	*errs = append(*errs, perrs...)
	c.Capture = o
	switch v := strings.ToLower(get("slot.drop.on.stop", "false")); v {
	case "true":
		c.SlotDropOnStop = true
	case "false":
	default:
		*errs = append(*errs, &keyError{"slot.drop.on.stop", v + " is not a boolean; use true or false"})
	}
}

type keyError struct{ key, msg string }

func (e *keyError) Error() string { return e.key + ": " + e.msg }

// decidePlan is the decision part of Open: capture.Decide on the
// checkpoint, with a slot that can no longer give the changes after it
// (slotGone) as the lost position, and the checks of the slot that belong
// to Postgres. The plan's cp is the checkpoint it uses: nil when there is
// none or it is set aside (afresh says why; the schema versions were
// already taken from the real one). Under snapshot.mode=always the tables
// are read again at every start (a snapshot in progress is continued
// rather than restarted); under when_needed (or configuration_based's
// snapshot.on.data.error) they are read again when the slot was dropped or
// invalidated, and startAfresh drops an invalidated slot so that a new one
// can be made.
func decidePlan(cfg *Config, cp *change.Position, slot slotInfo) (*openPlan, capture.Afresh, error) {
	dec, err := capture.Decide(cfg.Capture.Policy, cp, slotGone(slot) != "")
	switch {
	case errors.Is(err, capture.ErrPositionLost):
		return nil, 0, usableSlot(cfg, slot, true)
	case err != nil:
		return nil, 0, &PrerequisiteError{Problems: []error{err}}
	}
	if dec.Afresh != capture.AfreshNo {
		cp = nil
	}
	// Postgres writes no schema records, so its snapshot checkpoints name
	// their table and SchemaOnly (a checkpoint without one) is a snapshot
	// to continue.
	plan := &openPlan{cp: cp, snapshot: dec.Snapshot || dec.SchemaOnly, eof: dec.EOF}
	switch {
	case dec.Resume && len(cp.State) > 0:
		var ss snapState
		if err := json.Unmarshal(cp.State, &ss); err != nil {
			return nil, 0, &DecodeError{Table: "checkpoint", Err: fmt.Errorf("state: %w", err)}
		}
		ss.Resume, ss.Moved = nil, false // taken by the stream in Open
		plan.state = &ss
	case cp == nil && slot.Exists && dec.Afresh != capture.AfreshLost:
		// A fresh start on the existing slot: it must not be invalidated.
		if err := usableSlot(cfg, slot, false); err != nil {
			return nil, 0, err
		}
	}
	return plan, dec.Afresh, nil
}

// startAfresh logs why a start sets its checkpoint aside and, when its
// position is lost, drops the invalidated slot so that a new one can be
// made. It returns the slot as it now is.
func (s *Source) startAfresh(ctx context.Context, q *pgx.Conn, cfg *Config, why capture.Afresh, slot slotInfo) (slotInfo, error) {
	pol := cfg.Capture.Policy
	switch why {
	case capture.AfreshLost:
		s.log.Warn("the checkpoint's position is no longer available: starting afresh", "snapshot.mode", pol.Mode, "snapshot", pol.Initial, "slot", cfg.SlotName, "reason", slotGone(slot))
		if slot.Exists {
			if _, err := q.Exec(ctx, "SELECT pg_drop_replication_slot($1)", cfg.SlotName); err != nil {
				return slot, classifyReplError(cfg, "drop the invalidated replication slot "+cfg.SlotName, err)
			}
			s.log.Info("dropped the invalidated replication slot", "slot", cfg.SlotName)
			slot = slotInfo{}
		}
	case capture.AfreshAlways:
		s.log.Info("snapshot.mode="+pol.Mode+": taking a new snapshot at this start", "slot", cfg.SlotName)
	}
	return slot, nil
}

// slotGone says why the slot can no longer give the changes after a
// checkpoint, or "" when it can.
func slotGone(slot slotInfo) string {
	switch {
	case !slot.Exists:
		return "the replication slot does not exist"
	case slot.WALStatus == "lost":
		return "Postgres invalidated the replication slot (wal_status=lost)"
	}
	return ""
}

// tableSelect is how a snapshot reads one table: the whole table in key
// order, or the rows of its snapshot.select.statement.overrides SELECT.
type tableSelect struct {
	override string
	// has marks the table's columns (by index) the override returns; the
	// others are read as null, as Debezium maps a result by column name.
	has []bool
	// chunked: the rows are read in key chunks, each committed with a
	// checkpoint a restart continues after. An override chunks when it
	// returns every key column; otherwise (and for a keyless table) the
	// table is read in one pass, and a restart reads it again.
	chunked bool
}

// tableSelect decides how the snapshot reads t. With an override it asks
// the server for the override's result columns (inside the snapshot
// transaction) and refuses a column the table does not have.
func (st *Stream) tableSelect(ctx context.Context, q *pgx.Conn, t *tableInfo) (tableSelect, error) {
	stmt := st.cfg.Capture.Overrides[t.name()]
	if stmt == "" {
		return tableSelect{chunked: len(t.Key) > 0}, nil
	}
	key := "snapshot.select.statement.overrides." + t.name()
	rr := q.PgConn().ExecParams(ctx, "SELECT * FROM ("+stmt+") AS sluice_override LIMIT 0", nil, nil, nil, nil)
	fds := rr.FieldDescriptions()
	names := make([]string, len(fds))
	for i, f := range fds {
		names[i] = f.Name
	}
	if _, err := rr.Close(); err != nil {
		return tableSelect{}, &PrerequisiteError{Problems: []error{&keyError{key, "the statement fails: " + err.Error() + "; fix it or remove the override"}}}
	}
	sel := tableSelect{override: stmt, has: make([]bool, len(t.Cols))}
	for _, n := range names {
		found := false
		for i, c := range t.Cols {
			if c.Name == n {
				sel.has[i], found = true, true
			}
		}
		if !found {
			return tableSelect{}, &PrerequisiteError{Problems: []error{&keyError{key, "the statement returns column " + pgx.Identifier{n}.Sanitize() +
				", which table " + t.name() + " does not have; return only the table's columns (by name)"}}}
		}
	}
	sel.chunked = len(t.Key) > 0
	for _, k := range t.Key {
		if !sel.has[k] {
			sel.chunked = false
		}
	}
	if sel.chunked {
		st.log.Info("snapshot reads the table through its override SELECT, in key chunks", "table", t.name())
	} else {
		st.log.Warn("snapshot reads the table through its override SELECT in one pass (it does not return the whole key): a restart during it reads the table again, so its rows may repeat", "table", t.name())
	}
	return sel, nil
}

// query returns the SQL of the next chunk after key (nil: from the start).
func (sel tableSelect) query(t *tableInfo, after []string, limit int) (string, [][]byte, []uint32) {
	if sel.override == "" {
		if !sel.chunked {
			after = nil
		}
		return chunkQuery(t, after, limit)
	}
	cols := make([]string, len(t.Cols))
	for i, c := range t.Cols {
		if sel.has[i] {
			cols[i] = pgx.Identifier{c.Name}.Sanitize()
		} else {
			cols[i] = "NULL"
		}
	}
	sql := "SELECT " + strings.Join(cols, ", ") + " FROM (" + sel.override + ") AS sluice_override"
	if !sel.chunked {
		return sql, nil, nil
	}
	keys := make([]string, len(t.Key))
	for i, k := range t.Key {
		keys[i] = pgx.Identifier{t.Cols[k].Name}.Sanitize()
		if t.Cols[k].Collatable {
			keys[i] += ` COLLATE "C"`
		}
	}
	var params [][]byte
	var oids []uint32
	if after != nil {
		ph := make([]string, len(t.Key))
		for i, k := range t.Key {
			ph[i] = "$" + strconv.Itoa(i+1)
			params = append(params, []byte(after[i]))
			oids = append(oids, t.Cols[k].TypeOID)
		}
		sql += " WHERE (" + strings.Join(keys, ", ") + ") > (" + strings.Join(ph, ", ") + ")"
	}
	sql += " ORDER BY " + strings.Join(keys, ", ") + " LIMIT " + strconv.Itoa(limit)
	return sql, params, oids
}

// snapshotWhere names a snapshot row for a log line or error.
func snapshotWhere(t *tableInfo, key []byte) string {
	if len(key) == 0 {
		return "snapshot of " + t.name()
	}
	return "snapshot of " + t.name() + " key " + string(key)
}

// failed applies event.processing.failure.handling.mode to the error of
// decoding a streamed change at lsn: a decode error fails the stream (with
// its position) or is skipped; any other error is returned as it is.
func (d *decoder) failed(err error, lsn uint64) error {
	var de *DecodeError
	if err == nil || !errors.As(err, &de) {
		return err
	}
	where := fmt.Sprintf("lsn %s (transaction %d, commit lsn %s)", pglogrepl.LSN(lsn), d.xid, pglogrepl.LSN(d.commitLSN))
	return d.cfg.Capture.Failure(d.st.log, err, where)
}

// dropSlot drops the replication slot as the stream closes
// (slot.drop.on.stop=true, as Debezium does when its task stops). The
// walsender of the closed replication connection may hold the slot for a
// moment, so an "active" slot is retried for a while.
func (st *Stream) dropSlot() error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	q, err := connectQuery(ctx, st.cfg)
	if err != nil {
		return fmt.Errorf("slot.drop.on.stop: %w", err)
	}
	defer q.Close(context.Background())
	err = dropSlotWaiting(ctx, q, st.cfg.SlotName)
	if err != nil {
		st.log.Warn("slot.drop.on.stop: could not drop the replication slot", "slot", st.cfg.SlotName, "err", err)
		return fmt.Errorf("slot.drop.on.stop: drop replication slot %q: %w", st.cfg.SlotName, err)
	}
	st.log.Info("replication slot dropped (slot.drop.on.stop=true)", "slot", st.cfg.SlotName)
	return nil
}
