// File: query/src/server/native_dialect.cc
//
// Owns: the native dialect (docs/api.md section 3): /v1/backlinks (every stored
// field, exact total, cursor, filters incl. one link per referring domain),
// /v1/counts, /v1/refdomains (with first seen), /v1/anchors (with
// referring-domain counts), /v1/linkedpages, /v1/pagestrength. JSON only.
// Errors are {"error":{"status":S,"code":"...","message":"...","param":".."}}
// with HTTP 400 (bad parameter), 401 (no or bad key), 402 (not enough credits),
// 403 (function not allowed), 404 (unknown endpoint), 405, 409 (no daily
// history in this database), 500. /v1/new, /v1/lost and /v1/trend are in
// history_endpoints.cc.
//
// Thread safety: see router.h.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "inlinks/core/string_view.h"
#include "server/common.h"
#include "server/history_endpoints.h"
#include "server/router.h"

namespace inlinks::query::server {
namespace {

HttpResponse NativeError(int status, std::string_view code, std::string_view message,
                         std::string_view param = {}) {
  HttpResponse r;
  r.dialect = Dialect::kNative;
  r.status = status;
  std::string& b = r.body;
  b += "{\"error\":{\"status\":";
  AppendInt(status, b);
  b += ",\"code\":";
  AppendJsonString(code, b);
  b += ",\"message\":";
  AppendJsonString(message, b);
  if (!param.empty()) {
    b += ",\"param\":";
    AppendJsonString(param, b);
  }
  b += "}}";
  if (status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

// 500 internal, with why (logged and counted by the router).
HttpResponse NativeInternal(absl::Status error) {
  HttpResponse r = NativeError(500, "internal", "internal error");
  r.error = std::move(error);
  return r;
}

HttpResponse BadParam(std::string_view param, std::string_view message) {
  return NativeError(400, "param_invalid", message, param);
}

std::optional<bool> ParseBool(std::string_view v) {
  if (v == "1" || EqualsIgnoreCase(v, "true") || EqualsIgnoreCase(v, "yes")) return true;
  if (v == "0" || EqualsIgnoreCase(v, "false") || EqualsIgnoreCase(v, "no")) return false;
  return std::nullopt;
}

// Applies one filter token: live|lost|all, follow|nofollow, tag:NAME,
// state:NAME, nofollow:BOOL. False when unknown.
bool ApplyFilterToken(std::string_view token, BacklinkFilter& filter) {
  if (auto state = ParseLinkState(token); state.ok()) {
    filter.state = *state;
    return true;
  }
  if (EqualsIgnoreCase(token, "nofollow")) {
    filter.nofollow = true;
    return true;
  }
  if (EqualsIgnoreCase(token, "follow") || EqualsIgnoreCase(token, "dofollow")) {
    filter.nofollow = false;
    return true;
  }
  if (EqualsIgnoreCase(token, "per_domain") || EqualsIgnoreCase(token, "one_per_domain")) {
    filter.one_per_domain = true;
    return true;
  }
  size_t colon = token.find(':');
  if (colon == std::string_view::npos) return false;
  std::string_view name = token.substr(0, colon);
  std::string_view value = token.substr(colon + 1);
  if (EqualsIgnoreCase(name, "tag")) {
    auto tag = core::LinkTagFromName(AsciiLower(value));
    if (!tag) return false;
    filter.tag = *tag;
    return true;
  }
  if (EqualsIgnoreCase(name, "state")) {
    auto state = ParseLinkState(value);
    if (!state.ok()) return false;
    filter.state = *state;
    return true;
  }
  if (EqualsIgnoreCase(name, "nofollow")) {
    auto b = ParseBool(value);
    if (!b) return false;
    filter.nofollow = *b;
    return true;
  }
  if (EqualsIgnoreCase(name, "per_domain")) {
    auto b = ParseBool(value);
    if (!b) return false;
    filter.one_per_domain = *b;
    return true;
  }
  return false;
}

// The head every aggregate answer shares, up to its open rows array:
// {"target":..,"scope":..,"total":..,"offset":..,"rows":[
void AppendAggregateHead(std::string_view target, const Scope& scope, uint64_t total,
                         uint64_t offset, std::string& body) {
  body = "{\"target\":";
  AppendJsonString(target, body);
  body += ",\"scope\":";
  AppendJsonScope(scope, body);
  body += ",\"total\":";
  AppendUint(total, body);
  body += ",\"offset\":";
  AppendUint(offset, body);
  body += ",\"rows\":[";
}

}  // namespace

// POST /v1/seeds: one URL or host per line of the body (and any `url`
// parameters); answers {"added":N,"received":M}. Free of charge.
HttpResponse Router::AddSeeds(const HttpRequest& request, const Target& target) const {
  if (!options_.add_seeds) {
    return NativeError(503, "not_crawling",
                       "this server does not crawl (run inlinksd crawl --serve)");
  }
  std::vector<std::string> seeds;
  for (absl::string_view line : absl::StrSplit(core::Av(request.body), '\n')) {
    std::string s(absl::StripAsciiWhitespace(line));
    if (!s.empty() && s[0] != '#') seeds.push_back(std::move(s));
  }
  for (const auto& [k, v] : target.params.all()) {
    if (k == "url" && !v.empty()) seeds.push_back(v);
  }
  if (seeds.empty()) return NativeError(400, "param_missing", "no seeds in the body", "url");
  absl::StatusOr<size_t> added = options_.add_seeds(seeds);
  if (!added.ok()) {
    if (absl::IsInvalidArgument(added.status())) {
      return BadParam("url", std::string(added.status().message()));
    }
    return NativeInternal(added.status());
  }
  HttpResponse r;
  r.dialect = Dialect::kNative;
  r.body = absl::StrCat("{\"added\":", *added, ",\"received\":", seeds.size(), "}");
  return r;
}

HttpResponse Router::HandleNative(const HttpRequest& request, const Target& target) const {
  const Params& p = target.params;
  enum class Endpoint {
    kBacklinks, kCounts, kRefDomains, kAnchors, kLinkedPages, kPageStrength, kSeeds,
    kNew, kLost, kTrend
  };
  Endpoint endpoint;
  std::string_view function;
  std::string_view name = target.segments.size() == 2 ? std::string_view(target.segments[1])
                                                       : std::string_view();
  if (name == "backlinks") {
    endpoint = Endpoint::kBacklinks;
    function = kFnBacklinks;
  } else if (name == "counts") {
    endpoint = Endpoint::kCounts;
    function = kFnCounts;
  } else if (name == "refdomains") {
    endpoint = Endpoint::kRefDomains;
    function = kFnCounts;
  } else if (name == "anchors") {
    endpoint = Endpoint::kAnchors;
    function = kFnLinktexts;
  } else if (name == "linkedpages") {
    endpoint = Endpoint::kLinkedPages;
    function = kFnLinkedPages;
  } else if (name == "pagestrength") {
    endpoint = Endpoint::kPageStrength;
    function = kFnCounts;
  } else if (name == "new" || name == "lost") {
    endpoint = name == "new" ? Endpoint::kNew : Endpoint::kLost;
    function = kFnBacklinks;
  } else if (name == "trend") {
    endpoint = Endpoint::kTrend;
    function = kFnCounts;
  } else if (name == "seeds") {
    endpoint = Endpoint::kSeeds;
    function = kFnSeeds;
  } else {
    return NativeError(404, "not_found", "unknown endpoint");
  }
  const std::string_view method = endpoint == Endpoint::kSeeds ? "POST" : "GET";
  if (request.method != method) {
    HttpResponse r = NativeError(405, "method_not_allowed", absl::StrCat("use ", core::Av(method)));
    r.headers.emplace_back("Allow", std::string(method));
    return r;
  }

  // Key: key=<id>.<secret>, or Authorization: Bearer <key string or token>.
  absl::StatusOr<ApiKey> key = absl::UnauthenticatedError("no key");
  if (auto k = p.Get("key")) {
    key = keys_.AuthenticateKeyString(*k);
  } else if (auto bearer = ParseBearer(request.authorization)) {
    key = keys_.AuthenticateToken(*bearer);
    if (absl::IsUnauthenticated(key.status())) key = keys_.AuthenticateKeyString(*bearer);
  }
  if (!key.ok()) {
    if (absl::IsUnauthenticated(key.status())) {
      return NativeError(401, "unauthenticated", "missing or invalid API key");
    }
    return NativeInternal(key.status());
  }
  if (!key->Allows(function)) {
    return NativeError(403, "permission_denied", "this key may not call this endpoint");
  }

  if (endpoint == Endpoint::kSeeds) return AddSeeds(request, target);

  std::string body;
  int64_t rows_served = 0;
  if (endpoint == Endpoint::kPageStrength) {
    auto url = p.Get("url");
    if (!url) url = p.Get("target");
    if (!url) return NativeError(400, "param_missing", "url is required", "url");
    auto rank = engine_.PageRank(*url);
    if (!rank.ok()) {
      if (absl::IsInvalidArgument(rank.status())) return BadParam("url", "not a valid URL");
      return NativeInternal(rank.status());
    }
    body = "{\"url\":";
    AppendJsonString(*url, body);
    body += ",\"crawled\":";
    body += rank->has_value() ? "true" : "false";
    body += ",\"rank\":";
    char buf[64];
    double raw = rank->has_value() ? **rank : 0.0;
    if (!std::isfinite(raw)) raw = 0;
    std::snprintf(buf, sizeof buf, "%.17g", raw);
    body += buf;
    body += ",\"sr\":";
    body += FormatOneDecimal(rank->has_value() ? SrFromRank(**rank) : 0.0);
    rows_served = 1;
  } else {
    auto target_text = p.Get("target");
    if (!target_text) target_text = p.Get("url");
    if (!target_text) target_text = p.Get("domain");
    if (!target_text) return NativeError(400, "param_missing", "target is required", "target");
    ScopeKind kind = ScopeKind::kAuto;
    if (auto s = p.Get("scope")) {
      auto parsed = ParseScopeKind(*s);
      if (!parsed.ok()) return BadParam("scope", "scope must be auto, domain, host or url");
      kind = *parsed;
    }
    uint64_t limit = 100;
    if (auto l = p.Get("limit")) {
      auto v = ParseUint(*l);
      if (!v || *v > 1000) return BadParam("limit", "limit must be 0..1000");
      limit = *v;
    }
    uint64_t offset = 0;
    if (auto o = p.Get("offset")) {
      auto v = ParseUint(*o);
      if (!v) return BadParam("offset", "offset must be an integer from 0 to 999999999999999999");
      offset = *v;
    }
    auto scope = ResolveScope(*target_text, kind);
    if (!scope.ok()) return BadParam("target", std::string(scope.status().message()));

    switch (endpoint) {
      case Endpoint::kBacklinks: {
        BacklinkFilter filter;
        if (auto s = p.Get("state")) {
          auto st = ParseLinkState(*s);
          if (!st.ok()) return BadParam("state", "state must be live, lost or all");
          filter.state = *st;
        }
        if (auto n = p.Get("nofollow")) {
          auto b = ParseBool(*n);
          if (!b) return BadParam("nofollow", "nofollow must be 0 or 1");
          filter.nofollow = *b;
        }
        if (auto t = p.Get("tag")) {
          auto tag = core::LinkTagFromName(AsciiLower(*t));
          if (!tag) return BadParam("tag", "unknown tag");
          filter.tag = *tag;
        }
        if (auto d = p.Get("per_domain")) {
          auto b = ParseBool(*d);
          if (!b) return BadParam("per_domain", "per_domain must be 0 or 1");
          filter.one_per_domain = *b;
        }
        if (auto f = p.Get("filter")) {
          std::string_view rest = *f;
          while (!rest.empty()) {
            size_t comma = rest.find(',');
            std::string_view token = rest.substr(0, comma);
            if (!token.empty() && !ApplyFilterToken(token, filter)) {
              return BadParam("filter", "unknown filter token '" + std::string(token) + "'");
            }
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
          }
        }
        if (auto s = p.Get("sort")) {
          absl::StatusOr<ResultOrder> order = ParseResultOrder(*s);
          if (!order.ok()) {
            return BadParam("sort", "sort is strength (strongest source first, the default) or "
                                    "key (the index order)");
          }
          filter.order = *order;
        }
        absl::StatusOr<BacklinkPage> page;
        if (auto c = p.Get("cursor")) {
          if (p.Has("offset")) return BadParam("cursor", "give offset or cursor, not both");
          auto raw = Base64UrlDecode(*c);
          if (!raw) return BadParam("cursor", "malformed cursor");
          page = engine_.BacklinksAfterCursor(*scope, filter, *raw, limit);
          if (!page.ok() && absl::IsInvalidArgument(page.status())) {
            return BadParam("cursor", "cursor does not belong to this query");
          }
        } else {
          page = engine_.Backlinks(*scope, filter, offset, limit);
        }
        uint64_t total = 0;
        const std::vector<BacklinkRow>* rows = nullptr;
        if (!page.ok()) {
          if (!absl::IsOutOfRange(page.status())) {
            return NativeInternal(page.status());
          }
          // Past the end: an empty page with the total.
          auto zero = engine_.Backlinks(*scope, filter, 0, 0);
          if (!zero.ok()) return NativeInternal(zero.status());
          total = zero->total;
        } else {
          total = page->total;
          rows = &page->rows;
          offset = page->offset;
        }
        rows_served = rows ? static_cast<int64_t>(rows->size()) : 0;
        body = "{\"target\":";
        AppendJsonString(*target_text, body);
        body += ",\"scope\":";
        AppendJsonScope(*scope, body);
        body += ",\"filter\":{\"state\":";
        AppendJsonString(LinkStateName(filter.state), body);
        body += ",\"nofollow\":";
        body += filter.nofollow ? (*filter.nofollow ? "true" : "false") : "null";
        body += ",\"tag\":";
        if (filter.tag) {
          AppendJsonString(core::LinkTagName(*filter.tag), body);
        } else {
          body += "null";
        }
        body += ",\"per_domain\":";
        body += filter.one_per_domain ? "true" : "false";
        body += "},\"total\":";
        AppendUint(total, body);
        body += ",\"offset\":";
        AppendUint(offset, body);
        body += ",\"limit\":";
        AppendUint(limit, body);
        body += ",\"count\":";
        AppendInt(rows_served, body);
        body += ",\"next_cursor\":";
        if (page.ok() && !page->next_cursor.empty()) {
          body += "\"" + Base64UrlEncode(page->next_cursor) + "\"";
        } else {
          body += "null";
        }
        body += ",\"rows\":[";
        if (rows) {
          for (size_t i = 0; i < rows->size(); ++i) {
            if (i) body.push_back(',');
            AppendBacklinkJson((*rows)[i], body);
          }
        }
        body += "]";
        break;
      }
      case Endpoint::kCounts: {
        auto counts = engine_.CountBacklinks(*scope);
        if (!counts.ok()) return NativeInternal(counts.status());
        body = "{\"target\":";
        AppendJsonString(*target_text, body);
        body += ",\"scope\":";
        AppendJsonScope(*scope, body);
        body += ",\"live\":";
        AppendUint(counts->live, body);
        body += ",\"lost\":";
        AppendUint(counts->lost, body);
        body += ",\"referring_domains\":";
        AppendUint(counts->referring_domains, body);
        rows_served = 1;
        break;
      }
      case Endpoint::kRefDomains: {
        // first_seen=0 skips the scan of the scope's links that finds the
        // first-seen times (the list itself comes from counters).
        bool with_first_seen = true;
        if (auto f = p.Get("first_seen")) {
          auto b = ParseBool(*f);
          if (!b) return BadParam("first_seen", "first_seen must be 0 or 1");
          with_first_seen = *b;
        }
        auto page = engine_.ReferringDomains(*scope, offset, limit, with_first_seen);
        if (!page.ok() && !absl::IsOutOfRange(page.status())) {
          return NativeInternal(page.status());
        }
        uint64_t total = page.ok() ? page->total : 0;
        if (!page.ok()) {  // past the end: the total alone (from counters)
          auto zero = engine_.ReferringDomains(*scope, 0, 0, false);
          if (!zero.ok()) return NativeInternal(zero.status());
          total = zero->total;
        }
        AppendAggregateHead(*target_text, *scope, total, offset, body);
        if (page.ok()) {
          rows_served = static_cast<int64_t>(page->domains.size());
          for (size_t i = 0; i < page->domains.size(); ++i) {
            if (i) body.push_back(',');
            body += "{\"domain\":";
            AppendJsonString(page->domains[i].domain, body);
            body += ",\"links\":";
            AppendUint(page->domains[i].links, body);
            body += ",\"first_seen\":";
            if (with_first_seen) {
              AppendInt(page->domains[i].first_seen, body);
            } else {
              body += "null";
            }
            body += "}";
          }
        }
        body += "]";
        break;
      }
      case Endpoint::kAnchors: {
        auto page = engine_.AnchorTexts(*scope, offset, limit);
        if (!page.ok() && !absl::IsOutOfRange(page.status())) {
          return NativeInternal(page.status());
        }
        AppendAggregateHead(*target_text, *scope, page.ok() ? page->total : 0, offset, body);
        if (page.ok()) {
          rows_served = static_cast<int64_t>(page->anchors.size());
          for (size_t i = 0; i < page->anchors.size(); ++i) {
            if (i) body.push_back(',');
            body += "{\"anchor\":";
            AppendJsonString(page->anchors[i].anchor, body);
            body += ",\"links\":";
            AppendUint(page->anchors[i].links, body);
            body += ",\"nofollow_links\":";
            AppendUint(page->anchors[i].nofollow_links, body);
            body += ",\"referring_domains\":";
            AppendUint(page->anchors[i].referring_domains, body);
            body += "}";
          }
        }
        body += "]";
        break;
      }
      case Endpoint::kLinkedPages: {
        auto page = engine_.LinkedPages(*scope, offset, limit);
        if (!page.ok() && !absl::IsOutOfRange(page.status())) {
          return NativeInternal(page.status());
        }
        AppendAggregateHead(*target_text, *scope, page.ok() ? page->total : 0, offset, body);
        if (page.ok()) {
          rows_served = static_cast<int64_t>(page->pages.size());
          for (size_t i = 0; i < page->pages.size(); ++i) {
            const LinkedPage& lp = page->pages[i];
            if (i) body.push_back(',');
            body += "{\"url\":";
            AppendJsonString(lp.url, body);
            body += ",\"target_href\":";
            AppendJsonString(lp.target_href, body);
            body += ",\"live\":";
            AppendUint(lp.live, body);
            body += ",\"lost\":";
            AppendUint(lp.lost, body);
            body += ",\"referring_domains\":";
            AppendUint(lp.referring_domains, body);
            body += "}";
          }
        }
        body += "]";
        break;
      }
      case Endpoint::kNew:
      case Endpoint::kLost:
      case Endpoint::kTrend: {
        const HistoryEndpoint which = endpoint == Endpoint::kNew    ? HistoryEndpoint::kNew
                                      : endpoint == Endpoint::kLost ? HistoryEndpoint::kLost
                                                                    : HistoryEndpoint::kTrend;
        auto failure = AppendHistoryAnswer(
            engine_, which, p, *target_text, *scope, offset, limit,
            static_cast<uint32_t>(std::max<int64_t>(std::time(nullptr), 0) / 86400), body,
            rows_served);
        if (failure) {
          HttpResponse r =
              NativeError(failure->status, failure->code, failure->message, failure->param);
          r.error = std::move(failure->error);
          return r;
        }
        break;
      }
      case Endpoint::kPageStrength:
      case Endpoint::kSeeds:  // answered above
        break;
    }
  }

  auto charge = keys_.Charge(key->id, rows_served);
  if (!charge.ok()) {
    if (absl::IsResourceExhausted(charge.status())) {
      return NativeError(402, "insufficient_credits",
                         "the key's credits do not cover this request");
    }
    if (absl::IsUnauthenticated(charge.status())) {
      return NativeError(401, "unauthenticated", "missing or invalid API key");
    }
    return NativeInternal(charge.status());
  }
  metrics_.AddCredits(charge->charged);
  metrics_.AddRows(rows_served);
  // Every body above is an object still open at its end: close it with the
  // charging figures.
  body += ",\"credits_charged\":";
  AppendInt(charge->charged, body);
  body += ",\"balance\":";
  AppendInt(charge->balance, body);
  body += "}";
  HttpResponse r;
  r.dialect = Dialect::kNative;
  r.credits_charged = charge->charged;
  r.body = std::move(body);
  return r;
}

}  // namespace inlinks::query::server
