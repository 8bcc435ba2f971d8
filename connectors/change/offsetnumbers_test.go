package change

import (
	"encoding/json"
	"testing"
)

func TestOffsetNumbers(t *testing.T) {
	off := map[string]any{
		"lsn": float64(42), "txId": json.Number("7"), "str": "12", "null": nil,
		"neg": float64(-1), "frac": 1.5, "bool": true, "word": "x",
	}
	var errs []error
	num := OffsetNumbers(off, &errs)
	for _, tc := range []struct {
		key  string
		n    uint64
		ok   bool
		errs int // problems recorded so far
		last string
	}{
		{"lsn", 42, true, 0, ""},
		{"txId", 7, true, 0, ""},
		{"str", 12, true, 0, ""},
		{"missing", 0, false, 0, ""},
		{"null", 0, false, 0, ""},
		{"neg", 0, false, 1, `offset key "neg": -1 is not a non-negative integer`},
		{"frac", 0, false, 2, `offset key "frac": 1.5 is not a non-negative integer`},
		{"bool", 0, false, 3, `offset key "bool": true is not a number`},
		{"word", 0, false, 4, `offset key "word": "x" is not a non-negative integer`},
	} {
		n, ok := num(tc.key)
		if n != tc.n || ok != tc.ok || len(errs) != tc.errs {
			t.Fatalf("%s: got %d, %v with %d problems; want %d, %v with %d", tc.key, n, ok, len(errs), tc.n, tc.ok, tc.errs)
		}
		if tc.last != "" && errs[len(errs)-1].Error() != tc.last {
			t.Errorf("%s: problem %q, want %q", tc.key, errs[len(errs)-1], tc.last)
		}
	}
}
