package mysql

import (
	"time"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
)

// The source.version sluice reports: the Debezium release whose record
// format it reproduces for each connector class. The MariaDB connector's
// records are those of debezium-connector-mariadb 3.5.0.Final (the newest
// release of it that runs against MariaDB 10.11), the MySQL connector's
// those of debezium-connector-mysql 3.6.1.Final; the source block has the
// same fields in both.
const (
	DebeziumVersionMySQL   = "3.6.1.Final"
	DebeziumVersionMariaDB = "3.5.0.Final"
)

// DebeziumVersion returns the source.version of cfg's connector class.
func DebeziumVersion(cfg *Config) string {
	if cfg.MariaDB {
		return DebeziumVersionMariaDB
	}
	return DebeziumVersionMySQL
}

func sourceFieldFor(logical string) change.Field {
	return change.Field{
		Name:    "source",
		Type:    change.Struct,
		Logical: logical,
		Version: 1,
		Fields: append(capture.SourceHead(), []change.Field{
			{Name: "table", Type: change.String, Optional: true},
			{Name: "server_id", Type: change.Int64},
			{Name: "gtid", Type: change.String, Optional: true},
			{Name: "file", Type: change.String},
			{Name: "pos", Type: change.Int64},
			{Name: "row", Type: change.Int32},
			{Name: "thread", Type: change.Int64, Optional: true},
			{Name: "query", Type: change.String, Optional: true},
		}...),
	}
}

// The source block schemas (REFERENCE §3): io.debezium.connector.mysql.Source
// and io.debezium.connector.mariadb.Source.
var (
	mysqlSourceField   = sourceFieldFor("io.debezium.connector.mysql.Source")
	mariadbSourceField = sourceFieldFor("io.debezium.connector.mariadb.Source")
)

// Index of source.snapshot in the source block.
const srcSnapshotIdx = 4

// SourceSchema returns the schema of the source block of the events a
// connector of cfg yields (the same pointer every event carries).
func SourceSchema(cfg *Config) *change.Field {
	if cfg.MariaDB {
		return &mariadbSourceField
	}
	return &mysqlSourceField
}

// srcInfo is what a source block says about one event.
type srcInfo struct {
	ts       time.Time
	snapshot string // "" when streaming (the member is then null, as Debezium leaves it), else a snapshot marker
	db       string
	table    string
	serverID uint32
	gtid     string
	file     string
	pos      uint32
	row      int32
	thread   int64  // 0: unknown
	query    string // "": none (include.query)
}

// srcFields is the number of fields of the source block.
const srcFields = 17

// Index of source.row in the source block.
const srcRowIdx = 14

func (s *srcInfo) block(cfg *Config) change.StructValue {
	var c srcBoxes
	return s.blockFrom(cfg, &c)
}

// blockFrom is block taking the boxed values from c, which keeps them for
// the next block: the rows of a snapshot, whose blocks differ in nothing but
// their marker, then box nothing (boxing was 13% of a snapshot's CPU).
func (s *srcInfo) blockFrom(cfg *Config, c *srcBoxes) change.StructValue {
	b := s.fill(make(change.StructValue, srcFields), cfg, c)
	b[srcRowIdx] = s.row
	return b
}

// fill writes the source block but its row number into dst (srcFields
// long) and returns it, taking the boxed values from c: a value equal to
// the one c boxed last is shared rather than boxed again (a boxed value is
// immutable, so events may share it).
func (s *srcInfo) fill(dst change.StructValue, cfg *Config, c *srcBoxes) change.StructValue {
	var gtid, thread, table any
	if s.gtid != "" {
		gtid = c.gtid.get(s.gtid)
	}
	if s.thread != 0 {
		thread = c.thread.get(s.thread)
	}
	if s.table != "" {
		table = c.table.get(s.table)
	}
	if !c.tsSet || !c.ts.Equal(s.ts) {
		c.ts, c.tsSet = s.ts, true
		c.ms, c.us, c.ns = s.ts.UnixMilli(), s.ts.UnixMicro(), s.ts.UnixNano()
	}
	_ = dst[srcFields-1]
	dst[0] = c.version.get(DebeziumVersion(cfg))
	dst[1] = c.flavor.get(cfg.Flavor())
	dst[2] = c.prefix.get(cfg.TopicPrefix)
	dst[3] = c.ms
	// Streaming leaves source.snapshot unset, as Debezium does: converters
	// write its schema default "false" unless replace.null.with.default is
	// false, which keeps the null.
	dst[4] = nil
	if s.snapshot != "" {
		dst[4] = c.snapshot.get(s.snapshot)
	}
	dst[5] = c.db.get(s.db)
	dst[6] = nil
	dst[7] = c.us
	dst[8] = c.ns
	dst[9] = table
	dst[10] = c.serverID.get(int64(s.serverID))
	dst[11] = gtid
	dst[12] = c.file.get(s.file)
	dst[13] = c.pos.get(int64(s.pos))
	dst[14] = nil // the row number: the caller's
	dst[15] = thread
	dst[16] = nil
	if s.query != "" {
		dst[16] = c.query.get(s.query)
	}
	return dst
}

// snapBlocks hands out the source blocks of snapshot rows. The rows of one
// table in one snapshot have the same block but for the marker: they share
// one block, built once, holding "true", and the emitter gives the few rows
// with another marker a copy (capture.Emitter). Built per row, a block was
// four allocations a row.
type snapBlocks struct {
	boxes srcBoxes
	si    srcInfo
	block change.StructValue
}

// get returns si.blockFrom(cfg, ...), the same block as the last call when
// si is the same. The block is shared: nobody may write into it.
func (s *snapBlocks) get(cfg *Config, si srcInfo) change.StructValue {
	a, b := s.si, si
	a.ts, b.ts = time.Time{}, time.Time{}
	if s.block == nil || a != b || !s.si.ts.Equal(si.ts) {
		s.si, s.block = si, si.blockFrom(cfg, &s.boxes)
	}
	return s.block
}

// srcBoxes keeps the last boxed value of each field of a stream's source
// blocks, and the boxed row numbers.
type srcBoxes struct {
	version, flavor, prefix, snapshot, db, table, gtid, file, query strBox
	serverID, pos, thread                                           int64Box

	ts         time.Time
	tsSet      bool
	ms, us, ns any // ts in milliseconds, microseconds, nanoseconds

	rows []any // rows[i] is int32(i)
}

// maxRowBoxes bounds the row numbers srcBoxes keeps boxed.
const maxRowBoxes = 1 << 14

// row returns int32(i) boxed.
func (c *srcBoxes) row(i int32) any {
	if i < 0 || i >= maxRowBoxes {
		return i
	}
	for int32(len(c.rows)) <= i {
		c.rows = append(c.rows, int32(len(c.rows)))
	}
	return c.rows[i]
}

// strBox is a string and its boxed value.
type strBox struct {
	s string
	v any
}

func (b *strBox) get(s string) any {
	if b.v == nil || b.s != s {
		b.s, b.v = s, s
	}
	return b.v
}

// int64Box is an int64 and its boxed value.
type int64Box struct {
	x int64
	v any
}

func (b *int64Box) get(x int64) any {
	if b.v == nil || b.x != x {
		b.x, b.v = x, x
	}
	return b.v
}
