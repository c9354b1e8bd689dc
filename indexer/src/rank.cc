// See rank.h; docs/rank.md has the model and the memory figures. Three passes:
//   load     kPages (ids) then kLinks (edges), one snapshot, into flat arrays:
//            sorted 64-bit key hashes give every node a dense uint32 id, the
//            followed links are staged as (source, target) pairs and turned
//            into a CSR graph (offsets per source + target ids);
//   iterate  power iteration over the CSR arrays, single-threaded;
//   store    kPages again: rank into each record whose value changed.
#include "inlinks/indexer/rank.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "inlinks/core/hash.h"
#include "inlinks/core/keys.h"
#include "inlinks/core/records.h"
#include "inlinks/core/status_macros.h"
#include "inlinks/core/url.h"
#include "inlinks/indexer/indexer.h"
#include "inlinks/indexer/order.h"
#include "inlinks/storage/buckets.h"
#include "inlinks/storage/records.h"
#include "strength.h"

namespace inlinks::indexer {
namespace {

using storage::Family;

constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
constexpr uint8_t kUnfollowedRel = core::kRelNofollow | core::kRelUgc | core::kRelSponsored;

// StableHash64 with murmur3's finalizer on top: a bijection, so collisions
// are those of StableHash64, but the top bits are uniform enough for the
// directory of HashIndex.
uint64_t KeyHash(std::string_view s) {
  uint64_t h = core::StableHash64(s);
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

template <typename T>
uint64_t Bytes(const std::vector<T>& v) {
  return static_cast<uint64_t>(v.capacity()) * sizeof(T);
}

template <typename T>
void Free(std::vector<T>& v) {
  std::vector<T>().swap(v);
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// A sorted vector of distinct 64-bit hashes whose position is the id, with a
// directory over the top bits (about 8 hashes per slot), so Find costs a
// short binary search inside one or two cache lines instead of ~log2(n)
// misses.
class HashIndex {
 public:
  HashIndex() : HashIndex(std::vector<uint64_t>{}) {}
  // `sorted` must be sorted and distinct.
  explicit HashIndex(std::vector<uint64_t> sorted) : hashes_(std::move(sorted)) {
    int bits = 1;
    while (bits < 28 && (uint64_t{1} << bits) < hashes_.size() / 8) ++bits;
    shift_ = 64 - bits;
    dir_.assign((size_t{1} << bits) + 1, 0);
    size_t i = 0;
    for (size_t slot = 0; slot < (size_t{1} << bits); ++slot) {
      dir_[slot] = static_cast<uint32_t>(i);
      while (i < hashes_.size() && (hashes_[i] >> shift_) == slot) ++i;
    }
    dir_.back() = static_cast<uint32_t>(hashes_.size());
  }

  size_t size() const { return hashes_.size(); }

  // The id of `h`, kNone when absent.
  uint32_t Find(uint64_t h) const {
    size_t slot = h >> shift_;
    auto begin = hashes_.begin() + dir_[slot];
    auto end = hashes_.begin() + dir_[slot + 1];
    auto it = std::lower_bound(begin, end, h);
    if (it == end || *it != h) return kNone;
    return static_cast<uint32_t>(it - hashes_.begin());
  }

  uint64_t bytes() const { return Bytes(hashes_) + Bytes(dir_); }

 private:
  std::vector<uint64_t> hashes_;
  std::vector<uint32_t> dir_;
  int shift_ = 63;
};

// Pages and their nodes: page i (in href-hash order) belongs to node
// node_of_page[i].
struct PageIndex {
  HashIndex hrefs;
  std::vector<uint32_t> node_of_page;

  uint32_t NodeOf(std::string_view href) const {
    uint32_t page = hrefs.Find(KeyHash(href));
    return page == kNone ? kNone : node_of_page[page];
  }
  uint64_t bytes() const { return hrefs.bytes() + Bytes(node_of_page); }
};

// The graph in compressed sparse rows: the out-edges of node u are
// targets[offsets[u] .. offsets[u + 1]).
struct Graph {
  uint32_t nodes = 0;
  std::vector<uint64_t> offsets;
  std::vector<uint32_t> targets;
  uint64_t bytes() const { return Bytes(offsets) + Bytes(targets); }
};

class RankJob {
 public:
  RankJob(storage::Db& db, const RankOptions& options) : db_(db), options_(options) {}

  absl::StatusOr<RankStats> Run() {
    // The order this job keeps must be complete before it moves entries.
    RETURN_IF_ERROR(EnsureStrengthOrder(db_).status());
    auto start = std::chrono::steady_clock::now();
    {
      std::unique_ptr<storage::Snapshot> snapshot = db_.GetSnapshot();
      ASSIGN_OR_RETURN(std::unique_ptr<HashIndex> nodes, LoadPages(*snapshot));
      RETURN_IF_ERROR(LoadLinks(*snapshot, *nodes));
    }
    BuildGraph();
    stats_.load_seconds = SecondsSince(start);

    start = std::chrono::steady_clock::now();
    std::vector<double> rank = Iterate();
    stats_.iterate_seconds = SecondsSince(start);

    start = std::chrono::steady_clock::now();
    RETURN_IF_ERROR(Store(rank));
    stats_.store_seconds = SecondsSince(start);
    stats_.bytes_per_edge = static_cast<double>(stats_.peak_bytes) /
                            static_cast<double>(std::max<uint64_t>(stats_.links, 1));
    return stats_;
  }

 private:
  void NotePeak(std::initializer_list<uint64_t> bytes) {
    uint64_t total = 0;
    for (uint64_t b : bytes) total += b;
    stats_.peak_bytes = std::max(stats_.peak_bytes, total);
  }

  // Ids: node ids are positions in the sorted, distinct UrlKey hashes of
  // the pages (http and https versions of a page share one); pages_ maps a
  // page's href hash to its node. Returns the node index for LoadLinks.
  absl::StatusOr<std::unique_ptr<HashIndex>> LoadPages(const storage::Snapshot& snapshot) {
    // (href hash, url key hash) per page.
    std::vector<std::pair<uint64_t, uint64_t>> pages;
    auto it = db_.NewIterator(Family::kPages, {"", ""}, &snapshot);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++stats_.pages;
      absl::StatusOr<core::Url> url = core::ParseUrl(it->key());
      if (!url.ok()) {
        // Written by an older URL parser, or not by the indexer: not a node.
        ++stats_.pages_skipped;
        continue;
      }
      ASSIGN_OR_RETURN(storage::PageValue page, storage::DecodePageValue(it->value()));
      expected_links_ += page.live_records;
      pages.emplace_back(KeyHash(it->key()), KeyHash(core::UrlKey(*url)));
    }
    RETURN_IF_ERROR(it->status());
    it.reset();
    if (pages.size() >= kNone) {
      return absl::ResourceExhaustedError(
          absl::StrCat(pages.size(), " pages exceed the 32-bit page ids of the rank job"));
    }

    std::vector<uint64_t> node_hashes;
    node_hashes.reserve(pages.size());
    for (const auto& p : pages) node_hashes.push_back(p.second);
    std::sort(node_hashes.begin(), node_hashes.end());
    node_hashes.erase(std::unique(node_hashes.begin(), node_hashes.end()), node_hashes.end());
    NotePeak({Bytes(pages), Bytes(node_hashes)});
    auto nodes = std::make_unique<HashIndex>(std::move(node_hashes));
    graph_.nodes = static_cast<uint32_t>(nodes->size());
    stats_.nodes = graph_.nodes;

    std::sort(pages.begin(), pages.end());
    std::vector<uint64_t> href_hashes;
    href_hashes.reserve(pages.size());
    pages_.node_of_page.reserve(pages.size());
    for (const auto& [href_hash, key_hash] : pages) {
      href_hashes.push_back(href_hash);
      pages_.node_of_page.push_back(nodes->Find(key_hash));
    }
    NotePeak({Bytes(pages), nodes->bytes(), Bytes(href_hashes), Bytes(pages_.node_of_page)});
    Free(pages);
    pages_.hrefs = HashIndex(std::move(href_hashes));
    return nodes;
  }

  // Stages every link that passes score as (source << 32 | target), split
  // into hyperlinks and aliases (redirects, canonicals).
  absl::Status LoadLinks(const storage::Snapshot& snapshot, const HashIndex& nodes) {
    // The page records' live_records add up to the number of live records,
    // so the staging array is sized once instead of doubling.
    links_.reserve(expected_links_);
    std::string target_key;
    uint32_t target = kNone;
    bool first = true;
    auto it = db_.NewIterator(Family::kLinks, {"", ""}, &snapshot);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++stats_.links;
      ASSIGN_OR_RETURN(storage::ReverseKeyParts parts, storage::DecodeReverseKey(it->key()));
      // Records are grouped by target: one lookup per target.
      if (first || parts.target_url_key != target_key) {
        first = false;
        target_key.assign(parts.target_url_key);
        target = nodes.Find(KeyHash(target_key));
      }
      if (target == kNone) {
        ++stats_.uncrawled_links;
        continue;
      }
      uint32_t source = pages_.NodeOf(parts.source_href);
      if (source == kNone) {  // a record whose page record is missing
        ++stats_.uncrawled_links;
        continue;
      }
      if (source == target) {
        ++stats_.self_links;
        continue;
      }
      ASSIGN_OR_RETURN(storage::LinkValue link, storage::DecodeLinkValue(it->value()));
      bool alias = link.tag == core::LinkTag::kRedirect || link.tag == core::LinkTag::kCanonical;
      if (!alias && (link.rel & kUnfollowedRel) != 0) {
        ++stats_.unfollowed_links;
        continue;
      }
      ++stats_.followed_links;
      uint64_t edge = (uint64_t{source} << 32) | target;
      if (alias) {
        aliases_.push_back(edge);
      } else {
        links_.push_back(edge);
      }
    }
    RETURN_IF_ERROR(it->status());
    NotePeak({nodes.bytes(), pages_.bytes(), Bytes(links_), Bytes(aliases_)});
    return absl::OkStatus();
  }

  // CSR by source: a counting sort of the staged pairs, then each source's
  // targets sorted and made distinct. A source with alias edges keeps only
  // those.
  void BuildGraph() {
    const uint32_t n = graph_.nodes;
    std::sort(aliases_.begin(), aliases_.end());
    aliases_.erase(std::unique(aliases_.begin(), aliases_.end()), aliases_.end());
    std::vector<bool> is_alias(n, false);
    for (uint64_t e : aliases_) is_alias[e >> 32] = true;

    std::vector<uint64_t>& offsets = graph_.offsets;
    offsets.assign(static_cast<size_t>(n) + 1, 0);
    uint64_t total = aliases_.size();
    for (uint64_t e : aliases_) ++offsets[(e >> 32) + 1];
    for (uint64_t e : links_) {
      if (is_alias[e >> 32]) continue;
      ++offsets[(e >> 32) + 1];
      ++total;
    }
    for (uint32_t u = 0; u < n; ++u) offsets[u + 1] += offsets[u];
    std::vector<uint32_t>& targets = graph_.targets;
    targets.resize(total);
    // offsets[u] walks through u's row, ending at the start of row u + 1.
    for (uint64_t e : aliases_) targets[offsets[e >> 32]++] = static_cast<uint32_t>(e);
    for (uint64_t e : links_) {
      if (!is_alias[e >> 32]) targets[offsets[e >> 32]++] = static_cast<uint32_t>(e);
    }
    NotePeak({pages_.bytes(), Bytes(links_), Bytes(aliases_), graph_.bytes(), n / 8 + 1});
    Free(links_);
    Free(aliases_);
    for (uint32_t u = n; u > 0; --u) offsets[u] = offsets[u - 1];
    if (n > 0) offsets[0] = 0;

    // Distinct targets per row, compacted in place.
    uint64_t write = 0, begin = 0;
    for (uint32_t u = 0; u < n; ++u) {
      uint64_t end = offsets[u + 1];
      std::sort(targets.begin() + static_cast<std::ptrdiff_t>(begin),
                targets.begin() + static_cast<std::ptrdiff_t>(end));
      offsets[u] = write;
      for (uint64_t i = begin; i < end; ++i) {
        uint32_t t = targets[i];
        if (i == begin || t != targets[write - 1]) targets[write++] = t;
      }
      if (offsets[u] == write) ++stats_.dangling;
      begin = end;
    }
    offsets[n] = write;
    targets.resize(write);
    stats_.edges = write;
  }

  // Power iteration. x(v) = (1 - d)/n + d * (sum over u -> v of x(u) / outdeg(u)
  // + dangling mass / n).
  std::vector<double> Iterate() {
    const uint32_t n = graph_.nodes;
    const double d = options_.damping;
    std::vector<double> rank(n, n > 0 ? 1.0 / n : 0.0);
    std::vector<double> next(n, 0.0);
    NotePeak({pages_.bytes(), graph_.bytes(), Bytes(rank), Bytes(next)});
    if (n == 0) {
      stats_.converged = true;
      return rank;
    }
    const uint64_t* offsets = graph_.offsets.data();
    const uint32_t* targets = graph_.targets.data();
    for (int iteration = 1; iteration <= options_.max_iterations; ++iteration) {
      std::fill(next.begin(), next.end(), 0.0);
      double dangling = 0;
      for (uint32_t u = 0; u < n; ++u) {
        uint64_t begin = offsets[u], end = offsets[u + 1];
        if (begin == end) {
          dangling += rank[u];
          continue;
        }
        double share = rank[u] / static_cast<double>(end - begin);
        for (uint64_t e = begin; e < end; ++e) next[targets[e]] += share;
      }
      const double base = (1.0 - d) / n + d * dangling / n;
      double delta = 0;
      for (uint32_t v = 0; v < n; ++v) {
        double x = base + d * next[v];
        delta += std::fabs(x - rank[v]);
        next[v] = x;
      }
      rank.swap(next);
      stats_.iterations = iteration;
      stats_.l1_delta = delta;
      if (delta < options_.tolerance) {
        stats_.converged = true;
        break;
      }
    }
    // Stored scale: PageRank x n, so the average node has rank 1.
    double sum = 0;
    for (double x : rank) sum += x;
    const double scale = sum > 0 ? n / sum : 0;
    stats_.min_rank = std::numeric_limits<double>::max();
    for (double& x : rank) {
      x *= scale;
      stats_.min_rank = std::min(stats_.min_rank, x);
      stats_.max_rank = std::max(stats_.max_rank, x);
    }
    graph_ = Graph{};
    return rank;
  }

  // Writes each page's rank into its record (latest state, not the load
  // snapshot, so fields written since are kept), skipping unchanged ones and
  // pages indexed after the load. A page whose strength (sr) changes has its
  // links' strength-order entries moved in the same batch as its record.
  static constexpr size_t kMaxMovesPerBatch = 1 << 16;

  absl::Status Store(const std::vector<double>& rank) {
    ASSIGN_OR_RETURN(std::unique_ptr<storage::BucketDirectory> dir,
                     storage::BucketDirectory::Load(db_, storage::BucketDirectory::kDefaultTarget,
                                                    storage::kStrengthOrderBuckets));
    storage::Batch batch(db_);
    internal::StrengthWrites moves;
    int in_batch = 0;
    auto write = [&]() -> absl::Status {
      in_batch = 0;
      return internal::WriteWithOrder(db_, batch, moves, *dir);
    };
    auto it = db_.NewIterator(Family::kPages, {"", ""});
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      uint32_t node = pages_.NodeOf(it->key());
      if (node == kNone) continue;
      ASSIGN_OR_RETURN(storage::PageValue page, storage::DecodePageValue(it->value()));
      if (page.rank == rank[node]) continue;
      const uint8_t from = storage::SrTenths(page.rank), to = storage::SrTenths(rank[node]);
      if (from != to) {
        ASSIGN_OR_RETURN(std::optional<std::string> fwd, db_.Get(Family::kForward, it->key()));
        if (fwd) {
          ASSIGN_OR_RETURN(std::vector<storage::ForwardEntry> entries,
                           storage::DecodeForward(*fwd));
          RETURN_IF_ERROR(
              internal::MoveStrengthEntries(db_, moves, *dir, it->key(), entries, from, to));
          ++stats_.pages_reordered;
          for (const auto& e : entries) stats_.links_reordered += e.lost ? 0 : 1;
        }
      }
      page.rank = rank[node];
      batch.Put(Family::kPages, it->key(), storage::EncodePageValue(page));
      ++stats_.pages_written;
      // A batch also ends after ~64k strength-order writes: sorted batches
      // of that size insert fast without outgrowing a memtable.
      if (++in_batch >= options_.batch_pages || moves.size() >= kMaxMovesPerBatch) {
        RETURN_IF_ERROR(write());
      }
    }
    RETURN_IF_ERROR(it->status());
    if (in_batch > 0) RETURN_IF_ERROR(write());
    return absl::OkStatus();
  }

  storage::Db& db_;
  const RankOptions options_;
  RankStats stats_;
  uint64_t expected_links_ = 0;
  PageIndex pages_;
  std::vector<uint64_t> links_;    // staged hyperlink edges
  std::vector<uint64_t> aliases_;  // staged redirect/canonical edges
  Graph graph_;
};

}  // namespace

absl::StatusOr<RankStats> RankPages(storage::Db& db, const RankOptions& options) {
  if (!(options.damping >= 0 && options.damping < 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("damping must be in [0, 1), got ", options.damping));
  }
  if (!(options.tolerance > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("tolerance must be > 0, got ", options.tolerance));
  }
  if (options.max_iterations < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("max iterations must be >= 1, got ", options.max_iterations));
  }
  if (options.batch_pages < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch pages must be >= 1, got ", options.batch_pages));
  }
  // The graph and the moves of the strength order are those of the
  // published index: fold what a writer left in the journal first.
  RETURN_IF_ERROR(RefreshIndex(db));
  return RankJob(db, options).Run();
}

}  // namespace inlinks::indexer
