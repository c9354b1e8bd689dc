// The synthetic web's graph, pages and truth. See web.h and docs/testweb.md.
//
// Every decision (page kind, section, link count, link target, anchor, rel,
// href spelling) is a hash of (seed, salt, coordinates), so pages are
// rendered on demand without storing links, and the HTML writer and the
// link list are two views of one plan (MakePlan), so they cannot disagree.
#include "inlinks/testweb/web.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <deque>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "inlinks/core/domain.h"
#include "inlinks/core/url.h"

namespace inlinks::testweb {
namespace {

enum PageKind : uint8_t {
  kNormal = 0,
  kMoved = 1,         // served at its path; its old URL answers 301
  kMissing = 2,       // its path answers 404
  kPrivate = 3,       // under /private/ (robots Disallow where robots exist)
  kMetaNofollow = 4,  // <meta name=robots content=nofollow>
};

// Pages 0..kNavPages-1 are the navigation bar of every page of the host and
// are always normal.
constexpr int kNavPages = 7;
constexpr int kTreeFanout = 8;
constexpr int kMinPages = 16;

// Salts: one per independent decision.
enum Salt : uint64_t {
  kSaltKind = 1,
  kSaltSection,
  kSaltRobots,
  kSaltLinkCount,
  kSaltLink,
  kSaltExternal,
  kSaltSibling,
  kSaltPage,
  kSaltStyle,
  kSaltRel,
  kSaltForm,
  kSaltAnchor,
  kSaltName,
  kSaltSentence,
  kSaltParagraph,
  kSaltFiller,
  kSaltWords,
};

// Debian's abseil has its own string_view type.
absl::string_view Av(std::string_view s) { return {s.data(), s.size()}; }

uint64_t Mix(uint64_t z) {  // splitmix64's finalizer
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t Hash(uint64_t seed, uint64_t salt, uint64_t a = 0, uint64_t b = 0,
              uint64_t c = 0) {
  uint64_t h = Mix(seed * 0x100000001b3ULL + salt);
  h = Mix(h ^ a);
  h = Mix(h ^ b);
  return Mix(h ^ c);
}

// Uniform in [0, 1).
double Unit(uint64_t h) { return static_cast<double>(h >> 11) * 0x1.0p-53; }

constexpr std::array<std::string_view, 8> kSections = {
    "news", "blog", "docs", "products", "guides", "about", "events", "help"};
constexpr std::string_view kPrivateSection = "private";

constexpr std::array<std::string_view, 128> kWords = {
    "garden",   "river",    "quantum",  "silver",   "market",   "engine",
    "travel",   "kitchen",  "forest",   "harbor",   "pixel",    "signal",
    "winter",   "copper",   "meadow",   "rocket",   "canyon",   "lantern",
    "orbit",    "prairie",  "summit",   "velvet",   "willow",   "anchor",
    "beacon",   "cedar",    "delta",    "ember",    "falcon",   "glacier",
    "harvest",  "island",   "jasmine",  "kernel",   "lagoon",   "marble",
    "nectar",   "oasis",    "pepper",   "quartz",   "ribbon",   "saffron",
    "timber",   "umbrella", "valley",   "walnut",   "yonder",   "zephyr",
    "archive",  "bicycle",  "compass",  "drum",     "echo",     "fabric",
    "guitar",   "horizon",  "insight",  "journal",  "kayak",    "ledger",
    "mosaic",   "network",  "opal",     "paper",    "quiet",    "recipe",
    "sandbox",  "theory",   "update",   "voyage",   "window",   "yearly",
    "zone",     "atlas",    "bridge",   "castle",   "device",   "estate",
    "festival", "gallery",  "hammer",   "indigo",   "jungle",   "kettle",
    "library",  "mountain", "notebook", "ocean",    "planet",   "question",
    "rainbow",  "season",   "tunnel",   "unicorn",  "village",  "wander",
    "crystal",  "dolphin",  "feather",  "granite",  "horizon",  "ivory",
    "jigsaw",   "koala",    "lemon",    "mirror",   "nimbus",   "olive",
    "puzzle",   "quill",    "rustic",   "shadow",   "tangent",  "utopia",
    "vortex",   "whisper",  "xenon",    "yogurt",   "zenith",   "basil",
    "cobalt",   "dune",     "ember",    "fjord",    "grove",    "hazel",
    "iris",     "juniper"};

// Non-ASCII words: anchors and text must survive UTF-8 end to end.
constexpr std::array<std::string_view, 8> kUtf8Words = {
    "café", "naïve", "Zürich", "façade", "smörgåsbord", "東京", "Ελλάδα",
    "piñata"};

// Generic anchors; '&' and '<' test entity decoding (written escaped).
constexpr std::array<std::string_view, 8> kGenericAnchors = {
    "Read more", "click here",      "Learn more", "this article",
    "Tips & tricks", "Q & A", "Pros & cons <updated>", "here"};

// rel attribute variants and the flags the extractor derives from them.
struct RelVariant {
  std::string_view text;
  uint8_t bits;
};
constexpr std::array<RelVariant, 8> kRels = {{
    {"", core::kRelNone},
    {"nofollow", core::kRelNofollow},
    {"nofollow noopener", core::kRelNofollow},
    {"ugc nofollow", core::kRelUgc | core::kRelNofollow},
    {"sponsored nofollow", core::kRelSponsored | core::kRelNofollow},
    {"external NoFollow", core::kRelNofollow},
    {"noopener noreferrer", core::kRelNone},
    {"sponsored", core::kRelSponsored},
}};

enum Style : uint8_t { kText = 0, kImage = 1, kImageAndText = 2 };
enum Form : uint8_t {
  kRootRelative = 0,  // "/news/page-5.html"
  kDotRelative,       // "../news/page-5.html"
  kAbsolute,          // "http://host:port/news/page-5.html"
  kProtocolRelative,  // "//host:port/news/page-5.html"
  kUpperHost,         // "http://HOST:port/news/page-5.html"
  kUnquoted,          // href=/news/page-5.html
};
enum Region : uint8_t { kNav = 0, kBody = 1, kTree = 2 };

void AppendInt(std::string* out, uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, static_cast<size_t>(end - buf));
}

// Escapes text for an HTML text node or a double-quoted attribute.
void AppendEscaped(std::string* out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&': out->append("&amp;"); break;
      case '<': out->append("&lt;"); break;
      case '>': out->append("&gt;"); break;
      case '"': out->append("&quot;"); break;
      default: out->push_back(c);
    }
  }
}

std::vector<double> ZipfCdf(int n, double s) {
  std::vector<double> cdf(static_cast<size_t>(n));
  double sum = 0;
  for (int i = 0; i < n; ++i) {
    sum += 1.0 / std::pow(static_cast<double>(i + 1), s);
    cdf[static_cast<size_t>(i)] = sum;
  }
  for (double& c : cdf) c /= sum;
  return cdf;
}

int SampleCdf(const std::vector<double>& cdf, double u) {
  auto it = std::upper_bound(cdf.begin(), cdf.end(), u);
  if (it == cdf.end()) return static_cast<int>(cdf.size()) - 1;
  return static_cast<int>(it - cdf.begin());
}

// Parses "page-N.html" into N.
int ParsePageFile(std::string_view file) {
  if (!file.starts_with("page-") || !file.ends_with(".html")) return -1;
  file.remove_prefix(5);
  file.remove_suffix(5);
  if (file.empty() ||
      file.size() > 9 || (file.size() > 1 && file[0] == '0')) {
    return -1;
  }
  int n = 0;
  for (char c : file) {
    if (c < '0' || c > '9') return -1;
    n = n * 10 + (c - '0');
  }
  return n;
}

std::string Capitalized(std::string_view w) {
  std::string s(w);
  if (!s.empty()) s[0] = absl::ascii_toupper(static_cast<unsigned char>(s[0]));
  return s;
}

// The host part of a normalized http URL ("http://h:1/p" -> "h").
std::string_view HostOfUrl(std::string_view url) {
  size_t start = url.find("://");
  if (start == std::string_view::npos) return {};
  start += 3;
  size_t end = url.find_first_of(":/", start);
  if (end == std::string_view::npos) end = url.size();
  return url.substr(start, end - start);
}

}  // namespace

// One link of a page, before it is written as HTML or as a core::Link.
struct PlanLink {
  int32_t host;
  int32_t page;
  bool old;       // target is the old URL of a moved page
  uint8_t style;  // Style
  uint8_t rel;    // index into kRels
  uint8_t form;   // Form
  uint8_t region; // Region
  bool fragment;  // href carries a "#..." fragment (dropped by normalization)
  uint32_t image;
  std::string anchor;  // text, or the alt text of a kImage link
};

struct Web::Plan {
  std::vector<PlanLink> links;
  bool meta_nofollow = false;
};

absl::StatusOr<Scope> ParseScope(std::string_view target) {
  absl::string_view stripped = absl::StripAsciiWhitespace(
      absl::string_view(target.data(), target.size()));
  std::string t(stripped.data(), stripped.size());
  if (t.empty()) return absl::InvalidArgumentError("empty target");
  if (t.find('/') != std::string::npos) {
    if (t.find("://") == std::string::npos) t = "http://" + t;
    auto url = core::ParseUrl(t);
    if (!url.ok()) return url.status();
    std::string href = url->href();
    if (absl::StartsWith(href, "https://")) href = "http://" + href.substr(8);
    return Scope{Scope::Kind::kUrl, std::move(href)};
  }
  std::string host = absl::AsciiStrToLower(t);
  if (size_t colon = host.rfind(':');
      colon != std::string::npos && host.find(']') == std::string::npos) {
    host.resize(colon);
  }
  if (!host.empty() && host.back() == '.') host.pop_back();
  auto domain = core::RegistrableDomain(host);
  if (!domain.ok()) return domain.status();
  if (host == *domain || host == "www." + *domain) {
    return Scope{Scope::Kind::kDomain, *domain};
  }
  return Scope{Scope::Kind::kHost, host};
}

absl::StatusOr<std::unique_ptr<Web>> Web::Create(const WebSpec& spec) {
  auto bad = [](std::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat("WebSpec: ", Av(what)));
  };
  if (spec.hosts < 1 || spec.hosts > 1000000) return bad("hosts out of range");
  if (spec.domains < 1 || spec.domains > spec.hosts) {
    return bad("domains must be in [1, hosts]");
  }
  if (spec.pages_per_host < kMinPages || spec.pages_per_host > 100000000) {
    return bad("pages_per_host must be >= 16");
  }
  if (spec.min_links < 0 || spec.max_links < spec.min_links ||
      spec.max_links > 100000) {
    return bad("links must satisfy 0 <= min_links <= max_links <= 100000");
  }
  if (static_cast<int64_t>(spec.hosts) * spec.pages_per_host > 500000000) {
    return bad("hosts x pages_per_host too large");
  }
  for (double share :
       {spec.external_share, spec.sibling_share, spec.nofollow_share,
        spec.image_share, spec.redirect_share, spec.missing_share,
        spec.private_share, spec.meta_nofollow_share, spec.no_robots_share}) {
    if (!(share >= 0 && share <= 1)) return bad("share outside [0, 1]");
  }
  if (spec.redirect_share + spec.missing_share + spec.private_share +
          spec.meta_nofollow_share > 0.5) {
    return bad("redirect+missing+private+meta_nofollow shares exceed 0.5");
  }
  if (spec.external_share + spec.sibling_share > 1) {
    return bad("external_share + sibling_share exceeds 1");
  }
  if (!(spec.zipf_exponent >= 0 && spec.zipf_exponent <= 4)) {
    return bad("zipf_exponent outside [0, 4]");
  }
  if (spec.seed_hosts < 0 || spec.seed_hosts > spec.hosts) {
    return bad("seed_hosts outside [0, hosts]");
  }
  if (spec.tld.empty() ||
      spec.tld.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-.") !=
          std::string::npos) {
    return bad("tld must be lower-case letters, digits, '-' or '.'");
  }

  std::unique_ptr<Web> web(new Web(spec));
  const int n = spec.hosts, m = spec.domains, p = spec.pages_per_host;
  const uint64_t seed = spec.seed;

  web->domains_.reserve(static_cast<size_t>(m));
  for (int d = 0; d < m; ++d) {
    web->domains_.push_back(absl::StrCat("d", d, ".", spec.tld));
  }
  web->hosts_of_domain_.resize(static_cast<size_t>(m));
  static constexpr std::array<std::string_view, 6> kPrefixes = {
      "www.", "", "blog.", "shop.", "news.", "docs."};
  web->hosts_.resize(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    HostInfo& h = web->hosts_[static_cast<size_t>(i)];
    h.domain = i % m;
    int k = i / m;
    std::string prefix = k < static_cast<int>(kPrefixes.size())
                             ? std::string(kPrefixes[static_cast<size_t>(k)])
                             : absl::StrCat("s", k, ".");
    h.name = prefix + web->domains_[static_cast<size_t>(h.domain)];
    h.origin = absl::StrCat("http://", h.name);
    if (spec.port != 0) absl::StrAppend(&h.origin, ":", spec.port);
    h.has_robots = Unit(Hash(seed, kSaltRobots, static_cast<uint64_t>(i))) >=
                   spec.no_robots_share;
    web->hosts_of_domain_[static_cast<size_t>(h.domain)].push_back(i);
    web->host_index_[h.name] = i;
  }

  const size_t total = static_cast<size_t>(n) * static_cast<size_t>(p);
  web->kinds_.assign(total, kNormal);
  web->sections_.assign(total, 0);
  const double c1 = spec.redirect_share, c2 = c1 + spec.missing_share,
               c3 = c2 + spec.private_share,
               c4 = c3 + spec.meta_nofollow_share;
  for (int h = 0; h < n; ++h) {
    for (int j = 0; j < p; ++j) {
      size_t idx = static_cast<size_t>(h) * p + static_cast<size_t>(j);
      web->sections_[idx] = static_cast<uint8_t>(
          Hash(seed, kSaltSection, static_cast<uint64_t>(h),
               static_cast<uint64_t>(j)) %
          kSections.size());
      if (j < kNavPages) continue;
      double u = Unit(Hash(seed, kSaltKind, static_cast<uint64_t>(h),
                           static_cast<uint64_t>(j)));
      web->kinds_[idx] = u < c1   ? kMoved
                         : u < c2 ? kMissing
                         : u < c3 ? kPrivate
                         : u < c4 ? kMetaNofollow
                                  : kNormal;
    }
  }

  // The navigation tree: every fetchable page is reachable from the home
  // page through plain links, so reachability does not depend on whether
  // the crawler follows nofollow links. Pages whose own links may not be
  // followed (meta nofollow; private pages a crawler may fetch) hang off the
  // tree as leaves.
  web->tree_.resize(static_cast<size_t>(n));
  web->tree_pos_.resize(static_cast<size_t>(n));
  web->extra_.resize(static_cast<size_t>(n));
  for (int h = 0; h < n; ++h) {
    auto& main = web->tree_[static_cast<size_t>(h)];
    auto& pos = web->tree_pos_[static_cast<size_t>(h)];
    pos.assign(static_cast<size_t>(p), -1);
    std::vector<int> leaves;
    for (int j = 0; j < p; ++j) {
      uint8_t kind = web->Kind(h, j);
      if (kind == kNormal || kind == kMoved) {
        pos[static_cast<size_t>(j)] = static_cast<int>(main.size());
        main.push_back(j);
      } else if (kind == kMetaNofollow ||
                 (kind == kPrivate &&
                  !web->hosts_[static_cast<size_t>(h)].has_robots)) {
        leaves.push_back(j);
      }
    }
    auto& extra = web->extra_[static_cast<size_t>(h)];
    extra.resize(main.size());
    for (size_t q = 0; q < leaves.size(); ++q) {
      extra[q % main.size()].push_back(leaves[q]);
    }
  }

  web->host_cdf_ = ZipfCdf(n, spec.zipf_exponent);
  web->page_cdf_ = ZipfCdf(p, spec.zipf_exponent);

  // Filler text: sentences of 8-20 words, a few with a non-ASCII word.
  web->sentences_.reserve(512);
  for (uint64_t s = 0; s < 512; ++s) {
    uint64_t h = Hash(seed, kSaltSentence, s);
    int words = 8 + static_cast<int>(h % 13);
    std::string sentence;
    for (int w = 0; w < words; ++w) {
      uint64_t hw = Hash(seed, kSaltWords, s, static_cast<uint64_t>(w));
      std::string_view word =
          (hw % 53 == 0) ? kUtf8Words[(hw >> 8) % kUtf8Words.size()]
                         : kWords[(hw >> 8) % kWords.size()];
      if (w == 0) {
        sentence += Capitalized(word);
      } else {
        sentence += ' ';
        sentence += word;
        if (hw % 17 == 0 && w + 1 < words) sentence += ',';
      }
    }
    sentence += '.';
    web->sentences_.push_back(std::move(sentence));
  }
  return web;
}

const std::string& Web::DomainOf(int host) const {
  return domains_[static_cast<size_t>(hosts_[static_cast<size_t>(host)].domain)];
}

std::vector<std::string> Web::HostNames() const {
  std::vector<std::string> out;
  out.reserve(hosts_.size());
  for (const HostInfo& h : hosts_) out.push_back(h.name);
  return out;
}

int Web::FindHost(std::string_view name) const {
  std::string key = absl::AsciiStrToLower(absl::string_view(name.data(), name.size()));
  if (!key.empty() && key.back() == '.') key.pop_back();
  auto it = host_index_.find(key);
  return it == host_index_.end() ? -1 : it->second;
}

void Web::AppendPath(int host, int page, bool old, std::string* out) const {
  if (old) {
    out->append("/old/page-");
    AppendInt(out, static_cast<uint64_t>(page));
    out->append(".html");
    return;
  }
  if (page == 0) {
    out->push_back('/');
    return;
  }
  out->push_back('/');
  out->append(Kind(host, page) == kPrivate
                  ? kPrivateSection
                  : kSections[sections_[static_cast<size_t>(host) *
                                            spec_.pages_per_host +
                                        static_cast<size_t>(page)]]);
  out->append("/page-");
  AppendInt(out, static_cast<uint64_t>(page));
  out->append(".html");
}

void Web::AppendUrl(int host, int page, bool old, std::string* out) const {
  out->append(hosts_[static_cast<size_t>(host)].origin);
  AppendPath(host, page, old, out);
}

std::string Web::UrlOfId(int64_t id) const {
  const int64_t per_host = 2 * static_cast<int64_t>(spec_.pages_per_host);
  int host = static_cast<int>(id / per_host);
  int local = static_cast<int>(id % per_host);
  std::string url;
  bool old = local >= spec_.pages_per_host;
  AppendUrl(host, old ? local - spec_.pages_per_host : local, old, &url);
  return url;
}

namespace {

// Maps a path to the local URL id of `host` (see Web::UrlIdOf), or -1.
// `kind_of` gives the page kind, `section_of` its section name.
template <typename KindFn, typename PathFn>
int LocalOf(std::string_view path, int pages, KindFn kind_of,
            PathFn section_of) {
  if (path == "/") return 0;
  if (path.empty() || path[0] != '/') return -1;
  path.remove_prefix(1);
  size_t slash = path.find('/');
  if (slash == std::string_view::npos) return -1;
  std::string_view dir = path.substr(0, slash);
  int page = ParsePageFile(path.substr(slash + 1));
  if (page <= 0 || page >= pages) return -1;
  if (dir == "old") return kind_of(page) == kMoved ? pages + page : -1;
  return dir == section_of(page) ? page : -1;
}

}  // namespace

int64_t Web::UrlIdOf(std::string_view url) const {
  auto parsed = core::ParseUrl(url);
  if (!parsed.ok() || parsed->has_query()) return -1;
  if (parsed->port() != spec_.port) return -1;
  int host = FindHost(parsed->host());
  if (host < 0) return -1;
  const int p = spec_.pages_per_host;
  int local = LocalOf(
      parsed->path(), p, [&](int j) { return Kind(host, j); },
      [&](int j) -> std::string_view {
        return Kind(host, j) == kPrivate
                   ? kPrivateSection
                   : kSections[sections_[static_cast<size_t>(host) * p +
                                         static_cast<size_t>(j)]];
      });
  if (local < 0) return -1;
  return static_cast<int64_t>(host) * 2 * p + local;
}

std::vector<std::string> Web::SeedUrls() const {
  int k = spec_.seed_hosts == 0 ? spec_.hosts : spec_.seed_hosts;
  std::vector<std::string> out;
  for (int h = 0; h < k; ++h) out.push_back(Origin(h) + "/");
  return out;
}

std::vector<std::string> Web::PageUrls() const {
  std::vector<std::string> out;
  for (int h = 0; h < spec_.hosts; ++h) {
    for (int j = 0; j < spec_.pages_per_host; ++j) {
      if (Kind(h, j) == kMissing) continue;
      std::string url;
      AppendUrl(h, j, false, &url);
      out.push_back(std::move(url));
    }
  }
  return out;
}

std::vector<std::string> Web::AllUrls() const {
  std::vector<std::string> out;
  for (int h = 0; h < spec_.hosts; ++h) {
    for (int old = 0; old < 2; ++old) {
      for (int j = 0; j < spec_.pages_per_host; ++j) {
        if (old && Kind(h, j) != kMoved) continue;
        std::string url;
        AppendUrl(h, j, old != 0, &url);
        out.push_back(std::move(url));
      }
    }
  }
  return out;
}

void Web::AppendTitle(int host, int page, std::string* out) const {
  if (page == 0) {
    out->append("Home");
  } else {
    uint64_t hn = Hash(spec_.seed, kSaltName, static_cast<uint64_t>(host),
                       static_cast<uint64_t>(page));
    int words = 2 + static_cast<int>(hn % 3);
    for (int w = 0; w < words; ++w) {
      if (w > 0) out->push_back(' ');
      std::string_view word = kWords[(hn >> (8 + 7 * w)) % kWords.size()];
      if (w == 0) {
        out->append(Capitalized(word));
      } else {
        out->append(word);
      }
    }
  }
  out->append(" | ");
  out->append(hosts_[static_cast<size_t>(host)].name);
}

void Web::MakePlan(int host, int page, Plan* plan) const {
  plan->links.clear();
  const uint64_t seed = spec_.seed;
  const uint64_t uh = static_cast<uint64_t>(host), up = static_cast<uint64_t>(page);
  plan->meta_nofollow = Kind(host, page) == kMetaNofollow;
  const HostInfo& self = hosts_[static_cast<size_t>(host)];

  auto add = [&](int th, int tp, uint8_t region, uint64_t k) -> PlanLink& {
    PlanLink& l = plan->links.emplace_back();
    l.host = th;
    l.page = tp;
    l.old = Kind(th, tp) == kMoved;
    l.style = kText;
    l.rel = 0;
    l.form = kRootRelative;
    l.region = region;
    l.fragment = false;
    l.image = static_cast<uint32_t>(Hash(seed, kSaltStyle, uh, up, k) % 1000);
    return l;
  };
  auto name_of = [&](int th, int tp, std::string* out) {
    if (tp == 0) {
      out->append(hosts_[static_cast<size_t>(th)].name);
      return;
    }
    size_t before = out->size();
    AppendTitle(th, tp, out);
    out->resize(out->find(" | ", before));
  };

  // Navigation: home and the host's first pages, plain relative links.
  for (int j = 0; j < kNavPages; ++j) {
    PlanLink& l = add(host, j, kNav, 1000000 + j);
    if (j == 0) {
      l.anchor = "Home";
    } else {
      name_of(host, j, &l.anchor);
    }
  }

  // Tree children (plain links) and the leaf pages attached here.
  int tree_links = 0;
  const int t = tree_pos_[static_cast<size_t>(host)][static_cast<size_t>(page)];
  std::vector<int> children;
  if (t >= 0) {
    const auto& main = tree_[static_cast<size_t>(host)];
    for (int c = kTreeFanout * t + 1;
         c <= kTreeFanout * t + kTreeFanout &&
         c < static_cast<int>(main.size());
         ++c) {
      children.push_back(main[static_cast<size_t>(c)]);
    }
    for (int leaf : extra_[static_cast<size_t>(host)][static_cast<size_t>(t)]) {
      children.push_back(leaf);
    }
    tree_links = static_cast<int>(children.size());
  }

  const int span = spec_.max_links - spec_.min_links + 1;
  const int total =
      spec_.min_links +
      static_cast<int>(Hash(seed, kSaltLinkCount, uh, up) % static_cast<uint64_t>(span));
  const int body = std::max(0, total - kNavPages - tree_links);
  const std::vector<int>& siblings =
      hosts_of_domain_[static_cast<size_t>(self.domain)];
  for (int k = 0; k < body; ++k) {
    const uint64_t uk = static_cast<uint64_t>(k);
    uint64_t hl = Hash(seed, kSaltLink, uh, up, uk);
    double u = Unit(hl);
    int th = host;
    if (u < spec_.external_share && spec_.domains > 1) {
      th = -1;
      for (uint64_t attempt = 0; attempt < 8 && th < 0; ++attempt) {
        int cand = SampleCdf(host_cdf_,
                             Unit(Hash(seed, kSaltExternal, uh, up, uk * 8 + attempt)));
        if (hosts_[static_cast<size_t>(cand)].domain != self.domain) th = cand;
      }
      if (th < 0) th = (self.domain + 1) % spec_.domains;  // host d is in domain d
    } else if (u < spec_.external_share + spec_.sibling_share &&
               siblings.size() > 1) {
      uint64_t hs = Hash(seed, kSaltSibling, uh, up, uk);
      th = siblings[hs % (siblings.size() - 1)];
      if (th == host) th = siblings.back();
    }
    int tp = SampleCdf(page_cdf_, Unit(Hash(seed, kSaltPage, uh, up, uk)));
    PlanLink& l = add(th, tp, kBody, uk);

    uint64_t hs = Hash(seed, kSaltStyle, uh, up, uk);
    double us = Unit(hs);
    if (us < spec_.image_share) l.style = (hs & 3) == 0 ? kImageAndText : kImage;
    uint64_t hr = Hash(seed, kSaltRel, uh, up, uk);
    double ur = Unit(hr);
    if (ur < spec_.nofollow_share) {
      l.rel = static_cast<uint8_t>(1 + (hr & 0xff) % 5);  // a nofollow variant
    } else if (((hr >> 8) & 63) == 0) {
      l.rel = static_cast<uint8_t>(6 + ((hr >> 16) & 1));  // no nofollow
    }
    uint64_t hf = Hash(seed, kSaltForm, uh, up, uk);
    if (th == host) {
      static constexpr std::array<uint8_t, 10> kSameHost = {
          kRootRelative, kRootRelative, kRootRelative, kRootRelative,
          kRootRelative, kDotRelative,  kDotRelative,  kAbsolute,
          kUpperHost,    kUnquoted};
      l.form = kSameHost[hf % kSameHost.size()];
    } else {
      static constexpr std::array<uint8_t, 6> kOtherHost = {
          kAbsolute, kAbsolute, kAbsolute, kAbsolute, kProtocolRelative,
          kUpperHost};
      l.form = kOtherHost[hf % kOtherHost.size()];
    }
    l.fragment = ((hf >> 16) % 20) == 0;

    uint64_t ha = Hash(seed, kSaltAnchor, uh, up, uk);
    if (l.style == kImage) {
      if (ha % 5 == 0) continue;  // an image link without alt: empty anchor
      l.anchor = "Photo: ";
      name_of(th, tp, &l.anchor);
      continue;
    }
    uint64_t v = ha % 100;
    if (v < 60) {
      name_of(th, tp, &l.anchor);
    } else if (v < 75) {
      l.anchor = kGenericAnchors[(ha >> 8) % kGenericAnchors.size()];
    } else if (v < 90) {
      AppendUrl(th, tp, l.old, &l.anchor);
    } else {
      name_of(th, tp, &l.anchor);
      l.anchor += ' ';
      l.anchor += kUtf8Words[(ha >> 8) % kUtf8Words.size()];
    }
  }

  for (size_t c = 0; c < children.size(); ++c) {
    PlanLink& l = add(host, children[c], kTree, 2000000 + c);
    name_of(host, children[c], &l.anchor);
  }
}

void Web::LinksOf(int host, int page, const Plan& plan,
                  std::vector<core::Link>* out) const {
  out->clear();
  out->reserve(plan.links.size());
  const int domain = hosts_[static_cast<size_t>(host)].domain;
  uint32_t position = 0;
  for (const PlanLink& l : plan.links) {
    core::Link& link = out->emplace_back();
    AppendUrl(l.host, l.page, l.old, &link.target);
    link.anchor = l.anchor;
    link.position = ++position;
    link.tag = l.style == kText ? core::LinkTag::kA : core::LinkTag::kAImg;
    link.rel = kRels[l.rel].bits;
    if (plan.meta_nofollow) link.rel |= core::kRelNofollow;
    link.internal = hosts_[static_cast<size_t>(l.host)].domain == domain;
  }
}

void Web::Render(int host, int page, const Plan& plan, std::string* out) const {
  const uint64_t seed = spec_.seed;
  const uint64_t uh = static_cast<uint64_t>(host), up = static_cast<uint64_t>(page);
  const HostInfo& self = hosts_[static_cast<size_t>(host)];
  out->clear();
  out->reserve(spec_.page_bytes + 4096);

  auto sentence = [&](uint64_t k) -> const std::string& {
    return sentences_[Hash(seed, kSaltFiller, uh, up, k) % sentences_.size()];
  };
  auto write_link = [&](const PlanLink& l) {
    out->append("<a href=");
    bool quoted = l.form != kUnquoted;
    if (quoted) out->push_back('"');
    switch (l.form) {
      case kRootRelative:
      case kUnquoted:
        AppendPath(l.host, l.page, l.old, out);
        break;
      case kDotRelative:
        out->append(page == 0 ? "." : "..");
        AppendPath(l.host, l.page, l.old, out);
        break;
      case kAbsolute:
        AppendUrl(l.host, l.page, l.old, out);
        break;
      case kProtocolRelative:
        out->append(std::string_view(hosts_[static_cast<size_t>(l.host)].origin)
                        .substr(5));  // drop "http:"
        AppendPath(l.host, l.page, l.old, out);
        break;
      case kUpperHost: {
        size_t start = out->size();
        out->append(hosts_[static_cast<size_t>(l.host)].origin);
        for (size_t i = start + 7; i < out->size(); ++i) {
          (*out)[i] = absl::ascii_toupper(static_cast<unsigned char>((*out)[i]));
        }
        AppendPath(l.host, l.page, l.old, out);
        break;
      }
    }
    if (l.fragment) out->append("#comments");
    if (quoted) out->push_back('"');
    if (l.rel != 0) {
      out->append(" rel=\"");
      out->append(kRels[l.rel].text);
      out->push_back('"');
    }
    out->push_back('>');
    switch (l.style) {
      case kText:
        AppendEscaped(out, l.anchor);
        break;
      case kImage:
        out->append("<img src=\"/img/");
        AppendInt(out, l.image);
        out->append(".jpg\" alt=\"");
        AppendEscaped(out, l.anchor);
        out->append("\" width=\"160\" height=\"120\">");
        break;
      case kImageAndText:
        out->append("<img src=\"/img/icon-");
        AppendInt(out, l.image % 16);
        out->append(".png\" alt=\"\"> ");
        AppendEscaped(out, l.anchor);
        break;
    }
    out->append("</a>");
  };

  out->append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
  if (plan.meta_nofollow) {
    out->append("<meta name=\"robots\" content=\"nofollow\">\n");
  }
  std::string title;
  AppendTitle(host, page, &title);
  out->append("<title>");
  AppendEscaped(out, title);
  out->append(
      "</title>\n<meta name=\"viewport\" content=\"width=device-width, "
      "initial-scale=1\">\n<link rel=\"stylesheet\" href=\"/static/site.css\">\n"
      "</head>\n<body>\n<header id=\"top\">\n"
      "<a class=\"skip\" href=\"#main\">Skip to content</a>\n<nav>\n<ul>\n");
  size_t i = 0;
  const size_t n = plan.links.size();
  for (; i < n && plan.links[i].region == kNav; ++i) {
    out->append("<li>");
    write_link(plan.links[i]);
    out->append("</li>\n");
  }
  out->append("</ul>\n</nav>\n</header>\n<main id=\"main\">\n<article>\n<h1>");
  AppendEscaped(out, std::string_view(title).substr(0, title.find(" | ")));
  out->append("</h1>\n");

  // Body: paragraphs of 3-8 links with a sentence before each link.
  uint64_t para = 0, k = 0;
  while (i < n && plan.links[i].region == kBody) {
    uint64_t hp = Hash(seed, kSaltParagraph, uh, up, para);
    if (para % 4 == 3) {
      out->append("<figure><img src=\"/img/");
      AppendInt(out, hp % 1000);
      out->append(".jpg\" alt=\"");
      out->append(kWords[hp % kWords.size()]);
      out->append("\" width=\"640\" height=\"480\"><figcaption>");
      out->append(sentence(k++));
      out->append("</figcaption></figure>\n");
    }
    out->append("<p>");
    int count = 3 + static_cast<int>(hp % 6);
    for (int c = 0; c < count && i < n && plan.links[i].region == kBody; ++c, ++i) {
      out->append(sentence(k++));
      out->push_back(' ');
      write_link(plan.links[i]);
      out->push_back(' ');
    }
    out->append(sentence(k++));
    // Hrefs that are not links: the extractor skips them.
    switch ((hp >> 8) % 6) {
      case 0:
        out->append(" <a href=\"mailto:editor@");
        out->append(self.name);
        out->append("\">Write to us</a>.");
        break;
      case 1:
        out->append(" <a href=\"javascript:void(0)\">Share</a>");
        break;
      case 2:
        out->append(" <a href=\"#comments\">Comments</a>");
        break;
      case 3:
        out->append(" <a name=\"p");
        AppendInt(out, para);
        out->append("\">&para;</a>");
        break;
      default:
        break;
    }
    out->append("</p>\n");
    ++para;
  }
  // Filler paragraphs up to the target size (the footer is ~1 KB).
  const size_t target = spec_.page_bytes > 1200 ? spec_.page_bytes - 1200 : 0;
  while (out->size() < target) {
    out->append("<p>");
    for (int s = 0; s < 5 && out->size() < target + 200; ++s) {
      if (s > 0) out->push_back(' ');
      out->append(sentence(k++));
    }
    out->append("</p>\n");
  }
  out->append("</article>\n</main>\n<footer>\n<h2>More from ");
  out->append(self.name);
  out->append("</h2>\n<ul class=\"related\">\n");
  for (; i < n; ++i) {
    out->append("<li>");
    write_link(plan.links[i]);
    out->append("</li>\n");
  }
  out->append("</ul>\n<p>&copy; 2024 ");
  out->append(domains_[static_cast<size_t>(self.domain)]);
  out->append(
      " &middot; <a href=\"#top\">Back to top</a></p>\n</footer>\n"
      "<script>var tpl = \"<a href='/not-a-link.html'>x</a>\"; "
      "if (tpl.length > 1 && 2 < 3) { document.title += ''; }</script>\n"
      "</body>\n</html>\n");
}

std::optional<std::string> Web::RobotsTxt(int host) const {
  const HostInfo& h = hosts_[static_cast<size_t>(host)];
  if (!h.has_robots) return std::nullopt;
  std::string out = absl::StrCat(
      "# robots.txt of ", h.name, ": inlinks synthetic web, seed ", spec_.seed,
      "\nUser-agent: BadBot\nDisallow: /\n\nUser-agent: *\nDisallow: /private/\n"
      "Disallow: /cgi-bin/\n");
  if (spec_.sitemaps) absl::StrAppend(&out, "\nSitemap: ", h.origin, "/sitemap.xml\n");
  return out;
}

void Web::Answer(std::string_view host_name, std::string_view target,
                 Response* out) const {
  out->body.clear();
  out->location.clear();
  out->status = 404;
  out->content_type = "text/html; charset=utf-8";
  auto not_found = [&] {
    out->status = 404;
    out->content_type = "text/html; charset=utf-8";
    out->body.append(
        "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>"
        "<body><h1>Not Found</h1></body></html>\n");
  };
  const int host = FindHost(host_name);
  if (host < 0 || target.find('?') != std::string_view::npos) {
    not_found();
    return;
  }
  const HostInfo& h = hosts_[static_cast<size_t>(host)];
  if (target == "/robots.txt") {
    auto robots = RobotsTxt(host);
    if (!robots) {
      not_found();
      return;
    }
    out->status = 200;
    out->content_type = "text/plain; charset=utf-8";
    out->body = *std::move(robots);
    return;
  }
  if (target == "/sitemap.xml" && spec_.sitemaps && h.has_robots) {
    out->status = 200;
    out->content_type = "application/xml";
    out->body.append(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for (int j = 0; j < spec_.pages_per_host; ++j) {
      uint8_t kind = Kind(host, j);
      if (kind == kMissing || kind == kPrivate) continue;
      out->body.append("<url><loc>");
      AppendUrl(host, j, false, &out->body);
      out->body.append("</loc></url>\n");
    }
    out->body.append("</urlset>\n");
    return;
  }
  if (target == "/static/site.css") {
    out->status = 200;
    out->content_type = "text/css";
    out->body.append("body{font-family:sans-serif;max-width:60em;margin:auto}\n");
    return;
  }
  const int p = spec_.pages_per_host;
  int local = LocalOf(
      target, p, [&](int j) { return Kind(host, j); },
      [&](int j) -> std::string_view {
        return Kind(host, j) == kPrivate
                   ? kPrivateSection
                   : kSections[sections_[static_cast<size_t>(host) * p +
                                         static_cast<size_t>(j)]];
      });
  if (local < 0 || (local < p && Kind(host, local) == kMissing)) {
    not_found();
    return;
  }
  if (local >= p) {
    out->status = 301;
    AppendUrl(host, local - p, false, &out->location);
    out->body.append("<!DOCTYPE html>\n<html><head><title>Moved</title></head><body>"
                     "<h1>Moved Permanently</h1></body></html>\n");
    return;
  }
  static thread_local Plan plan;
  MakePlan(host, local, &plan);
  out->status = 200;
  Render(host, local, plan, &out->body);
}

absl::StatusOr<std::vector<core::Link>> Web::PageLinks(std::string_view url) const {
  int64_t id = UrlIdOf(url);
  const int64_t per_host = 2 * static_cast<int64_t>(spec_.pages_per_host);
  int host = static_cast<int>(id / per_host), local = static_cast<int>(id % per_host);
  if (id < 0 || local >= spec_.pages_per_host || Kind(host, local) == kMissing) {
    return absl::NotFoundError(absl::StrCat("not a page of the web: ", Av(url)));
  }
  Plan plan;
  MakePlan(host, local, &plan);
  std::vector<core::Link> links;
  LinksOf(host, local, plan, &links);
  return links;
}

absl::StatusOr<std::string> Web::PageHtml(std::string_view url) const {
  int64_t id = UrlIdOf(url);
  const int64_t per_host = 2 * static_cast<int64_t>(spec_.pages_per_host);
  int host = static_cast<int>(id / per_host), local = static_cast<int>(id % per_host);
  if (id < 0 || local >= spec_.pages_per_host || Kind(host, local) == kMissing) {
    return absl::NotFoundError(absl::StrCat("not a page of the web: ", Av(url)));
  }
  Plan plan;
  MakePlan(host, local, &plan);
  std::string html;
  Render(host, local, plan, &html);
  return html;
}

absl::StatusOr<std::string> Web::PageTitle(std::string_view url) const {
  int64_t id = UrlIdOf(url);
  const int64_t per_host = 2 * static_cast<int64_t>(spec_.pages_per_host);
  int host = static_cast<int>(id / per_host), local = static_cast<int>(id % per_host);
  if (id < 0 || local >= spec_.pages_per_host || Kind(host, local) == kMissing) {
    return absl::NotFoundError(absl::StrCat("not a page of the web: ", Av(url)));
  }
  std::string title;
  AppendTitle(host, local, &title);
  return title;
}

absl::StatusOr<std::string> Web::RedirectTarget(std::string_view url) const {
  int64_t id = UrlIdOf(url);
  const int64_t per_host = 2 * static_cast<int64_t>(spec_.pages_per_host);
  int host = static_cast<int>(id / per_host), local = static_cast<int>(id % per_host);
  if (id < 0 || local < spec_.pages_per_host) {
    return absl::NotFoundError(absl::StrCat("not an old URL of the web: ", Av(url)));
  }
  std::string target;
  AppendUrl(host, local - spec_.pages_per_host, false, &target);
  return target;
}

bool Web::IsMissing(std::string_view url) const {
  int64_t id = UrlIdOf(url);
  const int64_t per_host = 2 * static_cast<int64_t>(spec_.pages_per_host);
  if (id < 0) return false;
  int host = static_cast<int>(id / per_host), local = static_cast<int>(id % per_host);
  return local < spec_.pages_per_host && Kind(host, local) == kMissing;
}

bool Web::IsDisallowed(std::string_view url) const {
  int64_t id = UrlIdOf(url);
  const int64_t per_host = 2 * static_cast<int64_t>(spec_.pages_per_host);
  if (id < 0) return false;
  int host = static_cast<int>(id / per_host), local = static_cast<int>(id % per_host);
  return local < spec_.pages_per_host && Kind(host, local) == kPrivate &&
         hosts_[static_cast<size_t>(host)].has_robots;
}

// ---------------------------------------------------------------------------
// Truth

namespace {
enum Fetch : uint8_t { kNotFetched = 0, kFetchedPage, kFetchedRedirect, kFetchedMissing };
}  // namespace

void Web::Bfs(const TruthOptions& options, Truth* truth) const {
  const int p = spec_.pages_per_host;
  const int64_t per_host = 2 * static_cast<int64_t>(p);
  const size_t total = static_cast<size_t>(spec_.hosts) * static_cast<size_t>(per_host);
  truth->fetched_.assign(total, kNotFetched);
  std::vector<bool> seen(total, false);
  std::vector<bool> host_seen(static_cast<size_t>(spec_.hosts), false);
  std::deque<int64_t> queue;
  auto push = [&](int64_t id) {
    if (!seen[static_cast<size_t>(id)]) {
      seen[static_cast<size_t>(id)] = true;
      queue.push_back(id);
    }
  };
  int k = spec_.seed_hosts == 0 ? spec_.hosts : spec_.seed_hosts;
  for (int h = 0; h < k; ++h) push(static_cast<int64_t>(h) * per_host);
  Plan plan;
  while (!queue.empty()) {
    int64_t id = queue.front();
    queue.pop_front();
    int host = static_cast<int>(id / per_host), local = static_cast<int>(id % per_host);
    const HostInfo& h = hosts_[static_cast<size_t>(host)];
    if (!host_seen[static_cast<size_t>(host)]) {
      // First URL of the host: the crawler reads robots.txt (and the
      // sitemap it names) before fetching it.
      host_seen[static_cast<size_t>(host)] = true;
      if (spec_.sitemaps && h.has_robots) {
        for (int j = 0; j < p; ++j) {
          uint8_t kind = Kind(host, j);
          if (kind != kMissing && kind != kPrivate) {
            push(static_cast<int64_t>(host) * per_host + j);
          }
        }
      }
    }
    if (local >= p) {
      truth->fetched_[static_cast<size_t>(id)] = kFetchedRedirect;
      push(static_cast<int64_t>(host) * per_host + (local - p));
      continue;
    }
    uint8_t kind = Kind(host, local);
    if (kind == kPrivate && h.has_robots) continue;  // robots.txt disallow
    if (kind == kMissing) {
      truth->fetched_[static_cast<size_t>(id)] = kFetchedMissing;
      continue;
    }
    truth->fetched_[static_cast<size_t>(id)] = kFetchedPage;
    MakePlan(host, local, &plan);
    for (const PlanLink& l : plan.links) {
      bool nofollow = plan.meta_nofollow || (kRels[l.rel].bits & core::kRelNofollow);
      if (nofollow && !options.follow_nofollow) continue;
      push(static_cast<int64_t>(l.host) * per_host + (l.old ? p + l.page : l.page));
    }
  }
}

Truth Web::ComputeTruth(const TruthOptions& options) const {
  Truth truth(this);
  Bfs(options, &truth);
  return truth;
}

const Truth& Web::ReachableTruth() const {
  std::call_once(truth_once_, [this] {
    truth_ = std::unique_ptr<Truth>(new Truth(ComputeTruth(TruthOptions{})));
  });
  return *truth_;
}

namespace {

std::vector<std::string> UrlsWith(const Web& web, const std::vector<uint8_t>& fetched,
                                  uint8_t state,
                                  const std::function<std::string(int64_t)>& url_of) {
  std::vector<std::string> out;
  for (size_t id = 0; id < fetched.size(); ++id) {
    if (fetched[id] == state) out.push_back(url_of(static_cast<int64_t>(id)));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<std::string> Truth::FetchedPages() const {
  return UrlsWith(*web_, fetched_, kFetchedPage,
                  [this](int64_t id) { return web_->UrlOfId(id); });
}

std::vector<std::string> Truth::FetchedRedirects() const {
  return UrlsWith(*web_, fetched_, kFetchedRedirect,
                  [this](int64_t id) { return web_->UrlOfId(id); });
}

std::vector<std::string> Truth::FetchedMissing() const {
  return UrlsWith(*web_, fetched_, kFetchedMissing,
                  [this](int64_t id) { return web_->UrlOfId(id); });
}

bool Truth::IsIndexedSource(std::string_view url) const {
  int64_t id = web_->UrlIdOf(url);
  if (id < 0) return false;
  uint8_t s = fetched_[static_cast<size_t>(id)];
  return s == kFetchedPage || s == kFetchedRedirect;
}

void Truth::ForEachLink(const std::function<void(const Backlink&)>& fn) const {
  const int p = web_->spec_.pages_per_host;
  const int64_t per_host = 2 * static_cast<int64_t>(p);
  Web::Plan plan;
  std::vector<core::Link> links;
  Backlink row;
  for (size_t id = 0; id < fetched_.size(); ++id) {
    uint8_t state = fetched_[id];
    if (state != kFetchedPage && state != kFetchedRedirect) continue;
    int host = static_cast<int>(static_cast<int64_t>(id) / per_host);
    int local = static_cast<int>(static_cast<int64_t>(id) % per_host);
    row.source = web_->UrlOfId(static_cast<int64_t>(id));
    if (state == kFetchedRedirect) {
      row.target.clear();
      web_->AppendUrl(host, local - p, false, &row.target);
      row.anchor.clear();
      row.position = 1;
      row.tag = core::LinkTag::kRedirect;
      row.rel = core::kRelNone;
      row.internal = true;
      fn(row);
      continue;
    }
    web_->MakePlan(host, local, &plan);
    web_->LinksOf(host, local, plan, &links);
    for (core::Link& l : links) {
      row.target = std::move(l.target);
      row.anchor = std::move(l.anchor);
      row.position = l.position;
      row.tag = l.tag;
      row.rel = l.rel;
      row.internal = l.internal;
      fn(row);
    }
  }
}

uint64_t Truth::LinkCount() const {
  uint64_t n = 0;
  ForEachLink([&n](const Backlink&) { ++n; });
  return n;
}

namespace {

bool InScope(const Web& web, const Scope& scope, const std::string& target) {
  switch (scope.kind) {
    case Scope::Kind::kUrl:
      return target == scope.value;
    case Scope::Kind::kHost:
      return HostOfUrl(target) == scope.value;
    case Scope::Kind::kDomain: {
      int h = web.FindHost(HostOfUrl(target));
      return h >= 0 && web.DomainOf(h) == scope.value;
    }
  }
  return false;
}

}  // namespace

std::vector<Backlink> Truth::Backlinks(const Scope& scope) const {
  std::vector<Backlink> out;
  ForEachLink([&](const Backlink& b) {
    if (InScope(*web_, scope, b.target)) out.push_back(b);
  });
  std::sort(out.begin(), out.end(), [](const Backlink& a, const Backlink& b) {
    return a.source != b.source ? a.source < b.source : a.position < b.position;
  });
  return out;
}

uint64_t Truth::CountBacklinks(const Scope& scope) const {
  uint64_t n = 0;
  ForEachLink([&](const Backlink& b) {
    if (InScope(*web_, scope, b.target)) ++n;
  });
  return n;
}

std::unordered_map<std::string, uint64_t> Truth::CountsByTarget() const {
  std::unordered_map<std::string, uint64_t> out;
  ForEachLink([&](const Backlink& b) { ++out[b.target]; });
  return out;
}

}  // namespace inlinks::testweb
