"""Secrets never leak (docs/reliability.md, "Security"): the service runs with a distinctive
value in every secret setting (METRICS_TOKEN, a PostgreSQL password in DATABASE_URL, OTLP
export headers, API keys), is exercised with right and wrong credentials and with requests
that carry their own secrets (Authorization, X-API-Key, Cookie), is refused at start with a
secret next to a bad setting, and then every byte it wrote is searched: stdout, stderr,
every span the collector received (the export bodies, not the headers, which are meant to
carry the OTLP credentials), every response body and /metrics. No secret may be found."""

import socket

from glassbox import LOOPBACK, run_binary, wait_until
from otlp_receiver import OtlpReceiver

METRICS_TOKEN = "mtok-S3CRET-metrics-7f3a9"
DB_PASSWORD = "pgpw-S3CRET-db-91c2e"
OTLP_TOKEN = "otlp-S3CRET-hdr-55d1b"
API_KEYS = ("apikey-S3CRET-one-a1b2c", "apikey-S3CRET-two-c3d4e")
# Sent by clients: never valid, never to be repeated anywhere either.
CLIENT_BEARER = "client-S3CRET-bearer-0e0e"
CLIENT_API_KEY = "client-S3CRET-xapikey-1f1f"
CLIENT_COOKIE = "client-S3CRET-cookie-2a2a"

SERVICE_SECRETS = (METRICS_TOKEN, DB_PASSWORD, OTLP_TOKEN, *API_KEYS)
ALL_SECRETS = (*SERVICE_SECRETS, CLIENT_BEARER, CLIENT_API_KEY, CLIENT_COOKIE)


def assert_clean(where: str, text):
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    for secret in ALL_SECRETS:
        # The distinctive middle part too, in case a secret is cut or re-encoded.
        for needle in (secret, secret.split("-S3CRET-")[1]):
            assert needle not in text, f"secret {secret!r} found in {where}:\n{text[:3000]}"


def raw_request(port: int, data: bytes) -> bytes:
    with socket.create_connection((LOOPBACK, port), timeout=5) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except (ConnectionError, socket.timeout):
            pass
        return b"".join(chunks)


def test_no_secret_in_logs_spans_bodies_or_metrics(start_server, postgres_shared, tmp_path):
    pg = postgres_shared
    database_url = pg.url(pg.create_database()).replace(
        "postgres@", f"postgres:{DB_PASSWORD}@", 1)
    assert DB_PASSWORD in database_url
    keys = tmp_path / "api-keys"
    keys.write_text("# writers\n" + "\n".join(API_KEYS) + "\n")
    token_file = tmp_path / "metrics-token"
    token_file.write_text(METRICS_TOKEN + "\n")

    bodies = []
    with OtlpReceiver() as receiver:
        server = start_server(env={
            "DATABASE_URL": database_url,
            "METRICS_TOKEN_FILE": str(token_file),
            "GLASSBOX_API_KEYS_FILE": str(keys),
            "OTEL_TRACES_EXPORTER": "otlp",
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
            "OTEL_EXPORTER_OTLP_HEADERS": f"authorization=Bearer%20{OTLP_TOKEN}",
            "OTEL_BSP_SCHEDULE_DELAY": "100",
            "LOG_LEVEL": "debug",
        })
        carried = {"Authorization": f"Bearer {CLIENT_BEARER}", "X-API-Key": CLIENT_API_KEY,
                   "Cookie": f"session={CLIENT_COOKIE}"}

        def send(method, path, expected, **kwargs):
            response = server.request(method, path, **kwargs)
            assert response.status == expected, f"{method} {path}\n{response.describe()}"
            bodies.append((f"{method} {path} -> {response.status}", response.body))
            bodies.append((f"{method} {path} headers", repr(response.headers)))
            return response

        # /metrics without, with a wrong and with a client token, then with the right one.
        send("GET", "/metrics", 401)
        send("GET", "/metrics", 401, headers={"Authorization": f"Bearer {CLIENT_BEARER}"})
        send("GET", "/metrics", 401, headers={"Authorization": f"Bearer {METRICS_TOKEN}x"})
        # Writes: no key, a wrong key in each header, a right key in each.
        user = {"name": "Secretive", "email": "secretive@example.com"}
        send("POST", "/api/users", 401, json_body=user, headers={"Cookie": carried["Cookie"]})
        send("POST", "/api/users", 403, json_body=user, headers={"X-API-Key": CLIENT_API_KEY})
        send("POST", "/api/users", 403, json_body=user, headers={"Authorization": carried["Authorization"]})
        created = send("POST", "/api/users", 201, json_body=user,
                       headers={"Authorization": f"Bearer {API_KEYS[0]}"}).json()
        send("PUT", f"/api/users/{created['id']}", 200,
             json_body={"name": "Renamed", "email": "secretive@example.com"},
             headers={"X-API-Key": API_KEYS[1], "Cookie": carried["Cookie"]})
        send("POST", "/api/users", 409, json_body=user,
             headers={"X-API-Key": API_KEYS[1]})
        send("POST", "/api/users", 422, json_body={"name": "", "email": "x"},
             headers={"X-API-Key": API_KEYS[1]})
        # Reads, misses and refusals carrying every kind of client credential.
        send("GET", "/api/users", 200, headers=carried)
        send("GET", f"/api/users/{created['id']}", 200, headers=carried)
        send("GET", "/api/users/999999", 404, headers=carried)
        send("GET", "/nowhere", 404, headers=carried)
        send("PATCH", "/api/users", 405, headers=carried)
        send("GET", "/compute/1000", 422, headers=carried)
        send("GET", "/ready", 200, headers=carried)
        send("DELETE", f"/api/users/{created['id']}", 204,
             headers={"Authorization": f"Bearer {API_KEYS[1]}"})
        # Malformed requests carrying them too.
        for data in (
                b"GET /api/users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                CLIENT_BEARER.encode() + b"\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
                b"GET /%zz HTTP/1.1\r\nHost: x\r\nCookie: s=" + CLIENT_COOKIE.encode() +
                b"\r\n\r\n",
                b"BROKEN\r\nX-API-Key: " + CLIENT_API_KEY.encode() + b"\r\n\r\n"):
            answer = raw_request(server.port, data)
            assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]
            bodies.append(("raw request", answer))

        metrics = send("GET", "/metrics", 200, headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        openmetrics = send("GET", "/metrics", 200,
                           headers={"Authorization": f"Bearer {METRICS_TOKEN}",
                                    "Accept": "application/openmetrics-text; version=1.0.0"})
        assert b"http_requests_total" in metrics.body and b"# EOF" in openmetrics.body

        wait_until(lambda: any(s.attributes.get("url.path") == "/metrics"
                               and s.attributes.get("http.response.status_code") == 200
                               for s in receiver.span_list()), 15, message="the last span")
        assert receiver.request_list()[0].headers.get("authorization") == f"Bearer {OTLP_TOKEN}", \
            "the OTLP headers must reach the collector"
        assert server.stop() == 0

    for where, body in bodies:
        assert_clean(where, body)
    spans = receiver.span_list()
    assert len(spans) > 20
    for span in spans:
        assert_clean(f"span {span.name}", repr((span.name, span.attributes, span.resource,
                                                span.status_message, span.trace_state)))
    for request in receiver.request_list():
        assert_clean("an OTLP export body", request.body)
    assert_clean("stdout", "\n".join(server.stdout_lines))
    assert_clean("stderr", "\n".join(server.stderr_lines))
    assert "Request completed" in "\n".join(server.stdout_lines)


def test_no_secret_in_refused_configurations(tmp_path):
    keys = tmp_path / "api-keys"
    keys.write_text("\n".join(API_KEYS) + "\n")
    bad_keys = tmp_path / "bad-keys"
    bad_keys.write_text(f"{API_KEYS[0]}\n{API_KEYS[1]} and text after a space\n")
    token_file = tmp_path / "metrics-token"
    token_file.write_text(METRICS_TOKEN + "\n")
    url = f"postgresql://postgres:{DB_PASSWORD}@127.0.0.1:1/glassbox"
    headers = f"authorization=Bearer%20{OTLP_TOKEN}"
    every_secret = {"METRICS_TOKEN": METRICS_TOKEN, "DATABASE_URL": url,
                    "OTEL_EXPORTER_OTLP_HEADERS": headers,
                    "GLASSBOX_API_KEYS_FILE": str(keys)}
    cases = [
        # A bad neighbour: each secret is fine, another setting is not.
        ({**every_secret, "GLASSBOX_PORT": "not-a-port"}, "GLASSBOX_PORT"),
        ({**every_secret, "METRICS_PATH": "no-slash"}, "METRICS_PATH"),
        ({**every_secret, "GLASSBOX_TLS_CERT": "/nonexistent.pem"}, "GLASSBOX_TLS_KEY"),
        ({**every_secret, "OTEL_TRACES_SAMPLER": "sometimes"}, "OTEL_TRACES_SAMPLER"),
        # The secret setting itself is wrong.
        ({"METRICS_TOKEN": f"{METRICS_TOKEN} with spaces"}, "METRICS_TOKEN"),
        ({"METRICS_TOKEN": METRICS_TOKEN, "METRICS_TOKEN_FILE": str(token_file)},
         "METRICS_TOKEN_FILE"),
        ({"DATABASE_URL": f"mysql://root:{DB_PASSWORD}@db/x"}, "DATABASE_URL"),
        ({"DATABASE_URL": url, "DATABASE_URL_FILE": str(token_file)}, "DATABASE_URL_FILE"),
        ({"OTEL_EXPORTER_OTLP_HEADERS": f"authorization Bearer {OTLP_TOKEN}"},
         "OTEL_EXPORTER_OTLP_HEADERS"),
        ({"OTEL_EXPORTER_OTLP_HEADERS": f"authorization=%zz{OTLP_TOKEN}"},
         "OTEL_EXPORTER_OTLP_HEADERS"),
        ({"OTEL_EXPORTER_OTLP_HEADERS": headers, "OTEL_EXPORTER_OTLP_HEADERS_FILE": str(keys)},
         "OTEL_EXPORTER_OTLP_HEADERS_FILE"),
        ({"GLASSBOX_API_KEYS_FILE": str(bad_keys)}, "GLASSBOX_API_KEYS_FILE"),
    ]
    for env, setting in cases:
        result = run_binary([], env=env)
        stderr = result.stderr.decode("utf-8", "replace")
        assert result.returncode == 2, f"{setting}: exit {result.returncode}\n{stderr}"
        assert setting in stderr, stderr
        assert_clean(f"the refusal naming {setting}", stderr)
        assert_clean(f"stdout of the refusal naming {setting}", result.stdout)


def test_no_secret_when_the_database_is_unreachable(start_server):
    # A password in the URL of a database that is not there: the service logs its attempts
    # to reach it (the start-up wait is 30 s, so the test stops it after a few) without the
    # password.
    server = start_server(env={"DATABASE_URL":
                               f"postgresql://postgres:{DB_PASSWORD}@127.0.0.1:1/glassbox",
                               "LOG_LEVEL": "debug"}, wait=False)
    wait_until(lambda: sum("waiting for PostgreSQL" in line for line in server.stdout_lines) >= 2,
               15, message="two connection attempts logged")
    server.kill()
    server.wait_exit(10)
    assert_clean("stdout", "\n".join(server.stdout_lines))
    assert_clean("stderr", "\n".join(server.stderr_lines))
