"""Readers for the files in deploy/: dashboards and the queries of their panels, Grafana's
datasource provisioning, Prometheus and Loki rule files, and the substitution of Grafana's
template variables so that a panel's query can be run as Grafana would run it."""

from __future__ import annotations

import glob
import json
import os
import re
from dataclasses import dataclass

import yaml

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEPLOY = os.path.join(REPO_ROOT, "deploy")
DASHBOARDS_DIR = os.path.join(DEPLOY, "grafana", "dashboards")
DATASOURCES_DIR = os.path.join(DEPLOY, "grafana", "provisioning", "datasources")
PROMETHEUS_DIR = os.path.join(DEPLOY, "prometheus")
PROMETHEUS_RULES_DIR = os.path.join(PROMETHEUS_DIR, "rules")
PROMETHEUS_RULE_TESTS_DIR = os.path.join(PROMETHEUS_DIR, "tests")
LOKI_RULES_DIR = os.path.join(DEPLOY, "loki", "rules")


def load_yaml(path: str):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


# ------------------------------------------------------------------------------ Grafana


def dashboard_paths() -> list:
    return sorted(glob.glob(os.path.join(DASHBOARDS_DIR, "*.json")))


def load_dashboard(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def dashboards() -> list:
    """[(file name, dashboard JSON)] of every provisioned dashboard."""
    return [(os.path.basename(p), load_dashboard(p)) for p in dashboard_paths()]


def all_panels(dashboard: dict) -> list:
    """Every panel, the ones nested in collapsed rows included."""
    out = []
    for panel in dashboard.get("panels", []):
        out.append(panel)
        out.extend(panel.get("panels", []))
    return out


def provisioned_datasources() -> list:
    """The `datasources:` entries of every file in provisioning/datasources."""
    out = []
    for path in sorted(glob.glob(os.path.join(DATASOURCES_DIR, "*.y*ml"))):
        out.extend(load_yaml(path).get("datasources", []) or [])
    return out


def template_variables(dashboard: dict) -> dict:
    """{name: variable} of the dashboard's templating list."""
    return {v["name"]: v for v in dashboard.get("templating", {}).get("list", [])}


_VARIABLE_REFERENCE = re.compile(r"^\$\{?(\w+)\}?$")


def resolve_datasource_uid(dashboard: dict, datasource) -> tuple:
    """(type, uid) of a panel's or target's datasource, a `$datasource` variable resolved to
    the variable's current value (a provisioned uid). None when the reference is absent."""
    if datasource is None:
        return None
    if isinstance(datasource, str):
        datasource = {"uid": datasource}
    uid = datasource.get("uid")
    kind = datasource.get("type")
    match = _VARIABLE_REFERENCE.match(uid or "")
    if match:
        variable = template_variables(dashboard).get(match.group(1))
        if variable is None:
            return (kind, uid)  # an unknown variable: the structure test reports it
        current = variable.get("current", {}) or {}
        uid = current.get("value") or variable.get("query")
        kind = kind or variable.get("query")
    return (kind, uid)


@dataclass
class PanelQuery:
    dashboard_file: str
    dashboard_title: str
    panel_id: int
    panel_title: str
    panel_type: str
    ref_id: str
    datasource_type: str | None
    datasource_uid: str | None
    expr: str

    def describe(self) -> str:
        return (f"{self.dashboard_file} panel {self.panel_id} '{self.panel_title}' "
                f"target {self.ref_id}: {self.expr}")


def panel_queries(datasource_type: str | None = None) -> list:
    """Every target of every panel of every dashboard, as PanelQuery, optionally only those
    whose datasource has `datasource_type` (prometheus, loki, tempo)."""
    out = []
    for file_name, dashboard in dashboards():
        for panel in all_panels(dashboard):
            panel_source = panel.get("datasource")
            for target in panel.get("targets", []) or []:
                source = target.get("datasource", panel_source)
                resolved = resolve_datasource_uid(dashboard, source) or (None, None)
                kind, uid = resolved
                if datasource_type is not None and kind != datasource_type:
                    continue
                out.append(PanelQuery(file_name, dashboard.get("title", ""), panel.get("id"),
                                      panel.get("title", ""), panel.get("type", ""),
                                      target.get("refId", ""), kind, uid,
                                      target.get("expr", "") or ""))
    return out


# Grafana's built-in interval variables, with the values a 15 s-scraped Prometheus would get
# on a 6 h dashboard (Grafana computes $__rate_interval as max($__interval + scrape, 4 x
# scrape)); the test Prometheus scrapes every second, so these are always wide enough.
GRAFANA_BUILTINS = {
    "__rate_interval": "1m",
    "__interval": "15s",
    "__range": "6h",
    "__range_s": "21600",
    "__interval_ms": "15000",
}


def substitute_variables(expr: str, values: dict) -> str:
    """Replaces $name, ${name} and ${name:format} (Grafana's variable syntax) with
    values[name] (built-ins included); an unknown variable raises KeyError."""
    merged = {**GRAFANA_BUILTINS, **values}

    def replace(match):
        name = match.group(1) or match.group(2)
        if name not in merged:
            raise KeyError(f"unknown Grafana variable ${name} in: {expr}")
        return merged[name]

    return re.sub(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)", replace, expr)


# --------------------------------------------------------------------------- Prometheus


def prometheus_rule_paths() -> list:
    return sorted(glob.glob(os.path.join(PROMETHEUS_RULES_DIR, "*.yml")))


@dataclass
class Rule:
    file_name: str
    group: str
    kind: str  # "record" or "alert"
    name: str
    expr: str
    body: dict


def prometheus_rules() -> list:
    """Every recording and alerting rule of deploy/prometheus/rules, as Rule."""
    out = []
    for path in prometheus_rule_paths():
        for group in load_yaml(path).get("groups", []) or []:
            for rule in group.get("rules", []) or []:
                kind = "record" if "record" in rule else "alert"
                out.append(Rule(os.path.basename(path), group["name"], kind, rule[kind],
                                str(rule["expr"]), rule))
    return out


def loki_rule_paths() -> list:
    return sorted(glob.glob(os.path.join(LOKI_RULES_DIR, "**", "*.y*ml"), recursive=True))
