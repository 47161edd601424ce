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

# Unit tests, end-to-end tests against the real binary, SQLite and PostgreSQL 15, and the
# deploy tests (deploy/ checked with promtool, amtool, a real Prometheus, LogQL's grammar).
test: build-debug
	ctest --preset debug -j $(JOBS)

format:
	@clang-format -i $$(git ls-files '*.cpp' '*.hpp')

format-check:
	@clang-format --dry-run --Werror $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf build
