// File: inlinks/crawler/warc.h
//
// Owns: reading WARC records (ISO 28500, WARC 1.0 and 1.1,
// https://iipc.github.io/warc-specifications/) one after another from an
// uncompressed .warc or a gzip-compressed .warc.gz. A parser only: it never
// writes, and it does not interpret a record's block (for response records,
// ParseHttpResponse in http_response.h does that).
//
// Input shape: records are `WARC/<version>` CRLF, named fields, CRLF, then
// Content-Length bytes of block, then CRLF CRLF. A .warc.gz is detected by
// its magic bytes (1f 8b), not by its name; it is a concatenation of gzip
// members, usually one per record, but any split is accepted (one member
// holding several records, a record spread over members).
//
// Leniencies, each because real files need it: bare LF line ends; empty
// lines before a record (a missing or doubled CRLF CRLF after a block);
// field lines continued by a leading SP/HTAB (WARC 1.0 allows folding).
//
// Errors from Next() and what the caller can do next:
//   - kDataLoss: a malformed record header (no `WARC/` line, no valid
//     Content-Length), a block cut short by the end of input, or a corrupt
//     or truncated gzip stream. The message gives the offset in the
//     decompressed input (and the compressed offset for gzip errors). After
//     a malformed header the reader has skipped to the next line starting
//     with `WARC/`, so Next() can be called again; after a truncated block
//     or a gzip error the input is finished and Next() returns nullopt or
//     the same error.
//   - kResourceExhausted: a record whose Content-Length is over
//     options.max_record_bytes, or a header section over max_header_bytes.
//     The oversize block is skipped without being held in memory, and
//     Next() continues with the record after it.
//   - kNotFound / kPermissionDenied / kUnavailable from Open() when the file
//     cannot be opened; kUnavailable for a read error later.
//
// Thread safety: a WarcReader is not thread-safe; use one per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace inlinks::crawler {

// One WARC record. Owns all its bytes.
struct WarcRecord {
  std::string version;  // "WARC/1.0", "WARC/1.1"
  // Named fields in order, values without surrounding whitespace.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string block;  // exactly Content-Length bytes
  uint64_t offset = 0;  // offset of the `WARC/` line in the decompressed input

  // Value of the first field named `name` (ASCII case-insensitive), or ""
  // when absent. The view borrows from this record.
  std::string_view Header(std::string_view name) const;
  std::string_view type() const { return Header("WARC-Type"); }
  // WARC-Target-URI, without the '<' '>' that WARC 1.1 examples use.
  std::string_view target_uri() const;
  std::string_view date() const { return Header("WARC-Date"); }
};

struct WarcReaderOptions {
  size_t max_record_bytes = 64 << 20;  // block bytes held for one record
  size_t max_header_bytes = 1 << 20;   // bytes of one record's header section
};

class WarcReader {
 public:
  // Opens `path` for streaming (the file is not read into memory at once).
  static absl::StatusOr<std::unique_ptr<WarcReader>> Open(const std::string& path,
                                                          WarcReaderOptions options = {});
  // Reads from `bytes` (plain or gzip). For tests and fuzzing.
  static std::unique_ptr<WarcReader> FromBytes(std::string bytes, WarcReaderOptions options = {});

  virtual ~WarcReader() = default;

  // The next record; nullopt at a clean end of input. Errors: see the file
  // comment.
  virtual absl::StatusOr<std::optional<WarcRecord>> Next() = 0;

  // Bytes of (decompressed) input consumed so far.
  virtual uint64_t offset() const = 0;

  // True when the input is gzip-compressed.
  virtual bool compressed() const = 0;
};

}  // namespace inlinks::crawler
