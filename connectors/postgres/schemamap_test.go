package postgres

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func TestSchemaMapRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 3, schemaMapDeflateFrom - 1, schemaMapDeflateFrom, 10_000} {
		m := schemaMap{}
		for i := range n {
			// Distinct fingerprints (the worst case for compression),
			// tables spread over 20 schemas.
			m[fmt.Sprintf("app_schema_%02d.customer_table_%05d", i%20, i)] = schemaVer{V: 1 + i%3, FP: strconv.FormatUint(rng.Uint64(), 16)}
		}
		b, err := json.Marshal(snapState{Schemas: m})
		if err != nil {
			t.Fatal(err)
		}
		deflated := strings.Contains(string(b), schemaMapDeflatePrefix)
		if deflated != (n >= schemaMapDeflateFrom) {
			t.Errorf("%d tables: deflated %v, want %v", n, deflated, n >= schemaMapDeflateFrom)
		}
		var back snapState
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%d tables: %v", n, err)
		}
		if !maps.Equal(back.Schemas, m) {
			t.Errorf("%d tables: read back %d entries, not the same", n, len(back.Schemas))
		}
		if n == 10_000 {
			plain, _ := json.Marshal(map[string]schemaVer(m))
			t.Logf("10,000 tables: %d bytes deflated, %d as JSON", len(b), len(plain))
			// A checkpoint record holds at most ~255 KiB (sinks/kafka).
			if len(b) > 200<<10 {
				t.Errorf("10,000 tables take %d bytes, want under 200 KiB", len(b))
			}
		}
	}
}

func TestSchemaMapReadsPlainJSON(t *testing.T) {
	// Checkpoints written before the compressed form.
	var ss snapState
	if err := json.Unmarshal([]byte(`{"schemas":{"s.t":{"v":2,"fp":"abc"}}}`), &ss); err != nil {
		t.Fatal(err)
	}
	if v := ss.Schemas["s.t"]; v.V != 2 || v.FP != "abc" {
		t.Errorf("s.t = %+v", v)
	}
	for _, bad := range []string{`{"schemas":"gzip:xx"}`, `{"schemas":"deflate:!!"}`, `{"schemas":"deflate:AAAA"}`} {
		if err := json.Unmarshal([]byte(bad), &ss); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
