#include "app/api/routes.hpp"

namespace glassbox::app {

void add_event_routes(http::Router& router, ApiContext& context) {
  router.add_websocket("/ws/events", context.events.websocket_handler());
}

}  // namespace glassbox::app
