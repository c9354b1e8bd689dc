// RocksDB behind storage/db.h. Options are chosen for the workload: bulk
// random inserts of ~100-byte records, prefix/range scans by scope, point
// lookups of pages and counters.
#include "inlinks/storage/db.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/listener.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/options_util.h>
#include <rocksdb/write_batch.h>
#include <rocksdb/write_buffer_manager.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <array>
#include <span>
#include <vector>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "inlinks/core/log.h"
#include "inlinks/core/status_macros.h"

namespace inlinks::storage {
namespace {

constexpr std::array<const char*, kFamilyCount> kFamilyNames = {
    "default", "links", "lost", "forward", "pages",
    "counters", "buckets", "frontier", "strength", "strength_buckets", "journal"};
constexpr char kFormatKey[] = "inlinks.format_version";

}  // namespace

std::string_view FamilyName(Family family) {
  return kFamilyNames[static_cast<size_t>(family)];
}

namespace {

std::string Str(std::string_view s) { return std::string(s); }

// The one place rocksdb::Status becomes absl::Status.
absl::Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  std::string msg = absl::StrCat(Str(what), ": ", s.ToString());
  switch (s.code()) {
    case rocksdb::Status::kNotFound:
      return absl::NotFoundError(msg);
    case rocksdb::Status::kCorruption:
      return absl::DataLossError(msg);
    case rocksdb::Status::kInvalidArgument:
    case rocksdb::Status::kNotSupported:
      return absl::FailedPreconditionError(msg);
    case rocksdb::Status::kIOError:
      if (s.subcode() == rocksdb::Status::kNoSpace ||
          s.ToString().find("File too large") != std::string::npos ||
          s.ToString().find("No space left") != std::string::npos) {
        return absl::ResourceExhaustedError(msg);
      }
      if (s.ToString().find("ermission denied") != std::string::npos ||
          s.ToString().find("Operation not permitted") != std::string::npos ||
          s.ToString().find("Read-only file system") != std::string::npos) {
        return absl::PermissionDeniedError(msg);
      }
      if (s.ToString().find("lock") != std::string::npos) return absl::UnavailableError(msg);
      return absl::UnavailableError(msg);
    case rocksdb::Status::kBusy:
    case rocksdb::Status::kTryAgain:
    case rocksdb::Status::kTimedOut:
      return absl::UnavailableError(msg);
    case rocksdb::Status::kAborted:
      return absl::AbortedError(msg);
    default:
      return absl::InternalError(msg);
  }
}

// Errors of opening an existing database: a file its own metadata names is
// missing, which retrying cannot fix, is data loss.
absl::Status OpenError(const rocksdb::Status& s, const std::string& dir, bool exists) {
  absl::Status st = FromRocks(s, absl::StrCat("open '", dir, "'"));
  if (s.IsIOError() && (s.ToString().find("While lock file") != std::string::npos ||
                        s.ToString().find("lock hold by") != std::string::npos)) {
    // Another process (a running inlinksd) holds the database.
    return absl::UnavailableError(absl::StrCat(
        "'", dir, "' is in use (by another process, a running inlinksd?, or already open "
        "in this one): the read-only "
        "commands (backlinks, stats, trend, new, lost, check) work beside it; stop it for this "
        "one (", s.ToString(), ")"));
  }
  if (exists && s.IsIOError() &&
      (s.IsPathNotFound() || s.ToString().find("No such file") != std::string::npos)) {
    return absl::DataLossError(st.message());
  }
  return st;
}

// RocksDB's own log, warnings and errors only, through core/log.h (stderr):
// never a LOG file in the data directory, whose writes on a full disk would
// abort the process inside RocksDB.
class RocksLogger : public rocksdb::Logger {
 public:
  RocksLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    Logv(rocksdb::InfoLogLevel::WARN_LEVEL, format, ap);
  }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel()) return;
    // A failed open is reported by Db::Open's own error, with advice.
    if (std::string_view(format).find("DB::Open() failed") != std::string_view::npos) return;
    char line[1024];
    const int n = std::vsnprintf(line, sizeof(line), format, ap);
    std::string_view text(line, n < 0 ? 0 : std::min<size_t>(n, sizeof(line) - 1));
    while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    if (level >= rocksdb::InfoLogLevel::ERROR_LEVEL) {
      INLINKS_LOG(ERROR) << "rocksdb: " << text;
    } else {
      INLINKS_LOG(WARNING) << "rocksdb: " << text;
    }
  }
};

// The background error (failed flush or compaction, full disk) that stops
// the database's writes, until RocksDB recovers from it.
class BackgroundErrors : public rocksdb::EventListener {
 public:
  void OnBackgroundError(rocksdb::BackgroundErrorReason, rocksdb::Status* error) override {
    if (error == nullptr || error->ok()) return;
    std::lock_guard lock(mu_);
    last_ = absl::UnavailableError(error->ToString());
  }
  void OnErrorRecoveryEnd(const rocksdb::BackgroundErrorRecoveryInfo& info) override {
    std::lock_guard lock(mu_);
    last_ = info.new_bg_error.ok() ? absl::OkStatus()
                                   : absl::UnavailableError(info.new_bg_error.ToString());
  }
  absl::Status last() const {
    std::lock_guard lock(mu_);
    return last_;
  }

 private:
  mutable std::mutex mu_;
  absl::Status last_;
};

void EncodeCounters(std::span<const int64_t> fields, std::string* out) {
  out->resize(8 * fields.size());
  for (size_t f = 0; f < fields.size(); ++f) {
    auto u = static_cast<uint64_t>(fields[f]);
    for (int i = 0; i < 8; ++i) (*out)[8 * f + i] = static_cast<char>(u >> (8 * i));
  }
}

// Field-wise int64 addition of counter vectors (the shorter operand is
// padded with zeros). A malformed operand makes the merge fail, which RocksDB
// reports as Corruption on read (never silently wrong totals).
class CounterAddOperator : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice& key, const rocksdb::Slice* existing,
             const rocksdb::Slice& value, std::string* new_value,
             rocksdb::Logger* logger) const override {
    std::vector<int64_t> sum;
    if (existing != nullptr) {
      auto e = DecodeCounters(std::string_view(existing->data(), existing->size()));
      if (!e) return false;
      sum = std::move(*e);
    }
    auto d = DecodeCounters(std::string_view(value.data(), value.size()));
    if (!d) return false;
    if (d->size() > sum.size()) sum.resize(d->size(), 0);
    for (size_t i = 0; i < d->size(); ++i) {
      sum[i] = static_cast<int64_t>(static_cast<uint64_t>(sum[i]) + static_cast<uint64_t>((*d)[i]));
    }
    EncodeCounters(sum, new_value);
    return true;
  }
  const char* Name() const override { return "inlinks.CounterAdd"; }
};

// One RocksDB snapshot, released when its last user is done with it.
struct SharedSnapshot {
  SharedSnapshot(rocksdb::DB* db, const rocksdb::Snapshot* s,
                 const std::array<uint64_t, kFamilyCount>& versions)
      : db(db), snap(s), versions(versions) {}
  ~SharedSnapshot() { db->ReleaseSnapshot(snap); }
  rocksdb::DB* db;
  const rocksdb::Snapshot* snap;
  const std::array<uint64_t, kFamilyCount> versions;  // Snapshot::version
};

struct RocksSnapshot : Snapshot {
  explicit RocksSnapshot(std::shared_ptr<const SharedSnapshot> s)
      : shared(std::move(s)), snap(shared->snap) {}
  uint64_t version(Family family) const override {
    return shared->versions[static_cast<int>(family)];
  }
  std::shared_ptr<const SharedSnapshot> shared;
  const rocksdb::Snapshot* snap;
};

const rocksdb::Snapshot* Unwrap(const Snapshot* s) {
  return s == nullptr ? nullptr : static_cast<const RocksSnapshot*>(s)->snap;
}

class RocksIterator : public Iterator {
 public:
  RocksIterator(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, const core::KeyRange& range,
                const rocksdb::Snapshot* snapshot)
      : begin_(range.begin), end_(range.end), upper_(end_) {
    rocksdb::ReadOptions ro;
    ro.snapshot = snapshot;
    // A scope is a plain key range: no prefix extractor may cut it.
    ro.total_order_seek = true;
    if (!end_.empty()) ro.iterate_upper_bound = &upper_;
    it_.reset(db->NewIterator(ro, cf));
  }
  void Seek(std::string_view key) override {
    it_->Seek(key < std::string_view(begin_) ? rocksdb::Slice(begin_)
                                             : rocksdb::Slice(key.data(), key.size()));
  }
  void SeekToFirst() override { it_->Seek(begin_); }
  void SeekForPrev(std::string_view key) override {
    it_->SeekForPrev(rocksdb::Slice(key.data(), key.size()));
  }
  bool Valid() const override { return it_->Valid(); }
  void Next() override { it_->Next(); }
  std::string_view key() const override {
    rocksdb::Slice k = it_->key();
    return {k.data(), k.size()};
  }
  std::string_view value() const override {
    rocksdb::Slice v = it_->value();
    return {v.data(), v.size()};
  }
  absl::Status status() const override { return FromRocks(it_->status(), "iterate"); }

 private:
  std::string begin_, end_;
  rocksdb::Slice upper_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

}  // namespace

std::optional<std::vector<int64_t>> DecodeCounters(std::string_view value) {
  if (value.empty() || value.size() % 8 != 0 || value.size() > 8 * kMaxCounterFields) {
    return std::nullopt;
  }
  std::vector<int64_t> fields(value.size() / 8);
  for (size_t f = 0; f < fields.size(); ++f) {
    uint64_t u = 0;
    for (int i = 0; i < 8; ++i) {
      u |= uint64_t{static_cast<unsigned char>(value[8 * f + i])} << (8 * i);
    }
    fields[f] = static_cast<int64_t>(u);
  }
  return fields;
}

std::optional<int64_t> DecodeCounter(std::string_view value) {
  auto fields = DecodeCounters(value);
  if (!fields) return std::nullopt;
  return (*fields)[0];
}

struct Batch::Rep {
  rocksdb::WriteBatch wb;
  const std::vector<rocksdb::ColumnFamilyHandle*>* cfs;
  uint32_t families = 0;  // bit i: the batch writes Family i
};

// The writes of a WriteBatch by column family id, as views into the batch.
struct WritesByFamily : rocksdb::WriteBatch::Handler {
  enum Type { kPut, kMerge, kDelete };
  struct Op {
    rocksdb::Slice key, value;
    Type type;
  };
  std::map<uint32_t, std::vector<Op>> ops;

  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& k, const rocksdb::Slice& v) override {
    ops[cf].push_back({k, v, kPut});
    return rocksdb::Status::OK();
  }
  rocksdb::Status MergeCF(uint32_t cf, const rocksdb::Slice& k, const rocksdb::Slice& v) override {
    ops[cf].push_back({k, v, kMerge});
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice& k) override {
    ops[cf].push_back({k, {}, kDelete});
    return rocksdb::Status::OK();
  }
};

class DbImpl : public Db {
 public:
  static absl::StatusOr<std::unique_ptr<Db>> Open(const std::string& dir,
                                                  const DbOptions& options);
  ~DbImpl() override {
    cached_snapshot_.reset();
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
    db_.reset();
  }

  absl::Status Write(Batch& batch) override {
    rocksdb::WriteOptions wo;
    wo.sync = options_.sync_writes;
    return Apply(batch, [&] { return FromRocks(db_->Write(wo, &batch.rep_->wb), "write"); });
  }

  absl::Status Ingest(Batch& batch) override {
    return Apply(batch, [&] { return IngestTables(batch.rep_->wb); });
  }

  absl::StatusOr<std::optional<std::string>> Get(Family family, std::string_view key,
                                                 const Snapshot* snapshot) const override {
    rocksdb::ReadOptions ro;
    ro.snapshot = Unwrap(snapshot);
    std::string value;
    rocksdb::Status s = db_->Get(ro, handles_[static_cast<int>(family)],
                                 rocksdb::Slice(key.data(), key.size()), &value);
    if (s.IsNotFound()) return std::nullopt;
    if (!s.ok()) return FromRocks(s, "get");
    return value;
  }

  absl::StatusOr<std::vector<std::optional<std::string>>> MultiGet(
      Family family, const std::vector<std::string_view>& keys,
      const Snapshot* snapshot) const override {
    rocksdb::ReadOptions ro;
    ro.snapshot = Unwrap(snapshot);
    std::vector<rocksdb::Slice> slices;
    slices.reserve(keys.size());
    for (std::string_view k : keys) slices.emplace_back(k.data(), k.size());
    std::vector<rocksdb::PinnableSlice> values(keys.size());
    std::vector<rocksdb::Status> statuses(keys.size());
    db_->MultiGet(ro, handles_[static_cast<int>(family)], keys.size(), slices.data(),
                  values.data(), statuses.data());
    std::vector<std::optional<std::string>> out(keys.size());
    for (size_t i = 0; i < keys.size(); ++i) {
      if (statuses[i].IsNotFound()) continue;
      if (!statuses[i].ok()) return FromRocks(statuses[i], "multiget");
      out[i].emplace(values[i].data(), values[i].size());
    }
    return out;
  }

  absl::StatusOr<int64_t> GetCounter(std::string_view key,
                                     const Snapshot* snapshot) const override {
    absl::StatusOr<std::vector<int64_t>> v = GetCounters(key, snapshot);
    if (!v.ok()) return v.status();
    return (*v)[0];
  }

  absl::StatusOr<std::vector<int64_t>> GetCounters(std::string_view key,
                                                   const Snapshot* snapshot) const override {
    absl::StatusOr<std::optional<std::string>> v = Get(Family::kCounters, key, snapshot);
    if (!v.ok()) return v.status();
    if (!v->has_value()) return std::vector<int64_t>(kMaxCounterFields, 0);
    std::optional<std::vector<int64_t>> c = DecodeCounters(**v);
    if (!c) return absl::DataLossError("malformed counter value");
    c->resize(kMaxCounterFields, 0);
    return *std::move(c);
  }

  absl::StatusOr<std::vector<int64_t>> MultiGetCounter(
      const std::vector<std::string>& keys) const override {
    std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
    std::vector<rocksdb::PinnableSlice> values(keys.size());
    std::vector<rocksdb::Status> statuses(keys.size());
    db_->MultiGet(rocksdb::ReadOptions(), handles_[static_cast<int>(Family::kCounters)],
                  keys.size(), slices.data(), values.data(), statuses.data());
    std::vector<int64_t> out(keys.size(), 0);
    for (size_t i = 0; i < keys.size(); ++i) {
      if (statuses[i].IsNotFound()) continue;
      if (!statuses[i].ok()) return FromRocks(statuses[i], "multiget");
      auto c = DecodeCounter(std::string_view(values[i].data(), values[i].size()));
      if (!c) return absl::DataLossError("malformed counter value");
      out[i] = *c;
    }
    return out;
  }

  std::unique_ptr<Snapshot> GetSnapshot() const override {
    // Taking and releasing a RocksDB snapshot locks the database mutex (and
    // a release walks every column family): readers that ask while nothing
    // was written since share one. Same sequence number, same view.
    std::lock_guard<std::mutex> lock(snapshot_mu_);
    if (cached_snapshot_ == nullptr ||
        cached_snapshot_->snap->GetSequenceNumber() != db_->GetLatestSequenceNumber()) {
      // Writes completed before the snapshot and writes started after it:
      // equal means none was in flight meanwhile, so the snapshot holds
      // exactly the first `completed` writes to the family.
      std::array<uint64_t, kFamilyCount> versions;
      for (int f = 0; f < kFamilyCount; ++f) versions[f] = writes_completed_[f].load();
      const rocksdb::Snapshot* snap = db_->GetSnapshot();
      for (int f = 0; f < kFamilyCount; ++f) {
        versions[f] = writes_started_[f].load() == versions[f] ? versions[f] + 1 : 0;
      }
      cached_snapshot_ = std::make_shared<const SharedSnapshot>(db_.get(), snap, versions);
      snapshot_cached_ = true;
    }
    return std::make_unique<RocksSnapshot>(cached_snapshot_);
  }

  std::unique_ptr<Iterator> NewIterator(Family family, const core::KeyRange& range,
                                        const Snapshot* snapshot) const override {
    return std::make_unique<RocksIterator>(db_.get(), handles_[static_cast<int>(family)], range,
                                           Unwrap(snapshot));
  }

  absl::Status Flush() override {
    rocksdb::FlushOptions fo;
    fo.wait = true;
    return FromRocks(db_->Flush(fo, handles_), "flush");
  }

  absl::Status Settle() override {
    RETURN_IF_ERROR(Flush());
    // RocksDB 7.8 has no WaitForCompact: poll its own counts.
    for (;;) {
      uint64_t busy = 0, n = 0;
      for (rocksdb::ColumnFamilyHandle* h : handles_) {
        if (db_->GetIntProperty(h, "rocksdb.compaction-pending", &n)) busy += n;
      }
      if (db_->GetIntProperty("rocksdb.num-running-compactions", &n)) busy += n;
      if (db_->GetIntProperty("rocksdb.num-running-flushes", &n)) busy += n;
      if (busy == 0) return absl::OkStatus();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  absl::Status Compact() override {
    rocksdb::CompactRangeOptions co;
    co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
    for (rocksdb::ColumnFamilyHandle* h : handles_) {
      // The bottom level, where this puts everything, in ZSTD: smaller than
      // the LZ4 that writing uses, for a database about to be served.
      RETURN_IF_ERROR(
          FromRocks(db_->SetOptions(h, {{"bottommost_compression", "kZSTD"}}), "compact"));
      absl::Status compacted = FromRocks(db_->CompactRange(co, h, nullptr, nullptr), "compact");
      RETURN_IF_ERROR(FromRocks(
          db_->SetOptions(h, {{"bottommost_compression", "kLZ4Compression"}}), "compact"));
      RETURN_IF_ERROR(compacted);
    }
    return absl::OkStatus();
  }

  uint64_t ApproximateSize(Family family) const override {
    uint64_t size = 0;
    db_->GetIntProperty(handles_[static_cast<int>(family)], "rocksdb.total-sst-files-size",
                        &size);
    return size;
  }

  MemoryUsage Memory() const override {
    MemoryUsage m;
    db_->GetAggregatedIntProperty("rocksdb.cur-size-all-mem-tables", &m.memtables);
    db_->GetAggregatedIntProperty("rocksdb.estimate-table-readers-mem", &m.table_readers);
    // The cache is shared by every family: read it through one.
    db_->GetIntProperty(handles_[0], "rocksdb.block-cache-usage", &m.block_cache);
    db_->GetIntProperty(handles_[0], "rocksdb.block-cache-pinned-usage", &m.cache_pinned);
    return m;
  }

  // Runs `apply` (which writes `batch`) with the bookkeeping every write
  // needs: the families' versions (Snapshot::version) and the cached
  // snapshot.
  template <typename Fn>
  absl::Status Apply(Batch& batch, Fn apply) {
    if (batch.rep_->cfs != &handles_) {
      return absl::InvalidArgumentError("batch belongs to another database");
    }
    // Snapshot::version: writes to each family started, then completed.
    const uint32_t families = batch.rep_->families;
    auto bump = [&](std::array<std::atomic<uint64_t>, kFamilyCount>& count) {
      for (int f = 0; f < kFamilyCount; ++f) {
        if (families & (1u << f)) count[f].fetch_add(1);
      }
    };
    bump(writes_started_);
    absl::Status written = apply();
    bump(writes_completed_);
    if (snapshot_cached_.load(std::memory_order_relaxed)) {
      // The cached snapshot no longer shows the latest state: stop handing
      // it out (its readers keep it until they are done).
      std::shared_ptr<const SharedSnapshot> old;
      std::lock_guard<std::mutex> lock(snapshot_mu_);
      old.swap(cached_snapshot_);
      snapshot_cached_ = false;
    }
    return written;
  }

  // Writes each column family's writes of `wb` into a sorted table file in
  // the database directory and adds them all in one atomic ingestion.
  absl::Status IngestTables(const rocksdb::WriteBatch& wb) {
    WritesByFamily writes;
    RETURN_IF_ERROR(FromRocks(wb.Iterate(&writes), "ingest"));
    std::vector<rocksdb::IngestExternalFileArg> args;
    absl::Status s;
    for (auto& [cf_id, ops] : writes.ops) {
      rocksdb::ColumnFamilyHandle* h = HandleOfId(cf_id);
      if (h == nullptr) return absl::InvalidArgumentError("ingest: unknown column family");
      const std::string path = absl::StrCat(dir_, "/ingest-", ingest_files_++, ".sst");
      s = WriteTable(h, ops, path);
      if (!s.ok()) {
        std::error_code ec;
        std::filesystem::remove(path, ec);
        break;
      }
      rocksdb::IngestExternalFileArg& arg = args.emplace_back();
      arg.column_family = h;
      arg.external_files = {path};
      arg.options.move_files = true;
      arg.options.write_global_seqno = false;
    }
    if (s.ok()) s = FromRocks(db_->IngestExternalFiles(args), "ingest");
    for (const auto& arg : args) {
      std::error_code ec;
      std::filesystem::remove(arg.external_files[0], ec);  // moved, or failed
    }
    return s;
  }

  rocksdb::ColumnFamilyHandle* HandleOfId(uint32_t id) const {
    for (rocksdb::ColumnFamilyHandle* h : handles_) {
      if (h->GetID() == id) return h;
    }
    return nullptr;
  }

  absl::Status WriteTable(rocksdb::ColumnFamilyHandle* h, std::vector<WritesByFamily::Op>& ops,
                          const std::string& path) {
    std::stable_sort(ops.begin(), ops.end(), [](const auto& a, const auto& b) {
      return a.key.compare(b.key) < 0;
    });
    rocksdb::Options o(db_->GetDBOptions(), db_->GetOptions(h));
    rocksdb::SstFileWriter writer(rocksdb::EnvOptions(), o, h,
                                  /*invalidate_page_cache=*/false);
    RETURN_IF_ERROR(FromRocks(writer.Open(path), "ingest"));
    for (size_t i = 0; i < ops.size(); ++i) {
      const WritesByFamily::Op& op = ops[i];
      if (i > 0 && ops[i - 1].key == op.key) {
        return absl::InvalidArgumentError(
            absl::StrCat("ingest: a key written twice in family ", h->GetName()));
      }
      rocksdb::Status w = op.type == WritesByFamily::kPut     ? writer.Put(op.key, op.value)
                          : op.type == WritesByFamily::kMerge ? writer.Merge(op.key, op.value)
                                                              : writer.Delete(op.key);
      RETURN_IF_ERROR(FromRocks(w, "ingest"));
    }
    return FromRocks(writer.Finish(), "ingest");
  }

  const std::string& dir() const override { return dir_; }
  int opened_format_version() const override { return opened_format_version_; }
  bool read_only() const override { return options_.read_only; }
  absl::Status Health() const override {
    if (options_.read_only) return absl::FailedPreconditionError("opened read-only");
    return background_errors_->last();
  }

  const std::vector<rocksdb::ColumnFamilyHandle*>& handles() const { return handles_; }

 private:
  std::string dir_;
  int opened_format_version_ = kFormatVersion;
  std::atomic<uint64_t> ingest_files_{0};  // names of the files Ingest writes
  DbOptions options_;
  std::shared_ptr<BackgroundErrors> background_errors_ = std::make_shared<BackgroundErrors>();
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  // The snapshot GetSnapshot() shares until the next write.
  mutable std::mutex snapshot_mu_;
  // Per family, the writes to it started and completed (concurrent writers
  // may overlap). Snapshot::version is completed + 1, so that 0 can mean
  // unknown.
  std::array<std::atomic<uint64_t>, kFamilyCount> writes_started_{};
  std::array<std::atomic<uint64_t>, kFamilyCount> writes_completed_{};
  mutable std::shared_ptr<const SharedSnapshot> cached_snapshot_;
  mutable std::atomic<bool> snapshot_cached_{false};
};

absl::StatusOr<std::unique_ptr<Db>> DbImpl::Open(const std::string& dir,
                                                 const DbOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  bool exists = fs::exists(fs::path(dir) / "CURRENT", ec);
  if (!exists) {
    if (!options.create_if_missing || options.read_only) {
      return absl::NotFoundError(absl::StrCat("no inlinks database in '", dir, "'"));
    }
    if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
      return absl::FailedPreconditionError(absl::StrCat("'", dir, "' is not a directory"));
    }
    if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
      // Only what RocksDB writes before CURRENT (a creation that was killed,
      // before anything could be acknowledged) may be there. Write-ahead logs
      // and tables without CURRENT are a damaged database; anything else is
      // someone's data.
      for (const auto& entry : fs::directory_iterator(dir, ec)) {
        std::string name = entry.path().filename().string();
        if (name.ends_with(".log") || name.ends_with(".sst")) {
          return absl::DataLossError(absl::StrCat(
              "'", dir, "' holds RocksDB data ('", name, "') but no CURRENT file: damaged database"));
        }
        bool creation_file = name == "LOCK" || name == "IDENTITY" || name.rfind("LOG", 0) == 0 ||
                             name.rfind("MANIFEST-", 0) == 0 || name.rfind("OPTIONS-", 0) == 0 ||
                             name.ends_with(".dbtmp");
        if (!creation_file) {
          return absl::FailedPreconditionError(
              absl::StrCat("'", dir, "' is not empty and holds no database (found '", name,
                           "'); refusing to create one there"));
        }
      }
    }
    // Made here: RocksDB would log an error for the missing directory first.
    // A failure is RocksDB's to report, as for any other open.
    fs::create_directories(dir, ec);
  }

  // Shared by every family: one block cache, bloom filters for point lookups
  // (pages, counters, forward records are read by exact key).
  // Four shards, not RocksDB's default of one per 512 KiB-4 MiB: a block
  // larger than a shard is never kept, and the whole-key bloom filter of a
  // large counters table is one block of 10+ MB that every scope-counter
  // lookup reads (bench/micro/api_bench.cc measured a first page at 1.28 ms
  // with 64 shards of 4 MiB, 43 us with 4 shards). With 2-8 threads, four
  // shards keep lock contention low.
  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes, /*num_shard_bits=*/2);
  auto table_options = [&](bool bloom) {
    rocksdb::BlockBasedTableOptions t;
    t.block_cache = cache;
    t.block_size = 16 * 1024;  // range scans dominate: fewer, larger blocks
    t.cache_index_and_filter_blocks = true;
    t.pin_l0_filter_and_index_blocks_in_cache = true;
    t.format_version = 5;
    if (bloom) {
      t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10, false));
      // Point lookups (a page of backlinks joins up to 100 page records)
      // find their key in a data block by hash instead of a binary search.
      t.data_block_index_type = rocksdb::BlockBasedTableOptions::kDataBlockBinaryAndHash;
      t.data_block_hash_table_util_ratio = 0.75;
    }
    return rocksdb::NewBlockBasedTableFactory(t);
  };
  auto family_options = [&](Family f) {
    rocksdb::ColumnFamilyOptions o;
    o.write_buffer_size = options.write_buffer_bytes;
    o.max_write_buffer_number = 3;
    o.level_compaction_dynamic_level_bytes = true;
    // LZ4 at every level while the database is written: URLs and anchors
    // compress well, and ZSTD at the bottom level (where most data is
    // rewritten by compactions) cost 10% of the daemon's CPU in a 50k-page
    // crawl for 30% less disk. `inlinks compact` (Compact) rewrites the
    // bottom level with ZSTD.
    o.compression = rocksdb::kLZ4Compression;
    o.bottommost_compression = rocksdb::kLZ4Compression;
    // Level-0 files are merged into level 1 eight at a time (RocksDB's
    // default: four): the links and strength entries of a page go all over
    // the key space, so each level-0 -> 1 compaction rewrites most of level
    // 1 whatever the number of files (50k-page crawl: 6% less CPU).
    o.level0_file_num_compaction_trigger = 8;
    o.level0_slowdown_writes_trigger = 32;
    o.level0_stop_writes_trigger = 48;
    bool point_lookups = f == Family::kPages || f == Family::kCounters ||
                         f == Family::kForward || f == Family::kMeta;
    o.table_factory.reset(table_options(point_lookups));
    if (point_lookups) o.optimize_filters_for_hits = false;
    if (f == Family::kCounters) {
      o.merge_operator = std::make_shared<CounterAddOperator>();
      // Most counter lookups while pages are published are for pairs that
      // do not exist yet: a memtable bloom filter answers those without
      // searching. The memtable is RocksDB's default skiplist: a refresh
      // writes each counter once per run, in key order, and sorted inserts
      // reuse the previous insert's search path (index_bench, whole process:
      // 60.7 -> 38.6 us per link against a hash of skiplists, which costs a
      // search per insert and sorted one list per flush).
      o.memtable_whole_key_filtering = true;
      o.memtable_prefix_bloom_size_ratio = 0.05;
    }
    if (f == Family::kBuckets || f == Family::kStrengthBuckets) {
      // A few thousand distinct keys rewritten by every page: a small
      // memtable keeps the skiplist of their versions shallow.
      o.write_buffer_size = std::max<size_t>(options.write_buffer_bytes / 16, 1u << 20);
    }
    if (f == Family::kForward || f == Family::kPages) {
      o.memtable_whole_key_filtering = true;
      o.memtable_prefix_bloom_size_ratio = 0.02;
    }
    return o;
  };

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = options.create_if_missing;
  db_options.create_missing_column_families = true;
  db_options.paranoid_checks = true;
  db_options.max_background_jobs = 2;
  // One memory budget for the memtables of all ten families (else up to
  // 7 x 3 x write_buffer_bytes).
  db_options.write_buffer_manager =
      options.charge_memtables_to_cache
          ? std::make_shared<rocksdb::WriteBufferManager>(options.memtable_budget_bytes, cache)
          : std::make_shared<rocksdb::WriteBufferManager>(options.memtable_budget_bytes);
  // The counters family uses a hash memtable, which takes one writer at a
  // time (the indexer has one writer anyway).
  db_options.allow_concurrent_memtable_write = false;
  db_options.bytes_per_sync = 1 << 20;
  db_options.max_open_files = 512;
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  db_options.info_log = std::make_shared<RocksLogger>();
  auto impl = std::make_unique<DbImpl>();
  db_options.listeners.push_back(impl->background_errors_);

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (int i = 0; i < kFamilyCount; ++i) {
    descriptors.emplace_back(kFamilyNames[i], family_options(static_cast<Family>(i)));
  }

  if (exists) {
    // Refuse a database whose families are not ours before touching it.
    std::vector<std::string> names;
    rocksdb::Status ls = rocksdb::DB::ListColumnFamilies(db_options, dir, &names);
    if (!ls.ok()) return OpenError(ls, dir, exists);
    for (const std::string& n : names) {
      bool known = false;
      for (const char* k : kFamilyNames) known |= n == k;
      if (!known) {
        return absl::FailedPreconditionError(absl::StrCat(
            "'", dir, "' has column family '", n,
            "' unknown to this version of inlinks (written by a newer version?)"));
      }
    }
    if (options.read_only) {
      // Families added since the database was written are created by the
      // first writable open; a read-only one cannot.
      for (const char* k : kFamilyNames) {
        if (std::find(names.begin(), names.end(), k) == names.end()) {
          return absl::FailedPreconditionError(absl::StrCat(
              "'", dir, "' was written by an older inlinks and lacks column family '", k,
              "': convert it with `inlinks migrate --db ", dir, "` (or any writable open: "
              "inlinksd, inlinks import or inlinks rank)"));
        }
      }
    }
  }

  impl->dir_ = dir;
  impl->options_ = options;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (options.read_only) {
    s = rocksdb::DB::OpenForReadOnly(db_options, dir, descriptors, &impl->handles_, &raw);
  } else {
    s = rocksdb::DB::Open(db_options, dir, descriptors, &impl->handles_, &raw);
  }
  if (!s.ok()) return OpenError(s, dir, exists);
  impl->db_.reset(raw);
  if (!options.read_only) {
    // Table files an Ingest was writing when the process died: never part
    // of the database (RocksDB only cleans up files of its own naming).
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("ingest-", 0) == 0 && name.ends_with(".sst")) fs::remove(entry.path(), ec);
    }
  }

  // Format version: written on creation, checked on every open.
  auto version = impl->Get(Family::kMeta, kFormatKey, nullptr);
  if (!version.ok()) return version.status();
  if (!version->has_value()) {
    if (exists) {
      // A process killed between RocksDB creating the files and our first
      // write leaves an empty database without a version: finish creating it.
      // Anything with data in it is not ours to claim.
      for (int f = 0; f < kFamilyCount; ++f) {
        auto it = impl->NewIterator(static_cast<Family>(f), {"", ""}, nullptr);
        it->SeekToFirst();
        if (!it->status().ok()) return it->status();
        if (it->Valid()) {
          return absl::FailedPreconditionError(absl::StrCat(
              "'", dir, "' is a RocksDB database but not an inlinks one (no format version)"));
        }
      }
    }
    if (options.read_only) return absl::NotFoundError("empty database");
    Batch b(*impl);
    b.Put(Family::kMeta, kFormatKey, std::to_string(kFormatVersion));
    absl::Status w = impl->Write(b);
    if (!w.ok()) return w;
  } else if (**version == "1" && !options.read_only) {
    // Version 1 -> 2: a version-1 database lacks only the journal, which
    // this open created empty (nothing is pending in it).
    Batch b(*impl);
    b.Put(Family::kMeta, kFormatKey, std::to_string(kFormatVersion));
    if (absl::Status w = impl->Write(b); !w.ok()) return w;
    impl->opened_format_version_ = 1;
  } else if (**version == "1") {
    return absl::FailedPreconditionError(absl::StrCat(
        "'", dir, "' has inlinks format version 1: convert it with `inlinks migrate --db ", dir,
        "` (or any writable open)"));
  } else if (**version != std::to_string(kFormatVersion)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "'", dir, "' has inlinks format version ", **version, "; this build reads version ",
        kFormatVersion, (std::atoi((*version)->c_str()) > kFormatVersion
                             ? " (written by a newer inlinks: upgrade)"
                             : " (written by an older inlinks: no migration exists)")));
  }
  return std::unique_ptr<Db>(std::move(impl));
}

absl::StatusOr<std::unique_ptr<Db>> Db::Open(const std::string& dir, const DbOptions& options) {
  return DbImpl::Open(dir, options);
}

Batch::Batch(const Db& db) : rep_(std::make_unique<Rep>()) {
  rep_->cfs = &static_cast<const DbImpl&>(db.Target()).handles();
}
Batch::~Batch() = default;
Batch::Batch(Batch&&) noexcept = default;
Batch& Batch::operator=(Batch&&) noexcept = default;

void Batch::Put(Family family, std::string_view key, std::string_view value) {
  rep_->families |= 1u << static_cast<int>(family);
  rep_->wb.Put((*rep_->cfs)[static_cast<int>(family)], rocksdb::Slice(key.data(), key.size()),
               rocksdb::Slice(value.data(), value.size()));
}

void Batch::Delete(Family family, std::string_view key) {
  rep_->families |= 1u << static_cast<int>(family);
  rep_->wb.Delete((*rep_->cfs)[static_cast<int>(family)], rocksdb::Slice(key.data(), key.size()));
}

void Batch::AddCounter(std::string_view key, int64_t delta) {
  AddCounters(key, {delta});
}

void Batch::AddCounters(std::string_view key, std::initializer_list<int64_t> deltas) {
  std::string v;
  EncodeCounters(std::span<const int64_t>(deltas.begin(), deltas.size()), &v);
  rep_->families |= 1u << static_cast<int>(Family::kCounters);
  rep_->wb.Merge((*rep_->cfs)[static_cast<int>(Family::kCounters)],
                 rocksdb::Slice(key.data(), key.size()), v);
}

size_t Batch::Count() const { return rep_->wb.Count(); }

void Batch::Clear() {
  rep_->wb.Clear();  // keeps the buffer's capacity
  rep_->families = 0;
}
size_t Batch::ByteSize() const { return rep_->wb.GetDataSize(); }

namespace {

// The family whose column family has id `cf`, or nullopt.
std::optional<Family> FamilyOfId(const std::vector<rocksdb::ColumnFamilyHandle*>& cfs,
                                 uint32_t cf) {
  for (int f = 0; f < kFamilyCount; ++f) {
    if (cfs[f]->GetID() == cf) return static_cast<Family>(f);
  }
  return std::nullopt;
}

rocksdb::Status UnknownFamily() {
  return rocksdb::Status::InvalidArgument("write to an unknown column family");
}

// Counts a WriteBatch's writes per family; fails on a column family that is
// not one of `cfs`.
class FamilyCounter : public rocksdb::WriteBatch::Handler {
 public:
  explicit FamilyCounter(const std::vector<rocksdb::ColumnFamilyHandle*>& cfs) : cfs_(cfs) {}

  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice&, const rocksdb::Slice&) override {
    return Count(cf);
  }
  rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice&) override { return Count(cf); }
  rocksdb::Status SingleDeleteCF(uint32_t cf, const rocksdb::Slice&) override { return Count(cf); }
  rocksdb::Status DeleteRangeCF(uint32_t cf, const rocksdb::Slice&,
                                const rocksdb::Slice&) override {
    return Count(cf);
  }
  rocksdb::Status MergeCF(uint32_t cf, const rocksdb::Slice&, const rocksdb::Slice&) override {
    return Count(cf);
  }

  std::array<size_t, kFamilyCount> counts{};
  uint32_t families = 0;

 private:
  rocksdb::Status Count(uint32_t cf) {
    const std::optional<Family> family = FamilyOfId(cfs_, cf);
    if (!family) return UnknownFamily();
    const int f = static_cast<int>(*family);
    ++counts[f];
    families |= 1u << f;
    return rocksdb::Status::OK();
  }

  const std::vector<rocksdb::ColumnFamilyHandle*>& cfs_;
};

// Copies the writes of a WriteBatch that `keep` accepts into `out`.
class FilteringCopier : public rocksdb::WriteBatch::Handler {
 public:
  FilteringCopier(const std::vector<rocksdb::ColumnFamilyHandle*>& cfs,
                  absl::FunctionRef<bool(Family, std::string_view)> keep,
                  rocksdb::WriteBatch& out)
      : cfs_(cfs), keep_(keep), out_(out) {}

  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& key,
                        const rocksdb::Slice& value) override {
    return Copy(cf, key, [&](rocksdb::ColumnFamilyHandle* h) { return out_.Put(h, key, value); });
  }
  rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
    return Copy(cf, key, [&](rocksdb::ColumnFamilyHandle* h) { return out_.Delete(h, key); });
  }
  rocksdb::Status SingleDeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
    return Copy(cf, key,
                [&](rocksdb::ColumnFamilyHandle* h) { return out_.SingleDelete(h, key); });
  }
  rocksdb::Status DeleteRangeCF(uint32_t cf, const rocksdb::Slice& begin,
                                const rocksdb::Slice& end) override {
    return Copy(cf, begin,
                [&](rocksdb::ColumnFamilyHandle* h) { return out_.DeleteRange(h, begin, end); });
  }
  rocksdb::Status MergeCF(uint32_t cf, const rocksdb::Slice& key,
                          const rocksdb::Slice& value) override {
    return Copy(cf, key, [&](rocksdb::ColumnFamilyHandle* h) { return out_.Merge(h, key, value); });
  }

  uint32_t families = 0;

 private:
  template <typename Write>
  rocksdb::Status Copy(uint32_t cf, const rocksdb::Slice& key, Write write) {
    const std::optional<Family> family = FamilyOfId(cfs_, cf);
    if (!family) return UnknownFamily();
    if (!keep_(*family, std::string_view(key.data(), key.size()))) return rocksdb::Status::OK();
    const int f = static_cast<int>(*family);
    families |= 1u << f;
    return write(cfs_[f]);
  }

  const std::vector<rocksdb::ColumnFamilyHandle*>& cfs_;
  absl::FunctionRef<bool(Family, std::string_view)> keep_;
  rocksdb::WriteBatch& out_;
};

}  // namespace

absl::Status ForwardingDb::Write(Batch& batch) { return inner_.Write(batch); }
absl::StatusOr<std::optional<std::string>> ForwardingDb::Get(Family family,
                                                             std::string_view key,
                                                             const Snapshot* snapshot) const {
  return inner_.Get(family, key, snapshot);
}
absl::StatusOr<std::vector<std::optional<std::string>>> ForwardingDb::MultiGet(
    Family family, const std::vector<std::string_view>& keys, const Snapshot* snapshot) const {
  return inner_.MultiGet(family, keys, snapshot);
}
absl::StatusOr<int64_t> ForwardingDb::GetCounter(std::string_view key,
                                                 const Snapshot* snapshot) const {
  return inner_.GetCounter(key, snapshot);
}
absl::StatusOr<std::vector<int64_t>> ForwardingDb::GetCounters(std::string_view key,
                                                               const Snapshot* snapshot) const {
  return inner_.GetCounters(key, snapshot);
}
absl::StatusOr<std::vector<int64_t>> ForwardingDb::MultiGetCounter(
    const std::vector<std::string>& keys) const {
  return inner_.MultiGetCounter(keys);
}
std::unique_ptr<Snapshot> ForwardingDb::GetSnapshot() const { return inner_.GetSnapshot(); }
std::unique_ptr<Iterator> ForwardingDb::NewIterator(Family family, const core::KeyRange& range,
                                                    const Snapshot* snapshot) const {
  return inner_.NewIterator(family, range, snapshot);
}
absl::Status ForwardingDb::Flush() { return inner_.Flush(); }
absl::Status ForwardingDb::Settle() { return inner_.Settle(); }
absl::Status ForwardingDb::Ingest(Batch& batch) { return inner_.Ingest(batch); }
absl::Status ForwardingDb::Compact() { return inner_.Compact(); }
uint64_t ForwardingDb::ApproximateSize(Family family) const {
  return inner_.ApproximateSize(family);
}
Db::MemoryUsage ForwardingDb::Memory() const { return inner_.Memory(); }
const std::string& ForwardingDb::dir() const { return inner_.dir(); }
const Db& ForwardingDb::Target() const { return inner_.Target(); }

std::array<size_t, kFamilyCount> Batch::CountByFamily() const {
  FamilyCounter counter(*rep_->cfs);
  // A batch built by Put/Delete/AddCounters always parses.
  (void)rep_->wb.Iterate(&counter);
  return counter.counts;
}

std::string Batch::Data() const { return rep_->wb.Data(); }

absl::StatusOr<Batch> Batch::FromData(const Db& db, std::string data) {
  Batch batch(db);
  if (data.size() < 12) return absl::InvalidArgumentError("not a write batch: too short");
  batch.rep_->wb = rocksdb::WriteBatch(std::move(data));
  FamilyCounter counter(*batch.rep_->cfs);
  rocksdb::Status s = batch.rep_->wb.Iterate(&counter);
  if (!s.ok()) return absl::InvalidArgumentError(absl::StrCat("not a write batch: ", s.ToString()));
  batch.rep_->families = counter.families;
  return batch;
}

absl::StatusOr<Batch> Batch::FromData(const Db& db, std::string_view data,
                                      absl::FunctionRef<bool(Family, std::string_view)> keep) {
  if (data.size() < 12) return absl::InvalidArgumentError("not a write batch: too short");
  const rocksdb::WriteBatch in{std::string(data)};
  Batch batch(db);
  FilteringCopier copier(*batch.rep_->cfs, keep, batch.rep_->wb);
  rocksdb::Status s = in.Iterate(&copier);
  if (!s.ok()) return absl::InvalidArgumentError(absl::StrCat("not a write batch: ", s.ToString()));
  batch.rep_->families = copier.families;
  return batch;
}

}  // namespace inlinks::storage
