#include "http/method.hpp"

#include <array>

namespace glassbox::http {
namespace {

constexpr std::array<std::string_view, kMethodCount> kMethodNames = {
    "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE", "OTHER"};

}  // namespace

Method parse_method(std::string_view text) {
  for (std::size_t i = 0; i + 1 < kMethodNames.size(); ++i) {
    if (kMethodNames[i] == text) return static_cast<Method>(i);
  }
  return Method::kOther;
}

std::string_view method_name(Method method) {
  return kMethodNames[static_cast<std::size_t>(method)];
}

}  // namespace glassbox::http
