// Arrays as datasets (datasets.h).
#include "datasets.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dtype_mapping.h"
#include "engram/errors.h"
#include "engram/ids.h"
#include "engram/record_limits.h"
#include "filters.h"
#include "hdf5_errors.h"

namespace engram::hdf5 {
namespace {

// What a read of `dataset` is called in messages: "reading <path> in <file>".
std::string reading(const File& file, hid_t dataset) {
  char name[512] = {};
  if (H5Iget_name(dataset, name, sizeof name) < 0) name[0] = '\0';
  return "reading " + printable(name) + " in " + file.path().string();
}

// Reads of up to this many bytes (the array and HDF5's chunk buffer) are
// not checked against what the file can back: a hostile file makes such a
// read allocate no more than this.
constexpr std::uint64_t kBackingCheckedFrom = std::uint64_t{1} << 20;

// Throws CorruptData when a read of `dataset` (`declared` bytes in memory,
// elements of `element_size` bytes) would allocate more than
// max_record_bytes, or, past kBackingCheckedFrom, more than the file can
// back: its stored bytes times its filters' largest expansion. The
// dataset's path is looked up only for a message (a lookup walks the
// file's names: a read that passes spends nothing on it).
void check_record_size(const File& file, hid_t dataset, std::uint64_t declared,
                       std::size_t element_size) {
  Hid dcpl(H5Dget_create_plist(dataset), H5Pclose);
  if (!dcpl) throw_hdf5(file.backend(), reading(file, dataset));
  // HDF5 allocates a whole chunk to read one: that counts too.
  std::uint64_t needed = declared;
  const bool chunked = H5Pget_layout(dcpl.get()) == H5D_CHUNKED;
  if (chunked) {
    hsize_t chunk[H5S_MAX_RANK] = {};
    const int rank = H5Pget_chunk(dcpl.get(), H5S_MAX_RANK, chunk);
    std::uint64_t chunk_bytes = element_size;
    for (int i = 0; i < rank; ++i) {
      if (__builtin_mul_overflow(chunk_bytes, chunk[i], &chunk_bytes)) chunk_bytes = UINT64_MAX;
    }
    needed = std::max(needed, chunk_bytes);
  }
  // A small read is bounded by its size: the file's backing is checked for
  // larger claims only (three queries a dataset, 2-3 % of a small read).
  if (needed <= kBackingCheckedFrom && needed <= file.record_limit()) return;
  const std::uint64_t ratio = chunked ? max_expansion(dcpl.get()) : kMaxRatioNone;
  // What the file holds for it, never more than the file's size (a header
  // may claim any storage size). A dataset nothing was written to reads as
  // its fill value: only the limit bounds it.
  std::optional<std::uint64_t> stored;
  const std::uint64_t storage = H5Dget_storage_size(dataset);
  if (storage > 0) {
    hsize_t file_size = 0;
    file.ok(H5Fget_filesize(file.id(), &file_size), "sizing", file.path().string());
    stored = std::min<std::uint64_t>(storage, file_size);
  }
  H5Eclear2(H5E_DEFAULT);
  try {
    check_declared_size(file.backend(), {}, needed, file.record_limit(), stored, ratio);
  } catch (const CorruptData&) {
    // The same verdict again, now with the dataset named.
    check_declared_size(file.backend(), reading(file, dataset), needed, file.record_limit(),
                        stored, ratio);
    throw;
  }
}

}  // namespace

Hid write_array(const File& file, hid_t parent, const std::string& name, const ArrayView& array) {
  file.stop_after_failed_write();
  Hid type = hdf5_type_of(array.dtype());
  Hid space;
  if (array.ndim() == 0) {
    space = Hid(H5Screate(H5S_SCALAR), H5Sclose);
  } else {
    const std::vector<hsize_t> dims(array.shape().begin(), array.shape().end());
    std::vector<hsize_t> max_dims = dims;
    if (element_count(array.shape()) > 0) max_dims[0] = H5S_UNLIMITED;
    space = Hid(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), max_dims.data()),
                H5Sclose);
  }
  if (!space) throw_hdf5(file.backend(), "making the dataspace of " + printable(name));
  Hid dcpl = dataset_plist(array.shape(), dtype_size(array.dtype()), file.options().chunk_size,
                           file.codec(), file.backend());
  Hid dataset(H5Dcreate2(parent, name.c_str(), type.get(), space.get(), file.link_plist(),
                         dcpl.get(), H5P_DEFAULT),
              H5Dclose);
  if (!dataset) throw_hdf5(file.backend(), "creating dataset " + printable(name));
  if (array.nbytes() > 0) {
    file.ok(H5Dwrite(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, array.data()),
            "writing dataset", name);
  }
  return dataset;
}

Array read_array(const File& file, hid_t parent, const std::string& name) {
  Hid dataset(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dataset) throw_hdf5(file.backend(), "opening dataset " + printable(name));
  Hid stored(H5Dget_type(dataset.get()), H5Tclose);
  const DType dtype = stored_dtype(stored.get(), file.backend(), name);
  Hid space(H5Dget_space(dataset.get()), H5Sclose);
  const int rank = file.ok(H5Sget_simple_extent_ndims(space.get()), "reading the rank of", name);
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0)
    file.ok(H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr), "reading dims", name);
  // The bytes the read allocates, saturating (a hostile extent overflows).
  std::uint64_t declared = dtype_size(dtype);
  for (const hsize_t d : dims) {
    if (d == 0) declared = 0;
    if (declared != 0 && __builtin_mul_overflow(declared, d, &declared)) declared = UINT64_MAX;
  }
  Shape shape(dims.begin(), dims.end());
  if (declared == 0) return Array(dtype, std::move(shape));
  check_record_size(file, dataset.get(), declared, dtype_size(dtype));
  const std::size_t nbytes = element_count(shape, dtype_size(dtype));
  // HDF5 fills every byte: the buffer is not zeroed first.
  std::shared_ptr<std::byte[]> buffer(new std::byte[nbytes]);
  Hid memtype = hdf5_type_of(dtype);
  file.ok(H5Dread(dataset.get(), memtype.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.get()),
          "reading dataset", name);
  void* data = buffer.get();
  return Array::adopt(dtype, std::move(shape), std::shared_ptr<void>(buffer, data), data, nbytes);
}

}  // namespace engram::hdf5
