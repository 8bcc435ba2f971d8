package runtime

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/sluicecdc/sluice/connectors/transforms"
)

// transformProblems returns the problems of cfg's transforms and predicates
// as validate reports them: each on the key it names (Kafka Connect puts a
// transform's errors on its transforms.<alias>.<option>), from
// transforms.Parse's error, plus a missing required option of a known class
// (Kafka Connect's ConfigDef reports it whatever the class checks itself).
func transformProblems(cfg map[string]string) problems {
	out := problems{}
	if _, err := transforms.Parse(cfg); err != nil {
		splitTransformErr(out, err, "transforms")
	}
	for _, kind := range []struct{ list, kind string }{{"transforms", transforms.KindTransformation}, {"predicates", transforms.KindPredicate}} {
		for _, alias := range transforms.SplitList(cfg[kind.list]) {
			prefix := kind.list + "." + alias + "."
			p := transforms.Lookup(cfg[prefix+"type"])
			if p == nil || p.Kind != kind.kind {
				continue
			}
			for _, k := range p.Keys {
				if _, ok := cfg[prefix+k.Name]; k.Required && !ok {
					msg := fmt.Sprintf("Missing required configuration %q which has no default value.", prefix+k.Name)
					if !slices.Contains(out[prefix+k.Name], msg) {
						out[prefix+k.Name] = append(out[prefix+k.Name], msg)
					}
				}
			}
		}
	}
	return out
}

// chainKeyRE finds the key a transforms error names, in Kafka
// Connect's ConfigException wording ("Invalid value v for configuration
// k: …", "Missing required configuration "k" …").
var chainKeyRE = regexp.MustCompile(`(?:for configuration |configuration ")((?:transforms|predicates)(?:\.[^\s:"]+)?)`)

// chainAliasRE finds the alias a wrapping error of transforms.Parse names
// (`transform "a" (class): …`, `predicate "p" (class): …`).
var chainAliasRE = regexp.MustCompile(`^(transform|predicate) "([^"]*)" \(`)

// splitTransformErr adds each leaf of err to out on the key it names; a
// leaf that names none goes on the .type of the alias whose wrapping error
// holds it, else on key.
func splitTransformErr(out problems, err error, key string) {
	switch e := err.(type) {
	case interface{ Unwrap() []error }:
		for _, c := range e.Unwrap() {
			splitTransformErr(out, c, key)
		}
		return
	case interface{ Unwrap() error }:
		if c := e.Unwrap(); c != nil && strings.HasSuffix(err.Error(), c.Error()) {
			if m := chainAliasRE.FindStringSubmatch(err.Error()); m != nil {
				key = map[string]string{"transform": "transforms", "predicate": "predicates"}[m[1]] + "." + m[2] + ".type"
			}
			splitTransformErr(out, c, key)
			return
		}
	}
	msg := err.Error()
	if m := chainKeyRE.FindStringSubmatch(msg); m != nil {
		key = m[1]
	}
	if !slices.Contains(out[key], msg) {
		out[key] = append(out[key], msg)
	}
}

// isTransformKey reports whether k is a key of the transforms chain.
func isTransformKey(k string) bool {
	for _, p := range []string{"transforms", "predicates"} {
		if k == p || strings.HasPrefix(k, p+".") {
			return true
		}
	}
	return false
}
