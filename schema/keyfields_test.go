package schema

import (
	"strings"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
)

// TestKeyFieldsKeepMapperParamsOffTheKey checks that a table whose value
// fields carry column-mapper parameters (column.propagate.source.type) has
// a key schema built from TableSchema.KeyFields, without them, as Debezium's.
func TestKeyFieldsKeepMapperParamsOffTheKey(t *testing.T) {
	ts := customers()
	ts.KeyFields = []change.Field{ts.Columns[0]}
	ts.Columns[0].Params = []change.Param{{Key: "__debezium.source.column.type", Value: "INT4"}}
	o := opts()
	o.KeySchemas, o.ValueSchemas = true, true
	msgs, err := NewJSON(o).Encode(nil, event(ts, change.OpCreate, nil, anne()))
	if err != nil {
		t.Fatal(err)
	}
	wantKey := `{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"default":0,"field":"id"}],"optional":false,"name":"dbserver1.public.customers.Key"},"payload":{"id":1}}`
	if got := string(msgs[0].Key); got != wantKey {
		t.Errorf("key\n got %s\nwant %s", got, wantKey)
	}
	if !strings.Contains(string(msgs[0].Value), `"parameters":{"__debezium.source.column.type":"INT4"},"default":0,"field":"id"`) {
		t.Errorf("the value's id field lost its parameter: %s", msgs[0].Value[:300])
	}
}
