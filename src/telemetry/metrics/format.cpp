#include "telemetry/metrics/format.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

namespace glassbox::telemetry::metrics {
namespace {

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) {
    return {};
  }
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    return lower(x) == lower(y);
  });
}

std::string_view unquote(std::string_view text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    return text.substr(1, text.size() - 2);
  }
  return text;
}

// One media range of an Accept header: "type/subtype;param=value;q=0.5".
struct MediaRange {
  std::string_view type;
  std::string_view version;  // empty when not given
  double quality = 1;
};

// Nothing when the q-value is malformed or out of [0, 1].
std::optional<MediaRange> parse_media_range(std::string_view text) {
  MediaRange range;
  std::size_t end = text.find(';');
  range.type = trim(text.substr(0, end));
  while (end != std::string_view::npos) {
    text.remove_prefix(end + 1);
    end = text.find(';');
    const std::string_view parameter = trim(text.substr(0, end));
    const auto equals = parameter.find('=');
    if (equals == std::string_view::npos) {
      continue;
    }
    const std::string_view name = trim(parameter.substr(0, equals));
    const std::string_view value = unquote(trim(parameter.substr(equals + 1)));
    if (iequals(name, "version")) {
      range.version = value;
    } else if (iequals(name, "q")) {
      const auto [rest, error] =
          std::from_chars(value.data(), value.data() + value.size(), range.quality);
      if (error != std::errc{} || rest != value.data() + value.size() || range.quality < 0 ||
          range.quality > 1) {
        return std::nullopt;
      }
    }
  }
  return range;
}

}  // namespace

std::string_view content_type(Format format) {
  return format == Format::kOpenMetrics
             ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
             : "text/plain; version=0.0.4; charset=utf-8";
}

Format select_format(std::string_view accept_header) {
  double openmetrics_quality = 0;
  double text_quality = 0;
  while (!accept_header.empty()) {
    const std::size_t comma = accept_header.find(',');
    const auto range = parse_media_range(accept_header.substr(0, comma));
    accept_header.remove_prefix(comma == std::string_view::npos ? accept_header.size() : comma + 1);
    if (!range) {
      continue;
    }
    if (iequals(range->type, "application/openmetrics-text")) {
      if (range->version.empty() || range->version == "1.0.0") {
        openmetrics_quality = std::max(openmetrics_quality, range->quality);
      }
    } else if (iequals(range->type, "text/plain") || iequals(range->type, "text/*") ||
               range->type == "*/*") {
      text_quality = std::max(text_quality, range->quality);
    }
  }
  return openmetrics_quality > 0 && openmetrics_quality >= text_quality ? Format::kOpenMetrics
                                                                        : Format::kPrometheusText;
}

}  // namespace glassbox::telemetry::metrics
