//go:build integration

package schema

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/sluicecdc/sluice/connectors/change"
)

// TestAvroColumnKeysRealRegistry registers, against a real registry, the
// schemas of a table shaped by the column keys (connectors/columns): value
// fields with Debezium's mapper parameters, a key whose values come with
// the event (its column left out of the value) and whose schema has no
// parameters. Both sides decode with the registered schemas.
func TestAvroColumnKeysRealRegistry(t *testing.T) {
	ctx := context.Background()
	url := registryURL()
	cl, err := sr.NewClient(sr.URLs(url))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Subjects(ctx); err != nil {
		t.Skipf("no schema registry at %s (run integration/env/up registry): %v", url, err)
	}
	prefix := "columns" + strconv.FormatInt(time.Now().UnixNano()%1e12, 36)
	keySubject, valueSubject := prefix+".public.customers-key", prefix+".public.customers-value"
	t.Cleanup(func() {
		for _, s := range []string{keySubject, valueSubject} {
			_, _ = cl.DeleteSubject(ctx, s, sr.SoftDelete)
			_, _ = cl.DeleteSubject(ctx, s, sr.HardDelete)
		}
	})
	reg := newTestRegistry(t, url, 10*time.Second)
	o := avroOpts(reg, reg)
	o.TopicPrefix = prefix
	a, err := NewAvro(o)
	if err != nil {
		t.Fatal(err)
	}
	ts := customers()
	ts.KeyFields = []change.Field{ts.Columns[0]}
	ts.Columns = ts.Columns[1:] // id left out of the value (column.exclude.list)
	ts.Key, ts.KeyFromEvent = nil, true
	ts.Columns[0].Params = []change.Param{{Key: "masked", Value: "true"}}
	ts.Columns[1].Params = append(append([]change.Param(nil), ts.Columns[1].Params...),
		change.Param{Key: "__debezium.source.column.type", Value: "NUMERIC"}, change.Param{Key: "__debezium.source.column.length", Value: "10"},
		change.Param{Key: "__debezium.source.column.scale", Value: "2"}, change.Param{Key: "__debezium.source.column.name", Value: "balance"})
	ev := event(ts, change.OpCreate, nil, change.Row{"*****", []byte{0x30, 0x39}, nil})
	ev.KeyRow = change.Row{int32(42)}
	msgs, err := a.Encode(nil, ev)
	if err != nil {
		t.Fatal(err)
	}
	if _, key := decodeWire(t, url, msgs[0].Key); asJSON(t, key) != `{"id":42}` {
		t.Errorf("key %s", asJSON(t, key))
	}
	if _, v := decodeWire(t, url, msgs[0].Value); !strings.Contains(asJSON(t, v), `"after":{"balance":"decimal:123.4500","created_at":null,"name":"*****"}`) {
		t.Errorf("value %s", asJSON(t, v))
	}
	keySchema, err := cl.SchemaByVersion(ctx, keySubject, -1)
	if err != nil {
		t.Fatal(err)
	}
	valueSchema, err := cl.SchemaByVersion(ctx, valueSubject, -1)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(keySchema.Schema.Schema, "__debezium") {
		t.Errorf("the key schema carries mapper parameters: %s", keySchema.Schema.Schema)
	}
	for _, want := range []string{`"__debezium.source.column.type":"NUMERIC"`, `"masked":"true"`} {
		if !strings.Contains(valueSchema.Schema.Schema, want) {
			t.Errorf("the value schema lacks %s: %.600s", want, valueSchema.Schema.Schema)
		}
	}
}
