"""/ws/events: a JSON text message per user created/updated/deleted, in order; an ack for
every text message a client sends."""

import json
import socket
import time

import pytest
import websocket

from glassbox import assert_error, request_bytes


@pytest.fixture
def server(start_server):
    return start_server()


def connect(server, timeout=5.0) -> websocket.WebSocket:
    return websocket.create_connection(f"ws://127.0.0.1:{server.port}/ws/events", timeout=timeout)


def receive_json(ws) -> dict:
    opcode, data = ws.recv_data()
    assert opcode == websocket.ABNF.OPCODE_TEXT, f"expected a text frame, got opcode {opcode}"
    return json.loads(data.decode("utf-8"))


def subscribed(server, timeout=5.0) -> websocket.WebSocket:
    """A connection the server has surely registered: it answered our message."""
    ws = connect(server, timeout)
    ws.send("hello")
    assert receive_json(ws) == {"type": "ack"}
    return ws


def test_client_text_message_is_acknowledged(server):
    ws = connect(server)
    try:
        for text in ("hello", "{}", "ü" * 100, "x" * 10000):
            ws.send(text)
            assert receive_json(ws) == {"type": "ack"}, f"for message {text[:20]!r}"
    finally:
        ws.close()


def test_ping_is_answered_with_pong(server):
    ws = connect(server)
    try:
        ws.ping(b"are-you-there")
        opcode, data = ws.recv_data(control_frame=True)
        assert opcode == websocket.ABNF.OPCODE_PONG and data == b"are-you-there"
    finally:
        ws.close()


def test_user_events_arrive_in_order(server):
    ws = subscribed(server)
    try:
        user = server.create_user("Eve", "eve@example.com")
        updated = server.put_json(f"/api/users/{user['id']}", {"name": "Eve 2", "email": "eve2@example.com"})
        assert updated.status == 200, updated.describe()
        deleted = server.delete(f"/api/users/{user['id']}")
        assert deleted.status == 204, deleted.describe()

        created_event = receive_json(ws)
        assert created_event["type"] == "user.created", created_event
        assert created_event["user"] == user, created_event

        updated_event = receive_json(ws)
        assert updated_event["type"] == "user.updated", updated_event
        assert updated_event["user"] == updated.json(), updated_event

        deleted_event = receive_json(ws)
        assert deleted_event["type"] == "user.deleted", deleted_event
        assert deleted_event["user"]["id"] == user["id"], deleted_event
    finally:
        ws.close()


def test_every_subscriber_gets_every_event(server):
    clients = [subscribed(server) for _ in range(3)]
    try:
        users = [server.create_user(f"Fan {i}", f"fan{i}@example.com") for i in range(3)]
        for ws in clients:
            events = [receive_json(ws) for _ in users]
            assert [e["type"] for e in events] == ["user.created"] * 3, events
            assert [e["user"]["id"] for e in events] == [u["id"] for u in users], events
    finally:
        for ws in clients:
            ws.close()


def test_failed_writes_send_no_event(server):
    ws = subscribed(server)
    try:
        server.create_user("Only", "only@example.com")
        assert server.post_json("/api/users", {"name": "Dup", "email": "only@example.com"}).status == 409
        assert server.post_json("/api/users", {"name": "", "email": "bad"}).status == 422
        assert server.delete("/api/users/987654").status == 404
        marker = server.create_user("Marker", "marker@example.com")
        first = receive_json(ws)
        second = receive_json(ws)
        assert first["type"] == "user.created" and first["user"]["email"] == "only@example.com", first
        assert second["type"] == "user.created" and second["user"]["id"] == marker["id"], (
            f"an event for a failed write arrived: {second}")
    finally:
        ws.close()


def test_closed_subscriber_does_not_break_the_server(server):
    gone = subscribed(server)
    gone.sock.shutdown(socket.SHUT_RDWR)  # vanish without a close frame
    gone.sock.close()
    stay = subscribed(server)
    try:
        for i in range(5):
            server.create_user(f"After {i}", f"after{i}@example.com")
        assert [receive_json(stay)["user"]["email"] for _ in range(5)] == [
            f"after{i}@example.com" for i in range(5)]
        assert server.get("/health").status == 200
    finally:
        stay.close()


def test_close_handshake_is_answered(server):
    ws = connect(server)
    ws.send("hi")
    assert receive_json(ws) == {"type": "ack"}
    start = time.monotonic()
    ws.close(timeout=5)
    assert time.monotonic() - start < 4.5, "server did not answer the close frame"


def test_plain_get_without_upgrade_is_a_json_error(server):
    with server.raw() as conn:
        conn.send(request_bytes("GET", "/ws/events"))
        response = conn.read_response(timeout=5)
    assert response.status in (400, 426), response.describe()
    assert_error(response, response.status)


LOAD_SCRIPT = """
import http.client, sys, time
port, deadline = int(sys.argv[1]), time.monotonic() + float(sys.argv[2])
while time.monotonic() < deadline:
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request("GET", "/compute/33")
        c.getresponse().read()
        c.close()
    except OSError:
        time.sleep(0.01)
"""


@pytest.mark.parametrize("io_threads", ["2", "4"])
def test_events_of_sequential_writes_keep_their_order_under_load(start_server, io_threads):
    """Each write finishes before the next starts (each from a new connection, so on any
    I/O thread) while other processes keep every core busy, so that I/O threads get
    preempted: the events must still arrive in the order of the writes."""
    import subprocess
    import sys

    server = start_server(env={"GLASSBOX_THREADS": io_threads, "COMPUTE_THREADS": "4",
                               "COMPUTE_QUEUE": "64"})
    ws = subscribed(server)
    loaders = [subprocess.Popen([sys.executable, "-c", LOAD_SCRIPT, str(server.port), "30"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for _ in range(6)]
    try:
        ids = [server.create_user(f"Seq {i}", f"seq{i}@example.com")["id"] for i in range(400)]
        received = [receive_json(ws)["user"]["id"] for _ in ids]
        out_of_order = [(i, a, b) for i, (a, b) in enumerate(zip(ids, received)) if a != b]
        assert not out_of_order, (
            f"events out of order (index, written id, received id): {out_of_order[:10]}")
    finally:
        for loader in loaders:  # only the processes started here, by their PID
            loader.kill()
            loader.wait(10)
        ws.close()
