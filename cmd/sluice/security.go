package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/sluicecdc/sluice/internal/configprovider"
	"github.com/sluicecdc/sluice/internal/restsec"
)

// securityFlags declares the REST security and config provider flags of
// sluice serve, each with its SLUICE_* variable; it returns the open paths
// flag's value, which finishSecurity parses.
func securityFlags(fs *flag.FlagSet, c *serveConfig) *string {
	fs.StringVar(&c.rest.CertFile, "rest-tls-cert", env("SLUICE_REST_TLS_CERT", ""),
		"PEM certificate chain of the REST listener; turns HTTPS on (SLUICE_REST_TLS_CERT)")
	fs.StringVar(&c.rest.KeyFile, "rest-tls-key", env("SLUICE_REST_TLS_KEY", ""),
		"PEM private key (unencrypted) of the REST listener; defaults to --rest-tls-cert (SLUICE_REST_TLS_KEY)")
	fs.StringVar(&c.rest.ClientCAFile, "rest-tls-client-ca", env("SLUICE_REST_TLS_CLIENT_CA", ""),
		"PEM CA certificates that sign REST client certificates, for mutual TLS (SLUICE_REST_TLS_CLIENT_CA)")
	fs.StringVar(&c.rest.ClientAuth, "rest-tls-client-auth", env("SLUICE_REST_TLS_CLIENT_AUTH", ""),
		"none, requested or required, as Kafka Connect's ssl.client.auth (SLUICE_REST_TLS_CLIENT_AUTH; default required with a client CA, else none)")
	fs.StringVar(&c.rest.BasicAuthFile, "rest-basic-auth-file", env("SLUICE_REST_BASIC_AUTH_FILE", ""),
		"HTTP Basic credentials: a JAAS config naming Kafka Connect's PropertyFileLoginModule, or its \"user: password\" file (SLUICE_REST_BASIC_AUTH_FILE)")
	fs.StringVar(&c.rest.TokensFile, "rest-tokens-file", env("SLUICE_REST_TOKENS_FILE", ""),
		"accepted REST bearer tokens, one a line (SLUICE_REST_TOKENS_FILE)")
	fs.StringVar(&c.advertisedHost, "rest-advertised-host", env("SLUICE_REST_ADVERTISED_HOST", ""),
		"the host name other workers and status bodies name this worker by (rest.advertised.host.name; SLUICE_REST_ADVERTISED_HOST; default the listen address, or the machine's host name for a wildcard listen address)")
	fs.IntVar(&c.advertisedPort, "rest-advertised-port", envInt("SLUICE_REST_ADVERTISED_PORT", 0),
		"the port other workers reach this one at (rest.advertised.port; SLUICE_REST_ADVERTISED_PORT; default the listen port)")
	open := new(string)
	fs.StringVar(open, "rest-open-paths", env("SLUICE_REST_OPEN_PATHS", ""),
		"comma-separated paths served without credentials, among "+strings.Join(restsec.OpenablePaths, ", ")+" (SLUICE_REST_OPEN_PATHS)")
	fs.StringVar(&c.configProviders, "config-providers", env("SLUICE_CONFIG_PROVIDERS", ""),
		"config providers for ${provider:path:key} in connector configs: file,directory,env for Kafka's three under those names, "+
			"or worker config lines (config.providers=…;config.providers.<name>.class=…) (SLUICE_CONFIG_PROVIDERS; default none)")
	return open
}

// finishSecurity checks the security flags and builds the config providers.
func (c *serveConfig) finishSecurity(openPaths string) error {
	var errs []error
	for _, p := range strings.Split(openPaths, ",") {
		if p = strings.TrimSpace(p); p != "" {
			c.rest.OpenPaths = append(c.rest.OpenPaths, p)
		}
	}
	for _, p := range c.rest.OpenPaths {
		ok := false
		for _, o := range restsec.OpenablePaths {
			ok = ok || p == o
		}
		if !ok {
			errs = append(errs, fmt.Errorf("--rest-open-paths %q: only %s may be left open", p, strings.Join(restsec.OpenablePaths, ", ")))
		}
	}
	r, err := configprovider.FromFlag(c.configProviders)
	if err != nil {
		errs = append(errs, fmt.Errorf("--config-providers: %w", err))
	}
	c.providers = r
	return errors.Join(errs...)
}

// applyWorker takes the REST listener, its security and the config
// providers from a Kafka Connect worker config where no flag or SLUICE_*
// variable set them (flags override the file). kafkaOpts is KAFKA_OPTS,
// whose -Djava.security.auth.login.config names the JAAS file of
// BasicAuthSecurityRestExtension. explicit reports whether a flag was set
// by the user (flag.FlagSet.Visit or its variable).
func (c *serveConfig) applyWorker(props map[string]string, kafkaOpts string, explicit func(flag string) bool) error {
	jaas := c.rest.BasicAuthFile
	if jaas == "" {
		jaas = restsec.JAASFromKafkaOpts(kafkaOpts)
	}
	w, err := restsec.FromWorker(props, jaas)
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	if w.Listen != "" && !explicit("listen") {
		c.listen = w.Listen
	}
	set := func(dst *string, v, name string) {
		if v != "" && !explicit(name) {
			*dst = v
		}
	}
	set(&c.rest.CertFile, w.Options.CertFile, "rest-tls-cert")
	set(&c.rest.KeyFile, w.Options.KeyFile, "rest-tls-key")
	set(&c.rest.ClientCAFile, w.Options.ClientCAFile, "rest-tls-client-ca")
	set(&c.rest.ClientAuth, w.Options.ClientAuth, "rest-tls-client-auth")
	set(&c.rest.BasicAuthFile, w.Options.BasicAuthFile, "rest-basic-auth-file")
	if !explicit("rest-tls-cert") && len(w.Options.CertPEM) > 0 {
		c.rest.CertPEM, c.rest.KeyPEM = w.Options.CertPEM, w.Options.KeyPEM
	}
	if !explicit("rest-tls-client-ca") && len(w.Options.ClientCAPEM) > 0 {
		c.rest.ClientCAPEM = w.Options.ClientCAPEM
	}
	if w.HTTPS && !c.rest.TLS() {
		errs = append(errs, errors.New("listeners is https but no certificate is set"))
	}
	if !explicit("rest-advertised-host") && w.AdvertisedHost != "" {
		c.advertisedHost = w.AdvertisedHost
	}
	if !explicit("rest-advertised-port") && w.AdvertisedPort != 0 {
		c.advertisedPort = w.AdvertisedPort
	}
	if !explicit("config-providers") && strings.TrimSpace(props["config.providers"]) != "" {
		r, err := configprovider.FromWorker(props)
		if err != nil {
			errs = append(errs, err)
		}
		c.providers = r
	}
	return errors.Join(errs...)
}

// workerID names this worker in status bodies: the advertised host and
// port when the worker config sets them, else the listener's address.
func (c serveConfig) workerID(a net.Addr) string {
	id := workerID(a)
	if c.advertisedHost == "" && c.advertisedPort == 0 {
		return id
	}
	host, port, err := net.SplitHostPort(id)
	if err != nil {
		return id
	}
	if c.advertisedHost != "" {
		host = c.advertisedHost
	}
	if c.advertisedPort != 0 {
		port = strconv.Itoa(c.advertisedPort)
	}
	return net.JoinHostPort(host, port)
}
