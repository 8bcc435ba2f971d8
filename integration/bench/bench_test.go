package main

import (
	"os"
	"testing"
	"time"
)

func TestJSONInt(t *testing.T) {
	cases := []struct {
		in, field string
		want      int64
		ok        bool
	}{
		{`{"id":42}`, `"id":`, 42, true},
		{`{"before":null,"after":{"id":7,"stamp_ns":1795442894194868000,"payload":"ab"}}`, `"stamp_ns":`, 1795442894194868000, true},
		{`{"id":-3}`, `"id":`, -3, true},
		{`{"key":1}`, `"id":`, 0, false},
		{`{"id":"x"}`, `"id":`, 0, false},
	}
	for _, c := range cases {
		got, ok := jsonInt([]byte(c.in), c.field)
		if got != c.want || ok != c.ok {
			t.Errorf("jsonInt(%s, %s) = %d, %v; want %d, %v", c.in, c.field, got, ok, c.want, c.ok)
		}
	}
}

func TestPercentileIndex(t *testing.T) {
	cases := []struct {
		n    int
		p    float64
		want int
	}{
		{100, 50, 49}, {100, 99, 98}, {100, 100, 99}, {1, 99, 0}, {1000, 99, 989}, {3, 50, 1},
	}
	for _, c := range cases {
		if got := percentileIndex(c.n, c.p); got != c.want {
			t.Errorf("percentileIndex(%d, %v) = %d, want %d", c.n, c.p, got, c.want)
		}
	}
}

func TestMedian(t *testing.T) {
	wall := func(m measure) float64 { return m.Wall.Seconds() }
	ms := []measure{{Wall: 3 * time.Second}, {Wall: time.Second}, {Wall: 2 * time.Second}}
	if got, ok := median(ms, wall); !ok || got != 2 {
		t.Errorf("median of 3 = %v, %v; want 2", got, ok)
	}
	if got, _ := median(ms[:2], wall); got != 2 {
		t.Errorf("median of 2 = %v; want 2", got)
	}
	if _, ok := median(nil, wall); ok {
		t.Error("median of none is ok")
	}
}

func TestOrderAlternates(t *testing.T) {
	tools := []string{"a", "b", "c"}
	if got := order(tools, 0); got[0] != "a" || got[2] != "c" {
		t.Errorf("run 0: %v", got)
	}
	if got := order(tools, 1); got[0] != "c" || got[2] != "a" {
		t.Errorf("run 1: %v", got)
	}
	if tools[0] != "a" {
		t.Error("order changed its input")
	}
}

func TestShellJoin(t *testing.T) {
	got := shellJoin([]string{"-runs", "3", "-note", "it's loaded (2 cores)"})
	want := `-runs 3 -note 'it'\''s loaded (2 cores)'`
	if got != want {
		t.Errorf("shellJoin = %s, want %s", got, want)
	}
}

func TestProcUsageSelf(t *testing.T) {
	u, err := procUsage(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if u.PeakRSS < 1<<20 {
		t.Errorf("peak RSS of the test process %d bytes, want at least 1 MiB", u.PeakRSS)
	}
	if u.CPU < 0 {
		t.Errorf("CPU %v", u.CPU)
	}
}
