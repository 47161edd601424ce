// TLS, API key and rate-limit settings.

#include <algorithm>
#include <cmath>
#include <string_view>

#include "app/config/secret_file.hpp"
#include "app/config/settings.hpp"
#include "app/config/text.hpp"
#include "app/config/values.hpp"

namespace glassbox::app::config_detail {
namespace {

constexpr double kMaxRate = 1'000'000;
constexpr std::uint64_t kMaxBurst = 1'000'000;
constexpr std::uint64_t kMaxClients = 10'000'000;

bool is_key_char(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte > 0x20 && byte < 0x7f;
}

// One key per line; blank lines and lines starting with '#' are skipped, surrounding
// spaces ignored. Errors name the line, never its content.
std::vector<std::string> parse_api_keys(const std::string& content, const std::string& setting) {
  std::vector<std::string> keys;
  std::size_t line_number = 0;
  std::size_t start = 0;
  while (start <= content.size()) {
    std::size_t end = content.find('\n', start);
    if (end == std::string::npos) end = content.size();
    ++line_number;
    std::string_view line(content.data() + start, end - start);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t'))
      line.remove_prefix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) {
      line.remove_suffix(1);
    }
    if (!line.empty() && !line.starts_with('#')) {
      for (const char c : line) {
        if (!is_key_char(c)) {
          throw ConfigError(setting,
                            "expected one key of printable ASCII without spaces per "
                            "line, line " +
                                std::to_string(line_number) + " is not one");
        }
      }
      keys.emplace_back(line);
    }
    start = end + 1;
  }
  if (keys.empty()) {
    throw ConfigError(setting,
                      "expected at least one key (lines starting with '#' are "
                      "comments), the file holds none");
  }
  return keys;
}

}  // namespace

void apply_security(const SettingSource& source, SecurityConfig& security) {
  const auto certificate = source.get("GLASSBOX_TLS_CERT");
  const auto private_key = source.get("GLASSBOX_TLS_KEY");
  if (certificate && !private_key) {
    throw ConfigError("GLASSBOX_TLS_KEY",
                      "expected the private key's PEM file, because "
                      "GLASSBOX_TLS_CERT is set; got nothing");
  }
  if (private_key && !certificate) {
    throw ConfigError("GLASSBOX_TLS_CERT",
                      "expected the certificate's PEM file, because "
                      "GLASSBOX_TLS_KEY is set; got nothing");
  }
  if (certificate) {
    security.tls_certificate_path = certificate->text;
    security.tls_private_key_path = private_key->text;
  }

  if (const auto path = source.get("GLASSBOX_API_KEYS_FILE")) {
    security.api_keys =
        parse_api_keys(read_secret_file(path->text, path->source), "GLASSBOX_API_KEYS_FILE");
  }

  if (const auto raw = source.get("GLASSBOX_RATE_LIMIT_RPS")) {
    const double rate = parse_number(*raw, "requests per second, 0 (off) to 1000000");
    if (!(rate >= 0 && rate <= kMaxRate)) {
      fail(*raw, "requests per second, 0 (off) to 1000000");
    }
    security.rate_limit_rps = rate;
  }
  set_integer(source, "GLASSBOX_RATE_LIMIT_BURST", security.rate_limit_burst, 0, kMaxBurst);
  set_integer(source, "GLASSBOX_RATE_LIMIT_CLIENTS", security.rate_limit_clients, 1, kMaxClients);
  if (security.rate_limit_rps > 0 && security.rate_limit_burst == 0) {
    security.rate_limit_burst =
        static_cast<unsigned>(std::max(1.0, std::ceil(security.rate_limit_rps)));
  }
}

}  // namespace glassbox::app::config_detail
