// sitemaps.org sitemap parser with a small tolerant XML scanner; see
// sitemap.h for the contract.
#include "inlinks/crawler/sitemap.h"

#include <algorithm>
#include <cstdint>
#include <vector>
#include "text_util.h"

namespace inlinks::crawler {
namespace {

using internal::AppendUtf8;
using internal::EqualsIgnoreCase;
using internal::StartsWithIgnoreCase;

constexpr std::string_view kBom = "\xEF\xBB\xBF";
// Bytes of text kept per captured field (longer locs are skipped anyway).
constexpr size_t kMaxCaptureBytes = kMaxLocBytes + 1;

bool IsXmlSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view TrimXml(std::string_view s) {
  while (!s.empty() && IsXmlSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsXmlSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool IsHttpUrl(std::string_view s) {
  return StartsWithIgnoreCase(s, "http://") || StartsWithIgnoreCase(s, "https://");
}

// Decodes one reference `ref` (the text between '&' and ';'). False when it
// is not a predefined entity or a valid character reference.
bool DecodeReference(std::string_view ref, std::string* out) {
  if (ref == "amp") { out->push_back('&'); return true; }
  if (ref == "lt") { out->push_back('<'); return true; }
  if (ref == "gt") { out->push_back('>'); return true; }
  if (ref == "quot") { out->push_back('"'); return true; }
  if (ref == "apos") { out->push_back('\''); return true; }
  if (ref.size() < 2 || ref[0] != '#') return false;
  uint32_t cp = 0;
  bool hex = ref[1] == 'x' || ref[1] == 'X';
  std::string_view digits = ref.substr(hex ? 2 : 1);
  if (digits.empty()) return false;
  for (char c : digits) {
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (hex && c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (hex && c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else return false;
    cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(v);
    if (cp > 0x10FFFF) return false;
  }
  if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
  AppendUtf8(cp, out);
  return true;
}

// Appends `text` with references decoded, keeping `out` at most `cap` bytes.
void AppendDecoded(std::string_view text, size_t cap, std::string* out) {
  size_t i = 0;
  while (i < text.size() && out->size() < cap) {
    char c = text[i];
    if (c == '&') {
      // A reference is short; look for ';' within a small window only.
      size_t limit = std::min(text.size(), i + 12);
      size_t semi = i + 1;
      while (semi < limit && text[semi] != ';') ++semi;
      if (semi < limit && DecodeReference(text.substr(i + 1, semi - i - 1), out)) {
        i = semi + 1;
        continue;
      }
    }
    out->push_back(c);
    ++i;
  }
  if (out->size() > cap) out->resize(cap);
}

enum class Tag : uint8_t {
  kOther, kUrlSet, kSitemapIndex, kUrl, kSitemap, kLoc, kLastmod,
  kRss, kChannel, kItem, kLink, kPubDate, kFeed, kEntry, kUpdated,
};

Tag ClassifyLocalName(std::string_view local) {
  struct Known { std::string_view name; Tag tag; };
  static constexpr Known kKnown[] = {
      {"urlset", Tag::kUrlSet}, {"sitemapindex", Tag::kSitemapIndex},
      {"url", Tag::kUrl},       {"sitemap", Tag::kSitemap},
      {"loc", Tag::kLoc},       {"lastmod", Tag::kLastmod},
      {"rss", Tag::kRss},       {"channel", Tag::kChannel},
      {"item", Tag::kItem},     {"link", Tag::kLink},
      {"pubDate", Tag::kPubDate}, {"feed", Tag::kFeed},
      {"entry", Tag::kEntry},   {"updated", Tag::kUpdated},
  };
  for (const Known& k : kKnown) {
    if (EqualsIgnoreCase(local, k.name)) return k.tag;
  }
  return Tag::kOther;
}

std::string_view LocalName(std::string_view qname) {
  size_t colon = qname.rfind(':');
  return colon == std::string_view::npos ? qname : qname.substr(colon + 1);
}

class XmlSitemapParser {
 public:
  XmlSitemapParser(std::string_view in, const SitemapOptions& options, Sitemap* out)
      : in_(in), options_(options), out_(out) {}

  void Run() {
    while (pos_ < in_.size() && !stop_) {
      if (in_[pos_] != '<') {
        size_t lt = in_.find('<', pos_);
        if (lt == std::string_view::npos) lt = in_.size();
        OnText(in_.substr(pos_, lt - pos_), /*decode=*/true);
        pos_ = lt;
        continue;
      }
      std::string_view rest = in_.substr(pos_);
      if (rest.starts_with("<!--")) {
        SkipPast("-->", 4);
      } else if (rest.starts_with("<![CDATA[")) {
        size_t end = in_.find("]]>", pos_ + 9);
        if (end == std::string_view::npos) { Eof(); return; }
        OnText(in_.substr(pos_ + 9, end - pos_ - 9), /*decode=*/false);
        pos_ = end + 3;
      } else if (rest.starts_with("<?")) {
        SkipPast("?>", 2);
      } else if (rest.starts_with("<!")) {
        SkipDeclaration();
      } else if (rest.starts_with("</")) {
        EndTag();
      } else {
        StartTag();
      }
    }
    if (!stop_) Eof();
  }

 private:
  struct Frame {
    uint32_t name_pos;
    uint32_t name_len;
    Tag tag;
  };

  enum class Field { kNone, kLoc, kLastmod };

  void SkipPast(std::string_view terminator, size_t from) {
    size_t end = in_.find(terminator, pos_ + from);
    if (end == std::string_view::npos) { Eof(); return; }
    pos_ = end + terminator.size();
  }

  // <!DOCTYPE ...> possibly with an internal subset [...]; other <!...>.
  void SkipDeclaration() {
    size_t i = pos_ + 2;
    int brackets = 0;
    char quote = 0;
    for (; i < in_.size(); ++i) {
      char c = in_[i];
      if (quote) {
        if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '[') {
        ++brackets;
      } else if (c == ']') {
        if (brackets > 0) --brackets;
      } else if (c == '>' && brackets == 0) {
        pos_ = i + 1;
        return;
      }
    }
    Eof();
  }

  static bool IsNameEnd(char c) {
    return IsXmlSpace(c) || c == '/' || c == '>' || c == '<';
  }

  void StartTag() {
    size_t i = pos_ + 1;
    size_t name_start = i;
    while (i < in_.size() && !IsNameEnd(in_[i])) ++i;
    std::string_view qname = in_.substr(name_start, i - name_start);
    std::string_view href, rel;
    bool has_rel = false;
    bool self_closing = false;
    bool closed = false;
    // Attributes.
    while (i < in_.size()) {
      char c = in_[i];
      if (IsXmlSpace(c)) { ++i; continue; }
      if (c == '>') { ++i; closed = true; break; }
      if (c == '/' && i + 1 < in_.size() && in_[i + 1] == '>') {
        i += 2; closed = true; self_closing = true; break;
      }
      if (c == '<') { closed = true; break; }  // unterminated tag: recover
      size_t an = i;
      while (i < in_.size() && !IsXmlSpace(in_[i]) && in_[i] != '=' &&
             in_[i] != '>' && in_[i] != '/' && in_[i] != '<') ++i;
      std::string_view attr = in_.substr(an, i - an);
      if (attr.empty()) { ++i; continue; }  // stray '/' or similar
      size_t j = i;
      while (j < in_.size() && IsXmlSpace(in_[j])) ++j;
      if (j >= in_.size() || in_[j] != '=') continue;
      ++j;
      while (j < in_.size() && IsXmlSpace(in_[j])) ++j;
      if (j >= in_.size()) { i = j; break; }
      std::string_view value;
      if (in_[j] == '"' || in_[j] == '\'') {
        size_t end = in_.find(in_[j], j + 1);
        if (end == std::string_view::npos) { i = in_.size(); break; }
        value = in_.substr(j + 1, end - j - 1);
        i = end + 1;
      } else {
        size_t k = j;
        while (k < in_.size() && !IsXmlSpace(in_[k]) && in_[k] != '>') ++k;
        value = in_.substr(j, k - j);
        i = k;
      }
      std::string_view local = LocalName(attr);
      if (EqualsIgnoreCase(local, "href")) href = value;
      if (EqualsIgnoreCase(local, "rel")) { rel = value; has_rel = true; }
    }
    if (!closed) { pos_ = in_.size(); Eof(); return; }
    pos_ = i;
    if (qname.empty()) return;  // "<>" or "< x": text-ish garbage, ignore
    OpenElement(qname, self_closing, href, has_rel, rel);
  }

  void EndTag() {
    size_t i = pos_ + 2;
    size_t name_start = i;
    while (i < in_.size() && !IsNameEnd(in_[i])) ++i;
    std::string_view qname = in_.substr(name_start, i - name_start);
    size_t gt = in_.find('>', i);
    if (gt == std::string_view::npos) { pos_ = in_.size(); Eof(); return; }
    pos_ = gt + 1;
    if (overflow_ > 0) { --overflow_; return; }
    // Close the nearest open element with this name, if near enough.
    size_t searched = 0;
    for (size_t k = stack_.size(); k > 0 && searched < kMaxEndTagSearch;
         --k, ++searched) {
      const Frame& f = stack_[k - 1];
      if (EqualsIgnoreCase(in_.substr(f.name_pos, f.name_len), qname)) {
        while (stack_.size() >= k && !stop_) CloseTop();
        return;
      }
    }
  }

  Tag Parent(size_t up) const {
    return stack_.size() > up ? stack_[stack_.size() - 1 - up].tag : Tag::kOther;
  }

  void OpenElement(std::string_view qname, bool self_closing, std::string_view href,
                   bool has_rel, std::string_view rel) {
    if (stack_.size() >= kMaxTrackedDepth) {
      if (!self_closing) ++overflow_;
      return;
    }
    Tag tag = ClassifyLocalName(LocalName(qname));
    if (stack_.empty()) {
      if (root_seen_) { stop_ = true; return; }  // a second root: done
      root_seen_ = true;
      switch (tag) {
        case Tag::kUrlSet: out_->kind = Sitemap::Kind::kUrlSet; break;
        case Tag::kSitemapIndex: out_->kind = Sitemap::Kind::kIndex; break;
        case Tag::kRss: out_->kind = Sitemap::Kind::kFeed; rss_ = true; break;
        case Tag::kFeed: out_->kind = Sitemap::Kind::kFeed; atom_ = true; break;
        default: stop_ = true; return;
      }
    }
    stack_.push_back(Frame{static_cast<uint32_t>(qname.data() - in_.data()),
                           static_cast<uint32_t>(qname.size()), tag});
    const size_t depth = stack_.size();

    if (!in_entry_) {
      bool starts_entry =
          (depth == 2 && out_->kind == Sitemap::Kind::kUrlSet && tag == Tag::kUrl) ||
          (depth == 2 && out_->kind == Sitemap::Kind::kIndex && tag == Tag::kSitemap) ||
          (depth == 3 && rss_ && tag == Tag::kItem && Parent(1) == Tag::kChannel) ||
          (depth == 2 && atom_ && tag == Tag::kEntry);
      if (starts_entry) {
        in_entry_ = true;
        entry_depth_ = depth;
        loc_.clear();
        lastmod_.clear();
        direct_text_.clear();
        loc_done_ = false;
        lastmod_done_ = false;
      }
    } else if (depth == entry_depth_ + 1 && field_ == Field::kNone) {
      bool is_loc_field = false, is_lastmod_field = false;
      if (rss_) {
        is_loc_field = tag == Tag::kLink;
        is_lastmod_field = tag == Tag::kPubDate;
      } else if (atom_) {
        if (tag == Tag::kLink && !loc_done_ &&
            (!has_rel || EqualsIgnoreCase(TrimXml(rel), "alternate"))) {
          loc_.clear();
          AppendDecoded(TrimXml(href), kMaxCaptureBytes, &loc_);
          loc_done_ = true;
        }
        is_lastmod_field = tag == Tag::kUpdated;
      } else {
        is_loc_field = tag == Tag::kLoc;
        is_lastmod_field = tag == Tag::kLastmod;
      }
      if (is_loc_field && !loc_done_) {
        field_ = Field::kLoc;
        loc_.clear();
      } else if (is_lastmod_field && !lastmod_done_) {
        field_ = Field::kLastmod;
        lastmod_.clear();
      }
      if (field_ != Field::kNone) field_depth_ = depth;
    }
    if (self_closing) CloseTop();
  }

  void OnText(std::string_view text, bool decode) {
    if (!in_entry_ || overflow_ > 0) return;
    std::string* target = nullptr;
    if (field_ == Field::kLoc) target = &loc_;
    else if (field_ == Field::kLastmod) target = &lastmod_;
    else if (stack_.size() == entry_depth_) target = &direct_text_;
    if (target == nullptr || target->size() >= kMaxCaptureBytes) return;
    if (decode) {
      AppendDecoded(text, kMaxCaptureBytes, target);
    } else {
      target->append(text.substr(0, kMaxCaptureBytes - target->size()));
    }
  }

  void CloseTop() {
    const size_t depth = stack_.size();
    if (field_ != Field::kNone && depth == field_depth_) {
      if (field_ == Field::kLoc) loc_done_ = true;
      else lastmod_done_ = true;
      field_ = Field::kNone;
    }
    if (in_entry_ && depth == entry_depth_) {
      in_entry_ = false;
      FinishEntry();
    }
    stack_.pop_back();
    if (stack_.empty()) root_closed_ = true;
  }

  void FinishEntry() {
    std::string_view loc;
    if (loc_done_) {
      loc = TrimXml(loc_);
    } else if (!atom_ && !rss_) {
      loc = TrimXml(direct_text_);  // leniency: <sitemap>URL</sitemap>
    }
    if (loc.empty() || loc.size() > kMaxLocBytes) {
      ++out_->skipped;
      return;
    }
    if (out_->urls.size() + out_->sitemaps.size() >= options_.max_urls) {
      ++out_->skipped;
      out_->truncated = true;
      return;
    }
    SitemapEntry entry{std::string(loc),
                       lastmod_done_ ? std::string(TrimXml(lastmod_)) : std::string()};
    if (out_->kind == Sitemap::Kind::kIndex) {
      out_->sitemaps.push_back(std::move(entry));
    } else {
      out_->urls.push_back(std::move(entry));
    }
  }

  // Input ended (possibly inside a construct).
  void Eof() {
    stop_ = true;
    pos_ = in_.size();
    if (!root_seen_ || root_closed_) return;
    out_->truncated = true;
    if (in_entry_ && field_ != Field::kLoc && loc_done_) {
      in_entry_ = false;
      FinishEntry();
    }
  }

  std::string_view in_;
  const SitemapOptions& options_;
  Sitemap* out_;
  size_t pos_ = 0;
  bool stop_ = false;
  std::vector<Frame> stack_;
  size_t overflow_ = 0;
  bool root_seen_ = false;
  bool root_closed_ = false;
  bool rss_ = false;
  bool atom_ = false;
  bool in_entry_ = false;
  size_t entry_depth_ = 0;
  Field field_ = Field::kNone;
  size_t field_depth_ = 0;
  std::string loc_, lastmod_, direct_text_;
  bool loc_done_ = false;
  bool lastmod_done_ = false;
};

void ParseText(std::string_view in, const SitemapOptions& options, Sitemap* out) {
  out->kind = Sitemap::Kind::kText;
  size_t pos = 0;
  while (pos < in.size()) {
    size_t eol = pos;
    while (eol < in.size() && in[eol] != '\n' && in[eol] != '\r') ++eol;
    std::string_view line = in.substr(pos, eol - pos);
    pos = eol;
    if (pos < in.size() && in[pos] == '\r') ++pos;
    if (pos < in.size() && in[pos] == '\n') ++pos;
    line = TrimXml(line);
    if (line.empty()) continue;
    if (!IsHttpUrl(line) || line.size() > kMaxLocBytes) {
      ++out->skipped;
      continue;
    }
    if (out->urls.size() >= options.max_urls) {
      ++out->skipped;
      out->truncated = true;
      continue;
    }
    out->urls.push_back(SitemapEntry{std::string(line), std::string()});
  }
}

}  // namespace

Sitemap ParseSitemap(std::string_view body, const SitemapOptions& options) {
  Sitemap out;
  if (body.size() > options.max_bytes) {
    body = body.substr(0, options.max_bytes);
    out.truncated = true;
  }
  if (body.starts_with(kBom)) body.remove_prefix(kBom.size());
  // Offsets are stored as uint32_t; max_bytes above 4 GiB is cut here.
  if (body.size() > UINT32_MAX) {
    body = body.substr(0, UINT32_MAX);
    out.truncated = true;
  }
  size_t first = 0;
  while (first < body.size() && IsXmlSpace(body[first])) ++first;
  if (first == body.size()) return out;
  if (body[first] == '<') {
    XmlSitemapParser(body, options, &out).Run();
    if (out.kind == Sitemap::Kind::kUnknown) {
      out.urls.clear();
      out.sitemaps.clear();
      out.skipped = 0;
      out.truncated = false;
    }
    return out;
  }
  if (IsHttpUrl(body.substr(first))) ParseText(body, options, &out);
  return out;
}

}  // namespace inlinks::crawler
