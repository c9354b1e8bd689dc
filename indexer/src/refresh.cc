// See refresh.h. One run of journal entries = one storage::Batch:
//   kLinks/kLost   reverse records that changed
//   kCounters      C per scope (live, lost, referring domains), P (pair),
//                  D per scope and day (new, lost, revived, referring-domain
//                  change), V per scope and lost day (revivals), G (pages)
//   kStrength      the strength-order entries of links added or lost (three
//                  per link: domain, host and URL scope), and the counts of
//                  their pagination buckets (kStrengthBuckets) that changed
//   kJournal       the deletes of the entries folded
#include "refresh.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "inlinks/core/log.h"
#include "inlinks/core/status_macros.h"
#include "inlinks/core/string_view.h"
#include "inlinks/storage/records.h"
#include "journal.h"
#include "strength.h"

namespace inlinks::indexer::internal {

using storage::Family;
using storage::LinkValue;
using storage::ScopeKind;

// Counter fields gathered per scope: [0..2] as in the 'C' counter (live,
// lost, referring domains), then the day's events (new, lost, revived).
enum { kNewEvents = 3, kLostEvents = 4, kRevivedEvents = 5 };

struct StrengthPut {
  std::string key;
  size_t link;   // its value is that of link_puts[link] (a copy of the record)
  bool counted;  // a new entry (counted in the directory), not a rewrite
};

// Everything folding one journal page writes.
struct PageWrites {
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
};

// A (scope, source domain) pair the pages of a run change: its count as the
// run goes, page by page (read before the run), and the sum of the run's
// changes to it. Keyed by views of the pages' own pair keys.
struct PairState {
  int64_t value = 0;
  int64_t delta = 0;
};
using PairStates = absl::flat_hash_map<std::string_view, PairState>;

struct Refresher::Run {
  std::vector<uint64_t> seqs;
  std::vector<PageWrites> pages;
  size_t events = 0;
};

namespace {

enum class Event { kNew, kRevived, kLost };

// What the page's events change, in PageWrites form. Reads the live record
// of each lost link (kLinks holds it: a run never holds a source twice).
absl::Status Derive(const storage::Db& db, const JournalPage& p, PageWrites& w) {
  w.day = p.day;
  w.new_page = p.new_page;
  auto count = [&](std::string_view url_key, uint32_t domain_len, Event event, int64_t lost_time) {
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
  // record's value, right after the record joined link_puts.
  auto list = [&](const JournalEvent& e, bool counted) {
    for (std::string& k : StrengthKeys(p.source, p.sr_tenths, e.url_key, e.domain_key_len,
                                       e.occurrence)) {
      w.strength_puts.push_back({std::move(k), w.link_puts.size() - 1, counted});
    }
  };
  for (const JournalEvent& e : p.events) {
    std::string key = storage::ReverseKey(e.url_key, p.source, e.occurrence);
    switch (e.type) {
      case JournalEvent::Type::kNew:
        w.link_puts.emplace_back(std::move(key), e.value);
        list(e, true);
        count(e.url_key, e.domain_key_len, Event::kNew, 0);
        break;
      case JournalEvent::Type::kRevived:
        w.lost_deletes.push_back(key);
        w.link_puts.emplace_back(std::move(key), e.value);
        list(e, true);
        count(e.url_key, e.domain_key_len, Event::kRevived, e.time);
        break;
      case JournalEvent::Type::kRewritten:
        w.link_puts.emplace_back(std::move(key), e.value);
        list(e, false);
        break;
      case JournalEvent::Type::kLost: {
        ASSIGN_OR_RETURN(std::optional<std::string> bytes, db.Get(Family::kLinks, key));
        if (!bytes) {
          return absl::DataLossError(absl::StrCat("journal of ", p.source,
                                                  " loses a link that has no reverse record"));
        }
        ASSIGN_OR_RETURN(LinkValue v, storage::DecodeLinkValue(*bytes));
        v.lost_time = e.time;
        w.link_deletes.push_back(key);
        w.lost_puts.emplace_back(std::move(key), storage::EncodeLinkValue(v));
        for (std::string& k : StrengthKeys(p.source, p.sr_tenths, e.url_key, e.domain_key_len,
                                           e.occurrence)) {
          w.strength_deletes.push_back(std::move(k));
        }
        count(e.url_key, e.domain_key_len, Event::kLost, 0);
        break;
      }
    }
  }
  return absl::OkStatus();
}

// Adds the counter merges `merges` to `batch` in key order, trailing zero
// fields left out.
struct CounterMerge {
  std::string_view key;
  std::array<int64_t, 4> d;
  bool operator<(const CounterMerge& o) const { return key < o.key; }
};

void AddMerges(std::vector<CounterMerge>& merges, storage::Batch& batch) {
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
}

}  // namespace

Refresher::Refresher(storage::Db& db, const IndexerOptions& options)
    : db_(db), options_(options), batch_(db) {}
Refresher::~Refresher() = default;

absl::StatusOr<std::unique_ptr<Refresher>> Refresher::Create(storage::Db& db,
                                                            const IndexerOptions& options) {
  std::unique_ptr<Refresher> r(new Refresher(db, options));
  absl::MutexLock lock(&r->mu_);
  ASSIGN_OR_RETURN(r->strength_buckets_,
                   storage::BucketDirectory::Load(db, options.bucket_target,
                                                  storage::kStrengthOrderBuckets));
  ASSIGN_OR_RETURN(r->history_last_day_, storage::GetHistoryLastDay(db));
  ASSIGN_OR_RETURN(std::optional<uint64_t> folded, storage::GetJournalFolded(db));
  if (folded) {
    r->next_seq_ = *folded + 1;
    // Entries a crash left between a run's write and the deletes of its
    // entries: folded already.
    storage::Batch deletes(db);
    auto it = db.NewIterator(Family::kJournal, {"", JournalKey(r->next_seq_)});
    for (it->SeekToFirst(); it->Valid(); it->Next()) deletes.Delete(Family::kJournal, it->key());
    RETURN_IF_ERROR(it->status());
    if (deletes.Count() > 0) RETURN_IF_ERROR(db.Write(deletes));
  }
  return r;
}

absl::Status Refresher::WaitForFolded(uint64_t events) {
  absl::MutexLock lock(&progress_mu_);
  const uint64_t failures = failures_;
  auto done = [&]() ABSL_SHARED_LOCKS_REQUIRED(progress_mu_) {
    return folded_events_ >= events || failures_ > failures;
  };
  progress_mu_.Await(absl::Condition(&done));
  return folded_events_ >= events ? absl::OkStatus() : last_error_;
}

bool Refresher::HasFolded(uint64_t events) const {
  absl::MutexLock lock(&progress_mu_);
  return folded_events_ >= events;
}

uint64_t Refresher::next_seq() const {
  absl::MutexLock lock(&mu_);
  return next_seq_;
}

RefreshStats Refresher::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

absl::Status Refresher::Fold() {
  absl::MutexLock lock(&mu_);
  const auto start = std::chrono::steady_clock::now();
  if (broken_) {
    RETURN_IF_ERROR(strength_buckets_->Reload());
    broken_ = false;
  }
  // The iterator reads the journal as it is now: entries written meanwhile
  // wait for the next call.
  auto it = db_.NewIterator(Family::kJournal, {JournalKey(next_seq_), ""});
  it->SeekToFirst();
  Run run;
  absl::flat_hash_set<std::string> sources;
  uint64_t pages = 0, events = 0;
  auto fold = [&]() -> absl::Status {
    if (run.seqs.empty()) return absl::OkStatus();
    absl::Status s = FoldRun(run);
    if (s.ok()) {
      pages += run.pages.size();
      events += run.events;
    }
    run = Run();
    sources.clear();
    return s;
  };
  // What the runs published counts even when a later one fails.
  absl::Cleanup count = [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    if (pages == 0) return;
    ++stats_.refreshes;
    stats_.pages += pages;
    stats_.events += events;
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    stats_.seconds += secs;
    stats_.last_seconds = secs;
  };
  for (; it->Valid(); it->Next()) {
    ASSIGN_OR_RETURN(uint64_t seq, JournalSeq(it->key()));
    ASSIGN_OR_RETURN(std::vector<JournalPage> entry, DecodeJournalEntry(it->value()));
    // A run holds each source once (a page indexed twice must see its first
    // indexing folded), and a bounded number of events.
    bool repeats = false;
    for (const JournalPage& p : entry) repeats |= sources.contains(p.source);
    if (repeats || run.events > options_.max_refresh_events) RETURN_IF_ERROR(fold());
    for (const JournalPage& p : entry) {
      sources.insert(p.source);
      PageWrites& w = run.pages.emplace_back();
      RETURN_IF_ERROR(Derive(db_, p, w));
      run.events += p.events.size();
    }
    run.seqs.push_back(seq);
  }
  RETURN_IF_ERROR(it->status());
  return fold();
}

absl::Status Refresher::FoldRun(Run& run) {
  std::vector<PageWrites*> pages;
  for (PageWrites& w : run.pages) pages.push_back(&w);
  batch_.Clear();
  batch_.Put(Family::kMeta, storage::kJournalFoldedMetaKey, std::to_string(run.seqs.back()));
  if (absl::Status s = Commit(pages, batch_, run.events >= options_.ingest_min_events); !s.ok()) {
    // Nothing of the run is on disk: forget in-memory state derived from it.
    pair_cache_.clear();
    broken_ = true;
    ++stats_.errors;
    absl::MutexLock lock(&progress_mu_);
    ++failures_;
    last_error_ = s;
    return s;
  }
  stats_.entries += run.seqs.size();
  next_seq_ = run.seqs.back() + 1;
  // The run is published; its entries are folded (the meta key says so)
  // whether or not their deletes reach the disk.
  storage::Batch deletes(db_);
  for (uint64_t seq : run.seqs) deletes.Delete(Family::kJournal, JournalKey(seq));
  absl::Status deleted = db_.Write(deletes);
  absl::MutexLock lock(&progress_mu_);
  folded_events_ += run.events;
  return deleted;
}

absl::Status Refresher::ReadPairs(const std::vector<PageWrites*>& pages, PairStates& pairs) {
  std::vector<std::string> missing;
  for (const PageWrites* w : pages) {
    for (const auto& [pair_key, d] : w->pairs) {
      if (d == 0) continue;
      auto [state, inserted] = pairs.try_emplace(pair_key);
      if (!inserted) continue;
      auto cached = pair_cache_.find(pair_key);
      if (cached != pair_cache_.end()) {
        state->second.value = cached->second;
      } else {
        missing.push_back(pair_key);
      }
    }
  }
  if (missing.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::vector<int64_t> read, db_.MultiGetCounter(missing));
  for (size_t i = 0; i < missing.size(); ++i) pairs.find(missing[i])->second.value = read[i];
  return absl::OkStatus();
}

absl::Status Refresher::Commit(std::vector<PageWrites*>& pages, storage::Batch& batch,
                               bool ingest) {
  // Referring domains: a (scope, source domain) pair going 0 -> n or n -> 0
  // adds or removes one referring domain of the scope, on the day of the page
  // that moved it. Pages are taken in order, as if written one by one.
  // Keys are views of the pages' own keys, which stay put until they return.
  PairStates pairs;
  RETURN_IF_ERROR(ReadPairs(pages, pairs));
  struct PairChange {
    std::string_view key;
    int64_t d;
    PairState* state;
  };
  std::vector<PairChange> changes;
  for (PageWrites* page : pages) {
    PageWrites& w = *page;
    changes.clear();
    bool negative = false;
    for (const auto& [pair_key, d] : w.pairs) {
      if (d == 0) continue;
      PairState& state = pairs.find(pair_key)->second;
      negative |= state.value + d < 0;
      changes.push_back({pair_key, d, &state});
    }
    if (negative) {
      return absl::DataLossError(
          "referring-domain pair counter would go negative (run `inlinks check`)");
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
  }

  // Everything the pages change, summed per key: one merge per counter for
  // the whole batch.
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
  for (PageWrites* w : pages) {
    for (const std::string& k : w->lost_deletes) batch.Delete(Family::kLost, k);
    for (const auto& [k, v] : w->lost_puts) batch.Put(Family::kLost, k, v);
    for (const std::string& k : w->link_deletes) batch.Delete(Family::kLinks, k);
    for (const std::string& k : w->strength_deletes) {
      strength_buckets_->OnDelete(k);
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
  }
  // kLinks and kStrength writes enter the batch sorted: RocksDB's memtable
  // inserts sorted keys faster.
  std::sort(link_puts.begin(), link_puts.end());
  for (const auto& [key, value] : link_puts) batch.Put(Family::kLinks, key, value);
  std::sort(strength_puts.begin(), strength_puts.end(),
            [](const StrengthWrite& a, const StrengthWrite& b) { return a.key < b.key; });
  for (const StrengthWrite& sp : strength_puts) {
    if (sp.counted) strength_buckets_->OnInsert(sp.key);
    batch.Put(Family::kStrength, sp.key, sp.value);
  }
  std::vector<CounterMerge> merges;
  merges.reserve(totals.size() + daily.size() + pairs.size() + revivals.size() + 1);
  for (const auto& [key, d] : totals) merges.push_back({key, {d[0], d[1], d[2], 0}});
  for (const auto& [key, d] : daily) merges.push_back({key, d});
  for (const auto& [key, state] : pairs) merges.push_back({key, {state.delta, 0, 0, 0}});
  for (const auto& [key, n] : revivals) merges.push_back({key, {n, 0, 0, 0}});
  const std::string pages_key = storage::PagesCounterKey();
  if (new_pages > 0) merges.push_back({pages_key, {new_pages, 0, 0, 0}});
  AddMerges(merges, batch);
  const bool new_last_day = last_day > history_last_day_;
  if (new_last_day) {
    batch.Put(Family::kMeta, storage::kHistoryLastDayMetaKey, std::to_string(last_day));
  }
  strength_buckets_->Stage(batch);

  RETURN_IF_ERROR(ingest ? db_.Ingest(batch) : db_.Write(batch));
  for (const auto& [key, state] : pairs) {
    if (pair_cache_.size() >= options_.pair_cache_entries) pair_cache_.clear();
    pair_cache_[core::Av(key)] = state.value;
  }
  if (new_last_day) history_last_day_ = last_day;
  if (absl::Status split = strength_buckets_->AfterWrite(); !split.ok()) {
    // The pages are written; an oversized bucket only costs readers a longer
    // scan, and the next write to it retries the split.
    INLINKS_LOG(WARNING) << "pagination bucket split failed: " << split;
  }
  return absl::OkStatus();
}

}  // namespace inlinks::indexer::internal
