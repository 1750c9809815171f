// The hdf5 plugin's error mapper as a unit (plugins/hdf5/hdf5_errors.h):
// real HDF5 failures (a file that is not HDF5, a missing or unreadable
// file, a damaged chunk, damaged or truncated metadata, a file another
// handle holds) map to their engram kinds by HDF5's error numbers and the
// driver's errno; synthetic stacks show the description text never decides.
#include <hdf5.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engram/errors.h"
#include "file_bytes.h"
#include "handles.h"
#include "hdf5_errors.h"
#include "journaled_driver.h"
#include "temp_dir.h"

namespace fs = std::filesystem;

namespace {

using engram::hdf5::Hid;

// The error throw_hdf5 gives for HDF5's stack after `fail` (an HDF5 call
// that must fail) returned, as the caught exception's kind and message.
struct Mapped {
  std::string kind;
  std::string message;
};

Mapped map_failure(const std::function<bool()>& fail, const std::string& doing) {
  engram::hdf5::begin_hdf5_call();
  if (!fail()) return {"no failure", {}};
  try {
    engram::hdf5::throw_hdf5("arrays", doing);
  } catch (const engram::AccessDenied& e) {
    return {"AccessDenied", e.what()};
  } catch (const engram::CorruptData& e) {
    return {"CorruptData", e.what()};
  } catch (const engram::NotSupported& e) {
    return {"NotSupported", e.what()};
  } catch (const engram::BackendError& e) {
    return {"BackendError", e.what()};
  } catch (const engram::StorageError& e) {
    return {"StorageError", e.what()};
  }
  return {"nothing thrown", {}};
}

// H5Fopen of `path` (read-only, or read-write on the journaled driver)
// as a failure for map_failure. (No HDF5 call may follow the failing one:
// each clears the error stack.)
std::function<bool()> open_fails(const fs::path& path, bool journaled = false) {
  auto fapl = std::make_shared<Hid>(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (journaled) engram::hdf5::set_journaled_driver(fapl->get());
  return [path, journaled, fapl] {
    const hid_t file =
        H5Fopen(path.c_str(), journaled ? H5F_ACC_RDWR : H5F_ACC_RDONLY, fapl->get());
    if (file < 0) return true;
    H5Fclose(file);
    return false;
  };
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Writes `path`: one group "g" holding a chunked, Fletcher-32 checked
// dataset "d" of 4096 bytes 0xAB, in the earliest or the latest format
// (whose metadata has checksums).
void write_sample(const fs::path& path, bool latest) {
  Hid fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (latest) H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
  const Hid file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), H5Fclose);
  REQUIRE(file);
  const Hid group = engram::hdf5::create_group(file.get(), "g", H5P_DEFAULT, "b", "creating g");
  const hsize_t dims[1] = {4096};
  const Hid space(H5Screate_simple(1, dims, nullptr), H5Sclose);
  const Hid dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_chunk(dcpl.get(), 1, dims);
  H5Pset_fletcher32(dcpl.get());
  const Hid dataset(H5Dcreate2(group.get(), "d", H5T_NATIVE_UCHAR, space.get(), H5P_DEFAULT,
                               dcpl.get(), H5P_DEFAULT),
                    H5Dclose);
  REQUIRE(dataset);
  const std::vector<unsigned char> data(4096, 0xAB);
  REQUIRE(H5Dwrite(dataset.get(), H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) >=
          0);
}

// Pushes one entry (`major`, `minor`, `desc`) on HDF5's error stack.
bool push(hid_t major, hid_t minor, const char* desc) {
  H5Epush2(H5E_DEFAULT, __FILE__, "error_mapper_test", __LINE__, H5E_ERR_CLS, major, minor, "%s",
           desc);
  return true;
}

}  // namespace

TEST_CASE("hdf5 error mapper: a file that is not HDF5 is CorruptData", "[hdf5][error_mapper]") {
  engram_test::TempDir dir("engram-hdf5-errors");
  const fs::path path = dir / "garbage.h5";
  write_bytes(path, std::string(4096, 'A'));
  const Mapped got = map_failure(open_fails(path), "opening " + path.string());
  CHECK(got.kind == "CorruptData");
  // One line: what failed, where, and HDF5's outermost and innermost reason.
  CHECK(got.message.rfind("arrays: opening " + path.string() + ": ", 0) == 0);
  CHECK(got.message.find("file signature not found") != std::string::npos);
  CHECK(got.message.find('\n') == std::string::npos);
}

TEST_CASE("hdf5 error mapper: a missing file is a BackendError naming errno",
          "[hdf5][error_mapper]") {
  engram_test::TempDir dir("engram-hdf5-errors");
  const fs::path path = dir / "missing.h5";
  // The default driver: HDF5's numbers say only "cannot open".
  CHECK(map_failure(open_fails(path), "opening").kind == "BackendError");
  // The journaled driver records errno: the message is the system's.
  const Mapped got = map_failure(open_fails(path, true), "opening");
  CHECK(got.kind == "BackendError");
  CHECK(got.message.find("opening " + path.string() + ": No such file or directory") !=
        std::string::npos);
  CHECK_FALSE(fs::exists(path));
}

TEST_CASE("hdf5 error mapper: a file the process may not write is AccessDenied",
          "[hdf5][error_mapper]") {
  engram_test::TempDir dir("engram-hdf5-errors");
  const fs::path path = dir / "read_only.h5";
  write_sample(path, false);
  fs::permissions(path, fs::perms::owner_read);
  const auto outcome = [&] {
    const Mapped got = map_failure(open_fails(path, true), "opening");
    if (got.kind != "AccessDenied") return 1;
    if (got.message.find("Permission denied") == std::string::npos) return 2;
    return 0;
  };
  if (::geteuid() != 0) {
    CHECK(outcome() == 0);
    return;
  }
  // Root ignores permission bits: the open runs in a child that drops to
  // nobody (65534) first.
  fs::permissions(dir.path(), fs::perms::others_exec, fs::perm_options::add);
  fs::permissions(path, fs::perms::others_read, fs::perm_options::add);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(10);
    ::_exit(outcome());
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  INFO("0 AccessDenied naming EACCES, 1 another kind, 2 another message, 10 no privilege drop");
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("hdf5 error mapper: a damaged chunk fails Fletcher-32: CorruptData",
          "[hdf5][error_mapper]") {
  engram_test::TempDir dir("engram-hdf5-errors");
  for (const bool latest : {false, true}) {
    INFO((latest ? "latest format" : "earliest format"));
    const fs::path path = dir / (latest ? "latest.h5" : "earliest.h5");
    write_sample(path, latest);
    std::string bytes = engram_test::file_bytes(path);
    const std::size_t at = bytes.find(std::string(1024, '\xAB'));
    REQUIRE(at != std::string::npos);
    bytes[at + 100] = '\x00';
    write_bytes(path, bytes);
    const Hid file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    REQUIRE(file);
    const Hid dataset(H5Dopen2(file.get(), "g/d", H5P_DEFAULT), H5Dclose);
    REQUIRE(dataset);
    std::vector<unsigned char> data(4096);
    const Mapped got = map_failure(
        [&] {
          return H5Dread(dataset.get(), H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                         data.data()) < 0;
        },
        "reading dataset d");
    CHECK(got.kind == "CorruptData");
    CHECK(got.message.find("Fletcher32") != std::string::npos);
  }
}

TEST_CASE("hdf5 error mapper: damaged or truncated metadata is CorruptData",
          "[hdf5][error_mapper]") {
  engram_test::TempDir dir("engram-hdf5-errors");
  const fs::path path = dir / "latest.h5";
  write_sample(path, true);
  const std::string bytes = engram_test::file_bytes(path);
  SECTION("an object header whose checksum fails") {
    std::string damaged = bytes;
    const std::size_t header = damaged.find("OHDR", 64);
    REQUIRE(header != std::string::npos);
    damaged[header + 10] ^= 0x55;
    write_bytes(path, damaged);
    const Hid file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    REQUIRE(file);
    const Mapped got = map_failure(
        [&] { return !Hid(H5Gopen2(file.get(), "g", H5P_DEFAULT), H5Gclose); }, "opening g");
    CHECK(got.kind == "CorruptData");
  }
  SECTION("a superblock whose checksum fails") {
    std::string damaged = bytes;
    damaged[20] ^= 0x55;
    write_bytes(path, damaged);
    CHECK(map_failure(open_fails(path), "opening").kind == "CorruptData");
  }
  SECTION("a file cut short") {
    write_bytes(path, bytes.substr(0, bytes.size() / 2));
    CHECK(map_failure(open_fails(path), "opening").kind == "CorruptData");
  }
}

TEST_CASE("hdf5 error mapper: a file another writer holds is AccessDenied",
          "[hdf5][error_mapper]") {
  engram_test::TempDir dir("engram-hdf5-errors");
  const fs::path path = dir / "held.h5";
  write_sample(path, false);
  Hid fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  REQUIRE(engram::hdf5::set_journaled_driver(fapl.get()) >= 0);
  const Hid first(H5Fopen(path.c_str(), H5F_ACC_RDWR, fapl.get()), H5Fclose);
  REQUIRE(first);
  // A second writer (here, another handle) cannot lock the journal.
  const Mapped got = map_failure(open_fails(path, true), "opening");
  CHECK(got.kind == "AccessDenied");
  CHECK(got.message.find("(the file is open in another process)") != std::string::npos);
}

TEST_CASE("hdf5 error mapper: the numbers decide, never the description", "[hdf5][error_mapper]") {
  const auto kind_of = [](hid_t major, hid_t minor, const char* desc) {
    return map_failure([&] { return push(major, minor, desc); }, "doing").kind;
  };
  // Words an old text match would have read as a checksum or a denial.
  CHECK(kind_of(H5E_DATASET, H5E_CANTINIT, "bad checksum: Permission denied (Read-only)") ==
        "BackendError");
  CHECK(kind_of(H5E_CACHE, H5E_READERROR, "something") == "CorruptData");
  CHECK(kind_of(H5E_FILE, H5E_NOTHDF5, "x") == "CorruptData");
  CHECK(kind_of(H5E_FILE, H5E_TRUNCATED, "x") == "CorruptData");
  CHECK(kind_of(H5E_OHDR, H5E_CANTDECODE, "x") == "CorruptData");
  CHECK(kind_of(H5E_DATASET, H5E_CANTFILTER, "x") == "CorruptData");
  CHECK(kind_of(H5E_PLUGIN, H5E_CANTGET, "x") == "NotSupported");
  CHECK(kind_of(H5E_FILE, H5E_CANTLOCKFILE, "x") == "AccessDenied");
  CHECK(kind_of(H5E_FILE, H5E_FILEOPEN, "x") == "AccessDenied");
  CHECK(kind_of(H5E_IO, H5E_WRITEERROR, "x") == "BackendError");
  CHECK(kind_of(H5E_RESOURCE, H5E_NOSPACE, "x") == "BackendError");
  // An empty stack still throws.
  CHECK(map_failure([] { return true; }, "doing").kind == "BackendError");
}

TEST_CASE("hdf5 error mapper: an errno maps by its number", "[hdf5][error_mapper]") {
  const auto kind_of = [](int error) {
    try {
      engram::hdf5::throw_errno("arrays", "writing f", error);
    } catch (const engram::AccessDenied&) {
      return std::string("AccessDenied");
    } catch (const engram::BackendError& e) {
      CHECK(e.native_code() == error);
      return std::string("BackendError");
    }
    return std::string("other");
  };
  CHECK(kind_of(EACCES) == "AccessDenied");
  CHECK(kind_of(EPERM) == "AccessDenied");
  CHECK(kind_of(EROFS) == "AccessDenied");
  CHECK(kind_of(EWOULDBLOCK) == "AccessDenied");
  CHECK(kind_of(ENOSPC) == "BackendError");
  CHECK(kind_of(EIO) == "BackendError");
  CHECK(kind_of(ENOENT) == "BackendError");
}
