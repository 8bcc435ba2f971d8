package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/columns"
)

// colInfo is one column of a captured table as the catalog describes it.
type colInfo struct {
	Name       string
	TypeOID    uint32
	Typmod     int32
	NotNull    bool
	Collatable bool
	TypeName   string // format_type(), for messages and Field.SourceType
	BaseOID    uint32 // the type, or a domain's base type: decides key ordering
	HasDefault bool   // the column has a DEFAULT expression
	Default    string // pg_get_expr of the DEFAULT expression, as JDBC's COLUMN_DEF
}

// tableInfo is a captured table: its catalog facts and the current
// TableSchema with one decoder per column.
type tableInfo struct {
	ID        change.TableID
	OID       uint32
	Identity  byte // relreplident: 'd' default, 'f' full, 'n' nothing, 'i' index
	CanSelect bool
	Cols      []colInfo
	Key       []int // indexes into Cols: primary key, else replica identity index
	HasPK     bool

	Schema *change.TableSchema
	Conv   []Column // one per column of Cols
	// keep lists the Cols indexes of Schema's columns when some columns
	// are left out of the records (see buildSchema); nil when none is.
	keep []int
	// plan is what the column keys (column.*, message.key.columns) do to
	// the table, nil when nothing; mapped is set when it changes values.
	// recKey lists the Cols indexes of the record key: Key, or the
	// columns of message.key.columns.
	plan   *columns.Plan
	mapped bool
	recKey []int
	// relation marks a schema rebuilt from a RELATION message;
	// registryDiffers one whose propagated parameters Debezium (3.6.1) changes
	// on the next RELATION message (see pgColumns).
	relation, registryDiffers bool
	// keyFromEvent: the record key takes values the rows leave out or
	// mask, so events carry them (change.TableSchema.KeyFromEvent).
	keyFromEvent bool
	// tentative marks a schema version not yet recorded (see adopt).
	tentative bool
}

// name returns "schema.table".
func (t *tableInfo) name() string { return t.ID.String() }

// quoted returns the table's quoted, schema-qualified name.
func (t *tableInfo) quoted() string { return pgx.Identifier{t.ID.Namespace, t.ID.Name}.Sanitize() }

// discoverTables lists the tables cfg captures with their columns and keys.
// When oids is non-empty only those relations are read (a table that appears
// in the stream later). The result is ordered by schema, then table name.
func discoverTables(ctx context.Context, q *pgx.Conn, cfg *Config, oids []uint32) ([]*tableInfo, error) {
	sql := `SELECT c.oid, n.nspname, c.relname, c.relreplident::text, has_table_privilege(c.oid, 'SELECT')
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind = 'r' AND c.relpersistence = 'p'
		  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'`
	args := []any{}
	if len(oids) > 0 {
		sql += ` AND c.oid = ANY($1::oid[])`
		args = append(args, oids)
	}
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, &ConnError{Op: "list tables", Err: err}
	}
	var tables []*tableInfo
	byOID := map[uint32]*tableInfo{}
	for rows.Next() {
		t := &tableInfo{}
		var ident string
		if err := rows.Scan(&t.OID, &t.ID.Namespace, &t.ID.Name, &ident, &t.CanSelect); err != nil {
			rows.Close()
			return nil, &ConnError{Op: "list tables", Err: err}
		}
		if ident != "" {
			t.Identity = ident[0]
		}
		if !cfg.Captures(t.ID.Namespace, t.ID.Name) {
			continue
		}
		tables = append(tables, t)
		byOID[t.OID] = t
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, &ConnError{Op: "list tables", Err: err}
	}
	if len(tables) == 0 {
		return nil, nil
	}
	sort.Slice(tables, func(i, j int) bool {
		if tables[i].ID.Namespace != tables[j].ID.Namespace {
			return tables[i].ID.Namespace < tables[j].ID.Namespace
		}
		return tables[i].ID.Name < tables[j].ID.Name
	})
	list := make([]uint32, 0, len(tables))
	for _, t := range tables {
		list = append(list, t.OID)
	}

	rows, err = q.Query(ctx, `SELECT a.attrelid, a.attname, a.atttypid, a.atttypmod, a.attnotnull, a.attcollation <> 0,
			format_type(a.atttypid, a.atttypmod), CASE WHEN ty.typtype = 'd' THEN ty.typbasetype ELSE a.atttypid END,
			ad.adbin IS NOT NULL, COALESCE(pg_get_expr(ad.adbin, ad.adrelid), '')
		FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid
		LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
		WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
		ORDER BY a.attrelid, a.attnum`, list)
	if err != nil {
		return nil, &ConnError{Op: "list columns", Err: err}
	}
	for rows.Next() {
		var rel uint32
		var c colInfo
		if err := rows.Scan(&rel, &c.Name, &c.TypeOID, &c.Typmod, &c.NotNull, &c.Collatable, &c.TypeName, &c.BaseOID, &c.HasDefault, &c.Default); err != nil {
			rows.Close()
			return nil, &ConnError{Op: "list columns", Err: err}
		}
		if t := byOID[rel]; t != nil {
			t.Cols = append(t.Cols, c)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, &ConnError{Op: "list columns", Err: err}
	}

	// Key columns in key order: the primary key, else the replica identity index.
	rows, err = q.Query(ctx, `SELECT i.indrelid, i.indisprimary, a.attname
		FROM pg_index i
		CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
		JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
		WHERE i.indrelid = ANY($1::oid[]) AND (i.indisprimary OR i.indisreplident)
		ORDER BY i.indrelid, i.indisprimary DESC, i.indexrelid, k.ord`, list)
	if err != nil {
		return nil, &ConnError{Op: "list keys", Err: err}
	}
	type keyCols struct {
		primary bool
		names   []string
	}
	keys := map[uint32]*keyCols{}
	for rows.Next() {
		var rel uint32
		var primary bool
		var col string
		if err := rows.Scan(&rel, &primary, &col); err != nil {
			rows.Close()
			return nil, &ConnError{Op: "list keys", Err: err}
		}
		k := keys[rel]
		if k == nil {
			k = &keyCols{primary: primary}
			keys[rel] = k
		}
		if k.primary == primary { // rows of the preferred index come first
			k.names = append(k.names, col)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, &ConnError{Op: "list keys", Err: err}
	}
	for _, t := range tables {
		k := keys[t.OID]
		if k == nil {
			continue
		}
		if !k.primary && t.Identity != 'i' {
			continue // a replica identity index that is not in use
		}
		t.HasPK = k.primary
		for _, n := range k.names {
			for i := range t.Cols {
				if t.Cols[i].Name == n {
					t.Key = append(t.Key, i)
				}
			}
		}
	}
	return tables, nil
}

// keyKinds returns how each key column orders.
func (t *tableInfo) keyKinds() capture.KeyOrder {
	k := make(capture.KeyOrder, len(t.Key))
	for i, c := range t.Key {
		k[i] = keyKindOf(t.Cols[c].BaseOID)
	}
	return k
}

// buildSchema maps the table's columns to Fields and decoders and sets
// t.Schema at version. Columns of a type without a mapping are left out of
// the schema (and the rows) unless include.unknown.datatypes is set, as
// Debezium leaves them out; a key column is kept, as its text form. It warns
// once per column of an unknown type.
func buildSchema(ctx context.Context, cat *TypeCatalog, q Querier, t *tableInfo, version int, opts TypeOptions, log *slog.Logger, warned map[string]bool) error {
	ts := &change.TableSchema{ID: t.ID, Version: version}
	conv := make([]Column, len(t.Cols))
	var keep []int
	plan, _ := columnPlan(ctx, cat, q, t, opts.Columns)
	recKey := t.Key
	if k := plan.Key(); k != nil {
		recKey = k
	}
	var keyFields []change.Field // the record key's fields, when they differ from the value's
	for i, c := range t.Cols {
		col, err := MapColumn(ctx, cat, q, c.Name, c.TypeOID, c.Typmod, c.NotNull, opts)
		if err != nil {
			return fmt.Errorf("map column %s.%s (%s): %w", t.name(), c.Name, c.TypeName, err)
		}
		if col.Field.SourceType == "" {
			col.Field.SourceType = c.TypeName
		}
		if c.HasDefault {
			if err := setDefault(ctx, cat, q, &col, c); err != nil {
				return fmt.Errorf("map column %s.%s (%s): %w", t.name(), c.Name, c.TypeName, err)
			}
		}
		if col.Nulls {
			col.Decode = nullingDecoder(col.Decode, t.name(), c.Name, c.TypeName, log, warned)
			col.SnapshotDecode = nullingDecoder(col.SnapshotDecode, t.name(), c.Name, c.TypeName, log, warned)
		}
		if col.StreamNull && slices.Contains(t.Key, i) {
			// A key column keeps its values: a null or empty key would merge
			// every row's changes (a departure from Debezium).
			col.Decode, col.StreamNull = col.SnapshotDecode, false
		}
		if col.StreamNull {
			k := t.name() + "." + c.Name + "\x00streamnull"
			if !warned[k] {
				warned[k] = true
				log.Warn("Debezium streams this column's values as null (its pgoutput decoder does not know the type); "+
					"sluice does the same; set include.unknown.datatypes=true to stream them", "table", t.name(), "column", c.Name, "type", c.TypeName)
			}
		}
		isKey := slices.Contains(t.Key, i)
		if col.Drop && isKey {
			col.Drop = false // a key column cannot be left out: its text form
		}
		if col.Unknown {
			k := t.name() + "." + c.Name
			if !warned[k] {
				warned[k] = true
				switch {
				case col.Drop:
					log.Warn("column has a type Debezium and sluice have no mapping for; it is left out of the records, "+
						"as Debezium leaves it out (set include.unknown.datatypes=true to send it)",
						"table", t.name(), "column", c.Name, "type", c.TypeName)
				case opts.IncludeUnknown:
					log.Warn("column has a type Debezium and sluice have no mapping for; it is sent as binary.handling.mode's "+
						"representation of its text form (include.unknown.datatypes=true)",
						"table", t.name(), "column", c.Name, "type", c.TypeName)
				default:
					log.Warn("key column has a type Debezium and sluice have no mapping for; it is sent as its text form",
						"table", t.name(), "column", c.Name, "type", c.TypeName)
				}
			}
		}
		conv[i] = col
		if col.Drop || !plan.Kept(i) {
			if keep == nil {
				keep = make([]int, 0, len(t.Cols))
				for j := 0; j < i; j++ {
					keep = append(keep, j)
				}
			}
			continue
		}
		if keep != nil {
			keep = append(keep, i)
		}
		ts.Columns = append(ts.Columns, plan.Alter(i, col.Field))
	}
	keyFromEvent := false
	if plan != nil {
		for _, k := range recKey {
			if conv[k].Drop {
				return fmt.Errorf("table %s: key column %s has a type sluice cannot send; leave it out of message.key.columns", t.name(), t.Cols[k].Name)
			}
			if len(plan.Params(k)) > 0 {
				keyFields = []change.Field{} // mapper parameters are the value's only
			}
			if !plan.Kept(k) || plan.MapsValues(k) {
				keyFromEvent = true // the key has values the rows do not (see change.TableSchema.KeyFromEvent)
			}
		}
		if keyFields != nil || keyFromEvent {
			keyFields = make([]change.Field, 0, len(recKey))
			for _, k := range recKey {
				keyFields = append(keyFields, conv[k].Field)
			}
		}
	}
	if !keyFromEvent {
		for _, k := range recKey {
			ts.Key = append(ts.Key, schemaIndex(keep, k))
		}
	}
	ts.KeyFields, ts.KeyFromEvent = keyFields, keyFromEvent
	t.Schema = ts
	t.Conv = conv
	t.keep = keep
	t.plan, t.mapped, t.recKey, t.keyFromEvent = plan, plan.Mapped(), recKey, keyFromEvent
	// The first RELATION message makes Debezium describe the table by its
	// type registry: serial, a qualified type name or an unconstrained
	// numeric then propagate differently (see pgColumns).
	t.registryDiffers = false
	for i := range t.Cols {
		for _, p := range plan.Params(i) {
			if p.Key == columns.ParamType && (strings.HasSuffix(p.Value, "SERIAL") || strings.HasPrefix(p.Value, `"`)) ||
				p.Key == columns.ParamLength && p.Value == "0" {
				t.registryDiffers = true
			}
		}
	}
	return nil
}

// schemaIndex returns the schema index of column c (an index into Cols).
func schemaIndex(keep []int, c int) int {
	if keep == nil {
		return c
	}
	i, _ := slices.BinarySearch(keep, c)
	return i
}

// project returns a row decoded in Cols order as the table schema's row,
// without the dropped columns (the row itself when none is dropped).
func (t *tableInfo) project(row change.Row) change.Row {
	if t.keep == nil || row == nil {
		return row
	}
	out := make(change.Row, len(t.keep))
	for i, c := range t.keep {
		out[i] = row[c]
	}
	return out
}

// schemaVer is a table's schema version and the fingerprint of the
// columns it was given for.
type schemaVer struct {
	V  int    `json:"v"`
	FP string `json:"fp"`
}

// fingerprint identifies a table schema's columns and key: the schema
// version changes exactly when it does.
func fingerprint(ts *change.TableSchema) string {
	h := fnv.New64a()
	var field func(f *change.Field)
	field = func(f *change.Field) {
		fmt.Fprintf(h, "%q:%d:%t:%q:%d:%q:%q:%#v;", f.Name, f.Type, f.Optional, f.Logical, f.Version, f.SourceType, f.Doc, f.Default)
		for _, p := range f.Params {
			fmt.Fprintf(h, "%q=%q;", p.Key, p.Value)
		}
		for i := range f.Fields {
			field(&f.Fields[i])
		}
		if f.Elem != nil {
			h.Write([]byte("["))
			field(f.Elem)
		}
	}
	for i := range ts.Columns {
		field(&ts.Columns[i])
	}
	fmt.Fprintf(h, "key%v", ts.Key)
	return strconv.FormatUint(h.Sum64(), 16)
}

// adopt gives a freshly built table schema its version and records it in
// st.versions, which the positions' State carries. prev is the table it
// replaces in this run (nil at Open and for a table new to the run).
//
// The same columns as the recorded version keep its number; other columns
// get the next number after both the recorded one and prev's. At Open a
// table whose catalog columns differ from the recorded ones is only
// tentatively numbered (tentative): the stream may still replay changes
// made before the columns changed, whose RELATION message then matches the
// recorded version, and the table is recorded once a RELATION message
// confirms its columns (confirm).
//
// It runs on the producer goroutine, or in Open before that starts.
func (st *Stream) adopt(t *tableInfo, prev *tableInfo, atOpen bool) {
	name := t.name()
	fp := fingerprint(t.Schema)
	v, ok := st.versions[name]
	cur := 0
	if prev != nil {
		cur = prev.Schema.Version
	}
	switch {
	case ok && v.FP == fp:
		t.Schema.Version = v.V
	case ok:
		t.Schema.Version = max(v.V, cur) + 1
	case cur > 0:
		t.Schema.Version = cur + 1
	default:
		t.Schema.Version = 1
	}
	if atOpen && ok && v.FP != fp {
		t.tentative = true
		return
	}
	st.record(name, t.Schema.Version, fp)
}

// confirm records a tentatively numbered table, once a RELATION message
// shows that the stream has reached its columns.
func (st *Stream) confirm(t *tableInfo) {
	if t.tentative {
		t.tentative = false
		st.record(t.name(), t.Schema.Version, fingerprint(t.Schema))
	}
}

func (st *Stream) record(name string, version int, fp string) {
	if v, ok := st.versions[name]; ok && v.V == version && v.FP == fp {
		return
	}
	st.versions[name] = schemaVer{V: version, FP: fp}
	st.versionsGen++ // the positions' State is encoded again
}

// nulledMu guards the warned map of the decoders nullingDecoder makes.
var nulledMu sync.Mutex

// nullingDecoder turns a decoder's ErrNulled into a null value, as Debezium
// does (event.converting.failure.handling.mode=warn, its default), and logs
// a warning the first time a column gets one (Debezium logs every row).
func nullingDecoder(decode func([]byte) (any, error), table, column, typeName string, log *slog.Logger, warned map[string]bool) func([]byte) (any, error) {
	k := table + "." + column + "\x00nulled"
	return func(b []byte) (any, error) {
		v, err := decode(b)
		if err != nil && errors.Is(err, ErrNulled) {
			nulledMu.Lock() // the workers of a parallel snapshot decode at once
			first := !warned[k]
			warned[k] = true
			nulledMu.Unlock()
			if first {
				log.Warn("a value of the column cannot be converted and is sent as null, as Debezium sends it; "+
					"this is logged once per column", "table", table, "column", column, "type", typeName, "err", err)
			}
			return nil, nil
		}
		return v, err
	}
}

// publicationState reads whether the publication exists and whether it is
// FOR ALL TABLES.
func publicationState(ctx context.Context, q *pgx.Conn, name string) (exists, allTables bool, err error) {
	err = q.QueryRow(ctx, `SELECT puballtables FROM pg_publication WHERE pubname = $1`, name).Scan(&allTables)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, false, nil
	}
	if err != nil {
		return false, false, &ConnError{Op: "read publication", Err: err}
	}
	return true, allTables, nil
}

// ensurePublication creates the publication when it is missing, per
// publication.autocreate.mode, and in filtered mode sets its tables to the
// captured ones so that it follows the filter.
func ensurePublication(ctx context.Context, q *pgx.Conn, cfg *Config, tables []*tableInfo, log *slog.Logger) error {
	exists, all, err := publicationState(ctx, q, cfg.PublicationName)
	if err != nil {
		return err
	}
	pub := pgx.Identifier{cfg.PublicationName}.Sanitize()
	names := make([]string, 0, len(tables))
	for _, t := range tables {
		names = append(names, t.quoted())
	}
	names = withSignalTable(cfg, names)
	var sql string
	switch {
	case !cfg.managesPublication():
		return nil // the prerequisites checked that it exists
	case cfg.PublicationMode == PublicationAllTables:
		if exists {
			return nil
		}
		sql = "CREATE PUBLICATION " + pub + " FOR ALL TABLES"
	case cfg.PublicationMode == PublicationFiltered:
		switch {
		case exists && all:
			return nil // covers every table anyway
		case exists && len(names) == 0:
			return nil
		case exists:
			sql = "ALTER PUBLICATION " + pub + " SET TABLE " + strings.Join(names, ", ")
		case len(names) == 0:
			sql = "CREATE PUBLICATION " + pub
		default:
			sql = "CREATE PUBLICATION " + pub + " FOR TABLE " + strings.Join(names, ", ")
		}
	}
	if _, err := q.Exec(ctx, sql); err != nil {
		return &PrerequisiteError{Problems: []error{fmt.Errorf(
			"could not run %q (%v); create the publication as a superuser or the owner of the tables, "+
				"or set publication.autocreate.mode=disabled and create publication %q yourself", sql, err, cfg.PublicationName)}}
	}
	log.Info("publication prepared", "publication", cfg.PublicationName, "sql", sql)
	return nil
}
