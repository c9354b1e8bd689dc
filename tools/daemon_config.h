// File: tools/daemon_config.h
//
// Owns: the configuration of `inlinksd`: every option as a command-line
// flag and as a key of a TOML config file (`--config FILE`; flags override
// the file), validated into crawler and server settings with a clear error
// naming the bad option. The table of options (name, value kind, help) is the
// single source of `--help`, the flag parser and the TOML reader.
//
// Thread safety: plain values.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "inlinks/crawler/crawler.h"

namespace inlinks::tools {

struct DaemonConfig {
  std::string command;  // "crawl" or "serve"
  std::string db;
  std::string seeds_file;
  std::vector<std::string> seeds;  // --seed, repeatable
  std::vector<std::string> allow_nets;  // --allow-net, repeatable (crawl.fetch.guard)
  std::string serve;               // crawl: also serve the API on this address ("" = no)
  std::string listen = "127.0.0.1:8080";  // serve: the API address
  std::string geoip;               // MaxMind City/Country database for the API ("" = none)
  std::string progress = "auto";   // auto | yes | no
  std::string log_level = "info";
  bool help = false;
  // crawl: how often the index publishes what was crawled (refresh-interval).
  int64_t refresh_interval_ms = 1000;
  // The API's open connections from one client address
  // (query::ServerOptions::max_connections_per_client); 0 = no cap.
  int64_t max_connections_per_client = 128;
  crawler::CrawlerOptions crawl;
};

// Parses `args` (without the program name). Errors: kInvalidArgument naming
// the option and what was wrong with it (unknown flag, missing or bad value,
// unreadable or malformed config file).
absl::StatusOr<DaemonConfig> ParseDaemonConfig(const std::vector<std::string>& args);

// The --help text.
std::string DaemonUsage();

}  // namespace inlinks::tools
