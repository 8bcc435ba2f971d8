package transforms

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
)

// TestKafkaSMTKeysMirrorConnect compares the keys of Kafka's transforms and
// predicates with what the real Kafka Connect 4.3.0 lists at GET
// /connector-plugins/{class}/config (saved in testdata; the file name is
// the class after org.apache.kafka.connect.transforms., '$' as '_').
func TestKafkaSMTKeysMirrorConnect(t *testing.T) {
	files, err := filepath.Glob("testdata/connect-plugin-config/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, f := range files {
		base := strings.TrimSuffix(filepath.Base(f), ".json")
		class := "org.apache.kafka.connect.transforms." + strings.Replace(base, "_", "$", 1)
		p := Lookup(class)
		if p == nil {
			t.Errorf("%s is not registered", class)
			continue
		}
		if p.Version != KafkaVersion {
			t.Errorf("%s: version %q", class, p.Version)
		}
		want, _ := readListedKeys(t, f)
		if len(p.Keys) != len(want) {
			t.Errorf("%s: %d keys, Connect lists %d", class, len(p.Keys), len(want))
			continue
		}
		for i, k := range p.Keys {
			w := want[i]
			got := listedKey{Name: k.Name, Type: k.Type, Required: k.Required, DefaultValue: k.Default,
				Importance: k.Importance, Documentation: k.Doc, OrderInGroup: -1, Width: k.Width,
				DisplayName: k.Display, Dependents: k.Dependents}
			if k.Group != "" {
				got.Group, got.OrderInGroup = &k.Group, k.Order
			}
			gb, _ := json.Marshal(got)
			if len(w.Dependents) == 0 {
				w.Dependents = nil
			}
			wb, _ := json.Marshal(w)
			if string(gb) != string(wb) {
				t.Errorf("%s key %d:\n got %s\nwant %s", class, i, gb, wb)
			}
		}
	}
}

// TestKafkaStringOptionsAreTrimmed: Kafka's ConfigDef trims STRING values
// before the transform sees them.
func TestKafkaStringOptionsAreTrimmed(t *testing.T) {
	rec := func() *change.Record {
		return &change.Record{Topic: "pg.s.t", ValueSchema: &change.Field{Type: change.Struct, Fields: []change.Field{
			{Name: "a", Type: change.Struct, Fields: []change.Field{{Name: "b", Type: change.Int64}}}}},
			Value: change.StructValue{change.StructValue{int64(86400000)}}}
	}
	out, err := mustTransform(t, kafkaTransforms+"Flatten$Value", map[string]string{"delimiter": " _ "}).Apply(rec())
	if err != nil || out.ValueSchema.Fields[0].Name != "a_b" {
		t.Errorf("Flatten delimiter: %+v %v", out.ValueSchema, err)
	}
	flat := out
	out, err = mustTransform(t, kafkaTransforms+"TimestampConverter$Value", map[string]string{"field": " a_b ", "target.type": " Date "}).Apply(flat)
	if err != nil || !reflect.DeepEqual(out.Value, change.StructValue{int32(1)}) {
		t.Errorf("TimestampConverter: %#v %v", out.Value, err)
	}
	out, err = mustTransform(t, kafkaTransforms+"HeaderFrom$Value", map[string]string{"fields": "a_b", "headers": "h", "operation": " copy "}).Apply(flat)
	if err != nil || len(out.Headers) != 1 {
		t.Errorf("HeaderFrom: %+v %v", out, err)
	}
	out, err = mustTransform(t, kafkaTransforms+"InsertHeader", map[string]string{"header": " h ", "value.literal": " 42 "}).Apply(flat)
	if err != nil || out.Headers[0].Key != "h" || out.Headers[0].Value != int8(42) {
		t.Errorf("InsertHeader: %+v %v", out.Headers, err)
	}
	p, err := predicate(t, kafkaPredicates+"TopicNameMatches", map[string]string{"pattern": " pg\\..* "})
	if err != nil || !p.Test(flat) {
		t.Errorf("TopicNameMatches: %v", err)
	}
	if _, err := predicate(t, kafkaPredicates+"HasHeaderKey", map[string]string{"name": "  "}); err == nil || !strings.Contains(err.Error(), "String must be non-empty") {
		t.Errorf("HasHeaderKey blank name: %v", err)
	}
}
