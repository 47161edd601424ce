#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// The non-template half of Family<Metric>: label values as map keys, and their rendering.
namespace glassbox::telemetry::metrics::detail {

// Orders label-value lists lexicographically (value by value), so series come out sorted;
// transparent, so a lookup with string_views needs no allocation.
struct LabelValuesLess {
  using is_transparent = void;
  bool operator()(const std::vector<std::string>& a, const std::vector<std::string>& b) const;
  bool operator()(const std::vector<std::string>& a, std::span<const std::string_view> b) const;
  bool operator()(std::span<const std::string_view> a, const std::vector<std::string>& b) const;
};

// Throws std::invalid_argument when the number of values differs from the number of names.
void check_label_count(std::string_view family, std::size_t names, std::size_t values);

// `a="x",b="y\"z"`: the labels of one series as both formats write them between the braces
// (escaped, no braces). Empty when there are no labels.
std::string render_labels(std::span<const std::string> names, std::span<const std::string> values);

// Copies of `values` with invalid UTF-8 replaced (see to_valid_utf8), or nothing when all
// are valid already (the common case, which then costs no allocation).
std::optional<std::vector<std::string>> repaired_label_values(
    std::span<const std::string_view> values);

}  // namespace glassbox::telemetry::metrics::detail
