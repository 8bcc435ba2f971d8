package console

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestKafkaReaderLatest: the newest committed records of a topic whose
// transactions hold one record each (a commit marker after every record),
// newest first, none of an aborted transaction; an unknown topic is
// ErrUnknownTopic.
func TestKafkaReaderLatest(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "t"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.TransactionalID("tx"), kgo.DefaultProduceTopic("t"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	tx := func(v string, commit bool) {
		t.Helper()
		if err := p.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		if err := p.ProduceSync(ctx, &kgo.Record{Key: []byte("k"), Value: []byte(v)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
		if err := p.EndTransaction(ctx, kgo.TransactionEndTry(commit)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 30 {
		tx(fmt.Sprintf(`{"n":%d}`, i), true)
	}
	tx(`{"n":"aborted"}`, false)
	tx(`{"n":30}`, true)

	admCl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer admCl.Close()
	r := &KafkaReader{Brokers: c.ListenAddrs(), Admin: kadm.NewClient(admCl)}
	recs, err := r.Latest(ctx, "t", 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, rec := range recs {
		got = append(got, *rec.Value)
	}
	want := []string{`{"n":30}`}
	for i := 29; len(want) < 10; i-- {
		want = append(want, fmt.Sprintf(`{"n":%d}`, i))
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("latest 10 = %v\nwant %v", got, want)
	}
	if _, err := r.Latest(ctx, "nope", 10); !errors.Is(err, ErrUnknownTopic) {
		t.Fatalf("unknown topic: %v, want ErrUnknownTopic", err)
	}
}
