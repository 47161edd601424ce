#include "telemetry/trace/http_client.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
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

// Sends `first` then `second` (the head and the body: one system call, one segment train).
HttpPostResult send_all(int fd, std::string_view first, std::string_view second, const Stop& stop) {
  while (!first.empty() || !second.empty()) {
    iovec parts[2] = {{const_cast<char*>(first.data()), first.size()},
                      {const_cast<char*>(second.data()), second.size()}};
    msghdr message{};
    message.msg_iov = first.empty() ? parts + 1 : parts;
    message.msg_iovlen = first.empty() ? 1 : 2;
    const ssize_t sent = ::sendmsg(fd, &message, MSG_NOSIGNAL);
    if (sent > 0) {
      auto count = static_cast<std::size_t>(sent);
      const std::size_t from_first = std::min(count, first.size());
      first.remove_prefix(from_first);
      second.remove_prefix(count - from_first);
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

// Appends what the socket has to `buffer`, waiting for it until the deadline. kNone with
// `closed` set when the peer closed the connection.
HttpPostResult receive_some(int fd, std::string& buffer, const Stop& stop, bool& closed) {
  while (true) {
    char chunk[4096];
    const ssize_t received = ::recv(fd, chunk, sizeof chunk, 0);
    if (received > 0) {
      buffer.append(chunk, static_cast<std::size_t>(received));
      return {};
    }
    if (received == 0 || (received < 0 && errno == ECONNRESET)) {
      closed = true;
      return {};
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      const int ready = wait_for(fd, POLLIN, stop);
      if (ready == 0) return failed(HttpFailure::kTimeout, "no response before the deadline");
      if (ready == -2) return failed(HttpFailure::kCancelled, "cancelled waiting for a response");
      if (ready < 0) return failed(HttpFailure::kIo, errno_text("poll", errno));
    } else if (errno != EINTR) {
      return failed(HttpFailure::kIo, errno_text("recv", errno));
    }
  }
}

// The outcome of one request on one connection.
struct Exchange {
  HttpPostResult result;
  bool response_started = false;  // any byte of a response arrived
  bool reusable = false;          // the connection may carry the next request
};

// A response body larger than this is not read: the connection is closed instead.
constexpr std::size_t kMaxDiscardedBody = 1024 * 1024;

// Reads a final (non-1xx) response: its head, then its body (discarded) when its length is
// known, so the connection can carry the next request.
Exchange read_response(int fd, std::string& buffer, const Stop& stop) {
  Exchange exchange;
  buffer.clear();
  std::size_t scanned = 0;
  bool closed = false;
  // Reads more; on failure (or the peer's close) `exchange.result` says why.
  auto receive = [&]() -> bool {
    HttpPostResult received = receive_some(fd, buffer, stop, closed);
    if (received.failure == HttpFailure::kNone && closed) {
      received = failed(HttpFailure::kIo, "connection closed before a response");
    }
    if (received.failure != HttpFailure::kNone) {
      exchange.result = std::move(received);
      return false;
    }
    exchange.response_started = true;
    return true;
  };
  while (true) {
    const std::size_t end = buffer.find("\r\n\r\n", scanned > 3 ? scanned - 3 : 0);
    if (end == std::string::npos) {
      scanned = buffer.size();
      if (buffer.size() > kMaxResponseHead) {
        exchange.result = failed(HttpFailure::kBadResponse, "response head too large");
        return exchange;
      }
      if (!receive()) return exchange;
      continue;
    }
    const std::optional<ResponseHead> head =
        parse_response_head(std::string_view(buffer).substr(0, end + 4));
    if (!head) {
      exchange.result = failed(HttpFailure::kBadResponse, "not an HTTP/1.x response");
      return exchange;
    }
    buffer.erase(0, end + 4);
    scanned = 0;
    if (head->status < 200) continue;  // 1xx interim response: the real one follows
    exchange.result = {};
    exchange.result.status = head->status;
    exchange.result.retry_after = head->retry_after;
    const bool bodiless = head->status == 204 || head->status == 304;
    const std::optional<std::size_t> length = bodiless ? std::size_t{0} : head->content_length;
    if (!head->keep_alive || head->chunked || !length || *length > kMaxDiscardedBody) {
      return exchange;  // the status is all the caller needs; the connection ends here
    }
    const HttpPostResult answer = exchange.result;
    while (buffer.size() < *length) {
      if (!receive()) {
        exchange.result = answer;  // the answer stands; only the connection is lost
        return exchange;
      }
    }
    // Bytes past the body were never asked for: not a connection to trust again.
    exchange.reusable = buffer.size() == *length;
    return exchange;
  }
}

// False when a kept connection has become unusable while idle: the server closed it (an
// idle timeout), reset it, or sent bytes nobody asked for.
bool still_open(int fd) {
  pollfd entry{fd, POLLIN | POLLRDHUP, 0};
  return ::poll(&entry, 1, 0) == 0;
}

}  // namespace

std::optional<ResponseHead> parse_response_head(std::string_view head) {
  // "HTTP/1.x SSS reason\r\n"
  if (head.size() < 12 || !head.starts_with("HTTP/1.") || head[8] != ' ') return std::nullopt;
  int status = 0;
  const auto parsed = std::from_chars(head.data() + 9, head.data() + 12, status);
  if (parsed.ec != std::errc() || parsed.ptr != head.data() + 12 || status < 100) {
    return std::nullopt;
  }
  ResponseHead result;
  result.status = status;
  result.keep_alive = head[7] == '1';  // HTTP/1.1 persists by default; HTTP/1.0 does not
  bool length_seen = false;
  bool length_valid = true;
  std::size_t line_start = head.find("\r\n");
  while (line_start != std::string_view::npos && line_start + 2 < head.size()) {
    const std::size_t line_end = head.find("\r\n", line_start + 2);
    const std::string_view line = head.substr(line_start + 2, line_end - line_start - 2);
    line_start = line_end;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim_ows(line.substr(colon + 1));
    if (equals_ignoring_case(name, "retry-after")) {
      long long seconds = 0;
      const auto number = std::from_chars(value.data(), value.data() + value.size(), seconds);
      if (number.ec == std::errc() && number.ptr == value.data() + value.size() && seconds >= 0) {
        result.retry_after = std::chrono::seconds(seconds);
      }
    } else if (equals_ignoring_case(name, "content-length")) {
      std::size_t length = 0;
      const auto number = std::from_chars(value.data(), value.data() + value.size(), length);
      const bool valid =
          number.ec == std::errc() && number.ptr == value.data() + value.size() && !value.empty();
      // Two that differ (RFC 9112 6.3) make the framing unknown.
      length_valid = length_valid && valid && (!length_seen || result.content_length == length);
      length_seen = true;
      result.content_length = length;
    } else if (equals_ignoring_case(name, "transfer-encoding")) {
      result.chunked = true;
    } else if (equals_ignoring_case(name, "connection")) {
      for (std::string_view rest = value; !rest.empty();) {
        const std::size_t comma = rest.find(',');
        if (equals_ignoring_case(trim_ows(rest.substr(0, comma)), "close")) {
          result.keep_alive = false;
        }
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      }
    }
  }
  if (!length_valid) result.content_length.reset();
  return result;
}

void HttpClient::disconnect() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

HttpPostResult HttpClient::post(std::string_view content_type, const HttpHeaders& headers,
                                std::string_view body,
                                std::chrono::steady_clock::time_point deadline,
                                const std::atomic<bool>* cancelled) {
  const Stop stop{deadline, cancelled};
  head_.clear();
  head_.append("POST ").append(endpoint_.target).append(" HTTP/1.1\r\nHost: ");
  head_.append(endpoint_.host_header).append("\r\nContent-Type: ").append(content_type);
  head_.append("\r\nContent-Length: ").append(std::to_string(body.size()));
  head_.append("\r\nUser-Agent: glassbox-otlp-exporter\r\n");
  for (const auto& [name, value] : headers)
    head_.append(name).append(": ").append(value).append("\r\n");
  head_.append("\r\n");
  if (fd_ >= 0 && !still_open(fd_)) disconnect();
  while (true) {
    const bool reused = fd_ >= 0;
    if (!reused) {
      if (HttpPostResult connected = connect_to(endpoint_, stop, fd_);
          connected.failure != HttpFailure::kNone) {
        fd_ = -1;
        return connected;
      }
      ++connections_opened_;
    }
    Exchange exchange;
    exchange.result = send_all(fd_, head_, body, stop);
    if (exchange.result.failure == HttpFailure::kNone) {
      exchange = read_response(fd_, received_, stop);
    }
    if (!exchange.reusable) disconnect();
    // The server closed the kept connection as the request crossed it: nothing was
    // answered, so the request goes again, once, over a new connection.
    const bool lost_in_crossing =
        reused && !exchange.response_started && exchange.result.failure == HttpFailure::kIo;
    if (!lost_in_crossing) return exchange.result;
  }
}

}  // namespace glassbox::telemetry::trace
