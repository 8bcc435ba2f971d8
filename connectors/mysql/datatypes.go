package mysql

// Type mapping: from a MySQL/MariaDB column to its Kafka Connect schema
// (change.Field) and two decoders into the change.Row value: FromBinlog for
// a value as go-mysql's replication.RowsEvent gives it (with the parser
// options ConfigureParser sets), and FromText for a value in the text
// protocol (what a plain SELECT returns). The mapping is Debezium's
// (BinlogValueConverters, JdbcValueConverters) under its default modes, so
// consumers of Debezium topics read ours unchanged.
//
// Default modes (bigint.unsigned.handling.mode=long, decimal.handling.mode=
// precise, time.precision.mode=adaptive_time_microseconds,
// binary.handling.mode=bytes). "fsp" is the fractional-second precision.
//
//	MySQL type                       Connect type, logical name (params)                  value
//	TINYINT (±UNSIGNED), TINYINT(1)  int16                                                number (TINYINT(1) is no boolean: Debezium's default)
//	BOOLEAN declared in a binlog statement   boolean (read from SHOW CREATE TABLE it is tinyint(1): int16)
//	SMALLINT                         int16                                                number
//	SMALLINT UNSIGNED, MEDIUMINT (±UNSIGNED), INT   int32                                 number
//	INT UNSIGNED, BIGINT             int64                                                number
//	BIGINT UNSIGNED                  int64                                                values >= 2^63 wrap negative (as Debezium's long mode)
//	                                 precise mode: bytes Decimal (scale=0, connect.decimal.precision=20)
//	DECIMAL/NUMERIC(p,s)             bytes org.apache.kafka.connect.data.Decimal (scale, connect.decimal.precision)  unscaled two's complement, big-endian, minimal length
//	FLOAT, FLOAT(p<=24); REAL declared in a binlog statement   float                       number
//	FLOAT(M,D), FLOAT4               double                                               the single-precision value widened
//	DOUBLE, FLOAT(p>24), REAL from SHOW CREATE TABLE   double                             number
//	BIT(1)                           boolean                                              true
//	BIT(n>1)                         bytes io.debezium.data.Bits (length=n)               little-endian, ceil(n/8) bytes
//	DATE                             int32 io.debezium.time.Date                          epoch days
//	TIME(fsp)                        int64 io.debezium.time.MicroTime                     signed µs: -838:59:59 .. 838:59:59 kept as is
//	DATETIME(0-3) / DATETIME(4-6)    int64 io.debezium.time.Timestamp ms / io.debezium.time.MicroTimestamp µs   wall clock taken as UTC
//	TIMESTAMP(fsp)                   string io.debezium.time.ZonedTimestamp               UTC ISO-8601; binlog: exactly fsp fraction digits ("2024-05-01T10:15:30.120Z" for fsp 3); snapshot: no trailing zeros ("…30.12Z")
//	YEAR                             int32 io.debezium.time.Year                          2024 (YEAR 0000 is 0)
//	CHAR, VARCHAR, *TEXT             string                                               text (latin1 columns decoded as MySQL's latin1, i.e. cp1252)
//	BINARY(n), VARBINARY, *BLOB      bytes                                                BINARY(n) right-padded with 0x00 to n bytes (as Debezium, DBZ-254)
//	ENUM                             string io.debezium.data.Enum (allowed=a,b)           label; index 0 (the invalid value) is ""
//	SET                              string io.debezium.data.EnumSet (allowed=a,b)        "a,b" in definition order
//	JSON (MariaDB: declared in a binlog statement)   string io.debezium.data.Json         JSON text (see below)
//	GEOMETRY, LINESTRING, POLYGON, MULTIPOINT, MULTILINESTRING, MULTIPOLYGON, GEOMETRYCOLLECTION
//	                                 struct io.debezium.data.geometry.Geometry {wkb bytes; srid int32?}  WKB as stored; srid null when 0 (Debezium's BinlogGeometry)
//	POINT                            struct io.debezium.data.geometry.Point {x, y double; wkb bytes?; srid int32?}
//
// Zero and invalid dates ('0000-00-00', '2024-00-10', ...) in DATE, DATETIME
// and TIMESTAMP columns are null when the column is nullable, else epoch 0
// ("1970-01-01T00:00:00Z" for TIMESTAMP), as Debezium does.
//
// Other modes: decimal.handling.mode=double -> double, =string -> string
// (java.math.BigDecimal.toString at the column's scale, e.g. "1.50");
// bigint.unsigned.handling.mode=precise -> Decimal(20,0); time.precision.mode=
// adaptive -> TIME(0-3) is int32 io.debezium.time.Time (ms), =connect -> the
// org.apache.kafka.connect.data Date (days), Time (int32 ms) and Timestamp
// (int64 ms) for DATE, TIME and DATETIME (TIMESTAMP stays ZonedTimestamp, YEAR
// stays Year); binary.handling.mode=base64, base64-url-safe, hex -> string for
// BINARY/VARBINARY/BLOB (BIT and geometries stay bytes).
//
// Where the two paths' inputs come from:
//
//   - FromBinlog takes go-mysql v1.9's RowsEvent values under ConfigureParser's
//     options: signed Go ints for every integer column (int8 for TINYINT,
//     int16, int32 for MEDIUMINT and INT, int64; unsigned columns arrive
//     wrapped and are read back through ColumnMeta.Unsigned), int for YEAR,
//     shopspring decimal.Decimal for DECIMAL (a string too), float32/float64,
//     int64 for BIT (big-endian number), ENUM (1-based index) and SET
//     (bitmask), strings for DATE, TIME, DATETIME and TIMESTAMP (TIMESTAMP
//     formatted in UTC; time.Time is accepted too), string for CHAR/VARCHAR/
//     BINARY/VARBINARY, []byte for *BLOB/*TEXT and for geometries (4-byte
//     little-endian SRID, then WKB), and for JSON go-mysql's own JSON text of
//     MySQL's binary JSON.
//   - FromText takes the text protocol's bytes as the server sends them (see
//     FieldText for go-mysql's parsed FieldValue). The session that reads them
//     must use time_zone='+00:00' (TIMESTAMP is read as UTC wall clock) and a
//     utf8mb4 connection character set.
//
// JSON: on MySQL a JSON column is binary JSON in the binlog, which go-mysql
// decodes and re-encodes compactly with object keys in byte order and numbers
// as Go formats them (with ConfigureParser's decimal.MarshalJSONWithoutQuotes,
// JSON decimals stay numbers). FromText brings MySQL's own JSON text to that
// same form, so a snapshot and the binlog agree; Debezium instead writes
// MySQL's key order and Java's number format. Decimals of more than 15-17
// significant digits inside JSON can differ between the two paths (the text
// path goes through float64). On MariaDB JSON is an alias of LONGTEXT with a
// json_valid CHECK constraint: its text passes through unchanged on both
// paths. MetaFromInformationSchema recognises the constraint and sets
// ColumnType "json"; as in Debezium, the declared type decides: a column read
// from SHOW CREATE TABLE (longtext) is a plain string, one declared JSON in a
// binlog statement io.debezium.data.Json (ColumnMeta.Declared).
//
// Known differences from Debezium: TIME values outside
// 00:00:00-23:59:59.999999 are kept (Debezium documents them as unsupported);
// YEAR 0000 is 0 on both paths; BIT values are always ceil(n/8) bytes; geometry
// srid is null for SRID 0 on both paths. Character sets other than utf8mb3,
// utf8mb4, ascii, latin1 and binary reach FromBinlog as raw bytes; FromBinlog
// passes them through when they are valid UTF-8 and fails otherwise.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-mysql-org/go-mysql/client"
	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"
	shopspring "github.com/shopspring/decimal"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/columns"
	"github.com/sluicecdc/sluice/connectors/connecttypes"
)

// The value modes, as Debezium spells them in its configuration.
const (
	DecimalPrecise = "precise"
	DecimalDouble  = "double"
	DecimalString  = "string"

	TimeAdaptiveMicroseconds = "adaptive_time_microseconds"
	TimeAdaptive             = "adaptive"
	TimeConnect              = "connect"

	BinaryBytes         = "bytes"
	BinaryBase64        = "base64"
	BinaryBase64URLSafe = "base64-url-safe"
	BinaryHex           = "hex"

	BigintLong    = "long"
	BigintPrecise = "precise"
)

// TypeOptions are Debezium's value modes. The zero value means the defaults.
type TypeOptions struct {
	DecimalMode        string // decimal.handling.mode: "precise" (default), "double", "string"
	TimeMode           string // time.precision.mode: "adaptive_time_microseconds" (default), "adaptive", "connect"
	BinaryMode         string // binary.handling.mode: "bytes" (default), "base64", "base64-url-safe", "hex"
	BigintUnsignedMode string // bigint.unsigned.handling.mode: "long" (default), "precise"
	// Columns are the column keys (column.include.list, column.mask.*,
	// message.key.columns, ...); nil when none is set.
	Columns *columns.Rules
}

// Validate reports every mode that sluice does not know, naming the
// configuration key and the values it accepts.
func (o TypeOptions) Validate() error {
	var errs []error
	check := func(key, v string, allowed ...string) {
		if v == "" {
			return
		}
		for _, a := range allowed {
			if v == a {
				return
			}
		}
		errs = append(errs, fmt.Errorf("%s=%q is not supported; use one of %s", key, v, strings.Join(allowed, ", ")))
	}
	check("decimal.handling.mode", o.DecimalMode, DecimalPrecise, DecimalDouble, DecimalString)
	check("time.precision.mode", o.TimeMode, TimeAdaptiveMicroseconds, TimeAdaptive, TimeConnect)
	check("binary.handling.mode", o.BinaryMode, BinaryBytes, BinaryBase64, BinaryBase64URLSafe, BinaryHex)
	check("bigint.unsigned.handling.mode", o.BigintUnsignedMode, BigintLong, BigintPrecise)
	return errors.Join(errs...)
}

func (o TypeOptions) withDefaults() TypeOptions {
	if o.DecimalMode == "" {
		o.DecimalMode = DecimalPrecise
	}
	if o.TimeMode == "" {
		o.TimeMode = TimeAdaptiveMicroseconds
	}
	if o.BinaryMode == "" {
		o.BinaryMode = BinaryBytes
	}
	if o.BigintUnsignedMode == "" {
		o.BigintUnsignedMode = BigintLong
	}
	return o
}

// ColumnMeta describes a column, from TABLE_MAP full metadata or
// information_schema.
type ColumnMeta struct {
	Name string
	// Type is the mysql.MYSQL_TYPE_* the binlog gives the column, with the
	// real type for ENUM and SET (which the binlog sends as STRING).
	Type byte
	// ColumnType is information_schema's COLUMN_TYPE when known, for
	// example "int(10) unsigned", "enum('a','b')", "decimal(10,2)",
	// "datetime(3)", "tinyint(1)"; "json" for a MariaDB JSON column. Empty
	// from a TABLE_MAP. MapColumn reads what the other fields lack from it.
	ColumnType string
	Unsigned   bool
	Nullable   bool
	Precision  int // DECIMAL precision
	Scale      int // DECIMAL scale
	FSP        int // fractional-second precision of TIME, DATETIME, TIMESTAMP
	// Length is the number of bits of a BIT, the byte length of a BINARY,
	// and the maximum byte length of other string types.
	Length int
	// Charset is the column's character set name: "binary" for binary
	// strings, "" when unknown (taken as UTF-8).
	Charset      string
	EnumValues   []string
	SetValues    []string
	GeometryType string // "point", "linestring", ... or "" / "geometry"
	IsPrimaryKey bool
	// KeyPosition is the 1-based position of the column in the primary key
	// (0 when not in it, or unknown).
	KeyPosition int
	// Declared is the type the DDL statements Debezium read named for the
	// column (nil: unknown). Debezium maps by it: BOOLEAN is a boolean,
	// JSON is io.debezium.data.Json, FLOAT(M,D) and FLOAT(p>24) are
	// doubles, REAL is a float.
	Declared *DeclaredType
}

// DeclaredType is a column's type as a DDL statement names it.
type DeclaredType struct {
	TypeName string `json:"t"`            // upper case, with UNSIGNED/ZEROFILL: "BOOLEAN", "FLOAT UNSIGNED"
	JDBCType int32  `json:"j"`            // java.sql.Types
	Length   int32  `json:"l"`            // -1: none
	Scale    int32  `json:"s,omitempty"`  // with HasScale
	HasScale bool   `json:"hs,omitempty"` //
	// Default is the column's default value expression as Debezium
	// records it (HasDefault), Comment its comment (HasComment): they
	// become the Connect field's default and doc.
	Default    string `json:"d,omitempty"`
	HasDefault bool   `json:"hd,omitempty"`
	Comment    string `json:"c,omitempty"`
	HasComment bool   `json:"hc,omitempty"`
}

// isFloat32 reports whether Debezium maps a FLOAT or DOUBLE column of this
// declared type to a Connect float (else a double): FLOAT without a scale
// and with at most 24 bits of precision, and REAL.
func (d *DeclaredType) isFloat32() bool {
	switch d.TypeName {
	case "FLOAT", "FLOAT UNSIGNED", "FLOAT UNSIGNED ZEROFILL":
		return !d.HasScale && d.Length <= 24
	}
	return d.JDBCType == jdbcReal
}

// Column describes one table column as sluice maps it.
type Column struct {
	// Field is the Connect schema: Name, Type, Optional (= Nullable),
	// Logical, Version, Params, Fields (structs), SourceType.
	Field change.Field
	// FromBinlog turns a value as go-mysql's replication.RowsEvent gives it
	// (parser configured by ConfigureParser) into its change.Row value. NULL
	// (nil) never reaches it: the caller handles NULL. The result may share
	// memory with v. Errors name the type, not the column.
	FromBinlog func(v any) (any, error)
	// FromText turns a value in the text protocol into its change.Row value.
	// NULL never reaches it. It does not keep b.
	FromText func(b []byte) (any, error)
	// Fallback is the value for a NOT NULL column absent from a before image
	// (0, "", false, epoch ...), as Debezium does.
	Fallback any
}

// ConfigureParser sets the options of a binlog parser that FromBinlog
// expects: temporal values as strings (ParseTime off), TIMESTAMP strings in
// UTC, DECIMAL as shopspring decimal.Decimal (UseDecimal on). It also sets
// shopspring's process-wide decimal.MarshalJSONWithoutQuotes, so that
// go-mysql's JSON decoder writes decimals inside MySQL JSON documents as
// numbers rather than strings.
func ConfigureParser(p *replication.BinlogParser) {
	p.SetParseTime(false)
	p.SetTimestampStringLocation(time.UTC)
	p.SetUseDecimal(true)
	shopspring.MarshalJSONWithoutQuotes = true
}

// ConfigureSyncer sets the same options as ConfigureParser on the config
// of a replication.BinlogSyncer, which builds its own parser from it.
func ConfigureSyncer(cfg *replication.BinlogSyncerConfig) {
	cfg.ParseTime = false
	cfg.TimestampStringLocation = time.UTC
	cfg.UseDecimal = true
	shopspring.MarshalJSONWithoutQuotes = true
}

// FieldText returns the text-protocol form of a value of a text-protocol
// result set as go-mysql parsed it (integers and floats are parsed; other
// values keep their bytes), for FromText. null is true for SQL NULL.
func FieldText(v gomysql.FieldValue) (b []byte, null bool) {
	switch v.Type {
	case gomysql.FieldValueTypeNull:
		return nil, true
	case gomysql.FieldValueTypeUnsigned:
		return strconv.AppendUint(nil, v.AsUint64(), 10), false
	case gomysql.FieldValueTypeSigned:
		return strconv.AppendInt(nil, v.AsInt64(), 10), false
	case gomysql.FieldValueTypeFloat:
		return strconv.AppendFloat(nil, v.AsFloat64(), 'g', -1, 64), false
	}
	s := v.AsString()
	if s == nil {
		s = []byte{}
	}
	return s, false
}

// mapping is a type's schema and decoders, before the column's name and
// optionality are applied.
type mapping struct {
	field    change.Field
	binlog   func(any) (any, error)
	text     func([]byte) (any, error)
	fallback any
}

// MapColumn maps one column. Errors are invalid options and types sluice
// has no mapping for.
func MapColumn(m ColumnMeta, opts TypeOptions) (Column, error) {
	if err := opts.Validate(); err != nil {
		return Column{}, err
	}
	opts = opts.withDefaults()
	ct := parseColumnType(m.ColumnType)
	m = completeMeta(m, ct)

	mp, err := mapType(m, ct, opts)
	if err != nil {
		return Column{}, err
	}
	f := mp.field
	f.Name = m.Name
	f.Optional = m.Nullable
	f.SourceType = sourceType(m, ct)
	name := f.SourceType
	binlog, text := mp.binlog, mp.text
	return Column{
		Field: f,
		FromBinlog: func(v any) (any, error) {
			out, err := binlog(v)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			return out, nil
		},
		FromText: func(b []byte) (any, error) {
			out, err := text(b)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			return out, nil
		},
		Fallback: mp.fallback,
	}, nil
}

// columnType is a parsed information_schema COLUMN_TYPE.
type columnType struct {
	base     string   // lower-case type name: "int", "varchar", "enum", ...
	args     []string // the parenthesised arguments, unquoted for enum and set
	unsigned bool
}

// parseColumnType parses COLUMN_TYPE: name[(args)][ unsigned][ zerofill].
// Enum and set members are single-quoted, with ” or \' for a quote and \\
// for a backslash.
func parseColumnType(s string) columnType {
	s = strings.TrimSpace(s)
	var ct columnType
	i := 0
	for i < len(s) && s[i] != '(' && s[i] != ' ' {
		i++
	}
	ct.base = strings.ToLower(s[:i])
	rest := s[i:]
	if strings.HasPrefix(rest, "(") {
		args, n := parseTypeArgs(rest)
		ct.args = args
		rest = rest[n:]
	}
	for _, w := range strings.Fields(strings.ToLower(rest)) {
		if w == "unsigned" {
			ct.unsigned = true
		}
	}
	return ct
}

// parseTypeArgs reads "(a,b,...)" at the start of s, returning the
// arguments and the bytes consumed. Quoted arguments are unquoted.
func parseTypeArgs(s string) ([]string, int) {
	var args []string
	var cur strings.Builder
	quoted := false
	i := 1
	for i < len(s) {
		c := s[i]
		switch {
		case c == '\'':
			// A quoted member.
			quoted = true
			i++
			for i < len(s) {
				c := s[i]
				if c == '\\' && i+1 < len(s) {
					cur.WriteByte(unescapeByte(s[i+1]))
					i += 2
					continue
				}
				if c == '\'' {
					if i+1 < len(s) && s[i+1] == '\'' {
						cur.WriteByte('\'')
						i += 2
						continue
					}
					i++
					break
				}
				cur.WriteByte(c)
				i++
			}
		case c == ',':
			args = append(args, argValue(cur.String(), quoted))
			cur.Reset()
			quoted = false
			i++
		case c == ')':
			args = append(args, argValue(cur.String(), quoted))
			return args, i + 1
		default:
			cur.WriteByte(c)
			i++
		}
	}
	args = append(args, argValue(cur.String(), quoted))
	return args, len(s)
}

func argValue(s string, quoted bool) string {
	if quoted {
		return s
	}
	return strings.TrimSpace(s)
}

func unescapeByte(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 't':
		return '\t'
	case 'r':
		return '\r'
	case '0':
		return 0
	case 'Z':
		return 26
	case 'b':
		return '\b'
	}
	return c
}

// typeByName is the binlog type of each information_schema DATA_TYPE.
var typeByName = map[string]byte{
	"tinyint": gomysql.MYSQL_TYPE_TINY, "bool": gomysql.MYSQL_TYPE_TINY, "boolean": gomysql.MYSQL_TYPE_TINY,
	"smallint": gomysql.MYSQL_TYPE_SHORT, "mediumint": gomysql.MYSQL_TYPE_INT24,
	"int": gomysql.MYSQL_TYPE_LONG, "integer": gomysql.MYSQL_TYPE_LONG, "bigint": gomysql.MYSQL_TYPE_LONGLONG,
	"decimal": gomysql.MYSQL_TYPE_NEWDECIMAL, "numeric": gomysql.MYSQL_TYPE_NEWDECIMAL, "fixed": gomysql.MYSQL_TYPE_NEWDECIMAL,
	"float": gomysql.MYSQL_TYPE_FLOAT, "double": gomysql.MYSQL_TYPE_DOUBLE, "real": gomysql.MYSQL_TYPE_DOUBLE,
	"double precision": gomysql.MYSQL_TYPE_DOUBLE,
	"bit":              gomysql.MYSQL_TYPE_BIT,
	"date":             gomysql.MYSQL_TYPE_DATE, "time": gomysql.MYSQL_TYPE_TIME2, "datetime": gomysql.MYSQL_TYPE_DATETIME2,
	"timestamp": gomysql.MYSQL_TYPE_TIMESTAMP2, "year": gomysql.MYSQL_TYPE_YEAR,
	"char": gomysql.MYSQL_TYPE_STRING, "binary": gomysql.MYSQL_TYPE_STRING,
	"uuid": gomysql.MYSQL_TYPE_STRING, "inet4": gomysql.MYSQL_TYPE_STRING, "inet6": gomysql.MYSQL_TYPE_STRING,
	"varchar": gomysql.MYSQL_TYPE_VARCHAR, "varbinary": gomysql.MYSQL_TYPE_VARCHAR,
	"tinytext": gomysql.MYSQL_TYPE_BLOB, "text": gomysql.MYSQL_TYPE_BLOB, "mediumtext": gomysql.MYSQL_TYPE_BLOB, "longtext": gomysql.MYSQL_TYPE_BLOB,
	"tinyblob": gomysql.MYSQL_TYPE_BLOB, "blob": gomysql.MYSQL_TYPE_BLOB, "mediumblob": gomysql.MYSQL_TYPE_BLOB, "longblob": gomysql.MYSQL_TYPE_BLOB,
	"enum": gomysql.MYSQL_TYPE_ENUM, "set": gomysql.MYSQL_TYPE_SET,
	"json":     gomysql.MYSQL_TYPE_JSON,
	"geometry": gomysql.MYSQL_TYPE_GEOMETRY, "point": gomysql.MYSQL_TYPE_GEOMETRY, "linestring": gomysql.MYSQL_TYPE_GEOMETRY,
	"polygon": gomysql.MYSQL_TYPE_GEOMETRY, "multipoint": gomysql.MYSQL_TYPE_GEOMETRY, "multilinestring": gomysql.MYSQL_TYPE_GEOMETRY,
	"multipolygon": gomysql.MYSQL_TYPE_GEOMETRY, "geometrycollection": gomysql.MYSQL_TYPE_GEOMETRY, "geomcollection": gomysql.MYSQL_TYPE_GEOMETRY,
}

// binaryTypeNames are the string types without a character set.
var binaryTypeNames = map[string]bool{"binary": true, "varbinary": true, "tinyblob": true, "blob": true, "mediumblob": true, "longblob": true}

// geometryTypeNames are TABLE_MAP's GEOMETRY_TYPE codes (MySQL's
// Field::geometry_type).
var geometryTypeNames = []string{"geometry", "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon", "geometrycollection"}

// completeMeta fills what m lacks from its COLUMN_TYPE.
func completeMeta(m ColumnMeta, ct columnType) ColumnMeta {
	if ct.unsigned {
		m.Unsigned = true
	}
	if m.ColumnType != "" && m.Type == 0 {
		if t, ok := typeByName[ct.base]; ok {
			m.Type = t
		}
	}
	argInt := func(i int) int {
		if i >= len(ct.args) {
			return 0
		}
		n, _ := strconv.Atoi(ct.args[i])
		return n
	}
	switch m.Type {
	case gomysql.MYSQL_TYPE_NEWDECIMAL, gomysql.MYSQL_TYPE_DECIMAL:
		if m.Precision == 0 && len(ct.args) > 0 {
			m.Precision, m.Scale = argInt(0), argInt(1)
		}
		if m.Precision == 0 {
			m.Precision = 10 // DECIMAL without arguments is DECIMAL(10,0)
		}
	case gomysql.MYSQL_TYPE_TIME, gomysql.MYSQL_TYPE_TIME2, gomysql.MYSQL_TYPE_DATETIME, gomysql.MYSQL_TYPE_DATETIME2,
		gomysql.MYSQL_TYPE_TIMESTAMP, gomysql.MYSQL_TYPE_TIMESTAMP2:
		if m.FSP == 0 && len(ct.args) > 0 {
			m.FSP = argInt(0)
		}
	case gomysql.MYSQL_TYPE_BIT:
		if m.Length == 0 {
			m.Length = argInt(0)
		}
		if m.Length == 0 {
			m.Length = 1
		}
	case gomysql.MYSQL_TYPE_STRING, gomysql.MYSQL_TYPE_VARCHAR, gomysql.MYSQL_TYPE_VAR_STRING:
		if ct.base == "binary" && m.Length == 0 {
			m.Length = argInt(0)
			if m.Length == 0 {
				m.Length = 1
			}
		}
	case gomysql.MYSQL_TYPE_ENUM:
		if len(m.EnumValues) == 0 && ct.base == "enum" {
			m.EnumValues = ct.args
		}
	case gomysql.MYSQL_TYPE_SET:
		if len(m.SetValues) == 0 && ct.base == "set" {
			m.SetValues = ct.args
		}
	case gomysql.MYSQL_TYPE_GEOMETRY:
		if m.GeometryType == "" {
			m.GeometryType = ct.base
		}
	}
	if binaryTypeNames[ct.base] {
		m.Charset = "binary"
	}
	m.GeometryType = strings.ToLower(m.GeometryType)
	return m
}

// sourceType names the column's type for Field.SourceType: COLUMN_TYPE when
// known, else a name built from the binlog metadata.
func sourceType(m ColumnMeta, ct columnType) string {
	if m.ColumnType != "" {
		return m.ColumnType
	}
	if name := mariaDBBinaryType(&m, ct); name != "" {
		return name
	}
	uns := ""
	if m.Unsigned {
		uns = " unsigned"
	}
	binary := m.Charset == "binary"
	switch m.Type {
	case gomysql.MYSQL_TYPE_TINY:
		return "tinyint" + uns
	case gomysql.MYSQL_TYPE_SHORT:
		return "smallint" + uns
	case gomysql.MYSQL_TYPE_INT24:
		return "mediumint" + uns
	case gomysql.MYSQL_TYPE_LONG:
		return "int" + uns
	case gomysql.MYSQL_TYPE_LONGLONG:
		return "bigint" + uns
	case gomysql.MYSQL_TYPE_NEWDECIMAL, gomysql.MYSQL_TYPE_DECIMAL:
		return fmt.Sprintf("decimal(%d,%d)%s", m.Precision, m.Scale, uns)
	case gomysql.MYSQL_TYPE_FLOAT:
		return "float" + uns
	case gomysql.MYSQL_TYPE_DOUBLE:
		return "double" + uns
	case gomysql.MYSQL_TYPE_BIT:
		return fmt.Sprintf("bit(%d)", m.Length)
	case gomysql.MYSQL_TYPE_DATE, gomysql.MYSQL_TYPE_NEWDATE:
		return "date"
	case gomysql.MYSQL_TYPE_TIME, gomysql.MYSQL_TYPE_TIME2:
		return withFSP("time", m.FSP)
	case gomysql.MYSQL_TYPE_DATETIME, gomysql.MYSQL_TYPE_DATETIME2:
		return withFSP("datetime", m.FSP)
	case gomysql.MYSQL_TYPE_TIMESTAMP, gomysql.MYSQL_TYPE_TIMESTAMP2:
		return withFSP("timestamp", m.FSP)
	case gomysql.MYSQL_TYPE_YEAR:
		return "year"
	case gomysql.MYSQL_TYPE_STRING:
		if binary {
			return fmt.Sprintf("binary(%d)", m.Length)
		}
		return "char"
	case gomysql.MYSQL_TYPE_VARCHAR, gomysql.MYSQL_TYPE_VAR_STRING:
		if binary {
			return "varbinary"
		}
		return "varchar"
	case gomysql.MYSQL_TYPE_BLOB, gomysql.MYSQL_TYPE_TINY_BLOB, gomysql.MYSQL_TYPE_MEDIUM_BLOB, gomysql.MYSQL_TYPE_LONG_BLOB:
		prefix := ""
		switch {
		case m.Type == gomysql.MYSQL_TYPE_TINY_BLOB || m.Length > 0 && m.Length <= 255:
			prefix = "tiny"
		case m.Type == gomysql.MYSQL_TYPE_MEDIUM_BLOB || m.Length > 65535 && m.Length <= 16777215:
			prefix = "medium"
		case m.Type == gomysql.MYSQL_TYPE_LONG_BLOB || m.Length > 16777215:
			prefix = "long"
		}
		if binary {
			return prefix + "blob"
		}
		return prefix + "text"
	case gomysql.MYSQL_TYPE_ENUM:
		return "enum(" + quoteMembers(m.EnumValues) + ")"
	case gomysql.MYSQL_TYPE_SET:
		return "set(" + quoteMembers(m.SetValues) + ")"
	case gomysql.MYSQL_TYPE_JSON:
		return "json"
	case gomysql.MYSQL_TYPE_GEOMETRY:
		if m.GeometryType != "" {
			return m.GeometryType
		}
		return "geometry"
	}
	return fmt.Sprintf("type %d", m.Type)
}

func withFSP(name string, fsp int) string {
	if fsp > 0 {
		return fmt.Sprintf("%s(%d)", name, fsp)
	}
	return name
}

func quoteMembers(vals []string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = "'" + strings.ReplaceAll(strings.ReplaceAll(v, `\`, `\\`), "'", "''") + "'"
	}
	return strings.Join(q, ",")
}

// mapType chooses the mapping of m's type.
func mapType(m ColumnMeta, ct columnType, opts TypeOptions) (mapping, error) {
	if d := m.Declared; d != nil {
		switch {
		case d.JDBCType == jdbcBoolean && m.Type == gomysql.MYSQL_TYPE_TINY:
			return mapBoolean(), nil
		case m.Type == gomysql.MYSQL_TYPE_FLOAT || m.Type == gomysql.MYSQL_TYPE_DOUBLE:
			return mapFloat(m.Type, d.isFloat32()), nil
		case d.TypeName == "JSON":
			ct.base = "json"
		case ct.base == "json":
			ct.base = "longtext" // MariaDB's JSON read from SHOW CREATE TABLE: LONGTEXT
		}
	}
	if name := mariaDBBinaryType(&m, ct); name != "" {
		return mapMariaDBBinary(name), nil
	}
	switch m.Type {
	case gomysql.MYSQL_TYPE_TINY:
		return mapInt(8, m.Unsigned, change.Int16), nil
	case gomysql.MYSQL_TYPE_SHORT:
		if m.Unsigned {
			return mapInt(16, true, change.Int32), nil
		}
		return mapInt(16, false, change.Int16), nil
	case gomysql.MYSQL_TYPE_INT24:
		return mapInt(24, m.Unsigned, change.Int32), nil
	case gomysql.MYSQL_TYPE_LONG:
		if m.Unsigned {
			return mapInt(32, true, change.Int64), nil
		}
		return mapInt(32, false, change.Int32), nil
	case gomysql.MYSQL_TYPE_LONGLONG:
		if m.Unsigned && opts.BigintUnsignedMode == BigintPrecise {
			return mapUnsignedBigintPrecise(), nil
		}
		return mapInt(64, m.Unsigned, change.Int64), nil
	case gomysql.MYSQL_TYPE_NEWDECIMAL, gomysql.MYSQL_TYPE_DECIMAL:
		if m.Precision < 1 || m.Precision > 65 || m.Scale < 0 || m.Scale > 30 || m.Scale > m.Precision {
			return mapping{}, fmt.Errorf("invalid decimal(%d,%d)", m.Precision, m.Scale)
		}
		return mapDecimal(m.Precision, m.Scale, opts), nil
	case gomysql.MYSQL_TYPE_FLOAT:
		return mapFloat(m.Type, true), nil
	case gomysql.MYSQL_TYPE_DOUBLE:
		return mapFloat(m.Type, false), nil
	case gomysql.MYSQL_TYPE_BIT:
		return mapBit(m.Length)
	case gomysql.MYSQL_TYPE_DATE, gomysql.MYSQL_TYPE_NEWDATE:
		return mapDate(m.Nullable, opts), nil
	case gomysql.MYSQL_TYPE_TIME, gomysql.MYSQL_TYPE_TIME2:
		return mapTime(m.FSP, opts), nil
	case gomysql.MYSQL_TYPE_DATETIME, gomysql.MYSQL_TYPE_DATETIME2:
		return mapDatetime(m.FSP, m.Nullable, opts), nil
	case gomysql.MYSQL_TYPE_TIMESTAMP, gomysql.MYSQL_TYPE_TIMESTAMP2:
		return mapTimestamp(m.FSP, m.Nullable), nil
	case gomysql.MYSQL_TYPE_YEAR:
		return mapping{field: connecttypes.Logical(change.Int32, connecttypes.NameYear), binlog: binlogYear, text: textYear, fallback: int32(0)}, nil
	case gomysql.MYSQL_TYPE_STRING, gomysql.MYSQL_TYPE_VARCHAR, gomysql.MYSQL_TYPE_VAR_STRING,
		gomysql.MYSQL_TYPE_BLOB, gomysql.MYSQL_TYPE_TINY_BLOB, gomysql.MYSQL_TYPE_MEDIUM_BLOB, gomysql.MYSQL_TYPE_LONG_BLOB:
		if ct.base == "json" {
			// MariaDB's JSON: LONGTEXT whose text passes through.
			return mapping{field: connecttypes.Logical(change.String, connecttypes.NameJSON), binlog: binlogText(m.Charset), text: textString, fallback: "{}"}, nil
		}
		if m.Charset == "binary" {
			pad := 0
			if m.Type == gomysql.MYSQL_TYPE_STRING {
				pad = m.Length
			}
			return mapBinary(pad, opts), nil
		}
		return mapping{field: change.Field{Type: change.String}, binlog: binlogText(m.Charset), text: textString, fallback: ""}, nil
	case gomysql.MYSQL_TYPE_ENUM:
		return mapEnum(m.EnumValues)
	case gomysql.MYSQL_TYPE_SET:
		return mapSet(m.SetValues)
	case gomysql.MYSQL_TYPE_JSON:
		return mapping{field: connecttypes.Logical(change.String, connecttypes.NameJSON), binlog: binlogJSON(m.Nullable), text: textJSON, fallback: "{}"}, nil
	case gomysql.MYSQL_TYPE_GEOMETRY:
		if m.GeometryType == "point" {
			return mapping{field: connecttypes.Point(), binlog: binlogBytesThen(decodePoint), text: decodePoint, fallback: connecttypes.PointValue(0, 0)}, nil
		}
		return mapping{field: connecttypes.Geometry(connecttypes.NameGeometry, "Geometry"), binlog: binlogBytesThen(decodeGeometry), text: decodeGeometry, fallback: connecttypes.EmptyGeometry()}, nil
	}
	name := sourceType(m, ct)
	if strings.HasPrefix(name, "type ") {
		name = "binlog " + name
	} else {
		name += fmt.Sprintf(" (binlog type %d)", m.Type)
	}
	return mapping{}, &UnsupportedTypeError{Column: m.Name, Type: name}
}

// --- integers ---------------------------------------------------------------

// binlogInt64 reads any Go integer as int64 (unsigned values above 2^63-1
// wrap).
func binlogInt64(v any) (int64, error) {
	switch x := v.(type) {
	case int8:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case int64:
		return x, nil
	case int:
		return int64(x), nil
	case uint8:
		return int64(x), nil
	case uint16:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case uint64:
		return int64(x), nil
	case uint:
		return int64(x), nil
	case string:
		return strconv.ParseInt(x, 10, 64)
	}
	return 0, fmt.Errorf("unexpected binlog value %T", v)
}

// mapInt maps an integer of bits bits (8, 16, 24, 32, 64) to Connect type t.
// The binlog gives unsigned columns as signed numbers of the same width:
// they are masked back.
func mapInt(bits int, unsigned bool, t change.Type) mapping {
	conv := func(x int64) (any, error) {
		switch t {
		case change.Int16:
			if x < math.MinInt16 || x > math.MaxInt16 {
				return nil, fmt.Errorf("value %d out of range", x)
			}
			return int16(x), nil
		case change.Int32:
			if x < math.MinInt32 || x > math.MaxInt32 {
				return nil, fmt.Errorf("value %d out of range", x)
			}
			return int32(x), nil
		}
		return x, nil
	}
	var fallback any
	switch t {
	case change.Int16:
		fallback = int16(0)
	case change.Int32:
		fallback = int32(0)
	default:
		fallback = int64(0)
	}
	return mapping{
		field: change.Field{Type: t},
		binlog: func(v any) (any, error) {
			if !unsigned {
				// A value of the column's own type passes through, boxed
				// as it came.
				switch v.(type) {
				case int16:
					if t == change.Int16 {
						return v, nil
					}
				case int32:
					if t == change.Int32 {
						return v, nil
					}
				case int64:
					if t == change.Int64 {
						return v, nil
					}
				}
			}
			x, err := binlogInt64(v)
			if err != nil {
				return nil, err
			}
			if unsigned && bits < 64 {
				x &= 1<<bits - 1
			}
			return conv(x)
		},
		text: func(b []byte) (any, error) {
			if unsigned {
				u, err := strconv.ParseUint(string(b), 10, bits)
				if err != nil {
					return nil, fmt.Errorf("invalid integer %q", b)
				}
				return conv(int64(u)) // BIGINT UNSIGNED wraps, as in the binlog
			}
			x, err := strconv.ParseInt(string(b), 10, bits)
			if err != nil {
				return nil, fmt.Errorf("invalid integer %q", b)
			}
			return conv(x)
		},
		fallback: fallback,
	}
}

// mapUnsignedBigintPrecise is BIGINT UNSIGNED under
// bigint.unsigned.handling.mode=precise: Decimal(20,0).
func mapUnsignedBigintPrecise() mapping {
	enc := func(u uint64) any {
		var x big.Int
		x.SetUint64(u)
		return change.BigIntBytes(&x)
	}
	return mapping{
		field: connecttypes.Decimal(0, 20, true),
		binlog: func(v any) (any, error) {
			x, err := binlogInt64(v)
			if err != nil {
				return nil, err
			}
			return enc(uint64(x)), nil
		},
		text: func(b []byte) (any, error) {
			u, err := strconv.ParseUint(string(b), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("invalid integer %q", b)
			}
			return enc(u), nil
		},
		fallback: []byte{0},
	}
}

// --- floats -----------------------------------------------------------------

// mapFloat maps a FLOAT (typ MYSQL_TYPE_FLOAT, 4 bytes) or DOUBLE column to
// a Connect float (f32) or double. A FLOAT column mapped to a double
// carries its single-precision value widened (FLOAT(7,3) 1234.567 is
// 1234.5670166015625, as Debezium's Float.doubleValue); a DOUBLE column
// mapped to a float is rounded to single precision.
func mapFloat(typ byte, f32 bool) mapping {
	switch {
	case f32:
		return mapping{field: change.Field{Type: change.Float32}, binlog: binlogFloat32, text: textFloat32, fallback: float32(0)}
	case typ == gomysql.MYSQL_TYPE_FLOAT:
		return mapping{field: change.Field{Type: change.Float64},
			binlog: func(v any) (any, error) {
				f, err := binlogFloat32(v)
				if err != nil {
					return nil, err
				}
				return float64(f.(float32)), nil
			},
			text: func(b []byte) (any, error) {
				f, err := textFloat32(b)
				if err != nil {
					return nil, err
				}
				return float64(f.(float32)), nil
			},
			fallback: float64(0)}
	}
	return mapping{field: change.Field{Type: change.Float64}, binlog: binlogFloat64, text: textFloat64, fallback: float64(0)}
}

// mapBoolean maps a TINYINT column declared BOOLEAN: non-zero is true.
func mapBoolean() mapping {
	return mapping{
		field: change.Field{Type: change.Boolean},
		binlog: func(v any) (any, error) {
			x, err := binlogInt64(v)
			if err != nil {
				return nil, err
			}
			return x != 0, nil
		},
		text: func(b []byte) (any, error) {
			x, err := strconv.ParseInt(string(b), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("invalid boolean %q", b)
			}
			return x != 0, nil
		},
		fallback: false,
	}
}

func binlogFloat32(v any) (any, error) {
	switch x := v.(type) {
	case float32:
		return x, nil
	case float64:
		return float32(x), nil
	case string:
		return textFloat32([]byte(x))
	}
	return nil, fmt.Errorf("unexpected binlog value %T", v)
}

func binlogFloat64(v any) (any, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case float32:
		return float64(x), nil
	case string:
		return textFloat64([]byte(x))
	}
	return nil, fmt.Errorf("unexpected binlog value %T", v)
}

func textFloat32(b []byte) (any, error) {
	f, err := strconv.ParseFloat(string(b), 32)
	if err != nil {
		return nil, fmt.Errorf("invalid float %q", b)
	}
	return float32(f), nil
}

func textFloat64(b []byte) (any, error) {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return nil, fmt.Errorf("invalid double %q", b)
	}
	return f, nil
}

// --- decimals ---------------------------------------------------------------

// decimal is change.Decimal, the exact decimal both sources share.
type decimal = change.Decimal

// maxDecimalDigits bounds what parseDecimal accepts (MySQL's DECIMAL has at
// most 65 digits; the bound leaves room for exponents and zero padding).
const maxDecimalDigits = 200

// parseDecimal parses MySQL's decimal text form.
func parseDecimal(b []byte) (decimal, error) { return change.ParseDecimal(b, maxDecimalDigits) }

// fromShopspring converts a shopspring decimal exactly.
func fromShopspring(x shopspring.Decimal) (decimal, error) {
	c := x.Coefficient()
	d := decimal{Neg: c.Sign() < 0, Scale: -x.Exponent()}
	c.Abs(c)
	d.Digits = c.String()
	if len(d.Digits) > maxDecimalDigits || d.Scale > maxDecimalDigits || d.Scale < -maxDecimalDigits {
		return decimal{}, fmt.Errorf("decimal %s has too many digits", x.String())
	}
	if d.Digits == "0" {
		d.Neg = false
	}
	return d, nil
}

func mapDecimal(precision, scale int, opts TypeOptions) mapping {
	var field change.Field
	var out func(decimal) any
	var fallback any
	switch opts.DecimalMode {
	case DecimalDouble:
		field = change.Field{Type: change.Float64}
		out = func(d decimal) any { return d.Float64() }
		fallback = float64(0)
	case DecimalString:
		field = change.Field{Type: change.String}
		out = func(d decimal) any { return d.JavaString() }
		fallback = decimal{Digits: "0", Scale: int32(scale)}.JavaString()
	default:
		field = connecttypes.Decimal(int32(scale), int32(precision), true)
		out = func(d decimal) any { return d.UnscaledBytes() }
		fallback = []byte{0}
	}
	finish := func(d decimal) (any, error) {
		d, err := d.Rescale(int32(scale))
		if err != nil {
			return nil, err
		}
		return out(d), nil
	}
	return mapping{
		field: field,
		binlog: func(v any) (any, error) {
			var d decimal
			var err error
			switch x := v.(type) {
			case shopspring.Decimal:
				d, err = fromShopspring(x)
			case *shopspring.Decimal:
				d, err = fromShopspring(*x)
			case string:
				d, err = parseDecimal([]byte(x))
			case []byte:
				d, err = parseDecimal(x)
			default:
				return nil, fmt.Errorf("unexpected binlog value %T", v)
			}
			if err != nil {
				return nil, err
			}
			return finish(d)
		},
		text: func(b []byte) (any, error) {
			d, err := parseDecimal(b)
			if err != nil {
				return nil, err
			}
			return finish(d)
		},
		fallback: fallback,
	}
}

// --- bits -------------------------------------------------------------------

func mapBit(n int) (mapping, error) {
	if n < 1 || n > 64 {
		return mapping{}, fmt.Errorf("invalid bit(%d)", n)
	}
	if n == 1 {
		return mapping{
			field: change.Field{Type: change.Boolean},
			binlog: func(v any) (any, error) {
				if b, ok := v.([]byte); ok {
					return bytesNonZero(b), nil
				}
				x, err := binlogInt64(v)
				if err != nil {
					return nil, err
				}
				return x != 0, nil
			},
			text:     func(b []byte) (any, error) { return bytesNonZero(b), nil },
			fallback: false,
		}, nil
	}
	size := (n + 7) / 8
	// Debezium's Bits: little-endian, padded to ceil(n/8) bytes.
	fromUint := func(u uint64) []byte {
		out := make([]byte, size)
		for i := range out {
			out[i] = byte(u >> (8 * i))
		}
		return out
	}
	fromBigEndian := func(b []byte) (any, error) {
		if len(b) > 8 {
			return nil, fmt.Errorf("bit value of %d bytes", len(b))
		}
		var u uint64
		for _, c := range b {
			u = u<<8 | uint64(c)
		}
		return fromUint(u), nil
	}
	return mapping{
		field: connecttypes.Logical(change.Bytes, connecttypes.NameBits, change.Param{Key: "length", Value: strconv.Itoa(n)}),
		binlog: func(v any) (any, error) {
			if b, ok := v.([]byte); ok {
				return fromBigEndian(b)
			}
			x, err := binlogInt64(v)
			if err != nil {
				return nil, err
			}
			return fromUint(uint64(x)), nil
		},
		text:     fromBigEndian,
		fallback: []byte{},
	}, nil
}

func bytesNonZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return true
		}
	}
	return false
}

// --- dates and times --------------------------------------------------------

const (
	microsPerSecond = 1_000_000
	microsPerDay    = 86_400 * microsPerSecond
)

// errZeroDate marks a zero or partly zero date ('0000-00-00', '2024-00-01').
var errZeroDate = errors.New("zero date")

// scanner reads MySQL's fixed date/time text layouts.
type scanner struct {
	s   []byte
	i   int
	bad bool
}

// num reads between min and max digits.
func (p *scanner) num(min, max int) int64 {
	start := p.i
	var v int64
	for p.i < len(p.s) && p.i-start < max && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		v = v*10 + int64(p.s[p.i]-'0')
		p.i++
	}
	if p.i-start < min {
		p.bad = true
	}
	return v
}

func (p *scanner) lit(c byte) {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return
	}
	p.bad = true
}

func (p *scanner) more() bool { return p.i < len(p.s) }

// frac reads an optional ".digits" (up to 6 used, more must be absent) as µs.
func (p *scanner) frac() int64 {
	if p.i >= len(p.s) || p.s[p.i] != '.' {
		return 0
	}
	p.i++
	start := p.i
	var us int64
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		if p.i-start >= 6 {
			p.bad = true
			return 0
		}
		us = us*10 + int64(p.s[p.i]-'0')
		p.i++
	}
	n := p.i - start
	if n == 0 {
		p.bad = true
	}
	for ; n < 6; n++ {
		us *= 10
	}
	return us
}

// date reads YYYY-MM-DD, returning epoch days, or errZeroDate for a date
// with a zero year, month or day part that is no real date.
func (p *scanner) date() (int64, error) {
	y := p.num(4, 4)
	p.lit('-')
	m := p.num(2, 2)
	p.lit('-')
	d := p.num(2, 2)
	if p.bad {
		return 0, errors.New("invalid date")
	}
	if m == 0 || d == 0 {
		return 0, errZeroDate
	}
	if m > 12 || d > daysInMonth(y, m) {
		return 0, errors.New("invalid date")
	}
	return connecttypes.DaysFromCivil(y, m, d), nil
}

func daysInMonth(y, m int64) int64 {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// clock reads HH:MM:SS[.ffffff] of a time of day, as µs.
func (p *scanner) clock() int64 {
	h := p.num(2, 2)
	p.lit(':')
	mi := p.num(2, 2)
	p.lit(':')
	s := p.num(2, 2)
	us := p.frac()
	if h > 23 || mi > 59 || s > 59 {
		p.bad = true
	}
	return ((h*60+mi)*60+s)*microsPerSecond + us
}

// parseDate parses "YYYY-MM-DD" into epoch days.
func parseDate(b []byte) (int64, error) {
	p := scanner{s: b}
	days, err := p.date()
	if err != nil {
		return 0, err
	}
	if p.more() {
		return 0, errors.New("invalid date")
	}
	return days, nil
}

// parseDatetime parses "YYYY-MM-DD HH:MM:SS[.ffffff]" into µs since the
// epoch, the wall clock taken as UTC.
func parseDatetime(b []byte) (int64, error) {
	p := scanner{s: b}
	days, err := p.date()
	if err != nil && !errors.Is(err, errZeroDate) {
		return 0, fmt.Errorf("invalid datetime %q", b)
	}
	if p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == 'T') {
		p.i++
	} else {
		p.bad = true
	}
	clock := p.clock()
	if p.bad || p.more() {
		return 0, fmt.Errorf("invalid datetime %q", b)
	}
	if err != nil {
		return 0, err
	}
	return days*microsPerDay + clock, nil
}

// parseTime parses a TIME value "[-]H+:MM:SS[.ffffff]" into signed µs.
func parseTime(b []byte) (int64, error) {
	p := scanner{s: b}
	neg := false
	if p.more() && p.s[0] == '-' {
		neg = true
		p.i++
	}
	h := p.num(1, 4)
	p.lit(':')
	mi := p.num(2, 2)
	p.lit(':')
	s := p.num(2, 2)
	us := p.frac()
	if p.bad || p.more() || mi > 59 || s > 59 || h > 838 {
		return 0, fmt.Errorf("invalid time %q", b)
	}
	v := ((h*60+mi)*60+s)*microsPerSecond + us
	if neg {
		v = -v
	}
	return v, nil
}

// binlogTemporal reads a temporal binlog value: a string (ParseTime off), or
// a time.Time whose wall clock is formatted in UTC.
func binlogTemporal(v any) ([]byte, error) {
	switch x := v.(type) {
	case string:
		return []byte(x), nil
	case []byte:
		return x, nil
	case time.Time:
		return []byte(x.UTC().Format("2006-01-02 15:04:05.999999")), nil
	}
	return nil, fmt.Errorf("unexpected binlog value %T", v)
}

// zeroValue is what a zero date becomes: null when the column is nullable,
// else the epoch value z.
func zeroValue(nullable bool, z any) any {
	if nullable {
		return nil
	}
	return z
}

func mapDate(nullable bool, opts TypeOptions) mapping {
	name := connecttypes.NameDate
	if opts.TimeMode == TimeConnect {
		name = connecttypes.NameConnectDate
	}
	text := func(b []byte) (any, error) {
		days, err := parseDate(b)
		if errors.Is(err, errZeroDate) {
			return zeroValue(nullable, int32(0)), nil
		}
		if err != nil {
			return nil, fmt.Errorf("invalid date %q", b)
		}
		return int32(days), nil
	}
	return mapping{
		field: connecttypes.Logical(change.Int32, name),
		binlog: func(v any) (any, error) {
			if t, ok := v.(time.Time); ok {
				v = t.UTC().Format("2006-01-02")
			}
			b, err := binlogTemporal(v)
			if err != nil {
				return nil, err
			}
			return text(b)
		},
		text:     text,
		fallback: int32(0),
	}
}

func mapTime(fsp int, opts TypeOptions) mapping {
	var field change.Field
	var out func(us int64) any
	var fallback any
	switch {
	case opts.TimeMode == TimeConnect:
		field = connecttypes.Logical(change.Int32, connecttypes.NameConnectTime)
		out = func(us int64) any { return int32(connecttypes.FloorDiv(us, 1000)) }
		fallback = int32(0)
	case opts.TimeMode == TimeAdaptive && fsp <= 3:
		field = connecttypes.Logical(change.Int32, connecttypes.NameTime)
		out = func(us int64) any { return int32(connecttypes.FloorDiv(us, 1000)) }
		fallback = int32(0)
	default:
		field = connecttypes.Logical(change.Int64, connecttypes.NameMicroTime)
		out = func(us int64) any { return us }
		fallback = int64(0)
	}
	text := func(b []byte) (any, error) {
		us, err := parseTime(b)
		if err != nil {
			return nil, err
		}
		return out(us), nil
	}
	return mapping{
		field: field,
		binlog: func(v any) (any, error) {
			if d, ok := v.(time.Duration); ok {
				return out(d.Microseconds()), nil
			}
			b, err := binlogTemporal(v)
			if err != nil {
				return nil, err
			}
			return text(b)
		},
		text:     text,
		fallback: fallback,
	}
}

func mapDatetime(fsp int, nullable bool, opts TypeOptions) mapping {
	var field change.Field
	var out func(us int64) any
	switch {
	case opts.TimeMode == TimeConnect:
		field = connecttypes.Logical(change.Int64, connecttypes.NameConnectTimestamp)
		out = func(us int64) any { return connecttypes.FloorDiv(us, 1000) }
	case fsp <= 3:
		field = connecttypes.Logical(change.Int64, connecttypes.NameTimestamp)
		out = func(us int64) any { return connecttypes.FloorDiv(us, 1000) }
	default:
		field = connecttypes.Logical(change.Int64, connecttypes.NameMicroTimestamp)
		out = func(us int64) any { return us }
	}
	text := func(b []byte) (any, error) {
		us, err := parseDatetime(b)
		if errors.Is(err, errZeroDate) {
			return zeroValue(nullable, out(0)), nil
		}
		if err != nil {
			return nil, err
		}
		return out(us), nil
	}
	return mapping{
		field: field,
		binlog: func(v any) (any, error) {
			b, err := binlogTemporal(v)
			if err != nil {
				return nil, err
			}
			return text(b)
		},
		text:     text,
		fallback: out(0),
	}
}

func mapTimestamp(fsp int, nullable bool) mapping {
	if fsp < 0 || fsp > 6 {
		fsp = 6
	}
	// The snapshot reads a java.sql.Timestamp that Debezium formats with
	// ISO_OFFSET_DATE_TIME (the fraction without its trailing zeros, none
	// when zero); the binlog gives a ZonedDateTime that it formats with
	// exactly the column's fsp digits. A zero TIMESTAMP is null in a
	// nullable column of the snapshot (else the epoch); in the binlog it is
	// the instant 0, which Debezium formats like any other.
	epochISO := formatZonedTimestamp(0, -1)
	epoch := formatZonedTimestamp(0, fsp)
	text := func(b []byte) (any, error) {
		us, err := parseDatetime(b)
		if errors.Is(err, errZeroDate) {
			return zeroValue(nullable, epochISO), nil
		}
		if err != nil {
			return nil, err
		}
		return formatZonedTimestamp(us, -1), nil
	}
	return mapping{
		field: connecttypes.Logical(change.String, connecttypes.NameZonedTimestamp),
		binlog: func(v any) (any, error) {
			b, err := binlogTemporal(v)
			if err != nil {
				return nil, err
			}
			us, err := parseDatetime(b)
			if errors.Is(err, errZeroDate) {
				return epoch, nil
			}
			if err != nil {
				return nil, err
			}
			return formatZonedTimestamp(us, fsp), nil
		},
		text:     text,
		fallback: epochISO,
	}
}

// formatZonedTimestamp formats µs since the epoch as Debezium's
// ZonedTimestamp for a column of precision fsp: ISO-8601 in UTC with exactly
// fsp fraction digits, or, for fsp < 0, as Java's ISO_OFFSET_DATE_TIME
// does: the fraction without trailing zeros, none when it is zero. MySQL's
// years are 0-9999, so the year is always four digits.
func formatZonedTimestamp(us int64, fsp int) string {
	days := connecttypes.FloorDiv(us, microsPerDay)
	rem := us - days*microsPerDay
	switch {
	case fsp < 0:
		fsp = 0 // connecttypes' width 0: only the digits needed
	case fsp == 0:
		rem -= rem % microsPerSecond // no fraction at all
	}
	return connecttypes.FormatZonedTimestamp(days, rem, fsp)
}

func binlogYear(v any) (any, error) {
	x, err := binlogInt64(v)
	if err != nil {
		return nil, err
	}
	if x < 0 || x > 9999 {
		return nil, fmt.Errorf("invalid year %d", x)
	}
	return int32(x), nil
}

func textYear(b []byte) (any, error) {
	x, err := strconv.ParseInt(string(b), 10, 32)
	if err != nil || x < 0 || x > 9999 {
		return nil, fmt.Errorf("invalid year %q", b)
	}
	return int32(x), nil
}

// --- strings ----------------------------------------------------------------

func textString(b []byte) (any, error) { return string(b), nil }

// binlogText decodes a character column's binlog bytes, which are in the
// column's character set.
func binlogText(charset string) func(any) (any, error) {
	latin1 := strings.EqualFold(charset, "latin1")
	return func(v any) (any, error) {
		var s string
		switch x := v.(type) {
		case string:
			// Text that needs no change passes through, boxed as it came.
			if latin1 {
				if out := decodeLatin1(x); out != x {
					return out, nil
				}
				return v, nil
			}
			if !utf8.ValidString(x) {
				return nil, fmt.Errorf("text is not valid UTF-8 (character set %q is not supported)", charset)
			}
			return v, nil
		case []byte:
			s = string(x)
		default:
			return nil, fmt.Errorf("unexpected binlog value %T", v)
		}
		if latin1 {
			return decodeLatin1(s), nil
		}
		if !utf8.ValidString(s) {
			return nil, fmt.Errorf("text is not valid UTF-8 (character set %q is not supported)", charset)
		}
		return s, nil
	}
}

// cp1252High maps bytes 0x80-0x9F of MySQL's latin1 (Windows-1252, with the
// five bytes cp1252 leaves undefined mapped to the C1 controls).
var cp1252High = [32]rune{
	0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
	0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
}

func decodeLatin1(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var sb strings.Builder
	sb.Grow(len(s) + len(s)/2)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c < 0x80:
			sb.WriteByte(c)
		case c < 0xA0:
			sb.WriteRune(cp1252High[c-0x80])
		default:
			sb.WriteRune(rune(c))
		}
	}
	return sb.String()
}

// mapBinary maps BINARY/VARBINARY/BLOB; pad > 0 right-pads values with 0x00
// to pad bytes (BINARY(n): the binlog drops trailing zeros).
func mapBinary(pad int, opts TypeOptions) mapping {
	norm := func(b []byte) []byte {
		if pad > 0 && len(b) < pad {
			out := make([]byte, pad)
			copy(out, b)
			return out
		}
		return b
	}
	var encode func([]byte) any
	field := change.Field{Type: change.String}
	var fallback any = ""
	switch opts.BinaryMode {
	case BinaryBase64:
		encode = func(b []byte) any { return base64.StdEncoding.EncodeToString(b) }
	case BinaryBase64URLSafe:
		encode = func(b []byte) any { return base64.URLEncoding.EncodeToString(b) }
	case BinaryHex:
		encode = func(b []byte) any { return hex.EncodeToString(b) }
	default:
		field = change.Field{Type: change.Bytes}
		fallback = []byte{}
		encode = func(b []byte) any { return b }
	}
	return mapping{
		field: field,
		binlog: func(v any) (any, error) {
			switch x := v.(type) {
			case string:
				return encode(norm([]byte(x))), nil
			case []byte:
				return encode(norm(x)), nil
			}
			return nil, fmt.Errorf("unexpected binlog value %T", v)
		},
		text: func(b []byte) (any, error) {
			return encode(norm(bytes.Clone(b))), nil
		},
		fallback: fallback,
	}
}

// --- enum and set -----------------------------------------------------------

func mapEnum(values []string) (mapping, error) {
	if len(values) == 0 {
		return mapping{}, errors.New("enum without values (binlog_row_metadata=FULL gives them)")
	}
	return mapping{
		field: connecttypes.Logical(change.String, connecttypes.NameEnum, change.Param{Key: "allowed", Value: strings.Join(values, ",")}),
		binlog: func(v any) (any, error) {
			if s, ok := v.(string); ok {
				return s, nil
			}
			x, err := binlogInt64(v)
			if err != nil {
				return nil, err
			}
			if x == 0 {
				return "", nil // the invalid value '' of non-strict mode
			}
			if x < 0 || x > int64(len(values)) {
				return nil, fmt.Errorf("enum index %d out of range (%d values)", x, len(values))
			}
			return values[x-1], nil
		},
		text:     textString,
		fallback: "",
	}, nil
}

func mapSet(values []string) (mapping, error) {
	if len(values) == 0 {
		return mapping{}, errors.New("set without values (binlog_row_metadata=FULL gives them)")
	}
	if len(values) > 64 {
		return mapping{}, fmt.Errorf("set with %d values", len(values))
	}
	return mapping{
		field: connecttypes.Logical(change.String, connecttypes.NameEnumSet, change.Param{Key: "allowed", Value: strings.Join(values, ",")}),
		binlog: func(v any) (any, error) {
			if s, ok := v.(string); ok {
				return s, nil
			}
			x, err := binlogInt64(v)
			if err != nil {
				return nil, err
			}
			u := uint64(x)
			if len(values) < 64 && u>>len(values) != 0 {
				return nil, fmt.Errorf("set bits %#x beyond its %d values", u, len(values))
			}
			var sb strings.Builder
			for i := range values {
				if u&(1<<i) != 0 {
					if sb.Len() > 0 {
						sb.WriteByte(',')
					}
					sb.WriteString(values[i])
				}
			}
			return sb.String(), nil
		},
		text:     textString,
		fallback: "",
	}, nil
}

// --- JSON -------------------------------------------------------------------

// binlogJSON takes go-mysql's JSON text of a MySQL binary JSON value. An
// empty value (from INSERT IGNORE of NULL into NOT NULL) is null, or "{}"
// when the column is NOT NULL, as Debezium does.
func binlogJSON(nullable bool) func(any) (any, error) {
	return func(v any) (any, error) {
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case []byte:
			s = string(x)
		default:
			return nil, fmt.Errorf("unexpected binlog value %T", v)
		}
		if s == "" {
			return zeroValue(nullable, "{}"), nil
		}
		return s, nil
	}
}

// textJSON brings MySQL's JSON text into the form go-mysql gives the binlog
// value: compact, object keys sorted, numbers with a fraction or exponent as
// Go formats a float64, integers as written.
func textJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("invalid JSON: text after the value")
	}
	v, err := normalizeJSON(v)
	if err != nil {
		return nil, err
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	return string(out), nil
}

func normalizeJSON(v any) (any, error) {
	switch x := v.(type) {
	case json.Number:
		if strings.ContainsAny(string(x), ".eE") {
			f, err := strconv.ParseFloat(string(x), 64)
			if err != nil {
				return nil, fmt.Errorf("invalid JSON number %q", string(x))
			}
			return f, nil
		}
		return x, nil
	case []any:
		for i := range x {
			n, err := normalizeJSON(x[i])
			if err != nil {
				return nil, err
			}
			x[i] = n
		}
	case map[string]any:
		for k, e := range x {
			n, err := normalizeJSON(e)
			if err != nil {
				return nil, err
			}
			x[k] = n
		}
	}
	return v, nil
}

// --- geometry ---------------------------------------------------------------

func binlogBytesThen(f func([]byte) (any, error)) func(any) (any, error) {
	return func(v any) (any, error) {
		switch x := v.(type) {
		case []byte:
			return f(x)
		case string:
			return f([]byte(x))
		}
		return nil, fmt.Errorf("unexpected binlog value %T", v)
	}
}

// splitGeometry splits MySQL's internal geometry value: a little-endian
// 4-byte SRID, then WKB. SRID 0 is null, as Debezium's BinlogGeometry has it.
func splitGeometry(b []byte) (wkb []byte, srid any, err error) {
	if len(b) < 4+5 {
		return nil, nil, fmt.Errorf("geometry value of %d bytes", len(b))
	}
	if s := int32(binary.LittleEndian.Uint32(b)); s != 0 {
		srid = s
	}
	wkb = bytes.Clone(b[4:])
	if wkb[0] > 1 {
		return nil, nil, fmt.Errorf("invalid WKB byte order %d", wkb[0])
	}
	return wkb, srid, nil
}

func decodeGeometry(b []byte) (any, error) {
	wkb, srid, err := splitGeometry(b)
	if err != nil {
		return nil, err
	}
	return change.StructValue{wkb, srid}, nil
}

// decodePoint reads a POINT: Debezium's Point.createValue of its WKB.
func decodePoint(b []byte) (any, error) {
	wkb, srid, err := splitGeometry(b)
	if err != nil {
		return nil, err
	}
	var order binary.ByteOrder = binary.BigEndian
	if wkb[0] == 1 {
		order = binary.LittleEndian
	}
	if len(wkb) != 21 || order.Uint32(wkb[1:]) != 1 {
		return nil, errors.New("value of a POINT column is no 2D point")
	}
	x := math.Float64frombits(order.Uint64(wkb[5:]))
	y := math.Float64frombits(order.Uint64(wkb[13:]))
	return change.StructValue{x, y, wkb, srid}, nil
}

// --- metadata ---------------------------------------------------------------

// ErrNoRowMetadata is wrapped by MetaFromTableMap's error for a TABLE_MAP
// without column names.
var ErrNoRowMetadata = errors.New("the binlog's TABLE_MAP events carry no column names; set binlog_row_metadata=FULL on the server (MySQL 8.0.1+, MariaDB 10.5+)")

// collationBinary is the binary collation's id.
const collationBinary = 63

// latin1Collations are the collation ids of latin1.
var latin1Collations = map[uint64]bool{5: true, 8: true, 15: true, 31: true, 47: true, 48: true, 49: true, 94: true}

func charsetOfCollation(id uint64) string {
	switch {
	case id == collationBinary:
		return "binary"
	case latin1Collations[id]:
		return "latin1"
	}
	return ""
}

// MetaFromTableMap reads column metadata from a TABLE_MAP event written
// with binlog_row_metadata=FULL (names, signedness, charsets, enum/set
// values, primary key, geometry types). ColumnType is left empty. mariadb
// says which server wrote the event: the two count different columns in
// the signedness bitmap (see unsignedColumns).
func MetaFromTableMap(ev *replication.TableMapEvent, mariadb bool) ([]ColumnMeta, error) {
	n := int(ev.ColumnCount)
	if len(ev.ColumnName) != n || n == 0 {
		return nil, fmt.Errorf("table %s.%s: %w", ev.Schema, ev.Table, ErrNoRowMetadata)
	}
	if len(ev.ColumnType) != n || len(ev.ColumnMeta) != n {
		return nil, fmt.Errorf("table %s.%s: TABLE_MAP has %d types and %d metadata for %d columns", ev.Schema, ev.Table, len(ev.ColumnType), len(ev.ColumnMeta), n)
	}
	names := ev.ColumnNameString()
	unsigned := unsignedColumns(ev, mariadb)
	collations := ev.CollationMap()
	enumCollations := ev.EnumSetCollationMap()
	enums := ev.EnumStrValueMap()
	sets := ev.SetStrValueMap()
	geoms := ev.GeometryTypeMap()
	keyPos := map[int]int{}
	for i, c := range ev.PrimaryKey {
		keyPos[int(c)] = i + 1
	}
	out := make([]ColumnMeta, n)
	for i := range out {
		meta := ev.ColumnMeta[i]
		m := ColumnMeta{Name: names[i], Type: ev.ColumnType[i], Unsigned: unsigned[i]}
		if avail, nullable := ev.Nullable(i); avail {
			m.Nullable = nullable
		}
		if p := keyPos[i]; p > 0 {
			m.IsPrimaryKey, m.KeyPosition = true, p
		}
		if c, ok := collations[i]; ok {
			m.Charset = charsetOfCollation(c)
		}
		switch m.Type {
		case gomysql.MYSQL_TYPE_STRING:
			// The real type and the length share the metadata, as in
			// go-mysql's RowsEvent.decodeValue.
			length := int(meta)
			if meta >= 256 {
				b0, b1 := byte(meta>>8), byte(meta)
				if b0&0x30 != 0x30 {
					length = int(uint16(b1) | uint16((b0&0x30)^0x30)<<4)
					m.Type = b0 | 0x30
				} else {
					length = int(b1)
					m.Type = b0
				}
			}
			switch m.Type {
			case gomysql.MYSQL_TYPE_ENUM:
				m.EnumValues = enums[i]
				if charsetOfCollation(enumCollations[i]) == "latin1" {
					m.EnumValues = latin1All(m.EnumValues)
				}
			case gomysql.MYSQL_TYPE_SET:
				m.SetValues = sets[i]
				if charsetOfCollation(enumCollations[i]) == "latin1" {
					m.SetValues = latin1All(m.SetValues)
				}
			default:
				m.Type = gomysql.MYSQL_TYPE_STRING
				m.Length = length
			}
		case gomysql.MYSQL_TYPE_VARCHAR, gomysql.MYSQL_TYPE_VAR_STRING:
			m.Length = int(meta)
		case gomysql.MYSQL_TYPE_BLOB:
			switch meta {
			case 1:
				m.Length = 255
			case 2:
				m.Length = 65535
			case 3:
				m.Length = 16777215
			case 4:
				m.Length = 4294967295
			}
		case gomysql.MYSQL_TYPE_NEWDECIMAL:
			m.Precision, m.Scale = int(meta>>8), int(meta&0xff)
		case gomysql.MYSQL_TYPE_TIME2, gomysql.MYSQL_TYPE_DATETIME2, gomysql.MYSQL_TYPE_TIMESTAMP2:
			m.FSP = int(meta)
		case gomysql.MYSQL_TYPE_BIT:
			m.Length = int(meta>>8)*8 + int(meta&0xff)
		case gomysql.MYSQL_TYPE_GEOMETRY:
			m.Charset = ""
			if g, ok := geoms[i]; ok && g < uint64(len(geometryTypeNames)) {
				m.GeometryType = geometryTypeNames[g]
			}
		}
		out[i] = m
	}
	return out, nil
}

// signednessCounted reports whether the server gives a column of binlog
// type typ a bit in the TABLE_MAP signedness bitmap. MySQL counts the
// integer, FLOAT, DOUBLE and DECIMAL types (is_numeric_type). MariaDB counts
// every field that has a signedness, and YEAR is one there (Field_year is a
// Field_tiny, always UNSIGNED). Measured on MariaDB 10.11 with each type
// before an INT UNSIGNED and an INT: TINYINT to BIGINT (BOOLEAN included),
// DECIMAL, FLOAT, DOUBLE (FLOAT(M,D) included) and YEAR take a bit, YEAR's
// set; BIT, the temporal types, CHAR/VARCHAR/BINARY/ENUM/SET, the TEXT and
// BLOB types, JSON, the geometry types, UUID, INET4 and INET6 take none.
// go-mysql's TableMapEvent.UnsignedMap follows MySQL's
// rule whatever the flavour, so on MariaDB every numeric column after a
// YEAR read its neighbour's bit: a signed INT after a YEAR became unsigned
// (-5 streamed as 4294967291, schema int64).
func signednessCounted(typ byte, mariadb bool) bool {
	switch typ {
	case gomysql.MYSQL_TYPE_TINY, gomysql.MYSQL_TYPE_SHORT, gomysql.MYSQL_TYPE_INT24, gomysql.MYSQL_TYPE_LONG, gomysql.MYSQL_TYPE_LONGLONG,
		gomysql.MYSQL_TYPE_NEWDECIMAL, gomysql.MYSQL_TYPE_FLOAT, gomysql.MYSQL_TYPE_DOUBLE:
		return true
	case gomysql.MYSQL_TYPE_YEAR:
		return mariadb
	}
	return false
}

// unsignedColumns reads the TABLE_MAP signedness bitmap: one bit per
// counted column (signednessCounted), most significant bit first, set for
// UNSIGNED. A column the bitmap does not cover is signed. Only TABLE_MAP
// column types can be counted: MYSQL_TYPE_STRING hides ENUM and SET, which
// neither server counts.
func unsignedColumns(ev *replication.TableMapEvent, mariadb bool) []bool {
	out := make([]bool, len(ev.ColumnType))
	bit := 0
	for i, typ := range ev.ColumnType {
		if !signednessCounted(typ, mariadb) {
			continue
		}
		if byteIdx := bit / 8; byteIdx < len(ev.SignednessBitmap) {
			out[i] = ev.SignednessBitmap[byteIdx]&(0x80>>(bit%8)) != 0
		}
		bit++
	}
	return out
}

func latin1All(vals []string) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = decodeLatin1(v)
	}
	return out
}

// MetaFromInformationSchema reads the column metadata of schema.table from
// information_schema.COLUMNS (and, for the primary key's order,
// information_schema.STATISTICS) over a go-mysql client connection: for the
// snapshot and for tables whose TABLE_MAP lacks metadata. It returns no
// columns for a table that does not exist. On MariaDB a LONGTEXT column with
// the json_valid CHECK constraint that JSON creates gets ColumnType "json".
// go-mysql's client has no cancellation: ctx is checked between queries.
func MetaFromInformationSchema(ctx context.Context, conn *client.Conn, schema, table string) ([]ColumnMeta, error) {
	where := " WHERE TABLE_SCHEMA = '" + gomysql.Escape(schema) + "' AND TABLE_NAME = '" + gomysql.Escape(table) + "'"
	r, err := conn.Execute(`SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, NUMERIC_PRECISION, NUMERIC_SCALE,
		DATETIME_PRECISION, CHARACTER_OCTET_LENGTH, CHARACTER_SET_NAME FROM information_schema.COLUMNS` + where + ` ORDER BY ORDINAL_POSITION`)
	if err != nil {
		return nil, fmt.Errorf("read columns of %s.%s: %w", schema, table, err)
	}
	var out []ColumnMeta
	for i := range r.Values {
		str := func(j int) string { s, _ := r.GetString(i, j); return s }
		num := func(j int) int {
			if null, _ := r.IsNull(i, j); null {
				return 0
			}
			u, err := r.GetUint(i, j)
			if err != nil || u > math.MaxInt32 {
				return 0
			}
			return int(u)
		}
		dataType := strings.ToLower(str(1))
		m := ColumnMeta{
			Name:       str(0),
			ColumnType: str(2),
			Nullable:   str(3) == "YES",
			Charset:    strings.ToLower(str(8)),
		}
		t, ok := typeByName[dataType]
		if !ok {
			return nil, &UnsupportedTypeError{Table: schema + "." + table, Column: m.Name, Type: m.ColumnType}
		}
		m.Type = t
		ct := parseColumnType(m.ColumnType)
		m.Unsigned = ct.unsigned
		switch t {
		case gomysql.MYSQL_TYPE_NEWDECIMAL:
			m.Precision, m.Scale = num(4), num(5)
		case gomysql.MYSQL_TYPE_BIT:
			m.Length = num(4)
		case gomysql.MYSQL_TYPE_TIME2, gomysql.MYSQL_TYPE_DATETIME2, gomysql.MYSQL_TYPE_TIMESTAMP2:
			m.FSP = num(6)
		case gomysql.MYSQL_TYPE_STRING, gomysql.MYSQL_TYPE_VARCHAR, gomysql.MYSQL_TYPE_BLOB:
			m.Length = num(7)
		case gomysql.MYSQL_TYPE_ENUM:
			m.EnumValues = ct.args
		case gomysql.MYSQL_TYPE_SET:
			m.SetValues = ct.args
		case gomysql.MYSQL_TYPE_GEOMETRY:
			m.GeometryType = dataType
			if dataType == "geomcollection" {
				m.GeometryType = "geometrycollection"
			}
		}
		if binaryTypeNames[dataType] {
			m.Charset = "binary"
		}
		out = append(out, m)
	}
	if len(out) == 0 {
		return nil, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r, err = conn.Execute(`SELECT COLUMN_NAME, SEQ_IN_INDEX FROM information_schema.STATISTICS` + where + ` AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX`)
	if err != nil {
		return nil, fmt.Errorf("read primary key of %s.%s: %w", schema, table, err)
	}
	for i := range r.Values {
		name, _ := r.GetString(i, 0)
		for j := range out {
			if strings.EqualFold(out[j].Name, name) {
				out[j].IsPrimaryKey, out[j].KeyPosition = true, i+1
			}
		}
	}
	if err := markMariaDBJSON(ctx, conn, schema, table, out); err != nil {
		return nil, err
	}
	return out, nil
}

// markMariaDBJSON sets ColumnType "json" on MariaDB's JSON columns: LONGTEXT
// with the CHECK (json_valid(`col`)) constraint JSON creates. MySQL has no
// TABLE_NAME in CHECK_CONSTRAINTS (and real JSON columns): the query fails
// there and nothing is marked.
func markMariaDBJSON(ctx context.Context, conn *client.Conn, schema, table string, cols []ColumnMeta) error {
	hasText := false
	for _, c := range cols {
		if c.Type == gomysql.MYSQL_TYPE_BLOB && c.Charset != "binary" {
			hasText = true
		}
	}
	if !hasText {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	r, err := conn.Execute(`SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = '` +
		gomysql.Escape(schema) + `' AND TABLE_NAME = '` + gomysql.Escape(table) + `'`)
	if err != nil {
		var myErr *gomysql.MyError
		if errors.As(err, &myErr) {
			return nil // no such table or column: not MariaDB 10.2+
		}
		return fmt.Errorf("read check constraints of %s.%s: %w", schema, table, err)
	}
	valid := map[string]bool{}
	for i := range r.Values {
		clause, _ := r.GetString(i, 0)
		if name, ok := jsonValidColumn(clause); ok {
			valid[name] = true
		}
	}
	for i := range cols {
		c := &cols[i]
		if c.Type == gomysql.MYSQL_TYPE_BLOB && c.Charset != "binary" && strings.EqualFold(parseColumnType(c.ColumnType).base, "longtext") && valid[c.Name] {
			c.ColumnType = "json"
		}
	}
	return nil
}

// jsonValidColumn returns col of a check clause "json_valid(`col`)".
func jsonValidColumn(clause string) (string, bool) {
	s := strings.TrimSpace(clause)
	const prefix = "json_valid(`"
	if len(s) < len(prefix)+2 || !strings.EqualFold(s[:len(prefix)], prefix) || !strings.HasSuffix(s, "`)") {
		return "", false
	}
	name := s[len(prefix) : len(s)-2]
	if strings.Contains(strings.ReplaceAll(name, "``", ""), "`") {
		return "", false
	}
	return strings.ReplaceAll(name, "``", "`"), true
}
