// Proves the recording side allocates nothing. This file replaces the global operator
// new/delete of the unit_telemetry binary with versions that count, on the calling thread
// only and only while a test asks, and otherwise behave like the defaults.
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>

#include "telemetry/metrics/registry.hpp"

namespace {

thread_local bool counting_allocations = false;
thread_local std::size_t allocations = 0;

}  // namespace

// None of these is inlined: GCC would otherwise see malloc() and free() meet `new` and
// `delete` and warn (-Wmismatched-new-delete), though the replacements match by construction.
[[gnu::noinline]] void* operator new(std::size_t size) {
  if (counting_allocations) {
    ++allocations;
  }
  if (void* memory = std::malloc(size == 0 ? 1 : size)) {
    return memory;
  }
  throw std::bad_alloc();
}

[[gnu::noinline]] void operator delete(void* memory) noexcept {
  std::free(memory);
}
[[gnu::noinline]] void operator delete(void* memory, std::size_t /*size*/) noexcept {
  std::free(memory);
}

// The array and nothrow forms too: AddressSanitizer's runtime supplies every form on its
// own, so one left out here would allocate through ASan's operator new and be freed by the
// free() above (alloc-dealloc-mismatch; std::stable_sort's nothrow buffer met it), and its
// allocations would go uncounted. The aligned forms stay the runtime's: they pair only
// with each other, and what they allocate is counted by no build.
[[gnu::noinline]] void* operator new[](std::size_t size) {
  return ::operator new(size);
}
[[gnu::noinline]] void* operator new(std::size_t size, const std::nothrow_t& /*tag*/) noexcept {
  try {
    return ::operator new(size);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
[[gnu::noinline]] void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept {
  return ::operator new(size, tag);
}
[[gnu::noinline]] void operator delete[](void* memory) noexcept {
  std::free(memory);
}
[[gnu::noinline]] void operator delete[](void* memory, std::size_t /*size*/) noexcept {
  std::free(memory);
}
[[gnu::noinline]] void operator delete(void* memory, const std::nothrow_t& /*tag*/) noexcept {
  std::free(memory);
}
[[gnu::noinline]] void operator delete[](void* memory, const std::nothrow_t& /*tag*/) noexcept {
  std::free(memory);
}

namespace glassbox::telemetry::metrics {
namespace {

// Counts the allocations `record` makes on this thread.
template <typename Record>
std::size_t allocations_during(Record&& record) {
  allocations = 0;
  counting_allocations = true;
  record();
  counting_allocations = false;
  return allocations;
}

TEST(HotPath, CountingWorks) {
  // A direct call: an optimizer may drop a new-expression's allocation, never this.
  EXPECT_EQ(allocations_during([] { ::operator delete(::operator new(16)); }), 1u);
}

TEST(HotPath, CountingCoversTheArrayAndNothrowForms) {
  EXPECT_EQ(allocations_during([] {
              ::operator delete[](::operator new[](16));
              ::operator delete(::operator new(16, std::nothrow), std::nothrow);
            }),
            2u);
}

TEST(HotPath, RecordingARequestThroughResolvedHandlesAllocatesNothing) {
  Registry registry;
  Counter& requests = registry.counter_family("http_requests_total", "R.", {"method", "route"})
                          .with({"GET", "/api/users/{id}"});
  Histogram& latency =
      registry.histogram_family("http_request_duration_seconds", "L.", {"method"}, {0.001, 0.1, 1})
          .with({"GET"});
  Histogram& response_size =
      registry.histogram_family("http_response_size_bytes", "S.", {}, {100, 10000}).with({});
  Gauge& in_flight = registry.gauge("http_requests_in_flight", "F.");

  const std::size_t count = allocations_during([&] {
    for (int i = 0; i < 1000; ++i) {
      in_flight.inc();
      requests.inc();
      latency.observe(0.002 * i);
      latency.observe(0.0005, "4bf92f3577b34da6a3ce929d0e0e4736");
      response_size.observe(512);
      in_flight.dec();
    }
  });
  EXPECT_EQ(count, 0u);
}

}  // namespace
}  // namespace glassbox::telemetry::metrics
