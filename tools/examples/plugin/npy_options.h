// npy_options.h — the `npy` plugin's options, declared once.
//
// One struct with in-class defaults, and one OptionTable row per field
// (engram/options.h): the table gives the descriptor's schema and binds the
// struct from the validated options the core hands the factory. Nothing
// else in the plugin reads an option key.
//
//   backends:
//     arrays: {plugin: npy, folder: data/traces, fsync: true}
//
// Errors: the core refuses a wrong type or an empty `folder` with a
// ConfigError at the value's file:line:column before the plugin runs;
// bind() refuses the same (ConfigError) for a backend built without a
// config. Thread safety: kNpyOptions is immutable.
#ifndef ENGRAM_EXAMPLES_NPY_OPTIONS_H_
#define ENGRAM_EXAMPLES_NPY_OPTIONS_H_

#include <string>

#include "engram/options.h"

namespace engram::npy_plugin {

struct NpyOptions {
  // The root folder: one subfolder per kind of trace, one folder per record
  // (README.md, "Layout on disk"). Made when missing. A relative path in a
  // config is relative to the config file's folder.
  std::string folder = "traces";
  // Whether every file and folder is flushed to disk (fsync) before its
  // record is published. Off is faster; a power loss may then lose or damage
  // records stored just before it (a process crash still cannot).
  bool fsync = true;
};

inline const auto kNpyOptions =
    OptionTable<NpyOptions>()
        .add("folder", &NpyOptions::folder,
             "root folder: one subfolder per kind, one folder of .npy files per record",
             OptionType::kPath, non_empty())
        .add("fsync", &NpyOptions::fsync,
             "flush each record to disk before it becomes visible (crash- and power-safe)");

}  // namespace engram::npy_plugin

#endif  // ENGRAM_EXAMPLES_NPY_OPTIONS_H_
