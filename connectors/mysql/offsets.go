package mysql

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
)

// Debezium's MySQL/MariaDB offset keys (BinlogOffsetContext, BinlogSourceInfo).
const (
	offFile     = "file"
	offPos      = "pos"
	offGTIDs    = "gtids"
	offEvent    = "event"
	offRow      = "row"
	offServerID = "server_id"
	offTsSec    = "ts_sec"
	offSnapshot = "snapshot"
	offSnapDone = "snapshot_completed"
)

// opFromOffset marks a checkpoint set from an offset: its BinlogRow is the
// offset's row as given.
const opFromOffset = 'o'

// binlogResume is how far Debezium got into the transaction at a
// checkpoint's restart point: it emitted the rows of its first Events
// binlog events (the GTID or BEGIN event is the first) and the first Rows
// rows of the next one.
type binlogResume struct {
	Events int64 `json:"events"`
	Rows   int64 `json:"rows,omitempty"`

	order uint64 // binlog order of the transaction (its restart point)
}

// emitted reports whether Debezium emitted the record of row rowIdx of the
// binlog event evIdx of the transaction (stmt: a record of a statement, a
// DDL or TRUNCATE, which has no row). An offset without rows at event k is
// the offset of a statement's record at k: Debezium sets row only for rows.
func (r *binlogResume) emitted(evIdx int64, rowIdx int, stmt bool) bool {
	if evIdx != r.Events {
		return evIdx < r.Events
	}
	if stmt {
		return r.Rows == 0
	}
	return int64(rowIdx) < r.Rows
}

// OffsetView shows a checkpoint with the keys and values of the offset
// Debezium's MySQL and MariaDB connectors store with the same record
// (REFERENCE §8): file, pos and gtids are the restart point (the first
// event of the record's transaction and the GTID set executed before it),
// event the binlog events of the transaction before the record's rows
// event, row the rows of that event up to the record's (none for a
// statement: a DDL or TRUNCATE record), server_id and
// ts_sec the event's server and time. A snapshot checkpoint shows
// snapshot=INITIAL with sluice's place in the snapshot under "sluice." keys.
func OffsetView(p change.Position) map[string]any {
	o := map[string]any{}
	var st cpState
	if len(p.State) > 0 && json.Unmarshal(p.State, &st) == nil {
		o[offFile] = st.Restart.File
		o[offPos] = st.Restart.Pos
		if st.Restart.GTIDs != "" {
			o[offGTIDs] = st.Restart.GTIDs
		}
		incOffset(o, p.State)
		capture.BlockingOffset(o, p.State, false)
	}
	if p.Snapshot {
		o[offSnapshot] = "INITIAL"
		o["sluice.table"] = p.Table
		if len(p.Key) > 0 {
			o["sluice.key"] = json.RawMessage(p.Key)
		}
		return o
	}
	if p.Op == 0 {
		// A checkpoint written before sluice kept Debezium's detail: the
		// events of the transaction emitted so far.
		row := p.Index + 1
		if p.Last {
			row = 0
		}
		o[offRow] = row
		if p.TxID != "" {
			o["sluice.txid"] = p.TxID
		}
		return o
	}
	if p.BinlogEvent != 0 {
		o[offEvent] = p.BinlogEvent
	}
	switch change.Op(p.Op) {
	case change.OpCreate, change.OpUpdate, change.OpDelete:
		// A row of a rows event; a statement (DDL, TRUNCATE) has no row.
		o[offRow] = int64(p.BinlogRow) + 1
	case opFromOffset:
		if p.BinlogRow > 0 {
			o[offRow] = int64(p.BinlogRow)
		}
	}
	if p.ServerID != 0 {
		o[offServerID] = p.ServerID
	}
	if p.Micros != 0 {
		o[offTsSec] = p.Micros / 1_000_000
	}
	return o
}

// incOffset adds to o Debezium's incremental_snapshot_* keys of the
// incremental snapshot a position's State holds, if one runs. A key column
// whose Java class is not known is shown as a String.
func incOffset(o map[string]any, state []byte) {
	c, err := readIncCheckpoint(state)
	if err != nil || c.Inc == nil {
		return
	}
	n := max(len(c.Inc.After), len(c.Inc.Max))
	kinds := c.Kinds
	if len(kinds) != n {
		kinds = make([]capture.JavaKind, n)
	}
	m, err := c.Inc.DebeziumOffset(kinds)
	if err != nil {
		return
	}
	for k, v := range m {
		o[k] = v
	}
}

// FromOffset returns the checkpoint that resumes exactly where a Debezium
// MySQL/MariaDB offset does: the binlog dump restarts at gtids (when the
// server has GTIDs) or file and pos, and the first event binlog events of
// the transaction there and the first row rows of the next are skipped, as
// Debezium skips them. An offset of a snapshot that had not finished is
// refused. prev, when not nil, is the connector's current checkpoint: its
// table schema versions are kept.
func FromOffset(off map[string]any, prev *change.Position) (change.Position, error) {
	var errs []error
	num := change.OffsetNumbers(off, &errs)
	file, _ := off[offFile].(string)
	pos, hasPos := num(offPos)
	events, _ := num(offEvent)
	rows, _ := num(offRow)
	serverID, _ := num(offServerID)
	tsSec, _ := num(offTsSec)
	gtids := ""
	if v, ok := off[offGTIDs]; ok && v != nil {
		s, isString := v.(string)
		if !isString {
			errs = append(errs, fmt.Errorf("offset key %q must be a string, got %v", offGTIDs, v))
		}
		gtids = strings.TrimSpace(s)
	}
	if len(errs) > 0 {
		return change.Position{}, errors.Join(errs...)
	}
	if file == "" || !hasPos {
		return change.Position{}, fmt.Errorf("the offset needs %q and %q (the binlog coordinate to restart at), for example {\"file\": \"mysql-bin.000003\", \"pos\": 154}", offFile, offPos)
	}
	if events > math.MaxInt32 || rows > math.MaxInt32 || serverID > math.MaxUint32 {
		return change.Position{}, fmt.Errorf("offset keys %q, %q or %q out of range", offEvent, offRow, offServerID)
	}
	if pos > math.MaxUint32 {
		return change.Position{}, fmt.Errorf("offset key %q is %d, more than a binlog position can be", offPos, pos)
	}
	if _, err := fileSeq(file); err != nil {
		return change.Position{}, fmt.Errorf("offset key %q: %w", offFile, err)
	}
	if snap, ok := off[offSnapshot]; ok && snap != nil && snap != false && snap != "false" {
		done, _ := off[offSnapDone].(bool)
		if !done {
			return change.Position{}, fmt.Errorf("the offset is of a snapshot that had not finished (snapshot=%v): "+
				"sluice cannot continue Debezium's snapshot; let Debezium finish it first, or start the connector afresh with a snapshot of its own", snap)
		}
	}
	if capture.IncrementalInOffset(off) {
		return change.Position{}, fmt.Errorf("the offset is of an incremental snapshot in progress (%s): "+
			"sluice cannot continue Debezium's incremental snapshot; let it finish or stop it (stop-snapshot) first, then send execute-snapshot to sluice", capture.OffsetIncCollections)
	}
	st := cpState{Restart: restartPoint{binlogPos: binlogPos{File: file, Pos: uint32(pos)}, GTIDs: gtids}}
	if prev != nil && len(prev.State) > 0 {
		var old cpState
		if err := json.Unmarshal(prev.State, &old); err == nil {
			st.Schemas = old.Schemas
		}
	}
	if events > 0 || rows > 0 {
		st.Resume = &binlogResume{Events: int64(events), Rows: int64(rows)}
	}
	b, err := json.Marshal(&st)
	if err != nil {
		return change.Position{}, err
	}
	// Every transaction from the restart point on is streamed; Resume
	// skips what Debezium emitted of the first.
	order := orderOf(st.Restart.binlogPos)
	// The checkpoint keeps the offset's values, so that GET .../offsets
	// shows what was set.
	p := change.Position{Last: true, State: b, Op: opFromOffset,
		BinlogEvent: int32(events), BinlogRow: int32(rows), ServerID: uint32(serverID), Micros: int64(tsSec) * 1_000_000}
	if order > 0 {
		p.Tx = order - 1
	}
	return p, nil
}
