package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// A MySQL drain run. A binlog has no slots: a stream-only connector starts
// at the end of the binlog when it starts, and neither sluice nor Debezium
// has a key to start at a given position. So both pipelines are positioned
// first: each starts with snapshot.mode=no_data, a warm-up row (id == rows)
// must reach its topic (so its checkpoint is past it), and then it is
// stopped (sluice: PUT /connectors/{name}/stop; Debezium Server: SIGTERM,
// which commits its offsets, keeping its working directory). Then the binlog
// position is noted, the backlog written, and each tool reads exactly the
// range after the warm-up row: sluice from PUT …/resume (the clock's zero),
// Debezium Server started again on its offsets (the clock starts when
// Quarkus reports it started), the limit readers from the noted position.

// myPipe is one positioned, stopped pipeline waiting for the backlog.
type myPipe struct {
	tool   string
	prefix string
	topic  string
	c      *counter
	srv    *sluiceServer // sluice
	name   string        // sluice connector name
	dbzDir string        // Debezium's working directory
	// dbzStop stops the running Debezium Server, nil when none runs.
	dbzStop func()
	cfg     map[string]string
}

// serverID is a random replica server id for one binlog client, so no two
// clients (nor two runs) collide.
func serverID() uint32 {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return 1_000_000 + binary.BigEndian.Uint32(b[:])%1_000_000_000
}

func (b *bench) drainRunMySQL(ctx context.Context, sc scenario, run int) (err error) {
	name := fmt.Sprintf("sluice_bench_%s_%d_%s", b.o.id, run, strings.ReplaceAll(sc.name, "-", "_"))
	fx, err := newMyFixture(ctx, b.o.my, name)
	if err != nil {
		return err
	}
	var pipes []*myPipe
	defer func() {
		for _, p := range pipes {
			p.close()
		}
		if derr := fx.drop(context.WithoutCancel(ctx)); derr != nil {
			b.logf("cleanup: %v", derr)
			if err == nil {
				err = derr
			}
		}
	}()
	tools := order(b.tools(false), run)

	// Position sluice and Debezium at the end of the binlog.
	for _, t := range tools {
		if t != toolSluice && t != toolDebezium {
			continue
		}
		p, err := b.startMyPipe(ctx, t, fx)
		if p != nil {
			pipes = append(pipes, p)
		}
		if err != nil {
			return fmt.Errorf("%s: start: %w", t, err)
		}
	}
	if len(pipes) > 0 {
		// Let the connectors settle on their start position before the
		// warm-up row.
		time.Sleep(2 * time.Second)
		if _, err := fx.writeBacklog(ctx, b.o.rows, 1, 1); err != nil {
			return fmt.Errorf("warm-up row: %w", err)
		}
		for _, p := range pipes {
			select {
			case <-p.c.warm:
			case <-time.After(2 * time.Minute):
				return fmt.Errorf("%s: warm-up row did not arrive within 2m: %s", p.tool, p.c.progress())
			case <-ctx.Done():
				return ctx.Err()
			}
			if err := b.parkMyPipe(ctx, p); err != nil {
				return fmt.Errorf("%s: stop after the warm-up row: %w", p.tool, err)
			}
		}
	}

	from, err := fx.position(ctx)
	if err != nil {
		return err
	}
	t0 := time.Now()
	to, err := fx.writeBacklog(ctx, 0, b.o.rows, sc.txnRows)
	if err != nil {
		return err
	}
	files, err := fx.binlogFilesBetween(ctx, from, to)
	if err != nil {
		return err
	}
	b.logf("%s run %d: backlog of %d rows written in %s (binlog %s to %s, %d file(s)); order %s",
		sc.name, run+1, b.o.rows, time.Since(t0).Round(time.Millisecond), from, to, len(files), strings.Join(tools, ", "))

	for _, t := range tools {
		var m measure
		var err error
		switch t {
		case toolMyBinlog:
			var n int64
			m, n, err = runMariadbBinlog(ctx, b.o.myBinlog, b.o.my, files, from, to, serverID())
			m.Records = b.o.rows
			if err == nil {
				b.logf("  (%s wrote %.1f MiB of raw binlog)", t, float64(n)/(1<<20))
			}
		case toolMyReader:
			m, err = runMyReader(ctx, b.o.my, from, to, fx.Table, b.o.rows, serverID())
		case toolFloor:
			m, err = b.kafkaFloor(ctx, fx.Name+"_f."+fx.Table, b.o.rows,
				recordShape{Connector: "mariadb", Op: "c", Prefix: fx.Name + "_f", DB: fx.Name, Table: "rows"})
		case toolSluice, toolDebezium:
			for _, p := range pipes {
				if p.tool == t {
					m, err = b.drainMyPipe(ctx, p)
				}
			}
		}
		if err != nil {
			return fmt.Errorf("%s: %w", t, err)
		}
		b.logMeasure(t, b.o.rows, m)
		b.add(sc.name, t, m)
	}
	return nil
}

// startMyPipe creates the tool's topic and consumer and starts the tool
// stream-only at the end of the binlog.
func (b *bench) startMyPipe(ctx context.Context, tool string, fx *myFixture) (*myPipe, error) {
	prefix := fx.Name + "_" + toolTag(tool)
	p := &myPipe{tool: tool, prefix: prefix, topic: prefix + "." + fx.Table, name: prefix}
	b.topics = append(b.topics, p.topic, prefix)
	if err := createTopic(ctx, b.o.brokers, p.topic); err != nil {
		return nil, err
	}
	c, err := startCounter(ctx, b.o.brokers, p.topic, b.o.rows)
	if err != nil {
		return nil, err
	}
	p.c = c
	p.cfg = myConnectorConfig(b.o.my, prefix, fx, serverID())
	switch tool {
	case toolSluice:
		srv, err := startSluice(ctx, b.o.sluiceBin, b.o.brokers, b.offsetsTopic())
		if err != nil {
			return p, err
		}
		p.srv = srv
		if err := srv.register(p.name, p.cfg); err != nil {
			return p, err
		}
		return p, srv.waitRunning(ctx, p.name, time.Minute)
	case toolDebezium:
		dir, err := os.MkdirTemp("", "sluice-bench-debezium-")
		if err != nil {
			return p, err
		}
		p.dbzDir = dir
		cfg := p.dbzConfig()
		dp, err := startDebeziumIn(ctx, b.dbz, b.o.brokers, cfg, dir, false)
		if err != nil {
			return p, err
		}
		p.dbzStop = dp.stop // parkMyPipe stops it
		if err := dp.ready(ctx); err != nil {
			return p, err
		}
		select {
		case <-dp.streaming:
		case <-time.After(30 * time.Second):
			b.logf("  (Debezium Server did not log that it streams within 30s; going on)")
		case <-ctx.Done():
			return p, ctx.Err()
		}
		return p, nil
	}
	return p, fmt.Errorf("unknown tool %s", tool)
}

// dbzConfig is the connector config plus Debezium's schema history file.
func (p *myPipe) dbzConfig() map[string]string {
	cfg := map[string]string{}
	for k, v := range p.cfg {
		cfg[k] = v
	}
	for k, v := range debeziumMySQLExtras(p.dbzDir) {
		cfg[k] = v
	}
	return cfg
}

// parkMyPipe stops a pipeline whose warm-up row arrived, keeping its
// checkpoint.
func (b *bench) parkMyPipe(ctx context.Context, p *myPipe) error {
	switch p.tool {
	case toolSluice:
		if err := p.srv.stopConnector(ctx, p.name); err != nil {
			return err
		}
		offs, err := p.srv.offsets(p.name)
		if err != nil {
			return err
		}
		if len(offs) == 0 {
			return errors.New("no checkpoint after the warm-up row")
		}
	case toolDebezium:
		p.dbzStop()
		p.dbzStop = nil
		if _, err := os.Stat(p.dbzDir + "/offsets.dat"); err != nil {
			return fmt.Errorf("Debezium Server left no offsets: %w", err)
		}
	}
	return nil
}

// drainMyPipe restarts a parked pipeline and measures it until the
// consumer has seen the last row of the backlog.
func (b *bench) drainMyPipe(ctx context.Context, p *myPipe) (measure, error) {
	var pl *pipeline
	switch p.tool {
	case toolSluice:
		t0 := time.Now()
		if err := p.srv.resumeConnector(p.name); err != nil {
			return measure{}, err
		}
		pl = &pipeline{t0: t0, pid: p.srv.pid(), healthy: func() error { return p.srv.healthy(p.name) }}
	case toolDebezium:
		dp, err := startDebeziumIn(ctx, b.dbz, b.o.brokers, p.dbzConfig(), p.dbzDir, false)
		if err != nil {
			return measure{}, err
		}
		p.dbzStop = dp.stop
		pl = dp
	}
	if err := b.waitDelivered(ctx, p.c, pl.healthy, b.drainTimeout()); err != nil {
		return measure{}, err
	}
	m := measure{Wall: p.c.last.Sub(pl.t0)}
	var err error
	if m.Usage, err = procUsage(pl.pid); err != nil {
		return measure{}, err
	}
	if m.Records, err = p.c.finish(time.Second); err != nil {
		return measure{}, err
	}
	p.c = nil
	return m, nil
}

// close stops whatever of the pipeline still runs and removes its files.
func (p *myPipe) close() {
	if p.c != nil {
		p.c.cl.Close()
	}
	if p.srv != nil {
		p.srv.stop()
	}
	if p.dbzStop != nil {
		p.dbzStop()
	}
	if p.dbzDir != "" && os.Getenv("SLUICE_BENCH_KEEP") == "" {
		os.RemoveAll(p.dbzDir)
	}
}
