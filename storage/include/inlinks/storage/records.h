// File: inlinks/storage/records.h
//
// Owns: the byte formats of what inlinks stores, shared by the writer
// (indexer) and the readers (query, tools): reverse-link keys and values,
// page records, forward records and counter keys. docs/keys.md documents each
// byte; every decoder rejects malformed bytes with kDataLoss instead of
// misreading them.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "inlinks/core/records.h"
#include "inlinks/storage/db.h"

namespace inlinks::storage {

// ---- Reverse links (Family::kLinks, Family::kLost) ----
//
// key   = UrlKey(target) | source href | 0x00 | occurrence:u32be
// The occurrence numbers the links of one source page to one target URL key
// (0 for the first), so a link keeps its identity when other links of the
// page move.

std::string ReverseKey(std::string_view target_url_key, std::string_view source_href,
                       uint32_t occurrence);

struct ReverseKeyParts {
  std::string_view target_url_key;  // as core::UrlKey() wrote it
  std::string_view source_href;
  uint32_t occurrence = 0;
};
// Views into `key`. Errors: kDataLoss.
absl::StatusOr<ReverseKeyParts> DecodeReverseKey(std::string_view key);

// The value of a reverse record. `last_seen` of a live link is its source
// page's last fetch (Family::kPages), so an unchanged page's re-crawl rewrites
// no link records.
struct LinkValue {
  std::string target_href;  // the target with its scheme, as linked
  std::string anchor;
  uint32_t position = 0;
  core::LinkTag tag = core::LinkTag::kA;
  uint8_t rel = 0;
  int64_t first_seen = 0;  // unix seconds
  int64_t lost_time = 0;   // unix seconds; only in Family::kLost
};
std::string EncodeLinkValue(const LinkValue& v);
absl::StatusOr<LinkValue> DecodeLinkValue(std::string_view bytes);

// ---- Pages (Family::kPages), key = source href ----
struct PageValue {
  int http_status = 0;
  int64_t first_fetch = 0;
  int64_t last_fetch = 0;
  std::string title;
  std::string ip;
  std::string canonical;
  uint32_t internal_links = 0;
  uint32_t external_links = 0;
  uint32_t total_links = 0;
  uint32_t live_records = 0;  // reverse records this page has in kLinks
  // Lost links of this page dropped from its forward record (past the cap):
  // when non-zero, a "new" link may still have a kLost record to revive.
  uint32_t forgotten_lost = 0;
  // HostKey of the registrable domain this page's links are attributed to
  // (fixed while it has live links: public-suffix list updates cannot make
  // referring-domain counts drift).
  std::string source_domain_key;
  bool noindex = false;
  bool nofollow = false;
  double rank = 0;  // raw PageRank; 0 until ranked
};
std::string EncodePageValue(const PageValue& v);
absl::StatusOr<PageValue> DecodePageValue(std::string_view bytes);

// ---- Forward records (Family::kForward), key = source href ----
// What the page linked to at its last crawl (live) and links it has lost
// (kept so a link that comes back keeps its first-seen time).
struct ForwardEntry {
  std::string target_url_key;   // core::UrlKey(target)
  uint32_t occurrence = 0;
  uint32_t domain_key_len = 0;  // bytes of target_url_key that are the
                                // target's registrable-domain host key
  uint64_t hash = 0;            // of target href, anchor, tag, rel (not position)
  uint32_t position = 0;
  int64_t first_seen = 0;
  bool lost = false;
  int64_t lost_time = 0;
};
std::string EncodeForward(const std::vector<ForwardEntry>& entries);
absl::StatusOr<std::vector<ForwardEntry>> DecodeForward(std::string_view bytes);

// ---- Counters (Family::kCounters) ----
enum class ScopeKind : char { kDomain = 'd', kHost = 'h', kUrl = 'u' };

// Every scope has one counter vector (one LSM entry per change, however many
// of its figures change): field 0 live links, 1 lost links, 2 referring
// domains (distinct source registrable domains of the live links).
enum CountField { kLiveField = 0, kLostField = 1, kReferringDomainsField = 2 };
struct ScopeCounts {
  int64_t live = 0;
  int64_t lost = 0;
  int64_t referring_domains = 0;
};

// 'C' kind scope_key, where scope_key is HostKey(domain) for kDomain,
// HostKey(host) for kHost, UrlKey(url) for kUrl.
std::string ScopeCounterKey(ScopeKind kind, std::string_view scope_key);
// 'P' kind varint(len) scope_key source_domain_key: live links from one
// source registrable domain into the scope (decides referring domains).
std::string PairCounterKey(ScopeKind kind, std::string_view scope_key,
                           std::string_view source_domain_key);
// Splits a pair counter key; false when malformed.
bool ParsePairCounterKey(std::string_view key, ScopeKind& kind, std::string_view& scope_key,
                         std::string_view& source_domain_key);
// "G": pages with a page record.
std::string PagesCounterKey();

absl::StatusOr<ScopeCounts> GetScopeCounts(const Db& db, ScopeKind kind,
                                           std::string_view scope_key,
                                           const Snapshot* snapshot = nullptr);

// The scope keys of a target URL key: its domain (the first domain_key_len
// bytes), its host, and the URL itself.
std::string_view DomainScopeKey(std::string_view url_key, uint32_t domain_key_len);
std::string_view HostScopeKey(std::string_view url_key);  // HostKey(host), no 0x00

}  // namespace inlinks::storage
