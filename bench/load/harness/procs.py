"""Processes the harness starts: loopback ports, start, readiness, RSS and CPU of a process
tree, and a stop that signals only the processes this harness started (the started one and
its own descendants, found through the session it leads)."""

import http.client
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# Niceness of everything the harness starts (peers, sink, wrk, the fixed-rate client): below
# the default, so that other work on a shared machine takes less from the measurement. All
# of them get the same value; set_priority(0) turns it off.
_priority = {"nice": -5}


def set_priority(nice: int) -> None:
    _priority["nice"] = nice


def raise_priority() -> None:
    """preexec_fn for subprocess: applies the niceness, when this process may."""
    if _priority["nice"]:
        try:
            os.setpriority(os.PRIO_PROCESS, 0, _priority["nice"])
        except OSError:
            pass


def _split_cpus() -> tuple[set, set]:
    """The cores of the peer under test, and those of the load generator and the OTLP sink:
    the last allowed core for the client side, the others for the server. On one core both
    share it."""
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) < 2:
        return set(allowed), set(allowed)
    return set(allowed[:-1]), {allowed[-1]}


# Without pinning, wrk and the server share every core and the scheduler's placement changes
# from run to run; pinned, each peer gets the same budget. The OTLP sink, which stands for a
# collector elsewhere, runs beside the load generator, so that a peer pays for its own
# telemetry and not for the receiver's (docs/decisions/010-bench-pinning.md).
SERVER_CPUS, CLIENT_CPUS = _split_cpus()


def _preexec(cpus: set | None):
    def prepare() -> None:
        raise_priority()
        if cpus is not None:
            os.sched_setaffinity(0, cpus)
    return prepare


def server_preexec(pinned: bool = True):
    """preexec_fn for a peer or the sink: the niceness, and the server cores when pinned."""
    return _preexec(SERVER_CPUS if pinned else None)


def client_preexec(pinned: bool = True):
    """preexec_fn for wrk and the fixed-rate client: the niceness, and the client core."""
    return _preexec(CLIENT_CPUS if pinned else None)


def free_port() -> int:
    """A loopback port nobody listens on right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may hold spaces: split after its end.
    return text[text.rindex(")") + 2:].split()


def session_pids(leader: int) -> list[int]:
    """The leader and every live process in its session (start_new_session=True)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _stat_fields(int(entry))
        # fields[0] is the state (field 3 of stat), fields[3] the session id (field 6).
        if fields is not None and fields[0] != "Z" and int(fields[3]) == leader:
            pids.append(int(entry))
    return sorted(pids)


def rss_bytes(pids: list[int]) -> int:
    """Sum of VmRSS over the processes (each counts its shared pages too, as ps does)."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the live processes have used."""
    ticks = 0
    for pid in pids:
        fields = _stat_fields(pid)
        if fields is not None:
            ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return ticks / CLOCK_TICKS


def system_cpu_seconds() -> dict:
    """CPU time of all CPUs since boot (/proc/stat): "tasks" (user, nice, system — what
    processes and kernel threads ran — plus steal, time the hypervisor gave elsewhere) and
    "interrupts" (irq, softirq: here mostly loopback packet processing, which the kernel
    accounts to no process)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values[:8]
    return {"tasks": (user + nice + system + steal) / CLOCK_TICKS,
            "interrupts": (irq + softirq) / CLOCK_TICKS}


def wait_quiet(ours: list[int], threshold: float, longest: float) -> dict:
    """Waits (up to `longest` seconds, in 1 s steps) until the machine's CPU use outside the
    processes `ours` stays under `threshold` cores for a second. Returns what it saw."""
    began = time.monotonic()
    while True:
        busy, mine = system_cpu_seconds()["tasks"], cpu_seconds(ours)
        time.sleep(1.0)
        foreign = (system_cpu_seconds()["tasks"] - busy) - (cpu_seconds(ours) - mine)
        waited = time.monotonic() - began
        if foreign <= threshold or waited >= longest:
            return {"waited_seconds": round(waited, 1), "foreign_cores": round(foreign, 2)}


@dataclass
class Started:
    name: str
    process: subprocess.Popen
    directory: Path
    port: int
    logs: list = field(default_factory=list)
    pinned: bool = True  # on SERVER_CPUS, its load generator on CLIENT_CPUS

    @property
    def pids(self) -> list[int]:
        return session_pids(self.process.pid)


def start(name: str, argv: list[str], directory: Path, port: int, env: dict,
          cwd: Path | None = None, stdout_name: str = "stdout.log",
          pinned: bool = True, client_side: bool = False) -> Started:
    """Starts a process in its own session; pinned, on SERVER_CPUS (CLIENT_CPUS when it is
    `client_side`, as the OTLP sink is)."""
    directory.mkdir(parents=True, exist_ok=True)
    stdout = open(directory / stdout_name, "wb")
    stderr = open(directory / "stderr.log", "wb")
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr,
                               env=env, cwd=cwd or directory, start_new_session=True,
                               preexec_fn=(client_preexec if client_side else server_preexec)(
                                   pinned))
    return Started(name, process, directory, port, [stdout, stderr], pinned)


def wait_ready(started: Started, path: str = "/health", timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if started.process.poll() is not None:
            raise RuntimeError(f"{started.name} exited with {started.process.returncode} before "
                               f"it was ready (see {started.directory})")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", started.port, timeout=1)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                connection.close()
                return
            connection.close()
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{started.name} not ready on port {started.port} after {timeout} s")


def stop(started: Started, timeout: float = 15.0) -> float:
    """SIGTERM to the started process, then SIGKILL to what is left of its session.
    Returns the seconds the clean stop took."""
    began = time.monotonic()
    family = started.pids
    if started.process.poll() is None:
        started.process.send_signal(signal.SIGTERM)
        try:
            started.process.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
    elapsed = time.monotonic() - began
    deadline = time.monotonic() + 5
    while True:
        left = [pid for pid in family if pid in session_pids(started.process.pid)]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if started.process.poll() is None:
        started.process.kill()
        started.process.wait()
    for log in started.logs:
        log.close()
    return elapsed
