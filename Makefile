# Sovereign: `make run` builds and runs a single node on embedded defaults;
# `make test` runs every test. See README.md.

GO        ?= go
BIN       := bin/sovereign
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
BUILDDATE ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS   := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.buildDate=$(BUILDDATE)

export CGO_ENABLED = 0

.PHONY: build run test test-go test-ui test-deps bench fuzz vet cluster cluster-stop clean chaos

build: ## static binary in bin/sovereign
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) .

run: build ## build, then run one node in developer mode on http://127.0.0.1:8080
	$(BIN) serve --dev

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo 'gofmt: the files above need formatting'; exit 1; }

test: vet test-deps ## every test: Go (unit and end-to-end), then the console's (Vitest and the browser)
	$(MAKE) test-go
	$(MAKE) test-ui

test-go: build
	SOVEREIGN_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 -timeout 20m ./...

test-ui: build ## Vitest, the committed build's freshness, then Chromium against bin/sovereign
	SOVEREIGN_BIN=$(CURDIR)/$(BIN) scripts/ui-test.sh

test-deps: ## etcdctl, skopeo and chromium from Debian when missing
	scripts/test-deps.sh

bench: build ## benchmarks; results go to docs/BENCHMARKS.md
	SOVEREIGN_BIN=$(CURDIR)/$(BIN) scripts/bench.sh

cluster: build ## three nodes of one region on loopback, joined; `make cluster-stop` stops them
	SOVEREIGN_BIN=$(CURDIR)/$(BIN) scripts/cluster.sh start

cluster-stop:
	scripts/cluster.sh stop

chaos: build ## 20 histories of 30s under mixed faults checked for linearizability, crash loops, full disks; summary at the end (scripts/chaos.sh)
	SOVEREIGN_BIN=$(CURDIR)/$(BIN) scripts/chaos.sh

fuzz: ## run each fuzz target for FUZZTIME (default 30s)
	scripts/fuzz.sh $(FUZZTIME)

clean:
	rm -rf bin
