// RowBuilder (private to query): turns reverse records into BacklinkRows,
// joined with their source page's record read from one snapshot (and its
// location, with a GeoDb). Backlink pages and the history listings share it.
// PageCache: the page records one engine's requests read, kept for the next
// requests that read the same snapshot state.
#ifndef INLINKS_QUERY_SRC_ROWS_H_
#define INLINKS_QUERY_SRC_ROWS_H_

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "inlinks/query/backlinks.h"
#include "inlinks/query/geo.h"
#include "inlinks/storage/db.h"
#include "inlinks/storage/records.h"

namespace inlinks::query {

// Decoded page records shared by the requests of one QueryEngine. Every
// entry was read at one version of the pages family
// (storage::Snapshot::version), and a request uses them only when its own
// snapshot has that same version (no page record was written in between),
// so a cached record is exactly what the request's snapshot holds. The
// first insert at a newer version drops the older entries: while pages are
// being indexed the cache keeps missing and refilling, while a served
// database that is not being crawled reads each page record once. Version
// 0 (unknown) is never cached.
// Thread safety: thread-safe.
class PageCache {
 public:
  using Page = std::shared_ptr<const storage::PageValue>;  // nullptr: no record
  explicit PageCache(size_t capacity) : capacity_(capacity) {}

  // The cached records of `urls[i]` as of `version` (of the pages family)
  // into `out[i]` (out is resized); found[i] tells which were cached.
  void Lookup(uint64_t version, const std::vector<std::string_view>& urls,
              std::vector<Page>& out, std::vector<bool>& found) const;
  // Remembers `pages[i]` as the record of `urls[i]` at `version`.
  void Insert(uint64_t version, const std::vector<std::string_view>& urls,
              const std::vector<Page>& pages);

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  uint64_t version_ = 0;  // of every entry; guarded by mu_
  absl::flat_hash_map<std::string, Page> pages_;  // guarded by mu_
};

class RowBuilder {
 public:
  // `db` and `snapshot` (may be null: latest state) must outlive the
  // builder; `geo` may be null.
  // `cache` (may be null) is used only with a snapshot.
  RowBuilder(const storage::Db& db, const GeoDb* geo, const storage::Snapshot* snapshot,
             PageCache* cache = nullptr)
      : db_(db), geo_(geo), snapshot_(snapshot), cache_(snapshot != nullptr ? cache : nullptr) {}

  // A row from its reverse record alone (no source-page fields yet).
  static absl::StatusOr<BacklinkRow> MakeLinkRow(std::string_view key, std::string_view value,
                                                 bool lost);
  // The same when the caller already knows the key's source href (a
  // strength-order entry names it): the key is not parsed again.
  static absl::StatusOr<BacklinkRow> MakeLinkRow(std::string key, std::string_view source_href,
                                                 std::string_view value, bool lost);

  // Adds the source-page fields to rows[first..]; the page records not read
  // yet by this builder come from one MultiGet.
  absl::Status AddPages(std::vector<BacklinkRow>& rows, size_t first);

 private:
  // The source-page fields of `row` from `page` (nullptr: never crawled).
  void AddPage(const storage::PageValue* page, BacklinkRow& row) const;

  const storage::Db& db_;
  const GeoDb* geo_;
  const storage::Snapshot* snapshot_;
  PageCache* const cache_;
  // Page records read so far (a source page often links several times into
  // one scope); cleared past 4,096 entries to bound memory.
  std::unordered_map<std::string, PageCache::Page> pages_;
};

}  // namespace inlinks::query

#endif  // INLINKS_QUERY_SRC_ROWS_H_
