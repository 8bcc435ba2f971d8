package main

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// report is the results as a terminal table and as BENCHMARKS.md.
type reportText struct {
	table    string
	markdown string
	// subsection, when set, is the heading of markdown: a run of only
	// some of the source's scenarios, merged into the source's section
	// (mergeSubsection) instead of replacing it.
	subsection string
}

// partialTitle is the subsection heading of a run of only some of the
// source's scenarios (-only): "### Snapshot" for the snapshot alone, else
// "### Only <names>"; empty for a run of all of them.
func (b *bench) partialTitle(scenarios []scenario) string {
	if b.o.only == "" {
		return ""
	}
	var names []string
	for _, sc := range scenarios {
		names = append(names, sc.name)
	}
	if len(names) == 1 && scenarios[0].snapshot {
		return "### Snapshot"
	}
	return "### Only " + strings.Join(names, ", ")
}

// layout is one table of the report: its value columns (tools, and
// "limit") and the tools whose figures make the limit.
type layout struct {
	cols []string
	// readers are the read (decode) limits: the faster of them is the
	// read limit. The limit column is the slower of the read limit and the
	// Kafka floor (the write limit), whichever of them were measured.
	readers []string
}

// drainLayout is the drain and latency table: the source's two limit
// readers, the Kafka floor, the limit, sluice and Debezium.
func (b *bench) drainLayout() layout {
	lt := b.limitTools()
	return layout{cols: []string{lt[0], lt[1], toolFloor, "limit", toolSluice, toolDebezium}, readers: lt[:]}
}

// snapshotLayout is the snapshot table: the read limit (COPY or SELECT),
// the Kafka floor, the limit, sluice with one thread and with N, Debezium.
func (b *bench) snapshotLayout() layout {
	r := toolCopy
	if b.o.source == "mysql" {
		r = toolSelect
	}
	return layout{cols: []string{r, toolFloor, "limit", toolSluice, toolSluiceN, toolDebezium}, readers: []string{r}}
}

func (b *bench) layoutOf(sc scenario) layout {
	if sc.snapshot {
		return b.snapshotLayout()
	}
	return b.drainLayout()
}

// columns are a table's header: the figure, the value columns and the
// ratios.
func (b *bench) columns(l layout) []string {
	c := []string{"figure"}
	for _, t := range l.cols {
		c = append(c, b.header(t))
	}
	return append(c, "sluice/limit", "sluice/debezium")
}

// header names a tool's column.
func (b *bench) header(tool string) string {
	switch tool {
	case toolSluiceN:
		if b.noThreads == "" {
			return fmt.Sprintf("sluice %d threads", b.o.snapThr)
		}
		return "sluice N threads"
	case toolCopy:
		return "COPY (read)"
	case toolSelect:
		return "SELECT (read)"
	case toolFloor:
		return "kafka-floor (write)"
	}
	return tool
}

// notRun is why a column has no figure in this invocation ("" when it
// should have one).
func (b *bench) notRun(tool string) string {
	switch {
	case tool == toolDebezium && b.dbz.home == "":
		return "n/a"
	case tool == toolSluiceN && b.noThreads != "":
		return "n/a"
	}
	return ""
}

// limitTool picks the limit of a scenario's results: the faster of the
// readers (by median time) is the read limit; the limit is the slower of
// it and the Kafka floor. "" when neither was measured.
func limitTool(res map[string][]measure, readers []string) string {
	wall := func(m measure) float64 { return m.Wall.Seconds() }
	read, readWall := "", 0.0
	for _, r := range readers {
		if w, ok := median(res[r], wall); ok && (read == "" || w < readWall) {
			read, readWall = r, w
		}
	}
	floorWall, ok := median(res[toolFloor], wall)
	switch {
	case !ok:
		return read
	case read == "" || floorWall > readWall:
		return toolFloor
	}
	return read
}

// metric is one row of the table: how to read a value from a measure.
type metric struct {
	label string
	get   func(measure) float64
	fmt   string
}

func median(ms []measure, get func(measure) float64) (float64, bool) {
	if len(ms) == 0 {
		return 0, false
	}
	v := make([]float64, len(ms))
	for i, m := range ms {
		v[i] = get(m)
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2], true
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2, true
}

func (b *bench) rows(sc scenario) [][]string {
	res := b.results[sc.name]
	mib := func(m measure) float64 { return float64(m.Usage.PeakRSS) / (1 << 20) }
	cpu := func(m measure) float64 { return m.Usage.CPU.Seconds() }
	ms := func(d func(measure) time.Duration) func(measure) float64 {
		return func(m measure) float64 { return float64(d(m)) / float64(time.Millisecond) }
	}
	n := b.o.rows
	if sc.snapshot {
		n = b.o.snapRows
	}
	var metrics []metric
	if sc.latency {
		metrics = []metric{
			{"commit→consumer p50 (ms)", ms(func(m measure) time.Duration { return m.P50 }), "%.1f"},
			{"commit→consumer p99 (ms)", ms(func(m measure) time.Duration { return m.P99 }), "%.1f"},
			{"commit→consumer max (ms)", ms(func(m measure) time.Duration { return m.Max }), "%.1f"},
			{"rows/s written", func(m measure) float64 { return m.Rate }, "%.0f"},
			{"CPU (s)", cpu, "%.2f"},
			{"peak RSS (MiB)", mib, "%.0f"},
		}
	} else {
		metrics = []metric{
			{"time (s)", func(m measure) float64 { return m.Wall.Seconds() }, "%.2f"},
			{"rows/s", func(m measure) float64 { return float64(n) / m.Wall.Seconds() }, "%.0f"},
			{"CPU (s)", cpu, "%.2f"},
			{"peak RSS (MiB)", mib, "%.0f"},
		}
	}
	l := b.layoutOf(sc)
	lim := limitTool(res, l.readers)
	width := len(l.cols) + 3
	title := make([]string, width)
	title[0] = sc.title
	out := [][]string{title}
	for _, m := range metrics {
		row := []string{"  " + m.label}
		val := map[string]float64{}
		has := map[string]bool{}
		for _, t := range l.cols {
			val[t], has[t] = median(res[t], m.get)
		}
		if lim != "" {
			val["limit"], has["limit"] = median(res[lim], m.get)
		}
		for _, c := range l.cols {
			switch {
			case has[c]:
				row = append(row, fmt.Sprintf(m.fmt, val[c]))
			case b.notRun(c) != "":
				row = append(row, b.notRun(c))
			default:
				row = append(row, "–")
			}
		}
		for _, other := range []string{"limit", toolDebezium} {
			if has[toolSluice] && has[other] && val[other] != 0 {
				row = append(row, fmt.Sprintf("%.2f", val[toolSluice]/val[other]))
			} else {
				row = append(row, "–")
			}
		}
		out = append(out, row)
	}
	if lim != "" {
		out[0][slices.Index(l.cols, "limit")+1] = "(" + lim + ")"
	}
	return out
}

// snapshotGoal is the goal line of the snapshot table: sluice (1 thread)
// at >= 0.8 x the limit and >= 3 x Debezium, in rows/s, with the measured
// ratios.
func (b *bench) snapshotGoal(sc scenario) string {
	res := b.results[sc.name]
	rate := func(m measure) float64 { return float64(b.o.snapRows) / m.Wall.Seconds() }
	s, okS := median(res[toolSluice], rate)
	check := func(other string, want float64) string {
		o, ok := median(res[other], rate)
		if !okS || !ok || o == 0 {
			return "n/a"
		}
		verdict := "met"
		if s/o < want {
			verdict = "NOT met"
		}
		return fmt.Sprintf("%.2f × (%s)", s/o, verdict)
	}
	lim := limitTool(res, b.snapshotLayout().readers)
	limit := "n/a"
	if lim != "" {
		limit = check(lim, 0.8)
	}
	return fmt.Sprintf("goal (sluice, 1 thread, rows/s): ≥ 0.8 × min(read limit, write limit): %s; ≥ 3 × Debezium: %s", limit, check(toolDebezium, 3))
}

// tableGroups splits the scenarios into the report's tables: the drains
// and the latency run share the drain layout, the snapshot has its own.
func tableGroups(scenarios []scenario) [][]scenario {
	var groups [][]scenario
	for i, sc := range scenarios {
		if i == 0 || sc.snapshot != scenarios[i-1].snapshot {
			groups = append(groups, nil)
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], sc)
	}
	return groups
}

// isTitle says whether a row is a scenario's title (metric rows are
// indented).
func isTitle(r []string) bool { return !strings.HasPrefix(r[0], "  ") }

// terminalTable lays out a header and rows in aligned columns.
func terminalTable(columns []string, all [][]string) string {
	widths := make([]int, len(columns))
	for i, c := range columns {
		widths[i] = len([]rune(c))
	}
	for _, r := range all {
		for i, c := range r {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	var t strings.Builder
	line := func(cells []string) {
		for i, c := range cells {
			pad := strings.Repeat(" ", widths[i]-len([]rune(c)))
			if i == 0 {
				t.WriteString(c + pad)
			} else {
				t.WriteString("  " + pad + c)
			}
		}
		t.WriteString("\n")
	}
	line(columns)
	for _, r := range all {
		line(r)
	}
	return t.String()
}

// markdownTable is a header and rows as a Markdown table, scenario titles
// in bold.
func markdownTable(columns []string, all [][]string) string {
	var m strings.Builder
	m.WriteString("| " + strings.Join(columns, " | ") + " |\n")
	m.WriteString("|" + strings.Repeat("---|", len(columns)) + "\n")
	for _, r := range all {
		cells := slices.Clone(r)
		if isTitle(cells) {
			cells[0] = "**" + cells[0] + "**"
		} else {
			cells[0] = strings.TrimSpace(cells[0])
		}
		m.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	return m.String()
}

func (b *bench) report(scenarios []scenario, took time.Duration) reportText {
	var t, tables strings.Builder
	for i, g := range tableGroups(scenarios) {
		columns := b.columns(b.layoutOf(g[0]))
		var all [][]string
		for _, sc := range g {
			all = append(all, b.rows(sc)...)
		}
		if i > 0 {
			t.WriteString("\n")
			tables.WriteString("\n")
		}
		t.WriteString(terminalTable(columns, all))
		tables.WriteString(markdownTable(columns, all))
		if g[0].snapshot {
			goal := b.snapshotGoal(g[0])
			t.WriteString(goal + "\n")
			tables.WriteString("\n" + goal + "\n")
		}
	}
	t.WriteString(fmt.Sprintf("median of %d run(s); ratios are sluice's figure divided by the other's (time: >1 is slower; rows/s: <1 is slower); the limit is the slower of the read limit (the faster reader) and the Kafka floor (the write limit)\n", b.o.runs))
	if b.dbz.home == "" {
		t.WriteString("debezium: n/a (" + b.dbz.reason + ")\n")
	} else {
		t.WriteString("debezium: Debezium Server " + b.dbz.version + ", Kafka sink with the idempotent producer: at-least-once (its Kafka sink has no transactions)\n")
	}
	if b.noThreads != "" && slices.ContainsFunc(scenarios, func(sc scenario) bool { return sc.snapshot }) {
		t.WriteString("sluice N threads: n/a (" + b.noThreads + ")\n")
	}

	// A run of some of the source's scenarios (-only) writes a subsection
	// of its own, which mergeSubsection puts in the source's section,
	// keeping the tables of the scenarios it did not run.
	if title := b.partialTitle(scenarios); title != "" {
		var m strings.Builder
		fmt.Fprintf(&m, "%s\n\n**Measured %s** by `go run ./integration/bench %s` (%d run(s) per figure, %s in all). Machine: %d cores, %s, %s/%s, Go %s. %s\n\n",
			title, time.Now().UTC().Format("2006-01-02 15:04 MST"), shellJoin(os.Args[1:]), b.o.runs, took.Round(time.Second),
			runtime.NumCPU(), memTotal(), runtime.GOOS, runtime.GOARCH, runtime.Version(), loadNote())
		if b.o.note != "" {
			fmt.Fprintf(&m, "**Note:** %s\n\n", b.o.note)
		}
		m.WriteString(tables.String())
		m.WriteString("\nMedian of the runs for every figure; ratios and columns as in the tables above, and the method under \"How it was measured\".\n")
		return reportText{table: t.String(), markdown: m.String(), subsection: title}
	}

	// Markdown: this source's section of BENCHMARKS.md (see mergeReport).
	var m strings.Builder
	by := "`make bench`"
	if b.o.source == "mysql" {
		fmt.Fprintf(&m, "## MySQL (MariaDB 10.11)\n\n")
		by = "`go run ./integration/bench -source mysql`"
	} else {
		fmt.Fprintf(&m, "## PostgreSQL\n\n")
	}
	fmt.Fprintf(&m, "Measured %s by %s (integration/bench), %d run(s) per figure, %s in all.\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), by, b.o.runs, took.Round(time.Second))
	fmt.Fprintf(&m, "Machine: %d cores, %s, %s/%s, Go %s. %s\n\n", runtime.NumCPU(), memTotal(), runtime.GOOS, runtime.GOARCH, runtime.Version(), loadNote())
	if b.o.note != "" {
		fmt.Fprintf(&m, "**Note:** %s\n\n", b.o.note)
	}
	m.WriteString(tables.String())
	lt := b.limitTools()
	fmt.Fprintf(&m, "\nMedian of the runs for every figure (each column separately). Ratios are sluice's figure divided by the limit's or Debezium's: for times, above 1 means sluice is slower; for rows/s, below 1 means it is slower. The limit column is the slower of the read limit (for a drain, whichever of %s and the %s reader was faster) and the Kafka floor (the write limit), named under it.\n\n", lt[0], lt[1])
	if b.o.source == "mysql" {
		m.WriteString(b.methodMarkdownMySQL())
	} else {
		m.WriteString(b.methodMarkdown())
	}
	return reportText{table: t.String(), markdown: m.String()}
}

// shellJoin quotes args for a shell, so the command can be pasted.
func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a != "" && strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=,:") == "" {
			q[i] = a
		} else {
			q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(q, " ")
}

func memTotal() string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "? memory"
	}
	var kb int64
	if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kb); err != nil {
		return "? memory"
	}
	return fmt.Sprintf("%.0f GiB memory", float64(kb)/(1<<20))
}

func loadNote() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return fmt.Sprintf("Load average at the end: %s %s %s.", f[0], f[1], f[2])
}

func (b *bench) methodMarkdown() string {
	o := b.o
	var s strings.Builder
	s.WriteString("### How it was measured\n\n")
	fmt.Fprintf(&s, "Command: `make bench` (which runs `go run ./integration/bench %s`), against the servers of `integration/env/up`: PostgreSQL 15 on 127.0.0.1:55432 (`fsync=off`), Kafka 4 on 127.0.0.1:59092 (one broker, replication factor 1). Settings: `-rows %d -txn-rows %d -runs %d -rate %d -duration %s -latency-txn-rows %d -snapshot-rows %d -snapshot-threads %d`.\n\n",
		shellJoin(os.Args[1:]), o.rows, o.txnRows, o.runs, o.rate, o.duration, o.latTxn, o.snapRows, o.snapThr)
	s.WriteString(`- **Backlog.** Each drain run creates a fresh table ` + "`(id bigint primary key, stamp_ns bigint, payload text)`" + ` (80 hex characters of payload: about 100 bytes a row), a publication for it, and one pgoutput slot per tool, and only then writes the backlog server-side (a DO block committing every ` + fmt.Sprint(o.txnRows) + ` rows, or one INSERT for the single transaction). Every slot therefore holds the same changes, and every tool reads them from its own slot, after the backlog is complete.
- **Order.** The tools drain one after the other, in an order that reverses from run to run (so none always reads a cold or a warm WAL); every figure is the median over the runs.
- **The limit** is the database's own decode rate: the faster of (1) ` + "`pg_recvlogical --start --endpos <end> -o proto_version=1 -o publication_names=<pub> -f /dev/null`" + ` and (2) a minimal Go reader (pglogrepl, ` + "`pgreader`" + ` mode of the harness, in its own process) that parses every pgoutput message and decodes every column of every row with pgtype, reading the socket through a 4 MiB buffer the way sluice reads it (after a read that found less than 32 KiB it waits 0.5 ms, so the next read takes many messages at once; an eager reader makes the walsender send tiny packets), and does nothing else. Both are timed from process start to exit.
- **sluice** is ` + "`sluice serve`" + ` (built with ` + "`go build`" + `), started before the clock; the clock starts at ` + "`POST /connectors`" + ` of a connector with ` + "`snapshot.mode=no_data`" + `, ` + "`publication.autocreate.mode=disabled`" + ` on the pre-made slot and publication, and stops when a read_committed consumer (franz-go, in the harness) has seen the last row. Exactly-once is always on in sluice: every batch and its checkpoint are one Kafka transaction (acks=all, snappy, default ` + "`sluice.batch.*`" + ` settings). The topic is created beforehand with one partition for every tool.
- **Debezium** is Debezium Server (` + b.dbz.version + `, the newest ` + "`debezium-server-dist`" + ` the Maven repository serves here; fetched by ` + "`integration/bench/debezium/fetch.sh`" + ` into the env cache), with the same connector keys (` + "`snapshot.mode=no_data`" + `, same slot and publication kind), JSON without schemas, and a Kafka sink producer with acks=all, enable.idempotence=true, compression.type=snappy. **Exactly-once is not available** in Debezium Server's Kafka sink (no transactional producer; Kafka Connect's exactly-once source support needs a distributed worker), so Debezium runs at-least-once. Its clock starts when Quarkus reports it has started (the engine starts the connector then); the JVM's start before that is not counted, just as sluice's daemon start is not. CPU and RSS are the whole JVM process's, default heap settings. Debezium's own batching defaults are kept (max.batch.size 2048, max.queue.size 8192, poll.interval.ms 500: the last bounds its live latency from below), as sluice's are (sluice.batch.linger.ms 20).
- **Latency.** A live run per tool: a fresh table, slot and running connector; a warm-up row must arrive first; then one generator connection commits ` + fmt.Sprint(o.latTxn) + `-row transactions on a fixed schedule (` + fmt.Sprint(o.rate) + ` rows/s for ` + o.duration.String() + `), each sent as one ` + "`BEGIN; INSERT …; COMMIT`" + ` round trip with every row stamped with the generator's clock (UnixNano) just before it is sent. The read_committed consumer takes arrival time minus stamp for every row; p50, p99 and max are over all rows of a run, then the median over runs. **The limit column of the latency table is the Kafka floor** (` + "`kafkafloor`" + ` mode of the harness, its own process): no database; a generator stamps ` + fmt.Sprint(o.latTxn) + `-row groups at the same rate and a committer treats them as sluice's task loop does (records into the open transaction as they come, a commit whenever nothing more is queued), with sluice's producer settings (acks=all, snappy, linger 10 ms, classic transactions, 1 ms concurrent-transactions backoff), read by the same consumer.
` + floorMethod("PostgreSQL") + `
` + snapshotMethod("postgres") + `
- **CPU and memory.** CPU seconds are user+system (` + "`/proc/<pid>/stat`" + `, or wait4's rusage for processes that exit: pg_recvlogical and the readers), peak RSS is ` + "`VmHWM`" + ` of ` + "`/proc/<pid>/status`" + `, for processes that exit sampled every 100 ms while they run (rusage's maxrss of a child carries the harness's own memory from before exec, so it is not used). For sluice and Debezium they cover the process's life up to the last row's arrival, including its start.
- **Checks.** Every run checks that sluice and Debezium delivered exactly one record per row written (the count, and that no key repeats); the pglogrepl reader checks it decoded every row. The snapshot run checks the same of every pipeline and the Kafka floor, and that the read limit read every row. ` + "`make bench-smoke`" + ` (run by ` + "`make test`" + `) does the same on 20k rows (and a 20k-row snapshot table) without speed assertions.
- **Cleanup.** Tables, publications and slots are named ` + "`sluice_bench_<random>_…`" + ` and dropped at the end of each run, also on failure; the topics are deleted at the end.
`)
	return s.String()
}

// floorMethod is the method text of the Kafka floor (the write limit).
func floorMethod(source string) string {
	return `- **The Kafka floor** (the write limit, ` + "`kafka-floor`" + ` column; ` + "`kafkawrite`" + ` mode of the harness, its own process) writes as many records as the run has rows, with no database: records shaped like sluice's records of the table (the Debezium envelope as JSON without schemas, the ` + source + ` source block, ` + "`op`" + ` c for a drain and r for a snapshot, and the five headers sluice adds: the log shows bytes a record for the floor and for sluice, about 850 each), built by copying bytes from a template (nothing is encoded while the clock runs), produced with sluice's producer settings (sinks/kafka: transactional, acks=all, snappy, 256 KiB batches, linger 10 ms, classic transactions, 1 ms concurrent-transactions backoff) in transactions of sluice's default batch (` + "`sluice.batch.max.events`" + ` 10000 or ` + "`sluice.batch.max.bytes`" + ` 8 MiB, whichever is reached first; no checkpoint record). It first commits a warm-up record (producer initialised, topic known), then is timed like the pipelines, from the word to go until the read_committed consumer has the last record. A drain's or a snapshot's limit column is the slower of its read limit (for a drain, the faster decode reader) and this write limit, named under it, so each is judged against the lower of the two.`
}

// snapshotMethod is the method text of the snapshot scenario.
func snapshotMethod(source string) string {
	if source == "mysql" {
		return `- **Snapshot.** A fresh database holding one table of ` + "`-snapshot-rows`" + ` rows (same columns and payloads as the drains; 10M by default, 20k in ` + "`make bench-smoke`" + `), written server-side (one transaction up to 1M rows, then 1M-row transactions) and ` + "`ANALYZE TABLE`" + `d. Then, in an order that reverses from run to run: the read limit, ` + "`SELECT id, stamp_ns, payload FROM <db>.rows`" + ` streamed through go-mysql's client (` + "`ExecuteSelectStreaming`" + `, every row decoded into Go values, go-mysql's default) into nothing (` + "`myselect`" + ` mode, its own process, timed from start to exit); the Kafka floor with r records; sluice with ` + "`snapshot.mode=initial`" + ` (one thread; the ` + "`sluice N threads`" + ` column, ` + "`snapshot.max.threads`" + ` of ` + "`-snapshot-threads`" + ` (4), runs only when sluice's ` + "`GET /connector-plugins/<class>/config`" + ` lists that key, and says n/a when it does not); Debezium Server with the same keys plus its schema history file (its default ` + "`snapshot.locking.mode=minimal`" + `). Each pipeline starts fresh and is timed from connector start (` + "`POST /connectors`" + `; Quarkus's start for Debezium) until the consumer has the table's last row. The line under the table states the goal, sluice (1 thread) at ≥ 0.8 × the limit's rows/s and ≥ 3 × Debezium's, with the measured ratios.`
	}
	return `- **Snapshot.** A fresh table of ` + "`-snapshot-rows`" + ` rows (same columns and payloads as the drains; 10M by default, 20k in ` + "`make bench-smoke`" + `), written server-side (one transaction up to 1M rows, then 1M-row transactions) and then ` + "`VACUUM (FREEZE, ANALYZE)`" + `d, so every reader finds the same heap; the pipelines' slots are made before any clock starts (creating a slot waits for every open transaction on the server). Then, in an order that reverses from run to run: the read limit, ` + "`COPY (SELECT id, stamp_ns, payload FROM <table>) TO STDOUT`" + ` through pgx's connection (` + "`pgconn.CopyTo`" + `) into a writer that counts lines and discards them (` + "`pgcopy`" + ` mode, its own process, timed from start to exit; no ORDER BY, the fastest read of the table); the Kafka floor with r records; sluice with ` + "`snapshot.mode=initial`" + ` on its pre-made slot and the publication (one thread; the ` + "`sluice N threads`" + ` column, ` + "`snapshot.max.threads`" + ` of ` + "`-snapshot-threads`" + ` (4), runs only when sluice's ` + "`GET /connector-plugins/<class>/config`" + ` lists that key, and says n/a when it does not); Debezium Server with the same keys. Each pipeline is timed from connector start (` + "`POST /connectors`" + `; Quarkus's start for Debezium) until the consumer has the table's last row. The line under the table states the goal, sluice (1 thread) at ≥ 0.8 × the limit's rows/s and ≥ 3 × Debezium's, with the measured ratios.`
}
