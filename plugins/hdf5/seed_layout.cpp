// The seed's layout of the traces file (seed_layout.h).
#include "seed_layout.h"

#include "attributes.h"

namespace engram::hdf5 {

void write_file_attributes(const Attributes& root, double created_at,
                           const std::string& compression, std::int64_t chunk_size) {
  root.put_double("created_at", created_at);
  root.put_string("version", "1.0");
  root.put_string("compression", compression);
  root.put_int("chunk_size", chunk_size);
}

}  // namespace engram::hdf5
