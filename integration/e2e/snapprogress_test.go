//go:build integration

package e2e

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// snapProgressRows are the sizes of the three tables the progress tests
// snapshot, in reading order.
var snapProgressRows = []int64{20000, 5000, 30000}

// snapProgress is tasks[].snapshot of a status body.
type snapProgress struct {
	State           string  `json:"state"`
	DurationSeconds float64 `json:"duration_seconds"`
	TotalTables     int     `json:"total_tables"`
	RemainingTables int     `json:"remaining_tables"`
	RowsScanned     int64   `json:"rows_scanned"`
	RowsEstimated   int64   `json:"rows_estimated"`
	Tables          []struct {
		Table         string `json:"table"`
		State         string `json:"state"`
		RowsScanned   *int64 `json:"rows_scanned"`
		RowsEstimated *int64 `json:"rows_estimated"`
	} `json:"tables"`
}

func (d *daemon) snapProgress(t *testing.T, name string) *snapProgress {
	t.Helper()
	code, body := d.do(t, "GET", "/connectors/"+name+"/status", nil)
	if code != 200 {
		t.Fatalf("status of %s: %d %s", name, code, body)
	}
	var s struct {
		Tasks []struct {
			Snapshot *snapProgress `json:"snapshot"`
		} `json:"tasks"`
	}
	if err := json.Unmarshal(body, &s); err != nil {
		t.Fatal(err)
	}
	if len(s.Tasks) == 0 {
		return nil
	}
	return s.Tasks[0].Snapshot
}

// checkSnapshotProgress polls the connector's status from its creation
// until its snapshot of tables (reading order, sizes snapProgressRows) is
// completed with every estimate in, and checks what it saw: rows_scanned
// never goes back (nor below last, what an earlier process showed), ends at
// each table's size, estimates are close to it; then the same in /metrics.
func checkSnapshotProgress(t *testing.T, d *daemon, name string, tables []string, last map[string]int64) {
	t.Helper()
	running := 0
	var s *snapProgress
	deadline := time.Now().Add(120 * time.Second)
	for {
		s = d.snapProgress(t, name)
		if s != nil {
			if s.TotalTables != len(tables) || len(s.Tables) != len(tables) {
				t.Fatalf("snapshot of %d tables (%+v), want %d", s.TotalTables, s.Tables, len(tables))
			}
			for i, tp := range s.Tables {
				if tp.Table != tables[i] {
					t.Fatalf("table %d is %s, want %s", i, tp.Table, tables[i])
				}
				if tp.RowsScanned == nil {
					t.Fatalf("table %s: rows_scanned null in a snapshot that started in this process", tp.Table)
				}
				if *tp.RowsScanned < last[tp.Table] {
					t.Fatalf("table %s: rows_scanned went back from %d to %d", tp.Table, last[tp.Table], *tp.RowsScanned)
				}
				last[tp.Table] = *tp.RowsScanned
				if tp.State == "pending" && *tp.RowsScanned != 0 {
					t.Errorf("table %s pending with %d rows scanned", tp.Table, *tp.RowsScanned)
				}
			}
			if s.State == "running" {
				running++
			}
			if s.State != "running" && s.State != "completed" {
				t.Fatalf("snapshot state %q", s.State)
			}
			if s.State == "completed" && allEstimated(s) {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("snapshot progress after 120 s: %+v\n%s", s, tail(d.logs.String(), 40))
		}
		time.Sleep(10 * time.Millisecond)
	}
	var final []string
	for _, tp := range s.Tables {
		final = append(final, fmt.Sprintf("%s %s %d/%d", tp.Table, tp.State, *tp.RowsScanned, *tp.RowsEstimated))
	}
	t.Logf("%d samples while running; %s after %.2f s: %s", running, s.State, s.DurationSeconds, strings.Join(final, ", "))
	if running == 0 {
		t.Errorf("no status showed the snapshot running")
	}
	var total int64
	for i, tp := range s.Tables {
		want := snapProgressRows[i]
		total += want
		if tp.State != "done" || *tp.RowsScanned != want {
			t.Errorf("table %s: %s with %d rows scanned, want done with %d", tp.Table, tp.State, *tp.RowsScanned, want)
		}
		if est := *tp.RowsEstimated; math.Abs(float64(est-want)) > 0.25*float64(want) {
			t.Errorf("table %s: estimate %d after ANALYZE, want within 25%% of %d", tp.Table, est, want)
		}
	}
	if s.RowsScanned != total || s.RemainingTables != 0 || s.DurationSeconds <= 0 {
		t.Errorf("totals: rows %d, remaining %d, duration %v; want %d, 0, > 0", s.RowsScanned, s.RemainingTables, s.DurationSeconds, total)
	}

	code, b := d.do(t, "GET", "/metrics", nil)
	if code != 200 {
		t.Fatalf("/metrics: %d", code)
	}
	for i, table := range tables {
		labels := fmt.Sprintf(`{connector=%q,table=%q}`, name, table)
		if got := seriesValue(t, b, "sluice_snapshot_rows_scanned_total"+labels); got != float64(snapProgressRows[i]) {
			t.Errorf("sluice_snapshot_rows_scanned_total%s = %v, want %d", labels, got, snapProgressRows[i])
		}
		if got := seriesValue(t, b, "sluice_snapshot_rows_estimated"+labels); got != float64(*s.Tables[i].RowsEstimated) {
			t.Errorf("sluice_snapshot_rows_estimated%s = %v, want the status's %d", labels, got, *s.Tables[i].RowsEstimated)
		}
	}
	c := fmt.Sprintf(`{connector=%q}`, name)
	for metric, want := range map[string]float64{"sluice_snapshot_running": 0, "sluice_snapshot_tables_remaining": 0, "sluice_snapshot_completed": 1, "sluice_snapshot_aborted": 0, "sluice_snapshot_tables_total": float64(len(s.Tables))} {
		if got := seriesValue(t, b, metric+c); got != want {
			t.Errorf("%s%s = %v, want %v", metric, c, got, want)
		}
	}
	if got := seriesValue(t, b, "sluice_snapshot_duration_seconds"+c); math.Abs(got-s.DurationSeconds) > 1e-6 {
		t.Errorf("sluice_snapshot_duration_seconds = %v, want the status's %v", got, s.DurationSeconds)
	}
}

func allEstimated(s *snapProgress) bool {
	for _, tp := range s.Tables {
		if tp.RowsEstimated == nil {
			return false
		}
	}
	return true
}

// seriesValue returns the value of series (name and labels, as /metrics
// writes them) in the /metrics body b.
func seriesValue(t *testing.T, b []byte, series string) float64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("/metrics has no %s:\n%s", series, grepLines(string(b), "sluice_snapshot"))
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestSnapshotProgressPostgres snapshots three tables of known sizes and
// follows the progress in the status and /metrics.
func TestSnapshotProgressPostgres(t *testing.T) {
	name := uniq("snapprog")
	d, tables := startPGSnapProgress(t, name, t.TempDir(), "1000")
	checkSnapshotProgress(t, d, name, tables, map[string]int64{})
}

// startPGSnapProgress creates the tables of a progress test (analyzed, so
// that their estimates are close) and a daemon on dir with a connector
// capturing them, reading snapshot chunks of fetch rows.
func startPGSnapProgress(t *testing.T, name, dir, fetch string) (*daemon, []string) {
	t.Helper()
	pg := pgConn(t)
	var tables, topics []string
	for i, n := range snapProgressRows {
		table := pgTable(t, fmt.Sprintf("%s_%d", name, i), "id int PRIMARY KEY, v text")
		mustExec(t, pg, fmt.Sprintf("INSERT INTO %s SELECT g, 'v'||g FROM generate_series(1,%d) g", table, n))
		mustExec(t, pg, "ANALYZE "+table)
		tables = append(tables, table)
		topics = append(topics, name+"."+table)
	}
	dropSlot(t, name)
	deleteTopicsAtEnd(t, topics...)
	d := startDaemon(t, dir)
	cfg := pgConfig(t, name, name, strings.Join(tables, ","))
	cfg["snapshot.fetch.size"] = fetch
	// Transactions of 1,000 rows, not the default 10,000: the status counts
	// committed rows, and the crash test must see the first table (20,000
	// rows) part read. With its topics made before the reading (prepareTopics),
	// the first commit took 10,000 rows at once, half the table.
	cfg["sluice.batch.max.events"] = "1000"
	createConnector(t, d, name, cfg)
	return d, tables
}

// TestSnapshotProgressMariaDB is TestSnapshotProgressPostgres on MariaDB.
func TestSnapshotProgressMariaDB(t *testing.T) {
	name := uniq("snapprog_my")
	myDatabase(t, name)
	c := myConn(t)
	var tables, topics []string
	for i, n := range snapProgressRows {
		table := fmt.Sprintf("%s.t%d", name, i)
		myExec(t, c,
			"CREATE TABLE "+table+" (id INT PRIMARY KEY, v VARCHAR(20))",
			fmt.Sprintf("INSERT INTO %s SELECT seq, CONCAT('v', seq) FROM %s.seq_1_to_%d", table, name, n),
			"ANALYZE TABLE "+table)
		tables = append(tables, table)
		topics = append(topics, name+"."+table)
	}
	deleteTopicsAtEnd(t, append(topics, name)...)
	d := startDaemon(t, t.TempDir())
	cfg := myConfig(t, name, name)
	cfg["snapshot.fetch.size"] = "1000"
	createConnector(t, d, name, cfg)
	checkSnapshotProgress(t, d, name, tables, map[string]int64{})
}

// TestSnapshotProgressAfterCrashPostgres kills sluice (SIGKILL) while the
// first table is read: the restarted snapshot's progress goes on from the
// checkpoint, never below what was shown before the crash, and ends at the
// tables' sizes, rows lost in the crash counted once (status and counter).
func TestSnapshotProgressAfterCrashPostgres(t *testing.T) {
	name := uniq("snapprog_crash")
	dir := t.TempDir()
	d, tables := startPGSnapProgress(t, name, dir, "500")
	deadline := time.Now().Add(120 * time.Second)
	var seen int64
	for {
		if s := d.snapProgress(t, name); s != nil && s.Tables[0].RowsScanned != nil {
			if seen = *s.Tables[0].RowsScanned; seen > 0 {
				if seen >= snapProgressRows[0]/2 {
					t.Fatalf("the first table was half read (%d rows) before a status showed it; make it larger", seen)
				}
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no rows scanned after 120 s\n%s", tail(d.logs.String(), 40))
		}
		time.Sleep(5 * time.Millisecond)
	}
	d.kill()
	t.Logf("killed with %d rows of %s shown", seen, tables[0])

	d = startDaemon(t, dir)
	checkSnapshotProgress(t, d, name, tables, map[string]int64{tables[0]: seen})
}
