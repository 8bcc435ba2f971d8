package capture

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	cd "github.com/sluicecdc/sluice/connectors/configdef"
)

func TestParseSignalConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    map[string]string
		want SignalConfig
	}{
		{"defaults", map[string]string{},
			SignalConfig{Source: true, Topic: "srv-signals", Key: "srv", GroupID: "kafka-signal"}},
		{"source table", map[string]string{"signal.data.collection": "public.debezium_signal"},
			SignalConfig{Source: true, Table: TableName{"public", "debezium_signal"}, Topic: "srv-signals", Key: "srv", GroupID: "kafka-signal"}},
		{"kafka default topic", map[string]string{"signal.enabled.channels": "source, kafka"},
			SignalConfig{Source: true, Kafka: true, Topic: "srv-signal", Key: "srv", GroupID: "kafka-signal"}},
		{"kafka only", map[string]string{"signal.enabled.channels": "kafka", "signal.kafka.topic": "sigs", "signal.kafka.bootstrap.servers": "127.0.0.1:9092, 127.0.0.1:9093",
			"signal.kafka.groupId": "g", "signal.kafka.poll.timeout.ms": "250", "signal.consumer.security.protocol": "SSL"},
			SignalConfig{Kafka: true, Topic: "sigs", Key: "srv", Brokers: []string{"127.0.0.1:9092", "127.0.0.1:9093"}, GroupID: "g", PollTimeout: 250 * time.Millisecond,
				ConsumerProps: map[string]string{"security.protocol": "SSL"}}},
		{"topic ignored without kafka", map[string]string{"signal.kafka.topic": "sigs"},
			SignalConfig{Source: true, Topic: "srv-signals", Key: "srv", GroupID: "kafka-signal"}},
		{"no channel", map[string]string{"signal.enabled.channels": ""},
			SignalConfig{Topic: "srv-signals", Key: "srv", GroupID: "kafka-signal"}},
	} {
		got, errs := ParseSignalConfig(tc.m, "srv", "schema")
		if len(errs) > 0 {
			t.Errorf("%s: %v", tc.name, errs)
			continue
		}
		if got.Source != tc.want.Source || got.Kafka != tc.want.Kafka || got.Table != tc.want.Table || got.Topic != tc.want.Topic || got.Key != tc.want.Key ||
			!slices.Equal(got.Brokers, tc.want.Brokers) || got.GroupID != tc.want.GroupID || got.PollTimeout != tc.want.PollTimeout ||
			len(got.ConsumerProps) != len(tc.want.ConsumerProps) || got.ConsumerProps["security.protocol"] != tc.want.ConsumerProps["security.protocol"] {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}

func TestParseSignalConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		m    map[string]string
		want []string
	}{
		{map[string]string{"signal.enabled.channels": "source,jmx"}, []string{`signal.enabled.channels: sluice has no "jmx" channel; use source and kafka, or POST /connectors/{name}/signals`}},
		{map[string]string{"signal.enabled.channels": "sorce"}, []string{`signal.enabled.channels: "sorce" is not a signal channel; use source, kafka or both`}},
		{map[string]string{"signal.data.collection": "debezium_signal"}, []string{`signal.data.collection: "debezium_signal" is not <schema>.<table>; name the one signal table, for example public.debezium_signal`}},
		{map[string]string{"signal.data.collection": "db.public.sig"}, []string{`is not <schema>.<table>`}},
		{map[string]string{"signal.enabled.channels": "kafka", "signal.kafka.topic": "bad topic"}, []string{`signal.kafka.topic: "bad topic" is not a valid topic name`}},
		{map[string]string{"signal.kafka.bootstrap.servers": "kafka1"}, []string{`signal.kafka.bootstrap.servers: "kafka1" is not host:port`}},
		{map[string]string{"signal.kafka.poll.timeout.ms": "-1"}, []string{`signal.kafka.poll.timeout.ms: "-1" is not a whole number of milliseconds from 0`}},
		{map[string]string{"signal.enabled.channels": "file", "signal.kafka.poll.timeout.ms": "x"}, []string{`"file" channel`, `"x" is not a whole number`}},
	} {
		_, errs := ParseSignalConfig(tc.m, "srv", "schema")
		msg := errors.Join(errs...)
		if len(errs) != len(tc.want) {
			t.Errorf("%v: %d errors (%v), want %d", tc.m, len(errs), msg, len(tc.want))
			continue
		}
		for i, w := range tc.want {
			if !strings.Contains(errs[i].Error(), w) {
				t.Errorf("%v: error %q, want it to contain %q", tc.m, errs[i], w)
			}
		}
	}
}

func TestSignalDefsCoverKeys(t *testing.T) {
	defs := SignalDefs(40)
	for _, k := range SignalKeys {
		if strings.HasSuffix(k, ".") {
			continue
		}
		if !slices.ContainsFunc(defs, func(d cd.Key) bool { return d.Name == k }) {
			t.Errorf("%s has no definition", k)
		}
	}
}
