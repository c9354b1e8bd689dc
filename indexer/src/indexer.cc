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
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "inlinks/core/domain.h"
#include "inlinks/core/hash.h"
#include "inlinks/core/keys.h"
#include "inlinks/core/log.h"
#include "inlinks/core/status_macros.h"
#include "inlinks/core/string_view.h"
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

// Counter fields gathered per scope: [0..2] as in the 'C' counter (live,
// lost, referring domains), then the day's events (new, lost, revived).
enum { kNewEvents = 3, kLostEvents = 4, kRevivedEvents = 5 };
enum class Event { kNew, kRevived, kLost };

struct StrengthPut {
  std::string key;
  size_t link;   // its value is that of link_puts[link] (a copy of the record)
  bool counted;  // a new entry (counted in the directory), not a rewrite
};

// Everything indexing one page writes, computed from its previous state
// before anything is written (so a page that fails leaves no trace in the
// batch it would have joined).
struct PageWrites {
  std::string source;
  std::string source_domain_key;
  uint32_t day = 0;  // UTC day of the fetch (daily history)
  bool new_page = false;
  std::vector<std::pair<std::string, std::string>> link_puts;  // kLinks
  std::vector<std::string> link_deletes;                       // kLinks
  std::vector<std::pair<std::string, std::string>> lost_puts;  // kLost
  std::vector<std::string> lost_deletes;                       // kLost
  std::vector<StrengthPut> strength_puts;
  std::vector<std::string> strength_deletes;
  // Per 'C' key: the fields above; per (scope, source domain) pair: the
  // change of its live links; per (scope, lost day): revivals.
  absl::flat_hash_map<std::string, std::array<int64_t, 6>> counters;
  absl::flat_hash_map<std::string, int64_t> pairs;
  std::map<std::string, int64_t> revived_by_lost_day;
  std::string page_value;
  std::optional<std::string> forward_value;  // unset: the record is unchanged
  IndexStats delta;
};

// A (scope, source domain) pair the pages of a group change: its count as
// the group goes, page by page (read before the group), and the sum of the
// group's changes to it. Keyed by views of the pages' own pair keys.
struct PairState {
  int64_t value = 0;
  int64_t delta = 0;
};
using PairStates = absl::flat_hash_map<std::string_view, PairState>;

// One page handed to ApplyAll; `page` null = the page is gone.
struct GroupItem {
  absl::StatusOr<Prepared> prepared;
  const core::Page* page = nullptr;
  core::FetchFacts facts;
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
  // The writes of one page against its stored state; reads only.
  absl::StatusOr<PageWrites> Diff(Prepared p, const core::Page* page,
                                  const core::FetchFacts& facts) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // The stored (or cached) counts of every pair the pages change, into
  // `pairs` (their deltas zero).
  absl::Status ReadPairs(const std::vector<PageWrites*>& pages, PairStates& pairs)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // Writes `pages` (distinct sources) in one atomic batch, their counters
  // summed per key. results[i] is set for a page left out of the batch; an
  // error return means nothing was written.
  absl::Status Commit(std::vector<PageWrites*>& pages, std::vector<absl::Status>& results)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // Indexes `items` in order, in as few batches as their sources allow; one
  // status per item.
  std::vector<absl::Status> ApplyAll(std::vector<GroupItem>& items)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // ApplyAll of one item, under the lock.
  absl::Status ApplyOne(GroupItem item) ABSL_LOCKS_EXCLUDED(mu) {
    std::vector<GroupItem> items;
    items.push_back(std::move(item));
    absl::MutexLock lock(&mu);
    return ApplyAll(items)[0];
  }
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

absl::StatusOr<PageWrites> Indexer::Impl::Diff(Prepared p, const core::Page* page,
                                               const core::FetchFacts& facts) const {
  const int64_t now = facts.fetch_time_unix != 0 ? facts.fetch_time_unix : NowUnix();
  PageWrites w;
  w.day = storage::UnixDay(now);

  // Previous state of the page.
  ASSIGN_OR_RETURN(std::optional<std::string> fwd_bytes, db.Get(Family::kForward, p.source));
  std::vector<ForwardEntry> old;
  if (fwd_bytes) {
    ASSIGN_OR_RETURN(old, storage::DecodeForward(*fwd_bytes));
  }
  ASSIGN_OR_RETURN(std::optional<std::string> page_bytes, db.Get(Family::kPages, p.source));
  storage::PageValue record;
  w.new_page = !page_bytes.has_value();
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

  auto count = [&](std::string_view url_key, uint32_t domain_len, Event event,
                   int64_t lost_time = 0) {
    const int64_t live = event == Event::kLost ? -1 : +1;
    const int64_t lost = event == Event::kNew ? 0 : -live;
    std::string_view scopes[3] = {storage::DomainScopeKey(url_key, domain_len),
                                  storage::HostScopeKey(url_key), url_key};
    ScopeKind kinds[3] = {ScopeKind::kDomain, ScopeKind::kHost, ScopeKind::kUrl};
    for (int i = 0; i < 3; ++i) {
      auto& c = w.counters[storage::ScopeCounterKey(kinds[i], scopes[i])];
      c[storage::kLiveField] += live;
      c[storage::kLostField] += lost;
      c[event == Event::kNew ? kNewEvents : event == Event::kLost ? kLostEvents : kRevivedEvents]++;
      w.pairs[storage::PairCounterKey(kinds[i], scopes[i], p.source_domain_key)] += live;
      if (event == Event::kRevived && storage::KeepsDailyHistory(kinds[i])) {
        ++w.revived_by_lost_day[storage::RevivedByLostDayKey(kinds[i], scopes[i],
                                                             storage::UnixDay(lost_time))];
      }
    }
  };
  // A live link's entries in the strength order, which hold a copy of its
  // record's value: listed (counted in the directory), rewritten in place
  // (the record changed), unlisted.
  // Called right after the link's record was added to link_puts.
  auto list = [&](std::string_view url_key, uint32_t domain_len, uint32_t occurrence,
                  bool counted) {
    for (std::string& k :
         internal::StrengthKeys(p.source, sr, url_key, domain_len, occurrence)) {
      w.strength_puts.push_back({std::move(k), w.link_puts.size() - 1, counted});
    }
  };
  auto unlist = [&](std::string_view url_key, uint32_t domain_len, uint32_t occurrence) {
    for (std::string& k :
         internal::StrengthKeys(p.source, sr, url_key, domain_len, occurrence)) {
      w.strength_deletes.push_back(std::move(k));
    }
  };

  IndexStats& delta = w.delta;
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
        w.lost_deletes.push_back(key);
        LinkValue v = n.value;
        v.first_seen = o.first_seen;
        w.link_puts.emplace_back(std::move(key), storage::EncodeLinkValue(v));
        list(n.url_key, o.domain_key_len, n.occurrence, true);
        count(n.url_key, o.domain_key_len, Event::kRevived, o.lost_time);
        ++delta.links_revived;
        forward_changed = true;
      } else if (o.hash != n.hash || o.position != n.value.position) {
        LinkValue v = n.value;
        v.first_seen = o.first_seen;
        w.link_puts.emplace_back(std::move(key), storage::EncodeLinkValue(v));
        list(n.url_key, o.domain_key_len, n.occurrence, false);
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
          w.lost_deletes.push_back(key);
          revived = true;
          lost_time = old_value.lost_time;
          --record.forgotten_lost;
          ++delta.links_revived;
        }
      }
      w.link_puts.emplace_back(std::move(key), storage::EncodeLinkValue(v));
      list(n.url_key, n.domain_key_len, n.occurrence, true);
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
      w.link_deletes.push_back(key);
      w.lost_puts.emplace_back(std::move(key), storage::EncodeLinkValue(v));
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

  // The page record.
  if (w.new_page) record.first_fetch = now;
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
  w.page_value = storage::EncodePageValue(record);
  if (forward_changed || !fwd_bytes) w.forward_value = storage::EncodeForward(next);
  ++delta.pages;
  if (!forward_changed && fwd_bytes) ++delta.unchanged_pages;
  w.source = std::move(p.source);
  w.source_domain_key = std::move(p.source_domain_key);
  return w;
}

absl::Status Indexer::Impl::ReadPairs(const std::vector<PageWrites*>& pages,
                                      PairStates& pairs) {
  std::vector<std::string> missing;
  for (const PageWrites* w : pages) {
    for (const auto& [pair_key, d] : w->pairs) {
      if (d == 0) continue;
      auto [state, inserted] = pairs.try_emplace(pair_key);
      if (!inserted) continue;
      auto cached = pair_cache.find(pair_key);
      if (cached != pair_cache.end()) {
        state->second.value = cached->second;
      } else {
        missing.push_back(pair_key);
      }
    }
  }
  if (missing.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::vector<int64_t> read, db.MultiGetCounter(missing));
  for (size_t i = 0; i < missing.size(); ++i) pairs.find(missing[i])->second.value = read[i];
  return absl::OkStatus();
}

absl::Status Indexer::Impl::Commit(std::vector<PageWrites*>& pages,
                                   std::vector<absl::Status>& results) {
  // Referring domains: a (scope, source domain) pair going 0 -> n or n -> 0
  // adds or removes one referring domain of the scope, on the day of the page
  // that moved it. Pages are taken in order, as if written one by one.
  // Keys are views of the pages' own keys, which stay put until they return.
  PairStates pairs;
  RETURN_IF_ERROR(ReadPairs(pages, pairs));
  std::vector<PageWrites*> kept;
  kept.reserve(pages.size());
  struct PairChange {
    std::string_view key;
    int64_t d;
    PairState* state;
  };
  std::vector<PairChange> changes;
  for (size_t i = 0; i < pages.size(); ++i) {
    PageWrites& w = *pages[i];
    changes.clear();
    bool negative = false;
    for (const auto& [pair_key, d] : w.pairs) {
      if (d == 0) continue;
      PairState& state = pairs.find(pair_key)->second;
      negative |= state.value + d < 0;
      changes.push_back({pair_key, d, &state});
    }
    if (negative) {
      results[i] = absl::DataLossError("referring-domain pair counter would go negative");
      continue;
    }
    for (const auto& [pair_key, d, state] : changes) {
      const int64_t before = state->value;
      state->value += d;
      state->delta += d;
      if ((before == 0) != (state->value == 0)) {
        ScopeKind kind;
        std::string_view scope, source_domain;
        if (!storage::ParsePairCounterKey(pair_key, kind, scope, source_domain)) {
          return absl::InternalError("unparseable pair counter key");
        }
        w.counters[storage::ScopeCounterKey(kind, scope)][storage::kReferringDomainsField] +=
            state->value == 0 ? -1 : +1;
      }
    }
    kept.push_back(&w);
  }

  // Everything the pages change, summed per key: one merge per counter for
  // the whole batch.
  storage::Batch batch(db);
  // C and V keys are views of the pages' keys (no page's maps change from
  // here on), as are P keys (`pairs`); D keys are made here.
  absl::flat_hash_map<std::string_view, std::array<int64_t, 3>> totals;  // C
  absl::flat_hash_map<std::string, std::array<int64_t, 4>> daily;        // D
  absl::flat_hash_map<std::string_view, int64_t> revivals;               // V
  int64_t new_pages = 0;
  uint32_t last_day = 0;
  // Views of the pages' keys and values, sorted below.
  std::vector<std::pair<std::string_view, std::string_view>> link_puts;
  struct StrengthWrite {
    std::string_view key, value;
    bool counted;
  };
  std::vector<StrengthWrite> strength_puts;
  for (PageWrites* w : kept) {
    for (const std::string& k : w->lost_deletes) batch.Delete(Family::kLost, k);
    for (const auto& [k, v] : w->lost_puts) batch.Put(Family::kLost, k, v);
    for (const std::string& k : w->link_deletes) batch.Delete(Family::kLinks, k);
    for (const std::string& k : w->strength_deletes) {
      strength_buckets->OnDelete(k);
      batch.Delete(Family::kStrength, k);
    }
    for (const auto& [key, value] : w->link_puts) link_puts.emplace_back(key, value);
    for (const StrengthPut& sp : w->strength_puts) {
      strength_puts.push_back({sp.key, w->link_puts[sp.link].second, sp.counted});
    }
    for (const auto& [key, d] : w->counters) {
      auto& t = totals[key];
      for (int f = 0; f < 3; ++f) t[f] += d[f];
      // The day's events of the scope (docs/keys.md "Daily history"). key =
      // 'C' kind scope_key.
      const auto kind = static_cast<ScopeKind>(key[1]);
      if (!storage::KeepsDailyHistory(kind)) continue;
      const int64_t day[4] = {d[kNewEvents], d[kLostEvents], d[kRevivedEvents],
                              d[storage::kReferringDomainsField]};
      if (day[0] == 0 && day[1] == 0 && day[2] == 0 && day[3] == 0) continue;
      last_day = std::max(last_day, w->day);
      auto& dd = daily[storage::DailyCounterKey(kind, std::string_view(key).substr(2), w->day)];
      for (int f = 0; f < 4; ++f) dd[f] += day[f];
    }
    for (const auto& [key, n] : w->revived_by_lost_day) revivals[key] += n;
    if (w->new_page) ++new_pages;
    batch.Put(Family::kPages, w->source, w->page_value);
    if (w->forward_value) batch.Put(Family::kForward, w->source, *w->forward_value);
  }
  // kLinks and kStrength writes enter the batch sorted: RocksDB's memtable
  // inserts sorted keys faster.
  std::sort(link_puts.begin(), link_puts.end());
  for (const auto& [key, value] : link_puts) batch.Put(Family::kLinks, key, value);
  std::sort(strength_puts.begin(), strength_puts.end(),
            [](const StrengthWrite& a, const StrengthWrite& b) { return a.key < b.key; });
  for (const StrengthWrite& sp : strength_puts) {
    if (sp.counted) strength_buckets->OnInsert(sp.key);
    batch.Put(Family::kStrength, sp.key, sp.value);
  }
  // Counters, in key order too, trailing zero fields left out.
  struct CounterMerge {
    std::string_view key;
    std::array<int64_t, 4> d;
    bool operator<(const CounterMerge& o) const { return key < o.key; }
  };
  std::vector<CounterMerge> merges;
  merges.reserve(totals.size() + daily.size() + pairs.size() + revivals.size());
  for (const auto& [key, d] : totals) merges.push_back({key, {d[0], d[1], d[2], 0}});
  for (const auto& [key, d] : daily) merges.push_back({key, d});
  for (const auto& [key, state] : pairs) merges.push_back({key, {state.delta, 0, 0, 0}});
  for (const auto& [key, n] : revivals) merges.push_back({key, {n, 0, 0, 0}});
  const std::string pages_key = storage::PagesCounterKey();
  if (new_pages > 0) merges.push_back({pages_key, {new_pages, 0, 0, 0}});
  std::sort(merges.begin(), merges.end());
  for (const CounterMerge& m : merges) {
    const int64_t* d = m.d.data();
    int n = 4;
    while (n > 0 && d[n - 1] == 0) --n;
    switch (n) {
      case 0: break;
      case 1: batch.AddCounters(m.key, {d[0]}); break;
      case 2: batch.AddCounters(m.key, {d[0], d[1]}); break;
      case 3: batch.AddCounters(m.key, {d[0], d[1], d[2]}); break;
      default: batch.AddCounters(m.key, {d[0], d[1], d[2], d[3]}); break;
    }
  }
  const bool new_last_day = last_day > history_last_day;
  if (new_last_day) {
    batch.Put(Family::kMeta, storage::kHistoryLastDayMetaKey, std::to_string(last_day));
  }
  strength_buckets->Stage(batch);

  RETURN_IF_ERROR(db.Write(batch));
  for (const auto& [key, state] : pairs) {
    if (pair_cache.size() >= options.pair_cache_entries) pair_cache.clear();
    pair_cache[core::Av(key)] = state.value;
  }
  if (new_last_day) history_last_day = last_day;
  if (absl::Status split = strength_buckets->AfterWrite(); !split.ok()) {
    // The pages are written; an oversized bucket only costs readers a longer
    // scan, and the next write to it retries the split.
    INLINKS_LOG(WARNING) << "pagination bucket split failed: " << split;
  }
  for (const PageWrites* w : kept) {
    stats.pages += w->delta.pages;
    stats.links_added += w->delta.links_added;
    stats.links_rewritten += w->delta.links_rewritten;
    stats.links_lost += w->delta.links_lost;
    stats.links_revived += w->delta.links_revived;
    stats.unchanged_pages += w->delta.unchanged_pages;
  }
  return absl::OkStatus();
}

std::vector<absl::Status> Indexer::Impl::ApplyAll(std::vector<GroupItem>& items) {
  std::vector<absl::Status> results(items.size());
  // Every item from `from` on that has no status yet gets `s`.
  auto fail_rest = [&](size_t from, const absl::Status& s) {
    for (size_t i = from; i < items.size(); ++i) {
      if (results[i].ok()) results[i] = items[i].prepared.ok() ? s : items[i].prepared.status();
    }
  };
  if (broken) {
    // A previous failure left a pagination directory unread; try again.
    if (absl::Status reload = ReloadDirectories(); !reload.ok()) {
      fail_rest(0, reload);
      return results;
    }
    broken = false;
  }
  size_t begin = 0;
  while (begin < items.size()) {
    // A batch holds each source page once: a page indexed twice in a row
    // must see its first indexing.
    absl::flat_hash_set<std::string> sources;
    size_t end = begin;
    std::vector<PageWrites> writes;
    std::vector<size_t> index;  // writes[k] is items[index[k]]
    writes.reserve(items.size() - begin);
    for (; end < items.size(); ++end) {
      GroupItem& item = items[end];
      if (!item.prepared.ok()) {
        results[end] = item.prepared.status();
        continue;
      }
      if (!sources.insert(item.prepared->source).second) break;
      absl::StatusOr<PageWrites> w = Diff(std::move(*item.prepared), item.page, item.facts);
      if (!w.ok()) {
        results[end] = w.status();
        continue;
      }
      writes.push_back(std::move(*w));
      index.push_back(end);
    }
    std::vector<PageWrites*> pages;
    std::vector<absl::Status> page_results(writes.size());
    for (PageWrites& w : writes) pages.push_back(&w);
    absl::Status s = pages.empty() ? absl::OkStatus() : Commit(pages, page_results);
    for (size_t k = 0; k < writes.size(); ++k) {
      results[index[k]] = s.ok() ? page_results[k] : s;
    }
    if (!s.ok()) {
      // Nothing of the batch is on disk: forget in-memory state derived
      // from it. Without a directory nothing more can be written.
      pair_cache.clear();
      if (absl::Status reload = ReloadDirectories(); !reload.ok()) {
        broken = true;
        fail_rest(end, reload);
        return results;
      }
    }
    begin = end;
  }
  return results;
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
  return impl_->ApplyOne({impl_->Prepare(page), &page, facts});
}

namespace {

absl::StatusOr<Prepared> PrepareGone(std::string_view source_url) {
  ASSIGN_OR_RETURN(core::Url source, core::ParseUrl(source_url));
  Prepared p;
  p.source = source.href();
  p.source_domain_key = core::HostKey(core::SiteOf(source.host()));
  return p;
}

bool IsGone(const core::FetchFacts& facts) {
  return facts.http_status == 404 || facts.http_status == 410;
}

}  // namespace

absl::Status Indexer::MarkGone(std::string_view source_url, const core::FetchFacts& facts) {
  return impl_->ApplyOne({PrepareGone(source_url), nullptr, facts});
}

absl::Status Indexer::Accept(const core::Page& page, const core::FetchFacts& facts) {
  if (IsGone(facts)) return MarkGone(page.url, facts);
  return Index(page, facts);
}

std::vector<absl::Status> Indexer::AcceptAll(std::span<const core::PageAndFacts> pages) {
  std::vector<GroupItem> items(pages.size());
  for (size_t i = 0; i < pages.size(); ++i) {
    const core::PageAndFacts& in = pages[i];
    GroupItem& item = items[i];
    item.facts = in.facts;
    if (IsGone(in.facts)) {
      item.prepared = PrepareGone(in.page->url);
    } else {
      item.prepared = impl_->Prepare(*in.page);
      item.page = in.page;
    }
  }
  absl::MutexLock lock(&impl_->mu);
  return impl_->ApplyAll(items);
}

IndexStats Indexer::stats() const {
  absl::MutexLock lock(&impl_->mu);
  return impl_->stats;
}

}  // namespace inlinks::indexer
