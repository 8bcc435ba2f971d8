package connecttypes

import (
	"testing"
	"time"
)

func TestDaysFromCivil(t *testing.T) {
	for _, tc := range []struct {
		y, m, d int64
		want    int64
	}{
		{1970, 1, 1, 0},
		{1969, 12, 31, -1},
		{2000, 2, 29, 11016},
		{2024, 3, 1, 19783},
		{1582, 10, 4, -141438}, // proleptic: no Julian gap
		{0, 1, 1, -719528},     // 1 BC
		{-1, 12, 31, -719529},
		{9999, 12, 31, 2932896},
		{10000, 1, 1, 2932897},
	} {
		if got := DaysFromCivil(tc.y, tc.m, tc.d); got != tc.want {
			t.Errorf("DaysFromCivil(%d, %d, %d) = %d, want %d", tc.y, tc.m, tc.d, got, tc.want)
		}
		y, m, d := CivilFromDays(tc.want)
		if y != tc.y || m != tc.m || d != tc.d {
			t.Errorf("CivilFromDays(%d) = %d-%d-%d, want %d-%d-%d", tc.want, y, m, d, tc.y, tc.m, tc.d)
		}
	}
}

// TestCivilAgainstTime compares both directions with package time (proleptic
// Gregorian too) for every 37th day over several centuries either side of
// the epoch.
func TestCivilAgainstTime(t *testing.T) {
	for days := int64(-800_000); days <= 800_000; days += 37 {
		tm := time.Unix(days*86400, 0).UTC()
		y, m, d := CivilFromDays(days)
		if y != int64(tm.Year()) || m != int64(tm.Month()) || d != int64(tm.Day()) {
			t.Fatalf("CivilFromDays(%d) = %d-%d-%d, time says %s", days, y, m, d, tm.Format(time.DateOnly))
		}
		if got := DaysFromCivil(y, m, d); got != days {
			t.Fatalf("DaysFromCivil(%d, %d, %d) = %d, want %d", y, m, d, got, days)
		}
	}
}

func TestFloorDiv(t *testing.T) {
	for _, tc := range []struct{ a, b, want int64 }{
		{7, 2, 3}, {-7, 2, -4}, {7, -2, -4}, {-7, -2, 3},
		{-6, 2, -3}, {0, 5, 0}, {-1, 1000, -1}, {-1000, 1000, -1}, {-1001, 1000, -2},
	} {
		if got := FloorDiv(tc.a, tc.b); got != tc.want {
			t.Errorf("FloorDiv(%d, %d) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestFormatZonedTimestamp(t *testing.T) {
	const h = 3600 * MicrosPerSecond
	for _, tc := range []struct {
		days, micros int64
		width        int
		want         string
	}{
		{0, 0, 0, "1970-01-01T00:00:00Z"},
		{0, 0, 3, "1970-01-01T00:00:00.000Z"},
		{0, 120_000, 0, "1970-01-01T00:00:00.12Z"},
		{0, 120_000, 6, "1970-01-01T00:00:00.120000Z"},
		{0, 123_456, 2, "1970-01-01T00:00:00.12Z"},
		{0, 1, 9, "1970-01-01T00:00:00.000001000Z"},
		{19783, 13*h + 5*60*MicrosPerSecond + 9*MicrosPerSecond, 0, "2024-03-01T13:05:09Z"},
		{-1, MicrosPerDay - 1, 0, "1969-12-31T23:59:59.999999Z"},
		{2932897, 0, 0, "+10000-01-01T00:00:00Z"},
		{-719529, 0, 0, "-0001-12-31T00:00:00Z"},
		{-719528, 0, 0, "0000-01-01T00:00:00Z"},
	} {
		if got := FormatZonedTimestamp(tc.days, tc.micros, tc.width); got != tc.want {
			t.Errorf("FormatZonedTimestamp(%d, %d, %d) = %q, want %q", tc.days, tc.micros, tc.width, got, tc.want)
		}
	}
}

func TestAppendClock(t *testing.T) {
	for _, tc := range []struct {
		us    int64
		width int
		want  string
	}{
		{0, 0, "00:00:00"},
		{MicrosPerDay, 0, "24:00:00"},
		{45_296_500_000, 0, "12:34:56.5"},
		{45_296_500_000, 1, "12:34:56.5"},
		{45_296_000_010, 0, "12:34:56.00001"},
		{45_296_000_000, 4, "12:34:56.0000"},
	} {
		if got := string(AppendClock([]byte("x"), tc.us, tc.width)); got != "x"+tc.want {
			t.Errorf("AppendClock(%d, %d) = %q, want %q", tc.us, tc.width, got, "x"+tc.want)
		}
	}
}
