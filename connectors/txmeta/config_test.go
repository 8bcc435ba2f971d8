package txmeta

import (
	"testing"

	cd "github.com/sluicecdc/sluice/connectors/configdef"
)

func TestParseConfig(t *testing.T) {
	for _, tc := range []struct {
		m       map[string]string
		enabled bool
		topic   string
		err     string
	}{
		{nil, false, DefaultTopic, ""},
		{map[string]string{"provide.transaction.metadata": " True ", "topic.transaction": " tx "}, true, "tx", ""},
		{map[string]string{"provide.transaction.metadata": "yes", "topic.transaction": "  "}, false, DefaultTopic,
			`provide.transaction.metadata: "yes" is not a boolean; use true or false`},
	} {
		p := cd.NewParser(tc.m, nil)
		enabled, topic := ParseConfig(p)
		err := ""
		if e := p.Err(); e != nil {
			err = e.Error()
		}
		if enabled != tc.enabled || topic != tc.topic || err != tc.err {
			t.Errorf("%v: got %v, %q, %q; want %v, %q, %q", tc.m, enabled, topic, err, tc.enabled, tc.topic, tc.err)
		}
	}
}
