// Fuzz target for the HTTP/1.x response parser (status line, header
// section, chunked framing, content decoding). The first byte picks the
// options; the rest is the response. Checks the result's invariants beyond
// not crashing.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "inlinks/crawler/http_response.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  inlinks::crawler::HttpResponseOptions options;
  options.max_header_bytes = 4096;
  options.max_body_bytes = 1 << 20;
  options.head_response = data[0] & 1;
  options.decode_content = !(data[0] & 2);
  options.allow_truncated_body = data[0] & 4;
  std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  auto response = inlinks::crawler::ParseHttpResponse(bytes, options);
  if (!response.ok()) {
    auto code = response.status().code();
    if (code != absl::StatusCode::kInvalidArgument &&
        code != absl::StatusCode::kResourceExhausted) {
      std::abort();
    }
    return 0;
  }
  if (response->status < 100 || response->status > 999) std::abort();
  if (response->consumed > bytes.size()) std::abort();
  if (response->body.size() > options.max_body_bytes) std::abort();
  if (response->truncated && !options.allow_truncated_body) std::abort();
  for (const auto& [name, value] : response->headers) {
    if (name.empty()) std::abort();
    for (char c : value) {
      if (c == '\r' || c == '\n' || c == '\0') std::abort();
    }
  }
  return 0;
}
