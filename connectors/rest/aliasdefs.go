package rest

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// aliasKey is one key validate lists for a transform or predicate alias:
// its definition, the values Kafka Connect recommends for it, and whether
// its value shows as null (a .type whose class was not found).
type aliasKey struct {
	def         ConfigKeyInfo
	recommended []string
	noValue     bool
}

// aliasKind describes the transforms or the predicates of a config, as
// Kafka Connect's ConnectorConfig.enrich adds them to its ConfigDef.
type aliasKind struct {
	list, group, plugin, title string // "transforms", "Transforms", "transformation", "Transformation"
}

var aliasKinds = []aliasKind{
	{"transforms", "Transforms", "transformation", "Transformation"},
	{"predicates", "Predicates", "predicate", "Predicate"},
}

// aliasDefs returns the keys Kafka Connect 4.3's validate lists for each
// alias of config's transforms and predicates, transforms first, each alias
// in the group "Transforms: <alias>" ("Predicates: <alias>"): .type (order
// 0), .plugin.version (order 1), then, when the class is a plugin of the
// alias's kind, the class's keys (and a transform's implicit negate and
// predicate) sorted as ConfigDef.sortedConfigs sorts them and numbered from
// 2, a key of group G in the group "Transforms: <alias>: G" (ConfigDef.embed).
func (h *handler) aliasDefs(config map[string]string) []aliasKey {
	plugins := h.m.Plugins()
	var out []aliasKey
	for _, kind := range aliasKinds {
		var classes []string
		for _, p := range plugins {
			if p.Type == kind.plugin {
				classes = append(classes, p.Class)
			}
		}
		var seen []string
		for _, alias := range splitList(config[kind.list]) {
			if slices.Contains(seen, alias) {
				continue
			}
			seen = append(seen, alias)
			prefix := kind.list + "." + alias + "."
			group := kind.group + ": " + alias
			class := strings.TrimSpace(config[prefix+"type"])
			var plugin *PluginInfo
			if i := slices.IndexFunc(plugins, func(p PluginInfo) bool { return p.Class == class && p.Type == kind.plugin }); i >= 0 {
				plugin = &plugins[i]
			}
			typeKey := aliasKey{def: ConfigKeyInfo{
				Name: prefix + "type", Type: "CLASS", Required: true, Importance: "HIGH",
				Documentation: fmt.Sprintf("Class for the '%s' %s.", alias, kind.plugin),
				Group:         &group, OrderInGroup: 0, Width: "LONG",
				DisplayName: kind.title + " type for " + alias,
			}, recommended: classes, noValue: plugin == nil}
			versionKey := aliasKey{def: ConfigKeyInfo{
				Name: prefix + "plugin.version", Type: "STRING", Importance: "HIGH",
				Documentation: fmt.Sprintf("Version of the '%s' %s.", alias, kind.plugin),
				Group:         &group, OrderInGroup: 1, Width: "LONG",
				DisplayName: kind.title + " version for " + alias,
			}, recommended: []string{}}
			out = append(out, typeKey)
			if plugin == nil {
				out = append(out, versionKey)
				continue
			}
			if plugin.Version != "" {
				v := plugin.Version
				versionKey.def.DefaultValue = &v
				versionKey.recommended = []string{v}
			}
			out = append(out, versionKey)
			defs, err := h.m.PluginConfig(class)
			if err != nil {
				continue
			}
			if kind.list == "transforms" {
				defs = slices.DeleteFunc(slices.Clone(defs), func(d ConfigKeyInfo) bool { return d.Name == "predicate" || d.Name == "negate" })
				defs = append([]ConfigKeyInfo{
					implicitKey("predicate", "STRING", nil, "The alias of a predicate used to determine whether to apply this transformation."),
					implicitKey("negate", "BOOLEAN", ptr("false"), "Whether the configured predicate should be negated."),
				}, defs...)
			}
			for i, d := range sortedConfigs(defs) {
				d.Name = prefix + d.Name
				g := group
				if d.Group != nil {
					g += ": " + *d.Group
				}
				d.Group = &g
				d.OrderInGroup = 2 + i
				deps := make([]string, 0, len(d.Dependents))
				for _, dep := range d.Dependents {
					deps = append(deps, prefix+dep)
				}
				d.Dependents = deps
				out = append(out, aliasKey{def: d, recommended: []string{}})
			}
		}
	}
	return out
}

func ptr(s string) *string { return &s }

// implicitKey is a key Kafka Connect defines for every transform alias
// (ConfigDef.define without group: order -1, width NONE, the name as
// display name).
func implicitKey(name, typ string, def *string, doc string) ConfigKeyInfo {
	return ConfigKeyInfo{Name: name, Type: typ, DefaultValue: def, Importance: "MEDIUM", Documentation: doc,
		OrderInGroup: -1, Width: "NONE", DisplayName: name, Dependents: []string{}}
}

// sortedConfigs orders a class's keys as Kafka Connect's
// ConfigDef.sortedConfigs: keys without a group first, then by group in the
// order the groups first appear, then by order in group, required keys
// first, by importance (HIGH first), by name.
func sortedConfigs(defs []ConfigKeyInfo) []ConfigKeyInfo {
	var groups []string
	for _, d := range defs {
		if d.Group != nil && !slices.Contains(groups, *d.Group) {
			groups = append(groups, *d.Group)
		}
	}
	groupRank := func(d ConfigKeyInfo) int {
		if d.Group == nil {
			return -1
		}
		return slices.Index(groups, *d.Group)
	}
	importance := map[string]int{"HIGH": 0, "MEDIUM": 1, "LOW": 2}
	out := slices.Clone(defs)
	slices.SortStableFunc(out, func(a, b ConfigKeyInfo) int {
		if c := cmp.Compare(groupRank(a), groupRank(b)); c != 0 {
			return c
		}
		if c := cmp.Compare(a.OrderInGroup, b.OrderInGroup); c != 0 {
			return c
		}
		if a.Required != b.Required {
			if a.Required {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(importance[a.Importance], importance[b.Importance]); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// splitList splits a LIST value as Kafka Connect's ConfigDef does: on
// commas, each item trimmed; blank is the empty list.
func splitList(v string) []string {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	items := strings.Split(v, ",")
	for i := range items {
		items[i] = strings.TrimSpace(items[i])
	}
	return items
}

// aliasValue is the value validate shows for an alias key: the config's
// value as Kafka Connect parses and prints it for the key's type (null
// when it does not parse; a PASSWORD hidden), else the key's default.
func aliasValue(k aliasKey, config map[string]string) *string {
	if k.noValue {
		return nil
	}
	v, ok := config[k.def.Name]
	if !ok {
		return k.def.DefaultValue
	}
	t := strings.TrimSpace(v)
	switch k.def.Type {
	case "PASSWORD":
		return ptr(hiddenValue)
	case "BOOLEAN":
		if !strings.EqualFold(t, "true") && !strings.EqualFold(t, "false") {
			return nil
		}
		return ptr(strings.ToLower(t))
	case "INT", "LONG":
		n, err := strconv.ParseInt(t, 10, 64)
		if err != nil || k.def.Type == "INT" && int64(int32(n)) != n {
			return nil
		}
		return ptr(strconv.FormatInt(n, 10))
	case "DOUBLE":
		if _, err := strconv.ParseFloat(t, 64); err != nil {
			return nil
		}
		return &t
	case "LIST":
		return ptr(strings.Join(splitList(v), ","))
	}
	return &t // ConfigDef trims a STRING or CLASS value
}
