package postgres

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
)

// Debezium's PostgreSQL offset keys (PostgresOffsetContext, SourceInfo).
const (
	offLSN        = "lsn"
	offLSNProc    = "lsn_proc"
	offLSNCommit  = "lsn_commit"
	offTxID       = "txId"
	offTsUsec     = "ts_usec"
	offMsgType    = "messageType"
	offSnapshot   = "snapshot"
	offLastSnap   = "last_snapshot_record"
	offSnapDone   = "snapshot_completed"
	offXmin       = "xmin"
	offEventsProc = "lsn_events_processed"
)

// resumeAt is where a Debezium offset left a transaction: Debezium emitted
// the transaction XID's events up to and including the one at LSN (the
// offset's lsn_proc), and none after. The transaction's later events are
// emitted, the earlier ones not. XID 0 stands for the first transaction
// streamed.
type resumeAt struct {
	XID uint32 `json:"xid,omitempty"`
	LSN uint64 `json:"lsn"`
}

func (r *resumeAt) matches(xid uint32) bool { return r.XID == 0 || r.XID == xid }

// messageTypes names change.Op values as Debezium's messageType does.
var messageTypes = map[byte]string{
	byte(change.OpCreate):   "INSERT",
	byte(change.OpUpdate):   "UPDATE",
	byte(change.OpDelete):   "DELETE",
	byte(change.OpTruncate): "TRUNCATE",
	'm':                     "MESSAGE",
	// Only in checkpoints set from an offset (FromOffset).
	'B': "BEGIN",
	'C': "COMMIT",
}

// OffsetView shows a checkpoint with the keys and values of the offset
// Debezium's PostgreSQL connector stores after emitting the same event
// (REFERENCE §8): lsn and lsn_proc are the event's LSN, lsn_commit the end
// of the COMMIT read before its transaction, txId and ts_usec its
// transaction's id and commit time, messageType its operation. A snapshot
// checkpoint shows snapshot=INITIAL with sluice's place in the snapshot
// under "sluice." keys, as Debezium has no key for it.
func OffsetView(p change.Position) map[string]any {
	o := map[string]any{}
	if p.Snapshot {
		o[offSnapshot] = "INITIAL"
		o[offLastSnap] = false
		o[offSnapDone] = false
		var ss snapState
		if len(p.State) > 0 && json.Unmarshal(p.State, &ss) == nil && ss.LSN != 0 {
			o[offLSN] = ss.LSN // where streaming starts after the snapshot
		}
		o["sluice.table"] = p.Table
		if len(p.Key) > 0 {
			o["sluice.key"] = json.RawMessage(p.Key)
		}
		o["sluice.rows"] = p.Index
		return o
	}
	if p.LSN == 0 {
		// A checkpoint written before sluice kept Debezium's detail.
		if p.Tx != 0 {
			o[offLSN] = p.Tx
			o[offLSNCommit] = p.Tx
			if p.Last {
				o[offLSNProc] = p.Tx
			}
		}
		o["sluice.index"] = p.Index
		o["sluice.last"] = p.Last
		addIncOffset(o, p.State)
		capture.BlockingOffset(o, p.State, true)
		return o
	}
	o[offLSN] = p.LSN
	o[offLSNProc] = p.LSN
	if p.PrevEnd != 0 {
		o[offLSNCommit] = p.PrevEnd
	}
	if p.XID != 0 {
		o[offTxID] = p.XID
	}
	if p.Micros != 0 {
		o[offTsUsec] = p.Micros
	}
	if t, ok := messageTypes[p.Op]; ok {
		o[offMsgType] = t
	}
	addIncOffset(o, p.State)
	return o
}

// FromOffset returns the checkpoint that resumes exactly where a Debezium
// PostgreSQL offset does: after every transaction whose COMMIT ends at or
// before lsn_commit, and, when the offset was stored at a change
// (messageType INSERT, UPDATE, DELETE, TRUNCATE or a transactional
// MESSAGE), after that change inside transaction txId. An offset of a
// finished snapshot resumes after its lsn; one of a snapshot still running
// is refused (sluice cannot continue Debezium's snapshot). prev, when not
// nil, is the connector's current checkpoint: its table schema versions are
// kept so that versions number on.
func FromOffset(off map[string]any, prev *change.Position) (change.Position, error) {
	if capture.IncrementalInOffset(off) {
		return change.Position{}, fmt.Errorf("the offset is of an incremental snapshot in progress (%s is set): "+
			"sluice cannot continue Debezium's incremental snapshot; let it finish or stop it first (stop-snapshot signal), or send execute-snapshot to sluice once it runs", capture.OffsetIncCollections)
	}
	var errs []error
	num := change.OffsetNumbers(off, &errs)
	lsn, hasLSN := num(offLSN)
	proc, hasProc := num(offLSNProc)
	commit, hasCommit := num(offLSNCommit)
	txid, _ := num(offTxID)
	tsUsec, _ := num(offTsUsec)
	num(offXmin)
	if n, ok := num(offEventsProc); ok && n > 1 {
		errs = append(errs, fmt.Errorf("offset key %q is %d: several changes share the LSN %d (a COPY); sluice cannot tell which of them Debezium emitted", offEventsProc, n, proc))
	}
	msgType, _ := off[offMsgType].(string)
	if v, ok := off[offMsgType]; ok && v != nil {
		if _, isString := v.(string); !isString {
			errs = append(errs, fmt.Errorf("offset key %q must be a string, got %v", offMsgType, v))
		}
	}
	if len(errs) > 0 {
		return change.Position{}, errors.Join(errs...)
	}
	if !hasLSN && !hasProc {
		return change.Position{}, fmt.Errorf("the offset has no %q or %q: give at least lsn, for example {\"lsn\": 24023128}", offLSN, offLSNProc)
	}
	if !hasProc {
		proc = lsn
	}
	if txid > math.MaxUint32 {
		return change.Position{}, fmt.Errorf("offset key %q is %d, more than a Postgres transaction id can be", offTxID, txid)
	}
	// The checkpoint keeps the offset's values, so that GET .../offsets
	// shows what was set.
	detail := func(p change.Position, err error) (change.Position, error) {
		if err != nil {
			return p, err
		}
		p.LSN, p.XID, p.Micros = proc, uint32(txid), int64(tsUsec)
		if hasCommit {
			p.PrevEnd = commit
		}
		for op, name := range messageTypes {
			if strings.EqualFold(msgType, name) {
				p.Op = op
			}
		}
		return p, nil
	}
	if snap, ok := off[offSnapshot]; ok && snap != nil && snap != false && snap != "false" {
		last, _ := off[offLastSnap].(bool)
		done, _ := off[offSnapDone].(bool)
		if !last && !done {
			return change.Position{}, fmt.Errorf("the offset is of a snapshot that had not finished (snapshot=%v, last_snapshot_record=false): "+
				"sluice cannot continue Debezium's snapshot; let Debezium finish it first, or start the connector afresh with a snapshot of its own", snap)
		}
		// A finished snapshot: stream everything after its LSN.
		return detail(positionAfter(lsn, nil, prev))
	}
	if !hasCommit {
		// Debezium reads a missing lsn_commit as lsn_proc.
		commit = proc
	}
	switch strings.ToUpper(msgType) {
	case "", "COMMIT", "BEGIN", "NOOP":
		// Stored at a transaction boundary: nothing of a later transaction
		// was emitted.
		return detail(positionAfter(commit, nil, prev))
	case "MESSAGE":
		if commit == proc {
			// A non-transactional message: Debezium counts it as a commit.
			return detail(positionAfter(commit, nil, prev))
		}
	case "INSERT", "UPDATE", "DELETE", "TRUNCATE":
	default:
		return change.Position{}, fmt.Errorf("offset key %q has an unknown value %q: use INSERT, UPDATE, DELETE, TRUNCATE, MESSAGE, BEGIN or COMMIT", offMsgType, msgType)
	}
	// lsn_commit may be after lsn_proc: a transaction that wrote its
	// change before the previous one committed (they interleave in the WAL).
	return detail(positionAfter(commit, &resumeAt{XID: uint32(txid), LSN: proc}, prev))
}

// positionAfter is the checkpoint of a connector that emitted every
// transaction whose commit record starts before lsn (a COMMIT ending at lsn
// or before), and, with r, the events of transaction r up to r.LSN.
func positionAfter(lsn uint64, r *resumeAt, prev *change.Position) (change.Position, error) {
	var ss snapState
	if prev != nil && len(prev.State) > 0 {
		var old snapState
		if err := json.Unmarshal(prev.State, &old); err == nil {
			ss.Schemas = old.Schemas
		}
	}
	ss.Resume, ss.Moved = r, true
	state, err := json.Marshal(&ss)
	if err != nil {
		return change.Position{}, err
	}
	p := change.Position{Last: true, State: state}
	if lsn > 0 {
		p.Tx = lsn - 1
	}
	return p, nil
}

// movedSlot checks that the slot can give what follows a checkpoint made
// from an offset: it exists, and has not confirmed a position past the one
// the checkpoint resumes at (Postgres never sends a transaction that
// committed before the slot's confirmed position again).
func movedSlot(cfg *Config, slot slotInfo, cp *change.Position) error {
	if !slot.Exists {
		return &OffsetSlotError{Slot: cfg.SlotName, Reason: "it does not exist: a position taken from a Debezium offset is read from the slot Debezium used; " +
			"set slot.name (and publication.name) to the values of the Debezium connector"}
	}
	if slot.ConfirmedFlush > cp.Tx+1 {
		return &OffsetSlotError{Slot: cfg.SlotName, Reason: fmt.Sprintf("it has already confirmed LSN %d, after the offset's LSN %d: the changes between cannot be read from it any more; "+
			"set an offset at or after %d (PATCH /connectors/<name>/offsets), or delete the offsets to start afresh with a snapshot", slot.ConfirmedFlush, cp.Tx+1, slot.ConfirmedFlush)}
	}
	return nil
}

// OffsetSlotError says the replication slot cannot resume at a position
// set from an offset (PATCH /connectors/{name}/offsets or a migration from
// Debezium). It is terminal: a retry finds the slot as it is.
type OffsetSlotError struct {
	Slot   string
	Reason string
}

func (e *OffsetSlotError) Error() string {
	return fmt.Sprintf("cannot resume at the offset on replication slot %q: %s", e.Slot, e.Reason)
}

// Retryable reports false.
func (e *OffsetSlotError) Retryable() bool { return false }
