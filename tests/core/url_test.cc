// Hand-written tests for inlinks/core/url.h. Sections refer to the WHATWG URL
// Standard (https://url.spec.whatwg.org/) and RFC 3986; the data-driven
// conformance runs are in url_wpt_test.cc.
#include "inlinks/core/url.h"

#include <chrono>
#include <cstdint>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace inlinks::core {
namespace {

using ::inlinks::testing::IsOk;
using ::inlinks::testing::StatusIs;
using ::testing::HasSubstr;

constexpr UrlOptions kWhatwg{.drop_fragment = false,
                             .normalize_percent = false};

// Parses with crawl options and returns href, or "ERR: <message>".
std::string Norm(std::string_view in, const UrlOptions& o = {}) {
  absl::StatusOr<Url> u = ParseUrl(in, o);
  if (!u.ok()) return "ERR: " + std::string(u.status().message());
  return u->href();
}

std::string Resolve(std::string_view base, std::string_view ref,
                    const UrlOptions& o = {}) {
  absl::StatusOr<Url> b = ParseUrl(base, o);
  if (!b.ok()) return "BASE ERR: " + std::string(b.status().message());
  absl::StatusOr<Url> u = ResolveUrl(*b, ref, o);
  if (!u.ok()) return "ERR: " + std::string(u.status().message());
  return u->href();
}

bool Rejected(std::string_view in) { return !ParseUrl(in).ok(); }

// https://url.spec.whatwg.org/#url-parsing (step: strip C0 control or space,
// remove ASCII tab or newline)
TEST(Url, Whatwg_Parsing_StripsControlsAndSpaces) {
  EXPECT_EQ(Norm("  \x01http://example.com/a \x1f"), "http://example.com/a");
  EXPECT_EQ(Norm("ht\ttp://exa\nmple.com/a\rb"), "http://example.com/ab");
  EXPECT_EQ(Norm("http://example.com/a b"), "http://example.com/a%20b");
}

// https://url.spec.whatwg.org/#scheme-state
TEST(Url, Whatwg_SchemeState_CaseAndSupportedSchemes) {
  EXPECT_EQ(Norm("HTTP://Example.COM"), "http://example.com/");
  EXPECT_EQ(Norm("HtTpS://example.com/"), "https://example.com/");
  for (std::string_view in :
       {"mailto:a@b.c", "javascript:alert(1)", "data:text/html,x",
        "ftp://example.com/", "file:///etc/passwd", "ws://example.com/",
        "c:/windows"}) {
    EXPECT_THAT(ParseUrl(in), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("unsupported scheme")))
        << in;
  }
  EXPECT_THAT(ParseUrl("example.com/a"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("missing scheme")));
  EXPECT_THAT(ParseUrl(""), StatusIs(absl::StatusCode::kInvalidArgument));
}

// https://url.spec.whatwg.org/#special-authority-slashes-state
TEST(Url, Whatwg_SpecialAuthoritySlashes) {
  EXPECT_EQ(Norm("http:example.com"), "http://example.com/");
  EXPECT_EQ(Norm("http:/example.com/a"), "http://example.com/a");
  EXPECT_EQ(Norm("http:////example.com/a"), "http://example.com/a");
  EXPECT_EQ(Norm("http:\\\\example.com\\a\\b"), "http://example.com/a/b");
  EXPECT_EQ(Resolve("http://base.org/x/y", "http:foo.com"),
            "http://base.org/x/foo.com");
  EXPECT_EQ(Resolve("http://base.org/x/y", "http:/foo"), "http://base.org/foo");
  EXPECT_EQ(Resolve("http://base.org/x/y", "http://foo.com/"),
            "http://foo.com/");
  EXPECT_EQ(Resolve("http://base.org/x/y", "https:foo.com"),
            "https://foo.com/");
}

// https://url.spec.whatwg.org/#authority-state
TEST(Url, Whatwg_AuthorityState_Userinfo) {
  EXPECT_EQ(Norm("http://user:pass@example.com/"),
            "http://user:pass@example.com/");
  EXPECT_EQ(Norm("http://user:@example.com/"), "http://user@example.com/");
  EXPECT_EQ(Norm("http://:@example.com/"), "http://example.com/");
  EXPECT_EQ(Norm("http://a@b@example.com/"), "http://a%40b@example.com/");
  EXPECT_EQ(Norm("http://a b:c:d@example.com/"),
            "http://a%20b:c%3Ad@example.com/");
  EXPECT_TRUE(Rejected("http://user@/"));
  EXPECT_TRUE(Rejected("http://user@"));
}

// https://url.spec.whatwg.org/#host-parsing
TEST(Url, Whatwg_HostParsing_LowerCaseAndForbidden) {
  EXPECT_EQ(Norm("http://ExAmPlE.CoM/"), "http://example.com/");
  EXPECT_EQ(Norm("http://example.com./"), "http://example.com./");
  EXPECT_EQ(Norm("http://ex%41mple.com/"), "http://example.com/");
  for (std::string_view in :
       {"http://exa mple.com/", "http://a<b/", "http://a^b/", "http://a|b/",
        "http://a%25b/", "http://a%2Fb/", "http://a%00b/", "http:///",
        "http://", "http:", "http://%/", "http://[/", "http://a%zzb/"}) {
    EXPECT_THAT(ParseUrl(in), StatusIs(absl::StatusCode::kInvalidArgument))
        << in;
  }
  std::string nul("http://a\0b/", 11);
  EXPECT_TRUE(Rejected(nul));
}

// https://url.spec.whatwg.org/#concept-domain-to-ascii (libidn2, IDNA2008)
TEST(Url, Whatwg_HostParsing_Idna) {
  EXPECT_EQ(Norm("http://bücher.de/"), "http://xn--bcher-kva.de/");
  EXPECT_EQ(Norm("http://BÜCHER.de/"), "http://xn--bcher-kva.de/");
  EXPECT_EQ(Norm("http://b%C3%BCcher.de/"), "http://xn--bcher-kva.de/");
  EXPECT_EQ(Norm("http://xn--bcher-kva.de/"), "http://xn--bcher-kva.de/");
  EXPECT_EQ(Norm("http://XN--BCHER-KVA.de/"), "http://xn--bcher-kva.de/");
  EXPECT_EQ(Norm("http://faß.de/"),
            "http://xn--fa-hia.de/");  // nontransitional
  EXPECT_EQ(Norm("http://例え.テスト/"), "http://xn--r8jz45g.xn--zckzah/");
  // An ASCII host is only lower-cased, even with an invalid "xn--" label;
  // in a non-ASCII host every label is validated.
  EXPECT_EQ(Norm("http://XN--A/"), "http://xn--a/");
  EXPECT_TRUE(Rejected("http://xn--a.bücher/"));
  EXPECT_EQ(Norm("http://a。b．c｡d/"),
            "http://a.b.c.d/");  // UTS #46 dots
  EXPECT_EQ(Norm("http://ＡＢ.com/"), "http://ab.com/");
  EXPECT_EQ(Norm("http://-x.bücher/"), "http://-x.xn--bcher-kva/");
  EXPECT_TRUE(Rejected("http://☃.net/"));           // IDNA2008: snowman
  EXPECT_TRUE(Rejected("https://abc%FEdef.org/"));  // not UTF-8
  EXPECT_TRUE(Rejected("http://\xff\xfe/"));
}

// https://url.spec.whatwg.org/#concept-ipv4-parser
TEST(Url, Whatwg_HostParsing_Ipv4NumberForms) {
  EXPECT_EQ(Norm("http://2130706433/"), "http://127.0.0.1/");
  EXPECT_EQ(Norm("http://0177.0.0.1/"), "http://127.0.0.1/");
  EXPECT_EQ(Norm("http://0x7f.1/"), "http://127.0.0.1/");
  EXPECT_EQ(Norm("http://127.1/"), "http://127.0.0.1/");
  EXPECT_EQ(Norm("http://0x7F000001/"), "http://127.0.0.1/");
  EXPECT_EQ(Norm("http://192.168.0.1./"), "http://192.168.0.1/");
  EXPECT_EQ(Norm("http://0x/"), "http://0.0.0.0/");
  EXPECT_EQ(Norm("http://1.2.3.4.example/"), "http://1.2.3.4.example/");
  EXPECT_EQ(Norm("http://example.0xg/"), "http://example.0xg/");
  EXPECT_TRUE(Rejected("http://256.0.0.1/"));
  EXPECT_TRUE(Rejected("http://1.2.3.4.5/"));
  EXPECT_TRUE(Rejected("http://4294967296/"));
  EXPECT_TRUE(Rejected("http://999999999999999999999999/"));
  EXPECT_TRUE(Rejected("http://09.0.0.1/"));  // 09 is not octal
  EXPECT_TRUE(Rejected("http://example.123/"));
  ASSERT_OK_AND_ASSIGN(Url u, ParseUrl("http://127.1:8080/x"));
  EXPECT_TRUE(u.host_is_ip());
  EXPECT_EQ(u.host(), "127.0.0.1");
  EXPECT_EQ(u.port(), 8080);
}

// https://url.spec.whatwg.org/#concept-ipv6-serializer
TEST(Url, Whatwg_HostParsing_Ipv6) {
  EXPECT_EQ(Norm("http://[0:0:0:0:0:0:0:1]/"), "http://[::1]/");
  EXPECT_EQ(Norm("http://[2001:DB8:0:0:1:0:0:1]/"),
            "http://[2001:db8::1:0:0:1]/");
  EXPECT_EQ(Norm("http://[1:0:0:2::3:0]/"), "http://[1::2:0:0:3:0]/");
  EXPECT_EQ(Norm("http://[::ffff:192.168.0.1]/"), "http://[::ffff:c0a8:1]/");
  EXPECT_EQ(Norm("http://[1:2:3:4:5:6:7:8]:81/"),
            "http://[1:2:3:4:5:6:7:8]:81/");
  EXPECT_EQ(Norm("http://[::]/"), "http://[::]/");
  EXPECT_TRUE(Rejected("http://[::1/"));
  EXPECT_TRUE(Rejected("http://[:::1]/"));
  EXPECT_TRUE(Rejected("http://[1:2:3:4:5:6:7:8:9]/"));
  EXPECT_TRUE(Rejected("http://[::1]x/"));
  EXPECT_TRUE(Rejected("http://[www.example.com]/"));
  ASSERT_OK_AND_ASSIGN(Url u, ParseUrl("https://[::1]:8443/a?b"));
  EXPECT_EQ(u.host(), "[::1]");
  EXPECT_TRUE(u.host_is_ip());
  EXPECT_EQ(u.EffectivePort(), 8443);
}

// https://url.spec.whatwg.org/#port-state
TEST(Url, Whatwg_PortState) {
  EXPECT_EQ(Norm("http://example.com:80/"), "http://example.com/");
  EXPECT_EQ(Norm("https://example.com:443/"), "https://example.com/");
  EXPECT_EQ(Norm("http://example.com:443/"), "http://example.com:443/");
  EXPECT_EQ(Norm("https://example.com:80/"), "https://example.com:80/");
  EXPECT_EQ(Norm("http://example.com:0080/"), "http://example.com/");
  EXPECT_EQ(Norm("http://example.com:/"), "http://example.com/");
  EXPECT_EQ(Norm("http://example.com:65535/"), "http://example.com:65535/");
  EXPECT_THAT(ParseUrl("http://example.com:65536/"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("port")));
  EXPECT_THAT(ParseUrl("http://example.com:8o/"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("port")));
  EXPECT_TRUE(Rejected("http://example.com:-1/"));
  EXPECT_TRUE(Rejected("http://:80/"));
  // Deviation: port 0 (docs/url.md).
  EXPECT_THAT(ParseUrl("http://example.com:0/"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("port")));
  EXPECT_TRUE(Rejected("http://example.com:000/"));
  ASSERT_OK_AND_ASSIGN(Url a, ParseUrl("https://example.com:443/"));
  EXPECT_EQ(a.port(), 0);
  EXPECT_EQ(a.EffectivePort(), 443);
  ASSERT_OK_AND_ASSIGN(Url b, ParseUrl("http://example.com/"));
  EXPECT_EQ(b.EffectivePort(), 80);
}

// https://url.spec.whatwg.org/#path-state (single- and double-dot segments)
TEST(Url, Whatwg_PathState_DotSegments) {
  EXPECT_EQ(Norm("http://a/b/c/./../../g"), "http://a/g");
  EXPECT_EQ(Norm("http://a/../../x"), "http://a/x");
  EXPECT_EQ(Norm("http://a/b/.."), "http://a/");
  EXPECT_EQ(Norm("http://a/b/."), "http://a/b/");
  EXPECT_EQ(Norm("http://a/b/%2e%2E/c"), "http://a/c");
  EXPECT_EQ(Norm("http://a/b/.%2e/c"), "http://a/c");
  EXPECT_EQ(Norm("http://a/b/%2e/c"), "http://a/b/c");
  EXPECT_EQ(Norm("http://a/b/...//c"), "http://a/b/...//c");
  EXPECT_EQ(Norm("http://a"), "http://a/");
  EXPECT_EQ(Norm("http://a?q"), "http://a/?q");
  EXPECT_EQ(Norm("http://a\\b\\..\\c"), "http://a/c");
}

// RFC 3986 section 6.2.2.1 / 6.2.2.2 (crawl normalization)
TEST(Url, Rfc3986_6_2_2_PercentEncodingNormalization) {
  EXPECT_EQ(Norm("http://a/%7Euser/%7e"), "http://a/~user/~");
  EXPECT_EQ(Norm("http://a/%41%62%2D%2e%5F"), "http://a/Ab-._");
  EXPECT_EQ(Norm("http://a/a%2Fb%2fc"), "http://a/a%2Fb%2Fc");
  EXPECT_EQ(Norm("http://a/x?y=%2f&z=%3d"), "http://a/x?y=%2F&z=%3D");
  EXPECT_EQ(Norm("http://a/%c3%a9"), "http://a/%C3%A9");
  EXPECT_EQ(Norm("http://a/%zz%4"), "http://a/%25zz%254");
  EXPECT_EQ(Norm("http://a/%?%#%", kWhatwg), "http://a/%?%#%");
  EXPECT_EQ(Norm("http://a/%?%#%", {.drop_fragment = false}),
            "http://a/%25?%25#%25");
  // Without normalization, escapes are left exactly as written.
  EXPECT_EQ(Norm("http://a/%7e%2f", kWhatwg), "http://a/%7e%2f");
}

// https://url.spec.whatwg.org/#percent-encoded-bytes (encode sets)
TEST(Url, Whatwg_PercentEncodeSets) {
  EXPECT_EQ(Norm("http://a/é ?é '#x", kWhatwg),
            "http://a/%C3%A9%20?%C3%A9%20%27#x");
  EXPECT_EQ(Norm("http://a/{}^`|?{}|`", kWhatwg),
            "http://a/%7B%7D%5E%60|?{}|`");
  EXPECT_EQ(Norm("http://a/#a b<>`", kWhatwg), "http://a/#a%20b%3C%3E%60");
  EXPECT_EQ(Norm(std::string_view("http://a/\0x", 11)), "http://a/%00x");
}

TEST(Url, Crawl_FragmentDropped) {
  EXPECT_EQ(Norm("http://a/b#frag"), "http://a/b");
  EXPECT_EQ(Norm("http://a/b?q#frag"), "http://a/b?q");
  EXPECT_EQ(Norm("http://a/b#frag", kWhatwg), "http://a/b#frag");
  ASSERT_OK_AND_ASSIGN(Url u, ParseUrl("http://a/b?#", kWhatwg));
  EXPECT_TRUE(u.has_query());
  EXPECT_TRUE(u.has_fragment());
  EXPECT_EQ(u.query(), "");
  EXPECT_EQ(u.fragment(), "");
  ASSERT_OK_AND_ASSIGN(Url v, ParseUrl("http://a/b#x"));
  EXPECT_FALSE(v.has_fragment());
  EXPECT_FALSE(v.has_query());
}

TEST(Url, Accessors) {
  ASSERT_OK_AND_ASSIGN(
      Url u, ParseUrl("HTTPS://u:p@Example.com:8443/p/q?x=1#f", kWhatwg));
  EXPECT_EQ(u.href(), "https://u:p@example.com:8443/p/q?x=1#f");
  EXPECT_EQ(u.scheme(), "https");
  EXPECT_EQ(u.host(), "example.com");
  EXPECT_EQ(u.port(), 8443);
  EXPECT_EQ(u.path(), "/p/q");
  EXPECT_EQ(u.query(), "x=1");
  EXPECT_EQ(u.PathAndQuery(), "/p/q?x=1");
  EXPECT_EQ(u.fragment(), "f");
  EXPECT_FALSE(u.host_is_ip());
  ASSERT_OK_AND_ASSIGN(Url v, ParseUrl("http://example.com"));
  EXPECT_EQ(v.PathAndQuery(), "/");
  EXPECT_EQ(v.query(), "");
  Url empty;
  EXPECT_EQ(empty.href(), "");
  EXPECT_EQ(empty.path(), "");
}

// RFC 3986 section 5.4 reference resolution examples, as WHATWG resolves them.
TEST(Url, Rfc3986_5_4_ResolveExamples) {
  const std::string base = "http://a/b/c/d;p?q";
  struct Case {
    std::string_view ref, want;
  } cases[] = {
      {"g", "http://a/b/c/g"},
      {"./g", "http://a/b/c/g"},
      {"g/", "http://a/b/c/g/"},
      {"/g", "http://a/g"},
      {"//g", "http://g/"},
      {"?y", "http://a/b/c/d;p?y"},
      {"g?y", "http://a/b/c/g?y"},
      {"#s", "http://a/b/c/d;p?q"},
      {"g#s", "http://a/b/c/g"},
      {";x", "http://a/b/c/;x"},
      {"", "http://a/b/c/d;p?q"},
      {".", "http://a/b/c/"},
      {"./", "http://a/b/c/"},
      {"..", "http://a/b/"},
      {"../", "http://a/b/"},
      {"../g", "http://a/b/g"},
      {"../..", "http://a/"},
      {"../../g", "http://a/g"},
      {"../../../g", "http://a/g"},
      {"/./g", "http://a/g"},
      {"/../g", "http://a/g"},
      {"g.", "http://a/b/c/g."},
      {".g", "http://a/b/c/.g"},
      {"g..", "http://a/b/c/g.."},
      {"..g", "http://a/b/c/..g"},
      {"./../g", "http://a/b/g"},
      {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
      {"g;x=1/../y", "http://a/b/c/y"},
      {"g?y/./x", "http://a/b/c/g?y/./x"},
      {"http:g", "http://a/b/c/g"},
      {"\\\\g\\h", "http://g/h"},
      {"https://x/", "https://x/"},
      {"  /sp ace ", "http://a/sp%20ace"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Resolve(base, c.ref), c.want) << "ref: " << c.ref;
  }
  EXPECT_EQ(Resolve(base, "#frag", kWhatwg), "http://a/b/c/d;p?q#frag");
  EXPECT_EQ(Resolve("https://a:8443/x", "//other/x"), "https://other/x");
  EXPECT_EQ(Resolve("https://u@a:8443/x", "/y"), "https://u@a:8443/y");
  EXPECT_EQ(Resolve("http://a/x", "//[::1]/"), "http://[::1]/");
  ASSERT_OK_AND_ASSIGN(Url b, ParseUrl("http://[::1]:81/x/y"));
  ASSERT_OK_AND_ASSIGN(Url r, ResolveUrl(b, "../z?q"));
  EXPECT_EQ(r.href(), "http://[::1]:81/z?q");
  EXPECT_EQ(r.host(), "[::1]");
  EXPECT_TRUE(r.host_is_ip());
  EXPECT_EQ(r.port(), 81);
  EXPECT_EQ(r.path(), "/z");
  EXPECT_EQ(r.query(), "q");
}

TEST(Url, Resolve_RejectsOtherSchemes) {
  ASSERT_OK_AND_ASSIGN(Url b, ParseUrl("http://a/b"));
  for (std::string_view ref : {"mailto:x@y.z", "javascript:void(0)", "data:,x",
                               "ftp://a/", "tel:+123"}) {
    EXPECT_THAT(ResolveUrl(b, ref), StatusIs(absl::StatusCode::kInvalidArgument,
                                             HasSubstr("unsupported scheme")))
        << ref;
  }
  EXPECT_THAT(ResolveUrl(b, "//"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ResolveUrl(b, "http://a:99999/"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // A default-constructed base behaves as no base.
  EXPECT_THAT(ResolveUrl(Url(), "/x"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ResolveUrl(Url(), "http://x/"), IsOk());
}

TEST(Url, Idempotent) {
  for (std::string_view in :
       {"http://A/%7e/%2f/%c3%a9?%41=%2F", "http://bücher.de/ä?ö",
        "http://0x7f.1/a/../b", "https://[::FFFF:1.2.3.4]:443/",
        "http://a/%2e%2E/x y"}) {
    ASSERT_OK_AND_ASSIGN(Url a, ParseUrl(in));
    ASSERT_OK_AND_ASSIGN(Url b, ParseUrl(a.href()));
    EXPECT_EQ(a, b) << in;
  }
}

TEST(Url, Robustness_HugeAndBinaryInput) {
  std::string big = "http://example.com/" + std::string(2 << 20, 'a');
  ASSERT_OK_AND_ASSIGN(Url u, ParseUrl(big));
  EXPECT_EQ(u.href().size(), big.size());
  std::string deep = "http://example.com/";
  for (int i = 0; i < 200000; ++i) deep += "../a/";
  EXPECT_THAT(ParseUrl(deep), IsOk());
  std::string host(1 << 20, 'h');
  EXPECT_THAT(ParseUrl("http://" + host + "/"), IsOk());
  EXPECT_THAT(ParseUrl("http://" + std::string(100000, '\xc3') + "/"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseUrl(std::string(9 << 20, 'a')),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Every single byte after a scheme, and every byte as a whole input.
  for (int c = 0; c < 256; ++c) {
    std::string s = "http://a" + std::string(1, static_cast<char>(c)) + "b/";
    (void)ParseUrl(s);
    (void)ParseUrl(std::string(1, static_cast<char>(c)));
    std::string p = "http://ab/" + std::string(1, static_cast<char>(c));
    EXPECT_THAT(ParseUrl(p), IsOk()) << c;
  }
}

// Checks the offsets of `u` against its href.
void ExpectConsistent(const Url& u, std::string_view what) {
  const std::string& h = u.href();
  std::string rebuilt = std::string(u.scheme()) + "://";
  size_t host_at = h.find(u.host(), rebuilt.size());
  ASSERT_NE(host_at, std::string::npos) << what;
  EXPECT_TRUE(u.scheme() == "http" || u.scheme() == "https") << what;
  EXPECT_FALSE(u.host().empty()) << what;
  ASSERT_FALSE(u.path().empty()) << what;
  EXPECT_EQ(u.path()[0], '/') << what;
  EXPECT_NE(u.EffectivePort(), 0) << what;
  std::string tail = std::string(u.PathAndQuery());
  if (u.has_fragment()) tail += "#" + std::string(u.fragment());
  EXPECT_TRUE(h.size() >= tail.size() &&
              h.compare(h.size() - tail.size(), tail.size(), tail) == 0)
      << what << " href " << h;
  if (u.has_query()) {
    EXPECT_EQ(u.PathAndQuery(),
              std::string(u.path()) + "?" + std::string(u.query()))
        << what;
  }
}

// Random inputs over an alphabet of URL-significant bytes: never crash;
// every accepted URL has consistent parts and reparses to itself.
TEST(Url, Robustness_RandomInputsAreIdempotent) {
  static constexpr std::string_view kAlphabet[] = {
      "/",  "\\",   "?",    "#",  "%",    "%2e", "%2F",   "%41",
      ".",  "..",   ":",    "@",  "[",    "]",   "::",    "0x",
      "1",  "0",    "a",    "B",  "xn--", " ",   "\t",    "\x01",
      "ü",  "\xff", "\x00", "。", "'",    "^",   "http:", "https://",
      "//", "8080", "~",    "=",  "&",    "{",   "|",     "255"};
  ASSERT_OK_AND_ASSIGN(Url base, ParseUrl("http://base.example/dir/page?q"));
  uint64_t state = 0x9E3779B97F4A7C15ull;
  auto next = [&state]() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string in = (i % 3 == 0) ? "" : (i % 3 == 1 ? "http://" : "https://");
    int parts = static_cast<int>(next() % 12);
    for (int k = 0; k < parts; ++k) {
      in += kAlphabet[next() % std::size(kAlphabet)];
    }
    for (const UrlOptions& o : {UrlOptions{}, kWhatwg}) {
      for (int resolve = 0; resolve < 2; ++resolve) {
        absl::StatusOr<Url> u =
            resolve ? ResolveUrl(base, in, o) : ParseUrl(in, o);
        if (!u.ok()) {
          EXPECT_EQ(u.status().code(), absl::StatusCode::kInvalidArgument);
          continue;
        }
        ++accepted;
        ExpectConsistent(*u, in);
        absl::StatusOr<Url> again = ParseUrl(u->href(), o);
        ASSERT_TRUE(again.ok()) << "input " << in << " href " << u->href();
        EXPECT_EQ(again->href(), u->href()) << "input " << in;
      }
    }
  }
  EXPECT_GT(accepted, 1000);
}

TEST(Url, Speed_TypicalResolution) {
  ASSERT_OK_AND_ASSIGN(
      Url base, ParseUrl("https://www.example.com/news/2024/index.html"));
  const std::vector<std::string_view> refs = {
      "/about/team.html",
      "../archive/2023/",
      "article-123.html?ref=home",
      "https://cdn.example.net/img/logo.png",
      "#top",
      "//other.org/x"};
  constexpr int kIters = 20000;
  size_t total = 0;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kIters; ++i) {
    for (std::string_view r : refs) {
      absl::StatusOr<Url> u = ResolveUrl(base, r);
      total += u.ok() ? u->href().size() : 0;
    }
  }
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::steady_clock::now() - start)
                .count();
  std::cout << "ResolveUrl: " << ns / (kIters * refs.size())
            << " ns per call (typical hrefs, this build)\n";
  EXPECT_GT(total, 0u);
}

}  // namespace
}  // namespace inlinks::core
