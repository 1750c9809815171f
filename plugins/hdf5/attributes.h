// plugins/hdf5/attributes.h — the seed's attributes on a group or dataset of
// the traces file, written and read as h5py does: scalar float64 and int64,
// bool as the int8 enum of dtype_mapping.h, UTF-8 variable-length strings,
// 1-d int64 and string arrays, and JSON scalars as the seed writes them.
// Reads take strings scalar or 1-d, variable or fixed length, as other
// writers leave them.
//
// Errors: the engram error HDF5's stack gives ("writing attribute <name>",
// "reading attribute <name>"); CorruptData for an attribute of the wrong
// kind or one declaring more elements than max_record_bytes or its stored
// bytes allow. Thread safety: as the File (the backend's mutex).
#ifndef ENGRAM_PLUGINS_HDF5_ATTRIBUTES_H_
#define ENGRAM_PLUGINS_HDF5_ATTRIBUTES_H_

#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engram/json.h"
#include "handles.h"
#include "traces_file.h"

namespace engram::hdf5 {

// Writes and reads the attributes of `object` (a group or dataset id the
// caller keeps open) in `file`.
class Attributes {
 public:
  Attributes(const File& file, hid_t object) : file_(file), object_(object) {}

  // Each creates the scalar (or 1-d) attribute `name`; HDF5 refuses one
  // that exists.
  void put_double(const char* name, double value) const;
  void put_int(const char* name, std::int64_t value) const;
  void put_bool(const char* name, bool value) const;
  void put_ints(const char* name, const std::vector<std::int64_t>& values) const;
  void put_string(const char* name, const std::string& value) const;
  void put_strings(const char* name, const std::vector<std::string>& values) const;
  // A JSON scalar (number, string, bool) as the seed writes it: an
  // unsigned integer past int64 as a double. Returns false for other kinds
  // (not written).
  bool put_json_scalar(const std::string& name, const Json& value) const;
  // The seed's `<prefix><key>` attribute for each scalar item of `object`
  // (the first kMaxScalarAttributes whose key is a valid id), then the whole
  // object as JSON text in `json_name`.
  void put_object(const char* prefix, const Json& object, const char* json_name) const;

  // True iff the attribute `name` exists.
  bool has(const char* name) const;
  double get_double(const char* name) const;
  std::vector<std::int64_t> get_ints(const char* name) const;
  // A string attribute holding one string; CorruptData otherwise.
  std::string get_string(const char* name) const;
  // A string attribute (scalar or 1-d, variable or fixed length).
  std::vector<std::string> get_strings(const char* name) const;
  // Every `<prefix><key>` scalar attribute as {key: value}.
  Json get_object(const std::string& prefix) const;
  // The attribute `name` as JSON: a string, integer or float (an array of
  // them when not scalar), a bool; null for other types.
  Json get_json_scalar(const char* name) const;

 private:
  void put_scalar(const char* name, hid_t file_type, hid_t mem_type, const void* value) const;
  Hid create(const char* name, hid_t type, hid_t space) const;
  Hid open(const char* name) const;
  // The elements attribute `attr` declares, checked before anything is
  // allocated for them (`element_size` bytes each in memory): within
  // max_record_bytes, and no more than its stored bytes (each element takes
  // at least one).
  std::size_t checked_count(hid_t attr, const char* name, std::size_t element_size) const;
  std::vector<std::string> read_strings(hid_t attr, const char* name) const;

  const File& file_;
  hid_t object_;
};

}  // namespace engram::hdf5

#endif  // ENGRAM_PLUGINS_HDF5_ATTRIBUTES_H_
