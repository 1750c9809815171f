// plugins/postgres/connection.h — one libpq connection to the server: its
// session set up for engram (the schema first on the search path, the
// statement timeout), its prepared statements, and the calls the roles make
// on it.
//
// Every statement is sent with binary parameters and asks for binary
// results: numbers travel as the server keeps them (an IEEE double's bits,
// not its decimal text), bytea and text as their bytes, with no escaping.
// A statement's SQL is prepared once per connection, on first use, under a
// name of its own; a connection that was lost forgets them with itself.
//
// Errors: every failure throws through pg_errors.h (what libpq or the
// server said, as engram's kinds; a lost connection is ConnectionError).
// After a failure the connection may be bad (healthy() false): the pool
// (database.h) replaces it instead of handing it out again.
//
// Thread safety: one thread at a time (libpq's rule for a PGconn); the
// pool gives each call a connection of its own.
#ifndef ENGRAM_PLUGINS_POSTGRES_CONNECTION_H_
#define ENGRAM_PLUGINS_POSTGRES_CONNECTION_H_

#include <libpq-fe.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engram/record_columns.h"
#include "handles.h"
#include "pg_errors.h"
#include "pg_options.h"

namespace engram::postgres {

// A statement's parameters, encoded as the server's binary formats. Values
// are copied into the Params (a bytea's bytes are not: REQUIRES they outlive
// the call that sends them).
class Params {
 public:
  Params() {
    types_.reserve(kTypical);
    lengths_.reserve(kTypical);
    formats_.reserve(kTypical);
    slots_.reserve(kTypical);
    storage_.reserve(128);
  }

  Params& int8(std::int64_t value);
  Params& float8(double value);
  Params& text(std::string_view value);
  Params& json(std::string_view value);
  Params& bytea(std::span<const std::byte> value);
  // SQL NULL of the type `type` (an Oid: kInt8, kFloat8, ...).
  Params& null(Oid type);
  // int8(*value) or NULL.
  Params& int8_or_null(std::optional<std::int64_t> value);
  Params& float8_or_null(std::optional<double> value);

  int size() const noexcept { return static_cast<int>(types_.size()); }
  const Oid* types() const noexcept { return types_.data(); }
  const char* const* values() const;
  const int* lengths() const noexcept { return lengths_.data(); }
  const int* formats() const noexcept { return formats_.data(); }

  // The types' Oids (pg_type.h's, fixed since PostgreSQL 7).
  static constexpr Oid kInt8 = 20;
  static constexpr Oid kText = 25;
  static constexpr Oid kJson = 114;
  static constexpr Oid kFloat8 = 701;
  static constexpr Oid kBytea = 17;

 private:
  // Parameters most statements have, reserved up front.
  static constexpr std::size_t kTypical = 8;

  Params& add(Oid type, const void* data, std::size_t size, bool copy);

  std::vector<Oid> types_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  // Where each value is: an offset into storage_ (copied values), or a
  // pointer kept as is (bytea), or null.
  struct Slot {
    const char* pointer = nullptr;
    std::size_t offset = 0;
    bool stored = false;
  };
  std::vector<Slot> slots_;
  std::string storage_;
  mutable std::vector<const char*> pointers_;
};

// A statement's result, its rows read in the binary formats. Columns must be
// of the types the readers expect: int8 for int64(), float8 for real(),
// text, json or bytea for text()/blob(); SQL casts the rest.
class Result {
 public:
  explicit Result(ResultHandle result) : result_(std::move(result)) {}

  int rows() const noexcept { return PQntuples(result_.get()); }
  // The number of rows a command touched (UPDATE, DELETE, INSERT).
  std::int64_t affected() const;

  // One row, as the core's record readers (engram/record_columns.h) read it.
  class Row final : public ColumnRow {
   public:
    Row(const PGresult* result, int row) : result_(result), row_(row) {}
    bool is_null(int column) const override;
    std::int64_t int64(int column) const override;
    double real(int column) const override;
    std::string text(int column) const override;
    std::size_t bytes(int column) const override;
    std::span<const std::byte> blob(int column) const override;

   private:
    const PGresult* result_;
    int row_;
  };
  Row row(int index) const { return Row(result_.get(), index); }

 private:
  ResultHandle result_;
};

class Connection;

// Rows sent by COPY ... FROM STDIN (FORMAT binary): the fastest way rows
// reach the server, one stream instead of a round trip each. Fields are
// written in the binary formats Params uses; small ones are gathered in a
// bounded buffer, a large one (an array's bytes) is handed to libpq as it
// is, never copied here. finish() ends the stream and reads the server's
// verdict; a CopyIn left unfinished (an exception) aborts the COPY, which
// fails the transaction around it.
class CopyIn {
 public:
  CopyIn(const CopyIn&) = delete;
  CopyIn& operator=(const CopyIn&) = delete;
  ~CopyIn();

  // Starts a row of `fields` fields.
  CopyIn& row(int fields);
  CopyIn& int8(std::int64_t value);
  CopyIn& float8(double value);
  CopyIn& text(std::string_view value);
  CopyIn& bytes(std::span<const std::byte> value);

  // Ends the stream; throws as Connection::run for what the server refused
  // (a duplicate id: 23505, BackendError).
  void finish();

 private:
  friend class Connection;
  CopyIn(Connection& connection, std::string_view doing);
  void put(const void* data, std::size_t size);
  void flush();

  Connection& connection_;
  std::string doing_;
  std::string buffer_;
  bool finished_ = false;
};

class Connection {
 public:
  // Connects (within connect_timeout) and sets the session up: search_path
  // to the schema, statement_timeout. Throws AccessDenied for credentials
  // the server refuses, ConnectionError when it cannot be reached.
  Connection(const Settings& settings, const Origin& origin);

  // False once libpq has seen the connection fail.
  bool healthy() const noexcept;

  // healthy(), and for an idle connection also whether the server is
  // still there: a server that restarted or shut down has closed the
  // socket (or sent its last words), which a poll without waiting sees.
  // What else arrived (a notice) is consumed. For the pool, before it
  // hands a connection out.
  bool alive() noexcept;

  // Runs `sql` (prepared on first use) with `params`; `doing` names the
  // call in messages ("storing an episode"). Throws as pg_errors.h.
  Result run(std::string_view sql, const Params& params, std::string_view doing);
  Result run(std::string_view sql, std::string_view doing) { return run(sql, Params(), doing); }

  // Runs `sql` once, unprepared, in the text protocol: for statements that
  // are not queries of rows (BEGIN, DDL, several statements in one text).
  void execute(std::string_view sql, std::string_view doing);

  // Starts `sql`, a COPY ... FROM STDIN (FORMAT binary), and returns its
  // writer. REQUIRES: the CopyIn is finished or dropped before the
  // connection's next statement.
  CopyIn copy_in(std::string_view sql, std::string_view doing);

  // Runs `sql` and hands each row to `sink` as it arrives (libpq's
  // single-row mode): a table is never held whole. `sink` returns false to
  // stop (the rest of the rows are read and dropped). Throws as run(); what
  // `sink` throws passes on after the connection is drained.
  void stream(std::string_view sql, const Params& params, std::string_view doing,
              const std::function<bool(const Result::Row&)>& sink);

  PGconn* get() const noexcept { return connection_.get(); }
  const Origin& origin() const noexcept { return origin_; }

 private:
  // The prepared statement's name for `sql`, preparing it first if needed.
  const std::string& prepared(std::string_view sql, const Params& params, std::string_view doing);
  [[noreturn]] void fail(std::string_view doing, const PGresult* result) const;

  const Origin& origin_;
  ConnectionHandle connection_;
  // Prepared statements by their SQL, looked up without a copy of it.
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const noexcept {
      return std::hash<std::string_view>{}(text);
    }
  };
  std::unordered_map<std::string, std::string, TextHash, std::equal_to<>> statements_;
};

}  // namespace engram::postgres

#endif  // ENGRAM_PLUGINS_POSTGRES_CONNECTION_H_
