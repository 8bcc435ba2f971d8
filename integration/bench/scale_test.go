package main

import (
	"encoding/xml"
	"errors"
	"io"
	"net"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseCounts(t *testing.T) {
	cases := []struct {
		in   string
		want []int
		bad  bool
	}{
		{"1,10,100,1000", []int{1, 10, 100, 1000}, false},
		{" 1_000, 1 ,", []int{1, 1000}, false},
		{"10,1,10", []int{1, 10}, false},
		{"", nil, false},
		{"1,x", nil, true},
		{"-1", nil, true},
	}
	for _, c := range cases {
		got, err := parseCounts(c.in)
		if (err != nil) != c.bad || !reflect.DeepEqual(got, c.want) {
			t.Errorf("parseCounts(%q) = %v, %v; want %v (error: %v)", c.in, got, err, c.want, c.bad)
		}
	}
}

// TestCounterBase checks the streaming counter of the scale scenario: ids
// below its base (the snapshot's rows) are skipped and counted apart, ids
// from the base on are its rows.
func TestCounterBase(t *testing.T) {
	const ok = `{"before":null,"after":{"id":1,"stamp_ns":0}}`
	now := time.Now()
	c := newTestCounter(2)
	c.base = 10
	for _, id := range []int{0, 9, 3, 11, 10} {
		c.add(rec(id, ok), now)
	}
	if c.earlier != 3 || c.records != 2 || c.distinct != 2 {
		t.Errorf("earlier %d, records %d, distinct %d; want 3, 2, 2", c.earlier, c.records, c.distinct)
	}
	if err := c.verify(); err != nil {
		t.Errorf("every row once after the earlier ones: %v", err)
	}
	c.add(rec(13, ok), now) // past the rows (base+want itself is a warm-up row)
	if c.verify() == nil {
		t.Error("an id past base+want passed")
	}
}

func TestTCPInodes(t *testing.T) {
	// A listener on 8083 (0x1F93), a connection to it from the harness
	// (local port 8083), two connections out (to 9092 and 5432), and an
	// entry with no inode (a socket in TIME_WAIT).
	const listing = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F93 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 100 1 0 100 0 0 10 0
   1: 0100007F:1F93 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 101 1 0 20 4 30 10 -1
   2: 0100007F:D432 0100007F:2384 01 00000000:00000000 00:00000000 00000000     0        0 102 1 0 20 4 30 10 -1
   3: 0100007F:D433 0100007F:1538 01 00000000:00000000 00:00000000 00000000     0        0 103 1 0 20 4 30 10 -1
   4: 0100007F:D434 0100007F:1538 06 00000000:00000000 03:00000000 00000000     0        0 0 3 0
`
	set := map[string]bool{}
	if err := tcpInodes(strings.NewReader(listing), 8083, set); err != nil {
		t.Fatal(err)
	}
	if want := map[string]bool{"102": true, "103": true}; !reflect.DeepEqual(set, want) {
		t.Errorf("inodes %v, want %v", set, want)
	}
	if err := tcpInodes(strings.NewReader("header\n 0: short\n"), 0, set); err == nil {
		t.Error("a short line passed")
	}
}

// TestTCPConnsSelf counts this process's connections: one it opens to a
// listener of its own is counted (the listener and the accepted end are
// not: the accepted end is on the listener's port, left out as REST).
func TestTCPConnsSelf(t *testing.T) {
	if _, err := os.Stat("/proc/self/net/tcp"); err != nil {
		t.Skip("no /proc/self/net/tcp")
	}
	before, err := tcpConns(os.Getpid(), 0)
	if err != nil {
		t.Fatal(err)
	}
	srv, conn := loopbackPair(t)
	defer srv.Close()
	defer conn.Close()
	after, err := tcpConns(os.Getpid(), urlPort("http://"+srv.Addr().String()))
	if err != nil {
		t.Fatal(err)
	}
	if after-before != 1 {
		t.Errorf("connections %d before, %d with one open: want one more", before, after)
	}
}

// loopbackPair listens on loopback and connects to itself; the accepted
// end is closed with the listener.
func loopbackPair(t *testing.T) (net.Listener, net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	a := <-accepted
	t.Cleanup(func() { a.Close() })
	return l, c
}

func TestScaleGoals(t *testing.T) {
	r := scaleResults{
		tables: []tablesPoint{
			{Tool: toolSluice, N: 1, Snapshot: 2 * time.Second},
			{Tool: toolSluice, N: 10, Snapshot: 2500 * time.Millisecond},
			{Tool: toolSluice, N: 100, Snapshot: 4 * time.Second, Floor: 3 * time.Second},
			{Tool: toolDebezium, N: 100, Snapshot: 40 * time.Second},
		},
		conns: []connsPoint{
			{Tool: toolSluice, C: 10, RSS0: 20e6, RSS: 25e6, File0: 15e6, File: 19e6},
			{Tool: toolSluice, C: 50, RSS0: 20e6, RSS: 120e6, File0: 15e6, File: 15e6},
		},
	}
	if got, want := r.tablesGoal(), "10 tables 1.25 × (met), 100 tables 2.00 × (NOT met; Kafka alone took 1.50 × sluice's 1-table time)"; !strings.HasSuffix(got, want) {
		t.Errorf("tables goal %q, want it to end %q", got, want)
	}
	if got, want := r.connsGoal(), "10 connectors 0.50 MB (met; 0.10 MB not file-backed), 50 connectors 2.00 MB (NOT met; 2.00 MB not file-backed)"; !strings.HasSuffix(got, want) {
		t.Errorf("connectors goal %q, want it to end %q", got, want)
	}
	if _, ok := r.snapshotRatio(toolDebezium, 100); ok {
		t.Error("a ratio for Debezium, which has no 1-table run")
	}
	_, rows := r.tablesRows(100_000)
	// tables, rows/table; sluice: snapshot, ×1, floor, ×floor, streaming,
	// CPU, RSS; Debezium: snapshot, ...
	if len(rows) != 3 || strings.TrimSpace(rows[2][0]) != "100" || rows[2][4] != "3.00" || rows[2][5] != "1.33" || rows[2][9] != "40.00" ||
		rows[0][4] != "–" {
		t.Errorf("tables rows %v", rows)
	}
	if g := (scaleResults{}).tablesGoal(); !strings.Contains(g, "n/a") {
		t.Errorf("no runs: %q", g)
	}
}

// TestScaleSVG checks the picture is well-formed XML with a point per
// measurement and the goal lines.
func TestScaleSVG(t *testing.T) {
	r := scaleResults{
		tables: []tablesPoint{
			{Tool: toolSluice, N: 1, Snapshot: time.Second}, {Tool: toolSluice, N: 1000, Snapshot: 30 * time.Second},
			{Tool: toolDebezium, N: 100, Snapshot: 50 * time.Second},
		},
		conns: []connsPoint{{Tool: toolSluice, C: 1, RSS0: 20 << 20, RSS: 21 << 20}, {Tool: toolSluice, C: 100, RSS0: 20 << 20, RSS: 110 << 20}},
	}
	svg := r.scaleSVG(100_000)
	dec := xml.NewDecoder(strings.NewReader(svg))
	circles := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, svg)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "circle" {
			circles++
		}
	}
	// 3 snapshot points; the two RSS curves: none, 1 and 100 connectors.
	if circles != 9 {
		t.Errorf("%d points drawn, want 9", circles)
	}
	for _, want := range []string{"goal: 1.5 × sluice at 1 table", "goal: 1 MB a connector", "stroke-dasharray"} {
		if !strings.Contains(svg, want) {
			t.Errorf("no %q in the picture", want)
		}
	}
}

func TestSumMetric(t *testing.T) {
	const text = `# HELP sluice_task_retries_total Retries.
# TYPE sluice_task_retries_total counter
sluice_task_retries_total{connector="a"} 2
sluice_task_retries_total{connector="b"} 1
sluice_task_retries_totally 7
`
	if got := sumMetric(text, "sluice_task_retries_total"); got != 3 {
		t.Errorf("sum %d, want 3", got)
	}
	if got := sumMetric("x 4\n", "x"); got != 4 {
		t.Errorf("no labels: %d, want 4", got)
	}
}

func TestRideOutRetries(t *testing.T) {
	retry := errors.New("connector c FAILED: org.apache.kafka.connect.errors.RetriableException: kafka sink: produce")
	fatal := errors.New("connector c FAILED: org.apache.kafka.connect.errors.ConnectException: bad config")
	var next error
	h := rideOutRetries(func() error { return next })
	next = retry
	if err := h(); err != nil {
		t.Errorf("a fresh retryable failure: %v", err)
	}
	next = fatal
	if err := h(); err != fatal {
		t.Errorf("a fatal failure: %v", err)
	}
	next = nil
	if err := h(); err != nil {
		t.Error(err)
	}
}

func TestNiceCeil(t *testing.T) {
	for _, c := range []struct{ in, want float64 }{{0, 1}, {0.3, 0.5}, {1, 1}, {1.2, 2}, {33.6, 50}, {120, 200}, {501, 1000}} {
		if got := niceCeil(c.in); got != c.want {
			t.Errorf("niceCeil(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

// TestMergeReportScale checks that the scale section survives a rewrite
// of the Postgres section and the other way round.
func TestMergeReportScale(t *testing.T) {
	f := mergeReport("", "postgres", "## PostgreSQL\n\nPG1.\n")
	f = mergeReport(f, "scale", "## Scale (PostgreSQL)\n\nS1.\n")
	f = mergeReport(f, "postgres", "## PostgreSQL\n\nPG2.\n")
	if !strings.Contains(f, "S1.") || !strings.Contains(f, "PG2.") || strings.Contains(f, "PG1.") {
		t.Errorf("after rewriting postgres:\n%s", f)
	}
	f = mergeReport(f, "scale", "## Scale (PostgreSQL)\n\nS2.\n")
	if !strings.Contains(f, "S2.") || strings.Contains(f, "S1.") || !strings.Contains(f, "PG2.") {
		t.Errorf("after rewriting scale:\n%s", f)
	}
	if strings.Index(f, "PG2.") > strings.Index(f, "S2.") {
		t.Error("the scale section comes before the Postgres one")
	}
}
