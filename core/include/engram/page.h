// engram/page.h — one page of an enumeration.
//
// Every role lists each kind of record it holds in pages, so that a role can
// be copied between backends in bounded memory. A listing starts with an
// empty cursor and goes on with each page's next_cursor until that is empty.
// Every record present for the whole listing is returned exactly once;
// records stored or removed meanwhile may or may not appear. Cursors are
// opaque strings, valid for the backend instance that returned them.
#ifndef ENGRAM_PAGE_H_
#define ENGRAM_PAGE_H_

#include <string>
#include <vector>

namespace engram {

template <class T>
struct Page {
  std::vector<T> items;
  // Where the next page starts; empty when this was the last page.
  std::string next_cursor;

  bool last() const noexcept { return next_cursor.empty(); }
};

}  // namespace engram

#endif  // ENGRAM_PAGE_H_
