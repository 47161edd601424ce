"""Logs end to end: the JSON lines the real binary writes on stdout.

Checked: every line is one JSON object (valid UTF-8, never split, never interleaved, even
with many threads writing at once); the access line of every request has exactly the
fields of CONTRACT.md (Logs) with their types; a crafted path or User-Agent (quotes,
backslashes, JSON fragments, tabs, percent-encoded newlines, invalid UTF-8, control
characters the parser refuses) cannot forge a field or split a line; Authorization and
Cookie values never reach the output; LOG_LEVEL filters; a stdout reader that stops reading
does not slow requests down: records are dropped and counted in
glassbox_log_records_dropped_total, and once the reader resumes the lines flow again, each
one whole; on clean shutdown every queued record is written.

Stdout is read by GlassboxServer's drain thread, which keeps the raw bytes of every line
(stdout_raw_lines) and can be paused (pause_stdout) to play a stalled reader. Nothing
sleeps to synchronise: every wait polls against a deadline.
"""

from __future__ import annotations

import datetime
import json
import random
import re
import statistics
import threading
import time
import uuid

from glassbox import Exposition, RawConnection, free_port, request_bytes, wait_until

ACCESS_FIELDS = {"timestamp", "level", "service", "logger", "message", "method", "endpoint",
                 "route", "status_code", "duration_ms", "client_address", "user_agent",
                 "response_size", "trace_id", "span_id"}
BASE_FIELDS = {"timestamp", "level", "service", "logger", "message"}
LEVELS = {"DEBUG", "INFO", "WARN", "ERROR"}
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
HEX32 = re.compile(r"^[0-9a-f]{32}$")
HEX16 = re.compile(r"^[0-9a-f]{16}$")
SERVICE_NAME = "glassbox-log-e2e"
LOG_WAIT = 10.0
PROMPT_SECONDS = 1.0


# ----------------------------------------------------------------------------- helpers

def new_ua(tag: str = "req") -> str:
    return f"glassbox-e2e-{tag}/{uuid.uuid4().hex}"


def parse_raw_line(raw: bytes) -> dict:
    """One stdout line as the contract wants it: newline-terminated valid UTF-8 holding one
    JSON object, with no raw control character (json.loads is strict about those)."""
    assert raw.endswith(b"\n"), f"line cut short (no newline): {raw[:300]!r}"
    body = raw[:-1]
    assert b"\n" not in body and b"\r" not in body, f"line break inside a line: {raw[:300]!r}"
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise AssertionError(f"stdout line is not valid UTF-8 ({error}): {raw[:300]!r}") from None
    try:
        record = json.loads(text)
    except ValueError as error:
        raise AssertionError(f"stdout line is not JSON ({error}): {raw[:300]!r}") from None
    assert isinstance(record, dict), f"stdout line is not a JSON object: {raw[:300]!r}"
    return record


def raw_lines(server) -> list:
    with server._lock:  # noqa: SLF001 - the drain thread appends under this lock
        return list(server.stdout_raw_lines)


def all_records(server) -> list:
    """Every stdout line, each checked to be whole, parsed."""
    return [parse_raw_line(raw) for raw in raw_lines(server)]


def access_records(server) -> list:
    return [r for r in server.log_records() if r.get("message") == "Request completed"]


def access_record(server, ua: str, timeout: float = LOG_WAIT) -> dict:
    found = wait_until(lambda: [r for r in access_records(server) if r.get("user_agent") == ua],
                       timeout, message=f"the access log line of User-Agent {ua}")
    assert len(found) == 1, f"{len(found)} access lines for one request: {found}"
    return found[0]


def wait_marker(server, timeout: float = LOG_WAIT) -> dict:
    """Sends one request with a fresh User-Agent and waits for its access line: every
    record queued before it has been written by then (one writer, in order)."""
    ua = new_ua("marker")
    assert server.get("/health", headers={"User-Agent": ua}).status == 200
    return access_record(server, ua, timeout)


def assert_base_record(record: dict):
    assert BASE_FIELDS <= set(record), f"record without {BASE_FIELDS - set(record)}: {record}"
    assert isinstance(record["timestamp"], str) and TIMESTAMP.match(record["timestamp"]), (
        f"timestamp not RFC 3339 UTC with milliseconds: {record}")
    assert record["level"] in LEVELS, record
    for key in ("service", "logger", "message"):
        assert isinstance(record[key], str) and record[key], f"{key}: {record}"


def assert_access_record(record: dict, *, method: str, endpoint: str, route: str, status: int,
                         ua: str, body: bytes | None = None, elapsed: float | None = None):
    assert set(record) == ACCESS_FIELDS, (
        f"fields differ from the contract: extra {sorted(set(record) - ACCESS_FIELDS)}, "
        f"missing {sorted(ACCESS_FIELDS - set(record))}: {record}")
    assert_base_record(record)
    stamp = datetime.datetime.strptime(record["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc)
    age = (datetime.datetime.now(datetime.timezone.utc) - stamp).total_seconds()
    assert -2 < age < 60, f"timestamp {record['timestamp']} is {age:.1f}s from now"
    expected_level = "ERROR" if status >= 500 else "WARN" if status >= 400 else "INFO"
    assert record["level"] == expected_level, f"level for {status}: {record}"
    assert record["service"] == SERVICE_NAME, record
    assert record["message"] == "Request completed", record
    assert record["method"] == method, record
    assert record["endpoint"] == endpoint, record
    assert record["route"] == route, record
    assert type(record["status_code"]) is int and record["status_code"] == status, record
    duration = record["duration_ms"]
    assert type(duration) in (int, float) and duration >= 0, record
    assert round(duration, 3) == duration, f"duration_ms beyond µs precision: {record}"
    if elapsed is not None:
        # The server's clock stops when the write completes, which on a busy machine can be
        # after the client already read the answer: the slack keeps scheduling out, while a
        # unit mistake (seconds or microseconds reported as ms) is still far beyond it.
        assert duration <= elapsed * 1000 + 100, (
            f"duration_ms {duration} longer than the client saw ({elapsed * 1000:.3f} ms)")
    assert record["client_address"] == "127.0.0.1", record
    assert record["user_agent"] == ua, record
    assert type(record["response_size"]) is int and record["response_size"] >= 0, record
    if body is not None:
        assert record["response_size"] == len(body), (
            f"response_size {record['response_size']} for a {len(body)}-byte body: {record}")
    assert HEX32.match(record["trace_id"]) and record["trace_id"] != "0" * 32, record
    assert HEX16.match(record["span_id"]) and record["span_id"] != "0" * 16, record


def dropped(server, ua: str = "glassbox-e2e-scrape") -> float:
    response = server.get("/metrics", headers={"User-Agent": ua})
    assert response.status == 200, response.describe()
    exposition = Exposition(response.body.decode("utf-8"))
    return exposition.value("glassbox_log_records_dropped_total", default=0.0)


# ----------------------------------------------------------------------------- the fields

def test_every_line_is_json_and_access_lines_have_the_contract_fields(start_server):
    server = start_server(env={"OTEL_SERVICE_NAME": SERVICE_NAME})
    email = f"log-{uuid.uuid4().hex[:10]}@example.com"
    sent = []

    def call(method, target, status, endpoint, route, json_body=None, check_size=True):
        ua = new_ua(method.lower())
        response = server.request(method, target, headers={"User-Agent": ua},
                                  json_body=json_body)
        assert response.status == status, f"{method} {target}: {response.describe()}"
        sent.append((ua, method, endpoint, route, status,
                     response.body if check_size else None, response.elapsed))
        return response

    call("GET", "/health", 200, "/health", "/health")
    user = call("POST", "/api/users", 201, "/api/users", "/api/users",
                {"name": "Logan", "email": email}).json()
    call("GET", f"/api/users/{user['id']}?x=1&y=%22", 200, f"/api/users/{user['id']}",
         "/api/users/{id}")
    call("GET", "/api/users?limit=3", 200, "/api/users", "/api/users")
    call("POST", "/api/users", 409, "/api/users", "/api/users", {"name": "Logan", "email": email})
    call("POST", "/api/users", 422, "/api/users", "/api/users", {"name": "", "email": "nope"})
    call("GET", "/api/users/123456789", 404, "/api/users/123456789", "/api/users/{id}")
    call("GET", "/definitely/not/here?q=1", 404, "/definitely/not/here", "unmatched")
    call("DELETE", f"/api/users/{user['id']}", 204, f"/api/users/{user['id']}",
         "/api/users/{id}")
    computed = call("GET", "/compute/22", 200, "/compute/22", "/compute/{n}")
    call("GET", "/compute/-1", 422, "/compute/-1", "/compute/{n}")
    call("GET", "/ready", 200, "/ready", "/ready")

    for ua, method, endpoint, route, status, body, elapsed in sent:
        record = access_record(server, ua)
        assert_access_record(record, method=method, endpoint=endpoint, route=route,
                             status=status, ua=ua, body=body, elapsed=elapsed)
    # The request took at least as long as the computation it reported.
    fib_record = access_record(server, sent[9][0])
    assert fib_record["duration_ms"] >= computed.json()["duration_ms"] - 0.001, fib_record
    # A request without User-Agent logs an empty string (the field is always there).
    with RawConnection(server.port) as conn:
        conn.send(b"GET /health?no-ua HTTP/1.1\r\nHost: x\r\n\r\n")
        assert conn.read_response().status == 200
    wait_marker(server)
    bare = [r for r in access_records(server) if r.get("endpoint") == "/health"
            and r.get("user_agent") == ""]
    assert len(bare) == 1, bare
    assert set(bare[0]) == ACCESS_FIELDS, bare[0]

    # Every line on stdout, not only the access lines: whole, JSON, the base fields.
    records = all_records(server)
    assert len(records) == len(server.stdout_lines)
    for record in records:
        assert_base_record(record)
        assert record["service"] == SERVICE_NAME, record
    ids = [(r["trace_id"], r["span_id"]) for r in records if r["message"] == "Request completed"]
    assert len(set(ids)) == len(ids), "two requests logged with the same trace and span ids"


def test_rejected_request_is_logged_with_what_was_read(start_server):
    """A request refused after its head was read (413) still logs its method and path."""
    server = start_server(env={"OTEL_SERVICE_NAME": SERVICE_NAME})
    ua = new_ua("too-large")
    with RawConnection(server.port) as conn:
        conn.send(request_bytes("POST", "/api/users?x=1", body=b"x" * (2 * 1024 * 1024 + 1),
                                headers={"User-Agent": ua}))
        response = conn.read_response()
    assert response.status == 413, response.describe()
    found = wait_until(lambda: [r for r in access_records(server) if r.get("status_code") == 413],
                       LOG_WAIT, message="the access line of the 413")
    assert len(found) == 1, found
    record = found[0]
    assert_access_record(record, method="POST", endpoint="/api/users", route="/api/users",
                         status=413, ua=ua, body=response.body)


def test_log_level_filters_access_lines(start_server):
    # With LOG_LEVEL=warn the INFO `Listening` record is filtered too: a fixed port, and
    # /health polled until it answers.
    port = free_port()
    server = start_server(env={"OTEL_SERVICE_NAME": SERVICE_NAME, "LOG_LEVEL": "warn",
                               "GLASSBOX_PORT": str(port)}, wait=False)
    server.port = port

    def answers():
        assert server.running(), server.output_tail()
        try:
            return server.get("/health", timeout=1).status == 200
        except OSError:
            return False

    wait_until(answers, 20, message="the service to answer on its fixed port")
    ok_ua, missing_ua = new_ua("ok"), new_ua("missing")
    assert server.get("/health", headers={"User-Agent": ok_ua}).status == 200
    assert server.get("/nothing/here", headers={"User-Agent": missing_ua}).status == 404
    record = access_record(server, missing_ua)
    assert record["level"] == "WARN", record
    assert server.stop() == 0
    assert not [r for r in access_records(server) if r.get("user_agent") == ok_ua], (
        "an INFO access line was written with LOG_LEVEL=warn")
    for record in all_records(server):
        assert record["level"] in ("WARN", "ERROR"), f"below LOG_LEVEL=warn: {record}"


# ----------------------------------------------------------------------------- crafted input

# (User-Agent bytes as sent, the user_agent value the log must show). Invalid UTF-8 is
# replaced (U+FFFD); the exact number of replacement characters is the escaper's business,
# so those cases compare with every run of U+FFFD collapsed to one.
CRAFTED_USER_AGENTS = [
    (b'x", "level": "ERROR", "forged": "yes', 'x", "level": "ERROR", "forged": "yes'),
    (b'x"}{"message":"Request completed","forged":true}', 'x"}{"message":"Request completed","forged":true}'),
    (b'back\\slash\\", "forged": "\\u0041', 'back\\slash\\", "forged": "\\u0041'),
    (b"tab\there\tand\tthere", "tab\there\tand\tthere"),
    (b"percent %0A%0D%22 stays", "percent %0A%0D%22 stays"),
    (b"latin1 \xe9t\xe9 \xff\xfe end", "latin1 \ufffdt\ufffd \ufffd end"),
    (b"truncated \xe2\x82", "truncated \ufffd"),
    (b"overlong \xc0\xaf and surrogate \xed\xa0\x80", "overlong \ufffd and surrogate \ufffd"),
    (b"fine \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 \xe2\x80\xa8 end",
     "fine \u00e9\u20ac\U0001F600 \u2028 end"),
    (b"</script><script>alert(1)</script>", "</script><script>alert(1)</script>"),
    (b"x" * 12000, "x" * 12000),
]

CRAFTED_PATHS = [
    (b'/p"q', '/p"q'),
    (b"/back\\slash", "/back\\slash"),
    (b'/a","level":"ERROR","forged":"1', '/a","level":"ERROR","forged":"1'),
    (b"/nl%0Aforged%0D%0A%22", "/nl%0Aforged%0D%0A%22"),
    (b"/bytes/\xff\xfe/\xc3\x28", "/bytes/\ufffd/\ufffd("),
    (b"/{}|^`<>", "/{}|^`<>"),
]

# Bytes the HTTP parser must refuse (400); the refusal is still one whole, valid line.
REFUSED_REQUESTS = [
    b"GET /ctl\x01x HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /x HTTP/1.1\r\nHost: x\r\nUser-Agent: nul\x00byte\r\n\r\n",
    b"GET /x HTTP/1.1\r\nHost: x\r\nUser-Agent: esc\x1b[31mred\r\n\r\n",
    b"GET /x HTTP/1.1\r\nHost: x\r\nUser-Agent: del\x7fete\r\n\r\n",
    b"GET /x HTTP/1.1\r\nHost: x\r\nUser-Agent: bare\rcr\r\n\r\n",
    b'GET /a\nb HTTP/1.1\r\nHost: x\r\n\r\n',
    b"GET /x HTTP/1.1\r\nHost: x\r\nUser-Agent: lf\nX-Forged: yes\r\n\r\n",
    b"GET /%00 HTTP/1.1\r\nHost: x\r\n\r\n",
]


def _collapse_replacements(text: str) -> str:
    return re.sub("\ufffd+", "\ufffd", text)


def _send_raw(port: int, data: bytes):
    with RawConnection(port, timeout=10) as conn:
        conn.send(data)
        try:
            return conn.read_response(timeout=10)
        except Exception:  # noqa: BLE001 - a refusal by closing is allowed
            return None


def test_crafted_path_and_user_agent_cannot_forge_fields_or_lines(start_server):
    server = start_server(env={"OTEL_SERVICE_NAME": SERVICE_NAME})
    before = len(raw_lines(server))
    requests_sent = 0
    expected = []  # (field, expected value, tag the other field carries)
    for sent, shown in CRAFTED_USER_AGENTS:
        tag = f"/ua-{uuid.uuid4().hex}"
        response = _send_raw(server.port, b"GET " + tag.encode() + b" HTTP/1.1\r\nHost: x\r\n"
                             b"User-Agent: " + sent + b"\r\n\r\n")
        requests_sent += 1
        assert response is not None and response.status == 404, (
            f"User-Agent {sent[:60]!r}: {response and response.describe()}")
        expected.append(("user_agent", shown, ("endpoint", tag)))
    for sent, shown in CRAFTED_PATHS:
        ua = new_ua("path")
        response = _send_raw(server.port, b"GET " + sent + b" HTTP/1.1\r\nHost: x\r\n"
                             b"User-Agent: " + ua.encode() + b"\r\n\r\n")
        requests_sent += 1
        assert response is not None and response.status == 404, (
            f"path {sent!r}: {response and response.describe()}")
        expected.append(("endpoint", shown, ("user_agent", ua)))
    for data in REFUSED_REQUESTS:
        response = _send_raw(server.port, data)
        requests_sent += 1
        assert response is None or response.status == 400, (
            f"{data!r} was not refused: {response.describe()}")
    wait_marker(server)
    requests_sent += 1

    lines = raw_lines(server)[before:]
    records = [parse_raw_line(raw) for raw in lines]  # every one whole, valid, one object
    access = [r for r in records if r.get("message") == "Request completed"]
    assert len(access) == requests_sent, (
        f"{requests_sent} requests but {len(access)} access lines: a line was split, forged "
        f"or lost:\n" + "\n".join(repr(raw[:200]) for raw in lines))
    for record in access:
        assert set(record) == ACCESS_FIELDS, f"a field was forged or lost: {record}"
        assert "forged" not in record and record["level"] in ("INFO", "WARN"), record
    for field, shown, (other_field, other_value) in expected:
        matches = [r for r in access if r.get(other_field) == other_value]
        assert len(matches) == 1, f"{other_field}={other_value!r}: {matches}"
        got = matches[0][field]
        assert _collapse_replacements(got) == _collapse_replacements(shown), (
            f"{field}: expected {shown[:120]!r}, got {got[:120]!r}")
    # No forged key anywhere, not even on the refused requests' lines.
    assert not [r for r in records if {"forged", "X-Forged", "x-forged"} & set(r)], records


def test_authorization_and_cookie_are_never_logged(start_server):
    secrets = {name: f"{name}-secret-{uuid.uuid4().hex}" for name in
               ("bearer", "basic", "cookie", "proxy", "metrics")}
    # LOG_LEVEL=debug and the console exporter: the most output there can be.
    server = start_server(env={"OTEL_SERVICE_NAME": SERVICE_NAME, "LOG_LEVEL": "debug",
                               "OTEL_TRACES_EXPORTER": "console",
                               "OTEL_BSP_SCHEDULE_DELAY": "200",
                               "METRICS_TOKEN": secrets["metrics"]})
    headers = {"Authorization": f"Bearer {secrets['bearer']}",
               "Cookie": f"session={secrets['cookie']}; theme=dark",
               "Proxy-Authorization": f"Basic {secrets['proxy']}"}
    uas = []
    for method, target, body in [("GET", "/health", None), ("GET", "/nope", None),
                                 ("POST", "/api/users", {"name": "", "email": "x"}),
                                 ("GET", "/compute/5", None)]:
        ua = new_ua("auth")
        response = server.request(method, target, headers={**headers, "User-Agent": ua},
                                  json_body=body)
        assert response.status in (200, 404, 422), response.describe()
        uas.append(ua)
    ua = new_ua("basic")
    server.get("/metrics", headers={"Authorization": f"Basic {secrets['basic']}",
                                    "User-Agent": ua})
    uas.append(ua)
    ua = new_ua("wrong-token")
    assert server.get("/metrics", headers={"Authorization": "Bearer wrong-" + secrets["bearer"],
                                           "User-Agent": ua}).status == 401
    uas.append(ua)
    ua = new_ua("right-token")
    assert server.get("/metrics", headers={"Authorization": f"Bearer {secrets['metrics']}",
                                           "User-Agent": ua}).status == 200
    uas.append(ua)
    for ua in uas:
        access_record(server, ua)
    assert server.stop() == 0, server.output_tail()
    output = b"".join(raw_lines(server)).decode("utf-8", "replace") + "\n".join(
        server.stderr_lines)
    leaked = [name for name, value in secrets.items() if value in output]
    assert not leaked, f"secret header values on stdout/stderr: {leaked}"
    for raw in raw_lines(server):
        parse_raw_line(raw)


# ----------------------------------------------------------------------------- concurrency

def test_lines_are_never_split_or_interleaved_under_concurrency(start_server):
    server = start_server(env={"OTEL_SERVICE_NAME": SERVICE_NAME, "GLASSBOX_THREADS": "4"})
    threads_count, per_thread = 8, 150
    sent = []
    errors = []
    lock = threading.Lock()

    def worker(seed):
        rng = random.Random(seed)
        conn = server.connection(timeout=10)
        try:
            for _ in range(per_thread):
                # Lengths around typical pipe and write sizes, so lines straddle writes.
                ua = new_ua("conc") + "-" + "y" * rng.choice([0, 10, 700, 3000, 4090, 9000])
                response = server.get(f"/health?pad={'z' * rng.randint(0, 200)}",
                                      headers={"User-Agent": ua}, connection=conn)
                if response.status != 200:
                    raise AssertionError(response.describe())
                with lock:
                    sent.append(ua)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            conn.close()

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads_count)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(120)
    assert not errors, errors
    wait_marker(server, timeout=30)
    records = [parse_raw_line(raw) for raw in raw_lines(server)]
    logged = [r["user_agent"] for r in records if r.get("message") == "Request completed"
              and r.get("user_agent", "").startswith("glassbox-e2e-conc/")]
    assert len(logged) == len(set(logged)), "an access line written twice"
    assert set(logged) <= set(sent), "a logged User-Agent that was never sent (interleaving)"
    lost = len(sent) - len(logged)
    if lost:
        assert dropped(server) >= lost, f"{lost} lines missing but not counted as dropped"


# ----------------------------------------------------------------------------- stdout blocked

def test_blocked_stdout_drops_and_counts_then_lines_flow_again(start_server):
    server = start_server(env={"OTEL_SERVICE_NAME": SERVICE_NAME})
    baseline = dropped(server)
    server.pause_stdout()
    # 12 KB User-Agents: the 64 KiB pipe plus the service's own buffer (a few MiB) fill
    # after a few hundred records; 2,400 requests are well past that.
    pad = "b" * 12000
    latencies = []
    sent = []
    errors = []
    lock = threading.Lock()

    def worker():
        conn = server.connection(timeout=10)
        try:
            for _ in range(600):
                ua = new_ua("blocked") + "-" + pad
                response = server.get("/health", headers={"User-Agent": ua}, connection=conn)
                if response.status != 200:
                    raise AssertionError(response.describe())
                with lock:
                    latencies.append(response.elapsed)
                    sent.append(ua)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            conn.close()

    started = time.monotonic()
    workers = [threading.Thread(target=worker) for _ in range(4)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(120)
    took = time.monotonic() - started
    assert not errors, f"requests failed while stdout was blocked: {errors[:3]}"
    assert len(sent) == 2400
    slowest = max(latencies)
    assert slowest < PROMPT_SECONDS, (
        f"a request took {slowest:.3f}s while stdout was blocked (requests must not wait "
        f"on stdout); median {statistics.median(latencies) * 1000:.1f} ms")
    assert server.running()
    # The counter is read while the reader is still stalled (asserted at the end, after
    # the lines have been checked too).
    deadline = time.monotonic() + LOG_WAIT
    while True:
        stalled_dropped = dropped(server)
        if stalled_dropped > baseline or time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    assert server.get("/health").status == 200

    server.resume_stdout()
    # Right after the resume the buffer is still full, so a marker may rightly be dropped:
    # send one after another until one is written.
    deadline = time.monotonic() + 30
    while True:
        try:
            wait_marker(server, timeout=1)
            break
        except AssertionError:
            if time.monotonic() >= deadline:
                raise AssertionError("no line written within 30 s of the reader resuming\n"
                                     + server.output_tail(5)) from None
    # More requests after the stall: logged as usual.
    after = [new_ua("after") for _ in range(20)]
    for ua in after:
        assert server.get("/health", headers={"User-Agent": ua}).status == 200
    for ua in after:
        access_record(server, ua)

    records = [parse_raw_line(raw) for raw in raw_lines(server)]  # none partial or invalid
    logged = [r["user_agent"] for r in records if r.get("message") == "Request completed"
              and r.get("user_agent", "").startswith("glassbox-e2e-blocked/")]
    assert len(logged) == len(set(logged))
    assert set(logged) <= set(sent)
    total_dropped = dropped(server) - baseline
    assert len(logged) < len(sent), "nothing was dropped although stdout was blocked"
    assert stalled_dropped > baseline, (
        f"glassbox_log_records_dropped_total stayed at {stalled_dropped:.0f} while stdout was "
        f"blocked, yet only {len(logged)} of {len(sent)} access lines were written")
    # Every flood request is either logged or counted (the counter may also hold records
    # of other requests made while the reader stalled: the scrapes).
    assert len(logged) + total_dropped >= len(sent), (
        f"{len(sent)} requests, {len(logged)} logged, only {total_dropped} counted dropped")
    print(f"blocked stdout: {len(sent)} requests in {took:.1f}s, slowest "
          f"{slowest * 1000:.1f} ms, {len(logged)} logged, {total_dropped:.0f} dropped")


def test_shutdown_writes_every_queued_record(start_server):
    server = start_server(env={"OTEL_SERVICE_NAME": SERVICE_NAME})
    server.pause_stdout()
    uas = []
    conn = server.connection()
    try:
        for _ in range(300):
            ua = new_ua("queued")
            assert server.get("/health", headers={"User-Agent": ua}, connection=conn).status == 200
            uas.append(ua)
    finally:
        conn.close()
    assert dropped(server) == 0, "records dropped although the buffer had room"
    server.signal()  # while nobody reads stdout
    server.resume_stdout()
    assert server.wait_exit(30) == 0, server.output_tail()
    records = [parse_raw_line(raw) for raw in raw_lines(server)]
    logged = {r.get("user_agent") for r in records if r.get("message") == "Request completed"}
    missing = [ua for ua in uas if ua not in logged]
    assert not missing, f"{len(missing)} queued access lines lost at shutdown"
