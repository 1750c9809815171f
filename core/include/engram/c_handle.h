// engram/c_handle.h — an owning handle for a C library's object.
//
// A plugin over a C library (sqlite3, hiredis, ...) owns the library's
// objects through std::unique_ptr whose deleter calls the library's free
// function. CHandle names that once:
//
//   using DatabaseHandle = engram::CHandle<sqlite3, sqlite3_close_v2>;
//   using ReplyPtr = engram::CHandle<redisReply, freeReplyObject>;
//
// The free function is called once, with the non-null pointer, when the
// handle lets go; its result, if any, is ignored (a path that must know it
// calls the function itself on release()). HDF5's ids are integers, not
// pointers: its plugin keeps its own handle class.
//
// Thread safety: as std::unique_ptr.
#ifndef ENGRAM_C_HANDLE_H_
#define ENGRAM_C_HANDLE_H_

#include <memory>

namespace engram {

// The deleter that calls `Free`.
template <auto Free>
struct CFree {
  template <class T>
  void operator()(T* object) const noexcept {
    Free(object);
  }
};

template <class T, auto Free>
using CHandle = std::unique_ptr<T, CFree<Free>>;

}  // namespace engram

#endif  // ENGRAM_C_HANDLE_H_
