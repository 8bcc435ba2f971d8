package captureopts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sluicecdc/sluice/connectors/filter"
)

// Flavor selects the snapshot.mode values a source takes: Debezium's
// Postgres and binlog (MySQL/MariaDB) connectors differ.
type Flavor int

const (
	// Postgres takes always, initial, initial_only, no_data, when_needed and
	// configuration_based.
	Postgres Flavor = iota
	// Binlog also takes recovery.
	Binlog
)

// Snapshot modes (snapshot.mode) beyond the ones each source names itself.
const (
	ModeInitial            = "initial"
	ModeInitialOnly        = "initial_only"
	ModeNoData             = "no_data"
	ModeNever              = "never" // the binlog connectors' old name for no_data
	ModeWhenNeeded         = "when_needed"
	ModeAlways             = "always"
	ModeRecovery           = "recovery"
	ModeConfigurationBased = "configuration_based"
	ModeCustom             = "custom"
)

// Failure handling modes (event.processing.failure.handling.mode).
const (
	FailureFail = "fail"
	FailureWarn = "warn"
	FailureSkip = "skip"
	// FailureIgnore is Debezium's transitional name for skip.
	FailureIgnore = "ignore"
)

// Key names.
const (
	keyMode          = "snapshot.mode"
	keyDelay         = "snapshot.delay.ms"
	keyInclude       = "snapshot.include.collection.list"
	keyOverrides     = "snapshot.select.statement.overrides"
	keyFailure       = "event.processing.failure.handling.mode"
	keyCustomName    = "snapshot.mode.custom.name"
	keyCBData        = "snapshot.mode.configuration.based.snapshot.data"
	keyCBSchema      = "snapshot.mode.configuration.based.snapshot.schema"
	keyCBStream      = "snapshot.mode.configuration.based.start.stream"
	keyCBSchemaError = "snapshot.mode.configuration.based.snapshot.on.schema.error"
	keyCBDataError   = "snapshot.mode.configuration.based.snapshot.on.data.error"
	keyThreads       = "snapshot.max.threads"
	keyMultiplier    = "snapshot.max.threads.multiplier"
	keyLegacyThreads = "legacy.snapshot.max.threads"
	keyLegacyAlias   = "internal.legacy.snapshot.max.threads"
)

// Keys are the configuration keys this package reads, for the sources' key
// lists. The entry ending in "." stands for every key it begins
// (snapshot.select.statement.overrides.<table>). snapshot.mode is listed by
// each source already.
var Keys = []string{
	keyDelay, keyInclude, keyOverrides, keyOverrides + ".", keyFailure,
	keyCustomName, keyCBData, keyCBSchema, keyCBStream, keyCBSchemaError, keyCBDataError,
	keyThreads, keyMultiplier, keyLegacyThreads, keyLegacyAlias,
}

// Policy is what a start does, decided by snapshot.mode (Debezium's
// Snapshotter for that mode).
type Policy struct {
	Mode string
	// Initial: read the rows when there is no checkpoint (or a snapshot
	// was in progress).
	Initial bool
	// Always: read the rows at every start, also after a streaming
	// checkpoint (always; configuration_based with snapshot.data).
	Always bool
	// Stream: stream changes after the snapshot (false: stop after it).
	Stream bool
	// WhenNeeded: start afresh, as if there were no checkpoint, when the
	// checkpoint's position is no longer on the server (a dropped or
	// invalidated slot, a purged binlog), instead of failing; Initial then
	// says whether the rows are read.
	WhenNeeded bool
	// Schema: a start without rows still writes the snapshot's
	// schema-change records (MySQL/MariaDB no_data).
	Schema bool
	// Recovery: a start needs a checkpoint (Debezium's recovery mode
	// rebuilds its schema history from the offset's position).
	Recovery bool
}

// Options are the parsed keys of this package.
type Options struct {
	Policy Policy
	// Delay is snapshot.delay.ms: the wait before a snapshot's first read.
	Delay time.Duration
	// Include is snapshot.include.collection.list: which of the captured
	// tables a snapshot reads (nil: all).
	Include []*regexp.Regexp
	// Overrides maps a table ("schema.table", "db.table") to the SELECT its
	// snapshot reads instead of the whole table.
	Overrides map[string]string
	// OnFailure is event.processing.failure.handling.mode: fail, warn or
	// skip.
	OnFailure string
	// Threads is snapshot.max.threads: the connections a snapshot reads
	// on (1: one table after the other on one).
	Threads int
	// Parts is the number of key ranges a large table is split into when
	// Threads > 1: Threads × snapshot.max.threads.multiplier, or 1 (whole
	// tables side by side, none split) with legacy.snapshot.max.threads.
	Parts int
	// Warnings are accepted but suspicious settings, for the source's log.
	Warnings []string
}

// Parse reads the keys from m. mode is the snapshot.mode value as the
// source read it (lower case, default applied). It returns every problem,
// each naming its key and the fix.
func Parse(m map[string]string, mode string, f Flavor) (Options, []error) {
	var o Options
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	get := func(key string) string { return strings.TrimSpace(m[key]) }
	boolean := func(key string) bool {
		switch v := strings.ToLower(get(key)); v {
		case "", "false":
			return false
		case "true":
			return true
		default:
			bad(key, "%q is not a boolean; use true or false", v)
			return false
		}
	}

	var p Policy
	p.Mode = mode
	switch mode {
	case ModeInitial:
		p.Initial, p.Stream = true, true
	case ModeInitialOnly:
		p.Initial = true
	case ModeNever:
		if f != Binlog {
			// Debezium 3.6.1's Postgres connector refuses it (measured with
			// Kafka Connect's validate); its MariaDB connector 3.5.0 takes it.
			bad(keyMode, "never was renamed no_data in Debezium 2 and is refused by Debezium 3.6's Postgres connector; set snapshot.mode=no_data")
		}
		p.Stream, p.Schema = true, true
	case ModeNoData:
		p.Stream, p.Schema = true, true
	case ModeWhenNeeded:
		p.Initial, p.Stream, p.WhenNeeded = true, true, true
	case ModeAlways:
		p.Initial, p.Always, p.Stream = true, true, true
	case ModeRecovery:
		if f != Binlog {
			bad(keyMode, "recovery is a MySQL/MariaDB mode (it rebuilds their schema history); Postgres has no schema history: use no_data to stream without a snapshot")
		}
		p.Stream, p.Recovery = true, true
	case ModeConfigurationBased:
		data := boolean(keyCBData)
		p.Initial, p.Always = data, data
		p.Schema = boolean(keyCBSchema)
		p.Stream = boolean(keyCBStream)
		p.WhenNeeded = boolean(keyCBDataError)
		boolean(keyCBSchemaError) // no effect: a missing history is rebuilt from the server
	case ModeCustom:
		bad(keyMode, "custom loads a Java Snapshotter class (snapshot.mode.custom.name), which sluice cannot run; "+
			"use snapshot.mode=configuration_based with the snapshot.mode.configuration.based.* keys, or one of %s", strings.Join(modes(f), ", "))
	case "schema_only":
		bad(keyMode, "schema_only was renamed no_data in Debezium 2.6 and is refused by Debezium 3; set snapshot.mode=no_data")
	case "schema_only_recovery":
		if f == Binlog {
			bad(keyMode, "schema_only_recovery was renamed recovery in Debezium 2.6 and is refused by Debezium 3; set snapshot.mode=recovery")
		} else {
			bad(keyMode, "schema_only_recovery is not a Postgres mode; use no_data")
		}
	case "exported":
		bad(keyMode, "exported was folded into initial in Debezium 2 (the snapshot always uses the slot's exported snapshot); set snapshot.mode=initial")
	default:
		bad(keyMode, "unknown value %q; use one of %s", mode, strings.Join(modes(f), ", "))
	}
	o.Policy = p

	if s := get(keyDelay); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 || n > int64(24*time.Hour/time.Millisecond) {
			bad(keyDelay, "%q is not a whole number of milliseconds from 0 to 86400000", s)
		} else {
			o.Delay = time.Duration(n) * time.Millisecond
		}
	}

	inc, _, err := filter.Parse(keyInclude, get(keyInclude))
	if err != nil {
		errs = append(errs, err)
	}
	o.Include = inc

	for _, t := range strings.Split(get(keyOverrides), ",") {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		if !strings.Contains(t, ".") {
			bad(keyOverrides, "entry %q is not a qualified table name; write it as %s", t, qualified(f))
			continue
		}
		stmt := strings.TrimSpace(m[keyOverrides+"."+t])
		if stmt == "" {
			// Debezium logs this and reads the whole table.
			o.Warnings = append(o.Warnings, fmt.Sprintf("%s names %s but %s.%s is not set: the snapshot reads the whole table", keyOverrides, t, keyOverrides, t))
			continue
		}
		stmt = strings.TrimSpace(strings.TrimRight(stmt, "; \t\r\n"))
		if !selectRE.MatchString(stmt) {
			bad(keyOverrides+"."+t, "must be a SELECT (or WITH ... SELECT) statement, got %q", truncate(stmt))
			continue
		}
		if o.Overrides == nil {
			o.Overrides = map[string]string{}
		}
		o.Overrides[t] = stmt
	}
	for k := range m {
		if t, ok := strings.CutPrefix(k, keyOverrides+"."); ok && o.Overrides[t] == "" && !slices.Contains(splitTrim(get(keyOverrides)), t) {
			o.Warnings = append(o.Warnings, fmt.Sprintf("%s is set but %s does not list %s: it is not used", k, keyOverrides, t))
		}
	}
	slices.Sort(o.Warnings)

	o.Threads, o.Parts = 1, 1
	threads := func(key string) int {
		s := get(key)
		if s == "" {
			return 1
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxThreads {
			bad(key, "%q is not a whole number from 1 to %d", s, MaxThreads)
			return 1
		}
		return n
	}
	o.Threads = threads(keyThreads)
	mult := threads(keyMultiplier)
	legacy := boolean(keyLegacyThreads) || boolean(keyLegacyAlias)
	if !legacy {
		o.Parts = o.Threads * mult
	}

	switch v := strings.ToLower(get(keyFailure)); v {
	case "", FailureFail:
		o.OnFailure = FailureFail
	case FailureWarn:
		o.OnFailure = FailureWarn
	case FailureSkip, FailureIgnore:
		o.OnFailure = FailureSkip
	default:
		bad(keyFailure, "unknown value %q; use fail, warn or skip", v)
	}
	return o, errs
}

// MaxThreads bounds snapshot.max.threads and its multiplier: each thread
// holds a database connection.
const MaxThreads = 64

var selectRE = regexp.MustCompile(`(?is)^\(?\s*(select|with|table|values)\b`)

func splitTrim(s string) []string {
	var out []string
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

func truncate(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

func qualified(f Flavor) string {
	if f == Binlog {
		return "<database>.<table>"
	}
	return "<schema>.<table>"
}

// modes lists the snapshot.mode values a flavor takes.
func modes(f Flavor) []string {
	if f == Binlog {
		return []string{ModeInitial, ModeInitialOnly, ModeWhenNeeded, ModeAlways, ModeNoData, ModeNever, ModeRecovery, ModeConfigurationBased}
	}
	return []string{ModeInitial, ModeInitialOnly, ModeWhenNeeded, ModeAlways, ModeNoData, ModeConfigurationBased}
}

// Snapshots reports whether a snapshot reads the table name ("schema.table"
// or "db.table"), by snapshot.include.collection.list.
func (o *Options) Snapshots(name string) bool {
	return len(o.Include) == 0 || filter.Any(o.Include, name)
}

// Wait sleeps for the snapshot delay, logging it, unless ctx ends first.
func (o *Options) Wait(ctx context.Context, log *slog.Logger) error {
	if o.Delay <= 0 {
		return nil
	}
	log.Info("waiting before the snapshot (snapshot.delay.ms)", "delay", o.Delay.String())
	t := time.NewTimer(o.Delay)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// ErrNeedsCheckpoint is the error of a recovery start without a checkpoint.
var ErrNeedsCheckpoint = errors.New("snapshot.mode=recovery needs the connector's offsets to start from, and it has none: " +
	"start it with snapshot.mode=initial (or no_data) instead")

// Failure applies event.processing.failure.handling.mode to err, the error
// of decoding one change event at position where: under fail it returns err
// with the position and the way out; under warn it logs them and returns
// nil (the event is skipped); under skip it logs at debug and returns nil.
func (o *Options) Failure(log *slog.Logger, err error, where string) error {
	switch o.OnFailure {
	case FailureWarn:
		log.Warn("skipping a change event that cannot be decoded (event.processing.failure.handling.mode=warn)", "position", where, "err", err)
		return nil
	case FailureSkip:
		log.Debug("skipping a change event that cannot be decoded (event.processing.failure.handling.mode=skip)", "position", where, "err", err)
		return nil
	}
	return &FailedEventError{Where: where, Err: err}
}

// FailedEventError is a change event that could not be decoded under
// event.processing.failure.handling.mode=fail. It wraps the decoder's error
// (so errors.Is/As see it, and it is as terminal as that error).
type FailedEventError struct {
	Where string
	Err   error
}

func (e *FailedEventError) Error() string {
	return fmt.Sprintf("error while processing the change event at %s: %v (set event.processing.failure.handling.mode=warn or skip to skip such events)", e.Where, e.Err)
}

// Unwrap returns the decoder's error.
func (e *FailedEventError) Unwrap() error { return e.Err }
