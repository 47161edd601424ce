#include "app/fibonacci.hpp"

namespace glassbox::app {

std::int64_t naive_fibonacci(int n) {
  if (n < 2) return n;
  return naive_fibonacci(n - 1) + naive_fibonacci(n - 2);
}

}  // namespace glassbox::app
