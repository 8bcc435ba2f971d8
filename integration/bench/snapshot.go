package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// The snapshot scenario: one table of -snapshot-rows rows, written and
// vacuumed before any tool runs, then read whole by each tool in turn (in
// an order that alternates from run to run): the read limit (the database
// hands out the table to a reader that discards it), the write limit (the
// Kafka floor: as many records of the same shape, no database), sluice
// (snapshot.mode=initial; and with snapshot.max.threads=N when
// -snapshot-threads is set) and Debezium. Each pipeline is timed from
// connector start until the read_committed consumer has the table's last
// row.

// snapshotTools are the snapshot scenario's tools, in their column order.
func (b *bench) snapshotTools() []string {
	t := []string{toolCopy, toolFloor, toolSluice}
	if b.o.source == "mysql" {
		t[0] = toolSelect
	}
	if b.noThreads == "" {
		t = append(t, toolSluiceN)
	}
	if b.dbz.home != "" {
		t = append(t, toolDebezium)
	}
	return t
}

// threadsKey is Debezium's key for parallel snapshots.
const threadsKey = "snapshot.max.threads"

// threadsCheck says why sluice-n cannot run: -snapshot-threads asks for
// no more than one thread, or the sluice binary does not define
// snapshot.max.threads (its connector-plugins config lists the keys it
// honours; a key it accepts without honouring is not listed), so a run
// would be a 1-thread run under another name. "" when it can run.
func (b *bench) threadsCheck(ctx context.Context) string {
	if b.o.snapThr <= 1 {
		return fmt.Sprintf("-snapshot-threads %d", b.o.snapThr)
	}
	srv, err := startSluice(ctx, b.o.sluiceBin, b.o.brokers, b.offsetsTopic())
	if err != nil {
		return "could not ask sluice: " + err.Error()
	}
	defer srv.stop()
	class := "io.debezium.connector.postgresql.PostgresConnector"
	if b.o.source == "mysql" {
		class = "io.debezium.connector.mariadb.MariaDbConnector"
	}
	ok, err := srv.definesKey(class, threadsKey)
	switch {
	case err != nil:
		return "could not ask sluice: " + err.Error()
	case !ok:
		return "sluice does not honour " + threadsKey + " yet"
	}
	return ""
}

// snapshotExtra is the connector config of a snapshot run of tool: an
// initial snapshot, and for sluice-n the threads.
func (b *bench) snapshotExtra(tool string) map[string]string {
	extra := map[string]string{"snapshot.mode": "initial"}
	if tool == toolSluiceN {
		extra[threadsKey] = strconv.Itoa(b.o.snapThr)
	}
	return extra
}

// backlogTxnRows is the transaction size the snapshot table is written in:
// one transaction up to 1M rows, then 1M-row transactions (a 10M-row
// transaction is needlessly hard on a shared server).
func backlogTxnRows(rows int) int {
	if rows <= 1_000_000 {
		return 0
	}
	return 1_000_000
}

func (b *bench) snapshotRun(ctx context.Context, sc scenario, run int) (err error) {
	if b.o.source == "mysql" {
		return b.snapshotRunMySQL(ctx, sc, run)
	}
	defer b.dropTopicsSince(len(b.topics))
	name := fmt.Sprintf("sluice_bench_%s_%d_snapshot", b.o.id, run)
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
	rows := b.o.snapRows
	t0 := time.Now()
	if _, err := fx.writeBacklog(ctx, rows, backlogTxnRows(rows)); err != nil {
		return err
	}
	// Every reader finds the same heap: hint bits set, visibility map
	// complete, statistics fresh.
	if err := fx.exec(ctx, "VACUUM (FREEZE, ANALYZE) "+fx.Table); err != nil {
		return err
	}
	var size string
	_ = fx.query(ctx, "SELECT pg_size_pretty(pg_total_relation_size('"+fx.Table+"'))", &size)
	tools := order(b.snapshotTools(), run)
	// The pipelines' slots exist before the clock starts: creating one
	// waits for every open transaction of the server, which other jobs'
	// would make part of the figure.
	slots := map[string]string{}
	for _, t := range tools {
		if t == toolSluice || t == toolSluiceN || t == toolDebezium {
			if slots[t], err = fx.slot(ctx, toolTag(t)); err != nil {
				return err
			}
		}
	}
	b.logf("%s run %d: table of %d rows (%s) written and vacuumed in %s; order %s",
		sc.name, run+1, rows, size, time.Since(t0).Round(time.Millisecond), strings.Join(tools, ", "))
	for _, t := range tools {
		var m measure
		var err error
		switch t {
		case toolCopy:
			m, err = runReadLimit(ctx, rows, "pgcopy", "-dsn", b.o.dsn, "-table", fx.Table)
		case toolFloor:
			m, err = b.kafkaFloor(ctx, fx.Name+"_f."+fx.Table, rows,
				recordShape{Connector: "postgresql", Op: "r", Prefix: fx.Name + "_f", DB: b.o.pg.DB, Schema: "public", Table: fx.Name})
		default:
			m, err = b.drainPipeline(ctx, t, fx, slots[t], b.snapshotExtra(t))
		}
		if err != nil {
			return fmt.Errorf("%s: %w", t, err)
		}
		b.logMeasure(t, rows, m)
		b.add(sc.name, t, m)
	}
	return nil
}

// dropTopicsSince deletes the topics made since b.topics had n, at the end
// of a snapshot run: a 10M-row table is gigabytes per tool, too much to
// keep until the end of the bench.
func (b *bench) dropTopicsSince(n int) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := deleteTopics(ctx, b.o.brokers, b.topics[n:]...); err != nil {
		b.logf("cleanup: %v", err)
		return
	}
	b.topics = b.topics[:n]
}

func (b *bench) logMeasure(tool string, rows int, m measure) {
	rec := ""
	if m.Bytes > 0 {
		rec = fmt.Sprintf("  %4.0f B/record", float64(m.Bytes)/float64(rows))
	}
	b.logf("  %-15s %8s  %9.0f rows/s  cpu %6.2fs  rss %5.0f MiB%s", tool, m.Wall.Round(time.Millisecond),
		float64(rows)/m.Wall.Seconds(), m.Usage.CPU.Seconds(), float64(m.Usage.PeakRSS)/(1<<20), rec)
}

// snapshotRunMySQL is the snapshot scenario on MariaDB: the read limit is
// the SELECT streamed through go-mysql.
func (b *bench) snapshotRunMySQL(ctx context.Context, sc scenario, run int) (err error) {
	defer b.dropTopicsSince(len(b.topics))
	name := fmt.Sprintf("sluice_bench_%s_%d_snapshot", b.o.id, run)
	fx, err := newMyFixture(ctx, b.o.my, name)
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
	rows := b.o.snapRows
	t0 := time.Now()
	if _, err := fx.writeBacklog(ctx, 0, rows, backlogTxnRows(rows)); err != nil {
		return err
	}
	if err := fx.exec(ctx, "ANALYZE TABLE "+fx.Table); err != nil {
		return err
	}
	tools := order(b.snapshotTools(), run)
	b.logf("%s run %d: table of %d rows written in %s; order %s",
		sc.name, run+1, rows, time.Since(t0).Round(time.Millisecond), strings.Join(tools, ", "))
	for _, t := range tools {
		var m measure
		var err error
		switch t {
		case toolSelect:
			m, err = runReadLimit(ctx, rows, "myselect", "-addr", b.o.my.addr(), "-user", b.o.my.User,
				"-password", b.o.my.Password, "-table", fx.Table)
		case toolFloor:
			m, err = b.kafkaFloor(ctx, fx.Name+"_f."+fx.Table, rows,
				recordShape{Connector: "mariadb", Op: "r", Prefix: fx.Name + "_f", DB: fx.Name, Table: "rows"})
		default:
			m, err = b.snapshotPipelineMySQL(ctx, t, fx, rows)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", t, err)
		}
		b.logMeasure(t, rows, m)
		b.add(sc.name, t, m)
	}
	return nil
}

// snapshotPipelineMySQL measures sluice or Debezium snapshotting fx's
// table, from connector start until the consumer has its last row.
func (b *bench) snapshotPipelineMySQL(ctx context.Context, tool string, fx *myFixture, rows int) (measure, error) {
	prefix := fx.Name + "_" + toolTag(tool)
	topic := prefix + "." + fx.Table
	b.topics = append(b.topics, topic, prefix)
	if err := createTopic(ctx, b.o.brokers, topic); err != nil {
		return measure{}, err
	}
	c, err := startCounter(ctx, b.o.brokers, topic, rows)
	if err != nil {
		return measure{}, err
	}
	defer c.cl.Close()
	cfg := myConnectorConfig(b.o.my, prefix, fx, serverID())
	for k, v := range b.snapshotExtra(tool) {
		cfg[k] = v
	}
	var p *pipeline
	switch tool {
	case toolSluice, toolSluiceN:
		srv, err := startSluice(ctx, b.o.sluiceBin, b.o.brokers, b.offsetsTopic())
		if err != nil {
			return measure{}, err
		}
		defer srv.stop()
		p = &pipeline{t0: time.Now(), pid: srv.pid(), healthy: func() error { return srv.healthy(prefix) }}
		if err := srv.register(prefix, cfg); err != nil {
			return measure{}, err
		}
	case toolDebezium:
		dir, err := os.MkdirTemp("", "sluice-bench-debezium-")
		if err != nil {
			return measure{}, err
		}
		for k, v := range debeziumMySQLExtras(dir) {
			cfg[k] = v
		}
		if p, err = startDebeziumIn(ctx, b.dbz, b.o.brokers, cfg, dir, true); err != nil {
			return measure{}, err
		}
		defer p.stop()
	default:
		return measure{}, fmt.Errorf("unknown tool %s", tool)
	}
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
