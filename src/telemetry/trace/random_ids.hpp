#pragma once

#include <cstdint>

#include "telemetry/trace/ids.hpp"

namespace glassbox::telemetry::trace {

// Random trace and span ids from a per-thread generator (SplitMix64 seeded once per thread
// from std::random_device): a few nanoseconds, no lock, no system call per id. Not for
// secrets; W3C Trace Context asks for uniqueness, not unpredictability. Every bit is random,
// so the rightmost 7 bytes of a trace id are the 56 random bits TraceIdRatioBased sampling
// reads. Thread-safe (each thread has its own generator).
using RandomTraceId = TraceId;  // the name callers outside telemetry/trace already use

// Never all zero (the W3C "invalid" value).
TraceId random_trace_id();
SpanId random_span_id();

// A random 64-bit number from the same generator (jitter, instance ids).
std::uint64_t random_u64();

}  // namespace glassbox::telemetry::trace
