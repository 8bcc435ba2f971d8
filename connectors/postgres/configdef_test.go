package postgres

import (
	"testing"

	cd "github.com/sluicecdc/sluice/connectors/configdef"
)

// pendingKeys are defined before ConfigKeys takes them (other work adds
// them); the runtime lists a definition only for a key the plugin takes.
var pendingKeys = []string{}

func TestConfigDefsDescribeConfigKeys(t *testing.T) {
	// Keys added to ConfigKeys later are listed as plain STRINGs until they
	// get a definition; today every key has one.
	for _, p := range cd.Check(ConfigKeys, ConfigDefs, pendingKeys) {
		t.Error(p)
	}
}
