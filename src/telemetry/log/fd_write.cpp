#include "telemetry/log/fd_write.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>

namespace glassbox::telemetry::log {

bool write_all(int fd, std::string_view bytes) noexcept {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written == 0) return false;  // no progress and no error: do not spin
    if (written > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(written));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
    pollfd writable{.fd = fd, .events = POLLOUT, .revents = 0};
    if (::poll(&writable, 1, -1) < 0 && errno != EINTR) return false;
  }
  return true;
}

}  // namespace glassbox::telemetry::log
