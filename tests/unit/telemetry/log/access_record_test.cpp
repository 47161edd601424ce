#include "telemetry/log/access_record.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <limits>

#include "log_test_support.hpp"

namespace glassbox::telemetry::log {
namespace {

AccessRecord sample_record() {
  return testing::sample_request();
}

std::string formatted(const AccessRecord& record) {
  std::string line;
  append_access_record(line, "2026-11-23T19:02:49.123Z", "glassbox", record);
  return line;
}

TEST(AccessRecord, HasExactlyTheContractFields) {
  EXPECT_EQ(formatted(sample_record()), testing::kSampleRequestLine);
}

TEST(AccessRecord, LevelFollowsTheStatusClass) {
  EXPECT_EQ(access_level(100), Level::kInfo);
  EXPECT_EQ(access_level(200), Level::kInfo);
  EXPECT_EQ(access_level(304), Level::kInfo);
  EXPECT_EQ(access_level(399), Level::kInfo);
  EXPECT_EQ(access_level(400), Level::kWarn);
  EXPECT_EQ(access_level(499), Level::kWarn);
  EXPECT_EQ(access_level(500), Level::kError);
  EXPECT_EQ(access_level(503), Level::kError);
  AccessRecord record = sample_record();
  record.status_code = 404;
  EXPECT_NE(formatted(record).find(R"("level":"WARN")"), std::string::npos);
  record.status_code = 503;
  EXPECT_NE(formatted(record).find(R"("level":"ERROR")"), std::string::npos);
}

TEST(AccessRecord, DurationIsRoundedToTheMicrosecond) {
  AccessRecord record = sample_record();
  const auto duration_of = [&](double millis) {
    record.duration_ms = millis;
    return boost::json::parse(formatted(record)).as_object().at("duration_ms");
  };
  EXPECT_EQ(duration_of(0.1534).as_double(), 0.153);
  EXPECT_EQ(duration_of(0.1536).as_double(), 0.154);
  EXPECT_EQ(duration_of(12.0).to_number<double>(), 12.0);
  EXPECT_EQ(duration_of(1234.5678).as_double(), 1234.568);
  EXPECT_TRUE(duration_of(std::numeric_limits<double>::quiet_NaN()).is_null());
  EXPECT_TRUE(duration_of(std::numeric_limits<double>::infinity()).is_null());
}

TEST(AccessRecord, EmptyTraceIdsAreLeftOut) {
  AccessRecord record = sample_record();
  record.trace_id = {};
  record.span_id = {};
  const auto object = boost::json::parse(formatted(record)).as_object();
  EXPECT_FALSE(object.contains("trace_id"));
  EXPECT_FALSE(object.contains("span_id"));
}

// A path or user agent cannot end the line or add a field, whatever bytes it holds.
TEST(AccessRecord, CraftedPathAndUserAgentStayInTheirFields) {
  AccessRecord record = sample_record();
  const std::string agent = "x\",\"level\":\"ERROR\",\"status_code\":500}\n{\"forged\":\"\r\t\x01";
  const std::string path = std::string("/a\"b\\c\n\x7f\xff/", 10);
  record.user_agent = agent;
  record.endpoint = path;
  const std::string line = formatted(record);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(line.find('\r'), std::string::npos);
  const auto object = boost::json::parse(line).as_object();
  EXPECT_EQ(object.size(), 15U);
  EXPECT_EQ(object.at("level").as_string(), "INFO");
  EXPECT_EQ(object.at("status_code").as_int64(), 200);
  EXPECT_EQ(object.at("user_agent").as_string(), agent);
  EXPECT_EQ(object.at("endpoint").as_string(), "/a\"b\\c\n\x7f\xEF\xBF\xBD/");
  EXPECT_FALSE(object.contains("forged"));
}

}  // namespace
}  // namespace glassbox::telemetry::log
