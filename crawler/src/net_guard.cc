// The SSRF guard (net_guard.h). Ranges from the IANA IPv4 and IPv6
// special-purpose address registries (RFC 6890 and updates).
#include "inlinks/crawler/net_guard.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "inlinks/core/string_view.h"

namespace inlinks::crawler {
namespace {

using core::Av;

uint32_t V4Value(const IpAddress& a) {
  return (uint32_t{a.bytes[0]} << 24) | (uint32_t{a.bytes[1]} << 16) |
         (uint32_t{a.bytes[2]} << 8) | uint32_t{a.bytes[3]};
}

// True when the first `bits` bits of `a` equal those of `prefix`.
bool HasPrefix(const uint8_t* a, const uint8_t* prefix, int bits) {
  int whole = bits / 8;
  if (std::memcmp(a, prefix, whole) != 0) return false;
  int rest = bits % 8;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xFF << (8 - rest));
  return (a[whole] & mask) == (prefix[whole] & mask);
}

bool InV4(uint32_t v, uint32_t net, int bits) {
  if (bits == 0) return true;
  uint32_t mask = bits == 32 ? 0xFFFFFFFFu : ~(0xFFFFFFFFu >> bits);
  return (v & mask) == (net & mask);
}

constexpr uint32_t Quad(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  return (a << 24) | (b << 16) | (c << 8) | d;
}

AddressClass ClassifyV4(uint32_t v) {
  if (InV4(v, Quad(0, 0, 0, 0), 8)) return AddressClass::kUnspecified;
  if (InV4(v, Quad(127, 0, 0, 0), 8)) return AddressClass::kLoopback;
  if (InV4(v, Quad(10, 0, 0, 0), 8) || InV4(v, Quad(172, 16, 0, 0), 12) ||
      InV4(v, Quad(192, 168, 0, 0), 16)) {
    return AddressClass::kPrivate;
  }
  if (InV4(v, Quad(100, 64, 0, 0), 10)) return AddressClass::kShared;
  if (InV4(v, Quad(169, 254, 0, 0), 16)) return AddressClass::kLinkLocal;
  if (InV4(v, Quad(224, 0, 0, 0), 4)) return AddressClass::kMulticast;
  if (InV4(v, Quad(240, 0, 0, 0), 4) ||        // reserved + broadcast
      InV4(v, Quad(192, 0, 0, 0), 24) ||       // IETF protocol assignments
      InV4(v, Quad(192, 0, 2, 0), 24) ||       // TEST-NET-1
      InV4(v, Quad(198, 51, 100, 0), 24) ||    // TEST-NET-2
      InV4(v, Quad(203, 0, 113, 0), 24) ||     // TEST-NET-3
      InV4(v, Quad(198, 18, 0, 0), 15) ||      // benchmarking
      InV4(v, Quad(192, 88, 99, 0), 24)) {     // deprecated 6to4 relay anycast
    return AddressClass::kReserved;
  }
  return AddressClass::kPublic;
}

struct V6Range {
  std::array<uint8_t, 16> prefix;
  int bits;
  AddressClass cls;
};

const V6Range kV6Ranges[] = {
    {{0xfc}, 7, AddressClass::kPrivate},                    // unique local
    {{0xfe, 0x80}, 10, AddressClass::kLinkLocal},
    {{0xfe, 0xc0}, 10, AddressClass::kReserved},            // site-local (deprecated)
    {{0xff}, 8, AddressClass::kMulticast},
    {{0x01, 0x00}, 64, AddressClass::kReserved},            // discard-only 100::/64
    {{0x20, 0x01, 0x0d, 0xb8}, 32, AddressClass::kReserved},  // documentation
    {{0x20, 0x01, 0x00, 0x02, 0x00, 0x00}, 48, AddressClass::kReserved},  // benchmarking
    {{0x20, 0x01, 0x00, 0x10}, 28, AddressClass::kReserved},  // ORCHID
    {{0x20, 0x01, 0x00, 0x20}, 28, AddressClass::kReserved},  // ORCHIDv2
    {{0x3f, 0xff}, 20, AddressClass::kReserved},            // documentation (RFC 9637)
};

}  // namespace

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  if (text.empty() || text.size() > 64) return std::nullopt;
  std::string s(text);
  IpAddress a;
  if (s.find(':') == std::string::npos) {
    in_addr v4;
    if (inet_pton(AF_INET, s.c_str(), &v4) != 1) return std::nullopt;
    std::memcpy(a.bytes.data(), &v4, 4);
    a.v4 = true;
    return a;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, s.c_str(), &v6) != 1) return std::nullopt;
  std::memcpy(a.bytes.data(), &v6, 16);
  return a;
}

IpAddress IpAddress::V4(uint32_t host_order) {
  IpAddress a;
  a.v4 = true;
  a.bytes[0] = static_cast<uint8_t>(host_order >> 24);
  a.bytes[1] = static_cast<uint8_t>(host_order >> 16);
  a.bytes[2] = static_cast<uint8_t>(host_order >> 8);
  a.bytes[3] = static_cast<uint8_t>(host_order);
  return a;
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(v4 ? AF_INET : AF_INET6, bytes.data(), buf, sizeof(buf));
  return buf;
}

std::string_view AddressClassName(AddressClass c) {
  switch (c) {
    case AddressClass::kPublic: return "public";
    case AddressClass::kUnspecified: return "unspecified";
    case AddressClass::kLoopback: return "loopback";
    case AddressClass::kPrivate: return "private";
    case AddressClass::kShared: return "shared (CGNAT)";
    case AddressClass::kLinkLocal: return "link-local";
    case AddressClass::kMulticast: return "multicast";
    case AddressClass::kReserved: return "reserved";
  }
  return "unknown";
}

std::optional<IpAddress> EmbeddedIpv4(const IpAddress& a) {
  if (a.v4) return std::nullopt;
  const uint8_t* b = a.bytes.data();
  auto from = [](const uint8_t* p) {
    return IpAddress::V4((uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) |
                         (uint32_t{p[2]} << 8) | uint32_t{p[3]});
  };
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  static constexpr uint8_t kZero12[12] = {};
  static constexpr uint8_t kNat64[12] = {0x00, 0x64, 0xff, 0x9b};
  static constexpr uint8_t kNat64Local[6] = {0x00, 0x64, 0xff, 0x9b, 0x00, 0x01};
  if (std::memcmp(b, kMapped, 12) == 0) return from(b + 12);
  if (std::memcmp(b, kNat64, 12) == 0) return from(b + 12);
  if (std::memcmp(b, kZero12, 12) == 0) {
    // IPv4-compatible (::a.b.c.d); :: and ::1 themselves are not.
    uint32_t tail = V4Value(from(b + 12));
    if (tail > 1) return from(b + 12);
    return std::nullopt;
  }
  // 64:ff9b:1::/48 (local-use NAT64, RFC 8215): the IPv4 address sits in the
  // last 32 bits with the RFC 6052 /96 layout.
  if (std::memcmp(b, kNat64Local, 6) == 0) return from(b + 12);
  if (b[0] == 0x20 && b[1] == 0x02) return from(b + 2);  // 6to4
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0) {
    // Teredo: the client's IPv4 address is the last 32 bits, inverted.
    uint8_t inv[4] = {static_cast<uint8_t>(~b[12]), static_cast<uint8_t>(~b[13]),
                      static_cast<uint8_t>(~b[14]), static_cast<uint8_t>(~b[15])};
    return from(inv);
  }
  return std::nullopt;
}

AddressClass Classify(const IpAddress& a) {
  if (a.v4) return ClassifyV4(V4Value(a));
  static constexpr uint8_t kZero[16] = {};
  if (std::memcmp(a.bytes.data(), kZero, 16) == 0) return AddressClass::kUnspecified;
  uint8_t one[16] = {};
  one[15] = 1;
  if (std::memcmp(a.bytes.data(), one, 16) == 0) return AddressClass::kLoopback;
  if (std::optional<IpAddress> v4 = EmbeddedIpv4(a)) {
    AddressClass c = ClassifyV4(V4Value(*v4));
    if (c != AddressClass::kPublic) return c;
  }
  for (const V6Range& r : kV6Ranges) {
    if (HasPrefix(a.bytes.data(), r.prefix.data(), r.bits)) return r.cls;
  }
  return AddressClass::kPublic;
}

absl::StatusOr<Cidr> Cidr::Parse(std::string_view text) {
  std::string_view addr = text;
  std::optional<unsigned> prefix;
  if (size_t slash = text.find('/'); slash != std::string_view::npos) {
    addr = text.substr(0, slash);
    std::string_view p = text.substr(slash + 1);
    unsigned bits = 0;
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), bits);
    prefix = bits;
    if (ec != std::errc() || end != p.data() + p.size() || p.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("bad prefix length in '", Av(text), "'"));
    }
  }
  std::optional<IpAddress> a = IpAddress::Parse(addr);
  if (!a) return absl::InvalidArgumentError(absl::StrCat("bad network address '", Av(text), "'"));
  unsigned max = a->v4 ? 32 : 128;
  if (prefix.value_or(max) > max) {
    return absl::InvalidArgumentError(absl::StrCat("prefix length out of range in '", Av(text), "'"));
  }
  return Cidr{*a, static_cast<int>(prefix.value_or(max))};
}

bool Cidr::Contains(const IpAddress& a) const {
  if (a.v4 != network.v4) return false;
  return HasPrefix(a.bytes.data(), network.bytes.data(), prefix);
}

absl::StatusOr<NetGuard> NetGuard::Create(const std::vector<std::string>& allow) {
  NetGuard g;
  for (const std::string& entry : allow) {
    absl::StatusOr<Cidr> c = Cidr::Parse(entry);
    if (!c.ok()) return c.status();
    g.allow_.push_back(*c);
  }
  return g;
}

absl::Status NetGuard::Check(const IpAddress& a) const {
  AddressClass c = Classify(a);
  if (c == AddressClass::kPublic) return absl::OkStatus();
  std::optional<IpAddress> embedded = EmbeddedIpv4(a);
  for (const Cidr& allowed : allow_) {
    if (allowed.Contains(a) || (embedded && allowed.Contains(*embedded))) {
      return absl::OkStatus();
    }
  }
  return absl::PermissionDeniedError(absl::StrCat("address ", a.ToString(), " is ",
                                                  Av(AddressClassName(c)), " (not allowed)"));
}

}  // namespace inlinks::crawler
