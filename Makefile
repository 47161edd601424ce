# The two commands the README opens with: `make run` and `make test`. Each installs what
# is missing (scripts/bootstrap, Debian packages only), configures, builds, and runs.
.PHONY: run test build-release build-debug bootstrap format format-check clean
.PHONY: stack stack-down load

JOBS ?= $(shell nproc)

bootstrap:
	@scripts/bootstrap

build/release/build.ninja: | bootstrap
	@cmake --preset release >/dev/null

build/debug/build.ninja: | bootstrap
	@cmake --preset debug >/dev/null

build-release: bootstrap build/release/build.ninja
	@cmake --build --preset release -j $(JOBS)

build-debug: bootstrap build/debug/build.ninja
	@cmake --build --preset debug -j $(JOBS)

# Serves the API on SQLite (data/glassbox.db) at http://localhost:8080 until Ctrl-C.
run: build-release
	@mkdir -p data
	./build/release/glassbox

# glassbox + Prometheus + Alertmanager + node-exporter on 127.0.0.1 (state in .stack/,
# or STACK_DIR; ports: see scripts/stack). Stopped by `make stack-down`.
stack: build-release
	@scripts/stack up

stack-down:
	@scripts/stack down

# Traffic mix for the dashboards: make load RATE=100 DURATION=60 [TARGET=http://127.0.0.1:8080]
RATE ?= 50
DURATION ?= 60
TARGET ?= http://127.0.0.1:8080
load:
	@scripts/load --rate $(RATE) --duration $(DURATION) --target $(TARGET)

# Side-by-side load benchmark against nginx, Go and FastAPI on loopback (about 9 minutes):
# installs the peers (scripts/bootstrap bench), configures release again (so the report
# names the revision measured) and builds it, writes build/bench-load/
# (results.json, report.md), docs/benchmarks/load.png and the generated part of
# docs/benchmarks.md. Options: make bench-load BENCH_LOAD_ARGS="--rounds 5" (bench/load/run -h).
.PHONY: bench-load
bench-load: bootstrap
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)
	@scripts/bootstrap bench
	@bench/load/run --docs $(BENCH_LOAD_ARGS)

# Unit tests, end-to-end tests against the real binary, SQLite and PostgreSQL 15, and the
# deploy tests (deploy/ checked with promtool, amtool, a real Prometheus, LogQL's grammar);
# then the unit and end-to-end tests again under AddressSanitizer + UBSan, the
# concurrency tests under ThreadSanitizer (docs/decisions/007-sanitizers.md), and a short
# bounded run of every libFuzzer target plus its regression inputs (008-fuzzing.md).
test: build-debug
	ctest --preset debug -j $(JOBS)
	@$(MAKE) --no-print-directory test-asan
	@$(MAKE) --no-print-directory test-tsan
	@$(MAKE) --no-print-directory test-fuzz

# The sanitizer builds (build/asan, build/tsan) and their suites, on their own. Neither
# runs the deploy tests nor the clang-format check: they test no code of ours.
.PHONY: build-asan build-tsan test-asan test-tsan build-fuzz test-fuzz

build/asan/build.ninja: | bootstrap
	@cmake --preset asan >/dev/null

build/tsan/build.ninja: | bootstrap
	@cmake --preset tsan >/dev/null

build-asan: bootstrap build/asan/build.ninja
	@cmake --build --preset asan -j $(JOBS)

build-tsan: bootstrap build/tsan/build.ninja
	@cmake --build --preset tsan -j $(JOBS)

build/fuzz/build.ninja: | bootstrap
	@cmake --preset fuzz >/dev/null

build-fuzz: bootstrap build/fuzz/build.ninja
	@cmake --build --preset fuzz -j $(JOBS)

test-fuzz: build-fuzz
	ctest --preset fuzz -j $(JOBS)

test-asan: build-asan
	ctest --preset asan -j $(JOBS)

test-tsan: build-tsan
	ctest --preset tsan -j $(JOBS)

format:
	@clang-format -i $$(git ls-files '*.cpp' '*.hpp')

format-check:
	@clang-format --dry-run --Werror $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf build
