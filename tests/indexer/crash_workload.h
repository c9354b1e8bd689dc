// File: tests/indexer/crash_workload.h
//
// The deterministic workload of the crash test: step i of seed s always
// indexes the same page with the same links (or marks it gone), so the test
// can tell what the index must hold after any acknowledged step.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "inlinks/core/records.h"
#include "inlinks/core/url.h"

namespace inlinks::testing {

struct CrashStep {
  std::string source;  // normalized href
  bool gone = false;   // MarkGone instead of Index
  core::Page page;
};

inline CrashStep MakeCrashStep(uint64_t seed, uint64_t step) {
  std::mt19937_64 rng(seed * 1000003u + step);
  static const char* kSourceHosts[] = {"www.s0.com", "s1.org", "blog.s2.net", "s3.co.uk",
                                       "a.s4.blogspot.com", "s5.de", "www.s6.io", "s7.fr"};
  CrashStep out;
  uint64_t source_id = rng() % 40;
  out.source = core::ParseUrl("https://" + std::string(kSourceHosts[source_id % 8]) + "/page" +
                              std::to_string(source_id))
                   .value()
                   .href();
  out.gone = rng() % 20 == 0;
  out.page.url = out.source;
  out.page.title = "title " + std::to_string(step);
  if (out.gone) return out;
  size_t n = 20 + rng() % 130;
  for (size_t i = 0; i < n; ++i) {
    // Power-law-ish target popularity: low ids far more often.
    double u = std::uniform_real_distribution<double>(0, 1)(rng);
    auto target_id = static_cast<uint64_t>(300 * u * u * u);
    std::string url = "http" + std::string(target_id % 3 ? "s" : "") + "://" +
                      (target_id % 5 ? "www." : "") + "t" + std::to_string(target_id % 30) +
                      ".com/p" + std::to_string(target_id);
    core::Link link;
    link.target = core::ParseUrl(url).value().href();
    link.anchor = "anchor " + std::to_string(rng() % 4);
    link.position = static_cast<uint32_t>(i + 1);
    link.tag = rng() % 10 == 0 ? core::LinkTag::kAImg : core::LinkTag::kA;
    link.rel = rng() % 7 == 0 ? core::kRelNofollow : 0;
    out.page.links.push_back(std::move(link));
  }
  out.page.total_links = static_cast<uint32_t>(n);
  return out;
}

}  // namespace inlinks::testing
