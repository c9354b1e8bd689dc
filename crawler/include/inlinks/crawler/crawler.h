// File: inlinks/crawler/crawler.h
//
// Owns: the crawl loop of the daemon: N fetch coroutines on one io_context
// (one thread per core) that lease URLs from the persistent frontier, obey
// robots.txt (RFC 9309: fetched and cached per origin, 4xx = allow all, 5xx
// or unreachable = disallow for a while, up to 5 redirects, 24 h cache,
// Crawl-delay honoured, Sitemap lines followed), keep per-host politeness
// (one fetch in flight per host, a minimum delay between fetches, 429/503
// Retry-After) and a per-IP connection cap, fetch, extract, hand each page to
// a core::PageSink (the indexer), and queue the links found.
//
// What becomes of a fetch:
//   2xx HTML        extracted; page + links to the sink; links queued
//   2xx other type  recorded (page without links); not parsed
//   2xx sitemap     (a URL queued from robots.txt or a sitemap index) parsed;
//                   its URLs and nested sitemaps queued; not indexed
//   3xx + Location  recorded as a page with one `redirect` link to the
//                   target, which is queued (max_redirects hops)
//   404, 410        the sink marks the page's links lost
//   other 4xx       recorded (page without links)
//   429, 503        retried after Retry-After (capped), up to max_attempts
//   other 5xx and transient network errors: retried up to max_attempts
//   SSRF-refused, oversized, malformed: counted by reason and dropped
//
// Thread safety: Run() is called once; Stop() and stats() from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "inlinks/core/page_sink.h"
#include "inlinks/crawler/extractor.h"
#include "inlinks/crawler/fetch_options.h"
#include "inlinks/crawler/frontier.h"
#include "inlinks/storage/db.h"

namespace inlinks::crawler {

struct CrawlerOptions {
  FetchOptions fetch;
  FrontierOptions frontier;
  ExtractorOptions extractor;
  int threads = 0;          // I/O threads; 0 = one per core
  int concurrency = 64;     // fetches in flight at most
  int64_t host_delay_ms = 1000;            // between fetches to one host
  uint32_t max_connections_per_ip = 8;     // 0 = no cap
  bool once = false;        // stop when nothing is left to fetch (re-crawls
                            // due at the start are fetched; none later)
  bool follow_sitemaps = true;
  bool follow_nofollow = true;             // queue targets of nofollow links
  int64_t robots_ttl_ms = 24LL * 3600 * 1000;
  // A 5xx robots.txt is fetched again after this (under `once`: at most 2 s
  // later, and its host is given up after max_attempts such answers).
  int64_t robots_error_retry_ms = 600 * 1000;
  uint32_t max_attempts = 3;               // tries per URL for transient failures
  int64_t retry_delay_ms = 30 * 1000;
  int64_t max_retry_after_ms = 3600 * 1000;
  // On Stop(): how long in-flight fetches may take before they are
  // abandoned (they stay queued and are fetched again on the next start).
  // Pages whose writing to the sink has begun are finished and their URLs
  // settled even past it; pages still waiting for the sink stay queued.
  int64_t stop_grace_ms = 3000;
  // Unix milliseconds; the system clock when empty. Tests inject one.
  std::function<int64_t()> clock;
};

// Counters since Run() started (a snapshot).
struct CrawlStats {
  uint64_t fetches = 0;           // HTTP exchanges of pages and sitemaps
  uint64_t pages_indexed = 0;     // pages handed to the sink and stored
  uint64_t links_found = 0;
  uint64_t bytes = 0;             // wire bytes received
  std::array<uint64_t, 6> status_class{};  // [1] 1xx .. [5] 5xx
  std::array<uint64_t, kFetchErrorCount> errors{};  // by FetchError
  uint64_t not_html = 0;
  uint64_t redirects = 0;
  uint64_t robots_fetches = 0;
  uint64_t robots_disallowed = 0;  // URLs skipped by robots.txt
  uint64_t robots_unavailable = 0;  // fetches postponed: robots.txt 5xx/unreachable
  uint64_t robots_truncated = 0;   // robots.txt files over 512 KiB, parsed up to there
  // Hosts dropped under `once` because their robots.txt stayed unavailable
  // (5xx) through max_attempts fetches, 2 s apart.
  uint64_t robots_hosts_given_up = 0;
  uint64_t sitemaps = 0;
  uint64_t retries = 0;
  uint64_t dropped = 0;            // given up after max_attempts or refused
  uint64_t sink_errors = 0;
  uint64_t ip_waits = 0;           // fetches delayed by the per-IP cap
  // Wall time spent by fetch coroutines fetching and parsing, summed over
  // coroutines, and by the store thread handing pages to the sink (the
  // indexer), in seconds.
  double fetch_seconds = 0, parse_seconds = 0, index_seconds = 0;
  FrontierStats frontier;
};

class Crawler {
 public:
  // `db` (holding the frontier) and `sink` must outlive the crawler.
  // Errors: kInvalidArgument for bad options; storage errors.
  static absl::StatusOr<std::unique_ptr<Crawler>> Create(storage::Db& db, core::PageSink& sink,
                                                         CrawlerOptions options);
  ~Crawler();

  Frontier& frontier();

  // Crawls until Stop() is called or, with options.once, until the frontier
  // has nothing queued or in flight. Returns OK then; kDataLoss (and stops)
  // when the sink reports corrupt storage; storage errors of the frontier.
  absl::Status Run();
  // Asks Run() to return: no new fetches start; in-flight ones get
  // stop_grace_ms. Thread-safe; may be called before Run().
  void Stop();

  CrawlStats stats() const;

 private:
  struct Impl;
  explicit Crawler(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace inlinks::crawler
