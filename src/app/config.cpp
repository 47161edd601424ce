#include "app/config.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <sstream>
#include <string_view>
#include <utility>

#include "app/user_validation.hpp"

namespace glassbox::app {
namespace {

using Environment = std::map<std::string, std::string>;
using KeyValues = std::vector<std::pair<std::string, std::string>>;

constexpr std::uint64_t kMaxThreads = 1024;
constexpr std::uint64_t kMaxPoolSize = 1024;
constexpr std::uint64_t kMaxComputeN = 92;  // fib(93) overflows int64
constexpr std::uint64_t kMaxQueue = 1'000'000;
constexpr std::uint64_t kMaxCacheCapacity = 100'000'000;
constexpr std::uint64_t kMaxHeaderOrTargetBytes = 1ULL << 30;  // Beast counts headers in 32 bits
constexpr std::uint64_t kMaxBodyBytes = 1ULL << 40;
constexpr std::uint64_t kMaxConnections = 1'000'000;
constexpr std::uint64_t kMaxTimeoutSeconds = 24 * 3600;
constexpr std::uint64_t kMaxIntervalSeconds = 365 * 24 * 3600;
constexpr std::uint64_t kMaxMilliseconds = 24 * 3600 * 1000;
constexpr std::uint64_t kMaxSpanQueue = 10'000'000;
// Secrets are short; the cap keeps a mistaken path (/dev/zero, a log file) from eating memory.
constexpr std::size_t kMaxSecretFileBytes = 64 * 1024;
constexpr std::size_t kMaxEchoedBytes = 64;
constexpr std::string_view kSecretNotShown = "(the value is not shown because it may be secret)";

// A setting's text and the name the operator used to give it (a variable, a flag or a _FILE
// variable), so that an error names exactly what to fix.
struct RawValue {
  std::string text;
  std::string source;
};

struct FlagSpec {
  std::string_view flag;
  std::string_view variable;
};

constexpr std::array kFlags{
    FlagSpec{"--host", "GLASSBOX_HOST"},       FlagSpec{"--port", "GLASSBOX_PORT"},
    FlagSpec{"--threads", "GLASSBOX_THREADS"}, FlagSpec{"--database-url", "DATABASE_URL"},
    FlagSpec{"--log-level", "LOG_LEVEL"},
};

// ---------------------------------------------------------------------------------------
// Small text helpers

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

char to_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return to_lower(x) == to_lower(y);
         });
}

bool istarts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) {
    return {};
  }
  const auto last = text.find_last_not_of(kSpace);
  return text.substr(first, last - first + 1);
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const auto end = text.find(separator, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string_view::npos) {
      return parts;
    }
    start = end + 1;
  }
}

// Echoes a non-secret value in an error message, shortened and with control characters
// escaped so that a stray binary value cannot garble the operator's terminal.
std::string quoted(std::string_view text) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out = "'";
  for (const char c : text.substr(0, kMaxEchoedBytes)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  if (text.size() > kMaxEchoedBytes) {
    out += "...";
  }
  out += "'";
  return out;
}

[[noreturn]] void fail(const RawValue& raw, std::string_view expected) {
  throw ConfigError(raw.source, "expected " + std::string(expected) + ", got " + quoted(raw.text));
}

[[noreturn]] void fail_secret(const RawValue& raw, std::string_view expected) {
  throw ConfigError(raw.source,
                    "expected " + std::string(expected) + " " + std::string(kSecretNotShown));
}

// Names a URL's scheme without the rest, which may hold a password.
std::string describe_scheme(std::string_view url) {
  const auto end = url.find("://");
  const auto scheme = url.substr(0, end);
  const bool plausible = end != std::string_view::npos && !scheme.empty() &&
                         std::all_of(scheme.begin(), scheme.end(), [](char c) {
                           return is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.';
                         });
  if (!plausible) {
    return "a value without a URL scheme " + std::string(kSecretNotShown);
  }
  return "a URL with scheme " + quoted(scheme);
}

// ---------------------------------------------------------------------------------------
// Where values come from

std::string read_secret_file(const std::string& path, const std::string& setting) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError(setting, "cannot open file " + quoted(path) + ": " + std::strerror(errno));
  }
  std::string content(kMaxSecretFileBytes + 1, '\0');
  in.read(content.data(), static_cast<std::streamsize>(content.size()));
  if (in.bad()) {
    throw ConfigError(setting, "cannot read file " + quoted(path) + ": " + std::strerror(errno));
  }
  content.resize(static_cast<std::size_t>(in.gcount()));
  if (content.size() > kMaxSecretFileBytes) {
    throw ConfigError(setting, "expected a file of at most " + std::to_string(kMaxSecretFileBytes) +
                                   " bytes, got " + quoted(path) + ", which is larger");
  }
  // Editors and `echo` end files with a newline that is not part of the secret.
  if (content.ends_with("\r\n")) {
    content.resize(content.size() - 2);
  } else if (content.ends_with('\n')) {
    content.pop_back();
  }
  if (content.empty()) {
    throw ConfigError(
        setting, "expected a file holding the value, got " + quoted(path) + ", which is empty");
  }
  return content;
}

// Looks settings up: a flag first, then the variable. An empty variable counts as unset,
// because Docker and compose pass `VAR=` for variables that are declared but not given.
class SettingSource {
 public:
  SettingSource(const Environment& environment, std::map<std::string, RawValue> flags)
      : environment_(environment), flags_(std::move(flags)) {}

  std::optional<RawValue> get(std::string_view variable) const {
    if (const auto flag = flags_.find(std::string(variable)); flag != flags_.end()) {
      return flag->second;
    }
    return from_environment(variable);
  }

  // The first of several variables that is set (a signal-specific one before the general).
  std::optional<RawValue> first_of(std::initializer_list<std::string_view> variables) const {
    for (const auto variable : variables) {
      if (auto value = get(variable)) {
        return value;
      }
    }
    return std::nullopt;
  }

  // Like get(), and also reads VARIABLE_FILE (a mounted secret). Setting both variables is
  // refused: silently preferring one would hide a deployment mistake.
  std::optional<RawValue> get_secret(std::string_view variable) const {
    const std::string file_variable = std::string(variable) + "_FILE";
    if (flags_.contains(std::string(variable))) {
      return get(variable);
    }
    auto direct = from_environment(variable);
    const auto file = from_environment(file_variable);
    if (direct && file) {
      throw ConfigError(file_variable, "expected either " + std::string(variable) + " or " +
                                           file_variable + ", got both");
    }
    if (file) {
      return RawValue{read_secret_file(file->text, file_variable), file_variable};
    }
    return direct;
  }

 private:
  std::optional<RawValue> from_environment(std::string_view variable) const {
    const auto found = environment_.find(std::string(variable));
    if (found == environment_.end() || found->second.empty()) {
      return std::nullopt;
    }
    return RawValue{found->second, found->first};
  }

  const Environment& environment_;
  std::map<std::string, RawValue> flags_;
};

// ---------------------------------------------------------------------------------------
// Value parsers

std::uint64_t parse_integer(const RawValue& raw, std::uint64_t min, std::uint64_t max,
                            std::string_view unit = {}) {
  std::string expected = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (!unit.empty()) {
    expected += " (" + std::string(unit) + ")";
  }
  const std::string_view text = raw.text;
  // from_chars alone would accept a prefix ("8080x"); requiring only digits also refuses
  // signs and spaces.
  if (text.empty() || !std::all_of(text.begin(), text.end(), is_digit)) {
    fail(raw, expected);
  }
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || value < min || value > max) {
    fail(raw, expected);
  }
  return value;
}

double parse_number(const RawValue& raw, std::string_view expected) {
  const std::string_view text = raw.text;
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc{} || end != text.data() + text.size() ||
      !std::isfinite(value)) {
    fail(raw, expected);
  }
  return value;
}

bool parse_bool(const RawValue& raw) {
  if (iequals(raw.text, "true")) {
    return true;
  }
  if (iequals(raw.text, "false")) {
    return false;
  }
  fail(raw, "true or false");
}

template <typename T>
struct Choice {
  std::string_view name;
  T value;
};

template <typename T, std::size_t N>
T parse_choice(const RawValue& raw, const std::array<Choice<T>, N>& choices) {
  for (const auto& choice : choices) {
    if (iequals(raw.text, choice.name)) {
      return choice.value;
    }
  }
  std::string expected = "one of ";
  for (std::size_t i = 0; i < N; ++i) {
    expected += (i == 0 ? "" : ", ") + std::string(choices[i].name);
  }
  fail(raw, expected);
}

template <typename T>
void set_integer(const SettingSource& source, std::string_view variable, T& target,
                 std::uint64_t min, std::uint64_t max) {
  if (const auto raw = source.get(variable)) {
    target = static_cast<T>(parse_integer(*raw, min, max));
  }
}

void set_seconds(const SettingSource& source, std::string_view variable,
                 std::chrono::seconds& target, std::uint64_t max) {
  if (const auto raw = source.get(variable)) {
    target =
        std::chrono::seconds(static_cast<std::int64_t>(parse_integer(*raw, 1, max, "seconds")));
  }
}

void set_milliseconds(const SettingSource& source, std::string_view variable,
                      std::chrono::milliseconds& target,
                      std::initializer_list<std::string_view> more_specific = {}) {
  std::optional<RawValue> raw;
  for (const auto name : more_specific) {
    if ((raw = source.get(name))) {
      break;
    }
  }
  if (!raw) {
    raw = source.get(variable);
  }
  if (raw) {
    target = std::chrono::milliseconds(
        static_cast<std::int64_t>(parse_integer(*raw, 1, kMaxMilliseconds, "milliseconds")));
  }
}

std::vector<double> parse_buckets(const RawValue& raw) {
  constexpr std::string_view kExpected =
      "comma-separated positive finite numbers of seconds in strictly increasing order "
      "(+Inf is implicit)";
  std::vector<double> buckets;
  for (const auto item : split(raw.text, ',')) {
    const RawValue bound{std::string(trim(item)), raw.source};
    const double value = parse_number(bound, kExpected);
    if (value <= 0) {
      fail(bound, kExpected);
    }
    if (!buckets.empty() && value <= buckets.back()) {
      throw ConfigError(raw.source, "expected " + std::string(kExpected) + ", got " +
                                        quoted(raw.text) + ", where " + quoted(bound.text) +
                                        " does not exceed the bound before it");
    }
    buckets.push_back(value);
  }
  return buckets;
}

// ---------------------------------------------------------------------------------------
// Server, database, metrics, compute, limits

void apply_server(const SettingSource& source, Config& config) {
  if (const auto raw = source.get("GLASSBOX_HOST")) {
    const bool printable = std::all_of(raw->text.begin(), raw->text.end(), [](char c) {
      return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
    });
    if (!printable) {
      fail(*raw, "an IP address or host name without spaces");
    }
    config.host = raw->text;
  }
  set_integer(source, "GLASSBOX_PORT", config.port, 0, std::numeric_limits<std::uint16_t>::max());
  set_integer(source, "GLASSBOX_THREADS", config.threads, 0, kMaxThreads);
  if (const auto raw = source.get("LOG_LEVEL")) {
    constexpr std::array<Choice<LogLevel>, 4> kLevels{{{"debug", LogLevel::kDebug},
                                                       {"info", LogLevel::kInfo},
                                                       {"warn", LogLevel::kWarn},
                                                       {"error", LogLevel::kError}}};
    config.log_level = parse_choice(*raw, kLevels);
  }
}

void check_database_url(const RawValue& raw) {
  const std::string_view url = raw.text;
  if (url.starts_with("sqlite://")) {
    if (url.size() == std::string_view("sqlite://").size()) {
      throw ConfigError(raw.source,
                        "expected a path after sqlite:// (sqlite://data/glassbox.db "
                        "or sqlite://:memory:), got an empty path");
    }
    return;
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return;
  }
  throw ConfigError(raw.source,
                    "expected sqlite://PATH, sqlite://:memory: or "
                    "postgresql://user:pass@host:port/db, got " +
                        describe_scheme(url));
}

void apply_database(const SettingSource& source, Config& config) {
  if (const auto raw = source.get_secret("DATABASE_URL")) {
    check_database_url(*raw);
    config.database_url = raw->text;
  }
  set_integer(source, "DATABASE_POOL_SIZE", config.database_pool_size, 1, kMaxPoolSize);
}

bool is_api_route(std::string_view path) {
  while (path.size() > 1 && path.ends_with('/')) {
    path.remove_suffix(1);
  }
  for (const std::string_view exact : {"/health", "/ready", "/api", "/compute", "/ws"}) {
    if (path == exact) {
      return true;
    }
  }
  for (const std::string_view prefix : {"/api/", "/compute/", "/ws/"}) {
    if (path.starts_with(prefix)) {
      return true;
    }
  }
  return false;
}

void check_metrics_path(const RawValue& raw) {
  const std::string_view path = raw.text;
  // Query, fragment and template braces would never match a request path as written.
  const bool plain = std::all_of(path.begin(), path.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte > 0x20 && byte < 0x7f && c != '?' && c != '#' && c != '{' && c != '}';
  });
  if (!path.starts_with('/') || !plain) {
    fail(raw, "a path starting with '/' without spaces, '?', '#' or braces");
  }
  if (is_api_route(path)) {
    fail(raw,
         "a path that is not an API route (/health, /ready, /api/..., /compute/..., "
         "/ws/...)");
  }
}

void apply_metrics(const SettingSource& source, Config& config) {
  if (const auto raw = source.get("METRICS_PATH")) {
    check_metrics_path(*raw);
    config.metrics_path = raw->text;
  }
  if (const auto raw = source.get_secret("METRICS_TOKEN")) {
    // It travels in an Authorization header, which cannot carry spaces or control bytes.
    const bool token_chars = std::all_of(raw->text.begin(), raw->text.end(), [](char c) {
      return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
    });
    if (!token_chars) {
      fail_secret(*raw, "a token of printable ASCII characters without spaces");
    }
    config.metrics_token = raw->text;
  }
  if (const auto raw = source.get("GLASSBOX_LATENCY_BUCKETS")) {
    config.latency_buckets = parse_buckets(*raw);
  }
}

void apply_compute_and_storage(const SettingSource& source, Config& config) {
  set_integer(source, "COMPUTE_MAX_N", config.compute_max_n, 0, kMaxComputeN);
  set_integer(source, "COMPUTE_THREADS", config.compute_threads, 0, kMaxThreads);
  set_integer(source, "COMPUTE_QUEUE", config.compute_queue, 0, kMaxQueue);
  set_seconds(source, "CLEANUP_INTERVAL_SECONDS", config.cleanup_interval, kMaxIntervalSeconds);
  set_integer(source, "USER_CACHE_CAPACITY", config.user_cache_capacity, 0, kMaxCacheCapacity);
}

void apply_limits(const SettingSource& source, HttpLimits& limits) {
  set_integer(source, "GLASSBOX_MAX_HEADER_BYTES", limits.max_header_bytes, 1,
              kMaxHeaderOrTargetBytes);
  set_integer(source, "GLASSBOX_MAX_TARGET_BYTES", limits.max_target_bytes, 1,
              kMaxHeaderOrTargetBytes);
  set_integer(source, "GLASSBOX_MAX_BODY_BYTES", limits.max_body_bytes, 1, kMaxBodyBytes);
  set_seconds(source, "GLASSBOX_HEADER_TIMEOUT_SECONDS", limits.header_timeout, kMaxTimeoutSeconds);
  set_seconds(source, "GLASSBOX_IDLE_TIMEOUT_SECONDS", limits.idle_timeout, kMaxTimeoutSeconds);
  set_integer(source, "GLASSBOX_MAX_CONNECTIONS", limits.max_connections, 1, kMaxConnections);
  set_seconds(source, "GLASSBOX_SHUTDOWN_TIMEOUT_SECONDS", limits.shutdown_timeout,
              kMaxTimeoutSeconds);
}

// ---------------------------------------------------------------------------------------
// Tracing (names and formats from the OpenTelemetry SDK environment variable spec)

int hex_value(char c) {
  if (is_digit(c)) {
    return c - '0';
  }
  const char lower = to_lower(c);
  return (lower >= 'a' && lower <= 'f') ? lower - 'a' + 10 : -1;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) {
      return std::nullopt;
    }
    const int high = hex_value(text[i + 1]);
    const int low = hex_value(text[i + 2]);
    if (high < 0 || low < 0) {
      return std::nullopt;
    }
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

enum class ListKind { kHeaders, kResourceAttributes };

bool is_header_name(std::string_view name) {
  constexpr std::string_view kTokenPunctuation = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [&](char c) {
    return is_alpha(c) || is_digit(c) || kTokenPunctuation.find(c) != std::string_view::npos;
  });
}

// A decoded header value must not smuggle a line break (or any other control byte) into
// the export request.
bool is_header_value(std::string_view value) {
  return std::none_of(value.begin(), value.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return (byte < 0x20 && c != '\t') || byte == 0x7f;
  });
}

// `k=v,k2=v2` as W3C Baggage writes it, without properties: optional spaces around keys
// and values, percent-encoded values. Values are never echoed: headers carry API keys.
KeyValues parse_key_values(const RawValue& raw, ListKind kind) {
  constexpr std::string_view kExpected =
      "comma-separated key=value pairs with percent-encoded values";
  KeyValues pairs;
  std::size_t position = 0;
  for (const auto member : split(raw.text, ',')) {
    ++position;
    if (trim(member).empty()) {
      continue;  // a trailing comma is harmless
    }
    const auto at = "pair " + std::to_string(position);
    const auto equals = member.find('=');
    if (equals == std::string_view::npos) {
      throw ConfigError(raw.source,
                        "expected " + std::string(kExpected) + "; " + at + " has no '='");
    }
    auto key = percent_decode(trim(member.substr(0, equals)));
    auto value = percent_decode(trim(member.substr(equals + 1)));
    if (!key || !value) {
      throw ConfigError(raw.source, "expected " + std::string(kExpected) + "; " + at +
                                        " has a '%' not followed by two hex digits");
    }
    const bool key_ok = kind == ListKind::kHeaders
                            ? is_header_name(*key)
                            : !key->empty() && utf8_code_points(*key).has_value();
    if (!key_ok) {
      throw ConfigError(raw.source, "expected " + std::string(kExpected) + "; " + at +
                                        " has an invalid key " + quoted(*key));
    }
    const bool value_ok =
        kind == ListKind::kHeaders ? is_header_value(*value) : utf8_code_points(*value).has_value();
    if (!value_ok) {
      throw ConfigError(raw.source,
                        "expected " + std::string(kExpected) + "; the value of " + quoted(*key) +
                            (kind == ListKind::kHeaders ? " decodes to control characters"
                                                        : " does not decode to valid UTF-8"));
    }
    pairs.emplace_back(std::move(*key), std::move(*value));
  }
  return pairs;
}

// Later duplicates win, as when the variable is read into a map by other SDKs.
KeyValues without_duplicate_keys(const KeyValues& pairs) {
  KeyValues unique;
  for (const auto& [key, value] : pairs) {
    const auto existing = std::find_if(unique.begin(), unique.end(),
                                       [&](const auto& pair) { return pair.first == key; });
    if (existing != unique.end()) {
      existing->second = value;
    } else {
      unique.emplace_back(key, value);
    }
  }
  return unique;
}

void apply_resource(const SettingSource& source, TracingConfig& tracing) {
  if (const auto raw = source.get("OTEL_RESOURCE_ATTRIBUTES")) {
    tracing.resource_attributes =
        without_duplicate_keys(parse_key_values(*raw, ListKind::kResourceAttributes));
  }
  auto& attributes = tracing.resource_attributes;
  const auto service = std::find_if(attributes.begin(), attributes.end(),
                                    [](const auto& pair) { return pair.first == "service.name"; });
  // The spec gives OTEL_SERVICE_NAME precedence over service.name in the attributes; the
  // attribute is moved out so that nobody emits service.name twice.
  if (service != attributes.end()) {
    if (!service->second.empty()) {
      tracing.service_name = service->second;
    }
    attributes.erase(service);
  }
  if (const auto raw = source.get("OTEL_SERVICE_NAME")) {
    const bool control_free = std::none_of(raw->text.begin(), raw->text.end(), [](char c) {
      return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
    if (!utf8_code_points(raw->text) || !control_free) {
      fail(*raw, "a name of valid UTF-8 without control characters");
    }
    tracing.service_name = raw->text;
  }
}

// Checks an OTLP/HTTP URL. Only the scheme is echoed: an endpoint may embed credentials.
void check_endpoint(const RawValue& raw, bool is_base) {
  const std::string_view url = raw.text;
  const bool http = istarts_with(url, "http://") || istarts_with(url, "https://");
  if (!http) {
    throw ConfigError(raw.source,
                      "expected an http:// or https:// URL, got " + describe_scheme(url));
  }
  const auto rest = url.substr(url.find("://") + 3);
  const bool has_host =
      !rest.empty() && rest.front() != '/' && rest.front() != '?' && rest.front() != '#';
  const bool printable = std::all_of(url.begin(), url.end(), [](char c) {
    return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
  if (!has_host || !printable) {
    throw ConfigError(raw.source,
                      "expected an http:// or https:// URL with a host and without spaces " +
                          std::string(kSecretNotShown));
  }
  if (is_base && url.find_first_of("?#") != std::string_view::npos) {
    throw ConfigError(raw.source,
                      "expected a base URL without query or fragment, since /v1/traces is "
                      "appended to it " +
                          std::string(kSecretNotShown));
  }
}

void apply_endpoint(const SettingSource& source, TracingConfig& tracing) {
  if (const auto raw = source.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) {
    check_endpoint(*raw, false);
    tracing.traces_endpoint = raw->text;
    return;
  }
  if (const auto raw = source.get("OTEL_EXPORTER_OTLP_ENDPOINT")) {
    check_endpoint(*raw, true);
    std::string_view base = raw->text;
    if (base.ends_with('/')) {
      base.remove_suffix(1);
    }
    tracing.traces_endpoint = std::string(base) + "/v1/traces";
  }
}

void apply_exporter(const SettingSource& source, TracingConfig& tracing) {
  apply_endpoint(source, tracing);
  if (const auto raw =
          source.first_of({"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"})) {
    if (iequals(raw->text, "grpc")) {
      throw ConfigError(raw->source,
                        "expected http/protobuf or http/json, got 'grpc', which is "
                        "not supported (use an OTLP/HTTP endpoint, port 4318)");
    }
    constexpr std::array<Choice<OtlpProtocol>, 2> kProtocols{
        {{"http/protobuf", OtlpProtocol::kHttpProtobuf}, {"http/json", OtlpProtocol::kHttpJson}}};
    tracing.protocol = parse_choice(*raw, kProtocols);
  }
  if (const auto raw =
          source.first_of({"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS"})) {
    tracing.headers = parse_key_values(*raw, ListKind::kHeaders);
  }
  set_milliseconds(source, "OTEL_EXPORTER_OTLP_TIMEOUT", tracing.export_timeout,
                   {"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"});
  if (const auto raw = source.get("OTEL_TRACES_EXPORTER")) {
    constexpr std::array<Choice<TracesExporter>, 3> kExporters{
        {{"otlp", TracesExporter::kOtlp},
         {"console", TracesExporter::kConsole},
         {"none", TracesExporter::kNone}}};
    tracing.exporter = parse_choice(*raw, kExporters);
  }
}

void apply_sampler(const SettingSource& source, TracingConfig& tracing) {
  if (const auto raw = source.get("OTEL_TRACES_SAMPLER")) {
    constexpr std::array<Choice<Sampler>, 6> kSamplers{
        {{"always_on", Sampler::kAlwaysOn},
         {"always_off", Sampler::kAlwaysOff},
         {"traceidratio", Sampler::kTraceIdRatio},
         {"parentbased_always_on", Sampler::kParentBasedAlwaysOn},
         {"parentbased_always_off", Sampler::kParentBasedAlwaysOff},
         {"parentbased_traceidratio", Sampler::kParentBasedTraceIdRatio}}};
    tracing.sampler = parse_choice(*raw, kSamplers);
  }
  if (const auto raw = source.get("OTEL_TRACES_SAMPLER_ARG")) {
    constexpr std::string_view kExpected = "a sampling ratio from 0 to 1";
    const double ratio = parse_number(*raw, kExpected);
    if (ratio < 0 || ratio > 1) {
      fail(*raw, kExpected);
    }
    tracing.sampler_ratio = ratio;
  }
}

void apply_batch_processor(const SettingSource& source, TracingConfig& tracing) {
  set_integer(source, "OTEL_BSP_MAX_QUEUE_SIZE", tracing.bsp_max_queue_size, 1, kMaxSpanQueue);
  set_milliseconds(source, "OTEL_BSP_SCHEDULE_DELAY", tracing.bsp_schedule_delay);
  set_integer(source, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", tracing.bsp_max_export_batch_size, 1,
              kMaxSpanQueue);
  set_milliseconds(source, "OTEL_BSP_EXPORT_TIMEOUT", tracing.bsp_export_timeout);
  if (tracing.bsp_max_export_batch_size <= tracing.bsp_max_queue_size) {
    return;
  }
  // The spec requires batch <= queue. Only an explicit batch size is a mistake; a small
  // queue alone shrinks the default batch to fit, as the Go SDK does.
  const auto batch = source.get("OTEL_BSP_MAX_EXPORT_BATCH_SIZE");
  if (!batch) {
    tracing.bsp_max_export_batch_size = tracing.bsp_max_queue_size;
    return;
  }
  fail(*batch,
       "at most OTEL_BSP_MAX_QUEUE_SIZE (" + std::to_string(tracing.bsp_max_queue_size) + ")");
}

void apply_tracing(const SettingSource& source, TracingConfig& tracing) {
  apply_resource(source, tracing);
  apply_exporter(source, tracing);
  apply_sampler(source, tracing);
  apply_batch_processor(source, tracing);
  if (const auto raw = source.get("OTEL_SDK_DISABLED")) {
    tracing.sdk_disabled = parse_bool(*raw);
  }
}

// ---------------------------------------------------------------------------------------
// Command line

struct FlagScan {
  CommandAction action = CommandAction::kRun;
  std::map<std::string, RawValue> values;  // variable name -> value given by its flag
};

const FlagSpec* find_flag(std::string_view name) {
  const auto found = std::find_if(kFlags.begin(), kFlags.end(),
                                  [&](const FlagSpec& spec) { return spec.flag == name; });
  return found == kFlags.end() ? nullptr : &*found;
}

FlagScan scan_flags(const std::vector<std::string>& args) {
  FlagScan scan;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      scan.action = CommandAction::kHelp;
      return scan;
    }
    if (arg == "--version") {
      scan.action = CommandAction::kVersion;
      return scan;
    }
    if (!arg.starts_with('-')) {
      throw ConfigError("command line",
                        "expected flags (see --help), got the argument " + quoted(arg));
    }
    const auto equals = arg.find('=');
    const auto name = arg.substr(0, equals);
    const FlagSpec* spec = find_flag(name);
    if (spec == nullptr) {
      throw ConfigError(std::string(name), "unknown flag (see --help)");
    }
    std::string value;
    if (equals != std::string_view::npos) {
      value = std::string(arg.substr(equals + 1));
    } else if (i + 1 < args.size() && !args[i + 1].starts_with("--")) {
      value = args[++i];
    } else {
      throw ConfigError(std::string(name), "expected a value after the flag, got none");
    }
    if (value.empty()) {
      throw ConfigError(std::string(name), "expected a value after the flag, got an empty one");
    }
    scan.values[std::string(spec->variable)] = RawValue{std::move(value), std::string(name)};
  }
  return scan;
}

// ---------------------------------------------------------------------------------------
// Help

struct HelpRow {
  std::string variable;
  std::string default_value;
  std::string meaning;
};

template <typename Rep, typename Period>
std::string count_of(std::chrono::duration<Rep, Period> duration) {
  return std::to_string(duration.count());
}

std::string join_buckets(const std::vector<double>& buckets) {
  std::ostringstream out;
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    out << (i == 0 ? "" : ",") << buckets[i];
  }
  return out.str();
}

// Defaults come from a default-constructed Config, so the help cannot drift from the code.
std::vector<HelpRow> environment_rows() {
  const Config d;
  const TracingConfig& t = d.tracing;
  return {
      {"GLASSBOX_HOST", d.host, "listen address"},
      {"GLASSBOX_PORT", std::to_string(d.port), "listen port, 0..65535 (0: any free port, logged)"},
      {"GLASSBOX_THREADS", "cores", "I/O threads, 0..1024 (0: number of cores)"},
      {"DATABASE_URL", d.database_url,
       "sqlite://PATH, sqlite://:memory: or postgresql://user:pass@host:port/db"},
      {"DATABASE_URL_FILE", "unset", "file holding DATABASE_URL (one trailing newline ignored)"},
      {"DATABASE_POOL_SIZE", std::to_string(d.database_pool_size), "database connections, 1..1024"},
      {"LOG_LEVEL", "info", "debug, info, warn or error"},
      {"METRICS_PATH", d.metrics_path, "Prometheus exposition path"},
      {"METRICS_TOKEN", "unset",
       "when set, the metrics path needs 'Authorization: Bearer <token>'"},
      {"METRICS_TOKEN_FILE", "unset", "file holding METRICS_TOKEN (one trailing newline ignored)"},
      {"GLASSBOX_LATENCY_BUCKETS", "see below",
       "histogram bucket bounds in seconds, comma-separated, increasing"},
      {"COMPUTE_MAX_N", std::to_string(d.compute_max_n), "largest n for /compute/{n}, 0..92"},
      {"COMPUTE_THREADS", "cores", "Fibonacci worker threads, 0..1024 (0: number of cores)"},
      {"COMPUTE_QUEUE", "2 x threads",
       "/compute requests waiting before 503 (0: 2 x COMPUTE_THREADS)"},
      {"CLEANUP_INTERVAL_SECONDS", count_of(d.cleanup_interval),
       "seconds between runs of the expired-user cleanup"},
      {"USER_CACHE_CAPACITY", std::to_string(d.user_cache_capacity),
       "users kept in the in-process cache (0 disables it)"},
      {"GLASSBOX_MAX_HEADER_BYTES", std::to_string(d.limits.max_header_bytes),
       "request header bytes before 431"},
      {"GLASSBOX_MAX_TARGET_BYTES", std::to_string(d.limits.max_target_bytes),
       "request target bytes before 414"},
      {"GLASSBOX_MAX_BODY_BYTES", std::to_string(d.limits.max_body_bytes),
       "request body bytes before 413"},
      {"GLASSBOX_HEADER_TIMEOUT_SECONDS", count_of(d.limits.header_timeout),
       "seconds a client has to send the request headers"},
      {"GLASSBOX_IDLE_TIMEOUT_SECONDS", count_of(d.limits.idle_timeout),
       "seconds an idle keep-alive connection stays open"},
      {"GLASSBOX_MAX_CONNECTIONS", std::to_string(d.limits.max_connections),
       "concurrent connections"},
      {"GLASSBOX_SHUTDOWN_TIMEOUT_SECONDS", count_of(d.limits.shutdown_timeout),
       "seconds in-flight requests get on SIGTERM"},
      {"OTEL_SERVICE_NAME", t.service_name, "service.name, also the 'service' log field"},
      {"OTEL_RESOURCE_ATTRIBUTES", "unset",
       "extra resource attributes, k=v,k2=v2 (values percent-encoded)"},
      {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318",
       "OTLP/HTTP base URL; /v1/traces is appended"},
      {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "unset",
       "full traces URL, used as given (wins over the above)"},
      {"OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf",
       "http/protobuf or http/json (grpc is not supported)"},
      {"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "unset",
       "the same for traces only (wins over the above)"},
      {"OTEL_EXPORTER_OTLP_HEADERS", "unset",
       "export request headers, k=v,k2=v2 (values percent-encoded)"},
      {"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "unset",
       "the same for traces only (wins over the above)"},
      {"OTEL_EXPORTER_OTLP_TIMEOUT", count_of(t.export_timeout),
       "milliseconds an export request may take"},
      {"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "unset",
       "the same for traces only (wins over the above)"},
      {"OTEL_TRACES_EXPORTER", "otlp", "otlp, console (spans as JSON lines on stderr) or none"},
      {"OTEL_TRACES_SAMPLER", "parentbased_always_on",
       "always_on, always_off, traceidratio or parentbased_*"},
      {"OTEL_TRACES_SAMPLER_ARG", "1.0", "sampling ratio for the *traceidratio samplers, 0..1"},
      {"OTEL_BSP_MAX_QUEUE_SIZE", std::to_string(t.bsp_max_queue_size),
       "spans waiting for export; more are dropped and counted"},
      {"OTEL_BSP_SCHEDULE_DELAY", count_of(t.bsp_schedule_delay),
       "milliseconds between two exports"},
      {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", std::to_string(t.bsp_max_export_batch_size),
       "spans per export request (at most the queue size)"},
      {"OTEL_BSP_EXPORT_TIMEOUT", count_of(t.bsp_export_timeout),
       "milliseconds one export may take"},
      {"OTEL_SDK_DISABLED", t.sdk_disabled ? "true" : "false",
       "true: export nothing (trace ids are still made for logs)"},
  };
}

std::string pad(std::string_view text, std::size_t width) {
  std::string out(text);
  out.resize(std::max(width, text.size() + 2), ' ');
  return out;
}

}  // namespace

ParsedCommandLine parse_command_line(const std::map<std::string, std::string>& environment,
                                     const std::vector<std::string>& args) {
  ParsedCommandLine result;
  FlagScan scan = scan_flags(args);
  result.action = scan.action;
  // --help and --version must work even when the environment holds a bad setting.
  if (result.action != CommandAction::kRun) {
    return result;
  }
  const SettingSource source(environment, std::move(scan.values));
  Config& config = result.config;
  apply_server(source, config);
  apply_database(source, config);
  apply_metrics(source, config);
  apply_compute_and_storage(source, config);
  apply_limits(source, config.limits);
  apply_tracing(source, config.tracing);
  return result;
}

std::map<std::string, std::string> current_environment() {
  std::map<std::string, std::string> result;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const auto equals = text.find('=');
    if (equals != std::string_view::npos) {
      result.emplace(text.substr(0, equals), text.substr(equals + 1));
    }
  }
  return result;
}

std::string help_text() {
  std::ostringstream out;
  out << "Usage: glassbox [FLAGS]\n"
         "\n"
         "Glassbox serves the users/compute API with metrics, logs and traces.\n"
         "\n"
         "Flags (a flag wins over the variable of the same setting; --name VALUE or "
         "--name=VALUE):\n";
  const std::vector<std::pair<std::string, std::string>> flags{
      {"--host ADDR", "GLASSBOX_HOST"},
      {"--port N", "GLASSBOX_PORT"},
      {"--threads N", "GLASSBOX_THREADS"},
      {"--database-url URL", "DATABASE_URL"},
      {"--log-level LEVEL", "LOG_LEVEL"},
      {"-h, --help", "print this text and exit"},
      {"--version", "print the version and exit"},
  };
  for (const auto& [flag, meaning] : flags) {
    out << "  " << pad(flag, 22) << (meaning.ends_with("exit") ? meaning : "same as " + meaning)
        << "\n";
  }

  const auto rows = environment_rows();
  std::size_t variable_width = std::string_view("VARIABLE").size();
  std::size_t default_width = std::string_view("DEFAULT").size();
  for (const auto& row : rows) {
    variable_width = std::max(variable_width, row.variable.size());
    default_width = std::max(default_width, row.default_value.size());
  }
  out << "\nEnvironment variables (an empty value counts as unset):\n"
      << "  " << pad("VARIABLE", variable_width + 2) << pad("DEFAULT", default_width + 2)
      << "MEANING\n";
  for (const auto& row : rows) {
    out << "  " << pad(row.variable, variable_width + 2)
        << pad(row.default_value, default_width + 2) << row.meaning << "\n";
  }
  out << "\nDefault GLASSBOX_LATENCY_BUCKETS: " << join_buckets(Config{}.latency_buckets) << "\n"
      << "\nExit codes:\n"
         "  0  clean shutdown\n"
         "  1  other fatal error\n"
         "  2  bad configuration (the message names the setting)\n";
  return out.str();
}

}  // namespace glassbox::app
