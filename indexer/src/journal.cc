#include "journal.h"

#include "absl/status/status.h"
#include "inlinks/core/coding.h"

namespace inlinks::indexer::internal {
namespace {

constexpr uint8_t kJournalVersion = 1;
constexpr uint8_t kMaxEventType = static_cast<uint8_t>(JournalEvent::Type::kLost);

absl::Status Malformed() { return absl::DataLossError("malformed journal entry"); }

void EncodeEvent(std::string& out, const JournalEvent& e) {
  out.push_back(static_cast<char>(e.type));
  core::PutLengthPrefixed(out, e.url_key);
  core::PutVarint64(out, e.domain_key_len);
  core::PutVarint64(out, e.occurrence);
  core::PutVarsint64(out, e.time);
  core::PutLengthPrefixed(out, e.value);
}

bool DecodeEvent(core::Decoder& in, JournalEvent& e) {
  uint8_t type = 0;
  std::string_view url_key, value;
  if (!in.GetByte(type) || type > kMaxEventType || !in.GetLengthPrefixed(url_key) ||
      !in.GetVarint32(e.domain_key_len) || !in.GetVarint32(e.occurrence) ||
      !in.GetVarsint64(e.time) || !in.GetLengthPrefixed(value)) {
    return false;
  }
  e.type = static_cast<JournalEvent::Type>(type);
  e.url_key = url_key;
  e.value = value;
  return e.domain_key_len <= e.url_key.size();
}

bool DecodePage(core::Decoder& in, JournalPage& p) {
  std::string_view source, domain;
  uint8_t new_page = 0;
  uint64_t n = 0;
  if (!in.GetLengthPrefixed(source) || !in.GetLengthPrefixed(domain) || !in.GetVarint32(p.day) ||
      !in.GetByte(p.sr_tenths) || !in.GetByte(new_page) || new_page > 1 || !in.GetVarint64(n) ||
      n > in.rest().size()) {
    return false;
  }
  p.source = source;
  p.source_domain_key = domain;
  p.new_page = new_page == 1;
  p.events.resize(n);
  for (JournalEvent& e : p.events) {
    if (!DecodeEvent(in, e)) return false;
  }
  return true;
}

}  // namespace

std::string JournalKey(uint64_t seq) {
  std::string key;
  core::PutFixed64BE(key, seq);
  return key;
}

absl::StatusOr<uint64_t> JournalSeq(std::string_view key) {
  core::Decoder in(key);
  uint64_t seq = 0;
  if (!in.GetFixed64BE(seq) || !in.done()) return absl::DataLossError("malformed journal key");
  return seq;
}

std::string EncodeJournalEntry(const std::vector<const JournalPage*>& pages) {
  std::string out;
  out.push_back(static_cast<char>(kJournalVersion));
  core::PutVarint64(out, pages.size());
  for (const JournalPage* page : pages) {
    const JournalPage& p = *page;
    core::PutLengthPrefixed(out, p.source);
    core::PutLengthPrefixed(out, p.source_domain_key);
    core::PutVarint64(out, p.day);
    out.push_back(static_cast<char>(p.sr_tenths));
    out.push_back(p.new_page ? 1 : 0);
    core::PutVarint64(out, p.events.size());
    for (const JournalEvent& e : p.events) EncodeEvent(out, e);
  }
  return out;
}

absl::StatusOr<std::vector<JournalPage>> DecodeJournalEntry(std::string_view bytes) {
  core::Decoder in(bytes);
  uint8_t version = 0;
  uint64_t n = 0;
  if (!in.GetByte(version) || version != kJournalVersion || !in.GetVarint64(n) ||
      n > in.rest().size()) {
    return Malformed();
  }
  std::vector<JournalPage> pages(n);
  for (JournalPage& p : pages) {
    if (!DecodePage(in, p)) return Malformed();
  }
  if (!in.done()) return Malformed();
  return pages;
}

}  // namespace inlinks::indexer::internal
