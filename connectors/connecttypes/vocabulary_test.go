package connecttypes

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
)

func TestDecimalParams(t *testing.T) {
	for _, tc := range []struct {
		scale, precision int32
		withPrecision    bool
		want             []change.Param
	}{
		{2, 10, true, []change.Param{{Key: "scale", Value: "2"}, {Key: "connect.decimal.precision", Value: "10"}}},
		{0, 20, true, []change.Param{{Key: "scale", Value: "0"}, {Key: "connect.decimal.precision", Value: "20"}}},
		{2, 0, false, []change.Param{{Key: "scale", Value: "2"}}},
	} {
		f := Decimal(tc.scale, tc.precision, tc.withPrecision)
		if f.Type != change.Bytes || f.Logical != NameDecimal || f.Version != 1 || !reflect.DeepEqual(f.Params, tc.want) {
			t.Errorf("Decimal(%d, %d, %v) = %+v, want bytes %s v1 %v", tc.scale, tc.precision, tc.withPrecision, f, NameDecimal, tc.want)
		}
	}
}

// TestPointValueWKB checks the WKB Debezium's Point.createValue writes: a
// little-endian 2D point, 21 bytes, no SRID.
func TestPointValueWKB(t *testing.T) {
	v := PointValue(1, -2)
	want := []byte{
		0x01, 0x01, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0xf0, 0x3f, // 1.0
		0, 0, 0, 0, 0, 0, 0, 0xc0, // -2.0
	}
	if len(v) != 4 || v[0] != 1.0 || v[1] != -2.0 || !bytes.Equal(v[2].([]byte), want) || v[3] != nil {
		t.Fatalf("PointValue(1, -2) = %#v, want x, y, % x, nil", v, want)
	}
	if got := len(Point().Fields); got != len(v) {
		t.Fatalf("Point() has %d fields, PointValue %d members", got, len(v))
	}
}

func TestGeometrySchemas(t *testing.T) {
	g := Geometry(NameGeography, "Geography")
	if g.Logical != NameGeography || g.Doc != "Geography" || len(g.Fields) != 2 || g.Fields[0].Optional || !g.Fields[1].Optional {
		t.Fatalf("Geometry(Geography) = %+v", g)
	}
	e := EmptyGeometry()
	if len(e) != len(g.Fields) || !bytes.Equal(e[0].([]byte), []byte{1, 7, 0, 0, 0, 0, 0, 0, 0}) || e[1] != nil {
		t.Fatalf("EmptyGeometry() = %#v", e)
	}
}
