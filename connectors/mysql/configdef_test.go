package mysql

import (
	"testing"

	cd "github.com/sluicecdc/sluice/connectors/configdef"
)

// pendingKeys are defined before ConfigKeys takes them (other work adds
// them); the runtime lists a definition only for a key the plugin takes.
var pendingKeys = []string{"schema.history.internal.store.only.captured.tables.ddl", "schema.history.internal.store.only.captured.databases.ddl"}

func TestConfigDefsDescribeConfigKeys(t *testing.T) {
	// Keys added to ConfigKeys later are listed as plain STRINGs until they
	// get a definition; today every key has one.
	for _, mariaDB := range []bool{false, true} {
		for _, p := range cd.Check(ConfigKeys, ConfigDefs(mariaDB), pendingKeys) {
			t.Errorf("MariaDB=%v: %s", mariaDB, p)
		}
	}
	if ConfigDefs(false)[0].Group != "MySQL" || ConfigDefs(true)[0].Group != "MariaDB" {
		t.Errorf("first groups %q, %q; want MySQL and MariaDB", ConfigDefs(false)[0].Group, ConfigDefs(true)[0].Group)
	}
}
