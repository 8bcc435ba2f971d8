package mysql

import (
	"math"
	"strings"
	"testing"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
)

func TestBinlogOrder(t *testing.T) {
	a := binlogPos{"mysql-bin.000003", 154}
	b := binlogPos{"mysql-bin.000003", 4000}
	c := binlogPos{"mysql-bin.000010", 4}
	oa, err := a.order()
	if err != nil {
		t.Fatal(err)
	}
	if !(oa < orderOf(b) && orderOf(b) < orderOf(c)) {
		t.Fatalf("order: %d %d %d", oa, orderOf(b), orderOf(c))
	}
	if oa != 3<<32|154 {
		t.Fatalf("order %d", oa)
	}
	if _, err := (binlogPos{"nodot", 4}).order(); err == nil {
		t.Error("no extension accepted")
	}
	if _, err := fileSeq("bin."); err == nil {
		t.Error("empty extension accepted")
	}
}

func TestGTIDSetMariaDB(t *testing.T) {
	g, err := parseGTIDSet("mariadb", "0-1-5,1-2-7")
	if err != nil {
		t.Fatal(err)
	}
	before := g.clone()
	if err := g.add("0-1-6"); err != nil {
		t.Fatal(err)
	}
	if err := g.add("2-3-1"); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"0-1-6": true, "1-2-7": true, "2-3-1": true}
	for _, p := range strings.Split(g.String(), ",") {
		if !want[p] {
			t.Errorf("unexpected %q in %q", p, g.String())
		}
		delete(want, p)
	}
	if len(want) != 0 {
		t.Errorf("missing %v in %q", want, g.String())
	}
	if !g.contains("0-1-6") || before.contains("0-1-6") {
		t.Errorf("contains: after %q before %q", g, before)
	}
	if before.String() == g.String() {
		t.Error("clone shares state")
	}
	if _, err := parseGTIDSet("mariadb", "0-1"); err == nil {
		t.Error("malformed MariaDB GTID accepted")
	}
	empty, err := parseGTIDSet("mariadb", "")
	if err != nil || empty.String() != "" {
		t.Fatalf("empty set: %q %v", empty, err)
	}
	if err := empty.add("0-1-1"); err != nil || empty.String() != "0-1-1" {
		t.Fatalf("add to empty: %q %v", empty, err)
	}
}

func TestGTIDSetMySQL(t *testing.T) {
	const u = "3e11fa47-71ca-11e1-9e33-c80aa9429562"
	g, err := parseGTIDSet("mysql", u+":1-23")
	if err != nil {
		t.Fatal(err)
	}
	if err := g.add(u + ":24"); err != nil {
		t.Fatal(err)
	}
	if got := g.String(); got != u+":1-24" {
		t.Fatalf("after add: %q", got)
	}
	if err := g.add(u + ":30"); err != nil {
		t.Fatal(err)
	}
	if got := g.String(); got != u+":1-24:30" {
		t.Fatalf("gap: %q", got)
	}
	if !g.contains(u+":30") || g.contains(u+":25") {
		t.Error("contains")
	}
	if _, err := parseGTIDSet("mysql", "not-a-uuid:1"); err == nil {
		t.Error("malformed MySQL GTID set accepted")
	}
}

func TestMySQLGTIDFormat(t *testing.T) {
	sid := []byte{0x3e, 0x11, 0xfa, 0x47, 0x71, 0xca, 0x11, 0xe1, 0x9e, 0x33, 0xc8, 0x0a, 0xa9, 0x42, 0x95, 0x62}
	if got := mysqlGTID(sid, 23); got != "3e11fa47-71ca-11e1-9e33-c80aa9429562:23" {
		t.Errorf("gtid %q", got)
	}
	if got := mysqlGTID(make([]byte, 16), 0); got != "" {
		t.Errorf("anonymous gtid %q", got)
	}
}

func TestRestartPointString(t *testing.T) {
	r := restartPoint{binlogPos: binlogPos{"b.000001", 4}}
	if r.String() != "file b.000001 position 4" {
		t.Error(r.String())
	}
	r.GTIDs = "0-1-2"
	if r.String() != `GTID set "0-1-2" (binlog b.000001:4)` {
		t.Error(r.String())
	}
}

func TestMariadbGTIDFormat(t *testing.T) {
	for _, g := range []gomysql.MariadbGTID{
		{}, {DomainID: 0, ServerID: 1, SequenceNumber: 6}, {DomainID: 3, ServerID: 0, SequenceNumber: 0},
		{DomainID: math.MaxUint32, ServerID: math.MaxUint32, SequenceNumber: math.MaxUint64},
	} {
		if got, want := mariadbGTID(g), g.String(); got != want {
			t.Errorf("mariadbGTID(%+v) = %q, go-mysql %q", g, got, want)
		}
	}
}

func TestGTIDSetAddMariadbAsText(t *testing.T) {
	byText, _ := parseGTIDSet("mariadb", "0-1-5,1-2-7")
	byID, _ := parseGTIDSet("mariadb", "0-1-5,1-2-7")
	for _, g := range []gomysql.MariadbGTID{{DomainID: 0, ServerID: 1, SequenceNumber: 6}, {DomainID: 2, ServerID: 3, SequenceNumber: 1}, {DomainID: 0, ServerID: 4, SequenceNumber: 9}} {
		_ = byID.String() // cached before the add: the add must drop it
		if err := byText.add(g.String()); err != nil {
			t.Fatal(err)
		}
		if err := byID.addMariadb(g); err != nil {
			t.Fatal(err)
		}
		if byText.String() != byID.String() || byID.String() != byID.set.String() {
			t.Fatalf("after %v: by text %q, by id %q (set %q)", g, byText, byID, byID.set.String())
		}
	}
}
