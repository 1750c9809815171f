// `engram demo`: a simulated neuromorphic agent that stores a sample of
// every configured role through Storage, reads it back and checks it.
#pragma once

#include <cstdio>

#include "engram/storage.h"

namespace engram::tool {

struct DemoOptions {
  int steps = 10;
};

// Runs the demo, printing what it did to `out`. Returns the number of
// records that did not read back as stored (0 on success).
int run_demo(Storage& storage, const DemoOptions& options, std::FILE* out);

}  // namespace engram::tool
