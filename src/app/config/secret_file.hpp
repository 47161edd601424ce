#pragma once

// Reading a secret from the file a VARIABLE_FILE setting names (a mounted secret).

#include <string>

namespace glassbox::app::config_detail {

// The file's content without one trailing newline. Throws ConfigError naming `setting` when
// the file cannot be read, is too large or is empty.
std::string read_secret_file(const std::string& path, const std::string& setting);

}  // namespace glassbox::app::config_detail
