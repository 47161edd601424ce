#pragma once

#include <string_view>

namespace glassbox::telemetry::log {

// Writes all of `bytes` to `fd`: a partial write(2) is continued, EINTR retried, and a
// non-blocking descriptor that is full (EAGAIN) is waited for with poll(2) — so this
// blocks for as long as the reader does not read. Returns false on any other error
// (EPIPE, EBADF, ENOSPC…), when some of the bytes may be lost.
// Thread-safe as write(2) is; callers that share a descriptor serialise themselves.
bool write_all(int fd, std::string_view bytes) noexcept;

}  // namespace glassbox::telemetry::log
