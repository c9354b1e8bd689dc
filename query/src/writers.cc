// Escapers and native row writers (writers.h).
#include "inlinks/query/writers.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <type_traits>

#include "inlinks/core/records.h"

namespace inlinks::query {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

// One decoded UTF-8 step: a code point and its length, or (valid == false)
// the length of the maximal ill-formed subpart to replace (at least 1).
struct Utf8Step {
  bool valid = false;
  uint32_t cp = 0;
  size_t len = 1;
};

// Unicode 15, Table 3-7 (well-formed UTF-8 byte sequences).
Utf8Step DecodeStep(std::string_view s, size_t i) {
  const auto b0 = static_cast<uint8_t>(s[i]);
  if (b0 < 0x80) return {true, b0, 1};
  size_t need;
  uint8_t lo = 0x80, hi = 0xBF;  // range of the second byte
  uint32_t cp;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 2;
    cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 3;
    cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;  // at most U+10FFFF
  } else {
    return {false, 0, 1};
  }
  size_t len = 1;
  for (size_t k = 0; k < need; ++k) {
    if (i + len >= s.size()) return {false, 0, len};
    const auto b = static_cast<uint8_t>(s[i + len]);
    const uint8_t l = k == 0 ? lo : 0x80;
    const uint8_t h = k == 0 ? hi : 0xBF;
    if (b < l || b > h) return {false, 0, len};
    cp = (cp << 6) | (b & 0x3F);
    ++len;
  }
  return {true, cp, len};
}

void AppendU16Escape(uint32_t unit, std::string& out) {
  char buf[6] = {'\\',
                 'u',
                 kHex[(unit >> 12) & 0xF],
                 kHex[(unit >> 8) & 0xF],
                 kHex[(unit >> 4) & 0xF],
                 kHex[unit & 0xF]};
  out.append(buf, 6);
}

bool JsonSafeAscii(uint8_t c) { return c >= 0x20 && c < 0x7F && c != '"' && c != '\\'; }

bool XmlSafeAscii(uint8_t c) {
  return c >= 0x20 && c < 0x80 && c != '&' && c != '<' && c != '>' && c != '"' && c != '\'';
}

void AppendUint(uint64_t v, std::string& out) { out.append(std::to_string(v)); }
void AppendInt(int64_t v, std::string& out) { out.append(std::to_string(v)); }

std::string FormatNumber(double v) {
  if (!std::isfinite(v)) return "0";
  char buf[40];
  // printf's "%.9g", without its locale and format-string cost.
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::general, 9);
  return ec == std::errc() ? std::string(buf, end) : std::string("0");
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    if (static_cast<uint8_t>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    Utf8Step st = DecodeStep(text, i);
    if (!st.valid) return false;
    i += st.len;
  }
  return true;
}

std::string ToValidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    Utf8Step st = DecodeStep(text, i);
    if (st.valid) {
      out.append(text.substr(i, st.len));
    } else {
      out.append(kReplacement);
    }
    i += st.len;
  }
  return out;
}

void AppendJsonEscaped(std::string_view text, std::string& out, const JsonEscapeOptions& options) {
  out.reserve(out.size() + text.size() + 2);
  size_t i = 0;
  while (i < text.size()) {
    // Runs of plain ASCII go out in one append.
    size_t run = i;
    while (run < text.size() && JsonSafeAscii(static_cast<uint8_t>(text[run]))) ++run;
    if (run > i) {
      out.append(text.data() + i, run - i);
      i = run;
      if (i == text.size()) break;
    }
    const auto c = static_cast<uint8_t>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\b':
          out.append("\\b");
          break;
        case '\f':
          out.append("\\f");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        default:  // other C0 controls and DEL
          AppendU16Escape(c, out);
      }
      ++i;
      continue;
    }
    Utf8Step st = DecodeStep(text, i);
    uint32_t cp = st.valid ? st.cp : 0xFFFD;
    if (options.ascii_only) {
      if (cp >= 0x10000) {
        uint32_t v = cp - 0x10000;
        AppendU16Escape(0xD800 + (v >> 10), out);
        AppendU16Escape(0xDC00 + (v & 0x3FF), out);
      } else {
        AppendU16Escape(cp, out);
      }
    } else if (!st.valid) {
      out.append(kReplacement);
    } else if (cp == 0x2028 || cp == 0x2029) {
      AppendU16Escape(cp, out);  // valid JSON raw, but not valid JavaScript
    } else {
      out.append(text.data() + i, st.len);
    }
    i += st.len;
  }
}

void AppendJsonString(std::string_view text, std::string& out, const JsonEscapeOptions& options) {
  out.push_back('"');
  AppendJsonEscaped(text, out, options);
  out.push_back('"');
}

void AppendXmlEscaped(std::string_view text, std::string& out) {
  out.reserve(out.size() + text.size());
  size_t i = 0;
  while (i < text.size()) {
    size_t run = i;
    while (run < text.size() && XmlSafeAscii(static_cast<uint8_t>(text[run]))) ++run;
    if (run > i) {
      out.append(text.data() + i, run - i);
      i = run;
      if (i == text.size()) break;
    }
    const auto c = static_cast<uint8_t>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '&':
          out.append("&amp;");
          break;
        case '<':
          out.append("&lt;");
          break;
        case '>':
          out.append("&gt;");
          break;
        case '"':
          out.append("&quot;");
          break;
        case '\'':
          out.append("&apos;");
          break;
        case '\t':
        case '\n':
          out.push_back(static_cast<char>(c));
          break;
        case '\r':
          out.append("&#13;");  // a raw CR would be read back as LF
          break;
        default:
          break;  // other C0 controls: not XML 1.0 characters, dropped
      }
      ++i;
      continue;
    }
    Utf8Step st = DecodeStep(text, i);
    // Dropped: invalid UTF-8 (incl. encoded surrogates) and U+FFFE/U+FFFF.
    if (st.valid && st.cp != 0xFFFE && st.cp != 0xFFFF) out.append(text.data() + i, st.len);
    i += st.len;
  }
}

void AppendCsvField(std::string_view text, std::string& out) {
  bool quote = !text.empty() && (text.front() == ' ' || text.back() == ' ');
  for (char c : text) {
    if (c == ',' || c == '"' || c == '\r' || c == '\n') {
      quote = true;
      break;
    }
  }
  std::string valid = IsValidUtf8(text) ? std::string(text) : ToValidUtf8(text);
  if (!quote) {
    out.append(valid);
    return;
  }
  out.push_back('"');
  for (char c : valid) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

std::string FormatOneDecimal(double value) {
  if (!std::isfinite(value)) return "0";
  double r = std::round(value * 10.0) / 10.0;
  if (r == 0) return "0";  // also -0
  char buf[48];
  // printf's "%.0f" / "%.1f".
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), r, std::chars_format::fixed,
                                 r == std::floor(r) ? 0 : 1);
  return ec == std::errc() ? std::string(buf, end) : std::string("0");
}

// ---- Native row forms ----

namespace {

// The fields of the native form, in order, written through one visitor so
// that JSON, XML and CSV agree.
template <typename Text, typename Number, typename Raw>
void VisitRow(const BacklinkRow& r, Text text, Number number, Raw raw) {
  text("source_url", r.source_url);
  text("source_title", r.source_title);
  text("target_url", r.target_url);
  text("anchor", r.anchor);
  number("links_internal", r.links_internal);
  number("links_external", r.links_external);
  number("links_total", r.links_total);
  number("position", r.position);
  text("tag", core::LinkTagName(r.tag));
  raw("nofollow", r.nofollow() ? "true" : "false");
  raw("ugc", r.ugc() ? "true" : "false");
  raw("sponsored", r.sponsored() ? "true" : "false");
  raw("lost", r.lost ? "true" : "false");
  number("first_seen", r.first_seen);
  number("last_seen", r.last_seen);
  number("lost_time", r.lost_time);
  text("ip", r.ip);
  number("http_status", r.http_status);
  raw("rank", FormatNumber(r.rank));
  raw("sr", FormatOneDecimal(r.sr));
  text("ccode", r.ccode);
  text("country", r.country);
  text("city", r.city);
}

}  // namespace

void AppendBacklinkJson(const BacklinkRow& row, std::string& out,
                        const JsonEscapeOptions& options) {
  bool first = true;
  auto name = [&](std::string_view n) {
    out.append(first ? "{\"" : ",\"");
    first = false;
    out.append(n);
    out.append("\":");
  };
  VisitRow(
      row,
      [&](std::string_view n, std::string_view v) {
        name(n);
        AppendJsonString(v, out, options);
      },
      [&](std::string_view n, auto v) {
        name(n);
        if constexpr (std::is_signed_v<decltype(v)>) {
          AppendInt(v, out);
        } else {
          AppendUint(v, out);
        }
      },
      [&](std::string_view n, std::string_view v) {
        name(n);
        out.append(v);
      });
  out.push_back('}');
}

void AppendBacklinkXml(const BacklinkRow& row, std::string& out) {
  auto element = [&](std::string_view n, auto&& write) {
    out.push_back('<');
    out.append(n);
    out.push_back('>');
    write();
    out.append("</");
    out.append(n);
    out.push_back('>');
  };
  out.append("<backlink>");
  VisitRow(
      row,
      [&](std::string_view n, std::string_view v) {
        element(n, [&] { AppendXmlEscaped(v, out); });
      },
      [&](std::string_view n, auto v) { element(n, [&] { out.append(std::to_string(v)); }); },
      [&](std::string_view n, std::string_view v) { element(n, [&] { out.append(v); }); });
  out.append("</backlink>");
}

void AppendBacklinkCsvHeader(std::string& out) {
  BacklinkRow empty;
  bool first = true;
  auto name = [&](std::string_view n) {
    if (!first) out.push_back(',');
    first = false;
    out.append(n);
  };
  VisitRow(
      empty, [&](std::string_view n, std::string_view) { name(n); },
      [&](std::string_view n, auto) { name(n); },
      [&](std::string_view n, std::string_view) { name(n); });
  out.append("\r\n");
}

void AppendBacklinkCsv(const BacklinkRow& row, std::string& out) {
  bool first = true;
  auto sep = [&] {
    if (!first) out.push_back(',');
    first = false;
  };
  VisitRow(
      row,
      [&](std::string_view, std::string_view v) {
        sep();
        AppendCsvField(v, out);
      },
      [&](std::string_view, auto v) {
        sep();
        out.append(std::to_string(v));
      },
      [&](std::string_view, std::string_view v) {
        sep();
        out.append(v);
      });
  out.append("\r\n");
}

}  // namespace inlinks::query
