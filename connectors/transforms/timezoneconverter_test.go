package transforms

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
)

// TestTimezoneConverterMatchesDebezium runs the cases of
// testdata/timezone_expected.tsv, which Debezium 3.6.1's own
// TimezoneConverter produced (testdata/TimezoneCases.java): zones with and
// without daylight saving time (gaps and overlaps included), every
// converted and unconverted type, defaults, and include/exclude rules.
func TestTimezoneConverterMatchesDebezium(t *testing.T) {
	n := 0
	for _, line := range testdataLines(t, "testdata/timezone_expected.tsv") {
		c := strings.Split(line, "\t")
		if len(c) != 15 {
			t.Fatalf("bad line %q", line)
		}
		name, zone, include, exclude, topic, table, logical, val, def := c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8]
		want := strings.Join(c[9:], "\t")
		t.Run(name, func(t *testing.T) {
			opts := map[string]string{"converted.timezone": zone}
			if include != "" {
				opts["include.list"] = include
			}
			if exclude != "" {
				opts["exclude.list"] = exclude
			}
			tr, err := dbz2New(t, timezoneConverterClass, opts)
			if err != nil {
				if got := "ERROR: " + err.Error(); !strings.Contains(got, strings.TrimSpace(want)) {
					t.Errorf("got %s, want %s", got, want)
				}
				return
			}
			r := tzTestRecord(t, topic, table, logical, val, def)
			in := fmt.Sprint(r.Value)
			out, err := tr.Apply(r)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(r.Value) != in {
				t.Fatal("the input record changed")
			}
			v := out.Value.(change.StructValue)
			before, after, src := v[0].(change.StructValue), v[1].(change.StructValue), v[2].(change.StructValue)
			show := func(x any) string {
				if x == nil {
					return "null"
				}
				return fmt.Sprint(x)
			}
			got := strings.Join([]string{show(after[0]), show(after[1]), show(before[0]), show(src[1]), show(src[2]), show(src[3])}, "\t")
			if got != want {
				t.Errorf("after.f, after.g, before.f, source.ts_ms/us/ns:\n got %s\nwant %s", got, want)
			}
			iv := r.Value.(change.StructValue)[1].(change.StructValue)[0]
			if got == strings.Join([]string{show(iv), show(iv), show(iv), "1705312800123", "1705312800123456", "1705312800123456789"}, "\t") && out != r {
				t.Error("nothing converted, yet a new record")
			}
		})
		n++
	}
	if n < 30 {
		t.Fatalf("only %d cases", n)
	}
}

// tzTestRecord builds the event TimezoneCases.java builds: before and
// after {f, g} of schema logical holding val (default def), source {table,
// ts_ms, ts_us, ts_ns}, op u.
func tzTestRecord(t *testing.T, topic, table, logical, val, def string) *change.Record {
	t.Helper()
	typ := change.Int64
	switch logical {
	case "io.debezium.time.ZonedTimestamp", "io.debezium.time.ZonedTime":
		typ = change.String
	case "io.debezium.time.Date":
		typ = change.Int32
	}
	parse := func(s string) any {
		if s == "" || s == "null" {
			return nil
		}
		switch typ {
		case change.String:
			return s
		case change.Int32:
			n, _ := strconv.ParseInt(s, 10, 32)
			return int32(n)
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	fs := change.Field{Type: typ, Optional: true, Logical: logical, Default: parse(def)}
	f, g := fs, fs
	f.Name, g.Name = "f", "g"
	row := change.Field{Type: change.Struct, Optional: true, Logical: topic + ".Value", Fields: []change.Field{f, g}}
	before, after := row, row
	before.Name, after.Name = "before", "after"
	src := change.Field{Name: "source", Type: change.Struct, Logical: "io.debezium.connector.postgresql.Source", Fields: []change.Field{
		{Name: "table", Type: change.String}, {Name: "ts_ms", Type: change.Int64},
		{Name: "ts_us", Type: change.Int64, Optional: true}, {Name: "ts_ns", Type: change.Int64, Optional: true},
	}}
	env := &change.Field{Type: change.Struct, Logical: topic + ".Envelope", Version: 2, Fields: []change.Field{
		before, after, src, {Name: "op", Type: change.String},
	}}
	v := parse(val)
	return &change.Record{Topic: topic, ValueSchema: env, Value: change.StructValue{
		change.StructValue{v, v}, change.StructValue{v, v},
		change.StructValue{table, int64(1705312800123), int64(1705312800123456), int64(1705312800123456789)}, "u",
	}}
}

// ZonedTime takes the zone's offset of the moment it runs.
func TestTimezoneConverterZonedTimeUsesNow(t *testing.T) {
	tr := dbz2MustNew(t, timezoneConverterClass, map[string]string{"converted.timezone": "America/New_York"}).(*timezoneConverter)
	for now, want := range map[string]string{"2024-01-15T00:00:00Z": "05:15:30-05:00", "2024-07-15T00:00:00Z": "06:15:30-04:00"} {
		tr.now = func() time.Time { ts, _ := time.Parse(time.RFC3339, now); return ts }
		out, err := tr.Apply(tzTestRecord(t, "srv.db.t", "t", "io.debezium.time.ZonedTime", "10:15:30Z", ""))
		if err != nil {
			t.Fatal(err)
		}
		if got := out.Value.(change.StructValue)[1].(change.StructValue)[0]; got != want {
			t.Errorf("at %s: %v, want %s", now, got, want)
		}
	}
}

func TestTimezoneConverterPassesOthers(t *testing.T) {
	tr := dbz2MustNew(t, timezoneConverterClass, map[string]string{"converted.timezone": "+02:00"})
	heartbeat := &change.Record{Topic: "hb", ValueSchema: &change.Field{Type: change.Struct, Logical: "io.debezium.connector.common.Heartbeat", Fields: []change.Field{{Name: "ts_ms", Type: change.Int64}}},
		Value: change.StructValue{int64(5)}}
	tombstone := &change.Record{Topic: "srv.db.t"}
	nothing := tzTestRecord(t, "srv.db.t", "t", "io.debezium.time.Date", "5", "")
	for _, r := range []*change.Record{heartbeat, tombstone, nothing} {
		if out, err := tr.Apply(r); out != r || err != nil {
			t.Errorf("%s: got %+v, %v; want the record itself", r.Topic, out, err)
		}
	}
	bad := tzTestRecord(t, "srv.db.t", "t", "io.debezium.time.ZonedTimestamp", "yesterday", "")
	if _, err := tr.Apply(bad); err == nil || !strings.Contains(err.Error(), "Text 'yesterday' could not be parsed") {
		t.Errorf("unparsable ZonedTimestamp: %v", err)
	}
}

func TestTimezoneConverterConfig(t *testing.T) {
	for _, c := range []struct {
		opts map[string]string
		want string
	}{
		{map[string]string{}, `"transforms.t.converted.timezone"`},
		{map[string]string{"converted.timezone": "Mars/Olympus"}, "transforms.t.converted.timezone: Invalid timezone format."},
		{map[string]string{"converted.timezone": "Local"}, "Invalid timezone format."},
		{map[string]string{"converted.timezone": "+19:00"}, "the offset must be within +/-18:00"},
		{map[string]string{"converted.timezone": "UTC", "include.list": "orders"}, "transforms.t.include.list: Invalid include list format."},
		{map[string]string{"converted.timezone": "UTC", "include.list": "source:a:f, topic:b:g"}, "Invalid include list format."},
		{map[string]string{"converted.timezone": "UTC", "include.list": "topic:my-topic"}, "Invalid include list format."},
		{map[string]string{"converted.timezone": "UTC", "include.list": ""}, "Invalid include list format."},
		{map[string]string{"converted.timezone": "UTC", "exclude.list": "a:b:c:d"}, "transforms.t.exclude.list: Invalid exclude list format."},
		{map[string]string{"converted.timezone": "UTC", "include.list": "source:a", "exclude.list": "source:b"}, "Both include and exclude lists are specified. Please specify only one."},
	} {
		_, err := dbz2New(t, timezoneConverterClass, c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want it to contain %q", c.opts, err, c.want)
		}
	}
	for _, ok := range []map[string]string{
		{"converted.timezone": "UTC"},
		{"converted.timezone": "-03:30"},
		{"converted.timezone": "Europe/Berlin", "include.list": "source:a:f, b:g"},
		{"converted.timezone": "Europe/Berlin", "exclude.list": `topic:srv.db.t, "q".t:x`},
	} {
		if _, err := dbz2New(t, timezoneConverterClass, ok); err != nil {
			t.Errorf("%v: %v", ok, err)
		}
	}
}

func TestTZOffsetAtLocal(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip(err)
	}
	local := func(s string) int64 { ts, _ := time.Parse("2006-01-02T15:04", s); return ts.Unix() }
	for s, want := range map[string]int64{
		"2024-01-15T12:00": -5 * 3600,
		"2024-07-15T12:00": -4 * 3600,
		"2024-03-10T02:30": -5 * 3600, // gap: the offset before
		"2024-03-10T03:00": -4 * 3600,
		"2024-11-03T01:30": -4 * 3600, // overlap: the offset before
		"2024-11-03T02:00": -5 * 3600,
	} {
		if got := tzOffsetAtLocal(ny, local(s)); got != want {
			t.Errorf("%s: %d, want %d", s, got, want)
		}
	}
}
