#pragma once

#include "app/config.hpp"

namespace glassbox::app {

// Builds the service from its configuration (logger, database with migrations, pools,
// cache, routes, server, cleanup job), serves until SIGTERM/SIGINT, shuts down in order,
// and returns the process exit code: 0 after a clean shutdown, 1 when start-up failed
// (database unreachable, migration refused, address in use).
int run_application(const Config& config);

}  // namespace glassbox::app
