// Atomic charging under concurrency: >= 100 concurrent requests over real
// sockets at a key whose credits pay for only some of them.
#include <atomic>
#include <boost/json.hpp>
#include <thread>

#include "gtest/gtest.h"
#include "inlinks/query/server.h"
#include "tests/server/server_testing.h"

namespace inlinks::query {
namespace {

TEST(Credits, ConcurrentRequestsNeverOverdraw) {
  testing::TempDir dir;
  auto db = storage::Db::Open(dir.path()).value();
  testing::BuildTestIndex(*db);
  ServerOptions options;
  options.port = 0;
  options.threads = 4;
  Server server(*db, options);
  ASSERT_TRUE(server.Start().ok());
  // 7 rows at 37 credits per 100 rows cost ceil(2.59) = 3 credits a call;
  // 151 credits pay for 50 calls and leave 1.
  constexpr int64_t kCredits = 151, kPrice = 37, kRows = 7, kCost = 3;
  IssuedKey key = server.keys()
                      .Add({.id = "shared", .credits = kCredits, .price_per_100_rows = kPrice})
                      .value();
  constexpr int kThreads = 30, kPerThread = 4;  // 120 requests
  std::atomic<int> paid{0}, refused{0}, other{0};
  std::atomic<int64_t> rows_served{0};
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      testing::HttpClient client(server.port());
      client.Get("/healthz");  // connect first, then start together
      ++ready;
      while (ready.load() < kThreads) std::this_thread::yield();
      for (int i = 0; i < kPerThread; ++i) {
        // Alternate dialects: both charge through the same store.
        std::string target =
            (t + i) % 2 ? "/api/links/getBacklinks/" + key.token() + "/example.com/json/7"
                        : "/v1/backlinks?target=example.com&limit=7&key=" + key.token();
        auto r = client.Get(target);
        boost::system::error_code ec;
        auto v = boost::json::parse(r.body, ec);
        if (ec) {
          ++other;
          continue;
        }
        if ((t + i) % 2) {
          int64_t code = v.at("apiErrorCode").as_int64();
          if (code == 0) {
            ++paid;
            rows_served += static_cast<int64_t>(v.at("apiResult").as_array().size());
          } else if (code == 4) {
            ++refused;
          } else {
            ++other;
          }
        } else {
          if (r.status == 200) {
            ++paid;
            rows_served += static_cast<int64_t>(v.at("rows").as_array().size());
            EXPECT_GE(v.at("balance").as_int64(), 0);
          } else if (r.status == 402) {
            ++refused;
          } else {
            ++other;
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  ApiKey after = server.keys().Get("shared").value();
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(paid.load() + refused.load(), kThreads * kPerThread);
  EXPECT_EQ(paid.load(), kCredits / kCost);
  EXPECT_EQ(rows_served.load(), paid.load() * kRows);
  EXPECT_EQ(after.credits_used, paid.load() * CostOfRows(kRows, kPrice));
  EXPECT_EQ(after.credits_used, kCredits - after.credits);
  EXPECT_EQ(after.credits, kCredits % kCost);
  EXPECT_GE(after.credits, 0);
  EXPECT_EQ(after.rows_served, rows_served.load());
  server.Stop();
}

}  // namespace
}  // namespace inlinks::query
