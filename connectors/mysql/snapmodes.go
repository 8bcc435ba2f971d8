package mysql

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-mysql-org/go-mysql/client"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/captureopts"
	"github.com/sluicecdc/sluice/connectors/change"
)

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
func (st *Stream) tableSelect(t *tableInfo) (tableSelect, error) {
	return st.tableSelectOn(st.q, t)
}

// tableSelectOn is tableSelect asking on q (a parallel snapshot's worker).
func (st *Stream) tableSelectOn(q *client.Conn, t *tableInfo) (tableSelect, error) {
	stmt := st.cfg.Capture.Overrides[t.name()]
	if stmt == "" {
		return tableSelect{chunked: len(t.Key) > 0}, nil
	}
	key := "snapshot.select.statement.overrides." + t.name()
	r, err := q.Execute("SELECT * FROM (" + stmt + ") AS sluice_override LIMIT 0")
	if err != nil {
		return tableSelect{}, &PrerequisiteError{Problems: []error{fmt.Errorf("%s: the statement fails: %w; fix it or remove the override", key, err)}}
	}
	sel := tableSelect{override: stmt, has: make([]bool, len(t.Meta))}
	for _, f := range r.Fields {
		n := string(f.Name)
		found := false
		for i, c := range t.Meta {
			if strings.EqualFold(c.Name, n) {
				sel.has[i], found = true, true
			}
		}
		if !found {
			return tableSelect{}, &PrerequisiteError{Problems: []error{fmt.Errorf("%s: the statement returns column %s, which table %s does not have; return only the table's columns (by name)", key, quoteIdent(n), t.name())}}
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
func (sel tableSelect) query(t *tableInfo, after []string, limit int) string {
	if sel.override == "" {
		if !sel.chunked {
			after = nil
		}
		return chunkQuery(t, after, limit)
	}
	cols := make([]string, len(t.Meta))
	for i, c := range t.Meta {
		if sel.has[i] {
			cols[i] = quoteIdent(c.Name)
		} else {
			cols[i] = "NULL"
		}
	}
	sql := "SELECT " + strings.Join(cols, ", ") + " FROM (" + sel.override + ") AS sluice_override"
	if !sel.chunked {
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
	return sql + " ORDER BY " + strings.Join(keys, ", ") + " LIMIT " + strconv.Itoa(limit)
}

// snapshotWhere names a snapshot row for a log line or error.
func snapshotWhere(t *tableInfo, key []byte) string {
	if len(key) == 0 {
		return "snapshot of " + t.name()
	}
	return "snapshot of " + t.name() + " key " + string(key)
}

// failed applies event.processing.failure.handling.mode to the error of
// decoding row row (-1: the whole event) of the rows event at binlog
// position pos: a decode error fails the stream (with its position) or is
// skipped; any other error is returned as it is.
func (d *decoder) failed(err error, pos uint32, row int) error {
	var de *DecodeError
	if err == nil || !errors.As(err, &de) {
		return err
	}
	where := fmt.Sprintf("binlog %s position %d", d.file, pos)
	if d.gtid != "" {
		where += " (GTID " + d.gtid + ")"
	}
	if row >= 0 {
		where += fmt.Sprintf(" row %d", row)
	}
	return d.cfg.Capture.Failure(d.st.log, err, where)
}

// decidePlan is the decision part of Open: capture.Decide on the
// checkpoint and its state. lost says that the binlog the checkpoint
// streams on from is purged, which Open looks up only for a plan that
// streams on from a checkpoint (plan.cp); the plan is then a fresh start,
// or the error is capture.ErrPositionLost. afresh says why the checkpoint
// is set aside.
func decidePlan(pol captureopts.Policy, cp *change.Position, state *cpState, lost bool) (*openPlan, capture.Afresh, error) {
	dec, err := capture.Decide(pol, cp, lost)
	switch {
	case errors.Is(err, capture.ErrPositionLost):
		return nil, 0, err
	case err != nil:
		return nil, 0, &PrerequisiteError{Problems: []error{err}}
	}
	plan := &openPlan{snapshot: dec.Snapshot, eof: dec.EOF}
	switch {
	case dec.SchemaOnly:
		// A restart among the schema records of a snapshot without data.
		if state == nil {
			return nil, 0, &DecodeError{Table: "checkpoint", Err: errors.New("snapshot checkpoint without state")}
		}
		plan.schemaOnly, plan.schemaSkip, plan.start = true, cp.Index, state.Restart
	case dec.Resume:
		if state == nil {
			return nil, 0, &DecodeError{Table: "checkpoint", Err: errors.New("streaming checkpoint without state")}
		}
		plan.cp, plan.state, plan.start = cp, state, state.Restart
	}
	return plan, dec.Afresh, nil
}
