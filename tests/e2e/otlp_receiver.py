"""A small OTLP/HTTP trace receiver for the end-to-end tests.

It listens on a free loopback port, accepts `POST /v1/traces` with
`application/x-protobuf` (decoded here by a minimal protobuf wire-format decoder, written
against the field numbers of opentelemetry-proto's ExportTraceServiceRequest) or
`application/json` (the OTLP JSON mapping: hex ids, lowerCamelCase keys, 64-bit integers as
strings), and records every span it accepted. Its behaviour is programmable per request:

    receiver.answer_ok()                       200 with an empty ExportTraceServiceResponse
    receiver.answer_status(503, times=3)       503 three times, then 200 again
    receiver.go_silent()                       read the request, never answer, keep the socket
    receiver.answer_after(30.0)                read the request, answer 200 30 s later (slow)
    receiver.go_down() / receiver.come_back()  close the listening socket / listen again

Spans are only recorded from requests answered 2xx (what the exporter was told succeeded);
every request is counted, whatever the answer.

Nothing here sleeps to synchronise: waits poll a condition against a deadline.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from dataclasses import dataclass, field

LOOPBACK = "127.0.0.1"

SPAN_KIND_INTERNAL = 1
SPAN_KIND_SERVER = 2
SPAN_KIND_CLIENT = 3
STATUS_UNSET = 0
STATUS_OK = 1
STATUS_ERROR = 2


# --------------------------------------------------------------------------------------
# Protobuf wire format
# --------------------------------------------------------------------------------------

class WireError(ValueError):
    pass


def _varint(data: bytes, i: int) -> tuple:
    value = 0
    shift = 0
    while True:
        if i >= len(data):
            raise WireError("truncated varint")
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, i
        shift += 7
        if shift >= 70:
            raise WireError("varint longer than 10 bytes")


def fields(data: bytes) -> list:
    """[(field number, wire type, value)] of one message; value is an int for varint,
    fixed64 and fixed32 (raw unsigned), bytes for length-delimited."""
    out = []
    i = 0
    while i < len(data):
        key, i = _varint(data, i)
        number, wire_type = key >> 3, key & 7
        if number == 0:
            raise WireError("field number 0")
        if wire_type == 0:
            value, i = _varint(data, i)
        elif wire_type == 1:
            if i + 8 > len(data):
                raise WireError("truncated fixed64")
            value = struct.unpack_from("<Q", data, i)[0]
            i += 8
        elif wire_type == 2:
            length, i = _varint(data, i)
            if i + length > len(data):
                raise WireError(f"field {number}: length {length} beyond the message")
            value = data[i:i + length]
            i += length
        elif wire_type == 5:
            if i + 4 > len(data):
                raise WireError("truncated fixed32")
            value = struct.unpack_from("<I", data, i)[0]
            i += 4
        else:
            raise WireError(f"field {number}: unsupported wire type {wire_type}")
        out.append((number, wire_type, value))
    return out


def _expect(wire_type: int, expected: int, what: str):
    if wire_type != expected:
        raise WireError(f"{what}: wire type {wire_type}, expected {expected}")


def _signed64(value: int) -> int:
    return value - (1 << 64) if value >= (1 << 63) else value


def _any_value_pb(data: bytes):
    value = None
    for number, wire_type, raw in fields(data):
        if number == 1:
            _expect(wire_type, 2, "AnyValue.string_value")
            value = raw.decode("utf-8")
        elif number == 2:
            _expect(wire_type, 0, "AnyValue.bool_value")
            value = bool(raw)
        elif number == 3:
            _expect(wire_type, 0, "AnyValue.int_value")
            value = _signed64(raw)
        elif number == 4:
            _expect(wire_type, 1, "AnyValue.double_value")
            value = struct.unpack("<d", struct.pack("<Q", raw))[0]
        else:
            value = ("unsupported AnyValue field", number)
    return value


def _attributes_pb(entries: list) -> dict:
    out = {}
    for data in entries:
        key, value = None, None
        for number, wire_type, raw in fields(data):
            if number == 1:
                _expect(wire_type, 2, "KeyValue.key")
                key = raw.decode("utf-8")
            elif number == 2:
                _expect(wire_type, 2, "KeyValue.value")
                value = _any_value_pb(raw)
        if key is None:
            raise WireError("KeyValue without key")
        if key in out:
            raise WireError(f"attribute {key!r} repeated")
        out[key] = value
    return out


@dataclass
class ReceivedSpan:
    trace_id: str          # 32 lower-case hex digits
    span_id: str           # 16
    parent_span_id: str    # 16, or "" for a root span
    name: str
    kind: int
    start_ns: int
    end_ns: int
    attributes: dict
    status_code: int
    status_message: str
    trace_state: str
    flags: int | None
    resource: dict = field(default_factory=dict)
    scope_name: str = ""
    scope_version: str = ""
    encoding: str = ""     # "protobuf" or "json"

    def describe(self) -> str:
        return (f"{self.name!r} kind={self.kind} trace={self.trace_id} span={self.span_id} "
                f"parent={self.parent_span_id or '-'} status={self.status_code} "
                f"attrs={self.attributes}")


def _span_pb(data: bytes) -> dict:
    span = {"trace_id": "", "span_id": "", "parent_span_id": "", "name": "", "kind": 0,
            "start_ns": 0, "end_ns": 0, "attributes": {}, "status_code": 0,
            "status_message": "", "trace_state": "", "flags": None}
    attributes = []
    for number, wire_type, raw in fields(data):
        if number == 1:
            _expect(wire_type, 2, "Span.trace_id")
            span["trace_id"] = raw.hex()
        elif number == 2:
            _expect(wire_type, 2, "Span.span_id")
            span["span_id"] = raw.hex()
        elif number == 3:
            _expect(wire_type, 2, "Span.trace_state")
            span["trace_state"] = raw.decode("utf-8")
        elif number == 4:
            _expect(wire_type, 2, "Span.parent_span_id")
            span["parent_span_id"] = raw.hex()
        elif number == 5:
            _expect(wire_type, 2, "Span.name")
            span["name"] = raw.decode("utf-8")
        elif number == 6:
            _expect(wire_type, 0, "Span.kind")
            span["kind"] = raw
        elif number == 7:
            _expect(wire_type, 1, "Span.start_time_unix_nano")
            span["start_ns"] = raw
        elif number == 8:
            _expect(wire_type, 1, "Span.end_time_unix_nano")
            span["end_ns"] = raw
        elif number == 9:
            _expect(wire_type, 2, "Span.attributes")
            attributes.append(raw)
        elif number == 15:
            _expect(wire_type, 2, "Span.status")
            for n, w, v in fields(raw):
                if n == 2:
                    _expect(w, 2, "Status.message")
                    span["status_message"] = v.decode("utf-8")
                elif n == 3:
                    _expect(w, 0, "Status.code")
                    span["status_code"] = v
        elif number == 16:
            _expect(wire_type, 5, "Span.flags")
            span["flags"] = raw
    span["attributes"] = _attributes_pb(attributes)
    return span


def decode_protobuf(body: bytes) -> list:
    """The spans of an ExportTraceServiceRequest, each with its resource and scope."""
    spans = []
    for number, wire_type, resource_spans in fields(body):
        if number != 1:
            continue
        _expect(wire_type, 2, "ExportTraceServiceRequest.resource_spans")
        resource = {}
        scope_spans_list = []
        for n, w, v in fields(resource_spans):
            if n == 1:
                _expect(w, 2, "ResourceSpans.resource")
                resource = _attributes_pb([a for an, aw, a in fields(v) if an == 1])
            elif n == 2:
                _expect(w, 2, "ResourceSpans.scope_spans")
                scope_spans_list.append(v)
        for scope_spans in scope_spans_list:
            scope_name, scope_version = "", ""
            for n, w, v in fields(scope_spans):
                if n == 1:
                    _expect(w, 2, "ScopeSpans.scope")
                    for sn, sw, sv in fields(v):
                        if sn == 1:
                            scope_name = sv.decode("utf-8")
                        elif sn == 2:
                            scope_version = sv.decode("utf-8")
            for n, w, v in fields(scope_spans):
                if n == 2:
                    _expect(w, 2, "ScopeSpans.spans")
                    spans.append(ReceivedSpan(**_span_pb(v), resource=dict(resource),
                                              scope_name=scope_name,
                                              scope_version=scope_version,
                                              encoding="protobuf"))
    return spans


# --------------------------------------------------------------------------------------
# OTLP JSON
# --------------------------------------------------------------------------------------

def _hex_id(value, length: int, what: str) -> str:
    if not isinstance(value, str) or len(value) != length or value != value.lower():
        raise WireError(f"{what}: expected {length} lower-case hex digits, got {value!r}")
    int(value, 16)
    return value


def _json_int64(value, what: str) -> int:
    # The OTLP JSON mapping writes 64-bit integers as decimal strings.
    if not isinstance(value, str):
        raise WireError(f"{what}: 64-bit integer not written as a string: {value!r}")
    return int(value)


def _any_value_json(value: dict):
    if not isinstance(value, dict) or len(value) != 1:
        raise WireError(f"AnyValue must have exactly one member: {value!r}")
    (key, raw), = value.items()
    if key == "stringValue":
        return raw
    if key == "boolValue":
        return bool(raw)
    if key == "intValue":
        return _json_int64(raw, "intValue")
    if key == "doubleValue":
        return float(raw)
    return ("unsupported AnyValue member", key)


def _attributes_json(entries) -> dict:
    out = {}
    for entry in entries or []:
        key = entry["key"]
        if key in out:
            raise WireError(f"attribute {key!r} repeated")
        out[key] = _any_value_json(entry.get("value", {}))
    return out


def decode_json(body: bytes) -> list:
    document = json.loads(body.decode("utf-8"))
    spans = []
    for resource_spans in document.get("resourceSpans", []):
        resource = _attributes_json(resource_spans.get("resource", {}).get("attributes"))
        for scope_spans in resource_spans.get("scopeSpans", []):
            scope = scope_spans.get("scope", {})
            for raw in scope_spans.get("spans", []):
                status = raw.get("status", {})
                parent = raw.get("parentSpanId", "")
                spans.append(ReceivedSpan(
                    trace_id=_hex_id(raw["traceId"], 32, "traceId"),
                    span_id=_hex_id(raw["spanId"], 16, "spanId"),
                    parent_span_id=_hex_id(parent, 16, "parentSpanId") if parent else "",
                    name=raw.get("name", ""),
                    kind=int(raw.get("kind", 0)),
                    start_ns=_json_int64(raw["startTimeUnixNano"], "startTimeUnixNano"),
                    end_ns=_json_int64(raw["endTimeUnixNano"], "endTimeUnixNano"),
                    attributes=_attributes_json(raw.get("attributes")),
                    status_code=int(status.get("code", 0)),
                    status_message=status.get("message", ""),
                    trace_state=raw.get("traceState", ""),
                    flags=raw.get("flags"),
                    resource=dict(resource),
                    scope_name=scope.get("name", ""),
                    scope_version=scope.get("version", ""),
                    encoding="json"))
    return spans


# --------------------------------------------------------------------------------------
# The receiver
# --------------------------------------------------------------------------------------

@dataclass
class ReceivedRequest:
    method: str
    path: str
    headers: dict          # lower-case names
    body: bytes
    answered: int | None   # the status answered, None when left unanswered
    error: str = ""        # why the body could not be decoded, if it could not
    at: float = 0.0        # time.monotonic() when the request was read


class OtlpReceiver:
    """Threaded HTTP/1.1 server on 127.0.0.1 (port chosen by the kernel, kept across
    go_down/come_back). Keep-alive supported; one thread per connection."""

    def __init__(self):
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self.spans: list = []           # ReceivedSpan, from requests answered 2xx
        self.requests: list = []        # ReceivedRequest, every one
        self.decode_errors: list = []
        self._mode = "ok"
        self._fail_status = 503
        self._fail_times = 0
        self._retry_after: str | None = None
        self._listener: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._connections: set = set()
        self._silent_sockets: list = []
        self._closed = False
        self._slow_seconds = 0.0
        # Set to release the requests that answer_after() holds (stop, come_back, answer_ok).
        self._release_slow = threading.Event()
        self.port: int | None = None

    # -- life ------------------------------------------------------------------------
    def start(self):
        self._listen()
        return self

    def _listen(self):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((LOOPBACK, self.port or 0))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._accept_thread = threading.Thread(target=self._accept_loop, args=(listener,),
                                               daemon=True)
        self._accept_thread.start()

    def _close_listener(self):
        listener, self._listener = self._listener, None
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            listener.close()
        if self._accept_thread is not None:
            self._accept_thread.join(5)
            self._accept_thread = None

    def _close_connections(self):
        with self._lock:
            connections = list(self._connections) + self._silent_sockets
            self._connections.clear()
            self._silent_sockets = []
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                conn.close()
            except OSError:
                pass

    def stop(self):
        self._closed = True
        self._release_slow.set()
        self._close_listener()
        self._close_connections()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def endpoint(self) -> str:
        """The value for OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends /v1/traces)."""
        return f"http://{LOOPBACK}:{self.port}"

    # -- behaviour -------------------------------------------------------------------
    def answer_ok(self):
        with self._lock:
            self._mode = "ok"
            self._fail_times = 0
            self._release_slow.set()

    def answer_after(self, seconds: float):
        """Reads each request, then answers it 200 only `seconds` later (a slow collector).
        The request is counted when read; its spans when answered. stop(), come_back() and
        answer_ok() end the wait early by closing the held connections unanswered."""
        with self._lock:
            self._mode = "slow"
            self._slow_seconds = seconds
            self._release_slow = threading.Event()

    def answer_status(self, status: int = 503, times: int = 1, retry_after: str | None = None):
        """Answers `status` to the next `times` requests (0: to all of them), then 200."""
        with self._lock:
            self._mode = "fail"
            self._fail_status = status
            self._fail_times = times
            self._retry_after = retry_after

    def go_silent(self):
        """Accepts connections and reads requests, but never answers."""
        with self._lock:
            self._mode = "silent"

    def go_down(self):
        """Closes the listening socket (connects are refused) and every connection."""
        self._close_listener()
        self._close_connections()
        with self._lock:
            self._mode = "ok"

    def come_back(self):
        """Listens again on the same port, answering 200."""
        self.answer_ok()
        self._close_connections()  # silent connections: the client sees them end
        if self._listener is None:
            self._listen()

    # -- observations ----------------------------------------------------------------
    def span_list(self) -> list:
        with self._lock:
            return list(self.spans)

    def request_count(self) -> int:
        with self._lock:
            return len(self.requests)

    def request_list(self) -> list:
        with self._lock:
            return list(self.requests)

    def wait_for(self, predicate, timeout: float, message: str = "spans"):
        """Waits until predicate(list of spans) is truthy; returns its value."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                value = predicate(list(self.spans))
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    spans = "\n  ".join(s.describe() for s in self.spans[-30:])
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {message}; "
                        f"{len(self.requests)} request(s), {len(self.spans)} span(s):\n  "
                        f"{spans}\ndecode errors: {self.decode_errors}")
                self._changed.wait(min(remaining, 0.1))

    def wait_requests(self, count: int, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.requests) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out after {timeout}s waiting for {count} "
                                         f"export request(s); got {len(self.requests)}")
                self._changed.wait(min(remaining, 0.1))
            return len(self.requests)

    def spans_of_trace(self, trace_id: str) -> list:
        return [s for s in self.span_list() if s.trace_id == trace_id]

    # -- serving ---------------------------------------------------------------------
    def _accept_loop(self, listener: socket.socket):
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with self._lock:
                if self._closed or self._listener is not listener:
                    conn.close()
                    return
                self._connections.add(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    @staticmethod
    def _read_request(conn: socket.socket, buffer: bytes):
        """Returns (method, path, headers, body, rest of buffer) or None at EOF."""
        while b"\r\n\r\n" not in buffer:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            buffer += chunk
        head, buffer = buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = b""
            while True:
                while b"\r\n" not in buffer:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return None
                    buffer += chunk
                size_line, buffer = buffer.split(b"\r\n", 1)
                size = int(size_line.split(b";")[0], 16)
                while len(buffer) < size + 2:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return None
                    buffer += chunk
                body += buffer[:size]
                buffer = buffer[size + 2:]
                if size == 0:
                    break
        else:
            length = int(headers.get("content-length", "0"))
            while len(buffer) < length:
                chunk = conn.recv(65536)
                if not chunk:
                    return None
                buffer += chunk
            body, buffer = buffer[:length], buffer[length:]
        return method, path, headers, body, buffer

    def _decide(self) -> str | int:
        """Under the lock: 'silent', 'slow', or the status to answer."""
        if self._mode in ("silent", "slow"):
            return self._mode
        if self._mode == "fail":
            status = self._fail_status
            if self._fail_times > 0:
                self._fail_times -= 1
                if self._fail_times == 0:
                    self._mode = "ok"
            return status
        return 200

    def _serve(self, conn: socket.socket):
        buffer = b""
        try:
            while True:
                parsed = self._read_request(conn, buffer)
                if parsed is None:
                    return
                method, path, headers, body, buffer = parsed
                with self._lock:
                    decision = self._decide()
                    retry_after = self._retry_after
                    slow_seconds, release = self._slow_seconds, self._release_slow
                record = ReceivedRequest(method, path, headers, body,
                                         None if decision in ("silent", "slow") else decision,
                                         at=time.monotonic())
                counted = decision == "slow"
                if counted:
                    # Counted as read now; answered, and its spans kept, only later.
                    with self._lock:
                        self.requests.append(record)
                        self._changed.notify_all()
                    if release.wait(slow_seconds):
                        return  # released early: closed unanswered (finally)
                    decision = record.answered = 200
                spans, error = [], ""
                if method == "POST" and path == "/v1/traces" and decision != "silent":
                    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
                    try:
                        if content_type == "application/x-protobuf":
                            spans = decode_protobuf(body)
                        elif content_type == "application/json":
                            spans = decode_json(body)
                        else:
                            error = f"unexpected content type {content_type!r}"
                    except (WireError, ValueError, KeyError, TypeError,
                            UnicodeDecodeError) as e:
                        error = f"{type(e).__name__}: {e}"
                elif decision != "silent":
                    error = f"unexpected request {method} {path}"
                    decision = 404
                    record.answered = 404
                if error:
                    record.error = error
                    if decision == 200:
                        decision = 400
                        record.answered = 400
                with self._lock:
                    if not counted:
                        self.requests.append(record)
                    if error:
                        self.decode_errors.append(error)
                    elif isinstance(decision, int) and 200 <= decision < 300:
                        self.spans.extend(spans)
                    self._changed.notify_all()
                if decision == "silent":
                    with self._lock:
                        self._connections.discard(conn)
                        self._silent_sockets.append(conn)
                    conn = None  # kept open, never answered, closed by come_back/stop
                    return
                self._respond(conn, decision, headers, retry_after)
        except OSError:
            return
        finally:
            if conn is not None:
                with self._lock:
                    self._connections.discard(conn)
                try:
                    conn.close()
                except OSError:
                    pass

    @staticmethod
    def _respond(conn: socket.socket, status: int, request_headers: dict,
                 retry_after: str | None):
        reasons = {200: "OK", 400: "Bad Request", 404: "Not Found", 429: "Too Many Requests",
                   500: "Internal Server Error", 502: "Bad Gateway",
                   503: "Service Unavailable", 504: "Gateway Timeout"}
        content_type = request_headers.get("content-type", "application/x-protobuf")
        if status == 200:
            # An empty ExportTraceServiceResponse (no partial_success).
            body = b"{}" if content_type.startswith("application/json") else b""
        else:
            body = b""
        lines = [f"HTTP/1.1 {status} {reasons.get(status, 'Status')}",
                 f"Content-Type: {content_type.split(';')[0]}",
                 f"Content-Length: {len(body)}"]
        if status != 200 and retry_after is not None:
            lines.append(f"Retry-After: {retry_after}")
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
