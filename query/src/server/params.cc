// File: query/src/server/params.cc
//
// Owns: see params.h.
// Thread safety: pure functions.
#include "server/params.h"

#include <boost/beast/core/detail/base64.hpp>

namespace inlinks::query::server {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Names whose values are secrets.
bool IsSecretName(std::string_view decoded_name) {
  return EqualsIgnoreCase(decoded_name, "key") || EqualsIgnoreCase(decoded_name, "access_token") ||
         EqualsIgnoreCase(decoded_name, "client_secret") ||
         EqualsIgnoreCase(decoded_name, "token");
}

// True when `raw` (percent-encoded) holds something shaped like a key's
// secret or a bearer token once decoded: 32 or more hex digits in a row.
bool HoldsSecret(std::string_view raw) {
  // Decoded until nothing changes (at most 4 times): a secret encoded twice
  // is still one.
  std::string text(raw);
  for (int round = 0; round < 4; ++round) {
    int run = 0;
    for (char c : text) {
      run = HexValue(c) >= 0 ? run + 1 : 0;
      if (run >= 32) return true;
    }
    std::string decoded = PercentDecode(text, true);
    if (decoded == text) break;
    text = std::move(decoded);
  }
  return false;
}

// Redacts secret values in "a=1&key=2" (raw, undecoded): the values of
// secret names, and any pair holding something shaped like a secret.
std::string RedactQuery(std::string_view query) {
  std::string out;
  while (true) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    const bool secret_name =
        eq != std::string_view::npos && IsSecretName(PercentDecode(pair.substr(0, eq), true));
    if ((secret_name && eq + 1 < pair.size()) || HoldsSecret(pair)) {
      // The name is kept unless it holds the secret itself.
      if (eq != std::string_view::npos && !HoldsSecret(pair.substr(0, eq))) {
        out.append(pair.substr(0, eq + 1));
      }
      out.append("REDACTED");
    } else {
      out.append(pair);
    }
    if (amp == std::string_view::npos) break;
    out.push_back('&');
    query.remove_prefix(amp + 1);
  }
  return out;
}

}  // namespace

std::string PercentDecode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%' && i + 2 < in.size()) {
      int hi = HexValue(in[i + 1]);
      int lo = HexValue(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    if (c == '+' && plus_is_space) {
      out.push_back(' ');
      continue;
    }
    out.push_back(c);
  }
  return out;
}

void Params::Add(std::string name, std::string value) {
  items_.emplace_back(std::move(name), std::move(value));
}

void Params::AddQueryString(std::string_view query) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string_view name = pair.substr(0, eq);
      std::string_view value =
          eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
      Add(PercentDecode(name, true), PercentDecode(value, true));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
}

std::optional<std::string_view> Params::Get(std::string_view name) const {
  for (auto it = items_.rbegin(); it != items_.rend(); ++it) {
    if (!it->second.empty() && EqualsIgnoreCase(it->first, name)) {
      return std::string_view(it->second);
    }
  }
  return std::nullopt;
}

Target ParseTarget(std::string_view target) {
  Target t;
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  if (q != std::string_view::npos) t.params.AddQueryString(target.substr(q + 1));
  t.raw_path = std::string(path);
  t.trailing_slash = !path.empty() && path.back() == '/';
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::string_view seg = path.substr(0, slash);
    if (!seg.empty()) t.segments.push_back(PercentDecode(seg, false));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return t;
}

std::string SplitEmbeddedQuery(std::string_view raw_path, Params& params) {
  size_t pos = 0;
  while (pos < raw_path.size()) {
    size_t slash = raw_path.find('/', pos);
    size_t end = slash == std::string_view::npos ? raw_path.size() : slash;
    std::string_view seg = raw_path.substr(pos, end - pos);
    if (seg.find('=') != std::string_view::npos) {
      params.AddQueryString(raw_path.substr(pos));
      return std::string(raw_path.substr(0, pos));
    }
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  return std::string(raw_path);
}

std::optional<uint64_t> ParseUint(std::string_view s) {
  if (s.empty()) return std::nullopt;
  while (s.size() > 1 && s.front() == '0') s.remove_prefix(1);
  if (s.size() > 18) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
  }
  return true;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = LowerAscii(c);
  return out;
}

std::optional<std::pair<std::string, std::string>> ParseBasicAuth(std::string_view header) {
  header = TrimSpaces(header);
  if (!StartsWithIgnoreCase(header, "basic ")) return std::nullopt;
  std::string_view b64 = TrimSpaces(header.substr(6));
  if (b64.empty() || b64.size() > 1024) return std::nullopt;
  namespace b = boost::beast::detail::base64;
  std::string decoded(b::decoded_size(b64.size()), '\0');
  auto [written, read] = b::decode(decoded.data(), b64.data(), b64.size());
  size_t padding = 0;
  while (padding < 2 && padding < b64.size() && b64[b64.size() - 1 - padding] == '=') ++padding;
  if (read + padding < b64.size()) return std::nullopt;
  decoded.resize(written);
  size_t colon = decoded.find(':');
  if (colon == std::string::npos) return std::nullopt;
  return std::make_pair(decoded.substr(0, colon), decoded.substr(colon + 1));
}

std::optional<std::string> ParseBearer(std::string_view header) {
  header = TrimSpaces(header);
  if (!StartsWithIgnoreCase(header, "bearer ")) return std::nullopt;
  std::string_view token = TrimSpaces(header.substr(7));
  if (token.empty()) return std::nullopt;
  return std::string(token);
}

std::string RedactTarget(std::string_view target) {
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  // Path segments, empty ones kept for the output; positions count only the
  // non-empty ones, as the router does: [api/|index.php/]service/method/key.
  std::vector<std::string_view> segs;
  for (size_t from = 0;;) {
    size_t slash = path.find('/', from);
    segs.push_back(path.substr(from, slash - from));
    if (slash == std::string_view::npos) break;
    from = slash + 1;
  }
  std::vector<size_t> named;  // indexes of the non-empty segments
  for (size_t i = 0; i < segs.size(); ++i) {
    if (!segs[i].empty()) named.push_back(i);
  }
  size_t base = 0;
  if (base < named.size() && (EqualsIgnoreCase(segs[named[base]], "api") ||
                              EqualsIgnoreCase(segs[named[base]], "index.php"))) {
    ++base;
  }
  auto plain = [&](size_t n) {
    return n < named.size() && segs[named[n]].find('=') == std::string_view::npos;
  };
  const bool path_style = plain(base) && plain(base + 1) &&
                          !EqualsIgnoreCase(segs[named[base]], "v1") &&
                          !EqualsIgnoreCase(segs[named[base]], "v3");
  const size_t key_index =
      path_style && base + 2 < named.size() ? named[base + 2] : std::string_view::npos;
  std::string out;
  for (size_t i = 0; i < segs.size(); ++i) {
    if (i) out.push_back('/');
    const bool embedded = i > key_index && segs[key_index].find('=') != std::string_view::npos;
    if (i == key_index || (!embedded && HoldsSecret(segs[i]))) {
      // Whatever it holds (even '=', which would start the PHP form's query).
      out += "REDACTED";
    } else if (embedded || segs[i].find('=') != std::string_view::npos) {
      // The rest of the path is a query: redact it as one.
      out += RedactQuery(path.substr(static_cast<size_t>(segs[i].data() - path.data())));
      break;
    } else {
      out.append(segs[i]);
    }
  }
  if (q != std::string_view::npos) {
    out.push_back('?');
    out += RedactQuery(target.substr(q + 1));
  }
  return out;
}

}  // namespace inlinks::query::server
