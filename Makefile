# The project's one vocabulary: build, run, test, generate, verify, bench.
GO        ?= go
export CGO_ENABLED ?= 0
BIN       := bin
DATA_DIR  ?= .dev
PORT      ?= 8443
GOFLAGS_TEST ?= -count=1

.PHONY: all build run run-standalone kube-binaries fuzz test unit integration generate verify vet fmt-check bench clean

all: build

build: ## Build the binaries into bin/.
	$(GO) build -trimpath -o $(BIN)/ ./cmd/...

run: build kube-binaries ## The local environment: kube-apiserver + etcd + controller-manager with fleet-apiserver registered.
	DATA_DIR=$(DATA_DIR) hack/run-cluster.sh $(BIN)/fleet-apiserver

run-standalone: build ## fleet-apiserver alone (no Kubernetes), data in .dev/, HTTPS on 127.0.0.1:$(PORT).
	DATA_DIR=$(DATA_DIR) PORT=$(PORT) hack/run.sh $(BIN)/fleet-apiserver

kube-binaries: ## Build once the pinned Kubernetes binaries (cached outside the repository, ~12 min cold).
	hack/cluster/build.sh

test: vet verify kube-binaries ## Every test: codegen drift, unit, storage conformance, integration with the real kubectl and kube-apiserver, bounded fuzzing.
	$(GO) test $(GOFLAGS_TEST) -timeout 45m ./...
	$(MAKE) fuzz

# Every fuzz target for a bounded number of executions (plain `go test` above runs their seed
# corpora only), each sized to ~10 s on 2 cores. Counts, not durations: with a duration Go 1.26's
# fuzz coordinator can report "context deadline exceeded" as a failure when the time runs out while
# a worker is mid-input (golang/go#75804, fixed in Go 1.27), which failed CI once with no finding.
# `make fuzz FUZZTIME=4m` fuzzes every target longer (a duration: that race can then show up again).
# Minimizing each new interesting input is bounded by a count too (Go's default is 60 s per input,
# which showed as a minute of "0/sec" in one run).
FUZZTIME ?=
FUZZ_TARGETS := ./pkg/bundlereader:FuzzParseFleetYAML:20000x ./pkg/render:FuzzPatch:20000x \
	./pkg/render:FuzzApplyOverlays:700x ./pkg/target:FuzzProcessValues:5000x \
	./pkg/storage/sqlstore:FuzzListInputs:400x ./pkg/gitops:FuzzWebhookPayload:20000x \
	./pkg/helmops:FuzzResolveVersion:5000x
fuzz: ## Run every fuzz target for its bounded count of executions (or FUZZTIME each).
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; rest=$${t#*:}; name=$${rest%%:*}; budget=$${rest#*:}; \
		[ -z "$(FUZZTIME)" ] || budget=$(FUZZTIME); \
		echo "fuzz $$name ($$pkg) for $$budget"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $$budget -fuzzminimizetime 2000x $$pkg; \
	done

unit:
	$(GO) test $(GOFLAGS_TEST) -timeout 20m $$($(GO) list ./... | grep -v /test/)

integration: build
	$(GO) test $(GOFLAGS_TEST) -timeout 20m ./test/...

generate: ## Regenerate deepcopy, defaulters, OpenAPI and the clientset.
	hack/update-codegen.sh

verify: fmt-check ## Fail on generated code drift or unformatted code.
	hack/verify-codegen.sh

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

bench: ## Benchmarks (numbers go to docs/benchmarks.md).
	$(GO) test -run '^$$' -bench . -benchtime 1x ./pkg/storage/...

clean:
	rm -rf $(BIN)
