package transforms

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/configdef"
)

// SchemaChangeEventFilter is Debezium's io.debezium.transforms.SchemaChangeEventFilter:
// it drops the schema change events (the records of the schema change
// topic, value "….SchemaChangeValue") whose type is in
// schema.change.event.exclude.list. An event's type is that of its first
// tableChanges entry (CREATE, ALTER, DROP, TRUNCATE), DATABASE when
// tableChanges is empty; an event whose tableChanges is null is dropped
// whatever the list says. Every other record passes.
const schemaChangeEventFilterClass = "io.debezium.transforms.SchemaChangeEventFilter"

func init() {
	Register(Plugin{
		Class: schemaChangeEventFilterClass, Kind: KindTransformation, Version: DebeziumVersion,
		Keys: []configdef.Key{{Name: "schema.change.event.exclude.list", Type: configdef.String, Importance: configdef.High,
			Order: 1, Width: configdef.WidthShort, Display: "Schema change event exclude list",
			Doc: "Support filtering during DDL synchronization"}},
		New: newSchemaChangeEventFilter,
	})
}

// schemaChangeEventTypes are Debezium's SchemaChangeEventType constants.
var schemaChangeEventTypes = []string{"CREATE", "ALTER", "DROP", "TRUNCATE", "DATABASE"}

type schemaChangeEventFilter struct {
	exclude map[string]bool
}

func newSchemaChangeEventFilter(c *Config) (Transform, error) {
	t := &schemaChangeEventFilter{exclude: map[string]bool{}}
	v := c.Required("schema.change.event.exclude.list")
	if strings.TrimSpace(v) == "" {
		return t, nil
	}
	// Java's split(","), each name trimmed and read with valueOf: exact
	// case, no empty name.
	for _, name := range smtSplit(v, ",") {
		if !slices.Contains(schemaChangeEventTypes, name) {
			c.Fail("schema.change.event.exclude.list", "No enum constant io.debezium.schema.SchemaChangeEvent.SchemaChangeEventType.%s (the types are %s)", name, strings.Join(schemaChangeEventTypes, ", "))
			continue
		}
		t.exclude[name] = true
	}
	return t, nil
}

func (t *schemaChangeEventFilter) Apply(r *change.Record) (*change.Record, error) {
	if r.Value == nil || !smtIsSchemaChange(r) {
		return r, nil
	}
	v, err := smtStruct(r.ValueSchema, r.Value, "Read schema change event to filter")
	if err != nil {
		return nil, err
	}
	i := r.ValueSchema.Member("tableChanges")
	if i < 0 {
		return nil, fmt.Errorf("tableChanges is not a valid field name")
	}
	if r.ValueSchema.Fields[i].Type != change.Array {
		return nil, fmt.Errorf("Field 'tableChanges' is not of type ARRAY")
	}
	if v[i] == nil {
		return nil, nil
	}
	changes, _ := v[i].([]any)
	typ := "DATABASE"
	if len(changes) > 0 {
		elem := r.ValueSchema.Fields[i].Elem
		first, err := smtStruct(elem, changes[0], "Read schema change event to filter")
		if err != nil {
			return nil, err
		}
		tv, _, _ := smtGet(elem, first, "type")
		s, _ := tv.(string)
		if !slices.Contains(schemaChangeEventTypes, s) {
			return nil, fmt.Errorf("No enum constant io.debezium.schema.SchemaChangeEvent.SchemaChangeEventType.%v", tv)
		}
		typ = s
	}
	if t.exclude[typ] {
		return nil, nil
	}
	return r, nil
}
