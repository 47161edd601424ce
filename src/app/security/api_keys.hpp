#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace glassbox::app {

// The API keys that may use the writing endpoints (GLASSBOX_API_KEYS_FILE).
//
// Thread-safe (immutable).
class ApiKeys {
 public:
  enum class Verdict { kAccepted, kMissing, kWrong };

  explicit ApiKeys(std::vector<std::string> keys);

  // Judges a request's credentials: `authorization` is its Authorization header ("" when
  // absent; only the Bearer scheme counts), `api_key` its X-API-Key header. A bearer token
  // wins when both are sent. Every key is compared, each in time that depends on the key's
  // length only, so timing tells a client neither which key nor how much of one it guessed.
  Verdict check(std::string_view authorization, std::string_view api_key) const;

 private:
  std::vector<std::string> keys_;
};

// True when `candidate` equals `secret`, in time that depends only on secret.size().
bool constant_time_equal(std::string_view candidate, std::string_view secret);

}  // namespace glassbox::app
