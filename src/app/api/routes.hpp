#pragma once

#include "app/api/api_context.hpp"
#include "http/router.hpp"

namespace glassbox::app {

// GET /health, GET /ready.
void add_health_routes(http::Router& router, ApiContext& context);
// /api/users and /api/users/{id}.
void add_user_routes(http::Router& router, ApiContext& context);
// GET /compute/{n}.
void add_compute_routes(http::Router& router, ApiContext& context);
// GET /ws/events.
void add_event_routes(http::Router& router, ApiContext& context);
// GET METRICS_PATH (Prometheus text or OpenMetrics, optionally behind a bearer token).
void add_metrics_routes(http::Router& router, ApiContext& context);

}  // namespace glassbox::app
