#include "telemetry/log/json_escape.hpp"

#include <array>
#include <cstdint>
#include <cstring>

namespace glassbox::telemetry::log {
namespace {

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";
constexpr char kHexDigits[] = "0123456789abcdef";

// Printable ASCII other than '"' and '\\': copied as is, in runs.
constexpr std::array<bool, 256> kPlain = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x7F; ++c)
    plain[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
  return plain;
}();

// True when all eight bytes of `word` are plain (kPlain), tested at once instead of with a
// table look-up per byte: logged paths, routes and user agents are nearly all plain. Each
// test says exactly whether some byte matches (Bit Twiddling Hacks' haszero/hasless).
constexpr bool all_plain(std::uint64_t word) noexcept {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
  const auto has_zero_byte = [](std::uint64_t v) { return ((v - kOnes) & ~v & kHighBits) != 0; };
  const bool control = ((word - kOnes * 0x20) & ~word & kHighBits) != 0;  // a byte < 0x20
  const bool high = (word & kHighBits) != 0;                              // a byte >= 0x80
  return !control && !high && !has_zero_byte(word ^ (kOnes * 0x7F)) &&
         !has_zero_byte(word ^ (kOnes * '"')) && !has_zero_byte(word ^ (kOnes * '\\'));
}

static_assert(all_plain(0x6867666564636261ULL));   // "abcdefgh"
static_assert(!all_plain(0x6867666522636261ULL));  // a '"'
static_assert(!all_plain(0x686766655C636261ULL));  // a '\\'
static_assert(!all_plain(0x686766657F636261ULL));  // DEL
static_assert(!all_plain(0x686766651F636261ULL));  // a control byte
static_assert(!all_plain(0x68676665C3636261ULL));  // a UTF-8 lead byte

// Length of the valid UTF-8 sequence starting at text[i], or 0 when it is not one
// (overlong forms, surrogates and code points above U+10FFFF are invalid, per RFC 3629).
std::size_t valid_sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(text[i + k]); };
  const auto continuation = [&](std::size_t k) {
    return i + k < text.size() && (byte(k) & 0xC0U) == 0x80U;
  };
  const std::uint8_t lead = byte(0);
  if (lead >= 0xC2 && lead <= 0xDF) return continuation(1) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    if (!continuation(1) || !continuation(2)) return 0;
    if (lead == 0xE0 && byte(1) < 0xA0) return 0;  // overlong
    if (lead == 0xED && byte(1) > 0x9F) return 0;  // UTF-16 surrogate
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (!continuation(1) || !continuation(2) || !continuation(3)) return 0;
    if (lead == 0xF0 && byte(1) < 0x90) return 0;  // overlong
    if (lead == 0xF4 && byte(1) > 0x8F) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

void append_escaped_ascii(std::string& out, std::uint8_t c) {
  switch (c) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    default:
      out += "\\u00";
      out.push_back(kHexDigits[c >> 4]);
      out.push_back(kHexDigits[c & 0x0F]);
  }
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t run_end = i;
    while (run_end + sizeof(std::uint64_t) <= text.size()) {
      std::uint64_t word;
      std::memcpy(&word, text.data() + run_end, sizeof(word));
      if (!all_plain(word)) break;
      run_end += sizeof(word);
    }
    while (run_end < text.size() && kPlain[static_cast<std::uint8_t>(text[run_end])])
      ++run_end;
    out.append(text.data() + i, run_end - i);
    i = run_end;
    if (i == text.size()) break;
    const auto c = static_cast<std::uint8_t>(text[i]);
    if (c < 0x80) {
      append_escaped_ascii(out, c);
      ++i;
      continue;
    }
    const std::size_t length = valid_sequence_length(text, i);
    if (length == 0) {
      out += kReplacementCharacter;
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  out.push_back('"');
}

}  // namespace glassbox::telemetry::log
