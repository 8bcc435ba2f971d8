package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/sluicecdc/sluice/connectors/rest"
)

// The metrics 'sluice status' reads from GET /metrics, by connector.
const (
	metricBehind   = "sluice_streaming_milliseconds_behind_source"
	metricRecords  = "sluice_records_total"
	metricLagBytes = "sluice_source_lag_bytes"
	metricSlotWAL  = "sluice_slot_retained_wal_bytes"
)

// connectorMetrics are one connector's numbers from GET /metrics; nil when
// the daemon does not export the series for it.
type connectorMetrics struct {
	MsBehindSource       *float64 `json:"ms_behind_source"`
	RecordsTotal         *float64 `json:"records_total"`
	RecordsPerSecond     *float64 `json:"records_per_second"`
	SourceLagBytes       *float64 `json:"source_lag_bytes"`
	SlotRetainedWALBytes *float64 `json:"slot_retained_wal_bytes"`
}

// scrape is one read of GET /metrics.
type scrape struct {
	at time.Time
	by map[string]*connectorMetrics
}

// parseMetrics reads the Prometheus text format and keeps the series
// 'sluice status' shows, by their connector label.
func parseMetrics(r io.Reader) (map[string]*connectorMetrics, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("read GET /metrics: %w", err)
	}
	out := map[string]*connectorMetrics{}
	for name, fam := range fams {
		for _, m := range fam.GetMetric() {
			var conn string
			for _, l := range m.GetLabel() {
				if l.GetName() == "connector" {
					conn = l.GetValue()
				}
			}
			if conn == "" {
				continue
			}
			cm := out[conn]
			if cm == nil {
				cm = &connectorMetrics{}
				out[conn] = cm
			}
			var v float64
			switch {
			case m.GetGauge() != nil:
				v = m.GetGauge().GetValue()
			case m.GetCounter() != nil:
				v = m.GetCounter().GetValue()
			case m.GetUntyped() != nil:
				v = m.GetUntyped().GetValue()
			default:
				continue
			}
			add := func(p **float64) {
				if *p == nil {
					*p = new(float64)
				}
				**p += v
			}
			switch name {
			case metricBehind:
				add(&cm.MsBehindSource)
			case metricRecords:
				add(&cm.RecordsTotal)
			case metricLagBytes:
				add(&cm.SourceLagBytes)
			case metricSlotWAL:
				add(&cm.SlotRetainedWALBytes)
			}
		}
	}
	return out, nil
}

// scrapeMetrics reads GET /metrics; a daemon without metrics answers nil.
func scrapeMetrics(ctx context.Context, c *apiClient, now func() time.Time) (*scrape, error) {
	var raw bytesOut
	if _, err := c.call(ctx, http.MethodGet, "/metrics", nil, &raw); err != nil {
		var ae *apiError
		if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
			return nil, nil
		}
		return nil, err
	}
	by, err := parseMetrics(bytes.NewReader(raw))
	if err != nil {
		return nil, &exitError{code: exitAPI, err: err}
	}
	return &scrape{at: now(), by: by}, nil
}

// bytesOut receives a non-JSON answer whole.
type bytesOut []byte

// throughput sets RecordsPerSecond from two scrapes.
func throughput(prev, cur *scrape) {
	if prev == nil || cur == nil {
		return
	}
	secs := cur.at.Sub(prev.at).Seconds()
	if secs <= 0 {
		return
	}
	for name, m := range cur.by {
		p, ok := prev.by[name]
		if !ok || p.RecordsTotal == nil || m.RecordsTotal == nil {
			continue
		}
		// A counter that went down is a restarted daemon: no rate.
		if d := *m.RecordsTotal - *p.RecordsTotal; d >= 0 {
			r := d / secs
			m.RecordsPerSecond = &r
		}
	}
}

// connectorRow is one connector in 'sluice status' (and its --output json).
type connectorRow struct {
	Name      string                 `json:"name"`
	Type      string                 `json:"type"`
	State     string                 `json:"state"`
	Trace     string                 `json:"trace,omitempty"`
	Tasks     []rest.TaskState       `json:"tasks"`
	Snapshot  *rest.SnapshotProgress `json:"snapshot,omitempty"`
	Warnings  []string               `json:"warnings,omitempty"`
	Metrics   *connectorMetrics      `json:"metrics"`
	failedErr error
}

// newStatusCmd is 'sluice status': every connector at a glance.
func newStatusCmd(g *globalOpts, ce cliEnv) *cobra.Command {
	var interval time.Duration
	var watch bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Every connector: state, lag, throughput and snapshot progress",
		Long: `Show every connector: its state and its task's, how far it is behind the source
(sluice_streaming_milliseconds_behind_source, sluice_source_lag_bytes,
sluice_slot_retained_wal_bytes), its throughput in records per second (two reads
of GET /metrics --interval apart; --interval 0 shows the totals only), its
snapshot progress (a progress bar when stdout is a terminal) and its warnings.
--watch redraws it every --interval until interrupted.

Exits 4 when a connector or task is FAILED, so a script can alert on it.` + exitCodesHelp,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := newClient(g)
			if err != nil {
				return err
			}
			if watch && interval <= 0 {
				return usageErr("--watch needs an --interval above 0")
			}
			ctx := cmd.Context()
			if watch {
				var stop context.CancelFunc
				ctx, stop = signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
				defer stop()
			}
			now := ce.now
			if now == nil {
				now = time.Now
			}
			sleep := func(d time.Duration) {
				if ce.sleep != nil {
					ce.sleep(d)
					return
				}
				t := time.NewTimer(d)
				defer t.Stop()
				select {
				case <-ctx.Done():
				case <-t.C:
				}
			}
			prev, err := scrapeMetrics(ctx, c, now)
			if err != nil {
				return err
			}
			for {
				if interval > 0 {
					sleep(interval)
				}
				if watch && ctx.Err() != nil {
					return nil // interrupted
				}
				cur := prev
				if interval > 0 {
					if cur, err = scrapeMetrics(ctx, c, now); err != nil {
						return err
					}
					throughput(prev, cur)
				}
				rows, err := statusRows(ctx, c, cur)
				if err != nil {
					return err
				}
				if !watch {
					if err := writeStatusRows(ce, g.output, rows); err != nil {
						return err
					}
					for _, r := range rows {
						if r.failedErr != nil {
							return &exitError{code: exitFailed, err: fmt.Errorf("FAILED: %s", failedNames(rows))}
						}
					}
					return nil
				}
				// JSON: one array per interval, nothing between them.
				if g.output != "json" {
					if ce.terminal {
						fmt.Fprint(ce.stdout, "\x1b[H\x1b[2J") // clear the screen
					}
					fmt.Fprintf(ce.stdout, "%s  %s\n", now().Format("15:04:05"), c.base)
				}
				if err := writeStatusRows(ce, g.output, rows); err != nil {
					return err
				}
				prev = cur
			}
		},
	}
	cmd.Flags().DurationVar(&interval, "interval", time.Second, "the time between the two reads of GET /metrics that give the throughput (0: totals only)")
	cmd.Flags().BoolVarP(&watch, "watch", "w", false, "redraw every --interval until interrupted")
	return cmd
}

// failedNames lists the FAILED connectors.
func failedNames(rows []connectorRow) string {
	var names []string
	for _, r := range rows {
		if r.failedErr != nil {
			names = append(names, r.Name)
		}
	}
	return strings.Join(names, ", ")
}

// statusRows reads every connector's status and joins the metrics.
func statusRows(ctx context.Context, c *apiClient, m *scrape) ([]connectorRow, error) {
	var all map[string]struct {
		Status rest.ConnectorStatus `json:"status"`
	}
	if err := c.get(ctx, "/connectors?expand=status", &all); err != nil {
		return nil, err
	}
	rows := make([]connectorRow, 0, len(all))
	for _, name := range sortedKeys(all) {
		s := all[name].Status
		r := connectorRow{Name: name, Type: s.Type, State: s.Connector.State, Trace: s.Connector.Trace,
			Tasks: s.Tasks, Warnings: s.Warnings, failedErr: failedError(s)}
		if r.Tasks == nil {
			r.Tasks = []rest.TaskState{}
		}
		for _, t := range s.Tasks {
			if t.Snapshot != nil {
				r.Snapshot = t.Snapshot
			}
		}
		if m != nil {
			r.Metrics = m.by[name]
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// writeStatusRows prints the rows: JSON, or a table with a progress bar
// under each connector whose snapshot runs (a line of text when stdout is
// not a terminal).
func writeStatusRows(ce cliEnv, output string, rows []connectorRow) error {
	w := ce.stdout
	if output == "json" {
		return writeJSON(w, rows)
	}
	if len(rows) == 0 {
		fmt.Fprintln(w, "No connectors.")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSTATE\tTASKS\tBEHIND\tSOURCE LAG\tSLOT WAL\tRECORDS/S\tRECORDS\tSNAPSHOT")
	for _, r := range rows {
		m := r.Metrics
		if m == nil {
			m = &connectorMetrics{}
		}
		snap := "-"
		if r.Snapshot != nil {
			snap = r.Snapshot.State
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, dash(r.State),
			taskStates(rest.ConnectorStatus{Tasks: r.Tasks}),
			fmtMillis(m.MsBehindSource), fmtBytes(m.SourceLagBytes), fmtBytes(m.SlotRetainedWALBytes),
			fmtRate(m.RecordsPerSecond), fmtCount(m.RecordsTotal), snap)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range rows {
		if r.Snapshot != nil && r.Snapshot.State == "running" {
			if ce.terminal {
				fmt.Fprintf(w, "%s\n", snapshotBar(r.Name, r.Snapshot))
			} else {
				fmt.Fprintf(w, "%s snapshot: %s\n", r.Name, snapshotLine(r.Snapshot))
			}
		}
		if r.Trace != "" && r.State == "FAILED" {
			fmt.Fprintf(w, "%s FAILED: %s\n", r.Name, traceSummary(r.Trace))
		}
		for _, t := range r.Tasks {
			if t.State.State == "FAILED" && t.Trace != "" {
				fmt.Fprintf(w, "%s task %d FAILED: %s\n", r.Name, t.ID, traceSummary(t.Trace))
			}
		}
		for _, warn := range r.Warnings {
			fmt.Fprintf(w, "%s warning: %s\n", r.Name, warn)
		}
	}
	return nil
}

// snapshotBar renders a snapshot's progress as a bar: rows against the
// database's estimate, or tables done against tables when there is none.
func snapshotBar(name string, sp *rest.SnapshotProgress) string {
	var buf bytes.Buffer
	max, cur := sp.RowsEstimated, sp.RowsScanned
	unit := "rows"
	if max <= 0 {
		max, cur, unit = int64(sp.TotalTables), int64(sp.TotalTables-sp.RemainingTables), "tables"
	}
	if max <= 0 {
		return fmt.Sprintf("%s snapshot: %s", name, snapshotLine(sp))
	}
	// The estimate can be below what was read (it is an estimate).
	cur = min(cur, max)
	bar := progressbar.NewOptions64(max,
		progressbar.OptionSetWriter(&buf),
		progressbar.OptionSetDescription(name+" snapshot"),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(false),
		progressbar.OptionSetElapsedTime(false),
		progressbar.OptionThrottle(0),
		progressbar.OptionSetTheme(progressbar.ThemeASCII),
	)
	_ = bar.Set64(cur)
	line := strings.TrimSpace(bar.String())
	return fmt.Sprintf("%s %s, %d/%d tables", line, unit, sp.TotalTables-sp.RemainingTables, sp.TotalTables)
}

// traceSummary is a trace without its stack frames (lines "at ..."): the
// error and the lines of its reason, indented under the first.
func traceSummary(s string) string {
	var keep []string
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "at ") || strings.HasPrefix(l, "... ") {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n    ")
}

func fmtMillis(v *float64) string {
	if v == nil {
		return "-"
	}
	return (time.Duration(*v) * time.Millisecond).String()
}

func fmtRate(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.1f", *v)
}

func fmtCount(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.0f", *v)
}

func fmtBytes(v *float64) string {
	if v == nil {
		return "-"
	}
	b := *v
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for b >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f B", b)
	}
	return fmt.Sprintf("%.1f %s", b, units[i])
}
