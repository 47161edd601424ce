// The log path: what a request thread pays to log its access record, and what the writer
// thread pays to turn it into a line. The writer drains to /dev/null.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fixtures.hpp"
#include "telemetry/log/access_record.hpp"
#include "telemetry/log/logger.hpp"
#include "telemetry/log/rfc3339.hpp"

namespace glassbox::bench {
namespace {

namespace log = telemetry::log;
using namespace std::chrono_literals;

// Records between two pauses in which the writer catches up: well inside the default
// 4 MiB buffer, so the timed calls enqueue instead of dropping.
constexpr std::int64_t kRecordsPerRound = 4096;

const log::AccessRecord kRecord{
    .method = "GET",
    .endpoint = "/api/users/42",
    .route = "/api/users/{id}",
    .status_code = 200,
    .duration_ms = 0.153,
    .client_address = "10.0.0.17",
    .user_agent = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    .response_size = 87,
    .trace_id = kTraceId,
    .span_id = "00f067aa0ba902b7"};

struct DevNull {
  int fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  ~DevNull() { ::close(fd); }
};

// One logger shared by the threads of a run, as the I/O threads share the service's.
log::Logger& shared_logger() {
  static DevNull* sink = new DevNull();
  static auto* logger =
      new log::Logger("glassbox", log::Level::kInfo, log::LoggerOptions{.fd = sink->fd});
  return *logger;
}

// Every kRecordsPerRound calls, lets the writer drain the buffer, outside the timing.
class CatchUp {
 public:
  explicit CatchUp(log::Logger& logger) : logger_(logger) {}
  void after_call(benchmark::State& state) {
    if (++calls_ < kRecordsPerRound) return;
    state.PauseTiming();
    logger_.flush(10s);
    calls_ = 0;
    state.ResumeTiming();
  }

 private:
  log::Logger& logger_;
  std::int64_t calls_ = 0;
};

void report_drops(benchmark::State& state, const log::Logger& logger, std::uint64_t before) {
  state.counters["drops_per_op"] =
      benchmark::Counter(static_cast<double>(logger.dropped_records() - before) /
                         static_cast<double>(state.iterations()));
}

// The request thread's cost: copy the raw fields into the buffer and return.
void BM_Log_AccessRecordEnqueue(benchmark::State& state) {
  log::Logger& logger = shared_logger();
  const auto dropped_before = logger.dropped_records();
  const auto allocations_before = thread_allocations();
  CatchUp catch_up(logger);
  for (auto _ : state) {
    logger.access(kRecord);
    catch_up.after_call(state);
  }
  report_allocations(state, allocations_before);
  report_drops(state, logger, dropped_before);
}
BENCHMARK(BM_Log_AccessRecordEnqueue);
BENCHMARK(BM_Log_AccessRecordEnqueue)->Threads(2);

// The same calls without pauses: the writer has to keep up or records are dropped
// (drops_per_op); the cost a caller sees under a sustained flood.
void BM_Log_AccessRecordFlood(benchmark::State& state) {
  log::Logger& logger = shared_logger();
  const auto dropped_before = logger.dropped_records();
  for (auto _ : state) {
    logger.access(kRecord);
  }
  report_drops(state, logger, dropped_before);
  logger.flush(10s);
}
BENCHMARK(BM_Log_AccessRecordFlood);

// Each call timed alone, to give the distribution: p50, p99 (clock reads included,
// about 2 x 20 ns).
void BM_Log_AccessRecordEnqueue_Percentiles(benchmark::State& state) {
  log::Logger& logger = shared_logger();
  std::vector<double> nanoseconds;
  nanoseconds.reserve(1 << 20);
  CatchUp catch_up(logger);
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    logger.access(kRecord);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    if (nanoseconds.size() < nanoseconds.capacity())
      nanoseconds.push_back(std::chrono::duration<double, std::nano>(elapsed).count());
    catch_up.after_call(state);
  }
  std::sort(nanoseconds.begin(), nanoseconds.end());
  const auto at = [&](double q) {
    return nanoseconds[static_cast<std::size_t>(q * static_cast<double>(nanoseconds.size() - 1))];
  };
  state.counters["p50_ns"] = at(0.50);
  state.counters["p99_ns"] = at(0.99);
  state.counters["p999_ns"] = at(0.999);
}
BENCHMARK(BM_Log_AccessRecordEnqueue_Percentiles);

// One record after the writer has gone idle for `settle`: 50 µs finds it napping (the
// caller only enqueues), 150 ms finds it asleep (the caller also wakes it: a system call).
void idle_writer_case(benchmark::State& state, std::chrono::microseconds settle) {
  log::Logger& logger = shared_logger();
  for (auto _ : state) {
    logger.flush(10s);
    std::this_thread::sleep_for(settle);
    const auto start = std::chrono::steady_clock::now();
    logger.access(kRecord);
    state.SetIterationTime(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
}

void BM_Log_AccessRecordEnqueue_NappingWriter(benchmark::State& state) {
  idle_writer_case(state, 50us);
}
BENCHMARK(BM_Log_AccessRecordEnqueue_NappingWriter)->UseManualTime()->Iterations(2000);

void BM_Log_AccessRecordEnqueue_SleepingWriter(benchmark::State& state) {
  idle_writer_case(state, 150ms);
}
BENCHMARK(BM_Log_AccessRecordEnqueue_SleepingWriter)->UseManualTime()->Iterations(20);

// A general record with three fields: formatted on the caller's thread, then queued.
void BM_Log_WriteRecordEnqueue(benchmark::State& state) {
  log::Logger& logger = shared_logger();
  const auto allocations_before = thread_allocations();
  CatchUp catch_up(logger);
  for (auto _ : state) {
    logger.write(log::Level::kInfo, "app.cleanup", "Cleanup run finished",
                 {{"deleted", 3}, {"duration_ms", 1.25}, {"trace_id", kTraceId}});
    catch_up.after_call(state);
  }
  report_allocations(state, allocations_before);
}
BENCHMARK(BM_Log_WriteRecordEnqueue);

// The writer thread's cost per access record: timestamp (cached per second) + JSON.
void BM_Log_AccessRecordFormat(benchmark::State& state) {
  log::TimestampCache timestamps;
  std::string line;
  line.reserve(1024);
  std::int64_t millis = 1795460569123;
  for (auto _ : state) {
    line.clear();
    log::append_access_record(line, timestamps.format(++millis), "glassbox", kRecord);
    benchmark::DoNotOptimize(line.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(line.size() + 1));
}
BENCHMARK(BM_Log_AccessRecordFormat);

// The synchronous logger this one replaced, per line: format on the caller (timestamp
// computed each time), then one write(2) under a mutex — to /dev/null, its best case.
void BM_Log_SynchronousBaseline(benchmark::State& state) {
  static DevNull sink;
  static std::mutex write_mutex;
  for (auto _ : state) {
    std::string line = log::format_record(log::rfc3339_now_millis(), log::Level::kInfo, "glassbox",
                                          "http.access", "Request completed",
                                          {{"method", kRecord.method},
                                           {"endpoint", kRecord.endpoint},
                                           {"route", kRecord.route},
                                           {"status_code", kRecord.status_code},
                                           {"duration_ms", kRecord.duration_ms},
                                           {"client_address", kRecord.client_address},
                                           {"user_agent", kRecord.user_agent},
                                           {"response_size", std::int64_t{87}},
                                           {"trace_id", kRecord.trace_id},
                                           {"span_id", kRecord.span_id}});
    line.push_back('\n');
    const std::lock_guard lock(write_mutex);
    benchmark::DoNotOptimize(::write(sink.fd, line.data(), line.size()));
  }
}
BENCHMARK(BM_Log_SynchronousBaseline);

}  // namespace
}  // namespace glassbox::bench
