// inlinksd: the daemon. `inlinksd crawl` crawls from seed lists into the
// backlink index (and with --serve answers the HTTP API at the same time);
// `inlinksd serve` answers the API over an existing index. `inlinksd --help`
// lists every option (tools/daemon_config.h).
//
// Signals: SIGTERM / SIGINT stop fetching, let in-flight fetches finish for
// a few seconds, flush and exit 0 (a second one exits at once); SIGHUP
// reloads the seed file. The frontier is persistent, so the next start
// resumes where this one stopped.
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <functional>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "absl/time/clock.h"
#include "absl/strings/str_join.h"
#include "inlinks/core/log.h"
#include "inlinks/crawler/crawler.h"
#include "inlinks/indexer/indexer.h"
#include "inlinks/indexer/order.h"
#include "inlinks/query/geo.h"
#include "inlinks/query/keys.h"
#include "inlinks/query/server.h"
#include "inlinks/storage/db.h"
#include "tools/daemon_config.h"

namespace {

using inlinks::crawler::CrawlStats;
using inlinks::crawler::FetchError;
using inlinks::crawler::FetchErrorName;
using inlinks::crawler::kFetchErrorCount;

// Adds seeds in batches (one frontier write each), logging (not failing
// on) entries that are not URLs.
void AddSeeds(inlinks::crawler::Frontier& frontier, const std::vector<std::string>& seeds) {
  absl::StatusOr<size_t> n = frontier.AddSeeds(seeds);
  if (!n.ok()) {
    INLINKS_LOG(WARNING) << "skipping seed: " << n.status().message();
  }
}

// Streams a seed file into the frontier in batches of 10,000 lines, so a
// file of millions of seeds never sits in memory whole.
absl::Status AddSeedFile(inlinks::crawler::Frontier& frontier, const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError("cannot read seed file '" + path + "'");
  std::vector<std::string> batch;
  for (std::string line; std::getline(in, line);) {
    batch.push_back(std::move(line));
    if (batch.size() == 10000) {
      AddSeeds(frontier, batch);
      batch.clear();
    }
  }
  AddSeeds(frontier, batch);
  return absl::OkStatus();
}

std::string ErrorSummary(const CrawlStats& s) {
  std::string out;
  for (int i = 1; i < kFetchErrorCount; ++i) {
    if (s.errors[i] == 0) continue;
    absl::StrAppendFormat(&out, " %s=%d", FetchErrorName(static_cast<FetchError>(i)),
                          s.errors[i]);
  }
  return out.empty() ? " none" : out;
}

// What the robots.txt handling did beyond skipping URLs, e.g. " (1 robots.txt
// over 512 KiB read in part, 1 host given up: robots.txt unavailable)".
std::string RobotsNotes(const CrawlStats& s) {
  std::vector<std::string> notes;
  if (s.robots_truncated > 0) {
    notes.push_back(absl::StrFormat("%d robots.txt over 512 KiB read in part", s.robots_truncated));
  }
  if (s.robots_hosts_given_up > 0) {
    notes.push_back(absl::StrFormat("%d host%s given up: robots.txt unavailable",
                                    s.robots_hosts_given_up,
                                    s.robots_hosts_given_up > 1 ? "s" : ""));
  }
  return notes.empty() ? "" : absl::StrCat(" (", absl::StrJoin(notes, ", "), ")");
}

std::string ProgressLine(const CrawlStats& now, const CrawlStats& before, double seconds) {
  uint64_t errors = 0;
  for (uint64_t e : now.errors) errors += e;
  std::string line = absl::StrFormat(
      "%d pages (%.0f/s), %d links (%.0f/s), %.1f MB, queue %d, in flight %d, hosts %d, "
      "known %d, errors %d, robots-skipped %d%s",
      now.pages_indexed, (now.pages_indexed - before.pages_indexed) / seconds, now.links_found,
      (now.links_found - before.links_found) / seconds, now.bytes / 1e6, now.frontier.queued,
      now.frontier.in_flight, now.frontier.hosts, now.frontier.known, errors,
      now.robots_disallowed, RobotsNotes(now));
  // Nothing in flight with URLs queued: every queued host waits for a time.
  const int64_t wait_ms = now.frontier.next_ready_ms - absl::ToUnixMillis(absl::Now());
  if (now.frontier.in_flight == 0 && now.frontier.queued > 0 && wait_ms > 0) {
    absl::StrAppendFormat(&line,
                          "; waiting %.1f s for the next host (crawl delay, Retry-After or a "
                          "robots.txt retry%s)",
                          wait_ms / 1e3,
                          now.robots_unavailable > before.robots_unavailable
                              ? ": robots.txt unavailable, see the log"
                              : "");
  }
  return line;
}

// Resident set size of this process in bytes (0 if unknown).
uint64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t pages = 0, resident = 0;
  if (!(statm >> pages >> resident)) return 0;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

// "rss 412 MB (RocksDB cache 250 MB, of which memtables 120 MB)".
std::string MemoryLine(const inlinks::storage::Db& db) {
  inlinks::storage::Db::MemoryUsage m = db.Memory();
  return absl::StrFormat("rss %d MB (RocksDB cache %d MB, of which memtables %d MB)",
                         ResidentBytes() >> 20, m.block_cache >> 20, m.memtables >> 20);
}

// The signals one thread takes with sigwait. main() blocks them before any
// thread exists (RocksDB starts its own), so no other thread receives them.
sigset_t HandledSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGUSR1}) sigaddset(&signals, s);
  return signals;
}

// Splits "ADDR:PORT" ("[v6]:PORT" for IPv6).
absl::StatusOr<std::pair<std::string, uint16_t>> SplitListen(const std::string& listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 == listen.size()) {
    return absl::InvalidArgumentError("'" + listen + "' is not ADDR:PORT");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned port = 0;
  std::string_view p(listen);
  p.remove_prefix(colon + 1);
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
  if (ec != std::errc() || end != p.data() + p.size() || port > 65535) {
    return absl::InvalidArgumentError("'" + listen + "': bad port");
  }
  return std::make_pair(host, static_cast<uint16_t>(port));
}

// True when `s` says the disk is full (RocksDB's NoSpace).
bool IsDiskFull(const absl::Status& s) {
  return absl::IsResourceExhausted(s) && s.message().find("No space left") != std::string::npos;
}

// Prints `s` as the daemon's error, with what to do when the disk is full;
// returns the exit code 1.
int Fail(const absl::Status& s, const std::string& dir) {
  std::fprintf(stderr, "inlinksd: %s\n", s.ToString().c_str());
  if (IsDiskFull(s)) {
    std::fprintf(stderr,
                 "inlinksd: the disk holding '%s' is full. Nothing indexed is lost: free space "
                 "and run the same command again (`inlinksd serve` answers read-only "
                 "meanwhile).\n",
                 dir.c_str());
  }
  return 1;
}

// Starts the HTTP API on `listen` over `db` (rows located with `geo`, which
// may be null), creating the default API key (its secret kept in
// DIR/default-api-key) and saying where it is. A read-only `db` serves the
// keys it has: no default key is created.
absl::StatusOr<std::unique_ptr<inlinks::query::Server>> StartServer(
    inlinks::storage::Db& db, const std::string& dir, const std::string& listen,
    int64_t max_connections_per_client, const inlinks::query::GeoDb* geo,
    std::function<std::string()> extra_metrics,
    std::function<absl::StatusOr<size_t>(const std::vector<std::string>&)> add_seeds) {
  absl::StatusOr<std::pair<std::string, uint16_t>> where = SplitListen(listen);
  if (!where.ok()) return where.status();
  inlinks::query::ServerOptions options;
  options.address = where->first;
  options.port = where->second;
  options.access_log = true;
  options.max_connections_per_client = max_connections_per_client > 0
                                           ? static_cast<size_t>(max_connections_per_client)
                                           : SIZE_MAX;
  options.geo = geo;
  options.extra_metrics = std::move(extra_metrics);
  options.add_seeds = std::move(add_seeds);
  auto server = std::make_unique<inlinks::query::Server>(db, options);
  absl::Status started = server->Start();
  if (!started.ok()) return started;
  // The secret goes to the owner-only file, never to the log.
  const std::string key_file = dir + "/default-api-key";
  absl::StatusOr<std::string> key = inlinks::query::EnsureDefaultKey(server->keys(), key_file);
  if (!key.ok() && !db.read_only()) return key.status();
  std::string shown = where->first.find(':') != std::string::npos
                          ? "[" + where->first + "]"
                          : where->first;
  std::fprintf(stderr, "inlinksd: serving the API on http://%s:%u/ (%s)\n", shown.c_str(),
               server->port(),
               key.ok() ? ("API key in " + key_file).c_str() : "read-only: no default key");
  return server;
}

// The crawler's figures in Prometheus text, appended to the API's /metrics.
std::string CrawlerMetrics(const inlinks::crawler::Crawler& c, const inlinks::indexer::Indexer& ix,
                           const inlinks::storage::Db& db) {
  CrawlStats s = c.stats();
  std::string out;
  auto counter = [&](const char* name, const char* help, uint64_t v) {
    absl::StrAppendFormat(&out, "# HELP %s %s\n# TYPE %s counter\n%s %d\n", name, help, name,
                          name, v);
  };
  auto gauge = [&](const char* name, const char* help, uint64_t v) {
    absl::StrAppendFormat(&out, "# HELP %s %s\n# TYPE %s gauge\n%s %d\n", name, help, name,
                          name, v);
  };
  counter("inlinks_crawl_fetches_total", "HTTP fetches of pages and sitemaps", s.fetches);
  counter("inlinks_crawl_pages_indexed_total", "pages stored in the index", s.pages_indexed);
  const inlinks::indexer::RefreshStats r = ix.refresh_stats();
  counter("inlinks_index_refreshes_total", "refreshes that published pages", r.refreshes);
  counter("inlinks_index_published_pages_total",
          "page indexings published to queries by the refreshes", r.pages);
  counter("inlinks_index_published_link_changes_total",
          "link changes published to queries by the refreshes", r.events);
  counter("inlinks_index_refresh_errors_total", "refresh batches that failed (retried)",
          r.errors);
  absl::StrAppendFormat(&out,
                        "# HELP inlinks_index_refresh_seconds_total time spent refreshing\n"
                        "# TYPE inlinks_index_refresh_seconds_total counter\n"
                        "inlinks_index_refresh_seconds_total %.3f\n",
                        r.seconds);
  counter("inlinks_crawl_links_total", "links found on fetched pages", s.links_found);
  counter("inlinks_crawl_bytes_total", "response bytes received", s.bytes);
  out += "# HELP inlinks_crawl_responses_total responses by status class\n"
         "# TYPE inlinks_crawl_responses_total counter\n";
  for (int c = 1; c <= 5; ++c) {
    absl::StrAppendFormat(&out, "inlinks_crawl_responses_total{class=\"%dxx\"} %d\n", c,
                          s.status_class[c]);
  }
  out += "# HELP inlinks_crawl_errors_total fetches without a response, by reason\n"
         "# TYPE inlinks_crawl_errors_total counter\n";
  for (int e = 1; e < kFetchErrorCount; ++e) {
    absl::StrAppendFormat(&out, "inlinks_crawl_errors_total{reason=\"%s\"} %d\n",
                          FetchErrorName(static_cast<FetchError>(e)), s.errors[e]);
  }
  counter("inlinks_crawl_robots_disallowed_total", "URLs skipped by robots.txt",
          s.robots_disallowed);
  counter("inlinks_crawl_robots_hosts_given_up_total",
          "hosts dropped under --once: robots.txt unavailable through every retry",
          s.robots_hosts_given_up);
  counter("inlinks_crawl_robots_truncated_total",
          "robots.txt files over 512 KiB, parsed up to there (RFC 9309 2.5)", s.robots_truncated);
  counter("inlinks_crawl_retries_total", "fetches retried later", s.retries);
  counter("inlinks_crawl_dropped_total", "URLs given up", s.dropped);
  gauge("inlinks_crawl_queue_urls", "URLs waiting in the frontier", s.frontier.queued);
  gauge("inlinks_crawl_in_flight", "fetches in flight", s.frontier.in_flight);
  gauge("inlinks_crawl_known_urls", "URLs in the seen set", s.frontier.known);
  gauge("inlinks_crawl_hosts", "hosts known to the frontier", s.frontier.hosts);
  absl::StrAppendFormat(&out,
                        "# HELP inlinks_crawl_phase_seconds_total wall time of fetch coroutines "
                        "by phase\n# TYPE inlinks_crawl_phase_seconds_total counter\n"
                        "inlinks_crawl_phase_seconds_total{phase=\"fetch\"} %.3f\n"
                        "inlinks_crawl_phase_seconds_total{phase=\"parse\"} %.3f\n"
                        "inlinks_crawl_phase_seconds_total{phase=\"index\"} %.3f\n",
                        s.fetch_seconds, s.parse_seconds, s.index_seconds);
  gauge("process_resident_memory_bytes", "resident set size", ResidentBytes());
  inlinks::storage::Db::MemoryUsage m = db.Memory();
  gauge("inlinks_rocksdb_block_cache_bytes", "RocksDB block cache use (memtables are charged to it)",
        m.block_cache);
  gauge("inlinks_rocksdb_memtable_bytes", "RocksDB memtables", m.memtables);
  return out;
}

// The last lines of a crawl: what it fetched and indexed, and how the index
// was published.
void PrintSummary(const CrawlStats& s, double secs, const inlinks::indexer::RefreshStats& r,
                  int64_t refresh_interval_ms, const absl::Status& refreshed) {
  std::fprintf(stderr,
               "inlinksd: %llu pages indexed, %llu links, %llu fetches, %.1f MB in %.1f s "
               "(%.0f pages/s); queue %llu, known %llu; robots-skipped %llu%s; "
               "time in fetch %.1f s, parse %.1f s, index %.1f s; errors:%s\n",
               static_cast<unsigned long long>(s.pages_indexed),
               static_cast<unsigned long long>(s.links_found),
               static_cast<unsigned long long>(s.fetches), s.bytes / 1e6, secs,
               s.pages_indexed / std::max(secs, 1e-9),
               static_cast<unsigned long long>(s.frontier.queued),
               static_cast<unsigned long long>(s.frontier.known),
               static_cast<unsigned long long>(s.robots_disallowed), RobotsNotes(s).c_str(),
               s.fetch_seconds,
               s.parse_seconds, s.index_seconds, ErrorSummary(s).c_str());
  std::fprintf(stderr,
               "inlinksd: index refreshed %llu times every %lld ms: %llu link changes of %llu "
               "pages folded in %.1f s (last %.0f ms)%s\n",
               static_cast<unsigned long long>(r.refreshes),
               static_cast<long long>(refresh_interval_ms),
               static_cast<unsigned long long>(r.events), static_cast<unsigned long long>(r.pages),
               r.seconds, r.last_seconds * 1000,
               refreshed.ok() ? "" : (" (last refresh failed: " + refreshed.ToString() + ")").c_str());
}

// The database `inlinksd serve` answers from: opened writable, with what a
// crawl left in the index journal published and the strength order (the
// default result order) built for a database of an older build. On a full
// disk, where neither can be written, read-only: the published view, with
// key balances charged in memory only.
absl::StatusOr<std::unique_ptr<inlinks::storage::Db>> OpenToServe(const std::string& dir) {
  inlinks::storage::DbOptions options = inlinks::storage::BoundedMemoryOptions(256u << 20);
  options.create_if_missing = false;
  absl::Status ready;
  {
    absl::StatusOr<std::unique_ptr<inlinks::storage::Db>> db =
        inlinks::storage::Db::Open(dir, options);
    ready = db.status();
    if (ready.ok()) ready = inlinks::indexer::RefreshIndex(**db);
    if (ready.ok()) ready = inlinks::indexer::EnsureStrengthOrder(**db).status();
    if (ready.ok() || !IsDiskFull(ready)) return ready.ok() ? std::move(db) : ready;
  }
  INLINKS_LOG(ERROR) << "the disk holding '" << dir << "' is full (" << ready
                     << "): serving the published view read-only; API key balances are "
                        "charged in memory only, until a restart with free space";
  options.read_only = true;
  return inlinks::storage::Db::Open(dir, options);
}

// Serves until SIGTERM/SIGINT.
int Serve(const inlinks::tools::DaemonConfig& config, const inlinks::query::GeoDb* geo) {
  absl::StatusOr<std::unique_ptr<inlinks::storage::Db>> db = OpenToServe(config.db);
  if (!db.ok()) return Fail(db.status(), config.db);
  absl::StatusOr<std::unique_ptr<inlinks::query::Server>> server =
      StartServer(**db, config.db, config.listen, config.max_connections_per_client, geo, nullptr,
                  nullptr);
  if (!server.ok()) return Fail(server.status(), config.db);
  sigset_t signals = HandledSignals();
  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGTERM || sig == SIGINT) break;
  }
  INLINKS_LOG(INFO) << "stopping: finishing in-flight requests";
  (*server)->Stop();
  return 0;
}

int Crawl(const inlinks::tools::DaemonConfig& config, const inlinks::query::GeoDb* geo) {
  // Inputs first: a bad seed file must not leave a new database behind.
  if (!config.seeds_file.empty() && !std::ifstream(config.seeds_file)) {
    std::fprintf(stderr, "inlinksd: cannot read seed file '%s'\n", config.seeds_file.c_str());
    return 2;
  }
  // RocksDB gets 256 MiB (block cache and memtables together): with the
  // frontier's seen set the whole daemon stays under 500 MB at 10M known
  // URLs (bench/e2e/daemon_memory.sh).
  absl::StatusOr<std::unique_ptr<inlinks::storage::Db>> db =
      inlinks::storage::Db::Open(config.db, inlinks::storage::BoundedMemoryOptions(256u << 20));
  if (!db.ok()) return Fail(db.status(), config.db);
  inlinks::indexer::IndexerOptions indexer_options;
  indexer_options.refresh_interval_ms = config.refresh_interval_ms;
  absl::StatusOr<std::unique_ptr<inlinks::indexer::Indexer>> indexer =
      inlinks::indexer::Indexer::Create(**db, indexer_options);
  if (!indexer.ok()) return Fail(indexer.status(), config.db);
  absl::StatusOr<std::unique_ptr<inlinks::crawler::Crawler>> crawler =
      inlinks::crawler::Crawler::Create(**db, **indexer, config.crawl);
  if (!crawler.ok()) return Fail(crawler.status(), config.db);
  inlinks::crawler::Crawler& c = **crawler;
  if (!config.seeds_file.empty()) {
    absl::Status added = AddSeedFile(c.frontier(), config.seeds_file);
    if (!added.ok()) {
      std::fprintf(stderr, "inlinksd: %s\n", std::string(added.message()).c_str());
      return 2;
    }
  }
  AddSeeds(c.frontier(), config.seeds);
  if (c.frontier().stats().known == 0) {
    std::fprintf(stderr,
                 "inlinksd: nothing to crawl: give --seeds FILE or --seed URL (the frontier in "
                 "%s is empty)\n",
                 config.db.c_str());
    return 2;
  }
  {
    inlinks::crawler::FrontierStats fs = c.frontier().stats();
    INLINKS_LOG(INFO) << "frontier loaded: " << fs.known << " known URLs, " << fs.queued
                      << " queued, " << fs.hosts << " hosts";
  }
  std::unique_ptr<inlinks::query::Server> server;
  if (!config.serve.empty()) {
    absl::StatusOr<std::unique_ptr<inlinks::query::Server>> started =
        StartServer(**db, config.db, config.serve, config.max_connections_per_client, geo, [&c, &indexer, &db] { return CrawlerMetrics(c, **indexer, **db); },
                    [&c](const std::vector<std::string>& seeds) -> absl::StatusOr<size_t> {
                      // Seeds added at run time; like the seed file, entries
                      // that are not URLs are reported, the rest queued.
                      return c.frontier().AddSeeds(seeds);
                    });
    if (!started.ok()) {
      std::fprintf(stderr, "inlinksd: --serve: %s\n", started.status().ToString().c_str());
      return 1;
    }
    server = std::move(*started);
  }

  sigset_t signals = HandledSignals();
  std::thread signal_thread([&] {
    int stops = 0;
    for (;;) {
      int sig = 0;
      if (sigwait(&signals, &sig) != 0) continue;
      if (sig == SIGUSR1) return;  // Run() returned
      if (sig == SIGHUP) {
        if (config.seeds_file.empty()) continue;
        absl::Status added = AddSeedFile(c.frontier(), config.seeds_file);
        if (!added.ok()) {
          INLINKS_LOG(WARNING) << "SIGHUP: " << added.message();
          continue;
        }
        INLINKS_LOG(INFO) << "SIGHUP: seed file reloaded";
        continue;
      }
      if (++stops > 1) _exit(1);
      INLINKS_LOG(INFO) << "stopping (signal " << sig << ")";
      c.Stop();
    }
  });

  std::atomic<bool> done{false};
  bool tty = config.progress == "yes" || (config.progress == "auto" && isatty(STDERR_FILENO));
  std::thread progress([&] {
    CrawlStats before = c.stats();
    auto last = std::chrono::steady_clock::now();
    int ticks = 0;
    while (!done) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      // glibc keeps freed memory (flushed memtables, parsed pages) in its
      // heaps; hand free pages back to the kernel every second so RSS tracks
      // what is in use (a trim takes up to ~25 ms at 10M known URLs;
      // without it the daemon peaked at 599 MB there instead of 470 MB).
      if (++ticks % 5 == 0) malloc_trim(0);
      if (ticks % (tty ? 5 : 50) != 0 || done) continue;
      auto now = std::chrono::steady_clock::now();
      double secs = std::chrono::duration<double>(now - last).count();
      CrawlStats stats = c.stats();
      std::string line = ProgressLine(stats, before, secs);
      if (!tty) absl::StrAppend(&line, ", ", MemoryLine(**db));
      if (tty) {
        std::fprintf(stderr, "\r\033[K%s", line.c_str());
      } else {
        INLINKS_LOG(INFO) << line;
      }
      before = stats;
      last = now;
    }
  });

  auto start = std::chrono::steady_clock::now();
  absl::Status run = c.Run();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  done = true;
  progress.join();
  pthread_kill(signal_thread.native_handle(), SIGUSR1);
  signal_thread.join();
  if (tty) std::fputc('\n', stderr);

  // Everything indexed is published before the daemon exits.
  absl::Status refreshed = (*indexer)->Refresh();
  PrintSummary(c.stats(), secs, (*indexer)->refresh_stats(), config.refresh_interval_ms,
               refreshed);
  if (server) server->Stop();
  if (!run.ok()) return Fail(run, config.db);
  if (!refreshed.ok()) return Fail(refreshed, config.db);
  absl::Status flush = (*db)->Flush();
  if (!flush.ok()) {
    std::fprintf(stderr, "inlinksd: flush: %s\n", flush.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  sigset_t signals = HandledSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::vector<std::string> args(argv + 1, argv + argc);
  absl::StatusOr<inlinks::tools::DaemonConfig> config = inlinks::tools::ParseDaemonConfig(args);
  if (!config.ok()) {
    std::fprintf(stderr, "inlinksd: %s\n\n%s", std::string(config.status().message()).c_str(),
                 inlinks::tools::DaemonUsage().c_str());
    return 2;
  }
  if (config->help) {
    std::fputs(inlinks::tools::DaemonUsage().c_str(), stdout);
    return 0;
  }
  if (config->log_level == "warning") inlinks::core::SetLogLevel(inlinks::core::LogLevel::kWarning);
  if (config->log_level == "error") inlinks::core::SetLogLevel(inlinks::core::LogLevel::kError);
  // The geo database is checked at startup, whatever the command, so a bad
  // --geoip fails now rather than as empty fields later.
  std::unique_ptr<inlinks::query::GeoDb> geo;
  if (!config->geoip.empty()) {
    absl::StatusOr<std::unique_ptr<inlinks::query::GeoDb>> opened =
        inlinks::query::GeoDb::Open(config->geoip);
    if (!opened.ok()) {
      std::fprintf(stderr, "inlinksd: --geoip: %s\n",
                   std::string(opened.status().message()).c_str());
      return 2;
    }
    geo = std::move(*opened);
    if (config->command == "crawl" && config->serve.empty()) {
      INLINKS_LOG(WARNING) << "--geoip is used only by the API (serve, or crawl --serve)";
    } else {
      INLINKS_LOG(INFO) << "geoip: " << config->geoip << " (" << geo->database_type() << ")";
    }
  }
  if (config->command == "crawl") return Crawl(*config, geo.get());
  return Serve(*config, geo.get());
}
