// File: tests/testing/testdata.h
//
// Access to the third-party test data vendored in tests/data/third_party
// (see its README.md: origin, version and licence of each folder) and to
// small helpers tests share: reading files as bytes and
// splitting CSV lines the way the crawler-commons files need.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace inlinks::testing {

// Absolute path of a file under the third-party test data directory,
// e.g. TestdataPath("url/wpt/urltestdata.json").
std::filesystem::path TestdataPath(std::string_view relative);

// Reads a whole file as bytes; nullopt when it cannot be read.
std::optional<std::string> ReadFileBytes(const std::filesystem::path& path);

// Splits one CSV line into fields; fields may be quoted with '"', and a
// literal quote inside a quoted field is written '""'.
std::vector<std::string> SplitCsvLine(std::string_view line);

}  // namespace inlinks::testing

// Fails the current test (with the path in the message) when the test data
// is missing: it is part of the repository, so a missing file is a broken
// checkout or a wrong INLINKS_TESTDATA_DIR, never a reason to skip.
#define INLINKS_REQUIRE_TESTDATA(relative)                                   \
  do {                                                                       \
    if (!std::filesystem::exists(::inlinks::testing::TestdataPath(relative))) \
      FAIL() << "test data missing: "                                        \
             << ::inlinks::testing::TestdataPath(relative);                  \
  } while (0)
