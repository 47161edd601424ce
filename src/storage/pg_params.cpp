#include "storage/pg_params.hpp"

namespace glassbox::storage {

PgParams& PgParams::add(std::int64_t value) {
  values_.emplace_back(std::to_string(value));
  return *this;
}

PgParams& PgParams::add(std::string_view value) {
  values_.emplace_back(std::string(value));
  return *this;
}

PgParams& PgParams::add(std::optional<std::int64_t> value) {
  if (value) {
    return add(*value);
  }
  values_.emplace_back(std::nullopt);
  return *this;
}

std::vector<const char*> PgParams::pointers() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (const auto& value : values_) {
    out.push_back(value ? value->c_str() : nullptr);
  }
  return out;
}

}  // namespace glassbox::storage
