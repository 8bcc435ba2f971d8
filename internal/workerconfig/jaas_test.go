package workerconfig

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseJAAS(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want JAAS
	}{
		{`org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p";`,
			JAAS{scramModule, "required", map[string]string{"username": "u", "password": "p"}}},
		{"org.apache.kafka.common.security.plain.PlainLoginModule   required\n  username=alice\n  password=\"p w\\\"x;=\";",
			JAAS{plainModule, "required", map[string]string{"username": "alice", "password": `p w"x;=`}}},
		{`org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="id" clientSecret="s" scope="a b" ;`,
			JAAS{oauthModule, "required", map[string]string{"clientId": "id", "clientSecret": "s", "scope": "a b"}}},
	} {
		got, err := ParseJAAS(tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestParseJAASErrors(t *testing.T) {
	for in, want := range map[string]string{
		`org.x.Module required username="u"`:              "must end with a semicolon",
		`org.x.Module mandatory username="u";`:            `control flag "mandatory"`,
		`org.x.Module required username="u;`:              "no closing double quote",
		`org.x.Module required username;`:                 `expected key="value"`,
		`org.x.A required a="1"; org.x.B required b="2";`: "exactly one",
		``: "write `<LoginModule class>",
	} {
		_, err := ParseJAAS(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want it to say %q", in, err, want)
		}
	}
}
