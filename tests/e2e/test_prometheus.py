"""A real Prometheus (Debian's 2.42, started here on loopback with exemplar storage)
scraping the service every second under a known load: what Prometheus stored is what was
sent and what the service exposed; histogram_quantile lands in the right bucket; the
exemplars are the trace ids the service produced.

One scenario per module (Prometheus takes seconds to scrape for the first time); the tests
below each assert one aspect of it. Counters are compared as stored values from instant
queries minus the values stored before the load, never with increase() (which
extrapolates)."""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field

import pytest

from glassbox import (GlassboxServer, PrometheusServer, RequestTally, deltas, scrape,
                      scrape_until)

ROUTE = "/api/users/{id}"
QUANTILE = 0.6
QUANTILE_QUERY = (f'histogram_quantile({QUANTILE}, sum by (le) '
                  f'(http_request_duration_seconds_bucket{{route="{ROUTE}"}}))')
JOB = "glassbox"

HTTP_KEYS = ("method", "route", "status")
# Counter-like series compared between Prometheus and the service: name -> label names.
COMPARED = {
    "http_requests_total": ("method", "route", "status"),
    "http_request_duration_seconds_count": ("method", "route"),
    "http_request_duration_seconds_bucket": ("method", "route", "le"),
    "http_request_size_bytes_count": ("method", "route"),
    "http_request_size_bytes_sum": ("method", "route"),
    "http_response_size_bytes_sum": ("method", "route"),
    "db_queries_total": ("operation", "status"),
    "cache_requests_total": ("cache", "result"),
    "errors_total": ("type", "source"),
}


def not_scrape(label_names: tuple):
    """Skips the series that the scrapes themselves move (route="/metrics")."""
    if "route" in label_names:
        index = label_names.index("route")
        return lambda key: key[index] == "/metrics"
    return lambda key: False


def stored(prometheus: PrometheusServer, name: str, label_names: tuple) -> dict:
    """{label values: value} of the latest stored samples of `name` for the job."""
    out = {}
    for labels, value in prometheus.query(f'{name}{{job="{JOB}"}}'):
        key = tuple(labels.get(n, "") for n in label_names)
        assert key not in out, f"two stored series for {name}{key}"
        out[key] = value
    return out


def stored_deltas(before: dict, after: dict, skip) -> dict:
    out = {}
    for key in set(before) | set(after):
        if skip(key):
            continue
        difference = after.get(key, 0) - before.get(key, 0)
        if difference:
            out[key] = difference
    return out


@dataclass
class Scenario:
    server: GlassboxServer
    prometheus: PrometheusServer
    load: RequestTally
    trace_ids: set
    load_started: float
    settled_at: float
    stored_before: dict = field(default_factory=dict)
    stored_after: dict = field(default_factory=dict)
    service_before: object = None
    service_after: object = None  # the service's own exposition once the load is counted
    service_after_openmetrics: object = None


def run_load(server, trace_ids: set, user_ids: list) -> RequestTally:
    load = RequestTally(server)
    rng = random.Random(7)

    def traced():
        trace_id = "%032x" % rng.getrandbits(128)
        trace_ids.add(trace_id)
        return {"traceparent": f"00-{trace_id}-{'%016x' % rng.getrandbits(64)}-01"}

    for i in range(120):
        load.send("GET", f"/api/users/{user_ids[i % len(user_ids)]}", 200, ROUTE,
                  headers=traced())
    for i in range(10):
        load.send("GET", f"/api/users/{900000 + i}", 404, ROUTE, headers=traced())
    for i in range(8):
        load.send("POST", "/api/users", 201, "/api/users",
                  json_body={"name": f"P{i}", "email": f"p{i}@example.com"})
    for i in range(3):
        load.send("POST", "/api/users", 409, "/api/users",
                  json_body={"name": "Dup", "email": f"p{i}@example.com"})
    for _ in range(4):
        load.send("POST", "/api/users", 422, "/api/users", json_body={"name": ""})
    for user_id in user_ids[:3]:
        load.send("PUT", f"/api/users/{user_id}", 200, ROUTE,
                  json_body={"name": "Renamed", "email": f"renamed{user_id}@example.com"})
    load.send("DELETE", f"/api/users/{user_ids[-1]}", 204, ROUTE)
    load.send("DELETE", f"/api/users/{user_ids[-1]}", 404, ROUTE)
    for n in (5, 15, 22, 25, 27):
        load.send("GET", f"/compute/{n}", 200, "/compute/{n}")
    load.send("GET", "/compute/999", 422, "/compute/{n}")
    for i in range(6):
        load.send("GET", f"/no/such/{i}", 404, "unmatched")
    load.send("PATCH", f"/api/users/{user_ids[0]}", 405, "unmatched")
    for _ in range(3):
        load.send("FOO", "/api/users", 405, "unmatched")
    load.send("BAR", "/nowhere", 404, "unmatched")
    load.send("GET", "/health", 200, "/health")
    return load


@pytest.fixture(scope="module")
def scenario():
    server = GlassboxServer()
    prometheus = None
    try:
        server.start()
        # Set-up traffic before Prometheus starts: its first scrape already includes it.
        user_ids = [server.create_user(f"U{i}", f"u{i}@example.com")["id"] for i in range(8)]
        prometheus = PrometheusServer([{
            "job_name": JOB,
            "scrape_interval": "1s",
            "scrape_timeout": "1s",
            "metrics_path": "/metrics",
            "static_configs": [{"targets": [f"127.0.0.1:{server.port}"]}],
        }])
        prometheus.start()
        prometheus.wait_up(1, timeout=30)

        stored_before = {name: stored(prometheus, name, keys) for name, keys in COMPARED.items()}
        service_before = scrape(server)
        load_started = time.time()
        trace_ids = set()
        load = run_load(server, trace_ids, user_ids)

        # The service has counted every request of the load...
        expected = dict(load.requests)
        skip = not_scrape(HTTP_KEYS)
        service_after = scrape_until(
            server, lambda e: deltas(service_before, e, "http_requests_total", HTTP_KEYS,
                                     skip) == expected)
        settled_at = time.time()
        service_after_openmetrics = scrape(
            server, accept="application/openmetrics-text; version=1.0.0")
        # ...and Prometheus has scraped since (`up` is written with the scrape's samples).
        wait_until_scraped_after(prometheus, settled_at + 0.01, timeout=20)
        stored_after = {name: stored(prometheus, name, keys) for name, keys in COMPARED.items()}

        yield Scenario(server=server, prometheus=prometheus, load=load, trace_ids=trace_ids,
                       load_started=load_started, settled_at=settled_at,
                       stored_before=stored_before, stored_after=stored_after,
                       service_before=service_before, service_after=service_after,
                       service_after_openmetrics=service_after_openmetrics)
    finally:
        if prometheus is not None:
            prometheus.destroy()
        server.cleanup()


def wait_until_scraped_after(prometheus: PrometheusServer, moment: float, timeout: float):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = prometheus.query_value(f'timestamp(up{{job="{JOB}"}})')
        if last is not None and last > moment:
            return last
        time.sleep(0.1)
    raise AssertionError(f"no scrape after {moment} within {timeout}s (last up at {last})\n"
                         + prometheus.log_tail())


def test_prometheus_scrapes_the_service_as_openmetrics(scenario):
    prometheus = scenario.prometheus
    assert prometheus.query_value(f'up{{job="{JOB}"}}') == 1
    # OpenMetrics `_created` samples are stored as series of their own by Prometheus 2.x:
    # they exist only when the scrape was negotiated as OpenMetrics.
    created = prometheus.query(f'http_requests_created{{job="{JOB}"}}')
    assert created, "no http_requests_created series: Prometheus did not scrape OpenMetrics"
    assert prometheus.query_value(f'scrape_samples_scraped{{job="{JOB}"}}') > 100
    # Every scrape of the run succeeded.
    assert prometheus.query_value(f'min_over_time(up{{job="{JOB}"}}[5m])') == 1


def test_stored_counters_equal_what_was_sent(scenario):
    keys = COMPARED["http_requests_total"]
    got = stored_deltas(scenario.stored_before["http_requests_total"],
                        scenario.stored_after["http_requests_total"],
                        not_scrape(keys))
    expected = dict(scenario.load.requests)
    differing = {k: (expected.get(k, 0), got.get(k, 0))
                 for k in set(got) | set(expected) if got.get(k) != expected.get(k)}
    assert not differing, (
        "stored http_requests_total deltas differ from the requests sent, "
        f"{{series: (sent, stored delta)}}: {differing}")
    counts = stored_deltas(scenario.stored_before["http_request_duration_seconds_count"],
                           scenario.stored_after["http_request_duration_seconds_count"],
                           not_scrape(("method", "route")))
    assert counts == scenario.load.per_route(), counts
    sizes = stored_deltas(scenario.stored_before["http_request_size_bytes_sum"],
                          scenario.stored_after["http_request_size_bytes_sum"],
                          not_scrape(("method", "route")))
    assert sizes == {k: v for k, v in scenario.load.request_bytes.items() if v}, sizes


def test_stored_values_equal_the_service_exposition(scenario):
    """Whatever Prometheus stored last is exactly what the service exposed once the load
    was counted (nothing but scrapes ran in between)."""
    for name, keys in COMPARED.items():
        skip = not_scrape(keys)
        service = {k: v for k, v in scenario.service_after.values(name, keys).items()
                   if not skip(k)}
        prometheus = {k: v for k, v in scenario.stored_after[name].items() if not skip(k)}
        # Prometheus writes le="1" where the service writes le="1.0": compare as numbers.
        if "le" in keys:
            index = keys.index("le")

            def normal(key, index=index):
                return key[:index] + (float(key[index]),) + key[index + 1:]

            service = {normal(k): v for k, v in service.items()}
            prometheus = {normal(k): v for k, v in prometheus.items()}
        differing = {k: (service.get(k), prometheus.get(k))
                     for k in set(service) | set(prometheus)
                     if not _same(service.get(k), prometheus.get(k))}
        assert not differing, f"{name}: (service, prometheus) differ: {differing}"
    # The load moved the domain counters too, and Prometheus saw it.
    cache = stored_deltas(scenario.stored_before["cache_requests_total"],
                          scenario.stored_after["cache_requests_total"], lambda k: False)
    assert sum(cache.values()) == sum(
        n for (method, route, _), n in scenario.load.requests.items()
        if method == "GET" and route == ROUTE), cache


def _same(a, b) -> bool:
    if a is None or b is None:
        return a == b
    return a == b or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def test_histogram_quantile_lies_in_the_bucket_of_the_true_p60(scenario):
    # The true distribution, from the service's own bucket counts (all methods summed).
    cumulative = {}
    for sample in scenario.service_after.series("http_request_duration_seconds_bucket",
                                                route=ROUTE):
        le = math.inf if sample.labels["le"] == "+Inf" else float(sample.labels["le"])
        cumulative[le] = cumulative.get(le, 0) + sample.value
    bounds = sorted(cumulative)
    total = cumulative[math.inf]
    assert total == sum(scenario.load.per_route()[k] for k in scenario.load.per_route()
                        if k[1] == ROUTE)
    rank = QUANTILE * total
    index = next(i for i, le in enumerate(bounds) if cumulative[le] >= rank)
    lower = bounds[index - 1] if index > 0 else 0.0
    upper = bounds[index]

    value = scenario.prometheus.query_value(QUANTILE_QUERY)
    assert value is not None, f"{QUANTILE_QUERY} returned nothing"
    assert math.isfinite(value), f"{QUANTILE_QUERY} = {value}"
    if math.isinf(upper):
        assert value == lower, (value, lower)  # Prometheus answers the highest finite bound
    else:
        assert lower <= value <= upper, (
            f"{QUANTILE_QUERY} = {value}, but the true p60 lies in ({lower}, {upper}] "
            f"(cumulative counts {[(b, cumulative[b]) for b in bounds]})")


def test_exemplars_are_the_trace_ids_the_service_produced(scenario):
    prometheus = scenario.prometheus
    answer = prometheus.exemplars(
        f'http_request_duration_seconds_bucket{{job="{JOB}",method="GET",route="{ROUTE}"}}',
        scenario.load_started - 1, time.time() + 1)
    found = []
    for series in answer:
        labels = series["seriesLabels"]
        assert labels["method"] == "GET" and labels["route"] == ROUTE, labels
        le = math.inf if labels["le"] == "+Inf" else float(labels["le"])
        for exemplar in series["exemplars"]:
            trace_id = exemplar["labels"].get("trace_id")
            assert trace_id is not None and set(exemplar["labels"]) == {"trace_id"}, exemplar
            assert float(exemplar["value"]) <= le, (labels, exemplar)
            found.append(trace_id)
    assert found, f"query_exemplars returned no exemplars: {answer}"
    # Only load requests (each with its own traceparent) went to GET /api/users/{id}.
    unknown = set(found) - scenario.trace_ids
    assert not unknown, f"exemplar trace ids the load never sent: {unknown}"
    # The exemplars the service exposes now were all scraped and stored.
    exposed = {s.exemplar.labels["trace_id"]
               for s in scenario.service_after_openmetrics.series(
                   "http_request_duration_seconds_bucket", method="GET", route=ROUTE)
               if s.exemplar is not None}
    assert exposed, "the service exposes no exemplars for GET /api/users/{id}"
    assert exposed <= set(found), f"exposed but not stored: {exposed - set(found)}"
