//go:build integration

package schema

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// TestJacksonCrossCheck compares the number and string encoders with what
// Jackson itself writes, run on a JDK 19 or later (the Double.toString that
// Debezium's current images use) with the Jackson jars that integration/env
// downloads for Kafka. It skips when either is missing.
//
// SLUICE_JAVA names the java binary to use; else JAVA_HOME, java on PATH and
// /usr/lib/jvm/*/bin/java are tried for one of version 19 or later.
// SLUICE_ENV_CACHE is integration/env's cache directory (its lib/ holds the jars).
func TestJacksonCrossCheck(t *testing.T) {
	java := findJava(t)
	lib := jacksonLib(t)

	rng := rand.New(rand.NewPCG(1, 2))
	var in bytes.Buffer
	type input struct {
		kind byte
		f    float64
		s    string
	}
	var inputs []input
	addD := func(f float64) {
		inputs = append(inputs, input{kind: 'd', f: f})
		fmt.Fprintf(&in, "d %x\n", math.Float64bits(f))
	}
	addF := func(f float32) {
		inputs = append(inputs, input{kind: 'f', f: float64(f)})
		fmt.Fprintf(&in, "f %x\n", math.Float32bits(f))
	}
	addS := func(s string) {
		inputs = append(inputs, input{kind: 's', s: s})
		fmt.Fprintf(&in, "s %s\n", base64.StdEncoding.EncodeToString([]byte(s)))
	}
	for _, f := range []float64{0, math.Copysign(0, -1), 1, 0.1, 1e7, 9999999, 1e-3, 1e-4, 5e-324, 1e-323,
		math.MaxFloat64, 2.2250738585072014e-308, 1e23, 2e23, math.NaN(), math.Inf(1), math.Inf(-1)} {
		addD(f)
		addF(float32(f))
	}
	for range 20000 {
		addD(math.Float64frombits(rng.Uint64()))
		addF(math.Float32frombits(rng.Uint32()))
		// Values people store: short decimals across magnitudes.
		d := float64(rng.IntN(2000000)-1000000) / math.Pow10(rng.IntN(12))
		d *= math.Pow10(rng.IntN(30) - 10)
		addD(d)
		addF(float32(d))
	}
	for c := range rune(0x80) {
		addS(string(c))
	}
	alphabet := []rune("aZ09 \"\\/<>&'\b\t\n\f\r\x00\x01\x1f\x7f\u0080\u00e9\u2028\u2029\ufeff\uffff中😀")
	for range 3000 {
		r := make([]rune, rng.IntN(20))
		for i := range r {
			r[i] = alphabet[rng.IntN(len(alphabet))]
		}
		addS(string(r))
	}

	cmd := exec.Command(java, "-cp", filepath.Join(lib, "*"), filepath.Join("testdata", "JacksonCheck.java"))
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", java, err, stderr.Bytes())
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	fails := 0
	for i := 0; sc.Scan(); i++ {
		if i >= len(inputs) {
			t.Fatalf("Jackson wrote more lines than inputs")
		}
		want := sc.Text()
		var got string
		switch in := inputs[i]; in.kind {
		case 'd':
			got = string(appendJavaFloat(nil, in.f, 64))
		case 'f':
			got = string(appendJavaFloat(nil, in.f, 32))
		case 's':
			got = string(appendString(nil, in.s))
		}
		if got != want {
			fails++
			if fails <= 20 {
				t.Errorf("input %d (%c %v %q): sluice %s, Jackson %s", i, inputs[i].kind, inputs[i].f, inputs[i].s, got, want)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d values compared with Jackson, %d differ", len(inputs), fails)
}

var javaVersion = regexp.MustCompile(`version "(\d+)`)

func findJava(t *testing.T) string {
	t.Helper()
	if j := os.Getenv("SLUICE_JAVA"); j != "" {
		return j
	}
	var candidates []string
	if h := os.Getenv("JAVA_HOME"); h != "" {
		candidates = append(candidates, filepath.Join(h, "bin", "java"))
	}
	if p, err := exec.LookPath("java"); err == nil {
		candidates = append(candidates, p)
	}
	jvms, _ := filepath.Glob("/usr/lib/jvm/*/bin/java")
	candidates = append(candidates, jvms...)
	for _, c := range candidates {
		out, err := exec.Command(c, "-version").CombinedOutput()
		if err != nil {
			continue
		}
		if m := javaVersion.FindSubmatch(out); m != nil {
			if v, _ := strconv.Atoi(string(m[1])); v >= 19 {
				return c
			}
		}
	}
	t.Skip("no JDK 19 or later found (set SLUICE_JAVA)")
	return ""
}

func jacksonLib(t *testing.T) string {
	t.Helper()
	var dirs []string
	if d := os.Getenv("SLUICE_ENV_CACHE"); d != "" {
		dirs = append(dirs, d)
	}
	dirs = append(dirs, "/var/cache/sluice-env")
	if d, err := os.UserCacheDir(); err == nil {
		dirs = append(dirs, filepath.Join(d, "sluice-env"))
	}
	for _, d := range dirs {
		lib := filepath.Join(d, "lib")
		if m, _ := filepath.Glob(filepath.Join(lib, "jackson-databind-*.jar")); len(m) > 0 {
			return lib
		}
	}
	t.Skip("no Jackson jars from integration/env (run make env-up or set SLUICE_ENV_CACHE)")
	return ""
}
