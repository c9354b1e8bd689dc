// File: inlinks/crawler/charset.h
//
// Owns: finding the character encoding of an HTML response and converting its
// bytes to valid UTF-8 before parsing. Spec: WHATWG Encoding Standard labels
// (https://encoding.spec.whatwg.org/#names-and-labels) and the HTML Standard's
// "determining the character encoding" steps, in this order of precedence:
//   1. a byte order mark (UTF-8, UTF-16LE, UTF-16BE);
//   2. the charset parameter of the Content-Type header;
//   3. the <meta charset> / <meta http-equiv=content-type> prescan of the
//      first 1024 bytes;
//   4. windows-1252.
// Conversion never passes invalid bytes through: each invalid sequence
// becomes U+FFFD. Conversion uses glibc iconv, with fast paths for UTF-8 and
// windows-1252.
//
// Thread safety: all functions are pure and thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace inlinks::crawler {

// Where the encoding decision came from.
enum class CharsetSource { kBom, kHttpHeader, kMetaPrescan, kDefault };

struct DecodedHtml {
  std::string utf8;            // the body as valid UTF-8, BOM removed
  std::string encoding;        // WHATWG canonical name, e.g. "windows-1252"
  CharsetSource source = CharsetSource::kDefault;
  size_t replaced = 0;         // invalid sequences replaced by U+FFFD
};

// Maps an encoding label ("latin1", " UTF8 ", "x-sjis") to its WHATWG
// canonical name ("windows-1252", "UTF-8", "Shift_JIS"), case-insensitively
// and ignoring surrounding ASCII whitespace. Returns nullopt for an unknown
// label. Note: per WHATWG, "iso-8859-1" and "us-ascii" are windows-1252.
std::optional<std::string> CanonicalEncoding(std::string_view label);

// Returns the raw value of the charset parameter of a Content-Type header
// value ("text/html; charset=\"utf-8\"" -> "utf-8"), or nullopt.
std::optional<std::string> CharsetParameter(std::string_view content_type);

// The HTML Standard's prescan of a byte stream for a meta charset
// declaration (https://html.spec.whatwg.org/#prescan-a-byte-stream-to-determine-its-encoding),
// over at most the first 1024 bytes. Returns the WHATWG canonical name
// (a UTF-16 declaration yields "UTF-8", "x-user-defined" yields
// "windows-1252"), or nullopt when none is found.
std::optional<std::string> PrescanMetaCharset(std::string_view bytes);

// Determines the encoding (steps 1-4 above) and converts `body` to UTF-8.
// An encoding that iconv cannot convert falls back to windows-1252.
DecodedHtml DecodeHtml(std::string_view body, std::string_view content_type);

}  // namespace inlinks::crawler
