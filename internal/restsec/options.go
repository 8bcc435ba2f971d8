package restsec

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"sort"
	"strings"
)

// Options secure the REST listener. The zero value is plain HTTP without
// authentication.
type Options struct {
	// CertFile and KeyFile are the listener's certificate chain and private
	// key, PEM (one file may hold both). Either turns TLS on; KeyFile
	// defaults to CertFile.
	CertFile, KeyFile string
	// CertPEM and KeyPEM are the same, inline (a worker config's
	// ssl.keystore.certificate.chain and ssl.keystore.key).
	CertPEM, KeyPEM []byte
	// ClientCAFile holds the PEM certificates that sign accepted client
	// certificates (mutual TLS); ClientCAPEM the same inline.
	ClientCAFile string
	ClientCAPEM  []byte
	// ClientAuth is none, requested or required (Kafka Connect's
	// ssl.client.auth); "" means required with a client CA, else none.
	ClientAuth string
	// BasicAuthFile is a JAAS config naming Kafka Connect's
	// PropertyFileLoginModule, or its credentials file (see LoadBasicAuth).
	BasicAuthFile string
	// TokensFile holds accepted bearer tokens, one a line.
	TokensFile string
	// OpenPaths are served without credentials (some of OpenablePaths).
	OpenPaths []string
}

// TLS reports whether the listener serves HTTPS.
func (o Options) TLS() bool {
	return o.CertFile != "" || o.KeyFile != "" || len(o.CertPEM) > 0
}

// TLSConfig returns the listener's TLS config, nil when o.TLS() is false.
func (o Options) TLSConfig() (*tls.Config, error) {
	if !o.TLS() {
		if o.ClientCAFile != "" || len(o.ClientCAPEM) > 0 {
			return nil, errors.New("a REST client CA needs TLS: set --rest-tls-cert and --rest-tls-key (or listeners=https://… in the worker config)")
		}
		return nil, nil
	}
	certPEM, keyPEM := o.CertPEM, o.KeyPEM
	var err error
	if o.CertFile != "" {
		if certPEM, err = os.ReadFile(o.CertFile); err != nil {
			return nil, fmt.Errorf("REST TLS certificate: %w", err)
		}
	}
	keyFile := o.KeyFile
	if keyFile == "" && len(keyPEM) == 0 {
		keyFile = o.CertFile
	}
	if keyFile != "" {
		if keyPEM, err = os.ReadFile(keyFile); err != nil {
			return nil, fmt.Errorf("REST TLS key: %w", err)
		}
	}
	if len(certPEM) == 0 {
		return nil, errors.New("REST TLS: a key without a certificate: set --rest-tls-cert")
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("REST TLS certificate and key (PEM, unencrypted key): %w", err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	caPEM := o.ClientCAPEM
	if o.ClientCAFile != "" {
		if caPEM, err = os.ReadFile(o.ClientCAFile); err != nil {
			return nil, fmt.Errorf("REST TLS client CA: %w", err)
		}
	}
	mode := strings.ToLower(strings.TrimSpace(o.ClientAuth))
	if mode == "" {
		mode = "none"
		if len(caPEM) > 0 {
			mode = "required"
		}
	}
	var pool *x509.CertPool
	if len(caPEM) > 0 {
		pool = x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caPEM) {
			return nil, errors.New("REST TLS client CA holds no PEM certificate")
		}
	}
	switch mode {
	case "none":
		cfg.ClientAuth = tls.NoClientCert
	case "requested", "required":
		if pool == nil {
			return nil, fmt.Errorf("REST TLS client auth %s needs the CAs of the client certificates: set --rest-tls-client-ca", mode)
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
		if mode == "requested" {
			cfg.ClientAuth = tls.VerifyClientCertIfGiven
		}
	default:
		return nil, fmt.Errorf("REST TLS client auth %q: use none, requested or required", o.ClientAuth)
	}
	return cfg, nil
}

// Worker is what a Kafka Connect worker config says about the REST
// listener.
type Worker struct {
	// Listen is the host:port to listen on ("" when the config has no
	// listeners), served with TLS when HTTPS.
	Listen string
	HTTPS  bool
	// AdvertisedHost and AdvertisedPort (rest.advertised.host.name and
	// rest.advertised.port) name this worker in status bodies; "" and 0
	// when unset. AdvertisedListener is rest.advertised.listener.
	AdvertisedHost     string
	AdvertisedPort     int
	AdvertisedListener string
	Options            Options
}

// BasicAuthExtension is Kafka Connect's HTTP Basic REST extension.
const BasicAuthExtension = "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension"

// unsupportedSSL are listener SSL keys sluice does not honour (Go's TLS
// defaults apply).
var unsupportedSSL = []string{
	"ssl.protocol", "ssl.enabled.protocols", "ssl.cipher.suites", "ssl.provider",
	"ssl.keymanager.algorithm", "ssl.trustmanager.algorithm", "ssl.secure.random.implementation",
	"ssl.endpoint.identification.algorithm", "ssl.engine.factory.class",
}

// FromWorker maps a Kafka Connect worker config's REST keys: listeners
// (one http:// or https:// URL), listeners.https.ssl.keystore.* and
// truststore.* (JKS, PKCS12 or PEM, read now; falling back to the
// unprefixed ssl.* keys, as Kafka Connect does), listeners.https.ssl.client.auth, rest.advertised.*, and
// rest.extension.classes (BasicAuthSecurityRestExtension, whose JAAS file
// Kafka Connect takes from -Djava.security.auth.login.config: pass
// jaasConfig, for example from KAFKA_OPTS, or set BasicAuthFile after).
// Keys it cannot honour are errors naming them.
func FromWorker(props map[string]string, jaasConfig string) (Worker, error) {
	var w Worker
	var errs []error
	if l := strings.TrimSpace(props["listeners"]); l != "" {
		urls := strings.Split(l, ",")
		if len(urls) > 1 {
			errs = append(errs, fmt.Errorf("listeners %q: sluice serves one REST listener; keep one URL", l))
		}
		u, err := url.Parse(strings.TrimSpace(urls[0]))
		switch {
		case err != nil || u.Host == "":
			errs = append(errs, fmt.Errorf("listeners %q: write a URL such as https://127.0.0.1:8443", urls[0]))
		case u.Scheme != "http" && u.Scheme != "https":
			errs = append(errs, fmt.Errorf("listeners %q: the scheme is http or https", urls[0]))
		default:
			w.HTTPS = u.Scheme == "https"
			host := u.Hostname()
			port := u.Port()
			if port == "" {
				port = "8083"
			}
			w.Listen = net.JoinHostPort(host, port)
		}
	}
	ssl := func(k string) (string, bool) {
		if v, ok := props["listeners.https."+k]; ok {
			return v, true
		}
		v, ok := props[k]
		return v, ok
	}
	if w.HTTPS {
		typ, _ := ssl("ssl.keystore.type")
		loc, hasLoc := ssl("ssl.keystore.location")
		chain, hasChain := ssl("ssl.keystore.certificate.chain")
		key, _ := ssl("ssl.keystore.key")
		storePass, _ := ssl("ssl.keystore.password")
		keyPass, _ := ssl("ssl.key.password")
		isPEM := strings.EqualFold(strings.TrimSpace(typ), "PEM")
		switch {
		case hasChain:
			w.Options.CertPEM, w.Options.KeyPEM = []byte(chain), []byte(key)
			if keyPass != "" {
				errs = append(errs, errors.New("listeners.https.ssl.key.password: sluice reads an unencrypted PEM key; decrypt it (openssl pkey -in key.pem -out key-plain.pem)"))
			}
		case !hasLoc:
			errs = append(errs, errors.New("listeners is https but no listeners.https.ssl.keystore.location names the certificate and key"))
		case isPEM:
			w.Options.CertFile, w.Options.KeyFile = loc, loc
			if keyPass != "" {
				errs = append(errs, errors.New("listeners.https.ssl.key.password: sluice reads an unencrypted PEM key; decrypt it (openssl pkey -in key.pem -out key-plain.pem)"))
			}
		default:
			c, k, err := LoadKeystore(loc, typ, storePass, keyPass)
			if err != nil {
				errs = append(errs, fmt.Errorf("listeners.https.ssl.keystore.location: %w", err))
			}
			w.Options.CertPEM, w.Options.KeyPEM = c, k
		}
		if ca, ok := ssl("ssl.truststore.certificates"); ok {
			w.Options.ClientCAPEM = []byte(ca)
		} else if loc, ok := ssl("ssl.truststore.location"); ok {
			typ, _ := ssl("ssl.truststore.type")
			if strings.EqualFold(strings.TrimSpace(typ), "PEM") {
				w.Options.ClientCAFile = loc
			} else {
				pass, _ := ssl("ssl.truststore.password")
				ca, err := LoadTruststore(loc, typ, pass)
				if err != nil {
					errs = append(errs, fmt.Errorf("listeners.https.ssl.truststore.location: %w", err))
				}
				w.Options.ClientCAPEM = ca
			}
		}
		if v, ok := ssl("ssl.client.auth"); ok {
			w.Options.ClientAuth = strings.ToLower(strings.TrimSpace(v))
			if w.Options.ClientAuth == "none" {
				w.Options.ClientCAFile, w.Options.ClientCAPEM = "", nil
			}
		} else {
			// Kafka Connect's default: no client certificates.
			w.Options.ClientAuth = "none"
			w.Options.ClientCAFile, w.Options.ClientCAPEM = "", nil
		}
		var bad []string
		for _, k := range unsupportedSSL {
			if _, ok := props["listeners.https."+k]; ok {
				bad = append(bad, "listeners.https."+k)
			}
		}
		sort.Strings(bad)
		if len(bad) > 0 {
			errs = append(errs, fmt.Errorf("%s: sluice's REST listener uses Go's TLS defaults (TLS 1.2+); remove them", strings.Join(bad, ", ")))
		}
	}
	w.AdvertisedHost = strings.TrimSpace(props["rest.advertised.host.name"])
	if p := strings.TrimSpace(props["rest.advertised.port"]); p != "" {
		if _, err := fmt.Sscanf(p, "%d", &w.AdvertisedPort); err != nil || w.AdvertisedPort <= 0 || w.AdvertisedPort > 65535 {
			errs = append(errs, fmt.Errorf("rest.advertised.port %q is not a port", p))
		}
	}
	w.AdvertisedListener = strings.ToLower(strings.TrimSpace(props["rest.advertised.listener"]))
	if l := w.AdvertisedListener; l != "" && l != "http" && l != "https" {
		errs = append(errs, fmt.Errorf("rest.advertised.listener %q: use http or https", l))
	}
	for _, c := range strings.Split(props["rest.extension.classes"], ",") {
		switch c = strings.TrimSpace(c); c {
		case "":
		case BasicAuthExtension:
			if jaasConfig == "" {
				errs = append(errs, errors.New("rest.extension.classes names BasicAuthSecurityRestExtension but no JAAS config is given: "+
					"set --rest-basic-auth-file (or -Djava.security.auth.login.config in KAFKA_OPTS)"))
			}
			w.Options.BasicAuthFile = jaasConfig
		default:
			errs = append(errs, fmt.Errorf("rest.extension.classes: sluice has no REST extension %s (only %s)", c, BasicAuthExtension))
		}
	}
	return w, errors.Join(errs...)
}

// JAASFromKafkaOpts returns the -Djava.security.auth.login.config path of a
// KAFKA_OPTS value, "" when none.
func JAASFromKafkaOpts(opts string) string {
	for _, f := range strings.Fields(opts) {
		if v, ok := strings.CutPrefix(f, "-Djava.security.auth.login.config="); ok {
			return strings.Trim(v, `"'`)
		}
	}
	return ""
}
