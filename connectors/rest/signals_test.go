package rest

import (
	"errors"
	"testing"
)

// TestSignals: POST /connectors/{name}/signals (a sluice extension) takes
// Debezium's signal {"id", "type", "data"} and answers 202 with the topic
// it went to; a bad body is 400, an unknown connector 404.
func TestSignals(t *testing.T) {
	runCases(t, []restCase{
		{name: "log", method: "POST", path: "/connectors/pg1/signals", body: `{"id":"s1","type":"log","data":{"message":"hello"}}`, status: 202,
			want:  `{"id":"s1","type":"log","data":{"message":"hello"},"topic":"app-signals"}`,
			check: wantCalls(`Signal pg1 s1 log {"message":"hello"}`)},
		{name: "no data", method: "POST", path: "/connectors/my1/signals", body: `{"id":"s2","type":"pause-snapshot"}`, status: 202,
			want: `{"id":"s2","type":"pause-snapshot","topic":"m-signals"}`, check: wantCalls(`Signal my1 s2 pause-snapshot `)},
		{name: "unknown connector", method: "POST", path: "/connectors/nope/signals", body: `{"id":"s1","type":"log","data":{}}`, status: 404,
			want: errBody(404, "Connector nope not found")},
		{name: "no type", method: "POST", path: "/connectors/pg1/signals", body: `{"id":"s1","data":{}}`, status: 400,
			want: errBody(400, `Signal "type" is missing: name the action, for example "log"`), check: wantCalls()},
		{name: "data not an object", method: "POST", path: "/connectors/pg1/signals", body: `{"id":"s1","type":"log","data":"hello"}`, status: 400,
			want: errBody(400, `Signal "data" must be a JSON object, for example {"message":"hello"}`), check: wantCalls()},
		{name: "unknown field", method: "POST", path: "/connectors/pg1/signals", body: `{"id":"s1","type":"log","payload":{}}`, status: 400,
			want: errBody(400, `Invalid request body: unknown field "payload"; the allowed fields are id, type, data`), check: wantCalls()},
		{name: "empty body", method: "POST", path: "/connectors/pg1/signals", status: 400,
			want: errBody(400, `Request body is empty: send {"id":"<id>","type":"log","data":{"message":"<text>"}}`)},
		{name: "write failed", method: "POST", path: "/connectors/pg1/signals", body: `{"id":"s1","type":"log"}`, status: 500,
			setup: func(m *fakeManager) { m.fail["Signal"] = errors.New("kafka down") }, want: errBody(500, "kafka down")},
		{name: "GET", method: "GET", path: "/connectors/pg1/signals", status: 405, want: errMethod},
	})
}
