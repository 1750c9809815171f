// Prints the benchmark workload list (tools/workloads/workloads.h) for
// bench_workloads_test.sh, one workload a line:
//   <role>/<name> <paired> <in_tool>
// where <paired> and <in_tool> are 1 or 0 (Workload's fields).
#include <cstdio>
#include <string>

#include "workloads.h"

int main() {
  for (const engram::workloads::Workload& workload : engram::workloads::kAll) {
    const std::string role(engram::role_name(workload.role));
    const std::string name(workload.name);
    std::printf("%s/%s %d %d\n", role.c_str(), name.c_str(), workload.paired ? 1 : 0,
                workload.in_tool ? 1 : 0);
  }
  return 0;
}
