package captureopts

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestPolicies(t *testing.T) {
	cases := []struct {
		mode string
		f    Flavor
		m    map[string]string
		want Policy
	}{
		{ModeInitial, Postgres, nil, Policy{Initial: true, Stream: true}},
		{ModeInitialOnly, Postgres, nil, Policy{Initial: true}},
		{ModeNoData, Binlog, nil, Policy{Stream: true, Schema: true}},
		{ModeNever, Binlog, nil, Policy{Stream: true, Schema: true}},
		{ModeWhenNeeded, Postgres, nil, Policy{Initial: true, Stream: true, WhenNeeded: true}},
		{ModeAlways, Binlog, nil, Policy{Initial: true, Always: true, Stream: true}},
		{ModeRecovery, Binlog, nil, Policy{Stream: true, Recovery: true}},
		{ModeConfigurationBased, Postgres, nil, Policy{}},
		{ModeConfigurationBased, Binlog, map[string]string{
			"snapshot.mode.configuration.based.snapshot.data":          "true",
			"snapshot.mode.configuration.based.start.stream":           "TRUE",
			"snapshot.mode.configuration.based.snapshot.on.data.error": "true",
			"snapshot.mode.configuration.based.snapshot.schema":        "false",
		}, Policy{Initial: true, Always: true, Stream: true, WhenNeeded: true}},
	}
	for _, c := range cases {
		o, errs := Parse(c.m, c.mode, c.f)
		if len(errs) > 0 {
			t.Errorf("%s: %v", c.mode, errs)
			continue
		}
		c.want.Mode = c.mode
		if o.Policy != c.want {
			t.Errorf("%s: policy %+v, want %+v", c.mode, o.Policy, c.want)
		}
		if o.OnFailure != FailureFail || o.Delay != 0 || o.Include != nil || o.Overrides != nil {
			t.Errorf("%s: defaults %+v", c.mode, o)
		}
	}
}

// Refused values name what to use instead.
func TestRefusedModes(t *testing.T) {
	cases := []struct {
		mode string
		f    Flavor
		hint string
	}{
		{"schema_only", Binlog, "snapshot.mode=no_data"},
		{"schema_only_recovery", Binlog, "snapshot.mode=recovery"},
		{"schema_only_recovery", Postgres, "no_data"},
		{"recovery", Postgres, "no_data"},
		{"exported", Postgres, "snapshot.mode=initial"},
		{"never", Postgres, "snapshot.mode=no_data"},
		{"custom", Postgres, "configuration_based"},
		{"sometimes", Binlog, "use one of initial, initial_only, when_needed, always, no_data, never, recovery, configuration_based"},
	}
	for _, c := range cases {
		_, errs := Parse(map[string]string{"snapshot.mode.custom.name": "x"}, c.mode, c.f)
		if len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), "snapshot.mode: ") || !strings.Contains(errs[0].Error(), c.hint) {
			t.Errorf("%s (flavor %d): %v, want one snapshot.mode error naming %q", c.mode, c.f, errs, c.hint)
		}
	}
}

func TestParseKeys(t *testing.T) {
	o, errs := Parse(map[string]string{
		"snapshot.delay.ms":                                 "1500",
		"snapshot.include.collection.list":                  "public\\.a.*,public.b",
		"snapshot.select.statement.overrides":               "public.a1, public.b ,public.c",
		"snapshot.select.statement.overrides.public.a1":     "SELECT * FROM public.a1 WHERE id > 10;",
		"snapshot.select.statement.overrides.public.b":      "  with x as (select 1) select * from public.b",
		"snapshot.select.statement.overrides.public.unused": "SELECT 1",
		"event.processing.failure.handling.mode":            "Ignore",
	}, ModeInitial, Postgres)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if o.Delay != 1500*time.Millisecond {
		t.Errorf("delay %v", o.Delay)
	}
	for name, want := range map[string]bool{"public.a1": true, "public.b": true, "PUBLIC.A2": true, "public.c": false, "public.bb": false} {
		if o.Snapshots(name) != want {
			t.Errorf("Snapshots(%s) = %v", name, !want)
		}
	}
	if o.Overrides["public.a1"] != "SELECT * FROM public.a1 WHERE id > 10" || o.Overrides["public.b"] != "with x as (select 1) select * from public.b" || len(o.Overrides) != 2 {
		t.Errorf("overrides %q", o.Overrides)
	}
	if len(o.Warnings) != 2 || !strings.Contains(o.Warnings[0], "public.c") || !strings.Contains(o.Warnings[1], "public.unused") {
		t.Errorf("warnings %q", o.Warnings)
	}
	if o.OnFailure != FailureSkip {
		t.Errorf("ignore: %s, want skip", o.OnFailure)
	}

	_, errs = Parse(map[string]string{
		"snapshot.delay.ms":                               "-1",
		"snapshot.include.collection.list":                "a(",
		"snapshot.select.statement.overrides":             "nodot,db.t",
		"snapshot.select.statement.overrides.db.t":        "DELETE FROM db.t",
		"event.processing.failure.handling.mode":          "retry",
		"snapshot.mode.configuration.based.snapshot.data": "yes",
	}, ModeConfigurationBased, Binlog)
	var keys []string
	for _, e := range errs {
		k, _, _ := strings.Cut(e.Error(), ": ")
		keys = append(keys, k)
	}
	want := "snapshot.mode.configuration.based.snapshot.data snapshot.delay.ms snapshot.include.collection.list snapshot.select.statement.overrides snapshot.select.statement.overrides.db.t event.processing.failure.handling.mode"
	if strings.Join(keys, " ") != want {
		t.Errorf("problems on %q, want %q: %v", keys, want, errs)
	}
}

func TestFailure(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	bad := errors.New("cannot decode")
	o := Options{OnFailure: FailureFail}
	err := o.Failure(log, bad, "lsn 0/1")
	var fe *FailedEventError
	if !errors.Is(err, bad) || !errors.As(err, &fe) || !strings.Contains(err.Error(), "lsn 0/1") || !strings.Contains(err.Error(), "event.processing.failure.handling.mode=warn") {
		t.Errorf("fail: %v", err)
	}
	o.OnFailure = FailureWarn
	if err := o.Failure(log, bad, "lsn 0/2"); err != nil || !strings.Contains(buf.String(), "level=WARN") || !strings.Contains(buf.String(), "lsn 0/2") {
		t.Errorf("warn: %v, log %q", err, buf.String())
	}
	buf.Reset()
	o.OnFailure = FailureSkip
	if err := o.Failure(log, bad, "lsn 0/3"); err != nil || buf.Len() != 0 {
		t.Errorf("skip: %v, log %q (want nothing at info)", err, buf.String())
	}
}

// TestThreads checks snapshot.max.threads and the keys that shape its
// split: the multiplier, and the legacy switch that splits no table.
func TestThreads(t *testing.T) {
	for _, c := range []struct {
		m              map[string]string
		threads, parts int
		bad            string
	}{
		{m: nil, threads: 1, parts: 1},
		{m: map[string]string{"snapshot.max.threads": "4"}, threads: 4, parts: 4},
		{m: map[string]string{"snapshot.max.threads": "4", "snapshot.max.threads.multiplier": "3"}, threads: 4, parts: 12},
		{m: map[string]string{"snapshot.max.threads": "4", "legacy.snapshot.max.threads": "true"}, threads: 4, parts: 1},
		{m: map[string]string{"snapshot.max.threads": "4", "internal.legacy.snapshot.max.threads": "true"}, threads: 4, parts: 1},
		{m: map[string]string{"snapshot.max.threads": "0"}, threads: 1, parts: 1, bad: "snapshot.max.threads"},
		{m: map[string]string{"snapshot.max.threads": "65"}, threads: 1, parts: 1, bad: "snapshot.max.threads"},
		{m: map[string]string{"snapshot.max.threads.multiplier": "x"}, threads: 1, parts: 1, bad: "snapshot.max.threads.multiplier"},
	} {
		o, errs := Parse(c.m, ModeInitial, Postgres)
		if o.Threads != c.threads || o.Parts != c.parts {
			t.Errorf("%v: threads %d parts %d, want %d %d", c.m, o.Threads, o.Parts, c.threads, c.parts)
		}
		if c.bad == "" && len(errs) > 0 || c.bad != "" && (len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), c.bad+": ")) {
			t.Errorf("%v: problems %v, want one on %q", c.m, errs, c.bad)
		}
	}
}
