package main

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// scaleSVGPath is the scale section's picture, beside BENCHMARKS.md.
const scaleSVGPath = "docs/bench-scale.svg"

// Goals of issue 19.
const (
	goalTablesRatio = 1.5 // snapshot time at N tables over the time at 1
	goalConnMB      = 1.0 // MB of RSS per idle connector
)

// tablesPointOf returns tool's figures at n tables.
func (r scaleResults) tablesPointOf(tool string, n int) (tablesPoint, bool) {
	i := slices.IndexFunc(r.tables, func(p tablesPoint) bool { return p.Tool == tool && p.N == n })
	if i < 0 {
		return tablesPoint{}, false
	}
	return r.tables[i], true
}

// connsPointOf returns tool's figures at c connectors.
func (r scaleResults) connsPointOf(tool string, c int) (connsPoint, bool) {
	i := slices.IndexFunc(r.conns, func(p connsPoint) bool { return p.Tool == tool && p.C == c })
	if i < 0 {
		return connsPoint{}, false
	}
	return r.conns[i], true
}

// tableCounts and connCounts are the measured Ns and Cs, ascending.
func (r scaleResults) tableCounts() []int {
	var n []int
	for _, p := range r.tables {
		n = append(n, p.N)
	}
	slices.Sort(n)
	return slices.Compact(n)
}

func (r scaleResults) connCounts() []int {
	var n []int
	for _, p := range r.conns {
		n = append(n, p.C)
	}
	slices.Sort(n)
	return slices.Compact(n)
}

// snapshotRatio is tool's snapshot time at n tables over its time at 1.
func (r scaleResults) snapshotRatio(tool string, n int) (float64, bool) {
	one, ok1 := r.tablesPointOf(tool, 1)
	p, ok := r.tablesPointOf(tool, n)
	if !ok || !ok1 || one.Snapshot <= 0 {
		return 0, false
	}
	return p.Snapshot.Seconds() / one.Snapshot.Seconds(), true
}

// tablesRows are the rows of the tables table.
func (r scaleResults) tablesRows(rows int) (cols []string, out [][]string) {
	cols = []string{"tables", "rows/table"}
	for _, t := range []string{toolSluice, toolDebezium} {
		cols = append(cols, t+" snapshot (s)", "× 1 table")
		if t == toolSluice {
			cols = append(cols, "Kafka floor (s)", "× floor")
		}
		cols = append(cols, t+" streaming (s)", t+" CPU (s)", t+" RSS (MiB)")
	}
	for _, n := range r.tableCounts() {
		row := []string{"  " + fmt.Sprint(n), fmt.Sprint(rows / n)} // indented: a value row, not a title
		for _, t := range []string{toolSluice, toolDebezium} {
			p, ok := r.tablesPointOf(t, n)
			if !ok {
				row = append(row, "–", "–", "–", "–", "–")
				if t == toolSluice {
					row = append(row, "–", "–")
				}
				continue
			}
			ratio := "–"
			if x, ok := r.snapshotRatio(t, n); ok {
				ratio = fmt.Sprintf("%.2f", x)
			}
			row = append(row, fmt.Sprintf("%.2f", p.Snapshot.Seconds()), ratio)
			if t == toolSluice {
				floor, over := "–", "–"
				if p.Floor > 0 {
					floor, over = fmt.Sprintf("%.2f", p.Floor.Seconds()), fmt.Sprintf("%.2f", p.Snapshot.Seconds()/p.Floor.Seconds())
				}
				row = append(row, floor, over)
			}
			row = append(row, fmt.Sprintf("%.2f", p.Stream.Seconds()),
				fmt.Sprintf("%.2f", p.Usage.CPU.Seconds()), fmt.Sprintf("%.0f", float64(p.Usage.PeakRSS)/(1<<20)))
		}
		out = append(out, row)
	}
	return cols, out
}

// connsRows are the rows of the connectors table.
func (r scaleResults) connsRows() (cols []string, out [][]string) {
	cols = []string{"connectors"}
	for _, t := range []string{toolSluice, toolDebezium} {
		cols = append(cols, t+" RSS none → C (MiB)", "MB/connector", "of it not file-backed", "TCP none → C", "idle CPU (%)", "all RUNNING (s)", "a change each (s)")
	}
	for _, c := range r.connCounts() {
		row := []string{"  " + fmt.Sprint(c)}
		for _, t := range []string{toolSluice, toolDebezium} {
			p, ok := r.connsPointOf(t, c)
			if !ok {
				row = append(row, "–", "–", "–", "–", "–", "–", "–")
				continue
			}
			row = append(row, fmt.Sprintf("%.1f → %.1f", float64(p.RSS0)/(1<<20), float64(p.RSS)/(1<<20)),
				fmt.Sprintf("%.2f", p.perConnMB()), fmt.Sprintf("%.2f", p.perConnAnonMB()), fmt.Sprintf("%d → %d", p.TCP0, p.TCP),
				fmt.Sprintf("%.1f", 100*p.IdleCPU), fmt.Sprintf("%.2f", p.Registered.Seconds()), fmt.Sprintf("%.2f", p.Arrive.Seconds()))
		}
		out = append(out, row)
	}
	return cols, out
}

// tablesGoal is the goal line under the tables table: sluice's snapshot
// time at every N within 1.5 × its time at one table.
func (r scaleResults) tablesGoal() string {
	var parts []string
	for _, n := range r.tableCounts() {
		if n == 1 {
			continue
		}
		x, ok := r.snapshotRatio(toolSluice, n)
		if !ok {
			continue
		}
		part := fmt.Sprintf("%s %.2f × (%s", plural(n, "table"), x, verdict(x <= goalTablesRatio))
		if p, ok := r.tablesPointOf(toolSluice, n); ok && p.Floor > 0 {
			if one, ok := r.tablesPointOf(toolSluice, 1); ok && one.Snapshot > 0 {
				part += fmt.Sprintf("; Kafka alone took %.2f × sluice's 1-table time", p.Floor.Seconds()/one.Snapshot.Seconds())
			}
		}
		parts = append(parts, part+")")
	}
	if len(parts) == 0 {
		parts = []string{"n/a (needs sluice at 1 table and at more)"}
	}
	return fmt.Sprintf("goal (issue 19): sluice's snapshot time at N tables ≤ %.1f × its time at 1 table: %s", goalTablesRatio, strings.Join(parts, ", "))
}

// connsGoal is the goal line under the connectors table.
func (r scaleResults) connsGoal() string {
	var parts []string
	for _, c := range r.connCounts() {
		p, ok := r.connsPointOf(toolSluice, c)
		if !ok || c == 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %.2f MB (%s; %.2f MB not file-backed)", plural(c, "connector"), p.perConnMB(), verdict(p.perConnMB() <= goalConnMB), p.perConnAnonMB()))
	}
	if len(parts) == 0 {
		parts = []string{"n/a"}
	}
	return fmt.Sprintf("goal (issue 19): ≤ %.0f MB RSS per idle sluice connector: %s", goalConnMB, strings.Join(parts, ", "))
}

// retryNote lists the points where sluice's task was retried after a
// retryable failure ("" when none was): their times include the retry.
func (r scaleResults) retryNote() string {
	var parts []string
	for _, p := range r.tables {
		if p.Retries > 0 {
			parts = append(parts, fmt.Sprintf("%s at %s: %d", p.Tool, plural(p.N, "table"), p.Retries))
		}
	}
	for _, p := range r.conns {
		if p.Retries > 0 {
			parts = append(parts, fmt.Sprintf("%s with %s: %d", p.Tool, plural(p.C, "connector"), p.Retries))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "task retries after a retryable failure (the times include them): " + strings.Join(parts, "; ")
}

// plural is "1 table", "10 tables".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func verdict(met bool) string {
	if met {
		return "met"
	}
	return "NOT met"
}

// scaleSVG draws snapshot time against tables, and the daemon's RSS and
// the RSS the connectors add against connectors (the second shows the
// goal: Debezium's JVM would flatten sluice's growth in the first), with
// the goals dashed.
func (r scaleResults) scaleSVG(rows int) string {
	colors := map[string]string{toolSluice: "#1f77b4", toolDebezium: "#d62728"}
	snap := lineChart{Title: fmt.Sprintf("initial snapshot of %s rows", count(rows)), XLabel: "tables (log scale)", YLabel: "time (s)", LogX: true}
	mem := lineChart{Title: "daemon RSS with C idle connectors", XLabel: "connectors", YLabel: "RSS (MiB)"}
	added := lineChart{Title: "RSS the C idle connectors add", XLabel: "connectors", YLabel: "RSS(C) − RSS(none) (MiB)"}
	for _, t := range []string{toolSluice, toolDebezium} {
		se := chartSeries{Name: t, Color: colors[t]}
		for _, p := range r.tables {
			if p.Tool == t {
				se.Points = append(se.Points, chartPoint{float64(p.N), p.Snapshot.Seconds()})
			}
		}
		slices.SortFunc(se.Points, func(a, b chartPoint) int { return int(a.X - b.X) })
		if len(se.Points) > 0 {
			snap.Series = append(snap.Series, se)
		}
		if t == toolSluice {
			fl := chartSeries{Name: "Kafka floor (the same records, no database)", Color: "#7f7f7f", Dash: true}
			for _, p := range se.Points {
				if q, ok := r.tablesPointOf(toolSluice, int(p.X)); ok && q.Floor > 0 {
					fl.Points = append(fl.Points, chartPoint{p.X, q.Floor.Seconds()})
				}
			}
			if len(fl.Points) > 0 {
				snap.Series = append(snap.Series, fl)
			}
		}
		me, ad := chartSeries{Name: t, Color: colors[t]}, chartSeries{Name: t, Color: colors[t]}
		for _, p := range r.conns {
			if p.Tool == t {
				if len(me.Points) == 0 {
					me.Points = append(me.Points, chartPoint{0, float64(p.RSS0) / (1 << 20)})
					ad.Points = append(ad.Points, chartPoint{0, 0})
				}
				me.Points = append(me.Points, chartPoint{float64(p.C), float64(p.RSS) / (1 << 20)})
				ad.Points = append(ad.Points, chartPoint{float64(p.C), float64(p.RSS-p.RSS0) / (1 << 20)})
			}
		}
		if len(me.Points) > 0 {
			mem.Series = append(mem.Series, me)
			added.Series = append(added.Series, ad)
		}
	}
	if one, ok := r.tablesPointOf(toolSluice, 1); ok {
		ns := r.tableCounts()
		g := chartSeries{Name: fmt.Sprintf("goal: %.1f × sluice at 1 table", goalTablesRatio), Color: "#2ca02c", Dash: true}
		y := goalTablesRatio * one.Snapshot.Seconds()
		g.Points = []chartPoint{{float64(ns[0]), y}, {float64(ns[len(ns)-1]), y}}
		snap.Series = append(snap.Series, g)
	}
	if cs := r.connCounts(); len(cs) > 0 {
		top := float64(cs[len(cs)-1])
		added.Series = append(added.Series, chartSeries{Name: fmt.Sprintf("goal: %.0f MB a connector", goalConnMB), Color: "#2ca02c", Dash: true,
			Points: []chartPoint{{0, 0}, {top, top * goalConnMB * 1e6 / (1 << 20)}}})
	}
	return svgDoc("sluice scale (issue 19)", snap, mem, added)
}

// scaleReport is the scale section: the terminal tables, the Markdown
// section and the picture.
func (b *bench) scaleReport() (reportText, string) {
	r := b.scale
	rows := b.o.scale.rows
	tc, tr := r.tablesRows(rows)
	cc, cr := r.connsRows()
	var t strings.Builder
	fmt.Fprintf(&t, "scale: snapshot of %s rows over N tables, then %s changes\n", count(rows), count(b.o.scale.changes))
	t.WriteString(terminalTable(tc, tr))
	t.WriteString(r.tablesGoal() + "\n\nscale: C connectors in one daemon\n")
	t.WriteString(terminalTable(cc, cr))
	t.WriteString(r.connsGoal() + "\n")
	notes := slices.Concat(r.failed, r.skips)
	if n := r.retryNote(); n != "" {
		notes = append(notes, n)
	}
	for _, s := range notes {
		t.WriteString(s + "\n")
	}
	if b.connect == nil {
		t.WriteString("debezium: n/a (" + b.noConnect + ")\n")
	}

	var m strings.Builder
	m.WriteString("## Scale (PostgreSQL)\n\n")
	fmt.Fprintf(&m, "Measured %s by %s (integration/bench), one run per figure, %s in all.\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), "`go run ./integration/bench "+shellJoin(os.Args[1:])+"`", r.took.Round(time.Second))
	fmt.Fprintf(&m, "Machine: %d cores, %s, %s/%s, Go %s. %s\n\n", runtime.NumCPU(), memTotal(), runtime.GOOS, runtime.GOARCH, runtime.Version(), loadNote())
	if b.o.note != "" {
		fmt.Fprintf(&m, "**Note:** %s\n\n", b.o.note)
	}
	fmt.Fprintf(&m, "![snapshot time against tables, RSS against connectors](%s)\n\n", scaleSVGPath)
	fmt.Fprintf(&m, "### Tables: %s rows over N tables, then %s changes\n\n", count(rows), count(b.o.scale.changes))
	m.WriteString(markdownTable(tc, tr))
	m.WriteString("\n" + r.tablesGoal() + "\n\n")
	m.WriteString("### Connectors: C connectors in one daemon\n\n")
	m.WriteString(markdownTable(cc, cr))
	m.WriteString("\n" + r.connsGoal() + "\n\n")
	for _, s := range notes {
		m.WriteString("- " + s + "\n")
	}
	if len(notes) > 0 {
		m.WriteString("\n")
	}
	m.WriteString(b.scaleMethod())
	return reportText{table: t.String(), markdown: m.String()}, r.scaleSVG(rows)
}

// scaleMethod is the scale section's "how it was measured".
func (b *bench) scaleMethod() string {
	so := b.o.scale
	dbz := "n/a (" + b.noConnect + ")"
	if b.connect != nil {
		dbz = fmt.Sprintf("Kafka Connect %s (distributed worker of `integration/env`, `-Xmx768m`, SerialGC) with Debezium's Postgres connector %s", b.connect.version, b.connect.plugin)
	}
	var s strings.Builder
	s.WriteString("### How it was measured (scale)\n\n")
	fmt.Fprintf(&s, "Settings: `-scale-rows %d -scale-tables %s -scale-changes %d -scale-connectors %s -scale-settle %s -scale-debezium-tables %s -scale-debezium-connectors %s`. Debezium: %s.\n\n",
		so.rows, joinInts(so.tables), so.changes, joinInts(so.conns), so.settle, joinInts(so.dbTables), joinInts(so.dbConns), dbz)
	s.WriteString(`- **Tables.** For each N, a fresh schema ` + "`sluice_bench_<random>_t<N>_<tool>`" + ` of N tables of the drains' shape holding the rows in all (table i holds ids [i·R/N, (i+1)·R/N), so ids are unique across the schema), a publication ` + "`FOR TABLES IN SCHEMA`" + ` and a pgoutput slot made by the harness before the clock; then a fresh ` + "`sluice serve`" + ` and one connector (` + "`snapshot.mode=initial`" + `, ` + "`table.include.list=<schema>\\..*`" + `, ` + "`publication.autocreate.mode=disabled`" + `, its own topic prefix). Nothing creates the topics beforehand: creating them is part of what a table costs. **Snapshot** is from ` + "`POST /connectors`" + ` until a read_committed consumer (subscribed to the prefix by regex) has every row of every table once. **Streaming** is then ` + fmt.Sprint(so.changes) + ` inserts, server-side in 10-row transactions with row k going to table k mod N (so the transactions are the same whatever N), timed from the start of the write until the consumer has every one. **RSS** and **CPU** are the daemon's peak RSS (` + "`VmHWM`" + `) and user+system CPU over its life up to the last change. The ratio column is the snapshot time over the same tool's at 1 table. **Kafka floor** (sluice's rows only): once the daemon has stopped, the records sluice wrote are read back and written again to N fresh topics by sluice's own Kafka sink (` + "`sinks/kafka`" + `: the same producer settings, the topics created together as sluice creates them), table after table, 10,000 records a transaction with a checkpoint record each, timed as the snapshot is: from the topics' creation until a read_committed consumer subscribed by regex has every record; no database, no decoding. It is what the broker, the producer and the consumer alone take for N new topics holding those bytes (a broker pays per new partition: its log, and its first index entries), the least a snapshot of N tables can take on this broker; "× floor" is sluice's snapshot time over it.
- **Connectors.** For each C, a fresh schema of C one-row tables, one publication and one slot per table, and a fresh ` + "`sluice serve`" + `: after ` + so.settle.String() + ` with no connector its RSS (` + "`VmRSS`" + ` now, not the peak) and TCP connections (the TCP sockets among ` + "`/proc/<pid>/fd`" + `, by inode in ` + "`/proc/<pid>/net/tcp{,6}`" + `, leaving out listening ones and those on the REST port: the harness's own calls) are read; then C connectors are created (each ` + "`snapshot.mode=initial`" + ` on its own table, slot, publication and topic prefix, its own ` + "`transactional.id`" + `), all must be RUNNING with their snapshot row delivered ("all RUNNING": from the first POST), then after another ` + so.settle.String() + ` idle the RSS and TCP connections are read again, and the CPU over that settle is the idle CPU. MB/connector is (RSS(C) − RSS(none)) / C in MB (10⁶ bytes); "of it not file-backed" leaves out the growth of ` + "`RssFile`" + `, the program's code and data that the first connector's run pages in once per process (about 4 MB of sluice's; a JVM's classes are mostly in anonymous memory). "A change each" is one insert into every table (10-row transactions) until the consumer has all C.
- **Debezium** runs the same on the Kafka Connect worker (connectors created over its REST API with the same Debezium keys plus JSON converters without schemas, topics created by Connect with one partition, ` + "`producer.override.acks=all`" + `, snappy), at the N of ` + "`-scale-debezium-tables`" + ` and the C of ` + "`-scale-debezium-connectors`" + `. The worker is one long-lived JVM shared with other jobs, so its figures are read around each run: its RSS is ` + "`VmRSS`" + ` now (the JVM's peak is its whole life's), its "none" figures are the worker with whatever else it ran at that moment, its CPU the run's share. A JVM's RSS follows its heap's growth more than its live data, so Debezium's per-connector figure is rough. Debezium on Connect runs at-least-once (no exactly-once source support is configured).
- **Checks.** Every figure's consumer checks that every row (and every change) arrived exactly once, in Debezium's JSON envelope; ` + "`make bench-smoke`" + ` runs the scenario at ` + "`-scale-rows 2000 -scale-tables 1,5 -scale-changes 200 -scale-connectors 2`" + ` for the counts only.
- **Cleanup.** Each N's and C's schema, publications and slots are dropped after it, and its topics (every topic of its prefix) deleted; Debezium's connectors are deleted from the worker.
`)
	return s.String()
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ",")
}
