package transforms

import (
	"regexp"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/configdef"
)

// TopicNameMatches is Kafka's predicate
// org.apache.kafka.connect.transforms.predicates.TopicNameMatches: true for
// a record whose whole topic name matches pattern (Java's
// Matcher.matches, so the pattern is anchored at both ends).
type TopicNameMatches struct {
	re *regexp.Regexp
}

// Test implements Predicate.
func (p *TopicNameMatches) Test(r *change.Record) bool { return p.re.MatchString(r.Topic) }

func init() {
	Register(Plugin{
		Class:   "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
		Kind:    KindPredicate,
		Version: KafkaVersion,
		Keys: []configdef.Key{kafkaSMTKey("pattern", configdef.String, nil, configdef.Medium,
			"A Java regular expression for matching against the name of a record's topic.")},
		NewPredicate: func(c *Config) (Predicate, error) {
			pattern := requireNonEmpty(c, "pattern")
			if pattern == "" {
				return nil, nil
			}
			// Compiled alone first, so that a pattern the wrapping would
			// balance (such as "a)|(b") is still refused.
			_, err := CompileJavaRegexp(pattern)
			var re *regexp.Regexp
			if err == nil {
				re, err = CompileJavaRegexp("^(?:" + pattern + ")$")
			}
			if err != nil {
				c.Fail("pattern", "Invalid regex: %v", err)
				return nil, nil
			}
			return &TopicNameMatches{re: re}, nil
		},
	})
}
