package mysql

import (
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
	// A Java key store is refused with the conversion command.
	jks := filepath.Join(t.TempDir(), "trust.jks")
	_ = os.WriteFile(jks, []byte{0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2}, 0o600)
	if _, err := parse(map[string]string{"database.ssl.mode": "verify_ca", "database.ssl.truststore": jks}, MariaDBClass); err == nil ||
		!strings.Contains(err.Error(), "database.ssl.truststore: ") || !strings.Contains(err.Error(), "keytool -exportcert -rfc") {
		t.Errorf("JKS trust store: %v", err)
	}
	// verify_ca checks the chain against the trust store, not the host name.
	c, err := parse(map[string]string{"database.ssl.mode": "verify_ca", "database.ssl.truststore": caPath}, MariaDBClass)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.TLS.VerifyPeerCertificate(chain, nil); err != nil {
		t.Errorf("verify_ca, certificate of another host name signed by the CA: %v", err)
	}
	c, err = parse(map[string]string{"database.ssl.mode": "verify_ca", "database.ssl.truststore": otherPath}, MariaDBClass)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.TLS.VerifyPeerCertificate(chain, nil); err == nil {
		t.Error("verify_ca accepted a certificate the trust store does not sign")
	}
	// verify_identity leaves verification (chain and host name) to crypto/tls.
	c, err = parse(map[string]string{"database.ssl.mode": "verify_identity", "database.ssl.truststore": caPath}, MariaDBClass)
	if err != nil {
		t.Fatal(err)
	}
	if c.TLS.InsecureSkipVerify || c.TLS.ServerName != "127.0.0.1" || c.TLS.RootCAs == nil || c.TLS.MinVersion != tls.VersionTLS12 {
		t.Errorf("verify_identity: %+v", c.TLS)
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
