// File: inlinks/crawler/net_guard.h
//
// Owns: the SSRF guard: deciding whether the crawler may connect to an IP
// address. Addresses in private, loopback, link-local, multicast,
// unspecified, shared (CGNAT) and reserved ranges are refused unless an
// allow list (`--allow-net 127.0.0.0/8`) names them. The guard looks through
// every IPv6 spelling of an IPv4 address: IPv4-mapped (::ffff:0:0/96),
// IPv4-compatible (::/96), NAT64 (64:ff9b::/96 and 64:ff9b:1::/48), 6to4
// (2002::/16) and Teredo (2001::/32, whose client address is stored
// inverted). Odd IPv4 spellings in URLs (decimal, octal, hex, short forms)
// never reach the guard as such: core/url.h canonicalizes them to dotted
// quads (WHATWG host parsing), and the guard checks resolved addresses.
//
// Ranges: RFC 6890 special-purpose registries (IPv4 and IPv6).
//
// Thread safety: NetGuard is immutable after construction; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace inlinks::crawler {

// An IPv4 or IPv6 address in network byte order. IPv4 addresses use the
// first 4 bytes with v4 = true.
struct IpAddress {
  std::array<uint8_t, 16> bytes{};
  bool v4 = false;

  // Parses a literal ("127.0.0.1", "::1", "[::1]"). Only the standard
  // dotted-quad IPv4 form is accepted here (see the file comment).
  static std::optional<IpAddress> Parse(std::string_view text);
  static IpAddress V4(uint32_t host_order);
  std::string ToString() const;
  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

// Why an address is not public.
enum class AddressClass {
  kPublic,
  kUnspecified,  // 0.0.0.0/8, ::/128
  kLoopback,     // 127.0.0.0/8, ::1
  kPrivate,      // 10/8, 172.16/12, 192.168/16, fc00::/7
  kShared,       // 100.64.0.0/10 (carrier-grade NAT)
  kLinkLocal,    // 169.254/16, fe80::/10
  kMulticast,    // 224/4, ff00::/8
  kReserved,     // 240/4, broadcast, documentation and benchmark ranges,
                 // IETF protocol assignments, discard-only, site-local
};
std::string_view AddressClassName(AddressClass c);

// The IPv4 address an IPv6 address embeds (mapped, compatible, NAT64, 6to4,
// Teredo), or nullopt.
std::optional<IpAddress> EmbeddedIpv4(const IpAddress& address);

// The class of `address`, looking through embedded IPv4 addresses: an IPv6
// address that embeds a non-public IPv4 address has that address's class.
AddressClass Classify(const IpAddress& address);

// A network: address and prefix length.
struct Cidr {
  IpAddress network;
  int prefix = 0;
  // Parses "127.0.0.0/8", "::1/128", or a bare address (full length).
  // Errors: kInvalidArgument.
  static absl::StatusOr<Cidr> Parse(std::string_view text);
  bool Contains(const IpAddress& address) const;
};

class NetGuard {
 public:
  // Refuses every non-public address.
  NetGuard() = default;
  // Allows, in addition to public addresses, those inside `allow` (given as
  // CIDR strings). Errors: kInvalidArgument naming the bad entry.
  static absl::StatusOr<NetGuard> Create(const std::vector<std::string>& allow);

  // OK when a fetch may connect to `address`; kPermissionDenied naming the
  // address and its class otherwise. An allow entry matches the address or
  // the IPv4 address it embeds.
  absl::Status Check(const IpAddress& address) const;
  bool Allowed(const IpAddress& address) const { return Check(address).ok(); }

 private:
  std::vector<Cidr> allow_;
};

}  // namespace inlinks::crawler
