// RFC 9309 robots.txt parser and matcher; see robots.h for the contract.
#include "inlinks/crawler/robots.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <unordered_set>
#include "text_util.h"

namespace inlinks::crawler {
namespace {

using internal::EqualsIgnoreCase;

constexpr std::string_view kBom = "\xEF\xBB\xBF";

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

void AppendEncoded(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out.push_back('%');
  out.push_back(kHex[c >> 4]);
  out.push_back(kHex[c & 0xF]);
}

enum class Key {
  kUnknown,
  kUserAgent,
  kAllow,
  kDisallow,
  kSitemap,
  kCrawlDelay
};

Key ParseKey(std::string_view key) {
  // Exact RFC 9309 names first, then the leniencies listed in robots.h.
  static constexpr std::pair<std::string_view, Key> kKeys[] = {
      {"user-agent", Key::kUserAgent},
      {"useragent", Key::kUserAgent},
      {"user agent", Key::kUserAgent},
      {"user_agent", Key::kUserAgent},
      {"allow", Key::kAllow},
      {"disallow", Key::kDisallow},
      {"dissallow", Key::kDisallow},
      {"dissalow", Key::kDisallow},
      {"disalow", Key::kDisallow},
      {"diasllow", Key::kDisallow},
      {"disallaw", Key::kDisallow},
      {"desallow", Key::kDisallow},
      {"sitemap", Key::kSitemap},
      {"site-map", Key::kSitemap},
      {"crawl-delay", Key::kCrawlDelay},
      {"crawldelay", Key::kCrawlDelay},
      {"crawl_delay", Key::kCrawlDelay},
  };
  for (const auto& [name, k] : kKeys) {
    if (EqualsIgnoreCase(key, name)) return k;
  }
  return Key::kUnknown;
}

// Leading run of [A-Za-z_-] (RFC 9309 2.2.1 product token).
std::string_view ProductToken(std::string_view value) {
  size_t n = 0;
  while (n < value.size()) {
    char c = value[n];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
          c == '-'))
      break;
    ++n;
  }
  return value.substr(0, n);
}

bool IsGlobalAgent(std::string_view value) {
  return !value.empty() && value[0] == '*' &&
         (value.size() == 1 || IsSpace(value[1]));
}

// Leftmost occurrence of `needle` in `hay` at or after `from`, in
// O(hay + needle) time (Knuth-Morris-Pratt) so that adversarial patterns such
// as "*aaaaaaab" against "/aaaa...a" stay linear. Short needles use find(),
// whose worst case O(hay * needle) is then linear too.
size_t FindLinear(std::string_view hay, std::string_view needle, size_t from,
                  std::vector<uint32_t>& fail) {
  if (needle.size() <= 16) return hay.find(needle, from);
  fail.assign(needle.size(), 0);
  for (size_t i = 1, k = 0; i < needle.size(); ++i) {
    while (k > 0 && needle[i] != needle[k]) k = fail[k - 1];
    if (needle[i] == needle[k]) ++k;
    fail[i] = static_cast<uint32_t>(k);
  }
  for (size_t i = from, k = 0; i < hay.size(); ++i) {
    while (k > 0 && hay[i] != needle[k]) k = fail[k - 1];
    if (hay[i] == needle[k]) ++k;
    if (k == needle.size()) return i + 1 - needle.size();
  }
  return std::string_view::npos;
}

// Does `pattern` (normalized, '*' wildcards, optional final '$') match a
// prefix of `path` (or all of it when anchored)? Greedy leftmost placement
// of each literal piece is optimal for '*'-only globs, so no backtracking.
bool PatternMatches(std::string_view pattern, std::string_view path,
                    std::vector<uint32_t>& scratch) {
  bool anchored = !pattern.empty() && pattern.back() == '$';
  if (anchored) pattern.remove_suffix(1);
  size_t star = pattern.find('*');
  if (star == std::string_view::npos) {
    if (anchored) return path == pattern;
    return path.substr(0, pattern.size()) == pattern;
  }
  // First piece is anchored at the start.
  std::string_view first = pattern.substr(0, star);
  if (path.substr(0, first.size()) != first) return false;
  size_t pos = first.size();
  pattern.remove_prefix(star + 1);
  // Pattern is now the text after the first '*': pieces separated by '*'.
  while (true) {
    size_t next = pattern.find('*');
    if (next == std::string_view::npos) break;
    std::string_view piece = pattern.substr(0, next);
    pattern.remove_prefix(next + 1);
    if (piece.empty()) continue;
    size_t found = FindLinear(path, piece, pos, scratch);
    if (found == std::string_view::npos) return false;
    pos = found + piece.size();
  }
  // Last piece (after the last '*').
  if (anchored) {
    if (path.size() < pos + pattern.size()) return false;
    return path.substr(path.size() - pattern.size()) == pattern;
  }
  if (pattern.empty()) return true;
  return FindLinear(path, pattern, pos, scratch) != std::string_view::npos;
}

std::optional<double> ParseDelay(std::string_view value) {
  double d = 0;
  const char* end = value.data() + value.size();
  auto [ptr, ec] = std::from_chars(value.data(), end, d);
  if (ec != std::errc() || ptr == value.data()) return std::nullopt;
  if (!std::isfinite(d) || d < 0) return std::nullopt;
  return d;
}

}  // namespace

std::string NormalizeRobotsPathForTest(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (size_t i = 0; i < path.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(path[i]);
    if (c == '%' && i + 2 < path.size() && HexValue(path[i + 1]) >= 0 &&
        HexValue(path[i + 2]) >= 0) {
      unsigned char v = static_cast<unsigned char>(HexValue(path[i + 1]) * 16 +
                                                   HexValue(path[i + 2]));
      if (IsUnreserved(v)) {
        out.push_back(static_cast<char>(v));
      } else {
        AppendEncoded(out, v);
      }
      i += 2;
    } else if (c >= 0x80 || c <= 0x20 || c == 0x7F) {
      AppendEncoded(out, c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

RobotsRules RobotsRules::AllowAll() { return RobotsRules(); }

RobotsRules RobotsRules::DisallowAll() {
  RobotsRules r;
  r.disallow_all_ = true;
  return r;
}

RobotsRules RobotsRules::Parse(std::string_view body,
                               std::string_view product_token,
                               size_t max_bytes) {
  RobotsRules result;
  if (body.size() > max_bytes) {
    body = body.substr(0, max_bytes);
    // Drop the line the limit cut, so no half pattern is kept.
    size_t last_eol = body.find_last_of("\r\n");
    body = last_eol == std::string_view::npos ? std::string_view()
                                              : body.substr(0, last_eol + 1);
  }
  // Skip a UTF-8 BOM, or any prefix of one (RFC 9309 2.1 allows the BOM).
  for (size_t i = 0; i < kBom.size() && !body.empty() && body[0] == kBom[i];
       ++i) {
    body.remove_prefix(1);
  }
  product_token = Trim(product_token);

  std::vector<Rule> specific_rules, global_rules;
  std::optional<double> specific_delay, global_delay;
  bool saw_specific = false;
  // State of the current group.
  bool in_agent_list = false;   // the previous record was a user-agent line
  bool group_started = false;   // a user-agent line has been seen
  bool group_specific = false;  // current group names our token
  bool group_global = false;    // current group names '*'
  std::optional<double> group_delay;  // first valid Crawl-delay of the group
  std::unordered_set<std::string> seen_sitemaps;
  size_t kept_rules = 0;
  // Crawl-delay belongs to the whole group, whichever line it sits on.
  auto flush_group_delay = [&] {
    if (!group_delay) return;
    if (group_specific && !specific_delay) specific_delay = group_delay;
    if (group_global && !global_delay) global_delay = group_delay;
    group_delay.reset();
  };

  size_t pos = 0;
  while (pos < body.size()) {
    size_t eol = body.find_first_of("\r\n", pos);
    if (eol == std::string_view::npos) eol = body.size();
    std::string_view line = body.substr(pos, eol - pos);
    pos = eol + 1;  // past CR or LF (or the end)
    if (eol + 1 < body.size() && body[eol] == '\r' && body[eol + 1] == '\n')
      ++pos;  // CRLF

    size_t hash = line.find('#');
    if (hash != std::string_view::npos) line = line.substr(0, hash);
    line = Trim(line);
    if (line.empty()) continue;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    Key key = ParseKey(Trim(line.substr(0, colon)));
    std::string_view value = Trim(line.substr(colon + 1));

    switch (key) {
      case Key::kUserAgent: {
        if (!in_agent_list) {
          flush_group_delay();
          group_specific = false;
          group_global = false;
        }
        in_agent_list = true;
        group_started = true;
        if (IsGlobalAgent(value)) {
          group_global = true;
        } else {
          std::string_view token = ProductToken(value);
          if (!token.empty() && EqualsIgnoreCase(token, product_token)) {
            group_specific = true;
            saw_specific = true;
          }
        }
        break;
      }
      case Key::kAllow:
      case Key::kDisallow: {
        in_agent_list = false;
        if (!group_started || value.empty()) break;
        if (!group_specific && !group_global) break;
        if (kept_rules >= kMaxRules) break;
        // Normalizing shrinks a value at most 3x (%XX -> X), so longer
        // values cannot fit; skip them before allocating.
        if (value.size() > 3 * kMaxPatternBytes) break;
        std::string pattern = NormalizeRobotsPathForTest(value);
        if (pattern.size() > kMaxPatternBytes) break;
        Rule rule{std::move(pattern), key == Key::kAllow};
        ++kept_rules;
        if (group_specific) {
          if (group_global) global_rules.push_back(rule);
          specific_rules.push_back(std::move(rule));
        } else {
          global_rules.push_back(std::move(rule));
        }
        break;
      }
      case Key::kCrawlDelay: {
        // An "other record" (RFC 9309 2.2.4): it does not end the list of
        // user-agent lines, and applies to the whole group.
        if (!group_started || group_delay) break;
        group_delay = ParseDelay(value);
        break;
      }
      case Key::kSitemap: {
        if (value.empty() || result.sitemaps_.size() >= 10000) break;
        std::string s(value);
        if (seen_sitemaps.insert(s).second)
          result.sitemaps_.push_back(std::move(s));
        break;
      }
      case Key::kUnknown:
        break;
    }
  }

  flush_group_delay();
  if (saw_specific) {
    result.rules_ = std::move(specific_rules);
    result.crawl_delay_ = specific_delay;
  } else {
    result.rules_ = std::move(global_rules);
    result.crawl_delay_ = global_delay;
  }
  return result;
}

RobotsRules::Decision RobotsRules::Check(
    std::string_view path_and_query) const {
  std::string path = NormalizeRobotsPathForTest(path_and_query);
  if (path.empty() || path[0] != '/') path.insert(path.begin(), '/');
  if (path == "/robots.txt") return Decision::kAllowed;
  if (disallow_all_) return Decision::kDisallowed;
  size_t best_len = 0;
  bool matched = false;
  bool best_allow = true;
  std::vector<uint32_t> scratch;
  for (const Rule& rule : rules_) {
    size_t len = rule.pattern.size();
    if (matched && len < best_len) continue;
    if (matched && len == best_len && (best_allow || !rule.allow)) continue;
    if (!PatternMatches(rule.pattern, path, scratch)) continue;
    if (!matched || len > best_len || rule.allow) {
      matched = true;
      best_len = len;
      best_allow = rule.allow;
    }
  }
  return (!matched || best_allow) ? Decision::kAllowed : Decision::kDisallowed;
}

}  // namespace inlinks::crawler
