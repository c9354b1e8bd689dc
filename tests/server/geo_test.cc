// ccode/country/city through HTTP: a server on port 0 with a GeoDb
// (ServerOptions::geo) over pages indexed by the real indexer from known
// addresses, asked in the URL dialect (docs/api.md section 2, whose rows name
// these fields) and the native dialect. The databases are
// tests/query/geo_testing.h's.
#include "inlinks/query/geo.h"

#include <boost/json.hpp>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "inlinks/indexer/indexer.h"
#include "inlinks/query/server.h"
#include "tests/query/geo_testing.h"
#include "tests/server/server_testing.h"
#include "tests/testing/status_matchers.h"

namespace inlinks::query {
namespace {

namespace json = boost::json;
using testing::FetchedAt;
using testing::HttpClient;
using testing::HttpResult;
using testing::MakeLink;
using testing::MakePage;

std::string Str(const json::value& v) { return std::string(v.as_string()); }

class GeoServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const testing::GeoTestDbs& dbs = testing::TestGeoDbs();
    ASSERT_TRUE(dbs.error.empty()) << dbs.error;
    absl::StatusOr<std::unique_ptr<GeoDb>> geo = GeoDb::Open(dbs.city);
    ASSERT_THAT(geo, ::inlinks::testing::IsOk());
    geo_ = std::move(*geo);

    db_ = storage::Db::Open(dir_.path()).value();
    {
      std::unique_ptr<indexer::Indexer> idx = indexer::Indexer::Create(*db_).value();
      ASSERT_TRUE(idx->Index(MakePage("http://a-berlin.example.org/",
                                      {MakeLink("https://geo.test/a")}, "Berlin"),
                             FetchedAt(1000, "127.0.0.1"))
                      .ok());
      ASSERT_TRUE(idx->Index(MakePage("http://b-amsterdam.example.org/",
                                      {MakeLink("https://geo.test/b")}, "Amsterdam"),
                             FetchedAt(1000, "::1"))
                      .ok());
      ASSERT_TRUE(idx->Index(MakePage("http://c-elsewhere.example.org/",
                                      {MakeLink("https://geo.test/c")}, "Elsewhere"),
                             FetchedAt(1000, "192.0.2.7"))
                      .ok());
    }
    ServerOptions options;
    options.port = 0;
    options.threads = 1;
    options.geo = geo_.get();
    server_ = std::make_unique<Server>(*db_, options);
    ASSERT_TRUE(server_->Start().ok());
    IssuedKey key = server_->keys().Add({.id = "geo", .credits = 1'000'000}).value();
    id_ = key.key.id;
    secret_ = key.secret;
    token_ = key.token();
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }

  json::value GetJson(HttpClient& client, const std::string& target,
                      const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    HttpResult r = client.Get(target, headers);
    EXPECT_EQ(r.status, 200) << target << " -> " << r.body;
    boost::system::error_code ec;
    json::value v = json::parse(r.body, ec);
    EXPECT_FALSE(ec) << r.body;
    return v;
  }

  ::inlinks::testing::TempDir dir_;
  std::unique_ptr<GeoDb> geo_;  // outlives server_ (declared before it)
  std::unique_ptr<storage::Db> db_;
  std::unique_ptr<Server> server_;
  std::string id_, secret_, token_;
};

TEST_F(GeoServerTest, UrlDialectRowsCarryTheLocation) {
  HttpClient client(server_->port());
  HttpResult t = client.Request(
      "POST", "/v3/token", {{"Content-Type", "application/x-www-form-urlencoded"}},
      "grant_type=client_credentials&client_id=" + id_ + "&client_secret=" + secret_);
  ASSERT_EQ(t.status, 200) << t.body;
  std::string token = Str(json::parse(t.body).at("access_token"));
  json::value v = GetJson(client, "/v3/ResearchLinksGetListBacklinks.json?url=geo.test",
                          {{"Authorization", "Bearer " + token}});
  ASSERT_EQ(v.at("count").as_int64(), 3);
  const json::array& rows = v.at("response").as_array();
  ASSERT_EQ(rows.size(), 3u);
  // Unranked sources (sr 0), by source URL: geo.test/a, /b, /c.
  EXPECT_EQ(Str(rows[0].at("ip")), "127.0.0.1");
  EXPECT_EQ(Str(rows[0].at("ccode")), "DE");
  EXPECT_EQ(Str(rows[0].at("country")), "Germany");
  EXPECT_EQ(Str(rows[0].at("city")), "Berlin");
  EXPECT_EQ(Str(rows[1].at("ip")), "::1");
  EXPECT_EQ(Str(rows[1].at("ccode")), "NL");
  EXPECT_EQ(Str(rows[1].at("country")), "Netherlands");
  EXPECT_EQ(Str(rows[1].at("city")), "Amsterdam");
  EXPECT_EQ(Str(rows[2].at("ip")), "192.0.2.7");  // not in the database
  EXPECT_EQ(Str(rows[2].at("ccode")), "");
  EXPECT_EQ(Str(rows[2].at("country")), "");
  EXPECT_EQ(Str(rows[2].at("city")), "");
}

TEST_F(GeoServerTest, NativeDialectRowsCarryTheLocation) {
  HttpClient client(server_->port());
  json::value v = GetJson(client, "/v1/backlinks?target=geo.test/a&key=" + token_);
  ASSERT_EQ(v.at("total").as_int64(), 1);
  const json::value& row = v.at("rows").as_array().at(0);
  EXPECT_EQ(Str(row.at("ccode")), "DE");
  EXPECT_EQ(Str(row.at("country")), "Germany");
  EXPECT_EQ(Str(row.at("city")), "Berlin");
}

}  // namespace
}  // namespace inlinks::query
