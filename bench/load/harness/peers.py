"""The peers `make bench-load` compares, and how each is built, started and prepared."""

import http.client
import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from . import procs

LOAD_DIR = Path(__file__).resolve().parent.parent  # bench/load
ROOT = LOAD_DIR.parent.parent
USER_PATH = "/api/users/1"


@dataclass
class Peer:
    name: str           # key in the results
    label: str          # as the table shows it
    kind: str           # nginx | go | fastapi | glassbox
    env: dict = field(default_factory=dict)
    workers: int = 1
    has_metrics: bool = True
    exports_spans: bool = False
    short: str = ""     # as the chart shows it
    pinned: bool = True  # on procs.SERVER_CPUS, its wrk on procs.CLIENT_CPUS


PEERS = [
    Peer("glassbox_full", "Glassbox, full telemetry", "glassbox", exports_spans=True,
         short="Glassbox full"),
    # Every peer runs on the server cores and wrk on the client core (procs.SERVER_CPUS);
    # this one shares all cores with wrk, as an unpinned run would (decisions/010).
    Peer("glassbox_full_unpinned", "Glassbox, full telemetry, sharing every core with wrk",
         "glassbox", exports_spans=True, pinned=False, short="Glassbox full, unpinned"),
    Peer("glassbox_tracing_off", "Glassbox, tracing off", "glassbox",
         env={"OTEL_TRACES_EXPORTER": "none"}, short="Glassbox tracing off"),
    Peer("glassbox_off", "Glassbox, telemetry off*", "glassbox",
         env={"OTEL_TRACES_EXPORTER": "none", "LOG_LEVEL": "error"},
         short="Glassbox telemetry off"),
    Peer("nginx", "nginx, fixed body", "nginx", has_metrics=False, short="nginx"),
    Peer("go", "Go net/http + client_golang", "go", short="Go"),
    Peer("go_unpinned", "Go net/http + client_golang, sharing every core with wrk", "go",
         pinned=False, short="Go, unpinned"),
    Peer("fastapi_1", "FastAPI + uvicorn, 1 worker", "fastapi", workers=1, short="FastAPI 1 worker"),
    Peer("fastapi_2", "FastAPI + uvicorn, 2 workers", "fastapi", workers=2,
         short="FastAPI 2 workers"),
]


def base_env() -> dict:
    """A small environment: nothing of the caller's GLASSBOX_*/OTEL_*/... settings leaks in."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TERM")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


class Builds:
    """Builds the Go peer, the OTLP sink and the fixed-rate client into build/bench-load/bin."""

    def __init__(self, out: Path):
        self.bin = out / "bin"
        self.go_cache = out / "go-cache"

    def build(self) -> None:
        self.bin.mkdir(parents=True, exist_ok=True)
        env = base_env() | {"GO111MODULE": "off", "GOPATH": "/usr/share/gocode",
                            "GOCACHE": str(self.go_cache), "GOFLAGS": ""}
        for target, source in (("go-peer", "go"), ("otlp-sink", "otlp-sink")):
            subprocess.run(["go", "build", "-o", str(self.bin / target), f"./bench/load/{source}"],
                           cwd=ROOT, env=env, check=True, timeout=600)
        subprocess.run(["c++", "-std=c++20", "-O2", "-Wall", "-Wextra", "-Werror", "-o",
                        str(self.bin / "fixed_rate"), str(LOAD_DIR / "fixed_rate.cpp")],
                       check=True, timeout=300)

    @property
    def fixed_rate(self) -> str:
        return str(self.bin / "fixed_rate")


def start_sink(builds: Builds, directory: Path) -> procs.Started:
    port = procs.free_port()
    sink = procs.start("otlp-sink", [str(builds.bin / "otlp-sink"), "-addr", f"127.0.0.1:{port}"],
                       directory, port, base_env(), client_side=True)
    procs.wait_ready(sink, "/stats")
    return sink


def sink_stats(sink: procs.Started) -> dict:
    connection = http.client.HTTPConnection("127.0.0.1", sink.port, timeout=5)
    connection.request("GET", "/stats")
    stats = json.loads(connection.getresponse().read())
    connection.close()
    return stats


def start(peer: Peer, builds: Builds, directory: Path, sink_port: int) -> procs.Started:
    """Starts the peer on a free loopback port and returns once it answers GET /health."""
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    port = procs.free_port()
    env = base_env()
    if peer.kind == "nginx":
        template = (LOAD_DIR / "nginx.conf.in").read_text()
        config = directory / "nginx.conf"
        config.write_text(template.replace("@PREFIX@", str(directory)).replace("@PORT@", str(port)))
        argv = ["nginx", "-p", str(directory), "-e", str(directory / "error.log"), "-c", str(config)]
        started = procs.start(peer.name, argv, directory, port, env, pinned=peer.pinned)
    elif peer.kind == "go":
        argv = [str(builds.bin / "go-peer"), "-addr", f"127.0.0.1:{port}",
                "-log", str(directory / "access.log")]
        started = procs.start(peer.name, argv, directory, port, env, pinned=peer.pinned)
    elif peer.kind == "fastapi":
        env["ACCESS_LOG_FILE"] = str(directory / "access.log")
        if peer.workers > 1:
            (directory / "prometheus-multiproc").mkdir()
            env["PROMETHEUS_MULTIPROC_DIR"] = str(directory / "prometheus-multiproc")
        # `uvicorn app:app --workers N --no-access-log`, with TCP_NODELAY (see serve.py).
        argv = ["/usr/bin/python3", "serve.py", "127.0.0.1", str(port), str(peer.workers)]
        started = procs.start(peer.name, argv, directory, port, env, cwd=LOAD_DIR / "fastapi",
                              pinned=peer.pinned)
    else:
        env |= {"GLASSBOX_HOST": "127.0.0.1", "GLASSBOX_PORT": str(port),
                "DATABASE_URL": f"sqlite://{directory / 'glassbox.db'}",
                "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{sink_port}",
                "OTEL_TRACES_SAMPLER": "parentbased_always_on", "LOG_LEVEL": "info"}
        env |= peer.env
        # The access log is stdout (CONTRACT.md): redirected to a file.
        started = procs.start(peer.name, [str(ROOT / "build/release/glassbox")], directory, port,
                              env, stdout_name="access.log", pinned=peer.pinned)
    try:
        procs.wait_ready(started)
        if peer.kind == "glassbox":
            create_user(started)
    except BaseException:
        procs.stop(started)
        raise
    return started


def create_user(started: procs.Started) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", started.port, timeout=5)
    connection.request("POST", "/api/users", json.dumps({"name": "Ada", "email": "ada@example.com"}),
                       {"Content-Type": "application/json"})
    response = connection.getresponse()
    body = json.loads(response.read())
    connection.close()
    if response.status != 201 or body.get("id") != 1:
        raise RuntimeError(f"{started.name}: POST /api/users answered {response.status} {body}")


def access_log_lines(started: procs.Started) -> int | None:
    """How many "Request completed" records the peer's access-log file holds."""
    path = started.directory / "access.log"
    if not path.exists():
        return None
    pattern, count, carry = b'"Request completed"', 0, b""
    with open(path, "rb") as log:
        while chunk := log.read(1 << 20):
            data = carry + chunk
            count += data.count(pattern)
            # Keep a tail too short to hold the whole pattern: a match across the chunk
            # boundary is found next time, and none is counted twice.
            carry = data[-(len(pattern) - 1):]
    return count
