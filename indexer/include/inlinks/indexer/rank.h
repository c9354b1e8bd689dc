// File: inlinks/indexer/rank.h
//
// Owns: the page-strength job (`inlinks rank`): PageRank over the crawled page
// graph of a stored index, written into every page record's `rank`
// (storage::PageValue), moving the strength-order entries (indexer/order.h)
// of every page whose strength on the APIs' 0..10 `sr` scale
// (storage::SrTenths) changes, in the same batch as its record.
//
// The graph (docs/rank.md has the reasoning and the formulas):
//   - nodes are the pages with a page record (Family::kPages), one node per
//     core::UrlKey: the http and https versions of a page are one node and
//     both records get its rank;
//   - edges come from the live reverse records (Family::kLinks) only; lost
//     links pass nothing; links to pages without a page record (never
//     crawled) and self links are dropped;
//   - a hyperlink with rel nofollow, ugc or sponsored passes nothing; a page
//     shares its score equally among the distinct pages its followed
//     hyperlinks point to (several links to one page count once);
//   - a redirect or canonical link to another page makes its source an alias
//     of that page: the source's whole score goes to the target (split
//     equally when it names several), and its hyperlinks pass nothing;
//     redirect and canonical links pass whatever their rel bits say;
//   - a page with no out-edge (dangling) spreads its score over all pages.
// Stored rank = PageRank x number of nodes, so an average page has rank 1 and
// a page nobody links to gets the floor (1 - damping) + damping x (score of
// the dangling pages), the smallest rank of the run. A page indexed after the
// job read the graph keeps its previous rank.
//
// Thread safety: RankPages may run beside readers (it reads one snapshot),
// but not beside an Indexer writing the same Db (it first publishes what the
// journal holds, indexer.h RefreshIndex): it rewrites page records
// read-modify-write, and a page the indexer rewrites in between loses that
// write or the rank. `inlinks rank` holds the database lock, so a daemon
// cannot be writing it.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "inlinks/storage/db.h"

namespace inlinks::indexer {

struct RankOptions {
  double damping = 0.85;  // probability of following a link; in [0, 1)
  // Iteration stops when the L1 change of the PageRank vector (which sums
  // to 1, so the change is relative) falls below this; > 0.
  double tolerance = 1e-6;
  int max_iterations = 200;  // >= 1; the job stores its last vector anyway
  // Page records per storage::Batch when ranks are written.
  int batch_pages = 4096;
};

struct RankStats {
  uint64_t pages = 0;  // page records read
  uint64_t nodes = 0;  // graph nodes (distinct URL keys of the pages)
  uint64_t links = 0;  // live reverse records read
  // Links that pass score: followed hyperlinks, redirects and canonicals
  // between two different nodes (before several links to one target are
  // counted once).
  uint64_t followed_links = 0;
  uint64_t unfollowed_links = 0;  // nofollow, ugc or sponsored hyperlinks
  uint64_t uncrawled_links = 0;   // target (or source) has no page record
  uint64_t self_links = 0;        // source and target are one node
  uint64_t edges = 0;             // distinct transitions (source, target)
  uint64_t dangling = 0;          // nodes with no out-edge
  uint64_t pages_skipped = 0;     // page records whose key is not a URL
  int iterations = 0;
  double l1_delta = 0;     // L1 change of the last iteration
  bool converged = false;  // l1_delta < tolerance
  double min_rank = 0;     // the floor (stored scale)
  double max_rank = 0;
  // Largest total of the job's arrays at any time (ids, staged links,
  // graph, rank vectors), and that divided by `links`: the memory per link
  // of the index (per-node arrays included at this graph's ratio).
  uint64_t peak_bytes = 0;
  double bytes_per_edge = 0;
  uint64_t pages_written = 0;  // records whose stored rank changed
  // Pages whose strength (sr, one decimal) changed, and their live links,
  // whose strength-order entries (indexer/order.h) the job moved.
  uint64_t pages_reordered = 0;
  uint64_t links_reordered = 0;
  double load_seconds = 0;
  double iterate_seconds = 0;
  double store_seconds = 0;
};

// Computes PageRank over the page graph of `db` (see above) and stores it,
// scaled, into every page record it read. Ranks depend only on the graph, so
// running it again over an unchanged index writes nothing.
// Errors: kInvalidArgument for options out of range; kDataLoss for records
// that do not decode; storage errors as storage::Db returns them (ranks
// already written stay, the others keep their previous value).
absl::StatusOr<RankStats> RankPages(storage::Db& db, const RankOptions& options = {});

}  // namespace inlinks::indexer
