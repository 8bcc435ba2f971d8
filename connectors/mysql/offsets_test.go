package mysql

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/sluicecdc/sluice/connectors/change"
)

func TestOffsetView(t *testing.T) {
	st, err := json.Marshal(cpState{Restart: restartPoint{binlogPos: binlogPos{File: "mariadb-bin.000003", Pos: 154}, GTIDs: "0-1-23"}})
	if err != nil {
		t.Fatal(err)
	}
	o := OffsetView(change.Position{Tx: 3<<32 | 154, TxID: "0-1-24", Index: 4, State: st})
	b, _ := json.Marshal(o)
	if got, want := string(b), `{"file":"mariadb-bin.000003","gtids":"0-1-23","pos":154,"row":5,"sluice.txid":"0-1-24"}`; got != want {
		t.Errorf("offsets %s, want %s", got, want)
	}
	o = OffsetView(change.Position{Tx: 1, Index: 4, Last: true, State: st})
	if o["row"] != int64(0) {
		t.Errorf("a complete transaction has row %v, want 0", o["row"])
	}
}

// twoEventTx appends a MariaDB transaction of two rows events (ids 1-3 and
// 4-5) and a transaction of one (id 6); it returns the first one's start.
func twoEventTx(s *script) uint32 {
	start := s.add(replication.MARIADB_GTID_EVENT, &replication.MariadbGTIDEvent{GTID: gomysql.MariadbGTID{ServerID: 1, SequenceNumber: 6}})
	for _, ids := range [][]int32{{1, 2, 3}, {4, 5}} {
		s.add(replication.TABLE_MAP_EVENT, scriptTableMap(false))
		rows := &replication.RowsEvent{TableID: tableID}
		for _, id := range ids {
			rows.Rows = append(rows.Rows, []any{id, fmt.Sprintf("n%d", id)})
		}
		s.add(replication.WRITE_ROWS_EVENTv1, rows)
	}
	s.add(replication.XID_EVENT, &replication.XIDEvent{XID: 1})
	s.mariaTx(gomysql.MariadbGTID{ServerID: 1, SequenceNumber: 7}, false, 6)
	return start
}

// TestOffsetViewRoundTrip checks that every checkpoint, shown in Debezium's
// shape and set back from it (GET then PATCH .../offsets), resumes at the
// same event as the checkpoint itself, and that the view has Debezium's
// event and row (measured on Debezium 3.5.0: the offset of the one row of
// a transaction's second rows event is event 4, row 1).
func TestOffsetViewRoundTrip(t *testing.T) {
	s := newScript("mariadb-bin.000002")
	tx1 := twoEventTx(s)
	start := restartPoint{binlogPos: binlogPos{"mariadb-bin.000002", tx1}, GTIDs: "0-1-5"}
	h := newHarness(t, maria, start, nil, nil)
	h.feed(s.events)
	all := h.out
	if fmt.Sprint(ids(all)) != "[1 2 3 4 5 6]" {
		t.Fatalf("events %v", ids(all))
	}
	views := []string{}
	for k, ev := range all {
		view := OffsetView(ev.Pos)
		b, _ := json.Marshal(view)
		views = append(views, string(b))
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var off map[string]any
		if err := dec.Decode(&off); err != nil {
			t.Fatal(err)
		}
		p, err := FromOffset(off, nil)
		if err != nil {
			t.Fatalf("FromOffset(%s): %v", b, err)
		}
		var st cpState
		if err := json.Unmarshal(p.State, &st); err != nil {
			t.Fatal(err)
		}
		h := newHarness(t, maria, st.Restart, &p, &st)
		h.feed(s.events)
		if got, want := fmt.Sprint(ids(h.out)), fmt.Sprint(ids(all[k+1:])); got != want {
			t.Errorf("after event %d, offset %s resumes with %s, want %s", k, b, got, want)
		}
	}
	if views[4] != `{"event":4,"file":"mariadb-bin.000002","gtids":"0-1-5","pos":4,"row":2,"server_id":1,"ts_sec":1714558530}` {
		t.Errorf("view of id 5: %s", views[4])
	}
}

func TestFromOffsetRefuses(t *testing.T) {
	for _, c := range []struct {
		off  map[string]any
		want string
	}{
		{map[string]any{"pos": 4.0}, `needs "file" and "pos"`},
		{map[string]any{"file": "mariadb-bin.000002"}, `needs "file" and "pos"`},
		{map[string]any{"file": "binlog", "pos": 4.0}, "no numeric extension"},
		{map[string]any{"file": "mariadb-bin.000002", "pos": -4.0}, "not a non-negative integer"},
		{map[string]any{"file": "mariadb-bin.000002", "pos": 4.0, "gtids": 5.0}, "must be a string"},
		{map[string]any{"file": "mariadb-bin.000002", "pos": 4.0, "snapshot": "INITIAL"}, "snapshot that had not finished"},
	} {
		if _, err := FromOffset(c.off, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("FromOffset(%v) = %v, want an error with %q", c.off, err, c.want)
		}
	}
}

func TestBinlogResumeEmitted(t *testing.T) {
	r := binlogResume{Events: 4, Rows: 2}
	for _, c := range []struct {
		ev   int64
		row  int
		stmt bool
		want bool
	}{
		{3, 9, false, true}, {4, 0, false, true}, {4, 1, false, true}, {4, 2, false, false}, {5, 0, false, false},
		{4, 0, true, false}, {3, 0, true, true},
	} {
		if got := r.emitted(c.ev, c.row, c.stmt); got != c.want {
			t.Errorf("event %d row %d stmt %v: emitted %v, want %v", c.ev, c.row, c.stmt, got, c.want)
		}
	}
	// The offset of a DDL record at event 1: that statement was emitted.
	r = binlogResume{Events: 1}
	if !r.emitted(1, 0, true) || r.emitted(2, 0, false) {
		t.Error("statement offset")
	}
}

// TestFromOffsetShowsWhatWasSet checks that GET .../offsets after a PATCH
// shows the offset that was set.
func TestFromOffsetShowsWhatWasSet(t *testing.T) {
	for _, off := range []string{
		`{"event":4,"file":"mariadb-bin.000002","gtids":"0-1-3028","pos":12263445,"row":1,"server_id":1,"ts_sec":1796206017}`,
		`{"file":"mariadb-bin.000002","gtids":"0-1-3028","pos":12263445}`,
		`{"event":1,"file":"mariadb-bin.000002","pos":4}`,
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
