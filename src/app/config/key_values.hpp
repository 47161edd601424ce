#pragma once

// `k=v,k2=v2` lists with percent-encoded values (OTLP headers, resource attributes).

#include <string>
#include <utility>
#include <vector>

#include "app/config/text.hpp"

namespace glassbox::app::config_detail {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

// What the keys and values must be: HTTP header names and control-free values, or UTF-8.
enum class ListKind { kHeaders, kResourceAttributes };

// `k=v,k2=v2` as W3C Baggage writes it, without properties: optional spaces around keys
// and values, percent-encoded values. Values are never echoed: headers carry API keys.
KeyValues parse_key_values(const RawValue& raw, ListKind kind);

// Later duplicates win, as when the variable is read into a map by other SDKs.
KeyValues without_duplicate_keys(const KeyValues& pairs);

}  // namespace glassbox::app::config_detail
