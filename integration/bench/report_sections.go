package main

import (
	"fmt"
	"os"
	"strings"
)

// BENCHMARKS.md holds one section per source (PostgreSQL, then MySQL), and
// the scale scenario's, each between markers, so a run rewrites the
// sections it measured and keeps the others.

var reportSources = []string{"postgres", "mysql", "scale"}

func sectionBegin(source string) string { return "<!-- bench:" + source + " -->" }
func sectionEnd(source string) string   { return "<!-- /bench:" + source + " -->" }

// mergeReport returns the file old with source's section replaced by
// section (added when missing, after the sections that come before it);
// the other sources' sections and whatever else the file holds (the soak's
// section, written by hand) are kept as they are. A file without markers
// (written before there were sections) is taken whole as the postgres
// section.
func mergeReport(old, source, section string) string {
	block := sectionBegin(source) + "\n\n" + strings.TrimSpace(section) + "\n\n" + sectionEnd(source)
	if i, j := strings.Index(old, sectionBegin(source)), strings.Index(old, sectionEnd(source)); i >= 0 && j > i {
		return old[:i] + block + old[j+len(sectionEnd(source)):]
	}
	found := false
	for _, src := range reportSources {
		if strings.Contains(old, sectionBegin(src)) && strings.Contains(old, sectionEnd(src)) {
			found = true
		}
	}
	if found {
		// After the last section of a source listed before this one,
		// else before the first section of one listed after it.
		at := -1
		for _, src := range reportSources {
			if src == source {
				break
			}
			if j := strings.Index(old, sectionEnd(src)); j >= 0 {
				at = j + len(sectionEnd(src))
			}
		}
		if at < 0 {
			for _, src := range reportSources {
				if i := strings.Index(old, sectionBegin(src)); i >= 0 && (at < 0 || i < at) {
					at = i
				}
			}
			return old[:at] + block + "\n\n" + old[at:]
		}
		return old[:at] + "\n\n" + block + old[at:]
	}
	var out strings.Builder
	out.WriteString("# Benchmarks\n\n")
	out.WriteString("sluice against the database's own decode rate (the limit) and against Debezium Server, measured by `integration/bench`; one section per source, each rewritten only by a run of that source, and the scale section (tables and connectors), rewritten only by a run of the scale scenario.\n\n")
	if body := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(old), "# Benchmarks")); body != "" && source != "postgres" {
		fmt.Fprintf(&out, "%s\n\n%s\n\n%s\n\n", sectionBegin("postgres"), body, sectionEnd("postgres"))
	}
	out.WriteString(block + "\n")
	return out.String()
}

// mergeSubsection returns the file old with the subsection headed title
// (a "### " line, up to the next "### " line or the section's end) of
// source's section replaced by body, a run of only some scenarios; when the
// section has no such subsection, body goes before its "### How it was
// measured", or at its end. The rest of the section, the tables of the
// scenarios that did not run, is kept.
func mergeSubsection(old, source, title, body string) string {
	section := ""
	if i, j := strings.Index(old, sectionBegin(source)), strings.Index(old, sectionEnd(source)); i >= 0 && j > i {
		section = strings.TrimSpace(old[i+len(sectionBegin(source)) : j])
	}
	body = strings.TrimSpace(body)
	lines := strings.Split(section, "\n")
	start, end := -1, len(lines)
	for i, l := range lines {
		switch {
		case start < 0 && strings.TrimSpace(l) == title:
			start = i
		case start >= 0 && strings.HasPrefix(l, "### "):
			end = i
		}
		if start >= 0 && end < len(lines) {
			break
		}
	}
	if start < 0 {
		start, end = len(lines), len(lines)
		for i, l := range lines {
			if strings.TrimSpace(l) == "### How it was measured" {
				start, end = i, i
				break
			}
		}
	}
	var out []string
	out = append(out, lines[:start]...)
	out = append(out, strings.Split(body, "\n")...)
	out = append(out, "")
	out = append(out, lines[end:]...)
	return mergeReport(old, source, strings.Join(out, "\n"))
}

func (b *bench) methodMarkdownMySQL() string {
	o := b.o
	var s strings.Builder
	s.WriteString("### How it was measured\n\n")
	fmt.Fprintf(&s, "Command: `go run ./integration/bench %s`, against the servers of `integration/env/up`: MariaDB 10.11 on %s (binlog `ROW`, `binlog_row_image=FULL`, `binlog_row_metadata=FULL`, GTIDs, `sync_binlog=0`, `innodb_flush_log_at_trx_commit=2`, 64 MB binlog files), Kafka 4 on 127.0.0.1:59092 (one broker, replication factor 1). Settings: `-rows %d -txn-rows %d -runs %d -snapshot-rows %d -snapshot-threads %d`. Live latency is not measured for MySQL yet.\n\n",
		shellJoin(os.Args[1:]), o.my.addr(), o.rows, o.txnRows, o.runs, o.snapRows, o.snapThr)
	s.WriteString(`- **Backlog.** Each drain run creates a fresh database holding one table ` + "`rows (id bigint primary key, stamp_ns bigint, payload varchar(100))`" + ` (80 hex characters of payload: about 100 bytes a row) and writes the backlog server-side: a stored procedure whose loop commits one ` + "`INSERT … SELECT`" + ` of ` + fmt.Sprint(o.txnRows) + ` rows from the sequence engine per transaction, or one such INSERT for the single transaction. The binlog position (` + "`SHOW MASTER STATUS`" + `, and ` + "`@@gtid_binlog_pos`" + `) is noted just before the backlog is written and again after it; every tool reads exactly that range, after the backlog is complete. Other jobs may write to the same server meanwhile; the readers skip their events.
- **Positioning sluice and Debezium.** A binlog has no slot that holds a position for a reader, and neither sluice nor Debezium has a key to start streaming at a given binlog position. So, before the backlog, each is started stream-only (` + "`snapshot.mode=no_data`" + `, which starts at the end of the binlog), a warm-up row (one row, id = rows) must reach its topic, so its checkpoint is past it, and it is stopped: sluice's connector with ` + "`PUT /connectors/{name}/stop`" + ` (its checkpoint, checked with ` + "`GET …/offsets`" + `, stays), Debezium Server with SIGTERM (it commits its offsets to its offsets file on a clean stop; its working directory, offsets and schema history file, is kept). After the backlog, each resumes from its checkpoint, i.e. from the first event of the backlog.
- **Order.** The tools drain one after the other, in an order that reverses from run to run; every figure is the median over the runs.
- **The limit** is the server's own binlog streaming rate: the faster of (1) ` + "`mariadb-binlog --read-from-remote-server --raw --result-file=<tmpdir>/ --start-position=<start> --stop-position=<end> <files from start to end>`" + ` (a raw copy of the range into a scratch directory: it decodes nothing, so it is how fast the server streams the range) and (2) a minimal Go reader (go-mysql's BinlogSyncer, ` + "`myreader`" + ` mode of the harness, in its own process) that parses every event and decodes every row of every rows event into Go values (go-mysql's default), counts the table's rows and does nothing else, stopping at the commit after the table's last row. Both are timed from process start to exit. The go-mysql column, every row decoded, is the closer yardstick for a decoder such as sluice or Debezium.
- **sluice** is ` + "`sluice serve`" + ` (built with ` + "`go build`" + `) with a MariaDB connector (` + "`connector.class=io.debezium.connector.mariadb.MariaDbConnector`" + `, ` + "`snapshot.mode=no_data`" + `, ` + "`include.schema.changes=false`" + `, JSON without schemas); the clock starts at ` + "`PUT /connectors/{name}/resume`" + ` and stops when a read_committed consumer (franz-go, in the harness) has seen the last row. Exactly-once is always on in sluice: every batch and its checkpoint are one Kafka transaction (acks=all, snappy, default ` + "`sluice.batch.*`" + ` settings). The topic is created beforehand with one partition for every tool.
- **Debezium** is Debezium Server (` + b.dbz.version + `) with the same connector keys plus ` + "`database.ssl.mode=disabled`" + ` (the MariaDB connector's default, ` + "`preferred`" + `, is a value the MariaDB JDBC driver it ships rejects), ` + "`schema.history.internal=io.debezium.storage.file.history.FileSchemaHistory`" + ` (a file), JSON without schemas, and a Kafka sink producer with acks=all, enable.idempotence=true, compression.type=snappy; **exactly-once is not available** in Debezium Server's Kafka sink, so it runs at-least-once. Its clock starts when Quarkus reports it has started on the second start (the engine starts the connector then); the JVM's start before that is not counted. Debezium's batching defaults are kept (max.batch.size 2048, max.queue.size 8192, poll.interval.ms 500).
` + floorMethod("MariaDB") + `
` + snapshotMethod("mysql") + `
- **CPU and memory.** CPU seconds are user+system (` + "`/proc/<pid>/stat`" + `, or wait4's rusage for processes that exit: mariadb-binlog and the readers), peak RSS is ` + "`VmHWM`" + ` of ` + "`/proc/<pid>/status`" + `, for processes that exit sampled every 100 ms while they run (rusage's maxrss of a child carries the harness's own memory from before exec, so it is not used). For sluice they cover the daemon's life up to the last row's arrival (start, warm-up row and the drain); for Debezium the second JVM's (start and the drain).
- **Checks.** Every run checks that sluice and Debezium delivered exactly one record per row written (the count, that no key repeats, and at most one warm-up record); the go-mysql reader checks it decoded every row; the snapshot run checks the same of every pipeline and the Kafka floor, and that the read limit read every row.
- **Cleanup.** The databases are named ` + "`sluice_bench_<random>_…`" + ` and dropped at the end of each run, also on failure; the topics are deleted at the end.
`)
	return s.String()
}
