//go:build integration

package schema

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/sluicecdc/sluice/connectors/change"
)

// registryURL is the Confluent-compatible API of the registry that
// integration/env starts (Apicurio Registry's ccompat API).
func registryURL() string {
	if u := os.Getenv("SLUICE_REGISTRY_URL"); u != "" {
		return u
	}
	return "http://127.0.0.1:58081/apis/ccompat/v7"
}

// TestAvroRealRegistry registers, encodes, fetches each record's schema by
// the id in its header and decodes it, against a real registry; then
// checks a schema change (version 2) and an incompatible one (HTTP 409).
func TestAvroRealRegistry(t *testing.T) {
	ctx := context.Background()
	url := registryURL()
	cl, err := sr.NewClient(sr.URLs(url))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Subjects(ctx); err != nil {
		t.Skipf("no schema registry at %s (run integration/env/up registry): %v", url, err)
	}

	prefix := "sluiceavro" + strconv.FormatInt(time.Now().UnixNano()%1e12, 36)
	keySubject, valueSubject := prefix+".public.customers-key", prefix+".public.customers-value"
	t.Cleanup(func() {
		for _, s := range []string{keySubject, valueSubject} {
			if _, err := cl.DeleteSubject(ctx, s, sr.SoftDelete); err != nil {
				t.Logf("soft-delete subject %s: %v", s, err)
			}
			if _, err := cl.DeleteSubject(ctx, s, sr.HardDelete); err != nil {
				t.Logf("hard-delete subject %s: %v", s, err)
			}
		}
	})

	reg := newTestRegistry(t, url, 10*time.Second)
	o := avroOpts(reg, reg)
	o.TopicPrefix = prefix
	a, err := NewAvro(o)
	if err != nil {
		t.Fatal(err)
	}
	v1 := customers()
	var msgs []Message
	for _, ev := range []*change.Event{
		event(v1, change.OpCreate, nil, anne()),
		event(v1, change.OpDelete, anne(), nil),
	} {
		if msgs, err = a.Encode(msgs, ev); err != nil {
			t.Fatal(err)
		}
	}
	if len(msgs) != 3 || msgs[2].Value != nil {
		t.Fatalf("want create, delete, tombstone; got %d messages", len(msgs))
	}
	_, key := decodeWire(t, url, msgs[0].Key)
	if got := asJSON(t, key); got != `{"id":1}` {
		t.Errorf("key %s", got)
	}
	id1, created := decodeWire(t, url, msgs[0].Value)
	anneJSON := `{"balance":"decimal:123.4500","created_at":"2024-05-01T10:15:30.123456Z","id":1,"name":"Anne"}`
	if got := asJSON(t, created); !strings.Contains(got, `"after":`+anneJSON+`,"before":null,"op":"c"`) ||
		!strings.Contains(got, `"snapshot":"false"`) {
		t.Errorf("create decoded as %s", got)
	}
	if _, deleted := decodeWire(t, url, msgs[1].Value); !strings.Contains(asJSON(t, deleted), `"after":null,"before":`+anneJSON+`,"op":"d"`) {
		t.Errorf("delete decoded as %s", asJSON(t, deleted))
	}

	// Under BACKWARD compatibility (Confluent's default), adding a nullable
	// column registers version 2.
	for _, r := range cl.SetCompatibility(ctx, sr.SetCompatibility{Level: sr.CompatBackward}, valueSubject) {
		if r.Err != nil {
			t.Fatalf("set compatibility of %s: %v", valueSubject, r.Err)
		}
	}
	v2 := customersV2()
	msgs, err = a.Encode(nil, event(v2, change.OpCreate, nil, append(anne(), "anne@example.com")))
	if err != nil {
		t.Fatal(err)
	}
	id2, rec := decodeWire(t, url, msgs[0].Value)
	if id2 == id1 || !strings.Contains(asJSON(t, rec), `"email":"anne@example.com"`) {
		t.Errorf("version 2: id %d (version 1 %d), record %s", id2, id1, asJSON(t, rec))
	}
	versions, err := cl.SubjectVersions(ctx, valueSubject)
	if err != nil || len(versions) != 2 {
		t.Errorf("versions of %s = %v, %v; want 2", valueSubject, versions, err)
	}

	// A required column without a default cannot be read from older
	// records: BACKWARD refuses it.
	v3 := customersV2()
	v3.Version = 3
	v3.Columns = append(v3.Columns, change.Field{Name: "code", Type: change.Int32})
	_, err = a.Encode(nil, event(v3, change.OpCreate, nil, append(anne(), "anne@example.com", int32(7))))
	if !errors.Is(err, ErrIncompatibleSchema) {
		t.Fatalf("incompatible change: %v, want ErrIncompatibleSchema", err)
	}
	var retryable interface{ Retryable() bool }
	if errors.As(err, &retryable) && retryable.Retryable() {
		t.Errorf("incompatible change is retryable: %v", err)
	}
	if !strings.Contains(err.Error(), `subject "`+valueSubject+`"`) {
		t.Errorf("message %q does not name the subject", err)
	}
	t.Logf("registry refused version 3: %v", err)
}
