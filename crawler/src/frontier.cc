// The persistent frontier (frontier.h). Record layout in docs/keys.md
// ("Frontier records").
#include "inlinks/crawler/frontier.h"

#include <algorithm>
#include <queue>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "inlinks/core/coding.h"
#include "inlinks/core/domain.h"
#include "inlinks/core/hash.h"
#include "inlinks/core/keys.h"
#include "inlinks/core/status_macros.h"
#include "inlinks/core/string_view.h"
#include "seen_set.h"

namespace inlinks::crawler {
namespace {

using core::Av;
using core::Sv;
using storage::Family;

constexpr char kSeenTag = 's';
constexpr char kQueueTag = 'q';
constexpr char kScheduleTag = 'r';  // due time: written by older builds only
constexpr char kFetchedTag = 'f';   // fetch time: due after the interval in force
constexpr char kSeedTag = 'S';
constexpr char kHostCountTag = 'n';
constexpr uint8_t kEntryVersion = 1;

std::string SeenKey(uint64_t hash) {
  std::string k(1, kSeenTag);
  core::PutFixed64BE(k, hash);
  return k;
}

std::string QueuePrefix(std::string_view host) {
  std::string k(1, kQueueTag);
  k.append(host);
  k.push_back('\0');
  return k;
}

std::string QueueKey(std::string_view host, uint64_t seq) {
  std::string k = QueuePrefix(host);
  core::PutFixed64BE(k, seq);
  return k;
}

// A re-crawl record: `tag` then a time (kScheduleTag: when it is due;
// kFetchedTag: when the page was fetched) and a sequence number.
std::string ScheduleKey(char tag, int64_t ms, uint64_t seq) {
  std::string k(1, tag);
  core::PutFixed64BE(k, static_cast<uint64_t>(std::max<int64_t>(0, ms)));
  core::PutFixed64BE(k, seq);
  return k;
}

std::string HostCountKey(std::string_view host) { return absl::StrCat("n", Av(host)); }

struct Entry {
  uint32_t depth = 0;
  EntryKind kind = EntryKind::kPage;
  uint8_t redirects = 0;
  uint8_t attempts = 0;
  std::string url;
};

std::string EncodeEntry(const Entry& e) {
  std::string v;
  v.push_back(static_cast<char>(kEntryVersion));
  core::PutVarint64(v, e.depth);
  v.push_back(static_cast<char>(e.kind));
  v.push_back(static_cast<char>(e.redirects));
  v.push_back(static_cast<char>(e.attempts));
  core::PutLengthPrefixed(v, e.url);
  return v;
}

absl::StatusOr<Entry> DecodeEntry(std::string_view bytes) {
  core::Decoder d(bytes);
  uint8_t version = 0, kind = 0;
  Entry e;
  std::string_view url;
  if (!d.GetByte(version) || version != kEntryVersion || !d.GetVarint32(e.depth) ||
      !d.GetByte(kind) || kind > 1 || !d.GetByte(e.redirects) || !d.GetByte(e.attempts) ||
      !d.GetLengthPrefixed(url) || !d.done()) {
    return absl::DataLossError("malformed frontier entry");
  }
  e.kind = static_cast<EntryKind>(kind);
  e.url.assign(url);
  return e;
}

core::KeyRange TagRange(char tag) {
  return core::KeyRange{std::string(1, tag), std::string(1, static_cast<char>(tag + 1))};
}

}  // namespace

std::string_view AddResultName(AddResult r) {
  switch (r) {
    case AddResult::kAdded: return "added";
    case AddResult::kSeen: return "seen";
    case AddResult::kOutOfScope: return "out_of_scope";
    case AddResult::kTooDeep: return "too_deep";
    case AddResult::kTrap: return "trap";
    case AddResult::kHostFull: return "host_full";
  }
  return "unknown";
}

std::string Frontier::HostQueueKey(const core::Url& url) {
  if (url.port() == 0) return std::string(url.host());
  return absl::StrCat(std::string(url.host()), ":", url.port());
}

bool Frontier::PassesTrapLimits(const core::Url& url, const FrontierOptions& o) {
  if (url.href().size() > o.max_url_length) return false;
  std::string_view path = url.path();
  // Segments, and how often the most repeated one occurs.
  absl::flat_hash_map<std::string_view, uint32_t> counts;
  uint32_t segments = 0;
  size_t pos = 1;
  while (pos <= path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(pos, end - pos);
    if (!seg.empty()) {
      if (++segments > o.max_path_depth) return false;
      if (++counts[seg] > o.max_repeated_segment) return false;
    }
    pos = end + 1;
  }
  if (url.has_query() && !url.query().empty()) {
    std::string_view q = url.query();
    uint32_t params = 1 + static_cast<uint32_t>(std::count(q.begin(), q.end(), '&'));
    if (params > o.max_query_params) return false;
  }
  return true;
}

struct Frontier::Impl {
  struct Host {
    std::string key;
    uint64_t cursor = 0;    // next queue seq to read
    uint64_t queued = 0;    // entries with seq >= cursor
    uint64_t accepted = 0;  // URLs ever queued for the host (max_pages_per_host)
    int64_t next_allowed = 0;
    bool busy = false;
    bool in_heap = false;
  };
  // A URL accepted into the batch being built, applied to memory after the
  // write succeeds.
  struct Pending {
    uint64_t hash;
    std::string host;
    bool new_url;  // counts toward seen/accepted (false for re-queues)
  };
  struct Staging {
    storage::Batch batch;
    std::vector<Pending> pending;
    absl::flat_hash_set<uint64_t> hashes;
    absl::flat_hash_map<std::string, uint64_t> accepted_delta;
    explicit Staging(const storage::Db& db) : batch(db) {}
  };
  using HeapItem = std::pair<int64_t, uint32_t>;

  Impl(storage::Db& db, const FrontierOptions& options) : db(db), options(options) {}

  storage::Db& db;
  const FrontierOptions options;
  mutable absl::Mutex mu;
  SeenSet seen ABSL_GUARDED_BY(mu);
  absl::flat_hash_set<std::string> seed_hosts ABSL_GUARDED_BY(mu);
  absl::flat_hash_set<std::string> seed_domains ABSL_GUARDED_BY(mu);
  std::vector<Host> hosts ABSL_GUARDED_BY(mu);
  absl::flat_hash_map<std::string, uint32_t> host_ids ABSL_GUARDED_BY(mu);
  std::priority_queue<HeapItem, std::vector<HeapItem>, std::greater<>> ready ABSL_GUARDED_BY(mu);
  uint64_t next_seq ABSL_GUARDED_BY(mu) = 1;
  uint64_t queued ABSL_GUARDED_BY(mu) = 0;
  uint64_t in_flight ABSL_GUARDED_BY(mu) = 0;
  uint64_t scheduled ABSL_GUARDED_BY(mu) = 0;
  uint64_t refused[6] ABSL_GUARDED_BY(mu) = {};

  uint32_t HostId(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    auto [it, inserted] = host_ids.try_emplace(key, static_cast<uint32_t>(hosts.size()));
    if (inserted) hosts.push_back(Host{.key = key});
    return it->second;
  }

  void MaybeReady(uint32_t id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    Host& h = hosts[id];
    if (!h.busy && !h.in_heap && h.queued > 0) {
      h.in_heap = true;
      ready.emplace(h.next_allowed, id);
    }
  }

  bool InScope(const core::Url& url) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    switch (options.scope) {
      case CrawlScope::kAll: return true;
      case CrawlScope::kSeedHosts: return seed_hosts.contains(HostQueueKey(url));
      case CrawlScope::kSeedDomains: return seed_domains.contains(core::SiteOf(url.host()));
    }
    return false;
  }

  // Filters `url` and stages it into `st`. `seed` bypasses scope and depth.
  AddResult Stage(Staging& st, std::string_view url_text, uint32_t depth, EntryKind kind,
                  uint32_t redirects, bool seed) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    absl::StatusOr<core::Url> url = core::ParseUrl(url_text);
    AddResult r = AddResult::kAdded;
    if (!url.ok() || !PassesTrapLimits(*url, options)) {
      r = AddResult::kTrap;
    } else if (!seed && (depth > options.max_depth || redirects > options.max_redirects)) {
      r = AddResult::kTooDeep;
    } else if (!seed && !InScope(*url)) {
      r = AddResult::kOutOfScope;
    }
    uint64_t hash = 0;
    std::string host;
    if (r == AddResult::kAdded) {
      hash = core::StableHash64(url->href());
      if (seen.contains(hash) || st.hashes.contains(hash)) r = AddResult::kSeen;
    }
    if (r == AddResult::kAdded) {
      host = HostQueueKey(*url);
      uint64_t accepted = st.accepted_delta[host];
      if (auto it = host_ids.find(host); it != host_ids.end()) {
        accepted += hosts[it->second].accepted;
      }
      if (options.max_pages_per_host != 0 && accepted >= options.max_pages_per_host) {
        r = AddResult::kHostFull;
      }
    }
    if (r != AddResult::kAdded) {
      ++refused[static_cast<int>(r)];
      return r;
    }
    uint64_t seq = next_seq++;
    st.batch.Put(Family::kFrontier, SeenKey(hash), "");
    st.batch.Put(Family::kFrontier, QueueKey(host, seq),
                 EncodeEntry(Entry{depth, kind, static_cast<uint8_t>(redirects), 0, url->href()}));
    st.hashes.insert(hash);
    ++st.accepted_delta[host];
    st.pending.push_back(Pending{hash, std::move(host), true});
    return r;
  }

  // Writes `st` and applies it to memory.
  // A page given up on (unreachable, robots.txt, attempts spent) is tried
  // again a re-crawl interval later, like a fetched one: stages its 'f'
  // record in `batch`; true when staged (pages only).
  bool StageRetryLater(storage::Batch& batch, const Entry& e, int64_t now_ms)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (e.kind != EntryKind::kPage) return false;
    batch.Put(Family::kFrontier, ScheduleKey(kFetchedTag, now_ms, next_seq++),
              EncodeEntry(Entry{e.depth, e.kind, 0, 0, e.url}));
    return true;
  }

  // Stages the move of the re-crawl records below `end` (one tag's range)
  // into their host queues, at most 10,000 in all; `moved` counts them.
  absl::Status StageDue(Staging& st, const std::string& end, size_t& moved)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);

  absl::Status Commit(Staging& st) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    for (const auto& [host, delta] : st.accepted_delta) {
      uint64_t total = delta;
      if (auto it = host_ids.find(host); it != host_ids.end()) total += hosts[it->second].accepted;
      std::string v;
      core::PutVarint64(v, total);
      st.batch.Put(Family::kFrontier, HostCountKey(host), v);
    }
    RETURN_IF_ERROR(db.Write(st.batch));
    for (Pending& p : st.pending) {
      uint32_t id = HostId(p.host);
      Host& h = hosts[id];
      ++h.queued;
      ++queued;
      if (p.new_url) {
        seen.insert(p.hash);
        ++h.accepted;
      }
      MaybeReady(id);
    }
    return absl::OkStatus();
  }

  // Releases the host of a lease after its fetch.
  void Release(const Lease& lease, int64_t now_ms, int64_t delay_ms)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    auto it = host_ids.find(lease.host);
    if (it == host_ids.end()) return;
    Host& h = hosts[it->second];
    if (h.busy) {
      h.busy = false;
      --in_flight;
    }
    h.next_allowed = now_ms + std::max<int64_t>(0, delay_ms);
    MaybeReady(it->second);
  }

  absl::Status Load() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    auto scan = [&](char tag, auto&& fn) -> absl::Status {
      std::unique_ptr<storage::Iterator> it = db.NewIterator(Family::kFrontier, TagRange(tag));
      for (it->SeekToFirst(); it->Valid(); it->Next()) RETURN_IF_ERROR(fn(it->key(), it->value()));
      return it->status();
    };
    RETURN_IF_ERROR(scan(kSeenTag, [&](std::string_view k, std::string_view) {
      if (k.size() != 9) return absl::DataLossError("malformed frontier seen key");
      seen.insert(core::DecodeFixed64BE(k.data() + 1));
      return absl::OkStatus();
    }));
    RETURN_IF_ERROR(scan(kSeedTag, [&](std::string_view k, std::string_view) {
      absl::StatusOr<core::Url> url = core::ParseUrl(k.substr(1));
      if (url.ok()) {
        seed_hosts.insert(HostQueueKey(*url));
        seed_domains.insert(core::SiteOf(url->host()));
      }
      return absl::OkStatus();
    }));
    RETURN_IF_ERROR(scan(kQueueTag, [&](std::string_view k, std::string_view) {
      size_t zero = k.find('\0', 1);
      if (zero == std::string_view::npos || k.size() != zero + 9) {
        return absl::DataLossError("malformed frontier queue key");
      }
      uint32_t id = HostId(std::string(k.substr(1, zero - 1)));
      ++hosts[id].queued;
      ++queued;
      next_seq = std::max(next_seq, core::DecodeFixed64BE(k.data() + zero + 1) + 1);
      return absl::OkStatus();
    }));
    for (char tag : {kScheduleTag, kFetchedTag}) {
      RETURN_IF_ERROR(scan(tag, [&](std::string_view k, std::string_view) {
        if (k.size() != 17) return absl::DataLossError("malformed frontier schedule key");
        next_seq = std::max(next_seq, core::DecodeFixed64BE(k.data() + 9) + 1);
        ++scheduled;
        return absl::OkStatus();
      }));
    }
    RETURN_IF_ERROR(scan(kHostCountTag, [&](std::string_view k, std::string_view v) {
      core::Decoder d(v);
      uint64_t n = 0;
      if (!d.GetVarint64(n)) return absl::DataLossError("malformed frontier host count");
      hosts[HostId(std::string(k.substr(1)))].accepted = n;
      return absl::OkStatus();
    }));
    for (uint32_t id = 0; id < hosts.size(); ++id) MaybeReady(id);
    return absl::OkStatus();
  }
};

Frontier::Frontier(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Frontier::~Frontier() = default;

absl::StatusOr<std::unique_ptr<Frontier>> Frontier::Open(storage::Db& db,
                                                         const FrontierOptions& options) {
  auto impl = std::make_unique<Impl>(db, options);
  {
    absl::MutexLock lock(&impl->mu);
    RETURN_IF_ERROR(impl->Load());
  }
  return std::unique_ptr<Frontier>(new Frontier(std::move(impl)));
}

absl::StatusOr<size_t> Frontier::AddSeeds(const std::vector<std::string>& seeds) {
  Impl& m = *impl_;
  absl::MutexLock lock(&m.mu);
  Impl::Staging st(m.db);
  absl::Status first_error;
  size_t added = 0;
  for (const std::string& line : seeds) {
    std::string_view s = Sv(absl::StripAsciiWhitespace(Av(line)));
    if (s.empty() || s.front() == '#') continue;
    std::string text(s);
    if (text.find("://") == std::string::npos) text = absl::StrCat("http://", text);
    absl::StatusOr<core::Url> url = core::ParseUrl(text);
    if (!url.ok()) {
      if (first_error.ok()) {
        first_error = absl::InvalidArgumentError(
            absl::StrCat("seed '", std::string(s), "': ", url.status().message()));
      }
      continue;
    }
    st.batch.Put(Family::kFrontier, absl::StrCat("S", url->href()), "");
    m.seed_hosts.insert(HostQueueKey(*url));
    m.seed_domains.insert(core::SiteOf(url->host()));
    if (m.Stage(st, url->href(), 0, EntryKind::kPage, 0, /*seed=*/true) == AddResult::kAdded) {
      ++added;
    }
  }
  RETURN_IF_ERROR(m.Commit(st));
  if (!first_error.ok()) return first_error;
  return added;
}

absl::StatusOr<AddResult> Frontier::Add(std::string_view url, uint32_t depth, EntryKind kind) {
  Impl& m = *impl_;
  absl::MutexLock lock(&m.mu);
  Impl::Staging st(m.db);
  AddResult r = m.Stage(st, url, depth, kind, 0, false);
  RETURN_IF_ERROR(m.Commit(st));
  return r;
}

absl::StatusOr<std::optional<Lease>> Frontier::Next(int64_t now_ms, int64_t* wake_ms) {
  Impl& m = *impl_;
  absl::MutexLock lock(&m.mu);
  while (!m.ready.empty() && m.ready.top().first <= now_ms) {
    uint32_t id = m.ready.top().second;
    m.ready.pop();
    Impl::Host& h = m.hosts[id];
    h.in_heap = false;
    if (h.busy || h.queued == 0) continue;
    std::string prefix = QueuePrefix(h.key);
    std::unique_ptr<storage::Iterator> it = m.db.NewIterator(
        Family::kFrontier, core::KeyRange{prefix, core::PrefixSuccessor(prefix)});
    it->Seek(QueueKey(h.key, h.cursor));
    if (!it->Valid()) {
      RETURN_IF_ERROR(it->status());
      // The count was ahead of the disk (cannot happen unless the database
      // was edited): forget the host's queue.
      m.queued -= h.queued;
      h.queued = 0;
      continue;
    }
    if (it->key().size() != prefix.size() + 8) {
      return absl::DataLossError("malformed frontier queue key");
    }
    uint64_t seq = core::DecodeFixed64BE(it->key().data() + prefix.size());
    ASSIGN_OR_RETURN(Entry e, DecodeEntry(it->value()));
    h.cursor = seq + 1;
    --h.queued;
    --m.queued;
    h.busy = true;
    ++m.in_flight;
    return Lease{std::move(e.url), h.key, e.depth, e.kind, e.redirects, e.attempts, seq};
  }
  if (wake_ms != nullptr) *wake_ms = m.ready.empty() ? -1 : m.ready.top().first;
  return std::optional<Lease>();
}

absl::Status Frontier::Complete(const Lease& lease, const std::vector<Discovered>& found,
                                int64_t now_ms, int64_t delay_ms,
                                std::vector<AddResult>* results) {
  Impl& m = *impl_;
  absl::MutexLock lock(&m.mu);
  Impl::Staging st(m.db);
  st.batch.Delete(Family::kFrontier, QueueKey(lease.host, lease.seq));
  // Every fetched page is remembered with its fetch time, whatever the
  // interval of this run: a later run with an interval finds it due.
  const bool schedule = lease.kind == EntryKind::kPage;
  if (schedule) {
    st.batch.Put(Family::kFrontier, ScheduleKey(kFetchedTag, now_ms, m.next_seq++),
                 EncodeEntry(Entry{lease.depth, lease.kind, 0, 0, lease.url}));
  }
  if (results != nullptr) results->clear();
  for (const Discovered& d : found) {
    uint32_t depth = d.redirect ? lease.depth : lease.depth + 1;
    uint32_t redirects = d.redirect ? lease.redirects + 1u : 0u;
    AddResult r = m.Stage(st, d.url, depth, d.kind, redirects, false);
    if (results != nullptr) results->push_back(r);
  }
  RETURN_IF_ERROR(m.Commit(st));
  if (schedule) ++m.scheduled;
  m.Release(lease, now_ms, delay_ms);
  return absl::OkStatus();
}

absl::Status Frontier::Retry(const Lease& lease, int64_t now_ms, int64_t delay_ms) {
  Impl& m = *impl_;
  absl::MutexLock lock(&m.mu);
  Impl::Staging st(m.db);
  st.batch.Delete(Family::kFrontier, QueueKey(lease.host, lease.seq));
  st.batch.Put(Family::kFrontier, QueueKey(lease.host, m.next_seq++),
               EncodeEntry(Entry{lease.depth, lease.kind, lease.redirects,
                                 static_cast<uint8_t>(std::min(255, lease.attempts + 1)),
                                 lease.url}));
  st.pending.push_back(Impl::Pending{0, lease.host, false});
  RETURN_IF_ERROR(m.Commit(st));
  m.Release(lease, now_ms, delay_ms);
  return absl::OkStatus();
}

absl::Status Frontier::Drop(const Lease& lease, int64_t now_ms, int64_t delay_ms) {
  Impl& m = *impl_;
  absl::MutexLock lock(&m.mu);
  storage::Batch batch(m.db);
  batch.Delete(Family::kFrontier, QueueKey(lease.host, lease.seq));
  const bool again = m.StageRetryLater(batch, Entry{lease.depth, lease.kind, 0, 0, lease.url},
                                       now_ms);
  RETURN_IF_ERROR(m.db.Write(batch));
  if (again) ++m.scheduled;
  m.Release(lease, now_ms, delay_ms);
  return absl::OkStatus();
}

absl::StatusOr<size_t> Frontier::DropHost(const Lease& lease, int64_t now_ms,
                                          int64_t delay_ms) {
  Impl& m = *impl_;
  absl::MutexLock lock(&m.mu);
  storage::Batch batch(m.db);
  batch.Delete(Family::kFrontier, QueueKey(lease.host, lease.seq));
  size_t dropped = 1;
  size_t again =
      m.StageRetryLater(batch, Entry{lease.depth, lease.kind, 0, 0, lease.url}, now_ms);
  auto it = m.host_ids.find(lease.host);
  if (it != m.host_ids.end()) {
    Impl::Host& h = m.hosts[it->second];
    std::string prefix = QueuePrefix(h.key);
    std::unique_ptr<storage::Iterator> scan = m.db.NewIterator(
        Family::kFrontier, core::KeyRange{prefix, core::PrefixSuccessor(prefix)});
    for (scan->Seek(QueueKey(h.key, h.cursor)); scan->Valid(); scan->Next()) {
      batch.Delete(Family::kFrontier, scan->key());
      ASSIGN_OR_RETURN(Entry e, DecodeEntry(scan->value()));
      again += m.StageRetryLater(batch, e, now_ms);
      ++dropped;
    }
    RETURN_IF_ERROR(scan->status());
    RETURN_IF_ERROR(m.db.Write(batch));
    m.queued -= h.queued;
    h.queued = 0;
  } else {
    RETURN_IF_ERROR(m.db.Write(batch));
  }
  m.scheduled += again;
  m.Release(lease, now_ms, delay_ms);
  return dropped;
}

absl::StatusOr<size_t> Frontier::PromoteDue(int64_t now_ms) {
  Impl& m = *impl_;
  absl::MutexLock lock(&m.mu);
  Impl::Staging st(m.db);
  size_t moved = 0;
  // Due: a schedule record of an older build whose time has come, and a
  // page fetched at least the interval in force ago (none when 0).
  RETURN_IF_ERROR(m.StageDue(st, ScheduleKey(kScheduleTag, now_ms + 1, 0), moved));
  if (m.options.recrawl_interval_ms > 0) {
    RETURN_IF_ERROR(m.StageDue(
        st, ScheduleKey(kFetchedTag, now_ms - m.options.recrawl_interval_ms + 1, 0), moved));
  }
  if (moved == 0) return size_t{0};
  RETURN_IF_ERROR(m.Commit(st));
  m.scheduled -= std::min<uint64_t>(m.scheduled, moved);
  return moved;
}

absl::Status Frontier::Impl::StageDue(Staging& st, const std::string& end, size_t& moved) {
  std::unique_ptr<storage::Iterator> it =
      db.NewIterator(Family::kFrontier, core::KeyRange{end.substr(0, 1), end});
  constexpr size_t kMaxPerCall = 10000;
  for (it->SeekToFirst(); it->Valid() && moved < kMaxPerCall; it->Next()) {
    ASSIGN_OR_RETURN(Entry e, DecodeEntry(it->value()));
    absl::StatusOr<core::Url> url = core::ParseUrl(e.url);
    st.batch.Delete(Family::kFrontier, it->key());
    ++moved;
    if (!url.ok()) continue;
    std::string host = HostQueueKey(*url);
    st.batch.Put(Family::kFrontier, QueueKey(host, next_seq++), EncodeEntry(e));
    st.pending.push_back(Pending{0, std::move(host), false});
  }
  return it->status();
}

bool Frontier::Idle() const {
  absl::MutexLock lock(&impl_->mu);
  return impl_->queued == 0 && impl_->in_flight == 0;
}

FrontierStats Frontier::stats() const {
  absl::MutexLock lock(&impl_->mu);
  FrontierStats s;
  s.known = impl_->seen.size();
  s.queued = impl_->queued;
  s.in_flight = impl_->in_flight;
  s.hosts = impl_->hosts.size();
  s.scheduled = impl_->scheduled;
  s.next_ready_ms = impl_->ready.empty() ? -1 : impl_->ready.top().first;
  std::copy(std::begin(impl_->refused), std::end(impl_->refused), std::begin(s.refused));
  return s;
}

}  // namespace inlinks::crawler
