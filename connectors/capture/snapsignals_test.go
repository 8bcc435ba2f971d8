package capture

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

var capturedTables = []string{"inv.customers", "inv.orders", "inv.order_lines", "shop.Orders"}

// queueOf shows a queue as id[cond|sk|corr] entries.
func queueOf(q []IncTable) string {
	s := make([]string, len(q))
	for i, t := range q {
		s[i] = fmt.Sprintf("%s[%s|%s|%s]", t.ID, t.Cond, t.Surrogate, t.Corr)
	}
	return strings.Join(s, " ")
}

func TestExecuteSnapshotTables(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		want       string // queueOf the tables, or the error's text
	}{
		{"exact name", `{"data-collections":["inv.orders"],"type":"incremental"}`, "inv.orders[||s1]"},
		{"type absent: incremental", `{"data-collections":["inv.orders"]}`, "inv.orders[||s1]"},
		{"type in upper case", `{"data-collections":["inv.orders"],"type":"INCREMENTAL"}`, "inv.orders[||s1]"},
		{"regex matches the whole name", `{"data-collections":["inv.order.*"]}`, "inv.orders[||s1] inv.order_lines[||s1]"},
		{"no partial match", `{"data-collections":["orders"]}`, ""},
		{"names are case-sensitive", `{"data-collections":["shop.orders"]}`, ""},
		{"trimmed, in pattern order, each once", `{"data-collections":[" inv.orders ","inv\\..*"]}`,
			"inv.orders[||s1] inv.customers[||s1] inv.order_lines[||s1]"},
		{"conditions: first match, case folded", `{"data-collections":["inv.orders","shop.Orders"],"additional-conditions":[` +
			`{"data-collection":"INV.ORDERS","filter":"id > 10"},{"data-collection":".*","filter":"x = 'a'"}]}`,
			"inv.orders[id > 10||s1] shop.Orders[x = 'a'||s1]"},
		{"surrogate key", `{"data-collections":["inv.customers"],"surrogate-key":" email "}`, "inv.customers[|email|s1]"},
		{"blocking parses", `{"data-collections":["inv.orders"],"type":"blocking"}`, "inv.orders[||s1]"},
		{"no data-collections", `{"type":"incremental"}`, `error: signal: execute-snapshot needs "data-collections"`},
		{"empty data-collections", `{"data-collections":[]}`, `error: signal: execute-snapshot needs "data-collections"`},
		{"non-string collection", `{"data-collections":[7]}`, `error: signal: "data-collections" holds 7, not a string`},
		{"bad regex", `{"data-collections":["inv.(orders"]}`, `error: signal: data-collection "inv.(orders" is not a regular expression`},
		{"unknown type", `{"data-collections":["inv.orders"],"type":"full"}`, `error: signal: unexpected snapshot type "full"`},
		{"condition without filter", `{"data-collections":["inv.orders"],"additional-conditions":[{"data-collection":"inv.orders"}]}`,
			`error: signal: each of "additional-conditions" needs "data-collection" and "filter"`},
		{"data not an object", `{"data-collections":"inv.orders"}`, `error: signal: data of the execute-snapshot signal`},
	} {
		r, err := ParseExecuteSnapshot(Signal{ID: "s1", Type: ExecuteSnapshotType, Data: json.RawMessage(tc.data)})
		got := ""
		if err != nil {
			got = "error: " + err.Error()
		} else {
			got = queueOf(r.Tables(capturedTables))
		}
		if !strings.HasPrefix(got, tc.want) || (err == nil && got != tc.want) {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestParseStopSnapshot(t *testing.T) {
	for _, tc := range []struct {
		data, want string
	}{
		{``, "incremental []"},
		{`{}`, "incremental []"},
		{`{"type":"incremental"}`, "incremental []"},
		{`{"data-collections":["inv.orders","inv\\.c.*"],"type":"Blocking"}`, "blocking [inv.orders inv\\.c.*]"},
		{`{"data-collections":[true]}`, `error: signal: "data-collections" holds true, not a string`},
		{`{"type":"other"}`, `error: signal: unexpected snapshot type "other"`},
	} {
		r, err := ParseStopSnapshot(Signal{Type: StopSnapshotType, Data: json.RawMessage(tc.data)})
		got := ""
		if err != nil {
			got = "error: " + err.Error()
		} else {
			got = fmt.Sprintf("%s %v", r.Type, patterns(r.Collections))
		}
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.data, got, tc.want)
		}
	}
}

// TestSnapshotActions: the snapshot signals, dispatched, drive the engine,
// and what they refuse is logged.
func TestSnapshotActions(t *testing.T) {
	type step struct {
		typ, data string
		queue     string // queueOf the engine's queue after the signal
		paused    bool
		log       string // a substring of the log ("" = none checked)
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"execute, more, stop one, stop all", []step{
			{ExecuteSnapshotType, `{"data-collections":["inv.orders"]}`, "inv.orders[||s]", false, `msg="incremental snapshot requested" signal_id=s`},
			{ExecuteSnapshotType, `{"data-collections":["inv.c.*"],"additional-conditions":[{"data-collection":"inv.customers","filter":"id<5"}]}`,
				"inv.orders[||s] inv.customers[id<5||s]", false, ""},
			{StopSnapshotType, `{"data-collections":["inv.orders"],"type":"incremental"}`, "inv.customers[id<5||s]", false, "tables=[inv.orders]"},
			{StopSnapshotType, `{"data-collections":["inv.none"]}`, "inv.customers[id<5||s]", false, "matches no table of the incremental snapshot"},
			{StopSnapshotType, `{"type":"incremental"}`, "", false, "stop of the incremental snapshot requested"},
		}},
		{"blocking refused", []step{
			{ExecuteSnapshotType, `{"data-collections":["inv.orders"],"type":"blocking"}`, "", false, "does not take blocking snapshots yet"},
		}},
		{"no match", []step{
			{ExecuteSnapshotType, `{"data-collections":["other.t"]}`, "", false, "matches no captured table"},
		}},
		{"bad data is logged", []step{
			{ExecuteSnapshotType, `{"data-collections":[]}`, "", false, `action failed`},
		}},
		{"pause and resume", []step{
			{ExecuteSnapshotType, `{"data-collections":["shop.Orders"],"surrogate-key":"k"}`, "shop.Orders[|k|s]", false, ""},
			{PauseSnapshotType, ``, "shop.Orders[|k|s]", true, "incremental snapshot paused"},
			{ResumeSnapshotType, `{}`, "shop.Orders[|k|s]", false, "incremental snapshot resumed"},
		}},
	} {
		var buf bytes.Buffer
		log := logged(&buf)
		e := NewIncremental(IncState{}, 0, log)
		d := NewDispatcher(log)
		d.RegisterSnapshots(e, func() []string { return capturedTables })
		for i, st := range tc.steps {
			buf.Reset()
			d.Dispatch(Signal{ID: "s", Type: st.typ, Data: json.RawMessage(st.data), Channel: SignalChannelSource})
			if got := queueOf(e.State().Queue); got != st.queue || e.State().Paused != st.paused {
				t.Errorf("%s, step %d (%s): queue %q paused %v, want %q %v", tc.name, i, st.typ, got, e.State().Paused, st.queue, st.paused)
			}
			if !strings.Contains(buf.String(), st.log) {
				t.Errorf("%s, step %d (%s): log %q lacks %q", tc.name, i, st.typ, buf.String(), st.log)
			}
		}
	}
}
