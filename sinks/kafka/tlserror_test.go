package kafka

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
)

// TestClassifyCertificateErrors: certificate problems on either side are
// terminal *TLSError with the fix; other network errors are left retryable.
func TestClassifyCertificateErrors(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string // "" = not a TLSError
	}{
		{fmt.Errorf("dial: %w", x509.UnknownAuthorityError{}), "trust the CA that signed it"},
		{fmt.Errorf("dial: %w", x509.HostnameError{Host: "localhost", Certificate: &x509.Certificate{}}), "host name the certificate names"},
		{fmt.Errorf("create topic: %w", &net.OpError{Op: "remote error", Err: errors.New("tls: bad certificate")}), "refused sluice's TLS client certificate"},
		{fmt.Errorf("x: %w", &net.OpError{Op: "remote error", Err: errors.New("tls: certificate required")}), "ssl.keystore.location"},
		{fmt.Errorf("x: %w", &net.OpError{Op: "remote error", Err: errors.New("tls: internal error")}), ""},
		{fmt.Errorf("x: %w", &net.OpError{Op: "dial", Err: errors.New("connection refused")}), ""},
	} {
		got := classify(tc.err)
		var te *TLSError
		if tc.want == "" {
			if errors.As(got, &te) {
				t.Errorf("%v: classified as TLSError", tc.err)
			}
			continue
		}
		if !errors.As(got, &te) || te.Retryable() || !strings.Contains(got.Error(), tc.want) {
			t.Errorf("%v: got %v, want a terminal TLSError saying %q", tc.err, got, tc.want)
		}
	}
}
