// engram/options.h — a backend's options, declared once.
//
// A plugin keeps its options in one struct with in-class defaults (the
// seed's names and values) and lists each field once in an OptionTable. The
// table gives the descriptor's schema (defaults read from a default-built
// struct) and fills the struct from BackendContext::options, so nothing
// else in the plugin reads option keys:
//
//   struct SqliteOptions {
//     std::string db_path = "godly_ai.db";
//     std::int64_t max_backups = 10;
//     bool enable_wal = true;
//   };
//   const auto kOptions = engram::OptionTable<SqliteOptions>()
//       .add("db_path", &SqliteOptions::db_path, "database file", engram::OptionType::kPath)
//       .add("max_backups", &SqliteOptions::max_backups, "backups kept")
//       .add("enable_wal", &SqliteOptions::enable_wal, "write-ahead logging");
//   ... descriptor.options = kOptions.schema();
//   ... SqliteOptions options = kOptions.bind(context.options);
//
// A field's option type follows its C++ type — std::string: string,
// bool: bool, integers: int, floating point: float, std::vector<std::string>:
// list — unless given: kPath or kSecret for a std::string field.
//
// What a value must be beyond its type is declared with it, and the core
// checks it where the config is resolved (a ConfigError at the value's
// file:line:column naming the backend):
//
//       .add("port", &RedisOptions::port, "server port", engram::in_range(1, 65535))
//       .add("compression", &Hdf5Options::compression, "filter",
//            engram::one_of({"gzip", "lzf", "none"}))
//       .add("db_path", &SqliteOptions::db_path, "database file", engram::OptionType::kPath,
//            engram::non_empty())
//
// bind() checks them again, so a backend built straight from a descriptor
// (without a config) gets the same errors, without a place in a file.
//
// An option a running backend can take a new value of is marked live; its
// Maintenance::set_option hands the change to update(), which checks it as
// bind() does and sets it in the backend's copy of the options:
//
//       .add("max_backups", &SqliteOptions::max_backups, "backups kept", at_least(1))
//       .live()
//
//   void set_option(std::string_view key, const Json& value) override {
//     std::lock_guard lock(mutex_);
//     options_ = kOptions.update(options_, key, value, backend_name());
//   }
//
// Thread safety: a built table is immutable; schema() and bind() may be
// called from several threads at once.
#ifndef ENGRAM_OPTIONS_H_
#define ENGRAM_OPTIONS_H_

#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "engram/errors.h"
#include "engram/json.h"
#include "engram/plugin.h"

namespace engram {

// Constraints (plugin.h's OptionConstraint), for OptionTable::add.
// int or float values from `min` to `max`, both included.
inline OptionConstraint in_range(double min, double max) {
  OptionConstraint constraint;
  constraint.min = min;
  constraint.max = max;
  return constraint;
}
inline OptionConstraint at_least(double min) {
  OptionConstraint constraint;
  constraint.min = min;
  return constraint;
}
// A string that is one of `choices`.
inline OptionConstraint one_of(std::vector<std::string> choices) {
  OptionConstraint constraint;
  constraint.choices = std::move(choices);
  return constraint;
}
// A string, path, secret or list that is not empty.
inline OptionConstraint non_empty() {
  OptionConstraint constraint;
  constraint.non_empty = true;
  return constraint;
}

template <class Options>
class OptionTable {
 public:
  // Declares option `key`, stored in `member`, whose values must satisfy
  // `constraint`. REQUIRES: keys are unique; an explicit `type` is kPath or
  // kSecret, for a std::string member; the default satisfies `constraint`.
  template <class Field>
  OptionTable add(std::string key, Field Options::*member, std::string doc,
                  OptionConstraint constraint) const {
    return add(std::move(key), member, std::move(doc), std::nullopt, std::move(constraint));
  }
  template <class Field>
  OptionTable add(std::string key, Field Options::*member, std::string doc,
                  std::optional<OptionType> type = std::nullopt,
                  OptionConstraint constraint = {}) const {
    static_assert(std::is_same_v<Field, std::string> || std::is_same_v<Field, bool> ||
                      std::is_integral_v<Field> || std::is_floating_point_v<Field> ||
                      std::is_same_v<Field, std::vector<std::string>>,
                  "an option is a string, bool, integer, floating-point or list of strings");
    OptionTable table = *this;
    Row row;
    row.spec.key = std::move(key);
    row.spec.type = type.value_or(natural_type<Field>());
    row.spec.default_value = Json(Options{}.*member);
    row.spec.doc = std::move(doc);
    row.spec.constraint = std::move(constraint);
    row.set = [member, name = row.spec.key](Options& options, const Json& value) {
      try {
        options.*member = value.get<Field>();
      } catch (const Json::exception& e) {
        throw ConfigError("option '" + name + "' has the wrong type: " + e.what());
      }
    };
    table.rows_.push_back(std::move(row));
    return table;
  }

  // Marks the option added last as live (OptionSpec::live). REQUIRES: an
  // option was added.
  OptionTable live() const {
    OptionTable table = *this;
    table.rows_.back().spec.live = true;
    return table;
  }

  // `options` with live option `key` set to `value`. Throws InvalidArgument
  // naming `backend` and the option when there is no such option, the value
  // has the wrong JSON type (an int option takes an integer, a float option
  // any number) or breaks its constraint; NotSupported when the option is
  // not live (it is read when the backend opens: reopen it with the new
  // value in its config). `options` is not changed.
  Options update(Options options, std::string_view key, const Json& value,
                 std::string_view backend) const {
    const std::string where = "backend '" + std::string(backend) + "', option '" +
                              std::string(key) + "'";
    for (const Row& row : rows_) {
      if (row.spec.key != key) continue;
      if (!row.spec.live) {
        throw NotSupported(where + ": read when the backend opens; it cannot change while it "
                                   "runs (reopen with the new value in the config)",
                           std::string(backend));
      }
      if (!has_type(row.spec.type, value)) {
        const std::string got = row.spec.type == OptionType::kSecret ? "another type" : value.dump();
        throw InvalidArgument(
            where + ": must be " + std::string(option_type_name(row.spec.type)) + ", got " + got,
            std::string(backend));
      }
      if (const auto problem = option_problem(row.spec, value)) {
        throw InvalidArgument(where + " " + *problem, std::string(backend));
      }
      try {
        row.set(options, value);
      } catch (const ConfigError& e) {
        throw InvalidArgument(where + ": " + e.what(), std::string(backend));
      }
      return options;
    }
    throw InvalidArgument(where + ": no such option", std::string(backend));
  }

  // The schema rows, in the order declared.
  std::vector<OptionSpec> schema() const {
    std::vector<OptionSpec> specs;
    specs.reserve(rows_.size());
    for (const Row& row : rows_) specs.push_back(row.spec);
    return specs;
  }

  // The struct, from a BackendContext's validated options; a key the table
  // does not have is ignored, a missing key keeps its default. Throws
  // ConfigError when a value has the wrong JSON type or breaks its
  // constraint.
  Options bind(const Json& options) const {
    Options bound;
    for (const Row& row : rows_) {
      const auto found = options.find(row.spec.key);
      if (found == options.end() || found->is_null()) continue;
      if (const auto problem = option_problem(row.spec, *found)) {
        throw ConfigError("option '" + row.spec.key + "' " + *problem);
      }
      row.set(bound, *found);
    }
    return bound;
  }

 private:
  struct Row {
    OptionSpec spec;
    std::function<void(Options&, const Json&)> set;
  };

  // Whether `value` is JSON of `type`'s kind.
  static bool has_type(OptionType type, const Json& value) {
    switch (type) {
      case OptionType::kBool:
        return value.is_boolean();
      case OptionType::kInt:
        return value.is_number_integer();
      case OptionType::kFloat:
        return value.is_number();
      case OptionType::kList:
        if (!value.is_array()) return false;
        for (const Json& item : value) {
          if (!item.is_string()) return false;
        }
        return true;
      default:
        return value.is_string();
    }
  }

  template <class Field>
  static constexpr OptionType natural_type() {
    if constexpr (std::is_same_v<Field, bool>) {
      return OptionType::kBool;
    } else if constexpr (std::is_integral_v<Field>) {
      return OptionType::kInt;
    } else if constexpr (std::is_floating_point_v<Field>) {
      return OptionType::kFloat;
    } else if constexpr (std::is_same_v<Field, std::vector<std::string>>) {
      return OptionType::kList;
    } else {
      return OptionType::kString;
    }
  }

  std::vector<Row> rows_;
};

}  // namespace engram

#endif  // ENGRAM_OPTIONS_H_
