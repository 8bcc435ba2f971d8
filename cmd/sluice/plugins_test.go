package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/configdef"
	"github.com/sluicecdc/sluice/connectors/rest"
	"github.com/sluicecdc/sluice/connectors/runtime"
	"github.com/sluicecdc/sluice/connectors/transforms"
	"github.com/sluicecdc/sluice/internal/logging"
)

// The answers of the real Kafka Connect 4.3.0 are in testdata/plugins (see
// its README). These tests hold sluice's plugin endpoints to them.

// copyPrefix names the test-only plugins: copies of real classes, with the
// keys Connect lists for them, registered so that the handlers are
// exercised whatever classes this build registers. They are left out of
// the comparisons with Connect's listing.
const copyPrefix = "sluice.test.CopyOf"

// copiedClasses are the real classes the test-only plugins copy.
var copiedClasses = []string{
	"org.apache.kafka.connect.transforms.RegexRouter",
	"io.debezium.transforms.ExtractNewRecordState",
	"io.debezium.transforms.outbox.EventRouter",
	"org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
}

func copyClass(real string) string { return copyPrefix + real[strings.LastIndexByte(real, '.')+1:] }

type noopTransform struct{}

func (noopTransform) Apply(r *change.Record) (*change.Record, error) { return r, nil }

type noopPredicate struct{}

func (noopPredicate) Test(*change.Record) bool { return true }

func init() {
	var listing []rest.PluginInfo
	mustReadJSON("connector-plugins.json", &listing)
	for _, real := range copiedClasses {
		var info rest.PluginInfo
		for _, p := range listing {
			if p.Class == real {
				info = p // the last listed: the newest version
			}
		}
		var saved []rest.ConfigKeyInfo
		mustReadJSON(classFile(real), &saved)
		p := transforms.Plugin{Class: copyClass(real), Kind: info.Type, Version: info.Version, Keys: keysOf(saved)}
		if p.Kind == transforms.KindPredicate {
			p.NewPredicate = func(*transforms.Config) (transforms.Predicate, error) { return noopPredicate{}, nil }
		} else {
			p.New = func(*transforms.Config) (transforms.Transform, error) { return noopTransform{}, nil }
		}
		transforms.Register(p)
	}
}

// keysOf turns Connect's definitions into configdef keys written as a
// transform's file writes them: a key without group has order 0 when
// Connect shows -1 (Kafka's ConfigDef.define), as it shows it otherwise.
func keysOf(infos []rest.ConfigKeyInfo) []configdef.Key {
	var out []configdef.Key
	for _, i := range infos {
		k := configdef.Key{Name: i.Name, Type: i.Type, Default: i.DefaultValue, Required: i.Required, Importance: i.Importance,
			Doc: i.Documentation, Order: i.OrderInGroup, Width: i.Width, Display: i.DisplayName, Dependents: i.Dependents}
		if i.Group != nil {
			k.Group = *i.Group
		} else if k.Order == -1 {
			k.Order = 0
		}
		out = append(out, k)
	}
	return out
}

// classFile is the testdata file of a class's GET …/config answer.
func classFile(class string) string { return strings.ReplaceAll(class, "$", "%24") + ".json" }

func mustReadJSON(name string, v any) {
	b, err := os.ReadFile("testdata/plugins/" + name)
	if err != nil {
		panic(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		panic(fmt.Sprintf("%s: %v", name, err))
	}
}

// pluginServer serves sluice's REST API over this build's plugins, with no
// database connection check.
func pluginServer(t *testing.T) func(method, path string, body any) (int, []byte) {
	t.Helper()
	ps := plugins(logging.New(slog.DiscardHandler, slog.LevelInfo), capture.KafkaClient{})
	for i := range ps {
		ps[i].Check = nil
	}
	sup := runtime.NewSupervisor(runtime.SupervisorOptions{DataDir: t.TempDir(), Plugins: ps})
	srv := httptest.NewServer(rest.NewHandler(sup, rest.Options{}))
	t.Cleanup(srv.Close)
	return func(method, path string, body any) (int, []byte) {
		t.Helper()
		var r io.Reader
		if body != nil {
			j, _ := json.Marshal(body)
			r = bytes.NewReader(j)
		}
		req, _ := http.NewRequest(method, srv.URL+path, r)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, out
	}
}

func pluginPath(class string) string {
	return "/connector-plugins/" + strings.ReplaceAll(class, "$", "%24") + "/config"
}

// notOnConnect are plugins sluice lists that the real worker has not
// installed: Confluent's AvroConverter (sluice writes its wire format).
var notOnConnect = []string{"io.confluent.connect.avro.AvroConverter"}

// TestPluginListingAsConnect checks GET /connector-plugins?connectorsOnly=false
// against the real Connect's: every plugin sluice lists besides its
// connectors is one Connect lists, with the same type and version (for a
// class Connect lists in several versions, its newest), in Connect's
// order. The real transforms and predicates sluice does not register are
// logged.
func TestPluginListingAsConnect(t *testing.T) {
	var real []rest.PluginInfo
	mustReadJSON("connector-plugins.json", &real)
	type id struct{ class, typ string }
	newest := map[id]rest.PluginInfo{}
	var realOrder []id
	for _, p := range real {
		k := id{p.Class, p.Type}
		if _, ok := newest[k]; !ok {
			realOrder = append(realOrder, k)
		}
		newest[k] = p
	}

	do := pluginServer(t)
	code, body := do("GET", "/connector-plugins?connectorsOnly=false", nil)
	var got []rest.PluginInfo
	if err := json.Unmarshal(body, &got); code != 200 || err != nil {
		t.Fatalf("GET /connector-plugins?connectorsOnly=false: %d %s", code, body)
	}
	lists := map[id]bool{}
	var gotOrder []id
	for _, p := range got {
		k := id{p.Class, p.Type}
		lists[k] = true
		if p.Type == "source" || p.Type == "sink" || strings.HasPrefix(p.Class, copyPrefix) || slices.Contains(notOnConnect, p.Class) {
			continue
		}
		want, ok := newest[k]
		if !ok {
			t.Errorf("sluice lists %s (%s), which Kafka Connect does not", p.Class, p.Type)
			continue
		}
		if p.Version != want.Version {
			t.Errorf("%s (%s): version %q, Connect %q", p.Class, p.Type, p.Version, want.Version)
		}
		gotOrder = append(gotOrder, k)
	}
	var wantOrder []id
	for _, k := range realOrder {
		if slices.Contains(gotOrder, k) {
			wantOrder = append(wantOrder, k)
		}
	}
	if !slices.Equal(gotOrder, wantOrder) {
		t.Errorf("order:\n sluice  %v\n Connect %v", gotOrder, wantOrder)
	}
	for _, typ := range []string{"transformation", "predicate", "converter", "header_converter"} {
		var missing []string
		n := 0
		for _, k := range realOrder {
			if k.typ == typ {
				n++
				if !lists[k] {
					missing = append(missing, k.class)
				}
			}
		}
		t.Logf("%d of Kafka Connect's %d %s classes not in sluice: %s", len(missing), n, typ, strings.Join(missing, " "))
	}

	// Without connectorsOnly=false, only connectors.
	code, body = do("GET", "/connector-plugins", nil)
	if err := json.Unmarshal(body, &got); code != 200 || err != nil {
		t.Fatalf("GET /connector-plugins: %d %s", code, body)
	}
	for _, p := range got {
		if p.Type != "source" {
			t.Errorf("GET /connector-plugins lists %s (%s)", p.Class, p.Type)
		}
	}
}

// TestPluginConfigAsConnect checks GET /connector-plugins/{class}/config
// of every transform, predicate and converter class sluice lists that the
// real Connect lists too, key by key, against Connect's answer; the
// test-only copies against the answer for the class they copy; aliases
// and an unknown class as Connect answers them.
func TestPluginConfigAsConnect(t *testing.T) {
	var real []rest.PluginInfo
	mustReadJSON("connector-plugins.json", &real)
	do := pluginServer(t)
	_, body := do("GET", "/connector-plugins?connectorsOnly=false", nil)
	var listed []rest.PluginInfo
	if err := json.Unmarshal(body, &listed); err != nil {
		t.Fatal(err)
	}
	compared := map[string]bool{}
	check := func(class, path, file string) {
		t.Helper()
		var want []rest.ConfigKeyInfo
		mustReadJSON(file, &want)
		code, body := do("GET", path, nil)
		var got []rest.ConfigKeyInfo
		if err := json.Unmarshal(body, &got); code != 200 || err != nil {
			t.Errorf("GET %s: %d %s", path, code, body)
			return
		}
		compareKeyInfos(t, class, got, want)
	}
	for _, p := range listed {
		if p.Type == "source" || p.Type == "sink" || compared[p.Class] {
			continue
		}
		compared[p.Class] = true
		if strings.HasPrefix(p.Class, copyPrefix) {
			continue
		}
		if !slices.ContainsFunc(real, func(r rest.PluginInfo) bool { return r.Class == p.Class }) {
			t.Logf("%s: not on the real Connect, not compared", p.Class)
			continue
		}
		check(p.Class, pluginPath(p.Class), classFile(p.Class))
	}
	for _, c := range copiedClasses {
		check(copyClass(c)+" (copy of "+c+")", pluginPath(copyClass(c)), classFile(c))
	}
	// Aliases: the simple name, and without the type's suffix.
	check("Json", pluginPath("Json"), classFile("org.apache.kafka.connect.json.JsonConverter"))
	check("JsonConverter", pluginPath("JsonConverter"), classFile("org.apache.kafka.connect.json.JsonConverter"))
	t.Logf("compared %d classes with Kafka Connect's answers", len(compared))

	type errorBody struct {
		ErrorCode int    `json:"error_code"`
		Message   string `json:"message"`
	}
	var unknown errorBody
	mustReadJSON("unknown-plugin.json", &unknown)
	for _, class := range []string{"org.apache.kafka.connect.transforms.Nope", "Cast$Value"} {
		want := errorBody{ErrorCode: unknown.ErrorCode, Message: strings.ReplaceAll(unknown.Message, "org.apache.kafka.connect.transforms.Nope", class)}
		code, body := do("GET", pluginPath(class), nil)
		var got errorBody
		if err := json.Unmarshal(body, &got); code != 404 || err != nil || got != want {
			t.Errorf("GET %s: %d %s, want 404 %+v", pluginPath(class), code, body, want)
		}
	}
}

// compareKeyInfos reports every difference between sluice's and Connect's
// definitions of class's keys: the key names in order, then each field.
func compareKeyInfos(t *testing.T, class string, got, want []rest.ConfigKeyInfo) {
	t.Helper()
	names := func(ks []rest.ConfigKeyInfo) []string {
		var out []string
		for _, k := range ks {
			out = append(out, k.Name)
		}
		return out
	}
	if !slices.Equal(names(got), names(want)) {
		t.Errorf("%s: keys\n sluice  %q\n Connect %q", class, names(got), names(want))
	}
	for _, w := range want {
		i := slices.IndexFunc(got, func(g rest.ConfigKeyInfo) bool { return g.Name == w.Name })
		if i < 0 {
			continue
		}
		for _, d := range keyInfoDiffs(got[i], w) {
			t.Errorf("%s: key %s: %s", class, w.Name, d)
		}
	}
}

// keyInfoDiffs lists the fields in which two definitions differ, each
// with sluice's value and Connect's.
func keyInfoDiffs(got, want rest.ConfigKeyInfo) []string {
	str := func(p *string) string {
		if p == nil {
			return "null"
		}
		return fmt.Sprintf("%q", *p)
	}
	var out []string
	for _, f := range []struct {
		field     string
		got, want any
	}{
		{"type", got.Type, want.Type},
		{"required", got.Required, want.Required},
		{"default_value", str(got.DefaultValue), str(want.DefaultValue)},
		{"importance", got.Importance, want.Importance},
		{"documentation", got.Documentation, want.Documentation},
		{"group", str(got.Group), str(want.Group)},
		{"order_in_group", got.OrderInGroup, want.OrderInGroup},
		{"width", got.Width, want.Width},
		{"display_name", got.DisplayName, want.DisplayName},
		{"dependents", fmt.Sprint(got.Dependents), fmt.Sprint(want.Dependents)},
	} {
		if f.got != f.want {
			out = append(out, fmt.Sprintf("%s = %v, Connect %v", f.field, f.got, f.want))
		}
	}
	return out
}

// validateAnswer is the part of a validate body these tests read.
type validateAnswer struct {
	Groups  []string `json:"groups"`
	Configs []struct {
		Definition *rest.ConfigKeyInfo `json:"definition"`
		Value      struct {
			Name        string   `json:"name"`
			Value       *string  `json:"value"`
			Recommended []string `json:"recommended_values"`
			Errors      []string `json:"errors"`
		} `json:"value"`
	} `json:"configs"`
}

func isAliasGroup(g string) bool {
	return strings.HasPrefix(g, "Transforms: ") || strings.HasPrefix(g, "Predicates: ")
}

// TestValidateTransformsAsConnect replays the validate requests the real
// Connect answered (testdata/plugins/validate-*.json) and checks that
// sluice's answer has the same "Transforms: <alias>" and "Predicates:
// <alias>" groups, placed after Kafka Connect's own groups, with the same
// keys in the same order, the same definitions and values, and an error
// where Connect has one. A class this build does not register is replaced
// by its test-only copy.
func TestValidateTransformsAsConnect(t *testing.T) {
	var base map[string]string
	var cases map[string]map[string]string
	mustReadJSON("validate-base.json", &base)
	mustReadJSON("validate-requests.json", &cases)
	do := pluginServer(t)
	for _, name := range slices.Sorted(maps.Keys(cases)) {
		t.Run(name, func(t *testing.T) {
			var want validateAnswer
			mustReadJSON("validate-"+name+".json", &want)
			cfg := maps.Clone(base)
			maps.Copy(cfg, cases[name])
			substituted := map[string]string{} // key -> copy class
			for k, v := range cfg {
				if strings.HasSuffix(k, ".type") && transforms.Lookup(v) == nil && slices.Contains(copiedClasses, v) {
					cfg[k] = copyClass(v)
					substituted[k] = cfg[k]
				}
			}
			code, body := do("PUT", "/connector-plugins/"+base["connector.class"]+"/config/validate", cfg)
			var got validateAnswer
			if err := json.Unmarshal(body, &got); code != 200 || err != nil {
				t.Fatalf("validate: %d %s", code, body)
			}
			compareAliasGroups(t, got, want, substituted)
		})
	}
}

func compareAliasGroups(t *testing.T, got, want validateAnswer, substituted map[string]string) {
	t.Helper()
	// The alias groups, in order, right after Kafka Connect's own groups.
	aliasGroups := func(a validateAnswer) (gs []string, first int) {
		first = -1
		for i, g := range a.Groups {
			if isAliasGroup(g) {
				if first < 0 {
					first = i
				}
				gs = append(gs, g)
			}
		}
		return gs, first
	}
	gotGroups, gotFirst := aliasGroups(got)
	wantGroups, _ := aliasGroups(want)
	if !slices.Equal(gotGroups, wantGroups) {
		t.Errorf("groups %q, Connect %q", gotGroups, wantGroups)
	}
	if gotFirst >= 0 && gotFirst != slices.Index(got.Groups, "Common")+countFramework(got.Groups) {
		t.Errorf("alias groups not right after Kafka Connect's own groups: %q", got.Groups)
	}
	type entry = struct {
		def   rest.ConfigKeyInfo
		value *string
		rec   []string
		errs  []string
	}
	entries := func(a validateAnswer) (names []string, m map[string]entry) {
		m = map[string]entry{}
		for _, c := range a.Configs {
			if c.Definition == nil || c.Definition.Group == nil || !isAliasGroup(*c.Definition.Group) {
				continue
			}
			names = append(names, c.Value.Name)
			m[c.Value.Name] = entry{*c.Definition, c.Value.Value, c.Value.Recommended, c.Value.Errors}
		}
		return names, m
	}
	gotNames, gotM := entries(got)
	wantNames, wantM := entries(want)
	if !slices.Equal(gotNames, wantNames) {
		t.Errorf("keys\n sluice  %q\n Connect %q", gotNames, wantNames)
	}
	str := func(p *string) string {
		if p == nil {
			return "null"
		}
		return fmt.Sprintf("%q", *p)
	}
	for _, k := range wantNames {
		g, ok := gotM[k]
		if !ok {
			continue
		}
		w := wantM[k]
		for _, d := range keyInfoDiffs(g.def, w.def) {
			t.Errorf("key %s: %s", k, d)
		}
		wantValue := str(w.value)
		if c, ok := substituted[k]; ok {
			wantValue = fmt.Sprintf("%q", c)
		}
		if str(g.value) != wantValue {
			t.Errorf("key %s: value = %s, Connect %s", k, str(g.value), wantValue)
		}
		if (len(g.errs) == 0) != (len(w.errs) == 0) {
			t.Errorf("key %s: errors %q, Connect %q", k, g.errs, w.errs)
		}
		for _, r := range g.rec {
			if !slices.Contains(w.rec, r) && !strings.HasPrefix(r, copyPrefix) {
				t.Errorf("key %s: recommends %q, which Connect does not (it recommends %d values)", k, r, len(w.rec))
			}
		}
	}
}

// countFramework counts Kafka Connect's own groups of a validate answer.
func countFramework(groups []string) int {
	n := 0
	for _, g := range groups {
		if slices.Contains([]string{"Common", "Transforms", "Predicates", "Error Handling", "Topic Creation", "Exactly Once Support", "offsets.topic"}, g) {
			n++
		}
	}
	return n
}
