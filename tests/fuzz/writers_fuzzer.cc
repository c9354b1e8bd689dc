// Fuzz target for the output writers (query/writers.h). Any bytes a crawled
// page can put into a title or an anchor must give:
//   - JSON (raw UTF-8 and ASCII-only) that is valid UTF-8 and parses with
//     Boost.JSON back to the input with invalid UTF-8 replaced by U+FFFD;
//   - XML text that is valid UTF-8 with no character XML 1.0 forbids and no
//     unescaped markup character;
//   - a native JSON row that parses.
#include <boost/json.hpp>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "inlinks/query/backlinks.h"
#include "inlinks/query/writers.h"

namespace {

// Aborts unless `s` is valid UTF-8 holding only XML 1.0 Chars and no raw
// '<', '>', '"', '\'' or a '&' that does not start an entity we write.
void CheckXml(std::string_view s) {
  if (!inlinks::query::IsValidUtf8(s)) std::abort();
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 && c != '\t' && c != '\n') std::abort();  // CR is written as &#13;
    if (c == '<' || c == '>' || c == '"' || c == '\'') std::abort();
    if (c == '&') {
      std::string_view rest = s.substr(i);
      bool entity = rest.rfind("&amp;", 0) == 0 || rest.rfind("&lt;", 0) == 0 ||
                    rest.rfind("&gt;", 0) == 0 || rest.rfind("&quot;", 0) == 0 ||
                    rest.rfind("&apos;", 0) == 0 || rest.rfind("&#13;", 0) == 0;
      if (!entity) std::abort();
    }
    // U+FFFE / U+FFFF (EF BF BE / EF BF BF); surrogates cannot appear in
    // valid UTF-8.
    if (c == 0xEF && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xBF &&
        (static_cast<unsigned char>(s[i + 2]) == 0xBE ||
         static_cast<unsigned char>(s[i + 2]) == 0xBF)) {
      std::abort();
    }
  }
}

void CheckJson(std::string_view in, bool ascii_only) {
  std::string out;
  inlinks::query::AppendJsonString(in, out, inlinks::query::JsonEscapeOptions{ascii_only});
  if (!inlinks::query::IsValidUtf8(out)) std::abort();
  if (ascii_only) {
    for (char c : out) {
      if (static_cast<unsigned char>(c) >= 0x80) std::abort();
    }
  }
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(out, ec);
  if (ec || !v.is_string()) std::abort();
  if (std::string_view(v.as_string()) != inlinks::query::ToValidUtf8(in)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  CheckJson(in, false);
  CheckJson(in, true);

  std::string xml;
  inlinks::query::AppendXmlEscaped(in, xml);
  CheckXml(xml);

  std::string csv;
  inlinks::query::AppendCsvField(in, csv);
  if (!inlinks::query::IsValidUtf8(csv)) std::abort();

  inlinks::query::BacklinkRow row;
  row.source_title = std::string(in);
  row.anchor = std::string(in.substr(0, size / 2));
  row.target_url = std::string(in.substr(size / 2));
  std::string json_row;
  inlinks::query::AppendBacklinkJson(row, json_row);
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(json_row, ec);
  if (ec || !v.is_object()) std::abort();
  std::string xml_row;
  inlinks::query::AppendBacklinkXml(row, xml_row);
  if (!inlinks::query::IsValidUtf8(xml_row)) std::abort();
  return 0;
}
