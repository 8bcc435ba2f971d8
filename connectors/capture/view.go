package capture

import (
	"context"
	"errors"
	"fmt"

	"github.com/sluicecdc/sluice/connectors/change"
)

// Cursor is a point in a database's change log. Order places it in the
// log's total order, in the encoding Position.Tx uses: the Postgres commit
// LSN, or the MySQL source's order of a binlog coordinate.
type Cursor interface {
	Order() uint64
}

// TxRef names the source transaction of a streamed change for
// Watermark.Visible: the Postgres xid widened to 64 bits, or a GTID.
type TxRef struct {
	XID  uint64
	GTID string
}

// Watermark is where a View stands in the change log.
//
// Exact: the view sees exactly the transactions that commit before Point
// (MariaDB's binlog_snapshot_file/position, a Postgres exported slot
// snapshot). Otherwise Point is a log position read after the view's
// snapshot was taken (Postgres pg_current_wal_insert_lsn()): no transaction
// committing at or after it is visible, and Visible decides for those
// committing before it.
type Watermark struct {
	Point   Cursor
	Exact   bool
	Visible func(tx TxRef) bool // nil when Exact
}

// Table is a table as a View reads it in key chunks.
type Table struct {
	ID change.TableID
	// Key names the chunk key's columns: the primary key, or the column
	// the execute-snapshot signal's surrogate-key names. Never empty: a
	// View refuses a table it cannot chunk.
	Key []string
	// Schema is the source's own description of the table; the core never
	// looks inside.
	Schema any
}

// View is one consistent read of the database (a REPEATABLE READ or
// consistent-snapshot transaction), open for one chunk of an incremental
// snapshot. Keys are the text forms of the key columns' values, the same
// text the source's streamed items carry in StreamItem.Key, so that the
// core compares keys only for equality; the database orders them.
type View interface {
	// At is the point of the change log the view is consistent with.
	At() Watermark
	// Table describes id for chunked reads by Key (surrogate: the column to
	// use as the key instead of the primary key; "" = the primary key).
	// It returns nil, nil when the table does not exist, and an error that
	// names surrogate-key when the table has no key to chunk by.
	Table(ctx context.Context, id change.TableID, surrogate string) (*Table, error)
	// Scan reads at most limit rows of t whose key is greater than after
	// (nil: from the first) and at most upTo (nil: no bound) and that
	// satisfy cond (an SQL filter; "" = every row), in key order, calling
	// row for each with the event (op r, source.snapshot incremental), its
	// key and its size in bytes; ev is nil for a row the source skips
	// (event.processing.failure.handling.mode), whose key still moves the
	// chunk on. It returns the number of rows read.
	Scan(ctx context.Context, t *Table, cond string, after, upTo []string, limit int,
		row func(ev *change.Event, key []string, size int) error) (int, error)
	// MaxKey returns the greatest key of the rows of t satisfying cond, nil
	// when there is none.
	MaxKey(ctx context.Context, t *Table, cond string) ([]string, error)
	// Close ends the view's transaction.
	Close() error
}

// StreamItem is what the incremental engine needs to know of one item of
// the stream, in stream order: a row change (Table, Key, Tx set), or an
// item with no row (a heartbeat, a keepalive, a transaction record) that
// only moves At.
type StreamItem struct {
	Table change.TableID
	Key   []string // nil for items that change no row
	Tx    TxRef
	// At is the commit cursor of the item's transaction, or the log
	// position a keepalive reports; nil when the item has none.
	At Cursor
	// Whole marks a change to rows of Table whose chunk keys the stream
	// does not give (a TRUNCATE; an UPDATE or DELETE whose old row lacks
	// a surrogate key): when the view did not see it, the open chunk is
	// dropped unsent and read again.
	Whole bool
}

// ErrNoChunkKey: a table has no key to read it by in chunks.
var ErrNoChunkKey = errors.New("the table has no primary key to read it in chunks: name a unique column as the execute-snapshot signal's surrogate-key")

// ChunkKey returns the columns a View reads a table by, as indexes into
// cols and as names: the surrogate column when one is named (matched with
// eq, the database's rule for identifiers), else key (the primary key's).
func ChunkKey(cols []string, key []int, surrogate string, eq func(a, b string) bool) ([]int, []string, error) {
	if surrogate != "" {
		key = nil
		for i, c := range cols {
			if eq(c, surrogate) {
				key = []int{i}
			}
		}
		if key == nil {
			return nil, nil, fmt.Errorf("surrogate-key %q is not a column of the table", surrogate)
		}
	}
	if len(key) == 0 {
		return nil, nil, ErrNoChunkKey
	}
	names := make([]string, len(key))
	for i, k := range key {
		names[i] = cols[k]
	}
	return key, names, nil
}
