package mysql

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-mysql-org/go-mysql/replication"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicecdc/sluice/connectors/change"
)

// Debezium's schema history (schema.history.internal.kafka.topic): one
// record per schema-change record the connector writes (the snapshot's and
// every DDL statement of the binlog whose database or table is recorded,
// Config.RecordsSchemaOf), in the JSON of Debezium's HistoryRecord with the
// table changes of its JsonTableChangeSerializer:
//
//	{"source":{"server":<topic.prefix>},
//	 "position":{"ts_sec","file","pos","gtids","server_id","event"|"snapshot":"INITIAL", "sluice.index"},
//	 "ts_ms","databaseName","ddl",
//	 "tableChanges":[{"type","id","table":{"defaultCharsetName","primaryKeyColumnNames",
//	   "columns":[{"name","jdbcType","typeName","typeExpression","charsetName","length","scale",
//	     "position","optional","autoIncremented","generated","comment","hasDefaultValue",
//	     "defaultValueExpression","enumValues"}],"attributes":[]},"comment"}]}
//
// (measured on Debezium 3.5.0 against MariaDB 10.11; Debezium writes it
// indented, sluice on one line). The records travel with the event of their
// statement, so they are in the same Kafka transaction as the statement's
// schema-change record and the checkpoint past it: a read_committed reader
// sees a history record exactly when the checkpoint has passed it.
//
// On a restart from a streaming checkpoint the stream's table models
// (models.go) are rebuilt from the committed history up to the checkpoint,
// so that the DDL statements replayed after it are applied to the tables
// as they were then, not as SHOW CREATE TABLE shows them today. A record
// of the first statement of a snapshot starts the history again (a new
// snapshot's records replace what came before).

// historyPartitions is the history topic's partition count: one, so that
// its records keep their order.
const historyPartitions = 1

// historyConfig reads the schema.history.internal.* keys sluice honours.
func historyConfig(c *Config, m map[string]string, bad func(key, format string, args ...any)) {
	get := func(k string) string { return strings.TrimSpace(m[k]) }
	c.HistoryTopic = get("schema.history.internal.kafka.topic")
	if b := get("schema.history.internal.kafka.bootstrap.servers"); b != "" {
		for _, s := range strings.Split(b, ",") {
			if s = strings.TrimSpace(s); s != "" {
				c.HistoryBrokers = append(c.HistoryBrokers, s)
			}
		}
	}
	switch {
	case c.HistoryTopic != "" && len(c.HistoryBrokers) == 0:
		bad("schema.history.internal.kafka.bootstrap.servers", "is required with schema.history.internal.kafka.topic; set it to the Kafka cluster the connector writes to (host:port[,host:port])")
	case c.HistoryTopic == "" && len(c.HistoryBrokers) > 0:
		bad("schema.history.internal.kafka.topic", "is required with schema.history.internal.kafka.bootstrap.servers; set it to the name of the schema history topic")
	case c.HistoryTopic != "" && !topicPrefixRE.MatchString(c.HistoryTopic):
		bad("schema.history.internal.kafka.topic", "%q may hold only letters, digits, '.', '_' and '-'", c.HistoryTopic)
	}
	switch v := strings.ToLower(get("schema.history.internal.skip.unparseable.ddl")); v {
	case "", "false":
	case "true":
		c.SkipUnparseableDDL = true
	default:
		bad("schema.history.internal.skip.unparseable.ddl", "%q is not a boolean; use true or false", v)
	}
}

// histPosition is a history record's position: Debezium's offset keys,
// and sluice.index, the index of the record's event in its transaction
// (among the snapshot's records for a snapshot record), which orders it
// exactly against a checkpoint.
type histPosition struct {
	TsSec    int64        `json:"ts_sec"`
	File     string       `json:"file"`
	Pos      uint32       `json:"pos"`
	GTIDs    string       `json:"gtids,omitempty"`
	ServerID uint32       `json:"server_id,omitempty"`
	Event    int64        `json:"event,omitempty"`
	Snapshot histSnapshot `json:"snapshot,omitempty"`
	Index    int64        `json:"sluice.index"`
}

// histSnapshot is a history position's "snapshot": "INITIAL" as Debezium
// 3 writes it ("" when streaming); a record of an older Debezium's history
// (true) reads as "INITIAL", so that a topic Debezium wrote can be read.
type histSnapshot string

func (s *histSnapshot) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "null", "false":
		*s = ""
	case "true":
		*s = "INITIAL"
	default:
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = histSnapshot(v)
	}
	return nil
}

// histRecord is Debezium's HistoryRecord document.
type histRecord struct {
	Source       map[string]string `json:"source"`
	Position     histPosition      `json:"position"`
	TsMs         int64             `json:"ts_ms"`
	DatabaseName string            `json:"databaseName"`
	DDL          string            `json:"ddl"`
	TableChanges []histChange      `json:"tableChanges"`
}

// histChange is a JsonTableChangeSerializer table change.
type histChange struct {
	Type       string     `json:"type"`
	ID         string     `json:"id"`
	PreviousID string     `json:"previousId,omitempty"` // a renamed table's old id
	Table      *histTable `json:"table,omitempty"`
	// Comment is the table's comment, JSON null when it has none; absent
	// for a DROP (as Debezium writes it).
	Comment json.RawMessage `json:"comment,omitempty"`
}

type histTable struct {
	DefaultCharsetName *string      `json:"defaultCharsetName"`
	PrimaryKey         []string     `json:"primaryKeyColumnNames"`
	Columns            []histColumn `json:"columns"`
	Attributes         []struct{}   `json:"attributes"`
}

type histColumn struct {
	Name                   string   `json:"name"`
	JDBCType               int32    `json:"jdbcType"`
	TypeName               string   `json:"typeName"`
	TypeExpression         string   `json:"typeExpression"`
	CharsetName            *string  `json:"charsetName"`
	Length                 *int32   `json:"length,omitempty"`
	Scale                  *int32   `json:"scale,omitempty"`
	Position               int32    `json:"position"`
	Optional               bool     `json:"optional"`
	AutoIncremented        bool     `json:"autoIncremented"`
	Generated              bool     `json:"generated"`
	Comment                *string  `json:"comment"`
	HasDefaultValue        bool     `json:"hasDefaultValue"`
	DefaultValueExpression *string  `json:"defaultValueExpression,omitempty"`
	EnumValues             []string `json:"enumValues"`
}

// histChanges turns the tableChanges entries of a schema-change record
// (io.debezium.connector.schema.Change values) into the history's.
func histChanges(tcs []any, prevs []string) []histChange {
	out := make([]histChange, 0, len(tcs))
	for i, tc := range tcs {
		v, ok := tc.(change.StructValue)
		if !ok || len(v) < 3 {
			continue
		}
		hc := histChange{Type: v[0].(string), ID: v[1].(string)}
		if i < len(prevs) && prevs[i] != "" {
			db, t, _ := strings.Cut(prevs[i], ".")
			hc.PreviousID = `"` + db + `"."` + t + `"`
		}
		if t, ok := v[2].(change.StructValue); ok && hc.Type != "DROP" {
			var comment *string
			hc.Table, comment = histTableOf(t)
			hc.Comment, _ = json.Marshal(comment)
		}
		out = append(out, hc)
	}
	return out
}

func optStr(v any) *string {
	if s, ok := v.(string); ok {
		return &s
	}
	return nil
}

func optInt32(v any) *int32 {
	if n, ok := v.(int32); ok {
		return &n
	}
	return nil
}

// histTableOf converts an io.debezium.connector.schema.Table value
// (ddlTable.value, tableDef.value) and returns it with the table's comment.
func histTableOf(t change.StructValue) (*histTable, *string) {
	ht := &histTable{DefaultCharsetName: optStr(t[0]), PrimaryKey: []string{}, Attributes: []struct{}{}}
	if key, ok := t[1].([]any); ok {
		for _, k := range key {
			ht.PrimaryKey = append(ht.PrimaryKey, k.(string))
		}
	}
	cols, _ := t[2].([]any)
	for _, c := range cols {
		cv := c.(change.StructValue)
		b := func(i int) bool { x, _ := cv[i].(bool); return x }
		hc := histColumn{
			Name: cv[0].(string), JDBCType: cv[1].(int32), TypeName: cv[3].(string), CharsetName: optStr(cv[5]),
			Length: optInt32(cv[6]), Scale: optInt32(cv[7]), Position: cv[8].(int32),
			Optional: b(9), AutoIncremented: b(10), Generated: b(11), Comment: optStr(cv[12]),
			DefaultValueExpression: optStr(cv[13]), EnumValues: []string{},
		}
		hc.TypeExpression = hc.TypeName
		if s, ok := cv[4].(string); ok {
			hc.TypeExpression = s
		}
		// Debezium's parser gives a nullable column without a DEFAULT the
		// default NULL.
		hc.HasDefaultValue = hc.DefaultValueExpression != nil || hc.Optional
		if ev, ok := cv[14].([]any); ok {
			for _, e := range ev {
				hc.EnumValues = append(hc.EnumValues, e.(string))
			}
		}
		ht.Columns = append(ht.Columns, hc)
	}
	return ht, optStr(t[3])
}

// model rebuilds a table model from a history table change.
func (hc *histChange) model() *ddlTable {
	if hc.Table == nil {
		return nil
	}
	t := &ddlTable{Key: append([]string(nil), hc.Table.PrimaryKey...)}
	if hc.Table.DefaultCharsetName != nil {
		t.Charset = *hc.Table.DefaultCharsetName
	}
	var comment *string
	if len(hc.Comment) > 0 && json.Unmarshal(hc.Comment, &comment) == nil && comment != nil {
		t.Comment, t.HasComment = *comment, true
	}
	for _, c := range hc.Table.Columns {
		dc := ddlColumn{Name: c.Name, JDBCType: c.JDBCType, TypeName: c.TypeName, Length: -1,
			Optional: c.Optional, AutoInc: c.AutoIncremented, Generated: c.Generated}
		if c.CharsetName != nil {
			dc.Charset = *c.CharsetName
		}
		if c.Length != nil {
			dc.Length = *c.Length
		}
		if c.Scale != nil {
			dc.Scale, dc.HasScale = *c.Scale, true
		}
		if c.Comment != nil {
			dc.Comment, dc.HasComment = *c.Comment, true
		}
		if c.DefaultValueExpression != nil {
			dc.Default, dc.HasDefault = *c.DefaultValueExpression, true
		}
		if len(c.EnumValues) > 0 {
			dc.EnumValues = append([]string(nil), c.EnumValues...)
		}
		t.Columns = append(t.Columns, dc)
	}
	return t
}

// tableName turns a change id ("db"."table") into "db.table".
func (hc *histChange) tableName() string { return idName(hc.ID) }

func idName(id string) string {
	db, t, _ := strings.Cut(strings.Trim(id, `"`), `"."`)
	return db + "." + t
}

// encodeHistory writes a history record on one line, without escaping
// HTML characters (a DDL keeps its < and >).
func encodeHistory(r *histRecord) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// historyRaw returns the raw record of a history record for cfg's topic.
// prevs, when not nil, gives per entry of tcs the old "db.table" of a
// renamed table ("" for none).
func historyRaw(cfg *Config, pos histPosition, db, ddl string, tcs []any, prevs []string) ([]change.RawRecord, error) {
	r := &histRecord{Source: map[string]string{"server": cfg.TopicPrefix}, Position: pos,
		TsMs: time.Now().UnixMilli(), DatabaseName: db, DDL: ddl, TableChanges: histChanges(tcs, prevs)}
	b, err := encodeHistory(r)
	if err != nil {
		return nil, &DecodeError{Table: "schema history", Err: err}
	}
	return []change.RawRecord{{Topic: cfg.HistoryTopic, Value: b}}, nil
}

// HistoryError is a problem with the schema history topic.
type HistoryError struct {
	Topic string
	Op    string
	Err   error
	// Fix says what to do; empty for a passing fault (Retryable).
	Fix string
}

func (e *HistoryError) Error() string {
	s := fmt.Sprintf("schema history topic %q: %s: %v", e.Topic, e.Op, e.Err)
	if e.Fix != "" {
		s += ": " + e.Fix
	}
	return s
}

func (e *HistoryError) Unwrap() error { return e.Err }

// Retryable reports whether the fault may pass (Kafka unreachable) rather
// than need the user (a topic with several partitions).
func (e *HistoryError) Retryable() bool { return e.Fix == "" }

// historyClient opens a client on the history's brokers.
func historyClient(cfg *Config, opts ...kgo.Opt) (*kgo.Client, error) {
	sec, err := historyClientOpts(cfg)
	if err != nil {
		return nil, &HistoryError{Topic: cfg.HistoryTopic, Op: "connect to " + strings.Join(cfg.HistoryBrokers, ","), Err: err,
			Fix: "fix the schema.history.internal.consumer.* (or producer.*) Kafka security keys"}
	}
	opts = append(append([]kgo.Opt{kgo.SeedBrokers(cfg.HistoryBrokers...), kgo.FetchIsolationLevel(kgo.ReadCommitted())}, sec...), opts...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, &HistoryError{Topic: cfg.HistoryTopic, Op: "connect to " + strings.Join(cfg.HistoryBrokers, ","), Err: err,
			Fix: "check schema.history.internal.kafka.bootstrap.servers"}
	}
	return cl, nil
}

// ensureHistoryTopic creates the history topic as Debezium does (one
// partition, deletion never by time or size) unless it exists, and checks
// that an existing one has one partition.
func ensureHistoryTopic(ctx context.Context, cfg *Config) error {
	cl, err := historyClient(cfg)
	if err != nil {
		return err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	maxMS, minusOne := "9223372036854775807", "-1"
	del := "delete"
	_, err = adm.CreateTopic(ctx, historyPartitions, -1, map[string]*string{
		"cleanup.policy": &del, "retention.ms": &maxMS, "retention.bytes": &minusOne}, cfg.HistoryTopic)
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return &HistoryError{Topic: cfg.HistoryTopic, Op: "create", Err: err}
	}
	// A topic just created may not be in the metadata of the broker asked
	// next: retry the listing for a few seconds before calling it missing.
	var d kadm.TopicDetail
	for attempt := 0; ; attempt++ {
		td, err := adm.ListTopics(ctx, cfg.HistoryTopic)
		if err != nil {
			return &HistoryError{Topic: cfg.HistoryTopic, Op: "describe", Err: err}
		}
		var ok bool
		if d, ok = td[cfg.HistoryTopic]; ok && d.Err == nil {
			break
		}
		if attempt == 20 {
			return &HistoryError{Topic: cfg.HistoryTopic, Op: "describe", Err: fmt.Errorf("not found: %v", d.Err)}
		}
		select {
		case <-ctx.Done():
			return &HistoryError{Topic: cfg.HistoryTopic, Op: "describe", Err: ctx.Err()}
		case <-time.After(250 * time.Millisecond):
		}
	}
	if n := len(d.Partitions); n != historyPartitions {
		return &HistoryError{Topic: cfg.HistoryTopic, Op: "check partitions", Err: fmt.Errorf("it has %d partitions", n),
			Fix: "the schema history needs a topic with exactly one partition, so its records keep their order; name a new topic in schema.history.internal.kafka.topic (sluice creates it)"}
	}
	return nil
}

// recoveredHistory is the table models the history holds at a checkpoint.
type recoveredHistory struct {
	models  map[string]*ddlTable // "db.table" -> model; nil model: dropped
	records int                  // history records applied
}

// historyAtOrBefore reports whether a history record at pos is at or
// before the streaming checkpoint cp.
func historyAtOrBefore(pos *histPosition, cp *change.Position) bool {
	if pos.Snapshot != "" {
		return true // a snapshot precedes every streaming position
	}
	tx := orderOf(binlogPos{File: pos.File, Pos: pos.Pos})
	return tx < cp.Tx || tx == cp.Tx && pos.Index <= cp.Index
}

// applyHistory applies one history record to h when it is at or before cp.
func (h *recoveredHistory) apply(r *histRecord, cp *change.Position) {
	if r.Position.Snapshot != "" && r.Position.Index == 1 {
		// The first record of a snapshot: the history starts again.
		clear(h.models)
	}
	if !historyAtOrBefore(&r.Position, cp) {
		return
	}
	h.records++
	for i := range r.TableChanges {
		hc := &r.TableChanges[i]
		switch hc.Type {
		case "CREATE", "ALTER":
			if hc.PreviousID != "" {
				h.models[idName(hc.PreviousID)] = nil // renamed away
			}
			if m := hc.model(); m != nil {
				h.models[hc.tableName()] = m
			}
		case "DROP":
			h.models[hc.tableName()] = nil
		}
	}
}

// recoverHistory reads the committed history records up to the streaming
// checkpoint cp and returns the table models they give. It reads the
// topic from its start to its last stable offset as a read_committed
// consumer: a record there was committed with a checkpoint at or after it.
func recoverHistory(ctx context.Context, cfg *Config, cp *change.Position) (*recoveredHistory, error) {
	herr := func(op string, err error) error { return &HistoryError{Topic: cfg.HistoryTopic, Op: op, Err: err} }
	// Control records (transaction markers) are kept so that reading ends
	// exactly at the last stable offset, which is often one of them.
	cl, err := historyClient(cfg, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{cfg.HistoryTopic: {0: kgo.NewOffset().AtStart()}}),
		kgo.FetchMaxWait(250*time.Millisecond), kgo.KeepControlRecords())
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ends, err := adm.ListCommittedOffsets(ctx, cfg.HistoryTopic)
	if err != nil {
		return nil, herr("read its end", err)
	}
	end, ok := ends.Lookup(cfg.HistoryTopic, 0)
	if !ok || end.Err != nil {
		if ok && errors.Is(end.Err, kerr.UnknownTopicOrPartition) {
			return &recoveredHistory{models: map[string]*ddlTable{}}, nil
		}
		return nil, herr("read its end", fmt.Errorf("no partition 0: %v", end.Err))
	}
	starts, err := adm.ListStartOffsets(ctx, cfg.HistoryTopic)
	if err != nil {
		return nil, herr("read its start", err)
	}
	if s, ok := starts.Lookup(cfg.HistoryTopic, 0); ok && s.Err == nil && s.Offset > 0 {
		return nil, &HistoryError{Topic: cfg.HistoryTopic, Op: "read", Err: fmt.Errorf("its first records were deleted (log start offset %d)", s.Offset),
			Fix: "the history must be complete: set retention.ms=-1 on the topic, and take a new snapshot (delete the connector's offsets) to write a full history again"}
	}
	h := &recoveredHistory{models: map[string]*ddlTable{}}
	next := int64(0)
	quiet := 0
	for next < end.Offset {
		if quiet >= historyQuietPolls {
			return nil, herr("read", fmt.Errorf("no record after offset %d for %d s, though its last stable offset is %d", next-1, historyQuietPolls, end.Offset))
		}
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		fs := cl.PollFetches(pctx)
		cancel()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var ferr error
		got := false
		fs.EachError(func(_ string, _ int32, err error) {
			if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
				ferr = err
			}
		})
		if ferr != nil {
			return nil, herr("read", ferr)
		}
		fs.EachRecord(func(rec *kgo.Record) {
			got = true
			next = rec.Offset + 1
			if rec.Offset >= end.Offset || ferr != nil || rec.Attrs.IsControl() {
				return
			}
			var r histRecord
			if err := json.Unmarshal(rec.Value, &r); err != nil {
				ferr = fmt.Errorf("record at offset %d: %w", rec.Offset, err)
				return
			}
			if r.Source["server"] != cfg.TopicPrefix {
				return // another connector's history in the same topic
			}
			h.apply(&r, cp)
		})
		if ferr != nil {
			return nil, herr("read", ferr)
		}
		if got {
			quiet = 0
		} else {
			quiet++
		}
	}
	return h, nil
}

// historyQuietPolls bounds the one-second polls without a record while
// the history is read to its end.
const historyQuietPolls = 30

// history gives ev, the event of a DDL statement's schema-change record
// just emitted, its history record, when the connector keeps a history and
// the event was not skipped (emit holds it back as the buffered event).
func (d *decoder) history(ev *change.Event, h *replication.EventHeader, db, ddl string, tcs []any, prevs []string) error {
	if d.cfg.HistoryTopic == "" || d.buf.Ev != ev {
		return nil
	}
	pos := histPosition{TsSec: int64(h.Timestamp), File: d.txStart.File, Pos: d.txStart.Pos, GTIDs: d.txStart.GTIDs,
		ServerID: h.ServerID, Event: ev.Pos.Index + 1, Index: ev.Pos.Index}
	raw, err := historyRaw(d.cfg, pos, db, ddl, tcs, prevs)
	if err != nil {
		return err
	}
	ev.Raw = raw
	return nil
}

// writesSchemaRecords reports whether the snapshot's and the statements'
// schema records are written: on the schema-change topic, the history
// topic, or both.
func (c *Config) writesSchemaRecords() bool { return c.IncludeSchemaChanges || c.HistoryTopic != "" }

// openHistory prepares the schema history of a stream about to start:
// it creates the topic when missing and, for a restart from the streaming
// checkpoint cp, sets the table models to those the history holds at cp.
func (st *Stream) openHistory(ctx context.Context, cp *change.Position) error {
	if st.cfg.HistoryTopic == "" {
		return nil
	}
	if err := ensureHistoryTopic(ctx, st.cfg); err != nil {
		return err
	}
	if cp == nil || cp.Snapshot {
		return nil
	}
	h, err := recoverHistory(ctx, st.cfg, cp)
	if err != nil {
		return err
	}
	if h.records == 0 {
		st.log.Warn("the schema history has no record at or before the checkpoint (was the topic set after the connector started, or emptied?); "+
			"table definitions are read from the server as they are now until the history has them", "topic", st.cfg.HistoryTopic)
	}
	for name, m := range h.models {
		st.models[name] = m // nil: dropped at cp
	}
	st.log.Info("table definitions recovered from the schema history", "topic", st.cfg.HistoryTopic,
		"records", h.records, "tables", len(h.models))
	return nil
}
