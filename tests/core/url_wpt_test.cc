// Data-driven conformance tests for inlinks/core/url.h against
//  - WPT url/resources/urltestdata.json and toascii.json
//    (https://github.com/web-platform-tests/wpt/tree/master/url), and
//  - crawler-commons' url-resolve.csv, weirdToNormalizedUrls.csv and
//    invalidUrls.csv (src/test/resources/{normalizer,url-utils}/).
// The data lives in tests/data/third_party/url (see its README.md). Every case
// we do not pass is in an exclusion list below with its reason; the lists
// match docs/url.md, and a test fails if a listed case starts passing (so
// the lists stay exhaustive and honest).
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

// Boost.JSON in header-only mode: this is the only translation unit in the
// test binary that includes it.
#include <boost/json/src.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "inlinks/core/url.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/testdata.h"

namespace inlinks::core {
namespace {

namespace json = boost::json;
using ::inlinks::testing::ReadFileBytes;
using ::inlinks::testing::SplitCsvLine;
using ::inlinks::testing::TestdataPath;

constexpr UrlOptions kWhatwg{.drop_fragment = false,
                             .normalize_percent = false};

// WPT urltestdata.json inputs we knowingly do not match; reason first.
// Keep in sync with docs/url.md, section "WPT exclusions".
const std::map<std::string, std::string>& WptExclusions() {
  static const auto* m = new std::map<std::string, std::string>{
      {"http://f:0/c",
       "port 0 rejected: Url::port() uses 0 for the default port and no "
       "server can be fetched at port 0"},
      {"http://f:00000000000000/c", "port 0 rejected (as above)"},
      {"https://%e2%98%83",
       "libidn2 is IDNA2008: U+2603 SNOWMAN is DISALLOWED there, valid in "
       "UTS #46"},
  };
  return *m;
}

// toascii.json inputs where libidn2 (IDNA2008 + TR46) differs from the URL
// Standard's UTS #46 settings.
const std::map<std::string, std::string>& ToAsciiExclusions() {
  static const auto* m = new std::map<std::string, std::string>{
      {"a\u2020--",
       "libidn2 applies the RFC 5891 hyphen rules to a U-label (CheckHyphens "
       "cannot be switched off)"},
      {"-\u2020", "hyphen rules, as above"},
      {"x01234567890123456789012345678901234567890123456789012345678901"
       "\u2020",
       "libidn2 enforces the 63-byte DNS label length (VerifyDnsLength "
       "cannot be switched off)"},
      {"www.lookout\u2027net",
       "U+2027 HYPHENATION POINT is DISALLOWED in IDNA2008"},
      {"look\u180Eout.net",
       "U+180E is ignored (mapped to nothing) by UTS #46, DISALLOWED by "
       "libidn2"},
      {"look\u206Bout.net",
       "U+206B is ignored by UTS #46, DISALLOWED by libidn2"},
      {"\u2665.net", "U+2665 (symbol) is DISALLOWED in IDNA2008"},
      {"\u04C0.com",
       "U+04C0 CYRILLIC LETTER PALOCHKA: UTS #46 maps it to U+04CF; libidn2 "
       "2.3.3 rejects it"},
      {"\U0002F868.com",
       "CJK compatibility ideograph: UTS #46 maps it, libidn2 rejects it"},
      {"\u2183.com",
       "U+2183 ROMAN NUMERAL REVERSED ONE HUNDRED: UTS #46 maps it to "
       "U+2184, libidn2 rejects it"},
      {"\u1E9E.com",
       "U+1E9E CAPITAL SHARP S: libidn2 2.3.3's TR46 data maps it to \"ss\", "
       "current UTS #46 to U+00DF"},
      {"\u1E9E.foo.com", "U+1E9E, as above"},
  };
  return *m;
}

std::string Show(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

bool IsHttpScheme(std::string_view s) {
  return s == "http" || s == "https" || s == "http:" || s == "https:";
}

// The scheme the WHATWG parser would see in `input`, lower-cased, or "".
std::string SchemeOf(std::string_view input) {
  size_t b = 0, e = input.size();
  while (b < e && static_cast<unsigned char>(input[b]) <= 0x20) ++b;
  std::string s;
  for (size_t i = b; i < e; ++i) {
    char c = input[i];
    if (c == '\t' || c == '\n' || c == '\r') continue;
    if (c == ':') return s;
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' ||
          c == '.')) {
      return "";
    }
    s.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return "";
}

absl::StatusOr<Url> ParseWithBase(std::string_view input,
                                  const json::value* base,
                                  const UrlOptions& opts) {
  if (base == nullptr || base->is_null()) return ParseUrl(input, opts);
  absl::StatusOr<Url> b = ParseUrl(std::string(base->as_string()), opts);
  if (!b.ok()) return b.status();
  return ResolveUrl(*b, input, opts);
}

// https://url.spec.whatwg.org/ as tested by WPT url-constructor.any.js.
TEST(UrlWpt, UrlTestData) {
  INLINKS_REQUIRE_TESTDATA("url/wpt/urltestdata.json");
  auto bytes = ReadFileBytes(TestdataPath("url/wpt/urltestdata.json"));
  ASSERT_TRUE(bytes.has_value());
  boost::system::error_code ec;
  json::value doc = json::parse(*bytes, ec);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_TRUE(doc.is_array());

  int ok_total = 0, ok_pass = 0, fail_total = 0, fail_pass = 0;
  int other_total = 0, other_pass = 0, excluded = 0;
  std::set<std::string> used_exclusions;
  std::vector<std::string> unexpected;
  for (const json::value& v : doc.as_array()) {
    if (!v.is_object()) continue;
    const json::object& o = v.as_object();
    std::string input(o.at("input").as_string());
    const json::value* base = o.if_contains("base");
    std::string base_scheme;
    if (base != nullptr && !base->is_null()) {
      base_scheme = SchemeOf(std::string(base->as_string()));
      if (!IsHttpScheme(base_scheme)) continue;  // not a base we can hold
    }
    bool failure = o.contains("failure") && o.at("failure").as_bool();
    absl::StatusOr<Url> got = ParseWithBase(input, base, kWhatwg);
    std::string where =
        "input=\"" + Show(input) + "\" base=" +
        (base_scheme.empty() ? std::string("null")
                             : "\"" + std::string(base->as_string()) + "\"");
    auto excl = WptExclusions().find(input);
    bool is_excluded = excl != WptExclusions().end();
    bool pass;
    if (failure) {
      // Only failures meant as http(s): an http(s) scheme, or none and an
      // http(s) base.
      std::string scheme = SchemeOf(input);
      if (!IsHttpScheme(scheme) && !(scheme.empty() && !base_scheme.empty())) {
        continue;
      }
      ++fail_total;
      pass = !got.ok();
      if (pass) ++fail_pass;
      if (pass) {
        EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
      }
      if (!pass && !is_excluded) {
        unexpected.push_back("accepted " + where + " -> " + got->href());
      }
    } else if (IsHttpScheme(std::string(o.at("protocol").as_string()))) {
      ++ok_total;
      std::string want(o.at("href").as_string());
      pass = got.ok() && got->href() == want;
      if (pass) ++ok_pass;
      if (pass) {
        // Components agree with the WPT ones.
        EXPECT_EQ(std::string(got->host()),
                  std::string(o.at("hostname").as_string()))
            << where;
        EXPECT_EQ(std::string(got->path()),
                  std::string(o.at("pathname").as_string()))
            << where;
        std::string search(o.at("search").as_string());
        EXPECT_EQ(got->has_query() && !got->query().empty()
                      ? "?" + std::string(got->query())
                      : std::string(),
                  search)
            << where;
        std::string port(o.at("port").as_string());
        EXPECT_EQ(
            got->port() == 0 ? std::string() : std::to_string(got->port()),
            port)
            << where;
      }
      if (!pass && !is_excluded) {
        unexpected.push_back("mismatch " + where + " want \"" + Show(want) +
                             "\" got " +
                             (got.ok() ? "\"" + Show(got->href()) + "\""
                                       : std::string(got.status().message())));
      }
    } else {
      // Valid URL of another scheme: we must reject it as unsupported.
      ++other_total;
      pass = !got.ok() && got.status().message().find("unsupported scheme") !=
                              std::string_view::npos;
      if (pass) ++other_pass;
      if (!pass && !is_excluded) {
        unexpected.push_back("not rejected as unsupported scheme: " + where);
      }
    }
    if (is_excluded) {
      ++excluded;
      used_exclusions.insert(input);
      EXPECT_FALSE(pass) << "excluded case now passes; remove it from the "
                            "exclusion list and docs/url.md: "
                         << where;
    }
  }
  std::cout << "WPT urltestdata: " << ok_pass << "/" << ok_total
            << " http(s) successes match, " << fail_pass << "/" << fail_total
            << " http(s) failures rejected, " << other_pass << "/"
            << other_total << " other-scheme URLs rejected as unsupported ("
            << excluded << " cases excluded)\n";
  for (const std::string& u : unexpected) ADD_FAILURE() << u;
  for (const auto& [input, reason] : WptExclusions()) {
    EXPECT_TRUE(used_exclusions.count(input))
        << "stale exclusion (no such case): " << Show(input);
  }
}

// https://url.spec.whatwg.org/#concept-domain-to-ascii as tested by WPT
// toascii.window.js: parse "https://" + input + "/x" and compare the host.
TEST(UrlWpt, ToAscii) {
  INLINKS_REQUIRE_TESTDATA("url/wpt/toascii.json");
  auto bytes = ReadFileBytes(TestdataPath("url/wpt/toascii.json"));
  ASSERT_TRUE(bytes.has_value());
  boost::system::error_code ec;
  json::value doc = json::parse(*bytes, ec);
  ASSERT_FALSE(ec) << ec.message();
  int total = 0, pass_count = 0;
  std::vector<std::string> unexpected;
  for (const json::value& v : doc.as_array()) {
    if (!v.is_object()) continue;
    const json::object& o = v.as_object();
    std::string input(o.at("input").as_string());
    const json::value& output = o.at("output");
    absl::StatusOr<Url> got = ParseUrl("https://" + input + "/x", kWhatwg);
    bool pass = output.is_null()
                    ? !got.ok()
                    : got.ok() && got->host() == output.as_string().c_str();
    ++total;
    if (pass) ++pass_count;
    bool is_excluded = ToAsciiExclusions().count(input) > 0;
    if (is_excluded) {
      EXPECT_FALSE(pass) << "excluded toascii case now passes: " << input;
    } else if (!pass) {
      unexpected.push_back(
          "toascii \"" + Show(input) + "\" want " +
          (output.is_null() ? std::string("failure")
                            : "\"" + std::string(output.as_string()) + "\"") +
          " got " +
          (got.ok() ? "\"" + std::string(got->host()) + "\""
                    : std::string(got.status().message())));
    }
  }
  std::cout << "WPT toascii: " << pass_count << "/" << total << " hosts match ("
            << ToAsciiExclusions().size()
            << " documented libidn2 divergences)\n";
  for (const std::string& u : unexpected) ADD_FAILURE() << u;
}

// ---------------------------------------------------------------------------
// crawler-commons (BasicURLNormalizer / URLUtil test resources).

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// Data lines of a crawler-commons CSV: no comments, no blank lines.
std::vector<std::vector<std::string>> ReadCsv(std::string_view relative) {
  std::vector<std::vector<std::string>> rows;
  auto bytes = ReadFileBytes(TestdataPath(relative));
  if (!bytes.has_value()) return rows;
  std::string_view all = *bytes;
  while (!all.empty()) {
    size_t nl = all.find('\n');
    std::string_view line = all.substr(0, nl);
    all.remove_prefix(nl == std::string_view::npos ? all.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (TrimSpaces(line).empty() || TrimSpaces(line)[0] == '#') continue;
    std::vector<std::string> fields = SplitCsvLine(line);
    for (std::string& f : fields) f = std::string(TrimSpaces(f));
    rows.push_back(std::move(fields));
  }
  return rows;
}

// weirdToNormalizedUrls.csv cases whose expectation is a crawler-commons
// policy we do not adopt (or a non-http scheme), by group. Keep in sync with
// docs/url.md, section "crawler-commons".
const std::map<std::string, std::string>& WeirdExclusions() {
  static const auto* m = new std::map<std::string, std::string>{
      // Group "path-slashes": empty path segments are kept: a//b and a/b may be
      // different resources (WHATWG and RFC 3986 keep them).
      {"http://foo.com//aa/bb/foo.html", "path-slashes"},
      {"http://foo.com/aa//bb/foo.html", "path-slashes"},
      {"http://foo.com/aa/bb//foo.html", "path-slashes"},
      {"http://foo.com//aa//bb//foo.html", "path-slashes"},
      {"http://foo.com////aa////bb//foo.html", "path-slashes"},
      {"http://foo.com////aa////bb////foo.html", "path-slashes"},
      // Group "query-set": WHATWG special-query encode set: [ ] ^ ` | stay raw
      // in the query, as browsers send them.
      {"http://x.com/?x[y]=1", "query-set"},
      {"http://www.example.com/a/c/../b/search?q=foobar^", "query-set"},
      {"http://www.example.com/a/c/../b/search?q=foobar`", "query-set"},
      {"http://www.example.com/a/c/../b/search?q=foobar|", "query-set"},
      // Group "scheme": only http and https are supported.
      {"file:///foo/bar.txt", "scheme"},
      {"ftp:/", "scheme"},
      {"ftp://foo.com/index.html", "scheme"},
      {"file:/path/index.html", "scheme"},
      {"file:/var/www/html/////./bar/index.html", "scheme"},
      {"file:/var/www/html/foo/../bar/index.html", "scheme"},
      // Group "hostless": an http URL without a host is invalid (WHATWG
      // failure), not "http:/".
      {"http:////", "hostless"},
      {"http:///////", "hostless"},
      // Group "empty-query": an empty query "?" is kept (RFC 3986 6.2.3:
      // delimiters of empty components are not removed; Url::has_query() tells
      // them apart).
      {"http://example.com?", "empty-query"},
      {"http://example.com/?", "empty-query"},
      // Group "no-scheme": a scheme-less string is a relative reference:
      // ResolveUrl it against a base, ParseUrl does not guess http://.
      {"foo.com/index.html", "no-scheme"},
      // Group "trailing-dot": the host's trailing dot is kept: "example.org."
      // is a different host name for TLS and virtual hosting (WHATWG keeps it).
      {"https://www.example.org./", "trailing-dot"},
      // Group "query-sort": query parameters are neither sorted nor rewritten
      // (order, "b=" vs "b" and empty parameters can matter to the
      // application).
      {"http://example.com/?b=1&a=1", "query-sort"},
      {"http://foo.com/foo.html?b=1&a=1", "query-sort"},
      {"http://foo.com/index?b=2&a=1", "query-sort"},
      {"http://foo.com/index?b=2&a=1#c", "query-sort"},
      {"http://foo.com/index?a=1&b=", "query-sort"},
      {"http://foo.com/index?b&a=1", "query-sort"},
      {"http://foo.com/index?b=&a=1", "query-sort"},
      {"http://foo.com/index?b=1&a=1&", "query-sort"},
      {"http://foo.com/index?&b=1&a=1", "query-sort"},
      {"http://foo.com/index?&=1&a=1", "query-sort"},
      {"http://foo.com/index?=1&b=1&a=1", "query-sort"},
  };
  return *m;
}

TEST(UrlCrawlerCommons, WeirdToNormalizedUrls) {
  INLINKS_REQUIRE_TESTDATA("url/crawler-commons/weirdToNormalizedUrls.csv");
  auto rows = ReadCsv("url/crawler-commons/weirdToNormalizedUrls.csv");
  ASSERT_FALSE(rows.empty());
  int total = 0, pass_count = 0, excluded = 0;
  std::vector<std::string> unexpected;
  for (const auto& row : rows) {
    ASSERT_EQ(row.size(), 2u) << Show(row[0]);
    const std::string& input = row[0];
    const std::string& want = row[1];
    absl::StatusOr<Url> got = ParseUrl(input);  // crawl options
    bool pass = got.ok() && got->href() == want;
    ++total;
    if (pass) ++pass_count;
    bool is_excluded = WeirdExclusions().count(input) > 0;
    if (is_excluded) {
      ++excluded;
      EXPECT_FALSE(pass) << "excluded case now passes: " << Show(input);
    } else if (!pass) {
      unexpected.push_back("weird \"" + Show(input) + "\" want \"" +
                           Show(want) + "\" got " +
                           (got.ok() ? "\"" + Show(got->href()) + "\""
                                     : std::string(got.status().message())));
    }
  }
  std::cout << "crawler-commons weirdToNormalizedUrls: " << pass_count << "/"
            << total << " match (" << excluded
            << " cases excluded by policy group, see docs/url.md)\n";
  for (const std::string& u : unexpected) ADD_FAILURE() << u;
}

TEST(UrlCrawlerCommons, UrlResolve) {
  INLINKS_REQUIRE_TESTDATA("url/crawler-commons/url-resolve.csv");
  auto rows = ReadCsv("url/crawler-commons/url-resolve.csv");
  ASSERT_FALSE(rows.empty());
  int total = 0, pass_count = 0, skipped = 0;
  for (const auto& row : rows) {
    ASSERT_EQ(row.size(), 3u) << Show(row[0]);
    const std::string& ref = row[0];
    const std::string& base_str = row[1];
    const std::string& want = row[2];
    absl::StatusOr<Url> got;
    if (base_str.empty()) {
      got = ParseUrl(ref, kWhatwg);
    } else {
      absl::StatusOr<Url> base = ParseUrl(base_str, kWhatwg);
      if (!base.ok()) {
        // Non-http(s) bases (file:) are out of scope.
        EXPECT_EQ(SchemeOf(base_str) == "http" || SchemeOf(base_str) == "https",
                  false)
            << base_str;
        ++skipped;
        continue;
      }
      got = ResolveUrl(*base, ref, kWhatwg);
    }
    ++total;
    bool pass = got.ok() && got->href() == want;
    if (pass) ++pass_count;
    EXPECT_TRUE(pass) << "ref \"" << Show(ref) << "\" base \"" << base_str
                      << "\" want \"" << want << "\" got "
                      << (got.ok() ? got->href()
                                   : std::string(got.status().message()));
  }
  std::cout << "crawler-commons url-resolve: " << pass_count << "/" << total
            << " match (" << skipped << " with a non-http(s) base skipped)\n";
}

TEST(UrlCrawlerCommons, InvalidUrls) {
  INLINKS_REQUIRE_TESTDATA("url/crawler-commons/invalidUrls.csv");
  auto rows = ReadCsv("url/crawler-commons/invalidUrls.csv");
  ASSERT_FALSE(rows.empty());
  for (const auto& row : rows) {
    EXPECT_THAT(ParseUrl(row[0]), ::inlinks::testing::StatusIs(
                                      absl::StatusCode::kInvalidArgument))
        << Show(row[0]);
  }
  std::cout << "crawler-commons invalidUrls: " << rows.size()
            << " inputs rejected\n";
}

}  // namespace
}  // namespace inlinks::core
