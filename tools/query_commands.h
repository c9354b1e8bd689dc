// File: tools/query_commands.h
//
// Owns: the query subcommands of the `inlinks` CLI, `inlinks backlinks`,
// `inlinks stats` and the history commands `inlinks trend|new|lost`, over
// query/backlinks.h and query/history.h. They open the database read-only
// (storage::DbOptions::read_only), which RocksDB allows while another process
// (the daemon) has it open for writing: the reader sees the state as of its
// open.
//
// Thread safety: called once from main.
#pragma once

#include <string>
#include <vector>

namespace inlinks::tools {

// `inlinks backlinks TARGET [options]`; `args` excludes the subcommand name.
// Returns the process exit code: 0 success, 1 database or storage error,
// 2 bad arguments (with a message on stderr).
int BacklinksCommand(const std::vector<std::string>& args);

// `inlinks stats [--db DIR] [--format text|json]`; exit codes as above.
int StatsCommand(const std::vector<std::string>& args);

// `inlinks trend TARGET [--from D] [--to D] [options]` (query/history.h):
// daily live backlinks and referring domains; exit codes as above.
int TrendCommand(const std::vector<std::string>& args);
// `inlinks new|lost TARGET [--from D] [--to D] [--limit N] [--offset N]
// [options]`: backlinks first seen / lost within the window; likewise.
int NewLinksCommand(const std::vector<std::string>& args);
int LostLinksCommand(const std::vector<std::string>& args);

}  // namespace inlinks::tools
