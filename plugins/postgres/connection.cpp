#include "connection.h"

#include <endian.h>
#include <poll.h>

#include <bit>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include "engram/errors.h"
#include "engram/log.h"

namespace engram::postgres {
namespace {

// A value's bytes in network order, as the binary formats of int8 and
// float8 hold them.
std::uint64_t to_network(std::uint64_t host) { return htobe64(host); }
std::uint64_t from_network(const char* data) {
  std::uint64_t value = 0;
  std::memcpy(&value, data, sizeof value);
  return be64toh(value);
}

// A value's length as libpq takes it; a value past 2 GiB - 1 cannot be a
// parameter (the server's limit on a field is 1 GiB anyway).
int length_of(std::size_t size) {
  if (size > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw InvalidArgument("a value of " + std::to_string(size) +
                          " bytes is past what one PostgreSQL field holds (1 GiB)");
  }
  return static_cast<int>(size);
}

// `name` quoted as an SQL identifier. REQUIRES: is_sql_identifier(name).
std::string identifier(std::string_view name) { return "\"" + std::string(name) + "\""; }

// libpq's notice processor: a server notice or warning, to the log.
void log_notice(void* /*unused*/, const char* message) {
  std::string_view text = message != nullptr ? message : "";
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  log(LogLevel::kDebug, "postgres: " + std::string(text));
}

}  // namespace

// ---------------------------------------------------------------- Params

Params& Params::add(Oid type, const void* data, std::size_t size, bool copy) {
  Slot slot;
  if (data == nullptr) {
    lengths_.push_back(0);
  } else if (copy) {
    slot.stored = true;
    slot.offset = storage_.size();
    storage_.append(static_cast<const char*>(data), size);
    lengths_.push_back(length_of(size));
  } else {
    // An empty bytea must still be a value, not NULL: any non-null pointer.
    slot.pointer = size == 0 ? "" : static_cast<const char*>(data);
    lengths_.push_back(length_of(size));
  }
  types_.push_back(type);
  formats_.push_back(1);
  slots_.push_back(slot);
  return *this;
}

Params& Params::int8(std::int64_t value) {
  const std::uint64_t bits = to_network(static_cast<std::uint64_t>(value));
  return add(kInt8, &bits, sizeof bits, true);
}

Params& Params::float8(double value) {
  const std::uint64_t bits = to_network(std::bit_cast<std::uint64_t>(value));
  return add(kFloat8, &bits, sizeof bits, true);
}

Params& Params::text(std::string_view value) {
  // Copied: an empty view may have no storage, and views rarely outlive the
  // builder's caller by design.
  return add(kText, value.empty() ? "" : value.data(), value.size(), true);
}

Params& Params::json(std::string_view value) {
  return add(kJson, value.empty() ? "" : value.data(), value.size(), true);
}

Params& Params::bytea(std::span<const std::byte> value) {
  return add(kBytea, value.data(), value.size(), false);
}

Params& Params::null(Oid type) { return add(type, nullptr, 0, false); }

Params& Params::int8_or_null(std::optional<std::int64_t> value) {
  return value ? int8(*value) : null(kInt8);
}

Params& Params::float8_or_null(std::optional<double> value) {
  return value ? float8(*value) : null(kFloat8);
}

const char* const* Params::values() const {
  pointers_.clear();
  for (const Slot& slot : slots_) {
    pointers_.push_back(slot.stored ? storage_.data() + slot.offset : slot.pointer);
  }
  return pointers_.data();
}

// ---------------------------------------------------------------- Result

std::int64_t Result::affected() const {
  const char* count = PQcmdTuples(result_.get());
  return count == nullptr || *count == '\0' ? 0 : std::stoll(count);
}

bool Result::Row::is_null(int column) const { return PQgetisnull(result_, row_, column) != 0; }

std::int64_t Result::Row::int64(int column) const {
  if (is_null(column)) return 0;
  return static_cast<std::int64_t>(from_network(PQgetvalue(result_, row_, column)));
}

double Result::Row::real(int column) const {
  if (is_null(column)) return 0.0;
  return std::bit_cast<double>(from_network(PQgetvalue(result_, row_, column)));
}

std::string Result::Row::text(int column) const {
  return std::string(PQgetvalue(result_, row_, column),
                     static_cast<std::size_t>(PQgetlength(result_, row_, column)));
}

std::size_t Result::Row::bytes(int column) const {
  return static_cast<std::size_t>(PQgetlength(result_, row_, column));
}

std::span<const std::byte> Result::Row::blob(int column) const {
  return {reinterpret_cast<const std::byte*>(PQgetvalue(result_, row_, column)), bytes(column)};
}

// ---------------------------------------------------------------- Connection

Connection::Connection(const Settings& settings, const Origin& origin) : origin_(origin) {
  const ConnInfo info(settings.options);
  connection_.reset(PQconnectdbParams(info.keywords(), info.values(), ConnInfo::kExpandDbname));
  if (!connection_ || PQstatus(connection_.get()) != CONNECTION_OK) {
    throw_connection(origin_, "connecting", connection_.get());
  }
  // The server's notices ("schema ... already exists, skipping") go to the
  // log at debug level, never to the process's stderr as libpq would.
  PQsetNoticeProcessor(connection_.get(), &log_notice, nullptr);
  execute("SET client_encoding TO 'UTF8'; SET client_min_messages TO warning; SET search_path TO " +
              identifier(settings.options.schema) +
              "; SET statement_timeout = " + std::to_string(settings.statement_timeout_ms),
          "setting up the session");
}

bool Connection::healthy() const noexcept {
  return connection_ && PQstatus(connection_.get()) == CONNECTION_OK;
}

bool Connection::alive() noexcept {
  if (!healthy()) return false;
  // Readable while idle: the end of the stream, often after the server's
  // last words (a notice, "terminating connection ..."), or a notice alone.
  // libpq reads what is there and marks the connection bad at the end of
  // the stream; a read that got words stops before the end, so poll again
  // (a few times: a connection that keeps talking is let be).
  for (int reads = 0; reads < 4; ++reads) {
    pollfd socket{PQsocket(connection_.get()), POLLIN, 0};
    if (socket.fd < 0) return false;
    if (::poll(&socket, 1, 0) <= 0) return true;  // nothing (more) arrived
    if (PQconsumeInput(connection_.get()) == 0 || !healthy()) return false;
  }
  return true;
}

void Connection::fail(std::string_view doing, const PGresult* result) const {
  throw_result(origin_, doing, result, connection_.get());
}

const std::string& Connection::prepared(std::string_view sql, const Params& params,
                                        std::string_view doing) {
  const auto found = statements_.find(sql);
  if (found != statements_.end()) return found->second;
  std::string name = "engram_" + std::to_string(statements_.size());
  const std::string text(sql);
  const ResultHandle result(
      PQprepare(connection_.get(), name.c_str(), text.c_str(), params.size(), params.types()));
  if (!result || PQresultStatus(result.get()) != PGRES_COMMAND_OK) fail(doing, result.get());
  return statements_.emplace(text, std::move(name)).first->second;
}

Result Connection::run(std::string_view sql, const Params& params, std::string_view doing) {
  const std::string& name = prepared(sql, params, doing);
  ResultHandle result(PQexecPrepared(connection_.get(), name.c_str(), params.size(),
                                     params.values(), params.lengths(), params.formats(), 1));
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) fail(doing, result.get());
  return Result(std::move(result));
}

void Connection::execute(std::string_view sql, std::string_view doing) {
  const std::string text(sql);
  ResultHandle result(PQexec(connection_.get(), text.c_str()));
  // PQexec of several statements returns the last one's result; an error
  // stops at the failing statement and returns its result.
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) fail(doing, result.get());
}

void Connection::stream(std::string_view sql, const Params& params, std::string_view doing,
                        const std::function<bool(const Result::Row&)>& sink) {
  const std::string& name = prepared(sql, params, doing);
  PGconn* conn = connection_.get();
  if (PQsendQueryPrepared(conn, name.c_str(), params.size(), params.values(), params.lengths(),
                          params.formats(), 1) == 0) {
    throw_connection(origin_, doing, conn);
  }
  PQsetSingleRowMode(conn);
  // Every result is read, whatever happens, so the connection is left
  // ready for its next statement; the first failure is thrown after.
  ResultHandle failed;
  std::exception_ptr thrown;
  bool wanted = true;
  while (PGresult* raw = PQgetResult(conn)) {
    ResultHandle result(raw);
    const ExecStatusType status = PQresultStatus(raw);
    if (status == PGRES_SINGLE_TUPLE) {
      if (!wanted || thrown) continue;
      try {
        wanted = sink(Result::Row(raw, 0));
      } catch (...) {
        thrown = std::current_exception();
      }
    } else if (status != PGRES_TUPLES_OK && !failed) {
      failed = std::move(result);
    }
  }
  if (failed) fail(doing, failed.get());
  if (!healthy()) throw_connection(origin_, doing, conn);
  if (thrown) std::rethrow_exception(thrown);
}

// ---------------------------------------------------------------- CopyIn

namespace {

// The binary COPY stream's header: signature, flags, extension length.
constexpr char kCopyHeader[] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";
constexpr std::size_t kCopyHeaderSize = 19;
// Fields larger than this go to libpq as they are; smaller ones are
// gathered until the buffer holds this much.
constexpr std::size_t kCopyBuffer = 64 * 1024;
constexpr std::size_t kCopyDirect = 16 * 1024;

void put_int32(std::string& buffer, std::int32_t value) {
  const std::uint32_t bits = htobe32(static_cast<std::uint32_t>(value));
  buffer.append(reinterpret_cast<const char*>(&bits), sizeof bits);
}

}  // namespace

CopyIn Connection::copy_in(std::string_view sql, std::string_view doing) {
  const std::string text(sql);
  const ResultHandle result(PQexec(connection_.get(), text.c_str()));
  if (!result || PQresultStatus(result.get()) != PGRES_COPY_IN) fail(doing, result.get());
  return CopyIn(*this, doing);
}

CopyIn::CopyIn(Connection& connection, std::string_view doing)
    : connection_(connection), doing_(doing) {
  buffer_.reserve(kCopyBuffer + 64);
  buffer_.append(kCopyHeader, kCopyHeaderSize);
}

CopyIn::~CopyIn() {
  if (finished_) return;
  PGconn* conn = connection_.get();
  if (PQputCopyEnd(conn, "engram: the rows could not all be written") == 1) {
    while (PGresult* result = PQgetResult(conn)) PQclear(result);
  }
}

void CopyIn::put(const void* data, std::size_t size) {
  if (PQputCopyData(connection_.get(), static_cast<const char*>(data), length_of(size)) != 1) {
    throw_connection(connection_.origin(), doing_, connection_.get());
  }
}

void CopyIn::flush() {
  if (buffer_.empty()) return;
  put(buffer_.data(), buffer_.size());
  buffer_.clear();
}

CopyIn& CopyIn::row(int fields) {
  if (buffer_.size() >= kCopyBuffer) flush();
  const std::uint16_t count = htobe16(static_cast<std::uint16_t>(fields));
  buffer_.append(reinterpret_cast<const char*>(&count), sizeof count);
  return *this;
}

CopyIn& CopyIn::int8(std::int64_t value) {
  put_int32(buffer_, 8);
  const std::uint64_t bits = to_network(static_cast<std::uint64_t>(value));
  buffer_.append(reinterpret_cast<const char*>(&bits), sizeof bits);
  return *this;
}

CopyIn& CopyIn::float8(double value) {
  put_int32(buffer_, 8);
  const std::uint64_t bits = to_network(std::bit_cast<std::uint64_t>(value));
  buffer_.append(reinterpret_cast<const char*>(&bits), sizeof bits);
  return *this;
}

CopyIn& CopyIn::text(std::string_view value) {
  return bytes(std::as_bytes(std::span(value.data(), value.size())));
}

CopyIn& CopyIn::bytes(std::span<const std::byte> value) {
  put_int32(buffer_, length_of(value.size()));
  if (value.size() < kCopyDirect) {
    buffer_.append(reinterpret_cast<const char*>(value.data()), value.size());
  } else {
    flush();
    put(value.data(), value.size());
  }
  return *this;
}

void CopyIn::finish() {
  const std::uint16_t trailer = 0xffff;
  buffer_.append(reinterpret_cast<const char*>(&trailer), sizeof trailer);
  flush();
  PGconn* conn = connection_.get();
  finished_ = true;
  if (PQputCopyEnd(conn, nullptr) != 1) throw_connection(connection_.origin(), doing_, conn);
  // The server's verdict, then the end of the results.
  ResultHandle failed;
  while (PGresult* raw = PQgetResult(conn)) {
    ResultHandle result(raw);
    if (PQresultStatus(raw) != PGRES_COMMAND_OK && !failed) failed = std::move(result);
  }
  if (failed) throw_result(connection_.origin(), doing_, failed.get(), conn);
  if (!connection_.healthy()) throw_connection(connection_.origin(), doing_, conn);
}

}  // namespace engram::postgres
