"""The log and trace side of deploy/: every LogQL expression (dashboard panels, Loki ruler
rules, the Tempo datasource's trace -> logs query) parses with Grafana's own LogQL grammar
(@grafana/lezer-logql, locked in tests/deploy/logql), and everything those queries and the
Loki derived field read exists in real log lines of the real binary. Also checks that the
Alloy pipeline, Loki and Tempo are configured as the queries assume: stream labels exactly
{service, level}, trace_id/span_id as structured metadata, retention on, OTLP receivers on
0.0.0.0.

Loki, Alloy and Tempo cannot run here: what is checked is what can be checked offline."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass

import pytest

import deploy_files
from glassbox import GlassboxServer, calibrate_compute, wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
LOGQL_DIR = os.path.join(HERE, "logql")
PARSER_SCRIPT = os.path.join(LOGQL_DIR, "parse.mjs")
LOCKFILE = os.path.join(LOGQL_DIR, "package-lock.json")
# npm writes this copy of the lock into node_modules on every install: its age tells
# whether node_modules still matches package-lock.json.
INSTALLED_LOCK = os.path.join(LOGQL_DIR, "node_modules", ".package-lock.json")

ALLOY_CONFIG = os.path.join(deploy_files.DEPLOY, "alloy", "config.alloy")
LOKI_CONFIG = os.path.join(deploy_files.DEPLOY, "loki", "loki.yml")
TEMPO_CONFIG = os.path.join(deploy_files.DEPLOY, "tempo", "tempo.yml")
RUNBOOK = os.path.join(deploy_files.REPO_ROOT, "docs", "runbook.md")

EXPECTED_STREAM_LABELS = {"service", "level"}
EXPECTED_STRUCTURED_METADATA = {"trace_id", "span_id"}
RUNBOOK_URL = "https://github.com/glassbox/glassbox/blob/main/docs/runbook.md#"
SEVERITIES = {"critical", "warning", "ticket"}
# Labels every LogQL pipeline has without reading the line.
LOKI_BUILTIN_LABELS = {"__error__", "__error_details__", "__line__", "__timestamp__"}
# Grafana's interval variables for Loki ($__auto is Loki-only) on top of the shared ones.
LOKI_BUILTINS = {"__auto": "1m"}
# Sample values for Grafana's trace -> logs interpolations (${__span.traceId}, ...).
SAMPLE_TRACE_ID = "872add230b9d68ea1b26f0b0e2c1d898"
SAMPLE_SPAN_ID = "d109e8b791e73461"
TRACE_ID = re.compile(r"^[0-9a-f]{32}$")
GO_DURATION = re.compile(r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$")


# ------------------------------------------------------------------ the LogQL grammar


@pytest.fixture(scope="session")
def logql_parser():
    """parse([expr, ...]) -> [description, ...] (see logql/parse.mjs), after installing the
    locked grammar with `npm ci` when node_modules is missing or older than the lockfile."""
    for tool in ("node", "npm"):
        assert shutil.which(tool), (
            f"`{tool}` is not installed: the LogQL check runs Grafana's grammar "
            "(@grafana/lezer-logql) under Node.js; install Debian's nodejs and npm "
            "(scripts/bootstrap does)")
    stale = (not os.path.exists(INSTALLED_LOCK)
             or os.path.getmtime(INSTALLED_LOCK) < os.path.getmtime(LOCKFILE))
    if stale:
        result = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=LOGQL_DIR,
                                capture_output=True, text=True, timeout=300,
                                stdin=subprocess.DEVNULL)
        assert result.returncode == 0, (
            f"`npm ci` in {LOGQL_DIR} failed ({result.returncode}):\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")

    def parse(expressions: list) -> list:
        result = subprocess.run(["node", PARSER_SCRIPT], cwd=LOGQL_DIR,
                                input=json.dumps(list(expressions)), capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 0, (
            f"parse.mjs failed ({result.returncode}):\n{result.stderr[-3000:]}")
        described = json.loads(result.stdout)
        assert len(described) == len(expressions), result.stdout[:2000]
        return described

    return parse


# --------------------------------------------------------- every LogQL expression in deploy/


@dataclass
class LogQLQuery:
    origin: str  # where it comes from, for failure messages
    source: str  # "dashboard", "rule" or "tempo"
    expr: str  # as it is sent to Loki (Grafana variables substituted)


def _sample_variable_values(dashboard: dict) -> dict:
    """A value for each template variable, as Grafana would interpolate it into a Loki
    query: a multi-value or "All" variable becomes a regex matching anything."""
    values = {}
    for name, variable in deploy_files.template_variables(dashboard).items():
        current = (variable.get("current") or {}).get("value")
        if variable.get("type") == "datasource":
            values[name] = current if isinstance(current, str) and current else str(
                variable.get("query", ""))
        elif variable.get("multi") or variable.get("includeAll") or current == "$__all":
            values[name] = variable.get("customAllValue") or ".*"
        elif isinstance(current, list):
            values[name] = "|".join(str(v) for v in current) or ".*"
        elif current not in (None, ""):
            values[name] = str(current)
        else:
            values[name] = str(variable.get("query", "")) or "glassbox"
    return {**LOKI_BUILTINS, **values}


def dashboard_logql_queries() -> list:
    dashboards = dict(deploy_files.dashboards())
    out = []
    for query in deploy_files.panel_queries("loki"):
        values = _sample_variable_values(dashboards[query.dashboard_file])
        try:
            expr = deploy_files.substitute_variables(query.expr, values)
        except KeyError as error:
            raise AssertionError(f"{query.describe()}: {error}") from None
        out.append(LogQLQuery(query.describe(), "dashboard", expr))
    return out


def loki_rules() -> list:
    """[(path relative to deploy/loki/rules, group name, rule)] of every Loki ruler rule."""
    out = []
    for path in deploy_files.loki_rule_paths():
        relative = os.path.relpath(path, deploy_files.LOKI_RULES_DIR)
        document = deploy_files.load_yaml(path) or {}
        for group in document.get("groups", []) or []:
            for rule in group.get("rules", []) or []:
                out.append((relative, group.get("name", ""), rule))
    return out


def rule_logql_queries() -> list:
    out = []
    for relative, group, rule in loki_rules():
        name = rule.get("alert") or rule.get("record") or "?"
        out.append(LogQLQuery(f"deploy/loki/rules/{relative} group {group} rule {name}",
                              "rule", str(rule.get("expr", ""))))
    return out


def datasource(kind: str) -> dict | None:
    for entry in deploy_files.provisioned_datasources():
        if entry.get("type") == kind and entry.get("uid") == kind:
            return entry
    return None


def grafana_provisioning_expand(value: str) -> str:
    """What Grafana makes of a string in a provisioning file: it splits at "$$" (a literal
    $) and runs Go's os.ExpandEnv on each part, so $NAME, ${ANYTHING} and $1-style names
    are environment variables (none is set for these files: they vanish)."""
    def expand(part: str) -> str:
        return re.sub(r"\$(\{[^}]*\}|\{|[*#@!?\-0-9]|[A-Za-z_][A-Za-z0-9_]*)", "", part)
    return "$".join(expand(part) for part in value.split("$$"))


def interpolate_trace_link(query: str, trace_id: str = SAMPLE_TRACE_ID,
                           span_id: str = SAMPLE_SPAN_ID, service: str = "glassbox") -> str:
    """Replaces Grafana's trace -> logs interpolations (after provisioning expansion)."""
    out = grafana_provisioning_expand(query)
    assert re.search(r"\$\{__(?:span|trace)\.traceId\}", out), (
        f"the trace -> logs query {query!r} has no ${{__trace.traceId}} once Grafana has "
        "expanded the provisioning file (write $$ for a literal $)")
    for pattern, value in (
            (r"\$\{__(?:span|trace)\.traceId\}", trace_id),
            (r"\$\{__span\.spanId\}", span_id),
            (r"\$\{__span\.tags(?:\.[\w.]+|\[\"[^\"]+\"\])\}", service),
            (r"\$\{__span\.name\}", "GET /api/users/{id}"),
            (r"\$\{__(?:span|trace)\.duration\}", "1ms"),
            (r"\$\{__tags\}|\$__tags\b", f'service="{service}"'),
    ):
        out = re.sub(pattern, lambda _match, v=value: v, out)
    leftover = re.findall(r"\$\{__[^}]*\}", out)
    assert not leftover, f"trace -> logs query uses interpolations this test does not know: {leftover}"
    return deploy_files.substitute_variables(out, LOKI_BUILTINS)


def tempo_logql_queries() -> list:
    tempo = datasource("tempo")
    if tempo is None:
        return []
    link = (tempo.get("jsonData") or {}).get("tracesToLogsV2") or {}
    if not link.get("customQuery") or not link.get("query"):
        return []
    return [LogQLQuery("Tempo datasource jsonData.tracesToLogsV2.query", "tempo",
                       interpolate_trace_link(str(link["query"])))]


@pytest.fixture(scope="module")
def all_queries() -> list:
    return dashboard_logql_queries() + rule_logql_queries() + tempo_logql_queries()


@pytest.fixture(scope="module")
def described_queries(all_queries, logql_parser) -> list:
    """[(LogQLQuery, description)] of every expression that parses."""
    descriptions = logql_parser([q.expr for q in all_queries])
    return [(q, d) for q, d in zip(all_queries, descriptions) if d["ok"]]


def test_grammar_rejects_broken_expressions_and_accepts_sound_ones(logql_parser):
    broken = ['{service="glassbox" | json',
              'sum(rate({service="glassbox"}[5m])',
              '{service="glassbox"} | json | status_code >=',
              'count_over_time({service="glassbox"})',
              '']
    sound = ['{service="glassbox"} | json | status_code >= 500',
             'sum by (route) (count_over_time({service="glassbox"} | json [5m]))']
    results = logql_parser(broken + sound)
    for result in results[:len(broken)]:
        assert not result["ok"], f"the grammar accepted a broken expression: {result['expr']!r}"
    for result in results[len(broken):]:
        assert result["ok"], f"the grammar rejected a sound expression: {result}"
    assert results[-1]["grouping"] == [{"kind": "by", "labels": ["route"]}], results[-1]
    assert results[-2]["label_filters"] == [
        {"field": "status_code", "kind": "number", "op": ">=", "value": "500"}], results[-2]


def test_every_logql_expression_parses_with_grafanas_grammar(all_queries, logql_parser):
    sources = {q.source for q in all_queries}
    assert "dashboard" in sources, (
        "no dashboard in deploy/grafana/dashboards has a Loki query (a panel or target "
        'with datasource {"type": "loki", "uid": "loki"}): the Logger Stream panel should')
    assert "rule" in sources, "no Loki ruler rule in deploy/loki/rules/**/*.yml"
    failures = []
    for query, result in zip(all_queries, logql_parser([q.expr for q in all_queries])):
        if not result["ok"]:
            where = "; ".join(f"at {e['from']}: …{e['near']}…" for e in result["errors"])
            failures.append(f"{query.origin}\n    {query.expr!r}\n    {where}")
    assert not failures, "LogQL that Grafana's grammar rejects:\n" + "\n".join(failures)


# ------------------------------------------------------------------ real log lines


@pytest.fixture(scope="module")
def real_log():
    """Real stdout of the real binary after a mix of requests that gives INFO, WARN and
    ERROR access records: (records, raw lines); the server is stopped, so all is flushed."""
    server = GlassboxServer(env={"COMPUTE_MAX_N": "60", "COMPUTE_THREADS": "1",
                                 "COMPUTE_QUEUE": "1"})
    try:
        server.start()
        assert server.get("/health").status == 200
        user = server.create_user("Log Lines", "log.lines@example.com")  # POST, 201
        assert server.get(f"/api/users/{user['id']}").status == 200
        assert server.get("/api/users/999999").status == 404
        assert server.get("/no/such/route").status == 404
        assert server.request("POST", "/api/users", body="{not json",
                              headers={"Content-Type": "application/json"}).status == 400
        # A real 5xx: with one compute thread and a queue of one, the third and later of
        # four concurrent slow /compute calls are answered 503 at once.
        n, _took = calibrate_compute(server, 0.5, 60)
        statuses = []
        lock = threading.Lock()

        def call():
            response = server.get(f"/compute/{n}", timeout=60)
            with lock:
                statuses.append(response.status)

        threads = [threading.Thread(target=call) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(90)
        assert 503 in statuses, f"no 503 from a saturated compute pool: {statuses}"
        wait_until(lambda: any(r.get("status_code", 0) >= 500 for r in server.log_records()
                               if r.get("message") == "Request completed"),
                   10, message="a 5xx access record on stdout")
        assert server.stop() == 0, server.output_tail()
        records = server.log_records()
        lines = [line for line in server.stdout_lines if line.strip()]
        return records, lines
    finally:
        server.cleanup()


def access_records(real_log) -> list:
    records, _lines = real_log
    out = [r for r in records if r.get("message") == "Request completed"]
    assert out, "no \"Request completed\" record on the binary's stdout"
    return out


def alloy_labels_and_metadata() -> tuple:
    config = read_alloy_config()
    labels = set(alloy_map_keys(one_block(config, "stage.labels"), "values"))
    metadata = set(alloy_map_keys(one_block(config, "stage.structured_metadata"), "values"))
    return labels, metadata


def test_real_lines_carry_every_field_the_pipeline_expects(real_log):
    access = access_records(real_log)
    levels = {r["level"] for r in access}
    assert {"INFO", "WARN", "ERROR"} <= levels, f"levels seen: {levels}"
    config = read_alloy_config()
    json_fields = alloy_map(one_block(config, "stage.json"), "expressions")
    for record in access:
        for key, path in json_fields.items():
            field = path or key
            assert field in record, f"config.alloy stage.json reads {field!r}, missing in {record}"
        assert TRACE_ID.match(record["trace_id"]), record
    # stage.timestamp parses the real timestamps.
    timestamp = one_block(config, "stage.timestamp")
    source = alloy_string(timestamp, "source")
    layout = alloy_string(timestamp, "format")
    pattern = GO_TIME_LAYOUTS.get(layout)
    assert pattern, (f"config.alloy stage.timestamp format {layout!r}: this test knows "
                     f"{sorted(GO_TIME_LAYOUTS)}")
    assert json_fields.get(source, None) is not None, (
        f"stage.timestamp source {source!r} is not extracted by stage.json")
    for record in access:
        value = record[json_fields[source] or source]
        assert re.match(pattern, value), f"{value!r} does not parse with layout {layout}"


def test_stream_selectors_use_only_alloys_labels_with_real_values(described_queries,
                                                                  real_log):
    records, _lines = real_log
    labels, _metadata = alloy_labels_and_metadata()
    real_values = {label: {str(r[label]) for r in records if label in r} for label in labels}
    failures = []
    for query, described in described_queries:
        for selector in described["selectors"]:
            names = {m["label"] for m in selector}
            if "service" not in names:
                failures.append(f"{query.origin}: selector without a service matcher: "
                                f"{selector}")
            for matcher in selector:
                label, op, value = matcher["label"], matcher["op"], matcher["value"]
                if label not in labels:
                    failures.append(f"{query.origin}: stream label {label!r} does not exist "
                                    f"(Alloy sets only {sorted(labels)}); after | json it "
                                    "would be a label filter")
                    continue
                seen = real_values[label]
                if op == "=" and value not in seen:
                    failures.append(f"{query.origin}: {label}={value!r} matches no real line "
                                    f"(real values: {sorted(seen)})")
                elif op == "=~" and not any(re.fullmatch(value, v) for v in seen):
                    failures.append(f"{query.origin}: {label}=~{value!r} matches no real "
                                    f"value {sorted(seen)}")
    assert not failures, "\n".join(failures)


def fields_read(described: dict, stream_labels: set) -> dict:
    """{field: [(how it is read, filter kind)]} of everything a query reads from the line
    (or from structured metadata), minus stream labels and labels the query makes itself."""
    made = {e["label"] for e in described["json_expressions"]}
    made |= {f["label"] for f in described["label_format"]}
    reads: dict = {}

    def add(field, how, kind=""):
        if field and field not in stream_labels | made | LOKI_BUILTIN_LABELS:
            reads.setdefault(field, []).append((how, kind))

    for expression in described["json_expressions"]:
        add(re.split(r"[.\[]", expression["path"].strip())[0].strip('"'), "json path")
    for label_filter in described["label_filters"]:
        add(label_filter["field"], "label filter", label_filter["kind"])
    for field in described["line_format_fields"]:
        add(field, "line_format")
    for label_format in described["label_format"]:
        for field in label_format["reads"]:
            add(field, "label_format")
    for unwrap in described["unwrap"]:
        add(unwrap["field"], "unwrap", unwrap["conversion"] or "number")
    for grouping in described["grouping"]:
        for label in grouping["labels"]:
            add(label, f"{grouping['kind']} clause")
    for label in described["keep_labels"] + described["drop_labels"]:
        add(label, "keep/drop")
    return reads


def value_fits(kind: str, value) -> bool:
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "number":
        return numeric
    if kind in ("duration", "duration_seconds"):
        return isinstance(value, str) and bool(GO_DURATION.match(value))
    if kind == "bytes":
        return numeric or (isinstance(value, str)
                           and bool(re.match(r"^[0-9.]+\s*[KMGTPE]?i?B?$", value)))
    return True


def test_fields_read_after_json_exist_in_real_request_lines(described_queries, real_log):
    access = access_records(real_log)
    line_fields = set().union(*(set(r) for r in access))
    labels, metadata = alloy_labels_and_metadata()
    failures = []
    for query, described in described_queries:
        parsers = described["parsers"]
        for parser in parsers:
            if parser != "json":
                failures.append(f"{query.origin}: parser `{parser}` on JSON lines "
                                "(use `| json`)")
        for field, uses in sorted(fields_read(described, labels).items()):
            how = ", ".join(sorted({u[0] for u in uses}))
            if "json" not in parsers and field not in metadata:
                failures.append(f"{query.origin}: reads {field!r} ({how}) without `| json`; "
                                f"without a parser only stream labels {sorted(labels)} and "
                                f"structured metadata {sorted(metadata)} exist")
                continue
            if field not in line_fields | metadata:
                failures.append(f"{query.origin}: reads {field!r} ({how}), which no real "
                                f"\"Request completed\" line has (fields: {sorted(line_fields)})")
                continue
            for _how, kind in uses:
                if kind and kind not in ("string", "ip") and field in line_fields:
                    bad = [r[field] for r in access if field in r and not value_fits(kind, r[field])]
                    if bad:
                        failures.append(f"{query.origin}: {field!r} is compared or unwrapped "
                                        f"as {kind}, but real values are {bad[:3]!r}")
    assert not failures, "\n".join(failures)


def passes_pipeline(described: dict, line: str, record: dict) -> bool:
    """Whether a log query keeps this JSON line: stream selector, line filters and (ANDed)
    label filters evaluated as Loki would after `| json`. Only what the alert needs."""
    def matches(op, actual, expected):
        if op in ("=", "=="):
            return actual == expected
        if op == "!=":
            return actual != expected
        if op == "=~":
            return re.fullmatch(expected, actual) is not None
        if op == "!~":
            return re.fullmatch(expected, actual) is None
        raise AssertionError(f"operator {op!r} not handled by this test")

    labels = {"service": str(record.get("service", "")), "level": str(record.get("level", ""))}
    for selector in described["selectors"]:
        if not all(matches(m["op"], labels.get(m["label"], ""), m["value"]) for m in selector):
            return False
    for line_filter in described["line_filters"]:
        op, value = line_filter["op"], line_filter["value"]
        found = {"|=": value in line, "!=": value not in line,
                 "|~": re.search(value, line) is not None,
                 "!~": re.search(value, line) is None}.get(op)
        assert found is not None, f"line filter {op!r} not handled by this test"
        if not found:
            return False
    extracted = {key: "" if value is None else str(value) for key, value in record.items()}
    extracted["__error__"] = ""
    for label_filter in described["label_filters"]:
        field, op, value = label_filter["field"], label_filter["op"], label_filter["value"]
        actual = extracted.get(field)
        if label_filter["kind"] == "number":
            if actual is None:
                return False
            number, limit = float(actual), float(value)
            ok = {">": number > limit, ">=": number >= limit, "<": number < limit,
                  "<=": number <= limit, "==": number == limit, "=": number == limit,
                  "!=": number != limit}[op]
        elif label_filter["kind"] == "string":
            ok = matches(op, actual or "", value)
        else:
            raise AssertionError(f"label filter kind {label_filter['kind']} not handled")
        if not ok:
            return False
    return True


def test_log_error_burst_alert_counts_exactly_the_real_5xx_lines(logql_parser, real_log):
    _records, lines = real_log
    alerts = [(path, rule) for path, _group, rule in loki_rules()
              if rule.get("alert") == "GlassboxLogErrorBurst"]
    assert len(alerts) == 1, "one Loki alert GlassboxLogErrorBurst (a burst of 5xx log lines)"
    path, rule = alerts[0]
    described = logql_parser([str(rule["expr"])])[0]
    assert described["ok"], described["errors"]
    assert not described["label_filter_or"], "this check handles only ANDed label filters"
    assert described["parsers"] == ["json"], described["parsers"]
    assert re.search(r"\)\s*>\s*[0-9.]+\s*$", described["expr"]), (
        "the alert expression should compare the count with a threshold: … > N")
    counted, missed = [], []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        status = record.get("status_code")
        kept = passes_pipeline(described, line, record)
        if kept:
            counted.append(record)
        elif isinstance(status, int) and status >= 500:
            missed.append(record)
    assert counted, f"deploy/loki/rules/{path}: the alert counts none of the real 5xx lines"
    assert not missed, f"the alert misses real 5xx lines: {missed[:2]}"
    wrong = [r for r in counted if not (isinstance(r.get("status_code"), int)
                                        and r["status_code"] >= 500)]
    assert not wrong, f"the alert counts lines that are not 5xx answers: {wrong[:2]}"


def js_regex_to_python(pattern: str) -> str:
    # JavaScript's named groups (?<name>…) are (?P<name>…) in Python; lookbehinds stay.
    return re.sub(r"\(\?<(?![=!])", "(?P<", pattern)


def test_loki_derived_field_extracts_the_real_trace_id(real_log):
    loki = datasource("loki")
    assert loki is not None, (
        "no Loki datasource with uid `loki` in deploy/grafana/provisioning/datasources/")
    fields = (loki.get("jsonData") or {}).get("derivedFields") or []
    to_tempo = [f for f in fields if f.get("datasourceUid") == "tempo"]
    assert to_tempo, f"the Loki datasource has no derived field linking to Tempo: {fields}"
    labels, metadata = alloy_labels_and_metadata()
    _records, lines = real_log
    access_lines = [(line, json.loads(line)) for line in lines
                    if '"Request completed"' in line]
    assert access_lines, "no access line on stdout"
    for field in to_tempo:
        matcher = grafana_provisioning_expand(str(field.get("matcherRegex", "")))
        if field.get("matcherType") == "label":
            # The value comes from a label or structured metadata of that name.
            assert matcher in metadata | labels, (
                f"derived field {field.get('name')!r} reads label {matcher!r}, which Alloy "
                f"does not set (structured metadata {sorted(metadata)}, labels {sorted(labels)})")
            for _line, record in access_lines:
                assert TRACE_ID.match(str(record.get(matcher, ""))), record
            continue
        regex = re.compile(js_regex_to_python(matcher))
        for line, record in access_lines:
            match = regex.search(line)
            assert match, f"derived field regex {matcher!r} finds nothing in the real line {line}"
            value = match.group(1) if regex.groups else match.group(0)
            assert value == record["trace_id"] and TRACE_ID.match(value), (
                f"derived field regex {matcher!r} extracts {value!r}, the line's trace_id is "
                f"{record['trace_id']!r}: {line}")


def test_tempo_trace_to_logs_link_finds_the_real_line_of_a_trace(logql_parser, real_log):
    tempo = datasource("tempo")
    assert tempo is not None, "no Tempo datasource with uid `tempo` is provisioned"
    link = (tempo.get("jsonData") or {}).get("tracesToLogsV2")
    assert link, "the Tempo datasource has no tracesToLogsV2 (trace -> logs link)"
    assert link.get("datasourceUid") == "loki", link
    labels, _metadata = alloy_labels_and_metadata()
    for tag in link.get("tags") or []:
        # {key: span/resource attribute, value: the Loki label it becomes}
        label = tag.get("value") or tag.get("key")
        assert label in labels, (
            f"tracesToLogsV2 maps {tag} to Loki label {label!r}; Alloy sets {sorted(labels)}")
    if not link.get("customQuery"):
        assert link.get("tags"), ("without a custom query the link selects streams by its "
                                  "tags: map service.name to the `service` label")
        return
    # With a real request's ids interpolated, the query keeps that request's line and no
    # other access line.
    _records, lines = real_log
    access = [(line, json.loads(line)) for line in lines if '"Request completed"' in line]
    line, record = access[len(access) // 2]
    expr = interpolate_trace_link(str(link.get("query", "")), record["trace_id"],
                                  record["span_id"], record["service"])
    described = logql_parser([expr])[0]
    assert described["ok"], f"{expr!r}: {described['errors']}"
    assert not described["label_filter_or"], expr
    kept = [other for other_line, other in access if passes_pipeline(described, other_line, other)]
    assert kept == [record], (
        f"the trace -> logs query {expr!r} keeps {len(kept)} access lines, not exactly the "
        f"one of trace {record['trace_id']}")


# ------------------------------------------------------------------------- config.alloy


def read_alloy_config() -> str:
    with open(ALLOY_CONFIG, encoding="utf-8") as f:
        return strip_alloy_comments(f.read())


def strip_alloy_comments(text: str) -> str:
    """Removes // and /* */ comments outside "strings" and `raw strings`."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c in "\"`":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if (c == '"' and text[j] == "\\") else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def balanced(text: str, open_at: int) -> str:
    """The text between the bracket at open_at and its partner (strings skipped)."""
    pairs = {"{": "}", "[": "]"}
    closing = pairs[text[open_at]]
    depth, i = 0, open_at
    while i < len(text):
        c = text[i]
        if c == '"':
            i += 1
            while i < len(text) and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif c == text[open_at]:
            depth += 1
        elif c == closing:
            depth -= 1
            if depth == 0:
                return text[open_at + 1:i]
        i += 1
    raise AssertionError(f"config.alloy: unbalanced {text[open_at]!r} at offset {open_at}")


def blocks(text: str, name: str) -> list:
    """Bodies of every `name { … }` or `name "label" { … }` block, in order."""
    out = []
    for match in re.finditer(rf'(?<![\w.]){re.escape(name)}\s*(?:"[^"]*"\s*)?\{{', text):
        out.append((match.start(), balanced(text, match.end() - 1)))
    return out


def one_block(text: str, name: str) -> str:
    found = blocks(text, name)
    assert len(found) == 1, f"config.alloy: expected one `{name}` block, found {len(found)}"
    return found[0][1]


def alloy_map(body: str, attribute: str) -> dict:
    """{key: string value} of `attribute = { key = "value", … }` inside a block body."""
    match = re.search(rf"(?<!\w){attribute}\s*=\s*\{{", body)
    assert match, f"config.alloy: no `{attribute} = {{ … }}` in: {body.strip()[:200]}"
    inner = balanced(body, match.end() - 1)
    entries = re.findall(r'("?[\w.\-]+"?)\s*=\s*"((?:[^"\\]|\\.)*)"', inner)
    return {key.strip('"'): value for key, value in entries}


def alloy_map_keys(body: str, attribute: str) -> list:
    return list(alloy_map(body, attribute))


def alloy_list(body: str, attribute: str) -> list:
    match = re.search(rf"(?<!\w){attribute}\s*=\s*\[", body)
    assert match, f"config.alloy: no `{attribute} = [ … ]` in: {body.strip()[:200]}"
    return re.findall(r'"((?:[^"\\]|\\.)*)"', balanced(body, match.end() - 1))


def alloy_string(body: str, attribute: str) -> str:
    match = re.search(rf'(?<!\w){attribute}\s*=\s*"((?:[^"\\]|\\.)*)"', body)
    assert match, f"config.alloy: no `{attribute} = \"…\"` in: {body.strip()[:200]}"
    return match.group(1)


# Go time layouts stage.timestamp may name, as regexes of what they parse. Go's parser
# accepts a fraction of a second after the seconds even when the layout has none.
GO_TIME_LAYOUTS = {
    "RFC3339": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$",
    "RFC3339Nano": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$",
    "2006-01-02T15:04:05.000Z07:00": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(Z|[+-]\d{2}:\d{2})$",
    "2006-01-02T15:04:05.999Z07:00": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$",
}


def test_alloy_pipeline_sets_exactly_service_and_level_as_labels():
    config = read_alloy_config()
    labels = set(alloy_map_keys(one_block(config, "stage.labels"), "values"))
    assert labels == EXPECTED_STREAM_LABELS, (
        f"config.alloy stage.labels sets {sorted(labels)}; the stream labels must be "
        f"exactly {sorted(EXPECTED_STREAM_LABELS)}")
    kept = set(alloy_list(one_block(config, "stage.label_keep"), "values"))
    assert kept == EXPECTED_STREAM_LABELS, (
        f"config.alloy stage.label_keep keeps {sorted(kept)}, not exactly the two labels")
    metadata = set(alloy_map_keys(one_block(config, "stage.structured_metadata"), "values"))
    assert EXPECTED_STRUCTURED_METADATA <= metadata, (
        f"config.alloy stage.structured_metadata sets {sorted(metadata)}: trace_id and "
        "span_id must be structured metadata")
    assert not (metadata & labels), f"both label and structured metadata: {metadata & labels}"
    assert "trace_id" not in labels and "span_id" not in labels
    for forbidden in ("stage.static_labels", "stage.pack"):
        assert not blocks(config, forbidden), f"config.alloy must not use {forbidden}"
    # Relabel rules may only make labels of the two names (the `service` fallback).
    targets = set(re.findall(r'target_label\s*=\s*"([^"]+)"', config))
    assert targets <= EXPECTED_STREAM_LABELS, f"relabel rules make labels {sorted(targets)}"
    assert not re.search(r"(?<!\w)(external_labels|labels)\s*=\s*\{",
                         "".join(b for _, b in blocks(config, "loki.source.docker")
                                 + blocks(config, "loki.write"))), (
        "loki.source.docker / loki.write must not add static labels")
    # Order: parse first; label_keep after the labels stage.
    position = {name: blocks(config, name)[0][0] for name in (
        "stage.json", "stage.timestamp", "stage.labels", "stage.structured_metadata",
        "stage.label_keep")}
    assert position["stage.json"] == min(position.values()), position
    assert position["stage.label_keep"] > position["stage.labels"], position


def test_alloy_pipeline_wiring():
    config = read_alloy_config()
    docker = one_block(config, "discovery.docker")
    assert alloy_string(docker, "host") == "unix:///var/run/docker.sock"
    source = one_block(config, "loki.source.docker")
    assert alloy_string(source, "host") == "unix:///var/run/docker.sock"
    assert re.search(r"targets\s*=\s*discovery\.relabel\.\w+\.output", source), (
        "loki.source.docker must read the relabelled (filtered) targets")
    assert re.search(r"forward_to\s*=\s*\[\s*loki\.process\.\w+\.receiver\s*\]", source)
    process = one_block(config, "loki.process")
    assert re.search(r"forward_to\s*=\s*\[\s*loki\.write\.\w+\.receiver\s*\]", process)
    write = one_block(config, "loki.write")
    assert alloy_string(write, "url") == "http://loki:3100/loki/api/v1/push"
    relabel = one_block(config, "discovery.relabel")
    assert re.search(r'action\s*=\s*"keep"', relabel), "discovery.relabel keeps no subset"
    json_fields = set(alloy_map_keys(one_block(config, "stage.json"), "expressions"))
    assert {"timestamp", "level", "service", "trace_id", "span_id"} <= json_fields, json_fields
    # Nothing else: Alloy only ships logs.
    for other in ("prometheus.scrape", "prometheus.remote_write", "otelcol.receiver.otlp"):
        assert not blocks(config, other), f"config.alloy has an unexpected {other} block"


# ----------------------------------------------------------------------------- Loki, Tempo


def test_loki_config_keeps_structured_metadata_and_enforces_retention():
    config = deploy_files.load_yaml(LOKI_CONFIG)
    assert config.get("auth_enabled") is False, "single tenant: auth_enabled must be false"
    limits = config.get("limits_config") or {}
    assert limits.get("allow_structured_metadata") is True, (
        "limits_config.allow_structured_metadata must be true: trace_id/span_id arrive as "
        f"structured metadata (limits_config: {limits})")
    assert re.fullmatch(r"\d+[hdw]", str(limits.get("retention_period", ""))), (
        f"limits_config.retention_period: {limits.get('retention_period')!r}")
    compactor = config.get("compactor") or {}
    assert compactor.get("retention_enabled") is True, (
        f"compactor.retention_enabled must be true or retention_period never deletes: {compactor}")
    assert compactor.get("delete_request_store"), (
        "compactor.delete_request_store is required (Loki 3) when retention is enabled")
    schemas = (config.get("schema_config") or {}).get("configs") or []
    assert schemas and schemas[-1].get("store") == "tsdb" and schemas[-1].get("schema") == "v13", (
        "structured metadata needs the tsdb store with schema v13")
    ruler = config.get("ruler") or {}
    assert ruler.get("alertmanager_url") == "http://alertmanager:9093", ruler
    storage = ruler.get("storage") or {}
    assert storage.get("type") == "local" and (storage.get("local") or {}).get("directory"), (
        storage)
    assert ruler.get("rule_path") != storage["local"]["directory"], (
        "ruler.rule_path (scratch) must differ from the rules directory")


def test_loki_rules_are_in_the_single_tenant_folder_and_complete():
    rules = loki_rules()
    assert rules, "no Loki ruler rule in deploy/loki/rules"
    alerts = [r for _path, _group, r in rules if "alert" in r]
    assert alerts, "no Loki alert rule (a burst of 5xx log lines)"
    runbook = open(RUNBOOK, encoding="utf-8").read() if os.path.exists(RUNBOOK) else None
    anchors = set()
    if runbook is not None:
        for heading in re.findall(r"^#+\s+(.+?)\s*#*\s*$", runbook, re.M):
            anchors.add(re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-"))
    for path, group, rule in rules:
        # auth_enabled: false -> the ruler's only tenant is "fake": rules/fake/<file>.
        assert path.split(os.sep)[0] == "fake" and path.count(os.sep) == 1, (
            f"deploy/loki/rules/{path}: the ruler reads only rules/fake/*.yml")
        if "alert" not in rule:
            assert re.fullmatch(r"[a-zA-Z_:][a-zA-Z0-9_:]*", str(rule.get("record", ""))), rule
            continue
        name = rule["alert"]
        assert rule.get("for"), f"{name}: no `for:`"
        assert (rule.get("labels") or {}).get("severity") in SEVERITIES, f"{name}: severity"
        annotations = rule.get("annotations") or {}
        for key in ("summary", "description", "runbook_url"):
            assert annotations.get(key), f"{name}: no {key} annotation"
        assert annotations["runbook_url"] == RUNBOOK_URL + name.lower(), (
            f"{name}: runbook_url {annotations['runbook_url']!r}")
        assert runbook is not None, f"{RUNBOOK} is missing ({name} links to it)"
        assert name.lower() in anchors, f"docs/runbook.md has no section `{name}` (anchor #{name.lower()})"


def test_tempo_receivers_listen_on_all_interfaces_and_metrics_reach_prometheus():
    config = deploy_files.load_yaml(TEMPO_CONFIG)
    assert (config.get("server") or {}).get("http_listen_port") == 3200, config.get("server")
    protocols = (((config.get("distributor") or {}).get("receivers") or {})
                 .get("otlp") or {}).get("protocols") or {}
    # Since Tempo 2.7 an unset endpoint means localhost: unreachable from other containers.
    assert (protocols.get("grpc") or {}).get("endpoint") == "0.0.0.0:4317", protocols
    assert (protocols.get("http") or {}).get("endpoint") == "0.0.0.0:4318", protocols
    generator = config.get("metrics_generator") or {}
    remote_write = (generator.get("storage") or {}).get("remote_write") or []
    assert any(w.get("url") == "http://prometheus:9090/api/v1/write" and w.get("send_exemplars")
               for w in remote_write), remote_write
    processors = set((((config.get("overrides") or {}).get("defaults") or {})
                      .get("metrics_generator") or {}).get("processors") or [])
    assert {"service-graphs", "span-metrics"} <= processors, (
        f"overrides.defaults.metrics_generator.processors: {sorted(processors)}")
