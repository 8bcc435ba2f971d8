package change

// Type is a Kafka Connect schema type.
type Type uint8

// The Kafka Connect schema types.
const (
	Int8 Type = iota + 1
	Int16
	Int32
	Int64
	Float32
	Float64
	Boolean
	String
	Bytes
	Array
	Map
	Struct
)

var typeNames = [...]string{
	Int8: "int8", Int16: "int16", Int32: "int32", Int64: "int64",
	Float32: "float", Float64: "double", Boolean: "boolean", String: "string",
	Bytes: "bytes", Array: "array", Map: "map", Struct: "struct",
}

// String returns the type's name as Kafka Connect's JsonConverter writes it.
func (t Type) String() string {
	if int(t) < len(typeNames) && typeNames[t] != "" {
		return typeNames[t]
	}
	return "unknown"
}

// Param is one schema parameter. Parameters keep the order they were added in,
// as Kafka Connect's SchemaBuilder does.
type Param struct {
	Key, Value string
}

// Field is a Kafka Connect schema, named when it is a member of a struct.
// A column of a table is a Field; so is each member of the source block.
type Field struct {
	Name     string // member name in the enclosing struct; empty for a top-level schema
	Type     Type
	Optional bool
	Logical  string  // logical type name, e.g. "io.debezium.time.Date"; empty if none
	Version  int     // logical type version; 0 means absent
	Params   []Param // schema parameters, e.g. scale for Decimal
	Default  any     // default value in the same representation as a Value; nil if none
	Doc      string
	Fields   []Field // members of a Struct
	Elem     *Field  // element of an Array, or value of a Map
	KeyElem  *Field  // key of a Map

	// SourceType is the column's type as the database names it (for example
	// "varchar(255)" or "int4"); informational only.
	SourceType string
}

// Param returns the value of parameter key, or "" when absent.
func (f *Field) Param(key string) string {
	for _, p := range f.Params {
		if p.Key == key {
			return p.Value
		}
	}
	return ""
}

// TableID names a table: Namespace is the Postgres schema or the MySQL database.
type TableID struct {
	Namespace string
	Name      string
}

// String returns "namespace.name".
func (id TableID) String() string { return id.Namespace + "." + id.Name }

// TableSchema describes the columns of a table at one schema version.
// A TableSchema is immutable once an event refers to it: a column change
// produces a new TableSchema with a higher Version.
type TableSchema struct {
	ID      TableID
	Version int     // increases on every column change; starts at 1
	Columns []Field // in table order
	Key     []int   // indexes into Columns of the key columns, in key order; empty when keyless
	// KeyFields, when set, are the key's fields in Key order: Debezium's
	// column mappers (column.propagate.source.type, column.mask.*, ...)
	// add parameters to the value's fields only. Nil means Columns[Key].
	KeyFields []Field
	// KeyFromEvent is set when the key's values are not all in the rows (a
	// key column the value leaves out, or whose values a column mapper
	// masks): Key is then empty, KeyFields describe the key, and events
	// carry its values in Event.KeyRow, as Debezium keys records by the
	// columns' own values.
	KeyFromEvent bool
}

// Column returns the index of the column called name, or -1.
func (t *TableSchema) Column(name string) int {
	for i := range t.Columns {
		if t.Columns[i].Name == name {
			return i
		}
	}
	return -1
}
