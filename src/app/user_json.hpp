#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/user_store.hpp"

namespace glassbox::app {

// {"id":1,"name":"…","email":"…","created_at":"2026-11-23T19:02:49.123Z","expires_at":null}
std::string user_to_json(const storage::User& user);

// An event for /ws/events: {"type":"user.created","user":{…}}.
std::string user_event_json(std::string_view type, const storage::User& user);
// {"type":"user.deleted","user":{"id":7}} (plus "reason" when not empty).
std::string user_deleted_event_json(std::int64_t id, std::string_view reason);

}  // namespace glassbox::app
