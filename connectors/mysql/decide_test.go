package mysql

import (
	"errors"
	"testing"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/capture/capturetest"
	"github.com/sluicecdc/sluice/connectors/captureopts"
	"github.com/sluicecdc/sluice/connectors/change"
)

// openOutcome is what the decision part of Open leaves behind: the plan,
// the checkpoint and state it keeps for the snapshot and the schema
// versions, what the prerequisites are checked for, whether the binlog was
// looked up, and which "afresh" branch ran (its log line).
type openOutcome struct {
	err        string
	snapshot   bool
	eof        bool
	schemaOnly bool
	schemaSkip int64
	start      restartPoint
	cp         bool // plan.cp is the checkpoint
	state      bool // plan.state is the checkpoint's state
	keepCP     bool // cp after the decision (beginSnapshot continues it)
	keepState  bool // state after the decision (schema versions)
	lock       bool // the prerequisites are checked for a snapshot's locks
	asked      bool // the binlog's files were looked up
	afresh     capture.Afresh
}

func (o *openOutcome) fill(plan *openPlan, cp *change.Position, state *cpState) {
	o.snapshot, o.eof, o.schemaOnly, o.schemaSkip, o.start = plan.snapshot, plan.eof, plan.schemaOnly, plan.schemaSkip, plan.start
	o.cp, o.state, o.keepCP, o.keepState = plan.cp != nil, plan.state != nil, cp != nil, state != nil
}

// legacyOpenPlan is the decision of Open as it was before capture.Decide
// (main at 64b0805), with the database calls left out: lost stands for
// checkBinlogAvailable's error, and logging sets afresh.
func legacyOpenPlan(pol captureopts.Policy, cp *change.Position, state *cpState, lost error) (o openOutcome) {
	fail := func(err error) openOutcome { return openOutcome{err: err.Error()} }
	snapOnly := !pol.Stream
	noData := !pol.Initial
	plan := &openPlan{}
	switch {
	case snapOnly && noData:
		plan.eof = true
	case noData && cp != nil && cp.Snapshot && cp.Table == "":
		if state == nil {
			return fail(&DecodeError{Table: "checkpoint", Err: errors.New("snapshot checkpoint without state")})
		}
		plan.schemaOnly, plan.schemaSkip, plan.start = true, cp.Index, state.Restart
	case pol.Always && cp != nil && (snapOnly || !cp.Snapshot):
		o.afresh = capture.AfreshAlways
		plan.snapshot = true
		cp = nil
	case snapOnly && (cp == nil || cp.Snapshot):
		plan.snapshot = true
	case snapOnly:
		plan.eof = true
	case cp != nil && cp.Snapshot:
		plan.snapshot = true
	case cp != nil:
		if state == nil {
			return fail(&DecodeError{Table: "checkpoint", Err: errors.New("streaming checkpoint without state")})
		}
		plan.cp, plan.state, plan.start = cp, state, state.Restart
	case pol.Recovery:
		return fail(&PrerequisiteError{Problems: []error{captureopts.ErrNeedsCheckpoint}})
	case pol.Initial:
		plan.snapshot = true
	}
	o.lock = plan.snapshot
	if plan.cp != nil {
		o.asked = true
		if lost != nil {
			if !pol.WhenNeeded {
				return fail(lost)
			}
			o.afresh = capture.AfreshLost
			plan = &openPlan{snapshot: pol.Initial}
			cp, state = nil, nil
		}
	}
	o.fill(plan, cp, state)
	return o
}

// decideOpenPlan is the same decision as Open makes it now: decidePlan,
// the checkpoint set aside under always, and decidePlan again when the
// binlog of a plan that streams on from the checkpoint is gone.
func decideOpenPlan(pol captureopts.Policy, cp *change.Position, state *cpState, lost error) (o openOutcome) {
	plan, afresh, err := decidePlan(pol, cp, state, false)
	if err != nil {
		return openOutcome{err: err.Error()}
	}
	if afresh == capture.AfreshAlways {
		cp = nil
	}
	o.afresh, o.lock = afresh, plan.snapshot
	if plan.cp != nil {
		o.asked = true
		if lost != nil {
			if plan, o.afresh, err = decidePlan(pol, cp, state, true); err != nil {
				return openOutcome{err: lost.Error()}
			}
			cp, state = nil, nil
		}
	}
	o.fill(plan, cp, state)
	return o
}

// TestDecideAgreesWithOpen runs the old decision code and capture.Decide
// over every policy, kind of checkpoint (with and without state) and state
// of the checkpoint's binlog, and requires the same outcome.
func TestDecideAgreesWithOpen(t *testing.T) {
	cps := map[string]*change.Position{
		"none":     nil,
		"snapshot": {Snapshot: true, Table: "db.t", Index: 3},
		"stream":   {Tx: 42},
		"schema":   {Snapshot: true, Index: 2},
	}
	states := map[string]*cpState{
		"no state": nil,
		"state":    {Restart: restartPoint{binlogPos: binlogPos{File: "mysql-bin.000003", Pos: 154}, GTIDs: "0-1-23"}},
	}
	losts := map[string]error{
		"binlog kept":   nil,
		"binlog purged": &BinlogLostError{Where: "mysql-bin.000003:154", Reason: "purged"},
	}
	n := 0
	for _, pol := range capturetest.Policies(t, captureopts.Binlog) {
		for cpName, cp := range cps {
			for stName, st := range states {
				for lostName, lost := range losts {
					old, now := legacyOpenPlan(pol, cp, st, lost), decideOpenPlan(pol, cp, st, lost)
					if old != now {
						t.Errorf("%+v, checkpoint %s, %s, %s:\n old %+v\n new %+v", pol, cpName, stName, lostName, old, now)
					}
					n++
				}
			}
		}
	}
	if n != 23*4*2*2 {
		t.Errorf("%d cases", n)
	}
}
