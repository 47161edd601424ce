#include "telemetry/trace/http_client.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "telemetry/trace/http_text.hpp"

namespace glassbox::telemetry::trace {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxResponseHead = 64 * 1024;

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

// When a wait ends: at the deadline, or once `cancelled` (when given) is set by another thread.
struct Stop {
  Clock::time_point deadline;
  const std::atomic<bool>* cancelled;
  bool now_cancelled() const { return cancelled != nullptr && cancelled->load(); }
};

// Waits for `events` on `fd` until the deadline: 1 ready, 0 timed out, -1 error,
// -2 cancelled (checked every kCancelCheckInterval).
int wait_for(int fd, short events, const Stop& stop) {
  const long long slice = stop.cancelled != nullptr ? kCancelCheckInterval.count() : 60000;
  while (true) {
    if (stop.now_cancelled()) return -2;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(stop.deadline - Clock::now());
    if (left.count() <= 0) return 0;
    pollfd entry{fd, events, 0};
    const int ready = ::poll(&entry, 1, static_cast<int>(std::min<long long>(left.count(), slice)));
    if (ready > 0) return 1;
    if (ready < 0 && errno != EINTR) return -1;
  }
}

HttpPostResult failed(HttpFailure failure, std::string detail) {
  HttpPostResult result;
  result.failure = failure;
  result.detail = std::move(detail);
  return result;
}

std::string errno_text(std::string_view step, int error) {
  return std::string(step) + ": " + std::strerror(error);
}

// Connects to the first address that accepts; the socket is non-blocking.
HttpPostResult connect_to(const HttpEndpoint& endpoint, const Stop& stop, int& out_fd) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* addresses = nullptr;
  const std::string port = std::to_string(endpoint.port);
  if (const int error = ::getaddrinfo(endpoint.host.c_str(), port.c_str(), &hints, &addresses)) {
    return failed(HttpFailure::kResolve, "resolve " + endpoint.host + ": " + gai_strerror(error));
  }
  HttpPostResult result = failed(HttpFailure::kConnect, "connect: no address");
  for (addrinfo* address = addresses; address != nullptr; address = address->ai_next) {
    const int fd = ::socket(address->ai_family, address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                            address->ai_protocol);
    if (fd < 0) {
      result = failed(HttpFailure::kConnect, errno_text("socket", errno));
      continue;
    }
    if (::connect(fd, address->ai_addr, address->ai_addrlen) == 0) {
      out_fd = fd;
      result = {};
      break;
    }
    if (errno == EINPROGRESS) {
      const int ready = wait_for(fd, POLLOUT, stop);
      int error = 0;
      socklen_t length = sizeof error;
      if (ready == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 &&
          error == 0) {
        out_fd = fd;
        result = {};
        break;
      }
      result = ready == 0    ? failed(HttpFailure::kTimeout, "connect: timed out")
               : ready == -2 ? failed(HttpFailure::kCancelled, "connect: cancelled")
                             : failed(HttpFailure::kConnect, errno_text("connect", error));
    } else {
      result = failed(HttpFailure::kConnect, errno_text("connect", errno));
    }
    ::close(fd);
    if (result.failure == HttpFailure::kTimeout || result.failure == HttpFailure::kCancelled) {
      break;
    }
  }
  ::freeaddrinfo(addresses);
  return result;
}

HttpPostResult send_all(int fd, std::string_view data, const Stop& stop) {
  while (!data.empty()) {
    const ssize_t sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent > 0) {
      data.remove_prefix(static_cast<std::size_t>(sent));
    } else if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      const int ready = wait_for(fd, POLLOUT, stop);
      if (ready == 0) return failed(HttpFailure::kTimeout, "send: timed out");
      if (ready == -2) return failed(HttpFailure::kCancelled, "send: cancelled");
      if (ready < 0) return failed(HttpFailure::kIo, errno_text("poll", errno));
    } else if (sent < 0 && errno != EINTR) {
      return failed(HttpFailure::kIo, errno_text("send", errno));
    }
  }
  return {};
}

// Reads until a final (non-1xx) response head is complete.
HttpPostResult read_response(int fd, const Stop& stop) {
  std::string buffer;
  std::size_t scanned = 0;
  while (true) {
    const std::size_t end = buffer.find("\r\n\r\n", scanned > 3 ? scanned - 3 : 0);
    if (end != std::string::npos) {
      auto head = parse_response_head(std::string_view(buffer).substr(0, end + 4));
      if (!head) return failed(HttpFailure::kBadResponse, "not an HTTP/1.x response");
      if (head->status >= 200) return *head;
      buffer.erase(0, end + 4);  // 1xx interim response: the real one follows
      scanned = 0;
      continue;
    }
    scanned = buffer.size();
    if (buffer.size() > kMaxResponseHead) {
      return failed(HttpFailure::kBadResponse, "response head too large");
    }
    char chunk[4096];
    const ssize_t received = ::recv(fd, chunk, sizeof chunk, 0);
    if (received > 0) {
      buffer.append(chunk, static_cast<std::size_t>(received));
    } else if (received == 0) {
      return failed(HttpFailure::kIo, "connection closed before a response");
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      const int ready = wait_for(fd, POLLIN, stop);
      if (ready == 0) return failed(HttpFailure::kTimeout, "no response before the deadline");
      if (ready == -2) return failed(HttpFailure::kCancelled, "cancelled waiting for a response");
      if (ready < 0) return failed(HttpFailure::kIo, errno_text("poll", errno));
    } else if (errno != EINTR) {
      return failed(HttpFailure::kIo, errno_text("recv", errno));
    }
  }
}

}  // namespace

std::optional<HttpPostResult> parse_response_head(std::string_view head) {
  // "HTTP/1.x SSS reason\r\n"
  if (head.size() < 12 || !head.starts_with("HTTP/1.") || head[8] != ' ') return std::nullopt;
  int status = 0;
  const auto parsed = std::from_chars(head.data() + 9, head.data() + 12, status);
  if (parsed.ec != std::errc() || parsed.ptr != head.data() + 12 || status < 100) {
    return std::nullopt;
  }
  HttpPostResult result;
  result.status = status;
  std::size_t line_start = head.find("\r\n");
  while (line_start != std::string_view::npos && line_start + 2 < head.size()) {
    const std::size_t line_end = head.find("\r\n", line_start + 2);
    const std::string_view line = head.substr(line_start + 2, line_end - line_start - 2);
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos &&
        equals_ignoring_case(line.substr(0, colon), "retry-after")) {
      const std::string_view value = trim_ows(line.substr(colon + 1));
      long long seconds = 0;
      const auto number = std::from_chars(value.data(), value.data() + value.size(), seconds);
      if (number.ec == std::errc() && number.ptr == value.data() + value.size() && seconds >= 0) {
        result.retry_after = std::chrono::seconds(seconds);
      }
    }
    line_start = line_end;
  }
  return result;
}

HttpPostResult http_post(const HttpEndpoint& endpoint, std::string_view content_type,
                         const HttpHeaders& headers, std::string_view body,
                         std::chrono::steady_clock::time_point deadline,
                         const std::atomic<bool>* cancelled) {
  const Stop stop{deadline, cancelled};
  int fd = -1;
  if (HttpPostResult connected = connect_to(endpoint, stop, fd);
      connected.failure != HttpFailure::kNone) {
    return connected;
  }
  const Socket socket(fd);
  std::string head;
  head.reserve(256);
  head.append("POST ").append(endpoint.target).append(" HTTP/1.1\r\nHost: ");
  head.append(endpoint.host_header).append("\r\nContent-Type: ").append(content_type);
  head.append("\r\nContent-Length: ").append(std::to_string(body.size()));
  head.append("\r\nConnection: close\r\nUser-Agent: glassbox-otlp-exporter\r\n");
  for (const auto& [name, value] : headers)
    head.append(name).append(": ").append(value).append("\r\n");
  head.append("\r\n");
  if (HttpPostResult sent = send_all(socket.fd(), head, stop); sent.failure != HttpFailure::kNone) {
    return sent;
  }
  if (HttpPostResult sent = send_all(socket.fd(), body, stop); sent.failure != HttpFailure::kNone) {
    return sent;
  }
  return read_response(socket.fd(), stop);
}

}  // namespace glassbox::telemetry::trace
