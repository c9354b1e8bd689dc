// File: inlinks/query/backlinks.h
//
// Owns: answering "who links to X?" over a storage::Db: turning a user's
// target string into a scope (docs/api.md "Common rules"), reading one page of
// backlink rows of that scope in one stable order with its exact total, the
// scope's counts, and the aggregates the API's sibling calls return (anchor
// texts, linked pages, referring domains). No HTTP here: the server
// (query/server*.h) and the `inlinks` CLI both call this.
//
// Order (stable, documented in docs/query.md): live rows strongest source
// first: by the source page's sr (one decimal, as the rows show it)
// descending, then by source href, then target URL key (host labels
// reversed, port, path and query), then occurrence (storage/records.h
// "Strength order"). Lost rows in the key order of the reverse index
// (docs/keys.md): target URL key, source href, occurrence. With state kAll,
// every live row comes first, then every lost row. A database whose writer
// has not yet built the strength order (one indexed by an older build and
// not opened writable since) lists live rows in key order too.
//
// Consistency: every call reads all it needs from ONE storage snapshot, so a
// page, its total and its cursor agree with each other even while the index
// is being written.
//
// Costs: a page of `limit` rows at any offset costs about 4 x 1,024 records
// stepped over plus `limit` rows and one page-record read per row
// (storage/buckets.h). Unfiltered totals come from the scope counters
// (no scan). Filtered queries (nofollow/tag) scan the whole scope to count
// their exact total and to reach their offset: O(scope size); one link per
// referring domain alone scans only up to the page's last row (its total is
// the referring-domain counter). Anchor texts and referring domains' first
// seen scan the scope (seconds for a 5M-link domain, milliseconds for
// thousands of links). docs/query.md has the table and the figures.
//
// Thread safety: QueryEngine is immutable after construction and thread-safe
// (any number of threads may query one engine); it borrows the Db (and the
// GeoDb, if any), which must outlive it. ResolveScope and the free functions
// are pure.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "inlinks/core/keys.h"
#include "inlinks/core/records.h"
#include "inlinks/query/geo.h"
#include "inlinks/storage/db.h"
#include "inlinks/storage/records.h"

namespace inlinks::storage {
class ScopeWalkCache;
}  // namespace inlinks::storage

namespace inlinks::query {

// History calls (history.h has their types and contracts).
struct DayRange;
struct LinkTrend;
struct HistoryPage;

// ---------------------------------------------------------------------------
// Scopes
// ---------------------------------------------------------------------------

// The kind of scope a request asks for (the native dialect's
// `scope=auto|domain|host|url`). A resolved Scope is never kAuto.
enum class ScopeKind : uint8_t {
  kAuto = 0,  // decide from the target string (docs/api.md "Common rules")
  kDomain,    // a registrable domain and all its subdomains
  kHost,      // every page of one host
  kUrl,       // exactly one page (http and https together)
};

// "auto", "domain", "host", "url" (case-insensitive) -> kind.
// Errors: kInvalidArgument for anything else.
absl::StatusOr<ScopeKind> ParseScopeKind(std::string_view name);
// "auto", "domain", "host" or "url".
std::string_view ScopeKindName(ScopeKind kind);

// A resolved scope: one contiguous key range of the reverse index (the same
// range in Family::kLinks and Family::kLost) and its counter.
struct Scope {
  ScopeKind kind = ScopeKind::kDomain;  // never kAuto
  // What the scope is, scheme-less: "example.com" (domain), "blog.example.com"
  // (host), "example.com/page.html" or "example.com:8080/a?b" (URL).
  std::string name;
  // The normalized host of the target ("www.example.com" for a domain scope
  // asked as "www.example.com"; the registrable domain is `name`).
  std::string host;
  // Reverse-index key range (core::DomainScope / HostScope / UrlScope).
  core::KeyRange range;
  // The counter of this scope: storage::GetScopeCounts(db, counter_kind,
  // counter_scope_key) gives its live / lost / referring-domain figures.
  storage::ScopeKind counter_kind = storage::ScopeKind::kDomain;
  std::string counter_scope_key;  // HostKey(domain), HostKey(host) or UrlKey(url)
};

// Resolves a user's target string (docs/api.md "Common rules"):
//   - surrounding whitespace is trimmed; a scheme ("http://", "https://", or
//     "//") is tolerated and ignored; a fragment is ignored; the host is
//     normalized as core::ParseUrl does (lower case, IDN to punycode, IPv4
//     number forms to dotted decimal, IPv6 in brackets);
//   - kAuto: a target with a path other than "/" or with a query is a URL
//     scope (http and https of that page together, port kept); otherwise a
//     bare registrable domain or "www." + registrable domain is a domain
//     scope (every page of the domain and its subdomains), an IP literal is a
//     domain scope of itself, a public suffix ("blogspot.com") or any other
//     host is a host scope;
//   - kDomain: the registrable domain of the target's host (path ignored);
//   - kHost: the target's host (path ignored);
//   - kUrl: exactly the target page ("example.com" means "example.com/").
// Errors: kInvalidArgument for an empty or unparseable target, a scheme
// other than http(s), or kDomain asked for a host without a registrable
// domain (a bare public suffix such as "co.uk").
absl::StatusOr<Scope> ResolveScope(std::string_view target, ScopeKind requested = ScopeKind::kAuto);

// ---------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------

// One backlink: every field stored for it (docs/keys.md), joined with its
// source page's record. Field names of the API dialects in brackets.
struct BacklinkRow {
  std::string source_url;       // [linkingUrl, backlinkpage] normalized href, with scheme
  std::string source_title;     // [webtitle, title] raw stored bytes (may be invalid UTF-8)
  std::string target_url;       // [linkedUrl, linktarget] the target as linked, with scheme
  std::string anchor;           // [anchor, linktext] raw stored bytes; alt text for aimg
  uint32_t links_internal = 0;  // [linksIntern, intL] of the source page
  uint32_t links_external = 0;  // [linksExtern, extL]
  uint32_t links_total = 0;     // [sumL] the source page's total (== intL + extL)
  uint32_t position = 0;        // [linkpos, pos] 1-based among the source's links
  core::LinkTag tag = core::LinkTag::kA;  // [tag] core::LinkTagName() for text
  uint8_t rel = 0;                        // core::LinkRel bits
  bool lost = false;                      // true for a row of Family::kLost
  int64_t first_seen = 0;                 // unix seconds
  // Unix seconds of the source page's last fetch (the page record). For a
  // lost row this is the last fetch of the page, which may be the one that
  // found the link missing.
  int64_t last_seen = 0;
  int64_t lost_time = 0;  // unix seconds the link was found missing; 0 if live
  std::string ip;         // [ip] address the source page was fetched from
  int http_status = 0;    // the source page's last HTTP status
  double rank = 0;        // raw PageRank of the source page; 0 until ranked
  double sr = 0;          // [sr] SrFromRank(rank): 0..10, one decimal
  // Location of `ip` from the engine's GeoDb (geo.h); all empty without one
  // or for an address the database does not cover.
  std::string ccode;    // [ccode] ISO 3166 alpha-2, upper case
  std::string country;  // [country] English name
  std::string city;     // [city] English name; empty with a Country database
  // The row's reverse-index key (target URL key | source href | 0 |
  // occurrence); its identity in the order above.
  std::string key;

  bool nofollow() const { return rel & core::kRelNofollow; }
  bool ugc() const { return rel & core::kRelUgc; }
  bool sponsored() const { return rel & core::kRelSponsored; }
};

// Page strength on the 0..10 scale the APIs show, from a raw rank:
// log10(1 + rank) clamped to [0, 10] and rounded to one decimal; 0 for a
// page never ranked (rank <= 0 or NaN). The rank job (a later issue) scales
// ranks so that an average page has rank 1 (PageRank x number of pages).
double SrFromRank(double rank);

// ---------------------------------------------------------------------------
// Filters and pages
// ---------------------------------------------------------------------------

enum class LinkState : uint8_t {
  kLive = 0,  // links on their page at its last crawl (Family::kLinks)
  kLost,      // links gone from their page (Family::kLost)
  kAll,       // live rows first, then lost rows
};
// "live", "lost", "all" (case-insensitive). Errors: kInvalidArgument.
absl::StatusOr<LinkState> ParseLinkState(std::string_view name);
std::string_view LinkStateName(LinkState state);

// The order of the live rows (lost rows are always in key order).
enum class ResultOrder : uint8_t {
  kStrength = 0,  // strongest source first (the default; see "Order" above)
  // The reverse index's key order: target URL key, source href, occurrence.
  // It does not change when ranks do, so cursors over it suit a client that
  // mirrors a whole scope; offsets are reached by a scan (O(offset)).
  kKey,
};
// "strength" (or "default"), "key" (case-insensitive). Errors:
// kInvalidArgument.
absl::StatusOr<ResultOrder> ParseResultOrder(std::string_view name);

struct BacklinkFilter {
  LinkState state = LinkState::kLive;
  ResultOrder order = ResultOrder::kStrength;
  std::optional<bool> nofollow;      // only nofollow (true) / only followed (false) rows
  std::optional<core::LinkTag> tag;  // only rows of this tag
  // One link per referring domain: of the rows the other fields select, only
  // the first (in the order above) of each source registrable domain. The
  // total is then the number of referring domains among those rows. With
  // state kLive and no nofollow/tag, the total is the scope's referring-
  // domain counter and a page scans the scope only up to its last row
  // (O(offset + limit) links); otherwise the whole scope is scanned.
  bool one_per_domain = false;

  // True when only `state` restricts rows: the total comes from counters.
  bool CountedByCounters() const { return !nofollow && !tag && !one_per_domain; }
};

struct BacklinkPage {
  std::vector<BacklinkRow> rows;  // at most `limit`, in the order above
  // Exact number of rows matching scope and filter (all pages together).
  uint64_t total = 0;
  // Row index (0-based, within the filtered result) of rows[0].
  uint64_t offset = 0;
  // Opaque cursor for the next page (BacklinksAfterCursor); empty when this
  // page ends the result. Valid across snapshots: a cursor resumes after the
  // last row's key, so rows never repeat or skip while the index changes
  // (except rows added/removed behind the cursor, which shift `offset`).
  std::string next_cursor;
  // True when `total` (and the offset) needed a scan of the scope because
  // of a nofollow/tag filter; false when it came from the counters.
  bool scanned = false;
};

// ---------------------------------------------------------------------------
// Aggregates (docs/api.md siblings: getLinktexts, getLinkedPages, referring
// domains). Each is a live-links view of the scope.
// ---------------------------------------------------------------------------

struct ScopeCounts {
  uint64_t live = 0;               // live backlinks
  uint64_t lost = 0;               // lost backlinks
  uint64_t referring_domains = 0;  // distinct registrable domains of live sources
};

struct AnchorCount {
  std::string anchor;              // raw stored bytes
  uint64_t links = 0;              // live links with exactly this anchor
  uint64_t nofollow_links = 0;     // of which nofollow
  uint64_t referring_domains = 0;  // distinct source registrable domains of those links
};
struct AnchorPage {
  std::vector<AnchorCount> anchors;  // most links first, then anchor bytes ascending
  uint64_t total = 0;                // distinct anchors in the scope
};

struct LinkedPage {
  std::string url;          // scheme-less: "example.com/a?b" (core::DisplayUrl)
  std::string target_href;  // one href as linked (with a scheme) from its first row
  uint64_t live = 0;        // counters of the page's URL scope
  uint64_t lost = 0;
  uint64_t referring_domains = 0;
};
struct LinkedPagePage {
  std::vector<LinkedPage> pages;  // most live backlinks first, then URL-key order
  uint64_t total = 0;             // distinct pages with live backlinks in the scope
};

struct ReferringDomain {
  std::string domain;  // "example.org" (registrable domain of the sources)
  uint64_t links = 0;  // live links from it into the scope
  // Unix seconds: the earliest first_seen among those live links (a revived
  // link keeps its original first_seen; lost links do not count). 0 when not
  // computed (ReferringDomains' with_first_seen).
  int64_t first_seen = 0;
};
struct ReferringDomainPage {
  std::vector<ReferringDomain> domains;  // most links first, then domain ascending
  uint64_t total = 0;                    // == ScopeCounts::referring_domains
};

// ---------------------------------------------------------------------------
// The engine
// ---------------------------------------------------------------------------

class PageCache;

class QueryEngine {
 public:
  // Borrows `db`, which must outlive the engine (it may be read-only), and
  // `geo` (nullptr: rows get no ccode/country/city), which must too.
  explicit QueryEngine(const storage::Db& db, const GeoDb* geo = nullptr);
  ~QueryEngine();

  // Rows [offset, offset + limit) of `scope` under `filter`, with the exact
  // total. limit 0 returns only the total. Unfiltered (state only): the total
  // comes from the scope counters and the offset is reached through the
  // pagination directory (milliseconds at any depth). With a nofollow/tag
  // filter the scope is scanned (page.scanned = true).
  // Errors: kOutOfRange when offset > 0 and offset >= total (the page would
  // be past the last row); kDataLoss for corrupt records; other storage
  // errors as the Db returns them.
  absl::StatusOr<BacklinkPage> Backlinks(const Scope& scope, const BacklinkFilter& filter,
                                         uint64_t offset, uint64_t limit) const;

  // The page after `cursor` (a BacklinkPage::next_cursor of the same scope
  // and filter): up to `limit` rows following the cursor's row, with the
  // exact total as Backlinks computes it and `offset` = the row index the
  // cursor names (as of this snapshot).
  // Errors: kInvalidArgument for a cursor that is malformed or lies outside
  // the scope; otherwise as Backlinks.
  absl::StatusOr<BacklinkPage> BacklinksAfterCursor(const Scope& scope,
                                                    const BacklinkFilter& filter,
                                                    std::string_view cursor, uint64_t limit) const;

  // The scope's live / lost / referring-domain counts, from its counter (no
  // scan). Errors: storage errors.
  absl::StatusOr<ScopeCounts> CountBacklinks(const Scope& scope) const;

  // Anchor texts of the scope's live links, grouped, with counts and
  // referring-domain counts: entries [offset, offset + limit) of the grouped
  // list. Cost: a scan of the scope's live links (O(scope size); about
  // 0.3 us per link, docs/query.md), memory for its distinct anchors and
  // its distinct (anchor, referring domain) pairs (~16 bytes each), plus a
  // scan of its per-source-domain counters to check the attribution.
  // Errors: kOutOfRange for an offset past the last entry (offset > 0);
  // kDataLoss; storage errors.
  absl::StatusOr<AnchorPage> AnchorTexts(const Scope& scope, uint64_t offset, uint64_t limit) const;

  // Distinct target pages of the scope that have live backlinks, most live
  // backlinks first (ties in URL-key order), with each page's counts from
  // its URL counter: entries [offset, offset + limit). Cost: one ordered
  // scan of the scope's URL counters (one entry per distinct page, never
  // per link) and a sort, whatever the window; plus one seek per page
  // returned.
  absl::StatusOr<LinkedPagePage> LinkedPages(const Scope& scope, uint64_t offset,
                                             uint64_t limit) const;

  // Registrable domains of the sources linking into the scope (live links),
  // with their link counts and first-seen times: entries
  // [offset, offset + limit). The list, its order and total come from the
  // scope's per-source-domain counters (O(referring domains)); first_seen is
  // computed at query time for the entries returned only: a scan of the
  // scope's live links that stops once every link of those domains has been
  // seen (their counts say how many), so O(scope size) in the worst case
  // (~0.4 us per link; docs/query.md). `with_first_seen` false (or limit 0)
  // skips that scan and leaves first_seen 0.
  // Errors: kOutOfRange for an offset past the last entry (offset > 0);
  // kDataLoss; storage errors.
  absl::StatusOr<ReferringDomainPage> ReferringDomains(const Scope& scope, uint64_t offset,
                                                       uint64_t limit,
                                                       bool with_first_seen = true) const;

  // The page strength of one source page, if it was crawled: its raw rank
  // (PageValue::rank; SrFromRank gives sr). nullopt for a page never crawled.
  // `url` is parsed and normalized first. Errors: kInvalidArgument for a URL
  // that does not parse.
  absl::StatusOr<std::optional<double>> PageRank(std::string_view url) const;

  // History (query/src/history.cc; include history.h to call them): the
  // daily trend of the scope's live backlinks and referring domains over
  // `range`, and its links first seen / lost within `range`.
  absl::StatusOr<LinkTrend> Trend(const Scope& scope, const DayRange& range) const;
  absl::StatusOr<HistoryPage> NewLinks(const Scope& scope, const DayRange& range, uint64_t offset,
                                       uint64_t limit) const;
  absl::StatusOr<HistoryPage> LostLinks(const Scope& scope, const DayRange& range, uint64_t offset,
                                        uint64_t limit) const;

 private:
  const storage::Db& db_;
  const GeoDb* geo_;
  // Set once a request has seen the strength order (it is never removed),
  // so later requests skip looking for it.
  mutable std::atomic<bool> strength_order_seen_{false};
  // Source-page records read by earlier requests, reused while nothing is
  // written (rows.h).
  std::unique_ptr<PageCache> page_cache_;
  // Bucket maps of scopes paged deep by earlier requests, reused the same
  // way (storage/buckets.h).
  std::unique_ptr<storage::ScopeWalkCache> walk_cache_;
};

}  // namespace inlinks::query
