// Writes the stored-format fixture database (tests/data/format1/README.md):
// the first 90 steps of tests/indexer/fixture_workload.h, ranked, then 30
// more steps (indexed at their pages' strengths), flushed into table files.
// Usage: make_index_fixture DIR (DIR must not exist).
#include <cstdio>

#include "inlinks/indexer/indexer.h"
#include "inlinks/indexer/rank.h"
#include "inlinks/storage/db.h"
#include "tests/indexer/fixture_workload.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_index_fixture DIR\n");
    return 2;
  }
  auto run = [&]() -> absl::Status {
    auto db = inlinks::storage::Db::Open(argv[1]);
    if (!db.ok()) return db.status();
    {
      auto indexer = inlinks::indexer::Indexer::Create(**db);
      if (!indexer.ok()) return indexer.status();
      if (auto s = inlinks::testing::IndexFixtureSteps(**indexer, 0, 90); !s.ok()) return s;
    }
    if (auto ranked = inlinks::indexer::RankPages(**db); !ranked.ok()) return ranked.status();
    {
      auto indexer = inlinks::indexer::Indexer::Create(**db);
      if (!indexer.ok()) return indexer.status();
      if (auto s = inlinks::testing::IndexFixtureSteps(**indexer, 90, 120); !s.ok()) return s;
    }
    return (*db)->Flush();
  };
  if (absl::Status s = run(); !s.ok()) {
    std::fprintf(stderr, "make_index_fixture: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}
