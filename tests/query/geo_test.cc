// GeoDb (query/geo.h) over tiny MaxMind DB files written by
// make_geoip_db.pl (geo_testing.h lists their networks), and the query
// engine's rows carrying ccode/country/city end to end: pages indexed by the
// real indexer with the ip they were fetched from.
#include "inlinks/query/geo.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "inlinks/query/backlinks.h"
#include "inlinks/query/writers.h"
#include "tests/query/geo_testing.h"
#include "tests/query/query_testing.h"
#include "tests/testing/status_matchers.h"

namespace inlinks::query {
namespace {

using ::inlinks::testing::IsOk;
using ::inlinks::testing::StatusIs;
using ::inlinks::testing::TempDir;
using testing::At;
using ::testing::HasSubstr;
using testing::IndexedDb;
using testing::L;
using testing::MakePage;
using testing::TestGeoDbs;

// The test databases, or a failed test naming what is missing.
#define REQUIRE_GEO_DBS()                        \
  const testing::GeoTestDbs& dbs = TestGeoDbs(); \
  ASSERT_TRUE(dbs.error.empty()) << dbs.error

std::unique_ptr<GeoDb> OpenOrDie(const std::string& path) {
  absl::StatusOr<std::unique_ptr<GeoDb>> db = GeoDb::Open(path);
  EXPECT_THAT(db, IsOk());
  return db.ok() ? std::move(*db) : nullptr;
}

void ExpectGeo(const GeoInfo& g, std::string_view ccode, std::string_view country,
               std::string_view city) {
  EXPECT_EQ(g.ccode, ccode);
  EXPECT_EQ(g.country, country);
  EXPECT_EQ(g.city, city);
}

void WriteFile(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// ---- GeoDb ----

TEST(GeoDbTest, CityDatabaseLocatesIpv4AndIpv6) {
  REQUIRE_GEO_DBS();
  std::unique_ptr<GeoDb> geo = OpenOrDie(dbs.city);
  ASSERT_NE(geo, nullptr);
  EXPECT_EQ(geo->database_type(), "GeoLite2-City");
  ExpectGeo(geo->Lookup("127.0.0.1"), "DE", "Germany", "Berlin");
  ExpectGeo(geo->Lookup("127.255.0.9"), "DE", "Germany", "Berlin");
  ExpectGeo(geo->Lookup("198.51.100.200"), "CH", "Switzerland", "Z\xC3\xBCrich");
  ExpectGeo(geo->Lookup("203.0.113.5"), "FR", "France", "");  // no city in the record
  ExpectGeo(geo->Lookup("::1"), "NL", "Netherlands", "Amsterdam");
  ExpectGeo(geo->Lookup("2001:db8:ffff::42"), "JP", "Japan", "Tokyo");
  ExpectGeo(geo->Lookup("2001:DB8::1"), "JP", "Japan", "Tokyo");
  // Written forms of the same addresses.
  ExpectGeo(geo->Lookup("::ffff:127.0.0.1"), "DE", "Germany", "Berlin");
  ExpectGeo(geo->Lookup("[::1]"), "NL", "Netherlands", "Amsterdam");
  ExpectGeo(geo->Lookup(" 127.0.0.1\n"), "DE", "Germany", "Berlin");
  // No `country`, only `registered_country`.
  ExpectGeo(geo->Lookup("100.64.3.4"), "US", "United States", "");
}

TEST(GeoDbTest, AddressesOutsideTheDatabaseHaveNoLocation) {
  REQUIRE_GEO_DBS();
  std::unique_ptr<GeoDb> geo = OpenOrDie(dbs.city);
  ASSERT_NE(geo, nullptr);
  for (const char* ip : {"8.8.8.8", "128.0.0.1", "126.255.255.255", "198.51.101.1", "::2",
                         "2001:db9::1", "fe80::1%eth0", "0.0.0.0", "::"}) {
    GeoInfo g = geo->Lookup(ip);
    EXPECT_TRUE(g.empty()) << ip << " -> " << g.ccode << "/" << g.country << "/" << g.city;
  }
}

TEST(GeoDbTest, InvalidAddressesHaveNoLocation) {
  REQUIRE_GEO_DBS();
  std::unique_ptr<GeoDb> geo = OpenOrDie(dbs.city);
  ASSERT_NE(geo, nullptr);
  for (std::string ip :
       {std::string(), std::string("localhost"), std::string("127.0.0.1.5"),
        std::string("256.0.0.1"), std::string("127.0.0.1:80"), std::string("127.0.0"),
        std::string("::1::2"), std::string("[127.0.0.1"), std::string("127.0.0.1/8"),
        std::string("127.0.0.1\0"
                    "5",
                    11),
        std::string(4096, '1'), std::string("\xFF\xFE")}) {
    EXPECT_TRUE(geo->Lookup(ip).empty()) << ip;
  }
}

TEST(GeoDbTest, CountryDatabaseHasNoCity) {
  REQUIRE_GEO_DBS();
  std::unique_ptr<GeoDb> geo = OpenOrDie(dbs.country);
  ASSERT_NE(geo, nullptr);
  EXPECT_EQ(geo->database_type(), "GeoLite2-Country");
  ExpectGeo(geo->Lookup("127.0.0.1"), "DE", "Germany", "");
  ExpectGeo(geo->Lookup("::1"), "NL", "Netherlands", "");
  ExpectGeo(geo->Lookup("198.51.100.1"), "CH", "Switzerland", "");
  EXPECT_TRUE(geo->Lookup("8.8.8.8").empty());
}

TEST(GeoDbTest, Ipv4OnlyDatabase) {
  REQUIRE_GEO_DBS();
  std::unique_ptr<GeoDb> geo = OpenOrDie(dbs.ipv4_city);
  ASSERT_NE(geo, nullptr);
  ExpectGeo(geo->Lookup("127.0.0.1"), "DE", "Germany", "Berlin");
  // IPv4-mapped IPv6 is looked up as the IPv4 address it is.
  ExpectGeo(geo->Lookup("::ffff:127.0.0.1"), "DE", "Germany", "Berlin");
  // IPv6 in an IPv4-only tree: no location, not an error.
  EXPECT_TRUE(geo->Lookup("::1").empty());
  EXPECT_TRUE(geo->Lookup("2001:db8::1").empty());
}

TEST(GeoDbTest, MissingFileIsNotFound) {
  TempDir dir("inlinks_geo_missing");
  EXPECT_THAT(GeoDb::Open(dir.Sub("nope.mmdb")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("nope.mmdb")));
  EXPECT_THAT(GeoDb::Open(dir.Sub("no/such/dir.mmdb")), StatusIs(absl::StatusCode::kNotFound));
}

TEST(GeoDbTest, CorruptFilesAreInvalidArguments) {
  REQUIRE_GEO_DBS();
  TempDir dir("inlinks_geo_corrupt");
  std::filesystem::create_directories(dir.path());
  const std::string good = ReadFile(dbs.city);
  ASSERT_GT(good.size(), 100u);

  std::vector<std::pair<std::string, std::string>> files = {
      {"empty.mmdb", ""},
      {"text.mmdb", "this is not a MaxMind database\n"},
      {"truncated.mmdb", good.substr(0, good.size() / 2)},
      {"no-metadata.mmdb", good.substr(0, good.size() - 40)},
  };
  // A search tree whose first node points far past the data section.
  std::string bad_tree = good;
  for (int i = 0; i < 6; ++i) bad_tree[i] = '\xFF';
  files.emplace_back("bad-tree.mmdb", bad_tree);

  for (const auto& [name, bytes] : files) {
    WriteFile(dir.Sub(name), bytes);
    EXPECT_THAT(GeoDb::Open(dir.Sub(name)),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(name)))
        << name;
  }
  // A directory is not a database either.
  EXPECT_THAT(GeoDb::Open(dir.path()), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(GeoDbTest, ConcurrentLookupsAgree) {
  REQUIRE_GEO_DBS();
  std::unique_ptr<GeoDb> geo = OpenOrDie(dbs.city);
  ASSERT_NE(geo, nullptr);
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5000; ++i) {
        GeoInfo a = geo->Lookup("127.0.0." + std::to_string(i % 256));
        GeoInfo b = geo->Lookup("2001:db8::" + std::to_string(i % 9999));
        GeoInfo c = geo->Lookup("8.8.4." + std::to_string(i % 256));
        if (a.city != "Berlin" || b.ccode != "JP" || !c.empty()) ++wrong[t];
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong, std::vector<int>(4, 0));
}

// ---- Rows of the query engine ----

class GeoRowsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Sources fetched from addresses of the test database, one outside it.
    idx_.Index(MakePage("https://a-berlin.example.org/a", {L("https://example.com/1", "one")}),
               At(100, 200, "127.0.0.1"));
    idx_.Index(
        MakePage("https://b-amsterdam.example.org/b",
                 {L("https://example.com/2", "two"),
                  L("https://example.com/3", "three", core::LinkTag::kA, core::kRelNofollow)}),
        At(100, 200, "::1"));
    idx_.Index(MakePage("https://c-zurich.example.org/c", {L("https://example.com/4", "four")}),
               At(100, 200, "198.51.100.7"));
    idx_.Index(MakePage("https://d-nowhere.example.org/d", {L("https://example.com/5", "five")}),
               At(100, 200, "8.8.8.8"));
  }
  IndexedDb idx_;
};

TEST_F(GeoRowsTest, RowsCarryTheLocationOfTheSourceIp) {
  REQUIRE_GEO_DBS();
  std::unique_ptr<GeoDb> geo = OpenOrDie(dbs.city);
  ASSERT_NE(geo, nullptr);
  QueryEngine engine(idx_.db(), geo.get());
  Scope scope = ResolveScope("example.com").value();
  ASSERT_OK_AND_ASSIGN(BacklinkPage page, engine.Backlinks(scope, {}, 0, 10));
  ASSERT_EQ(page.rows.size(), 5u);
  // Unranked sources (sr 0) in source URL order: example.com/1 .. /5.
  EXPECT_EQ(page.rows[0].ip, "127.0.0.1");
  ExpectGeo({page.rows[0].ccode, page.rows[0].country, page.rows[0].city}, "DE", "Germany",
            "Berlin");
  EXPECT_EQ(page.rows[1].ip, "::1");
  ExpectGeo({page.rows[1].ccode, page.rows[1].country, page.rows[1].city}, "NL", "Netherlands",
            "Amsterdam");
  ExpectGeo({page.rows[2].ccode, page.rows[2].country, page.rows[2].city}, "NL", "Netherlands",
            "Amsterdam");
  ExpectGeo({page.rows[3].ccode, page.rows[3].country, page.rows[3].city}, "CH", "Switzerland",
            "Z\xC3\xBCrich");
  EXPECT_EQ(page.rows[4].ip, "8.8.8.8");
  ExpectGeo({page.rows[4].ccode, page.rows[4].country, page.rows[4].city}, "", "", "");

  // The writers print them.
  std::string json;
  AppendBacklinkJson(page.rows[0], json);
  EXPECT_THAT(json, HasSubstr("\"ip\":\"127.0.0.1\""));
  EXPECT_THAT(json, HasSubstr("\"ccode\":\"DE\",\"country\":\"Germany\",\"city\":\"Berlin\""));
  std::string xml;
  AppendBacklinkXml(page.rows[0], xml);
  EXPECT_THAT(xml, HasSubstr("<ccode>DE</ccode><country>Germany</country><city>Berlin</city>"));

  // Every way to a page fills them: a cursor, and a filtered scan.
  ASSERT_OK_AND_ASSIGN(BacklinkPage first, engine.Backlinks(scope, {}, 0, 2));
  ASSERT_FALSE(first.next_cursor.empty());
  ASSERT_OK_AND_ASSIGN(BacklinkPage next,
                       engine.BacklinksAfterCursor(scope, {}, first.next_cursor, 2));
  ASSERT_EQ(next.rows.size(), 2u);
  EXPECT_EQ(next.rows[0].ccode, "NL");
  EXPECT_EQ(next.rows[1].city, "Z\xC3\xBCrich");
  BacklinkFilter nofollow;
  nofollow.nofollow = true;
  ASSERT_OK_AND_ASSIGN(BacklinkPage filtered, engine.Backlinks(scope, nofollow, 0, 10));
  ASSERT_EQ(filtered.rows.size(), 1u);
  EXPECT_EQ(filtered.rows[0].ccode, "NL");
  EXPECT_EQ(filtered.rows[0].city, "Amsterdam");
}

TEST_F(GeoRowsTest, CountryDatabaseAndNoDatabase) {
  REQUIRE_GEO_DBS();
  std::unique_ptr<GeoDb> geo = OpenOrDie(dbs.country);
  ASSERT_NE(geo, nullptr);
  Scope scope = ResolveScope("example.com/1").value();
  QueryEngine with_country(idx_.db(), geo.get());
  ASSERT_OK_AND_ASSIGN(BacklinkPage page, with_country.Backlinks(scope, {}, 0, 10));
  ASSERT_EQ(page.rows.size(), 1u);
  ExpectGeo({page.rows[0].ccode, page.rows[0].country, page.rows[0].city}, "DE", "Germany", "");

  QueryEngine without(idx_.db());
  ASSERT_OK_AND_ASSIGN(page, without.Backlinks(scope, {}, 0, 10));
  ASSERT_EQ(page.rows.size(), 1u);
  EXPECT_EQ(page.rows[0].ip, "127.0.0.1");
  ExpectGeo({page.rows[0].ccode, page.rows[0].country, page.rows[0].city}, "", "", "");
}

}  // namespace
}  // namespace inlinks::query
