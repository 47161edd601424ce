"""What the harness measures on a running peer: a closed-loop wrk run (rate, latency,
errors, CPU), a /metrics scrape (time and size), and an open-loop fixed-rate run."""

import http.client
import json
import re
import resource
import statistics
import subprocess
import time

from . import procs

WRK_CONNECTIONS = 50
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def parse_wrk(output: str) -> dict:
    """wrk 4.1 `--latency` report: Requests/sec, the 50/75/90/99 % lines of the latency
    distribution, `N requests in`, and the error lines wrk prints only when non-zero."""
    result = {"requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1]),
              "requests": int(re.search(r"(\d+) requests in", output)[1])}
    for percent, value in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)$", output, re.M):
        result[f"p{percent}_ms"] = _ms(value)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    result["non_2xx"] = int(non_2xx[1]) if non_2xx else 0
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    result["socket_errors"] = sum(int(n) for n in socket_errors.groups()) if socket_errors else 0
    result["errors"] = result["non_2xx"] + result["socket_errors"]
    return result


class CpuMeter:
    """CPU used, during one measurement, by the peer, the load generator (a child of this
    process), a helper (the OTLP sink), every other task on the machine ("others"), and
    interrupt processing ("interrupts": loopback packets, accounted to no process)."""

    def __init__(self, started: procs.Started, helper: procs.Started | None):
        self.started, self.helper = started, helper
        self.peer = procs.cpu_seconds(started.pids)
        self.helped = procs.cpu_seconds(helper.pids) if helper else 0.0
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.children = children.ru_utime + children.ru_stime
        self.system = procs.system_cpu_seconds()
        self.began = time.monotonic()

    def read(self) -> dict:
        wall = time.monotonic() - self.began
        system = procs.system_cpu_seconds()
        busy = system["tasks"] - self.system["tasks"]
        interrupts = system["interrupts"] - self.system["interrupts"]
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        generator = children.ru_utime + children.ru_stime - self.children
        peer = procs.cpu_seconds(self.started.pids) - self.peer
        helped = procs.cpu_seconds(self.helper.pids) - self.helped if self.helper else 0.0
        return {"wall_seconds": round(wall, 3),
                "cpu_seconds": {"peer": round(peer, 2), "wrk": round(generator, 2),
                                "sink": round(helped, 2),
                                "others": round(max(0.0, busy - peer - generator - helped), 2),
                                "interrupts": round(interrupts, 2),
                                "capacity": round(wall * (procs.os.cpu_count() or 1), 2)}}


def wrk(started: procs.Started, path: str, seconds: float, latency: bool = True,
        helper: procs.Started | None = None) -> dict:
    """One `wrk -t1 -c50` run, with the CPU it and everything else used (CpuMeter)."""
    argv = ["wrk", "-t1", f"-c{WRK_CONNECTIONS}", f"-d{seconds:g}s"]
    if latency:
        argv.append("--latency")
    argv.append(f"http://127.0.0.1:{started.port}{path}")
    meter = CpuMeter(started, helper)
    run = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30, check=True,
                         preexec_fn=procs.client_preexec(started.pinned))
    result = parse_wrk(run.stdout)
    result.update(meter.read(), wrk_output=run.stdout)
    return result


def scrape(started: procs.Started, path: str = "/metrics", count: int = 15) -> dict:
    """Times `count` GETs of the metrics path on one keep-alive connection (after 3 that are
    not counted, when count > 1): the median and spread of the time to the last byte, the
    body size, and the last body."""
    connection = http.client.HTTPConnection("127.0.0.1", started.port, timeout=10)
    times_ms, body = [], b""
    warmup = 3 if count > 1 else 0
    for attempt in range(count + warmup):
        began = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - began) * 1000
        if response.status != 200:
            raise RuntimeError(f"{started.name}: GET {path} answered {response.status}")
        if attempt >= warmup:
            times_ms.append(elapsed)
    connection.close()
    return {"median_ms": round(statistics.median(times_ms), 3),
            "min_ms": round(min(times_ms), 3), "max_ms": round(max(times_ms), 3),
            "bytes": len(body), "lines": body.count(b"\n"), "body": body.decode(errors="replace")}


def metric_value(exposition: str, name: str, labels: str = "") -> float | None:
    """Sum of the samples of `name` whose label set contains `labels` (a substring)."""
    total, found = 0.0, False
    for line in exposition.splitlines():
        if line.startswith(name) and (line[len(name)] in " {") and labels in line:
            total += float(line.rsplit(" ", 1)[1])
            found = True
    return total if found else None


def fixed_rate(client: str, started: procs.Started, path: str, rate: float,
               seconds: float, warmup: float = 1.0, helper: procs.Started | None = None) -> dict:
    """An open-loop run (bench/load/fixed_rate.cpp); its send lag in the result shows how
    punctual the client was."""
    argv = [client, str(started.port), path, f"{rate:.0f}", f"{seconds:g}",
            str(WRK_CONNECTIONS), f"{warmup:g}"]
    meter = CpuMeter(started, helper)
    run = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + warmup + 30,
                         check=True, preexec_fn=procs.client_preexec(started.pinned))
    result = json.loads(run.stdout)
    result.update(meter.read())
    return result


def drive(started: procs.Started, path: str, requests: int, rate_hint: float) -> dict:
    """wrk runs until at least `requests` requests were answered; returns the totals."""
    done, runs, errors = 0, 0, 0
    while done < requests and runs < 20:
        seconds = max(2, min(30, int((requests - done) / max(rate_hint, 1000)) + 1))
        result = wrk(started, path, seconds, latency=False)
        done += result["requests"]
        errors += result["errors"]
        rate_hint = result["requests_per_second"]
        runs += 1
    return {"requests": done, "errors": errors, "wrk_runs": runs}
