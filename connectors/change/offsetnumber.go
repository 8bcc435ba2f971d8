package change

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// OffsetNumber reads a non-negative integer from a value of a decoded
// Debezium offset (JSON: float64 or json.Number; or a string or Go integer
// from PATCH /connectors/{name}/offsets).
func OffsetNumber(v any) (uint64, error) {
	switch n := v.(type) {
	case float64:
		if n < 0 || n != math.Trunc(n) || n > 1<<63 {
			return 0, fmt.Errorf("%v is not a non-negative integer", n)
		}
		return uint64(n), nil
	case json.Number:
		return strconv.ParseUint(n.String(), 10, 64)
	case int:
		if n < 0 {
			return 0, fmt.Errorf("%d is negative", n)
		}
		return uint64(n), nil
	case int64:
		if n < 0 {
			return 0, fmt.Errorf("%d is negative", n)
		}
		return uint64(n), nil
	case uint64:
		return n, nil
	case string:
		u, err := strconv.ParseUint(n, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not a non-negative integer", n)
		}
		return u, nil
	}
	return 0, fmt.Errorf("%v is not a number", v)
}
