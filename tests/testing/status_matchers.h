// File: tests/testing/status_matchers.h
//
// GoogleTest matchers for absl::Status and absl::StatusOr<T>, which Debian
// 12's abseil does not ship:
//
//   EXPECT_THAT(ParseUrl("http://a/"), IsOk());
//   EXPECT_THAT(ParseUrl("ftp://a/"), StatusIs(absl::StatusCode::kInvalidArgument));
//   EXPECT_THAT(ParseUrl("ftp://a/"),
//               StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("scheme")));
//   ASSERT_OK_AND_ASSIGN(Url u, ParseUrl("http://a/"));
#pragma once

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace inlinks::testing {

namespace internal {
inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}
}  // namespace internal

MATCHER(IsOk, negation ? "is not OK" : "is OK") {
  const absl::Status& s = internal::GetStatus(arg);
  if (!s.ok()) *result_listener << "status is " << s.ToString();
  return s.ok();
}

MATCHER_P(StatusIs, code,
          std::string(negation ? "has no" : "has") + " code " +
              absl::StatusCodeToString(code)) {
  const absl::Status& s = internal::GetStatus(arg);
  *result_listener << "status is " << s.ToString();
  return s.code() == code;
}

MATCHER_P2(StatusIs, code, message_matcher,
           std::string(negation ? "has no" : "has") + " code " +
               absl::StatusCodeToString(code) + " and a matching message") {
  const absl::Status& s = internal::GetStatus(arg);
  *result_listener << "status is " << s.ToString();
  return s.code() == code &&
         ::testing::Matches(message_matcher)(std::string(s.message()));
}

// An OK absl::StatusOr whose value matches `value_matcher` (or equals it).
MATCHER_P(IsOkAndHolds, value_matcher,
          std::string(negation ? "is not OK or holds no value matching " : "is OK and holds ") +
              ::testing::PrintToString(value_matcher)) {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status().ToString();
    return false;
  }
  return ::testing::ExplainMatchResult(value_matcher, *arg, result_listener);
}

}  // namespace inlinks::testing

#define INLINKS_TESTING_CONCAT_INNER_(a, b) a##b
#define INLINKS_TESTING_CONCAT_(a, b) INLINKS_TESTING_CONCAT_INNER_(a, b)

// Asserts that `rexpr` (an absl::StatusOr) is OK and moves its value to `lhs`.
#define ASSERT_OK_AND_ASSIGN(lhs, rexpr)                                  \
  ASSERT_OK_AND_ASSIGN_IMPL_(                                             \
      INLINKS_TESTING_CONCAT_(inlinks_statusor_, __LINE__), lhs, rexpr)
#define ASSERT_OK_AND_ASSIGN_IMPL_(statusor, lhs, rexpr)                    \
  auto statusor = (rexpr);                                                  \
  ASSERT_TRUE(statusor.ok()) << "status is " << statusor.status().ToString(); \
  lhs = std::move(statusor).value()

#define EXPECT_OK(expr) EXPECT_THAT((expr), ::inlinks::testing::IsOk())
#define ASSERT_OK(expr) ASSERT_THAT((expr), ::inlinks::testing::IsOk())
