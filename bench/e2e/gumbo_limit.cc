// File: bench/e2e/gumbo_limit.cc
//
// Owns: `inlinks-gumbo-limit`, the physical limit of the end-to-end harness
// (bench/e2e/inlinks_bench.py, issue 6): a bare gumbo parse of the same pages
// the crawler fetches, from memory, on every core. Nothing is fetched,
// extracted or indexed: a crawler that parses every page with gumbo cannot
// go faster than this on the same machine.
//
//   inlinks-gumbo-limit [--threads N] [--repeat R] [--max-errors E]
//                       [--max-pages K] [--pages fetched|all]
//                       [--seed S --hosts N --domains M --pages-per-host P
//                        --page-bytes B --links MIN-MAX --url-port PORT]
//   inlinks-gumbo-limit --dir DIR [--threads N] ...
//
// Without --dir it renders the pages of the synthetic web (same flags as
// inlinks-web) into memory with testweb::Web::PageHtml: with --pages fetched
// (the default) the 200 pages a crawler that obeys robots.txt fetches from the
// seeds (ReachableTruth().FetchedPages(): the pages inlinksd parses), with
// --pages all every page that answers 200 (PageUrls(), robots-disallowed
// pages included); with --dir it reads every *.html / *.htm under DIR. With
// --max-pages K only K pages, evenly spaced over the list, are kept (a
// 200,000-page web is 5 GB of HTML; the parse rate per page does not depend
// on how many there are). Then N threads (default: one per core) parse the
// pages R times (default 1) with gumbo_parse_with_options(kGumboDefaultOptions,
// max_errors = E (default 0, as crawler/src/extractor.cc sets it)) and
// gumbo_destroy_output. Prints one
// JSON object on stdout: site_pages (before --max-pages), pages, bytes,
// threads, seconds, pages_per_s, mb_per_s (MB = 1e6 bytes),
// per_core_pages_per_s. Only the parse loop is timed; rendering or reading
// the pages is not.
//
// Thread safety: single-threaded setup; the worker threads share the
// read-only page vector and one atomic work counter.
#include <gumbo.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "inlinks/testweb/web.h"

namespace {

namespace fs = std::filesystem;

constexpr char kUsage[] =
    "usage: inlinks-gumbo-limit [--dir DIR] [--threads N] [--repeat R] [--max-errors E]\n"
    "                           [--max-pages K] [--pages fetched|all]\n"
    "                           [--seed S] [--hosts N] [--domains M] [--pages-per-host P]\n"
    "                           [--page-bytes B] [--links MIN-MAX] [--url-port PORT]\n"
    "Parses every page of the synthetic web (or every *.html under DIR) with bare\n"
    "gumbo from memory on N threads (default: cores) and prints JSON throughput.\n";

int Fail(const std::string& message) {
  std::fprintf(stderr, "inlinks-gumbo-limit: %s\n", message.c_str());
  return 2;
}

bool IsHtml(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return ext == ".html" || ext == ".htm";
}

// Reads every HTML file under `dir`, in path order (deterministic).
bool ReadDir(const std::string& dir, std::vector<std::string>* pages) {
  std::error_code ec;
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec) && IsHtml(it->path())) files.push_back(it->path());
  }
  if (ec) return false;
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return false;
    pages->push_back(std::move(body));
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  inlinks::testweb::WebSpec spec;
  std::string dir;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int repeat = 1;
  int max_errors = 0;
  int max_pages = 0;  // 0 = every page
  bool all_pages = false;
  size_t site_pages = 0;  // pages of the site before --max-pages

  std::vector<std::string> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string v;
    auto value = [&]() {
      if (i + 1 >= args.size()) return false;
      v = args[++i];
      return true;
    };
    int n = 0;
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--dir") {
      if (!value()) return Fail("--dir needs a directory");
      dir = v;
    } else if (a == "--pages") {
      if (!value() || (v != "fetched" && v != "all")) return Fail("--pages takes fetched or all");
      all_pages = v == "all";
    } else if (a == "--max-errors") {
      if (!value() || !absl::SimpleAtoi(v, &max_errors)) return Fail("--max-errors needs a number");
    } else if (a == "--threads" || a == "--repeat" || a == "--max-pages" || a == "--seed" ||
               a == "--hosts" || a == "--domains" || a == "--pages-per-host" ||
               a == "--page-bytes" || a == "--url-port") {
      if (!value() || !absl::SimpleAtoi(v, &n) || n < 0) return Fail(a + " needs a number");
      if (a == "--threads") threads = std::max(1, n);
      if (a == "--repeat") repeat = std::max(1, n);
      if (a == "--max-pages") max_pages = n;
      if (a == "--seed") spec.seed = static_cast<uint64_t>(n);
      if (a == "--hosts") spec.hosts = n;
      if (a == "--domains") spec.domains = n;
      if (a == "--pages-per-host") spec.pages_per_host = n;
      if (a == "--page-bytes") spec.page_bytes = static_cast<size_t>(n);
      if (a == "--url-port") spec.port = static_cast<uint16_t>(n);
    } else if (a == "--links") {
      size_t dash;
      if (!value() || (dash = v.find('-')) == std::string::npos ||
          !absl::SimpleAtoi(v.substr(0, dash), &spec.min_links) ||
          !absl::SimpleAtoi(v.substr(dash + 1), &spec.max_links)) {
        return Fail("--links needs MIN-MAX");
      }
    } else {
      std::fputs(kUsage, stderr);
      return Fail("unknown argument: " + a);
    }
  }

  std::vector<std::string> pages;
  if (!dir.empty()) {
    if (!ReadDir(dir, &pages)) return Fail("cannot read " + dir);
  } else {
    auto web = inlinks::testweb::Web::Create(spec);
    if (!web.ok()) return Fail(web.status().ToString());
    std::vector<std::string> urls =
        all_pages ? (*web)->PageUrls() : (*web)->ReachableTruth().FetchedPages();
    site_pages = urls.size();
    if (max_pages > 0 && urls.size() > static_cast<size_t>(max_pages)) {
      std::vector<std::string> kept;
      for (int k = 0; k < max_pages; ++k) kept.push_back(urls[urls.size() * k / max_pages]);
      urls = std::move(kept);
    }
    for (const std::string& url : urls) {
      auto html = (*web)->PageHtml(url);
      if (!html.ok()) return Fail(html.status().ToString());
      pages.push_back(std::move(*html));
    }
  }
  if (!dir.empty()) site_pages = pages.size();
  if (!dir.empty() && max_pages > 0 && pages.size() > static_cast<size_t>(max_pages)) {
    std::vector<std::string> kept;
    for (int k = 0; k < max_pages; ++k) {
      kept.push_back(std::move(pages[pages.size() * k / max_pages]));
    }
    pages = std::move(kept);
  }
  if (pages.empty()) return Fail("no pages");
  size_t bytes = 0;
  for (const std::string& p : pages) bytes += p.size();

  GumboOptions options = kGumboDefaultOptions;
  options.max_errors = max_errors;
  const size_t total = pages.size() * static_cast<size_t>(repeat);
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (;;) {
      size_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= total) return;
      const std::string& page = pages[i % pages.size()];
      GumboOutput* out = gumbo_parse_with_options(&options, page.data(), page.size());
      gumbo_destroy_output(&options, out);
    }
  };
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (std::thread& t : pool) t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  double parsed_pages = static_cast<double>(total);
  double parsed_bytes = static_cast<double>(bytes) * repeat;
  std::printf(
      "{\"site_pages\": %zu, \"pages\": %zu, \"bytes\": %zu, \"repeat\": %d, "
      "\"threads\": %d, \"max_errors\": %d, "
      "\"seconds\": %.4f, \"pages_per_s\": %.1f, \"mb_per_s\": %.2f, "
      "\"per_core_pages_per_s\": %.1f}\n",
      site_pages, pages.size(), bytes, repeat, threads, max_errors, secs, parsed_pages / secs,
      parsed_bytes / secs / 1e6, parsed_pages / secs / threads);
  return 0;
}
