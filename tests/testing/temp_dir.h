// File: tests/testing/temp_dir.h
//
// Owns: the scratch directory of a test: a fresh path under the system temp
// dir (named after the prefix, the process and a counter, so parallel test
// processes never share one), removed with its contents on destruction.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

namespace inlinks::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "inlinks_test") {
    static std::atomic<int> n{0};
    path_ = std::filesystem::temp_directory_path() /
            (prefix + "_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
    std::filesystem::remove_all(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string path() const { return path_.string(); }
  // A path inside the directory (not created).
  std::string Sub(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace inlinks::testing
