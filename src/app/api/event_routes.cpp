#include "app/api/protection.hpp"
#include "app/api/routes.hpp"

namespace glassbox::app {

void add_event_routes(http::Router& router, ApiContext& context) {
  router.add_websocket("/ws/events", protect(context, context.events.websocket_handler()));
}

}  // namespace glassbox::app
