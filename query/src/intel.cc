// File: query/src/intel.cc
//
// Owns: the link-intelligence aggregates of QueryEngine (backlinks.h):
// AnchorTexts (anchors with link, nofollow and referring-domain counts) and
// ReferringDomains (referring domains with link counts and first-seen
// times). Both read one snapshot; referring domains are attributed as the
// indexer attributes them (source_domains.h), and checked against the
// scope's per-source-domain counters (docs/keys.md, `P`), so the figures
// agree with ScopeCounts::referring_domains.
//
// Thread safety: as QueryEngine (const methods, per-call state only).
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "inlinks/core/coding.h"
#include "inlinks/core/keys.h"
#include "inlinks/core/status_macros.h"
#include "inlinks/core/string_view.h"
#include "inlinks/query/backlinks.h"
#include "inlinks/storage/records.h"
#include "source_domains.h"

namespace inlinks::query {
namespace {

using storage::Family;

// The fields of a link value the aggregates need, as views into its bytes
// (no copies; docs/keys.md: 0x01 | tag | rel | position:v | first_seen:sv |
// lost_time:sv | target href:str | anchor:str).
struct LinkFields {
  uint8_t rel = 0;
  int64_t first_seen = 0;
  std::string_view anchor;
};

absl::StatusOr<LinkFields> DecodeLinkFields(std::string_view bytes) {
  core::Decoder d(bytes);
  LinkFields f;
  uint8_t version, tag;
  uint32_t position;
  int64_t lost_time;
  std::string_view target;
  if (!d.GetByte(version) || version != 1 || !d.GetByte(tag) || !d.GetByte(f.rel) ||
      !d.GetVarint32(position) || !d.GetVarsint64(f.first_seen) || !d.GetVarsint64(lost_time) ||
      !d.GetLengthPrefixed(target) || !d.GetLengthPrefixed(f.anchor) || !d.done()) {
    return absl::DataLossError("malformed link record");
  }
  return f;
}

absl::Status PastTheEnd(uint64_t offset, uint64_t total) {
  return absl::OutOfRangeError(
      absl::StrCat("offset ", offset, " is past the last entry (total ", total, ")"));
}

template <typename T>
std::vector<T> Window(std::vector<T> all, uint64_t offset, uint64_t limit) {
  if (offset >= all.size()) return {};
  auto begin = all.begin() + static_cast<std::ptrdiff_t>(offset);
  auto end = limit >= all.size() - offset ? all.end() : begin + static_cast<std::ptrdiff_t>(limit);
  return std::vector<T>(std::make_move_iterator(begin), std::make_move_iterator(end));
}

// One positive per-source-domain counter of a scope.
struct PairCount {
  std::string domain_key;  // HostKey of the source's registrable domain
  uint64_t links = 0;
};

// The scope's positive per-source-domain counters, in key order.
absl::StatusOr<std::vector<PairCount>> ReadPairCounters(const storage::Db& db, const Scope& scope,
                                                        const storage::Snapshot* snapshot) {
  std::string prefix = storage::PairCounterKey(scope.counter_kind, scope.counter_scope_key, "");
  core::KeyRange range{prefix, core::PrefixSuccessor(prefix)};
  std::vector<PairCount> out;
  auto it = db.NewIterator(Family::kCounters, range, snapshot);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    storage::ScopeKind kind;
    std::string_view scope_key, source_domain_key;
    if (!storage::ParsePairCounterKey(it->key(), kind, scope_key, source_domain_key) ||
        scope_key != scope.counter_scope_key) {
      continue;  // a longer scope key that shares the prefix bytes
    }
    std::optional<int64_t> n = storage::DecodeCounter(it->value());
    if (!n) return absl::DataLossError("malformed counter");
    if (*n <= 0) continue;  // a source domain whose links are all gone
    out.push_back(PairCount{std::string(source_domain_key), static_cast<uint64_t>(*n)});
  }
  RETURN_IF_ERROR(it->status());
  return out;
}

// Anchor groups of the scope's live links, attributing sources with
// `domains`; `links_per_domain[id]` gets each domain's link count.
// `expected_domains` (the counters' figure) sizes the pair bitmap.
absl::StatusOr<std::vector<AnchorCount>> GroupAnchors(const storage::Db& db, const Scope& scope,
                                                      const storage::Snapshot* snapshot,
                                                      internal::SourceDomains& domains,
                                                      size_t expected_domains,
                                                      std::vector<uint64_t>& links_per_domain) {
  internal::StringIds anchors;
  std::vector<AnchorCount> groups;  // by anchor id; strings filled at the end
  internal::PairSet pairs(expected_domains);
  links_per_domain.assign(expected_domains, 0);
  auto it = db.NewIterator(Family::kLinks, scope.range, snapshot);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ASSIGN_OR_RETURN(LinkFields f, DecodeLinkFields(it->value()));
    uint32_t anchor_id = anchors.Intern(f.anchor);
    if (anchor_id == groups.size()) groups.emplace_back();
    ASSIGN_OR_RETURN(uint32_t domain_id, domains.IdOfReverseKey(it->key()));
    if (domain_id >= links_per_domain.size()) links_per_domain.resize(domain_id + 1, 0);
    ++links_per_domain[domain_id];
    AnchorCount& g = groups[anchor_id];
    ++g.links;
    if (f.rel & core::kRelNofollow) ++g.nofollow_links;
    if (pairs.Insert(anchor_id, domain_id)) ++g.referring_domains;
  }
  RETURN_IF_ERROR(it->status());
  for (uint32_t id = 0; id < groups.size(); ++id) groups[id].anchor = std::string(anchors.Get(id));
  return groups;
}

// True when the link counts per attributed domain equal the counters.
bool AgreesWithCounters(const internal::SourceDomains& domains,
                        const std::vector<uint64_t>& links_per_domain,
                        const std::vector<PairCount>& counters) {
  if (counters.size() != domains.size()) return false;
  absl::flat_hash_map<absl::string_view, uint64_t> want;
  want.reserve(counters.size());
  for (const PairCount& c : counters) want.emplace(core::Av(c.domain_key), c.links);
  for (uint32_t id = 0; id < domains.size(); ++id) {
    auto found = want.find(core::Av(domains.DomainKey(id)));
    uint64_t got = id < links_per_domain.size() ? links_per_domain[id] : 0;
    if (found == want.end() || found->second != got) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<AnchorPage> QueryEngine::AnchorTexts(const Scope& scope, uint64_t offset,
                                                    uint64_t limit) const {
  std::unique_ptr<storage::Snapshot> snapshot = db_.GetSnapshot();
  ASSIGN_OR_RETURN(std::vector<PairCount> counters, ReadPairCounters(db_, scope, snapshot.get()));
  std::vector<uint64_t> links_per_domain;
  internal::SourceDomains by_host;
  ASSIGN_OR_RETURN(std::vector<AnchorCount> all, GroupAnchors(db_, scope, snapshot.get(), by_host,
                                                              counters.size(), links_per_domain));
  if (!AgreesWithCounters(by_host, links_per_domain, counters)) {
    // A page keeps the attribution it was indexed with (a public-suffix
    // list update since): attribute by page record instead, as the indexer did.
    internal::SourceDomains by_page(db_, snapshot.get());
    ASSIGN_OR_RETURN(
        all, GroupAnchors(db_, scope, snapshot.get(), by_page, counters.size(), links_per_domain));
  }
  std::sort(all.begin(), all.end(), [](const AnchorCount& a, const AnchorCount& b) {
    return a.links != b.links ? a.links > b.links : a.anchor < b.anchor;
  });
  AnchorPage page;
  page.total = all.size();
  if (offset > 0 && offset >= page.total) return PastTheEnd(offset, page.total);
  page.anchors = Window(std::move(all), offset, limit);
  return page;
}

namespace {

// A referring domain of the page being answered: its counter key and entry.
struct Wanted {
  std::string_view key;  // HostKey of the domain, as in its P counter
  ReferringDomain* entry;
};

// Sets first_seen of the `wanted` entries from the scope's live links. A
// link counts for the domain its page record names (the indexer's own
// attribution, exact even after a public-suffix list update); to keep point
// reads down, with `by_host` only the links whose host attribution is a
// wanted domain are looked up by page record. True when all links of every
// wanted entry were found (their counts say how many; the scan stops
// there); false when the scan ended first, i.e. the host attribution missed
// some (call again without `by_host`).
absl::StatusOr<bool> FillFirstSeen(const storage::Db& db, const Scope& scope,
                                   const storage::Snapshot* snapshot,
                                   internal::SourceDomains* by_host,
                                   const std::vector<Wanted>& wanted) {
  absl::flat_hash_map<absl::string_view, int32_t> index;  // domain key -> wanted
  uint64_t remaining = 0;
  for (size_t i = 0; i < wanted.size(); ++i) {
    index.emplace(core::Av(wanted[i].key), static_cast<int32_t>(i));
    remaining += wanted[i].entry->links;
    wanted[i].entry->first_seen = INT64_MAX;
  }
  std::vector<uint64_t> found(wanted.size(), 0);
  internal::SourceDomains by_page(db, snapshot);
  // Per domain id of each attribution: the index of its wanted entry or -1.
  std::vector<int32_t> host_slots, page_slots;
  auto slot_of = [&index](const internal::SourceDomains& domains, std::vector<int32_t>& slots,
                          uint32_t id) {
    while (slots.size() <= id) {
      auto w = index.find(core::Av(domains.DomainKey(static_cast<uint32_t>(slots.size()))));
      slots.push_back(w == index.end() ? -1 : w->second);
    }
    return slots[id];
  };
  auto it = db.NewIterator(Family::kLinks, scope.range, snapshot);
  for (it->SeekToFirst(); remaining > 0 && it->Valid(); it->Next()) {
    if (by_host != nullptr) {
      ASSIGN_OR_RETURN(uint32_t host_id, by_host->IdOfReverseKey(it->key()));
      if (slot_of(*by_host, host_slots, host_id) < 0) continue;
    }
    ASSIGN_OR_RETURN(uint32_t page_id, by_page.IdOfReverseKey(it->key()));
    int32_t slot = slot_of(by_page, page_slots, page_id);
    if (slot < 0) continue;
    ASSIGN_OR_RETURN(LinkFields f, DecodeLinkFields(it->value()));
    ReferringDomain* entry = wanted[static_cast<size_t>(slot)].entry;
    entry->first_seen = std::min(entry->first_seen, f.first_seen);
    if (found[static_cast<size_t>(slot)]++ < entry->links) --remaining;
  }
  RETURN_IF_ERROR(it->status());
  for (const Wanted& w : wanted) {
    if (w.entry->first_seen == INT64_MAX) w.entry->first_seen = 0;
  }
  return remaining == 0;
}

}  // namespace

absl::StatusOr<ReferringDomainPage> QueryEngine::ReferringDomains(const Scope& scope,
                                                                  uint64_t offset, uint64_t limit,
                                                                  bool with_first_seen) const {
  std::unique_ptr<storage::Snapshot> snapshot = db_.GetSnapshot();
  ASSIGN_OR_RETURN(std::vector<PairCount> counters, ReadPairCounters(db_, scope, snapshot.get()));
  struct Entry {
    ReferringDomain domain;
    std::string key;
  };
  std::vector<Entry> all;
  all.reserve(counters.size());
  for (PairCount& c : counters) {
    absl::StatusOr<std::string> domain = core::HostFromKey(c.domain_key);
    all.push_back(Entry{ReferringDomain{domain.ok() ? *domain : c.domain_key, c.links, 0},
                        std::move(c.domain_key)});
  }
  std::sort(all.begin(), all.end(), [](const Entry& a, const Entry& b) {
    return a.domain.links != b.domain.links ? a.domain.links > b.domain.links
                                            : a.domain.domain < b.domain.domain;
  });
  ReferringDomainPage page;
  page.total = all.size();
  if (offset > 0 && offset >= page.total) return PastTheEnd(offset, page.total);
  std::vector<Entry> window = Window(std::move(all), offset, limit);
  if (!with_first_seen) {
    for (Entry& e : window) page.domains.push_back(std::move(e.domain));
    return page;
  }

  std::vector<Wanted> wanted;
  wanted.reserve(window.size());
  for (Entry& e : window) wanted.push_back(Wanted{e.key, &e.domain});
  internal::SourceDomains by_host;
  ASSIGN_OR_RETURN(bool complete, FillFirstSeen(db_, scope, snapshot.get(), &by_host, wanted));
  if (!complete) {
    // Some page keeps an older attribution than its host's (see
    // source_domains.h): look up every source page. Incomplete again only
    // if the counters disagree with the links (what `inlinks check`
    // reports); the scan has then seen every link there is.
    ASSIGN_OR_RETURN(complete, FillFirstSeen(db_, scope, snapshot.get(), nullptr, wanted));
  }
  page.domains.reserve(window.size());
  for (Entry& e : window) page.domains.push_back(std::move(e.domain));
  return page;
}

}  // namespace inlinks::query
