// Registrable domains: the Public Suffix List's own conformance cases
// (tests/data/third_party/psl/tests.txt, run in full) plus ours.
#include "inlinks/core/domain.h"

#include <iostream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/testdata.h"

namespace inlinks::core {
namespace {

using ::inlinks::testing::StatusIs;

// https://github.com/publicsuffix/list/blob/main/tests/tests.txt
// "input expected" per line; "null" = no registrable domain. libpsl expects
// lower-case input, so RegistrableDomain lower-cases (ASCII) first.
TEST(Domain, PublicSuffixList_ConformanceTests) {
  INLINKS_REQUIRE_TESTDATA("psl/tests.txt");
  auto text = inlinks::testing::ReadFileBytes(inlinks::testing::TestdataPath("psl/tests.txt"));
  ASSERT_TRUE(text.has_value());
  std::istringstream in(*text);
  std::string line;
  int cases = 0, passed = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line.rfind("//", 0) == 0) continue;
    std::istringstream fields(line);
    std::string input, want;
    fields >> input >> want;
    ASSERT_FALSE(want.empty()) << line;
    ++cases;
    if (input == "null") {
      // The C API has no null string; the empty host stands for it.
      input.clear();
    }
    absl::StatusOr<std::string> got = RegistrableDomain(input);
    if (want == "null") {
      EXPECT_FALSE(got.ok()) << input << " -> " << *got;
      passed += !got.ok();
    } else {
      EXPECT_TRUE(got.ok() && *got == want)
          << input << ": want " << want << ", got "
          << (got.ok() ? *got : got.status().ToString());
      passed += got.ok() && *got == want;
    }
  }
  std::cout << "PSL tests.txt: " << passed << "/" << cases << " pass\n";
  EXPECT_EQ(cases, 78);
}

TEST(Domain, PrivateSectionMakesSeparateSites) {
  EXPECT_EQ(RegistrableDomain("foo.blogspot.com").value(), "foo.blogspot.com");
  EXPECT_EQ(RegistrableDomain("www.foo.blogspot.com").value(), "foo.blogspot.com");
  EXPECT_NE(SiteOf("foo.blogspot.com"), SiteOf("bar.blogspot.com"));
  EXPECT_TRUE(IsPublicSuffix("blogspot.com"));
  EXPECT_TRUE(IsPublicSuffix("co.uk"));
  EXPECT_FALSE(IsPublicSuffix("example.co.uk"));
}

TEST(Domain, IpLiteralsAreTheirOwnDomain) {
  EXPECT_EQ(RegistrableDomain("127.0.0.1").value(), "127.0.0.1");
  EXPECT_EQ(RegistrableDomain("[::1]").value(), "[::1]");
  EXPECT_EQ(RegistrableDomain("[2001:db8::1]").value(), "[2001:db8::1]");
  EXPECT_TRUE(IsIpLiteral("10.0.0.1"));
  EXPECT_TRUE(IsIpLiteral("[::ffff:1.2.3.4]"));
  EXPECT_FALSE(IsIpLiteral("1.2.3.com"));
  EXPECT_FALSE(IsIpLiteral("1.2.3"));
  EXPECT_FALSE(IsIpLiteral("1.2.3.4.5"));
  EXPECT_FALSE(IsIpLiteral(""));
}

TEST(Domain, CaseAndTrailingDot) {
  EXPECT_EQ(RegistrableDomain("WWW.Example.CO.UK").value(), "example.co.uk");
  EXPECT_EQ(RegistrableDomain("www.example.com.").value(), "example.com");
  EXPECT_EQ(RegistrableDomain("xn--bcher-kva.de").value(), "xn--bcher-kva.de");
}

TEST(Domain, HostsWithoutRegistrableDomain) {
  EXPECT_THAT(RegistrableDomain(""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RegistrableDomain("co.uk"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RegistrableDomain(".example.com"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RegistrableDomain("a..example.com"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RegistrableDomain(std::string("a\0b.com", 7)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // SiteOf never fails: such a host is its own site.
  EXPECT_EQ(SiteOf("localhost"), "localhost");
  EXPECT_EQ(SiteOf("co.uk"), "co.uk");
  EXPECT_EQ(SiteOf("intranet"), "intranet");
}

}  // namespace
}  // namespace inlinks::core
