// See indexer.h. One group of pages = one storage::Batch (the write path):
//   kPages     the page record (always: last fetch moves)
//   kForward   the page's link list (live + remembered lost), when changed
//   kJournal   one entry: every page's link changes (journal.h), unless no
//              page is new and none changed a link
// The refresh (refresh.h) folds the journal into the published structures.
#include "inlinks/indexer/indexer.h"

#include <algorithm>
#include <ctime>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "inlinks/core/domain.h"
#include "inlinks/core/hash.h"
#include "inlinks/core/keys.h"
#include "inlinks/core/log.h"
#include "inlinks/core/status_macros.h"
#include "inlinks/core/url.h"
#include "inlinks/indexer/order.h"
#include "inlinks/storage/records.h"
#include "journal.h"
#include "refresh.h"

namespace inlinks::indexer {
namespace {

using storage::Family;
using storage::ForwardEntry;
using storage::LinkValue;

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

// The result of diffing one page against its stored state: its journal
// entry (the link changes) and its new page and forward records.
struct PageDiff {
  internal::JournalPage journal;
  std::string page_value;
  std::optional<std::string> forward_value;  // unset: the record is unchanged
  IndexStats delta;
  // Whether the refresh has anything to fold for the page.
  bool journaled() const { return journal.new_page || !journal.events.empty(); }
};

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
  absl::Mutex mu;  // the write path
  IndexStats stats ABSL_GUARDED_BY(mu);
  uint64_t next_seq ABSL_GUARDED_BY(mu) = 0;  // the next journal entry's
  uint64_t events_written ABSL_GUARDED_BY(mu) = 0;  // link changes journaled
  std::unique_ptr<internal::Refresher> refresher;
  // The background refresh (options.refresh_interval_ms > 0).
  absl::Mutex stop_mu;
  bool stop ABSL_GUARDED_BY(stop_mu) = false;
  bool wake ABSL_GUARDED_BY(stop_mu) = false;  // a writer waits: refresh now
  std::thread refresh_thread;

  absl::StatusOr<Prepared> Prepare(const core::Page& page) const;
  // The writes of one page against its stored state; reads only (and may
  // refresh first, see there).
  absl::StatusOr<PageDiff> Diff(Prepared p, const core::Page* page,
                                const core::FetchFacts& facts) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // Writes the records and the journal entry of `pages` (distinct sources)
  // in one atomic batch.
  absl::Status WriteGroup(std::vector<PageDiff>& pages) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // Indexes `items` in order, in as few batches as their sources allow; one
  // status per item.
  std::vector<absl::Status> ApplyAll(std::vector<GroupItem>& items)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // ApplyAll under the lock, then the refresh when it follows every write.
  std::vector<absl::Status> Apply(std::vector<GroupItem>& items) ABSL_LOCKS_EXCLUDED(mu);
  void RefreshLoop();
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

namespace {

// Gives the links of the page their identities (occurrence numbers among the
// links to one URL key) so that a link keeps its identity when others to the
// same URL come and go: an unchanged link takes its old number, a returning
// lost one its old number, a changed one a number whose old link is gone,
// and the rest fresh numbers.
void AssignOccurrences(std::vector<NewLink>& links,
                              const std::vector<ForwardEntry>& old) {
  std::unordered_map<std::string_view, std::vector<size_t>> old_by_key;
  for (size_t i = 0; i < old.size(); ++i) old_by_key[old[i].target_url_key].push_back(i);
  std::unordered_map<std::string_view, std::vector<size_t>> new_by_key;
  for (size_t i = 0; i < links.size(); ++i) new_by_key[links[i].url_key].push_back(i);
  for (auto& entry : new_by_key) {
    // Not a structured binding: clang 14 (the fuzz build) cannot capture one.
    const std::string_view key = entry.first;
    const std::vector<size_t>& news = entry.second;
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

}  // namespace

namespace {

// A page's stored state before it is indexed again.
struct StoredPage {
  std::optional<std::string> forward_bytes;
  std::vector<ForwardEntry> old;  // its forward record's entries
  storage::PageValue record;
  bool new_page = false;
};

absl::StatusOr<StoredPage> LoadStoredPage(const storage::Db& db, std::string_view source) {
  StoredPage s;
  ASSIGN_OR_RETURN(s.forward_bytes, db.Get(Family::kForward, source));
  if (s.forward_bytes) {
    ASSIGN_OR_RETURN(s.old, storage::DecodeForward(*s.forward_bytes));
  }
  ASSIGN_OR_RETURN(std::optional<std::string> page_bytes, db.Get(Family::kPages, source));
  s.new_page = !page_bytes.has_value();
  if (page_bytes) {
    ASSIGN_OR_RETURN(s.record, storage::DecodePageValue(*page_bytes));
  }
  return s;
}

using JournalType = internal::JournalEvent::Type;

void AddEvent(internal::JournalPage& j, JournalType type, std::string_view url_key,
              uint32_t domain_key_len, uint32_t occurrence, int64_t time, std::string value) {
  internal::JournalEvent& e = j.events.emplace_back();
  e.type = type;
  e.url_key = url_key;
  e.domain_key_len = domain_key_len;
  e.occurrence = occurrence;
  e.time = time;
  e.value = std::move(value);
}

// The page's links that are no longer on it: live ones become lost (one
// event each), lost ones stay remembered, the oldest forgotten beyond
// `max_kept`. Returns the entries to keep, in their order.
std::vector<ForwardEntry> LoseMissing(StoredPage& s, const std::vector<bool>& matched,
                                      int64_t now, size_t max_kept, PageDiff& d,
                                      bool& forward_changed) {
  std::vector<ForwardEntry> remembered;
  for (size_t i = 0; i < s.old.size(); ++i) {
    if (matched[i]) continue;
    ForwardEntry e = s.old[i];
    if (!e.lost) {
      AddEvent(d.journal, JournalType::kLost, e.target_url_key, e.domain_key_len, e.occurrence,
               now, {});
      e.lost = true;
      e.lost_time = now;
      ++d.delta.links_lost;
      forward_changed = true;
    }
    remembered.push_back(std::move(e));
  }
  if (remembered.size() > max_kept) {
    // Forget the oldest losses first (their kLost records stay).
    std::stable_sort(remembered.begin(), remembered.end(),
                     [](const ForwardEntry& a, const ForwardEntry& b) {
                       return a.lost_time > b.lost_time;
                     });
    s.record.forgotten_lost += static_cast<uint32_t>(remembered.size() - max_kept);
    remembered.resize(max_kept);
    forward_changed = true;
  }
  return remembered;
}

// The page record after this fetch.
void UpdatePageRecord(storage::PageValue& record, bool new_page, int64_t now,
                      const core::Page* page, const core::FetchFacts& facts, size_t live) {
  if (new_page) record.first_fetch = now;
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
  record.live_records = static_cast<uint32_t>(live);
}

}  // namespace

absl::StatusOr<PageDiff> Indexer::Impl::Diff(Prepared p, const core::Page* page,
                                             const core::FetchFacts& facts) {
  const int64_t now = facts.fetch_time_unix != 0 ? facts.fetch_time_unix : NowUnix();
  ASSIGN_OR_RETURN(StoredPage s, LoadStoredPage(db, p.source));
  storage::PageValue& record = s.record;
  PageDiff d;
  internal::JournalPage& j = d.journal;
  j.day = storage::UnixDay(now);
  j.new_page = s.new_page;
  // The page's strength as its links are listed in kStrength (a new page has
  // none until the rank job runs; the job moves the entries when it changes).
  j.sr_tenths = storage::SrTenths(record.rank);
  AssignOccurrences(p.links, s.old);
  // A page's links are attributed to the source domain recorded when it was
  // first indexed, so a public-suffix list update cannot make its counts
  // drift (the attribution moves only when the page has no live links).
  if (!record.source_domain_key.empty() && record.live_records > 0) {
    p.source_domain_key = record.source_domain_key;
  }
  record.source_domain_key = p.source_domain_key;
  // A link new to the forward record may be one whose loss it forgot: kLost
  // tells, once every loss the journal holds is folded into it.
  if (record.forgotten_lost > 0) RETURN_IF_ERROR(refresher->Fold());

  // Index the old entries by identity.
  absl::flat_hash_map<std::pair<std::string_view, uint32_t>, size_t> old_index;
  old_index.reserve(s.old.size());
  for (size_t i = 0; i < s.old.size(); ++i) {
    old_index.emplace(
        std::make_pair(std::string_view(s.old[i].target_url_key), s.old[i].occurrence), i);
  }
  std::vector<bool> old_matched(s.old.size(), false);
  IndexStats& delta = d.delta;
  bool forward_changed = false;
  std::vector<ForwardEntry> next;
  next.reserve(p.links.size() + s.old.size());
  for (const NewLink& n : p.links) {
    ForwardEntry e;
    e.target_url_key = n.url_key;
    e.occurrence = n.occurrence;
    e.domain_key_len = n.domain_key_len;
    e.hash = n.hash;
    e.position = n.value.position;
    e.first_seen = now;
    LinkValue v = n.value;
    auto it = old_index.find(std::make_pair(std::string_view(n.url_key), n.occurrence));
    if (it != old_index.end()) {
      const ForwardEntry& o = s.old[it->second];
      old_matched[it->second] = true;
      e.first_seen = v.first_seen = o.first_seen;
      // The domain scope a link was counted in is part of its identity.
      e.domain_key_len = o.domain_key_len;
      if (o.lost) {
        // Back again: live with its original first-seen.
        AddEvent(j, JournalType::kRevived, n.url_key, o.domain_key_len, n.occurrence,
                 o.lost_time, storage::EncodeLinkValue(v));
        ++delta.links_revived;
        forward_changed = true;
      } else if (o.hash != n.hash || o.position != n.value.position) {
        AddEvent(j, JournalType::kRewritten, n.url_key, o.domain_key_len, n.occurrence, 0,
                 storage::EncodeLinkValue(v));
        ++delta.links_rewritten;
        forward_changed = true;
      }
    } else {
      v.first_seen = now;
      JournalType type = JournalType::kNew;
      int64_t lost_time = 0;
      if (record.forgotten_lost > 0) {
        std::string key = storage::ReverseKey(n.url_key, p.source, n.occurrence);
        ASSIGN_OR_RETURN(std::optional<std::string> lost_bytes, db.Get(Family::kLost, key));
        if (lost_bytes) {
          ASSIGN_OR_RETURN(LinkValue old_value, storage::DecodeLinkValue(*lost_bytes));
          e.first_seen = v.first_seen = old_value.first_seen;
          type = JournalType::kRevived;
          lost_time = old_value.lost_time;
          --record.forgotten_lost;
        }
      }
      AddEvent(j, type, n.url_key, n.domain_key_len, n.occurrence, lost_time,
               storage::EncodeLinkValue(v));
      ++(type == JournalType::kNew ? delta.links_added : delta.links_revived);
      forward_changed = true;
    }
    next.push_back(std::move(e));
  }
  for (ForwardEntry& e : LoseMissing(s, old_matched, now, options.max_lost_kept_per_page, d,
                                     forward_changed)) {
    next.push_back(std::move(e));
  }
  UpdatePageRecord(record, s.new_page, now, page, facts, p.links.size());
  d.page_value = storage::EncodePageValue(record);
  if (forward_changed || !s.forward_bytes) d.forward_value = storage::EncodeForward(next);
  ++delta.pages;
  if (!forward_changed && s.forward_bytes) ++delta.unchanged_pages;
  j.source = std::move(p.source);
  j.source_domain_key = std::move(p.source_domain_key);
  return d;
}

absl::Status Indexer::Impl::WriteGroup(std::vector<PageDiff>& pages) {
  storage::Batch batch(db);
  std::vector<const internal::JournalPage*> journal;
  for (const PageDiff& d : pages) {
    batch.Put(Family::kPages, d.journal.source, d.page_value);
    if (d.forward_value) batch.Put(Family::kForward, d.journal.source, *d.forward_value);
    if (d.journaled()) journal.push_back(&d.journal);
  }
  if (!journal.empty()) {
    batch.Put(Family::kJournal, internal::JournalKey(next_seq),
              internal::EncodeJournalEntry(journal));
  }
  RETURN_IF_ERROR(db.Write(batch));
  if (!journal.empty()) ++next_seq;
  for (const internal::JournalPage* j : journal) events_written += j->events.size();
  for (const PageDiff& d : pages) {
    stats.pages += d.delta.pages;
    stats.links_added += d.delta.links_added;
    stats.links_rewritten += d.delta.links_rewritten;
    stats.links_lost += d.delta.links_lost;
    stats.links_revived += d.delta.links_revived;
    stats.unchanged_pages += d.delta.unchanged_pages;
  }
  return absl::OkStatus();
}

std::vector<absl::Status> Indexer::Impl::ApplyAll(std::vector<GroupItem>& items) {
  std::vector<absl::Status> results(items.size());
  size_t begin = 0;
  while (begin < items.size()) {
    // A batch holds each source page once: a page indexed twice in a row
    // must see its first indexing.
    absl::flat_hash_set<std::string> sources;
    size_t end = begin;
    std::vector<PageDiff> diffs;
    std::vector<size_t> index;  // diffs[k] is items[index[k]]
    diffs.reserve(items.size() - begin);
    for (; end < items.size(); ++end) {
      GroupItem& item = items[end];
      if (!item.prepared.ok()) {
        results[end] = item.prepared.status();
        continue;
      }
      if (!sources.insert(item.prepared->source).second) break;
      absl::StatusOr<PageDiff> d = Diff(std::move(*item.prepared), item.page, item.facts);
      if (!d.ok()) {
        results[end] = d.status();
        continue;
      }
      diffs.push_back(std::move(*d));
      index.push_back(end);
    }
    absl::Status s = diffs.empty() ? absl::OkStatus() : WriteGroup(diffs);
    for (size_t k : index) results[k] = s;
    begin = end;
  }
  return results;
}

std::vector<absl::Status> Indexer::Impl::Apply(std::vector<GroupItem>& items) {
  std::vector<absl::Status> results;
  uint64_t written = 0;
  {
    absl::MutexLock lock(&mu);
    results = ApplyAll(items);
    written = events_written;
  }
  absl::Status published;
  if (options.refresh_interval_ms == 0) {
    // Published before the call returns.
    published = refresher->Fold();
  } else if (written > options.max_pending_events &&
             !refresher->HasFolded(written - options.max_pending_events)) {
    // Backpressure: wait until the backlog is back within bounds.
    {
      absl::MutexLock lock(&stop_mu);
      wake = true;
    }
    published = refresher->WaitForFolded(written - options.max_pending_events);
  }
  // A page whose refresh failed is stored but not yet visible: it gets the
  // error.
  if (!published.ok()) {
    for (absl::Status& r : results) {
      if (r.ok()) r = published;
    }
  }
  return results;
}

void Indexer::Impl::RefreshLoop() {
  uint64_t failures = 0;
  absl::MutexLock lock(&stop_mu);
  auto stop_or_wake = [this]() ABSL_SHARED_LOCKS_REQUIRED(stop_mu) { return stop || wake; };
  while (true) {
    stop_mu.AwaitWithTimeout(absl::Condition(&stop_or_wake),
                             absl::Milliseconds(options.refresh_interval_ms));
    if (stop) break;
    wake = false;
    stop_mu.Unlock();
    absl::Status s = refresher->Fold();
    stop_mu.Lock();
    // Entries not folded stay in the journal for the next try; say so once
    // per hundred failures.
    if (!s.ok() && failures++ % 100 == 0) {
      INLINKS_LOG(ERROR) << "index refresh failed (will retry): " << s;
    }
  }
}

absl::Status RefreshIndex(storage::Db& db, const IndexerOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<internal::Refresher> refresher,
                   internal::Refresher::Create(db, options));
  return refresher->Fold();
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
  // What a process that stopped or died left in the journal is published
  // first; then a database indexed before the strength order gets it.
  RETURN_IF_ERROR(RefreshIndex(db, options));
  RETURN_IF_ERROR(EnsureStrengthOrder(db, options.bucket_target).status());
  auto impl = std::make_unique<Impl>(db, options);
  ASSIGN_OR_RETURN(impl->refresher, internal::Refresher::Create(db, options));
  {
    absl::MutexLock lock(&impl->mu);
    impl->next_seq = impl->refresher->next_seq();
  }
  if (options.refresh_interval_ms > 0) {
    impl->refresh_thread = std::thread(&Impl::RefreshLoop, impl.get());
  }
  return std::unique_ptr<Indexer>(new Indexer(std::move(impl)));
}

Indexer::Indexer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Indexer::~Indexer() {
  if (impl_->refresh_thread.joinable()) {
    {
      absl::MutexLock lock(&impl_->stop_mu);
      impl_->stop = true;
    }
    impl_->refresh_thread.join();
  }
  if (absl::Status s = impl_->refresher->Fold(); !s.ok()) {
    INLINKS_LOG(ERROR) << "final index refresh failed (the next writer folds the journal): "
                       << s;
  }
}

absl::Status Indexer::Refresh() { return impl_->refresher->Fold(); }

RefreshStats Indexer::refresh_stats() const { return impl_->refresher->stats(); }

absl::Status Indexer::Index(const core::Page& page, const core::FetchFacts& facts) {
  std::vector<GroupItem> items;
  items.push_back({impl_->Prepare(page), &page, facts});
  return impl_->Apply(items)[0];
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
  std::vector<GroupItem> items;
  items.push_back({PrepareGone(source_url), nullptr, facts});
  return impl_->Apply(items)[0];
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
  return impl_->Apply(items);
}

IndexStats Indexer::stats() const {
  absl::MutexLock lock(&impl_->mu);
  return impl_->stats;
}

}  // namespace inlinks::indexer
