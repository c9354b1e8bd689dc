// File: query/src/server/router.cc
//
// Owns: dialect detection and the operational endpoints (/healthz,
// /metrics); the dialects live in domain_dialect.cc, url_dialect.cc and
// native_dialect.cc.
//
// Routing (docs/api.md):
//   /healthz, /metrics          operational, no key
//   /v3/...                     URL dialect (token endpoint and services)
//   /v1/...                     native dialect
//   anything else               domain dialect (path, query, hybrid and PHP
//                               forms; unknown paths get its error envelope)
//
// Thread safety: see router.h.
#include "server/router.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "inlinks/core/log.h"

#include "server/common.h"

namespace inlinks::query::server {
namespace {

constexpr char kB64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

bool IsPathPrefix(const Target& t, std::string_view first) {
  return !t.segments.empty() && EqualsIgnoreCase(t.segments[0], first);
}

}  // namespace

std::string Base64UrlEncode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8) |
                 static_cast<uint8_t>(in[i + 2]);
    out.push_back(kB64Alphabet[(v >> 18) & 63]);
    out.push_back(kB64Alphabet[(v >> 12) & 63]);
    out.push_back(kB64Alphabet[(v >> 6) & 63]);
    out.push_back(kB64Alphabet[v & 63]);
  }
  if (i + 1 == in.size()) {
    uint32_t v = static_cast<uint8_t>(in[i]) << 16;
    out.push_back(kB64Alphabet[(v >> 18) & 63]);
    out.push_back(kB64Alphabet[(v >> 12) & 63]);
  } else if (i + 2 == in.size()) {
    uint32_t v = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8);
    out.push_back(kB64Alphabet[(v >> 18) & 63]);
    out.push_back(kB64Alphabet[(v >> 12) & 63]);
    out.push_back(kB64Alphabet[(v >> 6) & 63]);
  }
  return out;
}

std::optional<std::string> Base64UrlDecode(std::string_view in) {
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '-') {
      v = 62;
    } else if (c == '_') {
      v = 63;
    } else {
      return std::nullopt;
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

Router::Router(const QueryEngine& engine, KeyStore& keys, Metrics& metrics,
               RouterOptions options)
    : engine_(engine), keys_(keys), metrics_(metrics), options_(options) {}

HttpResponse Router::Handle(const HttpRequest& request) const {
  HttpResponse r = Dispatch(request);
  if (!r.error.ok()) ReportError(request, r.error);
  return r;
}

void Router::ReportError(const HttpRequest& request, const absl::Status& error) const {
  metrics_.InternalError();
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  std::string message(error.ToString());
  {
    absl::MutexLock lock(&logged_mu_);
    auto [it, fresh] = logged_.try_emplace(message, now);
    if (!fresh && now - it->second < 60) return;
    it->second = now;
    if (logged_.size() > 1000) logged_.clear();
  }
  INLINKS_LOG(ERROR) << "internal error answering " << request.method << " "
                     << RedactTarget(request.target) << ": " << message
                     << " (the same error is logged again after a minute at the earliest; "
                        "inlinks_http_internal_errors_total counts each)";
}

HttpResponse Router::Dispatch(const HttpRequest& request) const {
  Target target = ParseTarget(request.target);
  if (target.segments.size() == 1 && !target.trailing_slash &&
      (request.method == "GET" || request.method == "HEAD")) {
    if (target.segments[0] == "healthz") {
      HttpResponse r;
      r.content_type = "text/plain; charset=utf-8";
      absl::Status health = options_.health ? options_.health() : absl::OkStatus();
      if (health.ok()) {
        r.body = "ok\n";
      } else {
        r.status = 503;
        r.body = absl::StrCat("database cannot write: ", health.message(), "\n");
      }
      return r;
    }
    if (target.segments[0] == "metrics") {
      HttpResponse r;
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      r.body = metrics_.Render();
      if (options_.extra_metrics) r.body += options_.extra_metrics();
      return r;
    }
  }
  if (IsPathPrefix(target, "v3")) {
    if (target.segments.size() == 2 && EqualsIgnoreCase(target.segments[1], "token")) {
      return HandleToken(request, target);
    }
    return HandleUrlDialect(request, target);
  }
  if (IsPathPrefix(target, "v1")) return HandleNative(request, target);
  return HandleDomain(request, std::move(target));
}

HttpResponse Router::ProtocolError(std::string_view raw_target, int status,
                                   std::string_view message) {
  HttpResponse r;
  r.status = status;
  Target t = ParseTarget(raw_target);
  std::string& b = r.body;
  if (IsPathPrefix(t, "v3")) {
    r.dialect = Dialect::kUrl;
    b += "{\"error\":";
    AppendInt(status, b);
    b += ",\"error_message\":";
    AppendJsonString(message, b);
    b += ",\"error_info\":{},\"request_params\":{}}";
  } else if (IsPathPrefix(t, "v1")) {
    r.dialect = Dialect::kNative;
    b += "{\"error\":{\"status\":";
    AppendInt(status, b);
    b += ",\"code\":\"bad_request\",\"message\":";
    AppendJsonString(message, b);
    b += "}}";
  } else if (!raw_target.empty()) {
    // The domain dialect has no HTTP-level errors; the envelope says
    // "param invalid" for the request itself.
    r.dialect = Dialect::kDomain;
    b += "{\"apiMeta\":{\"resultCount\":0},\"resultCount\":0,\"apiErrorCode\":81,"
         "\"apiErrorMessage\":\"param invalid\",\"paramname\":\"request\",\"apiResult\":[]}";
  } else {
    b += "{\"error\":";
    AppendInt(status, b);
    b += ",\"error_message\":";
    AppendJsonString(message, b);
    b += "}";
  }
  return r;
}

}  // namespace inlinks::query::server
