package helm

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/sluicecdc/sluice/internal/configprovider"
)

const chart = "sluice"

// helmBin is the helm binary the tests render with; without one they skip.
func helmBin(t *testing.T) string {
	t.Helper()
	h := os.Getenv("SLUICE_HELM")
	if h == "" {
		t.Skip("SLUICE_HELM is not set: no helm binary to render the chart with (make test-helm builds one and sets it)")
	}
	return h
}

// render runs helm template on the chart with args and returns its output,
// or helm's error output as the error.
func render(t *testing.T, args ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.Command(helmBin(t), append([]string{"template", "rel", chart, "--namespace", "cdc"}, args...)...)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, errors.New(strings.TrimSpace(stderr.String()) + ": " + err.Error())
	}
	return out.Bytes(), nil
}

// object is one rendered manifest: its header, and the whole document to
// decode into the type of its kind.
type object struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name        string            `yaml:"name"`
		Labels      map[string]string `yaml:"labels"`
		Annotations map[string]string `yaml:"annotations"`
	} `yaml:"metadata"`
	doc yaml.Node
}

func decodeAll(t *testing.T, out []byte) []object {
	t.Helper()
	var objs []object
	dec := yaml.NewDecoder(bytes.NewReader(out))
	for {
		var o object
		err := dec.Decode(&o.doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("rendered YAML does not decode: %v\n%s", err, out)
		}
		if err := o.doc.Decode(&o); err != nil {
			t.Fatalf("decode header: %v", err)
		}
		if o.Kind == "" {
			continue // an empty document
		}
		objs = append(objs, o)
	}
	return objs
}

func kinds(objs []object) []string {
	var k []string
	for _, o := range objs {
		k = append(k, o.Kind)
	}
	sort.Strings(k)
	return k
}

// find returns the one object of kind, decoded into v; it fails the test
// if there is not exactly one.
func find(t *testing.T, objs []object, kind string, v any) object {
	t.Helper()
	var found []object
	for _, o := range objs {
		if o.Kind == kind {
			found = append(found, o)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one %s, got %d (kinds: %v)", kind, len(found), kinds(objs))
	}
	if err := found[0].doc.Decode(v); err != nil {
		t.Fatalf("decode %s: %v", kind, err)
	}
	return found[0]
}

type probe struct {
	HTTPGet struct {
		Path   string `yaml:"path"`
		Port   string `yaml:"port"`
		Scheme string `yaml:"scheme"`
	} `yaml:"httpGet"`
}

type envVar struct {
	Name      string `yaml:"name"`
	Value     string `yaml:"value"`
	ValueFrom *struct {
		FieldRef *struct {
			FieldPath string `yaml:"fieldPath"`
		} `yaml:"fieldRef"`
		SecretKeyRef any `yaml:"secretKeyRef"`
	} `yaml:"valueFrom"`
}

type container struct {
	Name  string   `yaml:"name"`
	Image string   `yaml:"image"`
	Args  []string `yaml:"args"`
	Env   []envVar `yaml:"env"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	LivenessProbe   *probe `yaml:"livenessProbe"`
	ReadinessProbe  *probe `yaml:"readinessProbe"`
	SecurityContext struct {
		RunAsNonRoot             *bool  `yaml:"runAsNonRoot"`
		RunAsUser                *int64 `yaml:"runAsUser"`
		ReadOnlyRootFilesystem   *bool  `yaml:"readOnlyRootFilesystem"`
		AllowPrivilegeEscalation *bool  `yaml:"allowPrivilegeEscalation"`
		Capabilities             struct {
			Drop []string `yaml:"drop"`
		} `yaml:"capabilities"`
	} `yaml:"securityContext"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
		ReadOnly  bool   `yaml:"readOnly"`
	} `yaml:"volumeMounts"`
}

type volume struct {
	Name                  string `yaml:"name"`
	PersistentVolumeClaim *struct {
		ClaimName string `yaml:"claimName"`
	} `yaml:"persistentVolumeClaim"`
	Secret *struct {
		SecretName string `yaml:"secretName"`
	} `yaml:"secret"`
	ConfigMap *struct {
		Name string `yaml:"name"`
	} `yaml:"configMap"`
	EmptyDir any `yaml:"emptyDir"`
}

// podTemplate is the pod of the Deployment (standalone) or of the
// StatefulSet (distributed).
type podTemplate struct {
	Metadata struct {
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	Spec struct {
		EnableServiceLinks *bool `yaml:"enableServiceLinks"`
		SecurityContext    struct {
			RunAsNonRoot *bool  `yaml:"runAsNonRoot"`
			RunAsUser    *int64 `yaml:"runAsUser"`
			FSGroup      *int64 `yaml:"fsGroup"`
		} `yaml:"securityContext"`
		Containers []container `yaml:"containers"`
		Volumes    []volume    `yaml:"volumes"`
	} `yaml:"spec"`
}

type labelSelector struct {
	MatchLabels      map[string]string `yaml:"matchLabels"`
	MatchExpressions []struct {
		Key      string   `yaml:"key"`
		Operator string   `yaml:"operator"`
		Values   []string `yaml:"values"`
	} `yaml:"matchExpressions"`
}

type deployment struct {
	Spec struct {
		Replicas *int `yaml:"replicas"`
		Strategy struct {
			Type string `yaml:"type"`
		} `yaml:"strategy"`
		Selector labelSelector `yaml:"selector"`
		Template podTemplate   `yaml:"template"`
	} `yaml:"spec"`
}

type statefulSet struct {
	Spec struct {
		Replicas            *int   `yaml:"replicas"`
		ServiceName         string `yaml:"serviceName"`
		PodManagementPolicy string `yaml:"podManagementPolicy"`
		UpdateStrategy      struct {
			Type string `yaml:"type"`
		} `yaml:"updateStrategy"`
		Selector             labelSelector `yaml:"selector"`
		Template             podTemplate   `yaml:"template"`
		VolumeClaimTemplates []any         `yaml:"volumeClaimTemplates"`
	} `yaml:"spec"`
}

type podDisruptionBudget struct {
	APIVersion string `yaml:"apiVersion"`
	Spec       struct {
		MaxUnavailable *int          `yaml:"maxUnavailable"`
		MinAvailable   any           `yaml:"minAvailable"`
		Selector       labelSelector `yaml:"selector"`
	} `yaml:"spec"`
}

type service struct {
	Metadata struct {
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	Spec struct {
		ClusterIP                string            `yaml:"clusterIP"`
		PublishNotReadyAddresses bool              `yaml:"publishNotReadyAddresses"`
		Selector                 map[string]string `yaml:"selector"`
		Ports                    []struct {
			Name       string `yaml:"name"`
			Port       int    `yaml:"port"`
			TargetPort string `yaml:"targetPort"`
		} `yaml:"ports"`
	} `yaml:"spec"`
}

type pvc struct {
	Spec struct {
		AccessModes      []string `yaml:"accessModes"`
		StorageClassName *string  `yaml:"storageClassName"`
		Resources        struct {
			Requests map[string]string `yaml:"requests"`
		} `yaml:"resources"`
	} `yaml:"spec"`
}

type serviceMonitor struct {
	APIVersion string `yaml:"apiVersion"`
	Spec       struct {
		Selector  labelSelector `yaml:"selector"`
		Endpoints []struct {
			Port   string `yaml:"port"`
			Path   string `yaml:"path"`
			Scheme string `yaml:"scheme"`
		} `yaml:"endpoints"`
	} `yaml:"spec"`
}

type secret struct {
	StringData map[string]string `yaml:"stringData"`
}

func (c container) env(name string) (string, bool) {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value, true
		}
	}
	return "", false
}

func (c container) mount(volume string) (string, bool) {
	for _, m := range c.VolumeMounts {
		if m.Name == volume {
			return m.MountPath, true
		}
	}
	return "", false
}

func volumeNamed(vs []volume, name string) *volume {
	for i := range vs {
		if vs[i].Name == name {
			return &vs[i]
		}
	}
	return nil
}

// checked is what every standalone rendering must satisfy, whatever the
// values.
type checked struct {
	dep     deployment
	c       container
	svc     service
	objs    []object
	depName string
}

func checkCommon(t *testing.T, out []byte) checked {
	t.Helper()
	objs := decodeAll(t, out)
	var k checked
	k.objs = objs
	if slices.Contains(kinds(objs), "StatefulSet") {
		t.Errorf("a StatefulSet was rendered in standalone mode (distributed.enabled is false)")
	}
	for _, kind := range []string{"PodDisruptionBudget"} {
		if slices.Contains(kinds(objs), kind) {
			t.Errorf("a %s was rendered in standalone mode", kind)
		}
	}
	k.depName = find(t, objs, "Deployment", &k.dep).Metadata.Name
	find(t, objs, "Service", &k.svc)
	spec := k.dep.Spec
	if spec.Replicas == nil || *spec.Replicas != 1 {
		t.Errorf("replicas = %v, want 1 (standalone: one daemon owns the connectors)", spec.Replicas)
	}
	if spec.Strategy.Type != "Recreate" {
		t.Errorf("strategy = %q, want Recreate (two daemons must never run the same connectors)", spec.Strategy.Type)
	}
	k.c = checkPod(t, spec.Selector.MatchLabels, spec.Template, k.svc)
	for _, name := range []string{"SLUICE_GROUP_ID", "SLUICE_CONFIG_TOPIC", "SLUICE_STATUS_TOPIC", "SLUICE_REST_ADVERTISED_HOST", "POD_NAME"} {
		if _, ok := k.c.env(name); ok {
			t.Errorf("%s is set in standalone mode", name)
		}
	}
	return k
}

// checkPod checks a worker's pod, in either mode: the selector and the
// Service (which fronts every pod) agree with its labels, the probes and the
// Service reach the port sluice listens on, the data dir and the security
// settings, and that every SLUICE_* variable is one sluice reads.
func checkPod(t *testing.T, selector map[string]string, tmpl podTemplate, svc service) container {
	t.Helper()
	for key, v := range selector {
		if tmpl.Metadata.Labels[key] != v {
			t.Errorf("the pod template lacks selector label %s=%s", key, v)
		}
		if svc.Spec.Selector[key] != v {
			t.Errorf("the Service's selector lacks %s=%s", key, v)
		}
	}
	if len(selector) == 0 || len(svc.Spec.Selector) != len(selector) {
		t.Errorf("selectors differ: workload %v, service %v", selector, svc.Spec.Selector)
	}
	pod := tmpl.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("want one container, got %d", len(pod.Containers))
	}
	c := pod.Containers[0]
	if pod.EnableServiceLinks == nil || *pod.EnableServiceLinks {
		t.Errorf("enableServiceLinks is not false: a Service named sluice would set SLUICE_* variables")
	}

	// The probes reach the port sluice listens on.
	listen, ok := c.env("SLUICE_LISTEN")
	if !ok {
		t.Fatalf("SLUICE_LISTEN is not set")
	}
	port, err := strconv.Atoi(strings.TrimPrefix(listen, ":"))
	if err != nil {
		t.Fatalf("SLUICE_LISTEN %q is not :port", listen)
	}
	if len(c.Ports) != 1 || c.Ports[0].ContainerPort != port {
		t.Fatalf("container ports %+v, want one on %d (SLUICE_LISTEN)", c.Ports, port)
	}
	portName := c.Ports[0].Name
	for _, p := range []struct {
		name, path string
		pr         *probe
	}{{"liveness", "/healthz", c.LivenessProbe}, {"readiness", "/readyz", c.ReadinessProbe}} {
		if p.pr == nil {
			t.Errorf("no %s probe", p.name)
			continue
		}
		if p.pr.HTTPGet.Path != p.path || p.pr.HTTPGet.Port != portName {
			t.Errorf("%s probe GET %s on port %q, want %s on %q", p.name, p.pr.HTTPGet.Path, p.pr.HTTPGet.Port, p.path, portName)
		}
	}
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].TargetPort != portName {
		t.Errorf("Service ports %+v, want one targeting %q", svc.Spec.Ports, portName)
	}

	// The data dir is on the data volume.
	dataDir, ok := c.env("SLUICE_DATA_DIR")
	if !ok {
		t.Errorf("SLUICE_DATA_DIR is not set")
	}
	if m, ok := c.mount("data"); !ok || m != dataDir {
		t.Errorf("volume data mounted at %q, want SLUICE_DATA_DIR %q", m, dataDir)
	}

	// Non-root, read-only root, /tmp writable.
	sc := c.SecurityContext
	if sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser != dockerfileUser(t) {
		t.Errorf("container runAsNonRoot %v runAsUser %v, want true and the Dockerfile's USER %d", sc.RunAsNonRoot, sc.RunAsUser, dockerfileUser(t))
	}
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Errorf("readOnlyRootFilesystem is not true")
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("allowPrivilegeEscalation is not false")
	}
	if !slices.Contains(sc.Capabilities.Drop, "ALL") {
		t.Errorf("capabilities drop %v, want ALL", sc.Capabilities.Drop)
	}
	if psc := pod.SecurityContext; psc.FSGroup == nil || *psc.FSGroup != dockerfileUser(t) {
		t.Errorf("pod fsGroup %v, want %d so the data volume is writable", psc.FSGroup, dockerfileUser(t))
	}
	if m, ok := c.mount("tmp"); !ok || m != "/tmp" || volumeNamed(pod.Volumes, "tmp") == nil || volumeNamed(pod.Volumes, "tmp").EmptyDir == nil {
		t.Errorf("no emptyDir at /tmp under the read-only root")
	}

	// Every mount has its volume and every volume a mount.
	for _, m := range c.VolumeMounts {
		if volumeNamed(pod.Volumes, m.Name) == nil {
			t.Errorf("mount %s at %s has no volume", m.Name, m.MountPath)
		}
	}
	for _, v := range pod.Volumes {
		if _, ok := c.mount(v.Name); !ok {
			t.Errorf("volume %s is not mounted", v.Name)
		}
	}

	// Every SLUICE_* variable is one sluice serve reads.
	known := sluiceVariables(t)
	for _, e := range c.Env {
		if strings.HasPrefix(e.Name, "SLUICE_") && !known[e.Name] {
			t.Errorf("env %s is not a variable cmd/sluice reads", e.Name)
		}
	}
	return c
}

// dockerfileUser is the uid deploy/Dockerfile's image runs as.
func dockerfileUser(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^USER\s+(\d+)`).FindSubmatch(b)
	if m == nil {
		t.Fatal("deploy/Dockerfile has no numeric USER")
	}
	uid, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return uid
}

// sluiceVariables are the SLUICE_* names cmd/sluice's code mentions.
func sluiceVariables(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "cmd", "sluice", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("cmd/sluice sources: %v", err)
	}
	re := regexp.MustCompile(`"(SLUICE_[A-Z0-9_]+)"`)
	known := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllSubmatch(b, -1) {
			known[string(m[1])] = true
		}
	}
	if !known["SLUICE_DATA_DIR"] {
		t.Fatalf("found no SLUICE_DATA_DIR in cmd/sluice: the scan is broken (%d names)", len(known))
	}
	return known
}

func TestChartDefaults(t *testing.T) {
	// kafka.brokers is the one value without a default (sluice's own,
	// 127.0.0.1:9092, means nothing in a pod).
	out, err := render(t, "--set", "kafka.brokers=kafka:9092")
	if err != nil {
		t.Fatal(err)
	}
	k := checkCommon(t, out)
	want := []string{"Deployment", "PersistentVolumeClaim", "Service", "ServiceAccount"}
	if got := kinds(k.objs); !slices.Equal(got, want) {
		t.Errorf("kinds %v, want %v (no ServiceMonitor unless enabled, no Secret without secrets)", got, want)
	}
	var claim pvc
	claimName := find(t, k.objs, "PersistentVolumeClaim", &claim).Metadata.Name
	data := volumeNamed(k.dep.Spec.Template.Spec.Volumes, "data")
	if data == nil || data.PersistentVolumeClaim == nil || data.PersistentVolumeClaim.ClaimName != claimName {
		t.Errorf("volume data is %+v, want the claim %s", data, claimName)
	}
	if !slices.Equal(claim.Spec.AccessModes, []string{"ReadWriteOnce"}) {
		t.Errorf("claim access modes %v", claim.Spec.AccessModes)
	}
	if d, _ := k.c.env("SLUICE_DATA_DIR"); d != "/var/lib/sluice" {
		t.Errorf("SLUICE_DATA_DIR = %q, want the image's /var/lib/sluice", d)
	}
	if b, _ := k.c.env("SLUICE_KAFKA_BROKERS"); b != "kafka:9092" {
		t.Errorf("SLUICE_KAFKA_BROKERS = %q", b)
	}
	for _, name := range []string{"SLUICE_CONFIG_PROVIDERS", "SLUICE_WORKER_CONFIG", "SLUICE_REST_OPEN_PATHS", "SLUICE_REST_TLS_CERT"} {
		if v, ok := k.c.env(name); ok {
			t.Errorf("%s = %q by default; sluice declares no provider and no REST security unless asked", name, v)
		}
	}
	if s := k.c.LivenessProbe.HTTPGet.Scheme; s != "HTTP" {
		t.Errorf("probe scheme %q without REST TLS", s)
	}
	if k.c.Image != "sluice:0.1.0-dev" {
		t.Errorf("image %q, want the repository and the chart's appVersion", k.c.Image)
	}
}

func TestChartAllOptions(t *testing.T) {
	out, err := render(t, "-f", filepath.Join("testdata", "all-options.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	k := checkCommon(t, out)
	want := []string{"Deployment", "PersistentVolumeClaim", "Secret", "Secret", "Service", "ServiceAccount", "ServiceMonitor"}
	if got := kinds(k.objs); !slices.Equal(got, want) {
		t.Errorf("kinds %v, want %v", got, want)
	}
	c, pod := k.c, k.dep.Spec.Template.Spec

	// Secret-backed config providers: the chart's Secret mounted where the
	// declared providers may read, and nowhere else.
	secrets := map[string]map[string]string{}
	for _, o := range k.objs {
		if o.Kind == "Secret" {
			var s secret
			if err := o.doc.Decode(&s); err != nil {
				t.Fatal(err)
			}
			secrets[o.Metadata.Name] = s.StringData
		}
	}
	sv := volumeNamed(pod.Volumes, "secrets")
	if sv == nil || sv.Secret == nil {
		t.Fatalf("no secret volume named secrets: %+v", pod.Volumes)
	}
	if _, ok := secrets[sv.Secret.SecretName]["pg.properties"]; !ok {
		t.Errorf("the secrets volume's Secret %s has no pg.properties (Secrets: %v)", sv.Secret.SecretName, secrets)
	}
	if m, _ := c.mount("secrets"); m != "/etc/sluice/secrets" {
		t.Errorf("secrets mounted at %q", m)
	}
	providers, ok := c.env("SLUICE_CONFIG_PROVIDERS")
	if !ok {
		t.Fatal("SLUICE_CONFIG_PROVIDERS is not set with a secret mounted")
	}
	r, err := configprovider.FromFlag(providers)
	if err != nil {
		t.Fatalf("sluice refuses SLUICE_CONFIG_PROVIDERS %q: %v", providers, err)
	}
	if got := r.Names(); !slices.Equal(got, []string{"directory", "env", "file"}) && !slices.Equal(got, []string{"file", "directory", "env"}) {
		t.Errorf("declared providers %v, want file, directory, env", got)
	}
	// allowed.paths confines the file provider to the mount.
	outside := filepath.Join(t.TempDir(), "pg.properties")
	if err := os.WriteFile(outside, []byte("password=x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if res := r.Resolve(map[string]string{"database.password": "${file:" + outside + ":password}"}); res.Err() == nil {
		t.Errorf("the rendered file provider read %s, outside the secrets mount", outside)
	}

	// The worker properties file, from the chart's Secret.
	wc, ok := c.env("SLUICE_WORKER_CONFIG")
	if !ok || wc != "/etc/sluice/worker/worker.properties" {
		t.Errorf("SLUICE_WORKER_CONFIG = %q", wc)
	}
	wv := volumeNamed(pod.Volumes, "worker-config")
	if wv == nil || wv.Secret == nil {
		t.Fatalf("no worker-config secret volume")
	}
	if p := secrets[wv.Secret.SecretName]["worker.properties"]; !strings.Contains(p, "security.protocol=SASL_SSL") {
		t.Errorf("worker Secret %s holds %q", wv.Secret.SecretName, p)
	}
	if m, _ := c.mount("worker-file-0"); m != "/etc/sluice/kafka-tls" {
		t.Errorf("workerConfig.files[0] mounted at %q", m)
	}

	// REST TLS and authentication: the probes go over HTTPS and stay open.
	for _, p := range []*probe{c.LivenessProbe, c.ReadinessProbe} {
		if p.HTTPGet.Scheme != "HTTPS" {
			t.Errorf("probe %s scheme %q with REST TLS on", p.HTTPGet.Path, p.HTTPGet.Scheme)
		}
	}
	open, _ := c.env("SLUICE_REST_OPEN_PATHS")
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		if !slices.Contains(strings.Split(open, ","), p) {
			t.Errorf("SLUICE_REST_OPEN_PATHS %q lacks %s, so the probes or the scrape would get 401", open, p)
		}
	}
	if l, _ := c.env("SLUICE_LISTEN"); l != ":8443" {
		t.Errorf("SLUICE_LISTEN = %q, want rest.port", l)
	}
	if d, _ := c.env("SLUICE_DATA_DIR"); d != "/data/sluice" {
		t.Errorf("SLUICE_DATA_DIR = %q, want dataDir", d)
	}
	if !slices.Equal(c.Args, []string{"--converter-schemas-enable=true"}) {
		t.Errorf("args %v", c.Args)
	}

	var claim pvc
	find(t, k.objs, "PersistentVolumeClaim", &claim)
	if claim.Spec.StorageClassName == nil || *claim.Spec.StorageClassName != "fast" || claim.Spec.Resources.Requests["storage"] != "5Gi" {
		t.Errorf("claim %+v, want storage class fast and 5Gi", claim.Spec)
	}

	var sm serviceMonitor
	find(t, k.objs, "ServiceMonitor", &sm)
	if sm.APIVersion != "monitoring.coreos.com/v1" {
		t.Errorf("ServiceMonitor apiVersion %q", sm.APIVersion)
	}
	if len(sm.Spec.Endpoints) != 1 || sm.Spec.Endpoints[0].Path != "/metrics" || sm.Spec.Endpoints[0].Port != k.svc.Spec.Ports[0].Name || sm.Spec.Endpoints[0].Scheme != "https" {
		t.Errorf("ServiceMonitor endpoints %+v, want /metrics over https on the Service's port %q", sm.Spec.Endpoints, k.svc.Spec.Ports[0].Name)
	}
	for key, v := range sm.Spec.Selector.MatchLabels {
		if k.svc.Spec.Selector[key] != v {
			t.Errorf("ServiceMonitor selects %s=%s, which the Service does not carry", key, v)
		}
	}
}

// TestChartRefuses renders values the chart must refuse, each with a
// message that says what to change.
func TestChartRefuses(t *testing.T) {
	const brokers = "kafka.brokers=k:9092"
	dist := []string{"--set", brokers, "--set", "distributed.enabled=true"}
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"two replicas", []string{"--set", brokers, "--set", "replicaCount=2"}, []string{"replicaCount=2", "exactly one replica", "set distributed.enabled=true and distributed.replicas"}},
		{"no brokers", nil, []string{"set kafka.brokers"}},
		{"client certificates required", []string{"--set", brokers, "--set", "rest.tls.secretName=t", "--set", "rest.tls.clientAuth=required"}, []string{"use requested"}},
		{"two worker configs", []string{"--set", brokers, "--set", "workerConfig.existingSecret=a", "--set", "workerConfig.properties=x=y"}, []string{"set one of"}},
		{"env provider over a mount", []string{"--set", brokers, "--set", "secrets.existingSecret=s", "--set", "secrets.providers={env}"}, []string{"use file or directory"}},
		{"log format", []string{"--set", brokers, "--set", "logFormat=xml"}, []string{"use text or json"}},
		{"distributed, no workers", append(dist, "--set", "distributed.replicas=0"), []string{"distributed.replicas=0", "at least one worker", "1 or more"}},
		{"distributed, negative workers", append(dist, "--set", "distributed.replicas=-2"), []string{"distributed.replicas=-2", "1 or more"}},
		{"distributed, workers not a number", append(dist, "--set", "distributed.replicas=three"), []string{"distributed.replicas=three", "1 or more"}},
		{"distributed, no brokers", []string{"--set", "distributed.enabled=true"}, []string{"set kafka.brokers"}},
		{"distributed with replicaCount", append(dist, "--set", "replicaCount=3"), []string{"replicaCount=3", "not used in distributed mode", "distributed.replicas (now 3)"}},
		{"distributed with a claim", append(dist, "--set", "persistence.existingClaim=old-data"), []string{"persistence.existingClaim", "emptyDir", "unset it"}},
		{"distributed, heartbeat over session", append(dist, "--set", "distributed.sessionTimeoutMs=6000", "--set", "distributed.heartbeatIntervalMs=6000"), []string{"distributed.heartbeatIntervalMs=6000 must be below distributed.sessionTimeoutMs=6000"}},
		{"distributed, timeout not in ms", append(dist, "--set", "distributed.sessionTimeoutMs=10s"), []string{"distributed.sessionTimeoutMs=10s", "milliseconds above 0"}},
		{"distributed, group id not a topic name", append(dist, "--set", "distributed.groupId=cdc prod"), []string{"distributed.configTopic", `"cdc prod-configs" is not a Kafka topic name`, "distributed.groupId"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := render(t, tc.args...)
			if err == nil {
				t.Fatalf("helm template %v succeeded; want a failure saying %q", tc.args, tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("helm template %v failed with %q; want it to say %q", tc.args, err, w)
				}
			}
		})
	}
}

// distributedChecked is what every distributed rendering must satisfy.
type distributedChecked struct {
	objs     []object
	sts      statefulSet
	stsName  string
	svc      service // fronts every worker: the REST API
	headless service
	hlName   string
	c        container
}

// checkDistributed checks a distributed rendering: a StatefulSet and no
// Deployment or claim; the headless Service that names each pod; the
// workers' env naming each one by that name; the data dir on an emptyDir.
func checkDistributed(t *testing.T, out []byte, fullname string) distributedChecked {
	t.Helper()
	objs := decodeAll(t, out)
	k := distributedChecked{objs: objs}
	for _, kind := range []string{"Deployment", "PersistentVolumeClaim"} {
		if slices.Contains(kinds(objs), kind) {
			t.Errorf("a %s was rendered in distributed mode (kinds %v)", kind, kinds(objs))
		}
	}
	k.stsName = find(t, objs, "StatefulSet", &k.sts).Metadata.Name
	if k.stsName != fullname {
		t.Errorf("StatefulSet %q, want %q", k.stsName, fullname)
	}
	var services []object
	for _, o := range objs {
		if o.Kind == "Service" {
			services = append(services, o)
		}
	}
	if len(services) != 2 {
		t.Fatalf("%d Services, want 2 (the REST API's and the headless one)", len(services))
	}
	for _, o := range services {
		var s service
		if err := o.doc.Decode(&s); err != nil {
			t.Fatal(err)
		}
		if s.Spec.ClusterIP == "None" {
			k.headless, k.hlName = s, o.Metadata.Name
		} else {
			k.svc = s
		}
	}
	if k.hlName == "" {
		t.Fatalf("no headless Service (clusterIP: None)")
	}
	spec := k.sts.Spec
	if spec.ServiceName != k.hlName {
		t.Errorf("StatefulSet serviceName %q, want the headless Service %q (it gives the pods their DNS names)", spec.ServiceName, k.hlName)
	}
	if spec.PodManagementPolicy != "Parallel" {
		t.Errorf("podManagementPolicy %q, want Parallel", spec.PodManagementPolicy)
	}
	if len(spec.VolumeClaimTemplates) != 0 {
		t.Errorf("volumeClaimTemplates %v: a worker keeps nothing in its data dir", spec.VolumeClaimTemplates)
	}
	// Both Services select exactly the StatefulSet's pods.
	k.c = checkPod(t, spec.Selector.MatchLabels, spec.Template, k.svc)
	if !maps.Equal(k.headless.Spec.Selector, spec.Selector.MatchLabels) {
		t.Errorf("headless Service selects %v, want the StatefulSet's %v", k.headless.Spec.Selector, spec.Selector.MatchLabels)
	}
	if !k.headless.Spec.PublishNotReadyAddresses {
		t.Errorf("headless Service does not publish not-ready pods: a worker in the group would be unreachable by name while /readyz fails")
	}
	if len(k.headless.Spec.Ports) != 1 || k.headless.Spec.Ports[0].TargetPort != k.c.Ports[0].Name || k.headless.Spec.Ports[0].Port != k.c.Ports[0].ContainerPort {
		t.Errorf("headless Service ports %+v, want the container's port %+v", k.headless.Spec.Ports, k.c.Ports)
	}

	// The data dir keeps nothing a worker needs.
	if v := volumeNamed(spec.Template.Spec.Volumes, "data"); v == nil || v.EmptyDir == nil || v.PersistentVolumeClaim != nil {
		t.Errorf("data volume %+v, want an emptyDir", v)
	}

	// The advertised host: the pod's name and namespace from the downward
	// API, defined before the variable that refers to them (the kubelet
	// expands $(VAR) only from earlier entries).
	pos := map[string]int{}
	for i, e := range k.c.Env {
		pos[e.Name] = i
	}
	for name, field := range map[string]string{"POD_NAME": "metadata.name", "POD_NAMESPACE": "metadata.namespace"} {
		i, ok := pos[name]
		if !ok {
			t.Errorf("%s is not set", name)
			continue
		}
		e := k.c.Env[i]
		if e.ValueFrom == nil || e.ValueFrom.FieldRef == nil || e.ValueFrom.FieldRef.FieldPath != field {
			t.Errorf("%s is not from the downward API's %s: %+v", name, field, e)
		}
		if j, ok := pos["SLUICE_REST_ADVERTISED_HOST"]; ok && i > j {
			t.Errorf("%s is defined after SLUICE_REST_ADVERTISED_HOST, which refers to it", name)
		}
	}
	adv, ok := k.c.env("SLUICE_REST_ADVERTISED_HOST")
	if !ok {
		t.Fatalf("SLUICE_REST_ADVERTISED_HOST is not set: workers would name themselves by a host the others cannot resolve")
	}
	// What pod 0 in namespace cdc gets, and the name the cluster's DNS
	// gives that pod: <pod>.<serviceName>.<namespace>.svc.
	got := strings.NewReplacer("$(POD_NAME)", k.stsName+"-0", "$(POD_NAMESPACE)", "cdc").Replace(adv)
	if want := k.stsName + "-0." + spec.ServiceName + ".cdc.svc"; got != want {
		t.Errorf("SLUICE_REST_ADVERTISED_HOST %q gives pod 0 %q, want its DNS name %q", adv, got, want)
	}
	if _, ok := k.c.env("SLUICE_REST_ADVERTISED_PORT"); ok {
		t.Errorf("SLUICE_REST_ADVERTISED_PORT is set: the headless Service's port is the listen port, sluice's default")
	}
	return k
}

func (k distributedChecked) pdb(t *testing.T) (podDisruptionBudget, bool) {
	t.Helper()
	if !slices.Contains(kinds(k.objs), "PodDisruptionBudget") {
		return podDisruptionBudget{}, false
	}
	var p podDisruptionBudget
	find(t, k.objs, "PodDisruptionBudget", &p)
	return p, true
}

// TestChartDistributed renders distributed mode with its defaults: three
// workers of group <fullname>, topics named after it, a PDB.
func TestChartDistributed(t *testing.T) {
	out, err := render(t, "--set", "kafka.brokers=kafka:9092", "--set", "distributed.enabled=true")
	if err != nil {
		t.Fatal(err)
	}
	k := checkDistributed(t, out, "rel-sluice")
	want := []string{"PodDisruptionBudget", "Service", "Service", "ServiceAccount", "StatefulSet"}
	if got := kinds(k.objs); !slices.Equal(got, want) {
		t.Errorf("kinds %v, want %v", got, want)
	}
	if r := k.sts.Spec.Replicas; r == nil || *r != 3 {
		t.Errorf("replicas %v, want 3 by default", r)
	}
	for name, want := range map[string]string{
		"SLUICE_GROUP_ID":             "rel-sluice",
		"SLUICE_CONFIG_TOPIC":         "rel-sluice-configs",
		"SLUICE_STATUS_TOPIC":         "rel-sluice-status",
		"SLUICE_REST_ADVERTISED_HOST": "$(POD_NAME).rel-sluice-headless.$(POD_NAMESPACE).svc",
		"SLUICE_KAFKA_BROKERS":        "kafka:9092",
	} {
		if got, _ := k.c.env(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	for _, name := range []string{"SLUICE_SESSION_TIMEOUT_MS", "SLUICE_HEARTBEAT_INTERVAL_MS", "SLUICE_REBALANCE_TIMEOUT_MS"} {
		if v, ok := k.c.env(name); ok {
			t.Errorf("%s = %q without a value for it; sluice's default should apply", name, v)
		}
	}
	p, ok := k.pdb(t)
	if !ok {
		t.Fatalf("no PodDisruptionBudget with 3 workers")
	}
	if p.APIVersion != "policy/v1" || p.Spec.MaxUnavailable == nil || *p.Spec.MaxUnavailable != 1 || p.Spec.MinAvailable != nil {
		t.Errorf("PDB %s %+v, want policy/v1 with maxUnavailable 1", p.APIVersion, p.Spec)
	}
	if !maps.Equal(p.Spec.Selector.MatchLabels, k.sts.Spec.Selector.MatchLabels) {
		t.Errorf("PDB selects %v, want the StatefulSet's pods %v", p.Spec.Selector.MatchLabels, k.sts.Spec.Selector.MatchLabels)
	}
	// The readiness probe is standalone's.
	std, err := render(t, "--set", "kafka.brokers=kafka:9092")
	if err != nil {
		t.Fatal(err)
	}
	s := checkCommon(t, std)
	if !reflect.DeepEqual(s.c.ReadinessProbe, k.c.ReadinessProbe) || !reflect.DeepEqual(s.c.LivenessProbe, k.c.LivenessProbe) {
		t.Errorf("probes differ from standalone's: %+v %+v, standalone %+v %+v", k.c.LivenessProbe, k.c.ReadinessProbe, s.c.LivenessProbe, s.c.ReadinessProbe)
	}
}

// TestChartDistributedOptions sets every distributed option
// (testdata/distributed.yaml): the group, one topic named, the other from
// the group, the timeouts; persistence is ignored; the ServiceMonitor
// scrapes each worker once.
func TestChartDistributedOptions(t *testing.T) {
	out, err := render(t, "-f", filepath.Join("testdata", "distributed.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	k := checkDistributed(t, out, "cdc")
	want := []string{"PodDisruptionBudget", "Service", "Service", "ServiceAccount", "ServiceMonitor", "StatefulSet"}
	if got := kinds(k.objs); !slices.Equal(got, want) {
		t.Errorf("kinds %v, want %v (no claim though persistence.enabled)", got, want)
	}
	if r := k.sts.Spec.Replicas; r == nil || *r != 5 {
		t.Errorf("replicas %v, want distributed.replicas 5", r)
	}
	for name, want := range map[string]string{
		"SLUICE_GROUP_ID":              "cdc-prod",
		"SLUICE_CONFIG_TOPIC":          "cdc-prod-connect-configs",
		"SLUICE_STATUS_TOPIC":          "cdc-prod-status",
		"SLUICE_SESSION_TIMEOUT_MS":    "20000",
		"SLUICE_HEARTBEAT_INTERVAL_MS": "5000",
		"SLUICE_REBALANCE_TIMEOUT_MS":  "120000",
		"SLUICE_REST_ADVERTISED_HOST":  "$(POD_NAME).cdc-headless.$(POD_NAMESPACE).svc",
		"SLUICE_OFFSETS_TOPIC":         "cdc-offsets",
	} {
		if got, _ := k.c.env(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}

	// The ServiceMonitor selects the REST Service and not the headless one,
	// which has the same pods behind a port of the same name.
	var sm serviceMonitor
	find(t, k.objs, "ServiceMonitor", &sm)
	selects := func(labels map[string]string) bool {
		for key, v := range sm.Spec.Selector.MatchLabels {
			if labels[key] != v {
				return false
			}
		}
		for _, e := range sm.Spec.Selector.MatchExpressions {
			_, has := labels[e.Key]
			switch e.Operator {
			case "DoesNotExist":
				if has {
					return false
				}
			case "Exists":
				if !has {
					return false
				}
			default:
				t.Fatalf("ServiceMonitor selector operator %q: teach the test", e.Operator)
			}
		}
		return true
	}
	if !selects(k.svc.Metadata.Labels) {
		t.Errorf("the ServiceMonitor (%+v) does not select the REST Service (labels %v)", sm.Spec.Selector, k.svc.Metadata.Labels)
	}
	if selects(k.headless.Metadata.Labels) {
		t.Errorf("the ServiceMonitor (%+v) selects the headless Service too (labels %v): every worker would be scraped twice", sm.Spec.Selector, k.headless.Metadata.Labels)
	}
}

// TestChartDistributedOneWorker: one worker needs no PDB (maxUnavailable 1
// would be every pod).
func TestChartDistributedOneWorker(t *testing.T) {
	out, err := render(t, "--set", "kafka.brokers=kafka:9092", "--set", "distributed.enabled=true", "--set", "distributed.replicas=1")
	if err != nil {
		t.Fatal(err)
	}
	k := checkDistributed(t, out, "rel-sluice")
	if r := k.sts.Spec.Replicas; r == nil || *r != 1 {
		t.Errorf("replicas %v, want 1", r)
	}
	if _, ok := k.pdb(t); ok {
		t.Errorf("a PodDisruptionBudget was rendered for one worker")
	}
}

// TestChartDistributedAllOptions turns distributed mode on over every
// other option (testdata/all-options.yaml): the pod keeps its mounts, TLS
// and authentication, gains the group's settings, and no claim is made
// although persistence is on.
func TestChartDistributedAllOptions(t *testing.T) {
	out, err := render(t, "-f", filepath.Join("testdata", "all-options.yaml"), "--set", "distributed.enabled=true")
	if err != nil {
		t.Fatal(err)
	}
	k := checkDistributed(t, out, "cdc")
	want := []string{"PodDisruptionBudget", "Secret", "Secret", "Service", "Service", "ServiceAccount", "ServiceMonitor", "StatefulSet"}
	if got := kinds(k.objs); !slices.Equal(got, want) {
		t.Errorf("kinds %v, want %v", got, want)
	}
	std, err := render(t, "-f", filepath.Join("testdata", "all-options.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := checkCommon(t, std)
	// Everything standalone sets is set alike, except the data volume.
	for _, e := range s.c.Env {
		got, ok := k.c.env(e.Name)
		if e.ValueFrom == nil && (!ok || got != e.Value) {
			t.Errorf("%s = %q in distributed mode, %q in standalone", e.Name, got, e.Value)
		}
	}
	for _, m := range s.c.VolumeMounts {
		if got, ok := k.c.mount(m.Name); !ok || got != m.MountPath {
			t.Errorf("mount %s at %q in distributed mode, %q in standalone", m.Name, got, m.MountPath)
		}
	}
	if !reflect.DeepEqual(s.c.ReadinessProbe, k.c.ReadinessProbe) || k.c.ReadinessProbe.HTTPGet.Scheme != "HTTPS" {
		t.Errorf("readiness probe %+v, want standalone's %+v (HTTPS)", k.c.ReadinessProbe, s.c.ReadinessProbe)
	}
}

// TestChartExistingSecrets uses Secrets and a claim the user made: the chart
// creates none of them and mounts them.
func TestChartExistingSecrets(t *testing.T) {
	out, err := render(t,
		"--set", "secrets.existingSecret=pg-creds", "--set", "secrets.providers={file}",
		"--set", "workerConfig.existingConfigMap=worker", "--set", "persistence.existingClaim=old-data")
	if err != nil {
		t.Fatal(err)
	}
	k := checkCommon(t, out)
	want := []string{"Deployment", "Service", "ServiceAccount"}
	if got := kinds(k.objs); !slices.Equal(got, want) {
		t.Errorf("kinds %v, want %v (no Secret or claim of the chart's own)", got, want)
	}
	pod := k.dep.Spec.Template.Spec
	if v := volumeNamed(pod.Volumes, "secrets"); v == nil || v.Secret == nil || v.Secret.SecretName != "pg-creds" {
		t.Errorf("secrets volume %+v, want Secret pg-creds", v)
	}
	if v := volumeNamed(pod.Volumes, "worker-config"); v == nil || v.ConfigMap == nil || v.ConfigMap.Name != "worker" {
		t.Errorf("worker-config volume %+v, want ConfigMap worker", v)
	}
	if v := volumeNamed(pod.Volumes, "data"); v == nil || v.PersistentVolumeClaim == nil || v.PersistentVolumeClaim.ClaimName != "old-data" {
		t.Errorf("data volume %+v, want claim old-data", v)
	}
	p, _ := k.c.env("SLUICE_CONFIG_PROVIDERS")
	r, err := configprovider.FromFlag(p)
	if err != nil {
		t.Fatalf("sluice refuses SLUICE_CONFIG_PROVIDERS %q: %v", p, err)
	}
	if !slices.Equal(r.Names(), []string{"file"}) {
		t.Errorf("SLUICE_CONFIG_PROVIDERS %q declares %v, want file only", p, r.Names())
	}
	if _, ok := k.c.env("SLUICE_KAFKA_BROKERS"); ok {
		t.Errorf("SLUICE_KAFKA_BROKERS set without kafka.brokers: it would override the worker config's bootstrap.servers")
	}
}

// TestChartWithoutPersistence puts the data dir on an emptyDir and creates
// no claim.
func TestChartWithoutPersistence(t *testing.T) {
	out, err := render(t, "--set", "kafka.brokers=kafka:9092", "--set", "persistence.enabled=false")
	if err != nil {
		t.Fatal(err)
	}
	k := checkCommon(t, out)
	if slices.Contains(kinds(k.objs), "PersistentVolumeClaim") {
		t.Errorf("a claim was rendered with persistence.enabled=false")
	}
	if v := volumeNamed(k.dep.Spec.Template.Spec.Volumes, "data"); v == nil || v.EmptyDir == nil || v.PersistentVolumeClaim != nil {
		t.Errorf("data volume %+v, want an emptyDir", v)
	}
}
