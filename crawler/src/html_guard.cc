// See html_guard.h. The tag grammar follows the HTML Standard's tokenizer
// (https://html.spec.whatwg.org/#tokenization) closely enough to find tag
// boundaries, comments and raw-text elements; the tree model follows the tree
// builder's rules that change depth (implied end tags, end tags that stop at
// scope boundaries and special elements, foreign content). Where it cannot
// be exact it over-counts depth, which only blanks more tags.
#include "html_guard.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace inlinks::crawler::internal {
namespace {

using Name = std::array<char, 16>;  // lower-case tag name, truncated

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

bool NameIs(const Name& n, std::string_view s) {
  return s.size() < n.size() && std::memcmp(n.data(), s.data(), s.size()) == 0 &&
         n[s.size()] == '\0';
}

bool NameIn(const Name& n, std::initializer_list<std::string_view> list) {
  for (std::string_view s : list) {
    if (NameIs(n, s)) return true;
  }
  return false;
}

enum TagFlag : uint32_t {
  kVoid = 1 << 0,
  kRawText = 1 << 1,      // content not read as markup (in HTML content)
  kFormatting = 1 << 2,
  kLinkTag = 1 << 3,
  kProtected = 1 << 4,    // carries links or page facts: never blanked
  kScopeBoundary = 1 << 5,
  kSpecial = 1 << 6,
  kClosesP = 1 << 7,
  kMarker = 1 << 8,
  kForeignRoot = 1 << 9,  // svg, math
};

// Tag name -> flags, built once. Lookups hash the name (an open-addressing
// table), so classifying a tag costs one probe instead of scanning lists.
class TagTable {
 public:
  TagTable() {
    auto add = [&](std::initializer_list<std::string_view> names, uint32_t flag) {
      for (std::string_view n : names) Slot(n).flags |= flag;
    };
    add({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
         "source", "track", "wbr", "keygen", "frame", "basefont", "bgsound", "image",
         "isindex"},
        kVoid);
    // noscript is markup: gumbo parses with scripting off.
    add({"script", "style", "xmp", "iframe", "noembed", "noframes", "textarea", "title"},
        kRawText);
    add({"b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt",
         "u"},
        kFormatting);
    add({"a", "area", "iframe", "frame", "link"}, kLinkTag | kProtected);
    add({"meta", "base", "html", "head", "body", "title", "template"}, kProtected);
    add({"applet", "caption", "html", "table", "td", "th", "marquee", "object", "template",
         "svg", "math", "foreignobject", "desc", "select"},
        kScopeBoundary | kSpecial);
    add({"address", "article", "aside", "blockquote", "body", "button", "center", "colgroup",
         "dd", "details", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure",
         "footer", "form", "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header",
         "hgroup", "li", "listing", "main", "menu", "nav", "noembed", "noframes", "noscript",
         "ol", "p", "plaintext", "pre", "section", "summary", "tbody", "textarea", "tfoot",
         "thead", "tr", "ul", "xmp", "iframe", "script", "style", "title"},
        kSpecial);
    add({"address", "article", "aside", "blockquote", "center", "details", "dialog", "dir",
         "div", "dl", "fieldset", "figcaption", "figure", "footer", "header", "hgroup", "main",
         "menu", "nav", "ol", "p", "section", "summary", "ul", "h1", "h2", "h3", "h4", "h5",
         "h6", "pre", "listing", "form", "table", "hr", "li", "dd", "dt", "plaintext", "xmp"},
        kClosesP);
    add({"td", "th", "caption", "object", "applet", "marquee", "template"}, kMarker);
    add({"svg", "math"}, kForeignRoot);
  }

  uint32_t Flags(const Name& n) const {
    size_t i = Hash(n) & kMask;
    while (slots_[i].used) {
      if (slots_[i].name == n) return slots_[i].flags;
      i = (i + 1) & kMask;
    }
    return 0;
  }

 private:
  static constexpr size_t kSize = 512;
  static constexpr size_t kMask = kSize - 1;
  struct Entry {
    Name name{};
    uint32_t flags = 0;
    bool used = false;
  };
  static size_t Hash(const Name& n) {
    uint32_t h = 2166136261u;
    for (char c : n) {
      if (c == '\0') break;
      h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
    }
    return h;
  }
  Entry& Slot(std::string_view s) {
    Name n{};
    std::memcpy(n.data(), s.data(), std::min(s.size(), n.size() - 1));
    size_t i = Hash(n) & kMask;
    while (slots_[i].used && slots_[i].name != n) i = (i + 1) & kMask;
    slots_[i].used = true;
    slots_[i].name = n;
    return slots_[i];
  }
  std::array<Entry, kSize> slots_{};
};

const TagTable& Tags() {
  static const TagTable table;
  return table;
}

bool Has(const Name& n, uint32_t flag) { return (Tags().Flags(n) & flag) != 0; }
bool IsFormatting(const Name& n) { return Has(n, kFormatting); }
bool IsScopeBoundary(const Name& n) { return Has(n, kScopeBoundary); }
bool IsSpecial(const Name& n) { return Has(n, kSpecial); }

bool IsAttributeWorthKeeping(std::string_view name) {
  for (std::string_view keep :
       {"href", "src", "rel", "name", "content", "http-equiv", "alt", "charset", "title"}) {
    if (absl::EqualsIgnoreCase(absl::string_view(name.data(), name.size()),
                               absl::string_view(keep.data(), keep.size()))) {
      return true;
    }
  }
  return false;
}

// Open-element counts by name hash: zero means "certainly not open", so most
// end tags and implied-end checks skip the stack scan.
class NameCounts {
 public:
  void Add(const Name& n, int d) { counts_[Hash(n)] += d; }
  bool MaybeOpen(const Name& n) const { return counts_[Hash(n)] > 0; }

 private:
  static size_t Hash(const Name& n) {
    uint32_t h = 2166136261u;
    for (char c : n) {
      if (c == '\0') break;
      h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
    }
    return h & 255;
  }
  std::array<int32_t, 256> counts_{};
};

class Guard {
 public:
  Guard(std::string& html, const HtmlGuardLimits& limits) : s_(html), limits_(limits) {
    stack_.reserve(limits.max_depth + 1);
  }

  HtmlGuardStats Run() {
    size_t i = 0;
    const size_t n = s_.size();
    while (i < n) {
      const char* lt = static_cast<const char*>(std::memchr(s_.data() + i, '<', n - i));
      if (lt == nullptr) break;
      i = static_cast<size_t>(lt - s_.data());
      if (i + 1 >= n) break;
      char c = s_[i + 1];
      if (c == '!') {
        i = SkipMarkupDeclaration(i);
      } else if (c == '?') {
        i = SkipTo(i + 2, '>');
      } else if (c == '/') {
        i = EndTag(i);
      } else if (absl::ascii_isalpha(static_cast<unsigned char>(c))) {
        i = StartTag(i);
      } else {
        ++i;
      }
    }
    return stats_;
  }

 private:
  size_t SkipTo(size_t i, char c) {
    size_t p = s_.find(c, i);
    return p == std::string::npos ? s_.size() : p + 1;
  }

  size_t SkipMarkupDeclaration(size_t i) {
    if (s_.compare(i, 4, "<!--") == 0) {
      // "<!-->" and "<!--->" are complete (empty) comments; a comment ends at
      // "-->" or, with a parse error, at "--!>".
      if (s_.compare(i + 4, 1, ">") == 0) return i + 5;
      if (s_.compare(i + 4, 2, "->") == 0) return i + 6;
      size_t p = i + 4;
      while (true) {
        p = s_.find("--", p);
        if (p == std::string::npos) return s_.size();
        if (s_.compare(p + 2, 1, ">") == 0) return p + 3;
        if (s_.compare(p + 2, 2, "!>") == 0) return p + 4;
        ++p;
      }
    }
    if (InForeign() && s_.compare(i, 9, "<![CDATA[") == 0) {
      size_t end = s_.find("]]>", i + 9);
      return end == std::string::npos ? s_.size() : end + 3;
    }
    return SkipTo(i + 2, '>');
  }

  // Reads a tag name starting at i (lower-cased, truncated); returns the index
  // just past it.
  size_t ReadName(size_t i, Name& name) {
    name.fill('\0');
    size_t k = 0;
    while (i < s_.size() && !IsSpace(s_[i]) && s_[i] != '/' && s_[i] != '>') {
      if (k + 1 < name.size()) {
        name[k++] = absl::ascii_tolower(static_cast<unsigned char>(s_[i]));
      } else {
        name[name.size() - 2] = '?';  // too long: matches no known tag
      }
      ++i;
    }
    return i;
  }

  bool InForeign() const { return foreign_depth_ > 0; }

  // Elements that put a marker on the list of active formatting elements:
  // formatting elements opened outside them are not reconstructed inside.
  static bool IsMarker(const Name& n) { return Has(n, kMarker); }

  void Push(const Name& n) {
    stack_.push_back(n);
    counts_.Add(n, +1);
    if (Has(n, kForeignRoot)) ++foreign_depth_;
    if (IsFormatting(n)) ++formatting_in_stack_;
    if (IsMarker(n)) {
      saved_formatting_.push_back({formatting_open_, formatting_in_stack_});
      formatting_open_ = 0;
      formatting_in_stack_ = 0;
    }
  }

  void PopTo(size_t new_size) {
    while (stack_.size() > new_size) {
      const Name& n = stack_.back();
      counts_.Add(n, -1);
      if (Has(n, kForeignRoot)) --foreign_depth_;
      if (IsFormatting(n) && formatting_in_stack_ > 0) --formatting_in_stack_;
      if (IsMarker(n) && !saved_formatting_.empty()) {
        formatting_open_ = saved_formatting_.back().first;
        formatting_in_stack_ = saved_formatting_.back().second;
        saved_formatting_.pop_back();
      }
      stack_.pop_back();
    }
  }

  size_t EndTag(size_t i) {
    if (i + 2 >= s_.size() || !absl::ascii_isalpha(static_cast<unsigned char>(s_[i + 2]))) {
      return SkipTo(i + 2, '>');
    }
    Name name;
    size_t p = ReadName(i + 2, name);
    size_t end = SkipTo(p, '>');
    if (IsFormatting(name) && formatting_open_ > 0) --formatting_open_;
    if (!InForeign() && (NameIs(name, "p") || NameIs(name, "br")) &&
        (NameIs(name, "br") || !counts_.MaybeOpen(name))) {
      // </p> with no open p and </br> make the parser insert an element (and
      // reconstruct the formatting elements that were closed implicitly).
      if (!Charge(1)) return Blank(i, end, stats_.tags_blanked_count);
      return end;
    }
    if (!counts_.MaybeOpen(name)) return end;
    // An end tag closes the innermost open element of its name, but never
    // across a scope boundary; an end tag of a non-special element also stops
    // at any special element (HTML "any other end tag").
    const bool special = IsSpecial(name);
    // Table parts close in "table scope": across cells and rows, not tables.
    const bool table_part = NameIn(name, {"table", "tbody", "thead", "tfoot", "tr", "td",
                                          "th", "caption"});
    for (size_t k = stack_.size(); k > 0; --k) {
      const Name& open = stack_[k - 1];
      if (open == name) {
        PopTo(k - 1);
        break;
      }
      if (table_part) {
        if (NameIn(open, {"html", "table", "template"})) break;
      } else if (IsScopeBoundary(open) || (!special && IsSpecial(open))) {
        break;
      }
    }
    return end;
  }

  // Pops the innermost element named in `names` if it is open above every
  // element in `boundaries`.
  bool CloseIfOpen(std::initializer_list<std::string_view> names,
                   std::initializer_list<std::string_view> boundaries) {
    bool maybe = false;
    for (std::string_view n : names) {
      Name key{};
      std::memcpy(key.data(), n.data(), std::min(n.size(), key.size() - 1));
      maybe |= counts_.MaybeOpen(key);
    }
    if (!maybe) return false;
    for (size_t k = stack_.size(); k > 0; --k) {
      if (NameIn(stack_[k - 1], names)) {
        PopTo(k - 1);
        return true;
      }
      if (NameIn(stack_[k - 1], boundaries)) return false;
    }
    return false;
  }

  // Scans the attributes of a start tag from i to its '>', blanking those past
  // the cap. Returns the index just past the tag; sets self_closing.
  size_t Attributes(size_t i, bool& self_closing) {
    size_t count = 0;
    const size_t n = s_.size();
    self_closing = false;
    while (i < n) {
      while (i < n && (IsSpace(s_[i]) || s_[i] == '/')) {
        self_closing = s_[i] == '/';
        ++i;
      }
      if (i >= n) break;
      if (s_[i] == '>') return i + 1;
      self_closing = false;
      size_t attr_begin = i;
      // Attribute name: up to whitespace, '/', '>' or '=' (a leading '=' is
      // part of the name per the tokenizer).
      ++i;
      while (i < n && !IsSpace(s_[i]) && s_[i] != '/' && s_[i] != '>' && s_[i] != '=') ++i;
      std::string_view attr_name(s_.data() + attr_begin, i - attr_begin);
      size_t j = i;
      while (j < n && IsSpace(s_[j])) ++j;
      if (j < n && s_[j] == '=') {
        ++j;
        while (j < n && IsSpace(s_[j])) ++j;
        if (j < n && (s_[j] == '"' || s_[j] == '\'')) {
          size_t close = s_.find(s_[j], j + 1);
          j = close == std::string::npos ? n : close + 1;
        } else {
          while (j < n && !IsSpace(s_[j]) && s_[j] != '>') ++j;
        }
        i = j;
      }
      if (++count > limits_.max_attributes && !IsAttributeWorthKeeping(attr_name)) {
        Drop(attr_begin, i);
        ++stats_.attributes_blanked;
      }
    }
    return n;
  }

  size_t Blank(size_t begin, size_t end, size_t& counter) {
    Drop(begin, end);
    ++counter;
    return end;
  }

  // Marks [begin, end) for removal; adjacent ranges merge. The scan never
  // looks back, so the bytes stay in place until Compact().
  void Drop(size_t begin, size_t end) {
    if (begin >= end) return;
    // A tag dropped after some of its attributes were: absorb them.
    while (!drops_.empty() && drops_.back().first >= begin) {
      end = std::max(end, drops_.back().second);
      drops_.pop_back();
    }
    if (!drops_.empty() && drops_.back().second >= begin) {
      drops_.back().second = std::max(drops_.back().second, end);
    } else {
      drops_.emplace_back(begin, end);
    }
  }

 public:
  // Removes the dropped ranges, each run becoming one space (a word
  // boundary), so the parser does not read what was blanked.
  void Compact() {
    if (drops_.empty()) return;
    size_t out = 0, in = 0;
    for (const auto& [begin, end] : drops_) {
      std::memmove(s_.data() + out, s_.data() + in, begin - in);
      out += begin - in;
      s_[out++] = ' ';
      in = end;
    }
    std::memmove(s_.data() + out, s_.data() + in, s_.size() - in);
    out += s_.size() - in;
    s_.resize(out);
  }

 private:

  // Charges `n` elements (plus the formatting elements the parser would
  // reconstruct) to the element budget; false when it is spent.
  bool Charge(size_t n) {
    size_t dangling = formatting_open_ > formatting_in_stack_
                          ? formatting_open_ - formatting_in_stack_
                          : 0;
    elements_ += n + dangling;
    return elements_ <= limits_.max_elements;
  }

  size_t StartTag(size_t i) {
    Name name;
    size_t p = ReadName(i + 1, name);
    bool self_closing = false;
    size_t end = Attributes(p, self_closing);
    const uint32_t flags = Tags().Flags(name);
    const bool is_void = flags & kVoid;

    if (!is_void && !InForeign()) {
      // Implied end tags that keep real pages shallow.
      if (flags & kClosesP) CloseIfOpen({"p"}, {"table", "td", "th", "button", "html", "caption"});
      if (NameIs(name, "li")) CloseIfOpen({"li"}, {"ul", "ol", "table", "td", "th"});
      if (NameIn(name, {"dd", "dt"})) CloseIfOpen({"dd", "dt"}, {"dl", "table", "td", "th"});
      if (NameIn(name, {"option", "optgroup"})) CloseIfOpen({"option"}, {"select"});
      // A new row closes the open row (and its cells); a new cell the open
      // cell; a new section the open section (and its rows).
      if (NameIs(name, "tr") && !CloseIfOpen({"tr"}, {"table", "template"})) {
        CloseIfOpen({"td", "th"}, {"table", "template"});
      }
      if (NameIn(name, {"td", "th"})) CloseIfOpen({"td", "th"}, {"tr", "table", "template"});
      if (NameIn(name, {"tbody", "thead", "tfoot"}) &&
          !CloseIfOpen({"tbody", "thead", "tfoot"}, {"table", "template"}) &&
          !CloseIfOpen({"tr"}, {"table", "template"})) {
        CloseIfOpen({"td", "th"}, {"table", "template"});
      }
      // A new <a> ends an <a> that is the current node; deeper ones are
      // handled by the adoption agency, which does not make the tree shallower.
      if (NameIs(name, "a") && !stack_.empty() && NameIs(stack_.back(), "a")) {
        PopTo(stack_.size() - 1);
      }
    }

    const bool formatting = !InForeign() && (flags & kFormatting);
    if (!InForeign() && (flags & kRawText)) {
      // Never blanked: their content would become markup (script strings
      // with "<a href" would turn into links). Skipping it costs the parser
      // nothing.
      Charge(1);
      return SkipRawText(end, name);
    }
    if (!is_void && !(flags & kProtected) &&
        (stack_.size() >= limits_.max_depth ||
         (formatting && formatting_open_ >= limits_.max_formatting))) {
      return Blank(i, end, stats_.tags_blanked_depth);
    }
    // Element budgets: gumbo allocates every element; past them only link
    // tags (up to the link cap), meta and base are let through.
    if (flags & kLinkTag) {
      if (++link_tags_ > limits_.max_link_tags) return Blank(i, end, stats_.link_tags_blanked);
      Charge(1);
    } else if (!Charge(1) && !NameIn(name, {"meta", "base"})) {
      return Blank(i, end, stats_.tags_blanked_count);
    }

    if (is_void) return end;
    if (self_closing && InForeign()) return end;  // "/>" closes foreign elements
    if (formatting) ++formatting_open_;
    if (!InForeign() && (flags & kRawText)) return SkipRawText(end, name);
    if (!InForeign() && NameIs(name, "plaintext")) return s_.size();
    if (stack_.size() < limits_.max_depth) Push(name);
    return end;
  }

  // Skips the content of a raw-text element up to its end tag.
  size_t SkipRawText(size_t i, const Name& name) {
    size_t len = std::strlen(name.data());
    const size_t n = s_.size();
    while (i < n) {
      size_t p = s_.find("</", i);
      if (p == std::string::npos) return n;
      if (p + 2 + len <= n) {
        bool match = true;
        for (size_t k = 0; k < len; ++k) {
          if (absl::ascii_tolower(static_cast<unsigned char>(s_[p + 2 + k])) != name[k]) {
            match = false;
            break;
          }
        }
        if (match) {
          size_t after = p + 2 + len;
          if (after >= n || IsSpace(s_[after]) || s_[after] == '/' || s_[after] == '>') {
            return SkipTo(after, '>');
          }
        }
      }
      i = p + 2;
    }
    return n;
  }

  std::string& s_;
  const HtmlGuardLimits limits_;
  std::vector<Name> stack_;
  NameCounts counts_;
  size_t foreign_depth_ = 0;
  std::vector<std::pair<size_t, size_t>> drops_;  // byte ranges to remove
  std::vector<std::pair<size_t, size_t>> saved_formatting_;  // per open marker
  size_t formatting_open_ = 0;     // formatting start tags not yet ended
  size_t formatting_in_stack_ = 0; // of those, still on our stack
  size_t elements_ = 0;
  size_t link_tags_ = 0;
  HtmlGuardStats stats_;
};

}  // namespace

HtmlGuardStats GuardHtml(std::string& html, const HtmlGuardLimits& limits) {
  Guard guard(html, limits);
  HtmlGuardStats stats = guard.Run();
  guard.Compact();
  return stats;
}

}  // namespace inlinks::crawler::internal
