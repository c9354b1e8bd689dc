// File: inlinks/core/domain.h
//
// Owns: host -> registrable domain ("site") decisions, through libpsl and the
// Public Suffix List that Debian's `publicsuffix` package ships (ICANN and
// private sections both apply, so foo.blogspot.com and bar.blogspot.com are
// different sites). IP-literal hosts are their own registrable domain.
//
// Thread safety: all functions are thread-safe (libpsl's built-in context is
// immutable after load).
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace inlinks::core {

// True for an IPv4 dotted-decimal host or a bracketed/unbracketed IPv6 host.
bool IsIpLiteral(std::string_view host);

// The registrable domain (eTLD+1) of `host`, lower-cased:
//   "www.example.co.uk" -> "example.co.uk", "foo.blogspot.com" ->
//   "foo.blogspot.com", "127.0.0.1" -> "127.0.0.1", "[::1]" -> "[::1]".
// A host that is itself a public suffix, or that has no registrable part
// ("com", "co.uk", "localhost" is its own site), follows the rule below.
// Errors: kInvalidArgument for an empty host or a bare public suffix
// ("co.uk"), which has no registrable domain.
absl::StatusOr<std::string> RegistrableDomain(std::string_view host);

// Like RegistrableDomain, but a host without a registrable domain (a bare
// public suffix, "localhost", an intranet name) is its own site. Never fails
// for a non-empty host; used for internal/external link decisions.
std::string SiteOf(std::string_view host);

// True when `host` is exactly a public suffix ("com", "co.uk", "blogspot.com").
bool IsPublicSuffix(std::string_view host);

}  // namespace inlinks::core
