#include "telemetry/trace/tracestate.hpp"

#include <vector>

#include "telemetry/trace/http_text.hpp"

namespace glassbox::telemetry::trace {
namespace {

constexpr std::size_t kMaxSimpleKey = 256;
constexpr std::size_t kMaxTenantId = 241;
constexpr std::size_t kMaxSystemId = 14;
constexpr std::size_t kMaxValue = 256;

bool lcalpha(char c) {
  return c >= 'a' && c <= 'z';
}
bool digit(char c) {
  return c >= '0' && c <= '9';
}
bool key_char(char c) {
  return lcalpha(c) || digit(c) || c == '_' || c == '-' || c == '*' || c == '/';
}

bool valid_key_part(std::string_view part, std::size_t max_length, bool digit_first) {
  if (part.empty() || part.size() > max_length) return false;
  if (!lcalpha(part.front()) && !(digit_first && digit(part.front()))) return false;
  for (const char c : part.substr(1)) {
    if (!key_char(c)) return false;
  }
  return true;
}

// nblk-chr = %x21-2B / %x2D-3C / %x3E-7E; chr = %x20 / nblk-chr.
bool non_blank_value_char(char c) {
  return c >= 0x21 && c <= 0x7E && c != ',' && c != '=';
}

bool valid_value(std::string_view value) {
  if (value.empty() || value.size() > kMaxValue || value.back() == ' ') return false;
  for (const char c : value) {
    if (c != ' ' && !non_blank_value_char(c)) return false;
  }
  return true;
}

struct Member {
  std::string_view text;  // "key=value"
  std::string_view key;
};

// Splits and validates; false when the header must be discarded.
bool split_members(std::string_view combined, std::vector<Member>& members) {
  while (true) {
    const std::size_t comma = combined.find(',');
    const std::string_view text = trim_ows(combined.substr(0, comma));
    if (!text.empty()) {
      const std::size_t equals = text.find('=');
      if (equals == std::string_view::npos) return false;
      const Member member{text, text.substr(0, equals)};
      if (!valid_tracestate_key(member.key) || !valid_value(text.substr(equals + 1))) {
        return false;
      }
      for (const Member& seen : members) {
        if (seen.key == member.key) return false;
      }
      members.push_back(member);
      if (members.size() > kMaxTracestateMembers) return false;
    }
    if (comma == std::string_view::npos) return true;
    combined.remove_prefix(comma + 1);
  }
}

std::size_t joined_length(const std::vector<Member>& members) {
  std::size_t length = members.empty() ? 0 : members.size() - 1;
  for (const Member& member : members)
    length += member.text.size();
  return length;
}

}  // namespace

bool valid_tracestate_key(std::string_view key) noexcept {
  const std::size_t at = key.find('@');
  if (at == std::string_view::npos) return valid_key_part(key, kMaxSimpleKey, false);
  return valid_key_part(key.substr(0, at), kMaxTenantId, true) &&
         valid_key_part(key.substr(at + 1), kMaxSystemId, false);
}

std::string normalize_tracestate(std::string_view combined) {
  std::vector<Member> members;
  if (!split_members(combined, members)) return {};
  // Long members go first (from the end), then whole members from the end.
  for (std::size_t i = members.size();
       i > 0 && joined_length(members) > kTracestatePropagatedLength; --i) {
    if (members[i - 1].text.size() > kTracestateLongMember) {
      members.erase(members.begin() + static_cast<std::ptrdiff_t>(i - 1));
    }
  }
  while (joined_length(members) > kTracestatePropagatedLength)
    members.pop_back();
  std::string out;
  out.reserve(joined_length(members));
  for (const Member& member : members) {
    if (!out.empty()) out.push_back(',');
    out.append(member.text);
  }
  return out;
}

}  // namespace glassbox::telemetry::trace
