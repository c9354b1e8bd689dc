// File: inlinks/core/status_macros.h
//
// Early-return helpers for absl::Status / absl::StatusOr, which Debian 12's
// abseil (20220623) does not ship. Usage:
//
//   absl::StatusOr<Url> Parse(std::string_view s) {
//     INLINKS_RETURN_IF_ERROR(CheckLength(s));
//     INLINKS_ASSIGN_OR_RETURN(Url u, ParseUrl(s));
//     return u;
//   }
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define INLINKS_STATUS_CONCAT_INNER_(a, b) a##b
#define INLINKS_STATUS_CONCAT_(a, b) INLINKS_STATUS_CONCAT_INNER_(a, b)

// Evaluates `expr` (an absl::Status); returns it from the enclosing function
// when it is not OK.
#define INLINKS_RETURN_IF_ERROR(expr)                 \
  do {                                                \
    ::absl::Status inlinks_status_ = (expr);          \
    if (!inlinks_status_.ok()) return inlinks_status_; \
  } while (0)

// Expands to several statements: inside an if/else, use braces.
// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status from
// the enclosing function, otherwise moves the value into `lhs`, which may be a
// declaration (`auto x`) or an existing variable.
#define INLINKS_ASSIGN_OR_RETURN(lhs, rexpr)                                   \
  INLINKS_ASSIGN_OR_RETURN_IMPL_(                                              \
      INLINKS_STATUS_CONCAT_(inlinks_statusor_, __LINE__), lhs, rexpr)

#define INLINKS_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                   \
  if (!statusor.ok()) return std::move(statusor).status();   \
  lhs = std::move(statusor).value()

#ifndef INLINKS_NO_SHORT_STATUS_MACROS
#define RETURN_IF_ERROR(expr) INLINKS_RETURN_IF_ERROR(expr)
#define ASSIGN_OR_RETURN(lhs, rexpr) INLINKS_ASSIGN_OR_RETURN(lhs, rexpr)
#endif
