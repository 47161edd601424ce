#include "telemetry/trace/attributes.hpp"

#include <limits>

namespace glassbox::telemetry::trace {

AttributeList::Entry& AttributeList::entry(std::size_t index) noexcept {
  return index < kInlineCapacity ? inline_[index] : overflow_[index - kInlineCapacity];
}

const AttributeList::Entry& AttributeList::entry(std::size_t index) const noexcept {
  return index < kInlineCapacity ? inline_[index] : overflow_[index - kInlineCapacity];
}

void AttributeList::clear() noexcept {
  count_ = 0;
  keys_present_ = 0;
  dropped_ = 0;
  overflow_.clear();
  text_.clear();
}

AttributeList::Entry* AttributeList::slot(std::string_view key) {
  const std::uint64_t bit = key_bit(key);
  if ((keys_present_ & bit) != 0) {
    for (std::size_t i = 0; i < count_; ++i) {
      if (entry(i).key == key) return &entry(i);
    }
  }
  if (count_ == kMaxAttributes) {
    ++dropped_;
    return nullptr;
  }
  if (count_ >= kInlineCapacity) overflow_.emplace_back();
  Entry& fresh = entry(count_++);
  fresh.key = key;
  keys_present_ |= bit;
  return &fresh;
}

void AttributeList::set(AttributeKey key, std::string_view value) {
  if (text_.size() + value.size() > std::numeric_limits<std::uint32_t>::max()) {
    ++dropped_;
    return;
  }
  Entry* target = slot(key.view());
  if (target == nullptr) return;
  if (text_.capacity() < kInitialTextCapacity) text_.reserve(kInitialTextCapacity);
  target->type = Type::kString;
  target->text_offset = static_cast<std::uint32_t>(text_.size());
  target->text_length = static_cast<std::uint32_t>(value.size());
  text_.append(value);
}

void AttributeList::set(AttributeKey key, bool value) {
  if (Entry* target = slot(key.view())) {
    target->type = Type::kBool;
    target->bool_value = value;
  }
}

void AttributeList::set(AttributeKey key, double value) {
  if (Entry* target = slot(key.view())) {
    target->type = Type::kDouble;
    target->double_value = value;
  }
}

void AttributeList::set_int(AttributeKey key, std::int64_t value) {
  if (Entry* target = slot(key.view())) {
    target->type = Type::kInt;
    target->int_value = value;
  }
}

AttributeView AttributeList::operator[](std::size_t index) const noexcept {
  const Entry& item = entry(index);
  switch (item.type) {
    case Type::kString:
      return {item.key, std::string_view(text_).substr(item.text_offset, item.text_length)};
    case Type::kInt:
      return {item.key, item.int_value};
    case Type::kDouble:
      return {item.key, item.double_value};
    case Type::kBool:
      return {item.key, item.bool_value};
  }
  return {item.key, std::int64_t{0}};
}

std::optional<AttributeValue> AttributeList::find(std::string_view key) const noexcept {
  for (std::size_t i = 0; i < count_; ++i) {
    if (entry(i).key == key) return (*this)[i].value;
  }
  return std::nullopt;
}

}  // namespace glassbox::telemetry::trace
