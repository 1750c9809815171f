// The pickle reader's refusals and limits (engram/pickle.h), on pickles built
// byte by byte: every forbidden opcode and kind of global is NotSupported
// naming it; malformed input, huge declared lengths and deep nesting are
// CorruptData, refused before the allocation. Values CPython writes are
// proven in pickle_interop_test.cpp.
#include "engram/pickle.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <string>
#include <variant>
#include <vector>

#include "engram/errors.h"
#include "engram/json.h"

namespace {

using engram::Json;
namespace pickle = engram::pickle;

// A pickle from a string literal, embedded NULs included.
template <std::size_t N>
std::string P(const char (&text)[N]) {
  return std::string(text, N - 1);
}

std::string le64(std::uint64_t value) {
  std::string out(8, '\0');
  for (int k = 0; k < 8; ++k) out[k] = static_cast<char>((value >> (8 * k)) & 0xff);
  return out;
}

pickle::Value decode(const std::string& text, const pickle::Limits& limits = {}) {
  std::vector<std::byte> bytes(text.size());
  if (!text.empty()) std::memcpy(bytes.data(), text.data(), text.size());
  return pickle::decode(bytes, limits);
}

Json decode_json(const std::string& text) { return std::get<Json>(decode(text)); }

// The message of the `Error` decoding `text` throws, or what happened instead.
template <class Error>
std::string refusal(const std::string& text, const pickle::Limits& limits = {}) {
  try {
    decode(text, limits);
  } catch (const Error& error) {
    return error.what();
  } catch (const std::exception& error) {
    return std::string("another error: ") + error.what();
  }
  return "no error";
}

// The dtype numpy.dtype('f8') with its state, as protocol 2 writes it.
const std::string kDTypeF8 =
    P("cnumpy\ndtype\nX\x02\x00\x00\x00"
      "f8\x89\x88\x87R(K\x03X\x01\x00\x00\x00<NNNJ\xff\xff\xff\xff"
      "J\xff\xff\xff\xffK\x00tb");

}  // namespace

TEST_CASE("pickle: plain values by hand", "[pickle]") {
  CHECK(decode_json(P("\x80\x02K\x05.")) == 5);
  CHECK(decode_json(P("\x80\x02J\xff\xff\xff\xff.")) == -1);
  CHECK(decode_json(P("\x80\x02N.")).is_null());
  CHECK(decode_json(P("\x80\x02\x88.")) == true);
  // LONG1: 2^64 - 1 and -2^63 fit; 2^64 is tagged.
  CHECK(decode_json(P("\x80\x02\x8a\x09\xff\xff\xff\xff\xff\xff\xff\xff\x00.")) ==
        Json(std::uint64_t{18446744073709551615u}));
  CHECK(decode_json(P("\x80\x02\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x80.")) ==
        Json(std::int64_t{-9223372036854775807 - 1}));
  CHECK(decode_json(P("\x80\x02\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x01.")) ==
        Json::parse(R"({"__engram__":"int","value":"18446744073709551616"})"));
  CHECK(decode_json(P("\x80\x02\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\xff.")) ==
        Json::parse(R"({"__engram__":"int","value":"-18446744073709551616"})"));
  CHECK(decode_json(P("\x80\x02G\x7f\xf8\x00\x00\x00\x00\x00\x00.")) ==
        Json::parse(R"({"__engram__":"float","value":"nan"})"));
  CHECK(decode_json(P("\x80\x02G\xff\xf0\x00\x00\x00\x00\x00\x00.")) ==
        Json::parse(R"({"__engram__":"float","value":"-inf"})"));
  // A dict whose key is the tag itself is escaped into the items form.
  CHECK(decode_json(P("\x80\x02}X\x0a\x00\x00\x00__engram__K\x01s.")) ==
        Json::parse(R"({"__engram__":"dict","items":[["__engram__",1]]})"));
  // Shared references are values twice.
  CHECK(decode_json(P("\x80\x02]q\x00h\x00\x86.")) ==
        Json::parse(R"({"__engram__":"tuple","items":[[],[]]})"));
  // POP at a MARK with nothing above it drops the MARK, as in CPython.
  CHECK(decode_json(P("\x80\x02K\x01(0.")) == 1);
  // A global's name in a message is printable.
  try {
    decode(P("\x80\x02" "cos\x01\nsys\xfftem\n."));
    FAIL("no error");
  } catch (const engram::NotSupported& error) {
    CHECK_THAT(error.what(), Catch::Matchers::Contains("global os\\x01.sys\\xfftem"));
  }
  // A 0-d numpy array at the top is an Array.
  const std::string zero_d = P("\x80\x02"
                               "cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n"
                               "K\x00\x85"
                               "C\x01"
                               "b\x87R(K\x01)") +
                             kDTypeF8 +
                             P("\x89"
                               "C\x08\x00\x00\x00\x00\x00\x00\xf8?tb.");
  const pickle::Value array = decode(zero_d);
  REQUIRE(std::holds_alternative<engram::Array>(array));
  CHECK(std::get<engram::Array>(array) == engram::Array::scalar(1.5));
}

TEST_CASE("pickle: forbidden opcodes and globals are NotSupported, naming them", "[pickle]") {
  struct Hostile {
    const char* what;
    std::string bytes;
    const char* named;
  };
  const Hostile table[] = {
      {"os.system via REDUCE",
       P("\x80\x02"
         "cos\nsystem\nX\x02\x00\x00\x00ls\x85R."),
       "os.system"},
      {"GLOBAL of another module",
       P("\x80\x02"
         "cbuiltins\neval\n."),
       "builtins.eval"},
      {"GLOBAL of numpy's other names",
       P("\x80\x02"
         "cnumpy\nload\n."),
       "numpy.load"},
      {"STACK_GLOBAL of another module", P("\x80\x04\x8c\x0asubprocess\x8c\x05Popen\x93."),
       "subprocess.Popen"},
      {"INST", P("\x80\x02(ios\nsystem\n."), "INST"},
      {"OBJ", P("\x80\x02(N)o."), "OBJ"},
      {"NEWOBJ of a listed class",
       P("\x80\x02"
         "c__builtin__\nset\n)\x81."),
       "NEWOBJ of builtins.set"},
      {"NEWOBJ of another class",
       P("\x80\x02"
         "ccollections\nOrderedDict\n)\x81."),
       "collections.OrderedDict"},
      {"NEWOBJ_EX",
       P("\x80\x04"
         "c__builtin__\nset\n)}\x92."),
       "NEWOBJ_EX"},
      {"EXT1", P("\x80\x02\x82\x01."), "EXT1"},
      {"EXT2", P("\x80\x02\x83\x01\x00."), "EXT2"},
      {"EXT4", P("\x80\x02\x84\x01\x00\x00\x00."), "EXT4"},
      {"PERSID", P("\x80\x02P1\n."), "PERSID"},
      {"BINPERSID", P("\x80\x02NQ."), "BINPERSID"},
      {"NEXT_BUFFER", P("\x80\x05\x97."), "NEXT_BUFFER"},
      {"READONLY_BUFFER", P("\x80\x05N\x98."), "READONLY_BUFFER"},
      {"BUILD on a non-numpy object", P("\x80\x02}}b."), "BUILD of a dict"},
      {"BUILD on a list", P("\x80\x02]Nb."), "BUILD of a list"},
      {"REDUCE of a value", P("\x80\x02N)R."), "REDUCE of None"},
      {"REDUCE of numpy.ndarray",
       P("\x80\x02"
         "cnumpy\nndarray\n)R."),
       "numpy.ndarray"},
      {"_reconstruct of a non-ndarray",
       P("\x80\x02"
         "cnumpy.core.multiarray\n_reconstruct\ncnumpy\ndtype\n)C\x01"
         "b\x87R."),
       "_reconstruct of a global"},
      {"an object dtype",
       P("\x80\x02"
         "cnumpy\ndtype\nX\x02\x00\x00\x00O8\x89\x88\x87R."),
       "'O8'"},
      {"a float128 dtype",
       P("\x80\x02"
         "cnumpy\ndtype\nX\x03\x00\x00\x00"
         "f16\x89\x88\x87R."),
       "'f16'"},
      {"_codecs.encode to another codec",
       P("\x80\x02"
         "c_codecs\nencode\nX\x01\x00\x00\x00"
         "aX\x05\x00\x00\x00utf_8\x86R."),
       "_codecs.encode"},
      {"protocol 0", P("N."), "PROTO"},
      {"protocol 6", P("\x80\x06N."), "protocol 6"},
      {"a protocol-0 opcode", P("\x80\x02I1\n."), "INT"},
      {"a Python 2 str",
       P("\x80\x02U\x01"
         "a."),
       "SHORT_BINSTRING"},
      {"a self-containing list",
       P("\x80\x02]q\x00h\x00"
         "a."),
       "contains itself"},
      {"an int beyond the limit",
       P("\x80\x02\x8b\x01\x08\x00\x00") + std::string(0x801, '\x01') + ".", "2049 bytes"},
      {"a lone surrogate", P("\x80\x02X\x03\x00\x00\x00\xed\xa0\x80."), "surrogate"},
  };
  for (const auto& hostile : table) {
    INFO(hostile.what);
    CHECK_THAT(refusal<engram::NotSupported>(hostile.bytes),
               Catch::Matchers::Contains(hostile.named));
  }
}

TEST_CASE("pickle: malformed input, huge lengths and deep nesting are CorruptData", "[pickle]") {
  const std::string huge = le64(std::uint64_t{1} << 40);
  const std::string overflow = P("\x80\x05"
                                 "cnumpy.core.numeric\n_frombuffer\n(C\x00"
                                 "cnumpy\ndtype\nX\x02\x00\x00\x00"
                                 "f8\x89"
                                 "\x88\x87R\x8a\x08") +
                               le64(std::uint64_t{1} << 62) + P("\x8a\x08") +
                               le64(std::uint64_t{1} << 62) +
                               P("\x86X\x01\x00\x00\x00"
                                 "CtR.");
  struct Bad {
    const char* what;
    std::string bytes;
    const char* named;
  };
  const Bad table[] = {
      {"empty", "", "empty"},
      {"truncated", P("\x80\x02"), "PROTO"},
      {"no STOP", P("\x80\x02N"), "no STOP"},
      {"an unknown opcode", P("\x80\x02\xff."), "0xff"},
      {"BINUNICODE8 of 2^40", P("\x80\x04\x8d") + huge + ".", "BINUNICODE8"},
      {"BINBYTES8 of 2^40", P("\x80\x04\x8e") + huge + ".", "BINBYTES8"},
      {"BYTEARRAY8 of 2^40", P("\x80\x05\x96") + huge + ".", "BYTEARRAY8"},
      {"BINUNICODE of 2^32-1", P("\x80\x02X\xff\xff\xff\xff."), "BINUNICODE"},
      {"BINBYTES of 2^32-1",
       P("\x80\x03"
         "B\xff\xff\xff\xff."),
       "BINBYTES"},
      {"LONG4 of 2^31-1", P("\x80\x02\x8b\xff\xff\xff\x7f."), "LONG4"},
      {"LONG4 negative", P("\x80\x02\x8b\xff\xff\xff\xff."), "negative"},
      {"a huge FRAME", P("\x80\x04\x95") + huge + "N.", "FRAME"},
      {"an ndarray whose shape overflows", overflow, "overflows"},
      {"ndarray data of the wrong size",
       P("\x80\x05"
         "cnumpy.core.numeric\n_frombuffer\n(C\x03"
         "abccnumpy\ndtype\nX\x02\x00\x00\x00"
         "f8"
         "\x89\x88\x87RK\x01\x85X\x01\x00\x00\x00"
         "CtR."),
       "3 bytes, not 8"},
      {"an ndarray without its state",
       P("\x80\x02"
         "cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85"
         "C\x01"
         "b\x87R."),
       "never given its state"},
      {"an empty stack",
       P("\x80\x02"
         "a."),
       "APPEND"},
      {"a memo never stored", P("\x80\x02h\x05."), "memo 5"},
      {"two values at STOP", P("\x80\x02NN."), "STOP"},
      {"bytes after STOP", P("\x80\x02N.x"), "after STOP"},
      {"a str not UTF-8", P("\x80\x02X\x01\x00\x00\x00\xff."), "UTF-8"},
      {"an unhashable key", P("\x80\x02}]Ns."), "unhashable"},
      {"an unhashable item of set()", P("\x80\x02" "c__builtin__\nset\n]]a\x85R."), "unhashable"},
      {"an unhashable set item", P("\x80\x04\x8f(]\x90."), "unhashable"},
      {"a GLOBAL without its newline",
       P("\x80\x02"
         "cos"),
       "newline"},
      {"TUPLE without MARK", P("\x80\x02t."), "MARK"},
      {"a deep tuple", P("\x80\x02)") + std::string(100000, '\x85') + ".", "nested deeper"},
      {"a deep list",
       P("\x80\x02") + std::string(100000, '(') + "]" + std::string(100000, 'l') + ".",
       "nested deeper"},
  };
  for (const auto& bad : table) {
    INFO(bad.what);
    CHECK_THAT(refusal<engram::CorruptData>(bad.bytes), Catch::Matchers::Contains(bad.named));
  }
}

TEST_CASE("pickle: shared references cannot blow the value up", "[pickle]") {
  // t = (t, t) sixty times: 2^60 items once expanded, from 124 bytes.
  std::string doubling = P("\x80\x02)");
  for (int i = 0; i < 60; ++i) doubling += P("2\x86");
  doubling += ".";
  pickle::Limits limits;
  limits.max_output_bytes = 16 << 20;
  CHECK_THAT(refusal<engram::CorruptData>(doubling, limits),
             Catch::Matchers::Contains("would exceed"));
  // Chains of memoised lists appended to later are still depth-checked.
  std::string chain = P("\x80\x02");
  const int lists = 3000;
  for (int i = 0; i < lists; ++i) {
    chain += "]r" + std::string(reinterpret_cast<const char*>(&i), 4) + "0";
  }
  for (int i = 0; i + 1 < lists; ++i) {
    const int next = i + 1;
    chain += "j" + std::string(reinterpret_cast<const char*>(&i), 4) + "j" +
             std::string(reinterpret_cast<const char*>(&next), 4) + "a0";
  }
  chain += P("j\x00\x00\x00\x00.");
  CHECK_THAT(refusal<engram::CorruptData>(chain), Catch::Matchers::Contains("nested deeper"));
}
