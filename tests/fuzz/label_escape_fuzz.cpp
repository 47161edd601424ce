// The Prometheus label escaper and UTF-8 repair, fed one label value (the input's bytes).
// Whatever the bytes, a scraper must read back exactly the value the registry kept (the
// value with invalid UTF-8 replaced), and no value may add or end a line of the exposition.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/user_validation.hpp"
#include "fuzz_check.hpp"
#include "telemetry/metrics/exposition.hpp"
#include "telemetry/metrics/registry.hpp"
#include "telemetry/metrics/text_escape.hpp"

namespace {

namespace metrics = glassbox::telemetry::metrics;

constexpr std::string_view kFamily = "fuzz_requests_total";
constexpr std::string_view kOpenMetricsFamily = "fuzz_requests";

std::int64_t fixed_clock() noexcept {
  return 1'700'000'000'000'000'000;
}

// Reads an escaped string as both formats define it (\\ and \n; \" too when `quoted`) from
// the start of `text`: when `quoted`, up to the first unescaped double quote, whose
// position goes to `end`; otherwise to the end of `text`. nullopt for an escape the format
// lacks, a raw line feed (it would end the line), or a missing closing quote.
std::optional<std::string> unescape(std::string_view text, bool quoted, std::size_t& end) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') return std::nullopt;
    if (quoted && c == '"') {
      end = i;
      return out;
    }
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (++i == text.size()) return std::nullopt;
    if (text[i] == '\\') {
      out.push_back('\\');
    } else if (text[i] == 'n') {
      out.push_back('\n');
    } else if (text[i] == '"' && quoted) {
      out.push_back('"');
    } else {
      return std::nullopt;
    }
  }
  end = text.size();
  if (quoted) return std::nullopt;
  return out;
}

// The escaped value must read back, in full, as `value`.
void check_quoted_round_trip(std::string_view escaped, std::string_view value) {
  const std::string closed = std::string(escaped) + '"';
  std::size_t end = 0;
  const auto read = unescape(closed, true, end);
  FUZZ_CHECK(read.has_value());
  FUZZ_CHECK(end == escaped.size());
  FUZZ_CHECK(*read == value);
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t newline = text.find('\n');
    FUZZ_CHECK(newline != std::string_view::npos);  // every line ends with a line feed
    lines.push_back(text.substr(0, newline));
    text.remove_prefix(newline + 1);
  }
  return lines;
}

// A sample line `<name>{route="<escaped>"} <value>` must carry `value` as its label.
void check_sample_line(std::string_view line, std::string_view name, std::string_view value) {
  const std::string prefix = std::string(name) + "{route=\"";
  FUZZ_CHECK(line.starts_with(prefix));
  line.remove_prefix(prefix.size());
  std::size_t end = 0;
  const auto read = unescape(line, true, end);
  FUZZ_CHECK(read.has_value());
  FUZZ_CHECK(*read == value);
  FUZZ_CHECK(line.substr(end).starts_with("\"} "));
}

// The value through a real registry and both exposition formats.
void check_exposition(std::string_view value, std::string_view kept) {
  metrics::Registry registry(metrics::RegistryOptions{.clock = &fixed_clock, .shard_count = 1});
  auto& family = registry.counter_family(std::string(kFamily), "Requests by route.", {"route"});
  family.with({value}).inc();

  const std::string text_format = metrics::render(registry, metrics::Format::kPrometheusText);
  const auto text = split_lines(text_format);
  FUZZ_CHECK(text.size() == 3);  // HELP, TYPE, the one sample
  check_sample_line(text[2], kFamily, kept);

  const std::string openmetrics = metrics::render(registry, metrics::Format::kOpenMetrics);
  const auto open = split_lines(openmetrics);
  FUZZ_CHECK(open.size() == 5);  // TYPE, HELP, _total, _created, # EOF
  check_sample_line(open[2], kFamily, kept);
  check_sample_line(open[3], std::string(kOpenMetricsFamily) + "_created", kept);
  FUZZ_CHECK(open[4] == "# EOF");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view value(reinterpret_cast<const char*>(data), size);

  // Two UTF-8 validators live in the code base (metrics and user validation); they agree.
  const bool valid = metrics::is_valid_utf8(value);
  FUZZ_CHECK(valid == glassbox::app::utf8_code_points(value).has_value());
  const std::string repaired = metrics::to_valid_utf8(value);
  FUZZ_CHECK(metrics::is_valid_utf8(repaired));
  FUZZ_CHECK((repaired == value) == valid);
  FUZZ_CHECK(metrics::to_valid_utf8(repaired) == repaired);

  std::string escaped;
  metrics::append_escaped_label_value(escaped, value);
  check_quoted_round_trip(escaped, value);

  std::string help_openmetrics;
  metrics::append_escaped_help_openmetrics(help_openmetrics, value);
  check_quoted_round_trip(help_openmetrics, value);

  std::string help_text;
  metrics::append_escaped_help_text(help_text, value);
  std::size_t end = 0;
  const auto help = unescape(help_text, false, end);
  FUZZ_CHECK(help.has_value());
  FUZZ_CHECK(*help == value);

  check_exposition(value, repaired);
  return 0;
}
