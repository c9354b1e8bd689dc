// Tests for inlinks/crawler/robots.h: RFC 9309 parsing and matching, the RFC's
// own examples, Google's robots.txt compliance tests (protobuf text format,
// read by a small reader below), the crawler-commons inputs, and bounded
// time on pathological input.
#include "inlinks/crawler/robots.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "tests/testing/testdata.h"

namespace inlinks::crawler {
namespace {

using Decision = RobotsRules::Decision;
using ::inlinks::testing::ReadFileBytes;
using ::inlinks::testing::TestdataPath;

bool Allowed(std::string_view robots, std::string_view agent,
             std::string_view path) {
  return RobotsRules::Parse(robots, agent).IsAllowed(path);
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr double kTimeScale = 10;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || \
    __has_feature(undefined_behavior_sanitizer)
constexpr double kTimeScale = 10;
#else
constexpr double kTimeScale = 1;
#endif
#else
constexpr double kTimeScale = 1;
#endif

template <typename F>
double SecondsOf(F&& f) {
  auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

// ---------------------------------------------------------------------------
// RFC 9309 section 2.1: protocol definition (line syntax).

// https://www.rfc-editor.org/rfc/rfc9309.html#section-2.1
TEST(Robots, Rfc9309_2_1_KeysCaseInsensitiveAndWhitespace) {
  constexpr std::string_view kRobots =
      "  USER-AGENT  :   FooBot  \n"
      "\tdIsAlLoW\t:\t/x  \n"
      "ALLOW: /x/y\n";
  EXPECT_FALSE(Allowed(kRobots, "foobot", "/x"));
  EXPECT_TRUE(Allowed(kRobots, "foobot", "/x/y"));
  EXPECT_TRUE(Allowed(kRobots, "foobot", "/y"));
}

// https://www.rfc-editor.org/rfc/rfc9309.html#section-2.1
TEST(Robots, Rfc9309_2_1_LineEndings) {
  for (std::string_view eol : {"\n", "\r\n", "\r"}) {
    std::string robots = "User-agent: FooBot" + std::string(eol) +
                         "Disallow: /a" + std::string(eol) + "Disallow: /b" +
                         std::string(eol);
    EXPECT_FALSE(Allowed(robots, "FooBot", "/a")) << "eol " << eol.size();
    EXPECT_FALSE(Allowed(robots, "FooBot", "/b")) << "eol " << eol.size();
    EXPECT_TRUE(Allowed(robots, "FooBot", "/c")) << "eol " << eol.size();
  }
  // Mixed, and a last line without an end of line.
  EXPECT_FALSE(
      Allowed("User-agent: FooBot\r\nDisallow: /a\rDisallow: /b\nDisallow: /c",
              "FooBot", "/c"));
}

// https://www.rfc-editor.org/rfc/rfc9309.html#section-2.1
TEST(Robots, Rfc9309_2_1_Comments) {
  constexpr std::string_view kRobots =
      "# comment line\n"
      "User-agent: FooBot # trailing comment\n"
      "# Disallow: /\n"
      "Disallow: /foo#bar\n";
  EXPECT_TRUE(Allowed(kRobots, "FooBot", "/"));
  EXPECT_FALSE(Allowed(kRobots, "FooBot", "/foo"));
  EXPECT_EQ(RobotsRules::Parse(kRobots, "FooBot").rule_count(), 1u);
}

// https://www.rfc-editor.org/rfc/rfc9309.html#section-2.1
TEST(Robots, Rfc9309_2_1_Utf8ByteOrderMark) {
  EXPECT_FALSE(Allowed("\xEF\xBB\xBFUser-agent: FooBot\nDisallow: /a\n",
                       "FooBot", "/a"));
  // A truncated BOM is skipped too (Google's parser does the same).
  EXPECT_FALSE(
      Allowed("\xEF\xBBUser-agent: FooBot\nDisallow: /a\n", "FooBot", "/a"));
  EXPECT_FALSE(
      Allowed("\xEFUser-agent: FooBot\nDisallow: /a\n", "FooBot", "/a"));
  // A BOM elsewhere than the start makes the line unparseable.
  EXPECT_TRUE(
      Allowed("User-agent: FooBot\n\xEF\xBB\xBF"
              "Disallow: /a\n",
              "FooBot", "/a"));
}

// https://www.rfc-editor.org/rfc/rfc9309.html#section-2.1
TEST(Robots, Rfc9309_2_1_LinesWithoutColonIgnored) {
  constexpr std::string_view kRobots =
      "User-agent: FooBot\n"
      "Disallow /nocolon\n"
      "Disallow: /colon\n"
      "garbage line\n";
  EXPECT_TRUE(Allowed(kRobots, "FooBot", "/nocolon"));
  EXPECT_FALSE(Allowed(kRobots, "FooBot", "/colon"));
}

// Google's leniency, adopted (documented in robots.h): common key typos.
// https://www.rfc-editor.org/rfc/rfc9309.html#section-2.1
TEST(Robots, GoogleOnly_AcceptedKeyTypos) {
  EXPECT_FALSE(Allowed("useragent: FooBot\ndissallow: /a\n", "FooBot", "/a"));
  EXPECT_FALSE(Allowed("user agent: FooBot\ndisalow: /a\n", "FooBot", "/a"));
  EXPECT_FALSE(Allowed("User-agent: FooBot\ndissalow: /a\n", "FooBot", "/a"));
  EXPECT_FALSE(Allowed("User-agent: FooBot\nDesallow: /a\n", "FooBot", "/a"));
  EXPECT_TRUE(Allowed("User-agent: FooBot\nDisalloww: /a\n", "FooBot", "/a"));
  EXPECT_TRUE(Allowed("useg-agent: FooBot\nDisallow: /a\n", "FooBot", "/a"));
}

// Google's leniency, not adopted: a missing colon (Google reads
// "Disallow /x" as a rule). RFC 9309 2.1 requires the colon.
// https://www.rfc-editor.org/rfc/rfc9309.html#section-2.1
TEST(Robots, GoogleOnly_MissingColonNotAccepted) {
  EXPECT_TRUE(Allowed("User-agent FooBot\nDisallow: /x\n", "FooBot", "/x"));
  EXPECT_TRUE(Allowed("User-agent: FooBot\nDisallow /x\n", "FooBot", "/x"));
}

// Google's deviation, not adopted: allowing "/dir/index.html" also allows
// "/dir/".
// https://www.rfc-editor.org/rfc/rfc9309.html#section-2.2.2
TEST(Robots, GoogleOnly_IndexPageNotEquivalentToDirectory) {
  constexpr std::string_view kRobots =
      "User-agent: FooBot\nDisallow: /\nAllow: /dir/index.html\n";
  EXPECT_TRUE(Allowed(kRobots, "FooBot", "/dir/index.html"));
  EXPECT_FALSE(Allowed(kRobots, "FooBot", "/dir/"));
}

// ---------------------------------------------------------------------------
// RFC 9309 section 2.2.1: the user-agent line and groups.

// https://www.rfc-editor.org/rfc/rfc9309.html#section-2.2.1
TEST(Robots, Rfc9309_2_2_1_ProductTokenCaseInsensitive) {
  constexpr std::string_view kRobots = "User-agent: FOOBOT\nDisallow: /\n";
  EXPECT_FALSE(Allowed(kRobots, "foobot", "/x"));
  EXPECT_FALSE(Allowed(kRobots, "FooBot", "/x"));
  EXPECT_TRUE(Allowed(kRobots, "BarBot", "/x"));
}

// https://www.rfc-editor.org/rfc/rfc9309.html#section-2.2.1
TEST(Robots, Rfc9309_2_2_1_ProductTokenIsLeadingToken) {
  // The value's product token ends at the first character outside [A-Za-z_-].
  EXPECT_FALSE(
      Allowed("User-agent: FooBot/1.0\nDisallow: /\n", "FooBot", "/x"));
  EXPECT_FALSE(
      Allowed("User-agent: Foo-Bot_2 extra\nDisallow: /\n", "Foo-Bot_", "/x"));
  EXPECT_FALSE(Allowed("User-agent: Foo Bar\nDisallow: /\n", "Foo", "/x"));
  // No prefix matching: "Foo" does not name "FooBot".
  EXPECT_TRUE(Allowed("User-agent: Foo\nDisallow: /\n", "FooBot", "/x"));
  EXPECT_TRUE(Allowed("User-agent: FooBotX\nDisallow: /\n", "FooBot", "/x"));
}

// https://www.rfc-editor.org/rfc/rfc9309.html#section-2.2.1
TEST(Robots, Rfc9309_2_2_1_GlobalGroupOnlyWithoutSpecific) {
  constexpr std::string_view kRobots =
      "User-agent: *\nDisallow: /global\n"
      "User-agent: FooBot\nDisallow: /foo\n";
  EXPECT_TRUE(Allowed(kRobots, "FooBot", "/global"));
  EXPECT_FALSE(Allowed(kRobots, "FooBot", "/foo"));
  EXPECT_FALSE(Allowed(kRobots, "BarBot", "/global"));
  EXPECT_TRUE(Allowed(kRobots, "BarBot", "/foo"));
  // A specific group without rules still replaces the global group.
  EXPECT_TRUE(Allowed("User-agent: *\nDisallow: /\n\nUser-agent: FooBot\n",
                      "FooBot", "/x"));
}

// https://www.rfc-editor.org/rfc/rfc9309.html#section-2.2.1
TEST(Robots, Rfc9309_2_2_1_ConsecutiveUserAgentsShareGroup) {
  constexpr std::string_view kRobots =
      "User-agent: BarBot\nUser-agent: FooBot\nUser-agent: BazBot\nDisallow: "
      "/x\n"
      "User-agent: QuxBot\nDisallow: /y\n";
  for (std::string_view agent : {"BarBot", "FooBot", "BazBot"}) {
    EXPECT_FALSE(Allowed(kRobots, agent, "/x")) << agent;
    EXPECT_TRUE(Allowed(kRobots, agent, "/y")) << agent;
  }
  EXPECT_TRUE(Allowed(kRobots, "QuxBot", "/x"));
  EXPECT_FALSE(Allowed(kRobots, "QuxBot", "/y"));
}

// https://www.rfc-editor.org/rfc/rfc9309.html#section-2.2.1
TEST(Robots, Rfc9309_2_2_1_UserAgentAfterRulesStartsNewGroup) {
  constexpr std::string_view kRobots =
      "User-agent: FooBot\nDisallow: /x\nUser-agent: BarBot\nDisallow: /y\n";
  EXPECT_TRUE(Allowed(kRobots, "FooBot", "/y"));
  EXPECT_TRUE(Allowed(kRobots, "BarBot", "/x"));
}

// https://www.rfc-editor.org/rfc/rfc9309.html#section-2.2.1
TEST(Robots, Rfc9309_2_2_1_RulesBeforeUserAgentIgnored) {
  constexpr std::string_view kRobots =
      "Disallow: /x\nUser-agent: FooBot\nDisallow: /y\n";
  EXPECT_TRUE(Allowed(kRobots, "FooBot", "/x"));
  EXPECT_FALSE(Allowed(kRobots, "FooBot", "/y"));
  EXPECT_TRUE(Allowed("Disallow: /\n", "FooBot", "/x"));
}

// RFC 9309 Figure 2, crawler-commons rfc9309-example-rule-group-merging.txt.
// https://www.rfc-editor.org/rfc/rfc9309.html#section-2.2.1
TEST(Robots, Rfc9309_2_2_1_GroupMergingExample) {
  INLINKS_REQUIRE_TESTDATA(
      "robots/crawler-commons/rfc9309-example-rule-group-merging.txt");
  auto body = ReadFileBytes(TestdataPath(
      "robots/crawler-commons/rfc9309-example-rule-group-merging.txt"));
  ASSERT_TRUE(body.has_value());
  RobotsRules example = RobotsRules::Parse(*body, "ExampleBot");
  EXPECT_EQ(example.rule_count(), 3u);
  EXPECT_FALSE(example.IsAllowed("/foo"));
  EXPECT_FALSE(example.IsAllowed("/bar"));
  EXPECT_FALSE(example.IsAllowed("/baz"));
  EXPECT_TRUE(example.IsAllowed("/qux"));
  RobotsRules baz = RobotsRules::Parse(*body, "BazBot");
  EXPECT_TRUE(baz.IsAllowed("/foo"));
  EXPECT_FALSE(baz.IsAllowed("/baz"));
  RobotsRules other = RobotsRules::Parse(*body, "OtherBot");
  EXPECT_FALSE(other.IsAllowed("/foo"));
  EXPECT_FALSE(other.IsAllowed("/bar"));
  EXPECT_TRUE(other.IsAllowed("/baz"));
}

// ---------------------------------------------------------------------------
// RFC 9309 section 2.2.2: the allow and disallow lines.

// https://www.rfc-editor.org/rfc/rfc9309.html#section-2.2.2
TEST(Robots, Rfc9309_2_2_2_LongestMatch) {
  constexpr std::string_view kRobots =
      "User-agent: FooBot\nDisallow: /a\nAllow: /a/b\nDisallow: /a/b/c\n";
  EXPECT_FALSE(Allowed(kRobots, "FooBot", "/a"));
  EXPECT_TRUE(Allowed(kRobots, "FooBot", "/a/b"));
  EXPECT_FALSE(Allowed(kRobots, "FooBot", "/a/b/c/d"));
  // The order of the lines does not matter.
  EXPECT_TRUE(Allowed("User-agent: FooBot\nAllow: /a/b\nDisallow: /a\n",
                      "FooBot", "/a/b/x"));
}

// https://www.rfc-editor.org/rfc/rfc9309.html#section-2.2.2
TEST(Robots, Rfc9309_2_2_2_EqualLengthAllowWins) {
  EXPECT_TRUE(
      Allowed("User-agent: FooBot\nDisallow: /a\nAllow: /a\n", "FooBot", "/a"));
  EXPECT_TRUE(
      Allowed("User-agent: FooBot\nAllow: /a\nDisallow: /a\n", "FooBot", "/a"));
  // Equal pattern lengths with wildcards.
  EXPECT_TRUE(Allowed("User-agent: FooBot\nDisallow: /a*\nAllow: /a$\n",
                      "FooBot", "/a"));
}

// https://www.rfc-editor.org/rfc/rfc9309.html#section-2.2.2
TEST(Robots, Rfc9309_2_2_2_EmptyDisallowAllowsAll) {
  RobotsRules rules =
      RobotsRules::Parse("User-agent: FooBot\nDisallow:\n", "FooBot");
  EXPECT_EQ(rules.rule_count(), 0u);
  EXPECT_TRUE(rules.IsAllowed("/"));
  EXPECT_TRUE(rules.IsAllowed("/anything"));
}

// https://www.rfc-editor.org/rfc/rfc9309.html#section-2.2.2
TEST(Robots, Rfc9309_2_2_2_CaseSensitivePaths) {
  constexpr std::string_view kRobots = "User-agent: FooBot\nDisallow: /Fish\n";
  EXPECT_FALSE(Allowed(kRobots, "FooBot", "/Fish.html"));
  EXPECT_TRUE(Allowed(kRobots, "FooBot", "/fish.html"));
}

// https://www.rfc-editor.org/rfc/rfc9309.html#section-2.2.2
TEST(Robots, Rfc9309_2_2_2_PercentEncodingNormalized) {
  // Unreserved characters match whether encoded or not.
  EXPECT_FALSE(
      Allowed("User-agent: FooBot\nDisallow: /%7Efoo\n", "FooBot", "/~foo"));
  EXPECT_FALSE(
      Allowed("User-agent: FooBot\nDisallow: /~foo\n", "FooBot", "/%7efoo"));
  EXPECT_FALSE(
      Allowed("User-agent: FooBot\nDisallow: /%62%61%7A\n", "FooBot", "/baz"));
  // Hex digits compare case-insensitively.
  EXPECT_FALSE(
      Allowed("User-agent: FooBot\nDisallow: /a%2fb\n", "FooBot", "/a%2Fb"));
  // A reserved character stays encoded: %2F is not '/'.
  EXPECT_TRUE(
      Allowed("User-agent: FooBot\nDisallow: /a%2Fb\n", "FooBot", "/a/b"));
  // Non-ASCII (UTF-8) in either side compares as its percent-encoding
  // (RFC 9309 2.2.2 table: /foo/bar/ツ matches /foo/bar/%E3%83%84).
  EXPECT_FALSE(Allowed("User-agent: FooBot\nDisallow: /foo/bar/\xE3\x83\x84\n",
                       "FooBot", "/foo/bar/%E3%83%84"));
  EXPECT_FALSE(Allowed("User-agent: FooBot\nDisallow: /foo/bar/%E3%83%84\n",
                       "FooBot", "/foo/bar/\xE3\x83\x84"));
  EXPECT_EQ(NormalizeRobotsPathForTest("/%7e%2f%e3x y%"), "/~%2F%E3x%20y%");
}

// https://www.rfc-editor.org/rfc/rfc9309.html#section-2.2.2
TEST(Robots, Rfc9309_2_2_2_QueryIsPartOfPath) {
  constexpr std::string_view kRobots =
      "User-agent: FooBot\nDisallow: /search?q=\n";
  EXPECT_FALSE(Allowed(kRobots, "FooBot", "/search?q=x"));
  EXPECT_TRUE(Allowed(kRobots, "FooBot", "/search"));
  EXPECT_FALSE(Allowed("User-agent: FooBot\nDisallow: /?\n", "FooBot", "?x"));
}

// ---------------------------------------------------------------------------
// RFC 9309 section 2.2.3: special characters.

// https://www.rfc-editor.org/rfc/rfc9309.html#section-2.2.3
TEST(Robots, Rfc9309_2_2_3_Wildcard) {
  constexpr std::string_view kRobots = "User-agent: FooBot\nDisallow: /*.php\n";
  EXPECT_FALSE(Allowed(kRobots, "FooBot", "/index.php"));
  EXPECT_FALSE(Allowed(kRobots, "FooBot", "/a/b.php?x"));
  EXPECT_FALSE(Allowed(kRobots, "FooBot", "/x.php5"));
  EXPECT_TRUE(Allowed(kRobots, "FooBot", "/index.html"));
  EXPECT_FALSE(
      Allowed("User-agent: FooBot\nDisallow: /a**b*c\n", "FooBot", "/aXbYcZ"));
  EXPECT_TRUE(
      Allowed("User-agent: FooBot\nDisallow: /a**b*c\n", "FooBot", "/aXcYb"));
  EXPECT_FALSE(Allowed("User-agent: FooBot\nDisallow: *\n", "FooBot", "/"));
}

// https://www.rfc-editor.org/rfc/rfc9309.html#section-2.2.3
TEST(Robots, Rfc9309_2_2_3_EndAnchor) {
  constexpr std::string_view kRobots =
      "User-agent: FooBot\nDisallow: /*.php$\n";
  EXPECT_FALSE(Allowed(kRobots, "FooBot", "/index.php"));
  EXPECT_TRUE(Allowed(kRobots, "FooBot", "/index.php?x"));
  EXPECT_TRUE(Allowed(kRobots, "FooBot", "/index.php5"));
  EXPECT_FALSE(Allowed(kRobots, "FooBot", "/a.php.php"));
  EXPECT_FALSE(Allowed("User-agent: FooBot\nDisallow: /$\n", "FooBot", "/"));
  EXPECT_TRUE(Allowed("User-agent: FooBot\nDisallow: /$\n", "FooBot", "/a"));
  // '$' only anchors at the end; elsewhere it is a literal.
  EXPECT_FALSE(
      Allowed("User-agent: FooBot\nDisallow: /a$b\n", "FooBot", "/a$bc"));
}

// Reference matcher for one pattern: O(n*m) dynamic programming over
// '*' and a final '$', prefix semantics otherwise.
bool ReferenceMatch(std::string_view pattern, std::string_view path) {
  bool anchored = !pattern.empty() && pattern.back() == '$';
  if (anchored) pattern.remove_suffix(1);
  // reach[j]: pattern[0, i) can match path[0, j).
  std::vector<bool> reach(path.size() + 1, false);
  reach[0] = true;
  for (char p : pattern) {
    std::vector<bool> next(path.size() + 1, false);
    for (size_t j = 0; j <= path.size(); ++j) {
      if (p == '*') {
        next[j] = reach[j] || (j > 0 && next[j - 1]);
      } else {
        next[j] = j > 0 && reach[j - 1] && path[j - 1] == p;
      }
    }
    reach = std::move(next);
  }
  if (anchored) return reach[path.size()];
  for (bool r : reach) {
    if (r) return true;
  }
  return false;
}

// Random patterns over a small alphabet against random paths: the greedy
// matcher agrees with the reference.
// https://www.rfc-editor.org/rfc/rfc9309.html#section-2.2.3
TEST(Robots, Rfc9309_2_2_3_WildcardAgreesWithReference) {
  std::mt19937 rng(2023);
  const char kPatternChars[] = {'a', 'b', '*', '*', '$'};
  for (int iter = 0; iter < 20000; ++iter) {
    std::string pattern = "/";
    for (int n = rng() % 8; n > 0; --n) pattern += kPatternChars[rng() % 5];
    std::string path = "/";
    for (int n = rng() % 10; n > 0; --n) path += "ab"[rng() % 2];
    RobotsRules rules =
        RobotsRules::Parse("User-agent: *\nDisallow: " + pattern + "\n", "x");
    ASSERT_EQ(rules.IsAllowed(path), !ReferenceMatch(pattern, path))
        << "pattern " << pattern << " path " << path;
  }
}

// ---------------------------------------------------------------------------
// RFC 9309 section 2.2.4 and extensions: other records.

// https://www.rfc-editor.org/rfc/rfc9309.html#section-2.2.4
TEST(Robots, Rfc9309_2_2_4_SitemapAnywhereDoesNotEndGroup) {
  constexpr std::string_view kRobots =
      "Sitemap: http://example.com/a.xml\n"
      "User-agent: FooBot\n"
      "Sitemap: http://example.com/b.xml\n"
      "User-agent: BarBot\n"
      "Disallow: /x\n"
      "sitemap: http://example.com/a.xml\n";
  RobotsRules rules = RobotsRules::Parse(kRobots, "FooBot");
  EXPECT_FALSE(rules.IsAllowed("/x"));
  EXPECT_EQ(rules.sitemaps(),
            (std::vector<std::string>{"http://example.com/a.xml",
                                      "http://example.com/b.xml"}));
}

// Non-standard Crawl-delay: per group, an "other record" that does not end
// the list of user-agent lines.
// https://www.rfc-editor.org/rfc/rfc9309.html#section-2.2.4
TEST(Robots, Rfc9309_2_2_4_CrawlDelay) {
  constexpr std::string_view kRobots =
      "User-agent: FooBot\nCrawl-delay: 2.5\nDisallow: /x\n"
      "User-agent: *\nCrawl-delay: 10\n";
  EXPECT_EQ(RobotsRules::Parse(kRobots, "FooBot").crawl_delay(), 2.5);
  EXPECT_EQ(RobotsRules::Parse(kRobots, "Other").crawl_delay(), 10.0);
  EXPECT_EQ(RobotsRules::Parse("User-agent: *\nCrawl-delay: soon\n", "a")
                .crawl_delay(),
            std::nullopt);
  EXPECT_EQ(
      RobotsRules::Parse("User-agent: *\nCrawl-delay: -1\n", "a").crawl_delay(),
      std::nullopt);
  EXPECT_EQ(RobotsRules::Parse("Crawl-delay: 5\n", "a").crawl_delay(),
            std::nullopt);
}

// https://www.rfc-editor.org/rfc/rfc9309.html#section-2.2.4
TEST(Robots, Rfc9309_2_2_4_CrawlDelayGroupMergingFile) {
  INLINKS_REQUIRE_TESTDATA(
      "robots/crawler-commons/crawl-delay-group-merging.txt");
  auto body = ReadFileBytes(
      TestdataPath("robots/crawler-commons/crawl-delay-group-merging.txt"));
  ASSERT_TRUE(body.has_value());
  // The first group is {mybot, yourbot} (Crawl-delay between the two
  // user-agent lines does not split it) with Crawl-delay 10 and /private/.
  // The file's comment also gives /login/ to mybot; RFC 9309 2.2.1 merges
  // only groups naming the same token, so /login/ is yourbot's alone.
  for (std::string_view agent : {"mybot", "yourbot"}) {
    RobotsRules rules = RobotsRules::Parse(*body, agent);
    EXPECT_FALSE(rules.IsAllowed("/private/x")) << agent;
    EXPECT_TRUE(rules.IsAllowed("/public")) << agent;
    EXPECT_EQ(rules.crawl_delay(), 10.0) << agent;
  }
  EXPECT_TRUE(RobotsRules::Parse(*body, "mybot").IsAllowed("/login/"));
  EXPECT_FALSE(RobotsRules::Parse(*body, "yourbot").IsAllowed("/login/"));
  RobotsRules other = RobotsRules::Parse(*body, "otherbot");
  EXPECT_TRUE(other.IsAllowed("/private/x"));
  EXPECT_EQ(other.crawl_delay(), 30.0);
}

// ---------------------------------------------------------------------------
// RFC 9309 sections 2.3 and 3: access results and /robots.txt.

// https://www.rfc-editor.org/rfc/rfc9309.html#section-2.3.1.3
TEST(Robots, Rfc9309_2_3_1_3_UnavailableAllowsAll) {
  RobotsRules rules = RobotsRules::AllowAll();
  EXPECT_TRUE(rules.IsAllowed("/"));
  EXPECT_TRUE(rules.IsAllowed("/private"));
  EXPECT_EQ(rules.rule_count(), 0u);
}

// https://www.rfc-editor.org/rfc/rfc9309.html#section-2.3.1.4
TEST(Robots, Rfc9309_2_3_1_4_UnreachableDisallowsAll) {
  RobotsRules rules = RobotsRules::DisallowAll();
  EXPECT_EQ(rules.Check("/"), Decision::kDisallowed);
  EXPECT_EQ(rules.Check("/page?x"), Decision::kDisallowed);
  EXPECT_EQ(rules.Check("/robots.txt"), Decision::kAllowed);
}

// https://www.rfc-editor.org/rfc/rfc9309.html#section-3
TEST(Robots, Rfc9309_3_RobotsTxtAlwaysAllowed) {
  EXPECT_TRUE(Allowed("User-agent: *\nDisallow: /\n", "FooBot", "/robots.txt"));
  EXPECT_FALSE(
      Allowed("User-agent: *\nDisallow: /\n", "FooBot", "/robots.txt.bak"));
}

// https://www.rfc-editor.org/rfc/rfc9309.html#section-2.5
TEST(Robots, Rfc9309_2_5_SizeLimit) {
  std::string body = "User-agent: FooBot\nDisallow: /a\n";
  body.append(600 * 1024 - body.size(), '#');
  body += "\nDisallow: /b\n";
  RobotsRules rules = RobotsRules::Parse(body, "FooBot");
  EXPECT_FALSE(rules.IsAllowed("/a"));
  EXPECT_TRUE(rules.IsAllowed("/b"));  // past the limit
  EXPECT_FALSE(RobotsRules::Parse(body, "FooBot", 1 << 20).IsAllowed("/b"));
  // The line cut by the limit is dropped, not kept as a shorter pattern.
  EXPECT_TRUE(
      RobotsRules::Parse("User-agent: FooBot\nDisallow: /abc\n", "FooBot", 33)
          .IsAllowed("/a"));
}

// ---------------------------------------------------------------------------
// RFC 9309 section 5: examples.

// https://www.rfc-editor.org/rfc/rfc9309.html#section-5.1
TEST(Robots, Rfc9309_5_1_SimpleExample) {
  INLINKS_REQUIRE_TESTDATA(
      "robots/crawler-commons/rfc9309-example-simple-robots.txt");
  auto body = ReadFileBytes(
      TestdataPath("robots/crawler-commons/rfc9309-example-simple-robots.txt"));
  ASSERT_TRUE(body.has_value());
  // foobot: only /example/page.html and /example/allowed.gif.
  RobotsRules foo = RobotsRules::Parse(*body, "foobot");
  EXPECT_TRUE(foo.IsAllowed("/example/page.html"));
  EXPECT_TRUE(foo.IsAllowed("/example/allowed.gif"));
  EXPECT_FALSE(foo.IsAllowed("/"));
  EXPECT_FALSE(foo.IsAllowed("/example/disallowed.gif"));
  EXPECT_FALSE(foo.IsAllowed("/publications/"));
  // barbot and bazbot: everything but /example/page.html.
  for (std::string_view agent : {"barbot", "bazbot"}) {
    RobotsRules rules = RobotsRules::Parse(*body, agent);
    EXPECT_FALSE(rules.IsAllowed("/example/page.html")) << agent;
    EXPECT_TRUE(rules.IsAllowed("/example/other.html")) << agent;
    EXPECT_TRUE(rules.IsAllowed("/image.gif")) << agent;
  }
  // quxbot: an empty group, unrestricted.
  RobotsRules qux = RobotsRules::Parse(*body, "quxbot");
  EXPECT_EQ(qux.rule_count(), 0u);
  EXPECT_TRUE(qux.IsAllowed("/example/page.html"));
  EXPECT_TRUE(qux.IsAllowed("/a.gif"));
  // Everyone else: the '*' group.
  RobotsRules other = RobotsRules::Parse(*body, "otherbot");
  EXPECT_FALSE(other.IsAllowed("/image.gif"));
  EXPECT_TRUE(other.IsAllowed("/image.gif?x"));
  EXPECT_FALSE(other.IsAllowed("/example/x"));
  EXPECT_TRUE(other.IsAllowed("/publications/x"));
  EXPECT_TRUE(other.IsAllowed("/"));
}

// https://www.rfc-editor.org/rfc/rfc9309.html#section-5.2
TEST(Robots, Rfc9309_5_2_LongestMatchExample) {
  INLINKS_REQUIRE_TESTDATA(
      "robots/crawler-commons/rfc9309-example-longest-match-robots.txt");
  auto body = ReadFileBytes(TestdataPath(
      "robots/crawler-commons/rfc9309-example-longest-match-robots.txt"));
  ASSERT_TRUE(body.has_value());
  RobotsRules foo = RobotsRules::Parse(*body, "foobot");
  EXPECT_TRUE(foo.IsAllowed("/example/page/"));
  EXPECT_TRUE(foo.IsAllowed("/example/page/other.gif"));
  EXPECT_FALSE(foo.IsAllowed("/example/page/disallowed.gif"));
  EXPECT_TRUE(foo.IsAllowed("/example/"));
}

// ---------------------------------------------------------------------------
// Google's compliance tests (google/robotstxt-spec-test), protobuf text
// format. Draft-koster-rep section numbers there match RFC 9309 2.2.x.

struct SpecExpectation {
  std::string testurl;
  std::string useragent;
  std::string outcome;  // ALLOWED | DISALLOWED
  std::string test_type = "STANDARD";
};
struct SpecTest {
  std::string robotstxt;
  std::vector<SpecExpectation> expectations;
};

// A small reader for the protobuf text format, enough for the spec schema:
// `name: value`, `name { ... }`, `name: [ {...}, ... ]`, strings with C
// escapes, adjacent string literals concatenated, '#' comments.
class TextprotoReader {
 public:
  explicit TextprotoReader(std::string_view text) : text_(text) {}

  // Reads the file's RobotsTxtSpecification. Returns false on a syntax
  // error (with error() set).
  bool ReadSpecification(std::vector<SpecTest>& tests) {
    while (SkipSpace(), pos_ < text_.size()) {
      std::string name = Identifier();
      if (name != "tests") return Fail("expected 'tests', got '" + name + "'");
      if (!ReadRepeated([&] {
            tests.emplace_back();
            return ReadTest(tests.back());
          }))
        return false;
    }
    return true;
  }
  const std::string& error() const { return error_; }

 private:
  template <typename F>
  bool ReadRepeated(F read_message) {
    SkipSpace();
    if (Peek() == ':') ++pos_, SkipSpace();
    if (Peek() == '[') {
      ++pos_;
      while (true) {
        SkipSpace();
        if (Peek() == ']') return ++pos_, true;
        if (!read_message()) return false;
        SkipSpace();
        if (Peek() == ',') ++pos_;
      }
    }
    return read_message();
  }

  bool ReadTest(SpecTest& test) {
    return ReadMessage([&](const std::string& name) {
      if (name == "robotstxt") return ReadString(test.robotstxt);
      if (name == "test_expectations") {
        return ReadRepeated([&] {
          test.expectations.emplace_back();
          SpecExpectation& e = test.expectations.back();
          return ReadMessage([&](const std::string& field) {
            if (field == "testurl") return ReadString(e.testurl);
            if (field == "useragent") return ReadString(e.useragent);
            if (field == "expected_outcome") return ReadEnum(e.outcome);
            if (field == "test_type") return ReadEnum(e.test_type);
            std::string ignored;
            return ReadString(ignored);  // additional_explanation
          });
        });
      }
      return Fail("unknown field " + name);
    });
  }

  // `{ field... }` where each field is handed to `read_field`.
  template <typename F>
  bool ReadMessage(F read_field) {
    SkipSpace();
    char close = Peek() == '<' ? '>' : '}';
    if (Peek() != '{' && Peek() != '<') return Fail("expected '{'");
    ++pos_;
    while (true) {
      SkipSpace();
      if (pos_ >= text_.size()) return Fail("unterminated message");
      if (Peek() == close) return ++pos_, true;
      std::string name = Identifier();
      if (name.empty()) return Fail("expected a field name");
      if (!read_field(name)) return false;
      SkipSpace();
      if (Peek() == ',' || Peek() == ';') ++pos_;
    }
  }

  bool ReadEnum(std::string& out) {
    SkipSpace();
    if (Peek() != ':') return Fail("expected ':'");
    ++pos_;
    SkipSpace();
    out = Identifier();
    return !out.empty() || Fail("expected an enum value");
  }

  bool ReadString(std::string& out) {
    SkipSpace();
    if (Peek() != ':') return Fail("expected ':'");
    ++pos_;
    out.clear();
    bool any = false;
    while (SkipSpace(), Peek() == '"' || Peek() == '\'') {
      any = true;
      char quote = text_[pos_++];
      while (true) {
        if (pos_ >= text_.size()) return Fail("unterminated string");
        char c = text_[pos_++];
        if (c == quote) break;
        if (c != '\\') {
          out.push_back(c);
          continue;
        }
        if (pos_ >= text_.size()) return Fail("bad escape");
        char e = text_[pos_++];
        switch (e) {
          case 'n':
            out.push_back('\n');
            break;
          case 'r':
            out.push_back('\r');
            break;
          case 't':
            out.push_back('\t');
            break;
          case 'a':
            out.push_back('\a');
            break;
          case 'b':
            out.push_back('\b');
            break;
          case 'f':
            out.push_back('\f');
            break;
          case 'v':
            out.push_back('\v');
            break;
          case 'x':
          case 'X': {
            int value = 0, digits = 0;
            while (digits < 2 && pos_ < text_.size() &&
                   std::isxdigit(Uc(text_[pos_]))) {
              value = value * 16 + HexDigit(text_[pos_++]);
              ++digits;
            }
            if (digits == 0) return Fail("bad \\x escape");
            out.push_back(static_cast<char>(value));
            break;
          }
          default:
            if (e >= '0' && e <= '7') {
              int value = e - '0', digits = 1;
              while (digits < 3 && pos_ < text_.size() && text_[pos_] >= '0' &&
                     text_[pos_] <= '7') {
                value = value * 8 + (text_[pos_++] - '0');
                ++digits;
              }
              out.push_back(static_cast<char>(value));
            } else {
              out.push_back(e);  // \\ \" \' \?
            }
        }
      }
    }
    return any || Fail("expected a string");
  }

  static unsigned char Uc(char c) { return static_cast<unsigned char>(c); }
  static int HexDigit(char c) {
    return std::isdigit(Uc(c)) ? c - '0' : std::tolower(Uc(c)) - 'a' + 10;
  }
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void SkipSpace() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '#') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else if (std::isspace(Uc(c))) {
        ++pos_;
      } else {
        break;
      }
    }
  }
  std::string Identifier() {
    SkipSpace();
    size_t start = pos_;
    while (pos_ < text_.size() &&
           (std::isalnum(Uc(text_[pos_])) || text_[pos_] == '_'))
      ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }
  bool Fail(std::string message) {
    if (error_.empty()) error_ = message + " at offset " + std::to_string(pos_);
    return false;
  }

  std::string_view text_;
  size_t pos_ = 0;
  std::string error_;
};

// Path and query of an absolute URL ("http://h/p?q#f" -> "/p?q").
std::string PathAndQuery(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return "/";
  std::string_view rest = url.substr(scheme + 3);
  size_t start = rest.find_first_of("/?#");
  if (start == std::string_view::npos) return "/";
  rest = rest.substr(start);
  rest = rest.substr(0, rest.find('#'));
  std::string out(rest);
  if (out.empty() || out[0] != '/') out.insert(out.begin(), '/');
  return out;
}

// STANDARD expectations we do not meet on purpose, each with its reason.
// Key: "<file>#<test index>#<testurl>#<useragent>".
const std::map<std::string, std::string>& StandardExclusions() {
  static const std::map<std::string, std::string> kExclusions = {
      {"non-ascii-paths.textproto#1#http://foo.bar/foo/bar/\xE3\x83\x84#FooBot",
       "Google expects the caller to percent-encode the URL and so compares "
       "raw UTF-8 "
       "against the encoded rule; Check() percent-encodes non-ASCII octets "
       "itself, as "
       "RFC 9309 2.2.2 requires before comparison, so the raw URL matches the "
       "Allow."},
      {"non-ascii-paths.textproto#2#http://foo.bar/foo/bar/\xE3\x83\x84#FooBot",
       "Same as above: the raw UTF-8 URL is percent-encoded by Check()."},
      {"non-ascii-paths.textproto#3#http://foo.bar/foo/bar/baz#FooBot",
       "RFC 9309 2.2.2's own table says the rule /foo/bar/%62%61%7A matches "
       "the path "
       "/foo/bar/baz (percent-encoded unreserved octets are decoded before "
       "comparison); "
       "Google's matcher compares the strings as written."},
  };
  return kExclusions;
}

TEST(Robots, TextprotoReaderBasics) {
  std::vector<SpecTest> tests;
  TextprotoReader reader(
      "# comment\ntests { robotstxt: \"a\\x41\" 'b\\101\\n' test_expectations: "
      "[ "
      "{ testurl: \"http://h/p?q#f\" useragent: \"U\" expected_outcome: "
      "ALLOWED }, "
      "{ testurl: \"\" test_type: GOOGLE_SPECIFIC expected_outcome: DISALLOWED "
      "} ] }\n");
  ASSERT_TRUE(reader.ReadSpecification(tests)) << reader.error();
  ASSERT_EQ(tests.size(), 1u);
  EXPECT_EQ(tests[0].robotstxt, "aAbA\n");
  ASSERT_EQ(tests[0].expectations.size(), 2u);
  EXPECT_EQ(PathAndQuery(tests[0].expectations[0].testurl), "/p?q");
  EXPECT_EQ(tests[0].expectations[0].test_type, "STANDARD");
  EXPECT_EQ(tests[0].expectations[1].test_type, "GOOGLE_SPECIFIC");
  EXPECT_EQ(tests[0].expectations[1].outcome, "DISALLOWED");
  EXPECT_EQ(PathAndQuery(""), "/");
  EXPECT_EQ(PathAndQuery("http://h"), "/");
  EXPECT_EQ(PathAndQuery("http://h?x"), "/?x");
}

// https://www.rfc-editor.org/rfc/rfc9309.html#section-2.2
TEST(Robots, Rfc9309_2_2_GoogleSpecCorrectness) {
  INLINKS_REQUIRE_TESTDATA("robots/google-spec-test/correctness");
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(
           TestdataPath("robots/google-spec-test/correctness"))) {
    if (entry.path().extension() == ".textproto") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_EQ(files.size(), 16u);
  int standard = 0, standard_pass = 0, google = 0, google_pass = 0,
      excluded = 0;
  std::set<std::string> used_exclusions;
  for (const auto& file : files) {
    auto text = ReadFileBytes(file);
    ASSERT_TRUE(text.has_value()) << file;
    std::vector<SpecTest> tests;
    TextprotoReader reader(*text);
    ASSERT_TRUE(reader.ReadSpecification(tests))
        << file << ": " << reader.error();
    ASSERT_FALSE(tests.empty()) << file;
    for (size_t t = 0; t < tests.size(); ++t) {
      for (const SpecExpectation& e : tests[t].expectations) {
        ASSERT_TRUE(e.outcome == "ALLOWED" || e.outcome == "DISALLOWED")
            << e.outcome;
        bool expected = e.outcome == "ALLOWED";
        bool actual = RobotsRules::Parse(tests[t].robotstxt, e.useragent)
                          .IsAllowed(PathAndQuery(e.testurl));
        std::string key = file.filename().string() + "#" + std::to_string(t) +
                          "#" + e.testurl + "#" + e.useragent;
        if (e.test_type == "GOOGLE_SPECIFIC") {
          ++google;
          if (actual == expected) {
            ++google_pass;
          } else {
            std::printf("  GOOGLE_SPECIFIC not followed: %s (expected %s)\n",
                        key.c_str(), e.outcome.c_str());
          }
          continue;
        }
        ASSERT_EQ(e.test_type, "STANDARD");
        ++standard;
        if (actual == expected) {
          ++standard_pass;
        } else if (StandardExclusions().count(key) != 0) {
          ++excluded;
          used_exclusions.insert(key);
        } else {
          ADD_FAILURE() << key << ": expected " << e.outcome
                        << "\nrobots.txt:\n"
                        << tests[t].robotstxt;
        }
      }
    }
  }
  EXPECT_EQ(used_exclusions.size(), StandardExclusions().size())
      << "stale exclusions";
  EXPECT_GT(standard, 50);
  std::printf(
      "google robots spec: STANDARD %d/%d, GOOGLE_SPECIFIC %d/%d (excluded "
      "%d)\n",
      standard_pass, standard, google_pass, google, excluded);
}

// ---------------------------------------------------------------------------
// crawler-commons robots.txt inputs.

// Every file parses, for several agents, and every path of its rules can be
// checked.
TEST(Robots, CrawlerCommonsFilesParse) {
  INLINKS_REQUIRE_TESTDATA("robots/crawler-commons");
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(
           TestdataPath("robots/crawler-commons"))) {
    auto body = ReadFileBytes(entry.path());
    ASSERT_TRUE(body.has_value()) << entry.path();
    ++files;
    for (std::string_view agent :
         {"inlinks", "googlebot", "foobot", "bot1", "*"}) {
      RobotsRules rules = RobotsRules::Parse(*body, agent);
      (void)rules.Check("/");
      (void)rules.Check("/a/b?c=d");
      EXPECT_TRUE(rules.IsAllowed("/robots.txt"));
    }
  }
  EXPECT_EQ(files, 24);
}

std::string CrawlerCommons(std::string_view name) {
  auto body = ReadFileBytes(
      TestdataPath("robots/crawler-commons/" + std::string(name)));
  EXPECT_TRUE(body.has_value()) << name;
  return body.value_or("");
}

TEST(Robots, CrawlerCommonsSitemaps) {
  INLINKS_REQUIRE_TESTDATA("robots/crawler-commons");
  EXPECT_EQ(RobotsRules::Parse(CrawlerCommons("sitemap-robots.txt"), "inlinks")
                .sitemaps(),
            (std::vector<std::string>{
                "http://domain.com/sitemap.xml",
                "http://domain.com/dir/MixedCased-sitemap.xml"}));
  EXPECT_EQ(
      RobotsRules::Parse(CrawlerCommons("sitemap-robots-dedup.txt"), "inlinks")
          .sitemaps(),
      (std::vector<std::string>{"http://example.org/sitemap.xml"}));
  // Relative values are returned as written, for the caller to resolve.
  RobotsRules relative =
      RobotsRules::Parse(CrawlerCommons("relative-sitemap-robots.txt"), "x");
  EXPECT_EQ(relative.sitemaps(), (std::vector<std::string>{"/sitemap.xml"}));
  EXPECT_FALSE(relative.IsAllowed("/cache/x"));
  EXPECT_FALSE(relative.IsAllowed("/files/x"));  // last line has no newline
}

TEST(Robots, CrawlerCommonsTyposAndFormatErrors) {
  INLINKS_REQUIRE_TESTDATA("robots/crawler-commons");
  // The files name "bot1".."bot4"; a product token holds no digits
  // (RFC 9309 2.2.1), so each of those values names the token "bot", and
  // every group naming it is merged.
  std::string typos = CrawlerCommons("directive-typos-robots.txt");
  RobotsRules bot = RobotsRules::Parse(typos, "bot");
  EXPECT_FALSE(bot.IsAllowed("/dissalow/"));
  EXPECT_FALSE(bot.IsAllowed("/desallow/"));
  EXPECT_FALSE(bot.IsAllowed("/useragent/"));  // "useragent:" accepted
  EXPECT_TRUE(bot.IsAllowed("/other"));
  EXPECT_TRUE(RobotsRules::Parse(typos, "bot1").IsAllowed("/dissalow/"));
  EXPECT_TRUE(RobotsRules::Parse(typos, "inlinks").IsAllowed("/dissalow/"));

  std::string errors = CrawlerCommons("format-errors-robots.txt");
  RobotsRules merged = RobotsRules::Parse(errors, "bot");
  // bot1: "disallow : /whitespace-before-colon/" and, since "user-agent bot2"
  // lacks its colon, "/no-colon-useragent/"; bot3: allow + disallow.
  EXPECT_EQ(merged.rule_count(), 4u);
  EXPECT_FALSE(merged.IsAllowed("/whitespace-before-colon/"));
  EXPECT_TRUE(merged.IsAllowed("/whitespace-before-colon"));
  EXPECT_FALSE(merged.IsAllowed("/other"));
  EXPECT_EQ(merged.sitemaps(), (std::vector<std::string>{"/sitemap.xml"}));
}

TEST(Robots, CrawlerCommonsBomAndLineEndings) {
  INLINKS_REQUIRE_TESTDATA("robots/crawler-commons");
  std::string bom = CrawlerCommons("robots-with-utf8-bom.txt");
  ASSERT_EQ(bom.substr(0, 3), "\xEF\xBB\xBF");
  std::string stripped = bom.substr(3);
  for (std::string_view agent : {"inlinks", "googlebot", "bot"}) {
    RobotsRules a = RobotsRules::Parse(bom, agent);
    RobotsRules b = RobotsRules::Parse(stripped, agent);
    EXPECT_EQ(a.rule_count(), b.rule_count()) << agent;
  }
  EXPECT_GT(RobotsRules::Parse(stripped, "inlinks").rule_count() +
                RobotsRules::Parse(stripped, "googlebot").rule_count(),
            0u);
}

TEST(Robots, CrawlerCommonsRealFiles) {
  INLINKS_REQUIRE_TESTDATA("robots/crawler-commons");
  std::string wildcards = CrawlerCommons("wildcards.txt");  // amazon.com
  RobotsRules amazon = RobotsRules::Parse(wildcards, "inlinks");
  EXPECT_FALSE(amazon.IsAllowed("/gp/cart"));
  EXPECT_FALSE(amazon.IsAllowed("/gp/cart/view.html"));
  EXPECT_FALSE(amazon.IsAllowed("/exec/obidos/account-access-login"));
  EXPECT_TRUE(amazon.IsAllowed("/"));
  EXPECT_TRUE(amazon.IsAllowed("/gp/product/B000"));
  EXPECT_GT(amazon.rule_count(), 30u);
}

// ---------------------------------------------------------------------------
// Pathological inputs: bounded time and memory.

TEST(Robots, PathologicalManyStarPatterns) {
  // ~500 KiB of patterns made mostly of '*', against long paths.
  std::string body = "User-agent: *\n";
  std::string star_line = "Disallow: /" + std::string(8000, '*') + "x$\n";
  std::string alt_line = "Disallow: /";
  for (int i = 0; i < 2000; ++i) alt_line += "*a";
  alt_line += "*b$\n";
  std::string kmp_line = "Disallow: /*" + std::string(1000, 'a') + "b\n";
  while (body.size() < 500 * 1024) {
    body += star_line;
    body += alt_line;
    body += kmp_line;
  }
  RobotsRules rules = RobotsRules::Parse(body, "FooBot", 1 << 20);
  std::string path = "/" + std::string(64 * 1024, 'a');
  bool allowed = false;
  double seconds = SecondsOf([&] { allowed = rules.IsAllowed(path); });
  EXPECT_TRUE(allowed);
  EXPECT_LT(seconds, 1.0 * kTimeScale);
  EXPECT_FALSE(rules.IsAllowed("/" + std::string(3000, 'a') + "b"));
  EXPECT_FALSE(rules.IsAllowed("/yx"));
}

TEST(Robots, PathologicalManyRules) {
  std::string body = "User-agent: *\n";
  for (int i = 0; i < 100000; ++i)
    body += "Disallow: /p" + std::to_string(i) + "/\n";
  RobotsRules rules = RobotsRules::AllowAll();
  double seconds =
      SecondsOf([&] { rules = RobotsRules::Parse(body, "FooBot", 4 << 20); });
  EXPECT_EQ(rules.rule_count(), 100000u);
  seconds += SecondsOf([&] {
    for (int i = 0; i < 100; ++i) {
      EXPECT_FALSE(rules.IsAllowed("/p" + std::to_string(i * 997) + "/x"));
      EXPECT_TRUE(rules.IsAllowed("/q" + std::to_string(i)));
    }
  });
  EXPECT_LT(seconds, 1.0 * kTimeScale);
  // Beyond kMaxRules, rules are dropped.
  std::string more = "User-agent: *\n";
  for (size_t i = 0; i < RobotsRules::kMaxRules + 10; ++i)
    more += "Disallow:/\n";
  EXPECT_EQ(RobotsRules::Parse(more, "x", 16 << 20).rule_count(),
            RobotsRules::kMaxRules);
}

TEST(Robots, PathologicalHugeLine) {
  std::string body =
      "User-agent: *\nDisallow: /" + std::string(1 << 20, 'a') + "\n";
  double seconds = SecondsOf([&] {
    // Cut by the default limit: the line is dropped.
    EXPECT_EQ(RobotsRules::Parse(body, "FooBot").rule_count(), 0u);
    // Read whole: longer than kMaxPatternBytes, dropped.
    EXPECT_EQ(RobotsRules::Parse(body, "FooBot", 4 << 20).rule_count(), 0u);
    std::string no_newline(1 << 20, 'x');
    EXPECT_EQ(RobotsRules::Parse(no_newline, "FooBot", 4 << 20).rule_count(),
              0u);
  });
  EXPECT_LT(seconds, 1.0 * kTimeScale);
}

TEST(Robots, PathologicalBinaryGarbage) {
  std::mt19937 rng(9309);
  std::string body(1 << 20, '\0');
  for (char& c : body) c = static_cast<char>(rng());
  // Sprinkle in directives so some rules are parsed from the noise.
  for (size_t i = 0; i + 64 < body.size(); i += 4096) {
    body.replace(i, 30, "\nUser-agent: *\nDisallow: /*a*\n");
  }
  RobotsRules rules = RobotsRules::AllowAll();
  double seconds = SecondsOf([&] {
    rules = RobotsRules::Parse(body, "FooBot");
    for (size_t i = 0; i < 100; ++i)
      (void)rules.Check(body.substr(i * 1000, 1000));
  });
  EXPECT_GT(rules.rule_count(), 0u);
  EXPECT_FALSE(rules.IsAllowed("/xa"));
  EXPECT_LT(seconds, 1.0 * kTimeScale);
}

}  // namespace
}  // namespace inlinks::crawler
