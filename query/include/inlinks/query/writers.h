// File: inlinks/query/writers.h
//
// Owns: the text escapers every output of inlinks goes through (HTTP API and
// CLI), so that a response is well-formed whatever bytes a crawled page put
// into a title or an anchor:
//   - JSON strings (RFC 8259): '"', '\\' and every control character
//     escaped (\b \f \n \r \t, others \u00XX), DEL and U+2028/U+2029 as
//     \uXXXX too (safe for JavaScript); invalid UTF-8 (stray or truncated
//     sequences, overlongs, surrogates encoded in UTF-8, > U+10FFFF) replaced
//     by U+FFFD per maximal subpart (Unicode 15 section 3.9, "U+FFFD
//     substitution of maximal subparts"). Optionally everything non-ASCII as
//     \uXXXX (surrogate pairs above the BMP), as the domain dialect's vendor
//     does.
//   - XML 1.0 text and attribute values (https://www.w3.org/TR/xml/#charsets):
//     & < > " ' escaped as entities; characters XML 1.0 forbids DROPPED
//     (C0 controls other than tab, LF, CR; U+FFFE and U+FFFF; UTF-8-encoded
//     surrogates; invalid UTF-8 bytes).
//   - CSV fields (RFC 4180): quoted when needed, with the JSON writer's UTF-8
//     repair.
// And row writers for the native forms of a BacklinkRow (the CLI and the
// native dialect).
//
// Output is appended to a caller-owned std::string (streaming: no
// intermediate copies; callers may flush and clear it between rows).
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "inlinks/query/backlinks.h"

namespace inlinks::query {

// True when `text` is well-formed UTF-8 (no surrogates, no overlongs, at most
// U+10FFFF).
bool IsValidUtf8(std::string_view text);

// `text` with each maximal ill-formed subpart replaced by U+FFFD.
std::string ToValidUtf8(std::string_view text);

struct JsonEscapeOptions {
  // Write every non-ASCII character as \uXXXX (pairs above U+FFFF); the
  // output is then pure ASCII. Otherwise (valid) UTF-8 is written raw.
  bool ascii_only = false;
};

// Appends `text` escaped for the inside of a JSON string (no quotes).
void AppendJsonEscaped(std::string_view text, std::string& out,
                       const JsonEscapeOptions& options = {});
// Appends `"` + escaped text + `"`.
void AppendJsonString(std::string_view text, std::string& out,
                      const JsonEscapeOptions& options = {});

// Appends `text` escaped for XML 1.0 character data or an attribute value,
// dropping characters XML 1.0 forbids (see above).
void AppendXmlEscaped(std::string_view text, std::string& out);

// Appends `text` as one RFC 4180 field: quoted (with "" for ") when it holds
// a comma, quote, CR or LF or starts/ends with a space; UTF-8 repaired.
void AppendCsvField(std::string_view text, std::string& out);

// Formats `value` with at most one decimal, without a trailing ".0"
// ("3", "3.5", "0"), as the URL dialect prints `sr`.
std::string FormatOneDecimal(double value);

// ---- Native row forms (the CLI; the native dialect may use them) ----

// {"source_url":..,"source_title":..,"target_url":..,"anchor":..,
//  "links_internal":..,"links_external":..,"links_total":..,"position":..,
//  "tag":"a","nofollow":false,"ugc":false,"sponsored":false,"lost":false,
//  "first_seen":..,"last_seen":..,"lost_time":..,"ip":..,"http_status":..,
//  "rank":..,"sr":..,"ccode":..,"country":..,"city":..}
void AppendBacklinkJson(const BacklinkRow& row, std::string& out,
                        const JsonEscapeOptions& options = {});
// <backlink><source_url>..</source_url>...</backlink> with the same fields.
void AppendBacklinkXml(const BacklinkRow& row, std::string& out);
// The CSV header line (with "\r\n") and one row line (with "\r\n"), same
// fields and order as the JSON form.
void AppendBacklinkCsvHeader(std::string& out);
void AppendBacklinkCsv(const BacklinkRow& row, std::string& out);

}  // namespace inlinks::query
