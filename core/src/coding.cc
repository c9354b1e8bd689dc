#include "inlinks/core/coding.h"

namespace inlinks::core {

void PutFixed16BE(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}

void PutFixed32BE(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

void PutFixed64BE(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

void PutVarint64(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void PutVarsint64(std::string& out, int64_t v) {
  PutVarint64(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

void PutLengthPrefixed(std::string& out, std::string_view s) {
  PutVarint64(out, s.size());
  out.append(s);
}

uint32_t DecodeFixed32BE(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | u[3];
}

uint64_t DecodeFixed64BE(const char* p) {
  return (uint64_t{DecodeFixed32BE(p)} << 32) | DecodeFixed32BE(p + 4);
}

bool Decoder::GetFixed16BE(uint16_t& v) {
  if (in_.size() < 2) return Fail();
  const auto* u = reinterpret_cast<const unsigned char*>(in_.data());
  v = static_cast<uint16_t>((u[0] << 8) | u[1]);
  in_.remove_prefix(2);
  return true;
}

bool Decoder::GetFixed32BE(uint32_t& v) {
  if (in_.size() < 4) return Fail();
  v = DecodeFixed32BE(in_.data());
  in_.remove_prefix(4);
  return true;
}

bool Decoder::GetFixed64BE(uint64_t& v) {
  if (in_.size() < 8) return Fail();
  v = DecodeFixed64BE(in_.data());
  in_.remove_prefix(8);
  return true;
}

bool Decoder::GetVarint64(uint64_t& v) {
  v = 0;
  for (int shift = 0; shift <= 63; shift += 7) {
    if (in_.empty()) return Fail();
    auto byte = static_cast<unsigned char>(in_.front());
    in_.remove_prefix(1);
    if (shift == 63 && byte > 1) return Fail();  // overflows 64 bits
    v |= uint64_t{byte & 0x7Fu} << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return Fail();
}

bool Decoder::GetVarint32(uint32_t& v) {
  uint64_t w;
  if (!GetVarint64(w) || w > UINT32_MAX) return Fail();
  v = static_cast<uint32_t>(w);
  return true;
}

bool Decoder::GetVarsint64(int64_t& v) {
  uint64_t u;
  if (!GetVarint64(u)) return false;
  v = static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  return true;
}

bool Decoder::GetByte(uint8_t& v) {
  if (in_.empty()) return Fail();
  v = static_cast<uint8_t>(in_.front());
  in_.remove_prefix(1);
  return true;
}

bool Decoder::GetLengthPrefixed(std::string_view& s) {
  uint64_t n;
  if (!GetVarint64(n) || n > in_.size()) return Fail();
  s = in_.substr(0, n);
  in_.remove_prefix(n);
  return true;
}

}  // namespace inlinks::core
