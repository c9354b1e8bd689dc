// Encoding determination and conversion to UTF-8 for HTML responses.
//
// Specs:
//   - WHATWG Encoding Standard, https://encoding.spec.whatwg.org/
//     (labels: #names-and-labels; UTF-8 decoder: #utf-8-decoder, which
//     replaces each "maximal subpart" of an ill-formed sequence with one
//     U+FFFD, as Unicode 15 §3.9 recommends; UTF-16 decoder:
//     #shared-utf-16-decoder).
//   - HTML Standard, "determining the character encoding",
//     https://html.spec.whatwg.org/#determining-the-character-encoding and
//     the prescan, #prescan-a-byte-stream-to-determine-its-encoding.
//
// Decisions and deviations, each with its reason:
//   - A Content-Type charset is used as is, UTF-16 included ("If the user
//     agent has information on the likely encoding from the transport layer,
//     return that encoding": the HTML Standard only maps UTF-16 to UTF-8 for
//     a <meta> found by the prescan, since a page whose prescan could read
//     ASCII bytes cannot be UTF-16). So "charset=utf-16" without a BOM
//     decodes as UTF-16LE, as browsers do.
//   - An unknown header label is ignored and the prescan runs, as in
//     browsers (the spec's "get an encoding" failure).
//   - CharsetParameter is a little more lenient than MIME Sniffing's "parse
//     a MIME type": it also trims whitespace around the parameter name.
//   - UTF-8, UTF-16, windows-1252 and x-user-defined are decoded here;
//     legacy encodings go through glibc iconv. glibc's windows-125x and
//     CP874 leave some bytes in 0x80-0x9F undefined where WHATWG's indexes
//     map them to the C1 control of the same value: those bytes become that
//     C1 control. Shift_JIS is windows-31j (iconv CP932), EUC-KR is
//     windows-949 (CP949), GBK decodes with the gb18030 decoder (WHATWG
//     says so), Big5 is BIG5-HKSCS, KOI8-U is KOI8-RU (WHATWG's koi8-u has
//     the Belarusian letters at 0xAE/0xBE). x-mac-cyrillic uses glibc's
//     MAC-CYRILLIC, which differs from WHATWG only at 0xFF (U+00A4, not €);
//     glibc's MACINTOSH has U+E01E, not U+F8FF, for the Apple logo (0xF0).
//     Shift_JIS 0x80 is U+0080 as in WHATWG (CP932 rejects it).
//   - Where iconv reports an invalid or (at the end) incomplete sequence,
//     one U+FFFD replaces one byte and decoding resumes at the next byte.
//     WHATWG's decoders sometimes emit one U+FFFD for several bytes; the
//     text around them is the same.
//   - Whatever iconv returns is validated once more as UTF-8, so the
//     output is valid UTF-8 whatever a converter does.
#include "inlinks/crawler/charset.h"

#include <iconv.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>
#include "text_util.h"

namespace inlinks::crawler {
namespace {


constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD
constexpr size_t kPrescanLimit = 1024;

// ---------------------------------------------------------------------------
// Labels (https://encoding.spec.whatwg.org/#names-and-labels).

struct Label {
  std::string_view label;  // lower case
  std::string_view name;   // WHATWG canonical name
};

// clang-format off
constexpr Label kLabels[] = {
  // The Encoding
  {"unicode-1-1-utf-8", "UTF-8"}, {"unicode11utf8", "UTF-8"},
  {"unicode20utf8", "UTF-8"}, {"utf-8", "UTF-8"}, {"utf8", "UTF-8"},
  {"x-unicode20utf8", "UTF-8"},
  // Legacy single-byte encodings
  {"866", "IBM866"}, {"cp866", "IBM866"}, {"csibm866", "IBM866"},
  {"ibm866", "IBM866"},
  {"csisolatin2", "ISO-8859-2"}, {"iso-8859-2", "ISO-8859-2"},
  {"iso-ir-101", "ISO-8859-2"}, {"iso8859-2", "ISO-8859-2"},
  {"iso88592", "ISO-8859-2"}, {"iso_8859-2", "ISO-8859-2"},
  {"iso_8859-2:1987", "ISO-8859-2"}, {"l2", "ISO-8859-2"},
  {"latin2", "ISO-8859-2"},
  {"csisolatin3", "ISO-8859-3"}, {"iso-8859-3", "ISO-8859-3"},
  {"iso-ir-109", "ISO-8859-3"}, {"iso8859-3", "ISO-8859-3"},
  {"iso88593", "ISO-8859-3"}, {"iso_8859-3", "ISO-8859-3"},
  {"iso_8859-3:1988", "ISO-8859-3"}, {"l3", "ISO-8859-3"},
  {"latin3", "ISO-8859-3"},
  {"csisolatin4", "ISO-8859-4"}, {"iso-8859-4", "ISO-8859-4"},
  {"iso-ir-110", "ISO-8859-4"}, {"iso8859-4", "ISO-8859-4"},
  {"iso88594", "ISO-8859-4"}, {"iso_8859-4", "ISO-8859-4"},
  {"iso_8859-4:1988", "ISO-8859-4"}, {"l4", "ISO-8859-4"},
  {"latin4", "ISO-8859-4"},
  {"csisolatincyrillic", "ISO-8859-5"}, {"cyrillic", "ISO-8859-5"},
  {"iso-8859-5", "ISO-8859-5"}, {"iso-ir-144", "ISO-8859-5"},
  {"iso8859-5", "ISO-8859-5"}, {"iso88595", "ISO-8859-5"},
  {"iso_8859-5", "ISO-8859-5"}, {"iso_8859-5:1988", "ISO-8859-5"},
  {"arabic", "ISO-8859-6"}, {"asmo-708", "ISO-8859-6"},
  {"csiso88596e", "ISO-8859-6"}, {"csiso88596i", "ISO-8859-6"},
  {"csisolatinarabic", "ISO-8859-6"}, {"ecma-114", "ISO-8859-6"},
  {"iso-8859-6", "ISO-8859-6"}, {"iso-8859-6-e", "ISO-8859-6"},
  {"iso-8859-6-i", "ISO-8859-6"}, {"iso-ir-127", "ISO-8859-6"},
  {"iso8859-6", "ISO-8859-6"}, {"iso88596", "ISO-8859-6"},
  {"iso_8859-6", "ISO-8859-6"}, {"iso_8859-6:1987", "ISO-8859-6"},
  {"csisolatingreek", "ISO-8859-7"}, {"ecma-118", "ISO-8859-7"},
  {"elot_928", "ISO-8859-7"}, {"greek", "ISO-8859-7"},
  {"greek8", "ISO-8859-7"}, {"iso-8859-7", "ISO-8859-7"},
  {"iso-ir-126", "ISO-8859-7"}, {"iso8859-7", "ISO-8859-7"},
  {"iso88597", "ISO-8859-7"}, {"iso_8859-7", "ISO-8859-7"},
  {"iso_8859-7:1987", "ISO-8859-7"}, {"sun_eu_greek", "ISO-8859-7"},
  {"csiso88598e", "ISO-8859-8"}, {"csisolatinhebrew", "ISO-8859-8"},
  {"hebrew", "ISO-8859-8"}, {"iso-8859-8", "ISO-8859-8"},
  {"iso-8859-8-e", "ISO-8859-8"}, {"iso-ir-138", "ISO-8859-8"},
  {"iso8859-8", "ISO-8859-8"}, {"iso88598", "ISO-8859-8"},
  {"iso_8859-8", "ISO-8859-8"}, {"iso_8859-8:1988", "ISO-8859-8"},
  {"visual", "ISO-8859-8"},
  {"csiso88598i", "ISO-8859-8-I"}, {"iso-8859-8-i", "ISO-8859-8-I"},
  {"logical", "ISO-8859-8-I"},
  {"csisolatin6", "ISO-8859-10"}, {"iso-8859-10", "ISO-8859-10"},
  {"iso-ir-157", "ISO-8859-10"}, {"iso8859-10", "ISO-8859-10"},
  {"iso885910", "ISO-8859-10"}, {"l6", "ISO-8859-10"},
  {"latin6", "ISO-8859-10"},
  {"iso-8859-13", "ISO-8859-13"}, {"iso8859-13", "ISO-8859-13"},
  {"iso885913", "ISO-8859-13"},
  {"iso-8859-14", "ISO-8859-14"}, {"iso8859-14", "ISO-8859-14"},
  {"iso885914", "ISO-8859-14"},
  {"csisolatin9", "ISO-8859-15"}, {"iso-8859-15", "ISO-8859-15"},
  {"iso8859-15", "ISO-8859-15"}, {"iso885915", "ISO-8859-15"},
  {"iso_8859-15", "ISO-8859-15"}, {"l9", "ISO-8859-15"},
  {"iso-8859-16", "ISO-8859-16"},
  {"cskoi8r", "KOI8-R"}, {"koi", "KOI8-R"}, {"koi8", "KOI8-R"},
  {"koi8-r", "KOI8-R"}, {"koi8_r", "KOI8-R"},
  {"koi8-ru", "KOI8-U"}, {"koi8-u", "KOI8-U"},
  {"csmacintosh", "macintosh"}, {"mac", "macintosh"},
  {"macintosh", "macintosh"}, {"x-mac-roman", "macintosh"},
  {"dos-874", "windows-874"}, {"iso-8859-11", "windows-874"},
  {"iso8859-11", "windows-874"}, {"iso885911", "windows-874"},
  {"tis-620", "windows-874"}, {"windows-874", "windows-874"},
  {"cp1250", "windows-1250"}, {"windows-1250", "windows-1250"},
  {"x-cp1250", "windows-1250"},
  {"cp1251", "windows-1251"}, {"windows-1251", "windows-1251"},
  {"x-cp1251", "windows-1251"},
  {"ansi_x3.4-1968", "windows-1252"}, {"ascii", "windows-1252"},
  {"cp1252", "windows-1252"}, {"cp819", "windows-1252"},
  {"csisolatin1", "windows-1252"}, {"ibm819", "windows-1252"},
  {"iso-8859-1", "windows-1252"}, {"iso-ir-100", "windows-1252"},
  {"iso8859-1", "windows-1252"}, {"iso88591", "windows-1252"},
  {"iso_8859-1", "windows-1252"}, {"iso_8859-1:1987", "windows-1252"},
  {"l1", "windows-1252"}, {"latin1", "windows-1252"},
  {"us-ascii", "windows-1252"}, {"windows-1252", "windows-1252"},
  {"x-cp1252", "windows-1252"},
  {"cp1253", "windows-1253"}, {"windows-1253", "windows-1253"},
  {"x-cp1253", "windows-1253"},
  {"cp1254", "windows-1254"}, {"csisolatin5", "windows-1254"},
  {"iso-8859-9", "windows-1254"}, {"iso-ir-148", "windows-1254"},
  {"iso8859-9", "windows-1254"}, {"iso88599", "windows-1254"},
  {"iso_8859-9", "windows-1254"}, {"iso_8859-9:1989", "windows-1254"},
  {"l5", "windows-1254"}, {"latin5", "windows-1254"},
  {"windows-1254", "windows-1254"}, {"x-cp1254", "windows-1254"},
  {"cp1255", "windows-1255"}, {"windows-1255", "windows-1255"},
  {"x-cp1255", "windows-1255"},
  {"cp1256", "windows-1256"}, {"windows-1256", "windows-1256"},
  {"x-cp1256", "windows-1256"},
  {"cp1257", "windows-1257"}, {"windows-1257", "windows-1257"},
  {"x-cp1257", "windows-1257"},
  {"cp1258", "windows-1258"}, {"windows-1258", "windows-1258"},
  {"x-cp1258", "windows-1258"},
  {"x-mac-cyrillic", "x-mac-cyrillic"}, {"x-mac-ukrainian", "x-mac-cyrillic"},
  // Legacy multi-byte Chinese (simplified) encodings
  {"chinese", "GBK"}, {"csgb2312", "GBK"}, {"csiso58gb231280", "GBK"},
  {"gb2312", "GBK"}, {"gb_2312", "GBK"}, {"gb_2312-80", "GBK"},
  {"gbk", "GBK"}, {"iso-ir-58", "GBK"}, {"x-gbk", "GBK"},
  {"gb18030", "gb18030"},
  // Legacy multi-byte Chinese (traditional) encodings
  {"big5", "Big5"}, {"big5-hkscs", "Big5"}, {"cn-big5", "Big5"},
  {"csbig5", "Big5"}, {"x-x-big5", "Big5"},
  // Legacy multi-byte Japanese encodings
  {"cseucpkdfmtjapanese", "EUC-JP"}, {"euc-jp", "EUC-JP"},
  {"x-euc-jp", "EUC-JP"},
  {"csiso2022jp", "ISO-2022-JP"}, {"iso-2022-jp", "ISO-2022-JP"},
  {"csshiftjis", "Shift_JIS"}, {"ms932", "Shift_JIS"},
  {"ms_kanji", "Shift_JIS"}, {"shift-jis", "Shift_JIS"},
  {"shift_jis", "Shift_JIS"}, {"sjis", "Shift_JIS"},
  {"windows-31j", "Shift_JIS"}, {"x-sjis", "Shift_JIS"},
  // Legacy multi-byte Korean encodings
  {"cseuckr", "EUC-KR"}, {"csksc56011987", "EUC-KR"}, {"euc-kr", "EUC-KR"},
  {"iso-ir-149", "EUC-KR"}, {"korean", "EUC-KR"},
  {"ks_c_5601-1987", "EUC-KR"}, {"ks_c_5601-1989", "EUC-KR"},
  {"ksc5601", "EUC-KR"}, {"ksc_5601", "EUC-KR"}, {"windows-949", "EUC-KR"},
  // Legacy miscellaneous encodings
  {"csiso2022kr", "replacement"}, {"hz-gb-2312", "replacement"},
  {"iso-2022-cn", "replacement"}, {"iso-2022-cn-ext", "replacement"},
  {"iso-2022-kr", "replacement"}, {"replacement", "replacement"},
  {"unicodefffe", "UTF-16BE"}, {"utf-16be", "UTF-16BE"},
  {"csunicode", "UTF-16LE"}, {"iso-10646-ucs-2", "UTF-16LE"},
  {"ucs-2", "UTF-16LE"}, {"unicode", "UTF-16LE"},
  {"unicodefeff", "UTF-16LE"}, {"utf-16", "UTF-16LE"},
  {"utf-16le", "UTF-16LE"},
  {"x-user-defined", "x-user-defined"},
};
// clang-format on

// iconv names for the encodings this file does not decode itself.
constexpr std::pair<std::string_view, const char*> kIconvNames[] = {
    {"IBM866", "IBM866"},
    {"ISO-8859-2", "ISO-8859-2"},
    {"ISO-8859-3", "ISO-8859-3"},
    {"ISO-8859-4", "ISO-8859-4"},
    {"ISO-8859-5", "ISO-8859-5"},
    {"ISO-8859-6", "ISO-8859-6"},
    {"ISO-8859-7", "ISO-8859-7"},
    {"ISO-8859-8", "ISO-8859-8"},
    {"ISO-8859-8-I", "ISO-8859-8"},  // same bytes, logical order
    {"ISO-8859-10", "ISO-8859-10"},
    {"ISO-8859-13", "ISO-8859-13"},
    {"ISO-8859-14", "ISO-8859-14"},
    {"ISO-8859-15", "ISO-8859-15"},
    {"ISO-8859-16", "ISO-8859-16"},
    {"KOI8-R", "KOI8-R"},
    {"KOI8-U", "KOI8-RU"},
    {"macintosh", "MACINTOSH"},
    {"windows-874", "CP874"},
    {"windows-1250", "CP1250"},
    {"windows-1251", "CP1251"},
    {"windows-1253", "CP1253"},
    {"windows-1254", "CP1254"},
    {"windows-1255", "CP1255"},
    {"windows-1256", "CP1256"},
    {"windows-1257", "CP1257"},
    {"windows-1258", "CP1258"},
    {"x-mac-cyrillic", "MAC-CYRILLIC"},
    {"GBK", "GB18030"},  // WHATWG: the gbk decoder is the gb18030 decoder
    {"gb18030", "GB18030"},
    {"Big5", "BIG5-HKSCS"},
    {"EUC-JP", "EUC-JP"},
    {"ISO-2022-JP", "ISO-2022-JP"},
    {"Shift_JIS", "CP932"},
    {"EUC-KR", "CP949"},
};

bool IsAsciiWhitespace(unsigned char c) {
  return internal::IsAsciiWhitespace(static_cast<char>(c));
}

unsigned char AsciiLower(unsigned char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c + 0x20) : c;
}

using internal::TrimAsciiWhitespace;

// The label table sorted by label, built once (thread-safe static init).
const std::vector<Label>& SortedLabels() {
  static const std::vector<Label>* const sorted = [] {
    auto* v = new std::vector<Label>(std::begin(kLabels), std::end(kLabels));
    std::sort(v->begin(), v->end(),
              [](const Label& a, const Label& b) { return a.label < b.label; });
    return v;
  }();
  return *sorted;
}

// "get an encoding": the canonical name, or an empty view for failure.
std::string_view LookupEncoding(std::string_view label) {
  label = TrimAsciiWhitespace(label);
  // The longest label is "iso-10646-ucs-2"/"cseucpkdfmtjapanese" (19 bytes).
  if (label.empty() || label.size() > 32) return {};
  char lower[32];
  for (size_t i = 0; i < label.size(); ++i) {
    lower[i] = static_cast<char>(AsciiLower(label[i]));
  }
  std::string_view key(lower, label.size());
  const std::vector<Label>& labels = SortedLabels();
  auto it = std::lower_bound(
      labels.begin(), labels.end(), key,
      [](const Label& l, std::string_view k) { return l.label < k; });
  if (it == labels.end() || it->label != key) return {};
  return it->name;
}

// ---------------------------------------------------------------------------
// Output helpers.

// Number of leading bytes of s[i..] that are ASCII, advancing 8 at a time.
size_t AsciiRunEnd(const unsigned char* s, size_t i, size_t n) {
  constexpr uint64_t kHighBits = 0x8080808080808080ULL;
  while (i + 8 <= n) {
    uint64_t word;
    std::memcpy(&word, s + i, sizeof(word));
    if (word & kHighBits) break;
    i += 8;
  }
  while (i < n && s[i] < 0x80) ++i;
  return i;
}

// ---------------------------------------------------------------------------
// UTF-8 (https://encoding.spec.whatwg.org/#utf-8-decoder).

// Appends `in` to `out` with each maximal subpart of an ill-formed sequence
// replaced by U+FFFD; returns the number of replacements.
size_t AppendValidUtf8(std::string_view in, std::string* out) {
  const auto* s = reinterpret_cast<const unsigned char*>(in.data());
  const size_t n = in.size();
  size_t replaced = 0;
  size_t run_start = 0;  // start of bytes already known valid, not yet copied
  size_t i = 0;
  while (i < n) {
    i = AsciiRunEnd(s, i, n);
    if (i >= n) break;
    const unsigned char b0 = s[i];
    // Bounds for the second byte (Unicode Table 3-7); later bytes are 80..BF.
    size_t need;  // continuation bytes needed
    unsigned char lo = 0x80, hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      need = 1;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      need = 2;
      if (b0 == 0xE0) lo = 0xA0;  // no overlongs
      if (b0 == 0xED) hi = 0x9F;  // no surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      need = 3;
      if (b0 == 0xF0) lo = 0x90;  // no overlongs
      if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
    } else {
      need = 0;  // 80..C1 or F5..FF: never valid
    }
    size_t len = 1;  // bytes of the sequence that are well-formed so far
    bool ok = need > 0;
    for (size_t k = 1; ok && k <= need; ++k) {
      if (i + k >= n) {
        ok = false;
        break;
      }
      const unsigned char c = s[i + k];
      const unsigned char klo = k == 1 ? lo : 0x80;
      const unsigned char khi = k == 1 ? hi : 0xBF;
      if (c < klo || c > khi) {
        ok = false;
        break;
      }
      ++len;
    }
    if (ok) {
      i += len;
      continue;
    }
    // [i, i+len) is the maximal subpart: one U+FFFD for it.
    out->append(in.data() + run_start, i - run_start);
    out->append(kReplacementChar);
    ++replaced;
    i += len;
    run_start = i;
  }
  out->append(in.data() + run_start, n - run_start);
  return replaced;
}

// ---------------------------------------------------------------------------
// windows-1252 (https://encoding.spec.whatwg.org/index-windows-1252.txt).

// Code points for bytes 0x80..0x9F; the five bytes the index leaves
// undefined in Windows (0x81, 0x8D, 0x8F, 0x90, 0x9D) are C1 controls.
constexpr uint16_t kWindows1252High[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

struct Utf8Bytes {
  std::array<char, 3> bytes;
  uint8_t len;
};

// UTF-8 of each byte >= 0x80 under windows-1252, computed once.
const std::array<Utf8Bytes, 128>& Windows1252Table() {
  static const std::array<Utf8Bytes, 128> table = [] {
    std::array<Utf8Bytes, 128> t{};
    for (int b = 0x80; b <= 0xFF; ++b) {
      const uint32_t cp = b < 0xA0 ? kWindows1252High[b - 0x80] : b;
      std::string utf8;
      internal::AppendUtf8(cp, &utf8);
      Utf8Bytes& e = t[b - 0x80];
      e.len = static_cast<uint8_t>(utf8.size());
      std::memcpy(e.bytes.data(), utf8.data(), utf8.size());
    }
    return t;
  }();
  return table;
}

void DecodeWindows1252(std::string_view in, std::string* out) {
  const auto* s = reinterpret_cast<const unsigned char*>(in.data());
  const size_t n = in.size();
  const auto& table = Windows1252Table();
  out->reserve(out->size() + n + n / 4);
  size_t i = 0;
  while (i < n) {
    const size_t end = AsciiRunEnd(s, i, n);
    out->append(in.data() + i, end - i);
    i = end;
    while (i < n && s[i] >= 0x80) {
      const Utf8Bytes& e = table[s[i] - 0x80];
      out->append(e.bytes.data(), e.len);
      ++i;
    }
  }
}

// ---------------------------------------------------------------------------
// x-user-defined (https://encoding.spec.whatwg.org/#x-user-defined-decoder).

void DecodeXUserDefined(std::string_view in, std::string* out) {
  out->reserve(out->size() + in.size());
  for (unsigned char b : in) {
    internal::AppendUtf8(b < 0x80 ? b : 0xF780 + b - 0x80, out);
  }
}

// ---------------------------------------------------------------------------
// UTF-16 (https://encoding.spec.whatwg.org/#shared-utf-16-decoder).

size_t DecodeUtf16(std::string_view in, bool big_endian, std::string* out) {
  const auto* s = reinterpret_cast<const unsigned char*>(in.data());
  const size_t n = in.size();
  out->reserve(out->size() + n);
  size_t replaced = 0;
  size_t i = 0;
  auto unit_at = [&](size_t pos) -> uint32_t {
    return big_endian ? (uint32_t{s[pos]} << 8) | s[pos + 1]
                      : (uint32_t{s[pos + 1]} << 8) | s[pos];
  };
  while (i + 2 <= n) {
    const uint32_t u = unit_at(i);
    i += 2;
    if (u < 0xD800 || u > 0xDFFF) {
      internal::AppendUtf8(u, out);
    } else if (u <= 0xDBFF && i + 2 <= n && unit_at(i) >= 0xDC00 &&
               unit_at(i) <= 0xDFFF) {
      internal::AppendUtf8(0x10000 + ((u - 0xD800) << 10) + (unit_at(i) - 0xDC00),
                      out);
      i += 2;
    } else {
      // A lone surrogate; a following non-trail unit is decoded on its own.
      out->append(kReplacementChar);
      ++replaced;
    }
  }
  if (i < n) {  // odd trailing byte
    out->append(kReplacementChar);
    ++replaced;
  }
  return replaced;
}

// ---------------------------------------------------------------------------
// Everything else: glibc iconv.

const char* IconvName(std::string_view encoding) {
  for (const auto& [name, iconv_name] : kIconvNames) {
    if (name == encoding) return iconv_name;
  }
  return nullptr;
}

struct IconvCloser {
  iconv_t cd;
  ~IconvCloser() { iconv_close(cd); }
};

// Converts with iconv; returns nullopt when iconv cannot open the encoding.
std::optional<size_t> DecodeWithIconv(std::string_view in,
                                      std::string_view encoding,
                                      std::string* out) {
  const char* iconv_name = IconvName(encoding);
  if (iconv_name == nullptr) return std::nullopt;
  iconv_t cd = iconv_open("UTF-8", iconv_name);
  if (cd == reinterpret_cast<iconv_t>(-1)) return std::nullopt;
  IconvCloser closer{cd};
  // glibc's windows-125x/CP874 leave some 0x80-0x9F bytes undefined where
  // WHATWG's indexes have the C1 control of the same value; WHATWG's
  // Shift_JIS decoder passes 0x80 through as U+0080 where CP932 fails.
  const bool c1_for_undefined = encoding.substr(0, 8) == "windows-";
  const bool x80_passes = encoding == "Shift_JIS";

  std::string raw;  // iconv output, validated below
  raw.reserve(in.size() + in.size() / 2);
  size_t replaced = 0;
  char buf[16384];
  char* in_ptr = const_cast<char*>(in.data());
  size_t in_left = in.size();
  while (true) {
    char* out_ptr = buf;
    size_t out_left = sizeof(buf);
    // Once the input is consumed, one call with null input flushes any
    // shift state or buffered character (BIG5-HKSCS composes pairs).
    const bool flushing = in_left == 0;
    const size_t rc = flushing
                          ? iconv(cd, nullptr, nullptr, &out_ptr, &out_left)
                          : iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left);
    const int err = errno;
    raw.append(buf, static_cast<size_t>(out_ptr - buf));
    if (rc != static_cast<size_t>(-1)) {
      if (flushing) break;
      continue;  // in_left is 0 now: flush next
    }
    if (err == E2BIG) continue;  // buffer full: drained above
    if (flushing) break;
    // EILSEQ, EINVAL (incomplete at the end) or anything unexpected: replace
    // one byte and go on, so every error consumes input.
    const unsigned char bad = static_cast<unsigned char>(*in_ptr);
    if ((c1_for_undefined && bad >= 0x80 && bad <= 0x9F) ||
        (x80_passes && bad == 0x80)) {
      internal::AppendUtf8(bad, &raw);
    } else {
      raw.append(kReplacementChar);
      ++replaced;
    }
    ++in_ptr;
    --in_left;
  }
  // Defence in depth: never pass on invalid UTF-8 whatever iconv produced.
  out->reserve(out->size() + raw.size());
  replaced += AppendValidUtf8(raw, out);
  return replaced;
}

// ---------------------------------------------------------------------------
// The prescan
// (https://html.spec.whatwg.org/#prescan-a-byte-stream-to-determine-its-encoding).

// A cursor over at most the first kPrescanLimit bytes. Running past the end
// anywhere aborts the prescan (the spec's "if at any point ... the end of the
// byte stream is reached").
class PrescanCursor {
 public:
  explicit PrescanCursor(std::string_view bytes)
      : s_(bytes.substr(0, kPrescanLimit)) {}

  bool AtEnd() const { return pos_ >= s_.size(); }
  unsigned char Byte() const { return static_cast<unsigned char>(s_[pos_]); }
  size_t pos() const { return pos_; }
  void set_pos(size_t pos) { pos_ = pos; }
  void Advance(size_t n = 1) { pos_ += n; }
  std::string_view rest() const {
    return pos_ < s_.size() ? s_.substr(pos_) : std::string_view();
  }
  std::string_view all() const { return s_; }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

bool IsPrescanSpace(unsigned char c) {
  return c == 0x09 || c == 0x0A || c == 0x0C || c == 0x0D || c == 0x20;
}

bool IsAsciiAlpha(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

struct Attribute {
  std::string name;
  std::string value;
};

enum class GetAttr { kFound, kNone, kEnd };

// Steps 9-13 of "get an attribute": the value after the '='.
GetAttr GetAttributeValue(PrescanCursor& c, Attribute* attr) {
  // 9. Skip whitespace.
  while (!c.AtEnd() && IsPrescanSpace(c.Byte())) c.Advance();
  if (c.AtEnd()) return GetAttr::kEnd;
  // 10.
  const unsigned char first = c.Byte();
  if (first == '"' || first == '\'') {
    c.Advance();
    while (true) {
      if (c.AtEnd()) return GetAttr::kEnd;
      const unsigned char b = c.Byte();
      c.Advance();
      if (b == first) return GetAttr::kFound;
      attr->value.push_back(static_cast<char>(AsciiLower(b)));
    }
  }
  if (first == '>') return GetAttr::kFound;
  attr->value.push_back(static_cast<char>(AsciiLower(first)));
  c.Advance();
  // 11-13. The rest of an unquoted value.
  while (true) {
    if (c.AtEnd()) return GetAttr::kEnd;
    const unsigned char b = c.Byte();
    if (IsPrescanSpace(b) || b == '>') return GetAttr::kFound;
    attr->value.push_back(static_cast<char>(AsciiLower(b)));
    c.Advance();
  }
}

// "Get an attribute"
// (https://html.spec.whatwg.org/#concept-get-attributes-when-sniffing). kEnd
// means the bytes ran out, which aborts the prescan.
GetAttr GetAnAttribute(PrescanCursor& c, Attribute* attr) {
  attr->name.clear();
  attr->value.clear();
  // 1. Skip whitespace and '/'.
  while (!c.AtEnd() && (IsPrescanSpace(c.Byte()) || c.Byte() == '/')) {
    c.Advance();
  }
  if (c.AtEnd()) return GetAttr::kEnd;
  // 2.
  if (c.Byte() == '>') return GetAttr::kNone;
  // 4-5. The name.
  while (true) {
    if (c.AtEnd()) return GetAttr::kEnd;
    const unsigned char b = c.Byte();
    if (b == '=' && !attr->name.empty()) {
      c.Advance();
      return GetAttributeValue(c, attr);
    }
    if (IsPrescanSpace(b)) break;  // to "spaces"
    if (b == '/' || b == '>') return GetAttr::kFound;
    attr->name.push_back(static_cast<char>(AsciiLower(b)));
    c.Advance();
  }
  // 6. Spaces.
  while (!c.AtEnd() && IsPrescanSpace(c.Byte())) c.Advance();
  if (c.AtEnd()) return GetAttr::kEnd;
  // 7. No '=': an attribute with an empty value.
  if (c.Byte() != '=') return GetAttr::kFound;
  // 8.
  c.Advance();
  return GetAttributeValue(c, attr);
}

// "Extracting a character encoding from a meta element"
// (https://html.spec.whatwg.org/#algorithm-for-extracting-a-character-encoding-from-a-meta-element).
// Returns the canonical name, or empty for "nothing" / failure.
std::string_view ExtractEncodingFromMetaContent(std::string_view s) {
  size_t pos = 0;
  while (true) {
    // Loop: find "charset", ASCII case-insensitively.
    size_t found = std::string_view::npos;
    for (size_t i = pos; i + 7 <= s.size(); ++i) {
      bool match = true;
      for (size_t k = 0; k < 7; ++k) {
        if (AsciiLower(s[i + k]) != "charset"[k]) {
          match = false;
          break;
        }
      }
      if (match) {
        found = i;
        break;
      }
    }
    if (found == std::string_view::npos) return {};
    pos = found + 7;
    while (pos < s.size() && IsAsciiWhitespace(s[pos])) ++pos;
    if (pos >= s.size() || s[pos] != '=') continue;  // back to Loop
    ++pos;
    while (pos < s.size() && IsAsciiWhitespace(s[pos])) ++pos;
    if (pos >= s.size()) return {};
    const char first = s[pos];
    if (first == '"' || first == '\'') {
      const size_t close = s.find(first, pos + 1);
      if (close == std::string_view::npos) return {};
      return LookupEncoding(s.substr(pos + 1, close - pos - 1));
    }
    size_t end = pos;
    while (end < s.size() && !IsAsciiWhitespace(s[end]) && s[end] != ';') {
      ++end;
    }
    return LookupEncoding(s.substr(pos, end - pos));
  }
}

// "Get an XML encoding"
// (https://html.spec.whatwg.org/#concept-get-xml-encoding-when-sniffing).
std::string_view GetXmlEncoding(std::string_view s) {
  if (s.substr(0, 5) != "<?xml") return {};
  const size_t decl_end = s.find('>');
  if (decl_end == std::string_view::npos) return {};
  size_t pos = s.find("encoding");
  if (pos == std::string_view::npos || pos >= decl_end) return {};
  pos += 8;
  while (pos < s.size() && static_cast<unsigned char>(s[pos]) <= 0x20) ++pos;
  if (pos >= s.size() || s[pos] != '=') return {};
  ++pos;
  while (pos < s.size() && static_cast<unsigned char>(s[pos]) <= 0x20) ++pos;
  if (pos >= s.size()) return {};
  const char quote = s[pos];
  if (quote != '"' && quote != '\'') return {};
  ++pos;
  const size_t end = s.find(quote, pos);
  if (end == std::string_view::npos) return {};
  return LookupEncoding(s.substr(pos, end - pos));
}

bool StartsWithCaseInsensitive(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (AsciiLower(s[i]) != prefix[i]) return false;
  }
  return true;
}

// A canonical name found by a prescan, as the HTML Standard adjusts it.
std::string_view AdjustPrescanResult(std::string_view name) {
  if (name == "UTF-16BE" || name == "UTF-16LE") return "UTF-8";
  if (name == "x-user-defined") return "windows-1252";
  return name;
}

enum class CharsetState { kNull, kFailure, kFound };

// Processes a <meta> whose "<meta" + space/slash starts at the cursor.
// Returns the adjusted canonical name, or empty for "next byte".
// Sets *ran_out when the bytes ran out (the prescan aborts).
std::string_view ProcessMeta(PrescanCursor& c, bool* ran_out) {
  c.Advance(5);  // to the space or slash after "<meta"
  std::vector<std::string> seen;
  bool got_pragma = false;
  enum { kNullPragma, kFalse, kTrue } need_pragma = kNullPragma;
  CharsetState charset_state = CharsetState::kNull;
  std::string_view charset;
  Attribute attr;
  while (true) {
    const GetAttr r = GetAnAttribute(c, &attr);
    if (r == GetAttr::kEnd) {
      *ran_out = true;
      return {};
    }
    if (r == GetAttr::kNone) break;
    if (std::find(seen.begin(), seen.end(), attr.name) != seen.end()) continue;
    seen.push_back(attr.name);
    if (attr.name == "http-equiv") {
      if (attr.value == "content-type") got_pragma = true;
    } else if (attr.name == "content") {
      const std::string_view enc = ExtractEncodingFromMetaContent(attr.value);
      if (!enc.empty() && charset_state == CharsetState::kNull) {
        charset = enc;
        charset_state = CharsetState::kFound;
        need_pragma = kTrue;
      }
    } else if (attr.name == "charset") {
      charset = LookupEncoding(attr.value);
      charset_state =
          charset.empty() ? CharsetState::kFailure : CharsetState::kFound;
      need_pragma = kFalse;
    }
  }
  // Processing.
  if (need_pragma == kNullPragma) return {};
  if (need_pragma == kTrue && !got_pragma) return {};
  if (charset_state != CharsetState::kFound) return {};
  return AdjustPrescanResult(charset);
}

// The prescan proper; empty when nothing was found.
std::string_view Prescan(std::string_view bytes) {
  PrescanCursor c(bytes);
  const std::string_view s = c.all();
  // Prescan for UTF-16 XML declarations: these bytes really are UTF-16.
  if (s.substr(0, 6) == std::string_view("<\0?\0x\0", 6)) return "UTF-16LE";
  if (s.substr(0, 6) == std::string_view("\0<\0?\0x", 6)) return "UTF-16BE";

  bool ran_out = false;
  while (!c.AtEnd() && !ran_out) {
    const std::string_view rest = c.rest();
    if (rest.substr(0, 4) == "<!--") {
      // To the '>' of the first "-->" whose dashes may overlap "<!--".
      const size_t close = rest.find("-->", 2);
      if (close == std::string_view::npos) break;
      c.Advance(close + 2);
    } else if (StartsWithCaseInsensitive(rest, "<meta") && rest.size() > 5 &&
               (IsPrescanSpace(rest[5]) || rest[5] == '/')) {
      const std::string_view found = ProcessMeta(c, &ran_out);
      if (!found.empty()) return found;
      if (ran_out) break;
    } else if (rest.size() >= 2 && rest[0] == '<' &&
               (IsAsciiAlpha(rest[1]) || (rest[1] == '/' && rest.size() >= 3 &&
                                          IsAsciiAlpha(rest[2])))) {
      // Skip the tag name, then its attributes.
      while (!c.AtEnd() && !IsPrescanSpace(c.Byte()) && c.Byte() != '>') {
        c.Advance();
      }
      if (c.AtEnd()) break;
      Attribute attr;
      GetAttr r;
      while ((r = GetAnAttribute(c, &attr)) == GetAttr::kFound) {
      }
      if (r == GetAttr::kEnd) break;
    } else if (rest.size() >= 2 && rest[0] == '<' &&
               (rest[1] == '!' || rest[1] == '/' || rest[1] == '?')) {
      const size_t close = rest.find('>', 1);
      if (close == std::string_view::npos) break;
      c.Advance(close);
    }
    c.Advance();  // Next byte.
  }
  // The bytes ran out without a <meta>: an XML declaration may still tell.
  const std::string_view xml = GetXmlEncoding(s);
  if (!xml.empty()) return AdjustPrescanResult(xml);
  return {};
}

// Converts `body` (BOM already removed) from `encoding` and fills `result`.
void Convert(std::string_view body, std::string_view encoding,
             DecodedHtml* result) {
  result->encoding = std::string(encoding);
  std::string& out = result->utf8;
  if (encoding == "UTF-8") {
    out.reserve(body.size());
    result->replaced = AppendValidUtf8(body, &out);
  } else if (encoding == "windows-1252") {
    DecodeWindows1252(body, &out);
  } else if (encoding == "UTF-16LE" || encoding == "UTF-16BE") {
    result->replaced = DecodeUtf16(body, encoding == "UTF-16BE", &out);
  } else if (encoding == "x-user-defined") {
    DecodeXUserDefined(body, &out);
  } else if (encoding == "replacement") {
    // https://encoding.spec.whatwg.org/#replacement-decoder: one error for
    // the whole non-empty stream.
    if (!body.empty()) {
      out.assign(kReplacementChar);
      result->replaced = 1;
    }
  } else {
    std::optional<size_t> replaced = DecodeWithIconv(body, encoding, &out);
    if (replaced.has_value()) {
      result->replaced = *replaced;
    } else {
      out.clear();
      result->encoding = "windows-1252";
      DecodeWindows1252(body, &out);
    }
  }
}

}  // namespace

std::optional<std::string> CanonicalEncoding(std::string_view label) {
  const std::string_view name = LookupEncoding(label);
  if (name.empty()) return std::nullopt;
  return std::string(name);
}

std::optional<std::string> CharsetParameter(std::string_view content_type) {
  // Parameters follow the first ';' (RFC 9110 §8.3.1; MIME Sniffing's
  // "parse a MIME type"). The first charset parameter wins.
  auto is_http_space = [](char ch) {
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
  };
  size_t pos = content_type.find(';');
  if (pos == std::string_view::npos) return std::nullopt;
  ++pos;
  const size_t n = content_type.size();
  while (pos < n) {
    while (pos < n && is_http_space(content_type[pos])) ++pos;
    size_t name_end = pos;
    while (name_end < n && content_type[name_end] != ';' &&
           content_type[name_end] != '=') {
      ++name_end;
    }
    std::string_view name = content_type.substr(pos, name_end - pos);
    while (!name.empty() && is_http_space(name.back())) name.remove_suffix(1);
    pos = name_end;
    if (pos >= n) break;
    if (content_type[pos] == ';') {
      ++pos;
      continue;
    }
    ++pos;  // '='
    while (pos < n && is_http_space(content_type[pos])) ++pos;
    std::string value;
    if (pos < n && content_type[pos] == '"') {
      // A quoted-string; '\' escapes the next character.
      ++pos;
      while (pos < n && content_type[pos] != '"') {
        if (content_type[pos] == '\\' && pos + 1 < n) ++pos;
        value.push_back(content_type[pos]);
        ++pos;
      }
      // Skip the closing quote and anything up to the next ';'.
      while (pos < n && content_type[pos] != ';') ++pos;
    } else {
      const size_t end = std::min(content_type.find(';', pos), n);
      std::string_view raw = content_type.substr(pos, end - pos);
      while (!raw.empty() && is_http_space(raw.back())) raw.remove_suffix(1);
      value = std::string(raw);
      pos = end;
    }
    if (pos < n) ++pos;  // ';'
    const bool is_charset =
        name.size() == 7 && StartsWithCaseInsensitive(name, "charset");
    if (is_charset && !value.empty()) return value;
  }
  return std::nullopt;
}

std::optional<std::string> PrescanMetaCharset(std::string_view bytes) {
  const std::string_view name = Prescan(bytes);
  if (name.empty()) return std::nullopt;
  return std::string(name);
}

DecodedHtml DecodeHtml(std::string_view body, std::string_view content_type) {
  DecodedHtml result;
  // 1. BOM sniffing (https://encoding.spec.whatwg.org/#bom-sniff).
  std::string_view encoding;
  if (body.substr(0, 3) == "\xEF\xBB\xBF") {
    encoding = "UTF-8";
    body.remove_prefix(3);
  } else if (body.substr(0, 2) == "\xFE\xFF") {
    encoding = "UTF-16BE";
    body.remove_prefix(2);
  } else if (body.substr(0, 2) == "\xFF\xFE") {
    encoding = "UTF-16LE";
    body.remove_prefix(2);
  }
  if (!encoding.empty()) {
    result.source = CharsetSource::kBom;
  }
  // 2. The transport layer, used as is (see the file comment).
  if (encoding.empty()) {
    if (std::optional<std::string> label = CharsetParameter(content_type)) {
      encoding = LookupEncoding(*label);
      if (!encoding.empty()) result.source = CharsetSource::kHttpHeader;
    }
  }
  // 3. The prescan.
  if (encoding.empty()) {
    encoding = Prescan(body);
    if (!encoding.empty()) result.source = CharsetSource::kMetaPrescan;
  }
  // 4. The default for an unknown locale.
  if (encoding.empty()) {
    encoding = "windows-1252";
    result.source = CharsetSource::kDefault;
  }
  Convert(body, encoding, &result);
  return result;
}

}  // namespace inlinks::crawler
