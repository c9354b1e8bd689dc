// RowBuilder (rows.h).
#include "rows.h"

#include <algorithm>
#include <utility>

#include "inlinks/core/status_macros.h"
#include "inlinks/core/string_view.h"

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

void PageCache::Lookup(uint64_t version, const std::vector<std::string_view>& urls,
                       std::vector<Page>& out, std::vector<bool>& found) const {
  out.assign(urls.size(), nullptr);
  found.assign(urls.size(), false);
  if (version == 0) return;  // unknown (storage::Snapshot::version)
  std::lock_guard<std::mutex> lock(mu_);
  if (version != version_ || pages_.empty()) return;
  for (size_t i = 0; i < urls.size(); ++i) {
    auto it = pages_.find(core::Av(urls[i]));
    if (it == pages_.end()) continue;
    out[i] = it->second;
    found[i] = true;
  }
}

void PageCache::Insert(uint64_t version, const std::vector<std::string_view>& urls,
                       const std::vector<Page>& pages) {
  if (version == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (version < version_) return;  // an older view than the cached one
  if (version > version_ || pages_.size() + urls.size() > capacity_) {
    pages_.clear();
    version_ = version;
  }
  for (size_t i = 0; i < urls.size() && pages_.size() < capacity_; ++i) {
    pages_.insert_or_assign(std::string(urls[i]), pages[i]);
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
    std::vector<PageCache::Page> cached(missing.size());
    std::vector<bool> found(missing.size(), false);
    if (cache_ != nullptr) cache_->Lookup(snapshot_->version(Family::kPages), missing, cached, found);
    std::vector<std::string_view> to_read;
    for (size_t i = 0; i < missing.size(); ++i) {
      if (found[i]) {
        pages_.emplace(std::string(missing[i]), std::move(cached[i]));
      } else {
        to_read.push_back(missing[i]);
      }
    }
    if (!to_read.empty()) {
      ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> values,
                       db_.MultiGet(Family::kPages, to_read, snapshot_));
      std::vector<PageCache::Page> read(to_read.size());
      for (size_t i = 0; i < to_read.size(); ++i) {
        if (values[i]) {
          ASSIGN_OR_RETURN(storage::PageValue page, storage::DecodePageValue(*values[i]));
          read[i] = std::make_shared<const storage::PageValue>(std::move(page));
        }
        pages_.emplace(std::string(to_read[i]), read[i]);
      }
      if (cache_ != nullptr) cache_->Insert(snapshot_->version(Family::kPages), to_read, read);
    }
  }
  for (size_t i = first; i < rows.size(); ++i) {
    AddPage(pages_.at(rows[i].source_url).get(), rows[i]);
  }
  return absl::OkStatus();
}

}  // namespace inlinks::query
