// The host example of README.md, verbatim: built and run by CTest so the
// README stays true. Keep the two in step.
#include <engram/storage.h>

int main() {
  engram::Storage storage = engram::Storage::open("config/engram.yaml");
  auto wm = storage.working_memory();
  auto episodes = storage.episodes();

  std::vector<float> pattern(100 * 50, 0.5f);
  engram::ArrayView view(pattern, {100, 50});        // borrowed: no copy
  wm->store_working_memory_pattern("p42", view, 1764000000.0, {{"source", "retina"}});
  if (auto found = wm->retrieve_working_memory_pattern("p42")) {
    std::span<const float> values = found->pattern.values<float>();
  }

  std::int64_t id = episodes->store_episode(view, 0.9, "maze", std::nullopt, {{"trial", 3}});
  for (const engram::Episode& e : episodes->get_episodes_by_context("maze", 10, 0.5)) { /* ... */ }
  storage.maintenance("mem")->stats();                // the uniform maintenance interface
}   // handles and Storage close their backends as they go
