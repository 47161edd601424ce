#include "allocation_counter.hpp"

#include <cstdlib>
#include <new>

namespace {

thread_local std::uint64_t allocations = 0;

}  // namespace

// None of these is inlined: GCC would otherwise see malloc() and free() meet `new` and
// `delete` and warn (-Wmismatched-new-delete), though the replacements match by construction.
[[gnu::noinline]] void* operator new(std::size_t size) {
  ++allocations;
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

namespace glassbox::bench {

std::uint64_t thread_allocations() noexcept {
  return allocations;
}

}  // namespace glassbox::bench
