// The crawl loop (crawler.h).
#include "inlinks/crawler/crawler.h"

#include "fetcher.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/as_tuple.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "inlinks/core/domain.h"
#include "inlinks/core/log.h"
#include "inlinks/core/string_view.h"
#include "inlinks/crawler/http_response.h"
#include "inlinks/crawler/robots.h"
#include "inlinks/crawler/sitemap.h"

namespace inlinks::crawler {
namespace {

namespace asio = boost::asio;
using core::Av;
using core::Sv;
constexpr auto kToken = asio::as_tuple(asio::use_awaitable);
using SteadyClock = std::chrono::steady_clock;
// How long a stopping crawl waits for the pages being stored to be written
// and acknowledged (a group takes well under a second).
constexpr std::chrono::seconds kStoreDrainLimit{30};

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Retry-After (RFC 9110 10.2.3): delay-seconds or an HTTP-date; -1 when
// absent or unreadable.
int64_t ParseRetryAfterMs(std::string_view value, int64_t now_ms) {
  value = Sv(absl::StripAsciiWhitespace(Av(value)));
  if (value.empty()) return -1;
  uint64_t seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc() && end == value.data() + value.size()) {
    return static_cast<int64_t>(std::min<uint64_t>(seconds, 1u << 30)) * 1000;
  }
  absl::Time t;
  std::string err;
  if (absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", std::string(value), &t, &err)) {
    return std::max<int64_t>(0, absl::ToUnixMillis(t) - now_ms);
  }
  return -1;
}

// Adds the elapsed time since `start` to `total_ns`.
void AddElapsed(std::atomic<uint64_t>& total_ns, SteadyClock::time_point start) {
  total_ns += static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - start).count());
}

bool IsGzip(std::string_view body) {
  return body.size() >= 2 && static_cast<unsigned char>(body[0]) == 0x1f &&
         static_cast<unsigned char>(body[1]) == 0x8b;
}

// Hands fetched pages to the sink from a thread of its own, several at a
// time (PageSink::AcceptAll: the indexer writes them in one batch), while the
// crawl's threads go on fetching and parsing. A coroutine queues its page and
// waits for its status without blocking its thread.
class StoreQueue {
 public:
  using Done = asio::experimental::concurrent_channel<void(boost::system::error_code)>;
  struct Item {
    Item(const core::Page& page, core::FetchFacts facts, asio::any_io_executor ex)
        : page(&page), facts(std::move(facts)), done(std::move(ex), 1) {}
    const core::Page* page;
    core::FetchFacts facts;
    absl::Status status;     // set before `done` is signalled
    bool cancelled = false;  // by Close(): not given to the sink
    Done done;
  };
  // Pages handed to the sink in one call, at most: the batch of pages
  // indexed together (the crawl has at most `concurrency` pages in flight).
  static constexpr size_t kMaxGroup = 64;

  StoreQueue(core::PageSink& sink, std::atomic<uint64_t>& busy_ns)
      : sink_(sink), busy_ns_(busy_ns), thread_([this] { Loop(); }) {}
  // Finishes the group being stored; items still queued are not stored.
  // Their coroutines are not resumed once the io_context has stopped: the
  // crawl calls Close() and waits for the group before it stops.
  ~StoreQueue() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }

  // Queues `item`, which must live until its `done` is signalled. False
  // (nothing queued, `done` not signalled) once the queue is closed.
  bool Push(Item* item) {
    {
      std::lock_guard lock(mu_);
      if (closed_) return false;
      queue_.push_back(item);
    }
    cv_.notify_one();
    return true;
  }

  // Takes no more items, and signals the queued ones that have not started
  // as `cancelled`: they are not stored. The group being stored is finished
  // and signalled as usual.
  void Close() {
    std::vector<Item*> cancelled;
    {
      std::lock_guard lock(mu_);
      closed_ = true;
      cancelled.swap(queue_);
    }
    for (Item* item : cancelled) {
      item->cancelled = true;
      item->status = absl::CancelledError("the crawl is stopping: not stored");
      item->done.try_send(boost::system::error_code());
    }
  }

 private:
  void Loop() {
    std::vector<Item*> group;
    std::vector<core::PageAndFacts> pages;
    for (;;) {
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
        if (stop_) return;
        size_t n = std::min(queue_.size(), kMaxGroup);
        group.assign(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
        queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
      }
      pages.clear();
      for (Item* item : group) pages.push_back({item->page, item->facts});
      SteadyClock::time_point start = SteadyClock::now();
      std::vector<absl::Status> results;
      try {
        results = sink_.AcceptAll(pages);
      } catch (const std::exception& e) {
        results.assign(group.size(), absl::InternalError(absl::StrCat("sink failed: ", e.what())));
      }
      AddElapsed(busy_ns_, start);
      for (size_t i = 0; i < group.size(); ++i) {
        group[i]->status = i < results.size() ? std::move(results[i])
                                              : absl::InternalError("sink gave no status");
        group[i]->done.try_send(boost::system::error_code());
      }
    }
  }

  core::PageSink& sink_;
  std::atomic<uint64_t>& busy_ns_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Item*> queue_;
  bool stop_ = false;
  bool closed_ = false;
  std::thread thread_;  // last: starts after the members it uses
};

}  // namespace

struct Crawler::Impl {
  Impl(storage::Db& db, core::PageSink& sink, CrawlerOptions options)
      : db(db), sink(sink), options(std::move(options)) {}

  storage::Db& db;
  core::PageSink& sink;
  CrawlerOptions options;
  std::unique_ptr<Frontier> frontier;
  std::unique_ptr<Fetcher> fetcher;
  asio::io_context* io = nullptr;
  std::unique_ptr<StoreQueue> store_queue;  // while Run runs

  std::atomic<bool> stopping{false};
  std::atomic<int> active{0};
  // Pages handed to the store queue whose leases are not settled yet: the
  // crawl waits for them when it stops, past the grace period if need be
  // (kStoreDrainLimit), so that a stored page is always acknowledged.
  std::atomic<int> storing{0};
  std::mutex mu;  // guards fatal, robots, ip_slots
  absl::Status fatal;

  struct RobotsEntry {
    std::shared_ptr<const RobotsRules> rules;
    int64_t expires_ms = 0;
    bool unavailable = false;  // 5xx or unreachable: disallow for now
    // No server answered at all (name does not resolve, connection refused,
    // address refused by the SSRF guard): the host's pages cannot be
    // fetched either, so they are dropped instead of waiting for a retry.
    bool unreachable = false;
    bool fetched_now = false;  // this call fetched it (not from the cache)
    int status = 0;            // the answer's HTTP status (0: none)
    uint32_t failures = 0;     // consecutive fetches that left it unavailable
  };
  // Under `once`, an unavailable robots.txt is fetched again this soon (at
  // most), and its host given up after max_attempts such fetches.
  static constexpr int64_t kOnceRobotsRetryMs = 2000;
  std::unordered_map<std::string, RobotsEntry> robots;
  // The rules most origins share (a 4xx, an error), one copy each.
  const std::shared_ptr<const RobotsRules> allow_all =
      std::make_shared<RobotsRules>(RobotsRules::AllowAll());
  const std::shared_ptr<const RobotsRules> disallow_all =
      std::make_shared<RobotsRules>(RobotsRules::DisallowAll());
  // Expired robots entries are swept when the cache reaches this size, which
  // then doubles: the cache stays within ~2x its live entries.
  size_t robots_sweep_at = 4096;
  std::unordered_map<std::string, uint32_t> ip_slots;

  struct Counters {
    std::atomic<uint64_t> fetches{0}, pages_indexed{0}, links_found{0}, bytes{0};
    std::array<std::atomic<uint64_t>, 6> status_class{};
    std::array<std::atomic<uint64_t>, kFetchErrorCount> errors{};
    std::atomic<uint64_t> not_html{0}, redirects{0}, robots_fetches{0}, robots_disallowed{0},
        robots_unavailable{0}, robots_truncated{0}, robots_hosts_given_up{0}, sitemaps{0}, retries{0}, dropped{0}, sink_errors{0}, ip_waits{0};
    std::atomic<uint64_t> fetch_ns{0}, parse_ns{0}, index_ns{0};
  } counters;

  int64_t Now() const { return options.clock ? options.clock() : SystemNowMs(); }

  void Fatal(absl::Status s) {
    {
      std::lock_guard lock(mu);
      if (fatal.ok()) fatal = s;
    }
    INLINKS_LOG(ERROR) << "crawl stopping: " << s;
    stopping = true;
  }

  // Sleeps `ms` (at most; wakes early when stopping). Returns false when
  // stopping.
  asio::awaitable<bool> Sleep(int64_t ms) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    while (ms > 0 && !stopping) {
      int64_t step = std::min<int64_t>(ms, 100);
      timer.expires_after(std::chrono::milliseconds(step));
      co_await timer.async_wait(kToken);
      ms -= step;
    }
    co_return !stopping;
  }

  void CountStatus(int status) {
    int cls = status / 100;
    if (cls >= 1 && cls <= 5) ++counters.status_class[static_cast<size_t>(cls)];
  }

  // The robots.txt rules for the origin of `url`, fetched when not cached.
  asio::awaitable<RobotsEntry> RobotsFor(core::Url url) {
    std::string origin =
        absl::StrCat(Av(url.scheme()), "://", Av(url.host()),
                     url.port() != 0 ? absl::StrCat(":", url.port()) : std::string());
    uint32_t failures = 0;
    {
      std::lock_guard lock(mu);
      auto it = robots.find(origin);
      if (it != robots.end() && it->second.expires_ms > Now()) co_return it->second;
      if (it != robots.end()) failures = it->second.failures;
    }
    RobotsEntry entry;
    entry.unavailable = true;
    entry.fetched_now = true;
    entry.rules = disallow_all;
    absl::StatusOr<core::Url> target = core::ParseUrl(absl::StrCat(origin, "/robots.txt"));
    // RFC 9309 2.3.1.2: follow at least five consecutive redirects. (A
    // while loop without `continue` around the co_await: GCC 12 destroys
    // co_await results twice in some loop shapes.)
    int hops = 0;
    bool more = target.ok();
    while (more) {
      more = false;
      ++counters.robots_fetches;
      // RFC 9309 2.5: a longer file is parsed up to its first 512 KiB.
      FetchResult r = co_await fetcher->Get(*target, RobotsRules::kDefaultMaxBytes);
      counters.bytes += r.wire_bytes;
      if (r.truncated) {
        ++counters.robots_truncated;
        INLINKS_LOG(WARNING) << "robots.txt " << target->href() << " is larger than "
                             << RobotsRules::kDefaultMaxBytes << " bytes: its first "
                             << RobotsRules::kDefaultMaxBytes << " bytes are used";
      }
      if (r.error != FetchError::kNone) {
        ++counters.errors[static_cast<size_t>(r.error)];
        INLINKS_LOG(WARNING) << "robots.txt " << target->href() << ": "
                             << FetchErrorName(r.error) << ": " << r.message;
        entry.unreachable = r.error == FetchError::kDns || r.error == FetchError::kConnect ||
                            r.error == FetchError::kBlocked;
      } else {
        CountStatus(r.status);
        entry.status = r.status;
        if (r.status >= 300 && r.status < 400 && !r.location.empty()) {
          target = core::ResolveUrl(*target, r.location);
          more = target.ok() && ++hops <= 5;
        } else if (r.status >= 200 && r.status < 300) {
          entry.rules = std::make_shared<RobotsRules>(
              RobotsRules::Parse(r.body, "inlinks", RobotsRules::kDefaultMaxBytes));
          entry.unavailable = false;
        } else if (r.status >= 400 && r.status < 500) {
          entry.rules = allow_all;
          entry.unavailable = false;
        }
        // 5xx (and 1xx/3xx without Location): unavailable.
      }
    }
    entry.failures = entry.unavailable ? failures + 1 : 0;
    if (entry.unavailable && entry.status != 0) {
      INLINKS_LOG(WARNING) << "robots.txt " << target->href() << " answered " << entry.status
                           << " (" << entry.failures << " time" << (entry.failures > 1 ? "s" : "")
                           << "): the host's pages wait until it answers (RFC 9309 2.3.1.4)";
    }
    entry.expires_ms =
        Now() + (entry.unavailable ? RobotsRetryMs() : options.robots_ttl_ms);
    if (!entry.unavailable && options.follow_sitemaps) {
      for (const std::string& sitemap : entry.rules->sitemaps()) {
        absl::StatusOr<AddResult> added = frontier->Add(sitemap, 1, EntryKind::kSitemap);
        if (!added.ok()) Fatal(added.status());
      }
    }
    std::lock_guard lock(mu);
    RobotsEntry& cached = robots[origin];
    cached = entry;
    cached.fetched_now = false;
    if (robots.size() >= robots_sweep_at) {
      int64_t now = Now();
      std::erase_if(robots, [now](const auto& kv) { return kv.second.expires_ms <= now; });
      robots_sweep_at = std::max<size_t>(4096, 2 * robots.size());
    }
    co_return entry;
  }

  // Takes a connection slot of `ip` (waiting while it is at the cap).
  asio::awaitable<bool> AcquireIp(std::string ip) {
    if (options.max_connections_per_ip == 0 || ip.empty()) co_return true;
    bool waited = false;
    for (;;) {
      {
        std::lock_guard lock(mu);
        uint32_t& n = ip_slots[ip];
        if (n < options.max_connections_per_ip) {
          ++n;
          co_return true;
        }
      }
      if (!waited) ++counters.ip_waits;
      waited = true;
      bool go_on = co_await Sleep(10);
      if (!go_on) co_return false;
    }
  }

  void ReleaseIp(const std::string& ip) {
    if (options.max_connections_per_ip == 0 || ip.empty()) return;
    std::lock_guard lock(mu);
    auto it = ip_slots.find(ip);
    if (it != ip_slots.end() && --it->second == 0) ip_slots.erase(it);
  }

  int64_t HostDelay(const RobotsEntry& robots_entry) const {
    int64_t delay = options.host_delay_ms;
    if (robots_entry.rules && robots_entry.rules->crawl_delay()) {
      double cd = *robots_entry.rules->crawl_delay();
      delay = std::max<int64_t>(delay, static_cast<int64_t>(std::min(cd, 3600.0) * 1000));
    }
    return delay;
  }

  void Check(const absl::Status& s) {
    if (!s.ok()) Fatal(s);
  }

  // Retries `lease` after `delay_ms` while attempts remain; drops it otherwise.
  // How long an unavailable robots.txt keeps its host waiting.
  int64_t RobotsRetryMs() const {
    return options.once ? std::min(options.robots_error_retry_ms, kOnceRobotsRetryMs)
                        : options.robots_error_retry_ms;
  }

  // Under `once`: drops the queue of a host whose robots.txt stayed
  // unavailable through max_attempts fetches, and says so.
  void GiveUpHost(const Lease& lease, const RobotsEntry& robots_entry, int64_t host_delay) {
    absl::StatusOr<size_t> dropped = frontier->DropHost(lease, Now(), host_delay);
    if (!dropped.ok()) return Fatal(dropped.status());
    counters.dropped += *dropped;
    ++counters.robots_hosts_given_up;
    INLINKS_LOG(WARNING) << "giving up on " << lease.host << ": its robots.txt answered "
                         << robots_entry.status << " " << robots_entry.failures
                         << " times; " << *dropped << " queued URLs dropped (--once)";
  }

  void RetryOrDrop(const Lease& lease, int64_t now, int64_t delay_ms, int64_t host_delay) {
    if (lease.attempts + 1u < options.max_attempts) {
      ++counters.retries;
      Check(frontier->Retry(lease, now, std::max(delay_ms, host_delay)));
    } else {
      ++counters.dropped;
      Check(frontier->Drop(lease, now, host_delay));
    }
  }

  enum class Stored {
    kNothing,   // nothing to store
    kYes,       // stored: the caller settles the lease
    kNo,        // the sink failed (counted): the caller retries or drops it
    kStopping,  // not stored, the crawl is stopping: the lease stays queued
  };

  // Counts one page in `storing` while it exists: from the hand-over to the
  // store queue until the coroutine has settled its lease, however it ends.
  class StoringMark {
   public:
    explicit StoringMark(std::atomic<int>& n) : n_(n) { ++n_; }
    StoringMark(const StoringMark&) = delete;
    StoringMark& operator=(const StoringMark&) = delete;
    ~StoringMark() { --n_; }

   private:
    std::atomic<int>& n_;
  };

  // Hands `page` to the sink (through the store queue) and waits for it to
  // be stored. `mark` (the caller's, kept until its lease is settled) counts
  // the page in `storing` unless the result is kStopping.
  asio::awaitable<Stored> Store(const core::Page& page, const FetchResult& r, int64_t now,
                                std::optional<StoringMark>& mark) {
    asio::any_io_executor ex = co_await asio::this_coro::executor;
    StoreQueue::Item item(page, core::FetchFacts{r.status, now / 1000, r.ip}, std::move(ex));
    mark.emplace(storing);
    if (!store_queue->Push(&item)) {
      mark.reset();
      co_return Stored::kStopping;
    }
    co_await item.done.async_receive(kToken);
    if (item.cancelled) {
      mark.reset();
      co_return Stored::kStopping;
    }
    const absl::Status& s = item.status;
    if (s.ok()) {
      ++counters.pages_indexed;
      co_return Stored::kYes;
    }
    ++counters.sink_errors;
    INLINKS_LOG(WARNING) << "storing " << page.url << ": " << s;
    if (s.code() == absl::StatusCode::kDataLoss) Fatal(s);
    co_return Stored::kNo;
  }

  asio::awaitable<void> Process(Lease lease) {
    absl::StatusOr<core::Url> url = core::ParseUrl(lease.url);
    if (!url.ok()) {
      ++counters.dropped;
      Check(frontier->Drop(lease, Now(), 0));
      co_return;
    }
    RobotsEntry robots_entry = co_await RobotsFor(*url);
    int64_t host_delay = HostDelay(robots_entry);
    if (robots_entry.unavailable) {
      ++counters.robots_unavailable;
      if (robots_entry.unreachable) {
        // Nothing of the host can be fetched: drop its whole queue at once
        // instead of spending a fetch slot on each of its URLs.
        absl::StatusOr<size_t> dropped = frontier->DropHost(lease, Now(), host_delay);
        if (dropped.ok()) {
          counters.dropped += *dropped;
        } else {
          Fatal(dropped.status());
        }
      } else if (options.once && robots_entry.failures >= options.max_attempts) {
        GiveUpHost(lease, robots_entry, host_delay);
      } else {
        RetryOrDrop(lease, Now(), RobotsRetryMs(), host_delay);
      }
      co_return;
    }
    if (!robots_entry.rules->IsAllowed(url->PathAndQuery())) {
      ++counters.robots_disallowed;
      Check(frontier->Drop(lease, Now(), robots_entry.fetched_now ? host_delay : 0));
      co_return;
    }
    // The robots.txt request counts toward the host's politeness.
    if (robots_entry.fetched_now) {
      bool go_on = co_await Sleep(host_delay);
      if (!go_on) co_return;  // stopping: the lease stays queued
    }

    // Per-IP cap: the address the fetch will most likely use.
    std::string ip;
    if (options.max_connections_per_ip != 0) {
      std::string host(url->host());
      if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
      ResolveResult rr = co_await fetcher->Resolve(std::move(host), url->EffectivePort());
      if (!rr.addresses.empty()) ip = rr.addresses.front().ToString();
    }
    bool acquired = co_await AcquireIp(ip);
    if (!acquired) co_return;  // stopping: the lease stays queued
    SteadyClock::time_point fetch_start = SteadyClock::now();
    FetchResult r = co_await fetcher->Get(*url);
    AddElapsed(counters.fetch_ns, fetch_start);
    ReleaseIp(ip);
    int64_t now = Now();
    ++counters.fetches;
    counters.bytes += r.wire_bytes;

    if (r.error != FetchError::kNone) {
      ++counters.errors[static_cast<size_t>(r.error)];
      INLINKS_LOG(WARNING) << "fetch " << lease.url << ": " << FetchErrorName(r.error) << ": "
                           << r.message;
      bool transient = r.error == FetchError::kTimeout || r.error == FetchError::kConnect ||
                       r.error == FetchError::kReset || r.error == FetchError::kDns;
      if (transient) {
        RetryOrDrop(lease, now, options.retry_delay_ms, host_delay);
      } else {
        ++counters.dropped;
        Check(frontier->Drop(lease, now, host_delay));
      }
      co_return;
    }
    CountStatus(r.status);

    std::vector<Discovered> found;
    if (r.status == 429 || r.status == 503) {
      int64_t wait = ParseRetryAfterMs(r.retry_after, now);
      if (wait < 0) wait = options.retry_delay_ms;
      wait = std::min(wait, options.max_retry_after_ms);
      RetryOrDrop(lease, now, wait, host_delay);
      co_return;
    }
    if (r.status >= 500) {
      RetryOrDrop(lease, now, options.retry_delay_ms, host_delay);
      co_return;
    }
    if (lease.kind == EntryKind::kSitemap) {
      if (r.status >= 200 && r.status < 300) {
        ++counters.sitemaps;
        std::string body = std::move(r.body);
        if (IsGzip(body)) {
          HttpResponseOptions decode;
          decode.max_body_bytes = 50 << 20;
          absl::StatusOr<std::string> plain = DecodeContentCoding("gzip", body, decode);
          body = plain.ok() ? std::move(*plain) : std::string();
        }
        Sitemap sitemap = ParseSitemap(body);
        for (const SitemapEntry& e : sitemap.urls) found.push_back({e.loc, EntryKind::kPage});
        for (const SitemapEntry& e : sitemap.sitemaps) {
          found.push_back({e.loc, EntryKind::kSitemap});
        }
      } else if (r.status >= 300 && r.status < 400 && !r.location.empty()) {
        absl::StatusOr<core::Url> target = core::ResolveUrl(*url, r.location);
        if (target.ok()) found.push_back({target->href(), EntryKind::kSitemap, true});
      }
      Check(frontier->Complete(lease, found, now, host_delay));
      co_return;
    }

    Stored stored = Stored::kNothing;
    std::optional<StoringMark> storing_mark;  // released when Process returns
    if (r.status >= 300 && r.status < 400 && !r.location.empty()) {
      ++counters.redirects;
      absl::StatusOr<core::Url> target = core::ResolveUrl(*url, r.location);
      if (target.ok()) {
        core::Page page;
        page.url = url->href();
        page.base = url->href();
        core::Link link;
        link.target = target->href();
        link.position = 1;
        link.tag = core::LinkTag::kRedirect;
        link.internal = core::SiteOf(url->host()) == core::SiteOf(target->host());
        page.links.push_back(std::move(link));
        stored = co_await Store(page, r, now, storing_mark);
        found.push_back({target->href(), EntryKind::kPage, true});
      }
    } else if (r.status >= 200 && r.status < 300) {
      SteadyClock::time_point parse_start = SteadyClock::now();
      absl::StatusOr<core::Page> page =
          ExtractPage(r.body, r.content_type, *url, options.extractor);
      AddElapsed(counters.parse_ns, parse_start);
      if (!page.ok()) {
        ++counters.not_html;
        core::Page record;
        record.url = url->href();
        record.base = url->href();
        stored = co_await Store(record, r, now, storing_mark);
      } else {
        counters.links_found += page->links.size();
        for (const core::Link& link : page->links) {
          if (!options.follow_nofollow && link.nofollow()) continue;
          found.push_back({link.target, EntryKind::kPage, link.tag == core::LinkTag::kRedirect});
        }
        stored = co_await Store(*page, r, now, storing_mark);
      }
    } else if (r.status >= 400) {
      core::Page record;  // 404/410: the sink marks the page gone
      record.url = url->href();
      record.base = url->href();
      stored = co_await Store(record, r, now, storing_mark);
    }
    if (stored == Stored::kStopping) co_return;
    if (stored == Stored::kNo) {
      RetryOrDrop(lease, now, options.retry_delay_ms, host_delay);
    } else {
      Check(frontier->Complete(lease, found, now, host_delay));
    }
  }

  asio::awaitable<void> Worker() {
    while (!stopping) {
      int64_t now = Now();
      int64_t wake = -1;
      absl::StatusOr<std::optional<Lease>> lease = frontier->Next(now, &wake);
      if (!lease.ok()) {
        Fatal(lease.status());
        break;
      }
      if (!lease->has_value()) {
        int64_t wait = wake < 0 ? 50 : std::clamp<int64_t>(wake - now, 1, 50);
        asio::steady_timer timer(co_await asio::this_coro::executor);
        timer.expires_after(std::chrono::milliseconds(wait));
        co_await timer.async_wait(kToken);
        continue;
      }
      ++active;
      co_await Process(std::move(**lease));
      --active;
    }
  }

  // Stops the io_context when the crawl is over: Stop() (after the grace
  // period) or, with `once`, an idle frontier. Promotes due re-crawls.
  asio::awaitable<void> Housekeeper() {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    int64_t last_promote = 0;
    int idle_ticks = 0;
    for (;;) {
      timer.expires_after(std::chrono::milliseconds(20));
      co_await timer.async_wait(kToken);
      if (stopping) break;
      if (options.once) {
        // Idle twice in a row: no worker is between Next() and Process().
        idle_ticks = frontier->Idle() && active == 0 ? idle_ticks + 1 : 0;
        if (idle_ticks >= 2) {
          stopping = true;
          break;
        }
      } else if (Now() - last_promote >= 1000) {
        last_promote = Now();
        absl::StatusOr<size_t> moved = frontier->PromoteDue(last_promote);
        if (!moved.ok()) Fatal(moved.status());
      }
    }
    SteadyClock::time_point deadline =
        SteadyClock::now() + std::chrono::milliseconds(options.stop_grace_ms);
    while (active > 0 && SteadyClock::now() < deadline) {
      timer.expires_after(std::chrono::milliseconds(10));
      co_await timer.async_wait(kToken);
    }
    // Fetches still running are abandoned (their URLs stay queued), and so
    // are pages still waiting to be stored; the pages being stored are
    // finished and their leases settled.
    store_queue->Close();
    deadline = SteadyClock::now() + kStoreDrainLimit;
    while (storing > 0 && SteadyClock::now() < deadline) {
      timer.expires_after(std::chrono::milliseconds(5));
      co_await timer.async_wait(kToken);
    }
    if (storing > 0) {
      INLINKS_LOG(WARNING) << storing << " pages being stored left unacknowledged: the store took "
                           << "over " << kStoreDrainLimit.count() << " s";
    }
    fetcher->CloseIdle();
    io->stop();
  }
};

Crawler::Crawler(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Crawler::~Crawler() = default;

absl::StatusOr<std::unique_ptr<Crawler>> Crawler::Create(storage::Db& db, core::PageSink& sink,
                                                         CrawlerOptions options) {
  if (options.concurrency < 1) return absl::InvalidArgumentError("concurrency must be >= 1");
  if (options.host_delay_ms < 0) return absl::InvalidArgumentError("delay must be >= 0");
  auto impl = std::make_unique<Impl>(db, sink, std::move(options));
  absl::StatusOr<std::unique_ptr<Frontier>> frontier = Frontier::Open(db, impl->options.frontier);
  if (!frontier.ok()) return frontier.status();
  impl->frontier = std::move(*frontier);
  return std::unique_ptr<Crawler>(new Crawler(std::move(impl)));
}

Frontier& Crawler::frontier() { return *impl_->frontier; }

void Crawler::Stop() { impl_->stopping = true; }

absl::Status Crawler::Run() {
  Impl& m = *impl_;
  int threads = m.options.threads > 0 ? m.options.threads
                                      : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  asio::io_context io(threads);
  m.io = &io;
  absl::StatusOr<std::unique_ptr<Fetcher>> fetcher = Fetcher::Create(io.get_executor(),
                                                                     m.options.fetch);
  if (!fetcher.ok()) return fetcher.status();
  m.fetcher = std::move(*fetcher);
  m.store_queue = std::make_unique<StoreQueue>(m.sink, m.counters.index_ns);
  auto on_done = [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      INLINKS_LOG(ERROR) << "crawl coroutine failed: " << ex.what();
    } catch (...) {
      INLINKS_LOG(ERROR) << "crawl coroutine failed";
    }
  };
  // Pages due now (fetched longer ago than the re-crawl interval, by any
  // earlier run, --once ones included) join their host queues first.
  for (;;) {
    absl::StatusOr<size_t> moved = m.frontier->PromoteDue(m.Now());
    if (!moved.ok()) return moved.status();
    if (*moved == 0) break;
  }
  for (int i = 0; i < m.options.concurrency; ++i) asio::co_spawn(io, m.Worker(), on_done);
  asio::co_spawn(io, m.Housekeeper(), on_done);
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&io] { io.run(); });
  io.run();
  for (std::thread& t : pool) t.join();
  // Before `io` (and the coroutine frames holding the queued pages) goes.
  m.store_queue.reset();
  m.fetcher.reset();
  m.io = nullptr;
  std::lock_guard lock(m.mu);
  return m.fatal;
}

CrawlStats Crawler::stats() const {
  const Impl::Counters& c = impl_->counters;
  CrawlStats s;
  s.fetches = c.fetches;
  s.pages_indexed = c.pages_indexed;
  s.links_found = c.links_found;
  s.bytes = c.bytes;
  for (size_t i = 0; i < s.status_class.size(); ++i) s.status_class[i] = c.status_class[i];
  for (size_t i = 0; i < s.errors.size(); ++i) s.errors[i] = c.errors[i];
  s.not_html = c.not_html;
  s.redirects = c.redirects;
  s.robots_fetches = c.robots_fetches;
  s.robots_disallowed = c.robots_disallowed;
  s.robots_unavailable = c.robots_unavailable;
  s.robots_truncated = c.robots_truncated;
  s.robots_hosts_given_up = c.robots_hosts_given_up;
  s.sitemaps = c.sitemaps;
  s.retries = c.retries;
  s.dropped = c.dropped;
  s.sink_errors = c.sink_errors;
  s.ip_waits = c.ip_waits;
  s.fetch_seconds = static_cast<double>(c.fetch_ns) / 1e9;
  s.parse_seconds = static_cast<double>(c.parse_ns) / 1e9;
  s.index_seconds = static_cast<double>(c.index_ns) / 1e9;
  s.frontier = impl_->frontier->stats();
  return s;
}

}  // namespace inlinks::crawler
