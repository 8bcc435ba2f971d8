package mysql

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/go-mysql-org/go-mysql/client"
	gomysql "github.com/go-mysql-org/go-mysql/mysql"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/columns"
)

// tableInfo is a captured table at one schema version: its columns'
// metadata, the TableSchema events point to, and one converter per column.
// It is immutable once built; a column change builds a new one.
type tableInfo struct {
	ID     change.TableID
	Meta   []ColumnMeta
	Key    []int // indexes into Meta of the primary key columns, in key order
	Schema *change.TableSchema
	Conv   []Column
	FP     string // fingerprint of the columns (see fingerprint)
	// plan is what the column keys (column.*, message.key.columns) do to
	// the table, nil when nothing; mapped is set when it changes values.
	// recKey lists the Meta indexes of the record key: Key, or the
	// columns of message.key.columns.
	plan   *columns.Plan
	mapped bool
	recKey []int
	// keyFromEvent: the record key takes values the rows leave out or
	// mask, so events carry them (change.TableSchema.KeyFromEvent).
	keyFromEvent bool
}

// name returns "db.table".
func (t *tableInfo) name() string { return t.ID.String() }

// quoted returns the table's quoted, qualified name.
func (t *tableInfo) quoted() string { return quoteIdent(t.ID.Namespace) + "." + quoteIdent(t.ID.Name) }

func quoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

func quoteString(s string) string { return "'" + gomysql.Escape(s) + "'" }

// keyKinds returns how each key column orders.
func (t *tableInfo) keyKinds() capture.KeyOrder {
	k := make(capture.KeyOrder, len(t.Key))
	for i, c := range t.Key {
		k[i] = kindOf(t.Meta[c].Type)
		if mariaDBBinaryType(&t.Meta[c], parseColumnType(t.Meta[c].ColumnType)) != "" {
			k[i] = capture.BinaryText
		}
	}
	return k
}

func kindOf(typ byte) capture.KeyKind {
	switch typ {
	case gomysql.MYSQL_TYPE_TINY, gomysql.MYSQL_TYPE_SHORT, gomysql.MYSQL_TYPE_INT24, gomysql.MYSQL_TYPE_LONG,
		gomysql.MYSQL_TYPE_LONGLONG, gomysql.MYSQL_TYPE_YEAR, gomysql.MYSQL_TYPE_DECIMAL, gomysql.MYSQL_TYPE_NEWDECIMAL,
		gomysql.MYSQL_TYPE_FLOAT, gomysql.MYSQL_TYPE_DOUBLE:
		return capture.Numeric
	}
	return capture.Text
}

// stringType reports whether a column of typ orders by its collation in
// MySQL; chunk queries compare such key columns as BINARY so that the
// order is the byte order Go compares in.
func stringType(typ byte) bool {
	switch typ {
	case gomysql.MYSQL_TYPE_VARCHAR, gomysql.MYSQL_TYPE_VAR_STRING, gomysql.MYSQL_TYPE_STRING,
		gomysql.MYSQL_TYPE_TINY_BLOB, gomysql.MYSQL_TYPE_MEDIUM_BLOB, gomysql.MYSQL_TYPE_LONG_BLOB, gomysql.MYSQL_TYPE_BLOB,
		gomysql.MYSQL_TYPE_ENUM, gomysql.MYSQL_TYPE_SET:
		return true
	}
	return false
}

// buildTable maps meta to a TableSchema at version and its converters.
// key lists the primary key columns in key order.
func buildTable(id change.TableID, meta []ColumnMeta, key []int, version int, opts TypeOptions) (*tableInfo, error) {
	t := &tableInfo{ID: id, Meta: meta, Key: key, recKey: key}
	ts := &change.TableSchema{ID: id, Version: version, Key: append([]int(nil), key...)}
	t.Conv = make([]Column, len(meta))
	var plan *columns.Plan
	if opts.Columns != nil {
		plan = opts.Columns.Table(id, myColumns(meta))
	}
	for i, m := range meta {
		col, err := MapColumn(m, opts)
		if err != nil {
			var ute *UnsupportedTypeError
			if errors.As(err, &ute) {
				ute.Table = id.String()
				return nil, ute
			}
			return nil, fmt.Errorf("map column %s.%s (%s): %w", id, m.Name, m.ColumnType, err)
		}
		if col.Field.Name == "" {
			col.Field.Name = m.Name
		}
		if d := m.Declared; d != nil {
			if d.HasDefault {
				col.Field.Default = defaultValue(m, col, d.Default)
			}
			if d.HasComment {
				col.Field.Doc = d.Comment
			}
		}
		t.Conv[i] = col
		if plan.Kept(i) {
			ts.Columns = append(ts.Columns, plan.Alter(i, col.Field))
		}
	}
	if plan != nil {
		if k := plan.Key(); k != nil {
			t.recKey = k
		}
		ts.Key = ts.Key[:0]
		keep := plan.Keep()
		for _, k := range t.recKey {
			if keep == nil {
				ts.Key = append(ts.Key, k)
			} else {
				ts.Key = append(ts.Key, slices.Index(keep, k))
			}
			if len(plan.Params(k)) > 0 && ts.KeyFields == nil {
				ts.KeyFields = []change.Field{} // mapper parameters are the value's only
			}
			if !plan.Kept(k) || plan.MapsValues(k) {
				t.keyFromEvent = true // the key has values the rows do not (see change.TableSchema.KeyFromEvent)
			}
		}
		if ts.KeyFields != nil || t.keyFromEvent {
			ts.KeyFields = make([]change.Field, 0, len(t.recKey))
			for _, k := range t.recKey {
				ts.KeyFields = append(ts.KeyFields, t.Conv[k].Field)
			}
		}
		if t.keyFromEvent {
			ts.Key, ts.KeyFromEvent = nil, true
		}
		t.plan, t.mapped = plan, plan.Mapped()
	}
	t.Schema = ts
	t.FP = fingerprint(ts)
	return t, nil
}

// fingerprint identifies a table's columns as a consumer sees them: names,
// Connect types, optionality, logical types and parameters, defaults and
// docs, and the key.
// Two schemas with the same fingerprint share a version.
func fingerprint(ts *change.TableSchema) string {
	var b strings.Builder
	for i := range ts.Columns {
		writeField(&b, &ts.Columns[i])
		b.WriteByte(';')
	}
	b.WriteString("key")
	for _, k := range ts.Key {
		b.WriteString(",")
		b.WriteString(strconv.Itoa(k))
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:8])
}

func writeField(b *strings.Builder, f *change.Field) {
	fmt.Fprintf(b, "%q:%d:%t:%q:%d", f.Name, f.Type, f.Optional, f.Logical, f.Version)
	if f.Default != nil {
		fmt.Fprintf(b, ":default=%#v", f.Default)
	}
	if f.Doc != "" {
		fmt.Fprintf(b, ":doc=%q", f.Doc)
	}
	for _, p := range f.Params {
		fmt.Fprintf(b, ":%q=%q", p.Key, p.Value)
	}
	if f.Elem != nil {
		b.WriteString("[")
		writeField(b, f.Elem)
		b.WriteString("]")
	}
	if len(f.Fields) > 0 {
		b.WriteString("{")
		for i := range f.Fields {
			writeField(b, &f.Fields[i])
			b.WriteByte(',')
		}
		b.WriteString("}")
	}
}

// listTables returns the captured tables ("db", "table") in the order the
// snapshot reads them (snapshotOrder).
func listTables(q *client.Conn, cfg *Config) ([]change.TableID, error) {
	r, err := q.Execute(`SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES
		WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
		ORDER BY TABLE_SCHEMA, TABLE_NAME`)
	if err != nil {
		return nil, &ConnError{Op: "list tables", Err: err}
	}
	var out []change.TableID
	for i := range r.Values {
		db, _ := r.GetString(i, 0)
		tb, _ := r.GetString(i, 1)
		if cfg.Captures(db, tb) {
			out = append(out, change.TableID{Namespace: db, Name: tb})
		}
	}
	// Debezium sorts table ids as strings ("db.table"), case-sensitively.
	slices.SortFunc(out, func(a, b change.TableID) int { return strings.Compare(a.String(), b.String()) })
	return snapshotOrder(out, cfg.TableInclude), nil
}

// snapshotOrder orders the captured tables as Debezium's snapshot reads
// them: with a table.include.list, the tables each entry matches, entry by
// entry in the list's order (the matches of one entry sorted by name, a table
// matched by an earlier entry staying where it first appeared); without one,
// all of them sorted by name. ids must be sorted by "db.table".
func snapshotOrder(ids []change.TableID, include []*regexp.Regexp) []change.TableID {
	if len(include) == 0 {
		return ids
	}
	out := make([]change.TableID, 0, len(ids))
	seen := make([]bool, len(ids))
	for _, re := range include {
		for i, id := range ids {
			if !seen[i] && re.MatchString(id.String()) {
				seen[i] = true
				out = append(out, id)
			}
		}
	}
	return out
}

// keyFromMeta returns the indexes of the primary key columns in key order,
// or nil when the table has no primary key.
func keyFromMeta(meta []ColumnMeta) []int {
	var key []int
	for i := range meta {
		if meta[i].IsPrimaryKey {
			key = append(key, i)
		}
	}
	slices.SortStableFunc(key, func(a, b int) int { return meta[a].KeyPosition - meta[b].KeyPosition })
	return key
}

// describeTable reads a table's columns and key from information_schema and
// builds its schema at version, with the declared types of model (nil:
// none).
func describeTable(ctx context.Context, q *client.Conn, id change.TableID, version int, opts TypeOptions, model *ddlTable) (*tableInfo, error) {
	meta, err := MetaFromInformationSchema(ctx, q, id.Namespace, id.Name)
	if err != nil {
		return nil, readColumnsError(id, err)
	}
	if len(meta) == 0 {
		return nil, nil // dropped meanwhile
	}
	declaredTypes(meta, model)
	return buildTable(id, meta, keyOf(meta, model), version, opts)
}

// readColumnsError classifies an error of MetaFromInformationSchema: a
// column type sluice cannot map is terminal as it is (retrying reads the
// same type again); anything else is the query failing, a retryable
// *ConnError.
func readColumnsError(id change.TableID, err error) error {
	if errors.Is(err, ErrUnsupportedType) {
		return err
	}
	return &ConnError{Op: "read columns of " + id.String(), Err: err}
}

// warnKeyless logs once that a table has no key (no primary key and no
// UNIQUE index of NOT NULL columns).
func warnKeyless(log *slog.Logger, t *tableInfo, warned map[string]bool) {
	if len(t.Key) == 0 && !warned[t.name()] {
		warned[t.name()] = true
		log.Warn("table has no primary key (nor a UNIQUE index of NOT NULL columns): its records have a null key, and a snapshot interrupted inside it reads it again from its start", "table", t.name())
	}
}
