#include "inlinks/core/log.h"

#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include "absl/strings/str_format.h"

namespace inlinks::core {
namespace {

int InitialLevel() {
  const char* env = std::getenv("INLINKS_LOG_LEVEL");
  if (env == nullptr) return 0;
  return std::atoi(env);
}

std::atomic<int>& Threshold() {
  static std::atomic<int> level{InitialLevel()};
  return level;
}

}  // namespace

bool LogEnabled(LogLevel level) {
  return static_cast<int>(level) >= Threshold().load(std::memory_order_relaxed);
}

void SetLogLevel(LogLevel level) {
  Threshold().store(static_cast<int>(level), std::memory_order_relaxed);
}

LogMessage::LogMessage(LogLevel level, const char* file, int line) {
  timeval tv;
  gettimeofday(&tv, nullptr);
  tm t;
  gmtime_r(&tv.tv_sec, &t);
  const char* slash = std::strrchr(file, '/');
  char letter = level == LogLevel::kInfo ? 'I' : level == LogLevel::kWarning ? 'W' : 'E';
  stream_ << absl::StrFormat("%c%04d%02d%02d %02d:%02d:%02d.%06d %s:%d] ", letter,
                             t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour,
                             t.tm_min, t.tm_sec, static_cast<int>(tv.tv_usec),
                             slash ? slash + 1 : file, line);
}

LogMessage::~LogMessage() {
  stream_ << '\n';
  std::string s = stream_.str();
  // One write so concurrent lines do not interleave.
  [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, s.data(), s.size());
}

}  // namespace inlinks::core
