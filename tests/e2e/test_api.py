"""The HTTP API of CONTRACT.md, route by route and error by error, run against SQLite and
against a real PostgreSQL 15 (the `backend` parameter)."""

import datetime
import json
import re

import pytest

from glassbox import RFC3339_UTC, assert_error, request_bytes, wait_until


def parse_time(text: str) -> datetime.datetime:
    assert isinstance(text, str) and RFC3339_UTC.match(text), f"not RFC 3339 UTC: {text!r}"
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def assert_user(user: dict, name: str, email: str, expires: bool = False):
    assert set(user) == {"id", "name", "email", "created_at", "expires_at"}, user
    assert isinstance(user["id"], int) and not isinstance(user["id"], bool) and user["id"] > 0, user
    assert user["name"] == name, user
    assert user["email"] == email, user
    created = parse_time(user["created_at"])
    now = datetime.datetime.now(datetime.timezone.utc)
    assert abs((now - created).total_seconds()) < 120, f"created_at far from now: {user}"
    if expires:
        assert user["expires_at"] is not None, user
        parse_time(user["expires_at"])
    else:
        assert user["expires_at"] is None, user


def allowed_methods(response) -> set:
    allow = response.header("Allow")
    assert allow, f"405 without Allow header:\n{response.describe()}"
    return {m.strip().upper() for m in allow.split(",") if m.strip()}


# ----------------------------------------------------------------------------- probes

def test_health_answers_ok(api):
    response = api.get("/health")
    assert response.status == 200, response.describe()
    assert response.header("Content-Type", "").startswith("application/json"), response.describe()
    assert response.json() == {"status": "ok"}


def test_ready_reports_database_ok(api):
    response = api.get("/ready")
    assert response.status == 200, response.describe()
    assert response.header("Content-Type", "").startswith("application/json"), response.describe()
    assert response.json() == {"status": "ready", "checks": {"database": "ok"}}


# ----------------------------------------------------------------------------- create

def test_create_user_returns_201_with_the_user_and_location(api):
    response = api.post_json("/api/users", {"name": "Ada Lovelace", "email": "ada@example.com"})
    assert response.status == 201, response.describe()
    assert response.header("Content-Type", "").startswith("application/json"), response.describe()
    user = response.json()
    assert_user(user, "Ada Lovelace", "ada@example.com")
    location = response.header("Location")
    assert location, response.describe()
    assert re.search(rf"/api/users/{user['id']}$", location), location
    path = re.sub(r"^https?://[^/]+", "", location)
    fetched = api.get(path)
    assert fetched.status == 200, fetched.describe()
    assert fetched.json() == user


def test_create_user_with_ttl_sets_expires_at(api):
    response = api.post_json("/api/users",
                             {"name": "Temp", "email": "temp@example.com", "ttl_seconds": 3600})
    assert response.status == 201, response.describe()
    user = response.json()
    assert_user(user, "Temp", "temp@example.com", expires=True)
    delta = parse_time(user["expires_at"]) - parse_time(user["created_at"])
    assert abs(delta.total_seconds() - 3600) <= 2, user


def test_create_user_with_null_ttl_never_expires(api):
    response = api.post_json("/api/users",
                             {"name": "Forever", "email": "forever@example.com", "ttl_seconds": None})
    assert response.status == 201, response.describe()
    assert_user(response.json(), "Forever", "forever@example.com")


def test_create_user_ids_are_distinct(api):
    a = api.create_user("A", "a@example.com")
    b = api.create_user("B", "b@example.com")
    assert a["id"] != b["id"]


def test_create_user_accepts_unicode_name_of_100_code_points(api):
    name = "é" * 100  # 200 bytes, 100 code points
    response = api.post_json("/api/users", {"name": name, "email": "long@example.com"})
    assert response.status == 201, response.describe()
    assert response.json()["name"] == name
    fetched = api.get(f"/api/users/{response.json()['id']}")
    assert fetched.json()["name"] == name


def test_create_user_ignores_unknown_fields(api):
    response = api.post_json("/api/users",
                             {"name": "Extra", "email": "extra@example.com", "role": "admin"})
    assert response.status == 201, response.describe()
    assert "role" not in response.json()


def test_create_user_accepts_json_content_type_with_charset(api):
    response = api.request("POST", "/api/users",
                           body=json.dumps({"name": "C", "email": "charset@example.com"}),
                           headers={"Content-Type": "application/json; charset=utf-8"})
    assert response.status == 201, response.describe()


def test_duplicate_email_is_409_conflict(api):
    api.create_user("First", "dup@example.com")
    response = api.post_json("/api/users", {"name": "Second", "email": "dup@example.com"})
    assert_error(response, 409, "conflict")
    listing = api.get("/api/users").json()
    assert listing["total"] == 1, listing


INVALID_BODIES = [
    ({"email": "x@example.com"}, "name"),
    ({"name": "", "email": "x@example.com"}, "name"),
    ({"name": "n" * 101, "email": "x@example.com"}, "name"),
    ({"name": 42, "email": "x@example.com"}, "name"),
    ({"name": None, "email": "x@example.com"}, "name"),
    ({"name": "bell\u0007", "email": "x@example.com"}, "name"),
    ({"name": "N"}, "email"),
    ({"name": "N", "email": ""}, "email"),
    ({"name": "N", "email": "not-an-email"}, "email"),
    ({"name": "N", "email": "a@b"}, "email"),
    ({"name": "N", "email": "a@@example.com"}, "email"),
    ({"name": "N", "email": "a b@example.com"}, "email"),
    ({"name": "N", "email": ["x@example.com"]}, "email"),
    ({"name": "N", "email": "x@example.com", "ttl_seconds": 0}, "ttl_seconds"),
    ({"name": "N", "email": "x@example.com", "ttl_seconds": -5}, "ttl_seconds"),
    ({"name": "N", "email": "x@example.com", "ttl_seconds": 1.5}, "ttl_seconds"),
    ({"name": "N", "email": "x@example.com", "ttl_seconds": "60"}, "ttl_seconds"),
    ({"name": "N", "email": "x@example.com", "ttl_seconds": 10 ** 30}, "ttl_seconds"),
]


@pytest.mark.parametrize("payload,field_name", INVALID_BODIES,
                         ids=[f"{f}-{i}" for i, (_, f) in enumerate(INVALID_BODIES)])
def test_invalid_user_fields_are_422_naming_the_field(api, payload, field_name):
    response = api.post_json("/api/users", payload)
    assert_error(response, 422, "validation_failed", field_name=field_name)
    assert api.get("/api/users").json()["total"] == 0


@pytest.mark.parametrize("body", ["[]", '"just a string"', "42", "null"])
def test_non_object_json_body_is_refused(api, body):
    response = api.request("POST", "/api/users", body=body,
                           headers={"Content-Type": "application/json"})
    if response.status == 400:
        assert_error(response, 400, ("malformed_json", "bad_request"))
    else:
        assert_error(response, 422, "validation_failed")


@pytest.mark.parametrize("body", ['{"name": "x", "email": ', "{name: 'x'}", "",
                                  '{"name":"x","email":"y@example.com"} trailing',
                                  "[" * 100000])
def test_malformed_json_is_400(api, body):
    response = api.request("POST", "/api/users", body=body,
                           headers={"Content-Type": "application/json"})
    assert_error(response, 400, "malformed_json")


def test_invalid_utf8_name_is_refused(api):
    body = b'{"name": "bad \xff\xfe", "email": "utf8@example.com"}'
    response = api.request("POST", "/api/users", body=body,
                           headers={"Content-Type": "application/json"})
    assert response.status in (400, 422), response.describe()
    assert_error(response, response.status, ("malformed_json", "validation_failed"))


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded",
                                          "application/jsonx"])
def test_post_without_json_content_type_is_415(api, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = api.request("POST", "/api/users",
                           body=json.dumps({"name": "N", "email": "ct@example.com"}),
                           headers=headers)
    assert_error(response, 415, "unsupported_media_type")
    assert api.get("/api/users").json()["total"] == 0


# ----------------------------------------------------------------------------- read

def test_get_unknown_user_is_404(api):
    assert_error(api.get("/api/users/999999"), 404, "not_found")


@pytest.mark.parametrize("user_id", ["abc", "1.5", "-1", "0x10", "%20", "1a"])
def test_get_non_numeric_id_is_404(api, user_id):
    assert_error(api.get(f"/api/users/{user_id}"), 404, "not_found")


def test_get_huge_id_is_404_not_500(api):
    assert_error(api.get("/api/users/99999999999999999999999999"), 404, "not_found")


def test_unknown_path_is_404_json(api):
    assert_error(api.get("/no/such/route"), 404, "not_found")
    assert_error(api.get("/api/users/1/extra"), 404, "not_found")


# ----------------------------------------------------------------------------- list

def test_list_empty(api):
    response = api.get("/api/users")
    assert response.status == 200, response.describe()
    assert response.json() == {"items": [], "limit": 20, "offset": 0, "total": 0}


def test_list_pagination_covers_every_user_once(api):
    created = [api.create_user(f"User {i}", f"user{i}@example.com") for i in range(5)]
    response = api.get("/api/users")
    body = response.json()
    assert body["total"] == 5 and body["limit"] == 20 and body["offset"] == 0, body
    assert sorted(u["id"] for u in body["items"]) == sorted(u["id"] for u in created)
    by_id = {u["id"]: u for u in created}
    for item in body["items"]:
        assert item == by_id[item["id"]], item

    seen = []
    for offset in (0, 2, 4):
        page = api.get(f"/api/users?limit=2&offset={offset}")
        assert page.status == 200, page.describe()
        page_body = page.json()
        assert page_body["limit"] == 2 and page_body["offset"] == offset, page_body
        assert page_body["total"] == 5, page_body
        assert len(page_body["items"]) == (2 if offset < 4 else 1), page_body
        seen += [u["id"] for u in page_body["items"]]
    assert sorted(seen) == sorted(by_id), f"pages overlap or miss users: {seen}"

    beyond = api.get("/api/users?offset=10").json()
    assert beyond["items"] == [] and beyond["total"] == 5, beyond


@pytest.mark.parametrize("query", ["limit=1", "limit=100", "offset=0", "limit=100&offset=3"])
def test_list_accepts_boundary_parameters(api, query):
    response = api.get(f"/api/users?{query}")
    assert response.status == 200, response.describe()
    body = response.json()
    for part in query.split("&"):
        key, value = part.split("=")
        assert body[key] == int(value), body


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=-1", "limit=abc", "limit=",
                                   "offset=-1", "offset=x", "limit=1.5",
                                   "limit=99999999999999999999999"])
def test_list_refuses_bad_parameters_with_400(api, query):
    assert_error(api.get(f"/api/users?{query}"), 400, "bad_request")


# ----------------------------------------------------------------------------- update

def test_put_replaces_name_and_email(api):
    user = api.create_user("Old", "old@example.com")
    assert api.get(f"/api/users/{user['id']}").status == 200  # warm any cache
    response = api.put_json(f"/api/users/{user['id']}", {"name": "New", "email": "new@example.com"})
    assert response.status == 200, response.describe()
    updated = response.json()
    assert updated["id"] == user["id"], updated
    assert updated["name"] == "New" and updated["email"] == "new@example.com", updated
    assert updated["created_at"] == user["created_at"], updated
    fetched = api.get(f"/api/users/{user['id']}")
    assert fetched.status == 200, fetched.describe()
    assert fetched.json() == updated, "GET after PUT returned stale data"
    # The old e-mail is free again, the new one is taken.
    assert api.post_json("/api/users", {"name": "X", "email": "old@example.com"}).status == 201
    assert_error(api.post_json("/api/users", {"name": "Y", "email": "new@example.com"}), 409,
                 "conflict")


def test_put_unknown_user_is_404(api):
    response = api.put_json("/api/users/424242", {"name": "N", "email": "n@example.com"})
    assert_error(response, 404, "not_found")


def test_put_with_email_of_another_user_is_409(api):
    api.create_user("One", "one@example.com")
    two = api.create_user("Two", "two@example.com")
    response = api.put_json(f"/api/users/{two['id']}", {"name": "Two", "email": "one@example.com"})
    assert_error(response, 409, "conflict")
    assert api.get(f"/api/users/{two['id']}").json()["email"] == "two@example.com"


def test_put_keeping_own_email_is_allowed(api):
    user = api.create_user("Same", "same@example.com")
    response = api.put_json(f"/api/users/{user['id']}", {"name": "Renamed", "email": "same@example.com"})
    assert response.status == 200, response.describe()
    assert response.json()["name"] == "Renamed"


@pytest.mark.parametrize("payload,field_name", [
    ({"name": "", "email": "v@example.com"}, "name"),
    ({"email": "v@example.com"}, "name"),
    ({"name": "V", "email": "nope"}, "email"),
    ({"name": "V"}, "email"),
])
def test_put_invalid_fields_is_422(api, payload, field_name):
    user = api.create_user("Valid", "valid@example.com")
    response = api.put_json(f"/api/users/{user['id']}", payload)
    assert_error(response, 422, "validation_failed", field_name=field_name)
    assert api.get(f"/api/users/{user['id']}").json() == user


def test_put_malformed_json_is_400(api):
    user = api.create_user("Valid", "valid@example.com")
    response = api.request("PUT", f"/api/users/{user['id']}", body='{"name":',
                           headers={"Content-Type": "application/json"})
    assert_error(response, 400, "malformed_json")


def test_put_without_json_content_type_is_415(api):
    user = api.create_user("Valid", "valid@example.com")
    response = api.request("PUT", f"/api/users/{user['id']}",
                           body=json.dumps({"name": "N", "email": "n@example.com"}),
                           headers={"Content-Type": "text/plain"})
    assert_error(response, 415, "unsupported_media_type")


# ----------------------------------------------------------------------------- delete

def test_delete_user_is_204_then_404(api):
    user = api.create_user("Gone", "gone@example.com")
    assert api.get(f"/api/users/{user['id']}").status == 200  # warm any cache
    response = api.delete(f"/api/users/{user['id']}")
    assert response.status == 204, response.describe()
    assert response.body == b"", response.describe()
    assert_error(api.get(f"/api/users/{user['id']}"), 404, "not_found")
    assert_error(api.delete(f"/api/users/{user['id']}"), 404, "not_found")
    assert api.get("/api/users").json()["total"] == 0
    # The e-mail can be used again.
    assert api.post_json("/api/users", {"name": "Again", "email": "gone@example.com"}).status == 201


def test_delete_unknown_user_is_404(api):
    assert_error(api.delete("/api/users/31337"), 404, "not_found")


# ----------------------------------------------------------------------------- 405

@pytest.mark.parametrize("method,path,must_allow", [
    ("PATCH", "/api/users/1", {"GET", "PUT", "DELETE"}),
    ("POST", "/api/users/1", {"GET", "PUT", "DELETE"}),
    ("DELETE", "/api/users", {"GET", "POST"}),
    ("PUT", "/api/users", {"GET", "POST"}),
    ("POST", "/health", {"GET"}),
    ("DELETE", "/ready", {"GET"}),
    ("POST", "/compute/3", {"GET"}),
])
def test_wrong_method_is_405_with_allow(api, method, path, must_allow):
    headers = {"Content-Type": "application/json"} if method in ("POST", "PUT", "PATCH") else {}
    body = "{}" if headers else None
    response = api.request(method, path, body=body, headers=headers)
    assert_error(response, 405, "method_not_allowed")
    allowed = allowed_methods(response)
    assert must_allow <= allowed, f"Allow {allowed} lacks {must_allow - allowed}"
    assert method not in allowed, f"Allow lists the refused method: {allowed}"


# ----------------------------------------------------------------------------- compute

@pytest.mark.parametrize("n,expected", [(0, 0), (1, 1), (2, 1), (10, 55), (20, 6765)])
def test_compute_returns_fibonacci(api, n, expected):
    response = api.get(f"/compute/{n}")
    assert response.status == 200, response.describe()
    body = response.json()
    assert set(body) == {"n", "result", "duration_ms"}, body
    assert body["n"] == n and body["result"] == expected, body
    assert isinstance(body["duration_ms"], (int, float)) and body["duration_ms"] >= 0, body


def test_compute_limit_is_configurable(make_api):
    server = make_api({"COMPUTE_MAX_N": "25"})
    ok = server.get("/compute/25")
    assert ok.status == 200, ok.describe()
    assert ok.json()["result"] == 75025
    assert_error(server.get("/compute/26"), 422, "validation_failed")


@pytest.mark.parametrize("n", ["41", "1000", "99999999999999999999999"])
def test_compute_above_max_is_422(api, n):
    assert_error(api.get(f"/compute/{n}"), 422, "validation_failed")


def test_compute_negative_is_refused(api):
    response = api.get("/compute/-1")
    assert response.status in (404, 422), response.describe()
    assert_error(response, response.status)


def test_compute_non_numeric_is_refused(api):
    response = api.get("/compute/abc")
    assert response.status in (400, 404, 422), response.describe()
    assert_error(response, response.status)


# ----------------------------------------------------------------------------- HEAD

def test_head_of_get_routes_has_headers_but_no_body(api):
    user = api.create_user("Head", "head@example.com")
    with api.raw() as conn:
        for path in ("/health", f"/api/users/{user['id']}", "/api/users?limit=5", "/no/such"):
            # HEAD then GET on one connection: if HEAD carried a body, the GET's status line
            # would not be where the parser expects it.
            conn.send(request_bytes("HEAD", path) + request_bytes("GET", path))
            head = conn.read_response(head=True)
            get = conn.read_response()
            assert head.status == get.status, f"{path}: HEAD {head.status} vs GET {get.status}"
            assert head.header("Content-Type") == get.header("Content-Type"), path
            if head.header("Content-Length") is not None:
                assert int(head.header("Content-Length")) == len(get.body), path
            assert len(get.body) > 0, path
        assert conn.is_open_for(0.3), "HEAD sent a body or broke keep-alive (unexpected bytes)"


# ----------------------------------------------------------------------------- cleanup job

def test_cleanup_job_deletes_expired_users(make_api):
    server = make_api({"CLEANUP_INTERVAL_SECONDS": "1"})
    keeper = server.create_user("Keeper", "keeper@example.com")
    later = server.create_user("Later", "later@example.com", ttl_seconds=3600)
    doomed = server.create_user("Doomed", "doomed@example.com", ttl_seconds=1)
    # Read it once so that a cache, if any, holds it.
    assert server.get(f"/api/users/{doomed['id']}").status == 200

    wait_until(lambda: server.get(f"/api/users/{doomed['id']}").status == 404, 15, 0.1,
               "the expired user to be deleted by the cleanup job")
    listing = server.get("/api/users").json()
    assert sorted(u["id"] for u in listing["items"]) == sorted([keeper["id"], later["id"]]), listing
    assert listing["total"] == 2, listing
    # Its e-mail is free again.
    assert server.post_json("/api/users", {"name": "Reborn", "email": "doomed@example.com"}).status == 201


# ----------------------------------------------------------------------------- concurrency

def test_concurrent_writes_through_a_small_pool(make_api):
    import threading

    server = make_api({"DATABASE_POOL_SIZE": "2"})
    results = []
    lock = threading.Lock()

    def create(i):
        response = server.post_json("/api/users", {"name": f"C{i}", "email": f"c{i}@example.com"},
                                    timeout=30)
        with lock:
            results.append(response)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert [r.status for r in results].count(201) == 24, [r.describe() for r in results if r.status != 201]
    ids = {r.json()["id"] for r in results}
    assert len(ids) == 24
    assert server.get("/api/users?limit=100").json()["total"] == 24
