package grafana

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/sluicecdc/sluice/connectors/runtime"
)

// describer records the metric names of every collector registered with
// it, as the daemon registers them (cmd/sluice serveUntil).
type describer struct{ names map[string]bool }

var fqName = regexp.MustCompile(`fqName: "([^"]+)"`)

func (d describer) Register(c prometheus.Collector) error {
	ch := make(chan *prometheus.Desc, 64)
	go func() { c.Describe(ch); close(ch) }()
	for desc := range ch {
		if m := fqName.FindStringSubmatch(desc.String()); m != nil {
			d.names[m[1]] = true
		}
	}
	return nil
}

func (d describer) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		_ = d.Register(c)
	}
}

func (describer) Unregister(prometheus.Collector) bool { return false }

// exported are the metric names the daemon exports.
func exported() map[string]bool {
	d := describer{names: map[string]bool{}}
	d.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	runtime.NewMetrics(d)
	return d.names
}

type dashboard struct {
	Title  string `json:"title"`
	Panels []struct {
		Title   string `json:"title"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
	Templating struct {
		List []struct {
			Name       string `json:"name"`
			Definition string `json:"definition"`
		} `json:"list"`
	} `json:"templating"`
}

// metricRef finds the metric names in a PromQL expression: identifiers
// not followed by "(" (functions) and not label names or values.
var metricRef = regexp.MustCompile(`\b([a-z_][a-z0-9_]*)\b\s*(\{|\[|\)|$|/|\*|\+|-|,)`)

func names(expr string) []string {
	// Drop label matchers and by/without clauses, whose words are labels.
	expr = regexp.MustCompile(`\{[^}]*\}`).ReplaceAllString(expr, "{}")
	expr = regexp.MustCompile(`\b(by|without)\s*\([^)]*\)`).ReplaceAllString(expr, "")
	var out []string
	for _, m := range metricRef.FindAllStringSubmatch(expr, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestDashboardQueriesNameExportedMetrics(t *testing.T) {
	raw, err := os.ReadFile("sluice.json")
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("sluice.json: %v", err)
	}
	have := exported()
	for _, want := range []string{"sluice_streaming_milliseconds_behind_source", "sluice_snapshot_rows_scanned_total", "process_resident_memory_bytes"} {
		if !have[want] {
			t.Fatalf("the daemon's registry has no %s: the test does not see what the daemon exports", want)
		}
	}
	if len(d.Panels) < 10 {
		t.Fatalf("%d panels", len(d.Panels))
	}
	used := map[string]bool{}
	for _, p := range d.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			ns := names(tg.Expr)
			if len(ns) == 0 {
				t.Errorf("panel %q: no metric in %q", p.Title, tg.Expr)
			}
			for _, n := range ns {
				base := n
				for _, suf := range []string{"_bucket", "_sum", "_count"} {
					if b, ok := strings.CutSuffix(n, suf); ok && have[b] {
						base = b
					}
				}
				if !have[base] {
					t.Errorf("panel %q: %s in %q is not a metric sluice exports", p.Title, n, tg.Expr)
				}
				used[base] = true
			}
		}
	}
	for _, v := range d.Templating.List {
		for _, n := range names(strings.TrimSuffix(strings.TrimPrefix(v.Definition, "label_values("), ")")) {
			if n != "connector" && !have[n] {
				t.Errorf("variable %s: %s is not a metric sluice exports", v.Name, n)
			}
		}
	}
	// Every connector metric of sluice's own is on the dashboard.
	for n := range have {
		if strings.HasPrefix(n, "sluice_") && !used[n] {
			t.Errorf("%s is exported but on no panel", n)
		}
	}
}

func TestNames(t *testing.T) {
	got := names(`histogram_quantile(0.99, sum by (le, connector) (rate(sluice_commit_seconds_bucket{connector=~"$connector"}[5m]))) / sluice_x`)
	if strings.Join(got, ",") != "sluice_commit_seconds_bucket,sluice_x" {
		t.Errorf("names = %v", got)
	}
}
