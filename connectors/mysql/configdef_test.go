package mysql

import (
	"slices"
	"strings"
	"testing"
)

// pendingKeys are defined before ConfigKeys takes them (other work adds
// them); the runtime lists a definition only for a key the plugin takes.
var pendingKeys = []string{"schema.history.internal.store.only.captured.tables.ddl", "schema.history.internal.store.only.captured.databases.ddl"}

func TestConfigDefsDescribeConfigKeys(t *testing.T) {
	for _, mariaDB := range []bool{false, true} {
		testConfigDefs(t, mariaDB)
	}
	if ConfigDefs(false)[0].Group != "MySQL" || ConfigDefs(true)[0].Group != "MariaDB" {
		t.Errorf("first groups %q, %q; want MySQL and MariaDB", ConfigDefs(false)[0].Group, ConfigDefs(true)[0].Group)
	}
}

func testConfigDefs(t *testing.T, mariaDB bool) {
	seen := map[string]bool{}
	for _, d := range ConfigDefs(mariaDB) {
		if !slices.Contains(ConfigKeys, d.Name) && !slices.Contains(pendingKeys, d.Name) && family(d.Name) == "" {
			t.Errorf("definition of %s, which is not in ConfigKeys", d.Name)
		}
		if seen[d.Name] {
			t.Errorf("%s defined twice", d.Name)
		}
		seen[d.Name] = true
		if d.Type == "" || d.Importance == "" || d.Group == "" || d.Order < 1 || d.Width == "" || d.Display == "" || d.Doc == "" {
			t.Errorf("definition of %s is incomplete: %+v", d.Name, d)
		}
	}
	// Keys added to ConfigKeys later are listed as plain STRINGs until they
	// get a definition; today every key has one.
	for _, k := range ConfigKeys {
		if !seen[k] && !strings.HasSuffix(k, ".") { // a family of keys has no definition
			t.Errorf("%s has no definition in ConfigDefs", k)
		}
	}
}

// family returns the ConfigKeys entry ending in "." that name begins (a
// family of keys such as column.mask.with.<N>.chars, defined under
// Debezium's pattern name), or "".
func family(name string) string {
	for _, k := range ConfigKeys {
		if strings.HasSuffix(k, ".") && strings.HasPrefix(name, k) {
			return k
		}
	}
	return ""
}
