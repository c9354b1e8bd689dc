// File: inlinks/crawler/warc_import.h
//
// Owns: the second ingestion path: pages read from a WARC file (.warc or
// .warc.gz, as web archives and Common Crawl publish them) instead of fetched.
// Each `response` record is parsed as an HTTP response and handed to a
// core::PageSink exactly as the fetcher would hand it:
//   2xx HTML           extracted (crawler/extractor.h), links indexed
//   2xx other types    recorded as a page without links
//   3xx with Location  a page with one `redirect` link to the new URL
//   404, 410           the page is gone (its links become lost)
//   other statuses     skipped (transient or unknown: nothing is changed)
// Records of other types (request, metadata, revisit, warcinfo, ...) and
// non-http(s) targets are skipped and counted. A damaged record is reported,
// counted and skipped; the import continues with the next record.
//
// Thread safety: one call runs on the calling thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "inlinks/core/page_sink.h"
#include "inlinks/crawler/extractor.h"

namespace inlinks::crawler {

class WarcReader;

struct WarcImportOptions {
  ExtractorOptions extractor;
  // Stop after this many damaged records in a row (a broken gzip stream
  // repeats its error).
  int max_consecutive_errors = 20;
  // Called for each damaged record and sink error; may be empty.
  std::function<void(const absl::Status&)> on_error;
};

struct WarcImportStats {
  uint64_t records = 0;
  uint64_t responses = 0;
  uint64_t pages = 0;           // handed to the sink
  uint64_t links = 0;           // links of those pages
  uint64_t gone = 0;            // 404/410 pages
  uint64_t redirects = 0;
  uint64_t not_html = 0;
  uint64_t skipped_records = 0; // other record types, bad targets, other statuses
  uint64_t errors = 0;          // damaged records, unparseable HTTP, sink errors
  uint64_t bytes = 0;           // HTTP bodies extracted
};

// Imports every record of `reader` into `sink`, handing it 32 pages at a
// time (PageSink::AcceptAll).
// Errors: only when the import cannot go on (kDataLoss after
// max_consecutive_errors damaged records in a row); per-record problems are
// counted in the stats and reported to on_error.
absl::StatusOr<WarcImportStats> ImportWarc(WarcReader& reader, core::PageSink& sink,
                                           const WarcImportOptions& options = {});

// Opens `path` and imports it. Errors: as WarcReader::Open, then ImportWarc.
absl::StatusOr<WarcImportStats> ImportWarcFile(const std::string& path, core::PageSink& sink,
                                               const WarcImportOptions& options = {});

}  // namespace inlinks::crawler
