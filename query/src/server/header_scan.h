// File: query/src/server/header_scan.h
//
// Owns: the strict byte-level check of an HTTP/1.1 request header block
// before Beast parses it (RFC 9112 sections 2.2, 3 and 5). Beast is lenient
// about some shapes used for request smuggling; this scanner rejects them:
//   - NUL and other control characters (except HTAB) anywhere in the header;
//   - a bare CR (not followed by LF) or a bare LF (not preceded by CR);
//   - obs-fold (a field line starting with SP or HTAB), RFC 9112 section 5.2;
//   - a request line longer than the cap (414) or a header block longer than
//     its cap (431).
// Empty lines before the request line are skipped (section 2.2).
//
// Thread safety: a HeaderScanner is used by one session at a time.
#pragma once

#include <cstddef>
#include <string_view>

namespace inlinks::query::server {

enum class HeaderScan {
  kNeedMore,            // no verdict yet: read more bytes
  kComplete,            // [begin, end) is one complete header block
  kBad,                 // malformed or dangerous: 400 and close
  kRequestLineTooLong,  // 414 and close
  kTooLarge,            // 431 and close
};

class HeaderScanner {
 public:
  HeaderScanner(size_t max_request_line, size_t max_header)
      : max_request_line_(max_request_line), max_header_(max_header) {}

  // Examines the bytes of `data` not seen yet (data grows between calls;
  // its prefix must not change).
  HeaderScan Scan(std::string_view data);

  size_t begin() const { return begin_; }  // after skipped leading CRLFs
  size_t end() const { return end_; }      // one past the final CRLF CRLF
  std::string_view error() const { return error_; }

 private:
  HeaderScan Bad(std::string_view why) {
    error_ = why;
    return HeaderScan::kBad;
  }

  size_t max_request_line_;
  size_t max_header_;
  size_t pos_ = 0;
  size_t line_start_ = 0;
  size_t begin_ = 0;
  size_t end_ = 0;
  bool in_request_line_ = true;
  std::string_view error_;
};

}  // namespace inlinks::query::server
