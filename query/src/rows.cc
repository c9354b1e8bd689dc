// RowBuilder (rows.h).
#include "rows.h"

#include <algorithm>
#include <utility>

#include "inlinks/core/status_macros.h"

namespace inlinks::query {

using storage::Family;

absl::StatusOr<BacklinkRow> RowBuilder::MakeLinkRow(std::string_view key, std::string_view value,
                                                    bool lost) {
  ASSIGN_OR_RETURN(storage::ReverseKeyParts parts, storage::DecodeReverseKey(key));
  return MakeLinkRow(std::string(key), parts.source_href, value, lost);
}

absl::StatusOr<BacklinkRow> RowBuilder::MakeLinkRow(std::string key, std::string_view source_href,
                                                    std::string_view value, bool lost) {
  ASSIGN_OR_RETURN(storage::LinkValue v, storage::DecodeLinkValue(value));
  BacklinkRow row;
  row.source_url = std::string(source_href);
  row.target_url = std::move(v.target_href);
  row.anchor = std::move(v.anchor);
  row.position = v.position;
  row.tag = v.tag;
  row.rel = v.rel;
  row.lost = lost;
  row.first_seen = v.first_seen;
  row.lost_time = lost ? v.lost_time : 0;
  row.key = std::move(key);
  return row;
}

void RowBuilder::AddPage(const storage::PageValue* page, BacklinkRow& row) const {
  if (page == nullptr) return;
  row.source_title = page->title;
  row.links_internal = page->internal_links;
  row.links_external = page->external_links;
  row.links_total = page->total_links;
  row.last_seen = page->last_fetch;
  row.ip = page->ip;
  row.http_status = page->http_status;
  row.rank = page->rank;
  row.sr = SrFromRank(page->rank);
  if (geo_ != nullptr) {
    GeoInfo where = geo_->Lookup(row.ip);
    row.ccode = std::move(where.ccode);
    row.country = std::move(where.country);
    row.city = std::move(where.city);
  }
}

absl::Status RowBuilder::AddPages(std::vector<BacklinkRow>& rows, size_t first) {
  if (pages_.size() + (rows.size() - first) > 4096) pages_.clear();  // bound memory
  std::vector<std::string_view> missing;
  for (size_t i = first; i < rows.size(); ++i) {
    if (!pages_.contains(rows[i].source_url)) missing.push_back(rows[i].source_url);
  }
  std::sort(missing.begin(), missing.end());
  missing.erase(std::unique(missing.begin(), missing.end()), missing.end());
  if (!missing.empty()) {
    ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> values,
                     db_.MultiGet(Family::kPages, missing, snapshot_));
    for (size_t i = 0; i < missing.size(); ++i) {
      std::optional<storage::PageValue> page;
      if (values[i]) {
        ASSIGN_OR_RETURN(page, storage::DecodePageValue(*values[i]));
      }
      pages_.emplace(std::string(missing[i]), std::move(page));
    }
  }
  for (size_t i = first; i < rows.size(); ++i) {
    const std::optional<storage::PageValue>& page = pages_.at(rows[i].source_url);
    AddPage(page ? &*page : nullptr, rows[i]);
  }
  return absl::OkStatus();
}

}  // namespace inlinks::query
