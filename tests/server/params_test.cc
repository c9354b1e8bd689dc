// Request target parsing, parameter rules, credentials, access-log
// redaction and the strict header scanner (query/src/server).
#include "server/params.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "server/header_scan.h"

namespace inlinks::query::server {
namespace {

TEST(Params, PercentDecodeAndPlus) {
  EXPECT_EQ(PercentDecode("a%20b+c", true), "a b c");
  EXPECT_EQ(PercentDecode("a%20b+c", false), "a b+c");
  EXPECT_EQ(PercentDecode("%zz%4", true), "%zz%4");
  EXPECT_EQ(PercentDecode("%C3%BC", true), "\xC3\xBC");
}

TEST(Params, LastNonEmptyValueWinsCaseInsensitive) {
  Params p;
  p.AddQueryString("Key=a&key=b&key=&limit=5&&x");
  EXPECT_EQ(p.Get("key").value(), "b");
  EXPECT_EQ(p.Get("KEY").value(), "b");
  EXPECT_EQ(p.Get("limit").value(), "5");
  EXPECT_FALSE(p.Get("x").has_value());  // empty = absent
  EXPECT_FALSE(p.Get("missing").has_value());
}

TEST(Params, ParseTargetSegmentsAndQuery) {
  Target t = ParseTarget("/api/links//getBacklinks/k%2Ey/?domain=example.com&");
  ASSERT_EQ(t.segments.size(), 4u);
  EXPECT_EQ(t.segments[3], "k.y");
  EXPECT_TRUE(t.trailing_slash);
  EXPECT_EQ(t.params.Get("domain").value(), "example.com");
}

TEST(Params, EmbeddedQueryOfThePhpForm) {
  Params p;
  std::string path = SplitEmbeddedQuery("/api/service=links&method=getBacklinks&key=K&domain=a.de",
                                        p);
  EXPECT_EQ(path, "/api/");
  EXPECT_EQ(p.Get("service").value(), "links");
  EXPECT_EQ(p.Get("domain").value(), "a.de");
  Params q;
  EXPECT_EQ(SplitEmbeddedQuery("/api/links/getBacklinks", q), "/api/links/getBacklinks");
  EXPECT_TRUE(q.all().empty());
}

TEST(Params, ParseUintRejectsSignsSpacesAndOverflow) {
  EXPECT_EQ(ParseUint("0").value(), 0u);
  EXPECT_EQ(ParseUint("000000000000000000000042").value(), 42u);
  EXPECT_EQ(ParseUint("999999999999999999").value(), 999999999999999999u);
  EXPECT_FALSE(ParseUint("9999999999999999999"));
  EXPECT_FALSE(ParseUint("-1"));
  EXPECT_FALSE(ParseUint("+1"));
  EXPECT_FALSE(ParseUint(" 1"));
  EXPECT_FALSE(ParseUint("1e3"));
  EXPECT_FALSE(ParseUint(""));
}

TEST(Params, BasicAndBearer) {
  auto b = ParseBasicAuth("Basic aWQ6c2VjcmV0");  // id:secret
  ASSERT_TRUE(b);
  EXPECT_EQ(b->first, "id");
  EXPECT_EQ(b->second, "secret");
  auto padded = ParseBasicAuth("basic YTpiYw==");  // a:bc
  ASSERT_TRUE(padded);
  EXPECT_EQ(padded->second, "bc");
  EXPECT_FALSE(ParseBasicAuth("Basic !!!"));
  EXPECT_FALSE(ParseBasicAuth("Bearer x"));
  EXPECT_EQ(ParseBearer("Bearer  tok ").value(), "tok");
  EXPECT_FALSE(ParseBearer("Basic x"));
}

TEST(Params, RedactTargetHidesEverySecret) {
  EXPECT_EQ(RedactTarget("/api/links/getBacklinks/abc.def/example.com/json"),
            "/api/links/getBacklinks/REDACTED/example.com/json");
  EXPECT_EQ(RedactTarget("/links/getBacklinks/abc.def"), "/links/getBacklinks/REDACTED");
  EXPECT_EQ(RedactTarget("/user/getCreditstate/abc.def/xml"),
            "/user/getCreditstate/REDACTED/xml");
  EXPECT_EQ(RedactTarget("/index.php?service=links&key=abc.def&domain=x"),
            "/index.php?service=links&key=REDACTED&domain=x");
  EXPECT_EQ(RedactTarget("/api/service=links&method=getBacklinks&key=abc.def&domain=x"),
            "/api/service=links&method=getBacklinks&key=REDACTED&domain=x");
  EXPECT_EQ(RedactTarget("/v3/ResearchLinksGetListBacklinks.json?url=x&access_token=tok"),
            "/v3/ResearchLinksGetListBacklinks.json?url=x&access_token=REDACTED");
  EXPECT_EQ(RedactTarget("/v3/token?client_id=a&client_secret=s"),
            "/v3/token?client_id=a&client_secret=REDACTED");
  EXPECT_EQ(RedactTarget("/v1/backlinks?target=x&K%65y=abc"),
            "/v1/backlinks?target=x&K%65y=REDACTED");
  EXPECT_EQ(RedactTarget("/v1/backlinks?target=x"), "/v1/backlinks?target=x");
  // Positions count the segments the router keeps: empty ones are skipped.
  EXPECT_EQ(RedactTarget("/api//links/getBacklinks/abc.def/x"),
            "/api//links/getBacklinks/REDACTED/x");
  EXPECT_EQ(RedactTarget("/api/links/getBacklinks//abc.def/x"),
            "/api/links/getBacklinks//REDACTED/x");
  // Anything shaped like a secret or a token (32+ hex digits once decoded),
  // wherever it is.
  const std::string secret(32, 'a');
  EXPECT_EQ(RedactTarget("/api/links%2FgetBacklinks/id." + secret + "/x.com/json"),
            "/api/links%2FgetBacklinks/REDACTED/REDACTED/json");  // "x.com": the key's place
  EXPECT_EQ(RedactTarget("/v1/backlinks/id." + secret + "?target=x&y=" + secret + "&z=1"),
            "/v1/backlinks/REDACTED?target=x&y=REDACTED&z=1");
  EXPECT_EQ(RedactTarget("/v1/x?" + secret.substr(1) + "%61"), "/v1/x?REDACTED");
  EXPECT_EQ(RedactTarget("/v1/x?y=" + secret.substr(1) + "%2561"), "/v1/x?y=REDACTED");
  // In a parameter's name (found by request_fuzzer).
  EXPECT_EQ(RedactTarget("/v1/x?t" + secret + "arget=a&key=b"), "/v1/x?REDACTED&key=REDACTED");
  EXPECT_EQ(RedactTarget("/v1/x?target=" + secret.substr(1)),
            "/v1/x?target=" + secret.substr(1));
  // A key segment holding '=' is still the key position.
  EXPECT_EQ(RedactTarget("/api/links/getBacklinks/abc.def=x/y&key=z"),
            "/api/links/getBacklinks/REDACTED/y&key=REDACTED");
}

// RFC 9112 section 2.2 (https://www.rfc-editor.org/rfc/rfc9112#section-2.2):
// bare CR is invalid; a server may ignore leading empty lines.
TEST(HeaderScan, Rfc9112_2_2_LineEndings) {
  {
    HeaderScanner s(100, 1000);
    std::string h = "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\nrest";
    ASSERT_EQ(s.Scan(h), HeaderScan::kComplete);
    EXPECT_EQ(h.substr(s.begin(), s.end() - s.begin()), "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  }
  for (std::string bad : std::vector<std::string>{"GET / HTTP/1.1\nHost: a\r\n\r\n", "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n",
                          std::string("GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n", 29),
                          "GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n", " GET / HTTP/1.1\r\n\r\n"}) {
    HeaderScanner s(100, 1000);
    EXPECT_EQ(s.Scan(bad), HeaderScan::kBad) << bad;
  }
}

// RFC 9112 section 5.2: obs-fold is rejected with 400.
TEST(HeaderScan, Rfc9112_5_2_ObsFold) {
  HeaderScanner s(100, 1000);
  EXPECT_EQ(s.Scan("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n"), HeaderScan::kBad);
  EXPECT_EQ(s.error(), "obs-fold in header");
}

TEST(HeaderScan, IncrementalAndLimits) {
  std::string h = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  HeaderScanner s(100, 1000);
  for (size_t i = 1; i < h.size(); ++i) {
    ASSERT_EQ(s.Scan(std::string_view(h).substr(0, i)), HeaderScan::kNeedMore) << i;
  }
  EXPECT_EQ(s.Scan(h), HeaderScan::kComplete);
  EXPECT_EQ(s.end(), h.size());

  HeaderScanner line(10, 1000);
  EXPECT_EQ(line.Scan("GET /aaaaaaaaaaaaaaaa"), HeaderScan::kRequestLineTooLong);
  HeaderScanner big(100, 30);
  EXPECT_EQ(big.Scan("GET / HTTP/1.1\r\nX-Long: aaaaaaaaaaaaaaaaaaaaaaaaaaa"),
            HeaderScan::kTooLarge);
}

}  // namespace
}  // namespace inlinks::query::server
