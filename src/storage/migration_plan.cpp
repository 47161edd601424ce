#include "storage/migration_plan.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <map>

#include "storage/database.hpp"

namespace glassbox::storage {

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    throw StartupError("SHA-256 is not available from OpenSSL");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0x0f]);
  }
  return hex;
}

std::optional<std::int64_t> migration_version(std::string_view file_name) {
  constexpr std::string_view kSuffix = ".sql";
  if (!file_name.ends_with(kSuffix)) {
    return std::nullopt;
  }
  const std::string_view stem = file_name.substr(0, file_name.size() - kSuffix.size());
  const auto underscore = stem.find('_');
  if (underscore == 0 || underscore == std::string_view::npos || underscore + 1 == stem.size()) {
    return std::nullopt;
  }
  const std::string_view digits = stem.substr(0, underscore);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::int64_t version = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), version);
  if (error != std::errc() || end != digits.data() + digits.size() || version <= 0) {
    return std::nullopt;
  }
  return version;
}

std::vector<Migration> load_migrations(std::span<const EmbeddedMigration> files) {
  std::vector<Migration> migrations;
  migrations.reserve(files.size());
  for (const EmbeddedMigration& file : files) {
    const auto version = migration_version(file.file_name);
    if (!version) {
      throw StartupError("migration '" + std::string(file.file_name) +
                         "' is not named NNNN_description.sql with NNNN > 0");
    }
    migrations.push_back({*version, std::string(file.file_name), file.sql, sha256_hex(file.sql)});
  }
  std::sort(migrations.begin(), migrations.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  for (std::size_t i = 1; i < migrations.size(); ++i) {
    if (migrations[i].version == migrations[i - 1].version) {
      throw StartupError("migrations " + migrations[i - 1].name + " and " + migrations[i].name +
                         " have the same version number");
    }
  }
  return migrations;
}

MigrationPlan plan_migrations(std::span<const Migration> available,
                              std::span<const AppliedMigration> applied) {
  std::map<std::int64_t, const AppliedMigration*> applied_by_version;
  for (const AppliedMigration& row : applied) {
    applied_by_version.emplace(row.version, &row);
  }
  std::map<std::int64_t, const Migration*> available_by_version;
  for (const Migration& migration : available) {
    available_by_version.emplace(migration.version, &migration);
  }

  MigrationPlan plan;
  for (const auto& [version, row] : applied_by_version) {
    const auto found = available_by_version.find(version);
    if (found == available_by_version.end()) {
      plan.unknown.push_back(*row);
      continue;
    }
    const Migration& migration = *found->second;
    if (migration.checksum != row->checksum) {
      throw StartupError("migration " + migration.name +
                         " was changed after it was applied to this database (checksum " +
                         row->checksum + " recorded in schema_migrations, " + migration.checksum +
                         " built in). Restore the original file and put the change in a new "
                         "migration.");
    }
  }

  const AppliedMigration* newest =
      applied_by_version.empty() ? nullptr : applied_by_version.rbegin()->second;
  for (const auto& [version, migration] : available_by_version) {
    if (applied_by_version.contains(version)) {
      continue;
    }
    if (newest != nullptr && version < newest->version) {
      throw StartupError("migration " + migration->name + " is older than migration " +
                         newest->name + ", which is already applied; give it a number above " +
                         std::to_string(newest->version) + " so it runs after it.");
    }
    plan.pending.push_back(*migration);
  }
  return plan;
}

}  // namespace glassbox::storage
