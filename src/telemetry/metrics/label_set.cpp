#include "telemetry/metrics/label_set.hpp"

#include <algorithm>
#include <stdexcept>

#include "telemetry/metrics/text_escape.hpp"

namespace glassbox::telemetry::metrics::detail {
namespace {

template <typename A, typename B>
bool lexicographically_less(const A& a, const B& b) {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                      [](std::string_view x, std::string_view y) { return x < y; });
}

}  // namespace

bool LabelValuesLess::operator()(const std::vector<std::string>& a,
                                 const std::vector<std::string>& b) const {
  return lexicographically_less(a, b);
}

bool LabelValuesLess::operator()(const std::vector<std::string>& a,
                                 std::span<const std::string_view> b) const {
  return lexicographically_less(a, b);
}

bool LabelValuesLess::operator()(std::span<const std::string_view> a,
                                 const std::vector<std::string>& b) const {
  return lexicographically_less(a, b);
}

void check_label_count(std::string_view family, std::size_t names, std::size_t values) {
  if (names != values) {
    throw std::invalid_argument("metric family '" + std::string(family) + "' has " +
                                std::to_string(names) + " label names but was given " +
                                std::to_string(values) + " label values");
  }
}

std::string render_labels(std::span<const std::string> names, std::span<const std::string> values) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) {
      out.push_back(',');
    }
    out.append(names[i]);
    out.append("=\"");
    append_escaped_label_value(out, values[i]);
    out.push_back('"');
  }
  return out;
}

std::optional<std::vector<std::string>> repaired_label_values(
    std::span<const std::string_view> values) {
  if (std::all_of(values.begin(), values.end(), is_valid_utf8)) {
    return std::nullopt;
  }
  std::vector<std::string> repaired;
  repaired.reserve(values.size());
  for (const std::string_view value : values) {
    repaired.push_back(to_valid_utf8(value));
  }
  return repaired;
}

}  // namespace glassbox::telemetry::metrics::detail
