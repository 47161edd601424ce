"""Structure of the Grafana provisioning in deploy/grafana: the four dashboards (ids, types,
units, layout, datasource uids, variables, query ranges, the eight panels our users asked
for) and the data source links (exemplars, derived fields, traces to logs and metrics).

Each check is a function that returns the problems it finds, so that the last test can
prove every check fails on a deliberately broken copy of a real file."""

from __future__ import annotations

import copy
import json
import os
import re

import pytest

import deploy_files as df

# Where compose mounts deploy/grafana/dashboards in the Grafana container; the dashboard
# provider must read that path (compose.yaml: ./deploy/grafana/dashboards:<this>:ro).
GRAFANA_DASHBOARDS_CONTAINER_PATH = "/etc/grafana/dashboards"
GRAFANA_PROVISIONING_CONTAINER_PATH = "/etc/grafana/provisioning"
DASHBOARD_PROVIDERS = os.path.join(df.DEPLOY, "grafana", "provisioning", "dashboards",
                                   "dashboards.yml")
COMPOSE = os.path.join(df.REPO_ROOT, "compose.yaml")
PROMETHEUS_CONFIG = os.path.join(df.PROMETHEUS_DIR, "prometheus.yml")
DOCS = os.path.join(df.REPO_ROOT, "docs", "dashboards.md")

EXPECTED_DASHBOARDS = {
    "glassbox-overview.json": "glassbox-overview",
    "glassbox-node.json": "glassbox-node",
    "glassbox-database.json": "glassbox-database",
    "glassbox-slo.json": "glassbox-slo",
}
PANEL_TYPES = {"timeseries", "stat", "gauge", "table", "logs"}
# The panels our users asked for by name (seed 001), all on the Overview.
OVERVIEW_PANELS = ("Total Requests", "Requests Per Minute", "Errors Per Second",
                   "Average Response Time", "Request Duration P60", "CPU Usage",
                   "Memory Usage", "Logger Stream")
EXPECTED_VARIABLES = {
    "glassbox-overview.json": ["datasource", "job", "instance", "route"],
    "glassbox-node.json": ["datasource", "instance"],
    "glassbox-database.json": ["datasource", "job", "instance"],
    "glassbox-slo.json": ["datasource", "job"],
}
# Ranges a dashboard may use besides literals of at least a minute: $__rate_interval
# (never shorter than four scrapes) and $__range (the whole time range, for totals).
ALLOWED_RANGE_VARIABLES = {"__rate_interval", "__range"}
MIN_LITERAL_RANGE_SECONDS = 60
LABEL_VALUES = re.compile(r"^label_values\((?P<selector>.+),\s*(?P<label>\w+)\)$")
VARIABLE_REFERENCE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)")


def _dashboard(file_name: str) -> dict:
    return dict(df.dashboards())[file_name]


def _real_panels(dashboard: dict) -> list:
    """Panels that show data (a `row` only groups others)."""
    return [p for p in df.all_panels(dashboard) if p.get("type") != "row"]


def _targets(panel: dict) -> list:
    return panel.get("targets", []) or []


def _prometheus_targets(dashboard: dict) -> list:
    """(panel, target) of every target whose datasource resolves to Prometheus."""
    out = []
    for panel in _real_panels(dashboard):
        for target in _targets(panel):
            source = target.get("datasource", panel.get("datasource"))
            kind, _ = df.resolve_datasource_uid(dashboard, source) or (None, None)
            if kind == "prometheus":
                out.append((panel, target))
    return out


def _provisioned() -> dict:
    return {ds["uid"]: ds["type"] for ds in df.provisioned_datasources()}


def _where(panel: dict, target: dict | None = None) -> str:
    text = f"panel {panel.get('id')} '{panel.get('title')}'"
    return text + (f" target {target.get('refId')}" if target is not None else "")


# ------------------------------------------------------------------- dashboard checks

def check_identity(file_name: str, dashboard: dict) -> list:
    problems = []
    if dashboard.get("uid") != EXPECTED_DASHBOARDS.get(file_name):
        problems.append(f"uid {dashboard.get('uid')!r}, expected "
                        f"{EXPECTED_DASHBOARDS.get(file_name)!r}")
    if not str(dashboard.get("title", "")).startswith("Glassbox — "):
        problems.append(f"title {dashboard.get('title')!r} does not start with 'Glassbox — '")
    if dashboard.get("editable") is not False:
        problems.append("editable is not false (provisioned dashboards change in git only)")
    if not isinstance(dashboard.get("schemaVersion"), int) or dashboard["schemaVersion"] < 39:
        problems.append(f"schemaVersion {dashboard.get('schemaVersion')!r} < 39")
    if not dashboard.get("refresh"):
        problems.append("no refresh interval")
    if (dashboard.get("time") or {}).get("from") != "now-1h":
        problems.append(f"time range {dashboard.get('time')!r} does not start at now-1h")
    if "glassbox" not in (dashboard.get("tags") or []):
        problems.append("tag 'glassbox' missing (the dashboard links list dashboards by it)")
    return problems


def check_panel_ids(dashboard: dict) -> list:
    seen, problems = {}, []
    for panel in df.all_panels(dashboard):
        pid = panel.get("id")
        if not isinstance(pid, int):
            problems.append(f"{_where(panel)} has no integer id")
        elif pid in seen:
            problems.append(f"id {pid} used by '{seen[pid]}' and '{panel.get('title')}'")
        else:
            seen[pid] = panel.get("title")
    return problems


def check_panel_types(dashboard: dict) -> list:
    problems = []
    for panel in df.all_panels(dashboard):
        kind = panel.get("type")
        if kind == "row":
            if _targets(panel):
                problems.append(f"row {_where(panel)} has queries")
        elif kind not in PANEL_TYPES:
            problems.append(f"{_where(panel)} is of type {kind!r}, not one of "
                            f"{sorted(PANEL_TYPES)}")
        if not panel.get("title"):
            problems.append(f"panel {panel.get('id')} has no title")
    return problems


def check_layout(dashboard: dict) -> list:
    problems, cells = [], {}
    for panel in df.all_panels(dashboard):
        grid = panel.get("gridPos") or {}
        if not all(isinstance(grid.get(k), int) for k in ("x", "y", "w", "h")):
            problems.append(f"{_where(panel)} has no complete gridPos: {grid}")
            continue
        if grid["x"] < 0 or grid["w"] < 1 or grid["h"] < 1 or grid["x"] + grid["w"] > 24:
            problems.append(f"{_where(panel)} does not fit the 24-column grid: {grid}")
        if panel.get("type") == "row":
            continue
        covered = {(x, y) for x in range(grid["x"], grid["x"] + grid["w"])
                   for y in range(grid["y"], grid["y"] + grid["h"])}
        overlapped = sorted({cells[c] for c in covered if c in cells})
        if overlapped:
            problems.append(f"{_where(panel)} overlaps {overlapped}")
        cells.update({c: panel.get("title") for c in covered})
    return problems


def check_units(dashboard: dict) -> list:
    problems = []
    for panel in _real_panels(dashboard):
        unit = ((panel.get("fieldConfig") or {}).get("defaults") or {}).get("unit")
        if not isinstance(unit, str) or not unit:
            problems.append(f"{_where(panel)} has no fieldConfig.defaults.unit")
    return problems


def check_datasources(dashboard: dict, provisioned: dict) -> list:
    problems = []

    def check(where: str, source):
        resolved = df.resolve_datasource_uid(dashboard, source)
        if resolved is None:
            problems.append(f"{where} has no datasource")
            return
        kind, uid = resolved
        if uid not in provisioned:
            problems.append(f"{where}: datasource uid {uid!r} is not provisioned "
                            f"({sorted(provisioned)})")
        elif kind != provisioned[uid]:
            problems.append(f"{where}: datasource type {kind!r}, but uid {uid!r} is a "
                            f"{provisioned[uid]!r} data source")

    for panel in _real_panels(dashboard):
        check(_where(panel), panel.get("datasource"))
        for target in _targets(panel):
            check(_where(panel, target), target.get("datasource", panel.get("datasource")))
    for name, variable in df.template_variables(dashboard).items():
        if variable.get("type") == "datasource":
            current = (variable.get("current") or {}).get("value")
            if provisioned.get(current) != variable.get("query"):
                problems.append(f"variable ${name}: current value {current!r} is not a "
                                f"provisioned {variable.get('query')!r} data source")
        elif variable.get("type") == "query":
            check(f"variable ${name}", variable.get("datasource"))
    return problems


def check_no_import_inputs(text: str) -> list:
    """Exported-for-sharing dashboards carry ${DS_…} placeholders and __inputs; a
    provisioned dashboard must name its data sources by uid."""
    problems = []
    if "${DS_" in text:
        problems.append("a ${DS_…} import placeholder is left")
    if "__inputs" in text:
        problems.append("an __inputs block is left")
    return problems


def _duration_seconds(text: str) -> float | None:
    parts = re.fullmatch(r"((\d+)(ms|s|m|h|d|w|y))+", text)
    if not parts:
        return None
    factor = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
    return sum(int(n) * factor[u] for n, u in re.findall(r"(\d+)(ms|s|m|h|d|w|y)", text))


def _without_strings(expr: str) -> str:
    return re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', '""', expr)


def check_ranges(dashboard: dict) -> list:
    """Every [range] (and subquery [range:step]) in a Prometheus query is $__rate_interval,
    $__range, or a literal of at least a minute: a window shorter than the scrape interval
    holds fewer than two samples and rate() returns nothing."""
    problems = []
    for panel, target in _prometheus_targets(dashboard):
        expr = target.get("expr", "") or ""
        for window in re.findall(r"\[([^\]]*)\]", _without_strings(expr)):
            for part in window.split(":")[:1] + [p for p in window.split(":")[1:] if p]:
                part = part.strip()
                variable = re.fullmatch(r"\$\{?(\w+)\}?", part)
                if variable:
                    if variable.group(1) not in ALLOWED_RANGE_VARIABLES:
                        problems.append(f"{_where(panel, target)}: range [{window}] uses "
                                        f"${variable.group(1)}; use $__rate_interval")
                    continue
                seconds = _duration_seconds(part)
                if seconds is None or seconds < MIN_LITERAL_RANGE_SECONDS:
                    problems.append(f"{_where(panel, target)}: range [{window}] is shorter "
                                    f"than 1m or not a duration; use $__rate_interval")
    return problems


def _referenced_variables(text: str) -> set:
    return {a or b for a, b in VARIABLE_REFERENCE.findall(text or "")}


def check_variables_defined(dashboard: dict) -> list:
    """Every $variable a query, a datasource reference or a variable's own query uses is
    defined (built-ins start with __); a variable may only use variables defined before it,
    the order Grafana resolves them in."""
    problems = []
    defined = []
    for variable in dashboard.get("templating", {}).get("list", []):
        query = variable.get("query")
        query = query.get("query", "") if isinstance(query, dict) else str(query or "")
        for name in _referenced_variables(query):
            if not name.startswith("__") and name not in defined:
                problems.append(f"variable ${variable.get('name')} uses ${name}, which is not "
                                "defined before it")
        defined.append(variable.get("name"))
    for panel in _real_panels(dashboard):
        texts = [json.dumps(panel.get("datasource"))]
        for target in _targets(panel):
            texts += [target.get("expr", "") or "", json.dumps(target.get("datasource"))]
        for name in set().union(*map(_referenced_variables, texts)):
            if not name.startswith("__") and name not in defined:
                problems.append(f"{_where(panel)} uses ${name}, which is not defined")
    return problems


def check_variable_queries(file_name: str, dashboard: dict) -> list:
    """The shared variables, as every helper and the query test expect them: query
    variables are label_values(selector, label) on the $datasource variable; the
    multi-value ones offer All."""
    problems = []
    variables = df.template_variables(dashboard)
    names = [v.get("name") for v in dashboard.get("templating", {}).get("list", [])]
    if names != EXPECTED_VARIABLES.get(file_name):
        problems.append(f"variables {names}, expected {EXPECTED_VARIABLES.get(file_name)}")
    for name, variable in variables.items():
        if variable.get("type") == "datasource":
            if variable.get("query") != "prometheus":
                problems.append(f"${name} is not a Prometheus data source variable")
            continue
        if variable.get("type") != "query":
            problems.append(f"${name} is of type {variable.get('type')!r}")
            continue
        query = variable.get("query")
        query = query.get("query") if isinstance(query, dict) else query
        if not LABEL_VALUES.match(str(query or "")):
            problems.append(f"${name}: query {query!r} is not label_values(selector, label)")
        if variable.get("definition") not in (None, query):
            problems.append(f"${name}: definition differs from query")
        if (variable.get("datasource") or {}).get("uid") not in ("${datasource}", "$datasource"):
            problems.append(f"${name} does not query through $datasource")
        if variable.get("multi") and not variable.get("includeAll"):
            problems.append(f"${name} is multi-value without an All option")
    return problems


def _panels_titled(dashboard: dict, title: str) -> list:
    return [p for p in _real_panels(dashboard) if p.get("title") == title]


def check_overview(dashboard: dict) -> list:
    """The eight panels our users asked for, without the mistakes of their draft (a [1s]
    window, MB shown with a bytes unit), plus the status breakdown, in-flight requests
    and the per-route table."""
    problems = []
    for title in OVERVIEW_PANELS:
        count = len(_panels_titled(dashboard, title))
        if count != 1:
            problems.append(f"the Overview has {count} panels titled '{title}', expected 1")
    if problems:
        return problems

    def only(title):
        return _panels_titled(dashboard, title)[0]

    def exprs(panel):
        return [t.get("expr", "") or "" for t in _targets(panel)]

    def unit(panel):
        return panel["fieldConfig"]["defaults"].get("unit")

    p60 = only("Request Duration P60")
    quantiles = set()
    for expr in exprs(p60):
        quantiles.update(float(q) for q in re.findall(r"histogram_quantile\(\s*([0-9.]+)", expr))
    if not {0.6, 0.95, 0.99} <= quantiles:
        problems.append(f"Request Duration P60 shows quantiles {sorted(quantiles)}, expected "
                        "0.6, 0.95 and 0.99")
    if not all(t.get("exemplar") for t in _targets(p60)):
        problems.append("Request Duration P60: exemplars (links to traces) are not enabled "
                        "on every target")
    errors = " ".join(exprs(only("Errors Per Second")))
    if '"5.."' not in errors or not re.search(r"\bor\s+(vector\(0\)|0\s*\*)", errors):
        problems.append("Errors Per Second must count 5xx and zero-fill (or vector(0))")
    memory = only("Memory Usage")
    if unit(memory) not in ("bytes", "decbytes") or re.search(r"/\s*1024", " ".join(exprs(memory))):
        problems.append("Memory Usage must show bytes with a bytes unit (no division to MB)")
    if unit(only("CPU Usage")) not in ("percentunit", "percent"):
        problems.append("CPU Usage needs a percent unit")
    if unit(only("Requests Per Minute")) != "reqpm":
        problems.append("Requests Per Minute needs the reqpm unit")
    logs = only("Logger Stream")
    kind, _ = df.resolve_datasource_uid(dashboard, logs.get("datasource")) or (None, None)
    if logs.get("type") != "logs" or kind != "loki":
        problems.append("Logger Stream must be a logs panel on Loki")
    everything = [e for p in _real_panels(dashboard) for e in exprs(p)]
    if not any(re.search(r"by \(status\)", e) for e in everything):
        problems.append("no status-code breakdown (a query by (status))")
    if not any("http_requests_in_flight" in e for e in everything):
        problems.append("no in-flight requests panel")
    if not any(p.get("type") == "table" and any("by (route" in e for e in exprs(p))
               for p in _real_panels(dashboard)):
        problems.append("no per-route table")
    return problems


DASHBOARD_CHECKS = {
    "identity": lambda f, d: check_identity(f, d),
    "panel ids": lambda f, d: check_panel_ids(d),
    "panel types": lambda f, d: check_panel_types(d),
    "layout": lambda f, d: check_layout(d),
    "units": lambda f, d: check_units(d),
    "datasources": lambda f, d: check_datasources(d, _provisioned()),
    "import inputs": lambda f, d: check_no_import_inputs(json.dumps(d, ensure_ascii=False)),
    "ranges": lambda f, d: check_ranges(d),
    "variables defined": lambda f, d: check_variables_defined(d),
    "variable queries": lambda f, d: check_variable_queries(f, d),
}


def test_the_four_dashboards_exist():
    assert sorted(name for name, _ in df.dashboards()) == sorted(EXPECTED_DASHBOARDS)
    titles = [d.get("title") for _, d in df.dashboards()]
    assert len(set(titles)) == len(titles), titles


@pytest.mark.parametrize("check", sorted(DASHBOARD_CHECKS))
@pytest.mark.parametrize("file_name", sorted(EXPECTED_DASHBOARDS))
def test_dashboard(file_name, check):
    problems = DASHBOARD_CHECKS[check](file_name, _dashboard(file_name))
    assert not problems, f"{file_name}: " + "\n".join(problems)


def test_overview_has_the_panels_our_users_asked_for():
    problems = check_overview(_dashboard("glassbox-overview.json"))
    assert not problems, "\n".join(problems)


def test_docs_describe_every_dashboard_and_panel():
    with open(DOCS, encoding="utf-8") as f:
        docs = f.read()
    missing = [f"{d['title']}" for _, d in df.dashboards() if d["title"] not in docs]
    missing += [f"{d['title']} / {p['title']}" for _, d in df.dashboards()
                for p in _real_panels(d) if p["title"] not in docs]
    assert not missing, "docs/dashboards.md does not mention: " + ", ".join(missing)


# ----------------------------------------------------------------- data source checks

def _by_uid(datasources: list, uid: str) -> dict:
    return next((d for d in datasources if d.get("uid") == uid), {})


def check_datasource_identity(datasources: list) -> list:
    problems = []
    uids = [d.get("uid") for d in datasources]
    if len(set(uids)) != len(uids):
        problems.append(f"duplicate uids: {uids}")
    for uid, kind in (("prometheus", "prometheus"), ("loki", "loki"), ("tempo", "tempo")):
        if _by_uid(datasources, uid).get("type") != kind:
            problems.append(f"no {kind} data source with uid {uid!r}")
    defaults = [d.get("uid") for d in datasources if d.get("isDefault")]
    if defaults != ["prometheus"]:
        problems.append(f"default data source(s) {defaults}, expected ['prometheus']")
    if (_by_uid(datasources, "prometheus").get("jsonData") or {}).get("timeInterval") in (None, ""):
        problems.append("Prometheus has no timeInterval (the scrape interval $__rate_interval "
                        "is computed from)")
    return problems


def check_datasource_links(datasources: list) -> list:
    """exemplar -> Tempo, log trace_id -> Tempo, span -> Loki, span -> Prometheus, service
    map -> Prometheus: every link names a provisioned uid of the right type."""
    problems = []
    kinds = {d.get("uid"): d.get("type") for d in datasources}

    def points_at(where: str, uid, kind: str):
        if kinds.get(uid) != kind:
            problems.append(f"{where} points at {uid!r}, not at a provisioned {kind} data "
                            "source")

    prometheus = _by_uid(datasources, "prometheus").get("jsonData") or {}
    exemplars = prometheus.get("exemplarTraceIdDestinations") or []
    if not any(e.get("name") == "trace_id" for e in exemplars):
        problems.append("no exemplarTraceIdDestinations entry for the trace_id exemplar label")
    for e in exemplars:
        points_at("Prometheus exemplar link", e.get("datasourceUid"), "tempo")

    loki = _by_uid(datasources, "loki").get("jsonData") or {}
    fields = loki.get("derivedFields") or []
    if not any("trace_id" in (f.get("matcherRegex") or "") for f in fields):
        problems.append("no Loki derived field reads trace_id")
    for f in fields:
        points_at(f"Loki derived field {f.get('name')!r}", f.get("datasourceUid"), "tempo")
        if f.get("url") != "$${__value.raw}":
            problems.append(f"Loki derived field {f.get('name')!r}: url {f.get('url')!r}, "
                            "expected '$${__value.raw}' (the trace id as Tempo query)")

    tempo = _by_uid(datasources, "tempo").get("jsonData") or {}
    points_at("Tempo tracesToLogsV2", (tempo.get("tracesToLogsV2") or {}).get("datasourceUid"), "loki")
    points_at("Tempo tracesToMetrics", (tempo.get("tracesToMetrics") or {}).get("datasourceUid"),
              "prometheus")
    points_at("Tempo serviceMap", (tempo.get("serviceMap") or {}).get("datasourceUid"), "prometheus")
    if not (tempo.get("tracesToMetrics") or {}).get("queries"):
        problems.append("Tempo tracesToMetrics has no queries")
    if not (tempo.get("nodeGraph") or {}).get("enabled"):
        problems.append("Tempo node graph is not enabled")
    return problems


def check_dollar_escaping(datasources: list) -> list:
    """Grafana expands $NAME and ${NAME} in provisioning files from its environment, so a
    template such as ${__value.raw} must be written $${__value.raw}; a single $ would be
    replaced by an empty string without a word."""
    problems = []

    def walk(value, path):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{path}.{k}")
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, f"{path}[{i}]")
        elif isinstance(value, str) and "$" in value.replace("$$", ""):
            problems.append(f"{path}: unescaped $ in {value!r} (write $$)")

    for d in datasources:
        walk(d, d.get("uid", "?"))
    return problems


def check_dashboard_provider(providers: dict) -> list:
    problems = []
    entries = (providers or {}).get("providers") or []
    if len(entries) != 1:
        return [f"{len(entries)} dashboard providers, expected 1"]
    provider = entries[0]
    path = (provider.get("options") or {}).get("path")
    if provider.get("type") != "file" or path != GRAFANA_DASHBOARDS_CONTAINER_PATH:
        problems.append(f"provider reads {provider.get('type')}:{path}, expected "
                        f"file:{GRAFANA_DASHBOARDS_CONTAINER_PATH} (where compose mounts "
                        "deploy/grafana/dashboards)")
    if provider.get("allowUiUpdates") is not False:
        problems.append("allowUiUpdates must be false: the files are the source of truth")
    if provider.get("folder") != "Glassbox":
        problems.append(f"folder {provider.get('folder')!r}, expected 'Glassbox'")
    return problems


def check_compose_mounts(compose: dict) -> list:
    """compose mounts deploy/grafana/dashboards where the provider reads, and the
    provisioning folder where Grafana looks for it."""
    volumes = (((compose or {}).get("services") or {}).get("grafana") or {}).get("volumes") or []
    mounts = {}
    for volume in volumes:
        if isinstance(volume, str):
            parts = volume.split(":")
            if len(parts) >= 2:
                mounts[parts[1]] = os.path.normpath(parts[0])
        elif isinstance(volume, dict):
            mounts[volume.get("target")] = os.path.normpath(str(volume.get("source")))
    problems = []
    for target, source in ((GRAFANA_DASHBOARDS_CONTAINER_PATH, "deploy/grafana/dashboards"),
                           (GRAFANA_PROVISIONING_CONTAINER_PATH, "deploy/grafana/provisioning")):
        if mounts.get(target) != source:
            problems.append(f"compose service grafana mounts {mounts.get(target)!r} at "
                            f"{target}, expected ./{source}")
    return problems


def check_time_interval(datasources: list, prometheus_config: dict) -> list:
    """The Prometheus data source's timeInterval is the interval the service is scraped
    at: $__rate_interval is computed from it."""
    config = prometheus_config or {}
    interval = (config.get("global") or {}).get("scrape_interval", "1m")
    for job in config.get("scrape_configs") or []:
        if job.get("job_name") == "glassbox":
            interval = job.get("scrape_interval", interval)
    configured = (_by_uid(datasources, "prometheus").get("jsonData") or {}).get("timeInterval")
    if _duration_seconds(str(configured)) != _duration_seconds(str(interval)):
        return [f"Prometheus timeInterval {configured!r}, but the glassbox job is scraped "
                f"every {interval!r} (deploy/prometheus/prometheus.yml)"]
    return []


def test_compose_mounts_the_dashboards_where_the_provider_reads():
    problems = check_compose_mounts(df.load_yaml(COMPOSE))
    assert not problems, "\n".join(problems)


def test_time_interval_is_the_scrape_interval():
    problems = check_time_interval(df.provisioned_datasources(), df.load_yaml(PROMETHEUS_CONFIG))
    assert not problems, "\n".join(problems)


def test_datasources_have_the_fixed_uids():
    problems = check_datasource_identity(df.provisioned_datasources())
    assert not problems, "\n".join(problems)


def test_datasource_links_point_at_provisioned_uids():
    problems = check_datasource_links(df.provisioned_datasources())
    assert not problems, "\n".join(problems)


def test_datasource_templates_escape_dollar_signs():
    problems = check_dollar_escaping(df.provisioned_datasources())
    assert not problems, "\n".join(problems)


def test_dashboard_provider_reads_the_mounted_folder():
    problems = check_dashboard_provider(df.load_yaml(DASHBOARD_PROVIDERS))
    assert not problems, "\n".join(problems)


# ------------------------------------------------- every check fails on a broken copy

def _first(dashboard: dict, kind: str | None = None) -> dict:
    return next(p for p in _real_panels(dashboard) if kind is None or p["type"] == kind)


def _set_expr(dashboard: dict, expr: str) -> None:
    _first(dashboard, "timeseries")["targets"][0]["expr"] = expr


def _retitle(dashboard: dict, old: str, new: str) -> None:
    _panels_titled(dashboard, old)[0]["title"] = new


def _edit_panel(dashboard: dict, title: str, edit) -> None:
    edit(_panels_titled(dashboard, title)[0])


OVERVIEW = "glassbox-overview.json"
DASHBOARD_BREAKAGES = {
    "uid changed": ("identity", lambda d: d.update(uid="other")),
    "editable": ("identity", lambda d: d.update(editable=True)),
    "duplicate id": ("panel ids", lambda d: _real_panels(d)[1].update(id=_real_panels(d)[0]["id"])),
    "graph panel": ("panel types", lambda d: _first(d).update(type="graph")),
    "overlap": ("layout", lambda d: _real_panels(d)[1].update(gridPos=dict(_real_panels(d)[0]["gridPos"]))),
    "too wide": ("layout", lambda d: _first(d)["gridPos"].update(x=20, w=12)),
    "no unit": ("units", lambda d: _first(d)["fieldConfig"]["defaults"].pop("unit")),
    "unknown uid": ("datasources", lambda d: _first(d).update(datasource={"type": "prometheus", "uid": "nope"})),
    "wrong type": ("datasources", lambda d: _first(d, "timeseries")["targets"][0].update(
        datasource={"type": "prometheus", "uid": "loki"})),
    "ds input": ("import inputs", lambda d: _first(d).update(datasource={"type": "prometheus", "uid": "${DS_PROMETHEUS}"})),
    "__inputs": ("import inputs", lambda d: d.update(__inputs=[])),
    "1s window": ("ranges", lambda d: _set_expr(d, 'sum(rate(http_requests_total{job="$job"}[1s]))')),
    "$__interval": ("ranges", lambda d: _set_expr(d, "rate(http_requests_total[$__interval])")),
    "subquery step": ("ranges", lambda d: _set_expr(d, "max_over_time(up[1h:5s])")),
    "undefined variable": ("variables defined", lambda d: _set_expr(d, 'up{job="$nope"}')),
    "variable order": ("variables defined", lambda d: d["templating"]["list"].reverse()),
    "not label_values": ("variable queries", lambda d: d["templating"]["list"][1].update(
        query="query_result(up)", definition="query_result(up)")),
    "variable renamed": ("variable queries", lambda d: d["templating"]["list"][1].update(name="service")),
}
OVERVIEW_BREAKAGES = {
    "Logger Stream missing": lambda d: _retitle(d, "Logger Stream", "Logs"),
    "no P99": lambda d: _edit_panel(d, "Request Duration P60", lambda p: p["targets"].pop()),
    "no exemplars": lambda d: _edit_panel(d, "Request Duration P60",
                                          lambda p: p["targets"][0].pop("exemplar")),
    "MB with a bytes unit": lambda d: _edit_panel(d, "Memory Usage", lambda p: p["targets"][0].update(
        expr=p["targets"][0]["expr"] + " / 1024 / 1024")),
    "errors not zero-filled": lambda d: _edit_panel(d, "Errors Per Second", lambda p: p["targets"][0].update(
        expr='sum(rate(http_requests_total{status=~"5.."}[$__rate_interval]))')),
    "logs on Prometheus": lambda d: _edit_panel(d, "Logger Stream", lambda p: p.update(
        datasource={"type": "prometheus", "uid": "${datasource}"})),
}
DATASOURCE_BREAKAGES = {
    "tempo uid renamed": (check_datasource_identity, lambda ds: _by_uid(ds, "tempo").update(uid="traces")),
    "second default": (check_datasource_identity, lambda ds: _by_uid(ds, "loki").update(isDefault=True)),
    "exemplars to jaeger": (check_datasource_links, lambda ds: _by_uid(ds, "prometheus")["jsonData"][
        "exemplarTraceIdDestinations"][0].update(datasourceUid="jaeger")),
    "derived field to loki": (check_datasource_links, lambda ds: _by_uid(ds, "loki")["jsonData"][
        "derivedFields"][0].update(datasourceUid="loki")),
    "traces to logs on prometheus": (check_datasource_links, lambda ds: _by_uid(ds, "tempo")["jsonData"][
        "tracesToLogsV2"].update(datasourceUid="prometheus")),
    "no service map": (check_datasource_links, lambda ds: _by_uid(ds, "tempo")["jsonData"].pop("serviceMap")),
    "unescaped template": (check_dollar_escaping, lambda ds: _by_uid(ds, "loki")["jsonData"][
        "derivedFields"][0].update(url="${__value.raw}")),
}


@pytest.mark.parametrize("breakage", sorted(DASHBOARD_BREAKAGES))
def test_dashboard_checks_catch(breakage):
    check, breaker = DASHBOARD_BREAKAGES[breakage]
    dashboard = copy.deepcopy(_dashboard(OVERVIEW))
    assert not DASHBOARD_CHECKS[check](OVERVIEW, dashboard), "the real file must pass first"
    breaker(dashboard)
    assert DASHBOARD_CHECKS[check](OVERVIEW, dashboard), f"check '{check}' missed: {breakage}"


@pytest.mark.parametrize("breakage", sorted(OVERVIEW_BREAKAGES))
def test_overview_check_catches(breakage):
    dashboard = copy.deepcopy(_dashboard(OVERVIEW))
    OVERVIEW_BREAKAGES[breakage](dashboard)
    assert check_overview(dashboard), f"the Overview check missed: {breakage}"


@pytest.mark.parametrize("breakage", sorted(DATASOURCE_BREAKAGES))
def test_datasource_checks_catch(breakage):
    check, breaker = DATASOURCE_BREAKAGES[breakage]
    datasources = copy.deepcopy(df.provisioned_datasources())
    assert not check(datasources), "the real file must pass first"
    breaker(datasources)
    assert check(datasources), f"{check.__name__} missed: {breakage}"


def test_compose_check_catches_a_moved_mount():
    compose = copy.deepcopy(df.load_yaml(COMPOSE))
    assert not check_compose_mounts(compose), "the real file must pass first"
    compose["services"]["grafana"]["volumes"] = [
        v.replace(GRAFANA_DASHBOARDS_CONTAINER_PATH, "/var/lib/grafana/dashboards")
        for v in compose["services"]["grafana"]["volumes"]]
    assert check_compose_mounts(compose)


def test_time_interval_check_catches_a_changed_scrape_interval():
    config = copy.deepcopy(df.load_yaml(PROMETHEUS_CONFIG))
    assert not check_time_interval(df.provisioned_datasources(), config), "must pass first"
    config["global"]["scrape_interval"] = "30s"
    for job in config.get("scrape_configs") or []:
        job.pop("scrape_interval", None)
    assert check_time_interval(df.provisioned_datasources(), config)


def test_provider_check_catches_a_path_compose_does_not_mount():
    providers = copy.deepcopy(df.load_yaml(DASHBOARD_PROVIDERS))
    providers["providers"][0]["options"]["path"] = "/var/lib/grafana/dashboards"
    assert check_dashboard_provider(providers)
