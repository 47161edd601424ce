#include "telemetry/metrics/text_escape.hpp"

#include <cstdint>

namespace glassbox::telemetry::metrics {
namespace {

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

// Length of the valid UTF-8 sequence at the start of `text`, or 0 when it is not one.
std::size_t valid_sequence_length(std::string_view text) {
  const auto byte = [&text](std::size_t i) { return static_cast<std::uint8_t>(text[i]); };
  const std::uint8_t lead = byte(0);
  if (lead < 0x80) {
    return 1;
  }
  // Sequence length, payload bits of the lead byte, smallest code point not overlong.
  struct Shape {
    std::size_t length;
    std::uint32_t lead_mask;
    std::uint32_t minimum;
  };
  Shape shape{};
  if (lead >= 0xC2 && lead <= 0xDF) {
    shape = {2, 0x1F, 0x80};
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    shape = {3, 0x0F, 0x800};
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    shape = {4, 0x07, 0x10000};
  } else {
    return 0;
  }
  const std::size_t length = shape.length;
  std::uint32_t code_point = lead & shape.lead_mask;
  const std::uint32_t minimum = shape.minimum;
  if (text.size() < length) {
    return 0;
  }
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0u) != 0x80u) {
      return 0;
    }
    code_point = (code_point << 6) | (byte(i) & 0x3Fu);
  }
  const bool surrogate = code_point >= 0xD800 && code_point <= 0xDFFF;
  if (code_point < minimum || surrogate || code_point > 0x10FFFF) {
    return 0;
  }
  return length;
}

// Escapes backslash and line feed always, the double quote only when asked.
void append_escaped(std::string& out, std::string_view text, bool escape_quote) {
  std::size_t plain_start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const char* replacement = nullptr;
    if (c == '\\') {
      replacement = "\\\\";
    } else if (c == '\n') {
      replacement = "\\n";
    } else if (c == '"' && escape_quote) {
      replacement = "\\\"";
    } else {
      continue;
    }
    out.append(text.data() + plain_start, i - plain_start);
    out.append(replacement, 2);
    plain_start = i + 1;
  }
  out.append(text.data() + plain_start, text.size() - plain_start);
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  while (!text.empty()) {
    const std::size_t length = valid_sequence_length(text);
    if (length == 0) {
      return false;
    }
    text.remove_prefix(length);
  }
  return true;
}

std::string to_valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    const std::size_t length = valid_sequence_length(text);
    if (length == 0) {
      out.append(kReplacementCharacter);
      text.remove_prefix(1);
    } else {
      out.append(text.substr(0, length));
      text.remove_prefix(length);
    }
  }
  return out;
}

void append_escaped_label_value(std::string& out, std::string_view value) {
  append_escaped(out, value, true);
}

void append_escaped_help_text(std::string& out, std::string_view help) {
  append_escaped(out, help, false);
}

void append_escaped_help_openmetrics(std::string& out, std::string_view help) {
  append_escaped(out, help, true);
}

}  // namespace glassbox::telemetry::metrics
