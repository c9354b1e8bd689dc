// File: inlinks/testweb/web.h
//
// Owns: the synthetic web of the benchmark harness and the crawler tests: a
// deterministic link graph generated from a seed (N hosts under M registrable
// domains, pages of realistic size with 50-150 links each, a power-law
// in-link distribution, internal and external links, nofollow and image
// links, moved pages answering 301, missing pages answering 404, robots.txt
// per host with disallowed paths), the bytes of every response, and the
// ground truth: the exact backlinks a crawler that starts at the seeds, obeys
// robots.txt, follows redirects and extracts links as crawler/extractor.h
// does would index. docs/testweb.md describes the model.
//
// Not owned here: serving over HTTP (server.h), crawling, indexing.
//
// Example:
//   WebSpec spec;                 // seed 1, 50 hosts, 20 domains, ...
//   spec.port = 8080;             // URLs carry ":8080"
//   ASSIGN_OR_RETURN(std::unique_ptr<Web> web, Web::Create(spec));
//   for (const std::string& seed : web->SeedUrls()) ...
//   ASSIGN_OR_RETURN(Scope scope, ParseScope("d3.test"));
//   std::vector<Backlink> rows = web->ReachableTruth().Backlinks(scope);
//
// Everything is a pure function of the WebSpec: no I/O, no clock, no global
// random state, so the same spec gives the same bytes on every machine.
//
// Thread safety: a Web is immutable after Create; every const method may be
// called from any number of threads at once (ReachableTruth computes its
// value once, under std::call_once). Truth is immutable too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "inlinks/core/records.h"

namespace inlinks::testweb {

// The parameters of a synthetic web. Shares are probabilities in [0, 1].
struct WebSpec {
  uint64_t seed = 1;
  int hosts = 50;           // N virtual hosts
  int domains = 20;         // M registrable domains (1 <= M <= N)
  int pages_per_host = 200; // pages of each host, home page included (>= 16)
  int min_links = 50;       // links of a page (as the extractor counts them)
  int max_links = 150;
  size_t page_bytes = 25 * 1024;  // target HTML size of a page
  double external_share = 0.3;    // body links to another registrable domain
  double sibling_share = 0.1;     // internal body links to another host of
                                  // the same domain
  double nofollow_share = 0.1;    // body links with rel containing nofollow
  double image_share = 0.1;       // body links wrapping an <img> (tag aimg)
  double redirect_share = 0.03;   // pages that moved: old URL answers 301
  double missing_share = 0.02;    // pages that answer 404
  double private_share = 0.05;    // pages under /private/ (robots Disallow)
  double meta_nofollow_share = 0.01;  // pages with <meta name=robots
                                      // content=nofollow>
  double no_robots_share = 0.1;   // hosts whose robots.txt is a 404
  double zipf_exponent = 1.0;     // in-link power law over hosts and pages
  int seed_hosts = 0;             // home pages of hosts 0..K-1 are the seeds;
                                  // 0 = every host
  bool sitemaps = false;  // robots.txt names /sitemap.xml listing the host's
                          // fetchable pages (the truth then follows them)
  uint16_t port = 0;      // port written in every URL; 0 = none (port 80)
  std::string tld = "test";  // domains are d<i>.<tld>
};

// One link of the ground truth: a link the crawler indexes. The fields mean
// what core::Link's fields mean; `source` is the URL of the page (or, for a
// redirect, of the old URL) it was found on. Redirect links have position 1,
// an empty anchor and no rel flags.
struct Backlink {
  std::string source;
  std::string target;
  std::string anchor;
  uint32_t position = 0;
  core::LinkTag tag = core::LinkTag::kA;
  uint8_t rel = core::kRelNone;
  bool internal = false;

  bool nofollow() const { return rel & core::kRelNofollow; }
  friend bool operator==(const Backlink&, const Backlink&) = default;
};

// A query scope, as docs/keys.md "Scopes" defines them: every link to
// a registrable domain (any of its hosts), to one host, or to one URL.
struct Scope {
  enum class Kind { kDomain, kHost, kUrl };
  Kind kind = Kind::kUrl;
  std::string value;  // "d3.test", "blog.d3.test", or a normalized URL
};

// Parses a target as the query tools do: text with a "/" (a path, with or
// without scheme) is a URL; a host that is its registrable domain or "www."
// plus it is the domain; any other host is that host. http and https URLs
// are the same scope (the synthetic web is all http).
// Errors: kInvalidArgument for an empty or unparseable target.
absl::StatusOr<Scope> ParseScope(std::string_view target);

// How the modelled crawler chooses links to follow.
struct TruthOptions {
  // Follow rel=nofollow links for discovery (most index crawlers do). The
  // generated graph reaches the same pages either way when every host is a
  // seed; see docs/testweb.md.
  bool follow_nofollow = true;
};

class Web;

// The crawl outcome the model predicts: which URLs get fetched and which
// links get indexed. Borrows the Web, which must outlive it.
class Truth {
 public:
  // URLs fetched with a 200 HTML answer (their links are indexed), sorted.
  std::vector<std::string> FetchedPages() const;
  // Old URLs fetched with a 301 answer (each gives one redirect link), sorted.
  std::vector<std::string> FetchedRedirects() const;
  // URLs linked from fetched pages that the crawler requests and gets a 404
  // for, sorted.
  std::vector<std::string> FetchedMissing() const;
  // True when `url` (normalized) is a fetched page or redirect.
  bool IsIndexedSource(std::string_view url) const;

  // Calls `fn` for every indexed link, sources in URL-id order, links of a
  // source in position order.
  void ForEachLink(const std::function<void(const Backlink&)>& fn) const;
  // Number of indexed links.
  uint64_t LinkCount() const;
  // Every indexed link whose target is in `scope`, sorted by (source,
  // position).
  std::vector<Backlink> Backlinks(const Scope& scope) const;
  // Size of Backlinks(scope), without building the rows.
  uint64_t CountBacklinks(const Scope& scope) const;
  // Number of indexed links per target URL, in one pass.
  std::unordered_map<std::string, uint64_t> CountsByTarget() const;

 private:
  friend class Web;
  explicit Truth(const Web* web) : web_(web) {}
  const Web* web_;
  // Per URL id (see web.cc): 1 when fetched.
  std::vector<uint8_t> fetched_;
};

// What the server sends for one request (see Web::Answer).
struct Response {
  int status = 200;           // 200, 301 or 404
  std::string content_type;   // "text/html; charset=utf-8", "text/plain", ...
  std::string location;       // absolute URL of a 301
  std::string body;           // reused buffer: Answer clears and refills it
};

class Web {
 public:
  // Builds the graph (page kinds, sections, the navigation tree: O(N x P)
  // bytes, no page is rendered). Errors: kInvalidArgument naming the field
  // for a spec out of range.
  static absl::StatusOr<std::unique_ptr<Web>> Create(const WebSpec& spec);

  const WebSpec& spec() const { return spec_; }

  // Hosts, numbered 0..HostCount()-1; host i belongs to domain i % domains.
  int HostCount() const { return spec_.hosts; }
  // "www.d3.test", "d3.test", "blog.d3.test", ...
  const std::string& HostName(int host) const { return hosts_[host].name; }
  std::vector<std::string> HostNames() const;
  // Registrable domain of a host: "d3.test".
  const std::string& DomainOf(int host) const;
  // "http://www.d3.test:PORT" (no port when spec.port is 0).
  const std::string& Origin(int host) const { return hosts_[host].origin; }
  // The host number for a host name (case-insensitive, no port), or -1.
  int FindHost(std::string_view name) const;

  // The seed URLs: home pages of the first seed_hosts hosts (or all).
  std::vector<std::string> SeedUrls() const;
  // Every URL that answers 200 with HTML (all hosts), in URL-id order.
  std::vector<std::string> PageUrls() const;
  // Every URL the graph links to or serves: pages, old URLs of moved pages,
  // missing pages (robots.txt and sitemaps excluded), in URL-id order.
  std::vector<std::string> AllUrls() const;

  // Answers GET `target` (origin-form path and query, e.g. "/news/page-5.html")
  // on virtual host `host` (no port). Never fails: an unknown host or path is
  // a 404. `out->body` is cleared first and its capacity reused.
  void Answer(std::string_view host, std::string_view target,
              Response* out) const;

  // The links of the page at `url` exactly as crawler::ExtractPage reports
  // them (document order, positions from 1), whether or not the crawler
  // reaches it. Errors: kNotFound when `url` is not a 200 HTML page of the web.
  absl::StatusOr<std::vector<core::Link>> PageLinks(std::string_view url) const;
  // The HTML of the page at `url`. Errors: kNotFound as PageLinks.
  absl::StatusOr<std::string> PageHtml(std::string_view url) const;
  // The <title> text (entities decoded). Errors: kNotFound as PageLinks.
  absl::StatusOr<std::string> PageTitle(std::string_view url) const;
  // The absolute URL a moved page's old URL redirects to.
  // Errors: kNotFound when `url` is not an old URL.
  absl::StatusOr<std::string> RedirectTarget(std::string_view url) const;
  // True when `url` is linked by the web but answers 404.
  bool IsMissing(std::string_view url) const;
  // True when robots.txt of the URL's host disallows it.
  bool IsDisallowed(std::string_view url) const;
  // robots.txt of a host, or nullopt when the host answers 404 for it.
  std::optional<std::string> RobotsTxt(int host) const;

  // The truth for the default TruthOptions, computed on first use (a BFS
  // over the graph: O(pages x links), no HTML is rendered).
  const Truth& ReachableTruth() const;
  // The truth for other options.
  Truth ComputeTruth(const TruthOptions& options) const;

  // Internal representation, public for the implementation's helpers.
  struct HostInfo {
    std::string name;
    std::string origin;
    int domain = 0;
    bool has_robots = true;
  };
  struct Plan;

 private:
  friend class Truth;
  explicit Web(const WebSpec& spec) : spec_(spec) {}

  // URL ids: host * 2P + local; local j < P is page j at its current path,
  // P + j is the old URL of page j (when it moved).
  int64_t UrlIdOf(std::string_view url) const;  // -1 when not in the web
  std::string UrlOfId(int64_t id) const;
  void AppendPath(int host, int page, bool old, std::string* out) const;
  void AppendUrl(int host, int page, bool old, std::string* out) const;
  uint8_t Kind(int host, int page) const {
    return kinds_[static_cast<size_t>(host) * spec_.pages_per_host + page];
  }
  void MakePlan(int host, int page, Plan* plan) const;
  void LinksOf(int host, int page, const Plan& plan,
               std::vector<core::Link>* out) const;
  void Render(int host, int page, const Plan& plan, std::string* out) const;
  void AppendTitle(int host, int page, std::string* out) const;
  void Bfs(const TruthOptions& options, Truth* truth) const;

  WebSpec spec_;
  std::vector<HostInfo> hosts_;
  std::vector<std::string> domains_;
  std::vector<std::vector<int>> hosts_of_domain_;
  std::unordered_map<std::string, int> host_index_;
  std::vector<uint8_t> kinds_;     // per (host, page): PageKind
  std::vector<uint8_t> sections_;  // per (host, page): section index
  // Navigation tree per host: tree_[host] lists pages in tree order; the
  // children of entry t are entries 8t+1..8t+8; extra_[host][t] lists the
  // leaf-only pages attached to entry t.
  std::vector<std::vector<int>> tree_;
  std::vector<std::vector<int>> tree_pos_;  // page -> tree entry or -1
  std::vector<std::vector<std::vector<int>>> extra_;
  std::vector<double> host_cdf_;  // Zipf over hosts
  std::vector<double> page_cdf_;  // Zipf over pages of a host
  std::vector<std::string> sentences_;  // filler text pool

  mutable std::once_flag truth_once_;
  mutable std::unique_ptr<Truth> truth_;
};

}  // namespace inlinks::testweb
