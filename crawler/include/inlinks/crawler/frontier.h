// File: inlinks/crawler/frontier.h
//
// Owns: the crawl frontier, persistent in the database's `frontier` column
// family (docs/keys.md): the seen set, one FIFO queue per host, the seeds and
// the re-crawl schedule, plus the Mercator-style back-queue state of every
// host (next allowed fetch time, fetch in flight). It decides which URL is
// fetched next; it never fetches. Trap and scope limits are applied when a
// URL is added.
//
// Durability: every accepted URL is written (seen marker + queue entry)
// before Add()/Complete() return, and a leased URL stays queued on disk until
// Complete() or Drop() removes it in the same atomic write that queues the
// links found on its page. A process killed at any moment therefore resumes
// with the same queue and seen set and repeats only the fetches that were in
// flight.
//
// Memory: about 6.5 bytes of seen-set hash per known URL (a bucketed sorted
// array of 48-bit remainders, no rehash peak) and about 100 bytes per host;
// queued URLs stay on disk (each lease reads the next one with a seek).
//
// Time is passed in by the caller (unix milliseconds from the caller's
// clock), so scheduling is testable with a fake clock.
//
// Thread safety: thread-safe (one internal mutex).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "inlinks/core/url.h"
#include "inlinks/storage/db.h"

namespace inlinks::crawler {

// Which links the crawl follows.
enum class CrawlScope {
  kSeedHosts,    // only hosts given as seeds
  kSeedDomains,  // hosts under the registrable domains of the seeds
  kAll,          // everything
};

struct FrontierOptions {
  CrawlScope scope = CrawlScope::kAll;
  uint32_t max_depth = 64;              // link hops from a seed
  uint64_t max_pages_per_host = 0;      // URLs queued or fetched; 0 = no cap
  size_t max_url_length = 2048;         // bytes of the normalized URL
  uint32_t max_path_depth = 32;         // path segments
  uint32_t max_repeated_segment = 3;    // occurrences of one path segment
  uint32_t max_query_params = 16;
  uint32_t max_redirects = 5;           // redirect hops followed
  // A fetched page is queued again this long after its fetch (0 = never).
  int64_t recrawl_interval_ms = 0;
};

enum class EntryKind : uint8_t { kPage = 0, kSitemap = 1 };

// Why Add() did not queue a URL.
enum class AddResult : uint8_t {
  kAdded,
  kSeen,          // already known
  kOutOfScope,    // scope option
  kTooDeep,       // max_depth or max_redirects
  kTrap,          // URL length, path depth, repeated segment, query params
  kHostFull,      // max_pages_per_host
};
std::string_view AddResultName(AddResult r);

// A URL handed to the crawler to fetch. Give it back with exactly one of
// Complete(), Retry() or Drop().
struct Lease {
  std::string url;  // normalized href
  std::string host;  // queue key: host[:port]
  uint32_t depth = 0;
  EntryKind kind = EntryKind::kPage;
  uint8_t redirects = 0;
  uint8_t attempts = 0;  // earlier failed attempts
  uint64_t seq = 0;
};

// A URL found while processing a lease.
struct Discovered {
  std::string url;
  EntryKind kind = EntryKind::kPage;
  bool redirect = false;  // reached by a redirect (counts toward max_redirects)
};

struct FrontierStats {
  uint64_t known = 0;      // seen set size
  uint64_t queued = 0;     // waiting, not leased
  uint64_t in_flight = 0;  // leased
  uint64_t hosts = 0;
  uint64_t scheduled = 0;  // re-crawls waiting for their time
  // When the first host with queued URLs may be fetched (unix ms; -1: none
  // is waiting); later than now when every queued host waits (politeness,
  // a robots.txt retry, Retry-After).
  int64_t next_ready_ms = -1;
  uint64_t refused[6] = {};  // Add() outcomes by AddResult (index 0 unused)
};

class Frontier {
 public:
  // Loads the frontier of `db` (which must outlive it): seen set, seeds,
  // per-host queue counts. Errors: storage errors; kDataLoss for malformed
  // frontier records.
  static absl::StatusOr<std::unique_ptr<Frontier>> Open(storage::Db& db,
                                                        const FrontierOptions& options);
  ~Frontier();

  // Adds seeds: one URL or host name per entry ("example.com" means
  // http://example.com/); blank entries and '#' comments are skipped. Seeds
  // widen the seed-host/seed-domain scope and are queued at depth 0 unless
  // already known. Returns how many were queued.
  // Errors: kInvalidArgument naming the first entry that is not a URL (the
  // valid ones before and after it are still added).
  absl::StatusOr<size_t> AddSeeds(const std::vector<std::string>& seeds);

  // Queues `url` as found at `depth` (not a seed). Used by tests and by
  // sitemap processing through Complete().
  absl::StatusOr<AddResult> Add(std::string_view url, uint32_t depth,
                                EntryKind kind = EntryKind::kPage);

  // The next URL whose host may be fetched at `now_ms` (no fetch in flight
  // for that host and its next allowed time reached), or nullopt. When
  // nullopt, `*wake_ms` (if given) receives the earliest time a host becomes
  // ready, or -1 when no host has queued URLs.
  absl::StatusOr<std::optional<Lease>> Next(int64_t now_ms, int64_t* wake_ms = nullptr);

  // The lease was fetched (whatever the outcome) at `now_ms`: removes it
  // from the queue, queues `found` (each filtered like Add() at depth + 1,
  // redirects at the same depth), schedules the re-crawl, and lets its host
  // be fetched again from `now_ms + delay_ms`. One atomic write.
  absl::Status Complete(const Lease& lease, const std::vector<Discovered>& found,
                        int64_t now_ms, int64_t delay_ms,
                        std::vector<AddResult>* results = nullptr);
  // The fetch should be tried again later: the lease goes to the back of
  // its host's queue with attempts + 1, and the host waits until
  // `now_ms + delay_ms`.
  absl::Status Retry(const Lease& lease, int64_t now_ms, int64_t delay_ms);
  // Gives up on the lease for now: a page is tried again a re-crawl
  // interval later (PromoteDue), like a fetched one. The host waits until
  // `now_ms + delay_ms`.
  absl::Status Drop(const Lease& lease, int64_t now_ms, int64_t delay_ms);

  // Gives up on the lease and on every URL still queued for its host (the
  // host cannot be reached at all); returns how many URLs were dropped,
  // the lease included. Their pages are tried again a re-crawl interval
  // later, as Drop's. The host waits until `now_ms + delay_ms`; URLs
  // found for it later are queued as usual.
  absl::StatusOr<size_t> DropHost(const Lease& lease, int64_t now_ms, int64_t delay_ms);

  // Moves re-crawls due at `now_ms` into their host queues (at most 10,000
  // per call); returns how many. A fetched page is due once its last fetch
  // is options.recrawl_interval_ms old, whatever interval the run that
  // fetched it had; never when the interval is 0.
  absl::StatusOr<size_t> PromoteDue(int64_t now_ms);

  // True when nothing is queued or in flight (re-crawls scheduled for later
  // do not count).
  bool Idle() const;
  FrontierStats stats() const;

  // True when `url` passes the trap limits of `options` (URL length, path
  // depth, repeated segments, query parameters).
  static bool PassesTrapLimits(const core::Url& url, const FrontierOptions& options);
  // The queue key of a URL: host, plus ":port" for a non-default port.
  static std::string HostQueueKey(const core::Url& url);

 private:
  struct Impl;
  explicit Frontier(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace inlinks::crawler
