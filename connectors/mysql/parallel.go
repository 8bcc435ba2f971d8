package mysql

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/go-mysql-org/go-mysql/client"
	gomysql "github.com/go-mysql-org/go-mysql/mysql"
)

// Parallel snapshots (snapshot.max.threads > 1).
//
// MariaDB cannot export a snapshot for other connections to join, as
// Postgres can. A parallel snapshot instead opens its connections first and
// then starts a START TRANSACTION WITH CONSISTENT SNAPSHOT on each while
// nothing commits: under FLUSH TABLES WITH READ LOCK, taken on the stream's
// own connection for as long as beginSnapshot holds it anyway
// (snapshot.locking.mode minimal or extended). MariaDB tells each
// transaction the binlog coordinate its snapshot holds everything before
// (binlog_snapshot_file/position), so the connections are checked to stand
// at one coordinate. Without the lock (snapshot.locking.mode=none) a commit
// may fall between two starts: the transactions are started again, a few
// times, and when they still disagree the snapshot reads on one connection.
// MySQL has no binlog_snapshot_*: it reads in parallel only under the lock.

// joinTries is how often snapshot.locking.mode=none starts the transactions
// of a parallel snapshot before it gives up and reads on one connection.
const joinTries = 3

// openWorkers opens n connections for the workers of a parallel snapshot,
// each in REPEATABLE READ, before any lock is taken.
func openWorkers(ctx context.Context, cfg *Config, n int) ([]*client.Conn, error) {
	conns := make([]*client.Conn, 0, n)
	for range n {
		q, err := connect(ctx, cfg)
		if err == nil {
			if _, err = q.Execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ"); err != nil {
				q.Close()
				err = &ConnError{Op: "set isolation level of a snapshot connection", Err: err}
			}
		}
		if err != nil {
			closeAll(conns)
			return nil, err
		}
		conns = append(conns, q)
	}
	return conns, nil
}

// closeAll closes conns.
func closeAll(conns []*client.Conn) {
	for _, q := range conns {
		q.Close()
	}
}

// startConsistent starts a consistent-snapshot transaction on q and
// returns the binlog coordinate it holds (MariaDB; zero on MySQL).
func startConsistent(q *client.Conn, mariadb bool) (binlogPos, error) {
	if _, err := q.Execute("START TRANSACTION WITH CONSISTENT SNAPSHOT"); err != nil {
		return binlogPos{}, &ConnError{Op: "start the snapshot transaction", Err: err}
	}
	if !mariadb {
		return binlogPos{}, nil
	}
	return snapshotCoordinate(q)
}

// joinSnapshot starts a consistent-snapshot transaction on each of conns,
// which must stand at at, the coordinate of the stream's own snapshot
// transaction (started on main, which it may start again). locked says that
// the global read lock is held, so nothing commits in between. It returns
// the coordinate of all the transactions, and ok false when they do not
// stand at one coordinate: the caller then reads on main alone, whose
// transaction is open at the returned coordinate.
func joinSnapshot(main *client.Conn, conns []*client.Conn, at binlogPos, mariadb, locked bool) (_ binlogPos, ok bool, err error) {
	if !mariadb && !locked {
		return at, false, nil // nothing tells MySQL's transactions' points apart
	}
	for try := 1; ; try++ {
		same := true
		for _, q := range conns {
			p, err := startConsistent(q, mariadb)
			if err != nil {
				return at, false, err
			}
			same = same && (!mariadb || p == at)
		}
		if same || locked || try == joinTries {
			if !same {
				rollbackAll(conns)
			}
			return at, same, nil
		}
		// A commit came between two starts: start all of them again.
		rollbackAll(conns)
		if _, err := main.Execute("ROLLBACK"); err != nil {
			return at, false, &ConnError{Op: "restart the snapshot transaction", Err: err}
		}
		if at, err = startConsistent(main, mariadb); err != nil {
			return at, false, err
		}
	}
}

// rollbackAll ends the transactions on conns (errors are left to the
// connections' next use).
func rollbackAll(conns []*client.Conn) {
	for _, q := range conns {
		_, _ = q.Execute("ROLLBACK")
	}
}

// splitBounds returns the keys that cut t's rows into at most n ranges of
// about rows/n rows each (rows: the table's estimated row count): the key
// of the row at offset k·rows/n in key order, for k = 1..n-1, read with
// chunkQuery's order on q (in the snapshot's transaction, so they are keys
// of the snapshot). A bound that repeats the one before it, or lies past
// the last row (the estimate is above the real count), is left out, so
// the bounds strictly ascend. Each range holds the keys after its lower
// bound up to and with its upper one.
func splitBounds(q *client.Conn, t *tableInfo, n int, rows int64) ([][]string, error) {
	if len(t.Key) == 0 || n < 2 || rows < int64(n) {
		return nil, nil
	}
	cols, by := keyColumns(t)
	var bounds [][]string
	for k := 1; k < n; k++ {
		off := int64(k) * rows / int64(n)
		sql := "SELECT " + strings.Join(cols, ", ") + " FROM " + t.quoted() + " ORDER BY " + strings.Join(by, ", ") + " LIMIT 1 OFFSET " + strconv.FormatInt(off, 10)
		var key []string
		var res gomysql.Result
		err := q.ExecuteSelectStreaming(sql, &res, func(vals []gomysql.FieldValue) error {
			key = make([]string, len(vals))
			for i := range vals {
				b, null := FieldText(vals[i])
				if null {
					return errors.New("a key column is NULL")
				}
				key[i] = string(b)
			}
			return nil
		}, nil)
		if err != nil {
			return nil, &ConnError{Op: "split " + t.name() + " into key ranges", Err: err}
		}
		if key == nil {
			break // past the last row
		}
		if len(bounds) > 0 && t.keyKinds().Compare(bounds[len(bounds)-1], key) >= 0 {
			continue
		}
		bounds = append(bounds, key)
	}
	return bounds, nil
}

// keyColumns returns t's chunk key columns, quoted, and what chunkQuery
// orders them by (string columns as BINARY).
func keyColumns(t *tableInfo) (cols, by []string) {
	cols = make([]string, len(t.Key))
	by = make([]string, len(t.Key))
	for i, k := range t.Key {
		cols[i] = quoteIdent(t.Meta[k].Name)
		by[i] = cols[i]
		if stringType(t.Meta[k].Type) {
			by[i] = "BINARY " + cols[i]
		}
	}
	return cols, by
}
