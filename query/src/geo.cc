// GeoDb over libmaxminddb (query/geo.h): opening a MaxMind DB file with
// MMDB_MODE_MMAP and reading country/city names for one address.
//
// libmaxminddb lookups only read the mapping, so one MMDB_s serves every
// thread without a lock (libmaxminddb docs, "Thread Safety").
#include "inlinks/query/geo.h"

#include <arpa/inet.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace inlinks::query {

struct GeoDb::Mmdb {
  MMDB_s db{};
  bool open = false;
  ~Mmdb() {
    if (open) MMDB_close(&db);
  }
};

namespace {

// An address for MMDB_lookup_sockaddr. IPv4-mapped IPv6 becomes IPv4, so it
// is found in IPv4-only databases too.
struct Address {
  sockaddr_storage storage{};
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

bool ParseAddress(std::string_view text, Address& out) {
  while (!text.empty() && absl::ascii_isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && absl::ascii_isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  // A zone index ("fe80::1%eth0", RFC 4007 section 11) does not locate.
  if (size_t pct = text.find('%'); pct != std::string_view::npos) text = text.substr(0, pct);
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof(buf) || text.find('\0') != std::string_view::npos) {
    return false;
  }
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';

  in_addr v4{};
  if (::inet_pton(AF_INET, buf, &v4) == 1) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&out.storage);
    sin->sin_family = AF_INET;
    sin->sin_addr = v4;
    return true;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, buf, &v6) != 1) return false;
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&out.storage);
    sin->sin_family = AF_INET;
    std::memcpy(&sin->sin_addr, &v6.s6_addr[12], 4);
    return true;
  }
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_addr = v6;
  return true;
}

// The UTF-8 string at `path` (nullptr-terminated) under `entry`; empty when
// absent or of another type.
std::string Utf8At(MMDB_entry_s entry, const char* const* path) {
  MMDB_entry_data_s data{};
  if (MMDB_aget_value(&entry, &data, path) != MMDB_SUCCESS || !data.has_data ||
      data.type != MMDB_DATA_TYPE_UTF8_STRING) {
    return {};
  }
  return std::string(data.utf8_string, data.data_size);
}

// "de" -> "DE"; anything but two ASCII letters -> "".
std::string CountryCode(std::string code) {
  if (code.size() != 2 || !absl::ascii_isalpha(static_cast<unsigned char>(code[0])) ||
      !absl::ascii_isalpha(static_cast<unsigned char>(code[1]))) {
    return {};
  }
  absl::AsciiStrToUpper(&code);
  return code;
}

}  // namespace

GeoDb::GeoDb(std::unique_ptr<Mmdb> mmdb, std::string database_type)
    : mmdb_(std::move(mmdb)), database_type_(std::move(database_type)) {}

GeoDb::~GeoDb() = default;

absl::StatusOr<std::unique_ptr<GeoDb>> GeoDb::Open(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return absl::NotFoundError(absl::StrCat("geoip database ", path, ": no such file"));
    }
    return absl::InvalidArgumentError(
        absl::StrCat("geoip database ", path, ": ", std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat("geoip database ", path, ": not a file"));
  }
  auto mmdb = std::make_unique<Mmdb>();
  int rc = MMDB_open(path.c_str(), MMDB_MODE_MMAP, &mmdb->db);
  if (rc != MMDB_SUCCESS) {
    std::string why = rc == MMDB_FILE_OPEN_ERROR ? std::strerror(errno) : MMDB_strerror(rc);
    return absl::InvalidArgumentError(
        absl::StrCat("geoip database ", path, ": not a readable MaxMind DB file (", why, ")"));
  }
  mmdb->open = true;
  // MMDB_open checks the metadata only; a probe walks the search tree once
  // so a damaged tree fails here rather than silently on every row.
  for (const char* probe : {"1.1.1.1", "8.8.8.8", "2001:db8::1"}) {
    Address a;
    ParseAddress(probe, a);
    if (a.storage.ss_family == AF_INET6 && mmdb->db.metadata.ip_version == 4) continue;
    int err = MMDB_SUCCESS;
    MMDB_lookup_sockaddr(&mmdb->db, a.get(), &err);
    if (err != MMDB_SUCCESS) {
      return absl::InvalidArgumentError(
          absl::StrCat("geoip database ", path, ": corrupt (", MMDB_strerror(err), ")"));
    }
  }
  const char* type = mmdb->db.metadata.database_type;
  return std::unique_ptr<GeoDb>(new GeoDb(std::move(mmdb), type != nullptr ? type : ""));
}

GeoInfo GeoDb::Lookup(std::string_view ip) const {
  GeoInfo out;
  Address address;
  if (!ParseAddress(ip, address)) return out;
  int err = MMDB_SUCCESS;
  MMDB_lookup_result_s result = MMDB_lookup_sockaddr(&mmdb_->db, address.get(), &err);
  // err is also set for IPv6 in an IPv4-only database: no location.
  if (err != MMDB_SUCCESS || !result.found_entry) return out;

  static constexpr const char* kCountryIso[] = {"country", "iso_code", nullptr};
  static constexpr const char* kCountryName[] = {"country", "names", "en", nullptr};
  static constexpr const char* kRegisteredIso[] = {"registered_country", "iso_code", nullptr};
  static constexpr const char* kRegisteredName[] = {"registered_country", "names", "en", nullptr};
  static constexpr const char* kCityName[] = {"city", "names", "en", nullptr};
  out.ccode = CountryCode(Utf8At(result.entry, kCountryIso));
  out.country = Utf8At(result.entry, kCountryName);
  if (out.ccode.empty() && out.country.empty()) {
    out.ccode = CountryCode(Utf8At(result.entry, kRegisteredIso));
    out.country = Utf8At(result.entry, kRegisteredName);
  }
  out.city = Utf8At(result.entry, kCityName);
  return out;
}

}  // namespace inlinks::query
