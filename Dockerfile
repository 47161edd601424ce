# Glassbox container image: `docker build -t glassbox .` (compose.yaml builds it too).
#
# Both stages start from a dated Debian bookworm tag rather than `bookworm`: the tag names
# one published image (Debian 12.12, 2025-11-17), so a rebuild next month starts from the
# same base and toolchain the project builds and tests with (Debian 12 packages: GCC 12,
# CMake 3.25, Boost 1.81), instead of whatever `bookworm` points to that day. Bumping it is
# a deliberate one-line change. Packages still come from the bookworm archive at build
# time, which only ever receives security and point-release fixes.

# ---------------------------------------------------------------------------------------
# Stage 1, build: the toolchain and -dev libraries of scripts/bootstrap (nothing for tests
# or benchmarks), then the release preset with tests and benchmarks off, and only the
# `glassbox` target. Nothing of this stage reaches the final image except the binary.
# ---------------------------------------------------------------------------------------
FROM debian:bookworm-20251117 AS build

ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config \
      libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev \
      libsqlite3-dev libpq-dev libssl-dev \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# Only what the configure step reads: the top-level project, its presets and helper
# scripts, the sources and the migrations (compiled into the binary). bench/ and tests/
# are not needed because their options are off below.
COPY CMakeLists.txt CMakePresets.json ./
COPY cmake/ cmake/
COPY migrations/ migrations/
COPY src/ src/

# The build context has no .git (see .dockerignore), so the revision that `glassbox
# --version` and glassbox_build_info report comes in as a build argument
# (compose.yaml passes GLASSBOX_REVISION from the environment; default "unknown").
ARG GLASSBOX_REVISION=unknown
RUN cmake --preset release \
      -DGLASSBOX_BUILD_TESTS=OFF \
      -DGLASSBOX_BUILD_BENCHMARKS=OFF \
      -DGLASSBOX_REVISION="${GLASSBOX_REVISION}" \
 && cmake --build --preset release --target glassbox \
 && strip build/release/glassbox \
 && build/release/glassbox --version

# ---------------------------------------------------------------------------------------
# Stage 2, runtime: bookworm-slim plus the shared libraries the binary links
# (`readelf -d build/release/glassbox`: libsqlite3, libpq, libcrypto from libssl3,
# libboost_json 1.81; Boost.URL, Asio and Beast are compiled in), CA certificates, and curl
# for the HEALTHCHECK. Runs as uid 10001; the only writable places it needs are /app/data
# (SQLite, when DATABASE_URL is sqlite://) and /tmp, so it runs with a read-only root
# filesystem (compose.yaml: read_only: true, tmpfs /tmp).
# ---------------------------------------------------------------------------------------
FROM debian:bookworm-20251117-slim AS runtime

ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libsqlite3-0 libpq5 libssl3 libboost-json1.81.0 \
      ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*

# A fixed uid/gid (not the first free system id) so that volume ownership and
# `user: "10001:10001"` in compose.yaml agree on every machine.
RUN groupadd --system --gid 10001 glassbox \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin glassbox \
 && mkdir -p /app/data \
 && chown 10001:10001 /app/data

COPY --from=build /src/build/release/glassbox /usr/local/bin/glassbox

# The default DATABASE_URL, sqlite://data/glassbox.db, is relative to this directory, so
# the database lands in the /app/data volume.
WORKDIR /app
VOLUME ["/app/data"]

USER 10001:10001
ENV GLASSBOX_HOST=0.0.0.0 \
    GLASSBOX_PORT=8080
EXPOSE 8080

# Liveness only: /health answers 200 while the process runs, whatever the database says
# (/ready is the readiness probe and would mark the container unhealthy during a database
# outage, which restarts nothing useful).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS -o /dev/null --max-time 2 http://127.0.0.1:8080/health || exit 1

# Exec form: glassbox is PID 1 and receives SIGTERM from `docker stop` itself; it stops
# accepting, lets in-flight requests finish and flushes logs and spans before exiting 0.
ENTRYPOINT ["/usr/local/bin/glassbox"]
