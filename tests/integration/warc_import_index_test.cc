// End to end through the second ingestion path: WARC files -> HTTP parsing ->
// extractor -> indexer -> RocksDB, then a later crawl of the same pages in a
// second WARC (.gz) loses and adds links; counters, pages and the consistency
// check are verified against what the pages say.
#include <filesystem>
#include <string>

#include "gtest/gtest.h"
#include "tests/testing/compress.h"
#include "inlinks/core/keys.h"
#include "inlinks/core/url.h"
#include "inlinks/crawler/warc_import.h"
#include "inlinks/indexer/check.h"
#include "inlinks/indexer/indexer.h"
#include "inlinks/storage/records.h"
#include "tests/testing/status_matchers.h"

namespace inlinks {
namespace {

using storage::ScopeKind;

std::string Response(const std::string& uri, const std::string& date, const std::string& html,
                     int status = 200) {
  std::string http = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: text/html\r\n" +
                     "Content-Length: " + std::to_string(html.size()) + "\r\n\r\n" + html;
  return "WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: " + uri + "\r\nWARC-Date: " + date +
         "\r\nWARC-IP-Address: 198.51.100.9\r\nContent-Length: " + std::to_string(http.size()) +
         "\r\n\r\n" + http + "\r\n\r\n";
}


void Write(const std::filesystem::path& p, const std::string& bytes) {
  FILE* f = std::fopen(p.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
}

class WarcImportIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("inlinks_warc_e2e_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(WarcImportIndexTest, TwoCrawlsThroughWarcFilesKeepExactCounts) {
  // Crawl 1: two sites link to example.com.
  std::string crawl1 =
      Response("https://www.blog-a.org/post", "2026-01-01T00:00:00Z",
               "<title>Post A</title><a href='https://www.example.com/'>Example home</a>"
               "<a href='https://www.example.com/pricing' rel=nofollow>pricing</a>"
               "<a href='/about'>about</a>") +
      Response("http://news-b.net/", "2026-01-01T00:00:01Z",
               "<title>News B</title><a href='https://example.com/'><img alt='logo'></a>");
  Write(dir_ / "crawl1.warc", crawl1);
  // Crawl 2 (gzip): blog-a dropped the pricing link; news-b is gone.
  std::string crawl2 =
      inlinks::testing::Gzip(Response("https://www.blog-a.org/post", "2026-02-01T00:00:00Z",
                          "<title>Post A v2</title><a href='https://www.example.com/'>Example "
                          "home</a><a href='/about'>about</a>")) +
      inlinks::testing::Gzip(Response("http://news-b.net/", "2026-02-01T00:00:01Z", "", 404));
  Write(dir_ / "crawl2.warc.gz", crawl2);

  ASSERT_OK_AND_ASSIGN(auto db, storage::Db::Open((dir_ / "db").string()));
  ASSERT_OK_AND_ASSIGN(auto indexer, indexer::Indexer::Create(*db));

  ASSERT_OK_AND_ASSIGN(auto s1, crawler::ImportWarcFile((dir_ / "crawl1.warc").string(), *indexer));
  EXPECT_EQ(s1.pages, 2u);
  EXPECT_EQ(s1.links, 4u);
  auto example = storage::GetScopeCounts(*db, ScopeKind::kDomain, core::HostKey("example.com")).value();
  EXPECT_EQ(example.live, 3);
  EXPECT_EQ(example.referring_domains, 2);
  auto home = storage::GetScopeCounts(
      *db, ScopeKind::kUrl, core::UrlKey(core::ParseUrl("http://www.example.com/").value())).value();
  EXPECT_EQ(home.live, 1);  // news-b links to example.com/, not www.
  ASSERT_OK_AND_ASSIGN(indexer::CheckReport r1, indexer::CheckIndex(*db));
  EXPECT_TRUE(r1.ok()) << r1.messages[0];

  ASSERT_OK_AND_ASSIGN(auto s2,
                       crawler::ImportWarcFile((dir_ / "crawl2.warc.gz").string(), *indexer));
  EXPECT_EQ(s2.pages, 2u);
  EXPECT_EQ(s2.gone, 1u);
  example = storage::GetScopeCounts(*db, ScopeKind::kDomain, core::HostKey("example.com")).value();
  EXPECT_EQ(example.live, 1);
  EXPECT_EQ(example.lost, 2);
  EXPECT_EQ(example.referring_domains, 1);

  // The surviving link kept its first-seen (crawl 1); the page moved on.
  std::string key = storage::ReverseKey(
      core::UrlKey(core::ParseUrl("https://www.example.com/").value()),
      "https://www.blog-a.org/post", 0);
  auto link = storage::DecodeLinkValue(*db->Get(storage::Family::kLinks, key).value()).value();
  EXPECT_EQ(link.first_seen, 1767225600);  // 2026-01-01T00:00:00Z
  EXPECT_EQ(link.anchor, "Example home");
  auto page = storage::DecodePageValue(
                  *db->Get(storage::Family::kPages, "https://www.blog-a.org/post").value())
                  .value();
  EXPECT_EQ(page.title, "Post A v2");
  EXPECT_EQ(page.last_fetch, 1769904000);  // 2026-02-01T00:00:00Z
  EXPECT_EQ(page.ip, "198.51.100.9");
  auto gone = storage::DecodePageValue(
                  *db->Get(storage::Family::kPages, "http://news-b.net/").value())
                  .value();
  EXPECT_EQ(gone.http_status, 404);
  ASSERT_OK_AND_ASSIGN(indexer::CheckReport r2, indexer::CheckIndex(*db));
  EXPECT_TRUE(r2.ok()) << r2.messages[0];
}

}  // namespace
}  // namespace inlinks
