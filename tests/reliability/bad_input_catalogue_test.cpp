// The bad-input catalogue: one table of inputs engram must refuse, each
// with the error kind it must raise, and after each one a read-back of
// every record stored before — a refusal loses nothing.
//
// Areas: the config, plugin loading, every role of every plugin (memory for
// all four, sqlite for episodes and concepts, hdf5 for traces, redis for
// working memory on the shared test server, ENGRAM_TEST_REDIS_PORT), and
// the `engram` tool's commands. The README's reliability section counts
// this table.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <typeinfo>
#include <vector>

#include "engram/array.h"
#include "engram/errors.h"
#include "engram/storage.h"
#include "shell.h"
#include "temp_dir.h"

namespace {

namespace fs = std::filesystem;
using engram::ArrayView;
using engram::Json;

// ------------------------------------------------------------ error kinds

// kExit: a tool command that exits with the code and message expected (its
// case raises a plain StorageError saying so).
enum class Kind { kConfig, kPlugin, kInvalidArgument, kCorruptData, kExit };

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::kConfig: return "ConfigError";
    case Kind::kPlugin: return "PluginError";
    case Kind::kInvalidArgument: return "InvalidArgument";
    case Kind::kCorruptData: return "CorruptData";
    case Kind::kExit: return "the exit code and message expected";
  }
  return "?";
}

bool is_kind(const engram::StorageError& e, Kind kind) {
  switch (kind) {
    case Kind::kConfig: return dynamic_cast<const engram::ConfigError*>(&e) != nullptr;
    case Kind::kPlugin: return dynamic_cast<const engram::PluginError*>(&e) != nullptr;
    case Kind::kInvalidArgument: return dynamic_cast<const engram::InvalidArgument*>(&e) != nullptr;
    case Kind::kCorruptData: return dynamic_cast<const engram::CorruptData*>(&e) != nullptr;
    case Kind::kExit: return typeid(e) == typeid(engram::StorageError);
  }
  return false;
}

// ------------------------------------------------------------ the stores

const std::vector<float>& baseline_values() {
  static const std::vector<float> v{1.5f, -2.25f, 3.0f, 4.125f};
  return v;
}

void check_array(const engram::Array& got) {
  const std::vector<float>& want = baseline_values();
  REQUIRE(got.size() == want.size());
  CHECK(std::memcmp(got.data(), want.data(), want.size() * sizeof(float)) == 0);
}

// Two Storages in one scratch folder — every role on memory, and each role
// on its real backend (sqlite, hdf5, redis) — with one record of every kind
// stored in each before any bad input, and read back after each.
class Stores {
 public:
  Stores() : dir_("catalogue") {
    memory_.emplace(engram::Storage::from_yaml(
        "version: 1\nbackends: {mem: {plugin: memory}}\n"
        "roles: {working_memory: mem, episodes: mem, concepts: mem, traces: mem}\n"));
    const char* port = std::getenv("ENGRAM_TEST_REDIS_PORT");
    REQUIRE(port != nullptr);  // tools/test.sh starts the shared server
    const std::string prefix = "catalogue:" + std::to_string(::getpid()) + ":";
    files_.emplace(engram::Storage::from_yaml(
        "version: 1\nbackends:\n"
        "  db: {plugin: sqlite, db_path: " + (dir_ / "engram.db").string() + "}\n"
        "  arrays: {plugin: hdf5, file_path: " + (dir_ / "traces.h5").string() + "}\n"
        "  fast: {plugin: redis, host: 127.0.0.1, port: " + std::string(port) +
        ", key_prefix: \"" + prefix + "\"}\n"
        "roles: {working_memory: fast, episodes: db, concepts: db, traces: arrays}\n"));
    fill(*memory_, memory_baseline_);
    fill(*files_, files_baseline_);
  }
  ~Stores() {
    try {
      files_->working_memory()->maintenance().clear_all();
    } catch (...) {
    }
  }

  engram::Storage& memory() { return *memory_; }
  engram::Storage& files() { return *files_; }
  const fs::path& dir() const { return dir_.path(); }

  // Every record stored before reads back as stored.
  void check_nothing_lost() {
    check(*memory_, memory_baseline_);
    check(*files_, files_baseline_);
  }

 private:
  struct Baseline {
    std::int64_t episode = 0;
    std::int64_t concept_id = 0;
    std::string snapshot;
    std::string reservoir;
  };

  static void fill(engram::Storage& s, Baseline& b) {
    const ArrayView a(baseline_values());
    s.working_memory()->store_working_memory_pattern("baseline", a, 1700000000.0, {{"k", 1}});
    s.working_memory()->store_attention_weights("baseline", a, 1700000000.0);
    b.episode = s.episodes()->store_episode(a, 0.5, "ctx", 1700000000.0, {{"e", "x"}});
    b.concept_id = s.concepts()->store_concept("baseline", a, {{"c", true}});
    b.snapshot = s.traces()->store_network_snapshot(1700000000.0, a, a, a, {{"s", 2}});
    b.reservoir = s.traces()->store_reservoir_states(1700000001.0, a, "baseline");
  }

  static void check(engram::Storage& s, const Baseline& b) {
    const auto pattern = s.working_memory()->retrieve_working_memory_pattern("baseline");
    REQUIRE(pattern);
    check_array(pattern->pattern);
    CHECK(pattern->metadata == Json{{"k", 1}});
    const auto attention = s.working_memory()->retrieve_attention_weights("baseline");
    REQUIRE(attention);
    check_array(attention->weights);
    const auto episode = s.episodes()->retrieve_episode(b.episode);
    REQUIRE(episode);
    CHECK(episode->context_hash == "ctx");
    check_array(std::get<engram::Array>(episode->experience_data));
    const auto concept_record = s.concepts()->retrieve_concept(b.concept_id);
    REQUIRE(concept_record);
    CHECK(concept_record->name == "baseline");
    check_array(concept_record->embedding);
    const auto snapshot = s.traces()->retrieve_network_snapshot(b.snapshot);
    REQUIRE(snapshot);
    check_array(snapshot->weight_matrix);
    CHECK(snapshot->metadata == Json{{"s", 2}});
    const auto reservoir = s.traces()->retrieve_reservoir_states(b.reservoir);
    REQUIRE(reservoir);
    check_array(reservoir->reservoir_states);
  }

  engram_test::TempDir dir_;
  std::optional<engram::Storage> memory_;
  std::optional<engram::Storage> files_;
  Baseline memory_baseline_;
  Baseline files_baseline_;
};

// ------------------------------------------------------------ the table

struct BadInput {
  std::string area;  // "config", "plugin loading", "<plugin> <role>", "tool"
  std::string what;
  Kind kind;
  std::function<void(Stores&)> run;
};

const std::vector<float> kFloats{1.0f, 2.0f, 3.0f};
const std::vector<std::int64_t> kShortIds{1, 2};
const double kNaN = std::numeric_limits<double>::quiet_NaN();

void open_yaml(const std::string& yaml) { engram::Storage::from_yaml(yaml); }

std::string write_file(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
  return path.string();
}

using Pick = engram::Storage& (Stores::*)();

// Bad inputs every working-memory backend must refuse.
std::vector<BadInput> working_memory_cases(const std::string& area, Pick pick) {
  const auto wm = [pick](Stores& s) { return (s.*pick)().working_memory(); };
  return {
      {area, "pattern hash with a slash", Kind::kInvalidArgument,
       [wm](Stores& s) { wm(s)->store_working_memory_pattern("a/b", ArrayView(kFloats), 1.0); }},
      {area, "empty pattern hash", Kind::kInvalidArgument,
       [wm](Stores& s) { wm(s)->store_working_memory_pattern("", ArrayView(kFloats), 1.0); }},
      {area, "pattern hash `..` on retrieve", Kind::kInvalidArgument,
       [wm](Stores& s) { wm(s)->retrieve_working_memory_pattern(".."); }},
      {area, "NaN inside metadata", Kind::kInvalidArgument,
       [wm](Stores& s) {
         wm(s)->store_working_memory_pattern("baseline", ArrayView(kFloats), 1.0, {{"x", kNaN}});
       }},
      {area, "a zero ttl for a spike train", Kind::kInvalidArgument,
       [wm](Stores& s) {
         wm(s)->cache_spike_train(1.0, ArrayView(kFloats), std::nullopt,
                                  std::chrono::milliseconds(0));
       }},
      {area, "a negative recent window", Kind::kInvalidArgument,
       [wm](Stores& s) { wm(s)->get_recent_spike_trains(-1.0); }},
      {area, "attention context with a control character", Kind::kInvalidArgument,
       [wm](Stores& s) { wm(s)->store_attention_weights("a\nb", ArrayView(kFloats), 1.0); }},
      {area, "a listing cursor it never gave", Kind::kInvalidArgument,
       [wm](Stores& s) { wm(s)->list_working_memory_patterns("after:\x01zz", 10); }},
      {area, "a batch with one bad hash stores none", Kind::kInvalidArgument,
       [wm](Stores& s) {
         engram::WorkingMemoryBatch batch;
         batch.store_working_memory_pattern("baseline", ArrayView(kFloats), 2.0);
         batch.store_working_memory_pattern("../x", ArrayView(kFloats), 2.0);
         wm(s)->store_batch(batch);
       }},
  };
}

std::vector<BadInput> episode_cases(const std::string& area, Pick pick) {
  const auto ep = [pick](Stores& s) { return (s.*pick)().episodes(); };
  return {
      {area, "empty context hash", Kind::kInvalidArgument,
       [ep](Stores& s) { ep(s)->store_episode(ArrayView(kFloats), 0.5, ""); }},
      {area, "NaN performance score", Kind::kInvalidArgument,
       [ep](Stores& s) { ep(s)->store_episode(ArrayView(kFloats), kNaN, "ctx"); }},
      {area, "infinite value inside experience JSON", Kind::kInvalidArgument,
       [ep](Stores& s) {
         ep(s)->store_episode(Json{{"x", std::numeric_limits<double>::infinity()}}, 0.5, "ctx");
       }},
      {area, "task type with a slash", Kind::kInvalidArgument,
       [ep](Stores& s) { ep(s)->store_learning_event("a/b", 0.1, "s"); }},
      {area, "invalid UTF-8 context hash", Kind::kInvalidArgument,
       [ep](Stores& s) { ep(s)->store_episode(ArrayView(kFloats), 0.5, "\xff\xfe"); }},
      {area, "a listing cursor it never gave", Kind::kInvalidArgument,
       [ep](Stores& s) { ep(s)->list_episodes("not a cursor", 10); }},
      {area, "a listing limit of 0", Kind::kInvalidArgument,
       [ep](Stores& s) { ep(s)->list_learning_events({}, 0); }},
  };
}

std::vector<BadInput> concept_cases(const std::string& area, Pick pick) {
  const auto co = [pick](Stores& s) { return (s.*pick)().concepts(); };
  return {
      {area, "empty concept name", Kind::kInvalidArgument,
       [co](Stores& s) { co(s)->store_concept("", ArrayView(kFloats)); }},
      {area, "invalid UTF-8 name", Kind::kInvalidArgument,
       [co](Stores& s) { co(s)->store_concept("\xc3\x28", ArrayView(kFloats)); }},
      {area, "NaN inside metadata", Kind::kInvalidArgument,
       [co](Stores& s) { co(s)->store_concept("n", ArrayView(kFloats), {{"x", kNaN}}); }},
      {area, "NaN relationship strength", Kind::kInvalidArgument,
       [co](Stores& s) { co(s)->add_concept_relationship(1, 1, "is", kNaN); }},
      {area, "empty relationship type", Kind::kInvalidArgument,
       [co](Stores& s) { co(s)->add_concept_relationship(1, 1, "", 1.0); }},
      {area, "a listing cursor it never gave", Kind::kInvalidArgument,
       [co](Stores& s) { co(s)->list_concepts("after:notanumber", 10); }},
      {area, "a batch with one bad name stores none", Kind::kInvalidArgument,
       [co](Stores& s) {
         engram::ConceptBatch batch;
         batch.store_concept("fine", ArrayView(kFloats));
         batch.store_concept("", ArrayView(kFloats));
         co(s)->store_batch(batch);
       }},
  };
}

std::vector<BadInput> trace_cases(const std::string& area, Pick pick) {
  const auto tr = [pick](Stores& s) { return (s.*pick)().traces(); };
  return {
      {area, "reservoir id with a slash", Kind::kInvalidArgument,
       [tr](Stores& s) { tr(s)->store_reservoir_states(1.0, ArrayView(kFloats), "a/b"); }},
      {area, "reservoir id `..`", Kind::kInvalidArgument,
       [tr](Stores& s) { tr(s)->store_reservoir_states(1.0, ArrayView(kFloats), ".."); }},
      {area, "spike times and neuron ids of different lengths", Kind::kInvalidArgument,
       [tr](Stores& s) {
         tr(s)->store_spike_train(1.0, ArrayView(kFloats), ArrayView(kShortIds));
       }},
      {area, "an empty layer name", Kind::kInvalidArgument,
       [tr](Stores& s) { tr(s)->store_layer_outputs(1.0, {{"", ArrayView(kFloats)}}); }},
      {area, "a trace id with a slash on retrieve", Kind::kInvalidArgument,
       [tr](Stores& s) { tr(s)->retrieve_network_snapshot("snapshot_1/../x"); }},
      {area, "NaN in snapshot metadata", Kind::kInvalidArgument,
       [tr](Stores& s) {
         tr(s)->store_network_snapshot(1.0, ArrayView(kFloats), ArrayView(kFloats),
                                       ArrayView(kFloats), {{"x", kNaN}});
       }},
      {area, "a listing cursor it never gave", Kind::kInvalidArgument,
       [tr](Stores& s) { tr(s)->list_network_snapshots("after:\xff", 4); }},
      {area, "metric task type with a control character", Kind::kInvalidArgument,
       [tr](Stores& s) { tr(s)->store_performance_metrics(1.0, {{"acc", 0.5}}, "a\tb"); }},
  };
}

std::vector<BadInput> config_cases() {
  const std::string roles = "roles: {episodes: mem}\n";
  return {
      {"config", "an unknown top-level key", Kind::kConfig,
       [=](Stores&) { open_yaml("version: 1\nbackend: {}\n" + roles); }},
      {"config", "a duplicate key", Kind::kConfig,
       [=](Stores&) {
         open_yaml("version: 1\nbackends: {mem: {plugin: memory}, mem: {plugin: memory}}\n" +
                   roles);
       }},
      {"config", "a role naming no backend", Kind::kConfig,
       [](Stores&) {
         open_yaml("version: 1\nbackends: {mem: {plugin: memory}}\nroles: {episodes: nosuch}\n");
       }},
      {"config", "an unset ${VAR} without default", Kind::kConfig,
       [](Stores&) {
         ::unsetenv("ENGRAM_CATALOGUE_UNSET");
         open_yaml("version: 1\nbackends: {db: {plugin: sqlite, db_path: "
                   "\"${ENGRAM_CATALOGUE_UNSET}\"}}\nroles: {episodes: db}\n");
       }},
      {"config", "an option of the wrong type", Kind::kConfig,
       [](Stores&) {
         open_yaml("version: 1\nbackends: {fast: {plugin: redis, port: seven}}\n"
                   "roles: {working_memory: fast}\n");
       }},
      {"config", "an unknown option", Kind::kConfig,
       [](Stores&) {
         open_yaml("version: 1\nbackends: {db: {plugin: sqlite, db_pth: x.db}}\n"
                   "roles: {episodes: db}\n");
       }},
      {"config", "a plugin that lacks the role", Kind::kConfig,
       [](Stores&) {
         open_yaml("version: 1\nbackends: {a: {plugin: hdf5}}\nroles: {episodes: a}\n");
       }},
      {"config", "version 2", Kind::kConfig,
       [=](Stores&) { open_yaml("version: 2\nbackends: {mem: {plugin: memory}}\n" + roles); }},
      {"config", "not YAML", Kind::kConfig,
       [](Stores&) { open_yaml("version: 1\nbackends: [unclosed\n"); }},
      {"config", "ENGRAM_LOG_LEVEL=bogus", Kind::kConfig,
       [=](Stores&) {
         ::setenv("ENGRAM_LOG_LEVEL", "bogus", 1);
         try {
           open_yaml("version: 1\nbackends: {mem: {plugin: memory}}\n" + roles);
         } catch (...) {
           ::unsetenv("ENGRAM_LOG_LEVEL");
           throw;
         }
         ::unsetenv("ENGRAM_LOG_LEVEL");
       }},
  };
}

std::vector<BadInput> plugin_cases() {
  const std::string dir = ENGRAM_TEST_PLUGIN_DIR;
  const auto with_plugin = [](const std::string& reference) {
    return [reference](Stores&) {
      open_yaml("version: 1\nbackends: {x: {plugin: \"" + reference +
                "\"}}\nroles: {episodes: x}\n");
    };
  };
  return {
      {"plugin loading", "no plugin of that name", Kind::kPlugin, with_plugin("nosuchplugin")},
      {"plugin loading", "a path to no file", Kind::kPlugin,
       with_plugin("/nonexistent/libengram-x.so")},
      {"plugin loading", "a library without the entry point", Kind::kPlugin,
       with_plugin(dir + "/libengram-noentry.so")},
      {"plugin loading", "another ABI", Kind::kPlugin, with_plugin(dir + "/libengram-otherabi.so")},
      {"plugin loading", "another build fingerprint", Kind::kPlugin,
       with_plugin(dir + "/libengram-otherbuild.so")},
      {"plugin loading", "a file that is not a library", Kind::kPlugin,
       [](Stores& s) {
         const std::string path = write_file(s.dir() / "libengram-text.so", "not an ELF file\n");
         open_yaml("version: 1\nbackends: {x: {plugin: \"" + path +
                   "\"}}\nroles: {episodes: x}\n");
       }},
      {"plugin loading", "a plugin named otherwise than its file", Kind::kPlugin,
       with_plugin(dir + "/libengram-misnamed.so")},
  };
}

// The tool on a config of its own (sqlite + hdf5 files in the scratch
// folder, written by `engram demo`); after each command the demo's records
// are counted again.
std::vector<BadInput> tool_cases() {
  const auto expect_exit = [](const std::string& args, int code, const std::string& text) {
    return [=](Stores& s) {
      int status = 0;
      const std::string out = engram_test::capture(
          "cd " + engram_test::shell_quote((s.dir() / "tool").string()) + " && " +
              engram_test::shell_quote(ENGRAM_TOOL) + " " + args + " 2>&1",
          &status);
      INFO(out);
      CHECK(status == code);
      CHECK(out.find(text) != std::string::npos);
      if (status == code && out.find(text) != std::string::npos) {
        throw engram::StorageError("refused with exit " + std::to_string(code));
      }
    };
  };
  return {
      {"tool", "backup over the config's own database", Kind::kExit,
       expect_exit("backup --config engram.yaml --backend arrays --to data/engram.db --force", 1,
                   "keeps its data there")},
      {"tool", "backup over an existing file without --force", Kind::kExit,
       expect_exit("backup --config engram.yaml --backend db --to engram.yaml", 1,
                   "refusing to overwrite")},
      {"tool", "migrate a config onto itself", Kind::kExit,
       expect_exit("migrate --from engram.yaml --to ./engram.yaml", 1, "same config")},
      {"tool", "a negative retention", Kind::kExit,
       expect_exit("cleanup --config engram.yaml --retention-days -3", 2, "retention")},
      {"tool", "an unknown command", Kind::kExit,
       expect_exit("obliterate --config engram.yaml", 2, "A subcommand is required")},
      {"tool", "a backend the config lacks", Kind::kExit,
       expect_exit("stats --config engram.yaml --backend nosuch", 1, "no backend `nosuch`")},
      {"tool", "a config file that does not exist", Kind::kExit,
       expect_exit("stats --config nowhere.yaml", 1, "nowhere.yaml")},
      {"tool", "bench into stores that hold records", Kind::kExit,
       expect_exit("bench engram.yaml --roles episodes --seconds 0.01", 1, "refusing")},
  };
}

std::vector<BadInput> catalogue() {
  std::vector<BadInput> all;
  const auto add = [&all](std::vector<BadInput> more) {
    for (BadInput& b : more) all.push_back(std::move(b));
  };
  add(config_cases());
  add(plugin_cases());
  add(working_memory_cases("memory working_memory", &Stores::memory));
  add(episode_cases("memory episodes", &Stores::memory));
  add(concept_cases("memory concepts", &Stores::memory));
  add(trace_cases("memory traces", &Stores::memory));
  add(working_memory_cases("redis working_memory", &Stores::files));
  add(episode_cases("sqlite episodes", &Stores::files));
  add(concept_cases("sqlite concepts", &Stores::files));
  add(trace_cases("hdf5 traces", &Stores::files));
  add(tool_cases());
  return all;
}

void prepare_tool_folder(const fs::path& dir) {
  fs::create_directories(dir);
  write_file(dir / "engram.yaml",
             "version: 1\nbackends:\n  db: {plugin: sqlite, db_path: data/engram.db}\n"
             "  arrays: {plugin: hdf5, file_path: data/traces.h5}\n"
             "roles: {episodes: db, concepts: db, traces: arrays}\n");
  int status = 0;
  const std::string out = engram_test::capture(
      "cd " + engram_test::shell_quote(dir.string()) + " && " +
          engram_test::shell_quote(ENGRAM_TOOL) + " demo --config engram.yaml --steps 2 2>&1",
      &status);
  INFO(out);
  REQUIRE(status == 0);
}

std::string tool_episode_count(const fs::path& dir) {
  return engram_test::capture("sqlite3 " +
                              engram_test::shell_quote((dir / "data" / "engram.db").string()) +
                              " 'select count(*) from episodes'");
}

}  // namespace

TEST_CASE("bad-input catalogue: every bad input is refused with its kind, nothing is lost",
          "[reliability]") {
  const std::vector<BadInput> cases = catalogue();
  std::map<std::string, int> per_area;
  for (const BadInput& c : cases) ++per_area[c.area];
  CHECK(cases.size() >= 60);
  for (const auto& [area, count] : per_area) {
    INFO(area);
    CHECK(count >= 5);
  }

  Stores stores;
  prepare_tool_folder(stores.dir() / "tool");
  const std::string tool_episodes = tool_episode_count(stores.dir() / "tool");
  REQUIRE(tool_episodes == "2");

  for (const BadInput& c : cases) {
    INFO(c.area << ": " << c.what << " → expected " << kind_name(c.kind));
    bool refused = false;
    try {
      c.run(stores);
    } catch (const engram::StorageError& e) {
      INFO("raised: " << e.what());
      CHECK(is_kind(e, c.kind));
      // The first line says what failed and is one line.
      const std::string message = e.what();
      CHECK_FALSE(message.empty());
      refused = true;
    }
    CHECK(refused);
    stores.check_nothing_lost();
    CHECK(tool_episode_count(stores.dir() / "tool") == tool_episodes);
  }
}
