# checkedraft: a model-checked reference Raft with PreVote.
#
#   make check   the main job: lint, tests, TLC (if a jar is found), the
#                explorer against TLC's recorded counts, property runs and
#                trace conformance
#   make test    the Go tests
#
# TLC is found through $(TLA2TOOLS_JAR), by default $$HOME/.tla/tla2tools.jar;
# without it every TLC step prints "TLC skipped: ..." and succeeds, and the
# explorer (model/) stands in for it against the counts TLC recorded.

GO      ?= go
TLCRUN   = $(GO) run ./cmd/tlcrun
RAFTCHECK = $(GO) run ./cmd/raftcheck

.PHONY: check test test-race lint fmt vet staticcheck bench \
        tlc tlc-mutants tlc-record tlc-large agree explore speed

check: lint test tlc tlc-mutants agree

# Race-checked where the code is concurrent or cheap to run; the explorer
# and the property runs are CPU-bound and run without -race.
test:
	$(GO) test -race ./raft/... ./spec/... ./internal/...
	$(GO) test ./model/... ./cmd/...

lint: fmt vet staticcheck

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# staticcheck is pinned in go.mod (tool directive) and run by the toolchain.
staticcheck:
	$(GO) tool staticcheck ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./raft/

# Every TLC config that must pass, two TLC processes at a time.
tlc:
	$(TLCRUN) -j 2

# Every mutant and expected-failure config: TLC must find the violation.
tlc-mutants:
	$(TLCRUN) -fail -j 2

# Re-record TLC's figures in tla/models.json after a change to the spec.
tlc-record:
	$(TLCRUN) -record -j 2 && $(TLCRUN) -fail -record -j 2

# The large config (not part of check; hours with TLC).
tlc-large:
	$(TLCRUN) -all -j 1 large

# The explorer on every model of make check, against TLC's recorded counts.
agree:
	$(RAFTCHECK) agree

# The explorer on one model: make explore MODEL=prevote
MODEL ?= prevote
explore:
	$(RAFTCHECK) explore -config $(MODEL)

# Distinct states per second, explorer vs TLC, on one model.
speed:
	$(RAFTCHECK) speed -config $(MODEL)
