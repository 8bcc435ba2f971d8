package capture

import (
	"strings"
	"testing"

	cd "github.com/sluicecdc/sluice/connectors/configdef"
)

func TestIncConfigParse(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    map[string]string
		want IncConfig
		err  string // a problem's text, "" for none
	}{
		{"defaults", map[string]string{}, IncConfig{Watermarking: WatermarkInsertInsert}, ""},
		{"all set", map[string]string{"read.only": "true", "incremental.snapshot.allow.schema.changes": "TRUE", "incremental.snapshot.watermarking.strategy": "INSERT_DELETE"},
			IncConfig{ReadOnly: true, AllowSchemaChanges: true, Watermarking: WatermarkInsertDelete}, ""},
		{"bad strategy", map[string]string{"incremental.snapshot.watermarking.strategy": "delete_delete"},
			IncConfig{Watermarking: WatermarkInsertInsert}, `incremental.snapshot.watermarking.strategy: unknown value "delete_delete"; use one of insert_insert, insert_delete`},
		{"bad read.only", map[string]string{"read.only": "yes"}, IncConfig{Watermarking: WatermarkInsertInsert}, "read.only"},
		{"bad allow", map[string]string{"incremental.snapshot.allow.schema.changes": "1"}, IncConfig{Watermarking: WatermarkInsertInsert}, "incremental.snapshot.allow.schema.changes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := cd.NewParser(tc.m, nil)
			var c IncConfig
			c.Parse(p)
			err := p.Err()
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("error %v, want one containing %q", err, tc.err)
			}
			if c != tc.want {
				t.Errorf("got %+v, want %+v", c, tc.want)
			}
		})
	}
}

func TestReadOnlyWarnings(t *testing.T) {
	for _, tc := range []struct {
		ro    bool
		query string
		warns int
	}{{false, "", 0}, {false, "INSERT INTO hb VALUES (1)", 0}, {true, "", 0}, {true, "INSERT INTO hb VALUES (1)", 1}} {
		got := IncConfig{ReadOnly: tc.ro}.ReadOnlyWarnings(tc.query)
		if len(got) != tc.warns {
			t.Errorf("read.only=%v query %q: %d warnings, want %d", tc.ro, tc.query, len(got), tc.warns)
		}
		for _, w := range got {
			if !strings.Contains(w, "heartbeat.action.query") {
				t.Errorf("warning %q does not name heartbeat.action.query", w)
			}
		}
	}
}
