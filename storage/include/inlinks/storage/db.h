// File: inlinks/storage/db.h
//
// Owns: the one RocksDB database of an inlinks data directory: opening it with
// its column families and options, the on-disk format version, atomic write
// batches, consistent snapshots, bounded iterators and the int64 counter merge
// operator. This is the only code that includes RocksDB headers; the rest of
// inlinks sees the types below.
//
// Column families (docs/keys.md has every key and value byte):
//   kMeta      format version and database facts
//   kLinks     live reverse-link records, keyed by target (scope order)
//   kLost      reverse-link records of links no longer on their page
//   kForward   per source page: the links it had at its last crawl
//   kPages     per source page: fetch state, title, counts, IP
//   kCounters  int64 totals per scope (merge operator: add)
//   kBuckets   the pagination directory over kLinks (docs/keys.md)
//   kFrontier  the crawler's persistent frontier: seen set, per-host queues,
//              re-crawl schedule, seeds (docs/keys.md)
//   kStrength  live links in strongest-source-first order, and
//   kStrengthBuckets  its pagination directory
//   kJournal   the indexer's journal: link changes written but not yet
//              folded into the families above by a refresh
//
// Thread safety: Db is thread-safe (RocksDB's guarantees); a Batch, an
// Iterator and a Snapshot are used by one thread at a time.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "inlinks/core/keys.h"

namespace inlinks::storage {

enum class Family : uint8_t {
  kMeta = 0,
  kLinks,
  kLost,
  kForward,
  kPages,
  kCounters,
  kBuckets,
  kFrontier,
  kStrength,         // live links in strongest-source-first order (records.h)
  kStrengthBuckets,  // pagination directory over kStrength (buckets.h)
  kJournal,          // indexed, not yet published (indexer/indexer.h)
};
inline constexpr int kFamilyCount = 11;

// The family's column family name in RocksDB ("default" for kMeta).
std::string_view FamilyName(Family family);

// The on-disk format this build reads and writes. A version-1 database is
// converted by its first writable open; one of any other version is refused
// (never misread). docs/keys.md "Format versions".
inline constexpr int kFormatVersion = 2;

struct DbOptions {
  bool create_if_missing = true;
  bool read_only = false;      // open without writing (the query CLI)
  size_t block_cache_bytes = 256u << 20;
  size_t write_buffer_bytes = 64u << 20;  // per column family memtable
  // All memtables of all families together; reaching it flushes the largest.
  size_t memtable_budget_bytes = 256u << 20;
  // Count memtable memory against the block cache, so that memtables plus
  // cached blocks stay within block_cache_bytes (a long-running daemon's
  // memory bound) instead of adding up.
  bool charge_memtables_to_cache = false;
  // fsync the WAL on every write: survives power loss, not only a crash of
  // the process (a killed process never loses a returned write either way).
  bool sync_writes = false;
};

// Options for a long-running process whose RocksDB memory (block cache and
// memtables together) must stay within `total_bytes`: memtables may use up
// to three quarters of it, cached blocks the rest.
inline DbOptions BoundedMemoryOptions(size_t total_bytes) {
  DbOptions o;
  o.block_cache_bytes = total_bytes;
  o.memtable_budget_bytes = total_bytes / 4 * 3;
  o.write_buffer_bytes = std::min<size_t>(o.write_buffer_bytes, total_bytes / 4);
  o.charge_memtables_to_cache = true;
  return o;
}

class Db;

// An atomic group of writes (a RocksDB WriteBatch) for one Db, which must
// outlive it. Keys and values are copied in.
class Batch {
 public:
  explicit Batch(const Db& db);
  ~Batch();
  Batch(Batch&&) noexcept;
  Batch& operator=(Batch&&) noexcept;

  void Put(Family family, std::string_view key, std::string_view value);
  void Delete(Family family, std::string_view key);
  // Adds `delta` to the int64 counter at `key` in kCounters.
  void AddCounter(std::string_view key, int64_t delta);
  // Adds `deltas` field-wise to the counter vector at `key` (at most
  // kMaxCounterFields fields).
  void AddCounters(std::string_view key, std::initializer_list<int64_t> deltas);
  size_t Count() const;
  size_t ByteSize() const;
  // Forgets every write, keeping the memory for the next ones (a writer
  // that reuses one batch does not fault in a fresh buffer each time).
  void Clear();
  // How many writes (puts, deletes, counter merges) the batch makes to each
  // family, indexed by Family.
  std::array<size_t, kFamilyCount> CountByFamily() const;

  // The batch's writes as bytes, and a batch for `db` that makes exactly
  // those writes: benchmarks replay the writes another component made, with
  // none of its work, into a database opened with the same families.
  // kInvalidArgument when `data` is not such bytes.
  std::string Data() const;
  static absl::StatusOr<Batch> FromData(const Db& db, std::string data);
  // As FromData, keeping only the writes for which keep(family, key) holds.
  static absl::StatusOr<Batch> FromData(
      const Db& db, std::string_view data,
      absl::FunctionRef<bool(Family family, std::string_view key)> keep);

 private:
  friend class DbImpl;
  struct Rep;
  std::unique_ptr<Rep> rep_;
};

// A consistent read view; release by destroying it (before its Db).
class Snapshot {
 public:
  virtual ~Snapshot() = default;
  // How far writes to `family` had gone when the snapshot was taken, as
  // counted by this Db object: two snapshots with the same non-zero version
  // of a family read the same records of it (no write to it in between), and
  // a later write makes it larger. 0 when unknown (a write to the family was
  // in flight): never equal to anything for caching.
  virtual uint64_t version(Family family) const = 0;
};

// Iterates one column family in key order within [range.begin, range.end).
class Iterator {
 public:
  virtual ~Iterator() = default;
  virtual void Seek(std::string_view key) = 0;  // first key >= key
  virtual void SeekToFirst() = 0;               // first key of the range
  // Last key <= key (ignores the range's lower bound).
  virtual void SeekForPrev(std::string_view key) = 0;
  virtual bool Valid() const = 0;
  virtual void Next() = 0;
  // Borrowed until the next move of the iterator.
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  // OK, or why iteration stopped early (kDataLoss on corruption).
  virtual absl::Status status() const = 0;
};

class Db {
 public:
  // Opens (and with create_if_missing, creates) the database in `dir`.
  // Errors: kFailedPrecondition for a database of another format version or
  // not an inlinks database; kDataLoss for a corrupted one; kPermissionDenied
  // or kUnavailable for directories that cannot be written or locked (e.g.
  // another process has it open); kResourceExhausted when the disk is full.
  static absl::StatusOr<std::unique_ptr<Db>> Open(const std::string& dir,
                                                  const DbOptions& options = {});
  virtual ~Db() = default;

  // Applies every write of `batch` atomically, or none.
  virtual absl::Status Write(Batch& batch) = 0;
  // As Write, but the writes become sorted table files added to the
  // database (RocksDB's external file ingestion): no write-ahead log and no
  // memtable, so a large batch costs about what flushing it would. A key
  // may be written once per family (kInvalidArgument otherwise). For large
  // batches of keys that Write does not write at the same time (a family
  // whose memtable holds keys in the batch's range is flushed first).
  // Readers that hold no snapshot may see some families ingested before
  // others; a snapshot sees all or none.
  virtual absl::Status Ingest(Batch& batch) = 0;
  // The value at `key`, nullopt when absent. Reads `snapshot` when given.
  virtual absl::StatusOr<std::optional<std::string>> Get(
      Family family, std::string_view key, const Snapshot* snapshot = nullptr) const = 0;
  // Get of many keys of one family at once (one batched lookup; cheaper than
  // a Get per key): values in the order of `keys`, nullopt when absent.
  virtual absl::StatusOr<std::vector<std::optional<std::string>>> MultiGet(
      Family family, const std::vector<std::string_view>& keys,
      const Snapshot* snapshot = nullptr) const = 0;
  // The counter at `key` (its first field; 0 when absent).
  virtual absl::StatusOr<int64_t> GetCounter(std::string_view key,
                                             const Snapshot* snapshot = nullptr) const = 0;
  // All kMaxCounterFields fields of the counter at `key` (zeros when absent).
  virtual absl::StatusOr<std::vector<int64_t>> GetCounters(
      std::string_view key, const Snapshot* snapshot = nullptr) const = 0;
  // GetCounter of many keys at once (latest state, no snapshot).
  virtual absl::StatusOr<std::vector<int64_t>> MultiGetCounter(
      const std::vector<std::string>& keys) const = 0;
  virtual std::unique_ptr<Snapshot> GetSnapshot() const = 0;
  // An iterator over `range` of `family` (the whole family for {"", ""}).
  virtual std::unique_ptr<Iterator> NewIterator(Family family, const core::KeyRange& range,
                                                const Snapshot* snapshot = nullptr) const = 0;
  // Flushes memtables and waits (benchmarks, tests).
  virtual absl::Status Flush() = 0;
  // Flush, then waits until no compaction is pending or running: the work
  // the writes so far caused is done (benchmarks count its CPU).
  virtual absl::Status Settle() = 0;
  // Rewrites every family into its final level, compressed with ZSTD
  // instead of the LZ4 that writing uses, dropping overwritten and deleted
  // data (`inlinks compact`): smaller on disk and faster to read afterwards. Takes minutes on a large
  // database; reads and writes may go on meanwhile.
  virtual absl::Status Compact() = 0;
  // Approximate on-disk bytes of a family.
  virtual uint64_t ApproximateSize(Family family) const = 0;
  // RocksDB's own memory right now (memtables are also charged to the block
  // cache when DbOptions::charge_memtables_to_cache is set).
  struct MemoryUsage {
    uint64_t memtables = 0;      // all column families, incl. immutable ones
    uint64_t block_cache = 0;    // everything in the cache
    uint64_t cache_pinned = 0;   // of which pinned (in use by readers)
    uint64_t table_readers = 0;  // index/filter memory outside the cache
  };
  virtual MemoryUsage Memory() const = 0;
  virtual const std::string& dir() const = 0;
  // The database a Batch for this Db is built for: itself, or for a Db that
  // wraps another (and forwards its writes to it), the wrapped one.
  virtual const Db& Target() const { return *this; }
  // The format version the database had before this open: kFormatVersion,
  // or the older version that the open converted.
  virtual int opened_format_version() const { return Target().opened_format_version(); }
  // True when opened with DbOptions::read_only.
  virtual bool read_only() const { return Target().read_only(); }
  // OK while the database can write; otherwise why not: opened read-only
  // (kFailedPrecondition), or the background error (a failed flush or
  // compaction, a full disk) that stopped its writes until it recovers.
  virtual absl::Status Health() const { return Target().Health(); }
};

// A Db that forwards every call to another, which must outlive it: derive
// from it to watch or change some calls (benchmarks capture the batches a
// component writes; tests count writes).
class ForwardingDb : public Db {
 public:
  explicit ForwardingDb(Db& inner) : inner_(inner) {}

  absl::Status Write(Batch& batch) override;
  absl::Status Ingest(Batch& batch) override;
  absl::StatusOr<std::optional<std::string>> Get(Family family, std::string_view key,
                                                 const Snapshot* snapshot = nullptr) const override;
  absl::StatusOr<std::vector<std::optional<std::string>>> MultiGet(
      Family family, const std::vector<std::string_view>& keys,
      const Snapshot* snapshot = nullptr) const override;
  absl::StatusOr<int64_t> GetCounter(std::string_view key,
                                     const Snapshot* snapshot = nullptr) const override;
  absl::StatusOr<std::vector<int64_t>> GetCounters(std::string_view key,
                                                   const Snapshot* snapshot = nullptr) const override;
  absl::StatusOr<std::vector<int64_t>> MultiGetCounter(
      const std::vector<std::string>& keys) const override;
  std::unique_ptr<Snapshot> GetSnapshot() const override;
  std::unique_ptr<Iterator> NewIterator(Family family, const core::KeyRange& range,
                                        const Snapshot* snapshot = nullptr) const override;
  absl::Status Flush() override;
  absl::Status Settle() override;
  absl::Status Compact() override;
  uint64_t ApproximateSize(Family family) const override;
  MemoryUsage Memory() const override;
  const std::string& dir() const override;
  const Db& Target() const override;

 protected:
  Db& inner() const { return inner_; }

 private:
  Db& inner_;
};

// A counter is a vector of 1..kMaxCounterFields int64 fields, each 8 bytes
// little-endian two's complement, added field-wise by the merge operator.
inline constexpr size_t kMaxCounterFields = 4;
// Decodes a counter value; nullopt when malformed.
std::optional<std::vector<int64_t>> DecodeCounters(std::string_view value);
// Its first field.
std::optional<int64_t> DecodeCounter(std::string_view value);

}  // namespace inlinks::storage
