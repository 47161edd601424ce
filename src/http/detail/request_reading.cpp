#include "http/detail/request_reading.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <cstdint>

#include "http/error.hpp"

namespace glassbox::http::detail {

namespace bhttp = boost::beast::http;

void apply_limits(RequestParser& parser, const Limits& limits) {
  parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  parser.body_limit(limits.max_body_bytes);
}

namespace {

// A field line that starts with a space or tab continues the previous one (obs-fold). The
// request line cannot contain a line feed, so every one in the head ends a line.
bool has_obs_fold(std::string_view head) {
  for (std::size_t lf = head.find('\n'); lf != std::string_view::npos && lf + 1 < head.size();
       lf = head.find('\n', lf + 1)) {
    if (head[lf + 1] == ' ' || head[lf + 1] == '\t') return true;
  }
  return false;
}

std::string_view trim_whitespace(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  return text;
}

HeadRefusal refusal(ErrorCode code, std::string_view message, RejectReason reason) {
  return HeadRefusal{error_response(code, message), reason};
}

}  // namespace

boost::beast::error_code parse_head(RequestParser& parser, std::string_view head) {
  if (has_obs_fold(head)) return bhttp::error::bad_field;
  boost::beast::error_code error;
  const std::size_t used = parser.put(boost::asio::buffer(head.data(), head.size()), error);
  if (error == bhttp::error::need_more || (!error && used != head.size())) {
    error = bhttp::error::bad_line_ending;
  }
  return error;
}

std::optional<Response> response_for_read_error(const boost::beast::error_code& error) {
  if (error == bhttp::error::header_limit) {
    return error_response(ErrorCode::kHeadersTooLarge, "request headers too large");
  }
  if (error == bhttp::error::body_limit) {
    return error_response(ErrorCode::kPayloadTooLarge, "request body too large");
  }
  // The client went away or went silent, or the server is stopping: nobody to answer.
  if (error == bhttp::error::end_of_stream || error == bhttp::error::partial_message) {
    return std::nullopt;
  }
  // Any other parser complaint is a malformed message (bad method, version, field, chunk,
  // Content-Length, ...): RFC 9112 says answer 400 and close.
  if (error.category() == bhttp::make_error_code(bhttp::error::bad_target).category()) {
    return error_response(ErrorCode::kBadRequest, "malformed HTTP request");
  }
  return std::nullopt;
}

RejectReason rejection_reason(const boost::beast::error_code& error) {
  if (error == bhttp::error::header_limit) return RejectReason::kHeaderTooLarge;
  if (error == bhttp::error::body_limit) return RejectReason::kBodyTooLarge;
  if (error == boost::beast::error::timeout) return RejectReason::kTimeout;
  if (error == bhttp::error::bad_content_length || error == bhttp::error::multiple_content_length ||
      error == bhttp::error::bad_transfer_encoding) {
    return RejectReason::kSmuggling;
  }
  if (error == bhttp::error::bad_target) return RejectReason::kBadEncoding;
  return RejectReason::kBadRequest;
}

std::optional<HeadRefusal> check_head(const RequestMessage& message, const Limits& limits) {
  if (message.target().size() > limits.max_target_bytes) {
    return refusal(ErrorCode::kUriTooLong, "request target too long", RejectReason::kTargetTooLong);
  }
  const std::size_t transfer_encodings = message.count(bhttp::field::transfer_encoding);
  if (transfer_encodings > 0) {
    if (message.count(bhttp::field::content_length) > 0) {
      return refusal(ErrorCode::kBadRequest, "both Transfer-Encoding and Content-Length present",
                     RejectReason::kSmuggling);
    }
    if (transfer_encodings > 1 || message.version() < 11 ||
        !boost::beast::iequals(trim_whitespace(message[bhttp::field::transfer_encoding]),
                               "chunked")) {
      return refusal(ErrorCode::kBadRequest,
                     "unsupported Transfer-Encoding (only chunked, in HTTP/1.1)",
                     RejectReason::kSmuggling);
    }
  }
  if (message.version() >= 11 && message.count(bhttp::field::host) != 1) {
    return refusal(ErrorCode::kBadRequest, "an HTTP/1.1 request needs exactly one Host header",
                   RejectReason::kBadRequest);
  }
  return std::nullopt;
}

std::optional<Response> refuse_head(const RequestMessage& message, const Limits& limits) {
  auto refused = check_head(message, limits);
  if (!refused) return std::nullopt;
  return std::move(refused->response);
}

}  // namespace glassbox::http::detail
