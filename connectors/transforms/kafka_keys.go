package transforms

import (
	"strings"

	"github.com/sluicecdc/sluice/connectors/configdef"
)

// kafkaSMTKey is a configuration key of one of Kafka's own transforms or
// predicates as GET /connector-plugins/{class}/config lists it: no group
// (order -1), width NONE, the name as display name. A nil def is Kafka's
// NO_DEFAULT_VALUE, so the key is required.
func kafkaSMTKey(name, typ string, def *string, importance, doc string) configdef.Key {
	return configdef.Key{Name: name, Type: typ, Default: def, Required: def == nil,
		Importance: importance, Doc: doc, Width: configdef.WidthNone, Display: name}
}

// javaTrim is Java's String.trim: it strips the characters up to and
// including the space from both ends.
func javaTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

// kafkaString reads a STRING option as Kafka's ConfigDef parses one:
// trimmed; def when unset.
func kafkaString(c *Config, key, def string) string {
	if v, ok := c.Props[key]; ok {
		return javaTrim(v)
	}
	return def
}

// requireNonEmpty reads a required STRING option that Kafka validates with
// ConfigDef.NonEmptyString (after trimming it), failing with that
// validator's words.
func requireNonEmpty(c *Config, key string) string {
	v, ok := c.Props[key]
	if !ok {
		return c.Required(key)
	}
	if v = javaTrim(v); v == "" {
		c.Fail(key, "String must be non-empty")
	}
	return v
}

// requireSet reads a required STRING option that may be empty (Kafka's
// NonNullValidator, or a ValidString checked by the caller), trimmed.
func requireSet(c *Config, key string) string {
	v, ok := c.Props[key]
	if !ok {
		return c.Required(key)
	}
	return javaTrim(v)
}

// requireNonEmptyList reads a required LIST option that Kafka validates
// with its NonEmptyListValidator ("Empty list").
func requireNonEmptyList(c *Config, key string) []string {
	v, ok := c.Props[key]
	if !ok {
		c.Required(key)
		return nil
	}
	l := SplitList(v)
	if len(l) == 0 {
		c.Fail(key, "Empty list")
	}
	return l
}
