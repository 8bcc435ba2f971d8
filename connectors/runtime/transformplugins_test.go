package runtime

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/configdef"
	"github.com/sluicecdc/sluice/connectors/rest"
	"github.com/sluicecdc/sluice/connectors/transforms"
)

type probeTransform struct{}

func (probeTransform) Apply(r *change.Record) (*change.Record, error) { return r, nil }

// testTransformClass is a transform registered by this package's tests
// only: a required key, and an option whose bad value fails.
const testTransformClass = "sluice.runtime.test.PluginsProbe"

func init() {
	transforms.Register(transforms.Plugin{
		Class: testTransformClass, Kind: transforms.KindTransformation, Version: "0.1",
		Keys: []configdef.Key{
			{Name: "regex", Type: configdef.String, Required: true, Importance: configdef.High, Doc: "Regular expression."},
			{Name: "mode", Type: configdef.String, Default: configdef.Def("a"), Importance: configdef.Low, Doc: "Mode.", Order: 1, Width: configdef.WidthShort, Display: "Mode"},
			{Name: "size", Type: configdef.Int, Default: configdef.Def("1"), Importance: configdef.Low, Group: "Sizes", Doc: "Size."},
		},
		New: func(c *transforms.Config) (transforms.Transform, error) {
			if m := c.String("mode", "a"); m != "a" && m != "b" {
				c.Fail("mode", "Value must be one of a, b")
			}
			if c.String("mode", "a") == "b" && c.String("size", "1") == "0" {
				return nil, errors.New("mode b needs a size")
			}
			return probeTransform{}, nil
		},
	})
}

func TestTransformProblemsOnTheirKeys(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  map[string]string
		want map[string][]string
	}{
		{"none", map[string]string{"name": "x"}, map[string][]string{}},
		{"fine", map[string]string{"transforms": "r", "transforms.r.type": testTransformClass, "transforms.r.regex": "x"}, map[string][]string{}},
		{"missing required, once", map[string]string{"transforms": "r", "transforms.r.type": testTransformClass}, map[string][]string{
			"transforms.r.regex": {`Missing required configuration "transforms.r.regex" which has no default value.`},
		}},
		{"bad option and unknown class", map[string]string{"transforms": "r,s", "transforms.r.type": testTransformClass, "transforms.r.regex": "x",
			"transforms.r.mode": "c", "transforms.s.type": "no.Such"}, map[string][]string{
			"transforms.r.mode": {"Invalid value c for configuration transforms.r.mode: Value must be one of a, b"},
			"transforms.s.type": {"Invalid value no.Such for configuration transforms.s.type: Class no.Such could not be found; GET /connector-plugins?connectorsOnly=false lists the classes sluice has"},
		}},
		{"an error naming no key goes on the alias's type", map[string]string{"transforms": "r", "transforms.r.type": testTransformClass, "transforms.r.regex": "x",
			"transforms.r.mode": "b", "transforms.r.size": "0"}, map[string][]string{
			"transforms.r.type": {"mode b needs a size"},
		}},
		{"duplicate alias", map[string]string{"transforms": "r,r", "transforms.r.type": testTransformClass, "transforms.r.regex": "x"}, map[string][]string{
			"transforms": {"Invalid value r,r for configuration transforms: Duplicate alias provided."},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := transformProblems(tc.cfg)
			if !maps.EqualFunc(map[string][]string(got), tc.want, slices.Equal) {
				t.Errorf("problems\n got  %q\n want %q", got, tc.want)
			}
		})
	}
}

func TestSplitTransformErrWalksWrappedTrees(t *testing.T) {
	leaf := errors.New(`Missing required configuration "predicates.p.pattern" which has no default value.`)
	err := errors.Join(fmt.Errorf(`predicate "p" (x.P): %w`, errors.Join(leaf, errors.New("odd"))), errors.New("plain"))
	got := problems{}
	splitTransformErr(got, err, "transforms")
	want := map[string][]string{
		"predicates.p.pattern": {leaf.Error()},
		"predicates.p.type":    {"odd"},
		"transforms":           {"plain"},
	}
	if !maps.EqualFunc(map[string][]string(got), want, slices.Equal) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestOtherPluginConfigAndAliases(t *testing.T) {
	s := NewSupervisor(SupervisorOptions{DataDir: t.TempDir(), Plugins: []Plugin{testPlugin(nil)}})
	for _, name := range []string{testTransformClass, "PluginsProbe"} {
		got, err := s.PluginConfig(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		g := "Sizes"
		want := []rest.ConfigKeyInfo{
			{Name: "regex", Type: "STRING", Required: true, Importance: "HIGH", Documentation: "Regular expression.", OrderInGroup: -1, Width: "NONE", DisplayName: "regex", Dependents: []string{}},
			{Name: "mode", Type: "STRING", DefaultValue: configdef.Def("a"), Importance: "LOW", Documentation: "Mode.", OrderInGroup: 1, Width: "SHORT", DisplayName: "Mode", Dependents: []string{}},
			{Name: "size", Type: "INT", DefaultValue: configdef.Def("1"), Importance: "LOW", Documentation: "Size.", Group: &g, OrderInGroup: 0, Width: "NONE", DisplayName: "size", Dependents: []string{}},
		}
		if fmt.Sprintf("%+v", keyInfoStrings(got)) != fmt.Sprintf("%+v", keyInfoStrings(want)) {
			t.Errorf("%s:\n got  %+v\n want %+v", name, keyInfoStrings(got), keyInfoStrings(want))
		}
	}
	for _, name := range []string{"Json", "JsonConverter", jsonConverter} {
		if got, err := s.PluginConfig(name); err != nil || len(got) != 6 || got[0].Name != "converter.type" {
			t.Errorf("%s: %v, %v", name, got, err)
		}
	}
	for _, name := range []string{"Nope", "Converter", "org.example.Route"} {
		if _, err := s.PluginConfig(name); err == nil || err.Error() != "Unknown plugin "+name+"." {
			t.Errorf("%s: %v, want Unknown plugin", name, err)
		}
	}
}

// keyInfoStrings prints pointers by value.
func keyInfoStrings(ks []rest.ConfigKeyInfo) []string {
	var out []string
	for _, k := range ks {
		def, group := "null", "null"
		if k.DefaultValue != nil {
			def = *k.DefaultValue
		}
		if k.Group != nil {
			group = *k.Group
		}
		out = append(out, fmt.Sprintf("%s %s req=%v def=%s %s %q group=%s order=%d %s %q %v", k.Name, k.Type, k.Required, def, k.Importance, k.Documentation, group, k.OrderInGroup, k.Width, k.DisplayName, k.Dependents))
	}
	return out
}
