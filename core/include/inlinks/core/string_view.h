// File: inlinks/core/string_view.h
//
// Owns: conversions between std::string_view and Debian's
// absl::string_view, which abseil 20220623 (built without
// ABSL_USES_STD_STRING_VIEW) keeps as a distinct type: neither converts to
// the other implicitly. Views borrow; the caller keeps the bytes alive.
#pragma once

#include <string_view>

#include "absl/strings/string_view.h"

namespace inlinks::core {

inline absl::string_view Av(std::string_view s) { return absl::string_view(s.data(), s.size()); }
inline std::string_view Sv(absl::string_view s) { return std::string_view(s.data(), s.size()); }

}  // namespace inlinks::core
