// Package configprovider resolves Kafka Connect config provider placeholders
// (${provider:path:key}) in connector configs, with Kafka's three providers:
// FileConfigProvider (a properties file's key), DirectoryConfigProvider (a
// file's whole content) and EnvVarConfigProvider (an environment variable).
//
// Invariants: a config is stored and shown with its placeholders unresolved;
// Resolve is called only to start a task or validate a config. Errors name
// the placeholder and the key, never the value a placeholder resolves to.
// Resolved values are secrets: Result.Secrets lists them so callers can keep
// them out of logs and traces.
package configprovider
