package mysql

import (
	"strings"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
)

func TestJudgeBinlog(t *testing.T) {
	files := []binlogFile{{"b.000003", 3, 1000}, {"b.000004", 4, 500}, {"b.000005", 5, 200}}
	for _, c := range []struct {
		tx     uint64
		behind int64
		warn   string
	}{
		{3<<32 | 400, 600 + 500 + 200, ""},
		{4<<32 | 0, 500 + 200, ""},
		{5<<32 | 200, 0, ""},
		{5<<32 | 250, 0, ""}, // past the end the server reported: nothing behind
		{2<<32 | 10, -1, "purged the binlog file"},
	} {
		r := judgeBinlog(c.tx, files)
		if r.Behind != c.behind {
			t.Errorf("tx %d:%d: behind %d, want %d", c.tx>>32, c.tx&0xffffffff, r.Behind, c.behind)
		}
		if got := strings.Join(r.Warnings, "|"); c.warn == "" && got != "" || c.warn != "" && !strings.Contains(got, c.warn) {
			t.Errorf("tx %d:%d: warnings %q, want %q", c.tx>>32, c.tx&0xffffffff, got, c.warn)
		}
	}
	if r := judgeBinlog(3<<32, nil); r.Behind != -1 || len(r.Warnings) != 0 {
		t.Errorf("no binlog files: %+v", r)
	}
}

func TestBinlogGuardKeepsTheGreatestStreamedPosition(t *testing.T) {
	g := &binlogGuard{}
	g.Committed(change.Position{Tx: 5 << 32})
	g.Committed(change.Position{Tx: 4 << 32}) // an older checkpoint loaded late
	g.Committed(change.Position{Snapshot: true, Tx: 9 << 32})
	if g.tx != 5<<32 {
		t.Errorf("tx = %d:%d, want 5:0", g.tx>>32, g.tx&0xffffffff)
	}
}
