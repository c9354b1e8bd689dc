// Referring-domain attribution of source pages (source_domains.h).
#include "source_domains.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "inlinks/core/domain.h"
#include "inlinks/core/keys.h"
#include "inlinks/core/status_macros.h"
#include "inlinks/core/string_view.h"
#include "inlinks/core/url.h"
#include "inlinks/storage/records.h"

namespace inlinks::query::internal {

std::string_view HrefHost(std::string_view href) {
  size_t start = href.find("://");
  if (start == std::string_view::npos) return {};
  start += 3;
  // The authority ends at the path (a normalized href always has one), the
  // query or the fragment; the last '@' before it ends the userinfo (kept by
  // normalization, core/url.h; an '@' inside it is percent-encoded).
  size_t end = start;
  size_t host_start = start;
  for (; end < href.size(); ++end) {
    char c = href[end];
    if (c == '/' || c == '?' || c == '#') break;
    if (c == '@') host_start = end + 1;
  }
  std::string_view host = href.substr(host_start, end - host_start);
  if (!host.empty() && host.front() == '[') {  // IPv6 literal
    size_t close = host.find(']');
    return close == std::string_view::npos ? host : host.substr(0, close + 1);
  }
  return host.substr(0, host.find(':'));
}

uint32_t StringIds::Intern(std::string_view s, bool* added) {
  if (auto found = ids_.find(core::Av(s)); found != ids_.end()) return found->second;
  // Copy the bytes into the arena: chunks of 64 KiB (or the string's size).
  constexpr size_t kChunk = 64 * 1024;
  if (chunks_.empty() || chunk_used_ + s.size() > chunk_size_) {
    chunk_size_ = std::max(kChunk, s.size());
    chunks_.push_back(std::make_unique<char[]>(chunk_size_));
    chunk_used_ = 0;
  }
  char* at = chunks_.back().get() + chunk_used_;
  if (!s.empty()) std::memcpy(at, s.data(), s.size());
  chunk_used_ += s.size();
  absl::string_view stored(at, s.size());
  auto id = static_cast<uint32_t>(views_.size());
  views_.push_back(stored);
  ids_.emplace(stored, id);
  if (added != nullptr) *added = true;
  return id;
}

int64_t StringIds::Find(std::string_view s) const {
  auto found = ids_.find(core::Av(s));
  return found == ids_.end() ? int64_t{-1} : static_cast<int64_t>(found->second);
}

uint32_t SourceDomains::IdOfHost(std::string_view host) {
  bool added = false;
  uint32_t host_id = hosts_.Intern(host, &added);
  if (added) {
    // The indexer's attribution (indexer.cc, Prepare): HostKey(SiteOf(host)).
    host_domain_.push_back(domains_.Intern(core::HostKey(core::SiteOf(host))));
  }
  return host_domain_[host_id];
}

absl::StatusOr<uint32_t> SourceDomains::IdOfHref(std::string_view href) {
  std::string_view host = HrefHost(href);
  std::string parsed_host;
  if (host.empty()) {
    // Not the normalized form HrefHost expects: parse it properly.
    absl::StatusOr<core::Url> url = core::ParseUrl(href);
    if (url.ok()) parsed_host = std::string(url->host());
    host = parsed_host;
  }
  if (db_ == nullptr) return IdOfHost(host);

  bool added = false;
  uint32_t href_id = hrefs_.Intern(href, &added);
  if (!added) return href_domain_[href_id];
  ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                   db_->Get(storage::Family::kPages, href, snapshot_));
  std::string key;
  if (bytes) {
    ASSIGN_OR_RETURN(storage::PageValue page, storage::DecodePageValue(*bytes));
    key = std::move(page.source_domain_key);
  }
  uint32_t id = key.empty() ? IdOfHost(host) : domains_.Intern(key);
  href_domain_.push_back(id);
  return id;
}

absl::StatusOr<uint32_t> SourceDomains::IdOfReverseKey(std::string_view key) {
  ASSIGN_OR_RETURN(storage::ReverseKeyParts parts, storage::DecodeReverseKey(key));
  return IdOfHref(parts.source_href);
}

}  // namespace inlinks::query::internal
