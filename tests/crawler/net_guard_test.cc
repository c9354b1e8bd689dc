// The SSRF guard: every non-public range refused, every IPv6 spelling of an
// IPv4 address looked through, the allow list honoured, and odd IPv4 forms
// in URLs canonicalized before they reach the guard.
#include "inlinks/crawler/net_guard.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "inlinks/core/url.h"
#include "tests/testing/status_matchers.h"

namespace inlinks::crawler {
namespace {

using ::inlinks::testing::IsOk;
using ::inlinks::testing::StatusIs;

IpAddress Ip(const char* text) {
  std::optional<IpAddress> a = IpAddress::Parse(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(IpAddress{});
}

struct ClassCase {
  const char* address;
  AddressClass cls;
};

TEST(NetGuard, ClassifiesSpecialPurposeRanges) {
  const ClassCase cases[] = {
      {"8.8.8.8", AddressClass::kPublic},
      {"1.1.1.1", AddressClass::kPublic},
      {"2606:4700:4700::1111", AddressClass::kPublic},
      {"0.0.0.0", AddressClass::kUnspecified},
      {"0.1.2.3", AddressClass::kUnspecified},
      {"::", AddressClass::kUnspecified},
      {"127.0.0.1", AddressClass::kLoopback},
      {"127.255.255.254", AddressClass::kLoopback},
      {"::1", AddressClass::kLoopback},
      {"10.0.0.1", AddressClass::kPrivate},
      {"172.16.0.1", AddressClass::kPrivate},
      {"172.31.255.255", AddressClass::kPrivate},
      {"172.32.0.1", AddressClass::kPublic},
      {"192.168.1.1", AddressClass::kPrivate},
      {"fc00::1", AddressClass::kPrivate},
      {"fd12:3456::1", AddressClass::kPrivate},
      {"100.64.0.1", AddressClass::kShared},
      {"100.128.0.1", AddressClass::kPublic},
      {"169.254.169.254", AddressClass::kLinkLocal},  // cloud metadata
      {"fe80::1", AddressClass::kLinkLocal},
      {"224.0.0.1", AddressClass::kMulticast},
      {"239.255.255.250", AddressClass::kMulticast},
      {"ff02::1", AddressClass::kMulticast},
      {"255.255.255.255", AddressClass::kReserved},
      {"240.0.0.1", AddressClass::kReserved},
      {"192.0.2.1", AddressClass::kReserved},
      {"198.18.0.1", AddressClass::kReserved},
      {"2001:db8::1", AddressClass::kReserved},
      {"fec0::1", AddressClass::kReserved},
  };
  for (const ClassCase& c : cases) {
    EXPECT_EQ(Classify(Ip(c.address)), c.cls) << c.address;
  }
}

TEST(NetGuard, LooksThroughIpv6SpellingsOfIpv4) {
  const ClassCase cases[] = {
      {"::ffff:127.0.0.1", AddressClass::kLoopback},       // IPv4-mapped
      {"::ffff:7f00:1", AddressClass::kLoopback},          // same, hex
      {"::ffff:10.1.2.3", AddressClass::kPrivate},
      {"::ffff:8.8.8.8", AddressClass::kPublic},
      {"::127.0.0.1", AddressClass::kLoopback},            // IPv4-compatible
      {"::169.254.169.254", AddressClass::kLinkLocal},
      {"64:ff9b::7f00:1", AddressClass::kLoopback},        // NAT64
      {"64:ff9b::192.168.0.1", AddressClass::kPrivate},
      {"64:ff9b:1::a00:1", AddressClass::kPrivate},        // local-use NAT64
      {"2002:7f00:1::", AddressClass::kLoopback},          // 6to4
      {"2002:a9fe:a9fe::1", AddressClass::kLinkLocal},
      {"2002:808:808::1", AddressClass::kPublic},
      // Teredo: client 127.0.0.1 stored inverted (80ff:fffe).
      {"2001:0:4136:e378:8000:63bf:80ff:fffe", AddressClass::kLoopback},
  };
  for (const ClassCase& c : cases) {
    EXPECT_EQ(Classify(Ip(c.address)), c.cls) << c.address;
  }
  ASSERT_TRUE(EmbeddedIpv4(Ip("::ffff:1.2.3.4")).has_value());
  EXPECT_EQ(EmbeddedIpv4(Ip("::ffff:1.2.3.4"))->ToString(), "1.2.3.4");
  EXPECT_FALSE(EmbeddedIpv4(Ip("2606:4700::1")).has_value());
}

TEST(NetGuard, RefusesByDefaultWithReason) {
  NetGuard guard;
  EXPECT_THAT(guard.Check(Ip("8.8.8.8")), IsOk());
  absl::Status s = guard.Check(Ip("127.0.0.1"));
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("127.0.0.1 is loopback"));
  EXPECT_FALSE(guard.Allowed(Ip("::ffff:192.168.0.1")));
}

TEST(NetGuard, AllowListAdmitsNamedNetworksAndTheirIpv6Spellings) {
  absl::StatusOr<NetGuard> guard = NetGuard::Create({"127.0.0.0/8", "::1", "fd00::/8"});
  ASSERT_THAT(guard, IsOk());
  EXPECT_TRUE(guard->Allowed(Ip("127.0.0.1")));
  EXPECT_TRUE(guard->Allowed(Ip("127.1.2.3")));
  EXPECT_TRUE(guard->Allowed(Ip("::1")));
  EXPECT_TRUE(guard->Allowed(Ip("::ffff:127.0.0.1")));
  EXPECT_TRUE(guard->Allowed(Ip("fd00::5")));
  EXPECT_FALSE(guard->Allowed(Ip("10.0.0.1")));
  EXPECT_FALSE(guard->Allowed(Ip("169.254.169.254")));
  EXPECT_FALSE(guard->Allowed(Ip("fc00::1")));
  EXPECT_TRUE(guard->Allowed(Ip("8.8.8.8")));
}

TEST(NetGuard, BadAllowEntriesAreRejected) {
  for (const char* bad : {"127.0.0.0/33", "::/129", "hello", "1.2.3/8", "127.0.0.1/", "/8",
                          "127.0.0.1/-1", "127.0.0.1/8x"}) {
    EXPECT_THAT(NetGuard::Create({bad}), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(NetGuard, CidrContainsRespectsPrefixBits) {
  absl::StatusOr<Cidr> c = Cidr::Parse("172.16.0.0/12");
  ASSERT_THAT(c, IsOk());
  EXPECT_TRUE(c->Contains(Ip("172.31.1.1")));
  EXPECT_FALSE(c->Contains(Ip("172.32.1.1")));
  EXPECT_FALSE(c->Contains(Ip("::ffff:172.16.0.1")));  // family must match
}

// Odd IPv4 spellings in URLs: the URL parser turns each into the dotted quad
// the resolver then returns as-is, so the guard sees 127.0.0.1 (WHATWG URL
// "IPv4 parser").
TEST(NetGuard, OddIpv4UrlFormsReachTheGuardCanonical) {
  NetGuard guard;
  for (const char* url : {"http://2130706433/", "http://0x7f000001/", "http://0177.0.0.1/",
                          "http://127.1/", "http://0x7f.1/", "http://127.0.1/",
                          "http://017700000001/", "http://[::ffff:127.0.0.1]/"}) {
    absl::StatusOr<core::Url> u = core::ParseUrl(url);
    ASSERT_THAT(u, IsOk()) << url;
    std::optional<IpAddress> a = IpAddress::Parse(u->host());
    ASSERT_TRUE(a.has_value()) << url << " -> " << u->host();
    EXPECT_EQ(Classify(*a), AddressClass::kLoopback) << url;
    EXPECT_FALSE(guard.Allowed(*a)) << url;
  }
}

}  // namespace
}  // namespace inlinks::crawler
