package postgres

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func baseConfig() map[string]string {
	return map[string]string{
		"database.hostname": "db.example",
		"database.user":     "sluice",
		"database.password": "secret",
		"database.dbname":   "inventory",
		"topic.prefix":      "dbserver1",
	}
}

func TestParseConfigDefaults(t *testing.T) {
	c, err := ParseConfig("pg1", baseConfig())
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 5432 || c.SlotName != "debezium" || c.PublicationName != "dbz_publication" ||
		c.PublicationMode != PublicationAllTables || c.SnapshotMode != SnapshotInitial ||
		c.SnapshotFetchSize != 10240 || c.SSLMode != "prefer" || c.StatusInterval != 10*time.Second ||
		!c.TombstonesOnDelete {
		t.Errorf("defaults: %+v", c)
	}
	if !c.Skipped['t'] || c.Skipped['c'] || c.Skipped['u'] || c.Skipped['d'] {
		t.Errorf("skipped.operations default should be t: %v", c.Skipped)
	}
	if c.Types.DecimalMode != "precise" || c.Types.TimeMode != "adaptive" || c.Types.UnavailableValue != "__debezium_unavailable_value" {
		t.Errorf("type defaults: %+v", c.Types)
	}
	dsn := c.DSN()
	if !strings.HasPrefix(dsn, "postgres://sluice:secret@db.example:5432/inventory?") || !strings.Contains(dsn, "sslmode=prefer") {
		t.Errorf("DSN = %s", dsn)
	}
}

func TestParseConfigAllProblemsAtOnce(t *testing.T) {
	m := map[string]string{
		"database.port":               "99999",
		"plugin.name":                 "wal2json",
		"snapshot.mode":               "sometimes",
		"publication.autocreate.mode": "maybe",
		"skipped.operations":          "c,x",
		"decimal.handling.mode":       "exact",
		"table.include.list":          "public.a,(",
		"snapshot.fetch.size":         "zero",
		"tombstones.on.delete":        "yes",
	}
	_, err := ParseConfig("pg1", m)
	if err == nil {
		t.Fatal("no error")
	}
	for _, key := range []string{"database.hostname", "database.user", "database.dbname", "topic.prefix",
		"database.port", "plugin.name", "snapshot.mode", "publication.autocreate.mode", "skipped.operations",
		"decimal.handling.mode", "table.include.list", "snapshot.fetch.size", "tombstones.on.delete"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error does not name %s:\n%v", key, err)
		}
	}
	var multi interface{ Unwrap() []error }
	if !errors.As(err, &multi) {
		t.Errorf("error is not a joined list: %T", err)
	}
}

func TestParseConfigValues(t *testing.T) {
	m := baseConfig()
	m["database.port"] = "6543"
	m["snapshot.mode"] = "NO_DATA" // never was renamed no_data; Debezium 3.6.1 refuses never
	m["skipped.operations"] = "none"
	m["table.include.list"] = `public\.orders,inv.*\.items_\d{1\,3}`
	m["status.update.interval.ms"] = "250"
	m["publication.autocreate.mode"] = "filtered"
	c, err := ParseConfig("pg1", m)
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 6543 || c.SnapshotMode != SnapshotNoData || len(c.Skipped) != 0 || c.StatusInterval != 250*time.Millisecond {
		t.Errorf("%+v", c)
	}
	for _, tc := range []struct {
		schema, table string
		want          bool
	}{
		{"public", "orders", true},
		{"PUBLIC", "Orders", true}, // Debezium matches case-insensitively
		{"public", "orders2", false},
		{"inventory", "items_12", true},
		{"inventory", "items_1234", false},
		{"pg_catalog", "pg_class", false},
	} {
		if got := c.Captures(tc.schema, tc.table); got != tc.want {
			t.Errorf("Captures(%s.%s) = %v", tc.schema, tc.table, got)
		}
	}
}

func TestParseConfigListsAndLiterals(t *testing.T) {
	m := baseConfig()
	m["table.include.list"] = "public.customers, public.ord.*, inventory.items"
	c, err := ParseConfig("pg1", m)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.TableIncludeLiterals, []string{"public.customers", "inventory.items"}) {
		t.Errorf("literals = %v", c.TableIncludeLiterals)
	}
	m["table.exclude.list"] = "public.x"
	if _, err := ParseConfig("pg1", m); err == nil || !strings.Contains(err.Error(), "table.exclude.list") {
		t.Errorf("include and exclude together: %v", err)
	}
	m = baseConfig()
	m["table.exclude.list"] = "public.audit_.*"
	m["schema.exclude.list"] = "staging"
	c, err = ParseConfig("pg1", m)
	if err != nil {
		t.Fatal(err)
	}
	if c.Captures("public", "audit_log") || c.Captures("staging", "t") || !c.Captures("public", "t") {
		t.Error("exclude lists not applied")
	}
}

func TestConfigKeysCoverParsedKeys(t *testing.T) {
	for _, k := range []string{"database.hostname", "database.password", "slot.name", "snapshot.mode", "table.include.list", "status.update.interval.ms"} {
		if !slices.Contains(ConfigKeys, k) {
			t.Errorf("ConfigKeys lacks %s", k)
		}
	}
	for _, k := range PasswordKeys {
		if !slices.Contains(ConfigKeys, k) {
			t.Errorf("password key %s not in ConfigKeys", k)
		}
	}
}
