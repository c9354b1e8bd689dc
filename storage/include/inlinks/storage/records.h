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
#include <optional>
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
// Only the first-seen and lost times of a link value, without copying its
// strings (history scans). Errors: kDataLoss.
absl::Status DecodeLinkTimes(std::string_view bytes, int64_t& first_seen, int64_t& lost_time);

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

// ---- Strength order (Family::kStrength; docs/keys.md "Strength order") ----
//
// Every live link has one entry per scope it belongs to (its target's
// registrable domain, host and URL), so that each scope's live links are one
// key range in strongest-source-first order:
//
// key   = kind | scope key | 0x00 | 100 - sr_tenths:u8 | source href | 0x00 |
//         UrlKey(target) without its scope-key prefix | occurrence:u32be
// value = the link's value in kLinks, byte for byte (so a page of rows and
//         the tag/rel filters need no other read)
//
// sr_tenths is the source page's strength as the APIs show it (SrTenths of
// its stored rank); within one strength, entries follow the source href,
// then the target URL key, then the occurrence.

// The 0..10 strength scale of a stored rank, in tenths (0..100):
// round(10 x log10(1 + rank)), clamped; 0 for rank <= 0 or NaN.
uint8_t SrTenths(double rank);

// The entry of the link (target_url_key, source_href, occurrence) in the
// scope whose key `scope_key` prefixes target_url_key.
std::string StrengthKey(ScopeKind kind, std::string_view scope_key, uint8_t sr_tenths,
                        std::string_view source_href, std::string_view target_url_key,
                        uint32_t occurrence);
// [kind scope_key 0x00, kind scope_key 0x01): the entries of one scope.
core::KeyRange StrengthScopeRange(ScopeKind kind, std::string_view scope_key);

struct StrengthKeyParts {
  ScopeKind kind = ScopeKind::kDomain;
  std::string_view scope_key;
  uint8_t sr_tenths = 0;
  std::string_view source_href;
  std::string_view target_rest;  // UrlKey(target) after scope_key
  uint32_t occurrence = 0;
};
// Views into `key`. Errors: kDataLoss.
absl::StatusOr<StrengthKeyParts> DecodeStrengthKey(std::string_view key);
// The reverse key (kLinks) an entry stands for.
std::string ReverseKeyOf(const StrengthKeyParts& parts);

// Meta key present (value "1") once every live link has its kStrength
// entries: written by the indexer that builds them for a database indexed
// before they existed (indexer/order.h). Readers order by key without it.
inline constexpr char kStrengthOrderMetaKey[] = "inlinks.strength_order";

// ---- Daily history (Family::kCounters; docs/keys.md "Daily history") ----
//
// Days are UTC days since 1970-01-01 (unix seconds / 86,400, rounded down;
// times before 1970 count as day 0). An event's day is the fetch time of
// the page whose indexing caused it.
uint32_t UnixDay(int64_t unix_seconds);

// Daily history is kept for domain and host scopes. Not for URL scopes: a
// page's links mostly go to distinct URLs, so URL-scope counters would add a
// merge per link to every page's batch (about 12% of the indexer's CPU in
// bench/micro/index_bench.cc); a URL scope's new and lost links are counted
// by scanning its records instead (they are few).
inline bool KeepsDailyHistory(ScopeKind kind) { return kind != ScopeKind::kUrl; }

// 'D' kind varint(len) scope_key day:u32be: what happened to the scope's
// links that day, fields below. One merge per scope per page that changed
// its links, in the page's batch.
enum DailyField {
  kDailyNewField = 0,               // links seen for the first time (first_seen that day)
  kDailyLostField = 1,              // live links found missing (moved to kLost)
  kDailyRevivedField = 2,           // lost links back on their page
  kDailyReferringDomainsField = 3,  // change of the referring-domain count
};
std::string DailyCounterKey(ScopeKind kind, std::string_view scope_key, uint32_t day);
// 'V' kind varint(len) scope_key lost_day:u32be: [0] links lost on lost_day
// that have been revived since (on any later day), so that the links still
// lost with a lost time on day d number D(d).lost - V(d).
std::string RevivedByLostDayKey(ScopeKind kind, std::string_view scope_key, uint32_t lost_day);
// The prefix every 'D' (letter 'D') or 'V' (letter 'V') key of one scope
// starts with; a key of the scope is this prefix plus 4 day bytes.
std::string DayCounterPrefix(char letter, ScopeKind kind, std::string_view scope_key);
// Splits a 'D' or 'V' key; false when malformed or of another letter.
bool ParseDayCounterKey(std::string_view key, char& letter, ScopeKind& kind,
                        std::string_view& scope_key, uint32_t& day);

// Meta key (Family::kMeta) holding, in ASCII decimal unix seconds, the time
// from which the daily counters record every event: "0" when they have
// been kept since the database was created; the first open by an indexer
// that keeps them otherwise (a database indexed by an older build). Absent
// when no such indexer has opened the database yet.
inline constexpr char kHistorySinceMetaKey[] = "inlinks.history_since";
// nullopt when absent. Errors: kDataLoss for a value that is not a number.
absl::StatusOr<std::optional<int64_t>> GetHistorySince(const Db& db,
                                                       const Snapshot* snapshot = nullptr);
// Meta key holding, in ASCII decimal, the latest day of any 'D' or 'V'
// counter (absent before the first): readers get every day of a scope by
// point reads up to it, never by iterating kCounters (whose hash memtable
// copies itself for every ordered iterator).
inline constexpr char kHistoryLastDayMetaKey[] = "inlinks.history_last_day";
// 0 when absent. Errors: kDataLoss for a value that is not a number.
absl::StatusOr<uint32_t> GetHistoryLastDay(const Db& db, const Snapshot* snapshot = nullptr);

// The last journal entry (indexer/src/journal.h) a refresh has folded, in
// ASCII decimal; written atomically with what the refresh folded, so an
// entry at or below it is never folded again, even if its delete was lost.
inline constexpr char kJournalFoldedMetaKey[] = "inlinks.journal_folded";
// nullopt when no refresh has recorded one.
absl::StatusOr<std::optional<uint64_t>> GetJournalFolded(const Db& db,
                                                         const Snapshot* snapshot = nullptr);

// The scope keys of a target URL key: its domain (the first domain_key_len
// bytes), its host, and the URL itself.
std::string_view DomainScopeKey(std::string_view url_key, uint32_t domain_key_len);
std::string_view HostScopeKey(std::string_view url_key);  // HostKey(host), no 0x00

}  // namespace inlinks::storage
