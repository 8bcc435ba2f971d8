package mysql

import "github.com/sluicecdc/sluice/connectors/capture"

// region is a part of the snapshot read in one consistent-snapshot
// transaction (capture.Region): the rows of table index Table with keys
// after After, and of every later table, up to the next region.
type region = capture.Region[regionMark]

// regionMark is a region's watermark: At is the binlog coordinate the
// transaction's snapshot is consistent with: every transaction that starts
// before At is in its rows, none that starts at or after it.
type regionMark struct {
	At binlogPos `json:"at"`
}

// holds reports whether the region of mark m already contains the changes
// of the transaction that starts at binlog order tx.
func (m regionMark) holds(tx uint64) bool {
	return tx < orderOf(m.At)
}

// regionsEnd is the binlog order from which no region filters anything: the
// largest region coordinate.
func regionsEnd(regions []region) uint64 {
	var end uint64
	for _, r := range regions {
		if o := orderOf(r.Mark.At); o > end {
			end = o
		}
	}
	return end
}

// cpState is the source's bookkeeping carried in a position's State.
type cpState struct {
	// Restart is where the binlog dump starts to replay the event's
	// transaction: its first event, and the GTIDs executed before it.
	// For snapshot positions it is where streaming starts after the snapshot.
	Restart restartPoint `json:"restart"`

	// Tables lists the snapshot's tables ("db.table") in reading order;
	// Regions the parts read so far. Both are dropped once the stream passes
	// every region's coordinate.
	Tables  []string `json:"tables,omitempty"`
	Regions []region `json:"regions,omitempty"`

	// Schemas holds each table's schema version and the fingerprint of its
	// columns, so that a restart numbers versions where it left off.
	Schemas map[string]schemaVer `json:"schemas,omitempty"`

	// Resume is set only in a checkpoint made from a Debezium offset
	// (offsets.go): how far Debezium got into the transaction at Restart.
	Resume *binlogResume `json:"dbz_resume,omitempty"`

	// Sig is the signal topic's next offset to read (capture.SignalOffset).
	Sig int64 `json:"sig,omitempty"`

	// Par is a parallel snapshot's progress (snapshot.max.threads): the
	// cursor of each key range, in the positions of its rows only.
	Par *capture.ParState `json:"par,omitempty"`
}

// schemaVer is a table's schema version and its columns' fingerprint.
type schemaVer struct {
	V  int    `json:"v"`
	FP string `json:"fp"`
	// Decl holds the types of the columns declared BOOLEAN, JSON, REAL or
	// FLOAT4 by a DDL statement of the binlog (models.go).
	Decl map[string]DeclaredType `json:"decl,omitempty"`
}
