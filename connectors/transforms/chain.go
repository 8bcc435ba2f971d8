package transforms

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/configdef"
)

// Chain is a connector's configured transforms, in the order of its
// transforms key.
type Chain struct {
	stages []stage
	// Unused are option keys (full connector-config keys) that the chain's
	// classes do not define, with the reason; Kafka Connect ignores them
	// silently, sluice names them (GET /connectors/{name}/unused-keys).
	Unused map[string]string
}

type stage struct {
	alias, class string
	t            Transform
	pred         Predicate
	predAlias    string
	negate       bool
}

// keys every transform alias has besides its class's own.
// plugin.version is Kafka Connect 4's choice among installed versions of
// the class; sluice has one version of each, so any value picks it.
var stageKeys = []string{"type", "predicate", "negate", "plugin.version"}

// Parse builds the chain of connector config cfg: nil, and no error, when
// cfg has no transforms. Every problem is reported, each naming its key.
func Parse(cfg map[string]string) (*Chain, error) {
	aliases := SplitList(cfg["transforms"])
	predAliases := SplitList(cfg["predicates"])
	var errs []error
	unused := map[string]string{}

	// Keys under transforms.<alias>. or predicates.<alias>. of an alias
	// that is not listed.
	for k := range cfg {
		for _, fam := range []struct {
			prefix string
			listed []string
			list   string
		}{{"transforms.", aliases, "transforms"}, {"predicates.", predAliases, "predicates"}} {
			rest, ok := strings.CutPrefix(k, fam.prefix)
			if !ok {
				continue
			}
			alias, _, found := strings.Cut(rest, ".")
			if !found || !slices.Contains(fam.listed, alias) {
				unused[k] = fmt.Sprintf("%q is not an alias listed in %s, so Kafka Connect ignores this key", alias, fam.list)
			}
		}
	}

	preds := map[string]Predicate{}
	for i, a := range predAliases {
		if slices.Contains(predAliases[:i], a) {
			errs = append(errs, fmt.Errorf("Invalid value %s for configuration predicates: Duplicate alias provided.", cfg["predicates"]))
			continue
		}
		prefix := "predicates." + a + "."
		p, c, err := plugin(cfg, a, prefix, KindPredicate)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		pred, err := p.NewPredicate(c)
		if err = errors.Join(err, c.Err()); err != nil {
			errs = append(errs, fmt.Errorf("predicate %q (%s): %w", a, p.Class, err))
			continue
		}
		preds[a] = pred
		noteUnused(unused, c, p, stageKeys)
	}

	ch := &Chain{Unused: unused}
	for i, a := range aliases {
		if slices.Contains(aliases[:i], a) {
			errs = append(errs, fmt.Errorf("Invalid value %s for configuration transforms: Duplicate alias provided.", cfg["transforms"]))
			continue
		}
		prefix := "transforms." + a + "."
		p, c, err := plugin(cfg, a, prefix, KindTransformation)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s := stage{alias: a, class: p.Class}
		if pa, ok := c.Props["predicate"]; ok {
			pa = strings.TrimSpace(pa)
			if !slices.Contains(predAliases, pa) {
				errs = append(errs, fmt.Errorf("Invalid value %s for configuration %spredicate: not an alias listed in predicates (%q); add it to predicates and set predicates.%s.type", pa, prefix, cfg["predicates"], pa))
			} else if s.pred = preds[pa]; s.pred == nil {
				continue // its own error is reported
			}
			s.predAlias = pa
			s.negate = c.Bool("negate", false)
		} else if c.Has("negate") {
			errs = append(errs, fmt.Errorf("Config '%snegate' was provided but there is no config '%spredicate' defining a predicate to be negated.", prefix, prefix))
			continue
		}
		if s.t, err = p.New(c); err != nil || c.Err() != nil {
			errs = append(errs, fmt.Errorf("transform %q (%s): %w", a, p.Class, errors.Join(err, c.Err())))
			continue
		}
		noteUnused(unused, c, p, stageKeys)
		ch.stages = append(ch.stages, s)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if len(aliases) == 0 {
		if len(unused) == 0 {
			return nil, nil
		}
		return &Chain{Unused: unused}, nil
	}
	return ch, nil
}

// plugin finds the class of alias and returns its plugin and option Config.
func plugin(cfg map[string]string, alias, prefix, kind string) (*Plugin, *Config, error) {
	class, ok := cfg[prefix+"type"]
	if !ok || strings.TrimSpace(class) == "" {
		return nil, nil, fmt.Errorf("Missing required configuration %q which has no default value: %s %q is listed in %s but has no class", prefix+"type", kind, alias, strings.TrimSuffix(strings.SplitN(prefix, ".", 2)[0], "."))
	}
	p := Lookup(class)
	if p == nil {
		return nil, nil, fmt.Errorf("Invalid value %s for configuration %stype: Class %s could not be found%s", class, prefix, class, suggestClass(class, kind))
	}
	if p.Kind != kind {
		return nil, nil, fmt.Errorf("Invalid value %s for configuration %stype: %s is a %s, not a %s", class, prefix, class, p.Kind, kind)
	}
	return p, NewConfig(alias, prefix, p.Class, cfg), nil
}

// suggestClass names the registered class of kind whose simple name
// matches class's, for a class given with the wrong package.
func suggestClass(class, kind string) string {
	simple := class[strings.LastIndexAny(class, ".")+1:]
	var names []string
	for _, p := range Plugins() {
		if p.Kind == kind && strings.EqualFold(p.Class[strings.LastIndexAny(p.Class, ".")+1:], simple) {
			names = append(names, p.Class)
		}
	}
	if len(names) == 0 {
		return "; GET /connector-plugins?connectorsOnly=false lists the classes sluice has"
	}
	sort.Strings(names)
	return "; did you mean " + strings.Join(names, " or ") + "?"
}

// noteUnused records the options of c that p does not define.
func noteUnused(unused map[string]string, c *Config, p *Plugin, extra []string) {
	if v, ok := c.Props["plugin.version"]; ok && strings.TrimSpace(v) != p.Version {
		unused[c.Key("plugin.version")] = fmt.Sprintf("sluice has one version of %s, %s, and uses it", p.Class, p.Version)
	}
	for k := range c.Props {
		if k == "type" || slices.Contains(extra, k) {
			continue
		}
		if !slices.ContainsFunc(p.Keys, func(d configdef.Key) bool { return d.Name == k }) {
			unused[c.Key(k)] = fmt.Sprintf("%s defines no option %q, so Kafka Connect ignores it", p.Class, k)
		}
	}
}

// Len returns the number of transforms.
func (c *Chain) Len() int {
	if c == nil {
		return 0
	}
	return len(c.stages)
}

// Apply runs r through the chain: each transform whose predicate (if any)
// matches, negated when negate is set, in order. It returns nil when a
// transform drops the record. An error names the transform's alias.
func (c *Chain) Apply(r *change.Record) (*change.Record, error) {
	if c == nil {
		return r, nil
	}
	for i := range c.stages {
		s := &c.stages[i]
		if s.pred != nil && s.pred.Test(r) == s.negate {
			continue
		}
		out, err := s.t.Apply(r)
		if err != nil {
			return nil, fmt.Errorf("transform %q (%s): %w", s.alias, s.class, err)
		}
		if out == nil {
			return nil, nil
		}
		r = out
	}
	return r, nil
}
