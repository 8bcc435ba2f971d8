package configprovider

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseProperties(t *testing.T) {
	got := ParseProperties("# comment\n! also\n  a=1\nb : two words \nc three\nd\\:e=f\\\n   g\nh=\\u0041\\tb\nempty=\n")
	want := map[string]string{"a": "1", "b": "two words ", "c": "three", "d:e": "fg", "h": "A\tb", "empty": ""}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%q = %q, want %q", k, got[k], v)
		}
	}
}

func TestResolveSyntax(t *testing.T) {
	dir := t.TempDir()
	props := filepath.Join(dir, "db.properties")
	if err := os.WriteFile(props, []byte("password=s3cret\nuser: alice\nurl=jdbc:x:y\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "token"), []byte("tok\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("RESTSEC_TEST_VAR", "from-env")
	t.Setenv("RESTSEC_OTHER", "nope")
	r, err := FromWorker(map[string]string{
		"config.providers":                             "file, dir,env,allowed",
		"config.providers.file.class":                  FileClass,
		"config.providers.dir.class":                   DirectoryClass,
		"config.providers.env.class":                   EnvVarClass,
		"config.providers.env.param.allowlist.pattern": "RESTSEC_TEST_.*",
		"config.providers.allowed.class":               FileClass,
		"config.providers.allowed.param.allowed.paths": "/nonexistent/only",
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg := map[string]string{
		"plain":     "no placeholder",
		"file":      "${file:" + props + ":password}",
		"twice":     "${file:" + props + ":user}/${file:" + props + ":password}",
		"dir":       "${dir:" + dir + ":token}",
		"env":       "${env:RESTSEC_TEST_VAR}",
		"undecl":    "${vault:secret/x:y}",
		"missingk":  "${file:" + props + ":nokey}",
		"missingf":  "${file:" + dir + "/absent.properties:password}",
		"envdenied": "${env:RESTSEC_OTHER}",
		"envunset":  "${env:RESTSEC_TEST_UNSET}",
		"envpath":   "${env:x:RESTSEC_TEST_VAR}",
		"notallow":  "${allowed:" + props + ":password}",
		"dirslash":  "${dir:" + dir + ":../x}",
	}
	res := r.Resolve(cfg)
	wantOK := map[string]string{
		"plain": "no placeholder", "file": "s3cret", "twice": "alice/s3cret", "dir": "tok\n",
		"env": "from-env", "undecl": "${vault:secret/x:y}",
	}
	for k, v := range wantOK {
		if res.Config[k] != v || res.Errors[k] != nil {
			t.Errorf("%s: got %q (err %v), want %q", k, res.Config[k], res.Errors[k], v)
		}
	}
	wantErr := map[string]string{
		"missingk":  `has no key "nokey"`,
		"missingf":  "cannot read properties file",
		"envdenied": "allowlist.pattern",
		"envunset":  "is not set",
		"envpath":   "takes no path",
		"notallow":  "allowed.paths",
		"dirslash":  "not a file name",
	}
	for k, frag := range wantErr {
		err := res.Errors[k]
		if err == nil {
			t.Errorf("%s: no error, want one with %q", k, frag)
			continue
		}
		if !strings.Contains(err.Error(), frag) || !strings.Contains(err.Error(), cfg[k]) {
			t.Errorf("%s: error %q should contain %q and the placeholder %q", k, err, frag, cfg[k])
		}
		if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "from-env") || strings.Contains(err.Error(), "nope") {
			t.Errorf("%s: error %q shows a secret value", k, err)
		}
		if res.Config[k] != cfg[k] {
			t.Errorf("%s: failed value changed to %q", k, res.Config[k])
		}
	}
	if len(res.Errors) != len(wantErr) {
		t.Errorf("errors %v, want keys of %v", res.Errors, wantErr)
	}
	for _, s := range []string{"s3cret", "alice", "tok\n", "from-env"} {
		found := false
		for _, x := range res.Secrets {
			found = found || x == s
		}
		if !found {
			t.Errorf("secrets %q lack %q", res.Secrets, s)
		}
	}
}

func TestFromWorkerErrors(t *testing.T) {
	_, err := FromWorker(map[string]string{"config.providers": "a,b", "config.providers.a.class": "com.example.Vault"})
	if err == nil || !strings.Contains(err.Error(), "com.example.Vault") || !strings.Contains(err.Error(), "config.providers.b.class") {
		t.Fatalf("err = %v", err)
	}
	if _, err := FromFlag("file,vault"); err == nil || !strings.Contains(err.Error(), `"vault"`) {
		t.Fatalf("FromFlag(file,vault) = %v", err)
	}
	r, err := FromFlag("config.providers=f;config.providers.f.class=" + FileClass)
	if err != nil || len(r.Names()) != 1 || r.Names()[0] != "f" {
		t.Fatalf("FromFlag lines: %v %v", r.Names(), err)
	}
	var nilR *Resolver
	if res := nilR.Resolve(map[string]string{"a": "${file:/x:y}"}); res.Config["a"] != "${file:/x:y}" || res.Err() != nil {
		t.Fatalf("nil resolver changed the config: %v", res)
	}
}
