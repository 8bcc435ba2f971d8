// Command bench measures sluice against the database's own logical decoding
// rate (the limit) and against Debezium, on the servers of integration/env.
// `make bench` runs it in full and writes BENCHMARKS.md; `make bench-smoke`
// runs a quick pass that checks every tool delivers exactly the rows written.
//
//	go run ./integration/bench [flags]          # see -h
//	go run ./integration/bench -smoke           # quick mode, no file written
//
// Each drain run makes a fresh table and publication, creates one pgoutput
// slot per tool, and only then writes the backlog, so every slot holds the
// same changes. The tools then drain their slots one after the other, in an
// order that alternates from run to run.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// options are the command line.
type options struct {
	dsn       string
	brokers   []string
	pgBin     string
	sluiceBin string
	rows      int
	txnRows   int
	runs      int
	rate      int
	duration  time.Duration
	latTxn    int
	smoke     bool
	out       string
	debezium  string // auto, off
	cacheDir  string
	note      string
	only      string // comma-separated scenario names
	snapRows  int    // rows of the snapshot scenario's table
	snapThr   int    // snapshot.max.threads of the N-thread sluice run; <= 1: not run
	source    string // postgres or mysql
	pg        pgParams
	my        myParams
	myBinlog  string // mariadb-binlog
	id        string
	scale     scaleOptions
}

// measure is one tool's result in one run.
type measure struct {
	Wall    time.Duration
	Usage   usage
	Records int
	Bytes   int64 // of the records the consumer counted (keys, values, headers); 0 when not counted
	// latency runs
	P50, P99, Max time.Duration
	Rate          float64 // rows/s the generator achieved
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "myreader" {
		if err := myReaderMain(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "myreader:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "kafkafloor" {
		if err := floorMain(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "kafkafloor:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "kafkawrite" {
		if err := writeFloorMain(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "kafkawrite:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && (os.Args[1] == "pgcopy" || os.Args[1] == "myselect") {
		mode := map[string]func([]string) error{"pgcopy": pgCopyMain, "myselect": mySelectMain}[os.Args[1]]
		if err := mode(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, os.Args[1]+":", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "pgreader" {
		if err := pgReaderMain(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "pgreader:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench: FAIL:", err)
		os.Exit(1)
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func run() error {
	var o options
	var err error
	var brokers string
	flag.StringVar(&o.dsn, "pg-dsn", envOr("SLUICE_PG_DSN", "postgres://postgres:postgres@127.0.0.1:55432/sluice_test"), "PostgreSQL URL (a superuser: the harness creates tables, publications and slots)")
	flag.StringVar(&brokers, "kafka", envOr("SLUICE_KAFKA", "127.0.0.1:59092"), "Kafka bootstrap servers")
	flag.StringVar(&o.pgBin, "pg-bin", "/usr/lib/postgresql/15/bin", "directory of pg_recvlogical")
	flag.StringVar(&o.sluiceBin, "sluice-bin", "", "sluice binary (default: go build ./cmd/sluice into a temp dir)")
	flag.IntVar(&o.rows, "rows", 1_000_000, "backlog rows per drain run")
	flag.IntVar(&o.txnRows, "txn-rows", 10, "rows per transaction in the many-transactions backlog")
	flag.IntVar(&o.runs, "runs", 3, "runs per figure; the median is reported")
	flag.IntVar(&o.rate, "rate", 10_000, "live latency: rows per second")
	flag.DurationVar(&o.duration, "duration", 60*time.Second, "live latency: how long rows are written")
	flag.IntVar(&o.latTxn, "latency-txn-rows", 10, "live latency: rows per transaction")
	flag.BoolVar(&o.smoke, "smoke", false, "quick mode: 20k rows, 1 run, 5 s at 1k rows/s, Debezium only when cached, no speed figures kept")
	flag.StringVar(&o.out, "out", "BENCHMARKS.md", "write the report here (never in -smoke mode; empty: do not write)")
	flag.StringVar(&o.debezium, "debezium", "auto", "auto: fetch and run Debezium Server when it can be had (-smoke: only when cached); off")
	flag.StringVar(&o.cacheDir, "cache-dir", envOr("SLUICE_ENV_CACHE", defaultCache()), "where Debezium is fetched to and unpacked")
	flag.StringVar(&o.note, "note", "", "a note for the report's header (e.g. the machine was loaded)")
	flag.StringVar(&o.only, "only", "", "run only these scenarios (comma-separated: drain-small, drain-large, latency, snapshot, scale); the report gets a subsection of its own in the source's section of -out (\"### Snapshot\" for the snapshot alone), the other tables kept")
	flag.IntVar(&o.snapRows, "snapshot-rows", 10_000_000, "snapshot: rows of the table")
	flag.IntVar(&o.snapThr, "snapshot-threads", 4, "snapshot: also run sluice with snapshot.max.threads=N, when sluice defines the key (<= 1: not run)")
	flag.StringVar(&o.source, "source", "postgres", "database to measure: postgres or mysql (the MariaDB of integration/env)")
	var myAddr string
	flag.StringVar(&myAddr, "mysql-addr", envOr("SLUICE_MYSQL_ADDR", "127.0.0.1:53306"), "MariaDB address (-source mysql)")
	flag.StringVar(&o.my.User, "mysql-user", "root", "MariaDB user (-source mysql; creates a database, reads the binlog)")
	flag.StringVar(&o.my.Password, "mysql-password", "root", "MariaDB password (-source mysql)")
	flag.StringVar(&o.myBinlog, "mariadb-binlog", "mariadb-binlog", "the mariadb-binlog (or mysqlbinlog) binary (-source mysql)")
	var scaleTables, scaleConns, scaleDbTables, scaleDbConns string
	flag.IntVar(&o.scale.rows, "scale-rows", 100_000, "scale: rows in all, spread over the tables")
	flag.StringVar(&scaleTables, "scale-tables", "1,10,100,1000", "scale: numbers of tables")
	flag.IntVar(&o.scale.changes, "scale-changes", 20_000, "scale: changes streamed after the snapshot, spread over the tables")
	flag.StringVar(&scaleConns, "scale-connectors", "1,10,50,100", "scale: numbers of connectors in one daemon")
	flag.DurationVar(&o.scale.settle, "scale-settle", 10*time.Second, "scale: how long the daemon idles before its memory is read")
	flag.StringVar(&o.scale.connect, "connect-url", envOr("SLUICE_CONNECT_URL", "http://127.0.0.1:58083"), "scale: the Kafka Connect worker with Debezium (off: none)")
	flag.StringVar(&scaleDbTables, "scale-debezium-tables", "1,100", "scale: numbers of tables Debezium (on Kafka Connect) is measured at")
	flag.StringVar(&scaleDbConns, "scale-debezium-connectors", "10", "scale: numbers of connectors Debezium (on Kafka Connect) is measured at")
	flag.Parse()
	switch o.source {
	case "postgres":
	case "mysql":
		h, p, err := net.SplitHostPort(myAddr)
		if err != nil {
			return fmt.Errorf("-mysql-addr: %w", err)
		}
		o.my.Host, o.my.Port = h, p
	default:
		return fmt.Errorf("-source %s: unknown; use postgres or mysql", o.source)
	}
	if o.smoke {
		set := map[string]bool{}
		flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
		def := func(name string, apply func()) {
			if !set[name] {
				apply()
			}
		}
		def("rows", func() { o.rows = 20_000 })
		def("runs", func() { o.runs = 1 })
		def("rate", func() { o.rate = 1000 })
		def("duration", func() { o.duration = 5 * time.Second })
		def("snapshot-rows", func() { o.snapRows = 20_000 })
		def("scale-rows", func() { o.scale.rows = 2000 })
		def("scale-tables", func() { scaleTables = "1,5" })
		def("scale-changes", func() { o.scale.changes = 200 })
		def("scale-connectors", func() { scaleConns = "2" })
		def("scale-settle", func() { o.scale.settle = time.Second })
		def("connect-url", func() { o.scale.connect = "off" })
		o.out = ""
	}
	o.brokers = strings.Split(brokers, ",")
	for _, l := range []struct {
		flag string
		s    string
		dst  *[]int
	}{{"scale-tables", scaleTables, &o.scale.tables}, {"scale-connectors", scaleConns, &o.scale.conns},
		{"scale-debezium-tables", scaleDbTables, &o.scale.dbTables}, {"scale-debezium-connectors", scaleDbConns, &o.scale.dbConns}} {
		if *l.dst, err = parseCounts(l.s); err != nil {
			return fmt.Errorf("-%s: %w", l.flag, err)
		}
	}
	if slices.Contains(o.scale.tables, 0) || slices.Contains(o.scale.dbTables, 0) || o.scale.rows < 1 || o.scale.changes < 1 || o.scale.settle <= 0 {
		return errors.New("-scale-rows, -scale-changes, -scale-settle and the numbers of tables must be positive")
	}
	if o.rows < 1 || o.runs < 1 || o.rate < 1 || o.txnRows < 1 || o.latTxn < 1 || o.duration <= 0 || o.snapRows < 1 {
		return errors.New("-rows, -runs, -rate, -txn-rows, -latency-txn-rows, -duration and -snapshot-rows must be positive")
	}
	u, err := url.Parse(o.dsn)
	if err != nil {
		return fmt.Errorf("-pg-dsn: %w", err)
	}
	pw, _ := u.User.Password()
	o.pg = pgParams{Host: u.Hostname(), Port: u.Port(), User: u.User.Username(), Password: pw, DB: strings.TrimPrefix(u.Path, "/")}
	if o.pg.Port == "" {
		o.pg.Port = "5432"
	}
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	o.id = hex.EncodeToString(b)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if o.sluiceBin == "" {
		dir, err := os.MkdirTemp("", "sluice-bench-bin-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		o.sluiceBin = filepath.Join(dir, "sluice")
		build := exec.CommandContext(ctx, "go", "build", "-o", o.sluiceBin, "./cmd/sluice")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("go build ./cmd/sluice (run from the repository root): %w", err)
		}
	}

	b2 := &bench{o: o, results: map[string]map[string][]measure{}}
	b2.topics = append(b2.topics, b2.offsetsTopic())
	b2.dbz = prepareDebezium(ctx, &o)
	if b2.dbz.home == "" {
		b2.logf("debezium: n/a (%s)", b2.dbz.reason)
	}
	defer b2.cleanupTopics()

	scenarios := []scenario{
		{name: "drain-small", title: fmt.Sprintf("drain %s rows, transactions of %d", count(o.rows), o.txnRows), txnRows: o.txnRows},
		{name: "drain-large", title: fmt.Sprintf("drain %s rows, one transaction", count(o.rows)), txnRows: 0},
		{name: "latency", title: fmt.Sprintf("live, %s rows/s for %s", count(o.rate), o.duration), latency: true},
		{name: "snapshot", title: fmt.Sprintf("snapshot of a %s-row table", count(o.snapRows)), snapshot: true},
		{name: "scale", scale: true},
	}
	if o.source == "mysql" {
		// The scale scenario is measured for Postgres only so far.
		if slices.Contains(strings.Split(o.only, ","), "scale") {
			return errors.New("-source mysql: the scale scenario is not implemented for MySQL yet")
		}
		scenarios = slices.DeleteFunc(scenarios, func(s scenario) bool { return s.scale })
		// Live latency is measured for Postgres only so far.
		if slices.Contains(strings.Split(o.only, ","), "latency") {
			return errors.New("-source mysql: the latency scenario is not implemented for MySQL yet")
		}
		scenarios = slices.DeleteFunc(scenarios, func(s scenario) bool { return s.latency })
	}
	if o.only != "" {
		keep := strings.Split(o.only, ",")
		scenarios = slices.DeleteFunc(scenarios, func(s scenario) bool { return !slices.Contains(keep, s.name) })
	}
	if slices.ContainsFunc(scenarios, func(sc scenario) bool { return sc.snapshot }) {
		b2.noThreads = b2.threadsCheck(ctx)
		if b2.noThreads != "" {
			b2.logf("snapshot: sluice N threads: n/a (%s)", b2.noThreads)
		}
	}
	if slices.ContainsFunc(scenarios, func(sc scenario) bool { return sc.scale }) {
		b2.connect, b2.noConnect = findConnect(o.scale.connect)
		if b2.connect == nil {
			b2.logf("scale: debezium: n/a (%s)", b2.noConnect)
		}
	}
	started := time.Now()
	for _, sc := range scenarios {
		if sc.scale {
			// Measured once: every point is its own run.
			t0 := time.Now()
			if err := b2.scaleRun(ctx); err != nil {
				return fmt.Errorf("scale: %w", err)
			}
			b2.scale.took = time.Since(t0)
			continue
		}
		for r := 0; r < o.runs; r++ {
			var err error
			switch {
			case sc.latency:
				err = b2.latencyRun(ctx, sc, r)
			case sc.snapshot:
				err = b2.snapshotRun(ctx, sc, r)
			default:
				err = b2.drainRun(ctx, sc, r)
			}
			if err != nil {
				return fmt.Errorf("%s run %d: %w", sc.name, r+1, err)
			}
		}
	}
	took := time.Since(started)
	// The scale scenario has a section of its own (see scale_report.go).
	scale := slices.ContainsFunc(scenarios, func(sc scenario) bool { return sc.scale })
	scenarios = slices.DeleteFunc(scenarios, func(s scenario) bool { return s.scale })
	var sections []struct{ name, markdown, subsection string }
	if len(scenarios) > 0 {
		report := b2.report(scenarios, took-b2.scale.took)
		fmt.Println()
		fmt.Print(report.table)
		sections = append(sections, struct{ name, markdown, subsection string }{o.source, report.markdown, report.subsection})
	}
	if scale {
		report, svg := b2.scaleReport()
		fmt.Println()
		fmt.Print(report.table)
		sections = append(sections, struct{ name, markdown, subsection string }{"scale", report.markdown, ""})
		if o.out != "" {
			p := filepath.Join(filepath.Dir(o.out), scaleSVGPath)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(p, []byte(svg), 0o644); err != nil {
				return err
			}
			fmt.Println("wrote", p)
		}
	}
	if o.smoke {
		fmt.Println("bench-smoke: every tool delivered exactly the rows written (no speed assertions)")
	}
	if o.out != "" {
		old, err := os.ReadFile(o.out)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		// The file holds one section per source (and the scale
		// section): replace the ones this run measured, keep the others.
		merged := string(old)
		for _, s := range sections {
			if s.subsection != "" {
				merged = mergeSubsection(merged, s.name, s.subsection, s.markdown)
				fmt.Printf("wrote %q in the %s section of %s\n", s.subsection, s.name, o.out)
				continue
			}
			merged = mergeReport(merged, s.name, s.markdown)
			fmt.Println("wrote the", s.name, "section of", o.out)
		}
		if err := os.WriteFile(o.out, []byte(merged), 0o644); err != nil {
			return err
		}
	}
	if n := len(b2.scale.failed); n > 0 {
		return fmt.Errorf("scale: %d point(s) failed (listed in the report)", n)
	}
	return nil
}

func defaultCache() string {
	if os.Geteuid() == 0 {
		return "/var/cache/sluice-env"
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".cache", "sluice-env")
	}
	return filepath.Join(os.TempDir(), "sluice-env-cache")
}

// scenario is one row group of the report.
type scenario struct {
	name     string
	title    string
	txnRows  int // 0: one transaction
	latency  bool
	snapshot bool
	scale    bool // the scale scenario (scale.go): measured once, reported apart
}

// bench holds the results of every run.
type bench struct {
	o   options
	dbz debeziumDist
	// noThreads is why the snapshot's N-thread column is n/a ("" when
	// sluice-n runs).
	noThreads string
	results   map[string]map[string][]measure // scenario -> tool -> runs
	topics    []string
	scale     scaleResults
	// connect is the Kafka Connect worker the scale scenario runs
	// Debezium on; nil, with the reason in noConnect, when there is none.
	connect   *connectWorker
	noConnect string
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func (b *bench) add(sc, tool string, m measure) {
	if b.results[sc] == nil {
		b.results[sc] = map[string][]measure{}
	}
	b.results[sc][tool] = append(b.results[sc][tool], m)
}

// offsetsTopic is this invocation's sluice offsets topic, deleted at the end.
func (b *bench) offsetsTopic() string { return "sluice_bench_" + b.o.id + "_offsets" }

func (b *bench) cleanupTopics() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := deleteTopics(ctx, b.o.brokers, b.topics...); err != nil {
		b.logf("cleanup: %v", err)
	}
}

// Tool names, as in the report.
const (
	toolRecv     = "pg_recvlogical"
	toolReader   = "pglogrepl"
	toolMyBinlog = "mariadb-binlog"
	toolMyReader = "go-mysql"
	toolSluice   = "sluice"
	toolDebezium = "debezium"
	// The snapshot scenario's: the read limits and sluice with
	// snapshot.max.threads.
	toolCopy    = "COPY"
	toolSelect  = "SELECT"
	toolSluiceN = "sluice-n"
)

// toolTag is the short name of a tool in topic prefixes and slot names.
func toolTag(tool string) string {
	switch tool {
	case toolSluiceN:
		return "n"
	case toolFloor:
		return "f"
	}
	return strings.ToLower(tool[:1])
}

// limitTools are the source's two limit readers: the database's own client
// and a minimal Go reader.
func (b *bench) limitTools() [2]string {
	if b.o.source == "mysql" {
		return [2]string{toolMyBinlog, toolMyReader}
	}
	return [2]string{toolRecv, toolReader}
}

func (b *bench) tools(latency bool) []string {
	var t []string
	if !latency {
		lt := b.limitTools()
		t = append(t, lt[0], lt[1], toolFloor)
	}
	t = append(t, toolSluice)
	if b.dbz.home != "" {
		t = append(t, toolDebezium)
	}
	return t
}

// order alternates the tools' order from run to run.
func order(tools []string, run int) []string {
	t := slices.Clone(tools)
	if run%2 == 1 {
		slices.Reverse(t)
	}
	return t
}

// drainRun writes one backlog and lets every tool drain it from its own slot.
func (b *bench) drainRun(ctx context.Context, sc scenario, run int) (err error) {
	if b.o.source == "mysql" {
		return b.drainRunMySQL(ctx, sc, run)
	}
	name := fmt.Sprintf("sluice_bench_%s_%d_%s", b.o.id, run, strings.ReplaceAll(sc.name, "-", "_"))
	fx, err := newFixture(ctx, b.o.dsn, name)
	if err != nil {
		return err
	}
	defer func() {
		if derr := fx.drop(context.WithoutCancel(ctx)); derr != nil {
			b.logf("cleanup: %v", derr)
			if err == nil {
				err = derr
			}
		}
	}()
	tools := order(b.tools(false), run)
	slots := map[string]string{}
	for _, t := range tools {
		if t == toolFloor {
			continue
		}
		s, err := fx.slot(ctx, strings.TrimPrefix(t, "pg_"))
		if err != nil {
			return err
		}
		slots[t] = s
	}
	start, err := fx.currentLSN(ctx)
	if err != nil {
		return err
	}
	t0 := time.Now()
	endpos, err := fx.writeBacklog(ctx, b.o.rows, sc.txnRows)
	if err != nil {
		return err
	}
	wal, _ := fx.walBytes(ctx, start, endpos)
	b.logf("%s run %d: backlog of %d rows written in %s (%.0f MiB of WAL); order %s",
		sc.name, run+1, b.o.rows, time.Since(t0).Round(time.Millisecond), float64(wal)/(1<<20), strings.Join(tools, ", "))

	for _, t := range tools {
		var m measure
		var err error
		switch t {
		case toolRecv:
			m, err = runRecvlogical(ctx, b.o.pgBin, b.o.dsn, slots[t], fx.Pub, endpos)
			m.Records = b.o.rows
		case toolReader:
			m, err = runPgReader(ctx, b.o.dsn, slots[t], fx.Pub, endpos, b.o.rows)
		case toolFloor:
			m, err = b.kafkaFloor(ctx, fx.Name+"_f."+fx.Table, b.o.rows,
				recordShape{Connector: "postgresql", Op: "c", Prefix: fx.Name + "_f", DB: b.o.pg.DB, Schema: "public", Table: fx.Name})
		case toolSluice, toolDebezium:
			m, err = b.drainPipeline(ctx, t, fx, slots[t], nil)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", t, err)
		}
		b.logMeasure(t, b.o.rows, m)
		b.add(sc.name, t, m)
	}
	return nil
}

// drainTimeout bounds one tool's drain: generous, so only a stuck tool hits it.
func (b *bench) drainTimeout() time.Duration { return b.timeoutFor(b.o.rows) }

// timeoutFor bounds one tool's run over rows rows.
func (b *bench) timeoutFor(rows int) time.Duration {
	return 2*time.Minute + time.Duration(rows/2000)*time.Second
}

// pipeline is sluice or Debezium, started on one slot for one measurement.
type pipeline struct {
	t0      time.Time    // when the connector was started (the clock's zero)
	pid     int          // the process whose CPU and memory are reported
	healthy func() error // nil while the connector runs
	ready   func(ctx context.Context) error
	stop    func()
	// streaming is closed once the tool logged that it streams (Debezium's
	// binlog connectors); nil when unknown.
	streaming chan struct{}
}

// startPipeline starts tool on slot, writing to topic prefix; extra keys
// are added to (or replace) the connector config.
func (b *bench) startPipeline(ctx context.Context, tool string, fx *fixture, slot, prefix string, extra map[string]string) (*pipeline, error) {
	cfg := pgConnectorConfig(b.o.pg, prefix, fx.Table, slot, fx.Pub)
	for k, v := range extra {
		cfg[k] = v
	}
	switch tool {
	case toolSluice, toolSluiceN:
		srv, err := startSluice(ctx, b.o.sluiceBin, b.o.brokers, b.offsetsTopic())
		if err != nil {
			return nil, err
		}
		name := prefix
		p := &pipeline{t0: time.Now(), pid: srv.pid(), stop: srv.stop,
			healthy: func() error { return srv.healthy(name) },
			ready:   func(ctx context.Context) error { return srv.waitRunning(ctx, name, time.Minute) }}
		if err := srv.register(name, cfg); err != nil {
			srv.stop()
			return nil, err
		}
		return p, nil
	case toolDebezium:
		return startDebezium(ctx, b.dbz, b.o.brokers, cfg)
	}
	return nil, fmt.Errorf("unknown tool %s", tool)
}

// drainPipeline measures sluice or Debezium from connector start until a
// read_committed consumer has seen the last row of the backlog (or of the
// table, for a snapshot: extra sets snapshot.mode).
func (b *bench) drainPipeline(ctx context.Context, tool string, fx *fixture, slot string, extra map[string]string) (measure, error) {
	rows := b.o.rows
	if extra["snapshot.mode"] == "initial" {
		rows = b.o.snapRows
	}
	prefix := fx.Name + "_" + toolTag(tool)
	topic := prefix + "." + fx.Table
	b.topics = append(b.topics, topic)
	if err := createTopic(ctx, b.o.brokers, topic); err != nil {
		return measure{}, err
	}
	c, err := startCounter(ctx, b.o.brokers, topic, rows)
	if err != nil {
		return measure{}, err
	}
	defer c.cl.Close()
	p, err := b.startPipeline(ctx, tool, fx, slot, prefix, extra)
	if err != nil {
		return measure{}, err
	}
	defer p.stop()
	if err := b.waitDelivered(ctx, c, p.healthy, b.timeoutFor(rows)); err != nil {
		return measure{}, err
	}
	m := measure{Wall: c.last.Sub(p.t0), Bytes: c.bytes}
	if m.Usage, err = procUsage(p.pid); err != nil {
		return measure{}, err
	}
	if m.Records, err = c.finish(time.Second); err != nil {
		return measure{}, err
	}
	return m, nil
}

// waitDelivered waits until the counter has every row, checking the tool's
// health every second.
func (b *bench) waitDelivered(ctx context.Context, c *counter, healthy func() error, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-c.done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
			if err := healthy(); err != nil {
				return err
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("not delivered within %s: %s", timeout, c.progress())
			}
		}
	}
}

func count(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}
