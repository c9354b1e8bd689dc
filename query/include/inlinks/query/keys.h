// File: inlinks/query/keys.h
//
// Owns: API keys and credits (docs/api.md "Keys and credits"): creating, listing,
// crediting and revoking keys stored in the index's RocksDB (Family::kMeta,
// keys "apikey/" + id), authenticating a presented key in constant time,
// charging credits atomically, and the short-lived bearer tokens of the URL
// dialect (POST /v3/token), which live in memory only.
//
// Key format. A key has an id ([A-Za-z0-9_-], 1-64 chars) and a secret (32
// lower-case hex digits, 128 random bits from OpenSSL's RAND_bytes). Clients
// present it as ONE string, "<id>.<secret>" (the form `inlinks keys add`
// prints; "<id>:<secret>" is accepted too). The URL dialect's token endpoint
// takes the id and the secret separately (HTTP Basic or client_id /
// client_secret). Only SHA-256(salt || secret) is stored, with a random
// 16-byte salt per key; the comparison uses CRYPTO_memcmp.
//
// Credits. Every key has a balance and a price in credits per 100 rows
// (default 10). A call serving R rows costs ceil(R * price / 100) credits
// (0 rows cost nothing). Charge() checks and deducts under one mutex and
// writes the new balance before returning, so concurrent requests never
// overdraw: a call that cannot be paid is refused whole and nothing is
// charged. This relies on one process writing the database (RocksDB's lock
// guarantees it).
//
// Thread safety: KeyStore is thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "inlinks/storage/db.h"

namespace inlinks::query {

// The functions a key may call (ApiKey::functions); "*" allows every one.
inline constexpr std::string_view kFnBacklinks = "backlinks";
inline constexpr std::string_view kFnLinktexts = "linktexts";
inline constexpr std::string_view kFnLinkedPages = "linkedpages";
inline constexpr std::string_view kFnCounts = "counts";
inline constexpr std::string_view kFnCreditState = "creditstate";
inline constexpr std::string_view kFnSeeds = "seeds";  // POST /v1/seeds (crawl --serve)
inline constexpr std::string_view kFnAll = "*";
// Every name a key's functions may hold.
inline constexpr std::string_view kFunctions[] = {kFnBacklinks, kFnLinktexts, kFnLinkedPages,
                                                  kFnCounts,    kFnCreditState, kFnSeeds,
                                                  kFnAll};
// OK when every name is in kFunctions; else kInvalidArgument naming the
// first unknown one and the known ones.
absl::Status CheckFunctions(const std::vector<std::string>& functions);

inline constexpr int64_t kDefaultPricePer100Rows = 10;

// What is stored about a key (never the secret).
struct ApiKey {
  std::string id;
  std::vector<std::string> functions;  // e.g. {"backlinks","counts"} or {"*"}
  int64_t credits = 0;                 // balance, never negative
  int64_t price_per_100_rows = kDefaultPricePer100Rows;
  bool revoked = false;
  int64_t created_unix = 0;
  int64_t credits_used = 0;  // total charged over the key's life
  int64_t rows_served = 0;   // total rows charged for
  int64_t calls = 0;         // calls that were charged (including free ones)

  // True when the key is not revoked and `function` is allowed.
  bool Allows(std::string_view function) const;
};

struct NewKeyOptions {
  std::string id;  // empty: "k" + 10 random hex digits
  std::vector<std::string> functions = {"*"};
  int64_t credits = 0;
  int64_t price_per_100_rows = kDefaultPricePer100Rows;
};

// A key just created: the only time its secret is known.
struct IssuedKey {
  ApiKey key;
  std::string secret;
  // "<id>.<secret>": what clients send as `key`.
  std::string token() const { return key.id + "." + secret; }
};

// The credits a call of `rows` rows costs at `price_per_100_rows`
// (rounded up); INT64_MAX on overflow (never payable).
int64_t CostOfRows(int64_t rows, int64_t price_per_100_rows);

// Splits "<id>.<secret>" or "<id>:<secret>". Errors: kUnauthenticated.
absl::StatusOr<std::pair<std::string, std::string>> SplitKeyString(std::string_view key);

// The result of a successful Charge().
struct ChargeResult {
  int64_t charged = 0;
  int64_t balance = 0;  // after the charge
};

class KeyStore {
 public:
  // `db` must outlive the store. `clock` returns unix seconds (tests inject).
  explicit KeyStore(storage::Db& db, std::function<int64_t()> clock = nullptr);
  // Writes the balances charged since the last write (see Charge).
  ~KeyStore();
  KeyStore(const KeyStore&) = delete;
  KeyStore& operator=(const KeyStore&) = delete;

  // Creates a key. Errors: kInvalidArgument (bad id, a function not in
  // kFunctions, negative credits or price), kAlreadyExists (id taken),
  // storage errors.
  absl::StatusOr<IssuedKey> Add(const NewKeyOptions& options);
  // Every key, by id. Errors: storage errors.
  absl::StatusOr<std::vector<ApiKey>> List() const;
  // One key. Errors: kNotFound, storage errors.
  absl::StatusOr<ApiKey> Get(std::string_view id) const;
  // Marks the key revoked (it then authenticates as unknown). kNotFound.
  absl::Status Revoke(std::string_view id);
  // Adds `delta` credits (may be negative; the balance is clamped at 0).
  // Returns the new balance. Errors: kInvalidArgument when the balance would
  // pass INT64_MAX (nothing changes), kNotFound, storage errors.
  absl::StatusOr<int64_t> Credit(std::string_view id, int64_t delta);
  // Gives an existing key a new secret (the old one stops working); keeps
  // its balance and figures. Errors: kNotFound, storage errors.
  absl::StatusOr<IssuedKey> Rotate(std::string_view id);
  // Sets the price per 100 rows. Errors: kNotFound, kInvalidArgument.
  absl::Status SetPrice(std::string_view id, int64_t price_per_100_rows);

  // The key whose id and secret match and that is not revoked.
  // Errors: kUnauthenticated (unknown id, wrong secret, revoked), storage
  // errors (kDataLoss and others: report "internal error").
  absl::StatusOr<ApiKey> Authenticate(std::string_view id, std::string_view secret) const;
  // Same for the one-string form "<id>.<secret>".
  absl::StatusOr<ApiKey> AuthenticateKeyString(std::string_view key) const;

  // Atomically deducts CostOfRows(rows, price) from the key `id`.
  // Errors: kResourceExhausted when the balance does not cover it (nothing
  // charged), kUnauthenticated when the key vanished or was revoked,
  // storage errors.
  // The store keeps the key records it has read in memory (this process is
  // the database's only writer) and writes charged balances in batches, at
  // most kBalanceWriteInterval after a charge, on Flush() and when the store
  // is destroyed: a crash can forget the charges of that last interval
  // (never charge twice, never let a balance go negative).
  absl::StatusOr<ChargeResult> Charge(std::string_view id, int64_t rows);
  static constexpr std::chrono::milliseconds kBalanceWriteInterval{50};
  // Writes the balances charged since the last write. Errors: storage errors.
  absl::Status Flush();

  // ---- Bearer tokens (URL dialect), in memory only ----
  // A new random token bound to `id`, valid for `ttl`.
  std::string IssueToken(std::string_view id, std::chrono::seconds ttl);
  // The key a live token is bound to. Errors: kUnauthenticated (unknown or
  // expired token, revoked key), storage errors.
  absl::StatusOr<ApiKey> AuthenticateToken(std::string_view token) const;

 private:
  absl::StatusOr<ApiKey> Load(std::string_view id, std::string* salt,
                              std::string* hash) const;
  struct Record {
    ApiKey key;
    std::string salt;
    std::string hash;
  };
  // The cached record of `id`, read from the database on a miss.
  absl::StatusOr<Record*> LoadLocked(std::string_view id) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // Writes the dirty records and `also` (may be null) in one batch.
  absl::Status WriteLocked(const Record* also) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // Writes `key` (with the dirty records) and caches it.
  absl::Status Store(const ApiKey& key, std::string_view salt, std::string_view hash)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);

  storage::Db& db_;
  std::function<int64_t()> clock_;
  // Serializes every read-modify-write of a key record (Charge, Credit,
  // Revoke, Add): one writer process, so this makes them atomic.
  mutable std::mutex write_mu_;
  mutable std::map<std::string, Record, std::less<>> records_ ABSL_GUARDED_BY(write_mu_);
  std::set<std::string, std::less<>> dirty_ ABSL_GUARDED_BY(write_mu_);  // charged, not written
  std::chrono::steady_clock::time_point last_flush_ ABSL_GUARDED_BY(write_mu_);
  struct TokenEntry {
    std::string key_id;
    std::chrono::steady_clock::time_point expires;
  };
  mutable std::mutex token_mu_;
  std::map<std::string, TokenEntry, std::less<>> tokens_ ABSL_GUARDED_BY(token_mu_);
};

// The local default that needs no key management (demo, `inlinksd serve`):
// makes sure a key with id "default", all functions and `credits` credits
// exists, and returns its key string. The secret is kept (mode 0600) in
// `secret_file` (e.g. DATA_DIR/default-api-key) because the database only
// holds its hash; when the file is missing or no longer matches, the key is
// re-created with a new secret. Errors: storage and file errors.
absl::StatusOr<std::string> EnsureDefaultKey(KeyStore& store, const std::string& secret_file,
                                             int64_t credits = 1'000'000'000);

}  // namespace inlinks::query
