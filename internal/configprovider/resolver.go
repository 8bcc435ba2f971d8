package configprovider

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// The provider classes sluice implements, as Kafka names them.
const (
	FileClass      = "org.apache.kafka.common.config.provider.FileConfigProvider"
	DirectoryClass = "org.apache.kafka.common.config.provider.DirectoryConfigProvider"
	EnvVarClass    = "org.apache.kafka.common.config.provider.EnvVarConfigProvider"
)

// placeholder is Kafka's ConfigTransformer pattern: ${provider:[path:]key},
// each part the shortest run without '}' (so the path ends at the first ':'
// after the provider, and a key may hold ':').
var placeholder = regexp.MustCompile(`\$\{([^}]*?):(([^}]*?):)?([^}]*?)\}`)

// provider looks up one key at a path.
type provider interface {
	get(path, key string) (string, error)
}

// Resolver resolves the placeholders of the providers a worker config
// declares. The zero value and nil resolve nothing.
type Resolver struct {
	providers map[string]provider
}

// FromWorker returns the resolver a Kafka Connect worker config declares:
// config.providers (a comma-separated list of names), and for each name
// config.providers.<name>.class and config.providers.<name>.param.<param>.
// Keys of other prefixes are ignored. An undeclared provider, an unknown
// class or a bad parameter is an error naming the key to fix.
func FromWorker(props map[string]string) (*Resolver, error) {
	r := &Resolver{providers: map[string]provider{}}
	list := strings.TrimSpace(props["config.providers"])
	if list == "" {
		return r, nil
	}
	var errs []error
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		prefix := "config.providers." + name + "."
		class := strings.TrimSpace(props[prefix+"class"])
		params := map[string]string{}
		for k, v := range props {
			if p, ok := strings.CutPrefix(k, prefix+"param."); ok {
				params[p] = v
			}
		}
		p, err := newProvider(class, params)
		if err != nil {
			errs = append(errs, fmt.Errorf("config provider %q (%sclass): %w", name, prefix, err))
			continue
		}
		r.providers[name] = p
	}
	return r, errors.Join(errs...)
}

// Standard returns a resolver with Kafka's three providers under the names
// the Kafka documentation gives them: file, directory and env (each of names
// that is one of these three), with no path or variable restriction.
func Standard(names ...string) (*Resolver, error) {
	props := map[string]string{"config.providers": strings.Join(names, ",")}
	for _, n := range names {
		switch n {
		case "file":
			props["config.providers.file.class"] = FileClass
		case "directory":
			props["config.providers.directory.class"] = DirectoryClass
		case "env":
			props["config.providers.env.class"] = EnvVarClass
		default:
			return nil, fmt.Errorf("config provider %q: the standard names are file, directory and env; declare others with config.providers.%s.class", n, n)
		}
	}
	return FromWorker(props)
}

// Names lists the declared providers, sorted.
func (r *Resolver) Names() []string {
	if r == nil {
		return nil
	}
	var out []string
	for n := range r.providers {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func newProvider(class string, params map[string]string) (provider, error) {
	var allowed []string
	if v, ok := params["allowed.paths"]; ok {
		for _, p := range strings.Split(v, ",") {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			if !filepath.IsAbs(p) {
				return nil, fmt.Errorf("allowed.paths entry %q is not an absolute path", p)
			}
			allowed = append(allowed, filepath.Clean(p))
		}
	}
	switch class {
	case FileClass:
		return fileProvider{allowed: allowed}, nil
	case DirectoryClass:
		return dirProvider{allowed: allowed}, nil
	case EnvVarClass:
		pat := ".*"
		if v, ok := params["allowlist.pattern"]; ok {
			pat = v
		}
		re, err := regexp.Compile("^(?:" + pat + ")$")
		if err != nil {
			return nil, fmt.Errorf("param.allowlist.pattern %q is not a valid regular expression: %v", pat, err)
		}
		return envProvider{allow: re}, nil
	case "":
		return nil, errors.New("no class: set it to " + FileClass + ", " + DirectoryClass + " or " + EnvVarClass)
	default:
		return nil, fmt.Errorf("class %q is not one sluice has: use %s, %s or %s", class, FileClass, DirectoryClass, EnvVarClass)
	}
}

// Result is a resolved config.
type Result struct {
	// Config is the config with every placeholder that resolved replaced by
	// its value; a value whose placeholder failed is left as it was.
	Config map[string]string
	// Errors holds, per config key, why a placeholder in its value did not
	// resolve. Each error names the placeholder, never a resolved value.
	Errors map[string]error
	// Secrets are the values placeholders resolved to, to be kept out of
	// logs, traces and metrics.
	Secrets []string
}

// Err joins Errors in key order, each prefixed with its key; nil when every
// placeholder resolved.
func (r Result) Err() error {
	keys := make([]string, 0, len(r.Errors))
	for k := range r.Errors {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs []error
	for _, k := range keys {
		errs = append(errs, fmt.Errorf("%s: %w", k, r.Errors[k]))
	}
	return errors.Join(errs...)
}

// HasPlaceholder reports whether v holds a ${provider:…} placeholder of a
// provider r declares.
func (r *Resolver) HasPlaceholder(v string) bool {
	if r == nil {
		return false
	}
	for _, m := range placeholder.FindAllStringSubmatch(v, -1) {
		if _, ok := r.providers[m[1]]; ok {
			return true
		}
	}
	return false
}

// Resolve replaces the placeholders of cfg's values. As in Kafka Connect, a
// placeholder naming a provider that is not declared is left as it is. A key
// or file a declared provider cannot find is an error (Kafka Connect would
// leave the placeholder in the value and the connector would fail later with
// a misleading message).
func (r *Resolver) Resolve(cfg map[string]string) Result {
	res := Result{Config: make(map[string]string, len(cfg))}
	for k, v := range cfg {
		res.Config[k] = v
		if r == nil || len(r.providers) == 0 || !strings.Contains(v, "${") {
			continue
		}
		var failed error
		var secrets []string
		out := placeholder.ReplaceAllStringFunc(v, func(ph string) string {
			m := placeholder.FindStringSubmatch(ph)
			name, path, key := m[1], m[3], m[4]
			p, ok := r.providers[name]
			if !ok || failed != nil {
				return ph
			}
			val, err := p.get(path, key)
			if err != nil {
				failed = fmt.Errorf("config provider placeholder %s did not resolve: %w", ph, err)
				return ph
			}
			secrets = append(secrets, val)
			return val
		})
		if failed != nil {
			if res.Errors == nil {
				res.Errors = map[string]error{}
			}
			res.Errors[k] = failed
			continue
		}
		res.Config[k] = out
		for _, s := range secrets {
			if s != "" && !slices.Contains(res.Secrets, s) {
				res.Secrets = append(res.Secrets, s)
			}
		}
	}
	return res
}

func checkAllowed(allowed []string, path string) error {
	if len(allowed) == 0 {
		return nil
	}
	clean := filepath.Clean(path)
	for _, a := range allowed {
		if clean == a || strings.HasPrefix(clean, a+string(filepath.Separator)) || a == string(filepath.Separator) {
			return nil
		}
	}
	return fmt.Errorf("path %s is not under the provider's allowed.paths (%s)", path, strings.Join(allowed, ","))
}

type fileProvider struct{ allowed []string }

func (f fileProvider) get(path, key string) (string, error) {
	if path == "" {
		return "", errors.New("no file: write ${<provider>:/path/to/file.properties:key}")
	}
	if err := checkAllowed(f.allowed, path); err != nil {
		return "", err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("cannot read properties file %s: %w", path, unwrapPathError(err))
	}
	v, ok := ParseProperties(string(b))[key]
	if !ok {
		return "", fmt.Errorf("properties file %s has no key %q", path, key)
	}
	return v, nil
}

type dirProvider struct{ allowed []string }

func (d dirProvider) get(path, key string) (string, error) {
	if path == "" {
		return "", errors.New("no directory: write ${<provider>:/path/to/dir:file}")
	}
	if strings.ContainsRune(key, filepath.Separator) || key == ".." || key == "." {
		return "", fmt.Errorf("%q is not a file name in directory %s", key, path)
	}
	if err := checkAllowed(d.allowed, path); err != nil {
		return "", err
	}
	file := filepath.Join(path, key)
	st, err := os.Stat(file)
	if err != nil {
		return "", fmt.Errorf("directory %s has no file %q: %w", path, key, unwrapPathError(err))
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", file)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %w", file, unwrapPathError(err))
	}
	return string(b), nil
}

type envProvider struct{ allow *regexp.Regexp }

func (e envProvider) get(path, key string) (string, error) {
	if path != "" {
		return "", fmt.Errorf("the environment provider takes no path (got %q): write ${<provider>:VARIABLE}", path)
	}
	if !e.allow.MatchString(key) {
		return "", fmt.Errorf("environment variable %s is not allowed by the provider's allowlist.pattern", key)
	}
	v, ok := os.LookupEnv(key)
	if !ok {
		return "", fmt.Errorf("environment variable %s is not set", key)
	}
	return v, nil
}

// unwrapPathError drops the path an *os.PathError repeats.
func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// FromFlag returns the resolver sluice serve --config-providers declares:
// either a comma-separated list of the standard names (file, directory,
// env), or worker config lines (key=value, separated by ';' or new lines)
// as FromWorker reads them.
func FromFlag(s string) (*Resolver, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return &Resolver{}, nil
	}
	if !strings.Contains(s, "=") {
		var names []string
		for _, n := range strings.Split(s, ",") {
			if n = strings.TrimSpace(n); n != "" {
				names = append(names, n)
			}
		}
		return Standard(names...)
	}
	return FromWorker(ParseProperties(strings.ReplaceAll(s, ";", "\n")))
}
