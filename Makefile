# checkedraft: a model-checked reference Raft with PreVote.
#
#   make check   the main job (about 10 minutes on two idle cores with TLC):
#                lint, tests, TLC on every config and mutant (when a jar is
#                found), the explorer against TLC's recorded counts, property
#                runs of at least a million implementation steps, the seeded
#                bugs the property runs must catch, trace conformance, the
#                differential runs against etcd-raft (a bounded budget)
#   make test    the Go tests
#   make conformance       raft/ against etcd-raft in lockstep (conformance/,
#                          its own module); make conformance-long runs more
#
# TLC is found through $(TLA2TOOLS_JAR), by default $$HOME/.tla/tla2tools.jar;
# without it every TLC step prints "TLC skipped: ..." and succeeds (or fails,
# if the environment has REQUIRE_TLC=1), and the explorer (explore/) stands in
# for TLC against the counts TLC recorded.

SHELL := /bin/bash
GO    ?= go
RAFTCHECK = $(GO) run ./cmd/raftcheck

# Property-run budgets (see properties/): the CI default runs at least 10^6
# implementation steps; prop-long runs about 30 times more.
RAPID_CHECKS ?= 70
RAPID_STEPS  ?= 3000
GOPTER_CHECKS ?= 200

.PHONY: check test lint fmt vet staticcheck tidy bench bench-memory \
        conformance conformance-long conformance-check conformance-bugs conformance-traces \
        tlc tlc-mutants tlc-long tlc-record tlc-large tlc-scope explore-scope simulate-scope \
        agree explore speed explore-huge bench-vs-etcd \
        prop prop-long prop-nonvacuity kv kv-long kv-nonvacuity traces validate-traces draw-check

check: lint test tlc tlc-mutants agree prop prop-nonvacuity kv kv-nonvacuity conformance-check conformance-bugs

# Race-checked where the code is cheap to run; the explorer, the property
# runs and the trace replay are CPU-bound and run without -race.
test:
	$(GO) test -race ./raft/... ./spec/... ./internal/...
	$(GO) test ./model/... ./explore/... ./cmd/... ./properties/... ./traces/... ./driver/... ./kv/...

lint: fmt vet staticcheck tidy

# Every module of the repository (every tracked go.mod): go mod tidy must
# have nothing to change.
MODULES = $(shell git ls-files go.mod '*/go.mod')

tidy:
	@rc=0; for m in $(MODULES); do d=$$(dirname $$m); \
	  if ! out=$$(cd $$d && $(GO) mod tidy -diff 2>&1); then \
	    echo "go mod tidy would change $$m:"; echo "$$out"; rc=1; fi; \
	done; exit $$rc

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...
	$(GO) vet -tags raftbugs ./internal/bugs/ ./raft/... ./properties/... ./driver/... ./kv/...
	cd conformance && $(GO) vet ./... && $(GO) vet -tags raftbugs ./...
	cd conformance/etcd36 && $(GO) vet ./... && $(GO) vet -tags raftbugs ./...

# staticcheck is pinned in its own module, tools/go.mod (tool directive), so
# that importers of raft/ do not inherit it: go tool -n builds it there and
# prints the binary, which then checks every module that has packages.
staticcheck:
	@sc=$$($(GO) -C tools tool -n staticcheck) && test -x "$$sc" || { echo "staticcheck: cannot build it from tools/go.mod"; exit 1; }; \
	rc=0; for m in $(MODULES); do d=$$(dirname $$m); \
	  if [ -n "$$(cd $$d && $(GO) list ./... 2>/dev/null)" ]; then echo "staticcheck $$d/..."; (cd $$d && "$$sc" ./... && "$$sc" -tags raftbugs ./...) || rc=1; fi; \
	done; exit $$rc

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./raft/

# raft/ against etcd-raft v3.6.0 (conformance/etcd36) and v3.7.0
# (conformance/etcd) on one harness (internal/benchvs): BENCH_COUNT rounds,
# each running both modules' test binaries once, the side that goes first
# alternating between rounds; internal/benchvs/benchtable prints the medians
# and the ratios raft/:etcd of each module's own runs.
BENCH_COUNT ?= 6
BENCH_TIME  ?= 1s
BENCH_DIR := $(shell mktemp -u /tmp/bench-vs-etcd-XXXXXX)

bench-vs-etcd:
	@mkdir -p $(BENCH_DIR)
	@cd conformance/etcd36 && $(GO) test -c -o $(BENCH_DIR)/etcd36.test .
	@cd conformance/etcd && $(GO) test -c -o $(BENCH_DIR)/etcd37.test .
	@for i in $$(seq $(BENCH_COUNT)); do \
	  first=$$((i % 2)); echo "bench-vs-etcd: round $$i of $(BENCH_COUNT) (etcd first: $$first)" >&2; \
	  for t in etcd36 etcd37; do \
	    BENCH_VS_ETCD_FIRST=$$first $(BENCH_DIR)/$$t.test -test.run '^$$' -test.bench '^BenchmarkVsEtcd$$' \
	      -test.benchmem -test.count 1 -test.benchtime $(BENCH_TIME) || exit 1; \
	  done; \
	done > $(BENCH_DIR)/out.txt; rc=$$?; \
	if [ $$rc -ne 0 ]; then cat $(BENCH_DIR)/out.txt; rm -rf $(BENCH_DIR); exit $$rc; fi; \
	$(GO) run ./internal/benchvs/benchtable < $(BENCH_DIR)/out.txt; rc=$$?; rm -rf $(BENCH_DIR); exit $$rc

# Issue 14's memory benchmark: 10^6 proposals (MEMBENCH_PROPOSALS) in a
# three-node cluster, compacting every 10^4 or never, raft/ and etcd-raft
# v3.6 side by side; it reports the peak live heap of a node.
MEMBENCH_PROPOSALS ?= 1000000
bench-memory:
	cd conformance/etcd36 && MEMBENCH_PROPOSALS=$(MEMBENCH_PROPOSALS) $(GO) test -run '^$$' -bench Memory -benchtime 1x -timeout 60m .

# --- TLC and the explorer -------------------------------------------------

# Every TLC config that must pass, two TLC processes at a time.
tlc:
	$(RAFTCHECK) tlc -j 2

# Every mutant and expected-failure config: TLC must find the violation.
tlc-mutants:
	$(RAFTCHECK) tlc -fail -j 2

# Every model TLC can finish here, the long ones included ("tlc_long": the
# feature configs and mutants that take TLC minutes; make check compares the
# explorer with their recorded figures instead, in make agree).
tlc-long:
	$(RAFTCHECK) tlc -all -j 2 && $(RAFTCHECK) tlc -fail -all -j 2

# Re-record TLC's figures in tla/models.json after a change to the spec.
tlc-record:
	$(RAFTCHECK) tlc -record -j 2 && $(RAFTCHECK) tlc -fail -record -j 2

# The large config (not part of check): 16M states since the commit bump
# (sentCommit). Its figures in models.json are the explorer's (recorded_by);
# this runs TLC on it (about 45 minutes, 4+ GB) and records TLC's figures in
# their place.
tlc-large:
	$(RAFTCHECK) tlc -record -all -j 1 large

# The scope configs (tla/README.md, "Configs"): concurrent campaigns, rejoin
# after re-election, client values with CheckQuorum, restarts with
# partitions, four and five servers. campaigns, four and checkquorum_values
# are part of make check (make tlc, make agree); restart_isolation and five
# have TLC's figures but are left out of make check for time. tlc-scope runs
# TLC on those five (about 15 minutes). The larger ones (SCOPE_LARGE) are
# too large for TLC here: their figures in tla/models.json are the
# explorer's ("recorded_by": "explorer"). explore-scope checks
# restart_isolation, five and them exhaustively against the recorded
# figures (about 10 minutes on two cores), and simulate-scope
# cross-checks SCOPE_LARGE with TLC's simulation mode and the explorer's
# random walks (SIM_NUM behaviours of at most SIM_DEPTH states each).
SCOPE_TLC   = campaigns four checkquorum_values restart_isolation five
SCOPE_LARGE = campaigns_checkquorum rejoin checkquorum_values_2terms four_2terms
SIM_NUM   ?= 2000
SIM_DEPTH ?= 100

tlc-scope:
	$(RAFTCHECK) tlc -all -j 1 $(SCOPE_TLC)

explore-scope:
	$(RAFTCHECK) agree -all restart_isolation five $(SCOPE_LARGE)

simulate-scope:
	$(RAFTCHECK) tlc -simulate $(SIM_NUM) -depth $(SIM_DEPTH) $(SCOPE_LARGE)
	@set -eo pipefail; for m in $(SCOPE_LARGE); do \
	  $(RAFTCHECK) explore -config $$m -walk $(SIM_NUM) -depth $(SIM_DEPTH) | tail -3; done

# The billion-state config (tla/MCRaft_huge.cfg; not part of check): the
# explorer on two workers, about 10^9 states, recording its figures in
# tla/models.json ("recorded_by": "explorer"). Needs about 12-15 GiB of
# memory (the fingerprint set, 8-16 bytes a state) and 20-30 GB of disk in
# HUGE_TMP (the parents, 12 bytes a state, and the spilled BFS levels);
# run it on a quiet machine. HUGE_EXPECT=N sizes the set for N states from
# the start (fewer bytes a state when N is close).
HUGE_TMP    ?= $(TMPDIR)
HUGE_EXPECT ?= 0
explore-huge:
	$(RAFTCHECK) explore -config tla/MCRaft_huge.cfg -workers 2 -progress 10s \
	  -expect-states $(HUGE_EXPECT) $(if $(HUGE_TMP),-tmp $(HUGE_TMP)) -record

# The explorer on every model of make check, against TLC's recorded counts:
# the embedded default when no TLC jar is present.
agree:
	$(RAFTCHECK) agree

# The explorer on one model: make explore MODEL=prevote
MODEL ?= prevote
explore:
	$(RAFTCHECK) explore -config $(MODEL)

# Distinct states per second, explorer vs TLC (one worker), on one model.
speed:
	$(RAFTCHECK) speed -config $(MODEL)

# --- Property runs ---------------------------------------------------------

PROP_LOG := $(shell mktemp -u /tmp/prop-XXXXXX.log)

prop:
	@echo "property runs: RAPID_CHECKS=$(RAPID_CHECKS) RAPID_STEPS=$(RAPID_STEPS) GOPTER_CHECKS=$(GOPTER_CHECKS)"
	@RAPID_CHECKS=$(RAPID_CHECKS) RAPID_STEPS=$(RAPID_STEPS) GOPTER_CHECKS=$(GOPTER_CHECKS) \
	  $(GO) test -count=1 -v -timeout 60m -run 'TestRapid|TestGopter' ./properties/ > $(PROP_LOG) 2>&1; rc=$$?; \
	  grep -E '^(--- |ok|FAIL|property runs)' $(PROP_LOG); \
	  if [ $$rc -ne 0 ]; then cat $(PROP_LOG); fi; rm -f $(PROP_LOG); exit $$rc

prop-long:
	$(MAKE) prop RAPID_CHECKS=1000 RAPID_STEPS=6000 GOPTER_CHECKS=2000

# raft/ built with seeded bugs (tag raftbugs): the property runs must catch
# each within the default budget, and print the shrunk counterexample.
prop-nonvacuity:
	@RAPID_CHECKS=100 RAPID_STEPS=300 RAPID_SHRINKTIME=3s $(GO) test -count=1 -v -timeout 30m -tags raftbugs -run TestNonVacuity ./properties/ > $(PROP_LOG) 2>&1; rc=$$?; \
	  grep -E '^(--- |    --- |ok|FAIL)|caught|chart of|\[rapid\] failed' $(PROP_LOG); \
	  if [ $$rc -ne 0 ]; then cat $(PROP_LOG); fi; rm -f $(PROP_LOG); exit $$rc

# --- The key-value store (kv/) -------------------------------------------

# Concurrent clients against kv/ clusters under every fault, every history
# checked by porcupine: KV_CHECKS cases per shape (reads through the log,
# safe ReadIndex reads on three and five nodes, lease-based reads with a
# common clock) of KV_STEPS actions. Prints the histories and operations
# checked, and fails if they fall below what the budget implies. About
# 15 s of CPU.
KV_CHECKS ?= 300
KV_STEPS  ?= 1000
KV_LOG := $(shell mktemp -u /tmp/kv-XXXXXX.log)

kv:
	@echo "kv: KV_CHECKS=$(KV_CHECKS) KV_STEPS=$(KV_STEPS)"
	@RAPID_CHECKS=$(KV_CHECKS) KV_STEPS=$(KV_STEPS) $(GO) test -count=1 -v -timeout 30m -run 'TestRapidLinearizable' ./kv/ > $(KV_LOG) 2>&1; rc=$$?; \
	  grep -E '^(--- |    --- |ok|FAIL|kv )' $(KV_LOG); \
	  if [ $$rc -ne 0 ]; then cat $(KV_LOG); fi; rm -f $(KV_LOG); exit $$rc

kv-long:
	$(MAKE) kv KV_CHECKS=5000 KV_STEPS=2000

# raft/ and kv/ with seeded read and store bugs (tag raftbugs): porcupine
# must refuse a history of each within 4000 cases (the first one ends the
# search), printed shrunk with the path of porcupine's visualisation. Each
# search starts afresh (no fail files).
kv-nonvacuity:
	@RAPID_CHECKS=4000 RAPID_SHRINKTIME=3s $(GO) test -count=1 -v -timeout 30m -tags raftbugs -run TestNonVacuityLinearizable ./kv/ > $(KV_LOG) 2>&1; rc=$$?; \
	  grep -E '^(--- |    --- |ok|FAIL)|caught' $(KV_LOG); \
	  if [ $$rc -ne 0 ]; then cat $(KV_LOG); fi; rm -f $(KV_LOG); exit $$rc

# --- Trace conformance -----------------------------------------------------

# Regenerate the replay corpus (traces/corpus) with TLC; the same seed gives
# the same files. go test ./traces replays it (part of make test).
traces:
	$(RAFTCHECK) traces gen -num 40 -depth 100 -seed 1

# Many runs of raft/ clusters, each log validated by TLC against
# tla/TraceRaft.tla; a corrupted log must be rejected.
validate-traces:
	$(RAFTCHECK) traces validate -runs 12 -steps 400

# --- Charts ----------------------------------------------------------------

# A counterexample drawn as a message sequence chart and looked at as a user
# sees it: the explorer's counterexample for MutVoteTwice, rendered by
# headless Chromium, and the screenshot checked not to be blank (the chart's
# ink, a Leader's band, the violated step's row). Skips when
# $(CHROMIUM) is absent (Debian: apt-get install chromium). Not part of
# make check. DRAW_DIR keeps the SVG and the screenshot.
CHROMIUM ?= /usr/bin/chromium
DRAW_DIR ?= $(shell mktemp -d /tmp/draw-check-XXXXXX)

draw-check:
	@if [ ! -x $(CHROMIUM) ]; then echo "draw-check skipped: no $(CHROMIUM) (apt-get install chromium)"; exit 0; fi; \
	set -e; dir=$(DRAW_DIR); mkdir -p $$dir; \
	rc=0; $(RAFTCHECK) explore -config MutVoteTwice -progress 0 -draw $$dir > $$dir/explore.out 2>&1 || rc=$$?; \
	if [ $$rc -ne 1 ]; then cat $$dir/explore.out; echo "draw-check: explore exited $$rc, want 1 (a violation)"; exit 1; fi; \
	svg=$$dir/explore-MutVoteTwice.svg; grep '^chart: ' $$dir/explore.out; \
	size=$$($(GO) run ./internal/draw/shotcheck -size $$svg); \
	profile=$$(mktemp -d); \
	$(CHROMIUM) --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	  --disable-background-networking --disable-component-update --disable-sync \
	  --hide-scrollbars --user-data-dir=$$profile --window-size=$$size \
	  --screenshot=$$dir/explore-MutVoteTwice.png file://$$svg > $$dir/chromium.log 2>&1 \
	  || { cat $$dir/chromium.log; rm -rf $$profile; exit 1; }; \
	rm -rf $$profile; \
	$(GO) run ./internal/draw/shotcheck $$dir/explore-MutVoteTwice.png

# --- Conformance against etcd-raft (conformance/, its own module) ---------

# Differential runs: raft/ and etcd-raft in lockstep on random schedules,
# 3 and 5 nodes, every PreVote x CheckQuorum combination; CONFORMANCE_CHECKS
# schedules per configuration (rapid's RAPID_CHECKS) of CONFORMANCE_STEPS
# actions. Prints the figures of each configuration.
CONFORMANCE_CHECKS ?= 300
CONFORMANCE_STEPS  ?= 300
CONF_LOG := $(shell mktemp -u /tmp/conformance-XXXXXX.log)

conformance:
	@echo "conformance: CONFORMANCE_CHECKS=$(CONFORMANCE_CHECKS) CONFORMANCE_STEPS=$(CONFORMANCE_STEPS)"
	@cd conformance && RAPID_CHECKS=$(CONFORMANCE_CHECKS) CONFORMANCE_STEPS=$(CONFORMANCE_STEPS) \
	  $(GO) test -count=1 -v -timeout 60m ./... > $(CONF_LOG) 2>&1; rc=$$?; \
	  grep -E '^(--- |ok|FAIL|conformance )' $(CONF_LOG); \
	  if [ $$rc -ne 0 ]; then cat $(CONF_LOG); fi; rm -f $(CONF_LOG); exit $$rc
	@cd conformance/etcd36 && RAPID_CHECKS=$(CONFORMANCE_CHECKS) CONFORMANCE_STEPS=$(CONFORMANCE_STEPS) \
	  $(GO) test -count=1 -v -timeout 60m ./... > $(CONF_LOG) 2>&1; rc=$$?; \
	  grep -E '^(--- |ok|FAIL|conformance )' $(CONF_LOG); \
	  if [ $$rc -ne 0 ]; then cat $(CONF_LOG); fi; rm -f $(CONF_LOG); exit $$rc

conformance-long:
	$(MAKE) conformance CONFORMANCE_CHECKS=5000 CONFORMANCE_STEPS=1000

# The bounded budget of make check: 200 schedules of 600 actions per setup
# and release (2.9M actions in all), the corpus replay and the TLC-validated
# logs; about 2 minutes on two idle cores.
conformance-check:
	$(MAKE) conformance CONFORMANCE_CHECKS=200 CONFORMANCE_STEPS=600

# raft/ built with its seeded bugs (tag raftbugs) and etcd with a seeded
# change: the differential run must find each, in the field it changes.
conformance-bugs:
	@cd conformance && $(GO) test -count=1 -v -tags raftbugs -run 'TestSeeded' ./... > $(CONF_LOG) 2>&1; rc=$$?; \
	  grep -E '^(--- |    --- |ok|FAIL)|caught' $(CONF_LOG); \
	  if [ $$rc -ne 0 ]; then cat $(CONF_LOG); fi; rm -f $(CONF_LOG); exit $$rc
	@cd conformance/etcd36 && $(GO) test -count=1 -v -tags raftbugs -run 'TestSeeded' ./... > $(CONF_LOG) 2>&1; rc=$$?; \
	  grep -E '^(--- |    --- |ok|FAIL)|caught' $(CONF_LOG); \
	  if [ $$rc -ne 0 ]; then cat $(CONF_LOG); fi; rm -f $(CONF_LOG); exit $$rc

# Spec to etcd and etcd to spec, for v3.7 and v3.6 (also part of make
# conformance): the TLC corpus (traces/corpus) replayed against etcd step by
# step, and logs of etcd runs validated by TLC against tla/TraceRaft.tla,
# a corrupted one rejected at its line (TLC skipped without a jar).
conformance-traces:
	@set -o pipefail; for m in conformance conformance/etcd36; do \
	  (cd $$m && $(GO) test -count=1 -v -run 'TestReplay|TestValidateLogs' ./... 2>&1 | grep -E '^(--- |ok|FAIL|conformance )') || exit 1; \
	done
