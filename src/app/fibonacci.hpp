#pragma once

#include <cstdint>

namespace glassbox::app {

// The largest n whose Fibonacci number fits in int64 (F(92) = 7540113804746346429).
inline constexpr int kFibonacciMaxN = 92;

// F(n) by naive recursion, exponential on purpose: /compute/{n} exists to produce CPU
// load for demos and load tests. n must be in 0..kFibonacciMaxN.
std::int64_t naive_fibonacci(int n);

}  // namespace glassbox::app
