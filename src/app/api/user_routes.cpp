#include <charconv>
#include <optional>
#include <string>
#include <utility>

#include "app/api/in_span.hpp"
#include "app/api/protection.hpp"
#include "app/api/responses.hpp"
#include "app/api/routes.hpp"
#include "app/user_json.hpp"
#include "app/user_validation.hpp"

namespace glassbox::app {
namespace {

using boost::asio::awaitable;
using http::ErrorCode;
using http::Method;
using http::Request;
using http::Response;

constexpr int kDefaultPageLimit = 20;
constexpr int kMaxPageLimit = 100;

// A query parameter as an integer within [minimum, maximum]; `fallback` when absent;
// nullopt when present but not such an integer (malformed escapes included).
std::optional<std::int64_t> integer_query_param(const Request& request, std::string_view name,
                                                std::int64_t fallback, std::int64_t minimum,
                                                std::int64_t maximum) {
  if (!request.raw_query_param(name)) return fallback;
  const auto text = request.query_param(name);
  if (!text) return std::nullopt;
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (text->empty() || error != std::errc{} || end != text->data() + text->size() ||
      value < minimum || value > maximum) {
    return std::nullopt;
  }
  return value;
}

Response body_error_response(const BodyError& error) {
  if (error.kind == BodyError::Kind::kMalformedJson) {
    return http::error_response(ErrorCode::kMalformedJson, error.message);
  }
  return http::error_response(ErrorCode::kValidationFailed, error.message);
}

Response unsupported_media_type() {
  return http::error_response(ErrorCode::kUnsupportedMediaType,
                              "the body must be JSON (Content-Type: application/json)");
}

Response database_overloaded(ApiContext& context) {
  context.metrics.database_pool_saturated.inc();
  return overloaded_response("the database worker pool");
}

awaitable<Response> create_user(ApiContext& context, Request& request) {
  if (!has_json_content_type(request)) co_return unsupported_media_type();
  auto parsed = parse_user_body(request.body, /*allow_ttl=*/true);
  if (auto* error = std::get_if<BodyError>(&parsed)) co_return body_error_response(*error);
  auto& input = std::get<UserInput>(parsed);

  storage::NewUser user;
  user.name = std::move(input.name);
  user.email = std::move(input.email);
  user.created_at_ms = context.now_millis();
  if (input.ttl_seconds) user.expires_at_ms = user.created_at_ms + *input.ttl_seconds * 1000;

  auto insert = in_span(request.span_context, [&store = context.store, user = std::move(user)] {
    return store.insert(user);
  });
  auto result = co_await context.database_pool.run(std::move(insert));
  if (!result) co_return database_overloaded(context);
  if (!result->ok())
    co_return store_error_response(result->error(), context.logger, context.metrics,
                                   "users.insert");

  const storage::User& created = result->value();
  context.events.publish(user_event_json("user.created", created));
  Response response = Response::json(201, user_to_json(created));
  response.headers.emplace_back("Location", "/api/users/" + std::to_string(created.id));
  co_return response;
}

awaitable<Response> list_users(ApiContext& context, Request& request) {
  const auto limit = integer_query_param(request, "limit", kDefaultPageLimit, 1, kMaxPageLimit);
  if (!limit) {
    co_return http::error_response(ErrorCode::kBadRequest,
                                   "limit must be an integer from 1 to 100");
  }
  const auto offset = integer_query_param(request, "offset", 0, 0, INT64_MAX);
  if (!offset) {
    co_return http::error_response(ErrorCode::kBadRequest, "offset must be a non-negative integer");
  }
  auto list =
      in_span(request.span_context, [&store = context.store, limit = static_cast<int>(*limit),
                                     offset = *offset] { return store.list(limit, offset); });
  auto result = co_await context.database_pool.run(std::move(list));
  if (!result) co_return database_overloaded(context);
  if (!result->ok())
    co_return store_error_response(result->error(), context.logger, context.metrics, "users.list");

  const storage::UserPage& page = result->value();
  std::string body = "{\"items\":[";
  for (std::size_t i = 0; i < page.items.size(); ++i) {
    if (i > 0) body += ',';
    body += user_to_json(page.items[i]);
  }
  body += "],\"limit\":" + std::to_string(*limit) + ",\"offset\":" + std::to_string(*offset) +
          ",\"total\":" + std::to_string(page.total) + "}";
  co_return Response::json(200, std::move(body));
}

awaitable<Response> get_user(ApiContext& context, Request& request) {
  const auto id = request.params.get_int("id");
  if (!id) co_return http::error_response(ErrorCode::kNotFound, "no user with that id");
  if (auto cached = context.user_cache.get(*id)) {
    context.metrics.user_cache_hits.inc();
    co_return Response::json(200, std::move(*cached));
  }
  context.metrics.user_cache_misses.inc();

  const std::uint64_t generation = context.user_cache.generation();
  auto find =
      in_span(request.span_context, [&store = context.store, id = *id] { return store.find(id); });
  auto result = co_await context.database_pool.run(std::move(find));
  if (!result) co_return database_overloaded(context);
  if (!result->ok())
    co_return store_error_response(result->error(), context.logger, context.metrics, "users.get");

  std::string body = user_to_json(result->value());
  context.user_cache.put_if_unchanged(*id, body, generation);
  co_return Response::json(200, std::move(body));
}

awaitable<Response> replace_user(ApiContext& context, Request& request) {
  const auto id = request.params.get_int("id");
  if (!id) co_return http::error_response(ErrorCode::kNotFound, "no user with that id");
  if (!has_json_content_type(request)) co_return unsupported_media_type();
  auto parsed = parse_user_body(request.body, /*allow_ttl=*/false);
  if (auto* error = std::get_if<BodyError>(&parsed)) co_return body_error_response(*error);
  auto& input = std::get<UserInput>(parsed);

  auto replace =
      in_span(request.span_context,
              [&store = context.store, id = *id, name = std::move(input.name),
               email = std::move(input.email)] { return store.replace(id, name, email); });
  auto result = co_await context.database_pool.run(std::move(replace));
  if (!result) co_return database_overloaded(context);
  context.user_cache.invalidate(*id);
  if (!result->ok())
    co_return store_error_response(result->error(), context.logger, context.metrics,
                                   "users.update");

  const storage::User& updated = result->value();
  context.events.publish(user_event_json("user.updated", updated));
  co_return Response::json(200, user_to_json(updated));
}

awaitable<Response> delete_user(ApiContext& context, Request& request) {
  const auto id = request.params.get_int("id");
  if (!id) co_return http::error_response(ErrorCode::kNotFound, "no user with that id");
  auto remove = in_span(request.span_context,
                        [&store = context.store, id = *id] { return store.remove(id); });
  auto result = co_await context.database_pool.run(std::move(remove));
  if (!result) co_return database_overloaded(context);
  context.user_cache.invalidate(*id);
  if (!result->ok())
    co_return store_error_response(result->error(), context.logger, context.metrics,
                                   "users.delete");

  context.events.publish(user_deleted_event_json(*id, ""));
  Response response;
  response.status = 204;
  co_return response;
}

}  // namespace

void add_user_routes(http::Router& router, ApiContext& context) {
  const auto reads = [&context](http::Handler handler) {
    return protect(context, Access::kRead, std::move(handler));
  };
  const auto writes = [&context](http::Handler handler) {
    return protect(context, Access::kWrite, std::move(handler));
  };
  router.add(Method::kPost, "/api/users",
             writes([&context](Request& r) { return create_user(context, r); }));
  router.add(Method::kGet, "/api/users",
             reads([&context](Request& r) { return list_users(context, r); }));
  router.add(Method::kGet, "/api/users/{id:int}",
             reads([&context](Request& r) { return get_user(context, r); }));
  router.add(Method::kPut, "/api/users/{id:int}",
             writes([&context](Request& r) { return replace_user(context, r); }));
  router.add(Method::kDelete, "/api/users/{id:int}",
             writes([&context](Request& r) { return delete_user(context, r); }));
}

}  // namespace glassbox::app
