#include "telemetry/log/log_record.hpp"

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

TEST(LogRecord, IntegersKeepEveryDigit) {
  const std::string line = format_record("t", Level::kDebug, "s", "l", "m",
                                         {{"big", std::int64_t{-9223372036854775807 - 1}}});
  EXPECT_NE(line.find(R"("level":"DEBUG")"), std::string::npos);
  EXPECT_NE(line.find(R"("big":-9223372036854775808})"), std::string::npos);
}

TEST(LogRecord, BodyIsWhatFollowsTheTimestamp) {
  std::string body;
  append_record_body(body, Level::kError, "svc", "app", "Stopped", {{"code", 2}});
  EXPECT_EQ(body,
            R"("level":"ERROR","service":"svc","logger":"app","message":"Stopped","code":2})");
}

}  // namespace
}  // namespace glassbox::telemetry::log
