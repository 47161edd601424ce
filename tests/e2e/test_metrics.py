"""GET /metrics end to end: the exposition as promtool and the OpenMetrics grammar see it,
exact request counting, bounded label cardinality under a flood of invented paths and
methods, exemplars carrying the caller's trace id, the bearer token, and the domain
metrics (cache, database, WebSocket, cleanup job, process) moving as the requests say.

Counters are recorded after the response is written, so a scrape that directly follows a
response may not include it yet: every exact comparison re-scrapes until the counters
reach the expected values, against a deadline, and then asserts (counters never go down, so
an overcount can never be waited away)."""

from __future__ import annotations

import collections
import json
import math
import os
import random
import re
import shutil
import string
import subprocess
import time

import pytest
import websocket

from glassbox import (METRICS_SETTLE_SECONDS, OPENMETRICS_CONTENT_TYPE, PROMETHEUS_ACCEPT,
                      STANDARD_METHODS, TEXT_CONTENT_TYPE, ConnectionClosed, Exposition,
                      RequestTally, assert_error, deltas, fetch_metrics, method_label,
                      request_bytes, run_binary, scrape, scrape_until, wait_until)

ROUTES = {"/health", "/ready", "/metrics", "/api/users", "/api/users/{id}", "/compute/{n}",
          "/ws/events"}
DEFAULT_LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                           0.1, 0.25, 0.5, 1, 2.5, 5, 10]
OPENMETRICS_ACCEPT = "application/openmetrics-text; version=1.0.0"

# Every family of CONTRACT.md's Metrics table: type and label names.
CONTRACT_FAMILIES = {
    "http_requests_total": ("counter", {"method", "route", "status"}),
    "http_request_duration_seconds": ("histogram", {"method", "route"}),
    "http_requests_in_flight": ("gauge", set()),
    "http_request_size_bytes": ("histogram", {"method", "route"}),
    "http_response_size_bytes": ("histogram", {"method", "route"}),
    "process_cpu_seconds_total": ("counter", set()),
    "process_resident_memory_bytes": ("gauge", set()),
    "process_virtual_memory_bytes": ("gauge", set()),
    "process_open_fds": ("gauge", set()),
    "process_max_fds": ("gauge", set()),
    "process_start_time_seconds": ("gauge", set()),
    "glassbox_build_info": ("gauge", {"version", "revision"}),
    "db_queries_total": ("counter", {"operation", "status"}),
    "db_query_duration_seconds": ("histogram", {"operation"}),
    "db_connections": ("gauge", {"state"}),
    "cache_requests_total": ("counter", {"cache", "result"}),
    "websocket_connections_active": ("gauge", set()),
    "websocket_messages_total": ("counter", {"direction"}),
    "cleanup_job_runs_total": ("counter", {"status"}),
    "cleanup_job_records_deleted_total": ("counter", set()),
    "cleanup_job_duration_seconds": ("histogram", set()),
    "cleanup_job_last_success_timestamp_seconds": ("gauge", set()),
    "errors_total": ("counter", {"type", "source"}),
    "glassbox_log_records_dropped_total": ("counter", set()),
    "glassbox_spans_exported_total": ("counter", set()),
    "glassbox_spans_dropped_total": ("counter", set()),
    "glassbox_span_export_failures_total": ("counter", set()),
}


def not_metrics_route(label_names: tuple):
    index = label_names.index("route")
    return lambda key: key[index] == "/metrics"


def le_value(sample) -> float:
    return math.inf if sample.labels["le"] == "+Inf" else float(sample.labels["le"])


def check_histogram_family(exposition: Exposition, family: str, bounds: list | None = None):
    """Every series of the histogram: buckets ascending and cumulative, `+Inf` equal to
    `_count`, a `_sum` beside it, and (when given) exactly these upper bounds."""
    groups = collections.defaultdict(list)
    for sample in exposition.series(f"{family}_bucket"):
        key = tuple(sorted((k, v) for k, v in sample.labels.items() if k != "le"))
        groups[key].append(sample)
    counts = {tuple(sorted(s.labels.items())): s for s in exposition.series(f"{family}_count")}
    sums = {tuple(sorted(s.labels.items())): s for s in exposition.series(f"{family}_sum")}
    assert groups, f"no {family}_bucket samples"
    assert set(groups) == set(counts) == set(sums), (
        f"{family}: bucket/count/sum series differ: {set(groups) ^ set(counts)} "
        f"{set(groups) ^ set(sums)}")
    for key, buckets in groups.items():
        les = [le_value(b) for b in buckets]
        assert les == sorted(les) and len(set(les)) == len(les), (
            f"{family}{dict(key)} buckets not in ascending order: {les}")
        assert les[-1] == math.inf, f"{family}{dict(key)} has no le=\"+Inf\" bucket"
        if bounds is not None:
            assert les[:-1] == [float(b) for b in bounds], (
                f"{family}{dict(key)} bucket bounds {les[:-1]}, expected {bounds}")
        values = [b.value for b in buckets]
        assert all(a <= b for a, b in zip(values, values[1:])), (
            f"{family}{dict(key)} buckets not cumulative: {values}")
        assert values[-1] == counts[key].value, (
            f"{family}{dict(key)}: le=\"+Inf\" {values[-1]} != _count {counts[key].value}")
        assert sums[key].value >= 0 and math.isfinite(sums[key].value), sums[key].line
        if counts[key].value == 0:
            assert sums[key].value == 0, sums[key].line


def varied_load(server, tag: str = "m") -> RequestTally:
    """A known mix over every route: successes, 4xx of each kind, unknown paths and
    methods. Returns its tally."""
    load = RequestTally(server)
    ids = []
    for i in range(5):
        user = load.send("POST", "/api/users", 201, "/api/users",
                         json_body={"name": f"User {i}", "email": f"{tag}{i}@example.com"}).json()
        ids.append(user["id"])
    load.send("POST", "/api/users", 409, "/api/users",
              json_body={"name": "Dup", "email": f"{tag}0@example.com"})
    load.send("POST", "/api/users", 409, "/api/users",
              json_body={"name": "Dup", "email": f"{tag}1@example.com"})
    for payload in ({"name": "", "email": "x@example.com"}, {"name": "No email"},
                    {"name": "Bad", "email": "not-an-email"}):
        load.send("POST", "/api/users", 422, "/api/users", json_body=payload)
    load.send("POST", "/api/users", 400, "/api/users", body="{not json",
              headers={"Content-Type": "application/json"})
    load.send("POST", "/api/users", 415, "/api/users", body="name=x",
              headers={"Content-Type": "text/plain"})
    load.send("GET", "/api/users", 200, "/api/users")
    load.send("GET", "/api/users?limit=2&offset=1", 200, "/api/users")
    load.send("GET", "/api/users?limit=0", 400, "/api/users")
    for user_id in ids[:3] * 2:
        load.send("GET", f"/api/users/{user_id}", 200, "/api/users/{id}")
    load.send("GET", "/api/users/999999", 404, "/api/users/{id}")
    load.send("GET", "/api/users/999998", 404, "/api/users/{id}")
    load.send("PUT", f"/api/users/{ids[0]}", 200, "/api/users/{id}",
              json_body={"name": "Renamed", "email": f"{tag}0-new@example.com"})
    load.send("PUT", f"/api/users/{ids[1]}", 200, "/api/users/{id}",
              json_body={"name": "Renamed 1", "email": f"{tag}1@example.com"})
    load.send("PUT", f"/api/users/{ids[2]}", 422, "/api/users/{id}", json_body={"name": ""})
    load.send("PUT", "/api/users/999999", 404, "/api/users/{id}",
              json_body={"name": "Nobody", "email": f"{tag}-nobody@example.com"})
    load.send("DELETE", f"/api/users/{ids[4]}", 204, "/api/users/{id}")
    load.send("DELETE", f"/api/users/{ids[4]}", 404, "/api/users/{id}")
    for n in (0, 10, 20):
        load.send("GET", f"/compute/{n}", 200, "/compute/{n}")
    load.send("GET", "/compute/1000", 422, "/compute/{n}")
    load.send("GET", "/compute/-1", 422, "/compute/{n}")
    load.send("GET", "/health", 200, "/health")
    load.send("GET", "/health", 200, "/health")
    load.send("GET", "/ready", 200, "/ready")
    # Unknown paths, and paths that exist under another method (405 matches no route).
    for path in ("/nope", "/api/nothing/here", f"/api/users/{ids[0]}/extra", "/api/users/abc"):
        load.send("GET", path, 404, "unmatched")
    load.send("DELETE", "/does/not/exist", 404, "unmatched")
    load.send("PATCH", f"/api/users/{ids[0]}", 405, "unmatched",
              json_body={"name": "Patched"})
    load.send("PATCH", f"/api/users/{ids[1]}", 405, "unmatched")
    load.send("DELETE", "/compute/5", 405, "unmatched")
    load.send("POST", "/health", 405, "unmatched", body=b"")
    # Unknown methods: OTHER, never the method's own name.
    load.send("FOO", "/api/users", 405, "unmatched")
    load.send("FOO", "/api/users", 405, "unmatched")
    load.send("FOO", "/no/such/path", 404, "unmatched")
    load.send("BREW", "/coffee", 404, "unmatched")
    load.send("get", "/health", 405, "unmatched")  # methods are case-sensitive
    return load


# ------------------------------------------------------------------ formats, promtool

def test_text_format_is_the_default_and_passes_promtool(start_server):
    promtool = shutil.which("promtool") or "/usr/bin/promtool"
    server = start_server()
    varied_load(server)
    ws = websocket.create_connection(f"ws://127.0.0.1:{server.port}/ws/events", timeout=5)
    try:
        ws.send("hello")
        ws.recv()
    finally:
        ws.close()
    for accept in (None, "text/plain", "text/plain; version=0.0.4", "*/*",
                   "application/json"):
        response, exposition = fetch_metrics(server, accept=accept)
        assert response.header("Content-Type") == TEXT_CONTENT_TYPE, (
            f"Accept {accept!r}:\n{response.describe()}")
        assert not exposition.openmetrics
        assert "# EOF" not in exposition.text
        assert exposition.samples
    result = subprocess.run([promtool, "check", "metrics"], input=response.body,
                            capture_output=True, timeout=30)
    report = (result.stdout + result.stderr).decode("utf-8", "replace")
    assert result.returncode == 0 and report.strip() == "", (
        f"promtool check metrics exited {result.returncode}:\n{report}")


def test_every_contract_family_is_exposed_with_its_type_and_labels(start_server):
    server = start_server()
    varied_load(server)
    exposition = scrape(server)
    for family, (kind, label_names) in CONTRACT_FAMILIES.items():
        assert exposition.types.get(family) == kind, (
            f"{family}: TYPE {exposition.types.get(family)!r}, expected {kind!r}")
        assert exposition.helps.get(family), f"{family} has no HELP"
        sample_names = ({f"{family}_bucket", f"{family}_sum", f"{family}_count"}
                        if kind == "histogram" else {family})
        samples = [s for s in exposition.samples if s.name in sample_names]
        assert samples, f"{family} has no samples"
        for sample in samples:
            labels = set(sample.labels) - ({"le"} if sample.name.endswith("_bucket") else set())
            assert labels == label_names, f"{sample.line!r}: labels, expected {label_names}"
            assert sample.family == family, f"{sample.line!r} outside its family's block"
    # Fixed label values.
    assert {s.labels["state"] for s in exposition.series("db_connections")} == {"in_use", "idle"}
    assert {(s.labels["cache"], s.labels["result"])
            for s in exposition.series("cache_requests_total")} == {("users", "hit"),
                                                                    ("users", "miss")}
    assert {s.labels["direction"] for s in exposition.series("websocket_messages_total")} == {
        "sent", "received"}
    assert {s.labels["status"] for s in exposition.series("cleanup_job_runs_total")} == {
        "success", "failure"}
    assert {s.labels["status"] for s in exposition.series("db_queries_total")} <= {"ok", "error"}
    for sample in exposition.series("db_queries_total"):
        assert re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", sample.labels["operation"]), sample.line
    (build,) = exposition.series("glassbox_build_info")
    assert build.value == 1 and build.labels["version"] and build.labels["revision"], build.line
    # HTTP labels: bounded values only.
    for family in ("http_requests_total", "http_request_duration_seconds_count",
                   "http_request_size_bytes_count", "http_response_size_bytes_count"):
        for sample in exposition.series(family):
            assert sample.labels["method"] in STANDARD_METHODS + ("OTHER",), sample.line
            assert sample.labels["route"] in ROUTES | {"unmatched"}, sample.line
    for sample in exposition.series("http_requests_total"):
        assert re.fullmatch(r"[1-5]\d\d", sample.labels["status"]), sample.line
    # Process metrics as the Prometheus clients define them.
    start = exposition.value("process_start_time_seconds")
    assert time.time() - 600 < start <= time.time() + 1, f"process_start_time_seconds {start}"
    assert 0 < exposition.value("process_open_fds") <= exposition.value("process_max_fds")
    resident = exposition.value("process_resident_memory_bytes")
    assert 1 << 20 < resident <= exposition.value("process_virtual_memory_bytes")
    assert exposition.value("process_cpu_seconds_total") >= 0
    for family in ("http_request_duration_seconds", "http_request_size_bytes",
                   "http_response_size_bytes", "db_query_duration_seconds",
                   "cleanup_job_duration_seconds"):
        check_histogram_family(exposition, family)
    check_histogram_family(exposition, "http_request_duration_seconds", DEFAULT_LATENCY_BUCKETS)


def _proc_stat(pid: int) -> list:
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        return f.read().rsplit(")", 1)[1].split()  # fields from `state` (field 3) on


def _proc_cpu_seconds(pid: int) -> float:
    fields = _proc_stat(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def test_process_metrics_agree_with_proc(start_server):
    """Each process_* value against what /proc says about the same process, read just
    before and just after the scrape."""
    server = start_server()
    pid = server.process.pid
    ticks = os.sysconf("SC_CLK_TCK")
    tick = 1 / ticks
    before = scrape(server)
    cpu_before = before.value("process_cpu_seconds_total")
    open_fds_before = before.value("process_open_fds")
    response = server.get("/compute/38", timeout=60)
    assert response.status == 200, response.describe()
    connections = [server.raw() for _ in range(20)]
    try:
        # An answer on each connection: the server has accepted all 20 and holds their fds.
        for connection in connections:
            connection.send(request_bytes("GET", "/health"))
            assert connection.read_response().status == 200
        fds_low = len(os.listdir(f"/proc/{pid}/fd"))
        cpu_low = _proc_cpu_seconds(pid)
        exposition = scrape(server)
        cpu_high = _proc_cpu_seconds(pid)
        fds_high = len(os.listdir(f"/proc/{pid}/fd"))
    finally:
        for connection in connections:
            connection.close()
    cpu = exposition.value("process_cpu_seconds_total")
    assert cpu_low - tick <= cpu <= cpu_high + tick, (
        f"process_cpu_seconds_total {cpu}, /proc says {cpu_low}..{cpu_high}")
    assert cpu > cpu_before, "the Fibonacci computation did not move process_cpu_seconds_total"
    assert open_fds_before + 20 <= exposition.value("process_open_fds"), (
        "20 more connections do not show in process_open_fds")
    open_fds = exposition.value("process_open_fds")
    # +-2: the scrape's own connection, and descriptors a worker may hold for a moment.
    assert min(fds_low, fds_high) - 2 <= open_fds <= max(fds_low, fds_high) + 2, (
        f"process_open_fds {open_fds}, /proc/{pid}/fd has {fds_low}..{fds_high}")
    with open(f"/proc/{pid}/limits", encoding="ascii") as f:
        soft = next(line.split()[3] for line in f if line.startswith("Max open files"))
    assert exposition.value("process_max_fds") == float(soft)
    with open("/proc/stat", encoding="ascii") as f:
        boot = int(next(line.split()[1] for line in f if line.startswith("btime")))
    start = boot + int(_proc_stat(pid)[19]) / ticks
    assert abs(exposition.value("process_start_time_seconds") - start) <= 1.0, (
        exposition.value("process_start_time_seconds"), start)
    fields = _proc_stat(pid)
    virtual, resident = int(fields[20]), int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    assert abs(exposition.value("process_virtual_memory_bytes") - virtual) <= 64 << 20, (
        exposition.value("process_virtual_memory_bytes"), virtual)
    assert abs(exposition.value("process_resident_memory_bytes") - resident) <= 8 << 20, (
        exposition.value("process_resident_memory_bytes"), resident)


# ------------------------------------------------------------------ exact counting

def test_every_request_is_counted_exactly_once_under_its_labels(start_server):
    server = start_server()
    scrape(server)  # the /metrics series exist from here on
    before = scrape(server)
    load = varied_load(server)
    assert load.total() >= 50

    keys3 = ("method", "route", "status")
    keys2 = ("method", "route")
    skip3, skip2 = not_metrics_route(keys3), not_metrics_route(keys2)
    expected_requests = dict(load.requests)
    expected_counts = load.per_route()

    def settled(exposition):
        return (deltas(before, exposition, "http_requests_total", keys3, skip3)
                == expected_requests)

    after = scrape_until(server, settled)
    got = deltas(before, after, "http_requests_total", keys3, skip3)
    differing = {k: (expected_requests.get(k, 0), got.get(k, 0))
                 for k in set(got) | set(expected_requests)
                 if got.get(k) != expected_requests.get(k)}
    assert not differing, (
        "http_requests_total deltas differ from the requests sent, "
        f"{{series: (sent, counted)}}: {differing}")

    for family in ("http_request_duration_seconds", "http_request_size_bytes",
                   "http_response_size_bytes"):
        counts = deltas(before, after, f"{family}_count", keys2, skip2)
        assert counts == expected_counts, f"{family}_count deltas {counts} != {expected_counts}"
        buckets = {}
        for sample in after.series(f"{family}_bucket", le="+Inf"):
            key = (sample.labels["method"], sample.labels["route"])
            if key in expected_counts:
                old = before.value(f"{family}_bucket", 0, le="+Inf", method=key[0], route=key[1])
                buckets[key] = sample.value - old
        assert buckets == expected_counts, f"{family}_bucket{{le=\"+Inf\"}} deltas {buckets}"
        check_histogram_family(after, family)
    check_histogram_family(after, "http_request_duration_seconds", DEFAULT_LATENCY_BUCKETS)

    # Body sizes are exact: request bodies as sent, response bodies as received.
    request_sums = deltas(before, after, "http_request_size_bytes_sum", keys2, skip2)
    assert request_sums == {k: v for k, v in load.request_bytes.items() if v}, request_sums
    response_sums = deltas(before, after, "http_response_size_bytes_sum", keys2, skip2)
    assert response_sums == {k: v for k, v in load.response_bytes.items() if v}, response_sums
    # Durations: each sum moved by a positive amount under the client's wall time.
    duration_sums = deltas(before, after, "http_request_duration_seconds_sum", keys2, skip2)
    assert set(duration_sums) == set(expected_counts), duration_sums
    assert all(0 < v < 30 for v in duration_sums.values()), duration_sums

    # Nothing is in flight but the scrape itself.
    assert after.value("http_requests_in_flight") == 1, after.value("http_requests_in_flight")

    # The scrapes themselves are counted too, under route="/metrics".
    final = scrape(server)
    metrics_before = before.value("http_requests_total", 0, method="GET", route="/metrics",
                                  status="200")
    metrics_now = final.value("http_requests_total", 0, method="GET", route="/metrics",
                              status="200")
    assert metrics_now - metrics_before >= 2, (metrics_before, metrics_now)


def test_protocol_errors_are_counted_as_other_unmatched(start_server):
    """Requests refused before routing (malformed, oversized) still count, with bounded
    labels."""
    server = start_server()
    scrape(server)
    before = scrape(server)
    with server.raw() as connection:
        connection.send(b"GET /health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
        response = connection.read_response()
        assert response.status == 400, response.describe()
    with server.raw() as connection:
        connection.send(request_bytes("GET", "/" + "a" * 9000))
        response = connection.read_response()
        assert response.status == 414, response.describe()
    keys3 = ("method", "route", "status")
    expected = {("OTHER", "unmatched", "400"): 1, ("OTHER", "unmatched", "414"): 1}

    def settled(exposition):
        return deltas(before, exposition, "http_requests_total", keys3,
                      not_metrics_route(keys3)) == expected

    after = scrape_until(server, settled)
    assert deltas(before, after, "http_requests_total", keys3,
                  not_metrics_route(keys3)) == expected
    assert "a" * 100 not in after.text


# ------------------------------------------------------------------ cardinality

def _random_token(rng, length) -> str:
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(length))


def _random_target(rng) -> str:
    a, b = _random_token(rng, 10), _random_token(rng, 8)
    shapes = [
        f"/{a}",
        f"/{a}/{b}",
        f"/api/{a}",
        f"/api/users/{rng.randrange(1, 10**6)}/{a}",
        f"/api/users/{a}",
        f"/compute/{rng.randrange(100)}/{a}",
        f"/metrics/{a}",
        f"/{a}%20{b}?q={b}",
        f"/ws/{a}",
        f"/{a}.{b}~-_",
    ]
    return rng.choice(shapes)


def test_random_paths_and_methods_add_only_fixed_series(start_server):
    rng = random.Random(20240611)
    server = start_server()
    scrape(server)
    before = scrape(server)
    count = 5000
    # Standard methods (not CONNECT, whose target form differs) and invented ones.
    standard = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE")
    plan = []
    tokens = set()
    for _ in range(count):
        if rng.random() < 0.5:
            method = rng.choice(standard)
        else:
            method = "X" + "".join(rng.choice(string.ascii_uppercase)
                                   for _ in range(rng.randrange(5, 12)))
            tokens.add(method)
        target = _random_target(rng)
        tokens.update(t for t in re.split(r"[/%?=.~\-_]", target) if len(t) >= 8)
        plan.append((method, target))

    statuses = collections.Counter()
    deadline = time.monotonic() + 60
    batch = 100
    connection = server.raw(timeout=20)
    try:
        i = 0
        while i < len(plan):
            assert time.monotonic() < deadline, f"flood too slow: {i} of {count} in 60 s"
            chunk = plan[i:i + batch]
            connection.send(b"".join(request_bytes(m, t, body=b"" if m in ("POST", "PUT",
                                                                          "PATCH") else None)
                                     for m, t in chunk))
            for method, target in chunk:
                try:
                    response = connection.read_response(head=method == "HEAD")
                except ConnectionClosed:
                    raise AssertionError(f"server closed the connection at {method} {target}")
                statuses[response.status] += 1
                assert response.status == 404, f"{method} {target}:\n{response.describe()}"
            i += len(chunk)
    finally:
        connection.close()
    assert statuses == {404: count}

    keys3 = ("method", "route", "status")
    expected_series = {(m, "unmatched", "404") for m in standard + ("OTHER",)}
    expected_deltas = collections.Counter()
    for method, _ in plan:
        expected_deltas[(method_label(method), "unmatched", "404")] += 1

    def settled(exposition):
        return deltas(before, exposition, "http_requests_total", keys3,
                      not_metrics_route(keys3)) == expected_deltas

    after = scrape_until(server, settled)
    old = set(before.values("http_requests_total", keys3))
    new = set(after.values("http_requests_total", keys3))
    assert old <= new
    added = new - old
    assert added <= expected_series, f"unexpected series: {added - expected_series}"
    assert len(new) <= len(old) + len(expected_series)
    # Every request is counted, under the bounded labels.
    assert deltas(before, after, "http_requests_total", keys3,
                  not_metrics_route(keys3)) == expected_deltas
    # The histograms stay bounded too; no raw path or method appears in any label.
    old2 = set(before.values("http_request_duration_seconds_count", ("method", "route")))
    new2 = set(after.values("http_request_duration_seconds_count", ("method", "route")))
    assert new2 - old2 <= {(m, "unmatched") for m in standard + ("OTHER",)}, new2 - old2
    for sample in after.samples:
        for value in sample.labels.values():
            assert value not in tokens, f"raw input in a label: {sample.line!r}"
    leaked = [t for t in tokens if t in after.text]
    assert not leaked, f"raw paths/methods in the exposition: {leaked[:5]}"


# ------------------------------------------------------------------ OpenMetrics

EXEMPLAR_LINE = re.compile(
    r'^http_request_duration_seconds_bucket\{[^#]*\} \d+ '
    r'# \{trace_id="[0-9a-f]{32}"\} [0-9.e+-]+ \d+(\.\d+)?$')


def traceparent(trace_id: str, span_id: str = "b7ad6b7169203331", flags: str = "01") -> str:
    return f"00-{trace_id}-{span_id}-{flags}"


def exemplars_of(exposition: Exposition, **labels) -> list:
    return [s for s in exposition.series("http_request_duration_seconds_bucket", **labels)
            if s.exemplar is not None]


@pytest.mark.parametrize("accept", [OPENMETRICS_ACCEPT, "application/openmetrics-text",
                                    PROMETHEUS_ACCEPT])
def test_openmetrics_exposition_with_exemplars(start_server, accept):
    server = start_server()
    started = time.time()
    load = varied_load(server)
    # Last on its series, so its exemplar is the one its bucket keeps.
    trace_id = "%032x" % random.getrandbits(128)
    response = server.get("/health", headers={"traceparent": traceparent(trace_id)})
    assert response.status == 200, response.describe()

    health_requests = load.per_route()[("GET", "/health")] + 1

    def traced_request_recorded(exposition):
        return exposition.value("http_request_duration_seconds_count", method="GET",
                                route="/health") == health_requests

    scrape_until(server, traced_request_recorded)
    response, exposition = fetch_metrics(server, accept=accept)
    assert traced_request_recorded(exposition), "the traced request was never counted"
    assert response.header("Content-Type") == OPENMETRICS_CONTENT_TYPE, response.describe()
    assert exposition.openmetrics
    assert exposition.text.endswith("\n# EOF\n")
    assert exposition.text.count("# EOF") == 1

    # Family names: counters without `_total` in TYPE; every sample in its family's block
    # and named as the type allows.
    suffixes = {"counter": ("_total", "_created"), "gauge": ("",),
                "histogram": ("_bucket", "_count", "_sum", "_created"), "info": ("_info",),
                "unknown": ("",)}
    for name, kind in exposition.types.items():
        assert kind in suffixes, f"# TYPE {name} {kind}"
        assert not name.endswith("_total"), f"OpenMetrics family {name} ends in _total"
    for sample in exposition.samples:
        family = sample.family
        assert family is not None, f"sample before any TYPE: {sample.line!r}"
        allowed = {family + suffix for suffix in suffixes[exposition.types[family]]}
        assert sample.name in allowed, f"{sample.line!r} in family {family}"
        assert sample.timestamp is None, f"sample with a timestamp: {sample.line!r}"

    # _created: one per counter and histogram series of the registry, a plausible Unix
    # time. (_created is optional; process_cpu_seconds, read from /proc, has none.)
    now = time.time()
    process_start = exposition.value("process_start_time_seconds")
    for family, kind in exposition.types.items():
        if kind not in ("counter", "histogram") or family.startswith("process_"):
            continue
        main = "_total" if kind == "counter" else "_count"
        series = {tuple(sorted(s.labels.items())) for s in exposition.series(family + main)}
        created = {tuple(sorted(s.labels.items())): s
                   for s in exposition.series(family + "_created")}
        assert series and set(created) == series, (
            f"{family}: _created series {sorted(created)} != {sorted(series)}")
        for sample in created.values():
            assert process_start - 1 <= sample.value <= now + 1, sample.line
    http_types = {k: v for k, v in exposition.types.items() if k.startswith("http_requests")}
    assert http_types == {"http_requests": "counter", "http_requests_in_flight": "gauge",
                          "http_requests_rejected": "counter"}

    # Exemplars: on duration buckets only, well-formed, inside their bucket.
    lines_with_exemplar = [line for line in exposition.text.split("\n")
                           if not line.startswith("#") and " # " in line]
    assert lines_with_exemplar, "no exemplars at all"
    for line in lines_with_exemplar:
        assert EXEMPLAR_LINE.match(line), f"malformed exemplar line: {line!r}"
    groups = collections.defaultdict(list)
    for sample in exposition.series("http_request_duration_seconds_bucket"):
        groups[(sample.labels["method"], sample.labels["route"])].append(sample)
    for key, buckets in groups.items():
        lower = 0.0
        for bucket in buckets:
            upper = le_value(bucket)
            if bucket.exemplar is not None:
                assert lower < bucket.exemplar.value <= upper or (
                    lower == 0 and bucket.exemplar.value == 0), (
                    f"exemplar value outside its bucket ({lower}, {upper}]: {bucket.line!r}")
                assert started - 1 <= bucket.exemplar.timestamp <= now + 1, bucket.line
                assert bucket.value >= 1, bucket.line
            lower = upper
        assert any(b.exemplar is not None for b in buckets), f"{key}: no exemplar"

    # The caller's trace id is an exemplar of GET /health: its request was the series' last.
    # Exemplar timestamps have the kernel tick's resolution (CLOCK_REALTIME_COARSE), so an
    # earlier /health of the load within the same tick, kept in another CPU's slot of the
    # same bucket, ties with it and may stand instead. The same trace id sent again, after a
    # scrape, is at least a tick later and must win; losing five times in a row is a bug.
    def traced_exemplar(exposition):
        health = exemplars_of(exposition, method="GET", route="/health")
        return trace_id in {s.exemplar.labels["trace_id"] for s in health}

    for _ in range(4):
        if traced_exemplar(exposition):
            break
        again = server.get("/health", headers={"traceparent": traceparent(trace_id)})
        assert again.status == 200, again.describe()
        health_requests += 1
        exposition = scrape_until(server, traced_request_recorded, accept=accept)
    health = exemplars_of(exposition, method="GET", route="/health")
    assert traced_exemplar(exposition), (
        f"trace id {trace_id} of the traceparent not among {[s.line for s in health]}")


INVALID_TRACEPARENTS = {
    "zero-trace-id": "00-00000000000000000000000000000000-b7ad6b7169203331-01",
    "upper-case-hex": "00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01",
    "zero-parent-id": "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
    "version-ff": "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    "non-hex-parent-id": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b71692033zz-01",
    "non-hex-flags": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0x",
    "non-hex-trace-id": "00-0af7651916cd43dd8448eb211c80319g-b7ad6b7169203331-01",
    "short": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333-01",
    "garbage": "garbage",
}


@pytest.mark.parametrize("header", INVALID_TRACEPARENTS.values(), ids=INVALID_TRACEPARENTS.keys())
def test_invalid_traceparent_gets_a_fresh_trace_id(start_server, header):
    """W3C Trace Context: an invalid traceparent is ignored and a new trace starts, so the
    exemplar carries a fresh random id, never one taken from the invalid header."""
    server = start_server()
    for _ in range(2):
        response = server.get("/health", headers={"traceparent": header})
        assert response.status == 200, response.describe()
    # Each request's trace id, from its access-log line: two requests, two fresh ids.
    def logged_ids():
        return [r.get("trace_id") for r in server.log_records()
                if r.get("message") == "Request completed" and r.get("endpoint") == "/health"]
    wait_until(lambda: len(logged_ids()) == 2, 5, 0.02, "both access-log lines")
    requests = logged_ids()
    assert len(set(requests)) == 2, requests
    for trace_id in requests:
        assert re.fullmatch(r"[0-9a-f]{32}", trace_id) and trace_id != "0" * 32, trace_id
        assert trace_id not in header.lower(), (
            f"trace id {trace_id} taken from the invalid traceparent {header!r}")
    # The exemplars carry those ids. Which of two requests in one bucket stands for it is not
    # fixed: exemplar timestamps have the kernel tick's resolution (CLOCK_REALTIME_COARSE),
    # and two per-CPU slots written within one tick tie.
    exposition = scrape_until(
        server, lambda e: e.value("http_request_duration_seconds_count", method="GET",
                                  route="/health") == 2, accept=OPENMETRICS_ACCEPT)
    exemplar_ids = {s.exemplar.labels["trace_id"]
                    for s in exemplars_of(exposition, method="GET", route="/health")}
    assert exemplar_ids and exemplar_ids <= set(requests), (exemplar_ids, requests)


def test_text_format_carries_no_exemplars_or_created(start_server):
    server = start_server()
    server.get("/health", headers={"traceparent": traceparent("4bf92f3577b34da6a3ce929d0e0e4736")})
    exposition = scrape_until(server, lambda e: e.series("http_requests_total", route="/health"),
                              accept="text/plain")
    assert exposition.series("http_requests_total", route="/health")
    assert not [s for s in exposition.samples if s.name.endswith("_created")]
    assert "4bf92f3577b34da6a3ce929d0e0e4736" not in exposition.text
    assert exposition.types["http_requests_total"] == "counter"


# ------------------------------------------------------------------ access

def test_metrics_token_is_required_when_set(start_server):
    token = "s3cr3t-T0ken_" + "%08x" % random.getrandbits(32)
    server = start_server(env={"METRICS_TOKEN": token})
    refused = [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Bearer {token}x"},
        {"Authorization": f"Bearer {token[:-1]}"},
        {"Authorization": "Bearer "},
        {"Authorization": f"Basic {token}"},
        {"Authorization": token},
    ]
    for headers in refused:
        for accept in (None, OPENMETRICS_ACCEPT):
            if accept:
                headers = {**headers, "Accept": accept}
            response = server.get("/metrics", headers=headers)
            assert_error(response, 401, "unauthorized")
            assert response.header("WWW-Authenticate", "").startswith("Bearer"), (
                response.describe())
            assert b"http_requests_total" not in response.body
            assert token.encode() not in response.body
    _, exposition = fetch_metrics(server, token=token)
    assert exposition.series("http_requests_total"), "authorized scrape has no requests"
    _, exposition = fetch_metrics(server, token=token, accept=OPENMETRICS_ACCEPT)
    assert exposition.openmetrics

    # The refusals are requests like any other; the token never becomes a label or a log.
    def refusals(e):
        return e.value("http_requests_total", 0, method="GET", route="/metrics", status="401")

    exposition = scrape_until(server, lambda e: refusals(e) == 2 * len(refused), token=token)
    assert refusals(exposition) == 2 * len(refused), refusals(exposition)
    assert token not in exposition.text
    assert not [line for line in server.stdout_lines if token in line], "token logged"
    # Other routes need no token.
    assert server.get("/health").status == 200


def test_bearer_scheme_is_case_insensitive(start_server):
    """RFC 9110 section 11.1: the authentication scheme is a case-insensitive token."""
    server = start_server(env={"METRICS_TOKEN": "tok3n"})
    for scheme in ("Bearer", "bearer", "BEARER"):
        response = server.get("/metrics", headers={"Authorization": f"{scheme} tok3n"})
        assert response.status == 200, f"scheme {scheme!r}:\n{response.describe()}"


def test_metrics_path_is_configurable(start_server):
    server = start_server(env={"METRICS_PATH": "/internal/prom"})
    response, exposition = fetch_metrics(server, path="/internal/prom")
    assert exposition.types["process_cpu_seconds_total"] == "counter"
    assert_error(server.get("/metrics"), 404)
    after = scrape_until(server, lambda e: e.value("http_requests_total", method="GET",
                                                   route="unmatched", status="404") == 1,
                         path="/internal/prom")
    assert after.value("http_requests_total", method="GET", route="/internal/prom",
                       status="200") >= 1
    assert after.value("http_requests_total", method="GET", route="unmatched",
                       status="404") == 1


def test_latency_buckets_come_from_the_environment(start_server):
    server = start_server(env={"GLASSBOX_LATENCY_BUCKETS": "0.002,0.02,0.2,2"})
    server.get("/health")
    exposition = scrape_until(server, lambda e: e.series("http_requests_total", route="/health"))
    check_histogram_family(exposition, "http_request_duration_seconds", [0.002, 0.02, 0.2, 2])


@pytest.mark.parametrize("buckets", ["0.1,0.01", "0,1", "-1,2", "0.1,0.1", "abc", "1,inf"])
def test_invalid_latency_buckets_exit_2(buckets):
    result = run_binary([], env={"GLASSBOX_LATENCY_BUCKETS": buckets})
    assert result.returncode == 2, (
        f"GLASSBOX_LATENCY_BUCKETS={buckets!r} exited {result.returncode}\n"
        f"{result.stdout.decode()[-500:]}\n{result.stderr.decode()[-500:]}")
    assert b"GLASSBOX_LATENCY_BUCKETS" in result.stdout + result.stderr


# ------------------------------------------------------------------ domain metrics

def test_cache_and_database_metrics_follow_user_reads(start_server):
    server = start_server()
    user = server.create_user("Cached", "cached@example.com")
    path = f"/api/users/{user['id']}"

    def state():
        exposition = scrape(server)
        return {
            "hit": exposition.value("cache_requests_total", cache="users", result="hit"),
            "miss": exposition.value("cache_requests_total", cache="users", result="miss"),
            "get": exposition.value("db_queries_total", operation="users.get", status="ok"),
            "get_error": exposition.value("db_queries_total", operation="users.get",
                                          status="error"),
            "get_duration": exposition.value("db_query_duration_seconds_count",
                                             operation="users.get"),
            "update": exposition.value("db_queries_total", operation="users.update",
                                       status="ok"),
            "in_use": exposition.value("db_connections", state="in_use"),
            "idle": exposition.value("db_connections", state="idle"),
        }

    def step(expected_change: dict, action):
        before = state()
        action()
        expected = {k: before[k] + expected_change.get(k, 0) for k in before}
        deadline = time.monotonic() + METRICS_SETTLE_SECONDS
        after = state()
        while after != expected and time.monotonic() < deadline:
            time.sleep(0.02)
            after = state()
        assert after == expected, (
            f"expected change {expected_change}, got "
            f"{ {k: after[k] - before[k] for k in after if after[k] != before[k]} }")

    def get(status=200, target=path):
        return lambda: assert_status(server.get(target), status)

    # First read: a miss that asks the database; then hits that do not.
    step({"miss": 1, "get": 1, "get_duration": 1}, get())
    step({"hit": 1}, get())
    step({"hit": 1}, get())
    # An update invalidates: the next read misses again.
    step({"update": 1}, lambda: assert_status(
        server.put_json(path, {"name": "Changed", "email": "cached@example.com"}), 200))
    step({"miss": 1, "get": 1, "get_duration": 1}, get())
    step({"hit": 1}, get())
    # An unknown user is a miss and a successful query (not found is not a database error).
    step({"miss": 1, "get": 1, "get_duration": 1}, get(404, "/api/users/987654"))
    final = state()
    assert final["get_error"] == 0 and final["in_use"] == 0 and final["idle"] >= 1, final


def assert_status(response, status):
    assert response.status == status, response.describe()
    return response


def test_cache_disabled_means_every_read_is_a_miss(start_server):
    server = start_server(env={"USER_CACHE_CAPACITY": "0"})
    user = server.create_user("Uncached", "uncached@example.com")
    before = scrape(server)
    for _ in range(3):
        assert_status(server.get(f"/api/users/{user['id']}"), 200)
    expected_get = before.value("db_queries_total", operation="users.get", status="ok") + 3
    after = scrape_until(server, lambda e: e.value("db_queries_total", operation="users.get",
                                                   status="ok") == expected_get)
    assert after.value("db_queries_total", operation="users.get", status="ok") == expected_get
    assert after.value("cache_requests_total", cache="users", result="hit") == before.value(
        "cache_requests_total", cache="users", result="hit")


def test_database_operations_are_counted_by_logical_name(start_server):
    server = start_server()
    before = scrape(server)
    user = server.create_user("Db", "db@example.com")
    assert_status(server.post_json("/api/users", {"name": "Db", "email": "db@example.com"}), 409)
    assert_status(server.get("/api/users"), 200)
    assert_status(server.put_json(f"/api/users/{user['id']}",
                                  {"name": "Db2", "email": "db2@example.com"}), 200)
    assert_status(server.delete(f"/api/users/{user['id']}"), 204)
    assert_status(server.delete(f"/api/users/{user['id']}"), 404)
    expected = {("users.insert", "ok"): 2, ("users.list", "ok"): 1, ("users.update", "ok"): 1,
                ("users.delete", "ok"): 2}
    keys = ("operation", "status")
    ignore = lambda key: key[0] == "db.ping"  # noqa: E731 - readiness probes may run
    after = scrape_until(server, lambda e: deltas(before, e, "db_queries_total", keys,
                                                  ignore) == expected)
    assert deltas(before, after, "db_queries_total", keys, ignore) == expected
    durations = deltas(before, after, "db_query_duration_seconds_count", ("operation",),
                       lambda key: key[0] == "db.ping")
    assert durations == {("users.insert",): 2, ("users.list",): 1, ("users.update",): 1,
                         ("users.delete",): 2}, durations


def test_websocket_metrics(start_server):
    server = start_server()
    before = scrape(server)
    received = before.value("websocket_messages_total", direction="received")
    sent = before.value("websocket_messages_total", direction="sent")
    assert before.value("websocket_connections_active") == 0
    ws = websocket.create_connection(f"ws://127.0.0.1:{server.port}/ws/events", timeout=5)
    try:
        for _ in range(3):
            ws.send("hello")
            assert json.loads(ws.recv()) == {"type": "ack"}
        server.create_user("Ws", "ws@example.com")
        assert json.loads(ws.recv())["type"] == "user.created"
        during = scrape_until(server, lambda e: e.value(
            "websocket_messages_total", direction="sent") == sent + 4)
        assert during.value("websocket_connections_active") == 1
        assert during.value("websocket_messages_total", direction="received") == received + 3
        assert during.value("websocket_messages_total", direction="sent") == sent + 4
        assert during.value("http_requests_total", method="GET", route="/ws/events",
                            status="101") == 1
    finally:
        ws.close()
    after = scrape_until(server, lambda e: e.value("websocket_connections_active") == 0)
    assert after.value("websocket_connections_active") == 0


def test_cleanup_job_metrics(start_server):
    server = start_server(env={"CLEANUP_INTERVAL_SECONDS": "1"})
    server.create_user("Short", "short@example.com", ttl_seconds=1)
    server.create_user("Long", "long@example.com")
    started = time.time()
    after = scrape_until(server, lambda e: e.value("cleanup_job_records_deleted_total") == 1,
                         timeout=15)
    assert after.value("cleanup_job_records_deleted_total") == 1
    runs = after.value("cleanup_job_runs_total", status="success")
    assert runs >= 1 and after.value("cleanup_job_runs_total", status="failure") == 0
    assert after.value("cleanup_job_duration_seconds_count") >= runs
    last = after.value("cleanup_job_last_success_timestamp_seconds")
    assert started - 5 <= last <= time.time() + 1, last
    assert after.value("db_queries_total", operation="users.delete_expired",
                       status="ok") >= runs
    check_histogram_family(after, "cleanup_job_duration_seconds")
