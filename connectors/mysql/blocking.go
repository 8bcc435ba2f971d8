package mysql

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
)

// Blocking snapshots on MariaDB (capture.Blocking, docs/capture-core.md
// "Built in step 11"). Between two transactions, once a signal queued
// tables, the decoder opens an incView (a consistent-snapshot transaction
// whose binlog_snapshot_file/position P is exactly what it holds) and lets
// the stream run on up to P. At the start of the first transaction at or
// after P, or between transactions once the stream is past P (an idle
// database: at once), it stops and the engine reads the tables whole
// through the view, sending their rows (op r, source.snapshot
// first/true/.../last) at positions Tx = P-1 before that transaction; then
// the stream goes on. The watermark is Exact, so no change needs looking
// at. The engine's BlockState rides in the positions' State as "blk".

// openBlocking gives the decoder its blocking engine, resuming the
// snapshot of the checkpoint cp, and registers it with disp (MariaDB only:
// MySQL has no binlog_snapshot_*).
func (d *decoder) openBlocking(disp *capture.Dispatcher, cp *change.Position) error {
	if !d.st.info.MariaDB {
		return nil
	}
	var c struct {
		Blk *capture.BlockState `json:"blk"`
	}
	if cp != nil && len(cp.State) > 0 {
		if err := json.Unmarshal(cp.State, &c); err != nil {
			return &DecodeError{Table: "checkpoint", Err: err}
		}
	}
	var s capture.BlockState
	if c.Blk != nil {
		s = *c.Blk
	}
	d.blk = capture.NewBlocking(s, d.cfg.SnapshotFetchSize, srcSnapshotIdx, d.st.log)
	d.blk.Skip = func(err error) bool {
		var my *gomysql.MyError
		return errors.Is(err, errTableRefused) || errors.As(err, &my) && strings.HasPrefix(my.State, "42")
	}
	if cp != nil {
		d.blk.ResumeAfter(*cp)
	}
	if s.Running() {
		d.st.log.Info("resuming a blocking snapshot", "table", s.Queue[0].ID, "queued", len(s.Queue), "after_key", s.After)
	}
	disp.RegisterBlocking(d.blk, d.capturedTables)
	return nil
}

// blkRunning reports whether a blocking snapshot is queued or being taken.
func (d *decoder) blkRunning() bool { return d.blk != nil && d.blk.Running() }

// blkWaiting reports whether a blocking snapshot's view waits for the
// stream.
func (d *decoder) blkWaiting() bool { return d.blk != nil && d.blk.Waiting() }

// blkStep, between transactions, opens the blocking snapshot's view when
// one is queued and none is open (after any incremental chunk waiting has
// been sent), and takes the snapshot when the stream is at or past the
// view's point. Like a heartbeat it waits until the stream has passed its
// checkpoint.
func (d *decoder) blkStep(ctx context.Context) error {
	if !d.blkRunning() || d.inTx || d.pend != nil || d.incWaiting() {
		return nil
	}
	at := orderOf(d.after.binlogPos)
	if at == 0 || d.cp != nil && at-1 < d.cp.Tx {
		return nil
	}
	if !d.blk.Waiting() {
		if err := d.blk.Open(ctx, d.openBlkView); err != nil {
			return err
		}
		d.stateJSON = nil
	}
	return d.blkReach(ctx, d.after.binlogPos)
}

// openBlkView opens the view a blocking snapshot reads through.
func (d *decoder) openBlkView(ctx context.Context) (capture.View, error) {
	v, err := d.openIncView(ctx)
	if err != nil {
		return nil, err
	}
	v.(*incView).blocking = &srcInfo{gtid: d.gtid, serverID: d.evServer}
	return v, nil
}

// blkReach tells the engine the stream has reached at (a transaction
// starts there, or every transaction before it is read); at or past the
// view's point the snapshot is taken and its rows are sent.
func (d *decoder) blkReach(ctx context.Context, at binlogPos) error {
	if !d.blk.Observe(&capture.StreamItem{At: binlogCursor(at)}) {
		return nil
	}
	// A restart from one of the rows replays the binlog from after the
	// last complete transaction: every transaction there is at or after
	// the view's point, after the rows.
	base, err := json.Marshal(cpState{Restart: d.after, Schemas: d.st.schemasSnapshot(), Tables: d.snapTables, Regions: d.regions, Sig: d.sigs.s.Next()})
	if err != nil {
		return err
	}
	if inc := d.incJSON(); inc != nil {
		base = withInc(base, inc, d.incKinds())
	}
	err = d.blk.Run(ctx, func(ev *change.Event, size int) error {
		if ev.Pos.State == nil {
			ev.Pos.State = base // the snapshot's last row: it is done
		} else {
			ev.Pos.State = withBlk(base, ev.Pos.State)
		}
		ev.Pos.Op = byte(change.OpRead)
		ev.Pos.Micros = ev.Commit.UnixMicro()
		return d.queue(ctx, &item{Ev: ev, Size: size + len(ev.Pos.State)})
	})
	d.stateJSON = nil // the stream's next events carry the state past the snapshot
	return err
}

// blkJSON is what the stream's positions carry of the blocking snapshot:
// the engine's state while tables are queued, else nil.
func (d *decoder) blkJSON() json.RawMessage {
	if !d.blkRunning() {
		return nil
	}
	return d.blk.StateJSON()
}

// withBlk returns the JSON object b with "blk": blk added.
func withBlk(b []byte, blk json.RawMessage) []byte {
	out := make([]byte, 0, len(b)+len(blk)+8)
	out = append(out, b[:len(b)-1]...)
	out = append(out, `,"blk":`...)
	out = append(out, blk...)
	return append(out, '}')
}
