// plugins/postgres/pg_errors.cpp — see pg_errors.h.
#include "pg_errors.h"

#include <cctype>

#include "engram/errors.h"

namespace engram::postgres {
namespace {

constexpr std::string_view kMask = "***";

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::string_view first_line(std::string_view text) {
  const auto end = text.find_first_of("\r\n");
  return end == std::string_view::npos ? text : text.substr(0, end);
}

// `haystack` contains `needle`, ASCII case ignored.
bool contains_nocase(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    bool same = true;
    for (std::size_t j = 0; j < needle.size() && same; ++j) {
      same = std::tolower(static_cast<unsigned char>(haystack[i + j])) ==
             std::tolower(static_cast<unsigned char>(needle[j]));
    }
    if (same) return true;
  }
  return false;
}

void replace_all(std::string &text, std::string_view from) {
  if (from.empty()) return;
  for (auto at = text.find(from); at != std::string::npos;
       at = text.find(from, at + kMask.size())) {
    text.replace(at, from.size(), kMask);
  }
}

// Masks the value after each "password" keyword followed by '=': quoted
// ('...' with \' escapes, as conninfo strings quote) or up to a space, '&'
// (URI query) or '"' (libpq quotes what it echoes).
void mask_password_keywords(std::string &text) {
  constexpr std::string_view kKey = "password";
  for (std::size_t at = 0; at + kKey.size() <= text.size(); ++at) {
    if (!contains_nocase(std::string_view(text).substr(at, kKey.size()), kKey)) continue;
    std::size_t i = at + kKey.size();
    while (i < text.size() && text[i] == ' ') ++i;
    if (i >= text.size() || text[i] != '=') continue;
    ++i;
    while (i < text.size() && text[i] == ' ') ++i;
    std::size_t end = i;
    if (end < text.size() && text[end] == '\'') {
      ++end;
      while (end < text.size() && text[end] != '\'') end += text[end] == '\\' ? 2 : 1;
      end = end < text.size() ? end + 1 : text.size();
    } else {
      while (end < text.size() && text[end] != ' ' && text[end] != '&' && text[end] != '"' &&
             text[end] != '\t' && text[end] != '\n') {
        ++end;
      }
    }
    if (end == i) continue;
    text.replace(i, end - i, kMask);
    at = i + kMask.size() - 1;
  }
}

// Masks the password of each URI "scheme://user:password@host".
void mask_uri_passwords(std::string &text) {
  for (auto scheme = text.find("://"); scheme != std::string::npos;
       scheme = text.find("://", scheme + 3)) {
    const std::size_t start = scheme + 3;
    const auto authority_end = text.find_first_of("/?#\" \t\n", start);
    const std::size_t end = authority_end == std::string::npos ? text.size() : authority_end;
    const auto at = text.rfind('@', end == 0 ? 0 : end - 1);
    if (at == std::string::npos || at < start) continue;
    const auto colon = text.find(':', start);
    if (colon == std::string::npos || colon > at || colon + 1 == at) continue;
    text.replace(colon + 1, at - colon - 1, kMask);
  }
}

// The first line of libpq's or the server's text, without the severity
// libpq puts in front ("ERROR:  ", "FATAL:  ").
std::string_view reason_of(std::string_view message) {
  std::string_view line = first_line(message);
  for (const std::string_view severity : {"ERROR:  ", "FATAL:  ", "PANIC:  "}) {
    if (starts_with(line, severity)) line.remove_prefix(severity.size());
  }
  return line.empty() ? std::string_view("no message") : line;
}

[[noreturn]] void throw_kind(ErrorKind kind, const std::string &message, const std::string &backend,
                             std::optional<std::int64_t> code) {
  switch (kind) {
    case ErrorKind::kConnection:
      throw ConnectionError(message, backend, code);
    case ErrorKind::kAccessDenied:
      throw AccessDenied(message, backend, code);
    case ErrorKind::kInvalidArgument:
      throw InvalidArgument(message, backend, code);
    case ErrorKind::kNotSupported:
      throw NotSupported(message, backend, code);
    case ErrorKind::kCorruptData:
      throw CorruptData(message, backend, code);
    case ErrorKind::kBackend:
      break;
  }
  throw BackendError(message, backend, code);
}

// "<doing> on <server>: <reason>" (what() puts the backend's name first),
// redacted as a whole: the reason may echo a conninfo, and `doing` may name
// one.
std::string message_of(const Origin &origin, std::string_view doing, std::string_view reason) {
  return redacted(
      std::string(doing) + " on " + origin.server + ": " + std::string(reason_of(reason)),
      origin.secrets);
}

}  // namespace

ErrorKind kind_of_sqlstate(std::string_view sqlstate) noexcept {
  if (sqlstate.size() != 5) return ErrorKind::kBackend;
  const std::string_view cls = sqlstate.substr(0, 2);
  if (cls == "08" || sqlstate == "57014" || sqlstate == "57P01" || sqlstate == "57P02" ||
      sqlstate == "57P03") {
    return ErrorKind::kConnection;
  }
  if (cls == "28" || sqlstate == "42501" || sqlstate == "25006") return ErrorKind::kAccessDenied;
  if (cls == "22" || cls == "54") return ErrorKind::kInvalidArgument;
  if (sqlstate == "0A000") return ErrorKind::kNotSupported;
  if (sqlstate == "XX001" || sqlstate == "XX002") return ErrorKind::kCorruptData;
  // 23 (integrity), 53 (insufficient resources: disk full, out of memory,
  // too many connections) and 40 (serialization failure, deadlock) are
  // BackendError as SQLite's CONSTRAINT, FULL and BUSY are: engram has no
  // retryable kind; the message says when a retry may succeed.
  return ErrorKind::kBackend;
}

ErrorKind kind_of_connection_message(std::string_view message) noexcept {
  // libpq 15 gives no SQLSTATE for a failed connect, so its text decides
  // (English messages; under another locale this falls to kConnection).
  for (const std::string_view refusal :
       {"password authentication failed", "authentication failed", "no pg_hba.conf entry",
        "no password supplied", "fe_sendauth", "permission denied", "is not permitted to log in",
        "pg_hba.conf rejects"}) {
    if (contains_nocase(message, refusal)) return ErrorKind::kAccessDenied;
  }
  if (contains_nocase(message, "role \"") && contains_nocase(message, "does not exist")) {
    return ErrorKind::kAccessDenied;
  }
  return ErrorKind::kConnection;
}

std::optional<std::int64_t> sqlstate_code(std::string_view sqlstate) noexcept {
  if (sqlstate.size() != 5) return std::nullopt;
  std::int64_t code = 0;
  for (std::size_t i = 0; i < sqlstate.size(); ++i) {
    const char c = sqlstate[i];
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))) return std::nullopt;
    code |= static_cast<std::int64_t>((c - '0') & 0x3F) << (6 * i);  // PGSIXBIT
  }
  return code;
}

std::string redacted(std::string_view text, const std::vector<std::string> &secrets) {
  std::string out(text);
  for (const std::string &secret : secrets) replace_all(out, secret);
  mask_password_keywords(out);
  mask_uri_passwords(out);
  return out;
}

[[noreturn]] void throw_sqlstate(const Origin &origin, std::string_view doing,
                                 std::string_view sqlstate, std::string_view server_message) {
  std::string message = message_of(origin, doing, server_message);
  if (sqlstate == "57014") {
    message += " (the statement ran past statement_timeout or was cancelled)";
  } else if (sqlstate == "40001" || sqlstate == "40P01") {
    message +=
        " (a serialization failure or deadlock: the transaction may be "
        "retried)";
  }
  if (!sqlstate.empty()) message += " [SQLSTATE " + redacted(sqlstate, origin.secrets) + "]";
  throw_kind(kind_of_sqlstate(sqlstate), message, origin.backend, sqlstate_code(sqlstate));
}

[[noreturn]] void throw_result(const Origin &origin, std::string_view doing, const PGresult *result,
                               const PGconn *conn) {
  const char *sqlstate = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  // The primary message has no severity prefix and no DETAIL lines; libpq's
  // own errors (no SQLSTATE) have only the result's whole message.
  const char *text =
      result != nullptr ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  if ((text == nullptr || *text == '\0') && result != nullptr) text = PQresultErrorMessage(result);
  if ((text == nullptr || *text == '\0') && conn != nullptr) text = PQerrorMessage(conn);
  if (text == nullptr || *text == '\0') text = result == nullptr ? "libpq returned no result" : "";
  if (sqlstate != nullptr && *sqlstate != '\0') throw_sqlstate(origin, doing, sqlstate, text);
  const bool dead = conn == nullptr || PQstatus(conn) == CONNECTION_BAD;
  throw_kind(dead ? ErrorKind::kConnection : ErrorKind::kBackend, message_of(origin, doing, text),
             origin.backend, std::nullopt);
}

[[noreturn]] void throw_connection(const Origin &origin, std::string_view doing,
                                   const PGconn *conn) {
  throw_connection_message(origin, doing,
                           conn == nullptr ? "libpq could not allocate a connection (out of memory)"
                                           : PQerrorMessage(conn));
}

[[noreturn]] void throw_connection_message(const Origin &origin, std::string_view doing,
                                           std::string_view message) {
  throw_kind(kind_of_connection_message(message), message_of(origin, doing, message),
             origin.backend, std::nullopt);
}

}  // namespace engram::postgres
