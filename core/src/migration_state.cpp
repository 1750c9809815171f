// migration_state.cpp — see migration_state.h.
#include "migration_state.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "engram/errors.h"

namespace engram::detail {

namespace {

constexpr std::string_view kFormat = "engram-migrate-state";
constexpr int kVersion = 1;

// A file descriptor, closed when it goes.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const noexcept { return fd_; }
  // Closes now; returns close's errno, 0 on success.
  int close() noexcept {
    const int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0 ? 0 : errno;
  }

 private:
  int fd_;
};

[[noreturn]] void fail(const std::string& doing, const std::filesystem::path& file, int error) {
  const std::string message =
      "migrate: " + doing + " the state file " + file.string() + ": " + std::strerror(error);
  if (error == EACCES || error == EPERM || error == EROFS) {
    throw AccessDenied(message, {}, error);
  }
  throw BackendError(message, {}, error);
}

Json progress_json(const KindProgress& p) {
  return {{"done", p.done},         {"cursor", p.cursor},
          {"at_end", p.at_end},     {"target_before", p.target_before},
          {"added", p.added},       {"copied", p.copied},
          {"skipped", p.skipped},   {"replaced", p.replaced},
          {"remapped", p.remapped}, {"bytes", p.bytes},
          {"undecodable", p.undecodable}};
}

KindProgress progress_of(const Json& j) {
  KindProgress p;
  p.done = j.at("done").get<bool>();
  p.cursor = j.at("cursor").get<std::string>();
  p.at_end = j.at("at_end").get<bool>();
  p.target_before = j.at("target_before").get<std::int64_t>();
  p.added = j.at("added").get<std::int64_t>();
  p.copied = j.at("copied").get<std::int64_t>();
  p.skipped = j.at("skipped").get<std::int64_t>();
  p.replaced = j.at("replaced").get<std::int64_t>();
  p.remapped = j.at("remapped").get<std::int64_t>();
  p.bytes = j.at("bytes").get<std::int64_t>();
  // Absent in files of engram 0.2.0 (before skip_undecodable).
  p.undecodable = j.value("undecodable", std::int64_t{0});
  return p;
}

Json to_json(const MigrationState& state) {
  Json kinds = Json::object();
  for (const auto& [kind, progress] : state.kinds) kinds[kind] = progress_json(progress);
  Json ids = Json::array();
  for (const auto& [from, to] : state.concept_ids) ids.push_back({from, to});
  Json out = {
      {"format", kFormat},      {"version", kVersion},  {"source", state.source},
      {"target", state.target}, {"roles", state.roles}, {"fingerprint", state.fingerprint},
      {"kinds", kinds},         {"concept_ids", ids},   {"joined_concepts", state.joined_concepts},
      {"unconfirmed", nullptr}};
  if (!state.undecodable_concepts.empty()) {
    Json undecodable = Json::array();
    for (const auto& [id, error] : state.undecodable_concepts) undecodable.push_back({id, error});
    out["undecodable_concepts"] = std::move(undecodable);
  }
  if (state.unconfirmed) {
    Json records = Json::array();
    for (const auto& r : state.unconfirmed->records) {
      records.push_back({{"key", r.key},
                         {"digest", r.digest},
                         {"source_id", r.source_id},
                         {"replaces", r.replaces}});
    }
    out["unconfirmed"] = {{"kind", state.unconfirmed->kind},
                          {"cursor_after", state.unconfirmed->cursor_after},
                          {"page_records", state.unconfirmed->page_records},
                          {"delta", progress_json(state.unconfirmed->delta)},
                          {"records", records}};
  }
  return out;
}

MigrationState from_json(const Json& j) {
  MigrationState state;
  state.source = j.at("source");
  state.target = j.at("target");
  state.roles = j.at("roles").get<std::vector<std::string>>();
  state.fingerprint = j.at("fingerprint");
  if (!state.fingerprint.is_object()) throw Json::type_error::create(302, "fingerprint", nullptr);
  for (const auto& [kind, progress] : j.at("kinds").items()) {
    state.kinds[kind] = progress_of(progress);
  }
  for (const auto& pair : j.at("concept_ids")) {
    state.concept_ids[pair.at(0).get<std::int64_t>()] = pair.at(1).get<std::int64_t>();
  }
  state.joined_concepts = j.at("joined_concepts").get<std::set<std::int64_t>>();
  if (const auto at = j.find("undecodable_concepts"); at != j.end()) {
    for (const auto& pair : *at) {
      state.undecodable_concepts[pair.at(0).get<std::int64_t>()] = pair.at(1).get<std::string>();
    }
  }
  const Json& unconfirmed = j.at("unconfirmed");
  if (!unconfirmed.is_null()) {
    UnconfirmedBatch batch;
    batch.kind = unconfirmed.at("kind").get<std::string>();
    batch.cursor_after = unconfirmed.at("cursor_after").get<std::string>();
    batch.page_records = unconfirmed.at("page_records").get<std::int64_t>();
    batch.delta = progress_of(unconfirmed.at("delta"));
    for (const auto& r : unconfirmed.at("records")) {
      batch.records.push_back({r.at("key").get<std::string>(), r.at("digest").get<std::string>(),
                               r.at("source_id").get<std::int64_t>(),
                               r.at("replaces").get<bool>()});
    }
    state.unconfirmed = std::move(batch);
  }
  return state;
}

}  // namespace

bool MigrationState::finished() const {
  if (unconfirmed) return false;
  for (const auto& [kind, progress] : kinds) {
    if (!progress.done) return false;
  }
  return true;
}

std::filesystem::path migration_state_temp(const std::filesystem::path& file) {
  return std::filesystem::path(file.string() + ".tmp");
}

std::optional<MigrationState> load_migration_state(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return std::nullopt;
  std::ifstream in(file, std::ios::binary);
  if (!in) fail("reading", file, errno != 0 ? errno : EIO);
  std::ostringstream text;
  text << in.rdbuf();
  const std::string not_ours = "migrate: " + file.string() +
                               " exists and is not a migration state file; refusing to write "
                               "over it (name another with --state)";
  const Json j = Json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || j.value("format", "") != kFormat) throw InvalidArgument(not_ours);
  if (j.value("version", 0) != kVersion) {
    throw NotSupported("migrate: the state file " + file.string() + " has version " +
                       j.value("version", Json()).dump() + "; this build reads version " +
                       std::to_string(kVersion));
  }
  try {
    return from_json(j);
  } catch (const Json::exception& e) {
    throw CorruptData("migrate: the state file " + file.string() + " is damaged (" + e.what() +
                      "); delete it to start over");
  }
}

void save_migration_state(const std::filesystem::path& file, const MigrationState& state) {
  const std::string text = to_json(state).dump(1) + "\n";
  const std::filesystem::path temp = migration_state_temp(file);
  {
    Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (fd.get() < 0) fail("writing", temp, errno);
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        const int error = errno;
        ::unlink(temp.c_str());
        fail("writing", temp, error);
      }
      done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0 || fd.close() != 0) {
      const int error = errno;
      ::unlink(temp.c_str());
      fail("writing", temp, error);
    }
  }
  if (::rename(temp.c_str(), file.c_str()) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    fail("renaming over", file, error);
  }
  // The rename is durable once the folder is.
  const std::filesystem::path folder =
      file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  Fd dir(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() >= 0) ::fsync(dir.get());
}

}  // namespace engram::detail
