package change

import "encoding/json"

// Position places an event in its source's total order. The source fills it
// and is the only one to interpret it; the runtime stores the position of the
// last event of each batch as the connector's checkpoint and gives it back to
// the source on restart and on acknowledgement.
type Position struct {
	// Snapshot is true while the event comes from the initial snapshot.
	Snapshot bool `json:"snapshot,omitempty"`

	// Tx identifies the source transaction in a way that orders it: the
	// Postgres commit LSN, or a MySQL binlog coordinate encoded by its source.
	Tx uint64 `json:"tx,omitempty"`
	// TxID is a textual transaction identifier where a number is not enough
	// (a MySQL GTID or binlog file name).
	TxID string `json:"txid,omitempty"`
	// Index is the 0-based index of the event inside its source transaction,
	// or the number of rows read so far from Table in a snapshot.
	Index int64 `json:"index,omitempty"`
	// Last is true on the last event of a source transaction, and on the last
	// row of a snapshot chunk.
	Last bool `json:"last,omitempty"`

	// Table and Key locate a snapshot: the table being read and the key of
	// the last row read from it.
	Table string          `json:"table,omitempty"`
	Key   json.RawMessage `json:"key,omitempty"`

	// State is any further source state the source needs back on restart
	// (for example the snapshot bookkeeping that lets streaming skip rows a
	// snapshot already read). Sources keep it small.
	State json.RawMessage `json:"state,omitempty"`

	// Detail of the event's place that Debezium's offsets show and the
	// fields above do not (GET /connectors/{name}/offsets shows a
	// checkpoint with Debezium's keys). Zero where the source has none;
	// sources do not order or resume by them. Typed and ordered to keep
	// Position small (it is in every event).
	//
	// LSN is the Postgres LSN of the event itself (Debezium's lsn and
	// lsn_proc); PrevEnd the end of the last COMMIT read before the
	// event's transaction (lsn_commit).
	LSN     uint64 `json:"lsn,omitempty"`
	PrevEnd uint64 `json:"prev_end,omitempty"`
	// Micros is the transaction's commit time (MySQL: the event's time) in
	// µs since the epoch.
	Micros int64 `json:"us,omitempty"`
	// XID is the Postgres transaction id (txId).
	XID uint32 `json:"xid,omitempty"`
	// BinlogEvent is the MySQL/MariaDB event's index among the binlog
	// events of its transaction (0: the GTID or BEGIN event), BinlogRow
	// the 0-based row in it, ServerID its server_id (Debezium's event, row
	// and server_id).
	BinlogEvent int32  `json:"bev,omitempty"`
	BinlogRow   int32  `json:"brow,omitempty"`
	ServerID    uint32 `json:"sid,omitempty"`
	// Op is the event's change.Op, or 'm' for a logical decoding message.
	Op byte `json:"op,omitempty"`
}

// Encode returns the position as JSON.
func (p Position) Encode() ([]byte, error) { return json.Marshal(p) }

// DecodePosition parses a position written by Encode.
func DecodePosition(b []byte) (Position, error) {
	var p Position
	err := json.Unmarshal(b, &p)
	return p, err
}

// String returns the position as its JSON, for errors and logs.
func (p Position) String() string {
	b, err := json.Marshal(p)
	if err != nil {
		return "?"
	}
	return string(b)
}
