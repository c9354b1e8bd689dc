// GET /v1/new, /v1/lost and /v1/trend (native dialect, docs/api.md) on a real
// server over a database whose history the test wrote with a fake clock.
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "inlinks/query/history.h"
#include "inlinks/query/server.h"
#include "tests/server/server_testing.h"

namespace inlinks::query {
namespace {

namespace json = boost::json;
using testing::FetchedAt;
using testing::HttpClient;
using testing::HttpResult;
using testing::MakeLink;
using testing::MakePage;

constexpr int64_t kDay = 86400;
constexpr int64_t kT0 = int64_t{19783} * kDay;  // 2024-03-01 00:00:00 UTC

std::string Str(const json::value& v) { return std::string(v.as_string()); }

class HistoryApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    db_ = storage::Db::Open(dir_->path()).value().release();
    {
      auto indexer = indexer::Indexer::Create(*db_).value();
      // 2024-03-01: a.org links to /x and /y; 03-02: b.net links to /x;
      // 03-03: a.org drops /y; 03-04: /y is back; 03-05: b.net answers 404.
      auto a = [](std::vector<core::Link> links) {
        return MakePage("https://a.org/", std::move(links), "A");
      };
      ASSERT_TRUE(indexer
                      ->Index(a({MakeLink("https://example.com/x", "X"),
                                 MakeLink("https://example.com/y", "Y")}),
                              FetchedAt(kT0 + 3600))
                      .ok());
      ASSERT_TRUE(
          indexer
              ->Index(MakePage("https://b.net/", {MakeLink("https://example.com/x", "BX")}, "B"),
                      FetchedAt(kT0 + kDay + 60))
              .ok());
      ASSERT_TRUE(
          indexer
              ->Index(a({MakeLink("https://example.com/x", "X")}), FetchedAt(kT0 + 2 * kDay + 60))
              .ok());
      ASSERT_TRUE(indexer
                      ->Index(a({MakeLink("https://example.com/x", "X"),
                                 MakeLink("https://example.com/y", "Y")}),
                              FetchedAt(kT0 + 3 * kDay + 60))
                      .ok());
      core::FetchFacts gone = FetchedAt(kT0 + 4 * kDay + 60);
      gone.http_status = 404;
      ASSERT_TRUE(indexer->MarkGone("https://b.net/", gone).ok());
    }
    ServerOptions options;
    options.port = 0;
    options.threads = 1;
    server_ = new Server(*db_, options);
    ASSERT_TRUE(server_->Start().ok());
    full_ = new std::string(server_->keys()
                                .Add({.id = "full", .credits = 1000, .price_per_100_rows = 100})
                                .value()
                                .token());
    backlinks_only_ = new std::string(server_->keys()
                                          .Add({.id = "bl",
                                                .functions = {"backlinks"},
                                                .credits = 1000,
                                                .price_per_100_rows = 100})
                                          .value()
                                          .token());
  }
  static void TearDownTestSuite() {
    server_->Stop();
    delete server_;
    delete db_;
    delete dir_;
    delete full_;
    delete backlinks_only_;
  }

  json::value GetJson(const std::string& target, int expect_status = 200) {
    HttpResult r = client_.Get(target);
    EXPECT_TRUE(r.ok) << target;
    EXPECT_EQ(r.status, expect_status) << target << " -> " << r.body;
    boost::system::error_code ec;
    json::value v = json::parse(r.body, ec);
    EXPECT_FALSE(ec) << "not JSON: " << r.body;
    return v;
  }
  std::string Key() const { return "&key=" + *full_; }

  static testing::TempDir* dir_;
  static storage::Db* db_;
  static Server* server_;
  static std::string* full_;
  static std::string* backlinks_only_;
  HttpClient client_{server_->port()};
};

testing::TempDir* HistoryApiTest::dir_ = nullptr;
storage::Db* HistoryApiTest::db_ = nullptr;
Server* HistoryApiTest::server_ = nullptr;
std::string* HistoryApiTest::full_ = nullptr;
std::string* HistoryApiTest::backlinks_only_ = nullptr;

TEST_F(HistoryApiTest, TrendGivesOneRowPerDay) {
  json::value v = GetJson("/v1/trend?target=example.com&from=2024-02-29&to=2024-03-06" + Key());
  EXPECT_EQ(Str(v.at("target")), "example.com");
  EXPECT_EQ(Str(v.at("scope").at("kind")), "domain");
  EXPECT_EQ(Str(v.at("from")), "2024-02-29");
  EXPECT_EQ(Str(v.at("to")), "2024-03-06");
  EXPECT_TRUE(v.at("history_since").is_null());
  const json::array& days = v.at("days").as_array();
  ASSERT_EQ(days.size(), 7u);
  struct Want {
    const char* date;
    int64_t live, rd, added, lost, revived;
  };
  const Want want[7] = {{"2024-02-29", 0, 0, 0, 0, 0}, {"2024-03-01", 2, 1, 2, 0, 0},
                        {"2024-03-02", 3, 2, 1, 0, 0}, {"2024-03-03", 2, 2, 0, 1, 0},
                        {"2024-03-04", 3, 2, 0, 0, 1}, {"2024-03-05", 2, 1, 0, 1, 0},
                        {"2024-03-06", 2, 1, 0, 0, 0}};
  for (size_t i = 0; i < 7; ++i) {
    const json::value& d = days[i];
    EXPECT_EQ(Str(d.at("date")), want[i].date);
    EXPECT_EQ(d.at("live").as_int64(), want[i].live) << want[i].date;
    EXPECT_EQ(d.at("referring_domains").as_int64(), want[i].rd) << want[i].date;
    EXPECT_EQ(d.at("new").as_int64(), want[i].added) << want[i].date;
    EXPECT_EQ(d.at("lost").as_int64(), want[i].lost) << want[i].date;
    EXPECT_EQ(d.at("revived").as_int64(), want[i].revived) << want[i].date;
  }
  EXPECT_EQ(v.at("credits_charged").as_int64(), 7);  // one credit per day at this price
  // A host scope; a URL scope has no trend (its new/lost links are listed).
  v = GetJson("/v1/trend?target=example.com&scope=host&from=2024-03-02&to=2024-03-05" + Key());
  EXPECT_EQ(Str(v.at("scope").at("kind")), "host");
  EXPECT_EQ(v.at("days").at(0).at("live").as_int64(), 3);
  EXPECT_EQ(v.at("days").at(3).at("live").as_int64(), 2);
  v = GetJson("/v1/trend?target=example.com/y&from=2024-03-03&to=2024-03-04" + Key(), 400);
  EXPECT_EQ(Str(v.at("error").at("param")), "scope");
  v = GetJson("/v1/new?target=example.com/y&from=2024-03-01&to=2024-03-04" + Key());
  EXPECT_EQ(v.at("total").as_int64(), 1);
  v = GetJson("/v1/trend?target=blog.example.com&from=2024-03-01&to=2024-03-01" + Key());
  EXPECT_EQ(v.at("days").at(0).at("live").as_int64(), 0);
}

TEST_F(HistoryApiTest, NewAndLostLinksWithTotalsAndPaging) {
  json::value v =
      GetJson("/v1/new?target=example.com&from=2024-03-01&to=2024-03-05&limit=2" + Key());
  EXPECT_EQ(v.at("total").as_int64(), 3);
  EXPECT_EQ(v.at("offset").as_int64(), 0);
  EXPECT_EQ(v.at("limit").as_int64(), 2);
  EXPECT_EQ(v.at("count").as_int64(), 2);
  const json::array& rows = v.at("rows").as_array();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(Str(rows[0].at("source_url")), "https://a.org/");
  EXPECT_EQ(Str(rows[0].at("target_url")), "https://example.com/x");
  EXPECT_EQ(Str(rows[1].at("target_url")), "https://example.com/y");
  EXPECT_EQ(rows[1].at("first_seen").as_int64(), kT0 + 3600);
  EXPECT_EQ(v.at("credits_charged").as_int64(), 2);
  v = GetJson("/v1/new?target=example.com&from=2024-03-01&to=2024-03-05&limit=2&offset=2" + Key());
  ASSERT_EQ(v.at("rows").as_array().size(), 1u);
  EXPECT_EQ(Str(v.at("rows").at(0).at("source_url")), "https://b.net/");
  EXPECT_TRUE(v.at("rows").at(0).at("lost").as_bool());
  // Past the end: an empty page with the total, charged nothing.
  v = GetJson("/v1/new?target=example.com&from=2024-03-01&to=2024-03-05&offset=5" + Key());
  EXPECT_EQ(v.at("total").as_int64(), 3);
  EXPECT_EQ(v.at("rows").as_array().size(), 0u);
  EXPECT_EQ(v.at("credits_charged").as_int64(), 0);
  // Only b.net's link is still lost (a.org's /y came back).
  v = GetJson("/v1/lost?target=example.com&from=2024-03-01&to=2024-03-06" + Key());
  EXPECT_EQ(v.at("total").as_int64(), 1);
  ASSERT_EQ(v.at("rows").as_array().size(), 1u);
  EXPECT_EQ(Str(v.at("rows").at(0).at("source_url")), "https://b.net/");
  EXPECT_EQ(v.at("rows").at(0).at("lost_time").as_int64(), kT0 + 4 * kDay + 60);
  v = GetJson("/v1/lost?target=www.example.com&scope=host&from=2024-03-01&to=2024-03-06" + Key());
  EXPECT_EQ(v.at("total").as_int64(), 0);
  // The backlinks function covers /v1/new and /v1/lost, not /v1/trend.
  GetJson("/v1/new?target=example.com&from=2024-03-01&to=2024-03-05&key=" + *backlinks_only_);
  GetJson("/v1/trend?target=example.com&from=2024-03-01&to=2024-03-05&key=" + *backlinks_only_,
          403);
}

TEST_F(HistoryApiTest, ParameterErrors) {
  auto param_of = [&](const std::string& query) {
    json::value v = GetJson(query + Key(), 400);
    EXPECT_EQ(Str(v.at("error").at("code")), "param_invalid") << query;
    return Str(v.at("error").at("param"));
  };
  EXPECT_EQ(param_of("/v1/trend?target=example.com&from=2024-02-30"), "from");
  EXPECT_EQ(param_of("/v1/new?target=example.com&to=yesterday"), "to");
  EXPECT_EQ(param_of("/v1/lost?target=example.com&from=2024-03-05&to=2024-03-01"), "from");
  EXPECT_EQ(param_of("/v1/trend?target=example.com&from=2000-01-01&to=2024-03-01"), "from");
  EXPECT_EQ(param_of("/v1/new?target=example.com&limit=1001"), "limit");
  EXPECT_EQ(param_of("/v1/new?target=example.com&scope=galaxy"), "scope");
  json::value v =
      GetJson("/v1/trend?target=example.com&from=2000-01-01&to=2024-03-01" + Key(), 400);
  EXPECT_NE(Str(v.at("error").at("message")).find("3660"), std::string::npos);
  GetJson("/v1/trend?from=2024-03-01" + Key(), 400);
  GetJson("/v1/trend?target=example.com", 401);
  HttpResult r = client_.Request("POST", "/v1/trend?target=example.com" + Key());
  EXPECT_EQ(r.status, 405);
  // Without dates: the 30 days up to today (the test's history is older).
  v = GetJson("/v1/trend?target=example.com" + Key());
  EXPECT_EQ(v.at("days").as_array().size(), 30u);
  EXPECT_EQ(Str(v.at("to")), FormatDay(DayOfUnixTime(std::time(nullptr))));
  EXPECT_EQ(v.at("days").at(29).at("live").as_int64(), 2);
}

}  // namespace
}  // namespace inlinks::query
