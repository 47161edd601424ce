#include <boost/beast/core/string.hpp>
#include <string>

#include "app/api/routes.hpp"
#include "http/error.hpp"
#include "telemetry/metrics/exposition.hpp"
#include "telemetry/metrics/format.hpp"

namespace glassbox::app {
namespace {

using boost::asio::awaitable;
using http::Request;
using http::Response;
namespace metrics = telemetry::metrics;

// Compares in time independent of where the inputs differ, so response timing does not
// reveal how much of a guessed token was right.
bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char difference = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    difference |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return difference == 0;
}

bool authorized(const Request& request, const std::optional<std::string>& token) {
  if (!token) return true;
  // RFC 9110 11.1: the scheme name is case-insensitive; the token is not.
  constexpr std::string_view kScheme = "bearer ";
  const std::string_view header = request.header("Authorization");
  if (header.size() <= kScheme.size() ||
      !boost::beast::iequals(header.substr(0, kScheme.size()), kScheme)) {
    return false;
  }
  return constant_time_equal(header.substr(kScheme.size()), *token);
}

awaitable<Response> exposition(ApiContext& context, Request& request) {
  if (!authorized(request, context.config.metrics_token)) {
    Response response =
        http::error_response(http::ErrorCode::kUnauthorized, "a valid bearer token is required");
    response.headers.emplace_back("WWW-Authenticate", R"(Bearer realm="metrics")");
    co_return response;
  }
  const metrics::Format format = metrics::select_format(request.header("Accept"));
  // The size of the last exposition, so the buffer is allocated once at the right size.
  thread_local std::size_t last_size = 0;
  Response response;
  response.body.reserve(last_size + last_size / 8);
  metrics::serialize(context.registry, format, response.body);
  last_size = response.body.size();
  response.content_type = std::string(metrics::content_type(format));
  co_return response;
}

}  // namespace

void add_metrics_routes(http::Router& router, ApiContext& context) {
  router.add(http::Method::kGet, context.config.metrics_path,
             [&context](Request& request) { return exposition(context, request); });
}

}  // namespace glassbox::app
