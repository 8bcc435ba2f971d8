# sluice: the one entry point. `make help` lists the targets.
#
# Integration tests need the real servers of integration/env (PostgreSQL 15 on
# 127.0.0.1:55432, Kafka 4 on 127.0.0.1:59092; test-compat also Kafka Connect
# with Debezium on 127.0.0.1:58083). `make test` starts them, runs
# the integration tests and stops them again; servers that were already up
# before `make test` are left running (set SLUICE_ENV_DOWN=1 to stop them too).

GO                  ?= go
ENV                 := integration/env
INTEGRATION_TIMEOUT ?= 40m

.DEFAULT_GOAL := build
.PHONY: help build test test-unit test-integration test-crash test-faults test-scale test-compat fuzz lint fmt vet env-up env-down env-status demo clean bench bench-smoke

help:
	@echo "build             CGO_ENABLED=0 go build -o bin/sluice ./cmd/sluice (a static binary)"
	@echo "test              unit tests, then env-up, integration tests, env-down"
	@echo "test-unit         go test -race ./... (no servers needed)"
	@echo "test-integration  integration tests against running servers (make env-up first), the crash suites apart"
	@echo "test-scale        the scale suites (tests named *Scale*: thousands of tables, many connectors; servers must be up); .ci/run runs it after test-crash"
	@echo "test-crash        the crash suites (tests named *Crash*: kill -9 under load, exactly-once checks; servers must be up); .ci/run runs it after make test"
	@echo "test-faults       the fault suites (tests named *Nemesis* or *Outage*: one 30 s nemesis schedule, Kafka and registry outages; servers must be up); .ci/run runs it after test-crash"
	@echo "test-compat       sluice side by side with real Debezium on Kafka Connect (starts the servers and env service connect); differences in COMPAT_DIFFS; .ci/run runs it after make test"
	@echo "test-helm         helm (built from its Go module into .cache/) lint and template of deploy/helm/sluice, checked by deploy/helm/chart_test.go"
	@echo "test-packaging    test-helm, then the Dockerfile (image, or its build step without a container runtime), make build's static binary, the systemd unit"
	@echo "fuzz              every fuzz target of the repo for FUZZ_TIME each (default 10s), one at a time (no servers needed)"
	@echo "lint              gofmt, go vet, golangci-lint and shellcheck when installed"
	@echo "fmt               gofmt -s -w (and goimports when installed)"
	@echo "vet               go vet, with and without the integration tag"
	@echo "env-up            start the test servers (idempotent); env-down stops them"
	@echo "env-status        show which test servers are up"
	@echo "demo              run integration/demo.sh"
	@echo "bench             env-up, then sluice against the read/decode and Kafka write limits and Debezium (drains, latency, snapshot, scale); writes BENCHMARKS.md (BENCH_FLAGS=...)"
	@echo "bench-smoke       the benchmark harness in quick mode, checking counts only (servers must be up; make test runs it)"

# A static binary: no cgo, so it runs on any Linux of the same architecture.
build:
	CGO_ENABLED=0 $(GO) build -o bin/sluice ./cmd/sluice

test-unit:
	$(GO) test -race -count=1 ./...

# Every package with integration-tagged test files; run one at a time since
# they share the servers. integration/compat needs the Kafka Connect worker
# too and runs in test-compat.
COMPAT_PKG       = ./integration/compat
INTEGRATION_PKGS = $(filter-out $(COMPAT_PKG),$(shell grep -rl --include='*_test.go' '^//go:build integration' . | xargs -r -n1 dirname | sort -u))
COMPAT_DIFFS    ?= bin/compat
COMPAT_RUN      ?= .

# The crash suites (every integration test whose name has "Crash": sluice
# killed with SIGKILL under load, each change checked exactly once with a
# read_committed consumer) take about as long as all the others together, so
# they run in their own target, which .ci/run runs after make test; that keeps
# make test under 30 minutes.
CRASH_TESTS          = Crash
CRASH_TIMEOUT       ?= 30m

# The scale suites (integration tests whose name has "Scale": thousands of
# tables, a hundred connectors in one daemon) load the servers for minutes
# and create thousands of topics, so they too run in their own target,
# which .ci/run runs after the crash suites.
SCALE_TESTS          = Scale
SCALE_TIMEOUT       ?= 30m

# The fault suites (integration tests whose name has "Nemesis" or
# "Outage": a 30 s nemesis schedule, Kafka stopped under a connector, the
# registry down) take over two minutes together and left make test only a
# minute under 30, so they too run in their own target, which .ci/run runs
# after the crash suites.
FAULT_TESTS          = Nemesis|Outage
FAULT_TIMEOUT       ?= 20m

test-integration:
	@if [ -z "$(INTEGRATION_PKGS)" ]; then echo "test-integration: no integration tests"; exit 1; fi
	$(GO) test -race -count=1 -p 1 -tags integration -timeout $(INTEGRATION_TIMEOUT) -skip '$(CRASH_TESTS)|$(SCALE_TESTS)|$(FAULT_TESTS)' $(INTEGRATION_PKGS)

test-faults:
	$(GO) test -race -count=1 -p 1 -tags integration -timeout $(FAULT_TIMEOUT) -run '$(FAULT_TESTS)' $(INTEGRATION_PKGS)

# The nemesis (integration/e2e/nemesis_test.go): faults chosen by a seed
# against a write load, then the exactly-once checker. make test-faults runs
# one 30 s schedule; this runs NEMESIS_SEEDS schedules of NEMESIS_DURATION from
# NEMESIS_SEED (default: from the clock; every seed is printed).
NEMESIS_DURATION ?= 2m
NEMESIS_SEEDS    ?= 1
nemesis:
	NEMESIS_DURATION=$(NEMESIS_DURATION) NEMESIS_SEEDS=$(NEMESIS_SEEDS) NEMESIS_SEED=$(NEMESIS_SEED) \
		$(GO) test -count=1 -p 1 -tags integration -timeout 0 -run 'TestNemesis' -v ./integration/e2e

# The soak (integration/e2e/soak_test.go, not in CI): SOAK_RATE rows a
# second on Postgres and MariaDB for SOAK_DURATION, RSS, CPU and lag
# sampled every SOAK_INTERVAL; the figures go to BENCHMARKS.md.
SOAK_DURATION ?= 1h
SOAK_RATE     ?= 5000
SOAK_INTERVAL ?= 1m
soak:
	SOAK_DURATION=$(SOAK_DURATION) SOAK_RATE=$(SOAK_RATE) SOAK_INTERVAL=$(SOAK_INTERVAL) \
		$(GO) test -count=1 -p 1 -tags integration -timeout 0 -run 'TestSoak' -v ./integration/e2e

test-crash:
	$(GO) test -race -count=1 -p 1 -tags integration -timeout $(CRASH_TIMEOUT) -run '$(CRASH_TESTS)' $(INTEGRATION_PKGS)

# Without -race: the figures these tests log (times, memory per table and
# per connector) are meant to be read.
test-scale:
	$(GO) test -count=1 -p 1 -tags integration -timeout $(SCALE_TIMEOUT) -run '$(SCALE_TESTS)' -v $(INTEGRATION_PKGS)

# The same connectors on real Debezium (Kafka Connect 4.3.0, env service
# connect: ~175 MB of Maven artifacts fetched once into the env cache (~40 s), ~40 s to
# start) and on sluice, every record compared; each difference is printed and
# written, with both sides' records, to $(COMPAT_DIFFS). COMPAT_RUN picks tests
# (-run), e.g. make test-compat COMPAT_RUN=Postgres. It is not part of
# make test (which it took past 30 minutes); .ci/run runs it after make test.
test-compat:
	$(ENV)/up postgres kafka mariadb registry connect
	$(GO) test -race -count=1 -p 1 -tags integration -timeout 15m -run '$(COMPAT_RUN)' $(COMPAT_PKG) -args -diffs-dir $(abspath $(COMPAT_DIFFS))
	# Distributed mode's config and status topics read against a real Kafka
	# Connect worker's (skipped in test-integration, where Connect is down).
	$(GO) test -race -count=1 -tags integration -run 'Fidelity' ./internal/cluster/store

# Every fuzz target (func Fuzz* in a _test.go file without a build tag),
# found with go test -list so new ones are picked up, fuzzed for FUZZ_TIME
# each (a duration, or a count such as 5000x), one at a time with -parallel
# 1, so the machine stays usable. A crash fails the target and go writes the
# input to the package's testdata/fuzz/<target>/: commit it as the
# regression test, with the fix. Every target runs; the failures are listed
# at the end. Minimizing a new input is capped at FUZZ_MINIMIZE_TIME: the
# default of 60 s would stall a short run.
#
# Go 1.26's coordinator can fail a target with only "context deadline
# exceeded" when -fuzztime ends while a worker is busy, having found nothing
# (golang/go#75804, fixed in Go 1.27). Such a run wrote no input and is
# reported, not failed; any other failure fails the target.
FUZZ_TIME          ?= 10s
FUZZ_MINIMIZE_TIME ?= 2s
FUZZ_PKGS           = $(shell grep -rl --include='*_test.go' '^func Fuzz' . | xargs -r grep -L '^//go:build' | xargs -r -n1 dirname | sort -u)

fuzz:
	@failed=""; n=0; log=$$(mktemp); trap 'rm -f $$log' EXIT; \
	for pkg in $(FUZZ_PKGS); do \
		targets=$$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz') || { failed="$$failed $$pkg(list)"; continue; }; \
		for t in $$targets; do \
			n=$$((n + 1)); echo "fuzz $$pkg $$t ($(FUZZ_TIME))"; \
			if $(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZ_TIME) -fuzzminimizetime $(FUZZ_MINIMIZE_TIME) -parallel 1 $$pkg >$$log 2>&1; then \
				tail -n 1 $$log; \
			elif grep -q '^    context deadline exceeded$$' $$log && ! grep -q 'Failing input written to' $$log; then \
				tail -n 1 $$log; echo "fuzz: $$t: Go's coordinator stopped with only \"context deadline exceeded\" (golang/go#75804); no input failed"; \
			else \
				grep -v '^fuzz: elapsed' $$log; failed="$$failed $$pkg:$$t"; \
			fi; \
		done; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: $$n targets, failed:$$failed"; exit 1; fi; \
	echo "fuzz: $$n targets, no failure"

# Packaging (deploy/). helm is built from its Go module into .cache/, not
# added to sluice's go.mod (it would pull k8s.io into the module): 2m40s to
# 3m30s the first time on 2 shared cores, reused after. deploy/helm/chart_test.go renders
# the chart with it and checks the objects, and with make build's binary starts
# sluice with the chart's settings; deploy/packaging_test.go checks the
# Dockerfile, make build's binary and the systemd unit. .ci/run runs
# test-packaging after the scale suites.
HELM_VERSION ?= v4.3.2
HELM         ?= $(CURDIR)/.cache/helm-$(HELM_VERSION)/helm
.PHONY: test-helm test-packaging

$(CURDIR)/.cache/helm-%/helm:
	GOBIN=$(@D) GOFLAGS=-mod=mod $(GO) install helm.sh/helm/v4/cmd/helm@$*

test-helm: $(HELM)
	$(HELM) lint --strict deploy/helm/sluice --set kafka.brokers=kafka:9092
	$(HELM) lint --strict deploy/helm/sluice -f deploy/helm/testdata/all-options.yaml
	$(HELM) lint --strict deploy/helm/sluice -f deploy/helm/testdata/distributed.yaml
	$(HELM) lint --strict deploy/helm/sluice -f deploy/helm/testdata/all-options.yaml --set distributed.enabled=true
	SLUICE_HELM=$(HELM) $(GO) test -count=1 -v ./deploy/helm

test-packaging: test-helm build
	SLUICE_HELM=$(HELM) SLUICE_BIN=$(CURDIR)/bin/sluice $(GO) test -count=1 -v ./deploy ./deploy/helm

# Unit tests first (fail fast), then the servers. env-down runs whatever the
# tests did; the exit status is the tests' (or env-up's, if that failed).
test: test-unit
	@was_up=0; if $(ENV)/status >/dev/null 2>&1; then was_up=1; fi; \
	rc=0; \
	$(MAKE) --no-print-directory env-up && $(MAKE) --no-print-directory test-integration && \
		$(MAKE) --no-print-directory bench-smoke || rc=$$?; \
	if [ $$was_up = 1 ] && [ -z "$(SLUICE_ENV_DOWN)" ]; then \
		echo "make: the test servers were up before 'make test'; leaving them up (make env-down stops them)"; \
	else \
		$(MAKE) --no-print-directory env-down || true; \
	fi; \
	exit $$rc

lint:
	@echo "gofmt -s -l"; files=$$(gofmt -s -l .); \
	if [ -n "$$files" ]; then echo "not gofmt'ed (run make fmt):"; echo "$$files"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags integration ./...
	@if command -v golangci-lint >/dev/null 2>&1; then \
		echo "golangci-lint run"; golangci-lint run ./...; \
	else \
		echo "lint: golangci-lint is not on PATH; ran gofmt and go vet only (.golangci.yml has the full set)"; \
	fi
	@if command -v shellcheck >/dev/null 2>&1; then \
		echo "shellcheck"; cd $(ENV) && shellcheck -x up down status lib.sh postgres.sh kafka.sh mariadb.sh registry.sh connect.sh && cd - >/dev/null && shellcheck .ci/run; \
	fi

fmt:
	gofmt -s -w .
	@if command -v goimports >/dev/null 2>&1; then goimports -local github.com/sluicecdc/sluice -w .; fi

vet:
	$(GO) vet ./...
	$(GO) vet -tags integration ./...

env-up:
	$(ENV)/up

env-down:
	$(ENV)/down

env-status:
	$(ENV)/status

demo:
	bash integration/demo.sh

# The benchmark harness (integration/bench, BENCHMARKS.md). bench takes a while
# (3 runs of 1M-row drains, 60 s live runs and a 10M-row snapshot); pass e.g.
# BENCH_FLAGS='-runs 1 -rows 200000 -snapshot-rows 1000000 -note "machine was loaded"'.
BENCH_FLAGS ?=

bench: build
	$(ENV)/up postgres kafka
	$(GO) run ./integration/bench -sluice-bin bin/sluice $(BENCH_FLAGS)

bench-smoke: build
	$(GO) run ./integration/bench -smoke -sluice-bin bin/sluice

clean:
	rm -rf bin
