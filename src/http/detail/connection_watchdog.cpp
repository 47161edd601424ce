#include "http/detail/connection_watchdog.hpp"

#include <algorithm>
#include <boost/asio/error.hpp>
#include <boost/asio/steady_timer.hpp>

namespace glassbox::http::detail {

struct ConnectionWatchdog::State {
  State(SessionStream& watched, Clock::duration shortest_timeout)
      : stream(&watched), shortest(shortest_timeout), timer(watched.get_executor()) {}

  SessionStream* stream;  // nullptr once stopped
  Clock::duration shortest;
  Clock::time_point deadline = Clock::time_point::max();  // max: disarmed
  bool waiting = false;  // a wake-up is pending, at or before `deadline`
  bool expired = false;
  boost::asio::steady_timer timer;
};

// A floor for `shortest`, so that a zero timeout cannot turn the timer into a busy loop.
constexpr ConnectionWatchdog::Clock::duration kShortestFloor = std::chrono::milliseconds(1);

ConnectionWatchdog::ConnectionWatchdog(SessionStream& stream, Clock::duration shortest)
    : state_(std::make_shared<State>(stream, std::max(shortest, kShortestFloor))) {}

ConnectionWatchdog::~ConnectionWatchdog() {
  stop();
}

void ConnectionWatchdog::arm(Clock::duration timeout) {
  State& state = *state_;
  if (state.stream == nullptr) return;
  state.expired = false;
  state.deadline = Clock::now() + std::max(timeout, state.shortest);
  // A pending wake-up is at most `shortest` away, so it comes no later than this deadline.
  if (!state.waiting) wait(state_, std::min(state.deadline, Clock::now() + state.shortest));
}

void ConnectionWatchdog::disarm() noexcept {
  state_->deadline = Clock::time_point::max();
  state_->expired = false;
}

bool ConnectionWatchdog::expired() const noexcept {
  return state_->expired;
}

void ConnectionWatchdog::stop() noexcept {
  State& state = *state_;
  if (state.stream == nullptr) return;
  state.stream = nullptr;
  state.deadline = Clock::time_point::max();
  state.timer.cancel();
}

void ConnectionWatchdog::wait(const std::shared_ptr<State>& state, Clock::time_point until) {
  state->waiting = true;
  state->timer.expires_at(until);
  state->timer.async_wait([state](const boost::system::error_code& error) {
    // Aborted: stopped (the session is over, or its stream was handed on).
    if (error == boost::asio::error::operation_aborted || state->stream == nullptr) return;
    const Clock::time_point now = Clock::now();
    if (state->deadline == Clock::time_point::max()) {
      state->waiting = false;  // disarmed: the next arm() starts the timer again
      return;
    }
    if (now >= state->deadline) {
      state->waiting = false;
      state->deadline = Clock::time_point::max();
      state->expired = true;
      state->stream->cancel();
      return;
    }
    wait(state, std::min(state->deadline, now + state->shortest));
  });
}

}  // namespace glassbox::http::detail
