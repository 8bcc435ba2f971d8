package workerconfig

import (
	"fmt"
	"strings"
)

// JAAS is one login module entry of a sasl.jaas.config value:
// `org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p";`.
type JAAS struct {
	Module  string            // the login module's class name
	Flag    string            // required, requisite, sufficient or optional
	Options map[string]string // key=value options, quotes removed
}

// The login modules a Kafka client's sasl.jaas.config names.
const (
	plainModule = "org.apache.kafka.common.security.plain.PlainLoginModule"
	scramModule = "org.apache.kafka.common.security.scram.ScramLoginModule"
	oauthModule = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule"
)

// ParseJAAS parses a client's sasl.jaas.config: exactly one login module, a
// control flag, options as key=value (values bare or in double quotes, with
// backslash escapes), and a closing semicolon, as Kafka's JaasConfig reads it.
func ParseJAAS(s string) (JAAS, error) {
	toks, err := jaasTokens(s)
	if err != nil {
		return JAAS{}, err
	}
	var j JAAS
	if len(toks) < 2 || toks[0].quoted || toks[1].quoted {
		return j, fmt.Errorf("sasl.jaas.config: write `<LoginModule class> required key=\"value\" ...;`")
	}
	j.Module, j.Flag, j.Options = toks[0].s, strings.ToLower(toks[1].s), map[string]string{}
	switch j.Flag {
	case "required", "requisite", "sufficient", "optional":
	default:
		return j, fmt.Errorf("sasl.jaas.config: control flag %q after %s: use required", toks[1].s, j.Module)
	}
	rest := toks[2:]
	for len(rest) > 0 {
		if !rest[0].quoted && rest[0].s == ";" {
			if len(rest) > 1 {
				return j, fmt.Errorf("sasl.jaas.config: more than one login module: a Kafka client takes exactly one")
			}
			return j, nil
		}
		if len(rest) < 3 || rest[0].quoted || rest[1].quoted || rest[1].s != "=" {
			return j, fmt.Errorf("sasl.jaas.config: expected key=\"value\" options after %s %s", j.Module, j.Flag)
		}
		j.Options[rest[0].s] = rest[2].s
		rest = rest[3:]
	}
	return j, fmt.Errorf("sasl.jaas.config: the login module entry must end with a semicolon")
}

type jaasToken struct {
	s      string
	quoted bool
}

func jaasTokens(s string) ([]jaasToken, error) {
	var out []jaasToken
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '=' || c == ';':
			out = append(out, jaasToken{s: string(c)})
			i++
		case c == '"':
			var b strings.Builder
			i++
			closed := false
			for i < len(s) {
				if s[i] == '\\' && i+1 < len(s) {
					b.WriteByte(s[i+1])
					i += 2
					continue
				}
				if s[i] == '"' {
					closed = true
					i++
					break
				}
				b.WriteByte(s[i])
				i++
			}
			if !closed {
				return nil, fmt.Errorf("sasl.jaas.config: a quoted value has no closing double quote")
			}
			out = append(out, jaasToken{s: b.String(), quoted: true})
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r=;\"", rune(s[j])) {
				j++
			}
			out = append(out, jaasToken{s: s[i:j]})
			i = j
		}
	}
	return out, nil
}
