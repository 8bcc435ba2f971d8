package mysql

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/sluicecdc/sluice/connectors/change"
)

// The differential tests of the fast path (rowimage.go): random rows of
// random tables over every fast column type are encoded as a server writes
// them, then decoded twice, by go-mysql and the converters and by the fast
// path, and everything the decoder emits must be the same.

// Collations of the TABLE_MAPs.
const (
	collUTF8MB4 = 45 // utf8mb4_general_ci
	collUTF8MB3 = 33 // utf8mb3_general_ci
	collLatin1  = 8  // latin1_swedish_ci
	collBinary  = 63
)

// diffCol is a column type of the differential tests: its TABLE_MAP type,
// metadata, signedness and collation, and a generator of encoded non-null
// values.
type diffCol struct {
	name     string
	tp       byte
	meta     uint16
	unsigned bool
	coll     uint64 // character columns only
	gen      func(r *rand.Rand) []byte
}

// intEdge returns a random integer of width bytes, often an edge value:
// 0, 1, -1 (the unsigned maximum), and the signed minimum and maximum.
func intEdge(r *rand.Rand, width int) []byte {
	bits := 8 * width
	var u uint64
	switch r.IntN(8) {
	case 0:
		u = 0
	case 1:
		u = 1
	case 2:
		u = math.MaxUint64 // -1, the unsigned maximum
	case 3:
		u = 1 << (bits - 1) // the signed minimum
	case 4:
		u = 1<<(bits-1) - 1 // the signed maximum
	case 5:
		u = uint64(r.IntN(300)) // small values, boxed without allocation by Go
	default:
		u = r.Uint64()
	}
	b := binary.LittleEndian.AppendUint64(nil, u)
	return b[:width]
}

// textOf returns random text of at most maxBytes bytes in UTF-8: empty,
// ASCII, or with 2-, 3- and 4-byte characters.
func textOf(r *rand.Rand, maxBytes int) []byte {
	pools := [][]rune{
		[]rune("abcxyz 0189_-'\"\\"),
		[]rune("éüßñøÆ"),
		[]rune("中文字符テスト한국"),
		[]rune("😀🎉𝄞"),
	}
	limit := maxBytes
	switch r.IntN(4) {
	case 0:
		return []byte{}
	case 1:
		limit = min(maxBytes, 8)
	}
	var b []byte
	for {
		c := pools[r.IntN(len(pools))]
		ch := string(c[r.IntN(len(c))])
		if len(b)+len(ch) > limit || r.IntN(limit+1) == 0 && len(b) > 0 && limit < maxBytes {
			return b
		}
		b = append(b, ch...)
	}
}

// bytesOf returns between 0 and maxLen random bytes (every byte value).
func bytesOf(r *rand.Rand, maxLen int) []byte {
	n := r.IntN(maxLen + 1)
	if r.IntN(4) == 0 {
		n = maxLen
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	return b
}

// withLen prefixes b with its length in n bytes.
func withLen(b []byte, n int) []byte {
	l := binary.LittleEndian.AppendUint32(nil, uint32(len(b)))
	return append(l[:n], b...)
}

// stringMeta is the TABLE_MAP metadata of a CHAR or BINARY of maxBytes
// bytes: the real type and the length, packed as the server packs them.
func stringMeta(maxBytes int) uint16 {
	return uint16(gomysql.MYSQL_TYPE_STRING^byte((maxBytes&0x300)>>4))<<8 | uint16(maxBytes&0xFF)
}

// dateBytes encodes a DATE.
func dateBytes(y, m, d uint32) []byte {
	u := y<<9 | m<<5 | d
	return []byte{byte(u), byte(u >> 8), byte(u >> 16)}
}

// fracBytes encodes the fraction of a DATETIME2 or TIMESTAMP2 of dec
// digits: a random one of that precision, or now and then one with more
// digits than dec (which go-mysql's text truncates).
func fracBytes(r *rand.Rand, dec int) []byte {
	switch dec {
	case 1, 2:
		v := r.IntN(100)
		if dec == 1 && r.IntN(2) == 0 {
			v -= v % 10
		}
		return []byte{byte(v)}
	case 3, 4:
		v := r.IntN(10000)
		if dec == 3 && r.IntN(2) == 0 {
			v -= v % 10
		}
		return binary.BigEndian.AppendUint16(nil, uint16(v))
	case 5, 6:
		v := r.IntN(1000000)
		if dec == 5 && r.IntN(2) == 0 {
			v -= v % 10
		}
		return []byte{byte(v >> 16), byte(v >> 8), byte(v)}
	}
	return nil
}

// datetime2Bytes encodes a DATETIME2 of dec fraction digits.
func datetime2Bytes(y, mo, d, h, mi, s int64, frac []byte) []byte {
	v := ((y*13+mo)<<5|d)<<17 | h<<12 | mi<<6 | s
	v += 0x8000000000
	return append([]byte{byte(v >> 32), byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}, frac...)
}

// randomDatetime2 returns a DATETIME2 the fast path decodes: valid ones,
// zero and partly zero dates, and after 1970 fields go-mysql normalizes
// (February 30, hour 31).
func randomDatetime2(r *rand.Rand, dec int) []byte {
	frac := fracBytes(r, dec)
	switch r.IntN(8) {
	case 0:
		return datetime2Bytes(0, 0, 0, 0, 0, 0, frac)
	case 1:
		return datetime2Bytes(int64(r.IntN(10000)), 0, int64(r.IntN(32)), int64(r.IntN(24)), int64(r.IntN(60)), int64(r.IntN(60)), frac)
	case 2:
		return datetime2Bytes(9999, 12, 31, 23, 59, 59, frac)
	case 3:
		return datetime2Bytes(1970, 1, 1, 0, 0, 0, frac)
	case 4:
		return datetime2Bytes(1970+int64(r.IntN(8000)), int64(1+r.IntN(12)), int64(r.IntN(32)), int64(r.IntN(32)), int64(r.IntN(64)), int64(r.IntN(64)), frac)
	}
	y, mo := int64(r.IntN(10000)), int64(1+r.IntN(12))
	d := 1 + int64(r.IntN(int(daysInMonth(y, mo))))
	return datetime2Bytes(y, mo, d, int64(r.IntN(24)), int64(r.IntN(60)), int64(r.IntN(60)), frac)
}

// randomTimestamp2 returns a TIMESTAMP2: zero, edges or random seconds.
func randomTimestamp2(r *rand.Rand, dec int) []byte {
	sec := []uint32{0, 1, math.MaxInt32, math.MaxUint32, 86399, 951782400, r.Uint32()}[r.IntN(7)]
	return append(binary.BigEndian.AppendUint32(nil, sec), fracBytes(r, dec)...)
}

// decimalBytes encodes the decimal of unscaled value v (its absolute
// value; neg the sign, -0 included) as a DECIMAL(prec, scale).
func decimalBytes(v uint64, neg bool, prec, scale int) []byte {
	var b []byte
	put := func(g uint64, n int) {
		for k := n - 1; k >= 0; k-- {
			b = append(b, byte(g>>(8*k)))
		}
	}
	ip := prec - scale
	frac := v % pow10Big(scale)
	ipart := v / pow10Big(scale)
	// The integer part: the leading partial group, then groups of 9.
	groups := []uint64{}
	for range ip / 9 {
		groups = append([]uint64{ipart % 1e9}, groups...)
		ipart /= 1e9
	}
	put(ipart, compressedBytes[ip%9])
	for _, g := range groups {
		put(g, 4)
	}
	// The fraction: groups of 9, then the trailing partial group.
	rest := scale
	for range scale / 9 {
		rest -= 9
		put(frac/pow10Big(rest)%1e9, 4)
	}
	put(frac%pow10Big(rest), compressedBytes[rest])
	if neg {
		for i := range b {
			b[i] ^= 0xFF
		}
	}
	b[0] ^= 0x80
	return b
}

func pow10Big(n int) uint64 {
	p := uint64(1)
	for range n {
		p *= 10
	}
	return p
}

// randomDecimal returns a DECIMAL(prec, scale): zero, -0, the extremes, or
// random digits.
func randomDecimal(r *rand.Rand, prec, scale int) []byte {
	max := pow10Big(prec) - 1
	var v uint64
	switch r.IntN(6) {
	case 0:
		v = 0
	case 1:
		v = max
	case 2:
		v = 1
	default:
		v = r.Uint64N(max + 1)
		if r.IntN(2) == 0 {
			v -= v % pow10Big(r.IntN(prec))
		}
	}
	return decimalBytes(v, r.IntN(2) == 0, prec, scale)
}

// diffCols returns every fast column type.
func diffCols() []diffCol {
	var cols []diffCol
	for _, c := range []struct {
		name  string
		tp    byte
		width int
	}{
		{"tinyint", gomysql.MYSQL_TYPE_TINY, 1},
		{"smallint", gomysql.MYSQL_TYPE_SHORT, 2},
		{"mediumint", gomysql.MYSQL_TYPE_INT24, 3},
		{"int", gomysql.MYSQL_TYPE_LONG, 4},
		{"bigint", gomysql.MYSQL_TYPE_LONGLONG, 8},
	} {
		for _, uns := range []bool{false, true} {
			name := c.name
			if uns {
				name += " unsigned"
			}
			w := c.width
			cols = append(cols, diffCol{name: name, tp: c.tp, unsigned: uns, gen: func(r *rand.Rand) []byte { return intEdge(r, w) }})
		}
	}
	for _, dec := range []int{0, 1, 3, 4, 6} {
		cols = append(cols, diffCol{name: fmt.Sprintf("datetime(%d)", dec), tp: gomysql.MYSQL_TYPE_DATETIME2, meta: uint16(dec),
			gen: func(r *rand.Rand) []byte { return randomDatetime2(r, dec) }})
	}
	for _, ps := range [][2]int{{1, 0}, {5, 5}, {10, 2}, {12, 4}, {18, 0}, {18, 9}, {18, 18}, {9, 0}, {10, 1}} {
		p, sc := ps[0], ps[1]
		cols = append(cols, diffCol{name: fmt.Sprintf("decimal(%d,%d)", p, sc), tp: gomysql.MYSQL_TYPE_NEWDECIMAL, meta: uint16(p<<8 | sc),
			gen: func(r *rand.Rand) []byte { return randomDecimal(r, p, sc) }})
	}
	for _, dec := range []int{0, 2, 5, 6} {
		cols = append(cols, diffCol{name: fmt.Sprintf("timestamp(%d)", dec), tp: gomysql.MYSQL_TYPE_TIMESTAMP2, meta: uint16(dec),
			gen: func(r *rand.Rand) []byte { return randomTimestamp2(r, dec) }})
	}
	cols = append(cols,
		diffCol{name: "year", tp: gomysql.MYSQL_TYPE_YEAR, gen: func(r *rand.Rand) []byte { return intEdge(r, 1) }},
		diffCol{name: "float", tp: gomysql.MYSQL_TYPE_FLOAT, meta: 4, gen: func(r *rand.Rand) []byte {
			f := []float32{0, 1, -1, math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, float32(r.NormFloat64() * 1e6)}[r.IntN(7)]
			return binary.LittleEndian.AppendUint32(nil, math.Float32bits(f))
		}},
		diffCol{name: "double", tp: gomysql.MYSQL_TYPE_DOUBLE, meta: 8, gen: func(r *rand.Rand) []byte {
			f := []float64{0, 1, -1, math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, r.NormFloat64() * 1e12}[r.IntN(7)]
			return binary.LittleEndian.AppendUint64(nil, math.Float64bits(f))
		}},
		diffCol{name: "date", tp: gomysql.MYSQL_TYPE_DATE, gen: func(r *rand.Rand) []byte {
			// Valid dates, zero dates and partly zero ones.
			y, m, d := uint32(r.IntN(10000)), uint32(r.IntN(13)), uint32(r.IntN(29))
			switch r.IntN(6) {
			case 0:
				y, m, d = 0, 0, 0
			case 1:
				y, m, d = 9999, 12, 31
			case 2:
				y, m, d = 1970, 1, 1
			}
			return dateBytes(y, m, d)
		}},
		diffCol{name: "varchar(20) utf8mb4", tp: gomysql.MYSQL_TYPE_VARCHAR, meta: 80, coll: collUTF8MB4, gen: func(r *rand.Rand) []byte { return withLen(textOf(r, 80), 1) }},
		diffCol{name: "varchar(100) utf8mb4", tp: gomysql.MYSQL_TYPE_VARCHAR, meta: 400, coll: collUTF8MB4, gen: func(r *rand.Rand) []byte { return withLen(textOf(r, 400), 2) }},
		diffCol{name: "varchar(30) utf8mb3", tp: gomysql.MYSQL_TYPE_VARCHAR, meta: 90, coll: collUTF8MB3, gen: func(r *rand.Rand) []byte {
			b := textOf(r, 90)
			for strings.ContainsAny(string(b), "😀🎉𝄞") {
				b = textOf(r, 90)
			}
			return withLen(b, 1)
		}},
		diffCol{name: "varchar(300) latin1", tp: gomysql.MYSQL_TYPE_VARCHAR, meta: 300, coll: collLatin1, gen: func(r *rand.Rand) []byte { return withLen(bytesOf(r, 300), 2) }},
		diffCol{name: "char(10) utf8mb4", tp: gomysql.MYSQL_TYPE_STRING, meta: stringMeta(40), coll: collUTF8MB4, gen: func(r *rand.Rand) []byte { return withLen(textOf(r, 40), 1) }},
		diffCol{name: "char(255) utf8mb4", tp: gomysql.MYSQL_TYPE_STRING, meta: stringMeta(1020), coll: collUTF8MB4, gen: func(r *rand.Rand) []byte { return withLen(textOf(r, 1020), 2) }},
		diffCol{name: "char(5) latin1", tp: gomysql.MYSQL_TYPE_STRING, meta: stringMeta(5), coll: collLatin1, gen: func(r *rand.Rand) []byte { return withLen(bytesOf(r, 5), 1) }},
		diffCol{name: "tinytext", tp: gomysql.MYSQL_TYPE_BLOB, meta: 1, coll: collUTF8MB4, gen: func(r *rand.Rand) []byte { return withLen(textOf(r, 255), 1) }},
		diffCol{name: "text", tp: gomysql.MYSQL_TYPE_BLOB, meta: 2, coll: collUTF8MB4, gen: func(r *rand.Rand) []byte { return withLen(textOf(r, 3000), 2) }},
		diffCol{name: "mediumtext latin1", tp: gomysql.MYSQL_TYPE_BLOB, meta: 3, coll: collLatin1, gen: func(r *rand.Rand) []byte { return withLen(bytesOf(r, 500), 3) }},
		diffCol{name: "longtext", tp: gomysql.MYSQL_TYPE_BLOB, meta: 4, coll: collUTF8MB4, gen: func(r *rand.Rand) []byte { return withLen(textOf(r, 600), 4) }},
		diffCol{name: "binary(4)", tp: gomysql.MYSQL_TYPE_STRING, meta: stringMeta(4), coll: collBinary, gen: func(r *rand.Rand) []byte { return withLen(bytesOf(r, 4), 1) }},
		diffCol{name: "binary(16)", tp: gomysql.MYSQL_TYPE_STRING, meta: stringMeta(16), coll: collBinary, gen: func(r *rand.Rand) []byte { return withLen(bytesOf(r, 16), 1) }},
		diffCol{name: "varbinary(300)", tp: gomysql.MYSQL_TYPE_VARCHAR, meta: 300, coll: collBinary, gen: func(r *rand.Rand) []byte { return withLen(bytesOf(r, 300), 2) }},
		diffCol{name: "tinyblob", tp: gomysql.MYSQL_TYPE_BLOB, meta: 1, coll: collBinary, gen: func(r *rand.Rand) []byte { return withLen(bytesOf(r, 255), 1) }},
		diffCol{name: "blob", tp: gomysql.MYSQL_TYPE_BLOB, meta: 2, coll: collBinary, gen: func(r *rand.Rand) []byte { return withLen(bytesOf(r, 2000), 2) }},
	)
	return cols
}

// diffTable is a table of the differential tests.
type diffTable struct {
	id       uint64
	name     string
	cols     []diffCol
	nullable []bool
	key      []int
}

// randomTable picks 1 to 12 columns; the first one or two make the key
// (never nullable).
func randomTable(r *rand.Rand, id uint64, all []diffCol) *diffTable {
	t := &diffTable{id: id, name: fmt.Sprintf("t%d", id)}
	n := 1 + r.IntN(12)
	for i := range n {
		t.cols = append(t.cols, all[r.IntN(len(all))])
		t.nullable = append(t.nullable, i > 1 && r.IntN(2) == 0)
	}
	t.key = []int{0}
	if n > 1 && r.IntN(3) == 0 {
		t.key = []int{1, 0}
	}
	return t
}

// tableMapEvent is the TABLE_MAP the decoder sees, with full metadata.
func (t *diffTable) tableMapEvent() *replication.TableMapEvent {
	e := &replication.TableMapEvent{TableID: t.id, Schema: []byte("db"), Table: []byte(t.name), ColumnCount: uint64(len(t.cols))}
	e.NullBitmap = make([]byte, (len(t.cols)+7)/8)
	var sign []bool
	for i, c := range t.cols {
		e.ColumnType = append(e.ColumnType, c.tp)
		e.ColumnMeta = append(e.ColumnMeta, c.meta)
		e.ColumnName = append(e.ColumnName, []byte(fmt.Sprintf("c%d", i)))
		if t.nullable[i] {
			e.NullBitmap[i/8] |= 1 << (i % 8)
		}
		if c.coll != 0 {
			e.ColumnCharset = append(e.ColumnCharset, c.coll)
		}
		switch c.tp {
		case gomysql.MYSQL_TYPE_TINY, gomysql.MYSQL_TYPE_SHORT, gomysql.MYSQL_TYPE_INT24, gomysql.MYSQL_TYPE_LONG,
			gomysql.MYSQL_TYPE_LONGLONG, gomysql.MYSQL_TYPE_FLOAT, gomysql.MYSQL_TYPE_DOUBLE, gomysql.MYSQL_TYPE_NEWDECIMAL:
			sign = append(sign, c.unsigned)
		}
	}
	e.SignednessBitmap = make([]byte, (len(sign)+7)/8)
	for i, u := range sign {
		if u {
			e.SignednessBitmap[i/8] |= 0x80 >> (i % 8)
		}
	}
	for _, k := range t.key {
		e.PrimaryKey = append(e.PrimaryKey, uint64(k))
	}
	return e
}

// tableMap encodes t's TABLE_MAP as the server does, without the optional
// metadata (go-mysql's parsers need only the types).
func (w *binlogWriter) diffTableMap(t *diffTable) []byte {
	var b []byte
	b = binary.LittleEndian.AppendUint64(b, t.id)[:6]
	b = append(b, 0, 0)
	b = append(b, 2, 'd', 'b', 0, byte(len(t.name)))
	b = append(append(b, t.name...), 0)
	b = append(b, byte(len(t.cols)))
	var meta []byte
	for _, c := range t.cols {
		b = append(b, c.tp)
		switch c.tp {
		case gomysql.MYSQL_TYPE_STRING, gomysql.MYSQL_TYPE_NEWDECIMAL:
			meta = append(meta, byte(c.meta>>8), byte(c.meta))
		case gomysql.MYSQL_TYPE_VARCHAR:
			meta = binary.LittleEndian.AppendUint16(meta, c.meta)
		case gomysql.MYSQL_TYPE_BLOB, gomysql.MYSQL_TYPE_FLOAT, gomysql.MYSQL_TYPE_DOUBLE, gomysql.MYSQL_TYPE_JSON,
			gomysql.MYSQL_TYPE_DATETIME2, gomysql.MYSQL_TYPE_TIMESTAMP2:
			meta = append(meta, byte(c.meta))
		}
	}
	b = append(b, byte(len(meta)))
	b = append(b, meta...)
	nulls := make([]byte, (len(t.cols)+7)/8)
	for i, n := range t.nullable {
		if n {
			nulls[i/8] |= 1 << (i % 8)
		}
	}
	return w.event(replication.TABLE_MAP_EVENT, append(b, nulls...))
}

// image encodes a random row image of t; keyFrom, when not nil, gives the
// key columns' encoded values.
func (t *diffTable) image(r *rand.Rand, keyFrom [][]byte) (enc []byte, vals [][]byte) {
	n := len(t.cols)
	nulls := make([]byte, (n+7)/8)
	vals = make([][]byte, n)
	for i, c := range t.cols {
		if t.nullable[i] && r.IntN(5) == 0 {
			nulls[i/8] |= 1 << (i % 8)
			continue
		}
		vals[i] = c.gen(r)
	}
	if keyFrom != nil {
		for _, k := range t.key {
			vals[k] = keyFrom[k]
		}
	}
	enc = nulls
	for _, v := range vals {
		enc = append(enc, v...)
	}
	return enc, vals
}

// rowsEvent encodes a rows event of type typ (v1 or v2) of t's rows.
func (w *binlogWriter) rowsEvent(typ replication.EventType, t *diffTable, images [][]byte) []byte {
	var b []byte
	b = binary.LittleEndian.AppendUint64(b, t.id)[:6]
	b = append(b, 0, 0) // flags
	switch typ {
	case replication.WRITE_ROWS_EVENTv2, replication.UPDATE_ROWS_EVENTv2, replication.DELETE_ROWS_EVENTv2:
		b = append(b, 2, 0) // no extra data
	}
	n := len(t.cols)
	b = append(b, byte(n))
	all := make([]byte, (n+7)/8)
	for i := range n {
		all[i/8] |= 1 << (i % 8)
	}
	b = append(b, all...)
	if typ == replication.UPDATE_ROWS_EVENTv1 || typ == replication.UPDATE_ROWS_EVENTv2 {
		b = append(b, all...)
	}
	for _, im := range images {
		b = append(b, im...)
	}
	return w.event(typ, b)
}

// randomRowsEvent encodes a rows event of 1 to 20 random rows of t, a write,
// update (the key changed in about half of the rows) or delete, v1 or v2.
func (w *binlogWriter) randomRowsEvent(r *rand.Rand, t *diffTable) []byte {
	types := []replication.EventType{
		replication.WRITE_ROWS_EVENTv1, replication.WRITE_ROWS_EVENTv2,
		replication.UPDATE_ROWS_EVENTv1, replication.UPDATE_ROWS_EVENTv2,
		replication.DELETE_ROWS_EVENTv1, replication.DELETE_ROWS_EVENTv2,
	}
	typ := types[r.IntN(len(types))]
	var images [][]byte
	for range 1 + r.IntN(20) {
		im, vals := t.image(r, nil)
		images = append(images, im)
		if typ == replication.UPDATE_ROWS_EVENTv1 || typ == replication.UPDATE_ROWS_EVENTv2 {
			keep := vals
			if r.IntN(2) == 0 {
				keep = nil
			}
			after, _ := t.image(r, keep)
			images = append(images, after)
		}
	}
	return w.rowsEvent(typ, t, images)
}

// diffRun feeds two decoders the same binlog, one parsed by go-mysql alone
// and one with the fast path's RowsEventDecodeFunc, and returns what each
// emitted and returned.
type diffRun struct {
	tb      testing.TB
	cfg     map[string]string
	plain   *replication.BinlogParser
	fast    *replication.BinlogParser
	w       *binlogWriter
	dPlain  *decoder
	dFast   *decoder
	gotP    []item
	gotF    []item
	seq     uint64
	fastHit int // rows events the fast path decoded
	events  int // rows events
	emitted int // change events compared
	state   *cpState
}

func newDiffRun(tb testing.TB, cfg map[string]string) *diffRun {
	tb.Helper()
	return newDiffRunAt(tb, cfg, nil)
}

// newDiffRunAt is newDiffRun with decoders resuming from a snapshot whose
// regions are state's.
func newDiffRunAt(tb testing.TB, cfg map[string]string, state *cpState) *diffRun {
	tb.Helper()
	r := &diffRun{tb: tb, cfg: cfg, state: state, plain: replication.NewBinlogParser(), fast: replication.NewBinlogParser(), w: &binlogWriter{pos: 4}}
	for _, p := range []*replication.BinlogParser{r.plain, r.fast} {
		ConfigureParser(p)
	}
	r.fast.SetRowsEventDecodeFunc(deferRowsDecode)
	fd := r.w.formatDescription()
	r.parse(fd)
	r.dPlain = r.newDecoder(&r.gotP)
	r.dFast = r.newDecoder(&r.gotF)
	return r
}

func (r *diffRun) newDecoder(got *[]item) *decoder {
	c, err := ParseConfig("diff", r.cfg)
	if err != nil {
		r.tb.Fatal(err)
	}
	st := newStream(&c, nil, Knobs{}, maria)
	serverless(st)
	d, err := newDecoder(st, restartPoint{binlogPos: binlogPos{"mysql-bin.000001", 4}, GTIDs: "0-1-1"}, nil, r.state)
	if err != nil {
		r.tb.Fatal(err)
	}
	d.send = func(_ context.Context, it item) error {
		*got = append(*got, it)
		return nil
	}
	return d
}

// parse parses raw with both parsers.
func (r *diffRun) parse(raw []byte) (plain, fast *replication.BinlogEvent, errPlain, errFast error) {
	plain, errPlain = r.plain.Parse(append([]byte(nil), raw...))
	fast, errFast = r.fast.Parse(append([]byte(nil), raw...))
	return plain, fast, errPlain, errFast
}

// handleBoth hands each decoder its event and checks they agree.
func (r *diffRun) handleBoth(evP, evF *replication.BinlogEvent) {
	r.tb.Helper()
	ctx := context.Background()
	errP := r.dPlain.handle(ctx, evP)
	errF := r.dFast.handle(ctx, evF)
	if fmt.Sprint(errP) != fmt.Sprint(errF) {
		r.tb.Fatalf("go-mysql's path returned %v, the fast path %v", errP, errF)
	}
}

// tx runs one transaction of t: its TABLE_MAP and rows events, each raw.
func (r *diffRun) tx(t *diffTable, rows ...[]byte) {
	r.tb.Helper()
	r.seq++
	gtid := &replication.BinlogEvent{Header: benchHeader(replication.MARIADB_GTID_EVENT, r.w.pos), Event: &replication.MariadbGTIDEvent{GTID: gomysql.MariadbGTID{DomainID: 0, ServerID: 1, SequenceNumber: r.seq + 1}}}
	r.handleBoth(gtid, gtid)
	if _, _, errP, errF := r.parse(r.w.diffTableMap(t)); errP != nil || errF != nil {
		r.tb.Fatal(errP, errF)
	}
	tm := &replication.BinlogEvent{Header: benchHeader(replication.TABLE_MAP_EVENT, r.w.pos), Event: t.tableMapEvent()}
	r.handleBoth(tm, tm)
	for _, raw := range rows {
		evP, evF, errP, errF := r.parse(raw)
		if errP != nil || errF != nil {
			r.tb.Fatal(errP, errF)
		}
		r.events++
		deferred := deferredOf(evF.Event.(*replication.RowsEvent)) != nil
		r.handleBoth(evP, evF)
		// The fast path leaves the rows undecoded; a fallback has go-mysql
		// decode them.
		if deferred && deferredOf(evF.Event.(*replication.RowsEvent)) != nil {
			r.fastHit++
		}
		r.checkImages(evP, evF)
	}
	xid := &replication.BinlogEvent{Header: benchHeader(replication.XID_EVENT, r.w.pos), Event: &replication.XIDEvent{XID: 1}}
	r.handleBoth(xid, xid)
	r.compare()
}

// checkImages checks the fast path's images of a rows event against
// go-mysql's values directly: the values as go-mysql decodes them
// (rawImage, which key texts read) and the converted rows.
func (r *diffRun) checkImages(evP, evF *replication.BinlogEvent) {
	r.tb.Helper()
	eP, eF := evP.Event.(*replication.RowsEvent), evF.Event.(*replication.RowsEvent)
	dr := deferredOf(eF)
	if dr == nil {
		return
	}
	tm := r.dFast.tmap[eF.TableID]
	if tm == nil || tm.t == nil {
		return
	}
	scratch := r.newDecoder(new([]item))
	p, ok := scratch.fastRows(evF.Header.EventType, eF, tm, dr)
	if !ok {
		return
	}
	if len(scratch.imgs) != len(eP.Rows) {
		r.tb.Fatalf("fast path: %d images, go-mysql %d", len(scratch.imgs), len(eP.Rows))
	}
	for i, im := range scratch.imgs {
		raw := rawImage(p, dr.data, im.off, true)
		if !reflect.DeepEqual(withoutNaN(raw), withoutNaN(eP.Rows[i])) {
			r.tb.Fatalf("image %d: raw values\n fast    %#v\n go-mysql %#v", i, raw, eP.Rows[i])
		}
		want, err := scratch.convert(tm.t, eP.Rows[i])
		if err != nil {
			r.tb.Fatalf("image %d: the fast path took values the converters reject: %v", i, err)
		}
		if !reflect.DeepEqual(withoutNaN(im.row), withoutNaN(want)) {
			r.tb.Fatalf("image %d: rows\n fast    %#v\n go-mysql %#v", i, im.row, want)
		}
		if size := rowSize(eP.Rows[i]); im.size != size {
			r.tb.Fatalf("image %d: size %d, go-mysql's values %d", i, im.size, size)
		}
	}
}

// compare checks that both decoders emitted the same items, and forgets
// them.
func (r *diffRun) compare() {
	r.tb.Helper()
	if len(r.gotP) != len(r.gotF) {
		r.tb.Fatalf("go-mysql's path emitted %d events, the fast path %d", len(r.gotP), len(r.gotF))
	}
	for i := range r.gotP {
		p, f := r.gotP[i], r.gotF[i]
		if !reflect.DeepEqual(itemWithoutNaN(p), itemWithoutNaN(f)) {
			r.tb.Fatalf("event %d differs:\n go-mysql %+v\n fast     %+v", i, *p.Ev, *f.Ev)
		}
	}
	r.emitted += len(r.gotP)
	r.gotP, r.gotF = r.gotP[:0], r.gotF[:0]
}

// nanValue stands for a NaN in values compared with reflect.DeepEqual,
// to which a NaN is unequal to itself. A FLOAT or DOUBLE never holds NaN in
// MySQL, but a binlog's bytes can say one, and both paths must agree on it.
type nanValue struct{}

// withoutNaN returns v with every NaN float in it, in rows, slices and
// structs included, replaced by nanValue{}; it copies what it changes.
func withoutNaN(v any) any {
	switch x := v.(type) {
	case float32:
		if math.IsNaN(float64(x)) {
			return nanValue{}
		}
	case float64:
		if math.IsNaN(x) {
			return nanValue{}
		}
	case []any:
		return valuesWithoutNaN(x)
	case change.Row:
		return change.Row(valuesWithoutNaN(x))
	case change.StructValue:
		return change.StructValue(valuesWithoutNaN(x))
	}
	return v
}

func valuesWithoutNaN(vs []any) []any {
	if vs == nil {
		return nil
	}
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = withoutNaN(v)
	}
	return out
}

// itemWithoutNaN is it with its event's rows passed through withoutNaN.
func itemWithoutNaN(it item) item {
	if it.Ev == nil {
		return it
	}
	ev := *it.Ev
	ev.Before, _ = withoutNaN(ev.Before).(change.Row)
	ev.After, _ = withoutNaN(ev.After).(change.Row)
	ev.KeyRow, _ = withoutNaN(ev.KeyRow).(change.Row)
	it.Ev = &ev
	return it
}

// TestFastRowsMatchGoMySQL compares the fast path with go-mysql's decoding
// and the converters on random rows of random tables of every fast type,
// under the value modes that change what the fast types become.
func TestFastRowsMatchGoMySQL(t *testing.T) {
	for _, mode := range []map[string]string{
		nil,
		{"decimal.handling.mode": "double", "time.precision.mode": "adaptive"},
		{"decimal.handling.mode": "string", "time.precision.mode": "connect"},
	} {
		t.Run(fmt.Sprint(mode), func(t *testing.T) {
			iters := 300
			if testing.Short() || mode != nil {
				iters = 60
			}
			cfg := baseConfig()
			for k, v := range mode {
				cfg[k] = v
			}
			all := diffCols()
			r := rand.New(rand.NewPCG(1, uint64(len(mode))))
			run := newDiffRun(t, cfg)
			for i := range iters {
				tab := randomTable(r, uint64(100+i), all)
				var rows [][]byte
				for range 1 + r.IntN(3) {
					rows = append(rows, run.w.randomRowsEvent(r, tab))
				}
				run.tx(tab, rows...)
			}
			// Every column type, each in a table of its own, as key and not.
			for i, c := range all {
				tab := &diffTable{id: uint64(10000 + i), name: fmt.Sprintf("one%d", i), cols: []diffCol{all[0], c, c}, nullable: []bool{false, false, true}, key: []int{1}}
				run.tx(tab, run.w.randomRowsEvent(r, tab), run.w.randomRowsEvent(r, tab))
			}
			if run.fastHit != run.events {
				t.Fatalf("the fast path decoded %d of %d rows events, want all", run.fastHit, run.events)
			}
			t.Logf("%d rows events, %d change events", run.events, run.emitted)
		})
	}
}

// TestFastRowsFallBack checks the cases the fast path leaves to go-mysql:
// the outcome is the same on both paths, and the fast path was not used.
func TestFastRowsFallBack(t *testing.T) {
	all := diffCols()
	col := func(name string) diffCol {
		for _, c := range all {
			if c.name == name {
				return c
			}
		}
		t.Fatalf("no column %q", name)
		return diffCol{}
	}
	key := col("int")
	fixed := func(c diffCol, v []byte) diffCol {
		c.gen = func(*rand.Rand) []byte { return v }
		return c
	}
	r := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		name string
		cfg  map[string]string
		cols []diffCol
		fast bool // whether the syncer defers the rows (the decoder falls back)
	}{
		{"invalid UTF-8", nil, []diffCol{key, fixed(col("varchar(20) utf8mb4"), withLen([]byte{'a', 0xff, 'b'}, 1))}, true},
		{"invalid date", nil, []diffCol{key, fixed(col("date"), dateBytes(2024, 2, 30))}, true},
		{"year over 9999", nil, []diffCol{key, fixed(col("date"), dateBytes(10000, 1, 1))}, true},
		{"hour 25 before 1970", nil, []diffCol{key, fixed(col("datetime(0)"), datetime2Bytes(1960, 1, 1, 25, 0, 0, nil))}, true},
		{"decimal groups out of range", nil, []diffCol{key, fixed(col("decimal(10,2)"), []byte{0xFF, 0xFF, 0xFF, 0xFF, 0})}, true},
		{"decimal group of 10 in 1 digit", nil, []diffCol{key, fixed(col("decimal(1,0)"), []byte{10 ^ 0x80})}, true},
		{"decimal(19,2)", nil, []diffCol{key, {name: "decimal(19,2)", tp: gomysql.MYSQL_TYPE_NEWDECIMAL, meta: 19<<8 | 2, gen: func(r *rand.Rand) []byte { return randomDecimal(r, 19, 2) }}}, false},
		{"datetime year over 9999", nil, []diffCol{key, fixed(col("datetime(0)"), datetime2Bytes(9999, 12, 31, 24, 0, 0, nil))}, true},
		{"fraction over 999999", nil, []diffCol{key, fixed(col("timestamp(6)"), []byte{0, 0, 1, 0, 0xFF, 0xFF, 0xFF})}, true},
		{"binary as hex", map[string]string{"binary.handling.mode": "hex"}, []diffCol{key, col("varbinary(300)"), col("blob")}, true},
		{"unsigned bigint precise", map[string]string{"bigint.unsigned.handling.mode": "precise"}, []diffCol{key, col("bigint unsigned")}, true},
		{"json", nil, []diffCol{key, {name: "json", tp: gomysql.MYSQL_TYPE_JSON, meta: 4, gen: func(*rand.Rand) []byte { return withLen(nil, 4) }}}, false},
		{"enum", nil, []diffCol{key, {name: "enum", tp: gomysql.MYSQL_TYPE_STRING, meta: uint16(gomysql.MYSQL_TYPE_ENUM)<<8 | 1, gen: func(*rand.Rand) []byte { return []byte{1} }}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := baseConfig()
			for k, v := range tc.cfg {
				cfg[k] = v
			}
			run := newDiffRun(t, cfg)
			tab := &diffTable{id: 50, name: "f", cols: tc.cols, nullable: make([]bool, len(tc.cols)), key: []int{0}}
			tme := tab.tableMapEvent()
			if tc.name == "enum" {
				tme.EnumStrValue = [][][]byte{{[]byte("a"), []byte("b")}}
			}
			run.parse(run.w.diffTableMap(tab))
			raw := run.w.randomRowsEvent(r, tab)
			run.seq++
			gtid := &replication.BinlogEvent{Header: benchHeader(replication.MARIADB_GTID_EVENT, run.w.pos), Event: &replication.MariadbGTIDEvent{GTID: gomysql.MariadbGTID{SequenceNumber: 2}}}
			run.handleBoth(gtid, gtid)
			tm := &replication.BinlogEvent{Header: benchHeader(replication.TABLE_MAP_EVENT, run.w.pos), Event: tme}
			run.handleBoth(tm, tm)
			evP, evF, errP, errF := run.parse(raw)
			if errP != nil || errF != nil {
				t.Fatal(errP, errF)
			}
			if deferred := deferredOf(evF.Event.(*replication.RowsEvent)) != nil; deferred != tc.fast {
				t.Fatalf("rows deferred: %v, want %v", deferred, tc.fast)
			}
			run.handleBoth(evP, evF)
			if deferredOf(evF.Event.(*replication.RowsEvent)) != nil {
				t.Fatal("the fast path decoded the rows")
			}
			run.compare()
		})
	}
}

// TestFastRowsRegions compares both paths while snapshot regions filter the
// stream by key: a region that began after these transactions holds the
// rows from a key on (numeric and text keys), which must be dropped alike.
func TestFastRowsRegions(t *testing.T) {
	all := diffCols()
	var intCol, textCol diffCol
	for _, c := range all {
		switch c.name {
		case "bigint unsigned":
			intCol = c
		case "varchar(20) utf8mb4":
			textCol = c
		}
	}
	ti := &diffTable{id: 70, name: "ri", cols: []diffCol{intCol, textCol, all[len(all)-1]}, nullable: []bool{false, false, true}, key: []int{0}}
	tt := &diffTable{id: 71, name: "rt", cols: []diffCol{textCol, intCol}, nullable: []bool{false, false}, key: []int{0, 1}}
	later := binlogPos{File: "mysql-bin.000002", Pos: 4}
	state := &cpState{
		Tables: []string{"db.ri", "db.rt"},
		Regions: []region{
			{Table: 0, Mark: regionMark{At: binlogPos{File: "mysql-bin.000001", Pos: 4}}},
			{Table: 0, After: []string{"9223372036854775808"}, Mark: regionMark{At: later}},
			{Table: 1, After: []string{"m", "0"}, Mark: regionMark{At: later}},
		},
	}
	run := newDiffRunAt(t, baseConfig(), state)
	r := rand.New(rand.NewPCG(7, 8))
	for range 40 {
		run.tx(ti, run.w.randomRowsEvent(r, ti))
		run.tx(tt, run.w.randomRowsEvent(r, tt))
	}
	if run.fastHit != run.events {
		t.Fatalf("the fast path decoded %d of %d rows events, want all", run.fastHit, run.events)
	}
	t.Logf("%d rows events, %d change events", run.events, run.emitted)
}

// TestFastWireTypes checks the binlog types the syncer leaves to the fast
// path, and those it does not (go-mysql fails on a fraction of 7 digits or
// more; ENUM and SET are STRING in a TABLE_MAP).
func TestFastWireTypes(t *testing.T) {
	for _, tc := range []struct {
		tp   byte
		meta uint16
		want byte
	}{
		{gomysql.MYSQL_TYPE_DATETIME2, 6, wDatetime2},
		{gomysql.MYSQL_TYPE_DATETIME2, 7, wNone},
		{gomysql.MYSQL_TYPE_TIMESTAMP2, 0, wTimestamp2},
		{gomysql.MYSQL_TYPE_TIMESTAMP2, 7, wNone},
		{gomysql.MYSQL_TYPE_STRING, stringMeta(255), wStr1},
		{gomysql.MYSQL_TYPE_STRING, stringMeta(256), wStr2},
		{gomysql.MYSQL_TYPE_STRING, uint16(gomysql.MYSQL_TYPE_ENUM)<<8 | 1, wNone},
		{gomysql.MYSQL_TYPE_STRING, uint16(gomysql.MYSQL_TYPE_SET)<<8 | 8, wNone},
		{gomysql.MYSQL_TYPE_VARCHAR, 255, wStr1},
		{gomysql.MYSQL_TYPE_VARCHAR, 256, wStr2},
		{gomysql.MYSQL_TYPE_BLOB, 5, wNone},
		{gomysql.MYSQL_TYPE_JSON, 4, wNone},
		{gomysql.MYSQL_TYPE_NEWDECIMAL, 10<<8 | 2, wDecimal},
		{gomysql.MYSQL_TYPE_NEWDECIMAL, 18<<8 | 18, wDecimal},
		{gomysql.MYSQL_TYPE_NEWDECIMAL, 19<<8 | 2, wNone},
		{gomysql.MYSQL_TYPE_NEWDECIMAL, 5<<8 | 6, wNone},
		{gomysql.MYSQL_TYPE_TIME2, 0, wNone},
		{gomysql.MYSQL_TYPE_BIT, 1, wNone},
		{gomysql.MYSQL_TYPE_GEOMETRY, 4, wNone},
	} {
		if got := wireOf(tc.tp, tc.meta); got != tc.want {
			t.Errorf("type %d meta %#x: wire %d, want %d", tc.tp, tc.meta, got, tc.want)
		}
	}
}

// TestFastRowsTruncated checks that an event whose rows end early fails as
// go-mysql's parser fails on it.
func TestFastRowsTruncated(t *testing.T) {
	run := newDiffRun(t, baseConfig())
	cols := []diffCol{{name: "int", tp: gomysql.MYSQL_TYPE_LONG}, {name: "varchar(20)", tp: gomysql.MYSQL_TYPE_VARCHAR, meta: 80, coll: collUTF8MB4}}
	tab := &diffTable{id: 60, name: "tr", cols: cols, nullable: []bool{false, false}, key: []int{0}}
	run.parse(run.w.diffTableMap(tab))
	// The VARCHAR says 5 bytes, the event has 2.
	raw := run.w.rowsEvent(replication.WRITE_ROWS_EVENTv1, tab, [][]byte{{0, 1, 0, 0, 0, 5, 'a', 'b'}})
	// Copies without spare capacity: go-mysql slices past the length.
	_, errPlain := run.plain.Parse(slices.Clip(append([]byte(nil), raw...)))
	evF, err := run.fast.Parse(slices.Clip(append([]byte(nil), raw...)))
	if errPlain == nil || err != nil {
		t.Fatalf("go-mysql: %v, with the fast path's decode func: %v (want an error, then none)", errPlain, err)
	}
	e := evF.Event.(*replication.RowsEvent)
	dr := deferredOf(e)
	if dr == nil {
		t.Fatal("rows not deferred")
	}
	cfg, _ := ParseConfig("diff", baseConfig())
	tmi := &tmInfo{t: mustTable(t, e.Table, cfg.Types)}
	if _, ok := run.dFast.fastRows(evF.Header.EventType, e, tmi, dr); ok {
		t.Fatal("the fast path decoded a truncated event")
	}
	errFast := decodeDeferred(evF.Header, e, dr)
	var ce *ConnError
	var pe, fe *replication.EventError
	// The messages print the table map's address.
	addr := regexp.MustCompile(`\(0x[0-9a-f]+\)`)
	if !errors.As(errFast, &ce) || !errors.As(errFast, &fe) || !errors.As(errPlain, &pe) ||
		addr.ReplaceAllString(fe.Err, "") != addr.ReplaceAllString(pe.Err, "") {
		t.Fatalf("go-mysql's error %v, the fast path's %v", errPlain, errFast)
	}
}

// mustTable builds the table of a TABLE_MAP (names c0, c1, ...).
func mustTable(tb testing.TB, ev *replication.TableMapEvent, opts TypeOptions) *tableInfo {
	tb.Helper()
	meta := make([]ColumnMeta, len(ev.ColumnType))
	for i := range meta {
		meta[i] = ColumnMeta{Name: fmt.Sprintf("c%d", i), Type: ev.ColumnType[i]}
	}
	t, err := buildTable(change.TableID{Namespace: "db", Name: "tr"}, meta, []int{0}, 0, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}
