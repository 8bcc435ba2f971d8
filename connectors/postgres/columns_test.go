package postgres

import (
	"math"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
)

// TestJDBCColumnMetadata checks the JDBC driver's sizes against what
// Debezium 3.6.1 propagated (__debezium.source.column.length / .scale) for
// the same columns in integration/compat's columns tests.
func TestJDBCColumnMetadata(t *testing.T) {
	numeric := func(p, s int32) int32 { return p<<16 | s + 4 }
	for _, c := range []struct {
		name          string
		oid           uint32
		typmod        int32
		length, scale int
	}{
		{"int4", oidInt4, -1, 10, 0},
		{"int2", oidInt2, -1, 5, 0},
		{"int8", oidInt8, -1, 19, 0},
		{"text", oidText, -1, math.MaxInt32, 0},
		{"varchar(10)", oidVarchar, 14, 10, 0},
		{"numeric(10,2)", oidNumeric, numeric(10, 2), 10, 2},
		{"numeric(6,1)", oidNumeric, numeric(6, 1), 6, 1},
		{"timestamptz", oidTimestamptz, -1, 35, 6},
		{"timestamptz(3)", oidTimestamptz, 3, 32, 3},
		{"date", oidDate, -1, 13, 0},
		{"float8", oidFloat8, -1, 17, 17},
		{"bool", oidBool, -1, 1, 0},
	} {
		length := jdbcPrecision(c.oid, c.typmod)
		if length == 0 {
			length = jdbcDisplaySize(c.oid, c.typmod)
		}
		if scale := jdbcScale(c.oid, c.typmod); length != c.length || scale != c.scale {
			t.Errorf("%s: length %d scale %d, want %d and %d", c.name, length, scale, c.length, c.scale)
		}
	}
}

// TestFingerprintCoversMapperParams checks that the parameters the column
// keys add are part of a table's schema fingerprint, so changing the keys
// gives the table a new schema version.
func TestFingerprintCoversMapperParams(t *testing.T) {
	a := &change.TableSchema{Columns: []change.Field{{Name: "id", Type: change.Int32}}, Key: []int{0}}
	b := &change.TableSchema{Columns: []change.Field{{Name: "id", Type: change.Int32,
		Params: []change.Param{{Key: "__debezium.source.column.type", Value: "INT4"}}}}, Key: []int{0}}
	if fingerprint(a) == fingerprint(b) {
		t.Error("a propagated parameter does not change the fingerprint")
	}
}
