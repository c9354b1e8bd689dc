#include "inlinks/storage/buckets.h"

#include <algorithm>
#include <iterator>
#include <optional>

#include "absl/strings/str_cat.h"
#include "inlinks/core/coding.h"
#include "inlinks/core/status_macros.h"

namespace inlinks::storage {
namespace {

std::string EncodeCount(int64_t count) {
  std::string v;
  core::PutVarint64(v, static_cast<uint64_t>(count));
  return v;
}

absl::StatusOr<int64_t> DecodeCount(std::string_view v) {
  core::Decoder d(v);
  uint64_t count;
  if (!d.GetVarint64(count) || !d.done() || count > (uint64_t{1} << 62)) {
    return absl::DataLossError("malformed bucket count");
  }
  return static_cast<int64_t>(count);
}

// An iterator that keeps the snapshot it reads alive.
class SnapshotIterator : public Iterator {
 public:
  SnapshotIterator(std::unique_ptr<Snapshot> snapshot, std::unique_ptr<Iterator> it)
      : snapshot_(std::move(snapshot)), it_(std::move(it)) {}
  ~SnapshotIterator() override { it_.reset(); }
  void Seek(std::string_view key) override { it_->Seek(key); }
  void SeekToFirst() override { it_->SeekToFirst(); }
  void SeekForPrev(std::string_view key) override { it_->SeekForPrev(key); }
  bool Valid() const override { return it_->Valid(); }
  void Next() override { it_->Next(); }
  std::string_view key() const override { return it_->key(); }
  std::string_view value() const override { return it_->value(); }
  absl::Status status() const override { return it_->status(); }

 private:
  std::unique_ptr<Snapshot> snapshot_;
  std::unique_ptr<Iterator> it_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<BucketDirectory>> BucketDirectory::Load(
    Db& db, uint64_t target, BucketFamilies families) {
  std::unique_ptr<BucketDirectory> dir(
      new BucketDirectory(db, target < 2 ? 2 : target, families));
  RETURN_IF_ERROR(dir->Reload());
  return dir;
}

absl::Status BucketDirectory::Reload() {
  counts_.clear();
  dirty_.clear();
  auto it = db_.NewIterator(families_.buckets, {"", ""});
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ASSIGN_OR_RETURN(int64_t count, DecodeCount(it->value()));
    counts_.emplace(std::string(it->key()), Bucket{count, false});
  }
  RETURN_IF_ERROR(it->status());
  if (counts_.empty() || counts_.begin()->first != "") {
    // A new database, or the first bucket is missing (never written): the
    // first bucket covers everything below the first boundary.
    int64_t below = 0;
    auto links = db_.NewIterator(
        families_.data, {"", counts_.empty() ? std::string() : counts_.begin()->first});
    for (links->SeekToFirst(); links->Valid(); links->Next()) ++below;
    RETURN_IF_ERROR(links->status());
    counts_.emplace("", Bucket{below, false});
    Batch b(db_);
    b.Put(families_.buckets, "", EncodeCount(below));
    RETURN_IF_ERROR(db_.Write(b));
  }
  return absl::OkStatus();
}

BucketDirectory::Buckets::iterator BucketDirectory::Find(std::string_view key) {
  auto it = counts_.upper_bound(key);
  return std::prev(it);  // counts_ always holds "", which is <= every key
}

void BucketDirectory::Touch(Buckets::iterator it) {
  if (it->second.dirty) return;
  it->second.dirty = true;
  dirty_.push_back(it);
}

void BucketDirectory::OnInsert(std::string_view key) {
  auto it = Find(key);
  ++it->second.count;
  Touch(it);
}

void BucketDirectory::OnDelete(std::string_view key) {
  auto it = Find(key);
  --it->second.count;
  Touch(it);
}

void BucketDirectory::Stage(Batch& batch) {
  // In key order: RocksDB's memtable inserts sorted keys faster.
  std::sort(dirty_.begin(), dirty_.end(),
            [](const Buckets::iterator& a, const Buckets::iterator& b) { return a->first < b->first; });
  for (const Buckets::iterator& it : dirty_) {
    batch.Put(families_.buckets, it->first, EncodeCount(it->second.count));
  }
}

absl::Status BucketDirectory::AfterWrite() {
  std::vector<std::string> oversized;
  for (const Buckets::iterator& it : dirty_) {
    it->second.dirty = false;
    if (it->second.count > static_cast<int64_t>(2 * target_)) oversized.push_back(it->first);
  }
  dirty_.clear();
  for (const std::string& start : oversized) RETURN_IF_ERROR(Split(start));
  return absl::OkStatus();
}

absl::Status BucketDirectory::Split(const std::string& start) {
  auto it = counts_.find(start);
  auto next = std::next(it);
  std::string end = next == counts_.end() ? std::string() : next->first;
  // One batch can add many times the target to one bucket (a page with
  // thousands of links into one host, a rank pass moving a million entries):
  // one walk over the range cuts it into count / target pieces of equal size
  // (two halves in the steady state), their starts becoming new buckets.
  const int64_t count = it->second.count;
  const int64_t pieces = std::max<int64_t>(2, count / static_cast<int64_t>(target_));
  std::vector<std::pair<std::string, int64_t>> cuts;  // start, count
  auto records = db_.NewIterator(families_.data, {start, end});
  records->SeekToFirst();
  int64_t seen = 0, piece_start = 0;
  for (int64_t piece = 1; piece < pieces; ++piece) {
    const int64_t at = count * piece / pieces;
    for (; seen < at && records->Valid(); ++seen) records->Next();
    if (!records->Valid()) break;
    if (!cuts.empty()) cuts.back().second = at - piece_start;
    cuts.emplace_back(std::string(records->key()), 0);
    piece_start = at;
  }
  RETURN_IF_ERROR(records->status());
  if (cuts.size() + 1 != static_cast<size_t>(pieces)) {
    return absl::DataLossError(
        absl::StrCat("bucket count ", count, " exceeds the records in its range"));
  }
  cuts.back().second = count - piece_start;
  const int64_t first = count * 1 / pieces;
  Batch b(db_);
  b.Put(families_.buckets, start, EncodeCount(first));
  for (const auto& [key, n] : cuts) b.Put(families_.buckets, key, EncodeCount(n));
  RETURN_IF_ERROR(db_.Write(b));
  it->second.count = first;
  for (auto& [key, n] : cuts) counts_.emplace(std::move(key), Bucket{n, false});
  return absl::OkStatus();
}

uint64_t BucketDirectory::total() const {
  int64_t sum = 0;
  for (const auto& [start, bucket] : counts_) sum += bucket.count;
  return static_cast<uint64_t>(sum);
}

namespace {

// The bucket map of `scope` (one walk of its directory entries); nullopt
// when the database has no directory yet.
absl::StatusOr<std::optional<ScopeWalkCache::ScopeMap>> WalkScope(const Db& db,
                                                                  const core::KeyRange& scope,
                                                                  const Snapshot* snapshot,
                                                                  BucketFamilies families) {
  auto buckets = db.NewIterator(families.buckets, {"", ""}, snapshot);
  buckets->SeekForPrev(scope.begin);
  RETURN_IF_ERROR(buckets->status());
  if (!buckets->Valid()) return std::nullopt;
  buckets->Next();
  ScopeWalkCache::ScopeMap map;
  // The part of the bucket holding the scope's start: counted by scanning.
  auto links = db.NewIterator(families.data, scope, snapshot);
  const bool bounded = buckets->Valid();
  const std::string next_start = bounded ? std::string(buckets->key()) : std::string();
  for (links->SeekToFirst(); links->Valid() && (!bounded || links->key() < next_start);
       links->Next()) {
    ++map.first_rows;
  }
  RETURN_IF_ERROR(links->status());
  uint64_t pos = map.first_rows;
  for (; buckets->Valid(); buckets->Next()) {
    std::string_view start = buckets->key();
    if (!scope.end.empty() && start >= scope.end) break;
    ASSIGN_OR_RETURN(int64_t count, DecodeCount(buckets->value()));
    map.buckets.emplace_back(std::string(start), pos);
    pos += static_cast<uint64_t>(count);
  }
  RETURN_IF_ERROR(buckets->status());
  return map;
}

// Row n of the scope through its bucket map.
absl::StatusOr<std::unique_ptr<Iterator>> SeekWithMap(const Db& db, const core::KeyRange& scope,
                                                      uint64_t n, const Snapshot* snapshot,
                                                      uint64_t* rows_scanned, Family data,
                                                      const ScopeWalkCache::ScopeMap& map) {
  auto links = db.NewIterator(data, scope, snapshot);
  uint64_t pos = 0;
  auto after = std::upper_bound(map.buckets.begin(), map.buckets.end(), n,
                                [](uint64_t v, const auto& b) { return v < b.second; });
  if (n < map.first_rows || after == map.buckets.begin()) {
    links->SeekToFirst();
  } else {
    const auto& bucket = *std::prev(after);
    links->Seek(bucket.first);
    pos = bucket.second;
  }
  uint64_t scanned = 0;
  for (; pos < n && links->Valid(); ++pos, ++scanned) links->Next();
  if (rows_scanned) *rows_scanned = scanned;
  RETURN_IF_ERROR(links->status());
  return links;
}

absl::StatusOr<std::unique_ptr<Iterator>> SeekToRowAt(const Db& db, const core::KeyRange& scope,
                                                      uint64_t n, const Snapshot* snapshot,
                                                      uint64_t* rows_scanned,
                                                      BucketFamilies families,
                                                      ScopeWalkCache* cache) {
  // The version of the scope's records and of their directory (splits
  // write only the directory): both only grow, so equal sums mean neither
  // changed.
  const uint64_t data_version = cache != nullptr ? snapshot->version(families.data) : 0;
  const uint64_t bucket_version = cache != nullptr ? snapshot->version(families.buckets) : 0;
  if (n > 0 && data_version != 0 && bucket_version != 0) {
    const uint64_t sequence = data_version + bucket_version;
    ScopeWalkCache::Found found = cache->Find(sequence, families.data, scope);
    std::shared_ptr<const ScopeWalkCache::ScopeMap> map = std::move(found.map);
    if (map == nullptr && found.build) {
      ASSIGN_OR_RETURN(std::optional<ScopeWalkCache::ScopeMap> walked,
                       WalkScope(db, scope, snapshot, families));
      if (walked) {
        map = std::make_shared<const ScopeWalkCache::ScopeMap>(*std::move(walked));
        cache->Insert(sequence, families.data, scope, map);
      }
    }
    if (map != nullptr) {
      return SeekWithMap(db, scope, n, snapshot, rows_scanned, families.data, *map);
    }
  }
  uint64_t scanned = 0;
  auto links = db.NewIterator(families.data, scope, snapshot);
  if (n == 0) {
    // The first row needs no directory (a first page is the common query).
    links->SeekToFirst();
    if (rows_scanned) *rows_scanned = 0;
    RETURN_IF_ERROR(links->status());
    return links;
  }
  // Steps `links` (already positioned) forward `k` rows.
  auto step = [&](uint64_t k) {
    for (uint64_t i = 0; i < k && links->Valid(); ++i) {
      links->Next();
      ++scanned;
    }
  };
  auto buckets = db.NewIterator(families.buckets, {"", ""}, snapshot);
  buckets->SeekForPrev(scope.begin);
  RETURN_IF_ERROR(buckets->status());
  if (!buckets->Valid()) {
    // No directory (an empty or read-only fresh database): plain scan.
    links->SeekToFirst();
    step(n);
    if (rows_scanned) *rows_scanned = scanned;
    RETURN_IF_ERROR(links->status());
    return links;
  }
  // 1. The part of the first bucket that lies inside the scope: counted by
  // scanning (at most one bucket).
  buckets->Next();
  std::string next_start = buckets->Valid() ? std::string(buckets->key()) : std::string();
  auto in_scope_end = [&](const std::string& bucket_end) {
    // True when the bucket ending at bucket_end ends at or before the scope.
    if (bucket_end.empty()) return scope.end.empty();
    return scope.end.empty() || bucket_end <= scope.end;
  };
  links->SeekToFirst();
  uint64_t pos = 0;
  while (links->Valid() && (next_start.empty() || links->key() < next_start)) {
    if (pos == n) {
      if (rows_scanned) *rows_scanned = scanned;
      return links;
    }
    links->Next();
    ++scanned;
    ++pos;
  }
  RETURN_IF_ERROR(links->status());
  // 2. Whole buckets inside the scope, by their counts.
  while (buckets->Valid()) {
    std::string start(buckets->key());
    if (!scope.end.empty() && start >= scope.end) break;
    ASSIGN_OR_RETURN(int64_t count, DecodeCount(buckets->value()));
    buckets->Next();
    RETURN_IF_ERROR(buckets->status());
    std::string end = buckets->Valid() ? std::string(buckets->key()) : std::string();
    if (in_scope_end(end) && pos + static_cast<uint64_t>(count) <= n) {
      pos += static_cast<uint64_t>(count);
      continue;
    }
    // 3. Row n is in this bucket (or the scope ends inside it): scan.
    links->Seek(start);
    step(n - pos);
    RETURN_IF_ERROR(links->status());
    if (rows_scanned) *rows_scanned = scanned;
    return links;
  }
  // The scope ended on a bucket boundary before row n.
  links->Seek(scope.end.empty() ? std::string("\xff\xff\xff\xff", 4) : scope.end);
  while (links->Valid()) links->Next();
  if (rows_scanned) *rows_scanned = scanned;
  return links;
}

}  // namespace

std::string ScopeWalkCache::Key(Family family, const core::KeyRange& scope) {
  std::string key(1, static_cast<char>(family));
  core::PutVarint64(key, scope.begin.size());
  key += scope.begin;
  key += scope.end;
  return key;
}

ScopeWalkCache::Found ScopeWalkCache::Find(uint64_t sequence, Family family,
                                           const core::KeyRange& scope) {
  const std::string key = Key(family, scope);
  std::lock_guard<std::mutex> lock(mu_);
  if (sequence < sequence_) return {};  // an older view than the cached one
  if (sequence > sequence_) {
    maps_.clear();
    skipped_.clear();
    buckets_ = 0;
    sequence_ = sequence;
    return {};
  }
  auto it = maps_.find(key);
  if (it != maps_.end()) return {it->second, false};
  return {nullptr, !skipped_.contains(key)};
}

void ScopeWalkCache::Insert(uint64_t sequence, Family family, const core::KeyRange& scope,
                            std::shared_ptr<const ScopeMap> map) {
  const size_t size = map->buckets.size() + 1;
  std::string key = Key(family, scope);
  std::lock_guard<std::mutex> lock(mu_);
  if (sequence != sequence_) return;
  if (buckets_ + size > max_buckets_) {
    // Full: the maps already kept stay, this scope walks as without a cache.
    skipped_.insert(std::move(key));
    return;
  }
  auto [it, inserted] = maps_.try_emplace(std::move(key), std::move(map));
  if (inserted) buckets_ += size;
}

absl::StatusOr<std::unique_ptr<Iterator>> SeekToRow(const Db& db, const core::KeyRange& scope,
                                                    uint64_t n, const Snapshot* snapshot,
                                                    uint64_t* rows_scanned,
                                                    BucketFamilies families,
                                                    ScopeWalkCache* cache) {
  if (snapshot != nullptr) {
    return SeekToRowAt(db, scope, n, snapshot, rows_scanned, families, cache);
  }
  // Buckets and rows must be read at one point in time.
  std::unique_ptr<Snapshot> own = db.GetSnapshot();
  ASSIGN_OR_RETURN(std::unique_ptr<Iterator> it,
                   SeekToRowAt(db, scope, n, own.get(), rows_scanned, families, cache));
  return std::unique_ptr<Iterator>(new SnapshotIterator(std::move(own), std::move(it)));
}

}  // namespace inlinks::storage
