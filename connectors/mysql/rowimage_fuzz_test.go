package mysql

import (
	"context"
	"math/rand/v2"
	"testing"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"
)

// fuzzRowCols are the column types FuzzBinlogRows builds tables of: every
// fast type, and two that only go-mysql decodes (JSON, DECIMAL(19,2)), whose
// values then go through the converters alone.
func fuzzRowCols() []diffCol {
	return append(diffCols(),
		diffCol{name: "json", tp: gomysql.MYSQL_TYPE_JSON, meta: 4},
		diffCol{name: "decimal(19,2)", tp: gomysql.MYSQL_TYPE_NEWDECIMAL, meta: 19<<8 | 2},
	)
}

// fuzzRowModes are the value modes a fuzz input picks from.
var fuzzRowModes = []map[string]string{
	nil,
	{"decimal.handling.mode": "double", "time.precision.mode": "adaptive"},
	{"decimal.handling.mode": "string", "time.precision.mode": "connect", "binary.handling.mode": "hex", "bigint.unsigned.handling.mode": "precise"},
}

// fuzzRowTypes are the rows event types a fuzz input picks from.
var fuzzRowTypes = []replication.EventType{
	replication.WRITE_ROWS_EVENTv1, replication.WRITE_ROWS_EVENTv2,
	replication.UPDATE_ROWS_EVENTv1, replication.UPDATE_ROWS_EVENTv2,
	replication.DELETE_ROWS_EVENTv1, replication.DELETE_ROWS_EVENTv2,
}

// fuzzRowTable is the table a fuzz input's cols bytes stand for: a column
// per byte (at most 12), its type picked by the low 7 bits, nullable when
// the high bit is set (never column 0, the key).
func fuzzRowTable(all []diffCol, cols []byte) *diffTable {
	if len(cols) == 0 {
		cols = []byte{0}
	}
	if len(cols) > 12 {
		cols = cols[:12]
	}
	t := &diffTable{id: 90, name: "fz", key: []int{0}}
	for i, b := range cols {
		t.cols = append(t.cols, all[int(b&0x7f)%len(all)])
		t.nullable = append(t.nullable, i > 0 && b&0x80 != 0)
	}
	return t
}

// FuzzBinlogRows decodes rows events of fuzzed tables and fuzzed row
// images both ways the stream can: go-mysql's decoding followed by the
// converters (FromBinlog), and sluice's fast path (rowimage.go). Neither may
// panic; when go-mysql parses the event, both must return the same error
// or emit the same change events, image for image; when only the fast
// path's deferred parse accepts it, the decoder must fail on it as
// go-mysql's parser did.
func FuzzBinlogRows(f *testing.F) {
	all := fuzzRowCols()
	// Seeds: row images as the differential tests generate them, for
	// tables of each column type and a few mixed ones.
	r := rand.New(rand.NewPCG(11, 12))
	for i := range all {
		cols := []byte{3, byte(i), byte(i) | 0x80}
		t := fuzzRowTable(all, cols)
		if all[i].gen == nil {
			f.Add(cols, uint8(i%len(fuzzRowModes)), uint8(i), []byte{0})
			continue
		}
		typ := uint8(i % len(fuzzRowTypes))
		var rows []byte
		n := 1
		if fuzzRowTypes[typ] == replication.UPDATE_ROWS_EVENTv1 || fuzzRowTypes[typ] == replication.UPDATE_ROWS_EVENTv2 {
			n = 2
		}
		for range n {
			im, _ := t.image(r, nil)
			rows = append(rows, im...)
		}
		f.Add(cols, uint8(i%len(fuzzRowModes)), typ, rows)
	}
	f.Fuzz(func(t *testing.T, cols []byte, mode, typ uint8, rows []byte) {
		cfg := baseConfig()
		for k, v := range fuzzRowModes[int(mode)%len(fuzzRowModes)] {
			cfg[k] = v
		}
		tab := fuzzRowTable(all, cols)
		run := newDiffRun(t, cfg)
		ctx := context.Background()
		run.seq++
		gtid := &replication.BinlogEvent{Header: benchHeader(replication.MARIADB_GTID_EVENT, run.w.pos), Event: &replication.MariadbGTIDEvent{GTID: gomysql.MariadbGTID{DomainID: 0, ServerID: 1, SequenceNumber: run.seq + 1}}}
		run.handleBoth(gtid, gtid)
		if _, _, errP, errF := run.parse(run.w.diffTableMap(tab)); errP != nil || errF != nil {
			t.Fatal(errP, errF)
		}
		tm := &replication.BinlogEvent{Header: benchHeader(replication.TABLE_MAP_EVENT, run.w.pos), Event: tab.tableMapEvent()}
		run.handleBoth(tm, tm)

		raw := run.w.rowsEvent(fuzzRowTypes[int(typ)%len(fuzzRowTypes)], tab, [][]byte{rows})
		evP, evF, errP, errF := run.parse(raw)
		switch {
		case errF != nil:
			// The fast parser decodes what go-mysql decodes, or only the
			// header, which is the same as go-mysql's.
			if errP == nil {
				t.Fatalf("go-mysql parsed the event, the fast path's parser failed: %v", errF)
			}
			return
		case errP != nil:
			e := evF.Event.(*replication.RowsEvent)
			if deferredOf(e) == nil {
				t.Fatalf("go-mysql failed (%v), the fast path's parser decoded the rows", errP)
			}
			if err := run.dFast.handle(ctx, evF); err == nil {
				t.Fatalf("go-mysql failed (%v), the decoder took the deferred rows", errP)
			}
			return
		}
		run.handleBoth(evP, evF)
		run.checkImages(evP, evF)
		xid := &replication.BinlogEvent{Header: benchHeader(replication.XID_EVENT, run.w.pos), Event: &replication.XIDEvent{XID: 1}}
		run.handleBoth(xid, xid)
		run.compare()
	})
}
