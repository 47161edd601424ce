#include "telemetry/metrics/number_format.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <string_view>

namespace glassbox::telemetry::metrics {
namespace {

// Go's 'g' with the shortest precision switches to the exponent form outside [1e-4, 1e6).
constexpr int kSmallestFixedExponent = -4;
constexpr int kLargestFixedExponent = 5;

// Splits to_chars' shortest scientific output "d.ddde±XX" into its significant digits and
// decimal exponent.
struct Scientific {
  std::array<char, 24> digits{};
  std::size_t digit_count = 0;
  int exponent = 0;
};

Scientific parse_scientific(std::string_view text) {
  Scientific result;
  std::size_t i = 0;
  for (; i < text.size() && text[i] != 'e'; ++i) {
    if (text[i] != '.') {
      result.digits[result.digit_count++] = text[i];
    }
  }
  std::from_chars(text.data() + i + 1 + (text[i + 1] == '+' ? 1 : 0), text.data() + text.size(),
                  result.exponent);
  return result;
}

void append_fixed(std::string& out, const Scientific& number) {
  const std::string_view digits(number.digits.data(), number.digit_count);
  if (number.exponent < 0) {
    out.append("0.");
    out.append(static_cast<std::size_t>(-number.exponent - 1), '0');
    out.append(digits);
    return;
  }
  const auto integer_digits = static_cast<std::size_t>(number.exponent) + 1;
  if (digits.size() <= integer_digits) {
    out.append(digits);
    out.append(integer_digits - digits.size(), '0');
    return;
  }
  out.append(digits.substr(0, integer_digits));
  out.push_back('.');
  out.append(digits.substr(integer_digits));
}

}  // namespace

void append_double(std::string& out, double value) {
  if (std::isnan(value)) {
    out.append("NaN");
    return;
  }
  if (std::isinf(value)) {
    out.append(value > 0 ? "+Inf" : "-Inf");
    return;
  }
  if (value == 0) {
    out.append(std::signbit(value) ? "-0" : "0");
    return;
  }
  std::array<char, 32> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), std::abs(value),
                                    std::chars_format::scientific);
  const std::string_view text(buffer.data(), static_cast<std::size_t>(result.ptr - buffer.data()));
  if (value < 0) {
    out.push_back('-');
  }
  const Scientific number = parse_scientific(text);
  if (number.exponent < kSmallestFixedExponent || number.exponent > kLargestFixedExponent) {
    out.append(text);  // to_chars' exponent form already matches Go's: "1.5e+09", "1e-05".
  } else {
    append_fixed(out, number);
  }
}

void append_bucket_bound(std::string& out, double bound) {
  const std::size_t start = out.size();
  append_double(out, bound);
  const std::string_view text(out.data() + start, out.size() - start);
  if (std::isfinite(bound) && text.find_first_of(".e") == std::string_view::npos) {
    out.append(".0");
  }
}

void append_unsigned(std::string& out, std::uint64_t value) {
  std::array<char, 24> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  out.append(buffer.data(), result.ptr);
}

void append_epoch_seconds(std::string& out, std::int64_t epoch_nanos) {
  constexpr std::int64_t kNanosPerMilli = 1'000'000;
  constexpr std::int64_t kMillisPerSecond = 1'000;
  std::int64_t millis = epoch_nanos / kNanosPerMilli;
  if (epoch_nanos % kNanosPerMilli < 0) {
    --millis;  // floor, so times before 1970 still read back in order
  }
  std::int64_t seconds = millis / kMillisPerSecond;
  std::int64_t fraction = millis % kMillisPerSecond;
  if (fraction < 0) {
    --seconds;
    fraction += kMillisPerSecond;
  }
  std::array<char, 24> buffer{};
  auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), seconds);
  out.append(buffer.data(), result.ptr);
  out.push_back('.');
  const char digits[3] = {static_cast<char>('0' + fraction / 100),
                          static_cast<char>('0' + fraction / 10 % 10),
                          static_cast<char>('0' + fraction % 10)};
  out.append(digits, 3);
}

}  // namespace glassbox::telemetry::metrics
