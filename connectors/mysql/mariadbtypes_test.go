package mysql

import (
	"net/netip"
	"strings"
	"testing"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/connecttypes"
)

func TestFormatInet6(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"::", "::"},
		{"::1", "::1"},
		{"1::", "1::"},
		{"2001:db8::ff00:42:8329", "2001:db8::ff00:42:8329"},
		{"fe80::1", "fe80::1"},
		// MariaDB writes a single zero word as "::" too (RFC 5952 would not).
		{"1:0:2:3:4:5:6:7", "1::2:3:4:5:6:7"},
		// The longest run wins; of equal runs, the first.
		{"1:0:0:2:0:0:0:3", "1:0:0:2::3"},
		{"1:0:0:2:3:0:0:4", "1::2:3:0:0:4"},
		// IPv4-mapped and IPv4-compatible: the last 32 bits dotted.
		{"::ffff:1.2.3.4", "::ffff:1.2.3.4"},
		{"::1.2.3.4", "::1.2.3.4"},
		{"::ffff:0.0.0.0", "::ffff:0.0.0.0"},
		// Not those: hex words.
		{"::fffe:1.2.3.4", "::fffe:102:304"},
		{"1::ffff:1.2.3.4", "1::ffff:102:304"},
		{"0:0:0:0:0:1:0:0", "::1:0:0"},
		{"abcd:ef01:2345:6789:abcd:ef01:2345:6789", "abcd:ef01:2345:6789:abcd:ef01:2345:6789"},
		{"0001:0010:0100:1000::", "1:10:100:1000::"},
	} {
		a := netip.MustParseAddr(tc.in).As16()
		if got := formatInet6(a[:]); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestMariaDBBinaryTypes maps UUID, INET4 and INET6 by their declared type
// (stream) and their COLUMN_TYPE (snapshot), from the binlog's raw bytes
// (trailing zero bytes stripped, as the server writes BINARY(n)) and from
// the text protocol.
func TestMariaDBBinaryTypes(t *testing.T) {
	binary16 := ColumnMeta{Name: "c", Type: gomysql.MYSQL_TYPE_STRING, Length: 16, Charset: "binary", Nullable: true}
	binary4 := binary16
	binary4.Length = 4
	declared := func(m ColumnMeta, typeName string) ColumnMeta {
		m.Declared = &DeclaredType{TypeName: typeName, JDBCType: jdbcOther, Length: -1}
		return m
	}
	snapshot := func(colType string) ColumnMeta {
		return ColumnMeta{Name: "c", Type: gomysql.MYSQL_TYPE_STRING, ColumnType: colType, Nullable: true}
	}
	uuidBytes := "\xa0\xee\xbc\x99\x9c\x0b\x4e\xf8\xbb\x6d\x6b\xb9\xbd\x38\x0a\x11"
	for _, tc := range []struct {
		name    string
		m       ColumnMeta
		logical string
		source  string
		binlog  any
		want    string
	}{
		{"uuid stream", declared(binary16, "UUID"), connecttypes.NameUUID, "uuid", uuidBytes, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
		{"uuid stream trailing zeros", declared(binary16, "UUID"), connecttypes.NameUUID, "uuid", "\xa0\xee", "a0ee0000-0000-0000-0000-000000000000"},
		{"uuid stream []byte", declared(binary16, "UUID"), connecttypes.NameUUID, "uuid", []byte(uuidBytes), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
		{"uuid snapshot", snapshot("uuid"), connecttypes.NameUUID, "uuid", "", ""},
		{"inet4 stream", declared(binary4, "INET4"), "", "inet4", "\xc0\xa8\x01\x02", "192.168.1.2"},
		{"inet4 stream zero", declared(binary4, "INET4"), "", "inet4", "", "0.0.0.0"},
		{"inet4 stream trailing zeros", declared(binary4, "INET4"), "", "inet4", "\x0a", "10.0.0.0"},
		{"inet4 snapshot", snapshot("inet4"), "", "inet4", "", ""},
		{"inet6 stream", declared(binary16, "INET6"), "", "inet6", "\xfe\x80", "fe80::"},
		{"inet6 stream mapped", declared(binary16, "INET6"), "", "inet6", "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x01\x02\x03\x04", "::ffff:1.2.3.4"},
		{"inet6 snapshot", snapshot("inet6"), "", "inet6", "", ""},
	} {
		c, err := MapColumn(tc.m, TypeOptions{})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if c.Field.Type != change.String || c.Field.Logical != tc.logical || c.Field.SourceType != tc.source && tc.m.ColumnType == "" {
			t.Errorf("%s: field %s %q source %q, want string %q %q", tc.name, c.Field.Type, c.Field.Logical, c.Field.SourceType, tc.logical, tc.source)
		}
		if tc.logical != "" && c.Field.Version != 1 {
			t.Errorf("%s: logical version %d", tc.name, c.Field.Version)
		}
		if tc.want != "" {
			if v, err := c.FromBinlog(tc.binlog); err != nil || v != tc.want {
				t.Errorf("%s: binlog %q -> %#v %v, want %q", tc.name, tc.binlog, v, err, tc.want)
			}
		}
		// The text protocol gives the text form, which passes through.
		if v, err := c.FromText([]byte("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")); err != nil || v != "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11" {
			t.Errorf("%s: text -> %#v %v", tc.name, v, err)
		}
	}
	// Too long for the type: an error, not a wrong value.
	c := mustMap(t, declared(binary4, "INET4"), TypeOptions{})
	if _, err := c.FromBinlog("12345"); err == nil || !strings.Contains(err.Error(), "INET4") {
		t.Errorf("5-byte INET4: %v", err)
	}
	// A BINARY(16) stays bytes.
	if c := mustMap(t, declared(binary16, "BINARY"), TypeOptions{}); c.Field.Type != change.Bytes {
		t.Errorf("binary(16): %s", c.Field.Type)
	}
	// Key text for snapshot regions: the text form, as the snapshot reads it.
	m := declared(binary16, "UUID")
	if got := keyText(&m, uuidBytes); got != "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11" {
		t.Errorf("uuid key text %q", got)
	}
}

// TestBinaryKeyOrder: UUID, INET4 and INET6 keys order by the bytes their
// text stands for, as the chunk query's ORDER BY BINARY col does, and their
// cursor literal is those bytes.
func TestBinaryKeyOrder(t *testing.T) {
	kinds := capture.KeyOrder{capture.BinaryText}
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"9.0.0.0", "10.0.0.1", -1}, // text order would say 1
		{"10.0.0.1", "10.0.0.1", 0},
		{"255.0.0.0", "26.0.0.0", 1},
		{"::ffff:1.2.3.4", "1::", -1},
		{"fe80::1", "fe80::", 1},
		{"00000000-0000-0000-0000-000000000001", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", -1},
	} {
		sign := func(n int) int { return min(max(n, -1), 1) }
		if got := kinds.Compare([]string{tc.a}, []string{tc.b}); sign(got) != tc.want {
			t.Errorf("%s vs %s: %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	for _, tc := range []struct{ typeName, text, want string }{
		{"INET4", "10.0.0.1", "X'0a000001'"},
		{"INET6", "::ffff:1.2.3.4", "X'00000000000000000000ffff01020304'"},
		{"UUID", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "X'a0eebc999c0b4ef8bb6d6bb9bd380a11'"},
	} {
		m := ColumnMeta{Type: gomysql.MYSQL_TYPE_STRING, Declared: &DeclaredType{TypeName: tc.typeName}}
		if got := keyLiteral(&m, tc.text); got != tc.want {
			t.Errorf("%s %s: literal %s, want %s", tc.typeName, tc.text, got, tc.want)
		}
		ti := &tableInfo{Meta: []ColumnMeta{m}, Key: []int{0}}
		if k := ti.keyKinds(); k[0] != capture.BinaryText {
			t.Errorf("%s: key kind %d", tc.typeName, k[0])
		}
	}
}

// TestMariaDBBinaryTypesHaveNoDefault: Debezium 3.5.0 gives a UUID column
// with a DEFAULT no field default (measured side by side); INET4 and INET6
// follow it.
func TestMariaDBBinaryTypesHaveNoDefault(t *testing.T) {
	for _, typeName := range []string{"UUID", "INET4", "INET6"} {
		m := ColumnMeta{Name: "c", Type: gomysql.MYSQL_TYPE_STRING, Length: 16, Charset: "binary",
			Declared: &DeclaredType{TypeName: typeName, JDBCType: jdbcOther, Length: -1, Default: "00000000-0000-0000-0000-0000000000ff", HasDefault: true}}
		ti, err := buildTable(change.TableID{Namespace: "db", Name: "t"}, []ColumnMeta{m}, nil, 1, TypeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if d := ti.Schema.Columns[0].Default; d != nil {
			t.Errorf("%s: default %#v", typeName, d)
		}
	}
}
