package mysql

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"
	"github.com/pavlo-v-chernykh/keystore-go/v4"
	"software.sslmate.com/src/go-pkcs12"
)

func TestGTIDSourceFilter(t *testing.T) {
	for _, tc := range []struct {
		class          string
		key, value     string
		dml            string
		gtid           string
		ignored        bool
		wantSourceText string
	}{
		{MariaDBClass, "gtid.source.includes", "0-1", "", "0-1-17", false, "0-1"},
		{MariaDBClass, "gtid.source.includes", "0-1", "", "0-4242-18", true, "0-4242"},
		{MariaDBClass, "gtid.source.excludes", "0-42.*", "", "0-4242-18", true, "0-4242"},
		{MariaDBClass, "gtid.source.excludes", "0-42.*", "", "7-1-3", false, "7-1"},
		{MariaDBClass, "gtid.source.excludes", "0-42.*", "false", "0-4242-18", false, "0-4242"},
		{MySQLClass, "gtid.source.includes", "3E11FA47-71CA-11E1-9E33-C80AA9429562", "", "3e11fa47-71ca-11e1-9e33-c80aa9429562:23", false, "3e11fa47-71ca-11e1-9e33-c80aa9429562"},
		{MySQLClass, "gtid.source.includes", "3E11FA47-71CA-11E1-9E33-C80AA9429562", "", "aaaaaaaa-71ca-11e1-9e33-c80aa9429562:23", true, "aaaaaaaa-71ca-11e1-9e33-c80aa9429562"},
		{MariaDBClass, "gtid.source.excludes", "0-42.*", "", "", false, ""}, // no GTID: never filtered
	} {
		m := baseConfig()
		m["connector.class"] = tc.class
		m[tc.key] = tc.value
		if tc.dml != "" {
			m["gtid.source.filter.dml.events"] = tc.dml
		}
		c, err := ParseConfig("c", m)
		if err != nil {
			t.Fatal(err)
		}
		if got := gtidSource(tc.gtid, c.MariaDB); got != tc.wantSourceText {
			t.Errorf("gtidSource(%q) = %q, want %q", tc.gtid, got, tc.wantSourceText)
		}
		if got := c.ignoresGTID(tc.gtid); got != tc.ignored {
			t.Errorf("%s=%s (dml %q): ignoresGTID(%q) = %v, want %v", tc.key, tc.value, tc.dml, tc.gtid, got, tc.ignored)
		}
	}
	m := baseConfig()
	m["gtid.source.includes"], m["gtid.source.excludes"] = "0-1", "0-2"
	if _, err := ParseConfig("c", m); err == nil || !strings.Contains(err.Error(), "gtid.source.excludes: cannot be set together") {
		t.Errorf("both lists: %v", err)
	}
	m = baseConfig()
	m["gtid.source.includes"] = "(["
	if _, err := ParseConfig("c", m); err == nil || !strings.Contains(err.Error(), "gtid.source.includes") {
		t.Errorf("bad regex: %v", err)
	}
}

func TestSnapshotLockingModes(t *testing.T) {
	for _, tc := range []struct {
		class, mode, want, errText string
	}{
		{MariaDBClass, "", LockingMinimal, ""},
		{MariaDBClass, "minimal", LockingMinimal, ""},
		{MariaDBClass, "EXTENDED", LockingExtended, ""},
		{MariaDBClass, "none", LockingNone, ""},
		{MariaDBClass, "minimal_percona", "", "unknown value \"minimal_percona\" for the mariadb connector"},
		{MariaDBClass, "custom", "", "cannot load"},
		{MySQLClass, "minimal_percona", "", "Percona Server's backup locks"},
		{MySQLClass, "minimal_percona_no_table_locks", "", "Percona Server's backup locks"},
		{MySQLClass, "extended", LockingExtended, ""},
		{MySQLClass, "shared", "", "use one of minimal, minimal_percona"},
	} {
		m := baseConfig()
		m["connector.class"] = tc.class
		if tc.mode != "" {
			m["snapshot.locking.mode"] = tc.mode
		}
		c, err := ParseConfig("c", m)
		if tc.errText != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errText) || !strings.Contains(err.Error(), "snapshot.locking.mode: ") {
				t.Errorf("%s %q: error %v, want one with %q", tc.class, tc.mode, err, tc.errText)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %q: %v", tc.class, tc.mode, err)
			continue
		}
		if c.SnapshotLocking != tc.want {
			t.Errorf("%s %q: %q, want %q", tc.class, tc.mode, c.SnapshotLocking, tc.want)
		}
	}
}

func TestIncludeQuerySourceField(t *testing.T) {
	c := &Config{TopicPrefix: "p", MariaDB: true}
	si := srcInfo{db: "d", table: "t", file: "f.1", query: "INSERT INTO t VALUES (1)"}
	if got := si.block(c)[16]; got != "INSERT INTO t VALUES (1)" {
		t.Errorf("source.query = %v", got)
	}
	si.query = ""
	if got := si.block(c)[16]; got != nil {
		t.Errorf("source.query without a query = %v, want nil", got)
	}
	m := baseConfig()
	m["include.query"] = "yes"
	if _, err := ParseConfig("c", m); err == nil || !strings.Contains(err.Error(), "include.query") {
		t.Errorf("include.query=yes: %v", err)
	}
}

// testCA writes a CA and a server certificate signed by it (for host
// "db.example") as PEM files and returns their paths and the server's
// certificate chain.
func testCA(t *testing.T) (caPath, otherCAPath string, chain [][]byte) {
	t.Helper()
	dir := t.TempDir()
	mk := func(name string, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, isCA bool) (*x509.Certificate, *ecdsa.PrivateKey, []byte) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: isCA, BasicConstraintsValid: true,
			KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
		if !isCA {
			tmpl.DNSNames = []string{name}
		}
		if parent == nil {
			parent, parentKey = tmpl, key
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
		if err != nil {
			t.Fatal(err)
		}
		cert, _ := x509.ParseCertificate(der)
		return cert, key, der
	}
	ca, caKey, caDER := mk("test ca", nil, nil, true)
	_, _, srvDER := mk("db.example", ca, caKey, false)
	_, _, otherDER := mk("other ca", nil, nil, true)
	write := func(name string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return write("ca.pem", caDER), write("other.pem", otherDER), [][]byte{srvDER}
}

func TestSSLModes(t *testing.T) {
	caPath, otherPath, chain := testCA(t)
	parse := func(mods map[string]string, class string) (Config, error) {
		m := baseConfig()
		m["connector.class"] = class
		m["database.hostname"] = "127.0.0.1"
		for k, v := range mods {
			m[k] = v
		}
		return ParseConfig("c", m)
	}
	// Defaults: MariaDB disable, MySQL preferred (Debezium's).
	if c, err := parse(nil, MariaDBClass); err != nil || c.SSLMode != SSLDisabled || c.TLS != nil {
		t.Errorf("MariaDB default: %q %v %v", c.SSLMode, c.TLS, err)
	}
	if c, err := parse(nil, MySQLClass); err != nil || c.SSLMode != SSLPreferred || c.TLS == nil || !c.TLS.InsecureSkipVerify {
		t.Errorf("MySQL default: %q %v", c.SSLMode, err)
	}
	for mode, want := range map[string]string{"disable": SSLDisabled, "trust": SSLRequired, "required": SSLRequired, "VERIFY_IDENTITY": SSLVerifyIdentity} {
		if c, err := parse(map[string]string{"database.ssl.mode": mode}, MariaDBClass); err != nil || c.SSLMode != want {
			t.Errorf("%s: %q %v, want %q", mode, c.SSLMode, err, want)
		}
	}
	if _, err := parse(map[string]string{"database.ssl.mode": "sometimes"}, MariaDBClass); err == nil || !strings.Contains(err.Error(), "database.ssl.mode: unknown value") {
		t.Errorf("bad mode: %v", err)
	}
	// The store files are read when a connection is made: a missing one
	// parses, and the connection's TLS fails, terminal, naming the key.
	missing := filepath.Join(t.TempDir(), "missing.jks")
	c, err := parse(map[string]string{"database.ssl.mode": "verify_ca", "database.ssl.truststore": missing}, MariaDBClass)
	if err != nil {
		t.Fatalf("a missing trust store failed at parse: %v", err)
	}
	if _, err := c.connTLS(); err == nil || !strings.Contains(err.Error(), "database.ssl.truststore: open "+missing) || IsRetryable(err) {
		t.Errorf("missing trust store: %v, want a terminal error naming database.ssl.truststore", err)
	}
	// A password without its store is refused at parse.
	if _, err := parse(map[string]string{"database.ssl.mode": "required", "database.ssl.keystore.password": "x"}, MariaDBClass); err == nil ||
		!strings.Contains(err.Error(), "database.ssl.keystore.password: is set but database.ssl.keystore is not") {
		t.Errorf("keystore password without a keystore: %v", err)
	}
	// verify_ca checks the chain against the trust store, not the host name.
	c, err = parse(map[string]string{"database.ssl.mode": "verify_ca", "database.ssl.truststore": caPath}, MariaDBClass)
	if err != nil {
		t.Fatal(err)
	}
	tc, err := c.connTLS()
	if err != nil {
		t.Fatal(err)
	}
	if err := tc.VerifyPeerCertificate(chain, nil); err != nil {
		t.Errorf("verify_ca, certificate of another host name signed by the CA: %v", err)
	}
	c, err = parse(map[string]string{"database.ssl.mode": "verify_ca", "database.ssl.truststore": otherPath}, MariaDBClass)
	if err != nil {
		t.Fatal(err)
	}
	if tc, err = c.connTLS(); err != nil {
		t.Fatal(err)
	}
	if err := tc.VerifyPeerCertificate(chain, nil); err == nil {
		t.Error("verify_ca accepted a certificate the trust store does not sign")
	}
	// verify_identity leaves verification (chain and host name) to crypto/tls.
	c, err = parse(map[string]string{"database.ssl.mode": "verify_identity", "database.ssl.truststore": caPath}, MariaDBClass)
	if err != nil {
		t.Fatal(err)
	}
	if tc, err = c.connTLS(); err != nil {
		t.Fatal(err)
	}
	if tc.InsecureSkipVerify || tc.ServerName != "127.0.0.1" || tc.RootCAs == nil || tc.MinVersion != tls.VersionTLS12 {
		t.Errorf("verify_identity: %+v", tc)
	}
}

// TestSSLStores: database.ssl.truststore and database.ssl.keystore are read
// as JKS, PKCS12 or PEM, the type taken from the file; each connection
// reads them again (a renewed trust store is taken without a new config);
// a wrong password or a file of no such type is terminal and names the key.
func TestSSLStores(t *testing.T) {
	caPath, otherPath, chain := testCA(t)
	dir := t.TempDir()
	readCert := func(p string) *x509.Certificate {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		blk, _ := pem.Decode(b)
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ca := readCert(caPath)
	p12, err := pkcs12.Modern.EncodeTrustStore([]*x509.Certificate{ca}, "p12-pw")
	if err != nil {
		t.Fatal(err)
	}
	p12Path := filepath.Join(dir, "trust.p12")
	if err := os.WriteFile(p12Path, p12, 0o600); err != nil {
		t.Fatal(err)
	}
	ks := keystore.New()
	if err := ks.SetTrustedCertificateEntry("ca", keystore.TrustedCertificateEntry{CreationTime: time.Now(),
		Certificate: keystore.Certificate{Type: "X509", Content: ca.Raw}}); err != nil {
		t.Fatal(err)
	}
	var jks bytes.Buffer
	if err := ks.Store(&jks, []byte("jks-pw")); err != nil {
		t.Fatal(err)
	}
	jksPath := filepath.Join(dir, "trust.jks")
	if err := os.WriteFile(jksPath, jks.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "garbage")
	_ = os.WriteFile(garbage, []byte("not a store"), 0o600)
	for _, tc := range []struct {
		name, path, password, err string
	}{
		{"pem", caPath, "", ""},
		{"pkcs12", p12Path, "p12-pw", ""},
		{"jks", jksPath, "jks-pw", ""},
		{"pkcs12 wrong password", p12Path, "nope", "database.ssl.truststore " + p12Path + ": wrong password: check database.ssl.truststore.password"},
		{"jks wrong password", jksPath, "nope", "wrong password: check database.ssl.truststore.password"},
		{"no store", garbage, "", "cannot read it as a JKS or PKCS12 store, and it is no PEM file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := baseConfig()
			m["connector.class"] = MariaDBClass
			m["database.hostname"] = "127.0.0.1"
			m["database.ssl.mode"] = "verify_ca"
			m["database.ssl.truststore"] = tc.path
			if tc.password != "" {
				m["database.ssl.truststore.password"] = tc.password
			}
			c, err := ParseConfig("c", m)
			if err != nil {
				t.Fatal(err)
			}
			tlsc, err := c.connTLS()
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || IsRetryable(err) {
					t.Fatalf("err = %v, want a terminal error with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := tlsc.VerifyPeerCertificate(chain, nil); err != nil {
				t.Errorf("the CA of the store does not verify the server: %v", err)
			}
		})
	}
	// required and preferred check the chain against a trust store given
	// (Debezium trusts any certificate only without one).
	for _, mode := range []string{"required", "preferred", "trust"} {
		for path, ok := range map[string]bool{caPath: true, otherPath: false, "": true} {
			m := baseConfig()
			m["connector.class"] = MariaDBClass
			m["database.hostname"] = "127.0.0.1"
			m["database.ssl.mode"] = mode
			if path != "" {
				m["database.ssl.truststore"] = path
			}
			c, err := ParseConfig("c", m)
			if err != nil {
				t.Fatal(err)
			}
			tlsc, err := c.connTLS()
			if err != nil {
				t.Fatal(err)
			}
			verified := tlsc.VerifyPeerCertificate == nil || tlsc.VerifyPeerCertificate(chain, nil) == nil
			if verified != ok || !tlsc.InsecureSkipVerify {
				t.Errorf("%s with trust store %q: accepted %v, want %v (host name never checked)", mode, path, verified, ok)
			}
		}
	}
	// Renewal: the file is read at each connection.
	renewed := filepath.Join(dir, "renewed.pem")
	copyFile := func(from string) {
		b, _ := os.ReadFile(from)
		if err := os.WriteFile(renewed, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	copyFile(otherPath)
	m := baseConfig()
	m["connector.class"] = MariaDBClass
	m["database.hostname"] = "127.0.0.1"
	m["database.ssl.mode"] = "verify_ca"
	m["database.ssl.truststore"] = renewed
	c, err := ParseConfig("c", m)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := c.connTLS()
	copyFile(caPath)
	after, _ := c.connTLS()
	if before.VerifyPeerCertificate(chain, nil) == nil || after.VerifyPeerCertificate(chain, nil) != nil {
		t.Error("the trust store replaced on disk was not read by the next connection")
	}
}

// TestMariaDBGTIDFromBytes: the GTID comes from the event's bytes, not
// from the decoded event that go-mysql's GTID set may have moved forward.
func TestMariaDBGTIDFromBytes(t *testing.T) {
	raw := make([]byte, replication.EventHeaderSize+13)
	binary.LittleEndian.PutUint64(raw[replication.EventHeaderSize:], 41)
	binary.LittleEndian.PutUint32(raw[replication.EventHeaderSize+8:], 7)
	e := &replication.MariadbGTIDEvent{GTID: gomysql.MariadbGTID{DomainID: 7, ServerID: 4242, SequenceNumber: 99}} // moved forward
	ev := &replication.BinlogEvent{RawData: raw, Header: &replication.EventHeader{ServerID: 4242}, Event: e}
	if g := mariadbGTIDOf(ev, e); g != (gomysql.MariadbGTID{DomainID: 7, ServerID: 4242, SequenceNumber: 41}) {
		t.Errorf("GTID %v, want 7-4242-41", g)
	}
	if g := mariadbGTIDOf(&replication.BinlogEvent{Header: &replication.EventHeader{}, Event: e}, e); g != e.GTID {
		t.Errorf("without bytes: %v", g)
	}
}
