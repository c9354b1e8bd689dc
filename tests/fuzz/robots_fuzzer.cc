// Fuzz target for the robots.txt parser and matcher. The first byte selects
// the split point between the robots.txt body and a path to check; checks
// the parser's invariants beyond not crashing.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "inlinks/crawler/robots.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using inlinks::crawler::RobotsRules;
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  size_t split = input.size() * data[0] / 256;
  std::string_view body = input.substr(0, split);
  std::string_view path = input.substr(split);
  RobotsRules rules = RobotsRules::Parse(body, "FooBot", 1 << 16);
  if (rules.rule_count() > RobotsRules::kMaxRules) std::abort();
  (void)rules.Check(path);
  (void)rules.Check("/");
  // RFC 9309 section 3: /robots.txt is always allowed.
  if (!rules.IsAllowed("/robots.txt")) std::abort();
  if (auto d = rules.crawl_delay(); d && !(*d >= 0)) std::abort();
  // With no rules, everything is allowed.
  if (rules.rule_count() == 0 && !rules.IsAllowed(path)) std::abort();
  return 0;
}
