package postgres

import (
	"testing"

	"github.com/jackc/pglogrepl"

	"github.com/sluicecdc/sluice/connectors/change"
)

func (h *harness) keepalive(walEnd uint64) {
	h.t.Helper()
	if err := h.dec.keepalive(walEnd, func(it item) error { h.items = append(h.items, it); return nil }); err != nil {
		h.t.Fatal(err)
	}
}

// heartbeats returns the heartbeat items queued so far.
func (h *harness) heartbeats() []item {
	var out []item
	for _, it := range h.items {
		if it.Ev != nil && it.Ev.Message != nil && it.Ev.Message.Topic == "__debezium-heartbeat.srv" {
			out = append(out, it)
		}
	}
	return out
}

func heartbeatConfig() Config {
	hb, _ := change.ParseHeartbeatConfig(map[string]string{"heartbeat.interval.ms": "1000"}, "srv")
	return Config{Heartbeat: hb}
}

// TestHeartbeatPositions: a due heartbeat is emitted between transactions,
// at a keepalive or a commit, with the position that says every commit
// before the WAL read so far is done; never inside a transaction, never
// behind the checkpoint the stream resumed from, and never when none is due.
func TestHeartbeatPositions(t *testing.T) {
	ti := testTable(t, 'd')
	h := newHarness(t, heartbeatConfig(), ti, nil, nil)

	h.keepalive(0x2000)
	if n := len(h.heartbeats()); n != 0 {
		t.Fatalf("%d heartbeats while none is due", n)
	}

	h.st.hb.SetDue()
	h.keepalive(0x2000) // the server's answer to the ping: same WAL end
	hbs := h.heartbeats()
	if len(hbs) != 1 {
		t.Fatalf("%d heartbeats, want 1", len(hbs))
	}
	want := change.Position{Tx: 0x1fff, Last: true}
	if got := hbs[0].Ev.Pos; got.Tx != want.Tx || !got.Last || got.Index != 0 {
		t.Errorf("position %+v, want %+v", got, want)
	}
	if e := hbs[0].End; e == nil || !e.Events || e.Commit != 0x1fff || e.End != 0x2000 {
		t.Errorf("txEnd %+v, want commit 0x1fff end 0x2000 with events", e)
	}
	if h.st.hb.Due() {
		t.Error("heartbeat still due after it was emitted")
	}
	if m := hbs[0].Ev.Message; m.Key[0] != "srv" || !m.NoContextHeaders || !m.FullTopic {
		t.Errorf("message %+v", m)
	}

	// Due inside a transaction: emitted at its commit, after its last event.
	h.items = nil
	msgs := tx(0x3000, 7, &pglogrepl.InsertMessage{RelationID: ti.OID, Tuple: tup("1", "a", "\x00n", `\x00`)})
	msgs[2].(*pglogrepl.CommitMessage).TransactionEndLSN = 0x3040 // a commit record is longer than 8 bytes
	h.feed(msgs[:2]...)
	h.st.hb.SetDue()
	h.keepalive(0x3100)
	if n := len(h.heartbeats()); n != 0 {
		t.Fatalf("%d heartbeats inside a transaction", n)
	}
	h.feed(msgs[2])
	if len(h.items) < 2 {
		t.Fatalf("items %+v", h.items)
	}
	last := h.items[len(h.items)-1]
	if last.Ev == nil || last.Ev.Message == nil || last.Ev.Pos.Tx != 0x303f || !last.Ev.Pos.Last {
		t.Fatalf("last item %+v, want the heartbeat at 0x303f", last)
	}
	prev := h.items[len(h.items)-2]
	if prev.Ev == nil || prev.Ev.Pos.Tx != 0x3000 || !prev.Ev.Pos.Last {
		t.Fatalf("item before the heartbeat %+v, want the transaction's last event", prev)
	}

	// Resumed at a checkpoint ahead of the stream: no heartbeat until the
	// stream has read past it.
	h = newHarness(t, heartbeatConfig(), ti, &change.Position{Tx: 0x4fff, Last: true}, nil)
	h.st.hb.SetDue()
	h.keepalive(0x4000)
	if n := len(h.heartbeats()); n != 0 {
		t.Fatalf("%d heartbeats behind the checkpoint", n)
	}
	h.keepalive(0x5000)
	hbs = h.heartbeats()
	if len(hbs) != 1 || hbs[0].Ev.Pos.Tx != 0x4fff {
		t.Fatalf("heartbeats %+v, want one at 0x4fff", hbs)
	}
	if h.dec.cp != nil {
		t.Error("checkpoint still ahead after the heartbeat passed it")
	}

}

// TestHeartbeatAfterMessage: a non-transactional message (its LSN is its
// record's end), then a heartbeat, then the transaction whose commit record
// follows the message (its commit LSN is the message's LSN, measured on PG
// 15): the heartbeat ties with the message, never before it, and stays
// before the transaction; resuming at the heartbeat skips the message and
// not the transaction.
func TestHeartbeatAfterMessage(t *testing.T) {
	ti := testTable(t, 'd')
	h := newHarness(t, heartbeatConfig(), ti, nil, nil)
	msg := &pglogrepl.LogicalDecodingMessage{Transactional: false, LSN: 0x6040, Prefix: "p", Content: []byte("c")}
	h.feed(msg)
	h.st.hb.SetDue()
	h.keepalive(0x6040)
	after := tx(0x6040, 8, &pglogrepl.InsertMessage{RelationID: ti.OID, Tuple: tup("2", "b", "\x00n", `\x00`)})
	after[2].(*pglogrepl.CommitMessage).TransactionEndLSN = 0x6080
	h.feed(after...)
	evs := h.events()
	if len(evs) != 3 || evs[0].Message == nil || evs[1].Message == nil || !evs[1].Message.FullTopic || evs[2].Op != change.OpCreate {
		t.Fatalf("events %+v, want the message, the heartbeat, the insert", evs)
	}
	if m, hb, ins := evs[0].Pos, evs[1].Pos, evs[2].Pos; !(hb.Tx >= m.Tx && hb.Tx < ins.Tx) {
		t.Fatalf("positions: message %+v, heartbeat %+v, insert %+v; want message <= heartbeat < insert", m, hb, ins)
	}
	cp := evs[1].Pos
	h = newHarness(t, heartbeatConfig(), ti, &cp, nil)
	h.feed(msg)
	h.feed(after...)
	if evs := h.events(); len(evs) != 1 || evs[0].Op != change.OpCreate {
		t.Fatalf("resumed at the heartbeat: events %+v, want only the insert", evs)
	}
}

// TestHeartbeatAckConfirms: acknowledging a heartbeat confirms the slot up
// to the WAL end it was emitted at, after the transactions before it.
func TestHeartbeatAckConfirms(t *testing.T) {
	ti := testTable(t, 'd')
	h := newHarness(t, heartbeatConfig(), ti, nil, nil)
	h.feed(tx(0x3000, 7, &pglogrepl.InsertMessage{RelationID: ti.OID, Tuple: tup("1", "a", "\x00n", `\x00`)})...)
	h.st.hb.SetDue()
	h.keepalive(0x9000)
	for _, it := range h.items {
		if it.End != nil {
			h.st.acks.Passed(*it.End)
		}
	}
	hbs := h.heartbeats()
	if len(hbs) != 1 {
		t.Fatalf("%d heartbeats", len(hbs))
	}
	if err := h.st.Ack(hbs[0].Ev.Pos); err != nil {
		t.Fatal(err)
	}
	if got := h.st.AckedLSN(); got != 0x9000 {
		t.Errorf("confirmed %#x, want 0x9000", got)
	}
	// Nothing is left pending: a keepalive now confirms at once.
	h.st.acks.Passed(txEnd{End: 0x9100})
	if got := h.st.AckedLSN(); got != 0x9100 {
		t.Errorf("confirmed %#x after a keepalive, want 0x9100: a transaction end is still pending", got)
	}
}

func TestParseHeartbeatConfig(t *testing.T) {
	base := map[string]string{"database.hostname": "h", "database.user": "u", "database.dbname": "d", "topic.prefix": "srv"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	c, err := ParseConfig("n", with())
	if err != nil {
		t.Fatal(err)
	}
	if c.Heartbeat.Interval != 0 || c.Heartbeat.Topic != "__debezium-heartbeat.srv" || c.Heartbeat.ActionQuery != "" {
		t.Errorf("defaults %+v", c.Heartbeat)
	}
	c, err = ParseConfig("n", with("heartbeat.interval.ms", "5000", "topic.heartbeat.prefix", "hb", "heartbeat.action.query", "INSERT INTO hb VALUES (now())"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Heartbeat.Interval.Milliseconds() != 5000 || c.Heartbeat.Topic != "hb.srv" || c.Heartbeat.ActionQuery != "INSERT INTO hb VALUES (now())" {
		t.Errorf("parsed %+v", c.Heartbeat)
	}
	c, err = ParseConfig("n", with("heartbeat.topics.prefix", "old"))
	if err != nil || c.Heartbeat.Topic != "__debezium-heartbeat.srv" {
		t.Errorf("heartbeat.topics.prefix: %+v %v; want it without effect on the topic", c.Heartbeat, err)
	}
	c, err = ParseConfig("n", with("topic.heartbeat.name", "all-heartbeats"))
	if err != nil || c.Heartbeat.Topic != "all-heartbeats" {
		t.Errorf("topic.heartbeat.name: %+v %v", c.Heartbeat, err)
	}
	for _, kv := range [][2]string{{"heartbeat.interval.ms", "-1"}, {"heartbeat.interval.ms", "soon"}, {"topic.heartbeat.prefix", "a b"}, {"topic.heartbeat.name", "x/y"}} {
		if _, err := ParseConfig("n", with(kv[0], kv[1])); err == nil {
			t.Errorf("%s=%q accepted", kv[0], kv[1])
		} else {
			t.Logf("%s=%q: %v", kv[0], kv[1], err)
		}
	}
}
