package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
)

// apiClient calls the daemon's REST API.
type apiClient struct {
	base  string
	hc    *http.Client
	user  string
	pass  string
	token string
}

// apiError is an error the API answered: Kafka Connect's
// {"error_code": N, "message": "..."} body, or the status line when the body
// is not that.
type apiError struct {
	Status  int
	Message string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%s (HTTP %d)", e.Message, e.Status)
}

// newClient checks the global flags and returns a client for them.
func newClient(g *globalOpts) (*apiClient, error) {
	u, err := url.Parse(g.url)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usageErr("--url %q: give the daemon's address, for example http://127.0.0.1:8083", g.url)
	}
	c := &apiClient{base: strings.TrimRight(g.url, "/"), token: g.token}
	if g.user != "" {
		name, pass, ok := strings.Cut(g.user, ":")
		if !ok || name == "" {
			return nil, usageErr("--user: give name:password")
		}
		c.user, c.pass = name, pass
	}
	if g.user != "" && g.token != "" {
		return nil, usageErr("--user and --token both set: use one")
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if g.cacert != "" || g.insecure {
		cfg := &tls.Config{InsecureSkipVerify: g.insecure} // asked for with --insecure
		if g.cacert != "" {
			pem, err := os.ReadFile(g.cacert)
			if err != nil {
				return nil, usageErr("--cacert: %v", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, usageErr("--cacert %s: no PEM certificate in it", g.cacert)
			}
			cfg.RootCAs = pool
		}
		tr.TLSClientConfig = cfg
	}
	c.hc = &http.Client{Transport: tr, Timeout: g.timeout}
	return c, nil
}

// call sends one request; body is marshalled to JSON unless it is nil or
// []byte. A 2xx answer is decoded into out (when not nil) and its status
// returned. Any other answer is an *apiError (exit 1); no answer at all is
// an exit 3 error.
func (c *apiClient) call(ctx context.Context, method, path string, body, out any) (int, error) {
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return 0, err
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, r)
	if err != nil {
		return 0, usageErr("%s %s: %v", method, path, err)
	}
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	switch {
	case c.token != "":
		req.Header.Set("Authorization", "Bearer "+c.token)
	case c.user != "":
		req.SetBasicAuth(c.user, c.pass)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, &exitError{code: exitUnreachable, err: fmt.Errorf("cannot reach the sluice daemon at %s: %w (is it running? check --url or SLUICE_URL)", c.base, unwrapURLError(err))}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return resp.StatusCode, &exitError{code: exitUnreachable, err: fmt.Errorf("%s %s: reading the answer: %w", method, path, err)}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, &exitError{code: exitAPI, err: decodeAPIError(resp, b)}
	}
	if out != nil && len(bytes.TrimSpace(b)) > 0 {
		switch raw := out.(type) {
		case *json.RawMessage:
			*raw = append((*raw)[:0], b...)
			return resp.StatusCode, nil
		case *bytesOut:
			*raw = append((*raw)[:0], b...)
			return resp.StatusCode, nil
		}
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, &exitError{code: exitAPI, err: fmt.Errorf("%s %s: the answer is not the JSON expected: %w", method, path, err)}
		}
	}
	return resp.StatusCode, nil
}

// get is call for GET.
func (c *apiClient) get(ctx context.Context, path string, out any) error {
	_, err := c.call(ctx, http.MethodGet, path, nil, out)
	return err
}

// decodeAPIError reads Kafka Connect's error body.
func decodeAPIError(resp *http.Response, b []byte) *apiError {
	var e struct {
		Code    int    `json:"error_code"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(b, &e); err == nil && e.Message != "" {
		return &apiError{Status: resp.StatusCode, Message: e.Message}
	}
	msg := strings.TrimSpace(string(b))
	if len(msg) > 500 {
		msg = msg[:500] + "…"
	}
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	return &apiError{Status: resp.StatusCode, Message: msg}
}

// unwrapURLError drops the "Get "http://...":" prefix that repeats the URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// connectorPath is /connectors/{name} with the name escaped.
func connectorPath(name string, rest ...string) string {
	p := "/connectors/" + url.PathEscape(name)
	for _, r := range rest {
		p += "/" + r
	}
	return p
}
