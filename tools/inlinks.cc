// inlinks: the command-line tool. Subcommands so far:
//
//   inlinks extract [--base-url URL] [--content-type TYPE] [--summary] PATH...
//       Runs the link extractor over HTML files (a directory is walked for
//       *.htm/*.html). Each file's URL is --base-url joined with its path
//       relative to the argument it was found under (default base
//       http://localhost/). Prints one JSON object per page, then a summary
//       line on stderr.
//
//   inlinks import --db DIR FILE.warc[.gz]...
//       Reads pages from WARC files, extracts their links and indexes them
//       into the database in DIR (created if missing).
//
//   inlinks check --db DIR
//       Recomputes every counter and pagination bucket from the records and
//       reports any difference (exit 1 when the index is inconsistent).
//
//   inlinks rank --db DIR [--damping D] [--tolerance T] [--max-iterations N]
//       Computes PageRank over the crawled page graph and stores it in every
//       page record (indexer/rank.h; sr is derived from it), then prints a
//       one-line summary. Opens the database read-write (not beside a daemon).
//
//   inlinks backlinks TARGET [--db DIR] [--scope auto|domain|host|url]
//                    [--limit N] [--offset N | --cursor C] [--state live|lost|all]
//                    [--nofollow yes|no] [--tag T] [--format table|json|xml|csv]
//                    [--geoip FILE]
//       Prints one page of the backlinks of TARGET with the exact total, the
//       rows the API returns (query/backlinks.h), reading the database
//       read-only (beside a running daemon).
//
//   inlinks stats [--db DIR] [--format text|json]
//       Live and lost link records, pages, target domains, size on disk.
//
//   inlinks trend TARGET [--db DIR] [--scope K] [--from D] [--to D] [--format F]
//   inlinks new|lost TARGET [--db DIR] [--scope K] [--from D] [--to D] [--limit N]
//                   [--offset N] [--format F]
//       The daily trend of live backlinks and referring domains, and the
//       backlinks first seen / lost within a window of UTC days
//       (query/history.h), read-only.
//
// Later issues add query/admin subcommands (see README.md).
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "inlinks/core/records.h"
#include "inlinks/core/url.h"
#include "inlinks/crawler/extractor.h"
#include "inlinks/crawler/warc_import.h"
#include "inlinks/indexer/check.h"
#include "inlinks/indexer/indexer.h"
#include "inlinks/indexer/rank.h"
#include "inlinks/storage/db.h"
#include "inlinks_keys.h"
#include "query_commands.h"

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr char kUsage[] =
    "usage: inlinks COMMAND [OPTIONS]\n"
    "\n"
    "  extract [--base-url URL] [--content-type TYPE] [--summary] PATH...\n"
    "      Extracts every link of the HTML files at PATH (files or directories)\n"
    "      and prints one JSON object per page.\n"
    "      --base-url URL       URL of the directory given (default http://localhost/)\n"
    "      --content-type TYPE  Content-Type header to assume (default text/html)\n"
    "      --summary            print only the summary line\n"
    "  import --db DIR FILE.warc[.gz]...\n"
    "      Indexes the pages of WARC files into the database in DIR.\n"
    "  check --db DIR\n"
    "      Verifies every counter and pagination bucket against the records.\n"
    "  migrate --db DIR\n"
    "      Converts a database of an older format version to this build's.\n"
    "  compact --db DIR\n"
    "      Rewrites the database with current options, dropping overwritten and\n"
    "      deleted data: smaller on disk and faster to query (minutes when large).\n"
    "  rank --db DIR [--damping D] [--tolerance T] [--max-iterations N]\n"
    "      Computes PageRank over the crawled pages (sr) and stores it.\n"
    "      --damping D          probability of following a link (default 0.85)\n"
    "      --tolerance T        stop when the L1 change is below T (default 1e-6)\n"
    "      --max-iterations N   stop after N iterations (default 200)\n"
    "  backlinks TARGET [--db DIR] [--scope auto|domain|host|url] [--limit N]\n"
    "            [--offset N | --cursor C] [--state live|lost|all] [--nofollow yes|no]\n"
    "            [--tag T] [--format table|json|xml|csv] [--geoip FILE]\n"
    "      Prints a page of the backlinks of TARGET with the exact total\n"
    "      (`inlinks backlinks --help` for details).\n"
    "  stats [--db DIR] [--format text|json]\n"
    "      Link records (live, lost), pages, target domains and size on disk.\n"
    "  trend TARGET [--db DIR] [--from YYYY-MM-DD] [--to YYYY-MM-DD] ...\n"
    "      Live backlinks and referring domains of TARGET per day.\n"
    "  new|lost TARGET [--db DIR] [--from YYYY-MM-DD] [--to YYYY-MM-DD] ...\n"
    "      Backlinks first seen / lost within the window (`inlinks new --help`).\n"
    "  keys add|list|revoke|credit ...\n"
    "      Manages the HTTP API's keys and credits (`inlinks keys --help`).\n";

// Reads "--db DIR" from args (removing it); empty when absent.
std::string TakeDb(std::vector<std::string>& args) {
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--db") {
      std::string dir = args[i + 1];
      args.erase(args.begin() + static_cast<long>(i), args.begin() + static_cast<long>(i) + 2);
      return dir;
    }
  }
  return "";
}

// Opens the database in `dir`; null after printing "inlinks COMMAND: why".
std::unique_ptr<inlinks::storage::Db> OpenOrReport(const char* command, const std::string& dir,
                                                   const inlinks::storage::DbOptions& options = {}) {
  auto db = inlinks::storage::Db::Open(dir, options);
  if (!db.ok()) {
    std::fprintf(stderr, "inlinks %s: %s\n", command, db.status().ToString().c_str());
    return nullptr;
  }
  return std::move(*db);
}

int Import(std::vector<std::string> args) {
  std::string dir = TakeDb(args);
  if (dir.empty() || args.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  // Inputs first: a missing WARC must not leave a new database behind.
  for (const std::string& file : args) {
    if (!std::ifstream(file)) {
      std::fprintf(stderr, "inlinks import: cannot read '%s'\n", file.c_str());
      return 2;
    }
  }
  auto db = OpenOrReport("import", dir);
  if (db == nullptr) return 1;
  // Pages are published in the background, once a second, and all of them
  // when the indexer is destroyed at the end.
  inlinks::indexer::IndexerOptions indexer_options;
  indexer_options.refresh_interval_ms = 1000;
  auto indexer = inlinks::indexer::Indexer::Create(*db, indexer_options);
  if (!indexer.ok()) {
    std::fprintf(stderr, "inlinks import: %s\n", indexer.status().ToString().c_str());
    return 1;
  }
  inlinks::crawler::WarcImportOptions options;
  size_t reported = 0;
  options.on_error = [&](const absl::Status& s) {
    if (++reported <= 20) std::fprintf(stderr, "inlinks import: %s\n", s.ToString().c_str());
  };
  int rc = 0;
  auto start = std::chrono::steady_clock::now();
  for (const std::string& file : args) {
    auto stats = inlinks::crawler::ImportWarcFile(file, **indexer, options);
    if (!stats.ok()) {
      std::fprintf(stderr, "inlinks import: %s: %s\n", file.c_str(),
                   stats.status().ToString().c_str());
      rc = 1;
      continue;
    }
    double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%s: %llu records, %llu pages indexed (%llu links, %llu redirects, %llu gone, "
                "%llu not HTML), %llu skipped, %llu errors, %.2f s\n",
                file.c_str(), static_cast<unsigned long long>(stats->records),
                static_cast<unsigned long long>(stats->pages),
                static_cast<unsigned long long>(stats->links),
                static_cast<unsigned long long>(stats->redirects),
                static_cast<unsigned long long>(stats->gone),
                static_cast<unsigned long long>(stats->not_html),
                static_cast<unsigned long long>(stats->skipped_records),
                static_cast<unsigned long long>(stats->errors), secs);
  }
  return rc;
}

int Check(std::vector<std::string> args) {
  std::string dir = TakeDb(args);
  if (dir.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  inlinks::storage::DbOptions options;
  options.read_only = true;
  auto db = OpenOrReport("check", dir, options);
  if (db == nullptr) return 1;
  auto report = inlinks::indexer::CheckIndex(*db);
  if (!report.ok()) {
    std::fprintf(stderr, "inlinks check: %s\n", report.status().ToString().c_str());
    return 1;
  }
  std::printf("%llu live links, %llu lost links, %llu pages, %llu counters, %llu buckets "
              "and %llu strength-order entries checked: %llu errors\n",
              static_cast<unsigned long long>(report->live_links),
              static_cast<unsigned long long>(report->lost_links),
              static_cast<unsigned long long>(report->pages),
              static_cast<unsigned long long>(report->counters_checked),
              static_cast<unsigned long long>(report->buckets_checked),
              static_cast<unsigned long long>(report->strength_entries),
              static_cast<unsigned long long>(report->errors));
  if (!report->strength_order) {
    std::printf("no strength order yet (built when a writer of this version opens the "
                "database)\n");
  }
  if (!report->history_since) {
    std::printf("no daily history kept yet (no indexer of this version has opened the database)\n");
  } else if (*report->history_since > 0) {
    std::printf("daily history kept since unix time %lld (older days not checked)\n",
                static_cast<long long>(*report->history_since));
  }
  if (report->pages_pending > 0) {
    std::printf("%llu pages in %llu journal entries wait for the next refresh (the published "
                "view was checked; their page and forward records are ahead of it)\n",
                static_cast<unsigned long long>(report->pages_pending),
                static_cast<unsigned long long>(report->journal_entries));
  }
  for (const std::string& m : report->messages) std::printf("  %s\n", m.c_str());
  return report->ok() ? 0 : 1;
}

int Migrate(std::vector<std::string> args) {
  std::string dir = TakeDb(args);
  if (dir.empty() || !args.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  inlinks::storage::DbOptions options;
  options.create_if_missing = false;
  auto db = OpenOrReport("migrate", dir, options);
  if (db == nullptr) return 1;
  const int from = db->opened_format_version();
  if (from == inlinks::storage::kFormatVersion) {
    std::printf("%s is already in format version %d: nothing to do\n", dir.c_str(), from);
  } else {
    std::printf("%s converted from format version %d to %d\n", dir.c_str(), from,
                inlinks::storage::kFormatVersion);
  }
  return 0;
}

int Compact(std::vector<std::string> args) {
  std::string dir = TakeDb(args);
  if (dir.empty() || !args.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  inlinks::storage::DbOptions options;
  options.create_if_missing = false;  // a mistyped --db is an error
  auto db = OpenOrReport("compact", dir, options);
  if (db == nullptr) return 1;
  auto table_bytes = [&db] {
    uint64_t bytes = 0;
    for (int f = 0; f < inlinks::storage::kFamilyCount; ++f) {
      bytes += db->ApproximateSize(static_cast<inlinks::storage::Family>(f));
    }
    return bytes;
  };
  const uint64_t before = table_bytes();
  if (absl::Status s = db->Compact(); !s.ok()) {
    std::fprintf(stderr, "inlinks compact: %s\n", s.ToString().c_str());
    return 1;
  }
  const uint64_t after = table_bytes();
  std::printf("compacted %s: %.1f MB -> %.1f MB of table files\n", dir.c_str(),
              static_cast<double>(before) / 1e6, static_cast<double>(after) / 1e6);
  return 0;
}

// A whole-string number; false when `s` is not one.
bool ParseDouble(const std::string& s, double& out) {
  if (s.empty()) return false;
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

int Rank(std::vector<std::string> args) {
  std::string dir = TakeDb(args);
  inlinks::indexer::RankOptions options;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    bool ok = i + 1 < args.size();
    if (ok && a == "--damping") {
      ok = ParseDouble(args[++i], options.damping);
    } else if (ok && a == "--tolerance") {
      ok = ParseDouble(args[++i], options.tolerance);
    } else if (ok && a == "--max-iterations") {
      const std::string& v = args[++i];
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), options.max_iterations);
      ok = ec == std::errc() && end == v.data() + v.size();
    } else {
      ok = false;
    }
    if (!ok) {
      std::fprintf(stderr, "inlinks rank: bad argument '%s'\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  if (dir.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  inlinks::storage::DbOptions db_options;
  db_options.create_if_missing = false;
  auto db = OpenOrReport("rank", dir, db_options);
  if (db == nullptr) return 1;
  auto stats = inlinks::indexer::RankPages(*db, options);
  if (!stats.ok()) {
    std::fprintf(stderr, "inlinks rank: %s\n", stats.status().ToString().c_str());
    return 1;
  }
  const inlinks::indexer::RankStats& s = *stats;
  std::printf("ranked %llu pages (%llu nodes), %llu links -> %llu edges, %llu dangling; "
              "%d iterations, L1 delta %.2g (%s); rank %.3g..%.4g; %llu records written, "
              "%llu links of %llu pages moved in the strength order; "
              "%.1f bytes/link (%.1f MB); load %.2f s, iterate %.2f s, store %.2f s\n",
              static_cast<unsigned long long>(s.pages), static_cast<unsigned long long>(s.nodes),
              static_cast<unsigned long long>(s.links), static_cast<unsigned long long>(s.edges),
              static_cast<unsigned long long>(s.dangling), s.iterations, s.l1_delta,
              s.converged ? "converged" : "NOT converged", s.min_rank, s.max_rank,
              static_cast<unsigned long long>(s.pages_written),
              static_cast<unsigned long long>(s.links_reordered),
              static_cast<unsigned long long>(s.pages_reordered), s.bytes_per_edge,
              static_cast<double>(s.peak_bytes) / 1e6, s.load_seconds, s.iterate_seconds,
              s.store_seconds);
  return 0;
}

json::object PageToJson(const inlinks::core::Page& page) {
  json::object o;
  o["url"] = page.url;
  o["title"] = page.title;
  o["canonical"] = page.canonical;
  o["encoding"] = page.encoding;
  o["meta_robots"] = page.meta_robots;
  o["links_internal"] = page.internal_links;
  o["links_external"] = page.external_links;
  o["links_total"] = page.total_links;
  o["skipped_hrefs"] = page.skipped_hrefs;
  o["truncated"] = page.truncation != inlinks::core::Truncation::kNone;
  json::array links;
  for (const auto& l : page.links) {
    json::object lo;
    lo["pos"] = l.position;
    lo["tag"] = std::string(inlinks::core::LinkTagName(l.tag));
    lo["target"] = l.target;
    lo["anchor"] = l.anchor;
    lo["nofollow"] = l.nofollow();
    if (l.ugc()) lo["ugc"] = true;
    if (l.sponsored()) lo["sponsored"] = true;
    lo["internal"] = l.internal;
    links.push_back(std::move(lo));
  }
  o["links"] = std::move(links);
  return o;
}

bool IsHtmlFile(const fs::path& p) {
  std::string ext = p.extension().string();
  return ext == ".html" || ext == ".htm" || ext == ".xhtml";
}

int Extract(const std::vector<std::string>& args) {
  std::string base_url = "http://localhost/";
  std::string content_type = "text/html";
  bool summary_only = false;
  std::vector<std::string> paths;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if ((a == "--base-url" || a == "--content-type") && i + 1 < args.size()) {
      (a == "--base-url" ? base_url : content_type) = args[++i];
    } else if (a == "--summary") {
      summary_only = true;
    } else if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "inlinks extract: unknown option '%s'\n%s", a.c_str(), kUsage);
      return 2;
    } else {
      paths.push_back(a);
    }
  }
  if (paths.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  if (base_url.empty() || base_url.back() != '/') base_url += '/';
  auto base = inlinks::core::ParseUrl(base_url);
  if (!base.ok()) {
    std::fprintf(stderr, "inlinks extract: bad --base-url: %s\n",
                 std::string(base.status().message()).c_str());
    return 2;
  }

  size_t pages = 0, links = 0, bytes = 0, failures = 0;
  auto start = std::chrono::steady_clock::now();
  auto one = [&](const fs::path& file, const fs::path& root) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "inlinks extract: cannot read %s\n", file.c_str());
      ++failures;
      return;
    }
    std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    fs::path rel = fs::is_directory(root) ? file.lexically_relative(root) : file.filename();
    auto url = inlinks::core::ResolveUrl(*base, rel.generic_string());
    if (!url.ok()) {
      std::fprintf(stderr, "inlinks extract: %s: %s\n", file.c_str(),
                   std::string(url.status().message()).c_str());
      ++failures;
      return;
    }
    auto page = inlinks::crawler::ExtractPage(body, content_type, *url);
    if (!page.ok()) {
      std::fprintf(stderr, "inlinks extract: %s: %s\n", file.c_str(),
                   std::string(page.status().message()).c_str());
      ++failures;
      return;
    }
    ++pages;
    links += page->links.size();
    bytes += body.size();
    if (!summary_only) std::cout << json::serialize(PageToJson(*page)) << '\n';
  };
  for (const std::string& p : paths) {
    fs::path root(p);
    std::error_code ec;
    if (fs::is_directory(root, ec)) {
      std::vector<fs::path> files;
      for (auto it = fs::recursive_directory_iterator(root, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file() && IsHtmlFile(it->path())) files.push_back(it->path());
      }
      std::sort(files.begin(), files.end());
      for (const auto& f : files) one(f, root);
    } else {
      one(root, root);
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr,
               "inlinks extract: %zu pages, %zu links, %.1f MB in %.2f s "
               "(%.0f pages/s, %.1f MB/s), %zu failures\n",
               pages, links, bytes / 1e6, secs, pages / (secs > 0 ? secs : 1),
               bytes / 1e6 / (secs > 0 ? secs : 1), failures);
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "-h" || args[0] == "--help") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  std::string command = args[0];
  args.erase(args.begin());
  if (command == "extract") return Extract(args);
  if (command == "import") return Import(args);
  if (command == "check") return Check(args);
  if (command == "migrate") return Migrate(args);
  if (command == "rank") return Rank(args);
  if (command == "compact") return Compact(args);
  if (command == "backlinks") return inlinks::tools::BacklinksCommand(args);
  if (command == "stats") return inlinks::tools::StatsCommand(args);
  if (command == "trend") return inlinks::tools::TrendCommand(args);
  if (command == "new") return inlinks::tools::NewLinksCommand(args);
  if (command == "lost") return inlinks::tools::LostLinksCommand(args);
  if (command == "keys") return RunKeysCommand(args);
  std::fprintf(stderr, "inlinks: unknown command '%s'\n%s", command.c_str(), kUsage);
  return 2;
}
