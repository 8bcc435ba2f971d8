package mysql

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fuzzConfigMap turns a fuzz input into a connector config: the base
// config when base is set, then one key=value per line of text, where a key
// "#n" names ConfigKeys[n] so the fuzzer reaches every known key.
func fuzzConfigMap(base bool, text string) map[string]string {
	m := map[string]string{}
	if base {
		m = baseConfig()
	}
	for line := range strings.SplitSeq(text, "\n") {
		k, v, _ := strings.Cut(line, "=")
		if n, err := strconv.Atoi(strings.TrimPrefix(k, "#")); err == nil && strings.HasPrefix(k, "#") && n >= 0 {
			k = ConfigKeys[n%len(ConfigKeys)]
		}
		m[k] = v
	}
	return m
}

// fuzzConfigValues are values each known key is seeded with.
var fuzzConfigValues = []string{"", "0", "-1", "true", "x,(", "99999999999999999999", "1h", "public.a,public\\.b"}

// FuzzParseConfig parses fuzzed connector configs: ParseConfig must not
// panic or take seconds (a watchdog panics after 5 s, so that the fuzzer
// keeps the input), and an error must say something, each joined problem
// included.
func FuzzParseConfig(f *testing.F) {
	f.Add(true, "")
	f.Add(false, "")
	f.Add(false, "connector.class=io.debezium.connector.mysql.MySqlConnector\ndatabase.port=99999\ndatabase.server.id=0\nsnapshot.mode=sometimes\ntable.include.list=inv.a,(\ntombstones.on.delete=yes")
	for i := range ConfigKeys {
		f.Add(true, "#"+strconv.Itoa(i)+"="+fuzzConfigValues[i%len(fuzzConfigValues)])
	}
	f.Fuzz(func(t *testing.T, base bool, text string) {
		m := fuzzConfigMap(base, text)
		wd := time.AfterFunc(5*time.Second, func() { panic(fmt.Sprintf("ParseConfig of %q still running after 5 s", text)) })
		c, err := ParseConfig("my1", m)
		wd.Stop()
		if err == nil {
			if c.Name != "my1" {
				t.Fatalf("Name = %q", c.Name)
			}
			return
		}
		checkErrorSays(t, err)
	})
}

// checkErrorSays fails t if err's message, or that of any error joined
// into it, is blank.
func checkErrorSays(t *testing.T, err error) {
	t.Helper()
	if strings.TrimSpace(err.Error()) == "" {
		t.Fatalf("error with a blank message: %#v", err)
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			if e != nil && strings.TrimSpace(e.Error()) == "" {
				t.Fatalf("joined error with a blank message in %q", err)
			}
		}
	}
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) && ue.Unwrap() != nil && strings.TrimSpace(ue.Unwrap().Error()) == "" {
		t.Fatalf("wrapped error with a blank message in %q", err)
	}
}
