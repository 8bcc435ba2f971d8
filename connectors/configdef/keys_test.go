package configdef_test

import (
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
	cd "github.com/sluicecdc/sluice/connectors/configdef"
)

// TestSharedKeys checks that the shared definitions say the defaults the
// parsers apply, and place a key where the caller says.
func TestSharedKeys(t *testing.T) {
	defaults := map[string]string{}
	for _, k := range cd.HeartbeatTopics() {
		if k.Default != nil {
			defaults[k.Name] = *k.Default
		}
	}
	if got := defaults["topic.heartbeat.prefix"]; got != change.DefaultHeartbeatPrefix {
		t.Errorf("topic.heartbeat.prefix default %q, want change.DefaultHeartbeatPrefix %q", got, change.DefaultHeartbeatPrefix)
	}
	if _, ok := defaults["topic.heartbeat.name"]; ok {
		t.Error("topic.heartbeat.name has a default; it has none (null)")
	}
	if k := cd.TombstonesOnDelete(); *k.Default != "true" {
		t.Errorf("tombstones.on.delete default %q; the sources' is true", *k.Default)
	}
	// skipped.operations' default is Parser.Skipped's when the key is missing.
	k := cd.SkippedOperations("G", 9)
	want := cd.NewParser(nil, nil).Skipped()
	got := cd.NewParser(map[string]string{"skipped.operations": *k.Default}, nil).Skipped()
	if len(got) != len(want) || !got['t'] || k.Group != "G" || k.Order != 9 {
		t.Errorf("skipped.operations: default %q gives %v, want %v; placed %s/%d, want G/9", *k.Default, got, want, k.Group, k.Order)
	}
}
