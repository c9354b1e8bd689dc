// The link extractor. See extractor.h for the rules and docs/extractor.md for
// the reasons. One pass over gumbo's tree with an explicit stack (deeply
// nested pages must not overflow the call stack).
#include "inlinks/crawler/extractor.h"

#include <gumbo.h>

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "html_guard.h"
#include "inlinks/core/domain.h"
#include "inlinks/crawler/charset.h"
#include "text_util.h"

namespace inlinks::crawler {
namespace {

using internal::EqualsIgnoreCase;
using internal::StartsWithIgnoreCase;

using core::Link;
using core::LinkTag;
using core::Page;

using internal::TrimAsciiWhitespace;
using internal::IsAsciiWhitespace;

// Calls f(token) for each token of a list separated by ASCII whitespace and
// any of `extra_separators`.
template <typename F>
void ForEachToken(std::string_view list, std::string_view extra_separators, F f) {
  size_t i = 0;
  while (i < list.size()) {
    while (i < list.size() && (IsAsciiWhitespace(list[i]) ||
                               extra_separators.find(list[i]) != std::string_view::npos)) {
      ++i;
    }
    size_t start = i;
    while (i < list.size() && !IsAsciiWhitespace(list[i]) &&
           extra_separators.find(list[i]) == std::string_view::npos) {
      ++i;
    }
    if (i > start) f(list.substr(start, i - start));
  }
}

const char* Attr(const GumboElement& e, const char* name) {
  const GumboAttribute* a = gumbo_get_attribute(&e.attributes, name);
  return a == nullptr ? nullptr : a->value;
}

// Collects visible text: whitespace runs (ASCII and U+00A0) become one space,
// leading/trailing whitespace is dropped, and the result is cut at `cap`
// bytes on a UTF-8 character boundary.
class TextCollector {
 public:
  explicit TextCollector(size_t cap) : cap_(cap) {}

  void Append(std::string_view text) {
    size_t i = 0;
    const size_t n = text.size();
    while (i < n && !full_) {
      // A run of whitespace.
      bool space = false;
      while (i < n) {
        if (IsAsciiWhitespace(text[i])) {
          ++i;
        } else if (text[i] == '\xC2' && i + 1 < n && text[i + 1] == '\xA0') {
          i += 2;
        } else {
          break;
        }
        space = true;
      }
      if (space) Break();
      // A run of other characters.
      size_t start = i;
      while (i < n && !IsAsciiWhitespace(text[i]) &&
             !(text[i] == '\xC2' && i + 1 < n && text[i + 1] == '\xA0')) {
        ++i;
      }
      if (i > start) Put(text.substr(start, i - start));
    }
  }

  // A word boundary (whitespace or a block/br element).
  void Break() { pending_space_ = !out_.empty(); }

  bool empty() const { return out_.empty(); }
  std::string Take() { return std::move(out_); }

 private:
  void Put(std::string_view word) {
    if (pending_space_) {
      out_.push_back(' ');
      pending_space_ = false;
    }
    out_.append(word);
    if (out_.size() > cap_) {
      size_t cut = cap_;
      // Back up to the lead byte of the character that straddles the cap.
      while (cut > 0 && (static_cast<unsigned char>(out_[cut]) & 0xC0) == 0x80) --cut;
      out_.resize(cut);
      while (!out_.empty() && out_.back() == ' ') out_.pop_back();
      full_ = true;
    }
  }

  std::string out_;
  size_t cap_;
  bool pending_space_ = false;
  bool full_ = false;
};

// Elements whose boundaries separate words in rendered text.
bool IsBlockish(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_BR: case GUMBO_TAG_P: case GUMBO_TAG_DIV: case GUMBO_TAG_LI:
    case GUMBO_TAG_TD: case GUMBO_TAG_TH: case GUMBO_TAG_TR: case GUMBO_TAG_H1:
    case GUMBO_TAG_H2: case GUMBO_TAG_H3: case GUMBO_TAG_H4: case GUMBO_TAG_H5:
    case GUMBO_TAG_H6: case GUMBO_TAG_UL: case GUMBO_TAG_OL: case GUMBO_TAG_DL:
    case GUMBO_TAG_DT: case GUMBO_TAG_DD: case GUMBO_TAG_TABLE:
    case GUMBO_TAG_SECTION: case GUMBO_TAG_ARTICLE: case GUMBO_TAG_HEADER:
    case GUMBO_TAG_FOOTER: case GUMBO_TAG_NAV: case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_PRE: case GUMBO_TAG_HR: case GUMBO_TAG_IMG:
      return true;
    default:
      return false;
  }
}

// gumbo's allocations go to an arena freed in one go: parsing mallocs far
// less, and the tree is never walked to free it (gumbo_destroy_output
// recurses once per level of nesting).
class GumboArena {
 public:
  GumboArena() = default;
  GumboArena(const GumboArena&) = delete;
  GumboArena& operator=(const GumboArena&) = delete;

  static void* Allocate(void* self, size_t size) {
    return static_cast<GumboArena*>(self)->Alloc(size);
  }
  static void Deallocate(void*, void*) {}  // freed with the arena

  size_t bytes() const { return bytes_; }

 private:
  static constexpr size_t kChunk = 256 * 1024;
  static constexpr size_t kAlign = alignof(std::max_align_t);

  void* Alloc(size_t size) {
    size = (size + kAlign - 1) & ~(kAlign - 1);
    if (size > kChunk / 4) {
      // Large buffers get their own chunk, so chunks are not wasted.
      chunks_.emplace_back(new char[size]);
      bytes_ += size;
      return chunks_.back().get();
    }
    if (used_ + size > kChunk || chunks_.empty() || current_ == nullptr) {
      chunks_.emplace_back(new char[kChunk]);
      current_ = chunks_.back().get();
      used_ = 0;
      bytes_ += kChunk;
    }
    void* p = current_ + used_;
    used_ += size;
    return p;
  }

  std::vector<std::unique_ptr<char[]>> chunks_;
  char* current_ = nullptr;
  size_t used_ = 0;
  size_t bytes_ = 0;
};

// The content of <meta http-equiv=refresh>: "5; url=/next" -> "/next".
// HTML Standard "shared declarative refresh steps"; nullopt when there is no
// URL (a refresh of the page itself is not a link).
std::optional<std::string_view> RefreshUrl(std::string_view content) {
  size_t i = 0;
  const size_t n = content.size();
  while (i < n && IsAsciiWhitespace(content[i])) ++i;
  size_t digits = i;
  while (i < n && absl::ascii_isdigit(static_cast<unsigned char>(content[i]))) ++i;
  if (i == digits && (i >= n || content[i] != '.')) return std::nullopt;
  while (i < n && (absl::ascii_isdigit(static_cast<unsigned char>(content[i])) ||
                   content[i] == '.')) {
    ++i;
  }
  while (i < n && IsAsciiWhitespace(content[i])) ++i;
  if (i < n && (content[i] == ';' || content[i] == ',')) ++i;
  while (i < n && IsAsciiWhitespace(content[i])) ++i;
  if (i >= n) return std::nullopt;
  std::string_view rest = content.substr(i);
  if (StartsWithIgnoreCase(rest, "url")) {
    size_t j = 3;
    while (j < rest.size() && IsAsciiWhitespace(rest[j])) ++j;
    if (j < rest.size() && rest[j] == '=') {
      ++j;
      while (j < rest.size() && IsAsciiWhitespace(rest[j])) ++j;
      rest = rest.substr(j);
    }
  }
  if (!rest.empty() && (rest.front() == '"' || rest.front() == '\'')) {
    char quote = rest.front();
    rest.remove_prefix(1);
    size_t close = rest.find(quote);
    if (close != std::string_view::npos) rest = rest.substr(0, close);
  }
  rest = TrimAsciiWhitespace(rest);
  if (rest.empty()) return std::nullopt;
  return rest;
}

class Extraction {
 public:
  Extraction(const core::Url& page_url, const ExtractorOptions& options, Page& page)
      : page_url_(page_url), base_(page_url), options_(options), page_(page),
        page_site_(core::SiteOf(page_url.host())) {}

  void Run(const GumboNode* root) {
    FindBase(root);
    Walk(root);
    for (Link& link : page_.links) {
      if (core::IsCountedHyperlink(link.tag)) {
        ++page_.total_links;
        if (link.internal) {
          ++page_.internal_links;
        } else {
          ++page_.external_links;
        }
      }
      if (page_.robots_nofollow) link.rel |= core::kRelNofollow;
    }
  }

  const core::Url& base() const { return base_; }

 private:
  // An <a> whose text is being collected.
  struct OpenAnchor {
    size_t link_index;  // into page_.links, or SIZE_MAX when not a link
    TextCollector text;
    std::string img_alt;
    bool has_img = false;
  };

  // The document base URL: the first <base href> among head's children
  // (docs/extractor.md: a <base> outside head is ignored).
  void FindBase(const GumboNode* root) {
    if (root == nullptr || root->type != GUMBO_NODE_ELEMENT) return;
    const GumboVector& kids = root->v.element.children;
    for (unsigned i = 0; i < kids.length; ++i) {
      auto* head = static_cast<const GumboNode*>(kids.data[i]);
      if (head->type != GUMBO_NODE_ELEMENT || head->v.element.tag != GUMBO_TAG_HEAD) continue;
      const GumboVector& hk = head->v.element.children;
      for (unsigned j = 0; j < hk.length; ++j) {
        auto* n = static_cast<const GumboNode*>(hk.data[j]);
        if (n->type != GUMBO_NODE_ELEMENT || n->v.element.tag != GUMBO_TAG_BASE) continue;
        const char* href = Attr(n->v.element, "href");
        if (href == nullptr) continue;
        absl::StatusOr<core::Url> base = core::ResolveUrl(page_url_, href);
        if (base.ok()) base_ = *std::move(base);
        return;
      }
      return;
    }
  }

  void Walk(const GumboNode* root) {
    struct Frame {
      const GumboNode* node;
      bool exit;
    };
    std::vector<Frame> stack;
    stack.push_back({root, false});
    while (!stack.empty()) {
      Frame f = stack.back();
      stack.pop_back();
      const GumboNode* node = f.node;
      if (f.exit) {
        Leave(node->v.element);
        continue;
      }
      switch (node->type) {
        case GUMBO_NODE_TEXT:
        case GUMBO_NODE_CDATA:
        case GUMBO_NODE_WHITESPACE:
          if (!anchors_.empty()) anchors_.back().text.Append(node->v.text.text);
          break;
        case GUMBO_NODE_ELEMENT:
        case GUMBO_NODE_TEMPLATE: {
          const GumboElement& e = node->v.element;
          if (!Enter(e)) break;  // children skipped
          stack.push_back({node, true});
          const GumboVector& kids = e.children;
          for (unsigned i = kids.length; i > 0; --i) {
            stack.push_back({static_cast<const GumboNode*>(kids.data[i - 1]), false});
          }
          break;
        }
        default:
          break;
      }
    }
    // Anchors left open only when the walk ended early; close them.
    while (!anchors_.empty()) FinishAnchor();
  }

  // Handles an element's start; returns false to skip its children.
  bool Enter(const GumboElement& e) {
    const bool html = e.tag_namespace == GUMBO_NAMESPACE_HTML;
    switch (e.tag) {
      case GUMBO_TAG_SCRIPT:
      case GUMBO_TAG_STYLE:
      case GUMBO_TAG_TEMPLATE:
        return false;
      case GUMBO_TAG_TITLE:
        if (html && !title_seen_) {
          title_seen_ = true;
          TextCollector t(options_.max_title_bytes);
          for (unsigned i = 0; i < e.children.length; ++i) {
            auto* kid = static_cast<const GumboNode*>(e.children.data[i]);
            if (kid->type == GUMBO_NODE_TEXT || kid->type == GUMBO_NODE_WHITESPACE) {
              t.Append(kid->v.text.text);
            }
          }
          page_.title = t.Take();
        }
        return false;
      case GUMBO_TAG_META:
        Meta(e);
        return false;
      case GUMBO_TAG_LINK: {
        const char* rel = Attr(e, "rel");
        const char* href = Attr(e, "href");
        if (rel == nullptr || href == nullptr) return false;
        bool canonical = false;
        ForEachToken(rel, "", [&](std::string_view t) {
          canonical |= EqualsIgnoreCase(t, "canonical");
        });
        if (canonical) {
          size_t i = AddLink(href, LinkTag::kCanonical, nullptr);
          if (i != kNoLink && page_.canonical.empty()) {
            page_.canonical = page_.links[i].target;
          }
        }
        return false;
      }
      case GUMBO_TAG_A: {
        if (!html) break;
        const char* href = Attr(e, "href");
        size_t index = href == nullptr ? kNoLink : AddLink(href, LinkTag::kA, Attr(e, "rel"));
        anchors_.push_back(OpenAnchor{index, TextCollector(options_.max_anchor_bytes), {}, false});
        return true;
      }
      case GUMBO_TAG_IMG:
        if (!anchors_.empty()) {
          OpenAnchor& a = anchors_.back();
          if (!a.has_img) {
            a.has_img = true;
            if (const char* alt = Attr(e, "alt")) a.img_alt = alt;
          }
          a.text.Break();
        }
        return false;
      case GUMBO_TAG_AREA: {
        const char* href = Attr(e, "href");
        if (href == nullptr) return false;
        size_t i = AddLink(href, LinkTag::kArea, Attr(e, "rel"));
        if (i != kNoLink) {
          if (const char* alt = Attr(e, "alt")) {
            TextCollector t(options_.max_anchor_bytes);
            t.Append(alt);
            page_.links[i].anchor = t.Take();
          }
        }
        return false;
      }
      case GUMBO_TAG_IFRAME:
      case GUMBO_TAG_FRAME:
        if (const char* src = Attr(e, "src")) {
          AddLink(src, e.tag == GUMBO_TAG_IFRAME ? LinkTag::kIframe : LinkTag::kFrame, nullptr);
        }
        return false;
      default:
        break;
    }
    if (!anchors_.empty() && IsBlockish(e.tag)) anchors_.back().text.Break();
    return true;
  }

  void Leave(const GumboElement& e) {
    if (e.tag == GUMBO_TAG_A && e.tag_namespace == GUMBO_NAMESPACE_HTML) {
      FinishAnchor();
    } else if (!anchors_.empty() && IsBlockish(e.tag)) {
      anchors_.back().text.Break();
    }
  }

  void FinishAnchor() {
    OpenAnchor a = std::move(anchors_.back());
    anchors_.pop_back();
    if (a.link_index == kNoLink) return;
    Link& link = page_.links[a.link_index];
    if (a.has_img) link.tag = LinkTag::kAImg;
    if (!a.text.empty()) {
      link.anchor = a.text.Take();
    } else if (a.has_img && !a.img_alt.empty()) {
      TextCollector t(options_.max_anchor_bytes);
      t.Append(a.img_alt);
      link.anchor = t.Take();
    }
  }

  void Meta(const GumboElement& e) {
    const char* content = Attr(e, "content");
    if (content == nullptr) return;
    if (const char* name = Attr(e, "name"); name != nullptr &&
                                            EqualsIgnoreCase(TrimAsciiWhitespace(name), "robots")) {
      if (!page_.meta_robots.empty()) page_.meta_robots += ", ";
      page_.meta_robots += content;
      ForEachToken(content, ",", [&](std::string_view t) {
        if (EqualsIgnoreCase(t, "nofollow") || EqualsIgnoreCase(t, "none")) {
          page_.robots_nofollow = true;
        }
        if (EqualsIgnoreCase(t, "noindex") || EqualsIgnoreCase(t, "none")) {
          page_.robots_noindex = true;
        }
      });
      return;
    }
    if (const char* equiv = Attr(e, "http-equiv");
        equiv != nullptr && EqualsIgnoreCase(TrimAsciiWhitespace(equiv), "refresh")) {
      if (std::optional<std::string_view> url = RefreshUrl(content)) {
        AddLink(*url, LinkTag::kRedirect, nullptr);
      }
    }
  }

  static constexpr size_t kNoLink = static_cast<size_t>(-1);

  // Resolves `href` and appends a link; returns its index, or kNoLink when
  // the href is not a link or the cap is reached.
  size_t AddLink(std::string_view href, LinkTag tag, const char* rel) {
    std::string_view h = TrimAsciiWhitespace(href);
    if (h.empty() || h.front() == '#') {
      ++page_.skipped_hrefs;
      return kNoLink;
    }
    if (page_.links.size() >= options_.max_links) {
      if (page_.truncation == core::Truncation::kNone) {
        page_.truncation = core::Truncation::kLinkCount;
      }
      return kNoLink;
    }
    absl::StatusOr<core::Url> target = core::ResolveUrl(base_, h);
    if (!target.ok()) {
      ++page_.skipped_hrefs;
      return kNoLink;
    }
    Link link;
    link.position = static_cast<uint32_t>(page_.links.size() + 1);
    link.tag = tag;
    link.internal = IsInternal(target->host());
    link.target = target->href();
    if (rel != nullptr) {
      ForEachToken(rel, "", [&](std::string_view t) {
        if (EqualsIgnoreCase(t, "nofollow")) link.rel |= core::kRelNofollow;
        if (EqualsIgnoreCase(t, "ugc")) link.rel |= core::kRelUgc;
        if (EqualsIgnoreCase(t, "sponsored")) link.rel |= core::kRelSponsored;
      });
    }
    page_.links.push_back(std::move(link));
    return page_.links.size() - 1;
  }

  bool IsInternal(std::string_view host) {
    // Links of a page cluster on few hosts: a small cache saves PSL lookups.
    for (const auto& [h, internal] : site_cache_) {
      if (h == host) return internal;
    }
    bool internal = core::SiteOf(host) == page_site_;
    if (site_cache_.size() < 32) site_cache_.emplace_back(std::string(host), internal);
    return internal;
  }

  const core::Url& page_url_;
  core::Url base_;
  const ExtractorOptions& options_;
  Page& page_;
  std::string page_site_;
  std::vector<OpenAnchor> anchors_;
  std::vector<std::pair<std::string, bool>> site_cache_;
  bool title_seen_ = false;
};

}  // namespace

bool IsHtmlContentType(std::string_view content_type) {
  std::string_view mime = TrimAsciiWhitespace(content_type.substr(0, content_type.find(';')));
  return mime.empty() || EqualsIgnoreCase(mime, "text/html") ||
         EqualsIgnoreCase(mime, "application/xhtml+xml");
}

absl::StatusOr<Page> ExtractPage(std::string_view body, std::string_view content_type,
                                 const core::Url& final_url,
                                 const ExtractorOptions& options) {
  if (!IsHtmlContentType(content_type)) {
    return absl::InvalidArgumentError(
        absl::StrCat("not an HTML content type: '",
                     absl::string_view(content_type.data(), content_type.size()), "'"));
  }
  Page page;
  page.url = final_url.href();
  if (body.size() > options.max_body_bytes) {
    body = body.substr(0, options.max_body_bytes);
    page.truncation = core::Truncation::kInputSize;
  }
  DecodedHtml decoded = DecodeHtml(body, content_type);
  page.encoding = decoded.encoding;

  internal::HtmlGuardLimits limits;
  limits.max_depth = options.max_depth;
  // Link tags past the link cap would be dropped anyway; a little slack keeps
  // the cap's truncation flag meaningful.
  limits.max_link_tags = options.max_links + options.max_links / 8 + 16;
  internal::HtmlGuardStats guard = internal::GuardHtml(decoded.utf8, limits);
  if (page.truncation == core::Truncation::kNone) {
    if (guard.tags_blanked_depth > 0) {
      page.truncation = core::Truncation::kNesting;
    } else if (guard.link_tags_blanked > 0) {
      page.truncation = core::Truncation::kLinkCount;
    } else if (guard.tags_blanked_count > 0) {
      page.truncation = core::Truncation::kElementCount;
    }
  }

  GumboArena arena;
  GumboOptions gumbo_options = kGumboDefaultOptions;
  gumbo_options.max_errors = 0;  // errors cost memory; we never read them
  gumbo_options.allocator = &GumboArena::Allocate;
  gumbo_options.deallocator = &GumboArena::Deallocate;
  gumbo_options.userdata = &arena;
  // Owned by the arena: never passed to gumbo_destroy_output.
  GumboOutput* output =
      gumbo_parse_with_options(&gumbo_options, decoded.utf8.data(), decoded.utf8.size());
  if (output == nullptr) return absl::InternalError("gumbo failed to parse");

  Extraction extraction(final_url, options, page);
  extraction.Run(output->root);
  page.base = extraction.base().href();
  return page;
}

}  // namespace inlinks::crawler
