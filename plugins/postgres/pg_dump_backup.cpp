#include "pg_dump_backup.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "engram/errors.h"
#include "engram/publish_file.h"

extern char** environ;

namespace engram::postgres {
namespace {

namespace fs = std::filesystem;

// The most of pg_dump's error output kept for a message.
constexpr std::size_t kErrorBytes = 4096;

// pg_dump's path on the PATH, or empty.
fs::path find_pg_dump() {
  const char* path = std::getenv("PATH");
  std::string_view rest = path != nullptr ? path : "";
  while (true) {
    const auto colon = rest.find(':');
    const std::string_view folder = rest.substr(0, colon);
    if (!folder.empty()) {
      const fs::path candidate = fs::path(folder) / "pg_dump";
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    if (colon == std::string_view::npos) return {};
    rest.remove_prefix(colon + 1);
  }
}

// A conninfo value quoted as libpq reads it: in single quotes, with '\'
// and '\\' escaped.
std::string conninfo_value(std::string_view value) {
  std::string quoted = "'";
  for (const char c : value) {
    if (c == '\'' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "'";
}

// What the connection was made with, as a conninfo string without the
// password, and the password apart.
struct ConnectParameters {
  std::string conninfo;
  std::string password;
};

ConnectParameters parameters_of(PGconn* conn) {
  ConnectParameters parameters;
  const std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(PQconninfo(conn),
                                                                             &PQconninfoFree);
  for (const PQconninfoOption* option = options.get(); option && option->keyword; ++option) {
    if (option->val == nullptr || *option->val == '\0') continue;
    const std::string_view keyword = option->keyword;
    if (keyword == "password") {
      parameters.password = option->val;
      continue;
    }
    if (keyword == "options" || keyword == "application_name") continue;
    parameters.conninfo += std::string(keyword) + "=" + conninfo_value(option->val) + " ";
  }
  return parameters;
}

[[noreturn]] void fail(const Origin& origin, std::string_view where, const std::string& why) {
  throw BackendError("backing up " + std::string(where) + ": " + why, origin.backend);
}

// Runs pg_dump into `file`; throws with its first line of errors.
void run_pg_dump(Connection& connection, const fs::path& pg_dump, std::string_view schema,
                 std::string_view where, const fs::path& file) {
  const Origin& origin = connection.origin();
  const ConnectParameters parameters = parameters_of(connection.get());
  std::vector<std::string> args{pg_dump.string(), "--format=custom",
                                "--schema=\"" + std::string(schema) + "\"",
                                "--file=" + file.string(), "--dbname=" + parameters.conninfo};
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (std::string_view(*entry).rfind("PGPASSWORD=", 0) != 0) env.emplace_back(*entry);
  }
  if (!parameters.password.empty()) env.push_back("PGPASSWORD=" + parameters.password);
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (std::string& entry : env) envp.push_back(entry.data());
  envp.push_back(nullptr);

  int errors[2];
  if (::pipe2(errors, O_CLOEXEC) != 0)
    fail(origin, where, "a pipe: " + std::generic_category().message(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, errors[1], STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  const int spawned =
      ::posix_spawn(&pid, pg_dump.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(errors[1]);
  if (spawned != 0) {
    ::close(errors[0]);
    fail(origin, where,
         "starting " + pg_dump.string() + ": " + std::generic_category().message(spawned));
  }
  std::string output;
  char buffer[1024];
  while (true) {
    const ssize_t got = ::read(errors[0], buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    if (output.size() < kErrorBytes) output.append(buffer, static_cast<std::size_t>(got));
  }
  ::close(errors[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  std::string line = redacted(output, {parameters.password});
  if (const auto end = line.find('\n'); end != std::string::npos) line.erase(end);
  fail(origin, where,
       "pg_dump " +
           (WIFEXITED(status) ? "exited with " + std::to_string(WEXITSTATUS(status))
                              : std::string("was killed")) +
           (line.empty() ? std::string() : ": " + line));
}

}  // namespace

fs::path dump_schema(Connection& connection, std::string_view schema, std::string_view where,
                     std::optional<fs::path> path, double now) {
  const Origin& origin = connection.origin();
  const fs::path pg_dump = find_pg_dump();
  if (pg_dump.empty()) {
    const char* search = std::getenv("PATH");
    throw NotSupported("backing up " + std::string(where) + ": no pg_dump on the PATH (" +
                           (search != nullptr ? search : "") + ")",
                       origin.backend);
  }
  const bool automatic = !path.has_value();
  const fs::path first =
      automatic
          ? fs::current_path() / (std::string(schema) + "_backup_" +
                                  std::to_string(static_cast<long long>(std::floor(now))) + ".dump")
          : fs::absolute(*path);
  std::error_code error;
  if (!automatic && fs::symlink_status(first, error).type() != fs::file_type::not_found) {
    throw InvalidArgument("backing up " + std::string(where) + ": " + first.string() +
                              " exists; a backup never replaces a file",
                          origin.backend);
  }
  // The partial file beside the target, removed whatever happens unless
  // published.
  std::string partial_name =
      (first.parent_path() / ("." + first.filename().string() + ".XXXXXX")).string();
  const int fd = ::mkstemp(partial_name.data());
  if (fd < 0) {
    fail(origin, where,
         "creating a file in " + first.parent_path().string() + ": " +
             std::generic_category().message(errno));
  }
  ::close(fd);
  const fs::path partial = partial_name;
  struct Remove {
    const fs::path& file;
    bool keep = false;
    ~Remove() {
      std::error_code ignored;
      if (!keep) fs::remove(file, ignored);
    }
  } remove{partial};
  run_pg_dump(connection, pg_dump, schema, where, partial);
  for (int n = 0;; ++n) {
    fs::path target = first;
    if (n > 0) {
      target.replace_filename(first.stem().string() + "_" + std::to_string(n) +
                              first.extension().string());
    }
    if (publish_file(partial, target, error)) return target;
    if (!automatic || error != std::errc::file_exists) {
      if (error == std::errc::file_exists) {
        throw InvalidArgument("backing up " + std::string(where) + ": " + target.string() +
                                  " exists; a backup never replaces a file",
                              origin.backend);
      }
      fail(origin, where, "publishing " + target.string() + ": " + error.message());
    }
  }
}

}  // namespace engram::postgres
