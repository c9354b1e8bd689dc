// File: tests/query/query_testing.h
//
// Owns: helpers the query tests share: a temporary database indexed by the
// real indexer from pages the test writes, and the naive answers (full scans
// of the reverse index) the query engine must agree with.
//
// Thread safety: test-only, one thread.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "inlinks/core/keys.h"
#include "inlinks/core/records.h"
#include "inlinks/core/url.h"
#include "inlinks/indexer/indexer.h"
#include "inlinks/indexer/rank.h"
#include "inlinks/storage/db.h"
#include "inlinks/storage/records.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace inlinks::query::testing {

using ::inlinks::testing::TempDir;

inline core::Link L(std::string target, std::string anchor = "",
                    core::LinkTag tag = core::LinkTag::kA, uint8_t rel = 0) {
  core::Link l;
  l.target = core::ParseUrl(target).value().href();
  l.anchor = std::move(anchor);
  l.tag = tag;
  l.rel = rel;
  return l;
}

inline core::Page MakePage(std::string url, std::vector<core::Link> links,
                           std::string title = "t") {
  core::Page p;
  p.url = core::ParseUrl(url).value().href();
  p.title = std::move(title);
  for (size_t i = 0; i < links.size(); ++i) links[i].position = static_cast<uint32_t>(i + 1);
  p.links = std::move(links);
  p.total_links = static_cast<uint32_t>(p.links.size());
  p.external_links = p.total_links;
  return p;
}

inline core::FetchFacts At(int64_t t, int status = 200, std::string ip = "192.0.2.1") {
  core::FetchFacts f;
  f.http_status = status;
  f.fetch_time_unix = t;
  f.ip = std::move(ip);
  return f;
}

// A database in a temp dir with an indexer over it.
class IndexedDb {
 public:
  explicit IndexedDb(uint64_t bucket_target = 8) : bucket_target_(bucket_target) {
    db_ = storage::Db::Open(dir_.path()).value();
    OpenIndexer();
  }
  // Runs the rank job as `inlinks rank` does: with no indexer open.
  indexer::RankStats Rank() {
    indexer_.reset();
    auto stats = indexer::RankPages(*db_);
    EXPECT_TRUE(stats.ok()) << stats.status();
    OpenIndexer();
    return stats.ok() ? *stats : indexer::RankStats{};
  }
  void Index(const core::Page& page, const core::FetchFacts& facts) {
    ASSERT_TRUE(indexer_->Index(page, facts).ok());
  }
  void MarkGone(std::string_view url, const core::FetchFacts& facts) {
    ASSERT_TRUE(indexer_->MarkGone(url, facts).ok());
  }
  // Closes the writer (so another process may open the directory).
  void Close() {
    indexer_.reset();
    db_.reset();
  }
  storage::Db& db() { return *db_; }
  std::string dir() const { return dir_.path(); }

  // Every key of `family` in `range`, in key order (the naive answer).
  std::vector<std::string> Keys(storage::Family family, const core::KeyRange& range) const {
    std::vector<std::string> keys;
    auto it = db_->NewIterator(family, range);
    for (it->SeekToFirst(); it->Valid(); it->Next()) keys.emplace_back(it->key());
    EXPECT_TRUE(it->status().ok());
    return keys;
  }
  // `keys` (live reverse keys) in the documented result order, computed
  // from the page records alone: the source's sr descending, then source
  // href, then target URL key, then occurrence.
  std::vector<std::string> InStrengthOrder(std::vector<std::string> keys) const {
    std::map<std::string, int, std::less<>> sr;
    auto key_of = [&](const std::string& k) {
      auto parts = storage::DecodeReverseKey(k).value();
      std::string source(parts.source_href);
      auto found = sr.find(source);
      if (found == sr.end()) {
        auto bytes = db_->Get(storage::Family::kPages, source).value();
        double rank = bytes ? storage::DecodePageValue(*bytes).value().rank : 0;
        found = sr.emplace(source, storage::SrTenths(rank)).first;
      }
      return std::make_tuple(-found->second, source, std::string(parts.target_url_key),
                             parts.occurrence);
    };
    std::vector<std::pair<decltype(key_of(keys[0])), std::string>> sorted;
    for (std::string& k : keys) sorted.emplace_back(key_of(k), std::move(k));
    std::sort(sorted.begin(), sorted.end());
    std::vector<std::string> out;
    for (auto& [order, k] : sorted) out.push_back(std::move(k));
    return out;
  }
  // The live rows of `range` (a Scope's range) in result order.
  std::vector<std::string> LiveInOrder(const core::KeyRange& range) const {
    std::vector<std::string> keys = Keys(storage::Family::kLinks, range);
    return keys.empty() ? keys : InStrengthOrder(std::move(keys));
  }

  // (key, value) pairs, likewise.
  std::vector<std::pair<std::string, storage::LinkValue>> Records(
      storage::Family family, const core::KeyRange& range) const {
    std::vector<std::pair<std::string, storage::LinkValue>> out;
    auto it = db_->NewIterator(family, range);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      out.emplace_back(std::string(it->key()), storage::DecodeLinkValue(it->value()).value());
    }
    return out;
  }

 private:
  void OpenIndexer() {
    indexer::IndexerOptions options;
    options.bucket_target = bucket_target_;
    indexer_ = indexer::Indexer::Create(*db_, options).value();
  }

  uint64_t bucket_target_;
  TempDir dir_;
  std::unique_ptr<storage::Db> db_;
  std::unique_ptr<indexer::Indexer> indexer_;
};

}  // namespace inlinks::query::testing
