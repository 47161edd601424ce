#include "telemetry/trace/http_endpoint.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace glassbox::telemetry::trace {
namespace {

TEST(OtlpHttpEndpoint, ParsesHostPortAndPath) {
  const HttpEndpoint endpoint = parse_http_endpoint("http://localhost:4318/v1/traces");
  EXPECT_EQ(endpoint.host, "localhost");
  EXPECT_EQ(endpoint.port, 4318);
  EXPECT_EQ(endpoint.target, "/v1/traces");
  EXPECT_EQ(endpoint.host_header, "localhost:4318");
}

TEST(OtlpHttpEndpoint, DefaultsPortAndPathAndKeepsTheQuery) {
  EXPECT_EQ(parse_http_endpoint("HTTP://collector"),
            (HttpEndpoint{"collector", 80, "/", "collector"}));
  EXPECT_EQ(parse_http_endpoint("http://collector?x=1#frag"),
            (HttpEndpoint{"collector", 80, "/?x=1", "collector"}));
  EXPECT_EQ(parse_http_endpoint("http://10.0.0.2:4318/otlp/v1/traces?tenant=a"),
            (HttpEndpoint{"10.0.0.2", 4318, "/otlp/v1/traces?tenant=a", "10.0.0.2:4318"}));
}

TEST(OtlpHttpEndpoint, ReadsBracketedIpv6) {
  EXPECT_EQ(parse_http_endpoint("http://[::1]:4318/v1/traces"),
            (HttpEndpoint{"::1", 4318, "/v1/traces", "[::1]:4318"}));
  EXPECT_EQ(parse_http_endpoint("http://[::1]/"), (HttpEndpoint{"::1", 80, "/", "[::1]"}));
}

TEST(OtlpHttpEndpoint, RefusesHttpsWithAClearMessage) {
  try {
    parse_http_endpoint("https://tempo.example:4318/v1/traces");
    FAIL() << "https accepted";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("https is not supported"), std::string::npos);
  }
}

TEST(OtlpHttpEndpoint, RefusesMalformedUrls) {
  for (const char* url :
       {"", "localhost:4318", "ftp://x/", "http://", "http://:4318/", "http://host:0/",
        "http://host:65536/", "http://host:abc/", "http://host:/", "http://user@host/",
        "http://ho st/", "http://host/\r\nX: y", "http://[::1/", "http://::1:4318/",
        "http://[::1]x/"}) {
    EXPECT_THROW(parse_http_endpoint(url), std::invalid_argument) << url;
  }
}

}  // namespace
}  // namespace glassbox::telemetry::trace
