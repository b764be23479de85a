# gosd: `make demo` builds gosd and runs the demo; `make test` runs every test.
GO ?= go

.PHONY: build demo test bench fuzz

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w' -o bin/gosd ./cmd/gosd

demo: build
	scripts/demo.sh bin/gosd

# Every test, then each fuzz target for a short while.
test:
	$(GO) vet ./...
	# static test binaries, as gosd is: the harness's boot tests copy
	# theirs into the Debian root and skip when it is dynamic
	CGO_ENABLED=0 $(GO) test -count=1 ./...
	# the differential suite again with the fallback tracking (no cgroup)
	CGO_ENABLED=0 $(GO) test -count=1 ./conformance/engine -args -gosd-args=--process-tracking=process-groups
	$(MAKE) fuzz FUZZTIME=500000x

# A count, not a duration: a duration -fuzztime can fail with 'context
# deadline exceeded' at its end (go.dev/issue/75804, unfixed in Go 1.26).
FUZZTIME ?= 2000000x
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./unit
	$(GO) test -run '^$$' -fuzz '^FuzzParseExec$$' -fuzztime $(FUZZTIME) ./unit
	$(GO) test -run '^$$' -fuzz '^FuzzExtractWord$$' -fuzztime $(FUZZTIME) ./unit

# The loader and parser benchmarks, then (as root) the boot benchmark of
# issue 4: systemd, gosd and the floor on generated unit graphs, e.g.
# `make bench BENCH_FLAGS='-runs 3 -record'` (see bench/README.md).
bench:
	$(GO) test -run '^$$' -bench . -benchtime 10x ./loader ./unit
	CGO_ENABLED=0 $(GO) run ./bench/harness $(BENCH_FLAGS)
