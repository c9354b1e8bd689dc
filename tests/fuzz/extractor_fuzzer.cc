// Fuzz target for the link extractor (charset detection, the nesting guard,
// gumbo and the tree walk). The first byte picks a Content-Type; the rest is
// the body. Checks the Page's invariants beyond not crashing.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "inlinks/core/url.h"
#include "inlinks/crawler/extractor.h"

namespace {

bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = s[i];
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const inlinks::core::Url kPage =
      inlinks::core::ParseUrl("http://www.example.com/dir/page.html").value();
  static const std::string_view kTypes[] = {
      "text/html", "text/html; charset=utf-8", "text/html; charset=iso-8859-1",
      "text/html; charset=shift_jis", "", "application/xhtml+xml; charset=utf-16le",
      "text/html; charset=bogus", "text/html;charset=\"windows-1251\""};
  if (size == 0) return 0;
  std::string_view type = kTypes[data[0] % std::size(kTypes)];
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);

  inlinks::crawler::ExtractorOptions options;
  options.max_links = 1000;
  auto page = inlinks::crawler::ExtractPage(body, type, kPage, options);
  if (!page.ok()) std::abort();  // every HTML type must parse
  if (!ValidUtf8(page->title)) std::abort();
  if (page->title.size() > options.max_title_bytes) std::abort();
  if (page->links.size() > options.max_links) std::abort();
  uint32_t counted = 0;
  for (size_t i = 0; i < page->links.size(); ++i) {
    const auto& link = page->links[i];
    if (link.position != i + 1) std::abort();
    if (!ValidUtf8(link.anchor) || link.anchor.size() > options.max_anchor_bytes) std::abort();
    if (!inlinks::core::ParseUrl(link.target).ok()) std::abort();
    counted += inlinks::core::IsCountedHyperlink(link.tag);
  }
  if (counted != page->total_links ||
      page->internal_links + page->external_links != page->total_links) {
    std::abort();
  }
  return 0;
}
