// RowBuilder (private to query): turns reverse records into BacklinkRows,
// joined with their source page's record read from one snapshot (and its
// location, with a GeoDb). Backlink pages and the history listings share it.
#ifndef INLINKS_QUERY_SRC_ROWS_H_
#define INLINKS_QUERY_SRC_ROWS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "inlinks/query/backlinks.h"
#include "inlinks/query/geo.h"
#include "inlinks/storage/db.h"
#include "inlinks/storage/records.h"

namespace inlinks::query {

class RowBuilder {
 public:
  // `db` and `snapshot` (may be null: latest state) must outlive the
  // builder; `geo` may be null.
  RowBuilder(const storage::Db& db, const GeoDb* geo, const storage::Snapshot* snapshot)
      : db_(db), geo_(geo), snapshot_(snapshot) {}

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
  // Page records read so far (a source page often links several times into
  // one scope); cleared past 4,096 entries to bound memory.
  std::unordered_map<std::string, std::optional<storage::PageValue>> pages_;
};

}  // namespace inlinks::query

#endif  // INLINKS_QUERY_SRC_ROWS_H_
