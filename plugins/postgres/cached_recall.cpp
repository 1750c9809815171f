// STUB (to be replaced): the roles' recall.
#include "concepts.h"
#include "engram/errors.h"
#include "episodes.h"

namespace engram::postgres {
Recall<Concept> PgConcepts::do_nearest_concepts(const RecallQuery&, std::size_t,
                                                const ConceptRecallOptions&, double) {
  throw NotSupported("postgres recall: not yet", "postgres");
}
void PgConcepts::keep_in_step(Connection&, const std::vector<std::int64_t>&,
                              std::int64_t) noexcept {}
Recall<Episode> PgEpisodes::do_nearest_episodes(const RecallQuery&, std::size_t,
                                                const EpisodeRecallOptions&) {
  throw NotSupported("postgres recall: not yet", "postgres");
}
void PgEpisodes::keep_in_step(Connection&, const std::vector<std::int64_t>&,
                              std::int64_t) noexcept {}
}  // namespace engram::postgres
