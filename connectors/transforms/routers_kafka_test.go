package transforms

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
)

func TestRegexRouter(t *testing.T) {
	for _, c := range []struct {
		topic, regex, replacement, want string
	}{
		{"pg.public.orders", `pg\.public\.(.*)`, "cdc_$1", "cdc_orders"},
		{"pg.public.orders", `(?<p>\w+)\.(\w+)\.(\w+)`, "${p}-$3", "pg-orders"},
		{"pg.public.orders", `pg\.other\..*`, "x", "pg.public.orders"}, // no match
		{"pg.public.orders", `public`, "x", "pg.public.orders"},        // matches part only
		{"ab", `a|ab`, "X", "Xb"},                                    // replaceFirst's first match
		{"pg.public.orders", `(.*)\.orders`, `\$1$1`, "$1pg.public"}, // escaped dollar
		{"pg.public.orders", `(.*)`, "$10", "pg.public.orders0"},     // $1 then 0: there is no group 10
		{"pg.public.orders", `.*orders`, "all", "all"},
	} {
		r := &change.Record{Topic: c.topic, Partition: 3, Key: "k", Headers: []change.RecordHeader{{Key: "h"}}}
		out, err := apply(t, "RegexRouter", map[string]string{"regex": c.regex, "replacement": c.replacement}, r)
		if err != nil || out.Topic != c.want {
			t.Errorf("%s ~ %s -> %s: %v, %v; want %s", c.topic, c.regex, c.replacement, out, err, c.want)
			continue
		}
		if c.want == c.topic && out != r {
			t.Errorf("%s: unchanged topic, but a new record", c.regex)
		}
		if out.Partition != 3 || out.Key != "k" || len(out.Headers) != 1 || r.Topic != c.topic {
			t.Errorf("%s: record not kept: %+v (input %+v)", c.regex, out, r)
		}
	}
	_, err := apply(t, "RegexRouter", map[string]string{"regex": "(.*)", "replacement": "$2"}, &change.Record{Topic: "t"})
	wantErr(t, "group 2", err, "no group 2")
	wantErr(t, "no regex", configError("RegexRouter", map[string]string{"replacement": "x"}),
		`Missing required configuration "transforms.x.regex" which has no default value.`)
	err = configError("RegexRouter", map[string]string{"regex": "(", "replacement": "x"})
	if err == nil || !strings.Contains(err.Error(), "Invalid value ( for configuration transforms.x.regex: Invalid regex: ") {
		t.Errorf("bad regex: %v", err)
	}
}

func TestTimestampRouter(t *testing.T) {
	r := ordersRecord()
	r.Timestamp = fixtureTime
	for _, c := range []struct {
		opts map[string]string
		want string
	}{
		{nil, "pg.public.orders-20240101"},
		{map[string]string{"topic.format": "${timestamp}_${topic}_${timestamp}", "timestamp.format": "yyyy-MM HH:mm:ss.SSS"},
			"2024-01 00:00:00.123_pg.public.orders_2024-01 00:00:00.123"},
		{map[string]string{"topic.format": "fixed"}, "fixed"},
	} {
		out, err := apply(t, "TimestampRouter", c.opts, r)
		if err != nil || out.Topic != c.want {
			t.Errorf("%v: %v, %v; want %s", c.opts, out, err, c.want)
		} else if !reflect.DeepEqual(out.Value, r.Value) || r.Topic != "pg.public.orders" {
			t.Errorf("%v: value or input changed", c.opts)
		}
	}
	// A topic that holds ${timestamp} has it replaced too: Kafka replaces
	// ${topic} first.
	out, err := apply(t, "TimestampRouter", nil, &change.Record{Topic: "a${timestamp}", Timestamp: time.UnixMilli(0), Partition: change.NoPartition})
	if err != nil || out.Topic != "a19700101-19700101" {
		t.Errorf("topic with a placeholder: %v, %v", out, err)
	}
	_, err = apply(t, "TimestampRouter", nil, ordersRecord())
	wantErr(t, "no timestamp", err, "Timestamp missing on record: ConnectRecord{topic='pg.public.orders', kafkaPartition=null, timestamp=null}")
	wantErr(t, "bad pattern", configError("TimestampRouter", map[string]string{"timestamp.format": "yyyyq"}),
		"Invalid value yyyyq for configuration transforms.x.timestamp.format: Illegal pattern character 'q'")
}
