package postgres

import (
	"strings"
	"testing"
)

// TestReadOnlyLeavesPublication: with read.only=true sluice creates and
// alters no publication whatever publication.autocreate.mode says, and a
// heartbeat.action.query is warned about at start.
func TestReadOnlyLeavesPublication(t *testing.T) {
	for _, tc := range []struct {
		mode, ro string
		manages  bool
		owner    string
	}{
		{PublicationAllTables, "false", true, "publication.autocreate.mode=disabled"},
		{PublicationFiltered, "false", true, "publication.autocreate.mode=disabled"},
		{PublicationDisabled, "false", false, "publication.autocreate.mode=disabled"},
		{PublicationAllTables, "true", false, "read.only=true"},
		{PublicationFiltered, "true", false, "read.only=true"},
		{PublicationDisabled, "true", false, "read.only=true"},
	} {
		m := baseConfig()
		m["publication.autocreate.mode"], m["read.only"] = tc.mode, tc.ro
		m["heartbeat.interval.ms"], m["heartbeat.action.query"] = "1000", "INSERT INTO hb VALUES (now())"
		c, err := ParseConfig("pg1", m)
		if err != nil {
			t.Fatal(err)
		}
		if c.managesPublication() != tc.manages || c.publicationOwner() != tc.owner {
			t.Errorf("%s read.only=%s: manages %v owner %q, want %v %q", tc.mode, tc.ro, c.managesPublication(), c.publicationOwner(), tc.manages, tc.owner)
		}
		warned := strings.Contains(strings.Join(c.Capture.Warnings, "\n"), "heartbeat.action.query")
		if warned != (tc.ro == "true") {
			t.Errorf("%s read.only=%s: heartbeat.action.query warned %v", tc.mode, tc.ro, warned)
		}
	}
	m := baseConfig()
	m["incremental.snapshot.watermarking.strategy"] = "insert_update"
	if _, err := ParseConfig("pg1", m); err == nil || !strings.Contains(err.Error(), "incremental.snapshot.watermarking.strategy") {
		t.Errorf("a bad watermarking strategy: %v", err)
	}
}
