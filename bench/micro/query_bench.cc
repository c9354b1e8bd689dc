// Backlink pages through the query engine (query/backlinks.h) beside the
// physical floor: a bare prefix scan of the same rows through
// storage::Iterator; plus JSON and XML serialization of a 100-row page beside
// Boost.JSON serializing the same rows.
//
//   build-release/bench/query_bench [--links=N] [benchmark flags]
//
// Builds one database with N live reverse records (default 1,000,000) in one
// domain scope with a page record per source, written the way the indexer
// writes them (records, their strength-order entries in the domain, host and
// URL scopes with their bucket counts, and the scope counter in the same
// batches; sources ranked on a power law so that sr varies), then reads first
// pages, deep pages (offsets up to N - 100) and a filtered page (which scans
// the scope for its exact total), all in the default (strength) order.
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>

#include "benchmark/benchmark.h"
#include "inlinks/core/keys.h"
#include "inlinks/core/url.h"
#include "inlinks/query/backlinks.h"
#include "inlinks/query/writers.h"
#include "inlinks/storage/buckets.h"
#include "inlinks/storage/db.h"
#include "inlinks/storage/records.h"

namespace {

namespace fs = std::filesystem;
using inlinks::storage::Family;

uint64_t g_links = 1000000;

struct Fixture {
  fs::path dir;
  std::unique_ptr<inlinks::storage::Db> db;
  inlinks::query::Scope scope;
};

Fixture& TheFixture() {
  static Fixture f = [] {
    Fixture fx;
    fx.dir = fs::temp_directory_path() / ("inlinks_query_bench_" + std::to_string(::getpid()));
    fs::remove_all(fx.dir);
    fx.db = inlinks::storage::Db::Open(fx.dir.string()).value();
    auto buckets = inlinks::storage::BucketDirectory::Load(
                       *fx.db, inlinks::storage::BucketDirectory::kDefaultTarget,
                       inlinks::storage::kStrengthOrderBuckets)
                       .value();
    fx.scope = inlinks::query::ResolveScope("big.example").value();
    std::mt19937_64 rng(3);
    auto start = std::chrono::steady_clock::now();
    const uint64_t per_batch = 1000;
    for (uint64_t i = 0; i < g_links; i += per_batch) {
      inlinks::storage::Batch batch(*fx.db);
      uint64_t n = 0;
      for (uint64_t k = i; k < i + per_batch && k < g_links; ++k, ++n) {
        // ~5,000 target pages on ~50 hosts of one domain, sources everywhere.
        std::string target = "https://h" + std::to_string(rng() % 50) + ".big.example/page/" +
                             std::to_string(rng() % 5000);
        std::string source =
            "https://www.src" + std::to_string(rng() % 200000) + ".org/a/" + std::to_string(k);
        inlinks::core::Url target_url = inlinks::core::ParseUrl(target).value();
        std::string url_key = inlinks::core::UrlKey(target_url);
        std::string key = inlinks::storage::ReverseKey(url_key, source, 0);
        // Ranks: most sources near the floor, a few strong (sr 0.1 .. ~4).
        const double rank = 0.15 / std::pow(1.0 - static_cast<double>(rng() % 1000000) / 1e6, 1.2);
        const uint8_t sr = inlinks::storage::SrTenths(rank);
        inlinks::storage::LinkValue v{target,
                                      "anchor text " + std::to_string(k % 97),
                                      static_cast<uint32_t>(1 + k % 40),
                                      inlinks::core::LinkTag::kA,
                                      static_cast<uint8_t>(k % 5 == 0 ? 1 : 0),
                                      1700000000,
                                      0};
        const std::string link_value = inlinks::storage::EncodeLinkValue(v);
        batch.Put(Family::kLinks, key, link_value);
        const std::string_view host_key = inlinks::storage::HostScopeKey(url_key);
        const std::pair<inlinks::storage::ScopeKind, std::string_view> scopes[] = {
            {inlinks::storage::ScopeKind::kDomain, fx.scope.counter_scope_key},
            {inlinks::storage::ScopeKind::kHost, host_key},
            {inlinks::storage::ScopeKind::kUrl, url_key}};
        for (const auto& [kind, scope_key] : scopes) {
          std::string entry =
              inlinks::storage::StrengthKey(kind, scope_key, sr, source, url_key, 0);
          batch.Put(Family::kStrength, entry, link_value);
          buckets->OnInsert(entry);
        }
        inlinks::storage::PageValue page;
        page.rank = rank;
        page.http_status = 200;
        page.first_fetch = page.last_fetch = 1700000000;
        page.title = "Source page number " + std::to_string(k) + " - a typical title";
        page.ip = "192.0.2." + std::to_string(k % 250);
        page.internal_links = 30;
        page.external_links = 10;
        page.total_links = 40;
        page.live_records = 1;
        batch.Put(Family::kPages, source, inlinks::storage::EncodePageValue(page));
      }
      batch.AddCounters(
          inlinks::storage::ScopeCounterKey(fx.scope.counter_kind, fx.scope.counter_scope_key),
          {static_cast<int64_t>(n), 0, 0});
      buckets->Stage(batch);
      if (!fx.db->Write(batch).ok() || !buckets->AfterWrite().ok()) std::abort();
    }
    {
      inlinks::storage::Batch batch(*fx.db);
      batch.Put(Family::kMeta, inlinks::storage::kStrengthOrderMetaKey, "1");
      if (!fx.db->Write(batch).ok()) std::abort();
    }
    (void)fx.db->Flush();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("built %llu links (+ page records) in %.1f s, %zu buckets\n",
                static_cast<unsigned long long>(g_links), secs, buckets->bucket_count());
    return fx;
  }();
  return f;
}

// A page of `limit` rows at `offset` through the engine (snapshot, counter
// total, pagination directory, page-record join).
void BM_QueryPage(benchmark::State& state) {
  Fixture& f = TheFixture();
  inlinks::query::QueryEngine engine(*f.db);
  const auto offset = static_cast<uint64_t>(state.range(0));
  const auto limit = static_cast<uint64_t>(state.range(1));
  for (auto _ : state) {
    auto page = engine.Backlinks(f.scope, {}, offset, limit);
    if (!page.ok() || page->rows.size() != limit || page->total != g_links) {
      state.SkipWithError("query failed");
      return;
    }
    benchmark::DoNotOptimize(page->rows.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * limit));
}

// The peer: the same rows by a bare range scan (snapshot + iterator +
// key/value copies), with the skip to `offset` done the naive way.
void BM_PeerPrefixScan(benchmark::State& state) {
  Fixture& f = TheFixture();
  const auto offset = static_cast<uint64_t>(state.range(0));
  const auto limit = static_cast<uint64_t>(state.range(1));
  for (auto _ : state) {
    auto snap = f.db->GetSnapshot();
    auto it = f.db->NewIterator(Family::kLinks, f.scope.range, snap.get());
    it->SeekToFirst();
    for (uint64_t i = 0; i < offset && it->Valid(); ++i) it->Next();
    std::vector<std::pair<std::string, std::string>> rows;
    rows.reserve(limit);
    for (; rows.size() < limit && it->Valid(); it->Next()) {
      rows.emplace_back(std::string(it->key()), std::string(it->value()));
    }
    if (rows.size() != limit) {
      state.SkipWithError("scan failed");
      return;
    }
    benchmark::DoNotOptimize(rows.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * limit));
}

// A nofollow-filtered first page: exact total by scanning the scope.
void BM_QueryFilteredPage(benchmark::State& state) {
  Fixture& f = TheFixture();
  inlinks::query::QueryEngine engine(*f.db);
  inlinks::query::BacklinkFilter filter;
  filter.nofollow = true;
  for (auto _ : state) {
    auto page = engine.Backlinks(f.scope, filter, 0, 10);
    if (!page.ok() || page->rows.size() != 10) {
      state.SkipWithError("query failed");
      return;
    }
    benchmark::DoNotOptimize(page->total);
  }
  state.counters["scope_rows"] = static_cast<double>(g_links);
}

const std::vector<inlinks::query::BacklinkRow>& HundredRows() {
  static const std::vector<inlinks::query::BacklinkRow> rows = [] {
    inlinks::query::QueryEngine engine(*TheFixture().db);
    auto rows = engine.Backlinks(TheFixture().scope, {}, 12345, 100).value().rows;
    rows[3].anchor = "caf\xC3\xA9 & <b>\"quoted\"</b>";  // a few escapes
    return rows;
  }();
  return rows;
}

void BM_SerializeJson100(benchmark::State& state) {
  const auto& rows = HundredRows();
  std::string out;
  for (auto _ : state) {
    out.clear();
    out.push_back('[');
    for (size_t i = 0; i < rows.size(); ++i) {
      if (i > 0) out.push_back(',');
      inlinks::query::AppendBacklinkJson(rows[i], out);
    }
    out.push_back(']');
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * out.size()));
  state.counters["bytes_per_page"] = static_cast<double>(out.size());
}

// Peer: Boost.JSON building and serializing the same fields.
void BM_SerializeBoostJson100(benchmark::State& state) {
  const auto& rows = HundredRows();
  std::string out;
  for (auto _ : state) {
    boost::json::array a;
    a.reserve(rows.size());
    for (const auto& r : rows) {
      boost::json::object o;
      o["source_url"] = r.source_url;
      o["source_title"] = r.source_title;
      o["target_url"] = r.target_url;
      o["anchor"] = r.anchor;
      o["links_internal"] = r.links_internal;
      o["links_external"] = r.links_external;
      o["links_total"] = r.links_total;
      o["position"] = r.position;
      o["tag"] = "a";
      o["nofollow"] = r.nofollow();
      o["ugc"] = r.ugc();
      o["sponsored"] = r.sponsored();
      o["lost"] = r.lost;
      o["first_seen"] = r.first_seen;
      o["last_seen"] = r.last_seen;
      o["lost_time"] = r.lost_time;
      o["ip"] = r.ip;
      o["http_status"] = r.http_status;
      o["rank"] = r.rank;
      o["sr"] = r.sr;
      o["ccode"] = r.ccode;
      o["country"] = r.country;
      o["city"] = r.city;
      a.push_back(std::move(o));
    }
    out = boost::json::serialize(a);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * out.size()));
}

void BM_SerializeXml100(benchmark::State& state) {
  const auto& rows = HundredRows();
  std::string out;
  for (auto _ : state) {
    out.clear();
    out.append("<backlinks>");
    for (const auto& r : rows) inlinks::query::AppendBacklinkXml(r, out);
    out.append("</backlinks>");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * out.size()));
  state.counters["bytes_per_page"] = static_cast<double>(out.size());
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--links=", 0) == 0) g_links = std::max<uint64_t>(10000, std::stoull(a.substr(8)));
  }
  benchmark::Initialize(&argc, argv);
  TheFixture();
  const auto n = static_cast<int64_t>(g_links);
  for (int64_t limit : {10, 100}) {
    for (int64_t offset : {int64_t{0}, int64_t{1000}, n / 2, n - 100}) {
      benchmark::RegisterBenchmark("BM_QueryPage", BM_QueryPage)
          ->Args({offset, limit})
          ->ArgNames({"offset", "limit"})
          ->Unit(benchmark::kMicrosecond);
    }
    benchmark::RegisterBenchmark("BM_PeerPrefixScan", BM_PeerPrefixScan)
        ->Args({0, limit})
        ->ArgNames({"offset", "limit"})
        ->Unit(benchmark::kMicrosecond);
  }
  benchmark::RegisterBenchmark("BM_PeerPrefixScan", BM_PeerPrefixScan)
      ->Args({n / 2, 10})
      ->ArgNames({"offset", "limit"})
      ->Unit(benchmark::kMillisecond)
      ->Iterations(3);
  benchmark::RegisterBenchmark("BM_QueryFilteredPage", BM_QueryFilteredPage)
      ->Unit(benchmark::kMillisecond)
      ->Iterations(3);
  benchmark::RegisterBenchmark("BM_SerializeJson100", BM_SerializeJson100);
  benchmark::RegisterBenchmark("BM_SerializeBoostJson100", BM_SerializeBoostJson100);
  benchmark::RegisterBenchmark("BM_SerializeXml100", BM_SerializeXml100);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  Fixture& f = TheFixture();
  f.db.reset();
  fs::remove_all(f.dir);
  return 0;
}
