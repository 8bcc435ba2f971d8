package runtime

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/schema"
)

// TestContextHeadersConfig checks that every run of a connector gives its
// records Debezium's context headers with a new run id, and that
// extended.headers.enabled=false leaves them out.
func TestContextHeadersConfig(t *testing.T) {
	p := testPlugin(&scriptedSource{})
	p.ConnectorName = "postgresql"
	plugins := []Plugin{p}
	table := &change.TableSchema{ID: change.TableID{Namespace: "public", Name: "t"}, Version: 4,
		Columns: []change.Field{{Name: "id", Type: change.Int32}}, Key: []int{0}}
	src := &change.Field{Type: change.Struct, Fields: []change.Field{{Name: "x", Type: change.String, Optional: true}}}
	encode := func(cfg map[string]string) []change.Header {
		t.Helper()
		cc, _, probs := parseConfig(plugins, "c", cfg, slog.New(slog.DiscardHandler))
		if len(probs) > 0 {
			t.Fatalf("problems: %v", probs)
		}
		enc, err := cc.newEncoder(nil, slog.New(slog.DiscardHandler), nil)
		if err != nil {
			t.Fatal(err)
		}
		msgs, err := enc.Encode(nil, &change.Event{Op: change.OpCreate, Table: table, After: change.Row{int32(1)},
			Source: change.StructValue{nil}, SourceSchema: src})
		if err != nil {
			t.Fatal(err)
		}
		return msgs[0].Headers
	}
	cfg := map[string]string{"connector.class": "test", "topic.prefix": "inventory"}
	h1, h2 := encode(cfg), encode(cfg)
	got := map[string]string{}
	for _, h := range h1 {
		got[h.Key] = string(h.Value)
	}
	for k, want := range map[string]string{
		schema.HeaderConnectorLogicalName: "inventory",
		schema.HeaderTaskID:               "0",
		schema.HeaderConnectorName:        "postgresql",
		schema.VersionHeader:              "4",
	} {
		if got[k] != want {
			t.Errorf("header %s = %q, want %q", k, got[k], want)
		}
	}
	if len(h1) != 5 || h1[len(h1)-1].Key != schema.VersionHeader {
		t.Errorf("headers %q: want the four context headers, then the version", h1)
	}
	if r1, r2 := got[schema.HeaderRunID], string(h2[3].Value); len(r1) != 36 || r1 == r2 || h2[3].Key != schema.HeaderRunID {
		t.Errorf("run ids %q and %q: want a new one each run", r1, r2)
	}

	cfg["extended.headers.enabled"] = "false"
	if h := encode(cfg); len(h) != 1 || h[0].Key != schema.VersionHeader {
		t.Errorf("extended.headers.enabled=false: headers %q", h)
	}
	cfg["extended.headers.enabled"] = "maybe"
	if _, _, probs := parseConfig(plugins, "c", cfg, slog.New(slog.DiscardHandler)); !strings.Contains(strings.Join(probs["extended.headers.enabled"], " "), "true or false") {
		t.Errorf("extended.headers.enabled=maybe: problems %v", probs)
	}
}
