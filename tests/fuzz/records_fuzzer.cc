// Fuzz target for the decoders of stored records (storage/records.h): what
// a corrupted or foreign database would feed them. The first byte picks the
// decoder; each must return kDataLoss for bad bytes, never crash or read out
// of bounds, and what it accepts must re-encode to bytes it decodes the same.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "inlinks/storage/records.h"

namespace {

namespace st = inlinks::storage;

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 6) {
    case 0: {
      auto parts = st::DecodeReverseKey(in);
      if (parts.ok()) {
        Check(st::ReverseKey(parts->target_url_key, parts->source_href, parts->occurrence) == in);
      }
      break;
    }
    case 1: {
      auto v = st::DecodeLinkValue(in);
      if (v.ok()) {
        auto again = st::DecodeLinkValue(st::EncodeLinkValue(*v));
        Check(again.ok() && again->anchor == v->anchor && again->target_href == v->target_href &&
              again->first_seen == v->first_seen && again->lost_time == v->lost_time);
      }
      int64_t first_seen = 0, lost_time = 0;
      (void)st::DecodeLinkTimes(in, first_seen, lost_time);
      break;
    }
    case 2: {
      auto v = st::DecodePageValue(in);
      if (v.ok()) {
        auto again = st::DecodePageValue(st::EncodePageValue(*v));
        Check(again.ok() && again->title == v->title && again->live_records == v->live_records);
      }
      break;
    }
    case 3: {
      auto v = st::DecodeForward(in);
      if (v.ok()) {
        auto again = st::DecodeForward(st::EncodeForward(*v));
        Check(again.ok() && again->size() == v->size());
      }
      break;
    }
    case 4: {
      auto parts = st::DecodeStrengthKey(in);
      if (parts.ok()) {
        Check(parts->sr_tenths <= 100);
        std::string url_key = std::string(parts->scope_key) + std::string(parts->target_rest);
        Check(st::StrengthKey(parts->kind, parts->scope_key, parts->sr_tenths,
                              parts->source_href, url_key, parts->occurrence) == in);
        (void)st::ReverseKeyOf(*parts);
      }
      break;
    }
    default: {
      st::ScopeKind kind;
      std::string_view scope, domain;
      (void)st::ParsePairCounterKey(in, kind, scope, domain);
      char letter;
      uint32_t day;
      (void)st::ParseDayCounterKey(in, letter, kind, scope, day);
      break;
    }
  }
  return 0;
}
