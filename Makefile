# Warren: the two commands a newcomer needs are `make demo` and `make test`.
GO      ?= go
BIN     := $(CURDIR)/bin
STATICCHECK_VERSION := v0.8.2
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)

.PHONY: all build demo test vet staticcheck unit bench fuzz tools clean

all: build

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN)/warren ./cmd/warren

# The main job: a local Warren network doing real work.
demo: build
	$(BIN)/warren demo

# The test command CI runs: vet, staticcheck, and the whole suite under -race.
test: vet staticcheck unit

vet:
	$(GO) vet ./...

staticcheck: $(BIN)/staticcheck
	$(BIN)/staticcheck ./...

unit:
	$(GO) test -race -timeout 30m ./...

$(BIN)/staticcheck:
	GOBIN=$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

tools: $(BIN)/staticcheck

# Benchmarks whose figures go into docs/performance.md.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 2s ./store/... ./overlay/...

clean:
	rm -rf $(BIN)
