// Backlink pages, totals and aggregates over one snapshot (docs/query.md).
#include "inlinks/query/backlinks.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "inlinks/core/coding.h"
#include "inlinks/core/status_macros.h"
#include "inlinks/core/url.h"
#include "inlinks/storage/buckets.h"
#include "rows.h"
#include "source_domains.h"

namespace inlinks::query {
namespace {

using storage::Family;

// ---- Cursors ----
// base64url( version:u8 | family:u8 | offset:u64be | key )
// family: 0 a live row in key order (key = its kLinks key), 1 a lost row
// (its kLost key), 2 a live row in strength order (its kStrength key).
// `offset` is the row index of the row after `key` when the cursor was made.
constexpr uint8_t kCursorVersion = 1;
constexpr uint8_t kCursorLinks = 0;
constexpr uint8_t kCursorLost = 1;
constexpr uint8_t kCursorStrength = 2;

// Live rows come before lost ones: the part of the result a family is in.
int PartOf(uint8_t family) { return family == kCursorLost ? 1 : 0; }

core::KeyRange StrengthRange(const Scope& scope) {
  return storage::StrengthScopeRange(scope.counter_kind, scope.counter_scope_key);
}

struct Cursor {
  uint8_t family = kCursorLinks;
  uint64_t offset = 0;
  std::string key;
};

std::string EncodeCursor(const Cursor& c) {
  std::string raw;
  raw.reserve(10 + c.key.size());
  raw.push_back(static_cast<char>(kCursorVersion));
  raw.push_back(static_cast<char>(c.family));
  core::PutFixed64BE(raw, c.offset);
  raw.append(c.key);
  return absl::WebSafeBase64Escape(absl::string_view(raw.data(), raw.size()));
}

absl::StatusOr<Cursor> DecodeCursor(std::string_view text, const Scope& scope) {
  std::string raw;
  if (text.empty() || text.size() > 64 * 1024 ||
      !absl::WebSafeBase64Unescape(absl::string_view(text.data(), text.size()), &raw) ||
      raw.size() < 11 || static_cast<uint8_t>(raw[0]) != kCursorVersion ||
      static_cast<uint8_t>(raw[1]) > kCursorStrength) {
    return absl::InvalidArgumentError("malformed cursor");
  }
  Cursor c;
  c.family = static_cast<uint8_t>(raw[1]);
  c.offset = core::DecodeFixed64BE(raw.data() + 2);
  c.key = raw.substr(10);
  bool inside = c.family == kCursorStrength ? StrengthRange(scope).Contains(c.key)
                                            : scope.range.Contains(c.key);
  if (!inside) return absl::InvalidArgumentError("cursor outside the scope");
  return c;
}

bool StateHasLive(LinkState s) { return s != LinkState::kLost; }
bool StateHasLost(LinkState s) { return s != LinkState::kLive; }

uint64_t NonNegative(int64_t v) { return v > 0 ? static_cast<uint64_t>(v) : 0; }

// Tag and rel of a link value without decoding its strings (docs/keys.md:
// 0x01 | tag:u8 | rel:u8 | ...).
absl::StatusOr<bool> Matches(const BacklinkFilter& f, std::string_view value) {
  if (value.size() < 3 || static_cast<uint8_t>(value[0]) != 1) {
    return absl::DataLossError("malformed link record");
  }
  auto tag = static_cast<core::LinkTag>(static_cast<uint8_t>(value[1]));
  auto rel = static_cast<uint8_t>(value[2]);
  if (f.tag && *f.tag != tag) return false;
  if (f.nofollow && *f.nofollow != ((rel & core::kRelNofollow) != 0)) return false;
  return true;
}

// The row of a kStrength entry (its key names the link, its value is a copy
// of the link's record), without source-page fields.
absl::StatusOr<BacklinkRow> StrengthRow(std::string_view key, std::string_view value) {
  ASSIGN_OR_RETURN(storage::StrengthKeyParts parts, storage::DecodeStrengthKey(key));
  return RowBuilder::MakeLinkRow(storage::ReverseKeyOf(parts), parts.source_href, value,
                                 /*lost=*/false);
}

// Everything one request reads: one snapshot, and the page records already
// read (a source page often links several times into one scope).
class Reader {
 public:
  // `order_seen`, if given, remembers across readers that the database has
  // its strength order (once built, it stays).
  explicit Reader(const storage::Db& db, const GeoDb* geo = nullptr,
                  ResultOrder order = ResultOrder::kStrength,
                  std::atomic<bool>* order_seen = nullptr, PageCache* pages = nullptr)
      : db_(db),
        snapshot_(db.GetSnapshot()),
        rows_(db, geo, snapshot_.get(), pages),
        order_(order),
        order_seen_(order_seen) {}

  const storage::Snapshot* snapshot() const { return snapshot_.get(); }

  std::unique_ptr<storage::Iterator> Iter(Family family, const core::KeyRange& range) const {
    return db_.NewIterator(family, range, snapshot_.get());
  }

  absl::StatusOr<storage::ScopeCounts> Counts(storage::ScopeKind kind, std::string_view key) const {
    return storage::GetScopeCounts(db_, kind, key, snapshot_.get());
  }

  // Adds the source-page fields to rows built by RowBuilder::MakeLinkRow.
  absl::Status AddPages(std::vector<BacklinkRow>& rows) { return rows_.AddPages(rows, 0); }

  // Whether the live rows are read in strength order: asked for, and every
  // live link of this snapshot has its kStrength entries
  // (storage::kStrengthOrderMetaKey); else in key order (asked for, or a
  // database not yet upgraded by a writer).
  absl::StatusOr<bool> StrengthOrdered() {
    if (order_ == ResultOrder::kKey) return false;
    if (!strength_ordered_ && order_seen_ != nullptr &&
        order_seen_->load(std::memory_order_relaxed)) {
      strength_ordered_ = true;
    }
    if (!strength_ordered_) {
      ASSIGN_OR_RETURN(std::optional<std::string> v,
                       db_.Get(Family::kMeta, storage::kStrengthOrderMetaKey, snapshot_.get()));
      strength_ordered_ = v.has_value();
      if (*strength_ordered_ && order_seen_ != nullptr) {
        order_seen_->store(true, std::memory_order_relaxed);
      }
    }
    return *strength_ordered_;
  }


  // Reads rows from `it` (positioned over `family`: kLinks, kLost, or
  // kStrength, whose entries hold their link's value) until `rows` holds
  // `limit`; leaves `it` at the first row not taken. `last_key`, if given,
  // receives the key of the last row taken.
  absl::Status Collect(storage::Iterator& it, Family family, uint64_t limit,
                       std::vector<BacklinkRow>& rows, std::string* last_key = nullptr) {
    const size_t first = rows.size();
    for (; rows.size() < limit && it.Valid(); it.Next()) {
      absl::StatusOr<BacklinkRow> row =
          family == Family::kStrength
              ? StrengthRow(it.key(), it.value())
              : RowBuilder::MakeLinkRow(it.key(), it.value(), family == Family::kLost);
      if (!row.ok()) return row.status();
      rows.push_back(*std::move(row));
      if (last_key != nullptr) last_key->assign(it.key());
    }
    RETURN_IF_ERROR(it.status());
    return rows_.AddPages(rows, first);
  }

 private:
  const storage::Db& db_;
  std::unique_ptr<storage::Snapshot> snapshot_;
  RowBuilder rows_;
  const ResultOrder order_;
  std::atomic<bool>* const order_seen_;
  std::optional<bool> strength_ordered_;
};

// Skips `n` rows of `it`; returns the status of the iterator.
absl::Status Skip(storage::Iterator& it, uint64_t n) {
  for (uint64_t i = 0; i < n && it.Valid(); ++i) it.Next();
  return it.status();
}

// `strength_key`: the kStrength entry of the last live row when the live
// rows are in strength order; empty in key order.
void SetNextCursor(BacklinkPage& page, bool more, const std::string& strength_key) {
  if (!more || page.rows.empty()) return;
  const BacklinkRow& last = page.rows.back();
  const uint64_t next = page.offset + page.rows.size();
  if (last.lost) {
    page.next_cursor = EncodeCursor(Cursor{kCursorLost, next, last.key});
  } else if (!strength_key.empty()) {
    page.next_cursor = EncodeCursor(Cursor{kCursorStrength, next, strength_key});
  } else {
    page.next_cursor = EncodeCursor(Cursor{kCursorLinks, next, last.key});
  }
}

// A cursor's live rows must be in the order this snapshot has.
absl::Status CheckCursorOrder(const Cursor& cursor, bool strength_ordered) {
  if (cursor.family == kCursorLost) return absl::OkStatus();
  if ((cursor.family == kCursorStrength) != strength_ordered) {
    return absl::InvalidArgumentError("cursor of another result order; start from offset 0");
  }
  return absl::OkStatus();
}

absl::Status PastTheEnd(uint64_t offset, uint64_t total) {
  return absl::OutOfRangeError(
      absl::StrCat("offset ", offset, " is past the last row (total ", total, ")"));
}

// A filtered (nofollow/tag/one-per-domain) page: scans the scope's live rows
// (in strength order when the snapshot has it) then its lost rows, as the
// state asks, counting every match for the exact total. With `cursor`, the
// window starts after the cursor's row; otherwise at match number `offset`.
// One link per referring domain keeps the first match of each source domain
// (in strength order: its strongest link); when only that and state kLive
// filter, the total is the scope's referring-domain counter and the scan
// stops at the page's end.
absl::StatusOr<BacklinkPage> ScanFiltered(Reader& reader, const Scope& scope,
                                          const BacklinkFilter& filter, uint64_t offset,
                                          const Cursor* cursor, uint64_t limit) {
  BacklinkPage page;
  page.scanned = true;
  ASSIGN_OR_RETURN(const bool by_strength, reader.StrengthOrdered());
  if (cursor != nullptr) RETURN_IF_ERROR(CheckCursorOrder(*cursor, by_strength));
  std::optional<internal::SourceDomains> domains;
  std::vector<bool> domain_taken;
  std::optional<uint64_t> known_total;
  if (filter.one_per_domain) {
    domains.emplace();
    if (filter.state == LinkState::kLive && !filter.nofollow && !filter.tag) {
      ASSIGN_OR_RETURN(storage::ScopeCounts counts,
                       reader.Counts(scope.counter_kind, scope.counter_scope_key));
      known_total = NonNegative(counts.referring_domains);
      if (cursor == nullptr && offset > 0 && offset >= *known_total) {
        return PastTheEnd(offset, *known_total);
      }
    }
  }
  uint64_t index = 0;   // matches seen
  uint64_t before = 0;  // matches at or before the cursor
  bool page_full = known_total && limit == 0;
  std::string last_strength_key;
  const uint8_t live_family = by_strength ? kCursorStrength : kCursorLinks;
  for (uint8_t fam : {live_family, kCursorLost}) {
    if (page_full) break;
    if (fam != kCursorLost && !StateHasLive(filter.state)) continue;
    if (fam == kCursorLost && !StateHasLost(filter.state)) continue;
    const bool strength = fam == kCursorStrength;
    auto it = strength ? reader.Iter(Family::kStrength, StrengthRange(scope))
                       : reader.Iter(fam == kCursorLinks ? Family::kLinks : Family::kLost,
                                     scope.range);
    for (it->SeekToFirst(); !page_full && it->Valid(); it->Next()) {
      ASSIGN_OR_RETURN(bool match, Matches(filter, it->value()));
      if (!match) continue;
      std::optional<storage::StrengthKeyParts> parts;
      if (strength && domains) {
        ASSIGN_OR_RETURN(parts, storage::DecodeStrengthKey(it->key()));
      }
      if (domains) {
        uint32_t id;
        if (strength) {
          ASSIGN_OR_RETURN(id, domains->IdOfHref(parts->source_href));
        } else {
          ASSIGN_OR_RETURN(id, domains->IdOfReverseKey(it->key()));
        }
        if (id >= domain_taken.size()) domain_taken.resize(id + 1, false);
        if (domain_taken[id]) continue;  // not its domain's first match
        domain_taken[id] = true;
      }
      bool in_window;
      if (cursor != nullptr) {
        bool after = PartOf(fam) > PartOf(cursor->family) ||
                     (fam == cursor->family && it->key() > std::string_view(cursor->key));
        if (!after) ++before;
        in_window = after;
      } else {
        in_window = index >= offset;
      }
      if (in_window && page.rows.size() < limit) {
        if (strength) {
          ASSIGN_OR_RETURN(BacklinkRow row, StrengthRow(it->key(), it->value()));
          page.rows.push_back(std::move(row));
          last_strength_key.assign(it->key());
        } else {
          ASSIGN_OR_RETURN(BacklinkRow row,
                           RowBuilder::MakeLinkRow(it->key(), it->value(), fam == kCursorLost));
          page.rows.push_back(std::move(row));
        }
      }
      ++index;
      page_full = known_total && page.rows.size() >= limit;
    }
    RETURN_IF_ERROR(it->status());
  }
  RETURN_IF_ERROR(reader.AddPages(page.rows));
  page.total = known_total ? *known_total : index;
  page.offset = cursor != nullptr ? before : offset;
  if (cursor == nullptr && offset > 0 && offset >= page.total) {
    return PastTheEnd(offset, page.total);
  }
  SetNextCursor(page, page.offset + page.rows.size() < page.total, last_strength_key);
  return page;
}

uint64_t TotalFor(LinkState state, const storage::ScopeCounts& c) {
  switch (state) {
    case LinkState::kLive:
      return NonNegative(c.live);
    case LinkState::kLost:
      return NonNegative(c.lost);
    case LinkState::kAll:
      return NonNegative(c.live) + NonNegative(c.lost);
  }
  return 0;
}

}  // namespace

double SrFromRank(double rank) { return storage::SrTenths(rank) / 10.0; }

absl::StatusOr<ResultOrder> ParseResultOrder(std::string_view name) {
  std::string lower = absl::AsciiStrToLower(absl::string_view(name.data(), name.size()));
  if (lower == "strength" || lower == "default") return ResultOrder::kStrength;
  if (lower == "key") return ResultOrder::kKey;
  return absl::InvalidArgumentError(absl::StrCat("unknown sort '", std::string(name.substr(0, 50)),
                                                 "' (expected strength or key)"));
}

absl::StatusOr<LinkState> ParseLinkState(std::string_view name) {
  std::string lower = absl::AsciiStrToLower(absl::string_view(name.data(), name.size()));
  if (lower == "live") return LinkState::kLive;
  if (lower == "lost") return LinkState::kLost;
  if (lower == "all") return LinkState::kAll;
  return absl::InvalidArgumentError(absl::StrCat("unknown state '", std::string(name.substr(0, 50)),
                                                 "' (expected live, lost or all)"));
}

std::string_view LinkStateName(LinkState state) {
  switch (state) {
    case LinkState::kLive:
      return "live";
    case LinkState::kLost:
      return "lost";
    case LinkState::kAll:
      return "all";
  }
  return "live";
}

// Up to 32,768 page records (~10 MB) and the bucket maps of 100,000
// pagination buckets (~10 MB) stay cached between requests.
QueryEngine::QueryEngine(const storage::Db& db, const GeoDb* geo)
    : db_(db),
      geo_(geo),
      page_cache_(std::make_unique<PageCache>(32768)),
      walk_cache_(std::make_unique<storage::ScopeWalkCache>(100000)) {}
QueryEngine::~QueryEngine() = default;

absl::StatusOr<BacklinkPage> QueryEngine::Backlinks(const Scope& scope,
                                                    const BacklinkFilter& filter, uint64_t offset,
                                                    uint64_t limit) const {
  Reader reader(db_, geo_, filter.order, &strength_order_seen_, page_cache_.get());
  if (!filter.CountedByCounters()) {
    return ScanFiltered(reader, scope, filter, offset, nullptr, limit);
  }
  ASSIGN_OR_RETURN(storage::ScopeCounts counts,
                   reader.Counts(scope.counter_kind, scope.counter_scope_key));
  const uint64_t live = NonNegative(counts.live);
  BacklinkPage page;
  page.total = TotalFor(filter.state, counts);
  page.offset = offset;
  if (offset > 0 && offset >= page.total) return PastTheEnd(offset, page.total);
  if (limit == 0) return page;

  bool more = false;
  std::string strength_key;
  if (StateHasLive(filter.state) && offset < live) {
    ASSIGN_OR_RETURN(const bool by_strength, reader.StrengthOrdered());
    if (by_strength) {
      ASSIGN_OR_RETURN(std::unique_ptr<storage::Iterator> it,
                       storage::SeekToRow(db_, StrengthRange(scope), offset, reader.snapshot(),
                                          nullptr, storage::kStrengthOrderBuckets,
                                          walk_cache_.get()));
      RETURN_IF_ERROR(reader.Collect(*it, Family::kStrength, limit, page.rows, &strength_key));
      more = it->Valid();
    } else {
      ASSIGN_OR_RETURN(std::unique_ptr<storage::Iterator> it,
                       storage::SeekToRow(db_, scope.range, offset, reader.snapshot(), nullptr,
                                          storage::kLinkBuckets, walk_cache_.get()));
      RETURN_IF_ERROR(reader.Collect(*it, Family::kLinks, limit, page.rows));
      more = it->Valid();
    }
    more = more || (filter.state == LinkState::kAll && counts.lost > 0);
  }
  if (StateHasLost(filter.state) && page.rows.size() < limit) {
    uint64_t lost_offset = filter.state == LinkState::kLost ? offset
                           : offset > live                  ? offset - live
                                                            : 0;
    auto it = reader.Iter(Family::kLost, scope.range);
    it->SeekToFirst();
    // No pagination directory over kLost: a deep lost offset is a skip.
    RETURN_IF_ERROR(Skip(*it, lost_offset));
    RETURN_IF_ERROR(reader.Collect(*it, Family::kLost, limit, page.rows));
    more = it->Valid();
  }
  SetNextCursor(page, more && page.rows.size() == limit, strength_key);
  return page;
}

absl::StatusOr<BacklinkPage> QueryEngine::BacklinksAfterCursor(const Scope& scope,
                                                               const BacklinkFilter& filter,
                                                               std::string_view cursor_text,
                                                               uint64_t limit) const {
  ASSIGN_OR_RETURN(Cursor cursor, DecodeCursor(cursor_text, scope));
  if ((cursor.family != kCursorLost && !StateHasLive(filter.state)) ||
      (cursor.family == kCursorLost && !StateHasLost(filter.state))) {
    return absl::InvalidArgumentError("cursor of another state filter");
  }
  Reader reader(db_, geo_, filter.order, &strength_order_seen_, page_cache_.get());
  if (!filter.CountedByCounters()) {
    return ScanFiltered(reader, scope, filter, 0, &cursor, limit);
  }
  ASSIGN_OR_RETURN(const bool by_strength, reader.StrengthOrdered());
  RETURN_IF_ERROR(CheckCursorOrder(cursor, by_strength));
  ASSIGN_OR_RETURN(storage::ScopeCounts counts,
                   reader.Counts(scope.counter_kind, scope.counter_scope_key));
  BacklinkPage page;
  page.total = TotalFor(filter.state, counts);
  page.offset = std::min(cursor.offset, page.total);
  if (limit == 0) return page;

  auto after = [&](Family family, const core::KeyRange& range) {
    auto it = reader.Iter(family, range);
    it->Seek(cursor.key);
    if (it->Valid() && it->key() == std::string_view(cursor.key)) it->Next();
    return it;
  };
  bool more = false;
  std::string strength_key;
  bool to_lost = filter.state == LinkState::kLost || filter.state == LinkState::kAll;
  if (cursor.family != kCursorLost) {
    if (cursor.family == kCursorStrength) {
      auto it = after(Family::kStrength, StrengthRange(scope));
      RETURN_IF_ERROR(reader.Collect(*it, Family::kStrength, limit, page.rows, &strength_key));
      more = it->Valid();
    } else {
      auto it = after(Family::kLinks, scope.range);
      RETURN_IF_ERROR(reader.Collect(*it, Family::kLinks, limit, page.rows));
      more = it->Valid();
    }
    more = more || (filter.state == LinkState::kAll && counts.lost > 0);
    if (to_lost && page.rows.size() < limit) {
      auto lost_it = reader.Iter(Family::kLost, scope.range);
      lost_it->SeekToFirst();
      RETURN_IF_ERROR(reader.Collect(*lost_it, Family::kLost, limit, page.rows));
      more = lost_it->Valid();
    }
  } else {
    auto it = after(Family::kLost, scope.range);
    RETURN_IF_ERROR(reader.Collect(*it, Family::kLost, limit, page.rows));
    more = it->Valid();
  }
  SetNextCursor(page, more && page.rows.size() == limit, strength_key);
  return page;
}

absl::StatusOr<ScopeCounts> QueryEngine::CountBacklinks(const Scope& scope) const {
  ASSIGN_OR_RETURN(storage::ScopeCounts c,
                   storage::GetScopeCounts(db_, scope.counter_kind, scope.counter_scope_key));
  return ScopeCounts{NonNegative(c.live), NonNegative(c.lost), NonNegative(c.referring_domains)};
}

// AnchorTexts and ReferringDomains: intel.cc.

absl::StatusOr<LinkedPagePage> QueryEngine::LinkedPages(const Scope& scope, uint64_t offset,
                                                        uint64_t limit) const {
  Reader reader(db_);
  // Every target page of the scope has a URL counter, and those counters
  // are one key range of kCounters ('C' 'u' UrlKey): one ordered scan gives
  // each page's counts (no seek per page). Pages whose links are all lost
  // keep a counter with live 0 and are not listed.
  struct Target {
    std::string url_key;
    storage::ScopeCounts counts;
  };
  std::vector<Target> targets;
  const std::string prefix = storage::ScopeCounterKey(storage::ScopeKind::kUrl, "");
  auto it = reader.Iter(Family::kCounters, {prefix + scope.range.begin, prefix + scope.range.end});
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::optional<std::vector<int64_t>> f = storage::DecodeCounters(it->value());
    if (!f) return absl::DataLossError("malformed URL counter");
    f->resize(storage::kMaxCounterFields, 0);  // trailing zero fields are left out
    if ((*f)[storage::kLiveField] <= 0) continue;
    Target& t = targets.emplace_back();
    t.url_key = std::string(it->key().substr(prefix.size()));
    t.counts = {(*f)[storage::kLiveField], (*f)[storage::kLostField],
                (*f)[storage::kReferringDomainsField]};
  }
  RETURN_IF_ERROR(it->status());
  LinkedPagePage page;
  page.total = targets.size();
  if (offset > 0 && offset >= page.total) return PastTheEnd(offset, page.total);
  // Most live backlinks first, ties in URL-key order (the scan's order).
  std::stable_sort(targets.begin(), targets.end(), [](const Target& a, const Target& b) {
    return a.counts.live > b.counts.live;
  });
  for (uint64_t i = offset; i < targets.size() && page.pages.size() < limit; ++i) {
    const Target& t = targets[i];
    // The target as linked (with a scheme): from its first record.
    auto first = reader.Iter(Family::kLinks, {t.url_key, core::PrefixSuccessor(t.url_key)});
    first->SeekToFirst();
    RETURN_IF_ERROR(first->status());
    if (!first->Valid()) {
      return absl::DataLossError("a URL counter counts live links its scope does not have");
    }
    ASSIGN_OR_RETURN(storage::LinkValue v, storage::DecodeLinkValue(first->value()));
    ASSIGN_OR_RETURN(core::UrlKeyParts url, core::DecodeUrlKey(t.url_key));
    LinkedPage p;
    p.url = core::DisplayUrl(url);
    p.target_href = std::move(v.target_href);
    p.live = NonNegative(t.counts.live);
    p.lost = NonNegative(t.counts.lost);
    p.referring_domains = NonNegative(t.counts.referring_domains);
    page.pages.push_back(std::move(p));
  }
  return page;
}

absl::StatusOr<std::optional<double>> QueryEngine::PageRank(std::string_view url) const {
  absl::StatusOr<core::Url> parsed = core::ParseUrl(url);
  if (!parsed.ok()) return parsed.status();
  ASSIGN_OR_RETURN(std::optional<std::string> bytes, db_.Get(Family::kPages, parsed->href()));
  if (!bytes) return std::optional<double>();
  ASSIGN_OR_RETURN(storage::PageValue page, storage::DecodePageValue(*bytes));
  return std::optional<double>(page.rank);
}

}  // namespace inlinks::query
