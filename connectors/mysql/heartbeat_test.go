package mysql

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"

	"github.com/sluicecdc/sluice/connectors/change"
)

func isHeartbeat(ev *change.Event) bool {
	return ev != nil && ev.Message != nil && ev.Message.FullTopic
}

// TestDecoderHeartbeat: a due heartbeat is emitted between transactions
// with the position after the last complete one (so a checkpoint there
// resumes at the next transaction, skipping nothing of it), at the commit
// when it falls due inside a transaction, and never behind the checkpoint
// the stream resumed from.
func TestDecoderHeartbeat(t *testing.T) {
	s := newScript("mysql-bin.000002")
	s.mariaTx(gomysql.MariadbGTID{DomainID: 0, ServerID: 1, SequenceNumber: 6}, false, 1, 2)
	afterTx1 := s.pos
	tx2 := s.mariaTx(gomysql.MariadbGTID{DomainID: 0, ServerID: 1, SequenceNumber: 7}, false, 3)
	start := restartPoint{binlogPos: binlogPos{"mysql-bin.000002", 4}, GTIDs: "0-1-5"}
	ctx := context.Background()

	h := newHarness(t, maria, start, nil, nil)
	h.st.cfg.Heartbeat, _ = change.ParseHeartbeatConfig(map[string]string{"heartbeat.interval.ms": "1000"}, h.st.cfg.TopicPrefix)
	h.feed(s.events[:5]) // rotate and tx1
	if err := h.d.heartbeatTick(ctx); err != nil {
		t.Fatal(err)
	}
	if len(h.out) != 3 || !isHeartbeat(h.out[2]) {
		t.Fatalf("events %v, want two rows and a heartbeat", h.out)
	}
	hb := h.out[2]
	if want := orderOf(binlogPos{"mysql-bin.000002", afterTx1}) - 1; hb.Pos.Tx != want || !hb.Pos.Last {
		t.Errorf("heartbeat position %+v, want Tx %d Last", hb.Pos, want)
	}
	var st cpState
	if err := json.Unmarshal(hb.Pos.State, &st); err != nil {
		t.Fatal(err)
	}
	if st.Restart.Pos != afterTx1 || st.Restart.GTIDs != "0-1-6" || st.Schemas["db.t"].V != 1 {
		t.Errorf("heartbeat state %s, want restart after tx1 (pos %d, GTIDs 0-1-6) with the schema versions", hb.Pos.State, afterTx1)
	}
	if m := hb.Message; m.Topic != "__debezium-heartbeat."+h.st.cfg.TopicPrefix || m.Key[0] != h.st.cfg.TopicPrefix || !m.NoContextHeaders {
		t.Errorf("heartbeat message %+v", m)
	}
	if ov := OffsetView(hb.Pos); ov["file"] != "mysql-bin.000002" || ov["pos"] != afterTx1 || ov["row"] != int64(0) || ov["gtids"] != "0-1-6" {
		t.Errorf("offsets view %v", ov)
	}

	// Due inside tx2: emitted at its commit, after its row.
	h.feed(s.events[5:7])
	if err := h.d.heartbeatTick(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(h.out); n != 3 {
		t.Fatalf("%d events after a tick inside a transaction, want 3", n)
	}
	h.feed(s.events[7:])
	if len(h.out) != 5 || h.out[3].Pos.Tx != orderOf(binlogPos{"mysql-bin.000002", tx2}) || !isHeartbeat(h.out[4]) {
		t.Fatalf("events %v, want tx2's row then a heartbeat", h.out[3:])
	}

	// Resumed at the first heartbeat: tx2 comes whole, and a heartbeat due
	// before the stream passes the checkpoint waits for it.
	h2 := newHarness(t, maria, st.Restart, &hb.Pos, &st)
	h2.st.cfg.Heartbeat = h.st.cfg.Heartbeat
	if err := h2.d.heartbeatTick(ctx); err != nil {
		t.Fatal(err)
	}
	if len(h2.out) != 1 || !isHeartbeat(h2.out[0]) || h2.out[0].Pos.Tx != hb.Pos.Tx {
		t.Fatalf("heartbeat at the resume point: %v", h2.out)
	}
	h2.feed(s.events[5:])
	if len(h2.out) != 2 || fmt.Sprint(ids(h2.out[1:])) != "[3]" || h2.out[1].Pos.Index != 0 {
		t.Fatalf("after resuming at the heartbeat: %v", h2.out)
	}

	// Resumed at a checkpoint inside tx2 (ahead of the resume point): no
	// heartbeat until tx2 is read.
	mid := h.out[3].Pos
	mid.Last = false
	h3 := newHarness(t, maria, restartPoint{binlogPos: binlogPos{"mysql-bin.000002", tx2}, GTIDs: "0-1-6"}, &mid, nil)
	h3.st.cfg.Heartbeat = h.st.cfg.Heartbeat
	h3.d.after = restartPoint{binlogPos: binlogPos{"mysql-bin.000002", afterTx1}, GTIDs: "0-1-6"}
	if err := h3.d.heartbeatTick(ctx); err != nil {
		t.Fatal(err)
	}
	if len(h3.out) != 0 {
		t.Fatalf("heartbeat behind the checkpoint: %v", h3.out)
	}
	h3.feed(s.events[5:])
	if len(h3.out) != 1 || !isHeartbeat(h3.out[0]) {
		t.Fatalf("events %v, want only the heartbeat after tx2 (its row is at the checkpoint)", h3.out)
	}
}
