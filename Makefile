# Warren: the two commands a newcomer needs are `make demo` and `make test`.
GO      ?= go
BIN     := $(CURDIR)/bin
STATICCHECK_VERSION := v0.8.2
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)

.PHONY: all build demo test vet staticcheck unit bench fuzz tools tor clean

all: build

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN)/warren ./cmd/warren

# The main job: a local Warren network doing real work, over onion services
# on a private Tor network on loopback.
demo: build tor
	$(BIN)/warren demo

# The test command CI runs: vet, staticcheck, and the whole suite under
# -race, including the tests that run real tor.
test: tor vet staticcheck unit

# tor (>= 0.4.9, with tor-gencert) from Debian's package, and zbar-tools
# (zbarimg: the tests read invitation QR codes back with an independent
# decoder), installed when missing: as root directly, else through sudo,
# else say what to install.
tor:
	@if command -v tor >/dev/null && command -v tor-gencert >/dev/null && command -v zbarimg >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tor zbar-tools; \
	elif command -v sudo >/dev/null; then sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tor zbar-tools; \
	else echo "warren needs tor >= 0.4.9 and tor-gencert (Debian package 'tor'); its tests need zbarimg (package 'zbar-tools')" >&2; exit 1; fi
	@tor --version | head -n 1

vet:
	$(GO) vet ./...

staticcheck: $(BIN)/staticcheck
	$(BIN)/staticcheck ./...

# Some campaigns run reduced under -race (the race runtime crashed with
# ~10,000 goroutines in one synctest bubble; handshakes are ~10x dearer
# under it), so their packages run once more at full size without it:
# the 200-node simulation, R9's 10,000 flips per hop, R12's 1,000 CREATE/s.
unit:
	$(GO) test -race -timeout 30m ./...
	$(GO) test -timeout 20m ./overlay/peers/sim ./onion/circuit/...

$(BIN)/staticcheck:
	GOBIN=$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

tools: $(BIN)/staticcheck

# Benchmarks whose figures go into docs/performance.md.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 2s ./store/... ./overlay/... ./onion/cell ./onion/handshake ./onion/relaycrypto ./onion/circuit
	$(GO) test -run '^$$' -bench Bulk3Hop -benchtime 3x ./onion/circuit/circnet

clean:
	rm -rf $(BIN)
