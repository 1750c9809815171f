// How records become columns and back (engram/record_columns.h), through a
// row held in memory as any backend's would be: encode + read round trips,
// the Python system's pickles (experience_format NULL, a pickled
// embedding), and the refusals with their kinds and messages (past
// max_record_bytes on both sides, an unknown format, a pickle that is not
// an array). The sqlite plugin's tests show the same on real rows.
#include "engram/record_columns.h"

#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "engram/array.h"
#include "engram/errors.h"
#include "engram/json.h"
#include "engram/npy.h"

namespace {

using engram::Array;
using engram::ColumnCodec;
using engram::ColumnOrigin;
using engram::Json;

// A string from a literal, embedded NULs included.
template <std::size_t N>
std::string P(const char (&text)[N]) {
  return std::string(text, N - 1);
}

std::string text_of(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// A row of byte strings, NULL where empty; numbers are their decimal text.
class TestRow final : public engram::ColumnRow {
 public:
  explicit TestRow(std::vector<std::optional<std::string>> columns)
      : columns_(std::move(columns)) {}

  bool is_null(int column) const override { return !at(column); }
  std::int64_t int64(int column) const override { return std::stoll(at(column).value()); }
  double real(int column) const override { return std::stod(at(column).value()); }
  std::string text(int column) const override { return at(column).value_or(""); }
  std::size_t bytes(int column) const override { return at(column) ? at(column)->size() : 0; }
  std::span<const std::byte> blob(int column) const override {
    if (!at(column)) return {};
    return {reinterpret_cast<const std::byte*>(at(column)->data()), at(column)->size()};
  }

 private:
  const std::optional<std::string>& at(int column) const {
    return columns_.at(static_cast<std::size_t>(column));
  }
  std::vector<std::optional<std::string>> columns_;
};

const ColumnOrigin kOrigin{"pg", "schema engram on db:5432"};
constexpr std::uint64_t kRoomy = std::uint64_t{1} << 20;

// An episode row: 0 id, 1 timestamp, 2 experience_data, 3 performance_score,
// 4 context_hash, 5 metadata, 6 experience_format.
TestRow episode_row(std::optional<std::string> experience, std::optional<std::string> format,
                    std::optional<std::string> metadata = "{\"k\":1}") {
  return TestRow(
      {"7", "1.5", std::move(experience), "0.25", "ctx", std::move(metadata), std::move(format)});
}

// A concept row: 0 id, 1 name, 2 embedding, 3 creation_time, 4 access_count,
// 5 last_accessed, 6 metadata.
TestRow concept_row(std::optional<std::string> embedding,
                    std::optional<std::string> metadata = std::nullopt) {
  return TestRow({"12", "cat", std::move(embedding), "2", "3", "4.5", std::move(metadata)});
}

// What the `Error` that `call` throws says (its backend checked); another
// exception fails the test case as it propagates.
template <class Error, class Call>
std::string refusal(Call call) {
  try {
    call();
  } catch (const Error& error) {
    CHECK(error.backend() == "pg");
    return error.what();
  }
  FAIL_CHECK("nothing thrown");
  return {};
}

// numpy.array(1.5) pickled by protocol 2 (as pickle_test.cpp builds it).
const std::string kPickledScalar =
    P("\x80\x02"
      "cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n"
      "K\x00\x85"
      "C\x01"
      "b\x87R(K\x01)"
      "cnumpy\ndtype\nX\x02\x00\x00\x00"
      "f8\x89\x88\x87R(K\x03X\x01\x00\x00\x00<NNNJ\xff\xff\xff\xff"
      "J\xff\xff\xff\xffK\x00tb"
      "\x89"
      "C\x08\x00\x00\x00\x00\x00\x00\xf8?tb.");

// {"a": 5} pickled by protocol 2.
const std::string kPickledDict =
    P("\x80\x02}X\x01\x00\x00\x00"
      "aK\x05s.");

}  // namespace

TEST_CASE("record_columns: an array experience is .npy, read back equal", "[record_columns]") {
  const ColumnCodec codec{kOrigin, kRoomy};
  const Array experience = Array::copy_of<float>(std::vector<float>{1.0f, -2.5f, 3.25f});
  engram::EpisodeView episode;
  episode.experience_data = experience.view();
  episode.metadata = {{"source", "test"}};
  const engram::EncodedEpisode encoded = engram::encode(codec, episode);
  CHECK(encoded.record == &episode);
  CHECK(encoded.experience.format == engram::kFormatNpy);
  CHECK(encoded.experience.json.empty());
  CHECK(encoded.metadata == "{\"source\":\"test\"}");

  const engram::Episode read = engram::read_episode(
      codec, episode_row(text_of(encoded.experience.npy), "npy", encoded.metadata));
  CHECK(read.id == 7);
  CHECK(read.timestamp == 1.5);
  CHECK(read.performance_score == 0.25);
  CHECK(read.context_hash == "ctx");
  CHECK(read.metadata == Json{{"source", "test"}});
  REQUIRE(std::holds_alternative<Array>(read.experience_data));
  CHECK(std::get<Array>(read.experience_data) == experience);
}

TEST_CASE("record_columns: a JSON experience is JSON text, read back equal", "[record_columns]") {
  const ColumnCodec codec{kOrigin, kRoomy};
  engram::EpisodeView episode;
  episode.experience_data = Json{{"x", {1, 2}}, {"y", "z"}};
  const engram::EncodedEpisode encoded = engram::encode(codec, episode);
  CHECK(encoded.experience.format == engram::kFormatJson);
  CHECK(encoded.experience.npy.empty());
  CHECK(encoded.experience.json == "{\"x\":[1,2],\"y\":\"z\"}");

  const engram::Episode read =
      engram::read_episode(codec, episode_row(encoded.experience.json, "json", std::nullopt));
  REQUIRE(std::holds_alternative<Json>(read.experience_data));
  CHECK(std::get<Json>(read.experience_data) == Json{{"x", {1, 2}}, {"y", "z"}});
  CHECK(read.metadata == Json::object());  // NULL metadata is {}
}

TEST_CASE("record_columns: experience_format NULL is the Python system's pickle",
          "[record_columns]") {
  const ColumnCodec codec{kOrigin, kRoomy};
  const engram::Episode array = engram::read_episode(codec, episode_row(kPickledScalar, {}));
  REQUIRE(std::holds_alternative<Array>(array.experience_data));
  CHECK(std::get<Array>(array.experience_data) == Array::scalar(1.5));
  CHECK(array.metadata == Json{{"k", 1}});

  const engram::Episode dict = engram::read_episode(codec, episode_row(kPickledDict, {}));
  REQUIRE(std::holds_alternative<Json>(dict.experience_data));
  CHECK(std::get<Json>(dict.experience_data) == Json{{"a", 5}});
}

TEST_CASE("record_columns: an unknown experience_format is CorruptData", "[record_columns]") {
  const ColumnCodec codec{kOrigin, kRoomy};
  CHECK(refusal<engram::CorruptData>(
            [&] { engram::read_episode(codec, episode_row("{}", "xml\x01")); }) ==
        "pg: reading episode 7's experience_data in schema engram on db:5432: "
        "unknown experience_format \"xml\\x01\"");
  // Bytes that are not what their format says.
  CHECK(refusal<engram::CorruptData>([&] { engram::read_episode(codec, episode_row("{", "json")); })
            .starts_with("pg: reading episode 7's experience_data in schema engram on db:5432: "
                         "not JSON: "));
  CHECK_THAT(refusal<engram::CorruptData>(
                 [&] { engram::read_episode(codec, episode_row(kPickledDict, "npy")); }),
             Catch::Matchers::StartsWith(
                 "pg: reading episode 7's experience_data in schema engram on db:5432: not a "
                 ".npy array (it looks like a Python pickle, in a row marked npy): "));
  CHECK(
      refusal<engram::CorruptData>([&] { engram::read_episode(codec, episode_row({}, "npy")); }) ==
      "pg: reading episode 7's experience_data in schema engram on db:5432: the value is NULL");
}

TEST_CASE("record_columns: a value past record_limit is refused on both sides",
          "[record_columns]") {
  const ColumnCodec tight{kOrigin, 16};
  SECTION("read: CorruptData from the stored size, naming the field and where") {
    const std::string metadata = "{\"long\":\"abcdefghijklmnopqrstuvwxyz\"}";
    CHECK(refusal<engram::CorruptData>([&] {
            engram::read_episode(tight, episode_row("{}", "json", metadata));
          }) == "pg: reading episode 7's metadata in schema engram on db:5432: declares " +
                    std::to_string(metadata.size()) + " bytes, more than max_record_bytes (16)");
    CHECK(refusal<engram::CorruptData>([&] {
            engram::read_event(tight, TestRow({"3", "t", "0.5", "s", "1", metadata}));
          })
              .starts_with("pg: reading learning event 3's parameters in schema engram on "
                           "db:5432: declares "));
    CHECK(refusal<engram::CorruptData>(
              [&] { engram::read_concept(tight, concept_row(kPickledScalar)); })
              .starts_with("pg: reading concept 12's embedding in schema engram on db:5432: "
                           "declares "));
  }
  SECTION("encode: InvalidArgument, naming the field and where") {
    const Json long_value{{"long", "abcdefghijklmnopqrstuvwxyz"}};
    const std::string size = std::to_string(long_value.dump().size());
    engram::EpisodeView episode;
    episode.experience_data = long_value;
    CHECK(refusal<engram::InvalidArgument>([&] { engram::encode(tight, episode); }) ==
          "pg: storing experience_data in schema engram on db:5432: " + size +
              " bytes, more than max_record_bytes (16)");
    engram::LearningEvent event;
    event.parameters = long_value;
    CHECK(refusal<engram::InvalidArgument>([&] { engram::encode(tight, event); }) ==
          "pg: storing parameters in schema engram on db:5432: " + size +
              " bytes, more than max_record_bytes (16)");
    const Array embedding = Array::copy_of<float>(std::vector<float>{1.0f, 2.0f});
    engram::ConceptView concept_view;
    concept_view.embedding = embedding.view();
    CHECK_THAT(refusal<engram::InvalidArgument>([&] { engram::encode(tight, concept_view); }),
               Catch::Matchers::StartsWith(
                   "pg: storing embedding in schema engram on db:5432: " +
                   std::to_string(engram::npy::encode(embedding.view()).size()) + " bytes"));
  }
  SECTION("encode: JSON nlohmann cannot write is InvalidArgument") {
    engram::EpisodeView episode;
    episode.experience_data = Json::object();
    episode.metadata = Json{{"bad", std::string("\xff")}};
    CHECK_THAT(
        refusal<engram::InvalidArgument>([&] { engram::encode(tight, episode); }),
        Catch::Matchers::StartsWith("pg: storing metadata: it cannot be written as JSON text: "));
  }
}

TEST_CASE("record_columns: concepts and learning events read back", "[record_columns]") {
  const ColumnCodec codec{kOrigin, kRoomy};
  const Array embedding = Array::copy_of<double>(std::vector<double>{0.5, 0.25});
  engram::ConceptView concept_view;
  concept_view.embedding = embedding.view();
  concept_view.metadata = {{"m", true}};
  const engram::EncodedConcept encoded = engram::encode(codec, concept_view);
  CHECK(encoded.record == &concept_view);
  CHECK(encoded.metadata == "{\"m\":true}");
  const engram::Concept read =
      engram::read_concept(codec, concept_row(text_of(encoded.embedding), encoded.metadata));
  CHECK(read.id == 12);
  CHECK(read.name == "cat");
  CHECK(read.embedding == embedding);
  CHECK(read.creation_time == 2.0);
  CHECK(read.access_count == 3);
  CHECK(read.last_accessed == 4.5);
  CHECK(read.metadata == Json{{"m", true}});

  // The Python system's pickled embedding; a pickle that is no array is
  // NotSupported, naming what it held.
  CHECK(engram::read_concept(codec, concept_row(kPickledScalar)).embedding == Array::scalar(1.5));
  CHECK(engram::read_concept(codec, concept_row(kPickledScalar)).metadata == Json::object());
  CHECK(refusal<engram::NotSupported>(
            [&] { engram::read_concept(codec, concept_row(kPickledDict)); }) ==
        "pg: reading concept 12's embedding in schema engram on db:5432: a pickled dict, not a "
        "numpy array");
  CHECK(refusal<engram::CorruptData>(
            [&] { engram::read_concept(codec, concept_row("{}", "{\"m\":")); })
            .starts_with("pg: reading concept 12's embedding in schema engram on db:5432: not a "
                         ".npy array: "));

  engram::LearningEvent event;
  event.parameters = {{"lr", 0.1}};
  const engram::EncodedEvent encoded_event = engram::encode(codec, event);
  CHECK(encoded_event.record == &event);
  const engram::LearningEvent read_event = engram::read_event(
      codec, TestRow({"3", "task", "-0.5", "greedy", "9.5", encoded_event.parameters}));
  CHECK(read_event.id == 3);
  CHECK(read_event.task_type == "task");
  CHECK(read_event.performance_delta == -0.5);
  CHECK(read_event.strategy_used == "greedy");
  CHECK(read_event.timestamp == 9.5);
  CHECK(read_event.parameters == Json{{"lr", 0.1}});
  CHECK(refusal<engram::CorruptData>([&] {
          engram::read_event(codec, TestRow({"3", "t", "0", "s", "0", "[1,"}));
        })
            .starts_with("pg: reading learning event 3's parameters in schema engram on db:5432: "
                         "not JSON text: "));

  const std::vector<engram::LearningEvent> events{event, event};
  const auto all = engram::encode_all(codec, events);
  REQUIRE(all.size() == 2);
  CHECK(all[1].record == &events[1]);
  CHECK(all[1].parameters == encoded_event.parameters);
}
