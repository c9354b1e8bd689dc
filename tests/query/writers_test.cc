// Writers (query/writers.h): JSON, XML and CSV escaping of arbitrary bytes,
// checked with Boost.JSON and libxml2 (a strict XML 1.0 parser).
#include "inlinks/query/writers.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <boost/json.hpp>
#include <cmath>
#include <limits>
#include <memory>
#include <random>
#include <string>

#include "gtest/gtest.h"

namespace inlinks::query {
namespace {

std::string Json(std::string_view s, bool ascii_only = false) {
  std::string out;
  AppendJsonString(s, out, JsonEscapeOptions{ascii_only});
  return out;
}

std::string Xml(std::string_view s) {
  std::string out;
  AppendXmlEscaped(s, out);
  return out;
}

// Parses `doc` with libxml2 (no network, no entity expansion tricks);
// returns the text content of the root, or nullopt when not well-formed.
std::optional<std::string> XmlRootText(const std::string& doc) {
  xmlDocPtr d = xmlReadMemory(doc.data(), static_cast<int>(doc.size()), "t.xml", "UTF-8",
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (d == nullptr) return std::nullopt;
  std::unique_ptr<xmlDoc, void (*)(xmlDocPtr)> guard(d, xmlFreeDoc);
  xmlChar* text = xmlNodeGetContent(xmlDocGetRootElement(d));
  std::string out(reinterpret_cast<const char*>(text));
  xmlFree(text);
  return out;
}

std::optional<std::string> XmlRootAttr(const std::string& doc, const char* name) {
  xmlDocPtr d = xmlReadMemory(doc.data(), static_cast<int>(doc.size()), "t.xml", "UTF-8",
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (d == nullptr) return std::nullopt;
  std::unique_ptr<xmlDoc, void (*)(xmlDocPtr)> guard(d, xmlFreeDoc);
  xmlChar* v = xmlGetProp(xmlDocGetRootElement(d), reinterpret_cast<const xmlChar*>(name));
  if (v == nullptr) return std::nullopt;
  std::string out(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return out;
}

std::string RandomBytes(std::mt19937_64& rng, size_t max_len) {
  std::string s(rng() % (max_len + 1), '\0');
  for (char& c : s) {
    switch (rng() % 4) {
      case 0:
        c = static_cast<char>(rng() % 0x20);  // controls
        break;
      case 1:
        c = static_cast<char>(0x80 + rng() % 0x80);  // UTF-8 lead/continuation bytes
        break;
      default:
        c = static_cast<char>(" <>&\"'\\azZ09"[rng() % 13]);
    }
  }
  return s;
}

TEST(Utf8Test, Validity) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xC3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // UTF-8-encoded surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xFF"));
}

// Unicode 15 section 3.9, "U+FFFD Substitution of Maximal Subparts".
TEST(Utf8Test, MaximalSubpartReplacement) {
  const std::string r = "\xEF\xBF\xBD";
  EXPECT_EQ(ToValidUtf8("a\xE2\x82"
                        "b"),
            "a" + r + "b");                           // one subpart
  EXPECT_EQ(ToValidUtf8("\xF0\x80\x80"), r + r + r);  // F0 80: not a prefix
  EXPECT_EQ(ToValidUtf8("\xED\xA0\x80"), r + r + r);  // surrogate
  EXPECT_EQ(ToValidUtf8("\xF1\x80\x80"), r);          // truncated 4-byte
  EXPECT_EQ(ToValidUtf8("\xC3\xA9"), "\xC3\xA9");
}

TEST(JsonWriterTest, EscapesQuotesBackslashAndControls) {
  EXPECT_EQ(Json("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(Json("\b\f\n\r\t"), R"("\b\f\n\r\t")");
  EXPECT_EQ(Json(std::string("\x00\x01\x1f\x7f", 4)), R"("\u0000\u0001\u001f\u007f")");
  EXPECT_EQ(Json("</script>"), R"("</script>")");
  EXPECT_EQ(Json("\xE2\x80\xA8"), R"("\u2028")");  // JavaScript line separator
}

TEST(JsonWriterTest, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(Json("a\xFF"
                 "b"),
            "\"a\xEF\xBF\xBD"
            "b\"");
  EXPECT_EQ(Json("a\xFF"
                 "b",
                 /*ascii_only=*/true),
            R"("a\ufffdb")");
}

TEST(JsonWriterTest, AsciiOnlyUsesSurrogatePairs) {
  EXPECT_EQ(Json("caf\xC3\xA9", true), R"("caf\u00e9")");
  EXPECT_EQ(Json("\xF0\x9F\x98\x80", true), R"("\ud83d\ude00")");
  EXPECT_EQ(Json("caf\xC3\xA9"), "\"caf\xC3\xA9\"");  // raw UTF-8 by default
}

TEST(JsonWriterTest, RandomBytesRoundTripThroughBoostJson) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 3000; ++i) {
    std::string s = RandomBytes(rng, 40);
    for (bool ascii : {false, true}) {
      std::string j = Json(s, ascii);
      ASSERT_TRUE(IsValidUtf8(j));
      boost::system::error_code ec;
      boost::json::value v = boost::json::parse(j, ec);
      ASSERT_FALSE(ec) << j;
      ASSERT_TRUE(v.is_string());
      EXPECT_EQ(std::string(v.as_string()), ToValidUtf8(s));
    }
  }
}

TEST(XmlWriterTest, EscapesMarkup) {
  EXPECT_EQ(Xml("a & b < c > d \" e ' f"), "a &amp; b &lt; c &gt; d &quot; e &apos; f");
  EXPECT_EQ(Xml("tab\tlf\ncr\r"), "tab\tlf\ncr&#13;");
}

TEST(XmlWriterTest, DropsCharactersXml10Forbids) {
  EXPECT_EQ(Xml(std::string("a\x00"
                            "b\x01\x08\x0b\x0c\x1f"
                            "c",
                            9)),
            "abc");
  EXPECT_EQ(Xml("x\xEF\xBF\xBEy\xEF\xBF\xBFz"), "xyz");  // U+FFFE, U+FFFF
  EXPECT_EQ(Xml("x\xED\xA0\x80y"), "xy");                // lone surrogate
  EXPECT_EQ(Xml("x\xFF\xC3y"), "xy");                    // invalid bytes
  EXPECT_EQ(Xml("\xC2\x85\xEF\xBF\xBD\xF0\x9F\x98\x80"),
            "\xC2\x85\xEF\xBF\xBD\xF0\x9F\x98\x80");  // allowed (NEL, U+FFFD, astral)
}

TEST(XmlWriterTest, OutputParsesWithLibxml2) {
  std::string s = "t\x01i<t>l&e\"'\r\n\xFF\xEF\xBF\xBE";
  std::string doc =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><r a=\"" + Xml(s) + "\">" + Xml(s) + "</r>";
  std::optional<std::string> text = XmlRootText(doc);
  ASSERT_TRUE(text.has_value()) << doc;
  EXPECT_EQ(*text, "ti<t>l&e\"'\r\n");
  // In an attribute, the parser normalizes LF to a space (XML 1.0 3.3.3);
  // the escaped CR survives.
  EXPECT_EQ(XmlRootAttr(doc, "a").value(), "ti<t>l&e\"'\r ");
}

TEST(XmlWriterTest, RandomBytesAlwaysParse) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 3000; ++i) {
    std::string s = RandomBytes(rng, 40);
    std::string e = Xml(s);
    ASSERT_TRUE(IsValidUtf8(e));
    std::string doc = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><r a=\"" + e + "\">" + e + "</r>";
    ASSERT_TRUE(XmlRootText(doc).has_value()) << doc;
  }
}

TEST(CsvWriterTest, QuotesWhenNeeded) {
  auto csv = [](std::string_view s) {
    std::string out;
    AppendCsvField(s, out);
    return out;
  };
  EXPECT_EQ(csv("plain"), "plain");
  EXPECT_EQ(csv("a,b"), "\"a,b\"");
  EXPECT_EQ(csv("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv(" padded"), "\" padded\"");
  EXPECT_EQ(csv("bad\xFF"), "bad\xEF\xBF\xBD");
}

TEST(FormatTest, OneDecimal) {
  EXPECT_EQ(FormatOneDecimal(0), "0");
  EXPECT_EQ(FormatOneDecimal(-0.0), "0");
  EXPECT_EQ(FormatOneDecimal(3), "3");
  EXPECT_EQ(FormatOneDecimal(10), "10");
  EXPECT_EQ(FormatOneDecimal(3.46), "3.5");
  EXPECT_EQ(FormatOneDecimal(0.04), "0");
  EXPECT_EQ(FormatOneDecimal(2.96), "3");
  EXPECT_EQ(FormatOneDecimal(std::nan("")), "0");
}

TEST(FormatTest, SrFromRank) {
  EXPECT_EQ(SrFromRank(0), 0);
  EXPECT_EQ(SrFromRank(-5), 0);
  EXPECT_EQ(SrFromRank(std::nan("")), 0);
  EXPECT_DOUBLE_EQ(SrFromRank(9), 1.0);
  EXPECT_DOUBLE_EQ(SrFromRank(1), 0.3);
  EXPECT_DOUBLE_EQ(SrFromRank(1e20), 10.0);
  EXPECT_DOUBLE_EQ(SrFromRank(std::numeric_limits<double>::infinity()), 10.0);
}

BacklinkRow HostileRow() {
  BacklinkRow r;
  r.source_url = "https://src.example/a?b=1&c=2";
  r.source_title = "ti\x01tle \"<x>\" \xFF";
  r.target_url = "https://example.com/";
  r.anchor = "anchor\xEF\xBF\xBE & \xF0\x9F\x98\x80";
  r.links_internal = 3;
  r.links_external = 4;
  r.links_total = 7;
  r.position = 2;
  r.tag = core::LinkTag::kAImg;
  r.rel = core::kRelNofollow | core::kRelSponsored;
  r.first_seen = 1000;
  r.last_seen = 2000;
  r.ip = "192.0.2.1";
  r.http_status = 200;
  r.rank = 9;
  r.sr = SrFromRank(9);
  return r;
}

TEST(RowWriterTest, JsonRowParsesWithEveryField) {
  std::string out;
  AppendBacklinkJson(HostileRow(), out);
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(out, ec);
  ASSERT_FALSE(ec) << out;
  const boost::json::object& o = v.as_object();
  EXPECT_EQ(o.at("source_url").as_string(), "https://src.example/a?b=1&c=2");
  EXPECT_EQ(o.at("source_title").as_string(), "ti\x01tle \"<x>\" \xEF\xBF\xBD");
  EXPECT_EQ(o.at("tag").as_string(), "aimg");
  EXPECT_EQ(o.at("nofollow").as_bool(), true);
  EXPECT_EQ(o.at("ugc").as_bool(), false);
  EXPECT_EQ(o.at("sponsored").as_bool(), true);
  EXPECT_EQ(o.at("links_total").as_int64(), 7);
  EXPECT_EQ(o.at("position").as_int64(), 2);
  EXPECT_EQ(o.at("first_seen").as_int64(), 1000);
  EXPECT_EQ(o.at("sr").as_int64(), 1);
  EXPECT_EQ(o.at("city").as_string(), "");
  EXPECT_EQ(o.size(), 23u);
}

TEST(RowWriterTest, XmlRowParses) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
  AppendBacklinkXml(HostileRow(), out);
  std::optional<std::string> text = XmlRootText(out);
  ASSERT_TRUE(text.has_value()) << out;
  EXPECT_NE(text->find("title \"<x>\" "), std::string::npos);
}

TEST(RowWriterTest, CsvRowHasHeaderFields) {
  std::string header, row;
  AppendBacklinkCsvHeader(header);
  AppendBacklinkCsv(HostileRow(), row);
  EXPECT_EQ(header.rfind("source_url,source_title,target_url,anchor,", 0), 0u);
  EXPECT_EQ(row.substr(row.size() - 2), "\r\n");
  EXPECT_TRUE(IsValidUtf8(row));
}

}  // namespace
}  // namespace inlinks::query
