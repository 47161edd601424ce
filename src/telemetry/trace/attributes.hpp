#pragma once

#include <array>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace glassbox::telemetry::trace {

// A span attribute key. Only a string literal converts to it (checked at compile time), so
// a key is never copied and never dangles: semantic-convention names are fixed anyway.
class AttributeKey {
 public:
  template <std::size_t N>
  consteval AttributeKey(const char (&literal)[N])  // NOLINT: implicit on purpose
      : text_(literal, N - 1) {}

  constexpr std::string_view view() const noexcept { return text_; }

 private:
  std::string_view text_;
};

// An attribute value as read back: the views point into the AttributeList and live as long
// as it does, unchanged.
using AttributeValue = std::variant<std::string_view, std::int64_t, double, bool>;

struct AttributeView {
  std::string_view key;
  AttributeValue value;
};

// The attributes of one span: string, int64, double or bool values under unique keys, in the
// order first set. The first kInlineCapacity live inside the object; string values are
// copied into one buffer, reserved once per span, so setting an attribute usually allocates
// nothing. Setting a key again replaces its value. Past kMaxAttributes
// (the OpenTelemetry default span attribute count limit) new keys are dropped and counted.
//
// Not thread-safe: one span is written by one thread at a time.
class AttributeList {
 public:
  static constexpr std::size_t kInlineCapacity = 16;
  static constexpr std::size_t kMaxAttributes = 128;
  // The text buffer's first size: a request's strings (path, user agent...) fit in one go.
  static constexpr std::size_t kInitialTextCapacity = 256;

  void set(AttributeKey key, std::string_view value);
  void set(AttributeKey key, const char* value) { set(key, std::string_view(value)); }
  void set(AttributeKey key, const std::string& value) { set(key, std::string_view(value)); }
  void set(AttributeKey key, bool value);
  void set(AttributeKey key, double value);
  // Any integer type; a value above INT64_MAX wraps (OTLP has signed 64-bit integers only).
  template <std::integral T>
  requires(!std::same_as<T, bool>) void set(AttributeKey key, T value) {
    set_int(key, static_cast<std::int64_t>(value));
  }

  // Removes every attribute and the dropped count, keeping the buffers' capacity: a
  // recycled span records its attributes without allocating.
  void clear() noexcept;

  std::size_t size() const noexcept { return count_; }
  bool empty() const noexcept { return count_ == 0; }
  AttributeView operator[](std::size_t index) const noexcept;
  std::optional<AttributeValue> find(std::string_view key) const noexcept;
  // Calls visit(key, value) for each attribute in order, with the value as a
  // std::string_view, std::int64_t, double or bool: what an encoder needs, without the
  // variant operator[] builds.
  template <class Visitor>
  void for_each(Visitor&& visit) const {
    for (std::size_t i = 0; i < count_; ++i) {
      const Entry& item = entry(i);
      switch (item.type) {
        case Type::kString:
          visit(item.key, std::string_view(text_.data() + item.text_offset, item.text_length));
          break;
        case Type::kInt:
          visit(item.key, item.int_value);
          break;
        case Type::kDouble:
          visit(item.key, item.double_value);
          break;
        case Type::kBool:
          visit(item.key, item.bool_value);
          break;
      }
    }
  }
  std::uint32_t dropped() const noexcept { return dropped_; }

 private:
  enum class Type : std::uint8_t { kString, kInt, kDouble, kBool };
  struct Entry {
    std::string_view key;
    Type type = Type::kInt;
    std::uint32_t text_length = 0;
    union {
      std::int64_t int_value;
      double double_value;
      bool bool_value;
      std::uint32_t text_offset;
    };
    Entry() : int_value(0) {}
  };

  void set_int(AttributeKey key, std::int64_t value);
  Entry* slot(std::string_view key);
  Entry& entry(std::size_t index) noexcept;
  const Entry& entry(std::size_t index) const noexcept;

  // One bit per key hash (key_bit) of the keys set: a key whose bit is clear is new, so
  // setting it skips the scan for a duplicate — the usual case, every key set once.
  static std::uint64_t key_bit(std::string_view key) noexcept {
    if (key.empty()) return 1;
    const auto middle = static_cast<unsigned char>(key[key.size() / 2]);
    const auto last = static_cast<unsigned char>(key.back());
    return std::uint64_t{1} << ((key.size() * 7 + middle * 3 + last) & 63);
  }

  std::size_t count_ = 0;
  std::uint64_t keys_present_ = 0;
  std::uint32_t dropped_ = 0;
  std::array<Entry, kInlineCapacity> inline_;
  std::vector<Entry> overflow_;
  std::string text_;
};

}  // namespace glassbox::telemetry::trace
