package change

import (
	"math"
	"testing"
)

// TestAppendJavaFloat checks Double.toString and Float.toString as JDK 19+
// print them (the schema package's JSON tests cover the digits at length).
func TestAppendJavaFloat(t *testing.T) {
	for _, c := range []struct {
		f    float64
		bits int
		want string
	}{
		{1, 64, "1.0"}, {-2, 64, "-2.0"}, {0.1, 64, "0.1"}, {1e-5, 64, "1.0E-5"}, {2e20, 64, "2.0E20"},
		{1234567.5, 64, "1234567.5"}, {1e7, 64, "1.0E7"}, {0.001, 64, "0.001"},
		{math.Copysign(0, -1), 64, "-0.0"}, {0, 64, "0.0"},
		{math.NaN(), 64, "NaN"}, {math.Inf(1), 64, "Infinity"}, {math.Inf(-1), 64, "-Infinity"},
		{float64(float32(1.1)), 32, "1.1"},
	} {
		if got := string(AppendJavaFloat(nil, c.f, c.bits)); got != c.want {
			t.Errorf("AppendJavaFloat(%v, %d) = %s, want %s", c.f, c.bits, got, c.want)
		}
	}
}
