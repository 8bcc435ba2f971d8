package mysql

// Row images decoded by sluice instead of go-mysql.
//
// Why: go-mysql decodes every rows event into Rows [][]any on its syncer
// goroutine: per row a []any, a box per value, and the growth of Rows (about
// 3.3 allocations and 200 bytes a row), which the converters then box again.
// For the common column types sluice decodes the row images itself, straight
// into change.Row values, boxing them into chunks that many events share (one
// allocation per 8 KiB of values instead of one per value), and skips the
// rows of tables it does not capture and transactions it skips.
//
// How: the syncer's RowsEventDecodeFunc (deferRowsDecode) decodes only the
// event's header. When every column of the table map has a fast wire type it
// leaves the row bytes undecoded in the event (a *deferredRows in Rows[0][0])
// for the decoder goroutine; otherwise it decodes the rows as go-mysql does.
// The bytes may be kept: go-mysql's ReadPacket returns a new slice for each
// packet (ReadPacketReuseMem with no buffer to reuse, or the read buffer
// itself, then not pooled, for a big one), the parser passes that slice on
// without its checksum, and the strings go-mysql itself decodes already
// point into it. Values boxed in chunks (see boxArena) are never written
// again, so events of different transactions may share a chunk.
//
// What is exact: the result is what go-mysql's decodeValue followed by the
// column's FromBinlog gives, value for value and type for type; the queue's
// size estimate and the key text used for snapshot regions and key changes
// are computed from the values go-mysql would have produced.
// TestFastRowsMatchGoMySQL compares both paths on random rows.
//
// Fast: TINYINT, SMALLINT, MEDIUMINT, INT, BIGINT (signed and unsigned, but
// BIGINT UNSIGNED only under bigint.unsigned.handling.mode=long), DECIMAL of
// up to 18 digits (every decimal.handling.mode), YEAR, FLOAT, DOUBLE, DATE,
// DATETIME(0-6), TIMESTAMP(0-6), CHAR, VARCHAR and the TEXT types (utf8
// family and latin1, MariaDB's JSON), BINARY, VARBINARY and the BLOB types
// under binary.handling.mode=bytes; not MariaDB's UUID, INET4 and INET6,
// which are BINARY(n) on the wire but emitted as text (mapMariaDBBinary).
//
// Everything else falls back to go-mysql's decoding of the whole event, then
// the converters, as before: a table with a column of another type or mode;
// events other than WRITE/UPDATE/DELETE_ROWS v1 and v2 (v0, MariaDB's
// compressed events, MySQL's partial JSON updates); a row image without every
// column (binlog_row_image other than FULL); a table map that disagrees with
// the table's columns; and any value the fast path would reject (invalid
// UTF-8, an invalid date, truncated data), so that errors stay go-mysql's and
// the converters' own. The fast path decodes a whole event before emitting
// any of it, so a fallback never repeats an event.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"
	shopspring "github.com/shopspring/decimal"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/connecttypes"
)

// deferredRows is the undecoded part of a rows event. It sits in the
// event's Rows as Rows[0][0], which no decoded row can hold; row and rows
// are that slot's backing, so that deferring costs one allocation.
type deferredRows struct {
	data []byte // the event body without its checksum
	pos  int    // where the row images start in data
	row  [1]any
	rows [1][]any
}

// deferRowsDecode is the syncer's RowsEventDecodeFunc: it decodes the
// header, and the rows too unless the fast path may decode them.
func deferRowsDecode(e *replication.RowsEvent, data []byte) error {
	pos, err := e.DecodeHeader(data)
	if err != nil {
		return err
	}
	if !fastWire(e.Table) {
		return e.DecodeData(pos, data)
	}
	dr := &deferredRows{data: data, pos: pos}
	dr.row[0] = dr
	dr.rows[0] = dr.row[:]
	e.Rows = dr.rows[:]
	return nil
}

// deferredOf returns the undecoded rows of e, or nil when go-mysql decoded
// them.
func deferredOf(e *replication.RowsEvent) *deferredRows {
	if len(e.Rows) != 1 || len(e.Rows[0]) != 1 {
		return nil
	}
	dr, _ := e.Rows[0][0].(*deferredRows)
	return dr
}

// decodeDeferred has go-mysql decode the rows of e after all, as it would
// have on its own goroutine.
func decodeDeferred(h *replication.EventHeader, e *replication.RowsEvent, dr *deferredRows) error {
	e.Rows = nil
	if err := e.DecodeData(dr.pos, dr.data); err != nil {
		// What the syncer's parser would have returned.
		return &ConnError{Op: "read the binlog", Err: &replication.EventError{Header: h, Err: err.Error(), Data: dr.data}}
	}
	return nil
}

// Wire formats of the fast column types.
const (
	wNone byte = iota
	wInt8
	wInt16
	wInt24
	wInt32
	wInt64
	wYear
	wFloat
	wDouble
	wDate
	wDatetime2  // DATETIME(fsp), 5 bytes and the fraction
	wTimestamp2 // TIMESTAMP(fsp), 4 bytes and the fraction
	wDecimal    // DECIMAL(p,s) of p <= 18: MySQL's binary decimal
	wStr1       // 1-byte length, go-mysql gives a string
	wStr2       // 2-byte length, a string
	wBlob1      // 1-byte length, go-mysql gives a []byte
	wBlob2
	wBlob3
	wBlob4
)

// wireOf returns the wire format of a column of binlog type tp and
// metadata meta, as go-mysql's decodeValue reads it, or wNone.
func wireOf(tp byte, meta uint16) byte {
	switch tp {
	case gomysql.MYSQL_TYPE_TINY:
		return wInt8
	case gomysql.MYSQL_TYPE_SHORT:
		return wInt16
	case gomysql.MYSQL_TYPE_INT24:
		return wInt24
	case gomysql.MYSQL_TYPE_LONG:
		return wInt32
	case gomysql.MYSQL_TYPE_LONGLONG:
		return wInt64
	case gomysql.MYSQL_TYPE_YEAR:
		return wYear
	case gomysql.MYSQL_TYPE_FLOAT:
		return wFloat
	case gomysql.MYSQL_TYPE_DOUBLE:
		return wDouble
	case gomysql.MYSQL_TYPE_DATE:
		return wDate
	case gomysql.MYSQL_TYPE_DATETIME2:
		if meta <= 6 {
			return wDatetime2
		}
	case gomysql.MYSQL_TYPE_TIMESTAMP2:
		if meta <= 6 {
			return wTimestamp2
		}
	case gomysql.MYSQL_TYPE_NEWDECIMAL:
		if p, s := meta>>8, meta&0xFF; p >= 1 && p <= 18 && s <= p {
			return wDecimal
		}
	case gomysql.MYSQL_TYPE_VARCHAR, gomysql.MYSQL_TYPE_VAR_STRING:
		if meta < 256 {
			return wStr1
		}
		return wStr2
	case gomysql.MYSQL_TYPE_STRING:
		// The real type and length are packed in the metadata, as
		// decodeValue unpacks them: ENUM and SET are STRING too.
		length := int(meta)
		if meta >= 256 {
			b0, b1 := uint8(meta>>8), uint8(meta&0xFF)
			if b0&0x30 != 0x30 {
				length = int(uint16(b1) | uint16((b0&0x30)^0x30)<<4)
				tp = b0 | 0x30
			} else {
				length = int(meta & 0xFF)
				tp = b0
			}
		}
		if tp != gomysql.MYSQL_TYPE_STRING {
			return wNone
		}
		if length < 256 {
			return wStr1
		}
		return wStr2
	case gomysql.MYSQL_TYPE_BLOB:
		switch meta {
		case 1:
			return wBlob1
		case 2:
			return wBlob2
		case 3:
			return wBlob3
		case 4:
			return wBlob4
		}
	}
	return wNone
}

// fastWire reports whether every column of tm has a fast wire format.
func fastWire(tm *replication.TableMapEvent) bool {
	if tm == nil || len(tm.ColumnMeta) < len(tm.ColumnType) {
		return false
	}
	for i, tp := range tm.ColumnType {
		if wireOf(tp, tm.ColumnMeta[i]) == wNone {
			return false
		}
	}
	return true
}

// What a fast column's value becomes.
const (
	outInt16 byte = iota + 1
	outInt32
	outInt64
	outFloat32
	outFloat64
	outDate  // int32 epoch days; zero dates per nullable
	outStamp // DATETIME: int64 ms or µs since the epoch; zero dates per nullable
	outZoned // TIMESTAMP: ZonedTimestamp string; a zero timestamp is the epoch
	outDecimal
	outText   // string, validated as UTF-8
	outLatin1 // string, decoded from MySQL's latin1
	outBytes  // []byte, right-padded with 0x00 to pad bytes
)

// colPlan is how the fast path decodes one column.
type colPlan struct {
	wire     byte
	out      byte
	unsigned bool  // integers: mask to bits
	mask     int64 // 1<<bits - 1
	nullable bool  // dates: a zero date is null
	pad      int   // outBytes: BINARY(n)'s n
	key      bool  // a key column of the table
	width    int   // bytes of a fixed-width wire format
	dec      int   // DATETIME2, TIMESTAMP2: the binlog's fraction digits
	ms       bool  // outStamp: milliseconds
	fsp      int   // outZoned: the fraction digits of the text
	zero     any   // outStamp, outZoned: the value of a zero date in a NOT NULL column
	scale    int32 // outDecimal: the column's scale
	decMode  string
}

// rowPlan is how the fast path decodes the row images of one table map.
type rowPlan struct {
	cols []colPlan
}

// planFor returns the fast path's plan for rows of tm.t mapped by ev, or
// nil when they must take go-mysql's decoding. The plan is kept while the
// table maps (each transaction has its own) give the same binlog types.
func (tm *tmInfo) planFor(ev *replication.TableMapEvent, opts TypeOptions) *rowPlan {
	if tm.planEv != ev {
		if tm.planEv == nil || ev == nil || !bytes.Equal(tm.planEv.ColumnType, ev.ColumnType) || !slices.Equal(tm.planEv.ColumnMeta, ev.ColumnMeta) {
			tm.plan = buildRowPlan(ev, tm.t, opts)
		}
		tm.planEv = ev
	}
	return tm.plan
}

// buildRowPlan builds the plan for rows of t whose binlog types are ev's.
// The conversion follows mapType for t's columns (the mapping their
// FromBinlog was built with), the wire format ev's types, as go-mysql would.
func buildRowPlan(ev *replication.TableMapEvent, t *tableInfo, opts TypeOptions) *rowPlan {
	if ev == nil || t == nil || opts.Validate() != nil {
		return nil
	}
	n := len(ev.ColumnType)
	if n == 0 || len(ev.ColumnMeta) < n || len(t.Meta) != n || len(t.Conv) != n {
		return nil
	}
	opts = opts.withDefaults()
	p := &rowPlan{cols: make([]colPlan, n)}
	for i := range p.cols {
		ct := parseColumnType(t.Meta[i].ColumnType)
		m := completeMeta(t.Meta[i], ct)
		c := colPlan{wire: wireOf(ev.ColumnType[i], ev.ColumnMeta[i])}
		if c.wire == wNone {
			return nil
		}
		isInt := func(w byte, bits int, out byte) bool {
			if c.wire != w {
				return false
			}
			c.out, c.unsigned, c.mask = out, m.Unsigned, -1
			if bits < 64 {
				c.mask = 1<<bits - 1
			}
			return true
		}
		if d := m.Declared; d != nil {
			// Mappings the DDL's type changes (mapType) take go-mysql's path.
			switch {
			case d.JDBCType == jdbcBoolean && m.Type == gomysql.MYSQL_TYPE_TINY,
				m.Type == gomysql.MYSQL_TYPE_FLOAT && !d.isFloat32(),
				m.Type == gomysql.MYSQL_TYPE_DOUBLE && d.isFloat32():
				return nil
			}
		}
		if mariaDBBinaryType(&m, ct) != "" {
			return nil // UUID, INET4, INET6: their text form (mapMariaDBBinary)
		}
		ok := false
		switch m.Type {
		case gomysql.MYSQL_TYPE_TINY:
			ok = isInt(wInt8, 8, outInt16)
		case gomysql.MYSQL_TYPE_SHORT:
			if m.Unsigned {
				ok = isInt(wInt16, 16, outInt32)
			} else {
				ok = isInt(wInt16, 16, outInt16)
			}
		case gomysql.MYSQL_TYPE_INT24:
			ok = isInt(wInt24, 24, outInt32)
		case gomysql.MYSQL_TYPE_LONG:
			if m.Unsigned {
				ok = isInt(wInt32, 32, outInt64)
			} else {
				ok = isInt(wInt32, 32, outInt32)
			}
		case gomysql.MYSQL_TYPE_LONGLONG:
			if !m.Unsigned || opts.BigintUnsignedMode == BigintLong {
				ok = isInt(wInt64, 64, outInt64)
			}
		case gomysql.MYSQL_TYPE_YEAR:
			c.out, ok = outInt32, c.wire == wYear
		case gomysql.MYSQL_TYPE_FLOAT:
			c.out, ok = outFloat32, c.wire == wFloat
		case gomysql.MYSQL_TYPE_DOUBLE:
			c.out, ok = outFloat64, c.wire == wDouble
		case gomysql.MYSQL_TYPE_DATE, gomysql.MYSQL_TYPE_NEWDATE:
			c.out, c.nullable, ok = outDate, m.Nullable, c.wire == wDate
		case gomysql.MYSQL_TYPE_DATETIME, gomysql.MYSQL_TYPE_DATETIME2:
			// mapDatetime
			c.out, c.nullable, ok = outStamp, m.Nullable, c.wire == wDatetime2
			c.ms = opts.TimeMode == TimeConnect || m.FSP <= 3
			c.zero = int64(0)
		case gomysql.MYSQL_TYPE_TIMESTAMP, gomysql.MYSQL_TYPE_TIMESTAMP2:
			// mapTimestamp
			c.out, c.nullable, ok = outZoned, m.Nullable, c.wire == wTimestamp2
			c.fsp = m.FSP
			if c.fsp < 0 || c.fsp > 6 {
				c.fsp = 6
			}
			c.zero = formatZonedTimestamp(0, c.fsp)
		case gomysql.MYSQL_TYPE_NEWDECIMAL, gomysql.MYSQL_TYPE_DECIMAL:
			// mapDecimal
			c.out, ok = outDecimal, c.wire == wDecimal
			c.scale, c.decMode = int32(m.Scale), opts.DecimalMode
		case gomysql.MYSQL_TYPE_STRING, gomysql.MYSQL_TYPE_VARCHAR, gomysql.MYSQL_TYPE_VAR_STRING,
			gomysql.MYSQL_TYPE_BLOB, gomysql.MYSQL_TYPE_TINY_BLOB, gomysql.MYSQL_TYPE_MEDIUM_BLOB, gomysql.MYSQL_TYPE_LONG_BLOB:
			ok = c.wire >= wStr1 && c.wire <= wBlob4
			switch {
			case ct.base != "json" && m.Charset == "binary":
				ok = ok && opts.BinaryMode == BinaryBytes
				c.out = outBytes
				if m.Type == gomysql.MYSQL_TYPE_STRING {
					c.pad = m.Length
				}
			case strings.EqualFold(m.Charset, "latin1"):
				c.out = outLatin1
			default:
				c.out = outText
			}
		}
		if !ok {
			return nil
		}
		c.dec = int(ev.ColumnMeta[i])
		if c.wire < wStr1 {
			c.width = wireWidth[c.wire]
			switch c.wire {
			case wDatetime2, wTimestamp2:
				c.width += (c.dec + 1) / 2
			case wDecimal:
				c.width = decimalSize(c.dec>>8, c.dec&0xFF)
			}
		}
		p.cols[i] = c
	}
	for _, k := range t.Key {
		if k < 0 || k >= n {
			return nil
		}
		p.cols[k].key = true
	}
	return p
}

// fastImage is one row image the fast path decoded.
type fastImage struct {
	row  change.Row
	off  int // where the image starts in the rows data
	size int // rowSize of go-mysql's values of the image
}

// fastRows decodes the row images of a rows event of type typ, appending
// them to d.imgs. ok is false when the event must take go-mysql's decoding.
func (d *decoder) fastRows(typ replication.EventType, e *replication.RowsEvent, tm *tmInfo, dr *deferredRows) (p *rowPlan, ok bool) {
	d.imgs = d.imgs[:0]
	update := false
	switch typ {
	case replication.WRITE_ROWS_EVENTv1, replication.WRITE_ROWS_EVENTv2, replication.DELETE_ROWS_EVENTv1, replication.DELETE_ROWS_EVENTv2:
	case replication.UPDATE_ROWS_EVENTv1, replication.UPDATE_ROWS_EVENTv2:
		update = true
	default:
		return nil, false
	}
	p = tm.planFor(e.Table, d.cfg.Types)
	if p == nil || e.ColumnCount != uint64(len(p.cols)) || !allSet(e.ColumnBitmap1, len(p.cols)) ||
		update && !allSet(e.ColumnBitmap2, len(p.cols)) {
		return nil, false
	}
	data, pos := dr.data, dr.pos
	for pos < len(data) {
		for range 1 + btoi(update) {
			row, end, size, ok := d.fastImage(p, data, pos)
			if !ok {
				return nil, false
			}
			d.imgs = append(d.imgs, fastImage{row: row, off: pos, size: size})
			pos = end
		}
	}
	return p, true
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// allSet reports whether the first n bits of bitmap are set.
func allSet(bitmap []byte, n int) bool {
	if len(bitmap) < (n+7)/8 {
		return false
	}
	for i := 0; i < n; i++ {
		if bitmap[i>>3]&(1<<(i&7)) == 0 {
			return false
		}
	}
	return true
}

// strLen reads the length prefix of a string or blob of wire format w at
// data[pos:], returning the length and the prefix's size.
func strLen(w byte, data []byte, pos int) (l, n int, ok bool) {
	switch w {
	case wStr1, wBlob1:
		n = 1
	case wStr2, wBlob2:
		n = 2
	case wBlob3:
		n = 3
	case wBlob4:
		n = 4
	}
	if n > len(data)-pos {
		return 0, 0, false
	}
	var u uint64
	for i := n - 1; i >= 0; i-- {
		u = u<<8 | uint64(data[pos+i])
	}
	if u > uint64(len(data)-pos-n) {
		return 0, 0, false
	}
	return int(u), n, true
}

// wireWidth is the size of a fixed-width wire format.
// (DATETIME2 and TIMESTAMP2: without the fraction).
var wireWidth = [wStr1]int{wInt8: 1, wInt16: 2, wInt24: 3, wInt32: 4, wInt64: 8, wYear: 1, wFloat: 4, wDouble: 8, wDate: 3,
	wDatetime2: 5, wTimestamp2: 4}

// readInt reads an integer of wire format w at data[pos:] (which holds it)
// sign-extended, as go-mysql's ParseBinaryInt* do.
func readInt(w byte, data []byte, pos int) int64 {
	switch w {
	case wInt8:
		return int64(int8(data[pos]))
	case wInt16:
		return int64(int16(binary.LittleEndian.Uint16(data[pos:])))
	case wInt24:
		u := uint32(data[pos]) | uint32(data[pos+1])<<8 | uint32(data[pos+2])<<16
		return int64(int32(u<<8) >> 8)
	case wInt32:
		return int64(int32(binary.LittleEndian.Uint32(data[pos:])))
	}
	return int64(binary.LittleEndian.Uint64(data[pos:]))
}

// dateDays converts the 3-byte DATE value u as go-mysql's "%04d-%02d-%02d"
// text parsed by mapDate: epoch days, zero for a zero date, ok false for an
// invalid one.
func dateDays(u uint32) (days int64, zero, ok bool) {
	y, m, d := int64(u>>9), int64(u>>5&15), int64(u&31)
	if y > 9999 {
		return 0, false, false
	}
	if m == 0 || d == 0 {
		return 0, true, true
	}
	if m > 12 || d > daysInMonth(y, m) {
		return 0, false, false
	}
	return connecttypes.DaysFromCivil(y, m, d), false, true
}

// fastImage decodes the row image at data[pos:] into a change.Row: the
// values FromBinlog makes of go-mysql's, and the image's end and rowSize.
func (d *decoder) fastImage(p *rowPlan, data []byte, pos int) (row change.Row, end, size int, ok bool) {
	n := len(p.cols)
	nb := (n + 7) >> 3
	if nb > len(data)-pos {
		return nil, 0, 0, false
	}
	nulls := data[pos : pos+nb]
	pos += nb
	row = change.Row(d.values(n))
	size = eventHeap + n*valueHeap
	a := &d.arena
	for i := range p.cols {
		if nulls[i>>3]&(1<<(i&7)) != 0 {
			continue
		}
		c := &p.cols[i]
		if c.wire < wStr1 {
			w := c.width
			if w > len(data)-pos {
				return nil, 0, 0, false
			}
			switch c.wire {
			case wInt8, wInt16, wInt24, wInt32, wInt64:
				x := readInt(c.wire, data, pos)
				if c.unsigned {
					x &= c.mask
				}
				switch c.out {
				case outInt16:
					if x != int64(int16(x)) {
						return nil, 0, 0, false
					}
					row[i] = a.int16(int16(x))
				case outInt32:
					if x != int64(int32(x)) {
						return nil, 0, 0, false
					}
					row[i] = a.int32(int32(x))
				default:
					row[i] = a.int64(x)
				}
			case wYear:
				y := int32(data[pos])
				if y != 0 {
					y += 1900
				}
				row[i] = a.int32(y)
			case wFloat:
				row[i] = a.float32(math.Float32frombits(binary.LittleEndian.Uint32(data[pos:])))
			case wDouble:
				row[i] = a.float64(math.Float64frombits(binary.LittleEndian.Uint64(data[pos:])))
			case wDate:
				size += 10 // go-mysql's "YYYY-MM-DD"
				days, zero, ok := dateDays(uint32(data[pos]) | uint32(data[pos+1])<<8 | uint32(data[pos+2])<<16)
				switch {
				case !ok:
					return nil, 0, 0, false
				case zero && c.nullable:
					row[i] = nil
				default:
					row[i] = a.int32(int32(days))
				}
			case wDatetime2:
				size += 19 + textFrac(c.dec) // go-mysql's text
				us, zero, ok := datetime2Micros(data[pos:pos+w], c.dec)
				switch {
				case !ok:
					return nil, 0, 0, false
				case zero && c.nullable:
					row[i] = nil
				case zero:
					row[i] = c.zero
				case c.ms:
					row[i] = a.int64(connecttypes.FloorDiv(us, 1000))
				default:
					row[i] = a.int64(us)
				}
			case wDecimal:
				size += 96 // as rowSize counts go-mysql's decimal
				v, neg, ok := decimalUnscaled(data[pos:pos+w], c.dec>>8, c.dec&0xFF)
				if !ok {
					return nil, 0, 0, false
				}
				if c.decMode == DecimalPrecise && c.scale == int32(c.dec&0xFF) {
					// The common case: the unscaled value as it is.
					if neg {
						v = -v
					}
					row[i] = a.bytes(a.int64Bytes(v))
					break
				}
				// As mapDecimal from fromShopspring's decimal.
				dv := decimal{Neg: neg && v != 0, Digits: strconv.FormatInt(v, 10), Scale: int32(c.dec & 0xFF)}
				dv, err := dv.Rescale(c.scale)
				if err != nil {
					return nil, 0, 0, false
				}
				switch c.decMode {
				case DecimalDouble:
					row[i] = a.float64(dv.Float64())
				case DecimalString:
					row[i] = a.string(dv.JavaString())
				default:
					row[i] = a.bytes(dv.UnscaledBytes())
				}
			case wTimestamp2:
				size += 19 + textFrac(c.dec)
				us, zero, ok := timestamp2Micros(data[pos:pos+w], c.dec)
				switch {
				case !ok:
					return nil, 0, 0, false
				case zero:
					row[i] = c.zero // the instant 0, as mapTimestamp
				default:
					row[i] = a.string(appendZoned(nil, us, c.fsp))
				}
			}
			pos += w
			continue
		}
		l, pn, ok := strLen(c.wire, data, pos)
		if !ok {
			return nil, 0, 0, false
		}
		pos += pn
		b := data[pos : pos+l : pos+l]
		pos += l
		size += l
		if c.wire >= wBlob1 {
			size += l // go-mysql's []byte, and the string or copy made of it
		}
		switch c.out {
		case outText:
			if !utf8.Valid(b) {
				return nil, 0, 0, false
			}
			row[i] = a.string(bytesString(b))
		case outLatin1:
			row[i] = a.string(decodeLatin1(bytesString(b)))
		case outBytes:
			if c.pad > 0 && l < c.pad {
				out := make([]byte, c.pad)
				copy(out, b)
				b = out
			}
			row[i] = a.bytes(b)
		}
	}
	return row, pos, size, true
}

// bytesString returns b as a string sharing its memory: b is part of a
// binlog packet, which nothing writes to once read.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// rawImage returns the image at data[off:] as go-mysql decodes it, with
// only the key columns filled (all columns when all is set): for rowKey,
// which reads go-mysql's values.
func rawImage(p *rowPlan, data []byte, off int, all bool) []any {
	n := len(p.cols)
	nb := (n + 7) >> 3
	nulls := data[off : off+nb]
	pos := off + nb
	vals := make([]any, n)
	for i := range p.cols {
		if nulls[i>>3]&(1<<(i&7)) != 0 {
			continue
		}
		c := &p.cols[i]
		if c.wire < wStr1 {
			if c.key || all {
				switch c.wire {
				case wInt8:
					vals[i] = int8(readInt(c.wire, data, pos))
				case wInt16:
					vals[i] = int16(readInt(c.wire, data, pos))
				case wInt24, wInt32:
					vals[i] = int32(readInt(c.wire, data, pos))
				case wInt64:
					vals[i] = readInt(c.wire, data, pos)
				case wYear:
					y := int(data[pos])
					if y != 0 {
						y += 1900
					}
					vals[i] = y
				case wFloat:
					vals[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[pos:]))
				case wDouble:
					vals[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[pos:]))
				case wDate:
					u := uint32(data[pos]) | uint32(data[pos+1])<<8 | uint32(data[pos+2])<<16
					if u == 0 {
						vals[i] = "0000-00-00"
					} else {
						vals[i] = pad4(u>>9) + "-" + pad2(u>>5&15) + "-" + pad2(u&31)
					}
				case wDatetime2:
					vals[i] = datetime2Text(data[pos:pos+c.width], c.dec)
				case wTimestamp2:
					vals[i] = timestamp2Text(data[pos:pos+c.width], c.dec)
				case wDecimal:
					vals[i] = decimalValue(data[pos:pos+c.width], c.dec>>8, c.dec&0xFF)
				}
			}
			pos += c.width
			continue
		}
		l, pn, _ := strLen(c.wire, data, pos)
		pos += pn
		if c.key || all {
			b := data[pos : pos+l : pos+l]
			if c.wire >= wBlob1 {
				vals[i] = b
			} else {
				vals[i] = bytesString(b)
			}
		}
		pos += l
	}
	return vals
}

// compressedBytes is the size of a group of 0 to 9 decimal digits in
// MySQL's binary decimal.
var compressedBytes = [10]int{0, 1, 1, 2, 2, 3, 3, 4, 4, 4}

// pow10 holds the powers of 10 up to 10^9.
var pow10 = [10]uint64{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000}

// decimalSize is the size of a DECIMAL(prec, scale) in the binlog.
func decimalSize(prec, scale int) int {
	ip, fp := prec-scale, scale
	return ip/9*4 + compressedBytes[ip%9] + fp/9*4 + compressedBytes[fp%9]
}

// decimalUnscaled reads a DECIMAL(prec, scale) of at most 18 digits (b
// holds it) as its unscaled absolute value and sign, as go-mysql's
// decodeDecimal text gives them. ok is false for groups of more digits than
// they hold, which go-mysql would print unlike a number.
func decimalUnscaled(b []byte, prec, scale int) (v int64, neg, ok bool) {
	neg = b[0]&0x80 == 0
	var mask byte
	if neg {
		mask = 0xFF
	}
	pos := 0
	group := func(digits, n int) bool {
		var g uint64
		for k := range n {
			x := b[pos+k] ^ mask
			if pos+k == 0 {
				x ^= 0x80 // the sign bit
			}
			g = g<<8 | uint64(x)
		}
		pos += n
		if g >= pow10[digits] {
			return false
		}
		v = v*int64(pow10[digits]) + int64(g)
		return true
	}
	ip := prec - scale
	if !group(ip%9, compressedBytes[ip%9]) {
		return 0, false, false
	}
	for range ip / 9 {
		if !group(9, 4) {
			return 0, false, false
		}
	}
	for range scale / 9 {
		if !group(9, 4) {
			return 0, false, false
		}
	}
	if !group(scale%9, compressedBytes[scale%9]) {
		return 0, false, false
	}
	return v, neg, true
}

// decimalValue is go-mysql's value of a DECIMAL the fast path decodes (b
// holds it): its text, sign and all, parsed by shopspring.
func decimalValue(b []byte, prec, scale int) shopspring.Decimal {
	v, neg, _ := decimalUnscaled(b, prec, scale)
	digits := strconv.FormatInt(v, 10)
	for len(digits) <= scale {
		digits = "0" + digits
	}
	text := digits[:len(digits)-scale]
	if scale > 0 {
		text += "." + digits[len(digits)-scale:]
	}
	if neg {
		text = "-" + text
	}
	d, _ := shopspring.NewFromString(text)
	return d
}

// textFrac is the length of the fraction go-mysql's temporal text has.
func textFrac(dec int) int {
	if dec == 0 {
		return 0
	}
	return 1 + dec
}

// binlogFrac reads the fraction of a DATETIME2 or TIMESTAMP2 of dec digits
// (b holds it) in µs, as go-mysql does.
func binlogFrac(b []byte, dec int) int64 {
	switch dec {
	case 1, 2:
		return int64(b[0]) * 10000
	case 3, 4:
		return int64(binary.BigEndian.Uint16(b)) * 100
	case 5, 6:
		return int64(b[0])<<16 | int64(b[1])<<8 | int64(b[2])
	}
	return 0
}

// truncFrac keeps the first dec of the 6 digits of us, as go-mysql's text
// does.
func truncFrac(us int64, dec int) int64 {
	p := int64(1)
	for range 6 - dec {
		p *= 10
	}
	return us - us%p
}

// datetimeEpoch is go-mysql's DATETIME2 integer part of 1970-01-01 00:00:00.
const datetimeEpoch = 107420450816

// datetime2Parts splits a DATETIME2 value (b holds it) as go-mysql's
// decodeDatetime2 does. ok is false for what the fast path leaves to it: a
// negative integer part or a fraction above 999999.
func datetime2Parts(b []byte, dec int) (intPart int64, y, mo, d, h, mi, s int, frac int64, ok bool) {
	intPart = int64(b[0])<<32 | int64(b[1])<<24 | int64(b[2])<<16 | int64(b[3])<<8 | int64(b[4]) - 0x8000000000
	frac = binlogFrac(b[5:], dec)
	if intPart < 0 || frac > 999999 {
		return 0, 0, 0, 0, 0, 0, 0, 0, false
	}
	ymd, hms := intPart>>17, intPart%(1<<17)
	ym := ymd >> 5
	return intPart, int(ym / 13), int(ym % 13), int(ymd % 32), int(hms >> 12), int(hms >> 6 % 64), int(hms % 64), frac, true
}

// datetime2Micros converts a DATETIME2 value (b holds it) as go-mysql's
// text parsed by mapDatetime: µs since the epoch, the wall clock taken as
// UTC; zero for a zero or partly zero date; ok false when the text would
// not parse (or the fast path leaves the value to go-mysql).
func datetime2Micros(b []byte, dec int) (us int64, zero, ok bool) {
	intPart, y, mo, d, h, mi, s, frac, ok := datetime2Parts(b, dec)
	switch {
	case !ok:
		return 0, false, false
	case intPart == 0:
		return 0, true, true // "0000-00-00 00:00:00[.ffffff]"
	case intPart < datetimeEpoch:
		// Printed as stored: parseDatetime checks the fields.
		if h > 23 || mi > 59 || s > 59 {
			return 0, false, false
		}
		if mo == 0 || d == 0 {
			return 0, true, true
		}
		if int64(d) > daysInMonth(int64(y), int64(mo)) {
			return 0, false, false
		}
	case mo < 1 || d < 1 || int64(d) > daysInMonth(int64(y), int64(mo)) || h > 23 || mi > 59 || s > 59:
		// go-mysql's time.Date normalizes the fields.
		t := time.Date(y, time.Month(mo), d, h, mi, s, 0, time.UTC)
		if t.Year() < 0 || t.Year() > 9999 {
			return 0, false, false
		}
		return t.Unix()*microsPerSecond + truncFrac(frac, dec), false, true
	}
	if y > 9999 {
		return 0, false, false
	}
	days := connecttypes.DaysFromCivil(int64(y), int64(mo), int64(d))
	return days*microsPerDay + ((int64(h)*60+int64(mi))*60+int64(s))*microsPerSecond + truncFrac(frac, dec), false, true
}

// timestamp2Micros converts a TIMESTAMP2 value (b holds it) as go-mysql's
// UTC text parsed by mapTimestamp: µs since the epoch, zero for the zero
// timestamp.
func timestamp2Micros(b []byte, dec int) (us int64, zero, ok bool) {
	sec := int64(binary.BigEndian.Uint32(b))
	frac := binlogFrac(b[4:], dec)
	switch {
	case frac > 999999:
		return 0, false, false
	case sec == 0:
		return 0, true, true
	}
	return sec*microsPerSecond + truncFrac(frac, dec), false, true
}

// fracLayouts are go-mysql's layouts of temporal text by fraction digits.
var fracLayouts = [7]string{"2006-01-02 15:04:05", "2006-01-02 15:04:05.0", "2006-01-02 15:04:05.00", "2006-01-02 15:04:05.000",
	"2006-01-02 15:04:05.0000", "2006-01-02 15:04:05.00000", "2006-01-02 15:04:05.000000"}

// zeroTimeText is go-mysql's formatZeroTime.
func zeroTimeText(frac int64, dec int) string {
	s := "0000-00-00 00:00:00"
	if dec > 0 {
		s += "." + fmt.Sprintf("%06d", frac)[:dec]
	}
	return s
}

// datetime2Text is go-mysql's text of a DATETIME2 value the fast path
// decodes (b holds it).
func datetime2Text(b []byte, dec int) string {
	intPart, y, mo, d, h, mi, s, frac, _ := datetime2Parts(b, dec)
	switch {
	case intPart == 0:
		return zeroTimeText(frac, dec)
	case intPart < datetimeEpoch:
		t := fmt.Sprintf("%04d-%02d-%02d %02d:%02d:%02d", y, mo, d, h, mi, s)
		if dec > 0 {
			t += "." + fmt.Sprintf("%06d", frac)[:dec]
		}
		return t
	}
	return time.Date(y, time.Month(mo), d, h, mi, s, int(frac*1000), time.UTC).Format(fracLayouts[dec])
}

// timestamp2Text is go-mysql's text of a TIMESTAMP2 value the fast path
// decodes (b holds it), in UTC.
func timestamp2Text(b []byte, dec int) string {
	sec := int64(binary.BigEndian.Uint32(b))
	frac := binlogFrac(b[4:], dec)
	if sec == 0 {
		return zeroTimeText(frac, dec)
	}
	return time.Unix(sec, frac*1000).UTC().Format(fracLayouts[dec])
}

// appendZoned appends formatZonedTimestamp(us, fsp) for us >= 0.
func appendZoned(b []byte, us int64, fsp int) string {
	days := us / microsPerDay
	rem := us - days*microsPerDay
	y, m, d := connecttypes.CivilFromDays(days)
	secs := rem / microsPerSecond
	b = appendDigits(b, y, 4)
	b = append(b, '-')
	b = appendDigits(b, m, 2)
	b = append(b, '-')
	b = appendDigits(b, d, 2)
	b = append(b, 'T')
	b = appendDigits(b, secs/3600, 2)
	b = append(b, ':')
	b = appendDigits(b, secs/60%60, 2)
	b = append(b, ':')
	b = appendDigits(b, secs%60, 2)
	if fsp > 0 {
		b = append(b, '.')
		b = appendDigits(b, rem%microsPerSecond, 6)[:len(b)+fsp]
	}
	return string(append(b, 'Z'))
}

// appendDigits appends x (0 <= x) in at least n digits, zero-padded.
func appendDigits(b []byte, x int64, n int) []byte {
	var buf [20]byte
	i := len(buf)
	for x >= 10 || n > 1 {
		i--
		buf[i] = byte('0' + x%10)
		x /= 10
		n--
	}
	i--
	buf[i] = byte('0' + x)
	return append(b, buf[i:]...)
}

func pad2(u uint32) string {
	s := strconv.FormatUint(uint64(u), 10)
	if len(s) < 2 {
		s = "0" + s
	}
	return s
}

func pad4(u uint32) string {
	s := strconv.FormatUint(uint64(u), 10)
	for len(s) < 4 {
		s = "0" + s
	}
	return s
}

// Boxed values are carved from chunks of about 8 KiB, as rows are (see
// decoder.values): an interface holding a value points at its slot in a
// chunk instead of at an allocation of its own. A boxed value is never
// written after it is made, so events may share a chunk; a chunk stays live
// while any value boxed in it does.
const (
	numChunkLen   = 8192 / 8
	strChunkLen   = 8192 / int(unsafe.Sizeof(""))
	bytesChunkLen = 8192 / int(unsafe.Sizeof([]byte(nil)))
	rawChunkLen   = 8192
)

// boxArena boxes values into chunks: numbers (8-byte slots, no pointers),
// strings and byte slices.
type boxArena struct {
	nums []uint64
	strs []string
	bins [][]byte
	raw  []byte // the bytes of small byte values
}

// eface is the layout of an interface value with no methods (any).
type eface struct {
	typ, data unsafe.Pointer
}

func typeOf(v any) unsafe.Pointer { return (*eface)(unsafe.Pointer(&v)).typ }

var (
	typInt16   = typeOf(int16(0))
	typInt32   = typeOf(int32(0))
	typInt64   = typeOf(int64(0))
	typFloat32 = typeOf(float32(0))
	typFloat64 = typeOf(float64(0))
	typString  = typeOf("")
	typBytes   = typeOf([]byte(nil))
)

// boxAt returns the interface value of type typ whose value is at p, as the
// compiler builds one for a type that is not pointer-shaped.
func boxAt(typ, p unsafe.Pointer) (v any) {
	e := (*eface)(unsafe.Pointer(&v))
	e.typ, e.data = typ, p
	return v
}

func (a *boxArena) num() unsafe.Pointer {
	if len(a.nums) == 0 {
		a.nums = make([]uint64, numChunkLen)
	}
	p := unsafe.Pointer(&a.nums[0])
	a.nums = a.nums[1:]
	return p
}

func (a *boxArena) int16(x int16) any {
	p := a.num()
	*(*int16)(p) = x
	return boxAt(typInt16, p)
}

func (a *boxArena) int32(x int32) any {
	p := a.num()
	*(*int32)(p) = x
	return boxAt(typInt32, p)
}

func (a *boxArena) int64(x int64) any {
	p := a.num()
	*(*int64)(p) = x
	return boxAt(typInt64, p)
}

func (a *boxArena) float32(x float32) any {
	p := a.num()
	*(*float32)(p) = x
	return boxAt(typFloat32, p)
}

func (a *boxArena) float64(x float64) any {
	p := a.num()
	*(*float64)(p) = x
	return boxAt(typFloat64, p)
}

func (a *boxArena) string(s string) any {
	if len(a.strs) == 0 {
		a.strs = make([]string, strChunkLen)
	}
	p := &a.strs[0]
	*p = s
	a.strs = a.strs[1:]
	return boxAt(typString, unsafe.Pointer(p))
}

// int64Bytes returns change.Int64Bytes(v), carved from a chunk.
func (a *boxArena) int64Bytes(v int64) []byte {
	n := 1
	for w := v; w > 127 || w < -128; w >>= 8 {
		n++
	}
	if len(a.raw) < n {
		a.raw = make([]byte, rawChunkLen)
	}
	out := a.raw[:n:n]
	a.raw = a.raw[n:]
	for i := n - 1; i >= 0; i-- {
		out[i] = byte(v)
		v >>= 8
	}
	return out
}

func (a *boxArena) bytes(b []byte) any {
	if len(a.bins) == 0 {
		a.bins = make([][]byte, bytesChunkLen)
	}
	p := &a.bins[0]
	*p = b
	a.bins = a.bins[1:]
	return boxAt(typBytes, unsafe.Pointer(p))
}
