#include "http/detail/request_target.hpp"

namespace glassbox::http::detail {
namespace {

// Method (at most a few dozen characters in practice), spaces and " HTTP/1.1".
constexpr std::size_t kRequestLineOverhead = 64;

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool valid_percent_escapes(std::string_view path) {
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '%') continue;
    if (i + 2 >= path.size() || !is_hex(path[i + 1]) || !is_hex(path[i + 2])) return false;
    if (path[i + 1] == '0' && path[i + 2] == '0') return false;
    i += 2;
  }
  return true;
}

}  // namespace

std::optional<TargetParts> split_request_target(std::string_view target) {
  for (const std::string_view scheme : {"http://", "https://"}) {
    if (target.substr(0, scheme.size()) == scheme) {
      const std::size_t path_start = target.find_first_of("/?", scheme.size());
      if (path_start == std::string_view::npos) {
        target = "/";
      } else if (target[path_start] == '?') {
        return std::nullopt;  // "http://host?x" has no path to route
      } else {
        target = target.substr(path_start);
      }
      break;
    }
  }
  if (target.empty() || target.front() != '/') return std::nullopt;
  TargetParts parts;
  const std::size_t question = target.find('?');
  parts.path = target.substr(0, question);
  if (question != std::string_view::npos) parts.query = target.substr(question + 1);
  if (!valid_percent_escapes(parts.path)) return std::nullopt;
  return parts;
}

std::size_t leading_empty_lines(std::string_view received) {
  std::size_t length = 0;
  while (received.substr(length, 2) == "\r\n")
    length += 2;
  return length;
}

RequestLineStatus check_request_line(std::string_view received, std::size_t max_target_bytes) {
  received.remove_prefix(leading_empty_lines(received));
  // The same longest line whether or not its end has arrived (found by tests/fuzz,
  // regressions/http_request/long_request_line_by_arrival: a long method with a short
  // target was refused 414 when the line came in parts, and let through whole). Without
  // its end, the last byte read may be the CR of it.
  const std::size_t longest_line = max_target_bytes + kRequestLineOverhead;
  const std::size_t line_end = received.find("\r\n");
  if (line_end == std::string_view::npos) {
    return received.size() > longest_line + 1 ? RequestLineStatus::kTooLong
                                              : RequestLineStatus::kIncomplete;
  }
  const std::string_view line = received.substr(0, line_end);
  if (line.size() > longest_line) return RequestLineStatus::kTooLong;
  const std::size_t first_space = line.find(' ');
  const std::size_t last_space = line.rfind(' ');
  if (first_space == std::string_view::npos || last_space <= first_space) {
    return RequestLineStatus::kComplete;  // malformed: the parser answers 400
  }
  return last_space - first_space - 1 > max_target_bytes ? RequestLineStatus::kTooLong
                                                         : RequestLineStatus::kComplete;
}

RequestHeadCheck check_request_head(std::string_view received, std::size_t max_header_bytes) {
  const std::string_view window = received.substr(0, max_header_bytes);
  for (std::size_t lf = window.find('\n'); lf != std::string_view::npos;
       lf = window.find('\n', lf + 1)) {
    const std::string_view after = window.substr(lf + 1);
    if (after.starts_with('\n')) return {RequestHeadStatus::kComplete, lf + 2};
    if (after.starts_with("\r\n")) return {RequestHeadStatus::kComplete, lf + 3};
  }
  return {received.size() >= max_header_bytes ? RequestHeadStatus::kTooLarge
                                              : RequestHeadStatus::kIncomplete};
}

}  // namespace glassbox::http::detail
