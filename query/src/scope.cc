// Scope resolution (docs/api.md "Common rules"; docs/query.md).
#include <string>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "inlinks/core/domain.h"
#include "inlinks/core/keys.h"
#include "inlinks/core/status_macros.h"
#include "inlinks/core/url.h"
#include "inlinks/query/backlinks.h"

namespace inlinks::query {
namespace {

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (absl::ascii_tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

// RFC 3986 section 3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
bool LooksLikeScheme(std::string_view s) {
  if (s.empty() || !absl::ascii_isalpha(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

absl::Status Invalid(std::string_view target, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(
      "invalid target '", std::string(target.substr(0, 200)), "': ", std::string(why)));
}

Scope DomainScopeOf(std::string_view domain, std::string_view host) {
  Scope s;
  s.kind = ScopeKind::kDomain;
  s.name = std::string(domain);
  s.host = std::string(host);
  s.range = core::DomainScope(domain);
  s.counter_kind = storage::ScopeKind::kDomain;
  s.counter_scope_key = core::HostKey(domain);
  return s;
}

Scope HostScopeOf(std::string_view host) {
  Scope s;
  s.kind = ScopeKind::kHost;
  s.name = std::string(host);
  s.host = std::string(host);
  s.range = core::HostScope(host);
  s.counter_kind = storage::ScopeKind::kHost;
  s.counter_scope_key = core::HostKey(host);
  return s;
}

// `host`: the URL's host without a trailing dot.
Scope UrlScopeOf(const core::Url& url, std::string_view host) {
  Scope s;
  s.kind = ScopeKind::kUrl;
  s.name = std::string(host);
  if (url.port() != 0) absl::StrAppend(&s.name, ":", url.port());
  s.name.append(url.PathAndQuery());
  s.host = std::string(host);
  s.range = core::UrlScope(url);
  s.counter_kind = storage::ScopeKind::kUrl;
  s.counter_scope_key = core::UrlKey(url);
  return s;
}

}  // namespace

absl::StatusOr<ScopeKind> ParseScopeKind(std::string_view name) {
  std::string lower = absl::AsciiStrToLower(absl::string_view(name.data(), name.size()));
  if (lower == "auto") return ScopeKind::kAuto;
  if (lower == "domain") return ScopeKind::kDomain;
  if (lower == "host") return ScopeKind::kHost;
  if (lower == "url") return ScopeKind::kUrl;
  return absl::InvalidArgumentError(absl::StrCat("unknown scope '", std::string(name.substr(0, 50)),
                                                 "' (expected auto, domain, host or url)"));
}

std::string_view ScopeKindName(ScopeKind kind) {
  switch (kind) {
    case ScopeKind::kAuto:
      return "auto";
    case ScopeKind::kDomain:
      return "domain";
    case ScopeKind::kHost:
      return "host";
    case ScopeKind::kUrl:
      return "url";
  }
  return "auto";
}

absl::StatusOr<Scope> ResolveScope(std::string_view target, ScopeKind requested) {
  std::string_view t = Trim(target);
  if (t.empty()) return Invalid(target, "empty");
  std::string input;
  if (StartsWithNoCase(t, "http://") || StartsWithNoCase(t, "https://")) {
    input = std::string(t);
  } else if (t.substr(0, 2) == "//") {
    input = absl::StrCat("http:", std::string(t));
  } else {
    // No scheme of ours: anything that looks like "scheme://" is refused
    // rather than read as a host ("ftp://x" must not become host "ftp").
    size_t sep = t.find("://");
    size_t first_delim = t.find_first_of("/?#");
    if (sep != std::string_view::npos && sep < first_delim) {
      return Invalid(target, "unsupported scheme (only http and https)");
    }
    // "mailto:a@b.com", "javascript:x": a scheme without "//". A colon
    // followed by digits only is a port ("example.com:8080/").
    size_t colon = t.find(':');
    if (colon != std::string_view::npos && colon < first_delim &&
        LooksLikeScheme(t.substr(0, colon))) {
      std::string_view after =
          t.substr(colon + 1, first_delim == std::string_view::npos ? std::string_view::npos
                                                                    : first_delim - colon - 1);
      bool port = !after.empty() && after.find_first_not_of("0123456789") == std::string_view::npos;
      if (!port) return Invalid(target, "unsupported scheme (only http and https)");
    }
    input = absl::StrCat("http://", std::string(t));
  }
  absl::StatusOr<core::Url> parsed = core::ParseUrl(input);
  if (!parsed.ok()) return Invalid(target, std::string(parsed.status().message()));
  const core::Url& url = *parsed;
  // "example.com." is example.com (DNS's root label): the same host key,
  // and the same scope.
  std::string host(url.host());
  if (!host.empty() && host.back() == '.') host.pop_back();
  if (host.empty()) return Invalid(target, "no host");

  const bool has_path = url.path() != "/" || url.has_query();
  const bool ip = core::IsIpLiteral(host);
  switch (requested) {
    case ScopeKind::kUrl:
      return UrlScopeOf(url, host);
    case ScopeKind::kHost:
      return HostScopeOf(host);
    case ScopeKind::kDomain: {
      if (ip) return DomainScopeOf(host, host);
      std::string site = core::SiteOf(host);
      // A public suffix's key range holds other sites, whose links are not
      // in its counter (the indexer counts a link under SiteOf(target host)).
      if (core::IsPublicSuffix(site)) {
        return Invalid(target, "a public suffix has no registrable domain");
      }
      return DomainScopeOf(site, host);
    }
    case ScopeKind::kAuto:
      break;
  }
  if (has_path) return UrlScopeOf(url, host);
  if (ip) return DomainScopeOf(host, host);
  if (core::IsPublicSuffix(host)) return HostScopeOf(host);
  std::string site = core::SiteOf(host);
  if (!core::IsPublicSuffix(site) && (host == site || host == "www." + site)) {
    return DomainScopeOf(site, host);
  }
  return HostScopeOf(host);
}

}  // namespace inlinks::query
