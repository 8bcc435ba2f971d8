// Package asyncapi checks AsyncAPI documents in tests with the official
// JavaScript parser (@asyncapi/parser, with the Avro schema parser) and checks
// sample messages against the document's payload and Kafka key schemas with
// ajv; it also generates Go types from a document with the official model
// generator (@asyncapi/modelina). It runs validate.mjs and models.mjs, beside
// this file, under Node.js; the npm packages they need are pinned in
// package-lock.json and installed with npm ci on first use. Tests that use it
// need node and npm (Node.js 18 or newer) but no server.
package asyncapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Sample is one message to check against the first message of a channel.
// Payload and Key are marshalled to JSON; use json.RawMessage for JSON text.
// A nil Key is not checked.
type Sample struct {
	Channel string // channel id in the document, not its address
	Key     any
	Payload any
}

// Result is what validate.mjs reports.
type Result struct {
	// Valid is false when the parser reported an error (it then returns no
	// document) or an Avro schema in the document is broken.
	Valid       bool           `json:"valid"`
	Diagnostics []Diagnostic   `json:"diagnostics"`
	Samples     []SampleResult `json:"samples"`
}

// Diagnostic is one finding about the document. Severity is error, warning,
// info or hint; Path is a JSON Pointer into the document.
type Diagnostic struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Message  string `json:"message"`
	Path     string `json:"path"`
}

// SampleResult is the check of the sample on line Line (from 1) of the
// samples, in the order given to Validate. Skipped says what was not checked
// ("avro": an Avro payload; "avro key": an Avro Kafka key).
type SampleResult struct {
	Line    int      `json:"line"`
	Channel string   `json:"channel"`
	OK      bool     `json:"ok"`
	Errors  []string `json:"errors"`
	Skipped string   `json:"skipped,omitempty"`
}

// Errors returns the diagnostics of severity error.
func (r Result) Errors() []Diagnostic {
	var out []Diagnostic
	for _, d := range r.Diagnostics {
		if d.Severity == "error" {
			out = append(out, d)
		}
	}
	return out
}

var (
	installOnce sync.Once
	installErr  error
)

// Validate parses doc (JSON or YAML; it must not refer to other files) and
// checks samples against it. It fails the test only when the check cannot
// run (no node or npm, npm ci failed, output not understood); what it finds
// is in the Result.
func Validate(t testing.TB, doc []byte, samples []Sample) Result {
	t.Helper()
	dir := ready(t)

	tmp := t.TempDir()
	args := []string{filepath.Join(dir, "validate.mjs"), filepath.Join(tmp, "asyncapi.doc")}
	if err := os.WriteFile(args[1], doc, 0o644); err != nil {
		t.Fatalf("asyncapi: %v", err)
	}
	if len(samples) > 0 {
		var lines bytes.Buffer
		for i, s := range samples {
			line, err := json.Marshal(struct {
				Channel string `json:"channel"`
				Key     any    `json:"key,omitempty"`
				Payload any    `json:"payload"`
			}{s.Channel, s.Key, s.Payload})
			if err != nil {
				t.Fatalf("asyncapi: marshal sample %d: %v", i, err)
			}
			lines.Write(line)
			lines.WriteByte('\n')
		}
		args = append(args, filepath.Join(tmp, "samples.jsonl"))
		if err := os.WriteFile(args[2], lines.Bytes(), 0o644); err != nil {
			t.Fatalf("asyncapi: %v", err)
		}
	}

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		t.Fatalf("asyncapi: node validate.mjs: %v\n%s", err, stderr.Bytes())
	}
	var res Result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("asyncapi: node validate.mjs printed no result (%v)\nstdout: %s\nstderr: %s", err, stdout.Bytes(), stderr.Bytes())
	}
	if len(res.Samples) != len(samples) {
		t.Fatalf("asyncapi: %d sample results for %d samples\n%s", len(res.Samples), len(samples), stdout.Bytes())
	}
	return res
}

// GenerateGo writes Go types for the message payloads of doc (JSON or YAML;
// it must not refer to other files) into dir as package pkg, one file per
// model, with JSON struct tags, as models.mjs generates them with Modelina,
// and returns the names of the types. It fails the test when generation
// fails (no node or npm, npm ci failed, Modelina cannot read doc or throws)
// or its output is not understood. The code is not compiled here.
func GenerateGo(t testing.TB, doc []byte, dir, pkg string) []string {
	t.Helper()
	script := ready(t)

	out, err := filepath.Abs(dir)
	if err != nil {
		t.Fatalf("asyncapi: %v", err)
	}
	in := filepath.Join(t.TempDir(), "asyncapi.doc")
	if err := os.WriteFile(in, doc, 0o644); err != nil {
		t.Fatalf("asyncapi: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(script, "models.mjs"), in, out, pkg)
	cmd.Dir = script
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("asyncapi: node models.mjs: %v\n%s", err, stderr.Bytes())
	}
	var res struct {
		Models []string `json:"models"`
		Files  []string `json:"files"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("asyncapi: node models.mjs printed no result (%v)\nstdout: %s\nstderr: %s", err, stdout.Bytes(), stderr.Bytes())
	}
	if len(res.Files) != len(res.Models) {
		t.Fatalf("asyncapi: node models.mjs: %d files for %d models\n%s", len(res.Files), len(res.Models), stdout.Bytes())
	}
	return res.Models
}

// ready installs the npm packages once per test binary and returns the
// directory of the scripts.
func ready(t testing.TB) string {
	t.Helper()
	dir := scriptDir(t)
	installOnce.Do(func() { installErr = install(dir) })
	if installErr != nil {
		t.Fatalf("asyncapi: %v", installErr)
	}
	return dir
}

// scriptDir returns the directory of this file, which holds validate.mjs and
// models.mjs.
func scriptDir(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("asyncapi: cannot locate the scripts: no caller information")
	}
	return filepath.Dir(file)
}

// install checks for node and npm and runs npm ci in dir unless
// node_modules is newer than package-lock.json. A lock on a file in dir keeps
// test binaries of other packages from installing at the same time.
func install(dir string) error {
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is not on PATH; install Node.js 18 or newer with npm (apt-get install nodejs npm)", tool)
		}
	}
	out, err := exec.Command("node", "--version").Output()
	if err != nil {
		return fmt.Errorf("node --version: %w", err)
	}
	version := strings.TrimSpace(string(out))
	major, _, _ := strings.Cut(strings.TrimPrefix(version, "v"), ".")
	if n, err := strconv.Atoi(major); err != nil || n < 18 {
		return fmt.Errorf("node %s is too old: the scripts need Node.js 18 or newer (apt-get install nodejs npm)", version)
	}

	lock, err := os.OpenFile(filepath.Join(dir, ".npm-ci.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("lock %s: %w", lock.Name(), err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)

	if fresh(dir) {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("npm ci in %s: %w\n%s", dir, err, out)
	}
	return nil
}

// fresh reports whether npm finished an install in dir after the last change
// to package-lock.json. npm writes node_modules/.package-lock.json last, so a
// cut-short install does not count.
func fresh(dir string) bool {
	lock, err := os.Stat(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		return false
	}
	done, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json"))
	return err == nil && done.ModTime().After(lock.ModTime())
}
