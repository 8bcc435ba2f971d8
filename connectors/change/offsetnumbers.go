package change

import "fmt"

// OffsetNumbers returns the reader of the numbers of a decoded Debezium
// offset off that both sources' FromOffset use: it gives a key's value
// (OffsetNumber) and true, or false when the key is missing or null. A value
// that is not a non-negative integer reads as missing, and its problem,
// naming the key, is appended to errs.
func OffsetNumbers(off map[string]any, errs *[]error) func(key string) (uint64, bool) {
	return func(k string) (uint64, bool) {
		v, ok := off[k]
		if !ok || v == nil {
			return 0, false
		}
		n, err := OffsetNumber(v)
		if err != nil {
			*errs = append(*errs, fmt.Errorf("offset key %q: %w", k, err))
			return 0, false
		}
		return n, true
	}
}
