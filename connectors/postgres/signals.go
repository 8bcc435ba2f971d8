package postgres

import (
	"context"
	"slices"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
)

// Signals (capture/signals.go, docs/capture-core.md section 3.4) on the
// Postgres stream. The source channel: inserts into signal.data.collection,
// which must be in the publication, are read from pgoutput whether or not
// the table is captured, and run when their transaction commits; the
// transaction's last event (or, when it has none, a position with no
// record) carries them into the checkpoint, so a restart past it does not
// run them again. The Kafka channel (and POST /connectors/{name}/signals):
// signals read from the signal topic run between transactions, where a
// position with no record, Tx = end of the WAL read - 1 as a heartbeat's,
// carries the topic's next offset in its State ("sig").

func init() {
	ConfigKeys = append(ConfigKeys, capture.SignalKeys...)
	ConfigDefs = append(ConfigDefs, capture.SignalDefs(41)...)
}

// decoderSignals is the decoder's signal state.
type decoderSignals struct {
	s    *capture.Signals
	rel  uint32 // the signal table's relation id, 0 until its RELATION message
	cols [3]int // positions of id, type and data in its rows (-1: absent)
}

// openSignals opens the stream's signal channels; the returned func closes
// them.
func (d *decoder) openSignals(ctx context.Context) (func(), error) {
	cfg := d.cfg.Signals
	log := d.st.log
	k, err := capture.OpenKafkaChannel(ctx, cfg, d.st.knobs.Signals, d.st.sigFrom, log, func() {
		select {
		case d.st.hbPing <- struct{}{}: // a keepalive lets the decoder take it (heartbeat.go)
		default:
		}
	})
	if err != nil {
		return nil, err
	}
	disp := capture.NewDispatcher(log)
	disp.RegisterSnapshots(d.st.inc, d.st.capturedTables) // incremental.go
	disp.RegisterBlocking(d.st.blk, d.st.capturedTables)  // blocking.go
	d.sigs.s = capture.NewSignals(cfg, disp, k, d.st.sigFrom, log)
	return d.sigs.s.Close, nil
}

// signalRelation notes the signal table's relation id and columns.
func (d *decoder) signalRelation(m *pglogrepl.RelationMessage) {
	if t := d.sigs.s.Table(); t.Namespace != m.Namespace || t.Name != m.RelationName {
		return
	}
	d.sigs.rel = m.RelationID
	d.sigs.cols = [3]int{-1, -1, -1}
	for i, c := range m.Columns {
		switch c.Name {
		case "id":
			d.sigs.cols[0] = i
		case "type":
			d.sigs.cols[1] = i
		case "data":
			d.sigs.cols[2] = i
		}
	}
}

// signalInsert queues the signal of a row inserted into the signal table.
func (d *decoder) signalInsert(m *pglogrepl.InsertMessage) {
	if d.skipAll || d.sigs.rel == 0 || m.RelationID != d.sigs.rel || m.Tuple == nil {
		return
	}
	col := func(i int) string {
		if i < 0 || i >= len(m.Tuple.Columns) || m.Tuple.Columns[i].DataType != pglogrepl.TupleDataTypeText {
			return ""
		}
		return string(m.Tuple.Columns[i].Data)
	}
	d.sigs.s.Row(col(d.sigs.cols[0]), col(d.sigs.cols[1]), col(d.sigs.cols[2]))
}

// signalCommit runs the signals the transaction inserted, before its end
// is sent. Its last event carries them into the checkpoint; without one
// (and without the empty transaction's metadata records, which carry
// them), an event with no record at the next index does.
func (d *decoder) signalCommit() {
	if d.cp != nil && d.commitLSN == d.cp.Tx && (d.cp.Last || d.index <= d.cp.Index) {
		d.sigs.s.Begin() // the checkpoint is past them: they ran
		return
	}
	if !d.sigs.s.RunRows() {
		return
	}
	// The signals may have changed the incremental snapshot (incremental.go):
	// the checkpoint that carries them carries that too.
	d.incChanged()
	if d.buf.Ev != nil {
		d.buf.Ev.Pos.State = d.stateJSON
		return
	}
	if d.tx != nil && d.tx.Total() == 0 {
		return
	}
	d.hold = false
	d.emitted = true
	d.buf = item{Ev: &change.Event{Commit: d.commitTime, Pos: change.Position{Tx: d.commitLSN, Index: d.index, State: d.stateJSON,
		XID: d.xid, LSN: d.lsn, PrevEnd: d.lastCommit, Micros: d.commitTime.UnixMicro()}}, Size: 64}
	d.index++
}

// between runs, between transactions, the signals read from the signal
// topic, the incremental snapshot's next read (incremental.go), then the
// heartbeat.
func (d *decoder) between(send func(item) error) error {
	if err := d.kafkaSignals(send); err != nil {
		return err
	}
	if err := d.blkStep(send); err != nil { // blocking.go
		return err
	}
	if !d.st.blk.Running() {
		if err := d.incStep(); err != nil {
			return err
		}
	}
	return d.heartbeat(send)
}

// kafkaSignals runs the signals read from the signal topic and emits the
// position that holds the topic's next offset, with no record. Like a
// heartbeat it waits until the stream has passed its checkpoint.
func (d *decoder) kafkaSignals(send func(item) error) error {
	if d.inTx || d.hold || d.consumed == 0 {
		return nil
	}
	at := d.consumed - 1
	if d.cp != nil && at < d.cp.Tx {
		return nil
	}
	if !d.sigs.s.RunKafka() {
		return nil
	}
	d.incChanged()
	pos := change.Position{Tx: at, Last: true, State: d.stateJSON}
	return send(item{Ev: &change.Event{Commit: d.commitTime, Pos: pos}, Size: 64, End: &txEnd{Commit: at, End: d.consumed, Events: true}})
}

// signalPrerequisites checks signal.data.collection: the table exists with
// the columns id, type and data, and, when sluice does not manage the
// publication (publication.autocreate.mode=disabled), the publication
// includes it, since pgoutput sends only the changes of its tables.
func signalPrerequisites(ctx context.Context, q *pgx.Conn, cfg *Config, pubExists, pubAll bool, add func(format string, args ...any)) error {
	t := cfg.Signals.SourceTable()
	if t.Name == "" {
		return nil
	}
	quoted := pgx.Identifier{t.Namespace, t.Name}.Sanitize()
	var cols []string
	err := q.QueryRow(ctx, `SELECT coalesce(array_agg(a.attname::text ORDER BY a.attnum), '{}')
		FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped`, t.Namespace, t.Name).Scan(&cols)
	if err != nil {
		return &ConnError{Op: "read the signal table", Err: err}
	}
	if len(cols) == 0 {
		add("signal.data.collection names table %s, which does not exist: run CREATE TABLE %s (id VARCHAR(42) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048)), or remove signal.data.collection", t, quoted)
		return nil
	}
	for _, c := range []string{"id", "type", "data"} {
		if !slices.Contains(cols, c) {
			add("signal table %s has no column %q: a signal table has the columns id, type and data (docs/configuration.md, section Signals)", t, c)
		}
	}
	if cfg.managesPublication() || !pubExists || pubAll {
		return nil // sluice adds it to the publication (ensurePublication), or every table is in it
	}
	var in bool
	err = q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_publication_tables WHERE pubname = $1 AND schemaname = $2 AND tablename = $3)`,
		cfg.PublicationName, t.Namespace, t.Name).Scan(&in)
	if err != nil {
		return &ConnError{Op: "read publication tables", Err: err}
	}
	if !in {
		add("signal table %s is not in publication %q, so its signals would never arrive: run ALTER PUBLICATION %s ADD TABLE %s",
			t, cfg.PublicationName, pgx.Identifier{cfg.PublicationName}.Sanitize(), quoted)
	}
	return nil
}

// withSignalTable returns the quoted tables of a filtered publication with
// the signal table added when it is not among them.
func withSignalTable(cfg *Config, names []string) []string {
	t := cfg.Signals.SourceTable()
	if t.Name == "" {
		return names
	}
	quoted := pgx.Identifier{t.Namespace, t.Name}.Sanitize()
	if slices.Contains(names, quoted) {
		return names
	}
	return append(names, quoted)
}
