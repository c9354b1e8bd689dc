// File: inlinks/crawler/robots.h
//
// Owns: parsing a robots.txt body and deciding whether a URL path may be
// crawled by one user agent. Spec: RFC 9309, the Robots Exclusion Protocol
// (https://www.rfc-editor.org/rfc/rfc9309.html). Pure: bytes in, decisions
// out; fetching robots.txt and mapping HTTP status codes to AllowAll() /
// DisallowAll() (RFC 9309 2.3.1.3, 2.3.1.4) is the caller's job.
//
// Parsing and matching are separate: Parse() reads the lines once and keeps
// only the rules of the groups that apply to our product token; Check() then
// matches a path against those rules.
//
//   RobotsRules rules = RobotsRules::Parse(body, "inlinks");
//   if (rules.Check("/private/x?y=1") == RobotsRules::Decision::kDisallowed)
//     ...
//
// Behaviour (RFC 9309):
//   - 2.1 a UTF-8 byte order mark (or any prefix of one) at the start is
//     skipped; lines end with CR, LF or CRLF; '#' starts a comment;
//     whitespace around keys and values is ignored; keys are
//     case-insensitive; lines without ':' are ignored.
//   - 2.2.1 a group is one or more consecutive user-agent lines followed by
//     rules; a user-agent line after a rule starts a new group; rules before
//     the first user-agent line are ignored. The product token of a
//     user-agent value is its leading run of [A-Za-z_-] characters, compared
//     case-insensitively with ours (so "User-agent: FooBot/1.0" names
//     "FooBot", and "bot1" names "bot": a token holds no digits, so ours
//     should be [A-Za-z_-]+ too); "*" names the global group, used only
//     when no group names our token. All groups naming our token are merged.
//   - 2.2.2 the longest matching pattern wins; on equal length allow wins;
//     an empty Disallow (or Allow) value is no rule. Patterns and paths are
//     compared after percent-encoding normalization: %XX of an unreserved
//     character (RFC 3986 2.3) is decoded, other %XX get uppercase hex, and
//     bytes >= 0x80, controls and spaces are percent-encoded. Matching is
//     case-sensitive otherwise.
//   - 2.2.3 '*' matches any sequence of characters; '$' at the end of a
//     pattern anchors it to the end of the path.
//   - 2.2.4 other records (Sitemap, Crawl-delay, unknown keys) neither
//     start nor end a group: "User-agent: a / Crawl-delay: 1 / User-agent: b"
//     is one group naming a and b.
//   - 3 "/robots.txt" is always allowed.
//
// Leniencies (not in RFC 9309, accepted because real files contain them):
//   - key typos, the ones Google's parser accepts: "useragent", "user agent",
//   "user_agent"; "dissallow",
//     "dissalow", "disalow", "diasllow", "disallaw", "desallow";
//     "site-map"; "crawldelay", "crawl_delay".
//   - "Crawl-delay" (non-standard) is read: a non-negative finite number of
//     seconds; the first valid value of a group applies to every agent the
//     group names; the first such group that applies to us wins.
//   - "Sitemap" lines are collected from anywhere in the file, deduplicated,
//     in order, as written (a relative value is returned unchanged: resolve
//     it against the robots.txt URL).
//
// Deviations from Google's parser (google/robotstxt) and its compliance
// tests (google/robotstxt-spec-test), on purpose:
//   - a line without ':' is ignored (Google accepts "Disallow /x").
//   - Google also allows "/dir/" when "/dir/index.htm(l)" is allowed; we
//     do not.
//   - non-ASCII octets in the path given to Check() are percent-encoded
//     before matching (RFC 9309 2.2.2); Google expects the caller to do it
//     and compares a raw UTF-8 path as written.
//   - %XX of an unreserved character is decoded in rules and paths, so the
//     rule "/%62%61%7A" matches "/baz" (the RFC 9309 2.2.2 table); Google
//     compares them as written.
// Bounds: only the first `max_bytes` of the body are read (RFC 9309 2.5
// requires at least 500 KiB; a line cut by the limit is dropped); patterns
// longer than kMaxPatternBytes (after normalization) are dropped; at most
// kMaxRules rules are kept. Matching one pattern is O(path + pattern):
// the literal pieces between '*'s are placed greedily at their leftmost
// occurrence (optimal for '*'-only globs, so no backtracking), found with a
// linear-time search. Check() is O(rules * path + total pattern bytes).
//
// Thread safety: RobotsRules is an immutable value after Parse(); const
// methods are safe to call from many threads.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace inlinks::crawler {

// The rules of one robots.txt that apply to one product token.
class RobotsRules {
 public:
  static constexpr size_t kDefaultMaxBytes = 512 * 1024;
  static constexpr size_t kMaxPatternBytes = 8 * 1024;
  static constexpr size_t kMaxRules = 200 * 1000;

  enum class Decision { kAllowed, kDisallowed };

  // Parses `body` (any bytes) and keeps the groups that apply to
  // `product_token` (e.g. "inlinks"; compared case-insensitively). Never
  // fails: unparseable lines are skipped.
  static RobotsRules Parse(std::string_view body,
                           std::string_view product_token,
                           size_t max_bytes = kDefaultMaxBytes);

  // Everything allowed, e.g. robots.txt answered 4xx (RFC 9309 2.3.1.3).
  static RobotsRules AllowAll();
  // Everything disallowed, e.g. 5xx or unreachable (RFC 9309 2.3.1.4).
  static RobotsRules DisallowAll();

  // `path_and_query`: the URL's path plus "?query", percent-encoded as in
  // the URL ("" is read as "/"). Returns the decision of the longest
  // matching rule; allowed when no rule matches.
  Decision Check(std::string_view path_and_query) const;
  bool IsAllowed(std::string_view path_and_query) const {
    return Check(path_and_query) == Decision::kAllowed;
  }

  // Crawl-delay of the applicable groups, in seconds, when one was given.
  std::optional<double> crawl_delay() const { return crawl_delay_; }
  // Sitemap values from anywhere in the file, deduplicated, in order.
  const std::vector<std::string>& sitemaps() const { return sitemaps_; }
  // Number of rules kept for our product token.
  size_t rule_count() const { return rules_.size(); }

 private:
  struct Rule {
    std::string pattern;  // normalized; may contain '*' and a final '$'
    bool allow = false;
  };

  RobotsRules() = default;

  std::vector<Rule> rules_;
  std::optional<double> crawl_delay_;
  std::vector<std::string> sitemaps_;
  bool disallow_all_ = false;
};

// Normalizes a path or pattern for comparison (RFC 9309 2.2.2): decodes %XX
// of unreserved characters (RFC 3986 2.3), uppercases the hex digits of other
// %XX, and percent-encodes octets >= 0x80, controls, space and DEL. A '%' not
// followed by two hex digits is kept. Exposed for tests.
std::string NormalizeRobotsPathForTest(std::string_view path);

}  // namespace inlinks::crawler
