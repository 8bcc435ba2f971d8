package restsec

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/sluicecdc/sluice/internal/configprovider"
)

// OpenablePaths are the paths Options.OpenPaths may serve without
// credentials: probes and metrics scrapers, which carry none.
var OpenablePaths = []string{"/healthz", "/readyz", "/health", "/metrics"}

// Realm is the realm of the WWW-Authenticate challenges.
const Realm = "sluice"

// Authenticator checks a request's credentials.
type Authenticator struct {
	users  map[string][32]byte // user -> SHA-256 of the password
	tokens [][32]byte          // SHA-256 of each token
	open   []string
	log    *slog.Logger
}

// Enabled reports whether a request needs credentials.
func (a *Authenticator) Enabled() bool {
	return a != nil && (a.users != nil || a.tokens != nil)
}

// NewAuthenticator loads the credentials o names. With none, the
// authenticator lets every request through.
func NewAuthenticator(o Options, log *slog.Logger) (*Authenticator, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &Authenticator{log: log}
	var errs []error
	for _, p := range o.OpenPaths {
		if !slices.Contains(OpenablePaths, p) {
			errs = append(errs, fmt.Errorf("REST open path %q: only %s may be left open", p, strings.Join(OpenablePaths, ", ")))
		}
	}
	a.open = o.OpenPaths
	if o.BasicAuthFile != "" {
		users, err := LoadBasicAuth(o.BasicAuthFile)
		if err != nil {
			errs = append(errs, err)
		}
		a.users = map[string][32]byte{}
		for u, p := range users {
			a.users[u] = sha256.Sum256([]byte(p))
		}
	}
	if o.TokensFile != "" {
		toks, err := LoadTokens(o.TokensFile)
		if err != nil {
			errs = append(errs, err)
		}
		a.tokens = [][32]byte{}
		for _, t := range toks {
			a.tokens = append(a.tokens, sha256.Sum256([]byte(t)))
		}
	}
	return a, errors.Join(errs...)
}

// jaasModule finds the PropertyFileLoginModule's file option in a JAAS
// config.
var jaasModule = regexp.MustCompile(`(?s)org\.apache\.kafka\.connect\.rest\.basic\.auth\.extension\.PropertyFileLoginModule\s+(?:required|requisite|sufficient|optional)(.*?);`)
var jaasFile = regexp.MustCompile(`\bfile\s*=\s*"([^"]*)"`)

// LoadBasicAuth reads the users and passwords of HTTP Basic: path is either
// a JAAS config whose KafkaConnect entry names
// org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule
// with file="…" (what Kafka Connect's BasicAuthSecurityRestExtension reads
// from -Djava.security.auth.login.config), or that credentials file itself:
// a properties file of "user: password" lines.
func LoadBasicAuth(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("REST basic auth file: %w", err)
	}
	text := string(b)
	creds := path
	if strings.Contains(text, "{") && strings.Contains(text, "LoginModule") {
		m := jaasModule.FindStringSubmatch(text)
		if m == nil {
			return nil, fmt.Errorf("REST basic auth file %s is a JAAS config without an "+
				"org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule entry: add one with file=\"/path/to/credentials.properties\"", path)
		}
		f := jaasFile.FindStringSubmatch(m[1])
		if f == nil {
			return nil, fmt.Errorf("REST basic auth file %s: the PropertyFileLoginModule entry has no file=\"…\" option naming the credentials file", path)
		}
		creds = f[1]
		if b, err = os.ReadFile(creds); err != nil {
			return nil, fmt.Errorf("REST credentials file named in %s: %w", path, err)
		}
	}
	users := configprovider.ParseProperties(string(b))
	if len(users) == 0 {
		// Kafka Connect's PropertyFileLoginModule lets anyone in when the
		// file has no user; sluice refuses to start instead.
		return nil, fmt.Errorf("REST credentials file %s has no user: add \"user: password\" lines", creds)
	}
	return users, nil
}

// LoadTokens reads a tokens file: one bearer token a line; blank lines and
// lines starting with '#' are skipped.
func LoadTokens(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("REST tokens file: %w", err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		out = append(out, l)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("REST tokens file %s has no token: write one token a line", path)
	}
	return out, nil
}

// Check reports whether r carries valid credentials, and the user (or
// "token") it authenticated.
func (a *Authenticator) Check(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, cred, _ := strings.Cut(h, " ")
	cred = strings.TrimSpace(cred)
	switch {
	case strings.EqualFold(scheme, "Basic") && a.users != nil:
		raw, err := base64.StdEncoding.DecodeString(cred)
		if err != nil {
			return "", false
		}
		user, pass, ok := strings.Cut(string(raw), ":")
		if !ok {
			return "", false
		}
		want, known := a.users[user]
		got := sha256.Sum256([]byte(pass))
		if subtle.ConstantTimeCompare(got[:], want[:]) == 1 && known {
			return user, true
		}
		return user, false
	case strings.EqualFold(scheme, "Bearer") && a.tokens != nil:
		got := sha256.Sum256([]byte(cred))
		ok := 0
		for _, t := range a.tokens {
			ok |= subtle.ConstantTimeCompare(got[:], t[:])
		}
		return "token", ok == 1
	}
	return "", false
}

// Wrap returns next behind the authenticator: a request without valid
// credentials gets 401, Kafka Connect's error body and a WWW-Authenticate
// challenge for each scheme configured.
func (a *Authenticator) Wrap(next http.Handler) http.Handler {
	if !a.Enabled() {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if slices.Contains(a.open, strings.TrimSuffix(r.URL.Path, "/")) || slices.Contains(a.open, r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		who, ok := a.Check(r)
		if ok {
			next.ServeHTTP(w, r)
			return
		}
		given := r.Header.Get("Authorization") != ""
		a.log.Warn("REST request refused: missing or wrong credentials",
			"method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr, "user", who, "credentials_given", given)
		if a.users != nil {
			w.Header().Add("WWW-Authenticate", `Basic realm="`+Realm+`", charset="UTF-8"`)
		}
		if a.tokens != nil {
			c := `Bearer realm="` + Realm + `"`
			if given && strings.HasPrefix(strings.ToLower(r.Header.Get("Authorization")), "bearer ") {
				c += `, error="invalid_token"`
			}
			w.Header().Add("WWW-Authenticate", c)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error_code":401,"message":"User cannot access the resource."}`))
	})
}
