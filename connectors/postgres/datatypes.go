package postgres

// Type mapping: from a column's Postgres type to its Kafka Connect schema
// (change.Field) and a decoder from the Postgres TEXT form (what pgoutput
// sends, and what the snapshot reads with text result format) to the
// change.Row value. The mapping is Debezium's (PostgresValueConverter) under
// its default modes, so consumers of Debezium topics read ours unchanged.
//
// Default modes (decimal.handling.mode=precise, time.precision.mode=adaptive,
// binary.handling.mode=bytes, interval.handling.mode=numeric,
// hstore.handling.mode=json). "p" is the column's precision (typmod; time
// types without one have 6).
//
//	PG type                     Connect type, logical name (params)                       value
//	bool                        boolean                                                   true
//	bit(1), varbit(1)           boolean                                                   true
//	bit(n>1), varbit(n)         bytes io.debezium.data.Bits (length=n; varbit: 2147483647) little-endian bits, sized to the highest set bit ('0000' -> empty)
//	int2, int4, int8            int16, int32, int64                                       number
//	oid                         int64                                                     number
//	float4, float8              float, double                                             number (NaN, ±Infinity parsed)
//	numeric(p,s)                bytes org.apache.kafka.connect.data.Decimal (scale, connect.decimal.precision) unscaled two's complement, big-endian, minimal length
//	numeric                     struct io.debezium.data.VariableScaleDecimal {scale int32, value bytes}  trailing fraction zeros stripped
//	numeric NaN, ±Infinity      precise: null (ErrNulled; NOT NULL: an error naming the fix); double: NaN/±Inf; string: "NAN", "POSITIVE_INFINITY", "NEGATIVE_INFINITY"
//	money                       bytes Decimal (scale=2)                                   "$1,234.56", "-$1,234.56", "($1,234.56)" parsed
//	char, varchar, text, bpchar, name, citext, "char"   string                          text; bpchar keeps its padding
//	bytea                       bytes                                                     hex (\x..) or escape text form decoded
//	date                        int32 io.debezium.time.Date                               epoch days; streamed 'infinity' -2147472692, '-infinity' -2147472691; snapshot and date[] as the JDBC driver reads them (decodeDateJDBC)
//	time(p<=3) / time(p>3)      int32 io.debezium.time.Time ms / int64 io.debezium.time.MicroTime µs   since midnight ('24:00:00' allowed)
//	timestamp(p<=3) / (p>3)     int64 io.debezium.time.Timestamp ms / io.debezium.time.MicroTimestamp µs  wall clock as UTC; ±infinity -> 9223372036825200000 / -9223372036832400000 µs (÷1000 for ms)
//	timestamptz                 string io.debezium.time.ZonedTimestamp                    UTC ISO-8601, fraction padded to p digits (none for p=0); "infinity", "-infinity"
//	timetz                      string io.debezium.time.ZonedTime                         UTC, "10:15:30.1234Z" (fraction without trailing zeros)
//	interval                    int64 io.debezium.time.MicroDuration                      µs, month = 30.4375 days, computed in float64 as Debezium does
//	uuid, json, jsonb, xml      string io.debezium.data.Uuid / Json / Json / Xml          text as given
//	enum                        string io.debezium.data.Enum (allowed=a,b,c)              label
//	inet, cidr, macaddr, macaddr8, int4/int8/num/ts/tstz/date ranges   string             text
//	hstore                      string io.debezium.data.Json                              JSON object, keys in Debezium's (java.util.HashMap) order
//	ltree, tsvector             string io.debezium.data.Ltree / io.debezium.data.Tsvector text
//	point                       struct io.debezium.data.geometry.Point {x, y double; wkb bytes?; srid int32?}  wkb little-endian, srid null
//	geometry, geography (PostGIS)  struct io.debezium.data.geometry.Geometry / Geography {wkb bytes; srid int32?}  EWKB as stored, srid from it
//	arrays of the above         array of the element's mapping (elements optional; enum elements required, as Debezium)  one dimension only
//	domain                      its base type (with the domain's typmod)
//	anything else               Column.Unknown, Drop: left out; include.unknown.datatypes: binary mode's type, the text (geometric: Java's)  money[], name[], interval[], varbit[], xml[], point[] too (Debezium has no mapping)
//
// Other modes: decimal.handling.mode=double -> double, =string -> string
// (java.math.BigDecimal.toString, e.g. "1E-7"); time.precision.mode=
// adaptive_time_microseconds -> time is always MicroTime, =connect -> the
// org.apache.kafka.connect.data Date/Time/Timestamp (ms); binary.handling.mode=
// base64, base64-url-safe, hex -> string; interval.handling.mode=string ->
// string io.debezium.time.Interval "P1Y2M3DT4H5M6.78S". hstore.handling.mode=map
// is not supported.
//
// The text forms are PostgreSQL's under SessionParams (DateStyle=ISO,
// lc_monetary=C, extra_float_digits=1); money in another locale is an error.
//
// Known differences from Debezium: money in string mode is the plain decimal
// ("5.00", Debezium prints the Java double "5.0"); oid above 2^31 decodes
// (Debezium fails); timetz '24:00:00+02' is "22:00:00Z"
// (Debezium fails); bit[] is an array of the bit mapping (Debezium's schema for
// it is broken).

import (
	"bytes"
	"cmp"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/columns"
	"github.com/sluicecdc/sluice/connectors/connecttypes"
)

// SessionParams returns the run-time parameters the decoders rely on for
// the text forms they parse: dates in ISO order, money in the C locale's
// format, floats with all their digits. Set them (as startup parameters) on
// every connection whose text output reaches a Decode: the snapshot's, and
// the replication connection's, whose walsender formats pgoutput's values.
// TimeZone, IntervalStyle and bytea_output may be anything.
func SessionParams() map[string]string {
	return map[string]string{"DateStyle": "ISO", "lc_monetary": "C", "extra_float_digits": "1"}
}

// The value modes, as Debezium spells them in its configuration.
const (
	DecimalPrecise = "precise"
	DecimalDouble  = "double"
	DecimalString  = "string"

	TimeAdaptive             = "adaptive"
	TimeAdaptiveMicroseconds = "adaptive_time_microseconds"
	TimeConnect              = "connect"

	BinaryBytes         = "bytes"
	BinaryBase64        = "base64"
	BinaryBase64URLSafe = "base64-url-safe"
	BinaryHex           = "hex"

	IntervalNumeric = "numeric"
	IntervalString  = "string"

	HstoreJSON = "json"
	HstoreMap  = "map"

	// DefaultUnavailableValue is unavailable.value.placeholder's default.
	DefaultUnavailableValue = "__debezium_unavailable_value"
)

// TypeOptions are Debezium's value modes. The zero value means the defaults.
type TypeOptions struct {
	DecimalMode      string // decimal.handling.mode: "precise" (default), "double", "string"
	TimeMode         string // time.precision.mode: "adaptive" (default), "adaptive_time_microseconds", "connect"
	BinaryMode       string // binary.handling.mode: "bytes" (default), "base64", "base64-url-safe", "hex"
	IntervalMode     string // interval.handling.mode: "numeric" (default), "string"
	HstoreMode       string // hstore.handling.mode: "json" (default); "map" is not supported
	UnavailableValue string // unavailable.value.placeholder, default "__debezium_unavailable_value"
	// IncludeUnknown is include.unknown.datatypes: columns of a type
	// without a mapping are sent (in binary.handling.mode's representation)
	// instead of being left out of the records.
	IncludeUnknown bool
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
	check("time.precision.mode", o.TimeMode, TimeAdaptive, TimeAdaptiveMicroseconds, TimeConnect)
	check("binary.handling.mode", o.BinaryMode, BinaryBytes, BinaryBase64, BinaryBase64URLSafe, BinaryHex)
	check("interval.handling.mode", o.IntervalMode, IntervalNumeric, IntervalString)
	check("hstore.handling.mode", o.HstoreMode, HstoreJSON)
	return errors.Join(errs...)
}

func (o TypeOptions) withDefaults() TypeOptions {
	if o.DecimalMode == "" {
		o.DecimalMode = DecimalPrecise
	}
	if o.TimeMode == "" {
		o.TimeMode = TimeAdaptive
	}
	if o.BinaryMode == "" {
		o.BinaryMode = BinaryBytes
	}
	if o.IntervalMode == "" {
		o.IntervalMode = IntervalNumeric
	}
	if o.HstoreMode == "" {
		o.HstoreMode = HstoreJSON
	}
	if o.UnavailableValue == "" {
		o.UnavailableValue = DefaultUnavailableValue
	}
	return o
}

// Column describes one table column as sluice maps it.
type Column struct {
	// Field is the Connect schema: Name (the column name), Type, Optional
	// (= !notNull), Logical, Version, Params, Fields/Elem, SourceType.
	Field change.Field
	// Decode turns the column's text form into its change.Row value. NULL
	// never reaches it: the caller handles NULL. Decode does not keep text.
	// Its errors name the type, not the column: the caller adds that.
	Decode func(text []byte) (any, error)
	// SnapshotDecode decodes the snapshot's values of the column; it is
	// Decode except where Debezium's snapshot, which reads through the JDBC
	// driver, sees a value differently from the stream (infinite and BC
	// dates).
	SnapshotDecode func(text []byte) (any, error)
	// Unknown is true when sluice (and Debezium) has no mapping for the type.
	// Without IncludeUnknown the column is left out of the records (Drop),
	// as Debezium leaves it out; its Field and Decode then give the text
	// form as a string, for a caller that must keep it (a key column). With
	// IncludeUnknown it is binary.handling.mode's type: the text form's
	// bytes, or null for the geometric types (see unknownMapping). The
	// caller logs a warning once per column.
	Unknown bool
	// Drop is set when the column is to be left out of the records.
	Drop bool
	// StreamNull is set when Decode gives null (the fallback in a NOT NULL
	// column) whatever the value, as Debezium streams a name column without
	// include.unknown.datatypes; SnapshotDecode reads the value.
	StreamNull bool
	// Nulls is set when Decode may fail with ErrNulled: the value is one
	// Debezium cannot convert and sends as null (numeric NaN and ±Infinity
	// under decimal.handling.mode=precise). The caller stores null and
	// warns once per column. A NOT NULL column never gets ErrNulled: its
	// Decode fails instead, as Debezium's task does.
	Nulls bool
	// Fallback is the value a NOT NULL column gets in a delete's before image
	// under REPLICA IDENTITY DEFAULT ("", 0, false, ...), as Debezium does.
	Fallback any
	// Unavailable is the value for an unchanged TOASTed value that the WAL
	// does not carry (unavailable.value.placeholder in the column's
	// representation: the string, its bytes, a one-element array ...), or nil
	// when the type has no such representation.
	Unavailable any
}

// maxDomainDepth bounds the domain-over-domain chain MapColumn follows.
const maxDomainDepth = 32

// MapColumn maps one column. typmod is pg_attribute.atttypmod (-1 when
// none); notNull is pg_attribute.attnotnull. Types that are not built in
// are loaded from pg_type with q. A type without a mapping is no error: the
// Column is Unknown. Errors are invalid options and failed catalog lookups.
func MapColumn(ctx context.Context, cat *TypeCatalog, q Querier, name string, typeOID uint32, typmod int32, notNull bool, opts TypeOptions) (Column, error) {
	if err := opts.Validate(); err != nil {
		return Column{}, fmt.Errorf("map column %q: %w", name, err)
	}
	opts = opts.withDefaults()
	declared, err := cat.Lookup(ctx, q, typeOID)
	if err != nil {
		return Column{}, fmt.Errorf("map column %q: %w", name, err)
	}
	t, typmod, err := resolveDomain(ctx, cat, q, declared, typmod)
	if err != nil {
		return Column{}, fmt.Errorf("map column %q: %w", name, err)
	}

	var m mapping
	sourceType := formatType(declared, typmod)
	if t.IsArray() {
		elem, err := cat.Lookup(ctx, q, t.ElemOID)
		if err != nil {
			return Column{}, fmt.Errorf("map column %q: element of %s: %w", name, t.Name, err)
		}
		elem, etypmod, err := resolveDomain(ctx, cat, q, elem, typmod)
		if err != nil {
			return Column{}, fmt.Errorf("map column %q: %w", name, err)
		}
		m = mapArray(elem, etypmod, opts)
		if declared.Type != 'd' {
			sourceType = formatType(elem, etypmod) + "[]"
		}
	} else {
		m = mapScalar(t, typmod, opts)
	}
	if m.decode == nil {
		m = unknownMapping(t, opts)
	}

	f := m.field
	f.Name = name
	f.Optional = !notNull
	f.SourceType = sourceType
	typeName := sourceType
	wrap := func(decode func([]byte) (any, error)) func([]byte) (any, error) {
		return func(text []byte) (any, error) {
			v, err := decode(text)
			if err != nil {
				if m.nulls && errors.Is(err, ErrNulled) {
					if notNull {
						return nil, fmt.Errorf("%s: %w; the column is NOT NULL, so the value cannot be sent as null either (Debezium's task fails here too)", typeName, err)
					}
					return nil, err
				}
				return nil, fmt.Errorf("%s: %w", typeName, err) // callers name the table and column
			}
			return v, nil
		}
	}
	col := Column{
		Field:       f,
		Decode:      wrap(m.decode),
		Unknown:     m.unknown,
		Drop:        m.unknown && !opts.IncludeUnknown,
		Nulls:       m.nulls && !notNull,
		Fallback:    m.fallback,
		Unavailable: unavailableValue(t, f, opts),
	}
	col.SnapshotDecode = col.Decode
	if m.snapshotDecode != nil {
		col.SnapshotDecode = wrap(m.snapshotDecode)
	}
	if m.streamNull && !opts.IncludeUnknown {
		col.StreamNull = true
		var v any
		if notNull {
			v = m.fallback
		}
		col.Decode = func([]byte) (any, error) { return v, nil }
	}
	return col, nil
}

// resolveDomain follows domains to their base type. A column on a domain has
// typmod -1; the domain's own typmod (numeric(10,2) in CREATE DOMAIN ... AS
// numeric(10,2)) then applies.
func resolveDomain(ctx context.Context, cat *TypeCatalog, q Querier, t TypeInfo, typmod int32) (TypeInfo, int32, error) {
	for depth := 0; t.Type == 'd'; depth++ {
		if depth == maxDomainDepth {
			return TypeInfo{}, 0, fmt.Errorf("domain %s: more than %d nested domains", t.Name, maxDomainDepth)
		}
		if typmod < 0 {
			typmod = t.BaseTypmod
		}
		base, err := cat.Lookup(ctx, q, t.BaseOID)
		if err != nil {
			return TypeInfo{}, 0, fmt.Errorf("base type of domain %s: %w", t.Name, err)
		}
		t = base
	}
	return t, typmod, nil
}

// mapping is a type's schema and decoder, before the column's name and
// optionality are applied.
type mapping struct {
	field  change.Field
	decode func([]byte) (any, error)
	// snapshotDecode, when set, decodes the snapshot's values instead of
	// decode (Debezium reads them through the JDBC driver, which sees some
	// values differently from the stream's text).
	snapshotDecode func([]byte) (any, error)
	fallback       any
	unknown        bool
	// nulls is set when decode may return ErrNulled: a value Debezium
	// cannot convert, which it sends as null.
	nulls bool
	// streamNull is set for a type Debezium's pgoutput decoder does not
	// know (name): it streams null (its type's fallback in a NOT NULL
	// column) unless include.unknown.datatypes is set; its snapshot reads
	// the value.
	streamNull bool
}

// geometricOIDs are the geometric types Debezium has no mapping for (point
// has one). With include.unknown.datatypes=true Debezium reads them as the
// JDBC driver's PGbox, PGcircle, PGline, PGlseg, PGpath and PGpolygon and
// sends the bytes of their getValue(): PostgreSQL's text with every number
// printed as Java prints a double ("(3,4),(1,2)" is "(3.0,4.0),(1.0,2.0)").
var geometricOIDs = map[uint32]bool{601: true /* lseg */, 602: true /* path */, 603: true /* box */, 604: true /* polygon */, 628: true /* line */, 718: true /* circle */}

// unknownMapping is the mapping of type t, which has none. Without
// include.unknown.datatypes it is the text form as a string (the column is
// dropped unless the caller must keep it); with it, Debezium's: the schema
// of binary.handling.mode and the text form's UTF-8 bytes in that
// representation (for the geometric types, the JDBC driver's text).
func unknownMapping(t TypeInfo, opts TypeOptions) mapping {
	if !opts.IncludeUnknown {
		return mapping{field: change.Field{Type: change.String}, decode: decodeText, fallback: "", unknown: true}
	}
	m := mapping{field: change.Field{Type: change.Bytes}, fallback: []byte{}, unknown: true}
	var encode func([]byte) any
	switch opts.BinaryMode {
	case BinaryBase64:
		encode = func(b []byte) any { return base64.StdEncoding.EncodeToString(b) }
	case BinaryBase64URLSafe:
		encode = func(b []byte) any { return base64.URLEncoding.EncodeToString(b) }
	case BinaryHex:
		encode = func(b []byte) any { return hex.EncodeToString(b) }
	default:
		encode = func(b []byte) any { return bytes.Clone(b) }
	}
	if opts.BinaryMode != BinaryBytes {
		m.field, m.fallback = change.Field{Type: change.String}, ""
	}
	if geometricOIDs[t.OID] {
		m.decode = func(b []byte) (any, error) {
			g, err := javaGeometricText(b)
			if err != nil {
				return nil, err
			}
			return encode(g), nil
		}
		return m
	}
	m.decode = func(b []byte) (any, error) { return encode(b), nil }
	return m
}

// javaGeometricText rewrites a geometric value's PostgreSQL text with each
// number as Java's Double.toString prints it, as the JDBC driver's PGbox
// etc. print themselves: the punctuation ()[]<>{}, stays, every number
// between is reformatted.
func javaGeometricText(b []byte) ([]byte, error) {
	out := make([]byte, 0, len(b)+16)
	for i := 0; i < len(b); {
		switch c := b[i]; c {
		case '(', ')', '[', ']', '<', '>', '{', '}', ',':
			out = append(out, c)
			i++
			continue
		case ' ':
			i++
			continue
		}
		j := i
		for j < len(b) && !strings.ContainsRune("()[]<>{}, ", rune(b[j])) {
			j++
		}
		f, err := strconv.ParseFloat(string(b[i:j]), 64)
		if err != nil {
			return nil, fmt.Errorf("invalid number %q in geometric value %q", b[i:j], b)
		}
		out = change.AppendJavaFloat(out, f, 64)
		i = j
	}
	return out, nil
}

// Built-in type OIDs sluice maps.
const (
	oidBool        = 16
	oidBytea       = 17
	oidChar        = 18
	oidName        = 19
	oidInt8        = 20
	oidInt2        = 21
	oidInt4        = 23
	oidText        = 25
	oidOID         = 26
	oidJSON        = 114
	oidXML         = 142
	oidPoint       = 600
	oidCIDR        = 650
	oidFloat4      = 700
	oidFloat8      = 701
	oidMacaddr8    = 774
	oidMoney       = 790
	oidMacaddr     = 829
	oidInet        = 869
	oidBPChar      = 1042
	oidVarchar     = 1043
	oidDate        = 1082
	oidTime        = 1083
	oidTimestamp   = 1114
	oidTimestamptz = 1184
	oidInterval    = 1186
	oidTimetz      = 1266
	oidBit         = 1560
	oidVarbit      = 1562
	oidNumeric     = 1700
	oidUUID        = 2950
	oidTsvector    = 3614
	oidJSONB       = 3802
	oidInt4range   = 3904
	oidNumrange    = 3906
	oidTsrange     = 3908
	oidTstzrange   = 3910
	oidDaterange   = 3912
	oidInt8range   = 3926
)

// mapScalar maps a non-array, non-domain type. A mapping without decode
// means the type is unknown.
func mapScalar(t TypeInfo, typmod int32, opts TypeOptions) mapping {
	if t.Type == 'e' {
		return mapping{
			field:    connecttypes.Logical(change.String, connecttypes.NameEnum, change.Param{Key: "allowed", Value: strings.Join(t.EnumLabels, ",")}),
			decode:   decodeText,
			fallback: "",
		}
	}
	switch t.OID {
	case oidBool:
		return mapping{field: change.Field{Type: change.Boolean}, decode: decodeBool, fallback: false}
	case oidInt2:
		return mapping{field: change.Field{Type: change.Int16}, decode: decodeInt16, fallback: int16(0)}
	case oidInt4:
		return mapping{field: change.Field{Type: change.Int32}, decode: decodeInt32, fallback: int32(0)}
	case oidInt8:
		return mapping{field: change.Field{Type: change.Int64}, decode: decodeInt64, fallback: int64(0)}
	case oidOID:
		return mapping{field: change.Field{Type: change.Int64}, decode: decodeOID, fallback: int64(0)}
	case oidFloat4:
		return mapping{field: change.Field{Type: change.Float32}, decode: decodeFloat32, fallback: float32(0)}
	case oidFloat8:
		return mapping{field: change.Field{Type: change.Float64}, decode: decodeFloat64, fallback: float64(0)}
	case oidNumeric:
		return mapNumeric(typmod, opts)
	case oidMoney:
		return mapMoney(opts)
	case oidName:
		return mapping{field: change.Field{Type: change.String}, decode: decodeText, fallback: "", streamNull: true}
	case oidChar, oidText, oidVarchar, oidBPChar,
		oidInet, oidCIDR, oidMacaddr, oidMacaddr8,
		oidInt4range, oidInt8range, oidNumrange, oidTsrange, oidTstzrange, oidDaterange:
		return mapping{field: change.Field{Type: change.String}, decode: decodeText, fallback: ""}
	case oidUUID:
		return mapping{field: connecttypes.Logical(change.String, connecttypes.NameUUID), decode: decodeText, fallback: ""}
	case oidJSON, oidJSONB:
		return mapping{field: connecttypes.Logical(change.String, connecttypes.NameJSON), decode: decodeText, fallback: ""}
	case oidXML:
		return mapping{field: connecttypes.Logical(change.String, connecttypes.NameXML), decode: decodeText, fallback: ""}
	case oidTsvector:
		return mapping{field: connecttypes.Logical(change.String, connecttypes.NameTsvector), decode: decodeText, fallback: ""}
	case oidBytea:
		return mapBytea(opts)
	case oidDate:
		return mapDate(opts)
	case oidTime:
		return mapTime(timePrecision(typmod), opts)
	case oidTimestamp:
		return mapTimestamp(timePrecision(typmod), opts)
	case oidTimestamptz:
		p := timePrecision(typmod)
		return mapping{
			field:    connecttypes.Logical(change.String, connecttypes.NameZonedTimestamp),
			decode:   func(b []byte) (any, error) { return decodeTimestamptz(b, p) },
			fallback: "1970-01-01T00:00:00Z",
		}
	case oidTimetz:
		return mapping{field: connecttypes.Logical(change.String, connecttypes.NameZonedTime), decode: decodeTimetz, fallback: "00:00:00Z"}
	case oidInterval:
		return mapInterval(opts)
	case oidBit, oidVarbit:
		return mapBits(t.OID, typmod)
	case oidPoint:
		return mapping{field: connecttypes.Point(), decode: decodePoint, fallback: connecttypes.PointValue(0, 0)}
	}
	if t.Type != 'b' {
		return mapping{}
	}
	// Extension types have no fixed OID; Debezium recognises them by name.
	switch t.Name {
	case "citext", "isbn":
		return mapping{field: change.Field{Type: change.String}, decode: decodeText, fallback: ""}
	case "ltree":
		return mapping{field: connecttypes.Logical(change.String, connecttypes.NameLtree), decode: decodeText, fallback: ""}
	case "hstore":
		return mapping{field: connecttypes.Logical(change.String, connecttypes.NameJSON), decode: decodeHstoreJSON, fallback: "{}"}
	case "geometry":
		return mapping{field: connecttypes.Geometry(connecttypes.NameGeometry, "Geometry"), decode: decodeGeometry, fallback: connecttypes.EmptyGeometry()}
	case "geography":
		return mapping{field: connecttypes.Geometry(connecttypes.NameGeography, "Geography"), decode: decodeGeometry, fallback: connecttypes.EmptyGeometry()}
	}
	return mapping{}
}

// noArrayElems are the element types whose arrays Debezium has no mapping
// for (PostgresValueConverter: MONEY_ARRAY, NAME_ARRAY, INTERVAL_ARRAY,
// VARBIT_ARRAY, XML_ARRAY, POINT_ARRAY).
var noArrayElems = map[uint32]bool{oidMoney: true, oidName: true, oidInterval: true, oidVarbit: true, oidXML: true, oidPoint: true}

// mapArray maps an array whose (domain-resolved) element type is elem.
func mapArray(elem TypeInfo, typmod int32, opts TypeOptions) mapping {
	if elem.IsArray() || noArrayElems[elem.OID] {
		return mapping{}
	}
	em := mapScalar(elem, typmod, opts)
	if em.decode == nil {
		return mapping{}
	}
	ef := em.field
	// Debezium declares array elements optional, except enum elements.
	ef.Optional = elem.Type != 'e'
	decode := em.decode
	switch elem.OID {
	case oidDate:
		// Debezium reads array elements through the JDBC driver's PgArray,
		// in the snapshot and in the stream alike.
		decode = decodeDateJDBC
	case oidNumeric:
		// The driver's PgArray cannot read a numeric NaN or ±Infinity
		// element: Debezium sends the array as null in every
		// decimal.handling.mode (measured against 3.6.1).
		inner := decode
		decode = func(b []byte) (any, error) {
			switch string(b) {
			case "NaN", "Infinity", "-Infinity":
				return nil, fmt.Errorf("numeric %s in an array: %w", b, ErrNulled)
			}
			return inner(b)
		}
	}
	return mapping{
		// An element Debezium cannot convert makes the whole array null.
		nulls: em.nulls || elem.OID == oidDate || elem.OID == oidNumeric,
		field: change.Field{Type: change.Array, Elem: &ef},
		decode: func(b []byte) (any, error) {
			elems, err := parseArrayLiteral(b)
			if err != nil {
				return nil, err
			}
			out := make([]any, len(elems))
			for i, e := range elems {
				if e == nil {
					continue
				}
				v, err := decode(e)
				if err != nil {
					return nil, fmt.Errorf("array element %d: %w", i+1, err)
				}
				out[i] = v
			}
			return out, nil
		},
		fallback: []any{},
	}
}

// timePrecision is the fractional-second precision of a time type's typmod
// (-1: the default 6).
func timePrecision(typmod int32) int {
	if typmod < 0 || typmod > 6 {
		return 6
	}
	return int(typmod)
}

// formatType names a type with its modifiers, for Field.SourceType.
func formatType(t TypeInfo, typmod int32) string {
	if typmod < 0 || t.Type == 'd' {
		return t.Name
	}
	switch t.OID {
	case oidVarchar, oidBPChar:
		if typmod >= 4 {
			return fmt.Sprintf("%s(%d)", t.Name, typmod-4)
		}
	case oidNumeric:
		p, s, ok := numericTypmod(typmod)
		if ok {
			return fmt.Sprintf("numeric(%d,%d)", p, s)
		}
	case oidTime, oidTimetz, oidTimestamp, oidTimestamptz, oidBit, oidVarbit:
		return fmt.Sprintf("%s(%d)", t.Name, typmod)
	}
	return t.Name
}

// --- simple types -----------------------------------------------------------

func decodeText(b []byte) (any, error) { return string(b), nil }

func decodeBool(b []byte) (any, error) {
	switch string(b) {
	case "t", "true":
		return true, nil
	case "f", "false":
		return false, nil
	}
	return nil, fmt.Errorf("invalid boolean %q", b)
}

func decodeInt16(b []byte) (any, error) {
	v, err := strconv.ParseInt(string(b), 10, 16)
	if err != nil {
		return nil, fmt.Errorf("invalid int2 %q", b)
	}
	return int16(v), nil
}

func decodeInt32(b []byte) (any, error) {
	v, err := strconv.ParseInt(string(b), 10, 32)
	if err != nil {
		return nil, fmt.Errorf("invalid int4 %q", b)
	}
	return int32(v), nil
}

func decodeInt64(b []byte) (any, error) {
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("invalid int8 %q", b)
	}
	return v, nil
}

func decodeOID(b []byte) (any, error) {
	v, err := strconv.ParseUint(string(b), 10, 32)
	if err != nil {
		return nil, fmt.Errorf("invalid oid %q", b)
	}
	return int64(v), nil
}

func decodeFloat32(b []byte) (any, error) {
	v, err := strconv.ParseFloat(string(b), 32)
	if err != nil {
		return nil, fmt.Errorf("invalid float4 %q", b)
	}
	return float32(v), nil
}

func decodeFloat64(b []byte) (any, error) {
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return nil, fmt.Errorf("invalid float8 %q", b)
	}
	return v, nil
}

// --- numeric and money ------------------------------------------------------

// numericTypmod splits a numeric typmod into precision and scale (PostgreSQL
// 15 allows a negative scale, stored as an 11-bit signed number).
func numericTypmod(typmod int32) (precision, scale int32, ok bool) {
	if typmod < 4 {
		return 0, 0, false
	}
	t := typmod - 4
	precision = (t >> 16) & 0xffff
	scale = ((t & 0x7ff) ^ 1024) - 1024
	return precision, scale, true
}

// ErrNulled is wrapped by the error of a decoder whose value Debezium cannot
// convert and sends as null (its event.converting.failure.handling.mode=warn
// default): see Column.Nulls.
var ErrNulled = errors.New("value sent as null")

// ErrNumericSpecial is wrapped, with ErrNulled, by the error a numeric NaN or
// ±Infinity causes under decimal.handling.mode=precise.
var ErrNumericSpecial = errors.New("numeric NaN or Infinity cannot be represented as a Decimal; set decimal.handling.mode=string (or double) to capture it")

// errNumericSpecial is the error of a special numeric value in precise mode.
func errNumericSpecial(special string) error {
	return fmt.Errorf("%s: %w (%w)", special, ErrNumericSpecial, ErrNulled)
}

// decimal is a parsed numeric: a change.Decimal, or one of numeric's
// special values.
type decimal struct {
	change.Decimal
	special string // "", "NaN", "Infinity", "-Infinity"
}

// maxNumericDigits bounds the digits decodeNumeric accepts (PostgreSQL's
// numeric holds up to 131072 digits before and 16383 after the point).
const maxNumericDigits = 131072 + 16383

// parseDecimal parses PostgreSQL's numeric text form: [-]digits[.digits],
// NaN, Infinity or -Infinity. An exponent (numeric input syntax, never
// output) is accepted too.
func parseDecimal(b []byte) (decimal, error) {
	switch string(b) {
	case "NaN", "Infinity", "-Infinity":
		return decimal{special: string(b)}, nil
	}
	d, err := change.ParseDecimal(b, maxNumericDigits)
	if err != nil {
		return decimal{}, fmt.Errorf("invalid numeric %q: %w", b, err)
	}
	return decimal{Decimal: d}, nil
}

// rescale is change.Decimal.Rescale for a finite numeric.
func (d decimal) rescale(scale int32) (decimal, error) {
	x, err := d.Rescale(scale)
	return decimal{Decimal: x}, err
}

// stripTrailingZeros is change.Decimal.StripTrailingZeros for a finite
// numeric.
func (d decimal) stripTrailingZeros() decimal {
	return decimal{Decimal: d.StripTrailingZeros()}
}

// float64 returns the nearest float64, NaN and ±Inf for the special values.
func (d decimal) float64() float64 {
	switch d.special {
	case "NaN":
		return math.NaN()
	case "Infinity":
		return math.Inf(1)
	case "-Infinity":
		return math.Inf(-1)
	}
	return d.Float64()
}

// specialName is Debezium's string for a special value in string mode.
func (d decimal) specialName() string {
	switch d.special {
	case "NaN":
		return "NAN"
	case "Infinity":
		return "POSITIVE_INFINITY"
	}
	return "NEGATIVE_INFINITY"
}

func variableScaleDecimalField() change.Field {
	f := connecttypes.Logical(change.Struct, connecttypes.NameVariableScaleDecimal)
	f.Doc = "Variable scaled decimal"
	f.Fields = []change.Field{
		{Name: "scale", Type: change.Int32},
		{Name: "value", Type: change.Bytes},
	}
	return f
}

func mapNumeric(typmod int32, opts TypeOptions) mapping {
	precision, scale, fixed := numericTypmod(typmod)
	switch opts.DecimalMode {
	case DecimalDouble:
		return mapping{field: change.Field{Type: change.Float64}, decode: decodeNumericDouble, fallback: float64(0)}
	case DecimalString:
		fallback := "0"
		if fixed && scale > 0 {
			fallback = "0." + strings.Repeat("0", int(scale))
		}
		return mapping{
			field: change.Field{Type: change.String},
			decode: func(b []byte) (any, error) {
				d, err := parseDecimal(b)
				if err != nil {
					return nil, err
				}
				if d.special != "" {
					return d.specialName(), nil
				}
				if fixed {
					if d, err = d.rescale(scale); err != nil {
						return nil, err
					}
				}
				return d.JavaString(), nil
			},
			fallback: fallback,
		}
	}
	if !fixed {
		return mapping{
			field: variableScaleDecimalField(),
			decode: func(b []byte) (any, error) {
				d, err := parseDecimal(b)
				if err != nil {
					return nil, err
				}
				if d.special != "" {
					return nil, errNumericSpecial(d.special)
				}
				d = d.stripTrailingZeros()
				return change.StructValue{d.Scale, d.UnscaledBytes()}, nil
			},
			fallback: change.StructValue{int32(0), []byte{0}},
			nulls:    true,
		}
	}
	return mapping{
		field: connecttypes.Decimal(scale, precision, true),
		decode: func(b []byte) (any, error) {
			d, err := parseDecimal(b)
			if err != nil {
				return nil, err
			}
			if d.special != "" {
				return nil, errNumericSpecial(d.special)
			}
			if d, err = d.rescale(scale); err != nil {
				return nil, err
			}
			return d.UnscaledBytes(), nil
		},
		fallback: []byte{0},
		nulls:    true,
	}
}

func decodeNumericDouble(b []byte) (any, error) {
	d, err := parseDecimal(b)
	if err != nil {
		return nil, err
	}
	return d.float64(), nil
}

// moneyScale is money.fraction.digits' default.
const moneyScale = 2

// parseMoney parses money's text form as PostgreSQL writes it under
// lc_monetary=C: "$1,234.56", "-$1,234.56" (and "($1,234.56)"). Other locales
// write other symbols and separators ("1.234,56 €"); rather than guess, they
// are an error that names the fix.
func parseMoney(b []byte) (decimal, error) {
	s := bytes.TrimSpace(b)
	neg := false
	if len(s) >= 2 && s[0] == '(' && s[len(s)-1] == ')' {
		neg, s = true, s[1:len(s)-1]
	}
	if len(s) > 0 && s[0] == '-' {
		neg, s = !neg, s[1:]
	}
	s = bytes.TrimPrefix(s, []byte{'$'})
	if len(s) > 0 && s[0] == '-' {
		neg, s = !neg, s[1:]
	}
	clean := make([]byte, 0, len(s))
	point := false
	for i, c := range s {
		switch {
		case c >= '0' && c <= '9':
			clean = append(clean, c)
		case c == ',' && !point && i > 0:
		case c == '.' && !point:
			point = true
			clean = append(clean, c)
		default:
			return decimal{}, fmt.Errorf("money %q is not in the C locale's format; set lc_monetary to 'C' for sluice's connections", b)
		}
	}
	d, err := parseDecimal(clean)
	if err == nil {
		d, err = d.rescale(moneyScale)
	}
	if err != nil {
		return decimal{}, fmt.Errorf("invalid money %q: %w", b, err)
	}
	d.Neg = neg && d.Digits != "0"
	return d, nil
}

func mapMoney(opts TypeOptions) mapping {
	switch opts.DecimalMode {
	case DecimalDouble:
		return mapping{
			field: change.Field{Type: change.Float64},
			decode: func(b []byte) (any, error) {
				d, err := parseMoney(b)
				if err != nil {
					return nil, err
				}
				return d.float64(), nil
			},
			fallback: float64(0),
		}
	case DecimalString:
		return mapping{
			field: change.Field{Type: change.String},
			decode: func(b []byte) (any, error) {
				d, err := parseMoney(b)
				if err != nil {
					return nil, err
				}
				return d.JavaString(), nil
			},
			fallback: "0.00",
		}
	}
	return mapping{
		field: connecttypes.Decimal(moneyScale, 0, false),
		decode: func(b []byte) (any, error) {
			d, err := parseMoney(b)
			if err != nil {
				return nil, err
			}
			return d.UnscaledBytes(), nil
		},
		fallback: []byte{0},
	}
}

// --- bytea ------------------------------------------------------------------

// decodeByteaText decodes bytea's text form: hex ("\x0a0b") or, with
// bytea_output=escape, printable bytes with \\ and \ooo escapes.
func decodeByteaText(b []byte) ([]byte, error) {
	if len(b) >= 2 && b[0] == '\\' && b[1] == 'x' {
		out := make([]byte, hex.DecodedLen(len(b)-2))
		if _, err := hex.Decode(out, b[2:]); err != nil {
			return nil, fmt.Errorf("invalid bytea hex: %w", err)
		}
		return out, nil
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		if i+1 < len(b) && b[i+1] == '\\' {
			out = append(out, '\\')
			i++
			continue
		}
		if i+3 < len(b) && isOctal(b[i+1]) && isOctal(b[i+2]) && isOctal(b[i+3]) && b[i+1] <= '3' {
			out = append(out, (b[i+1]-'0')<<6|(b[i+2]-'0')<<3|(b[i+3]-'0'))
			i += 3
			continue
		}
		return nil, fmt.Errorf("invalid bytea escape at byte %d", i)
	}
	return out, nil
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

func mapBytea(opts TypeOptions) mapping {
	var encode func([]byte) any
	switch opts.BinaryMode {
	case BinaryBase64:
		encode = func(b []byte) any { return base64.StdEncoding.EncodeToString(b) }
	case BinaryBase64URLSafe:
		encode = func(b []byte) any { return base64.URLEncoding.EncodeToString(b) }
	case BinaryHex:
		encode = func(b []byte) any { return hex.EncodeToString(b) }
	default:
		return mapping{
			field: change.Field{Type: change.Bytes},
			decode: func(b []byte) (any, error) {
				v, err := decodeByteaText(b)
				if err != nil {
					return nil, err
				}
				return v, nil
			},
			fallback: []byte{},
		}
	}
	return mapping{
		field: change.Field{Type: change.String},
		decode: func(b []byte) (any, error) {
			v, err := decodeByteaText(b)
			if err != nil {
				return nil, err
			}
			return encode(v), nil
		},
		fallback: "",
	}
}

// --- bits -------------------------------------------------------------------

// varbitMaxLength is the length Debezium gives a varbit without one.
const varbitMaxLength = 2147483647

func mapBits(oid uint32, typmod int32) mapping {
	length := int(typmod)
	if typmod < 0 {
		length = 1
		if oid == oidVarbit {
			length = varbitMaxLength
		}
	}
	if length <= 1 {
		return mapping{field: change.Field{Type: change.Boolean}, decode: decodeBit, fallback: false}
	}
	return mapping{
		field:    connecttypes.Logical(change.Bytes, connecttypes.NameBits, change.Param{Key: "length", Value: strconv.Itoa(length)}),
		decode:   decodeBits,
		fallback: []byte{},
	}
}

func decodeBit(b []byte) (any, error) {
	set := false
	for _, c := range b {
		switch c {
		case '1':
			set = true
		case '0':
		default:
			return nil, fmt.Errorf("invalid bit string %q", b)
		}
	}
	return set, nil // an empty varbit(1) is false
}

// decodeBits turns a bit string ("0101", most significant bit first) into
// Debezium's Bits value: java.util.BitSet.toByteArray of the bits, i.e.
// little-endian, as long as the highest set bit needs.
func decodeBits(b []byte) (any, error) {
	n := len(b)
	high := -1
	for i := 0; i < n; i++ {
		switch b[i] {
		case '1':
			if high < 0 {
				high = n - 1 - i
			}
		case '0':
		default:
			return nil, fmt.Errorf("invalid bit string %q", b)
		}
	}
	out := make([]byte, (high+8)/8)
	for i := 0; i <= high; i++ {
		if b[n-1-i] == '1' {
			out[i/8] |= 1 << (i % 8)
		}
	}
	return out, nil
}

// --- dates and times --------------------------------------------------------

const (
	microsPerSecond = 1_000_000
	microsPerDay    = 86_400 * microsPerSecond
)

// Debezium's values for the infinite dates: PostgreSQL's DATEVAL_NOEND /
// NOBEGIN converted to epoch days in 32-bit arithmetic (so +infinity wraps
// around to just below -infinity).
const (
	dateInfinityDays    int32 = math.MinInt32 + 10956
	dateNegInfinityDays int32 = math.MinInt32 + 10957
)

// Debezium's values for the infinite timestamps (PGStatement's
// DATE_POSITIVE_INFINITY / DATE_NEGATIVE_INFINITY, taken as µs since epoch).
const (
	timestampInfinityMicros    int64 = 9223372036825200000
	timestampNegInfinityMicros int64 = -9223372036832400000
)

// textScanner reads the fixed layouts of PostgreSQL's date/time output
// (DateStyle ISO).
type textScanner struct {
	s   []byte
	i   int
	err bool
}

func (p *textScanner) digits(min, max int) int64 {
	start := p.i
	var v int64
	for p.i < len(p.s) && p.i-start < max && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		v = v*10 + int64(p.s[p.i]-'0')
		p.i++
	}
	if p.i-start < min {
		p.err = true
	}
	return v
}

func (p *textScanner) lit(c byte) {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return
	}
	p.err = true
}

func (p *textScanner) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *textScanner) done() bool { return p.i == len(p.s) }

// date reads "YYYY-MM-DD" and returns its epoch day (before any BC).
func (p *textScanner) date() (y, m, d int64) {
	y = p.digits(1, 9)
	p.lit('-')
	m = p.digits(2, 2)
	p.lit('-')
	d = p.digits(2, 2)
	if m < 1 || m > 12 || d < 1 || d > 31 {
		p.err = true
	}
	return y, m, d
}

// clock reads "HH:MM:SS[.ffffff]" and returns µs since midnight.
func (p *textScanner) clock() int64 {
	h := p.digits(2, 2)
	p.lit(':')
	mi := p.digits(2, 2)
	p.lit(':')
	s := p.digits(2, 2)
	var frac int64
	if p.peek() == '.' {
		p.i++
		start := p.i
		frac = p.digits(1, 6)
		for n := p.i - start; n < 6; n++ {
			frac *= 10
		}
	}
	if h > 24 || mi > 59 || s > 60 {
		p.err = true
	}
	return ((h*60+mi)*60+s)*microsPerSecond + frac
}

// offset reads "+HH[:MM[:SS]]" and returns seconds east of UTC.
func (p *textScanner) offset() int64 {
	sign := int64(1)
	switch p.peek() {
	case '+':
	case '-':
		sign = -1
	default:
		p.err = true
		return 0
	}
	p.i++
	secs := p.digits(2, 2) * 3600
	if p.peek() == ':' {
		p.i++
		secs += p.digits(2, 2) * 60
		if p.peek() == ':' {
			p.i++
			secs += p.digits(2, 2)
		}
	}
	return sign * secs
}

// trimBC removes a trailing " BC" and reports whether it was there.
func trimBC(b []byte) ([]byte, bool) {
	if bytes.HasSuffix(b, []byte(" BC")) {
		return b[:len(b)-3], true
	}
	return b, false
}

func astronomicalYear(y int64, bc bool) int64 {
	if bc {
		return 1 - y
	}
	return y
}

// parseDate returns the epoch days of a date's text form, and +1/-1 for
// infinity/-infinity.
func parseDate(b []byte) (days int64, inf int, err error) {
	switch string(b) {
	case "infinity":
		return 0, 1, nil
	case "-infinity":
		return 0, -1, nil
	}
	body, bc := trimBC(b)
	p := textScanner{s: body}
	y, m, d := p.date()
	if p.err || !p.done() {
		return 0, 0, fmt.Errorf("invalid date %q", b)
	}
	return connecttypes.DaysFromCivil(astronomicalYear(y, bc), m, d), 0, nil
}

// instant is a point in time as days since 1970-01-01 and µs into that
// day (UTC), so that every PostgreSQL timestamp fits.
type instant struct {
	days, micros int64 // 0 <= micros < microsPerDay
}

// parseTimestamp parses a timestamp or timestamptz text form; inf is +1/-1
// for infinity/-infinity.
func parseTimestamp(b []byte, zoned bool) (t instant, inf int, err error) {
	switch string(b) {
	case "infinity":
		return instant{}, 1, nil
	case "-infinity":
		return instant{}, -1, nil
	}
	body, bc := trimBC(b)
	p := textScanner{s: body}
	y, m, d := p.date()
	p.lit(' ')
	clock := p.clock()
	var off int64
	if zoned {
		off = p.offset()
	}
	if p.err || !p.done() {
		return instant{}, 0, fmt.Errorf("invalid timestamp %q", b)
	}
	us := clock - off*microsPerSecond
	days := connecttypes.DaysFromCivil(astronomicalYear(y, bc), m, d) + connecttypes.FloorDiv(us, microsPerDay)
	return instant{days: days, micros: us - connecttypes.FloorDiv(us, microsPerDay)*microsPerDay}, 0, nil
}

// maxMicrosDays bounds the days whose µs since epoch fit in an int64.
const maxMicrosDays = math.MaxInt64/microsPerDay - 1

// epochMicros returns µs since epoch; the last ~30 millennia PostgreSQL
// accepts (and some of its first) do not fit in an int64 (Debezium fails on
// them too).
func (t instant) epochMicros() (int64, bool) {
	if t.days > maxMicrosDays || t.days < -maxMicrosDays {
		v := new(big.Int).Mul(big.NewInt(t.days), big.NewInt(microsPerDay))
		v.Add(v, big.NewInt(t.micros))
		return v.Int64(), v.IsInt64()
	}
	return t.days*microsPerDay + t.micros, true
}

func (t instant) epochMillis() int64 {
	return t.days*86_400_000 + t.micros/1000
}

func mapDate(opts TypeOptions) mapping {
	f := connecttypes.Logical(change.Int32, connecttypes.NameDate)
	if opts.TimeMode == TimeConnect {
		f = connecttypes.Logical(change.Int32, connecttypes.NameConnectDate)
	}
	return mapping{field: f, decode: decodeDate, snapshotDecode: decodeDateJDBC, fallback: int32(0), nulls: true}
}

// Debezium's snapshot values of the infinite dates: the JDBC driver reads
// them as java.sql.Date(PGStatement.DATE_POSITIVE_INFINITY) and
// (DATE_NEGATIVE_INFINITY), whose toLocalDate() in Java's Julian/Gregorian
// calendar is +292278994-08-16 and (year of era, as AD) +292269055-12-02;
// their epoch days, cast to int, are these.
const (
	dateJDBCInfinityDays    int32 = -622191234
	dateJDBCNegInfinityDays int32 = -625821272
)

// decodeDateJDBC decodes a date as Debezium sees it through the JDBC
// driver (its snapshot, and date[] elements everywhere): java.sql.Date's
// toLocalDate() reads the date in Java's hybrid Julian/Gregorian calendar,
// so 'infinity' and '-infinity' take the values above, a BC date keeps its
// year of era as an AD year ('0044-03-15 BC' is 0044-03-15), and the ten
// days the Gregorian reform skipped (1582-10-05 to 14) move ten days on. A
// BC February 29 of a year that is no AD leap year has no LocalDate:
// Debezium sends null (ErrNulled).
func decodeDateJDBC(b []byte) (any, error) {
	switch string(b) {
	case "infinity":
		return dateJDBCInfinityDays, nil
	case "-infinity":
		return dateJDBCNegInfinityDays, nil
	}
	body, bc := trimBC(b)
	if !bc {
		v, err := decodeDate(b)
		if err != nil {
			return nil, err
		}
		days := v.(int32)
		if days >= dateReformFirst && days < dateReformFirst+10 {
			days += 10
		}
		return days, nil
	}
	p := textScanner{s: body}
	y, m, d := p.date()
	if p.err || !p.done() {
		return nil, fmt.Errorf("invalid date %q", b)
	}
	if m == 2 && d == 29 && !(y%4 == 0 && (y%100 != 0 || y%400 == 0)) {
		return nil, fmt.Errorf("date %q has no counterpart in the JDBC driver's calendar: %w", b, ErrNulled)
	}
	return int32(connecttypes.DaysFromCivil(y, m, d)), nil
}

// dateReformFirst is the epoch day of 1582-10-05, the first of the ten
// days the Gregorian reform skipped.
var dateReformFirst = int32(connecttypes.DaysFromCivil(1582, 10, 5))

func decodeDate(b []byte) (any, error) {
	days, inf, err := parseDate(b)
	switch {
	case err != nil:
		return nil, err
	case inf > 0:
		return dateInfinityDays, nil
	case inf < 0:
		return dateNegInfinityDays, nil
	case days < math.MinInt32 || days > math.MaxInt32:
		return nil, fmt.Errorf("date %q out of range", b)
	}
	return int32(days), nil
}

func mapTime(precision int, opts TypeOptions) mapping {
	micro := mapping{field: connecttypes.Logical(change.Int64, connecttypes.NameMicroTime), decode: decodeTimeMicros, fallback: int64(0)}
	milli := mapping{field: connecttypes.Logical(change.Int32, connecttypes.NameTime), decode: decodeTimeMillis, fallback: int32(0)}
	switch opts.TimeMode {
	case TimeAdaptiveMicroseconds:
		return micro
	case TimeConnect:
		milli.field = connecttypes.Logical(change.Int32, connecttypes.NameConnectTime)
		return milli
	}
	if precision <= 3 {
		return milli
	}
	return micro
}

func parseTime(b []byte) (int64, error) {
	p := textScanner{s: b}
	v := p.clock()
	if p.err || !p.done() || v > microsPerDay {
		return 0, fmt.Errorf("invalid time %q", b)
	}
	return v, nil
}

func decodeTimeMicros(b []byte) (any, error) { return parseTime(b) }

func decodeTimeMillis(b []byte) (any, error) {
	v, err := parseTime(b)
	if err != nil {
		return nil, err
	}
	return int32(v / 1000), nil
}

func mapTimestamp(precision int, opts TypeOptions) mapping {
	millis := mapping{field: connecttypes.Logical(change.Int64, connecttypes.NameTimestamp), decode: decodeTimestampMillis, fallback: int64(0)}
	if opts.TimeMode == TimeConnect {
		millis.field = connecttypes.Logical(change.Int64, connecttypes.NameConnectTimestamp)
		return millis
	}
	if precision <= 3 {
		return millis
	}
	return mapping{field: connecttypes.Logical(change.Int64, connecttypes.NameMicroTimestamp), decode: decodeTimestampMicros, fallback: int64(0)}
}

func decodeTimestampMicros(b []byte) (any, error) {
	t, inf, err := parseTimestamp(b, false)
	switch {
	case err != nil:
		return nil, err
	case inf > 0:
		return timestampInfinityMicros, nil
	case inf < 0:
		return timestampNegInfinityMicros, nil
	}
	us, ok := t.epochMicros()
	if !ok {
		return nil, fmt.Errorf("timestamp %q does not fit in 64-bit microseconds since 1970", b)
	}
	return us, nil
}

func decodeTimestampMillis(b []byte) (any, error) {
	t, inf, err := parseTimestamp(b, false)
	switch {
	case err != nil:
		return nil, err
	case inf > 0:
		return connecttypes.FloorDiv(timestampInfinityMicros, 1000), nil
	case inf < 0:
		return connecttypes.FloorDiv(timestampNegInfinityMicros, 1000), nil
	}
	return t.epochMillis(), nil
}

func decodeTimestamptz(b []byte, precision int) (any, error) {
	t, inf, err := parseTimestamp(b, true)
	switch {
	case err != nil:
		return nil, err
	case inf > 0:
		return "infinity", nil
	case inf < 0:
		return "-infinity", nil
	}
	return formatZonedTimestamp(t, precision), nil
}

// formatZonedTimestamp formats t as Debezium's ZonedTimestamp with width
// fraction digits (connecttypes.FormatZonedTimestamp).
func formatZonedTimestamp(t instant, width int) string {
	return connecttypes.FormatZonedTimestamp(t.days, t.micros, width)
}

// decodeTimetz converts a timetz to UTC and formats it as Debezium's
// ZonedTime (java.time.format.DateTimeFormatter.ISO_OFFSET_TIME).
func decodeTimetz(b []byte) (any, error) {
	p := textScanner{s: b}
	clock := p.clock()
	off := p.offset()
	if p.err || !p.done() || clock > microsPerDay {
		return nil, fmt.Errorf("invalid timetz %q", b)
	}
	if clock == microsPerDay && off == 0 {
		return "24:00:00Z", nil
	}
	utc := clock - off*microsPerSecond
	utc = ((utc % microsPerDay) + microsPerDay) % microsPerDay
	return string(append(connecttypes.AppendClock(nil, utc, 0), 'Z')), nil
}

// --- interval ---------------------------------------------------------------

// pgInterval holds an interval's fields as PostgreSQL prints them (and as
// pgjdbc's PGInterval keeps them); micros is the seconds field in µs.
type pgInterval struct {
	years, months, days, hours, minutes int64
	micros                              int64
}

// daysPerMonthAvg is Debezium's MicroDuration.DAYS_PER_MONTH_AVG (365.25/12).
const daysPerMonthAvg = 365.25 / 12.0

// debeziumMicros computes MicroDuration.durationMicros exactly as Debezium
// does: in float64, truncated, so a fractional second can come out one µs
// short (6.789 s is 6788999 µs). Each step is converted explicitly so the
// compiler cannot fuse operations.
func (iv pgInterval) debeziumMicros() int64 {
	seconds := float64(iv.micros/microsPerSecond) + float64(iv.micros%microsPerSecond)/1e6
	months := int32(int32(iv.years)*12 + int32(iv.months)) // Java int arithmetic
	numberOfDays := float64(float64(months)*daysPerMonthAvg) + float64(iv.days)
	s := float64(numberOfDays * 24)
	s = float64(s + float64(iv.hours))
	s = float64(s * 60)
	s = float64(s + float64(iv.minutes))
	s = float64(s * 60)
	s = float64(s + seconds)
	return javaLong(float64(s * 1e6))
}

// javaLong is Java's (long) cast of a double: truncation, saturating, NaN 0.
func javaLong(f float64) int64 {
	switch {
	case f != f:
		return 0
	case f >= 9223372036854775807:
		return math.MaxInt64
	case f <= -9223372036854775808:
		return math.MinInt64
	}
	return int64(f)
}

// isoString is Debezium's Interval.toIsoString.
func (iv pgInterval) isoString() string {
	return fmt.Sprintf("P%dY%dM%dDT%dH%dM%sS", iv.years, iv.months, iv.days, iv.hours, iv.minutes, formatSeconds(iv.micros))
}

// formatSeconds prints µs as seconds without trailing zeros ("6.789", "-4.5", "0").
func formatSeconds(us int64) string {
	sign := ""
	if us < 0 {
		sign = "-"
		us = -us
	}
	s := sign + strconv.FormatInt(us/microsPerSecond, 10)
	if frac := us % microsPerSecond; frac != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%06d", frac), "0")
	}
	return s
}

func mapInterval(opts TypeOptions) mapping {
	if opts.IntervalMode == IntervalString {
		return mapping{
			field: connecttypes.Logical(change.String, connecttypes.NameInterval),
			decode: func(b []byte) (any, error) {
				iv, err := parseInterval(b)
				if err != nil {
					return nil, err
				}
				return iv.isoString(), nil
			},
			fallback: "P0Y0M0DT0H0M0S",
		}
	}
	return mapping{
		field: connecttypes.Logical(change.Int64, connecttypes.NameMicroDuration),
		decode: func(b []byte) (any, error) {
			iv, err := parseInterval(b)
			if err != nil {
				return nil, err
			}
			return iv.debeziumMicros(), nil
		},
		fallback: int64(0),
	}
}

// parseInterval parses an interval in any IntervalStyle: postgres
// ("1 year 2 mons -3 days +04:05:06.789"), postgres_verbose ("@ 1 year 2 mons
// 4 hours 5 mins 6.789 secs ago"), sql_standard ("+1-2 -3 +4:05:06.789") and
// iso_8601 ("P1Y2M-3DT4H5M6.789S").
func parseInterval(b []byte) (pgInterval, error) {
	s := strings.TrimSpace(string(b))
	var iv pgInterval
	var err error
	switch {
	case s == "":
		err = errors.New("empty")
	case s[0] == 'P':
		err = iv.parseISO(s[1:])
	case strings.IndexFunc(s, isLetter) < 0 && strings.ContainsAny(s, " -") && !isClockToken(s):
		err = iv.parseSQLStandard(s)
	default:
		err = iv.parsePostgres(s)
	}
	if err != nil {
		return pgInterval{}, fmt.Errorf("invalid interval %q: %w", b, err)
	}
	return iv, nil
}

func isLetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '@' }

// isClockToken reports whether s is one "[+-]H:MM:SS[.f]" token.
func isClockToken(s string) bool {
	s = strings.TrimLeft(s, "+-")
	return !strings.ContainsAny(s, " -") && strings.Contains(s, ":")
}

// parseClock parses "[+-]H:MM[:SS[.ffffff]]" into hours, minutes and µs, all
// carrying the sign.
func parseClock(tok string) (h, m, us int64, err error) {
	sign := int64(1)
	switch {
	case strings.HasPrefix(tok, "-"):
		sign, tok = -1, tok[1:]
	case strings.HasPrefix(tok, "+"):
		tok = tok[1:]
	}
	parts := strings.Split(tok, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, 0, 0, fmt.Errorf("bad time %q", tok)
	}
	if h, err = parseUint(parts[0]); err != nil {
		return
	}
	if m, err = parseUint(parts[1]); err != nil {
		return
	}
	if len(parts) == 3 {
		if us, err = parseSecondsMicros(parts[2]); err != nil {
			return
		}
	}
	return sign * h, sign * m, sign * us, nil
}

func parseUint(s string) (int64, error) {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return 0, fmt.Errorf("bad number %q", s)
	}
	return strconv.ParseInt(s, 10, 64)
}

func parseInt(s string) (int64, error) {
	if strings.HasPrefix(s, "+") {
		s = s[1:]
		if strings.HasPrefix(s, "-") {
			return 0, fmt.Errorf("bad number %q", s)
		}
	}
	return strconv.ParseInt(s, 10, 64)
}

// parseSecondsMicros parses "[-]S[.ffffff]" into µs (more digits are rounded
// as pgjdbc does, half away from zero).
func parseSecondsMicros(s string) (int64, error) {
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" {
		return 0, fmt.Errorf("bad seconds %q", s)
	}
	var w int64
	if whole != "" {
		var err error
		if w, err = parseUint(whole); err != nil {
			return 0, err
		}
	}
	var f int64
	for i, c := range frac {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("bad seconds %q", s)
		}
		switch {
		case i < 6:
			f = f*10 + int64(c-'0')
		case i == 6 && c >= '5':
			f++
		}
	}
	for i := len(frac); i < 6; i++ {
		f *= 10
	}
	us := w*microsPerSecond + f
	if neg {
		us = -us
	}
	return us, nil
}

func (iv *pgInterval) parsePostgres(s string) error {
	verbose := strings.HasPrefix(s, "@")
	s = strings.TrimPrefix(s, "@")
	fields := strings.Fields(s)
	if len(fields) == 1 && fields[0] == "0" {
		return nil // "@ 0" (postgres_verbose) and "0" (sql_standard) are zero
	}
	ago := false
	if verbose && len(fields) > 0 && fields[len(fields)-1] == "ago" {
		ago = true
		fields = fields[:len(fields)-1]
	}
	for i := 0; i < len(fields); i++ {
		tok := fields[i]
		if strings.Contains(tok, ":") {
			h, m, us, err := parseClock(tok)
			if err != nil {
				return err
			}
			iv.hours, iv.minutes, iv.micros = h, m, us
			continue
		}
		if i+1 >= len(fields) {
			return fmt.Errorf("number %q without a unit", tok)
		}
		unit := strings.ToLower(fields[i+1])
		i++
		if strings.HasPrefix(unit, "sec") {
			us, err := parseSecondsMicros(tok)
			if err != nil {
				return err
			}
			iv.micros = us
			continue
		}
		v, err := parseInt(tok)
		if err != nil {
			return err
		}
		switch {
		case strings.HasPrefix(unit, "year"):
			iv.years = v
		case strings.HasPrefix(unit, "mon"):
			iv.months = v
		case strings.HasPrefix(unit, "day"):
			iv.days = v
		case strings.HasPrefix(unit, "hour"):
			iv.hours = v
		case strings.HasPrefix(unit, "min"):
			iv.minutes = v
		default:
			return fmt.Errorf("unknown unit %q", unit)
		}
	}
	if ago {
		iv.years, iv.months, iv.days = -iv.years, -iv.months, -iv.days
		iv.hours, iv.minutes, iv.micros = -iv.hours, -iv.minutes, -iv.micros
	}
	return nil
}

var (
	sqlYearMonth = regexp.MustCompile(`^([+-]?)(\d+)-(\d+)$`)
	sqlDayTime   = regexp.MustCompile(`^([+-]?)(\d+)\s+([+-]?)(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$`)
	sqlCompound  = regexp.MustCompile(`^([+-]?)(\d+)-(\d+)\s+([+-])(\d+)\s+([+-])(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$`)
)

// parseSQLStandard follows pgjdbc's PGInterval for IntervalStyle sql_standard.
func (iv *pgInterval) parseSQLStandard(s string) error {
	num := func(sign, digits string) int64 {
		v, _ := strconv.ParseInt(digits, 10, 64)
		if sign == "-" {
			return -v
		}
		return v
	}
	secs := func(sign, digits string) (int64, error) {
		us, err := parseSecondsMicros(digits)
		if sign == "-" {
			us = -us
		}
		return us, err
	}
	var err error
	if g := sqlYearMonth.FindStringSubmatch(s); g != nil {
		iv.years, iv.months = num(g[1], g[2]), num(g[1], g[3])
		return nil
	}
	if g := sqlDayTime.FindStringSubmatch(s); g != nil {
		timeSign := g[3]
		if timeSign == "" {
			timeSign = g[1]
		}
		iv.days = num(g[1], g[2])
		iv.hours, iv.minutes = num(timeSign, g[4]), num(timeSign, g[5])
		iv.micros, err = secs(timeSign, g[6])
		return err
	}
	if g := sqlCompound.FindStringSubmatch(s); g != nil {
		iv.years, iv.months = num(g[1], g[2]), num(g[1], g[3])
		iv.days = num(g[4], g[5])
		iv.hours, iv.minutes = num(g[6], g[7]), num(g[6], g[8])
		iv.micros, err = secs(g[6], g[9])
		return err
	}
	return errors.New("unrecognised sql_standard form")
}

// parseISO parses the part after "P" of an ISO 8601 interval.
func (iv *pgInterval) parseISO(s string) error {
	date, clock, hasTime := strings.Cut(s, "T")
	read := func(part string, units string, set func(unit byte, num string) error) error {
		for part != "" {
			i := strings.IndexAny(part, units)
			if i <= 0 {
				return fmt.Errorf("bad ISO 8601 part %q", part)
			}
			if err := set(part[i], part[:i]); err != nil {
				return err
			}
			part = part[i+1:]
		}
		return nil
	}
	err := read(date, "YMWD", func(unit byte, num string) error {
		v, err := parseInt(num)
		if err != nil {
			return err
		}
		switch unit {
		case 'Y':
			iv.years = v
		case 'M':
			iv.months = v
		case 'W':
			iv.days += 7 * v
		case 'D':
			iv.days += v
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !hasTime {
		return nil
	}
	return read(clock, "HMS", func(unit byte, num string) error {
		if unit == 'S' {
			us, err := parseSecondsMicros(num)
			iv.micros = us
			return err
		}
		v, err := parseInt(num)
		if err != nil {
			return err
		}
		if unit == 'H' {
			iv.hours = v
		} else {
			iv.minutes = v
		}
		return nil
	})
}

// --- geometry ---------------------------------------------------------------

// decodePoint parses a point's text form "(x,y)".
func decodePoint(b []byte) (any, error) {
	s := strings.TrimSpace(string(b))
	if len(s) < 2 || s[0] != '(' || s[len(s)-1] != ')' {
		return nil, fmt.Errorf("invalid point %q", b)
	}
	xs, ys, ok := strings.Cut(s[1:len(s)-1], ",")
	if !ok {
		return nil, fmt.Errorf("invalid point %q", b)
	}
	x, err1 := strconv.ParseFloat(strings.TrimSpace(xs), 64)
	y, err2 := strconv.ParseFloat(strings.TrimSpace(ys), 64)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("invalid point %q", b)
	}
	return connecttypes.PointValue(x, y), nil
}

// decodeGeometry decodes PostGIS's text form (hex EWKB) into Debezium's
// Geometry value: the EWKB as stored, and the SRID when it carries one.
func decodeGeometry(b []byte) (any, error) {
	ewkb := make([]byte, hex.DecodedLen(len(b)))
	if _, err := hex.Decode(ewkb, b); err != nil || len(ewkb) < 9 {
		return nil, fmt.Errorf("invalid EWKB %q", truncate(b))
	}
	var order binary.ByteOrder = binary.BigEndian
	if ewkb[0] != 0 {
		order = binary.LittleEndian
	}
	var srid any
	if order.Uint32(ewkb[1:])&0x20000000 != 0 {
		srid = int32(order.Uint32(ewkb[5:]))
	}
	return change.StructValue{ewkb, srid}, nil
}

func truncate(b []byte) []byte {
	if len(b) > 64 {
		return b[:64]
	}
	return b
}

// --- hstore -----------------------------------------------------------------

type hstorePair struct {
	key   string
	value *string
}

// parseHstore parses hstore's text form: "k"=>"v", "k2"=>NULL.
func parseHstore(b []byte) ([]hstorePair, error) {
	var pairs []hstorePair
	i := 0
	skip := func() {
		for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
			i++
		}
	}
	// token reads a quoted or bare string; quoted reports whether it was quoted.
	token := func() (string, bool, error) {
		skip()
		if i >= len(b) {
			return "", false, errors.New("unexpected end")
		}
		var sb []byte
		if b[i] == '"' {
			i++
			for ; i < len(b); i++ {
				switch b[i] {
				case '\\':
					i++
					if i >= len(b) {
						return "", false, errors.New("unterminated escape")
					}
					sb = append(sb, b[i])
				case '"':
					i++
					return string(sb), true, nil
				default:
					sb = append(sb, b[i])
				}
			}
			return "", false, errors.New("unterminated quote")
		}
		for ; i < len(b); i++ {
			c := b[i]
			if c == '=' || c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r' {
				break
			}
			if c == '\\' {
				i++
				if i >= len(b) {
					return "", false, errors.New("unterminated escape")
				}
				c = b[i]
			}
			sb = append(sb, c)
		}
		if len(sb) == 0 {
			return "", false, fmt.Errorf("unexpected %q", b[i])
		}
		return string(sb), false, nil
	}
	for {
		skip()
		if i >= len(b) {
			return pairs, nil
		}
		k, _, err := token()
		if err != nil {
			return nil, fmt.Errorf("invalid hstore: %w", err)
		}
		skip()
		if i+1 >= len(b) || b[i] != '=' || b[i+1] != '>' {
			return nil, errors.New("invalid hstore: expected =>")
		}
		i += 2
		v, quoted, err := token()
		if err != nil {
			return nil, fmt.Errorf("invalid hstore: %w", err)
		}
		p := hstorePair{key: k}
		if quoted || !strings.EqualFold(v, "NULL") {
			p.value = &v
		}
		pairs = append(pairs, p)
		skip()
		if i < len(b) {
			if b[i] != ',' {
				return nil, errors.New("invalid hstore: expected ,")
			}
			i++
		}
	}
}

func decodeHstoreJSON(b []byte) (any, error) {
	pairs, err := parseHstore(b)
	if err != nil {
		return nil, err
	}
	return hstoreJSON(pairs), nil
}

// hstoreJSON writes pairs as Debezium does: a java.util.HashMap (pgjdbc's
// HStoreConverter) serialised by Jackson, so keys come in HashMap iteration
// order and strings are escaped as Jackson escapes them.
func hstoreJSON(pairs []hstorePair) string {
	keys := make([]string, len(pairs))
	for i, p := range pairs {
		keys[i] = p.key
	}
	var sb strings.Builder
	sb.WriteByte('{')
	for n, i := range javaHashMapOrder(keys) {
		if n > 0 {
			sb.WriteByte(',')
		}
		writeJacksonString(&sb, pairs[i].key)
		sb.WriteByte(':')
		if pairs[i].value == nil {
			sb.WriteString("null")
		} else {
			writeJacksonString(&sb, *pairs[i].value)
		}
	}
	sb.WriteByte('}')
	return sb.String()
}

// writeJacksonString writes s as a JSON string the way Jackson's default
// generator does: only '"', '\\' and control characters are escaped, the
// latter as \b \t \n \f \r or \u00XX (upper-case hex).
func writeJacksonString(sb *strings.Builder, s string) {
	const hexDigits = "0123456789ABCDEF"
	sb.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case c == '\b':
			sb.WriteString(`\b`)
		case c == '\t':
			sb.WriteString(`\t`)
		case c == '\n':
			sb.WriteString(`\n`)
		case c == '\f':
			sb.WriteString(`\f`)
		case c == '\r':
			sb.WriteString(`\r`)
		case c < 0x20:
			sb.WriteString(`\u00`)
			sb.WriteByte(hexDigits[c>>4])
			sb.WriteByte(hexDigits[c&0xf])
		default:
			sb.WriteByte(c)
		}
	}
	sb.WriteByte('"')
}

// javaStringHash is java.lang.String.hashCode (over UTF-16 code units).
func javaStringHash(s string) int32 {
	var h int32
	for _, u := range utf16.Encode([]rune(s)) {
		h = 31*h + int32(u)
	}
	return h
}

// javaHashMapOrder returns the indexes of keys (distinct, in insertion order)
// in the order a java.util.HashMap with default capacity and load factor
// iterates them: by bucket, and in insertion order within a bucket. Buckets
// that grow past 8 keys make a small table grow, as HashMap does; a bucket
// that turns into a tree (8+ colliding keys in a table of 64+) may iterate
// differently.
func javaHashMapOrder(keys []string) []int {
	hashes := make([]uint32, len(keys))
	for i, k := range keys {
		h := uint32(javaStringHash(k))
		hashes[i] = h ^ (h >> 16)
	}
	capacity := uint32(16)
	counts := map[uint32]int{}
	for i := range keys {
		bucket := hashes[i] & (capacity - 1)
		counts[bucket]++
		grow := counts[bucket] > 8 && capacity < 64 // treeifyBin on a small table resizes
		if i+1 > int(capacity/4*3) {
			grow = true
		}
		if grow {
			capacity *= 2
			counts = map[uint32]int{}
			for j := 0; j <= i; j++ {
				counts[hashes[j]&(capacity-1)]++
			}
		}
	}
	order := make([]int, len(keys))
	for i := range order {
		order[i] = i
	}
	mask := capacity - 1
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(hashes[a]&mask, hashes[b]&mask) })
	return order
}

// --- arrays -----------------------------------------------------------------

// ErrMultiDimensionalArray is wrapped by the error for an array value with
// more than one dimension, which sluice does not map.
var ErrMultiDimensionalArray = errors.New("multi-dimensional arrays are not supported")

// parseArrayLiteral splits a one-dimensional array literal ({1,2,NULL,"a,b"},
// optionally with bounds: [0:1]={1,2}) into its elements. A nil element is
// NULL; an empty string is a non-nil empty slice. Elements may alias b.
func parseArrayLiteral(b []byte) ([][]byte, error) {
	i := 0
	skip := func() {
		for i < len(b) && isArraySpace(b[i]) {
			i++
		}
	}
	fail := func(what string) ([][]byte, error) {
		return nil, fmt.Errorf("invalid array literal %q: %s", truncate(b), what)
	}
	skip()
	if i < len(b) && b[i] == '[' {
		dims := 0
		for i < len(b) && b[i] == '[' {
			j := bytes.IndexByte(b[i:], ']')
			if j < 0 {
				return fail("unterminated bounds")
			}
			i += j + 1
			dims++
		}
		if dims > 1 {
			return nil, ErrMultiDimensionalArray
		}
		skip()
		if i >= len(b) || b[i] != '=' {
			return fail("expected = after bounds")
		}
		i++
		skip()
	}
	if i >= len(b) || b[i] != '{' {
		return fail("expected {")
	}
	i++
	elems := [][]byte{}
	skip()
	if i < len(b) && b[i] == '}' {
		i++
		skip()
		if i != len(b) {
			return fail("text after }")
		}
		return elems, nil
	}
	for {
		skip()
		if i >= len(b) {
			return fail("unterminated")
		}
		var elem []byte
		switch b[i] {
		case '{':
			return nil, ErrMultiDimensionalArray
		case '"':
			i++
			start := i
			escaped := false
			for i < len(b) && b[i] != '"' {
				if b[i] == '\\' {
					escaped = true
					i++
				}
				i++
			}
			if i >= len(b) {
				return fail("unterminated quoted element")
			}
			elem = b[start:i:i]
			if escaped {
				elem = unescapeArrayElem(elem)
			}
			i++
			skip()
		default:
			start := i
			escaped := false
			end := i // end of the element without trailing unescaped spaces
			for i < len(b) && b[i] != ',' && b[i] != '}' {
				switch {
				case b[i] == '\\':
					escaped = true
					i += 2
					end = i
					continue
				case b[i] == '"' || b[i] == '{':
					return fail("unexpected quote or brace")
				case !isArraySpace(b[i]):
					end = i + 1
				}
				i++
			}
			if i > len(b) || end > len(b) {
				return fail("unterminated escape")
			}
			elem = b[start:end:end]
			switch {
			case len(elem) == 0:
				return fail("empty element")
			case escaped:
				elem = unescapeArrayElem(elem)
			case len(elem) == 4 && strings.EqualFold(string(elem), "NULL"):
				elem = nil
			}
		}
		elems = append(elems, elem)
		if i >= len(b) {
			return fail("unterminated")
		}
		if b[i] == '}' {
			i++
			skip()
			if i != len(b) {
				return fail("text after }")
			}
			return elems, nil
		}
		if b[i] != ',' {
			return fail("expected , or }")
		}
		i++
	}
}

// isArraySpace is the white space array_in skips.
func isArraySpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func unescapeArrayElem(e []byte) []byte {
	out := make([]byte, 0, len(e))
	for i := 0; i < len(e); i++ {
		if e[i] == '\\' && i+1 < len(e) {
			i++
		}
		out = append(out, e[i])
	}
	return out
}

// --- TOAST placeholder ------------------------------------------------------

// unavailableValue is the column's value for an unchanged TOASTed value, as
// Debezium's UnchangedToastedPlaceholder makes it; nil when the type has no
// representation of it.
func unavailableValue(t TypeInfo, f change.Field, opts TypeOptions) any {
	p := opts.UnavailableValue
	if t.IsArray() {
		if f.Type != change.Array {
			return p // unknown: a string
		}
		switch t.Name {
		case "_text", "_varchar", "_json", "_jsonb":
			return []any{p}
		case "_int4", "_date":
			out := make([]any, len(p))
			for i := 0; i < len(p); i++ {
				out[i] = int32(int8(p[i]))
			}
			return out
		case "_int8":
			out := make([]any, len(p))
			for i := 0; i < len(p); i++ {
				out[i] = int64(int8(p[i]))
			}
			return out
		case "_uuid":
			return []any{nameUUID([]byte(p))}
		}
		return nil
	}
	switch {
	case f.Type == change.String && t.Name == "hstore":
		return hstoreJSON([]hstorePair{{key: p, value: &p}})
	case f.Type == change.String:
		return p
	case f.Type == change.Bytes && f.Logical == "":
		return []byte(p)
	}
	return nil
}

// nameUUID is java.util.UUID.nameUUIDFromBytes(b).toString().
func nameUUID(b []byte) string {
	sum := md5.Sum(b)
	sum[6] = sum[6]&0x0f | 0x30
	sum[8] = sum[8]&0x3f | 0x80
	h := hex.EncodeToString(sum[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
