// The core's write-behind role objects (engram/write_behind.h), one per
// role, each in front of a plugin's role object and owning its queue
// (write_queue.h). The backend wrapper (write_behind_backend.cpp) makes
// them and drives their queues from maintenance calls.
//
// Thread safety: the role objects are thread-safe; so are the controls.
#ifndef ENGRAM_CORE_SRC_WRITE_BEHIND_ROLES_H_
#define ENGRAM_CORE_SRC_WRITE_BEHIND_ROLES_H_

#include <memory>
#include <string>

#include "engram/concept_store.h"
#include "engram/episode_store.h"
#include "engram/maintenance.h"
#include "engram/trace_store.h"
#include "engram/working_memory.h"
#include "engram/write_behind.h"

namespace engram::detail {

// What the backend wrapper does with a role's queue.
class QueueControl {
 public:
  virtual ~QueueControl() = default;
  // Waits until everything queued is written; throws a pending report.
  virtual void drain() = 0;
  // Writes what is queued, stops the writer, throws a pending report.
  virtual void close() = 0;
  // Records went by a maintenance call (clear_all, cleanup, rotate): what
  // the role knows of the backend's ids is read again.
  virtual void forget_ids() {}
};

// What every queued role is made with.
struct QueueSettings {
  WriteBehindOptions options;
  std::string backend;       // the config's name, for messages
  Maintenance* maintenance;  // the wrapper's: what the role's maintenance() returns
};

template <class Role>
struct Queued {
  std::unique_ptr<Role> role;
  QueueControl* control = nullptr;  // the same object
};

Queued<WorkingMemory> queued(WorkingMemory& inner, const QueueSettings& settings);
Queued<EpisodeStore> queued(EpisodeStore& inner, const QueueSettings& settings);
Queued<ConceptStore> queued(ConceptStore& inner, const QueueSettings& settings);
Queued<TraceStore> queued(TraceStore& inner, const QueueSettings& settings);

}  // namespace engram::detail

#endif  // ENGRAM_CORE_SRC_WRITE_BEHIND_ROLES_H_
