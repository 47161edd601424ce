"""HTTP/1.1 behaviour seen on the wire: keep-alive, pipelining, limits, timeouts, framing,
HEAD, 404 vs 405. Exact bytes are written on raw sockets and responses parsed here."""

import json
import socket
import threading
import time

import pytest

from glassbox import (ConnectionClosed, RawConnection, assert_error, chunked, request_bytes,
                      wait_until)


@pytest.fixture
def server(start_server):
    return start_server()


def user_body(i=0) -> bytes:
    return json.dumps({"name": f"Pipe {i}", "email": f"pipe{i}@example.com"}).encode()


# ----------------------------------------------------------------------------- keep-alive

def test_keep_alive_serves_many_requests_on_one_connection(server):
    with server.raw() as conn:
        for i in range(10):
            conn.send(request_bytes("GET", "/health"))
            response = conn.read_response()
            assert response.status == 200, response.describe()
            assert response.json() == {"status": "ok"}
            assert (response.header("Connection") or "").lower() != "close", response.describe()
        conn.send(request_bytes("POST", "/api/users", user_body()))
        created = conn.read_response()
        assert created.status == 201, created.describe()
        conn.send(request_bytes("GET", f"/api/users/{created.json()['id']}"))
        fetched = conn.read_response()
        assert fetched.status == 200 and fetched.json() == created.json(), fetched.describe()


def test_keep_alive_survives_error_responses(server):
    with server.raw() as conn:
        conn.send(request_bytes("GET", "/nowhere"))
        assert_error(conn.read_response(), 404, "not_found")
        conn.send(request_bytes("POST", "/api/users", b'{"broken":'))
        assert_error(conn.read_response(), 400, "malformed_json")
        conn.send(request_bytes("GET", "/health"))
        assert conn.read_response().status == 200


def test_connection_close_is_honoured(server):
    with server.raw() as conn:
        conn.send(request_bytes("GET", "/health", headers={"Connection": "close"}))
        response = conn.read_response()
        assert response.status == 200, response.describe()
        conn.wait_closed(5)


def test_http_1_0_without_keep_alive_is_closed_after_the_response(server):
    with server.raw() as conn:
        conn.send(b"GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n")
        response = conn.read_response()
        assert response.status == 200, response.describe()
        assert response.json() == {"status": "ok"}
        conn.wait_closed(5)


# ----------------------------------------------------------------------------- pipelining

def test_three_pipelined_requests_in_one_write_are_answered_in_order(server):
    payload = (request_bytes("GET", "/health")
               + request_bytes("POST", "/api/users", user_body(1))
               + request_bytes("GET", "/no/such/route"))
    with server.raw() as conn:
        conn.send(payload)  # one sendall: all three requests in one write
        first, second, third = (conn.read_response() for _ in range(3))
    assert first.status == 200 and first.json() == {"status": "ok"}, first.describe()
    assert second.status == 201 and second.json()["email"] == "pipe1@example.com", second.describe()
    assert_error(third, 404, "not_found")


def test_pipelined_slow_request_does_not_let_later_answers_overtake(server):
    payload = (request_bytes("GET", "/compute/30")
               + request_bytes("GET", "/compute/1")
               + request_bytes("GET", "/health"))
    with server.raw(timeout=30) as conn:
        conn.send(payload)
        first, second, third = (conn.read_response() for _ in range(3))
    assert first.status == 200 and first.json()["result"] == 832040, first.describe()
    assert second.status == 200 and second.json()["result"] == 1, second.describe()
    assert third.status == 200 and third.json() == {"status": "ok"}, third.describe()


def test_pipelined_requests_split_across_writes(server):
    payload = b"".join(request_bytes("GET", f"/compute/{n}") for n in (5, 6, 7))
    with server.raw() as conn:
        # Cut in the middle of the second request's header.
        cut = len(request_bytes("GET", "/compute/5")) + 10
        conn.send(payload[:cut])
        conn.send(payload[cut:])
        results = [conn.read_response().json()["result"] for _ in range(3)]
    assert results == [5, 8, 13]


# ----------------------------------------------------------------------------- limits

def test_huge_header_is_431(server):
    with server.raw() as conn:
        conn.send(request_bytes("GET", "/health", headers={"X-Big": "a" * 20000}))
        assert_error(conn.read_response(), 431, "headers_too_large")


def test_many_headers_over_the_limit_is_431(server):
    headers = [(f"X-H{i}", "v" * 100) for i in range(200)]  # ~22 KB in all
    with server.raw() as conn:
        conn.send(request_bytes("GET", "/health", headers=headers))
        assert_error(conn.read_response(), 431, "headers_too_large")


def test_header_limit_is_configurable(start_server):
    server = start_server(env={"GLASSBOX_MAX_HEADER_BYTES": "1024"})
    with server.raw() as conn:
        conn.send(request_bytes("GET", "/health", headers={"X-Small": "a" * 500}))
        assert conn.read_response().status == 200
    with server.raw() as conn:
        conn.send(request_bytes("GET", "/health", headers={"X-Big": "a" * 2000}))
        assert_error(conn.read_response(), 431, "headers_too_large")


def test_long_target_is_414(server):
    with server.raw() as conn:
        conn.send(request_bytes("GET", "/api/users?x=" + "a" * 9000))
        assert_error(conn.read_response(), 414, "uri_too_long")


def test_target_limit_is_configurable(start_server):
    server = start_server(env={"GLASSBOX_MAX_TARGET_BYTES": "100"})
    with server.raw() as conn:
        conn.send(request_bytes("GET", "/health?" + "q" * 50))
        assert conn.read_response().status == 200
    with server.raw() as conn:
        conn.send(request_bytes("GET", "/health?" + "q" * 200))
        assert_error(conn.read_response(), 414, "uri_too_long")


def padded_user_body(size: int, i: int = 0) -> bytes:
    body = user_body(i)
    assert len(body) <= size
    return body + b" " * (size - len(body))


def test_body_at_the_limit_is_accepted_and_one_byte_more_is_413(start_server):
    server = start_server(env={"GLASSBOX_MAX_BODY_BYTES": "1024"})
    with server.raw() as conn:
        conn.send(request_bytes("POST", "/api/users", padded_user_body(1024, 1)))
        response = conn.read_response()
        assert response.status == 201, response.describe()
    with server.raw() as conn:
        conn.send(request_bytes("POST", "/api/users", padded_user_body(1025, 2)))
        assert_error(conn.read_response(), 413, "payload_too_large")
    assert server.get("/api/users").json()["total"] == 1


def test_default_body_limit_via_content_length_is_413(server):
    size = 1024 * 1024 + 1
    head = (f"POST /api/users HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            f"Content-Length: {size}\r\n\r\n").encode()
    with server.raw() as conn:
        conn.send(head)

        def send_body():  # the server may answer (and close) before reading it all
            try:
                conn.sock.sendall(b" " * size)
            except OSError:
                pass

        sender = threading.Thread(target=send_body, daemon=True)
        sender.start()
        response = conn.read_response(timeout=15)
        assert_error(response, 413, "payload_too_large")
        sender.join(15)


def test_body_of_exactly_the_default_limit_is_accepted(server):
    size = 1024 * 1024
    response = server.request("POST", "/api/users", body=padded_user_body(size, 3),
                              headers={"Content-Type": "application/json"}, timeout=30)
    assert response.status == 201, response.describe()


def test_chunked_body_over_the_limit_is_413(start_server):
    server = start_server(env={"GLASSBOX_MAX_BODY_BYTES": "1024"})
    body = user_body(4) + b" " * 1500
    parts = [body[i:i + 300] for i in range(0, len(body), 300)]
    with server.raw() as conn:
        conn.send(request_bytes("POST", "/api/users", chunked(parts),
                                headers={"Transfer-Encoding": "chunked",
                                         "Content-Type": "application/json"}))
        assert_error(conn.read_response(), 413, "payload_too_large")
    assert server.get("/api/users").json()["total"] == 0


def test_chunked_request_body_is_accepted(server):
    body = user_body(5)
    parts = [body[:7], body[7:20], body[20:]]
    with server.raw() as conn:
        conn.send(request_bytes("POST", "/api/users", chunked(parts),
                                headers={"Transfer-Encoding": "chunked",
                                         "Content-Type": "application/json"}))
        response = conn.read_response()
        assert response.status == 201, response.describe()
        assert response.json()["email"] == "pipe5@example.com"
        # The connection is still usable after a chunked body.
        conn.send(request_bytes("GET", f"/api/users/{response.json()['id']}"))
        assert conn.read_response().status == 200


def test_chunked_body_sent_in_pieces_is_accepted(server):
    body = user_body(6)
    head = request_bytes("POST", "/api/users", b"",
                         headers={"Transfer-Encoding": "chunked",
                                  "Content-Type": "application/json"})
    with server.raw() as conn:
        conn.send(head)
        for part in (body[:10], body[10:]):
            conn.send(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            assert conn.is_open_for(0.05)
        conn.send(b"0\r\n\r\n")
        response = conn.read_response()
        assert response.status == 201, response.describe()


def test_malformed_request_line_is_400_json(server):
    with server.raw() as conn:
        conn.send(b"THIS IS NOT HTTP\r\n\r\n")
        try:
            response = conn.read_response(timeout=5)
        except ConnectionClosed:
            pytest.fail("server closed the connection without a 400 response")
        assert_error(response, 400, "bad_request")


def test_bad_content_length_is_400(server):
    with server.raw() as conn:
        conn.send(b"POST /api/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: abc\r\n\r\n")
        try:
            response = conn.read_response(timeout=5)
        except ConnectionClosed:
            pytest.fail("server closed the connection without a 400 response")
        assert_error(response, 400, "bad_request")


# ----------------------------------------------------------------------------- timeouts

def test_incomplete_header_is_closed_after_the_header_timeout(start_server):
    server = start_server(env={"GLASSBOX_HEADER_TIMEOUT_SECONDS": "1",
                               "GLASSBOX_IDLE_TIMEOUT_SECONDS": "30"})
    with server.raw() as conn:
        conn.send(b"GET /health HTTP/1.1\r\nHost: localhost\r\n")  # no blank line
        took = conn.wait_closed(6)
        assert took >= 0.8, f"closed after {took:.2f}s, before the 1 s header timeout"
        assert b"200 OK" not in conn.buffer, conn.buffer


def test_header_trickled_slowly_is_cut_off_by_the_header_timeout(start_server):
    """Slowloris: one byte at a time keeps each read short, but the header as a whole must
    arrive within the header timeout."""
    server = start_server(env={"GLASSBOX_HEADER_TIMEOUT_SECONDS": "1",
                               "GLASSBOX_IDLE_TIMEOUT_SECONDS": "30"})
    with server.raw() as conn:
        start = time.monotonic()
        closed = False
        header = b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 1000
        for byte in header:
            try:
                conn.sock.sendall(bytes([byte]))
            except OSError:
                closed = True
                break
            if not conn.is_open_for(0.2):
                closed = True
                break
            if time.monotonic() - start > 6:
                break
        if not closed:
            conn.wait_closed(0.5)
        took = time.monotonic() - start
        assert took < 4, f"a trickled header kept the connection open for {took:.1f}s"


def test_silent_connection_is_closed(start_server):
    server = start_server(env={"GLASSBOX_HEADER_TIMEOUT_SECONDS": "1",
                               "GLASSBOX_IDLE_TIMEOUT_SECONDS": "1"})
    with server.raw() as conn:
        conn.wait_closed(6)


def test_idle_keep_alive_connection_is_closed_after_the_idle_timeout(start_server):
    server = start_server(env={"GLASSBOX_IDLE_TIMEOUT_SECONDS": "1",
                               "GLASSBOX_HEADER_TIMEOUT_SECONDS": "30"})
    with server.raw() as conn:
        conn.send(request_bytes("GET", "/health"))
        assert conn.read_response().status == 200
        took = conn.wait_closed(6)
        assert took >= 0.7, f"closed after {took:.2f}s, before the 1 s idle timeout"


def test_active_connection_is_not_closed_by_the_idle_timeout(start_server):
    server = start_server(env={"GLASSBOX_IDLE_TIMEOUT_SECONDS": "1",
                               "GLASSBOX_HEADER_TIMEOUT_SECONDS": "30"})
    with server.raw() as conn:
        start = time.monotonic()
        while time.monotonic() - start < 3:
            conn.send(request_bytes("GET", "/health"))
            assert conn.read_response().status == 200
            assert conn.is_open_for(0.4), "closed while in active use"


def test_idle_timeout_default_keeps_connections_open(server):
    with server.raw() as conn:
        conn.send(request_bytes("GET", "/health"))
        assert conn.read_response().status == 200
        assert conn.is_open_for(2.0), "idle connection closed long before the 60 s default"
        conn.send(request_bytes("GET", "/health"))
        assert conn.read_response().status == 200


# ----------------------------------------------------------------------------- connections

def test_connections_over_the_maximum_are_refused(start_server):
    server = start_server(env={"GLASSBOX_MAX_CONNECTIONS": "3"})
    held = [server.raw() for _ in range(3)]
    try:
        for conn in held:
            conn.send(request_bytes("GET", "/health"))
            assert conn.read_response().status == 200
        extra = RawConnection(server.port, timeout=5)
        try:
            try:
                extra.send(request_bytes("GET", "/health"))
                response = extra.read_response(timeout=5)
            except (ConnectionClosed, OSError):
                response = None  # refused by closing: allowed
            if response is not None:
                assert_error(response, 503)
        finally:
            extra.close()
        # The held connections still work.
        for conn in held:
            conn.send(request_bytes("GET", "/health"))
            assert conn.read_response().status == 200
        # A freed slot is usable again.
        held.pop().close()

        def fourth_connection_served():
            with RawConnection(server.port, timeout=2) as conn:
                conn.send(request_bytes("GET", "/health"))
                return conn.read_response(timeout=2).status == 200

        wait_until(fourth_connection_served, 10, 0.1, "a connection after one was closed")
    finally:
        for conn in held:
            conn.close()


# ----------------------------------------------------------------------------- methods

def test_head_has_content_length_and_no_body(server):
    get_length = len(server.get("/health").body)
    with server.raw() as conn:
        conn.send(request_bytes("HEAD", "/health"))
        head = conn.read_response(head=True)
        assert head.status == 200, head.describe()
        assert head.header("Content-Length") is not None, head.describe()
        assert int(head.header("Content-Length")) == get_length, head.describe()
        assert conn.is_open_for(0.3), f"bytes after a HEAD response: {conn.buffer!r}"


def test_404_versus_405_with_allow(server):
    assert_error(server.get("/definitely/not/here"), 404, "not_found")
    response = server.request("DELETE", "/health")
    assert_error(response, 405, "method_not_allowed")
    allowed = {m.strip() for m in response.header("Allow", "").split(",")}
    assert "GET" in allowed and "DELETE" not in allowed, response.describe()


@pytest.mark.parametrize("method", ["BREW", "PROPFIND", "TRACE"])
def test_unknown_or_unsupported_method_is_json_never_html(server, method):
    with server.raw() as conn:
        conn.send(f"{method} /health HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
        response = conn.read_response()
    assert response.status in (404, 405, 501), response.describe()
    assert_error(response, response.status)
    assert b"<html" not in response.body.lower()
    if response.status == 405:
        assert "GET" in response.header("Allow", ""), response.describe()


@pytest.mark.parametrize("target", ["/%", "/api/users/%ff", "//", "/api/users?limit=%zz",
                                    "/compute/%00", "/api/users/1%00"])
def test_odd_targets_get_a_json_4xx_never_html_or_a_stack_trace(server, target):
    with server.raw() as conn:
        conn.send(f"GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
        try:
            response = conn.read_response(timeout=5)
        except ConnectionClosed:
            pytest.fail(f"GET {target}: closed without a response")
    assert 400 <= response.status < 500, f"{target}:\n{response.describe()}"
    assert_error(response, response.status)
    assert b"<" not in response.body and b"std::" not in response.body, response.describe()
    assert server.get("/health").status == 200


def test_server_still_healthy_after_abrupt_disconnects(server):
    for _ in range(20):
        s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        s.sendall(b"GET /compute/15 HTTP/1.1\r\nHost: x\r\n")
        s.close()
    assert server.get("/health").status == 200
