// File: inlinks/query/geo.h
//
// Owns: IP geolocation for backlink rows (docs/api.md `ccode`, `country`, `city`):
// reading a MaxMind-format database (MaxMind DB spec,
// https://maxmind.github.io/MaxMind-DB/) such as GeoLite2-City,
// GeoLite2-Country or DB-IP lite City/Country, and turning an IP address
// string into a country code, English country name and English city name.
// It does not download or update databases, and it is not used by the
// crawler: the query side looks up the IP stored with each source page.
//
// Example:
//   ASSIGN_OR_RETURN(std::unique_ptr<GeoDb> geo, GeoDb::Open("GeoLite2-City.mmdb"));
//   GeoInfo where = geo->Lookup("192.0.2.7");  // empty fields if unknown
//   QueryEngine engine(db, geo.get());         // rows carry ccode/country/city
//
// Thread safety: a GeoDb is immutable after Open; any number of threads may
// call Lookup concurrently.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace inlinks::query {

// Where an address is, as the API rows show it. Every field may be empty.
struct GeoInfo {
  std::string ccode;    // ISO 3166-1 alpha-2, upper case ("DE")
  std::string country;  // English country name ("Germany")
  std::string city;     // English city name ("Berlin"); empty for Country databases

  bool empty() const { return ccode.empty() && country.empty() && city.empty(); }
};

class GeoDb {
 public:
  // Opens (memory-maps) the database file at `path`. The file is read
  // lazily through the mapping and must not be rewritten in place while
  // open (replace it by rename, then reopen).
  // Errors: kNotFound when the file does not exist; kInvalidArgument when
  // it cannot be read or is not a valid MaxMind DB (corrupt, truncated, or
  // another format), with the path and the reason in the message.
  static absl::StatusOr<std::unique_ptr<GeoDb>> Open(const std::string& path);

  ~GeoDb();
  GeoDb(const GeoDb&) = delete;
  GeoDb& operator=(const GeoDb&) = delete;

  // The location of `ip`, an IPv4 ("192.0.2.7") or IPv6 ("2001:db8::1")
  // literal; surrounding brackets ("[::1]") and IPv4-mapped IPv6
  // ("::ffff:192.0.2.7") are accepted. The country is the record's
  // `country`, or its `registered_country` when it has none; names are the
  // English ones (`names.en`). Returns empty fields for an address the
  // database does not cover and for a string that is not an IP address
  // (never an error: a row without geo data is still a row).
  GeoInfo Lookup(std::string_view ip) const;

  // The database's metadata type, e.g. "GeoLite2-City" or
  // "DBIP-Country-Lite" (for logs).
  const std::string& database_type() const { return database_type_; }

 private:
  struct Mmdb;  // the libmaxminddb handle (geo.cc)
  GeoDb(std::unique_ptr<Mmdb> mmdb, std::string database_type);

  std::unique_ptr<Mmdb> mmdb_;
  std::string database_type_;
};

}  // namespace inlinks::query
