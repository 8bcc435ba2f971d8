package schema

import (
	"fmt"
	"strconv"

	"github.com/sluicecdc/sluice/connectors/change"
)

// appendSchema appends f as the schema node Kafka Connect's JsonConverter
// writes (asJsonSchema): the keys in the order type, fields | items |
// keys+values, optional, name, version, doc, parameters, default; when member
// is set (f is a member of a struct) the member name follows as "field".
func appendSchema(b []byte, f *change.Field, member bool) ([]byte, error) {
	name := f.Type.String()
	if name == "unknown" {
		return b, fmt.Errorf("%w: unknown schema type %d", ErrValue, f.Type)
	}
	b = append(b, `{"type":"`...)
	b = append(b, name...)
	b = append(b, '"')
	var err error
	switch f.Type {
	case change.Struct:
		b = append(b, `,"fields":[`...)
		for i := range f.Fields {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendSchema(b, &f.Fields[i], true); err != nil {
				return b, fmt.Errorf("%s: %w", f.Fields[i].Name, err)
			}
		}
		b = append(b, ']')
	case change.Array:
		if f.Elem == nil {
			return b, fmt.Errorf("%w: array schema without an element schema", ErrValue)
		}
		b = append(b, `,"items":`...)
		if b, err = appendSchema(b, f.Elem, false); err != nil {
			return b, fmt.Errorf("items: %w", err)
		}
	case change.Map:
		if f.KeyElem == nil || f.Elem == nil {
			return b, fmt.Errorf("%w: map schema without a key or value schema", ErrValue)
		}
		b = append(b, `,"keys":`...)
		if b, err = appendSchema(b, f.KeyElem, false); err != nil {
			return b, fmt.Errorf("keys: %w", err)
		}
		b = append(b, `,"values":`...)
		if b, err = appendSchema(b, f.Elem, false); err != nil {
			return b, fmt.Errorf("values: %w", err)
		}
	}
	b = append(b, `,"optional":`...)
	b = strconv.AppendBool(b, f.Optional)
	if f.Logical != "" {
		b = append(b, `,"name":`...)
		b = appendString(b, f.Logical)
	}
	if f.Version != 0 {
		b = append(b, `,"version":`...)
		b = strconv.AppendInt(b, int64(f.Version), 10)
	}
	if f.Doc != "" {
		b = append(b, `,"doc":`...)
		b = appendString(b, f.Doc)
	}
	if len(f.Params) > 0 {
		b = append(b, `,"parameters":{`...)
		for i, p := range f.Params {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, p.Key)
			b = append(b, ':')
			b = appendString(b, p.Value)
		}
		b = append(b, '}')
	}
	if f.Default != nil {
		b = append(b, `,"default":`...)
		if b, err = appendValue(b, f, f.Default); err != nil {
			return b, fmt.Errorf("default: %w", err)
		}
	}
	if member {
		b = append(b, `,"field":`...)
		b = appendString(b, f.Name)
	}
	return append(b, '}'), nil
}

// transactionBlock is the schema of the envelope's transaction member
// (Debezium's event.block), always null in sluice's records.
var transactionBlock = change.Field{
	Name: "transaction", Type: change.Struct, Optional: true, Logical: "event.block", Version: 1,
	Fields: []change.Field{
		{Name: "id", Type: change.String},
		{Name: "total_order", Type: change.Int64},
		{Name: "data_collection_order", Type: change.Int64},
	},
}

// envelopeVersion is the version Debezium gives its Envelope schema (3.x).
const envelopeVersion = 2

// keySchema returns the Connect schema of t's key: a required struct of the
// key columns named <topic>.Key. Like Debezium's, it carries no version.
func keySchema(t *change.TableSchema, topic string) *change.Field {
	if t.KeyFromEvent {
		return &change.Field{Type: change.Struct, Logical: topic + ".Key", Fields: t.KeyFields}
	}
	cols := make([]change.Field, len(t.Key))
	for i, c := range t.Key {
		cols[i] = t.Columns[c]
		if i < len(t.KeyFields) {
			cols[i] = t.KeyFields[i]
		}
	}
	return &change.Field{Type: change.Struct, Logical: topic + ".Key", Fields: cols}
}

// envelopeSchema returns the Connect schema of t's change events with source
// block src: Debezium's <topic>.Envelope (version 2) whose before and after
// members are the optional struct <topic>.Value. Like Debezium's, the Value
// struct carries no version: the table's schema version travels in the
// VersionHeader header, so the schemas (and the registry subjects' versions)
// change only when the Connect schema does.
func envelopeSchema(t *change.TableSchema, topic string, src *change.Field) *change.Field {
	row := change.Field{Type: change.Struct, Optional: true, Logical: topic + ".Value", Fields: t.Columns}
	before, after, source := row, row, *src
	before.Name, after.Name, source.Name = "before", "after", "source"
	return &change.Field{
		Type: change.Struct, Logical: topic + ".Envelope", Version: envelopeVersion,
		Fields: []change.Field{
			before, after, source, transactionBlock,
			{Name: "op", Type: change.String},
			{Name: "ts_ms", Type: change.Int64, Optional: true},
			{Name: "ts_us", Type: change.Int64, Optional: true},
			{Name: "ts_ns", Type: change.Int64, Optional: true},
		},
	}
}
