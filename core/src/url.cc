// File: core/src/url.cc
//
// WHATWG URL parsing (https://url.spec.whatwg.org/#concept-basic-url-parser)
// restricted to the two special schemes we crawl, http and https, plus the
// crawl normalization of RFC 3986 section 6.2.2.2 (decode unreserved escapes,
// upper-case the hex of the others). Deviations: docs/url.md.
//
// Why not Boost.URL's parse + resolve: for special schemes the WHATWG parser
// differs from RFC 3986 at almost every step (backslashes, "http:foo",
// slashes after the scheme, %2e dot segments, IPv4 number forms, encode sets),
// and pre-/post-processing around boost::urls::resolve() costs more code and
// time than the state machine itself. Boost.URL provides the RFC 3986 IPv6
// grammar (parse_ipv6_address); libidn2 provides UTS #46 / IDNA2008.
//
// The parser makes one pass over the input and writes the serialization
// straight into the result string, so a clean ASCII href costs one
// allocation.

#include "inlinks/core/url.h"

#include <idn2.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "boost/url/ipv6_address.hpp"

namespace inlinks::core {

namespace {

// Inputs longer than this are rejected: offsets are 32-bit and encoding can
// triple the size. Real hrefs are far shorter; 8 MiB still covers data a
// fuzzer or a hostile page may throw at us.
constexpr size_t kMaxInputBytes = size_t{8} << 20;

constexpr unsigned char U(char c) { return static_cast<unsigned char>(c); }
constexpr bool IsAsciiAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
constexpr bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsHexDigit(char c) {
  return IsAsciiDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
inline int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}
inline char ToLowerAscii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
}
inline bool IsSlash(char c) { return c == '/' || c == '\\'; }
inline bool IsUnreserved(unsigned char c) {
  return IsAsciiAlpha(static_cast<char>(c)) ||
         IsAsciiDigit(static_cast<char>(c)) || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

constexpr char kUpperHex[] = "0123456789ABCDEF";

// WHATWG percent-encode sets
// (https://url.spec.whatwg.org/#percent-encoded-bytes) as 256-entry tables:
// true means "encode this byte".
using EncodeSet = std::array<bool, 256>;

constexpr EncodeSet MakeSet(std::string_view extra) {
  EncodeSet set{};
  for (int c = 0; c < 256; ++c) set[c] = c < 0x20 || c > 0x7E;  // C0 control
  for (char c : extra) set[U(c)] = true;
  return set;
}
constexpr EncodeSet kFragmentSet = MakeSet(" \"<>`");
constexpr EncodeSet kSpecialQuerySet = MakeSet(" \"#<>'");
constexpr EncodeSet kPathSet = MakeSet(" \"#<>?^`{}");
constexpr EncodeSet kUserinfoSet = MakeSet(" \"#<>?^`{}/:;=@[\\]|");

// Forbidden domain code points
// (https://url.spec.whatwg.org/#forbidden-domain-code-point), ASCII only;
// non-ASCII never survives domain-to-ASCII.
constexpr std::array<bool, 128> MakeForbiddenDomain() {
  std::array<bool, 128> set{};
  for (int c = 0; c <= 0x20; ++c) set[c] = true;
  for (char c : std::string_view("#%/:<>?@[\\]^|")) set[U(c)] = true;
  set[0x7F] = true;
  return set;
}
constexpr std::array<bool, 128> kForbiddenDomain = MakeForbiddenDomain();

// Debian's abseil has its own string_view type.
absl::string_view AV(std::string_view s) { return {s.data(), s.size()}; }

absl::Status Invalid(std::string_view what, std::string_view input) {
  constexpr size_t kShown = 80;
  std::string shown = absl::CHexEscape(AV(input.substr(0, kShown)));
  return absl::InvalidArgumentError(
      absl::StrCat("invalid URL: ", AV(what), " in \"", shown,
                   input.size() > kShown ? "...\"" : "\""));
}

// Appends `in` percent-encoded with `set`. With `normalize`, existing %XX
// escapes of unreserved characters are decoded and the hex of all other
// escapes is upper-cased, and a '%' not followed by two hex digits becomes
// "%25". Without `normalize`, '%' is copied as WHATWG does.
void AppendEncoded(std::string_view in, const EncodeSet& set, bool normalize,
                   std::string& out) {
  const char* p = in.data();
  const char* end = p + in.size();
  while (p < end) {
    // Copy the longest run that needs no work in one append.
    const char* run = p;
    while (p < end && !set[U(*p)] && (*p != '%' || !normalize)) ++p;
    out.append(run, p - run);
    if (p == end) break;
    unsigned char c = U(*p);
    if (c == '%' && !set['%']) {
      if (end - p >= 3 && IsHexDigit(p[1]) && IsHexDigit(p[2])) {
        unsigned char v =
            static_cast<unsigned char>(HexValue(p[1]) * 16 + HexValue(p[2]));
        if (IsUnreserved(v)) {
          out.push_back(static_cast<char>(v));
        } else {
          const char esc[3] = {'%', kUpperHex[v >> 4], kUpperHex[v & 15]};
          out.append(esc, 3);
        }
        p += 3;
      } else {
        // A '%' that starts no escape: encode it, so that the href is valid
        // RFC 3986 and "90%" and "90%25" give one key (docs/url.md).
        out.append("%25");
        ++p;
      }
      continue;
    }
    const char esc[3] = {'%', kUpperHex[c >> 4], kUpperHex[c & 15]};
    out.append(esc, 3);
    ++p;
  }
}

// WHATWG IPv4 number parser. Returns false on failure; values above 2^32 are
// reported as kOverflow (they can never be valid).
constexpr uint64_t kOverflow = uint64_t{1} << 33;
bool ParseIpv4Number(std::string_view s, uint64_t& value) {
  if (s.empty()) return false;
  int radix = 10;
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    radix = 16;
    s.remove_prefix(2);
  } else if (s.size() >= 2 && s[0] == '0') {
    radix = 8;
    s.remove_prefix(1);
  }
  uint64_t v = 0;
  for (char c : s) {
    int d;
    if (radix == 16) {
      if (!IsHexDigit(c)) return false;
      d = HexValue(c);
    } else {
      if (!IsAsciiDigit(c)) return false;
      d = c - '0';
      if (d >= radix) return false;
    }
    if (v < kOverflow) v = v * radix + d;
    if (v > kOverflow) v = kOverflow;
  }
  value = v;
  return true;
}

// https://url.spec.whatwg.org/#ends-in-a-number-checker
bool EndsInANumber(std::string_view host) {
  if (!host.empty() && host.back() == '.') {
    host.remove_suffix(1);
    if (host.empty()) return false;
  }
  size_t dot = host.rfind('.');
  std::string_view last =
      dot == std::string_view::npos ? host : host.substr(dot + 1);
  if (last.empty()) return false;
  bool all_digits = true;
  for (char c : last) all_digits &= IsAsciiDigit(c);
  if (all_digits) return true;
  uint64_t v;
  return ParseIpv4Number(last, v);
}

// https://url.spec.whatwg.org/#concept-ipv4-parser; writes dotted decimal.
bool ParseIpv4(std::string_view host, std::string& out) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  uint64_t parts[4];
  int n = 0;
  size_t start = 0;
  while (true) {
    if (n == 4) return false;
    size_t dot = host.find('.', start);
    std::string_view part = host.substr(start, dot == std::string_view::npos
                                                   ? std::string_view::npos
                                                   : dot - start);
    if (!ParseIpv4Number(part, parts[n])) return false;
    ++n;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  for (int i = 0; i + 1 < n; ++i) {
    if (parts[i] > 255) return false;
  }
  if (parts[n - 1] >= (uint64_t{1} << (8 * (5 - n)))) return false;
  uint64_t ipv4 = parts[n - 1];
  for (int i = 0; i + 1 < n; ++i) ipv4 += parts[i] << (8 * (3 - i));
  out.append(absl::StrCat((ipv4 >> 24) & 255, ".", (ipv4 >> 16) & 255, ".",
                          (ipv4 >> 8) & 255, ".", ipv4 & 255));
  return true;
}

// Appends "[...]" in the WHATWG IPv6 serialization (RFC 5952 compression,
// lower-case hex, no embedded IPv4 form).
// https://url.spec.whatwg.org/#concept-ipv6-serializer
bool ParseIpv6(std::string_view inner, std::string& out) {
  auto parsed = boost::urls::parse_ipv6_address(inner);
  if (!parsed.has_value()) return false;
  auto bytes = parsed->to_bytes();
  uint16_t pieces[8];
  for (int i = 0; i < 8; ++i)
    pieces[i] = (bytes[2 * i] << 8) | bytes[2 * i + 1];
  int best = -1, best_len = 1;
  for (int i = 0; i < 8;) {
    if (pieces[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && pieces[j] == 0) ++j;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j;
  }
  out.push_back('[');
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out.append(i == 0 ? "::" : ":");
      i += best_len - 1;
      continue;
    }
    char buf[5];
    int len = 0;
    uint16_t v = pieces[i];
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      int d = (v >> shift) & 15;
      if (d != 0 || started || shift == 0) {
        buf[len++] = "0123456789abcdef"[d];
        started = true;
      }
    }
    out.append(buf, len);
    if (i != 7) out.push_back(':');
  }
  out.push_back(']');
  return true;
}

// True when `label` starts with "xn--" (any case).
bool IsAceLabel(std::string_view label) {
  return label.size() >= 4 && ToLowerAscii(label[0]) == 'x' &&
         ToLowerAscii(label[1]) == 'n' && label[2] == '-' && label[3] == '-';
}

// Length of a UTS #46 label separator at the start of `s` (".", U+3002,
// U+FF0E, U+FF61), or 0.
size_t DotLength(std::string_view s) {
  if (s[0] == '.') return 1;
  if (s.size() >= 3) {
    if (s.substr(0, 3) == "\xE3\x80\x82" || s.substr(0, 3) == "\xEF\xBC\x8E" ||
        s.substr(0, 3) == "\xEF\xBD\xA1") {
      return 3;
    }
  }
  return 0;
}

// UTS #46 ToASCII (https://url.spec.whatwg.org/#concept-domain-to-ascii) of a
// UTF-8 domain with at least one non-ASCII byte, label by label: ASCII labels
// other than "xn--" ones are only lower-cased (as the URL Standard's
// CheckHyphens=false and VerifyDnsLength=false require, which libidn2 cannot
// switch off), the rest go through libidn2 (IDNA2008 + TR46
// non-transitional). Appends the result to `out`; false on failure.
bool DomainToAscii(std::string_view domain, std::string& out) {
  std::string label;
  size_t i = 0;
  while (true) {
    size_t j = i;
    size_t dot = 0;
    while (j < domain.size() && (dot = DotLength(domain.substr(j))) == 0) ++j;
    std::string_view raw = domain.substr(i, j - i);
    bool ascii = true;
    for (char c : raw) ascii &= U(c) < 0x80;
    if (ascii && !IsAceLabel(raw)) {
      for (char c : raw) out.push_back(ToLowerAscii(c));
    } else {
      label.assign(raw);
      uint8_t* result = nullptr;
      int rc = idn2_lookup_u8(reinterpret_cast<const uint8_t*>(label.c_str()),
                              &result, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
      if (rc != IDN2_OK || result == nullptr) {
        if (result != nullptr) idn2_free(result);
        return false;
      }
      for (const uint8_t* p = result; *p != 0; ++p) {
        out.push_back(ToLowerAscii(static_cast<char>(*p)));
      }
      idn2_free(result);
    }
    if (j >= domain.size()) break;
    out.push_back('.');
    i = j + dot;
  }
  return true;
}

}  // namespace

// Builds Url values; the only code that writes Url's private fields.
// One parse per instance; not thread-safe (ParseUrl/ResolveUrl make a fresh
// one per call).
class UrlBuilder {
 public:
  UrlBuilder(const Url* base, const UrlOptions& options)
      : base_(base), options_(options) {}

  absl::StatusOr<Url> Parse(std::string_view raw);

 private:
  absl::Status ParseAuthorityAndRest(std::string_view rest);
  absl::Status AppendHost(std::string_view raw_host);
  // Path, query and fragment; `rest` starts at the path (or at '?' / '#').
  // With `path_from_base` the path is relative: it starts from the base
  // path minus its last segment (WHATWG "shorten").
  void ParsePathQueryFragment(std::string_view rest, bool path_from_base);
  void ParsePath(std::string_view path);
  void ParseQueryFragment(std::string_view rest);
  void CopyBaseAuthority();
  void CopyBasePath();

  const Url* base_;  // nullptr: no base; otherwise an http(s) Url
  const UrlOptions& options_;
  std::string_view input_;  // cleaned input, for error messages
  Url url_;
  std::string& out_ = url_.href_;
  bool https_ = false;
};

absl::StatusOr<Url> UrlBuilder::Parse(std::string_view raw) {
  if (raw.size() > kMaxInputBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid URL: longer than ", kMaxInputBytes, " bytes"));
  }
  // Strip leading and trailing C0 controls and spaces.
  size_t b = 0, e = raw.size();
  while (b < e && U(raw[b]) <= 0x20) ++b;
  while (e > b && U(raw[e - 1]) <= 0x20) --e;
  std::string_view in = raw.substr(b, e - b);
  // Remove ASCII tab and newline anywhere.
  std::string cleaned;
  for (char c : in) {
    if (c == '\t' || c == '\n' || c == '\r') {
      cleaned.reserve(in.size());
      for (char d : in) {
        if (d != '\t' && d != '\n' && d != '\r') cleaned.push_back(d);
      }
      in = cleaned;
      break;
    }
  }
  input_ = in;
  out_.reserve(in.size() + (base_ != nullptr ? base_->href_.size() : 0) + 16);

  // Scheme state: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":".
  bool has_scheme = false;
  size_t pos = 0;
  if (!in.empty() && IsAsciiAlpha(in[0])) {
    size_t i = 1;
    while (i < in.size() && (IsAsciiAlpha(in[i]) || IsAsciiDigit(in[i]) ||
                             in[i] == '+' || in[i] == '-' || in[i] == '.')) {
      ++i;
    }
    if (i < in.size() && in[i] == ':') {
      std::string_view scheme = in.substr(0, i);
      auto eq = [](std::string_view a, std::string_view lower) {
        if (a.size() != lower.size()) return false;
        for (size_t k = 0; k < a.size(); ++k) {
          if (ToLowerAscii(a[k]) != lower[k]) return false;
        }
        return true;
      };
      if (eq(scheme, "http")) {
        https_ = false;
      } else if (eq(scheme, "https")) {
        https_ = true;
      } else {
        std::string lower(scheme.substr(0, 32));
        for (char& c : lower) c = ToLowerAscii(c);
        return absl::InvalidArgumentError(absl::StrCat(
            "invalid URL: unsupported scheme \"", absl::CHexEscape(AV(lower)),
            "\" (only http and https)"));
      }
      has_scheme = true;
      pos = i + 1;
    }
  }
  std::string_view rest = in.substr(pos);

  bool relative;
  if (has_scheme) {
    // Same scheme as the base: "http:foo" is relative to it (special
    // relative or authority state); otherwise slashes are optional.
    relative = base_ != nullptr && base_->scheme().size() == (https_ ? 5u : 4u);
  } else {
    if (base_ == nullptr) {
      return Invalid("missing scheme (relative reference without a base)", in);
    }
    https_ = base_->scheme().size() == 5;
    relative = true;
  }
  out_.append(https_ ? "https://" : "http://");
  url_.scheme_len_ = https_ ? 5 : 4;

  if (!relative) {
    // Special authority slashes / ignore slashes states.
    size_t k = 0;
    while (k < rest.size() && IsSlash(rest[k])) ++k;
    absl::Status s = ParseAuthorityAndRest(rest.substr(k));
    if (!s.ok()) return s;
  } else if (rest.size() >= 2 && IsSlash(rest[0]) && IsSlash(rest[1])) {
    // Relative slash state leading to the authority: "//host/...".
    size_t k = 2;
    while (k < rest.size() && IsSlash(rest[k])) ++k;
    absl::Status s = ParseAuthorityAndRest(rest.substr(k));
    if (!s.ok()) return s;
  } else {
    CopyBaseAuthority();
    if (rest.empty()) {
      CopyBasePath();
      if (base_->has_query()) {
        out_.push_back('?');
        url_.query_pos_ = static_cast<uint32_t>(out_.size());
        out_.append(base_->query());
        url_.query_len_ = static_cast<uint32_t>(base_->query().size());
      }
    } else if (rest[0] == '?') {
      CopyBasePath();
      ParseQueryFragment(rest);
    } else if (rest[0] == '#') {
      CopyBasePath();
      if (base_->has_query()) {
        out_.push_back('?');
        url_.query_pos_ = static_cast<uint32_t>(out_.size());
        out_.append(base_->query());
        url_.query_len_ = static_cast<uint32_t>(base_->query().size());
      }
      ParseQueryFragment(rest);
    } else {
      ParsePathQueryFragment(rest, /*path_from_base=*/!IsSlash(rest[0]));
    }
  }
  return std::move(url_);
}

void UrlBuilder::CopyBaseAuthority() {
  const std::string& bh = base_->href_;
  size_t auth = base_->scheme_len_ + 3;
  // userinfo@host:port, all already normalized.
  out_.append(bh, auth, base_->host_pos_ - auth);
  url_.host_pos_ = static_cast<uint32_t>(out_.size());
  url_.host_len_ = base_->host_len_;
  out_.append(bh, auth + (base_->host_pos_ - auth),
              base_->path_pos_ - base_->host_pos_);
  url_.port_ = base_->port_;
  url_.host_is_ip_ = base_->host_is_ip_;
  url_.path_pos_ = static_cast<uint32_t>(out_.size());
}

void UrlBuilder::CopyBasePath() {
  out_.append(base_->path());
  url_.path_len_ = static_cast<uint32_t>(out_.size() - url_.path_pos_);
}

absl::Status UrlBuilder::ParseAuthorityAndRest(std::string_view rest) {
  // The authority ends at the first '/', '\', '?' or '#'.
  size_t end = 0;
  while (end < rest.size() && !IsSlash(rest[end]) && rest[end] != '?' &&
         rest[end] != '#') {
    ++end;
  }
  std::string_view auth = rest.substr(0, end);
  size_t at = auth.rfind('@');
  std::string_view hostport = auth;
  if (at != std::string_view::npos) {
    std::string_view userinfo = auth.substr(0, at);
    hostport = auth.substr(at + 1);
    if (hostport.empty()) return Invalid("credentials without a host", input_);
    size_t colon = userinfo.find(':');
    std::string_view user = userinfo.substr(0, colon);
    std::string_view pass = colon == std::string_view::npos
                                ? std::string_view()
                                : userinfo.substr(colon + 1);
    if (!user.empty() || !pass.empty()) {
      AppendEncoded(user, kUserinfoSet, options_.normalize_percent, out_);
      if (!pass.empty()) {
        out_.push_back(':');
        AppendEncoded(pass, kUserinfoSet, options_.normalize_percent, out_);
      }
      out_.push_back('@');
    }
  }
  // Host state: split at the first ':' outside brackets.
  bool in_brackets = false;
  size_t colon = std::string_view::npos;
  for (size_t i = 0; i < hostport.size(); ++i) {
    char c = hostport[i];
    if (c == '[') in_brackets = true;
    if (c == ']') in_brackets = false;
    if (c == ':' && !in_brackets) {
      colon = i;
      break;
    }
  }
  std::string_view host = hostport.substr(0, colon);
  if (host.empty()) return Invalid("empty host", input_);
  url_.host_pos_ = static_cast<uint32_t>(out_.size());
  absl::Status s = AppendHost(host);
  if (!s.ok()) return s;
  url_.host_len_ = static_cast<uint32_t>(out_.size() - url_.host_pos_);

  if (colon != std::string_view::npos) {
    std::string_view port = hostport.substr(colon + 1);
    uint32_t value = 0;
    for (char c : port) {
      if (!IsAsciiDigit(c)) return Invalid("invalid port", input_);
      value = value * 10 + (c - '0');
      if (value > 65535) return Invalid("port out of range", input_);
    }
    // Deviation (docs/url.md): port 0 is rejected. Url::port() uses 0 for
    // "default", and nothing can be fetched from port 0 anyway.
    if (!port.empty() && value == 0) {
      return Invalid("port 0 is not connectable", input_);
    }
    if (!port.empty() && value != (https_ ? 443u : 80u)) {
      url_.port_ = static_cast<uint16_t>(value);
      absl::StrAppend(&out_, ":", value);
    }
  }
  url_.path_pos_ = static_cast<uint32_t>(out_.size());
  ParsePathQueryFragment(rest.substr(end), /*path_from_base=*/false);
  return absl::OkStatus();
}

absl::Status UrlBuilder::AppendHost(std::string_view raw) {
  if (raw[0] == '[') {
    if (raw.size() < 2 || raw.back() != ']' ||
        !ParseIpv6(raw.substr(1, raw.size() - 2), out_)) {
      return Invalid("invalid IPv6 address", input_);
    }
    url_.host_is_ip_ = true;
    return absl::OkStatus();
  }
  size_t host_start = out_.size();
  bool needs_idna = false;
  bool has_pct = false;
  for (char c : raw) {
    if (U(c) >= 0x80) needs_idna = true;
    if (c == '%') has_pct = true;
  }
  if (!needs_idna && !has_pct) {
    // Fast path: ASCII, nothing to decode. Per the URL Standard an ASCII
    // domain is only lower-cased (even "xn--" labels are not validated).
    for (char c : raw) {
      if (kForbiddenDomain[U(c)]) {
        return Invalid("forbidden host code point", input_);
      }
      out_.push_back(ToLowerAscii(c));
    }
  } else {
    // Percent-decode (bytes), then domain to ASCII.
    std::string domain;
    domain.reserve(raw.size());
    bool ascii = true;
    for (size_t i = 0; i < raw.size(); ++i) {
      char c = raw[i];
      if (c == '%' && i + 2 < raw.size() && IsHexDigit(raw[i + 1]) &&
          IsHexDigit(raw[i + 2])) {
        c = static_cast<char>(HexValue(raw[i + 1]) * 16 + HexValue(raw[i + 2]));
        i += 2;
      }
      if (c == '\0') return Invalid("forbidden host code point", input_);
      if (U(c) >= 0x80) ascii = false;
      domain.push_back(c);
    }
    if (ascii) {
      for (char c : domain) out_.push_back(ToLowerAscii(c));
    } else if (!DomainToAscii(domain, out_)) {
      return Invalid("invalid international domain name", input_);
    }
  }
  std::string_view host = std::string_view(out_).substr(host_start);
  if (host.empty()) return Invalid("empty host", input_);
  if (needs_idna || has_pct) {
    for (char c : host) {
      if (U(c) >= 0x80 || kForbiddenDomain[U(c)]) {
        return Invalid("forbidden host code point", input_);
      }
    }
  }
  if (EndsInANumber(host)) {
    std::string dotted;
    if (!ParseIpv4(host, dotted))
      return Invalid("invalid IPv4 address", input_);
    out_.resize(host_start);
    out_.append(dotted);
    url_.host_is_ip_ = true;
  }
  return absl::OkStatus();
}

void UrlBuilder::ParsePathQueryFragment(std::string_view rest,
                                        bool path_from_base) {
  size_t end = 0;
  while (end < rest.size() && rest[end] != '?' && rest[end] != '#') ++end;
  if (path_from_base) {
    // Relative path: start from the base path minus its last segment.
    std::string_view bp = base_->path();
    size_t last = bp.rfind('/');
    out_.append(bp.substr(0, last == std::string_view::npos ? 0 : last));
  }
  ParsePath(rest.substr(0, end));
  ParseQueryFragment(rest.substr(end));
}

namespace {
// "." or "%2e" (any case).
bool IsSingleDot(std::string_view s) {
  return s == "." ||
         (s.size() == 3 && s[0] == '%' && s[1] == '2' && (s[2] | 0x20) == 'e');
}
// "..", ".%2e", "%2e.", "%2e%2e" (any case).
bool IsDoubleDot(std::string_view s) {
  switch (s.size()) {
    case 2:
      return s == "..";
    case 4:
      return (s[0] == '.' && IsSingleDot(s.substr(1))) ||
             (s[3] == '.' && IsSingleDot(s.substr(0, 3)));
    case 6:
      return IsSingleDot(s.substr(0, 3)) && IsSingleDot(s.substr(3));
    default:
      return false;
  }
}
}  // namespace

void UrlBuilder::ParsePath(std::string_view path) {
  // Path start state: one leading slash is consumed.
  size_t i = 0;
  if (!path.empty() && IsSlash(path[0])) i = 1;
  const size_t path_pos = url_.path_pos_;
  while (true) {
    size_t j = i;
    while (j < path.size() && !IsSlash(path[j])) ++j;
    std::string_view seg = path.substr(i, j - i);
    bool last = j >= path.size();
    if (IsDoubleDot(seg)) {
      // Shorten the path.
      size_t slash = out_.rfind('/');
      if (slash != std::string::npos && slash >= path_pos) out_.resize(slash);
      if (last) out_.push_back('/');
    } else if (IsSingleDot(seg)) {
      if (last) out_.push_back('/');
    } else {
      out_.push_back('/');
      AppendEncoded(seg, kPathSet, options_.normalize_percent, out_);
    }
    if (last) break;
    i = j + 1;
  }
  if (out_.size() == path_pos) out_.push_back('/');
  url_.path_len_ = static_cast<uint32_t>(out_.size() - path_pos);
}

void UrlBuilder::ParseQueryFragment(std::string_view rest) {
  if (rest.empty()) return;
  size_t hash = rest.find('#');
  if (rest[0] == '?') {
    std::string_view q = rest.substr(
        1, hash == std::string_view::npos ? std::string_view::npos : hash - 1);
    out_.push_back('?');
    url_.query_pos_ = static_cast<uint32_t>(out_.size());
    AppendEncoded(q, kSpecialQuerySet, options_.normalize_percent, out_);
    url_.query_len_ = static_cast<uint32_t>(out_.size() - url_.query_pos_);
  }
  if (hash != std::string_view::npos && !options_.drop_fragment) {
    out_.push_back('#');
    url_.fragment_pos_ = static_cast<uint32_t>(out_.size());
    AppendEncoded(rest.substr(hash + 1), kFragmentSet,
                  options_.normalize_percent, out_);
    url_.fragment_len_ =
        static_cast<uint32_t>(out_.size() - url_.fragment_pos_);
  }
}

std::string_view Url::scheme() const {
  return std::string_view(href_).substr(0, scheme_len_);
}
std::string_view Url::host() const {
  return std::string_view(href_).substr(host_pos_, host_len_);
}
uint16_t Url::EffectivePort() const {
  if (port_ != 0) return port_;
  return scheme_len_ == 5 ? 443 : 80;
}
std::string_view Url::path() const {
  return std::string_view(href_).substr(path_pos_, path_len_);
}
std::string_view Url::query() const {
  if (query_len_ == kNone) return {};
  return std::string_view(href_).substr(query_pos_, query_len_);
}
std::string_view Url::PathAndQuery() const {
  size_t end =
      query_len_ == kNone ? path_pos_ + path_len_ : query_pos_ + query_len_;
  return std::string_view(href_).substr(path_pos_, end - path_pos_);
}
std::string_view Url::fragment() const {
  if (fragment_len_ == kNone) return {};
  return std::string_view(href_).substr(fragment_pos_, fragment_len_);
}

absl::StatusOr<Url> ParseUrl(std::string_view input,
                             const UrlOptions& options) {
  return UrlBuilder(nullptr, options).Parse(input);
}

absl::StatusOr<Url> ResolveUrl(const Url& base, std::string_view reference,
                               const UrlOptions& options) {
  if (base.href().empty()) return ParseUrl(reference, options);
  return UrlBuilder(&base, options).Parse(reference);
}

}  // namespace inlinks::core
