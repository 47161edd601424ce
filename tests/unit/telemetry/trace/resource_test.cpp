#include "telemetry/trace/resource.hpp"

#include <gtest/gtest.h>

#include <regex>

namespace glassbox::telemetry::trace {
namespace {

TEST(TraceResource, HasTheContractAttributesInOrder) {
  ResourceOptions options;
  options.service_name = "checkout";
  options.service_version = "0.1.0";
  const Resource resource = make_resource(options);
  ASSERT_GE(resource.attributes.size(), 7u);
  const char* expected_keys[] = {
      "service.name",           "service.version",    "service.instance.id",  "host.name",
      "telemetry.sdk.language", "telemetry.sdk.name", "telemetry.sdk.version"};
  for (std::size_t i = 0; i < 7; ++i)
    EXPECT_EQ(resource.attributes[i].first, expected_keys[i]);
  EXPECT_EQ(resource.find("service.name"), "checkout");
  EXPECT_EQ(resource.find("telemetry.sdk.language"), "cpp");
  EXPECT_FALSE(resource.find("host.name")->empty());
  EXPECT_TRUE(std::regex_match(
      std::string(*resource.find("service.instance.id")),
      std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
}

TEST(TraceResource, ExtraAttributesOverrideDetectedOnesButNotServiceNameOrSdk) {
  ResourceOptions options;
  options.service_name = "from-otel-service-name";
  options.host_name = "detected";
  options.extra_attributes = {{"host.name", "configured"},
                              {"service.name", "ignored"},
                              {"telemetry.sdk.language", "rust"},
                              {"deployment.environment", "staging"},
                              {"", "no key"},
                              {"deployment.environment", "prod"}};
  const Resource resource = make_resource(options);
  EXPECT_EQ(resource.find("host.name"), "configured");
  EXPECT_EQ(resource.find("service.name"), "from-otel-service-name");
  EXPECT_EQ(resource.find("telemetry.sdk.language"), "cpp");
  EXPECT_EQ(resource.find("deployment.environment"), "prod");
  EXPECT_FALSE(resource.find(""));
  EXPECT_EQ(resource.attributes.size(), 8u);  // keys stay unique
}

TEST(TraceResource, KeepsAGivenInstanceId) {
  ResourceOptions options;
  options.service_instance_id = "pod-7";
  EXPECT_EQ(make_resource(options).find("service.instance.id"), "pod-7");
  ResourceOptions random;
  EXPECT_NE(make_resource(random).find("service.instance.id"),
            make_resource(random).find("service.instance.id"));
}

}  // namespace
}  // namespace glassbox::telemetry::trace
