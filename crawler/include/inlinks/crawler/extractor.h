// File: inlinks/crawler/extractor.h
//
// Owns: turning one HTML response into a core::Page: title, canonical, meta
// robots, and every link in document order with its anchor text, position,
// tag, rel flags and internal/external flag, plus the page's link counts.
// A pure function: bytes in, value out; it never fetches or writes, so it can
// be fuzzed and benchmarked alone.
//
// Rules (docs/extractor.md has the full list and the reasons):
//  - links come from <a href>, <area href>, <iframe src>, <frame src>,
//    <link rel=canonical href> and <meta http-equiv=refresh content="N;url=">;
//    an <a> containing an <img> is tagged aimg, and its anchor is the img's
//    alt text when the <a> has no text of its own;
//  - targets are resolved against <base href> (else the page URL) the way a
//    browser does, then normalized (core/url.h); hrefs that are empty,
//    fragment-only ("#top"), non-http(s) (javascript:, mailto:, tel:, data:,
//    ...) or unparseable are not links and are counted in skipped_hrefs;
//  - anchor text is the element's visible text (script/style excluded),
//    entities decoded, whitespace collapsed, at most max_anchor_bytes of
//    UTF-8, cut on a character boundary;
//  - rel is a case-insensitive, space-separated token list: nofollow, ugc,
//    sponsored; <meta name=robots content=nofollow> (or "none") makes every
//    link of the page nofollow;
//  - internal = same registrable domain (core/domain.h) as the page URL.
//  - internal/external/total count the hyperlinks (a, aimg, area, iframe,
//    frame), not canonical or redirect links.
// Guards: the body is cut at max_body_bytes, markup nested deeper than the
// guard's caps is flattened, and at most max_links links are kept; each sets
// Page::truncation, and the links found so far are kept. Any input up to the
// cap is handled in bounded time and memory (tests/crawler/extractor_limits_test.cc).
//
// Thread safety: thread-safe; no shared state.
#pragma once

#include <cstddef>
#include <string_view>

#include "absl/status/statusor.h"
#include "inlinks/core/records.h"
#include "inlinks/core/url.h"

namespace inlinks::crawler {

struct ExtractorOptions {
  size_t max_body_bytes = 4 << 20;  // bytes of body parsed; the rest is cut
  size_t max_anchor_bytes = 1000;   // anchor text cap (UTF-8 bytes)
  size_t max_title_bytes = 1000;    // title cap (UTF-8 bytes)
  size_t max_links = 100000;        // links kept per page
  size_t max_depth = 128;           // element nesting kept (see html_guard)
};

// True when a Content-Type header value names HTML (text/html,
// application/xhtml+xml) or is empty (unknown: sniffed as HTML).
bool IsHtmlContentType(std::string_view content_type);

// Extracts the page at `final_url` from its response body.
// Errors: kInvalidArgument when `content_type` names a non-HTML type. Bad
// markup is never an error: it is parsed as browsers parse it.
absl::StatusOr<core::Page> ExtractPage(std::string_view body,
                                       std::string_view content_type,
                                       const core::Url& final_url,
                                       const ExtractorOptions& options = {});

}  // namespace inlinks::crawler
