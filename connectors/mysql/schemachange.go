package mysql

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/sluicecdc/sluice/connectors/change"
)

// Debezium's schema-change event (REFERENCE §7): one record per DDL
// statement of the binlog on a captured database, on the topic named
// topic.prefix, when include.schema.changes is true (the default).
//
// Key   io.debezium.connector.mysql.SchemaChangeKey {databaseName}
// Value io.debezium.connector.mysql.SchemaChangeValue
//       {source, ts_ms, databaseName, schemaName, ddl, tableChanges}
//
// (io.debezium.connector.mariadb.* for the MariaDB connector). The nested
// struct names are those of Debezium's ConnectTableChangeSerializer.

// columnChangeField is io.debezium.connector.schema.Column.
var columnChangeField = change.Field{
	Type:    change.Struct,
	Logical: "io.debezium.connector.schema.Column",
	Version: 1,
	Fields: []change.Field{
		{Name: "name", Type: change.String},
		{Name: "jdbcType", Type: change.Int32},
		{Name: "nativeType", Type: change.Int32, Optional: true},
		{Name: "typeName", Type: change.String},
		{Name: "typeExpression", Type: change.String, Optional: true},
		{Name: "charsetName", Type: change.String, Optional: true},
		{Name: "length", Type: change.Int32, Optional: true},
		{Name: "scale", Type: change.Int32, Optional: true},
		{Name: "position", Type: change.Int32},
		{Name: "optional", Type: change.Boolean, Optional: true},
		{Name: "autoIncremented", Type: change.Boolean, Optional: true},
		{Name: "generated", Type: change.Boolean, Optional: true},
		{Name: "comment", Type: change.String, Optional: true},
		{Name: "defaultValueExpression", Type: change.String, Optional: true},
		{Name: "enumValues", Type: change.Array, Optional: true, Elem: &change.Field{Type: change.String}},
	},
}

// tableChangeField is io.debezium.connector.schema.Table. Optional: a
// DROP, and a table gone by the time its DDL is read, carry null.
var tableChangeField = change.Field{
	Name:     "table",
	Type:     change.Struct,
	Optional: true,
	Logical:  "io.debezium.connector.schema.Table",
	Version:  1,
	Fields: []change.Field{
		{Name: "defaultCharsetName", Type: change.String, Optional: true},
		{Name: "primaryKeyColumnNames", Type: change.Array, Optional: true, Elem: &change.Field{Type: change.String}},
		{Name: "columns", Type: change.Array, Elem: &columnChangeField},
		{Name: "comment", Type: change.String, Optional: true},
	},
}

// changeField is io.debezium.connector.schema.Change.
var changeField = change.Field{
	Type:    change.Struct,
	Logical: "io.debezium.connector.schema.Change",
	Version: 1,
	Fields: []change.Field{
		{Name: "type", Type: change.String},
		{Name: "id", Type: change.String},
		tableChangeField,
	},
}

func schemaChangeFields(ns string, src *change.Field) (key, value change.Field) {
	key = change.Field{Type: change.Struct, Logical: ns + ".SchemaChangeKey", Version: 1,
		Fields: []change.Field{{Name: "databaseName", Type: change.String}}}
	value = change.Field{Type: change.Struct, Logical: ns + ".SchemaChangeValue", Version: 1,
		Fields: []change.Field{
			*src,
			{Name: "ts_ms", Type: change.Int64},
			{Name: "databaseName", Type: change.String, Optional: true},
			{Name: "schemaName", Type: change.String, Optional: true},
			{Name: "ddl", Type: change.String, Optional: true},
			{Name: "tableChanges", Type: change.Array, Elem: &changeField},
		}}
	return key, value
}

// One key and one value schema per flavour for the whole process: the
// encoders cache what they derive from a schema by its pointer.
var (
	mysqlSchemaChangeKey, mysqlSchemaChangeValue     = schemaChangeFields("io.debezium.connector.mysql", &mysqlSourceField)
	mariadbSchemaChangeKey, mariadbSchemaChangeValue = schemaChangeFields("io.debezium.connector.mariadb", &mariadbSourceField)
)

// SchemaChangeSchemas returns the key and value schemas of the
// schema-change records a connector of cfg writes (the same pointers every
// record carries).
func SchemaChangeSchemas(cfg *Config) (key, value *change.Field) {
	if cfg.MariaDB {
		return &mariadbSchemaChangeKey, &mariadbSchemaChangeValue
	}
	return &mysqlSchemaChangeKey, &mysqlSchemaChangeValue
}

var (
	databaseDDLRE = regexp.MustCompile(`(?is)^\s*(?:CREATE|ALTER|DROP)\s+(?:DATABASE|SCHEMA)\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?(` + identPat + `)`)
	// notDDLRE matches the statements of a transaction that a QUERY event
	// may carry and that are no schema change: savepoints, XA, and DML
	// logged as a statement.
	notDDLRE = regexp.MustCompile(`(?is)^\s*(?:SAVEPOINT|RELEASE\s+SAVEPOINT|ROLLBACK\s+(?:WORK\s+)?TO|XA\s|INSERT|UPDATE|DELETE|REPLACE)\b`)
)

// tableChange is one entry of tableChanges before it becomes a struct.
type tableChange struct {
	kind  string // CREATE, ALTER, DROP
	db    string
	table string
	prev  string // a rename's old "db.table" (the history's previousId)
}

// classifyDDL decides what schema-change record a statement gives: its
// database (empty: none) and its table changes. defaultDB is the session's
// database when the statement ran.
func classifyDDL(q, defaultDB string) (db string, changes []tableChange, ok bool) {
	clean := strings.TrimSpace(commentRE.ReplaceAllString(q, " "))
	if clean == "" || notDDLRE.MatchString(clean) {
		return "", nil, false
	}
	s := parseDDL(q, defaultDB)
	add := func(kind, name string) {
		d, t, _ := strings.Cut(name, ".")
		changes = append(changes, tableChange{kind: kind, db: d, table: t})
	}
	switch s.Kind {
	case ddlTruncate:
		// A truncate is a data event (op t), not a schema change, as in Debezium.
		return "", nil, false
	case ddlCreate, ddlAlter:
		add(string(s.Kind), s.Tables[0])
	case ddlDrop:
		for _, n := range s.Tables {
			add("DROP", n)
		}
	case ddlRename:
		// Debezium reports a rename as an ALTER of the new name.
		for i := 1; i < len(s.Tables); i += 2 {
			add("ALTER", s.Tables[i])
			changes[len(changes)-1].prev = s.Tables[i-1]
		}
	default:
		if m := databaseDDLRE.FindStringSubmatch(clean); m != nil {
			return unquoteIdent(m[1]), nil, true
		}
		return defaultDB, nil, true
	}
	if len(changes) == 0 {
		return defaultDB, nil, true
	}
	return changes[0].db, changes, true
}

// schemaChange emits the schema-change record of a DDL statement of the
// transaction in progress, when include.schema.changes is on and the
// statement concerns a table or database whose DDL is recorded
// (Config.RecordsSchemaOf). Its position is the next one of
// the transaction, like a row event's, so that a checkpoint at it resumes
// after it.
//
// The table definitions come from the stream's table models (models.go),
// as Debezium's come from its schema history; information_schema gives
// them when there is no model. A DROP TABLE of several tables gives one
// record per table, its statement rewritten to name that table alone
// ("DROP TABLE `db`.`t`"), as Debezium's parser signals it.
func (d *decoder) schemaChange(ctx context.Context, h *replication.EventHeader, start uint32, defaultDB, q string) error {
	if !d.cfg.IncludeSchemaChanges && d.cfg.HistoryTopic == "" || d.skipAll {
		return nil
	}
	db, changes, ok := classifyDDL(q, defaultDB)
	if !ok || db == "" || len(changes) == 0 && !d.cfg.RecordsSchemaOf(db, "") {
		return nil
	}
	var tcs []any
	var prevs []string // per entry of tcs: the previous name of a renamed table
	var names []string
	for _, c := range changes {
		if !d.cfg.RecordsSchemaOf(c.db, c.table) {
			continue
		}
		var def any // a DROP has none (measured: Debezium 3.5.0 writes null)
		if c.kind != "DROP" {
			v, err := d.tableValue(ctx, c.db, c.table)
			if err != nil {
				return err
			}
			if v != nil {
				def = v
			}
		}
		id := `"` + c.db + `"."` + c.table + `"`
		tcs = append(tcs, change.StructValue{c.kind, id, def})
		prevs = append(prevs, c.prev)
		names = append(names, c.table)
	}
	if tcs == nil {
		if len(changes) > 0 {
			return nil // about tables whose DDL is not recorded
		}
		tcs = []any{}
	}
	ts := d.commitTS
	if ts.IsZero() {
		ts = time.Unix(int64(h.Timestamp), 0).UTC()
	}
	key, value := SchemaChangeSchemas(d.cfg)
	record := func(db, table, ddl string, tcs []any, prevs []string) error {
		si := srcInfo{ts: ts, db: db, table: table, serverID: h.ServerID,
			gtid: d.gtid, file: d.file, pos: start, thread: d.thread}
		ev := &change.Event{Commit: ts}
		if d.cfg.IncludeSchemaChanges {
			ev.Message = &change.Message{
				KeySchema: key, ValueSchema: value,
				Key:   change.StructValue{db},
				Value: change.StructValue{si.block(d.cfg), time.Now().UnixMilli(), db, nil, ddl, tcs},
			}
		}
		if err := d.emit(ctx, ev, nil, nil, 512+2*len(ddl)); err != nil {
			return err
		}
		return d.history(ev, h, db, ddl, tcs, prevs)
	}
	if m := dropPrefixRE.FindStringSubmatch(strings.TrimSpace(commentRE.ReplaceAllString(q, " "))); m != nil && len(changes) > 0 && changes[0].kind == "DROP" {
		suffix := ""
		if r := dropSuffixRE.FindStringSubmatch(q); r != nil {
			suffix = " " + r[1]
		}
		// Each record's source.table names all the statement's tables
		// (measured: "c,nk" on both records of DROP TABLE c, nk).
		all := strings.Join(names, ",")
		for _, tc := range tcs {
			v := tc.(change.StructValue)
			db, table, _ := strings.Cut(strings.Trim(v[1].(string), `"`), `"."`)
			if err := record(db, all, m[0]+quoteIdent(db)+"."+quoteIdent(table)+suffix, []any{tc}, nil); err != nil {
				return err
			}
		}
		return nil
	}
	return record(db, strings.Join(names, ","), q, tcs, prevs)
}

var (
	// dropPrefixRE is the part of a DROP TABLE before its table names.
	dropPrefixRE = regexp.MustCompile(`(?is)^DROP\s+(?:TEMPORARY\s+)?TABLES?\s+(?:IF\s+EXISTS\s+)?`)
	dropSuffixRE = regexp.MustCompile(`(?is)\s(RESTRICT|CASCADE)\s*(?:/\*.*\*/\s*)?;?\s*$`)
)

// readTableDef reads a table's definition from information_schema as an
// io.debezium.connector.schema.Table value, or nil when the table does not
// exist (any more).
func (d *decoder) readTableDef(ctx context.Context, db, table string) (change.StructValue, error) {
	q, err := connect(ctx, d.cfg)
	if err != nil {
		return nil, err
	}
	defer q.Close()
	where := " WHERE TABLE_SCHEMA = " + quoteString(db) + " AND TABLE_NAME = " + quoteString(table)
	op := "read the definition of " + db + "." + table + " for a schema-change event"
	r, err := q.Execute(`SELECT t.TABLE_COMMENT, c.CHARACTER_SET_NAME FROM information_schema.TABLES t
		LEFT JOIN information_schema.COLLATIONS c ON c.COLLATION_NAME = t.TABLE_COLLATION
		WHERE t.TABLE_SCHEMA = ` + quoteString(db) + " AND t.TABLE_NAME = " + quoteString(table))
	if err != nil {
		return nil, &ConnError{Op: op, Err: err}
	}
	if len(r.Values) == 0 {
		return nil, nil
	}
	def := tableDef{}
	def.comment, _ = r.GetString(0, 0)
	def.charset, _ = r.GetString(0, 1)

	r, err = q.Execute(`SELECT COLUMN_NAME, ORDINAL_POSITION, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, CHARACTER_SET_NAME,
		COLUMN_DEFAULT, EXTRA, COLUMN_COMMENT FROM information_schema.COLUMNS` + where + ` ORDER BY ORDINAL_POSITION`)
	if err != nil {
		return nil, &ConnError{Op: op, Err: err}
	}
	for i := range r.Values {
		str := func(j int) string { s, _ := r.GetString(i, j); return s }
		isNull := func(j int) bool { n, _ := r.IsNull(i, j); return n }
		pos, _ := r.GetInt(i, 1)
		c := columnDef{name: str(0), position: int32(pos), dataType: str(2), columnType: str(3),
			nullable: str(4) == "YES", charset: str(5), extra: str(7), comment: str(8)}
		if !isNull(6) {
			c.deflt, c.hasDefault = str(6), true
		}
		def.columns = append(def.columns, c)
	}
	if len(def.columns) == 0 {
		return nil, nil
	}
	r, err = q.Execute(`SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE` + where +
		` AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION`)
	if err != nil {
		return nil, &ConnError{Op: op, Err: err}
	}
	for i := range r.Values {
		s, _ := r.GetString(i, 0)
		def.key = append(def.key, s)
	}
	return def.value(), nil
}

// tableDef is a table's definition as information_schema shows it.
type tableDef struct {
	charset, comment string
	key              []string
	columns          []columnDef
}

// columnDef is one row of information_schema.COLUMNS.
type columnDef struct {
	name       string
	position   int32
	dataType   string // DATA_TYPE: "int", "varchar", ...
	columnType string // COLUMN_TYPE: "int(10) unsigned", "enum('a','b')", ...
	nullable   bool
	charset    string
	deflt      string // COLUMN_DEFAULT as MariaDB and MySQL write it
	hasDefault bool
	extra      string
	comment    string
}

func optString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// value is the io.debezium.connector.schema.Table struct of t.
func (t *tableDef) value() change.StructValue {
	var key any
	if len(t.key) > 0 {
		k := make([]any, len(t.key))
		for i, n := range t.key {
			k[i] = n
		}
		key = k
	}
	cols := make([]any, len(t.columns))
	for i := range t.columns {
		cols[i] = t.columns[i].value()
	}
	return change.StructValue{optString(t.charset), key, cols, optString(t.comment)}
}

// value is the io.debezium.connector.schema.Column struct of c, following
// what Debezium's MySQL DDL parser records: the upper-case type name with
// UNSIGNED/ZEROFILL, the length and scale written in the type, the JDBC
// type of java.sql.Types, the default as an expression without quotes.
func (c *columnDef) value() change.StructValue {
	dt := strings.ToLower(c.dataType)
	ct := strings.ToLower(c.columnType)
	name := strings.ToUpper(dt)
	if strings.Contains(ct, " unsigned") {
		name += " UNSIGNED"
	}
	if strings.Contains(ct, " zerofill") {
		name += " ZEROFILL"
	}
	var length, scale, enumValues any
	args := typeArgs(c.columnType)
	switch dt {
	case "enum", "set":
		vals := make([]any, len(args))
		for i, a := range args {
			vals[i] = a
		}
		enumValues = vals
	default:
		if len(args) > 0 {
			if n, err := strconv.ParseInt(args[0], 10, 32); err == nil {
				length = int32(n)
			}
		}
		if len(args) > 1 {
			if n, err := strconv.ParseInt(args[1], 10, 32); err == nil {
				scale = int32(n)
			}
		}
	}
	extra := strings.ToLower(c.extra)
	auto := strings.Contains(extra, "auto_increment")
	generated := auto || strings.Contains(extra, "generated") || strings.Contains(extra, "virtual") ||
		strings.Contains(extra, "persistent") || strings.Contains(extra, "stored")
	var deflt any
	if c.hasDefault && !strings.EqualFold(c.deflt, "NULL") {
		deflt = unquoteDefault(c.deflt)
	}
	return change.StructValue{
		c.name,
		jdbcType(dt),
		nil, // nativeType: Debezium's MySQL connector leaves it unset
		name,
		name,
		optString(c.charset),
		length,
		scale,
		c.position,
		c.nullable,
		auto,
		generated,
		optString(c.comment),
		deflt,
		enumValues,
	}
}

// jdbcType maps information_schema's DATA_TYPE to the java.sql.Types code
// Debezium's MySQL DDL parser gives the type.
func jdbcType(dataType string) int32 {
	switch dataType {
	case "bit":
		return -7 // BIT
	case "tinyint":
		return 5 // SMALLINT, as Debezium's DDL parser types TINYINT
	case "smallint":
		return 5 // SMALLINT
	case "mediumint", "int", "integer", "year":
		return 4 // INTEGER
	case "bigint":
		return -5 // BIGINT
	case "float":
		return 6 // FLOAT
	case "real":
		return 7 // REAL
	case "double", "double precision":
		return 8 // DOUBLE
	case "decimal":
		return 3 // DECIMAL
	case "numeric":
		return 2 // NUMERIC
	case "char", "enum", "set":
		return 1 // CHAR
	case "varchar", "tinytext", "text", "mediumtext", "longtext":
		return 12 // VARCHAR
	case "binary":
		return -2 // BINARY
	case "varbinary":
		return -3 // VARBINARY
	case "tinyblob", "blob", "mediumblob", "longblob":
		return 2004 // BLOB
	case "date":
		return 91 // DATE
	case "time":
		return 92 // TIME
	case "datetime":
		return 93 // TIMESTAMP
	case "timestamp":
		return 2014 // TIMESTAMP_WITH_TIMEZONE
	case "bool", "boolean":
		return 16 // BOOLEAN
	}
	return 1111 // OTHER: json, geometry types, MariaDB inet4/inet6/uuid
}

// typeArgs returns the arguments in a COLUMN_TYPE's parentheses:
// "decimal(10,2) unsigned" gives 10, 2; "enum('a','b”c')" gives a, b'c.
func typeArgs(ct string) []string {
	open := strings.IndexByte(ct, '(')
	if open < 0 {
		return nil
	}
	var out []string
	var cur strings.Builder
	inQ := false
	for i := open + 1; i < len(ct); i++ {
		ch := ct[i]
		switch {
		case inQ && ch == '\'' && i+1 < len(ct) && ct[i+1] == '\'':
			cur.WriteByte('\'')
			i++
		case inQ && ch == '\\' && i+1 < len(ct):
			cur.WriteByte(ct[i+1])
			i++
		case ch == '\'':
			inQ = !inQ
		case !inQ && ch == ',':
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		case !inQ && ch == ')':
			return append(out, strings.TrimSpace(cur.String()))
		default:
			cur.WriteByte(ch)
		}
	}
	return append(out, strings.TrimSpace(cur.String()))
}

// unquoteDefault turns COLUMN_DEFAULT into Debezium's default expression:
// a string literal without its quotes ('a”b' gives a'b), anything else
// (numbers, current_timestamp()) as written.
func unquoteDefault(s string) string {
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		return strings.ReplaceAll(strings.ReplaceAll(s[1:len(s)-1], "''", "'"), `\\`, `\`)
	}
	return s
}
