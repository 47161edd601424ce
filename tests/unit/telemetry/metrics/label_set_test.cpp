#include "telemetry/metrics/label_set.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace glassbox::telemetry::metrics::detail {
namespace {

TEST(LabelSet, OrdersValueListsValueByValue) {
  const LabelValuesLess less;
  const std::vector<std::string> get_a{"GET", "/a"};
  const std::vector<std::string> get_b{"GET", "/b"};
  const std::vector<std::string_view> post_a{"POST", "/a"};
  EXPECT_TRUE(less(get_a, get_b));
  EXPECT_FALSE(less(get_b, get_a));
  EXPECT_TRUE(less(get_b, std::span<const std::string_view>(post_a)));
  EXPECT_FALSE(less(std::span<const std::string_view>(post_a), get_b));
}

TEST(LabelSet, RendersEscapedPairsWithoutBraces) {
  const std::vector<std::string> names{"a", "b"};
  const std::vector<std::string> values{"x", "say \"hi\"\n"};
  EXPECT_EQ(render_labels(names, values), R"(a="x",b="say \"hi\"\n")");
  EXPECT_EQ(render_labels({}, {}), "");
}

TEST(LabelSet, RepairsOnlyWhenSomethingIsInvalid) {
  const std::vector<std::string_view> valid{"ok", "caf\xC3\xA9"};
  EXPECT_FALSE(repaired_label_values(valid).has_value());
  const std::vector<std::string_view> invalid{"ok", "bad\xFF"};
  const auto repaired = repaired_label_values(invalid);
  ASSERT_TRUE(repaired.has_value());
  EXPECT_EQ(*repaired, (std::vector<std::string>{"ok", "bad\xEF\xBF\xBD"}));
}

TEST(LabelSet, CountMismatchThrows) {
  EXPECT_NO_THROW(check_label_count("f", 2, 2));
  EXPECT_THROW(check_label_count("f", 2, 1), std::invalid_argument);
}

}  // namespace
}  // namespace glassbox::telemetry::metrics::detail
