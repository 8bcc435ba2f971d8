package asyncapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	checker "github.com/sluicecdc/sluice/integration/asyncapi"
)

// createRecord is a Debezium create event of testChannel's table, every
// column set, as the JsonConverter writes it without schemas.
const createRecord = `{
  "before": null,
  "after": {"id": 42, "small": -7, "big": 9000000000000000001, "ratio": 2.25, "ok": false,
    "name": "widget \"deluxe\" ü", "raw": "3q2+7w==", "price": "AYag", "at": "2026-12-03T17:00:00.5Z",
    "ts": 1764781200500000, "d": 20790, "tag": "0b7c1a52-6f0e-4c1d-8a55-2d9f3e6b7c10", "size": "L",
    "tags": ["red", null, "blue"], "attrs": {"w": 3, "h": -1}},
  "source": {"db": "inventory", "lsn": 24023128},
  "transaction": null,
  "op": "c",
  "ts_ms": 1764781200512,
  "ts_us": 1764781200512345,
  "ts_ns": 1764781200512345678
}`

// TestGoModels generates Go types from a document with Modelina (as a
// consumer team would; integration/asyncapi, it needs Node.js), compiles
// them with go vet in a module of their own, and decodes records into the
// envelope type: a hand-written create event and the channel's example,
// each unknown field refused, and each must marshal back to the same JSON.
func TestGoModels(t *testing.T) {
	goVersion := mainGoVersion(t)
	ch := testChannel()
	c := Connector{Name: "inv", Class: "io.debezium.connector.postgresql.PostgresConnector", Source: "PostgreSQL database app on db:5432",
		Generation: 1, Channels: []Channel{ch}}
	doc, err := Document("1.0.0", Server{Hosts: []string{"127.0.0.1:9092"}}, c)
	if err != nil {
		t.Fatal(err)
	}
	j, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	msg := doc["channels"].(map[string]any)[ch.Topic].(map[string]any)["messages"].(map[string]any)["record"].(map[string]any)
	example, err := json.Marshal(msg["examples"].([]any)[0].(map[string]any)["payload"])
	if err != nil {
		t.Fatal(err)
	}

	mod := t.TempDir()
	start := time.Now()
	models := checker.GenerateGo(t, j, mod, "models")
	t.Logf("Modelina: %d models in %v: %s", len(models), time.Since(start).Round(time.Millisecond), strings.Join(models, ", "))
	if len(models) == 0 {
		t.Fatal("Modelina generated no model")
	}
	envelope := envelopeType(t, mod)
	t.Logf("envelope type %s", envelope)

	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module models\n\ngo "+goVersion+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	test := fmt.Sprintf(decodeTest, envelope, "`"+createRecord+"`", "`"+string(example)+"`")
	if err := os.WriteFile(filepath.Join(mod, "decode_test.go"), []byte(test), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"vet", "./..."}, {"test", "-count=1", "-v", "./..."}} {
		start := time.Now()
		cmd := exec.CommandContext(t.Context(), "go", args...)
		cmd.Dir = mod
		// No dependencies: nothing to download, so no proxy.
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOPROXY=off", "GOTOOLCHAIN=local")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s in the generated module: %v\n%s\n%s", strings.Join(args, " "), err, out, sources(mod))
		}
		t.Logf("go %s: %v\n%s", args[0], time.Since(start).Round(time.Millisecond), out)
	}
}

// decodeTest is the test written into the generated module: %[1]s is the
// envelope type, %[2]s and %[3]s the records as Go raw strings.
const decodeTest = `package models

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

func TestDecode(t *testing.T) {
	for _, record := range []string{%[2]s, %[3]s} {
		dec := json.NewDecoder(bytes.NewReader([]byte(record)))
		dec.DisallowUnknownFields()
		var e %[1]s
		if err := dec.Decode(&e); err != nil {
			t.Fatalf("decode: %%v\n%%s", err, record)
		}
		if e.Before != nil || e.After == nil || e.Op != "c" {
			t.Fatalf("decoded %%+v", e)
		}
		var in map[string]any
		if err := unmarshal([]byte(record), &in); err != nil {
			t.Fatal(err)
		}
		if e.After.Name != in["after"].(map[string]any)["name"] {
			t.Errorf("after.name %%q, want %%q", e.After.Name, in["after"].(map[string]any)["name"])
		}
		again, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		if err := unmarshal(again, &out); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(in, out) {
			t.Errorf("the record does not round-trip:\n in %%s\nout %%s", record, again)
		}
		t.Logf("after.name %%q, round-trips", e.After.Name)
	}
}

func unmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}
`

// envelopeType returns the name of the generated struct with fields Before,
// After and Op: Modelina names models after the schemas' titles.
func envelopeType(t *testing.T, dir string) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go file generated in %s (%v)", dir, err)
	}
	structs := regexp.MustCompile(`(?ms)^type (\w+) struct \{\n(.*?)^\}`)
	var found []string
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range structs.FindAllSubmatch(src, -1) {
			fields := map[string]bool{}
			for _, line := range strings.Split(string(m[2]), "\n") {
				if f := strings.Fields(line); len(f) > 0 {
					fields[f[0]] = true
				}
			}
			if fields["Before"] && fields["After"] && fields["Op"] {
				found = append(found, string(m[1]))
			}
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one struct with fields Before, After and Op, found %v\n%s", found, sources(dir))
	}
	return found[0]
}

// mainGoVersion returns the go line of sluice's go.mod.
func mainGoVersion(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(b)
	if m == nil {
		t.Fatal("no go line in go.mod")
	}
	return string(m[1])
}

// sources returns the generated Go files, for a failure message.
func sources(dir string) string {
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	var b bytes.Buffer
	for _, f := range files {
		src, _ := os.ReadFile(f)
		fmt.Fprintf(&b, "=== %s\n%s\n", filepath.Base(f), src)
	}
	return b.String()
}
