"""The FastAPI peer of `make bench-load`.

FastAPI + uvicorn + prometheus_client with the middleware FastAPI users write: a counter
and a histogram with Glassbox's names, labels and buckets, and one JSON access-log line per
request through the standard logging module into a file (ACCESS_LOG_FILE).

With several uvicorn workers, set PROMETHEUS_MULTIPROC_DIR to an empty directory: every
worker then writes its samples there and /metrics merges them (prometheus_client's
multiprocess mode).
"""

import json
import logging
import os
import time
from datetime import datetime, timezone

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import (CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter,
                               Histogram, generate_latest, multiprocess)

BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
           0.5, 1, 2.5, 5, 10)
REQUESTS = Counter("http_requests_total", "HTTP requests answered.",
                   ["method", "route", "status"])
DURATION = Histogram("http_request_duration_seconds",
                     "Time from the first byte of a request to the last byte of its response.",
                     ["method", "route"], buckets=BUCKETS)
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def _access_logger() -> logging.Logger:
    logger = logging.getLogger("access")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    handler = logging.FileHandler(os.environ.get("ACCESS_LOG_FILE", "fastapi-access.log"))
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    return logger


ACCESS_LOG = _access_logger()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


app = FastAPI()
# Stands in for Glassbox's cache: the benchmark reads one user that is in memory.
USERS = {1: {"id": 1, "name": "Ada", "email": "ada@example.com", "created_at": _now(),
             "expires_at": None}}


@app.middleware("http")
async def telemetry(request: Request, call_next):
    started = time.perf_counter()
    response = await call_next(request)
    elapsed = time.perf_counter() - started
    route = getattr(request.scope.get("route"), "path", None)
    if route is None:
        endpoint = request.scope.get("endpoint")
        route = ROUTES.get(endpoint, "unmatched")
    REQUESTS.labels(request.method, route, str(response.status_code)).inc()
    DURATION.labels(request.method, route).observe(elapsed)
    status = response.status_code
    ACCESS_LOG.info(json.dumps({
        "timestamp": _now(),
        "level": "ERROR" if status >= 500 else "WARN" if status >= 400 else "INFO",
        "service": "fastapi-peer",
        "logger": "http.access",
        "message": "Request completed",
        "method": request.method,
        "endpoint": request.url.path,
        "route": route,
        "status_code": status,
        "duration_ms": round(elapsed * 1000, 3),
        "client_address": request.client.host if request.client else "",
        "user_agent": request.headers.get("user-agent", ""),
        "response_size": int(response.headers.get("content-length", 0)),
    }))
    return response


@app.get("/health")
async def health():
    return {"status": "ok"}


@app.get("/api/users/{id}")
async def get_user(id: int):  # pylint: disable=redefined-builtin (the route template's name)
    user = USERS.get(id)
    if user is None:
        return JSONResponse({"error": {"code": "not_found", "message": "no such resource"}},
                            status_code=404)
    return user


@app.get("/metrics")
async def metrics():
    if MULTIPROCESS:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


# Route templates by endpoint, for the middleware (Starlette 0.26 leaves the matched
# endpoint, not the route, in the scope).
ROUTES = {route.endpoint: route.path for route in app.routes if hasattr(route, "endpoint")}
