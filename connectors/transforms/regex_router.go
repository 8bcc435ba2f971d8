package transforms

import (
	"regexp"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/configdef"
)

// RegexRouter is org.apache.kafka.connect.transforms.RegexRouter: when the
// whole topic matches regex, the topic becomes the topic with the first
// match of regex replaced by replacement (Java's Matcher.replaceFirst after
// matches(), so "$1" style groups and Java's escapes apply). Other records
// pass unchanged.
type RegexRouter struct {
	re, whole   *regexp.Regexp
	replacement string
}

// Apply reroutes r.
func (t *RegexRouter) Apply(r *change.Record) (*change.Record, error) {
	if !t.whole.MatchString(r.Topic) {
		return r, nil
	}
	// replaceFirst looks for the first match again, which for a pattern
	// like "a|ab" is shorter than the whole topic that matches() accepted.
	m := t.re.FindStringSubmatchIndex(r.Topic)
	rep, err := ExpandJavaReplacement(t.re, r.Topic, t.replacement, m)
	if err != nil {
		return nil, err
	}
	topic := r.Topic[:m[0]] + rep + r.Topic[m[1]:]
	if topic == r.Topic {
		return r, nil
	}
	out := *r
	out.Topic = topic
	return &out, nil
}

func newRegexRouter(c *Config) (Transform, error) {
	// Kafka's ConfigDef trims STRING options; either may be empty.
	t := &RegexRouter{replacement: requireSet(c, "replacement")}
	if !c.Has("regex") {
		c.Required("regex")
		return t, nil
	}
	re, err := CompileJavaRegexp(requireSet(c, "regex"))
	if err != nil {
		c.Fail("regex", "Invalid regex: %v", err)
		return t, nil
	}
	t.re, t.whole = re, regexp.MustCompile(`^(?:`+re.String()+`)$`)
	return t, nil
}

func init() {
	Register(Plugin{Class: "org.apache.kafka.connect.transforms.RegexRouter", Kind: KindTransformation,
		Version: KafkaVersion, New: newRegexRouter, Keys: []configdef.Key{
			kafkaSMTKey("regex", configdef.String, nil, configdef.High, "Regular expression to use for matching."),
			kafkaSMTKey("replacement", configdef.String, nil, configdef.High, "Replacement string."),
		}})
}
