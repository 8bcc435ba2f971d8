package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pglogrepl"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
)

// Blocking snapshots on the Postgres stream (capture.Blocking,
// docs/capture-core.md "Built in step 11"). Between transactions, once a
// signal queued tables, the decoder opens an incView (a REPEATABLE READ
// transaction whose watermark is the WAL insert position L read after its
// snapshot) and lets the stream run on up to L, showing the engine each
// row change of the queued tables with its xid. At the first point at or
// past L (a BEGIN whose commit LSN, or a COMMIT or keepalive whose end, is
// >= L) it stops and the engine reads the tables whole through the view,
// sending their rows (op r, source.snapshot first/true/.../last) at
// positions Tx = L-1 before that point's items; then the stream goes on.
// The engine's BlockState rides in the positions' State as "blk".

// openBlocking sets up the stream's blocking engine from the checkpoint's
// State: it goes on with the blocking snapshot the checkpoint was taken in.
func (st *Stream) openBlocking(cp *change.Position) error {
	var s capture.BlockState
	if cp != nil && !cp.Snapshot && len(cp.State) > 0 {
		var ps posState
		if err := json.Unmarshal(cp.State, &ps); err != nil {
			return &DecodeError{Table: "checkpoint", Err: fmt.Errorf("state: %w", err)}
		}
		if len(ps.Blk) > 0 {
			if err := json.Unmarshal(ps.Blk, &s); err != nil {
				return &DecodeError{Table: "checkpoint", Err: fmt.Errorf("blocking snapshot state: %w", err)}
			}
		}
	}
	st.blk = capture.NewBlocking(s, st.cfg.SnapshotFetchSize, 4, st.log)
	st.blk.Skip = refused // incremental.go
	if cp != nil && !cp.Snapshot {
		st.blk.ResumeAfter(*cp)
	}
	if s.Running() {
		st.log.Info("resuming a blocking snapshot", "table", s.Queue[0].ID, "queued", len(s.Queue), "after_key", s.After)
	}
	return nil
}

// blkView opens the view a blocking snapshot reads through.
func (d *decoder) blkView(ctx context.Context) (capture.View, error) {
	v, err := d.st.incView(ctx)
	if err != nil {
		return nil, err
	}
	iv := v.(*incView)
	iv.blocking, iv.blockTx, iv.blockAfter = true, int64(d.xid), d.lastCommit
	return savepointView{iv}, nil
}

// savepointView reads each chunk under a savepoint: an error the engine
// skips a table for (an additional condition Postgres rejects, no SELECT
// privilege) would otherwise abort the view's transaction, and with it the
// reads of the tables after it.
type savepointView struct{ *incView }

func (v savepointView) Scan(ctx context.Context, t *capture.Table, cond string, after, upTo []string, limit int,
	row func(ev *change.Event, key []string, size int) error) (int, error) {
	if _, err := v.q.Exec(ctx, "SAVEPOINT sluice_blocking"); err != nil {
		return 0, &ConnError{Op: "blocking snapshot: set a savepoint", Err: err}
	}
	n, err := v.incView.Scan(ctx, t, cond, after, upTo, limit, row)
	end := "RELEASE SAVEPOINT sluice_blocking"
	if err != nil {
		end = "ROLLBACK TO SAVEPOINT sluice_blocking"
	}
	if _, serr := v.q.Exec(ctx, end); serr != nil && err == nil {
		err = &ConnError{Op: "blocking snapshot: " + end, Err: serr}
	}
	return n, err
}

// blkState is the engine's state for the positions' State: nil when no
// blocking snapshot runs, or while its rows are sent (each carries its own).
func (d *decoder) blkState() json.RawMessage {
	if d.blkRows || !d.st.blk.Running() {
		return nil
	}
	return d.st.blk.StateJSON()
}

// blkStep opens the blocking snapshot's view when one is queued and none
// is open (after any incremental window has closed), between transactions.
// When the stream already stands at the view's watermark (an idle
// database), the snapshot is taken at once.
func (d *decoder) blkStep(send func(item) error) error {
	b := d.st.blk
	if d.inTx || !b.Running() || b.Waiting() || d.st.inc.WindowOpen() {
		return nil
	}
	if err := b.Open(d.ctx, d.blkView); err != nil {
		return err
	}
	d.incChanged()
	return d.blkAt(d.consumed, send)
}

// blkAt shows the engine a point of the stream where everything before at
// is read; at or past the view's watermark, the snapshot is taken there.
func (d *decoder) blkAt(at uint64, send func(item) error) error {
	b := d.st.blk
	if !b.Waiting() || !b.Observe(&capture.StreamItem{At: lsnCursor(at)}) {
		return nil
	}
	d.blkRows = true
	base := d.incState(d.baseState())
	d.blkRows = false
	err := b.Run(d.ctx, func(ev *change.Event, size int) error {
		if ev.Pos.State == nil {
			ev.Pos.State = base // the snapshot's last row: it is done
		} else {
			ev.Pos.State = spliceKey(base, "blk", ev.Pos.State)
		}
		return send(item{Ev: ev, Size: size})
	})
	d.incChanged()
	return err
}

// blkRow shows the engine a change of a row of t while its view waits:
// the key is the table's chunk key (the queued entry's surrogate-key when
// it names one).
func (d *decoder) blkRow(t *tableInfo, tup, old *pglogrepl.TupleData) {
	b := d.st.blk
	if !b.Waiting() || b.Exact() {
		return
	}
	cols := t.Key
	for _, q := range b.State().Queue {
		if q.ID == t.name() && q.Surrogate != "" {
			cols = nil
			for i := range t.Cols {
				if t.Cols[i].Name == q.Surrogate {
					cols = []int{i}
				}
			}
		}
	}
	if key := tupleCols(cols, tup, old); key != nil {
		b.Observe(&capture.StreamItem{Table: t.ID, Key: key, Tx: capture.TxRef{XID: uint64(d.xid)}})
	}
}

// spliceKey adds "key": val to the JSON object base.
func spliceKey(base json.RawMessage, key string, val json.RawMessage) json.RawMessage {
	b := make([]byte, 0, len(base)+len(key)+len(val)+8)
	b = append(b, base[:len(base)-1]...)
	if len(base) > 2 {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	b = append(b, val...)
	return append(b, '}')
}
