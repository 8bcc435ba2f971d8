package capture

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/sluicecdc/sluice/connectors/change"
)

// The fake database behind the incremental engine's tests: tables of int
// keys holding a version number, a change log of committed transactions
// at LSNs 100, 200, ..., and views that see it as Postgres or MariaDB do.

type lsn uint64

func (c lsn) Order() uint64 { return uint64(c) }

type fakeChange struct {
	table string
	key   int
	ver   int // the change's version (the row's new one)
	del   bool
}

type fakeTx struct {
	lsn     uint64
	xid     uint64
	changes []fakeChange
}

type fakeDB struct {
	rows   map[string]map[int]int // table -> key -> version
	log    []fakeTx
	ver    int
	exact  bool
	during func() // Visibility views: commits between the snapshot and reading L
	// conds maps an additional condition to the rows it keeps.
	conds map[string]func(key int) bool
	// noKey names tables the view refuses to chunk.
	noKey map[string]bool
	// skip names keys whose rows the view skips (a value that does not
	// decode, under event.processing.failure.handling.mode=warn).
	skip map[int]bool
	// scans records each Scan's bounds, for the planning tests.
	scans []string
	// pending is the number of Scans still to answer ErrSchemaPending.
	pending int
	opens   int
}

func newFakeDB(exact bool, tables ...string) *fakeDB {
	db := &fakeDB{rows: map[string]map[int]int{}, exact: exact}
	for _, t := range tables {
		db.rows[t] = map[int]int{}
	}
	return db
}

// seed sets rows before any log is read (the state the snapshot must
// give).
func (db *fakeDB) seed(table string, keys ...int) {
	for _, k := range keys {
		db.ver++
		db.rows[table][k] = db.ver
	}
}

// commit applies changes (ver < 0: a delete) as one transaction.
func (db *fakeDB) commit(changes ...fakeChange) fakeTx {
	tx := fakeTx{lsn: uint64(len(db.log)+1) * 100, xid: uint64(len(db.log) + 1)}
	for _, c := range changes {
		db.ver++
		c.del, c.ver = c.ver < 0, db.ver
		if c.del {
			delete(db.rows[c.table], c.key)
		} else {
			db.rows[c.table][c.key] = c.ver
		}
		tx.changes = append(tx.changes, c)
	}
	db.log = append(db.log, tx)
	return tx
}

// end is the log position after the last commit: what a keepalive reports.
func (db *fakeDB) end() uint64 { return uint64(len(db.log))*100 + 50 }

func (db *fakeDB) open(context.Context) (View, error) {
	db.opens++
	v := &fakeView{db: db, rows: map[string]map[int]int{}, seen: uint64(len(db.log))}
	for t, rows := range db.rows {
		m := make(map[int]int, len(rows))
		for k, ver := range rows {
			m[k] = ver
		}
		v.rows[t] = m
	}
	if !db.exact && db.during != nil {
		db.during()
	}
	v.point = db.end()
	return v, nil
}

type fakeView struct {
	db     *fakeDB
	rows   map[string]map[int]int
	seen   uint64 // xids up to this one are visible
	point  uint64
	closed bool
}

func (v *fakeView) At() Watermark {
	if v.db.exact {
		return Watermark{Point: lsn(v.point), Exact: true}
	}
	return Watermark{Point: lsn(v.point), Visible: func(tx TxRef) bool { return tx.XID <= v.seen }}
}

func (v *fakeView) Table(_ context.Context, id change.TableID, surrogate string) (*Table, error) {
	name := id.String()
	if _, ok := v.rows[name]; !ok {
		return nil, nil
	}
	if v.db.noKey[name] && surrogate == "" {
		return nil, errors.New("table " + name + " has no primary key: give its unique column as surrogate-key")
	}
	return &Table{ID: id, Key: []string{"k"}}, nil
}

func keyText(k int) []string { return []string{fmt.Sprintf("%06d", k)} }

func keyNum(k []string) int { n, _ := strconv.Atoi(k[0]); return n }

func (v *fakeView) keys(t *Table, cond string) []int {
	keep := v.db.conds[cond]
	var ks []int
	for k := range v.rows[t.ID.String()] {
		if keep == nil || keep(k) {
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	return ks
}

func (v *fakeView) Scan(_ context.Context, t *Table, cond string, after, upTo []string, limit int,
	row func(ev *change.Event, key []string, size int) error) (int, error) {
	v.db.scans = append(v.db.scans, fmt.Sprintf("%s after=%v upTo=%v limit=%d cond=%q", t.ID, after, upTo, limit, cond))
	if v.db.pending > 0 {
		v.db.pending--
		return 0, ErrSchemaPending
	}
	n := 0
	for _, k := range v.keys(t, cond) {
		if (after != nil && k <= keyNum(after)) || (upTo != nil && k > keyNum(upTo)) {
			continue
		}
		if n == limit {
			break
		}
		n++
		if v.db.skip[k] {
			if err := row(nil, keyText(k), 0); err != nil {
				return n, err
			}
			continue
		}
		ev := &change.Event{After: change.Row{t.ID.String(), k, v.rows[t.ID.String()][k]}}
		if err := row(ev, keyText(k), 10); err != nil {
			return n, err
		}
	}
	return n, nil
}

func (v *fakeView) MaxKey(_ context.Context, t *Table, cond string) ([]string, error) {
	ks := v.keys(t, cond)
	if len(ks) == 0 {
		return nil, nil
	}
	return keyText(ks[len(ks)-1]), nil
}

func (v *fakeView) Close() error { v.closed = true; return nil }

// record is one record in the fake Kafka: a row's table, key and version
// (0: deleted), its op and position.
type record struct {
	table string
	key   int
	ver   int
	op    change.Op
	pos   change.Position
}

func (r record) String() string {
	return fmt.Sprintf("%c %s/%d v%d @%d.%d", r.op, r.table, r.key, r.ver, r.pos.Tx, r.pos.Index)
}

func emittedRecord(em Emitted) record {
	a := em.Ev.After
	return record{table: a[0].(string), key: a[1].(int), ver: a[2].(int), op: em.Ev.Op, pos: em.Ev.Pos}
}

// before reports whether position a sorts at or before b.
func before(a, b change.Position) bool {
	return a.Tx < b.Tx || (a.Tx == b.Tx && a.Index <= b.Index)
}

// ids turns "s.a" names into queue entries.
func incQueue(tables ...string) []IncTable {
	q := make([]IncTable, len(tables))
	for i, t := range tables {
		q[i] = IncTable{ID: t}
	}
	return q
}

func describe(recs []record) string {
	s := make([]string, len(recs))
	for i, r := range recs {
		s[i] = r.String()
	}
	return strings.Join(s, "\n")
}
