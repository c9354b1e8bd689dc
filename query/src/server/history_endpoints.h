// File: query/src/server/history_endpoints.h
//
// Owns: the native dialect's history endpoints (docs/api.md section 3):
// GET /v1/new and /v1/lost (links first seen / lost within a window of UTC
// days, exact total, offset/limit) and GET /v1/trend (daily live backlinks
// and referring domains). native_dialect.cc authenticates, parses the
// common parameters (target, scope, limit, offset), charges and closes the
// answer; this file parses `from`/`to`, runs the query (query/history.h)
// and writes the answer's fields.
//
// Thread safety: pure functions over a thread-safe QueryEngine.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "inlinks/query/backlinks.h"
#include "server/params.h"

namespace inlinks::query::server {

enum class HistoryEndpoint { kNew, kLost, kTrend };

// An error answer for native_dialect.cc to send (its NativeError format).
struct HistoryFailure {
  int status = 400;
  std::string code;
  std::string message;
  std::string param;
  absl::Status error;  // why a 500 was answered (for the log)
};

// Answers one history request: on success, `body` holds the answer as an
// object still open at its end ({"target":..,...,"rows":[..]  or "days":[..])
// and `rows` the number of rows (days for the trend) to charge for.
// `today` is the current UTC day (the default end of the window).
std::optional<HistoryFailure> AppendHistoryAnswer(const QueryEngine& engine,
                                                  HistoryEndpoint endpoint, const Params& params,
                                                  std::string_view target, const Scope& scope,
                                                  uint64_t offset, uint64_t limit, uint32_t today,
                                                  std::string& body, int64_t& rows);

}  // namespace inlinks::query::server
