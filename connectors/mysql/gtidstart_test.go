package mysql

import "testing"

// A MariaDB executed set with two servers in one domain starts the dump from
// that domain's newest GTID only: MariaDB refuses two GTIDs of one domain.
func TestDumpStartKeepsOneGTIDPerDomain(t *testing.T) {
	g, err := parseGTIDSet("mariadb", "0-1-54706,0-4242-54686,1-7-3")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := g.dumpStart().String(), "0-1-54706,1-7-3"; got != want {
		t.Fatalf("dump start %q, want %q", got, want)
	}
	if got := g.String(); got != "0-1-54706,0-4242-54686,1-7-3" {
		t.Fatalf("the executed set itself changed: %q", got)
	}
	g, err = parseGTIDSet("mariadb", "0-4242-9,0-1-8")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := g.dumpStart().String(), "0-4242-9"; got != want {
		t.Fatalf("dump start %q, want %q", got, want)
	}
	m, err := parseGTIDSet("mysql", "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5")
	if err != nil {
		t.Fatal(err)
	}
	if got := m.dumpStart().String(); got != m.String() {
		t.Fatalf("a MySQL set changed: %q", got)
	}
}
