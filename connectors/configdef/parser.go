package configdef

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/sluicecdc/sluice/connectors/filter"
)

// Parser reads a connector's flat configuration map the way both sources'
// ParseConfig do: a value is trimmed, and a missing or blank one takes the
// default. Every problem is collected, each naming its key and saying what to
// set, so that ParseConfig reports them all at once (Err) in the order they
// were found.
type Parser struct {
	m     map[string]string
	hints map[string]string
	errs  []error
}

// NewParser returns a Parser of configuration m. hints holds, for each key
// Required reads, what to set it to ("a role with the REPLICATION
// attribute").
func NewParser(m map[string]string, hints map[string]string) *Parser {
	return &Parser{m: m, hints: hints}
}

// Bad records a problem with key: "<key>: <format, args>".
func (p *Parser) Bad(key, format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
}

// Get returns the value of key with surrounding spaces trimmed, or def when
// the key is missing or blank.
func (p *Parser) Get(key, def string) string {
	if v, ok := p.m[key]; ok && strings.TrimSpace(v) != "" {
		return strings.TrimSpace(v)
	}
	return def
}

// Required returns the value of key, recording a problem (with the key's
// hint) when it is missing or blank.
func (p *Parser) Required(key string) string {
	v := p.Get(key, "")
	if v == "" {
		p.Bad(key, "is required; set it to %s", p.hints[key])
	}
	return v
}

// OneOf returns the value of key in lower case, which must be one of
// allowed; otherwise it records a problem and returns def.
func (p *Parser) OneOf(key, def string, allowed ...string) string {
	v := strings.ToLower(p.Get(key, def))
	if !slices.Contains(allowed, v) {
		p.Bad(key, "unknown value %q; use one of %s", v, strings.Join(allowed, ", "))
		return def
	}
	return v
}

// IntIn returns the value of key as a whole number from lo to hi, or def
// when the key is missing or blank. Anything else is a problem, and def is
// returned.
func (p *Parser) IntIn(key string, def, lo, hi int64) int64 {
	s := p.Get(key, "")
	if s == "" {
		return def
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < lo || n > hi {
		p.Bad(key, "%q is not a whole number between %d and %d", s, lo, hi)
		return def
	}
	return n
}

// Bool returns the value of key, true or false in any case, or def when the
// key is missing or blank. Anything else is a problem, and def is returned.
func (p *Parser) Bool(key string, def bool) bool {
	v := strings.ToLower(p.Get(key, strconv.FormatBool(def)))
	switch v {
	case "true":
		return true
	case "false":
		return false
	}
	p.Bad(key, "%q is not a boolean; use true or false", v)
	return def
}

// Regexes reads the include or exclude list key (filter.Parse): the
// expressions and the entries as written. An entry that is not a valid
// regular expression is a problem.
func (p *Parser) Regexes(key string) ([]*regexp.Regexp, []string) {
	res, raw, err := filter.Parse(key, p.Get(key, ""))
	if err != nil {
		p.errs = append(p.errs, err)
	}
	return res, raw
}

// topicPrefixRE is what topic.prefix may hold: the characters Kafka allows
// in a topic name.
var topicPrefixRE = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// TopicPrefix returns topic.prefix, which is required and may hold only the
// characters of a Kafka topic name.
func (p *Parser) TopicPrefix() string {
	v := p.Required("topic.prefix")
	if v != "" && !topicPrefixRE.MatchString(v) {
		p.Bad("topic.prefix", "%q may hold only letters, digits, '.', '_' and '-'", v)
	}
	return v
}

// Skipped returns the operations skipped.operations names (Debezium's
// c, u, d and t, comma-separated; "none" for none), t by default.
func (p *Parser) Skipped() map[byte]bool {
	out := map[byte]bool{}
	skipped := strings.ToLower(p.Get("skipped.operations", "t"))
	if skipped == "none" {
		return out
	}
	for _, op := range strings.Split(skipped, ",") {
		op = strings.TrimSpace(op)
		switch op {
		case "c", "u", "d", "t":
			out[op[0]] = true
		case "":
		default:
			p.Bad("skipped.operations", "unknown operation %q; use a comma-separated list of c, u, d, t, or none", op)
		}
	}
	return out
}

// Errs returns the list the problems are collected in, for the helpers that
// append to a list of their own (captureopts, column rules, heartbeats): what
// they append keeps its place among the Parser's own problems.
func (p *Parser) Errs() *[]error { return &p.errs }

// Err returns every problem recorded, joined, or nil.
func (p *Parser) Err() error { return errors.Join(p.errs...) }
