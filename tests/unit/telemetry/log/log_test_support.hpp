#pragma once

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "telemetry/log/access_record.hpp"

// Descriptors the log tests write to, and what they read back. No sleeps: waits are for
// a condition, bounded by a deadline.
namespace glassbox::telemetry::log::testing {

// An anonymous in-memory file: never blocks, read back whole at any time.
class MemoryFile {
 public:
  MemoryFile() : fd_(::memfd_create("log-test", 0)) {
    if (fd_ < 0) throw std::runtime_error("memfd_create failed");
  }
  ~MemoryFile() { ::close(fd_); }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;

  int fd() const { return fd_; }
  std::string contents() const {
    std::string text;
    char buffer[65536];
    for (off_t offset = 0;;) {
      const ssize_t n = ::pread(fd_, buffer, sizeof(buffer), offset);
      if (n <= 0) return text;
      text.append(buffer, static_cast<std::size_t>(n));
      offset += n;
    }
  }

 private:
  int fd_;
};

// A pipe with the smallest buffer the kernel allows (one page), so that a reader that
// does not read stalls the writer after a few lines.
class Pipe {
 public:
  Pipe() {
    if (::pipe(fds_) != 0) throw std::runtime_error("pipe failed");
    ::fcntl(fds_[1], F_SETPIPE_SZ, 4096);
  }
  ~Pipe() {
    close_write_end();
    ::close(fds_[0]);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;

  int read_fd() const { return fds_[0]; }
  int write_fd() const { return fds_[1]; }
  void close_write_end() {
    if (fds_[1] >= 0) ::close(fds_[1]);
    fds_[1] = -1;
  }

 private:
  int fds_[2] = {-1, -1};
};

// Reads a descriptor on its own thread, from start() until end of file.
class Reader {
 public:
  explicit Reader(int fd) : fd_(fd) {}
  ~Reader() {
    if (thread_.joinable()) thread_.join();
  }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  void start() {
    thread_ = std::thread([this] {
      char buffer[16384];
      for (;;) {
        const ssize_t n = ::read(fd_, buffer, sizeof(buffer));
        if (n <= 0) return;
        const std::lock_guard lock(mutex_);
        text_.append(buffer, static_cast<std::size_t>(n));
      }
    });
  }
  // Call once the write end is closed.
  std::string read_to_end() {
    thread_.join();
    const std::lock_guard lock(mutex_);
    return text_;
  }

 private:
  int fd_;
  std::mutex mutex_;
  std::string text_;
  std::thread thread_;
};

// Splits text made of whole lines; a trailing partial line would be a split record.
inline std::vector<std::string> whole_lines(std::string_view text, bool* ends_with_newline) {
  std::vector<std::string> lines;
  *ends_with_newline = text.empty() || text.back() == '\n';
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      lines.emplace_back(text.substr(start));
      break;
    }
    lines.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// The object a line holds, or null when it is not exactly one JSON object.
inline boost::json::value parse_object(std::string_view line) {
  boost::system::error_code error;
  boost::json::value value = boost::json::parse(line, error);
  if (error || !value.is_object()) return nullptr;
  return value;
}

// Polls `done` until it holds or `timeout` passes.
template <typename Condition>
bool eventually(Condition done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

// A finished request as the HTTP layer reports it.
inline AccessRecord sample_request(int status_code = 200,
                                   std::string_view endpoint = "/api/users/42") {
  return AccessRecord{.method = "GET",
                      .endpoint = endpoint,
                      .route = "/api/users/{id}",
                      .status_code = status_code,
                      .duration_ms = 0.153,
                      .client_address = "127.0.0.1",
                      .user_agent = "curl/8.0",
                      .response_size = 87,
                      .trace_id = "4bf92f3577b34da6a3ce929d0e0e4736",
                      .span_id = "00f067aa0ba902b7"};
}

// sample_request() formatted at kFixedMillis by service "glassbox".
inline constexpr std::string_view kSampleRequestLine =
    R"({"timestamp":"2026-11-23T19:02:49.123Z","level":"INFO","service":"glassbox",)"
    R"("logger":"http.access","message":"Request completed","method":"GET",)"
    R"("endpoint":"/api/users/42","route":"/api/users/{id}","status_code":200,)"
    R"("duration_ms":0.153,"client_address":"127.0.0.1","user_agent":"curl/8.0",)"
    R"("response_size":87,"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736",)"
    R"("span_id":"00f067aa0ba902b7"})";

inline constexpr std::int64_t kFixedMillis = 1795460569123;  // 2026-11-23T19:02:49.123Z
inline std::int64_t fixed_clock() noexcept {
  return kFixedMillis;
}

}  // namespace glassbox::telemetry::log::testing
