#include "recall_cache.h"

#include "statement.h"

namespace engram::sqlite {

std::int64_t data_version(Connection& connection) {
  Statement pragma = connection.prepare("PRAGMA data_version", "reading the data version");
  pragma.step();
  return pragma.int64(0);
}

}  // namespace engram::sqlite
