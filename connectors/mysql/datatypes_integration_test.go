//go:build integration

package mysql

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"
	"github.com/siddontang/go-log/log"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/connecttypes"
)

// dtServer reads SLUICE_MYSQL_DSN (user:pass@tcp(host:port)/db).
func dtServer(t *testing.T) (user, pass, host string, port int) {
	dsn := os.Getenv("SLUICE_MYSQL_DSN")
	if dsn == "" {
		dsn = "root:root@tcp(127.0.0.1:53306)/sluice_test"
	}
	m := regexp.MustCompile(`^([^:@]*)(?::([^@]*))?@tcp\(([^:)]+):(\d+)\)`).FindStringSubmatch(dsn)
	if m == nil {
		t.Fatalf("SLUICE_MYSQL_DSN %q is not user:pass@tcp(host:port)/db", dsn)
	}
	port, _ = strconv.Atoi(m[4])
	return m[1], m[2], m[3], port
}

// dtColumns are the columns of the test table: every type of the mapping.
var dtColumns = func() []string {
	cols := []string{
		"id INT NOT NULL PRIMARY KEY",
		"ti TINYINT", "tiu TINYINT UNSIGNED", "tb TINYINT(1)", "bo BOOLEAN",
		"si SMALLINT", "siu SMALLINT UNSIGNED", "mi MEDIUMINT", "miu MEDIUMINT UNSIGNED",
		"i INT", "iu INT UNSIGNED", "bi BIGINT", "biu BIGINT UNSIGNED", "izf INT(8) UNSIGNED ZEROFILL",
		"d DECIMAL(10,2)", "dmax DECIMAL(65,30)", "d0 DECIMAL(65,0)", "dn NUMERIC(5,5)",
		"f FLOAT", "db DOUBLE", "fr REAL",
		"b1 BIT(1)", "b10 BIT(10)", "b64 BIT(64)",
		"dt DATE", "dtn DATE NOT NULL DEFAULT '2000-01-01'",
	}
	for fsp := 0; fsp <= 6; fsp++ {
		cols = append(cols, fmt.Sprintf("tm%d TIME(%d)", fsp, fsp))
	}
	for fsp := 0; fsp <= 6; fsp++ {
		cols = append(cols, fmt.Sprintf("dtm%d DATETIME(%d)", fsp, fsp))
	}
	for fsp := 0; fsp <= 6; fsp++ {
		cols = append(cols, fmt.Sprintf("ts%d TIMESTAMP(%d) NULL", fsp, fsp))
	}
	return append(cols,
		"dtmn DATETIME NOT NULL DEFAULT '2000-01-01 00:00:00'", "tsn TIMESTAMP(3) NOT NULL DEFAULT '2000-01-01 00:00:00'",
		"y YEAR",
		"c CHAR(10)", "vc VARCHAR(255)", "tx TEXT", "ltx LONGTEXT", "l1 VARCHAR(20) CHARACTER SET latin1", "tt TINYTEXT",
		"bn BINARY(4)", "vb VARBINARY(10)", "bl BLOB", "lbl LONGBLOB", "tbl TINYBLOB",
		`e ENUM('a','b''c','d,e','x\\y')`, "s SET('a','b','c','d')",
		"j JSON",
		"g GEOMETRY", "p POINT", "ls LINESTRING", "pg POLYGON", "mp MULTIPOINT", "mls MULTILINESTRING", "mpg MULTIPOLYGON", "gc GEOMETRYCOLLECTION",
	)
}()

func dtColName(def string) string { return def[:strings.IndexByte(def, ' ')] }

// dtRows are the inserted rows: column -> SQL literal (absent: NULL, or the
// default of a NOT NULL column).
var dtRows = []map[string]string{
	{ // maximum values
		"id": "1", "ti": "127", "tiu": "255", "tb": "1", "bo": "TRUE", "si": "32767", "siu": "65535", "mi": "8388607", "miu": "16777215",
		"i": "2147483647", "iu": "4294967295", "bi": "9223372036854775807", "biu": "18446744073709551615", "izf": "42",
		"d": "99999999.99", "dmax": "99999999999999999999999999999999999.999999999999999999999999999999", "d0": strings.Repeat("9", 65), "dn": "0.99999",
		"f": "1.5", "db": "1.7976931348623157e308", "fr": "0.1",
		"b1": "b'1'", "b10": "b'1111111111'", "b64": "x'FFFFFFFFFFFFFFFF'",
		"dt": "'9999-12-31'", "dtn": "'1000-01-01'",
		"tm0": "'838:59:59'", "tm1": "'838:59:59.9'", "tm2": "'838:59:59.99'", "tm3": "'838:59:59.999'", "tm4": "'838:59:59.9999'", "tm5": "'838:59:59.99999'", "tm6": "'838:59:59.999999'",
		"dtm0": "'9999-12-31 23:59:59'", "dtm1": "'9999-12-31 23:59:59.9'", "dtm2": "'9999-12-31 23:59:59.99'", "dtm3": "'9999-12-31 23:59:59.999'",
		"dtm4": "'9999-12-31 23:59:59.9999'", "dtm5": "'9999-12-31 23:59:59.99999'", "dtm6": "'9999-12-31 23:59:59.999999'",
		"ts0": "'2038-01-19 03:14:07'", "ts1": "'2038-01-19 03:14:07.9'", "ts2": "'2038-01-19 03:14:07.99'", "ts3": "'2038-01-19 03:14:07.999'",
		"ts4": "'2038-01-19 03:14:07.9999'", "ts5": "'2038-01-19 03:14:07.99999'", "ts6": "'2038-01-19 03:14:07.999999'",
		"dtmn": "'2024-05-01 10:15:30'", "tsn": "'1970-01-01 00:00:01.001'",
		"y": "2155",
		"c": "'abcdefghij'", "vc": "'héllo 😀 \"q\" \\\\'", "tx": "'text'", "ltx": "REPEAT('x', 70000)", "l1": "'café € ÿ'", "tt": "'t'",
		"bn": "x'00FF00FF'", "vb": "x'00FF'", "bl": "x'DEADBEEF'", "lbl": "REPEAT(x'00FF', 40000)", "tbl": "x'01'",
		"e": `'x\\y'`, "s": "'a,b,c,d'",
		"j": `'{"b": [1, 2.50, 1e21], "a": "x<y", "c": {"d": null}}'`,
		"g": "ST_GeomFromText('LINESTRING(0 0,1 1)', 4326)", "p": "ST_PointFromText('POINT(1 2)')", "ls": "ST_GeomFromText('LINESTRING(0 0,1 1,2 0)')",
		"pg": "ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))', 3857)", "mp": "ST_GeomFromText('MULTIPOINT(0 0,1 1)')",
		"mls": "ST_GeomFromText('MULTILINESTRING((0 0,1 1),(2 2,3 3))')", "mpg": "ST_GeomFromText('MULTIPOLYGON(((0 0,1 0,1 1,0 0)))')",
		"gc": "ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 1),LINESTRING(0 0,1 1))')",
	},
	{ // minimum and zero values
		"id": "2", "ti": "-128", "tiu": "0", "tb": "0", "bo": "FALSE", "si": "-32768", "siu": "0", "mi": "-8388608", "miu": "0",
		"i": "-2147483648", "iu": "0", "bi": "-9223372036854775808", "biu": "9223372036854775808", "izf": "0",
		"d": "-99999999.99", "dmax": "-99999999999999999999999999999999999.999999999999999999999999999999", "d0": "-" + strings.Repeat("9", 65), "dn": "-0.00001",
		"f": "-3.25", "db": "-2.5e-300", "fr": "-0",
		"b1": "b'0'", "b10": "b'0'", "b64": "x'8000000000000000'",
		"dt": "'0000-00-00'", "dtn": "'0000-00-00'",
		"tm0": "'-838:59:59'", "tm3": "'-838:59:59.999'", "tm6": "'-838:59:59.999999'", "tm1": "'-00:00:00.1'", "tm2": "'00:00:00'", "tm4": "'-00:00:01.0001'", "tm5": "'-23:59:59.00001'",
		"dtm0": "'0000-00-00 00:00:00'", "dtm3": "'0000-00-00 00:00:00'", "dtm6": "'0000-00-00 00:00:00'", "dtm1": "'1000-01-01 00:00:00'",
		"ts0": "'0000-00-00 00:00:00'", "ts3": "'0000-00-00 00:00:00'", "ts6": "'0000-00-00 00:00:00'", "ts1": "'1970-01-01 00:00:01'",
		"dtmn": "'0000-00-00 00:00:00'", "tsn": "'0000-00-00 00:00:00'",
		"y": "0",
		"c": "''", "vc": "''", "tx": "''", "ltx": "''", "l1": "''", "tt": "''",
		"bn": "'ab'", "vb": "''", "bl": "''", "lbl": "''", "tbl": "''",
		"e": "'nope'", "s": "''",
		"j": "'[]'",
		"p": "ST_PointFromText('POINT(-1.5 1e10)', 4326)",
	},
	{"id": "3"}, // NULL everywhere but in the NOT NULL columns
	{ // everyday values
		"id": "4", "ti": "-1", "tiu": "200", "siu": "40000", "miu": "9000000", "iu": "3000000000", "biu": "12345678901234567890",
		"d": "-0.50", "dmax": "0.000000000000000000000000000001", "d0": "0", "dn": "0.5",
		"f": "-0.0625", "db": "0.1", "fr": "3.5",
		"b10": "b'1000000001'", "b64": "b'1'",
		"dt": "'2024-00-10'", "dtn": "'1969-12-31'",
		"tm0": "'12:34:56'", "tm1": "'-00:00:01.5'", "tm3": "'12:00:00.5'", "tm6": "'-00:00:00.000001'",
		"dtm0": "'1969-12-31 23:59:59'", "dtm3": "'2024-05-01 10:15:30.123'", "dtm6": "'1969-12-31 23:59:59.999999'", "dtm4": "'2024-02-29 00:00:00.0001'",
		"ts0": "'2018-06-20 13:37:03'", "ts3": "'2024-05-01 10:15:30.120'", "ts6": "'2024-05-01 10:15:30.123456'", "ts2": "'2000-01-01 00:00:00.5'",
		"y": "1901",
		"c": "'  pad'", "vc": "'tab\\there'", "l1": "'\\'quote\\''", "tx": "'x'",
		"bn": "x'0000'", "vb": "x'000000'",
		"e": "'b''c'", "s": "'d,a'",
		"j": `'"just a string"'`,
		"p": "ST_PointFromText('POINT(0 0)')",
	},
}

// dtExpect are values FromText must give (id -> column -> value); the rest
// are checked by comparing the two paths.
var dtExpect = map[int32]map[string]any{
	1: {
		"ti": int16(127), "tiu": int16(255), "tb": int16(1), "bo": int16(1), "si": int16(32767), "siu": int32(65535), "mi": int32(8388607),
		"miu": int32(16777215), "i": int32(math.MaxInt32), "iu": int64(4294967295), "bi": int64(math.MaxInt64), "biu": int64(-1), "izf": int64(42),
		"f": float32(1.5), "db": math.MaxFloat64, "fr": 0.1,
		"b1": true, "b10": []byte{0xff, 0x03}, "b64": []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		"dt": epochDays(9999, 12, 31), "dtn": epochDays(1000, 1, 1),
		"tm0": int64(3020399000000), "tm6": int64(3020399999999), "tm3": int64(3020399999000),
		"dtm0": int64(253402300799000), "dtm3": int64(253402300799999), "dtm6": int64(253402300799999999),
		"ts0": "2038-01-19T03:14:07Z", "ts1": "2038-01-19T03:14:07.9Z", "ts3": "2038-01-19T03:14:07.999Z", "ts6": "2038-01-19T03:14:07.999999Z",
		"dtmn": int64(1714558530000), "tsn": "1970-01-01T00:00:01.001Z",
		"y": int32(2155),
		"c": "abcdefghij", "vc": `héllo 😀 "q" \`, "tx": "text", "ltx": strings.Repeat("x", 70000), "l1": "café € ÿ", "tt": "t",
		"bn": []byte{0, 0xff, 0, 0xff}, "vb": []byte{0, 0xff}, "bl": []byte{0xde, 0xad, 0xbe, 0xef}, "lbl": bytes.Repeat([]byte{0, 0xff}, 40000), "tbl": []byte{1},
		"e": `x\y`, "s": "a,b,c,d",
		"j": `{"b": [1, 2.50, 1e21], "a": "x<y", "c": {"d": null}}`,
		"p": change.StructValue{1.0, 2.0, dtPointWKB(1, 2), nil},
	},
	2: {
		"ti": int16(-128), "tiu": int16(0), "tb": int16(0), "bo": int16(0), "si": int16(-32768), "siu": int32(0), "mi": int32(-8388608), "miu": int32(0),
		"i": int32(math.MinInt32), "iu": int64(0), "bi": int64(math.MinInt64), "biu": int64(math.MinInt64), "izf": int64(0),
		"f": float32(-3.25), "db": -2.5e-300,
		"b1": false, "b10": []byte{0, 0}, "b64": []byte{0, 0, 0, 0, 0, 0, 0, 0x80},
		"dt": nil, "dtn": int32(0),
		"tm0": int64(-3020399000000), "tm1": int64(-100000), "tm2": int64(0), "tm4": int64(-1000100), "tm5": int64(-86399000010), "tm6": int64(-3020399999999),
		"dtm0": nil, "dtm3": nil, "dtm6": nil, "dtm1": int64(-30610224000000),
		"ts0": nil, "ts3": nil, "ts6": nil, "ts1": "1970-01-01T00:00:01Z",
		"dtmn": int64(0), "tsn": "1970-01-01T00:00:00Z",
		"y": int32(0),
		"c": "", "vc": "", "tx": "", "l1": "",
		"bn": []byte{'a', 'b', 0, 0}, "vb": []byte{}, "bl": []byte{},
		"e": "", "s": "",
		"j": "[]",
		"p": change.StructValue{-1.5, 1e10, dtPointWKB(-1.5, 1e10), int32(4326)},
	},
	3: {"ti": nil, "dt": nil, "dtn": epochDays(2000, 1, 1), "dtmn": int64(946684800000), "tsn": "2000-01-01T00:00:00Z", "j": nil, "p": nil, "e": nil},
	4: {
		"ti": int16(-1), "tiu": int16(200), "siu": int32(40000), "miu": int32(9000000), "iu": int64(3000000000), "biu": int64(-6101065172474983726),
		"f": float32(-0.0625), "db": 0.1, "fr": 3.5,
		"b10": []byte{0x01, 0x02}, "b64": []byte{1, 0, 0, 0, 0, 0, 0, 0},
		"dt": nil, "dtn": int32(-1),
		"tm0": int64(45296000000), "tm1": int64(-1500000), "tm3": int64(43200500000), "tm6": int64(-1),
		"dtm0": int64(-1000), "dtm3": int64(1714558530123), "dtm6": int64(-1), "dtm4": int64(1709164800000100),
		"ts0": "2018-06-20T13:37:03Z", "ts3": "2024-05-01T10:15:30.12Z", "ts6": "2024-05-01T10:15:30.123456Z", "ts2": "2000-01-01T00:00:00.5Z",
		"y": int32(1901),
		"c": "  pad", "vc": "tab\there", "l1": "'quote'",
		"bn": []byte{0, 0, 0, 0}, "vb": []byte{0, 0, 0},
		"e": "b'c", "s": "a,d",
		"j": `"just a string"`,
		"p": change.StructValue{0.0, 0.0, dtPointWKB(0, 0), nil},
	},
}

// dtDecimals are the unscaled values FromText must give for DECIMAL columns.
var dtDecimals = map[int32]map[string]string{
	1: {"d": "9999999999", "dmax": strings.Repeat("9", 65), "d0": strings.Repeat("9", 65), "dn": "99999"},
	2: {"d": "-9999999999", "dmax": "-" + strings.Repeat("9", 65), "d0": "-" + strings.Repeat("9", 65), "dn": "-1"},
	4: {"d": "-50", "dmax": "1", "d0": "0", "dn": "50000"},
}

func dtPointWKB(x, y float64) []byte {
	b := []byte{1, 1, 0, 0, 0}
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(y))
}

// dtConnect opens a session the way the snapshot does: utf8mb4, UTC.
func dtConnect(t *testing.T, db string) *client.Conn {
	t.Helper()
	user, pass, host, port := dtServer(t)
	conn, err := client.Connect(fmt.Sprintf("%s:%d", host, port), user, pass, db)
	if err != nil {
		t.Skipf("no MariaDB at %s:%d (run integration/env/up mariadb): %v", host, port, err)
	}
	if err := conn.SetCharset("utf8mb4"); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"SET time_zone = '+00:00'", "SET sql_mode = ''"} {
		if _, err := conn.Execute(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return conn
}

func TestTypesAgainstMariaDB(t *testing.T) {
	admin := dtConnect(t, "")
	db := fmt.Sprintf("sluice_types_%d_%d", time.Now().UnixNano()%1e9, rand.IntN(1000))
	mustExec := func(c *client.Conn, q string) {
		t.Helper()
		if _, err := c.Execute(q); err != nil {
			t.Fatalf("%.200s: %v", q, err)
		}
	}
	mustExec(admin, "CREATE DATABASE "+db)
	t.Cleanup(func() {
		if _, err := admin.Execute("DROP DATABASE IF EXISTS " + db); err != nil {
			t.Errorf("drop %s: %v", db, err)
		}
		admin.Close()
	})
	conn := dtConnect(t, db)
	defer conn.Close()
	mustExec(conn, "CREATE TABLE t (\n"+strings.Join(dtColumns, ",\n")+"\n)")

	// The binlog position before the inserts.
	r, err := conn.Execute("SHOW MASTER STATUS")
	if err != nil || r.RowNumber() == 0 {
		t.Fatalf("SHOW MASTER STATUS: %v (binary log off?)", err)
	}
	file, _ := r.GetString(0, 0)
	pos, _ := r.GetUint(0, 1)

	names := make([]string, len(dtColumns))
	for i, c := range dtColumns {
		names[i] = dtColName(c)
	}
	for _, row := range dtRows {
		var cols, vals []string
		for _, n := range names {
			if v, ok := row[n]; ok {
				cols = append(cols, n)
				vals = append(vals, v)
			}
		}
		mustExec(conn, "INSERT INTO t ("+strings.Join(cols, ",")+") VALUES ("+strings.Join(vals, ",")+")")
	}

	// Metadata from information_schema.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	isMeta, err := MetaFromInformationSchema(ctx, conn, db, "t")
	if err != nil {
		t.Fatal(err)
	}
	if len(isMeta) != len(names) {
		t.Fatalf("information_schema: %d columns, want %d", len(isMeta), len(names))
	}
	isCols := make([]Column, len(isMeta))
	for i, m := range isMeta {
		if m.Name != names[i] {
			t.Fatalf("column %d is %q, want %q", i, m.Name, names[i])
		}
		isCols[i] = mustMap(t, m, TypeOptions{})
	}
	if !isMeta[0].IsPrimaryKey || isMeta[0].KeyPosition != 1 || isMeta[1].IsPrimaryKey {
		t.Errorf("primary key: %+v %+v", isMeta[0], isMeta[1])
	}
	if m := isMeta[indexOf(names, "e")]; !reflect.DeepEqual(m.EnumValues, []string{"a", "b'c", "d,e", `x\y`}) {
		t.Errorf("enum values from COLUMN_TYPE %q: %q", m.ColumnType, m.EnumValues)
	}
	if c := isCols[indexOf(names, "j")]; c.Field.Logical != connecttypes.NameJSON || isMeta[indexOf(names, "j")].ColumnType != "json" {
		t.Errorf("MariaDB JSON not recognised: %+v, %+v", isMeta[indexOf(names, "j")], c.Field)
	}

	// (a) A plain SELECT, through FromText.
	res, err := conn.Execute("SELECT " + strings.Join(names, ",") + " FROM t ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	if res.RowNumber() != len(dtRows) {
		t.Fatalf("SELECT: %d rows", res.RowNumber())
	}
	textRows := map[int32][]any{}
	for ri := range res.Values {
		row := make([]any, len(names))
		for ci, fv := range res.Values[ri] {
			b, null := FieldText(fv)
			if null {
				continue
			}
			v, err := isCols[ci].FromText(b)
			if err != nil {
				t.Errorf("row %d %s FromText(%q): %v", ri, names[ci], b, err)
				continue
			}
			row[ci] = v
		}
		textRows[row[0].(int32)] = row
	}
	for id, exp := range dtExpect {
		for col, want := range exp {
			got := textRows[id][indexOf(names, col)]
			if !reflect.DeepEqual(got, want) {
				t.Errorf("row %d %s: FromText = %T %v, want %T %v", id, col, got, short(got), want, short(want))
			}
		}
	}
	for id, exp := range dtDecimals {
		for col, want := range exp {
			got, _ := textRows[id][indexOf(names, col)].([]byte)
			if w, _ := new(big.Int).SetString(want, 10); got == nil || unscaled(got).Cmp(w) != 0 {
				t.Errorf("row %d %s: unscaled %v, want %s", id, col, got, want)
			}
		}
	}
	for _, g := range []string{"g", "ls", "pg", "mp", "mls", "mpg", "gc"} {
		v, ok := textRows[1][indexOf(names, g)].(change.StructValue)
		if !ok || len(v) != 2 || len(v[0].([]byte)) < 9 {
			t.Errorf("row 1 %s: %v", g, v)
		}
	}
	if v := textRows[1][indexOf(names, "g")].(change.StructValue); v[1] != int32(4326) {
		t.Errorf("geometry srid %v", v[1])
	}

	// (b) The binlog events of the inserts, through FromBinlog.
	user, pass, host, port := dtServer(t)
	cfg := replication.BinlogSyncerConfig{
		ServerID: uint32(5300 + rand.IntN(100000)), Flavor: gomysql.MariaDBFlavor,
		Host: host, Port: uint16(port), User: user, Password: pass, Charset: "utf8mb4",
		Logger: log.NewDefault(&log.NullHandler{}),
	}
	ConfigureSyncer(&cfg)
	syncer := replication.NewBinlogSyncer(cfg)
	defer syncer.Close()
	streamer, err := syncer.StartSync(gomysql.Position{Name: file, Pos: uint32(pos)})
	if err != nil {
		t.Fatal(err)
	}
	var binRows [][]any
	var tableMap *replication.TableMapEvent
	for len(binRows) < len(dtRows) {
		ev, err := streamer.GetEvent(ctx)
		if err != nil {
			t.Fatalf("binlog after %d rows: %v", len(binRows), err)
		}
		if re, ok := ev.Event.(*replication.RowsEvent); ok && string(re.Table.Schema) == db {
			tableMap = re.Table
			binRows = append(binRows, re.Rows...)
		}
	}
	tmMeta, err := MetaFromTableMap(tableMap, true)
	if err != nil {
		t.Fatal(err)
	}
	tmCols := make([]Column, len(tmMeta))
	for i, m := range tmMeta {
		tmCols[i] = mustMap(t, m, TypeOptions{})
		// The TABLE_MAP gives the schema information_schema gives, but for
		// MariaDB's JSON (LONGTEXT to a TABLE_MAP).
		a, b := tmCols[i].Field, isCols[i].Field
		if names[i] == "j" {
			if a.Type != change.String || a.Logical != "" {
				t.Errorf("j from TABLE_MAP: %+v", a)
			}
			continue
		}
		if a.Name != b.Name || a.Type != b.Type || a.Optional != b.Optional || a.Logical != b.Logical ||
			a.Version != b.Version || !reflect.DeepEqual(a.Params, b.Params) || !reflect.DeepEqual(a.Fields, b.Fields) {
			t.Errorf("column %s: TABLE_MAP field %+v (meta %+v)\n  information_schema field %+v (meta %+v)", names[i], a, m, b, isMeta[i])
		}
	}
	compared := 0
	defer func() {
		t.Logf("%d rows from the binlog, %d values compared with the text protocol's", len(binRows), compared)
	}()
	for _, row := range binRows {
		if len(row) != len(names) {
			t.Fatalf("binlog row of %d columns", len(row))
		}
		id := row[0].(int32)
		want := textRows[id]
		for ci, v := range row {
			for _, set := range []struct {
				name string
				cols []Column
			}{{"TABLE_MAP", tmCols}, {"information_schema", isCols}} {
				var got any
				if v != nil {
					got, err = set.cols[ci].FromBinlog(v)
					if err != nil {
						t.Errorf("row %d %s (%s) FromBinlog(%T %v): %v", id, names[ci], set.name, v, short(v), err)
						continue
					}
				}
				compared++
				if set.cols[ci].Field.Logical == connecttypes.NameZonedTimestamp {
					// The binlog's TIMESTAMP has exactly fsp fraction digits and
					// its zero is the epoch; the snapshot's drops trailing zeros
					// and has null for a nullable zero (as Debezium's).
					got = isoTimestamp(got)
					if want[ci] == nil && got == "1970-01-01T00:00:00Z" {
						got = nil
					}
				}
				if !reflect.DeepEqual(got, want[ci]) {
					t.Errorf("row %d %s (%s): FromBinlog(%T %v) = %T %v, FromText gave %T %v", id, names[ci], set.name, v, short(v), got, short(got), want[ci], short(want[ci]))
				}
			}
		}
	}
}

// isoTimestamp writes a ZonedTimestamp string as the snapshot does: the
// fraction without trailing zeros.
func isoTimestamp(v any) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	if i := strings.IndexByte(s, '.'); i >= 0 && strings.HasSuffix(s, "Z") {
		frac := strings.TrimRight(s[i+1:len(s)-1], "0")
		if frac == "" {
			return s[:i] + "Z"
		}
		return s[:i+1] + frac + "Z"
	}
	return s
}

func indexOf(names []string, n string) int {
	for i, x := range names {
		if x == n {
			return i
		}
	}
	panic("no column " + n)
}

// short abbreviates long values in messages.
func short(v any) any {
	switch x := v.(type) {
	case string:
		if len(x) > 80 {
			return x[:80] + "..."
		}
	case []byte:
		if len(x) > 40 {
			return fmt.Sprintf("%x...(%d bytes)", x[:40], len(x))
		}
	}
	return v
}
