// An engram host: opens the YAML config named on the command line and uses
// two roles, working memory and episodes, and recalls the episode nearest
// a pattern (semantic recall, engram/recall.h). It links engram::core only; the
// backends are plugins the core loads from beside itself.
//
//   engram-host-example CONFIG
//
// Prints what it stored and read back; exits 1 with engram's error on
// stderr when the config or a backend fails.
#include <cstdint>
#include <cstdio>
#include <exception>
#include <vector>

#include "engram/errors.h"
#include "engram/recall.h"
#include "engram/storage.h"
#include "engram/version.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CONFIG\n", argv[0]);
    return 2;
  }
  try {
    engram::Storage storage = engram::Storage::open(argv[1]);

    // Working memory: a pattern under its hash, read back.
    const std::vector<float> pattern{0.25f, 0.5f, 0.75f};
    auto memory = storage.working_memory();
    memory->store_working_memory_pattern("pattern-a", engram::ArrayView(pattern), 1.0);
    const auto found = memory->retrieve_working_memory_pattern("pattern-a");
    if (!found || found->pattern.values<float>()[2] != 0.75f) {
      std::fprintf(stderr, "working memory lost pattern-a\n");
      return 1;
    }

    // Episodes: one stored, then found by its context.
    auto episodes = storage.episodes();
    const std::int64_t id = episodes->store_episode(pattern, 0.9, "maze");
    const auto in_maze = episodes->get_episodes_by_context("maze", 100);

    // Recall: the episode whose experience is nearest the pattern (cosine),
    // among those of context maze.
    engram::EpisodeRecallOptions options;
    options.filter.context_hash = "maze";
    const auto nearest = episodes->nearest_episodes(engram::ArrayView(pattern), 1, options);
    if (nearest.hits.empty()) {
      std::fprintf(stderr, "recall found no episode in context maze\n");
      return 1;
    }

    std::printf("engram %.*s: pattern-a read back, episode %lld stored, %zu in context maze; "
                "nearest the pattern: episode %lld (cosine %.3f)\n",
                static_cast<int>(engram::core_version().size()), engram::core_version().data(),
                static_cast<long long>(id), in_maze.size(),
                static_cast<long long>(nearest.hits[0].record.id), nearest.hits[0].score);
    return 0;
  } catch (const engram::StorageError& e) {
    std::fprintf(stderr, "engram-host-example: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "engram-host-example: unexpected error: %s\n", e.what());
    return 1;
  }
}
