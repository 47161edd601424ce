#include "telemetry/trace/resource.hpp"

#include <unistd.h>

#include <array>
#include <climits>
#include <cstdio>

#include "telemetry/trace/random_ids.hpp"

namespace glassbox::telemetry::trace {
namespace {

std::string random_uuid() {
  std::uint64_t high = random_u64();
  std::uint64_t low = random_u64();
  high = (high & ~0xF000ULL) | 0x4000ULL;            // version 4
  low = (low & ~(0xC0ULL << 56)) | (0x80ULL << 56);  // RFC 4122 variant
  std::array<char, 40> text{};
  std::snprintf(text.data(), text.size(), "%08llx-%04llx-%04llx-%04llx-%012llx",
                static_cast<unsigned long long>(high >> 32),
                static_cast<unsigned long long>((high >> 16) & 0xFFFF),
                static_cast<unsigned long long>(high & 0xFFFF),
                static_cast<unsigned long long>(low >> 48),
                static_cast<unsigned long long>(low & 0xFFFFFFFFFFFFULL));
  return text.data();
}

std::string local_host_name() {
  std::array<char, HOST_NAME_MAX + 1> name{};
  if (::gethostname(name.data(), name.size() - 1) != 0) return "unknown";
  return name.data();
}

void put(std::vector<std::pair<std::string, std::string>>& attributes, std::string_view key,
         std::string_view value) {
  for (auto& [existing, existing_value] : attributes) {
    if (existing == key) {
      existing_value.assign(value);
      return;
    }
  }
  attributes.emplace_back(key, value);
}

bool fixed_key(std::string_view key) {
  return key == "service.name" || key.starts_with("telemetry.sdk.");
}

}  // namespace

std::optional<std::string_view> Resource::find(std::string_view key) const noexcept {
  for (const auto& [name, value] : attributes) {
    if (name == key) return value;
  }
  return std::nullopt;
}

Resource make_resource(const ResourceOptions& options) {
  Resource resource;
  auto& attributes = resource.attributes;
  put(attributes, "service.name", options.service_name);
  put(attributes, "service.version", options.service_version);
  put(attributes, "service.instance.id",
      options.service_instance_id.empty() ? random_uuid() : options.service_instance_id);
  put(attributes, "host.name", options.host_name.empty() ? local_host_name() : options.host_name);
  put(attributes, "telemetry.sdk.language", "cpp");
  put(attributes, "telemetry.sdk.name", kSdkName);
  put(attributes, "telemetry.sdk.version", options.service_version);
  for (const auto& [key, value] : options.extra_attributes) {
    if (!key.empty() && !fixed_key(key)) put(attributes, key, value);
  }
  return resource;
}

}  // namespace glassbox::telemetry::trace
