"""compose.yaml, Dockerfile and .env.example: what `docker compose up -d` relies on, checked
without a Docker engine.

- Debian's Compose v1 validator accepts the file with the variables of .env.example, and
  refuses it, naming the variable, when a password is missing (passwords are required,
  never defaulted).
- Every host path a service mounts or builds from exists in the repository.
- Images are pinned to exact tags; only Grafana, the API and Prometheus publish ports,
  on 127.0.0.1; health checks and depends_on conditions are where they can be.
- No literal secret in compose.yaml; the service runs non-root on a read-only root.
- The Dockerfile is multi-stage, non-root, health-checked, and installs the shared
  libraries the real binary needs (read from the binary with readelf, mapped to Debian
  packages with dpkg); its build stage, replayed outside Docker (COPY lines + the cmake
  configure command), reaches every source file the `glassbox` target is built from.
- Cross-file facts: config paths in commands are mounted, Tempo's OTLP receivers listen on
  0.0.0.0, Grafana's dashboard provider and Loki's ruler read where compose mounts.

Each structural check is a function returning a list of problems; the `*_catches_*` tests
feed it a deliberately broken copy and require a complaint, so no check passes vacuously.
"""

from __future__ import annotations

import copy
import glob
import os
import re
import shutil
import subprocess

import pytest
import yaml

from deploy_files import DEPLOY, REPO_ROOT, load_yaml
from glassbox import binary_path

COMPOSE_PATH = os.path.join(REPO_ROOT, "compose.yaml")
DOCKERFILE_PATH = os.path.join(REPO_ROOT, "Dockerfile")
ENV_EXAMPLE_PATH = os.path.join(REPO_ROOT, ".env.example")
DOCKERIGNORE_PATH = os.path.join(REPO_ROOT, ".dockerignore")
VALIDATOR_TIMEOUT = 60

# Compose variables without which the stack must not start.
REQUIRED_VARIABLES = {"POSTGRES_PASSWORD", "GRAFANA_ADMIN_PASSWORD"}
PUBLISHING_SERVICES = {"glassbox": 8080, "grafana": 3000, "prometheus": 9090}
# Host paths outside the repository that a service mounts on purpose.
HOST_PATHS = {
    "/": "node-exporter reads the host's root filesystem (--path.rootfs=/host)",
    "/var/run/docker.sock": "Alloy discovers containers and reads their logs via the Docker API",
    "/dev/null": "default file of the optional Alertmanager channel secrets (empty until the "
                 "operator points the .env variable at a real file)",
}
# Secret files the operator must create before the first start (never committed). None:
# the passwords come from .env and the optional secrets default to /dev/null, so
# `cp .env.example .env` is all a first start needs.
OPERATOR_CREATED_FILES: dict = {}
NO_HEALTHCHECK = {
    "tempo": "distroless image (no shell, wget or curl) and Tempo 2.x has no self-check "
             "command; dependants use condition: service_started",
}
# PostgreSQL numbers its releases major.minor (16.11 is one release); every other image
# here uses major.minor.patch.
TWO_PART_VERSIONS = {"postgres"}
SECRET_NAME = re.compile(r"PASS|PASSWORD|SECRET|TOKEN|API_KEY|PRIVATE_KEY", re.IGNORECASE)
REQUIRED_REFERENCE = re.compile(r"\$\{(\w+):\?[^}]+\}")
# A whole value that is exactly one required reference, e.g. "${POSTGRES_PASSWORD:?...}".
ONLY_REQUIRED_REFERENCE = re.compile(r"\$\{\w+:\?[^}]+\}")
URL_PASSWORD = re.compile(r"://[^:/@\s]+:([^@\s]+)@")
SECRET_ASSIGNMENT = re.compile(r"^[\s-]*([\w.]+)\s*[:=][ \t]*(\S.*)$", re.M)


def load_compose() -> dict:
    return load_yaml(COMPOSE_PATH)


def compose_text_without_comments() -> str:
    with open(COMPOSE_PATH, encoding="utf-8") as f:
        return "".join(line for line in f if not line.lstrip().startswith("#"))


def env_example() -> dict:
    values = {}
    with open(ENV_EXAMPLE_PATH, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                name, _, value = line.partition("=")
                values[name.strip()] = value.strip()
    return values


def interpolate(text: str, values: dict) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?message} with `values`; $$ stays $."""
    def replace(match):
        name, operator, rest = match.group(1), match.group(2), match.group(3)
        value = values.get(name, "")
        if operator == ":-" and not value:
            return rest
        return value
    text = re.sub(r"(?<!\$)\$\{(\w+)(?:(:-|:\?)([^}]*))?\}", replace, text)
    return text.replace("$$", "$")


# ------------------------------------------------------------------ Compose v1 validator


def run_validator(env_file: str, tmp_path) -> subprocess.CompletedProcess:
    # Neither the shell's values of these variables nor a developer's .env may make the
    # check pass: they are dropped from the environment, and --env-file replaces .env.
    environment = {k: v for k, v in os.environ.items() if k not in env_example()}
    return subprocess.run(["docker-compose", "-f", COMPOSE_PATH, "--env-file", env_file,
                           "config", "-q"], capture_output=True, text=True, cwd=tmp_path,
                          env=environment, timeout=VALIDATOR_TIMEOUT, check=False)


def test_compose_validates_with_the_variables_of_env_example(tmp_path):
    env_file = tmp_path / "env"
    shutil.copy(ENV_EXAMPLE_PATH, env_file)
    result = run_validator(str(env_file), tmp_path)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("variable", sorted(REQUIRED_VARIABLES))
def test_compose_refuses_to_start_without_each_password(variable, tmp_path):
    env_file = tmp_path / "env"
    kept = [line for line in open(ENV_EXAMPLE_PATH, encoding="utf-8")
            if not line.startswith(variable + "=")]
    env_file.write_text("".join(kept), encoding="utf-8")
    result = run_validator(str(env_file), tmp_path)
    assert result.returncode != 0, f"compose.yaml starts without {variable}"
    assert variable in result.stderr, result.stderr


def test_required_variables_are_the_passwords_and_env_example_sets_every_variable():
    text = compose_text_without_comments()
    assert set(REQUIRED_REFERENCE.findall(text)) == REQUIRED_VARIABLES
    read = set(re.findall(r"(?<!\$)\$\{(\w+)", text))
    missing = read - set(env_example())
    assert not missing, f".env.example lacks {sorted(missing)}"


# ------------------------------------------------------------------------ structural checks


def bind_sources(compose: dict, values: dict) -> list:
    """[(service or section, host path as written, resolved absolute path)]."""
    out = []

    def add(owner, source):
        source = interpolate(str(source), values)
        resolved = source if os.path.isabs(source) else os.path.normpath(
            os.path.join(os.path.dirname(COMPOSE_PATH), source))
        out.append((owner, source, resolved))

    for name, service in compose.get("services", {}).items():
        for volume in service.get("volumes", []) or []:
            if isinstance(volume, dict):
                if volume.get("type") == "bind":
                    add(name, volume["source"])
            else:
                source = str(volume).split(":", 1)[0]
                if source.startswith((".", "/", "~")):
                    add(name, source)
        build = service.get("build")
        if build is not None:
            context = build if isinstance(build, str) else build.get("context", ".")
            add(name, context)
            if isinstance(build, dict) and build.get("dockerfile"):
                add(name, os.path.join(context, build["dockerfile"]))
    for section in ("secrets", "configs"):
        for name, item in (compose.get(section) or {}).items():
            if "file" in item:
                add(f"{section}.{name}", item["file"])
    return out


def mount_problems(compose: dict) -> list:
    problems = []
    for owner, source, resolved in bind_sources(compose, env_example()):
        if os.path.isabs(source):
            if source not in HOST_PATHS:
                problems.append(f"{owner}: host path {source} is not in HOST_PATHS")
        elif os.path.basename(resolved) in OPERATOR_CREATED_FILES:
            continue
        elif not os.path.exists(resolved):
            problems.append(f"{owner}: {source} does not exist in the repository")
        elif os.path.commonpath([resolved, REPO_ROOT]) != REPO_ROOT:
            problems.append(f"{owner}: {source} is outside the repository")
    return problems


def image_problems(compose: dict) -> list:
    problems = []
    for name, service in compose["services"].items():
        image = service.get("image")
        if "build" in service:
            continue  # the image name only labels the local build
        if not image:
            problems.append(f"{name}: neither image nor build")
            continue
        repository, _, tag = image.rpartition(":")
        if not repository or "/" in tag:
            problems.append(f"{name}: {image} has no tag")
            continue
        parts = r"\d+\.\d+" if repository in TWO_PART_VERSIONS else r"\d+\.\d+\.\d+"
        if not re.fullmatch(r"v?" + parts + r"(-[a-z0-9]+)?", tag):
            problems.append(f"{name}: {image} is not an exact release tag")
    return problems


def port_problems(compose: dict) -> list:
    problems = []
    for name, service in compose["services"].items():
        if service.get("network_mode") == "host":
            problems.append(f"{name}: network_mode host bypasses the published-port rules")
        ports = service.get("ports") or []
        if ports and name not in PUBLISHING_SERVICES:
            problems.append(f"{name}: publishes {ports}; only {sorted(PUBLISHING_SERVICES)} may")
        if name in PUBLISHING_SERVICES and not ports:
            problems.append(f"{name}: publishes nothing")
        for port in ports:
            if isinstance(port, dict):
                host_ip, target = port.get("host_ip"), port.get("target")
            else:
                fields = str(port).split(":")
                host_ip = fields[0] if len(fields) == 3 else None
                target = fields[-1].split("/")[0]
            if host_ip != "127.0.0.1":
                problems.append(f"{name}: {port} does not bind 127.0.0.1")
            if name in PUBLISHING_SERVICES and int(target) != PUBLISHING_SERVICES[name]:
                problems.append(f"{name}: publishes container port {target}")
    return problems


def healthcheck_problems(compose: dict) -> list:
    problems = []
    for name, service in compose["services"].items():
        check = service.get("healthcheck")
        if name in NO_HEALTHCHECK:
            if check:
                problems.append(f"{name}: has a healthcheck now; drop it from NO_HEALTHCHECK")
            continue
        if not check or check.get("disable") or not check.get("test"):
            problems.append(f"{name}: no healthcheck")
        elif not isinstance(check["test"], list) or check["test"][0] not in ("CMD", "CMD-SHELL"):
            problems.append(f"{name}: healthcheck test should be a CMD/CMD-SHELL list")
    return problems


def depends_on_problems(compose: dict) -> list:
    problems = []
    services = compose["services"]
    for name, service in services.items():
        depends_on = service.get("depends_on")
        if depends_on is None:
            continue
        if not isinstance(depends_on, dict):
            problems.append(f"{name}: depends_on is a list (no conditions)")
            continue
        for dependency, spec in depends_on.items():
            condition = (spec or {}).get("condition")
            if dependency not in services:
                problems.append(f"{name}: depends on unknown service {dependency}")
            elif condition not in ("service_healthy", "service_started",
                                   "service_completed_successfully"):
                problems.append(f"{name}: depends on {dependency} without a condition")
            elif condition == "service_healthy" and not services[dependency].get("healthcheck"):
                problems.append(f"{name}: waits for {dependency} healthy; it has no healthcheck")
    return problems


def environment_items(service: dict) -> list:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        return [tuple(item.split("=", 1)) if "=" in item else (item, "") for item in environment]
    return [(k, "" if v is None else str(v)) for k, v in environment.items()]


def secret_problems(compose: dict, text: str) -> list:
    problems = []
    for name, service in compose["services"].items():
        for key, value in environment_items(service):
            if SECRET_NAME.search(key) and not key.endswith("_FILE") and \
                    not ONLY_REQUIRED_REFERENCE.fullmatch(value):
                problems.append(f"{name}: {key} is not a required ${{VAR:?...}} reference")
            for password in URL_PASSWORD.findall(value):
                if not ONLY_REQUIRED_REFERENCE.fullmatch(password):
                    problems.append(f"{name}: {key} has a literal password in its URL")
    for variable in re.findall(r"\$\{(\w+):-", text):
        if SECRET_NAME.search(variable) and not variable.endswith("_FILE"):
            problems.append(f"secret {variable} has a default value")
    # Anything else that looks like `…password: value` or `…PASSWORD=value` in any section.
    for key, value in SECRET_ASSIGNMENT.findall(text):
        value = value.strip().strip("'\"")
        if SECRET_NAME.search(key) and not key.upper().endswith("_FILE") and value and \
                not ONLY_REQUIRED_REFERENCE.fullmatch(value):
            problems.append(f"{key} has the literal value {value!r}")
    return problems


def docker_secret_problems(compose: dict) -> list:
    defined = set(compose.get("secrets") or {})
    used = set()
    problems = []
    for name, service in compose["services"].items():
        for secret in service.get("secrets", []) or []:
            source = secret["source"] if isinstance(secret, dict) else secret
            used.add(source)
            if source not in defined:
                problems.append(f"{name}: secret {source} is not defined")
    for secret in sorted(defined - used):
        problems.append(f"secret {secret} is defined but no service uses it")
    for secret, item in (compose.get("secrets") or {}).items():
        if not re.fullmatch(r"\$\{\w+_FILE:-[^}]+\}", str(item.get("file", ""))):
            problems.append(f"secret {secret}: file is not a ${{NAME_FILE:-default}} from .env")
    return problems


def glassbox_problems(compose: dict) -> list:
    service = compose["services"]["glassbox"]
    problems = []
    user = str(service.get("user", "")).split(":")[0]
    if user in ("", "0", "root"):
        problems.append(f"glassbox: user {user or 'unset'} (must be a non-root uid)")
    if service.get("read_only") is not True:
        problems.append("glassbox: read_only is not true")
    if not any(str(t).split(":")[0] == "/tmp" for t in service.get("tmpfs", []) or []):
        problems.append("glassbox: no tmpfs on /tmp")
    if "/health" not in " ".join(map(str, (service.get("healthcheck") or {}).get("test", []))):
        problems.append("glassbox: healthcheck does not ask /health")
    environment = dict(environment_items(service))
    if "@postgres:5432/" not in environment.get("DATABASE_URL", ""):
        problems.append("glassbox: DATABASE_URL does not point at the postgres service")
    if environment.get("OTEL_EXPORTER_OTLP_ENDPOINT") != "http://tempo:4318":
        problems.append("glassbox: OTEL_EXPORTER_OTLP_ENDPOINT is not http://tempo:4318")
    return problems


CHECKS = {
    "mounts": mount_problems,
    "images": image_problems,
    "ports": port_problems,
    "healthchecks": healthcheck_problems,
    "depends_on": depends_on_problems,
    "secrets": lambda compose: secret_problems(compose, yaml.safe_dump(compose, width=10**6)),
    "docker_secrets": docker_secret_problems,
    "glassbox": glassbox_problems,
}


@pytest.mark.parametrize("check", sorted(CHECKS))
def test_compose_passes(check):
    assert CHECKS[check](load_compose()) == []


def _set(path, value):
    def mutate(compose):
        node = compose
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return mutate


def _delete(path):
    def mutate(compose):
        node = compose
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
    return mutate


BREAKAGES = [
    ("mounts", _set(["services", "loki", "volumes"], ["./deploy/loki/missing.yml:/etc/x:ro"])),
    ("mounts", _set(["services", "loki", "volumes"], [{"type": "bind", "source": "/etc",
                                                        "target": "/x"}])),
    ("mounts", _set(["secrets"], {"pw": {"file": "./secrets/missing"}})),
    ("images", _set(["services", "loki", "image"], "grafana/loki:latest")),
    ("images", _set(["services", "loki", "image"], "grafana/loki")),
    ("images", _set(["services", "loki", "image"], "grafana/loki:3.7")),
    ("ports", _set(["services", "glassbox", "ports"], ["8080:8080"])),
    ("ports", _set(["services", "grafana", "ports"], [{"target": 3000, "published": 3000}])),
    ("ports", _set(["services", "loki", "ports"], ["127.0.0.1:3100:3100"])),
    ("healthchecks", _delete(["services", "prometheus", "healthcheck"])),
    ("healthchecks", _set(["services", "tempo", "healthcheck"], {"test": ["CMD", "true"]})),
    ("depends_on", _set(["services", "grafana", "depends_on"], ["prometheus"])),
    ("depends_on", _set(["services", "grafana", "depends_on"],
                        {"tempo": {"condition": "service_healthy"}})),
    ("secrets", _set(["services", "grafana", "environment", "GF_SECURITY_ADMIN_PASSWORD"],
                     "admin")),
    ("secrets", _set(["services", "glassbox", "environment", "DATABASE_URL"],
                     "postgresql://glassbox:hunter2@postgres:5432/glassbox")),
    ("secrets", _set(["services", "postgres", "environment", "POSTGRES_PASSWORD"],
                     "${POSTGRES_PASSWORD:-change-me}")),
    ("secrets", _set(["services", "postgres-exporter", "environment"],
                     ["DATA_SOURCE_PASS=hunter2"])),
    ("secrets", _set(["x-credentials"], {"smtp_password": "hunter2"})),
    ("secrets", _set(["secrets", "alertmanager_smtp_password", "file"],
                     "${ALERTMANAGER_SMTP_PASSWORD:-hunter2}")),
    ("docker_secrets", _set(["services", "alertmanager", "secrets"], ["alertmanager_smtp"])),
    ("docker_secrets", _set(["secrets", "alertmanager_smtp_password", "file"],
                            "./secrets/smtp_password")),
    ("glassbox", _set(["services", "glassbox", "user"], "0:0")),
    ("glassbox", _delete(["services", "glassbox", "read_only"])),
    ("glassbox", _set(["services", "glassbox", "environment", "OTEL_EXPORTER_OTLP_ENDPOINT"],
                      "http://localhost:4318")),
]


@pytest.mark.parametrize("check, breakage", BREAKAGES)
def test_each_compose_check_catches_a_broken_copy(check, breakage):
    broken = copy.deepcopy(load_compose())
    breakage(broken)
    assert CHECKS[check](broken), f"{check} passed a broken compose file"


# ------------------------------------------------------------------------ cross-file facts


def command_of(service: dict) -> list:
    command = service.get("command") or []
    return command.split() if isinstance(command, str) else [str(c) for c in command]


def container_targets(service: dict) -> list:
    targets = []
    for volume in service.get("volumes", []) or []:
        targets.append(volume["target"] if isinstance(volume, dict)
                       else str(volume).split(":")[1])
    return targets


def is_mounted(path: str, service: dict) -> bool:
    return any(path == t or path.startswith(t.rstrip("/") + "/") for t in container_targets(service))


def test_every_config_file_a_command_names_is_mounted():
    compose = load_compose()
    named = 0
    for name, service in compose["services"].items():
        for argument in command_of(service):
            match = re.fullmatch(r"-{1,2}config\.file=(.+)", argument)
            if match:
                named += 1
                assert is_mounted(match.group(1), service), f"{name}: {argument} not mounted"
    assert named >= 4  # prometheus, alertmanager, loki, tempo


def test_prometheus_and_alertmanager_flags():
    services = load_compose()["services"]
    prometheus = command_of(services["prometheus"])
    for flag in ("--enable-feature=exemplar-storage", "--web.enable-remote-write-receiver",
                 "--web.enable-lifecycle", "--storage.tsdb.path=/prometheus"):
        assert flag in prometheus
    assert any(a.startswith("--storage.tsdb.retention.time=") for a in prometheus)
    assert "--cluster.listen-address=" in command_of(services["alertmanager"])


def test_tempo_receivers_listen_on_all_interfaces():
    tempo = load_yaml(os.path.join(DEPLOY, "tempo", "tempo.yml"))
    protocols = tempo["distributor"]["receivers"]["otlp"]["protocols"]
    assert protocols["grpc"]["endpoint"] == "0.0.0.0:4317"
    assert protocols["http"]["endpoint"] == "0.0.0.0:4318"


def test_grafana_dashboard_provider_reads_the_mounted_dashboards():
    grafana = load_compose()["services"]["grafana"]
    mounts = {str(v).split(":")[0]: str(v).split(":")[1] for v in grafana["volumes"]}
    dashboards_target = mounts["./deploy/grafana/dashboards"]
    paths = []
    for path in glob.glob(os.path.join(DEPLOY, "grafana", "provisioning", "dashboards", "*.y*ml")):
        paths += [p["options"]["path"] for p in load_yaml(path).get("providers", [])]
    assert paths, "no dashboard provider in deploy/grafana/provisioning/dashboards/"
    for path in paths:
        assert path == dashboards_target or path.startswith(dashboards_target + "/"), path


def test_every_secret_alertmanager_reads_is_given_to_it():
    text = open(os.path.join(DEPLOY, "alertmanager", "alertmanager.yml"), encoding="utf-8").read()
    read = set(re.findall(r"/run/secrets/(\w+)", text))
    assert read, "alertmanager.yml reads no /run/secrets file"
    given = set(load_compose()["services"]["alertmanager"].get("secrets", []))
    assert read <= given, f"alertmanager reads {sorted(read - given)} which compose does not mount"


def test_loki_ruler_reads_the_mounted_rules():
    loki = load_compose()["services"]["loki"]
    mounts = {str(v).split(":")[0]: str(v).split(":")[1] for v in loki["volumes"]}
    config = load_yaml(os.path.join(DEPLOY, "loki", "loki.yml"))
    assert mounts["./deploy/loki/rules"] == config["ruler"]["storage"]["local"]["directory"]


# -------------------------------------------------------------------------------- Dockerfile


def dockerfile_problems(text: str) -> list:
    problems = []
    lines = re.sub(r"\\\n", " ", text).splitlines()
    instructions = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    stages = [i for i, line in enumerate(instructions) if line.upper().startswith("FROM ")]
    if len(stages) < 2:
        problems.append("not multi-stage")
    stage_names = set()
    for index in stages:
        words = instructions[index].split()
        image = words[1]
        if image in stage_names:
            continue
        if len(words) >= 4 and words[2].upper() == "AS":
            stage_names.add(words[3])
        _, _, tag = image.rpartition(":")
        if ":" not in image or tag == "latest" or not re.search(r"\d{8}|\d+\.\d+", tag):
            problems.append(f"FROM {image}: not an exact tag")
    final = instructions[stages[-1]:] if stages else instructions
    users = [line.split()[1] for line in final if line.upper().startswith("USER ")]
    if not users or users[-1].split(":")[0] in ("0", "root"):
        problems.append("final stage does not switch to a non-root USER")
    if not any(line.upper().startswith("HEALTHCHECK") and "/health" in line for line in final):
        problems.append("final stage has no HEALTHCHECK on /health")
    if not any(re.fullmatch(r"ENTRYPOINT \[.*\]", line) for line in final):
        problems.append("final stage has no exec-form ENTRYPOINT")
    if "EXPOSE 8080" not in final:
        problems.append("final stage does not EXPOSE 8080")
    return problems


def test_dockerfile_passes():
    assert dockerfile_problems(open(DOCKERFILE_PATH, encoding="utf-8").read()) == []


@pytest.mark.parametrize("old, new", [
    ("FROM debian:bookworm-20251117 AS build", "FROM debian:latest AS build"),
    ("FROM debian:bookworm-20251117-slim AS runtime", "FROM debian:bookworm-slim AS runtime"),
    ("USER 10001:10001", "USER root"),
    ("HEALTHCHECK", "# HEALTHCHECK"),
    ('ENTRYPOINT ["/usr/local/bin/glassbox"]', "ENTRYPOINT /usr/local/bin/glassbox"),
])
def test_dockerfile_check_catches_a_broken_copy(old, new):
    text = open(DOCKERFILE_PATH, encoding="utf-8").read()
    assert old in text
    assert dockerfile_problems(text.replace(old, new))


def runtime_packages(text: str) -> set:
    """Packages the final stage's apt-get install names."""
    final = re.split(r"^FROM ", text, flags=re.M)[-1]
    joined = re.sub(r"\\\n", " ", final)
    match = re.search(r"apt-get install[^&\n]*", joined)
    return {w for w in match.group(0).split()[2:] if not w.startswith("-")} if match else set()


def test_runtime_stage_installs_the_libraries_the_binary_needs():
    binary = binary_path()
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]",
                        subprocess.run(["readelf", "-d", binary], capture_output=True,
                                       text=True, check=True, timeout=30).stdout)
    assert needed, f"readelf found no NEEDED entries in {binary}"
    installed = runtime_packages(open(DOCKERFILE_PATH, encoding="utf-8").read())
    # In every Debian image already: the C and C++ runtimes (essential packages).
    base = {"libc6", "libstdc++6", "libgcc-s1"}
    for soname in needed:
        owners = subprocess.run(["dpkg", "-S", "*/" + soname], capture_output=True,
                                text=True, check=False, timeout=30).stdout
        packages = {line.split(":")[0] for line in owners.splitlines()
                    if line.rstrip().endswith("/" + soname)}
        assert packages, f"no Debian package ships {soname}"
        assert packages & (installed | base), f"{soname} ({packages}) not in {installed}"


def build_stage(text: str) -> str:
    return re.sub(r"\\\n", " ", re.split(r"^FROM ", text, flags=re.M)[1])


def replay_build_stage_copies(stage: str, root) -> None:
    for line in stage.splitlines():
        words = line.split()
        if words[:1] != ["COPY"] or words[1].startswith("--"):
            continue
        *sources, destination = words[1:]
        for source in sources:
            origin = os.path.join(REPO_ROOT, source)
            if os.path.isdir(origin):
                shutil.copytree(origin, root / destination, dirs_exist_ok=True)
            else:
                (root / destination).mkdir(parents=True, exist_ok=True)
                shutil.copy(origin, root / destination / os.path.basename(source))


def glassbox_inputs(root, flags: list) -> set:
    """Source files (relative to root) the `glassbox` target is built from, per Ninja."""
    configure = subprocess.run(["cmake", "--preset", "release", *flags], cwd=root,
                               capture_output=True, text=True, timeout=120, check=False)
    assert configure.returncode == 0, configure.stdout[-2000:] + configure.stderr[-2000:]
    inputs = subprocess.run(["ninja", "-C", "build/release", "-t", "inputs", "glassbox"],
                            cwd=root, capture_output=True, text=True, timeout=30, check=True)
    prefix = str(root) + os.sep
    return {path[len(prefix):] for path in inputs.stdout.split()
            if path.startswith(prefix) and not path.startswith(prefix + "build" + os.sep)}


def test_build_stage_copies_every_file_the_binary_is_built_from(tmp_path):
    """The build stage replayed outside Docker: its COPY lines into one directory, the whole
    build context (the repository less .dockerignore) into another, the stage's configure
    command in both. Ninja's inputs of `glassbox` must be the same files, and present, so
    a source the Dockerfile does not copy fails here rather than in `docker compose build`.
    (Configure only; compiling is what `make test` does.)"""
    stage = build_stage(open(DOCKERFILE_PATH, encoding="utf-8").read())
    configure = re.search(r"cmake --preset release([^&]*)", stage)
    assert configure, "the build stage does not run `cmake --preset release`"
    flags = configure.group(1).replace('"${GLASSBOX_REVISION}"', "docker").split()
    top_level = open(os.path.join(REPO_ROOT, "CMakeLists.txt"), encoding="utf-8").read()
    for option in ("GLASSBOX_BUILD_TESTS", "GLASSBOX_BUILD_BENCHMARKS"):
        assert f"-D{option}=OFF" in flags
        assert f"option({option} " in top_level, f"CMakeLists.txt has no option {option}"
    assert re.search(r"cmake --build --preset release --target glassbox\b", stage)

    copied, context = tmp_path / "copied", tmp_path / "context"
    copied.mkdir()
    replay_build_stage_copies(stage, copied)
    ignored = shutil.ignore_patterns(".git", "build", "data", "node_modules", "__pycache__",
                                     ".pytest_cache", ".env", "secrets", ".stack")
    shutil.copytree(REPO_ROOT, context, ignore=ignored)
    from_copies, from_context = glassbox_inputs(copied, flags), glassbox_inputs(context, flags)
    assert from_context, "Ninja lists no inputs for glassbox"
    assert from_copies == from_context, (f"missing from the COPY lines: "
                                         f"{sorted(from_context - from_copies)}")
    absent = sorted(p for p in from_copies if not (copied / p).exists())
    assert not absent, f"inputs the COPY lines do not bring: {absent}"


def test_dockerignore_keeps_local_state_and_secrets_out():
    entries = {line.strip() for line in open(DOCKERIGNORE_PATH, encoding="utf-8")
               if line.strip() and not line.startswith("#")}
    for entry in (".git", "build/", "data/", "node_modules/", ".env", "secrets/"):
        assert entry in entries, entry
