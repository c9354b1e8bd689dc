// Scope key encoding. See keys.h and docs/keys.md.
#include "inlinks/core/keys.h"

#include "absl/strings/str_cat.h"
#include "inlinks/core/domain.h"

namespace inlinks::core {

bool KeyRange::Contains(std::string_view key) const {
  return key >= begin && (end.empty() || key < end);
}

std::string PrefixSuccessor(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty()) {
    auto& c = reinterpret_cast<unsigned char&>(s.back());
    if (c != 0xFF) {
      ++c;
      return s;
    }
    s.pop_back();
  }
  return s;
}

std::string HostKey(std::string_view host) {
  std::string key;
  key.reserve(host.size() + 1);
  if (IsIpLiteral(host)) {
    key.append(host);
    key.push_back('.');
    return key;
  }
  // Labels from the right. A trailing dot names the same host as without
  // it ("example.com." is "example.com"), unless nothing would be left.
  if (host.size() > 1 && host.back() == '.') host.remove_suffix(1);
  size_t end = host.size();
  while (true) {
    size_t dot = end == 0 ? std::string_view::npos : host.rfind('.', end - 1);
    size_t start = dot == std::string_view::npos ? 0 : dot + 1;
    key.append(host.substr(start, end - start));
    key.push_back('.');
    if (dot == std::string_view::npos) break;
    end = dot;
  }
  return key;
}

absl::StatusOr<std::string> HostFromKey(std::string_view key) {
  if (key.size() < 2 || key.back() != '.') {
    return absl::InvalidArgumentError("not a host key: missing final '.'");
  }
  key.remove_suffix(1);
  if (key.find('\0') != std::string_view::npos) {
    return absl::InvalidArgumentError("not a host key: contains NUL");
  }
  if (IsIpLiteral(key)) return std::string(key);
  std::string host;
  host.reserve(key.size());
  size_t end = key.size();
  while (true) {
    size_t dot = end == 0 ? std::string_view::npos : key.rfind('.', end - 1);
    size_t start = dot == std::string_view::npos ? 0 : dot + 1;
    host.append(key.substr(start, end - start));
    if (dot == std::string_view::npos) break;
    host.push_back('.');
    end = dot;
  }
  return host;
}

KeyRange DomainScope(std::string_view domain) {
  std::string begin = HostKey(domain);
  std::string end = PrefixSuccessor(begin);
  return {std::move(begin), std::move(end)};
}

KeyRange HostScope(std::string_view host) {
  std::string begin = HostKey(host);
  begin.push_back('\0');
  std::string end = PrefixSuccessor(begin);
  return {std::move(begin), std::move(end)};
}

std::string UrlKey(const Url& url) {
  std::string key = HostKey(url.host());
  key.push_back('\0');
  key.push_back(static_cast<char>(url.port() >> 8));
  key.push_back(static_cast<char>(url.port() & 0xFF));
  key.append(url.PathAndQuery());
  key.push_back('\0');
  return key;
}

KeyRange UrlScope(const Url& url) {
  std::string begin = UrlKey(url);
  std::string end = PrefixSuccessor(begin);
  return {std::move(begin), std::move(end)};
}

absl::StatusOr<UrlKeyParts> DecodeUrlKey(std::string_view key) {
  size_t host_end = key.find('\0');
  if (host_end == std::string_view::npos) {
    return absl::InvalidArgumentError("not a URL key: no host terminator");
  }
  UrlKeyParts parts;
  auto host = HostFromKey(key.substr(0, host_end));
  if (!host.ok()) return host.status();
  parts.host = *std::move(host);
  if (key.size() < host_end + 3) {
    return absl::InvalidArgumentError("not a URL key: truncated port");
  }
  parts.port = static_cast<uint16_t>(
      (static_cast<unsigned char>(key[host_end + 1]) << 8) |
      static_cast<unsigned char>(key[host_end + 2]));
  size_t path_begin = host_end + 3;
  size_t path_end = key.find('\0', path_begin);
  if (path_end == std::string_view::npos) {
    return absl::InvalidArgumentError("not a URL key: no path terminator");
  }
  parts.path_and_query = std::string(key.substr(path_begin, path_end - path_begin));
  if (parts.path_and_query.empty() || parts.path_and_query.front() != '/') {
    return absl::InvalidArgumentError("not a URL key: path must start with '/'");
  }
  parts.key_size = path_end + 1;
  return parts;
}

std::string DisplayUrl(const UrlKeyParts& parts) {
  if (parts.port == 0) return absl::StrCat(parts.host, parts.path_and_query);
  return absl::StrCat(parts.host, ":", parts.port, parts.path_and_query);
}

}  // namespace inlinks::core
