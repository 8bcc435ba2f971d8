package capture

import (
	"errors"

	"github.com/sluicecdc/sluice/connectors/captureopts"
	"github.com/sluicecdc/sluice/connectors/change"
)

// ErrPositionLost is Decide's error when the checkpoint's position is no
// longer on the server and the snapshot mode does not allow starting
// afresh. A source returns its own error in its place, the one that says
// why the position is gone (a dropped or invalidated slot, a purged binlog).
var ErrPositionLost = errors.New("the checkpoint's position is no longer available")

// Afresh says why a start with a checkpoint sets it aside and starts as
// if there were none.
type Afresh int

const (
	// AfreshNo: the checkpoint is used (or there is none).
	AfreshNo Afresh = iota
	// AfreshAlways: the mode reads the tables again at every start
	// (snapshot.mode=always, configuration_based with snapshot.data).
	AfreshAlways
	// AfreshLost: the checkpoint's position is gone from the server and
	// the mode allows a new start (when_needed, configuration_based's
	// snapshot.on.data.error).
	AfreshLost
)

// Plan is what a start does, as Decide chose it. At most one of Snapshot,
// EOF, SchemaOnly and Resume is set; none set means a fresh stream from the
// server's current position.
type Plan struct {
	// Snapshot: read the tables first. The checkpoint's snapshot is
	// continued when the checkpoint is a snapshot one and Afresh is
	// AfreshNo; otherwise a new snapshot starts.
	Snapshot bool
	// EOF: nothing to do; the stream ends at once.
	EOF bool
	// SchemaOnly: the checkpoint is among the schema-change records of a
	// snapshot without data (a snapshot checkpoint that names no table):
	// write the records after it, then stream on from the snapshot's
	// point.
	SchemaOnly bool
	// Resume: stream on after the streaming checkpoint's position.
	Resume bool
	// Afresh says why the checkpoint is set aside (AfreshNo: it is used).
	Afresh Afresh
}

// Decide chooses what a start does from the snapshot mode's policy, the
// checkpoint (nil: none) and whether the checkpoint's position is lost
// (no longer on the server). It is the decision both sources make the same
// way; each source computes lost its own way and then runs the startup that
// belongs to its database. Without streaming (initial_only,
// configuration_based without start.stream) lost is not looked at.
//
// Its errors: captureopts.ErrNeedsCheckpoint (recovery without a
// checkpoint) and ErrPositionLost.
func Decide(pol captureopts.Policy, cp *change.Position, lost bool) (Plan, error) {
	if !pol.Stream {
		switch {
		case !pol.Initial:
			// configuration_based without data and without streaming.
			return Plan{EOF: true}, nil
		case cp != nil && pol.Always:
			return Plan{Snapshot: true, Afresh: AfreshAlways}, nil
		case cp == nil || cp.Snapshot:
			return Plan{Snapshot: true}, nil
		}
		// initial_only finished its snapshot earlier: nothing more to give.
		return Plan{EOF: true}, nil
	}
	if cp == nil {
		if pol.Recovery {
			return Plan{}, captureopts.ErrNeedsCheckpoint
		}
		return Plan{Snapshot: pol.Initial}, nil
	}
	if lost && (pol.WhenNeeded || pol.Always && !cp.Snapshot) {
		// Afresh, as without a checkpoint: configuration_based without
		// snapshot.data streams from the current position.
		return Plan{Snapshot: pol.Initial, Afresh: AfreshLost}, nil
	}
	switch {
	case pol.Always && !cp.Snapshot:
		// A new snapshot at every start (one in progress is continued
		// instead).
		return Plan{Snapshot: true, Afresh: AfreshAlways}, nil
	case lost:
		return Plan{}, ErrPositionLost
	case !pol.Initial && cp.Snapshot && cp.Table == "":
		// A restart among the schema records of a snapshot without data.
		return Plan{SchemaOnly: true}, nil
	case cp.Snapshot:
		return Plan{Snapshot: true}, nil
	}
	return Plan{Resume: true}, nil
}
