#include "http/server.hpp"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "http/detail/http_session.hpp"
#include "http/detail/session_environment.hpp"
#include "http/request_metrics.hpp"
#include "telemetry/log/logger.hpp"

namespace glassbox::http {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using telemetry::log::Level;

// After accept() fails for lack of file descriptors, wait this long before trying again
// instead of spinning on the error.
constexpr auto kAcceptBackoff = std::chrono::milliseconds(50);

}  // namespace

struct Server::Impl {
  struct IoThread {
    detail::ConnectionRegistry registry;
    std::optional<detail::SessionEnvironment> environment;
    // Declared last so it is destroyed first: after a drain timeout it still holds
    // sessions, whose destructors unregister from `registry`.
    asio::io_context context{1};  // run by exactly one thread
  };

  Impl(ServerOptions server_options, const Router& server_router,
       telemetry::log::Logger& server_logger, ServerTelemetry request_telemetry)
      : options(std::move(server_options)),
        router(server_router),
        logger(server_logger),
        telemetry(request_telemetry) {
    const unsigned count = options.threads == 0 ? 1 : options.threads;
    for (unsigned i = 0; i < count; ++i)
      io_threads.push_back(std::make_unique<IoThread>());
  }

  asio::io_context& listener_context() { return io_threads.front()->context; }

  asio::awaitable<void> accept_loop();
  void begin_shutdown();
  void connection_finished();

  ServerOptions options;
  const Router& router;
  telemetry::log::Logger& logger;
  ServerTelemetry telemetry;
  std::vector<std::unique_ptr<IoThread>> io_threads;
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::signal_set> signals;
  std::uint16_t bound_port = 0;

  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> open_connections{0};
  std::mutex state_mutex;
  std::condition_variable state_changed;
};

asio::awaitable<void> Server::Impl::accept_loop() {
  std::size_t next_thread = 0;
  asio::steady_timer backoff(listener_context());
  while (!stopping.load()) {
    IoThread& target = *io_threads[next_thread];
    next_thread = (next_thread + 1) % io_threads.size();
    auto [error, socket] =
        co_await acceptor->async_accept(target.context, asio::as_tuple(asio::use_awaitable));
    if (error) {
      if (error == asio::error::operation_aborted || stopping.load()) break;
      logger.write(Level::kWarn, "http.server", "Accept failed", {{"error", error.message()}});
      backoff.expires_after(kAcceptBackoff);
      co_await backoff.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    if (open_connections.load() >= options.limits.max_connections) {
      asio::co_spawn(target.context,
                     detail::reject_connection(std::move(socket), *target.environment),
                     asio::detached);
      continue;
    }
    open_connections.fetch_add(1);
    asio::co_spawn(target.context, detail::run_http_session(std::move(socket), *target.environment),
                   [this](std::exception_ptr failure) {
                     if (failure) {
                       logger.write(Level::kError, "http.server", "Session ended by an exception");
                     }
                     connection_finished();
                   });
  }
}

void Server::Impl::connection_finished() {
  if (open_connections.fetch_sub(1) == 1 && stopping.load()) {
    const std::lock_guard lock(state_mutex);
    state_changed.notify_all();
  }
}

void Server::Impl::begin_shutdown() {
  {
    const std::lock_guard lock(state_mutex);
    if (stopping.exchange(true)) return;
    state_changed.notify_all();
  }
  asio::post(listener_context(), [this] {
    boost::system::error_code ignored;
    if (acceptor) acceptor->close(ignored);
    if (signals) signals->cancel(ignored);
  });
  for (auto& io_thread : io_threads) {
    asio::post(io_thread->context,
               [&registry = io_thread->registry] { registry.notify_stopping(); });
  }
}

Server::Server(ServerOptions options, const Router& router, telemetry::log::Logger& logger,
               ServerTelemetry telemetry)
    : impl_(std::make_unique<Impl>(std::move(options), router, logger, telemetry)) {}

Server::~Server() = default;

void Server::listen() {
  Impl& impl = *impl_;
  const auto address = asio::ip::make_address(impl.options.host);
  const tcp::endpoint endpoint(address, impl.options.port);
  impl.acceptor.emplace(impl.listener_context());
  impl.acceptor->open(endpoint.protocol());
  impl.acceptor->set_option(tcp::acceptor::reuse_address(true));
  impl.acceptor->bind(endpoint);
  impl.acceptor->listen(asio::socket_base::max_listen_connections);
  impl.bound_port = impl.acceptor->local_endpoint().port();
  if (impl.telemetry.metrics != nullptr) impl.telemetry.metrics->prepare(impl.router);
  // Installed before anyone can learn the port: a SIGTERM sent as soon as the service says
  // it is listening must start a graceful shutdown, not kill the process.
  impl.signals.emplace(impl.listener_context(), SIGINT, SIGTERM);
  impl.signals->async_wait([&impl](const boost::system::error_code& error, int signal_number) {
    if (error) return;
    impl.logger.write(Level::kInfo, "http.server", "Shutdown requested",
                      {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"}});
    impl.begin_shutdown();
  });
  for (auto& io_thread : impl.io_threads) {
    io_thread->environment.emplace(detail::SessionEnvironment{
        .router = impl.router,
        .limits = impl.options.limits,
        .logger = impl.logger,
        .stopping = impl.stopping,
        .registry = io_thread->registry,
        .server_port = impl.bound_port,
        .metrics = impl.telemetry.metrics,
        .tracer = impl.telemetry.tracer,
        .exemplars_only_when_sampled = impl.telemetry.exporting_spans,
        .tls = impl.options.tls,
    });
  }
}

std::uint16_t Server::port() const {
  return impl_->bound_port;
}

void Server::stop() {
  impl_->begin_shutdown();
}

bool Server::run() {
  Impl& impl = *impl_;
  asio::co_spawn(impl.listener_context(), impl.accept_loop(), asio::detached);

  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
  std::vector<std::thread> threads;
  for (auto& io_thread : impl.io_threads) {
    keep_running.push_back(asio::make_work_guard(io_thread->context));
    threads.emplace_back([&context = io_thread->context] { context.run(); });
  }

  std::unique_lock lock(impl.state_mutex);
  impl.state_changed.wait(lock, [&impl] { return impl.stopping.load(); });
  const auto deadline = std::chrono::steady_clock::now() + impl.options.limits.shutdown_timeout;
  const bool drained = impl.state_changed.wait_until(
      lock, deadline, [&impl] { return impl.open_connections.load() == 0; });
  lock.unlock();
  if (!drained) {
    impl.logger.write(
        Level::kWarn, "http.server", "Drain timed out; closing remaining connections",
        {{"open_connections", static_cast<std::int64_t>(impl.open_connections.load())}});
  }
  for (auto& io_thread : impl.io_threads)
    io_thread->context.stop();
  for (auto& thread : threads)
    thread.join();
  return drained;
}

}  // namespace glassbox::http
