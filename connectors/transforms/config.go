package transforms

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Config holds the options of one transform or predicate alias: the
// connector config's keys under its prefix ("transforms.<alias>." or
// "predicates.<alias>."), prefix removed. Getters read a key, record a
// problem naming the full key when its value is bad, and return the default
// then; Err returns every problem.
type Config struct {
	Alias  string            // the alias, e.g. "unwrap"
	Prefix string            // e.g. "transforms.unwrap."
	Class  string            // the .type
	Props  map[string]string // the options, prefix removed (type, predicate and negate included)
	errs   []error
}

// NewConfig returns the Config of the alias whose keys start with prefix in
// cfg.
func NewConfig(alias, prefix, class string, cfg map[string]string) *Config {
	c := &Config{Alias: alias, Prefix: prefix, Class: class, Props: map[string]string{}}
	for k, v := range cfg {
		if rest, ok := strings.CutPrefix(k, prefix); ok {
			c.Props[rest] = v
		}
	}
	return c
}

// Key returns the full connector-config key of option key.
func (c *Config) Key(key string) string { return c.Prefix + key }

// Fail records a problem with option key, worded as Kafka Connect's
// ConfigException: "Invalid value <v> for configuration <full key>: <why>".
func (c *Config) Fail(key, format string, args ...any) {
	v, ok := c.Props[key]
	why := fmt.Sprintf(format, args...)
	if !ok {
		c.errs = append(c.errs, fmt.Errorf("Missing required configuration %q which has no default value: %s", c.Key(key), why))
		return
	}
	c.errs = append(c.errs, fmt.Errorf("Invalid value %s for configuration %s: %s", v, c.Key(key), why))
}

// Err returns the problems recorded so far, joined, or nil.
func (c *Config) Err() error { return errors.Join(c.errs...) }

// Has reports whether option key is set.
func (c *Config) Has(key string) bool {
	_, ok := c.Props[key]
	return ok
}

// String returns option key, or def when unset.
func (c *Config) String(key, def string) string {
	if v, ok := c.Props[key]; ok {
		return v
	}
	return def
}

// Required returns option key, recording a problem when it is unset or blank.
func (c *Config) Required(key string) string {
	v, ok := c.Props[key]
	if !ok {
		c.errs = append(c.errs, fmt.Errorf("Missing required configuration %q which has no default value.", c.Key(key)))
		return ""
	}
	if strings.TrimSpace(v) == "" {
		c.Fail(key, "must not be empty")
	}
	return v
}

// Bool returns option key as a boolean (true or false, any case), or def.
func (c *Config) Bool(key string, def bool) bool {
	v, ok := c.Props[key]
	if !ok {
		return def
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true
	case "false":
		return false
	}
	c.Fail(key, "Expected value to be either true or false")
	return def
}

// Int returns option key as an integer, or def.
func (c *Config) Int(key string, def int) int {
	v, ok := c.Props[key]
	if !ok {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		c.Fail(key, "Not a number of type INT")
		return def
	}
	return n
}

// List returns option key as a comma-separated list (items trimmed, empty
// items dropped), or def when unset.
func (c *Config) List(key string, def []string) []string {
	v, ok := c.Props[key]
	if !ok {
		return def
	}
	return SplitList(v)
}

// SplitList splits a Kafka Connect LIST value: comma-separated, each item
// trimmed, empty items dropped.
func SplitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Enum returns option key when it is one of values (compared ignoring
// case, returned as listed in values), or def when unset.
func (c *Config) Enum(key, def string, values ...string) string {
	v, ok := c.Props[key]
	if !ok {
		return def
	}
	for _, a := range values {
		if strings.EqualFold(strings.TrimSpace(v), a) {
			return a
		}
	}
	c.Fail(key, "The value must be one of %s", strings.Join(values, ", "))
	return def
}

// Regexp compiles option key as a regular expression (def when unset; ""
// gives nil). Java's syntax that Go's RE2 lacks (look-around,
// back-references, possessive quantifiers) is refused with the reason.
func (c *Config) Regexp(key, def string) *regexp.Regexp {
	v := c.String(key, def)
	if v == "" {
		return nil
	}
	re, err := CompileJavaRegexp(v)
	if err != nil {
		if !c.Has(key) {
			c.errs = append(c.errs, fmt.Errorf("%s: %v", c.Key(key), err))
		} else {
			c.Fail(key, "%v", err)
		}
		return nil
	}
	return re
}

// CompileJavaRegexp compiles a Java regular expression as Go's RE2, which
// shares Java's common syntax; a construct RE2 lacks is an error naming it.
func CompileJavaRegexp(expr string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("not a regular expression sluice can run (Go's RE2 syntax: no look-around, back-references or possessive quantifiers): %v", err)
	}
	return re, nil
}

// ExpandJavaReplacement returns replacement, a java.util.regex.Matcher
// replacement string ($1, ${name}, \$ and \\ escapes), with the groups of
// match (the submatch indexes of re in src) substituted, as Java's
// Matcher.replaceFirst writes them. A reference to a group that does not
// exist is an error, as in Java.
func ExpandJavaReplacement(re *regexp.Regexp, src, replacement string, match []int) (string, error) {
	var b strings.Builder
	group := func(i int) {
		if 2*i+1 < len(match) && match[2*i] >= 0 {
			b.WriteString(src[match[2*i]:match[2*i+1]])
		}
	}
	for i := 0; i < len(replacement); i++ {
		ch := replacement[i]
		switch {
		case ch == '\\':
			i++
			if i >= len(replacement) {
				return "", errors.New("character to be escaped is missing")
			}
			b.WriteByte(replacement[i])
		case ch == '$':
			i++
			if i >= len(replacement) {
				return "", errors.New("illegal group reference: group index is missing")
			}
			if replacement[i] == '{' {
				end := strings.IndexByte(replacement[i:], '}')
				if end < 0 {
					return "", errors.New("named capturing group is missing trailing '}'")
				}
				name := replacement[i+1 : i+end]
				idx := re.SubexpIndex(name)
				if idx < 0 {
					return "", fmt.Errorf("no group with name {%s}", name)
				}
				group(idx)
				i += end
				continue
			}
			if replacement[i] < '0' || replacement[i] > '9' {
				return "", errors.New("illegal group reference")
			}
			// Java reads the longest number that is still a group.
			n := int(replacement[i] - '0')
			if n > re.NumSubexp() {
				return "", fmt.Errorf("no group %d", n)
			}
			for i+1 < len(replacement) && replacement[i+1] >= '0' && replacement[i+1] <= '9' {
				next := n*10 + int(replacement[i+1]-'0')
				if next > re.NumSubexp() {
					break
				}
				n = next
				i++
			}
			group(n)
		default:
			b.WriteByte(ch)
		}
	}
	return b.String(), nil
}
