#include "recall_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "engram/concept_store.h"
#include "engram/errors.h"
#include "engram/npy.h"
#include "engram/recall.h"

namespace engram::tool {
namespace {

// A step of the recall that failed: the whole line to print.
class RecallFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The class of `error` as errors.h names it.
const char* error_kind(const StorageError& error) {
  if (dynamic_cast<const ConfigError*>(&error)) return "ConfigError";
  if (dynamic_cast<const PluginError*>(&error)) return "PluginError";
  if (dynamic_cast<const InvalidArgument*>(&error)) return "InvalidArgument";
  if (dynamic_cast<const NotSupported*>(&error)) return "NotSupported";
  if (dynamic_cast<const ConnectionError*>(&error)) return "ConnectionError";
  if (dynamic_cast<const AccessDenied*>(&error)) return "AccessDenied";
  if (dynamic_cast<const CorruptData*>(&error)) return "CorruptData";
  if (dynamic_cast<const BackendError*>(&error)) return "BackendError";
  return "StorageError";
}

// Runs `call`; a StorageError leaves as a RecallFailure saying `where`.
template <class Call>
auto step(const std::string& where, Call&& call) {
  try {
    return call();
  } catch (const StorageError& e) {
    throw RecallFailure(fmt::format("{}: {}: {}", where, error_kind(e), e.what()));
  }
}

// The concept named exactly `name`, read without counting an access:
// search_concepts' LIKE pattern matches at least the name itself, so the
// search widens until the concept is among the matches or every match has
// been seen.
std::optional<Concept> find_concept(ConceptStore& store, const std::string& name) {
  for (std::size_t limit = 64;; limit *= 8) {
    std::vector<Concept> found = store.search_concepts(name, limit);
    for (Concept& candidate : found) {
      if (candidate.name == name) return std::move(candidate);
    }
    if (found.size() < limit) return std::nullopt;
  }
}

// KEY=VALUE as a metadata condition: VALUE as JSON when it parses, else the
// string.
std::pair<std::string, Json> parse_where(const std::string& where) {
  const std::size_t equals = where.find('=');
  if (equals == std::string::npos || equals == 0) {
    throw RecallFailure(
        fmt::format("--where {}: InvalidArgument: expected KEY=VALUE with a non-empty KEY", where));
  }
  const std::string value = where.substr(equals + 1);
  Json parsed = Json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) parsed = value;
  return {where.substr(0, equals), std::move(parsed)};
}

struct Query {
  Array array;
  Json description;                  // for --json
  std::optional<std::int64_t> self;  // --concept's id, left out of the hits
};

Query load_query(ConceptStore& store, const std::string& config, const RecallArgs& args) {
  Query query;
  if (!args.concept_name.empty()) {
    const std::string where = fmt::format("--concept {}", Json(args.concept_name).dump());
    std::optional<Concept> found =
        step(where, [&] { return find_concept(store, args.concept_name); });
    if (!found) {
      throw RecallFailure(
          fmt::format("{}: InvalidArgument: no concept of that name in {}", where, config));
    }
    query.self = found->id;
    query.description = {{"concept", found->name}, {"id", found->id}};
    query.array = std::move(found->embedding);
  } else {
    query.array = step(fmt::format("--vector {}", args.vector_file),
                       [&] { return npy::load(args.vector_file); });
    query.description = {{"vector", args.vector_file}};
  }
  query.description["dtype"] = dtype_name(query.array.dtype());
  query.description["shape"] = query.array.shape();
  return query;
}

void print_table(const Recall<Concept>& recall, const Query& query, const RecallArgs& args,
                 std::FILE* out) {
  std::size_t name_width = 4;
  for (const auto& hit : recall.hits) name_width = std::max(name_width, hit.record.name.size());
  const std::string about = query.self
                                ? fmt::format("concept {}", query.description["concept"].dump())
                                : fmt::format("vector {}", args.vector_file);
  fmt::print(out, "nearest concepts to {} ({}, k={}):\n", about, args.metric, args.k);
  fmt::print(out, "{:>4}  {:>8}  {:<{}}  {:>12}\n", "rank", "id", "name", name_width, "score");
  int rank = 0;
  for (const auto& hit : recall.hits) {
    fmt::print(out, "{:>4}  {:>8}  {:<{}}  {:>12.6f}\n", ++rank, hit.record.id, hit.record.name,
               name_width, hit.score);
  }
  if (recall.hits.empty()) fmt::print(out, "(no concept matched)\n");
  fmt::print(out, "skipped: {}\n", recall.skipped);
}

void print_json(const Recall<Concept>& recall, const Query& query, const RecallArgs& args,
                std::FILE* out) {
  Json hits = Json::array();
  int rank = 0;
  for (const auto& hit : recall.hits) {
    hits.push_back({{"rank", ++rank},
                    {"id", hit.record.id},
                    {"name", hit.record.name},
                    {"score", static_cast<double>(hit.score)},
                    {"metadata", hit.record.metadata}});
  }
  const Json result = {{"metric", args.metric},
                       {"k", args.k},
                       {"query", query.description},
                       {"hits", std::move(hits)},
                       {"skipped", recall.skipped}};
  fmt::print(out, "{}\n", result.dump(2));
}

}  // namespace

CLI::App* add_recall_command(CLI::App& app, RecallArgs& args) {
  CLI::App* command = app.add_subcommand("recall", "the concepts nearest a concept or a vector");
  // Exactly one query: CLI11 makes none or both a usage error.
  CLI::Option_group* query = command->add_option_group("query", "what to recall around (one)");
  const auto non_empty = [](const std::string& value) {
    return value.empty() ? std::string("must not be empty") : std::string();
  };
  query
      ->add_option("--concept", args.concept_name,
                   "query with this concept's embedding (it is left out of the hits)")
      ->check(non_empty);
  query->add_option("--vector", args.vector_file, "query with the array in this .npy file")
      ->check(non_empty);
  query->require_option(1);
  command->add_option("--k", args.k, "how many concepts (default 10)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}));
  command
      ->add_option("--metric", args.metric,
                   "cosine (default) or dot: higher is nearer; l2: "
                   "the distance, lower is nearer")
      ->check(CLI::IsMember({"cosine", "dot", "l2"}));
  command->add_option("--where", args.where,
                      "only concepts whose metadata KEY equals VALUE (JSON if it parses, else "
                      "a string); one --where");
  command->add_option("--prefix", args.prefix, "only concepts whose name starts with P");
  command->add_flag("--json", args.json, "JSON on stdout");
  command->footer(
      "Exact search over every stored embedding of the query's shape, filtered before the\n"
      "top k. --concept NAME asks for k + 1 and drops NAME itself: the k concepts like\n"
      "NAME. Nothing is written: the query concept and the hits do not count as accesses.\n"
      "'skipped' counts admitted embeddings that could not be scored (another shape or\n"
      "dtype, zero norm under cosine).");
  return command;
}

int run_recall(Storage& storage, const std::string& config, const RecallArgs& args,
               std::FILE* out) {
  try {
    if (args.concept_name.empty() == args.vector_file.empty()) {
      throw RecallFailure("InvalidArgument: give one of --concept NAME and --vector FILE.npy");
    }
    if (!storage.has(Role::kConcepts)) {
      throw RecallFailure(
          fmt::format("{}: ConfigError: the config assigns no backend to role concepts", config));
    }
    ConceptStore& store = *storage.concepts();
    ConceptRecallOptions options;
    options.metric = *recall_metric_from_name(args.metric);
    if (!args.prefix.empty()) options.filter.name_prefix = args.prefix;
    if (!args.where.empty()) options.filter.metadata_equals = parse_where(args.where);
    const Query query = load_query(store, config, args);
    const std::size_t asked = query.self ? args.k + 1 : args.k;
    const std::string what = query.self
                                 ? fmt::format("--concept {}", Json(args.concept_name).dump())
                                 : fmt::format("--vector {}", args.vector_file);
    Recall<Concept> recall = step(fmt::format("recall by {} in {}", what, config), [&] {
      return store.nearest_concepts(query.array, asked, options);
    });
    if (query.self) {
      std::erase_if(recall.hits, [&](const auto& hit) { return hit.record.id == *query.self; });
    }
    if (recall.hits.size() > args.k) {
      recall.hits.erase(recall.hits.begin() + static_cast<std::ptrdiff_t>(args.k),
                        recall.hits.end());
    }
    if (args.json) {
      print_json(recall, query, args, out);
    } else {
      print_table(recall, query, args, out);
    }
    return 0;
  } catch (const RecallFailure& failure) {
    fmt::print(stderr, "engram recall: {}\n", failure.what());
    return 1;
  }
}

}  // namespace engram::tool
