// Strength-order helpers (strength.h).
#include "strength.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "inlinks/core/status_macros.h"
#include "inlinks/core/string_view.h"

namespace inlinks::indexer::internal {
namespace {

using storage::Family;
using storage::ScopeKind;

// Reads, with one MultiGet, the values at `keys` of `family`; every key must
// exist (`what` names them in the error).
absl::StatusOr<std::vector<std::string>> ReadAll(const storage::Db& db, Family family,
                                                 const std::vector<std::string>& keys,
                                                 std::string_view source, std::string_view what) {
  std::vector<std::string_view> views(keys.begin(), keys.end());
  ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> values, db.MultiGet(family, views));
  std::vector<std::string> out;
  out.reserve(values.size());
  for (auto& v : values) {
    if (!v || v->size() < 3 || static_cast<uint8_t>((*v)[0]) != 1) {
      return absl::DataLossError(absl::StrCat("forward record of ", core::Av(source),
                                              " names a live link whose ", core::Av(what),
                                              " is missing or malformed"));
    }
    out.push_back(std::move(*v));
  }
  return out;
}

}  // namespace

std::array<std::string, 3> StrengthKeys(std::string_view source, uint8_t sr_tenths,
                                        std::string_view url_key, uint32_t domain_key_len,
                                        uint32_t occurrence) {
  return {storage::StrengthKey(ScopeKind::kDomain,
                               storage::DomainScopeKey(url_key, domain_key_len), sr_tenths,
                               source, url_key, occurrence),
          storage::StrengthKey(ScopeKind::kHost, storage::HostScopeKey(url_key), sr_tenths,
                               source, url_key, occurrence),
          storage::StrengthKey(ScopeKind::kUrl, url_key, sr_tenths, source, url_key,
                               occurrence)};
}

void StrengthWrites::AddTo(storage::Batch& batch) {
  std::sort(ops_.begin(), ops_.end(), [](const Op& a, const Op& b) { return a.key < b.key; });
  for (const Op& op : ops_) {
    if (op.is_delete) {
      batch.Delete(Family::kStrength, op.key);
    } else {
      batch.Put(Family::kStrength, op.key, op.value);
    }
  }
  ops_.clear();
}

absl::Status WriteWithOrder(storage::Db& db, storage::Batch& batch, StrengthWrites& writes,
                            storage::BucketDirectory& dir) {
  writes.AddTo(batch);
  dir.Stage(batch);
  RETURN_IF_ERROR(db.Write(batch));
  batch = storage::Batch(db);
  return dir.AfterWrite();
}

absl::Status PutStrengthEntries(const storage::Db& db, StrengthWrites& writes,
                                storage::BucketDirectory& dir, std::string_view source,
                                const std::vector<storage::ForwardEntry>& entries,
                                uint8_t sr_tenths) {
  std::vector<std::string> link_keys;
  std::vector<const storage::ForwardEntry*> live;
  for (const storage::ForwardEntry& e : entries) {
    if (e.lost) continue;
    link_keys.push_back(storage::ReverseKey(e.target_url_key, source, e.occurrence));
    live.push_back(&e);
  }
  if (live.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::vector<std::string> values,
                   ReadAll(db, Family::kLinks, link_keys, source, "reverse record"));
  for (size_t i = 0; i < live.size(); ++i) {
    for (std::string& key : StrengthKeys(source, sr_tenths, live[i]->target_url_key,
                                         live[i]->domain_key_len, live[i]->occurrence)) {
      dir.OnInsert(key);
      writes.Put(std::move(key), values[i]);  // a copy of the link's value
    }
  }
  return absl::OkStatus();
}

absl::Status MoveStrengthEntries(const storage::Db& db, StrengthWrites& writes,
                                 storage::BucketDirectory& dir, std::string_view source,
                                 const std::vector<storage::ForwardEntry>& entries, uint8_t from,
                                 uint8_t to) {
  if (from == to) return absl::OkStatus();
  std::vector<std::array<std::string, 3>> old_keys;
  std::vector<std::string> domain_keys;
  std::vector<const storage::ForwardEntry*> live;
  for (const storage::ForwardEntry& e : entries) {
    if (e.lost) continue;
    old_keys.push_back(
        StrengthKeys(source, from, e.target_url_key, e.domain_key_len, e.occurrence));
    domain_keys.push_back(old_keys.back()[0]);
    live.push_back(&e);
  }
  if (live.empty()) return absl::OkStatus();
  // The three entries of a link hold the same value: read one.
  ASSIGN_OR_RETURN(std::vector<std::string> values,
                   ReadAll(db, Family::kStrength, domain_keys, source, "strength entry"));
  for (size_t i = 0; i < live.size(); ++i) {
    for (std::string& key : old_keys[i]) {
      dir.OnDelete(key);
      writes.Delete(std::move(key));
    }
    for (std::string& key : StrengthKeys(source, to, live[i]->target_url_key,
                                         live[i]->domain_key_len, live[i]->occurrence)) {
      dir.OnInsert(key);
      writes.Put(std::move(key), values[i]);
    }
  }
  return absl::OkStatus();
}

}  // namespace inlinks::indexer::internal
