// Scope keys: layout, round trips, and that each scope is one contiguous
// key range (docs/keys.md).
#include "inlinks/core/keys.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "inlinks/core/domain.h"
#include "tests/testing/status_matchers.h"

namespace inlinks::core {
namespace {

using ::inlinks::testing::StatusIs;

TEST(Keys, HostKeyReversesLabels) {
  EXPECT_EQ(HostKey("www.example.com"), "com.example.www.");
  EXPECT_EQ(HostKey("example.com"), "com.example.");
  EXPECT_EQ(HostKey("example.com."), "com.example.");
  EXPECT_EQ(HostKey("localhost"), "localhost.");
  EXPECT_EQ(HostKey("a.b.c.d.e"), "e.d.c.b.a.");
}

// IP literals are not reversed (as IIPC SURT's ssurtHost does:
// tests/data/third_party/url/urlcanon/ssurt.json "1.2.3.4" -> "1.2.3.4").
TEST(Keys, IpLiteralsAreNotReversed) {
  EXPECT_EQ(HostKey("1.2.3.4"), "1.2.3.4.");
  EXPECT_EQ(HostKey("[::1]"), "[::1].");
  EXPECT_EQ(HostFromKey("1.2.3.4.").value(), "1.2.3.4");
  EXPECT_EQ(HostFromKey("[2001:db8::1].").value(), "[2001:db8::1]");
}

TEST(Keys, HostKeyRoundTrips) {
  for (std::string host : {"example.com", "www.example.com", "a.b.c.example.co.uk",
                           "localhost", "xn--bcher-kva.de", "127.0.0.1", "[::1]",
                           "a-b.c-d.example", "a..b", ".", "a."}) {
    if (host == "a.") {
      EXPECT_EQ(HostFromKey(HostKey(host)).value(), "a");  // trailing dot dropped
      continue;
    }
    EXPECT_EQ(HostFromKey(HostKey(host)).value(), host) << host;
  }
  EXPECT_THAT(HostFromKey("com.example"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(HostFromKey(""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(HostFromKey(std::string("com\0x.", 6)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

Url U(std::string_view s) {
  absl::StatusOr<Url> u = ParseUrl(s);
  EXPECT_TRUE(u.ok()) << s << ": " << u.status();
  return u.ok() ? *u : Url();
}

TEST(Keys, UrlKeyLayout) {
  std::string key = UrlKey(U("https://www.example.com/a/b?x=1#frag"));
  EXPECT_EQ(key, std::string("com.example.www.\0\0\0/a/b?x=1\0", 28));
  std::string with_port = UrlKey(U("http://example.com:8080/"));
  EXPECT_EQ(with_port, std::string("com.example.\0\x1f\x90/\0", 17));
}

TEST(Keys, HttpAndHttpsShareOneUrlScope) {
  EXPECT_EQ(UrlKey(U("http://example.com/page")), UrlKey(U("https://example.com/page")));
  EXPECT_EQ(UrlKey(U("http://example.com:80/page")), UrlKey(U("https://example.com:443/page")));
  EXPECT_NE(UrlKey(U("http://example.com/page")), UrlKey(U("http://example.com/page2")));
  EXPECT_NE(UrlKey(U("http://example.com/page")), UrlKey(U("http://example.com:81/page")));
}

TEST(Keys, DecodeUrlKeyRoundTrips) {
  for (std::string s : {"https://www.example.com/a/b?x=1", "http://example.com:8080/",
                        "http://127.0.0.1:1/x", "http://[::1]/", "http://a.b.c.d/%2F?q"}) {
    Url u = U(s);
    std::string key = UrlKey(u) + "source-suffix";
    ASSERT_OK_AND_ASSIGN(UrlKeyParts parts, DecodeUrlKey(key));
    EXPECT_EQ(parts.host, u.host());
    EXPECT_EQ(parts.port, u.port());
    EXPECT_EQ(parts.path_and_query, u.PathAndQuery());
    EXPECT_EQ(parts.key_size, UrlKey(u).size());
  }
  EXPECT_EQ(DisplayUrl(DecodeUrlKey(UrlKey(U("http://example.com:8080/x"))).value()),
            "example.com:8080/x");
  EXPECT_EQ(DisplayUrl(DecodeUrlKey(UrlKey(U("https://example.com/x?y"))).value()),
            "example.com/x?y");
}

TEST(Keys, DecodeRejectsGarbage) {
  for (std::string bad : {std::string(""), std::string("com.example."),
                          std::string("com.example.\0\0", 14),
                          std::string("com.example.\0\0\0/x", 17),
                          std::string("com.example.\0\0\0x\0", 17),
                          std::string("com.example\0\0\0/\0", 16)}) {
    EXPECT_THAT(DecodeUrlKey(bad), StatusIs(absl::StatusCode::kInvalidArgument))
        << bad.size();
  }
}

// The property the index depends on: sort many URL keys, and the keys of each
// domain / host / URL scope are exactly one contiguous run that the scope's
// range selects.
TEST(Keys, EachScopeIsOneContiguousRange) {
  std::vector<std::string> urls = {
      "http://example.com/", "https://example.com/a", "http://www.example.com/",
      "http://blog.example.com/post?id=1", "http://example-shop.com/",
      "http://examples.com/", "http://example.com.evil.org/", "http://a.example.com:8080/",
      "http://example.co.uk/", "http://com/", "http://x.blog.example.com/",
      "http://127.0.0.1/", "http://127.0.0.10/", "http://[::1]/", "http://example.org/",
      "http://example.com/a/b", "http://example.com/a?b", "http://example.com/ab"};
  std::vector<std::pair<std::string, Url>> keyed;
  for (const auto& s : urls) {
    Url u = U(s);
    keyed.emplace_back(UrlKey(u) + "src", u);
  }
  std::sort(keyed.begin(), keyed.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });

  auto check = [&](const KeyRange& range, auto member, const std::string& what) {
    int first = -1, last = -1, count = 0;
    for (int i = 0; i < static_cast<int>(keyed.size()); ++i) {
      bool in = range.Contains(keyed[i].first);
      EXPECT_EQ(in, member(keyed[i].second)) << what << " / " << keyed[i].second.href();
      if (in) {
        if (first < 0) first = i;
        last = i;
        ++count;
      }
    }
    if (count > 0) EXPECT_EQ(last - first + 1, count) << what << " is not contiguous";
  };
  for (std::string domain : {"example.com", "example.co.uk", "blog.example.com", "com",
                             "127.0.0.1"}) {
    check(DomainScope(domain),
          [&](const Url& u) {
            std::string_view h = u.host();
            return h == domain ||
                   (h.size() > domain.size() && h.ends_with(domain) &&
                    h[h.size() - domain.size() - 1] == '.' && !IsIpLiteral(h));
          },
          "domain " + domain);
  }
  for (std::string host : {"example.com", "www.example.com", "blog.example.com",
                           "a.example.com", "127.0.0.1", "[::1]"}) {
    check(HostScope(host), [&](const Url& u) { return u.host() == host; }, "host " + host);
  }
  for (const auto& s : urls) {
    Url target = U(s);
    check(UrlScope(target), [&](const Url& u) { return UrlKey(u) == UrlKey(target); },
          "url " + s);
  }
}

TEST(Keys, PrefixSuccessor) {
  EXPECT_EQ(PrefixSuccessor("abc"), "abd");
  EXPECT_EQ(PrefixSuccessor(std::string("a\xff", 2)), "b");
  EXPECT_EQ(PrefixSuccessor(std::string("\xff\xff", 2)), "");
  KeyRange all{"", ""};
  EXPECT_TRUE(all.Contains("anything"));
}

}  // namespace
}  // namespace inlinks::core
