"""Turns results.json into tables (medians with min–max, ratios to Glassbox per round), the
targets of issue 6 with met/missed, and a gnuplot chart."""

import statistics
import subprocess
from pathlib import Path

FULL = "glassbox_full"
BEGIN, END = "<!-- bench-load:begin -->", "<!-- bench-load:end -->"
MIB = 2 ** 20


def _spread(values: list[float]) -> tuple[float, float, float] | None:
    values = [v for v in values if v is not None]
    if not values:
        return None
    return statistics.median(values), min(values), max(values)


def _fmt(spread, digits: int = 0, scale: float = 1.0, separator: str = ",") -> str:
    if spread is None:
        return "n/a"
    median, low, high = (v / scale for v in spread)
    number = f"{{:{separator}.{digits}f}}" if separator else f"{{:.{digits}f}}"
    if len(set(round(v, digits) for v in (median, low, high))) == 1:
        return number.format(median)
    return f"{number.format(median)} ({number.format(low)}–{number.format(high)})"


def _per_round(rounds: list[dict], name: str, pick) -> list:
    return [pick(r[name]) for r in rounds if name in r]


def _ratio_per_round(rounds, numerator, denominator, pick) -> list[float]:
    ratios = []
    for measured in rounds:
        if numerator in measured and denominator in measured:
            top, bottom = pick(measured[numerator]), pick(measured[denominator])
            if top is not None and bottom:
                ratios.append(top / bottom)
    return ratios


def rate(m):
    return m["load"]["requests_per_second"]


def scrape_ms(m):
    return m.get("scrape", {}).get("median_ms")


def summarize(results: dict) -> dict:
    rounds = results["rounds"]
    summary = {}
    for name in results["peers"]:
        if not _per_round(rounds, name, lambda m: m):
            continue
        summary[name] = {
            "rate": _spread(_per_round(rounds, name, rate)),
            "ratio": _spread(_ratio_per_round(rounds, FULL, name, rate)),
            "p50": _spread(_per_round(rounds, name, lambda m: m["load"]["p50_ms"])),
            "p99": _spread(_per_round(rounds, name, lambda m: m["load"]["p99_ms"])),
            "errors": sum(_per_round(rounds, name, lambda m: m["load"]["errors"])),
            "requests": sum(_per_round(rounds, name, lambda m: m["load"]["requests"])),
            "rss_idle": _spread(_per_round(rounds, name, lambda m: m["rss_idle_bytes"])),
            "rss_after": _spread(_per_round(rounds, name, lambda m: m["rss_after_bytes"])),
            "scrape_ms": _spread(_per_round(rounds, name, scrape_ms)),
            "scrape_bytes": _spread(_per_round(rounds, name,
                                               lambda m: m.get("scrape", {}).get("bytes"))),
            "cpu_peer": _spread(_per_round(rounds, name, lambda m: m["load"]["cpu_seconds"]["peer"]
                                           / m["load"]["wall_seconds"])),
            "cpu_others": _spread(_per_round(
                rounds, name,
                lambda m: m["load"]["cpu_seconds"]["others"] / m["load"]["wall_seconds"])),
            "cpu_sink": _spread(_per_round(
                rounds, name,
                lambda m: m["load"]["cpu_seconds"].get("sink", 0) / m["load"]["wall_seconds"])),
            "cpu_interrupts": _spread(_per_round(
                rounds, name,
                lambda m: m["load"]["cpu_seconds"].get("interrupts", 0) / m["load"]["wall_seconds"])),
            "cpu_wrk": _spread(_per_round(
                rounds, name,
                lambda m: m["load"]["cpu_seconds"]["wrk"] / m["load"]["wall_seconds"])),
            "cpu_us_per_request": _spread(_per_round(
                rounds, name, lambda m: m["load"]["cpu_seconds"]["peer"] * 1e6
                / (m["load"]["requests_per_second"] * m["load"]["wall_seconds"]))),
            "attempts": sum(_per_round(rounds, name, lambda m: len(m.get("attempts", [1])))),
            "fixed_p50": _spread(_per_round(
                rounds, name, lambda m: m.get("fixed_rate", {}).get("latency_us", {}).get("p50"))),
            "fixed_p99": _spread(_per_round(
                rounds, name, lambda m: m.get("fixed_rate", {}).get("latency_us", {}).get("p99"))),
            "fixed_p999": _spread(_per_round(
                rounds, name,
                lambda m: m.get("fixed_rate", {}).get("latency_us", {}).get("p999"))),
            "fixed_rate": _spread(_per_round(
                rounds, name, lambda m: m.get("fixed_rate", {}).get("target_rate"))),
            "fixed_lag_p99": _spread(_per_round(
                rounds, name, lambda m: m.get("fixed_rate", {}).get("send_lag_us", {}).get("p99"))),
        }
    summary["_scrape_ratio_go"] = _spread(_ratio_per_round(rounds, FULL, "go", scrape_ms))
    # The same comparison with neither side pinned (decisions/010): both share every core.
    summary["_unpinned_ratio_go"] = _spread(_ratio_per_round(
        rounds, "glassbox_full_unpinned", "go_unpinned", rate))
    return summary


def targets(results: dict, summary: dict) -> list[tuple[str, str, bool | None]]:
    def ratio_target(peer, goal, text):
        entry = summary.get(peer)
        spread = entry if peer.startswith("_") else (entry or {}).get("ratio")
        if spread is None:
            return (text, "not measured", None)
        return (text, f"{_fmt(spread, 2)}×", spread[0] >= goal)

    rows = [ratio_target("nginx", 0.60, "≥ 0.60 × nginx (fixed body)"),
            ratio_target("go", 1.5, "≥ 1.5 × Go net/http + client_golang"),
            ratio_target("_unpinned_ratio_go", 1.5,
                         "≥ 1.5 × Go, both sharing every core with wrk (not a target row: "
                         "for comparison)"),
            ratio_target("fastapi_1", 30, "≥ 30 × FastAPI, 1 worker"),
            ratio_target("glassbox_off", 0.85, "full telemetry ÷ telemetry off ≥ 0.85"),
            ratio_target("glassbox_tracing_off", 0.95, "tracing on ÷ tracing off ≥ 0.95")]
    p99 = summary.get(FULL, {}).get("fixed_p99")
    rows.append(("p99 at half the maximum rate ≤ 2 ms",
                 f"{_fmt(p99, 2, 1000, '')} ms at {_fmt(summary[FULL]['fixed_rate'])} req/s"
                 if p99 else "not measured", p99[0] <= 2000 if p99 else None))
    rss = results.get("rss_after_requests", {})
    if FULL in rss and "go" in rss:
        ours, go = rss[FULL]["rss_after_bytes"], rss["go"]["rss_after_bytes"]
        rows.append((f"RSS after {results['settings']['rss_requests']:,} requests ≤ 1.5 × Go's",
                     f"{ours / MIB:.1f} MiB vs {go / MIB:.1f} MiB: {ours / go:.2f}×",
                     ours <= 1.5 * go))
    else:
        rows.append(("RSS after 1,000,000 requests ≤ 1.5 × Go's", "not measured", None))
    ratio = summary.get("_scrape_ratio_go")
    if ratio:
        ours, go = summary[FULL]["scrape_ms"], summary["go"]["scrape_ms"]
        rows.append(("/metrics scrape after load no slower than Go's",
                     f"{_fmt(ours, 3, separator='')} ms vs {_fmt(go, 3, separator='')} ms: "
                     f"{_fmt(ratio, 2)}×", ratio[0] <= 1.0))
    else:
        rows.append(("/metrics scrape after load no slower than Go's", "not measured", None))
    return rows


def _telemetry_lines(results: dict) -> list[str]:
    lines = []
    for index, measured in enumerate(results["rounds"], 1):
        for name in (FULL, "glassbox_full_unpinned"):
            m = measured.get(name)
            if not m:
                continue
            t = m.get("telemetry", {})
            sink = m.get("otlp_sink", {})
            lines.append(
                f"| {index} | {results['peers'][name]['label']} | "
                f"{int(t.get('http_requests_total') or 0):,} | "
                f"{m.get('access_log_records') or 0:,} | "
                f"{int(t.get('glassbox_log_records_dropped_total') or 0):,} | "
                f"{int(t.get('glassbox_spans_exported_total') or 0):,} | "
                f"{int(t.get('glassbox_spans_dropped_total') or 0):,} | "
                f"{sink.get('requests', 0):,} | {sink.get('bytes', 0) / MIB:.1f} |")
    return lines


def _cpus(cpus: list | None) -> str:
    return ",".join(str(c) for c in cpus) if cpus else "any"


def markdown(results: dict, summary: dict) -> str:
    settings, peers = results["settings"], results["peers"]
    out = [f"Run of {results['started_at']}: {settings['rounds']} interleaved rounds, "
           f"`wrk {settings['wrk']} -d{settings['duration_seconds']:g}s` on "
           f"`GET {settings['path']}` after a {settings['warmup_seconds']:g} s warm-up; load "
           f"average {' '.join(f'{v:.2f}' for v in results['load_average_before'])} before, "
           f"{' '.join(f'{v:.2f}' for v in results['load_average_after'])} after; "
           f"{results['elapsed_seconds'] / 60:.1f} minutes in all. Medians over the rounds, "
           "(min–max) beside them; ratios computed per round, then medianed. "
           f"Peers on CPU {_cpus(settings.get('server_cpus'))}; wrk, the fixed-rate client and "
           f"the OTLP sink on CPU {_cpus(settings.get('client_cpus'))} (the peer marked as "
           "sharing every core excepted).", "",
           "| peer | req/s | Glassbox full ÷ peer | p50 ms | p99 ms | errors | RSS idle MiB "
           "| RSS after MiB | `/metrics` ms | `/metrics` KiB |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, s in summary.items():
        if name.startswith("_"):
            continue
        out.append(
            f"| {peers[name]['label']} | {_fmt(s['rate'])} | "
            f"{_fmt(s['ratio'], 2 if s['ratio'] and s['ratio'][0] < 10 else 0)} | "
            f"{_fmt(s['p50'], 3, separator='')} | {_fmt(s['p99'], 2, separator='')} | "
            f"{s['errors']:,} | {_fmt(s['rss_idle'], 1, MIB)} | {_fmt(s['rss_after'], 1, MIB)} | "
            f"{_fmt(s['scrape_ms'], 3, separator='')} | {_fmt(s['scrape_bytes'], 1, 1024)} |")
    out += ["", "\\* Glassbox has no switch for its metrics: \"telemetry off\" is "
            "`OTEL_TRACES_EXPORTER=none LOG_LEVEL=error` (no span export, no access log), metrics "
            "still on.", "", "**Targets (issue 6)**", "", "| target | measured | |",
            "| --- | --- | --- |"]
    for text, value, met in targets(results, summary):
        out.append(f"| {text} | {value} | {'met' if met else 'missed' if met is False else '—'} |")
    out += ["", "**Open-loop fixed rate** (`bench/load/fixed_rate.cpp`, 50 connections, latency "
            "from each request's due time; the client's own send lag shows it kept up)", "",
            "| peer | rate req/s | p50 ms | p99 ms | p99.9 ms | client send lag p99 ms |",
            "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, s in summary.items():
        if name.startswith("_") or s["fixed_p99"] is None:
            continue
        out.append(f"| {peers[name]['label']} | {_fmt(s['fixed_rate'])} | "
                   f"{_fmt(s['fixed_p50'], 3, 1000, '')} | {_fmt(s['fixed_p99'], 2, 1000, '')} | "
                   f"{_fmt(s['fixed_p999'], 2, 1000, '')} | "
                   f"{_fmt(s['fixed_lag_p99'], 2, 1000, '')} |")
    rss = results.get("rss_after_requests", {})
    if rss:
        out += ["", f"**RSS after {settings['rss_requests']:,} requests** (fresh process, "
                "`wrk -t1 -c50` until that many were answered)", "",
                "| peer | requests | errors | RSS idle MiB | RSS after MiB |",
                "| --- | ---: | ---: | ---: | ---: |"]
        for name, r in rss.items():
            out.append(f"| {peers[name]['label']} | {r['requests']:,} | {r['errors']:,} | "
                       f"{r['rss_idle_bytes'] / MIB:.1f} | {r['rss_after_bytes'] / MIB:.1f} |")
    out += ["", "**CPU during the measured runs** (cores; \"interrupts\" is the kernel's "
            "irq/softirq time, mostly loopback packets, which it accounts to no process; "
            "\"other work\" is every other task on the machine; a run that saw more than "
            f"{settings.get('foreign_limit_cores', 0.15)} cores of other work was measured "
            "again and the less disturbed attempt counts)", "",
            "| peer | peer | peer µs CPU per request | wrk | OTLP sink | interrupts | other work "
            "| attempts, all rounds |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, s in summary.items():
        if not name.startswith("_"):
            out.append(f"| {peers[name]['label']} | {_fmt(s['cpu_peer'], 2, separator='')} | "
                       f"{_fmt(s['cpu_us_per_request'], 1, separator='')} | "
                       f"{_fmt(s['cpu_wrk'], 2, separator='')} | "
                       f"{_fmt(s['cpu_sink'], 2, separator='')} | "
                       f"{_fmt(s['cpu_interrupts'], 2, separator='')} | "
                       f"{_fmt(s['cpu_others'], 2, separator='')} | {s['attempts']} |")
    telemetry = _telemetry_lines(results)
    if telemetry:
        out += ["", "**What full telemetry produced** (whole session: warm-up, runs, scrapes; "
                "counters read at a last scrape before the stop, the access log and the OTLP sink "
                "after the stop, which flushes both)", "",
                "| round | peer | requests (`http_requests_total`) | access-log records "
                "| log records dropped | spans exported | spans dropped | OTLP requests "
                "| OTLP MiB |",
                "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"] + telemetry
    machine = results["machine"]
    versions = machine["versions"]
    out += ["", f"**Machine:** {machine['cpus']} × {machine['cpu_model']}"
            f"{' (' + machine['hypervisor'] + ' guest)' if machine['hypervisor'] else ''}, "
            f"{machine['memory_gib']} GiB, Linux {machine['kernel']}, Debian {machine['debian']}.",
            "", f"**Versions:** {versions['glassbox']} ({versions['gcc']}); "
            f"{versions['nginx']}; {versions['go']}, client_golang {versions['client_golang']}; "
            f"Python {versions['python']}, FastAPI {versions['fastapi']}, uvicorn "
            f"{versions['uvicorn']} (h11, no uvloop/httptools in Debian), Starlette "
            f"{versions['starlette']}, prometheus_client {versions['prometheus_client']}; "
            f"{versions['wrk']}; {versions['gnuplot']}."]
    if results.get("incomplete"):
        out.insert(1, f"\n**Incomplete run:** {results['incomplete']}.")
    return "\n".join(out) + "\n"


def chart(results: dict, summary: dict, out: Path, docs: Path) -> None:
    docs.mkdir(parents=True, exist_ok=True)
    data = docs / "load.dat"
    rows = ["# index label req/s(median min max) p99_ms(median min max)"]
    for index, (name, s) in enumerate(
            (n, s) for n, s in summary.items() if not n.startswith("_")):
        label = results["peers"][name].get("short") or results["peers"][name]["label"]
        rows.append(f"{index} \"{label}\" {s['rate'][0]:.0f} {s['rate'][1]:.0f} "
                    f"{s['rate'][2]:.0f} {s['p99'][0]:.3f} {s['p99'][1]:.3f} {s['p99'][2]:.3f}")
    data.write_text("\n".join(rows) + "\n")
    script = out / "load.gp"
    script.write_text(f"""set terminal pngcairo size 1200,560 font "DejaVu Sans,10" noenhanced
set output "{docs / 'load.png'}"
set multiplot layout 1,2 title "GET /api/users/1, wrk -t1 -c50, loopback, 2 cores ({results['started_at'][:10]}; medians, bars min-max)"
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.7 border -1
set boxwidth 0.8
set xtics rotate by 30 right nomirror
set grid ytics
set key off
set bmargin 8
set lmargin 9
set title "Requests per second"
set yrange [0:*]
set format y "%.0s%c"
plot "{data}" using 3:4:5:xtic(2) lc rgb "#4477aa", \\
     "" using 1:3:(sprintf("%.0f", $3)) with labels offset 0,0.8 font ",8"
set title "p99 latency (ms, log scale)"
set logscale y
set yrange [0.1:*]
set format y "%g"
plot "{data}" using 6:7:8:xtic(2) lc rgb "#cc6677", \\
     "" using 1:6:(sprintf("%.2f", $6)) with labels offset 0,0.8 font ",8"
unset multiplot
""")
    subprocess.run(["gnuplot", str(script)], check=True, timeout=60)


def write(results: dict, out: Path, root: Path, update_docs: bool) -> None:
    summary = summarize(results)
    text = markdown(results, summary)
    (out / "report.md").write_text(text)
    chart(results, summary, out, root / "docs" / "benchmarks" if update_docs else out)
    if update_docs:
        page = root / "docs" / "benchmarks.md"
        current = page.read_text()
        if BEGIN in current and END in current:
            head, rest = current.split(BEGIN, 1)
            tail = rest.split(END, 1)[1]
            page.write_text(f"{head}{BEGIN}\n{text}{END}{tail}")
        else:
            page.write_text(current.rstrip("\n") + f"\n\n{BEGIN}\n{text}{END}\n")
