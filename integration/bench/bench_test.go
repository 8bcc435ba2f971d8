package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
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

// newTestCounter is a counter without a Kafka client, fed by hand.
func newTestCounter(want int) *counter {
	return &counter{want: want, done: make(chan struct{}), stopped: make(chan struct{}), warm: make(chan struct{}), seen: make([]bool, want)}
}

func rec(id int, value string) *kgo.Record {
	return &kgo.Record{Key: []byte(fmt.Sprintf(`{"id":%d}`, id)), Value: []byte(value)}
}

func TestCounterChecks(t *testing.T) {
	const ok = `{"before":null,"after":{"id":1,"stamp_ns":0}}`
	now := time.Now()
	feed := func(c *counter, ids ...int) {
		for _, id := range ids {
			c.add(rec(id, ok), now)
		}
	}
	exact := newTestCounter(3)
	feed(exact, 2, 0, 1)
	if err := exact.verify(); err != nil {
		t.Errorf("every row once: %v", err)
	}
	select {
	case <-exact.done:
	default:
		t.Error("done not closed after every row")
	}
	warm := newTestCounter(2)
	feed(warm, 2, 0, 1) // id 2 == want is the warm-up row
	if err := warm.verify(); err != nil {
		t.Errorf("with a warm-up row: %v", err)
	}

	dup := newTestCounter(3)
	feed(dup, 0, 1, 1, 2)
	if err := dup.verify(); err == nil || !strings.Contains(err.Error(), "1 repeated keys") {
		t.Errorf("a repeated key: %v", err)
	}
	missing := newTestCounter(3)
	feed(missing, 0, 2)
	if err := missing.verify(); err == nil {
		t.Error("a missing row passed")
	}
	withSchema := newTestCounter(1)
	withSchema.add(rec(0, `{"schema":{},"payload":{"before":null}}`), now)
	if err := withSchema.verify(); err == nil || !strings.Contains(err.Error(), "unreadable") {
		t.Errorf("a value with a schema wrapper: %v", err)
	}
	outOfRange := newTestCounter(2)
	feed(outOfRange, 0, 1, 7)
	if err := outOfRange.verify(); err == nil {
		t.Error("an unknown id passed")
	}
}

func TestCounterLatency(t *testing.T) {
	c := newTestCounter(1)
	stamp := time.Now().Add(-30 * time.Millisecond)
	c.add(rec(0, fmt.Sprintf(`{"before":null,"after":{"id":0,"stamp_ns":%d}}`, stamp.UnixNano())), stamp.Add(30*time.Millisecond))
	if len(c.latencies) != 1 || c.latencies[0] != 30*time.Millisecond {
		t.Errorf("latencies %v, want [30ms]", c.latencies)
	}
}
