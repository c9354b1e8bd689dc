// File: query/src/source_domains.h (private to the query module)
//
// Owns: attributing a source page (its normalized href, or the reverse key
// that holds it) to the registrable domain its links count for: the
// "referring domain" of the per-source-domain counters (docs/keys.md,
// counter `P`). Used by the referring-domain and anchor aggregates
// (intel.cc) and by the one-link-per-referring-domain filter of
// QueryEngine::Backlinks (backlinks.cc); with the two compact structures
// those per-link scans need (StringIds, PairSet).
//
// Two ways to attribute, with the same answer unless the public-suffix list
// changed under a page that kept live links (the indexer then keeps the
// page's old attribution, storage::PageValue::source_domain_key):
//   - by host (default): HostKey(SiteOf(host of the href)), memoized per
//     host: a hash lookup per link, no read (~0.1 us);
//   - by page record: the page record's source_domain_key (exactly the
//     indexer's attribution), one point read per distinct source page; a page
//     without a record or key falls back to its host. Used when a scan finds
//     that the host attribution disagrees with the counters.
//
// Thread safety: a SourceDomains belongs to one request (one thread).
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "inlinks/core/string_view.h"
#include "inlinks/storage/db.h"

namespace inlinks::query::internal {

// The host of a normalized href as core::Url::host() returns it
// ("https://u:p@[::1]:8080/x" -> "[::1]", "http://a.b.example/" ->
// "a.b.example"); empty when `href` has no "://". The view points into
// `href`.
std::string_view HrefHost(std::string_view href);

// Dense ids (0, 1, ... in order of first appearance) for byte strings. The
// bytes live in one arena of large chunks, so the table's comparisons read
// compact memory instead of one heap block per string (a per-link lookup
// over millions of links is bound by those cache misses).
class StringIds {
 public:
  // The id of `s`, added when new (then `*added` is set, if given).
  uint32_t Intern(std::string_view s, bool* added = nullptr);
  // The id of `s`, or -1 when it was never interned.
  int64_t Find(std::string_view s) const;
  // The bytes of `id`; valid as long as this object.
  std::string_view Get(uint32_t id) const { return core::Sv(views_[id]); }
  size_t size() const { return views_.size(); }

 private:
  absl::flat_hash_map<absl::string_view, uint32_t> ids_;
  std::vector<absl::string_view> views_;
  std::vector<std::unique_ptr<char[]>> chunks_;
  size_t chunk_used_ = 0;
  size_t chunk_size_ = 0;
};

// A set of (anchor id, domain id) pairs (AnchorTexts' distinct referring
// domains per anchor). A bitmap of `expected_domains` bits per anchor for the
// first anchors (at most `bitmap_bits` bits, 16 MiB by default, grown row by
// row: mostly cache-resident), a hash set for later anchors and for domain
// ids past the expected count.
class PairSet {
 public:
  explicit PairSet(size_t expected_domains, size_t bitmap_bits = size_t{1} << 27)
      : words_per_row_(std::max<size_t>(1, (expected_domains + 63) / 64)),
        bitmap_domains_(words_per_row_ * 64),
        bitmap_rows_(bitmap_bits / 64 / words_per_row_) {}

  // True when the pair is new.
  bool Insert(uint32_t anchor, uint32_t domain) {
    if (anchor < bitmap_rows_ && domain < bitmap_domains_) {
      size_t word = anchor * words_per_row_ + domain / 64;
      if (word >= bits_.size()) bits_.resize((anchor + 1) * words_per_row_, 0);
      uint64_t bit = uint64_t{1} << (domain % 64);
      if (bits_[word] & bit) return false;
      bits_[word] |= bit;
      return true;
    }
    return others_.insert(static_cast<uint64_t>(anchor) << 32 | domain).second;
  }

 private:
  const size_t words_per_row_;
  const size_t bitmap_domains_;
  const size_t bitmap_rows_;
  std::vector<uint64_t> bits_;
  absl::flat_hash_set<uint64_t> others_;
};

class SourceDomains {
 public:
  // Attribution by host.
  SourceDomains() = default;
  // Attribution by page record, read from `db` at `snapshot` (both borrowed;
  // they must outlive this object).
  SourceDomains(const storage::Db& db, const storage::Snapshot* snapshot)
      : db_(&db), snapshot_(snapshot) {}

  // A dense id (0, 1, ... in order of first appearance) of the referring
  // domain of the source page `href`. Errors: kDataLoss for a corrupt page
  // record (page-record mode); storage errors.
  absl::StatusOr<uint32_t> IdOfHref(std::string_view href);
  // Of the source of a reverse key (storage::ReverseKey). Errors: kDataLoss
  // for a malformed key; as IdOfHref.
  absl::StatusOr<uint32_t> IdOfReverseKey(std::string_view key);

  // HostKey of the registrable domain with `id` (as the P counters store it).
  std::string_view DomainKey(uint32_t id) const { return domains_.Get(id); }
  // Number of distinct domains seen so far.
  size_t size() const { return domains_.size(); }

 private:
  uint32_t IdOfHost(std::string_view host);

  const storage::Db* db_ = nullptr;  // set: page-record mode
  const storage::Snapshot* snapshot_ = nullptr;
  StringIds domains_;                  // domain keys; their ids are the answers
  StringIds hosts_;                    // host mode memo: host id ->
  std::vector<uint32_t> host_domain_;  //   its domain id
  StringIds hrefs_;                    // page-record mode memo: href id ->
  std::vector<uint32_t> href_domain_;  //   its domain id
};

}  // namespace inlinks::query::internal
