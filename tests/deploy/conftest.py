"""Fixtures of the deploy suite: the same real binary, PostgreSQL and Prometheus helpers as
the end-to-end suite (tests/e2e/glassbox.py), used here to check the files in deploy/."""

import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
E2E_DIR = os.path.join(HERE, "..", "e2e")
sys.path.insert(0, HERE)
sys.path.insert(0, E2E_DIR)


def _load_e2e_fixtures():
    # The e2e conftest is loaded under another module name so that its fixtures
    # (start_server, start_prometheus, postgres_shared, the per-test time limit) are shared
    # rather than written twice.
    spec = importlib.util.spec_from_file_location("glassbox_e2e_conftest",
                                                  os.path.join(E2E_DIR, "conftest.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_e2e = _load_e2e_fixtures()
_time_limit = _e2e._time_limit
pytest_configure = _e2e.pytest_configure
start_server = _e2e.start_server
start_prometheus = _e2e.start_prometheus
postgres_shared = _e2e.postgres_shared
postgres_own = _e2e.postgres_own
