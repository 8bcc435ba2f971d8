package mysql

// MariaDB's own data types that are fixed-size binary strings underneath:
// UUID (10.7+), INET4 (10.10+) and INET6 (10.5+). The binlog cannot tell
// them from BINARY(16) or BINARY(4): a TABLE_MAP gives MYSQL_TYPE_STRING
// with the binary collation, and the row image holds the raw bytes, trailing
// zero bytes stripped as for any BINARY(n). Only the column's declared type
// (the DDL model, or information_schema's DATA_TYPE in the snapshot) names
// them. A SELECT gives their text form, which is what both the snapshot and
// the stream emit:
//
//	UUID   string io.debezium.data.Uuid  "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11" (Debezium 3.5.0's schema and value, measured)
//	INET4  string                        "192.168.1.2"
//	INET6  string                        "2001:db8::ff00:42:8329", "::ffff:1.2.3.4" (MariaDB's text form)
//
// Debezium 3.5.0 cannot parse INET4 or INET6 in DDL and its connector stops;
// mapping them to their text is sluice's own (docs/types.md).

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/connecttypes"
)

// binaryStringTypes are those types with their size in bytes.
var binaryStringTypes = map[string]int{"uuid": 16, "inet4": 4, "inet6": 16}

// mariaDBBinaryType returns "uuid", "inet4" or "inet6" when m is a column of
// one of those types, else "". The declared type (the DDL model) wins; in the
// snapshot and without a model, COLUMN_TYPE names it.
func mariaDBBinaryType(m *ColumnMeta, ct columnType) string {
	if m.Type != gomysql.MYSQL_TYPE_STRING {
		return ""
	}
	if d := m.Declared; d != nil {
		if name := strings.ToLower(d.TypeName); binaryStringTypes[name] > 0 {
			return name
		}
		return ""
	}
	if binaryStringTypes[ct.base] > 0 {
		return ct.base
	}
	return ""
}

// mapMariaDBBinary maps a UUID, INET4 or INET6 column to its text.
func mapMariaDBBinary(name string) mapping {
	format := formatUUID
	field := connecttypes.Logical(change.String, connecttypes.NameUUID)
	switch name {
	case "inet4":
		format, field = formatInet4, change.Field{Type: change.String}
	case "inet6":
		format, field = formatInet6, change.Field{Type: change.String}
	}
	size := binaryStringTypes[name]
	return mapping{
		field: field,
		binlog: func(v any) (any, error) {
			var b []byte
			switch x := v.(type) {
			case string:
				b = []byte(x)
			case []byte:
				b = x
			default:
				return nil, fmt.Errorf("unexpected binlog value %T", v)
			}
			if len(b) > size {
				return nil, fmt.Errorf("%s value of %d bytes, want at most %d", strings.ToUpper(name), len(b), size)
			}
			// The binlog strips trailing zero bytes as for BINARY(n).
			full := make([]byte, size)
			copy(full, b)
			return format(full), nil
		},
		text:     textString,
		fallback: "",
	}
}

// binaryStringKeyText renders a UUID, INET4 or INET6 binlog value as the
// text protocol shows it (rowKey's snapshot-region keys). ok is false when v
// is not such a value.
func binaryStringKeyText(m *ColumnMeta, v any) (string, bool) {
	name := mariaDBBinaryType(m, parseColumnType(m.ColumnType))
	if name == "" {
		return "", false
	}
	s, err := mapMariaDBBinary(name).binlog(v)
	if err != nil {
		return "", false
	}
	return s.(string), true
}

// formatUUID is the 8-4-4-4-12 lower-case hex form of 16 bytes, in the
// order the binlog gives them (measured on MariaDB 10.11 with version 1 and
// 4 UUIDs: the text order, whatever the storage order).
func formatUUID(b []byte) string {
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// formatInet4 is the dotted quad of 4 bytes.
func formatInet4(b []byte) string {
	return strconv.Itoa(int(b[0])) + "." + strconv.Itoa(int(b[1])) + "." + strconv.Itoa(int(b[2])) + "." + strconv.Itoa(int(b[3]))
}

// formatInet6 is MariaDB's text form of an IPv6 address (Inet6::to_string):
// lower-case hex words without leading zeros, the longest run of zero words
// (the first of equal runs, even a single word) written "::", and the last
// 32 bits as a dotted quad for IPv4-compatible (::a.b.c.d) and IPv4-mapped
// (::ffff:a.b.c.d) addresses. It differs from Go's net.IP.String, which
// leaves single zero words and writes IPv4-mapped addresses as bare IPv4.
func formatInet6(b []byte) string {
	var w [8]int
	for i := range w {
		w[i] = int(b[2*i])<<8 | int(b[2*i+1])
	}
	gapPos, gapLen := -1, 0
	for i := 0; i < 8; {
		if w[i] != 0 {
			i++
			continue
		}
		j := i
		for j < 8 && w[j] == 0 {
			j++
		}
		if j-i > gapLen {
			gapPos, gapLen = i, j-i
		}
		i = j
	}
	var s strings.Builder
	for i := 0; i < 8; i++ {
		switch {
		case i == gapPos:
			if i == 0 {
				s.WriteByte(':')
			}
			s.WriteByte(':')
			i += gapLen - 1
		case i == 6 && gapPos == 0 && (gapLen == 6 || gapLen == 5 && w[5] == 0xffff):
			s.WriteString(formatInet4(b[12:16]))
			return s.String()
		default:
			s.WriteString(strconv.FormatInt(int64(w[i]), 16))
			if i < 7 {
				s.WriteByte(':')
			}
		}
	}
	return s.String()
}
