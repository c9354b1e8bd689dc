// File: query/src/server/header_scan.cc
//
// Owns: see header_scan.h.
// Thread safety: see header_scan.h.
#include "server/header_scan.h"

namespace inlinks::query::server {

HeaderScan HeaderScanner::Scan(std::string_view data) {
  while (pos_ < data.size()) {
    unsigned char c = static_cast<unsigned char>(data[pos_]);
    if (c == '\r') {
      if (pos_ + 1 >= data.size()) return HeaderScan::kNeedMore;
      if (data[pos_ + 1] != '\n') return Bad("bare CR in header");
      size_t line_length = pos_ - line_start_;
      if (line_length == 0) {
        if (in_request_line_) {
          // An empty line before the request line: skip it.
          pos_ += 2;
          line_start_ = begin_ = pos_;
          if (begin_ > max_header_) return HeaderScan::kTooLarge;
          continue;
        }
        end_ = pos_ + 2;
        return HeaderScan::kComplete;
      }
      in_request_line_ = false;
      pos_ += 2;
      line_start_ = pos_;
      continue;
    }
    if (c == '\n') return Bad("bare LF in header");
    if (c == 0) return Bad("NUL in header");
    if ((c < 0x20 && c != '\t') || c == 0x7F) return Bad("control character in header");
    if (!in_request_line_ && pos_ == line_start_ && (c == ' ' || c == '\t')) {
      return Bad("obs-fold in header");
    }
    if (in_request_line_ && (c == ' ' || c == '\t') && pos_ == line_start_) {
      return Bad("whitespace before the request line");
    }
    ++pos_;
    if (in_request_line_ && pos_ - line_start_ > max_request_line_) {
      return HeaderScan::kRequestLineTooLong;
    }
    if (pos_ - begin_ > max_header_) return HeaderScan::kTooLarge;
  }
  if (pos_ - begin_ > max_header_) return HeaderScan::kTooLarge;
  return HeaderScan::kNeedMore;
}

}  // namespace inlinks::query::server
