#pragma once

#include <cstdint>
#include <string_view>

namespace glassbox::http {

// The standard methods we route on. Anything else is kOther ("OTHER" in metric labels), so
// a client inventing methods cannot create new label values.
enum class Method : std::uint8_t {
  kGet,
  kHead,
  kPost,
  kPut,
  kDelete,
  kPatch,
  kOptions,
  kConnect,
  kTrace,
  kOther,
};

inline constexpr std::size_t kMethodCount = 10;

// Exact, case-sensitive match (RFC 9110: method names are case-sensitive).
Method parse_method(std::string_view text);
// "GET", ..., "OTHER".
std::string_view method_name(Method method);

}  // namespace glassbox::http
