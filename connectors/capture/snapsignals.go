package capture

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
)

// The snapshot signals (Debezium's ExecuteSnapshot, StopSnapshot,
// PauseIncrementalSnapshot and ResumeIncrementalSnapshot): parsed into
// typed requests and applied to the stream's Incremental engine. Like every
// action they run on the producer goroutine between transactions, where
// the engine is idle.

// The snapshot signals' types.
const (
	ExecuteSnapshotType = "execute-snapshot"
	StopSnapshotType    = "stop-snapshot"
	PauseSnapshotType   = "pause-snapshot"
	ResumeSnapshotType  = "resume-snapshot"
)

// The snapshot types a signal's "type" names (case does not matter;
// incremental when absent).
const (
	SnapshotIncremental = "incremental"
	SnapshotBlocking    = "blocking"
)

// SnapshotCondition is one of an execute-snapshot's additional-conditions:
// Filter (an SQL condition) applies to the tables Collection matches.
type SnapshotCondition struct {
	// Collection matches a table's "namespace.name" whole, ignoring case,
	// as Debezium compiles it (Pattern.CASE_INSENSITIVE).
	Collection *regexp.Regexp
	Filter     string
}

// SnapshotRequest is an execute-snapshot signal.
type SnapshotRequest struct {
	// ID is the signal's id: the correlation id of the tables it queues.
	ID string
	// Collections are the data-collections: regular expressions, each
	// matching a table's "namespace.name" whole.
	Collections []*regexp.Regexp
	// Type is SnapshotIncremental or SnapshotBlocking.
	Type       string
	Conditions []SnapshotCondition
	// SurrogateKey names the column to chunk by instead of the primary key
	// ("" = the primary key).
	SurrogateKey string
}

// StopRequest is a stop-snapshot signal.
type StopRequest struct {
	// Collections are the data-collections to stop; none: the whole
	// snapshot.
	Collections []*regexp.Regexp
	Type        string
}

// snapshotData is the data of an execute-snapshot or stop-snapshot signal.
type snapshotData struct {
	Collections  []json.RawMessage `json:"data-collections"`
	Type         *string           `json:"type"`
	Conditions   []json.RawMessage `json:"additional-conditions"`
	SurrogateKey *string           `json:"surrogate-key"`
}

func decodeSnapshotData(s Signal) (snapshotData, error) {
	var d snapshotData
	if len(s.Data) > 0 {
		if err := json.Unmarshal(s.Data, &d); err != nil {
			return d, errBadSignal(fmt.Sprintf("data of the %s signal: %v", s.Type, err))
		}
	}
	return d, nil
}

// snapshotType reads "type": incremental when absent.
func (d snapshotData) snapshotType() (string, error) {
	if d.Type == nil {
		return SnapshotIncremental, nil
	}
	switch t := strings.ToLower(*d.Type); t {
	case SnapshotIncremental, SnapshotBlocking:
		return t, nil
	}
	return "", errBadSignal(fmt.Sprintf(`unexpected snapshot type %q: use "incremental" or "blocking"`, *d.Type))
}

// collections compiles "data-collections": each a string, trimmed, a
// regular expression that must match a whole table name.
func (d snapshotData) collections() ([]*regexp.Regexp, error) {
	out := make([]*regexp.Regexp, 0, len(d.Collections))
	for _, raw := range d.Collections {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, errBadSignal(fmt.Sprintf(`"data-collections" holds %s, not a string`, raw))
		}
		re, err := wholeMatch(strings.TrimSpace(s), false)
		if err != nil {
			return nil, err
		}
		out = append(out, re)
	}
	return out, nil
}

// wholeMatch compiles a data-collection pattern to match a whole name, as
// Java's Matcher.matches does.
func wholeMatch(pattern string, foldCase bool) (*regexp.Regexp, error) {
	flags := ""
	if foldCase {
		flags = "(?i)"
	}
	re, err := regexp.Compile(flags + `^(?:` + pattern + `)$`)
	if err != nil {
		return nil, errBadSignal(fmt.Sprintf("data-collection %q is not a regular expression: %v", pattern, err))
	}
	return re, nil
}

// ParseExecuteSnapshot reads an execute-snapshot signal's data:
// {"data-collections": [regex, ...], "type": "incremental"|"blocking",
// "additional-conditions": [{"data-collection": regex, "filter": sql}],
// "surrogate-key": column}. data-collections is required.
func ParseExecuteSnapshot(s Signal) (SnapshotRequest, error) {
	d, err := decodeSnapshotData(s)
	if err != nil {
		return SnapshotRequest{}, err
	}
	if len(d.Collections) == 0 {
		return SnapshotRequest{}, errBadSignal(`execute-snapshot needs "data-collections", a list of table name patterns`)
	}
	r := SnapshotRequest{ID: s.ID}
	if r.Collections, err = d.collections(); err != nil {
		return SnapshotRequest{}, err
	}
	if r.Type, err = d.snapshotType(); err != nil {
		return SnapshotRequest{}, err
	}
	for _, raw := range d.Conditions {
		var c struct {
			Collection *string `json:"data-collection"`
			Filter     *string `json:"filter"`
		}
		if err := json.Unmarshal(raw, &c); err != nil || c.Collection == nil || c.Filter == nil {
			return SnapshotRequest{}, errBadSignal(fmt.Sprintf(`each of "additional-conditions" needs "data-collection" and "filter", not %s`, raw))
		}
		re, err := wholeMatch(*c.Collection, true)
		if err != nil {
			return SnapshotRequest{}, err
		}
		r.Conditions = append(r.Conditions, SnapshotCondition{Collection: re, Filter: *c.Filter})
	}
	if d.SurrogateKey != nil {
		r.SurrogateKey = strings.TrimSpace(*d.SurrogateKey)
	}
	return r, nil
}

// ParseStopSnapshot reads a stop-snapshot signal's data:
// {"data-collections"?: [regex, ...], "type": "incremental"|"blocking"}.
func ParseStopSnapshot(s Signal) (StopRequest, error) {
	d, err := decodeSnapshotData(s)
	if err != nil {
		return StopRequest{}, err
	}
	var r StopRequest
	if r.Collections, err = d.collections(); err != nil {
		return StopRequest{}, err
	}
	if r.Type, err = d.snapshotType(); err != nil {
		return StopRequest{}, err
	}
	return r, nil
}

// matching returns the names of tables some pattern matches, in the order
// of the patterns and then of tables, each once.
func matching(patterns []*regexp.Regexp, tables []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, re := range patterns {
		for _, t := range tables {
			if !seen[t] && re.MatchString(t) {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	return out
}

// Tables returns the tables the request queues, among tables (the
// captured tables' "namespace.name"): those a data-collection matches,
// each with the first additional condition whose data-collection matches
// it, the surrogate key and the signal's id.
func (r SnapshotRequest) Tables(tables []string) []IncTable {
	names := matching(r.Collections, tables)
	out := make([]IncTable, 0, len(names))
	for _, n := range names {
		t := IncTable{ID: n, Surrogate: r.SurrogateKey, Corr: r.ID}
		for _, c := range r.Conditions {
			if c.Collection.MatchString(n) {
				t.Cond = c.Filter
				break
			}
		}
		out = append(out, t)
	}
	return out
}

// ErrBlockingSnapshot: the stream takes no blocking snapshots (a source
// that does registers them with Dispatcher.RegisterBlocking).
var ErrBlockingSnapshot = errors.New(`this connector takes no blocking snapshots: send "type": "incremental"`)

// snapshotActions applies snapshot signals to one engine.
type snapshotActions struct {
	eng *Incremental
	// tables returns the captured tables' "namespace.name", which the
	// data-collections patterns are matched against.
	tables func() []string
}

// RegisterSnapshots makes d apply the snapshot signals to eng, matching
// data-collections against the names tables returns (the captured tables,
// "namespace.name"). The source calls it once it has its engine.
func (d *Dispatcher) RegisterSnapshots(eng *Incremental, tables func() []string) {
	a := &snapshotActions{eng: eng, tables: tables}
	d.Register(ExecuteSnapshotType, a.execute)
	d.Register(StopSnapshotType, a.stop)
	d.Register(PauseSnapshotType, func(Signal, *slog.Logger) error { eng.Pause(); return nil })
	d.Register(ResumeSnapshotType, func(Signal, *slog.Logger) error { eng.Resume(); return nil })
}

func (a *snapshotActions) execute(s Signal, log *slog.Logger) error {
	r, err := ParseExecuteSnapshot(s)
	if err != nil {
		return err
	}
	if r.Type == SnapshotBlocking {
		log.Warn("blocking snapshot requested; sluice does not take blocking snapshots yet, the signal is ignored", "signal", s)
		return ErrBlockingSnapshot
	}
	tables := r.Tables(a.tables())
	log.Info("incremental snapshot requested", "signal_id", s.ID, "data_collections", patterns(r.Collections),
		"tables", ids(tables), "surrogate_key", r.SurrogateKey, "channel", s.Channel)
	if len(tables) == 0 {
		log.Warn("execute-snapshot signal matches no captured table; nothing is queued", "signal", s)
		return nil
	}
	a.eng.Add(tables...)
	return nil
}

func (a *snapshotActions) stop(s Signal, log *slog.Logger) error {
	r, err := ParseStopSnapshot(s)
	if err != nil {
		return err
	}
	if r.Type == SnapshotBlocking {
		log.Warn("stop-snapshot does not stop a blocking snapshot (nor does Debezium's); the signal is ignored", "signal", s)
		return nil
	}
	if len(r.Collections) == 0 {
		log.Info("stop of the incremental snapshot requested", "signal_id", s.ID)
		a.eng.Stop()
		return nil
	}
	var queued []string
	for _, t := range a.eng.State().Queue {
		queued = append(queued, t.ID)
	}
	stop := matching(r.Collections, queued)
	log.Info("stop of the incremental snapshot of tables requested", "signal_id", s.ID,
		"data_collections", patterns(r.Collections), "tables", stop)
	if len(stop) == 0 {
		log.Warn("stop-snapshot signal matches no table of the incremental snapshot", "signal", s)
		return nil
	}
	a.eng.Stop(stop...)
	return nil
}

// patterns shows compiled data-collections as the signal gave them.
func patterns(res []*regexp.Regexp) []string {
	out := make([]string, len(res))
	for i, re := range res {
		p := strings.TrimPrefix(re.String(), "(?i)")
		out[i] = strings.TrimSuffix(strings.TrimPrefix(p, "^(?:"), ")$")
	}
	return out
}

func ids(ts []IncTable) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	return out
}
