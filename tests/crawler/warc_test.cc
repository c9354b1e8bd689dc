// Tests for WarcReader: the webarchive-commons WARC (tests/data/third_party/html,
// see its README.md), .warc.gz files the test writes itself (one gzip member
// per record, one member for all), and damaged inputs: truncation, garbage
// between records, a Content-Length past the end, oversize records.

#include "inlinks/crawler/warc.h"

#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/compress.h"
#include "inlinks/crawler/http_response.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/testdata.h"

namespace inlinks::crawler {
namespace {

using ::inlinks::testing::Gzip;

using ::inlinks::testing::ReadFileBytes;
using ::inlinks::testing::StatusIs;
using ::inlinks::testing::TestdataPath;
using ::testing::HasSubstr;

constexpr std::string_view kWarcFile = "html/webarchive-commons/link-extraction-test.warc";


std::string Record(std::string_view type, std::string_view uri, std::string_view block,
                   std::string_view version = "WARC/1.0") {
  std::string r = std::string(version) + "\r\nWARC-Type: " + std::string(type) + "\r\n";
  if (!uri.empty()) r += "WARC-Target-URI: " + std::string(uri) + "\r\n";
  r += "WARC-Date: 2024-01-02T03:04:05Z\r\nContent-Length: " + std::to_string(block.size()) +
       "\r\n\r\n" + std::string(block) + "\r\n\r\n";
  return r;
}

struct ReadAll {
  std::vector<WarcRecord> records;
  std::vector<absl::Status> errors;
};

ReadAll Drain(WarcReader& reader) {
  ReadAll out;
  for (int i = 0; i < 1000; ++i) {
    auto next = reader.Next();
    if (!next.ok()) {
      out.errors.push_back(next.status());
      if (out.errors.size() > 10) break;
      continue;
    }
    if (!next->has_value()) break;
    out.records.push_back(std::move(**next));
  }
  return out;
}

// The original file's records, as we expect them. The file was edited by
// hand: some blocks hold a few bytes more than the HTTP Content-Length
// (consumed < block size), one holds one byte less, and some records are
// not followed by CRLF CRLF (the reader tolerates that).
struct Expected {
  std::string_view type;
  std::string_view uri;
  size_t length;
  size_t http_body;  // HTTP body bytes present in the block
  bool http_truncated;
};
constexpr Expected kExpected[] = {
    {"warcinfo", "", 128, 0, false},
    {"response", "http://www.example.com/html4.html", 1243, 1125, false},
    // HTTP Content-Length 789, but the WARC block ends one byte early.
    {"response", "http://www.example.com/link-extraction-test-html5-video.html", 890, 788, true},
    {"response", "http://www.example.com/poor_html5.html", 594, 486, false},
    {"response", "http://www.example.com/fb-video.html", 1330, 1194, false},
    {"response", "http://www.example.com/data-href.examples.html", 3160, 3057, false},
    {"response", "http://www.example.com/fb-social-plugins.html", 1870, 1767, false},
    {"response", "", 1279, 971, false},
};

void CheckWebarchiveRecords(const std::vector<WarcRecord>& records) {
  ASSERT_EQ(records.size(), std::size(kExpected));
  for (size_t i = 0; i < records.size(); ++i) {
    const WarcRecord& r = records[i];
    SCOPED_TRACE(i);
    EXPECT_EQ(r.version, "WARC/1.0");
    EXPECT_EQ(r.type(), kExpected[i].type);
    EXPECT_EQ(r.target_uri(), kExpected[i].uri);
    EXPECT_EQ(r.block.size(), kExpected[i].length);
    EXPECT_FALSE(r.date().empty());
    if (r.type() != "response") continue;
    EXPECT_THAT(r.Header("content-type"), HasSubstr("msgtype=response"));
    HttpResponseOptions options;
    options.allow_truncated_body = true;  // what `inlinks import` does
    ASSERT_OK_AND_ASSIGN(HttpResponse http, ParseHttpResponse(r.block, options));
    EXPECT_EQ(http.status, 200);
    EXPECT_EQ(http.body.size(), kExpected[i].http_body);
    EXPECT_EQ(http.truncated, kExpected[i].http_truncated);
    EXPECT_LE(http.consumed, r.block.size());
    if (kExpected[i].http_truncated) {
      EXPECT_THAT(ParseHttpResponse(r.block), StatusIs(absl::StatusCode::kInvalidArgument));
    }
    EXPECT_THAT(http.body, HasSubstr("<"));
  }
}

TEST(Warc, WebarchiveCommonsFile) {
  INLINKS_REQUIRE_TESTDATA(kWarcFile);
  ASSERT_OK_AND_ASSIGN(auto reader, WarcReader::Open(TestdataPath(kWarcFile).string()));
  EXPECT_FALSE(reader->compressed());
  ReadAll all = Drain(*reader);
  EXPECT_TRUE(all.errors.empty()) << all.errors[0];
  CheckWebarchiveRecords(all.records);
  EXPECT_EQ(reader->offset(), std::filesystem::file_size(TestdataPath(kWarcFile)));
  EXPECT_EQ(all.records[1].offset, 258u);
  // Past the end stays at the end.
  auto again = reader->Next();
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value());
}

TEST(Warc, OpenMissingFile) {
  EXPECT_THAT(WarcReader::Open("/nonexistent/x.warc"), StatusIs(absl::StatusCode::kNotFound));
}

// Splits the uncompressed file into its records' bytes (record i runs from
// its offset to the next record's offset).
std::vector<std::string> RecordBytes(const std::string& warc) {
  auto reader = WarcReader::FromBytes(warc);
  ReadAll all = Drain(*reader);
  std::vector<std::string> out;
  for (size_t i = 0; i < all.records.size(); ++i) {
    size_t end = i + 1 < all.records.size() ? all.records[i + 1].offset : warc.size();
    out.push_back(warc.substr(all.records[i].offset, end - all.records[i].offset));
  }
  return out;
}

TEST(Warc, GzipOneMemberPerRecord) {
  INLINKS_REQUIRE_TESTDATA(kWarcFile);
  std::string warc = ReadFileBytes(TestdataPath(kWarcFile)).value();
  std::string gz;
  for (const std::string& r : RecordBytes(warc)) gz += Gzip(r);
  auto path = std::filesystem::temp_directory_path() /
              ("inlinks_warc_test_" + std::to_string(getpid()) + ".warc.gz");
  {
    FILE* f = fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    fwrite(gz.data(), 1, gz.size(), f);
    fclose(f);
  }
  ASSERT_OK_AND_ASSIGN(auto reader, WarcReader::Open(path.string()));
  EXPECT_TRUE(reader->compressed());
  ReadAll all = Drain(*reader);
  std::filesystem::remove(path);
  EXPECT_TRUE(all.errors.empty()) << all.errors[0];
  CheckWebarchiveRecords(all.records);
  EXPECT_EQ(reader->offset(), warc.size());
}

TEST(Warc, GzipSingleMemberAndOddSplits) {
  INLINKS_REQUIRE_TESTDATA(kWarcFile);
  std::string warc = ReadFileBytes(TestdataPath(kWarcFile)).value();
  {
    auto reader = WarcReader::FromBytes(Gzip(warc));
    ReadAll all = Drain(*reader);
    EXPECT_TRUE(all.errors.empty());
    CheckWebarchiveRecords(all.records);
  }
  // Members cut at arbitrary points, records spanning members.
  std::string gz;
  for (size_t i = 0; i < warc.size(); i += 777) gz += Gzip(warc.substr(i, 777));
  auto reader = WarcReader::FromBytes(gz);
  ReadAll all = Drain(*reader);
  EXPECT_TRUE(all.errors.empty());
  CheckWebarchiveRecords(all.records);
}

TEST(Warc, TruncatedPlainFile) {
  INLINKS_REQUIRE_TESTDATA(kWarcFile);
  std::string warc = ReadFileBytes(TestdataPath(kWarcFile)).value();
  // Cut every 97 bytes: never a crash; records before the cut are intact;
  // a cut inside a record is kDataLoss naming an offset.
  for (size_t cut = 1; cut < warc.size(); cut += 97) {
    auto reader = WarcReader::FromBytes(warc.substr(0, cut));
    ReadAll all = Drain(*reader);
    for (const absl::Status& e : all.errors) {
      EXPECT_EQ(e.code(), absl::StatusCode::kDataLoss) << e;
      EXPECT_THAT(std::string(e.message()), HasSubstr("offset")) << e;
    }
    for (size_t i = 0; i < all.records.size(); ++i) {
      EXPECT_EQ(all.records[i].block.size(), kExpected[i].length);
    }
  }
  // A cut in the middle of the second record's block.
  auto reader = WarcReader::FromBytes(warc.substr(0, 1000));
  ASSERT_OK_AND_ASSIGN(auto first, reader->Next());
  ASSERT_TRUE(first.has_value());
  EXPECT_THAT(reader->Next(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("record at offset 258 truncated")));
  ASSERT_OK_AND_ASSIGN(auto end, reader->Next());
  EXPECT_FALSE(end.has_value());
}

TEST(Warc, TruncatedGzip) {
  std::string gz = Gzip(Record("resource", "http://a/", std::string(5000, 'x')));
  for (size_t cut : {size_t{1}, size_t{5}, size_t{20}, gz.size() / 2, gz.size() - 1}) {
    auto reader = WarcReader::FromBytes(gz.substr(0, cut));
    ReadAll all = Drain(*reader);
    // Cut in the gzip trailer: the record itself may come out whole first.
    ASSERT_FALSE(all.errors.empty()) << "cut " << cut;
    EXPECT_EQ(all.errors[0].code(), absl::StatusCode::kDataLoss) << all.errors[0];
    if (cut > 1) {
      // Sticky: the same error again (Drain stops after 11).
      EXPECT_THAT(std::string(all.errors[0].message()), HasSubstr("gzip stream truncated"));
      EXPECT_EQ(all.errors.size(), 11u);
    }
  }
  std::string corrupt = gz;
  corrupt[corrupt.size() / 2] ^= 0x55;
  corrupt[corrupt.size() / 2 + 1] ^= 0x55;
  auto reader = WarcReader::FromBytes(corrupt);
  EXPECT_THAT(reader->Next(), StatusIs(absl::StatusCode::kDataLoss, HasSubstr("offset")));
}

TEST(Warc, DataAfterGzipMember) {
  auto reader = WarcReader::FromBytes(Gzip(Record("resource", "http://a/", "abc")) + "junk");
  ASSERT_OK_AND_ASSIGN(auto r, reader->Next());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->block, "abc");
  EXPECT_THAT(reader->Next(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("data after gzip member")));
}

TEST(Warc, GarbageBetweenRecords) {
  std::string in = Record("response", "http://a/", "one") + "garbage line\r\nmore\r\n" +
                   Record("response", "http://b/", "two");
  auto reader = WarcReader::FromBytes(in);
  ASSERT_OK_AND_ASSIGN(auto a, reader->Next());
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->block, "one");
  size_t garbage_at = Record("response", "http://a/", "one").size();
  EXPECT_THAT(reader->Next(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("expected a WARC/ version line at offset " +
                                 std::to_string(garbage_at))));
  ASSERT_OK_AND_ASSIGN(auto b, reader->Next());
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->block, "two");
  EXPECT_EQ(b->target_uri(), "http://b/");
  ASSERT_OK_AND_ASSIGN(auto end, reader->Next());
  EXPECT_FALSE(end.has_value());
}

TEST(Warc, MalformedHeaders) {
  std::string bad_cl = "WARC/1.0\r\nWARC-Type: resource\r\nContent-Length: 12x\r\n\r\nabc\r\n\r\n";
  std::string no_cl = "WARC/1.0\r\nWARC-Type: resource\r\n\r\n";
  std::string no_colon = "WARC/1.0\r\nWARC-Type resource\r\nContent-Length: 1\r\n\r\na\r\n\r\n";
  for (const std::string& bad : {bad_cl, no_cl, no_colon}) {
    auto reader = WarcReader::FromBytes(bad + Record("resource", "http://ok/", "fine"));
    ReadAll all = Drain(*reader);
    ASSERT_EQ(all.errors.size(), 1u) << bad;
    EXPECT_EQ(all.errors[0].code(), absl::StatusCode::kDataLoss);
    ASSERT_EQ(all.records.size(), 1u) << bad;
    EXPECT_EQ(all.records[0].block, "fine");
  }
}

TEST(Warc, ContentLengthPastEndOfFile) {
  std::string in = Record("response", "http://a/", "one") +
                   "WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 100000\r\n\r\nshort";
  auto reader = WarcReader::FromBytes(in);
  ASSERT_OK_AND_ASSIGN(auto a, reader->Next());
  ASSERT_TRUE(a.has_value());
  EXPECT_THAT(reader->Next(), StatusIs(absl::StatusCode::kDataLoss,
                                       HasSubstr("Content-Length 100000, 5 bytes left")));
  ASSERT_OK_AND_ASSIGN(auto end, reader->Next());
  EXPECT_FALSE(end.has_value());
  EXPECT_EQ(reader->offset(), in.size());
}

TEST(Warc, OversizeRecordSkipped) {
  WarcReaderOptions options;
  options.max_record_bytes = 100;
  std::string in = Record("response", "http://big/", std::string(1000, 'b')) +
                   Record("response", "http://small/", "s");
  auto reader = WarcReader::FromBytes(Gzip(in), options);
  EXPECT_THAT(reader->Next(), StatusIs(absl::StatusCode::kResourceExhausted,
                                       HasSubstr("over max_record_bytes")));
  ASSERT_OK_AND_ASSIGN(auto s, reader->Next());
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->target_uri(), "http://small/");
  options.max_header_bytes = 50;
  reader = WarcReader::FromBytes("WARC/1.0\r\nX: " + std::string(100, 'x') + "\r\n\r\n", options);
  EXPECT_THAT(reader->Next(), StatusIs(absl::StatusCode::kResourceExhausted));
}

// WARC 1.1 §5.4 grammar writes WARC-Target-URI without brackets, but its
// examples (and some writers) use "<uri>".
TEST(Warc, Warc11BracketedUri) {
  auto reader = WarcReader::FromBytes(
      Record("response", "<http://example.com/a?b=c>", "x", "WARC/1.1"));
  ASSERT_OK_AND_ASSIGN(auto r, reader->Next());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->version, "WARC/1.1");
  EXPECT_EQ(r->target_uri(), "http://example.com/a?b=c");
  EXPECT_EQ(r->Header("warc-target-uri"), "<http://example.com/a?b=c>");
}

TEST(Warc, LenientLineEndsAndFolding) {
  std::string in =
      "\r\n\nWARC/1.0\nWARC-Type: metadata\nX-Long: first\n  second\nContent-Length: 2\n\nab"
      "WARC/1.0\r\nWARC-Type: resource\r\nContent-Length: 0\r\n\r\n";
  auto reader = WarcReader::FromBytes(in);
  ReadAll all = Drain(*reader);
  EXPECT_TRUE(all.errors.empty());
  ASSERT_EQ(all.records.size(), 2u);
  EXPECT_EQ(all.records[0].Header("x-long"), "first second");
  EXPECT_EQ(all.records[0].block, "ab");
  EXPECT_EQ(all.records[1].block, "");
  EXPECT_EQ(all.records[1].type(), "resource");
}

TEST(Warc, EmptyInput) {
  for (std::string in : {std::string(), std::string("\r\n\r\n"), Gzip("")}) {
    auto reader = WarcReader::FromBytes(in);
    ASSERT_OK_AND_ASSIGN(auto r, reader->Next());
    EXPECT_FALSE(r.has_value());
  }
}

}  // namespace
}  // namespace inlinks::crawler
