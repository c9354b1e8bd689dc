#include "inlinks/indexer/check.h"

#include <map>
#include <set>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "inlinks/core/coding.h"
#include "inlinks/core/domain.h"
#include "inlinks/core/keys.h"
#include "inlinks/core/status_macros.h"
#include "inlinks/storage/records.h"

namespace inlinks::indexer {
namespace {

using storage::Family;
using storage::ScopeKind;

std::string Printable(std::string_view s) {
  return absl::CHexEscape(absl::string_view(s.data(), s.size()));
}

class Checker {
 public:
  explicit Checker(const storage::Db& db) : db_(db), snap_(db.GetSnapshot()) {}

  absl::StatusOr<CheckReport> Run() {
    RETURN_IF_ERROR(LoadAttributions());
    RETURN_IF_ERROR(ScanReverse(Family::kLinks, /*live=*/true));
    RETURN_IF_ERROR(ScanReverse(Family::kLost, /*live=*/false));
    // Referring domains follow from the pair counts.
    for (const auto& [pair, count] : expected_pairs_) {
      if (count > 0) {
        ++Expected(storage::ScopeCounterKey(pair.kind, pair.scope))
            [storage::kReferringDomainsField];
      }
      Expected(storage::PairCounterKey(pair.kind, pair.scope, pair.source_domain))[0] = count;
    }
    RETURN_IF_ERROR(ScanPages());
    RETURN_IF_ERROR(CompareCounters());
    RETURN_IF_ERROR(ScanForward());
    RETURN_IF_ERROR(CheckBuckets());
    return report_;
  }

 private:
  struct Pair {
    ScopeKind kind;
    std::string scope;
    std::string source_domain;
    bool operator<(const Pair& o) const {
      return std::tie(kind, scope, source_domain) < std::tie(o.kind, o.scope, o.source_domain);
    }
  };

  std::vector<int64_t>& Expected(const std::string& key) {
    auto& v = expected_[key];
    v.resize(storage::kMaxCounterFields, 0);
    return v;
  }

  void Error(std::string msg) {
    ++report_.errors;
    if (report_.messages.size() < 50) report_.messages.push_back(std::move(msg));
  }

  // What the writer recorded: the domain scope each link was counted in (its
  // forward entry) and the source domain each page is attributed to (its
  // page record). Counters follow those, not the current public-suffix list.
  absl::Status LoadAttributions() {
    auto pages = db_.NewIterator(Family::kPages, {"", ""}, snap_.get());
    for (pages->SeekToFirst(); pages->Valid(); pages->Next()) {
      ASSIGN_OR_RETURN(storage::PageValue page, storage::DecodePageValue(pages->value()));
      if (!page.source_domain_key.empty()) {
        source_domain_.emplace(std::string(pages->key()), page.source_domain_key);
      }
    }
    RETURN_IF_ERROR(pages->status());
    auto fwd = db_.NewIterator(Family::kForward, {"", ""}, snap_.get());
    for (fwd->SeekToFirst(); fwd->Valid(); fwd->Next()) {
      ASSIGN_OR_RETURN(std::vector<storage::ForwardEntry> entries,
                       storage::DecodeForward(fwd->value()));
      for (const auto& e : entries) {
        stored_domain_len_[storage::ReverseKey(e.target_url_key, fwd->key(), e.occurrence)] =
            e.domain_key_len;
      }
    }
    return fwd->status();
  }

  absl::StatusOr<uint32_t> DomainKeyLen(std::string_view reverse_key, std::string_view url_key) {
    auto stored = stored_domain_len_.find(reverse_key);
    if (stored != stored_domain_len_.end()) return stored->second;
    return DomainKeyLen(url_key);
  }

  absl::StatusOr<uint32_t> DomainKeyLen(std::string_view url_key) {
    std::string_view host_key = storage::HostScopeKey(url_key);
    auto it = domain_len_.find(host_key);
    if (it != domain_len_.end()) return it->second;
    ASSIGN_OR_RETURN(std::string host, core::HostFromKey(host_key));
    auto len = static_cast<uint32_t>(core::HostKey(core::SiteOf(host)).size());
    domain_len_.emplace(std::string(host_key), len);
    return len;
  }

  absl::StatusOr<std::string> SourceDomainKey(std::string_view source_href) {
    auto stored = source_domain_.find(source_href);
    if (stored != source_domain_.end()) return stored->second;
    ASSIGN_OR_RETURN(core::Url source, core::ParseUrl(source_href));
    return core::HostKey(core::SiteOf(source.host()));
  }

  absl::Status ScanReverse(Family family, bool live) {
    auto it = db_.NewIterator(family, {"", ""}, snap_.get());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ASSIGN_OR_RETURN(storage::ReverseKeyParts parts, storage::DecodeReverseKey(it->key()));
      ASSIGN_OR_RETURN(storage::LinkValue value, storage::DecodeLinkValue(it->value()));
      ASSIGN_OR_RETURN(uint32_t domain_len, DomainKeyLen(it->key(), parts.target_url_key));
      std::string_view scopes[3] = {
          storage::DomainScopeKey(parts.target_url_key, domain_len),
          storage::HostScopeKey(parts.target_url_key), parts.target_url_key};
      ScopeKind kinds[3] = {ScopeKind::kDomain, ScopeKind::kHost, ScopeKind::kUrl};
      std::string source(parts.source_href);
      auto& by_source = live ? live_by_source_ : lost_by_source_;
      by_source[source].insert(
          {std::string(parts.target_url_key), parts.occurrence});
      if (live) {
        ++report_.live_links;
        ASSIGN_OR_RETURN(std::string source_domain, SourceDomainKey(source));
        for (int i = 0; i < 3; ++i) {
          ++Expected(storage::ScopeCounterKey(kinds[i], scopes[i]))[storage::kLiveField];
          ++expected_pairs_[Pair{kinds[i], std::string(scopes[i]), source_domain}];
        }
      } else {
        ++report_.lost_links;
        if (value.lost_time == 0) Error("lost record without lost time: " + Printable(it->key()));
        for (int i = 0; i < 3; ++i) {
          ++Expected(storage::ScopeCounterKey(kinds[i], scopes[i]))[storage::kLostField];
        }
        ASSIGN_OR_RETURN(std::optional<std::string> also_live,
                         db_.Get(Family::kLinks, it->key(), snap_.get()));
        if (also_live.has_value()) {
          Error("link both live and lost: " + Printable(it->key()));
        }
      }
    }
    return it->status();
  }

  absl::Status ScanPages() {
    auto it = db_.NewIterator(Family::kPages, {"", ""}, snap_.get());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ASSIGN_OR_RETURN(storage::PageValue page, storage::DecodePageValue(it->value()));
      ++report_.pages;
      forgotten_[std::string(it->key())] = page.forgotten_lost;
      auto live = live_by_source_.find(std::string(it->key()));
      size_t n = live == live_by_source_.end() ? 0 : live->second.size();
      if (page.live_records != n) {
        Error(absl::StrCat("page ", std::string(it->key()), " says ", page.live_records,
                           " live records, the index has ", n));
      }
    }
    RETURN_IF_ERROR(it->status());
    Expected(storage::PagesCounterKey())[0] = static_cast<int64_t>(report_.pages);
    return absl::OkStatus();
  }

  absl::Status CompareCounters() {
    std::map<std::string, std::vector<int64_t>> stored;
    auto it = db_.NewIterator(Family::kCounters, {"", ""}, snap_.get());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::optional<std::vector<int64_t>> v = storage::DecodeCounters(it->value());
      if (!v) return absl::DataLossError("malformed counter " + Printable(it->key()));
      v->resize(storage::kMaxCounterFields, 0);
      stored.emplace(std::string(it->key()), *std::move(v));
    }
    RETURN_IF_ERROR(it->status());
    const std::vector<int64_t> zeros(storage::kMaxCounterFields, 0);
    for (const auto& [key, want] : expected_) {
      ++report_.counters_checked;
      auto s = stored.find(key);
      const std::vector<int64_t>& got = s == stored.end() ? zeros : s->second;
      if (got != want) {
        Error(absl::StrCat("counter ", Printable(key), " is [", absl::StrJoin(got, ","),
                           "], records say [", absl::StrJoin(want, ","), "]"));
      }
    }
    for (const auto& [key, got] : stored) {
      if (got != zeros && !expected_.contains(key)) {
        ++report_.counters_checked;
        Error(absl::StrCat("counter ", Printable(key), " is [", absl::StrJoin(got, ","),
                           "], records say 0"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status ScanForward() {
    std::set<std::string> sources;
    auto it = db_.NewIterator(Family::kForward, {"", ""}, snap_.get());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string source(it->key());
      sources.insert(source);
      ASSIGN_OR_RETURN(std::vector<storage::ForwardEntry> entries,
                       storage::DecodeForward(it->value()));
      std::set<std::pair<std::string, uint32_t>> live, lost;
      for (const auto& e : entries) {
        (e.lost ? lost : live).insert({e.target_url_key, e.occurrence});
      }
      const auto& have_live = live_by_source_[source];
      if (live != have_live) {
        Error(absl::StrCat("forward record of ", source, " lists ", live.size(),
                           " live links, the reverse index has ", have_live.size()));
      }
      const auto& have_lost = lost_by_source_[source];
      for (const auto& l : lost) {
        if (!have_lost.contains(l)) {
          Error(absl::StrCat("forward record of ", source, " remembers a lost link with no lost record"));
        }
      }
      uint64_t forgotten = have_lost.size() >= lost.size() ? have_lost.size() - lost.size() : 0;
      if (forgotten != forgotten_[source]) {
        Error(absl::StrCat("page ", source, " says ", forgotten_[source],
                           " forgotten lost links, the lost records say ", forgotten));
      }
    }
    RETURN_IF_ERROR(it->status());
    for (const auto& [source, links] : live_by_source_) {
      if (!links.empty() && !sources.contains(source)) {
        Error(absl::StrCat("reverse records of ", source, " have no forward record"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status CheckBuckets() {
    std::vector<std::pair<std::string, int64_t>> buckets;
    auto it = db_.NewIterator(Family::kBuckets, {"", ""}, snap_.get());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      core::Decoder d(it->value());
      uint64_t count;
      if (!d.GetVarint64(count) || !d.done()) return absl::DataLossError("malformed bucket");
      buckets.emplace_back(std::string(it->key()), static_cast<int64_t>(count));
    }
    RETURN_IF_ERROR(it->status());
    if (buckets.empty()) {
      if (report_.live_links > 0) Error("live links but no pagination buckets");
      return absl::OkStatus();
    }
    if (!buckets.front().first.empty()) Error("first pagination bucket does not start at \"\"");
    for (size_t i = 0; i < buckets.size(); ++i) {
      std::string end = i + 1 < buckets.size() ? buckets[i + 1].first : std::string();
      auto links = db_.NewIterator(Family::kLinks, {buckets[i].first, end}, snap_.get());
      int64_t n = 0;
      for (links->SeekToFirst(); links->Valid(); links->Next()) ++n;
      RETURN_IF_ERROR(links->status());
      ++report_.buckets_checked;
      if (n != buckets[i].second) {
        Error(absl::StrCat("bucket ", Printable(buckets[i].first), " counts ", buckets[i].second,
                           ", its range holds ", n));
      }
    }
    return absl::OkStatus();
  }

  const storage::Db& db_;
  std::unique_ptr<storage::Snapshot> snap_;
  CheckReport report_;
  std::map<std::string, std::vector<int64_t>> expected_;
  std::map<Pair, int64_t> expected_pairs_;
  std::map<std::string, uint32_t, std::less<>> domain_len_;
  std::map<std::string, uint64_t> forgotten_;
  std::map<std::string, std::string, std::less<>> source_domain_;
  std::map<std::string, uint32_t, std::less<>> stored_domain_len_;
  std::map<std::string, std::set<std::pair<std::string, uint32_t>>> live_by_source_;
  std::map<std::string, std::set<std::pair<std::string, uint32_t>>> lost_by_source_;
};

}  // namespace

absl::StatusOr<CheckReport> CheckIndex(const storage::Db& db) { return Checker(db).Run(); }

}  // namespace inlinks::indexer
