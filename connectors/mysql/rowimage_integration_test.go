//go:build integration

package mysql

import (
	"context"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"
	"github.com/siddontang/go-log/log"
)

// TestIntegrationFastRowsMatchGoMySQL is TestFastRowsMatchGoMySQL against
// the binlog MariaDB writes: rows of every fast type, edge values, updates
// with and without key changes and deletes, read by two binlog dumps, one
// decoded by go-mysql alone and one by the fast path, must give the same
// change events.
func TestIntegrationFastRowsMatchGoMySQL(t *testing.T) {
	admin := dtConnect(t, "")
	db := fmt.Sprintf("sluice_fast_%d_%d", time.Now().UnixNano()%1e9, rand.IntN(1000))
	mustExec := func(q string) {
		t.Helper()
		if _, err := admin.Execute(q); err != nil {
			t.Fatalf("%.300s: %v", q, err)
		}
	}
	mustExec("CREATE DATABASE " + db)
	t.Cleanup(func() {
		if _, err := admin.Execute("DROP DATABASE IF EXISTS " + db); err != nil {
			t.Errorf("drop %s: %v", db, err)
		}
		admin.Close()
	})
	mustExec("USE " + db)
	cols := []struct{ def, kind string }{
		{"id INT NOT NULL PRIMARY KEY", ""},
		{"ti TINYINT", "i8"}, {"tiu TINYINT UNSIGNED", "u8"}, {"si SMALLINT", "i16"}, {"siu SMALLINT UNSIGNED", "u16"},
		{"mi MEDIUMINT", "i24"}, {"miu MEDIUMINT UNSIGNED", "u24"}, {"i INT", "i32"}, {"iu INT UNSIGNED", "u32"},
		{"de DECIMAL(10,2)", "dec10_2"}, {"de18 DECIMAL(18,6)", "dec18_6"}, {"de5 DECIMAL(5,0) NOT NULL DEFAULT 0", "dec5_0"}, {"deu DECIMAL(18,18) UNSIGNED", "dec18_18"},
		{"bi BIGINT", "i64"}, {"biu BIGINT UNSIGNED", "u64"}, {"y YEAR", "year"}, {"f FLOAT", "float"}, {"d DOUBLE", "double"},
		{"dt DATE", "date"}, {"dtn DATE NOT NULL DEFAULT '2000-01-01'", "date"},
		{"dt0 DATETIME", "datetime"}, {"dt1 DATETIME(1)", "datetime"}, {"dt3 DATETIME(3)", "datetime"}, {"dt4 DATETIME(4)", "datetime"}, {"dt6 DATETIME(6)", "datetime"},
		{"dtnn DATETIME(3) NOT NULL DEFAULT '2000-01-01 00:00:00'", "datetime"},
		{"ts0 TIMESTAMP NULL", "timestamp"}, {"ts2 TIMESTAMP(2) NULL", "timestamp"}, {"ts5 TIMESTAMP(5) NULL", "timestamp"}, {"ts6 TIMESTAMP(6) NULL", "timestamp"},
		{"tsnn TIMESTAMP(3) NOT NULL DEFAULT '2000-01-01 00:00:00'", "timestamp"},
		{"c CHAR(10)", "text10"}, {"c255 CHAR(255)", "text255"}, {"cl CHAR(5) CHARACTER SET latin1", "latin5"},
		{"v VARCHAR(20)", "text20"}, {"v400 VARCHAR(400)", "text255"}, {"vl VARCHAR(300) CHARACTER SET latin1", "latin300"},
		{"tt TINYTEXT", "text20"}, {"tx TEXT", "text255"}, {"mt MEDIUMTEXT CHARACTER SET latin1", "latin300"}, {"lt LONGTEXT", "text255"},
		{"bn BINARY(4)", "bin4"}, {"vb VARBINARY(300)", "bin300"}, {"tb TINYBLOB", "bin4"}, {"bl BLOB", "bin300"},
	}
	defs := make([]string, len(cols))
	for i, c := range cols {
		defs[i] = c.def
	}
	mustExec("CREATE TABLE f (" + strings.Join(defs, ", ") + ") DEFAULT CHARSET utf8mb4")
	mustExec("CREATE TABLE g (v VARCHAR(20) NOT NULL, u BIGINT UNSIGNED NOT NULL, n INT, PRIMARY KEY (v, u)) DEFAULT CHARSET utf8mb4")
	mustExec("CREATE TABLE done (x INT PRIMARY KEY)")
	mustExec("SET sql_mode = ''")

	r, err := admin.Execute("SHOW MASTER STATUS")
	if err != nil || r.RowNumber() == 0 {
		t.Fatalf("SHOW MASTER STATUS: %v", err)
	}
	file, _ := r.GetString(0, 0)
	pos, _ := r.GetUint(0, 1)

	rng := rand.New(rand.NewPCG(5, 6))
	texts := []string{"", "a", "abc xyz", "é", "中文字符", "😀🎉", "O'Reilly \\ \"q\"", "混合 mixed ü 😀"}
	latin := []string{"", "abc", "caf\xe9", "\x80\x9f\xa0\xff", "x"}
	value := func(kind string) string {
		if rng.IntN(8) == 0 {
			return "NULL"
		}
		pick := func(s ...string) string { return s[rng.IntN(len(s))] }
		switch kind {
		case "i8":
			return pick("-128", "127", "0", "-1", fmt.Sprint(rng.IntN(256)-128))
		case "u8":
			return pick("0", "255", "128", fmt.Sprint(rng.IntN(256)))
		case "i16":
			return pick("-32768", "32767", "0", "-1", fmt.Sprint(rng.IntN(65536)-32768))
		case "u16":
			return pick("0", "65535", "32768", fmt.Sprint(rng.IntN(65536)))
		case "i24":
			return pick("-8388608", "8388607", "0", "-1")
		case "u24":
			return pick("0", "16777215", "8388608")
		case "i32":
			return pick("-2147483648", "2147483647", "0", "-1", fmt.Sprint(rng.Int32()))
		case "u32":
			return pick("0", "4294967295", "2147483648", fmt.Sprint(rng.Uint32()))
		case "i64":
			return pick("-9223372036854775808", "9223372036854775807", "0", "-1", fmt.Sprint(rng.Int64()))
		case "u64":
			return pick("0", "18446744073709551615", "9223372036854775808", fmt.Sprint(rng.Uint64()))
		case "year":
			return pick("0", "1901", "2155", "2024")
		case "float":
			return pick("0", "-1.5", "3.4e38", "1.17549e-38", fmt.Sprint(rng.Float32()*1000))
		case "double":
			return pick("0", "-1.5", "1.7976931348623157e308", "2.2250738585072014e-308", fmt.Sprint(rng.NormFloat64()*1e9))
		case "date":
			return pick("'0000-00-00'", "'2024-00-10'", "'2024-02-29'", "'1000-01-01'", "'9999-12-31'", "'1970-01-01'")
		case "dec10_2":
			return pick("0", "-0.00", "99999999.99", "-99999999.99", "0.01", "-0.01", fmt.Sprintf("%d.%02d", rng.IntN(1e8)-5e7, rng.IntN(100)))
		case "dec18_6":
			return pick("0", "999999999999.999999", "-999999999999.999999", "-0.000001", fmt.Sprintf("%d.%06d", rng.Int64N(1e12)-5e11, rng.IntN(1e6)))
		case "dec5_0":
			return pick("0", "99999", "-99999", "-1", fmt.Sprint(rng.IntN(199999)-99999))
		case "dec18_18":
			return pick("0", "0.999999999999999999", "0.000000000000000001", fmt.Sprintf("0.%018d", rng.Int64N(1e18)))
		case "datetime":
			return pick("'0000-00-00 00:00:00'", "'2024-00-00 10:00:00'", "'1000-01-01 00:00:00'", "'9999-12-31 23:59:59.999999'",
				"'1969-12-31 23:59:59.5'", "'2024-02-29 12:34:56.789'", "'1970-01-01 00:00:00'", "'2024-05-01 10:15:30.123456'",
				fmt.Sprintf("'%04d-%02d-%02d %02d:%02d:%02d.%06d'", 1+rng.IntN(9999), 1+rng.IntN(12), 1+rng.IntN(28), rng.IntN(24), rng.IntN(60), rng.IntN(60), rng.IntN(1000000)))
		case "timestamp":
			return pick("'0000-00-00 00:00:00'", "'1970-01-01 00:00:01'", "'2038-01-19 03:14:07.999999'", "'2024-05-01 10:15:30.12'",
				fmt.Sprintf("FROM_UNIXTIME(%d.%06d)", 1+rng.IntN(2147483646), rng.IntN(1000000)))
		case "text10", "text20", "text255":
			n := map[string]int{"text10": 10, "text20": 20, "text255": 255}[kind]
			s := pick(texts...)
			if rng.IntN(4) == 0 {
				s = strings.Repeat("ж", n)
			}
			return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
		case "latin5", "latin300":
			s := pick(latin...)
			if kind == "latin300" && rng.IntN(3) == 0 {
				s = strings.Repeat("\xe9a", 150)
			}
			return "X'" + hex.EncodeToString([]byte(s)) + "'"
		case "bin4":
			return pick("X''", "X'00'", "X'01020000'", "X'ffffffff'", "X'61'")
		case "bin300":
			b := make([]byte, rng.IntN(300))
			for i := range b {
				b[i] = byte(rng.UintN(256))
			}
			return "X'" + hex.EncodeToString(b) + "'"
		}
		return "NULL"
	}
	for batch := range 10 {
		var rows []string
		for k := range 20 {
			vals := []string{fmt.Sprint(batch*20 + k + 1)}
			for _, c := range cols[1:] {
				v := value(c.kind)
				if strings.Contains(c.def, "NOT NULL") && v == "NULL" {
					v = "DEFAULT"
				}
				vals = append(vals, v)
			}
			rows = append(rows, "("+strings.Join(vals, ", ")+")")
		}
		mustExec("INSERT INTO f VALUES " + strings.Join(rows, ", "))
	}
	for k := range 60 {
		nonNull := func(kind string) string {
			for {
				if v := value(kind); v != "NULL" {
					return v
				}
			}
		}
		mustExec(fmt.Sprintf("INSERT IGNORE INTO g VALUES (%s, %s, %d)", nonNull("text20"), nonNull("u64"), k))
	}
	mustExec("INSERT IGNORE INTO g VALUES ('', 0, 1), ('😀', 18446744073709551615, 2)")
	mustExec("UPDATE f SET ti = -ti, v = CONCAT(COALESCE(v, ''), 'é'), bl = NULL WHERE id % 3 = 0")
	mustExec("UPDATE f SET id = id + 1000 WHERE id % 5 = 0")
	mustExec("UPDATE g SET u = u + 1 WHERE n % 4 = 0 AND u < 100")
	mustExec("UPDATE g SET n = n + 1")
	mustExec("DELETE FROM f WHERE id % 7 = 0")
	mustExec("DELETE FROM g WHERE n % 3 = 0")
	mustExec("INSERT INTO done VALUES (1)")

	user, pass, host, port := dtServer(t)
	read := func(fast bool) []*replication.BinlogEvent {
		cfg := replication.BinlogSyncerConfig{
			ServerID: uint32(5300 + rand.IntN(100000)), Flavor: gomysql.MariaDBFlavor,
			Host: host, Port: uint16(port), User: user, Password: pass, Charset: "utf8mb4",
			Logger: log.NewDefault(&log.NullHandler{}),
		}
		ConfigureSyncer(&cfg)
		if fast {
			cfg.RowsEventDecodeFunc = deferRowsDecode
		}
		syncer := replication.NewBinlogSyncer(cfg)
		defer syncer.Close()
		streamer, err := syncer.StartSync(gomysql.Position{Name: file, Pos: uint32(pos)})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var evs []*replication.BinlogEvent
		for {
			ev, err := streamer.GetEvent(ctx)
			if err != nil {
				t.Fatalf("binlog after %d events: %v", len(evs), err)
			}
			evs = append(evs, ev)
			if re, ok := ev.Event.(*replication.RowsEvent); ok && string(re.Table.Schema) == db && string(re.Table.Table) == "done" {
				return evs
			}
		}
	}
	plain, fast := read(false), read(true)
	if len(plain) != len(fast) {
		t.Fatalf("%d events from go-mysql's dump, %d from the fast path's", len(plain), len(fast))
	}

	// Only this test's database: the server is shared.
	cfg := baseConfig()
	cfg["database.include.list"] = db
	// Nor the DDL other tests run on it meanwhile (schema history records
	// every database's by default, as Debezium's).
	cfg["schema.history.internal.store.only.captured.databases.ddl"] = "true"
	run := newDiffRun(t, cfg)
	rowsEvents, hits := 0, 0
	for i := range plain {
		if plain[i].Header.EventType != fast[i].Header.EventType {
			t.Fatalf("event %d: %v and %v", i, plain[i].Header.EventType, fast[i].Header.EventType)
		}
		re, ok := fast[i].Event.(*replication.RowsEvent)
		ours := ok && string(re.Table.Schema) == db && string(re.Table.Table) != "done"
		deferred := ok && deferredOf(re) != nil
		run.handleBoth(plain[i], fast[i])
		if ours {
			rowsEvents++
			if deferred && deferredOf(re) != nil {
				hits++
			}
			run.checkImages(plain[i], fast[i])
		}
	}
	run.compare()
	t.Logf("%d rows events of the test tables, %d decoded by the fast path; %d change events compared", rowsEvents, hits, run.emitted)
	if rowsEvents == 0 || hits != rowsEvents {
		t.Fatalf("the fast path decoded %d of %d rows events, want all", hits, rowsEvents)
	}
}
