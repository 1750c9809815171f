// `engram recall`: the concepts nearest a query embedding, through
// ConceptStore::nearest_concepts (engram/recall.h).
//
//   engram recall [--config C] (--concept NAME | --vector FILE.npy) [--k 10]
//                 [--metric cosine|dot|l2] [--where KEY=VALUE] [--prefix P] [--json]
//
// The query is the embedding of the concept NAME (looked up without counting
// an access) or the array in FILE.npy. With --concept the concept itself is
// left out of the hits ("concepts like NAME"): k + 1 are asked for and NAME
// dropped, so up to k others are printed. --where is metadata equality, the
// value read as JSON when it parses as JSON (3, true, "x", [1,2]) and as a
// string otherwise (one --where: the filter holds one metadata key);
// --prefix keeps names starting with P. A recall is read-only: no access is
// counted.
//
// Output: a table (rank, id, name, score) and the skipped count, or with
// --json one object {"metric", "k", "query", "hits": [{"rank", "id", "name",
// "score", "metadata"}], "skipped"}.
//
// Errors: run_recall prints one line to stderr, "engram recall: <what
// failed and where>: <error kind>: <message>", and returns 1: a config that
// assigns no backend to the concepts role, a --concept that names no concept
// or whose embedding cannot be a query, a --vector file that is missing,
// not .npy, or of a dtype or values the core refuses (InvalidArgument), a
// malformed --where. A bad --k or --metric is a usage error (CLI11, exit 2).
//
// Thread safety: run from main, one call at a time.
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <cstdio>
#include <string>

#include "engram/storage.h"

namespace engram::tool {

struct RecallArgs {
  std::string concept_name;  // --concept
  std::string vector_file;   // --vector
  std::size_t k = 10;
  std::string metric = "cosine";
  std::string where;   // KEY=VALUE, empty for none
  std::string prefix;  // empty for none
  bool json = false;
};

// Adds the `recall` subcommand to `app`, filling `args` (the caller adds
// --config).
CLI::App* add_recall_command(CLI::App& app, RecallArgs& args);

// Runs the recall against `storage` (described as `config` in messages),
// printing to `out`. Returns the exit code: 0, or 1 after printing the error.
int run_recall(Storage& storage, const std::string& config, const RecallArgs& args, std::FILE* out);

}  // namespace engram::tool
