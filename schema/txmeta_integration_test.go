//go:build integration

package schema

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"
)

// TestAvroTransactionMetadataRealRegistry registers the transaction topic's
// schemas and a data event's envelope with its transaction block on the real
// registry, and decodes the records with the schemas fetched by their ids.
func TestAvroTransactionMetadataRealRegistry(t *testing.T) {
	ctx := context.Background()
	url := registryURL()
	cl, err := sr.NewClient(sr.URLs(url))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Subjects(ctx); err != nil {
		t.Skipf("no schema registry at %s (run integration/env/up registry): %v", url, err)
	}
	prefix := "txmetaavro" + strconv.FormatInt(time.Now().UnixNano()%1e12, 36)
	t.Cleanup(func() {
		for _, s := range []string{prefix + ".transaction-key", prefix + ".transaction-value", prefix + ".public.customers-key", prefix + ".public.customers-value"} {
			_, _ = cl.DeleteSubject(ctx, s, sr.SoftDelete)
			_, _ = cl.DeleteSubject(ctx, s, sr.HardDelete)
		}
	})
	reg := newTestRegistry(t, url, 10*time.Second)
	o := avroOpts(reg, reg)
	o.TopicPrefix = prefix
	a, err := NewAvro(o)
	if err != nil {
		t.Fatal(err)
	}
	var ms []Message
	for _, ev := range txEvents() {
		if ms, err = a.Encode(ms, ev); err != nil {
			t.Fatal(err)
		}
	}
	if len(ms) != 4 {
		t.Fatalf("%d records, want 4", len(ms))
	}
	want := []string{`"status":"BEGIN"`, `"transaction":{"data_collection_order":1,"id":"571:53195830","total_order":1}`,
		`"transaction":{"data_collection_order":2,"id":"571:53195831","total_order":2}`,
		`"data_collections":[{"data_collection":"public.customers","event_count":2}]`}
	for i, m := range ms {
		_, v := decodeWire(t, url, m.Value)
		if got := asJSON(t, v); !strings.Contains(got, want[i]) {
			t.Errorf("record %d on %s: %s, want …%s…", i, m.Topic, got, want[i])
		}
	}
}
