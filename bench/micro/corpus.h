// File: bench/micro/corpus.h
//
// Loads a corpus of real HTML pages for the micro benchmarks: the directory in
// $INLINKS_BENCH_CORPUS, else Debian's Boost documentation
// (/usr/share/doc/libboost1.81-doc, `apt-get install libboost1.81-doc`,
// ~3,900 HTML pages), else the shared test data's pages.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace inlinks::bench {

struct CorpusPage {
  std::string url;   // a stable http URL for the page
  std::string body;
};

struct Corpus {
  std::string source;  // where it came from, for the report
  std::vector<CorpusPage> pages;
  size_t bytes = 0;
};

inline Corpus LoadCorpus(size_t max_bytes = 256u << 20) {
  namespace fs = std::filesystem;
  std::vector<fs::path> roots;
  if (const char* env = std::getenv("INLINKS_BENCH_CORPUS")) roots.emplace_back(env);
  roots.emplace_back("/usr/share/doc/libboost1.81-doc");
  roots.emplace_back(INLINKS_TESTDATA_DIR "/html");
  Corpus corpus;
  for (const fs::path& root : roots) {
    std::error_code ec;
    if (!fs::is_directory(root, ec)) continue;
    std::vector<fs::path> files;
    for (auto it = fs::recursive_directory_iterator(root, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      std::string ext = it->path().extension().string();
      if (it->is_regular_file() && (ext == ".html" || ext == ".htm")) files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files) {
      std::ifstream in(f, std::ios::binary);
      std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (corpus.bytes + body.size() > max_bytes) break;
      corpus.bytes += body.size();
      corpus.pages.push_back(
          {"http://docs.example.org/" + f.lexically_relative(root).generic_string(),
           std::move(body)});
    }
    if (!corpus.pages.empty()) {
      corpus.source = root.string();
      break;
    }
  }
  return corpus;
}

}  // namespace inlinks::bench
