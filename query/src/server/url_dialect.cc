// File: query/src/server/url_dialect.cc
//
// Owns: the URL dialect (docs/api.md section 2; Searchmetrics-compatible):
// POST /v3/token (client credentials -> bearer token) and the
// /v3/<Service>.json calls with their parameter rules, row fields in the
// documented order, and HTTP 400/401/403/404 errors.
//
// Check order: service (404), token (401), function allowed (403),
// parameters (400), query, charge (403 "Insufficient credits ...").
//
// Thread safety: see router.h.
#include <array>
#include <string>

#include "server/common.h"
#include "server/router.h"

namespace inlinks::query::server {
namespace {

enum class UrlService {
  kListBacklinks,
  kCountBacklinks,
  kCountReferringDomains,
  kValuePageStrength,
  kListLinktext,
  kListLinkedPages,
};

struct ServiceInfo {
  std::string_view name;
  UrlService service;
  std::string_view function;
};

constexpr std::array<ServiceInfo, 6> kServices = {{
    {"ResearchLinksGetListBacklinks", UrlService::kListBacklinks, kFnBacklinks},
    {"ResearchLinksGetCountBacklinks", UrlService::kCountBacklinks, kFnCounts},
    {"ResearchLinksGetCountReferringDomains", UrlService::kCountReferringDomains, kFnCounts},
    {"ResearchLinksGetValuePageStrength", UrlService::kValuePageStrength, kFnCounts},
    {"ResearchLinksGetListLinktext", UrlService::kListLinktext, kFnLinktexts},
    {"ResearchLinksGetListLinkedPages", UrlService::kListLinkedPages, kFnLinkedPages},
}};

constexpr std::array<uint64_t, 5> kAllowedLimits = {10, 25, 50, 100, 250};

// {"url":"..","limit":".."}: the request's parameters as given, secrets left
// out.
std::string RequestParamsJson(const Params& params) {
  std::string b = "{";
  bool comma = false;
  std::vector<std::string> seen;
  for (auto it = params.all().rbegin(); it != params.all().rend(); ++it) {
    const auto& [name, value] = *it;
    std::string lower = AsciiLower(name);
    if (lower == "access_token" || lower == "client_secret" || lower == "key") continue;
    bool dup = false;
    for (const std::string& s : seen) dup = dup || s == lower;
    if (dup) continue;
    seen.push_back(lower);
    if (comma) b.push_back(',');
    comma = true;
    AppendJsonString(name, b);
    b.push_back(':');
    AppendJsonString(value, b);
  }
  b += "}";
  return b;
}

HttpResponse UrlError(int status, int code, std::string_view message, std::string error_info,
                      const Params& params) {
  HttpResponse r;
  r.dialect = Dialect::kUrl;
  r.status = status;
  std::string& b = r.body;
  b += "{\"error\":";
  AppendInt(code, b);
  b += ",\"error_message\":";
  AppendJsonString(message, b);
  b += ",\"error_info\":";
  b += error_info.empty() ? "{}" : error_info;
  b += ",\"request_params\":";
  b += RequestParamsJson(params);
  b += "}";
  return r;
}

HttpResponse BadParam(std::string_view param, std::string_view message, const Params& params,
                      std::string_view extra_info = {}) {
  std::string info = "{\"parameter\":";
  AppendJsonString(param, info);
  info.append(extra_info);
  info += "}";
  return UrlError(400, 2, message, std::move(info), params);
}

HttpResponse Unauthorized(const Params& params) {
  HttpResponse r = UrlError(401, 1, "Invalid or missing access token", "", params);
  r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

HttpResponse InternalError(const Params& params, absl::Status error) {
  HttpResponse r = UrlError(500, 1, "Internal error", "", params);
  r.error = std::move(error);
  return r;
}

HttpResponse NoCredits(const Params& params) {
  return UrlError(403, 3, "Insufficient credits to make this service request", "", params);
}

HttpResponse TokenError(int status, std::string_view error, std::string_view description) {
  HttpResponse r;
  r.dialect = Dialect::kUrl;
  r.status = status;
  r.body = "{\"error\":";
  AppendJsonString(error, r.body);
  r.body += ",\"error_description\":";
  AppendJsonString(description, r.body);
  r.body += "}";
  r.headers.emplace_back("Cache-Control", "no-store");
  if (status == 401) r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"inlinks\"");
  return r;
}

// `sr` as the vendor prints it: one decimal, whole values without ".0".
void AppendSr(double sr, std::string& b) { b += FormatOneDecimal(sr); }

}  // namespace

HttpResponse Router::HandleToken(const HttpRequest& request, const Target& target) const {
  if (request.method != "POST") {
    HttpResponse r = TokenError(405, "invalid_request", "use POST");
    r.headers.emplace_back("Allow", "POST");
    return r;
  }
  Params p = target.params;
  p.AddQueryString(request.body);  // application/x-www-form-urlencoded
  if (auto grant = p.Get("grant_type"); grant && *grant != "client_credentials") {
    return TokenError(400, "unsupported_grant_type", "grant_type must be client_credentials");
  }
  std::string id, secret;
  if (auto basic = ParseBasicAuth(request.authorization)) {
    id = basic->first;
    secret = basic->second;
  } else {
    auto cid = p.Get("client_id");
    auto csecret = p.Get("client_secret");
    if (!cid || !csecret) {
      return TokenError(401, "invalid_client", "client credentials missing");
    }
    id = std::string(*cid);
    secret = std::string(*csecret);
  }
  auto key = keys_.Authenticate(id, secret);
  if (!key.ok()) {
    if (absl::IsUnauthenticated(key.status())) {
      return TokenError(401, "invalid_client", "client authentication failed");
    }
    HttpResponse r = TokenError(500, "server_error", "internal error");
    r.error = key.status();
    return r;
  }
  std::string token = keys_.IssueToken(key->id, options_.token_ttl);
  if (token.empty()) {
    HttpResponse r = TokenError(500, "server_error", "internal error");
    r.error = absl::InternalError("no random bytes for a token");
    return r;
  }
  HttpResponse r;
  r.dialect = Dialect::kUrl;
  r.body = "{\"access_token\":\"" + token + "\",\"expires_in\":";
  AppendInt(options_.token_ttl.count(), r.body);
  r.body += ",\"token_type\":\"Bearer\",\"scope\":null}";
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

HttpResponse Router::HandleUrlDialect(const HttpRequest& request, const Target& target) const {
  const Params& p = target.params;
  // /v3/<Service>.json, with a tolerated trailing '/'.
  const ServiceInfo* info = nullptr;
  if (target.segments.size() == 2) {
    std::string_view name = target.segments[1];
    constexpr std::string_view kJson = ".json";
    if (name.size() > kJson.size() &&
        EqualsIgnoreCase(name.substr(name.size() - kJson.size()), kJson)) {
      name.remove_suffix(kJson.size());
      for (const ServiceInfo& s : kServices) {
        if (EqualsIgnoreCase(s.name, name)) info = &s;
      }
    }
  }
  if (info == nullptr) {
    std::string service_info = "{\"service\":";
    AppendJsonString(target.segments.size() >= 2 ? target.segments[1] : "", service_info);
    service_info += "}";
    return UrlError(404, 4, "Unknown service", std::move(service_info), p);
  }
  if (request.method != "GET" && request.method != "POST") {
    HttpResponse r = UrlError(405, 5, "Method not allowed", "", p);
    r.headers.emplace_back("Allow", "GET");
    return r;
  }

  std::string token;
  if (auto t = p.Get("access_token")) {
    token = std::string(*t);
  } else if (auto bearer = ParseBearer(request.authorization)) {
    token = *bearer;
  }
  if (token.empty()) return Unauthorized(p);
  auto key = keys_.AuthenticateToken(token);
  if (!key.ok()) {
    if (absl::IsUnauthenticated(key.status())) return Unauthorized(p);
    return InternalError(p, key.status());
  }
  if (!key->Allows(info->function)) {
    return UrlError(403, 3, "Access to this service is not permitted for this key", "", p);
  }

  auto url = p.Get("url");
  if (!url) return BadParam("url", "Parameter 'url' is missing", p);
  bool listing = info->service == UrlService::kListBacklinks ||
                 info->service == UrlService::kListLinktext ||
                 info->service == UrlService::kListLinkedPages;
  uint64_t limit = 10, offset = 0;
  if (listing) {
    if (auto l = p.Get("limit")) {
      auto v = ParseUint(*l);
      bool allowed = false;
      for (uint64_t a : kAllowedLimits) allowed = allowed || (v && *v == a);
      if (!allowed) {
        return BadParam("limit", "Parameter 'limit' must be one of 10, 25, 50, 100, 250", p,
                        ",\"allowed_values\":[10,25,50,100,250]");
      }
      limit = *v;
    }
    if (auto o = p.Get("offset")) {
      auto v = ParseUint(*o);
      if (!v || *v % limit != 0) {
        return BadParam("offset",
                        "Parameter 'offset' must be a multiple of 'limit' from 0 to "
                        "999999999999999999",
                        p);
      }
      offset = *v;
    }
  }

  std::string rows_json;
  uint64_t count = 0;
  int64_t rows_served = 0;
  if (info->service == UrlService::kValuePageStrength) {
    // The page strength of one page (a URL, not a scope).
    auto rank = engine_.PageRank(*url);
    if (!rank.ok()) {
      if (absl::IsInvalidArgument(rank.status())) {
        return BadParam("url", "Parameter 'url' is not a valid URL", p);
      }
      return InternalError(p, rank.status());
    }
    rows_json = "[{\"url\":";
    AppendJsonString(*url, rows_json);
    rows_json += ",\"value\":";
    AppendSr(rank->has_value() ? SrFromRank(**rank) : 0.0, rows_json);
    rows_json += "}]";
    count = 1;
    rows_served = 1;
  } else {
    auto scope = ResolveScope(*url, ScopeKind::kAuto);
    if (!scope.ok()) return BadParam("url", "Parameter 'url' is not a valid domain or URL", p);
    switch (info->service) {
      case UrlService::kListBacklinks: {
        auto page = engine_.Backlinks(*scope, BacklinkFilter{}, offset, limit);
        std::vector<BacklinkRow> none;
        if (!page.ok()) {
          if (!absl::IsOutOfRange(page.status())) return InternalError(p, page.status());
          auto counts = engine_.CountBacklinks(*scope);
          if (!counts.ok()) return InternalError(p, counts.status());
          count = counts->live;
        } else {
          count = page->total;
        }
        const std::vector<BacklinkRow>& rows = page.ok() ? page->rows : none;
        rows_served = static_cast<int64_t>(rows.size());
        std::string& b = rows_json;
        b.push_back('[');
        for (size_t i = 0; i < rows.size(); ++i) {
          const BacklinkRow& row = rows[i];
          if (i) b.push_back(',');
          b += "{\"backlinkpage\":";
          AppendJsonString(row.source_url, b);
          b += ",\"title\":";
          AppendJsonString(row.source_title, b);
          b += ",\"linktext\":";
          AppendJsonString(row.anchor, b);
          b += ",\"extL\":";
          AppendUint(row.links_external, b);
          b += ",\"intL\":";
          AppendUint(row.links_internal, b);
          b += ",\"sumL\":";
          AppendUint(static_cast<uint64_t>(row.links_external) + row.links_internal, b);
          b += ",\"sr\":";
          AppendSr(row.sr, b);
          b += ",\"pos\":";
          AppendUint(row.position, b);
          b += ",\"linktarget\":";
          AppendJsonString(row.target_url, b);
          b += ",\"tag\":";
          AppendJsonString(core::LinkTagName(row.tag), b);
          b += ",\"nofollow\":";
          b += row.nofollow() ? "1" : "0";
          b += ",\"ip\":";
          AppendJsonString(row.ip, b);
          b += ",\"ccode\":";
          AppendJsonString(row.ccode, b);
          b += ",\"country\":";
          AppendJsonString(row.country, b);
          b += ",\"city\":";
          AppendJsonString(row.city, b);
          b += "}";
        }
        b.push_back(']');
        break;
      }
      case UrlService::kCountBacklinks:
      case UrlService::kCountReferringDomains: {
        auto counts = engine_.CountBacklinks(*scope);
        if (!counts.ok()) return InternalError(p, counts.status());
        rows_json = "[{\"count\":";
        AppendUint(info->service == UrlService::kCountBacklinks ? counts->live
                                                                 : counts->referring_domains,
                   rows_json);
        rows_json += "}]";
        count = 1;
        rows_served = 1;
        break;
      }
      case UrlService::kListLinktext: {
        auto page = engine_.AnchorTexts(*scope, offset, limit);
        std::string& b = rows_json;
        b.push_back('[');
        if (page.ok()) {
          count = page->total;
          rows_served = static_cast<int64_t>(page->anchors.size());
          for (size_t i = 0; i < page->anchors.size(); ++i) {
            if (i) b.push_back(',');
            b += "{\"linktext\":";
            AppendJsonString(page->anchors[i].anchor, b);
            b += ",\"count\":";
            AppendUint(page->anchors[i].links, b);
            b += ",\"nofollow\":";
            AppendUint(page->anchors[i].nofollow_links, b);
            b += ",\"refdomains\":";
            AppendUint(page->anchors[i].referring_domains, b);
            b += "}";
          }
        } else if (!absl::IsOutOfRange(page.status())) {
          return InternalError(p, page.status());
        }
        b.push_back(']');
        break;
      }
      case UrlService::kListLinkedPages: {
        auto page = engine_.LinkedPages(*scope, offset, limit);
        std::string& b = rows_json;
        b.push_back('[');
        if (page.ok()) {
          count = page->total;
          rows_served = static_cast<int64_t>(page->pages.size());
          for (size_t i = 0; i < page->pages.size(); ++i) {
            const LinkedPage& lp = page->pages[i];
            if (i) b.push_back(',');
            b += "{\"linktarget\":";
            AppendJsonString(lp.url, b);
            b += ",\"count\":";
            AppendUint(lp.live, b);
            b += ",\"refdomains\":";
            AppendUint(lp.referring_domains, b);
            b += "}";
          }
        } else if (!absl::IsOutOfRange(page.status())) {
          return InternalError(p, page.status());
        }
        b.push_back(']');
        break;
      }
      case UrlService::kValuePageStrength:
        break;
    }
  }

  auto charge = keys_.Charge(key->id, rows_served);
  if (!charge.ok()) {
    if (absl::IsResourceExhausted(charge.status())) return NoCredits(p);
    if (absl::IsUnauthenticated(charge.status())) return Unauthorized(p);
    return InternalError(p, charge.status());
  }
  metrics_.AddCredits(charge->charged);
  metrics_.AddRows(rows_served);
  HttpResponse r;
  r.dialect = Dialect::kUrl;
  r.credits_charged = charge->charged;
  r.body = "{\"response\":";
  r.body += rows_json;
  r.body += ",\"count\":";
  AppendUint(count, r.body);
  r.body += ",\"balance\":";
  AppendInt(charge->balance, r.body);
  r.body += "}";
  return r;
}

}  // namespace inlinks::query::server
