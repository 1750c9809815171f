#include "engram/ids.h"

#include <catch2/catch.hpp>
#include <limits>
#include <string>

#include "engram/errors.h"

TEST_CASE("ids: what a valid id is", "[ids]") {
  using engram::is_valid_id;
  CHECK(is_valid_id("pattern_42"));
  CHECK(is_valid_id("snapshot_1700000000123"));
  CHECK(is_valid_id("stdp"));
  CHECK(is_valid_id("ünïcødé-名前"));
  CHECK(is_valid_id("a.b"));
  CHECK(is_valid_id("..."));
  CHECK(is_valid_id("with space"));
  CHECK(is_valid_id(std::string(255, 'x')));

  CHECK_FALSE(is_valid_id(""));
  CHECK_FALSE(is_valid_id("."));
  CHECK_FALSE(is_valid_id(".."));
  CHECK_FALSE(is_valid_id("a/b"));
  CHECK_FALSE(is_valid_id("/abs"));
  CHECK_FALSE(is_valid_id("../escape"));
  CHECK_FALSE(is_valid_id(std::string(256, 'x')));
  CHECK_FALSE(is_valid_id(std::string("nul\0in", 6)));
  CHECK_FALSE(is_valid_id("tab\there"));
  CHECK_FALSE(is_valid_id("line\n"));
  CHECK_FALSE(is_valid_id("del\x7f"));
  CHECK_FALSE(is_valid_id("c1\xc2\x85"));         // U+0085, a C1 control
  CHECK_FALSE(is_valid_id("\xff\xfe"));           // not UTF-8
  CHECK_FALSE(is_valid_id("\xc0\xaf"));           // overlong '/'
  CHECK_FALSE(is_valid_id("\xed\xa0\x80"));       // a surrogate
  CHECK_FALSE(is_valid_id("\xf4\x90\x80\x80"));   // past U+10FFFF
  CHECK_FALSE(is_valid_id("cut\xe2\x82"));        // truncated sequence
}

TEST_CASE("ids: a bad character is found after any run of plain ASCII", "[ids]") {
  using engram::is_valid_id;
  using engram::is_valid_utf8;
  // Plain ASCII is skipped without decoding: what follows it still counts.
  CHECK(is_valid_id("pattern_0123456789 ~!"));
  CHECK(is_valid_id("pattern_ünï_42"));
  CHECK_FALSE(is_valid_id("pattern_0123456789/"));
  CHECK_FALSE(is_valid_id("pattern_0123456789\x1f"));
  CHECK_FALSE(is_valid_id("pattern_0123456789\x7f"));
  CHECK_FALSE(is_valid_id("pattern_ü/"));
  CHECK_FALSE(is_valid_id("pattern_\xc2\x85"));  // U+0085 after ASCII
  CHECK_FALSE(is_valid_id("pattern_ü\xff"));
  CHECK_FALSE(is_valid_id("pattern_\xe2\x82"));  // truncated at the end
  CHECK(is_valid_utf8("plain then ünïcødé then plain"));
  CHECK(is_valid_utf8("tab\tand/slash are text"));
  CHECK_FALSE(is_valid_utf8("plain then \xff"));
  CHECK_FALSE(is_valid_utf8("plain ü then \xc0\xaf"));
}

TEST_CASE("ids: every byte value at every position of a long id", "[ids]") {
  // Ids are checked eight bytes at a time, then byte by byte: each byte is
  // judged alike wherever it falls.
  for (std::size_t at = 0; at < 21; ++at) {
    for (int value = 0; value < 256; ++value) {
      std::string id(21, 'a');
      id[at] = static_cast<char>(value);
      const bool plain = value >= 0x20 && value <= 0x7e && value != '/';
      INFO("byte " << value << " at " << at);
      CHECK(engram::is_valid_id(id) == plain);
      CHECK(engram::is_valid_utf8(id) == (value < 0x80));
    }
    std::string text(21, 'a');
    text.replace(at, 2, "\xc3\xbc");  // ü: valid wherever it starts
    CHECK(engram::is_valid_id(text.substr(0, 21)) == (at < 20));
    CHECK(engram::is_valid_utf8(text.substr(0, 21)) == (at < 20));
  }
}

TEST_CASE("ids: check_id throws InvalidArgument naming the argument", "[ids]") {
  CHECK_NOTHROW(engram::check_id("ok", "pattern_hash"));
  try {
    engram::check_id("a/../b", "reservoir_id");
    FAIL("no throw");
  } catch (const engram::InvalidArgument& e) {
    const std::string message = e.what();
    CHECK(message.find("reservoir_id") != std::string::npos);
    CHECK(message.find("'/'") != std::string::npos);
  }
  try {
    engram::check_id("bell\a", "context");
    FAIL("no throw");
  } catch (const engram::InvalidArgument& e) {
    // The control character is shown escaped, never raw.
    CHECK(std::string(e.what()).find("bell\\x07") != std::string::npos);
  }
  CHECK_THROWS_AS(engram::check_id(std::string(300, 'y'), "layer name"), engram::InvalidArgument);
}

TEST_CASE("ids: values need only be non-empty UTF-8", "[ids]") {
  CHECK_NOTHROW(engram::check_text("ctx/with/slashes and\ttabs", "context_hash"));
  CHECK_THROWS_AS(engram::check_text("", "context_hash"), engram::InvalidArgument);
  CHECK_THROWS_AS(engram::check_text("\xff", "strategy_used"), engram::InvalidArgument);
  CHECK(engram::is_valid_utf8(""));
}

TEST_CASE("ids: finite checks", "[ids]") {
  CHECK_NOTHROW(engram::check_finite(1.5, "score"));
  CHECK_THROWS_AS(engram::check_finite(std::numeric_limits<double>::quiet_NaN(), "score"),
                  engram::InvalidArgument);
  CHECK_THROWS_AS(engram::check_finite(-std::numeric_limits<double>::infinity(), "score"),
                  engram::InvalidArgument);
}

TEST_CASE("ids: the seed's id form", "[ids]") {
  CHECK(engram::seed_millis(1700000000.123) == 1700000000123);
  CHECK(engram::seed_millis(1.9999) == 1999);
  CHECK(engram::seed_millis(-1.5) == -1500);  // Python's int() truncates toward zero
  CHECK(engram::seed_millis(0.0) == 0);
  CHECK(engram::seed_id("snapshot", 1700000000.123) == "snapshot_1700000000123");
  CHECK(engram::seed_id("train", 1700000000.123, 2) == "train_1700000000123_2");
  CHECK(engram::seed_id("stdp", 1764000000.0) == "stdp_1764000000000");
  CHECK_THROWS_AS(engram::seed_millis(std::numeric_limits<double>::infinity()),
                  engram::InvalidArgument);
  CHECK_THROWS_AS(engram::seed_millis(1e300), engram::InvalidArgument);
}

TEST_CASE("ids: printable escapes and shortens", "[ids]") {
  CHECK(engram::printable("plain") == "plain");
  CHECK(engram::printable("a\nb") == "a\\x0ab");
  CHECK(engram::printable("\xff") == "\\xff");
  const std::string shown = engram::printable(std::string(1000, 'z'));
  CHECK(shown.size() < 100);
  CHECK(shown.substr(shown.size() - 3) == "...");
}
