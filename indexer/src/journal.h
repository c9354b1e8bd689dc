// The index journal (private to indexer/): what a group of pages changed in
// the reverse index, written in the same atomic batch as their page and
// forward records, and folded into the published structures (reverse
// records, counters, daily history, strength order and its directory) by
// the refresh (refresh.h). docs/keys.md "Journal" has the bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace inlinks::indexer::internal {

// One change to one link of a page.
struct JournalEvent {
  enum class Type : uint8_t {
    kNew = 0,        // a link seen for the first time: live record, listed
    kRevived = 1,    // a lost link back on its page: lost record -> live
    kRewritten = 2,  // a live link whose anchor, rel, tag or position changed
    kLost = 3,       // a live link no longer on its page: live record -> lost
  };
  Type type = Type::kNew;
  std::string url_key;  // the target's core::UrlKey
  uint32_t domain_key_len = 0;  // bytes of url_key that are its domain's host key
  uint32_t occurrence = 0;
  // kRevived: the lost time the link had; kLost: the time it was found
  // missing; else 0.
  int64_t time = 0;
  // kNew, kRevived, kRewritten: the link's record value (storage::LinkValue
  // bytes). kLost: empty (the refresh moves the live record's value).
  std::string value;
};

// The changes of one page, in the order the indexer found them.
struct JournalPage {
  std::string source;             // normalized href of the page
  std::string source_domain_key;  // the source domain its links count under
  uint32_t day = 0;               // UTC day of the fetch (daily history)
  uint8_t sr_tenths = 0;          // the page's strength (its links' order)
  bool new_page = false;          // the page got its first page record
  std::vector<JournalEvent> events;
};

// Journal keys: seq:u64be, in the order the groups were written.
std::string JournalKey(uint64_t seq);
// kDataLoss when `key` is not one.
absl::StatusOr<uint64_t> JournalSeq(std::string_view key);

std::string EncodeJournalEntry(const std::vector<const JournalPage*>& pages);
// kDataLoss on a value of another version or shape.
absl::StatusOr<std::vector<JournalPage>> DecodeJournalEntry(std::string_view bytes);

}  // namespace inlinks::indexer::internal
