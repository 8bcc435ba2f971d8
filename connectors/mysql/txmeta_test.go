package mysql

import (
	"reflect"
	"testing"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/txmeta"
)

type txSeen struct {
	tx         change.Transaction
	begin, end string
	count      any
	ts         []any
}

func txSummary(t *testing.T, evs []*change.Event) []txSeen {
	t.Helper()
	var out []txSeen
	for _, ev := range evs {
		if ev.Tx == nil {
			t.Fatalf("event without a transaction block: %+v", ev)
		}
		g := txSeen{tx: *ev.Tx}
		if ev.TxBegin != nil {
			g.begin = ev.TxBegin.Value[0].(string) + " " + ev.TxBegin.Value[1].(string)
			g.ts = append(g.ts, ev.TxBegin.Value[4])
		}
		if ev.TxEnd != nil {
			g.end = ev.TxEnd.Value[0].(string) + " " + ev.TxEnd.Value[1].(string)
			g.count = ev.TxEnd.Value[2]
			g.ts = append(g.ts, ev.TxEnd.Value[4])
		}
		out = append(out, g)
	}
	return out
}

// TestDecoderTransactionMetadataMariaDB checks the block, BEGIN and END of
// MariaDB transactions (id = GTID, ts = the events' whole seconds), fresh
// and resumed inside a transaction: the resumed run writes no BEGIN again
// and its END counts the whole transaction.
func TestDecoderTransactionMetadataMariaDB(t *testing.T) {
	s := newScript("mysql-bin.000002")
	tx1 := s.mariaTx(gomysql.MariadbGTID{DomainID: 0, ServerID: 1, SequenceNumber: 6}, false, 1, 2, 3)
	s.mariaTx(gomysql.MariadbGTID{DomainID: 0, ServerID: 1, SequenceNumber: 7}, false, 4)
	sec := int64(1714558530000)
	want := []txSeen{
		{tx: change.Transaction{ID: "0-1-6", TotalOrder: 1, DataCollectionOrder: 1}, begin: "BEGIN 0-1-6", ts: []any{sec}},
		{tx: change.Transaction{ID: "0-1-6", TotalOrder: 2, DataCollectionOrder: 2}},
		{tx: change.Transaction{ID: "0-1-6", TotalOrder: 3, DataCollectionOrder: 3}, end: "END 0-1-6", count: int64(3), ts: []any{sec}},
		{tx: change.Transaction{ID: "0-1-7", TotalOrder: 1, DataCollectionOrder: 1}, begin: "BEGIN 0-1-7", end: "END 0-1-7", count: int64(1), ts: []any{sec, sec}},
	}
	start := restartPoint{binlogPos: binlogPos{"mysql-bin.000002", tx1}, GTIDs: "0-1-5"}
	for _, c := range []struct {
		cp   *change.Position
		want []txSeen
	}{
		{nil, want},
		{&change.Position{Tx: orderOf(start.binlogPos), Index: 1}, want[2:]},
	} {
		h := newHarness(t, maria, start, c.cp, nil)
		h.d.tx = txmeta.New("transaction")
		h.feed(s.events)
		if got := txSummary(t, h.out); !reflect.DeepEqual(got, c.want) {
			t.Errorf("cp %+v:\n got %+v\nwant %+v", c.cp, got, c.want)
		}
		if end := h.out[len(h.out)-1].TxEnd; end == nil || !reflect.DeepEqual(end.Value[3], []any{change.StructValue{"db.t", int64(1)}}) {
			t.Errorf("last END %+v", end)
		}
	}
}

// TestDecoderTransactionMetadataFilePos checks the id of a transaction
// without GTID (file=<binlog>,pos=<its BEGIN>) and MySQL's
// original_commit_timestamp as ts_ms.
func TestDecoderTransactionMetadataFilePos(t *testing.T) {
	s := newScript("binlog.000003")
	begin := s.add(replication.QUERY_EVENT, &replication.QueryEvent{Query: []byte("BEGIN"), Schema: []byte("db")})
	s.add(replication.TABLE_MAP_EVENT, scriptTableMap(false))
	s.add(replication.WRITE_ROWS_EVENTv2, &replication.RowsEvent{TableID: tableID, Rows: [][]any{{int32(1), "x"}, {int32(2), "y"}}})
	s.add(replication.XID_EVENT, &replication.XIDEvent{})
	h := newHarness(t, serverInfo{}, restartPoint{binlogPos: binlogPos{"binlog.000003", 4}}, nil, nil)
	h.d.tx = txmeta.New("transaction")
	h.feed(s.events)
	id := "file=binlog.000003,pos=" + itoa(int(begin))
	sec := int64(1714558530000)
	want := []txSeen{
		{tx: change.Transaction{ID: id, TotalOrder: 1, DataCollectionOrder: 1}, begin: "BEGIN " + id, ts: []any{sec}},
		{tx: change.Transaction{ID: id, TotalOrder: 2, DataCollectionOrder: 2}, end: "END " + id, count: int64(2), ts: []any{sec}},
	}
	if got := txSummary(t, h.out); !reflect.DeepEqual(got, want) {
		t.Errorf("\n got %+v\nwant %+v", got, want)
	}

	// MySQL with GTIDs: the GTID, and original_commit_timestamp (µs) as ts.
	const u = "3e11fa47-71ca-11e1-9e33-c80aa9429562"
	sid := []byte{0x3e, 0x11, 0xfa, 0x47, 0x71, 0xca, 0x11, 0xe1, 0x9e, 0x33, 0xc8, 0x0a, 0xa9, 0x42, 0x95, 0x62}
	s = newScript("binlog.000007")
	s.add(replication.GTID_EVENT, &replication.GTIDEvent{SID: sid, GNO: 11, OriginalCommitTimestamp: 1714558530123456})
	s.add(replication.QUERY_EVENT, &replication.QueryEvent{Query: []byte("BEGIN"), Schema: []byte("db")})
	s.add(replication.TABLE_MAP_EVENT, scriptTableMap(false))
	s.add(replication.WRITE_ROWS_EVENTv2, &replication.RowsEvent{TableID: tableID, Rows: [][]any{{int32(1), "x"}}})
	s.add(replication.XID_EVENT, &replication.XIDEvent{})
	h = newHarness(t, serverInfo{GTIDs: true}, restartPoint{binlogPos: binlogPos{"binlog.000007", 4}, GTIDs: u + ":1-10"}, nil, nil)
	h.d.tx = txmeta.New("transaction")
	h.feed(s.events)
	ms := time.UnixMicro(1714558530123456).UnixMilli()
	want = []txSeen{{tx: change.Transaction{ID: u + ":11", TotalOrder: 1, DataCollectionOrder: 1}, begin: "BEGIN " + u + ":11", end: "END " + u + ":11", count: int64(1), ts: []any{ms, ms}}}
	if got := txSummary(t, h.out); !reflect.DeepEqual(got, want) {
		t.Errorf("MySQL GTID:\n got %+v\nwant %+v", got, want)
	}
}

// TestDecoderTransactionMetadataEmpty checks the BEGIN and END of a MariaDB
// transaction without captured events (Debezium writes them with
// event_count 0), none for a DDL statement, and that a checkpoint at the
// empty transaction writes them no more.
func TestDecoderTransactionMetadataEmpty(t *testing.T) {
	s := newScript("mysql-bin.000002")
	empty := s.add(replication.MARIADB_GTID_EVENT, &replication.MariadbGTIDEvent{GTID: gomysql.MariadbGTID{DomainID: 0, ServerID: 1, SequenceNumber: 6}})
	s.add(replication.XID_EVENT, &replication.XIDEvent{XID: 1})
	ddl := &replication.MariadbGTIDEvent{GTID: gomysql.MariadbGTID{DomainID: 0, ServerID: 1, SequenceNumber: 7}, Flags: replication.BINLOG_MARIADB_FL_STANDALONE}
	s.add(replication.MARIADB_GTID_EVENT, ddl)
	s.add(replication.QUERY_EVENT, &replication.QueryEvent{Query: []byte("DROP TABLE IF EXISTS zz"), Schema: []byte("db")})
	s.mariaTx(gomysql.MariadbGTID{DomainID: 0, ServerID: 1, SequenceNumber: 8}, false, 1)
	start := restartPoint{binlogPos: binlogPos{"mysql-bin.000002", empty}, GTIDs: "0-1-5"}

	h := newHarness(t, maria, start, nil, nil)
	h.d.tx = txmeta.New("transaction")
	h.feed(s.events)
	if len(h.out) != 2 || h.out[0].Message == nil || h.out[0].TxEnd == nil || h.out[1].Tx == nil {
		t.Fatalf("events %+v, want the empty transaction's and the insert's", h.out)
	}
	e := h.out[0]
	sec := int64(1714558530000)
	if got := []any{e.Message.Value[0], e.Message.Value[1], e.Message.Value[4], e.TxEnd.Value[0], e.TxEnd.Value[1], e.TxEnd.Value[2], len(e.TxEnd.Value[3].([]any))}; !reflect.DeepEqual(got, []any{"BEGIN", "0-1-6", sec, "END", "0-1-6", int64(0), 0}) {
		t.Errorf("empty transaction records %v", got)
	}
	order := orderOf(binlogPos{"mysql-bin.000002", empty})
	if e.Pos.Tx != order || e.Pos.Index != 0 || !e.Pos.Last || e.Pos.TxID != "0-1-6" {
		t.Errorf("empty transaction position %+v", e.Pos)
	}
	if h.out[1].Tx.ID != "0-1-8" || h.out[1].TxBegin == nil || h.out[1].TxEnd == nil {
		t.Errorf("insert after the DDL: %+v", h.out[1])
	}

	cp := e.Pos
	h = newHarness(t, maria, start, &cp, nil)
	h.d.tx = txmeta.New("transaction")
	h.feed(s.events)
	if len(h.out) != 1 || h.out[0].Message != nil {
		t.Errorf("resumed at the empty transaction: %d events, want the insert only", len(h.out))
	}
}
