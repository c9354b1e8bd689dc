// File: inlinks/core/records.h
//
// Owns: the in-memory records that flow from the extractor to the indexer:
// a `Link` found on a page and the extracted `Page` (docs/extractor.md).
// Fetch facts (IP, time, HTTP status) and stored forms belong to the crawler
// and storage; these types carry what the HTML itself says.
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace inlinks::core {

// How a link appears in its source page.
enum class LinkTag : uint8_t {
  kA = 0,          // <a href> with text
  kAImg = 1,       // <a href> that contains an <img>
  kArea = 2,       // <area href> of an image map
  kIframe = 3,     // <iframe src>
  kFrame = 4,      // <frame src>
  kCanonical = 5,  // <link rel=canonical href>
  kRedirect = 6,   // HTTP 3xx Location or <meta http-equiv=refresh>
};

// The wire/display name of a tag: "a", "aimg", "area", "iframe", "frame",
// "canonical", "redirect".
std::string_view LinkTagName(LinkTag tag);
// Inverse of LinkTagName; nullopt for an unknown name.
std::optional<LinkTag> LinkTagFromName(std::string_view name);

// rel flags of a link (bit set).
enum LinkRel : uint8_t {
  kRelNone = 0,
  kRelNofollow = 1 << 0,
  kRelUgc = 1 << 1,
  kRelSponsored = 1 << 2,
};

struct Link {
  std::string target;   // absolute normalized URL (Url::href())
  std::string anchor;   // visible text (or img alt), UTF-8, capped
  uint32_t position = 0;  // 1-based order among all links of the page
  LinkTag tag = LinkTag::kA;
  uint8_t rel = kRelNone;  // LinkRel bits
  bool internal = false;   // same registrable domain as the page

  bool nofollow() const { return rel & kRelNofollow; }
  bool ugc() const { return rel & kRelUgc; }
  bool sponsored() const { return rel & kRelSponsored; }
  friend bool operator==(const Link&, const Link&) = default;
};

// Why an extraction stopped early (the links found before it are kept).
enum class Truncation : uint8_t {
  kNone = 0,
  kInputSize = 1,  // body longer than the size cap
  kNesting = 2,    // elements nested deeper than the cap were flattened
  kLinkCount = 3,  // more links than the link cap
  kElementCount = 4,  // more elements than the parser may allocate
};

struct Page {
  std::string url;         // final URL the page was fetched from (normalized)
  std::string base;        // effective base URL (from <base href>, else url)
  std::string title;       // <title>, entities decoded, whitespace collapsed
  std::string canonical;   // <link rel=canonical> target, normalized, or ""
  std::string meta_robots; // content of <meta name=robots>, as written
  bool robots_noindex = false;
  bool robots_nofollow = false;  // page-wide nofollow: every link nofollow
  std::string encoding;    // encoding the body was decoded from
  std::vector<Link> links; // document order; position == index + 1
  // Counts over the hyperlinks (tags a, aimg, area, iframe, frame; not
  // canonical or redirect): same registrable domain as the page, other
  // domains, and their sum.
  uint32_t internal_links = 0;
  uint32_t external_links = 0;
  uint32_t total_links = 0;
  // Hrefs skipped as non-links (javascript:, mailto:, unparseable, ...).
  uint32_t skipped_hrefs = 0;
  Truncation truncation = Truncation::kNone;
};

// True for the tags counted in Page's internal/external/total counts.
bool IsCountedHyperlink(LinkTag tag);

}  // namespace inlinks::core
