#include "inlinks/storage/records.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "inlinks/core/coding.h"

namespace inlinks::storage {
namespace {

using core::Decoder;

absl::Status Malformed(std::string_view what) {
  return absl::DataLossError(absl::StrCat("malformed ", std::string(what), " record"));
}

constexpr uint8_t kPageVersion = 1;
constexpr uint8_t kForwardVersion = 1;
constexpr uint8_t kLinkVersion = 1;

}  // namespace

std::string ReverseKey(std::string_view target_url_key, std::string_view source_href,
                       uint32_t occurrence) {
  std::string key;
  key.reserve(target_url_key.size() + source_href.size() + 5);
  key.append(target_url_key);
  key.append(source_href);
  key.push_back('\0');
  core::PutFixed32BE(key, occurrence);
  return key;
}

absl::StatusOr<ReverseKeyParts> DecodeReverseKey(std::string_view key) {
  // UrlKey = host key 0x00 port(2) path 0x00; then source 0x00 occurrence(4).
  size_t host_end = key.find('\0');
  if (host_end == std::string_view::npos || host_end + 3 > key.size()) {
    return Malformed("reverse key");
  }
  size_t path_end = key.find('\0', host_end + 3);
  if (path_end == std::string_view::npos) return Malformed("reverse key");
  if (key.size() < path_end + 1 + 1 + 4) return Malformed("reverse key");
  size_t source_end = key.size() - 5;
  if (key[source_end] != '\0') return Malformed("reverse key");
  ReverseKeyParts parts;
  parts.target_url_key = key.substr(0, path_end + 1);
  parts.source_href = key.substr(path_end + 1, source_end - path_end - 1);
  if (parts.source_href.find('\0') != std::string_view::npos) return Malformed("reverse key");
  parts.occurrence = core::DecodeFixed32BE(key.data() + source_end + 1);
  return parts;
}

std::string EncodeLinkValue(const LinkValue& v) {
  std::string out;
  out.reserve(v.target_href.size() + v.anchor.size() + 16);
  out.push_back(static_cast<char>(kLinkVersion));
  out.push_back(static_cast<char>(v.tag));
  out.push_back(static_cast<char>(v.rel));
  core::PutVarint64(out, v.position);
  core::PutVarsint64(out, v.first_seen);
  core::PutVarsint64(out, v.lost_time);
  core::PutLengthPrefixed(out, v.target_href);
  core::PutLengthPrefixed(out, v.anchor);
  return out;
}

absl::StatusOr<LinkValue> DecodeLinkValue(std::string_view bytes) {
  Decoder d(bytes);
  LinkValue v;
  uint8_t version, tag;
  std::string_view target, anchor;
  if (!d.GetByte(version) || version != kLinkVersion || !d.GetByte(tag) || tag > 6 ||
      !d.GetByte(v.rel) || !d.GetVarint32(v.position) || !d.GetVarsint64(v.first_seen) ||
      !d.GetVarsint64(v.lost_time) || !d.GetLengthPrefixed(target) ||
      !d.GetLengthPrefixed(anchor) || !d.done()) {
    return Malformed("link");
  }
  v.tag = static_cast<core::LinkTag>(tag);
  v.target_href = std::string(target);
  v.anchor = std::string(anchor);
  return v;
}

absl::Status DecodeLinkTimes(std::string_view bytes, int64_t& first_seen, int64_t& lost_time) {
  Decoder d(bytes);
  uint8_t version, tag, rel;
  uint32_t position;
  if (!d.GetByte(version) || version != kLinkVersion || !d.GetByte(tag) || tag > 6 ||
      !d.GetByte(rel) || !d.GetVarint32(position) || !d.GetVarsint64(first_seen) ||
      !d.GetVarsint64(lost_time)) {
    return Malformed("link");
  }
  return absl::OkStatus();
}

std::string EncodePageValue(const PageValue& v) {
  std::string out;
  out.push_back(static_cast<char>(kPageVersion));
  core::PutVarint64(out, static_cast<uint64_t>(v.http_status));
  core::PutVarsint64(out, v.first_fetch);
  core::PutVarsint64(out, v.last_fetch);
  core::PutLengthPrefixed(out, v.title);
  core::PutLengthPrefixed(out, v.ip);
  core::PutLengthPrefixed(out, v.canonical);
  core::PutVarint64(out, v.internal_links);
  core::PutVarint64(out, v.external_links);
  core::PutVarint64(out, v.total_links);
  core::PutVarint64(out, v.live_records);
  core::PutVarint64(out, v.forgotten_lost);
  core::PutLengthPrefixed(out, v.source_domain_key);
  out.push_back(static_cast<char>((v.noindex ? 1 : 0) | (v.nofollow ? 2 : 0)));
  uint64_t rank_bits;
  static_assert(sizeof(rank_bits) == sizeof(v.rank));
  std::memcpy(&rank_bits, &v.rank, sizeof(rank_bits));
  core::PutFixed64BE(out, rank_bits);
  return out;
}

absl::StatusOr<PageValue> DecodePageValue(std::string_view bytes) {
  Decoder d(bytes);
  PageValue v;
  uint8_t version, flags;
  uint64_t status, rank_bits;
  std::string_view title, ip, canonical, source_domain;
  if (!d.GetByte(version) || version != kPageVersion || !d.GetVarint64(status) ||
      status > 999 || !d.GetVarsint64(v.first_fetch) || !d.GetVarsint64(v.last_fetch) ||
      !d.GetLengthPrefixed(title) || !d.GetLengthPrefixed(ip) ||
      !d.GetLengthPrefixed(canonical) || !d.GetVarint32(v.internal_links) ||
      !d.GetVarint32(v.external_links) || !d.GetVarint32(v.total_links) ||
      !d.GetVarint32(v.live_records) || !d.GetVarint32(v.forgotten_lost) ||
      !d.GetLengthPrefixed(source_domain) || !d.GetByte(flags) || !d.GetFixed64BE(rank_bits) ||
      !d.done()) {
    return Malformed("page");
  }
  v.http_status = static_cast<int>(status);
  v.title = std::string(title);
  v.ip = std::string(ip);
  v.canonical = std::string(canonical);
  v.source_domain_key = std::string(source_domain);
  v.noindex = flags & 1;
  v.nofollow = flags & 2;
  std::memcpy(&v.rank, &rank_bits, sizeof(rank_bits));
  return v;
}

std::string EncodeForward(const std::vector<ForwardEntry>& entries) {
  std::string out;
  out.reserve(entries.size() * 64 + 8);
  out.push_back(static_cast<char>(kForwardVersion));
  core::PutVarint64(out, entries.size());
  for (const ForwardEntry& e : entries) {
    core::PutLengthPrefixed(out, e.target_url_key);
    core::PutVarint64(out, e.occurrence);
    core::PutVarint64(out, e.domain_key_len);
    core::PutFixed64BE(out, e.hash);
    core::PutVarint64(out, e.position);
    core::PutVarsint64(out, e.first_seen);
    out.push_back(static_cast<char>(e.lost ? 1 : 0));
    if (e.lost) core::PutVarsint64(out, e.lost_time);
  }
  return out;
}

absl::StatusOr<std::vector<ForwardEntry>> DecodeForward(std::string_view bytes) {
  Decoder d(bytes);
  uint8_t version;
  uint64_t n;
  if (!d.GetByte(version) || version != kForwardVersion || !d.GetVarint64(n) ||
      n > bytes.size()) {
    return Malformed("forward");
  }
  std::vector<ForwardEntry> entries(n);
  for (ForwardEntry& e : entries) {
    std::string_view key;
    uint8_t lost;
    if (!d.GetLengthPrefixed(key) || !d.GetVarint32(e.occurrence) ||
        !d.GetVarint32(e.domain_key_len) || e.domain_key_len > key.size() ||
        !d.GetFixed64BE(e.hash) || !d.GetVarint32(e.position) || !d.GetVarsint64(e.first_seen) || !d.GetByte(lost) ||
        lost > 1 || (lost && !d.GetVarsint64(e.lost_time))) {
      return Malformed("forward");
    }
    e.target_url_key = std::string(key);
    e.lost = lost;
  }
  if (!d.done()) return Malformed("forward");
  return entries;
}

std::string ScopeCounterKey(ScopeKind kind, std::string_view scope_key) {
  std::string k;
  k.reserve(scope_key.size() + 2);
  k.push_back('C');
  k.push_back(static_cast<char>(kind));
  k.append(scope_key);
  return k;
}

std::string PairCounterKey(ScopeKind kind, std::string_view scope_key,
                           std::string_view source_domain_key) {
  std::string k;
  k.reserve(scope_key.size() + source_domain_key.size() + 4);
  k.push_back('P');
  k.push_back(static_cast<char>(kind));
  core::PutVarint64(k, scope_key.size());
  k.append(scope_key);
  k.append(source_domain_key);
  return k;
}

bool ParsePairCounterKey(std::string_view key, ScopeKind& kind, std::string_view& scope_key,
                         std::string_view& source_domain_key) {
  if (key.size() < 3 || key[0] != 'P') return false;
  kind = static_cast<ScopeKind>(key[1]);
  Decoder d(key.substr(2));
  uint64_t len;
  if (!d.GetVarint64(len) || len > d.rest().size()) return false;
  scope_key = d.rest().substr(0, len);
  source_domain_key = d.rest().substr(len);
  return true;
}

std::string PagesCounterKey() { return "G"; }

uint32_t UnixDay(int64_t unix_seconds) {
  if (unix_seconds <= 0) return 0;
  int64_t day = unix_seconds / 86400;
  return day > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(day);
}

std::string DayCounterPrefix(char letter, ScopeKind kind, std::string_view scope_key) {
  std::string k;
  k.reserve(scope_key.size() + 8);
  k.push_back(letter);
  k.push_back(static_cast<char>(kind));
  core::PutVarint64(k, scope_key.size());
  k.append(scope_key);
  return k;
}

std::string DailyCounterKey(ScopeKind kind, std::string_view scope_key, uint32_t day) {
  std::string k = DayCounterPrefix('D', kind, scope_key);
  core::PutFixed32BE(k, day);
  return k;
}

std::string RevivedByLostDayKey(ScopeKind kind, std::string_view scope_key, uint32_t lost_day) {
  std::string k = DayCounterPrefix('V', kind, scope_key);
  core::PutFixed32BE(k, lost_day);
  return k;
}

bool ParseDayCounterKey(std::string_view key, char& letter, ScopeKind& kind,
                        std::string_view& scope_key, uint32_t& day) {
  if (key.size() < 3 + 4 || (key[0] != 'D' && key[0] != 'V')) return false;
  letter = key[0];
  kind = static_cast<ScopeKind>(key[1]);
  if (kind != ScopeKind::kDomain && kind != ScopeKind::kHost && kind != ScopeKind::kUrl) {
    return false;
  }
  Decoder d(key.substr(2));
  uint64_t len;
  if (!d.GetVarint64(len) || d.rest().size() != len + 4) return false;
  scope_key = d.rest().substr(0, len);
  day = core::DecodeFixed32BE(d.rest().data() + len);
  return true;
}

namespace {

// A meta value in ASCII decimal; nullopt when absent.
absl::StatusOr<std::optional<int64_t>> GetMetaNumber(const Db& db, const char* key,
                                                     const Snapshot* snapshot) {
  absl::StatusOr<std::optional<std::string>> v = db.Get(Family::kMeta, key, snapshot);
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<int64_t>();
  const std::string& text = **v;
  int64_t t = 0;
  if (text.empty() || text.size() > 18) return Malformed(key);
  for (char c : text) {
    if (c < '0' || c > '9') return Malformed(key);
    t = t * 10 + (c - '0');
  }
  return std::optional<int64_t>(t);
}

}  // namespace

absl::StatusOr<std::optional<int64_t>> GetHistorySince(const Db& db, const Snapshot* snapshot) {
  return GetMetaNumber(db, kHistorySinceMetaKey, snapshot);
}

absl::StatusOr<std::optional<uint64_t>> GetJournalFolded(const Db& db,
                                                         const Snapshot* snapshot) {
  absl::StatusOr<std::optional<int64_t>> seq = GetMetaNumber(db, kJournalFoldedMetaKey, snapshot);
  if (!seq.ok()) return seq.status();
  if (!seq->has_value()) return std::optional<uint64_t>();
  return std::optional<uint64_t>(static_cast<uint64_t>(**seq));
}

absl::StatusOr<uint32_t> GetHistoryLastDay(const Db& db, const Snapshot* snapshot) {
  absl::StatusOr<std::optional<int64_t>> day = GetMetaNumber(db, kHistoryLastDayMetaKey, snapshot);
  if (!day.ok()) return day.status();
  if (!day->has_value()) return 0u;
  if (**day > UINT32_MAX) return Malformed(kHistoryLastDayMetaKey);
  return static_cast<uint32_t>(**day);
}

absl::StatusOr<ScopeCounts> GetScopeCounts(const Db& db, ScopeKind kind,
                                           std::string_view scope_key,
                                           const Snapshot* snapshot) {
  absl::StatusOr<std::vector<int64_t>> f =
      db.GetCounters(ScopeCounterKey(kind, scope_key), snapshot);
  if (!f.ok()) return f.status();
  return ScopeCounts{(*f)[kLiveField], (*f)[kLostField], (*f)[kReferringDomainsField]};
}

uint8_t SrTenths(double rank) {
  if (!(rank > 0)) return 0;  // also NaN
  double v = std::round(10.0 * std::log10(1.0 + rank));
  if (!(v >= 0)) return 0;
  return v > 100 ? 100 : static_cast<uint8_t>(v);
}

std::string StrengthKey(ScopeKind kind, std::string_view scope_key, uint8_t sr_tenths,
                        std::string_view source_href, std::string_view target_url_key,
                        uint32_t occurrence) {
  std::string key;
  std::string_view rest = target_url_key.substr(std::min(scope_key.size(), target_url_key.size()));
  key.reserve(1 + scope_key.size() + 2 + source_href.size() + 1 + rest.size() + 4);
  key.push_back(static_cast<char>(kind));
  key.append(scope_key);
  key.push_back('\0');
  key.push_back(static_cast<char>(100 - std::min<uint8_t>(sr_tenths, 100)));
  key.append(source_href);
  key.push_back('\0');
  key.append(rest);
  core::PutFixed32BE(key, occurrence);
  return key;
}

core::KeyRange StrengthScopeRange(ScopeKind kind, std::string_view scope_key) {
  std::string begin;
  begin.reserve(scope_key.size() + 2);
  begin.push_back(static_cast<char>(kind));
  begin.append(scope_key);
  begin.push_back('\0');
  std::string end = begin;
  end.back() = '\1';
  return core::KeyRange{std::move(begin), std::move(end)};
}

absl::StatusOr<StrengthKeyParts> DecodeStrengthKey(std::string_view key) {
  StrengthKeyParts p;
  if (key.size() < 1 + 1 + 1 + 1 + 4) return Malformed("strength key");
  const char kind = key[0];
  if (kind != 'd' && kind != 'h' && kind != 'u') return Malformed("strength key");
  p.kind = static_cast<ScopeKind>(kind);
  // The scope key: a host key (no 0x00) or, for kUrl, a URL key
  // (host key 0x00 port:2 path 0x00); then the 0x00 that ends the scope.
  size_t scope_end = key.find('\0', 1);
  if (scope_end == std::string_view::npos) return Malformed("strength key");
  if (p.kind == ScopeKind::kUrl) {
    if (scope_end + 3 >= key.size()) return Malformed("strength key");
    scope_end = key.find('\0', scope_end + 3);  // the URL key's closing 0x00
    if (scope_end == std::string_view::npos) return Malformed("strength key");
    ++scope_end;
    if (scope_end >= key.size() || key[scope_end] != '\0') return Malformed("strength key");
  }
  p.scope_key = key.substr(1, scope_end - 1);
  size_t pos = scope_end + 1;
  if (pos >= key.size() || static_cast<uint8_t>(key[pos]) > 100) return Malformed("strength key");
  p.sr_tenths = static_cast<uint8_t>(100 - static_cast<uint8_t>(key[pos]));
  ++pos;
  size_t source_end = key.find('\0', pos);
  if (source_end == std::string_view::npos || key.size() - source_end - 1 < 4) {
    return Malformed("strength key");
  }
  p.source_href = key.substr(pos, source_end - pos);
  p.target_rest = key.substr(source_end + 1, key.size() - source_end - 1 - 4);
  p.occurrence = core::DecodeFixed32BE(key.data() + key.size() - 4);
  if (p.source_href.empty()) return Malformed("strength key");
  return p;
}

std::string ReverseKeyOf(const StrengthKeyParts& parts) {
  std::string key;
  key.reserve(parts.scope_key.size() + parts.target_rest.size() + parts.source_href.size() + 5);
  key.append(parts.scope_key);
  key.append(parts.target_rest);
  key.append(parts.source_href);
  key.push_back('\0');
  core::PutFixed32BE(key, parts.occurrence);
  return key;
}

std::string_view DomainScopeKey(std::string_view url_key, uint32_t domain_key_len) {
  return url_key.substr(0, domain_key_len);
}

std::string_view HostScopeKey(std::string_view url_key) {
  return url_key.substr(0, url_key.find('\0'));
}

}  // namespace inlinks::storage
