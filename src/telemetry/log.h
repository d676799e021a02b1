// telemetry/log.h
//
// Structured logs: one JSON object per line on stderr, with a timestamp, a level, a message and
// key/value fields. It is not a tracing system.
//
// Thread-safe: a line is written with one write() call, so lines never interleave.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace berth::telemetry {

enum class Level : uint8_t { kDebug, kInfo, kWarn, kError };

struct Field {
  std::string_view key;
  std::variant<std::string_view, int64_t, double> value;
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, int64_t v) : key(k), value(v) {}
  Field(std::string_view k, int v) : key(k), value(int64_t{v}) {}
  Field(std::string_view k, uint64_t v) : key(k), value(static_cast<int64_t>(v)) {}
  Field(std::string_view k, double v) : key(k), value(v) {}
};

// Parses "debug", "info", "warn" or "error".
bool ParseLevel(std::string_view text, Level& out);
void SetLogLevel(Level level);
bool LogEnabled(Level level);

void Log(Level level, std::string_view message, std::initializer_list<Field> fields = {});

inline void LogInfo(std::string_view m, std::initializer_list<Field> f = {}) { Log(Level::kInfo, m, f); }
inline void LogWarn(std::string_view m, std::initializer_list<Field> f = {}) { Log(Level::kWarn, m, f); }
inline void LogError(std::string_view m, std::initializer_list<Field> f = {}) { Log(Level::kError, m, f); }

// Appends `text` to `out` as a JSON string literal (quotes included).
void AppendJsonString(std::string& out, std::string_view text);

}  // namespace berth::telemetry
