package rest

import (
	"cmp"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// pluginTypes are Kafka Connect's plugin types in the order it lists them.
var pluginTypes = []string{"sink", "source", "transformation", "predicate", "converter", "header_converter"}

// plugins is GET /connector-plugins: the connector plugins, sinks then
// sources, each by class. ?connectorsOnly=false adds the other plugins the
// Manager reports (sluice's converters), type by type as Kafka Connect
// lists them.
func (h *handler) plugins(w http.ResponseWriter, r *http.Request) error {
	connectorsOnly := !strings.EqualFold(r.URL.Query().Get("connectorsOnly"), "false")
	out := []PluginInfo{}
	for _, p := range h.m.Plugins() {
		if !connectorsOnly || p.Type == "source" || p.Type == "sink" {
			out = append(out, p)
		}
	}
	rank := func(t string) int {
		if i := slices.Index(pluginTypes, t); i >= 0 {
			return i
		}
		return len(pluginTypes)
	}
	slices.SortStableFunc(out, func(a, b PluginInfo) int {
		if c := cmp.Compare(rank(a.Type), rank(b.Type)); c != 0 {
			return c
		}
		return cmp.Compare(a.Class, b.Class)
	})
	writeJSON(w, http.StatusOK, out)
	return nil
}

// pluginConfig is GET /connector-plugins/{plugin}/config: the plugin's
// configuration definitions, by class name or alias (the Manager resolves
// it; an unknown plugin is 404 "Unknown plugin X.").
func (h *handler) pluginConfig(w http.ResponseWriter, r *http.Request) error {
	defs, err := h.m.PluginConfig(r.PathValue("plugin"))
	if err != nil {
		return err
	}
	out := make([]ConfigKeyInfo, 0, len(defs))
	for _, d := range defs {
		if d.Dependents == nil {
			d.Dependents = []string{}
		}
		out = append(out, d)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// configInfos is Kafka Connect's validate body.
type configInfos struct {
	Name       string       `json:"name"`
	ErrorCount int          `json:"error_count"`
	Groups     []string     `json:"groups"`
	Configs    []configInfo `json:"configs"`
}

// configInfo is one key of a validate body; Definition is null for a key
// the plugin does not define.
type configInfo struct {
	Definition *ConfigKeyInfo  `json:"definition"`
	Value      configValueInfo `json:"value"`
}

type configValueInfo struct {
	Name              string   `json:"name"`
	Value             *string  `json:"value"`
	RecommendedValues []string `json:"recommended_values"`
	Errors            []string `json:"errors"`
	Visible           bool     `json:"visible"`
}

// frameworkGroups are the groups of Kafka Connect's own connector keys,
// which validate lists before the plugin's.
var frameworkGroups = []string{"Common", "Transforms", "Predicates", "Error Handling", "Topic Creation", "Exactly Once Support", "offsets.topic"}

// msgNameRequired is Kafka Connect's error for a validate body without name.
const msgNameRequired = `Missing required configuration "name" which has no default value.`

// validate is PUT /connector-plugins/{plugin}/config/validate. It answers
// 200 with the problems found, even when there are some.
//
// As Kafka Connect 4.3 answers it (measured with Debezium 3.6.1): every key
// the plugin defines, Kafka Connect's own keys first; each problem on its
// key's value.errors ("name" is required); the value of Kafka Connect's own
// keys as given or defaulted, and null for the plugin's keys (Debezium's
// validation leaves them null). A key the plugin does not define appears
// only when it has a problem, with a null definition; problems of no single
// key are reported on connector.class.
func (h *handler) validate(w http.ResponseWriter, r *http.Request) error {
	plugin := r.PathValue("plugin")
	config, err := decodeConfigBody(w, r)
	if err != nil {
		return err
	}
	class, ok := config[keyConnectorClass]
	if ok && !strings.HasSuffix(normalizePluginName(class), normalizePluginName(plugin)) {
		return Errorf(http.StatusBadRequest, "Included connector type %s does not match request type %s", class, plugin)
	}
	if err := checkConnectorClass(config); err != nil {
		return err
	}
	problems, err := h.m.Validate(class, config)
	if err != nil {
		return err
	}
	// An unknown class has no definitions; its problem says so.
	defs, _ := h.m.PluginConfig(class)
	writeJSON(w, http.StatusOK, configInfosOf(class, config, problems, defs, h.aliasDefs(config)))
	return nil
}

// normalizePluginName drops a trailing "Connector", as Kafka Connect does
// before comparing a plugin name with a connector class.
func normalizePluginName(s string) string {
	if len(s) > len("Connector") && strings.HasSuffix(s, "Connector") {
		return strings.TrimSuffix(s, "Connector")
	}
	return s
}

// configInfosOf builds the validate body from the plugin's definitions and
// those of the config's transform and predicate aliases, which Kafka
// Connect lists after its own keys and before the plugin's.
func configInfosOf(class string, config map[string]string, problems map[string][]string, defs []ConfigKeyInfo, aliases []aliasKey) configInfos {
	errsOf := func(k string) []string {
		errs := append([]string{}, problems[k]...)
		switch k {
		case keyConnectorClass:
			errs = append(errs, problems[""]...)
		case keyName:
			if _, ok := config[keyName]; !ok {
				errs = append(errs, msgNameRequired)
			}
		}
		return errs
	}
	hidden := func() *string {
		h := hiddenValue
		return &h
	}
	isFramework := func(d ConfigKeyInfo) bool { return d.Group != nil && slices.Contains(frameworkGroups, *d.Group) }
	// Kafka Connect's own keys, the aliases' keys, the plugin's keys.
	ordered := make([]aliasKey, 0, len(defs)+len(aliases))
	isAlias := map[string]bool{}
	for _, d := range defs {
		if isFramework(d) {
			ordered = append(ordered, aliasKey{def: d})
		}
	}
	for _, a := range aliases {
		isAlias[a.def.Name] = true
		ordered = append(ordered, a)
	}
	for _, d := range defs {
		if !isFramework(d) && !isAlias[d.Name] {
			ordered = append(ordered, aliasKey{def: d})
		}
	}

	out := configInfos{Name: class, Groups: []string{}, Configs: []configInfo{}}
	defined := map[string]bool{}
	for _, o := range ordered {
		d := o.def
		if defined[d.Name] {
			continue // listed once (a class key named type would repeat .type)
		}
		defined[d.Name] = true
		if d.Group != nil && !slices.Contains(out.Groups, *d.Group) {
			out.Groups = append(out.Groups, *d.Group)
		}
		var value *string
		recommended := []string{}
		if isAlias[d.Name] {
			value = aliasValue(o, config)
			if o.recommended != nil {
				recommended = o.recommended
			}
		} else if isFramework(d) {
			if v, ok := config[d.Name]; ok {
				value = &v
				if d.Type == "PASSWORD" || isSecretKey(d.Name) {
					value = hidden()
				}
			} else {
				value = d.DefaultValue
			}
		}
		if d.Dependents == nil {
			d.Dependents = []string{}
		}
		out.Configs = append(out.Configs, configInfo{
			Definition: &d,
			Value:      configValueInfo{Name: d.Name, Value: value, RecommendedValues: recommended, Errors: errsOf(d.Name), Visible: true},
		})
	}
	// Keys with problems that no definition covers, in key order.
	undefined := map[string]bool{}
	for k, errs := range problems {
		if k != "" && len(errs) > 0 && !defined[k] {
			undefined[k] = true
		}
	}
	for _, k := range []string{keyConnectorClass, keyName} {
		if !defined[k] && len(errsOf(k)) > 0 {
			undefined[k] = true
		}
	}
	for _, k := range slices.Sorted(maps.Keys(undefined)) {
		var value *string
		if v, ok := config[k]; ok {
			value = &v
			if isSecretKey(k) {
				value = hidden()
			}
		}
		out.Configs = append(out.Configs, configInfo{
			Value: configValueInfo{Name: k, Value: value, RecommendedValues: []string{}, Errors: errsOf(k), Visible: true},
		})
	}
	for _, c := range out.Configs {
		out.ErrorCount += len(c.Value.Errors)
	}
	return out
}
