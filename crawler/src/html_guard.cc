// See html_guard.h. The tag grammar follows the HTML Standard's tokenizer
// (https://html.spec.whatwg.org/#tokenization) closely enough to find tag
// boundaries, comments and raw-text elements; the tree model is a deliberate
// over-approximation: it never under-counts depth by much, and the caps are
// far above what real pages use (measured: real pages nest < 60 deep).
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

using Name = std::array<char, 12>;  // lower-case tag name, truncated

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

bool IsVoid(const Name& n) {
  return NameIn(n, {"area", "base", "br", "col", "embed", "hr", "img", "input",
                    "link", "meta", "param", "source", "track", "wbr", "keygen",
                    "frame", "basefont", "bgsound", "image", "isindex"});
}

// Elements whose content is not markup (script data, RCDATA, RAWTEXT).
bool IsRawText(const Name& n) {
  return NameIn(n, {"script", "style", "xmp", "iframe", "noembed", "noframes",
                    "textarea", "title", "noscript"});
}

bool IsFormatting(const Name& n) {
  return NameIn(n, {"b", "big", "code", "em", "font", "i", "nobr", "s", "small",
                    "strike", "strong", "tt", "u"});
}

// Tags that carry links or page facts: never blanked.
bool IsProtected(const Name& n) {
  return NameIn(n, {"a", "area", "iframe", "frame", "link", "meta", "base", "img",
                    "html", "head", "body", "title"});
}

// Start tags that close an open <p> (HTML "close a p element").
bool ClosesP(const Name& n) {
  return NameIn(n, {"address", "article", "aside", "blockquote", "center",
                    "details", "dialog", "dir", "div", "dl", "fieldset",
                    "figcaption", "figure", "footer", "header", "hgroup", "main",
                    "menu", "nav", "ol", "p", "section", "summary", "ul", "h1",
                    "h2", "h3", "h4", "h5", "h6", "pre", "listing", "form",
                    "table", "hr", "li", "dd", "dt", "plaintext", "xmp"});
}

bool IsAttributeWorthKeeping(std::string_view name) {
  for (std::string_view keep : {"href", "src", "rel", "name", "content",
                                "http-equiv", "alt", "charset", "title"}) {
    if (absl::EqualsIgnoreCase(absl::string_view(name.data(), name.size()),
                               absl::string_view(keep.data(), keep.size()))) {
      return true;
    }
  }
  return false;
}

class Guard {
 public:
  Guard(std::string& html, const HtmlGuardLimits& limits)
      : s_(html), limits_(limits) {
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
      size_t end = s_.find("-->", i + 4);
      // "<!-->" and "<!--->" are complete (empty) comments per the tokenizer.
      if (s_.compare(i + 4, 1, ">") == 0) return i + 5;
      if (s_.compare(i + 4, 2, "->") == 0) return i + 6;
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
        name[name.size() - 1] = '?';  // too long: matches no known tag
      }
      ++i;
    }
    return i;
  }

  size_t EndTag(size_t i) {
    if (i + 2 >= s_.size() || !absl::ascii_isalpha(static_cast<unsigned char>(s_[i + 2]))) {
      return SkipTo(i + 2, '>');
    }
    Name name;
    size_t p = ReadName(i + 2, name);
    size_t end = SkipTo(p, '>');
    if (IsFormatting(name) && formatting_open_ > 0) --formatting_open_;
    PopTo(name);
    return end;
  }

  // Pops the stack down to and including the innermost `name`, if open.
  void PopTo(const Name& name) {
    for (size_t k = stack_.size(); k > 0; --k) {
      if (stack_[k - 1] == name) {
        stack_.resize(k - 1);
        return;
      }
    }
  }

  // Pops `name` if open, stopping at (not crossing) any of `boundaries`.
  void CloseIfOpen(std::initializer_list<std::string_view> names,
                   std::initializer_list<std::string_view> boundaries) {
    for (size_t k = stack_.size(); k > 0; --k) {
      if (NameIn(stack_[k - 1], names)) {
        stack_.resize(k - 1);
        return;
      }
      if (NameIn(stack_[k - 1], boundaries)) return;
    }
  }

  // Scans the attributes of a start tag from i to its '>', blanking those past
  // the cap. Returns the index just past the tag; sets self_closing.
  size_t Attributes(size_t i, size_t tag_begin, bool& self_closing) {
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
        std::fill(s_.begin() + attr_begin, s_.begin() + i, ' ');
        ++stats_.attributes_blanked;
      }
    }
    (void)tag_begin;
    return n;
  }

  size_t StartTag(size_t i) {
    Name name;
    size_t p = ReadName(i + 1, name);
    bool self_closing = false;
    size_t end = Attributes(p, i, self_closing);

    if (IsVoid(name)) return end;

    // Implied end tags that keep real pages shallow.
    if (ClosesP(name)) CloseIfOpen({"p"}, {"table", "td", "th", "button", "html"});
    if (NameIs(name, "li")) CloseIfOpen({"li"}, {"ul", "ol", "table"});
    if (NameIn(name, {"dd", "dt"})) CloseIfOpen({"dd", "dt"}, {"dl", "table"});
    if (NameIn(name, {"option", "optgroup"})) CloseIfOpen({"option"}, {"select"});
    if (NameIs(name, "tr")) CloseIfOpen({"tr"}, {"table"});
    if (NameIn(name, {"td", "th"})) CloseIfOpen({"td", "th"}, {"tr", "table"});
    if (NameIn(name, {"tbody", "thead", "tfoot"})) {
      CloseIfOpen({"tbody", "thead", "tfoot"}, {"table"});
    }
    if (NameIs(name, "a")) {
      // A new <a> ends the open one (adoption agency); it never nests.
      PopTo(name);
    }

    bool formatting = IsFormatting(name);
    bool over = stack_.size() >= limits_.max_depth ||
                (formatting && formatting_open_ >= limits_.max_formatting);
    if (over && !IsProtected(name)) {
      std::fill(s_.begin() + i, s_.begin() + end, ' ');
      ++stats_.tags_blanked;
      return end;
    }
    if (self_closing && !IsRawText(name)) {
      // "/>" on a non-void HTML element is ignored by the parser, but in SVG
      // and MathML it closes the element; treat it as closed (conservative
      // only for the former).
      if (!NameIn(name, {"div", "span", "p", "b", "i", "a", "table", "td",
                         "tr", "li", "ul", "ol", "font"})) {
        return end;
      }
    }
    if (formatting) ++formatting_open_;
    if (IsRawText(name)) return SkipRawText(end, name);
    if (NameIs(name, "plaintext")) return s_.size();
    if (stack_.size() < limits_.max_depth) stack_.push_back(name);
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
  size_t formatting_open_ = 0;
  HtmlGuardStats stats_;
};

}  // namespace

HtmlGuardStats GuardHtml(std::string& html, const HtmlGuardLimits& limits) {
  return Guard(html, limits).Run();
}

}  // namespace inlinks::crawler::internal
