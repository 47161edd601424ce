"""Fixtures of the end-to-end suite. See glassbox.py for the helpers themselves."""

import os
import signal
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from glassbox import GlassboxServer, PostgresServer, PrometheusServer  # noqa: E402

# Every test is bounded in time even if a helper's own deadline is missed somewhere.
TEST_TIME_LIMIT_SECONDS = int(os.environ.get("GLASSBOX_E2E_TEST_TIMEOUT", "120"))


class TimeLimitExceeded(Exception):
    pass


@pytest.fixture(autouse=True)
def _time_limit(request):
    limit = request.node.get_closest_marker("time_limit")
    seconds = limit.args[0] if limit else TEST_TIME_LIMIT_SECONDS

    def on_alarm(signum, frame):
        raise TimeLimitExceeded(f"test exceeded {seconds}s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def pytest_configure(config):
    config.addinivalue_line("markers", "time_limit(seconds): per-test wall-clock bound")


@pytest.fixture
def start_server():
    """Factory: start_server(env={...}, args=[...], wait=True, cpus=None) -> GlassboxServer.
    Every server started through it is stopped (SIGTERM, then SIGKILL) at teardown."""
    servers = []

    def _start(env=None, args=None, wait=True, workdir=None, cpus=None):
        server = GlassboxServer(env=env, args=args, workdir=workdir, cpus=cpus)
        servers.append(server)
        if wait:
            server.start()
        else:
            server.spawn()
        return server

    yield _start
    for server in servers:
        server.cleanup()


@pytest.fixture(scope="module")
def postgres_shared():
    """One PostgreSQL cluster per test module; tests take a fresh database from it."""
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.destroy()


@pytest.fixture
def postgres_own():
    """A PostgreSQL cluster for one test only (the test may stop and restart it)."""
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.destroy()


BACKENDS = [b.strip() for b in os.environ.get("GLASSBOX_E2E_BACKENDS", "sqlite,postgresql")
            .split(",") if b.strip()]


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def make_api(request, backend, start_server):
    """Factory: a Glassbox on the test's backend (SQLite in memory, or a fresh database of
    a real PostgreSQL 15), with extra settings from `env`."""

    def _make(env=None):
        env = dict(env or {})
        if backend == "postgresql":
            postgres = request.getfixturevalue("postgres_shared")
            env["DATABASE_URL"] = postgres.url(postgres.create_database())
        else:
            env.setdefault("DATABASE_URL", "sqlite://:memory:")
        return start_server(env=env)

    return _make


@pytest.fixture
def api(make_api):
    return make_api()


@pytest.fixture
def start_prometheus():
    """Factory: start_prometheus(scrape_configs=[...], **options) -> PrometheusServer
    (started, web API on a free loopback port). Each one is stopped by its PID and its temp
    dir removed at teardown."""
    servers = []

    def _start(scrape_configs, **options):
        server = PrometheusServer(scrape_configs, **options)
        servers.append(server)
        return server.start()

    yield _start
    for server in servers:
        server.destroy()
