#include "inlinks/indexer/check.h"

#include <array>
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
#include "inlinks/core/string_view.h"
#include "inlinks/storage/buckets.h"
#include "inlinks/storage/records.h"
#include "journal.h"

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
    RETURN_IF_ERROR(LoadPending());
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
    RETURN_IF_ERROR(CheckHistory());
    RETURN_IF_ERROR(ScanForward());
    RETURN_IF_ERROR(CheckStrength());
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
      for (int i = 0; i < 3; ++i) {
        if (!storage::KeepsDailyHistory(kinds[i])) continue;
        auto& days = history_[storage::ScopeCounterKey(kinds[i], scopes[i])];
        ++days[storage::UnixDay(value.first_seen)][kFirstSeenThatDay];
        if (!live) ++days[storage::UnixDay(value.lost_time)][kStillLostThatDay];
      }
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

  // The pages the journal holds (indexed, not yet folded by a refresh):
  // their page and forward records are ahead of the published view, so
  // they are not compared with it.
  absl::Status LoadPending() {
    // Entries at or below the last one folded are published (a crash can
    // leave them behind their fold).
    ASSIGN_OR_RETURN(std::optional<uint64_t> folded, storage::GetJournalFolded(db_, snap_.get()));
    const std::string from = folded ? internal::JournalKey(*folded + 1) : std::string();
    auto it = db_.NewIterator(Family::kJournal, {from, ""}, snap_.get());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ASSIGN_OR_RETURN(std::vector<internal::JournalPage> pages,
                       internal::DecodeJournalEntry(it->value()));
      for (const internal::JournalPage& p : pages) {
        pending_.insert(p.source);
        if (p.new_page) ++pending_new_pages_;
      }
      ++report_.journal_entries;
    }
    report_.pages_pending = pending_.size();
    return it->status();
  }

  absl::Status ScanPages() {
    auto it = db_.NewIterator(Family::kPages, {"", ""}, snap_.get());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ASSIGN_OR_RETURN(storage::PageValue page, storage::DecodePageValue(it->value()));
      ++report_.pages;
      forgotten_[std::string(it->key())] = page.forgotten_lost;
      if (pending_.contains(it->key())) continue;
      auto live = live_by_source_.find(std::string(it->key()));
      size_t n = live == live_by_source_.end() ? 0 : live->second.size();
      if (page.live_records != n) {
        Error(absl::StrCat("page ", std::string(it->key()), " says ", page.live_records,
                           " live records, the index has ", n));
      }
    }
    RETURN_IF_ERROR(it->status());
    Expected(storage::PagesCounterKey())[0] =
        static_cast<int64_t>(report_.pages) - pending_new_pages_;
    return absl::OkStatus();
  }

  absl::Status CompareCounters() {
    std::map<std::string, std::vector<int64_t>>& stored = stored_;
    auto it = db_.NewIterator(Family::kCounters, {"", ""}, snap_.get());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::optional<std::vector<int64_t>> v = storage::DecodeCounters(it->value());
      if (!v) return absl::DataLossError("malformed counter " + Printable(it->key()));
      v->resize(storage::kMaxCounterFields, 0);
      char letter;
      ScopeKind kind;
      std::string_view scope;
      uint32_t day;
      if (storage::ParseDayCounterKey(it->key(), letter, kind, scope, day)) {
        // Daily history: checked by CheckHistory.
        auto& stored_day = stored_history_[storage::ScopeCounterKey(kind, scope)][day];
        if (letter == 'D') {
          stored_day.daily = *v;
        } else {
          stored_day.revived_by_lost_day = (*v)[0];
          if ((*v)[1] != 0 || (*v)[2] != 0 || (*v)[3] != 0) {
            Error("revival counter with more than one field: " + Printable(it->key()));
          }
        }
        continue;
      }
      if (!it->key().empty() && (it->key()[0] == 'D' || it->key()[0] == 'V')) {
        Error("malformed daily history counter key " + Printable(it->key()));
        continue;
      }
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

  // Daily history (docs/keys.md "Daily history"). Per scope and day that
  // lies after the history began: D.new = records first seen that day, and
  // D.lost - V = records still lost with a lost time that day. When the
  // history is complete: the daily changes add up to the scope counter's
  // live links and referring domains, and every revival is counted under
  // its lost day. No counter lies after the recorded last day.
  absl::Status CheckHistory() {
    ASSIGN_OR_RETURN(report_.history_since, storage::GetHistorySince(db_, snap_.get()));
    if (!report_.history_since) {
      if (!stored_history_.empty()) {
        Error(absl::StrCat("daily history counters without ", storage::kHistorySinceMetaKey));
      }
      return absl::OkStatus();
    }
    // Readers find a scope's days by point reads up to the last day.
    ASSIGN_OR_RETURN(uint32_t last_day, storage::GetHistoryLastDay(db_, snap_.get()));
    const std::vector<int64_t> zeros(storage::kMaxCounterFields, 0);
    for (const auto& [scope, days] : stored_history_) {
      for (auto d = days.upper_bound(last_day); d != days.end(); ++d) {
        if (d->second.daily == zeros && d->second.revived_by_lost_day == 0) continue;
        Error(absl::StrCat("daily history of ", Printable(scope), " has day ", d->first, " after ",
                           storage::kHistoryLastDayMetaKey, " ", last_day));
        break;
      }
    }
    const bool complete = *report_.history_since == 0;
    const uint32_t first_exact_day = complete ? 0 : storage::UnixDay(*report_.history_since) + 1;
    std::set<std::string> scopes;
    for (const auto& [scope, days] : history_) scopes.insert(scope);
    for (const auto& [scope, days] : stored_history_) scopes.insert(scope);
    const StoredDay no_day;
    const std::map<uint32_t, StoredDay> no_stored;
    const std::map<uint32_t, std::array<int64_t, 2>> no_records;
    for (const std::string& scope : scopes) {
      auto s = stored_history_.find(scope);
      if (!storage::KeepsDailyHistory(static_cast<ScopeKind>(scope[1]))) {
        if (s == stored_history_.end()) continue;
        for (const auto& [day, v] : s->second) {
          if (v.daily == zeros && v.revived_by_lost_day == 0) continue;
          Error("daily history counters of a scope kind that keeps none: " + Printable(scope));
          break;
        }
        continue;
      }
      const auto& stored_days = s == stored_history_.end() ? no_stored : s->second;
      auto r = history_.find(scope);
      const auto& record_days = r == history_.end() ? no_records : r->second;
      std::set<uint32_t> days;
      for (const auto& [day, v] : stored_days) days.insert(day);
      for (const auto& [day, v] : record_days) days.insert(day);
      int64_t live = 0, referring_domains = 0, revived = 0, revived_by_lost_day = 0;
      for (uint32_t day : days) {
        auto sd = stored_days.find(day);
        const StoredDay& got = sd == stored_days.end() ? no_day : sd->second;
        auto rd = record_days.find(day);
        const std::array<int64_t, 2> want =
            rd == record_days.end() ? std::array<int64_t, 2>{0, 0} : rd->second;
        live += got.daily[storage::kDailyNewField] - got.daily[storage::kDailyLostField] +
                got.daily[storage::kDailyRevivedField];
        referring_domains += got.daily[storage::kDailyReferringDomainsField];
        revived += got.daily[storage::kDailyRevivedField];
        revived_by_lost_day += got.revived_by_lost_day;
        if (day < first_exact_day) continue;
        ++report_.history_days_checked;
        ++report_.counters_checked;
        const int64_t still_lost = got.daily[storage::kDailyLostField] - got.revived_by_lost_day;
        if (got.daily[storage::kDailyNewField] != want[kFirstSeenThatDay] ||
            still_lost != want[kStillLostThatDay]) {
          Error(absl::StrCat("daily history of ", Printable(scope), " on day ", day, " says ",
                             got.daily[storage::kDailyNewField], " new and ", still_lost,
                             " still lost; records say ", want[kFirstSeenThatDay], " and ",
                             want[kStillLostThatDay]));
        }
      }
      if (!complete) continue;
      auto c = stored_.find(scope);
      const int64_t want_live = c == stored_.end() ? 0 : c->second[storage::kLiveField];
      const int64_t want_rd = c == stored_.end() ? 0 : c->second[storage::kReferringDomainsField];
      if (live != want_live || referring_domains != want_rd || revived != revived_by_lost_day) {
        Error(absl::StrCat("daily history of ", Printable(scope), " adds up to ", live,
                           " live links and ", referring_domains, " referring domains (", revived,
                           " revivals, ", revived_by_lost_day, " by lost day); the counter says ",
                           want_live, " and ", want_rd));
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
      if (pending_.contains(source)) continue;
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

  // The strength order (indexer/order.h): once complete, every live link
  // has exactly one entry per scope kind, in its own scope, at its source
  // page's strength, with its tag and rel.
  absl::Status CheckStrength() {
    ASSIGN_OR_RETURN(std::optional<std::string> complete,
                     db_.Get(Family::kMeta, storage::kStrengthOrderMetaKey, snap_.get()));
    if (!complete) {
      // An older database: its key-order directory is what readers use.
      return CheckBuckets(storage::kLinkBuckets, report_.live_links);
    }
    report_.strength_order = true;
    {
      auto it = db_.NewIterator(Family::kBuckets, {"", ""}, snap_.get());
      it->SeekToFirst();
      RETURN_IF_ERROR(it->status());
      if (it->Valid()) Error("a key-order pagination directory beside the strength order");
    }
    std::map<std::string, uint8_t, std::less<>> sr_of;
    uint64_t per_kind[3] = {0, 0, 0};
    auto it = db_.NewIterator(Family::kStrength, {"", ""}, snap_.get());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++report_.strength_entries;
      absl::StatusOr<storage::StrengthKeyParts> parts = storage::DecodeStrengthKey(it->key());
      if (!parts.ok()) {
        Error("malformed strength entry: " + Printable(it->key()));
        continue;
      }
      std::string reverse = storage::ReverseKeyOf(*parts);
      std::string url_key = absl::StrCat(core::Av(parts->scope_key), core::Av(parts->target_rest));
      ASSIGN_OR_RETURN(std::optional<std::string> link,
                       db_.Get(Family::kLinks, reverse, snap_.get()));
      if (!link) {
        Error("strength entry of no live link: " + Printable(it->key()));
        continue;
      }
      if (*link != it->value()) {
        Error("strength entry's value differs from its link's: " + Printable(it->key()));
      }
      std::string_view want_scope;
      int kind = 0;
      switch (parts->kind) {
        case ScopeKind::kDomain: {
          ASSIGN_OR_RETURN(uint32_t len, DomainKeyLen(reverse, url_key));
          want_scope = storage::DomainScopeKey(url_key, len);
          kind = 0;
          break;
        }
        case ScopeKind::kHost:
          want_scope = storage::HostScopeKey(url_key);
          kind = 1;
          break;
        case ScopeKind::kUrl:
          want_scope = url_key;
          kind = 2;
          break;
      }
      if (parts->scope_key != want_scope) {
        Error("strength entry in the wrong scope: " + Printable(it->key()));
      }
      ++per_kind[kind];
      std::string source(parts->source_href);
      auto sr = sr_of.find(source);
      if (sr == sr_of.end()) {
        ASSIGN_OR_RETURN(std::optional<std::string> page,
                         db_.Get(Family::kPages, source, snap_.get()));
        double rank = 0;
        if (page) {
          ASSIGN_OR_RETURN(storage::PageValue v, storage::DecodePageValue(*page));
          rank = v.rank;
        }
        sr = sr_of.emplace(source, storage::SrTenths(rank)).first;
      }
      if (parts->sr_tenths != sr->second) {
        Error(absl::StrCat("strength entry at sr ", parts->sr_tenths / 10.0,
                           ", its source page has ", sr->second / 10.0, ": ",
                           Printable(it->key())));
      }
    }
    RETURN_IF_ERROR(it->status());
    const char* names[3] = {"domain", "host", "URL"};
    for (int k = 0; k < 3; ++k) {
      if (per_kind[k] != report_.live_links) {
        Error(absl::StrCat(per_kind[k], " strength entries of ", names[k], " scopes for ",
                           report_.live_links, " live links"));
      }
    }
    return CheckBuckets(storage::kStrengthOrderBuckets, report_.strength_entries);
  }

  absl::Status CheckBuckets(storage::BucketFamilies families, uint64_t records) {
    std::vector<std::pair<std::string, int64_t>> buckets;
    auto it = db_.NewIterator(families.buckets, {"", ""}, snap_.get());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      core::Decoder d(it->value());
      uint64_t count;
      if (!d.GetVarint64(count) || !d.done()) return absl::DataLossError("malformed bucket");
      buckets.emplace_back(std::string(it->key()), static_cast<int64_t>(count));
    }
    RETURN_IF_ERROR(it->status());
    if (buckets.empty()) {
      if (records > 0) Error("records but no pagination buckets");
      return absl::OkStatus();
    }
    if (!buckets.front().first.empty()) Error("first pagination bucket does not start at \"\"");
    for (size_t i = 0; i < buckets.size(); ++i) {
      std::string end = i + 1 < buckets.size() ? buckets[i + 1].first : std::string();
      auto links = db_.NewIterator(families.data, {buckets[i].first, end}, snap_.get());
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
  // Every stored counter except the daily history ones.
  std::map<std::string, std::vector<int64_t>> stored_;
  // Per scope (its 'C' key) and day: what the records say ...
  enum { kFirstSeenThatDay = 0, kStillLostThatDay = 1 };
  std::map<std::string, std::map<uint32_t, std::array<int64_t, 2>>> history_;
  // ... and what the 'D' and 'V' counters say.
  struct StoredDay {
    std::vector<int64_t> daily = std::vector<int64_t>(storage::kMaxCounterFields, 0);
    int64_t revived_by_lost_day = 0;
  };
  std::map<std::string, std::map<uint32_t, StoredDay>> stored_history_;
  std::map<Pair, int64_t> expected_pairs_;
  std::map<std::string, uint32_t, std::less<>> domain_len_;
  std::map<std::string, uint64_t> forgotten_;
  std::set<std::string, std::less<>> pending_;  // sources in the journal
  int64_t pending_new_pages_ = 0;
  std::map<std::string, std::string, std::less<>> source_domain_;
  std::map<std::string, uint32_t, std::less<>> stored_domain_len_;
  std::map<std::string, std::set<std::pair<std::string, uint32_t>>> live_by_source_;
  std::map<std::string, std::set<std::pair<std::string, uint32_t>>> lost_by_source_;
};

}  // namespace

absl::StatusOr<CheckReport> CheckIndex(const storage::Db& db) { return Checker(db).Run(); }

}  // namespace inlinks::indexer
