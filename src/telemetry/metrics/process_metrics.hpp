#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "telemetry/metrics/registry.hpp"

// The standard process metrics, as Prometheus' Go and Python clients define them, read from
// /proc at scrape time (no background thread):
//   process_cpu_seconds_total      counter  (utime + stime) / CLK_TCK
//   process_resident_memory_bytes  gauge    rss pages * page size
//   process_virtual_memory_bytes   gauge    vsize
//   process_open_fds               gauge    entries in /proc/self/fd
//   process_max_fds                gauge    RLIMIT_NOFILE soft limit
//   process_start_time_seconds     gauge    btime (/proc/stat) + starttime / CLK_TCK
// A value that cannot be read at a scrape is left out of that scrape.
namespace glassbox::telemetry::metrics {

// The fields of /proc/<pid>/stat the metrics need, in the kernel's units.
struct ProcStat {
  std::uint64_t user_ticks = 0;      // field 14, utime
  std::uint64_t system_ticks = 0;    // field 15, stime
  std::uint64_t start_ticks = 0;     // field 22, starttime (since boot)
  std::uint64_t virtual_bytes = 0;   // field 23, vsize
  std::uint64_t resident_pages = 0;  // field 24, rss
};

// Parses the one line of /proc/<pid>/stat. The command name (field 2) may hold spaces and
// parentheses, so fields are counted from the last ')'. Nothing when the line is malformed.
std::optional<ProcStat> parse_proc_stat(std::string_view line);

// The `btime` line of /proc/stat: boot time in seconds since the epoch.
std::optional<std::int64_t> parse_boot_time(std::string_view proc_stat);

// Adds the collector. Call once per registry (a second call adds nothing to the output:
// the duplicate families are left out).
void register_process_metrics(Registry& registry);

// glassbox_build_info{version="...",revision="..."} 1.
void register_build_info(Registry& registry, std::string_view version, std::string_view revision);

}  // namespace glassbox::telemetry::metrics
