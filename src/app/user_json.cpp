#include "app/user_json.hpp"

#include "telemetry/log/json_escape.hpp"
#include "telemetry/log/logger.hpp"

namespace glassbox::app {
namespace {

using telemetry::log::append_json_string;
using telemetry::log::format_rfc3339_millis;

void append_user(std::string& out, const storage::User& user) {
  out += "{\"id\":";
  out += std::to_string(user.id);
  out += ",\"name\":";
  append_json_string(out, user.name);
  out += ",\"email\":";
  append_json_string(out, user.email);
  out += ",\"created_at\":\"";
  out += format_rfc3339_millis(user.created_at_ms);
  out += "\",\"expires_at\":";
  if (user.expires_at_ms) {
    out += '"';
    out += format_rfc3339_millis(*user.expires_at_ms);
    out += '"';
  } else {
    out += "null";
  }
  out += '}';
}

}  // namespace

std::string user_to_json(const storage::User& user) {
  std::string out;
  out.reserve(128 + user.name.size() + user.email.size());
  append_user(out, user);
  return out;
}

std::string user_event_json(std::string_view type, const storage::User& user) {
  std::string out = "{\"type\":";
  append_json_string(out, type);
  out += ",\"user\":";
  append_user(out, user);
  out += '}';
  return out;
}

std::string user_deleted_event_json(std::int64_t id, std::string_view reason) {
  std::string out = "{\"type\":\"user.deleted\",\"user\":{\"id\":";
  out += std::to_string(id);
  out += '}';
  if (!reason.empty()) {
    out += ",\"reason\":";
    append_json_string(out, reason);
  }
  out += '}';
  return out;
}

}  // namespace glassbox::app
