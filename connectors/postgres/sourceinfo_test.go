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
		got := c.block(cfg, s.id, s.ts, s.txID, s.lastCommit, s.lsn)
		want := sourceBlock(cfg, s.id, s.ts, "", s.txID, s.lastCommit, s.lsn)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("step %d: block = %#v\nwant %#v", i, got, want)
		}
	}
}

func BenchmarkTxSource(b *testing.B) {
	cfg := &Config{TopicPrefix: "p", DBName: "db"}
	id := change.TableID{Namespace: "public", Name: "a"}
	ts := time.Now()
	var c txSource
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = c.block(cfg, id, ts, 10, 99, uint64(i)<<20)
	}
}
