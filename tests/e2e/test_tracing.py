"""Traces end to end: the real binary exports OTLP/HTTP to a receiver the test runs on
loopback (otlp_receiver.py, which decodes protobuf and OTLP JSON itself).

Checked: the SERVER span of every request (name, kind, ids, W3C traceparent continued or a
new trace for every invalid form, the HTTP semantic-convention attributes, status), the
CLIENT spans of database calls and the INTERNAL Fibonacci span as its children, the
resource and scope; the same ids in the access log and in the /metrics exemplar; both
encodings; and the exporter against a receiver that answers 503 then 200 (every span once),
a non-retryable status, one that is down, and one that accepts and never answers (requests
unaffected, drops and failures counted, export resumes when the receiver is back).

Spans are told apart by a unique User-Agent per request (`user_agent.original`), and the
access log line by the same value. Nothing sleeps to synchronise: every wait polls
against a deadline.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
import uuid

import pytest

from glassbox import (assert_error, calibrate_compute, fetch_metrics, request_bytes, scrape,
                      scrape_until, wait_until)
from otlp_receiver import (SPAN_KIND_CLIENT, SPAN_KIND_INTERNAL, SPAN_KIND_SERVER,
                           STATUS_ERROR, STATUS_UNSET, OtlpReceiver)

SERVICE_NAME = "glassbox-e2e"
SCHEDULE_DELAY_MS = 200
# Long enough for a loaded CI machine, far below any test's own limit.
SPAN_WAIT = 15.0
LOG_WAIT = 10.0
# A request must not feel the exporter's trouble: generous, but far below the 1 s export
# timeout the failure tests configure and the 10 s default.
PROMPT_SECONDS = 1.0
OPENMETRICS_ACCEPT = "application/openmetrics-text; version=1.0.0"

HEX32 = re.compile(r"^[0-9a-f]{32}$")
HEX16 = re.compile(r"^[0-9a-f]{16}$")

HTTP_ATTRIBUTES = {"http.request.method", "http.route", "url.path", "url.scheme",
                   "http.response.status_code", "server.address", "server.port",
                   "client.address", "user_agent.original", "network.protocol.version"}


# ----------------------------------------------------------------------------- helpers

@pytest.fixture
def receiver():
    server = OtlpReceiver().start()
    try:
        yield server
    finally:
        server.stop()


def traced_env(receiver: OtlpReceiver, **extra) -> dict:
    env = {"OTEL_TRACES_EXPORTER": "otlp",
           "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
           "OTEL_BSP_SCHEDULE_DELAY": str(SCHEDULE_DELAY_MS),
           "OTEL_SERVICE_NAME": SERVICE_NAME}
    env.update({k: str(v) for k, v in extra.items()})
    return env


def new_ua(tag: str = "req") -> str:
    return f"glassbox-e2e-{tag}/{uuid.uuid4().hex}"


def random_trace_id() -> str:
    return secrets.token_hex(16)


def random_span_id() -> str:
    return secrets.token_hex(8)


def server_spans(spans: list, ua: str) -> list:
    return [s for s in spans
            if s.kind == SPAN_KIND_SERVER and s.attributes.get("user_agent.original") == ua]


def wait_server_span(receiver: OtlpReceiver, ua: str, timeout: float = SPAN_WAIT):
    found = receiver.wait_for(lambda spans: server_spans(spans, ua), timeout,
                              f"the SERVER span of the request with User-Agent {ua}")
    assert len(found) == 1, "SERVER span exported more than once:\n" + "\n".join(
        s.describe() for s in found)
    return found[0]


def wait_trace(receiver: OtlpReceiver, trace_id: str, names: set, timeout: float = SPAN_WAIT):
    """Waits for spans of `trace_id` with these names (at least); returns all of the
    trace's spans."""
    def done(spans):
        mine = [s for s in spans if s.trace_id == trace_id]
        return mine if names <= {s.name for s in mine} else None
    return receiver.wait_for(done, timeout, f"spans {sorted(names)} of trace {trace_id}")


def access_records(server) -> list:
    return [r for r in server.log_records() if r.get("message") == "Request completed"]


def access_record(server, ua: str, timeout: float = LOG_WAIT) -> dict:
    found = wait_until(lambda: [r for r in access_records(server) if r.get("user_agent") == ua],
                       timeout, message=f"the access log line of User-Agent {ua}")
    assert len(found) == 1, f"{len(found)} access lines for one request: {found}"
    return found[0]


def assert_http_span(span, *, method: str, route: str | None, path: str, status: int,
                     ua: str, server):
    """The SERVER span of one request, as CONTRACT.md (Traces) describes it."""
    what = span.describe()
    assert span.kind == SPAN_KIND_SERVER, what
    assert span.name == (f"{method} {route}" if route else method), what
    assert HEX32.match(span.trace_id) and span.trace_id != "0" * 32, what
    assert HEX16.match(span.span_id) and span.span_id != "0" * 16, what
    a = span.attributes
    expected = {"http.request.method": method, "url.path": path, "url.scheme": "http",
                "http.response.status_code": status, "server.address": "127.0.0.1",
                "server.port": server.port, "client.address": "127.0.0.1",
                "user_agent.original": ua, "network.protocol.version": "1.1"}
    if route is not None:
        expected["http.route"] = route
    for key, value in expected.items():
        assert key in a, f"attribute {key} missing: {what}"
        assert a[key] == value and type(a[key]) is type(value), (
            f"attribute {key}: expected {value!r}, got {a[key]!r}: {what}")
    if route is None:
        assert "http.route" not in a, f"http.route on a request that matched no route: {what}"
    assert span.status_code == (STATUS_ERROR if status >= 500 else STATUS_UNSET), (
        f"status {span.status_code} for HTTP {status}: {what}")
    now_ns = time.time_ns()
    assert 0 < span.start_ns <= span.end_ns, what
    assert now_ns - 120e9 < span.start_ns < now_ns + 5e9, f"start time far from now: {what}"
    assert span.end_ns - span.start_ns < 60e9, what


def assert_child(child, parent):
    what = f"child {child.describe()}\nparent {parent.describe()}"
    assert child.trace_id == parent.trace_id, what
    assert child.parent_span_id == parent.span_id, what
    assert child.span_id != parent.span_id, what
    assert parent.start_ns <= child.start_ns <= child.end_ns <= parent.end_ns, (
        f"child not within its parent's time: {what}")


# ----------------------------------------------------------------------------- SERVER span

def test_server_span_of_a_request_without_traceparent(receiver, start_server):
    server = start_server(env=traced_env(
        receiver, OTEL_RESOURCE_ATTRIBUTES="deployment.environment=e2e,team=observability"))
    ua = new_ua()
    response = server.get("/api/users?limit=5&offset=0", headers={"User-Agent": ua})
    assert response.status == 200, response.describe()
    span = wait_server_span(receiver, ua)
    assert_http_span(span, method="GET", route="/api/users", path="/api/users", status=200,
                     ua=ua, server=server)
    assert span.parent_span_id == "", f"a request without traceparent has a parent: {span}"
    assert "limit" not in span.attributes["url.path"], span.describe()

    # Resource and scope.
    resource = span.resource
    assert resource.get("service.name") == SERVICE_NAME, resource
    assert isinstance(resource.get("service.version"), str) and resource["service.version"], (
        resource)
    assert isinstance(resource.get("service.instance.id"), str) and resource[
        "service.instance.id"], resource
    assert isinstance(resource.get("host.name"), str) and resource["host.name"], resource
    assert resource.get("telemetry.sdk.language") == "cpp", resource
    assert resource.get("deployment.environment") == "e2e", resource
    assert resource.get("team") == "observability", resource
    assert span.scope_name == "glassbox", span
    assert receiver.decode_errors == []
    # The export really was protobuf, POSTed to /v1/traces.
    first = receiver.request_list()[0]
    assert first.method == "POST" and first.path == "/v1/traces", first
    assert first.headers.get("content-type", "").startswith("application/x-protobuf"), first

    # service.instance.id is one per process: the next span carries the same one.
    ua2 = new_ua()
    assert server.get("/health", headers={"User-Agent": ua2}).status == 200
    other = wait_server_span(receiver, ua2)
    assert other.resource == resource
    assert other.trace_id != span.trace_id, "two requests without traceparent share a trace"


def test_incoming_traceparent_is_continued(receiver, start_server):
    server = start_server(env=traced_env(receiver))
    cases = []
    for flags in ("01", "09"):  # 09: sampled plus a future flag bit
        trace_id, parent_id, ua = random_trace_id(), random_span_id(), new_ua()
        headers = {"User-Agent": ua, "traceparent": f"00-{trace_id}-{parent_id}-{flags}",
                   "tracestate": "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"}
        assert server.get("/health", headers=headers).status == 200
        cases.append((trace_id, parent_id, ua))
    # A higher version with more fields: the spec says parse its first four.
    trace_id, parent_id, ua = random_trace_id(), random_span_id(), new_ua("future-version")
    assert server.get("/health", headers={
        "User-Agent": ua,
        "traceparent": f"cc-{trace_id}-{parent_id}-01-what-the-future-will-be-like"}).status == 200
    cases.append((trace_id, parent_id, ua))

    for trace_id, parent_id, ua in cases:
        span = wait_server_span(receiver, ua)
        assert span.trace_id == trace_id, f"incoming trace id not kept: {span.describe()}"
        assert span.parent_span_id == parent_id, f"parent not the caller's span: {span.describe()}"
        assert span.span_id not in (parent_id, "0" * 16), span.describe()
        assert_http_span(span, method="GET", route="/health", path="/health", status=200,
                         ua=ua, server=server)
        record = access_record(server, ua)
        assert (record["trace_id"], record["span_id"]) == (span.trace_id, span.span_id), record
    first = server_spans(receiver.span_list(), cases[0][2])[0]
    assert first.trace_state == "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7", (
        f"tracestate not carried: {first.trace_state!r}")


INVALID_TRACEPARENTS = {
    "version ff": "ff-{t}-{s}-01",
    "all-zero trace id": "00-" + "0" * 32 + "-{s}-01",
    "all-zero parent id": "00-{t}-" + "0" * 16 + "-01",
    "upper-case hex": "00-{T}-{S}-01",
    "trace id too short": "00-{t31}-{s}-01",
    "trace id too long": "00-{t}a-{s}-01",
    "parent id too short": "00-{t}-{s15}-01",
    "extra field on version 00": "00-{t}-{s}-01-extra",
    "flags missing": "00-{t}-{s}",
    "flags not hex": "00-{t}-{s}-0g",
    "trace id not hex": "00-{t31}g-{s}-01",
    "version one digit": "0-{t}-{s}-01",
    "underscores for dashes": "00_{t}_{s}_01",
    "garbage": "not a traceparent",
}


def test_invalid_traceparent_starts_a_new_trace(receiver, start_server):
    server = start_server(env=traced_env(receiver))
    sent = {}
    for label, template in INVALID_TRACEPARENTS.items():
        t, s = random_trace_id(), random_span_id()
        header = template.format(t=t, s=s, T=t.upper(), S=s.upper(), t31=t[:31], s15=s[:15])
        ua = new_ua("invalid")
        response = server.get("/health", headers={"User-Agent": ua, "traceparent": header})
        assert response.status == 200, f"{label}: {response.describe()}"
        sent[label] = (header, t, s, ua)
    failures = []
    for label, (header, t, s, ua) in sent.items():
        span = wait_server_span(receiver, ua)
        record = access_record(server, ua)
        if span.trace_id == t or span.parent_span_id != "" or t in span.trace_id:
            failures.append(f"{label} ({header!r}) was accepted: {span.describe()}")
        if (record["trace_id"], record["span_id"]) != (span.trace_id, span.span_id):
            failures.append(f"{label}: log ids {record['trace_id']}/{record['span_id']} "
                            f"differ from the span's {span.trace_id}/{span.span_id}")
    assert not failures, "\n".join(failures)


def test_duplicated_traceparent_starts_a_new_trace(receiver, start_server):
    """W3C trace-context test suite (test_traceparent_duplicated): two traceparent headers
    are invalid, so a new trace starts."""
    server = start_server(env=traced_env(receiver))
    first, second = (random_trace_id(), random_span_id()), (random_trace_id(), random_span_id())
    ua = new_ua("two-traceparents")
    with server.raw() as conn:
        conn.send(request_bytes("GET", "/health", headers=[
            ("User-Agent", ua), ("traceparent", f"00-{first[0]}-{first[1]}-01"),
            ("traceparent", f"00-{second[0]}-{second[1]}-01")]))
        assert conn.read_response().status == 200
    span = wait_server_span(receiver, ua)
    assert span.trace_id not in (first[0], second[0]) and span.parent_span_id == "", (
        f"one of two traceparent headers was used: {span.describe()}")


def test_http_1_0_request_reports_its_protocol_version(receiver, start_server):
    server = start_server(env=traced_env(receiver))
    ua = new_ua("http10")
    with server.raw() as conn:
        conn.send(f"GET /health HTTP/1.0\r\nUser-Agent: {ua}\r\n\r\n".encode())
        assert conn.read_response().status == 200
    span = wait_server_span(receiver, ua)
    assert span.attributes.get("network.protocol.version") == "1.0", span.describe()


def test_unknown_method_follows_the_semantic_conventions(receiver, start_server):
    """HTTP semconv: a method the instrumentation does not know is recorded as `_OTHER`
    (the original in http.request.method_original) and the span is named `HTTP`."""
    server = start_server(env=traced_env(receiver))
    ua = new_ua("unknown-method")
    with server.raw() as conn:
        conn.send(request_bytes("FROBNICATE", "/health", headers={"User-Agent": ua}))
        status = conn.read_response().status
    assert status in (400, 405, 501), status
    span = wait_server_span(receiver, ua)
    assert span.name in ("HTTP", "HTTP /health"), span.describe()
    assert span.attributes.get("http.request.method") == "_OTHER", span.describe()
    assert span.attributes.get("http.request.method_original") == "FROBNICATE", span.describe()
    assert span.attributes.get("http.response.status_code") == status, span.describe()


def test_unmatched_path_and_client_errors_keep_status_unset(receiver, start_server):
    server = start_server(env=traced_env(receiver))
    cases = [
        ("GET", "/no/such/thing?x=1", None, "/no/such/thing", 404, None),
        ("GET", "/api/users/987654321", "/api/users/{id}", "/api/users/987654321", 404, None),
        ("POST", "/api/users", "/api/users", "/api/users", 422, {"name": "", "email": "x"}),
        ("GET", "/compute/999", "/compute/{n}", "/compute/999", 422, None),
        ("DELETE", "/health", "/health", "/health", 405, None),
    ]
    sent = []
    for method, target, route, path, status, body in cases:
        ua = new_ua()
        response = server.request(method, target, headers={"User-Agent": ua}, json_body=body)
        assert response.status == status, f"{method} {target}: {response.describe()}"
        sent.append((method, route, path, status, ua))
    for method, route, path, status, ua in sent:
        span = wait_server_span(receiver, ua)
        if status == 405:
            # The path matched a route (with another method): either naming is defensible,
            # but the status must be there and the status must stay unset.
            assert span.attributes.get("http.response.status_code") == 405, span.describe()
            assert span.status_code == STATUS_UNSET, span.describe()
            continue
        assert_http_span(span, method=method, route=route, path=path, status=status, ua=ua,
                         server=server)


def test_server_error_sets_span_status_error(receiver, start_server):
    """A reachable 5xx: /compute with its pool saturated answers 503 at once."""
    server = start_server(env=traced_env(receiver, COMPUTE_MAX_N=60, COMPUTE_THREADS=1,
                                         COMPUTE_QUEUE=1))
    n, took = calibrate_compute(server, 0.6, 60)
    results = []
    lock = threading.Lock()

    def call():
        ua = new_ua("saturate")
        response = server.get(f"/compute/{n}", headers={"User-Agent": ua}, timeout=60)
        with lock:
            results.append((ua, response))

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    busy = [(ua, r) for ua, r in results if r.status == 503]
    ok = [(ua, r) for ua, r in results if r.status == 200]
    assert len(busy) + len(ok) == 6, [r.describe() for _, r in results]
    assert busy, f"no 503 with the pool saturated (n={n}, {took:.2f}s each)"
    for ua, response in busy:
        assert_error(response, 503)
        span = wait_server_span(receiver, ua)
        assert_http_span(span, method="GET", route="/compute/{n}", path=f"/compute/{n}",
                         status=503, ua=ua, server=server)
        assert span.status_code == STATUS_ERROR
        assert access_record(server, ua)["level"] == "ERROR"
    for ua, _ in ok:
        span = wait_server_span(receiver, ua)
        assert span.status_code == STATUS_UNSET, span.describe()
        children = wait_trace(receiver, span.trace_id, {"fibonacci"})
        assert [c.name for c in children if c.span_id != span.span_id] == ["fibonacci"]


# ----------------------------------------------------------------------------- child spans

def test_database_calls_are_client_children_of_the_server_span(receiver, make_api, backend):
    server = make_api(env=traced_env(receiver))
    system = {"sqlite": "sqlite", "postgresql": "postgresql"}[backend]
    email = f"trace-{uuid.uuid4().hex[:12]}@example.com"

    def call(method, target, status, operation, body=None):
        ua = new_ua(operation)
        response = server.request(method, target, headers={"User-Agent": ua}, json_body=body)
        assert response.status == status, f"{method} {target}: {response.describe()}"
        return ua, operation, response

    created = call("POST", "/api/users", 201, "users.insert", {"name": "Tracy", "email": email})
    user_id = created[2].json()["id"]
    steps = [
        created,
        call("GET", "/api/users?limit=10", 200, "users.list"),
        call("GET", "/api/users/987654321", 404, "users.get"),
        call("PUT", f"/api/users/{user_id}", 200, "users.update",
             {"name": "Tracy Two", "email": email}),
        call("DELETE", f"/api/users/{user_id}", 204, "users.delete"),
    ]
    for ua, operation, response in steps:
        parent = wait_server_span(receiver, ua)
        spans = wait_trace(receiver, parent.trace_id, {operation})
        children = [s for s in spans if s.span_id != parent.span_id]
        clients = [s for s in children if s.name == operation]
        assert len(clients) == 1, [s.describe() for s in spans]
        child = clients[0]
        assert child.kind == SPAN_KIND_CLIENT, child.describe()
        assert_child(child, parent)
        assert child.attributes.get("db.system.name") == system, child.describe()
        assert child.attributes.get("db.operation.name") == operation, child.describe()
        assert child.status_code == STATUS_UNSET, child.describe()
        assert child.resource == parent.resource
        # Never SQL text in the span (the operation is a logical name).
        assert not any(isinstance(v, str) and re.search(r"\b(SELECT|INSERT|UPDATE|DELETE)\b", v)
                       for v in child.attributes.values()), child.describe()
        for other in children:
            assert other.parent_span_id == parent.span_id, other.describe()


def test_fibonacci_is_an_internal_child_span(receiver, start_server):
    server = start_server(env=traced_env(receiver))
    trace_id, parent_id, ua = random_trace_id(), random_span_id(), new_ua("fib")
    response = server.get("/compute/17", headers={
        "User-Agent": ua, "traceparent": f"00-{trace_id}-{parent_id}-01"})
    assert response.status == 200 and response.json()["result"] == 1597, response.describe()
    server_span = wait_server_span(receiver, ua)
    assert server_span.parent_span_id == parent_id
    spans = wait_trace(receiver, trace_id, {"fibonacci"})
    fib = [s for s in spans if s.name == "fibonacci"]
    assert len(fib) == 1, [s.describe() for s in spans]
    assert fib[0].kind == SPAN_KIND_INTERNAL, fib[0].describe()
    assert fib[0].attributes.get("compute.n") == 17, fib[0].describe()
    assert type(fib[0].attributes["compute.n"]) is int, fib[0].describe()
    assert_child(fib[0], server_span)


# ----------------------------------------------------------------------------- correlation

def test_access_log_and_exemplar_carry_the_span_ids(receiver, start_server):
    server = start_server(env=traced_env(receiver))
    uas = []
    for i in range(12):
        ua = new_ua("corr")
        headers = {"User-Agent": ua}
        if i % 2:
            headers["traceparent"] = f"00-{random_trace_id()}-{random_span_id()}-01"
        target = ["/health", "/api/users", "/compute/5", "/nope"][i % 4]
        assert server.get(target, headers=headers).status in (200, 404)
        uas.append(ua)
    for ua in uas:
        span = wait_server_span(receiver, ua)
        record = access_record(server, ua)
        assert record["trace_id"] == span.trace_id, (record, span.describe())
        assert record["span_id"] == span.span_id, (record, span.describe())
        assert record["endpoint"] == span.attributes["url.path"], (record, span.describe())
        assert record["status_code"] == span.attributes["http.response.status_code"]
        if "http.route" in span.attributes:
            assert record["route"] == span.attributes["http.route"]
        else:
            assert record["route"] == "unmatched", record

    # Every exemplar of a /health bucket names a trace whose SERVER span was exported.
    _, exposition = fetch_metrics(server, accept=OPENMETRICS_ACCEPT)
    exemplar_ids = {s.exemplar.labels.get("trace_id")
                    for s in exposition.series("http_request_duration_seconds_bucket",
                                               method="GET", route="/health")
                    if s.exemplar is not None}
    assert exemplar_ids, "no exemplar on GET /health"
    for trace_id in exemplar_ids:
        assert HEX32.match(trace_id or ""), exemplar_ids
        receiver.wait_for(
            lambda spans, t=trace_id: [s for s in spans if s.trace_id == t
                                       and s.kind == SPAN_KIND_SERVER
                                       and s.name == "GET /health"],
            SPAN_WAIT, f"the SERVER span of exemplar trace {trace_id}")


def test_unsampled_parent_exports_nothing_but_logs_carry_ids(receiver, start_server):
    server = start_server(env=traced_env(receiver))
    trace_id, parent_id, ua = random_trace_id(), random_span_id(), new_ua("unsampled")
    response = server.post_json("/api/users", {"name": "Quiet", "email":
                                               f"q-{uuid.uuid4().hex[:10]}@example.com"},
                                headers={"User-Agent": ua,
                                         "traceparent": f"00-{trace_id}-{parent_id}-00"})
    assert response.status == 201, response.describe()
    record = access_record(server, ua)
    assert record["trace_id"] == trace_id, f"the caller's trace id is not logged: {record}"
    assert HEX16.match(record["span_id"]) and record["span_id"] not in (parent_id, "0" * 16), (
        record)
    # A sampled request afterwards, then shutdown: everything queued is flushed.
    marker = new_ua("marker")
    assert server.get("/health", headers={"User-Agent": marker}).status == 200
    wait_server_span(receiver, marker)
    assert server.stop() == 0, server.output_tail()
    leaked = [s.describe() for s in receiver.span_list() if s.trace_id == trace_id]
    assert not leaked, "spans of an unsampled trace were exported:\n" + "\n".join(leaked)


def test_sampler_always_off_exports_nothing_and_still_logs_ids(receiver, start_server):
    server = start_server(env=traced_env(receiver, OTEL_TRACES_SAMPLER="always_off"))
    uas = [new_ua("off") for _ in range(5)]
    for ua in uas:
        assert server.get("/compute/3", headers={"User-Agent": ua}).status == 200
    records = [access_record(server, ua) for ua in uas]
    for record in records:
        assert HEX32.match(record["trace_id"]) and HEX16.match(record["span_id"]), record
    assert len({r["trace_id"] for r in records}) == len(records), records
    assert server.stop() == 0, server.output_tail()
    assert receiver.span_list() == [], [s.describe() for s in receiver.span_list()]


def test_console_exporter_writes_spans_to_stderr(start_server):
    server = start_server(env={"OTEL_TRACES_EXPORTER": "console",
                               "OTEL_BSP_SCHEDULE_DELAY": str(SCHEDULE_DELAY_MS)})
    ua = new_ua("console")
    assert server.get("/health", headers={"User-Agent": ua}).status == 200
    record = access_record(server, ua)
    assert server.stop() == 0, server.output_tail()
    lines = [line for line in server.stderr_lines if record["trace_id"] in line]
    assert lines, "no span of the request on stderr:\n" + server.output_tail()
    for line in lines:
        assert isinstance(json.loads(line), dict), f"not a JSON line: {line!r}"
    # stdout stays the log only.
    assert not [line for line in server.stdout_lines
                if record["span_id"] in line and "Request completed" not in line]


# ----------------------------------------------------------------------------- encodings

def test_http_json_protocol(receiver, start_server):
    server = start_server(env=traced_env(receiver, OTEL_EXPORTER_OTLP_PROTOCOL="http/json"))
    trace_id, parent_id, ua = random_trace_id(), random_span_id(), new_ua("json")
    response = server.post_json("/api/users",
                                {"name": "Jason", "email": f"j-{uuid.uuid4().hex[:10]}@example.com"},
                                headers={"User-Agent": ua, "tracestate": "k=v",
                                         "traceparent": f"00-{trace_id}-{parent_id}-01"})
    assert response.status == 201, response.describe()
    span = wait_server_span(receiver, ua)
    assert span.encoding == "json"
    assert span.trace_id == trace_id and span.parent_span_id == parent_id, span.describe()
    assert span.trace_state == "k=v", span.describe()
    assert_http_span(span, method="POST", route="/api/users", path="/api/users", status=201,
                     ua=ua, server=server)
    spans = wait_trace(receiver, trace_id, {"users.insert"})
    child = next(s for s in spans if s.name == "users.insert")
    assert child.kind == SPAN_KIND_CLIENT
    assert_child(child, span)
    assert span.resource.get("service.name") == SERVICE_NAME
    assert span.resource.get("telemetry.sdk.language") == "cpp"
    assert span.scope_name == "glassbox"
    record = access_record(server, ua)
    assert (record["trace_id"], record["span_id"]) == (span.trace_id, span.span_id)

    request = next(r for r in receiver.request_list() if r.answered == 200)
    assert request.headers.get("content-type", "").startswith("application/json"), request.headers
    document = json.loads(request.body)
    assert set(document) == {"resourceSpans"}, list(document)
    raw_span = document["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    assert {"traceId", "spanId", "name", "kind", "startTimeUnixNano",
            "endTimeUnixNano"} <= set(raw_span), raw_span
    assert not [k for k in raw_span if "_" in k], f"snake_case keys: {sorted(raw_span)}"
    assert isinstance(raw_span["kind"], int), raw_span  # enums are integers in OTLP JSON
    assert receiver.decode_errors == []


def test_otlp_headers_are_sent_and_not_logged(receiver, start_server):
    secret = f"s3cr3t-{uuid.uuid4().hex}"
    server = start_server(env=traced_env(
        receiver, OTEL_EXPORTER_OTLP_HEADERS=f"x-e2e-tenant=acme,authorization=Bearer%20{secret}"))
    ua = new_ua()
    assert server.get("/health", headers={"User-Agent": ua}).status == 200
    wait_server_span(receiver, ua)
    request = receiver.request_list()[0]
    assert request.headers.get("x-e2e-tenant") == "acme", request.headers
    assert request.headers.get("authorization") == f"Bearer {secret}", request.headers
    assert server.stop() == 0
    output = "\n".join(server.stdout_lines + server.stderr_lines)
    assert secret not in output, "the exporter's header value was logged"


# ----------------------------------------------------------------------------- exporter trouble

def send_tagged(server, count: int, tag: str, target: str = "/health") -> list:
    """`count` requests, each with its own User-Agent; each must be answered promptly."""
    uas = []
    slow = []
    conn = server.connection(timeout=10)
    try:
        for _ in range(count):
            ua = new_ua(tag)
            response = server.get(target, headers={"User-Agent": ua}, connection=conn)
            assert response.status == 200, response.describe()
            if response.elapsed >= PROMPT_SECONDS:
                slow.append(response.elapsed)
            uas.append(ua)
    finally:
        conn.close()
    assert not slow, f"{len(slow)} request(s) slowed by the exporter: {slow}"
    return uas


def assert_each_once(receiver: OtlpReceiver, uas: list):
    spans = receiver.span_list()
    ids = [s.span_id for s in spans]
    duplicates = {i for i in ids if ids.count(i) > 1}
    assert not duplicates, f"spans exported more than once: {sorted(duplicates)}"
    counts = {ua: len(server_spans(spans, ua)) for ua in uas}
    wrong = {ua: n for ua, n in counts.items() if n != 1}
    assert not wrong, f"{len(wrong)} request(s) not exported exactly once: {wrong}"


@pytest.mark.parametrize("status,times,retry_after", [(503, 3, None), (429, 1, "1"),
                                                      (502, 1, None), (504, 1, None)])
def test_retryable_answers_then_200_deliver_every_span_once(receiver, start_server, status,
                                                            times, retry_after):
    receiver.answer_status(status, times=times, retry_after=retry_after)
    server = start_server(env=traced_env(receiver))
    uas = send_tagged(server, 40, f"retry{status}")
    receiver.wait_for(lambda spans: all(server_spans(spans, ua) for ua in uas), 30,
                      f"all 40 spans after {times} x {status}")
    # The receiver has the spans before the exporter reads its answer: the counter follows.
    exposition = scrape_until(server, lambda e: e.value("glassbox_spans_exported_total",
                                                        default=0) >= 40, timeout=SPAN_WAIT)
    assert exposition.value("glassbox_span_export_failures_total", default=0) == 0, (
        "a batch that was retried into success counted as failed")
    assert exposition.value("glassbox_spans_dropped_total", default=0) == 0
    assert exposition.value("glassbox_spans_exported_total", default=0) >= 40
    assert server.stop() == 0, server.output_tail()
    assert_each_once(receiver, uas)
    requests = receiver.request_list()
    assert [r.answered for r in requests[:times]] == [status] * times, [
        r.answered for r in requests]
    assert requests[times].answered == 200
    if retry_after is not None:
        gap = requests[times].at - requests[times - 1].at
        assert gap >= float(retry_after) * 0.9, (
            f"Retry-After: {retry_after} not honoured: retried after {gap:.3f}s")
    assert receiver.decode_errors == []


def test_non_retryable_answer_drops_the_batch_without_retry(receiver, start_server):
    receiver.answer_status(400, times=1)
    server = start_server(env=traced_env(receiver))
    first = send_tagged(server, 5, "refused")
    receiver.wait_requests(1, SPAN_WAIT)
    exposition = scrape_until(server, lambda e: e.value(
        "glassbox_span_export_failures_total", default=0) >= 1, timeout=SPAN_WAIT)
    assert exposition.value("glassbox_span_export_failures_total", default=0) >= 1
    assert exposition.value("glassbox_spans_dropped_total", default=0) >= 1
    # Later spans go through; the refused batch is not sent again.
    later = send_tagged(server, 5, "after-refusal")
    receiver.wait_for(lambda spans: all(server_spans(spans, ua) for ua in later), SPAN_WAIT,
                      "spans after a refused batch")
    assert server.stop() == 0
    spans = receiver.span_list()
    requests = receiver.request_list()
    assert requests[0].answered == 400
    # Whatever of the first requests was in the refused batch never arrives; nothing twice.
    ids = [s.span_id for s in spans]
    assert len(ids) == len(set(ids))
    assert any(not server_spans(spans, ua) for ua in first), (
        "the batch answered 400 was delivered anyway (retried on a non-retryable status?)")


def wait_export_resumes(server, receiver: OtlpReceiver, timeout: float = 30.0) -> str:
    """Sends one probe request after another until one's span arrives (spans sent while
    the queue is still full of old ones are rightly dropped); returns its User-Agent."""
    deadline = time.monotonic() + timeout
    while True:
        ua = send_tagged(server, 1, "probe")[0]
        try:
            wait_server_span(receiver, ua, timeout=min(2.0, max(0.1, deadline - time.monotonic())))
            return ua
        except AssertionError:
            if time.monotonic() >= deadline:
                raise AssertionError(f"export did not resume within {timeout}s; "
                                     f"{receiver.request_count()} export request(s) so far, "
                                     f"{len(receiver.span_list())} span(s)") from None


def test_receiver_down_then_back(receiver, start_server):
    receiver.go_down()
    server = start_server(env=traced_env(receiver, OTEL_EXPORTER_OTLP_TIMEOUT=1000))
    send_tagged(server, 30, "down")
    exposition = scrape_until(server, lambda e: e.value("glassbox_spans_dropped_total",
                                                        default=0) > 0, timeout=20)
    assert exposition.value("glassbox_spans_dropped_total", default=0) > 0, (
        "spans for an unreachable receiver were not counted as dropped")
    assert exposition.value("glassbox_span_export_failures_total", default=0) > 0
    assert server.running(), server.output_tail()
    send_tagged(server, 10, "still-down")  # still prompt after the failures

    receiver.come_back()
    wait_export_resumes(server, receiver)
    back = send_tagged(server, 10, "back")
    receiver.wait_for(lambda spans: all(server_spans(spans, ua) for ua in back), SPAN_WAIT,
                      "every span sent after the export resumed")
    assert server.running()
    assert server.stop() == 0, server.output_tail()
    assert_each_once(receiver, back)


def test_receiver_silent_then_back(receiver, start_server):
    receiver.go_silent()
    server = start_server(env=traced_env(receiver, OTEL_EXPORTER_OTLP_TIMEOUT=1000,
                                         OTEL_BSP_MAX_QUEUE_SIZE=20,
                                         OTEL_BSP_MAX_EXPORT_BATCH_SIZE=10))
    send_tagged(server, 100, "silent")
    receiver.wait_requests(1, SPAN_WAIT)  # the exporter did connect and send
    exposition = scrape_until(server, lambda e: e.value("glassbox_spans_dropped_total",
                                                        default=0) > 0
                              and e.value("glassbox_span_export_failures_total",
                                          default=0) > 0, timeout=20)
    assert exposition.value("glassbox_spans_dropped_total", default=0) > 0, (
        "spans beyond the queue bound were not counted as dropped")
    assert exposition.value("glassbox_span_export_failures_total", default=0) > 0, (
        "an export that was never answered did not time out as a failure")
    assert server.running(), server.output_tail()

    receiver.come_back()
    wait_export_resumes(server, receiver)
    back = send_tagged(server, 10, "back")
    receiver.wait_for(lambda spans: all(server_spans(spans, ua) for ua in back), SPAN_WAIT,
                      "every span sent after the export resumed")
    assert server.stop() == 0, server.output_tail()
    assert_each_once(receiver, back)


def test_shutdown_with_a_silent_receiver_is_bounded(receiver, start_server):
    receiver.go_silent()
    server = start_server(env=traced_env(receiver, OTEL_EXPORTER_OTLP_TIMEOUT=1000,
                                         OTEL_BSP_EXPORT_TIMEOUT=1000))
    send_tagged(server, 20, "silent-stop")
    receiver.wait_requests(1, SPAN_WAIT)
    started = time.monotonic()
    server.signal()
    code = server.wait_exit(20)
    took = time.monotonic() - started
    assert code == 0, server.output_tail()
    assert took < 10, f"shutdown took {took:.1f}s with a 1 s export timeout"


def test_many_concurrent_requests_are_each_exported_once(receiver, start_server):
    """Within the queue bound (2,048 by default) nothing is lost and nothing repeated, with
    eight clients at once and batches of 100."""
    server = start_server(env=traced_env(receiver, OTEL_BSP_MAX_EXPORT_BATCH_SIZE=100,
                                         GLASSBOX_THREADS=4))
    sent, errors = [], []
    lock = threading.Lock()

    def worker():
        try:
            uas = send_tagged(server, 150, "volume")
            with lock:
                sent.extend(uas)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    workers = [threading.Thread(target=worker) for _ in range(8)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(120)
    assert not errors, errors[:3]
    wanted = set(sent)
    receiver.wait_for(lambda spans: wanted <= {s.attributes.get("user_agent.original")
                                               for s in spans}, 30,
                      f"all {len(wanted)} SERVER spans")
    exposition = scrape(server)
    assert exposition.value("glassbox_spans_dropped_total", default=0) == 0
    assert exposition.value("glassbox_span_export_failures_total", default=0) == 0
    assert server.stop() == 0, server.output_tail()
    assert_each_once(receiver, sent)
    exported = len(receiver.span_list())
    sizes = [len(r.body) for r in receiver.request_list()]
    assert exported >= 1200 and len(sizes) >= 12, (exported, len(sizes))


def test_shutdown_flushes_queued_spans(receiver, start_server):
    # A schedule delay far beyond the test: only the shutdown flush can deliver the spans.
    server = start_server(env=traced_env(receiver, OTEL_BSP_SCHEDULE_DELAY=600000))
    uas = send_tagged(server, 25, "flush")
    assert server.stop() == 0, server.output_tail()
    assert_each_once(receiver, uas)
