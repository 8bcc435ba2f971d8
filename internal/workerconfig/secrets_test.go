package workerconfig

import (
	"slices"
	"testing"
)

// TestSecrets: every password the file holds, plain or under a client or
// listener prefix, the secret options of sasl.jaas.config (parsed, or
// matched when the JAAS parser refuses it) and what placeholders resolved
// to are secrets; user names, paths and short passwords are not.
func TestSecrets(t *testing.T) {
	text := `bootstrap.servers=10.1.2.3:9094
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="sasl-pw-1";
producer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="id" clientSecret="oauth-secret-2";
consumer.sasl.jaas.config=BrokenModule password="broken-pw-3"
ssl.truststore.location=/etc/kafka/truststore.jks
ssl.truststore.password=trust-pw-4
admin.ssl.keystore.password=key-pw-5
ssl.key.password=k6
listeners.https.ssl.keystore.password=rest-ks-pw-7
sasl.oauthbearer.client.credentials.client.secret=cc-secret-8
config.providers=file
`
	c, err := Parse(text, func(m map[string]string) (map[string]string, []string, error) {
		// Resolved: kept whatever its length, but in a key whose value is shown.
		return m, []string{"r9", "10.1.2.3:9094"}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := c.Secrets()
	want := []string{"broken-pw-3", "cc-secret-8", "key-pw-5", "oauth-secret-2", "r9", "rest-ks-pw-7", "sasl-pw-1", "trust-pw-4"}
	if !slices.Equal(got, want) {
		t.Errorf("Secrets() = %q\nwant %q", got, want)
	}
	for _, notSecret := range []string{"alice", "id", "/etc/kafka/truststore.jks", "10.1.2.3:9094", "k6"} {
		if slices.Contains(got, notSecret) {
			t.Errorf("%q is no secret", notSecret)
		}
	}
}
