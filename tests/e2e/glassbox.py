"""Helpers for the end-to-end tests: run the real Glassbox binary (and a real PostgreSQL 15)
and talk to them over loopback sockets.

Nothing here sleeps to synchronise: every wait polls a condition against a deadline.
Only processes started here are ever signalled, always by their own PID.
"""

from __future__ import annotations

import collections
import http.client
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LOOPBACK = "127.0.0.1"
STARTUP_TIMEOUT = 20.0
RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")

# Settings of the host environment that must not leak into a test's server.
_ENV_PREFIXES = ("GLASSBOX_", "DATABASE_", "OTEL_", "COMPUTE_", "CLEANUP_", "METRICS_",
                 "LOG_LEVEL", "USER_CACHE_")


def binary_path() -> str:
    path = os.environ.get("GLASSBOX_BINARY", os.path.join("build", "debug", "glassbox"))
    if not os.path.isabs(path):
        candidate = os.path.abspath(path)
        path = candidate if os.path.exists(candidate) else os.path.join(REPO_ROOT, path)
    return path


def free_port() -> int:
    """A port that was free a moment ago (bind port 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, interval: float = 0.05, message: str = "condition"):
    """Polls `predicate` until it returns a truthy value; returns that value."""
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except Exception as error:  # noqa: BLE001 - reported when the deadline passes
            last_error = error
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}"
                                 + (f" (last error: {last_error!r})" if last_error else ""))
        time.sleep(interval)


def clean_environment(overrides: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_ENV_PREFIXES)}
    # No telemetry export attempts from tests unless a test asks for them.
    env["OTEL_TRACES_EXPORTER"] = "none"
    for key, value in (overrides or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = str(value)
    return env


# --------------------------------------------------------------------------------------
# HTTP responses
# --------------------------------------------------------------------------------------

@dataclass
class Response:
    status: int
    reason: str
    headers: list  # [(name, value)] in order received
    body: bytes
    elapsed: float = 0.0
    version: str = "HTTP/1.1"

    def header(self, name: str, default=None):
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return default

    def header_all(self, name: str) -> list:
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except Exception as error:  # noqa: BLE001
            raise AssertionError(f"response body is not JSON: {self.body[:300]!r} "
                                 f"(status {self.status})") from error

    def describe(self) -> str:
        head = "\n".join(f"{k}: {v}" for k, v in self.headers)
        return f"{self.version} {self.status} {self.reason}\n{head}\n\n{self.body[:500]!r}"


def assert_error(response: Response, status: int, code: str | tuple | None = None,
                 field_name: str | None = None):
    """The response is the contract's JSON error body with this status (and code)."""
    assert response.status == status, (
        f"expected {status}, got:\n{response.describe()}")
    content_type = response.header("Content-Type", "")
    assert content_type.split(";")[0].strip().lower() == "application/json", (
        f"error without JSON content type:\n{response.describe()}")
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"error"}, response.describe()
    error = body["error"]
    assert isinstance(error, dict), response.describe()
    assert isinstance(error.get("code"), str) and re.fullmatch(r"[a-z][a-z0-9_]*", error["code"]), (
        response.describe())
    assert isinstance(error.get("message"), str) and error["message"], response.describe()
    if code is not None:
        codes = (code,) if isinstance(code, str) else tuple(code)
        assert error["code"] in codes, f"expected code {codes}:\n{response.describe()}"
    if field_name is not None:
        assert field_name in error["message"].lower(), (
            f"message does not name the field {field_name!r}:\n{response.describe()}")
    return error


# --------------------------------------------------------------------------------------
# Raw sockets: exact bytes, our own framing
# --------------------------------------------------------------------------------------

class ConnectionClosed(Exception):
    pass


class RawConnection:
    """A TCP connection on which the test writes exact bytes and parses responses itself
    (Content-Length and chunked framing), so pipelining and keep-alive are really tested."""

    def __init__(self, port: int, timeout: float = 10.0, host: str = LOOPBACK):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.timeout = timeout
        self.buffer = b""

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data: bytes):
        self.sock.sendall(data)

    def _fill(self, deadline: float):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("response deadline passed")
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except ConnectionResetError as error:
            raise ConnectionClosed("connection reset") from error
        if not chunk:
            raise ConnectionClosed("connection closed by peer")
        self.buffer += chunk

    def _read_line(self, deadline: float) -> bytes:
        while b"\r\n" not in self.buffer:
            self._fill(deadline)
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def _read_exact(self, n: int, deadline: float) -> bytes:
        while len(self.buffer) < n:
            self._fill(deadline)
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def read_response(self, head: bool = False, timeout: float | None = None) -> Response:
        """Reads one response. `head`: the request was HEAD (no body follows)."""
        start = time.monotonic()
        deadline = start + (timeout if timeout is not None else self.timeout)
        while True:
            status_line = self._read_line(deadline).decode("latin-1")
            match = re.match(r"^(HTTP/\d\.\d) (\d{3})(?: (.*))?$", status_line)
            assert match, f"bad status line: {status_line!r}"
            headers = []
            while True:
                line = self._read_line(deadline)
                if not line:
                    break
                name, _, value = line.decode("latin-1").partition(":")
                headers.append((name.strip(), value.strip()))
            status = int(match.group(2))
            if 100 <= status < 200:
                continue  # interim response
            response = Response(status, match.group(3) or "", headers, b"",
                                version=match.group(1))
            break
        if head or status in (204, 304):
            response.elapsed = time.monotonic() - start
            return response
        transfer_encoding = (response.header("Transfer-Encoding") or "").lower()
        if "chunked" in transfer_encoding:
            body = b""
            while True:
                size_line = self._read_line(deadline).split(b";")[0].strip()
                size = int(size_line, 16)
                if size == 0:
                    while self._read_line(deadline):  # trailers
                        pass
                    break
                body += self._read_exact(size, deadline)
                assert self._read_exact(2, deadline) == b"\r\n", "bad chunk terminator"
            response.body = body
        elif response.header("Content-Length") is not None:
            response.body = self._read_exact(int(response.header("Content-Length")), deadline)
        else:
            # Body delimited by connection close.
            try:
                while True:
                    self._fill(deadline)
            except ConnectionClosed:
                pass
            response.body, self.buffer = self.buffer, b""
        response.elapsed = time.monotonic() - start
        return response

    def wait_closed(self, timeout: float) -> float:
        """Waits until the peer closes the connection (EOF or reset); returns the seconds
        it took. Bytes received meanwhile are kept in the buffer. Raises AssertionError
        when still open at the deadline."""
        start = time.monotonic()
        deadline = start + timeout
        while True:
            try:
                self._fill(deadline)
            except ConnectionClosed:
                return time.monotonic() - start
            except (socket.timeout, TimeoutError):
                raise AssertionError(f"connection still open after {timeout}s") from None
            except OSError:
                return time.monotonic() - start

    def is_open_for(self, seconds: float) -> bool:
        """True when the peer neither sent anything nor closed within `seconds`."""
        self.sock.settimeout(seconds)
        try:
            chunk = self.sock.recv(65536)
        except (socket.timeout, TimeoutError):
            return True
        except OSError:
            return False
        self.buffer += chunk
        return False


def request_bytes(method: str, target: str, body: bytes | str | None = None,
                  headers: dict | list | None = None, host: str = "localhost",
                  content_type: str | None = "application/json") -> bytes:
    if isinstance(body, str):
        body = body.encode("utf-8")
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}"]
    items = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
    names = {k.lower() for k, _ in items}
    if body is not None:
        if content_type and "content-type" not in names:
            lines.append(f"Content-Type: {content_type}")
        if "content-length" not in names and "transfer-encoding" not in names:
            lines.append(f"Content-Length: {len(body)}")
    for key, value in items:
        lines.append(f"{key}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


def chunked(parts: list) -> bytes:
    out = b""
    for part in parts:
        if isinstance(part, str):
            part = part.encode()
        out += f"{len(part):x}\r\n".encode() + part + b"\r\n"
    return out + b"0\r\n\r\n"


# --------------------------------------------------------------------------------------
# The Glassbox process
# --------------------------------------------------------------------------------------

class StartupFailed(AssertionError):
    pass


# The first line of a report by AddressSanitizer, LeakSanitizer, UndefinedBehaviorSanitizer
# or ThreadSanitizer (the asan and tsan builds). A test may never look at the exit code of
# a server it only stopped at teardown, so the report itself fails the test.
_SANITIZER_REPORT = re.compile(
    r"ERROR: (?:Address|Leak)Sanitizer|WARNING: ThreadSanitizer|: runtime error: ")


def assert_no_sanitizer_report(stderr: str):
    match = _SANITIZER_REPORT.search(stderr)
    if match:
        start = stderr.rfind("\n", 0, match.start()) + 1
        raise AssertionError("sanitizer report on the service's stderr:\n"
                             + stderr[start:start + 6000])


class GlassboxServer:
    """One Glassbox process started by a test. Reads stdout line by line until the
    `Listening` record, then keeps draining stdout (and stderr) in background threads."""

    def __init__(self, env: dict | None = None, args: list | None = None,
                 workdir: str | None = None, cpus: set | None = None):
        self.overrides = dict(env or {})
        self.overrides.setdefault("DATABASE_URL", "sqlite://:memory:")
        self.overrides.setdefault("GLASSBOX_HOST", LOOPBACK)
        self.overrides.setdefault("GLASSBOX_PORT", "0")
        self.args = list(args or [])
        # The CPUs the process may run on (sched_setaffinity, like `taskset`); None: ours.
        self.cpus = set(cpus) if cpus is not None else None
        self._own_workdir = workdir is None
        self.workdir = workdir or tempfile.mkdtemp(prefix="glassbox-e2e-")
        self.process: subprocess.Popen | None = None
        self.port: int | None = None
        self.address: str | None = None
        self.stdout_lines: list = []
        self.stderr_lines: list = []
        self._lock = threading.Lock()
        self._listening = threading.Event()
        self._stdout_done = threading.Event()
        self._threads: list = []
        self.returncode: int | None = None
        # stdout exactly as written, one bytes object per line (newline kept; a last line
        # without one was cut short), for tests that check the bytes themselves.
        self.stdout_raw_lines: list = []
        # Cleared by pause_stdout(): the drain stops reading, so the pipe fills up.
        self._stdout_gate = threading.Event()
        self._stdout_gate.set()

    # -- process ---------------------------------------------------------------------
    def spawn(self):
        """Starts the process without waiting for it to listen."""
        binary = binary_path()
        if not os.path.exists(binary):
            raise StartupFailed(f"Glassbox binary not found: {binary} "
                                "(set GLASSBOX_BINARY)")
        self.process = subprocess.Popen(
            [binary, *self.args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, cwd=self.workdir, env=clean_environment(self.overrides),
            preexec_fn=None if self.cpus is None else lambda: os.sched_setaffinity(0, self.cpus))
        for target in (self._drain_stdout, self._drain_stderr):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def _drain_stdout(self):
        while True:
            self._stdout_gate.wait()
            raw = self.process.stdout.readline()
            if not raw:
                break
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._lock:
                self.stdout_lines.append(line)
                self.stdout_raw_lines.append(raw)
            if not self._listening.is_set():
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if isinstance(record, dict) and record.get("message") == "Listening":
                    port = record.get("port")
                    if isinstance(port, int) and not isinstance(port, bool):
                        self.port = port
                        self.address = record.get("address")
                        self._listening.set()
        self._stdout_done.set()

    def _drain_stderr(self):
        for raw in iter(self.process.stderr.readline, b""):
            with self._lock:
                self.stderr_lines.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def pause_stdout(self):
        """Stops reading stdout (after the line being read, if any): a reader that stalls.
        The service's writes block once the pipe is full."""
        self._stdout_gate.clear()

    def resume_stdout(self):
        self._stdout_gate.set()

    def stdout_line_count(self) -> int:
        with self._lock:
            return len(self.stdout_lines)

    def wait_listening(self, timeout: float = STARTUP_TIMEOUT):
        deadline = time.monotonic() + timeout
        while not self._listening.is_set():
            if self._stdout_done.is_set() or self.process.poll() is not None:
                # Give the drain a moment to catch the last lines.
                self._stdout_done.wait(2)
                if self._listening.is_set():
                    break
                code = self.process.wait(5)
                raise StartupFailed(f"Glassbox exited with {code} before listening\n"
                                    + self.output_tail())
            if time.monotonic() >= deadline:
                self.kill()
                raise StartupFailed(f"no Listening record within {timeout}s\n"
                                    + self.output_tail())
            self._listening.wait(0.05)
        return self

    def start(self, timeout: float = STARTUP_TIMEOUT):
        return self.spawn().wait_listening(timeout)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal(self, signum=signal.SIGTERM):
        if self.running():
            self.process.send_signal(signum)

    def wait_exit(self, timeout: float) -> int:
        try:
            self.returncode = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"Glassbox still running {timeout}s later\n"
                                 + self.output_tail()) from None
        for thread in self._threads:
            thread.join(5)
        return self.returncode

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, wait; SIGKILL if it does not exit in time. Returns the exit code."""
        if self.process is None:
            return None
        self.resume_stdout()  # a paused reader would hold up the final flush
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self.returncode = self.process.wait(10)
        for thread in self._threads:
            thread.join(5)
        return self.returncode

    def kill(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def cleanup(self):
        self.stop()
        for stream in (self.process.stdout, self.process.stderr) if self.process else ():
            try:
                stream.close()
            except OSError:
                pass
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
        with self._lock:
            assert_no_sanitizer_report("\n".join(self.stderr_lines))

    # -- output ----------------------------------------------------------------------
    def output_tail(self, n: int = 40) -> str:
        with self._lock:
            out = self.stdout_lines[-n:]
            err = self.stderr_lines[-n:]
        return "--- stdout (tail) ---\n" + "\n".join(out) + "\n--- stderr (tail) ---\n" + "\n".join(err)

    def log_records(self) -> list:
        with self._lock:
            lines = list(self.stdout_lines)
        records = []
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                records.append(record)
        return records

    # -- HTTP ------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def connection(self, timeout: float = 10.0) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(LOOPBACK, self.port, timeout=timeout)

    def request(self, method: str, path: str, body=None, headers: dict | None = None,
                timeout: float = 10.0, json_body=None,
                connection: http.client.HTTPConnection | None = None) -> Response:
        """One request with http.client (a fresh connection unless one is given)."""
        headers = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        if isinstance(body, str):
            body = body.encode("utf-8")
        own = connection is None
        conn = connection or self.connection(timeout)
        try:
            start = time.monotonic()
            conn.request(method, path, body=body, headers=headers)
            raw = conn.getresponse()
            data = raw.read()
            elapsed = time.monotonic() - start
            return Response(raw.status, raw.reason, list(raw.getheaders()), data, elapsed,
                            "HTTP/1.1" if raw.version == 11 else "HTTP/1.0")
        finally:
            if own:
                conn.close()

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post_json(self, path: str, payload, **kwargs) -> Response:
        return self.request("POST", path, json_body=payload, **kwargs)

    def put_json(self, path: str, payload, **kwargs) -> Response:
        return self.request("PUT", path, json_body=payload, **kwargs)

    def delete(self, path: str, **kwargs) -> Response:
        return self.request("DELETE", path, **kwargs)

    def create_user(self, name: str, email: str, ttl_seconds=None) -> dict:
        payload = {"name": name, "email": email}
        if ttl_seconds is not None:
            payload["ttl_seconds"] = ttl_seconds
        response = self.post_json("/api/users", payload)
        assert response.status == 201, response.describe()
        return response.json()

    def raw(self, timeout: float = 10.0) -> RawConnection:
        return RawConnection(self.port, timeout)


def run_binary(args: list, env: dict | None = None, timeout: float = 15.0,
               workdir: str | None = None) -> subprocess.CompletedProcess:
    """Runs the binary to completion (for --help, --version and refused configurations).
    A process that starts serving instead of exiting is killed at the deadline."""
    env = dict(env or {})
    env.setdefault("GLASSBOX_HOST", LOOPBACK)
    env.setdefault("GLASSBOX_PORT", "0")
    env.setdefault("DATABASE_URL", "sqlite://:memory:")
    own = workdir is None
    workdir = workdir or tempfile.mkdtemp(prefix="glassbox-e2e-")
    try:
        result = subprocess.run([binary_path(), *args], stdin=subprocess.DEVNULL,
                                capture_output=True, timeout=timeout, cwd=workdir,
                                env=clean_environment(env))
    finally:
        if own:
            shutil.rmtree(workdir, ignore_errors=True)
    assert_no_sanitizer_report(result.stderr.decode("utf-8", "replace"))
    return result


# --------------------------------------------------------------------------------------
# PostgreSQL 15, run by the test as the `postgres` user
# --------------------------------------------------------------------------------------

PG_BIN = "/usr/lib/postgresql/15/bin"


def _as_postgres(argv: list) -> list:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


class PostgresServer:
    """A throw-away PostgreSQL 15 cluster in a temp dir: initdb -A trust, loopback only,
    a socket dir of its own, fsync off. Only the postmaster started here is ever
    signalled (by the PID in its postmaster.pid)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="glassbox-pg-")
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "postgres.log")
        self.port: int | None = None
        self.pid: int | None = None
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run([f"{PG_BIN}/initdb", "-D", self.data, "-A", "trust", "-U", "postgres",
                   "--no-sync", "-E", "UTF8", "--locale=C"], timeout=120)

    def _run(self, argv: list, timeout: float = 60, check: bool = True):
        result = subprocess.run(_as_postgres(argv), capture_output=True, timeout=timeout,
                                cwd=self.dir, stdin=subprocess.DEVNULL)
        if check and result.returncode != 0:
            raise RuntimeError(f"{argv[0]} failed ({result.returncode}):\n"
                               f"{result.stdout.decode()}\n{result.stderr.decode()}\n"
                               f"{self.log_tail()}")
        return result

    def log_tail(self, n: int = 30) -> str:
        try:
            with open(self.log, encoding="utf-8", errors="replace") as f:
                return "--- postgres log ---\n" + "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def start(self):
        attempts = 1 if self.port else 5
        for attempt in range(attempts):
            port = self.port or free_port()
            options = (f"-c listen_addresses={LOOPBACK} -p {port} -k {self.dir} "
                       # fsync=off only: an immediate stop (a crash of the postmaster)
                       # must not lose committed transactions, so synchronous_commit stays on.
                       "-c fsync=off -c max_connections=200")
            result = self._run([f"{PG_BIN}/pg_ctl", "-D", self.data, "-l", self.log, "-o",
                                options, "-w", "-t", "60", "start"], timeout=90, check=False)
            if result.returncode == 0:
                self.port = port
                self.pid = self._read_pid()
                return self
            if attempt == attempts - 1:
                raise RuntimeError(f"pg_ctl start failed:\n{result.stdout.decode()}\n"
                                   f"{result.stderr.decode()}\n{self.log_tail()}")
        return self

    def _read_pid(self) -> int | None:
        try:
            with open(os.path.join(self.data, "postmaster.pid"), encoding="utf-8") as f:
                return int(f.readline().strip())
        except (OSError, ValueError):
            return None

    def stop(self, mode: str = "fast"):
        if not os.path.exists(os.path.join(self.data, "postmaster.pid")):
            return
        result = self._run([f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "30",
                            "stop"], timeout=60, check=False)
        if result.returncode != 0 and self.pid:
            try:
                os.kill(self.pid, signal.SIGKILL)  # the postmaster this object started
            except ProcessLookupError:
                pass

    def restart(self):
        self.stop()
        return self.start()

    def destroy(self):
        try:
            self.stop("immediate")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@{LOOPBACK}:{self.port}/{database}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        result = subprocess.run(
            ["psql", "-X", "-h", LOOPBACK, "-p", str(self.port), "-U", "postgres", "-d",
             database, "-v", "ON_ERROR_STOP=1", "-tAc", sql],
            capture_output=True, timeout=30, stdin=subprocess.DEVNULL,
            env={**os.environ, "PGCONNECT_TIMEOUT": "10"})
        if result.returncode != 0:
            raise RuntimeError(f"psql failed: {sql}\n{result.stderr.decode()}")
        return result.stdout.decode().strip()

    _db_counter = 0
    _db_lock = threading.Lock()

    def create_database(self) -> str:
        with PostgresServer._db_lock:
            PostgresServer._db_counter += 1
            name = f"glassbox_e2e_{os.getpid()}_{PostgresServer._db_counter}"
        self.psql(f'CREATE DATABASE "{name}"')
        return name


# --------------------------------------------------------------------------------------
# Metrics exposition: a parser for the Prometheus text format 0.0.4 and OpenMetrics 1.0
# --------------------------------------------------------------------------------------

TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
OPENMETRICS_CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8"
# What Prometheus 2.x sends when it scrapes.
PROMETHEUS_ACCEPT = ("application/openmetrics-text;version=1.0.0,"
                     "application/openmetrics-text;version=0.0.1;q=0.75,"
                     "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")

_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


class ExpositionError(AssertionError):
    pass


@dataclass
class Exemplar:
    labels: dict
    value: float
    timestamp: float | None


@dataclass
class Sample:
    name: str
    labels: dict
    value: float
    timestamp: float | None
    exemplar: Exemplar | None
    line: str
    family: str | None  # the name of the last `# TYPE` before this sample

    def key(self) -> tuple:
        return (self.name, tuple(sorted(self.labels.items())))


def _parse_labels(text: str, i: int, line: str) -> tuple:
    """Parses `{name="value",...}` starting at text[i] == '{'; returns (dict, next index)."""
    assert text[i] == "{"
    i += 1
    labels = {}
    while True:
        if i >= len(text):
            raise ExpositionError(f"unterminated label set: {line!r}")
        if text[i] == "}":
            return labels, i + 1
        match = _LABEL_NAME.match(text, i)
        if not match:
            raise ExpositionError(f"bad label name at {i}: {line!r}")
        name = match.group(0)
        i = match.end()
        if text[i:i + 2] != '="':
            raise ExpositionError(f"expected =\" after label {name}: {line!r}")
        i += 2
        value = []
        while True:
            if i >= len(text):
                raise ExpositionError(f"unterminated label value: {line!r}")
            c = text[i]
            if c == "\\":
                escaped = text[i + 1:i + 2]
                if escaped not in ("\\", '"', "n"):
                    raise ExpositionError(f"bad escape \\{escaped} in label value: {line!r}")
                value.append("\n" if escaped == "n" else escaped)
                i += 2
            elif c == '"':
                i += 1
                break
            elif c == "\n":
                raise ExpositionError(f"raw newline in label value: {line!r}")
            else:
                value.append(c)
                i += 1
        if name in labels:
            raise ExpositionError(f"label {name} repeated: {line!r}")
        labels[name] = "".join(value)
        if text[i:i + 1] == ",":
            i += 1
        elif text[i:i + 1] != "}":
            raise ExpositionError(f"expected , or }} after label {name}: {line!r}")


def _parse_number(token: str, line: str) -> float:
    try:
        return float(token)
    except ValueError:
        raise ExpositionError(f"not a number: {token!r} in {line!r}") from None


class Exposition:
    """One parsed exposition. `openmetrics`: accept exemplars and require `# EOF`."""

    def __init__(self, text: str, openmetrics: bool = False):
        self.text = text
        self.openmetrics = openmetrics
        self.samples: list = []
        self.types: dict = {}   # family name -> type
        self.helps: dict = {}   # family name -> help text
        self.family_order: list = []
        family = None
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        else:
            raise ExpositionError("exposition does not end in a newline")
        for number, line in enumerate(lines):
            if line.startswith("#"):
                parts = line.split(" ", 3)
                if openmetrics and line == "# EOF":
                    if number != len(lines) - 1:
                        raise ExpositionError(f"# EOF on line {number + 1}, not last")
                    continue
                if len(parts) >= 3 and parts[1] in ("TYPE", "HELP", "UNIT"):
                    name = parts[2]
                    if not _METRIC_NAME.fullmatch(name):
                        raise ExpositionError(f"bad metric name in {line!r}")
                    if parts[1] == "TYPE":
                        if name in self.types:
                            raise ExpositionError(f"second TYPE for {name}")
                        self.types[name] = parts[3] if len(parts) > 3 else ""
                        self.family_order.append(name)
                        family = name
                    elif parts[1] == "HELP":
                        self.helps[name] = parts[3] if len(parts) > 3 else ""
                    continue
                if openmetrics:
                    raise ExpositionError(f"unknown comment line in OpenMetrics: {line!r}")
                continue
            if not line.strip():
                if openmetrics:
                    raise ExpositionError(f"blank line {number + 1} in OpenMetrics")
                continue
            self.samples.append(self._parse_sample(line, family))
        if openmetrics and (not lines or lines[-1] != "# EOF"):
            raise ExpositionError("OpenMetrics exposition does not end in # EOF")

    def _parse_sample(self, line: str, family) -> Sample:
        match = _METRIC_NAME.match(line)
        if not match:
            raise ExpositionError(f"bad sample line: {line!r}")
        name = match.group(0)
        i = match.end()
        labels = {}
        if line[i:i + 1] == "{":
            labels, i = _parse_labels(line, i, line)
        rest = line[i:]
        exemplar = None
        if " # " in rest:
            if not self.openmetrics:
                raise ExpositionError(f"exemplar in the text format: {line!r}")
            rest, _, exemplar_text = rest.partition(" # ")
            if not exemplar_text.startswith("{"):
                raise ExpositionError(f"bad exemplar: {line!r}")
            exemplar_labels, j = _parse_labels(exemplar_text, 0, line)
            tokens = exemplar_text[j:].split(" ")
            if tokens[0] != "" or len(tokens) not in (2, 3):
                raise ExpositionError(f"bad exemplar value/timestamp: {line!r}")
            exemplar = Exemplar(exemplar_labels, _parse_number(tokens[1], line),
                                _parse_number(tokens[2], line) if len(tokens) == 3 else None)
        tokens = rest.split(" ")
        if tokens[0] != "" or len(tokens) not in (2, 3):
            raise ExpositionError(f"bad value/timestamp: {line!r}")
        value = _parse_number(tokens[1], line)
        timestamp = _parse_number(tokens[2], line) if len(tokens) == 3 else None
        return Sample(name, labels, value, timestamp, exemplar, line, family)

    # -- look-ups --------------------------------------------------------------------
    def series(self, name: str, **labels) -> list:
        """Samples named `name` whose labels include `labels`."""
        return [s for s in self.samples
                if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]

    def value(self, name: str, default=None, **labels):
        """The value of the one sample with exactly these labels (`default` if none)."""
        found = [s for s in self.samples if s.name == name and s.labels == labels]
        if len(found) > 1:
            raise ExpositionError(f"{len(found)} samples {name}{labels}")
        return found[0].value if found else default

    def values(self, name: str, label_names: tuple) -> dict:
        """{tuple of label values: value} for every sample named `name`, keyed by
        `label_names` (the samples must carry exactly those labels)."""
        out = {}
        for s in self.samples:
            if s.name != name:
                continue
            if set(s.labels) != set(label_names):
                raise ExpositionError(f"{name} with labels {sorted(s.labels)}, "
                                      f"expected {sorted(label_names)}: {s.line!r}")
            key = tuple(s.labels[n] for n in label_names)
            if key in out:
                raise ExpositionError(f"duplicate series {s.line!r}")
            out[key] = s.value
        return out


STANDARD_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT",
                    "TRACE")


def method_label(method: str) -> str:
    """The `method` label a request must be counted under."""
    return method if method in STANDARD_METHODS else "OTHER"


class RequestTally:
    """Sends requests and tallies what the metrics must show: per (method, route, status)
    requests, and per (method, route) request and response body bytes."""

    def __init__(self, server):
        self.server = server
        self.requests = collections.Counter()
        self.request_bytes = collections.Counter()
        self.response_bytes = collections.Counter()

    def send(self, method: str, path: str, status: int, route: str, json_body=None,
             body: bytes | str | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body)
            headers.setdefault("Content-Type", "application/json")
        if isinstance(body, str):
            body = body.encode("utf-8")
        response = self.server.request(method, path, body=body, headers=headers)
        assert response.status == status, (
            f"{method} {path}: expected {status}\n{response.describe()}")
        label = method_label(method)
        self.requests[(label, route, str(status))] += 1
        self.request_bytes[(label, route)] += len(body or b"")
        self.response_bytes[(label, route)] += len(response.body)
        return response

    def per_route(self) -> dict:
        out = collections.Counter()
        for (method, route, _), n in self.requests.items():
            out[(method, route)] += n
        return dict(out)

    def total(self) -> int:
        return sum(self.requests.values())


def fetch_metrics(server, accept: str | None = None, token: str | None = None,
                  path: str = "/metrics", connection=None) -> tuple:
    """GET the exposition; returns (Response, Exposition). The format parsed is the one
    the Content-Type announces."""
    headers = {}
    if accept is not None:
        headers["Accept"] = accept
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    response = server.request("GET", path, headers=headers, connection=connection)
    assert response.status == 200, f"GET {path}:\n{response.describe()}"
    content_type = response.header("Content-Type", "")
    openmetrics = content_type.startswith("application/openmetrics-text")
    return response, Exposition(response.body.decode("utf-8"), openmetrics=openmetrics)


# Counters are recorded after the response is written: a scrape right after a response may
# not include it yet, so exact comparisons re-scrape until the values are reached.
METRICS_SETTLE_SECONDS = 5.0


def scrape(server, **kwargs) -> Exposition:
    return fetch_metrics(server, **kwargs)[1]


def scrape_until(server, done, timeout: float = METRICS_SETTLE_SECONDS, **kwargs) -> Exposition:
    """Scrapes until `done(exposition)` holds or the deadline passes; returns the last
    exposition either way (the caller asserts on it, so a miss shows the difference)."""
    deadline = time.monotonic() + timeout
    while True:
        exposition = scrape(server, **kwargs)
        if done(exposition) or time.monotonic() >= deadline:
            return exposition
        time.sleep(0.02)


def deltas(before: Exposition, after: Exposition, name: str, label_names: tuple,
           skip=lambda key: False) -> dict:
    """{label values: after - before} for every series whose value changed."""
    old = before.values(name, label_names)
    new = after.values(name, label_names)
    out = {}
    for key in set(old) | set(new):
        if skip(key):
            continue
        difference = new.get(key, 0) - old.get(key, 0)
        if difference:
            out[key] = difference
    return out


# --------------------------------------------------------------------------------------
# Prometheus (Debian package), run by the test on loopback
# --------------------------------------------------------------------------------------

PROMETHEUS_BINARY = "/usr/bin/prometheus"


class PrometheusServer:
    """A throw-away Prometheus: its own temp dir for config and TSDB, the web listener on a
    free loopback port. Only the process started here is ever signalled, by its PID."""

    def __init__(self, scrape_configs: list, scrape_interval: str = "1s",
                 features: tuple = ("exemplar-storage",), extra_args: tuple = (),
                 rule_files: tuple = (), port: int | None = None):
        self.dir = tempfile.mkdtemp(prefix="glassbox-prom-")
        self.config_path = os.path.join(self.dir, "prometheus.yml")
        self.log_path = os.path.join(self.dir, "prometheus.log")
        self.data = os.path.join(self.dir, "data")
        config = {"global": {"scrape_interval": scrape_interval,
                             "scrape_timeout": scrape_interval,
                             "evaluation_interval": scrape_interval},
                  "rule_files": list(rule_files),
                  "scrape_configs": scrape_configs}
        with open(self.config_path, "w", encoding="utf-8") as f:
            json.dump(config, f, indent=1)  # JSON is YAML
        self.features = tuple(features)
        self.extra_args = tuple(extra_args)
        self.process: subprocess.Popen | None = None
        # A port chosen by the caller (a config that scrapes Prometheus itself names it).
        self.fixed_port = port
        self.port: int | None = port
        self._log = None

    def start(self, timeout: float = 30.0):
        if not os.path.exists(PROMETHEUS_BINARY):
            raise StartupFailed(f"{PROMETHEUS_BINARY} not found (Debian package prometheus; "
                                "scripts/bootstrap installs it)")
        for _ in range(1 if self.fixed_port else 5):
            self.port = self.fixed_port or free_port()
            argv = [PROMETHEUS_BINARY, f"--config.file={self.config_path}",
                    f"--storage.tsdb.path={self.data}",
                    f"--web.listen-address={LOOPBACK}:{self.port}",
                    *(f"--enable-feature={f}" for f in self.features), *self.extra_args]
            self._log = open(self.log_path, "ab")
            self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self._log,
                                            stderr=subprocess.STDOUT, cwd=self.dir)
            deadline = time.monotonic() + timeout
            while self.process.poll() is None and time.monotonic() < deadline:
                if self._ready():
                    return self
                time.sleep(0.05)
            if self.process.poll() is not None and "address already in use" in self.log_tail():
                self._log.close()
                continue  # lost the race for the port: try another one
            self.stop()
            raise StartupFailed(f"Prometheus did not become ready within {timeout}s\n"
                                + self.log_tail())
        raise StartupFailed("Prometheus could not bind a port\n" + self.log_tail())

    def _ready(self) -> bool:
        try:
            conn = http.client.HTTPConnection(LOOPBACK, self.port, timeout=2)
            try:
                conn.request("GET", "/-/ready")
                return conn.getresponse().status == 200
            finally:
                conn.close()
        except OSError:
            return False

    def stop(self, timeout: float = 15.0):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def destroy(self):
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def log_tail(self, n: int = 30) -> str:
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return "--- prometheus log ---\n" + "".join(f.readlines()[-n:])
        except OSError:
            return ""

    # -- HTTP API --------------------------------------------------------------------
    def api(self, path: str, params: dict) -> object:
        """GET /api/v1/<path>?params; returns `data` of a success answer."""
        conn = http.client.HTTPConnection(LOOPBACK, self.port, timeout=10)
        try:
            conn.request("GET", f"/api/v1/{path}?{urlencode(params)}")
            raw = conn.getresponse()
            body = raw.read()
        finally:
            conn.close()
        try:
            answer = json.loads(body)
        except ValueError:
            raise AssertionError(f"Prometheus {path}: {raw.status} {body[:300]!r}") from None
        if raw.status != 200 or answer.get("status") != "success":
            raise AssertionError(f"Prometheus {path} {params}: {raw.status} {answer}")
        return answer["data"]

    def query(self, expr: str, at: float | None = None) -> list:
        """An instant query; returns the vector as [(labels dict, float value)]."""
        params = {"query": expr}
        if at is not None:
            params["time"] = f"{at:.3f}"
        data = self.api("query", params)
        if data["resultType"] == "scalar":
            return [({}, float(data["result"][1]))]
        assert data["resultType"] == "vector", data
        return [(item["metric"], float(item["value"][1])) for item in data["result"]]

    def query_value(self, expr: str, default=None):
        result = self.query(expr)
        assert len(result) <= 1, f"{expr} gave {len(result)} series: {result}"
        return result[0][1] if result else default

    def exemplars(self, expr: str, start: float, end: float) -> list:
        return self.api("query_exemplars",
                        {"query": expr, "start": f"{start:.3f}", "end": f"{end:.3f}"})

    def wait_up(self, targets: int = 1, timeout: float = 30.0):
        """Waits until `targets` targets have been scraped successfully (the first scrape
        comes seconds after /-/ready, so readiness is not enough)."""
        try:
            wait_until(lambda: self.query_value("count(up == 1)") == targets, timeout,
                       interval=0.1, message=f"count(up == 1) == {targets}")
        except AssertionError as error:
            raise AssertionError(f"{error}\n{self.log_tail()}") from None


def fib(n: int) -> int:
    """F(n), the value /compute/{n} must answer."""
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def calibrate_compute(server, target_seconds: float, max_n: int) -> tuple:
    """The smallest n (from 20 up) whose /compute/n takes at least `target_seconds` on this
    machine: slow enough to be in flight when a test acts, whatever the machine's speed."""
    n = 20
    while True:
        response = server.get(f"/compute/{n}", timeout=120)
        assert response.status == 200, response.describe()
        assert response.json()["result"] == fib(n), response.describe()
        took = response.elapsed
        if took >= target_seconds or n >= max_n:
            return n, took
        if took < 0.002:
            n += 4
        else:
            n += max(1, min(4, math.ceil(math.log(target_seconds / took) / math.log(1.618))))
        n = min(n, max_n)

