package mysql

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/connecttypes"
)

// showCreateT1 is MariaDB 10.11's SHOW CREATE TABLE of a table created as
// (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255) NOT NULL DEFAULT
// 'x”y', b BOOLEAN DEFAULT TRUE, f FLOAT(7,3), f2 FLOAT(30), r REAL, d
// DECIMAL(10,2) DEFAULT -1.5, j JSON, ...).
const showCreateT1 = "CREATE TABLE `t1` (\n" +
	"  `id` int(11) NOT NULL AUTO_INCREMENT,\n" +
	"  `name` varchar(255) NOT NULL DEFAULT 'x''y',\n" +
	"  `b` tinyint(1) DEFAULT 1,\n" +
	"  `f` float(7,3) DEFAULT NULL,\n" +
	"  `f2` double DEFAULT NULL,\n" +
	"  `r` double DEFAULT NULL,\n" +
	"  `d` decimal(10,2) DEFAULT -1.50,\n" +
	"  `j` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT NULL CHECK (json_valid(`j`)),\n" +
	"  `ts` timestamp(6) NULL DEFAULT current_timestamp(6) ON UPDATE current_timestamp(6),\n" +
	"  `e` enum('a','b') NOT NULL COMMENT 'an enum',\n" +
	"  `s` set('x','y','z') DEFAULT NULL,\n" +
	"  `bi` bit(3) DEFAULT b'101',\n" +
	"  `u` int(10) unsigned zerofill DEFAULT NULL,\n" +
	"  `c` char(3) CHARACTER SET latin1 COLLATE latin1_swedish_ci DEFAULT NULL,\n" +
	"  `v` varchar(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT NULL,\n" +
	"  `y` year(4) DEFAULT NULL,\n" +
	"  `g` point DEFAULT NULL,\n" +
	"  `big` bigint(20) unsigned NOT NULL,\n" +
	"  PRIMARY KEY (`id`),\n" +
	"  UNIQUE KEY `uk` (`name`)\n" +
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci COMMENT='tbl comment'"

func colJSON(t *testing.T, tb *ddlTable, name string) string {
	t.Helper()
	i := tb.column(name)
	if i < 0 {
		t.Fatalf("no column %s in %+v", name, tb.Columns)
	}
	v := tb.Columns[i].value(int32(i+1), tb.Charset)
	keys := []string{"name", "jdbcType", "nativeType", "typeName", "typeExpression", "charsetName", "length", "scale", "position", "optional", "autoIncremented", "generated", "comment", "defaultValueExpression", "enumValues"}
	var b strings.Builder
	b.WriteByte('{')
	for k, x := range v {
		if k > 0 {
			b.WriteByte(',')
		}
		j, _ := json.Marshal(x)
		b.WriteString(`"` + keys[k] + `":` + string(j))
	}
	b.WriteByte('}')
	return b.String()
}

func TestParseShowCreateTable(t *testing.T) {
	cr, ok := parseCreateTable(showCreateT1)
	if !ok {
		t.Fatal("not parsed")
	}
	tb := cr.Table
	if cr.Name != "t1" || tb.Charset != "utf8mb4" || tb.Comment != "tbl comment" || len(tb.Columns) != 18 {
		t.Fatalf("table %+v", cr)
	}
	if strings.Join(tb.Key, ",") != "id" {
		t.Errorf("key %v", tb.Key)
	}
	want := map[string]string{
		"id":   `{"name":"id","jdbcType":4,"nativeType":null,"typeName":"INT","typeExpression":"INT","charsetName":null,"length":11,"scale":null,"position":1,"optional":false,"autoIncremented":true,"generated":true,"comment":null,"defaultValueExpression":null,"enumValues":null}`,
		"name": `{"name":"name","jdbcType":12,"nativeType":null,"typeName":"VARCHAR","typeExpression":"VARCHAR","charsetName":"utf8mb4","length":255,"scale":null,"position":2,"optional":false,"autoIncremented":false,"generated":false,"comment":null,"defaultValueExpression":"x''y","enumValues":null}`,
		"b":    `{"name":"b","jdbcType":5,"nativeType":null,"typeName":"TINYINT","typeExpression":"TINYINT","charsetName":null,"length":1,"scale":null,"position":3,"optional":true,"autoIncremented":false,"generated":false,"comment":null,"defaultValueExpression":"1","enumValues":null}`,
		"f":    `{"name":"f","jdbcType":6,"nativeType":null,"typeName":"FLOAT","typeExpression":"FLOAT","charsetName":null,"length":7,"scale":3,"position":4,"optional":true,"autoIncremented":false,"generated":false,"comment":null,"defaultValueExpression":null,"enumValues":null}`,
		"d":    `{"name":"d","jdbcType":3,"nativeType":null,"typeName":"DECIMAL","typeExpression":"DECIMAL","charsetName":null,"length":10,"scale":2,"position":7,"optional":true,"autoIncremented":false,"generated":false,"comment":null,"defaultValueExpression":"-1.50","enumValues":null}`,
		"j":    `{"name":"j","jdbcType":12,"nativeType":null,"typeName":"LONGTEXT","typeExpression":"LONGTEXT","charsetName":"utf8mb4","length":null,"scale":null,"position":8,"optional":true,"autoIncremented":false,"generated":false,"comment":null,"defaultValueExpression":null,"enumValues":null}`,
		"ts":   `{"name":"ts","jdbcType":2014,"nativeType":null,"typeName":"TIMESTAMP","typeExpression":"TIMESTAMP","charsetName":null,"length":6,"scale":null,"position":9,"optional":true,"autoIncremented":false,"generated":false,"comment":null,"defaultValueExpression":"1970-01-01 00:00:00","enumValues":null}`,
		"e":    `{"name":"e","jdbcType":1,"nativeType":null,"typeName":"ENUM","typeExpression":"ENUM","charsetName":"utf8mb4","length":1,"scale":null,"position":10,"optional":false,"autoIncremented":false,"generated":false,"comment":"an enum","defaultValueExpression":null,"enumValues":["'a'","'b'"]}`,
		"s":    `{"name":"s","jdbcType":1,"nativeType":null,"typeName":"SET","typeExpression":"SET","charsetName":"utf8mb4","length":5,"scale":null,"position":11,"optional":true,"autoIncremented":false,"generated":false,"comment":null,"defaultValueExpression":null,"enumValues":["'x'","'y'","'z'"]}`,
		"bi":   `{"name":"bi","jdbcType":-7,"nativeType":null,"typeName":"BIT","typeExpression":"BIT","charsetName":null,"length":3,"scale":null,"position":12,"optional":true,"autoIncremented":false,"generated":false,"comment":null,"defaultValueExpression":"101","enumValues":null}`,
		"u":    `{"name":"u","jdbcType":4,"nativeType":null,"typeName":"INT UNSIGNED ZEROFILL","typeExpression":"INT UNSIGNED ZEROFILL","charsetName":null,"length":10,"scale":null,"position":13,"optional":true,"autoIncremented":false,"generated":false,"comment":null,"defaultValueExpression":null,"enumValues":null}`,
		"c":    `{"name":"c","jdbcType":1,"nativeType":null,"typeName":"CHAR","typeExpression":"CHAR","charsetName":"latin1","length":3,"scale":null,"position":14,"optional":true,"autoIncremented":false,"generated":false,"comment":null,"defaultValueExpression":null,"enumValues":null}`,
		"big":  `{"name":"big","jdbcType":-5,"nativeType":null,"typeName":"BIGINT UNSIGNED","typeExpression":"BIGINT UNSIGNED","charsetName":null,"length":20,"scale":null,"position":18,"optional":false,"autoIncremented":false,"generated":false,"comment":null,"defaultValueExpression":null,"enumValues":null}`,
	}
	for name, w := range want {
		if got := colJSON(t, tb, name); got != w {
			t.Errorf("%s:\n got  %s\n want %s", name, got, w)
		}
	}
}

func TestApplyAlter(t *testing.T) {
	cr, _ := parseCreateTable(showCreateT1)
	tb := cr.Table
	res, ok := applyAlter(tb, "ALTER TABLE t1 ADD COLUMN flag BOOLEAN NOT NULL DEFAULT FALSE AFTER id, ADD n INT, MODIFY f FLOAT(7,3) NOT NULL, "+
		"CHANGE COLUMN `name` full_name VARCHAR(100) COMMENT 'renamed', DROP COLUMN bi, ADD doc JSON, ADD INDEX ix (n), RENAME COLUMN y TO yr")
	if !ok || res.Unknown {
		t.Fatalf("alter: %v %+v", ok, res)
	}
	names := make([]string, len(tb.Columns))
	for i, c := range tb.Columns {
		names[i] = c.Name
	}
	if got := strings.Join(names, ","); got != "id,flag,full_name,b,f,f2,r,d,j,ts,e,s,u,c,v,yr,g,big,n,doc" {
		t.Fatalf("columns %s", got)
	}
	want := map[string]string{
		"flag":      `{"name":"flag","jdbcType":16,"nativeType":null,"typeName":"BOOLEAN","typeExpression":"BOOLEAN","charsetName":null,"length":null,"scale":null,"position":2,"optional":false,"autoIncremented":false,"generated":false,"comment":null,"defaultValueExpression":"FALSE","enumValues":null}`,
		"n":         `{"name":"n","jdbcType":4,"nativeType":null,"typeName":"INT","typeExpression":"INT","charsetName":null,"length":null,"scale":null,"position":19,"optional":true,"autoIncremented":false,"generated":false,"comment":null,"defaultValueExpression":null,"enumValues":null}`,
		"full_name": `{"name":"full_name","jdbcType":12,"nativeType":null,"typeName":"VARCHAR","typeExpression":"VARCHAR","charsetName":"utf8mb4","length":100,"scale":null,"position":3,"optional":true,"autoIncremented":false,"generated":false,"comment":"renamed","defaultValueExpression":null,"enumValues":null}`,
		"f":         `{"name":"f","jdbcType":6,"nativeType":null,"typeName":"FLOAT","typeExpression":"FLOAT","charsetName":null,"length":7,"scale":3,"position":5,"optional":false,"autoIncremented":false,"generated":false,"comment":null,"defaultValueExpression":null,"enumValues":null}`,
		"doc":       `{"name":"doc","jdbcType":1111,"nativeType":null,"typeName":"JSON","typeExpression":"JSON","charsetName":null,"length":null,"scale":null,"position":20,"optional":true,"autoIncremented":false,"generated":false,"comment":null,"defaultValueExpression":null,"enumValues":null}`,
	}
	for name, w := range want {
		if got := colJSON(t, tb, name); got != w {
			t.Errorf("%s:\n got  %s\n want %s", name, got, w)
		}
	}
	res, ok = applyAlter(tb, "ALTER TABLE `db`.`t1` RENAME TO `db`.`t2`")
	if !ok || res.RenameTo != "t2" || res.RenameDB != "db" {
		t.Errorf("rename: %+v", res)
	}
	if _, ok := applyAlter(tb, "CREATE TABLE x (a int)"); ok {
		t.Error("a CREATE read as an ALTER")
	}
}

func TestParseCreateTableForms(t *testing.T) {
	cr, ok := parseCreateTable("CREATE TABLE IF NOT EXISTS db.k (a INT, b VARCHAR(3) NOT NULL, c SERIAL, UNIQUE KEY (b)) DEFAULT CHARSET latin1")
	if !ok || cr.DB != "db" || cr.Name != "k" || cr.Table.Charset != "latin1" {
		t.Fatalf("%+v", cr)
	}
	// SERIAL is BIGINT UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE: the first
	// unique NOT NULL column becomes the key when there is no primary key.
	if strings.Join(cr.Table.Key, ",") != "c" {
		t.Errorf("key %v", cr.Table.Key)
	}
	if got := colJSON(t, cr.Table, "c"); !strings.Contains(got, `"typeName":"BIGINT UNSIGNED"`) || !strings.Contains(got, `"optional":false,"autoIncremented":true,"generated":true`) {
		t.Errorf("serial: %s", got)
	}
	if got := colJSON(t, cr.Table, "a"); !strings.Contains(got, `"length":null`) || !strings.Contains(got, `"optional":true`) {
		t.Errorf("a: %s", got)
	}
	cr, ok = parseCreateTable("create table t2 like t1")
	if !ok || cr.Like != "t1" || cr.Table != nil {
		t.Errorf("like: %+v", cr)
	}
	cr, ok = parseCreateTable("CREATE TABLE t3 AS SELECT * FROM t1")
	if !ok || !cr.AsSelect {
		t.Errorf("as select: %+v", cr)
	}
	if _, ok := parseCreateTable("CREATE TABLE t4 (a WEIRDTYPE)"); ok {
		t.Error("an unknown type parsed")
	}
}

// serverless makes st read no table models or character sets from a
// server: tables without a model map as the binlog says.
func serverless(st *Stream) {
	st.loadModel = func(context.Context, string, string) (*ddlTable, error) { return nil, nil }
	st.loadCharset = func(context.Context, string) string { return "utf8mb4" }
}

// TestDeclaredTypeMappings checks the mappings that follow the type a DDL
// statement names (Debezium's BinlogValueConverters.schemaBuilder).
func TestDeclaredTypeMappings(t *testing.T) {
	decl := func(stmt string) *DeclaredType {
		cr, ok := parseCreateTable("CREATE TABLE x (c " + stmt + ")")
		if !ok {
			t.Fatalf("%s: not parsed", stmt)
		}
		c := cr.Table.Columns[0]
		return &DeclaredType{TypeName: c.TypeName, JDBCType: c.JDBCType, Length: c.Length, Scale: c.Scale, HasScale: c.HasScale}
	}
	cases := []struct {
		ddl    string
		typ    byte
		colTyp string
		want   change.Type
		logic  string
		binlog any
		text   string
		value  any
	}{
		{"BOOLEAN", gomysql.MYSQL_TYPE_TINY, "", change.Boolean, "", int8(1), "1", true},
		{"BOOL", gomysql.MYSQL_TYPE_TINY, "", change.Boolean, "", int8(0), "0", false},
		{"TINYINT(1)", gomysql.MYSQL_TYPE_TINY, "", change.Int16, "", int8(1), "1", int16(1)},
		{"FLOAT(7,3)", gomysql.MYSQL_TYPE_FLOAT, "", change.Float64, "", float32(1234.567), "1234.567", 1234.5670166015625},
		{"FLOAT", gomysql.MYSQL_TYPE_FLOAT, "", change.Float32, "", float32(1.5), "1.5", float32(1.5)},
		{"FLOAT(24)", gomysql.MYSQL_TYPE_FLOAT, "", change.Float32, "", float32(1.5), "1.5", float32(1.5)},
		{"FLOAT4", gomysql.MYSQL_TYPE_FLOAT, "", change.Float64, "", float32(0.1), "0.1", float64(float32(0.1))},
		{"FLOAT(30)", gomysql.MYSQL_TYPE_DOUBLE, "", change.Float64, "", 0.1, "0.1", 0.1},
		{"REAL", gomysql.MYSQL_TYPE_DOUBLE, "", change.Float32, "", 0.1, "0.1", float32(0.1)},
		{"DOUBLE", gomysql.MYSQL_TYPE_DOUBLE, "", change.Float64, "", 0.1, "0.1", 0.1},
		{"JSON", gomysql.MYSQL_TYPE_BLOB, "", change.String, connecttypes.NameJSON, []byte(`{"a":1}`), `{"a":1}`, `{"a":1}`},
		// MariaDB's JSON read from SHOW CREATE TABLE (information_schema
		// still sees the json_valid check): a plain string.
		{"LONGTEXT", gomysql.MYSQL_TYPE_BLOB, "json", change.String, "", []byte(`{"a":1}`), `{"a":1}`, `{"a":1}`},
	}
	for _, tc := range cases {
		m := ColumnMeta{Name: "c", Type: tc.typ, ColumnType: tc.colTyp, Nullable: true, Declared: decl(tc.ddl)}
		c, err := MapColumn(m, TypeOptions{})
		if err != nil {
			t.Fatalf("%s: %v", tc.ddl, err)
		}
		if c.Field.Type != tc.want || c.Field.Logical != tc.logic {
			t.Errorf("%s: field %v %q, want %v %q", tc.ddl, c.Field.Type, c.Field.Logical, tc.want, tc.logic)
		}
		checkConvs(t, c, []conv{{binlog: tc.binlog, text: tc.text, want: tc.value}})
	}
	// Without a declared type the binlog's type decides, as before.
	c, _ := MapColumn(ColumnMeta{Name: "c", Type: gomysql.MYSQL_TYPE_FLOAT}, TypeOptions{})
	if c.Field.Type != change.Float32 {
		t.Errorf("undeclared FLOAT: %v", c.Field.Type)
	}
}

// FuzzDDLModel: any statement of the binlog goes through the DDL model;
// none may panic, and a table keeps its columns' positions consistent.
func FuzzDDLModel(f *testing.F) {
	for _, s := range []string{showCreateT1, "ALTER TABLE t ADD COLUMN x INT FIRST, DROP y, CHANGE a b VARCHAR(3) AFTER c",
		"CREATE TABLE t (a INT, PRIMARY KEY (a), UNIQUE KEY (b(10)))", "ALTER TABLE t MODIFY", "CREATE TABLE t (a ENUM('x", "ALTER TABLE `t` RENAME COLUMN a TO",
		"CREATE TABLE t (a DECIMAL(.5), b FLOAT(,), c SET())", "ALTER TABLE t ADD (a INT, b", "CREATE TABLE t (a INT DEFAULT -"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cr, _ := parseCreateTable(s)
		tb := cr.Table
		if tb == nil {
			tb = &ddlTable{Columns: []ddlColumn{{Name: "a", Length: -1}, {Name: "b", Length: -1}}}
		}
		applyAlter(tb, s)
		applyAlter(tb, "ALTER TABLE t "+s)
		_ = tb.value()
		for _, c := range tb.Columns {
			m := ColumnMeta{Name: c.Name, Type: 1, Declared: &DeclaredType{TypeName: c.TypeName, JDBCType: c.JDBCType, Length: c.Length, Default: c.Default, HasDefault: c.HasDefault}}
			if col, err := MapColumn(m, TypeOptions{}); err == nil {
				_ = defaultValue(m, col, c.Default)
			}
		}
	})
}

// TestHintsSurviveShowCreateTable: what a binlog statement declared and
// SHOW CREATE TABLE cannot give back is put back on the model a restart
// reads.
func TestHintsSurviveShowCreateTable(t *testing.T) {
	cr, _ := parseCreateTable("CREATE TABLE t (id INT PRIMARY KEY, k BOOL DEFAULT TRUE, j JSON, r REAL, n INT)")
	h := hintsOf(cr.Table)
	if len(h) != 3 || h["k"].TypeName != "BOOL" || h["j"].TypeName != "JSON" || h["r"].JDBCType != jdbcReal {
		t.Fatalf("hints %+v", h)
	}
	shown, _ := parseCreateTable("CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  `k` tinyint(1) DEFAULT 1,\n  `j` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT NULL CHECK (json_valid(`j`)),\n" +
		"  `r` double DEFAULT NULL,\n  `n` int(11) DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) DEFAULT CHARSET=utf8mb4")
	applyHints(shown.Table, h)
	k := shown.Table.Columns[1]
	if k.TypeName != "BOOL" || k.JDBCType != jdbcBoolean || k.Default != "TRUE" || k.Length != -1 {
		t.Errorf("k after the hints: %+v", k)
	}
	if j := shown.Table.Columns[2]; j.TypeName != "JSON" || j.Charset != "" {
		t.Errorf("j after the hints: %+v", j)
	}
	if n := shown.Table.Columns[4]; n.Length != 11 {
		t.Errorf("n (no hint) %+v", n)
	}
}

// TestKeyOfUniqueIndex: a table without a primary key is keyed by its first
// UNIQUE index of NOT NULL columns, as Debezium keys it (measured on 3.5.0:
// UNIQUE KEY (a) with a NOT NULL gives key {"a":1}; a nullable one, none).
func TestKeyOfUniqueIndex(t *testing.T) {
	meta := []ColumnMeta{{Name: "b", Nullable: true}, {Name: "a"}}
	cr, _ := parseCreateTable("CREATE TABLE `u` (\n  `b` int(11) DEFAULT NULL,\n  `a` int(11) NOT NULL,\n  UNIQUE KEY `ua` (`a`)\n)")
	if k := keyOf(meta, cr.Table); len(k) != 1 || k[0] != 1 {
		t.Errorf("key %v, want [1]", k)
	}
	cr, _ = parseCreateTable("CREATE TABLE `u2` (\n  `b` int(11) DEFAULT NULL,\n  `a` int(11) DEFAULT NULL,\n  UNIQUE KEY `ua` (`a`)\n)")
	if k := keyOf([]ColumnMeta{{Name: "b", Nullable: true}, {Name: "a", Nullable: true}}, cr.Table); k != nil {
		t.Errorf("nullable unique key %v, want none", k)
	}
	pk := []ColumnMeta{{Name: "x", IsPrimaryKey: true, KeyPosition: 1}, {Name: "a"}}
	if k := keyOf(pk, cr.Table); len(k) != 1 || k[0] != 0 {
		t.Errorf("primary key %v, want [0]", k)
	}
	if k := keyOf(meta, nil); k != nil {
		t.Errorf("no model: %v", k)
	}
}
