// `inlinks backlinks`, `inlinks stats` (tools/query_commands.cc) and
// `inlinks compact`: runs the built binary (INLINKS_CLI) on a database the
// test indexes, while the test still holds the database open for writing
// (the daemon's situation) unless it closes it.
#include <libxml/parser.h>
#include <sys/wait.h>

#include <boost/json.hpp>
#include <cstdio>
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/query/geo_testing.h"
#include "tests/query/query_testing.h"
#include "tests/testing/temp_dir.h"

namespace inlinks::query {
namespace {

using testing::At;
using testing::IndexedDb;
using testing::L;
using testing::MakePage;

struct CliRun {
  int exit_code = -1;
  std::string out;
};

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

CliRun Cli(const std::vector<std::string>& args, bool with_stderr = false) {
  std::string cmd = Quote(INLINKS_CLI);
  for (const auto& a : args) cmd += " " + Quote(a);
  cmd += with_stderr ? " 2>&1" : " 2>/dev/null";
  CliRun r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) r.out.append(buf, n);
  int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    core::Page p1 = MakePage(
        "https://src.example.org/post",
        {L("https://example.com/a", "Anchor \"A\" & <b>"),
         L("https://www.example.com/b", "caf\xC3\xA9", core::LinkTag::kAImg, core::kRelNofollow)},
        "Title with \x1b[31m escape\x01 and \xFF bytes");
    idx_.Index(p1, At(1700000000));
    idx_.Index(MakePage("https://other.net/x", {L("https://blog.example.com/c", "C")}),
               At(1700000100));
    idx_.Index(MakePage("https://other.net/y", {L("https://example.com/a", "lost one")}),
               At(1700000100));
    idx_.Index(MakePage("https://other.net/y", {}), At(1700000200));  // its link is lost
  }
  IndexedDb idx_;
};

TEST_F(CliTest, JsonBesideAWriter) {
  // idx_ still has the database open for writing.
  CliRun r = Cli({"backlinks", "example.com", "--db", idx_.dir(), "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(r.out, ec);
  ASSERT_FALSE(ec) << r.out;
  const auto& o = v.as_object();
  EXPECT_EQ(o.at("total").as_int64(), 3);
  EXPECT_EQ(o.at("scope").as_object().at("kind").as_string(), "domain");
  const auto& rows = o.at("rows").as_array();
  ASSERT_EQ(rows.size(), 3u);
  // Unranked sources (sr 0): by source URL, then target.
  EXPECT_EQ(rows[0].as_object().at("anchor").as_string(), "C");
  EXPECT_EQ(rows[1].as_object().at("anchor").as_string(), "Anchor \"A\" & <b>");
  EXPECT_EQ(rows[1].as_object().at("source_url").as_string(), "https://src.example.org/post");
  EXPECT_EQ(rows[2].as_object().at("anchor").as_string(), "caf\xC3\xA9");
  EXPECT_EQ(rows[2].as_object().at("nofollow").as_bool(), true);
  EXPECT_TRUE(o.at("next_cursor").is_null());

  // Paging flags and a written-after-open row.
  idx_.Index(MakePage("https://new.org/z", {L("https://example.com/zz")}), At(1700000300));
  r = Cli({"backlinks", "example.com", "--db", idx_.dir(), "--format=json", "--limit", "2",
           "--offset", "1"});
  ASSERT_EQ(r.exit_code, 0);
  v = boost::json::parse(r.out, ec);
  ASSERT_FALSE(ec);
  EXPECT_EQ(v.as_object().at("total").as_int64(), 4);
  EXPECT_EQ(v.as_object().at("rows").as_array().size(), 2u);
  std::string cursor(v.as_object().at("next_cursor").as_string());
  r = Cli({"backlinks", "example.com", "--db", idx_.dir(), "--format", "json", "--cursor", cursor});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  v = boost::json::parse(r.out, ec);
  ASSERT_FALSE(ec);
  EXPECT_EQ(v.as_object().at("offset").as_int64(), 3);
  EXPECT_EQ(v.as_object().at("rows").as_array().size(), 1u);
}

TEST_F(CliTest, StatesAndFilters) {
  auto total = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"backlinks", "example.com", "--db",
                                     idx_.dir(),  "--format",    "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    CliRun r = Cli(args);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(r.out, ec);
    return ec ? -1 : v.as_object().at("total").as_int64();
  };
  EXPECT_EQ(total({"--state", "lost"}), 1);
  EXPECT_EQ(total({"--state", "all"}), 4);
  EXPECT_EQ(total({"--nofollow", "yes"}), 1);
  EXPECT_EQ(total({"--nofollow", "no"}), 2);
  EXPECT_EQ(total({"--tag", "aimg"}), 1);
  EXPECT_EQ(total({"--scope", "host"}), 1);
  EXPECT_EQ(total({"--offset", "99"}), 3);  // past the end: empty page, total kept
}

TEST_F(CliTest, XmlParses) {
  CliRun r = Cli(
      {"backlinks", "www.example.com", "--db", idx_.dir(), "--format", "xml", "--state", "all"});
  ASSERT_EQ(r.exit_code, 0);
  xmlDocPtr d = xmlReadMemory(r.out.data(), static_cast<int>(r.out.size()), "o.xml", "UTF-8",
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  ASSERT_NE(d, nullptr) << r.out;
  xmlNodePtr root = xmlDocGetRootElement(d);
  int backlinks = 0;
  for (xmlNodePtr n = root->children; n != nullptr; n = n->next) {
    if (n->type == XML_ELEMENT_NODE) ++backlinks;
  }
  xmlChar* total = xmlGetProp(root, reinterpret_cast<const xmlChar*>("total"));
  EXPECT_STREQ(reinterpret_cast<const char*>(total), "4");
  xmlFree(total);
  xmlFreeDoc(d);
  EXPECT_EQ(backlinks, 4);
}

TEST_F(CliTest, CsvAndTable) {
  CliRun r = Cli({"backlinks", "example.com", "--db", idx_.dir(), "--format", "csv"});
  ASSERT_EQ(r.exit_code, 0);
  size_t lines = 0;
  for (size_t pos = 0; (pos = r.out.find("\r\n", pos)) != std::string::npos; pos += 2) ++lines;
  EXPECT_EQ(lines, 4u);  // header + 3 rows

  r = Cli({"backlinks", "example.com", "--db", idx_.dir()});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("3 live backlinks of domain example.com; rows 1-3\n", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("SOURCE"), std::string::npos);
  EXPECT_NE(r.out.find("nofollow"), std::string::npos);
  // Page text cannot drive the terminal: no ESC or other control bytes.
  for (char c : r.out) {
    EXPECT_TRUE(c == '\n' || static_cast<unsigned char>(c) >= 0x20) << static_cast<int>(c);
  }
  // Columns are aligned: in every row line, the FIRST SEEN column starts at
  // the header's column (display columns; the text here has no wide
  // characters, so code points count columns).
  auto table = [&] {
    std::vector<std::u32string> out;
    size_t start = r.out.find('\n') + 1;  // after the summary line
    for (size_t i = 0; i < 4; ++i) {
      size_t end = r.out.find('\n', start);
      std::u32string cps;
      for (size_t k = start; k < end; ++k) {
        auto b = static_cast<unsigned char>(r.out[k]);
        if ((b & 0xC0) != 0x80) cps.push_back(b < 0x80 ? b : U'?');
      }
      out.push_back(cps);
      start = end + 1;
    }
    return out;
  }();
  size_t column = table[0].find(U"FIRST SEEN");
  ASSERT_NE(column, std::u32string::npos);
  for (size_t i = 1; i < table.size(); ++i) {
    EXPECT_EQ(table[i].substr(column, 10), U"2023-11-14") << i;
  }
  EXPECT_NE(r.out.find("aimg"), std::string::npos);
}

TEST_F(CliTest, Stats) {
  CliRun r = Cli({"stats", "--db", idx_.dir(), "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(r.out, ec);
  ASSERT_FALSE(ec) << r.out;
  EXPECT_EQ(v.as_object().at("live_links").as_int64(), 3);
  EXPECT_EQ(v.as_object().at("lost_links").as_int64(), 1);
  EXPECT_EQ(v.as_object().at("pages").as_int64(), 3);
  EXPECT_EQ(v.as_object().at("target_domains").as_int64(), 1);
  EXPECT_GT(v.as_object().at("disk_bytes").as_int64(), 0);
  r = Cli({"stats", "--db", idx_.dir()});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("live links      3\n"), std::string::npos) << r.out;
}

// `inlinks compact` rewrites the closed database; every answer stays the same.
TEST_F(CliTest, CompactKeepsEveryAnswer) {
  const std::vector<std::string> query = {"backlinks", "example.com", "--db", idx_.dir(),
                                          "--state", "all", "--format", "json"};
  CliRun before = Cli(query);
  ASSERT_EQ(before.exit_code, 0) << before.out;
  CliRun busy = Cli({"compact", "--db", idx_.dir()}, /*with_stderr=*/true);
  EXPECT_EQ(busy.exit_code, 1) << "the test still holds the database open: " << busy.out;
  idx_.Close();
  CliRun compact = Cli({"compact", "--db", idx_.dir()});
  ASSERT_EQ(compact.exit_code, 0) << compact.out;
  EXPECT_NE(compact.out.find("compacted"), std::string::npos) << compact.out;
  CliRun after = Cli(query);
  ASSERT_EQ(after.exit_code, 0) << after.out;
  EXPECT_EQ(after.out, before.out);
  CliRun check = Cli({"check", "--db", idx_.dir()});
  EXPECT_EQ(check.exit_code, 0) << check.out;
  EXPECT_EQ(Cli({"compact"}, true).exit_code, 2);
  EXPECT_EQ(Cli({"compact", "--db", idx_.dir(), "extra"}, true).exit_code, 2);
}

// `inlinks migrate` on the database the version-1 indexer wrote
// (tests/data/format1).
TEST(CliMigrate, ConvertsAVersion1DatabaseOnce) {
  testing::TempDir dir("inlinks_cli_migrate");
  std::filesystem::create_directories(dir.path());
  const std::string db = dir.Sub("db");
  std::filesystem::copy(INLINKS_SOURCE_DIR "/tests/data/format1/db", db,
                        std::filesystem::copy_options::recursive);
  CliRun read_only = Cli({"backlinks", "t1.com", "--db", db}, /*with_stderr=*/true);
  EXPECT_EQ(read_only.exit_code, 1);
  EXPECT_NE(read_only.out.find("inlinks migrate --db"), std::string::npos) << read_only.out;
  CliRun first = Cli({"migrate", "--db", db});
  EXPECT_EQ(first.exit_code, 0);
  EXPECT_NE(first.out.find("converted from format version 1 to 2"), std::string::npos)
      << first.out;
  CliRun again = Cli({"migrate", "--db", db});
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_NE(again.out.find("already in format version 2"), std::string::npos) << again.out;
  CliRun check = Cli({"check", "--db", db});
  EXPECT_EQ(check.exit_code, 0) << check.out;
  EXPECT_NE(check.out.find("3356 live links, 4263 lost links"), std::string::npos) << check.out;
  EXPECT_EQ(Cli({"migrate"}, true).exit_code, 2);
  EXPECT_EQ(Cli({"migrate", "--db", dir.Sub("missing")}, true).exit_code, 1);
}

TEST_F(CliTest, BadArgumentsExitTwo) {
  const std::string db = idx_.dir();
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"backlinks", "--db", db},
           {"backlinks", "example.com", "other.com", "--db", db},
           {"backlinks", "example.com", "--db", db, "--limit", "ten"},
           {"backlinks", "example.com", "--db", db, "--limit", "-1"},
           {"backlinks", "example.com", "--db", db, "--offset", "1x"},
           {"backlinks", "example.com", "--db", db, "--scope", "site"},
           {"backlinks", "example.com", "--db", db, "--state", "dead"},
           {"backlinks", "example.com", "--db", db, "--nofollow", "maybe"},
           {"backlinks", "example.com", "--db", db, "--tag", "img"},
           {"backlinks", "example.com", "--db", db, "--format", "yaml"},
           {"backlinks", "example.com", "--db", db, "--bogus"},
           {"backlinks", "example.com", "--db"},
           {"backlinks", "ftp://example.com/", "--db", db},
           {"backlinks", "example.com", "--db", db, "--cursor", "garbage!"},
           {"backlinks", "example.com", "--db", db, "--cursor", "AQA", "--offset", "1"},
           {"stats", "--db", db, "--format", "xml"},
           {"stats", "extra", "--db", db},
       }) {
    CliRun r = Cli(args, /*with_stderr=*/true);
    EXPECT_EQ(r.exit_code, 2) << args[1] << " " << args.back() << ": " << r.out;
    EXPECT_FALSE(r.out.empty());
  }
  CliRun missing = Cli({"backlinks", "example.com", "--db", db + "/nope"});
  EXPECT_EQ(missing.exit_code, 1);
}

TEST_F(CliTest, GeoIpFillsTheLocation) {
  const testing::GeoTestDbs& dbs = testing::TestGeoDbs();
  ASSERT_TRUE(dbs.error.empty()) << dbs.error;
  idx_.Index(MakePage("https://local.example.net/", {L("https://geo.example.com/x", "geo")}),
             At(1700000400, 200, "127.0.0.1"));
  CliRun r = Cli({"backlinks", "geo.example.com", "--db", idx_.dir(), "--format", "json",
                  "--geoip", dbs.city});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(r.out, ec);
  ASSERT_FALSE(ec) << r.out;
  const auto& row = v.as_object().at("rows").as_array().at(0).as_object();
  EXPECT_EQ(row.at("ip").as_string(), "127.0.0.1");
  EXPECT_EQ(row.at("ccode").as_string(), "DE");
  EXPECT_EQ(row.at("country").as_string(), "Germany");
  EXPECT_EQ(row.at("city").as_string(), "Berlin");

  r = Cli({"backlinks", "geo.example.com", "--db", idx_.dir(), "--geoip", dbs.country});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("CC"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("DE"), std::string::npos) << r.out;

  // Without --geoip the fields stay empty.
  r = Cli({"backlinks", "geo.example.com", "--db", idx_.dir(), "--format", "csv"});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find(",127.0.0.1,"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Germany"), std::string::npos) << r.out;

  // A missing or broken database is a bad argument, named on stderr.
  r = Cli({"backlinks", "geo.example.com", "--db", idx_.dir(), "--geoip", idx_.dir() + "/nope"},
          /*with_stderr=*/true);
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("--geoip"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no such file"), std::string::npos) << r.out;
  r = Cli({"backlinks", "geo.example.com", "--db", idx_.dir(), "--geoip", idx_.dir() + "/CURRENT"},
          /*with_stderr=*/true);
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("not a readable MaxMind DB file"), std::string::npos) << r.out;
}

TEST_F(CliTest, Help) {
  for (const char* cmd : {"backlinks", "stats"}) {
    CliRun r = Cli({cmd, "--help"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.out.rfind("usage: inlinks ", 0), 0u) << r.out;
  }
  CliRun r = Cli({"--help"});
  EXPECT_NE(r.out.find("backlinks TARGET"), std::string::npos);
}

// Commands that only use a database never create one (issue 18): a
// mistyped --db is an error and leaves nothing behind; bad inputs are
// refused, with one line saying why, before anything is opened.
TEST(CliInputs, NothingIsCreatedByMistake) {
  ::inlinks::testing::TempDir dir("cli_inputs");
  std::filesystem::create_directories(dir.path());
  const std::string typo = dir.Sub("typo");
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"keys", "add", "--db", typo},
           {"compact", "--db", typo},
           {"import", "--db", typo, dir.Sub("missing.warc")},
       }) {
    CliRun r = Cli(args, /*with_stderr=*/true);
    EXPECT_NE(r.exit_code, 0) << args[0] << ": " << r.out;
    EXPECT_FALSE(std::filesystem::exists(typo)) << args[0] << " created " << typo;
  }
  const std::string db = dir.Sub("db");
  CliRun created = Cli({"keys", "add", "--db", db, "--create", "--id", "a"});
  ASSERT_EQ(created.exit_code, 0) << created.out;
  // Refused before the database is touched: exit 2 and one line.
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"keys", "add", "--db", db, "--functions", "backlinks,bogus"},
           {"keys", "credit", "a", "99999999999999999999", "--db", db},
           {"keys", "add", "--db", db, "--credits", "1e9"},
       }) {
    CliRun r = Cli(args, /*with_stderr=*/true);
    EXPECT_EQ(r.exit_code, 2) << args.back() << ": " << r.out;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  }
  // A balance past INT64_MAX is refused, not clamped.
  EXPECT_EQ(Cli({"keys", "credit", "a", "9223372036854775000", "--db", db}).exit_code, 0);
  CliRun over = Cli({"keys", "credit", "a", "1000", "--db", db}, /*with_stderr=*/true);
  EXPECT_EQ(over.exit_code, 1);
  EXPECT_NE(over.out.find("would exceed 9223372036854775807"), std::string::npos) << over.out;
  EXPECT_NE(Cli({"keys", "list", "--db", db}).out.find("9223372036854775000"), std::string::npos);
}

}  // namespace
}  // namespace inlinks::query
