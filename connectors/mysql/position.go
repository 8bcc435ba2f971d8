package mysql

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
)

// binlogPos is a binlog coordinate: a file and a byte offset in it.
type binlogPos struct {
	File string `json:"file"`
	Pos  uint32 `json:"pos"`
}

func (p binlogPos) String() string { return fmt.Sprintf("%s:%d", p.File, p.Pos) }

// fileSeq returns the sequence number of a binlog file name (the digits
// after its last dot: mysql-bin.000003 is 3).
func fileSeq(name string) (uint64, error) {
	i := strings.LastIndexByte(name, '.')
	if i < 0 || i == len(name)-1 {
		return 0, fmt.Errorf("binlog file name %q has no numeric extension", name)
	}
	n, err := strconv.ParseUint(name[i+1:], 10, 32)
	if err != nil {
		return 0, fmt.Errorf("binlog file name %q has no numeric extension", name)
	}
	return n, nil
}

// order maps a binlog coordinate to a number that orders coordinates of one
// server: the file's sequence number in the high 32 bits, the offset in the
// low ones. It is a position's Tx.
func (p binlogPos) order() (uint64, error) {
	seq, err := fileSeq(p.File)
	if err != nil {
		return 0, err
	}
	return seq<<32 | uint64(p.Pos), nil
}

// orderOf is order for coordinates known to be well formed; a malformed
// one orders first.
func orderOf(p binlogPos) uint64 {
	o, _ := p.order()
	return o
}

// restartPoint is where a binlog dump starts: the coordinate, and, when the
// server has GTIDs, the GTID set executed before it (which the dump uses
// instead of the coordinate).
type restartPoint struct {
	binlogPos
	GTIDs string `json:"gtids,omitempty"`
}

func (r restartPoint) String() string {
	if r.GTIDs != "" {
		return fmt.Sprintf("GTID set %q (binlog %s)", r.GTIDs, r.binlogPos)
	}
	return "file " + r.File + " position " + strconv.FormatUint(uint64(r.Pos), 10)
}

// gtidSet tracks the GTIDs executed so far, in the server's flavour
// ("mysql": uuid:interval sets; "mariadb": domain-server-seq per domain).
type gtidSet struct {
	flavor string
	set    gomysql.GTIDSet

	str   string // set.String(), while strOK
	strOK bool
}

// parseGTIDSet parses s in flavor ("mysql" or "mariadb").
func parseGTIDSet(flavor, s string) (*gtidSet, error) {
	set, err := gomysql.ParseGTIDSet(flavor, strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("parse %s GTID set %q: %w", flavor, s, err)
	}
	return &gtidSet{flavor: flavor, set: set}, nil
}

// add records one transaction's GTID ("uuid:n" or "d-s-n").
func (g *gtidSet) add(gtid string) error {
	g.strOK = false
	var err error
	switch s := g.set.(type) {
	case *gomysql.MysqlGTIDSet:
		err = s.Update(gtid)
	case *gomysql.MariadbGTIDSet:
		err = s.Update(gtid)
	default:
		err = fmt.Errorf("unknown GTID set type %T", g.set)
	}
	if err != nil {
		return fmt.Errorf("add GTID %q to %s: %w", gtid, g.flavor, err)
	}
	return nil
}

// addMariadb records one transaction's MariaDB GTID, as add does its text.
func (g *gtidSet) addMariadb(gtid gomysql.MariadbGTID) error {
	s, ok := g.set.(*gomysql.MariadbGTIDSet)
	if !ok {
		return g.add(mariadbGTID(gtid))
	}
	g.strOK = false
	if err := s.AddSet(&gtid); err != nil {
		return fmt.Errorf("add GTID %q to %s: %w", mariadbGTID(gtid), g.flavor, err)
	}
	return nil
}

func (g *gtidSet) String() string {
	if g == nil || g.set == nil {
		return ""
	}
	if !g.strOK {
		g.str, g.strOK = g.set.String(), true
	}
	return g.str
}

func (g *gtidSet) clone() *gtidSet {
	if g == nil {
		return nil
	}
	return &gtidSet{flavor: g.flavor, set: g.set.Clone()}
}

// contains reports whether the set holds gtid.
func (g *gtidSet) contains(gtid string) bool {
	one, err := gomysql.ParseGTIDSet(g.flavor, gtid)
	if err != nil {
		return false
	}
	return g.set.Contain(one)
}

// mariadbGTID formats a MariaDB GTID as go-mysql's MariadbGTID.String does
// ("domain-server-seq", "" for the zero GTID), without fmt.
func mariadbGTID(g gomysql.MariadbGTID) string {
	if g.DomainID == 0 && g.ServerID == 0 && g.SequenceNumber == 0 {
		return ""
	}
	var b [3*20 + 2]byte
	out := strconv.AppendUint(b[:0], uint64(g.DomainID), 10)
	out = append(out, '-')
	out = strconv.AppendUint(out, uint64(g.ServerID), 10)
	out = append(out, '-')
	out = strconv.AppendUint(out, g.SequenceNumber, 10)
	return string(out)
}

// mysqlGTID formats a MySQL GTID event's id, or "" for an anonymous one.
func mysqlGTID(sid []byte, gno int64) string {
	if len(sid) != 16 || gno == 0 {
		return ""
	}
	allZero := true
	for _, b := range sid {
		if b != 0 {
			allZero = false
			break
		}
	}
	if allZero {
		return ""
	}
	u, err := uuid.FromBytes(sid)
	if err != nil {
		return hex.EncodeToString(sid) + ":" + strconv.FormatInt(gno, 10)
	}
	return u.String() + ":" + strconv.FormatInt(gno, 10)
}

// dumpStart returns the set to start a binlog dump from. MariaDB takes one
// GTID per replication domain (a start position like its gtid_slave_pos) and
// refuses a set with two GTIDs of one domain (ERROR 1943, "duplicate domain
// id"), which the executed set holds once a second server has written in a
// domain (another writer, a failover). Sequence numbers grow across the
// servers of a domain, so its newest GTID is the one with the highest.
func (g *gtidSet) dumpStart() gomysql.GTIDSet {
	s, ok := g.set.(*gomysql.MariadbGTIDSet)
	if !ok {
		return g.set
	}
	out := &gomysql.MariadbGTIDSet{Sets: map[uint32]map[uint32]*gomysql.MariadbGTID{}}
	for domain, servers := range s.Sets {
		var newest *gomysql.MariadbGTID
		for _, gt := range servers {
			if newest == nil || gt.SequenceNumber > newest.SequenceNumber {
				newest = gt
			}
		}
		if newest != nil {
			c := *newest
			out.Sets[domain] = map[uint32]*gomysql.MariadbGTID{c.ServerID: &c}
		}
	}
	return out
}
