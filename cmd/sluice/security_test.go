package main

import (
	"io"
	"net"
	"strings"
	"testing"

	"github.com/sluicecdc/sluice/internal/restsec"
)

func TestServeSecurityFlags(t *testing.T) {
	c, err := parseServe([]string{
		"--rest-tls-cert", "/c.pem", "--rest-tls-key", "/k.pem", "--rest-tls-client-ca", "/ca.pem",
		"--rest-tls-client-auth", "requested", "--rest-basic-auth-file", "/jaas.conf", "--rest-tokens-file", "/tokens",
		"--rest-open-paths", "/healthz, /metrics", "--config-providers", "file,env",
	}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := restsec.Options{CertFile: "/c.pem", KeyFile: "/k.pem", ClientCAFile: "/ca.pem", ClientAuth: "requested",
		BasicAuthFile: "/jaas.conf", TokensFile: "/tokens", OpenPaths: []string{"/healthz", "/metrics"}}
	if c.rest.CertFile != want.CertFile || c.rest.KeyFile != want.KeyFile || c.rest.ClientCAFile != want.ClientCAFile ||
		c.rest.ClientAuth != want.ClientAuth || c.rest.BasicAuthFile != want.BasicAuthFile || c.rest.TokensFile != want.TokensFile ||
		strings.Join(c.rest.OpenPaths, ",") != "/healthz,/metrics" {
		t.Errorf("rest options %+v, want %+v", c.rest, want)
	}
	if got := strings.Join(c.providers.Names(), ","); got != "env,file" {
		t.Errorf("providers %q", got)
	}
	t.Setenv("SLUICE_CONFIG_PROVIDERS", "vault")
	if _, err := parseServe([]string{"--rest-open-paths", "/connectors"}, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "--rest-open-paths") || !strings.Contains(err.Error(), "--config-providers") {
		t.Errorf("bad open path and provider: %v", err)
	}
}

func TestApplyWorkerREST(t *testing.T) {
	c, err := parseServe([]string{"--rest-tls-client-auth", "requested"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	props := map[string]string{
		"listeners":                               "https://127.0.0.1:8443",
		"listeners.https.ssl.keystore.type":       "PEM",
		"listeners.https.ssl.keystore.location":   "/etc/rest.pem",
		"listeners.https.ssl.truststore.type":     "PEM",
		"listeners.https.ssl.truststore.location": "/etc/ca.pem",
		"listeners.https.ssl.client.auth":         "required",
		"rest.advertised.host.name":               "worker-1",
		"rest.advertised.port":                    "9443",
		"rest.extension.classes":                  restsec.BasicAuthExtension,
		"config.providers":                        "file",
		"config.providers.file.class":             "org.apache.kafka.common.config.provider.FileConfigProvider",
	}
	explicit := func(f string) bool { return f == "rest-tls-client-auth" }
	if err := c.applyWorker(props, "-Djava.security.auth.login.config=/etc/jaas.conf", explicit); err != nil {
		t.Fatal(err)
	}
	if c.listen != "127.0.0.1:8443" || c.rest.CertFile != "/etc/rest.pem" || c.rest.ClientCAFile != "/etc/ca.pem" ||
		c.rest.BasicAuthFile != "/etc/jaas.conf" {
		t.Errorf("after applyWorker: listen %s, rest %+v", c.listen, c.rest)
	}
	if c.rest.ClientAuth != "requested" {
		t.Errorf("client auth %q: the flag must override the worker file", c.rest.ClientAuth)
	}
	if got := c.workerID(&net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 8443}); got != "worker-1:9443" {
		t.Errorf("worker id %q", got)
	}
	if got := strings.Join(c.providers.Names(), ","); got != "file" {
		t.Errorf("providers %q", got)
	}
}
