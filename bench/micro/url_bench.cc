// URL resolution throughput beside Boost.URL's bare RFC 3986 resolve of the
// same references (the floor our WHATWG steps and normalization build on).
//
//   build/bench/url_bench
#include <string>
#include <vector>

#include <boost/url.hpp>

#include "benchmark/benchmark.h"
#include "inlinks/core/url.h"

namespace {

const std::vector<std::string>& Refs() {
  static const std::vector<std::string> refs = {
      "/", "../index.html", "page.html#section", "?q=1&r=2", "//cdn.example.org/lib.js",
      "https://www.Example.com/Path/%7Efoo/", "/a/b/../c/./d.html", "http://xn--bcher-kva.de/",
      "subdir/page.html?x=%2f", "https://other.example.net:443/x", "/search?q=a+b&lang=de",
      "images/logo.png"};
  return refs;
}

void BM_ResolveUrl(benchmark::State& state) {
  auto base = inlinks::core::ParseUrl("http://www.example.com/dir/page.html").value();
  size_t i = 0, n = 0;
  for (auto _ : state) {
    auto u = inlinks::core::ResolveUrl(base, Refs()[i++ % Refs().size()]);
    benchmark::DoNotOptimize(u);
    ++n;
  }
  state.SetItemsProcessed(static_cast<int64_t>(n));
}

void BM_BoostUrlResolve(benchmark::State& state) {
  auto base = boost::urls::parse_uri("http://www.example.com/dir/page.html").value();
  size_t i = 0, n = 0;
  boost::urls::url dest;
  for (auto _ : state) {
    auto ref = boost::urls::parse_uri_reference(Refs()[i++ % Refs().size()]);
    if (ref) {
      auto r = boost::urls::resolve(base, *ref, dest);
      benchmark::DoNotOptimize(r);
      benchmark::DoNotOptimize(dest.buffer().data());
    }
    ++n;
  }
  state.SetItemsProcessed(static_cast<int64_t>(n));
}

BENCHMARK(BM_ResolveUrl);
BENCHMARK(BM_BoostUrlResolve);

}  // namespace

BENCHMARK_MAIN();
