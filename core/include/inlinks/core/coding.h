// File: inlinks/core/coding.h
//
// Owns: the byte-level building blocks of stored keys and values:
// fixed-width big-endian integers (they sort as numbers in keys), LEB128
// varints and length-prefixed strings (compact values), and a reader that
// reports truncated or malformed input instead of reading past the end.
//
// Thread safety: pure functions; a Decoder is a cursor owned by one thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace inlinks::core {

void PutFixed16BE(std::string& out, uint16_t v);
void PutFixed32BE(std::string& out, uint32_t v);
void PutFixed64BE(std::string& out, uint64_t v);
void PutVarint64(std::string& out, uint64_t v);
// Zig-zag signed varint.
void PutVarsint64(std::string& out, int64_t v);
// Varint length, then the bytes.
void PutLengthPrefixed(std::string& out, std::string_view s);

uint32_t DecodeFixed32BE(const char* p);
uint64_t DecodeFixed64BE(const char* p);

// Reads values written by the Put functions from a borrowed buffer (the
// caller keeps the bytes alive). Every Get returns false, and leaves the
// decoder failed, on truncated or malformed input.
class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}
  bool GetFixed16BE(uint16_t& v);
  bool GetFixed32BE(uint32_t& v);
  bool GetFixed64BE(uint64_t& v);
  bool GetVarint64(uint64_t& v);
  bool GetVarint32(uint32_t& v);
  bool GetVarsint64(int64_t& v);
  bool GetByte(uint8_t& v);
  // The view points into the decoder's input.
  bool GetLengthPrefixed(std::string_view& s);
  bool done() const { return in_.empty(); }
  std::string_view rest() const { return in_; }

 private:
  bool Fail() {
    in_ = {};
    return false;
  }
  std::string_view in_;
};

}  // namespace inlinks::core
