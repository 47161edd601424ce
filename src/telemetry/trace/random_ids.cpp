#include "telemetry/trace/random_ids.hpp"

#include <random>

namespace glassbox::telemetry::trace {
namespace {

class SplitMix64 {
 public:
  SplitMix64() {
    std::random_device device;
    state_ = (std::uint64_t{device()} << 32) ^ device();
  }
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t state_ = 0;
};

SplitMix64& generator() {
  thread_local SplitMix64 instance;
  return instance;
}

std::uint64_t non_zero(std::uint64_t value) {
  return value == 0 ? 1 : value;
}

}  // namespace

TraceId random_trace_id() {
  TraceId id{generator().next(), generator().next()};
  id.low = id.high == 0 ? non_zero(id.low) : id.low;
  return id;
}

SpanId random_span_id() {
  return SpanId{non_zero(generator().next())};
}

std::uint64_t random_u64() {
  return generator().next();
}

}  // namespace glassbox::telemetry::trace
