package transforms

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestDebeziumSMTKeysMirrorConnect compares the keys of Debezium's
// transforms with what the real Kafka Connect 4.3.0 lists for Debezium
// 3.6.1 at GET /connector-plugins/{class}/config (saved in testdata, one
// file per class after io.debezium.transforms.). Debezium puts every key in
// the null group with order 1.
func TestDebeziumSMTKeysMirrorConnect(t *testing.T) {
	files, err := filepath.Glob("testdata/connect-plugin-config-debezium/*.json")
	if err != nil || len(files) != 3 {
		t.Fatalf("testdata: %v, %v", files, err)
	}
	for _, f := range files {
		class := "io.debezium.transforms." + strings.TrimSuffix(filepath.Base(f), ".json")
		p := Lookup(class)
		if p == nil {
			t.Errorf("%s is not registered", class)
			continue
		}
		if p.Version != DebeziumVersion || p.Kind != KindTransformation {
			t.Errorf("%s: version %q kind %q", class, p.Version, p.Kind)
		}
		want, b := readListedKeys(t, f)
		var got []listedKey
		for _, k := range p.Keys {
			i := listedKey{Name: k.Name, Type: k.Type, Required: k.Required, DefaultValue: k.Default, Importance: k.Importance,
				Documentation: k.Doc, OrderInGroup: k.Order, Width: k.Width, DisplayName: k.Display, Dependents: []string{}}
			if k.Group != "" {
				i.Group = &k.Group
			}
			got = append(got, i)
		}
		if !reflect.DeepEqual(got, want) {
			gb, _ := json.Marshal(got)
			t.Errorf("%s:\n got %s\nwant %s", class, gb, b)
		}
	}
}
