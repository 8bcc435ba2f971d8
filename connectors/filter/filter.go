// Package filter reads Debezium's include and exclude lists
// (table.include.list, database.exclude.list, ...): comma-separated regular
// expressions, "\," escaping a comma, each matched against a whole name and
// without regard to case.
package filter

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Parse compiles the entries of list s, the value of configuration key
// key. It returns the expressions, the entries as written, and one error
// per entry that is not a valid regular expression (joined), each naming
// the key and the entry.
func Parse(key, s string) ([]*regexp.Regexp, []string, error) {
	if s == "" {
		return nil, nil, nil
	}
	var (
		out  []*regexp.Regexp
		raw  []string
		errs []error
	)
	for _, e := range split(s) {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		re, err := regexp.Compile(`(?i)^(?:` + e + `)$`)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: entry %q is not a valid regular expression (%w); fix or remove it", key, e, err))
			continue
		}
		out = append(out, re)
		raw = append(raw, e)
	}
	return out, raw, errors.Join(errs...)
}

// split splits a list at commas that are not escaped as "\,".
func split(s string) []string {
	var out []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && s[i+1] == ',' {
			cur.WriteByte(',')
			i++
			continue
		}
		if s[i] == ',' {
			out = append(out, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteByte(s[i])
	}
	return append(out, cur.String())
}

// Any reports whether one of res matches s.
func Any(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// literalRE matches an entry that names exactly one table: "ns.table" with
// no regular-expression metacharacter other than the separating dot.
var literalRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$]*\.[A-Za-z_][A-Za-z0-9_$]*$`)

// Literals returns the entries of raw (as Parse returns them) that name one
// table literally, "ns.table", in their order.
func Literals(raw []string) []string {
	var out []string
	for _, l := range raw {
		if literalRE.MatchString(l) {
			out = append(out, l)
		}
	}
	return out
}
