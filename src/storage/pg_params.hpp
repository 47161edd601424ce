#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace glassbox::storage {

// Query parameters, sent as text; std::nullopt is SQL NULL.
class PgParams {
 public:
  PgParams& add(std::int64_t value);
  PgParams& add(std::string_view value);
  PgParams& add(std::optional<std::int64_t> value);

  // Pointers into this object for libpq, valid while it lives unchanged.
  std::vector<const char*> pointers() const;
  int size() const { return static_cast<int>(values_.size()); }

 private:
  std::vector<std::optional<std::string>> values_;
};

}  // namespace glassbox::storage
