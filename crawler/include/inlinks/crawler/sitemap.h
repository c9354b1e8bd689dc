// File: inlinks/crawler/sitemap.h
//
// Owns: parsing a sitemap body into page URLs and child sitemap URLs.
// Spec: the sitemaps.org protocol 0.9 (https://www.sitemaps.org/protocol.html):
// XML <urlset> and <sitemapindex>, plain-text sitemaps, and RSS 2.0 / Atom
// 1.0 feeds used as sitemaps. Pure: bytes in, URLs out; fetching, gunzipping
// (.xml.gz; see http_response.h DecodeContentCoding), resolving and
// filtering the URLs (same-host rule of the protocol) is the caller's job.
//
//   Sitemap s = ParseSitemap(body);
//   for (const SitemapEntry& e : s.urls) Enqueue(e.loc);
//   for (const SitemapEntry& e : s.sitemaps) FetchSitemap(e.loc);
//
// Behaviour:
//   - A UTF-8 byte order mark is skipped. If the first non-whitespace byte
//     is '<' the body is read as XML; otherwise, if its first non-blank
//     line starts with "http://" or "https://" (any case), as a text
//     sitemap; otherwise kind is kUnknown and nothing is returned.
//   - XML is read by a small tolerant scanner, not a validating parser:
//     elements are matched by local name (prefixes and namespaces are
//     ignored, so <sit:urlset> and a wrong xmlns both work; names compare
//     ASCII case-insensitively); comments, processing instructions and
//     DOCTYPE are skipped; CDATA sections are text; the five predefined
//     entities and numeric character references are decoded (an unknown or
//     invalid reference is kept as written).
//   - The root element picks the kind: urlset -> kUrlSet, sitemapindex ->
//     kIndex, rss or feed -> kFeed, anything else -> kUnknown (no entries).
//   - kUrlSet: each <url> child of the root gives one entry from its direct
//     <loc> child (first one) and optional direct <lastmod> child. <loc>
//     elements nested deeper (image:loc inside <image:image>, video:*_loc)
//     are not page URLs and are ignored. kIndex: the same for <sitemap>.
//   - kFeed: RSS 2.0 rss/channel/item: <link> text, lastmod from <pubDate>.
//     Atom feed/entry: the first <link> whose rel is absent or "alternate",
//     its href; lastmod from <updated>. Channel/feed-level links are not
//     entries.
//   - kText: one URL per line (LF, CR LF or CR), whitespace trimmed, blank
//     lines ignored; a line not starting with http:// or https:// is
//     counted in `skipped`.
//   - loc and lastmod are as written: trimmed of XML whitespace, entities
//     decoded, not resolved or normalized. An entry whose loc is empty or
//     longer than kMaxLocBytes is counted in `skipped`.
//   - Limits: only the first options.max_bytes bytes are read; at most
//     options.max_urls entries (urls + sitemaps together) are kept; further
//     ones are counted in `skipped`. Either cut sets `truncated`.
//   - Malformed XML: what was parsed so far is returned. A mismatched end
//     tag closes the nearest open element of that name (searched at most
//     kMaxEndTagSearch levels up) or is ignored. If the input ends before
//     the root element closes, `truncated` is set and an open entry whose
//     <loc> was complete is kept.
//   - Time and memory are linear in the input; nesting beyond
//     kMaxTrackedDepth is counted, not stored.
//
// Leniencies (not in the protocol; crawler-commons accepts them too):
//   - A <url> or <sitemap> without a <loc> child but with text of its own
//     (e.g. "<sitemap>https://x/s.xml</sitemap>") uses that text as loc.
//   - Namespace URIs are not checked (sitemaps with Google's old 0.84/0.9
//     namespace, or none at all, are read).
//
// Thread safety: ParseSitemap is a pure function, safe to call concurrently.
// No exceptions are thrown by this code (allocation failure aside).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace inlinks::crawler {

struct SitemapEntry {
  std::string loc;      // as written: trimmed, XML entities decoded
  std::string lastmod;  // as written, "" when absent
};

struct Sitemap {
  enum class Kind { kUrlSet, kIndex, kText, kFeed, kUnknown } kind = Kind::kUnknown;
  // <urlset><url><loc>, text lines, RSS item <link> / Atom entry <link href>.
  std::vector<SitemapEntry> urls;
  // <sitemapindex><sitemap><loc>.
  std::vector<SitemapEntry> sitemaps;
  // Entries dropped: empty or overlong loc, non-URL text line, over the cap.
  size_t skipped = 0;
  // max_urls or max_bytes cut the result, or the XML ended before its root
  // element was closed.
  bool truncated = false;
};

struct SitemapOptions {
  size_t max_urls = 50000;      // sitemaps.org: at most 50,000 URLs per file
  size_t max_bytes = 50 << 20;  // sitemaps.org: at most 50 MiB uncompressed
};

inline constexpr size_t kMaxLocBytes = 8 * 1024;
inline constexpr size_t kMaxTrackedDepth = 1024;
inline constexpr size_t kMaxEndTagSearch = 16;

// Parses a sitemap body that is already decompressed. Any bytes are
// accepted; never fails, never throws.
Sitemap ParseSitemap(std::string_view body, const SitemapOptions& options = {});

}  // namespace inlinks::crawler
