#pragma once

#include "app/api/api_context.hpp"
#include "http/router.hpp"

namespace glassbox::app {

enum class Access { kRead, kWrite };

// Puts the optional rate limit (every API route) and, for kWrite, the optional API-key
// check in front of `handler`: 429 with Retry-After, 401 with WWW-Authenticate, 403, each
// a JSON error and counted in errors_total. The rate limit goes first, so a client trying
// keys is slowed down too. With neither feature configured the handler is returned as is,
// and the request path is what it would be without this file.
http::Handler protect(ApiContext& context, Access access, http::Handler handler);

// The same rate limit in front of a WebSocket route's upgrade (a refused upgrade is the
// 429, not a 101); with no rate limit configured the handler is returned as is.
http::WebSocketHandler protect(ApiContext& context, http::WebSocketHandler handler);

}  // namespace glassbox::app
