#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>

#include "app/config.hpp"

namespace glassbox::app {
namespace {

using Environment = std::map<std::string, std::string>;

std::optional<ConfigError> error_for(const Environment& environment) {
  try {
    parse_command_line(environment, {});
  } catch (const ConfigError& error) {
    return error;
  }
  return std::nullopt;
}

// A file in a fresh temp directory, removed with the object.
class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    path_ =
        std::filesystem::temp_directory_path() /
        ("glassbox-security-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::ofstream(path_) << content;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

TEST(SecuritySettings, EverythingIsOffByDefault) {
  const SecurityConfig security = parse_command_line({}, {}).config.security;
  EXPECT_FALSE(security.tls_certificate_path);
  EXPECT_TRUE(security.api_keys.empty());
  EXPECT_EQ(security.rate_limit_rps, 0);
}

TEST(SecuritySettings, TlsNeedsBothFilesAndNamesTheMissingOne) {
  auto only_cert = error_for({{"GLASSBOX_TLS_CERT", "/c.pem"}});
  ASSERT_TRUE(only_cert);
  EXPECT_EQ(only_cert->setting(), "GLASSBOX_TLS_KEY");
  auto only_key = error_for({{"GLASSBOX_TLS_KEY", "/k.pem"}});
  ASSERT_TRUE(only_key);
  EXPECT_EQ(only_key->setting(), "GLASSBOX_TLS_CERT");
  const auto both =
      parse_command_line({{"GLASSBOX_TLS_CERT", "/c.pem"}, {"GLASSBOX_TLS_KEY", "/k.pem"}}, {})
          .config.security;
  EXPECT_EQ(both.tls_certificate_path, "/c.pem");
  EXPECT_EQ(both.tls_private_key_path, "/k.pem");
}

TEST(SecuritySettings, ApiKeysFileSkipsCommentsBlankLinesAndSpaces) {
  const TempFile file("# writers\n\n  first-key \r\nsecond-key\n# retired: old-key\n");
  const auto keys =
      parse_command_line({{"GLASSBOX_API_KEYS_FILE", file.path()}}, {}).config.security.api_keys;
  EXPECT_EQ(keys, (std::vector<std::string>{"first-key", "second-key"}));
}

TEST(SecuritySettings, ApiKeysFileWithoutKeysOrWithABadLineIsRefusedWithoutEchoingIt) {
  const TempFile comments("# none yet\n");
  auto error = error_for({{"GLASSBOX_API_KEYS_FILE", comments.path()}});
  ASSERT_TRUE(error);
  EXPECT_EQ(error->setting(), "GLASSBOX_API_KEYS_FILE");
  const TempFile spaced("good-key\nsecret-part other-part\n");
  error = error_for({{"GLASSBOX_API_KEYS_FILE", spaced.path()}});
  ASSERT_TRUE(error);
  EXPECT_NE(std::string(error->what()).find("line 2"), std::string::npos) << error->what();
  EXPECT_EQ(std::string(error->what()).find("secret-part"), std::string::npos) << error->what();
  error = error_for({{"GLASSBOX_API_KEYS_FILE", "/nonexistent/keys"}});
  ASSERT_TRUE(error);
  EXPECT_EQ(error->setting(), "GLASSBOX_API_KEYS_FILE");
}

TEST(SecuritySettings, RateLimitBurstDefaultsToTheRateRoundedUp) {
  auto security = parse_command_line({{"GLASSBOX_RATE_LIMIT_RPS", "2.5"}}, {}).config.security;
  EXPECT_EQ(security.rate_limit_rps, 2.5);
  EXPECT_EQ(security.rate_limit_burst, 3u);
  security = parse_command_line({{"GLASSBOX_RATE_LIMIT_RPS", "0.1"}}, {}).config.security;
  EXPECT_EQ(security.rate_limit_burst, 1u);
  security = parse_command_line(
                 {{"GLASSBOX_RATE_LIMIT_RPS", "10"}, {"GLASSBOX_RATE_LIMIT_BURST", "50"}}, {})
                 .config.security;
  EXPECT_EQ(security.rate_limit_burst, 50u);
}

TEST(SecuritySettings, BadRateLimitValuesNameTheSetting) {
  for (const char* value : {"-1", "fast", "inf", "2000000"}) {
    const auto error = error_for({{"GLASSBOX_RATE_LIMIT_RPS", value}});
    ASSERT_TRUE(error) << value;
    EXPECT_EQ(error->setting(), "GLASSBOX_RATE_LIMIT_RPS");
  }
  const auto clients = error_for({{"GLASSBOX_RATE_LIMIT_CLIENTS", "0"}});
  ASSERT_TRUE(clients);
  EXPECT_EQ(clients->setting(), "GLASSBOX_RATE_LIMIT_CLIENTS");
}

TEST(SecuritySettings, OtlpHeadersHaveAFileVariantAndBothAreRefused) {
  const TempFile file("api-key=from%20file\n");
  const auto headers = parse_command_line({{"OTEL_EXPORTER_OTLP_HEADERS_FILE", file.path()}}, {})
                           .config.tracing.headers;
  ASSERT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers[0].first, "api-key");
  EXPECT_EQ(headers[0].second, "from file");
  const auto both = error_for(
      {{"OTEL_EXPORTER_OTLP_HEADERS", "a=b"}, {"OTEL_EXPORTER_OTLP_HEADERS_FILE", file.path()}});
  ASSERT_TRUE(both);
  EXPECT_EQ(both->setting(), "OTEL_EXPORTER_OTLP_HEADERS_FILE");
}

}  // namespace
}  // namespace glassbox::app
