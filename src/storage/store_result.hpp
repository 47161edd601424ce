#pragma once

#include <string>
#include <utility>
#include <variant>

namespace glassbox::storage {

// Why a storage call did not produce a value. The app maps each kind to an HTTP status;
// `detail` is for the log only and never reaches a client (it can hold SQL errors).
enum class StoreErrorKind {
  kNotFound,        // no row with that id
  kDuplicateEmail,  // the unique e-mail index refused the write
  kUnavailable,     // the database cannot be reached (or the pool timed out): retry later
  kInternal,        // anything else the database reported
};

struct StoreError {
  StoreErrorKind kind;
  std::string detail;
};

// A value or a StoreError: storage calls report failures as values, never by throwing,
// because they run on worker threads under request handlers.
template <class T>
class StoreResult {
 public:
  StoreResult(T value) : state_(std::move(value)) {}           // NOLINT: implicit by design
  StoreResult(StoreError error) : state_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<T>(state_); }
  const T& value() const { return std::get<T>(state_); }
  const StoreError& error() const { return std::get<StoreError>(state_); }

 private:
  std::variant<T, StoreError> state_;
};

// For calls that return nothing on success.
struct Done {};

}  // namespace glassbox::storage
