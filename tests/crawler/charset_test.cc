// Tests for inlinks/crawler/charset.h, named after the spec sections they
// check: the WHATWG Encoding Standard (https://encoding.spec.whatwg.org/) and
// the HTML Standard's encoding sniffing
// (https://html.spec.whatwg.org/#determining-the-character-encoding).
#include "inlinks/crawler/charset.h"

#include <cstdint>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/testdata.h"

namespace inlinks::crawler {
namespace {

using ::testing::Optional;

// An independent strict UTF-8 check (Unicode Table 3-7), so the tests do not
// trust the validator they test.
bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    uint32_t cp;
    size_t len;
    if (b < 0x80) {
      ++i;
      continue;
    } else if ((b & 0xE0) == 0xC0) {
      cp = b & 0x1F;
      len = 2;
    } else if ((b & 0xF0) == 0xE0) {
      cp = b & 0x0F;
      len = 3;
    } else if ((b & 0xF8) == 0xF0) {
      cp = b & 0x07;
      len = 4;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    const uint32_t min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

size_t CountReplacementChars(std::string_view s) {
  size_t n = 0;
  for (size_t pos = s.find("\xEF\xBF\xBD"); pos != std::string_view::npos;
       pos = s.find("\xEF\xBF\xBD", pos + 3)) {
    ++n;
  }
  return n;
}

std::string Bytes(std::initializer_list<unsigned char> bytes) {
  return std::string(bytes.begin(), bytes.end());
}

// ---------------------------------------------------------------------------
// https://encoding.spec.whatwg.org/#names-and-labels

TEST(Charset, Encoding_4_2_NamesAndLabels_CommonLabels) {
  EXPECT_THAT(CanonicalEncoding("utf-8"), Optional(std::string("UTF-8")));
  EXPECT_THAT(CanonicalEncoding(" UTF8 "), Optional(std::string("UTF-8")));
  EXPECT_THAT(CanonicalEncoding("unicode-1-1-utf-8"),
              Optional(std::string("UTF-8")));
  EXPECT_THAT(CanonicalEncoding("x-sjis"), Optional(std::string("Shift_JIS")));
  EXPECT_THAT(CanonicalEncoding("Windows-31J"),
              Optional(std::string("Shift_JIS")));
  EXPECT_THAT(CanonicalEncoding("gb2312"), Optional(std::string("GBK")));
  EXPECT_THAT(CanonicalEncoding("GB18030"), Optional(std::string("gb18030")));
  EXPECT_THAT(CanonicalEncoding("big5-hkscs"), Optional(std::string("Big5")));
  EXPECT_THAT(CanonicalEncoding("ks_c_5601-1987"),
              Optional(std::string("EUC-KR")));
  EXPECT_THAT(CanonicalEncoding("x-euc-jp"), Optional(std::string("EUC-JP")));
  EXPECT_THAT(CanonicalEncoding("csiso2022jp"),
              Optional(std::string("ISO-2022-JP")));
  EXPECT_THAT(CanonicalEncoding("koi8-ru"), Optional(std::string("KOI8-U")));
  EXPECT_THAT(CanonicalEncoding("koi"), Optional(std::string("KOI8-R")));
  EXPECT_THAT(CanonicalEncoding("x-mac-ukrainian"),
              Optional(std::string("x-mac-cyrillic")));
  EXPECT_THAT(CanonicalEncoding("x-mac-roman"),
              Optional(std::string("macintosh")));
  EXPECT_THAT(CanonicalEncoding("tis-620"),
              Optional(std::string("windows-874")));
  EXPECT_THAT(CanonicalEncoding("logical"),
              Optional(std::string("ISO-8859-8-I")));
  EXPECT_THAT(CanonicalEncoding("visual"), Optional(std::string("ISO-8859-8")));
  EXPECT_THAT(CanonicalEncoding("iso-8859-9"),
              Optional(std::string("windows-1254")));
  EXPECT_THAT(CanonicalEncoding("iso-8859-11"),
              Optional(std::string("windows-874")));
  EXPECT_THAT(CanonicalEncoding("utf-16"), Optional(std::string("UTF-16LE")));
  EXPECT_THAT(CanonicalEncoding("unicodefffe"),
              Optional(std::string("UTF-16BE")));
  EXPECT_THAT(CanonicalEncoding("hz-gb-2312"),
              Optional(std::string("replacement")));
  EXPECT_THAT(CanonicalEncoding("iso-2022-kr"),
              Optional(std::string("replacement")));
  EXPECT_THAT(CanonicalEncoding("x-user-defined"),
              Optional(std::string("x-user-defined")));
  EXPECT_THAT(CanonicalEncoding("866"), Optional(std::string("IBM866")));
}

// WHATWG maps the Latin-1 and ASCII labels to windows-1252.
TEST(Charset, Encoding_4_2_NamesAndLabels_Latin1IsWindows1252) {
  for (std::string_view label :
       {"iso-8859-1", "ISO-8859-1", "latin1", "l1", "us-ascii", "ascii",
        "ansi_x3.4-1968", "cp819", "iso_8859-1:1987", "x-cp1252"}) {
    EXPECT_THAT(CanonicalEncoding(label), Optional(std::string("windows-1252")))
        << label;
  }
}

// "get an encoding": strip leading and trailing ASCII whitespace, then match
// ASCII case-insensitively.
TEST(Charset, Encoding_4_2_GetAnEncoding_WhitespaceAndCase) {
  EXPECT_THAT(CanonicalEncoding("\t\n\f\r KoI8-R \r\n"),
              Optional(std::string("KOI8-R")));
  EXPECT_THAT(CanonicalEncoding("SHIFT_JIS"),
              Optional(std::string("Shift_JIS")));
  // U+000B is not ASCII whitespace; NBSP is not either.
  EXPECT_EQ(CanonicalEncoding("\vutf-8"), std::nullopt);
  EXPECT_EQ(CanonicalEncoding("\xA0utf-8"), std::nullopt);
  EXPECT_EQ(CanonicalEncoding("utf 8"), std::nullopt);
}

TEST(Charset, Encoding_4_2_GetAnEncoding_UnknownLabels) {
  for (std::string_view label : std::vector<std::string_view>{
           "", "   ", "utf-7", "utf-32", "utf-8x", "x-klingon", "latin-1",
           "iso-8859-12", std::string_view("utf-8\0", 6),
           "a-very-long-label-that-is-longer-than-any-known-label"}) {
    EXPECT_EQ(CanonicalEncoding(label), std::nullopt) << label;
  }
}

// Every canonical name is also one of its own labels.
TEST(Charset, Encoding_4_2_NamesAndLabels_NamesAreLabels) {
  for (std::string_view name :
       {"UTF-8",          "IBM866",       "ISO-8859-2",   "ISO-8859-3",
        "ISO-8859-4",     "ISO-8859-5",   "ISO-8859-6",   "ISO-8859-7",
        "ISO-8859-8",     "ISO-8859-8-I", "ISO-8859-10",  "ISO-8859-13",
        "ISO-8859-14",    "ISO-8859-15",  "ISO-8859-16",  "KOI8-R",
        "KOI8-U",         "macintosh",    "windows-874",  "windows-1250",
        "windows-1251",   "windows-1252", "windows-1253", "windows-1254",
        "windows-1255",   "windows-1256", "windows-1257", "windows-1258",
        "x-mac-cyrillic", "GBK",          "gb18030",      "Big5",
        "EUC-JP",         "ISO-2022-JP",  "Shift_JIS",    "EUC-KR",
        "replacement",    "UTF-16BE",     "UTF-16LE",     "x-user-defined"}) {
    EXPECT_THAT(CanonicalEncoding(name), Optional(std::string(name)));
  }
}

// ---------------------------------------------------------------------------
// The charset parameter of Content-Type (RFC 9110 §8.3; MIME Sniffing
// https://mimesniff.spec.whatwg.org/#parsing-a-mime-type).

TEST(Charset, Http_ContentType_CharsetParameter) {
  EXPECT_THAT(CharsetParameter("text/html; charset=utf-8"),
              Optional(std::string("utf-8")));
  EXPECT_THAT(CharsetParameter("text/html;charset=UTF-8"),
              Optional(std::string("UTF-8")));
  EXPECT_THAT(CharsetParameter("text/html; CharSet=ISO-8859-1"),
              Optional(std::string("ISO-8859-1")));
  EXPECT_THAT(CharsetParameter("text/html; charset=\"utf-8\""),
              Optional(std::string("utf-8")));
  EXPECT_THAT(CharsetParameter("text/html; charset='utf-8'"),
              Optional(std::string("'utf-8'")));  // single quotes are data
  EXPECT_THAT(CharsetParameter("text/html; charset=\"ut\\f-8\""),
              Optional(std::string("utf-8")));  // quoted-pair
  EXPECT_THAT(CharsetParameter("text/html; charset=koi8-r  "),
              Optional(std::string("koi8-r")));
  EXPECT_THAT(CharsetParameter("text/html ;\tcharset=koi8-r;"),
              Optional(std::string("koi8-r")));
  EXPECT_THAT(CharsetParameter("text/html; charset=\"utf-8"),
              Optional(std::string("utf-8")));  // unterminated quote
}

TEST(Charset, Http_ContentType_MultipleParameters) {
  EXPECT_THAT(CharsetParameter("text/html; q=1; charset=koi8-r; x=y"),
              Optional(std::string("koi8-r")));
  // A ';' inside a quoted value does not start a parameter.
  EXPECT_THAT(
      CharsetParameter("text/html; a=\"x;charset=big5\"; charset=utf-8"),
      Optional(std::string("utf-8")));
  // The first charset parameter wins.
  EXPECT_THAT(CharsetParameter("text/html; charset=utf-8; charset=big5"),
              Optional(std::string("utf-8")));
  // An empty value is no value; a later one is used.
  EXPECT_THAT(CharsetParameter("text/html; charset=; charset=big5"),
              Optional(std::string("big5")));
  EXPECT_THAT(CharsetParameter("text/html; flag; charset=big5"),
              Optional(std::string("big5")));
}

// Deviation: whitespace around the parameter name is tolerated.
TEST(Charset, Http_ContentType_LenientSpacesAroundName) {
  EXPECT_THAT(CharsetParameter("text/html; charset = utf-8"),
              Optional(std::string("utf-8")));
}

TEST(Charset, Http_ContentType_Missing) {
  EXPECT_EQ(CharsetParameter(""), std::nullopt);
  EXPECT_EQ(CharsetParameter("text/html"), std::nullopt);
  EXPECT_EQ(CharsetParameter("text/html;"), std::nullopt);
  EXPECT_EQ(CharsetParameter("text/html; charset="), std::nullopt);
  EXPECT_EQ(CharsetParameter("text/html; charset=\"\""), std::nullopt);
  EXPECT_EQ(CharsetParameter("text/html; xcharset=utf-8"), std::nullopt);
  EXPECT_EQ(CharsetParameter("text/html; charsets=utf-8"), std::nullopt);
  EXPECT_EQ(CharsetParameter("charset=utf-8"), std::nullopt);  // no ';'
  EXPECT_EQ(CharsetParameter("text/html; charset"), std::nullopt);
}

// ---------------------------------------------------------------------------
// https://html.spec.whatwg.org/#prescan-a-byte-stream-to-determine-its-encoding

TEST(Charset, Html_Prescan_MetaCharsetAttribute) {
  EXPECT_THAT(PrescanMetaCharset("<meta charset=koi8-r>"),
              Optional(std::string("KOI8-R")));
  EXPECT_THAT(PrescanMetaCharset("<!DOCTYPE html><html><head>"
                                 "<META CHARSET=\"Shift_JIS\">"),
              Optional(std::string("Shift_JIS")));
  EXPECT_THAT(PrescanMetaCharset("<meta/charset='euc-kr'>"),
              Optional(std::string("EUC-KR")));
  EXPECT_THAT(PrescanMetaCharset("<meta\ncharset = \" utf-8 \" >"),
              Optional(std::string("UTF-8")));
  // An unknown label is failure: the prescan goes on to the next <meta>.
  EXPECT_THAT(PrescanMetaCharset("<meta charset=bogus><meta charset=big5>"),
              Optional(std::string("Big5")));
  EXPECT_EQ(PrescanMetaCharset("<meta charset=bogus>"), std::nullopt);
  // "<metacharset" is not a meta tag.
  EXPECT_EQ(PrescanMetaCharset("<metacharset=koi8-r>"), std::nullopt);
}

TEST(Charset, Html_Prescan_HttpEquivContentType) {
  EXPECT_THAT(
      PrescanMetaCharset("<meta http-equiv=\"Content-Type\" "
                         "content=\"text/html; charset=windows-1251\">"),
      Optional(std::string("windows-1251")));
  EXPECT_THAT(PrescanMetaCharset("<meta content='text/html;charset=gbk' "
                                 "http-equiv=content-type>"),
              Optional(std::string("GBK")));
  // content= without the pragma does not count.
  EXPECT_EQ(PrescanMetaCharset("<meta content=\"text/html; charset=gbk\">"),
            std::nullopt);
  // The first of two same-named attributes wins.
  EXPECT_EQ(PrescanMetaCharset("<meta http-equiv=refresh "
                               "http-equiv=content-type "
                               "content=\"text/html; charset=gbk\">"),
            std::nullopt);
  // A charset attribute needs no pragma, and it replaces content's.
  EXPECT_THAT(PrescanMetaCharset("<meta content=\"charset=gbk\" "
                                 "charset=big5>"),
              Optional(std::string("Big5")));
}

// https://html.spec.whatwg.org/#algorithm-for-extracting-a-character-encoding-from-a-meta-element
TEST(Charset, Html_ExtractingEncodingFromMetaElement) {
  auto with_content = [](std::string_view content) {
    return PrescanMetaCharset("<meta http-equiv=content-type content=\"" +
                              std::string(content) + "\">");
  };
  EXPECT_THAT(with_content("text/html; charset=iso-8859-2"),
              Optional(std::string("ISO-8859-2")));
  EXPECT_THAT(with_content("text/html; CHARSET = 'iso-8859-5'"),
              Optional(std::string("ISO-8859-5")));
  EXPECT_THAT(with_content("charset;charset=koi8-u"),
              Optional(std::string("KOI8-U")));
  EXPECT_THAT(with_content("text/html; charset=euc-jp;foo"),
              Optional(std::string("EUC-JP")));
  EXPECT_EQ(with_content("text/html; charset='euc-jp"), std::nullopt);
  EXPECT_EQ(with_content("text/html; charset="), std::nullopt);
  EXPECT_EQ(with_content("text/html"), std::nullopt);
}

TEST(Charset, Html_Prescan_CommentsAndOtherTags) {
  EXPECT_EQ(PrescanMetaCharset("<!-- <meta charset=koi8-r> -->"), std::nullopt);
  // "<!-->" is a complete comment: the dashes may overlap.
  EXPECT_THAT(PrescanMetaCharset("<!--><meta charset=koi8-r>"),
              Optional(std::string("KOI8-R")));
  // A quoted attribute value of another tag hides its content.
  EXPECT_EQ(PrescanMetaCharset("<div title='<meta charset=koi8-r>'>"),
            std::nullopt);
  EXPECT_THAT(PrescanMetaCharset("<div title='x'><meta charset=koi8-r>"),
              Optional(std::string("KOI8-R")));
  EXPECT_EQ(PrescanMetaCharset("<!DOCTYPE <meta charset=koi8-r>"),
            std::nullopt);
  EXPECT_EQ(PrescanMetaCharset("<? <meta charset=koi8-r>"), std::nullopt);
  EXPECT_EQ(PrescanMetaCharset("</x <meta charset=koi8-r>"), std::nullopt);
  // "</" + non-letter is skipped to the next '>' like "<!".
  EXPECT_THAT(PrescanMetaCharset("</ x><meta charset=koi8-r>"),
              Optional(std::string("KOI8-R")));
  // A '<' not followed by a letter, '!', '/' or '?' is text.
  EXPECT_THAT(PrescanMetaCharset("a < b <<meta charset=koi8-r>"),
              Optional(std::string("KOI8-R")));
}

TEST(Charset, Html_Prescan_First1024BytesOnly) {
  const std::string meta = "<meta charset=koi8-r>";
  EXPECT_THAT(PrescanMetaCharset(std::string(1024 - meta.size(), ' ') + meta),
              Optional(std::string("KOI8-R")));
  EXPECT_EQ(PrescanMetaCharset(std::string(1025 - meta.size(), ' ') + meta),
            std::nullopt);
  // Running out of bytes inside a <meta> aborts the prescan.
  EXPECT_EQ(PrescanMetaCharset("<meta charset=koi8-r"), std::nullopt);
}

// "If charset is UTF-16BE/LE, then set charset to UTF-8. If charset is
// x-user-defined, then set charset to windows-1252."
TEST(Charset, Html_Prescan_Utf16AndUserDefinedAdjusted) {
  EXPECT_THAT(PrescanMetaCharset("<meta charset=utf-16>"),
              Optional(std::string("UTF-8")));
  EXPECT_THAT(PrescanMetaCharset("<meta charset=utf-16be>"),
              Optional(std::string("UTF-8")));
  EXPECT_THAT(PrescanMetaCharset("<meta charset=x-user-defined>"),
              Optional(std::string("windows-1252")));
  EXPECT_THAT(PrescanMetaCharset("<meta charset=iso-2022-kr>"),
              Optional(std::string("replacement")));
}

// https://html.spec.whatwg.org/#concept-get-xml-encoding-when-sniffing
TEST(Charset, Html_Prescan_XmlDeclaration) {
  EXPECT_THAT(PrescanMetaCharset("<?xml version=\"1.0\" "
                                 "encoding=\"iso-8859-2\"?><html>"),
              Optional(std::string("ISO-8859-2")));
  // A <meta> wins over the declaration.
  EXPECT_THAT(PrescanMetaCharset("<?xml version=\"1.0\" encoding='koi8-r'?>"
                                 "<meta charset=big5>"),
              Optional(std::string("Big5")));
  EXPECT_EQ(PrescanMetaCharset(" <?xml version=\"1.0\" encoding=\"koi8-r\"?>"),
            std::nullopt);
  // A UTF-16 XML declaration without a BOM.
  EXPECT_THAT(PrescanMetaCharset(std::string("<\0?\0x\0m\0l\0", 10)),
              Optional(std::string("UTF-16LE")));
  EXPECT_THAT(PrescanMetaCharset(std::string("\0<\0?\0x\0m\0l", 10)),
              Optional(std::string("UTF-16BE")));
}

// ---------------------------------------------------------------------------
// html5lib-tests encoding/*.dat through the prescan.

struct EncodingCase {
  std::string data;
  std::string encoding;
};

std::vector<EncodingCase> ParseEncodingDat(std::string_view text) {
  std::vector<EncodingCase> cases;
  constexpr std::string_view kData = "#data\n";
  constexpr std::string_view kEncoding = "\n#encoding\n";
  size_t pos = 0;
  while ((pos = text.find(kData, pos)) != std::string_view::npos) {
    const size_t data_start = pos + kData.size();
    const size_t enc = text.find(kEncoding, data_start);
    if (enc == std::string_view::npos) break;
    const size_t name_start = enc + kEncoding.size();
    size_t name_end = text.find('\n', name_start);
    if (name_end == std::string_view::npos) name_end = text.size();
    cases.push_back(
        {std::string(text.substr(data_start, enc - data_start)),
         std::string(text.substr(name_start, name_end - name_start))});
    pos = name_end;
  }
  return cases;
}

// Cases whose expectation the prescan alone cannot meet: a browser's parser
// finds the <meta> later (after the prescan's 1024 bytes or after a
// construct the prescan treats differently) and changes the encoding.
// Each key is a distinctive substring of the case's #data.
const std::map<std::string, std::string>& Html5libExclusions() {
  static const auto* const exclusions = new std::map<std::string, std::string>{
      // The <meta> starts after a comment longer than the prescan's 1024
      // bytes. Browsers find it while tokenizing and reload with it (the
      // spec's "change the encoding"); a crawler that decodes once cannot.
      {"<!-- 2048 characters",
       "meta after 1024 bytes: needs change-the-encoding"},
      {"<!-- 2049 characters",
       "meta after 1024 bytes: needs change-the-encoding"},
      {"<!-- 4096 characters",
       "meta after 1024 bytes: needs change-the-encoding"},
      {"<!-- 4097 characters",
       "meta after 1024 bytes: needs change-the-encoding"},
      {"<!-- 8192 characters",
       "meta after 1024 bytes: needs change-the-encoding"},
      {"<!-- 8193 characters",
       "meta after 1024 bytes: needs change-the-encoding"},
      {"<!-- multi-script test -->",
       "meta after 1024 bytes of comments: needs change-the-encoding"},
  };
  return *exclusions;
}

TEST(Charset, Html_Prescan_Html5libEncodingTests) {
  INLINKS_REQUIRE_TESTDATA("html/html5lib-tests/encoding/tests1.dat");
  size_t total = 0;
  size_t passed = 0;
  size_t excluded = 0;
  std::set<std::string> used_exclusions;
  for (const char* file : {"tests1.dat", "tests2.dat", "test-yahoo-jp.dat"}) {
    const std::string path =
        std::string("html/html5lib-tests/encoding/") + file;
    std::optional<std::string> text =
        testing::ReadFileBytes(testing::TestdataPath(path));
    ASSERT_TRUE(text.has_value()) << path;
    const std::vector<EncodingCase> cases = ParseEncodingDat(*text);
    ASSERT_FALSE(cases.empty()) << path;
    for (const EncodingCase& c : cases) {
      ++total;
      std::optional<std::string> expected = CanonicalEncoding(c.encoding);
      ASSERT_TRUE(expected.has_value()) << c.encoding;
      // The full determination without a header: a BOM, then the prescan,
      // then the windows-1252 default.
      const std::string got = DecodeHtml(c.data, "").encoding;
      if (got == *expected) {
        ++passed;
        continue;
      }
      bool is_excluded = false;
      for (const auto& [key, reason] : Html5libExclusions()) {
        if (c.data.find(key) != std::string::npos) {
          is_excluded = true;
          used_exclusions.insert(key);
        }
      }
      if (is_excluded) {
        ++excluded;
        // Keep the reason honest: the declaration is out of the prescan's
        // reach.
        EXPECT_GT(c.data.find("<meta"), 1000u) << c.data.substr(0, 200);
        continue;
      }
      ADD_FAILURE() << file << ": expected " << *expected << ", got " << got
                    << " for (first 200 bytes):\n"
                    << c.data.substr(0, 200);
    }
  }
  std::cout << "html5lib encoding: " << passed << "/" << total << " ("
            << excluded << " excluded)\n";
  EXPECT_EQ(total, 82u);
  // A stale exclusion (the case now passes or is gone) must be removed.
  EXPECT_EQ(used_exclusions.size(), Html5libExclusions().size());
}

// ---------------------------------------------------------------------------
// DecodeHtml: https://html.spec.whatwg.org/#determining-the-character-encoding

TEST(Charset, Html_Decode_Iso88591PageFromHeader) {
  const DecodedHtml d = DecodeHtml(
      "<p>Gr\xFC\xDF"
      "e: \xE4\xF6\xFC\xDF</p>",
      "text/html; charset=ISO-8859-1");
  EXPECT_EQ(d.utf8, "<p>Grüße: äöüß</p>");
  EXPECT_EQ(d.encoding, "windows-1252");
  EXPECT_EQ(d.source, CharsetSource::kHttpHeader);
  EXPECT_EQ(d.replaced, 0u);
}

// https://encoding.spec.whatwg.org/index-windows-1252.txt
TEST(Charset, Encoding_Windows1252_Index) {
  const DecodedHtml d =
      DecodeHtml("\x80 \x93q\x94 \x81\x8D\x8F\x90\x9D \x9F\xA0\xFF", "");
  EXPECT_EQ(d.utf8,
            "€ “q” \xC2\x81\xC2\x8D\xC2\x8F\xC2\x90\xC2\x9D Ÿ\xC2\xA0ÿ");
  EXPECT_EQ(d.encoding, "windows-1252");
  EXPECT_EQ(d.source, CharsetSource::kDefault);
  EXPECT_EQ(d.replaced, 0u);
  // Every byte decodes to something valid and nothing is replaced.
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  const DecodedHtml full = DecodeHtml(all, "text/html; charset=cp1252");
  EXPECT_TRUE(IsValidUtf8(full.utf8));
  EXPECT_EQ(full.replaced, 0u);
  EXPECT_EQ(CountReplacementChars(full.utf8), 0u);
}

// https://encoding.spec.whatwg.org/#utf-8-decoder: one U+FFFD per maximal
// subpart of an ill-formed sequence.
TEST(Charset, Encoding_Utf8Decoder_MaximalSubparts) {
  struct Case {
    std::string in;
    std::string want;
    size_t replaced;
  };
  const std::string r = "\xEF\xBF\xBD";
  const std::vector<Case> cases = {
      {"plain ascii", "plain ascii", 0},
      {"h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80", "héllo € 😀", 0},
      {"a\x80"
       "b",
       "a" + r + "b", 1},         // lone continuation
      {"a\xE2\x82", "a" + r, 1},  // truncated at end
      {"\xE2\x82"
       "a",
       r + "a", 1},                    // truncated inside
      {"\xC0\x80", r + r, 2},          // overlong NUL
      {"\xE0\x80\x80", r + r + r, 3},  // overlong 3-byte
      {"\xED\xA0\x80", r + r + r, 3},  // surrogate
      {"\xF0\x90\x80"
       "x",
       r + "x", 1},                            // truncated 4-byte
      {"\xF4\x90\x80\x80", r + r + r + r, 4},  // > U+10FFFF
      {"\xF5\xFF\xFE", r + r + r, 3},          // never valid
      {"\xC2", r, 1},
      {std::string("\0\0", 2), std::string("\0\0", 2), 0},  // NUL is kept
      // Unicode 15 §3.9, Table 3-8's example.
      {"\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64",
       "a" + r + r + r + "b" + r + "c" + r + r + "d", 6},
  };
  for (const Case& c : cases) {
    const DecodedHtml d = DecodeHtml(c.in, "text/html; charset=utf-8");
    EXPECT_EQ(d.utf8, c.want);
    EXPECT_EQ(d.replaced, c.replaced);
    EXPECT_EQ(d.encoding, "UTF-8");
  }
}

TEST(Charset, Encoding_Utf8Decoder_LongAsciiRunsWithErrors) {
  // Exercises the 8-bytes-at-a-time path at every alignment.
  for (size_t prefix = 0; prefix < 17; ++prefix) {
    std::string in = std::string(prefix, 'x') + "\xFF" + std::string(9, 'y') +
                     "\xC3\xA9" + std::string(prefix, 'z') + "\xE2\x82";
    const DecodedHtml d = DecodeHtml(in, "text/html; charset=utf-8");
    EXPECT_EQ(d.utf8, std::string(prefix, 'x') + "\xEF\xBF\xBD" +
                          std::string(9, 'y') + "é" + std::string(prefix, 'z') +
                          "\xEF\xBF\xBD");
    EXPECT_EQ(d.replaced, 2u);
  }
}

// https://encoding.spec.whatwg.org/#bom-sniff
TEST(Charset, Encoding_BomSniff_Utf8) {
  const DecodedHtml d = DecodeHtml("\xEF\xBB\xBFh\xC3\xA9", "");
  EXPECT_EQ(d.utf8, "hé");
  EXPECT_EQ(d.encoding, "UTF-8");
  EXPECT_EQ(d.source, CharsetSource::kBom);
}

TEST(Charset, Encoding_BomSniff_Utf16LittleAndBigEndian) {
  const DecodedHtml le = DecodeHtml(Bytes({0xFF, 0xFE, '<', 0, 'p', 0, '>', 0,
                                           0xE9, 0, 0x3D, 0xD8, 0x00, 0xDE}),
                                    "");
  EXPECT_EQ(le.utf8, "<p>é😀");
  EXPECT_EQ(le.encoding, "UTF-16LE");
  EXPECT_EQ(le.source, CharsetSource::kBom);
  EXPECT_EQ(le.replaced, 0u);

  const DecodedHtml be =
      DecodeHtml(Bytes({0xFE, 0xFF, 0, 'h', 0, 'i', 0x20, 0xAC}), "");
  EXPECT_EQ(be.utf8, "hi€");
  EXPECT_EQ(be.encoding, "UTF-16BE");
  EXPECT_EQ(be.source, CharsetSource::kBom);
}

// https://encoding.spec.whatwg.org/#shared-utf-16-decoder
TEST(Charset, Encoding_Utf16Decoder_LoneSurrogatesAndOddByte) {
  // Lone lead, then 'a'; lone trail; odd trailing byte.
  const DecodedHtml d = DecodeHtml(
      Bytes({0xFF, 0xFE, 0x3D, 0xD8, 'a', 0, 0x00, 0xDE, 'b', 0, 'c'}), "");
  EXPECT_EQ(d.utf8,
            "\xEF\xBF\xBD"
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD");
  EXPECT_EQ(d.replaced, 3u);
}

// The header's UTF-16 is used as is (no BOM needed); a <meta> UTF-16 is not.
TEST(Charset, Html_Decode_Utf16FromHeaderAndMeta) {
  const DecodedHtml header =
      DecodeHtml(Bytes({'h', 0, 'i', 0}), "text/html; charset=utf-16");
  EXPECT_EQ(header.utf8, "hi");
  EXPECT_EQ(header.encoding, "UTF-16LE");
  EXPECT_EQ(header.source, CharsetSource::kHttpHeader);

  const DecodedHtml meta = DecodeHtml("<meta charset=utf-16>h\xC3\xA9", "");
  EXPECT_EQ(meta.utf8, "<meta charset=utf-16>hé");
  EXPECT_EQ(meta.encoding, "UTF-8");
  EXPECT_EQ(meta.source, CharsetSource::kMetaPrescan);
}

TEST(Charset, Html_Decode_ShiftJisViaMeta) {
  const DecodedHtml d = DecodeHtml(
      "<meta charset=\"Shift_JIS\"><p>\x93\xFA\x96\x7B</p>", "text/html");
  EXPECT_EQ(d.utf8, "<meta charset=\"Shift_JIS\"><p>日本</p>");
  EXPECT_EQ(d.encoding, "Shift_JIS");
  EXPECT_EQ(d.source, CharsetSource::kMetaPrescan);
  EXPECT_EQ(d.replaced, 0u);
}

TEST(Charset, Html_Decode_EucKrViaHttpEquiv) {
  const DecodedHtml d = DecodeHtml(
      "<meta http-equiv=\"Content-Type\" content=\"text/html; "
      "charset=euc-kr\">\xC7\xD1\xB1\xB9",
      "");
  EXPECT_EQ(d.encoding, "EUC-KR");
  EXPECT_EQ(d.source, CharsetSource::kMetaPrescan);
  EXPECT_THAT(d.utf8, ::testing::EndsWith(">한국"));
  EXPECT_EQ(d.replaced, 0u);
}

TEST(Charset, Html_Decode_OtherLegacyEncodings) {
  struct Case {
    std::string label;
    std::string bytes;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"euc-jp", "\xC6\xFC\xCB\xDC", "日本"},
      {"iso-2022-jp", "\x1B$BF|K\\\x1B(B!", "日本!"},
      {"gb2312", "\xD6\xD0\xCE\xC4", "中文"},
      {"gb18030", "\xC8\xD5\xB1\xBE\x83\x36\x84\x33", "日本한"},
      {"big5", "\xA4\xA4\xA4\xE5", "中文"},
      {"koi8-r", "\xF0\xD2\xC9\xD7\xC5\xD4", "Привет"},
      {"windows-1251", "\xCF\xF0\xE8\xE2\xE5\xF2", "Привет"},
      {"iso-8859-2", "\xB1\xE6", "ąć"},
      {"iso-8859-15", "\xA4", "€"},
      {"ibm866", "\x8F\xE0", "Пр"},
      {"macintosh", "\x80", "Ä"},
      // WHATWG's windows-1250 index has U+0081 where Windows has nothing.
      {"windows-1250", "\x81\x8A", "\xC2\x81Š"},
      {"windows-874", "\xA1\x80", "ก€"},
  };
  for (const Case& c : cases) {
    const DecodedHtml d = DecodeHtml(c.bytes, "text/html; charset=" + c.label);
    EXPECT_EQ(d.utf8, c.want) << c.label;
    EXPECT_EQ(d.replaced, 0u) << c.label;
    EXPECT_EQ(d.source, CharsetSource::kHttpHeader) << c.label;
  }
}

TEST(Charset, Html_Decode_LegacyInvalidBytesBecomeReplacement) {
  // 0xA0 is no Shift_JIS character; 0x93 at the end is a truncated
  // double-byte character.
  const DecodedHtml sjis = DecodeHtml(
      "a\xA0"
      "b\x93",
      "text/html; charset=sjis");
  EXPECT_EQ(sjis.utf8,
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD");
  EXPECT_EQ(sjis.replaced, 2u);
  // WHATWG's Shift_JIS decoder passes 0x80 through.
  const DecodedHtml x80 = DecodeHtml("\x80", "text/html; charset=sjis");
  EXPECT_EQ(x80.utf8, "\xC2\x80");
  EXPECT_EQ(x80.replaced, 0u);
  // ISO-8859-3 leaves 0xA5 undefined.
  const DecodedHtml latin3 =
      DecodeHtml("x\xA5y", "text/html; charset=iso-8859-3");
  EXPECT_EQ(latin3.utf8, "x\xEF\xBF\xBDy");
  EXPECT_EQ(latin3.replaced, 1u);
}

// 1. BOM, 2. transport layer, 3. prescan, 4. default.
TEST(Charset, Html_DeterminingEncoding_HeaderBeatsMeta) {
  const DecodedHtml d =
      DecodeHtml("<meta charset=koi8-r>\xC3\xA9", "text/html; charset=utf-8");
  EXPECT_EQ(d.utf8, "<meta charset=koi8-r>é");
  EXPECT_EQ(d.encoding, "UTF-8");
  EXPECT_EQ(d.source, CharsetSource::kHttpHeader);
}

TEST(Charset, Html_DeterminingEncoding_BomBeatsHeader) {
  const DecodedHtml d =
      DecodeHtml("\xEF\xBB\xBF\xC3\xA9", "text/html; charset=iso-8859-2");
  EXPECT_EQ(d.utf8, "é");
  EXPECT_EQ(d.encoding, "UTF-8");
  EXPECT_EQ(d.source, CharsetSource::kBom);
}

TEST(Charset, Html_DeterminingEncoding_UnknownHeaderLabelFallsBack) {
  const DecodedHtml meta =
      DecodeHtml("<meta charset=koi8-r>\xC1", "text/html; charset=x-klingon");
  EXPECT_EQ(meta.encoding, "KOI8-R");
  EXPECT_EQ(meta.source, CharsetSource::kMetaPrescan);
  EXPECT_EQ(meta.utf8, "<meta charset=koi8-r>а");

  const DecodedHtml none = DecodeHtml("\xE9", "text/html; charset=x-klingon");
  EXPECT_EQ(none.encoding, "windows-1252");
  EXPECT_EQ(none.source, CharsetSource::kDefault);
  EXPECT_EQ(none.utf8, "é");
}

// https://encoding.spec.whatwg.org/#replacement-decoder
TEST(Charset, Encoding_ReplacementDecoder) {
  const DecodedHtml d =
      DecodeHtml("<p>any bytes</p>", "text/html; charset=iso-2022-kr");
  EXPECT_EQ(d.utf8, "\xEF\xBF\xBD");
  EXPECT_EQ(d.encoding, "replacement");
  EXPECT_EQ(d.replaced, 1u);
  EXPECT_EQ(DecodeHtml("", "text/html; charset=iso-2022-kr").utf8, "");
}

// https://encoding.spec.whatwg.org/#x-user-defined-decoder
TEST(Charset, Encoding_XUserDefinedDecoder) {
  const DecodedHtml d =
      DecodeHtml("a\x80\xFF", "text/html; charset=x-user-defined");
  EXPECT_EQ(d.utf8, "a\xEF\x9E\x80\xEF\x9F\xBF");  // U+F780, U+F7FF
  EXPECT_EQ(d.encoding, "x-user-defined");
}

TEST(Charset, Html_Decode_EmptyBody) {
  const DecodedHtml d = DecodeHtml("", "");
  EXPECT_EQ(d.utf8, "");
  EXPECT_EQ(d.encoding, "windows-1252");
  EXPECT_EQ(d.source, CharsetSource::kDefault);
}

// Random bytes in every decoder: valid UTF-8 out, no crash, bounded time.
TEST(Charset, Robustness_RandomBytesGiveValidUtf8) {
  std::mt19937_64 rng(20240601);
  std::string garbage(1 << 20, '\0');
  for (char& ch : garbage) ch = static_cast<char>(rng() & 0xFF);
  for (std::string_view label :
       {"utf-8", "windows-1252", "utf-16le", "utf-16be", "shift_jis", "euc-jp",
        "iso-2022-jp", "euc-kr", "gbk", "gb18030", "big5", "koi8-u",
        "windows-1250", "windows-874", "iso-8859-8-i", "x-mac-cyrillic",
        "x-user-defined", "replacement"}) {
    const DecodedHtml d =
        DecodeHtml(garbage, "text/html; charset=" + std::string(label));
    EXPECT_TRUE(IsValidUtf8(d.utf8)) << label;
    EXPECT_FALSE(d.utf8.empty()) << label;
    EXPECT_EQ(CountReplacementChars(d.utf8) >= d.replaced, true) << label;
  }
  // No header: the prescan runs over garbage first.
  const DecodedHtml d = DecodeHtml(garbage, "");
  EXPECT_TRUE(IsValidUtf8(d.utf8));
}

// Short random inputs mixing markup and high bytes, through everything.
TEST(Charset, Robustness_ShortRandomInputs) {
  std::mt19937 rng(7);
  const std::string alphabet = "<>!-/?=\"' \tmetacharsetMETA;x\x80\xC3\xFF\xE2";
  for (int iter = 0; iter < 20000; ++iter) {
    std::string in(rng() % 64, '\0');
    for (char& ch : in) {
      ch = (rng() % 4 == 0) ? static_cast<char>(rng() & 0xFF)
                            : alphabet[rng() % alphabet.size()];
    }
    (void)PrescanMetaCharset(in);
    (void)CharsetParameter(in);
    (void)CanonicalEncoding(in);
    const DecodedHtml d = DecodeHtml(in, iter % 2 ? "" : in);
    ASSERT_TRUE(IsValidUtf8(d.utf8)) << in;
  }
}

}  // namespace
}  // namespace inlinks::crawler
