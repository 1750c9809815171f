// engram/export.h — symbol visibility for engram::core.
//
// engram builds every library with hidden visibility. ENGRAM_API marks what
// the core exports: functions, and classes whose vtables and typeinfo must be
// shared by the host and every plugin (role interfaces, errors), so that a
// `catch (const engram::CorruptData&)` in the host matches a throw in a plugin.
#ifndef ENGRAM_EXPORT_H_
#define ENGRAM_EXPORT_H_

#define ENGRAM_API __attribute__((visibility("default")))

#endif  // ENGRAM_EXPORT_H_
