// Package restsec secures sluice's REST listener: TLS (and mutual TLS) from
// PEM files, and authentication by HTTP Basic against a Kafka Connect
// credentials file (the JAAS PropertyFileLoginModule convention) or by
// bearer tokens from a tokens file. FromWorker maps a Kafka Connect worker
// config's listeners.* and rest.* keys onto Options.
//
// Invariants: with any credential source configured, every request but the
// paths Options.OpenPaths names needs valid credentials, else 401 with a
// WWW-Authenticate challenge per scheme; passwords and tokens are compared
// in constant time and never logged.
package restsec
