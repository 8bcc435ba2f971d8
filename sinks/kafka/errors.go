package kafka

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
)

// terminal is an error the runtime must not retry.
type terminal struct{ error }

// Retryable reports false: restarting would fence the other instance in turn.
func (terminal) Retryable() bool { return false }

func (t terminal) Unwrap() error { return t.error }

// ErrFenced means another instance of the same connector started a producer
// with the same transactional.id: this instance must stop. It is terminal.
var ErrFenced error = terminal{errors.New("fenced: another sluice instance is running this connector (same transactional.id); stop one of them")}

// AuthError is a request Kafka refused for the credentials or the ACLs of
// sluice's principal. It is terminal: retrying with the same settings
// cannot succeed, so the connector fails at once with the fix.
type AuthError struct{ Err error }

func (e *AuthError) Error() string {
	return e.Err.Error() + ": Kafka refused sluice's principal: check the daemon's Kafka credentials (SASL/TLS settings), " +
		"and that its ACLs allow WRITE and DESCRIBE on the connector's transactional id (sluice-<connector>), " +
		"CREATE, WRITE and DESCRIBE on its topics and the offsets topic, and IDEMPOTENT_WRITE on the cluster"
}

// Unwrap returns the client's error.
func (e *AuthError) Unwrap() error { return e.Err }

// Retryable reports false.
func (e *AuthError) Retryable() bool { return false }

// authErrors are the broker answers that say the principal may not do what
// it asked.
var authErrors = []error{
	kerr.SaslAuthenticationFailed, kerr.UnsupportedSaslMechanism,
	kerr.TopicAuthorizationFailed, kerr.ClusterAuthorizationFailed,
	kerr.TransactionalIDAuthorizationFailed, kerr.GroupAuthorizationFailed,
}

// classify marks a refused authentication or authorization as a terminal
// *AuthError, and a record too large to send as terminal; other errors are
// returned as they are (the runtime retries them).
func classify(err error) error {
	var t terminal
	if errors.As(err, &t) {
		return err
	}
	if isCertError(err) {
		return &TLSError{Err: err}
	}
	if errors.Is(err, kerr.MessageTooLarge) || errors.Is(err, kerr.RecordListTooLarge) {
		// Kafka Connect fails the task too (RecordTooLargeException).
		return terminal{fmt.Errorf("%w: a record is larger than Kafka accepts (the topic's max.message.bytes, "+
			"the broker's message.max.bytes, or sluice's 256 KiB batch): raise the topic's max.message.bytes, "+
			"or leave the large column out (column.exclude.list) or truncate it (column.truncate.to.N.chars)", err)}
	}
	for _, k := range authErrors {
		if errors.Is(err, k) {
			return &AuthError{Err: err}
		}
	}
	return err
}

// TLSError is a broker certificate that sluice's TLS settings refuse (an
// unknown CA, a host name the certificate does not name, an expired
// certificate). It is terminal: the same settings cannot succeed.
type TLSError struct{ Err error }

func (e *TLSError) Error() string {
	if isClientCertAlert(e.Err) {
		return e.Err.Error() + ": the Kafka broker refused sluice's TLS client certificate (or got none): set " +
			"ssl.keystore.location (or ssl.keystore.certificate.chain and ssl.keystore.key) in the worker config to a " +
			"valid certificate signed by a CA the broker trusts"
	}
	return e.Err.Error() + ": the Kafka broker's TLS certificate was refused: trust the CA that signed it " +
		"(ssl.truststore.location/ssl.truststore.certificates in the worker config), and connect with a host name the " +
		"certificate names (or set ssl.endpoint.identification.algorithm= empty to skip the host name check)"
}

// Unwrap returns the client's error.
func (e *TLSError) Unwrap() error { return e.Err }

// Retryable reports false.
func (e *TLSError) Retryable() bool { return false }

func isCertError(err error) bool {
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	var cv *tls.CertificateVerificationError
	return errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci) || errors.As(err, &cv) ||
		isClientCertAlert(err)
}

// isClientCertAlert reports a TLS alert with which the broker refused the
// client's certificate (bad, unsupported, revoked, expired or unknown
// certificate, unknown CA, certificate required). crypto/tls returns these
// as a *net.OpError "remote error" around an unexported alert type.
func isClientCertAlert(err error) bool {
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "remote error" || op.Err == nil {
		return false
	}
	msg := op.Err.Error()
	return strings.HasPrefix(msg, "tls: ") && (strings.Contains(msg, "certificate") || strings.Contains(msg, "unknown certificate authority"))
}
