package main

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// latencyRun runs each pipeline live: a generator writes rate rows/s for
// duration, each row stamped with the generator's clock just before its
// transaction is sent; the consumer takes arrival time minus stamp.
func (b *bench) latencyRun(ctx context.Context, sc scenario, run int) error {
	for _, tool := range order(append(b.tools(true), toolFloor), run) {
		if tool == toolFloor {
			if err := b.latencyFloor(ctx, sc, run); err != nil {
				return fmt.Errorf("%s: %w", tool, err)
			}
			continue
		}
		if err := b.latencyTool(ctx, sc, run, tool); err != nil {
			return fmt.Errorf("%s: %w", tool, err)
		}
	}
	return nil
}

func (b *bench) latencyTool(ctx context.Context, sc scenario, run int, tool string) (err error) {
	name := fmt.Sprintf("sluice_bench_%s_%d_latency_%s", b.o.id, run, tool[:1])
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
	slot, err := fx.slot(ctx, tool)
	if err != nil {
		return err
	}
	prefix := fx.Name
	topic := prefix + "." + fx.Table
	b.topics = append(b.topics, topic)
	if err := createTopic(ctx, b.o.brokers, topic); err != nil {
		return err
	}
	total := int(float64(b.o.rate) * b.o.duration.Seconds())
	total -= total % b.o.latTxn
	if total < b.o.latTxn {
		total = b.o.latTxn
	}
	c, err := startCounter(ctx, b.o.brokers, topic, total)
	if err != nil {
		return err
	}
	defer c.cl.Close()
	p, err := b.startPipeline(ctx, tool, fx, slot, prefix, nil)
	if err != nil {
		return err
	}
	defer p.stop()
	if err := p.ready(ctx); err != nil {
		return err
	}

	conn, err := pgx.Connect(ctx, b.o.dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	// A warm-up row (id == total) must arrive before the clock starts: the
	// pipeline is then streaming, not still starting.
	if err := insertStamped(ctx, conn, fx.Table, total, total+1, 0); err != nil {
		return err
	}
	select {
	case <-c.warm:
	case <-time.After(2 * time.Minute):
		return fmt.Errorf("warm-up row did not arrive within 2m: %s", c.progress())
	case <-ctx.Done():
		return ctx.Err()
	}

	t0 := time.Now()
	interval := time.Duration(float64(time.Second) * float64(b.o.latTxn) / float64(b.o.rate))
	for i := 0; i < total; i += b.o.latTxn {
		due := t0.Add(time.Duration(i/b.o.latTxn) * interval)
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		if err := insertStamped(ctx, conn, fx.Table, i, i+b.o.latTxn, time.Now().UnixNano()); err != nil {
			return err
		}
	}
	genTime := time.Since(t0)
	if err := b.waitDelivered(ctx, c, p.healthy, 2*time.Minute); err != nil {
		return err
	}
	u, err := procUsage(p.pid)
	if err != nil {
		return err
	}
	if _, err := c.finish(time.Second); err != nil {
		return err
	}
	lat := slices.Clone(c.latencies)
	if len(lat) != total {
		return fmt.Errorf("%d latencies for %d rows", len(lat), total)
	}
	slices.Sort(lat)
	m := measure{
		Wall:    genTime,
		Usage:   u,
		Records: total,
		P50:     lat[percentileIndex(len(lat), 50)],
		P99:     lat[percentileIndex(len(lat), 99)],
		Max:     lat[len(lat)-1],
		Rate:    float64(total) / genTime.Seconds(),
	}
	b.logf("%s run %d: %-8s %d rows at %.0f rows/s: p50 %s  p99 %s  max %s  cpu %.2fs  rss %.0f MiB",
		sc.name, run+1, tool, total, m.Rate, m.P50.Round(time.Microsecond*100), m.P99.Round(time.Microsecond*100),
		m.Max.Round(time.Millisecond), u.CPU.Seconds(), float64(u.PeakRSS)/(1<<20))
	b.add(sc.name, tool, m)
	return nil
}

// percentileIndex is the nearest-rank index of the p-th percentile of n sorted values.
func percentileIndex(n int, p float64) int {
	i := int(math.Ceil(p/100*float64(n))) - 1
	return max(0, min(n-1, i))
}

// insertStamped commits ids [from, to) in one transaction, in one round trip
// (simple protocol: BEGIN; INSERT; COMMIT), each row carrying stamp.
func insertStamped(ctx context.Context, conn *pgx.Conn, table string, from, to int, stamp int64) error {
	q := fmt.Sprintf("BEGIN; INSERT INTO %s (id, stamp_ns, payload) SELECT g, %d, %s FROM generate_series(%d, %d) g; COMMIT",
		table, stamp, payloadExpr, from, to-1)
	_, err := conn.PgConn().Exec(ctx, q).ReadAll()
	if err != nil {
		return fmt.Errorf("insert rows %d..%d: %w", from, to-1, err)
	}
	return nil
}
