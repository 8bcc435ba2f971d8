//go:build integration

package compat

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// pluginsTestdata holds the real Connect's answers the unit tests of
// cmd/sluice compare sluice's with (see its README).
const pluginsTestdata = "../../cmd/sluice/testdata/plugins/"

// TestPluginsSideBySide asks the real Kafka Connect and a sluice daemon the
// same plugin questions: the saved listing is still the real one; each
// transform and predicate class sluice lists has the same GET …/config on
// both; and validate of a Debezium PostgreSQL config with transforms
// (ExtractNewRecordState when sluice has it, and a class neither has) lists
// the same "Transforms: <alias>" keys, definitions and values on both, with
// an error on the same keys.
func TestPluginsSideBySide(t *testing.T) {
	dbz := needConnect(t)
	slc := startDaemon(t).restClient

	get := func(c restClient, path string, v any) int {
		t.Helper()
		code, body, err := c.do("GET", path, nil)
		if err != nil {
			t.Fatalf("%s: GET %s: %v", c.what, path, err)
		}
		if code == 200 {
			if err := json.Unmarshal(body, v); err != nil {
				t.Fatalf("%s: GET %s: %v: %s", c.what, path, err, body)
			}
		}
		return code
	}

	// The saved listing is the live one.
	var live, saved, ours []map[string]any
	get(dbz, "/connector-plugins?connectorsOnly=false", &live)
	b, err := os.ReadFile(pluginsTestdata + "connector-plugins.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &saved); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(live, saved) {
		t.Errorf("%sconnector-plugins.json is not what Kafka Connect lists now; run save-plugins.py there", pluginsTestdata)
	}

	// Each transform and predicate sluice lists: the same keys on both.
	get(slc, "/connector-plugins?connectorsOnly=false", &ours)
	realClasses := map[string]bool{}
	for _, p := range live {
		realClasses[p["class"].(string)] = true
	}
	n := 0
	for _, p := range ours {
		class := p["class"].(string)
		if typ := p["type"]; typ != "transformation" && typ != "predicate" || !realClasses[class] {
			continue
		}
		n++
		path := "/connector-plugins/" + strings.ReplaceAll(class, "$", "%24") + "/config"
		var want, got []map[string]any
		get(dbz, path, &want)
		if code := get(slc, path, &got); code != 200 {
			t.Errorf("sluice: GET %s: %d", path, code)
			continue
		}
		for _, d := range keyDiffs(got, want) {
			t.Errorf("%s: %s", class, d)
		}
	}
	t.Logf("%d transform and predicate classes compared", n)

	// validate with transforms.
	base := map[string]string{
		"connector.class": "io.debezium.connector.postgresql.PostgresConnector", "name": uniq("tfplugins"),
		"database.hostname": "127.0.0.1", "database.port": pgPort(t), "database.user": "postgres",
		"database.password": "postgres", "database.dbname": "sluice_test", "topic.prefix": uniq("tfpv"), "plugin.name": "pgoutput",
	}
	cases := map[string]map[string]string{
		"unknown class": {"transforms": "unwrap", "transforms.unwrap.type": "io.debezium.transforms.NoSuchTransform"},
		"no type":       {"transforms": "unwrap"},
	}
	if slices.ContainsFunc(ours, func(p map[string]any) bool { return p["class"] == "io.debezium.transforms.ExtractNewRecordState" }) {
		cases["ExtractNewRecordState"] = map[string]string{"transforms": "unwrap",
			"transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState", "transforms.unwrap.add.fields": " op , table",
			"transforms.unwrap.drop.fields.from.key": "maybe"}
	} else {
		t.Log("sluice has no io.debezium.transforms.ExtractNewRecordState: its validate is not compared")
	}
	for name, extra := range cases {
		cfg := map[string]string{}
		for k, v := range base {
			cfg[k] = v
		}
		for k, v := range extra {
			cfg[k] = v
		}
		want := aliasEntries(t, dbz, cfg)
		got := aliasEntries(t, slc, cfg)
		var wantNames, gotNames []string
		for _, e := range want {
			wantNames = append(wantNames, e.name)
		}
		for _, e := range got {
			gotNames = append(gotNames, e.name)
		}
		if !slices.Equal(gotNames, wantNames) {
			t.Errorf("%s: keys\n sluice  %q\n Connect %q", name, gotNames, wantNames)
		}
		for _, w := range want {
			i := slices.IndexFunc(got, func(g aliasEntry) bool { return g.name == w.name })
			if i < 0 {
				continue
			}
			g := got[i]
			for _, d := range keyDiffs([]map[string]any{g.def}, []map[string]any{w.def}) {
				t.Errorf("%s: %s", name, d)
			}
			if fmt.Sprint(g.value) != fmt.Sprint(w.value) {
				t.Errorf("%s: key %s: value %v, Connect %v", name, w.name, g.value, w.value)
			}
			if (len(g.errors) == 0) != (len(w.errors) == 0) {
				t.Errorf("%s: key %s: errors %q, Connect %q", name, w.name, g.errors, w.errors)
			}
		}
	}
}

// aliasEntry is one key of a validate answer's alias groups.
type aliasEntry struct {
	name   string
	def    map[string]any
	value  any
	errors []string
}

// aliasEntries validates cfg and returns the keys of its "Transforms: …"
// and "Predicates: …" groups, in order.
func aliasEntries(t *testing.T, c restClient, cfg map[string]string) []aliasEntry {
	t.Helper()
	code, body, err := c.do("PUT", "/connector-plugins/"+cfg["connector.class"]+"/config/validate", cfg)
	if err != nil || code != 200 {
		t.Fatalf("%s: validate: %d %s %v", c.what, code, body, err)
	}
	var ans struct {
		Configs []struct {
			Definition map[string]any `json:"definition"`
			Value      struct {
				Name   string   `json:"name"`
				Value  any      `json:"value"`
				Errors []string `json:"errors"`
			} `json:"value"`
		} `json:"configs"`
	}
	if err := json.Unmarshal(body, &ans); err != nil {
		t.Fatalf("%s: validate: %v", c.what, err)
	}
	var out []aliasEntry
	for _, e := range ans.Configs {
		g, _ := e.Definition["group"].(string)
		if strings.HasPrefix(g, "Transforms: ") || strings.HasPrefix(g, "Predicates: ") {
			out = append(out, aliasEntry{e.Value.Name, e.Definition, e.Value.Value, e.Value.Errors})
		}
	}
	return out
}

// keyDiffs lists the differences between two lists of key definitions:
// the names in order, then each field of each key, with both values.
func keyDiffs(got, want []map[string]any) []string {
	var out []string
	names := func(ks []map[string]any) (n []string) {
		for _, k := range ks {
			n = append(n, fmt.Sprint(k["name"]))
		}
		return n
	}
	if !slices.Equal(names(got), names(want)) {
		out = append(out, fmt.Sprintf("keys\n sluice  %q\n Connect %q", names(got), names(want)))
	}
	for _, w := range want {
		i := slices.IndexFunc(got, func(g map[string]any) bool { return g["name"] == w["name"] })
		if i < 0 {
			continue
		}
		for _, f := range []string{"type", "required", "default_value", "importance", "documentation", "group", "order_in_group", "width", "display_name", "dependents"} {
			if !reflect.DeepEqual(got[i][f], w[f]) {
				out = append(out, fmt.Sprintf("key %s: %s = %v, Connect %v", w["name"], f, got[i][f], w[f]))
			}
		}
	}
	return out
}
