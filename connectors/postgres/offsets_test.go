package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pglogrepl"

	"github.com/sluicecdc/sluice/connectors/change"
)

// lsnMsg is a pgoutput message and the WAL position the server sends it at.
type lsnMsg struct {
	lsn uint64
	msg pglogrepl.Message
}

// offsetStream is three transactions with realistic LSNs (decimal): a
// change at its record, COMMIT at the end of the commit record.
//
//	xid 7: BEGIN 1000, ins 1 1010, ins 2 1020, commit record 1030-1040
//	xid 8: BEGIN 1050, ins 3 1060, ins 4 1070, ins 5 1080, commit record 1090-1100
//	xid 9: BEGIN 1110, ins 6 1120, commit record 1130-1140
func offsetStream() []lsnMsg {
	var out []lsnMsg
	lsn := uint64(1000)
	for _, tx := range []struct {
		xid uint32
		ids []string
	}{{7, []string{"1", "2"}}, {8, []string{"3", "4", "5"}}, {9, []string{"6"}}} {
		commit := lsn + 10*uint64(len(tx.ids)+1)
		out = append(out, lsnMsg{lsn, &pglogrepl.BeginMessage{FinalLSN: pglogrepl.LSN(commit), Xid: tx.xid, CommitTime: time.Unix(1714558530, 123456000)}})
		for i, id := range tx.ids {
			out = append(out, lsnMsg{lsn + 10*uint64(i+1), ins(id)})
		}
		out = append(out, lsnMsg{commit + 10, &pglogrepl.CommitMessage{CommitLSN: pglogrepl.LSN(commit), TransactionEndLSN: pglogrepl.LSN(commit + 10)}})
		lsn = commit + 20
	}
	return out
}

// feedLSNs feeds msgs at their LSNs.
func (h *harness) feedLSNs(msgs []lsnMsg) {
	h.t.Helper()
	for _, m := range msgs {
		if err := h.dec.handle(context.Background(), m.lsn, m.msg, func(it item) error {
			h.items = append(h.items, it)
			return nil
		}); err != nil {
			h.t.Fatal(err)
		}
	}
}

// runFrom decodes offsetStream from cp and returns the ids of the rows
// emitted and the items sent before the first event.
func runFrom(t *testing.T, cp *change.Position) (ids []string, before []item) {
	t.Helper()
	h := newHarness(t, Config{}, testTable(t, 'd'), cp, nil)
	if cp != nil && len(cp.State) > 0 {
		var ss snapState
		if err := json.Unmarshal(cp.State, &ss); err != nil {
			t.Fatal(err)
		}
		h.dec.resume, h.dec.hold = ss.Resume, ss.Moved
	}
	h.items = nil
	h.feedLSNs(offsetStream())
	seen := false
	for _, it := range h.items {
		if it.Ev != nil {
			seen = true
			ids = append(ids, fmt.Sprint(it.Ev.After[0]))
		} else if !seen {
			before = append(before, it)
		}
	}
	return ids, before
}

// viaJSON passes an offset through JSON as the REST API and Kafka Connect's
// offsets topic do (numbers as json.Number).
func viaJSON(t *testing.T, o map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out map[string]any
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestOffsetViewRoundTrip checks that every checkpoint, shown in Debezium's
// shape and set back from it (GET then PATCH .../offsets), resumes at
// exactly the same event as the checkpoint itself.
func TestOffsetViewRoundTrip(t *testing.T) {
	h := newHarness(t, Config{}, testTable(t, 'd'), nil, nil)
	h.feedLSNs(offsetStream())
	all := h.events()
	if len(all) != 6 {
		t.Fatalf("%d events", len(all))
	}
	for k, ev := range all {
		view := OffsetView(ev.Pos)
		want, _ := runFrom(t, &ev.Pos)
		if len(want) != 5-k {
			t.Fatalf("native checkpoint %d resumes with %v", k, want)
		}
		p, err := FromOffset(viaJSON(t, view), nil)
		if err != nil {
			t.Fatalf("FromOffset(%v): %v", view, err)
		}
		got, before := runFrom(t, &p)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("after event %d, offset %v resumes with %v, want %v", k, view, got, want)
		}
		for _, it := range before {
			if it.End != nil && it.End.End > p.Tx+1 {
				t.Errorf("offset %v: the slot was moved to %d before the first event", view, it.End.End)
			}
		}
	}
}

// TestOffsetViewDebeziumShape checks the keys and values against what
// Debezium 3.6.1 stored for the same change (measured on Kafka Connect
// 4.3.0: {"lsn_proc":35256584,"messageType":"INSERT","lsn_commit":30830040,
// "lsn":35256584,"txId":761,"ts_usec":1796205269025441}).
func TestOffsetViewDebeziumShape(t *testing.T) {
	h := newHarness(t, Config{}, testTable(t, 'd'), nil, nil)
	h.feedLSNs(offsetStream())
	ev := h.events()[3] // ins 4: second event of tx 200
	got, _ := json.Marshal(OffsetView(ev.Pos))
	want := `{"lsn":1070,"lsn_commit":1040,"lsn_proc":1070,"messageType":"INSERT","ts_usec":1714558530123456,"txId":8}`
	if string(got) != want {
		t.Errorf("view %s, want %s", got, want)
	}
}

func TestFromOffsetDebeziumOffsets(t *testing.T) {
	for _, c := range []struct {
		name string
		off  string
		want []string
	}{
		// Debezium's offset at its last record: ins 4 of xid 8.
		// Debezium's offset at its last record: ins 4 of xid 8.
		{"at a change", `{"lsn_proc":1070,"messageType":"INSERT","lsn_commit":1040,"lsn":1070,"txId":8,"ts_usec":1}`, []string{"5", "6"}},
		{"at a transaction's last change", `{"lsn_proc":1080,"messageType":"INSERT","lsn_commit":1040,"lsn":1080,"txId":8}`, []string{"6"}},
		// The first transaction after a snapshot has no lsn_commit.
		{"no lsn_commit", `{"lsn_proc":1010,"messageType":"UPDATE","lsn":1010,"txId":7}`, []string{"2", "3", "4", "5", "6"}},
		// With heartbeats Debezium stores offsets at COMMIT.
		{"at a commit", `{"lsn_proc":1100,"messageType":"COMMIT","lsn_commit":1100,"lsn":1100,"txId":8}`, []string{"6"}},
		// A finished snapshot: everything committed from its LSN on.
		{"finished snapshot", `{"last_snapshot_record":true,"lsn":1045,"txId":6,"ts_usec":1,"snapshot":"INITIAL","snapshot_completed":true}`, []string{"3", "4", "5", "6"}},
		{"lsn only", `{"lsn":1041}`, []string{"3", "4", "5", "6"}},
		{"string numbers", `{"lsn":"1041"}`, []string{"3", "4", "5", "6"}},
	} {
		var off map[string]any
		dec := json.NewDecoder(strings.NewReader(c.off))
		dec.UseNumber()
		if err := dec.Decode(&off); err != nil {
			t.Fatal(err)
		}
		p, err := FromOffset(off, nil)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		got, _ := runFrom(t, &p)
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: %s resumes with %v, want %v", c.name, c.off, got, c.want)
		}
	}
}

func TestFromOffsetRefuses(t *testing.T) {
	for _, c := range []struct {
		off  map[string]any
		want string
	}{
		{map[string]any{"snapshot": "INITIAL", "last_snapshot_record": false, "lsn": 5.0}, "snapshot that had not finished"},
		{map[string]any{"txId": 5.0}, "has no \"lsn\""},
		{map[string]any{"lsn": -1.0}, "not a non-negative integer"},
		{map[string]any{"lsn": "x"}, "not a non-negative integer"},
		{map[string]any{"lsn": 10.0, "messageType": "UPSERT"}, "unknown value \"UPSERT\""},
	} {
		_, err := FromOffset(c.off, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("FromOffset(%v) = %v, want an error with %q", c.off, err, c.want)
		}
	}
}

// TestFromOffsetKeepsSchemaVersions checks that a PATCH keeps the table
// schema versions of the connector's checkpoint.
func TestFromOffsetKeepsSchemaVersions(t *testing.T) {
	prev := change.Position{Tx: 5, Last: true, State: json.RawMessage(`{"schemas":{"public.t":{"v":3,"f":"abc"}}}`)}
	p, err := FromOffset(map[string]any{"lsn": 10.0}, &prev)
	if err != nil {
		t.Fatal(err)
	}
	var ss snapState
	if err := json.Unmarshal(p.State, &ss); err != nil {
		t.Fatal(err)
	}
	if len(ss.Schemas) != 1 || !ss.Moved || p.Tx != 9 || !p.Last {
		t.Errorf("position %+v state %s", p, p.State)
	}
}

// TestFromOffsetInterleaved checks an offset whose change was written before
// the previous transaction committed: lsn_proc is before lsn_commit.
func TestFromOffsetInterleaved(t *testing.T) {
	begin := func(commit uint64, xid uint32) pglogrepl.Message {
		return &pglogrepl.BeginMessage{FinalLSN: pglogrepl.LSN(commit), Xid: xid, CommitTime: time.Unix(1714558530, 0)}
	}
	commit := func(at uint64) pglogrepl.Message {
		return &pglogrepl.CommitMessage{CommitLSN: pglogrepl.LSN(at), TransactionEndLSN: pglogrepl.LSN(at + 10)}
	}
	// xid 7 writes id 1 at 1000, xid 8 writes id 2 at 1050 and commits
	// (1060-1070), xid 7 writes id 3 at 1080 and commits (1090-1100).
	stream := []lsnMsg{
		{1050, begin(1060, 8)}, {1050, ins("2")}, {1070, commit(1060)},
		{1000, begin(1090, 7)}, {1000, ins("1")}, {1080, ins("3")}, {1100, commit(1090)},
		{1110, begin(1130, 9)}, {1120, ins("4")}, {1140, commit(1130)},
	}
	// Debezium's offset at id 1: lsn_commit is xid 8's end.
	p, err := FromOffset(map[string]any{"lsn_proc": 1000.0, "lsn": 1000.0, "lsn_commit": 1070.0, "txId": 7.0, "messageType": "INSERT"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ss snapState
	if err := json.Unmarshal(p.State, &ss); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, Config{}, testTable(t, 'd'), &p, nil)
	h.dec.resume, h.dec.hold = ss.Resume, ss.Moved
	h.items = nil
	h.feedLSNs(stream)
	var got []string
	for _, ev := range h.events() {
		got = append(got, fmt.Sprint(ev.After[0]))
	}
	if strings.Join(got, ",") != "3,4" {
		t.Errorf("resumed with %v, want [3 4]", got)
	}
	// sluice's own view of id 1 is that offset.
	h = newHarness(t, Config{}, testTable(t, 'd'), nil, nil)
	h.feedLSNs(stream)
	b, _ := json.Marshal(OffsetView(h.events()[1].Pos))
	if want := `{"lsn":1000,"lsn_commit":1070,"lsn_proc":1000,"messageType":"INSERT","ts_usec":1714558530000000,"txId":7}`; string(b) != want {
		t.Errorf("view %s, want %s", b, want)
	}
}

// TestFromOffsetShowsWhatWasSet checks that GET .../offsets after a PATCH
// shows the offset that was set.
func TestFromOffsetShowsWhatWasSet(t *testing.T) {
	for _, off := range []string{
		`{"lsn":1070,"lsn_commit":1040,"lsn_proc":1070,"messageType":"INSERT","ts_usec":1714558530123456,"txId":8}`,
		`{"lsn":1100,"lsn_commit":1100,"lsn_proc":1100,"messageType":"COMMIT","ts_usec":1714558530123456,"txId":8}`,
		`{"lsn":1041,"lsn_proc":1041}`,
	} {
		dec := json.NewDecoder(strings.NewReader(off))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		p, err := FromOffset(m, nil)
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := json.Marshal(OffsetView(p)); string(b) != off {
			t.Errorf("set %s, shown %s", off, b)
		}
	}
}
