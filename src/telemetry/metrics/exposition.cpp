#include "telemetry/metrics/exposition.hpp"

#include "telemetry/metrics/family_writer.hpp"

namespace glassbox::telemetry::metrics {

void serialize(const Registry& registry, Format format, std::string& out) {
  detail::FamilyWriter writer(format, out);
  registry.visit_families([&writer](const Registry::FamilyView& family) {
    std::visit([&writer](const auto* typed) { writer.write(*typed); }, family);
  });
  if (format == Format::kOpenMetrics) {
    out.append("# EOF\n");
  }
}

std::string render(const Registry& registry, Format format) {
  std::string out;
  serialize(registry, format, out);
  return out;
}

}  // namespace glassbox::telemetry::metrics
