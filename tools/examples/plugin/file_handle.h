// file_handle.h — the `npy` plugin's one C resource: an open stdio file,
// closed when its handle goes (engram/c_handle.h).
//
//   FileHandle file(std::fopen(path.c_str(), "wbx"));
//   if (!file) throw_io("create", path, errno, backend);
//   ... std::fwrite(..., file.get()) ...
//   if (std::fclose(file.release()) != 0) ...   // a path that must see the result
//
// Thread safety: as std::unique_ptr.
#ifndef ENGRAM_EXAMPLES_NPY_FILE_HANDLE_H_
#define ENGRAM_EXAMPLES_NPY_FILE_HANDLE_H_

#include <cstdio>

#include "engram/c_handle.h"

namespace engram::npy_plugin {

using FileHandle = CHandle<std::FILE, ::fclose>;

}  // namespace engram::npy_plugin

#endif  // ENGRAM_EXAMPLES_NPY_FILE_HANDLE_H_
