package logging

import (
	"bytes"
	"context"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := strings.Split(strings.TrimSpace(s.b.String()), "\n")
	if len(out) == 1 && out[0] == "" {
		return nil
	}
	s.b.Reset()
	return out
}

func newTest(root slog.Level) (*Levels, *syncBuffer) {
	buf := &syncBuffer{}
	out := slog.NewTextHandler(buf, &slog.HandlerOptions{Level: LevelAll, ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}})
	l := New(out, root)
	l.now = func() time.Time { return time.UnixMilli(1700000000123) }
	return l, buf
}

func TestRecordsPassByPackageOrConnectorLevel(t *testing.T) {
	l, buf := newTest(slog.LevelInfo)
	pg := l.Logger("sluice.connectors.postgres")
	rt := l.Logger("sluice.connectors.runtime")
	pg1, pg2 := pg.With("connector", "pg1"), pg.With("connector", "pg2")

	pg1.Debug("hidden")
	pg1.Info("shown")
	if got := buf.lines(); !slices.Equal(got, []string{`level=INFO msg=shown connector=pg1`}) {
		t.Fatalf("at INFO: %q", got)
	}

	// Raising one connector's logger shows its debug records from every
	// package, and only its own.
	if changed := l.SetLevel("connector.pg1", slog.LevelDebug); !slices.Equal(changed, []string{"connector.pg1"}) {
		t.Fatalf("changed = %v", changed)
	}
	pg1.Debug("pg debug")
	pg2.Debug("other connector")
	rt.With("connector", "pg1").Debug("runtime debug")
	rt.Debug("record attr", "connector", "pg1")
	rt.Debug("record attr of another", "connector", "pg2")
	rt.Debug("no connector")
	want := []string{
		`level=DEBUG msg="pg debug" connector=pg1`,
		`level=DEBUG msg="runtime debug" connector=pg1`,
		`level=DEBUG msg="record attr" connector=pg1`,
	}
	if got := buf.lines(); !slices.Equal(got, want) {
		t.Fatalf("with connector.pg1 at DEBUG:\n%q\nwant\n%q", got, want)
	}

	// Raising a package's logger shows its debug records for every
	// connector.
	l.SetLevel("connector.pg1", slog.LevelInfo)
	l.SetLevel("sluice.connectors.postgres", slog.LevelDebug)
	pg2.Debug("pg2 debug")
	rt.Debug("runtime stays quiet")
	if got := buf.lines(); !slices.Equal(got, []string{`level=DEBUG msg="pg2 debug" connector=pg2`}) {
		t.Fatalf("with the postgres package at DEBUG: %q", got)
	}

	// Root sets everything, including what was set before.
	l.SetLevel("root", slog.LevelError)
	pg1.Warn("quiet")
	pg2.Error("loud")
	if got := buf.lines(); !slices.Equal(got, []string{`level=ERROR msg=loud connector=pg2`}) {
		t.Fatalf("with root at ERROR: %q", got)
	}
}

func TestEnabledIsCheap(t *testing.T) {
	// Enabled answers from atomics; a record that no logger lets through is
	// not even built (Enabled false), unless a connector logger may want
	// it.
	l, _ := newTest(slog.LevelInfo)
	lg := l.Logger("sluice.connectors.runtime")
	if lg.Enabled(context.Background(), slog.LevelDebug) {
		t.Fatal("debug enabled at INFO")
	}
	l.SetLevel("connector.c", slog.LevelDebug)
	if !lg.Enabled(context.Background(), slog.LevelDebug) {
		t.Fatal("a record naming connector c could pass, but Enabled says no")
	}
	if lg.With("connector", "other").Enabled(context.Background(), slog.LevelDebug) {
		t.Fatal("debug enabled for a connector at INFO")
	}
	if lg.WithGroup("g").Enabled(context.Background(), slog.LevelDebug) {
		t.Fatal("debug enabled inside a group, where attributes do not name the connector")
	}
	allocs := testing.AllocsPerRun(100, func() { lg.Debug("x", "n", 1) })
	if allocs > 0 {
		t.Errorf("a disabled Debug call allocates %.0f times", allocs)
	}
}

func TestSetLevelAsKafkaConnect(t *testing.T) {
	l, _ := newTest(slog.LevelInfo)
	l.Logger("sluice.connectors.postgres")
	l.Logger("sluice.connectors.mysql")
	l.Logger("sluice.sinks.kafka")
	l.Logger("sluicer") // not under "sluice"
	l.Logger("x").With("connector", "pg1")

	want := map[string]string{"root": "INFO", "sluice.connectors.postgres": "INFO", "sluice.connectors.mysql": "INFO",
		"sluice.sinks.kafka": "INFO", "sluicer": "INFO", "x": "INFO", "connector.pg1": "INFO"}
	if got := names(l.Levels()); !maps.Equal(got, want) {
		t.Fatalf("levels = %v, want %v", got, want)
	}

	// A namespace and everything under it, by dotted name; the namespace's
	// own logger is created.
	changed := l.SetLevel("sluice.connectors", slog.LevelDebug)
	if !slices.Equal(changed, []string{"sluice.connectors", "sluice.connectors.mysql", "sluice.connectors.postgres"}) {
		t.Fatalf("changed = %v", changed)
	}
	lv, ok := l.Level("sluice.connectors.mysql")
	if !ok || lv.Name != "DEBUG" || lv.Modified.UnixMilli() != 1700000000123 {
		t.Fatalf("level = %+v %v", lv, ok)
	}
	if lv, _ := l.Level("sluice.sinks.kafka"); lv.Name != "INFO" || !lv.Modified.IsZero() {
		t.Fatalf("untouched logger = %+v", lv)
	}
	// Only loggers whose level changes are listed (and get a new time).
	l.now = func() time.Time { return time.UnixMilli(1800000000000) }
	if changed := l.SetLevel("sluice", slog.LevelDebug); !slices.Equal(changed, []string{"sluice", "sluice.sinks.kafka"}) {
		t.Fatalf("changed = %v", changed)
	}
	if lv, _ := l.Level("sluice.connectors.mysql"); lv.Modified.UnixMilli() != 1700000000123 {
		t.Fatalf("unchanged logger got a new time: %+v", lv)
	}
	// A logger made later takes its nearest ancestor's level.
	l.Logger("sluice.connectors.new")
	if lv, _ := l.Level("sluice.connectors.new"); lv.Name != "DEBUG" {
		t.Fatalf("new logger under a DEBUG namespace = %+v", lv)
	}
	l.Logger("y")
	if lv, _ := l.Level("y"); lv.Name != "INFO" {
		t.Fatalf("new top-level logger = %+v", lv)
	}
	// root (any case) sets every logger.
	changed = l.SetLevel("ROOT", slog.LevelWarn)
	if len(changed) != len(l.Levels()) || !slices.Contains(changed, "root") {
		t.Fatalf("root changed %v of %v", changed, names(l.Levels()))
	}
	if _, ok := l.Level("nope"); ok {
		t.Fatal("unknown logger found")
	}
	if lv, ok := l.Level("Root"); !ok || lv.Name != "WARN" {
		t.Fatalf("Root = %+v %v", lv, ok)
	}
	// A logger that is OFF is left out of the list, as Kafka Connect does.
	l.SetLevel("x", LevelOff)
	if _, listed := l.Levels()["x"]; listed {
		t.Fatal("an OFF logger is listed")
	}
	if lv, ok := l.Level("x"); !ok || lv.Name != "OFF" {
		t.Fatalf("x = %+v %v", lv, ok)
	}
}

func names(m map[string]Level) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v.Name
	}
	return out
}

func TestLevelNames(t *testing.T) {
	for _, name := range []string{"OFF", "FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE", "ALL"} {
		for _, given := range []string{name, strings.ToLower(name), " " + name + " "} {
			l, ok := ParseLevel(given)
			if !ok || LevelName(l) != name {
				t.Errorf("ParseLevel(%q) = %v %v, named %s", given, l, ok, LevelName(l))
			}
		}
	}
	if _, ok := ParseLevel("LOUD"); ok {
		t.Error("LOUD parsed")
	}
	for l, want := range map[slog.Level]string{slog.LevelDebug + 2: "DEBUG", slog.LevelDebug - 2: "TRACE", slog.LevelInfo + 1: "INFO", 20: "FATAL"} {
		if got := LevelName(l); got != want {
			t.Errorf("LevelName(%d) = %s, want %s", l, got, want)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	l, buf := newTest(slog.LevelInfo)
	lg := l.Logger("p")
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := lg.With("connector", "c")
			for j := 0; j < 200; j++ {
				c.Debug("d")
				lg.Info("i", "connector", "c")
			}
		}()
	}
	for j := 0; j < 50; j++ {
		l.SetLevel("connector.c", slog.LevelDebug)
		l.SetLevel("root", slog.LevelInfo)
	}
	wg.Wait()
	if n := len(buf.lines()); n < 800 {
		t.Fatalf("%d lines, want at least the 800 INFO ones", n)
	}
}

func TestAliasesReachSluiceLoggers(t *testing.T) {
	l, buf := newTest(slog.LevelInfo)
	pg := l.Logger("sluice.connectors.postgres")
	my := l.Logger("sluice.connectors.mysql")
	l.Alias("io.debezium.connector.postgresql", "sluice.connectors.postgres")
	l.Alias("io.debezium.connector.mysql", "sluice.connectors.mysql")
	l.Alias("io.debezium.connector.mariadb", "sluice.connectors.mysql")

	// The Debezium name a Connect user sets raises the sluice package.
	changed := l.SetLevel("io.debezium.connector.postgresql", slog.LevelDebug)
	if !slices.Equal(changed, []string{"io.debezium.connector.postgresql", "sluice.connectors.postgres"}) {
		t.Fatalf("changed = %v", changed)
	}
	pg.Debug("pg")
	my.Debug("my")
	if got := buf.lines(); !slices.Equal(got, []string{"level=DEBUG msg=pg"}) {
		t.Fatalf("lines = %q", got)
	}
	// A namespace above several aliases reaches all their targets, once.
	changed = l.SetLevel("io.debezium", slog.LevelWarn)
	want := []string{"io.debezium", "io.debezium.connector.postgresql", "sluice.connectors.mysql", "sluice.connectors.postgres"}
	if !slices.Equal(changed, want) {
		t.Fatalf("changed = %v, want %v", changed, want)
	}
	// A name below an alias (one Debezium class) is only itself.
	if changed := l.SetLevel("io.debezium.connector.mysql.MySqlConnectorTask", slog.LevelDebug); !slices.Equal(changed,
		[]string{"io.debezium.connector.mysql.MySqlConnectorTask"}) {
		t.Fatalf("changed = %v", changed)
	}
	my.Debug("still quiet")
	if got := buf.lines(); len(got) != 0 {
		t.Fatalf("lines = %q", got)
	}
}
