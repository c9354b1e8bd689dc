// Scope resolution (query/backlinks.h ResolveScope; docs/api.md "Common rules").
#include <string>

#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "inlinks/core/keys.h"
#include "inlinks/core/url.h"
#include "inlinks/query/backlinks.h"
#include "tests/testing/status_matchers.h"

namespace inlinks::query {
namespace {

using ::inlinks::testing::IsOk;
using ::inlinks::testing::StatusIs;

Scope Resolve(std::string_view target, ScopeKind kind = ScopeKind::kAuto) {
  absl::StatusOr<Scope> s = ResolveScope(target, kind);
  EXPECT_THAT(s, IsOk()) << target;
  return s.ok() ? *s : Scope{};
}

core::Url U(std::string_view s) { return core::ParseUrl(s).value(); }

TEST(ScopeTest, BareRegistrableDomainIsDomainScope) {
  Scope s = Resolve("example.com");
  EXPECT_EQ(s.kind, ScopeKind::kDomain);
  EXPECT_EQ(s.name, "example.com");
  EXPECT_EQ(s.range.begin, core::DomainScope("example.com").begin);
  EXPECT_EQ(s.range.end, core::DomainScope("example.com").end);
  EXPECT_EQ(s.counter_kind, storage::ScopeKind::kDomain);
  EXPECT_EQ(s.counter_scope_key, core::HostKey("example.com"));
  // Subdomains inside, look-alike domains outside.
  EXPECT_TRUE(s.range.Contains(core::UrlKey(U("http://blog.example.com/x"))));
  EXPECT_TRUE(s.range.Contains(core::UrlKey(U("https://example.com/"))));
  EXPECT_FALSE(s.range.Contains(core::UrlKey(U("http://example-shop.com/"))));
  EXPECT_FALSE(s.range.Contains(core::UrlKey(U("http://examples.com/"))));
  EXPECT_FALSE(s.range.Contains(core::UrlKey(U("http://example.org/"))));
}

TEST(ScopeTest, WwwPlusDomainIsDomainScope) {
  Scope s = Resolve("www.example.com");
  EXPECT_EQ(s.kind, ScopeKind::kDomain);
  EXPECT_EQ(s.name, "example.com");
  EXPECT_EQ(s.host, "www.example.com");
  EXPECT_EQ(Resolve("WWW.Example.COM").name, "example.com");
}

// A trailing dot (the DNS root label) does not change the scope (issue 18):
// "d0.test." was a host scope of "d0.test." while "d0.test" is a domain.
TEST(ScopeTest, TrailingDotIsTheSameScope) {
  for (const char* target : {"example.com", "www.example.com", "blog.example.com",
                             "example.com/page.html", "http://example.com:8080/a"}) {
    const std::string dotted = absl::StrReplaceAll(target, {{".com", ".com."}});
    Scope plain = Resolve(target);
    Scope with_dot = Resolve(dotted);
    EXPECT_EQ(with_dot.kind, plain.kind) << dotted;
    EXPECT_EQ(with_dot.name, plain.name) << dotted;
    EXPECT_EQ(with_dot.range.begin, plain.range.begin) << dotted;
    EXPECT_EQ(with_dot.range.end, plain.range.end) << dotted;
    EXPECT_EQ(with_dot.counter_scope_key, plain.counter_scope_key) << dotted;
  }
  EXPECT_FALSE(ResolveScope(".").ok());
}

TEST(ScopeTest, MultiLabelPublicSuffix) {
  EXPECT_EQ(Resolve("example.co.uk").kind, ScopeKind::kDomain);
  Scope s = Resolve("www.example.co.uk");
  EXPECT_EQ(s.kind, ScopeKind::kDomain);
  EXPECT_EQ(s.name, "example.co.uk");
  // A bare public suffix is only its own host, never "every .co.uk site".
  Scope suffix = Resolve("co.uk");
  EXPECT_EQ(suffix.kind, ScopeKind::kHost);
  EXPECT_THAT(ResolveScope("co.uk", ScopeKind::kDomain),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Private-section suffixes: each blog is a site.
  EXPECT_EQ(Resolve("foo.blogspot.com").kind, ScopeKind::kDomain);
  EXPECT_EQ(Resolve("blogspot.com").kind, ScopeKind::kHost);
}

TEST(ScopeTest, SubdomainIsHostScope) {
  Scope s = Resolve("blog.example.com");
  EXPECT_EQ(s.kind, ScopeKind::kHost);
  EXPECT_EQ(s.name, "blog.example.com");
  EXPECT_EQ(s.range.begin, core::HostScope("blog.example.com").begin);
  EXPECT_EQ(s.counter_kind, storage::ScopeKind::kHost);
  EXPECT_EQ(s.counter_scope_key, core::HostKey("blog.example.com"));
  EXPECT_TRUE(s.range.Contains(core::UrlKey(U("https://blog.example.com/a"))));
  EXPECT_FALSE(s.range.Contains(core::UrlKey(U("https://x.blog.example.com/a"))));
  EXPECT_EQ(Resolve("www.blog.example.com").kind, ScopeKind::kHost);
}

TEST(ScopeTest, HostWithPathIsUrlScope) {
  Scope s = Resolve("example.com/page.html");
  EXPECT_EQ(s.kind, ScopeKind::kUrl);
  EXPECT_EQ(s.name, "example.com/page.html");
  EXPECT_EQ(s.range.begin, core::UrlScope(U("http://example.com/page.html")).begin);
  EXPECT_EQ(s.counter_kind, storage::ScopeKind::kUrl);
  EXPECT_EQ(s.counter_scope_key, core::UrlKey(U("http://example.com/page.html")));
  // http and https of the page are one scope; a scheme is tolerated.
  EXPECT_TRUE(s.range.Contains(core::UrlKey(U("https://example.com/page.html"))));
  EXPECT_EQ(Resolve("https://example.com/page.html").range.begin, s.range.begin);
  EXPECT_EQ(Resolve("HTTP://example.com/page.html#top").range.begin, s.range.begin);
  EXPECT_EQ(Resolve("//example.com/page.html").range.begin, s.range.begin);
  EXPECT_FALSE(s.range.Contains(core::UrlKey(U("https://example.com/page.htmlx"))));
  EXPECT_FALSE(s.range.Contains(core::UrlKey(U("https://www.example.com/page.html"))));
  // A query alone makes a URL scope too; the port is kept.
  Scope q = Resolve("example.com:8080/?a=1");
  EXPECT_EQ(q.kind, ScopeKind::kUrl);
  EXPECT_EQ(q.name, "example.com:8080/?a=1");
}

TEST(ScopeTest, SchemeAndTrailingSlashAreIgnored) {
  for (const char* t : {"http://example.com", "https://example.com/", "  example.com/  ",
                        "https://www.example.com/#x", "HTTPS://EXAMPLE.COM"}) {
    Scope s = Resolve(t);
    EXPECT_EQ(s.kind, ScopeKind::kDomain) << t;
    EXPECT_EQ(s.name, "example.com") << t;
  }
}

TEST(ScopeTest, IdnHostsArePunycode) {
  Scope s = Resolve("bücher.de");
  EXPECT_EQ(s.kind, ScopeKind::kDomain);
  EXPECT_EQ(s.name, "xn--bcher-kva.de");
  EXPECT_EQ(s.counter_scope_key, core::HostKey("xn--bcher-kva.de"));
  EXPECT_EQ(Resolve("www.BÜCHER.de").name, "xn--bcher-kva.de");
  EXPECT_EQ(Resolve("shop.bücher.de").kind, ScopeKind::kHost);
}

TEST(ScopeTest, IpHosts) {
  Scope v4 = Resolve("127.0.0.1");
  EXPECT_EQ(v4.kind, ScopeKind::kDomain);  // its own registrable domain
  EXPECT_EQ(v4.name, "127.0.0.1");
  EXPECT_TRUE(v4.range.Contains(core::UrlKey(U("http://127.0.0.1:8080/x"))));
  EXPECT_FALSE(v4.range.Contains(core::UrlKey(U("http://127.0.0.10/x"))));
  EXPECT_EQ(Resolve("http://0x7f.1/").name, "127.0.0.1");  // WHATWG IPv4 forms
  Scope v6 = Resolve("[2001:db8::1]");
  EXPECT_EQ(v6.name, "[2001:db8::1]");
  Scope url = Resolve("http://[::1]:8080/a");
  EXPECT_EQ(url.kind, ScopeKind::kUrl);
  EXPECT_EQ(url.name, "[::1]:8080/a");
  EXPECT_EQ(Resolve("192.0.2.1", ScopeKind::kHost).kind, ScopeKind::kHost);
}

TEST(ScopeTest, ExplicitKinds) {
  Scope d = Resolve("blog.example.com/a/b", ScopeKind::kDomain);
  EXPECT_EQ(d.kind, ScopeKind::kDomain);
  EXPECT_EQ(d.name, "example.com");
  Scope h = Resolve("example.com/a", ScopeKind::kHost);
  EXPECT_EQ(h.kind, ScopeKind::kHost);
  EXPECT_EQ(h.name, "example.com");
  EXPECT_FALSE(h.range.Contains(core::UrlKey(U("http://www.example.com/"))));
  Scope u = Resolve("example.com", ScopeKind::kUrl);
  EXPECT_EQ(u.kind, ScopeKind::kUrl);
  EXPECT_EQ(u.name, "example.com/");
  EXPECT_EQ(u.range.begin, core::UrlKey(U("http://example.com/")));
}

TEST(ScopeTest, JunkIsInvalidArgument) {
  for (const char* t : {"", "   ", "http://", "ftp://example.com/", "user:pw@example.com",
                        "mailto:a@example.com", "exa mple.com", "http://exa mple.com/",
                        "example.com:99999/", "javascript:alert(1)", "http://[::1/"}) {
    EXPECT_THAT(ResolveScope(t), StatusIs(absl::StatusCode::kInvalidArgument)) << t;
  }
  // WHATWG URL parsing of special schemes skips extra slashes, as browsers do.
  EXPECT_EQ(Resolve("https:///example.com").name, "example.com");
  EXPECT_EQ(Resolve("localhost:8080/a").name, "localhost:8080/a");
}

TEST(ScopeTest, KindNames) {
  for (ScopeKind k : {ScopeKind::kAuto, ScopeKind::kDomain, ScopeKind::kHost, ScopeKind::kUrl}) {
    ASSERT_OK_AND_ASSIGN(ScopeKind back, ParseScopeKind(ScopeKindName(k)));
    EXPECT_EQ(back, k);
  }
  EXPECT_EQ(ParseScopeKind("DOMAIN").value(), ScopeKind::kDomain);
  EXPECT_THAT(ParseScopeKind("site"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseLinkState("gone"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ParseLinkState("All").value(), LinkState::kAll);
}

}  // namespace
}  // namespace inlinks::query
