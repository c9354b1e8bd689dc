// Stored formats: a version-1 database written by the format-1 indexer
// (tests/data/format1, its README says how it was made) is converted by its
// first writable open and then holds, family by family, exactly what this
// build writes for the same pages; a read-only open of it is refused with
// what to do.
#include <filesystem>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "inlinks/core/status_macros.h"
#include "inlinks/indexer/check.h"
#include "inlinks/indexer/indexer.h"
#include "inlinks/indexer/rank.h"
#include "inlinks/storage/db.h"
#include "tests/indexer/family_dump.h"
#include "tests/indexer/fixture_workload.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace inlinks::indexer {
namespace {

using storage::Family;

constexpr char kFixture[] = INLINKS_SOURCE_DIR "/tests/data/format1/db";

std::string CopyFixture(const testing::TempDir& dir) {
  std::filesystem::create_directories(dir.path());
  std::string copy = dir.Sub("format1");
  std::filesystem::copy(kFixture, copy, std::filesystem::copy_options::recursive);
  return copy;
}

// The fixture's steps as its generator made them, with this build.
absl::Status IndexLikeTheFixture(storage::Db& db) {
  {
    ASSIGN_OR_RETURN(std::unique_ptr<Indexer> indexer, Indexer::Create(db));
    RETURN_IF_ERROR(testing::IndexFixtureSteps(*indexer, 0, 90));
  }
  RETURN_IF_ERROR(RankPages(db).status());
  ASSIGN_OR_RETURN(std::unique_ptr<Indexer> indexer, Indexer::Create(db));
  return testing::IndexFixtureSteps(*indexer, 90, 120);
}

TEST(Format, Version1IsConvertedAndEqualsTheSamePagesIndexedNow) {
  testing::TempDir dir("inlinks_format");
  const std::string converted_dir = CopyFixture(dir);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<storage::Db> converted,
                       storage::Db::Open(converted_dir));
  EXPECT_EQ(converted->opened_format_version(), 1);
  ASSERT_OK_AND_ASSIGN(std::optional<std::string> version,
                       converted->Get(Family::kMeta, "inlinks.format_version"));
  EXPECT_EQ(version, std::to_string(storage::kFormatVersion));
  ASSERT_OK_AND_ASSIGN(CheckReport report, CheckIndex(*converted));
  EXPECT_TRUE(report.ok()) << report.messages[0];
  EXPECT_EQ(report.live_links, 3356u);
  EXPECT_EQ(report.lost_links, 4263u);

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<storage::Db> fresh, storage::Db::Open(dir.Sub("fresh")));
  EXPECT_EQ(fresh->opened_format_version(), storage::kFormatVersion);
  ASSERT_OK(IndexLikeTheFixture(*fresh));
  testing::ExpectSameFamilies(*converted, *fresh, /*with_directories=*/true);

  // Both go on alike.
  for (storage::Db* db : {converted.get(), fresh.get()}) {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Indexer> indexer, Indexer::Create(*db));
    ASSERT_OK(testing::IndexFixtureSteps(*indexer, 120, 160));
  }
  testing::ExpectSameFamilies(*converted, *fresh, /*with_directories=*/true);
  ASSERT_OK_AND_ASSIGN(report, CheckIndex(*converted));
  EXPECT_TRUE(report.ok()) << report.messages[0];

  // A second open finds the current version.
  converted.reset();
  ASSERT_OK_AND_ASSIGN(converted, storage::Db::Open(converted_dir));
  EXPECT_EQ(converted->opened_format_version(), storage::kFormatVersion);
}

TEST(Format, Version1ReadOnlyIsRefusedWithWhatToDo) {
  testing::TempDir dir("inlinks_format");
  const std::string copy = CopyFixture(dir);
  storage::DbOptions options;
  options.read_only = true;
  absl::StatusOr<std::unique_ptr<storage::Db>> db = storage::Db::Open(copy, options);
  EXPECT_THAT(db.status(), testing::StatusIs(absl::StatusCode::kFailedPrecondition,
                                             ::testing::HasSubstr("inlinks migrate")));
}

}  // namespace
}  // namespace inlinks::indexer
