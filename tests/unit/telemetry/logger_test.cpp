#include "telemetry/log/logger.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace glassbox::telemetry::log {
namespace {

TEST(LogRecord, HasContractFieldsInOrder) {
  const std::string line =
      format_record("2026-11-23T19:02:49.123Z", Level::kWarn, "glassbox", "http.server",
                    "Listening", {{"port", 8080}, {"address", "0.0.0.0"}, {"ok", true}});
  EXPECT_EQ(
      line,
      R"({"timestamp":"2026-11-23T19:02:49.123Z","level":"WARN","service":"glassbox",)"
      R"("logger":"http.server","message":"Listening","port":8080,"address":"0.0.0.0","ok":true})");
}

TEST(LogRecord, CraftedValuesCannotForgeFields) {
  const std::string line = format_record("t", Level::kInfo, "s", "l", "m",
                                         {{"user_agent", "x\",\"level\":\"ERROR\"\n{"}});
  const auto value = boost::json::parse(line).as_object();
  EXPECT_EQ(value.at("level").as_string(), "INFO");
  EXPECT_EQ(value.at("user_agent").as_string(), "x\",\"level\":\"ERROR\"\n{");
}

TEST(LogRecord, NonFiniteNumbersBecomeNull) {
  const std::string line = format_record("t", Level::kInfo, "s", "l", "m", {{"ratio", 1.0 / 0.0}});
  EXPECT_NE(line.find(R"("ratio":null)"), std::string::npos);
}

TEST(Rfc3339, FormatsMillisecondsInUtc) {
  EXPECT_EQ(format_rfc3339_millis(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339_millis(1795460569123), "2026-11-23T19:02:49.123Z");
  EXPECT_EQ(format_rfc3339_millis(-1), "1969-12-31T23:59:59.999Z");
}

}  // namespace
}  // namespace glassbox::telemetry::log
