package transforms

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// kafkaSMT1Classes are the classes of this part of Kafka's transforms,
// after org.apache.kafka.connect.transforms.
var kafkaSMT1Classes = []string{
	"RegexRouter", "TimestampRouter", "ValueToKey",
	"InsertField$Key", "InsertField$Value", "ReplaceField$Key", "ReplaceField$Value",
	"MaskField$Key", "MaskField$Value", "ExtractField$Key", "ExtractField$Value",
	"HoistField$Key", "HoistField$Value", "SetSchemaMetadata$Key", "SetSchemaMetadata$Value",
}

// TestKafkaSMT1KeysMatchConnect compares each class's keys with what the
// real Kafka Connect 4.3.0 lists at GET /connector-plugins/{class}/config,
// saved in testdata/connect-plugin-config ('$' written '_').
func TestKafkaSMT1KeysMatchConnect(t *testing.T) {
	type info struct {
		Name          string   `json:"name"`
		Type          string   `json:"type"`
		Required      bool     `json:"required"`
		DefaultValue  *string  `json:"default_value"`
		Importance    string   `json:"importance"`
		Documentation string   `json:"documentation"`
		Group         *string  `json:"group"`
		OrderInGroup  int      `json:"order_in_group"`
		Width         string   `json:"width"`
		DisplayName   string   `json:"display_name"`
		Dependents    []string `json:"dependents"`
	}
	for _, name := range kafkaSMT1Classes {
		class := "org.apache.kafka.connect.transforms." + name
		p := Lookup(class)
		if p == nil || p.Kind != KindTransformation || p.Version != KafkaVersion {
			t.Errorf("%s: registered as %+v", class, p)
			continue
		}
		b, err := os.ReadFile("testdata/connect-plugin-config/" + strings.Replace(name, "$", "_", 1) + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var want []info
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatal(err)
		}
		if len(p.Keys) != len(want) {
			t.Errorf("%s: %d keys, Connect lists %d", class, len(p.Keys), len(want))
			continue
		}
		for i, k := range p.Keys {
			got := info{Name: k.Name, Type: k.Type, Required: k.Required, DefaultValue: k.Default,
				Importance: k.Importance, Documentation: k.Doc, OrderInGroup: -1, Width: k.Width,
				DisplayName: k.Display, Dependents: k.Dependents}
			if k.Group != "" {
				got.Group, got.OrderInGroup = &k.Group, k.Order
			}
			w := want[i]
			if len(w.Dependents) == 0 {
				w.Dependents = nil
			}
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(w)
			if string(gb) != string(wb) {
				t.Errorf("%s key %d:\n got %s\nwant %s", class, i, gb, wb)
			}
		}
	}
}
