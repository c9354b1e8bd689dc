// storage::Db against a real RocksDB in a fresh temp directory per test:
// families, atomic batches, snapshots, bounded iterators, the counter merge
// operator, the format version, and the error codes of every failure mode we
// can provoke without root (corrupt files, locks, read-only opens, a file size
// limit standing in for a full disk).
#include "inlinks/storage/db.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "inlinks/core/keys.h"
#include "tests/testing/status_matchers.h"

namespace inlinks::storage {
namespace {

namespace fs = std::filesystem;
using ::inlinks::testing::IsOk;
using ::inlinks::testing::IsOkAndHolds;
using ::inlinks::testing::StatusIs;
using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr Family kAllFamilies[] = {Family::kMeta,  Family::kLinks,    Family::kLost,
                                   Family::kForward, Family::kPages, Family::kCounters,
                                   Family::kBuckets, Family::kFrontier, Family::kStrength,
                                   Family::kStrengthBuckets, Family::kJournal};
static_assert(std::size(kAllFamilies) == kFamilyCount);
constexpr char kFormatKey[] = "inlinks.format_version";

// A unique directory under the system temp dir, removed with its contents.
fs::path MakeTempDir(const char* prefix) {
  std::string tmpl = (fs::temp_directory_path() / (std::string(prefix) + ".XXXXXX")).string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed for " << tmpl;
    return {};
  }
  return tmpl;
}

class DbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = MakeTempDir("inlinks_db_test");
    ASSERT_FALSE(root_.empty());
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  // The database directory (not created yet: Open creates it).
  std::string DbDir() const { return (root_ / "db").string(); }

  absl::StatusOr<std::unique_ptr<Db>> OpenDb(DbOptions options = {}) {
    // Small caches keep the many opens of this file cheap.
    options.block_cache_bytes = 1 << 20;
    options.write_buffer_bytes = 1 << 20;
    return Db::Open(DbDir(), options);
  }

  static std::vector<fs::path> FilesEndingIn(const fs::path& dir, std::string_view suffix) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir)) {
      std::string name = e.path().filename().string();
      if (name.size() >= suffix.size() &&
          name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
        out.push_back(e.path());
      }
    }
    return out;
  }
  static std::vector<fs::path> FilesStartingWith(const fs::path& dir, std::string_view prefix) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().filename().string().rfind(prefix, 0) == 0) out.push_back(e.path());
    }
    return out;
  }

  fs::path root_;
};

// Every key/value of `range` in `family`, in order; the iterator's status at
// the end goes to `status`.
std::vector<std::pair<std::string, std::string>> Scan(const Db& db, Family family,
                                                      const core::KeyRange& range,
                                                      absl::Status* status = nullptr,
                                                      const Snapshot* snapshot = nullptr) {
  std::vector<std::pair<std::string, std::string>> out;
  auto it = db.NewIterator(family, range, snapshot);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    out.emplace_back(std::string(it->key()), std::string(it->value()));
  }
  if (status != nullptr) *status = it->status();
  return out;
}

std::vector<std::string> Keys(const Db& db, Family family, const core::KeyRange& range) {
  std::vector<std::string> keys;
  absl::Status status;
  for (auto& [k, v] : Scan(db, family, range, &status)) keys.push_back(k);
  EXPECT_OK(status);
  return keys;
}

// --- Open, put, get, delete -------------------------------------------------

TEST_F(DbTest, CreatesFreshDatabaseWithFormatVersion) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
  EXPECT_EQ(db->dir(), DbDir());
  EXPECT_TRUE(fs::exists(fs::path(DbDir()) / "CURRENT"));
  ASSERT_OK_AND_ASSIGN(std::optional<std::string> v, db->Get(Family::kMeta, kFormatKey));
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(*v, std::to_string(kFormatVersion));
  // Nothing else is in a fresh database.
  for (Family f : kAllFamilies) {
    if (f == Family::kMeta) continue;
    EXPECT_TRUE(Keys(*db, f, {"", ""}).empty()) << static_cast<int>(f);
  }
}

TEST_F(DbTest, CreateIfMissingFalseOnMissingDirIsNotFound) {
  EXPECT_THAT(OpenDb({.create_if_missing = false}), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_FALSE(fs::exists(DbDir()));
}

TEST_F(DbTest, CreatesInExistingEmptyDirectory) {
  fs::create_directory(DbDir());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
}

TEST_F(DbTest, PutGetDeleteAcrossFamilies) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
  // The same key in every family holds a different value: families are
  // separate key spaces.
  const std::string key("k\0\xff", 3);
  {
    Batch b(*db);
    for (Family f : kAllFamilies) {
      if (f == Family::kCounters) continue;  // counters hold merge operands
      b.Put(f, key, "v" + std::to_string(static_cast<int>(f)));
    }
    EXPECT_EQ(b.Count(), kFamilyCount - 1u);
    EXPECT_GT(b.ByteSize(), 0u);
    ASSERT_OK(db->Write(b));
  }
  for (Family f : kAllFamilies) {
    if (f == Family::kCounters) continue;
    ASSERT_OK_AND_ASSIGN(std::optional<std::string> v, db->Get(f, key));
    EXPECT_EQ(v, "v" + std::to_string(static_cast<int>(f)));
  }
  ASSERT_OK_AND_ASSIGN(std::optional<std::string> missing, db->Get(Family::kLinks, "nope"));
  EXPECT_FALSE(missing.has_value());
  // A prefix of a key is a different key.
  ASSERT_OK_AND_ASSIGN(missing, db->Get(Family::kLinks, std::string_view("k\0", 2)));
  EXPECT_FALSE(missing.has_value());

  // Delete in one family leaves the others; overwrite replaces.
  {
    Batch b(*db);
    b.Delete(Family::kLinks, key);
    b.Put(Family::kPages, key, "new");
    ASSERT_OK(db->Write(b));
  }
  ASSERT_OK_AND_ASSIGN(std::optional<std::string> v, db->Get(Family::kLinks, key));
  EXPECT_FALSE(v.has_value());
  ASSERT_OK_AND_ASSIGN(v, db->Get(Family::kLost, key));
  EXPECT_EQ(v, "v2");
  ASSERT_OK_AND_ASSIGN(v, db->Get(Family::kPages, key));
  EXPECT_EQ(v, "new");
  // Deleting an absent key is fine.
  Batch b(*db);
  b.Delete(Family::kForward, "absent");
  EXPECT_OK(db->Write(b));
  // An empty batch is fine too.
  Batch empty(*db);
  EXPECT_EQ(empty.Count(), 0u);
  EXPECT_OK(db->Write(empty));
}

TEST_F(DbTest, LaterWriteInOneBatchWins) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
  Batch b(*db);
  b.Put(Family::kLinks, "a", "1");
  b.Put(Family::kLinks, "a", "2");
  b.Put(Family::kLinks, "b", "1");
  b.Delete(Family::kLinks, "b");
  ASSERT_OK(db->Write(b));
  ASSERT_OK_AND_ASSIGN(std::optional<std::string> v, db->Get(Family::kLinks, "a"));
  EXPECT_EQ(v, "2");
  ASSERT_OK_AND_ASSIGN(v, db->Get(Family::kLinks, "b"));
  EXPECT_FALSE(v.has_value());
}

TEST_F(DbTest, LargeValuesRoundTrip) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
  std::string big(3 << 20, '\0');
  std::mt19937 rng(1);
  for (char& c : big) c = static_cast<char>(rng());
  Batch b(*db);
  b.Put(Family::kPages, "big", big);
  ASSERT_OK(db->Write(b));
  ASSERT_OK(db->Flush());
  ASSERT_OK_AND_ASSIGN(std::optional<std::string> v, db->Get(Family::kPages, "big"));
  ASSERT_TRUE(v.has_value());
  EXPECT_TRUE(*v == big);
  EXPECT_GT(db->ApproximateSize(Family::kPages), 0u);
}

TEST_F(DbTest, ReopenKeepsData) {
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
    Batch b(*db);
    for (int i = 0; i < 1000; ++i) {
      b.Put(Family::kLinks, "key" + std::to_string(i), "value" + std::to_string(i));
    }
    b.Put(Family::kPages, "page", "p");
    ASSERT_OK(db->Write(b));
    // Half flushed to an SST, half only in the WAL.
    ASSERT_OK(db->Flush());
    Batch b2(*db);
    b2.Put(Family::kForward, "fwd", "f");
    b2.Delete(Family::kLinks, "key7");
    ASSERT_OK(db->Write(b2));
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb({.create_if_missing = false}));
  EXPECT_EQ(Keys(*db, Family::kLinks, {"", ""}).size(), 999u);
  ASSERT_OK_AND_ASSIGN(std::optional<std::string> v, db->Get(Family::kLinks, "key999"));
  EXPECT_EQ(v, "value999");
  ASSERT_OK_AND_ASSIGN(v, db->Get(Family::kLinks, "key7"));
  EXPECT_FALSE(v.has_value());
  ASSERT_OK_AND_ASSIGN(v, db->Get(Family::kPages, "page"));
  EXPECT_EQ(v, "p");
  ASSERT_OK_AND_ASSIGN(v, db->Get(Family::kForward, "fwd"));
  EXPECT_EQ(v, "f");
}

// --- Atomicity and snapshots ------------------------------------------------

TEST_F(DbTest, BatchOfAnotherDatabaseIsRefusedAndWritesNothing) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
  fs::path other_dir = root_ / "other";
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> other, Db::Open(other_dir.string()));
  Batch b(*other);
  b.Put(Family::kLinks, "x", "1");
  EXPECT_THAT(db->Write(b), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(Keys(*db, Family::kLinks, {"", ""}).empty());
  EXPECT_TRUE(Keys(*other, Family::kLinks, {"", ""}).empty());
}

// Ingest: the same writes as Write (puts, deletes, counter merges over
// existing values), as table files; a key written twice is refused with
// nothing applied; files an interrupted ingestion left are removed on open.
TEST_F(DbTest, IngestAppliesABatchAsTableFiles) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
  Batch before(*db);
  before.Put(Family::kLinks, "gone", "x");
  before.AddCounters("c", {5, 1});
  ASSERT_OK(db->Write(before));
  ASSERT_OK(db->Flush());
  std::unique_ptr<Snapshot> old = db->GetSnapshot();

  Batch b(*db);
  b.Put(Family::kLinks, "b", "2");
  b.Put(Family::kLinks, "a", "1");  // out of order: Ingest sorts
  b.Delete(Family::kLinks, "gone");
  b.AddCounters("c", {2, -1});
  b.Put(Family::kMeta, "inlinks.test", "m");
  ASSERT_OK(db->Ingest(b));
  EXPECT_THAT(db->Get(Family::kLinks, "a"), IsOkAndHolds(std::optional<std::string>("1")));
  EXPECT_THAT(db->Get(Family::kLinks, "gone"), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(db->GetCounters("c"), IsOkAndHolds(std::vector<int64_t>{7, 0, 0, 0}));
  EXPECT_THAT(db->Get(Family::kLinks, "gone", old.get()),
              IsOkAndHolds(std::optional<std::string>("x")));
  EXPECT_THAT(db->Get(Family::kLinks, "a", old.get()), IsOkAndHolds(std::nullopt));
  EXPECT_TRUE(FilesStartingWith(DbDir(), "ingest-").empty());

  Batch twice(*db);
  twice.Put(Family::kLinks, "z", "1");
  twice.Put(Family::kStrength, "k", "1");
  twice.Put(Family::kStrength, "k", "2");
  EXPECT_THAT(db->Ingest(twice), StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("written twice in family strength")));
  EXPECT_THAT(db->Get(Family::kLinks, "z"), IsOkAndHolds(std::nullopt));
  EXPECT_TRUE(FilesStartingWith(DbDir(), "ingest-").empty());

  old.reset();
  db.reset();
  { std::ofstream(fs::path(DbDir()) / "ingest-7.sst") << "half written"; }
  ASSERT_OK_AND_ASSIGN(db, OpenDb());
  EXPECT_TRUE(FilesStartingWith(DbDir(), "ingest-").empty());
  EXPECT_THAT(db->Get(Family::kLinks, "b"), IsOkAndHolds(std::optional<std::string>("2")));
}

TEST_F(DbTest, BatchCountsItsWritesPerFamily) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
  Batch b(*db);
  b.Put(Family::kLinks, "a", "1");
  b.Put(Family::kLinks, "b", "2");
  b.Delete(Family::kLost, "c");
  b.AddCounters("k", {1, 2});
  b.AddCounter("k", 3);
  b.Put(Family::kStrengthBuckets, "", "7");
  std::array<size_t, kFamilyCount> expected{};
  expected[static_cast<int>(Family::kLinks)] = 2;
  expected[static_cast<int>(Family::kLost)] = 1;
  expected[static_cast<int>(Family::kCounters)] = 2;
  expected[static_cast<int>(Family::kStrengthBuckets)] = 1;
  EXPECT_EQ(b.CountByFamily(), expected);
  EXPECT_EQ(b.Count(), 6u);
}

// A batch's bytes replayed into another database make the same writes there,
// counter merges included, and count as writes of their families.
TEST_F(DbTest, BatchDataReplaysIntoAnotherDatabase) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> other, Db::Open((root_ / "other").string()));
  {
    Batch seed(*other);
    seed.Put(Family::kLost, "gone", "x");
    seed.AddCounter("k", 10);
    ASSERT_OK(other->Write(seed));
  }
  Batch b(*db);
  b.Put(Family::kLinks, "a", "1");
  b.Delete(Family::kLost, "gone");
  b.AddCounter("k", 5);
  ASSERT_OK(db->Write(b));

  const auto before = other->GetSnapshot();
  ASSERT_OK_AND_ASSIGN(Batch replay, Batch::FromData(*other, b.Data()));
  EXPECT_EQ(replay.CountByFamily(), b.CountByFamily());
  ASSERT_OK(other->Write(replay));
  const auto after = other->GetSnapshot();
  EXPECT_THAT(other->Get(Family::kLinks, "a"), IsOkAndHolds(std::optional<std::string>("1")));
  EXPECT_THAT(other->Get(Family::kLost, "gone"), IsOkAndHolds(std::optional<std::string>()));
  EXPECT_THAT(other->GetCounter("k"), IsOkAndHolds(int64_t{15}));
  EXPECT_THAT(db->GetCounter("k"), IsOkAndHolds(int64_t{5}));
  // The replayed batch moved the versions of exactly the families it wrote.
  EXPECT_NE(before->version(Family::kLinks), after->version(Family::kLinks));
  EXPECT_NE(before->version(Family::kCounters), after->version(Family::kCounters));
  EXPECT_EQ(before->version(Family::kPages), after->version(Family::kPages));
}

TEST_F(DbTest, BatchDataReplaysOnlyTheWritesKept) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> other, Db::Open((root_ / "other").string()));
  Batch b(*db);
  b.Put(Family::kLinks, "a", "1");
  b.Put(Family::kLinks, "skip-b", "2");
  b.Put(Family::kPages, "p", "3");
  b.AddCounter("keep", 4);
  b.AddCounter("skip", 5);
  const std::string data = b.Data();
  ASSERT_OK_AND_ASSIGN(Batch kept, Batch::FromData(*other, data, [](Family f, std::string_view k) {
                         return f != Family::kPages && !k.starts_with("skip");
                       }));
  std::array<size_t, kFamilyCount> expected{};
  expected[static_cast<int>(Family::kLinks)] = 1;
  expected[static_cast<int>(Family::kCounters)] = 1;
  EXPECT_EQ(kept.CountByFamily(), expected);
  const auto before = other->GetSnapshot();
  ASSERT_OK(other->Write(kept));
  const auto after = other->GetSnapshot();
  EXPECT_EQ(Keys(*other, Family::kLinks, {"", ""}), std::vector<std::string>{"a"});
  EXPECT_TRUE(Keys(*other, Family::kPages, {"", ""}).empty());
  EXPECT_THAT(other->GetCounter("keep"), IsOkAndHolds(int64_t{4}));
  EXPECT_THAT(other->GetCounter("skip"), IsOkAndHolds(int64_t{0}));
  EXPECT_EQ(before->version(Family::kPages), after->version(Family::kPages));
  EXPECT_NE(before->version(Family::kLinks), after->version(Family::kLinks));
  // The filtering path refuses bytes that are no batch too.
  EXPECT_THAT(Batch::FromData(*other, std::string_view(data).substr(0, data.size() - 3),
                              [](Family, std::string_view) { return true; }),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(DbTest, BatchFromBytesThatAreNoBatchIsInvalidArgument) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
  Batch b(*db);
  b.Put(Family::kLinks, "a", "1");
  b.Put(Family::kLinks, "b", "2");
  const std::string data = b.Data();
  EXPECT_THAT(Batch::FromData(*db, ""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Batch::FromData(*db, "not a write batch at all"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Cut short: the count in the header no longer matches the records.
  EXPECT_THAT(Batch::FromData(*db, data.substr(0, data.size() - 3)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // A column family id this database does not have.
  // (RocksDB's record: type 0x05 = a put into a column family, then its id.)
  ASSERT_EQ(data[12], 0x05);
  std::string unknown = data;
  unknown[13] = '\x7f';
  EXPECT_THAT(Batch::FromData(*db, unknown),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown column family")));
  EXPECT_THAT(Batch::FromData(*db, unknown), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(Keys(*db, Family::kLinks, {"", ""}).empty());
}

// A Db that wraps another builds its batches for the wrapped one.
class CountingDb : public ForwardingDb {
 public:
  using ForwardingDb::ForwardingDb;
  absl::Status Write(Batch& batch) override {
    ++writes;
    return ForwardingDb::Write(batch);
  }
  int writes = 0;
};

TEST_F(DbTest, BatchOfAWrappingDbWritesTheWrappedOne) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
  CountingDb wrapper(*db);
  Batch b(wrapper);
  b.Put(Family::kLinks, "a", "1");
  ASSERT_OK(wrapper.Write(b));
  EXPECT_EQ(wrapper.writes, 1);
  EXPECT_THAT(db->Get(Family::kLinks, "a"), IsOkAndHolds(std::optional<std::string>("1")));
  // Reads go to the wrapped database too.
  EXPECT_THAT(wrapper.Get(Family::kLinks, "a"),
              IsOkAndHolds(std::optional<std::string>("1")));
  EXPECT_EQ(&wrapper.Target(), db.get());
  EXPECT_EQ(wrapper.dir(), db->dir());
  // Its batches are the wrapped database's, not another's.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> other, Db::Open((root_ / "other").string()));
  Batch mine(wrapper);
  mine.Put(Family::kLinks, "b", "2");
  EXPECT_THAT(other->Write(mine), StatusIs(absl::StatusCode::kInvalidArgument));
}

// A reader taking snapshots while a writer commits batches never sees part of
// a batch: each batch writes kPerBatch keys in two families plus a counter.
TEST_F(DbTest, WriteIsAllOrNothingForConcurrentReaders) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
  constexpr int kBatches = 200;
  constexpr int kPerBatch = 50;
  std::atomic<bool> done{false};
  std::atomic<int> checks{0};
  std::string reader_error;
  std::thread reader([&] {
    while (!done.load()) {
      auto snap = db->GetSnapshot();
      std::map<std::string, int> per_batch;
      auto it = db->NewIterator(Family::kLinks, {"", ""}, snap.get());
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        ++per_batch[std::string(it->key().substr(0, 5))];
      }
      size_t pages = 0;
      auto pit = db->NewIterator(Family::kPages, {"", ""}, snap.get());
      for (pit->SeekToFirst(); pit->Valid(); pit->Next()) ++pages;
      absl::StatusOr<int64_t> counter = db->GetCounter("rows", snap.get());
      if (!it->status().ok() || !pit->status().ok() || !counter.ok()) {
        reader_error = "read failed";
        return;
      }
      for (const auto& [batch, n] : per_batch) {
        if (n != kPerBatch) {
          reader_error = "batch " + batch + " seen with " + std::to_string(n) + " keys";
          return;
        }
      }
      if (pages != per_batch.size() ||
          *counter != static_cast<int64_t>(per_batch.size()) * kPerBatch) {
        reader_error = "families out of step: " + std::to_string(per_batch.size()) +
                       " batches, " + std::to_string(pages) + " pages, counter " +
                       std::to_string(*counter);
        return;
      }
      ++checks;
    }
  });
  for (int i = 0; i < kBatches; ++i) {
    Batch b(*db);
    char prefix[8];
    std::snprintf(prefix, sizeof prefix, "b%04d", i);
    for (int j = 0; j < kPerBatch; ++j) b.Put(Family::kLinks, prefix + std::to_string(j), "v");
    b.Put(Family::kPages, prefix, "p");
    b.AddCounter("rows", kPerBatch);
    ASSERT_OK(db->Write(b));
  }
  done = true;
  reader.join();
  EXPECT_EQ(reader_error, "");
  EXPECT_GT(checks.load(), 0);
}

// Snapshots taken with no write in between share one RocksDB snapshot; one
// taken after a write sees it while the earlier ones still do not, and every
// view outlives the others being released.
TEST_F(DbTest, SnapshotsBetweenWritesShareAViewAndLaterOnesSeeNewWrites) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
  auto put = [&](std::string_view value) {
    Batch b(*db);
    b.Put(Family::kLinks, "k", value);
    return db->Write(b);
  };
  ASSERT_OK(put("1"));
  std::unique_ptr<Snapshot> first = db->GetSnapshot();
  std::unique_ptr<Snapshot> second = db->GetSnapshot();
  ASSERT_OK(put("2"));
  std::unique_ptr<Snapshot> third = db->GetSnapshot();
  ASSERT_OK(put("3"));
  first.reset();
  EXPECT_EQ(db->Get(Family::kLinks, "k", second.get()).value(), "1");
  EXPECT_EQ(db->Get(Family::kLinks, "k", third.get()).value(), "2");
  second.reset();
  std::unique_ptr<Snapshot> fourth = db->GetSnapshot();
  EXPECT_EQ(db->Get(Family::kLinks, "k", fourth.get()).value(), "3");
  EXPECT_EQ(db->Get(Family::kLinks, "k", third.get()).value(), "2");
  ASSERT_OK(db->Flush());
  EXPECT_EQ(db->Get(Family::kLinks, "k", third.get()).value(), "2");
}

// Snapshot::version: per family, unchanged by writes to other families,
// larger after a write to it, never 0 without a write in flight.
TEST_F(DbTest, SnapshotVersionsMoveOnlyWithTheirFamily) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
  auto s1 = db->GetSnapshot();
  auto s2 = db->GetSnapshot();
  for (Family f : {Family::kPages, Family::kMeta, Family::kCounters, Family::kStrength}) {
    EXPECT_NE(s1->version(f), 0u);
    EXPECT_EQ(s1->version(f), s2->version(f));
  }
  {
    Batch b(*db);
    b.Put(Family::kMeta, "k", "v");
    ASSERT_OK(db->Write(b));
  }
  auto s3 = db->GetSnapshot();
  EXPECT_GT(s3->version(Family::kMeta), s1->version(Family::kMeta));
  EXPECT_EQ(s3->version(Family::kPages), s1->version(Family::kPages));
  EXPECT_EQ(s3->version(Family::kCounters), s1->version(Family::kCounters));
  {
    Batch b(*db);
    b.Put(Family::kPages, "p", "v");
    b.AddCounter("c", 1);
    b.Delete(Family::kStrength, "s");
    ASSERT_OK(db->Write(b));
  }
  auto s4 = db->GetSnapshot();
  EXPECT_GT(s4->version(Family::kPages), s3->version(Family::kPages));
  EXPECT_GT(s4->version(Family::kCounters), s3->version(Family::kCounters));
  EXPECT_GT(s4->version(Family::kStrength), s3->version(Family::kStrength));
  EXPECT_EQ(s4->version(Family::kMeta), s3->version(Family::kMeta));
  EXPECT_EQ(s4->version(Family::kLinks), s1->version(Family::kLinks));
  // Older snapshots keep the versions they were taken at.
  EXPECT_EQ(s1->version(Family::kPages), s2->version(Family::kPages));
}

// With writers overlapping, a version still names one state: two snapshots
// with the same non-zero version of kPages read the same value.
TEST_F(DbTest, SnapshotVersionsHoldUnderConcurrentWriters) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
  std::atomic<bool> done{false};
  std::atomic<int> next{0};
  auto writer = [&] {
    while (!done.load()) {
      Batch b(*db);
      b.Put(Family::kPages, "x", std::to_string(next.fetch_add(1)));
      ASSERT_OK(db->Write(b));
      // Short gaps, so that some snapshots find no write in flight.
      std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
  };
  std::thread w1(writer), w2(writer);
  std::map<uint64_t, std::string> seen;
  int known = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  // Until enough snapshots had a version and the writers (which a loaded
  // machine may not schedule for a while) moved it at least once.
  for (int i = 0; (i < 20000 || known < 100 || seen.size() < 2) &&
                  std::chrono::steady_clock::now() < deadline;
       ++i) {
    auto snap = db->GetSnapshot();
    const uint64_t v = snap->version(Family::kPages);
    if (v == 0) continue;
    ++known;
    ASSERT_OK_AND_ASSIGN(std::optional<std::string> x, db->Get(Family::kPages, "x", snap.get()));
    const std::string value = x.value_or("");
    auto [it, inserted] = seen.emplace(v, value);
    ASSERT_EQ(it->second, value) << "version " << v << " names two states";
  }
  done = true;
  w1.join();
  w2.join();
  EXPECT_GE(known, 100) << "snapshots with a known version";
  EXPECT_GT(seen.size(), 1u) << "versions move while the writers write";
}

TEST_F(DbTest, SnapshotIsolatesLaterWrites) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
  {
    Batch b(*db);
    b.Put(Family::kLinks, "a", "1");
    b.Put(Family::kLinks, "b", "1");
    b.AddCounter("c", 10);
    ASSERT_OK(db->Write(b));
  }
  std::unique_ptr<Snapshot> snap = db->GetSnapshot();
  {
    Batch b(*db);
    b.Put(Family::kLinks, "a", "2");
    b.Delete(Family::kLinks, "b");
    b.Put(Family::kLinks, "c", "new");
    b.AddCounter("c", 5);
    ASSERT_OK(db->Write(b));
  }
  // Survives a flush too: the snapshot pins the old versions.
  ASSERT_OK(db->Flush());

  ASSERT_OK_AND_ASSIGN(std::optional<std::string> v, db->Get(Family::kLinks, "a", snap.get()));
  EXPECT_EQ(v, "1");
  ASSERT_OK_AND_ASSIGN(v, db->Get(Family::kLinks, "b", snap.get()));
  EXPECT_EQ(v, "1");
  ASSERT_OK_AND_ASSIGN(v, db->Get(Family::kLinks, "c", snap.get()));
  EXPECT_FALSE(v.has_value());
  EXPECT_THAT(db->GetCounter("c", snap.get()), IsOk());
  EXPECT_EQ(db->GetCounter("c", snap.get()).value_or(-1), 10);
  absl::Status status;
  auto old_rows = Scan(*db, Family::kLinks, {"", ""}, &status, snap.get());
  EXPECT_OK(status);
  EXPECT_THAT(old_rows, ::testing::ElementsAre(std::pair<std::string, std::string>("a", "1"),
                                               std::pair<std::string, std::string>("b", "1")));

  // Without the snapshot: the current state.
  ASSERT_OK_AND_ASSIGN(v, db->Get(Family::kLinks, "a"));
  EXPECT_EQ(v, "2");
  EXPECT_EQ(db->GetCounter("c").value_or(-1), 15);
  EXPECT_THAT(Keys(*db, Family::kLinks, {"", ""}), ::testing::ElementsAre("a", "c"));
  snap.reset();  // released before the Db
}

// --- Iterators ----------------------------------------------------------------

std::string B0() { return std::string("b\0", 2); }

class DbIteratorTest : public DbTest {
 protected:
  void SetUp() override {
    DbTest::SetUp();
    ASSERT_OK_AND_ASSIGN(db_, OpenDb());
    Batch b(*db_);
    for (const std::string& k : keys_) b.Put(Family::kLinks, k, "v:" + k);
    // Neighbouring families must not leak into kLinks iteration.
    b.Put(Family::kLost, "b1", "lost");
    b.Put(Family::kForward, "c", "fwd");
    ASSERT_OK(db_->Write(b));
  }

  const std::vector<std::string> keys_ = {
      std::string("\0", 1), "a", "b", std::string("b\0", 2), "b1", "c", "c\xff", "d", std::string("\xff\xff", 2)};
  std::unique_ptr<Db> db_;
};

TEST_F(DbIteratorTest, WholeFamily) {
  std::vector<std::string> expected = keys_;
  ASSERT_TRUE(std::is_sorted(expected.begin(), expected.end()));
  EXPECT_EQ(Keys(*db_, Family::kLinks, {"", ""}), expected);
  // Values come along.
  auto it = db_->NewIterator(Family::kLinks, {"", ""});
  it->Seek("c");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->value(), "v:c");
}

TEST_F(DbIteratorTest, RangeBoundsAreRespected) {
  EXPECT_THAT(Keys(*db_, Family::kLinks, {"b", "d"}),
              ::testing::ElementsAre("b", B0(), "b1", "c", "c\xff"));
  EXPECT_THAT(Keys(*db_, Family::kLinks, {"b1", "c"}), ::testing::ElementsAre("b1"));
  // Empty end: to the end of the family.
  EXPECT_THAT(Keys(*db_, Family::kLinks, {"c\xff", ""}),
              ::testing::ElementsAre("c\xff", "d", std::string("\xff\xff", 2)));
  // Begin only bounded below by "": from the start.
  EXPECT_THAT(Keys(*db_, Family::kLinks, {"", "a"}),
              ::testing::ElementsAre(std::string("\0", 1)));
  // Ranges holding no key.
  EXPECT_TRUE(Keys(*db_, Family::kLinks, {"b", "b"}).empty());
  EXPECT_TRUE(Keys(*db_, Family::kLinks, {"b2", "bz"}).empty());
  EXPECT_TRUE(Keys(*db_, Family::kLinks, {"e", "f"}).empty());
  // Ranges made by the scope helpers.
  EXPECT_THAT(Keys(*db_, Family::kLinks,
                   {"b", core::PrefixSuccessor("b")}),
              ::testing::ElementsAre("b", B0(), "b1"));
  EXPECT_THAT(Keys(*db_, Family::kLinks, {"c", core::PrefixSuccessor("c")}),
              ::testing::ElementsAre("c", "c\xff"));
}

TEST_F(DbIteratorTest, SeekClampsToBegin) {
  auto it = db_->NewIterator(Family::kLinks, {"b1", "d"});
  it->Seek("");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "b1");
  it->Seek("a");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "b1");
  it->Seek("c");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "c");
  it->Seek("c\x01");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "c\xff");
  it->Seek("d");  // the end is exclusive
  EXPECT_FALSE(it->Valid());
  it->Seek("zzz");
  EXPECT_FALSE(it->Valid());
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "b1");
  EXPECT_OK(it->status());
}

TEST_F(DbIteratorTest, SeekForPrev) {
  auto it = db_->NewIterator(Family::kLinks, {"b1", "d"});
  it->SeekForPrev("c");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "c");
  it->SeekForPrev("c\x01");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "c");
  // At or past the end: the last key of the range (never "d" or beyond).
  it->SeekForPrev("d");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "c\xff");
  it->SeekForPrev("zzz");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "c\xff");
  // The lower bound is ignored, as db.h documents: keys below begin appear.
  it->SeekForPrev("b0");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), B0());
  it->SeekForPrev("");
  EXPECT_FALSE(it->Valid());

  auto all = db_->NewIterator(Family::kLinks, {"", ""});
  all->SeekForPrev(std::string(10, '\xff'));
  ASSERT_TRUE(all->Valid());
  EXPECT_EQ(all->key(), std::string("\xff\xff", 2));
  all->SeekForPrev(std::string_view("\0", 1));
  ASSERT_TRUE(all->Valid());
  EXPECT_EQ(all->key(), std::string("\0", 1));
  EXPECT_OK(all->status());
}

TEST_F(DbIteratorTest, SnapshotIterator) {
  auto snap = db_->GetSnapshot();
  Batch b(*db_);
  b.Delete(Family::kLinks, "c");
  b.Put(Family::kLinks, "bb", "new");
  ASSERT_OK(db_->Write(b));
  absl::Status status;
  auto rows = Scan(*db_, Family::kLinks, {"b", "d"}, &status, snap.get());
  EXPECT_OK(status);
  std::vector<std::string> keys;
  for (auto& [k, v] : rows) keys.push_back(k);
  EXPECT_THAT(keys, ::testing::ElementsAre("b", B0(), "b1", "c", "c\xff"));
  EXPECT_THAT(Keys(*db_, Family::kLinks, {"b", "d"}),
              ::testing::ElementsAre("b", B0(), "b1", "bb", "c\xff"));
}

// --- Counters -----------------------------------------------------------------

TEST_F(DbTest, DecodeCounter) {
  EXPECT_EQ(DecodeCounter(std::string(8, '\0')), 0);
  EXPECT_EQ(DecodeCounter(std::string("\x01\0\0\0\0\0\0\0", 8)), 1);
  EXPECT_EQ(DecodeCounter(std::string(8, '\xff')), -1);
  EXPECT_EQ(DecodeCounter(std::string("\0\0\0\0\0\0\0\x80", 8)), INT64_MIN);
  EXPECT_EQ(DecodeCounter(""), std::nullopt);
  EXPECT_EQ(DecodeCounter(std::string(7, '\0')), std::nullopt);
  EXPECT_EQ(DecodeCounter(std::string(9, '\0')), std::nullopt);
}

TEST_F(DbTest, CountersSumDeltasAcrossBatchesFlushesAndReopens) {
  std::map<std::string, int64_t> expected;
  std::mt19937_64 rng(42);
  auto add_batches = [&](Db& db, int batches) {
    for (int i = 0; i < batches; ++i) {
      Batch b(db);
      int n = 1 + static_cast<int>(rng() % 20);
      for (int j = 0; j < n; ++j) {
        std::string key = "scope" + std::to_string(rng() % 7);
        int64_t delta = static_cast<int64_t>(rng() % 2001) - 1000;
        b.AddCounter(key, delta);
        expected[key] += delta;
      }
      ASSERT_OK(db.Write(b));
    }
  };
  auto check = [&](const Db& db, const char* when) {
    for (const auto& [key, sum] : expected) {
      absl::StatusOr<int64_t> got = db.GetCounter(key);
      ASSERT_THAT(got, IsOk()) << when;
      EXPECT_EQ(*got, sum) << key << " " << when;
      // The raw value is the 8-byte encoding DecodeCounter reads.
      ASSERT_OK_AND_ASSIGN(std::optional<std::string> raw, db.Get(Family::kCounters, key));
      ASSERT_TRUE(raw.has_value());
      EXPECT_EQ(DecodeCounter(*raw), sum) << when;
    }
    EXPECT_EQ(db.GetCounter("never-written").value_or(-1), 0) << when;
  };
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
    add_batches(*db, 300);
    check(*db, "in memtable");
    ASSERT_OK(db->Flush());
    check(*db, "after flush");
    add_batches(*db, 300);  // operands in the memtable on top of the SST's
    check(*db, "memtable over sst");
    ASSERT_OK(db->Flush());
    add_batches(*db, 100);
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
  check(*db, "after reopen");
  add_batches(*db, 100);
  check(*db, "after reopen and more writes");
}

// Compaction keeps every live key and counter, drops deleted and
// overwritten data from the files, and point lookups (hashed data blocks in
// the families read by key) still find every key afterwards.
TEST_F(DbTest, CompactKeepsDataAndDropsGarbage) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
  std::map<std::string, std::string> pages;
  const std::string filler(200, 'x');
  // Three flushes in all: below the trigger of eight level-0 files (db.cc), so
  // no background compaction drops the garbage before `before` is measured.
  for (int round = 0; round < 2; ++round) {
    Batch b(*db);
    for (int i = 0; i < 5000; ++i) {
      std::string key = "https://site" + std::to_string(i % 97) + ".example/p" + std::to_string(i);
      std::string value = filler + std::to_string(round);
      b.Put(Family::kPages, key, value);
      pages[key] = value;
      b.AddCounter("count" + std::to_string(i % 13), 1);
    }
    ASSERT_OK(db->Write(b));
    ASSERT_OK(db->Flush());
  }
  {
    Batch b(*db);
    for (int i = 0; i < 5000; i += 2) {
      std::string key = "https://site" + std::to_string(i % 97) + ".example/p" + std::to_string(i);
      b.Delete(Family::kPages, key);
      pages.erase(key);
    }
    ASSERT_OK(db->Write(b));
    ASSERT_OK(db->Flush());
  }
  const uint64_t before = db->ApproximateSize(Family::kPages);
  ASSERT_OK(db->Compact());
  const uint64_t after = db->ApproximateSize(Family::kPages);
  EXPECT_LT(after * 2, before) << "two versions of each page and half of them deleted";
  for (const auto& [key, value] : pages) {
    ASSERT_OK_AND_ASSIGN(std::optional<std::string> got, db->Get(Family::kPages, key));
    ASSERT_TRUE(got.has_value()) << key;
    EXPECT_EQ(*got, value);
  }
  EXPECT_EQ(db->Get(Family::kPages, "https://site0.example/p0").value(), std::nullopt);
  std::vector<std::string_view> keys;
  for (const auto& [key, value] : pages) keys.push_back(key);
  ASSERT_OK_AND_ASSIGN(auto values, db->MultiGet(Family::kPages, keys));
  ASSERT_EQ(values.size(), keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    ASSERT_TRUE(values[i].has_value()) << keys[i];
    EXPECT_EQ(*values[i], pages[std::string(keys[i])]);
  }
  EXPECT_EQ(Keys(*db, Family::kPages, {"", ""}).size(), pages.size());
  int64_t total = 0;
  for (int c = 0; c < 13; ++c) {
    total += db->GetCounter("count" + std::to_string(c)).value_or(-1);
  }
  EXPECT_EQ(total, 10000);
}

TEST_F(DbTest, CounterExtremes) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
  Batch b(*db);
  b.AddCounter("neg", -5);
  b.AddCounter("big", INT64_MAX);
  b.AddCounter("big", -1);
  b.AddCounter("zero", 3);
  b.AddCounter("zero", -3);
  ASSERT_OK(db->Write(b));
  EXPECT_EQ(db->GetCounter("neg").value_or(0), -5);
  EXPECT_EQ(db->GetCounter("big").value_or(0), INT64_MAX - 1);
  // A counter back at 0 still exists (it is not deleted), and reads 0.
  EXPECT_EQ(db->GetCounter("zero").value_or(-1), 0);
  // Counters can be removed by a plain delete and restart from 0.
  Batch d(*db);
  d.Delete(Family::kCounters, "neg");
  d.AddCounter("neg", 2);
  ASSERT_OK(db->Write(d));
  EXPECT_EQ(db->GetCounter("neg").value_or(0), 2);
}

TEST_F(DbTest, CounterVectorsAddFieldWise) {
  std::vector<int64_t> expected(kMaxCounterFields, 0);
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
    Batch b(*db);
    b.AddCounters("v", {1, 2, 3, 4});
    b.AddCounter("v", 10);  // one field: the first
    b.AddCounters("v", {0, -5});  // shorter operands pad with zeros
    ASSERT_OK(db->Write(b));
    expected = {11, -3, 3, 4};
    ASSERT_OK_AND_ASSIGN(std::vector<int64_t> got, db->GetCounters("v"));
    EXPECT_EQ(got, expected);
    EXPECT_EQ(db->GetCounter("v").value_or(0), 11);
    ASSERT_OK(db->Flush());
    Batch b2(*db);
    b2.AddCounters("v", {1, 1, 1, 1});
    b2.AddCounter("w", 7);
    ASSERT_OK(db->Write(b2));
    expected = {12, -2, 4, 5};
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
  ASSERT_OK_AND_ASSIGN(std::vector<int64_t> got, db->GetCounters("v"));
  EXPECT_EQ(got, expected);
  ASSERT_OK_AND_ASSIGN(got, db->GetCounters("absent"));
  EXPECT_EQ(got, std::vector<int64_t>(kMaxCounterFields, 0));
  ASSERT_OK_AND_ASSIGN(got, db->GetCounters("w"));
  EXPECT_EQ(got, (std::vector<int64_t>{7, 0, 0, 0}));
  // MultiGetCounter: the first field of each, 0 for absent keys.
  ASSERT_OK_AND_ASSIGN(got, db->MultiGetCounter({"w", "absent", "v"}));
  EXPECT_EQ(got, (std::vector<int64_t>{7, 0, 12}));
  ASSERT_OK_AND_ASSIGN(got, db->MultiGetCounter({}));
  EXPECT_TRUE(got.empty());
}

TEST_F(DbTest, DecodeCounters) {
  std::string two(16, '\0');
  two[0] = 1;
  two[8] = '\xff';
  for (int i = 9; i < 16; ++i) two[i] = '\xff';
  EXPECT_EQ(DecodeCounters(two), (std::vector<int64_t>{1, -1}));
  EXPECT_EQ(DecodeCounter(two), 1);
  EXPECT_EQ(DecodeCounters(""), std::nullopt);
  EXPECT_EQ(DecodeCounters(std::string(12, '\0')), std::nullopt);
  EXPECT_EQ(DecodeCounters(std::string(8 * kMaxCounterFields + 8, '\0')), std::nullopt);
  EXPECT_EQ(DecodeCounters(std::string(8 * kMaxCounterFields, '\0')),
            std::vector<int64_t>(kMaxCounterFields, 0));
}

TEST_F(DbTest, MalformedCounterValueIsDataLoss) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
  Batch b(*db);
  b.Put(Family::kCounters, "bad", "xyz");  // not 8 bytes
  ASSERT_OK(db->Write(b));
  EXPECT_THAT(db->GetCounter("bad"), StatusIs(absl::StatusCode::kDataLoss));
  // Merging onto it fails in the merge operator, which RocksDB reports as
  // Corruption on read: kDataLoss, never a silently wrong total.
  Batch m(*db);
  m.AddCounter("bad", 1);
  ASSERT_OK(db->Write(m));
  EXPECT_THAT(db->GetCounter("bad"), StatusIs(absl::StatusCode::kDataLoss));
}

// --- Format version and foreign directories -------------------------------------

void SetFormatVersion(Db& db, std::optional<std::string> version) {
  Batch b(db);
  if (version) {
    b.Put(Family::kMeta, kFormatKey, *version);
  } else {
    b.Delete(Family::kMeta, kFormatKey);
  }
  ASSERT_OK(db.Write(b));
}

TEST_F(DbTest, NewerFormatVersionIsRefused) {
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
    SetFormatVersion(*db, "3");
  }
  EXPECT_THAT(OpenDb(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                 AllOf(HasSubstr("version 3"), HasSubstr("newer"))));
  EXPECT_THAT(OpenDb({.read_only = true}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("version 3")));
}

// Version 1 (before the index journal) is converted by a writable open; a
// read-only one says how to convert it. tests/indexer/format_test.cc opens a
// database written by the version-1 indexer.
TEST_F(DbTest, Version1IsConvertedByAWritableOpen) {
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
    EXPECT_EQ(db->opened_format_version(), kFormatVersion);
    SetFormatVersion(*db, "1");
  }
  EXPECT_THAT(OpenDb({.read_only = true}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("version 1"), HasSubstr("inlinks migrate"))));
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
    EXPECT_EQ(db->opened_format_version(), 1);
    EXPECT_THAT(db->Get(Family::kMeta, kFormatKey),
                IsOkAndHolds(std::optional<std::string>(std::to_string(kFormatVersion))));
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
  EXPECT_EQ(db->opened_format_version(), kFormatVersion);
}

TEST_F(DbTest, OlderFormatVersionIsRefused) {
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
    SetFormatVersion(*db, "0");
  }
  EXPECT_THAT(OpenDb(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                 AllOf(HasSubstr("version 0"), HasSubstr("older"))));
}

TEST_F(DbTest, GarbageFormatVersionIsRefused) {
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
    SetFormatVersion(*db, "1x");
  }
  EXPECT_THAT(OpenDb(), StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("1x")));
}

TEST_F(DbTest, RefusedOpenLeavesDatabaseUntouched) {
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
    Batch b(*db);
    b.Put(Family::kLinks, "keep", "me");
    ASSERT_OK(db->Write(b));
    SetFormatVersion(*db, "3");
  }
  EXPECT_THAT(OpenDb(), StatusIs(absl::StatusCode::kFailedPrecondition));
  // Nothing was rewritten by the refused open: the version is still "3".
  EXPECT_THAT(OpenDb(), StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("version 3")));
}

// A RocksDB database with our families and data but no format version is
// "not an inlinks database" (tests can't include RocksDB, so we delete the
// key from one of ours).
TEST_F(DbTest, MissingFormatVersionWithDataIsNotAnInlinksDatabase) {
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
    Batch b(*db);
    b.Put(Family::kPages, "someone else's", "data");
    ASSERT_OK(db->Write(b));
    SetFormatVersion(*db, std::nullopt);
  }
  EXPECT_THAT(OpenDb(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                 HasSubstr("not an inlinks")));
  EXPECT_THAT(OpenDb({.read_only = true}), StatusIs(absl::StatusCode::kFailedPrecondition));
  // Still refused: the refused open did not claim it.
  EXPECT_THAT(OpenDb(), StatusIs(absl::StatusCode::kFailedPrecondition));
}

// An empty database without a version (a process killed between RocksDB
// creating the files and the first write) is finished on a read-write open;
// a read-only open cannot, and reports kNotFound.
TEST_F(DbTest, EmptyDatabaseWithoutFormatVersionIsAdopted) {
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
    SetFormatVersion(*db, std::nullopt);
  }
  EXPECT_THAT(OpenDb({.read_only = true}), StatusIs(absl::StatusCode::kNotFound));
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
    ASSERT_OK_AND_ASSIGN(std::optional<std::string> v, db->Get(Family::kMeta, kFormatKey));
    EXPECT_EQ(v, std::to_string(kFormatVersion));
  }
  EXPECT_THAT(OpenDb({.read_only = true}), IsOk());
}

TEST_F(DbTest, NonEmptyDirectoryWithoutDatabaseIsRefused) {
  fs::create_directory(DbDir());
  std::ofstream(fs::path(DbDir()) / "notes.txt") << "my files";
  EXPECT_THAT(OpenDb(), StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("not empty")));
  // Nothing was created beside the user's file.
  EXPECT_EQ(std::distance(fs::directory_iterator(DbDir()), fs::directory_iterator()), 1);
}

TEST_F(DbTest, PathThatIsARegularFileIsRefused) {
  std::ofstream(DbDir()) << "a file";
  EXPECT_THAT(OpenDb(),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("not a directory")));
  EXPECT_THAT(OpenDb({.read_only = true}), StatusIs(absl::StatusCode::kNotFound));
}

// ENOTDIR: a parent component of the path is a regular file. RocksDB's
// CreateDir fails with an IOError ("Not a directory"), which FromRocks maps
// to kUnavailable; the message names the path.
TEST_F(DbTest, ParentComponentIsARegularFile) {
  std::ofstream(root_ / "file") << "a file";
  std::string dir = (root_ / "file" / "db").string();
  absl::StatusOr<std::unique_ptr<Db>> db = Db::Open(dir);
  EXPECT_THAT(db, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("Not a directory")));
  EXPECT_THAT(std::string(db.status().message()), HasSubstr(dir));
}

TEST_F(DbTest, ReadOnlyOpenOfMissingDatabaseIsNotFound) {
  EXPECT_THAT(OpenDb({.read_only = true}), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_FALSE(fs::exists(DbDir()));  // nothing created
  fs::create_directory(DbDir());
  EXPECT_THAT(OpenDb({.read_only = true}), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(DbTest, ReadOnlyOpenSeesDataAndRefusesWrites) {
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
    Batch b(*db);
    b.Put(Family::kLinks, "flushed", "1");
    b.AddCounter("n", 7);
    ASSERT_OK(db->Write(b));
    ASSERT_OK(db->Flush());
    Batch b2(*db);
    b2.Put(Family::kLinks, "wal-only", "2");  // replayed from the WAL
    ASSERT_OK(db->Write(b2));
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb({.read_only = true}));
  EXPECT_THAT(Keys(*db, Family::kLinks, {"", ""}), ::testing::ElementsAre("flushed", "wal-only"));
  EXPECT_EQ(db->GetCounter("n").value_or(0), 7);
  Batch b(*db);
  b.Put(Family::kLinks, "x", "y");
  // RocksDB's read-only DB answers NotSupported, mapped to kFailedPrecondition
  // ("don't retry until the state is fixed": reopen read-write).
  EXPECT_THAT(db->Write(b), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(db->Flush(), StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK_AND_ASSIGN(std::optional<std::string> v, db->Get(Family::kLinks, "x"));
  EXPECT_FALSE(v.has_value());
}

// A second read-write open of an open database fails on RocksDB's LOCK file:
// IOError "lock ..." -> kUnavailable (retry once the other process is gone).
TEST_F(DbTest, SecondOpenWhileOpenIsUnavailable) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> db, OpenDb());
  EXPECT_THAT(OpenDb(), StatusIs(absl::StatusCode::kUnavailable, HasSubstr("lock")));
  // It says what to do (issue 17: `inlinks rank` beside a running daemon).
  EXPECT_THAT(OpenDb(), StatusIs(absl::StatusCode::kUnavailable,
                                 HasSubstr("is in use (by another process, a running inlinksd?")));
  // Read-only opens take no lock and are allowed beside the writer.
  Batch b(*db);
  b.Put(Family::kLinks, "k", "v");
  ASSERT_OK(db->Write(b));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Db> reader, OpenDb({.read_only = true}));
  ASSERT_OK_AND_ASSIGN(std::optional<std::string> v, reader->Get(Family::kLinks, "k"));
  EXPECT_EQ(v, "v");
  reader.reset();
  // Once the first is closed, the lock is free.
  db.reset();
  EXPECT_THAT(OpenDb(), IsOk());
}

// --- Corruption -----------------------------------------------------------------

// Writes enough incompressible rows to several families to get multi-block
// SST files, flushes and closes.
void FillAndClose(absl::StatusOr<std::unique_ptr<Db>> opened) {
  ASSERT_THAT(opened, IsOk());
  std::unique_ptr<Db> db = std::move(opened).value();
  std::mt19937 rng(7);
  for (int batch = 0; batch < 4; ++batch) {
    Batch b(*db);
    for (int i = 0; i < 500; ++i) {
      std::string value(200, '\0');
      for (char& c : value) c = static_cast<char>(rng());
      std::string key = "key" + std::to_string(batch * 1000 + i);
      b.Put(Family::kLinks, key, value);
      b.Put(Family::kPages, key, value);
      b.AddCounter("c" + std::to_string(i % 10), 1);
    }
    ASSERT_OK(db->Write(b));
  }
  ASSERT_OK(db->Flush());
}

// Reads everything; returns the first error (OK when all reads succeed).
absl::Status ReadEverything(const Db& db) {
  for (Family f : kAllFamilies) {
    absl::Status status;
    auto rows = Scan(db, f, {"", ""}, &status);
    if (!status.ok()) return status;
  }
  for (int i = 0; i < 4000; ++i) {
    auto v = db.Get(Family::kPages, "key" + std::to_string(i));
    if (!v.ok()) return v.status();
  }
  for (int i = 0; i < 10; ++i) {
    auto c = db.GetCounter("c" + std::to_string(i));
    if (!c.ok()) return c.status();
  }
  return absl::OkStatus();
}

// Garbage in the middle of every multi-block SST: the block checksums catch
// it. Open only reads footers, index and filter blocks, so whether the open
// or the first read notices depends on which block was hit: either must fail
// with kDataLoss (RocksDB Corruption) and nothing may crash. Observed: Open
// OK, then the full scan stops with "block checksum mismatch" -> kDataLoss.
TEST_F(DbTest, CorruptSstIsDataLoss) {
  FillAndClose(OpenDb());
  std::vector<fs::path> ssts = FilesEndingIn(DbDir(), ".sst");
  ASSERT_FALSE(ssts.empty());
  int corrupted = 0;
  for (const fs::path& sst : ssts) {
    auto size = fs::file_size(sst);
    if (size < 16384) continue;  // the small families' files: one block
    ++corrupted;
    std::fstream f(sst, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size / 2 - 1024));
    std::string garbage(2048, '\x5a');
    f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  ASSERT_GE(corrupted, 2);  // kLinks and kPages
  absl::StatusOr<std::unique_ptr<Db>> db = OpenDb();
  absl::Status status = db.ok() ? ReadEverything(**db) : db.status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kDataLoss, HasSubstr("checksum")))
      << "open ok: " << db.ok();
}

// A truncated MANIFEST. RocksDB's log reader treats a torn record at the end
// as a clean end of file (a crash mid-append), so a cut MANIFEST is read as
// an *earlier* state of the database. Observed, cutting at every 5%:
//   - before the first complete records (0-5%): Corruption ("no
//     log_file_number, next_file_number, last_sequence entry in MANIFEST")
//     -> kDataLoss;
//   - later cuts: Open succeeds with an earlier state (families empty; before
//     the edit that flushed kMeta, Db::Open even adopts the database as a
//     fresh one and writes a new format version). See the DISABLED test
//     below: that is silent data loss.
// Every open returns a Status and a full read of what opened succeeds; none
// crashes.
TEST_F(DbTest, TruncatedManifestIsRefusedOrRolledBack) {
  FillAndClose(OpenDb());
  std::vector<fs::path> manifests = FilesStartingWith(DbDir(), "MANIFEST-");
  ASSERT_EQ(manifests.size(), 1u);
  const fs::path name = manifests[0].filename();
  const auto size = fs::file_size(manifests[0]);
  const fs::path copy = root_ / "copy";
  std::set<absl::StatusCode> seen;
  for (int percent = 0; percent < 100; percent += 5) {
    SCOPED_TRACE(percent);
    fs::remove_all(copy);
    fs::copy(DbDir(), copy);
    fs::resize_file(copy / name, size * percent / 100);
    absl::StatusOr<std::unique_ptr<Db>> db = Db::Open(copy.string());
    absl::Status status = db.ok() ? ReadEverything(**db) : db.status();
    EXPECT_THAT(status.code(), AnyOf(absl::StatusCode::kOk, absl::StatusCode::kDataLoss,
                                     absl::StatusCode::kFailedPrecondition))
        << status;
    if (percent == 0) {
      EXPECT_THAT(status, StatusIs(absl::StatusCode::kDataLoss));
    }
    seen.insert(status.code());
  }
  EXPECT_TRUE(seen.count(absl::StatusCode::kDataLoss));
}


TEST_F(DbTest, EmptyManifestIsRefused) {
  FillAndClose(OpenDb());
  std::vector<fs::path> manifests = FilesStartingWith(DbDir(), "MANIFEST-");
  ASSERT_EQ(manifests.size(), 1u);
  fs::resize_file(manifests[0], 0);
  EXPECT_THAT(OpenDb(), StatusIs(absl::StatusCode::kDataLoss));
}

// An empty CURRENT file: RocksDB reports "CURRENT file corrupted" ->
// kDataLoss. (Without a CURRENT at all the directory is not a database.)
TEST_F(DbTest, TruncatedCurrentIsDataLoss) {
  FillAndClose(OpenDb());
  fs::resize_file(fs::path(DbDir()) / "CURRENT", 0);
  EXPECT_THAT(OpenDb(), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(OpenDb({.read_only = true}), StatusIs(absl::StatusCode::kDataLoss));
}

// CURRENT names a MANIFEST that is gone: refused, with the file named.
TEST_F(DbTest, CurrentPointingToMissingManifestIsRefused) {
  FillAndClose(OpenDb());
  {
    std::ofstream current(fs::path(DbDir()) / "CURRENT", std::ios::trunc);
    current << "MANIFEST-999999\n";
  }
  absl::StatusOr<std::unique_ptr<Db>> db = OpenDb();
  EXPECT_THAT(db, Not(IsOk()));
  EXPECT_THAT(std::string(db.status().message()), HasSubstr("MANIFEST-999999"));
  EXPECT_THAT(OpenDb({.read_only = true}), Not(IsOk()));
}

// BUG (reported, not fixed here): the open above returns kUnavailable
// ("retry with backoff"), though retrying can never help and db.h promises
// kDataLoss for a corrupted database. RocksDB reports the missing MANIFEST as
// IOError(PathNotFound) from ListColumnFamilies, and FromRocks maps every
// IOError that is not ENOSPC/EACCES/EROFS to kUnavailable.
TEST_F(DbTest, CurrentPointingToMissingManifestIsDataLoss) {
  FillAndClose(OpenDb());
  {
    std::ofstream current(fs::path(DbDir()) / "CURRENT", std::ios::trunc);
    current << "MANIFEST-999999\n";
  }
  EXPECT_THAT(OpenDb(), StatusIs(absl::StatusCode::kDataLoss));
}

TEST_F(DbTest, DeletedSstIsRefused) {
  FillAndClose(OpenDb());
  std::vector<fs::path> ssts = FilesEndingIn(DbDir(), ".sst");
  ASSERT_FALSE(ssts.empty());
  for (const fs::path& sst : ssts) fs::remove(sst);
  // paranoid_checks: RocksDB checks that every live file exists on open and
  // reports Corruption ("missing files") -> kDataLoss.
  absl::StatusOr<std::unique_ptr<Db>> db = OpenDb();
  absl::Status status = db.ok() ? ReadEverything(**db) : db.status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kDataLoss)) << db.ok();
}

// --- Disk full ------------------------------------------------------------------

// Stand-in for a full disk without root: RLIMIT_FSIZE makes writes past the
// limit fail with EFBIG (SIGXFSZ ignored). It runs in a death-test child so
// the limit never reaches the test process; "threadsafe" death tests re-exec
// the binary (fork + exec), so the child does not inherit RocksDB's
// background threads in a half-forked state.
//
// The child opens a fresh Db, writes 4 KiB batches until one fails, records
// how many were acknowledged, checks that later writes and Flush fail too,
// and exits 0 when all of that held. EFBIG is an IOError without the NoSpace
// subcode ("File too large"), so db.cc maps it to kUnavailable, which is what
// we observe for the failed Write and for Flush afterwards (RocksDB keeps the
// background error). A real ENOSPC carries kNoSpace -> kResourceExhausted; the
// child accepts either, the expected output pins the code observed here.
constexpr rlim_t kFileSizeLimit = 1 << 20;
constexpr int kValueBytes = 4096;

std::string DiskFullKey(int i) {
  char key[16];
  std::snprintf(key, sizeof key, "k%06d", i);
  return key;
}

[[noreturn]] void DiskFullChild(const std::string& dir) {
  auto fail = [](const std::string& why) {
    std::fprintf(stderr, "child failed: %s\n", why.c_str());
    std::fflush(stderr);
    std::_Exit(1);
  };
  signal(SIGXFSZ, SIG_IGN);
  rlimit limit{kFileSizeLimit, kFileSizeLimit};
  if (setrlimit(RLIMIT_FSIZE, &limit) != 0) fail("setrlimit");
  DbOptions options;
  options.block_cache_bytes = 1 << 20;
  options.write_buffer_bytes = 8 << 20;  // the WAL hits the limit first
  absl::StatusOr<std::unique_ptr<Db>> opened = Db::Open(dir, options);
  if (!opened.ok()) fail("open: " + opened.status().ToString());
  std::unique_ptr<Db> db = std::move(opened).value();
  int acked = 0;
  absl::Status failure;
  for (; acked < 10000; ++acked) {
    Batch b(*db);
    b.Put(Family::kLinks, DiskFullKey(acked), std::string(kValueBytes, static_cast<char>('a' + acked % 26)));
    b.AddCounter("acked", 1);
    failure = db->Write(b);
    if (!failure.ok()) break;
  }
  if (failure.ok()) fail("no write failed");
  if (acked < 10) fail("too few writes before the limit: " + std::to_string(acked));
  if (failure.code() != absl::StatusCode::kResourceExhausted &&
      failure.code() != absl::StatusCode::kUnavailable) {
    fail("unexpected code: " + failure.ToString());
  }
  {
    std::ofstream out(std::filesystem::path(dir).parent_path() / "acked");
    out << acked;
  }
  // The database stays in its error state: later writes and flushes fail.
  Batch b(*db);
  b.Put(Family::kLinks, "after", "x");
  absl::Status again = db->Write(b);
  if (again.ok()) fail("write after the failure succeeded");
  absl::Status flush = db->Flush();
  if (flush.ok()) fail("flush after the failure succeeded");
  db.reset();  // closing a failed database must not crash
  std::fprintf(stderr, "disk full: write %d failed with %s; flush: %s (%s)\n", acked,
               std::string(absl::StatusCodeToString(failure.code())).c_str(),
               std::string(absl::StatusCodeToString(flush.code())).c_str(),
               failure.ToString().c_str());
  std::fflush(stderr);
  std::_Exit(0);
}

TEST(DbDiskFullTest, WriteFailsPastFileSizeLimitAndAcknowledgedDataSurvives) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  // The child re-runs this test body from the start: the directory is handed
  // over through the environment so both sides use the same one.
  static constexpr char kEnv[] = "INLINKS_DISK_FULL_TEST_DIR";
  fs::path root;
  if (const char* from_parent = std::getenv(kEnv)) {
    root = from_parent;
  } else {
    root = MakeTempDir("inlinks_db_diskfull");
    ASSERT_FALSE(root.empty());
    setenv(kEnv, root.c_str(), 1);
  }
  const std::string dir = (root / "db").string();
  EXPECT_EXIT(DiskFullChild(dir), ::testing::ExitedWithCode(0),
              "disk full: write [0-9]+ failed with RESOURCE_EXHAUSTED");
  unsetenv(kEnv);

  // In the parent, without the limit: every acknowledged write is there.
  std::ifstream in(root / "acked");
  int acked = -1;
  in >> acked;
  ASSERT_GT(acked, 0);
  {
    absl::StatusOr<std::unique_ptr<Db>> db = Db::Open(dir, {.create_if_missing = false});
    ASSERT_THAT(db, IsOk());
    for (int i = 0; i < acked; ++i) {
      ASSERT_OK_AND_ASSIGN(std::optional<std::string> v, (*db)->Get(Family::kLinks, DiskFullKey(i)));
      ASSERT_TRUE(v.has_value()) << "acknowledged write " << i << " lost";
      EXPECT_EQ(v->size(), static_cast<size_t>(kValueBytes));
    }
    ASSERT_OK_AND_ASSIGN(int64_t counted, (*db)->GetCounter("acked"));
    // The failed batch may or may not have reached the WAL before the error.
    EXPECT_THAT(counted, AnyOf(acked, acked + 1));
    ASSERT_OK_AND_ASSIGN(std::optional<std::string> after, (*db)->Get(Family::kLinks, "after"));
    EXPECT_FALSE(after.has_value());
    // And it is writable again.
    Batch b(**db);
    b.Put(Family::kLinks, "later", "ok");
    EXPECT_OK((*db)->Write(b));
    EXPECT_OK((*db)->Flush());
  }
  std::error_code ec;
  fs::remove_all(root, ec);
}

}  // namespace
}  // namespace inlinks::storage

namespace inlinks::storage {
namespace {

// A process killed while RocksDB was creating the database (files written,
// no CURRENT yet) must not make the directory unusable (found by the crash
// test under ASan, where creation is slow enough to be hit).
TEST(DbCreationInterrupted, LeftoverCreationFilesAreNotSomeonesData) {
  auto dir = std::filesystem::temp_directory_path() /
             ("inlinks_db_interrupted_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  for (const char* name : {"LOCK", "IDENTITY", "LOG", "MANIFEST-000001", "000001.dbtmp"}) {
    std::FILE* f = std::fopen((dir / name).c_str(), "w");
    std::fclose(f);
  }
  {
    auto db = Db::Open(dir.string());
    ASSERT_TRUE(db.ok()) << db.status();
    Batch b(**db);
    b.Put(Family::kPages, "k", "v");
    ASSERT_TRUE((*db)->Write(b).ok());
  }
  auto again = Db::Open(dir.string());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)->Get(Family::kPages, "k").value().value_or(""), "v");
  again->reset();
  // A file RocksDB would not have written means someone else's directory.
  auto other = std::filesystem::temp_directory_path() /
               ("inlinks_db_other_" + std::to_string(::getpid()));
  std::filesystem::remove_all(other);
  std::filesystem::create_directories(other);
  std::FILE* f = std::fopen((other / "LOCK").c_str(), "w");
  std::fclose(f);
  f = std::fopen((other / "notes.txt").c_str(), "w");
  std::fclose(f);
  auto refused = Db::Open(other.string());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("notes.txt"), std::string::npos);
  // Tables or logs without CURRENT: a damaged database, never recreated over.
  std::filesystem::remove(other / "notes.txt");
  f = std::fopen((other / "000007.sst").c_str(), "w");
  std::fclose(f);
  auto damaged = Db::Open(other.string());
  EXPECT_EQ(damaged.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(std::filesystem::exists(other / "000007.sst"));
  std::filesystem::remove_all(dir);
  std::filesystem::remove_all(other);
}

}  // namespace
}  // namespace inlinks::storage

namespace inlinks::storage {
namespace {

// A directory that cannot be written (made immutable with FS_IOC_SETFLAGS,
// which binds root too) gives a clear kPermissionDenied, and a database in it
// can still be opened read-only. Where the attribute cannot be set (not root,
// a file system without it) the test says so and checks nothing else.
class ImmutableDir {
 public:
  explicit ImmutableDir(const std::filesystem::path& p) : path_(p) {}
  bool Set(bool on) {
    int fd = ::open(path_.c_str(), O_RDONLY | O_DIRECTORY);
    if (fd < 0) return false;
    int flags = 0;
    bool ok = ::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0;
    if (ok) {
      flags = on ? (flags | FS_IMMUTABLE_FL) : (flags & ~FS_IMMUTABLE_FL);
      ok = ::ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
    }
    ::close(fd);
    return ok;
  }
  ~ImmutableDir() { Set(false); }

 private:
  std::filesystem::path path_;
};

TEST(DbReadOnlyDirectory, UnwritableDirectoryIsAClearError) {
  auto root = std::filesystem::temp_directory_path() /
              ("inlinks_db_immutable_" + std::to_string(::getpid()));
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root / "empty");
  std::filesystem::create_directories(root / "db");
  {
    auto db = Db::Open((root / "db").string());
    ASSERT_TRUE(db.ok()) << db.status();
    Batch b(**db);
    b.Put(Family::kPages, "k", "v");
    ASSERT_TRUE((*db)->Write(b).ok());
    ASSERT_TRUE((*db)->Flush().ok());
  }
  ImmutableDir empty(root / "empty"), full(root / "db");
  if (!empty.Set(true) || !full.Set(true)) {
    std::cout << "immutable directories not supported here; read-only case not exercised\n";
    std::filesystem::remove_all(root);
    return;
  }
  auto created = Db::Open((root / "empty").string());
  EXPECT_EQ(created.status().code(), absl::StatusCode::kPermissionDenied) << created.status();
  auto reopened = Db::Open((root / "db").string());
  EXPECT_EQ(reopened.status().code(), absl::StatusCode::kPermissionDenied) << reopened.status();
  DbOptions read_only;
  read_only.read_only = true;
  auto reader = Db::Open((root / "db").string(), read_only);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ((*reader)->Get(Family::kPages, "k").value().value_or(""), "v");
  reader->reset();
  empty.Set(false);
  full.Set(false);
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace inlinks::storage
