package schema

import (
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
)

// TestMessageContextHeaders: a change.Message record carries the options'
// headers, unless it sets NoContextHeaders (Postgres logical decoding
// messages, which Debezium writes without any header), in JSON and Avro.
func TestMessageContextHeaders(t *testing.T) {
	hdrs := []change.Header{{Key: HeaderConnectorName, Value: []byte("postgresql")}}
	reg := fakeRegistry(t)
	r := newTestRegistry(t, reg.URL(), 0)
	ao := avroOpts(r, r)
	ao.Headers = hdrs
	a, err := NewAvro(ao)
	if err != nil {
		t.Fatal(err)
	}
	encoders := map[string]interface {
		Encode([]Message, *change.Event) ([]Message, error)
	}{
		"json": NewJSON(JSONOptions{TopicPrefix: "dbserver1", Headers: hdrs}),
		"avro": a,
	}
	for name, enc := range encoders {
		for _, bare := range []bool{false, true} {
			ev := testMessage()
			ev.Message.NoContextHeaders = bare
			ms, err := enc.Encode(nil, ev)
			if err != nil {
				t.Fatal(err)
			}
			if bare && len(ms[0].Headers) != 0 {
				t.Errorf("%s: NoContextHeaders record has headers %v", name, ms[0].Headers)
			}
			if !bare && (len(ms[0].Headers) != 1 || ms[0].Headers[0].Key != HeaderConnectorName) {
				t.Errorf("%s: record headers %v, want the context header", name, ms[0].Headers)
			}
		}
	}
}
