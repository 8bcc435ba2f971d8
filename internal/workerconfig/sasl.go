package workerconfig

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/oauth"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// saslMechanism builds the SASL mechanism from sasl.mechanism and
// sasl.jaas.config of one client's keys.
func saslMechanism(p map[string]string) (sasl.Mechanism, error) {
	mech := strings.ToUpper(strings.TrimSpace(p["sasl.mechanism"]))
	if mech == "" {
		mech = "GSSAPI" // Kafka's default
	}
	want := map[string]string{
		"PLAIN": plainModule, "SCRAM-SHA-256": scramModule, "SCRAM-SHA-512": scramModule, "OAUTHBEARER": oauthModule,
	}[mech]
	if want == "" {
		return nil, fmt.Errorf("sasl.mechanism=%s is not supported: use PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER", mech)
	}
	raw := strings.TrimSpace(p["sasl.jaas.config"])
	if raw == "" {
		return nil, fmt.Errorf("sasl.mechanism=%s needs sasl.jaas.config: %s required %s;", mech, want, jaasHint(mech))
	}
	j, err := ParseJAAS(raw)
	if err != nil {
		return nil, err
	}
	if j.Module != want {
		return nil, fmt.Errorf("sasl.jaas.config names %s but sasl.mechanism=%s takes %s", j.Module, mech, want)
	}
	need := func(keys ...string) error {
		var missing []string
		for _, k := range keys {
			if j.Options[k] == "" {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("sasl.jaas.config for %s has no %s: write %s required %s;", mech, strings.Join(missing, ", "), want, jaasHint(mech))
		}
		return nil
	}
	switch mech {
	case "PLAIN":
		if err := need("username", "password"); err != nil {
			return nil, err
		}
		return plain.Auth{User: j.Options["username"], Pass: j.Options["password"]}.AsMechanism(), nil
	case "SCRAM-SHA-256", "SCRAM-SHA-512":
		if err := need("username", "password"); err != nil {
			return nil, err
		}
		a := scram.Auth{User: j.Options["username"], Pass: j.Options["password"]}
		if mech == "SCRAM-SHA-256" {
			return a.AsSha256Mechanism(), nil
		}
		return a.AsSha512Mechanism(), nil
	default: // OAUTHBEARER
		src, err := newTokenSource(p, j)
		if err != nil {
			return nil, err
		}
		return oauth.Oauth(src.auth), nil
	}
}

func jaasHint(mech string) string {
	if mech == "OAUTHBEARER" {
		return `clientId="..." clientSecret="..." scope="..."`
	}
	return `username="..." password="..."`
}

// tokenSource fetches OAuth access tokens with the client-credentials grant
// from sasl.oauthbearer.token.endpoint.url, as Kafka's
// OAuthBearerLoginCallbackHandler does, and keeps one until shortly before
// it expires.
type tokenSource struct {
	endpoint, clientID, secret, scope string
	extensions                        map[string]string
	client                            *http.Client

	mu      sync.Mutex
	token   string
	expires time.Time
}

func newTokenSource(p map[string]string, j JAAS) (*tokenSource, error) {
	ep := strings.TrimSpace(p["sasl.oauthbearer.token.endpoint.url"])
	if ep == "" {
		return nil, errors.New("sasl.mechanism=OAUTHBEARER needs sasl.oauthbearer.token.endpoint.url (the identity provider's token endpoint; sluice fetches tokens with the client-credentials grant)")
	}
	u, err := url.Parse(ep)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("sasl.oauthbearer.token.endpoint.url=%s: use an http(s) URL (a file: token is not supported)", ep)
	}
	// Kafka 4.1's keys, or the JAAS options users write.
	first := func(a, b string) string {
		if v := strings.TrimSpace(p[a]); v != "" {
			return v
		}
		return j.Options[b]
	}
	s := &tokenSource{
		endpoint: ep,
		clientID: first("sasl.oauthbearer.client.credentials.client.id", "clientId"),
		secret:   first("sasl.oauthbearer.client.credentials.client.secret", "clientSecret"),
		scope:    first("sasl.oauthbearer.scope", "scope"),
		client:   &http.Client{Timeout: 30 * time.Second},
	}
	if s.clientID == "" || s.secret == "" {
		return nil, errors.New(`OAUTHBEARER needs client credentials: write them in sasl.jaas.config: ` + oauthModule + ` required clientId="..." clientSecret="..." scope="...";`)
	}
	for k, v := range j.Options {
		if rest, ok := strings.CutPrefix(k, "extension_"); ok {
			if s.extensions == nil {
				s.extensions = map[string]string{}
			}
			s.extensions[rest] = v
		}
	}
	return s, nil
}

func (s *tokenSource) auth(ctx context.Context) (oauth.Auth, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token == "" || time.Now().After(s.expires) {
		if err := s.fetch(ctx); err != nil {
			return oauth.Auth{}, err
		}
	}
	return oauth.Auth{Token: s.token, Extensions: s.extensions}, nil
}

func (s *tokenSource) fetch(ctx context.Context) error {
	form := url.Values{"grant_type": {"client_credentials"}}
	if s.scope != "" {
		form.Set("scope", s.scope)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(url.QueryEscape(s.clientID), url.QueryEscape(s.secret))
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("OAuth token endpoint %s: %w", s.endpoint, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("OAuth token endpoint %s answered %s: check clientId/clientSecret/scope in sasl.jaas.config", s.endpoint, resp.Status)
	}
	var t struct {
		AccessToken string  `json:"access_token"`
		ExpiresIn   float64 `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &t); err != nil || t.AccessToken == "" {
		return fmt.Errorf("OAuth token endpoint %s: the answer has no access_token", s.endpoint)
	}
	life := time.Duration(t.ExpiresIn * float64(time.Second))
	if life <= 0 {
		life = time.Hour
	}
	s.token = t.AccessToken
	// Renew at 80% of the lifetime, as Kafka's sasl.login.refresh.window.factor.
	s.expires = time.Now().Add(life * 8 / 10)
	return nil
}
