package schema

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/sr"
)

// Registry errors. A *RegistryError wraps one of them, and the registry's
// own answer (an *sr.ResponseError) when there was one.
var (
	// ErrRegistryUnavailable reports a registry that could not be reached
	// or answered with a server error for longer than
	// RegistryOptions.RetryFor. It is retryable: the connector restarts
	// from its last checkpoint and registers again.
	ErrRegistryUnavailable = errors.New("schema registry unavailable")

	// ErrIncompatibleSchema reports a schema the registry refused because
	// it is incompatible with the subject's earlier versions (HTTP 409).
	// It is terminal: the connector fails until the subject's
	// compatibility level or the table changes.
	ErrIncompatibleSchema = errors.New("schema incompatible with the subject's earlier versions")

	// ErrSchemaRejected reports any other refusal: an invalid schema, bad
	// credentials, a URL that is not a schema registry. It is terminal.
	ErrSchemaRejected = errors.New("schema registry refused the request")
)

// DefaultRegistryRetry is how long a Registry keeps retrying an unreachable
// registry before giving up with ErrRegistryUnavailable.
const DefaultRegistryRetry = 5 * time.Minute

// RegistryOptions configures a Registry with Kafka Connect's converter
// settings of the same names.
type RegistryOptions struct {
	// URLs are the registry's base URLs (schema.registry.url, a comma
	// separated list), tried in order on each request. For Apicurio this is
	// its Confluent-compatible API, http://host:port/apis/ccompat/v7.
	URLs []string
	// User and Password, when User is set, authenticate every request with
	// HTTP basic auth (basic.auth.user.info = user:password).
	User, Password string

	// Log receives a warning for each failed attempt; nil discards them.
	Log *slog.Logger
	// Stop, when closed, ends the retries at once: Register returns a
	// retryable error. The runtime passes its task's ctx.Done().
	Stop <-chan struct{}
	// RetryFor bounds the retries of one registration; 0 means
	// DefaultRegistryRetry.
	RetryFor time.Duration
	// MinBackoff and MaxBackoff bound the wait between attempts, which
	// doubles from MinBackoff; 0 means 100ms and 10s.
	MinBackoff, MaxBackoff time.Duration
	// HTTPClient, when set, replaces the registry client's default (a 5 s
	// timeout per request).
	HTTPClient *http.Client
}

// Registry registers schemas with a Confluent-compatible schema registry
// (Confluent Schema Registry, Apicurio's ccompat API, Redpanda, Karapace)
// and caches the ids it returns, per subject and schema text, so each
// schema is registered once per Registry. It speaks the registry's REST API
// through franz-go's sr client. A Registry is safe for concurrent use.
type Registry struct {
	o  RegistryOptions
	cl *sr.Client

	mu  sync.Mutex
	ids map[subjectSchema]int
}

type subjectSchema struct{ subject, schema string }

// maxCachedIDs bounds the id cache; past it the cache is dropped and
// refilled (the registry answers a known schema with its existing id).
const maxCachedIDs = 16384

// NewRegistry returns a Registry with options o. It does not contact the
// registry.
func NewRegistry(o RegistryOptions) (*Registry, error) {
	if len(o.URLs) == 0 {
		return nil, errors.New("schema registry: no URL given: set schema.registry.url")
	}
	if o.RetryFor <= 0 {
		o.RetryFor = DefaultRegistryRetry
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 100 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 10 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	opts := []sr.ClientOpt{sr.URLs(o.URLs...), sr.UserAgent("sluice")}
	if o.User != "" {
		opts = append(opts, sr.BasicAuth(o.User, o.Password))
	}
	if o.HTTPClient != nil {
		opts = append(opts, sr.HTTPClient(o.HTTPClient))
	}
	cl, err := sr.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("schema registry client: %w", err)
	}
	return &Registry{o: o, cl: cl, ids: make(map[subjectSchema]int)}, nil
}

// Client returns the registry client, for reading schemas back.
func (r *Registry) Client() *sr.Client { return r.cl }

// Register returns the id of Avro schema text under subject, registering it
// on first use (POST /subjects/{subject}/versions, which answers an already
// registered schema with its id and registers a changed one as the
// subject's next version).
//
// A registry that cannot be reached, or answers 408, 429 or 5xx, is retried
// with exponential backoff (MinBackoff doubling up to MaxBackoff) for up to
// RetryFor, or until Stop is closed; then Register returns a retryable
// *RegistryError wrapping ErrRegistryUnavailable. A refusal returns a
// terminal *RegistryError at once: ErrIncompatibleSchema for 409, else
// ErrSchemaRejected. Register never returns an id the registry did not give.
func (r *Registry) Register(subject, text string) (int, error) {
	k := subjectSchema{subject, text}
	r.mu.Lock()
	id, ok := r.ids[k]
	r.mu.Unlock()
	if ok {
		return id, nil
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if r.o.Stop != nil {
		go func() {
			select {
			case <-r.o.Stop:
				cancel()
			case <-ctx.Done():
			}
		}()
	}

	deadline := time.Now().Add(r.o.RetryFor)
	backoff := r.o.MinBackoff
	for attempt := 1; ; attempt++ {
		id, err := r.cl.RegisterSchema(ctx, subject, sr.Schema{Schema: text, Type: sr.TypeAvro}, -1, -1)
		if err == nil {
			if id <= 0 {
				return 0, &RegistryError{Subject: subject, URL: r.o.URLs[0], kind: ErrSchemaRejected,
					Err: fmt.Errorf("the registry answered with schema id %d", id)}
			}
			r.mu.Lock()
			if len(r.ids) >= maxCachedIDs {
				clear(r.ids)
			}
			r.ids[k] = id
			r.mu.Unlock()
			return id, nil
		}
		rerr := r.classify(subject, err)
		if alreadyExists(err) {
			// Apicurio answers 409 "already exists" when another
			// registration of the subject raced this one, or when a
			// retried request had reached it: the schema may be there,
			// so look it up, and else try again.
			if ss, lerr := r.cl.LookupSchema(ctx, subject, sr.Schema{Schema: text, Type: sr.TypeAvro}); lerr == nil && ss.ID > 0 {
				r.mu.Lock()
				if len(r.ids) >= maxCachedIDs {
					clear(r.ids)
				}
				r.ids[k] = ss.ID
				r.mu.Unlock()
				return ss.ID, nil
			}
			rerr.kind = ErrRegistryUnavailable
		}
		if !rerr.Retryable() {
			return 0, rerr
		}
		if ctx.Err() != nil {
			rerr.Err = fmt.Errorf("stopped while retrying: %w", rerr.Err)
			return 0, rerr
		}
		if time.Now().Add(backoff).After(deadline) {
			rerr.Err = fmt.Errorf("gave up after %d attempts in %s: %w", attempt, r.o.RetryFor, rerr.Err)
			return 0, rerr
		}
		r.o.Log.Warn("schema registry unavailable; retrying", "subject", subject, "attempt", attempt, "backoff", backoff, "err", err)
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			rerr.Err = fmt.Errorf("stopped while retrying: %w", rerr.Err)
			return 0, rerr
		}
		backoff = min(2*backoff, r.o.MaxBackoff)
	}
}

// alreadyExists reports whether err is a 409 that says the subject or
// schema already exists (Apicurio's answer to a registration that raced
// another), not an incompatible schema.
func alreadyExists(err error) bool {
	var re *sr.ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusConflict &&
		strings.Contains(strings.ToLower(re.Message+" "+string(re.Raw)), "already exists")
}

// classify turns a registration failure into a RegistryError that says
// whether it is worth retrying.
func (r *Registry) classify(subject string, err error) *RegistryError {
	e := &RegistryError{Subject: subject, URL: r.o.URLs[0], Err: err, kind: ErrRegistryUnavailable}
	var re *sr.ResponseError
	if errors.As(err, &re) {
		e.Status = re.StatusCode
		switch {
		case re.StatusCode == http.StatusConflict:
			e.kind = ErrIncompatibleSchema
		case re.StatusCode == http.StatusRequestTimeout, re.StatusCode == http.StatusTooManyRequests, re.StatusCode >= 500:
		default:
			e.kind = ErrSchemaRejected
		}
		return e
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	if errors.As(err, &se) || errors.As(err, &te) {
		// A 2xx answer that is not the registry's JSON: the URL points at
		// some other HTTP server.
		e.kind = ErrSchemaRejected
	}
	return e
}

// RegistryError is a failed schema registration. It wraps its kind
// (ErrRegistryUnavailable, ErrIncompatibleSchema or ErrSchemaRejected) and
// the cause, and says through Retryable whether restarting can help.
type RegistryError struct {
	Subject string // the subject the schema was registered under
	URL     string // the registry's first URL
	Status  int    // the registry's HTTP status; 0 when it did not answer
	Err     error  // the cause, often an *sr.ResponseError
	kind    error
}

// Retryable reports whether the registration may succeed later: true for
// ErrRegistryUnavailable.
func (e *RegistryError) Retryable() bool { return e.kind == ErrRegistryUnavailable }

// Unwrap returns the error's kind and its cause.
func (e *RegistryError) Unwrap() []error { return []error{e.kind, e.Err} }

// Error says what failed, the registry's message, and what to do.
func (e *RegistryError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "register schema for subject %q", e.Subject)
	switch e.kind {
	case ErrIncompatibleSchema:
		fmt.Fprintf(&b, ": the schema registry rejected it as incompatible with the subject's earlier versions (HTTP %d): %v; "+
			"revert the column change, or relax the subject's compatibility level (PUT /config/%s), then restart the connector",
			e.Status, e.Err, e.Subject)
	case ErrSchemaRejected:
		fmt.Fprintf(&b, ": the schema registry at %s refused it", e.URL)
		if e.Status != 0 {
			fmt.Fprintf(&b, " (HTTP %d)", e.Status)
		}
		fmt.Fprintf(&b, ": %v", e.Err)
		switch e.Status {
		case http.StatusUnauthorized, http.StatusForbidden:
			b.WriteString("; check basic.auth.user.info")
		case http.StatusNotFound, 0:
			b.WriteString("; check schema.registry.url: it must be the base of a Confluent-compatible API (for Apicurio, http://host:port/apis/ccompat/v7)")
		}
	default:
		fmt.Fprintf(&b, ": %v at %s: %v; the connector restarts from its last checkpoint", ErrRegistryUnavailable, e.URL, e.Err)
	}
	return b.String()
}
