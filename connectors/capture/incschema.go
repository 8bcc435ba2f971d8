package capture

import (
	"errors"

	"github.com/sluicecdc/sluice/connectors/change"
)

// Column changes during an incremental snapshot, as Debezium handles them
// (AbstractIncrementalSnapshotChangeEventSource): a chunk is read with the
// columns the stream knows, so its rows have the stream's schema version;
// a column change of the head table that reaches the stream while the
// chunk waits discards the chunk, to be read again with the new columns
// (Debezium's rereadChunk, whatever incremental.snapshot.allow.schema.changes
// says). The key decides what a read does when the server's columns
// already differ from the stream's (the change is committed, the stream
// has not reached it): false, Debezium's default, reads the known columns
// by name, a dropped one as null, a new one not at all; true reads nothing
// until the stream has caught up (Scan returns ErrSchemaPending).

// ErrSchemaPending is what a View's Scan returns, with
// incremental.snapshot.allow.schema.changes=true, when the table's columns
// on the server are not those the stream knows: no chunk is read, and the
// engine tries again at a later Step, once the stream has read the change.
var ErrSchemaPending = errors.New("the table's columns changed on the server and the stream has not read the change yet")

// ColumnsNow compares the columns the stream knows, known, with those the
// server has now, now (eq compares names): has[i] reports whether known[i]
// is still there, and same whether both name the same columns.
func ColumnsNow(known, now []string, eq func(a, b string) bool) (has []bool, same bool) {
	has = make([]bool, len(known))
	n := 0
	for i, k := range known {
		for _, c := range now {
			if eq(k, c) {
				has[i] = true
				n++
				break
			}
		}
	}
	return has, n == len(known) && len(now) == len(known)
}

// Reread discards the open chunk when it is of table, whose columns the
// stream has just seen change: the next Step reads the same chunk again
// with the new columns. It reports whether a chunk was discarded.
func (e *Incremental) Reread(table change.TableID) bool {
	if e.win == nil || e.win.table != table {
		return false
	}
	e.win = nil
	e.logInfo("incremental snapshot: the table's columns changed while a chunk waited; the chunk is read again", "table", table.String())
	return true
}
