package main

import (
	"reflect"
	"testing"

	"github.com/sluicecdc/sluice/internal/asyncapi"
	"github.com/sluicecdc/sluice/internal/workerconfig"
)

// TestKafkaServerSecurity checks the AsyncAPI server the worker file's
// security settings give.
func TestKafkaServerSecurity(t *testing.T) {
	hosts := []string{"k1:9093", "k2:9093"}
	for _, tc := range []struct {
		props map[string]string
		want  asyncapi.Server
	}{
		{nil, asyncapi.Server{Hosts: hosts}},
		{map[string]string{"security.protocol": "PLAINTEXT"}, asyncapi.Server{Hosts: hosts}},
		{map[string]string{"security.protocol": "SSL"}, asyncapi.Server{Hosts: hosts, TLS: true}},
		{map[string]string{"security.protocol": "SSL", "ssl.keystore.location": "/k.p12"}, asyncapi.Server{Hosts: hosts, TLS: true, ClientCert: true}},
		{map[string]string{"security.protocol": "sasl_ssl", "sasl.mechanism": "SCRAM-SHA-512"}, asyncapi.Server{Hosts: hosts, TLS: true, SASLMechanism: "SCRAM-SHA-512"}},
		{map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN"}, asyncapi.Server{Hosts: hosts, SASLMechanism: "PLAIN"}},
		{map[string]string{"security.protocol": "SASL_PLAINTEXT"}, asyncapi.Server{Hosts: hosts, SASLMechanism: "GSSAPI"}},
	} {
		var w *workerconfig.Config
		if tc.props != nil {
			w = &workerconfig.Config{Props: tc.props}
		}
		if got := kafkaServer(hosts, w); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v: %+v, want %+v", tc.props, got, tc.want)
		}
	}
}
