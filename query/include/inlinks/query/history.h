// File: inlinks/query/history.h
//
// Owns: the history calls of QueryEngine (backlinks.h declares them, this
// header gives their types and contracts; query/src/history.cc implements
// them): the daily trend of a scope's live backlinks and referring domains,
// and the links of a scope that are new (first seen) or lost within a window
// of days, with exact totals and offset/limit paging. Also UTC date helpers
// ("YYYY-MM-DD" <-> day number) shared by the server and the CLI.
//
// Days: UTC calendar days, numbered from 1970-01-01 = day 0 (unix seconds /
// 86,400, rounded down). A DayRange names whole days with both ends
// included, so `{first, last}` is the time window [first 00:00:00 UTC,
// last + 1 00:00:00 UTC). Every event is dated by the fetch time of the
// page whose indexing found it (docs/keys.md "Daily history").
//
// Where the figures come from, and what each call costs:
//   - Trend: the scope's daily counters ('D', one per scope and day that
//     saw a change), anchored at the scope's current counts: one point read
//     per day from `first` to the later of `last` and the last day the
//     database has events for, no link scan (about a microsecond per day;
//     docs/query.md). Kept for domain and host scopes, not for URL scopes
//     (storage::KeepsDailyHistory: their counters would cost the indexer a
//     merge per link).
//   - NewLinks / LostLinks: the total is a sum of daily counters (one or
//     two point reads per day of the window); the rows come from a scan of
//     the scope's records in index order that skips records outside the
//     window (reading only their times) and stops at the page's last row:
//     O(records of the scope up to the last row returned), O(scope size) in
//     the worst case (a window with few links in a large scope). A URL
//     scope, or a window the database's daily history does not cover
//     (HistoryCoverage), counts its total by scanning the whole scope
//     instead: O(scope size) always.
//
// Consistency: every call reads one snapshot.
// Thread safety: as QueryEngine; the free functions are pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "inlinks/query/backlinks.h"

namespace inlinks::query {

// ---------------------------------------------------------------------------
// Days
// ---------------------------------------------------------------------------

// Both ends included; first <= last.
struct DayRange {
  uint32_t first = 0;
  uint32_t last = 0;
  uint64_t days() const { return uint64_t{last} - first + 1; }
};

// The longest window the history calls accept (about ten years).
inline constexpr uint32_t kMaxHistoryDays = 3660;

// The UTC day of unix time `t` (0 for times before 1970).
uint32_t DayOfUnixTime(int64_t t);
// "YYYY-MM-DD" of a day.
std::string FormatDay(uint32_t day);
// Parses exactly "YYYY-MM-DD" (a real calendar date, years 1970..9999).
// Errors: kInvalidArgument.
absl::StatusOr<uint32_t> ParseDay(std::string_view text);
// The window the API and the CLI use when one or both ends are not given:
// `last` defaults to `today`, `first` to last - 29 (30 days), and the range
// is checked. Errors: kInvalidArgument for first > last, or a window longer
// than kMaxHistoryDays days (the message names the limit).
absl::StatusOr<DayRange> MakeDayRange(std::optional<uint32_t> first, std::optional<uint32_t> last,
                                      uint32_t today);

// ---------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------

// Since when the database's daily counters record every event
// (storage::GetHistorySince): for a database indexed by a build that did not
// keep them, only the days after the upgrade are exact.
struct HistoryCoverage {
  bool complete = false;  // since the database was created
  // First day whose figures are exact (0 when complete).
  uint32_t exact_from = 0;
  bool Covers(const DayRange& r) const { return complete || r.first >= exact_from; }
};

// One day of a scope's trend. Levels are as of the end of the day (UTC).
struct TrendDay {
  uint32_t day = 0;
  int64_t live = 0;               // live backlinks
  int64_t referring_domains = 0;  // distinct registrable domains linking (live)
  int64_t new_links = 0;          // links first seen that day
  int64_t lost_links = 0;         // live links found missing that day
  int64_t revived_links = 0;      // lost links back on their page that day
  // live(day) - live(day - 1) == new_links - lost_links + revived_links.
};

struct LinkTrend {
  std::vector<TrendDay> days;  // one per day of the range, in order
  HistoryCoverage coverage;
};

// A window of new or lost links.
struct HistoryPage {
  // At most `limit` rows. NewLinks: live rows first, then rows now lost,
  // each part in index order (backlinks.h "Order"), exactly as Backlinks
  // with state kAll orders them. LostLinks: lost rows in index order.
  std::vector<BacklinkRow> rows;
  uint64_t total = 0;   // exact number of matching links (all pages)
  uint64_t offset = 0;  // index of rows[0] among them
  // True when `total` needed a scan of the whole scope (a URL scope, or a
  // window the history does not cover); false when it came from the daily
  // counters.
  bool scanned = false;
};

// The declarations of the QueryEngine methods are in backlinks.h:
//
//   absl::StatusOr<LinkTrend> Trend(const Scope&, const DayRange&) const;
//     The trend of `scope` over `range`: one TrendDay per day. Figures for
//     days before HistoryCoverage::exact_from are not exact (the levels
//     then show the scope as of that day). Errors: kInvalidArgument for an
//     empty or too long range (MakeDayRange's rules) or a URL scope;
//     kFailedPrecondition
//     when the database keeps no daily history (no history-keeping indexer
//     has opened it yet); kDataLoss for corrupt counters.
//
//   absl::StatusOr<HistoryPage> NewLinks(const Scope&, const DayRange&,
//                                        uint64_t offset, uint64_t limit) const;
//     Links of `scope` first seen within `range`, live or lost since: rows
//     [offset, offset + limit) and the exact total. limit 0 returns only the
//     total.
//
//   absl::StatusOr<HistoryPage> LostLinks(const Scope&, const DayRange&,
//                                         uint64_t offset, uint64_t limit) const;
//     Links of `scope` lost within `range` and still lost (a link lost and
//     then revived is live again, not listed), likewise.
//
//   Both: errors kInvalidArgument for a bad range; kOutOfRange when
//   offset > 0 and offset >= total; kDataLoss for corrupt records.

}  // namespace inlinks::query
