package postgres

import (
	"testing"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/capture/capturetest"
	"github.com/sluicecdc/sluice/connectors/captureopts"
	"github.com/sluicecdc/sluice/connectors/change"
)

// openOutcome is what the decision part of Open leaves behind: the plan,
// the checkpoint it keeps, and which "afresh" branch ran (its log line,
// and the drop of an invalidated slot).
type openOutcome struct {
	err      string
	snapshot bool
	eof      bool
	resume   bool // the streaming checkpoint's state is taken
	cp       bool // plan.cp is the checkpoint
	afresh   capture.Afresh
	slot     bool // the slot exists after the decision
}

// legacyOpenPlan is the decision of Open and restartPlan as they were
// before capture.Decide (main at 64b0805), with the database calls left out
// (dropping the slot resets slot, logging sets afresh).
func legacyOpenPlan(cfg *Config, cp *change.Position, slot slotInfo) (o openOutcome) {
	snapOnly := !cfg.Capture.Policy.Stream
	if snapOnly {
		slot = slotInfo{}
	}
	// restartPlan
	if cp != nil {
		pol := cfg.Capture.Policy
		afresh := pol.Always && (snapOnly || !cp.Snapshot)
		gone := false
		if !snapOnly && (pol.WhenNeeded || afresh) {
			if why := slotGone(slot); why != "" {
				o.afresh = capture.AfreshLost
				if slot.Exists {
					slot = slotInfo{}
				}
				cp, gone = nil, true
			}
		}
		if !gone && afresh {
			o.afresh = capture.AfreshAlways
			cp = nil
		}
	}
	fail := func(err error) openOutcome { return openOutcome{err: err.Error()} }
	switch {
	case snapOnly && !cfg.Capture.Policy.Initial:
		o.eof = true
	case snapOnly && (cp == nil || cp.Snapshot):
		o.snapshot = true
	case snapOnly:
		o.eof = true
	case cp != nil && !cp.Snapshot:
		if err := usableSlot(cfg, slot, true); err != nil {
			return fail(err)
		}
		o.resume = len(cp.State) > 0
	case cp != nil && cp.Snapshot:
		if err := usableSlot(cfg, slot, true); err != nil {
			return fail(err)
		}
		o.snapshot = true
	case wantsSnapshot(cfg):
		o.snapshot = true
		if slot.Exists {
			if err := usableSlot(cfg, slot, false); err != nil {
				return fail(err)
			}
		}
	default:
		if slot.Exists {
			if err := usableSlot(cfg, slot, false); err != nil {
				return fail(err)
			}
		}
	}
	o.cp, o.slot = cp != nil, slot.Exists
	return o
}

// decideOpenPlan is the same decision as Open makes it now: decidePlan,
// then startAfresh's drop of an invalidated slot.
func decideOpenPlan(cfg *Config, cp *change.Position, slot slotInfo) (o openOutcome) {
	if !cfg.Capture.Policy.Stream {
		slot = slotInfo{}
	}
	plan, afresh, err := decidePlan(cfg, cp, slot)
	if err != nil {
		return openOutcome{err: err.Error()}
	}
	if afresh == capture.AfreshLost && slot.Exists {
		slot = slotInfo{}
	}
	return openOutcome{snapshot: plan.snapshot, eof: plan.eof, resume: plan.state != nil, cp: plan.cp != nil, afresh: afresh, slot: slot.Exists}
}

// TestDecideAgreesWithOpen runs the old decision code and capture.Decide
// over every policy, kind of checkpoint and state of the slot, and
// requires the same outcome.
func TestDecideAgreesWithOpen(t *testing.T) {
	cps := map[string]*change.Position{
		"none":     nil,
		"snapshot": {Snapshot: true, Table: "public.t", Index: 3},
		"stream":   {Tx: 42, State: []byte(`{}`)},
		"schema":   {Snapshot: true, Index: 2},
	}
	slots := map[string]slotInfo{
		"usable":      {Exists: true, WALStatus: "reserved"},
		"missing":     {},
		"invalidated": {Exists: true, WALStatus: "lost"},
	}
	n := 0
	for _, pol := range capturetest.Policies(t, captureopts.Postgres) {
		cfg := &Config{SlotName: "sluice_slot"}
		cfg.Capture.Policy = pol
		for cpName, cp := range cps {
			for slotName, slot := range slots {
				old, now := legacyOpenPlan(cfg, cp, slot), decideOpenPlan(cfg, cp, slot)
				if old != now {
					t.Errorf("%+v, checkpoint %s, slot %s:\n old %+v\n new %+v", pol, cpName, slotName, old, now)
				}
				n++
			}
		}
	}
	if n != 21*4*3 {
		t.Errorf("%d cases", n)
	}
}
