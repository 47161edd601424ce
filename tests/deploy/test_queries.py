"""Every PromQL expression the monitoring stack runs — each dashboard panel's targets, each
dashboard variable's query, each recording and alerting rule, the Grafana datasource's
trace-to-metrics queries — executed against a real Prometheus (Debian's 2.42) that
scraped a loaded Glassbox on a real PostgreSQL 15, a real node-exporter and a real
postgres-exporter, with the scrape jobs of deploy/prometheus/prometheus.yml and the rule
files of deploy/prometheus/rules loaded as they are.

A dashboard query that parses but returns nothing is the bug this suite exists for (a
`[1s]` window, a metric name that does not exist, a label the service does not set): every
panel query must return data. The exceptions are listed by name below with the reason.

One scenario per module (Prometheus needs seconds before its first scrape); the tests each
check one aspect of it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass

import pytest

import deploy_files
from glassbox import (LOOPBACK, GlassboxServer, PrometheusServer, StartupFailed,
                      clean_environment, free_port, wait_until)

# Scrape jobs of deploy/prometheus/prometheus.yml whose targets cannot run here (no
# Grafana, Loki, Tempo or Alloy on this machine): the test Prometheus leaves them out.
JOBS_NOT_RUN_HERE = {
    "loki": "Loki is not packaged for Debian; it runs only from compose.yaml",
    "tempo": "Tempo is not packaged for Debian; it runs only from compose.yaml",
    "alloy": "Alloy is not packaged for Debian; it runs only from compose.yaml",
    "grafana": "Grafana is not packaged for Debian; it runs only from compose.yaml",
}

# Series that only Tempo's metrics generator writes into Prometheus (remote write): a query
# over them must parse, but cannot return data without Tempo.
TEMPO_GENERATED = re.compile(r"\btraces_(spanmetrics|service_graph)_\w+")

# Every alert must be silent on a healthy service, and its expression must return nothing:
# the load below stays within every objective and threshold. Each alert is named with the
# reason it stays silent here; an alert added to the rules without a line here fails
# test_every_alert_is_listed_with_a_reason.
SILENT_ON_A_HEALTHY_SERVICE = {
    "GlassboxDown": "every glassbox target is up",
    "HighLatency": "API answers take well under a millisecond",
    "HighErrorRate": "the load provokes no 5xx",
    "AvailabilityBudgetBurnFast": "no 5xx: nothing of the 0.1 % budget burns",
    "AvailabilityBudgetBurnSlow": "no 5xx: nothing of the 0.1 % budget burns",
    "AvailabilityBudgetBurnTicket": "no 5xx: nothing of the 0.1 % budget burns",
    "LatencyBudgetBurnFast": "no API request takes 100 ms",
    "LatencyBudgetBurnSlow": "no API request takes 100 ms",
    "LatencyBudgetBurnTicket": "no API request takes 100 ms",
    "HighMemory": "the service uses tens of MB",
    "CleanupJobStale": "the cleanup job runs every second and succeeds",
    "TelemetryDropping": "the log reader keeps up and spans are not exported (none dropped)",
}

LOAD_SECONDS = 12
SCRAPE_INTERVAL = "1s"
NODE_EXPORTER = shutil.which("prometheus-node-exporter") or "/usr/bin/prometheus-node-exporter"
POSTGRES_EXPORTER = (shutil.which("prometheus-postgres-exporter")
                     or "/usr/bin/prometheus-postgres-exporter")
ALERTMANAGER = shutil.which("prometheus-alertmanager") or "/usr/bin/prometheus-alertmanager"
ALERTMANAGER_CONFIG = os.path.join(deploy_files.DEPLOY, "alertmanager", "alertmanager.yml")
LOAD_SCRIPT = os.path.join(deploy_files.REPO_ROOT, "scripts", "load")


class Exporter:
    """An exporter process started here on a free loopback port; only its own PID is ever
    signalled."""

    def __init__(self, name: str, argv_for_port, env: dict | None = None,
                 ready_path: str = "/metrics"):
        self.name = name
        self.ready_path = ready_path
        self.port = free_port()
        self.log_path = f"/tmp/glassbox-{name}-{os.getpid()}-{self.port}.log"
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(argv_for_port(self.port), stdin=subprocess.DEVNULL,
                                        stdout=self._log, stderr=subprocess.STDOUT,
                                        env={**os.environ, **(env or {})})

    @property
    def target(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    def wait_serving(self, timeout: float = 20.0):
        import http.client

        def answers():
            if self.process.poll() is not None:
                raise StartupFailed(f"{self.name} exited:\n{self.log_tail()}")
            conn = http.client.HTTPConnection(LOOPBACK, self.port, timeout=2)
            try:
                conn.request("GET", self.ready_path)
                return conn.getresponse().status == 200
            finally:
                conn.close()

        wait_until(answers, timeout, message=f"{self.name} serving {self.ready_path}")

    def log_tail(self, n: int = 20) -> str:
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._log.close()
        try:
            os.unlink(self.log_path)
        except OSError:
            pass


def deploy_scrape_configs(targets: dict) -> tuple:
    """The scrape jobs of deploy/prometheus/prometheus.yml with their targets replaced by
    the loopback addresses of what runs here (`targets`: job -> [host:port]). Returns
    (scrape configs, job names left out). A job in the deploy config that is neither run
    here nor listed in JOBS_NOT_RUN_HERE fails the test."""
    config = deploy_files.load_yaml(os.path.join(deploy_files.PROMETHEUS_DIR, "prometheus.yml"))
    out, left_out = [], []
    for job in config.get("scrape_configs", []):
        name = job["job_name"]
        if name in JOBS_NOT_RUN_HERE:
            left_out.append(name)
            continue
        assert name in targets, (
            f"scrape job {name!r} of deploy/prometheus/prometheus.yml is neither run by this "
            f"test nor listed in JOBS_NOT_RUN_HERE")
        copy = {k: v for k, v in job.items()
                if k not in ("static_configs", "dns_sd_configs", "docker_sd_configs",
                             "scrape_interval", "scrape_timeout", "relabel_configs")}
        copy["static_configs"] = [{"targets": targets[name]}]
        out.append(copy)
    return out, left_out


def escape_regex_value(value: str) -> str:
    """A variable value in a regex matcher, escaped the way Grafana's Prometheus datasource
    does for multi-value variables (regex metacharacters, then PromQL string escaping)."""
    escaped = re.sub(r"([\\^$*+?.()|{}\[\]])", r"\\\1", value)
    return escaped.replace("\\", "\\\\").replace('"', '\\"')


_LABEL_VALUES = re.compile(r"^\s*label_values\(\s*(?:(.*),\s*)?(\w+)\s*\)\s*$", re.S)


def variable_query_text(variable: dict) -> str:
    query = variable.get("query")
    if isinstance(query, dict):
        query = query.get("query", "")
    return query or variable.get("definition", "")


@dataclass
class Scenario:
    server: GlassboxServer
    prometheus: PrometheusServer
    exporters: dict
    left_out_jobs: list
    load_started: float
    load_finished: float
    requests_sent: int


def drive_load(server: GlassboxServer, seconds: float) -> int:
    """scripts/load (the `make load` generator) at a steady rate against the server: the
    realistic mix of reads, writes, Fibonacci, 404s and invalid bodies that the dashboards
    are meant to show."""
    result = subprocess.run(
        ["/usr/bin/python3", LOAD_SCRIPT, "--target", server.base_url, "--rate", "150",
         "--duration", str(int(seconds))],
        capture_output=True, text=True, timeout=seconds + 60, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, f"scripts/load failed:\n{result.stdout}\n{result.stderr}"
    match = re.findall(r"sent[= :]+(\d+)", result.stdout)
    return int(match[-1]) if match else 0


def rule_group_evaluated_after(group: dict, moment: float) -> bool:
    stamp = group.get("lastEvaluation", "")
    if not stamp or stamp.startswith("0001-"):
        return False
    # RFC 3339 with nanoseconds: keep microseconds for datetime.
    import datetime
    whole, _, fraction = stamp.rstrip("Z").partition(".")
    zone = ""
    for sign in ("+", "-"):
        if sign in fraction:
            fraction, _, zone = fraction.partition(sign)
            zone = sign + zone
    text = f"{whole}.{(fraction or '0')[:6]}{zone or '+00:00'}"
    return datetime.datetime.fromisoformat(text).timestamp() > moment


@pytest.fixture(scope="module")
def scenario(postgres_shared):
    exporters = {}
    server = None
    prometheus = None
    alertmanager_data = None
    try:
        database = postgres_shared.create_database()
        env = clean_environment({
            "GLASSBOX_HOST": LOOPBACK, "GLASSBOX_PORT": "0",
            "DATABASE_URL": postgres_shared.url(database),
            "CLEANUP_INTERVAL_SECONDS": "1",
            # Room for the load's occasional larger Fibonacci: a full pool answers 503.
            "COMPUTE_QUEUE": "256",
        })
        server = GlassboxServer(env=env)
        server.start()

        exporters["node"] = Exporter("node-exporter", lambda port: [
            NODE_EXPORTER, f"--web.listen-address={LOOPBACK}:{port}",
            "--no-collector.systemd"])
        exporters["postgres"] = Exporter("postgres-exporter", lambda port: [
            POSTGRES_EXPORTER, f"--web.listen-address={LOOPBACK}:{port}"],
            env={"DATA_SOURCE_NAME": postgres_shared.url(database) + "?sslmode=disable"})
        # The Alertmanager of deploy/ with its config as committed (its own data dir).
        alertmanager_data = tempfile.mkdtemp(prefix="glassbox-am-")
        exporters["alertmanager"] = Exporter("alertmanager", lambda port: [
            ALERTMANAGER, f"--config.file={ALERTMANAGER_CONFIG}",
            f"--storage.path={alertmanager_data}", f"--web.listen-address={LOOPBACK}:{port}",
            "--cluster.listen-address="], ready_path="/-/ready")
        for exporter in exporters.values():
            exporter.wait_serving()

        prometheus_port = free_port()
        targets = {
            "glassbox": [f"{LOOPBACK}:{server.port}"],
            "node": [exporters["node"].target],
            "postgres": [exporters["postgres"].target],
            "alertmanager": [exporters["alertmanager"].target],
            "prometheus": [f"{LOOPBACK}:{prometheus_port}"],
        }
        scrape_configs, left_out = deploy_scrape_configs(targets)
        prometheus = PrometheusServer(scrape_configs, scrape_interval=SCRAPE_INTERVAL,
                                      rule_files=tuple(deploy_files.prometheus_rule_paths()),
                                      port=prometheus_port)
        prometheus.start()
        prometheus.wait_up(targets=len(scrape_configs), timeout=60)

        # No 5xx on purpose: even one 503 in a few thousand requests is over the 0.1 %
        # budget, and the ticket burn-rate alert would rightly go pending. The error panels
        # zero-fill, so they return data without one.
        load_started = time.time()
        sent = drive_load(server, LOAD_SECONDS)
        load_finished = time.time()
        # Every target scraped, and every rule group evaluated, after the load ended: what
        # the load moved is stored and the recording rules have seen it.
        wait_until(lambda: all(
            value > load_finished + 1 for _, value in
            prometheus.query("timestamp(up)")), 30, interval=0.2,
            message="a scrape of every target after the load")
        wait_until(lambda: all(
            rule_group_evaluated_after(group, load_finished + 1)
            for group in prometheus.api("rules", {})["groups"]), 30, interval=0.2,
            message="an evaluation of every rule group after the load")
        yield Scenario(server, prometheus, exporters, left_out, load_started, load_finished,
                       sent)
    finally:
        if prometheus is not None:
            prometheus.destroy()
        for exporter in exporters.values():
            exporter.stop()
        if server is not None:
            server.cleanup()
        if alertmanager_data:
            shutil.rmtree(alertmanager_data, ignore_errors=True)


# ------------------------------------------------------------------ running what Grafana runs


def try_query(prometheus: PrometheusServer, expr: str, instant: bool, start: float,
              end: float) -> tuple:
    """(number of series, error text or None) of an instant query at `end`, or of a range
    query over [start, end] as a timeseries panel asks for it."""
    try:
        if instant:
            return len(prometheus.query(expr, at=end)), None
        data = prometheus.api("query_range", {"query": expr, "start": f"{start:.3f}",
                                              "end": f"{end:.3f}", "step": "2"})
        return len(data["result"]), None
    except AssertionError as error:
        return 0, str(error)


def variable_values(prometheus: PrometheusServer, dashboard: dict) -> dict:
    """{name: value} for each template variable, as Grafana would fill it in with its
    default selection: a query variable runs its label_values() against Prometheus, and a
    multi-value or All selection becomes a regex alternation of every value found."""
    values = {}
    for name, variable in deploy_files.template_variables(dashboard).items():
        kind = variable.get("type")
        current = (variable.get("current") or {}).get("value")
        if kind == "datasource":
            values[name] = current or variable.get("query", "")
        elif kind == "query":
            text = deploy_files.substitute_variables(variable_query_text(variable), values)
            match = _LABEL_VALUES.match(text)
            assert match, (f"{dashboard.get('title')}: variable ${name} must be "
                           f"label_values(selector, label), not: {text}")
            selector, label = match.group(1), match.group(2)
            found = prometheus.api(f"label/{label}/values",
                                   {"match[]": selector} if selector else {})
            if variable.get("regex"):
                found = [v for v in found if re.search(variable["regex"].strip("/"), v)]
            assert found, f"{dashboard.get('title')}: variable ${name} ({text}) found no value"
            all_selected = current in ("$__all", ["$__all"]) or not current
            if variable.get("includeAll") and all_selected and variable.get("allValue"):
                values[name] = variable["allValue"]
            elif variable.get("multi") or variable.get("includeAll"):
                values[name] = "(" + "|".join(escape_regex_value(v) for v in found) + ")"
            else:
                values[name] = found[0]
        else:  # custom, constant, textbox, interval: the saved value
            if isinstance(current, list):
                current = current[0] if current else ""
            values[name] = current if current not in (None, "") else variable.get("query", "")
    return values


# --------------------------------------------------------------------------------- the tests


def test_the_deploy_scrape_jobs_are_all_up(scenario):
    for name in scenario.left_out_jobs:
        assert name in JOBS_NOT_RUN_HERE
    down = [labels for labels, value in scenario.prometheus.query("up") if value != 1]
    assert not down, f"targets down: {down}\n{scenario.prometheus.log_tail()}"
    jobs = {labels["job"] for labels, _ in scenario.prometheus.query("up")}
    assert {"glassbox", "node", "postgres", "prometheus"} <= jobs, jobs


def test_every_dashboard_variable_query_finds_values(scenario):
    dashboards = deploy_files.dashboards()
    assert len(dashboards) >= 4, [name for name, _ in dashboards]
    for _, dashboard in dashboards:
        values = variable_values(scenario.prometheus, dashboard)
        for name, value in values.items():
            assert value, f"{dashboard['title']}: ${name} is empty"


def test_every_dashboard_query_returns_data(scenario):
    queries = deploy_files.panel_queries("prometheus")
    per_dashboard = {}
    for query in queries:
        per_dashboard.setdefault(query.dashboard_file, 0)
        per_dashboard[query.dashboard_file] += 1
    assert len(per_dashboard) >= 4 and all(n >= 3 for n in per_dashboard.values()), (
        f"too few Prometheus queries found: {per_dashboard}")

    values_by_dashboard = {name: variable_values(scenario.prometheus, dashboard)
                           for name, dashboard in deploy_files.dashboards()}
    targets_by_query = {}
    for file_name, dashboard in deploy_files.dashboards():
        for panel in deploy_files.all_panels(dashboard):
            for target in panel.get("targets", []) or []:
                targets_by_query[(file_name, panel.get("id"), target.get("refId"))] = target

    failures = []
    for query in queries:
        assert query.expr.strip(), f"empty query: {query.describe()}"
        expr = deploy_files.substitute_variables(query.expr,
                                                 values_by_dashboard[query.dashboard_file])
        target = targets_by_query[(query.dashboard_file, query.panel_id, query.ref_id)]
        instant = bool(target.get("instant")) and not target.get("range")
        count, error = try_query(scenario.prometheus, expr, instant,
                                 scenario.load_started, time.time())
        if error:
            failures.append(f"ERROR {query.describe()}\n    as run: {expr}\n    {error}")
        elif count == 0 and not TEMPO_GENERATED.search(expr):
            failures.append(f"NO DATA {query.describe()}\n    as run: {expr}")
    assert not failures, f"{len(failures)} of {len(queries)} panel queries failed:\n" + \
        "\n".join(failures)


def test_every_recording_rule_returns_data_and_is_recorded(scenario):
    rules = [r for r in deploy_files.prometheus_rules() if r.kind == "record"]
    assert len(rules) >= 10, [r.name for r in rules]
    failures = []
    for rule in rules:
        count, error = try_query(scenario.prometheus, rule.expr, True, 0, time.time())
        if error or count == 0:
            failures.append(f"{rule.file_name} {rule.name}: {error or 'no data'}: {rule.expr}")
            continue
        recorded = scenario.prometheus.query(rule.name)
        if not recorded:
            failures.append(f"{rule.name}: Prometheus has not recorded it")
    assert not failures, "\n".join(failures)


def test_every_rule_loaded_and_evaluates_without_error(scenario):
    groups = scenario.prometheus.api("rules", {})["groups"]
    loaded = {rule["name"] for group in groups for rule in group["rules"]}
    defined = {r.name for r in deploy_files.prometheus_rules()}
    assert defined <= loaded, f"rules not loaded: {sorted(defined - loaded)}"
    broken = [(rule["name"], rule.get("lastError")) for group in groups
              for rule in group["rules"] if rule.get("health") != "ok"]
    assert not broken, broken


def test_every_alert_is_listed_with_a_reason(scenario):
    alerts = {r.name for r in deploy_files.prometheus_rules() if r.kind == "alert"}
    assert alerts, "no alerting rules found"
    assert alerts == set(SILENT_ON_A_HEALTHY_SERVICE), (
        f"not listed: {sorted(alerts - set(SILENT_ON_A_HEALTHY_SERVICE))}; "
        f"listed but not defined: {sorted(set(SILENT_ON_A_HEALTHY_SERVICE) - alerts)}")


def test_alerts_are_silent_on_a_healthy_loaded_service(scenario):
    failures = []
    for rule in (r for r in deploy_files.prometheus_rules() if r.kind == "alert"):
        count, error = try_query(scenario.prometheus, rule.expr, True, 0, time.time())
        if error:
            failures.append(f"{rule.name}: {error}")
        elif count:
            found = scenario.prometheus.query(rule.expr)
            failures.append(f"{rule.name} would fire: {found}\n    {rule.expr}")
    firing = scenario.prometheus.query("ALERTS")
    assert not failures and not firing, "\n".join(failures) + f"\nALERTS: {firing}"


def test_exemplars_carry_the_label_that_grafana_links_to_tempo(scenario):
    prometheus_sources = [d for d in deploy_files.provisioned_datasources()
                          if d.get("type") == "prometheus"]
    destinations = [dest for d in prometheus_sources
                    for dest in (d.get("jsonData") or {}).get("exemplarTraceIdDestinations", [])]
    assert destinations, "the Prometheus datasource links no exemplar to Tempo"
    names = {dest["name"] for dest in destinations}
    found = scenario.prometheus.exemplars('http_request_duration_seconds_bucket{job="glassbox"}',
                                          scenario.load_started, time.time())
    labels = [e["labels"] for series in found for e in series["exemplars"]]
    assert labels, "Prometheus stored no exemplar"
    for name in names:
        ids = [lab[name] for lab in labels if name in lab]
        assert ids, f"no exemplar has the label {name!r} Grafana links on: {labels[:3]}"
        assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids), ids[:3]


# Span attribute values of a real SERVER span of the service, for Grafana's ${__tags}.
SAMPLE_SPAN_ATTRIBUTES = {"service.name": "glassbox", "http.route": "/api/users/{id}"}


def test_tempo_trace_to_metrics_queries_return_data(scenario):
    """Grafana expands $__tags into the mapped labels of the span it links from; the queries
    run on our own metrics, so they must return data for a real span's attributes."""
    tempo = [d for d in deploy_files.provisioned_datasources() if d.get("type") == "tempo"]
    assert tempo, "no Tempo datasource provisioned"
    links = [(d.get("jsonData") or {}).get("tracesToMetrics") or {} for d in tempo]
    queries = [(link, q) for link in links for q in link.get("queries", [])]
    assert queries, "tracesToMetrics has no queries"
    for link, query in queries:
        tags = ", ".join(f'{m.get("value") or m["key"]}="{SAMPLE_SPAN_ATTRIBUTES[m["key"]]}"'
                         for m in link.get("tags", []))
        # In provisioning files `$$` is a literal `$` (a single `$` is an environment variable).
        expr = query["query"].replace("$$", "$").replace("${__tags}", tags)
        expr = deploy_files.substitute_variables(expr.replace("$__tags", tags), {})
        count, error = try_query(scenario.prometheus, expr, True, 0, time.time())
        assert error is None, f"{query['query']}: {error}"
        assert count, f"{query.get('name')}: no data for {expr}"


def test_glassbox_down_goes_pending_when_the_service_stops(scenario):
    """Last: stops the scenario's service. The alert's expression, run by Prometheus on the
    real scrape labels, selects the stopped target."""
    instance = f"{LOOPBACK}:{scenario.server.port}"
    assert scenario.server.stop() == 0
    wait_until(lambda: scenario.prometheus.query(
        f'ALERTS{{alertname="GlassboxDown", instance="{instance}"}}'), 30, interval=0.2,
        message="GlassboxDown pending for the stopped instance")
