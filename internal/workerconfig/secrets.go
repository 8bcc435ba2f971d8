package workerconfig

import (
	"regexp"
	"slices"
	"strings"
)

// minSecretLen is the shortest password value of the file that Secrets
// returns: a shorter one would blank unrelated words out of the logs. What a
// placeholder resolved to is returned whatever its length.
const minSecretLen = 3

// secretSuffixes end the worker keys whose values are secrets, plain or
// under a prefix (producer., consumer., admin., listeners.https.):
// ssl.truststore.password, ssl.keystore.password, ssl.key.password, the
// inline ssl.keystore.key, the OAuth client secret.
var secretSuffixes = []string{"password", "ssl.keystore.key", "client.secret"}

// jaasSecret matches a secret option of a sasl.jaas.config the JAAS parser
// could not read: password="…", clientSecret="…".
var jaasSecret = regexp.MustCompile(`(?i)(?:password|secret)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;]+))`)

// shownSuffixes end the worker keys whose values sluice shows (logs at
// start, serves in status bodies) and are no secret, as Kafka Connect shows
// them: a placeholder resolved in one (bootstrap.servers=${env:BROKERS}) is
// not hidden, or every log line naming the brokers would lose them.
var shownSuffixes = []string{"bootstrap.servers", "offset.storage.topic", "listeners", "rest.advertised.host.name",
	"rest.advertised.port", "client.id", ".location", ".type", "security.protocol", "sasl.mechanism"}

func shown(k string) bool {
	for _, s := range shownSuffixes {
		if strings.HasSuffix(k, s) {
			return true
		}
	}
	return false
}

// Secrets returns the values of the file that no log, trace or answer may
// show: what its config provider placeholders resolved to (but in a key
// whose value sluice shows, such as bootstrap.servers), the values of its
// password keys, the inline private key, and the password and secret
// options of every sasl.jaas.config. The caller hands them to the scrubber.
func (c *Config) Secrets() []string {
	var out []string
	for _, v := range c.resolved {
		inShown := false
		for k, pv := range c.Props {
			inShown = inShown || shown(k) && strings.Contains(pv, v)
		}
		if !inShown {
			out = append(out, v)
		}
	}
	add := func(v string) {
		if len(v) >= minSecretLen {
			out = append(out, v)
		}
	}
	for k, v := range c.Props {
		switch {
		case k == "sasl.jaas.config" || strings.HasSuffix(k, ".sasl.jaas.config"):
			j, err := ParseJAAS(v)
			if err != nil {
				for _, m := range jaasSecret.FindAllStringSubmatch(v, -1) {
					add(m[1] + m[2])
				}
				continue
			}
			for name, o := range j.Options {
				if n := strings.ToLower(name); strings.Contains(n, "password") || strings.Contains(n, "secret") {
					add(o)
				}
			}
		default:
			for _, s := range secretSuffixes {
				if strings.HasSuffix(k, s) {
					add(strings.TrimSpace(v))
				}
			}
		}
	}
	out = slices.DeleteFunc(out, func(s string) bool { return s == "" })
	slices.Sort(out)
	return slices.Compact(out)
}
