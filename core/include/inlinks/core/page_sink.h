// File: inlinks/core/page_sink.h
//
// Owns: the interface through which the crawler hands each extracted page to
// whoever stores it (the indexer implements it; tools/inlinksd wires the two
// together), so the crawler never depends on the indexer.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "inlinks/core/records.h"

namespace inlinks::core {

// What the fetch told about a page, beside its HTML.
struct FetchFacts {
  int http_status = 0;        // final HTTP status (after redirects)
  int64_t fetch_time_unix = 0;  // seconds since the epoch
  std::string ip;             // address the page was fetched from
};

// One page for PageSink::AcceptAll; `page` is borrowed for the call.
struct PageAndFacts {
  const Page* page = nullptr;
  FetchFacts facts;
};

// Receives extracted pages. Implementations say whether Accept may be called
// from several threads at once.
class PageSink {
 public:
  virtual ~PageSink() = default;
  // Stores `page`. Returns an error when it was not stored (the crawler may
  // retry); kDataLoss means storage is corrupt and crawling should stop.
  virtual absl::Status Accept(const Page& page, const FetchFacts& facts) = 0;
  // Stores several pages, as Accept would one after the other; one status
  // per page, in order. A sink may store them together at a lower cost per
  // page (the indexer writes them in one batch); this default calls Accept.
  virtual std::vector<absl::Status> AcceptAll(std::span<const PageAndFacts> pages) {
    std::vector<absl::Status> results;
    results.reserve(pages.size());
    for (const PageAndFacts& p : pages) results.push_back(Accept(*p.page, p.facts));
    return results;
  }
};

}  // namespace inlinks::core
