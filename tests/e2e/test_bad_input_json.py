"""Bad JSON bodies, query parameters and path ids (docs/reliability.md, Bad input): 400
for bytes that are not JSON (invalid UTF-8 and duplicate keys included), 422 for a valid
document with a wrong field, each a JSON error whose message names the field; nothing is
stored. test_api.py covers the common validation cases on both backends; these are the
hostile ones."""

import pytest

from glassbox import assert_error

JSON = {"Content-Type": "application/json"}


@pytest.fixture
def api(start_server):
    return start_server(env={"DATABASE_URL": "sqlite://:memory:"})


def post(api, body: bytes):
    return api.request("POST", "/api/users", body=body, headers=JSON)


def nothing_stored(api):
    assert api.get("/api/users").json()["total"] == 0


DEEP = 10_000

# (id, body, field named in the message or None)
MALFORMED = [
    ("nested_arrays_10000_deep", b"[" * DEEP + b"]" * DEEP, None),
    ("nested_objects_10000_deep_in_a_field",
     b'{"name":' + b'{"a":' * DEEP + b"1" + b"}" * DEEP + b',"email":"d@example.com"}', None),
    ("invalid_utf8_in_name", b'{"name":"bad \xff\xfe","email":"u@example.com"}', "name"),
    ("overlong_utf8_in_name", b'{"name":"\xc0\xaf","email":"u@example.com"}', "name"),
    ("utf16_surrogate_bytes_in_name", b'{"name":"\xed\xa0\x80","email":"u@example.com"}',
     "name"),
    ("invalid_utf8_in_email", b'{"name":"N","email":"u\xff@example.com"}', "email"),
    ("invalid_utf8_in_an_unknown_field", b'{"name":"N","email":"u@example.com","x":"\xff"}',
     "x"),
    ("duplicate_key", b'{"name":"first","name":"second","email":"dup@example.com"}', "twice"),
    ("duplicate_email", b'{"name":"N","email":"a@example.com","email":"b@example.com"}',
     "twice"),
    ("trailing_garbage", b'{"name":"N","email":"t@example.com"} {}', None),
    ("trailing_nul", b'{"name":"N","email":"t@example.com"}\x00', None),
    ("only_whitespace", b"   \r\n ", None),
    ("empty", b"", None),
    ("trailing_comma", b'{"name":"N","email":"t@example.com",}', None),
    ("comment", b'{"name":"N","email":"t@example.com"} // hi', None),
    ("nan", b'{"name":"N","email":"t@example.com","ttl_seconds":NaN}', None),
]


@pytest.mark.time_limit(60)
@pytest.mark.parametrize("body,field_name", [(b, f) for _, b, f in MALFORMED],
                         ids=[i for i, _, _ in MALFORMED])
def test_bytes_that_are_not_json_are_400_malformed_json(api, body, field_name):
    response = post(api, body)
    assert_error(response, 400, "malformed_json", field_name=field_name)
    assert b"\xff" not in response.body  # the offending bytes are never echoed
    nothing_stored(api)
    assert api.get("/health").status == 200  # no stack overflow, still serving


# (id, ttl_seconds literal)
TTL_OUT_OF_RANGE = [
    ("1e400", b"1e400"), ("minus_one", b"-1"), ("two_to_the_63", b"9223372036854775808"),
    ("two_to_the_64", b"18446744073709551616"), ("int64_max", b"9223372036854775807"),
    ("fraction", b"0.5"), ("whole_float", b"10.0"), ("exponent", b"1e1"), ("string", b'"10"'),
    ("boolean", b"true"), ("array", b"[10]"), ("object", b'{"s":10}'),
]


@pytest.mark.time_limit(60)
@pytest.mark.parametrize("literal", [t for _, t in TTL_OUT_OF_RANGE],
                         ids=[i for i, _ in TTL_OUT_OF_RANGE])
def test_ttl_out_of_range_or_of_the_wrong_type_is_422_naming_it(api, literal):
    body = b'{"name":"N","email":"ttl@example.com","ttl_seconds":' + literal + b"}"
    assert_error(post(api, body), 422, "validation_failed", field_name="ttl_seconds")
    nothing_stored(api)


WRONG_TYPES = [
    ({"name": 5, "email": "w@example.com"}, "name"),
    ({"name": [], "email": "w@example.com"}, "name"),
    ({"name": {"first": "N"}, "email": "w@example.com"}, "name"),
    ({"name": True, "email": "w@example.com"}, "name"),
    ({"name": "N", "email": []}, "email"),
    ({"name": "N", "email": {}}, "email"),
    ({"name": "N", "email": 5}, "email"),
    ({"name": "N", "email": None}, "email"),
    ({"name": "a\u0000b", "email": "w@example.com"}, "name"),
]


@pytest.mark.time_limit(60)
@pytest.mark.parametrize("payload,field_name", WRONG_TYPES,
                         ids=[f"{f}-{i}" for i, (_, f) in enumerate(WRONG_TYPES)])
def test_wrong_types_are_422_naming_the_field_on_create_and_replace(api, payload, field_name):
    assert_error(api.post_json("/api/users", payload), 422, "validation_failed",
                 field_name=field_name)
    nothing_stored(api)
    user = api.create_user("Existing", "existing@example.com")
    assert_error(api.put_json(f"/api/users/{user['id']}", payload), 422, "validation_failed",
                 field_name=field_name)
    assert api.get(f"/api/users/{user['id']}").json() == user


@pytest.mark.time_limit(60)
def test_a_large_but_allowed_body_of_many_unknown_fields_is_still_validated(api):
    filler = b",".join(b'"k%d":[1,2,3,{"x":"y"}]' % i for i in range(20000))  # ~600 KB
    body = b'{"name":"Big","email":"big@example.com",' + filler + b"}"
    assert len(body) < 1024 * 1024
    response = post(api, body)
    assert response.status == 201, response.describe()


@pytest.mark.time_limit(60)
@pytest.mark.parametrize("query,field_name", [
    ("limit=abc", "limit"), ("limit=101", "limit"), ("limit=1e9", "limit"), ("limit=+5", "limit"),
    ("limit=%zz", "limit"), ("limit=5%00", "limit"), ("limit=0x10", "limit"),
    ("offset=-1", "offset"), ("offset=99999999999999999999", "offset"), ("offset=1.0", "offset"),
])
def test_bad_query_parameters_are_400_naming_the_parameter(api, query, field_name):
    assert_error(api.get(f"/api/users?{query}"), 400, "bad_request", field_name=field_name)


@pytest.mark.time_limit(30)
def test_percent_encoded_digits_are_decoded_before_the_range_check(api):
    body = api.get("/api/users?limit=%31%30").json()
    assert body["limit"] == 10, body


@pytest.mark.time_limit(60)
@pytest.mark.parametrize("user_id", ["abc", "99999999999999999999", "-1", "0", "1e3", "%31",
                                     "1;drop", "1%2f2"])
def test_path_ids_that_name_no_user_are_404_on_every_method(api, user_id):
    path = f"/api/users/{user_id}"
    assert_error(api.get(path), 404, "not_found")
    assert_error(api.delete(path), 404, "not_found")
    assert_error(api.put_json(path, {"name": "N", "email": "p@example.com"}), 404, "not_found")
