package schema

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/sluicecdc/sluice/connectors/change"
)

// customersV2 is customers() after ALTER TABLE ADD COLUMN email text.
func customersV2() *change.TableSchema {
	t := customers()
	t.Version = 2
	t.Columns = append(t.Columns, change.Field{Name: "email", Type: change.String, Optional: true, SourceType: "text"})
	return t
}

// TestAvroSchemaChange checks that a new table schema version registers the
// subject's version 2 before its first record, and that records of both
// versions decode with the schema their header names.
func TestAvroSchemaChange(t *testing.T) {
	fake := fakeRegistry(t)
	reg := newTestRegistry(t, fake.URL(), time.Second)
	a, err := NewAvro(avroOpts(reg, reg))
	if err != nil {
		t.Fatal(err)
	}
	v1, v2 := customers(), customersV2()
	// Version 3 changes a column's source type but not its Connect schema:
	// the registry must not get a new subject version for it.
	v3 := customersV2()
	v3.Version = 3
	v3.Columns[len(v3.Columns)-1].SourceType = "varchar"
	var msgs []Message
	for _, ev := range []*change.Event{
		event(v1, change.OpCreate, nil, anne()),
		event(v2, change.OpCreate, nil, append(anne(), "anne@example.com")),
		event(v1, change.OpCreate, nil, anne()), // cached: no new registration
		event(v3, change.OpCreate, nil, append(anne(), "anne@example.com")),
	} {
		if msgs, err = a.Encode(msgs, ev); err != nil {
			t.Fatal(err)
		}
	}
	id1, _ := decodeWire(t, fake.URL(), msgs[0].Value)
	id2, rec2 := decodeWire(t, fake.URL(), msgs[1].Value)
	if id1 == id2 {
		t.Fatalf("both versions have schema id %d", id1)
	}
	if got := asJSON(t, rec2.(map[string]any)["after"]); !strings.Contains(got, `"email":"anne@example.com"`) {
		t.Errorf("version 2 after = %s", got)
	}
	if h := msgs[1].Headers; len(h) == 0 || string(h[len(h)-1].Value) != "2" {
		t.Errorf("headers %q, want the version 2 last", h)
	}
	if h := msgs[3].Headers; len(h) == 0 || string(h[len(h)-1].Value) != "3" {
		t.Errorf("headers %q, want the version 3 last", h)
	}
	if id3, _ := decodeWire(t, fake.URL(), msgs[3].Value); id3 != id2 {
		t.Errorf("version 3 (same Connect schema as 2) has schema id %d, want %d", id3, id2)
	}
	s1, ok1 := fake.GetSchema("dbserver1.public.customers-value", 1)
	s2, ok2 := fake.GetSchema("dbserver1.public.customers-value", 2)
	if !ok1 || !ok2 || s1.ID != id1 || s2.ID != id2 {
		t.Errorf("subject versions: 1=%d (%v) 2=%d (%v), want ids %d and %d", s1.ID, ok1, s2.ID, ok2, id1, id2)
	}
	// As Debezium's, the Value record has no connect.version.
	if !strings.Contains(s2.Schema.Schema, `"type":["null","string"],"default":null}],"connect.name":"dbserver1.public.customers.Value"}`) {
		t.Errorf("version 2 Value schema is not Debezium's (no connect.version): %s", s2.Schema.Schema)
	}
	if _, ok := fake.GetSchema("dbserver1.public.customers-value", 3); ok {
		t.Error("a third version was registered")
	}
	// The key did not change: one version, the same id for all records.
	if _, ok := fake.GetSchema("dbserver1.public.customers-key", 2); ok {
		t.Error("the unchanged key schema got a second version")
	}
	if id, _ := decodeWire(t, fake.URL(), msgs[2].Value); id != id1 {
		t.Errorf("third record has id %d, want %d", id, id1)
	}
}

// outage answers every request with 503 while down is set, and counts the
// requests it fails.
func outage(down *atomic.Bool, failed *atomic.Int32) func(http.ResponseWriter, *http.Request) bool {
	return func(w http.ResponseWriter, r *http.Request) bool {
		if !down.Load() {
			return false
		}
		failed.Add(1)
		w.Header().Set("Content-Type", "application/vnd.schemaregistry.v1+json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"error_code":50003,"message":"Error while forwarding the request to the leader"}`))
		return true
	}
}

// TestAvroRegistryOutage checks that an unreachable registry produces no
// record and a retryable error, that Encode retries within its window, and
// that once the registry is back the records carry ids it gave.
func TestAvroRegistryOutage(t *testing.T) {
	fake := fakeRegistry(t)
	var down atomic.Bool
	var failed atomic.Int32
	fake.Intercept(outage(&down, &failed))
	down.Store(true)

	reg := newTestRegistry(t, fake.URL(), 100*time.Millisecond)
	a, err := NewAvro(avroOpts(reg, reg))
	if err != nil {
		t.Fatal(err)
	}
	ev := event(customers(), change.OpCreate, nil, anne())
	start := time.Now()
	dst := []Message{{Topic: "earlier"}}
	out, err := a.Encode(dst, ev)
	if err == nil {
		t.Fatal("Encode succeeded with the registry down")
	}
	if len(out) != 1 || out[0].Topic != "earlier" {
		t.Fatalf("Encode returned %d messages during the outage, want dst unchanged", len(out))
	}
	var rerr *RegistryError
	if !errors.As(err, &rerr) || !rerr.Retryable() || !errors.Is(err, ErrRegistryUnavailable) {
		t.Fatalf("error %v (%T) is not a retryable RegistryError", err, err)
	}
	var retryable interface{ Retryable() bool }
	if !errors.As(err, &retryable) || !retryable.Retryable() {
		t.Fatalf("the runtime would not see %v as retryable", err)
	}
	if n := failed.Load(); n < 3 {
		t.Errorf("%d attempts in the retry window, want several", n)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("gave up after %s, want about the 100ms retry window", el)
	}
	if !strings.Contains(err.Error(), "dbserver1.public.customers-key") || !strings.Contains(err.Error(), "restarts from its last checkpoint") {
		t.Errorf("message %q does not name the subject and the recovery", err)
	}
	if fake.SubjectExists("dbserver1.public.customers-key") {
		t.Fatal("subject registered during the outage")
	}

	// Back up during a retry window: Encode waits it out and succeeds.
	reg2 := newTestRegistry(t, fake.URL(), 5*time.Second)
	a2, err := NewAvro(avroOpts(reg2, reg2))
	if err != nil {
		t.Fatal(err)
	}
	failed.Store(0)
	go func() {
		for failed.Load() < 3 {
			time.Sleep(time.Millisecond)
		}
		down.Store(false)
	}()
	msgs, err := a2.Encode(nil, ev)
	if err != nil {
		t.Fatalf("Encode after recovery: %v", err)
	}
	if failed.Load() < 3 {
		t.Errorf("only %d failed attempts before success", failed.Load())
	}
	keyID, _ := decodeWire(t, fake.URL(), msgs[0].Key)
	valueID, _ := decodeWire(t, fake.URL(), msgs[0].Value)
	if ks, _ := fake.GetSchema("dbserver1.public.customers-key", 1); ks.ID != keyID {
		t.Errorf("key id %d is not the registered %d", keyID, ks.ID)
	}
	if vs, _ := fake.GetSchema("dbserver1.public.customers-value", 1); vs.ID != valueID {
		t.Errorf("value id %d is not the registered %d", valueID, vs.ID)
	}
	// The first encoder, whose registration failed, registers now too.
	if _, err := a.Encode(nil, ev); err != nil {
		t.Fatalf("first encoder after recovery: %v", err)
	}
}

// TestRegistryUnreachable checks a refused connection (nothing listening)
// and that closing Stop ends the retries at once.
func TestRegistryUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ln.Close()

	stop := make(chan struct{})
	reg, err := NewRegistry(RegistryOptions{URLs: []string{url}, Stop: stop, RetryFor: time.Minute, MinBackoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(100*time.Millisecond, func() { close(stop) })
	start := time.Now()
	_, err = reg.Register("s-value", `"string"`)
	var rerr *RegistryError
	if !errors.As(err, &rerr) || !rerr.Retryable() {
		t.Fatalf("Register with nothing listening: %v, want a retryable RegistryError", err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("Stop took %s to end the retries", el)
	}
}

// TestAvroIncompatibleSchema checks that a 409 from the registry fails the
// encoder for good, naming the subject and quoting the registry.
func TestAvroIncompatibleSchema(t *testing.T) {
	fake := fakeRegistry(t)
	const msg = "Schema being registered is incompatible with an earlier schema for subject \"dbserver1.public.customers-value\""
	fake.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/subjects/dbserver1.public.customers-value/versions") {
			return false
		}
		w.Header().Set("Content-Type", "application/vnd.schemaregistry.v1+json")
		w.WriteHeader(http.StatusConflict)
		_ = json.NewEncoder(w).Encode(sr.ResponseError{ErrorCode: 409, Message: msg})
		return true
	})
	reg := newTestRegistry(t, fake.URL(), time.Minute)
	a, err := NewAvro(avroOpts(reg, reg))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	out, err := a.Encode(nil, event(customers(), change.OpCreate, nil, anne()))
	if err == nil || len(out) != 0 {
		t.Fatalf("Encode = %d messages, %v; want an error", len(out), err)
	}
	if time.Since(start) > 5*time.Second {
		t.Error("a refusal was retried")
	}
	var retryable interface{ Retryable() bool }
	if errors.As(err, &retryable) && retryable.Retryable() {
		t.Fatalf("incompatible schema error is retryable: %v", err)
	}
	if !errors.Is(err, ErrIncompatibleSchema) {
		t.Errorf("error does not wrap ErrIncompatibleSchema: %v", err)
	}
	for _, want := range []string{`subject "dbserver1.public.customers-value"`, msg, "HTTP 409", "compatibility level"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
}

// TestRegistryRefusals checks how other answers are classified.
func TestRegistryRefusals(t *testing.T) {
	for _, c := range []struct {
		status    int
		body      string
		retryable bool
		want      string
	}{
		{401, `{"error_code":401,"message":"Unauthorized"}`, false, "basic.auth.user.info"},
		{404, `{"error_code":404,"message":"HTTP 404 Not Found"}`, false, "apis/ccompat/v7"},
		{422, `{"error_code":42201,"message":"Invalid schema"}`, false, "Invalid schema"},
		{429, `{"error_code":429,"message":"slow down"}`, true, "slow down"},
		{500, `{"error_code":50001,"message":"Error in the backend data store"}`, true, "backend data store"},
		{200, `<html>not a registry</html>`, false, "apis/ccompat/v7"},
	} {
		fake := fakeRegistry(t)
		fake.Intercept(func(w http.ResponseWriter, _ *http.Request) bool {
			w.WriteHeader(c.status)
			_, _ = w.Write([]byte(c.body))
			return true
		})
		reg := newTestRegistry(t, fake.URL(), 50*time.Millisecond)
		_, err := reg.Register("t-value", `"string"`)
		var rerr *RegistryError
		if !errors.As(err, &rerr) {
			t.Errorf("HTTP %d: %v (%T), want a RegistryError", c.status, err, err)
			continue
		}
		if rerr.Retryable() != c.retryable || !strings.Contains(err.Error(), c.want) {
			t.Errorf("HTTP %d: retryable=%v, %q; want retryable=%v and %q", c.status, rerr.Retryable(), err, c.retryable, c.want)
		}
	}
}

// TestRegistryCachesIDs checks one registration per subject and schema.
func TestRegistryCachesIDs(t *testing.T) {
	fake := fakeRegistry(t)
	var posts atomic.Int32
	fake.Intercept(func(_ http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPost {
			posts.Add(1)
		}
		return false
	})
	reg := newTestRegistry(t, fake.URL(), time.Second)
	a, err := NewAvro(avroOpts(reg, reg))
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := a.Encode(nil, event(customers(), change.OpCreate, nil, anne())); err != nil {
			t.Fatal(err)
		}
	}
	// Three table schema pointers with the same text: two subjects, each
	// registered once.
	if n := posts.Load(); n != 2 {
		t.Errorf("%d registrations, want 2 (key and value once each)", n)
	}
}

// TestRegistryAlreadyExistsLooksUp checks that Apicurio's 409 "already
// exists" (a registration that raced another, or a retry whose first
// attempt had arrived) gives the registered schema's id, not an
// incompatible-schema failure.
func TestRegistryAlreadyExistsLooksUp(t *testing.T) {
	fake := fakeRegistry(t)
	first, err := newTestRegistry(t, fake.URL(), time.Second).Register("t-value", `"string"`)
	if err != nil {
		t.Fatal(err)
	}
	var conflicts atomic.Int32
	fake.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/versions") && conflicts.Add(1) == 1 {
			w.WriteHeader(http.StatusConflict)
			_, _ = w.Write([]byte(`{"error_code":409,"message":"An artifact with ID 't-value' in group 'default' already exists."}`))
			return true
		}
		return false
	})
	id, err := newTestRegistry(t, fake.URL(), time.Second).Register("t-value", `"string"`)
	if err != nil || id != first {
		t.Fatalf("Register after a 409 already exists: %d, %v; want %d", id, err, first)
	}
	if conflicts.Load() != 1 {
		t.Errorf("%d registrations, want the one answered 409 (then a lookup)", conflicts.Load())
	}
	// A 409 that is an incompatible schema stays a terminal failure.
	fake.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusConflict)
			_, _ = w.Write([]byte(`{"error_code":409,"message":"Schema being registered is incompatible with an earlier schema"}`))
			return true
		}
		return false
	})
	if _, err := newTestRegistry(t, fake.URL(), time.Second).Register("u-value", `"int"`); !errors.Is(err, ErrIncompatibleSchema) {
		t.Errorf("incompatible 409: %v, want ErrIncompatibleSchema", err)
	}
}
