// File: query/src/server/params.h
//
// Owns: the pure text handling of incoming requests: splitting a request
// target into path segments and query parameters (percent-decoding, '+' as a
// space in queries, the domain dialect's "path segment holding '=' is a query"
// rule), overflow-checked integer parsing, HTTP Basic/Bearer credentials, and
// the redaction of secrets for the access log.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace inlinks::query::server {

// Decodes %XX escapes (a malformed escape is kept literally); with
// `plus_is_space`, '+' becomes ' ' (application/x-www-form-urlencoded).
std::string PercentDecode(std::string_view in, bool plus_is_space);

// Query parameters in order of appearance, names and values decoded.
// Lookups are by ASCII-case-insensitive name; the LAST non-empty value wins
// (PHP's $_GET semantics: the domain dialect's vendor runs PHP); empty values
// count as absent (docs/api.md: "Unknown and empty parameters are ignored").
class Params {
 public:
  void Add(std::string name, std::string value);
  // Parses "a=1&b=2" (no leading '?') and appends.
  void AddQueryString(std::string_view query);
  // The value, or nullopt when absent or empty.
  std::optional<std::string_view> Get(std::string_view name) const;
  bool Has(std::string_view name) const { return Get(name).has_value(); }
  const std::vector<std::pair<std::string, std::string>>& all() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

// A request target split for routing.
struct Target {
  std::string raw_path;                 // before '?', not decoded
  std::vector<std::string> segments;    // decoded, empty segments dropped
  bool trailing_slash = false;          // raw path ends with '/'
  Params params;                        // from the query
};

// Splits an origin-form target ("/a/b?x=1"). Never fails: odd input gives
// odd segments, which routing then rejects.
Target ParseTarget(std::string_view target);

// The domain dialect's PHP form: the first path segment (of the RAW path)
// holding '=' and everything after it is a query string; returns the raw
// path before it and appends its parameters to `params`. "/api/service=links&
// method=getBacklinks&key=K" -> "/api/" + {service, method, key}.
std::string SplitEmbeddedQuery(std::string_view raw_path, Params& params);

// Parses a non-negative decimal integer of at most 18 digits (no sign, no
// spaces, leading zeros allowed). nullopt otherwise.
std::optional<uint64_t> ParseUint(std::string_view s);

// Case-insensitive ASCII equality.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string AsciiLower(std::string_view s);

// Credentials from an Authorization header value.
// "Basic base64(id:secret)" -> {id, secret}; nullopt when not Basic or
// malformed.
std::optional<std::pair<std::string, std::string>> ParseBasicAuth(std::string_view header);
// "Bearer TOKEN" -> TOKEN; nullopt otherwise.
std::optional<std::string> ParseBearer(std::string_view header);

// The target with every secret replaced by "REDACTED": the values of key=,
// access_token=, client_secret= and token=; the key segment of
// the domain dialect's path style (/api/<service>/<method>/<key>/...); any
// path segment of the PHP form's key=. For the access log.
std::string RedactTarget(std::string_view target);

}  // namespace inlinks::query::server
