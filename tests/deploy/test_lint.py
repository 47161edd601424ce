"""The Prometheus and Alertmanager configuration in deploy/, checked with the real tools:
promtool (check config, check rules, test rules), amtool (check-config, config routes test,
template render) and a real Alertmanager for the inhibit rules — plus the conventions every
alert follows (for, severity, summary, description, a runbook_url whose anchor is a heading
of docs/runbook.md) and mutation checks proving the rule unit tests can fail."""

import glob
import json
import os
import re
import shutil
import subprocess
import urllib.request

import pytest

import deploy_files
from deploy_files import PROMETHEUS_DIR, PROMETHEUS_RULES_DIR, PROMETHEUS_RULE_TESTS_DIR
from glassbox import LOOPBACK, free_port, wait_until

PROMTOOL = "/usr/bin/promtool"
AMTOOL = "/usr/bin/amtool"
ALERTMANAGER = "/usr/bin/prometheus-alertmanager"
TOOL_TIMEOUT = 60

PROMETHEUS_CONFIG = os.path.join(PROMETHEUS_DIR, "prometheus.yml")
ALERTMANAGER_DIR = os.path.join(deploy_files.DEPLOY, "alertmanager")
ALERTMANAGER_CONFIG = os.path.join(ALERTMANAGER_DIR, "alertmanager.yml")
RUNBOOK = os.path.join(deploy_files.REPO_ROOT, "docs", "runbook.md")
RUNBOOK_URL = "https://github.com/glassbox/glassbox/blob/main/docs/runbook.md"
DASHBOARD_UIDS = {"glassbox-overview", "glassbox-node", "glassbox-database", "glassbox-slo"}

# The names every helper shares (see the deploy plan): dashboards and docs use them.
RECORDING_RULES = {
    "job:http_requests:rate5m", "job_route:http_requests:rate5m",
    "job_status:http_requests:rate5m", "job:http_requests_5xx:rate5m",
    "job:http_request_errors:ratio_rate5m",
    "job_le:http_request_duration_seconds_bucket:rate5m",
    "job:http_request_duration_seconds:p95_5m", "job:http_request_duration_seconds:p99_5m",
    *(f"job:slo_{sli}_errors:ratio_rate{window}"
      for sli in ("availability", "latency") for window in ("5m", "30m", "1h", "6h", "3d")),
}
ALERTS = {
    "GlassboxDown", "HighLatency", "HighErrorRate",
    "AvailabilityBudgetBurnFast", "AvailabilityBudgetBurnSlow", "AvailabilityBudgetBurnTicket",
    "LatencyBudgetBurnFast", "LatencyBudgetBurnSlow", "LatencyBudgetBurnTicket",
    "HighMemory", "CleanupJobStale", "TelemetryDropping",
}
SCRAPE_TARGETS = {
    "glassbox": "glassbox:8080", "node": "node-exporter:9100",
    "postgres": "postgres-exporter:9187", "alertmanager": "alertmanager:9093",
    "prometheus": "localhost:9090",
}


def run(argv, timeout=TOOL_TIMEOUT, cwd=None) -> subprocess.CompletedProcess:
    assert os.path.exists(argv[0]), f"{argv[0]} not found (scripts/bootstrap installs it)"
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          stdin=subprocess.DEVNULL)


def output(result) -> str:
    return f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"


_DURATION_PART = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800,
                 "y": 31536000}


def seconds(duration: str) -> float:
    """A Prometheus duration ("1h30m", "45s") in seconds."""
    duration = str(duration)
    assert _DURATION_PART.sub("", duration) == "", f"not a duration: {duration!r}"
    return sum(int(n) * _UNIT_SECONDS[unit] for n, unit in _DURATION_PART.findall(duration))


def alert_rules() -> list:
    return [rule for rule in deploy_files.prometheus_rules() if rule.kind == "alert"]


def rule_test_paths() -> list:
    return sorted(glob.glob(os.path.join(PROMETHEUS_RULE_TESTS_DIR, "*.yml")))


def ids(paths):
    return [os.path.basename(p) for p in paths]


# ------------------------------------------------------------------ Prometheus config


def test_prometheus_config_passes_promtool():
    result = run([PROMTOOL, "check", "config", PROMETHEUS_CONFIG])
    assert result.returncode == 0, output(result)


def test_prometheus_config_with_the_repository_rules_passes_promtool(tmp_path):
    # rule_files holds the in-container path /etc/prometheus/rules/*.yml; promtool resolves
    # it on this machine, where the glob matches nothing and nothing is checked. A copy
    # whose rule_files point at deploy/prometheus/rules makes promtool load our rules.
    config = deploy_files.load_yaml(PROMETHEUS_CONFIG)
    config["rule_files"] = [os.path.join(PROMETHEUS_RULES_DIR, "*.yml")]
    copy = tmp_path / "prometheus.yml"
    copy.write_text(json.dumps(config))
    result = run([PROMTOOL, "check", "config", str(copy)])
    assert result.returncode == 0, output(result)
    for path in deploy_files.prometheus_rule_paths():
        count = sum(1 for rule in deploy_files.prometheus_rules()
                    if rule.file_name == os.path.basename(path))
        assert f"Checking {path}\n  SUCCESS: {count} rules found" in result.stdout, output(result)


def test_prometheus_config_uses_the_shared_names():
    config = deploy_files.load_yaml(PROMETHEUS_CONFIG)
    assert config["global"]["scrape_interval"] == "15s"
    assert config["global"]["evaluation_interval"] == "15s"
    assert config["global"].get("external_labels"), "external_labels identify this Prometheus"
    assert config["rule_files"] == ["/etc/prometheus/rules/*.yml"]
    managers = [t for am in config["alerting"]["alertmanagers"]
                for sc in am["static_configs"] for t in sc["targets"]]
    assert managers == ["alertmanager:9093"]
    jobs = {sc["job_name"]: [t for s in sc["static_configs"] for t in s["targets"]]
            for sc in config["scrape_configs"]}
    for job, target in SCRAPE_TARGETS.items():
        assert jobs.get(job) == [target], f"job {job}: {jobs.get(job)}"


def test_prometheus_config_documents_its_command_line_and_long_term_storage():
    with open(PROMETHEUS_CONFIG, encoding="utf-8") as f:
        text = f.read()
    assert "remote_write" not in deploy_files.load_yaml(PROMETHEUS_CONFIG), \
        "remote_write is an example for operators, commented out"
    for needle in ("# remote_write:", "/api/v1/push", "/api/v1/receive",
                   "--enable-feature=exemplar-storage", "--web.enable-remote-write-receiver"):
        assert needle in text, f"prometheus.yml should mention {needle}"


# ------------------------------------------------------------------------------ rules


@pytest.mark.parametrize("path", deploy_files.prometheus_rule_paths(),
                         ids=ids(deploy_files.prometheus_rule_paths()))
def test_rule_file_passes_promtool(path):
    result = run([PROMTOOL, "check", "rules", path])
    assert result.returncode == 0, output(result)


def test_rules_have_exactly_the_shared_names():
    rules = deploy_files.prometheus_rules()
    records = [r.name for r in rules if r.kind == "record"]
    alerts = [r.name for r in rules if r.kind == "alert"]
    assert len(records) == len(set(records)) and len(alerts) == len(set(alerts))
    assert set(records) == RECORDING_RULES
    assert set(alerts) == ALERTS


@pytest.mark.parametrize("rule", alert_rules(), ids=[r.name for r in alert_rules()])
def test_alert_has_for_severity_annotations_and_runbook(rule):
    body = rule.body
    assert seconds(body.get("for", "0s")) > 0, "every alert holds with `for:`"
    assert body.get("labels", {}).get("severity") in {"critical", "warning", "ticket"}
    annotations = body.get("annotations", {})
    for key in ("summary", "description"):
        assert annotations.get(key, "").strip(), f"annotation {key} missing"
    assert annotations.get("runbook_url") == f"{RUNBOOK_URL}#{rule.name.lower()}"
    dashboard = annotations.get("dashboard")
    if dashboard is not None:
        assert dashboard.startswith("/d/") and dashboard[3:] in DASHBOARD_UIDS, dashboard


def github_anchor(heading: str) -> str:
    """The id GitHub gives a Markdown heading."""
    slug = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return slug.replace(" ", "-")


def runbook_sections() -> dict:
    """{anchor: section text} of docs/runbook.md's level-2 headings."""
    with open(RUNBOOK, encoding="utf-8") as f:
        text = f.read()
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    return {github_anchor(parts[i]): parts[i + 1] for i in range(1, len(parts), 2)}


@pytest.mark.parametrize("rule", alert_rules(), ids=[r.name for r in alert_rules()])
def test_runbook_has_a_section_for_the_alert(rule):
    anchor = rule.body["annotations"]["runbook_url"].split("#", 1)[1]
    sections = runbook_sections()
    assert anchor in sections, f"docs/runbook.md has no heading with anchor #{anchor}"
    section = sections[anchor]
    for part in ("**Meaning.**", "**First checks.**", "**Dashboard.**", "**Silence.**"):
        assert part in section, f"runbook section {anchor} lacks {part}"
    dashboard = rule.body["annotations"].get("dashboard")
    if dashboard:
        assert dashboard in section, f"runbook section {anchor} should name {dashboard}"


# Inline code in the runbook that reads a metric: PromQL, which must parse. LogQL starts
# with a stream selector `{...}`; commands start with a program name.
_RUNBOOK_PROMQL = re.compile(r"^(?!\{)(?!(?:amtool|curl|docker|sed)\b)"
                             r".*\b(http_|db_|process_|cache_|cleanup_|errors_total|glassbox_|"
                             r"websocket_|scrape_|up\{|job:|pg_up|time\(\))", re.S)


def test_runbook_promql_parses(tmp_path):
    with open(RUNBOOK, encoding="utf-8") as f:
        spans = re.findall(r"`([^`\n][^`]*)`", f.read())
    queries = sorted({re.sub(r"\s+", " ", s) for s in spans if _RUNBOOK_PROMQL.match(s)})
    assert len(queries) > 20, queries
    # promtool has no offline query parser, but it type-checks recording rules.
    rules = [{"record": f"runbook:query_{i}", "expr": q.replace("<instance>", "glassbox:8080")}
             for i, q in enumerate(queries)]
    path = tmp_path / "runbook-queries.yml"
    path.write_text(json.dumps({"groups": [{"name": "runbook", "rules": rules}]}))
    result = run([PROMTOOL, "check", "rules", str(path)])
    assert result.returncode == 0, output(result) + "\n" + "\n".join(queries)


# ------------------------------------------------------------------------- rule tests


@pytest.mark.parametrize("path", rule_test_paths(), ids=ids(rule_test_paths()))
def test_rule_unit_tests_pass(path):
    result = run([PROMTOOL, "test", "rules", path], cwd=PROMETHEUS_RULE_TESTS_DIR)
    assert result.returncode == 0 and "SUCCESS" in result.stdout, output(result)


def alert_cases() -> dict:
    """{alertname: [(test file, group index, eval_interval s, eval_time s, firing?)]}"""
    cases = {}
    for path in rule_test_paths():
        suite = deploy_files.load_yaml(path)
        interval = seconds(suite.get("evaluation_interval", "1m"))
        for index, group in enumerate(suite.get("tests", [])):
            for case in group.get("alert_rule_test", []) or []:
                cases.setdefault(case["alertname"], []).append(
                    (os.path.basename(path), index, interval, seconds(case["eval_time"]),
                     bool(case.get("exp_alerts"))))
    return cases


@pytest.mark.parametrize("name", sorted(ALERTS))
def test_alert_has_unit_tests_firing_silent_and_at_the_for_boundary(name):
    cases = alert_cases().get(name, [])
    assert any(c[4] for c in cases), f"no unit test where {name} fires"
    assert any(not c[4] for c in cases), f"no unit test where {name} stays silent"
    firing = {(c[0], c[1], c[3]) for c in cases if c[4]}
    boundary = [c for c in cases if not c[4] and (c[0], c[1], c[3] + c[2]) in firing]
    assert boundary, (f"no unit test of {name} that is silent one evaluation before it "
                      f"fires (the `for:` boundary)")


def test_every_recording_rule_has_a_unit_test():
    tested = " ".join(case["expr"] for path in rule_test_paths()
                      for group in deploy_files.load_yaml(path).get("tests", [])
                      for case in group.get("promql_expr_test", []) or [])
    untested = [name for name in sorted(RECORDING_RULES)
                if not re.search(rf"(?<![\w:]){re.escape(name)}(?![\w:])", tested)]
    assert not untested, f"recording rules without a promql_expr_test: {untested}"


# Mutations of the rules that the unit tests must notice: {name: (rule file, [(old, new)])},
# applied to a copy; the rule tests that load that file run against the copy and must fail.
_PROBES = 'route!~"/metrics|/health|/ready"'
MUTATIONS = {
    "HighLatency threshold": ("glassbox-alerts.yml", [(") > 0.25", ") > 0.5")]),
    "HighLatency counts /compute/{n}": ("glassbox-alerts.yml",
                                        [('route!="/compute/{n}", ', "")]),
    "HighErrorRate threshold": ("glassbox-alerts.yml", [("  > 0.05", "  > 0.2")]),
    "HighErrorRate counts probes": ("glassbox-alerts.yml",
                                    [(f"{_PROBES}, ", ""), (f"{{{_PROBES}}}", "")]),
    "HighMemory threshold": ("glassbox-alerts.yml", [("> 512 * 1024", "> 1024 * 1024")]),
    "CleanupJobStale threshold": ("glassbox-alerts.yml", [("  ) > 600", "  ) > 1200")]),
    "CleanupJobStale ignores the start time": (
        "glassbox-alerts.yml",
        # a job that never succeeded counts from the epoch: a young process looks stale
        [("(process_start_time_seconds and", "(0 * process_start_time_seconds and")]),
    "TelemetryDropping window": ("glassbox-alerts.yml", [("_total[10m]", "_total[5m]")]),
    "burn rate threshold": ("glassbox-slo-alerts.yml", [("ratio_rate1h / 0.001 > 14.4",
                                                         "ratio_rate1h / 0.001 > 25")]),
    "burn rate without its short window": (
        "glassbox-slo-alerts.yml",
        [("\n          and\n          job:slo_availability_errors:ratio_rate5m / 0.001 > 14.4",
          "")]),
    "latency SLI boundary": ("glassbox-slo-recording.yml", [('le="0.1"', 'le="0.25"')]),
    "5xx rate without zero-fill": (
        "glassbox-recording.yml",
        [('5.."}[5m]))\n            or\n          0 * sum by (job) (rate(http_requests_total[5m]))',
          '5.."}[5m]))')]),
}


def mutated_copy(tmp_path, file_name: str, mutate) -> list:
    """deploy/prometheus/{rules,tests} copied under tmp_path with `mutate(text)` applied to
    rules/file_name; returns the copied test files that load that rule file."""
    rules = tmp_path / "rules"
    tests = tmp_path / "tests"
    shutil.copytree(PROMETHEUS_RULES_DIR, rules)
    shutil.copytree(PROMETHEUS_RULE_TESTS_DIR, tests)
    target = rules / file_name
    original = target.read_text()
    changed = mutate(original)
    assert changed != original, f"mutation did not apply to {file_name}"
    target.write_text(changed)
    # Still a valid rule file: the tests must fail on their expectations, not on syntax.
    check = run([PROMTOOL, "check", "rules", str(target)])
    assert check.returncode == 0, output(check)
    return [str(tests / os.path.basename(p)) for p in rule_test_paths()
            if any(os.path.basename(f) == file_name
                   for f in deploy_files.load_yaml(p).get("rule_files", []))]


def rule_tests_fail(paths: list) -> bool:
    assert paths, "no rule test loads the mutated file"
    result = run([PROMTOOL, "test", "rules", *paths], cwd=os.path.dirname(paths[0]))
    return result.returncode != 0


def replace_all(text: str, replacements: list) -> str:
    for old, new in replacements:
        assert old in text, f"mutation out of date, not found: {old!r}"
        text = text.replace(old, new)
    return text


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_rule_unit_tests_catch_a_broken_rule(tmp_path, mutation):
    file_name, replacements = MUTATIONS[mutation]
    tests = mutated_copy(tmp_path, file_name, lambda text: replace_all(text, replacements))
    assert rule_tests_fail(tests), f"the rule tests still pass with: {mutation}"


@pytest.mark.parametrize("factor", [0.5, 2])
@pytest.mark.parametrize("rule", alert_rules(), ids=[r.name for r in alert_rules()])
def test_rule_unit_tests_catch_a_changed_for(tmp_path, rule, factor):
    changed = f"{int(seconds(rule.body['for']) * factor)}s"

    def mutate(text):
        head, tail = text.split(f"- alert: {rule.name}\n", 1)
        tail = re.sub(r"(\n        for: )\S+", rf"\g<1>{changed}", tail, count=1)
        return f"{head}- alert: {rule.name}\n{tail}"

    tests = mutated_copy(tmp_path, rule.file_name, mutate)
    assert rule_tests_fail(tests), f"the rule tests still pass with {rule.name} for: {changed}"


# ---------------------------------------------------------------------- Alertmanager

CHANNELS = ("slack", "telegram", "email")


def alertmanager_copy(directory, enable=(), webhook_base=None) -> str:
    """deploy/alertmanager copied to `directory`, the optional channels in `enable` turned
    on (their "#channel: " prefix removed), webhook URLs optionally moved to a loopback
    receiver; returns the copied alertmanager.yml."""
    target = os.path.join(str(directory), "alertmanager")
    shutil.copytree(ALERTMANAGER_DIR, target)
    path = os.path.join(target, "alertmanager.yml")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for channel in enable:
        text, count = re.subn(rf"(?m)^#{channel}: ", "", text)
        assert count, f"no lines of the {channel} channel"
    if "telegram" in enable and amtool_version() < (0, 26):
        # Debian's amtool 0.25 predates bot_token_file (the compose image has it): the rest
        # of the block is checked with the key 0.25 knows.
        text = text.replace("bot_token_file:", "bot_token:")
    if webhook_base:
        text = text.replace("http://glassbox-webhook:5001", webhook_base)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def amtool_version() -> tuple:
    result = run([AMTOOL, "--version"])
    match = re.search(r"version (\d+)\.(\d+)", result.stdout + result.stderr)
    assert match, output(result)
    return int(match.group(1)), int(match.group(2))


def test_alertmanager_config_passes_amtool():
    result = run([AMTOOL, "check-config", ALERTMANAGER_CONFIG])
    assert result.returncode == 0 and "1 templates" in result.stdout, output(result)


def test_alertmanager_config_with_every_channel_enabled_passes_amtool(tmp_path):
    path = alertmanager_copy(tmp_path, enable=CHANNELS)
    result = run([AMTOOL, "check-config", path])
    assert result.returncode == 0 and "6 receivers" in result.stdout, output(result)


def routes_for(config: str, labels: dict) -> list:
    result = run([AMTOOL, "config", "routes", "test", f"--config.file={config}",
                  *(f"{k}={v}" for k, v in labels.items())])
    assert result.returncode == 0, output(result)
    return result.stdout.strip().split(",")


@pytest.mark.parametrize("severity, receivers, with_channels", [
    ("critical", ["page"], ["slack", "telegram", "page"]),
    ("warning", ["ticket"], ["slack", "email", "ticket"]),
    ("ticket", ["ticket"], ["slack", "email", "ticket"]),
    ("", ["default"], ["default"]),
])
def test_alertmanager_routes_by_severity(tmp_path, severity, receivers, with_channels):
    labels = {"alertname": "HighLatency", "job": "glassbox", "instance": "glassbox:8080"}
    if severity:
        labels["severity"] = severity
    assert routes_for(ALERTMANAGER_CONFIG, labels) == receivers
    assert routes_for(alertmanager_copy(tmp_path, enable=CHANNELS), labels) == with_channels


TEMPLATE_DATA = {
    "receiver": "page", "status": "firing", "externalURL": "http://alertmanager:9093",
    "groupLabels": {"alertname": "HighLatency"},
    "commonLabels": {"alertname": "HighLatency", "job": "glassbox", "severity": "warning"},
    "commonAnnotations": {},
    "alerts": [{
        "status": "firing",
        "labels": {"alertname": "HighLatency", "job": "glassbox", "instance": "glassbox:8080",
                   "severity": "warning"},
        "annotations": {"summary": "Glassbox glassbox:8080 p95 latency is 395.8ms",
                        "description": "p95 <over> 250ms & rising",
                        "runbook_url": f"{RUNBOOK_URL}#highlatency",
                        "dashboard": "/d/glassbox-overview"},
        "startsAt": "2026-12-01T18:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus:9090/graph", "fingerprint": "0123456789abcdef",
    }],
}


@pytest.mark.parametrize("name, kind", [("glassbox.title", "text"), ("glassbox.text", "text"),
                                        ("glassbox.telegram", "html"),
                                        ("glassbox.email.html", "html")])
def test_alertmanager_template_renders(tmp_path, name, kind):
    data = tmp_path / "data.json"
    data.write_text(json.dumps(TEMPLATE_DATA))
    result = run([AMTOOL, "template", "render",
                  f"--template.glob={os.path.join(ALERTMANAGER_DIR, 'templates', '*.tmpl')}",
                  f"--template.type={kind}", f"--template.data={data}",
                  f"--template.text={{{{ template \"{name}\" . }}}}"])
    assert result.returncode == 0, output(result)
    text = result.stdout
    if name != "glassbox.text":  # Slack and e-mail carry the title separately
        assert "[FIRING:1] HighLatency (glassbox)" in text, text
    if name != "glassbox.title":
        assert "p95 latency is 395.8ms" in text and f"{RUNBOOK_URL}#highlatency" in text, text
        assert "http://127.0.0.1:3000/d/glassbox-overview" in text, text
        description = "p95 &lt;over&gt; 250ms &amp; rising" if kind == "html" \
            else "p95 <over> 250ms & rising"
        assert description in text, text


def test_alertmanager_channels_use_the_templates():
    with open(ALERTMANAGER_CONFIG, encoding="utf-8") as f:
        text = f.read()
    for name in ("glassbox.title", "glassbox.text", "glassbox.telegram", "glassbox.email.html"):
        assert f'{{{{ template "{name}" . }}}}' in text, f"{name} is used by no receiver"


def http_json(method: str, url: str, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        raw = response.read()
        return json.loads(raw) if raw else None


@pytest.fixture
def alertmanager(tmp_path):
    """The real Alertmanager on a loopback port with a copy of our configuration; its
    webhooks point at a closed loopback port (nothing leaves the machine)."""
    config = alertmanager_copy(tmp_path, webhook_base=f"http://{LOOPBACK}:{free_port()}")
    assert os.path.exists(ALERTMANAGER), f"{ALERTMANAGER} not found (scripts/bootstrap)"
    port = free_port()
    log = open(tmp_path / "alertmanager.log", "wb")
    process = subprocess.Popen(
        [ALERTMANAGER, f"--config.file={config}", f"--storage.path={tmp_path / 'data'}",
         f"--web.listen-address={LOOPBACK}:{port}", "--cluster.listen-address="],
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://{LOOPBACK}:{port}"
    try:
        def ready():
            assert process.poll() is None, (tmp_path / "alertmanager.log").read_text()
            with urllib.request.urlopen(f"{base}/-/ready", timeout=2) as response:
                return response.status == 200
        wait_until(ready, timeout=20, message="Alertmanager ready")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def test_alertmanager_inhibits_as_documented(alertmanager):
    # (labels, expected state): "suppressed" = held back by an inhibit rule.
    alerts = [
        ({"alertname": "GlassboxDown", "job": "glassbox", "instance": "glassbox:8080",
          "severity": "critical"}, "active"),
        ({"alertname": "HighLatency", "job": "glassbox", "instance": "glassbox:8080",
          "severity": "warning"}, "suppressed"),
        ({"alertname": "HighErrorRate", "job": "glassbox", "instance": "glassbox:8080",
          "severity": "warning"}, "suppressed"),
        ({"alertname": "HighErrorRate", "job": "glassbox", "instance": "glassbox-2:8080",
          "severity": "warning"}, "active"),
        ({"alertname": "HighMemory", "job": "glassbox", "instance": "glassbox:8080",
          "severity": "warning"}, "active"),
        ({"alertname": "AvailabilityBudgetBurnFast", "job": "glassbox", "slo": "availability",
          "severity": "critical"}, "suppressed"),
        ({"alertname": "LatencyBudgetBurnSlow", "job": "glassbox-canary", "slo": "latency",
          "severity": "critical"}, "active"),
        ({"alertname": "LatencyBudgetBurnTicket", "job": "glassbox-canary", "slo": "latency",
          "severity": "ticket"}, "suppressed"),
        ({"alertname": "AvailabilityBudgetBurnTicket", "job": "glassbox-canary",
          "slo": "availability", "severity": "ticket"}, "active"),
    ]
    http_json("POST", f"{alertmanager}/api/v2/alerts",
              [{"labels": labels, "annotations": {"summary": "test"}} for labels, _ in alerts])
    expected = {json.dumps(labels, sort_keys=True): state for labels, state in alerts}

    def states():
        got = {json.dumps(a["labels"], sort_keys=True): a["status"]["state"]
               for a in http_json("GET", f"{alertmanager}/api/v2/alerts")}
        return got if got == expected else None

    try:
        wait_until(states, timeout=20, message="Alertmanager to apply the inhibit rules")
    except AssertionError:
        got = {json.dumps(a["labels"], sort_keys=True): a["status"]
               for a in http_json("GET", f"{alertmanager}/api/v2/alerts")}
        raise AssertionError(f"expected {json.dumps(expected, indent=1)}\n"
                             f"got {json.dumps(got, indent=1)}") from None
