// API keys and credits (query/keys.h): storage, hashing, authentication,
// charging rules, tokens and the default local key.
#include "inlinks/query/keys.h"

#include <sys/stat.h>

#include <fstream>
#include <thread>

#include "gtest/gtest.h"
#include "tests/server/server_testing.h"
#include "tests/testing/status_matchers.h"

namespace inlinks::query {
namespace {

using ::inlinks::testing::IsOk;
using ::inlinks::testing::StatusIs;

class KeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(db_, storage::Db::Open(dir_.path()));
    store_ = std::make_unique<KeyStore>(*db_, [] { return int64_t{1700000000}; });
  }
  testing::TempDir dir_;
  std::unique_ptr<storage::Db> db_;
  std::unique_ptr<KeyStore> store_;
};

TEST(Credits, CostRoundsUpPerCall) {
  EXPECT_EQ(CostOfRows(0, 10), 0);
  EXPECT_EQ(CostOfRows(1, 10), 1);
  EXPECT_EQ(CostOfRows(10, 10), 1);
  EXPECT_EQ(CostOfRows(11, 10), 2);
  EXPECT_EQ(CostOfRows(100, 10), 10);
  EXPECT_EQ(CostOfRows(1000, 10), 100);
  EXPECT_EQ(CostOfRows(3, 37), 2);
  EXPECT_EQ(CostOfRows(5, 0), 0);
  EXPECT_EQ(CostOfRows(INT64_MAX, 10), INT64_MAX);
}

TEST(Credits, SplitKeyString) {
  EXPECT_EQ(SplitKeyString("id.secret").value(), std::make_pair(std::string("id"),
                                                                 std::string("secret")));
  EXPECT_EQ(SplitKeyString("id:secret").value().second, "secret");
  EXPECT_THAT(SplitKeyString("nosep"), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(SplitKeyString(".x"), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(SplitKeyString("x."), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(KeysTest, AddStoresOnlyAHashAndAuthenticates) {
  ASSERT_OK_AND_ASSIGN(IssuedKey k, store_->Add({.id = "alice", .functions = {"backlinks"},
                                                 .credits = 50}));
  EXPECT_EQ(k.key.id, "alice");
  EXPECT_EQ(k.secret.size(), 32u);
  EXPECT_EQ(k.token(), "alice." + k.secret);
  // The secret is nowhere in the stored record.
  ASSERT_OK_AND_ASSIGN(auto raw, db_->Get(storage::Family::kMeta, "apikey/alice"));
  ASSERT_TRUE(raw.has_value());
  EXPECT_EQ(raw->find(k.secret), std::string::npos);

  ASSERT_OK_AND_ASSIGN(ApiKey a, store_->AuthenticateKeyString(k.token()));
  EXPECT_EQ(a.credits, 50);
  EXPECT_EQ(a.created_unix, 1700000000);
  EXPECT_TRUE(a.Allows("backlinks"));
  EXPECT_FALSE(a.Allows("linktexts"));
  EXPECT_THAT(store_->Authenticate("alice", k.secret + "x"),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(store_->Authenticate("bob", k.secret), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(store_->Authenticate("../x", k.secret),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(store_->Add({.id = "alice"}), StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(store_->Add({.id = "bad id"}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store_->Add({.id = "neg", .credits = -1}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(KeysTest, GeneratedIdsAreUniqueAndListed) {
  ASSERT_OK_AND_ASSIGN(IssuedKey a, store_->Add({}));
  ASSERT_OK_AND_ASSIGN(IssuedKey b, store_->Add({}));
  EXPECT_NE(a.key.id, b.key.id);
  EXPECT_NE(a.secret, b.secret);
  ASSERT_OK_AND_ASSIGN(auto all, store_->List());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_TRUE(all[0].Allows("anything"));  // "*" by default
}

TEST_F(KeysTest, ChargeIsAllOrNothing) {
  ASSERT_OK_AND_ASSIGN(IssuedKey k, store_->Add({.id = "c", .credits = 25}));
  ASSERT_OK_AND_ASSIGN(ChargeResult r, store_->Charge("c", 100));  // 10 credits
  EXPECT_EQ(r.charged, 10);
  EXPECT_EQ(r.balance, 15);
  ASSERT_OK_AND_ASSIGN(r, store_->Charge("c", 101));  // 11 credits
  EXPECT_EQ(r.balance, 4);
  EXPECT_THAT(store_->Charge("c", 50), StatusIs(absl::StatusCode::kResourceExhausted));
  ASSERT_OK_AND_ASSIGN(ApiKey after, store_->Get("c"));
  EXPECT_EQ(after.credits, 4);  // the refused call charged nothing
  EXPECT_EQ(after.credits_used, 21);
  EXPECT_EQ(after.rows_served, 201);
  EXPECT_EQ(after.calls, 2);
  ASSERT_OK_AND_ASSIGN(r, store_->Charge("c", 0));  // free
  EXPECT_EQ(r.charged, 0);
  EXPECT_THAT(store_->Charge("nobody", 1), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(KeysTest, CreditPriceRevokeRotate) {
  ASSERT_OK_AND_ASSIGN(IssuedKey k, store_->Add({.id = "d", .credits = 5}));
  EXPECT_EQ(store_->Credit("d", 10).value(), 15);
  EXPECT_EQ(store_->Credit("d", -100).value(), 0);  // clamped
  EXPECT_THAT(store_->Credit("nobody", 1), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->SetPrice("d", 3), IsOk());
  EXPECT_EQ(store_->Get("d")->price_per_100_rows, 3);

  ASSERT_OK_AND_ASSIGN(IssuedKey rotated, store_->Rotate("d"));
  EXPECT_THAT(store_->AuthenticateKeyString(k.token()),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(store_->AuthenticateKeyString(rotated.token()), IsOk());

  std::string token = store_->IssueToken("d", std::chrono::seconds(60));
  EXPECT_THAT(store_->AuthenticateToken(token), IsOk());
  EXPECT_THAT(store_->Revoke("d"), IsOk());
  EXPECT_THAT(store_->AuthenticateKeyString(rotated.token()),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(store_->AuthenticateToken(token), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(store_->Charge("d", 1), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(KeysTest, TokensExpire) {
  ASSERT_OK_AND_ASSIGN(IssuedKey k, store_->Add({.id = "t"}));
  std::string dead = store_->IssueToken("t", std::chrono::seconds(0));
  EXPECT_EQ(dead.size(), 64u);
  EXPECT_THAT(store_->AuthenticateToken(dead), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(store_->AuthenticateToken("nope"), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(KeysTest, KeysSurviveReopen) {
  ASSERT_OK_AND_ASSIGN(IssuedKey k, store_->Add({.id = "p", .credits = 7}));
  store_.reset();
  db_.reset();
  ASSERT_OK_AND_ASSIGN(db_, storage::Db::Open(dir_.path()));
  KeyStore again(*db_);
  ASSERT_OK_AND_ASSIGN(ApiKey a, again.AuthenticateKeyString(k.token()));
  EXPECT_EQ(a.credits, 7);
}

TEST_F(KeysTest, DefaultKeyIsCreatedOnceAndKeptPrivate) {
  std::string file = dir_.path() + "/default-api-key";
  ASSERT_OK_AND_ASSIGN(std::string first, EnsureDefaultKey(*store_, file, 1000));
  EXPECT_EQ(first.rfind("default.", 0), 0u);
  ASSERT_OK_AND_ASSIGN(std::string second, EnsureDefaultKey(*store_, file, 1000));
  EXPECT_EQ(first, second);
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_OK_AND_ASSIGN(ApiKey k, store_->AuthenticateKeyString(first));
  EXPECT_EQ(k.credits, 1000);
  // A lost secret file gives the default key a new secret.
  std::remove(file.c_str());
  ASSERT_OK_AND_ASSIGN(std::string third, EnsureDefaultKey(*store_, file, 1000));
  EXPECT_NE(third, first);
  EXPECT_THAT(store_->AuthenticateKeyString(third), IsOk());
  EXPECT_THAT(store_->AuthenticateKeyString(first),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

// Charges are kept in memory and written in batches: the store itself
// always answers the charged balance, and the balance reaches the database
// on Flush() and when the store is destroyed, so a new store (a restart)
// sees every charge.
TEST_F(KeysTest, ChargedBalancesAreWrittenInBatchesAndOnClose) {
  ASSERT_OK_AND_ASSIGN(IssuedKey k, store_->Add({.id = "bob", .credits = 1000}));
  for (int i = 0; i < 30; ++i) ASSERT_OK(store_->Charge("bob", 100).status());  // 10 each
  ASSERT_OK_AND_ASSIGN(ApiKey now, store_->Get("bob"));
  EXPECT_EQ(now.credits, 700);
  EXPECT_EQ(now.calls, 30);
  ASSERT_OK_AND_ASSIGN(std::vector<ApiKey> listed, store_->List());
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].credits, 700);

  ASSERT_OK(store_->Flush());
  {
    KeyStore reader(*db_);
    ASSERT_OK_AND_ASSIGN(ApiKey stored, reader.Get("bob"));
    EXPECT_EQ(stored.credits, 700);
  }
  ASSERT_OK(store_->Charge("bob", 50).status());  // 5 more, not yet flushed
  store_.reset();                                 // "shutdown"
  KeyStore restarted(*db_);
  ASSERT_OK_AND_ASSIGN(ApiKey after, restarted.Get("bob"));
  EXPECT_EQ(after.credits, 695);
  EXPECT_EQ(after.credits_used, 305);
  EXPECT_EQ(after.rows_served, 3050);
  // Credit and revoke write through at once, with the charges before them.
  ASSERT_OK(restarted.Charge("bob", 10).status());
  ASSERT_OK_AND_ASSIGN(int64_t balance, restarted.Credit("bob", 6));
  EXPECT_EQ(balance, 700);
  KeyStore other(*db_);
  ASSERT_OK_AND_ASSIGN(ApiKey seen, other.Get("bob"));
  EXPECT_EQ(seen.credits, 700);
  EXPECT_EQ(seen.calls, 32);
}

}  // namespace
}  // namespace inlinks::query
