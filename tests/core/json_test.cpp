#include "engram/json.h"

#include <catch2/catch.hpp>
#include <limits>

#include "engram/errors.h"

TEST_CASE("json: metadata must be an object of finite numbers", "[json]") {
  using engram::Json;
  CHECK_NOTHROW(engram::check_json_object(Json::object(), "metadata"));
  CHECK_NOTHROW(engram::check_json_object(Json(), "metadata"));  // null: empty
  CHECK_NOTHROW(engram::check_json_object(
      Json{{"nested", {{"list", {1, 2.5, "three", nullptr}}}}, {"ünï", "cødé"}}, "metadata"));
  CHECK_THROWS_AS(engram::check_json_object(Json::array({1, 2}), "metadata"),
                  engram::InvalidArgument);
  CHECK_THROWS_AS(engram::check_json_object(Json(3), "metadata"), engram::InvalidArgument);

  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  CHECK_THROWS_AS(engram::check_json_object(Json{{"loss", nan}}, "metadata"),
                  engram::InvalidArgument);
  CHECK_THROWS_AS(engram::check_json_object(Json{{"deep", {{"deeper", {1.0, -inf}}}}}, "params"),
                  engram::InvalidArgument);
  CHECK_THROWS_AS(engram::check_json_object(Json{{"bad", "\xff"}}, "metadata"),
                  engram::InvalidArgument);
  CHECK_THROWS_AS(engram::check_json_object(Json{{"\xfe", 1}}, "metadata"),
                  engram::InvalidArgument);
  // Inside lists and nested objects too.
  CHECK_THROWS_AS(engram::check_json_object(Json{{"list", {"ok", "\xff"}}}, "metadata"),
                  engram::InvalidArgument);
  CHECK_THROWS_AS(engram::check_json_object(Json{{"list", {1, nan}}}, "metadata"),
                  engram::InvalidArgument);
  CHECK_THROWS_AS(engram::check_json_object(Json{{"o", {{"\xfe", 1}}}}, "metadata"),
                  engram::InvalidArgument);
  CHECK_NOTHROW(engram::check_json_object(Json{{"list", {"ok", 1, {{"k", "v"}}}}}, "metadata"));
}

TEST_CASE("json: deep nesting is checked without recursion", "[json]") {
  engram::Json value = engram::Json::object();
  engram::Json* cursor = &value;
  for (int depth = 0; depth < 10000; ++depth) {
    (*cursor)["d"] = engram::Json::object();
    cursor = &(*cursor)["d"];
  }
  (*cursor)["x"] = std::numeric_limits<double>::infinity();
  CHECK_THROWS_AS(engram::check_json_object(value, "metadata"), engram::InvalidArgument);
}
