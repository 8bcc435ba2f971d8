package rest

import (
	"maps"
	"net/http"
	"slices"
	"strings"
)

// plugins is GET /connector-plugins. sluice has only connector plugins, so
// ?connectorsOnly=false answers the same list.
func (h *handler) plugins(w http.ResponseWriter, r *http.Request) error {
	p := h.m.Plugins()
	if p == nil {
		p = []PluginInfo{}
	}
	writeJSON(w, http.StatusOK, p)
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

type configInfo struct {
	Definition configKeyInfo   `json:"definition"`
	Value      configValueInfo `json:"value"`
}

type configKeyInfo struct {
	Name          string   `json:"name"`
	Type          string   `json:"type"`
	Required      bool     `json:"required"`
	DefaultValue  *string  `json:"default_value"`
	Importance    string   `json:"importance"`
	Documentation string   `json:"documentation"`
	Group         string   `json:"group"`
	Width         string   `json:"width"`
	DisplayName   string   `json:"display_name"`
	Dependents    []string `json:"dependents"`
	Order         int      `json:"order"`
}

type configValueInfo struct {
	Name              string   `json:"name"`
	Value             *string  `json:"value"`
	RecommendedValues []string `json:"recommended_values"`
	Errors            []string `json:"errors"`
	Visible           bool     `json:"visible"`
}

// validateGroup is the one group sluice's minimal definitions belong to.
const validateGroup = "Common"

// validate is PUT /connector-plugins/{plugin}/config/validate. It answers
// 200 with the problems found, even when there are some.
//
// sluice has no ConfigDef to describe, so each definition is minimal: every
// key of the config and every key the Manager reports a problem for, in key
// order, as an optional STRING (PASSWORD for secret keys, whose value is
// "[hidden]") in group "Common". Problems of no single key are reported on
// connector.class.
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
	writeJSON(w, http.StatusOK, configInfosOf(class, config, problems))
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

// configInfosOf builds the validate body.
func configInfosOf(class string, config map[string]string, problems map[string][]string) configInfos {
	keys := map[string]bool{}
	for k := range config {
		keys[k] = true
	}
	for k, errs := range problems {
		if k != "" && len(errs) > 0 {
			keys[k] = true
		}
	}
	out := configInfos{Name: class, Groups: []string{validateGroup}, Configs: []configInfo{}}
	for i, k := range slices.Sorted(maps.Keys(keys)) {
		typ := "STRING"
		var value *string
		if v, ok := config[k]; ok {
			if isSecretKey(k) {
				typ = "PASSWORD"
				v = hiddenValue
			}
			value = &v
		}
		errs := append([]string{}, problems[k]...)
		if k == keyConnectorClass {
			errs = append(errs, problems[""]...)
		}
		out.ErrorCount += len(errs)
		out.Configs = append(out.Configs, configInfo{
			Definition: configKeyInfo{
				Name:        k,
				Type:        typ,
				Importance:  "MEDIUM",
				Group:       validateGroup,
				Width:       "NONE",
				DisplayName: k,
				Dependents:  []string{},
				Order:       i + 1,
			},
			Value: configValueInfo{
				Name:              k,
				Value:             value,
				RecommendedValues: []string{},
				Errors:            errs,
				Visible:           true,
			},
		})
	}
	return out
}
