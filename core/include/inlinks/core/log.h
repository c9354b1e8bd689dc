// File: inlinks/core/log.h
//
// Owns: the one logging facility (Debian's abseil has no absl/log). Lines go
// to stderr as "I20261125 12:00:00.123456 file.cc:42] message". Levels below
// the threshold (INLINKS_LOG_LEVEL env: 0=info 1=warning 2=error) are dropped
// without formatting. Thread-safe: each line is written with one write(2).
//
//   INLINKS_LOG(INFO) << "crawled " << n << " pages";
#pragma once

#include <sstream>
#include <string_view>

namespace inlinks::core {

enum class LogLevel { kInfo = 0, kWarning = 1, kError = 2 };

// True when lines of `level` are written.
bool LogEnabled(LogLevel level);
// Sets the threshold (overrides INLINKS_LOG_LEVEL).
void SetLogLevel(LogLevel level);

// One log line; written when destroyed.
class LogMessage {
 public:
  LogMessage(LogLevel level, const char* file, int line);
  ~LogMessage();
  LogMessage(const LogMessage&) = delete;
  LogMessage& operator=(const LogMessage&) = delete;
  std::ostream& stream() { return stream_; }

 private:
  std::ostringstream stream_;
};

}  // namespace inlinks::core

#define INLINKS_LOG_LEVEL_INFO ::inlinks::core::LogLevel::kInfo
#define INLINKS_LOG_LEVEL_WARNING ::inlinks::core::LogLevel::kWarning
#define INLINKS_LOG_LEVEL_ERROR ::inlinks::core::LogLevel::kError

#define INLINKS_LOG(severity)                                          \
  if (!::inlinks::core::LogEnabled(INLINKS_LOG_LEVEL_##severity)) {   \
  } else                                                               \
    ::inlinks::core::LogMessage(INLINKS_LOG_LEVEL_##severity, __FILE__, \
                                __LINE__)                              \
        .stream()
