"""The local stack and the traffic generator, run for real: `scripts/stack up` starts
glassbox, Prometheus, Alertmanager and node-exporter on free loopback ports with the rules
of deploy/prometheus/rules; `make load` sends the traffic mix and Prometheus sees it;
`make stack-down` stops exactly what `up` started and nothing else."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from deploy_files import prometheus_rules
from glassbox import (LOOPBACK, REPO_ROOT, binary_path, clean_environment, deltas, free_port,
                      scrape, scrape_until, wait_until)

STACK = os.path.join(REPO_ROOT, "scripts", "stack")
LOAD = os.path.join(REPO_ROOT, "scripts", "load")
NAMES = ("node-exporter", "alertmanager", "glassbox", "prometheus")
PORT_SETTINGS = {"glassbox": "STACK_GLASSBOX_PORT", "prometheus": "STACK_PROMETHEUS_PORT",
                 "alertmanager": "STACK_ALERTMANAGER_PORT",
                 "node-exporter": "STACK_NODE_EXPORTER_PORT"}
PROGRAMS = {"node-exporter": "/usr/bin/prometheus-node-exporter",
            "alertmanager": "/usr/bin/prometheus-alertmanager",
            "prometheus": "/usr/bin/prometheus"}
JOBS = {"glassbox", "node", "alertmanager", "prometheus"}
SUMMARY = re.compile(r"^load done in (?P<seconds>[\d.]+)s: sent (?P<sent>\d+) \(2xx (?P<s2>\d+), "
                     r"4xx (?P<s4>\d+), 5xx (?P<s5>\d+)\), errors (?P<errors>\d+), "
                     r"skipped (?P<skipped>\d+), (?P<rate>[\d.]+) req/s, .*"
                     r"ws (?P<ws>\d+) \(", re.M)
STATUSES = re.compile(r"^load statuses: (?P<list>.*)$", re.M)


# ------------------------------------------------------------------------------ helpers

def run(argv, env=None, timeout=120):
    return subprocess.run(argv, cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout)


def proc_state_and_start(pid):
    """(state letter, start time) from /proc/PID/stat, or None when the PID is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return fields[0], fields[19]


def running(pid, start_time):
    """The process with this PID and start time still runs (a zombie has exited: this
    machine's init does not always reap the orphans it inherits)."""
    found = proc_state_and_start(pid)
    return found is not None and found[0] != "Z" and found[1] == start_time


def command_line(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return [part.decode("utf-8", "replace") for part in f.read().split(b"\0") if part]
    except OSError:
        return []


def processes_naming(text):
    """PIDs of live processes whose command line mentions `text`."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid() and \
                any(text in part for part in command_line(int(entry))):
            out.append(int(entry))
    return out


def listening_addresses(pid):
    """The local addresses of the TCP sockets the process listens on."""
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        return []
    out = []
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        with open(table, encoding="ascii") as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                    address, port = fields[1].split(":")
                    assert len(address) == width
                    raw = bytes.fromhex(address)
                    if width == 8:
                        host = socket.inet_ntop(socket.AF_INET, raw[::-1])
                    else:  # four little-endian 32-bit words
                        words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
                        host = socket.inet_ntop(socket.AF_INET6, words)
                    out.append((host, int(port, 16)))
    return out


def http_get(url, timeout=5.0):
    """(status, body) of a GET; HTTP errors are answers too."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def port_open(port):
    try:
        with socket.create_connection((LOOPBACK, port), timeout=1):
            return True
    except OSError:
        return False


class Stack:
    """One scripts/stack state dir with its own free ports; `down` at teardown whatever
    the test did, then SIGKILL for any recorded process that still runs (by PID, and only
    while its start time is the recorded one)."""

    def __init__(self, binary=None):
        self.dir = tempfile.mkdtemp(prefix="glassbox-stack-")
        ports = set()
        while len(ports) < len(NAMES):
            ports.add(free_port())
        self.ports = dict(zip(NAMES, sorted(ports)))
        self.env = clean_environment({
            "GLASSBOX_BINARY": binary or binary_path(),
            "STACK_DIR": self.dir,
            "STACK_START_TIMEOUT": "60",
            "STACK_STOP_TIMEOUT": "15",
            **{PORT_SETTINGS[name]: port for name, port in self.ports.items()}})
        self.seen = {}  # name -> (pid, start time), every PID file ever read

    def url(self, name, path=""):
        return f"http://{LOOPBACK}:{self.ports[name]}{path}"

    def stack(self, command, timeout=120):
        return run([STACK, command], env=self.env, timeout=timeout)

    def make(self, *args, timeout=120):
        return run(["make", "-s", "--no-print-directory", *args], env=self.env,
                   timeout=timeout)

    def pid_files(self):
        out = {}
        for name in NAMES:
            path = os.path.join(self.dir, f"{name}.pid")
            if os.path.exists(path):
                with open(path, encoding="utf-8") as f:
                    pid, start_time, recorded_name = f.read().split()
                assert recorded_name == name, f"{path}: {recorded_name}"
                out[name] = (int(pid), start_time)
        self.seen.update(out)
        return out

    def prometheus(self, path, **params):
        status, body = http_get(self.url("prometheus", f"/api/v1/{path}?"
                                         + urllib.parse.urlencode(params)))
        answer = json.loads(body)
        assert status == 200 and answer["status"] == "success", (path, params, answer)
        return answer["data"]

    def query(self, expr):
        return [(item["metric"], float(item["value"][1]))
                for item in self.prometheus("query", query=expr)["result"]]

    def log_tails(self):
        out = []
        for name in NAMES:
            try:
                with open(os.path.join(self.dir, f"{name}.log"), encoding="utf-8",
                          errors="replace") as f:
                    out.append(f"--- {name}.log ---\n" + "".join(f.readlines()[-15:]))
            except OSError:
                pass
        return "\n".join(out)

    def teardown(self):
        try:
            self.pid_files()
            self.stack("down", timeout=60)
        finally:
            for name, (pid, start_time) in self.seen.items():
                if running(pid, start_time):
                    os.kill(pid, signal.SIGKILL)
            shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def stack():
    created = []

    def _make(**kwargs):
        created.append(Stack(**kwargs))
        return created[-1]

    yield _make
    for one in created:
        one.teardown()


def parse_summary(output):
    match = SUMMARY.search(output)
    assert match, f"no final summary line in:\n{output}"
    statuses = {}
    listed = STATUSES.search(output)
    assert listed, f"no statuses line in:\n{output}"
    for item in listed.group("list").split(", "):
        if item != "none":
            code, count = item.split()
            statuses[code] = int(count)
    return {k: float(v) if k in ("seconds", "rate") else int(v)
            for k, v in match.groupdict().items()}, statuses


# ------------------------------------------------------------------------------ the stack

@pytest.mark.time_limit(300)
def test_stack_up_serves_the_rules_and_the_load_and_down_leaves_nothing(stack):
    s = stack()
    up = s.stack("up")
    assert up.returncode == 0, f"up failed:\n{up.stdout}\n{up.stderr}\n{s.log_tails()}"
    for name in NAMES:
        assert s.url(name) in up.stdout, f"up does not print the URL of {name}:\n{up.stdout}"

    # Every process recorded, alive, the program asked for, listening on loopback only.
    pids = s.pid_files()
    assert set(pids) == set(NAMES), pids
    for name, (pid, start_time) in pids.items():
        assert running(pid, start_time), f"{name} (PID {pid}) is not running"
        argv = command_line(pid)
        expected = PROGRAMS.get(name, s.env["GLASSBOX_BINARY"])
        assert os.path.realpath(f"/proc/{pid}/exe") == os.path.realpath(expected), (name, argv)
        assert any(s.dir in part for part in argv), (name, argv)
        listening = listening_addresses(pid)
        assert (LOOPBACK, s.ports[name]) in listening, (name, listening)
        assert all(host == LOOPBACK for host, _ in listening), (
            f"{name} listens beyond loopback: {listening}")

    # Each URL answers.
    status, body = http_get(s.url("glassbox", "/health"))
    assert status == 200 and json.loads(body) == {"status": "ok"}, body
    status, body = http_get(s.url("prometheus", "/-/ready"))
    assert status == 200, body
    status, body = http_get(s.url("alertmanager", "/api/v2/status"))
    assert status == 200, body
    assert json.loads(body)["cluster"]["status"] == "disabled", body
    status, body = http_get(s.url("node-exporter", "/metrics"))
    assert status == 200 and b"node_uname_info" in body, body[:300]

    # Prometheus scrapes the four jobs on loopback, all up, and sends alerts to this
    # Alertmanager.
    targets = s.prometheus("targets", state="active")["activeTargets"]
    assert {t["labels"]["job"] for t in targets} == JOBS, targets
    for target in targets:
        assert target["health"] == "up", target
        assert urllib.parse.urlsplit(target["scrapeUrl"]).hostname == LOOPBACK, target
    managers = s.prometheus("alertmanagers")["activeAlertmanagers"]
    assert [m["url"] for m in managers] == [s.url("alertmanager", "/api/v2/alerts")], managers

    # Every rule of deploy/prometheus/rules is loaded from there, and evaluates cleanly.
    expected_rules = {(r.group, r.name) for r in prometheus_rules()}
    assert "GlassboxDown" in {name for _, name in expected_rules}

    def evaluated_rules():
        groups = s.prometheus("rules")["groups"]
        loaded = {(g["name"], r["name"]): r for g in groups for r in g["rules"]}
        if any(r["health"] == "unknown" for r in loaded.values()):
            return None  # not evaluated yet
        return groups, loaded
    groups, loaded = wait_until(evaluated_rules, 30, interval=0.2,
                                message="every rule evaluated once")
    rules_dir = os.path.join(REPO_ROOT, "deploy", "prometheus", "rules")
    for group in groups:
        assert os.path.dirname(group["file"]) == rules_dir, group["file"]
    assert set(loaded) == expected_rules
    for key, rule in loaded.items():
        assert rule["health"] == "ok", (key, rule.get("lastError"))
    assert "GlassboxDown" in {name for _, name in loaded}

    # A second `up` is refused and changes nothing.
    again = s.stack("up")
    assert again.returncode != 0, again.stdout
    assert "already running" in again.stderr, again.stderr
    assert s.pid_files() == pids

    # `make load` for a short bounded run; Prometheus then has the traffic.
    load = s.make("load", "RATE=100", "DURATION=5", f"TARGET={s.url('glassbox')}", timeout=60)
    assert load.returncode == 0, f"{load.stdout}\n{load.stderr}"
    summary, statuses = parse_summary(load.stdout)
    assert 5.0 <= summary["seconds"] < 15.0, summary
    assert 400 <= summary["sent"] <= 500, summary  # open loop: a busy machine may shed some
    assert summary["errors"] == 0 and summary["s5"] == 0, load.stdout
    assert summary["s2"] > 0 and summary["s4"] > 0, summary
    assert summary["ws"] >= 1, summary
    assert {"200", "201", "404", "409", "422", "400"} <= set(statuses), statuses
    answered = summary["sent"] - summary["errors"]

    wanted = {("/api/users", "200"), ("/api/users", "201"), ("/api/users", "400"),
              ("/api/users", "409"), ("/api/users", "422"), ("/api/users/{id}", "200"),
              ("/api/users/{id}", "404"), ("/compute/{n}", "200"), ("unmatched", "404"),
              ("/health", "200"), ("/ready", "200"), ("/ws/events", "101")}

    def traffic_seen():
        series = s.query('sum by (route, status) (http_requests_total{job="glassbox"})')
        seen = {(m["route"], m["status"]) for m, _ in series}
        total = sum(v for m, v in series if m["route"] != "/metrics")
        return (seen if wanted <= seen and total >= answered else None)
    seen = wait_until(traffic_seen, 30, interval=0.5,
                      message=f"http_requests_total in Prometheus for {sorted(wanted)}")
    assert len({route for route, _ in seen}) >= 6, seen

    # `make stack-down` stops every recorded process, and only those.
    pids = s.pid_files()
    down = s.make("stack-down", timeout=90)
    assert down.returncode == 0, f"{down.stdout}\n{down.stderr}"
    for name, (pid, start_time) in pids.items():
        assert f"stopped {name} (PID {pid})" in down.stdout, down.stdout
        assert not running(pid, start_time), f"{name} (PID {pid}) still runs"
    assert s.pid_files() == {}, os.listdir(s.dir)
    assert processes_naming(s.dir) == [], "processes left with the state dir in their argv"
    for name, port in s.ports.items():
        assert not port_open(port), f"{name}'s port {port} still answers"

    second = s.stack("down")
    assert second.returncode == 0, second.stderr
    assert "nothing to stop" in second.stdout, second.stdout


@pytest.mark.time_limit(120)
def test_a_failed_start_stops_what_it_had_started(stack):
    # /bin/false exits at once in the place of glassbox, after node-exporter and
    # Alertmanager have started.
    s = stack(binary="/bin/false")
    up = s.stack("up")
    assert up.returncode != 0, up.stdout
    assert "glassbox exited" in up.stderr, up.stderr
    assert "stopped node-exporter" in up.stderr and "stopped alertmanager" in up.stderr, (
        up.stderr)
    assert s.pid_files() == {}, os.listdir(s.dir)
    assert processes_naming(s.dir) == []


def test_up_refuses_a_port_in_use_and_starts_nothing(stack):
    s = stack()
    with socket.socket() as busy:
        busy.bind((LOOPBACK, s.ports["prometheus"]))
        busy.listen()
        up = s.stack("up")
    assert up.returncode != 0, up.stdout
    assert "STACK_PROMETHEUS_PORT" in up.stderr and "in use" in up.stderr, up.stderr
    assert s.pid_files() == {} and processes_naming(s.dir) == []


def test_down_signals_only_the_processes_it_recorded(stack):
    s = stack()
    sleeper = [sys.executable, "-c", "import time; time.sleep(120)"]
    children = {
        # Recorded rightly: down stops it.
        "glassbox": subprocess.Popen([*sleeper, s.dir]),
        # The PID's start time is not the recorded one (a PID reused by another program).
        "prometheus": subprocess.Popen([*sleeper, s.dir]),
        # Right start time but its command line does not name the state dir.
        "alertmanager": subprocess.Popen(sleeper),
    }
    try:
        for name, child in children.items():
            wait_until(lambda: s.dir in " ".join(command_line(child.pid))
                       or name == "alertmanager", 10, message="child exec'd")
            state, start_time = proc_state_and_start(child.pid)
            if name == "prometheus":
                start_time = str(int(start_time) + 1)
            with open(os.path.join(s.dir, f"{name}.pid"), "w", encoding="utf-8") as f:
                f.write(f"{child.pid} {start_time} {name}\n")
        down = s.stack("down", timeout=60)
        assert down.returncode == 0, down.stderr
        assert children["glassbox"].wait(10) == -signal.SIGTERM
        assert children["prometheus"].poll() is None, "down signalled an unrecorded process"
        assert children["alertmanager"].poll() is None, "down signalled an unrecorded process"
        assert "stopped glassbox" in down.stdout, down.stdout
        for name in ("prometheus", "alertmanager"):
            assert f"{name} no longer runs, or its PID is now another program's" in down.stdout, (
                down.stdout)
        assert s.pid_files() == {}
    finally:
        for child in children.values():
            if child.poll() is None:
                child.kill()
            child.wait(10)


# ------------------------------------------------------------------------------ the load

@pytest.mark.parametrize("target", ["http://192.0.2.10:8080", "http://10.0.0.1",
                                    "http://example.com:8080", "http://[2001:db8::1]:8080"])
def test_load_refuses_a_target_that_is_not_loopback(target):
    result = run([LOAD, "--target", target, "--duration", "1"], timeout=30)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "--target" in result.stderr and "loopback" in result.stderr, result.stderr
    assert "--allow-remote" in result.stderr, result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("argv, setting", [(["--rate", "2001"], "--rate"),
                                           (["--rate", "0"], "--rate"),
                                           (["--rate", "-5"], "--rate"),
                                           (["--duration", "3601"], "--duration"),
                                           (["--duration", "0"], "--duration"),
                                           (["--concurrency", "1000"], "--concurrency")])
def test_load_refuses_settings_out_of_bounds(argv, setting):
    result = run([LOAD, *argv], timeout=30)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"{setting} " in result.stderr and "out of bounds" in result.stderr, result.stderr


def test_load_fails_clearly_when_the_target_does_not_answer():
    port = free_port()  # nothing listens there
    result = run([LOAD, "--target", f"http://127.0.0.1:{port}", "--duration", "1"], timeout=30)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"cannot reach http://127.0.0.1:{port}/health" in result.stderr, result.stderr


@pytest.mark.time_limit(120)
def test_load_runs_at_its_rate_for_its_time_and_reports_what_the_service_counted(start_server):
    server = start_server(env={"DATABASE_URL": "sqlite://:memory:"})
    before = scrape(server)
    started = time.monotonic()
    result = run([LOAD, "--target", server.base_url, "--rate", "200", "--duration", "3"],
                 timeout=60)
    took = time.monotonic() - started
    assert result.returncode == 0, result.stdout + result.stderr
    summary, statuses = parse_summary(result.stdout)
    assert took < 3 + 10, f"load ran {took:.1f}s for a 3 s duration"
    assert 480 <= summary["sent"] <= 600 and summary["errors"] == 0, summary
    assert 150 <= summary["rate"] <= 205, summary
    assert sum(statuses.values()) == summary["sent"], (statuses, summary)
    assert summary["s2"] == sum(n for code, n in statuses.items() if code.startswith("2"))
    assert summary["s4"] == sum(n for code, n in statuses.items() if code.startswith("4"))
    assert {"200", "201", "204", "400", "404", "409", "422"} <= set(statuses), statuses

    # The service counted exactly that, plus load's own reachability check (GET /health)
    # and its WebSocket handshakes (101).
    expected = dict(statuses)
    expected["200"] = expected.get("200", 0) + 1
    if summary["ws"]:
        expected["101"] = summary["ws"]

    def counted(exposition):
        changes = deltas(before, exposition, "http_requests_total", ("method", "route", "status"),
                         skip=lambda key: key[1] == "/metrics")
        by_status = {}
        for (_, _, status), n in changes.items():
            by_status[status] = by_status.get(status, 0) + int(n)
        return by_status
    after = scrape_until(server, lambda e: counted(e) == expected)
    assert counted(after) == expected
