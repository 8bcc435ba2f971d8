package transforms

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// listedKey is one key of a plugin as the real Kafka Connect lists it at
// GET /connector-plugins/{class}/config (the listings are saved in
// testdata).
type listedKey struct {
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

// readListedKeys reads a saved listing: its keys, and its text for
// failure messages.
func readListedKeys(t *testing.T, path string) ([]listedKey, []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var keys []listedKey
	if err := json.Unmarshal(b, &keys); err != nil {
		t.Fatal(err)
	}
	return keys, b
}

// testdataLines is the lines of a testdata file, without their ends.
func testdataLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}
