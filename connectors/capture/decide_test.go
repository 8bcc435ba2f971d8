package capture

import (
	"errors"
	"testing"

	"github.com/sluicecdc/sluice/connectors/capture/capturetest"
	"github.com/sluicecdc/sluice/connectors/captureopts"
	"github.com/sluicecdc/sluice/connectors/change"
)

// policy parses snapshot.mode (and the configuration_based keys in kv, as
// key=value pairs) the way a binlog source does, so that the table below
// runs on the policies the sources really get.
func policy(t *testing.T, mode string, kv ...string) captureopts.Policy {
	t.Helper()
	m := map[string]string{"snapshot.mode": mode}
	for i := 0; i+1 < len(kv); i += 2 {
		m["snapshot.mode.configuration.based."+kv[i]] = kv[i+1]
	}
	o, errs := captureopts.Parse(m, mode, captureopts.Binlog)
	if len(errs) > 0 {
		t.Fatalf("parse %s %v: %v", mode, kv, errs)
	}
	return o.Policy
}

var (
	cpSnapshot = &change.Position{Snapshot: true, Table: "db.t", Index: 3}
	cpSchema   = &change.Position{Snapshot: true, Index: 2}
	cpStream   = &change.Position{Tx: 42}
)

// TestDecide is the open-plan decision tree: what a start does for each
// snapshot mode, kind of checkpoint and lost position.
func TestDecide(t *testing.T) {
	cbData := []string{"snapshot.data", "true", "start.stream", "true"}
	cbSnapOnly := []string{"snapshot.data", "true"}
	cbOnError := []string{"start.stream", "true", "snapshot.on.data.error", "true"}
	cases := []struct {
		name string
		mode string
		kv   []string
		cp   *change.Position
		lost bool
		want Plan
		err  error
	}{
		{name: "initial, no checkpoint: snapshot", mode: "initial", want: Plan{Snapshot: true}},
		{name: "initial, snapshot checkpoint: continue it", mode: "initial", cp: cpSnapshot, want: Plan{Snapshot: true}},
		{name: "initial, streaming checkpoint: resume", mode: "initial", cp: cpStream, want: Plan{Resume: true}},
		{name: "initial, streaming checkpoint lost: fail", mode: "initial", cp: cpStream, lost: true, err: ErrPositionLost},
		{name: "initial, snapshot checkpoint lost: fail", mode: "initial", cp: cpSnapshot, lost: true, err: ErrPositionLost},
		{name: "initial, schema records of a data snapshot: continue the snapshot", mode: "initial", cp: cpSchema, want: Plan{Snapshot: true}},
		{name: "no_data, no checkpoint: stream from now", mode: "no_data", want: Plan{}},
		{name: "no_data, schema records: write the rest", mode: "no_data", cp: cpSchema, want: Plan{SchemaOnly: true}},
		{name: "no_data, schema records lost: fail", mode: "no_data", cp: cpSchema, lost: true, err: ErrPositionLost},
		{name: "no_data, streaming checkpoint: resume", mode: "no_data", cp: cpStream, want: Plan{Resume: true}},
		{name: "never is no_data", mode: "never", cp: cpSchema, want: Plan{SchemaOnly: true}},
		{name: "initial_only, no checkpoint: snapshot", mode: "initial_only", want: Plan{Snapshot: true}},
		{name: "initial_only, snapshot checkpoint: continue it", mode: "initial_only", cp: cpSnapshot, want: Plan{Snapshot: true}},
		{name: "initial_only, finished: nothing to do", mode: "initial_only", cp: cpStream, want: Plan{EOF: true}},
		{name: "initial_only ignores lost", mode: "initial_only", cp: cpStream, lost: true, want: Plan{EOF: true}},
		{name: "when_needed, streaming checkpoint: resume", mode: "when_needed", cp: cpStream, want: Plan{Resume: true}},
		{name: "when_needed, streaming checkpoint lost: new snapshot", mode: "when_needed", cp: cpStream, lost: true, want: Plan{Snapshot: true, Afresh: AfreshLost}},
		{name: "when_needed, snapshot checkpoint lost: new snapshot", mode: "when_needed", cp: cpSnapshot, lost: true, want: Plan{Snapshot: true, Afresh: AfreshLost}},
		{name: "always, no checkpoint: snapshot", mode: "always", want: Plan{Snapshot: true}},
		{name: "always, streaming checkpoint: new snapshot", mode: "always", cp: cpStream, want: Plan{Snapshot: true, Afresh: AfreshAlways}},
		{name: "always, streaming checkpoint lost: new snapshot", mode: "always", cp: cpStream, lost: true, want: Plan{Snapshot: true, Afresh: AfreshLost}},
		{name: "always, snapshot checkpoint: continue it", mode: "always", cp: cpSnapshot, want: Plan{Snapshot: true}},
		{name: "always, snapshot checkpoint lost: fail", mode: "always", cp: cpSnapshot, lost: true, err: ErrPositionLost},
		{name: "recovery, no checkpoint: refused", mode: "recovery", err: captureopts.ErrNeedsCheckpoint},
		{name: "recovery, streaming checkpoint: resume", mode: "recovery", cp: cpStream, want: Plan{Resume: true}},
		{name: "configuration_based, nothing: nothing to do", mode: "configuration_based", cp: cpStream, want: Plan{EOF: true}},
		{name: "configuration_based, stream only: from now", mode: "configuration_based", kv: []string{"start.stream", "true"}, want: Plan{}},
		{name: "configuration_based, data: new snapshot at every start", mode: "configuration_based", kv: cbData, cp: cpStream, want: Plan{Snapshot: true, Afresh: AfreshAlways}},
		{name: "configuration_based, data without stream: new snapshot", mode: "configuration_based", kv: cbSnapOnly, cp: cpStream, want: Plan{Snapshot: true, Afresh: AfreshAlways}},
		{name: "configuration_based, data without stream ignores lost", mode: "configuration_based", kv: cbSnapOnly, cp: cpSnapshot, lost: true, want: Plan{Snapshot: true, Afresh: AfreshAlways}},
		{name: "configuration_based, on data error, lost: stream from now", mode: "configuration_based", kv: cbOnError, cp: cpStream, lost: true, want: Plan{Afresh: AfreshLost}},
		{name: "configuration_based, on data error, not lost: resume", mode: "configuration_based", kv: cbOnError, cp: cpStream, want: Plan{Resume: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Decide(policy(t, c.mode, c.kv...), c.cp, c.lost)
			if !errors.Is(err, c.err) || (err == nil) != (c.err == nil) {
				t.Fatalf("error %v, want %v", err, c.err)
			}
			if got != c.want {
				t.Errorf("plan %+v, want %+v", got, c.want)
			}
		})
	}
}

// TestDecidePlanShape checks, over every policy of both flavors, every kind
// of checkpoint and lost, what Plan's doc promises: at most one of
// Snapshot, EOF, SchemaOnly and Resume; a checkpoint set aside only when
// there is one, and then the plan does not use it; lost looked at only
// while streaming.
func TestDecidePlanShape(t *testing.T) {
	for _, f := range []captureopts.Flavor{captureopts.Postgres, captureopts.Binlog} {
		for _, pol := range capturetest.Policies(t, f) {
			for _, cp := range []*change.Position{nil, cpSnapshot, cpSchema, cpStream} {
				for _, lost := range []bool{false, true} {
					p, err := Decide(pol, cp, lost)
					if err != nil {
						continue
					}
					n := 0
					for _, set := range []bool{p.Snapshot, p.EOF, p.SchemaOnly, p.Resume} {
						if set {
							n++
						}
					}
					switch {
					case n > 1:
						t.Errorf("%+v %+v lost=%v: %+v sets more than one", pol, cp, lost, p)
					case p.Afresh != AfreshNo && (cp == nil || p.SchemaOnly || p.Resume):
						t.Errorf("%+v %+v lost=%v: %+v sets aside a checkpoint it uses or does not have", pol, cp, lost, p)
					case p.Resume && (cp == nil || cp.Snapshot):
						t.Errorf("%+v %+v lost=%v: %+v resumes without a streaming checkpoint", pol, cp, lost, p)
					}
					if !pol.Stream {
						if q, _ := Decide(pol, cp, !lost); q != p {
							t.Errorf("%+v %+v: lost changes the plan without streaming: %+v, %+v", pol, cp, p, q)
						}
					}
				}
			}
		}
	}
}
