// engram/page.h — one page of an enumeration.
//
// Every role lists each kind of record it holds in pages, so that a role can
// be copied between backends in bounded memory. A listing starts with an
// empty cursor and goes on with each page's next_cursor until that is empty.
// Every record present for the whole listing is returned exactly once;
// records stored or removed meanwhile may or may not appear. Cursors are
// opaque strings, valid for the backend instance that returned them.
//
// Undecodable records. A listing meets a record it cannot decode (bytes
// another program wrote that hold what engram does not read, a damaged
// value) and by default fails: the whole page throws the record's
// CorruptData or NotSupported. Asked with Undecodable::kSkip (the episode
// and concept roles' listings take it), the backend passes such a record
// over and names it in the page's `skipped` instead: its key, the error's
// kind and message. A skipped record takes a place of the page like a
// record returned (a page holds at most `limit` of both together), and
// the listing goes on after it. Only a record's own bytes are skipped: a
// failure of the backend itself (a lost connection, a damaged database
// page) still throws.
#ifndef ENGRAM_PAGE_H_
#define ENGRAM_PAGE_H_

#include <string>
#include <vector>

namespace engram {

// What a listing does with a record it cannot decode (see above).
enum class Undecodable {
  kFail,  // the page throws the record's error
  kSkip,  // the record is passed over and named in Page::skipped
};

// A record a listing passed over (Undecodable::kSkip).
struct SkippedRecord {
  // The record's key as the backend names it: "12" (an id), or for a
  // relationship "3>5>is_a" (source, target, type).
  std::string key;
  // The error's kind, "CorruptData" or "NotSupported", and its message,
  // which names the record, the field and what it held.
  std::string error;
  std::string reason;
};

template <class T>
struct Page {
  std::vector<T> items;
  // Where the next page starts; empty when this was the last page.
  std::string next_cursor;
  // The records passed over (only with Undecodable::kSkip), in key order.
  std::vector<SkippedRecord> skipped;

  bool last() const noexcept { return next_cursor.empty(); }
};

}  // namespace engram

#endif  // ENGRAM_PAGE_H_
