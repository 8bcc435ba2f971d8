package capture

import (
	"log/slog"
	"slices"
)

// Tables newly captured (docs/capture-core.md section 3.4): when a
// connector restarts from a streaming checkpoint with a table.include.list
// (or exclude list) that now captures a table the checkpoint did not know,
// the stream has none of that table's existing rows. Debezium leaves them
// out; sluice queues such tables for an incremental snapshot, as an
// execute-snapshot signal naming them would, so that their rows arrive as
// op r (source.snapshot incremental) while the stream goes on. No
// Debezium key governs it: it is always on.

// AddedTables returns, sorted, the tables of captured ("namespace.name")
// that known does not know and that the engine's queue does not hold (a
// restart in the middle of their snapshot goes on with it).
func AddedTables(captured []string, known func(string) bool, s IncState) []string {
	var out []string
	for _, n := range captured {
		if known(n) || slices.ContainsFunc(s.Queue, func(t IncTable) bool { return t.ID == n }) {
			continue
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// QueueAdded queues the tables AddedTables finds for an incremental
// snapshot and logs them; it returns them.
func (e *Incremental) QueueAdded(log *slog.Logger, captured []string, known func(string) bool) []string {
	added := AddedTables(captured, known, e.state)
	if len(added) == 0 {
		return nil
	}
	log.Info("tables added to the capture; snapshotting them incrementally", "tables", added)
	ts := make([]IncTable, len(added))
	for i, n := range added {
		ts[i] = IncTable{ID: n}
	}
	e.Add(ts...)
	return added
}
