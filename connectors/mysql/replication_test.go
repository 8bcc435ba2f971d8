package mysql

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
)

// script builds a binlog as go-mysql would hand it over, with consecutive
// event positions in one file.
type script struct {
	file   string
	pos    uint32
	events []*replication.BinlogEvent
}

func newScript(file string) *script {
	s := &script{file: file, pos: 4}
	s.add(replication.ROTATE_EVENT, &replication.RotateEvent{NextLogName: []byte(file), Position: 4})
	return s
}

// add appends an event of 100 bytes and returns its start position.
func (s *script) add(typ replication.EventType, ev replication.Event) uint32 {
	start := s.pos
	h := &replication.EventHeader{EventType: typ, ServerID: 1, Timestamp: 1714558530, EventSize: 100, LogPos: start + 100}
	if typ == replication.ROTATE_EVENT {
		h = &replication.EventHeader{EventType: typ}
	} else {
		s.pos += 100
	}
	s.events = append(s.events, &replication.BinlogEvent{Header: h, Event: ev})
	return start
}

const tableID = 7

// scriptTableMap is db.t (id INT PRIMARY KEY, name VARCHAR(20) NULL[, extra INT NULL]).
func scriptTableMap(extra bool) *replication.TableMapEvent {
	e := &replication.TableMapEvent{
		TableID: tableID, Schema: []byte("db"), Table: []byte("t"),
		ColumnCount: 2,
		ColumnType:  []byte{gomysql.MYSQL_TYPE_LONG, gomysql.MYSQL_TYPE_VARCHAR},
		ColumnMeta:  []uint16{0, 80},
		ColumnName:  [][]byte{[]byte("id"), []byte("name")},
		NullBitmap:  []byte{0b10},
		PrimaryKey:  []uint64{0},
	}
	if extra {
		e.ColumnCount = 3
		e.ColumnType = append(e.ColumnType, gomysql.MYSQL_TYPE_LONG)
		e.ColumnMeta = append(e.ColumnMeta, 0)
		e.ColumnName = append(e.ColumnName, []byte("extra"))
		e.NullBitmap = []byte{0b110}
	}
	return e
}

// mariaTx appends a MariaDB transaction inserting ids and returns its start.
func (s *script) mariaTx(gtid gomysql.MariadbGTID, extra bool, ids ...int32) uint32 {
	start := s.add(replication.MARIADB_GTID_EVENT, &replication.MariadbGTIDEvent{GTID: gtid})
	s.add(replication.TABLE_MAP_EVENT, scriptTableMap(extra))
	rows := &replication.RowsEvent{TableID: tableID}
	for _, id := range ids {
		r := []any{id, fmt.Sprintf("n%d", id)}
		if extra {
			r = append(r, int32(id*10))
		}
		rows.Rows = append(rows.Rows, r)
	}
	s.add(replication.WRITE_ROWS_EVENTv1, rows)
	s.add(replication.XID_EVENT, &replication.XIDEvent{XID: 1})
	return start
}

// harness runs a decoder over scripted events and collects what it queues.
type harness struct {
	t   *testing.T
	st  *Stream
	d   *decoder
	out []*change.Event
}

func newHarness(t *testing.T, info serverInfo, start restartPoint, cp *change.Position, state *cpState) *harness {
	t.Helper()
	m := baseConfig()
	m["include.schema.changes"] = "false" // schemachange_test.go covers them
	if !info.MariaDB {
		m["connector.class"] = MySQLClass
	}
	cfg, err := ParseConfig("test", m)
	if err != nil {
		t.Fatal(err)
	}
	st := newStream(&cfg, nil, Knobs{}, info)
	serverless(st)
	st.log = testLogger(t)
	d, err := newDecoder(st, start, cp, state)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, st: st, d: d}
	d.send = func(_ context.Context, it item) error {
		h.out = append(h.out, it.Ev)
		return nil
	}
	return h
}

func (h *harness) feed(evs []*replication.BinlogEvent) {
	h.t.Helper()
	for _, ev := range evs {
		if err := h.d.handle(context.Background(), ev); err != nil {
			h.t.Fatal(err)
		}
	}
}

func ids(evs []*change.Event) []int64 {
	var out []int64
	for _, e := range evs {
		row := e.After
		if row == nil {
			row = e.Before
		}
		out = append(out, toInt64(row[0]))
	}
	return out
}

func toInt64(v any) int64 {
	switch x := v.(type) {
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case int64:
		return x
	}
	panic(fmt.Sprintf("%T", v))
}

var maria = serverInfo{MariaDB: true, GTIDs: true}

func TestDecoderMariaDBTransaction(t *testing.T) {
	s := newScript("mysql-bin.000002")
	tx1 := s.mariaTx(gomysql.MariadbGTID{DomainID: 0, ServerID: 1, SequenceNumber: 6}, false, 1, 2, 3)
	h := newHarness(t, maria, restartPoint{binlogPos: binlogPos{"mysql-bin.000002", 4}, GTIDs: "0-1-5"}, nil, nil)
	h.feed(s.events)
	if got := ids(h.out); fmt.Sprint(got) != "[1 2 3]" {
		t.Fatalf("ids %v", got)
	}
	wantTx := orderOf(binlogPos{"mysql-bin.000002", tx1})
	for i, ev := range h.out {
		if ev.Pos.Tx != wantTx || ev.Pos.Index != int64(i) || ev.Pos.Last != (i == 2) || ev.Pos.TxID != "0-1-6" {
			t.Errorf("event %d pos %+v", i, ev.Pos)
		}
		var st cpState
		if err := json.Unmarshal(ev.Pos.State, &st); err != nil {
			t.Fatal(err)
		}
		if st.Restart.GTIDs != "0-1-5" || st.Restart.Pos != tx1 || st.Schemas["db.t"].V != 1 {
			t.Errorf("event %d state %s", i, ev.Pos.State)
		}
		src := ev.Source
		if src[1] != "mariadb" || src[5] != "db" || src[9] != "t" || src[11] != "0-1-6" || src[12] != "mysql-bin.000002" || src[14] != int32(i) || src[4] != nil {
			t.Errorf("event %d source %v", i, src)
		}
		if ev.Op != change.OpCreate || ev.Table.Version != 1 || ev.After[1] != fmt.Sprintf("n%d", i+1) {
			t.Errorf("event %d: %+v", i, ev)
		}
	}
	if h.d.after.GTIDs != "0-1-6" || h.d.after.Pos != s.pos {
		t.Errorf("after %+v", h.d.after)
	}
}

func TestDecoderResumeSkips(t *testing.T) {
	s := newScript("mysql-bin.000002")
	tx1 := s.mariaTx(gomysql.MariadbGTID{DomainID: 0, ServerID: 1, SequenceNumber: 6}, false, 1, 2, 3, 4)
	s.mariaTx(gomysql.MariadbGTID{DomainID: 0, ServerID: 1, SequenceNumber: 7}, false, 5)
	order := orderOf(binlogPos{"mysql-bin.000002", tx1})
	start := restartPoint{binlogPos: binlogPos{"mysql-bin.000002", tx1}, GTIDs: "0-1-5"}

	// Inside the transaction: the rows after index 1.
	h := newHarness(t, maria, start, &change.Position{Tx: order, Index: 1}, nil)
	h.feed(s.events)
	if got := ids(h.out); fmt.Sprint(got) != "[3 4 5]" {
		t.Fatalf("resume at index 1: %v", got)
	}
	if h.out[0].Pos.Index != 2 {
		t.Errorf("index %d", h.out[0].Pos.Index)
	}

	// At its end: the next transaction only.
	h = newHarness(t, maria, start, &change.Position{Tx: order, Index: 3, Last: true}, nil)
	h.feed(s.events)
	if got := ids(h.out); fmt.Sprint(got) != "[5]" {
		t.Fatalf("resume after the transaction: %v", got)
	}
}

func TestDecoderReconnectDedup(t *testing.T) {
	s := newScript("mysql-bin.000002")
	s.mariaTx(gomysql.MariadbGTID{DomainID: 0, ServerID: 1, SequenceNumber: 6}, false, 1)
	tx2 := s.mariaTx(gomysql.MariadbGTID{DomainID: 0, ServerID: 1, SequenceNumber: 7}, false, 2, 3, 4, 5)
	s.mariaTx(gomysql.MariadbGTID{DomainID: 0, ServerID: 1, SequenceNumber: 8}, false, 6)
	h := newHarness(t, maria, restartPoint{binlogPos: binlogPos{"mysql-bin.000002", 4}, GTIDs: "0-1-5"}, nil, nil)
	// The connection drops after the rows event of tx2, before its XID: rows
	// 2-4 were queued, 5 is buffered.
	cut := 0
	for i, ev := range s.events {
		if ev.Header.EventType == replication.WRITE_ROWS_EVENTv1 && ev.Header.LogPos-100 > tx2 {
			cut = i + 1
			break
		}
	}
	h.feed(s.events[:cut])
	if got := ids(h.out); fmt.Sprint(got) != "[1 2 3 4]" {
		t.Fatalf("before the drop: %v", got)
	}
	h.d.prepareReconnect()
	rp := h.d.resumePoint()
	if rp.Pos != tx2 || rp.GTIDs != "0-1-6" {
		t.Fatalf("resume point %+v, want tx2 at %d after 0-1-6", rp, tx2)
	}
	// The server replays from tx2.
	replay := newScript("mysql-bin.000002")
	replay.events = append(replay.events[:1:1], s.events[cut-3:]...)
	h.feed(replay.events)
	if got := ids(h.out); fmt.Sprint(got) != "[1 2 3 4 5 6]" {
		t.Fatalf("after the reconnect: %v", got)
	}
	for i := 1; i < len(h.out); i++ {
		a, b := h.out[i-1].Pos, h.out[i].Pos
		if !(a.Tx < b.Tx || a.Tx == b.Tx && a.Index < b.Index) {
			t.Errorf("positions not increasing: %+v then %+v", a, b)
		}
	}
	if !h.out[4].Pos.Last {
		t.Errorf("last row of tx2 not marked: %+v", h.out[4].Pos)
	}
}

func TestDecoderRegionFilter(t *testing.T) {
	s := newScript("mysql-bin.000002")
	p1 := binlogPos{"mysql-bin.000002", 4}
	txA := s.mariaTx(gomysql.MariadbGTID{DomainID: 0, ServerID: 1, SequenceNumber: 6}, false, 5, 15) // between P1 and P2
	p2 := binlogPos{"mysql-bin.000002", s.pos}
	s.mariaTx(gomysql.MariadbGTID{DomainID: 0, ServerID: 1, SequenceNumber: 7}, false, 6, 16) // after P2
	state := &cpState{
		Restart: restartPoint{binlogPos: p1, GTIDs: "0-1-5"},
		Tables:  []string{"db.a", "db.t"},
		Regions: []region{{Table: 0, Mark: regionMark{At: p1}}, {Table: 1, After: []string{"10"}, Mark: regionMark{At: p2}}},
	}
	h := newHarness(t, maria, state.Restart, nil, state)
	h.feed(s.events)
	// Row 15 of the first transaction is in the second region's snapshot.
	if got := ids(h.out); fmt.Sprint(got) != "[5 6 16]" {
		t.Fatalf("ids %v", got)
	}
	var st cpState
	_ = json.Unmarshal(h.out[0].Pos.State, &st)
	if len(st.Regions) != 2 || h.out[0].Pos.Tx != orderOf(binlogPos{"mysql-bin.000002", txA}) {
		t.Errorf("first event state %s", h.out[0].Pos.State)
	}
	var st2 cpState
	_ = json.Unmarshal(h.out[1].Pos.State, &st2)
	if st2.Regions != nil || h.d.regions != nil {
		t.Errorf("regions kept past the last region: %s", h.out[1].Pos.State)
	}
}

// TestSkipStreamed checks the MySQL region mark with capture.SkipStreamed:
// a region holds the transactions that start before its coordinate, in
// binlog order across files.
func TestSkipStreamed(t *testing.T) {
	regions := []region{
		{Table: 0, Mark: regionMark{At: binlogPos{"b.000001", 100}}},
		{Table: 0, After: []string{"10"}, Mark: regionMark{At: binlogPos{"b.000002", 4}}},
	}
	kinds := capture.KeyOrder{capture.Numeric}
	for _, c := range []struct {
		key  string
		tx   binlogPos
		skip bool
	}{
		{"5", binlogPos{"b.000001", 99}, true},
		{"5", binlogPos{"b.000001", 100}, false}, // at the coordinate: after the snapshot
		{"11", binlogPos{"b.000001", 500}, true}, // region 1: its coordinate is in the next file
		{"11", binlogPos{"b.000002", 4}, false},
		{"100", binlogPos{"b.000001", 150}, true}, // numeric order: 100 > 10, region 1
	} {
		tx := orderOf(c.tx)
		if got := capture.SkipStreamed(regions, 0, []string{c.key}, kinds, func(m regionMark) bool { return m.holds(tx) }); got != c.skip {
			t.Errorf("SkipStreamed(key %s, tx %v) = %v", c.key, c.tx, got)
		}
	}
}

func TestDecoderMySQLFlavourDDL(t *testing.T) {
	const u = "3e11fa47-71ca-11e1-9e33-c80aa9429562"
	sid := []byte{0x3e, 0x11, 0xfa, 0x47, 0x71, 0xca, 0x11, 0xe1, 0x9e, 0x33, 0xc8, 0x0a, 0xa9, 0x42, 0x95, 0x62}
	info := serverInfo{MariaDB: false, GTIDs: true}
	s := newScript("binlog.000007")
	tx := func(gno int64, extra bool, id int32) uint32 {
		start := s.add(replication.GTID_EVENT, &replication.GTIDEvent{SID: sid, GNO: gno, OriginalCommitTimestamp: 1714558530123456})
		s.add(replication.QUERY_EVENT, &replication.QueryEvent{Query: []byte("BEGIN"), SlaveProxyID: 42, Schema: []byte("db")})
		s.add(replication.TABLE_MAP_EVENT, scriptTableMap(extra))
		r := []any{id, "x"}
		if extra {
			r = append(r, int32(1))
		}
		s.add(replication.WRITE_ROWS_EVENTv2, &replication.RowsEvent{TableID: tableID, Rows: [][]any{r}})
		s.add(replication.XID_EVENT, &replication.XIDEvent{})
		return start
	}
	tx(11, false, 1)
	s.add(replication.GTID_EVENT, &replication.GTIDEvent{SID: sid, GNO: 12})
	s.add(replication.QUERY_EVENT, &replication.QueryEvent{Query: []byte("ALTER TABLE t ADD COLUMN extra INT"), Schema: []byte("db")})
	tx(13, true, 2)
	tx(14, true, 3)

	h := newHarness(t, info, restartPoint{binlogPos: binlogPos{"binlog.000007", 4}, GTIDs: u + ":1-10"}, nil, nil)
	h.feed(s.events)
	if len(h.out) != 3 {
		t.Fatalf("%d events", len(h.out))
	}
	if v := h.out[0].Table.Version; v != 1 || len(h.out[0].After) != 2 {
		t.Errorf("before the ALTER: version %d, %d columns", v, len(h.out[0].After))
	}
	if v := h.out[1].Table.Version; v != 2 || len(h.out[1].After) != 3 {
		t.Errorf("after the ALTER: version %d, %d columns", v, len(h.out[1].After))
	}
	if h.out[1].Table != h.out[2].Table {
		t.Error("an unchanged TABLE_MAP built a new schema")
	}
	src := h.out[0].Source
	if src[1] != "mysql" || src[11] != u+":11" || src[15] != int64(42) || src[3] != int64(1714558530123) {
		t.Errorf("source %v", src)
	}
	if got := h.d.gtids.String(); got != u+":1-14" {
		t.Errorf("executed set %q", got)
	}
	var st cpState
	_ = json.Unmarshal(h.out[2].Pos.State, &st)
	if st.Restart.GTIDs != u+":1-13" || st.Schemas["db.t"].V != 2 {
		t.Errorf("state %s", h.out[2].Pos.State)
	}
	// A restart with the state's versions keeps numbering.
	h2 := newHarness(t, info, st.Restart, &h.out[2].Pos, &st)
	for k, v := range st.Schemas {
		h2.st.versions[k] = v
	}
	var replay []*replication.BinlogEvent
	for _, ev := range s.events {
		if ev.Header.EventType == replication.ROTATE_EVENT || ev.Header.LogPos-ev.Header.EventSize >= st.Restart.Pos {
			replay = append(replay, ev)
		}
	}
	h2.feed(replay)
	if len(h2.out) != 0 {
		t.Errorf("resume at the last event re-emitted %d events", len(h2.out))
	}
	if got := h2.st.tables["db.t"].Schema.Version; got != 2 {
		t.Errorf("version after restart %d", got)
	}
}

func TestDecoderUpdateDeleteKeyChange(t *testing.T) {
	s := newScript("mysql-bin.000001")
	s.add(replication.MARIADB_GTID_EVENT, &replication.MariadbGTIDEvent{GTID: gomysql.MariadbGTID{DomainID: 0, ServerID: 1, SequenceNumber: 1}})
	s.add(replication.TABLE_MAP_EVENT, scriptTableMap(false))
	s.add(replication.UPDATE_ROWS_EVENTv1, &replication.RowsEvent{TableID: tableID, Rows: [][]any{{int32(1), "a"}, {int32(1), "b"}, {int32(2), "c"}, {int32(3), "c"}}})
	s.add(replication.DELETE_ROWS_EVENTv1, &replication.RowsEvent{TableID: tableID, Rows: [][]any{{int32(3), nil}}})
	s.add(replication.XID_EVENT, &replication.XIDEvent{})
	h := newHarness(t, maria, restartPoint{binlogPos: binlogPos{"mysql-bin.000001", 4}}, nil, nil)
	h.feed(s.events)
	var ops string
	for _, e := range h.out {
		ops += e.Op.String()
	}
	if ops != "udcd" {
		t.Fatalf("ops %q", ops)
	}
	if h.out[0].Before[1] != "a" || h.out[0].After[1] != "b" {
		t.Errorf("update images %v %v", h.out[0].Before, h.out[0].After)
	}
	if string(h.out[1].Headers[0].Value) != `{"id":3}` || string(h.out[2].Headers[0].Value) != `{"id":2}` {
		t.Errorf("key change headers %v %v", h.out[1].Headers, h.out[2].Headers)
	}
	if h.out[3].Before[1] != nil || h.out[3].After != nil {
		t.Errorf("delete %+v", h.out[3])
	}
	if h.out[2].Source[14] != int32(1) {
		t.Errorf("row index of the second pair %v", h.out[2].Source[14])
	}
}

// TestDecoderSourceBlocks checks the source block of row events against
// one built afresh, while what it carries changes between rows events:
// position, time, GTID, thread, table and file.
func TestDecoderSourceBlocks(t *testing.T) {
	sid := []byte{0x3e, 0x11, 0xfa, 0x47, 0x71, 0xca, 0x11, 0xe1, 0x9e, 0x33, 0xc8, 0x0a, 0xa9, 0x42, 0x95, 0x62}
	const u = "3e11fa47-71ca-11e1-9e33-c80aa9429562"
	info := serverInfo{MariaDB: false, GTIDs: true}
	other := scriptTableMap(false)
	other.TableID, other.Table = tableID+1, []byte("u")
	s := newScript("binlog.000007")
	type want struct {
		ts     time.Time
		table  string
		gtid   string
		file   string
		pos    uint32
		thread int64
		rows   int
	}
	var wants []want
	// source.thread is the thread of the last BEGIN, kept by transactions
	// without one, as Debezium's source info keeps it.
	lastThread := uint32(0)
	tx := func(gno int64, commitUS int64, thread uint32, tm *replication.TableMapEvent, rowsPerEvent ...int) {
		s.add(replication.GTID_EVENT, &replication.GTIDEvent{SID: sid, GNO: gno, OriginalCommitTimestamp: uint64(commitUS)})
		if thread != 0 {
			s.add(replication.QUERY_EVENT, &replication.QueryEvent{Query: []byte("BEGIN"), SlaveProxyID: thread, Schema: []byte("db")})
			lastThread = thread
		}
		thread = lastThread
		s.add(replication.TABLE_MAP_EVENT, tm)
		for i, n := range rowsPerEvent {
			var rows [][]any
			for j := range n {
				rows = append(rows, []any{int32(gno*100 + int64(j)), "x"})
			}
			pos := s.add(replication.WRITE_ROWS_EVENTv2, &replication.RowsEvent{TableID: tm.TableID, Rows: rows})
			ev := s.events[len(s.events)-1]
			ev.Header.Timestamp += uint32(gno*10 + int64(i)) // a later second each event
			ts := time.Unix(int64(ev.Header.Timestamp), 0).UTC()
			if commitUS != 0 {
				ts = time.UnixMicro(commitUS).UTC()
			}
			wants = append(wants, want{ts: ts, table: string(tm.Table), gtid: fmt.Sprintf("%s:%d", u, gno), file: s.file, pos: pos, thread: int64(thread), rows: n})
		}
		s.add(replication.XID_EVENT, &replication.XIDEvent{})
	}
	tx(11, 1714558530123456, 42, scriptTableMap(false), 3, 2)
	tx(12, 0, 0, scriptTableMap(false), 2)
	tx(13, 0, 7, other, 1, 300)
	s.file = "binlog.000008"
	s.add(replication.ROTATE_EVENT, &replication.RotateEvent{NextLogName: []byte(s.file), Position: 4})
	s.pos = 4
	tx(14, 1714558531000001, 7, other, 2)

	h := newHarness(t, info, restartPoint{binlogPos: binlogPos{"binlog.000007", 4}, GTIDs: u + ":1-10"}, nil, nil)
	h.feed(s.events)
	i := 0
	for _, w := range wants {
		for row := range w.rows {
			if i >= len(h.out) {
				t.Fatalf("%d events", len(h.out))
			}
			ev := h.out[i]
			i++
			si := srcInfo{ts: w.ts, db: "db", table: w.table, serverID: 1, gtid: w.gtid, file: w.file, pos: w.pos, row: int32(row), thread: w.thread}
			if want := si.block(h.d.cfg); !reflect.DeepEqual(ev.Source, want) {
				t.Errorf("event %d source\n%#v\nwant\n%#v", i-1, ev.Source, want)
			}
			if !ev.Commit.Equal(w.ts) {
				t.Errorf("event %d commit %v, want %v", i-1, ev.Commit, w.ts)
			}
			// Events are carved from shared chunks: none may reach into the next.
			if cap(ev.Source) != len(ev.Source) || cap(ev.After) != len(ev.After) {
				t.Errorf("event %d: source %d/%d, row %d/%d (len/cap)", i-1, len(ev.Source), cap(ev.Source), len(ev.After), cap(ev.After))
			}
		}
	}
	if i != len(h.out) {
		t.Errorf("%d events, want %d", len(h.out), i)
	}
}

// TestDecoderWideAndManyRows decodes rows past the size of the chunks rows
// are carved from, and rows wider than a chunk allows.
func TestDecoderWideAndManyRows(t *testing.T) {
	for _, cols := range []int{2, 40, valChunkLen/4 + 1, 2 * valChunkLen} {
		tm := &replication.TableMapEvent{TableID: tableID, Schema: []byte("db"), Table: []byte("w"), ColumnCount: uint64(cols), PrimaryKey: []uint64{0}, NullBitmap: make([]byte, (cols+7)/8)}
		for c := range cols {
			tm.ColumnType = append(tm.ColumnType, gomysql.MYSQL_TYPE_LONG)
			tm.ColumnMeta = append(tm.ColumnMeta, 0)
			tm.ColumnName = append(tm.ColumnName, []byte(fmt.Sprintf("c%d", c)))
		}
		s := newScript("mysql-bin.000002")
		s.add(replication.MARIADB_GTID_EVENT, &replication.MariadbGTIDEvent{GTID: gomysql.MariadbGTID{DomainID: 0, ServerID: 1, SequenceNumber: 6}})
		s.add(replication.TABLE_MAP_EVENT, tm)
		nrows := 3 * evChunkLen
		rows := &replication.RowsEvent{TableID: tableID}
		for r := range nrows {
			row := make([]any, cols)
			for c := range row {
				row[c] = int32(r*1000 + c)
			}
			rows.Rows = append(rows.Rows, row)
		}
		s.add(replication.WRITE_ROWS_EVENTv1, rows)
		s.add(replication.XID_EVENT, &replication.XIDEvent{})
		h := newHarness(t, maria, restartPoint{binlogPos: binlogPos{"mysql-bin.000002", 4}, GTIDs: "0-1-5"}, nil, nil)
		h.feed(s.events)
		if len(h.out) != nrows {
			t.Fatalf("%d columns: %d events, want %d", cols, len(h.out), nrows)
		}
		for r, ev := range h.out {
			if len(ev.After) != cols || cap(ev.After) != cols || ev.Source[srcRowIdx] != int32(r) || ev.Pos.Index != int64(r) || ev.Pos.Last != (r == nrows-1) {
				t.Fatalf("%d columns: event %d: %d/%d columns, row %v, pos %+v", cols, r, len(ev.After), cap(ev.After), ev.Source[srcRowIdx], ev.Pos)
			}
			for c, v := range ev.After {
				if v != int32(r*1000+c) {
					t.Fatalf("%d columns: event %d column %d = %v", cols, r, c, v)
				}
			}
		}
	}
}

// TestDecoderStateJSON checks the state written directly against
// json.Marshal of the same cpState.
func TestDecoderStateJSON(t *testing.T) {
	h := newHarness(t, maria, restartPoint{binlogPos: binlogPos{"mysql-bin.000002", 4}, GTIDs: "0-1-5"}, nil, nil)
	d := h.d
	check := func(name string) {
		t.Helper()
		got, err := d.state()
		if err != nil {
			t.Fatal(err)
		}
		st := cpState{Restart: d.txStart, Schemas: d.st.schemasSnapshot()}
		if d.regions != nil {
			st.Tables, st.Regions = d.snapTables, d.regions
		}
		want, err := json.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%s: state\n%s\nwant\n%s", name, got, want)
		}
	}
	d.txStart = restartPoint{binlogPos: binlogPos{"mysql-bin.000002", 4}}
	check("no GTIDs, no schemas")
	d.txStart.GTIDs = "0-1-5,1-2-7"
	check("GTIDs")
	d.st.adopt(&tableInfo{ID: change.TableID{Namespace: "db", Name: "t"}, Schema: &change.TableSchema{}, FP: "abc"})
	check("one schema")
	d.st.adopt(&tableInfo{ID: change.TableID{Namespace: "db", Name: "a<&>\"é"}, Schema: &change.TableSchema{}, FP: "x\\y"})
	check("two schemas")
	d.st.adopt(&tableInfo{ID: change.TableID{Namespace: "db", Name: "t"}, Schema: &change.TableSchema{}, FP: "abd"})
	check("a new version")
	d.txStart = restartPoint{binlogPos: binlogPos{"bin<log>&\"\\\u2028é\x01.000002", 4294967295}, GTIDs: "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5"}
	check("file and GTIDs to escape")
	d.regions, d.snapTables = []region{{Table: 0, After: []string{"10"}, Mark: regionMark{At: binlogPos{"b.000001", 9}}}}, []string{"db.t"}
	check("regions")
}
