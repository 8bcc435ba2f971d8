package connecttypes

import (
	"encoding/binary"
	"math"
	"strconv"

	"github.com/sluicecdc/sluice/connectors/change"
)

// The schema names of the logical types the sources write: Kafka Connect's
// own and Debezium's. A consumer (a converter, Debezium's SMTs, a sink)
// dispatches on them, so each must be Debezium's name byte for byte.
const (
	NameDecimal              = "org.apache.kafka.connect.data.Decimal"
	NameConnectDate          = "org.apache.kafka.connect.data.Date"
	NameConnectTime          = "org.apache.kafka.connect.data.Time"
	NameConnectTimestamp     = "org.apache.kafka.connect.data.Timestamp"
	NameVariableScaleDecimal = "io.debezium.data.VariableScaleDecimal"
	NameDate                 = "io.debezium.time.Date"
	NameTime                 = "io.debezium.time.Time"
	NameMicroTime            = "io.debezium.time.MicroTime"
	NameTimestamp            = "io.debezium.time.Timestamp"
	NameMicroTimestamp       = "io.debezium.time.MicroTimestamp"
	NameZonedTimestamp       = "io.debezium.time.ZonedTimestamp"
	NameZonedTime            = "io.debezium.time.ZonedTime"
	NameMicroDuration        = "io.debezium.time.MicroDuration"
	NameInterval             = "io.debezium.time.Interval"
	NameYear                 = "io.debezium.time.Year"
	NameUUID                 = "io.debezium.data.Uuid"
	NameJSON                 = "io.debezium.data.Json"
	NameXML                  = "io.debezium.data.Xml"
	NameEnum                 = "io.debezium.data.Enum"
	NameEnumSet              = "io.debezium.data.EnumSet"
	NameBits                 = "io.debezium.data.Bits"
	NameLtree                = "io.debezium.data.Ltree"
	NameTsvector             = "io.debezium.data.Tsvector"
	NamePoint                = "io.debezium.data.geometry.Point"
	NameGeometry             = "io.debezium.data.geometry.Geometry"
	NameGeography            = "io.debezium.data.geometry.Geography"
)

// Logical is the schema of a logical type: base type t named name, version
// 1 (every Connect and Debezium logical type the sources write is version
// 1), with params in the order given.
func Logical(t change.Type, name string, params ...change.Param) change.Field {
	return change.Field{Type: t, Logical: name, Version: 1, Params: params}
}

// Decimal is Connect's Decimal schema for scale; withPrecision adds
// Debezium's connect.decimal.precision parameter (MySQL always writes it,
// PostgreSQL only for a numeric with a declared precision).
func Decimal(scale, precision int32, withPrecision bool) change.Field {
	f := Logical(change.Bytes, NameDecimal, change.Param{Key: "scale", Value: strconv.Itoa(int(scale))})
	if withPrecision {
		f.Params = append(f.Params, change.Param{Key: "connect.decimal.precision", Value: strconv.Itoa(int(precision))})
	}
	return f
}

// Point is Debezium's io.debezium.data.geometry.Point schema: x, y, and the
// optional WKB and SRID.
func Point() change.Field {
	f := Logical(change.Struct, NamePoint)
	f.Doc = "Geometry (POINT)"
	f.Fields = []change.Field{
		{Name: "x", Type: change.Float64},
		{Name: "y", Type: change.Float64},
		{Name: "wkb", Type: change.Bytes, Optional: true},
		{Name: "srid", Type: change.Int32, Optional: true},
	}
	return f
}

// PointValue is Debezium's Point.createValue: x, y, the WKB of the point
// (little-endian) and no SRID.
func PointValue(x, y float64) change.StructValue {
	wkb := make([]byte, 21)
	wkb[0] = 1 // little-endian
	binary.LittleEndian.PutUint32(wkb[1:], 1)
	binary.LittleEndian.PutUint64(wkb[5:], math.Float64bits(x))
	binary.LittleEndian.PutUint64(wkb[13:], math.Float64bits(y))
	return change.StructValue{x, y, wkb, nil}
}

// Geometry is the schema of Debezium's WKB-carrying geometry structs (wkb,
// optional srid) under name (NameGeometry or NameGeography) with doc.
func Geometry(name, doc string) change.Field {
	f := Logical(change.Struct, name)
	f.Doc = doc
	f.Fields = []change.Field{
		{Name: "wkb", Type: change.Bytes},
		{Name: "srid", Type: change.Int32, Optional: true},
	}
	return f
}

// EmptyGeometry is GEOMETRYCOLLECTION EMPTY (little-endian WKB, no SRID),
// the value Debezium writes for a geometry it must fill in: the fallback of
// a required column.
func EmptyGeometry() change.StructValue {
	return change.StructValue{[]byte{0x01, 0x07, 0, 0, 0, 0, 0, 0, 0}, nil}
}
