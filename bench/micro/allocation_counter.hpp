#pragma once

#include <cstdint>

// Counts operator new calls made by the calling thread (bench_micro replaces the global
// operator new to do so), so each benchmark can report allocations per operation.
namespace glassbox::bench {

std::uint64_t thread_allocations() noexcept;

}  // namespace glassbox::bench
