#include "app/config/secret_file.hpp"

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <ios>

#include "app/config.hpp"
#include "app/config/text.hpp"

namespace glassbox::app::config_detail {
namespace {

// Secrets are short; the cap keeps a mistaken path (/dev/zero, a log file) from eating memory.
constexpr std::size_t kMaxSecretFileBytes = 64 * 1024;

}  // namespace

std::string read_secret_file(const std::string& path, const std::string& setting) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError(setting, "cannot open file " + quoted(path) + ": " + std::strerror(errno));
  }
  std::string content(kMaxSecretFileBytes + 1, '\0');
  in.read(content.data(), static_cast<std::streamsize>(content.size()));
  if (in.bad()) {
    throw ConfigError(setting, "cannot read file " + quoted(path) + ": " + std::strerror(errno));
  }
  content.resize(static_cast<std::size_t>(in.gcount()));
  if (content.size() > kMaxSecretFileBytes) {
    throw ConfigError(setting, "expected a file of at most " + std::to_string(kMaxSecretFileBytes) +
                                   " bytes, got " + quoted(path) + ", which is larger");
  }
  // Editors and `echo` end files with a newline that is not part of the secret.
  if (content.ends_with("\r\n")) {
    content.resize(content.size() - 2);
  } else if (content.ends_with('\n')) {
    content.pop_back();
  }
  if (content.empty()) {
    throw ConfigError(
        setting, "expected a file holding the value, got " + quoted(path) + ", which is empty");
  }
  return content;
}

}  // namespace glassbox::app::config_detail
