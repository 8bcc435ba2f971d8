package transforms

import (
	"reflect"
	"strings"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
)

// TestTimestampConverterValues holds what Kafka 4.3.0's
// TimestampConverter$Value returned for each input (jshell against
// connect-transforms-4.3.0.jar; Connect Date/Time/Timestamp outputs as
// their Connect encoding).
func TestTimestampConverterValues(t *testing.T) {
	opt := func(logical string, typ change.Type) *change.Field {
		return &change.Field{Type: typ, Optional: true, Logical: logical, Version: 1}
	}
	for i, c := range []struct {
		schema      *change.Field
		in          any
		target, fmt string
		prec        string
		want        any // or an error text
		wantSchema  *change.Field
	}{
		{nil, int64(1704190272123), "string", "yyyy-MM-dd HH:mm:ss.SSS", "", "2024-01-02 10:11:12.123", nil},
		{nil, int64(1704190272123), "Date", "", "", int32(19724), nil},
		{nil, int64(1704190272123), "Time", "", "", int32(36672123), nil},
		{nil, "2024-01-02T10:11:12.123456Z", "unix", "yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'", "", int64(1704190395456), nil},
		{nil, "2024-13-45", "unix", "yyyy-MM-dd", "", int64(1739491200000), nil},
		{nil, "20240102", "unix", "yyyyMMdd", "", int64(1704153600000), nil},
		{nil, "02/Jan/2024:10:11:12 +0100", "unix", "dd/MMM/yyyy:HH:mm:ss Z", "", int64(1704186672000), nil},
		{nil, "x", "unix", "yyyy-MM-dd", "", "Could not parse timestamp: value (x) does not match pattern (yyyy-MM-dd)", nil},
		{nil, int64(1704190272123), "string", "EEE, d MMM yyyy hh:mm a z", "", "Tue, 2 Jan 2024 10:11 AM UTC", nil},
		{nil, int64(-1500), "unix", "", "seconds", int64(-1500), nil},
		{nil, int64(-1), "Date", "", "", int32(-1), nil},
		{nil, int64(-1), "Time", "", "", int32(86399999), nil},
		{nil, int64(1704190272123), "string", "SSSSSS yy kk", "", "000123 24 10", nil},
		{nil, "24-01-02", "unix", "yy-MM-dd", "", int64(1704153600000), nil},
		{opt("io.debezium.time.Date", change.Int32), int32(19724), "string", "yyyy", "", "Schema Schema{io.debezium.time.Date:INT32} does not correspond to a known timestamp type format", nil},
		{nil, "2024-01-02T10:11:12+01:00", "unix", "yyyy-MM-dd'T'HH:mm:ssXXX", "", int64(1704186672000), nil},
		{nil, "2024-01-02 10:11", "unix", "yyyy-MM-dd HH:mm:ss", "", "Could not parse timestamp: value (2024-01-02 10:11) does not match pattern (yyyy-MM-dd HH:mm:ss)", nil},
		{nil, int64(1704153600000), "string", "kk:mm EEEE MMMM", "", "24:00 Tuesday January", nil},
		{nil, int32(5), "unix", "", "", "TimestampConverter does not support class java.lang.Integer objects as timestamps", nil},
		{nil, int64(1704190272123), "unix", "", "microseconds", int64(1704190272000), nil},
		{nil, int64(1704190272123456), "Timestamp", "", "microseconds", int64(1704190272123), nil},
		{opt("io.debezium.time.Timestamp", change.Int64), int64(1704190272123), "string", "yyyy-MM-dd'T'HH:mm:ss.SSS", "", "2024-01-02T10:11:12.123", &change.Field{Type: change.String, Optional: true}},
		{&change.Field{Type: change.String, Logical: "io.debezium.time.ZonedTimestamp", Version: 1}, "2024-01-02T10:11:12.123456Z", "Timestamp", "yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'", "", int64(1704190395456),
			&change.Field{Type: change.Int64, Logical: connectTimestampName, Version: 1}},
		{nil, "2024-01-02 10:11:12 PM", "unix", "yyyy-MM-dd hh:mm:ss a", "", int64(1704233472000), nil},
		{nil, "2024-01-02 12:11:12 AM", "unix", "yyyy-MM-dd hh:mm:ss a", "", int64(1704154272000), nil},
		{nil, "2024-01-02 10:11:12 UTC", "unix", "yyyy-MM-dd HH:mm:ss z", "", int64(1704190272000), nil},
		{nil, int64(1704190272123), "string", "yyyy-MM-dd'T'HH:mm:ssXXX Z zzzz", "", "2024-01-02T10:11:12Z +0000 Coordinated Universal Time", nil},
		{opt(connectDateName, change.Int32), int32(19724), "unix", "", "", int64(1704153600000), &change.Field{Type: change.Int64, Optional: true}},
		{opt(connectTimeName, change.Int32), int32(36672123), "Timestamp", "", "", int64(36672123), &change.Field{Type: change.Int64, Optional: true, Logical: connectTimestampName, Version: 1}},
		{opt(connectTimestampName, change.Int64), nil, "Date", "", "", nil, &change.Field{Type: change.Int32, Optional: true, Logical: connectDateName, Version: 1}},
	} {
		opts := map[string]string{"target.type": c.target}
		if c.fmt != "" {
			opts["format"] = c.fmt
		}
		if c.prec != "" {
			opts["unix.precision"] = c.prec
		}
		tr := mustTransform(t, kafkaTransforms+"TimestampConverter$Value", opts)
		out, err := tr.Apply(&change.Record{Topic: "t", ValueSchema: c.schema, Value: c.in})
		if want, ok := c.want.(string); ok && (strings.HasPrefix(want, "Could not") || strings.HasPrefix(want, "Schema ") || strings.HasPrefix(want, "TimestampConverter")) {
			if err == nil || err.Error() != want {
				t.Errorf("%d: err = %v, want %q", i+1, err, want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%d: %v", i+1, err)
			continue
		}
		if !reflect.DeepEqual(out.Value, c.want) {
			t.Errorf("%d: %#v -> %#v, want %#v", i+1, c.in, out.Value, c.want)
		}
		if !reflect.DeepEqual(out.ValueSchema, c.wantSchema) {
			t.Errorf("%d: schema %+v, want %+v", i+1, out.ValueSchema, c.wantSchema)
		}
	}
}

func TestTimestampConverterField(t *testing.T) {
	// A flattened Debezium row: after_at is io.debezium.time.Timestamp
	// (int64 ms), after_seen a ZonedTimestamp string.
	flat, err := mustTransform(t, kafkaTransforms+"Flatten$Value", map[string]string{"delimiter": "_"}).Apply(dbzRecord("c", nil, dbzRow(1, "a")))
	if err != nil {
		t.Fatal(err)
	}
	tr := mustTransform(t, kafkaTransforms+"TimestampConverter$Value", map[string]string{"field": "after_at", "target.type": "string", "format": "yyyy/MM/dd HH:mm"})
	out, err := tr.Apply(flat)
	if err != nil {
		t.Fatal(err)
	}
	i := out.ValueSchema.Member("after_at")
	if got := out.Value.(change.StructValue)[i]; got != "2024/01/02 10:11" {
		t.Errorf("after_at = %#v", got)
	}
	if f := out.ValueSchema.Fields[i]; !reflect.DeepEqual(f, change.Field{Name: "after_at", Type: change.String, Optional: true}) {
		t.Errorf("after_at schema = %+v", f)
	}
	if out.ValueSchema.Logical != "pg.public.items.Envelope" || len(out.ValueSchema.Fields) != len(flat.ValueSchema.Fields) {
		t.Errorf("schema basics lost: %+v", out.ValueSchema)
	}
	if flat.ValueSchema.Fields[i].Type != change.Int64 {
		t.Errorf("the input schema changed")
	}
	// A row without the value (a delete's after) converts to null.
	del, _ := mustTransform(t, kafkaTransforms+"Flatten$Value", map[string]string{"delimiter": "_"}).Apply(dbzRecord("d", dbzRow(1, "a"), nil))
	out, err = tr.Apply(del)
	if err != nil || out.Value.(change.StructValue)[i] != nil {
		t.Errorf("delete: %v %v", out, err)
	}
	// A tombstone (no value schema) passes as null.
	tomb := &change.Record{Topic: "t", Key: change.StructValue{int32(1)}, KeySchema: flat.KeySchema}
	if out, err := tr.Apply(tomb); err != nil || out.Value != nil {
		t.Errorf("tombstone: %+v %v", out, err)
	}
	// Schemaless map field.
	out, err = mustTransform(t, kafkaTransforms+"TimestampConverter$Key", map[string]string{"field": "ts", "target.type": "Date"}).Apply(&change.Record{Key: map[string]any{"ts": int64(86400000 * 3), "x": 1}})
	if err != nil || !reflect.DeepEqual(out.Key, map[string]any{"ts": int32(3), "x": 1}) {
		t.Errorf("schemaless key: %#v %v", out.Key, err)
	}
}

func TestTimestampConverterConfigErrors(t *testing.T) {
	for _, c := range []struct {
		opts map[string]string
		want string
	}{
		{map[string]string{}, `Missing required configuration "transforms.t.target.type" which has no default value.`},
		{map[string]string{"target.type": "bogus"}, "Invalid value bogus for configuration transforms.t.target.type: String must be one of: string, unix, Date, Time, Timestamp"},
		{map[string]string{"target.type": "date"}, "Invalid value date for configuration transforms.t.target.type: String must be one of: string, unix, Date, Time, Timestamp"},
		{map[string]string{"target.type": "unix", "unix.precision": "minutes"}, "Invalid value minutes for configuration transforms.t.unix.precision: String must be one of: nanoseconds, microseconds, milliseconds, seconds"},
		{map[string]string{"target.type": "string"}, "TimestampConverter requires format option to be specified when using string timestamps"},
		{map[string]string{"target.type": "string", "format": " "}, "TimestampConverter requires format option to be specified when using string timestamps"},
		{map[string]string{"target.type": "string", "format": "yyyy-MM-dd iii"}, "Invalid value java.lang.IllegalArgumentException: Illegal pattern character 'i' for configuration TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: yyyy-MM-dd iii"},
		{map[string]string{"target.type": "string", "format": "yyyy-MM-dd ''x"}, "Illegal pattern character 'x'"},
		{map[string]string{"target.type": "string", "format": "yyyy 'x"}, "Unterminated quote"},
		{map[string]string{"target.type": "string", "format": "yyyy DDD"}, "pattern letter 'D' (day in year) is not supported by sluice"},
	} {
		_, err := transform(t, kafkaTransforms+"TimestampConverter$Value", c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want %q", c.opts, err, c.want)
		}
	}
}
