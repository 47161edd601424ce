"""The machine and the versions of everything measured, for the report."""

import os
import platform
import re
import subprocess
from pathlib import Path


def _run(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "unavailable"
    return (done.stdout + done.stderr).strip()


def _dpkg_version(package: str) -> str:
    return _run(["dpkg-query", "-W", "-f=${Version}", package])


def describe(glassbox: Path) -> dict:
    lscpu = _run(["lscpu"])
    model = re.search(r"^Model name:\s+(.+)$", lscpu, re.M)
    hypervisor = re.search(r"^Hypervisor vendor:\s+(.+)$", lscpu, re.M)
    memory = re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.M)
    python = "/usr/bin/python3"
    python_versions = _run([python, "-c",
                            "import sys, fastapi, uvicorn, starlette, prometheus_client as p; "
                            "print(sys.version.split()[0], fastapi.__version__, "
                            "uvicorn.__version__, starlette.__version__)"]).split()
    return {
        "cpu_model": model[1] if model else platform.processor(),
        "hypervisor": hypervisor[1] if hypervisor else None,
        "cpus": os.cpu_count(),
        "memory_gib": round(int(memory[1]) / 1024 / 1024, 1) if memory else None,
        "kernel": platform.release(),
        "debian": Path("/etc/debian_version").read_text().strip()
        if Path("/etc/debian_version").exists() else None,
        "versions": {
            "glassbox": _run([str(glassbox), "--version"]),
            "gcc": _run(["c++", "--version"]).splitlines()[0],
            "nginx": _run(["nginx", "-v"]).replace("nginx version: ", ""),
            "go": _run(["go", "version"]),
            "client_golang": _dpkg_version("golang-github-prometheus-client-golang-dev"),
            "python": python_versions[0] if len(python_versions) == 4 else "unavailable",
            "fastapi": python_versions[1] if len(python_versions) == 4 else "unavailable",
            "uvicorn": python_versions[2] if len(python_versions) == 4 else "unavailable",
            "starlette": python_versions[3] if len(python_versions) == 4 else "unavailable",
            "prometheus_client": _dpkg_version("python3-prometheus-client"),
            "wrk": _run(["wrk", "--version"]).splitlines()[0].split(" [")[0],
            "gnuplot": _run(["gnuplot", "--version"]),
        },
    }


def load_average() -> list[float]:
    return [float(v) for v in Path("/proc/loadavg").read_text().split()[:3]]
