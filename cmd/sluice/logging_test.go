package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestNewLoggerLevelsAndAliases(t *testing.T) {
	for _, tc := range []struct{ flag, root string }{{"info", "INFO"}, {"debug", "DEBUG"}, {"warn", "WARN"}, {"TRACE", "TRACE"}, {"error", "ERROR"}} {
		l, err := newLogger(serveConfig{logLevel: tc.flag, logFormat: "text"}, &bytes.Buffer{})
		if err != nil {
			t.Fatalf("%s: %v", tc.flag, err)
		}
		if lv, _ := l.Level("root"); lv.Name != tc.root {
			t.Errorf("--log-level %s: root %s, want %s", tc.flag, lv.Name, tc.root)
		}
	}
	if _, err := newLogger(serveConfig{logLevel: "loud", logFormat: "text"}, &bytes.Buffer{}); err == nil ||
		!strings.Contains(err.Error(), "use debug, info, warn or error") {
		t.Fatalf("bad level: %v", err)
	}

	var out bytes.Buffer
	l, err := newLogger(serveConfig{logLevel: "info", logFormat: "json"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	pg := l.Logger(loggerPostgres).With("connector", "c1")
	pg.Debug("hidden")
	// A Connect runbook's logger name reaches the Postgres source.
	changed := restLoggers{l}.SetLevel("io.debezium.connector.postgresql", "DEBUG")
	if !slices.Equal(changed, []string{"io.debezium.connector.postgresql", loggerPostgres}) {
		t.Fatalf("changed = %v", changed)
	}
	pg.Debug("shown")
	if s := out.String(); strings.Contains(s, "hidden") || !strings.Contains(s, `"msg":"shown","connector":"c1"`) {
		t.Fatalf("log = %s", s)
	}
	if lv, ok := (restLoggers{l}).Level(loggerPostgres); !ok || lv.Level != "DEBUG" || lv.LastModified == nil {
		t.Fatalf("level = %+v %v", lv, ok)
	}
	if lv, ok := (restLoggers{l}).Level("root"); !ok || lv.Level != "INFO" || lv.LastModified != nil {
		t.Fatalf("root = %+v %v", lv, ok)
	}
	for alias, targets := range loggerAliases {
		for _, target := range targets {
			if !slices.Contains([]string{loggerMain, loggerRuntime, loggerREST, loggerPostgres, loggerMySQL, loggerSink}, target) {
				t.Errorf("alias %s names %s, which is no sluice logger", alias, target)
			}
		}
	}
}
