#pragma once

// Runs Debian's `protoc --decode_raw` (package protobuf-compiler, installed by
// scripts/bootstrap) on bytes and reads its text output back into a tree, so tests check an
// encoding with an independent decoder rather than with our own.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace glassbox::telemetry::trace::testing {

// One field as decode_raw prints it: a scalar (`value` as printed: 150, 0x..., a quoted
// string already unescaped into `bytes`) or a message with numbered children.
struct RawField {
  std::string value;
  std::string bytes;
  bool is_string = false;
  std::multimap<int, RawField> children;

  std::size_t count(int number) const { return children.count(number); }
  const RawField& at(int number, std::size_t index = 0) const {
    auto range = children.equal_range(number);
    for (auto it = range.first; it != range.second; ++it, --index) {
      if (index == 0) return it->second;
    }
    throw std::out_of_range("no field " + std::to_string(number));
  }
};

inline std::string unescape_c(const std::string& quoted) {
  std::string out;
  for (std::size_t i = 1; i + 1 < quoted.size(); ++i) {
    char c = quoted[i];
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    c = quoted[++i];
    if (c >= '0' && c <= '7') {
      int value = 0;
      for (int digits = 0; digits < 3 && quoted[i] >= '0' && quoted[i] <= '7'; ++digits) {
        value = value * 8 + (quoted[i++] - '0');
      }
      --i;
      out.push_back(static_cast<char>(value));
    } else if (c == 'n') {
      out.push_back('\n');
    } else if (c == 'r') {
      out.push_back('\r');
    } else if (c == 't') {
      out.push_back('\t');
    } else {
      out.push_back(c);  // \" \' \\ .
    }
  }
  return out;
}

inline RawField parse_decode_raw(std::istream& in) {
  RawField root;
  std::vector<RawField*> stack{&root};
  std::string line;
  while (std::getline(in, line)) {
    const std::size_t start = line.find_first_not_of(' ');
    if (start == std::string::npos) continue;
    line = line.substr(start);
    if (line == "}") {
      stack.pop_back();
      continue;
    }
    const int number = std::stoi(line);
    if (line.back() == '{') {
      auto it = stack.back()->children.emplace(number, RawField{});
      stack.push_back(&it->second);
      continue;
    }
    RawField field;
    field.value = line.substr(line.find(": ") + 2);
    field.is_string = field.value.front() == '"';
    if (field.is_string) field.bytes = unescape_c(field.value);
    stack.back()->children.emplace(number, std::move(field));
  }
  return root;
}

// Decodes `bytes`; throws with protoc's message when it fails (or is not installed).
inline RawField decode_raw(const std::string& bytes) {
  char path[] = "/tmp/glassbox-decode-raw-XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  ::close(fd);
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<long>(bytes.size()));
  const std::string command = std::string("protoc --decode_raw < ") + path + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  std::string output;
  char buffer[4096];
  while (pipe != nullptr) {
    const std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe);
    if (n == 0) break;
    output.append(buffer, n);
  }
  const int status = pipe != nullptr ? ::pclose(pipe) : -1;
  ::unlink(path);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("protoc --decode_raw failed (is protobuf-compiler installed?): " +
                             output);
  }
  std::istringstream in(output);
  return parse_decode_raw(in);
}

}  // namespace glassbox::telemetry::trace::testing
