"""Glassbox on a real PostgreSQL 15 that the test starts itself: an outage mid-run (503,
/ready 503, recovery without a restart of Glassbox) and migrations when several instances
start together on an empty database."""

import glob
import os

from glassbox import REPO_ROOT, assert_error, run_binary, wait_until


def migration_files() -> list:
    for pattern in ("migrations/postgresql/*.sql", "migrations/postgres/*.sql", "migrations/*.sql"):
        files = sorted(glob.glob(os.path.join(REPO_ROOT, pattern)))
        if files:
            return files
    return []


def migration_columns(pg, database: str) -> list:
    out = pg.psql("SELECT column_name FROM information_schema.columns "
                  "WHERE table_name = 'schema_migrations' ORDER BY ordinal_position", database)
    columns = [c for c in out.splitlines() if c]
    assert columns, "no schema_migrations table"
    return columns


def version_column(columns: list) -> str:
    for candidate in ("version", "id", "name", "filename"):
        if candidate in columns:
            return candidate
    return columns[0]


def migration_counts(pg, database: str) -> dict:
    column = version_column(migration_columns(pg, database))
    out = pg.psql(f'SELECT "{column}", count(*) FROM schema_migrations GROUP BY 1 ORDER BY 1',
                  database)
    counts = {}
    for line in out.splitlines():
        version, count = line.rsplit("|", 1)
        counts[version] = int(count)
    return counts


def test_database_outage_gives_503_and_recovers_without_restart(postgres_own, start_server):
    pg = postgres_own
    server = start_server(env={"DATABASE_URL": pg.url(), "DATABASE_POOL_SIZE": "2"})
    user = server.create_user("Before", "before@example.com")
    assert server.get("/ready").status == 200

    pg.stop()

    listing = server.get("/api/users", timeout=5)
    assert_error(listing, 503, "service_unavailable")
    assert listing.elapsed < 1.0, f"503 took {listing.elapsed:.2f}s"
    created = server.post_json("/api/users", {"name": "During", "email": "during@example.com"},
                               timeout=5)
    assert_error(created, 503, "service_unavailable")
    assert created.elapsed < 1.0, f"503 took {created.elapsed:.2f}s"
    unknown = server.get("/api/users/987654", timeout=5)
    assert_error(unknown, 503, "service_unavailable")
    # A cached user may still be served; anything else must be the 503 error.
    known = server.get(f"/api/users/{user['id']}", timeout=5)
    if known.status == 200:
        assert known.json() == user
    else:
        assert_error(known, 503, "service_unavailable")
    assert known.elapsed < 1.0

    ready = server.get("/ready", timeout=5)
    assert ready.status == 503, ready.describe()
    assert ready.elapsed < 1.0, f"/ready took {ready.elapsed:.2f}s"
    body = ready.json()
    assert body.get("status") == "not_ready", body
    assert isinstance(body.get("checks"), dict), body
    assert isinstance(body["checks"].get("database"), str) and body["checks"]["database"] != "ok", body
    assert server.get("/health").json() == {"status": "ok"}, "liveness must not depend on the DB"

    # Still 503 (not 500) on repeated attempts during the outage.
    for _ in range(5):
        assert_error(server.get("/api/users", timeout=5), 503, "service_unavailable")

    pg.start()
    wait_until(lambda: server.get("/ready", timeout=5).status == 200, 30, 0.2,
               "/ready to recover after PostgreSQL came back")
    assert server.get("/ready").json() == {"status": "ready", "checks": {"database": "ok"}}
    fetched = server.get(f"/api/users/{user['id']}")
    assert fetched.status == 200 and fetched.json() == user, fetched.describe()
    # Every pooled connection works again, not just one.
    for i in range(6):
        response = server.post_json("/api/users", {"name": f"After {i}", "email": f"after{i}@example.com"})
        assert response.status == 201, response.describe()
    assert server.get("/api/users").json()["total"] == 7
    assert server.running(), "Glassbox restarted or died"

    # The outage is logged as two state changes, not once per failed call.
    def state_events():
        return [record["message"] for record in server.log_records()
                if record.get("logger") == "storage"
                and record.get("message") in ("Database unavailable", "Database available again")]
    wait_until(lambda: len(state_events()) >= 2, 5, 0.05, "the database state changes in the log")
    assert state_events() == ["Database unavailable", "Database available again"], state_events()
    down = next(record for record in server.log_records()
                if record.get("message") == "Database unavailable")
    assert down["level"] == "ERROR" and down.get("error"), down


def test_outage_while_idle_is_noticed_by_ready(postgres_own, start_server):
    pg = postgres_own
    server = start_server(env={"DATABASE_URL": pg.url()})
    assert server.get("/ready").status == 200
    pg.stop("immediate")
    ready = server.get("/ready", timeout=5)
    assert ready.status == 503 and ready.elapsed < 1.0, ready.describe()
    pg.start()
    wait_until(lambda: server.get("/ready", timeout=5).status == 200, 30, 0.2, "recovery")
    assert server.create_user("Back", "back@example.com")["email"] == "back@example.com"


def test_instances_starting_together_migrate_once(postgres_shared, start_server):
    pg = postgres_shared
    database = pg.create_database()
    env = {"DATABASE_URL": pg.url(database)}
    instances = [start_server(env=env, wait=False) for _ in range(2)]
    for instance in instances:
        instance.wait_listening()
    for instance in instances:
        wait_until(lambda: instance.get("/ready").status == 200, 20, 0.1, "instance ready")

    counts = migration_counts(pg, database)
    assert counts, "schema_migrations is empty"
    duplicated = {v: c for v, c in counts.items() if c != 1}
    assert not duplicated, f"migrations applied more than once: {duplicated}"
    files = migration_files()
    if files:
        assert len(counts) == len(files), f"{len(counts)} recorded, {len(files)} files: {counts}"

    a, b = instances
    user = a.create_user("Shared", "shared@example.com")
    fetched = b.get(f"/api/users/{user['id']}")
    assert fetched.status == 200 and fetched.json() == user, fetched.describe()

    # A later restart applies nothing again.
    third = start_server(env=env)
    assert third.get("/ready").status == 200
    assert migration_counts(pg, database) == counts


def test_changed_applied_migration_stops_the_start(postgres_shared, start_server):
    pg = postgres_shared
    database = pg.create_database()
    env = {"DATABASE_URL": pg.url(database)}
    first = start_server(env=env)
    assert first.get("/health").status == 200  # serving: past start-up, signals handled
    assert first.stop() == 0
    columns = migration_columns(pg, database)
    checksum = next((c for c in columns if "checksum" in c or "hash" in c), None)
    assert checksum, f"schema_migrations has no checksum column: {columns}"
    pg.psql(f'UPDATE schema_migrations SET "{checksum}" = \'tampered\'', database)
    result = run_binary([], env=env, timeout=30)
    output = (result.stdout + result.stderr).decode("utf-8", "replace")
    assert result.returncode == 1, f"exit {result.returncode}: {output[-2000:]}"
    assert "migration" in output.lower(), output[-2000:]


def test_data_survives_a_glassbox_restart(postgres_shared, start_server):
    pg = postgres_shared
    env = {"DATABASE_URL": pg.url(pg.create_database())}
    first = start_server(env=env)
    user = first.create_user("Durable", "durable@example.com")
    assert first.stop() == 0
    second = start_server(env=env)
    fetched = second.get(f"/api/users/{user['id']}")
    assert fetched.status == 200 and fetched.json() == user, fetched.describe()
