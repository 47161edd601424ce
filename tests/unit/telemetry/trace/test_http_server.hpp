#pragma once

// A tiny HTTP/1.1 server on 127.0.0.1:<free port> for exporter tests: it answers each
// request with the next scripted reply (the last one repeats) and records what it got and
// on which connection. By default it closes a connection after its reply; kKeepOpen
// serves further requests on it, as a collector does.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace glassbox::telemetry::trace::testing {

struct ReceivedRequest {
  std::string head;  // request line and headers
  std::string body;
  int connection = 0;  // which accepted connection carried it: 0, 1, ... in accept order
};

class TestHttpServer {
 public:
  enum class Connections { kCloseAfterReply, kKeepOpen };

  // std::nullopt as a reply: read the request, then never answer (keep the connection open).
  // hang_up(): read the request, then close the connection without answering.
  explicit TestHttpServer(std::vector<std::optional<std::string>> replies,
                          Connections connections = Connections::kCloseAfterReply)
      : replies_(std::move(replies)), keep_open_(connections == Connections::kKeepOpen) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    if (listener_ < 0 ||
        ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener_, 16) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      throw std::runtime_error("test server: cannot listen");
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~TestHttpServer() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    thread_.join();
    for (const int fd : silent_)
      ::close(fd);
    ::close(listener_);
  }
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url(const std::string& path = "/v1/traces") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::vector<ReceivedRequest> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

  static std::string reply(int status, const std::string& extra_headers = "",
                           const std::string& body = "") {
    return "HTTP/1.1 " + std::to_string(status) +
           " X\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra_headers +
           "\r\n" + body;
  }
  static std::string hang_up() { return {}; }

 private:
  bool stopping() {
    std::lock_guard lock(mutex_);
    return stopping_;
  }

  struct OpenConnection {
    int fd;
    int id;
  };

  void serve() {
    std::vector<OpenConnection> open;
    int accepted = 0;
    while (!stopping()) {
      std::vector<pollfd> entries{{listener_, POLLIN, 0}};
      for (const OpenConnection& connection : open)
        entries.push_back({connection.fd, POLLIN, 0});
      if (::poll(entries.data(), entries.size(), 20) <= 0) continue;
      std::vector<OpenConnection> still_open;
      for (std::size_t i = 1; i < entries.size(); ++i) {
        if (entries[i].revents == 0 || answer(open[i - 1])) still_open.push_back(open[i - 1]);
      }
      if ((entries[0].revents & POLLIN) != 0) {
        const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0) still_open.push_back({fd, accepted++});
      }
      open = std::move(still_open);
    }
    for (const OpenConnection& connection : open)
      ::close(connection.fd);
  }

  // Reads one request and answers it; false when the connection is no longer served.
  bool answer(const OpenConnection& connection) {
    ReceivedRequest request;
    request.connection = connection.id;
    if (!read_request(connection.fd, request)) {
      ::close(connection.fd);
      return false;
    }
    std::optional<std::string> answer;
    {
      std::lock_guard lock(mutex_);
      answer = replies_[std::min(requests_.size(), replies_.size() - 1)];
      requests_.push_back(std::move(request));
    }
    if (!answer) {
      silent_.push_back(connection.fd);
      return false;
    }
    if (!answer->empty()) (void)::send(connection.fd, answer->data(), answer->size(), MSG_NOSIGNAL);
    if (keep_open_ && !answer->empty()) return true;
    ::close(connection.fd);
    return false;
  }

  static bool read_request(int fd, ReceivedRequest& request) {
    std::string data;
    char chunk[4096];
    std::size_t body_length = 0;
    std::size_t head_end = std::string::npos;
    while (head_end == std::string::npos || data.size() < head_end + 4 + body_length) {
      pollfd entry{fd, POLLIN, 0};
      if (::poll(&entry, 1, 5000) <= 0) return false;
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return false;
      data.append(chunk, static_cast<std::size_t>(n));
      if (head_end == std::string::npos &&
          (head_end = data.find("\r\n\r\n")) != std::string::npos) {
        const std::size_t at = data.find("Content-Length: ");
        if (at != std::string::npos && at < head_end)
          body_length = std::strtoul(data.c_str() + at + 16, nullptr, 10);
      }
    }
    request.head = data.substr(0, head_end + 2);
    request.body = data.substr(head_end + 4, body_length);
    return true;
  }

  std::vector<std::optional<std::string>> replies_;
  bool keep_open_ = false;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::vector<int> silent_;  // serve() only, then the destructor
  std::mutex mutex_;
  bool stopping_ = false;
  std::vector<ReceivedRequest> requests_;
  std::thread thread_;
};

}  // namespace glassbox::telemetry::trace::testing
