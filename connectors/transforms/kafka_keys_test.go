package transforms

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
		b, err := os.ReadFile(f)
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
			w := want[i]
			got := info{Name: k.Name, Type: k.Type, Required: k.Required, DefaultValue: k.Default,
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
