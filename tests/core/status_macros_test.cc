#include "inlinks/core/status_macros.h"

#include <string>

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace inlinks::core {
namespace {

using ::inlinks::testing::IsOk;
using ::inlinks::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

absl::StatusOr<int> Half(int x) {
  if (x % 2 != 0) return absl::InvalidArgumentError("odd input");
  return x / 2;
}

absl::Status CheckPositive(int x) {
  if (x <= 0) return absl::OutOfRangeError("not positive");
  return absl::OkStatus();
}

absl::StatusOr<int> Quarter(int x) {
  RETURN_IF_ERROR(CheckPositive(x));
  ASSIGN_OR_RETURN(int half, Half(x));
  ASSIGN_OR_RETURN(auto quarter, Half(half));
  return quarter;
}

TEST(StatusMacros, PassesValuesThrough) {
  ASSERT_OK_AND_ASSIGN(int q, Quarter(12));
  EXPECT_EQ(q, 3);
}

TEST(StatusMacros, ReturnsTheFirstError) {
  EXPECT_THAT(Quarter(-4), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(Quarter(6), StatusIs(absl::StatusCode::kInvalidArgument,
                                   HasSubstr("odd")));
  EXPECT_THAT(Quarter(5), Not(IsOk()));
}

TEST(StatusMacros, AssignsToExistingVariable) {
  auto f = [](int x) -> absl::StatusOr<std::string> {
    int v = 0;
    ASSIGN_OR_RETURN(v, Half(x));
    return std::to_string(v);
  };
  EXPECT_EQ(f(8).value(), "4");
  EXPECT_FALSE(f(7).ok());
}

}  // namespace
}  // namespace inlinks::core
