// W3C Trace Context parsing: the input's first line is a `traceparent` value, the rest a
// (combined) `tracestate` value, as a request carries them. A context we accept must be
// one we can send on unchanged; a tracestate we keep must be valid, canonical and bounded.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "telemetry/trace/http_text.hpp"
#include "telemetry/trace/ids.hpp"
#include "telemetry/trace/trace_context.hpp"
#include "telemetry/trace/tracestate.hpp"

namespace {

namespace trace = glassbox::telemetry::trace;

void check_traceparent(std::string_view value) {
  const auto context = trace::parse_traceparent(value);
  if (!context) return;
  FUZZ_CHECK(context->valid());
  FUZZ_CHECK(context->remote);
  FUZZ_CHECK(context->trace_state.empty());

  // The ids are the header's own digits.
  const std::string_view trimmed = trace::trim_ows(value);
  FUZZ_CHECK(trace::to_hex(context->trace_id) == trimmed.substr(3, trace::kTraceIdHexLength));
  FUZZ_CHECK(trace::to_hex(context->span_id) == trimmed.substr(36, trace::kSpanIdHexLength));

  // What we send on parses back to the same context, sampled flag included.
  const std::string sent = trace::format_traceparent(*context);
  FUZZ_CHECK(sent.size() == 55);
  const auto again = trace::parse_traceparent(sent);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->trace_id == context->trace_id);
  FUZZ_CHECK(again->span_id == context->span_id);
  FUZZ_CHECK(again->sampled() == context->sampled());
  // A version 00 header whose flags we keep as they are is sent on byte for byte.
  if (trimmed.starts_with("00-") && (trimmed.ends_with("-00") || trimmed.ends_with("-01"))) {
    FUZZ_CHECK(sent == trimmed);
  }
}

std::vector<std::string_view> split_members(std::string_view canonical) {
  std::vector<std::string_view> members;
  while (!canonical.empty()) {
    const std::size_t comma = canonical.find(',');
    members.push_back(canonical.substr(0, comma));
    if (comma == std::string_view::npos) break;
    canonical.remove_prefix(comma + 1);
  }
  return members;
}

void check_tracestate(std::string_view combined) {
  const std::string kept = trace::normalize_tracestate(combined);
  FUZZ_CHECK(kept.size() <= trace::kTracestatePropagatedLength);
  FUZZ_CHECK(trace::normalize_tracestate(kept) == kept);  // canonical: a fixed point

  const auto members = split_members(kept);
  FUZZ_CHECK(members.size() <= trace::kMaxTracestateMembers);
  std::size_t searched_from = 0;
  for (const std::string_view member : members) {
    FUZZ_CHECK(!member.empty());
    const std::size_t equals = member.find('=');
    FUZZ_CHECK(equals != std::string_view::npos);
    FUZZ_CHECK(trace::valid_tracestate_key(member.substr(0, equals)));
    FUZZ_CHECK(member.front() != ' ' && member.back() != ' ');
    // Members are kept as they were sent, in the order they were sent.
    const std::size_t found = combined.find(member, searched_from);
    FUZZ_CHECK(found != std::string_view::npos);
    searched_from = found + member.size();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string_view traceparent = input.substr(0, newline);
  const std::string_view tracestate =
      newline == std::string_view::npos ? std::string_view{} : input.substr(newline + 1);

  check_traceparent(traceparent);
  check_tracestate(tracestate);

  // The pair as the server reads it: no context without a valid traceparent, and a bad
  // tracestate never costs the traceparent.
  const auto context = trace::extract_context(traceparent, tracestate);
  FUZZ_CHECK(context.has_value() == trace::parse_traceparent(traceparent).has_value());
  if (context) FUZZ_CHECK(context->trace_state == trace::normalize_tracestate(tracestate));

  // The id parsers on the raw bytes: whatever parses formats back to the same digits.
  if (const auto id = trace::parse_trace_id_hex(input)) FUZZ_CHECK(trace::to_hex(*id) == input);
  if (const auto id = trace::parse_span_id_hex(input)) FUZZ_CHECK(trace::to_hex(*id) == input);
  return 0;
}
