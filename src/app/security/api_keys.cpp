#include "app/security/api_keys.hpp"

#include <cstddef>
#include <utility>

namespace glassbox::app {
namespace {

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// The token of "Bearer <token>" (RFC 9110 11.1: the scheme is case-insensitive); "" for
// another scheme or none.
std::string_view bearer_token(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size()) return {};
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (lower(authorization[i]) != kScheme[i]) return {};
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ')
    token.remove_prefix(1);
  return token;
}

}  // namespace

bool constant_time_equal(std::string_view candidate, std::string_view secret) {
  std::size_t difference = candidate.size() ^ secret.size();
  for (std::size_t i = 0; i < secret.size(); ++i) {
    const char sent = i < candidate.size() ? candidate[i] : '\0';
    difference |= static_cast<unsigned char>(sent ^ secret[i]);
  }
  return difference == 0;
}

ApiKeys::ApiKeys(std::vector<std::string> keys) : keys_(std::move(keys)) {}

ApiKeys::Verdict ApiKeys::check(std::string_view authorization, std::string_view api_key) const {
  std::string_view candidate = bearer_token(authorization);
  if (candidate.empty()) candidate = api_key;
  if (candidate.empty()) return Verdict::kMissing;
  bool accepted = false;
  for (const std::string& key : keys_) {
    accepted |= constant_time_equal(candidate, key);
  }
  return accepted ? Verdict::kAccepted : Verdict::kWrong;
}

}  // namespace glassbox::app
