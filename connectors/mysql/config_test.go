package mysql

import (
	"strings"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
)

func baseConfig() map[string]string {
	return map[string]string{
		"connector.class":    MariaDBClass,
		"database.hostname":  "127.0.0.1",
		"database.port":      "53306",
		"database.user":      "sluice",
		"database.password":  "secret",
		"database.server.id": "5400",
		"topic.prefix":       "inv",
	}
}

func TestParseConfigDefaults(t *testing.T) {
	c, err := ParseConfig("c1", baseConfig())
	if err != nil {
		t.Fatal(err)
	}
	if !c.MariaDB || c.Flavor() != "mariadb" || c.Port != 53306 || c.ServerID != 5400 || c.Addr() != "127.0.0.1:53306" {
		t.Fatalf("connection: %+v", c)
	}
	if c.SnapshotMode != SnapshotInitial || c.SnapshotLocking != LockingMinimal || c.SnapshotFetchSize != 10240 {
		t.Fatalf("snapshot defaults: %+v", c)
	}
	if !c.IncludeSchemaChanges || !c.TombstonesOnDelete || !c.Skipped['t'] || c.Skipped['c'] {
		t.Fatalf("event defaults: %+v", c)
	}
	if c.Types.DecimalMode != "precise" || c.Types.TimeMode != "adaptive_time_microseconds" || c.Types.BinaryMode != "bytes" || c.Types.BigintUnsignedMode != "long" {
		t.Fatalf("type defaults: %+v", c.Types)
	}
}

func TestParseConfigClasses(t *testing.T) {
	for class, maria := range map[string]bool{MySQLClass: false, "mysql": false, MariaDBClass: true, "mariadb": true, "MariaDB": true} {
		m := baseConfig()
		m["connector.class"] = class
		c, err := ParseConfig("c", m)
		if err != nil {
			t.Fatal(err)
		}
		if c.MariaDB != maria {
			t.Errorf("%s: MariaDB=%v", class, c.MariaDB)
		}
		if got := SourceSchema(&c).Logical; maria != strings.Contains(got, "mariadb") {
			t.Errorf("%s: source schema %s", class, got)
		}
	}
}

func TestParseConfigErrors(t *testing.T) {
	m := baseConfig()
	delete(m, "database.hostname")
	delete(m, "database.server.id")
	m["snapshot.mode"] = "schema_only"
	m["snapshot.locking.mode"] = "minimal_percona" // MySQL only, and not honoured
	m["skipped.operations"] = "c,x"
	m["table.include.list"] = "a.b"
	m["table.exclude.list"] = "(["
	m["tombstones.on.delete"] = "maybe"
	m["topic.prefix"] = "bad prefix"
	_, err := ParseConfig("c", m)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"database.hostname", "database.server.id", "snapshot.mode", "snapshot.locking.mode", `operation "x"`,
		"table.exclude.list", "tombstones.on.delete", "topic.prefix"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	m = baseConfig()
	m["database.server.id"] = "0"
	if _, err := ParseConfig("c", m); err == nil || !strings.Contains(err.Error(), "database.server.id") {
		t.Errorf("server id 0: %v", err)
	}
}

func TestCaptures(t *testing.T) {
	m := baseConfig()
	m["database.include.list"] = "shop,inv.*"
	m["table.exclude.list"] = `shop\.secret.*`
	c, err := ParseConfig("c", m)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]bool{
		"shop.orders": true, "SHOP.orders": true, "shop.secrets": false, "inventory.x": true,
		"other.x": false, "mysql.user": false, "shopping.x": false,
	}
	for n, want := range cases {
		db, tb, _ := strings.Cut(n, ".")
		if got := c.Captures(db, tb); got != want {
			t.Errorf("Captures(%s) = %v", n, got)
		}
	}
	m = baseConfig()
	m["table.include.list"] = `shop.orders,shop\.a\d+`
	c, err = ParseConfig("c", m)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.TableIncludeLiterals) != 1 || c.TableIncludeLiterals[0] != "shop.orders" {
		t.Errorf("literals %v", c.TableIncludeLiterals)
	}
	if !c.Captures("shop", "a12") || c.Captures("shop", "b") {
		t.Error("include list")
	}
}

func TestSnapshotOrderFollowsIncludeList(t *testing.T) {
	ids := []change.TableID{{Namespace: "a", Name: "x"}, {Namespace: "b", Name: "orders"}, {Namespace: "b", Name: "people"}, {Namespace: "c", Name: "z"}}
	m := baseConfig()
	m["table.include.list"] = `c\.z,b\..*,a\.x,b\.people`
	cfg, err := ParseConfig("t", m)
	if err != nil {
		t.Fatal(err)
	}
	got := snapshotOrder(ids, cfg.TableInclude)
	want := []string{"c.z", "b.orders", "b.people", "a.x"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	if got := snapshotOrder(ids, nil); got[0].String() != "a.x" || got[3].String() != "c.z" {
		t.Fatalf("without a list: %v", got)
	}
}
