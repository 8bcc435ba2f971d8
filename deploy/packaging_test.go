package deploy

import (
	"bufio"
	"bytes"
	"context"
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// root is the module root, where docker build and go build run.
const root = ".."

// dockerfile is deploy/Dockerfile's instructions, continuation lines
// joined, comments dropped.
type dockerfile []string

func readDockerfile(t *testing.T) dockerfile {
	t.Helper()
	f, err := os.Open("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var d dockerfile
	var cur strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if s, ok := strings.CutSuffix(line, `\`); ok {
			cur.WriteString(s + " ")
			continue
		}
		cur.WriteString(line)
		d = append(d, cur.String())
		cur.Reset()
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return d
}

// all returns the arguments of every instruction named instr.
func (d dockerfile) all(instr string) []string {
	var out []string
	for _, l := range d {
		if name, rest, ok := strings.Cut(l, " "); ok && strings.EqualFold(name, instr) {
			out = append(out, strings.TrimSpace(rest))
		}
	}
	return out
}

// image is what the Dockerfile says about the sluice it builds.
type image struct {
	buildCmd   string   // the RUN line's shell command that builds sluice
	buildOut   string   // its -o path in the build stage
	entrypoint []string // ENTRYPOINT, exec form
	env        map[string]string
	volume     string
}

var outFlag = regexp.MustCompile(`(\s-o\s+)(\S+)`)

// parseImage reads the build command, where its output lands in the image,
// the entrypoint, the ENV and the VOLUME, checking that they agree.
func parseImage(t *testing.T) image {
	t.Helper()
	d := readDockerfile(t)
	var img image
	for _, run := range d.all("RUN") {
		if strings.Contains(run, "go build") {
			if img.buildCmd != "" {
				t.Fatalf("deploy/Dockerfile has two RUN lines with go build")
			}
			img.buildCmd = run
		}
	}
	m := outFlag.FindStringSubmatch(img.buildCmd)
	if m == nil {
		t.Fatalf("deploy/Dockerfile: no RUN line with go build -o PATH (found %q)", img.buildCmd)
	}
	img.buildOut = m[2]
	if err := json.Unmarshal([]byte(strings.Join(d.all("ENTRYPOINT"), "")), &img.entrypoint); err != nil || len(img.entrypoint) == 0 {
		t.Fatalf("deploy/Dockerfile: ENTRYPOINT is not an exec-form array: %v", err)
	}
	copied := false
	for _, c := range d.all("COPY") {
		f := strings.Fields(c)
		if len(f) == 3 && f[0] == "--from=build" && f[1] == img.buildOut && f[2] == img.entrypoint[0] {
			copied = true
		}
	}
	if !copied {
		t.Errorf("deploy/Dockerfile: no COPY --from=build %s %s: the entrypoint is not the binary the RUN line builds", img.buildOut, img.entrypoint[0])
	}
	img.env = map[string]string{}
	for _, e := range d.all("ENV") {
		for _, kv := range strings.Fields(e) {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				t.Fatalf("deploy/Dockerfile: ENV %q is not KEY=VALUE", kv)
			}
			img.env[k] = v
		}
	}
	var vols []string
	if err := json.Unmarshal([]byte(strings.Join(d.all("VOLUME"), "")), &vols); err != nil || len(vols) != 1 {
		t.Fatalf("deploy/Dockerfile: want one VOLUME in exec form: %v", err)
	}
	img.volume = vols[0]
	if img.env["SLUICE_DATA_DIR"] != img.volume {
		t.Errorf("deploy/Dockerfile: SLUICE_DATA_DIR %q is not the VOLUME %q", img.env["SLUICE_DATA_DIR"], img.volume)
	}
	return img
}

// dockerUsable reports whether a docker client reaches a daemon (a client
// alone, without a daemon, is no container runtime).
func dockerUsable() bool {
	if _, err := exec.LookPath("docker"); err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return exec.CommandContext(ctx, "docker", "info").Run() == nil
}

// TestDockerfile builds deploy/Dockerfile's image and starts it when a
// container runtime answers. Otherwise it runs the Dockerfile's own go build
// line, as written but for the output path, and checks its binary: static,
// built as the line says, and starting with the image's settings.
//
// It builds sluice (a minute or two with a cold build cache), so it runs
// under make test-packaging, which sets SLUICE_BIN, not in go test ./....
func TestDockerfile(t *testing.T) {
	img := parseImage(t)
	if os.Getenv("SLUICE_BIN") == "" {
		t.Skip("SLUICE_BIN is not set: the Dockerfile's build is checked by make test-packaging (it builds sluice, which takes a while)")
	}
	if dockerUsable() {
		testImage(t, img)
		return
	}
	t.Logf("no container runtime answers (docker info failed or docker is absent): checking the Dockerfile's build step instead of the image")

	bin := filepath.Join(t.TempDir(), "sluice")
	cmdline := outFlag.ReplaceAllString(img.buildCmd, "${1}"+bin)
	t.Logf("sh -c %q", cmdline)
	cmd := exec.Command("sh", "-c", cmdline)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the Dockerfile's build step failed: %v\n%s", err, out)
	}
	checkStatic(t, bin)
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	// The binary was built as the RUN line says.
	if !strings.Contains(cmdline, "CGO_ENABLED=0") || settings["CGO_ENABLED"] != "0" {
		t.Errorf("the Dockerfile's build step %q gave CGO_ENABLED=%q; an empty base image needs CGO_ENABLED=0", cmdline, settings["CGO_ENABLED"])
	}
	if strings.Contains(cmdline, "-trimpath") && settings["-trimpath"] != "true" {
		t.Errorf("built without -trimpath, which the Dockerfile asks for")
	}
	if m := regexp.MustCompile(`-tags[= ](\S+)`).FindStringSubmatch(cmdline); m != nil && settings["-tags"] != m[1] {
		t.Errorf("built with tags %q, the Dockerfile asks for %q", settings["-tags"], m[1])
	}
	if !strings.Contains(settings["-tags"], "timetzdata") {
		t.Errorf("built without the timetzdata tag: the empty base image has no /usr/share/zoneinfo")
	}
	checkVersion(t, exec.Command(bin, "version"))

	// Start it as the image's entrypoint would, with the image's ENV but
	// a free port and a temporary data dir for its paths.
	port := freePort(t)
	env := os.Environ()
	for k, v := range img.env {
		env = append(env, k+"="+v)
	}
	env = append(env, "SLUICE_LISTEN=127.0.0.1:"+strconv.Itoa(port), "SLUICE_DATA_DIR="+t.TempDir(), "SLUICE_KAFKA_BROKERS=127.0.0.1:1")
	serve := exec.Command(bin, img.entrypoint[1:]...)
	serve.Env = env
	var logs bytes.Buffer
	serve.Stdout, serve.Stderr = &logs, &logs
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = serve.Wait(); close(exited) }()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			_ = serve.Process.Kill()
			<-exited
		}
	})
	checkStarts(t, fmt.Sprintf("http://127.0.0.1:%d", port), &logs)
	if err := serve.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
		if waitErr != nil {
			t.Errorf("sluice serve exited with %v after SIGTERM\n%s", waitErr, logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Errorf("sluice serve did not stop within 30s of SIGTERM\n%s", logs.String())
	}
}

// testImage builds the image, runs its binary's version and starts it.
func testImage(t *testing.T, img image) {
	tag := fmt.Sprintf("sluice-packaging-test:%d", time.Now().UnixNano())
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("docker", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	run("build", "-f", filepath.Join("deploy", "Dockerfile"), "-t", tag, "--quiet", absRoot(t))
	t.Cleanup(func() { _ = exec.Command("docker", "rmi", "-f", tag).Run() })
	checkVersion(t, exec.Command("docker", "run", "--rm", "--entrypoint", img.entrypoint[0], tag, "version"))

	listen := img.env["SLUICE_LISTEN"]
	_, port, err := net.SplitHostPort(listen)
	if err != nil {
		t.Fatalf("the image's SLUICE_LISTEN %q: %v", listen, err)
	}
	id := run("run", "-d", "-p", "127.0.0.1::"+port, "-e", "SLUICE_KAFKA_BROKERS=127.0.0.1:1", tag)
	t.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", id).Run() })
	hostPort := run("port", id, port+"/tcp")
	hostPort = strings.SplitN(hostPort, "\n", 2)[0]
	var logs bytes.Buffer
	checkStarts(t, "http://"+hostPort, &logs)
	if t.Failed() {
		out, _ := exec.Command("docker", "logs", id).CombinedOutput()
		t.Logf("container logs:\n%s", out)
	}
}

// checkStarts waits for a sluice whose Kafka is unreachable to answer:
// /healthz 200 (alive), /readyz 503 (not ready without Kafka).
func checkStarts(t *testing.T, base string, logs *bytes.Buffer) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET /healthz: %s, want 200", resp.Status)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sluice did not answer /healthz within 60s: %v\n%s", err, logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "kafka") {
		t.Errorf("GET /readyz without Kafka: %s %s, want 503 naming kafka", resp.Status, body)
	}
}

func checkVersion(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "sluice ") {
		t.Errorf("%s: %v, output %q, want \"sluice <version> (<commit>)\"", strings.Join(cmd.Args, " "), err, out)
	}
}

// checkStatic fails unless bin is an ELF executable with no interpreter and
// no dynamic section: it runs on an empty base image.
func checkStatic(t *testing.T, bin string) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	defer f.Close()
	if f.Type != elf.ET_EXEC {
		t.Errorf("%s is ELF type %v, want a non-PIE executable (%v)", bin, f.Type, elf.ET_EXEC)
	}
	for _, p := range f.Progs {
		switch p.Type {
		case elf.PT_INTERP:
			t.Errorf("%s has an interpreter (PT_INTERP): dynamically linked", bin)
		case elf.PT_DYNAMIC:
			t.Errorf("%s has a dynamic section (PT_DYNAMIC): dynamically linked", bin)
		}
	}
	if libs, err := f.ImportedLibraries(); err == nil && len(libs) > 0 {
		t.Errorf("%s needs shared libraries %v", bin, libs)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func absRoot(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestMakeBuildStatic checks the binary make build wrote (SLUICE_BIN; make
// test-packaging sets it): static, without cgo, and it runs.
func TestMakeBuildStatic(t *testing.T) {
	bin := os.Getenv("SLUICE_BIN")
	if bin == "" {
		t.Skip("SLUICE_BIN is not set: no make build binary to check (make test-packaging builds one and sets it)")
	}
	checkStatic(t, bin)
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range info.Settings {
		if s.Key == "CGO_ENABLED" && s.Value != "0" {
			t.Errorf("%s was built with CGO_ENABLED=%s", bin, s.Value)
		}
	}
	checkVersion(t, exec.Command(bin, "version"))
}

// TestSystemdUnit verifies deploy/sluice.service with systemd-analyze, its
// ExecStart pointed at a binary that exists here; any complaint fails.
func TestSystemdUnit(t *testing.T) {
	b, err := os.ReadFile("sluice.service")
	if err != nil {
		t.Fatal(err)
	}
	unit := string(b)
	// The data dir sluice is given is the one systemd creates for it.
	sd := regexp.MustCompile(`(?m)^StateDirectory=(\S+)$`).FindStringSubmatch(unit)
	exec0 := regexp.MustCompile(`(?m)^ExecStart=(\S+) serve .*--data-dir (\S+)`).FindStringSubmatch(unit)
	if sd == nil || exec0 == nil {
		t.Fatalf("sluice.service: want StateDirectory= and ExecStart=BIN serve ... --data-dir DIR")
	}
	if exec0[2] != "/var/lib/"+sd[1] {
		t.Errorf("sluice.service: --data-dir %s is not StateDirectory's /var/lib/%s", exec0[2], sd[1])
	}
	if !strings.Contains(unit, "install -m 0755 bin/sluice "+exec0[1]) {
		t.Errorf("sluice.service: its install steps do not put bin/sluice at ExecStart's %s", exec0[1])
	}
	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed: the unit's syntax is not verified")
	}
	// verify checks that ExecStart's binary exists and is executable; point
	// it at this test's own binary, which does.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sluice.service")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(unit, "ExecStart="+exec0[1], "ExecStart="+self)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(sa, "verify", path).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify sluice.service: %v\n%s", err, out)
	}
}
