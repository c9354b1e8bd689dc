// Fuzz target for the WARC reader (record framing, gzip members, resync
// after garbage). Reads every record until the end or a sticky error, with
// small caps so oversize paths are reached, and checks the reader's
// invariants beyond not crashing.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "inlinks/crawler/warc.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  inlinks::crawler::WarcReaderOptions options;
  options.max_record_bytes = 1 << 16;
  options.max_header_bytes = 1 << 12;
  auto reader = inlinks::crawler::WarcReader::FromBytes(
      std::string(reinterpret_cast<const char*>(data), size), options);
  uint64_t last = 0;
  int sticky_errors = 0;
  // Every call consumes input or ends it, so this bound is never reached
  // unless the reader loops.
  for (int i = 0; i < 100000; ++i) {
    auto next = reader->Next();
    if (reader->offset() < last) std::abort();
    last = reader->offset();
    if (!next.ok()) {
      if (next.status().code() == absl::StatusCode::kDataLoss ||
          next.status().code() == absl::StatusCode::kResourceExhausted) {
        // A broken gzip stream repeats its error (documented: the caller
        // stops); plain input must make progress on every error.
        if (reader->compressed()) {
          if (++sticky_errors > 50) return 0;
        } else if (i > 0 && reader->offset() == 0) {
          std::abort();
        }
        continue;
      }
      std::abort();  // no other code is documented for in-memory input
    }
    sticky_errors = 0;
    if (!next->has_value()) return 0;
    const auto& record = **next;
    if (record.block.size() > options.max_record_bytes) std::abort();
    if (record.version.rfind("WARC/", 0) != 0) std::abort();
    (void)record.target_uri();
  }
  std::abort();
}
