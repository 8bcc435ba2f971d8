package store

import (
	"maps"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// FuzzApplyRecord feeds arbitrary keys and values to both stores' record
// handlers: nothing panics, and what the encoders write decodes back.
func FuzzApplyRecord(f *testing.F) {
	for _, seed := range []struct{ k, v string }{
		{"connector-a", `{"properties":{"x":"1","y":null}}`},
		{"target-state-a", `{"state":"PAUSED","state.v2":"STOPPED"}`},
		{"target-state-a", `{"state":"PAUSED","state.v2":7}`},
		{"restart-connector-a", `{"include-tasks":"yes"}`},
		{"task-a-0", `{"properties":{}}`},
		{"status-task-a-b-12", `{"state":"RUNNING","trace":null,"worker_id":"w","generation":3,"version":null}`},
		{"status-task--1", `{}`},
		{"status-connector-", `{"state":"FAILED"}`},
		{"status-topic-t:connector-a", `{"topic":{"name":"t","connector":"a","task":0,"discoverTimestamp":1}}`},
		{"status-topic-:connector-", `[]`},
	} {
		f.Add(seed.k, []byte(seed.v), false)
		f.Add(seed.k, []byte(nil), true)
	}
	f.Fuzz(func(t *testing.T, key string, value []byte, tombstone bool) {
		if tombstone {
			value = nil
		}
		c := &ConfigTopic{log: discard(), configs: map[string]map[string]string{}, targets: map[string]string{}, onChange: func(Change) {}}
		s := &StatusTopic{log: discard(), connectors: map[string]Status{}, tasks: map[taskID]Status{}, topics: map[string]map[string]topicStatus{}}
		r := &kgo.Record{Key: []byte(key), Value: value}
		c.apply(r, false)
		s.apply(r, false)
		_ = c.Connectors()

		if props, err := decodeProperties(value); err == nil {
			b, err := encodeProperties(props)
			if err != nil {
				t.Fatal(err)
			}
			back, err := decodeProperties(b)
			if err != nil || !maps.Equal(back, props) {
				t.Fatalf("properties %v do not round-trip: %v %v", props, back, err)
			}
		}
		if st, err := decodeStatus(value); err == nil {
			b, err := encodeStatus(st)
			if err != nil {
				t.Fatal(err)
			}
			if back, err := decodeStatus(b); err != nil || back != st {
				t.Fatalf("status %+v does not round-trip: %+v %v", st, back, err)
			}
		}
	})
}
