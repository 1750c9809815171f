// The journaled file driver (journaled_driver.h).
//
// Journal layout (little-endian): the header "EJRNL002", the committed file
// size (u64) and where the transaction's records start (u64); then, from
// there, records {offset u64, length u64, the bytes that were there}. A
// record is written whole before the file bytes it covers are touched, so a
// torn last record covers nothing that changed and is ignored. Each
// committed byte is saved at most once per transaction (the first time it
// is overwritten or cut off), so records never overlap. After a failed
// write nothing more is appended (a torn record stays the last), so
// recover() never reads a later record's bytes as a torn one's.
//
// A commit does not cut the journal: it zeroes the magic (one small write
// instead of ftruncate(2)), and the next transaction appends its records
// after everything the journal holds, its header pointing at them, so the
// records of committed transactions (before the start) are never read and
// nothing follows the last record. The journal is cut when a commit finds
// it past kTrimSize, and at close. recover() also reads the version 1
// layout ("EJRNL001", the committed size, records from byte 16) that
// earlier builds left.
#include "journaled_driver.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <map>
#include <mutex>
#include <new>
#include <optional>
#include <system_error>
#include <unordered_set>
#include <vector>

namespace engram::hdf5 {
namespace {

constexpr char kMagic[8] = {'E', 'J', 'R', 'N', 'L', '0', '0', '2'};
constexpr char kMagicV1[8] = {'E', 'J', 'R', 'N', 'L', '0', '0', '1'};
constexpr std::size_t kHeaderSize = 24;
constexpr std::size_t kHeaderSizeV1 = 16;
// A commit cuts the journal once it holds this much.
constexpr std::uint64_t kTrimSize = std::uint64_t{1} << 20;
constexpr std::size_t kRecordHeaderSize = 16;
constexpr std::size_t kCopyBlock = std::size_t{1} << 20;
// As the sec2 driver: the largest offset an off_t holds.
constexpr haddr_t kMaxAddr = (haddr_t{1} << (8 * sizeof(off_t) - 1)) - 1;

// One open file. `pub` must come first: HDF5 sees an H5FD_t*.
struct JournaledFile {
  H5FD_t pub{};
  int fd = -1;
  int journal_fd = -1;  // -1 when opened read-only
  std::string journal;
  haddr_t eoa = 0;
  haddr_t eof = 0;
  haddr_t base_eof = 0;              // the file's size at the last commit
  std::uint64_t journal_size = 0;    // the journal's bytes: this and earlier transactions'
  bool journaling = false;           // the header of this transaction is written
  std::map<haddr_t, haddr_t> saved;  // committed ranges already journaled: start -> end
  dev_t device = 0;
  ino_t inode = 0;
  std::string path;
  int failed = 0;           // errno of the first failed write since the commit; 0 if none
  std::string failed_path;  // what it wrote: the file or the journal
  bool abandoned = false;   // writes dropped, journal kept (abandon())
};

// The files open on this driver: state_of() tells its files from other
// drivers' by their handle, without copying the file's access properties.
std::mutex live_mutex;
std::unordered_set<const void*> live_files;

void add_live(const JournaledFile* f) {
  std::lock_guard<std::mutex> lock(live_mutex);
  live_files.insert(f);
}
void remove_live(const JournaledFile* f) {
  std::lock_guard<std::mutex> lock(live_mutex);
  live_files.erase(f);
}
bool is_live(const void* handle) {
  std::lock_guard<std::mutex> lock(live_mutex);
  return live_files.count(handle) != 0;
}

// The last failed system call of the driver on this thread.
thread_local std::optional<IoFailure> last_failure;

void note_failure(const char* doing, const std::string& path, int error) noexcept {
  try {
    last_failure = IoFailure{doing, path, error};
  } catch (...) {
    last_failure.reset();
  }
}

JournaledFile* of(H5FD_t* file) { return reinterpret_cast<JournaledFile*>(file); }
const JournaledFile* of(const H5FD_t* file) { return reinterpret_cast<const JournaledFile*>(file); }

// Pushes an error on HDF5's stack (so the caller's message says why).
void push_error(hid_t minor, const char* what, int error_number) {
  if (error_number == 0) error_number = EIO;
  H5Epush2(H5E_DEFAULT, __FILE__, "journaled_driver", __LINE__, H5E_ERR_CLS, H5E_VFL, minor,
           "%s, errno = %d, error message = '%s'", what, error_number, std::strerror(error_number));
}

bool write_all(int fd, const void* data, std::size_t size, std::uint64_t offset) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::pwrite(fd, p, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
  return true;
}

// Reads up to `size` bytes; returns how many (fewer at end of file), or -1.
ssize_t read_upto(int fd, void* data, std::size_t size, std::uint64_t offset) {
  auto* p = static_cast<char*>(data);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, p + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  return static_cast<ssize_t>(done);
}

void put_u64(unsigned char* out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<unsigned char>(v >> (8 * i));
}
std::uint64_t get_u64(const unsigned char* in) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | in[i];
  return v;
}

// Writes the header once per transaction, before anything else changes:
// its records start after everything the journal holds.
bool ensure_header(JournaledFile* f) {
  if (f->journaling) return true;
  const std::uint64_t start = std::max<std::uint64_t>(f->journal_size, kHeaderSize);
  unsigned char header[kHeaderSize];
  std::memcpy(header, kMagic, sizeof kMagic);
  put_u64(header + 8, f->base_eof);
  put_u64(header + 16, start);
  if (!write_all(f->journal_fd, header, sizeof header, 0)) return false;
  f->journal_size = start;
  f->journaling = true;
  return true;
}

// Appends the committed bytes [start, end) to the journal.
bool save_range(JournaledFile* f, haddr_t start, haddr_t end) {
  std::vector<unsigned char> buffer;
  for (haddr_t at = start; at < end;) {
    const std::size_t length = static_cast<std::size_t>(std::min<haddr_t>(end - at, kCopyBlock));
    buffer.assign(kRecordHeaderSize + length, 0);
    put_u64(buffer.data(), at);
    put_u64(buffer.data() + 8, length);
    const ssize_t got = read_upto(f->fd, buffer.data() + kRecordHeaderSize, length, at);
    if (got < 0) return false;
    // Bytes past the file's end (cut off earlier, and saved then) read as
    // zeros here; they are never asked for, as `saved` covers them.
    if (!write_all(f->journal_fd, buffer.data(), buffer.size(), f->journal_size)) return false;
    f->journal_size += buffer.size();
    at += length;
  }
  return true;
}

// Saves every byte of [start, end) below the committed size that is not
// saved yet; then records the range as saved.
bool save_committed(JournaledFile* f, haddr_t start, haddr_t end) {
  end = std::min(end, f->base_eof);
  if (start >= end) return true;
  haddr_t at = start;
  auto it = f->saved.upper_bound(at);
  if (it != f->saved.begin() && std::prev(it)->second > at) at = std::prev(it)->second;
  while (at < end) {
    it = f->saved.lower_bound(at);
    const haddr_t gap_end = it == f->saved.end() ? end : std::min(end, it->first);
    if (gap_end > at && !save_range(f, at, gap_end)) return false;
    if (it == f->saved.end() || it->first >= end) break;
    at = it->second;
  }
  // Merge [start, end) into the saved set.
  haddr_t lo = start, hi = end;
  it = f->saved.upper_bound(lo);
  if (it != f->saved.begin() && std::prev(it)->second >= lo) --it;
  while (it != f->saved.end() && it->first <= hi) {
    lo = std::min(lo, it->first);
    hi = std::max(hi, it->second);
    it = f->saved.erase(it);
  }
  f->saved.emplace(lo, hi);
  return true;
}

// Records a failed write of `f` (to `path`, the file or its journal). HDF5
// is told the write worked: HDF5 1.10 leaves its metadata cache unable to
// flush, so its file unable to close, after a flush that failed, and its
// exit handler then crashes on it. Instead the write is dropped, as is
// every later one, the commit refuses (so the failure is reported by
// write_failure()) and the next recover() undoes what reached the file.
void fail(JournaledFile* f, const std::string& path, int error) {
  if (error == 0) error = EIO;
  if (f->failed == 0) {
    f->failed = error;
    f->failed_path = path;
  }
  note_failure("writing", path, error);
}

// True iff writes of `f` are dropped (after a failed write, or abandoned).
bool dropping(const JournaledFile* f) { return f->failed != 0 || f->abandoned; }

// ---- the driver's callbacks

H5FD_t* driver_open(const char* name, unsigned flags, hid_t, haddr_t maxaddr) {
  if (name == nullptr || *name == '\0' || maxaddr == 0 || maxaddr == HADDR_UNDEF ||
      maxaddr > kMaxAddr) {
    push_error(H5E_BADVALUE, "bad file name or address space", EINVAL);
    return nullptr;
  }
  // H5F_ACC_TRUNC cuts the file only once the journal's lock is held, so
  // a create never cuts a file another writer has open.
  int o_flags = (flags & H5F_ACC_RDWR) ? O_RDWR : O_RDONLY;
  if (flags & H5F_ACC_CREAT) o_flags |= O_CREAT;
  if (flags & H5F_ACC_EXCL) o_flags |= O_EXCL;
  const int fd = ::open(name, o_flags | O_CLOEXEC, 0666);
  if (fd < 0) {
    const int e = errno;
    note_failure("opening", name, e);
    push_error(H5E_CANTOPENFILE, "unable to open file", e);
    return nullptr;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int e = errno;
    ::close(fd);
    push_error(H5E_BADFILE, "unable to fstat file", e);
    return nullptr;
  }
  auto* f = new (std::nothrow) JournaledFile;
  if (f == nullptr) {
    ::close(fd);
    push_error(H5E_CANTALLOC, "out of memory", ENOMEM);
    return nullptr;
  }
  f->fd = fd;
  f->path = name;
  f->eof = static_cast<haddr_t>(st.st_size);
  f->base_eof = f->eof;
  f->device = st.st_dev;
  f->inode = st.st_ino;
  if (flags & H5F_ACC_RDWR) {
    // The journal's lock is the writer's: one writer per file, across
    // processes (HDF5's own file lock is off with enable_swmr).
    f->journal = journal_path(name).string();
    f->journal_fd = ::open(f->journal.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    const char* failure = nullptr;
    int e = 0;
    hid_t minor = H5E_CANTOPENFILE;
    struct stat js {};
    if (f->journal_fd < 0) {
      failure = "unable to open the journal";
      e = errno;
      note_failure("opening", f->journal, e);
    } else if (::flock(f->journal_fd, LOCK_EX | LOCK_NB) != 0) {
      failure = "unable to lock the journal: the file is open for writing in another process";
      e = errno;
      minor = H5E_CANTLOCKFILE;
    } else if (::fstat(f->journal_fd, &js) != 0 || js.st_size != 0) {
      failure = "the journal holds an interrupted store: recover() first";
      e = EAGAIN;
    } else if ((flags & H5F_ACC_TRUNC) && ::ftruncate(fd, 0) != 0) {
      failure = "unable to truncate the file";
      e = errno;
      note_failure("writing", f->path, e);
    }
    if (failure == nullptr && (flags & H5F_ACC_TRUNC)) {
      f->eof = 0;
      f->base_eof = 0;
    }
    if (failure != nullptr) {
      if (f->journal_fd >= 0) ::close(f->journal_fd);
      ::close(fd);
      delete f;
      push_error(minor, failure, e);
      return nullptr;
    }
  }
  // HDF5 first tries a create as an open without O_CREAT: that failure is
  // not the call's.
  if (last_failure && std::strcmp(last_failure->doing, "opening") == 0) last_failure.reset();
  try {
    add_live(f);
  } catch (const std::bad_alloc&) {
    if (f->journal_fd >= 0) ::close(f->journal_fd);
    ::close(fd);
    delete f;
    push_error(H5E_CANTALLOC, "out of memory", ENOMEM);
    return nullptr;
  }
  return &f->pub;
}

herr_t driver_close(H5FD_t* file) {
  JournaledFile* f = of(file);
  herr_t result = 0;
  if (f->journal_fd >= 0) {
    // HDF5 closes the driver after its last flush: unless a write failed
    // (or the file was abandoned), the file is whole and the journal is
    // emptied. The empty journal stays (unlinking a locked file invites two
    // writers). After a failure it keeps the last commit for recover().
    if (f->failed == 0 && !f->abandoned && ::ftruncate(f->journal_fd, 0) != 0) result = -1;
    ::close(f->journal_fd);
  }
  if (::close(f->fd) != 0) result = -1;
  if (result < 0) push_error(H5E_CANTCLOSEFILE, "unable to close file", errno);
  remove_live(f);
  delete f;
  return result;
}

int driver_cmp(const H5FD_t* a, const H5FD_t* b) {
  const JournaledFile* x = of(a);
  const JournaledFile* y = of(b);
  if (x->device != y->device) return x->device < y->device ? -1 : 1;
  if (x->inode != y->inode) return x->inode < y->inode ? -1 : 1;
  return 0;
}

herr_t driver_query(const H5FD_t*, unsigned long* flags) {
  if (flags != nullptr) {
    *flags = H5FD_FEAT_AGGREGATE_METADATA | H5FD_FEAT_ACCUMULATE_METADATA | H5FD_FEAT_DATA_SIEVE |
             H5FD_FEAT_AGGREGATE_SMALLDATA | H5FD_FEAT_DEFAULT_VFD_COMPATIBLE;
  }
  return 0;
}

haddr_t driver_get_eoa(const H5FD_t* file, H5FD_mem_t) { return of(file)->eoa; }
herr_t driver_set_eoa(H5FD_t* file, H5FD_mem_t, haddr_t addr) {
  of(file)->eoa = addr;
  return 0;
}
haddr_t driver_get_eof(const H5FD_t* file, H5FD_mem_t) { return of(file)->eof; }

herr_t driver_get_handle(H5FD_t* file, hid_t, void** handle) {
  *handle = of(file);
  return 0;
}

herr_t driver_read(H5FD_t* file, H5FD_mem_t, hid_t, haddr_t addr, size_t size, void* buffer) {
  JournaledFile* f = of(file);
  if (f->failed != 0 && !f->abandoned) {
    // The file on disk is not what HDF5 believes it wrote: reading it back
    // could feed HDF5 torn metadata. (An abandoned file reads on, so that
    // HDF5 can close it.)
    push_error(H5E_READERROR, "a write of this file failed earlier", f->failed);
    return -1;
  }
  const ssize_t got = read_upto(f->fd, buffer, size, addr);
  if (got < 0) {
    const int e = errno;
    note_failure("reading", f->path, e);
    push_error(H5E_READERROR, "file read failed", e);
    return -1;
  }
  // Past the end of the file reads as zeros, as with sec2.
  std::memset(static_cast<char*>(buffer) + got, 0, size - static_cast<std::size_t>(got));
  return 0;
}

herr_t driver_write(H5FD_t* file, H5FD_mem_t, hid_t, haddr_t addr, size_t size,
                    const void* buffer) {
  JournaledFile* f = of(file);
  if (f->journal_fd < 0) {
    push_error(H5E_WRITEERROR, "file is read-only", EBADF);
    return -1;
  }
  if (dropping(f)) return 0;
  if (!ensure_header(f) || !save_committed(f, addr, addr + size)) {
    fail(f, f->journal, errno);
    return 0;
  }
  if (!write_all(f->fd, buffer, size, addr)) {
    fail(f, f->path, errno);
    return 0;
  }
  f->eof = std::max<haddr_t>(f->eof, addr + size);
  return 0;
}

herr_t driver_truncate(H5FD_t* file, hid_t, hbool_t) {
  JournaledFile* f = of(file);
  if (f->eoa == f->eof) return 0;
  if (f->journal_fd < 0 || dropping(f)) return 0;
  if (!ensure_header(f) || !save_committed(f, f->eoa, f->eof)) {
    fail(f, f->journal, errno);
    return 0;
  }
  if (::ftruncate(f->fd, static_cast<off_t>(f->eoa)) != 0) {
    fail(f, f->path, errno);
    return 0;
  }
  f->eof = f->eoa;
  return 0;
}

herr_t driver_lock(H5FD_t* file, hbool_t rw) {
  if (::flock(of(file)->fd, (rw ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0 && errno != ENOSYS) {
    push_error(H5E_CANTLOCKFILE, "unable to lock file", errno);
    return -1;
  }
  return 0;
}

herr_t driver_unlock(H5FD_t* file) {
  if (::flock(of(file)->fd, LOCK_UN) != 0 && errno != ENOSYS) {
    push_error(H5E_CANTUNLOCKFILE, "unable to unlock file", errno);
    return -1;
  }
  return 0;
}

H5FD_class_t make_class() {
  H5FD_class_t c{};
  c.name = "engram_journaled";
  c.maxaddr = kMaxAddr;
  c.fc_degree = H5F_CLOSE_WEAK;
  c.open = driver_open;
  c.close = driver_close;
  c.cmp = driver_cmp;
  c.query = driver_query;
  c.get_eoa = driver_get_eoa;
  c.set_eoa = driver_set_eoa;
  c.get_eof = driver_get_eof;
  c.get_handle = driver_get_handle;
  c.read = driver_read;
  c.write = driver_write;
  c.truncate = driver_truncate;
  c.lock = driver_lock;
  c.unlock = driver_unlock;
  const H5FD_mem_t map[] = H5FD_FLMAP_DICHOTOMY;
  std::copy(std::begin(map), std::end(map), std::begin(c.fl_map));
  return c;
}

// The driver's registration, undone when this plugin is unloaded (the
// callbacks live in it).
struct Registration {
  H5FD_class_t cls = make_class();
  hid_t id = H5FDregister(&cls);
  ~Registration() {
    if (id >= 0) H5FDunregister(id);
  }
};

// The one registration, made on first use.
Registration& registered() {
  static Registration registration;
  return registration;
}

}  // namespace

herr_t set_journaled_driver(hid_t fapl) {
  Registration& registration = registered();
  if (registration.id < 0) return -1;
  return H5Pset_driver(fapl, registration.id, nullptr);
}

std::filesystem::path journal_path(const std::filesystem::path& file) {
  std::filesystem::path journal = file;
  journal += ".journal";
  return journal;
}

bool recover(const std::filesystem::path& file) {
  const std::filesystem::path journal = journal_path(file);
  const int jfd = ::open(journal.c_str(), O_RDWR | O_CLOEXEC);
  if (jfd < 0) {
    if (errno == ENOENT) return false;
    throw std::system_error(errno, std::generic_category(), "opening " + journal.string());
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } close_journal{jfd};
  // A live writer holds the lock: its journal is not a crash's.
  if (::flock(jfd, LOCK_EX | LOCK_NB) != 0) {
    throw std::system_error(errno, std::generic_category(),
                            journal.string() +
                                " is locked: the file is open for writing in "
                                "another process");
  }
  unsigned char header[kHeaderSize];
  const ssize_t header_bytes = read_upto(jfd, header, sizeof header, 0);
  const bool v1 = header_bytes >= static_cast<ssize_t>(kHeaderSizeV1) &&
                  std::memcmp(header, kMagicV1, sizeof kMagicV1) == 0;
  const bool v2 = header_bytes == static_cast<ssize_t>(kHeaderSize) &&
                  std::memcmp(header, kMagic, sizeof kMagic) == 0;
  if (!v1 && !v2) {
    // Empty (committed) or torn before its header: nothing changed.
    if (::ftruncate(jfd, 0) != 0) {
      throw std::system_error(errno, std::generic_category(), "emptying " + journal.string());
    }
    return false;
  }
  const std::uint64_t base_eof = get_u64(header + 8);
  const int fd = ::open(file.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    // The file is gone (a failed create removed it): nothing to restore.
    if (::ftruncate(jfd, 0) != 0) {
      throw std::system_error(errno, std::generic_category(), "emptying " + journal.string());
    }
    return false;
  }
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "opening " + file.string());
  struct Closer close_file {
    fd
  };
  // The whole records, checked before anything is restored: each lies below
  // the committed size (the driver saves nothing else), so the first that
  // does not ends the journal (a torn record), and the committed size is no
  // more than the file's size or the end of a saved range (bytes cut off
  // are saved first). A journal claiming more is damaged: restoring it
  // could grow the file without bound.
  struct Record {
    std::uint64_t at, offset, length;
  };
  std::vector<Record> records;
  std::uint64_t end = 0;
  // Version 2: the records from the header's start (earlier, committed
  // transactions' records lie before it); version 1: right after the header.
  const std::uint64_t start = v2 ? std::max<std::uint64_t>(get_u64(header + 16), kHeaderSize)
                                 : std::uint64_t{kHeaderSizeV1};
  for (std::uint64_t at = start;;) {
    unsigned char record[kRecordHeaderSize];
    if (read_upto(jfd, record, sizeof record, at) != static_cast<ssize_t>(sizeof record)) break;
    const std::uint64_t offset = get_u64(record);
    const std::uint64_t length = get_u64(record + 8);
    if (length > kCopyBlock || offset > base_eof || length > base_eof - offset) break;
    records.push_back({at + sizeof record, offset, length});
    end = std::max(end, offset + length);
    at += sizeof record + length;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    throw std::system_error(errno, std::generic_category(), "restoring " + file.string());
  }
  if (base_eof > std::max<std::uint64_t>(static_cast<std::uint64_t>(st.st_size), end)) {
    throw std::system_error(EBADMSG, std::generic_category(),
                            journal.string() + " is damaged (it claims " +
                                std::to_string(base_eof) + " committed bytes); remove it to open " +
                                file.string() + " as it is");
  }
  std::vector<unsigned char> buffer;
  for (const Record& r : records) {
    buffer.resize(r.length);
    if (read_upto(jfd, buffer.data(), r.length, r.at) != static_cast<ssize_t>(r.length)) {
      break;  // torn: its bytes were never overwritten
    }
    if (!write_all(fd, buffer.data(), r.length, r.offset)) {
      throw std::system_error(errno, std::generic_category(), "restoring " + file.string());
    }
  }
  if (::ftruncate(fd, static_cast<off_t>(base_eof)) != 0 || ::fsync(fd) != 0 ||
      ::ftruncate(jfd, 0) != 0) {
    throw std::system_error(errno, std::generic_category(), "restoring " + file.string());
  }
  return true;
}

namespace {

// The driver's state of an open file; nullptr when it is not on this driver.
// (Another driver's handle is not a JournaledFile: only the address is
// compared before it is known to be one of ours.)
JournaledFile* state_of(hid_t file) noexcept {
  void* handle = nullptr;
  if (H5Fget_vfd_handle(file, H5P_DEFAULT, &handle) < 0 || handle == nullptr) {
    H5Eclear2(H5E_DEFAULT);
    return nullptr;
  }
  return is_live(handle) ? static_cast<JournaledFile*>(handle) : nullptr;
}

}  // namespace

bool commit(hid_t file, std::string* error) {
  JournaledFile* f = state_of(file);
  if (f == nullptr) {
    *error = "the file is not on the journaled driver";
    return false;
  }
  if (f->journal_fd < 0) return true;
  if (f->failed != 0 || f->abandoned) {
    *error = std::string("an earlier write failed: ") + std::strerror(f->failed ? f->failed : EIO);
    return false;
  }
  if (f->journaling) {
    // The magic zeroed, the journal holds no transaction; cut once it is
    // large. (The file's size is eof: every write and cut went through here.)
    static constexpr unsigned char kNone[sizeof kMagic] = {};
    if (!write_all(f->journal_fd, kNone, sizeof kNone, 0)) {
      *error = std::strerror(errno);
      return false;
    }
    f->journaling = false;
    if (f->journal_size >= kTrimSize) {
      if (::ftruncate(f->journal_fd, 0) != 0) {
        *error = std::strerror(errno);
        return false;
      }
      f->journal_size = 0;
    }
  }
  f->saved.clear();
  f->base_eof = f->eof;
  return true;
}

bool write_failed(hid_t file) noexcept {
  const JournaledFile* f = state_of(file);
  return f != nullptr && dropping(f);
}

std::optional<IoFailure> write_failure(hid_t file) noexcept {
  const JournaledFile* f = state_of(file);
  if (f == nullptr || f->failed == 0) return std::nullopt;
  try {
    return IoFailure{"writing", f->failed_path, f->failed};
  } catch (...) {
    return IoFailure{"writing", {}, f->failed};
  }
}

void abandon(hid_t file) noexcept {
  if (JournaledFile* f = state_of(file)) f->abandoned = true;
}

std::optional<IoFailure> take_io_failure() noexcept {
  std::optional<IoFailure> out = std::move(last_failure);
  last_failure.reset();
  return out;
}

}  // namespace engram::hdf5
