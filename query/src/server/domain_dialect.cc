// File: query/src/server/domain_dialect.cc
//
// Owns: the domain dialect (docs/api.md section 1; XOVI-compatible):
// links/getBacklinks, links/getLinktexts, links/getLinkedPages,
// user/getCreditstate in path, query, hybrid and PHP forms; the envelope in
// JSON and XML; the error codes with their messages byte for byte.
//
// Check order (the first failure answers; docs/api.md "Check order"): HTTP
// method (405), service and method present (80), key (missing 80, unknown
// 2), service and method known (81), key allows the function (2), format
// (81), domain (missing 80), limit/rows (81, above the maximum 5),
// skip/offset (81), domain (invalid 81), query, no rows (3), charge (4).
// An unknown key answers 2 whatever the other parameters hold.
//
// Thread safety: see router.h.
#include <limits>
#include <optional>
#include <string>

#include "server/common.h"
#include "server/router.h"

namespace inlinks::query::server {
namespace {

enum class DomainFn { kBacklinks, kLinktexts, kLinkedPages, kCreditstate };

struct Envelope {
  bool xml = false;
  int code = 0;
  std::string_view message = "0k.";
  std::string_view paramname;  // for 80 / 81
  uint64_t result_count = 0;
  // The apiResult content already rendered in the chosen format (JSON: the
  // value, e.g. "[...]"; XML: the children of <apiResult>).
  std::string result;
};

HttpResponse Render(const Envelope& e) {
  HttpResponse r;
  r.dialect = Dialect::kDomain;
  r.status = 200;
  std::string& b = r.body;
  if (e.xml) {
    r.content_type = "application/xml; charset=utf-8";
    b += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<result><apiMeta><resultCount>";
    AppendUint(e.result_count, b);
    b += "</resultCount></apiMeta><apiErrorCode>";
    AppendInt(e.code, b);
    b += "</apiErrorCode><apiErrorMessage>";
    b.append(e.message);
    b += "</apiErrorMessage>";
    if (!e.paramname.empty()) AppendXmlElement("paramname", e.paramname, b);
    if (e.result.empty()) {
      b += "<apiResult/>";
    } else {
      b += "<apiResult>";
      b += e.result;
      b += "</apiResult>";
    }
    b += "</result>\n";
  } else {
    b += "{\"apiMeta\":{\"resultCount\":";
    AppendUint(e.result_count, b);
    b += "},\"resultCount\":";
    AppendUint(e.result_count, b);
    b += ",\"apiErrorCode\":";
    AppendInt(e.code, b);
    b += ",\"apiErrorMessage\":\"";
    b.append(e.message);
    b += "\"";
    if (!e.paramname.empty()) {
      b += ",\"paramname\":";
      AppendJsonString(e.paramname, b);
    }
    b += ",\"apiResult\":";
    b += e.result.empty() ? "[]" : e.result;
    b += "}";
  }
  return r;
}

HttpResponse Error(bool xml, int code, std::string_view message,
                   std::string_view paramname = {}) {
  Envelope e;
  e.xml = xml;
  e.code = code;
  e.message = message;
  e.paramname = paramname;
  HttpResponse r = Render(e);
  r.api_error = code;
  return r;
}

// The document's messages, byte for byte.
constexpr std::string_view kOk = "0k.";
constexpr std::string_view kInternalError = "internal error";
constexpr std::string_view kNoPermission = "no permission";
constexpr std::string_view kResultEmpty = "result empty";
constexpr std::string_view kCostError = "cost error";
constexpr std::string_view kMaxLimit = "maximum limit exeeded";
constexpr std::string_view kParamMissing = "param missing";
constexpr std::string_view kParamInvalid = "param invalid";

// The function a service and method name (case-insensitive), if any.
std::optional<DomainFn> FunctionOf(std::string_view service, std::string_view method) {
  if (EqualsIgnoreCase(service, "links")) {
    if (EqualsIgnoreCase(method, "getBacklinks")) return DomainFn::kBacklinks;
    if (EqualsIgnoreCase(method, "getLinktexts")) return DomainFn::kLinktexts;
    if (EqualsIgnoreCase(method, "getLinkedPages")) return DomainFn::kLinkedPages;
  } else if (EqualsIgnoreCase(service, "user") && EqualsIgnoreCase(method, "getCreditstate")) {
    return DomainFn::kCreditstate;
  }
  return std::nullopt;
}

// The key-store function name of `fn` (what a key's functions allow).
std::string_view FunctionName(DomainFn fn) {
  switch (fn) {
    case DomainFn::kBacklinks: return kFnBacklinks;
    case DomainFn::kLinktexts: return kFnLinktexts;
    case DomainFn::kLinkedPages: return kFnLinkedPages;
    case DomainFn::kCreditstate: return kFnCreditState;
  }
  return {};
}

HttpResponse Internal(bool xml, absl::Status error) {
  HttpResponse r = Error(xml, 1, kInternalError);
  r.error = std::move(error);
  return r;
}
HttpResponse Missing(bool xml, std::string_view p) { return Error(xml, 80, kParamMissing, p); }
HttpResponse Invalid(bool xml, std::string_view p) { return Error(xml, 81, kParamInvalid, p); }

const JsonEscapeOptions kVendorJson{.ascii_only = true};

}  // namespace

HttpResponse Router::HandleDomain(const HttpRequest& request, Target target) const {
  // Parameters, lowest precedence first (last value wins): path positions,
  // the PHP form's embedded query, the real query, a POSTed form body.
  Params embedded;
  std::string path = SplitEmbeddedQuery(target.raw_path, embedded);
  Target positional = ParseTarget(path);
  std::vector<std::string>& segs = positional.segments;
  size_t first = 0;
  if (first < segs.size() && EqualsIgnoreCase(segs[first], "index.php")) ++first;
  if (first < segs.size() && EqualsIgnoreCase(segs[first], "api")) ++first;
  Params p;
  static constexpr std::string_view kLinkPositions[] = {"service", "method", "key",  "domain",
                                                        "format",  "limit",  "skip"};
  static constexpr std::string_view kUserPositions[] = {"service", "method", "key", "format"};
  bool user_route = first < segs.size() && EqualsIgnoreCase(segs[first], "user");
  size_t max_positions = user_route ? std::size(kUserPositions) : std::size(kLinkPositions);
  for (size_t i = first, n = 0; i < segs.size() && n < max_positions; ++i, ++n) {
    p.Add(std::string(user_route ? kUserPositions[n] : kLinkPositions[n]), segs[i]);
  }
  for (const auto& [k, v] : embedded.all()) p.Add(k, v);
  for (const auto& [k, v] : target.params.all()) p.Add(k, v);
  if (request.method == "POST" &&
      request.content_type.find("application/x-www-form-urlencoded") != std::string_view::npos) {
    p.AddQueryString(request.body);
  }

  // Errors are written in XML when format=xml, else in JSON (an invalid
  // format is reported after the key: an unknown key always answers 2).
  auto format = p.Get("format");
  const bool xml = format && EqualsIgnoreCase(*format, "xml");
  if (request.method != "GET" && request.method != "POST") {
    HttpResponse r = Invalid(xml, "method");
    r.status = 405;
    r.headers.emplace_back("Allow", "GET, POST");
    return r;
  }

  auto service = p.Get("service");
  auto method = p.Get("method");
  if (!service) return Missing(xml, "service");
  if (!method) return Missing(xml, "method");
  auto key_string = p.Get("key");
  if (!key_string) return Missing(xml, "key");
  auto key = keys_.AuthenticateKeyString(*key_string);
  if (!key.ok()) {
    if (absl::IsUnauthenticated(key.status())) return Error(xml, 2, kNoPermission);
    return Internal(xml, key.status());
  }
  std::optional<DomainFn> fn = FunctionOf(*service, *method);
  if (!fn) {
    return Invalid(xml, EqualsIgnoreCase(*service, "links") || EqualsIgnoreCase(*service, "user")
                            ? "method"
                            : "service");
  }
  if (!key->Allows(FunctionName(*fn))) return Error(xml, 2, kNoPermission);
  if (format && !xml && !EqualsIgnoreCase(*format, "json")) return Invalid(false, "format");

  if (*fn == DomainFn::kCreditstate) {
    // Free. Figures: creditamount = balance + used (what the key was given),
    // creditsleft = balance, creditsused = used; no refills.
    Envelope e;
    e.xml = xml;
    e.result_count = 1;
    int64_t amount = 0;  // saturates: balances go up to INT64_MAX
    if (__builtin_add_overflow(key->credits, key->credits_used, &amount)) {
      amount = std::numeric_limits<int64_t>::max();
    }
    if (xml) {
      e.result += "<creditstate>";
      AppendXmlNumber("creditamount", amount, e.result);
      AppendXmlNumber("additionalCreditamount", 0, e.result);
      AppendXmlNumber("bookedCreditamount", 0, e.result);
      AppendXmlNumber("refillintervall", 0, e.result);
      AppendXmlElement("lastrefill", "", e.result);
      AppendXmlNumber("creditsleft", key->credits, e.result);
      AppendXmlNumber("creditsused", key->credits_used, e.result);
      AppendXmlNumber("pricePer100Rows", key->price_per_100_rows, e.result);
      e.result += "</creditstate>";
    } else {
      std::string& b = e.result;
      b += "{\"creditamount\":";
      AppendInt(amount, b);
      b += ",\"additionalCreditamount\":0,\"bookedCreditamount\":0,\"refillintervall\":0,"
           "\"lastrefill\":\"\",\"creditsleft\":";
      AppendInt(key->credits, b);
      b += ",\"creditsused\":";
      AppendInt(key->credits_used, b);
      b += ",\"pricePer100Rows\":";
      AppendInt(key->price_per_100_rows, b);
      b += "}";
    }
    return Render(e);
  }

  auto domain = p.Get("domain");
  if (!domain) domain = p.Get("urlpattern");
  if (!domain) return Missing(xml, "domain");

  uint64_t limit = 100;
  if (auto rows = p.Get("rows")) {
    auto v = ParseUint(*rows);
    if (!v) return Invalid(xml, "rows");
    if (*v > 100) return Error(xml, 5, kMaxLimit);
    limit = *v;
  } else if (auto l = p.Get("limit")) {
    auto v = ParseUint(*l);
    if (!v) return Invalid(xml, "limit");
    if (*v > 1000) return Error(xml, 5, kMaxLimit);
    limit = *v;
  }
  uint64_t offset = 0;
  if (auto o = p.Get("offset")) {
    auto v = ParseUint(*o);
    if (!v) return Invalid(xml, "offset");
    offset = *v;
  } else if (auto s = p.Get("skip")) {
    auto v = ParseUint(*s);
    if (!v) return Invalid(xml, "skip");
    // Overflow-checked page arithmetic: skip * limit must not wrap (and
    // must stay a signed 64-bit row number).
    if (__builtin_mul_overflow(*v, limit, &offset) ||
        offset > static_cast<uint64_t>(INT64_MAX)) {
      return Invalid(xml, "skip");
    }
  }

  auto scope = ResolveScope(*domain, ScopeKind::kAuto);
  if (!scope.ok()) return Invalid(xml, "domain");

  Envelope e;
  e.xml = xml;
  e.message = kOk;
  size_t rows_served = 0;
  if (*fn == DomainFn::kBacklinks) {
    auto page = engine_.Backlinks(*scope, BacklinkFilter{}, offset, limit);
    if (!page.ok()) {
      if (!absl::IsOutOfRange(page.status())) return Internal(xml, page.status());
      auto counts = engine_.CountBacklinks(*scope);
      if (!counts.ok()) return Internal(xml, counts.status());
      e.result_count = counts->live;
    } else {
      e.result_count = page->total;
      rows_served = page->rows.size();
      std::string& b = e.result;
      if (xml) {
        if (!page->rows.empty()) b += "<backlinks>";
      } else {
        b.push_back('[');
      }
      bool comma = false;
      for (const BacklinkRow& row : page->rows) {
        if (xml) {
          b += "<backlink>";
          AppendXmlElement("linkingUrl", row.source_url, b);
          AppendXmlElement("anchor", row.anchor, b);
          AppendXmlNumber("linksIntern", row.links_internal, b);
          AppendXmlNumber("linksExtern", row.links_external, b);
          AppendXmlElement("webtitle", row.source_title, b);
          AppendXmlElement("linkedUrl", row.target_url, b);
          AppendXmlNumber("linkpos", row.position, b);
          b += "</backlink>";
        } else {
          if (comma) b.push_back(',');
          comma = true;
          b += "{\"linkingUrl\":";
          AppendJsonString(row.source_url, b, kVendorJson);
          b += ",\"anchor\":";
          AppendJsonString(row.anchor, b, kVendorJson);
          b += ",\"linksIntern\":";
          AppendUint(row.links_internal, b);
          b += ",\"linksExtern\":";
          AppendUint(row.links_external, b);
          b += ",\"webtitle\":";
          AppendJsonString(row.source_title, b, kVendorJson);
          b += ",\"linkedUrl\":";
          AppendJsonString(row.target_url, b, kVendorJson);
          b += ",\"linkpos\":";
          AppendUint(row.position, b);
          b += "}";
        }
      }
      if (xml) {
        if (!page->rows.empty()) b += "</backlinks>";
      } else {
        b.push_back(']');
      }
    }
  } else if (*fn == DomainFn::kLinktexts) {
    auto page = engine_.AnchorTexts(*scope, offset, limit);
    if (!page.ok()) {
      if (!absl::IsOutOfRange(page.status())) return Internal(xml, page.status());
    } else {
      e.result_count = page->total;
      rows_served = page->anchors.size();
      std::string& b = e.result;
      if (xml) {
        if (!page->anchors.empty()) b += "<linktexts>";
      } else {
        b.push_back('[');
      }
      bool comma = false;
      for (const AnchorCount& a : page->anchors) {
        if (xml) {
          b += "<linktext>";
          AppendXmlElement("text", a.anchor, b);
          AppendXmlNumber("count", static_cast<int64_t>(a.links), b);
          AppendXmlNumber("nofollowCount", static_cast<int64_t>(a.nofollow_links), b);
          AppendXmlNumber("referringDomains", static_cast<int64_t>(a.referring_domains), b);
          b += "</linktext>";
        } else {
          if (comma) b.push_back(',');
          comma = true;
          b += "{\"text\":";
          AppendJsonString(a.anchor, b, kVendorJson);
          b += ",\"count\":";
          AppendUint(a.links, b);
          b += ",\"nofollowCount\":";
          AppendUint(a.nofollow_links, b);
          b += ",\"referringDomains\":";
          AppendUint(a.referring_domains, b);
          b += "}";
        }
      }
      if (xml) {
        if (!page->anchors.empty()) b += "</linktexts>";
      } else {
        b.push_back(']');
      }
    }
  } else {  // kLinkedPages
    auto page = engine_.LinkedPages(*scope, offset, limit);
    if (!page.ok()) {
      if (!absl::IsOutOfRange(page.status())) return Internal(xml, page.status());
    } else {
      e.result_count = page->total;
      rows_served = page->pages.size();
      std::string& b = e.result;
      if (xml) {
        if (!page->pages.empty()) b += "<linkedpages>";
      } else {
        b.push_back('[');
      }
      bool comma = false;
      for (const LinkedPage& lp : page->pages) {
        if (xml) {
          b += "<linkedpage>";
          AppendXmlElement("linkedUrl", lp.url, b);
          AppendXmlNumber("backlinks", static_cast<int64_t>(lp.live), b);
          AppendXmlNumber("referringDomains", static_cast<int64_t>(lp.referring_domains), b);
          b += "</linkedpage>";
        } else {
          if (comma) b.push_back(',');
          comma = true;
          b += "{\"linkedUrl\":";
          AppendJsonString(lp.url, b, kVendorJson);
          b += ",\"backlinks\":";
          AppendUint(lp.live, b);
          b += ",\"referringDomains\":";
          AppendUint(lp.referring_domains, b);
          b += "}";
        }
      }
      if (xml) {
        if (!page->pages.empty()) b += "</linkedpages>";
      } else {
        b.push_back(']');
      }
    }
  }

  if (rows_served == 0) {
    // Valid request, no rows: nothing to charge.
    Envelope empty;
    empty.xml = xml;
    empty.code = 3;
    empty.message = kResultEmpty;
    empty.result_count = e.result_count;
    return Render(empty);
  }
  auto charge = keys_.Charge(key->id, static_cast<int64_t>(rows_served));
  if (!charge.ok()) {
    if (absl::IsResourceExhausted(charge.status())) return Error(xml, 4, kCostError);
    if (absl::IsUnauthenticated(charge.status())) return Error(xml, 2, kNoPermission);
    return Internal(xml, charge.status());
  }
  metrics_.AddCredits(charge->charged);
  metrics_.AddRows(static_cast<int64_t>(rows_served));
  HttpResponse r = Render(e);
  r.credits_charged = charge->charged;
  return r;
}

}  // namespace inlinks::query::server
