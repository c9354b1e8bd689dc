// File: tests/testing/compress.h
//
// Compression for test inputs (zlib): gzip members, zlib and raw deflate
// streams, as servers and WARC writers produce them.
#pragma once

#include <string>
#include <string_view>

namespace inlinks::testing {

// window_bits: 31 gzip, 15 zlib, -15 raw deflate (zlib's deflateInit2).
std::string Deflate(std::string_view in, int window_bits);

// One gzip member.
inline std::string Gzip(std::string_view in) { return Deflate(in, 31); }

}  // namespace inlinks::testing
