package txmeta

import (
	"strings"

	cd "github.com/sluicecdc/sluice/connectors/configdef"
)

// ParseConfig reads provide.transaction.metadata (false by default) and
// topic.transaction (DefaultTopic by default), the two keys both sources
// honour the same way, recording their problems in p.
func ParseConfig(p *cd.Parser) (enabled bool, topic string) {
	enabled = p.Bool("provide.transaction.metadata", false)
	topic = p.Get("topic.transaction", DefaultTopic)
	if strings.TrimSpace(topic) == "" {
		p.Bad("topic.transaction", "must not be empty; leave it out for the default %q", DefaultTopic)
	}
	return enabled, topic
}
