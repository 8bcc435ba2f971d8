package main

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The scale scenario (Postgres; issue 19): what a table and a connector
// cost.
//
// Tables: -scale-rows rows spread over N tables (N in -scale-tables), each
// N in its own schema with a fresh slot, publication, topic prefix and
// daemon: the initial snapshot's time (connector start until a
// read_committed consumer has every row of every table), then the time of
// -scale-changes inserts spread over the N tables (write start until all
// consumed), and the daemon's peak RSS and CPU over both.
//
// Connectors: C connectors (C in -scale-connectors) in one fresh daemon,
// each on its own one-row table, publication and slot: the daemon's RSS and
// TCP connections with none, then with all C RUNNING and their snapshot
// rows delivered, each after -scale-settle; the daemon's CPU over the
// second settle (idle CPU); and the time until a row inserted into every
// table has arrived.
//
// Debezium runs the same on the Kafka Connect worker of integration/env
// (scale_connect.go), at the N of -scale-debezium-tables and the C of
// -scale-debezium-connectors.

// scaleOptions are the scale scenario's flags.
type scaleOptions struct {
	rows     int
	tables   []int
	changes  int
	conns    []int
	settle   time.Duration
	connect  string // Kafka Connect URL; "" or "off": no Debezium
	dbTables []int
	dbConns  []int
}

// tablesPoint is one tool's figures at one number of tables.
type tablesPoint struct {
	Tool     string
	N        int
	Snapshot time.Duration
	// Floor is the snapshot's Kafka floor (sluice's points only; see
	// scaleFloor).
	Floor   time.Duration
	Stream  time.Duration
	Usage   usage // sluice: the daemon's peak RSS and CPU; Connect: VmRSS at the end and the CPU of the run
	Retries int   // task retries after a retryable failure (sluice's; Connect does not retry tasks)
}

// connsPoint is one tool's figures at one number of connectors.
type connsPoint struct {
	Tool      string
	C         int
	RSS0, RSS int64 // with no connector, with C idle ones
	// File0, File are the file-backed part of RSS0 and RSS (RssFile).
	File0, File int64
	TCP0, TCP   int
	IdleCPU     float64 // CPU seconds per second over the settle with C idle connectors
	Arrive      time.Duration
	Registered  time.Duration // POST of the first connector until all are RUNNING with their snapshot row delivered
	Retries     int
}

// perConnMB is the RSS a connector adds, in MB (10^6 bytes).
func (p connsPoint) perConnMB() float64 {
	if p.C == 0 {
		return 0
	}
	return float64(p.RSS-p.RSS0) / float64(p.C) / 1e6
}

// perConnAnonMB is perConnMB without the file-backed memory: what the
// connectors hold themselves, leaving out the program's code that their
// first run pages in once.
func (p connsPoint) perConnAnonMB() float64 {
	if p.C == 0 {
		return 0
	}
	return float64((p.RSS-p.File)-(p.RSS0-p.File0)) / float64(p.C) / 1e6
}

// scaleResults are the scenario's figures, in the order measured.
type scaleResults struct {
	tables []tablesPoint
	conns  []connsPoint
	skips  []string // figures not measured, with the reason
	failed []string // points that failed, with the error
	took   time.Duration
}

// parseCounts parses a comma-separated list of non-negative counts into
// ascending distinct counts (each is measured once: a repeat would reuse
// the first's names, topics and checkpoint).
func parseCounts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(strings.ReplaceAll(f, "_", ""))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%q is not a count", f)
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// scaleRun runs the whole scale scenario. In smoke mode the first failed
// point fails the run; otherwise a failed point is logged and reported
// (b.scale.failed) and the other points are still measured, so one
// failure does not throw away a long run.
func (b *bench) scaleRun(ctx context.Context) error {
	so := b.o.scale
	type point struct {
		tool, what string
		n          int
		run        func(context.Context, string, int) error
	}
	var points []point
	for _, n := range so.tables {
		points = append(points, point{toolSluice, "table", n, b.scaleTables})
	}
	for _, c := range so.conns {
		points = append(points, point{toolSluice, "connector", c, b.scaleConns})
	}
	if b.connect != nil {
		for _, n := range so.dbTables {
			points = append(points, point{toolDebezium, "table", n, b.scaleTables})
		}
		for _, c := range so.dbConns {
			points = append(points, point{toolDebezium, "connector", c, b.scaleConns})
		}
	}
	for _, p := range points {
		err := p.run(ctx, p.tool, p.n)
		if err == nil {
			continue
		}
		err = fmt.Errorf("%s, %s: %w", p.tool, plural(p.n, p.what), err)
		if b.o.smoke || ctx.Err() != nil {
			return err
		}
		b.logf("scale: FAILED: %v", err)
		b.scale.failed = append(b.scale.failed, "FAILED: "+err.Error())
	}
	return nil
}

// scaleDaemon is sluice serve or the Kafka Connect worker, as the scale
// scenario drives it.
type scaleDaemon interface {
	pid() int
	restPort() int
	register(name string, cfg map[string]string) error
	healthy(name string) error
	retries() (int, error) // of the connectors' tasks after a retryable failure, so far
	waitRunning(ctx context.Context, name string, timeout time.Duration) error
}

// scaleName is the schema (and topic prefix) of one part of the scenario.
func (b *bench) scaleName(tool, part string, n int) string {
	return fmt.Sprintf("sluice_bench_%s_%s%d_%s", b.o.id, part, n, toolTag(tool))
}

// regexCounter counts ids [base, base+want) on every topic whose name
// matches pattern, topics created while it runs included.
func (b *bench) regexCounter(ctx context.Context, pattern string, base int64, want int) (*counter, error) {
	// A regex consumer finds new topics only when it refreshes its
	// metadata: every 500 ms, so a new table's topic is read at once.
	return startCounterOpts(ctx, b.o.brokers, base, want, kgo.ConsumeRegex(), kgo.ConsumeTopics(pattern),
		kgo.MetadataMaxAge(500*time.Millisecond))
}

// waitEarlier waits until the counter has read n records of an earlier
// phase (ids below its base), i.e. it is past them.
func (c *counter) waitEarlier(ctx context.Context, n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c.mu.Lock()
		e, ferr := c.earlier, c.err
		c.mu.Unlock()
		switch {
		case ferr != nil:
			return ferr
		case e >= n:
			return nil
		case time.Now().After(deadline):
			return fmt.Errorf("the counter read %d of the %d earlier records within %s", e, n, timeout)
		}
		if err := sleepCtx(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
}

// scaleTables measures tool at n tables.
func (b *bench) scaleTables(ctx context.Context, tool string, n int) (err error) {
	so := b.o.scale
	name := b.scaleName(tool, "t", n)
	defer b.dropPrefixTopics(name)
	t0 := time.Now()
	fx, err := newScaleFixture(ctx, b.o.dsn, name, n, so.rows, false)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, fx.drop(context.WithoutCancel(ctx))) }()
	slot := name
	if err := fx.slot(ctx, slot); err != nil {
		return err
	}
	b.logf("scale: %s, %d table(s) of %d rows in all written in %s", tool, n, so.rows, time.Since(t0).Round(time.Millisecond))
	topics := "^" + regexp.QuoteMeta(name) + `\.`
	c, err := b.regexCounter(ctx, topics, 0, so.rows)
	if err != nil {
		return err
	}
	defer c.cl.Close()
	cfg := pgConnectorConfig(b.o.pg, name, regexp.QuoteMeta(name)+`\..*`, slot, fx.pubs[0])
	cfg["snapshot.mode"] = "initial"
	d, stop, err := b.scaleDaemon(ctx, tool)
	if err != nil {
		return err
	}
	defer stop()
	before, err := procUsage(d.pid())
	if err != nil {
		return err
	}
	start := time.Now()
	if err := d.register(name, cfg); err != nil {
		return err
	}
	healthy := rideOutRetries(func() error { return d.healthy(name) })
	// Creating a topic and its first transaction cost some tens of ms per
	// table today: give each table a second on top of the rows' time.
	if err := b.waitDelivered(ctx, c, healthy, b.timeoutFor(so.rows)+time.Duration(n)*time.Second); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	p := tablesPoint{Tool: tool, N: n, Snapshot: c.last.Sub(start)}
	if _, err := c.finish(time.Second); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	// The streaming counter reads past the snapshot's records before the
	// changes are written, so its clock measures only the changes.
	c2, err := b.regexCounter(ctx, topics, int64(so.rows), so.changes)
	if err != nil {
		return err
	}
	defer c2.cl.Close()
	if err := c2.waitEarlier(ctx, so.rows, time.Minute); err != nil {
		return err
	}
	start = time.Now()
	if err := fx.writeChanges(ctx, so.rows, so.changes); err != nil {
		return err
	}
	if err := b.waitDelivered(ctx, c2, healthy, b.timeoutFor(so.changes)+time.Duration(n)*time.Second); err != nil {
		return fmt.Errorf("streaming: %w", err)
	}
	p.Stream = c2.last.Sub(start)
	if p.Usage, err = procUsage(d.pid()); err != nil {
		return err
	}
	if p.Retries, err = d.retries(); err != nil {
		return err
	}
	if tool == toolDebezium {
		// A long-lived worker: its peak is its whole life's, so report
		// its memory now and the CPU of this run.
		p.Usage.CPU -= before.CPU
		if p.Usage.PeakRSS, err = procRSS(d.pid()); err != nil {
			return err
		}
	}
	if _, err := c2.finish(time.Second); err != nil {
		return fmt.Errorf("streaming: %w", err)
	}
	if tool == toolSluice {
		// After the daemon's last change, so that the two do not share
		// the broker.
		stop()
		if p.Floor, err = b.scaleFloor(ctx, name, n, so.rows); err != nil {
			return err
		}
	}
	floor := ""
	if p.Floor > 0 {
		floor = fmt.Sprintf(" (Kafka floor %s)", p.Floor.Round(time.Millisecond))
	}
	b.logf("  %-9s %5d table(s): snapshot %8s%s  %d changes %8s  cpu %6.2fs  rss %5.0f MiB  task retries %d", tool, n,
		p.Snapshot.Round(time.Millisecond), floor, so.changes, p.Stream.Round(time.Millisecond), p.Usage.CPU.Seconds(), float64(p.Usage.PeakRSS)/(1<<20), p.Retries)
	b.scale.tables = append(b.scale.tables, p)
	return nil
}

// scaleConns measures tool with c connectors.
func (b *bench) scaleConns(ctx context.Context, tool string, c int) (err error) {
	so := b.o.scale
	free, err := freeSlots(ctx, b.o.dsn)
	if err != nil {
		return err
	}
	// Leave a few for the other jobs on the server.
	if c+4 > free {
		why := fmt.Sprintf("%s, %s: n/a (needs %d free replication slots and WAL senders, 4 of them left to other jobs; the server has %d free: integration/env/postgres.sh sets the maximum, applied when the server starts)", tool, plural(c, "connector"), c+4, free)
		b.logf("scale: %s", why)
		b.scale.skips = append(b.scale.skips, why)
		return nil
	}
	name := b.scaleName(tool, "c", c)
	defer b.dropPrefixTopics(name)
	fx, err := newScaleFixture(ctx, b.o.dsn, name, c, c, true)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, fx.drop(context.WithoutCancel(ctx))) }()
	for i := range c {
		if err := fx.slot(ctx, fmt.Sprintf("%s_s%d", name, i)); err != nil {
			return err
		}
	}
	d, stop, err := b.scaleDaemon(ctx, tool)
	if err != nil {
		return err
	}
	defer stop()
	p := connsPoint{Tool: tool, C: c}
	if err := sleepCtx(ctx, so.settle); err != nil {
		return err
	}
	if p.RSS0, p.TCP0, err = rssAndConns(d); err != nil {
		return err
	}
	if p.File0, err = procRSSFile(d.pid()); err != nil {
		return err
	}
	// Every connector's prefix is name_cNNNN, so one counter reads them
	// all.
	topics := "^" + regexp.QuoteMeta(name) + `_c\d+\.`
	cnt, err := b.regexCounter(ctx, topics, 0, c)
	if err != nil {
		return err
	}
	defer cnt.cl.Close()
	names := make([]string, c)
	start := time.Now()
	for i := range c {
		names[i] = fmt.Sprintf("%s_c%04d", name, i)
		cfg := pgConnectorConfig(b.o.pg, names[i], regexp.QuoteMeta(name+"."+scaleTable(i)), fx.slots[i], fx.pubs[i])
		cfg["snapshot.mode"] = "initial"
		if err := d.register(names[i], cfg); err != nil {
			return err
		}
	}
	if err := waitAllRunning(ctx, d, names, 2*time.Minute); err != nil {
		return err
	}
	running := time.Now()
	allHealthy := rideOutRetries(func() error {
		for _, nm := range names {
			if err := d.healthy(nm); err != nil {
				return err
			}
		}
		return nil
	})
	if err := b.waitDelivered(ctx, cnt, allHealthy, 2*time.Minute+time.Duration(c)*time.Second); err != nil {
		return fmt.Errorf("snapshot rows: %w", err)
	}
	// All RUNNING and every snapshot row delivered, whichever came last.
	p.Registered = running.Sub(start)
	if last := cnt.last.Sub(start); last > p.Registered {
		p.Registered = last
	}
	if _, err := cnt.finish(0); err != nil {
		return fmt.Errorf("snapshot rows: %w", err)
	}
	cpu0, err := procUsage(d.pid())
	if err != nil {
		return err
	}
	if err := sleepCtx(ctx, so.settle); err != nil {
		return err
	}
	cpu1, err := procUsage(d.pid())
	if err != nil {
		return err
	}
	p.IdleCPU = (cpu1.CPU - cpu0.CPU).Seconds() / so.settle.Seconds()
	if p.RSS, p.TCP, err = rssAndConns(d); err != nil {
		return err
	}
	if p.File, err = procRSSFile(d.pid()); err != nil {
		return err
	}
	cnt2, err := b.regexCounter(ctx, topics, int64(c), c)
	if err != nil {
		return err
	}
	defer cnt2.cl.Close()
	if err := cnt2.waitEarlier(ctx, c, time.Minute); err != nil {
		return err
	}
	start = time.Now()
	if err := fx.writeChanges(ctx, c, c); err != nil {
		return err
	}
	if err := b.waitDelivered(ctx, cnt2, allHealthy, 2*time.Minute+time.Duration(c)*time.Second); err != nil {
		return fmt.Errorf("changes: %w", err)
	}
	p.Arrive = cnt2.last.Sub(start)
	if p.Retries, err = d.retries(); err != nil {
		return err
	}
	if _, err := cnt2.finish(time.Second); err != nil {
		return fmt.Errorf("changes: %w", err)
	}
	b.logf("  %-9s %4d connector(s): RSS %5.1f MiB (none: %5.1f; %.2f MB each, %.2f MB not file-backed)  TCP %d (none: %d)  idle CPU %.1f%%  all RUNNING in %s  a change in every table arrived in %s  task retries %d",
		tool, c, float64(p.RSS)/(1<<20), float64(p.RSS0)/(1<<20), p.perConnMB(), p.perConnAnonMB(), p.TCP, p.TCP0, 100*p.IdleCPU,
		p.Registered.Round(time.Millisecond), p.Arrive.Round(time.Millisecond), p.Retries)
	b.scale.conns = append(b.scale.conns, p)
	return nil
}

// retriable says whether a connector's failure is one its task is retried
// after (sluice shows the task FAILED, with the trace, until the retry).
func retriable(err error) bool {
	return err != nil && strings.Contains(err.Error(), "RetriableException")
}

// rideOutRetries wraps a health check: a retryable failure is tolerated
// while it lasts less than a minute in a row (the retries are counted in
// the figures; a failure that stays is reported).
func rideOutRetries(healthy func() error) func() error {
	var since time.Time
	return func() error {
		err := healthy()
		switch {
		case err == nil:
			since = time.Time{}
			return nil
		case !retriable(err):
			return err
		case since.IsZero():
			since = time.Now()
		case time.Since(since) > time.Minute:
			return err
		}
		return nil
	}
}

// waitAllRunning waits until every connector of names is RUNNING, riding
// out retries.
func waitAllRunning(ctx context.Context, d scaleDaemon, names []string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for _, nm := range names {
		for {
			err := d.waitRunning(ctx, nm, max(time.Until(deadline), time.Second))
			if err == nil {
				break
			}
			if !retriable(err) || time.Now().After(deadline) {
				return err
			}
			if err := sleepCtx(ctx, 500*time.Millisecond); err != nil {
				return err
			}
		}
	}
	return nil
}

// rssAndConns reads the daemon's resident memory and TCP connections now.
func rssAndConns(d scaleDaemon) (int64, int, error) {
	rss, err := procRSS(d.pid())
	if err != nil {
		return 0, 0, err
	}
	n, err := tcpConns(d.pid(), d.restPort())
	return rss, n, err
}

// urlPort is the port of an http://host:port URL (0 when it has none).
func urlPort(u string) int {
	i := strings.LastIndexByte(u, ':')
	if i < 0 {
		return 0
	}
	p, _ := strconv.Atoi(strings.TrimRight(u[i+1:], "/"))
	return p
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// scaleDaemon starts a fresh sluice daemon, or returns the Kafka Connect
// worker (whose connectors stop deletes).
func (b *bench) scaleDaemon(ctx context.Context, tool string) (scaleDaemon, func(), error) {
	if tool == toolDebezium {
		w := b.connect.session()
		return w, w.removeAll, nil
	}
	srv, err := startSluice(ctx, b.o.sluiceBin, b.o.brokers, b.offsetsTopic())
	if err != nil {
		return nil, nil, err
	}
	return srv, srv.stop, nil
}

// dropPrefixTopics deletes the topics whose names start with prefix.
func (b *bench) dropPrefixTopics(prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.o.brokers...))
	if err != nil {
		b.logf("cleanup: %v", err)
		return
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	td, err := adm.ListTopics(ctx)
	if err != nil {
		b.logf("cleanup: list topics: %v", err)
		return
	}
	var del []string
	for _, t := range td.Names() {
		if strings.HasPrefix(t, prefix) {
			del = append(del, t)
		}
	}
	if err := deleteTopics(ctx, b.o.brokers, del...); err != nil {
		b.logf("cleanup: %v", err)
	}
}
