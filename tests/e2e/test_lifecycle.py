"""The process as an operator sees it: --help/--version, refused configurations (exit 2
naming the setting), graceful shutdown with requests in flight, the compute pool's
back-pressure, and the SQLite file database across restarts."""

import json
import os
import re
import select
import signal
import socket
import sqlite3
import threading
import time

import pytest
import websocket

from glassbox import (REPO_ROOT, ConnectionClosed, RawConnection, assert_error,
                      calibrate_compute, fib, request_bytes, run_binary, wait_until)


# ----------------------------------------------------------------------------- command line

def test_help_prints_usage_and_exits_0():
    result = run_binary(["--help"], timeout=10)
    assert result.returncode == 0, result
    out = result.stdout.decode()
    assert "--port" in out and "GLASSBOX_PORT" in out and "DATABASE_URL" in out, out


def test_version_prints_the_version_and_exits_0():
    result = run_binary(["--version"], timeout=10)
    assert result.returncode == 0, result
    out = result.stdout.decode().strip()
    with open(os.path.join(REPO_ROOT, "CMakeLists.txt"), encoding="utf-8") as f:
        match = re.search(r"project\(\s*glassbox\s+VERSION\s+([0-9.]+)", f.read())
    expected = match.group(1) if match else r"\d+\.\d+\.\d+"
    assert re.search(re.escape(expected) if match else expected, out), out


BAD_SETTINGS = [
    ({"GLASSBOX_PORT": "abc"}, [], "GLASSBOX_PORT"),
    ({"GLASSBOX_PORT": "70000"}, [], "GLASSBOX_PORT"),
    ({"GLASSBOX_PORT": "-1"}, [], "GLASSBOX_PORT"),
    ({"GLASSBOX_THREADS": "many"}, [], "GLASSBOX_THREADS"),
    ({"LOG_LEVEL": "loud"}, [], "LOG_LEVEL"),
    ({"GLASSBOX_LATENCY_BUCKETS": "0.5,0.1"}, [], "GLASSBOX_LATENCY_BUCKETS"),
    ({"GLASSBOX_LATENCY_BUCKETS": "0.1,abc"}, [], "GLASSBOX_LATENCY_BUCKETS"),
    ({"COMPUTE_MAX_N": "100"}, [], "COMPUTE_MAX_N"),
    ({"COMPUTE_MAX_N": "-1"}, [], "COMPUTE_MAX_N"),
    ({"COMPUTE_MAX_N": "ten"}, [], "COMPUTE_MAX_N"),
    ({"COMPUTE_THREADS": "x"}, [], "COMPUTE_THREADS"),
    ({"COMPUTE_QUEUE": "x"}, [], "COMPUTE_QUEUE"),
    ({"CLEANUP_INTERVAL_SECONDS": "0"}, [], "CLEANUP_INTERVAL_SECONDS"),
    ({"CLEANUP_INTERVAL_SECONDS": "soon"}, [], "CLEANUP_INTERVAL_SECONDS"),
    ({"DATABASE_URL": "mysql://localhost/db"}, [], "DATABASE_URL"),
    ({"DATABASE_POOL_SIZE": "lots"}, [], "DATABASE_POOL_SIZE"),
    ({"GLASSBOX_MAX_HEADER_BYTES": "big"}, [], "GLASSBOX_MAX_HEADER_BYTES"),
    ({"GLASSBOX_MAX_TARGET_BYTES": "-5"}, [], "GLASSBOX_MAX_TARGET_BYTES"),
    ({"GLASSBOX_MAX_BODY_BYTES": "1MB"}, [], "GLASSBOX_MAX_BODY_BYTES"),
    ({"GLASSBOX_HEADER_TIMEOUT_SECONDS": "x"}, [], "GLASSBOX_HEADER_TIMEOUT_SECONDS"),
    ({"GLASSBOX_IDLE_TIMEOUT_SECONDS": "x"}, [], "GLASSBOX_IDLE_TIMEOUT_SECONDS"),
    ({"GLASSBOX_MAX_CONNECTIONS": "x"}, [], "GLASSBOX_MAX_CONNECTIONS"),
    ({"GLASSBOX_SHUTDOWN_TIMEOUT_SECONDS": "x"}, [], "GLASSBOX_SHUTDOWN_TIMEOUT_SECONDS"),
    ({}, ["--port", "abc"], "port"),
    ({}, ["--log-level=shouty"], "log"),
    ({}, ["--no-such-flag"], "--no-such-flag"),
    ({}, ["--port"], "port"),
]


@pytest.mark.parametrize("env,args,setting", BAD_SETTINGS,
                         ids=[f"{s}-{i}" for i, (_, _, s) in enumerate(BAD_SETTINGS)])
def test_bad_configuration_exits_2_naming_the_setting(env, args, setting):
    result = run_binary(args, env=env, timeout=15)
    stderr = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2, (f"exit {result.returncode}, stderr: {stderr}\n"
                                    f"stdout: {result.stdout.decode()[-2000:]}")
    assert setting.lower() in stderr.lower(), f"stderr does not name {setting}: {stderr!r}"


def test_flag_wins_over_environment(start_server):
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        taken = blocker.getsockname()[1]
        server = start_server(env={"GLASSBOX_PORT": str(taken)}, args=["--port", "0"])
        assert server.port not in (None, taken, 0), server.port
        assert server.get("/health").status == 200


def test_listening_record_names_the_port(start_server):
    server = start_server()
    record = next(r for r in server.log_records() if r.get("message") == "Listening")
    assert isinstance(record["port"], int) and record["port"] > 0, record
    assert isinstance(record.get("address"), str) and record["address"], record
    assert server.get("/health").status == 200


def _started_io_threads(server) -> int:
    record = next(r for r in server.log_records() if r.get("message") == "Starting")
    return record["io_threads"]


def test_io_threads_default_to_the_cores_the_process_may_use(start_server):
    # Like Go's GOMAXPROCS: the affinity mask (taskset, a container's cpuset) decides, not
    # the host's CPU count. Confined to one core, the service starts one loop.
    allowed = sorted(os.sched_getaffinity(0))
    assert _started_io_threads(start_server()) == len(allowed)
    confined = start_server(cpus={allowed[-1]})
    assert _started_io_threads(confined) == 1
    assert confined.get("/health").status == 200
    explicit = start_server(env={"GLASSBOX_THREADS": "3"}, cpus={allowed[-1]})
    assert _started_io_threads(explicit) == 3


def test_unusable_database_file_refuses_to_start(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("file in the way")
    result = run_binary([], env={"DATABASE_URL": f"sqlite://{blocker}/sub/glassbox.db"},
                        timeout=20)
    output = (result.stdout + result.stderr).decode("utf-8", "replace")
    assert result.returncode in (1, 2), f"exit {result.returncode}: {output[-2000:]}"


# ----------------------------------------------------------------------------- shutdown

def test_sigterm_lets_in_flight_requests_finish_and_exits_0(start_server):
    server = start_server(env={"COMPUTE_MAX_N": "60", "COMPUTE_THREADS": "4",
                               "COMPUTE_QUEUE": "16", "GLASSBOX_SHUTDOWN_TIMEOUT_SECONDS": "30"})
    n, took = calibrate_compute(server, 0.7, 60)
    assert took >= 0.5, f"could not make a slow request (n={n} took {took:.3f}s)"
    connections = [server.raw(timeout=60) for _ in range(3)]
    try:
        for conn in connections:
            conn.send(request_bytes("GET", f"/compute/{n}"))
        # The listener accepts in order: /health answered on a later connection means the
        # three connections before it were accepted with their requests already sent.
        assert server.get("/health").status == 200
        readable, _, _ = select.select([c.sock for c in connections], [], [], 0)
        assert not readable, "requests finished before SIGTERM; calibration too fast"
        server.signal(signal.SIGTERM)
        for index, conn in enumerate(connections):
            try:
                response = conn.read_response(timeout=60)
            except ConnectionClosed as error:
                raise AssertionError(f"in-flight request {index} lost at SIGTERM ({error})\n"
                                     f"{server.output_tail()}") from error
            assert response.status == 200, response.describe()
            assert response.json()["n"] == n and response.json()["result"] == fib(n), response.body
    finally:
        for conn in connections:
            conn.close()
    code = server.wait_exit(30)
    assert code == 0, server.output_tail()
    for line in server.stdout_lines:
        assert isinstance(json.loads(line), dict), f"stdout line is not a JSON object: {line!r}"


def test_new_connections_are_refused_during_shutdown(start_server):
    server = start_server(env={"COMPUTE_MAX_N": "60", "COMPUTE_THREADS": "2",
                               "GLASSBOX_SHUTDOWN_TIMEOUT_SECONDS": "30"})
    n, _ = calibrate_compute(server, 1.5, 60)
    with server.raw(timeout=60) as slow:
        slow.send(request_bytes("GET", f"/compute/{n}"))
        assert server.get("/health").status == 200
        server.signal(signal.SIGTERM)

        def refused():
            try:
                with RawConnection(server.port, timeout=1) as conn:
                    conn.send(request_bytes("GET", "/health"))
                    response = conn.read_response(timeout=1)
                    return response.status == 503  # answered "going away" is fine too
            except OSError:
                return True
            except Exception:  # noqa: BLE001 - closed without answer
                return True

        wait_until(refused, 5, 0.05, "new connections to be refused after SIGTERM")
        still_running = server.running()
        response = slow.read_response(timeout=60)
        assert response.status == 200, response.describe()
    assert still_running, "process exited before its in-flight request finished"
    assert server.wait_exit(30) == 0


def test_sigterm_right_after_listening_exits_0(start_server):
    """An orchestrator may stop the service the moment it reports that it listens."""
    for attempt in range(15):
        server = start_server()
        code = server.stop()
        assert code == 0, (f"attempt {attempt}: exit code {code} for SIGTERM sent right after "
                           f"the Listening record\n{server.output_tail()}")


def test_sigint_exits_0(start_server):
    server = start_server()
    assert server.get("/health").status == 200
    server.signal(signal.SIGINT)
    assert server.wait_exit(10) == 0, server.output_tail()


def test_idle_keep_alive_connection_does_not_delay_shutdown(start_server):
    server = start_server(env={"GLASSBOX_SHUTDOWN_TIMEOUT_SECONDS": "30"})
    with server.raw() as conn:
        conn.send(request_bytes("GET", "/health"))
        assert conn.read_response().status == 200
        start = time.monotonic()
        server.signal(signal.SIGTERM)
        assert server.wait_exit(10) == 0
        assert time.monotonic() - start < 5, "an idle connection held shutdown back"


def test_open_websocket_is_closed_going_away_at_shutdown(start_server):
    server = start_server(env={"GLASSBOX_SHUTDOWN_TIMEOUT_SECONDS": "30"})
    ws = websocket.create_connection(f"ws://127.0.0.1:{server.port}/ws/events", timeout=10)
    try:
        ws.send("hi")
        assert json.loads(ws.recv()) == {"type": "ack"}
        start = time.monotonic()
        server.signal(signal.SIGTERM)
        # websocket-client answers the close frame it receives here.
        opcode, data = ws.recv_data(control_frame=True)
        assert opcode == websocket.ABNF.OPCODE_CLOSE, (opcode, data)
        assert len(data) >= 2 and int.from_bytes(data[:2], "big") == 1001, (
            f"close code is not 1001 going away: {data!r}")
        # Like a browser: once the server has closed its side, close ours.
        ws.sock.settimeout(5)
        try:
            while ws.sock.recv(4096):
                pass
        except OSError:
            pass
        ws.sock.close()
        assert server.wait_exit(10) == 0, server.output_tail()
        assert time.monotonic() - start < 5, "an open WebSocket held shutdown back"
    finally:
        if ws.sock:
            ws.sock.close()


def test_unresponsive_websocket_client_cannot_hold_shutdown(start_server):
    server = start_server(env={"GLASSBOX_SHUTDOWN_TIMEOUT_SECONDS": "2"})
    ws = websocket.create_connection(f"ws://127.0.0.1:{server.port}/ws/events", timeout=10)
    try:
        ws.send("hi")
        assert json.loads(ws.recv()) == {"type": "ack"}
        start = time.monotonic()
        server.signal(signal.SIGTERM)  # the client never reads, so never answers the close
        code = server.wait_exit(15)
        waited = time.monotonic() - start
        assert code == 0, f"exit code {code}\n{server.output_tail()}"
        assert waited < 2 + 3, f"shutdown took {waited:.1f}s with a 2 s shutdown timeout"
    finally:
        ws.sock and ws.sock.close()


def test_shutdown_wait_is_bounded(start_server):
    server = start_server(env={"COMPUTE_MAX_N": "70", "COMPUTE_THREADS": "1",
                               "GLASSBOX_SHUTDOWN_TIMEOUT_SECONDS": "1"})
    n, took = calibrate_compute(server, 0.5, 70)
    with server.raw(timeout=60) as slow:
        slow.send(request_bytes("GET", f"/compute/{n + 5}"))  # ~11x longer: several seconds
        assert server.get("/health").status == 200
        start = time.monotonic()
        server.signal(signal.SIGTERM)
        code = server.wait_exit(30)
        waited = time.monotonic() - start
    assert waited < 1 + 3 and code == 0, (
        f"shutdown took {waited:.1f}s with a 1 s shutdown timeout, exit code {code}\n"
        + server.output_tail())


# ----------------------------------------------------------------------------- compute pool

def test_saturated_compute_pool_answers_503_with_retry_after(start_server):
    server = start_server(env={"COMPUTE_MAX_N": "60", "COMPUTE_THREADS": "1",
                               "COMPUTE_QUEUE": "1"})
    n, took = calibrate_compute(server, 0.8, 60)
    results = []
    lock = threading.Lock()

    def call():
        response = server.get(f"/compute/{n}", timeout=60)
        with lock:
            results.append(response)

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert len(results) == 6
    ok = [r for r in results if r.status == 200]
    busy = [r for r in results if r.status == 503]
    assert len(ok) + len(busy) == 6, [r.describe() for r in results if r.status not in (200, 503)]
    assert 1 <= len(ok) <= 3, f"{len(ok)} served with 1 thread + queue of 1"
    assert busy, "no 503 while the pool was saturated"
    for response in busy:
        assert_error(response, 503, "overloaded")
        retry_after = response.header("Retry-After")
        assert retry_after and retry_after.strip().isdigit(), response.describe()
        assert response.elapsed < took, f"503 took {response.elapsed:.2f}s: not at once"
    for response in ok:
        assert response.json()["result"] == fib(n)
    # Back to normal once the pool drains.
    wait_until(lambda: server.get("/compute/10").status == 200, 30, 0.1,
               "the compute pool to accept work again")


def test_compute_does_not_block_other_requests(start_server):
    server = start_server(env={"COMPUTE_MAX_N": "60", "COMPUTE_THREADS": "1",
                               "GLASSBOX_THREADS": "1"})
    n, took = calibrate_compute(server, 1.0, 60)
    with server.raw(timeout=60) as slow:
        slow.send(request_bytes("GET", f"/compute/{n}"))
        assert server.get("/health").status == 200
        user = server.create_user("Busy", "busy@example.com")
        fetched = server.get(f"/api/users/{user['id']}")
        assert fetched.status == 200 and fetched.elapsed < took / 2, (
            f"API waited for the computation ({fetched.elapsed:.2f}s)")
        readable, _, _ = select.select([slow.sock], [], [], 0)
        assert not readable, "calibration too fast for this check"
        assert slow.read_response(timeout=60).status == 200


# ----------------------------------------------------------------------------- SQLite file

def _migration_rows(path: str):
    db = sqlite3.connect(path)
    try:
        columns = [row[1] for row in db.execute("PRAGMA table_info(schema_migrations)")]
        rows = db.execute("SELECT * FROM schema_migrations").fetchall()
        return columns, rows
    finally:
        db.close()


def test_sqlite_file_survives_restart_and_migrates_once(start_server, tmp_path):
    path = tmp_path / "data" / "glassbox.db"
    env = {"DATABASE_URL": f"sqlite://{path}"}
    first = start_server(env=env)
    user = first.create_user("Kept", "kept@example.com")
    assert first.stop() == 0, first.output_tail()
    assert path.exists(), "no database file written"
    columns, rows_before = _migration_rows(str(path))
    assert rows_before, "schema_migrations is empty"

    second = start_server(env=env)
    fetched = second.get(f"/api/users/{user['id']}")
    assert fetched.status == 200 and fetched.json() == user, fetched.describe()
    assert second.stop() == 0
    _, rows_after = _migration_rows(str(path))
    assert sorted(map(str, rows_after)) == sorted(map(str, rows_before)), (
        "migrations re-applied on restart")
    versions = [row[0] for row in rows_after]
    assert len(versions) == len(set(versions)), rows_after


def test_changed_applied_migration_stops_the_start(start_server, tmp_path):
    path = tmp_path / "glassbox.db"
    env = {"DATABASE_URL": f"sqlite://{path}"}
    first = start_server(env=env)
    assert first.get("/health").status == 200  # serving: past start-up, signals handled
    assert first.stop() == 0
    columns, _ = _migration_rows(str(path))
    checksum = next((c for c in columns if "checksum" in c.lower() or "hash" in c.lower()), None)
    assert checksum, f"schema_migrations has no checksum column: {columns}"
    db = sqlite3.connect(str(path))
    db.execute(f"UPDATE schema_migrations SET {checksum} = 'tampered'")
    db.commit()
    db.close()
    result = run_binary([], env=env, timeout=20)
    output = (result.stdout + result.stderr).decode("utf-8", "replace")
    assert result.returncode not in (0, None), output
    assert result.returncode == 1, f"exit {result.returncode}: {output[-2000:]}"
    assert "migration" in output.lower() and "checksum" in output.lower(), output[-2000:]
