package main

import (
	"strings"
	"testing"
)

// A run of only some scenarios (-only) replaces its subsection of the
// source's section and keeps the rest: the other scenarios' tables, the
// method, the other sources' sections.
func TestMergeSubsectionKeepsTheOtherTables(t *testing.T) {
	f := mergeReport("", "postgres", "## PostgreSQL\n\nDRAIN TABLE\n\n### Snapshot\n\nOLD SNAP\n\n### How it was measured\n\nMETHOD\n")
	f = mergeReport(f, "mysql", "## MySQL\n\nMY TABLE\n")

	got := mergeSubsection(f, "postgres", "### Snapshot", "### Snapshot\n\nNEW SNAP\n")
	for _, want := range []string{"DRAIN TABLE", "NEW SNAP", "METHOD", "MY TABLE"} {
		if !strings.Contains(got, want) {
			t.Errorf("merged file lost %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "OLD SNAP") {
		t.Errorf("the old snapshot subsection is still there:\n%s", got)
	}
	if i, j := strings.Index(got, "NEW SNAP"), strings.Index(got, "### How it was measured"); i < 0 || j < i {
		t.Errorf("the new subsection is not before the method:\n%s", got)
	}
	if strings.Count(got, "### Snapshot") != 1 {
		t.Errorf("want one snapshot subsection:\n%s", got)
	}

	// A subsection the section does not have yet goes before the method;
	// merging the same again changes nothing.
	got2 := mergeSubsection(got, "postgres", "### Only latency", "### Only latency\n\nLAT\n")
	if i, j := strings.Index(got2, "LAT"), strings.Index(got2, "### How it was measured"); i < 0 || j < i || !strings.Contains(got2, "NEW SNAP") {
		t.Errorf("latency subsection misplaced:\n%s", got2)
	}
	if again := mergeSubsection(got2, "postgres", "### Only latency", "### Only latency\n\nLAT\n"); again != got2 {
		t.Errorf("merging the same subsection again changed the file:\n%s\nwas\n%s", again, got2)
	}
}

// What the file holds outside the bench's sections (the soak's section,
// written by hand) survives a run.
func TestMergeReportKeepsOtherContent(t *testing.T) {
	f := mergeReport("", "postgres", "## PostgreSQL\n\nPG1.\n")
	f = mergeReport(f, "mysql", "## MySQL\n\nMY1.\n")
	f += "\n<!-- soak -->\n\n## Soak\n\nSOAK\n\n<!-- /soak -->\n"
	f = mergeReport(f, "postgres", "## PostgreSQL\n\nPG2.\n")
	f = mergeReport(f, "scale", "## Scale\n\nS1.\n")
	f = mergeSubsection(f, "mysql", "### Snapshot", "### Snapshot\n\nMYSNAP\n")
	for _, want := range []string{"PG2.", "MY1.", "MYSNAP", "S1.", "SOAK"} {
		if !strings.Contains(f, want) {
			t.Errorf("lost %q:\n%s", want, f)
		}
	}
	if pg, my, sc, so := strings.Index(f, "PG2."), strings.Index(f, "MY1."), strings.Index(f, "S1."), strings.Index(f, "SOAK"); !(pg < my && my < sc && sc < so) {
		t.Errorf("sections out of order:\n%s", f)
	}
}
