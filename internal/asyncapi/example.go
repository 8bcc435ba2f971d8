package asyncapi

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/schema"
)

// example returns the message example of a channel: a record as the
// consumer reads it, made from the value's schema (values of the columns'
// types, not of the table's rows), a create event for a table.
func example(c Connector, ch Channel) (map[string]any, error) {
	var payload any
	if ch.Value != nil {
		payload = exampleValue(ch.Value)
	}
	if c.Value.Schemas && ch.Value != nil {
		b, err := schema.ConnectSchemaJSON(ch.Value)
		if err != nil {
			return nil, err
		}
		var s any
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, err
		}
		payload = map[string]any{"schema": s, "payload": payload}
	}
	ex := map[string]any{"name": "record", "summary": "A record of " + ch.Topic, "payload": payload}
	if ch.Table != "" {
		ex["name"], ex["summary"] = "create", "A row inserted into "+ch.Table
	}
	if len(ch.Headers) > 0 {
		h := map[string]any{}
		for _, k := range ch.Headers {
			h[k] = "text"
			if k == schema.VersionHeader {
				h[k] = fmt.Sprint(ch.Version)
			}
		}
		ex["headers"] = h
	}
	return ex, nil
}

// exampleValue returns a JSON value that f's JSON Schema (jsonSchema)
// admits.
func exampleValue(f *change.Field) any {
	switch f.Logical {
	case "io.debezium.time.Date", "org.apache.kafka.connect.data.Date":
		return 20790 // 2026-12-03
	case "io.debezium.time.Timestamp", "org.apache.kafka.connect.data.Timestamp":
		return 1764777600000
	case "io.debezium.time.MicroTimestamp":
		return 1764777600000000
	case "io.debezium.time.NanoTimestamp":
		return 1764777600000000000
	case "io.debezium.time.ZonedTimestamp":
		return "2026-12-03T16:00:00Z"
	case "io.debezium.time.ZonedTime":
		return "16:00:00Z"
	case "io.debezium.time.Interval":
		return "P1DT2H"
	case "io.debezium.data.Uuid":
		return "5f0c8e4a-2b1d-4c7e-9a3f-0d6b8e2c1a47"
	case "io.debezium.data.Json":
		return `{"a":1}`
	case "io.debezium.data.Enum":
		if a := f.Param("allowed"); a != "" {
			v, _, _ := strings.Cut(a, ",")
			return v
		}
	case "org.apache.kafka.connect.data.Decimal":
		return "MDk=" // 12345 unscaled
	}
	switch f.Type {
	case change.Int8, change.Int16, change.Int32, change.Int64:
		return 1
	case change.Float32, change.Float64:
		return 1.5
	case change.Boolean:
		return true
	case change.String:
		return "text"
	case change.Bytes:
		return "AQID"
	case change.Array:
		if f.Elem == nil {
			return []any{}
		}
		return []any{exampleValue(f.Elem)}
	case change.Map:
		if f.KeyElem != nil && f.KeyElem.Type == change.String {
			if f.Elem == nil {
				return map[string]any{}
			}
			return map[string]any{"key": exampleValue(f.Elem)}
		}
		if f.KeyElem == nil || f.Elem == nil {
			return []any{}
		}
		return []any{[]any{exampleValue(f.KeyElem), exampleValue(f.Elem)}}
	case change.Struct:
		envelope := strings.HasSuffix(f.Logical, ".Envelope")
		o := map[string]any{}
		for i := range f.Fields {
			m := &f.Fields[i]
			switch {
			case envelope && m.Name == "before" && m.Optional:
				o[m.Name] = nil
			case envelope && m.Name == "op" && m.Type == change.String:
				o[m.Name] = "c"
			default:
				o[m.Name] = exampleValue(m)
			}
		}
		return o
	}
	return nil
}
