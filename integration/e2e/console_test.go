//go:build integration

package e2e

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

var updateScreenshots = flag.Bool("update-screenshots", false, "also write the console test's screenshots to docs/console/")

// chromiumPath returns the Chromium (or Chrome) binary the console test
// drives: $SLUICE_CHROMIUM, else the first one on PATH.
func chromiumPath() string {
	if p := os.Getenv("SLUICE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// screenshotDir is where the console test saves its screenshots:
// $SLUICE_UI_SCREENSHOTS, else a directory under the system's temp dir that
// outlives the test, so a reviewer can open them.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SLUICE_UI_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "sluice-console-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browser is a headless Chromium tab on the console.
type browser struct {
	t   *testing.T
	ctx context.Context
	dir string
}

// run runs chromedp actions with a bound.
func (b *browser) run(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("browser: %s: %v", what, err)
	}
}

// eval returns the value of a JavaScript expression in the page.
func eval[T any](b *browser, js string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("browser: evaluate %s: %v", js, err)
	}
	return v
}

// text returns the text of the first element selector matches, "" if none.
func (b *browser) text(selector string) string {
	b.t.Helper()
	sel, _ := json.Marshal(selector)
	return strings.TrimSpace(eval[string](b, fmt.Sprintf(`(document.querySelector(%s) || {}).textContent || ""`, sel)))
}

// waitText waits until cond holds for the text of selector.
func (b *browser) waitText(what, selector string, timeout time.Duration, cond func(string) bool) string {
	b.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := b.text(selector)
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			b.screenshot("failed")
			b.t.Fatalf("page: %s: %s is %q after %s", what, selector, s, timeout)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// screenshot saves the whole page as console-<name>.png and, with
// -update-screenshots, as docs/console/<name>.png.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("browser: screenshot %s: %v", name, err)
	}
	p := filepath.Join(b.dir, "console-"+name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s", p)
	if *updateScreenshots {
		doc := filepath.Join("..", "..", "docs", "console", name+".png")
		if err := os.MkdirAll(filepath.Dir(doc), 0o755); err != nil {
			b.t.Fatal(err)
		}
		if err := os.WriteFile(doc, png, 0o644); err != nil {
			b.t.Fatal(err)
		}
		b.t.Logf("screenshot: %s", doc)
	}
}

// TestConsoleInChromium drives the web console in a real headless Chromium
// against a real daemon, Postgres and Kafka: the page shows a running
// connector with its lag and throughput, its snapshot and its config with
// the password hidden; a click on Pause pauses it (the REST status and the
// page say PAUSED); the topic view shows a snapshot record; a connector
// whose login is refused shows FAILED with its trace, its password nowhere.
func TestConsoleInChromium(t *testing.T) {
	chrome := chromiumPath()
	if chrome == "" {
		t.Skip("no Chromium found (install Debian's chromium package, or set SLUICE_CHROMIUM to a Chromium or Chrome binary)")
	}
	db := pgConn(t)
	table := uniq("ui")
	mustExec(t, db, fmt.Sprintf("CREATE TABLE public.%s (id int PRIMARY KEY, item text, qty int)", table))
	t.Cleanup(func() { mustExec(t, db, "DROP TABLE IF EXISTS public."+table) })
	mustExec(t, db, fmt.Sprintf("INSERT INTO public.%s SELECT g, 'snapshot-item-' || g, g FROM generate_series(1, 50) g", table))
	slot := uniq("slot")
	dropSlot(t, slot)
	prefix := uniq("ui")
	topic := prefix + ".public." + table
	deleteTopicsAfter(t, topic, prefix+"-signals")
	d := startDaemon(t, t.TempDir())
	name := prefix
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": name, "config": pgConfig(t, prefix, slot, "public\\."+table)}); code != 201 {
		t.Fatalf("create connector: %d %s", code, body)
	}
	d.waitTaskState(t, name, "RUNNING", time.Minute)
	// A second connector whose login Postgres refuses: FAILED with a trace.
	failing := uniq("uifail")
	password := uniq("not-the-password")
	fcfg := pgConfig(t, failing, uniq("slot"), "public\\."+table)
	fcfg["database.password"] = password
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": failing, "config": fcfg}); code != 201 {
		t.Fatalf("create failing connector: %d %s", code, body)
	}
	d.waitTaskState(t, failing, "FAILED", 30*time.Second)
	// Streaming changes, so the lag has a value and the throughput a slope.
	waitFor(t, time.Minute, "the snapshot's rows", func() bool { return d.metricValue(t, "sluice_streaming_events_total", name) >= 50 })
	// The writer's connection is closed by a cleanup registered before the
	// one that stops the writer, so it runs after it.
	c := pgConn(t)
	stopWrites := make(chan struct{})
	writesDone := make(chan struct{})
	go func() {
		defer close(writesDone)
		for i := 1000; ; i++ {
			select {
			case <-stopWrites:
				return
			case <-time.After(300 * time.Millisecond):
			}
			_, _ = c.Exec(context.Background(), fmt.Sprintf("INSERT INTO public.%s VALUES ($1, 'streamed', 1)", table), i)
		}
	}()
	t.Cleanup(func() { close(stopWrites); <-writesDone })

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(chrome),
			chromedp.NoSandbox, // root in CI has no user namespace sandbox
			chromedp.DisableGPU,
			chromedp.WindowSize(1280, 900),
		)...)
	defer cancelAlloc()
	ctx, cancelCtx := chromedp.NewContext(alloc, chromedp.WithErrorf(t.Logf))
	defer cancelCtx()
	// The first run starts the browser, with no timeout (one would stop it).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", chrome, err)
	}
	b := &browser{t: t, ctx: ctx, dir: screenshotDir(t)}

	// /ui redirects to /ui/, which lists the connector.
	row := fmt.Sprintf(`tr[data-connector=%q]`, name)
	b.run("open /ui", chromedp.Navigate(d.URL+"/ui"), chromedp.WaitVisible(chromedp.CSS(row)))
	loc := eval[string](b, `location.pathname`)
	if loc != "/ui/" {
		t.Fatalf("/ui led to %s, want /ui/", loc)
	}
	b.waitText("the connector running", row+" .state", 30*time.Second, func(s string) bool { return s == "RUNNING" })
	lagShown := regexp.MustCompile(`^[0-9]+(\.[0-9])? (ms|s|min)$`)
	lag := b.waitText("the lag shown", row+" .lag .lag-ms", 30*time.Second, lagShown.MatchString)
	t.Logf("lag on the page: %q", lag)
	b.waitText("the records counted", row+" .records", 30*time.Second, func(s string) bool { return s != "—" && s != "0" && s != "" })
	// Throughput: a rate from two samples, a line from three (2 s apart);
	// rows are inserted every 300 ms, so the rate is above zero.
	b.waitText("a throughput rate", row+" .throughput .rate", 30*time.Second, func(s string) bool {
		r, err := strconv.ParseFloat(strings.TrimSuffix(s, "/s"), 64)
		return strings.HasSuffix(s, "/s") && err == nil && r > 0
	})
	b.waitText("a throughput line", row+" .throughput", 30*time.Second, func(string) bool {
		pts := eval[string](b, fmt.Sprintf(`(document.querySelector(%q) || {getAttribute: () => ""}).getAttribute("points") || ""`, row+" svg.spark polyline"))
		return len(strings.Fields(pts)) >= 2
	})

	// The details: snapshot progress, the config with the password hidden.
	b.run("open the details", chromedp.Click(chromedp.CSS(row+" button.name")), chromedp.WaitVisible(chromedp.CSS("#detail")))
	if got := b.text(`#config tr[data-key="database.password"] td:last-child`); got != "[hidden]" {
		t.Errorf("password in the config shown as %q, want [hidden]", got)
	}
	if got := b.text(`#config tr[data-key="database.user"] td:last-child`); got != "postgres" {
		t.Errorf("database.user shown as %q", got)
	}
	snapRow := fmt.Sprintf(`#snapshot tr[data-table="public.%s"]`, table)
	b.waitText("the snapshot's table done", snapRow, 10*time.Second, func(s string) bool { return strings.Contains(s, "done") && strings.Contains(s, "50") })
	progress := eval[float64](b, fmt.Sprintf(`document.querySelector(%q).value`, snapRow+" progress"))
	if progress != 1 {
		t.Errorf("snapshot progress bar at %v, want 1 (done)", progress)
	}
	b.screenshot("running")

	// Pause: the REST API and the page say PAUSED.
	b.run("click Pause", chromedp.Click(chromedp.CSS(row+` button[data-action="pause"]`)))
	d.waitTaskState(t, name, "PAUSED", 30*time.Second)
	b.waitText("the connector paused", row+" .state", 15*time.Second, func(s string) bool { return s == "PAUSED" })
	if !eval[bool](b, fmt.Sprintf(`!document.querySelector(%q).disabled`, row+` button[data-action="resume"]`)) {
		t.Errorf("Resume is disabled on a paused connector")
	}
	b.screenshot("paused")

	// A snapshot in progress and a warning, as a status can carry them
	// (docs/snapshot-progress.md), rendered by the page's own code in the
	// same evaluation (the next poll redraws the real status).
	name2, _ := json.Marshal(name)
	got := eval[[]any](b, `(() => {
		const st = state.statuses[`+string(name2)+`].status;
		st.warnings = ["replication slot lag above sluice.slot.lag.warn.bytes"];
		st.tasks[0].snapshot = {state: "running", duration_seconds: 4.2, total_tables: 4, remaining_tables: 3,
			rows_scanned: 21005, rows_estimated: 54000, tables: [
			{table: "a", state: "done", rows_scanned: 20000, rows_estimated: 20000},
			{table: "b", state: "running", rows_scanned: 1000, rows_estimated: 4000},
			{table: "c", state: "running", rows_scanned: 5, rows_estimated: null},
			{table: "d", state: "pending", rows_scanned: 0, rows_estimated: 30000}]};
		renderDetail();
		const bar = (t) => { const p = document.querySelector('#snapshot tr[data-table="' + t + '"] progress');
			return p.hasAttribute("value") ? p.value : -1; };
		return [bar("a"), bar("b"), bar("c"), bar("d"),
			document.getElementById("warnings").textContent, document.getElementById("snapshot-summary").textContent];
	})()`)
	want := []any{1.0, 0.25, -1.0, 0.0, "replication slot lag above sluice.slot.lag.warn.bytes", "running, 1 of 4 tables, 21,005 rows, 4.2 s"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("a running snapshot drawn as %v, want %v (bars a done, b a quarter, c unknown, d pending; the warning; the summary)", got, want)
	}

	// The topic view shows the latest records, snapshot reads among them
	// (the connector is paused, so the tail is what was written).
	b.run("open the topic view", chromedp.Click(chromedp.CSS(fmt.Sprintf(`button[data-topic=%q]`, topic))),
		chromedp.WaitVisible(chromedp.CSS("#topic-view")))
	b.run("show 100 records", chromedp.SetValue(chromedp.CSS("#topic-limit"), "100"))
	eval[bool](b, `document.getElementById("topic-limit").dispatchEvent(new Event("change"))`)
	vals := b.waitText("a snapshot record", "#records tbody", 30*time.Second, func(s string) bool {
		return strings.Contains(s, `"op":"r"`) && strings.Contains(s, "snapshot-item-")
	})
	if !strings.Contains(vals, `"op":"c"`) {
		t.Errorf("no streamed insert among the latest records: %.300s", vals)
	}
	n := eval[int](b, `document.querySelectorAll("#records tbody tr").length`)
	if n == 0 || n > 100 {
		t.Errorf("%d records shown, want 1 to 100", n)
	}
	// Ten records keep the screenshot readable.
	b.run("show 10 records", chromedp.SetValue(chromedp.CSS("#topic-limit"), "10"))
	eval[bool](b, `document.getElementById("topic-limit").dispatchEvent(new Event("change"))`)
	b.waitText("ten records", "#records tbody", 15*time.Second, func(string) bool {
		return eval[int](b, `document.querySelectorAll("#records tbody tr").length`) == 10
	})
	b.run("scroll to the topic view", chromedp.ScrollIntoView(chromedp.CSS("#topic-view")))
	b.screenshot("topic")
	b.run("close the topic view", chromedp.Click(chromedp.CSS("#topic-close")))
	if !eval[bool](b, `document.getElementById("topic-view").hidden`) {
		t.Errorf("Close left the topic view open")
	}

	// The failed connector: its state, its trace, and its password nowhere
	// on the page.
	frow := fmt.Sprintf(`tr[data-connector=%q]`, failing)
	b.waitText("the failed connector", frow+" .state", 15*time.Second, func(s string) bool { return s == "FAILED" })
	b.run("open the failed connector", chromedp.Click(chromedp.CSS(frow+" button.name")), chromedp.WaitVisible(chromedp.CSS("#trace-box")))
	b.waitText("the failed task's trace", "#trace", 10*time.Second, func(s string) bool {
		return strings.Contains(s, "password authentication failed")
	})
	if got := b.text(`#config tr[data-key="database.password"] td:last-child`); got != "[hidden]" {
		t.Errorf("failing connector's password shown as %q, want [hidden]", got)
	}
	if html := eval[string](b, `document.documentElement.outerHTML`); strings.Contains(html, password) {
		t.Errorf("the page shows the password %q", password)
	}
	b.run("scroll to the top", chromedp.ScrollIntoView(chromedp.CSS("header")))
	b.screenshot("failed")
}

// TestConsoleBehindRESTAuth: with REST authentication on, the console's page,
// files and endpoints need the same credentials as the REST API.
func TestConsoleBehindRESTAuth(t *testing.T) {
	dir := t.TempDir()
	creds := filepath.Join(dir, "connect-credentials.properties")
	if err := os.WriteFile(creds, []byte("admin: adm1n-pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	jaas := filepath.Join(dir, "connect-jaas.conf")
	if err := os.WriteFile(jaas, []byte("KafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n  file=\""+creds+"\";\n};\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// /healthz open: startDaemon waits on it.
	d := startDaemon(t, filepath.Join(dir, "data"), "SLUICE_REST_BASIC_AUTH_FILE="+jaas, "SLUICE_REST_OPEN_PATHS=/healthz")
	client := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	get := func(path, user, pw string) int {
		t.Helper()
		req, err := http.NewRequest("GET", d.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if user != "" {
			req.SetBasicAuth(user, pw)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for path, ok := range map[string]int{"/ui": 301, "/ui/": 200, "/ui/console.js": 200, "/ui/api/overview": 200, "/connectors": 200} {
		if got := get(path, "", ""); got != 401 {
			t.Errorf("GET %s without credentials: %d, want 401", path, got)
		}
		if got := get(path, "admin", "wrong"); got != 401 {
			t.Errorf("GET %s with a wrong password: %d, want 401", path, got)
		}
		if got := get(path, "admin", "adm1n-pw"); got != ok {
			t.Errorf("GET %s with credentials: %d, want %d", path, got, ok)
		}
	}
}
