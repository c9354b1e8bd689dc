// Fuzz target for the sitemap parser (XML urlset and index, text, RSS and
// Atom feeds). Checks its invariants beyond not crashing: the caps hold and
// no entry is empty or longer than kMaxLocBytes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "inlinks/crawler/sitemap.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using inlinks::crawler::Sitemap;
  using inlinks::crawler::SitemapEntry;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  inlinks::crawler::SitemapOptions options;
  options.max_urls = 100;
  Sitemap s = inlinks::crawler::ParseSitemap(body, options);
  if (s.urls.size() + s.sitemaps.size() > options.max_urls) std::abort();
  for (const auto* list : {&s.urls, &s.sitemaps}) {
    for (const SitemapEntry& e : *list) {
      if (e.loc.empty() || e.loc.size() > inlinks::crawler::kMaxLocBytes) std::abort();
    }
  }
  return 0;
}
