// File: query/src/server/history_endpoints.cc
//
// Owns: GET /v1/new, /v1/lost and /v1/trend of the native dialect
// (history_endpoints.h): the `from`/`to` parameters and the answers' JSON.
//
// Thread safety: pure functions over a thread-safe QueryEngine.
#include "server/history_endpoints.h"

#include <string>

#include "absl/status/status.h"
#include "inlinks/query/history.h"
#include "server/common.h"

namespace inlinks::query::server {
namespace {

HistoryFailure Bad(std::string_view param, std::string message) {
  return HistoryFailure{400, "param_invalid", std::move(message), std::string(param)};
}

HistoryFailure Internal(absl::Status error) {
  return HistoryFailure{500, "internal", "internal error", "", std::move(error)};
}

// {"target":..,"scope":{..},"from":"..","to":".."
void AppendHead(std::string_view target, const Scope& scope, const DayRange& range,
                std::string& body) {
  body = "{\"target\":";
  AppendJsonString(target, body);
  body += ",\"scope\":";
  AppendJsonScope(scope, body);
  body += ",\"from\":\"";
  body += FormatDay(range.first);
  body += "\",\"to\":\"";
  body += FormatDay(range.last);
  body += "\"";
}

}  // namespace

std::optional<HistoryFailure> AppendHistoryAnswer(const QueryEngine& engine,
                                                  HistoryEndpoint endpoint, const Params& params,
                                                  std::string_view target, const Scope& scope,
                                                  uint64_t offset, uint64_t limit, uint32_t today,
                                                  std::string& body, int64_t& rows) {
  std::optional<uint32_t> days[2];
  const char* names[2] = {"from", "to"};
  for (int i = 0; i < 2; ++i) {
    if (auto text = params.Get(names[i])) {
      absl::StatusOr<uint32_t> day = ParseDay(*text);
      if (!day.ok()) return Bad(names[i], std::string(day.status().message()));
      days[i] = *day;
    }
  }
  absl::StatusOr<DayRange> range = MakeDayRange(days[0], days[1], today);
  if (!range.ok()) return Bad(days[0] ? "from" : "to", std::string(range.status().message()));

  if (endpoint == HistoryEndpoint::kTrend) {
    absl::StatusOr<LinkTrend> trend = engine.Trend(scope, *range);
    if (!trend.ok()) {
      if (absl::IsInvalidArgument(trend.status())) {
        return Bad("scope", std::string(trend.status().message()));
      }
      if (absl::IsFailedPrecondition(trend.status())) {
        return HistoryFailure{409, "history_unavailable", std::string(trend.status().message()),
                              ""};
      }
      return Internal(trend.status());
    }
    AppendHead(target, scope, *range, body);
    body += ",\"history_since\":";
    if (trend->coverage.complete) {
      body += "null";
    } else {
      body += "\"" + FormatDay(trend->coverage.exact_from) + "\"";
    }
    body += ",\"days\":[";
    for (size_t i = 0; i < trend->days.size(); ++i) {
      const TrendDay& d = trend->days[i];
      if (i) body.push_back(',');
      body += "{\"date\":\"";
      body += FormatDay(d.day);
      body += "\",\"live\":";
      AppendInt(d.live, body);
      body += ",\"referring_domains\":";
      AppendInt(d.referring_domains, body);
      body += ",\"new\":";
      AppendInt(d.new_links, body);
      body += ",\"lost\":";
      AppendInt(d.lost_links, body);
      body += ",\"revived\":";
      AppendInt(d.revived_links, body);
      body += "}";
    }
    body += "]";
    rows = static_cast<int64_t>(trend->days.size());
    return std::nullopt;
  }

  auto query = [&](uint64_t o, uint64_t l) {
    return endpoint == HistoryEndpoint::kNew ? engine.NewLinks(scope, *range, o, l)
                                             : engine.LostLinks(scope, *range, o, l);
  };
  absl::StatusOr<HistoryPage> page = query(offset, limit);
  uint64_t total = 0;
  if (!page.ok()) {
    if (!absl::IsOutOfRange(page.status())) return Internal(page.status());
    // Past the end: an empty page with the total, as /v1/backlinks answers.
    absl::StatusOr<HistoryPage> zero = query(0, 0);
    if (!zero.ok()) return Internal(zero.status());
    total = zero->total;
  } else {
    total = page->total;
  }
  AppendHead(target, scope, *range, body);
  body += ",\"total\":";
  AppendUint(total, body);
  body += ",\"offset\":";
  AppendUint(offset, body);
  body += ",\"limit\":";
  AppendUint(limit, body);
  rows = page.ok() ? static_cast<int64_t>(page->rows.size()) : 0;
  body += ",\"count\":";
  AppendInt(rows, body);
  body += ",\"rows\":[";
  if (page.ok()) {
    for (size_t i = 0; i < page->rows.size(); ++i) {
      if (i) body.push_back(',');
      AppendBacklinkJson(page->rows[i], body);
    }
  }
  body += "]";
  return std::nullopt;
}

}  // namespace inlinks::query::server
