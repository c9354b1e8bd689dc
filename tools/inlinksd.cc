// inlinksd: the daemon. `inlinksd crawl` crawls from seed lists into the
// backlink index (and with --serve answers the HTTP API at the same time);
// `inlinksd serve` answers the API over an existing index. `inlinksd --help`
// lists every option (tools/daemon_config.h).
//
// Signals: SIGTERM / SIGINT stop fetching, let in-flight fetches finish for
// a few seconds, flush and exit 0 (a second one exits at once); SIGHUP
// reloads the seed file. The frontier is persistent, so the next start
// resumes where this one stopped.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "inlinks/core/log.h"
#include "inlinks/crawler/crawler.h"
#include "inlinks/indexer/indexer.h"
#include "inlinks/storage/db.h"
#include "tools/daemon_config.h"

namespace {

using inlinks::crawler::CrawlStats;
using inlinks::crawler::FetchError;
using inlinks::crawler::FetchErrorName;
using inlinks::crawler::kFetchErrorCount;

absl::StatusOr<std::vector<std::string>> ReadSeedFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError("cannot read seed file '" + path + "'");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Adds seeds, logging (not failing on) entries that are not URLs.
void AddSeeds(inlinks::crawler::Frontier& frontier, const std::vector<std::string>& seeds) {
  for (const std::string& seed : seeds) {
    absl::StatusOr<size_t> n = frontier.AddSeeds({seed});
    if (!n.ok()) {
      INLINKS_LOG(WARNING) << "skipping seed: " << n.status().message();
    }
  }
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

std::string ProgressLine(const CrawlStats& now, const CrawlStats& before, double seconds) {
  uint64_t errors = 0;
  for (uint64_t e : now.errors) errors += e;
  return absl::StrFormat(
      "%d pages (%.0f/s), %d links (%.0f/s), %.1f MB, queue %d, in flight %d, hosts %d, "
      "known %d, errors %d, robots-skipped %d",
      now.pages_indexed, (now.pages_indexed - before.pages_indexed) / seconds, now.links_found,
      (now.links_found - before.links_found) / seconds, now.bytes / 1e6, now.frontier.queued,
      now.frontier.in_flight, now.frontier.hosts, now.frontier.known, errors,
      now.robots_disallowed);
}

int Crawl(const inlinks::tools::DaemonConfig& config) {
  absl::StatusOr<std::unique_ptr<inlinks::storage::Db>> db = inlinks::storage::Db::Open(config.db);
  if (!db.ok()) {
    std::fprintf(stderr, "inlinksd: %s\n", db.status().ToString().c_str());
    return 1;
  }
  absl::StatusOr<std::unique_ptr<inlinks::indexer::Indexer>> indexer =
      inlinks::indexer::Indexer::Create(**db);
  if (!indexer.ok()) {
    std::fprintf(stderr, "inlinksd: %s\n", indexer.status().ToString().c_str());
    return 1;
  }
  absl::StatusOr<std::unique_ptr<inlinks::crawler::Crawler>> crawler =
      inlinks::crawler::Crawler::Create(**db, **indexer, config.crawl);
  if (!crawler.ok()) {
    std::fprintf(stderr, "inlinksd: %s\n", crawler.status().ToString().c_str());
    return 1;
  }
  inlinks::crawler::Crawler& c = **crawler;
  if (!config.seeds_file.empty()) {
    absl::StatusOr<std::vector<std::string>> seeds = ReadSeedFile(config.seeds_file);
    if (!seeds.ok()) {
      std::fprintf(stderr, "inlinksd: %s\n", std::string(seeds.status().message()).c_str());
      return 2;
    }
    AddSeeds(c.frontier(), *seeds);
  }
  AddSeeds(c.frontier(), config.seeds);
  if (c.frontier().Idle() && c.frontier().stats().scheduled == 0) {
    std::fprintf(stderr,
                 "inlinksd: nothing to crawl: give --seeds FILE or --seed URL (the frontier in "
                 "%s is empty)\n",
                 config.db.c_str());
    return 2;
  }
  if (!config.serve.empty()) {
    std::fprintf(stderr, "inlinksd: --serve is not available in this build\n");
    return 2;
  }

  // Signals are taken by one thread with sigwait (blocked everywhere else).
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGUSR1}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::thread signal_thread([&] {
    int stops = 0;
    for (;;) {
      int sig = 0;
      if (sigwait(&signals, &sig) != 0) continue;
      if (sig == SIGUSR1) return;  // Run() returned
      if (sig == SIGHUP) {
        if (config.seeds_file.empty()) continue;
        absl::StatusOr<std::vector<std::string>> seeds = ReadSeedFile(config.seeds_file);
        if (!seeds.ok()) {
          INLINKS_LOG(WARNING) << "SIGHUP: " << seeds.status().message();
          continue;
        }
        AddSeeds(c.frontier(), *seeds);
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
      if (++ticks % (tty ? 5 : 50) != 0 || done) continue;
      auto now = std::chrono::steady_clock::now();
      double secs = std::chrono::duration<double>(now - last).count();
      CrawlStats stats = c.stats();
      std::string line = ProgressLine(stats, before, secs);
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

  CrawlStats s = c.stats();
  std::fprintf(stderr,
               "inlinksd: %llu pages indexed, %llu links, %llu fetches, %.1f MB in %.1f s "
               "(%.0f pages/s); queue %llu, known %llu; robots-skipped %llu; errors:%s\n",
               static_cast<unsigned long long>(s.pages_indexed),
               static_cast<unsigned long long>(s.links_found),
               static_cast<unsigned long long>(s.fetches), s.bytes / 1e6, secs,
               s.pages_indexed / std::max(secs, 1e-9),
               static_cast<unsigned long long>(s.frontier.queued),
               static_cast<unsigned long long>(s.frontier.known),
               static_cast<unsigned long long>(s.robots_disallowed), ErrorSummary(s).c_str());
  if (!run.ok()) {
    std::fprintf(stderr, "inlinksd: %s\n", run.ToString().c_str());
    return 1;
  }
  absl::Status flush = (*db)->Flush();
  if (!flush.ok()) {
    std::fprintf(stderr, "inlinksd: flush: %s\n", flush.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
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
  if (config->command == "crawl") return Crawl(*config);
  std::fprintf(stderr, "inlinksd: serve is not available in this build\n");
  return 2;
}
