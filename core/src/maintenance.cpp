#include "engram/maintenance.h"

#include <string>

#include "engram/errors.h"

namespace engram {

Maintenance::~Maintenance() = default;

void Maintenance::not_supported(std::string_view operation) const {
  throw NotSupported(std::string(operation) + " is not supported by this backend",
                     std::string(backend_name()));
}

double Maintenance::retention_cutoff(int retention_days, double now) const {
  if (retention_days < 0) {
    throw InvalidArgument(
        "retention_days must not be negative, got " + std::to_string(retention_days),
        std::string(backend_name()));
  }
  return now - retention_days * 86400.0;
}

Json Maintenance::stats() { not_supported("stats"); }
std::filesystem::path Maintenance::backup(std::optional<std::filesystem::path>) {
  not_supported("backup");
}
std::optional<std::filesystem::path> Maintenance::backup_if_due() {
  not_supported("backup_if_due");
}
void Maintenance::compact() { not_supported("compact"); }
std::filesystem::path Maintenance::rotate() { not_supported("rotate"); }
bool Maintenance::rotate_if_needed() { not_supported("rotate_if_needed"); }
std::int64_t Maintenance::cleanup(int) { not_supported("cleanup"); }
std::int64_t Maintenance::clear_expired() { not_supported("clear_expired"); }
void Maintenance::clear_all() { not_supported("clear_all"); }
void Maintenance::sync() { not_supported("sync"); }
void Maintenance::set_option(std::string_view key, const Json&) {
  throw NotSupported("backend '" + std::string(backend_name()) + "', option '" + std::string(key) +
                         "': no option of this backend can change while it runs",
                     std::string(backend_name()));
}
std::vector<std::filesystem::path> Maintenance::files() const { return {}; }

}  // namespace engram
