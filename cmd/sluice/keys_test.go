package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/format"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/rest"
	"github.com/sluicecdc/sluice/connectors/runtime"
	"github.com/sluicecdc/sluice/internal/logging"
)

var update = flag.Bool("update", false, "rewrite the key appendix of docs/configuration.md")

// invKey is one key (or key family) of the inventory and where it is from.
type invKey struct {
	Key, From string
}

// connectorNames are the inventory's connectors in the appendix's order.
var connectorNames = []string{"postgresql", "mysql", "mariadb"}

// connectPatternRE matches the regexp groups Debezium names its pattern
// keys with in Connect's answer ("column.mask.with.(d+).chars").
var connectPattern = strings.NewReplacer("(d+)", "<N>", "([^.]+)", "<algorithm>", "(.+)", "<salt>")

// readLines returns the non-comment, non-blank lines of a testdata file.
func readLines(t *testing.T, name string) [][]string {
	t.Helper()
	b, err := os.ReadFile("testdata/keys/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, strings.Fields(line))
	}
	return out
}

// inventory lists every key a Debezium config for connector may carry:
// Debezium's keys as the real Kafka Connect lists them (MySQL: the MariaDB
// list), those its documentation adds, Kafka Connect's framework keys and
// the keys Debezium 2.0 removed.
func inventory(t *testing.T, connector string) []invKey {
	t.Helper()
	file := map[string]string{"postgresql": "connect-postgresql.json", "mysql": "connect-mariadb.json", "mariadb": "connect-mariadb.json"}[connector]
	b, err := os.ReadFile("testdata/keys/" + file)
	if err != nil {
		t.Fatal(err)
	}
	var defs []struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(b, &defs); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var out []invKey
	add := func(k, from string) {
		if !seen[k] {
			seen[k] = true
			out = append(out, invKey{k, from})
		}
	}
	for _, l := range readLines(t, "framework.txt") {
		add(l[0], "Kafka Connect")
	}
	for _, d := range defs {
		add(connectPattern.Replace(d.Name), "Debezium")
	}
	for _, l := range readLines(t, "documented.txt") {
		if slices.Contains(strings.Split(l[0], ","), connector) {
			add(l[1], "Debezium docs")
		}
	}
	for _, l := range readLines(t, "removed.txt") {
		add(l[0], "removed in Debezium 2.0")
	}
	slices.SortFunc(out, func(a, b invKey) int { return strings.Compare(a.Key, b.Key) })
	return out
}

var placeholderRE = regexp.MustCompile(`<[^<>]+>`)

// sample returns a concrete key of a key family: placeholders filled in,
// and a key under a prefix ending in ".".
func sample(entry string) string {
	k := placeholderRE.ReplaceAllStringFunc(entry, func(p string) string {
		switch p {
		case "<N>":
			return "12"
		case "<algorithm>":
			return "SHA-256"
		case "<salt>":
			return "CzQMA0cB5K"
		case "<table>":
			return "inventory.customers"
		case "<group>":
			return "compacted"
		case "<config>":
			return "cleanup.policy"
		}
		return "x"
	})
	if strings.HasSuffix(k, ".") {
		k += "some.setting"
	}
	return k
}

func testPlugins() map[string]*runtime.Plugin {
	ps := plugins(logging.New(slog.DiscardHandler, slog.LevelInfo), capture.KafkaClient{})
	out := map[string]*runtime.Plugin{}
	for i := range ps {
		out[ps[i].ConnectorName] = &ps[i]
	}
	return out
}

// TestEveryDebeziumKeyIsAccepted checks that every key of the inventory is
// accepted by its connector class: honoured, or accepted with a reason.
// None is refused.
func TestEveryDebeziumKeyIsAccepted(t *testing.T) {
	ps := testPlugins()
	for _, c := range connectorNames {
		p := ps[c]
		if p == nil {
			t.Fatalf("no plugin for %s", c)
		}
		counts := map[string]int{}
		for _, k := range inventory(t, c) {
			s := sample(k.Key)
			state, reason := p.KeyState(s)
			counts[state]++
			switch state {
			case runtime.KeyUnknown:
				t.Errorf("%s: %s key %q (%s) is not accepted: honour it (Keys, RuntimeKeys) or add it with a reason to the plugin's Unused map", c, k.From, k.Key, s)
			case runtime.KeyRefused:
				t.Errorf("%s: key %q is refused (%s)", c, k.Key, reason)
			}
		}
		t.Logf("%s: %v", c, counts)
		if counts[runtime.KeyHonoured] == 0 || counts[runtime.KeyUnused] == 0 {
			t.Errorf("%s: counts %v: the inventory was not read", c, counts)
		}
	}
}

// TestNoKeyIsHonouredAndUnused checks that a key sluice honours is not also
// listed as unused: honouring a key means deleting it from the Unused map.
// With -update it deletes such entries from the Unused maps' files (for a
// merge of branches that honour keys another branch listed as unused).
func TestNoKeyIsHonouredAndUnused(t *testing.T) {
	stale := map[string]bool{}
	for c, p := range testPlugins() {
		for _, e := range p.UnusedEntries() {
			if s := sample(e); p.Honours(s) {
				stale[e] = true
				t.Logf("%s: %q is honoured and also listed as unused (entry %q): delete it from the Unused map", c, s, e)
			}
		}
		for _, e := range append(slices.Clone(runtime.RuntimeKeys), p.Keys...) {
			if p.ListedUnused(e) {
				stale[e] = true
				t.Logf("%s: %q is honoured and also listed as unused: delete it from the Unused map", c, e)
			}
		}
	}
	if len(stale) == 0 {
		return
	}
	if !*update {
		t.Errorf("%d keys are honoured and also listed as unused (above); delete them from the Unused maps, or run go test ./cmd/sluice -run TestNoKeyIsHonouredAndUnused -update", len(stale))
		return
	}
	for _, path := range unusedMapFiles {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, line := range strings.Split(string(b), "\n") {
			if k, _, ok := strings.Cut(strings.TrimSpace(line), ":"); ok && stale[strings.Trim(k, `"`)] && strings.HasPrefix(k, `"`) {
				continue
			}
			out = append(out, line)
		}
		src, err := format.Source([]byte(strings.Join(out, "\n")))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if err := os.WriteFile(path, src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("deleted %d entries; run go test ./cmd/sluice -run TestConfigurationAppendix -update next", len(stale))
}

// unusedMapFiles are the files that hold the Unused maps.
var unusedMapFiles = []string{"../../connectors/postgres/unused.go", "../../connectors/mysql/unused.go",
	"../../connectors/mysql/config.go", "../../connectors/runtime/keys.go"}

// TestKeyCheckerCatchesFaults checks that the two tests above can fail: a
// key neither honoured nor unused is unknown, and a key in both is seen.
func TestKeyCheckerCatchesFaults(t *testing.T) {
	p := *testPlugins()["postgresql"]
	if s, _ := p.KeyState(sample("column.mask.with.<N>.chars")); s == runtime.KeyUnknown {
		t.Fatalf("a family key is not matched")
	}
	p.Unused = nil
	if s, _ := p.KeyState("converters"); s != runtime.KeyUnknown {
		t.Errorf("without Unused, converters is %s", s)
	}
	p.Unused = map[string]string{"slot.name": "a mistake"}
	if !p.Honours("slot.name") || !p.ListedUnused("slot.name") {
		t.Errorf("a key both honoured and unused is not seen")
	}
}

const (
	appendixBegin = "<!-- keys-appendix:begin (generated by go test ./cmd/sluice -run TestConfigurationAppendix -update) -->"
	appendixEnd   = "<!-- keys-appendix:end -->"
)

// appendix renders the key tables of docs/configuration.md's appendix.
func appendix(t *testing.T) string {
	ps := testPlugins()
	var b strings.Builder
	title := map[string]string{"postgresql": "PostgreSQL (`io.debezium.connector.postgresql.PostgresConnector`, Debezium 3.6)",
		"mysql": "MySQL (`io.debezium.connector.mysql.MySqlConnector`, Debezium 3.6)", "mariadb": "MariaDB (`io.debezium.connector.mariadb.MariaDbConnector`, Debezium 3.5)"}
	for _, c := range connectorNames {
		p := ps[c]
		fmt.Fprintf(&b, "\n#### %s\n\n| key | from | state |\n|---|---|---|\n", title[c])
		for _, k := range inventory(t, c) {
			state, reason := p.KeyState(sample(k.Key))
			cell := state
			if reason != "" {
				cell += ": " + reason
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", k.Key, k.From, strings.ReplaceAll(cell, "|", "\\|"))
		}
	}
	return b.String()
}

// TestConfigurationAppendix checks that docs/configuration.md's appendix
// lists every key of the inventory with its state in this build; -update
// rewrites it.
func TestConfigurationAppendix(t *testing.T) {
	const path = "../../docs/configuration.md"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i, j := strings.Index(doc, appendixBegin), strings.Index(doc, appendixEnd)
	if i < 0 || j < i {
		t.Fatalf("%s has no appendix markers %q ... %q", path, appendixBegin, appendixEnd)
	}
	want := appendix(t)
	got := doc[i+len(appendixBegin) : j]
	if got == want+"\n" {
		return
	}
	if *update {
		doc = doc[:i+len(appendixBegin)] + want + "\n" + doc[j:]
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the key appendix of %s is out of date; run go test ./cmd/sluice -run TestConfigurationAppendix -update", path)
}

// TestCorpusRegistersUnchanged registers each config of the corpus
// (Debezium's tutorial and documentation configs and typical real-world
// ones) unchanged through the REST API, STOPPED so nothing connects, and
// checks that GET …/config returns it as sent and GET …/unused-keys names
// the keys that do nothing, each with a reason.
func TestCorpusRegistersUnchanged(t *testing.T) {
	b, err := os.ReadFile("testdata/keys/corpus.json")
	if err != nil {
		t.Fatal(err)
	}
	var corpus []struct {
		From   string            `json:"from"`
		Config map[string]string `json:"config"`
	}
	if err := json.Unmarshal(b, &corpus); err != nil {
		t.Fatal(err)
	}
	ps := plugins(logging.New(slog.DiscardHandler, slog.LevelInfo), capture.KafkaClient{})
	for i := range ps {
		ps[i].Check = nil // no database here; the integration tests check connections
	}
	sup := runtime.NewSupervisor(runtime.SupervisorOptions{DataDir: t.TempDir(), Plugins: ps})
	srv := httptest.NewServer(rest.NewHandler(sup, rest.Options{}))
	defer srv.Close()
	do := func(method, path string, body any) (int, []byte) {
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
	for _, c := range corpus {
		name := c.Config["name"]
		code, body := do("POST", "/connectors", map[string]any{"name": name, "config": c.Config, "initial_state": "STOPPED"})
		if code != 201 {
			t.Errorf("%s: POST /connectors: %d %s", c.From, code, body)
			continue
		}
		code, body = do("GET", "/connectors/"+name+"/config", nil)
		var got map[string]string
		want := maps.Clone(c.Config)
		// GET config returns the config as stored, as Kafka Connect does.
		if err := json.Unmarshal(body, &got); code != 200 || err != nil || !maps.Equal(got, want) {
			t.Errorf("%s: GET config: %d %s, want %v", c.From, code, body, want)
		}
		code, body = do("GET", "/connectors/"+name+"/unused-keys", nil)
		var unused []rest.UnusedKey
		if err := json.Unmarshal(body, &unused); code != 200 || err != nil {
			t.Fatalf("%s: GET unused-keys: %d %s", c.From, code, body)
		}
		p := ps[slices.IndexFunc(ps, func(p runtime.Plugin) bool { return p.Class == c.Config["connector.class"] })]
		var wantKeys []string
		for k := range c.Config {
			if s, _ := p.KeyState(k); s == runtime.KeyUnused {
				wantKeys = append(wantKeys, k)
			}
		}
		slices.Sort(wantKeys)
		var gotKeys []string
		for _, u := range unused {
			if u.Reason == "" {
				t.Errorf("%s: %s without a reason", c.From, u.Key)
			}
			gotKeys = append(gotKeys, u.Key)
		}
		if !slices.Equal(gotKeys, wantKeys) {
			t.Errorf("%s: unused keys %v, want %v", c.From, gotKeys, wantKeys)
		}
		t.Logf("%s: %d keys, %d accepted without use", name, len(c.Config), len(unused))
		if code, body := do("DELETE", "/connectors/"+name, nil); code != 204 {
			t.Errorf("%s: DELETE: %d %s", c.From, code, body)
		}
	}
}
