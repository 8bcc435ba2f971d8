package transforms

import (
	"testing"

	"github.com/sluicecdc/sluice/schema"
)

// FuzzParseConnectLiteral: any literal parses to a value the header
// converter can write, without a panic.
func FuzzParseConnectLiteral(f *testing.F) {
	for _, s := range []string{"", "null", "42", "1.50", "[1, 2.5]", `{"a":[1,"x"]}`, "12:30", "2024-01-02T10:11:12.123Z", `["a\"b"]`, "[[", "{:}", "\\:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sch, v := parseConnectLiteral(s)
		if _, err := schema.HeaderBytes(sch, v); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	})
}

// FuzzJavaDateFormat: any pattern either compiles or is refused, and a
// compiled one formats any time and parses any text without a panic.
func FuzzJavaDateFormat(f *testing.F) {
	f.Add("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2024-01-02T10:11:12.123+01:00", int64(1704190272123))
	f.Add("EEE, d MMM yy hh:mm a z", "Tue, 2 Jan 24 10:11 AM UTC", int64(-1))
	f.Add("''yyyyMMddHHmmss''", "'20240102101112'", int64(0))
	f.Fuzz(func(t *testing.T, pattern, text string, ms int64) {
		df, err := compileJavaDateFormat(pattern)
		if err != nil {
			return
		}
		if ms > 253402300799999 || ms < -62135596800000 {
			ms %= 253402300799999 // within years 1..9999
		}
		_ = df.format(ms)
		_, _ = df.parse(text)
	})
}
