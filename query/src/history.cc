// File: query/src/history.cc
//
// Owns: the history calls of QueryEngine (history.h): Trend from the daily
// counters, NewLinks / LostLinks from a time-filtered scan of the scope's
// records with totals from the daily counters, and the UTC day helpers.
// docs/keys.md "Daily history" gives the counters' bytes; docs/query.md the
// costs.
//
// Thread safety: as QueryEngine (const methods, per-call state only).
#include "inlinks/query/history.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "inlinks/core/coding.h"
#include "inlinks/core/keys.h"
#include "inlinks/core/status_macros.h"
#include "inlinks/storage/records.h"
#include "rows.h"

namespace inlinks::query {
namespace {

using storage::Family;

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

absl::Status CheckRange(const DayRange& r) {
  if (r.first > r.last) {
    return absl::InvalidArgumentError(absl::StrCat("the window starts (", FormatDay(r.first),
                                                   ") after it ends (", FormatDay(r.last), ")"));
  }
  if (r.days() > kMaxHistoryDays) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the window is ", r.days(), " days long; at most ", kMaxHistoryDays, " days are allowed"));
  }
  return absl::OkStatus();
}

// nullopt: the database keeps no daily history yet.
absl::StatusOr<std::optional<HistoryCoverage>> Coverage(const storage::Db& db,
                                                        const storage::Snapshot* snapshot) {
  ASSIGN_OR_RETURN(std::optional<int64_t> since, storage::GetHistorySince(db, snapshot));
  if (!since) return std::optional<HistoryCoverage>();
  HistoryCoverage c;
  c.complete = *since == 0;
  c.exact_from = c.complete ? 0 : storage::UnixDay(*since) + 1;
  return std::optional<HistoryCoverage>(c);
}

// The 'D' (or 'V') counters of a scope for the days [first, last], in day
// order: calls on_day(day, fields) with 4 fields for each day that has a
// counter. Point reads (batched), one per day up to the last day any counter has
// (storage::kHistoryLastDayMetaKey): an ordered iterator over kCounters would
// make its hash memtable copy itself into a sorted list first, O(memtable)
// per query.
template <typename OnDay>
absl::Status ForEachDay(const storage::Db& db, const storage::Snapshot* snapshot, char letter,
                        const Scope& scope, uint32_t first, uint32_t last, uint32_t last_day,
                        OnDay on_day) {
  const std::string prefix =
      storage::DayCounterPrefix(letter, scope.counter_kind, scope.counter_scope_key);
  const uint64_t end = uint64_t{std::min(last, last_day)} + 1;  // exclusive
  constexpr uint64_t kBatch = 256;                              // keys per MultiGet
  std::vector<std::string> keys;
  std::vector<std::string_view> views;
  for (uint64_t from = first; from < end; from += kBatch) {
    const uint64_t to = std::min(end, from + kBatch);
    keys.clear();
    views.clear();
    for (uint64_t day = from; day < to; ++day) {
      keys.push_back(prefix);
      core::PutFixed32BE(keys.back(), static_cast<uint32_t>(day));
    }
    for (const std::string& k : keys) views.push_back(k);
    ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> values,
                     db.MultiGet(Family::kCounters, views, snapshot));
    for (size_t i = 0; i < values.size(); ++i) {
      if (!values[i]) continue;
      std::optional<std::vector<int64_t>> fields = storage::DecodeCounters(*values[i]);
      if (!fields) return absl::DataLossError("malformed daily history counter");
      fields->resize(storage::kMaxCounterFields, 0);
      on_day(static_cast<uint32_t>(from + i), *fields);
    }
  }
  return absl::OkStatus();
}


enum class Window { kNew, kLost };

absl::StatusOr<HistoryPage> LinksInWindow(const storage::Db& db, const GeoDb* geo,
                                          const Scope& scope, const DayRange& range, Window window,
                                          uint64_t offset, uint64_t limit) {
  RETURN_IF_ERROR(CheckRange(range));
  std::unique_ptr<storage::Snapshot> snapshot = db.GetSnapshot();
  ASSIGN_OR_RETURN(std::optional<HistoryCoverage> coverage, Coverage(db, snapshot.get()));
  HistoryPage page;
  page.offset = offset;
  page.scanned =
      !coverage || !coverage->Covers(range) || !storage::KeepsDailyHistory(scope.counter_kind);
  if (!page.scanned) {
    // Exact totals from the daily counters: links first seen on day d number
    // D(d).new; links still lost with a lost time on day d number
    // D(d).lost - V(d).
    int64_t total = 0;
    ASSIGN_OR_RETURN(uint32_t last_day, storage::GetHistoryLastDay(db, snapshot.get()));
    RETURN_IF_ERROR(ForEachDay(db, snapshot.get(), 'D', scope, range.first, range.last, last_day,
                               [&](uint32_t, const std::vector<int64_t>& f) {
                                 total += window == Window::kNew ? f[storage::kDailyNewField]
                                                                 : f[storage::kDailyLostField];
                               }));
    if (window == Window::kLost) {
      RETURN_IF_ERROR(ForEachDay(db, snapshot.get(), 'V', scope, range.first, range.last, last_day,
                                 [&](uint32_t, const std::vector<int64_t>& f) { total -= f[0]; }));
    }
    page.total = total > 0 ? static_cast<uint64_t>(total) : 0;
    if (offset > 0 && offset >= page.total) {
      return absl::OutOfRangeError(
          absl::StrCat("offset ", offset, " is past the last row (total ", page.total, ")"));
    }
    if (limit == 0 || page.total == 0) return page;
  }

  // The rows: the scope's records in index order, those in the window
  // counted, those from `offset` on read in full.
  RowBuilder rows(db, geo, snapshot.get());
  uint64_t matched = 0;
  auto done = [&] { return !page.scanned && (page.rows.size() >= limit || matched >= page.total); };
  const Family families[2] = {Family::kLinks, Family::kLost};
  for (Family family : families) {
    if (window == Window::kLost && family == Family::kLinks) continue;
    if (done()) break;
    const bool lost = family == Family::kLost;
    auto it = db.NewIterator(family, scope.range, snapshot.get());
    for (it->SeekToFirst(); it->Valid() && !done(); it->Next()) {
      int64_t first_seen = 0, lost_time = 0;
      RETURN_IF_ERROR(storage::DecodeLinkTimes(it->value(), first_seen, lost_time));
      const uint32_t day = storage::UnixDay(window == Window::kNew ? first_seen : lost_time);
      if (day < range.first || day > range.last) continue;
      if (matched >= offset && page.rows.size() < limit) {
        ASSIGN_OR_RETURN(BacklinkRow row, RowBuilder::MakeLinkRow(it->key(), it->value(), lost));
        page.rows.push_back(std::move(row));
      }
      ++matched;
    }
    RETURN_IF_ERROR(it->status());
  }
  RETURN_IF_ERROR(rows.AddPages(page.rows, 0));
  if (page.scanned) {
    page.total = matched;
    if (offset > 0 && offset >= page.total) {
      return absl::OutOfRangeError(
          absl::StrCat("offset ", offset, " is past the last row (total ", page.total, ")"));
    }
  }
  return page;
}

}  // namespace

uint32_t DayOfUnixTime(int64_t t) { return storage::UnixDay(t); }

std::string FormatDay(uint32_t day) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(day, y, m, d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  return buf;
}

absl::StatusOr<uint32_t> ParseDay(std::string_view text) {
  auto bad = [&] {
    return absl::InvalidArgumentError(absl::StrCat("'", std::string(text.substr(0, 40)),
                                                   "' is not a date of the form YYYY-MM-DD"));
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return bad();
  auto number = [&](size_t pos, size_t len, unsigned& out) {
    out = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      out = out * 10 + static_cast<unsigned>(text[i] - '0');
    }
    return true;
  };
  unsigned y, m, d;
  if (!number(0, 4, y) || !number(5, 2, m) || !number(8, 2, d)) return bad();
  static constexpr unsigned kMonthDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (y < 1970 || m < 1 || m > 12 || d < 1 || d > kMonthDays[m - 1] + (m == 2 && leap ? 1 : 0)) {
    return bad();
  }
  return static_cast<uint32_t>(DaysFromCivil(y, m, d));
}

absl::StatusOr<DayRange> MakeDayRange(std::optional<uint32_t> first, std::optional<uint32_t> last,
                                      uint32_t today) {
  DayRange r;
  r.last = last.value_or(today);
  r.first = first.value_or(r.last >= 29 ? r.last - 29 : 0);
  RETURN_IF_ERROR(CheckRange(r));
  return r;
}

absl::StatusOr<LinkTrend> QueryEngine::Trend(const Scope& scope, const DayRange& range) const {
  RETURN_IF_ERROR(CheckRange(range));
  if (!storage::KeepsDailyHistory(scope.counter_kind)) {
    return absl::InvalidArgumentError(
        "the daily trend is kept for domain and host scopes, not for one URL (its new and lost "
        "links are listed for any scope)");
  }
  std::unique_ptr<storage::Snapshot> snapshot = db_.GetSnapshot();
  ASSIGN_OR_RETURN(std::optional<HistoryCoverage> coverage, Coverage(db_, snapshot.get()));
  if (!coverage) {
    return absl::FailedPreconditionError(
        "this database keeps no daily history yet: open it once with the indexer (inlinksd or "
        "inlinks import) of this version");
  }
  ASSIGN_OR_RETURN(
      storage::ScopeCounts now,
      storage::GetScopeCounts(db_, scope.counter_kind, scope.counter_scope_key, snapshot.get()));
  LinkTrend trend;
  trend.coverage = *coverage;
  trend.days.resize(range.days());
  for (uint64_t i = 0; i < trend.days.size(); ++i) {
    trend.days[i].day = static_cast<uint32_t>(range.first + i);
  }
  // Levels are anchored at the current counts: the level at the end of day
  // D is now - (changes after D). Changes on days after the range (today's,
  // when the range ends earlier; or fetch times in the future) are summed.
  std::vector<int64_t> rd_change(trend.days.size(), 0);
  int64_t live_after = 0, rd_after = 0;
  ASSIGN_OR_RETURN(uint32_t last_day, storage::GetHistoryLastDay(db_, snapshot.get()));
  RETURN_IF_ERROR(ForEachDay(
      db_, snapshot.get(), 'D', scope, range.first, std::max(range.last, last_day), last_day,
      [&](uint32_t day, const std::vector<int64_t>& f) {
        const int64_t live_change = f[storage::kDailyNewField] - f[storage::kDailyLostField] +
                                    f[storage::kDailyRevivedField];
        if (day > range.last) {
          live_after += live_change;
          rd_after += f[storage::kDailyReferringDomainsField];
          return;
        }
        TrendDay& t = trend.days[day - range.first];
        t.new_links = f[storage::kDailyNewField];
        t.lost_links = f[storage::kDailyLostField];
        t.revived_links = f[storage::kDailyRevivedField];
        rd_change[day - range.first] = f[storage::kDailyReferringDomainsField];
      }));
  int64_t live = now.live - live_after;
  int64_t rd = now.referring_domains - rd_after;
  for (size_t i = trend.days.size(); i-- > 0;) {
    TrendDay& t = trend.days[i];
    t.live = live;
    t.referring_domains = rd;
    live -= t.new_links - t.lost_links + t.revived_links;
    rd -= rd_change[i];
  }
  return trend;
}

absl::StatusOr<HistoryPage> QueryEngine::NewLinks(const Scope& scope, const DayRange& range,
                                                  uint64_t offset, uint64_t limit) const {
  return LinksInWindow(db_, geo_, scope, range, Window::kNew, offset, limit);
}

absl::StatusOr<HistoryPage> QueryEngine::LostLinks(const Scope& scope, const DayRange& range,
                                                   uint64_t offset, uint64_t limit) const {
  return LinksInWindow(db_, geo_, scope, range, Window::kLost, offset, limit);
}

}  // namespace inlinks::query
