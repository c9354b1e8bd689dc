// WARC import into a PageSink: what each kind of record becomes.
#include "inlinks/crawler/warc_import.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "inlinks/crawler/warc.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/testdata.h"

namespace inlinks::crawler {
namespace {

struct Accepted {
  core::Page page;
  core::FetchFacts facts;
};

class RecordingSink : public core::PageSink {
 public:
  absl::Status Accept(const core::Page& page, const core::FetchFacts& facts) override {
    if (fail_next) {
      fail_next = false;
      return absl::UnavailableError("sink busy");
    }
    pages.push_back({page, facts});
    return absl::OkStatus();
  }
  std::vector<Accepted> pages;
  bool fail_next = false;
};

std::string Record(std::string type, std::string uri, std::string block,
                   std::string extra = "") {
  std::string r = "WARC/1.0\r\nWARC-Type: " + type + "\r\n";
  if (!uri.empty()) r += "WARC-Target-URI: " + uri + "\r\n";
  r += "WARC-Date: 2026-03-04T05:06:07Z\r\n" + extra;
  r += "Content-Length: " + std::to_string(block.size()) + "\r\n\r\n" + block + "\r\n\r\n";
  return r;
}

std::string Http(std::string status_line, std::string headers, std::string body) {
  return status_line + "\r\n" + headers + "Content-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

TEST(WarcImport, EachRecordKindBecomesWhatTheFetcherWouldReport) {
  std::string warc =
      Record("warcinfo", "", "software: test\r\n") +
      Record("request", "http://a.example/", "GET / HTTP/1.1\r\n\r\n") +
      Record("response", "http://a.example/",
             Http("HTTP/1.1 200 OK", "Content-Type: text/html; charset=iso-8859-1\r\n",
                  "<title>M\xfc</title><a href=/x>x</a><a href='http://b.example/'>b</a>"),
             "WARC-IP-Address: 192.0.2.7\r\n") +
      Record("response", "http://a.example/img.png",
             Http("HTTP/1.1 200 OK", "Content-Type: image/png\r\n", "\x89PNG")) +
      Record("response", "http://a.example/old",
             Http("HTTP/1.1 301 Moved", "Location: /new\r\n", "")) +
      Record("response", "http://a.example/gone", Http("HTTP/1.1 410 Gone", "", "")) +
      Record("response", "http://a.example/err", Http("HTTP/1.1 503 Busy", "", "")) +
      Record("response", "ftp://a.example/", Http("HTTP/1.1 200 OK", "", "")) +
      Record("response", "http://a.example/bad", "this is not HTTP") +
      Record("revisit", "http://a.example/", "");
  auto reader = WarcReader::FromBytes(warc);
  RecordingSink sink;
  std::vector<std::string> errors;
  WarcImportOptions options;
  options.on_error = [&](const absl::Status& s) { errors.push_back(std::string(s.message())); };
  ASSERT_OK_AND_ASSIGN(WarcImportStats stats, ImportWarc(*reader, sink, options));
  EXPECT_EQ(stats.records, 10u);
  EXPECT_EQ(stats.responses, 7u);
  EXPECT_EQ(stats.pages, 4u);  // html, png, redirect, gone
  EXPECT_EQ(stats.not_html, 1u);
  EXPECT_EQ(stats.redirects, 1u);
  EXPECT_EQ(stats.gone, 1u);
  EXPECT_EQ(stats.errors, 1u);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("http://a.example/bad"), std::string::npos);
  ASSERT_EQ(sink.pages.size(), 4u);

  const Accepted& html = sink.pages[0];
  EXPECT_EQ(html.page.url, "http://a.example/");
  EXPECT_EQ(html.page.title, "M\xc3\xbc");
  ASSERT_EQ(html.page.links.size(), 2u);
  EXPECT_EQ(html.page.links[0].target, "http://a.example/x");
  EXPECT_TRUE(html.page.links[0].internal);
  EXPECT_FALSE(html.page.links[1].internal);
  EXPECT_EQ(html.facts.http_status, 200);
  EXPECT_EQ(html.facts.ip, "192.0.2.7");
  EXPECT_EQ(html.facts.fetch_time_unix, 1772600767);  // 2026-03-04T05:06:07Z

  EXPECT_TRUE(sink.pages[1].page.links.empty());
  EXPECT_EQ(sink.pages[1].facts.http_status, 200);

  const Accepted& redirect = sink.pages[2];
  ASSERT_EQ(redirect.page.links.size(), 1u);
  EXPECT_EQ(redirect.page.links[0].tag, core::LinkTag::kRedirect);
  EXPECT_EQ(redirect.page.links[0].target, "http://a.example/new");
  EXPECT_EQ(redirect.facts.http_status, 301);

  EXPECT_EQ(sink.pages[3].facts.http_status, 410);
  EXPECT_EQ(sink.pages[3].page.url, "http://a.example/gone");
}

TEST(WarcImport, SinkErrorsAreCountedAndTheImportGoesOn) {
  std::string warc = Record("response", "http://a.example/1", Http("HTTP/1.1 200 OK", "", "<a href=x>")) +
                     Record("response", "http://a.example/2", Http("HTTP/1.1 200 OK", "", "<a href=y>"));
  auto reader = WarcReader::FromBytes(warc);
  RecordingSink sink;
  sink.fail_next = true;
  ASSERT_OK_AND_ASSIGN(WarcImportStats stats, ImportWarc(*reader, sink));
  EXPECT_EQ(stats.errors, 1u);
  EXPECT_EQ(stats.pages, 1u);
  ASSERT_EQ(sink.pages.size(), 1u);
  EXPECT_EQ(sink.pages[0].page.url, "http://a.example/2");
}

TEST(WarcImport, BrokenGzipStopsWithDataLoss) {
  std::string gz("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage-that-is-not-deflate", 37);
  auto reader = WarcReader::FromBytes(gz);
  RecordingSink sink;
  auto stats = ImportWarc(*reader, sink);
  if (stats.ok()) {
    EXPECT_EQ(stats->pages, 0u);
    EXPECT_GE(stats->errors, 1u);
  } else {
    EXPECT_THAT(stats, inlinks::testing::StatusIs(absl::StatusCode::kDataLoss));
  }
}

// The webarchive-commons test file: every response with a target becomes a page.
TEST(WarcImport, WebarchiveCommonsLinkExtractionFile) {
  INLINKS_REQUIRE_TESTDATA("html/webarchive-commons/link-extraction-test.warc");
  RecordingSink sink;
  ASSERT_OK_AND_ASSIGN(
      WarcImportStats stats,
      ImportWarcFile(inlinks::testing::TestdataPath("html/webarchive-commons/link-extraction-test.warc")
                         .string(),
                     sink));
  EXPECT_EQ(stats.records, 8u);
  EXPECT_EQ(stats.errors, 0u);
  EXPECT_EQ(stats.pages, 6u);  // 7 responses, one without a WARC-Target-URI
  EXPECT_GT(stats.links, 10u);
  for (const auto& a : sink.pages) EXPECT_EQ(a.facts.http_status, 200) << a.page.url;
}

}  // namespace
}  // namespace inlinks::crawler
