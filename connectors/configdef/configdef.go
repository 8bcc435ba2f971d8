package configdef

// Kafka Connect ConfigDef types.
const (
	String   = "STRING"
	Int      = "INT"
	Long     = "LONG"
	Double   = "DOUBLE"
	Boolean  = "BOOLEAN"
	List     = "LIST"
	Class    = "CLASS"
	Password = "PASSWORD"
)

// Importance and width values.
const (
	High   = "HIGH"
	Medium = "MEDIUM"
	Low    = "LOW"

	WidthNone   = "NONE"
	WidthShort  = "SHORT"
	WidthMedium = "MEDIUM"
	WidthLong   = "LONG"
)

// Key is the definition of one configuration key.
type Key struct {
	Name string
	Type string
	// Default is the default value as Kafka Connect writes it (lists
	// comma-separated); nil means the key's default is null.
	Default *string
	// Required marks a key without any default (Kafka Connect's
	// NO_DEFAULT_VALUE). Debezium's keys all have a default, if only null,
	// so Kafka Connect shows them as not required.
	Required   bool
	Importance string
	Doc        string
	// Group and Order place the key in the configuration form; Group ""
	// is Kafka Connect's null group.
	Group   string
	Order   int
	Width   string
	Display string
	// Dependents are keys whose meaning depends on this one.
	Dependents []string
}

// Def returns a pointer to a default value, for Key.Default.
func Def(v string) *string { return &v }

// Grouped returns keys with Group set to group and Order numbered from 1 in
// the order given, as Kafka Connect's Field.group does.
func Grouped(group string, keys ...Key) []Key {
	out := make([]Key, len(keys))
	for i, k := range keys {
		k.Group, k.Order = group, i+1
		out[i] = k
	}
	return out
}

// Concat joins lists of keys.
func Concat(lists ...[]Key) []Key {
	var out []Key
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}
