package postgres

import (
	"reflect"
	"testing"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
)

// TestTxSourceMatchesSourceBlock checks that the cached, shared-box source
// block of streamed events equals the one built from scratch, across
// changes of transaction, table and last commit.
func TestTxSourceMatchesSourceBlock(t *testing.T) {
	cfg := &Config{TopicPrefix: "p", DBName: "db"}
	a := change.TableID{Namespace: "public", Name: "a"}
	b := change.TableID{Namespace: "s2", Name: "b"}
	t1 := time.Date(2026, 11, 23, 12, 0, 0, 123456000, time.UTC)
	t2 := t1.Add(time.Second)
	steps := []struct {
		id         change.TableID
		ts         time.Time
		txID       int64
		lastCommit uint64
		lsn        uint64
	}{
		{a, t1, 10, 0, 100},
		{a, t1, 10, 0, 200},
		{b, t1, 10, 0, 300},
		{b, t2, 11, 250, 400},
		{a, t2, 11, 250, 18446744073709551615},
		{a, t2, 0, 250, 500},
		{a, t1, 12, 9999, 600},
	}
	var c txSource
	for i, s := range steps {
		got := c.block(cfg, s.id, s.ts, s.txID, s.lastCommit, s.lsn, origin{})
		want := sourceBlock(cfg, s.id, s.ts, "", s.txID, s.lastCommit, s.lsn)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("step %d: block = %#v\nwant %#v", i, got, want)
		}
		if len(got) != len(sourceField.Fields) {
			t.Fatalf("step %d: block has %d members, the schema %d", i, len(got), len(sourceField.Fields))
		}
	}
	// A transaction with a replication origin reports it in its last two
	// members.
	got := c.block(cfg, a, t1, 13, 0, 700, origin{name: "pg_16400", lsn: int64(0x1234)})
	if n := len(got); got[n-2] != "pg_16400" || got[n-1] != int64(0x1234) ||
		sourceField.Fields[n-2].Name != "origin" || sourceField.Fields[n-1].Name != "origin_lsn" {
		t.Errorf("origin members %v, %v", got[n-2], got[n-1])
	}
	if got[0] != "3.6.1.Final" {
		t.Errorf("version %v, want 3.6.1.Final", got[0])
	}
}

func BenchmarkTxSource(b *testing.B) {
	cfg := &Config{TopicPrefix: "p", DBName: "db"}
	id := change.TableID{Namespace: "public", Name: "a"}
	ts := time.Now()
	var c txSource
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = c.block(cfg, id, ts, 10, 99, uint64(i)<<20, origin{})
	}
}

// TestSnapSourceSharesOneBlock checks that snapshot rows' blocks equal the
// ones built from scratch, that the rows of one table share one block (the
// emitter copies it for a row it marks otherwise), and that a change of
// table or snapshot builds anew.
func TestSnapSourceSharesOneBlock(t *testing.T) {
	cfg := &Config{TopicPrefix: "p", DBName: "db"}
	a := change.TableID{Namespace: "public", Name: "a"}
	b := change.TableID{Namespace: "s2", Name: "b"}
	t1 := time.Date(2026, 11, 23, 12, 0, 0, 123456000, time.UTC)
	steps := []struct {
		id   change.TableID
		ts   time.Time
		txID int64
		lsn  uint64
	}{
		{a, t1, 10, 100},
		{a, t1, 10, 100},
		{b, t1, 10, 100},
		{b, t1.Add(time.Second), 10, 100},
		{b, t1.Add(time.Second), 11, 100},
		{b, t1.Add(time.Second), 11, 200},
	}
	var s snapSource
	var prev change.StructValue
	for i, st := range steps {
		got := s.get(cfg, st.id, st.ts, st.txID, st.lsn)
		want := sourceBlock(cfg, st.id, st.ts, "true", st.txID, 0, st.lsn)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("step %d: block = %#v\nwant %#v", i, got, want)
		}
		// The rows of one table share its block (the emitter copies it
		// to mark a row); a change of any part gives a new one.
		same := i > 0 && st == steps[i-1]
		if shared := prev != nil && &prev[0] == &got[0]; shared != same {
			t.Fatalf("step %d: shares the last block: %v, want %v", i, shared, same)
		}
		prev = got
	}
}
