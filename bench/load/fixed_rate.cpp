// An open-loop, fixed-rate HTTP/1.1 load generator for `make bench-load` (Debian's wrk has
// no -R). Request k is due at start + k / rate whether or not earlier answers came back;
// its latency is measured from that due time, so a stalled server is charged for every
// request it delayed (no coordinated omission). Keep-alive connections, one request in
// flight per connection; a due request waits for a free connection, and that wait counts.
//
// Usage: fixed_rate PORT PATH RATE SECONDS [CONNECTIONS=50] [WARMUP_SECONDS=1]
// Prints one JSON object: counts, achieved rate, latency percentiles (microseconds), and
// the client's own lag (how late requests left compared with their due time).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Nanoseconds = std::int64_t;

Nanoseconds now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return Nanoseconds{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

struct Connection {
  int fd = -1;
  bool busy = false;
  Nanoseconds due = 0;  // due time of the request in flight
  std::string received;
};

int connect_loopback(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return -1;
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

// Length of the first complete response in `data` (0 when incomplete) and its status.
std::size_t complete_response(std::string_view data, int& status) {
  const std::size_t head_end = data.find("\r\n\r\n");
  if (head_end == std::string_view::npos || data.size() < 12) return 0;
  status = std::atoi(std::string(data.substr(9, 3)).c_str());
  std::size_t body = 0;
  const std::string_view head = data.substr(0, head_end);
  for (std::size_t line = head.find("\r\n"); line != std::string_view::npos;
       line = head.find("\r\n", line + 2)) {
    constexpr std::string_view kName = "content-length:";
    const std::string_view field = head.substr(line + 2, kName.size());
    if (field.size() == kName.size() &&
        std::equal(field.begin(), field.end(), kName.begin(), [](char a, char b) {
          return (a >= 'A' && a <= 'Z' ? a - 'A' + 'a' : a) == b;
        })) {
      body = std::strtoull(head.data() + line + 2 + kName.size(), nullptr, 10);
    }
  }
  const std::size_t total = head_end + 4 + body;
  return data.size() >= total ? total : 0;
}

double percentile(const std::vector<Nanoseconds>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto index = static_cast<std::size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1));
  return static_cast<double>(sorted[index]) / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: fixed_rate PORT PATH RATE SECONDS [CONNECTIONS] [WARMUP]\n");
    return 2;
  }
  const int port = std::atoi(argv[1]);
  const std::string request = std::string("GET ") + argv[2] +
                              " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: fixed_rate\r\n\r\n";
  const double rate = std::atof(argv[3]);
  const double seconds = std::atof(argv[4]);
  const int connection_count = argc > 5 ? std::atoi(argv[5]) : 50;
  const double warmup = argc > 6 ? std::atof(argv[6]) : 1.0;
  if (rate <= 0 || seconds <= 0 || connection_count <= 0) return 2;

  const int epoll = epoll_create1(0);
  std::vector<Connection> connections(static_cast<std::size_t>(connection_count));
  std::vector<std::size_t> idle;
  for (std::size_t i = 0; i < connections.size(); ++i) {
    connections[i].fd = connect_loopback(port);
    if (connections[i].fd < 0) {
      std::fprintf(stderr, "fixed_rate: cannot connect to 127.0.0.1:%d\n", port);
      return 1;
    }
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = i;
    epoll_ctl(epoll, EPOLL_CTL_ADD, connections[i].fd, &event);
    idle.push_back(i);
  }

  const double interval = 1e9 / rate;
  const Nanoseconds start = now_ns() + 1'000'000;
  const auto total = static_cast<std::int64_t>((warmup + seconds) * rate);
  const auto first_measured = static_cast<std::int64_t>(warmup * rate);
  const auto due_of = [&](std::int64_t k) {
    return start + static_cast<Nanoseconds>(static_cast<double>(k) * interval);
  };
  std::vector<Nanoseconds> latencies;
  std::vector<Nanoseconds> lags;
  latencies.reserve(static_cast<std::size_t>(total - first_measured) + 16);
  lags.reserve(latencies.capacity());
  std::int64_t next = 0;  // next request to send
  std::int64_t completed = 0, non_2xx = 0, socket_errors = 0, in_flight = 0;
  const Nanoseconds give_up = due_of(total) + 5'000'000'000;
  char chunk[16384];
  std::vector<epoll_event> events(connections.size());

  while (next < total || in_flight > 0) {
    Nanoseconds now = now_ns();
    if (now > give_up) break;
    while (next < total && !idle.empty() && due_of(next) <= now) {
      Connection& connection = connections[idle.back()];
      idle.pop_back();
      connection.due = due_of(next);
      if (next >= first_measured) lags.push_back(now - connection.due);
      const ssize_t sent = send(connection.fd, request.data(), request.size(), MSG_NOSIGNAL);
      if (sent != static_cast<ssize_t>(request.size())) {
        ++socket_errors;  // a short send of ~60 bytes means a broken connection
      }
      connection.busy = true;
      ++in_flight;
      ++next;
    }
    timespec timeout{};
    timespec* wait = nullptr;
    if (next < total && !idle.empty()) {
      const Nanoseconds until = std::max<Nanoseconds>(0, due_of(next) - now_ns());
      timeout.tv_sec = until / 1'000'000'000;
      timeout.tv_nsec = until % 1'000'000'000;
      wait = &timeout;
    } else if (next >= total) {
      timeout.tv_sec = 1;
      wait = &timeout;
    }
    const int ready =
        epoll_pwait2(epoll, events.data(), static_cast<int>(events.size()), wait, nullptr);
    if (ready < 0 && errno != EINTR) break;
    now = now_ns();
    for (int e = 0; e < ready; ++e) {
      const std::size_t index = events[static_cast<std::size_t>(e)].data.u64;
      Connection& connection = connections[index];
      const ssize_t count = recv(connection.fd, chunk, sizeof chunk, 0);
      if (count <= 0) {
        if (count < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        ++socket_errors;  // closed by the server: reconnect and carry on
        epoll_ctl(epoll, EPOLL_CTL_DEL, connection.fd, nullptr);
        close(connection.fd);
        connection.fd = connect_loopback(port);
        connection.received.clear();
        if (connection.busy) --in_flight;
        connection.busy = false;
        if (connection.fd < 0) return 1;
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.u64 = index;
        epoll_ctl(epoll, EPOLL_CTL_ADD, connection.fd, &event);
        idle.push_back(index);
        continue;
      }
      connection.received.append(chunk, static_cast<std::size_t>(count));
      int status = 0;
      const std::size_t length = complete_response(connection.received, status);
      if (length == 0 || !connection.busy) continue;
      connection.received.erase(0, length);
      if (connection.due >= due_of(first_measured)) {
        latencies.push_back(now - connection.due);
        ++completed;
        if (status < 200 || status > 299) ++non_2xx;
      }
      connection.busy = false;
      --in_flight;
      idle.push_back(index);
    }
  }
  const double elapsed = static_cast<double>(now_ns() - due_of(first_measured)) / 1e9;
  std::sort(latencies.begin(), latencies.end());
  std::sort(lags.begin(), lags.end());
  std::printf(
      "{\"target_rate\":%.0f,\"seconds\":%.1f,\"connections\":%d,\"completed\":%lld,"
      "\"achieved_rate\":%.0f,\"non_2xx\":%lld,\"socket_errors\":%lld,\"unanswered\":%lld,"
      "\"latency_us\":{\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f},"
      "\"send_lag_us\":{\"p50\":%.1f,\"p99\":%.1f,\"max\":%.1f}}\n",
      rate, seconds, connection_count, static_cast<long long>(completed),
      static_cast<double>(completed) / elapsed, static_cast<long long>(non_2xx),
      static_cast<long long>(socket_errors), static_cast<long long>(in_flight),
      percentile(latencies, 50), percentile(latencies, 90), percentile(latencies, 99),
      percentile(latencies, 99.9), percentile(latencies, 100), percentile(lags, 50),
      percentile(lags, 99), percentile(lags, 100));
  return 0;
}
