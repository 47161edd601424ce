#include "telemetry/trace/otlp_http_exporter.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "span_fixtures.hpp"
#include "test_http_server.hpp"

namespace glassbox::telemetry::trace {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::TestHttpServer;

struct Harness {
  std::vector<std::chrono::milliseconds> sleeps;  // asked-for waits, not slept
  std::vector<std::string> failures;
  std::vector<std::unique_ptr<SpanData>> spans;

  Harness() { spans.push_back(testing::sample_server_span()); }

  OtlpHttpOptions options(const std::string& endpoint) {
    OtlpHttpOptions result;
    result.endpoint = endpoint;
    result.headers = {{"Authorization", "Bearer secret"}, {"X-Tenant", "glassbox"}};
    result.timeout = 10s;
    result.sleep = [this](std::chrono::milliseconds delay) { sleeps.push_back(delay); };
    result.on_failure = [this](std::string_view why) { failures.emplace_back(why); };
    return result;
  }
  ExportResult send(OtlpHttpExporter& exporter, std::chrono::milliseconds budget = 10s) {
    return exporter.export_batch(spans, Clock::now() + budget);
  }
};

Resource resource() {
  ResourceOptions options;
  options.service_instance_id = "i";
  options.host_name = "h";
  return make_resource(options);
}

bool has_header(const std::string& head, const std::string& line) {
  return head.find("\r\n" + line + "\r\n") != std::string::npos;
}

TEST(OtlpHttpExporter, RetriesA503AndDeliversTheBatchOnce) {
  TestHttpServer server({TestHttpServer::reply(503), TestHttpServer::reply(200)});
  Harness harness;
  OtlpHttpExporter exporter(harness.options(server.url()), resource(), "1.0");
  EXPECT_EQ(harness.send(exporter), ExportResult::kSuccess);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);  // one refused, one delivered: no third copy
  EXPECT_EQ(requests[0].body, requests[1].body);
  EXPECT_FALSE(requests[1].body.empty());
  EXPECT_TRUE(requests[1].head.starts_with("POST /v1/traces HTTP/1.1\r\n"));
  EXPECT_TRUE(has_header(requests[1].head, "Content-Type: application/x-protobuf"));
  EXPECT_TRUE(has_header(requests[1].head, "Host: 127.0.0.1:" + std::to_string(server.port())));
  EXPECT_TRUE(has_header(requests[1].head, "Authorization: Bearer secret"));
  EXPECT_TRUE(has_header(requests[1].head, "X-Tenant: glassbox"));
  ASSERT_EQ(harness.sleeps.size(), 1u);  // one backoff, jittered within [initial/2, initial]
  EXPECT_GE(harness.sleeps[0], 125ms);
  EXPECT_LE(harness.sleeps[0], 250ms);
  EXPECT_TRUE(harness.failures.empty());
}

TEST(OtlpHttpExporter, RetriesEveryRetryableStatus) {
  for (const int status : {429, 502, 503, 504}) {
    TestHttpServer server({TestHttpServer::reply(status), TestHttpServer::reply(200)});
    Harness harness;
    OtlpHttpExporter exporter(harness.options(server.url()), resource(), "1.0");
    EXPECT_EQ(harness.send(exporter), ExportResult::kSuccess) << status;
    EXPECT_EQ(server.requests().size(), 2u) << status;
  }
}

TEST(OtlpHttpExporter, BacksOffExponentially) {
  TestHttpServer server({TestHttpServer::reply(503), TestHttpServer::reply(503),
                         TestHttpServer::reply(503), TestHttpServer::reply(200)});
  Harness harness;
  OtlpHttpExporter exporter(harness.options(server.url()), resource(), "1.0");
  EXPECT_EQ(harness.send(exporter), ExportResult::kSuccess);
  ASSERT_EQ(harness.sleeps.size(), 3u);
  EXPECT_GE(harness.sleeps[1], 250ms);
  EXPECT_LE(harness.sleeps[1], 500ms);
  EXPECT_GE(harness.sleeps[2], 500ms);
  EXPECT_LE(harness.sleeps[2], 1000ms);
}

TEST(OtlpHttpExporter, HonoursRetryAfter) {
  TestHttpServer server(
      {TestHttpServer::reply(429, "Retry-After: 3\r\n"), TestHttpServer::reply(200)});
  Harness harness;
  OtlpHttpExporter exporter(harness.options(server.url()), resource(), "1.0");
  EXPECT_EQ(harness.send(exporter), ExportResult::kSuccess);
  EXPECT_EQ(harness.sleeps, std::vector<std::chrono::milliseconds>{3000ms});
}

TEST(OtlpHttpExporter, GivesUpWhenRetryAfterOutlastsTheDeadline) {
  TestHttpServer server({TestHttpServer::reply(503, "retry-after: 60\r\n")});
  Harness harness;
  OtlpHttpExporter exporter(harness.options(server.url()), resource(), "1.0");
  EXPECT_EQ(harness.send(exporter, 2s), ExportResult::kFailure);
  EXPECT_EQ(server.requests().size(), 1u);
  EXPECT_TRUE(harness.sleeps.empty());
  ASSERT_EQ(harness.failures.size(), 1u);
  EXPECT_NE(harness.failures[0].find("HTTP 503"), std::string::npos);
}

TEST(OtlpHttpExporter, DoesNotRetryOtherErrors) {
  for (const int status : {400, 401, 404, 413, 500}) {
    TestHttpServer server({TestHttpServer::reply(status), TestHttpServer::reply(200)});
    Harness harness;
    OtlpHttpExporter exporter(harness.options(server.url()), resource(), "1.0");
    EXPECT_EQ(harness.send(exporter), ExportResult::kFailure) << status;
    EXPECT_EQ(server.requests().size(), 1u) << status;
  }
}

TEST(OtlpHttpExporter, AnEndpointThatNeverAnswersCostsAtMostTheTimeout) {
  TestHttpServer server({std::nullopt});
  Harness harness;
  OtlpHttpOptions options = harness.options(server.url());
  options.timeout = 300ms;
  OtlpHttpExporter exporter(options, resource(), "1.0");
  const auto started = Clock::now();
  EXPECT_EQ(harness.send(exporter), ExportResult::kFailure);
  const auto elapsed = Clock::now() - started;
  EXPECT_GE(elapsed, 250ms);
  EXPECT_LT(elapsed, 3s);
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(OtlpHttpExporter, TheBatchDeadlineAlsoBoundsAnExport) {
  TestHttpServer server({std::nullopt});
  Harness harness;
  OtlpHttpExporter exporter(harness.options(server.url()), resource(), "1.0");  // timeout 10 s
  const auto started = Clock::now();
  EXPECT_EQ(harness.send(exporter, 200ms), ExportResult::kFailure);
  EXPECT_LT(Clock::now() - started, 3s);
}

// Waits (bounded) until the test server has read `count` requests.
bool received(TestHttpServer& server, std::size_t count) {
  const auto deadline = Clock::now() + 10s;
  while (server.requests().size() < count) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

TEST(OtlpHttpExporter, CancelEndsAWaitForAnAnswer) {
  TestHttpServer server({std::nullopt});
  Harness harness;
  OtlpHttpExporter exporter(harness.options(server.url()), resource(), "1.0");  // timeout 10 s
  ExportResult result = ExportResult::kSuccess;
  const auto started = Clock::now();
  std::thread exporting([&] { result = harness.send(exporter, 60s); });
  ASSERT_TRUE(received(server, 1));
  exporter.cancel();
  exporting.join();
  EXPECT_EQ(result, ExportResult::kFailure);
  EXPECT_LT(Clock::now() - started, 5s);
  ASSERT_EQ(harness.failures.size(), 1u);
  EXPECT_NE(harness.failures[0].find("cancelled"), std::string::npos);
  EXPECT_EQ(harness.send(exporter), ExportResult::kFailure);  // and later exports at once
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(OtlpHttpExporter, CancelEndsTheWaitBeforeARetry) {
  TestHttpServer server({TestHttpServer::reply(503, "Retry-After: 30\r\n")});
  Harness harness;
  OtlpHttpOptions options = harness.options(server.url());
  options.timeout = 60s;
  options.sleep = nullptr;  // the exporter's own wait, which cancel() ends
  OtlpHttpExporter exporter(options, resource(), "1.0");
  ExportResult result = ExportResult::kSuccess;
  const auto started = Clock::now();
  std::thread exporting([&] { result = harness.send(exporter, 60s); });
  ASSERT_TRUE(received(server, 1));
  exporter.cancel();
  exporting.join();
  EXPECT_EQ(result, ExportResult::kFailure);
  EXPECT_LT(Clock::now() - started, 5s);
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(OtlpHttpExporter, RetriesARefusedConnectionUntilTheDeadline) {
  // A port that was free a moment ago: connecting is refused.
  const int probe = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(::bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::getsockname(probe, reinterpret_cast<sockaddr*>(&address), &length), 0);
  ::close(probe);
  Harness harness;
  OtlpHttpOptions options =
      harness.options("http://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/");
  options.timeout = 400ms;
  options.retry = RetryPolicy{20ms, 80ms};
  options.sleep = [&](std::chrono::milliseconds delay) {
    harness.sleeps.push_back(delay);
    std::this_thread::sleep_for(delay);  // real waits: the deadline must pass
  };
  OtlpHttpExporter exporter(options, resource(), "1.0");
  EXPECT_EQ(harness.send(exporter), ExportResult::kFailure);
  EXPECT_GE(harness.sleeps.size(), 2u);
  ASSERT_EQ(harness.failures.size(), 1u);
  EXPECT_NE(harness.failures[0].find("connect"), std::string::npos);
}

TEST(OtlpHttpExporter, SendsOtlpJsonWithTheJsonContentType) {
  TestHttpServer server({TestHttpServer::reply(200)});
  Harness harness;
  OtlpHttpOptions options = harness.options(server.url("/custom/path?x=1"));
  options.encoding = OtlpEncoding::kJson;
  OtlpHttpExporter exporter(options, resource(), "1.0");
  EXPECT_EQ(harness.send(exporter), ExportResult::kSuccess);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_TRUE(requests[0].head.starts_with("POST /custom/path?x=1 HTTP/1.1\r\n"));
  EXPECT_TRUE(has_header(requests[0].head, "Content-Type: application/json"));
  const auto body = boost::json::parse(requests[0].body);
  EXPECT_EQ(body.at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans").at(0).at("traceId"),
            "4bf92f3577b34da6a3ce929d0e0e4736");
}

// ------------------------------------------------------------------ the kept connection

constexpr auto kKeepOpen = TestHttpServer::Connections::kKeepOpen;

std::vector<int> connections_of(const std::vector<testing::ReceivedRequest>& requests) {
  std::vector<int> result;
  for (const auto& request : requests)
    result.push_back(request.connection);
  return result;
}

TEST(OtlpHttpExporter, SendsEveryBatchOverOneConnectionWhileTheCollectorKeepsItOpen) {
  // A body to read past, larger than one read (a collector's partial_success message can
  // be long), so that the next response is only parsed right if this one was read to its end.
  TestHttpServer server({TestHttpServer::reply(200, "", std::string(100'000, 'x'))}, kKeepOpen);
  Harness harness;
  OtlpHttpExporter exporter(harness.options(server.url()), resource(), "1.0");
  for (int batch = 0; batch < 3; ++batch)
    EXPECT_EQ(harness.send(exporter), ExportResult::kSuccess);
  const auto requests = server.requests();
  EXPECT_EQ(connections_of(requests), (std::vector<int>{0, 0, 0}));
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[2].body, requests[0].body);
  EXPECT_EQ(requests[2].head.find("Connection:"), std::string::npos);  // HTTP/1.1 persists
  EXPECT_TRUE(harness.sleeps.empty());
  EXPECT_TRUE(harness.failures.empty()) << harness.failures.front();
}

TEST(OtlpHttpExporter, OpensANewConnectionAfterTheCollectorClosedTheLastOne) {
  TestHttpServer server({TestHttpServer::reply(200)});  // closes after each reply
  Harness harness;
  OtlpHttpExporter exporter(harness.options(server.url()), resource(), "1.0");
  for (int batch = 0; batch < 3; ++batch)
    EXPECT_EQ(harness.send(exporter), ExportResult::kSuccess);
  EXPECT_EQ(connections_of(server.requests()), (std::vector<int>{0, 1, 2}));
  EXPECT_TRUE(harness.sleeps.empty());  // a closed connection is not a failed attempt
  EXPECT_TRUE(harness.failures.empty());
}

TEST(OtlpHttpExporter, ResendsOnANewConnectionWhenTheKeptOneClosesUnderTheRequest) {
  // The second request crosses the collector's close (an idle timeout): read, never
  // answered. It goes again, at once, over a new connection; no backoff, no failure.
  TestHttpServer server(
      {TestHttpServer::reply(200), TestHttpServer::hang_up(), TestHttpServer::reply(200)},
      kKeepOpen);
  Harness harness;
  OtlpHttpExporter exporter(harness.options(server.url()), resource(), "1.0");
  EXPECT_EQ(harness.send(exporter), ExportResult::kSuccess);
  EXPECT_EQ(harness.send(exporter), ExportResult::kSuccess);
  const auto requests = server.requests();
  EXPECT_EQ(connections_of(requests), (std::vector<int>{0, 0, 1}));
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[2].body, requests[1].body);
  EXPECT_TRUE(harness.sleeps.empty());
  EXPECT_TRUE(harness.failures.empty());
}

TEST(OtlpHttpExporter, DoesNotReuseAConnectionTheCollectorSaidItWouldClose) {
  for (const std::string& answer :
       {TestHttpServer::reply(200, "Connection: close\r\n"),
        std::string("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"),
        std::string("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")}) {
    // The server would read a second request on the same connection: only the client's
    // choice makes it a new one.
    TestHttpServer server({answer}, kKeepOpen);
    Harness harness;
    OtlpHttpExporter exporter(harness.options(server.url()), resource(), "1.0");
    EXPECT_EQ(harness.send(exporter), ExportResult::kSuccess) << answer;
    EXPECT_EQ(harness.send(exporter), ExportResult::kSuccess) << answer;
    EXPECT_EQ(connections_of(server.requests()), (std::vector<int>{0, 1})) << answer;
  }
}

TEST(OtlpHttpExporter, ReadsTheFramingOfAResponseHead) {
  auto head = parse_response_head("HTTP/1.1 200 OK\r\ncontent-length: 12\r\n\r\n");
  ASSERT_TRUE(head.has_value());
  EXPECT_TRUE(head->keep_alive);
  EXPECT_EQ(head->content_length, 12u);
  EXPECT_FALSE(head->chunked);
  head = parse_response_head("HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\n\r\n");
  ASSERT_TRUE(head.has_value());
  EXPECT_FALSE(head->keep_alive);
  EXPECT_FALSE(head->content_length.has_value());
  head = parse_response_head("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(head.has_value());
  EXPECT_FALSE(head->keep_alive);
  head = parse_response_head("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
  ASSERT_TRUE(head.has_value());
  EXPECT_TRUE(head->chunked);
  for (const char* unusable : {"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
                               "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
                               "HTTP/1.1 200 OK\r\nContent-Length: 3x\r\n\r\n",
                               "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n"}) {
    head = parse_response_head(unusable);
    ASSERT_TRUE(head.has_value()) << unusable;
    EXPECT_FALSE(head->content_length.has_value()) << unusable;
  }
}

TEST(OtlpHttpExporter, RefusesBadSettingsAtConstruction) {
  Harness harness;
  EXPECT_THROW(OtlpHttpExporter(harness.options("https://x:4318/v1/traces"), resource(), ""),
               std::invalid_argument);
  OtlpHttpOptions injected = harness.options("http://x:4318/v1/traces");
  injected.headers = {{"X-Evil", "a\r\nHost: other"}};
  EXPECT_THROW(OtlpHttpExporter(injected, resource(), ""), std::invalid_argument);
}

TEST(OtlpHttpExporter, ReadsStatusAndRetryAfterFromAResponseHead) {
  auto head = parse_response_head("HTTP/1.1 429 Too Many\r\nX: y\r\nRETRY-AFTER:  7 \r\n\r\n");
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 429);
  EXPECT_EQ(head->retry_after, std::chrono::seconds(7));
  head =
      parse_response_head("HTTP/1.0 503 No\r\nRetry-After: Fri, 31 Dec 1999 23:59:59 GMT\r\n\r\n");
  ASSERT_TRUE(head.has_value());
  EXPECT_FALSE(head->retry_after.has_value());  // HTTP-date form: exponential backoff instead
  EXPECT_FALSE(parse_response_head("SSH-2.0-OpenSSH\r\n\r\n").has_value());
  EXPECT_FALSE(parse_response_head("HTTP/1.1 20 OK\r\n\r\n").has_value());
  EXPECT_TRUE(retryable_status(429) && retryable_status(502) && retryable_status(503) &&
              retryable_status(504));
  EXPECT_FALSE(retryable_status(500) || retryable_status(400) || retryable_status(200));
}

}  // namespace
}  // namespace glassbox::telemetry::trace
