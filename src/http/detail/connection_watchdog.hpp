#pragma once

#include <chrono>
#include <memory>

#include "http/detail/session_stream.hpp"

namespace glassbox::http::detail {

// Bounds the reads and writes of a keep-alive connection with one timer per connection.
//
// Beast's tcp_stream starts a timer wait for every read and write that has an expiry and
// cancels it when the operation completes: two timer waits, two cancellations and two
// extra completion handlers per request, about 2,900 of the 25,000 instructions a cached
// GET cost (callgrind; docs/decisions/002-http-threading.md). Here a request only stores
// its deadline; the timer wakes at the latest `shortest` after its previous wake-up, looks
// at the deadline, and cancels the stream's operations once it has passed. Because every
// timeout passed to arm() is at least `shortest`, a wake-up is never later than the
// deadline it guards, so timeouts stay exact; under traffic the timer wakes once per
// `shortest` (seconds), not twice per request.
//
// Not thread-safe: used from its connection's I/O thread only.
class ConnectionWatchdog {
 public:
  using Clock = std::chrono::steady_clock;

  // `stream` must outlive the watchdog or be released by stop() before it moves or dies.
  ConnectionWatchdog(SessionStream& stream, Clock::duration shortest);
  ~ConnectionWatchdog();
  ConnectionWatchdog(const ConnectionWatchdog&) = delete;
  ConnectionWatchdog& operator=(const ConnectionWatchdog&) = delete;

  // The stream's pending and next operations are cancelled (operation_aborted) once
  // `timeout` (>= `shortest`) has passed, unless arm() or disarm() is called first.
  void arm(Clock::duration timeout);
  // No deadline until the next arm(); the timer stops at its next wake-up.
  void disarm() noexcept;
  // True when the deadline armed last has passed and the stream was cancelled for it:
  // what an operation_aborted after arm() means.
  bool expired() const noexcept;
  // Releases the stream for good (before it is handed on, e.g. to a WebSocket session).
  void stop() noexcept;

 private:
  struct State;
  static void wait(const std::shared_ptr<State>& state, Clock::time_point until);
  // Shared with the pending wake-up, which may run after the watchdog is gone.
  std::shared_ptr<State> state_;
};

}  // namespace glassbox::http::detail
