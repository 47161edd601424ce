"""Security features end to end (docs/reliability.md, "Security"): HTTPS with a
certificate the test makes, API keys on the writing endpoints, per-client rate limiting,
and the settings that configure them refused at start when wrong."""

import http.client
import json
import os
import socket
import ssl

import pytest
import websocket

from glassbox import (LOOPBACK, RawConnection, assert_error, fetch_metrics, request_bytes,
                      run_binary, scrape, scrape_until, wait_until)
from otlp_receiver import OtlpReceiver
from tls_certificates import make_certificate


@pytest.fixture
def certificate(tmp_path):
    return make_certificate(str(tmp_path))


def client_context(cert: str) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=cert)
    context.check_hostname = True
    return context


def https(server, cert: str, timeout: float = 10.0) -> http.client.HTTPSConnection:
    return http.client.HTTPSConnection(LOOPBACK, server.port, timeout=timeout,
                                       context=client_context(cert))


def refused(result, setting: str):
    stderr = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2, f"exit {result.returncode}\n{stderr}"
    assert setting in stderr, stderr
    return stderr


# -- TLS ---------------------------------------------------------------------------------

def test_https_requests_work_with_keep_alive(start_server, certificate):
    cert, key = certificate
    server = start_server(env={"GLASSBOX_TLS_CERT": cert, "GLASSBOX_TLS_KEY": key})
    connection = https(server, cert)
    try:
        first = server.get("/health", connection=connection)
        assert first.status == 200 and first.json() == {"status": "ok"}
        local = connection.sock.getsockname()
        created = server.post_json("/api/users", {"name": "Tls", "email": "tls@example.com"},
                                   connection=connection)
        assert created.status == 201, created.describe()
        fetched = server.get(f"/api/users/{created.json()['id']}", connection=connection)
        assert fetched.json() == created.json()
        # Still the same TCP connection: keep-alive over TLS.
        assert connection.sock.getsockname() == local
        assert connection.sock.version() in ("TLSv1.2", "TLSv1.3")
    finally:
        connection.close()


def test_https_responses_larger_than_a_tls_record_arrive_whole(start_server, certificate):
    # A TLS record holds at most 16 KiB: the response head went out alone in one and the
    # body was then never sent (the client waited until its timeout).
    cert, key = certificate
    server = start_server(env={"GLASSBOX_TLS_CERT": cert, "GLASSBOX_TLS_KEY": key})
    connection = https(server, cert)
    try:
        for number in range(100):  # rows for a users page of well over 16 KiB
            created = server.post_json(
                "/api/users", {"name": f"user {number:03d} " + "n" * 90,
                               "email": f"user{number}@example.com"}, connection=connection)
            assert created.status == 201, created.describe()
        for _ in range(2):  # and again on the same connection
            page = server.get("/api/users?limit=100", connection=connection)
            assert page.status == 200, page.describe()
            assert len(page.body) > 16 * 1024, len(page.body)
            assert len(page.json()["items"]) == 100
        response, exposition = fetch_metrics(server, connection=connection,
                                             accept="application/openmetrics-text")
        assert len(response.body) > 16 * 1024, len(response.body)
        assert exposition.value("http_requests_total", method="POST", route="/api/users",
                                status="201") == 100
    finally:
        connection.close()


def test_websocket_over_tls(start_server, certificate):
    cert, key = certificate
    server = start_server(env={"GLASSBOX_TLS_CERT": cert, "GLASSBOX_TLS_KEY": key})
    ws = websocket.create_connection(f"wss://127.0.0.1:{server.port}/ws/events", timeout=5,
                                     sslopt={"ca_certs": cert})
    try:
        ws.send("hello")
        assert json.loads(ws.recv()) == {"type": "ack"}
        connection = https(server, cert)
        try:
            created = server.post_json("/api/users", {"name": "Ws", "email": "ws@example.com"},
                                       connection=connection)
        finally:
            connection.close()
        assert created.status == 201
        event = json.loads(ws.recv())
        assert event["type"] == "user.created" and event["user"] == created.json(), event
        ws.close()
    finally:
        ws.shutdown()


def test_plain_http_to_the_tls_port_is_answered_400_and_counted(start_server, certificate):
    cert, key = certificate
    server = start_server(env={"GLASSBOX_TLS_CERT": cert, "GLASSBOX_TLS_KEY": key})
    # http:// where https:// was meant: told so in plain HTTP (as nginx does), then closed.
    with RawConnection(server.port) as plain:
        plain.send(request_bytes("GET", "/health"))
        response = plain.read_response(timeout=5)
        assert_error(response, 400, "bad_request")
        assert "https" in response.json()["error"]["message"], response.describe()
        assert response.header("Connection", "").lower() == "close", response.describe()
        assert plain.sock.recv(4096) == b"", "connection left open after the refusal"
    # Garbage is not TLS either (answered the same way); a client that connects and leaves
    # gets nothing. Neither hurts.
    for payload in (b"\x00\xff" * 100, b""):
        with socket.create_connection((LOOPBACK, server.port), timeout=5) as raw:
            raw.sendall(payload)
            raw.shutdown(socket.SHUT_WR)
            raw.settimeout(5)
            received = b""
            try:
                while chunk := raw.recv(4096):
                    received += chunk
            except ConnectionError:
                pass
            assert received.startswith(b"HTTP/1.1 400 ") if payload else received == b""
    assert server.running()
    connection = https(server, cert)
    try:
        assert server.get("/health", connection=connection).status == 200
        exposition = scrape(server, connection=connection)
        rejected = exposition.values("http_requests_rejected_total", ("reason",))
        assert rejected[("bad_request",)] == 2, rejected
    finally:
        connection.close()


def test_spans_say_https(start_server, certificate):
    cert, key = certificate
    with OtlpReceiver() as receiver:
        server = start_server(env={"GLASSBOX_TLS_CERT": cert, "GLASSBOX_TLS_KEY": key,
                                   "OTEL_TRACES_EXPORTER": "otlp",
                                   "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
                                   "OTEL_BSP_SCHEDULE_DELAY": "100"})
        connection = https(server, cert)
        try:
            assert server.get("/health", connection=connection).status == 200
        finally:
            connection.close()
        spans = receiver.wait_for(
            lambda spans: [s for s in spans if s.attributes.get("url.path") == "/health"],
            timeout=10)
        assert spans[0].attributes["url.scheme"] == "https"


def test_only_one_tls_setting_is_refused(certificate):
    cert, key = certificate
    refused(run_binary([], env={"GLASSBOX_TLS_CERT": cert}), "GLASSBOX_TLS_KEY")
    refused(run_binary([], env={"GLASSBOX_TLS_KEY": key}), "GLASSBOX_TLS_CERT")


def test_unreadable_or_wrong_tls_files_are_refused(tmp_path, certificate):
    cert, key = certificate
    other_cert, other_key = make_certificate(str(tmp_path), "other")
    missing = str(tmp_path / "missing.pem")
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate\n")
    cases = [
        ({"GLASSBOX_TLS_CERT": missing, "GLASSBOX_TLS_KEY": key}, "GLASSBOX_TLS_CERT"),
        ({"GLASSBOX_TLS_CERT": cert, "GLASSBOX_TLS_KEY": missing}, "GLASSBOX_TLS_KEY"),
        ({"GLASSBOX_TLS_CERT": str(garbage), "GLASSBOX_TLS_KEY": key}, "GLASSBOX_TLS_CERT"),
        ({"GLASSBOX_TLS_CERT": cert, "GLASSBOX_TLS_KEY": str(garbage)}, "GLASSBOX_TLS_KEY"),
        # A key where the certificate belongs, and a key of another certificate.
        ({"GLASSBOX_TLS_CERT": key, "GLASSBOX_TLS_KEY": key}, "GLASSBOX_TLS_CERT"),
        ({"GLASSBOX_TLS_CERT": cert, "GLASSBOX_TLS_KEY": other_key}, "GLASSBOX_TLS_KEY"),
    ]
    for env, setting in cases:
        stderr = refused(run_binary([], env=env), setting)
        assert "PRIVATE KEY" not in stderr and "BEGIN" not in stderr, stderr
    assert os.path.exists(other_cert)


# -- API keys ----------------------------------------------------------------------------

def keys_file(tmp_path, *keys) -> str:
    path = tmp_path / "api-keys"
    path.write_text("# API keys, one a line\n\n" + "\n".join(f"  {k}  " for k in keys) + "\n")
    return str(path)


def test_writes_need_an_api_key_reads_stay_open(start_server, tmp_path):
    server = start_server(env={"GLASSBOX_API_KEYS_FILE": keys_file(tmp_path, "key-one", "key-two")})
    user = {"name": "Keyed", "email": "keyed@example.com"}

    missing = server.post_json("/api/users", user)
    assert_error(missing, 401, "unauthorized")
    assert missing.header("WWW-Authenticate", "").startswith("Bearer")
    assert_error(server.post_json("/api/users", user, headers={"Authorization": "Basic a2V5"}),
                 401, "unauthorized")
    assert_error(server.post_json("/api/users", user, headers={"X-API-Key": "key-three"}),
                 403, "forbidden")
    assert_error(server.post_json("/api/users", user,
                                  headers={"Authorization": "Bearer key-one-and-more"}),
                 403, "forbidden")

    created = server.post_json("/api/users", user, headers={"Authorization": "Bearer key-one"})
    assert created.status == 201, created.describe()
    user_id = created.json()["id"]
    assert server.get(f"/api/users/{user_id}").status == 200
    assert server.get("/api/users").status == 200

    replace = {"name": "Renamed", "email": "keyed@example.com"}
    assert_error(server.put_json(f"/api/users/{user_id}", replace), 401, "unauthorized")
    assert server.put_json(f"/api/users/{user_id}", replace,
                           headers={"X-API-Key": "key-two"}).status == 200
    assert_error(server.delete(f"/api/users/{user_id}", headers={"X-API-Key": "nope"}),
                 403, "forbidden")
    assert server.delete(f"/api/users/{user_id}",
                         headers={"authorization": "bearer key-two"}).status == 204

    exposition = scrape_until(
        server, lambda e: e.value("errors_total", type="forbidden", source="auth") == 3)
    assert exposition.value("errors_total", type="unauthorized", source="auth") == 3
    assert exposition.value("errors_total", type="forbidden", source="auth") == 3


def test_refusal_series_exist_at_zero(start_server):
    server = start_server()
    exposition = scrape(server)
    for labels in ({"type": "unauthorized", "source": "auth"},
                   {"type": "forbidden", "source": "auth"},
                   {"type": "rate_limited", "source": "rate_limiter"}):
        assert exposition.value("errors_total", **labels) == 0, labels


def test_bad_api_key_files_are_refused(tmp_path):
    refused(run_binary([], env={"GLASSBOX_API_KEYS_FILE": str(tmp_path / "missing")}),
            "GLASSBOX_API_KEYS_FILE")
    only_comments = tmp_path / "comments"
    only_comments.write_text("# nothing here\n\n")
    refused(run_binary([], env={"GLASSBOX_API_KEYS_FILE": str(only_comments)}),
            "GLASSBOX_API_KEYS_FILE")
    spaced = tmp_path / "spaced"
    spaced.write_text("secret with-a-space\n")
    stderr = refused(run_binary([], env={"GLASSBOX_API_KEYS_FILE": str(spaced)}),
                     "GLASSBOX_API_KEYS_FILE")
    assert "secret" not in stderr.replace("GLASSBOX", "")


# -- rate limiting -----------------------------------------------------------------------

def test_rate_limit_answers_429_with_retry_after(start_server):
    server = start_server(env={"GLASSBOX_RATE_LIMIT_RPS": "0.2", "GLASSBOX_RATE_LIMIT_BURST": "3"})
    statuses = [server.get("/api/users").status for _ in range(3)]
    assert statuses == [200, 200, 200]
    limited = server.get("/api/users")
    assert_error(limited, 429, "too_many_requests")
    retry_after = limited.header("Retry-After")
    assert retry_after is not None and retry_after.isdigit(), limited.describe()
    # 0.2 tokens per second: the next token is at most 5 s away.
    assert 1 <= int(retry_after) <= 5
    assert_error(server.post_json("/api/users", {"name": "A", "email": "a@example.com"}),
                 429, "too_many_requests")
    assert_error(server.get("/compute/1"), 429, "too_many_requests")

    # Probes and scrapes are exempt, however often they come.
    for _ in range(20):
        assert server.get("/health").status == 200
        assert server.get("/ready").status == 200
    exposition = scrape_until(
        server, lambda e: e.value("errors_total", type="rate_limited", source="rate_limiter") == 3)
    assert exposition.value("errors_total", type="rate_limited", source="rate_limiter") == 3
    assert exposition.value("http_requests_total", method="GET", route="/api/users",
                            status="429") == 1


def test_rate_limit_applies_to_websocket_upgrades(start_server):
    server = start_server(env={"GLASSBOX_RATE_LIMIT_RPS": "0.2", "GLASSBOX_RATE_LIMIT_BURST": "2"})
    url = f"ws://{LOOPBACK}:{server.port}/ws/events"
    admitted = websocket.create_connection(url, timeout=5)  # the first token
    try:
        assert server.get("/api/users").status == 200  # the second: the bucket is empty now
        with pytest.raises(websocket.WebSocketBadStatusException) as refused_upgrade:
            websocket.create_connection(url, timeout=5).close()
        assert refused_upgrade.value.status_code == 429
        headers = {k.lower(): v for k, v in (refused_upgrade.value.resp_headers or {}).items()}
        assert headers.get("retry-after", "").isdigit(), headers
        # A socket already open is not cut by the limit.
        admitted.send("hello")
        assert json.loads(admitted.recv()) == {"type": "ack"}
    finally:
        admitted.close()
    exposition = scrape_until(
        server, lambda e: e.value("errors_total", type="rate_limited", source="rate_limiter") == 1)
    assert exposition.value("errors_total", type="rate_limited", source="rate_limiter") == 1
    assert exposition.value("http_requests_total", method="GET", route="/ws/events",
                            status="429") == 1


def test_bad_rate_limit_settings_are_refused():
    for value in ("fast", "-1", "nan"):
        refused(run_binary([], env={"GLASSBOX_RATE_LIMIT_RPS": value}), "GLASSBOX_RATE_LIMIT_RPS")
    refused(run_binary([], env={"GLASSBOX_RATE_LIMIT_BURST": "x"}), "GLASSBOX_RATE_LIMIT_BURST")
    refused(run_binary([], env={"GLASSBOX_RATE_LIMIT_CLIENTS": "0"}),
            "GLASSBOX_RATE_LIMIT_CLIENTS")


# -- secret files and help ---------------------------------------------------------------

def test_otlp_headers_file_and_value_together_are_refused(tmp_path):
    headers = tmp_path / "headers"
    headers.write_text("authorization=Bearer%20abc\n")
    for name in ("OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"):
        refused(run_binary([], env={name: "x=y", f"{name}_FILE": str(headers)}), f"{name}_FILE")


def test_otlp_headers_file_is_sent_to_the_collector(start_server, tmp_path):
    headers = tmp_path / "headers"
    headers.write_text("x-collector-token=from-a-file\n")
    with OtlpReceiver() as receiver:
        server = start_server(env={"OTEL_TRACES_EXPORTER": "otlp",
                                   "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
                                   "OTEL_BSP_SCHEDULE_DELAY": "100",
                                   "OTEL_EXPORTER_OTLP_HEADERS_FILE": str(headers)})
        assert server.get("/health").status == 200
        wait_until(lambda: receiver.request_count() > 0, 10, message="an export")
        assert receiver.request_list()[0].headers.get("x-collector-token") == "from-a-file"


def test_help_lists_the_security_settings():
    result = run_binary(["--help"])
    assert result.returncode == 0
    text = result.stdout.decode()
    for setting in ("GLASSBOX_TLS_CERT", "GLASSBOX_TLS_KEY", "GLASSBOX_API_KEYS_FILE",
                    "GLASSBOX_RATE_LIMIT_RPS", "GLASSBOX_RATE_LIMIT_BURST",
                    "GLASSBOX_RATE_LIMIT_CLIENTS", "METRICS_TOKEN_FILE", "DATABASE_URL_FILE",
                    "OTEL_EXPORTER_OTLP_HEADERS_FILE"):
        assert setting in text, setting
