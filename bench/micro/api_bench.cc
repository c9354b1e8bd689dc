// The query API's pages in process beside SQLite holding the same links with
// an index on the target (what a user would otherwise do), issue 4.
//
//   build-release/bench/api_bench [benchmark flags]
//   INLINKS_BENCH_DB=/path/to/db build-release/bench/api_bench
//
// One database of 6,000,000 live links, written through the real
// indexer::Indexer from 100,000 generated source pages (URLs ~60 bytes,
// titles, anchors, 60 links each):
//   - big.example     5,100,000 links (51 per page, ~50,000 target pages on
//                     24 hosts) -- the 5M scope of the issue;
//   - small.example   ~1,000 links (a small scope);
//   - medium.example  ~10,000 links;
//   - every source site's own domain (internal links) and ~5,000 other hosts.
// The RocksDB directory is $INLINKS_BENCH_DB (default /tmp/inlinks_api_bench_db)
// and the SQLite peer is $INLINKS_BENCH_DB.sqlite; each is built once and
// reused while its marker file says it is complete (the build takes minutes;
// bench/e2e/api_wrk.sh serves the same directory over HTTP).
//
// The database is ranked after indexing (indexer::RankPages, as `inlinks
// rank` would; the summary line gives the rank + reorder time per million
// links), so results come strongest source first.
//
// The SQLite peer holds the same rows in one denormalized table
//   backlinks(target_host_rev, target_url, source_url, anchor, position, tag,
//             nofollow, first_seen, title, int_links, ext_links,
//             target_site, target_key, sr)
// with an index on (target_site, sr DESC, source_url, target_key): a domain
// scope is one target_site (core::HostKey of the registrable domain), sr is
// the source page's strength in tenths as inlinks stores it, and the order
// is the one inlinks documents (docs/query.md: sr descending, source URL,
// target URL key), so both sides return the same rows for the same page
// (checked before the benchmarks run). An exact total costs SQLite a
// COUNT(*) over the scope's index range; inlinks reads it from the scope
// counter. SQLite gets a 256 MiB page cache, the size
// of the RocksDB block cache.
//
// Link intelligence (issue 7) on the same scopes: ReferringDomains (with
// first seen), AnchorTexts (with referring-domain counts), Backlinks with one
// link per referring domain, beside the floor of a bare scan of the scope
// and SQLite's GROUP BY anchor with COUNT(DISTINCT site).
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "inlinks/core/domain.h"
#include "inlinks/core/keys.h"
#include "inlinks/core/records.h"
#include "inlinks/core/url.h"
#include "inlinks/indexer/indexer.h"
#include "inlinks/indexer/rank.h"
#include "inlinks/query/backlinks.h"
#include "inlinks/query/writers.h"
#include "inlinks/storage/db.h"
#include "inlinks/storage/records.h"

namespace {

namespace fs = std::filesystem;
using inlinks::core::Link;
using inlinks::core::Page;

// ---------------------------------------------------------------------------
// The data set (deterministic: page p is a function of p alone)
// ---------------------------------------------------------------------------

constexpr uint64_t kPages = 100000;
constexpr uint32_t kBigLinksPerPage = 51;  // 5,100,000 links into big.example
constexpr uint32_t kOtherLinksPerPage = 9;
constexpr uint64_t kSites = 20000;
constexpr int64_t kFetchTime = 1700000000;
// Bump when the generator changes: a cached database of another version is rebuilt.
constexpr const char* kDataVersion = "api_bench v3 (ranked, strength order with values): 100000 pages x (51 big + 9 other) links";

const char* const kWords[] = {"best",  "cheap", "guide", "review", "news",  "home",
                              "blog",  "shop",  "about", "how-to", "2024",  "tips",
                              "price", "top",   "free",  "online", "local", "buy"};
constexpr size_t kWordCount = sizeof(kWords) / sizeof(kWords[0]);

const char* const kBigHosts[] = {"www",  "blog",  "shop",  "docs", "news", "support",
                                 "m",    "en",    "de",    "fr",   "es",   "it",
                                 "api",  "dev",   "cdn",   "img",  "help", "forum",
                                 "jobs", "about", "store", "wiki", "mail", "status"};
constexpr size_t kBigHostCount = sizeof(kBigHosts) / sizeof(kBigHosts[0]);

std::string Word(std::mt19937_64& rng) { return kWords[rng() % kWordCount]; }

std::string Normalized(const std::string& url) {
  auto parsed = inlinks::core::ParseUrl(url);
  if (!parsed.ok()) {
    std::fprintf(stderr, "api_bench: generated URL does not parse: %s\n", url.c_str());
    std::abort();
  }
  return parsed->href();
}

// Source page p with its links, as the extractor would hand it over.
Page MakePage(uint64_t p) {
  std::mt19937_64 rng(p * 0x9E3779B97F4A7C15ull + 17);
  Page page;
  const uint64_t site = rng() % kSites;
  // ~60 bytes: https://www.site12345.com/articles/2024/best-guide-98765.html
  page.url = Normalized("https://www.site" + std::to_string(site) + ".com/articles/" +
                        std::to_string(2015 + rng() % 10) + "/" + Word(rng) + "-" + Word(rng) +
                        "-" + std::to_string(p) + ".html");
  page.base = page.url;
  page.title = "Site " + std::to_string(site) + " - " + Word(rng) + " " + Word(rng) + " " +
               Word(rng) + " article " + std::to_string(p);
  auto add = [&](std::string target, bool internal) {
    Link l;
    l.target = Normalized(target);
    l.anchor = Word(rng) + " " + Word(rng) + " " + Word(rng);
    l.position = static_cast<uint32_t>(page.links.size() + 1);
    uint64_t r = rng() % 100;
    l.tag = r < 5 ? inlinks::core::LinkTag::kAImg : inlinks::core::LinkTag::kA;
    l.rel = rng() % 10 == 0 ? inlinks::core::kRelNofollow : inlinks::core::kRelNone;
    l.internal = internal;
    page.links.push_back(std::move(l));
  };
  for (uint32_t i = 0; i < kBigLinksPerPage; ++i) {
    // 24 hosts (www most often), ~50,000 target pages.
    uint64_t h = rng() % 4 == 0 ? rng() % kBigHostCount : 0;
    add("https://" + std::string(kBigHosts[h]) + ".big.example/" + Word(rng) + "/item-" +
            std::to_string(rng() % 2100) + ".html",
        false);
  }
  for (uint32_t i = 0; i < kOtherLinksPerPage; ++i) {
    uint64_t r = rng() % 1000;
    if (i == 0 && p % 100 == 7) {
      add("https://www.small.example/" + Word(rng) + "/" + std::to_string(rng() % 50) + ".html",
          false);
    } else if (i == 1 && p % 10 == 3) {
      add("https://medium.example/p/" + std::to_string(rng() % 500), false);
    } else if (r < 600) {
      add("https://www.site" + std::to_string(site) + ".com/" + Word(rng) + "/" + Word(rng) + "-" +
              std::to_string(rng() % 200) + ".html",
          true);
    } else {
      add("https://www.other" + std::to_string(rng() % 5000) + ".net/" + Word(rng) + "/" +
              std::to_string(rng() % 1000),
          false);
    }
  }
  for (const Link& l : page.links) (l.internal ? page.internal_links : page.external_links)++;
  page.total_links = page.internal_links + page.external_links;
  page.encoding = "utf-8";
  return page;
}

inlinks::core::FetchFacts FactsOf(uint64_t p) {
  inlinks::core::FetchFacts facts;
  facts.http_status = 200;
  facts.fetch_time_unix = kFetchTime + static_cast<int64_t>(p);
  facts.ip = "192.0.2." + std::to_string(p % 250 + 1);
  return facts;
}

// ---------------------------------------------------------------------------
// Building (once; cached behind marker files)
// ---------------------------------------------------------------------------

std::string DbDir() {
  const char* env = std::getenv("INLINKS_BENCH_DB");
  return env != nullptr && *env != '\0' ? env : "/tmp/inlinks_api_bench_db";
}
std::string SqlitePath() { return DbDir() + ".sqlite"; }
std::string InlinksMarker() { return DbDir() + "/API_BENCH_COMPLETE"; }
std::string SqliteMarker() { return SqlitePath() + ".complete"; }

bool MarkerMatches(const std::string& marker) {
  std::ifstream in(marker);
  std::string line;
  return std::getline(in, line) && line == kDataVersion;
}

void WriteMarker(const std::string& marker) {
  std::ofstream out(marker, std::ios::trunc);
  out << kDataVersion << "\n";
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

bool BuildInlinks() {
  if (MarkerMatches(InlinksMarker())) return true;
  std::printf("api_bench: building %s through indexer::Indexer (%llu pages)...\n", DbDir().c_str(),
              static_cast<unsigned long long>(kPages));
  std::fflush(stdout);
  std::error_code ec;
  fs::remove_all(DbDir(), ec);
  auto db = inlinks::storage::Db::Open(DbDir());
  if (!db.ok()) {
    std::fprintf(stderr, "api_bench: %s\n", db.status().ToString().c_str());
    return false;
  }
  auto indexer = inlinks::indexer::Indexer::Create(**db);
  if (!indexer.ok()) {
    std::fprintf(stderr, "api_bench: %s\n", indexer.status().ToString().c_str());
    return false;
  }
  auto start = std::chrono::steady_clock::now();
  uint64_t links = 0;
  for (uint64_t p = 0; p < kPages; ++p) {
    Page page = MakePage(p);
    links += page.links.size();
    if (auto s = (*indexer)->Index(page, FactsOf(p)); !s.ok()) {
      std::fprintf(stderr, "api_bench: indexing page %llu: %s\n",
                   static_cast<unsigned long long>(p), s.ToString().c_str());
      return false;
    }
    if ((p + 1) % 10000 == 0) {
      std::printf("  %llu pages, %llu links, %.0f s, %.0f links/s\n",
                  static_cast<unsigned long long>(p + 1), static_cast<unsigned long long>(links),
                  SecondsSince(start), links / SecondsSince(start));
      std::fflush(stdout);
    }
  }
  if (auto s = (*db)->Flush(); !s.ok()) {
    std::fprintf(stderr, "api_bench: flush: %s\n", s.ToString().c_str());
    return false;
  }
  auto stats = (*indexer)->stats();
  std::printf("api_bench: indexed %llu pages, %llu live links in %.0f s\n",
              static_cast<unsigned long long>(stats.pages),
              static_cast<unsigned long long>(stats.links_added), SecondsSince(start));
  indexer->reset();
  // Ranked, as a deployment would be (inlinks rank): sources get their
  // strengths and the default order moves them (every page, the first time).
  auto ranked = inlinks::indexer::RankPages(**db);
  if (!ranked.ok()) {
    std::fprintf(stderr, "api_bench: rank: %s\n", ranked.status().ToString().c_str());
    return false;
  }
  std::printf("api_bench: ranked %llu pages, %llu links; %llu links of %llu pages moved in the "
              "strength order; load %.1f s, iterate %.1f s, store + reorder %.1f s "
              "(%.2f s per million links)\n",
              static_cast<unsigned long long>(ranked->pages),
              static_cast<unsigned long long>(ranked->links),
              static_cast<unsigned long long>(ranked->links_reordered),
              static_cast<unsigned long long>(ranked->pages_reordered), ranked->load_seconds,
              ranked->iterate_seconds, ranked->store_seconds,
              (ranked->load_seconds + ranked->iterate_seconds + ranked->store_seconds) * 1e6 /
                  static_cast<double>(std::max<uint64_t>(ranked->links, 1)));
  // Settled on disk: a read-only open would otherwise replay the rank's
  // writes from the WAL into memtables that every query then searches.
  if (auto s = (*db)->Flush(); !s.ok()) {
    std::fprintf(stderr, "api_bench: flush: %s\n", s.ToString().c_str());
    return false;
  }
  db->reset();
  WriteMarker(InlinksMarker());
  return true;
}

// Owns a sqlite3 connection / statement.
struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using SqliteDb = std::unique_ptr<sqlite3, SqliteCloser>;
using SqliteStmt = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

bool Exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::fprintf(stderr, "api_bench: sqlite: %s: %s\n", sql, error ? error : "?");
    sqlite3_free(error);
    return false;
  }
  return true;
}

SqliteStmt Prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) {
    std::fprintf(stderr, "api_bench: sqlite prepare: %s: %s\n", sql, sqlite3_errmsg(db));
    return nullptr;
  }
  return SqliteStmt(stmt);
}

bool BuildSqlite() {
  if (MarkerMatches(SqliteMarker())) return true;
  std::printf("api_bench: building the SQLite peer %s...\n", SqlitePath().c_str());
  std::fflush(stdout);
  std::error_code ec;
  fs::remove(SqlitePath(), ec);
  fs::remove(SqliteMarker(), ec);
  sqlite3* raw = nullptr;
  if (sqlite3_open(SqlitePath().c_str(), &raw) != SQLITE_OK) {
    std::fprintf(stderr, "api_bench: sqlite open %s failed\n", SqlitePath().c_str());
    sqlite3_close(raw);
    return false;
  }
  SqliteDb db(raw);
  // Each source page's strength, as inlinks stores it (the ranked database
  // BuildInlinks made), so both stores order by the same sr.
  inlinks::storage::DbOptions read_only;
  read_only.read_only = true;
  auto ranks = inlinks::storage::Db::Open(DbDir(), read_only);
  if (!ranks.ok()) {
    std::fprintf(stderr, "api_bench: %s\n", ranks.status().ToString().c_str());
    return false;
  }
  auto start = std::chrono::steady_clock::now();
  if (!Exec(db.get(),
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
            "PRAGMA cache_size=-262144;"
            "CREATE TABLE backlinks(target_host_rev TEXT, target_url TEXT,"
            " source_url TEXT, anchor TEXT, position INT, tag TEXT, nofollow INT,"
            " first_seen INT, title TEXT, int_links INT, ext_links INT,"
            " target_site TEXT, target_key BLOB, sr INT);"
            "BEGIN;")) {
    return false;
  }
  SqliteStmt insert =
      Prepare(db.get(), "INSERT INTO backlinks VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  if (!insert) return false;
  uint64_t rows = 0;
  for (uint64_t p = 0; p < kPages; ++p) {
    Page page = MakePage(p);
    const int64_t first_seen = FactsOf(p).fetch_time_unix;
    auto record = (*ranks)->Get(inlinks::storage::Family::kPages, page.url);
    if (!record.ok() || !record->has_value()) return false;
    auto page_value = inlinks::storage::DecodePageValue(**record);
    if (!page_value.ok()) return false;
    const int sr = inlinks::storage::SrTenths(page_value->rank);
    for (const Link& l : page.links) {
      auto url = inlinks::core::ParseUrl(l.target);
      if (!url.ok()) return false;
      std::string host_rev = inlinks::core::HostKey(url->host());
      std::string site = inlinks::core::HostKey(inlinks::core::SiteOf(url->host()));
      std::string url_key = inlinks::core::UrlKey(*url);
      std::string_view tag = inlinks::core::LinkTagName(l.tag);
      sqlite3_stmt* s = insert.get();
      sqlite3_bind_text(s, 1, host_rev.data(), static_cast<int>(host_rev.size()), SQLITE_STATIC);
      sqlite3_bind_text(s, 2, l.target.data(), static_cast<int>(l.target.size()), SQLITE_STATIC);
      sqlite3_bind_text(s, 3, page.url.data(), static_cast<int>(page.url.size()), SQLITE_STATIC);
      sqlite3_bind_text(s, 4, l.anchor.data(), static_cast<int>(l.anchor.size()), SQLITE_STATIC);
      sqlite3_bind_int(s, 5, static_cast<int>(l.position));
      sqlite3_bind_text(s, 6, tag.data(), static_cast<int>(tag.size()), SQLITE_STATIC);
      sqlite3_bind_int(s, 7, l.nofollow() ? 1 : 0);
      sqlite3_bind_int64(s, 8, first_seen);
      sqlite3_bind_text(s, 9, page.title.data(), static_cast<int>(page.title.size()),
                        SQLITE_STATIC);
      sqlite3_bind_int(s, 10, static_cast<int>(page.internal_links));
      sqlite3_bind_int(s, 11, static_cast<int>(page.external_links));
      sqlite3_bind_text(s, 12, site.data(), static_cast<int>(site.size()), SQLITE_STATIC);
      sqlite3_bind_blob(s, 13, url_key.data(), static_cast<int>(url_key.size()), SQLITE_STATIC);
      sqlite3_bind_int(s, 14, sr);
      if (sqlite3_step(s) != SQLITE_DONE) {
        std::fprintf(stderr, "api_bench: sqlite insert: %s\n", sqlite3_errmsg(db.get()));
        return false;
      }
      sqlite3_reset(s);
      ++rows;
    }
  }
  insert.reset();
  if (!Exec(db.get(), "COMMIT;")) return false;
  std::printf("api_bench: %llu rows inserted in %.0f s; indexing...\n",
              static_cast<unsigned long long>(rows), SecondsSince(start));
  std::fflush(stdout);
  if (!Exec(db.get(),
            "CREATE INDEX backlinks_target"
            " ON backlinks(target_site, sr DESC, source_url, target_key);"
            "ANALYZE;")) {
    return false;
  }
  std::printf("api_bench: SQLite peer built in %.0f s\n", SecondsSince(start));
  db.reset();
  WriteMarker(SqliteMarker());
  return true;
}

// ---------------------------------------------------------------------------
// The two stores, opened for reading
// ---------------------------------------------------------------------------

// A domain scope as both stores name it.
struct TestScope {
  const char* label;
  inlinks::query::Scope scope;  // inlinks
  std::string host_rev_begin;   // SQLite: target_site = begin (the domain's key)
  std::string host_rev_end;
};

// One SQLite row, copied out as a client would (the domain dialect's fields).
struct SqliteRow {
  std::string source_url, title, target_url, anchor, tag;
  int int_links = 0, ext_links = 0, position = 0, nofollow = 0;
  int64_t first_seen = 0;
};

constexpr const char* kSqlCount = "SELECT COUNT(*) FROM backlinks WHERE target_site = ?1";
constexpr const char* kSqlPage =
    "SELECT source_url, title, target_url, anchor, int_links, ext_links, position, tag,"
    " nofollow, first_seen FROM backlinks WHERE target_site = ?1"
    " ORDER BY sr DESC, source_url, target_key LIMIT ?3 OFFSET ?4";
// The page as one JSON text built by SQLite's JSON1 functions.
constexpr const char* kSqlJsonPage =
    "SELECT json_group_array(json_object('source_url', source_url, 'source_title', title,"
    " 'target_url', target_url, 'anchor', anchor, 'links_internal', int_links,"
    " 'links_external', ext_links, 'links_total', int_links + ext_links, 'position', position,"
    " 'tag', tag, 'nofollow', json(CASE nofollow WHEN 1 THEN 'true' ELSE 'false' END),"
    " 'first_seen', first_seen)) FROM (SELECT * FROM backlinks"
    " WHERE target_site = ?1"
    " ORDER BY sr DESC, source_url, target_key LIMIT ?3 OFFSET ?4)";

struct Stores {
  std::unique_ptr<inlinks::storage::Db> db;
  std::unique_ptr<inlinks::query::QueryEngine> engine;
  SqliteDb sqlite;
  SqliteStmt count, page, json_page, begin, commit;
  TestScope big, small;
};

TestScope MakeScope(const char* label, const char* domain) {
  TestScope t;
  t.label = label;
  t.scope = inlinks::query::ResolveScope(domain).value();
  t.host_rev_begin = inlinks::core::HostKey(domain);  // "example.big."
  t.host_rev_end = t.host_rev_begin;
  t.host_rev_end.back() = '.' + 1;  // "example.big/": every key that starts with begin
  return t;
}

void BindScope(sqlite3_stmt* stmt, const TestScope& s) {
  // The domain's key (HostKey of the registrable domain) names the scope.
  sqlite3_bind_text(stmt, 1, s.host_rev_begin.data(), static_cast<int>(s.host_rev_begin.size()),
                    SQLITE_STATIC);
}

std::string Text(sqlite3_stmt* stmt, int col) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, col));
  return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt, col))) : std::string();
}

// The exact total of `scope` by COUNT(*). Returns -1 on error.
int64_t SqliteCount(Stores& st, const TestScope& scope) {
  sqlite3_stmt* s = st.count.get();
  sqlite3_reset(s);
  BindScope(s, scope);
  if (sqlite3_step(s) != SQLITE_ROW) return -1;
  return sqlite3_column_int64(s, 0);
}

// Rows [offset, offset + limit) of `scope`. False on error.
bool SqlitePage(Stores& st, const TestScope& scope, int64_t offset, int64_t limit,
                std::vector<SqliteRow>& rows) {
  rows.clear();
  sqlite3_stmt* s = st.page.get();
  sqlite3_reset(s);
  BindScope(s, scope);
  sqlite3_bind_int64(s, 3, limit);
  sqlite3_bind_int64(s, 4, offset);
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    SqliteRow& r = rows.emplace_back();
    r.source_url = Text(s, 0);
    r.title = Text(s, 1);
    r.target_url = Text(s, 2);
    r.anchor = Text(s, 3);
    r.int_links = sqlite3_column_int(s, 4);
    r.ext_links = sqlite3_column_int(s, 5);
    r.position = sqlite3_column_int(s, 6);
    r.tag = Text(s, 7);
    r.nofollow = sqlite3_column_int(s, 8);
    r.first_seen = sqlite3_column_int64(s, 9);
  }
  return rc == SQLITE_DONE;
}

// Both stores must answer the same rows and totals: first and deep pages of
// both scopes.
bool Verify(Stores& st) {
  for (const TestScope* scope : {&st.big, &st.small}) {
    auto counts = st.engine->CountBacklinks(scope->scope);
    int64_t sql_total = SqliteCount(st, *scope);
    if (!counts.ok() || static_cast<int64_t>(counts->live) != sql_total) {
      std::fprintf(
          stderr, "api_bench: %s: totals differ (inlinks %s, SQLite %lld)\n", scope->label,
          counts.ok() ? std::to_string(counts->live).c_str() : counts.status().ToString().c_str(),
          static_cast<long long>(sql_total));
      return false;
    }
    std::printf("api_bench: scope %s: %lld live links in both stores\n", scope->label,
                static_cast<long long>(sql_total));
    for (int64_t offset : {int64_t{0}, sql_total / 2, sql_total - 100}) {
      auto page = st.engine->Backlinks(scope->scope, {}, static_cast<uint64_t>(offset), 100);
      std::vector<SqliteRow> rows;
      if (!page.ok() || !SqlitePage(st, *scope, offset, 100, rows) ||
          page->rows.size() != rows.size()) {
        std::fprintf(stderr, "api_bench: %s: page at %lld failed or differs in size\n",
                     scope->label, static_cast<long long>(offset));
        return false;
      }
      for (size_t i = 0; i < rows.size(); ++i) {
        const auto& a = page->rows[i];
        const auto& b = rows[i];
        if (a.source_url != b.source_url || a.target_url != b.target_url || a.anchor != b.anchor ||
            a.source_title != b.title || static_cast<int>(a.position) != b.position ||
            static_cast<int>(a.links_internal) != b.int_links ||
            static_cast<int>(a.links_external) != b.ext_links ||
            inlinks::core::LinkTagName(a.tag) != b.tag || (a.nofollow() ? 1 : 0) != b.nofollow ||
            a.first_seen != b.first_seen) {
          std::fprintf(stderr,
                       "api_bench: %s: row %lld differs:\n  inlinks %s -> %s [%s]\n"
                       "  SQLite  %s -> %s [%s]\n",
                       scope->label, static_cast<long long>(offset + i), a.source_url.c_str(),
                       a.target_url.c_str(), a.anchor.c_str(), b.source_url.c_str(),
                       b.target_url.c_str(), b.anchor.c_str());
          return false;
        }
      }
    }
  }
  std::printf("api_bench: pages at offsets 0, total/2 and total-100 are identical in both\n");
  return true;
}

Stores* OpenStores() {
  auto st = std::make_unique<Stores>();
  inlinks::storage::DbOptions options;  // 256 MiB block cache, as `inlinksd serve`
  options.read_only = true;
  options.create_if_missing = false;
  auto db = inlinks::storage::Db::Open(DbDir(), options);
  if (!db.ok()) {
    std::fprintf(stderr, "api_bench: %s\n", db.status().ToString().c_str());
    return nullptr;
  }
  st->db = std::move(*db);
  st->engine = std::make_unique<inlinks::query::QueryEngine>(*st->db);
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(SqlitePath().c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::fprintf(stderr, "api_bench: cannot open %s\n", SqlitePath().c_str());
    sqlite3_close(raw);
    return nullptr;
  }
  st->sqlite.reset(raw);
  if (!Exec(raw, "PRAGMA cache_size=-262144;")) return nullptr;  // 256 MiB
  st->count = Prepare(raw, kSqlCount);
  st->page = Prepare(raw, kSqlPage);
  st->json_page = Prepare(raw, kSqlJsonPage);
  st->begin = Prepare(raw, "BEGIN");
  st->commit = Prepare(raw, "COMMIT");
  if (!st->count || !st->page || !st->json_page || !st->begin || !st->commit) return nullptr;
  st->big = MakeScope("big.example", "big.example");
  st->small = MakeScope("small.example", "small.example");
  if (!Verify(*st)) return nullptr;
  return st.release();
}

Stores* g_stores = nullptr;

const TestScope& ScopeArg(int64_t which) { return which == 0 ? g_stores->big : g_stores->small; }

void ReportPerQuery(benchmark::State& state, int64_t rows_per_query) {
  state.SetItemsProcessed(state.iterations() * rows_per_query);
  // Seconds per query (printed with an SI prefix: 52u = 52 microseconds);
  // wall clock for the benchmarks registered with UseRealTime().
  state.counters["latency"] =
      benchmark::Counter(static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// ---------------------------------------------------------------------------
// Benchmarks: args {scope (0 = big.example 5.1M, 1 = small.example), offset, limit}
// ---------------------------------------------------------------------------

// One page with its exact total, as every dialect of the API returns it:
// snapshot, scope counter, pagination directory, rows joined with their
// source pages.
void BM_InlinksPage(benchmark::State& state) {
  const TestScope& scope = ScopeArg(state.range(0));
  const auto offset = static_cast<uint64_t>(state.range(1));
  const auto limit = static_cast<uint64_t>(state.range(2));
  uint64_t total = 0;
  for (auto _ : state) {
    auto page = g_stores->engine->Backlinks(scope.scope, {}, offset, limit);
    if (!page.ok() || page->rows.empty()) {
      state.SkipWithError(page.ok() ? "empty page" : page.status().ToString().c_str());
      return;
    }
    total = page->total;
    benchmark::DoNotOptimize(page->rows.data());
  }
  ReportPerQuery(state, static_cast<int64_t>(limit));
  state.counters["total"] = static_cast<double>(total);
}

// The SQLite twin: COUNT(*) for the exact total and the page by
// LIMIT/OFFSET over the target index, in one read transaction (one
// snapshot, as inlinks reads); the rows copied out.
void BM_SqlitePage(benchmark::State& state) {
  const TestScope& scope = ScopeArg(state.range(0));
  const int64_t offset = state.range(1);
  const int64_t limit = state.range(2);
  std::vector<SqliteRow> rows;
  rows.reserve(static_cast<size_t>(limit));
  int64_t total = 0;
  double count_seconds = 0;
  for (auto _ : state) {
    sqlite3_reset(g_stores->begin.get());
    sqlite3_step(g_stores->begin.get());
    auto start = std::chrono::steady_clock::now();
    total = SqliteCount(*g_stores, scope);
    count_seconds += SecondsSince(start);
    bool ok = total > 0 && SqlitePage(*g_stores, scope, offset, limit, rows);
    sqlite3_reset(g_stores->commit.get());
    sqlite3_step(g_stores->commit.get());
    if (!ok || rows.empty()) {
      state.SkipWithError(sqlite3_errmsg(g_stores->sqlite.get()));
      return;
    }
    benchmark::DoNotOptimize(rows.data());
  }
  ReportPerQuery(state, limit);
  state.counters["total"] = static_cast<double>(total);
  // Wall time of the COUNT(*) alone, per query.
  state.counters["count_latency"] =
      benchmark::Counter(count_seconds / static_cast<double>(state.iterations()));
}

// The same page without the exact total (what SQLite costs when a client
// gives up exact totals; inlinks always returns them).
void BM_SqlitePageNoTotal(benchmark::State& state) {
  const TestScope& scope = ScopeArg(state.range(0));
  const int64_t offset = state.range(1);
  const int64_t limit = state.range(2);
  std::vector<SqliteRow> rows;
  for (auto _ : state) {
    if (!SqlitePage(*g_stores, scope, offset, limit, rows) || rows.empty()) {
      state.SkipWithError(sqlite3_errmsg(g_stores->sqlite.get()));
      return;
    }
    benchmark::DoNotOptimize(rows.data());
  }
  ReportPerQuery(state, limit);
}

// A 100-row page with its total, as a JSON text: the engine plus the native
// row writer (23 fields per row).
void BM_InlinksJsonPage(benchmark::State& state) {
  const TestScope& scope = ScopeArg(state.range(0));
  const auto offset = static_cast<uint64_t>(state.range(1));
  const auto limit = static_cast<uint64_t>(state.range(2));
  std::string out;
  for (auto _ : state) {
    auto page = g_stores->engine->Backlinks(scope.scope, {}, offset, limit);
    if (!page.ok() || page->rows.empty()) {
      state.SkipWithError("query failed");
      return;
    }
    out.clear();
    out.append("{\"total\":").append(std::to_string(page->total)).append(",\"rows\":[");
    for (size_t i = 0; i < page->rows.size(); ++i) {
      if (i > 0) out.push_back(',');
      inlinks::query::AppendBacklinkJson(page->rows[i], out);
    }
    out.append("]}");
    benchmark::DoNotOptimize(out.data());
  }
  ReportPerQuery(state, static_cast<int64_t>(limit));
  state.counters["bytes"] = static_cast<double>(out.size());
}

// The SQLite twin: COUNT(*) plus the page as JSON from SQLite's own JSON1
// functions (json_group_array of json_object, 11 fields per row).
void BM_SqliteJsonPage(benchmark::State& state) {
  const TestScope& scope = ScopeArg(state.range(0));
  const int64_t offset = state.range(1);
  const int64_t limit = state.range(2);
  std::string out;
  for (auto _ : state) {
    sqlite3_reset(g_stores->begin.get());
    sqlite3_step(g_stores->begin.get());
    int64_t total = SqliteCount(*g_stores, scope);
    sqlite3_stmt* s = g_stores->json_page.get();
    sqlite3_reset(s);
    BindScope(s, scope);
    sqlite3_bind_int64(s, 3, limit);
    sqlite3_bind_int64(s, 4, offset);
    bool ok = total > 0 && sqlite3_step(s) == SQLITE_ROW;
    if (ok) {
      out.clear();
      out.append("{\"total\":").append(std::to_string(total)).append(",\"rows\":");
      out.append(Text(s, 0)).append("}");
    }
    sqlite3_reset(s);
    sqlite3_reset(g_stores->commit.get());
    sqlite3_step(g_stores->commit.get());
    if (!ok) {
      state.SkipWithError(sqlite3_errmsg(g_stores->sqlite.get()));
      return;
    }
    benchmark::DoNotOptimize(out.data());
  }
  ReportPerQuery(state, limit);
  state.counters["bytes"] = static_cast<double>(out.size());
}

// JSON serialization alone of a 100-row page (query/writers.h), rows of the
// 5M scope.
void BM_InlinksSerializeJson100(benchmark::State& state) {
  auto page = g_stores->engine->Backlinks(g_stores->big.scope, {}, 0, 100);
  if (!page.ok() || page->rows.size() != 100) {
    state.SkipWithError("query failed");
    return;
  }
  std::string out;
  for (auto _ : state) {
    out.clear();
    out.push_back('[');
    for (size_t i = 0; i < page->rows.size(); ++i) {
      if (i > 0) out.push_back(',');
      inlinks::query::AppendBacklinkJson(page->rows[i], out);
    }
    out.push_back(']');
    benchmark::DoNotOptimize(out.data());
  }
  ReportPerQuery(state, 100);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(out.size()));
}

// The SQLite twin: json_group_array/json_object over the same 100 rows
// already in a temporary in-memory table (serialization, no index walk).
void BM_SqliteSerializeJson100(benchmark::State& state) {
  sqlite3* db = g_stores->sqlite.get();
  if (!Exec(db,
            "CREATE TEMP TABLE IF NOT EXISTS page100 AS SELECT * FROM backlinks"
            " WHERE target_site = 'example.big.'"
            " ORDER BY sr DESC, source_url, target_key LIMIT 100")) {
    state.SkipWithError("temp table");
    return;
  }
  SqliteStmt stmt = Prepare(
      db,
      "SELECT json_group_array(json_object('source_url', source_url, 'source_title', title,"
      " 'target_url', target_url, 'anchor', anchor, 'links_internal', int_links,"
      " 'links_external', ext_links, 'links_total', int_links + ext_links, 'position', position,"
      " 'tag', tag, 'nofollow', json(CASE nofollow WHEN 1 THEN 'true' ELSE 'false' END),"
      " 'first_seen', first_seen)) FROM temp.page100");
  if (!stmt) {
    state.SkipWithError("prepare");
    return;
  }
  std::string out;
  for (auto _ : state) {
    sqlite3_reset(stmt.get());
    if (sqlite3_step(stmt.get()) != SQLITE_ROW) {
      state.SkipWithError(sqlite3_errmsg(db));
      return;
    }
    out = Text(stmt.get(), 0);
    benchmark::DoNotOptimize(out.data());
  }
  ReportPerQuery(state, 100);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(out.size()));
}

// ---------------------------------------------------------------------------
// Link intelligence (issue 7): referring domains with first seen, anchors
// with referring-domain counts, one link per referring domain. Args as above.
// ---------------------------------------------------------------------------

// ReferringDomains: the list from the per-source-domain counters, first_seen
// of the page's domains from a scan of the scope that stops once all their
// links were seen.
void BM_InlinksRefDomains(benchmark::State& state) {
  const TestScope& scope = ScopeArg(state.range(0));
  const auto offset = static_cast<uint64_t>(state.range(1));
  const auto limit = static_cast<uint64_t>(state.range(2));
  uint64_t total = 0;
  for (auto _ : state) {
    auto page = g_stores->engine->ReferringDomains(scope.scope, offset, limit);
    if (!page.ok() ||
        (limit > 0 && (page->domains.empty() || page->domains.front().first_seen == 0))) {
      state.SkipWithError(page.ok() ? "empty page" : page.status().ToString().c_str());
      return;
    }
    total = page->total;
    benchmark::DoNotOptimize(page->domains.data());
  }
  ReportPerQuery(state, static_cast<int64_t>(limit));
  state.counters["total"] = static_cast<double>(total);
}

// AnchorTexts: a scan of the scope grouping anchors, with distinct
// (anchor, referring domain) pairs.
void BM_InlinksAnchors(benchmark::State& state) {
  const TestScope& scope = ScopeArg(state.range(0));
  const auto offset = static_cast<uint64_t>(state.range(1));
  const auto limit = static_cast<uint64_t>(state.range(2));
  uint64_t total = 0;
  for (auto _ : state) {
    auto page = g_stores->engine->AnchorTexts(scope.scope, offset, limit);
    if (!page.ok() || page->anchors.empty()) {
      state.SkipWithError(page.ok() ? "empty page" : page.status().ToString().c_str());
      return;
    }
    total = page->total;
    benchmark::DoNotOptimize(page->anchors.data());
  }
  ReportPerQuery(state, static_cast<int64_t>(limit));
  state.counters["total"] = static_cast<double>(total);
}

// Backlinks with one link per referring domain (live, no other filter: the
// total is the referring-domain counter, the scan stops at the page's end);
// with `nofollow` (range 3 = 1) the whole scope is scanned for the total.
void BM_InlinksOnePerDomain(benchmark::State& state) {
  const TestScope& scope = ScopeArg(state.range(0));
  const auto offset = static_cast<uint64_t>(state.range(1));
  const auto limit = static_cast<uint64_t>(state.range(2));
  inlinks::query::BacklinkFilter filter;
  filter.one_per_domain = true;
  if (state.range(3) != 0) filter.nofollow = true;
  uint64_t total = 0;
  for (auto _ : state) {
    auto page = g_stores->engine->Backlinks(scope.scope, filter, offset, limit);
    if (!page.ok() || page->rows.empty()) {
      state.SkipWithError(page.ok() ? "empty page" : page.status().ToString().c_str());
      return;
    }
    total = page->total;
    benchmark::DoNotOptimize(page->rows.data());
  }
  ReportPerQuery(state, static_cast<int64_t>(limit));
  state.counters["total"] = static_cast<double>(total);
}

// The floor of every scan-based answer: iterating the scope's records
// (key and value touched, nothing decoded).
void BM_PeerScanScope(benchmark::State& state) {
  const TestScope& scope = ScopeArg(state.range(0));
  uint64_t n = 0;
  for (auto _ : state) {
    auto snap = g_stores->db->GetSnapshot();
    auto it =
        g_stores->db->NewIterator(inlinks::storage::Family::kLinks, scope.scope.range, snap.get());
    n = 0;
    size_t bytes = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      bytes += it->key().size() + it->value().size();
      ++n;
    }
    benchmark::DoNotOptimize(bytes);
  }
  ReportPerQuery(state, 1);
  state.counters["links"] = static_cast<double>(n);
}

// The SQLite twin of AnchorTexts: GROUP BY anchor with COUNT(DISTINCT site)
// over the scope's index range. The site is cut out of source_url, which
// this data set always writes as https://www.<site>/... (12 bytes of prefix).
void BM_SqliteAnchors(benchmark::State& state) {
  const TestScope& scope = ScopeArg(state.range(0));
  SqliteStmt stmt =
      Prepare(g_stores->sqlite.get(),
              "SELECT anchor, COUNT(*) AS n, SUM(nofollow),"
              " COUNT(DISTINCT substr(source_url, 13, instr(substr(source_url, 13), '/') - 1))"
              " FROM backlinks WHERE target_site = ?1"
              " GROUP BY anchor ORDER BY n DESC, anchor LIMIT 100");
  if (!stmt) {
    state.SkipWithError("prepare");
    return;
  }
  int64_t rows = 0;
  for (auto _ : state) {
    sqlite3_reset(stmt.get());
    BindScope(stmt.get(), scope);
    rows = 0;
    int rc;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) ++rows;
    if (rc != SQLITE_DONE || rows == 0) {
      state.SkipWithError(sqlite3_errmsg(g_stores->sqlite.get()));
      return;
    }
  }
  ReportPerQuery(state, 100);
  state.counters["rows"] = static_cast<double>(rows);
}

void Register(const char* name, void (*fn)(benchmark::State&), int64_t scope, int64_t offset,
              int64_t limit) {
  // Wall-clock rates and latency (the time a client waits); the CPU column
  // stays in the output.
  auto* b = benchmark::RegisterBenchmark(name, fn)
                ->Args({scope, offset, limit})
                ->ArgNames({"scope", "offset", "limit"})
                ->UseRealTime();
  // Deep SQLite pages take a second or more each: a few iterations suffice.
  if (offset >= 1000000 || (scope == 0 && std::string(name).find("Sqlite") != std::string::npos)) {
    b->Unit(benchmark::kMillisecond);
  } else {
    b->Unit(benchmark::kMicrosecond);
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (!BuildInlinks() || !BuildSqlite()) return 1;
  g_stores = OpenStores();
  if (g_stores == nullptr) return 1;
  // scope 0 = big.example (5.1M links), 1 = small.example (~1,000 links).
  const int64_t pages[][3] = {{0, 0, 10},  {0, 0, 100},      {1, 0, 10},
                              {1, 0, 100}, {0, 1000000, 10}, {0, 4000000, 10}};
  for (const auto& p : pages) {
    Register("BM_InlinksPage", BM_InlinksPage, p[0], p[1], p[2]);
    Register("BM_SqlitePage", BM_SqlitePage, p[0], p[1], p[2]);
    Register("BM_SqlitePageNoTotal", BM_SqlitePageNoTotal, p[0], p[1], p[2]);
  }
  Register("BM_InlinksJsonPage", BM_InlinksJsonPage, 0, 0, 100);
  Register("BM_SqliteJsonPage", BM_SqliteJsonPage, 0, 0, 100);
  Register("BM_InlinksJsonPage", BM_InlinksJsonPage, 1, 0, 100);
  Register("BM_SqliteJsonPage", BM_SqliteJsonPage, 1, 0, 100);
  benchmark::RegisterBenchmark("BM_InlinksSerializeJson100", BM_InlinksSerializeJson100)
      ->UseRealTime()
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_SqliteSerializeJson100", BM_SqliteSerializeJson100)
      ->UseRealTime()
      ->Unit(benchmark::kMicrosecond);
  // Link intelligence. The whole-scope scans of the 5M scope take about a
  // second each: a fixed number of iterations keeps the run short.
  auto intel = [](const char* name, void (*fn)(benchmark::State&), int64_t scope, int64_t offset,
                  int64_t limit, int64_t extra, int iterations) {
    auto* b = benchmark::RegisterBenchmark(name, fn)
                  ->Args({scope, offset, limit, extra})
                  ->ArgNames({"scope", "offset", "limit", "nofollow"})
                  ->UseRealTime()
                  ->Unit(benchmark::kMillisecond);
    if (iterations > 0) b->Iterations(iterations);
  };
  intel("BM_InlinksRefDomains", BM_InlinksRefDomains, 0, 0, 100, 0, 5);
  intel("BM_InlinksRefDomains", BM_InlinksRefDomains, 0, 10000, 100, 0, 5);
  intel("BM_InlinksRefDomains", BM_InlinksRefDomains, 0, 0, 0, 0, 0);
  intel("BM_InlinksRefDomains", BM_InlinksRefDomains, 1, 0, 100, 0, 0);
  intel("BM_InlinksAnchors", BM_InlinksAnchors, 0, 0, 100, 0, 3);
  intel("BM_InlinksAnchors", BM_InlinksAnchors, 1, 0, 100, 0, 0);
  intel("BM_InlinksOnePerDomain", BM_InlinksOnePerDomain, 0, 0, 100, 0, 0);
  intel("BM_InlinksOnePerDomain", BM_InlinksOnePerDomain, 0, 10000, 100, 0, 3);
  intel("BM_InlinksOnePerDomain", BM_InlinksOnePerDomain, 0, 0, 100, 1, 3);
  intel("BM_InlinksOnePerDomain", BM_InlinksOnePerDomain, 1, 0, 100, 0, 0);
  intel("BM_PeerScanScope", BM_PeerScanScope, 0, 0, 0, 0, 3);
  intel("BM_SqliteAnchors", BM_SqliteAnchors, 0, 0, 100, 0, 1);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  delete g_stores;
  return 0;
}
