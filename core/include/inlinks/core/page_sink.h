// File: inlinks/core/page_sink.h
//
// Owns: the interface through which the crawler hands each extracted page to
// whoever stores it (the indexer implements it; tools/inlinksd wires the two
// together), so the crawler never depends on the indexer.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "inlinks/core/records.h"

namespace inlinks::core {

// What the fetch told about a page, beside its HTML.
struct FetchFacts {
  int http_status = 0;        // final HTTP status (after redirects)
  int64_t fetch_time_unix = 0;  // seconds since the epoch
  std::string ip;             // address the page was fetched from
};

// Receives extracted pages. Implementations say whether Accept may be called
// from several threads at once.
class PageSink {
 public:
  virtual ~PageSink() = default;
  // Stores `page`. Returns an error when it was not stored (the crawler may
  // retry); kDataLoss means storage is corrupt and crawling should stop.
  virtual absl::Status Accept(const Page& page, const FetchFacts& facts) = 0;
};

}  // namespace inlinks::core
