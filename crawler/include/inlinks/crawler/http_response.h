// File: inlinks/crawler/http_response.h
//
// Owns: parsing one complete HTTP/1.x response held in memory (as stored in
// a WARC response record, or read whole from a socket) into its status,
// header fields and decoded body. A pure parser: bytes in, value out; it
// never reads a socket or a file. Spec: RFC 9112 (HTTP/1.1 message syntax
// and framing) and RFC 9110 §8.4 (content codings).
//
// Framing (RFC 9112 §6.3), strict against request/response smuggling shapes,
// since the fetcher uses the same rules:
//   - responses to HEAD (options), 1xx, 204 and 304 have no body; a 101 ends
//     the message at its header section (what follows is another protocol);
//     other 1xx (100 Continue, 103 Early Hints) are skipped and the final
//     response after them is returned;
//   - Transfer-Encoding with `chunked` last: the chunked body; any
//     Content-Length is ignored (§6.3 item 3). `chunked` anywhere else, or
//     other codings only: the body runs to the end of input (§6.3 item 4);
//     `chunked` applied twice is an error;
//   - otherwise Content-Length; several Content-Length values (repeated
//     fields or a list) must all be equal; a value that is not 1*DIGIT or
//     overflows is an error;
//   - otherwise the body runs to the end of input.
// Chunk sizes are 1*HEXDIG without overflow, followed by optional chunk
// extensions (RFC 9112 §7.1.1 grammar, checked then ignored) and a line end;
// chunk data is followed by a line end; trailer fields are checked like
// header fields and ignored.
// Header fields: a line starting with SP/HTAB (obs-fold, §5.2), a bare CR,
// NUL or other control character (HTAB excepted), a field name that is not a
// token or whitespace before the colon are errors. Bare LF line endings are
// accepted (§2.2). Empty lines before the status line are skipped.
// Only HTTP/0.9 and HTTP/1.0-1.9 status lines are accepted.
//
// Content-Encoding (RFC 9110 §8.4.1): gzip, x-gzip, deflate (zlib-wrapped
// or raw, as browsers accept both), br and identity, undone in reverse order
// of application; at most max_content_encodings codings.
//
// Thread safety: pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace inlinks::crawler {

struct HttpResponseOptions {
  // Bytes of one status line plus header section (and of a trailer
  // section). Larger: kResourceExhausted.
  size_t max_header_bytes = 64 << 10;
  // Bytes of the body as returned (after de-chunking and, when decoding,
  // after each content-decoding step). Larger: kResourceExhausted.
  size_t max_body_bytes = 16 << 20;
  // Content codings allowed in one response (identity counted).
  size_t max_content_encodings = 5;
  // A decoding step that outputs more than this many bytes per input byte
  // consumed (checked once the output passes 1 MiB) is a compression bomb:
  // kResourceExhausted.
  double max_compression_ratio = 100;
  // The response answers a HEAD request: it has no body (RFC 9110 §9.3.2).
  bool head_response = false;
  // Undo Content-Encoding. When false, `body` keeps the coded bytes.
  bool decode_content = true;
  // When true, a body cut short (Content-Length not reached, chunked stream
  // ending early, compressed stream ending early) is returned as far as it
  // goes with `truncated` set, instead of kInvalidArgument. WARC files hold
  // such responses (WARC-Truncated).
  bool allow_truncated_body = false;
};

// One parsed HTTP/1.x response. Owns all its bytes.
struct HttpResponse {
  int version_major = 1;
  int version_minor = 1;
  int status = 0;
  std::string reason;
  // Header fields in order, names and values as received (values without
  // surrounding whitespace).
  std::vector<std::pair<std::string, std::string>> headers;
  // The body, de-chunked and (unless options.decode_content is false)
  // content-decoded.
  std::string body;
  // Bytes of the input that formed this response (skipped 1xx responses
  // included). Less than the input size when data follows a message framed
  // by Content-Length or chunked, e.g. a pipelined response.
  size_t consumed = 0;
  // The body was cut short; only with options.allow_truncated_body.
  bool truncated = false;

  // Value of the first field named `name` (ASCII case-insensitive), or ""
  // when absent. The view borrows from this object.
  std::string_view Header(std::string_view name) const;
};

// Parses the first complete response in `bytes` (skipping 1xx interim
// responses other than 101).
// Errors: kInvalidArgument for a malformed status line, header section or
// framing, a truncated message (unless allowed), an unsupported or corrupt
// content coding (message says what was wrong); kResourceExhausted when a
// cap of `options` is reached (header bytes, body bytes, number of codings,
// compression ratio).
absl::StatusOr<HttpResponse> ParseHttpResponse(
    std::string_view bytes, const HttpResponseOptions& options = {});

// Undoes one content coding ("gzip", "x-gzip", "deflate", "br",
// "identity"; case-insensitive) of `coded`, under the body-size and
// compression-ratio caps of `options`. Exposed for the fetcher and tests.
// Errors: as ParseHttpResponse.
absl::StatusOr<std::string> DecodeContentCoding(
    std::string_view coding, std::string_view coded,
    const HttpResponseOptions& options = {}, bool* truncated = nullptr);

}  // namespace inlinks::crawler
