// engram-conformance's default Catch2 reporter, "engram": one line per
// contract case, then a summary, for a plugin author to read.
//
//   PASS  episodes  episodes: an episode round-trips with array or JSON experience
//   FAIL  concepts  concepts: records put from a listing into a fresh backend are reproduced
//         concepts_conformance.cpp:566: CHECK( ids[i] == concepts[i].id )
//           with expansion: 1001 == 1
//           concept alpha
//   61 passed, 1 failed (roles: episodes, concepts)
//
// The second column is the roles under test the case is tagged with. Every
// failed assertion of a case is shown (the first kMaxShown of them), with
// its expansion and the INFO messages in scope. Catch2's own reporters stay
// available (-r console, -r junit, ...).
//
// Thread safety: Catch2 calls a reporter from the main thread only.
// Catch2's reporter bases are declared only with this:
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>
#include <cstddef>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "engram/plugin.h"
#include "fixture.h"

namespace conformance {
namespace {

constexpr std::size_t kMaxShown = 5;

// `indent` before each line of `text`.
std::string indented(const std::string& text, const std::string& indent) {
  std::string out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) out += indent + line + "\n";
  return out;
}

class PassFailReporter : public Catch::StreamingReporterBase<PassFailReporter> {
 public:
  explicit PassFailReporter(const Catch::ReporterConfig& config) : StreamingReporterBase(config) {
    m_reporterPrefs.shouldReportAllAssertions = false;
    m_reporterPrefs.shouldRedirectStdOut = false;
  }

  static std::string getDescription() {
    return "one PASS or FAIL line per case, failures below it, and a summary";
  }

  void assertionStarting(const Catch::AssertionInfo&) override {}

  bool assertionEnded(const Catch::AssertionStats& stats) override {
    const Catch::AssertionResult& result = stats.assertionResult;
    if (result.isOk()) return true;
    ++failures_;
    if (failures_ > kMaxShown) return true;
    std::ostringstream out;
    out << std::filesystem::path(result.getSourceInfo().file).filename().string() << ":"
        << result.getSourceInfo().line << ": ";
    if (result.hasExpression()) {
      out << result.getExpressionInMacro() << "\n";
      if (result.hasExpandedExpression()) {
        out << "  with expansion: " << result.getExpandedExpression() << "\n";
      }
    } else {
      out << "\n";
    }
    if (result.hasMessage()) out << indented(result.getMessage(), "  ");
    for (const Catch::MessageInfo& info : stats.infoMessages) {
      if (info.message != result.getMessage()) out << indented(info.message, "  ");
    }
    shown_ += out.str();
    return true;
  }

  void testCaseStarting(const Catch::TestCaseInfo& info) override {
    StreamingReporterBase::testCaseStarting(info);
    failures_ = 0;
    shown_.clear();
  }

  void testCaseEnded(const Catch::TestCaseStats& stats) override {
    const bool ok = stats.totals.assertions.allOk() && failures_ == 0;
    (ok ? passed_ : failed_) += 1;
    stream << (ok ? "PASS  " : "FAIL  ") << roles_of(stats.testInfo) << "  " << stats.testInfo.name
           << "\n";
    if (!ok) {
      stream << indented(shown_, "      ");
      if (failures_ > kMaxShown) {
        stream << "      ... and " << failures_ - kMaxShown << " more failed assertions\n";
      }
    }
    stream.flush();
    StreamingReporterBase::testCaseEnded(stats);
  }

  void testRunEnded(const Catch::TestRunStats& stats) override {
    std::string roles;
    for (const auto& [role, capabilities] : settings().capabilities) {
      if (!roles.empty()) roles += ", ";
      roles += std::string(engram::role_name(role));
    }
    stream << passed_ << " passed, " << failed_
           << " failed (roles: " << (roles.empty() ? "none" : roles) << ")\n";
    stream.flush();
    StreamingReporterBase::testRunEnded(stats);
  }

 private:
  // The case's role tags that are under test, comma-separated.
  static std::string roles_of(const Catch::TestCaseInfo& info) {
    std::string roles;
    for (const auto& [role, capabilities] : settings().capabilities) {
      const std::string tag(engram::role_name(role));
      for (const std::string& case_tag : info.tags) {
        if (case_tag == tag) {
          if (!roles.empty()) roles += ",";
          roles += tag;
        }
      }
    }
    return roles.empty() ? "-" : roles;
  }

  std::size_t failures_ = 0;
  std::string shown_;
  std::size_t passed_ = 0;
  std::size_t failed_ = 0;
};

CATCH_REGISTER_REPORTER("engram", PassFailReporter)

}  // namespace
}  // namespace conformance
