#ifndef MINSHENG_COMMON_LOG_H_
#define MINSHENG_COMMON_LOG_H_

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace minsheng {

enum class LogLevel { kInfo, kWarning, kError };

// One line to stderr: UTC time, level, message. Never pass personal data (phones, openids).
void LogLine(LogLevel level, absl::string_view message);

template <typename... Parts>
void LogInfo(const Parts&... parts) {
  LogLine(LogLevel::kInfo, absl::StrCat(parts...));
}
template <typename... Parts>
void LogWarning(const Parts&... parts) {
  LogLine(LogLevel::kWarning, absl::StrCat(parts...));
}
template <typename... Parts>
void LogError(const Parts&... parts) {
  LogLine(LogLevel::kError, absl::StrCat(parts...));
}

}  // namespace minsheng

#endif  // MINSHENG_COMMON_LOG_H_
