# The project's one vocabulary: build, run, test, generate, verify, bench.
GO        ?= go
export CGO_ENABLED ?= 0
BIN       := bin
DATA_DIR  ?= .dev
PORT      ?= 8443
GOFLAGS_TEST ?= -count=1

.PHONY: all build run test unit integration generate verify vet fmt-check bench clean

all: build

build: ## Build the binaries into bin/.
	$(GO) build -trimpath -o $(BIN)/ ./cmd/...

run: build ## Run the standalone server with its data in .dev/ and print how to use kubectl with it.
	DATA_DIR=$(DATA_DIR) PORT=$(PORT) hack/run.sh $(BIN)/fleet-apiserver

test: vet verify ## Every test: codegen drift, unit, storage conformance, integration with the real kubectl.
	$(GO) test $(GOFLAGS_TEST) -timeout 30m ./...

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
