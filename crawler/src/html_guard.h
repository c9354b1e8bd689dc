// File: crawler/src/html_guard.h (private)
//
// Owns: bounding the work the HTML parser can be made to do. Debian's gumbo
// 0.10.1 has no depth limit, is quadratic in nesting depth, in the length of
// the list of active formatting elements and in attributes per tag, frees its
// tree recursively, and allocates ~200 bytes per element. So before parsing we
// run one linear pass over the (UTF-8) markup that tracks an approximation of
// the parser's stack of open elements and removes the start tags and
// attributes that would push those past their caps (each removed run becomes
// one space, a word boundary). Text and
// link-bearing tags (a, area, iframe, frame, link, meta, base) are never
// removed below the link cap, so links inside over-deep markup are still
// found.
#pragma once

#include <cstddef>
#include <string>

namespace inlinks::crawler::internal {

struct HtmlGuardLimits {
  size_t max_depth = 128;          // open non-void elements
  size_t max_formatting = 24;      // open formatting elements (b, i, ...)
  size_t max_attributes = 64;      // attributes kept per tag
  size_t max_elements = 150000;    // elements of all kinds, link tags aside
  size_t max_link_tags = 100000;   // a/area/iframe/frame/link start tags
};

struct HtmlGuardStats {
  size_t tags_blanked_depth = 0;     // start tags blanked for depth/formatting
  size_t tags_blanked_count = 0;     // tags blanked for the element budget
  size_t link_tags_blanked = 0;      // link tags blanked past the link cap
  size_t attributes_blanked = 0;     // attributes turned into spaces
};

// Rewrites `html` in place (never longer) so that gumbo stays within the
// limits. Returns what was changed; all zero when nothing was.
HtmlGuardStats GuardHtml(std::string& html, const HtmlGuardLimits& limits = {});

}  // namespace inlinks::crawler::internal
