// See indexer.h. One page = one storage::Batch:
//   kLinks/kLost   reverse records that changed
//   kForward       the page's link list (live + remembered lost), when changed
//   kPages         the page record (always: last fetch moves)
//   kCounters      C per scope (live, lost, referring domains), P (pair),
//                  D per scope and day (new, lost, revived, referring-domain
//                  change), V per scope and lost day (revivals)
//   kStrength      the strength-order entries of links added or lost (three
//                  per link: domain, host and URL scope), and the counts of
//                  their pagination buckets (kStrengthBuckets) that changed
#include "inlinks/indexer/indexer.h"

#include <algorithm>
#include <array>
#include <ctime>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "inlinks/core/domain.h"
#include "inlinks/core/hash.h"
#include "inlinks/core/keys.h"
#include "inlinks/core/log.h"
#include "inlinks/core/status_macros.h"
#include "inlinks/core/url.h"
#include "inlinks/indexer/order.h"
#include "inlinks/storage/buckets.h"
#include "inlinks/storage/records.h"
#include "strength.h"

namespace inlinks::indexer {
namespace {

using storage::Family;
using storage::ForwardEntry;
using storage::LinkValue;
using storage::ScopeKind;

// FNV-1a, 64 bit: a stable hash (stored on disk), unlike absl::Hash.
uint64_t HashLink(const LinkValue& v) {
  core::StableHasher h;
  h.Add(v.target_href);
  h.Add(v.anchor);
  h.Add(static_cast<uint64_t>(v.tag));
  h.Add(v.rel);
  return h.value();
}

// A link of the page being indexed, prepared outside the writer lock.
struct NewLink {
  std::string url_key;
  uint32_t occurrence = 0;  // set under the writer lock (AssignOccurrences)
  uint32_t domain_key_len = 0;
  uint64_t hash = 0;
  LinkValue value;
};

struct Prepared {
  std::string source;            // normalized source href
  std::string source_domain_key; // HostKey(registrable domain of the source)
  std::vector<NewLink> links;
};

int64_t NowUnix() { return static_cast<int64_t>(std::time(nullptr)); }

}  // namespace

struct Indexer::Impl {
  Impl(storage::Db& db, const IndexerOptions& options) : db(db), options(options) {}

  storage::Db& db;
  const IndexerOptions options;
  absl::Mutex mu;
  // The pagination directory of the result order (kStrength).
  std::unique_ptr<storage::BucketDirectory> strength_buckets ABSL_GUARDED_BY(mu);
  absl::flat_hash_map<std::string, int64_t> pair_cache ABSL_GUARDED_BY(mu);
  IndexStats stats ABSL_GUARDED_BY(mu);
  // storage::kHistoryLastDayMetaKey as stored.
  uint32_t history_last_day ABSL_GUARDED_BY(mu) = 0;

  absl::StatusOr<Prepared> Prepare(const core::Page& page) const;
  absl::Status Apply(Prepared p, const core::Page* page, const core::FetchFacts& facts)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // Apply, and after any failure forget the in-memory state derived from
  // the batch that was not written.
  absl::Status ApplyOrRecover(Prepared p, const core::Page* page, const core::FetchFacts& facts)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  bool broken ABSL_GUARDED_BY(mu) = false;

  absl::Status ReloadDirectories() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    return strength_buckets->Reload();
  }
};

absl::StatusOr<Prepared> Indexer::Impl::Prepare(const core::Page& page) const {
  ASSIGN_OR_RETURN(core::Url source, core::ParseUrl(page.url));
  Prepared p;
  p.source = source.href();
  p.source_domain_key = core::HostKey(core::SiteOf(source.host()));
  p.links.reserve(page.links.size());
  std::vector<std::pair<std::string, uint32_t>> domain_len_by_host;
  for (const core::Link& link : page.links) {
    absl::StatusOr<core::Url> target = core::ParseUrl(link.target);
    if (!target.ok()) continue;  // the extractor only emits parseable targets
    NewLink n;
    n.url_key = core::UrlKey(*target);
    uint32_t domain_len = 0;
    bool found = false;
    for (const auto& [host, len] : domain_len_by_host) {
      if (host == target->host()) {
        domain_len = len;
        found = true;
        break;
      }
    }
    if (!found) {
      domain_len = static_cast<uint32_t>(core::HostKey(core::SiteOf(target->host())).size());
      domain_len_by_host.emplace_back(std::string(target->host()), domain_len);
    }
    n.domain_key_len = domain_len;
    n.value.target_href = target->href();
    n.value.anchor = link.anchor;
    n.value.position = link.position;
    n.value.tag = link.tag;
    n.value.rel = link.rel;
    n.hash = HashLink(n.value);
    p.links.push_back(std::move(n));
  }
  return p;
}

absl::Status Indexer::Impl::ApplyOrRecover(Prepared p, const core::Page* page,
                                           const core::FetchFacts& facts) {
  if (broken) {
    // A previous failure left a pagination directory unread; try again.
    absl::Status reload = ReloadDirectories();
    if (!reload.ok()) return reload;
    broken = false;
  }
  absl::Status s = Apply(std::move(p), page, facts);
  if (!s.ok()) {
    pair_cache.clear();
    if (!ReloadDirectories().ok()) broken = true;
  }
  return s;
}

// Gives the links of the page their identities (occurrence numbers among the
// links to one URL key) so that a link keeps its identity when others to the
// same URL come and go: an unchanged link takes its old number, a returning
// lost one its old number, a changed one a number whose old link is gone,
// and the rest fresh numbers.
static void AssignOccurrences(std::vector<NewLink>& links,
                              const std::vector<ForwardEntry>& old) {
  std::unordered_map<std::string_view, std::vector<size_t>> old_by_key;
  for (size_t i = 0; i < old.size(); ++i) old_by_key[old[i].target_url_key].push_back(i);
  std::unordered_map<std::string_view, std::vector<size_t>> new_by_key;
  for (size_t i = 0; i < links.size(); ++i) new_by_key[links[i].url_key].push_back(i);
  for (auto& [key, news] : new_by_key) {
    auto found = old_by_key.find(key);
    if (found == old_by_key.end()) {
      for (size_t k = 0; k < news.size(); ++k) links[news[k]].occurrence = static_cast<uint32_t>(k);
      continue;
    }
    const std::vector<size_t>& olds = found->second;
    std::vector<bool> old_taken(olds.size(), false), assigned(news.size(), false);
    auto claim = [&](auto match) {
      for (size_t k = 0; k < news.size(); ++k) {
        if (assigned[k]) continue;
        for (size_t j = 0; j < olds.size(); ++j) {
          if (old_taken[j] || !match(links[news[k]], old[olds[j]])) continue;
          links[news[k]].occurrence = old[olds[j]].occurrence;
          old_taken[j] = assigned[k] = true;
          break;
        }
      }
    };
    claim([](const NewLink& n, const ForwardEntry& o) { return !o.lost && o.hash == n.hash; });
    claim([](const NewLink& n, const ForwardEntry& o) { return o.lost && o.hash == n.hash; });
    claim([](const NewLink&, const ForwardEntry& o) { return !o.lost; });
    uint32_t next = 0;
    for (size_t j = 0; j < olds.size(); ++j) next = std::max(next, old[olds[j]].occurrence + 1);
    for (size_t k = 0; k < news.size(); ++k) {
      if (!assigned[k]) links[news[k]].occurrence = next++;
    }
  }
}

absl::Status Indexer::Impl::Apply(Prepared p, const core::Page* page,
                                  const core::FetchFacts& facts) {
  const int64_t now = facts.fetch_time_unix != 0 ? facts.fetch_time_unix : NowUnix();
  storage::Batch batch(db);

  // Previous state of the page.
  ASSIGN_OR_RETURN(std::optional<std::string> fwd_bytes, db.Get(Family::kForward, p.source));
  std::vector<ForwardEntry> old;
  if (fwd_bytes) {
    ASSIGN_OR_RETURN(old, storage::DecodeForward(*fwd_bytes));
  }
  ASSIGN_OR_RETURN(std::optional<std::string> page_bytes, db.Get(Family::kPages, p.source));
  storage::PageValue record;
  bool new_page = !page_bytes.has_value();
  if (page_bytes) {
    ASSIGN_OR_RETURN(record, storage::DecodePageValue(*page_bytes));
  }

  AssignOccurrences(p.links, old);
  // The page's strength as its links are listed in kStrength (a new page has
  // none until the rank job runs; the job moves the entries when it changes).
  const uint8_t sr = storage::SrTenths(record.rank);
  // A page's links are attributed to the source domain recorded when it was
  // first indexed, so a public-suffix list update cannot make its counts
  // drift (the attribution moves only when the page has no live links).
  if (!record.source_domain_key.empty() && record.live_records > 0) {
    p.source_domain_key = record.source_domain_key;
  }
  record.source_domain_key = p.source_domain_key;

  // Index the old entries by identity.
  absl::flat_hash_map<std::pair<std::string_view, uint32_t>, size_t> old_index;
  old_index.reserve(old.size());
  for (size_t i = 0; i < old.size(); ++i) {
    old_index.emplace(std::make_pair(std::string_view(old[i].target_url_key), old[i].occurrence),
                      i);
  }
  std::vector<bool> old_matched(old.size(), false);

  // Counter deltas, aggregated per key: per scope {live, lost, referring
  // domains} and the day's events {new, lost, revived}, per (scope, source
  // domain) pair the live links, per (scope, lost day) the revivals.
  enum { kNewEvents = 3, kLostEvents = 4, kRevivedEvents = 5 };
  enum class Event { kNew, kRevived, kLost };
  std::map<std::string, std::array<int64_t, 6>> counters;
  std::map<std::string, int64_t> pairs;
  std::map<std::string, int64_t> revived_by_lost_day;
  const uint32_t today = storage::UnixDay(now);
  auto count = [&](std::string_view url_key, uint32_t domain_len, Event event,
                   int64_t lost_time = 0) {
    const int64_t live = event == Event::kLost ? -1 : +1;
    const int64_t lost = event == Event::kNew ? 0 : -live;
    std::string_view scopes[3] = {storage::DomainScopeKey(url_key, domain_len),
                                  storage::HostScopeKey(url_key), url_key};
    ScopeKind kinds[3] = {ScopeKind::kDomain, ScopeKind::kHost, ScopeKind::kUrl};
    for (int i = 0; i < 3; ++i) {
      auto& c = counters[storage::ScopeCounterKey(kinds[i], scopes[i])];
      c[storage::kLiveField] += live;
      c[storage::kLostField] += lost;
      c[event == Event::kNew ? kNewEvents : event == Event::kLost ? kLostEvents : kRevivedEvents]++;
      pairs[storage::PairCounterKey(kinds[i], scopes[i], p.source_domain_key)] += live;
      if (event == Event::kRevived && storage::KeepsDailyHistory(kinds[i])) {
        ++revived_by_lost_day[storage::RevivedByLostDayKey(kinds[i], scopes[i],
                                                           storage::UnixDay(lost_time))];
      }
    }
  };
  // kLinks writes are sorted before they enter the batch: RocksDB's memtable
  // inserts sorted keys faster.
  std::vector<std::pair<std::string, std::string>> link_puts;
  link_puts.reserve(p.links.size());
  std::vector<std::pair<std::string, std::string>> strength_puts;
  // A live link's entries in the strength order, which hold a copy of its
  // record's value: listed (counted in the directory), rewritten in place
  // (the record changed), unlisted.
  auto list = [&](std::string_view url_key, uint32_t domain_len, uint32_t occurrence,
                  const std::string& value, bool counted) {
    for (std::string& k :
         internal::StrengthKeys(p.source, sr, url_key, domain_len, occurrence)) {
      if (counted) strength_buckets->OnInsert(k);
      strength_puts.emplace_back(std::move(k), value);
    }
  };
  auto unlist = [&](std::string_view url_key, uint32_t domain_len, uint32_t occurrence) {
    for (const std::string& k :
         internal::StrengthKeys(p.source, sr, url_key, domain_len, occurrence)) {
      strength_buckets->OnDelete(k);
      batch.Delete(Family::kStrength, k);
    }
  };

  IndexStats delta;
  bool forward_changed = false;
  std::vector<ForwardEntry> next;
  next.reserve(p.links.size() + old.size());
  for (const NewLink& n : p.links) {
    std::string key = storage::ReverseKey(n.url_key, p.source, n.occurrence);
    ForwardEntry e;
    e.target_url_key = n.url_key;
    e.occurrence = n.occurrence;
    e.domain_key_len = n.domain_key_len;
    e.hash = n.hash;
    e.position = n.value.position;
    e.first_seen = now;
    auto it = old_index.find(std::make_pair(std::string_view(n.url_key), n.occurrence));
    if (it != old_index.end()) {
      const ForwardEntry& o = old[it->second];
      old_matched[it->second] = true;
      e.first_seen = o.first_seen;
      // The domain scope a link was counted in is part of its identity.
      e.domain_key_len = o.domain_key_len;
      if (o.lost) {
        // Back again: live with its original first-seen.
        batch.Delete(Family::kLost, key);
        LinkValue v = n.value;
        v.first_seen = o.first_seen;
        link_puts.emplace_back(std::move(key), storage::EncodeLinkValue(v));
        list(n.url_key, o.domain_key_len, n.occurrence, link_puts.back().second, true);
        count(n.url_key, o.domain_key_len, Event::kRevived, o.lost_time);
        ++delta.links_revived;
        forward_changed = true;
      } else if (o.hash != n.hash || o.position != n.value.position) {
        LinkValue v = n.value;
        v.first_seen = o.first_seen;
        link_puts.emplace_back(std::move(key), storage::EncodeLinkValue(v));
        list(n.url_key, o.domain_key_len, n.occurrence, link_puts.back().second, false);
        ++delta.links_rewritten;
        forward_changed = true;
      }
    } else {
      LinkValue v = n.value;
      v.first_seen = now;
      bool revived = false;
      int64_t lost_time = 0;
      if (record.forgotten_lost > 0) {
        // It may be a link whose loss was forgotten by the forward record.
        ASSIGN_OR_RETURN(std::optional<std::string> lost_bytes, db.Get(Family::kLost, key));
        if (lost_bytes) {
          ASSIGN_OR_RETURN(LinkValue old_value, storage::DecodeLinkValue(*lost_bytes));
          v.first_seen = old_value.first_seen;
          e.first_seen = old_value.first_seen;
          batch.Delete(Family::kLost, key);
          revived = true;
          lost_time = old_value.lost_time;
          --record.forgotten_lost;
          ++delta.links_revived;
        }
      }
      link_puts.emplace_back(std::move(key), storage::EncodeLinkValue(v));
      list(n.url_key, n.domain_key_len, n.occurrence, link_puts.back().second, true);
      count(n.url_key, n.domain_key_len, revived ? Event::kRevived : Event::kNew, lost_time);
      if (!revived) ++delta.links_added;
      forward_changed = true;
    }
    next.push_back(std::move(e));
  }
  // Old entries not seen now: live ones become lost; lost ones are remembered.
  std::vector<ForwardEntry> remembered;
  for (size_t i = 0; i < old.size(); ++i) {
    if (old_matched[i]) continue;
    ForwardEntry e = old[i];
    if (!e.lost) {
      std::string key = storage::ReverseKey(e.target_url_key, p.source, e.occurrence);
      ASSIGN_OR_RETURN(std::optional<std::string> bytes, db.Get(Family::kLinks, key));
      if (!bytes) {
        return absl::DataLossError(absl::StrCat("forward record of ", p.source,
                                                " names a link that has no reverse record"));
      }
      ASSIGN_OR_RETURN(LinkValue v, storage::DecodeLinkValue(*bytes));
      v.lost_time = now;
      batch.Delete(Family::kLinks, key);
      batch.Put(Family::kLost, key, storage::EncodeLinkValue(v));
      unlist(e.target_url_key, e.domain_key_len, e.occurrence);
      count(e.target_url_key, e.domain_key_len, Event::kLost);
      e.lost = true;
      e.lost_time = now;
      ++delta.links_lost;
      forward_changed = true;
    }
    remembered.push_back(std::move(e));
  }
  if (remembered.size() > options.max_lost_kept_per_page) {
    // Forget the oldest losses first (their kLost records stay).
    std::stable_sort(remembered.begin(), remembered.end(),
                     [](const ForwardEntry& a, const ForwardEntry& b) {
                       return a.lost_time > b.lost_time;
                     });
    record.forgotten_lost +=
        static_cast<uint32_t>(remembered.size() - options.max_lost_kept_per_page);
    remembered.resize(options.max_lost_kept_per_page);
    forward_changed = true;
  }
  for (ForwardEntry& e : remembered) next.push_back(std::move(e));

  std::sort(link_puts.begin(), link_puts.end());
  for (const auto& [key, value] : link_puts) batch.Put(Family::kLinks, key, value);
  std::sort(strength_puts.begin(), strength_puts.end());
  for (const auto& [key, value] : strength_puts) batch.Put(Family::kStrength, key, value);

  // Referring domains: a (scope, source domain) pair going 0 -> n or n -> 0
  // adds or removes one referring domain of the scope. Pair counts come from
  // the cache, else from one MultiGet for the page.
  std::vector<std::string> missing;
  for (const auto& [pair_key, d] : pairs) {
    if (d != 0 && !pair_cache.contains(pair_key)) missing.push_back(pair_key);
  }
  if (!missing.empty()) {
    ASSIGN_OR_RETURN(std::vector<int64_t> values, db.MultiGetCounter(missing));
    if (pair_cache.size() + missing.size() > options.pair_cache_entries) pair_cache.clear();
    for (size_t i = 0; i < missing.size(); ++i) pair_cache.emplace(missing[i], values[i]);
  }
  std::vector<std::pair<std::string, int64_t>> pair_updates;
  for (const auto& [pair_key, d] : pairs) {
    if (d == 0) continue;
    auto cached = pair_cache.find(pair_key);
    int64_t before;
    if (cached != pair_cache.end()) {
      before = cached->second;
    } else {
      ASSIGN_OR_RETURN(before, db.GetCounter(pair_key));
    }
    int64_t after = before + d;
    if (after < 0) {
      return absl::DataLossError("referring-domain pair counter would go negative");
    }
    batch.AddCounter(pair_key, d);
    pair_updates.emplace_back(pair_key, after);
    if ((before == 0) != (after == 0)) {
      ScopeKind kind;
      std::string_view scope, source_domain;
      if (!storage::ParsePairCounterKey(pair_key, kind, scope, source_domain)) {
        return absl::InternalError("unparseable pair counter key");
      }
      counters[storage::ScopeCounterKey(kind, scope)][storage::kReferringDomainsField] +=
          after == 0 ? -1 : +1;
    }
  }
  bool wrote_daily = false;
  for (const auto& [key, d] : counters) {
    if (d[0] != 0 || d[1] != 0 || d[2] != 0) {
      if (d[1] == 0 && d[2] == 0) {
        batch.AddCounters(key, {d[0]});
      } else if (d[2] == 0) {
        batch.AddCounters(key, {d[0], d[1]});
      } else {
        batch.AddCounters(key, {d[0], d[1], d[2]});
      }
    }
    // The day's events of the scope (docs/keys.md "Daily history"): one
    // merge, trailing zero fields left out. key = 'C' kind scope_key.
    const auto kind = static_cast<ScopeKind>(key[1]);
    if (!storage::KeepsDailyHistory(kind)) continue;
    const int64_t day[4] = {d[kNewEvents], d[kLostEvents], d[kRevivedEvents],
                            d[storage::kReferringDomainsField]};
    if (day[0] == 0 && day[1] == 0 && day[2] == 0 && day[3] == 0) continue;
    wrote_daily = true;
    std::string day_key = storage::DailyCounterKey(kind, std::string_view(key).substr(2), today);
    if (day[3] != 0) {
      batch.AddCounters(day_key, {day[0], day[1], day[2], day[3]});
    } else if (day[2] != 0) {
      batch.AddCounters(day_key, {day[0], day[1], day[2]});
    } else if (day[1] != 0) {
      batch.AddCounters(day_key, {day[0], day[1]});
    } else {
      batch.AddCounters(day_key, {day[0]});
    }
  }
  for (const auto& [key, n] : revived_by_lost_day) batch.AddCounter(key, n);
  const bool new_last_day = wrote_daily && today > history_last_day;
  if (new_last_day) {
    batch.Put(Family::kMeta, storage::kHistoryLastDayMetaKey, std::to_string(today));
  }

  // The page record.
  if (new_page) {
    record.first_fetch = now;
    batch.AddCounter(storage::PagesCounterKey(), 1);
  }
  record.last_fetch = now;
  record.http_status = facts.http_status;
  record.ip = facts.ip;
  if (page != nullptr) {
    record.title = page->title;
    record.canonical = page->canonical;
    record.internal_links = page->internal_links;
    record.external_links = page->external_links;
    record.total_links = page->total_links;
    record.noindex = page->robots_noindex;
    record.nofollow = page->robots_nofollow;
  }
  record.live_records = static_cast<uint32_t>(p.links.size());
  batch.Put(Family::kPages, p.source, storage::EncodePageValue(record));
  if (forward_changed || !fwd_bytes) {
    batch.Put(Family::kForward, p.source, storage::EncodeForward(next));
  }
  strength_buckets->Stage(batch);

  absl::Status written = db.Write(batch);
  if (!written.ok()) {
    // Nothing of the batch is on disk: forget in-memory state derived from it.
    pair_cache.clear();
    absl::Status reload = ReloadDirectories();
    if (!reload.ok()) return reload;
    return written;
  }
  for (auto& [key, after] : pair_updates) {
    if (pair_cache.size() >= options.pair_cache_entries) pair_cache.clear();
    pair_cache[key] = after;
  }
  if (new_last_day) history_last_day = today;
  if (absl::Status split = strength_buckets->AfterWrite(); !split.ok()) {
    // The page is written; an oversized bucket only costs readers a longer
    // scan, and the next write to it retries the split.
    INLINKS_LOG(WARNING) << "pagination bucket split failed: " << split;
  }
  ++delta.pages;
  if (!forward_changed && fwd_bytes) ++delta.unchanged_pages;
  stats.pages += delta.pages;
  stats.links_added += delta.links_added;
  stats.links_rewritten += delta.links_rewritten;
  stats.links_lost += delta.links_lost;
  stats.links_revived += delta.links_revived;
  stats.unchanged_pages += delta.unchanged_pages;
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Indexer>> Indexer::Create(storage::Db& db,
                                                         const IndexerOptions& options) {
  // Daily history (docs/keys.md): complete since creation for a database
  // with no pages yet; otherwise only from now on.
  ASSIGN_OR_RETURN(std::optional<int64_t> history_since, storage::GetHistorySince(db));
  if (!history_since) {
    bool empty = true;
    for (Family f : {Family::kPages, Family::kLinks, Family::kLost}) {
      auto it = db.NewIterator(f, {"", ""});
      it->SeekToFirst();
      RETURN_IF_ERROR(it->status());
      empty = empty && !it->Valid();
    }
    storage::Batch batch(db);
    batch.Put(Family::kMeta, storage::kHistorySinceMetaKey,
              empty ? std::string("0") : std::to_string(std::max<int64_t>(NowUnix(), 1)));
    RETURN_IF_ERROR(db.Write(batch));
  }
  // A database indexed before the strength order existed gets it now.
  RETURN_IF_ERROR(EnsureStrengthOrder(db, options.bucket_target).status());
  auto impl = std::make_unique<Impl>(db, options);
  {
    absl::MutexLock lock(&impl->mu);
    ASSIGN_OR_RETURN(impl->strength_buckets,
                     storage::BucketDirectory::Load(db, options.bucket_target,
                                                    storage::kStrengthOrderBuckets));
    ASSIGN_OR_RETURN(impl->history_last_day, storage::GetHistoryLastDay(db));
  }
  return std::unique_ptr<Indexer>(new Indexer(std::move(impl)));
}

Indexer::Indexer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Indexer::~Indexer() = default;

absl::Status Indexer::Index(const core::Page& page, const core::FetchFacts& facts) {
  ASSIGN_OR_RETURN(Prepared p, impl_->Prepare(page));
  absl::MutexLock lock(&impl_->mu);
  return impl_->ApplyOrRecover(std::move(p), &page, facts);
}

absl::Status Indexer::MarkGone(std::string_view source_url, const core::FetchFacts& facts) {
  ASSIGN_OR_RETURN(core::Url source, core::ParseUrl(source_url));
  Prepared p;
  p.source = source.href();
  p.source_domain_key = core::HostKey(core::SiteOf(source.host()));
  absl::MutexLock lock(&impl_->mu);
  return impl_->ApplyOrRecover(std::move(p), nullptr, facts);
}

absl::Status Indexer::Accept(const core::Page& page, const core::FetchFacts& facts) {
  if (facts.http_status == 404 || facts.http_status == 410) return MarkGone(page.url, facts);
  return Index(page, facts);
}

IndexStats Indexer::stats() const {
  absl::MutexLock lock(&impl_->mu);
  return impl_->stats;
}

}  // namespace inlinks::indexer
