package mysql

import (
	"context"
	"encoding/binary"
	"fmt"
	"runtime"
	"testing"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/sluicecdc/sluice/connectors/change"
)

// The benchmarks here feed the decoder the binlog of the table the
// throughput benchmark drains: db.t (id BIGINT PRIMARY KEY, stamp_ns BIGINT
// NOT NULL, payload VARCHAR(100) NOT NULL) with 80-character payloads, in
// rows events of benchRowsPerEvent rows (MariaDB cuts a statement's rows at
// binlog_row_event_max_size, 8 KiB: about 80 such rows).

const (
	benchRowsPerEvent = 80
	benchPayloadLen   = 80
	benchVarcharMeta  = 400     // VARCHAR(100) in utf8mb4: 400 bytes at most, 2-byte length
	benchFirstID      = 1 << 20 // ids past the runtime's preallocated small integers
)

// benchTableMap is the TABLE_MAP the decoder sees, with full row metadata.
func benchTableMap() *replication.TableMapEvent {
	return &replication.TableMapEvent{
		TableID: tableID, Schema: []byte("db"), Table: []byte("t"),
		ColumnCount: 3,
		ColumnType:  []byte{gomysql.MYSQL_TYPE_LONGLONG, gomysql.MYSQL_TYPE_LONGLONG, gomysql.MYSQL_TYPE_VARCHAR},
		ColumnMeta:  []uint16{0, 0, benchVarcharMeta},
		ColumnName:  [][]byte{[]byte("id"), []byte("stamp_ns"), []byte("payload")},
		NullBitmap:  []byte{0},
		PrimaryKey:  []uint64{0},
	}
}

// benchPayload is row id's payload: 80 hex digits, as the benchmark's MD5s.
func benchPayload(id int64) string {
	const hexd = "0123456789abcdef"
	b := make([]byte, benchPayloadLen)
	x := uint64(id)*0x9E3779B97F4A7C15 + 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = hexd[x&15]
	}
	return string(b)
}

// benchRows returns n rows from id first as go-mysql decodes them.
func benchRows(first int64, n int) [][]any {
	rows := make([][]any, n)
	for i := range rows {
		id := first + int64(i)
		rows[i] = []any{id, int64(0), benchPayload(id)}
	}
	return rows
}

// newBenchDecoder returns a MariaDB decoder streaming from the start of
// mysql-bin.000001 whose queued events go to sink.
func newBenchDecoder(tb testing.TB, sink func(item)) *decoder {
	tb.Helper()
	m := baseConfig()
	m["include.schema.changes"] = "false"
	cfg, err := ParseConfig("bench", m)
	if err != nil {
		tb.Fatal(err)
	}
	st := newStream(&cfg, nil, Knobs{}, maria)
	serverless(st)
	d, err := newDecoder(st, restartPoint{binlogPos: binlogPos{"mysql-bin.000001", 4}, GTIDs: "0-1-1"}, nil, nil)
	if err != nil {
		tb.Fatal(err)
	}
	d.send = func(_ context.Context, it item) error {
		sink(it)
		return nil
	}
	return d
}

// benchHeader is the header of an event of 100 bytes at pos.
func benchHeader(typ replication.EventType, pos uint32) *replication.EventHeader {
	return &replication.EventHeader{EventType: typ, ServerID: 1, Timestamp: 1714558530, EventSize: 100, LogPos: pos + 100}
}

// reportPerRow reports the time, allocations and allocated bytes per row of
// a benchmark that handled rows rows, from the allocation counts at its
// start.
func reportPerRow(b *testing.B, rows int, m0 memMark) {
	b.StopTimer()
	m := mallocs()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(rows), "ns/row")
	b.ReportMetric(float64(m.mallocs-m0.mallocs)/float64(rows), "allocs/row")
	b.ReportMetric(float64(m.bytes-m0.bytes)/float64(rows), "B/row")
}

// memMark is the process's allocation count and allocated bytes so far.
type memMark struct{ mallocs, bytes uint64 }

func mallocs() memMark {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memMark{ms.Mallocs, ms.TotalAlloc}
}

// BenchmarkDecoderRows measures decoder.handle from a decoded rows event to
// the queued events: per op, one transaction of txRows rows (GTID,
// TABLE_MAP, WRITE_ROWS, XID), or for "large" one rows event of a
// transaction that never ends.
func BenchmarkDecoderRows(b *testing.B) {
	for _, txRows := range []int{1, 10} {
		b.Run(fmt.Sprintf("tx=%d", txRows), func(b *testing.B) {
			queued := 0
			d := newBenchDecoder(b, func(item) { queued++ })
			ctx := context.Background()
			gtid := &replication.MariadbGTIDEvent{GTID: gomysql.MariadbGTID{DomainID: 0, ServerID: 1, SequenceNumber: 1}}
			evs := []*replication.BinlogEvent{
				{Header: benchHeader(replication.MARIADB_GTID_EVENT, 1000), Event: gtid},
				{Header: benchHeader(replication.TABLE_MAP_EVENT, 1100), Event: benchTableMap()},
				{Header: benchHeader(replication.WRITE_ROWS_EVENTv1, 1200), Event: &replication.RowsEvent{TableID: tableID, Rows: benchRows(benchFirstID, txRows)}},
				{Header: benchHeader(replication.XID_EVENT, 1300), Event: &replication.XIDEvent{XID: 1}},
			}
			b.ReportAllocs()
			m0 := mallocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				gtid.GTID.SequenceNumber = uint64(i) + 2
				for _, ev := range evs {
					if err := d.handle(ctx, ev); err != nil {
						b.Fatal(err)
					}
				}
			}
			reportPerRow(b, b.N*txRows, m0)
			if queued != b.N*txRows {
				b.Fatalf("queued %d events, want %d", queued, b.N*txRows)
			}
		})
	}
	b.Run("large", func(b *testing.B) {
		queued := 0
		d := newBenchDecoder(b, func(item) { queued++ })
		ctx := context.Background()
		for _, ev := range []*replication.BinlogEvent{
			{Header: benchHeader(replication.MARIADB_GTID_EVENT, 1000), Event: &replication.MariadbGTIDEvent{GTID: gomysql.MariadbGTID{DomainID: 0, ServerID: 1, SequenceNumber: 2}}},
			{Header: benchHeader(replication.TABLE_MAP_EVENT, 1100), Event: benchTableMap()},
		} {
			if err := d.handle(ctx, ev); err != nil {
				b.Fatal(err)
			}
		}
		rows := &replication.BinlogEvent{Header: benchHeader(replication.WRITE_ROWS_EVENTv1, 1200), Event: &replication.RowsEvent{TableID: tableID, Rows: benchRows(benchFirstID, benchRowsPerEvent)}}
		b.ReportAllocs()
		m0 := mallocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			rows.Header.LogPos += 8192 // the next rows event of the transaction
			if err := d.handle(ctx, rows); err != nil {
				b.Fatal(err)
			}
		}
		reportPerRow(b, b.N*benchRowsPerEvent, m0)
		if queued != b.N*benchRowsPerEvent-1 { // the last one stays buffered
			b.Fatalf("queued %d events, want %d", queued, b.N*benchRowsPerEvent-1)
		}
	})
}

// binlogWriter encodes the binlog events of the benchmark table as a server
// sends them (v4 events without checksums), for go-mysql's parser.
type binlogWriter struct {
	pos uint32
}

func (w *binlogWriter) event(typ replication.EventType, body []byte) []byte {
	b := make([]byte, replication.EventHeaderSize, replication.EventHeaderSize+len(body))
	size := uint32(replication.EventHeaderSize + len(body))
	binary.LittleEndian.PutUint32(b[0:], 1714558530)
	b[4] = byte(typ)
	binary.LittleEndian.PutUint32(b[5:], 1) // server id
	binary.LittleEndian.PutUint32(b[9:], size)
	w.pos += size
	binary.LittleEndian.PutUint32(b[13:], w.pos)
	return append(b, body...)
}

// formatDescription is a FORMAT_DESCRIPTION_EVENT of a server old enough
// to write no checksums, with 8-byte post-headers (6-byte table ids).
func (w *binlogWriter) formatDescription() []byte {
	body := make([]byte, 2+50+4+1)
	binary.LittleEndian.PutUint16(body, 4)
	copy(body[2:], "5.5.0-bench")
	body[56] = replication.EventHeaderSize
	for range 64 {
		body = append(body, 8)
	}
	return w.event(replication.FORMAT_DESCRIPTION_EVENT, body)
}

// tableMap is the benchmark table's TABLE_MAP without optional metadata
// (the parser needs only the types).
func (w *binlogWriter) tableMap() []byte {
	var b []byte
	b = binary.LittleEndian.AppendUint32(b, tableID)
	b = append(b, 0, 0, 0, 0) // 6-byte table id, flags
	b = append(b, 2, 'd', 'b', 0, 1, 't', 0)
	b = append(b, 3, gomysql.MYSQL_TYPE_LONGLONG, gomysql.MYSQL_TYPE_LONGLONG, gomysql.MYSQL_TYPE_VARCHAR)
	b = append(b, 2) // metadata: the VARCHAR's maximum length
	b = binary.LittleEndian.AppendUint16(b, benchVarcharMeta)
	b = append(b, 0) // null bitmap
	return w.event(replication.TABLE_MAP_EVENT, b)
}

// writeRows is a WRITE_ROWS_EVENTv1 of n rows from id first.
func (w *binlogWriter) writeRows(first int64, n int) []byte {
	var b []byte
	b = binary.LittleEndian.AppendUint32(b, tableID)
	b = append(b, 0, 0, 0, 0) // 6-byte table id, flags
	b = append(b, 3, 0b111)   // column count, columns present
	for i := range n {
		id := first + int64(i)
		b = append(b, 0) // null bitmap
		b = binary.LittleEndian.AppendUint64(b, uint64(id))
		b = binary.LittleEndian.AppendUint64(b, 0)
		p := benchPayload(id)
		b = binary.LittleEndian.AppendUint16(b, uint16(len(p)))
		b = append(b, p...)
	}
	return w.event(replication.WRITE_ROWS_EVENTv1, b)
}

// newBenchParser returns a parser configured as the stream's syncer, past
// the format description and the benchmark table's TABLE_MAP, and the
// encoder of further events.
func newBenchParser(tb testing.TB) (*replication.BinlogParser, *binlogWriter) {
	tb.Helper()
	p := replication.NewBinlogParser()
	ConfigureParser(p)
	w := &binlogWriter{pos: 4}
	for _, raw := range [][]byte{w.formatDescription(), w.tableMap()} {
		if _, err := p.Parse(raw); err != nil {
			tb.Fatal(err)
		}
	}
	return p, w
}

// parseCopy parses a copy of raw, as go-mysql's syncer parses the copy of
// each packet it reads (the strings of the rows point into that copy).
func parseCopy(tb testing.TB, p *replication.BinlogParser, raw []byte) *replication.BinlogEvent {
	ev, err := p.Parse(append([]byte(nil), raw...))
	if err != nil {
		tb.Fatal(err)
	}
	return ev
}

// startLargeTx has d begin a transaction on the benchmark table.
func startLargeTx(tb testing.TB, d *decoder) {
	tb.Helper()
	for _, ev := range []*replication.BinlogEvent{
		{Header: benchHeader(replication.MARIADB_GTID_EVENT, 1000), Event: &replication.MariadbGTIDEvent{GTID: gomysql.MariadbGTID{DomainID: 0, ServerID: 1, SequenceNumber: 2}}},
		{Header: benchHeader(replication.TABLE_MAP_EVENT, 1100), Event: benchTableMap()},
	} {
		if err := d.handle(context.Background(), ev); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkDecoderParseRows is BenchmarkDecoderRows with the decoding of
// the events from their bytes included, the rows event by go-mysql
// ("gomysql": its decoding, then the converters) or by sluice's fast path
// ("fast": go-mysql decodes the header, rowimage.go the rows). Per op:
// "tx=10" is a transaction of 10 rows (GTID, TABLE_MAP and WRITE_ROWS parsed
// from bytes, XID), "large" one 80-row event of a transaction that never
// ends.
func BenchmarkDecoderParseRows(b *testing.B) {
	for _, mode := range []string{"gomysql", "fast"} {
		newParser := func(b *testing.B) (*replication.BinlogParser, *binlogWriter) {
			p, w := newBenchParser(b)
			if mode == "fast" {
				p.SetRowsEventDecodeFunc(deferRowsDecode)
			}
			return p, w
		}
		b.Run(mode+"/tx=10", func(b *testing.B) {
			const txRows = 10
			p, w := newParser(b)
			tmRaw := w.tableMap()
			rowsRaw := w.writeRows(benchFirstID, txRows)
			queued := 0
			d := newBenchDecoder(b, func(item) { queued++ })
			ctx := context.Background()
			gtid := &replication.MariadbGTIDEvent{GTID: gomysql.MariadbGTID{DomainID: 0, ServerID: 1, SequenceNumber: 1}}
			xid := &replication.BinlogEvent{Header: benchHeader(replication.XID_EVENT, 1300), Event: &replication.XIDEvent{XID: 1}}
			b.ReportAllocs()
			m0 := mallocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				gtid.GTID.SequenceNumber = uint64(i) + 2
				// The parser and the decoder each see a new TABLE_MAP per
				// transaction, as from a server (the decoder's carries the
				// column names this writer's lacks).
				parseCopy(b, p, tmRaw)
				for _, ev := range []*replication.BinlogEvent{
					{Header: benchHeader(replication.MARIADB_GTID_EVENT, 1000), Event: gtid},
					{Header: benchHeader(replication.TABLE_MAP_EVENT, 1100), Event: benchTableMap()},
					parseCopy(b, p, rowsRaw),
					xid,
				} {
					if err := d.handle(ctx, ev); err != nil {
						b.Fatal(err)
					}
				}
			}
			reportPerRow(b, b.N*txRows, m0)
			if queued != b.N*txRows {
				b.Fatalf("queued %d events, want %d", queued, b.N*txRows)
			}
		})
		b.Run(mode+"/large", func(b *testing.B) {
			p, w := newParser(b)
			raw := w.writeRows(benchFirstID, benchRowsPerEvent)
			queued := 0
			d := newBenchDecoder(b, func(item) { queued++ })
			startLargeTx(b, d)
			ctx := context.Background()
			b.ReportAllocs()
			m0 := mallocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := d.handle(ctx, parseCopy(b, p, raw)); err != nil {
					b.Fatal(err)
				}
			}
			reportPerRow(b, b.N*benchRowsPerEvent, m0)
			if queued != b.N*benchRowsPerEvent-1 {
				b.Fatalf("queued %d events, want %d", queued, b.N*benchRowsPerEvent-1)
			}
		})
	}
}

// queuedMemory queues n rows of a large transaction, parsed from binlog
// bytes, and keeps them as the stream's queue would. It returns the heap
// they hold and the bytes the queue's budget counted for them, per event.
func queuedMemory(tb testing.TB, n int, fast bool) (heap, estimate float64) {
	p, w := newBenchParser(tb)
	if fast {
		p.SetRowsEventDecodeFunc(deferRowsDecode)
	}
	var held []item
	var counted int
	d := newBenchDecoder(tb, func(it item) {
		held = append(held, it)
		counted += it.Size
	})
	held = make([]item, 0, n+benchRowsPerEvent)
	startLargeTx(tb, d)
	raws := make([][]byte, 0, n/benchRowsPerEvent+1)
	for id := int64(benchFirstID); id < benchFirstID+int64(n); id += benchRowsPerEvent {
		raws = append(raws, w.writeRows(id, benchRowsPerEvent))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ctx := context.Background()
	for _, raw := range raws {
		if err := d.handle(ctx, parseCopy(tb, p, raw)); err != nil {
			tb.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(held)
	runtime.KeepAlive(raws)
	k := float64(len(held))
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / k, float64(counted) / k
}

// BenchmarkQueuedMemory reports the live heap of a queued event of the
// benchmark table against what the queue's byte budget counts for it.
func BenchmarkQueuedMemory(b *testing.B) {
	for _, mode := range []string{"gomysql", "fast"} {
		b.Run(mode, func(b *testing.B) {
			var heap, est float64
			for i := 0; i < b.N; i++ {
				heap, est = queuedMemory(b, 20000, mode == "fast")
			}
			b.ReportMetric(heap, "heapB/event")
			b.ReportMetric(est, "budgetB/event")
		})
	}
}

// TestQueueEstimateCoversHeap checks that the queue's byte budget counts a
// queued event of the benchmark table at about the heap it holds, not less.
func TestQueueEstimateCoversHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("measures the heap of 8000 queued events")
	}
	for _, fast := range []bool{false, true} {
		heap, est := queuedMemory(t, 8000, fast)
		t.Logf("fast path %v: heap %.0f B/event, budget %.0f B/event", fast, heap, est)
		if est < 0.95*heap || est > 1.5*heap {
			t.Errorf("fast path %v: the budget counts %.0f B per queued event, the heap holds %.0f", fast, est, heap)
		}
	}
}

// BenchmarkStreamHandover measures the hand-over of queued events from the
// producer goroutine to Next, per event.
func BenchmarkStreamHandover(b *testing.B) {
	m := baseConfig()
	cfg, err := ParseConfig("bench", m)
	if err != nil {
		b.Fatal(err)
	}
	st := newStream(&cfg, nil, Knobs{}, maria)
	serverless(st)
	ctx := context.Background()
	ev := &change.Event{}
	b.ReportAllocs()
	b.ResetTimer()
	go func() {
		for i := 0; i < b.N; i++ {
			if err := st.send(ctx, item{Ev: ev, Size: 816}); err != nil {
				panic(err)
			}
		}
		_ = st.send(ctx, item{EOF: true})
	}()
	n := 0
	for {
		_, err := st.Next(ctx)
		if err != nil {
			break
		}
		n++
	}
	if n != b.N {
		b.Fatalf("%d events, want %d", n, b.N)
	}
}
