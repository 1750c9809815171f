// migrate.cpp — see engram/migrate.h.
//
// A migration runs in three passes over the chosen kinds, each driven by
// the same per-kind description (KindSpec: how to list either side, a
// record's key, where the target would hold it, how to put and store it):
//   resolve  the page an interrupted run left unconfirmed: stored or not?
//   check    with OnConflict::kFail, every remaining keyed record against
//            the target, before anything is written;
//   copy     page by page, with the state file written around each store.
#include "engram/migrate.h"

#include <algorithm>
#include <charconv>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <variant>

#include "engram/concept_store.h"
#include "engram/episode_store.h"
#include "engram/errors.h"
#include "engram/ids.h"
#include "engram/log.h"
#include "engram/trace_store.h"
#include "engram/working_memory.h"
#include "migration_state.h"
#include "record_digest.h"

namespace engram {

std::string_view on_conflict_name(OnConflict value) noexcept {
  switch (value) {
    case OnConflict::kFail:
      return "fail";
    case OnConflict::kSkip:
      return "skip";
    case OnConflict::kReplace:
      return "replace";
  }
  return "fail";
}

namespace {

using detail::content_digest;
using detail::KindProgress;
using detail::MigrationState;
using detail::UnconfirmedBatch;
using detail::UnconfirmedRecord;

// Runs `call`, rethrowing a backend's error with `context` in front.
template <class Call>
auto guarded(const std::string& context, Call&& call) {
  try {
    return call();
  } catch (const StorageError& e) {
    rethrow_with_context(e, context);
  }
}

std::int64_t bytes_of(const Array& array) { return static_cast<std::int64_t>(array.nbytes()); }

// Where the target holds a record under the source record's key.
enum class Found {
  kAbsent,     // nothing there
  kEqual,      // a record of equal content
  kDifferent,  // another record
};
struct Lookup {
  Found found = Found::kAbsent;
  std::int64_t target_id = 0;  // concepts: the target's concept of that name
  bool moved = false;          // traces: the equal record is under another id
};

template <class Record, class Batch>
struct KindSpec {
  Role role = Role::kWorkingMemory;
  std::string_view kind;
  std::size_t page_size = 1;
  // Traces: a conflict is a record of equal content (the role never
  // overwrites); other keyed kinds: any record under the key.
  bool trace = false;
  std::function<Page<Record>(std::string_view, std::size_t)> list;
  std::function<Page<Record>(std::string_view, std::size_t)> list_target;
  // Keyed kinds only (null for the others): the key as the state file keeps
  // it, and where the target holds the record (after `map`).
  std::function<std::string(const Record&)> key;
  std::function<Lookup(const Record&)> lookup;
  // The record as it goes to the target (null: as listed).
  std::function<Record(const Record&)> map;
  // Adds a record to the batch; returns its array bytes.
  std::function<std::int64_t(Batch&, const Record&)> put;
  // Stores the batch of `written` (as put; `listed` as the source has
  // them); returns how many the target gave another id.
  std::function<std::int64_t(const Batch&, const std::vector<const Record*>& written,
                             const std::vector<const Record*>& listed)>
      store;
  // A concept matched to the target's concept of the same name (skipped,
  // or found stored by an interrupted run).
  std::function<void(const Record&, const Lookup&)> matched;
  // True iff `list` passes over undecodable records when skip_undecodable
  // is set (the episode and concept roles).
  bool skippable = false;
  // A record `list` passed over as undecodable (null: nothing to note).
  std::function<void(const SkippedRecord&)> passed_over;
  // Why a listed record cannot be copied because of records passed over
  // before it (relationships of a passed-over concept); null or nullopt:
  // it can.
  std::function<std::optional<SkippedRecord>(const Record&)> unavailable;
};

class Migration {
 public:
  enum class Pass { kResolve, kCheck, kCopy };

  Migration(const MigrationOptions& options, MigrationReport& report, MigrationState& state)
      : options_(options), report_(report), state_(state) {}

  void set_pass(Pass pass) { pass_ = pass; }
  const MigrationOptions& options() const noexcept { return options_; }
  MigrationState& state() noexcept { return state_; }

  template <class Record, class Batch>
  void run(const KindSpec<Record, Batch>& spec) {
    switch (pass_) {
      case Pass::kResolve:
        resolve(spec);
        break;
      case Pass::kCheck:
        check(spec);
        break;
      case Pass::kCopy:
        copy(spec);
        break;
    }
  }

  // After the check pass: throws InvalidArgument when it found conflicts.
  void throw_if_conflicts() const {
    if (conflicts_.empty()) return;
    std::int64_t total = 0;
    std::string per_kind;
    for (const auto& [kind, count] : conflicts_) {
      total += count;
      per_kind += (per_kind.empty() ? "" : ", ") + kind + " " + std::to_string(count);
    }
    throw InvalidArgument("migrate: the target already holds " + std::to_string(total) +
                          " of the source's records under the same key (" + per_kind +
                          "), the first " + first_conflict_ +
                          "; nothing was written. Pass --on-conflict skip to keep the target's "
                          "records, or --on-conflict replace to overwrite them");
  }

  void save() const {
    if (!options_.state_file.empty()) detail::save_migration_state(options_.state_file, state_);
  }

 private:
  template <class Record, class Batch>
  std::int64_t count_target(const KindSpec<Record, Batch>& spec) const {
    return guarded("migrating " + std::string(spec.kind) + " (counting the target's records)", [&] {
      std::int64_t count = 0;
      std::string cursor;
      do {
        auto page = spec.list_target(cursor, spec.page_size);
        count += static_cast<std::int64_t>(page.items.size());
        cursor = std::move(page.next_cursor);
      } while (!cursor.empty());
      return count;
    });
  }

  template <class Record, class Batch>
  static bool is_conflict(const KindSpec<Record, Batch>& spec, const Lookup& found) {
    return spec.trace ? found.found == Found::kEqual : found.found != Found::kAbsent;
  }

  template <class Record, class Batch>
  Lookup lookup(const KindSpec<Record, Batch>& spec, const Record& mapped) const {
    return guarded("migrating " + std::string(spec.kind) + " (looking in the target)",
                   [&] { return spec.lookup(mapped); });
  }

  [[noreturn]] void changed(std::string_view kind, const std::string& why) const {
    throw BackendError("migrating " + std::string(kind) + ": " + why +
                       ": cannot tell what the interrupted run stored; delete " +
                       options_.state_file.string() +
                       " and check the target by hand (nothing was written)");
  }

  // The unconfirmed page of an interrupted run: if the target holds it,
  // it is counted as copied; either way the state goes on from there.
  template <class Record, class Batch>
  void resolve(const KindSpec<Record, Batch>& spec) {
    if (!state_.unconfirmed || state_.unconfirmed->kind != spec.kind) return;
    UnconfirmedBatch batch = *state_.unconfirmed;
    KindProgress& progress = state_.kinds[std::string(spec.kind)];
    bool stored = false;
    if (!spec.lookup) {
      // No key: the target's count says whether the page went in.
      const std::int64_t count = count_target(spec);
      const std::int64_t before = progress.target_before + progress.added;
      if (count == before + batch.delta.added) {
        stored = true;
      } else if (count != before) {
        changed(spec.kind, "the target holds " + std::to_string(count) + " records, " +
                               std::to_string(before) + " or " +
                               std::to_string(before + batch.delta.added) + " expected");
      }
    } else {
      auto page = guarded("migrating " + std::string(spec.kind) + " (reading the source)", [&] {
        return spec.list(progress.cursor,
                         static_cast<std::size_t>(std::max<std::int64_t>(batch.page_records, 1)));
      });
      std::unordered_map<std::string, const Record*> by_key;
      for (const Record& record : page.items) by_key[spec.key(record)] = &record;
      std::int64_t equal = 0, different = 0, replacing = 0, replacing_equal = 0;
      std::vector<std::pair<const Record*, Lookup>> found;
      for (const UnconfirmedRecord& wanted : batch.records) {
        const auto at = by_key.find(wanted.key);
        std::optional<Record> mapped;
        if (at != by_key.end()) mapped = spec.map ? spec.map(*at->second) : *at->second;
        if (!mapped || content_digest(*mapped) != wanted.digest) {
          changed(spec.kind, "the source changed since the interrupted run (" + wanted.key + ")");
        }
        const Lookup there = lookup(spec, *mapped);
        const bool is_equal = there.found == Found::kEqual;
        if (wanted.replaces) {
          ++replacing;
          replacing_equal += is_equal ? 1 : 0;
        } else {
          (is_equal ? equal : different) += 1;
        }
        found.emplace_back(at->second, there);
      }
      if (equal > 0 && different > 0) {
        changed(spec.kind, "the target holds part of the page the interrupted run stored");
      }
      stored = equal + different > 0 ? equal > 0 : replacing_equal == replacing;
      if (stored) {
        for (const auto& [record, there] : found) {
          if (there.moved) ++batch.delta.remapped;
          if (spec.matched) spec.matched(*record, there);
        }
      }
    }
    if (stored) {
      add(progress, batch.delta);
      progress.cursor = batch.cursor_after;
      progress.at_end = batch.cursor_after.empty();
      log(LogLevel::kInfo, "migrate: the page of " + std::string(spec.kind) +
                               " left unconfirmed was stored; going on after it");
    } else {
      log(LogLevel::kInfo, "migrate: the page of " + std::string(spec.kind) +
                               " left unconfirmed was not stored; copying it again");
    }
    state_.unconfirmed.reset();
    save();
  }

  // Counts the conflicts of the rest of the source, writing nothing.
  template <class Record, class Batch>
  void check(const KindSpec<Record, Batch>& spec) {
    if (!spec.lookup || spec.kind == "relationships") return;
    const auto existing = state_.kinds.find(std::string(spec.kind));
    std::string cursor;
    if (existing != state_.kinds.end()) {
      if (existing->second.done || existing->second.at_end) return;
      cursor = existing->second.cursor;
    }
    do {
      auto page = [&] {
        try {
          return spec.list(cursor, spec.page_size);
        } catch (const StorageError& e) {
          rethrow_with_context(e, "checking " + std::string(spec.kind) + " (reading the source" +
                                      skip_hint(spec, e, "; nothing was written; ") + ")");
        }
      }();
      for (const Record& record : page.items) {
        const Record mapped = spec.map ? spec.map(record) : record;
        if (is_conflict(spec, lookup(spec, mapped))) {
          auto& count = conflicts_[std::string(spec.kind)];
          if (first_conflict_.empty()) {
            first_conflict_ =
                "is " + std::string(spec.kind) + " `" + printable(spec.key(record)) + "`";
          }
          ++count;
        }
      }
      cursor = std::move(page.next_cursor);
    } while (!cursor.empty());
  }

  static void add(KindProgress& to, const KindProgress& delta) {
    to.added += delta.added;
    to.copied += delta.copied;
    to.skipped += delta.skipped;
    to.replaced += delta.replaced;
    to.remapped += delta.remapped;
    to.bytes += delta.bytes;
    to.undecodable += delta.undecodable;
  }

  template <class Record, class Batch>
  void copy(const KindSpec<Record, Batch>& spec) {
    MigrationReport::Kind& row = report_.kinds.emplace_back();
    row.role = spec.role;
    row.kind = std::string(spec.kind);
    const std::string doing = "migrating " + row.kind;
    const bool started = state_.kinds.contains(row.kind);
    KindProgress& progress = state_.kinds[row.kind];
    row.resumed = progress.copied;
    row.undecodable_before = progress.undecodable;
    if (progress.done) {
      row.done_before = true;
      return;
    }
    if (!started) {
      progress.target_before = count_target(spec);
      save();
    }
    std::string cursor = progress.cursor;
    while (!progress.at_end) {
      std::string stage = "reading";
      KindProgress delta;
      std::string next_cursor;
      std::string conflict;  // with kFail: a conflict the check did not see
      std::vector<SkippedRecord> passed;  // undecodable, or depending on one
      try {
        auto page = spec.list(cursor, spec.page_size);
        stage = "writing";
        for (SkippedRecord& skipped : page.skipped) {
          if (spec.passed_over) spec.passed_over(skipped);
          passed.push_back(std::move(skipped));
        }
        Batch batch;
        std::vector<std::optional<Record>> mapped_records(page.items.size());
        std::vector<const Record*> written;
        std::vector<const Record*> listed_written;
        UnconfirmedBatch unconfirmed;
        for (std::size_t i = 0; i < page.items.size() && conflict.empty(); ++i) {
          const Record& listed = page.items[i];
          if (spec.unavailable) {
            if (auto why = spec.unavailable(listed)) {
              passed.push_back(std::move(*why));
              continue;
            }
          }
          const Record* record = &listed;
          if (spec.map) record = &mapped_records[i].emplace(spec.map(listed));
          bool replaces = false;
          if (spec.lookup) {
            const Lookup there = spec.lookup(*record);
            if (is_conflict(spec, there)) {
              if (options_.on_conflict == OnConflict::kFail) {
                conflict = spec.key(listed);
                break;
              }
              if (spec.matched) spec.matched(listed, there);
              if (options_.on_conflict == OnConflict::kSkip || spec.trace) {
                ++delta.skipped;
                continue;
              }
              replaces = true;
              ++delta.replaced;
            }
          }
          delta.bytes += spec.put(batch, *record);
          ++delta.copied;
          if (!replaces) ++delta.added;
          written.push_back(record);
          listed_written.push_back(&listed);
          unconfirmed.records.push_back({spec.key ? spec.key(listed) : std::string(),
                                         content_digest(*record), source_id(listed), replaces});
        }
        next_cursor = page.next_cursor;
        delta.undecodable = static_cast<std::int64_t>(passed.size());
        if (conflict.empty() && !written.empty()) {
          unconfirmed.kind = row.kind;
          unconfirmed.cursor_after = next_cursor;
          unconfirmed.page_records =
              static_cast<std::int64_t>(page.items.size() + page.skipped.size());
          unconfirmed.delta = delta;
          state_.unconfirmed = std::move(unconfirmed);
          save();
          delta.remapped = spec.store(batch, written, listed_written);
        }
      } catch (const StorageError& e) {
        rethrow_with_context(e, doing + ": " + std::to_string(progress.copied) + " copied, then " +
                                    stage + " the next page failed (those stay stored" +
                                    (stage == "reading" ? skip_hint(spec, e, "; ") : "") + ")");
      }
      if (!conflict.empty()) {
        throw InvalidArgument(doing + ": the target now holds " + row.kind + " `" +
                              printable(conflict) +
                              "`, which it did not hold when checked (another writer?); " +
                              std::to_string(progress.copied) +
                              " copied before, nothing of this page. Run again to check again, "
                              "or pass --on-conflict skip or replace");
      }
      row.records += delta.copied;
      row.bytes += delta.bytes;
      row.skipped += delta.skipped;
      row.replaced += delta.replaced;
      row.remapped += delta.remapped;
      for (SkippedRecord& skipped : passed) row.undecodable.push_back(std::move(skipped));
      if (options_.on_progress) {
        options_.on_progress(MigrationProgress{spec.role, row.kind, progress.copied + delta.copied,
                                               progress.bytes + delta.bytes});
      }
      add(progress, delta);
      progress.cursor = next_cursor;
      progress.at_end = next_cursor.empty();
      cursor = std::move(next_cursor);
      // Confirmed in memory; the file says so with its next write (the next
      // page's, or this kind's end), one durable write per page. Until then
      // a crash leaves this page unconfirmed there, which resume resolves.
      state_.unconfirmed.reset();
    }
    const std::int64_t after = count_target(spec);
    const std::int64_t expected = progress.target_before + progress.added;
    if (after != expected) {
      throw BackendError(doing + ": the target changed under the migration: it holds " +
                         std::to_string(after) + " records where " + std::to_string(expected) +
                         " were expected (" + std::to_string(progress.target_before) + " before, " +
                         std::to_string(progress.added) +
                         " added); another writer, or records that expired");
    }
    progress.done = true;
    row.verified = true;
    if (row.kind == "relationships") {
      state_.concept_ids.clear();
      state_.joined_concepts.clear();
      state_.undecodable_concepts.clear();
    }
    save();
  }

  // For a source record that does not decode, when the migration could
  // pass it over: `lead` and how; otherwise "".
  template <class Record, class Batch>
  std::string skip_hint(const KindSpec<Record, Batch>& spec, const StorageError& e,
                        std::string_view lead) const {
    const bool undecodable = dynamic_cast<const CorruptData*>(&e) != nullptr ||
                             dynamic_cast<const NotSupported*>(&e) != nullptr;
    if (!undecodable || !spec.skippable || options_.skip_undecodable) return {};
    return std::string(lead) +
           "--skip-undecodable passes over records that do not decode and copies the rest";
  }

  template <class Record>
  static std::int64_t source_id(const Record& record) {
    if constexpr (std::is_same_v<Record, Concept>) {
      return record.id;
    } else {
      return 0;
    }
  }

  const MigrationOptions& options_;
  MigrationReport& report_;
  MigrationState& state_;
  Pass pass_ = Pass::kCopy;
  std::map<std::string, std::int64_t> conflicts_;
  std::string first_conflict_;
};

// Number of positions where `given` (0 or empty: "assign one") differs from
// what the target gave back.
template <class Records, class Ids, class IdOf>
std::int64_t count_changed(const Records& written, const Ids& ids, IdOf&& id_of) {
  std::int64_t changed = 0;
  for (std::size_t i = 0; i < written.size() && i < ids.size(); ++i) {
    if (id_of(*written[i]) != ids[i]) ++changed;
  }
  return changed;
}

void migrate_working_memory(Migration& m, WorkingMemory& from, WorkingMemory& to) {
  const std::size_t n = m.options().page_size;
  const Role role = Role::kWorkingMemory;
  auto equal_or_different = [](const auto& there, const auto& record) {
    if (!there) return Lookup{};
    return Lookup{content_digest(*there) == content_digest(record) ? Found::kEqual
                                                                   : Found::kDifferent};
  };
  {
    KindSpec<WorkingMemoryPattern, WorkingMemoryBatch> spec;
    spec.role = role;
    spec.kind = "patterns";
    spec.page_size = n;
    spec.list = [&](std::string_view c, std::size_t l) {
      return from.list_working_memory_patterns(c, l);
    };
    spec.list_target = [&](std::string_view c, std::size_t l) {
      return to.list_working_memory_patterns(c, l);
    };
    spec.key = [](const WorkingMemoryPattern& r) { return r.pattern_hash; };
    spec.lookup = [&](const WorkingMemoryPattern& r) {
      return equal_or_different(to.retrieve_working_memory_pattern(r.pattern_hash), r);
    };
    spec.put = [](WorkingMemoryBatch& batch, const WorkingMemoryPattern& r) {
      batch.put(r);
      return bytes_of(r.pattern);
    };
    spec.store = [&](const WorkingMemoryBatch& batch, const auto&, const auto&) -> std::int64_t {
      to.store_batch(batch);
      return 0;
    };
    m.run(spec);
  }
  {
    KindSpec<CachedSpikeTrain, WorkingMemoryBatch> spec;
    spec.role = role;
    spec.kind = "cached_spike_trains";
    spec.page_size = n;
    spec.list = [&](std::string_view c, std::size_t l) { return from.list_spike_trains(c, l); };
    spec.list_target = [&](std::string_view c, std::size_t l) {
      return to.list_spike_trains(c, l);
    };
    spec.put = [](WorkingMemoryBatch& batch, const CachedSpikeTrain& r) {
      batch.put(r);
      return bytes_of(r.spike_data);
    };
    spec.store = [&](const WorkingMemoryBatch& batch, const auto&, const auto&) -> std::int64_t {
      to.store_batch(batch);
      return 0;
    };
    m.run(spec);
  }
  {
    KindSpec<AttentionWeights, WorkingMemoryBatch> spec;
    spec.role = role;
    spec.kind = "attention_weights";
    spec.page_size = n;
    spec.list = [&](std::string_view c, std::size_t l) {
      return from.list_attention_weights(c, l);
    };
    spec.list_target = [&](std::string_view c, std::size_t l) {
      return to.list_attention_weights(c, l);
    };
    spec.key = [](const AttentionWeights& r) { return r.context; };
    spec.lookup = [&](const AttentionWeights& r) {
      return equal_or_different(to.retrieve_attention_weights(r.context), r);
    };
    spec.put = [](WorkingMemoryBatch& batch, const AttentionWeights& r) {
      batch.put(r);
      return bytes_of(r.weights);
    };
    spec.store = [&](const WorkingMemoryBatch& batch, const auto&, const auto&) -> std::int64_t {
      to.store_batch(batch);
      return 0;
    };
    m.run(spec);
  }
}

// A relationship's key as the state file and the report give it:
// "source>target>type", the source's ids.
std::string relationship_key(const Relationship& r) {
  return std::to_string(r.source_id) + ">" + std::to_string(r.target_id) + ">" + r.type;
}

// How the episode and concept roles are listed: passing over what does not
// decode, or not.
Undecodable undecodable_mode(const MigrationOptions& options) {
  return options.skip_undecodable ? Undecodable::kSkip : Undecodable::kFail;
}

void migrate_episodes(Migration& m, EpisodeStore& from, EpisodeStore& to) {
  const std::size_t n = m.options().page_size;
  const Undecodable mode = undecodable_mode(m.options());
  const Role role = Role::kEpisodes;
  {
    KindSpec<Episode, EpisodeBatch> spec;
    spec.role = role;
    spec.kind = "episodes";
    spec.page_size = n;
    spec.list = [&, mode](std::string_view c, std::size_t l) {
      return from.list_episodes(c, l, mode);
    };
    spec.skippable = true;
    spec.list_target = [&](std::string_view c, std::size_t l) { return to.list_episodes(c, l); };
    spec.put = [](EpisodeBatch& batch, const Episode& r) {
      batch.put(r);
      const auto* array = std::get_if<Array>(&r.experience_data);
      return array ? bytes_of(*array) : std::int64_t{0};
    };
    spec.store = [&](const EpisodeBatch& batch, const std::vector<const Episode*>& written,
                     const auto&) {
      return count_changed(written, to.store_batch(batch).episode_ids,
                           [](const Episode& e) { return e.id; });
    };
    m.run(spec);
  }
  {
    KindSpec<LearningEvent, EpisodeBatch> spec;
    spec.role = role;
    spec.kind = "learning_events";
    spec.page_size = n;
    spec.list = [&, mode](std::string_view c, std::size_t l) {
      return from.list_learning_events(c, l, mode);
    };
    spec.skippable = true;
    spec.list_target = [&](std::string_view c, std::size_t l) {
      return to.list_learning_events(c, l);
    };
    spec.put = [](EpisodeBatch& batch, const LearningEvent& r) {
      batch.put(r);
      return std::int64_t{0};
    };
    spec.store = [&](const EpisodeBatch& batch, const std::vector<const LearningEvent*>& written,
                     const auto&) {
      return count_changed(written, to.store_batch(batch).learning_event_ids,
                           [](const LearningEvent& e) { return e.id; });
    };
    m.run(spec);
  }
}

// The target's concepts by name, without touching them (the role's lookup
// by name counts as an access): a sorted (hash of name, id) list, 16 bytes
// per concept, built on first use.
class ConceptNames {
 public:
  explicit ConceptNames(ConceptStore& to, std::size_t page_size) : to_(to), page_size_(page_size) {}

  // The target's concept named `name`, if any. Does not count as an access.
  std::optional<Concept> find(const std::string& name) {
    build();
    const std::size_t hash = std::hash<std::string>{}(name);
    auto at = std::lower_bound(index_.begin(), index_.end(), std::make_pair(hash, std::int64_t{0}));
    for (; at != index_.end() && at->first == hash; ++at) {
      auto stored = to_.retrieve_concept(at->second);
      if (stored && stored->name == name) return stored;
    }
    return std::nullopt;
  }

 private:
  void build() {
    if (built_) return;
    std::string cursor;
    do {
      auto page = to_.list_concepts(cursor, page_size_);
      for (const Concept& c : page.items)
        index_.emplace_back(std::hash<std::string>{}(c.name), c.id);
      cursor = std::move(page.next_cursor);
    } while (!cursor.empty());
    std::sort(index_.begin(), index_.end());
    built_ = true;
  }

  ConceptStore& to_;
  std::size_t page_size_;
  bool built_ = false;
  std::vector<std::pair<std::size_t, std::int64_t>> index_;
};

void migrate_concepts(Migration& m, ConceptStore& from, ConceptStore& to, ConceptNames& names) {
  const std::size_t n = m.options().page_size;
  const Undecodable mode = undecodable_mode(m.options());
  const Role role = Role::kConcepts;
  MigrationState& state = m.state();
  // A source concept now stands for target concept `target_id`.
  auto join = [&](std::int64_t source_id, std::int64_t target_id, bool existing) {
    if (source_id != target_id) state.concept_ids[source_id] = target_id;
    if (existing) state.joined_concepts.insert(target_id);
  };
  {
    KindSpec<Concept, ConceptBatch> spec;
    spec.role = role;
    spec.kind = "concepts";
    spec.page_size = n;
    spec.list = [&, mode](std::string_view c, std::size_t l) {
      return from.list_concepts(c, l, mode);
    };
    spec.skippable = true;
    spec.passed_over = [&](const SkippedRecord& skipped) {
      std::int64_t id = 0;
      const char* end = skipped.key.data() + skipped.key.size();
      if (std::from_chars(skipped.key.data(), end, id).ptr == end) {
        state.undecodable_concepts[id] = skipped.error;
      }
    };
    spec.list_target = [&](std::string_view c, std::size_t l) { return to.list_concepts(c, l); };
    spec.key = [](const Concept& r) { return r.name; };
    spec.lookup = [&](const Concept& r) {
      const auto there = names.find(r.name);
      if (!there) return Lookup{};
      return Lookup{content_digest(*there) == content_digest(r) ? Found::kEqual : Found::kDifferent,
                    there->id};
    };
    spec.matched = [&](const Concept& r, const Lookup& there) {
      if (there.found != Found::kAbsent) join(r.id, there.target_id, true);
    };
    spec.put = [](ConceptBatch& batch, const Concept& r) {
      batch.put(r);
      return bytes_of(r.embedding);
    };
    spec.store = [&](const ConceptBatch& batch, const std::vector<const Concept*>& written,
                     const auto&) {
      const auto ids = to.store_batch(batch);
      std::int64_t changed = 0;
      for (std::size_t i = 0; i < written.size() && i < ids.size(); ++i) {
        if (written[i]->id != ids[i]) ++changed;
        join(written[i]->id, ids[i], false);
      }
      return changed;
    };
    m.run(spec);
  }
  auto mapped = [&](std::int64_t id) {
    const auto found = state.concept_ids.find(id);
    return found == state.concept_ids.end() ? id : found->second;
  };
  {
    KindSpec<Relationship, ConceptBatch> spec;
    spec.role = role;
    spec.kind = "relationships";
    spec.page_size = n;
    spec.list = [&, mode](std::string_view c, std::size_t l) {
      return from.list_relationships(c, l, mode);
    };
    spec.skippable = true;
    spec.unavailable = [&](const Relationship& r) -> std::optional<SkippedRecord> {
      const std::pair<std::string_view, std::int64_t> ends[] = {{"source", r.source_id},
                                                                {"target", r.target_id}};
      for (const auto& [end, id] : ends) {
        const auto at = state.undecodable_concepts.find(id);
        if (at == state.undecodable_concepts.end()) continue;
        return SkippedRecord{relationship_key(r), at->second,
                             "relationship " + relationship_key(r) + ": its " +
                                 std::string(end) + " concept " + std::to_string(id) +
                                 " was passed over (it could not be decoded)"};
      }
      return std::nullopt;
    };
    spec.list_target = [&](std::string_view c, std::size_t l) {
      return to.list_relationships(c, l);
    };
    // Keyed by the source's ids (the state file's key); looked up by the
    // target's.
    spec.key = relationship_key;
    spec.map = [&](const Relationship& r) {
      Relationship copy = r;
      copy.source_id = mapped(r.source_id);
      copy.target_id = mapped(r.target_id);
      return copy;
    };
    spec.lookup = [&](const Relationship& r) {
      // Only relationships between concepts the target had can be there
      // already, or ones an interrupted run stored.
      const bool had = state.joined_concepts.contains(r.source_id) &&
                       state.joined_concepts.contains(r.target_id);
      if (!had && !(state.unconfirmed && state.unconfirmed->kind == "relationships")) {
        return Lookup{};
      }
      for (const Relationship& there : to.get_concept_relationships(r.source_id, r.type)) {
        if (there.target_id == r.target_id) {
          return Lookup{there.strength == r.strength ? Found::kEqual : Found::kDifferent};
        }
      }
      return Lookup{};
    };
    spec.put = [](ConceptBatch& batch, const Relationship& r) {
      batch.put(r);
      return std::int64_t{0};
    };
    spec.store = [&](const ConceptBatch& batch, const std::vector<const Relationship*>& written,
                     const std::vector<const Relationship*>& listed) {
      to.store_batch(batch);
      std::int64_t changed = 0;
      for (std::size_t i = 0; i < written.size(); ++i) {
        if (written[i]->source_id != listed[i]->source_id ||
            written[i]->target_id != listed[i]->target_id) {
          ++changed;
        }
      }
      return changed;
    };
    m.run(spec);
  }
}

// Where the trace role would hold `record` in the target: its id, or when
// that is taken the seed's id for its timestamp and the first free suffix.
template <class Record, class Retrieve>
Lookup find_trace(const Record& record, std::string_view prefix, Retrieve&& retrieve) {
  const std::string digest = content_digest(record);
  Lookup out;
  auto there = retrieve(record.id);
  if (!there) return out;
  out.found = Found::kDifferent;
  if (content_digest(*there) == digest) return Lookup{Found::kEqual};
  for (unsigned n = 0;; ++n) {
    const std::string id = seed_id(prefix, record.timestamp, n);
    if (id == record.id) continue;
    there = retrieve(id);
    if (!there) return out;
    if (content_digest(*there) == digest) return Lookup{Found::kEqual, 0, true};
  }
}

void migrate_traces(Migration& m, TraceStore& from, TraceStore& to) {
  const std::size_t n = m.options().trace_page_size;
  auto copy = [&](auto spec_type, std::string_view kind, auto list_of, auto list_in_target,
                  auto retrieve, auto prefix_of, auto ids_of, auto bytes_of_record) {
    using Record = typename decltype(spec_type)::type;
    KindSpec<Record, TraceBatch> spec;
    spec.role = Role::kTraces;
    spec.kind = kind;
    spec.page_size = n;
    spec.trace = true;
    spec.list = [&, list_of](std::string_view c, std::size_t l) { return (from.*list_of)(c, l); };
    spec.list_target = [&, list_in_target](std::string_view c, std::size_t l) {
      return (to.*list_in_target)(c, l);
    };
    spec.key = [](const Record& r) { return r.id; };
    spec.lookup = [&, retrieve, prefix_of](const Record& r) {
      return find_trace(r, prefix_of(r), [&](const std::string& id) { return (to.*retrieve)(id); });
    };
    spec.put = [bytes_of_record](TraceBatch& batch, const Record& r) {
      batch.put(r);
      return static_cast<std::int64_t>(bytes_of_record(r));
    };
    spec.store = [&, ids_of](const TraceBatch& batch, const std::vector<const Record*>& written,
                             const auto&) {
      const TraceBatchIds ids = to.store_batch(batch);
      return count_changed(written, ids.*ids_of, [](const Record& r) { return r.id; });
    };
    m.run(spec);
  };
  // The prefix of the seed's id of each kind (engram/trace_store.h).
  auto seed_prefix = [](const auto& r) { return std::string(seed_id_prefix(r)); };
  auto array_bytes = [](auto member) {
    return [member](const auto& r) { return (r.*member).nbytes(); };
  };
  copy(std::type_identity<NetworkSnapshot>{}, "network_snapshots",
       &TraceStore::list_network_snapshots, &TraceStore::list_network_snapshots,
       &TraceStore::retrieve_network_snapshot, seed_prefix, &TraceBatchIds::network_snapshots,
       [](const NetworkSnapshot& r) {
         return r.adjacency_matrix.nbytes() + r.weight_matrix.nbytes() + r.neuron_states.nbytes();
       });
  copy(std::type_identity<SpikeTrainData>{}, "spike_trains", &TraceStore::list_spike_trains,
       &TraceStore::list_spike_trains, &TraceStore::retrieve_spike_train, seed_prefix,
       &TraceBatchIds::spike_trains, [](const SpikeTrainData& r) {
         return r.spike_times.nbytes() + r.neuron_ids.nbytes() +
                (r.spike_amplitudes ? r.spike_amplitudes->nbytes() : 0);
       });
  copy(std::type_identity<CompressedSpikeTrain>{}, "compressed_spike_trains",
       &TraceStore::list_compressed_spike_trains, &TraceStore::list_compressed_spike_trains,
       &TraceStore::retrieve_compressed_spike_train, seed_prefix,
       &TraceBatchIds::compressed_spike_trains, array_bytes(&CompressedSpikeTrain::spike_data));
  copy(std::type_identity<ReservoirStates>{}, "reservoir_states",
       &TraceStore::list_reservoir_states, &TraceStore::list_reservoir_states,
       &TraceStore::retrieve_reservoir_states, seed_prefix, &TraceBatchIds::reservoir_states,
       array_bytes(&ReservoirStates::reservoir_states));
  copy(std::type_identity<LayerOutputs>{}, "layer_outputs", &TraceStore::list_layer_outputs,
       &TraceStore::list_layer_outputs, &TraceStore::retrieve_layer_outputs, seed_prefix,
       &TraceBatchIds::layer_outputs, [](const LayerOutputs& r) {
         std::size_t total = 0;
         for (const auto& [name, array] : r.layer_outputs) total += array.nbytes();
         return total;
       });
  copy(std::type_identity<PlasticityTrace>{}, "plasticity_traces",
       &TraceStore::list_plasticity_traces, &TraceStore::list_plasticity_traces,
       &TraceStore::retrieve_plasticity_trace, seed_prefix, &TraceBatchIds::plasticity_traces,
       array_bytes(&PlasticityTrace::synapse_changes));
  copy(std::type_identity<HomeostaticTrace>{}, "homeostatic_traces",
       &TraceStore::list_homeostatic_traces, &TraceStore::list_homeostatic_traces,
       &TraceStore::retrieve_homeostatic_trace, seed_prefix, &TraceBatchIds::homeostatic_traces,
       array_bytes(&HomeostaticTrace::homeostatic_changes));
  copy(std::type_identity<PerformanceMetrics>{}, "performance_metrics",
       &TraceStore::list_performance_metrics, &TraceStore::list_performance_metrics,
       &TraceStore::retrieve_performance_metrics, seed_prefix, &TraceBatchIds::performance_metrics,
       [](const PerformanceMetrics&) { return std::size_t{0}; });
}

// The backends of `storage` as the state file names them.
Json identity_of(const Storage& storage) {
  Json out = Json::array();
  for (const BackendInfo& backend : storage.backends()) {
    Json roles = Json::array();
    for (Role role : backend.roles) roles.push_back(std::string(role_name(role)));
    Json files = Json::array();
    if (backend.maintenance) {
      for (const auto& file : backend.maintenance->files()) files.push_back(file.string());
    }
    out.push_back(
        {{"name", backend.name}, {"plugin", backend.plugin}, {"roles", roles}, {"files", files}});
  }
  return out;
}

std::string describe(const Json& backends) {
  std::string out;
  for (const Json& b : backends) {
    if (!out.empty()) out += ", ";
    out += b.value("name", "?") + " (" + b.value("plugin", "?");
    for (const Json& f : b.value("files", Json::array())) {
      out += " " + f.get<std::string>();
      break;
    }
    out += ")";
  }
  return out.empty() ? "no backends" : out;
}

std::filesystem::path comparable(const std::filesystem::path& path) {
  std::error_code ec;
  auto out = std::filesystem::weakly_canonical(std::filesystem::absolute(path, ec), ec);
  return ec ? path.lexically_normal() : out;
}

// Refuses a state file (or its temporary file) that is a backend's file.
void check_state_file_is_not_data(const std::filesystem::path& file, const Storage& from,
                                  const Storage& to) {
  const auto state = comparable(file);
  const auto temp = comparable(detail::migration_state_temp(file));
  for (const Storage* storage : {&from, &to}) {
    for (const BackendInfo& backend : storage->backends()) {
      if (!backend.maintenance) continue;
      for (const auto& used : backend.maintenance->files()) {
        const auto other = comparable(used);
        if (other == state || other == temp) {
          throw InvalidArgument("migrate: the state file " + file.string() + " would be written " +
                                (other == state ? "over " : "beside, through ") + used.string() +
                                ", a file of backend `" + backend.name + "` of the " +
                                (storage == &from ? "source" : "target") +
                                "; name another with --state");
        }
      }
    }
  }
}

// The source's fingerprint (see MigrationState::fingerprint) for `roles`.
Json fingerprint_of(const Storage& from, const std::vector<Role>& roles) {
  Json out = Json::object();
  // A first record that does not decode is told by its key: whether the
  // copy stops at it or passes it over is for the copy to say.
  auto first = [&](std::string_view kind, const auto& page) {
    std::string digest;
    if (!page.items.empty()) {
      digest = content_digest(page.items[0]);
    } else if (!page.skipped.empty()) {
      digest = "undecodable:" + page.skipped[0].key;
    }
    out[std::string(kind)] = std::move(digest);
  };
  constexpr Undecodable kSkip = Undecodable::kSkip;
  guarded("migrate (reading the source's first records)", [&] {
    for (Role role : roles) {
      if (role == Role::kEpisodes) {
        first("episodes", from.episodes()->list_episodes({}, 1, kSkip));
        first("learning_events", from.episodes()->list_learning_events({}, 1, kSkip));
      } else if (role == Role::kConcepts) {
        first("concepts", from.concepts()->list_concepts({}, 1, kSkip));
        first("relationships", from.concepts()->list_relationships({}, 1, kSkip));
      } else if (role == Role::kTraces) {
        const auto traces = from.traces();
        first("network_snapshots", traces->list_network_snapshots({}, 1));
        first("spike_trains", traces->list_spike_trains({}, 1));
        first("compressed_spike_trains", traces->list_compressed_spike_trains({}, 1));
        first("reservoir_states", traces->list_reservoir_states({}, 1));
        first("layer_outputs", traces->list_layer_outputs({}, 1));
        first("plasticity_traces", traces->list_plasticity_traces({}, 1));
        first("homeostatic_traces", traces->list_homeostatic_traces({}, 1));
        first("performance_metrics", traces->list_performance_metrics({}, 1));
      }
    }
    return 0;
  });
  return out;
}

// True iff the fingerprints agree on every kind both have.
bool same_fingerprint(const Json& a, const Json& b) {
  for (const auto& [kind, digest] : a.items()) {
    if (b.contains(kind) && b.at(kind) != digest) return false;
  }
  return true;
}

std::vector<std::string> role_names_of(const std::vector<Role>& roles) {
  std::vector<std::string> out;
  for (Role role : roles) out.emplace_back(role_name(role));
  return out;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ",") + name;
  return out;
}

// The state to go on from: the file's when it is this migration's, a fresh
// one otherwise; refuses a file holding another unfinished migration.
MigrationState starting_state(const MigrationOptions& options, const Storage& from,
                              const Storage& to, const std::vector<Role>& roles) {
  MigrationState fresh;
  fresh.source = identity_of(from);
  fresh.target = identity_of(to);
  fresh.roles = role_names_of(roles);
  if (options.state_file.empty()) return fresh;
  fresh.fingerprint = fingerprint_of(from, roles);
  check_state_file_is_not_data(options.state_file, from, to);
  std::optional<MigrationState> kept = detail::load_migration_state(options.state_file);
  if (!kept) return fresh;
  const std::string file = options.state_file.string();
  const bool same_backends = kept->source == fresh.source && kept->target == fresh.target;
  const bool same_source = same_fingerprint(kept->fingerprint, fresh.fingerprint);
  if (!same_backends && kept->finished()) {
    log(LogLevel::kInfo,
        "migrate: " + file + " holds a finished migration of other storages; starting afresh");
    return fresh;
  }
  if (!same_backends || !same_source) {
    throw ConfigError(
        "migrate: " + file + " holds " + (kept->finished() ? "a finished" : "an unfinished") +
        " migration from " + describe(kept->source) + " to " + describe(kept->target) + " (roles " +
        joined(kept->roles) + ")" +
        (same_backends ? ", whose source held other records than this one's" : "") +
        (kept->finished() ? "; delete the file to copy again (into a target that already holds "
                            "what it copied)"
                          : "; run that one again to finish it, or delete the file to start "
                            "over (what it copied stays in its target)"));
  }
  if (!kept->finished() && kept->roles != fresh.roles) {
    throw ConfigError("migrate: " + file + " holds an unfinished migration of roles " +
                      joined(kept->roles) + " between these storages; pass --roles " +
                      joined(kept->roles) +
                      " to finish it, or delete the file to start over (what it copied stays "
                      "in the target)");
  }
  kept->roles = fresh.roles;
  kept->fingerprint.update(fresh.fingerprint);
  return std::move(*kept);
}

}  // namespace

MigrationReport migrate(const Storage& from, const Storage& to, const MigrationOptions& options) {
  if (options.page_size == 0 || options.trace_page_size == 0) {
    throw InvalidArgument("migrate: page sizes must be at least 1");
  }
  std::vector<Role> roles;
  for (Role role : kAllRoles) {
    const bool chosen =
        options.roles.empty()
            ? from.has(role)
            : std::find(options.roles.begin(), options.roles.end(), role) != options.roles.end();
    if (chosen) roles.push_back(role);
  }
  for (Role role : options.roles) {
    if (!from.has(role)) {
      throw ConfigError("migrate: the source config assigns no backend to role `" +
                        std::string(role_name(role)) + "`");
    }
    if (!to.has(role)) {
      throw ConfigError("migrate: the target config assigns no backend to role `" +
                        std::string(role_name(role)) + "`");
    }
  }
  for (Role role : roles) {
    if (!to.has(role)) {
      throw ConfigError("migrate: the target config assigns no backend to role `" +
                        std::string(role_name(role)) + "`");
    }
  }
  MigrationState state = starting_state(options, from, to, roles);
  MigrationReport report;
  report.state_file = options.state_file;
  Migration migration(options, report, state);
  std::optional<ConceptNames> names;
  if (std::find(roles.begin(), roles.end(), Role::kConcepts) != roles.end()) {
    names.emplace(*to.concepts(), options.page_size);
  }
  auto each_role = [&] {
    for (Role role : roles) {
      switch (role) {
        case Role::kWorkingMemory:
          migrate_working_memory(migration, *from.working_memory(), *to.working_memory());
          break;
        case Role::kEpisodes:
          migrate_episodes(migration, *from.episodes(), *to.episodes());
          break;
        case Role::kConcepts:
          migrate_concepts(migration, *from.concepts(), *to.concepts(), *names);
          break;
        case Role::kTraces:
          migrate_traces(migration, *from.traces(), *to.traces());
          break;
      }
    }
  };
  if (state.unconfirmed) {
    migration.set_pass(Migration::Pass::kResolve);
    each_role();
    if (state.unconfirmed) {
      throw ConfigError("migrate: " + options.state_file.string() + " left a page of " +
                        state.unconfirmed->kind +
                        " unconfirmed, a kind of another role; pass the roles it was run with");
    }
  }
  if (options.on_conflict == OnConflict::kFail) {
    migration.set_pass(Migration::Pass::kCheck);
    each_role();
    migration.throw_if_conflicts();
  }
  migration.set_pass(Migration::Pass::kCopy);
  each_role();
  return report;
}

}  // namespace engram
