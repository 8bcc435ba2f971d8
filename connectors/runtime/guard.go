package runtime

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
)

// The guardrail: a connector whose source holds something on its database
// server whether or not the task runs (a Postgres replication slot keeps
// WAL) is checked by its source's capture.Guard for as long as it is
// registered. Its warnings go to the status, the log and the metrics; a
// hold above its limit stops the connector's task, FAILED with the reason,
// and is released (the slot dropped) when the connector's config says so.
// docs/slot-guardrail.md.

// guarded is a Source with a guardrail; Guard returns nil when it holds
// nothing.
type guarded interface {
	Guard() capture.Guard
}

// guardCheckTimeout bounds one check and one release.
const guardCheckTimeout = 30 * time.Second

// watch starts m's guard, replacing the one it had, when its config builds
// a source with one. Called by m's actor.
func (s *Supervisor) watch(m *managed) {
	s.unwatch(m)
	res := s.opts.Providers.Resolve(m.config)
	if res.Err() != nil {
		return // the task fails with the reason
	}
	_, src, probs := parseConfigWith(s.opts.Worker, s.opts.Plugins, m.name, res.Config, slog.New(slog.DiscardHandler))
	gs, ok := src.(guarded)
	if len(probs) > 0 || !ok {
		return
	}
	g := gs.Guard()
	if g == nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	m.unwatchFn, m.watchDone = cancel, done
	pg, _ := g.(capture.PositionGuard)
	if pg != nil {
		m.posGuard.Store(&pg)
	}
	go func() {
		defer close(done)
		if pg != nil {
			s.loadPosition(ctx, m.name, pg)
		}
		s.guardLoop(ctx, m, g)
	}()
}

// unwatch stops m's guard and waits for it. Called by m's actor; a trip the
// guard is sending to the actor gives up.
func (s *Supervisor) unwatch(m *managed) {
	if m.unwatchFn == nil {
		return
	}
	cancel, done := m.unwatchFn, m.watchDone
	m.unwatchFn, m.watchDone = nil, nil
	m.posGuard.Store(nil)
	cancel()
	<-done
	m.mu.Lock()
	m.warnings = nil
	m.mu.Unlock()
	s.opts.Metrics.forgetGuard(m.name)
}

// loadPosition gives pg the connector's checkpoint, as the offsets store
// has it; the task's commits give it the later ones.
func (s *Supervisor) loadPosition(ctx context.Context, name string, pg capture.PositionGuard) {
	if s.opts.Offsets == nil {
		return
	}
	lctx, cancel := context.WithTimeout(ctx, guardCheckTimeout)
	defer cancel()
	raw, err := s.opts.Offsets.Load(lctx, name)
	if err != nil || raw == nil {
		return
	}
	if cp, err := DecodeCheckpoint(raw); err == nil {
		pg.Committed(*cp)
	}
}

// committed gives m's position guard a committed position.
func (m *managed) committed(pos change.Position) {
	if pg := m.posGuard.Load(); pg != nil {
		(*pg).Committed(pos)
	}
}

// guardLoop checks g every g.Every() until ctx is done.
func (s *Supervisor) guardLoop(ctx context.Context, m *managed, g capture.Guard) {
	log := s.log.With("connector", m.name)
	// The first check waits a random part of the interval, so that the
	// connectors of a daemon do not all connect at once.
	select {
	case <-ctx.Done():
		return
	case <-time.After(rand.N(g.Every()/4 + 1)):
	}
	tick := time.NewTicker(g.Every())
	defer tick.Stop()
	tripped := false // above the limit, acted on; re-armed once below it
	var lastErr string
	for {
		cctx, cancel := context.WithTimeout(ctx, guardCheckTimeout)
		rep, err := g.Check(cctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			// The database out of reach: the task, if it runs, says so.
			if msg := err.Error(); msg != lastErr {
				log.Warn("guardrail: could not read the source's replication slot", "err", msg)
				lastErr = msg
			}
		default:
			lastErr = ""
			s.opts.Metrics.observeGuard(m.name, rep)
			s.setWarnings(m, rep.Warnings, log)
			switch {
			case rep.Over != "" && !tripped:
				tripped = true
				s.trip(ctx, m, g, rep, log)
			case rep.Over == "":
				tripped = false
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// setWarnings shows the guard's warnings in m's status, logging each when
// it first appears.
func (s *Supervisor) setWarnings(m *managed, ws []string, log *slog.Logger) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, w := range ws {
		if !slices.Contains(m.warnings, w) {
			log.Warn("guardrail: " + w)
		}
	}
	m.warnings = slices.Clone(ws)
}

// trip stops m's task for a hold above its limit and releases the hold
// when the report says to. The connector's target is left as it is: a
// restart (or a resume) runs the task again, and the guard does not stop
// it again until the hold has gone below the limit and above it anew. The
// stop is a command to m's actor, applied in order with the others; once
// the guard is stopped (m reconfigured, deleted, the supervisor shutting
// down), a trip not yet taken is dropped.
func (s *Supervisor) trip(ctx context.Context, m *managed, g capture.Guard, rep capture.GuardReport, log *slog.Logger) {
	err := m.send(ctx.Done(), func() error {
		log.Error("guardrail: " + rep.Over)
		running := m.cancel != nil
		s.halt(m)
		m.mu.Lock()
		defer m.mu.Unlock()
		if running {
			m.state, m.trace = StateFailed, trace(errors.New(rep.Over))
		} else {
			m.notice = rep.Over
		}
		return nil
	})
	if err != nil || !rep.Release {
		return
	}
	rctx, cancel := context.WithTimeout(ctx, guardCheckTimeout)
	err = g.Release(rctx)
	cancel()
	msg := rep.Released
	if err != nil {
		msg = rep.Over + ": the slot could not be dropped: " + err.Error()
		log.Error("guardrail: could not drop the replication slot", "slot", rep.Slot, "err", err)
	} else {
		log.Warn("guardrail: dropped the replication slot", "slot", rep.Slot, "retained_bytes", rep.Retained)
	}
	_ = m.send(ctx.Done(), func() error {
		m.mu.Lock()
		defer m.mu.Unlock()
		switch {
		case m.cancel == nil && m.state == StateFailed:
			m.trace = trace(errors.New(msg))
		default:
			// Not running, or restarted meanwhile (its task reports what
			// it finds).
			m.notice = msg
		}
		return nil
	})
}

// statusWarnings are what m's status warns of. Called with m.mu held.
func (m *managed) statusWarnings() []string {
	var out []string
	if m.notice != "" {
		out = append(out, m.notice)
	}
	return append(out, m.warnings...)
}

// guardMetrics show each connector's hold (slot) and its limits.
type guardMetrics struct {
	retained  *prometheus.GaugeVec
	safe      *prometheus.GaugeVec
	status    *prometheus.GaugeVec
	active    *prometheus.GaugeVec
	threshold *prometheus.GaugeVec
	warnings  *prometheus.GaugeVec
	behind    *prometheus.GaugeVec
}

func newGuardMetrics(reg prometheus.Registerer) guardMetrics {
	m := guardMetrics{
		retained: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sluice_slot_retained_wal_bytes",
			Help: "WAL the database server keeps for the connector's replication slot: from its restart_lsn to the server's WAL end, read every sluice.slot.check.interval.ms whether the connector runs or not.",
		}, []string{"connector", "slot"}),
		safe: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sluice_slot_safe_wal_bytes",
			Help: "WAL the server may still write before it may invalidate the slot (safe_wal_size, under max_slot_wal_keep_size); absent when the server sets no limit.",
		}, []string{"connector", "slot"}),
		status: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sluice_slot_wal_status",
			Help: "1 for the slot's wal_status (reserved, extended, unreserved, lost).",
		}, []string{"connector", "slot", "wal_status"}),
		active: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sluice_slot_active",
			Help: "1 while a process reads the slot, else 0.",
		}, []string{"connector", "slot"}),
		threshold: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sluice_slot_lag_threshold_bytes",
			Help: "The connector's limits on the slot's retained WAL: level=warn (sluice.slot.lag.warn.bytes) and level=max (sluice.slot.lag.max.bytes); absent when off.",
		}, []string{"connector", "slot", "level"}),
		warnings: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sluice_connector_warnings",
			Help: "How many warnings the connector's status shows (the slot guardrail's).",
		}, []string{"connector"}),
	}
	m.behind = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "sluice_binlog_bytes_behind",
		Help: "Bytes of the server's binlog after the connector's committed position (MySQL, MariaDB: SHOW BINARY LOGS), read every sluice.binlog.check.interval.ms whether the connector runs or not; absent before its first streamed commit.",
	}, []string{"connector"})
	reg.MustRegister(m.retained, m.safe, m.status, m.active, m.threshold, m.warnings, m.behind)
	return m
}

func (m *Metrics) observeGuard(connector string, r capture.GuardReport) {
	if m == nil {
		return
	}
	g := m.guard
	l := prometheus.Labels{"connector": connector}
	g.warnings.With(l).Set(float64(len(r.Warnings)))
	if r.Behind >= 0 {
		g.behind.With(l).Set(float64(r.Behind))
	} else {
		g.behind.Delete(l)
	}
	// A slot dropped or renamed leaves no series behind.
	for _, v := range []*prometheus.GaugeVec{g.retained, g.safe, g.status, g.active, g.threshold} {
		v.DeletePartialMatch(l)
	}
	if !r.Exists {
		return
	}
	if r.Retained >= 0 {
		g.retained.WithLabelValues(connector, r.Slot).Set(float64(r.Retained))
	}
	if r.Safe >= 0 {
		g.safe.WithLabelValues(connector, r.Slot).Set(float64(r.Safe))
	}
	if r.Status != "" {
		g.status.WithLabelValues(connector, r.Slot, r.Status).Set(1)
	}
	active := 0.0
	if r.Active {
		active = 1
	}
	g.active.WithLabelValues(connector, r.Slot).Set(active)
	for level, v := range map[string]int64{"warn": r.Warn, "max": r.Max} {
		if v > 0 {
			g.threshold.WithLabelValues(connector, r.Slot, level).Set(float64(v))
		}
	}
}

// forgetGuard drops connector's guardrail series.
func (m *Metrics) forgetGuard(connector string) {
	if m == nil {
		return
	}
	l := prometheus.Labels{"connector": connector}
	for _, v := range m.guard.vecs() {
		v.DeletePartialMatch(l)
	}
}

func (g guardMetrics) vecs() []*prometheus.GaugeVec {
	return []*prometheus.GaugeVec{g.retained, g.safe, g.status, g.active, g.threshold, g.warnings, g.behind}
}
