#include "telemetry/metrics/process_metrics.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <string>
#include <vector>

namespace glassbox::telemetry::metrics {
namespace {

// Field numbers as proc(5) counts them; field 3 (state) is the first after the ')'.
constexpr std::size_t kFirstFieldAfterCommand = 3;
constexpr std::size_t kUserTicksField = 14;
constexpr std::size_t kSystemTicksField = 15;
constexpr std::size_t kStartTicksField = 22;
constexpr std::size_t kVirtualBytesField = 23;
constexpr std::size_t kResidentPagesField = 24;

std::optional<std::uint64_t> parse_unsigned(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

// Whole small /proc file; nothing when it cannot be read.
std::optional<std::string> read_file(const char* path) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return std::nullopt;
  }
  std::string content;
  std::array<char, 4096> buffer{};
  ssize_t count = 0;
  while ((count = ::read(fd, buffer.data(), buffer.size())) > 0) {
    content.append(buffer.data(), static_cast<std::size_t>(count));
  }
  ::close(fd);
  if (count < 0) {
    return std::nullopt;
  }
  return content;
}

std::optional<std::uint64_t> count_open_fds() {
  DIR* directory = ::opendir("/proc/self/fd");
  if (directory == nullptr) {
    return std::nullopt;
  }
  std::uint64_t count = 0;
  while (const dirent* entry = ::readdir(directory)) {
    if (entry->d_name[0] != '.') {
      ++count;
    }
  }
  ::closedir(directory);
  return count;
}

void collect_process_metrics(MetricSink& sink) {
  const long ticks_per_second = ::sysconf(_SC_CLK_TCK);
  const long page_size = ::sysconf(_SC_PAGESIZE);
  const auto stat_line = read_file("/proc/self/stat");
  const auto stat = stat_line ? parse_proc_stat(*stat_line) : std::nullopt;
  if (stat && ticks_per_second > 0 && page_size > 0) {
    const auto ticks = static_cast<double>(ticks_per_second);
    sink.counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                 static_cast<double>(stat->user_ticks + stat->system_ticks) / ticks);
    sink.gauge("process_resident_memory_bytes", "Resident memory size in bytes.",
               static_cast<double>(stat->resident_pages) * static_cast<double>(page_size));
    sink.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.",
               static_cast<double>(stat->virtual_bytes));
    const auto system_stat = read_file("/proc/stat");
    if (const auto boot = system_stat ? parse_boot_time(*system_stat) : std::nullopt) {
      sink.gauge("process_start_time_seconds",
                 "Start time of the process since unix epoch in seconds.",
                 static_cast<double>(*boot) + static_cast<double>(stat->start_ticks) / ticks);
    }
  }
  if (const auto open_fds = count_open_fds()) {
    sink.gauge("process_open_fds", "Number of open file descriptors.",
               static_cast<double>(*open_fds));
  }
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    sink.gauge("process_max_fds", "Maximum number of open file descriptors.",
               static_cast<double>(limit.rlim_cur));
  }
}

}  // namespace

std::optional<ProcStat> parse_proc_stat(std::string_view line) {
  const auto command_end = line.rfind(')');
  if (command_end == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view rest = line.substr(command_end + 1);
  std::vector<std::string_view> fields;
  while (!rest.empty()) {
    const auto start = rest.find_first_not_of(" \n");
    if (start == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(start);
    const auto end = rest.find_first_of(" \n");
    fields.push_back(rest.substr(0, end));
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
  }
  const auto field = [&fields](std::size_t number) -> std::optional<std::uint64_t> {
    const std::size_t index = number - kFirstFieldAfterCommand;
    return index < fields.size() ? parse_unsigned(fields[index]) : std::nullopt;
  };
  const auto user = field(kUserTicksField);
  const auto system = field(kSystemTicksField);
  const auto start = field(kStartTicksField);
  const auto virtual_bytes = field(kVirtualBytesField);
  const auto resident = field(kResidentPagesField);
  if (!user || !system || !start || !virtual_bytes || !resident) {
    return std::nullopt;
  }
  return ProcStat{*user, *system, *start, *virtual_bytes, *resident};
}

std::optional<std::int64_t> parse_boot_time(std::string_view proc_stat) {
  constexpr std::string_view kPrefix = "btime ";
  std::size_t line_start = 0;
  while (line_start < proc_stat.size()) {
    const auto line_end = proc_stat.find('\n', line_start);
    const std::string_view line = proc_stat.substr(line_start, line_end - line_start);
    if (line.starts_with(kPrefix)) {
      const auto value = parse_unsigned(line.substr(kPrefix.size()));
      return value ? std::optional<std::int64_t>(static_cast<std::int64_t>(*value)) : std::nullopt;
    }
    if (line_end == std::string_view::npos) {
      break;
    }
    line_start = line_end + 1;
  }
  return std::nullopt;
}

void register_process_metrics(Registry& registry) {
  registry.add_collector(&collect_process_metrics);
}

void register_build_info(Registry& registry, std::string_view version, std::string_view revision) {
  registry
      .gauge_family("glassbox_build_info",
                    "The version and source revision this binary was built from; always 1.",
                    {"version", "revision"})
      .with({version, revision})
      .set(1);
}

}  // namespace glassbox::telemetry::metrics
