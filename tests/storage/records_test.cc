// Stored record formats: round trips and rejection of malformed bytes.
#include "inlinks/storage/records.h"

#include "gtest/gtest.h"
#include "inlinks/core/keys.h"
#include "inlinks/core/url.h"
#include "tests/testing/status_matchers.h"

namespace inlinks::storage {
namespace {

using ::inlinks::testing::StatusIs;

TEST(Records, ReverseKeyRoundTrip) {
  auto target = core::ParseUrl("https://www.example.com:8080/a?b").value();
  std::string url_key = core::UrlKey(target);
  std::string key = ReverseKey(url_key, "http://src.org/page", 7);
  ASSERT_OK_AND_ASSIGN(ReverseKeyParts parts, DecodeReverseKey(key));
  EXPECT_EQ(parts.target_url_key, url_key);
  EXPECT_EQ(parts.source_href, "http://src.org/page");
  EXPECT_EQ(parts.occurrence, 7u);
  // The key starts with the URL key, so it falls in all three scopes.
  EXPECT_TRUE(core::UrlScope(target).Contains(key));
  EXPECT_TRUE(core::HostScope("www.example.com").Contains(key));
  EXPECT_TRUE(core::DomainScope("example.com").Contains(key));
  for (std::string bad : {std::string(""), std::string("x"), key.substr(0, key.size() - 1),
                          url_key}) {
    EXPECT_THAT(DecodeReverseKey(bad), StatusIs(absl::StatusCode::kDataLoss));
  }
}

TEST(Records, LinkValueRoundTrip) {
  LinkValue v{"https://t.org/x", "anchor \xC3\xA4", 42, core::LinkTag::kAImg,
              core::kRelNofollow | core::kRelUgc, -5, 1700000000};
  std::string bytes = EncodeLinkValue(v);
  ASSERT_OK_AND_ASSIGN(LinkValue back, DecodeLinkValue(bytes));
  EXPECT_EQ(back.target_href, v.target_href);
  EXPECT_EQ(back.anchor, v.anchor);
  EXPECT_EQ(back.position, 42u);
  EXPECT_EQ(back.tag, core::LinkTag::kAImg);
  EXPECT_EQ(back.rel, v.rel);
  EXPECT_EQ(back.first_seen, -5);
  EXPECT_EQ(back.lost_time, 1700000000);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_THAT(DecodeLinkValue(bytes.substr(0, cut)), StatusIs(absl::StatusCode::kDataLoss));
  }
  EXPECT_THAT(DecodeLinkValue(bytes + "x"), StatusIs(absl::StatusCode::kDataLoss));
  std::string future = bytes;
  future[0] = 9;  // a newer record version is refused, not misread
  EXPECT_THAT(DecodeLinkValue(future), StatusIs(absl::StatusCode::kDataLoss));
}

TEST(Records, PageValueRoundTrip) {
  PageValue p;
  p.http_status = 200;
  p.first_fetch = 1;
  p.last_fetch = 2;
  p.title = "T";
  p.ip = "2001:db8::1";
  p.canonical = "https://c/";
  p.internal_links = 3;
  p.external_links = 4;
  p.total_links = 7;
  p.live_records = 9;
  p.noindex = true;
  p.rank = 0.125;
  std::string bytes = EncodePageValue(p);
  ASSERT_OK_AND_ASSIGN(PageValue back, DecodePageValue(bytes));
  EXPECT_EQ(back.http_status, 200);
  EXPECT_EQ(back.title, "T");
  EXPECT_EQ(back.ip, "2001:db8::1");
  EXPECT_EQ(back.total_links, 7u);
  EXPECT_EQ(back.live_records, 9u);
  EXPECT_TRUE(back.noindex);
  EXPECT_FALSE(back.nofollow);
  EXPECT_EQ(back.rank, 0.125);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_FALSE(DecodePageValue(bytes.substr(0, cut)).ok()) << cut;
  }
}

TEST(Records, ForwardRoundTrip) {
  std::vector<ForwardEntry> entries(3);
  entries[0] = {"com.example.\0\0\0/\0", 0, 12, 0xdeadbeefcafef00dULL, 3, 100, false, 0};
  entries[1] = {"org.x.\0\0\0/a\0", 2, 6, 1, 4, 101, true, 200};
  entries[2] = {"org.x.\0\0\0/b\0", 0, 6, 2, 5, 0, false, 0};
  std::string bytes = EncodeForward(entries);
  ASSERT_OK_AND_ASSIGN(auto back, DecodeForward(bytes));
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[0].hash, 0xdeadbeefcafef00dULL);
  EXPECT_TRUE(back[1].lost);
  EXPECT_EQ(back[1].lost_time, 200);
  EXPECT_EQ(back[1].occurrence, 2u);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_FALSE(DecodeForward(bytes.substr(0, cut)).ok()) << cut;
  }
  EXPECT_TRUE(DecodeForward(EncodeForward({})).value().empty());
}

TEST(Records, CounterKeysAreDistinctPerKindAndScope) {
  EXPECT_NE(ScopeCounterKey(ScopeKind::kDomain, "com.example."),
            ScopeCounterKey(ScopeKind::kHost, "com.example."));
  // Pair keys length-prefix the scope, so scope/source boundaries are unambiguous.
  EXPECT_NE(PairCounterKey(ScopeKind::kDomain, "com.example.", "org.a."),
            PairCounterKey(ScopeKind::kDomain, "com.example.org.", "a."));
  ScopeKind kind;
  std::string_view scope, source;
  const std::string pair = PairCounterKey(ScopeKind::kUrl, "com.x.", "org.y.");
  ASSERT_TRUE(ParsePairCounterKey(pair, kind, scope, source));
  EXPECT_EQ(kind, ScopeKind::kUrl);
  EXPECT_EQ(scope, "com.x.");
  EXPECT_EQ(source, "org.y.");
  EXPECT_FALSE(ParsePairCounterKey("P", kind, scope, source));
  EXPECT_FALSE(ParsePairCounterKey("Pu\x7f", kind, scope, source));
  std::string url_key = core::UrlKey(core::ParseUrl("http://a.b.example.com/x").value());
  EXPECT_EQ(HostScopeKey(url_key), "com.example.b.a.");
  EXPECT_EQ(DomainScopeKey(url_key, 12), "com.example.");
}

}  // namespace
}  // namespace inlinks::storage
