// The pagination directory over kLinks: a simulated index writer inserts and
// deletes reverse keys through BucketDirectory against a real RocksDB, and
// after every phase we check the directory against a brute-force scan:
// counts per bucket, totals, Reload()/Load() after reopening, and SeekToRow
// for many scopes and row numbers, including how many rows it stepped over.
#include "inlinks/storage/buckets.h"

#include <stdlib.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "inlinks/core/coding.h"
#include "inlinks/core/keys.h"
#include "inlinks/core/url.h"
#include "inlinks/storage/db.h"
#include "tests/testing/status_matchers.h"

namespace inlinks::storage {
namespace {

namespace fs = std::filesystem;
using ::inlinks::testing::IsOk;
using ::inlinks::testing::StatusIs;

using KeySet = std::set<std::string>;

// Hosts on a few registrable domains, including neighbours whose keys sort
// next to each other ("example-shop.com", "examples.com") and IP literals.
const std::vector<std::string>& Hosts() {
  static const auto* hosts = new std::vector<std::string>{
      "example.com",     "www.example.com", "blog.example.com", "example-shop.com",
      "examples.com",    "example.org",     "a.b.example.org",  "127.0.0.1",
      "[2001:db8::1]"};
  return *hosts;
}
// Registrable domains for DomainScope, with one that has no keys.
const std::vector<std::string>& Domains() {
  static const auto* domains = new std::vector<std::string>{
      "example.com", "example-shop.com", "examples.com", "example.org", "absent.net"};
  return *domains;
}

class KeyGenerator {
 public:
  explicit KeyGenerator(uint32_t seed) : rng_(seed) {}

  // A URL on one of the hosts: few distinct paths, so URL scopes hold many
  // keys.
  core::Url RandomUrl() {
    const std::string& host = Hosts()[rng_() % Hosts().size()];
    std::string href = (rng_() % 2 ? "http://" : "https://") + host;
    if (rng_() % 5 == 0) href += ":8080";
    href += "/p" + std::to_string(rng_() % 12);
    if (rng_() % 4 == 0) href += "?q=" + std::to_string(rng_() % 3);
    absl::StatusOr<core::Url> url = core::ParseUrl(href);
    EXPECT_THAT(url, IsOk()) << href;
    return url.value_or(core::Url());
  }

  // A reverse key: URL key plus 4 random bytes standing in for the source
  // and position suffix storage appends (any byte, 0x00 and 0xFF included).
  std::string RandomKey() {
    std::string key = core::UrlKey(RandomUrl());
    for (int i = 0; i < 4; ++i) key.push_back(static_cast<char>(rng_()));
    return key;
  }

  std::mt19937& rng() { return rng_; }

 private:
  std::mt19937 rng_;
};

fs::path MakeTempDir() {
  std::string tmpl = (fs::temp_directory_path() / "inlinks_buckets_test.XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) return {};
  return tmpl;
}

// Rows of `scope` in key order, by brute force over the model.
std::vector<std::string> RowsOf(const KeySet& keys, const core::KeyRange& scope) {
  std::vector<std::string> rows;
  for (auto it = keys.lower_bound(scope.begin); it != keys.end(); ++it) {
    if (!scope.end.empty() && *it >= scope.end) break;
    rows.push_back(*it);
  }
  return rows;
}

uint64_t DecodeBucketCount(std::string_view value) {
  core::Decoder d(value);
  uint64_t count = 0;
  EXPECT_TRUE(d.GetVarint64(count)) << "bad bucket value";
  EXPECT_TRUE(d.done()) << "trailing bytes in bucket value";
  return count;
}

// The directory as stored in kBuckets: (start, count), in key order.
std::vector<std::pair<std::string, uint64_t>> StoredBuckets(const Db& db) {
  std::vector<std::pair<std::string, uint64_t>> out;
  auto it = db.NewIterator(Family::kBuckets, {"", ""});
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    out.emplace_back(std::string(it->key()), DecodeBucketCount(it->value()));
  }
  EXPECT_OK(it->status());
  return out;
}

class BucketsTest : public ::testing::TestWithParam<uint64_t> {
 protected:
  void SetUp() override {
    root_ = MakeTempDir();
    ASSERT_FALSE(root_.empty());
    ASSERT_NO_FATAL_FAILURE(OpenDb());
  }
  void TearDown() override {
    dir_.reset();
    db_.reset();
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  uint64_t target() const { return GetParam(); }

  void OpenDb() {
    DbOptions options;
    options.block_cache_bytes = 4 << 20;
    options.write_buffer_bytes = 4 << 20;
    ASSERT_OK_AND_ASSIGN(db_, Db::Open((root_ / "db").string(), options));
    ASSERT_OK_AND_ASSIGN(dir_, BucketDirectory::Load(*db_, target()));
  }
  void ReopenDb() {
    dir_.reset();
    db_.reset();
    OpenDb();
  }

  // One writer batch of up to `max_ops` inserts/deletes (each key touched
  // once), the way the indexer uses the directory.
  void RandomBatch(int max_ops, int delete_percent) {
    Batch batch(*db_);
    KeySet touched;
    int ops = 1 + static_cast<int>(gen_.rng()() % max_ops);
    for (int i = 0; i < ops; ++i) {
      bool del = !keys_.empty() && static_cast<int>(gen_.rng()() % 100) < delete_percent;
      if (del) {
        auto it = keys_.begin();
        std::advance(it, gen_.rng()() % keys_.size());
        if (touched.count(*it)) continue;
        std::string key = *it;
        touched.insert(key);
        batch.Delete(Family::kLinks, key);
        dir_->OnDelete(key);
        keys_.erase(key);
      } else {
        std::string key = gen_.RandomKey();
        if (keys_.count(key) || touched.count(key)) continue;
        touched.insert(key);
        batch.Put(Family::kLinks, key, "v");
        dir_->OnInsert(key);
        keys_.insert(key);
      }
    }
    dir_->Stage(batch);
    ASSERT_OK(db_->Write(batch));
    ASSERT_OK(dir_->AfterWrite());
  }

  void Phase(int batches, int delete_percent) {
    for (int i = 0; i < batches; ++i) {
      ASSERT_NO_FATAL_FAILURE(RandomBatch(static_cast<int>(target()), delete_percent));
    }
  }

  // kLinks equals the model; every stored bucket counts exactly the records
  // of its range; the in-memory totals agree.
  void CheckDirectory() {
    std::vector<std::string> stored_keys;
    {
      auto it = db_->NewIterator(Family::kLinks, {"", ""});
      for (it->SeekToFirst(); it->Valid(); it->Next()) stored_keys.emplace_back(it->key());
      ASSERT_OK(it->status());
    }
    ASSERT_EQ(stored_keys, std::vector<std::string>(keys_.begin(), keys_.end()));

    auto buckets = StoredBuckets(*db_);
    ASSERT_FALSE(buckets.empty());
    EXPECT_EQ(buckets.front().first, "");
    uint64_t sum = 0;
    for (size_t i = 0; i < buckets.size(); ++i) {
      core::KeyRange range{buckets[i].first,
                           i + 1 < buckets.size() ? buckets[i + 1].first : std::string()};
      EXPECT_EQ(buckets[i].second, RowsOf(keys_, range).size())
          << "bucket " << i << " of " << buckets.size();
      sum += buckets[i].second;
    }
    EXPECT_EQ(sum, keys_.size());
    EXPECT_EQ(dir_->total(), keys_.size());
    EXPECT_EQ(dir_->bucket_count(), buckets.size());
  }

  // Reload() rebuilds the same directory from disk (and writes nothing).
  void CheckReload() {
    auto before = StoredBuckets(*db_);
    size_t count = dir_->bucket_count();
    uint64_t total = dir_->total();
    ASSERT_OK(dir_->Reload());
    EXPECT_EQ(StoredBuckets(*db_), before);
    EXPECT_EQ(dir_->bucket_count(), count);
    EXPECT_EQ(dir_->total(), total);
  }

  uint64_t MaxBucket() {
    uint64_t max = 0;
    for (const auto& [start, count] : StoredBuckets(*db_)) max = std::max(max, count);
    return max;
  }

  // The scopes a query can name, plus the whole key space, empty scopes and
  // random byte ranges.
  std::vector<core::KeyRange> Scopes() {
    std::vector<core::KeyRange> scopes = {{"", ""}, {"m", "m"}, {"zzz", ""}};
    for (const std::string& d : Domains()) scopes.push_back(core::DomainScope(d));
    for (const std::string& h : Hosts()) scopes.push_back(core::HostScope(h));
    scopes.push_back(core::HostScope("nohost.example.com"));
    for (int i = 0; i < 10; ++i) scopes.push_back(core::UrlScope(gen_.RandomUrl()));
    for (int i = 0; i < 5; ++i) {
      std::string a = gen_.RandomKey().substr(0, 1 + gen_.rng()() % 20);
      std::string b = gen_.RandomKey().substr(0, 1 + gen_.rng()() % 20);
      if (b < a) std::swap(a, b);
      scopes.push_back({a, b});
      scopes.push_back({a, ""});
      scopes.push_back({"", b});
    }
    return scopes;
  }

  // SeekToRow(scope, n) against the brute-force rows, for several n.
  // With `cache`, through the scope maps of a ScopeWalkCache (filled by the
  // first call at a snapshot sequence, read by the next ones).
  void CheckSeekToRow(const Snapshot* snapshot = nullptr, const KeySet* model = nullptr,
                      ScopeWalkCache* cache = nullptr) {
    const KeySet& keys = model != nullptr ? *model : keys_;
    const uint64_t bound = 4 * target() + target();
    for (const core::KeyRange& scope : Scopes()) {
      std::vector<std::string> rows = RowsOf(keys, scope);
      const uint64_t count = rows.size();
      std::vector<uint64_t> ns = {0, 1, count / 2, count + 5};
      if (count > 0) {
        ns.push_back(count - 1);
        ns.push_back(count);
        for (int i = 0; i < 3; ++i) ns.push_back(gen_.rng()() % count);
      }
      for (uint64_t n : ns) {
        SCOPED_TRACE(::testing::Message() << "scope [" << ::testing::PrintToString(scope.begin)
                                          << ", " << ::testing::PrintToString(scope.end)
                                          << ") n=" << n << " of " << count);
        uint64_t scanned = ~uint64_t{0};
        ASSERT_OK_AND_ASSIGN(std::unique_ptr<Iterator> it,
                             SeekToRow(*db_, scope, n, snapshot, &scanned, kLinkBuckets, cache));
        ASSERT_OK(it->status());
        if (n >= count) {
          EXPECT_FALSE(it->Valid());
        } else {
          ASSERT_TRUE(it->Valid());
          EXPECT_EQ(it->key(), rows[n]);
          // The iterator continues through the scope in order.
          const uint64_t last = std::min(count, n + 3);
          for (uint64_t i = n + 1; i < last; ++i) {
            it->Next();
            ASSERT_TRUE(it->Valid());
            EXPECT_EQ(it->key(), rows[i]);
          }
          if (last == count) {
            it->Next();
            EXPECT_FALSE(it->Valid()) << "iterator runs past the scope";
          }
        }
        EXPECT_NE(scanned, ~uint64_t{0}) << "rows_scanned not set";
        EXPECT_LE(scanned, bound);
        EXPECT_LE(scanned, n);
      }
    }
  }

  void CheckAll() {
    ASSERT_NO_FATAL_FAILURE(CheckDirectory());
    ASSERT_NO_FATAL_FAILURE(CheckSeekToRow());
    auto snapshot = db_->GetSnapshot();
    ASSERT_NO_FATAL_FAILURE(CheckSeekToRow(snapshot.get()));
    ASSERT_NO_FATAL_FAILURE(CheckSeekToRow(snapshot.get(), nullptr, &cache_));  // fills
    ASSERT_NO_FATAL_FAILURE(CheckSeekToRow(snapshot.get(), nullptr, &cache_));  // reads
    ASSERT_NO_FATAL_FAILURE(CheckSeekToRow(nullptr, nullptr, &cache_));
    ASSERT_NO_FATAL_FAILURE(CheckReload());
    ASSERT_NO_FATAL_FAILURE(CheckDirectory());
  }

  fs::path root_;
  std::unique_ptr<Db> db_;
  std::unique_ptr<BucketDirectory> dir_;
  KeySet keys_;
  KeyGenerator gen_{1234};
  ScopeWalkCache cache_{1000000};
};

TEST_P(BucketsTest, FreshDatabaseHasOneEmptyBucket) {
  EXPECT_EQ(dir_->bucket_count(), 1u);
  EXPECT_EQ(dir_->total(), 0u);
  EXPECT_EQ(dir_->target(), target());
  auto buckets = StoredBuckets(*db_);
  ASSERT_EQ(buckets.size(), 1u);
  EXPECT_EQ(buckets[0], (std::pair<std::string, uint64_t>("", 0)));
  ASSERT_NO_FATAL_FAILURE(CheckSeekToRow());
}

TEST_P(BucketsTest, RandomInsertsAndDeletesKeepTheDirectoryExact) {
  ASSERT_NO_FATAL_FAILURE(Phase(150, 0));  // grow: many splits
  EXPECT_GT(dir_->bucket_count(), 10u);
  EXPECT_LE(MaxBucket(), 2 * target());
  ASSERT_NO_FATAL_FAILURE(CheckAll());

  ASSERT_NO_FATAL_FAILURE(Phase(150, 40));  // churn
  EXPECT_LE(MaxBucket(), 2 * target());
  ASSERT_NO_FATAL_FAILURE(CheckAll());

  ASSERT_NO_FATAL_FAILURE(Phase(150, 95));  // shrink: empty buckets remain
  ASSERT_NO_FATAL_FAILURE(CheckAll());

  // A fresh Load() after reopening the database sees the same directory and
  // keeps working.
  auto before = StoredBuckets(*db_);
  ASSERT_NO_FATAL_FAILURE(ReopenDb());
  EXPECT_EQ(StoredBuckets(*db_), before);
  EXPECT_EQ(dir_->bucket_count(), before.size());
  ASSERT_NO_FATAL_FAILURE(CheckAll());

  ASSERT_NO_FATAL_FAILURE(Phase(150, 10));  // regrow
  EXPECT_LE(MaxBucket(), 2 * target());
  ASSERT_NO_FATAL_FAILURE(CheckAll());
  ASSERT_OK(db_->Flush());
  ASSERT_NO_FATAL_FAILURE(ReopenDb());
  ASSERT_NO_FATAL_FAILURE(CheckAll());
}

// A snapshot taken before later writes (and the splits they cause) still
// pages through the old rows.
TEST_P(BucketsTest, SeekToRowReadsItsSnapshot) {
  ASSERT_NO_FATAL_FAILURE(Phase(60, 0));
  KeySet old_keys = keys_;
  auto snapshot = db_->GetSnapshot();
  size_t old_buckets = dir_->bucket_count();
  ASSERT_NO_FATAL_FAILURE(Phase(60, 30));
  EXPECT_GT(dir_->bucket_count(), old_buckets);
  ASSERT_NO_FATAL_FAILURE(CheckSeekToRow(snapshot.get(), &old_keys));
  ASSERT_NO_FATAL_FAILURE(CheckSeekToRow());
  // The scope maps of one snapshot never serve another.
  ASSERT_NO_FATAL_FAILURE(CheckSeekToRow(snapshot.get(), &old_keys, &cache_));
  ASSERT_NO_FATAL_FAILURE(CheckSeekToRow(nullptr, nullptr, &cache_));
  ASSERT_NO_FATAL_FAILURE(CheckSeekToRow(snapshot.get(), &old_keys, &cache_));
  ASSERT_NO_FATAL_FAILURE(Phase(20, 50));
  ASSERT_NO_FATAL_FAILURE(CheckSeekToRow(nullptr, nullptr, &cache_));
}

TEST(ScopeWalkCacheTest, MapsServeOnlyTheirSequenceAndStayBounded) {
  ScopeWalkCache cache(5);
  auto map = [](size_t buckets) {
    auto m = std::make_shared<ScopeWalkCache::ScopeMap>();
    for (size_t i = 0; i < buckets; ++i) m->buckets.emplace_back(std::string(1, 'a' + i), i * 10);
    return std::shared_ptr<const ScopeWalkCache::ScopeMap>(std::move(m));
  };
  const core::KeyRange a{"a", "b"}, b{"b", "c"};
  // The first reader at a sequence is told not to build (the database may be
  // being written); the next one at the same sequence is.
  ScopeWalkCache::Found f = cache.Find(3, Family::kStrength, a);
  EXPECT_EQ(f.map, nullptr);
  EXPECT_FALSE(f.build);
  f = cache.Find(3, Family::kStrength, a);
  EXPECT_EQ(f.map, nullptr);
  EXPECT_TRUE(f.build);
  cache.Insert(3, Family::kStrength, a, map(2));  // 3 of 5 (a map counts one more)
  EXPECT_NE(cache.Find(3, Family::kStrength, a).map, nullptr);
  EXPECT_EQ(cache.Find(3, Family::kLinks, a).map, nullptr) << "another family";
  EXPECT_EQ(cache.Find(3, Family::kStrength, b).map, nullptr);
  EXPECT_FALSE(cache.Find(2, Family::kStrength, a).build) << "an older sequence";
  EXPECT_EQ(cache.Find(2, Family::kStrength, a).map, nullptr);
  cache.Insert(2, Family::kStrength, b, map(1));  // older than the cache: ignored
  EXPECT_EQ(cache.Find(3, Family::kStrength, b).map, nullptr);
  cache.Insert(3, Family::kStrength, b, map(1));  // 5 of 5
  EXPECT_NE(cache.Find(3, Family::kStrength, a).map, nullptr);
  EXPECT_NE(cache.Find(3, Family::kStrength, b).map, nullptr);
  EXPECT_TRUE(cache.Find(3, Family::kLinks, a).build);
  cache.Insert(3, Family::kLinks, a, map(0));  // over the bound: not kept...
  EXPECT_NE(cache.Find(3, Family::kStrength, a).map, nullptr) << "the kept maps stay";
  f = cache.Find(3, Family::kLinks, a);
  EXPECT_EQ(f.map, nullptr);
  EXPECT_FALSE(f.build) << "...and not built again at this sequence";
  cache.Insert(3, Family::kLinks, b, map(5));  // larger than the whole cache: not kept
  EXPECT_EQ(cache.Find(3, Family::kLinks, b).map, nullptr);
  EXPECT_FALSE(cache.Find(3, Family::kLinks, b).build);
  // A newer sequence drops every map, and its first reader does not build.
  f = cache.Find(9, Family::kLinks, a);
  EXPECT_EQ(f.map, nullptr);
  EXPECT_FALSE(f.build);
  cache.Insert(3, Family::kLinks, a, map(1));  // built at the old sequence: ignored
  EXPECT_EQ(cache.Find(9, Family::kLinks, a).map, nullptr);
  EXPECT_TRUE(cache.Find(9, Family::kLinks, a).build) << "skipped only at sequence 3";
  cache.Insert(9, Family::kLinks, a, map(1));
  EXPECT_NE(cache.Find(9, Family::kLinks, a).map, nullptr);
  EXPECT_EQ(cache.Find(3, Family::kLinks, a).map, nullptr);
}

// After a failed write the in-memory counts are ahead of the disk; Reload()
// (as buckets.h prescribes) brings them back.
TEST_P(BucketsTest, ReloadAfterFailedWrite) {
  ASSERT_NO_FATAL_FAILURE(Phase(40, 0));
  uint64_t total = dir_->total();
  size_t count = dir_->bucket_count();

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> other, Db::Open((root_ / "other").string()));
  Batch foreign(*other);  // Write() refuses a batch of another database
  std::string key = gen_.RandomKey();
  foreign.Put(Family::kLinks, key, "v");
  dir_->OnInsert(key);
  dir_->OnInsert(gen_.RandomKey());
  dir_->Stage(foreign);
  EXPECT_THAT(db_->Write(foreign), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(dir_->total(), total + 2);  // ahead of the disk

  ASSERT_OK(dir_->Reload());
  EXPECT_EQ(dir_->total(), total);
  EXPECT_EQ(dir_->bucket_count(), count);
  ASSERT_NO_FATAL_FAILURE(CheckAll());
  ASSERT_NO_FATAL_FAILURE(Phase(20, 20));
  ASSERT_NO_FATAL_FAILURE(CheckAll());
}

// Records written before any directory existed: Load() counts them into the
// first bucket, and SeekToRow works before any Load() through a plain scan.
TEST_P(BucketsTest, LoadCountsRecordsWrittenWithoutDirectory) {
  dir_.reset();
  db_.reset();
  std::error_code ec;
  fs::remove_all(root_ / "db", ec);
  DbOptions options;
  options.block_cache_bytes = 1 << 20;
  ASSERT_OK_AND_ASSIGN(db_, Db::Open((root_ / "db").string(), options));
  Batch batch(*db_);
  for (int i = 0; i < 50; ++i) {
    std::string key = gen_.RandomKey();
    if (keys_.insert(key).second) batch.Put(Family::kLinks, key, "v");
  }
  ASSERT_OK(db_->Write(batch));

  // No directory at all: SeekToRow scans n rows.
  uint64_t scanned = 0;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Iterator> it,
                       SeekToRow(*db_, {"", ""}, 17, nullptr, &scanned));
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), *std::next(keys_.begin(), 17));
  EXPECT_EQ(scanned, 17u);

  ASSERT_OK_AND_ASSIGN(dir_, BucketDirectory::Load(*db_, target()));
  EXPECT_EQ(dir_->total(), keys_.size());
  EXPECT_EQ(dir_->bucket_count(), 1u);
  ASSERT_NO_FATAL_FAILURE(CheckDirectory());
  // The oversized first bucket splits on its next change.
  ASSERT_NO_FATAL_FAILURE(Phase(30, 0));
  ASSERT_NO_FATAL_FAILURE(CheckAll());
}

// BUG (reported, not fixed here): AfterWrite() splits a dirty bucket once, at
// its median, so one batch that adds more than 2 x target records to a
// bucket leaves two halves still above 2 x target, and the new half is not
// dirty, so nothing splits it later until it changes again. SeekToRow then
// scans more than the ~4 x target rows buckets.h promises. Realistic: one
// page with thousands of links into one host lands in one bucket.
// Repro: target 4; one batch of 100 inserts into an empty directory ->
// buckets of 50 and 50; SeekToRow(whole, 99) scans 99 rows.
TEST_P(BucketsTest, OneLargeBatchIsSplitDownToTarget) {
  Batch batch(*db_);
  for (uint64_t i = 0; i < 25 * target(); ++i) {
    std::string key = gen_.RandomKey();
    if (!keys_.insert(key).second) continue;
    batch.Put(Family::kLinks, key, "v");
    dir_->OnInsert(key);
  }
  dir_->Stage(batch);
  ASSERT_OK(db_->Write(batch));
  ASSERT_OK(dir_->AfterWrite());
  ASSERT_NO_FATAL_FAILURE(CheckDirectory());
  EXPECT_LE(MaxBucket(), 2 * target());
  uint64_t scanned = 0;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Iterator> it,
                       SeekToRow(*db_, {"", ""}, keys_.size() - 1, nullptr, &scanned));
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), *keys_.rbegin());
  EXPECT_LE(scanned, 4 * target() + target());
}

INSTANTIATE_TEST_SUITE_P(Targets, BucketsTest, ::testing::Values(2, 4, 16),
                         [](const ::testing::TestParamInfo<uint64_t>& info) {
                           return "Target" + std::to_string(info.param);
                         });

// 200,000 records with the default target: row 150,000 is reached by bucket
// counts, not by stepping over 150,000 rows. (Counts only, no timing: timing
// belongs in bench/micro.)
TEST(BucketsScaleTest, DeepRowScansAtMostAFewBuckets) {
  fs::path root = MakeTempDir();
  ASSERT_FALSE(root.empty());
  {
    DbOptions options;
    options.block_cache_bytes = 16 << 20;
    options.write_buffer_bytes = 16 << 20;
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, Db::Open((root / "db").string(), options));
    constexpr uint64_t kTarget = BucketDirectory::kDefaultTarget;
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<BucketDirectory> dir,
                         BucketDirectory::Load(*db, kTarget));
    KeyGenerator gen(99);
    KeySet keys;
    constexpr size_t kKeys = 200'000;
    while (keys.size() < kKeys) {
      Batch batch(*db);
      for (int i = 0; i < 1000 && keys.size() < kKeys; ++i) {
        // More distinct paths than RandomKey() so that URL scopes stay small.
        std::string key = gen.RandomKey() + std::to_string(gen.rng()() % 1000);
        if (!keys.insert(key).second) continue;
        batch.Put(Family::kLinks, key, "v");
        dir->OnInsert(key);
      }
      dir->Stage(batch);
      ASSERT_OK(db->Write(batch));
      ASSERT_OK(dir->AfterWrite());
    }
    EXPECT_EQ(dir->total(), kKeys);
    EXPECT_GE(dir->bucket_count(), kKeys / (2 * kTarget));
    std::vector<std::string> all(keys.begin(), keys.end());

    auto snapshot = db->GetSnapshot();
    for (uint64_t n : {uint64_t{150'000}, uint64_t{0}, uint64_t{199'999}, uint64_t{123'457}}) {
      uint64_t scanned = 0;
      ASSERT_OK_AND_ASSIGN(std::unique_ptr<Iterator> it,
                           SeekToRow(*db, {"", ""}, n, snapshot.get(), &scanned));
      ASSERT_TRUE(it->Valid()) << n;
      EXPECT_EQ(it->key(), all[n]) << n;
      EXPECT_LE(scanned, 4 * kTarget) << n;
    }
    uint64_t scanned = 0;
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Iterator> past,
                         SeekToRow(*db, {"", ""}, kKeys, snapshot.get(), &scanned));
    EXPECT_FALSE(past.get()->Valid());
    EXPECT_LE(scanned, 4 * kTarget);

    // A domain scope deep inside the key space.
    core::KeyRange scope = core::DomainScope("example.com");
    std::vector<std::string> rows = RowsOf(keys, scope);
    ASSERT_GT(rows.size(), 40'000u);
    uint64_t n = rows.size() * 3 / 4;
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Iterator> it,
                         SeekToRow(*db, scope, n, snapshot.get(), &scanned));
    ASSERT_TRUE(it->Valid());
    EXPECT_EQ(it->key(), rows[n]);
    EXPECT_LE(scanned, 4 * kTarget);
    snapshot.reset();
  }
  std::error_code ec;
  fs::remove_all(root, ec);
}

}  // namespace
}  // namespace inlinks::storage
