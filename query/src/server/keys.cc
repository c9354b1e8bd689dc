// File: query/src/server/keys.cc
//
// Owns: the KeyStore of inlinks/query/keys.h: key records in Family::kMeta
// under "apikey/" + id, salted SHA-256 secrets (OpenSSL EVP), atomic credit
// charging against a cache of the records (balances written in batches),
// in-memory bearer tokens, and the default local key.
//
// Record (version 1), value of "apikey/<id>":
//   0x01 | salt:str | sha256:str | functions:str (comma-separated) |
//   credits:sv | price_per_100_rows:sv | revoked:u8 | created:sv |
//   credits_used:sv | rows_served:sv | calls:sv
//
// Thread safety: see keys.h.
#include "inlinks/query/keys.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <limits>
#include <sstream>

#include "inlinks/core/coding.h"
#include "inlinks/core/log.h"
#include "inlinks/core/status_macros.h"

namespace inlinks::query {
namespace {

constexpr std::string_view kKeyPrefix = "apikey/";
constexpr uint8_t kRecordVersion = 1;
constexpr size_t kSaltBytes = 16;
constexpr size_t kSecretBytes = 16;

std::string Hex(const unsigned char* p, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[p[i] >> 4]);
    out.push_back(kDigits[p[i] & 15]);
  }
  return out;
}

absl::StatusOr<std::string> RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    return absl::InternalError("RAND_bytes failed");
  }
  return out;
}

absl::StatusOr<std::string> RandomHex(size_t bytes) {
  ASSIGN_OR_RETURN(std::string raw, RandomBytes(bytes));
  return Hex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

// SHA-256(salt || secret), 32 raw bytes.
std::string HashSecret(std::string_view salt, std::string_view secret) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // Fetched once: OpenSSL 3 otherwise looks the algorithm up in its
  // provider tables on every init, which cost more than the hash itself.
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = sha256 != nullptr && ctx != nullptr &&
            EVP_DigestInit_ex(ctx, sha256, nullptr) == 1 &&
            EVP_DigestUpdate(ctx, salt.data(), salt.size()) == 1 &&
            EVP_DigestUpdate(ctx, secret.data(), secret.size()) == 1 &&
            EVP_DigestFinal_ex(ctx, digest, &len) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return std::string();
  return std::string(reinterpret_cast<const char*>(digest), len);
}

bool ValidId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string RecordKey(std::string_view id) {
  std::string k(kKeyPrefix);
  k.append(id);
  return k;
}

std::string JoinFunctions(const std::vector<std::string>& fns) {
  std::string out;
  for (size_t i = 0; i < fns.size(); ++i) {
    if (i) out.push_back(',');
    out += fns[i];
  }
  return out;
}

std::vector<std::string> SplitFunctions(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    size_t comma = s.find(',');
    std::string_view part = s.substr(0, comma);
    if (!part.empty()) out.emplace_back(part);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

std::string EncodeRecord(const ApiKey& k, std::string_view salt, std::string_view hash) {
  std::string v;
  v.push_back(static_cast<char>(kRecordVersion));
  core::PutLengthPrefixed(v, salt);
  core::PutLengthPrefixed(v, hash);
  core::PutLengthPrefixed(v, JoinFunctions(k.functions));
  core::PutVarsint64(v, k.credits);
  core::PutVarsint64(v, k.price_per_100_rows);
  v.push_back(k.revoked ? 1 : 0);
  core::PutVarsint64(v, k.created_unix);
  core::PutVarsint64(v, k.credits_used);
  core::PutVarsint64(v, k.rows_served);
  core::PutVarsint64(v, k.calls);
  return v;
}

absl::StatusOr<ApiKey> DecodeRecord(std::string_view id, std::string_view bytes,
                                    std::string* salt, std::string* hash) {
  core::Decoder d(bytes);
  uint8_t version = 0, revoked = 0;
  std::string_view s, h, fns;
  ApiKey k;
  k.id = std::string(id);
  if (!d.GetByte(version) || version != kRecordVersion || !d.GetLengthPrefixed(s) ||
      !d.GetLengthPrefixed(h) || !d.GetLengthPrefixed(fns) || !d.GetVarsint64(k.credits) ||
      !d.GetVarsint64(k.price_per_100_rows) || !d.GetByte(revoked) ||
      !d.GetVarsint64(k.created_unix) || !d.GetVarsint64(k.credits_used) ||
      !d.GetVarsint64(k.rows_served) || !d.GetVarsint64(k.calls) || !d.done()) {
    return absl::DataLossError("malformed API key record for " + std::string(id));
  }
  k.revoked = revoked != 0;
  k.functions = SplitFunctions(fns);
  if (salt) *salt = std::string(s);
  if (hash) *hash = std::string(h);
  return k;
}

int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) {
    return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
  }
  return r;
}

}  // namespace

bool ApiKey::Allows(std::string_view function) const {
  if (revoked) return false;
  for (const std::string& f : functions) {
    if (f == kFnAll || f == function) return true;
  }
  return false;
}

int64_t CostOfRows(int64_t rows, int64_t price_per_100_rows) {
  if (rows <= 0 || price_per_100_rows <= 0) return 0;
  int64_t product;
  if (__builtin_mul_overflow(rows, price_per_100_rows, &product)) {
    return std::numeric_limits<int64_t>::max();
  }
  return product / 100 + (product % 100 != 0 ? 1 : 0);
}

absl::StatusOr<std::pair<std::string, std::string>> SplitKeyString(std::string_view key) {
  size_t sep = key.find_first_of(".:");
  if (sep == std::string_view::npos || sep == 0 || sep + 1 >= key.size()) {
    return absl::UnauthenticatedError("malformed key");
  }
  return std::make_pair(std::string(key.substr(0, sep)), std::string(key.substr(sep + 1)));
}

KeyStore::KeyStore(storage::Db& db, std::function<int64_t()> clock)
    : db_(db), clock_(std::move(clock)), last_flush_(std::chrono::steady_clock::now()) {
  if (!clock_) clock_ = [] { return static_cast<int64_t>(std::time(nullptr)); };
}

KeyStore::~KeyStore() {
  absl::Status flushed = Flush();
  if (!flushed.ok()) {
    INLINKS_LOG(ERROR) << "API key balances not saved: " << flushed;
  }
}

absl::StatusOr<KeyStore::Record*> KeyStore::LoadLocked(std::string_view id) const {
  if (auto it = records_.find(id); it != records_.end()) return &it->second;
  ASSIGN_OR_RETURN(std::optional<std::string> value,
                   db_.Get(storage::Family::kMeta, RecordKey(id)));
  if (!value) return absl::NotFoundError("no API key " + std::string(id));
  Record r;
  ASSIGN_OR_RETURN(r.key, DecodeRecord(id, *value, &r.salt, &r.hash));
  return &records_.insert_or_assign(std::string(id), std::move(r)).first->second;
}

absl::StatusOr<ApiKey> KeyStore::Load(std::string_view id, std::string* salt,
                                      std::string* hash) const {
  std::lock_guard<std::mutex> lock(write_mu_);
  ASSIGN_OR_RETURN(const Record* r, LoadLocked(id));
  if (salt != nullptr) *salt = r->salt;
  if (hash != nullptr) *hash = r->hash;
  return r->key;
}

absl::Status KeyStore::WriteLocked(const Record* also) {
  storage::Batch batch(db_);
  for (const std::string& id : dirty_) {
    if (also != nullptr && id == also->key.id) continue;  // `also` is newer
    const Record& r = records_.at(id);
    batch.Put(storage::Family::kMeta, RecordKey(id), EncodeRecord(r.key, r.salt, r.hash));
  }
  if (also != nullptr) {
    batch.Put(storage::Family::kMeta, RecordKey(also->key.id),
              EncodeRecord(also->key, also->salt, also->hash));
  }
  RETURN_IF_ERROR(db_.Write(batch));
  dirty_.clear();
  last_flush_ = std::chrono::steady_clock::now();
  return absl::OkStatus();
}

absl::Status KeyStore::Store(const ApiKey& key, std::string_view salt, std::string_view hash) {
  Record r{key, std::string(salt), std::string(hash)};
  RETURN_IF_ERROR(WriteLocked(&r));
  records_.insert_or_assign(key.id, std::move(r));
  return absl::OkStatus();
}

absl::Status KeyStore::Flush() {
  std::lock_guard<std::mutex> lock(write_mu_);
  if (dirty_.empty()) return absl::OkStatus();
  return WriteLocked(nullptr);
}

absl::Status CheckFunctions(const std::vector<std::string>& functions) {
  for (const std::string& f : functions) {
    if (std::find(std::begin(kFunctions), std::end(kFunctions), f) == std::end(kFunctions)) {
      std::string known;
      for (std::string_view k : kFunctions) known += (known.empty() ? "" : ", ") + std::string(k);
      return absl::InvalidArgumentError("unknown function '" + f + "' (known: " + known + ")");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<IssuedKey> KeyStore::Add(const NewKeyOptions& options) {
  if (options.credits < 0) return absl::InvalidArgumentError("credits must be >= 0");
  if (options.price_per_100_rows < 0) return absl::InvalidArgumentError("price must be >= 0");
  RETURN_IF_ERROR(CheckFunctions(options.functions));
  IssuedKey out;
  out.key.id = options.id;
  if (out.key.id.empty()) {
    ASSIGN_OR_RETURN(std::string suffix, RandomHex(5));
    out.key.id = "k" + suffix;
  }
  if (!ValidId(out.key.id)) {
    return absl::InvalidArgumentError("key id must be 1-64 characters of [A-Za-z0-9_-]");
  }
  out.key.functions = options.functions;
  out.key.credits = options.credits;
  out.key.price_per_100_rows = options.price_per_100_rows;
  out.key.created_unix = clock_();
  ASSIGN_OR_RETURN(out.secret, RandomHex(kSecretBytes));
  ASSIGN_OR_RETURN(std::string salt, RandomBytes(kSaltBytes));
  std::string hash = HashSecret(salt, out.secret);
  if (hash.empty()) return absl::InternalError("SHA-256 failed");

  std::lock_guard<std::mutex> lock(write_mu_);
  auto existing = LoadLocked(out.key.id);
  if (existing.ok()) return absl::AlreadyExistsError("API key " + out.key.id + " exists");
  if (!absl::IsNotFound(existing.status())) return existing.status();
  RETURN_IF_ERROR(Store(out.key, salt, hash));
  return out;
}

absl::StatusOr<IssuedKey> KeyStore::Rotate(std::string_view id) {
  IssuedKey out;
  ASSIGN_OR_RETURN(out.secret, RandomHex(kSecretBytes));
  ASSIGN_OR_RETURN(std::string salt, RandomBytes(kSaltBytes));
  std::string hash = HashSecret(salt, out.secret);
  if (hash.empty()) return absl::InternalError("SHA-256 failed");
  std::lock_guard<std::mutex> lock(write_mu_);
  ASSIGN_OR_RETURN(const Record* r, LoadLocked(id));
  out.key = r->key;
  RETURN_IF_ERROR(Store(out.key, salt, hash));
  return out;
}

absl::StatusOr<std::vector<ApiKey>> KeyStore::List() const {
  core::KeyRange range{std::string(kKeyPrefix), core::PrefixSuccessor(kKeyPrefix)};
  auto it = db_.NewIterator(storage::Family::kMeta, range);
  std::vector<ApiKey> out;
  std::lock_guard<std::mutex> lock(write_mu_);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view key = it->key();
    key.remove_prefix(kKeyPrefix.size());
    // The cached record is newer (balances are written in batches).
    if (auto cached = records_.find(key); cached != records_.end()) {
      out.push_back(cached->second.key);
      continue;
    }
    ASSIGN_OR_RETURN(ApiKey k, DecodeRecord(key, it->value(), nullptr, nullptr));
    out.push_back(std::move(k));
  }
  RETURN_IF_ERROR(it->status());
  return out;
}

absl::StatusOr<ApiKey> KeyStore::Get(std::string_view id) const {
  if (!ValidId(id)) return absl::NotFoundError("no API key " + std::string(id));
  return Load(id, nullptr, nullptr);
}

absl::Status KeyStore::Revoke(std::string_view id) {
  if (!ValidId(id)) return absl::NotFoundError("no API key " + std::string(id));
  std::lock_guard<std::mutex> lock(write_mu_);
  ASSIGN_OR_RETURN(const Record* r, LoadLocked(id));
  ApiKey k = r->key;
  k.revoked = true;
  RETURN_IF_ERROR(Store(k, r->salt, r->hash));
  // Tokens of a revoked key die with it (AuthenticateToken reloads the key).
  return absl::OkStatus();
}

absl::StatusOr<int64_t> KeyStore::Credit(std::string_view id, int64_t delta) {
  if (!ValidId(id)) return absl::NotFoundError("no API key " + std::string(id));
  std::lock_guard<std::mutex> lock(write_mu_);
  ASSIGN_OR_RETURN(const Record* r, LoadLocked(id));
  ApiKey k = r->key;
  int64_t balance = 0;
  if (__builtin_add_overflow(k.credits, delta, &balance)) {
    if (delta > 0) {
      return absl::InvalidArgumentError("the balance " + std::to_string(k.credits) + " + " +
                                        std::to_string(delta) + " would exceed " +
                                        std::to_string(std::numeric_limits<int64_t>::max()));
    }
    balance = 0;
  }
  k.credits = std::max<int64_t>(0, balance);  // removing more than there is leaves 0
  RETURN_IF_ERROR(Store(k, r->salt, r->hash));
  return k.credits;
}

absl::Status KeyStore::SetPrice(std::string_view id, int64_t price_per_100_rows) {
  if (price_per_100_rows < 0) return absl::InvalidArgumentError("price must be >= 0");
  if (!ValidId(id)) return absl::NotFoundError("no API key " + std::string(id));
  std::lock_guard<std::mutex> lock(write_mu_);
  ASSIGN_OR_RETURN(const Record* r, LoadLocked(id));
  ApiKey k = r->key;
  k.price_per_100_rows = price_per_100_rows;
  return Store(k, r->salt, r->hash);
}

absl::StatusOr<ApiKey> KeyStore::Authenticate(std::string_view id,
                                              std::string_view secret) const {
  if (!ValidId(id)) return absl::UnauthenticatedError("unknown key");
  std::string salt, hash;
  auto k = Load(id, &salt, &hash);
  if (!k.ok()) {
    if (absl::IsNotFound(k.status())) return absl::UnauthenticatedError("unknown key");
    return k.status();
  }
  std::string presented = HashSecret(salt, secret);
  if (presented.size() != hash.size() || hash.empty() ||
      CRYPTO_memcmp(presented.data(), hash.data(), hash.size()) != 0) {
    return absl::UnauthenticatedError("unknown key");
  }
  if (k->revoked) return absl::UnauthenticatedError("unknown key");
  return k;
}

absl::StatusOr<ApiKey> KeyStore::AuthenticateKeyString(std::string_view key) const {
  ASSIGN_OR_RETURN(auto parts, SplitKeyString(key));
  return Authenticate(parts.first, parts.second);
}

absl::StatusOr<ChargeResult> KeyStore::Charge(std::string_view id, int64_t rows) {
  std::lock_guard<std::mutex> lock(write_mu_);
  auto r = LoadLocked(id);
  if (!r.ok()) {
    if (absl::IsNotFound(r.status())) return absl::UnauthenticatedError("unknown key");
    return r.status();
  }
  ApiKey& k = (*r)->key;
  if (k.revoked) return absl::UnauthenticatedError("unknown key");
  int64_t cost = CostOfRows(rows, k.price_per_100_rows);
  if (cost > k.credits) {
    return absl::ResourceExhaustedError("insufficient credits");
  }
  ChargeResult result;
  result.charged = cost;
  k.credits -= cost;
  k.credits_used = SaturatingAdd(k.credits_used, cost);
  k.rows_served = SaturatingAdd(k.rows_served, std::max<int64_t>(rows, 0));
  k.calls = SaturatingAdd(k.calls, 1);
  result.balance = k.credits;
  dirty_.insert(k.id);
  // A read-only database (inlinksd serve on a full disk) keeps the charges
  // in memory only; it said so when it opened.
  if (!db_.read_only() &&
      std::chrono::steady_clock::now() - last_flush_ >= kBalanceWriteInterval) {
    // The charge stands in memory either way; a failed write is retried
    // a minute later (one warning a minute, not one per request).
    absl::Status written = WriteLocked(nullptr);
    if (!written.ok()) {
      last_flush_ = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      INLINKS_LOG(WARNING) << "API key balances not saved yet: " << written;
    }
  }
  return result;
}

std::string KeyStore::IssueToken(std::string_view id, std::chrono::seconds ttl) {
  auto token = RandomHex(32);
  std::string t = token.ok() ? *token : std::string();
  if (t.empty()) return t;
  auto now = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(token_mu_);
  // Drop expired tokens so the map stays bounded by the live ones.
  for (auto it = tokens_.begin(); it != tokens_.end();) {
    if (it->second.expires <= now) {
      it = tokens_.erase(it);
    } else {
      ++it;
    }
  }
  tokens_[t] = TokenEntry{std::string(id), now + ttl};
  return t;
}

absl::StatusOr<ApiKey> KeyStore::AuthenticateToken(std::string_view token) const {
  std::string id;
  {
    std::lock_guard<std::mutex> lock(token_mu_);
    auto it = tokens_.find(token);
    if (it == tokens_.end() || it->second.expires <= std::chrono::steady_clock::now()) {
      return absl::UnauthenticatedError("invalid or expired token");
    }
    id = it->second.key_id;
  }
  auto k = Load(id, nullptr, nullptr);
  if (!k.ok()) {
    if (absl::IsNotFound(k.status())) return absl::UnauthenticatedError("unknown key");
    return k.status();
  }
  if (k->revoked) return absl::UnauthenticatedError("unknown key");
  return k;
}

absl::StatusOr<std::string> EnsureDefaultKey(KeyStore& store, const std::string& secret_file,
                                             int64_t credits) {
  constexpr std::string_view kId = "default";
  {
    std::ifstream in(secret_file);
    std::string line;
    if (in && std::getline(in, line)) {
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (store.AuthenticateKeyString(line).ok()) return line;
    }
  }
  std::string token;
  auto existing = store.Get(kId);
  if (existing.ok()) {
    ASSIGN_OR_RETURN(IssuedKey issued, store.Rotate(kId));
    token = issued.token();
  } else if (absl::IsNotFound(existing.status())) {
    NewKeyOptions options;
    options.id = std::string(kId);
    options.credits = credits;
    ASSIGN_OR_RETURN(IssuedKey issued, store.Add(options));
    token = issued.token();
  } else {
    return existing.status();
  }
  // Write the secret readable by the owner only.
  std::string tmp = secret_file + ".tmp";
  {
    mode_t old = ::umask(077);
    std::ofstream out(tmp, std::ios::trunc);
    ::umask(old);
    if (!out) return absl::PermissionDeniedError("cannot write " + tmp);
    out << token << "\n";
    if (!out.flush()) return absl::InternalError("cannot write " + tmp);
  }
  ::chmod(tmp.c_str(), 0600);
  if (std::rename(tmp.c_str(), secret_file.c_str()) != 0) {
    return absl::InternalError("cannot rename to " + secret_file + ": " + std::strerror(errno));
  }
  return token;
}

}  // namespace inlinks::query
