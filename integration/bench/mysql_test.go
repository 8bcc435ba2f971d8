package main

import (
	"slices"
	"strings"
	"testing"
)

func TestMergeReport(t *testing.T) {
	legacy := "# Benchmarks\n\nMeasured PG.\n\n| a |\n"
	got := mergeReport(legacy, "mysql", "## MySQL (MariaDB 10.11)\n\nMeasured MY.\n")
	if !strings.HasPrefix(got, "# Benchmarks\n") || strings.Count(got, "# Benchmarks") != 1 {
		t.Errorf("heading: %q", got)
	}
	pg := strings.Index(got, "Measured PG.")
	my := strings.Index(got, "Measured MY.")
	if pg < 0 || my < 0 || pg > my {
		t.Fatalf("a legacy file's content must become the postgres section, before mysql's: %q", got)
	}
	// A new postgres section replaces the old and keeps mysql's.
	again := mergeReport(got, "postgres", "## PostgreSQL\n\nMeasured PG2.\n")
	if strings.Contains(again, "Measured PG.") || !strings.Contains(again, "Measured PG2.") || !strings.Contains(again, "Measured MY.") {
		t.Errorf("replace postgres: %q", again)
	}
	if strings.Index(again, "Measured PG2.") > strings.Index(again, "Measured MY.") {
		t.Errorf("postgres must stay first: %q", again)
	}
	// Idempotent.
	if mergeReport(again, "postgres", "## PostgreSQL\n\nMeasured PG2.\n") != again {
		t.Error("merging the same section twice changed the file")
	}
	// An empty file gets just the one section.
	only := mergeReport("", "mysql", "## MySQL\n\nX\n")
	if strings.Contains(only, sectionBegin("postgres")) || !strings.Contains(only, sectionBegin("mysql")) {
		t.Errorf("empty file: %q", only)
	}
}

func TestFilesBetween(t *testing.T) {
	all := []string{"b.000001", "b.000002", "b.000003", "b.000004"}
	got, err := filesBetween(all, "b.000002", "b.000003")
	if err != nil || !slices.Equal(got, []string{"b.000002", "b.000003"}) {
		t.Errorf("2..3 = %v, %v", got, err)
	}
	got, err = filesBetween(all, "b.000004", "b.000004")
	if err != nil || !slices.Equal(got, []string{"b.000004"}) {
		t.Errorf("4..4 = %v, %v", got, err)
	}
	if _, err := filesBetween(all, "b.000003", "b.000002"); err == nil {
		t.Error("reversed range passed")
	}
	if _, err := filesBetween(all, "b.000001", "b.000009"); err == nil {
		t.Error("missing last file passed")
	}
}

func TestPastEnd(t *testing.T) {
	cases := []struct {
		file string
		pos  uint32
		want bool
	}{
		{"b.000002", 100, true}, {"b.000002", 99, false}, {"b.000002", 500, true},
		{"b.000001", 1 << 30, false}, {"b.000003", 4, true},
	}
	for _, c := range cases {
		if got := pastEnd(c.file, c.pos, "b.000002", 100); got != c.want {
			t.Errorf("pastEnd(%s, %d) = %v", c.file, c.pos, got)
		}
	}
}

func TestMariadbBinlogArgs(t *testing.T) {
	p := myParams{Host: "127.0.0.1", Port: "53306", User: "root", Password: "root"}
	args := mariadbBinlogArgs(p, "/tmp/x", []string{"b.000002", "b.000003"},
		binlogPos{File: "b.000002", Pos: 345}, binlogPos{File: "b.000003", Pos: 678}, 7)
	s := strings.Join(args, " ")
	for _, want := range []string{"--read-from-remote-server --raw", "--start-position=345", "--stop-position=678",
		"--result-file=/tmp/x/", "--port 53306", "--stop-never-slave-server-id=7"} {
		if !strings.Contains(s, want) {
			t.Errorf("args %q lack %q", s, want)
		}
	}
	if !strings.HasSuffix(s, " b.000002 b.000003") {
		t.Errorf("files must come last, in order: %q", s)
	}
}

func TestColumnsPerSource(t *testing.T) {
	pg := &bench{o: options{source: "postgres"}}
	my := &bench{o: options{source: "mysql"}}
	if c := pg.columns(pg.drainLayout()); c[1] != toolRecv || c[2] != toolReader {
		t.Errorf("postgres columns %v", c)
	}
	if c := my.columns(my.drainLayout()); c[1] != toolMyBinlog || c[2] != toolMyReader {
		t.Errorf("mysql columns %v", c)
	}
	if !slices.Contains(my.tools(false), toolMyReader) || slices.Contains(my.tools(false), toolRecv) {
		t.Errorf("mysql tools %v", my.tools(false))
	}
}

func TestMyConnectorConfig(t *testing.T) {
	fx := &myFixture{Name: "sluice_bench_x", Table: "sluice_bench_x.rows"}
	cfg := myConnectorConfig(myParams{Host: "127.0.0.1", Port: "53306", User: "root", Password: "root"}, "pfx", fx, 42)
	if cfg["database.server.id"] != "42" || cfg["table.include.list"] != "sluice_bench_x.rows" || cfg["snapshot.mode"] != "no_data" {
		t.Errorf("config %v", cfg)
	}
}
